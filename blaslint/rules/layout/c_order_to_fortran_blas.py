"""BL102 c-order-to-fortran-blas: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.blas_api import TRANS_FLAGS, constant_int, f2py_copies
from blaslint.analysis.facts import BLAS_DTYPES
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import POSTFIX, paren
from blaslint.rules.layout._copies import droppable_copy


BL102_COST = "measured: sgemv 4096²: 40x, sgemm 2048²: 1.3x"


def bl101_operand(ctx, operand: ast.AST) -> bool:
    """Is this operand a transposed copy that BL101 reports (directly or through its name)?"""
    if droppable_copy(ctx, operand) is not None:
        return True
    if isinstance(operand, ast.Name):
        value = ctx.value_of(operand)
        return value is not None and droppable_copy(ctx, value) is not None
    return False


class COrderToFortranBlas(Rule):
    """A ``scipy.linalg.blas`` matrix routine handed a 2-D array known to be C-ordered.

    f2py wrappers need Fortran-contiguous matrices: a C-ordered one is copied
    (and transposed in memory) on every call, which costs far more than the
    BLAS operation itself for gemv. Pass the F-ordered view ``X.T`` and flip
    the routine's ``trans`` flag instead, or make the array Fortran-ordered
    once. Arrays known to be F-ordered (``np.asfortranarray``, ``.T`` of a
    C-ordered array) and arrays of unknown order are left alone.
    """

    code = "BL102"
    name = "c-order-to-fortran-blas"
    summary = "C-ordered matrix passed to an f2py BLAS wrapper: copied on every call"
    fix_safety = "unsafe"
    triggers = ("blas",)

    _SETUP = "import numpy as np\nfrom scipy.linalg.blas import sgemv\nW = np.zeros((64, 32), dtype=np.float32)\n"
    VALID = [
        # F-ordered: no copy
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
        "W = np.zeros((64, 32), dtype=np.float32, order='F')\ny = sgemv(1.0, W, x)\n",
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\n"
        "W = np.asfortranarray(np.random.rand(64, 32).astype(np.float32))\ny = sgemv(1.0, W, x)\n",
        # the transposed view of a C-ordered array is F-ordered
        _SETUP + "y = sgemv(1.0, W.T, x)\n",
        # unknown order
        "from scipy.linalg.blas import sgemv\ndef f(W, x):\n    return sgemv(1.0, W, x)\n",
        # another dtype: the copy converts, a transpose would not avoid it
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\nW = np.zeros((64, 32))\ny = sgemv(1.0, W, x)\n",
        # a vector is contiguous in any order
        "import numpy as np\nfrom scipy.linalg.blas import ddot\nx = np.zeros(5)\nd = ddot(x, x)\n",
        # a 1 x n matrix is both C- and F-contiguous
        "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.zeros((1, 8))\ny = dgemv(1.0, W, x)\n",
        # the output buffer of ger is not an input matrix (BL203's business)
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\nA = dger(1.0, u, v, a=A)\n",
        # not scipy's
        "import numpy as np\nW = np.zeros((64, 32))\ny = sgemv(1.0, W, x)\n",
        # a transposed copy: BL101 reports it
        _SETUP + "y = sgemv(1.0, W.T.copy(), x)\n",
    ]
    INVALID = [
        Invalid(_SETUP + "y = sgemv(1.0, W, x)\n", _SETUP + "y = sgemv(1.0, W.T, x, trans=1)\n", unsafe=True),
        Invalid(_SETUP + "y = sgemv(1.0, W.T.T, x, trans=1)\n", _SETUP + "y = sgemv(1.0, W.T, x, trans=0)\n",
                unsafe=True),
        Invalid("import numpy as np\nimport scipy.linalg.blas as B\nA = np.random.rand(8, 8)\n"
                "C = B.dgemm(1.0, A, A, trans_b=1)\n",
                "import numpy as np\nimport scipy.linalg.blas as B\nA = np.random.rand(8, 8)\n"
                "C = B.dgemm(1.0, A.T, A.T, trans_b=0, trans_a=1)\n", unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "rng = np.random.default_rng(0)\nW = rng.standard_normal((50, 40))\n"
                "gemv, = get_blas_funcs(('gemv',), (W,))\ny = gemv(1.0, W, x, beta=0.0)\n",
                "import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "rng = np.random.default_rng(0)\nW = rng.standard_normal((50, 40))\n"
                "gemv, = get_blas_funcs(('gemv',), (W,))\ny = gemv(1.0, W.T, x, beta=0.0, trans=1)\n",
                unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dsymv\nS = np.eye(4)\ny = dsymv(1.0, S, x)\n",
                "import numpy as np\nfrom scipy.linalg.blas import dsymv\nS = np.eye(4)\ny = dsymv(1.0, S.T, x, lower=1)\n",
                unsafe=True),
        # reported without a fix: no flag to flip
        Invalid("import numpy as np\nfrom scipy.linalg.blas import dtrmv\nL = np.ones((4, 4))\nz = dtrmv(L, x)\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        bound = ctx.blas_call(node)
        if bound is None or bound.routine.module != "blas" or not bound.routine.matrices:
            return
        routine = bound.routine
        bad = []
        for param in routine.matrices:
            arg = bound.args.get(param)
            if arg is None:
                continue
            facts = ctx.array_facts(arg)
            if f2py_copies(routine, facts) != "order":
                continue
            if routine.dtype is None and facts.dtype not in BLAS_DTYPES:
                continue
            if bl101_operand(ctx, arg):
                continue
            bad.append((param, arg, facts))
        if not bad:
            return
        names = " and ".join(f"`{ctx.text(arg)}`" for _, arg, _ in bad)
        fix = self._fix(bound, bad)
        self.report(bad[0][1], f"`{routine.name}` gets C-ordered {names}: f2py copies "
                               f"{'it' if len(bad) == 1 else 'them'} to Fortran order on every call; pass the "
                               f"transposed view and flip the routine's transpose flag, or make the array "
                               f"Fortran-ordered once ({BL102_COST})", fix,
                    cost=_cost.transposed_copy(ctx, bad[0][1], bad[0][2]))

    def _fix(self, bound, bad):
        ctx = self.ctx
        routine = bound.routine
        flags = TRANS_FLAGS.get(routine.base)
        complex_ = routine.prefix in "cz" or any(f.dtype and f.dtype.startswith("complex") for _, _, f in bad)
        if flags is None and routine.base == "symv" and not complex_:
            flags = {"a": "lower"}
        if flags is None:
            return None
        edits = []
        appended = []
        for param, arg, _ in bad:
            flag = flags[param]
            current = bound.args.get(flag)
            value = 0 if current is None else constant_int(current)
            if value is None or (value == 2 and complex_):
                return None
            new = 0 if value else 1
            if isinstance(arg, ast.Attribute) and arg.attr == "T":
                edits.append(self.replace(arg, ctx.text(arg.value)))
            else:
                edits.append(self.replace(arg, f"{paren(ctx, arg, POSTFIX)}.T"))
            if current is not None:
                edits.append(self.replace(current, str(new)))
            else:
                appended.append(f"{flag}={new}")
        if appended:
            call = bound.call
            last = max([*call.args, *(k.value for k in call.keywords)], key=lambda n: ctx.span(n)[1])
            end = ctx.span(last)[1]
            extra = "".join(f", {a}" for a in appended)
            touching = [e for e in edits if e.end == end]
            if touching:  # one edit, not a replacement and an insertion that touch
                edits.remove(touching[0])
                edits.append(self.replace_span(touching[0].start, end, touching[0].content + extra))
            else:
                edits.append(self.replace_span(end, end, extra))
        what = "flip `" + "`, `".join(flags[p] for p, _, _ in bad) + "`"
        return self.make_fix(f"Pass the transposed view and {what}", *edits, safe=False)
