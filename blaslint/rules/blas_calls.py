"""BL2 rules about scipy.linalg.blas calls whose effect is lost (BL202, BL203).

scipy's f2py wrappers are functions, not Julia's ``gemv!``: an output buffer
passed as ``y=``/``c=``/``a=`` is copied and the copy returned, unless
``overwrite_*=1`` is passed *and* the buffer already has the routine's dtype
and Fortran layout. Dropping the result therefore drops the work.
"""

from __future__ import annotations

import ast

from blaslint.analysis.blas_api import f2py_copies, f2py_keeps
from blaslint.rules._common import in_raises_block
from blaslint.rule import Invalid, Rule

_REASONS = {"dtype": "its dtype is not the routine's", "order": "it is C-ordered"}


def _assignable(node: ast.AST) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))


def _why_copied(ctx, routine, buf) -> str | None:
    """Words for why f2py copies ``buf`` (None when it does not, or we cannot tell)."""
    facts = ctx.array_facts(buf)
    reason = f2py_copies(routine, facts)
    if reason == "dtype":
        return f"`{ctx.text(buf)}` is {facts.dtype} and `{routine.name}` works in {routine.dtype}"
    if reason == "order":
        return f"`{ctx.text(buf)}` is C-ordered and f2py needs Fortran order"
    return None


class BlasResultDiscarded(Rule):
    """A scipy BLAS/LAPACK wrapper called as a bare statement whose result is the
    only place its work lands.

    ``sgemv(1.0, W, x, beta=0.0, y=out)`` does not write ``out``: without
    ``overwrite_y=1`` the wrapper computes into a copy and returns it, so a
    dropped result is lost work and ``out`` keeps its old values. The same
    holds for ``c=`` of ``?gemm``, ``a=`` of ``?ger`` and LAPACK's inputs. Routines
    that write in place by design (``?axpy``, ``?scal``, ``?swap``, ``?copy``) are
    flagged only when their buffer is known to be copied (wrong dtype).
    """

    code = "BL202"
    name = "blas-result-discarded"
    summary = "BLAS wrapper's result dropped: the buffer is not written"
    fix_safety = "unsafe"
    triggers = ("blas", "lapack")

    _F32 = "import numpy as np\nfrom scipy.linalg.blas import sgemv\ny = np.zeros(4, dtype=np.float32)\n"
    VALID = [
        # expected to fail: the result never exists
        "import pytest\nfrom scipy.linalg.lapack import dgttrf\ndef test(dl, d, du):\n"
        "    with pytest.raises(ValueError):\n        dgttrf(dl[:-1], d, du)\n",
        # the result is used
        _F32 + "y = sgemv(1.0, W, x, y=y)\n",
        _F32 + "out = sgemv(1.0, W, x)\n",
        _F32 + "print(sgemv(1.0, W, x))\n",
        # an in-place update that lands in y
        _F32 + "sgemv(1.0, W, x, beta=1.0, y=y, overwrite_y=1)\n",
        # in place by design
        _F32.replace("sgemv", "saxpy") + "saxpy(x, y)\n",
        "from scipy.linalg.blas import dscal\ndscal(2.0, x)\n",
        # the overwrite flag is not a literal, or the buffer's layout is unknown: cannot tell
        _F32 + "sgemv(1.0, W, x, y=y, overwrite_y=flag)\n",
        "from scipy.linalg.blas import dger\ndef f(A, u, v):\n    dger(1.0, u, v, a=A, overwrite_a=1)\n",
        # overwrite with a buffer that does not fit: BL203's business
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\n"
        "dger(1.0, u, v, a=A, overwrite_a=1)\n",
        # not scipy's
        "def sgemv(*a, **k):\n    pass\nsgemv(1.0, W, x, y=y)\n",
        # a LAPACK call asked to work in place
        "from scipy.linalg.lapack import dpotrf\ndef f(A):\n    dpotrf(A, lower=1, overwrite_a=1)\n",
    ]
    INVALID = [
        Invalid(_F32 + "sgemv(1.0, W, x, beta=0.0, y=y)\n",
                _F32 + "sgemv(1.0, W, x, beta=0.0, y=y, overwrite_y=1)\n", unsafe=True),
        Invalid("import numpy as np\nfrom scipy.linalg import blas as fblas\nA = np.zeros((3, 4), order='F')\n"
                "fblas.dger(1.0, u, v, a=A, overwrite_a=0)\n",
                "import numpy as np\nfrom scipy.linalg import blas as fblas\nA = np.zeros((3, 4), order='F')\n"
                "fblas.dger(1.0, u, v, a=A, overwrite_a=1)\n", unsafe=True),
        # buffer of unknown layout: assign the result into it
        Invalid("from scipy.linalg.blas import dgemv\ndef f(W, x, out):\n    dgemv(1.0, W, x, 0.0, out)\n",
                "from scipy.linalg.blas import dgemv\ndef f(W, x, out):\n    out[:] = dgemv(1.0, W, x, 0.0, out)\n",
                unsafe=True),
        Invalid("import scipy.linalg.blas as B\nB.dgemm(1.0, A, Bm, beta=1.0, c=self.C)\n",
                "import scipy.linalg.blas as B\nself.C[:] = B.dgemm(1.0, A, Bm, beta=1.0, c=self.C)\n", unsafe=True),
        # nothing to write into: the work is simply lost (no fix)
        Invalid(_F32 + "sgemv(1.0, W, x)\n"),
        Invalid("from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\n"
                "def f(y):\n    gemv(1.0, W, x, y=y)\n",
                "from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\n"
                "def f(y):\n    y[:] = gemv(1.0, W, x, y=y)\n", unsafe=True),
        Invalid("from scipy.linalg.lapack import dgetrf\ndgetrf(A)\n"),
        # in place by design, but the buffer's dtype forces a copy
        Invalid("import numpy as np\nfrom scipy.linalg.blas import saxpy\ny = np.zeros(5)\nsaxpy(x, y)\n"),
    ]

    def visit_Expr(self, node: ast.Expr) -> None:
        ctx = self.ctx
        call = node.value
        bound = ctx.blas_call(call)
        if bound is None or in_raises_block(ctx, node):
            return  # inside `with pytest.raises(...)` the call is meant to fail
        routine = bound.routine
        in_place = [p for p, d in routine.written.items() if d in (-1, 1)]
        if in_place:
            if routine.module != "blas":
                return
            given = [p for p in in_place if p in bound.args]
            whys = [_why_copied(ctx, routine, bound.args[p]) for p in given]
            if not given or not all(whys):
                return  # something is (or may be) written in place
            lost = list(zip(given, whys))
            param, why = lost[0]
            self.report(call, f"`{routine.name}` writes `{param}` in place only when it fits, but {why}: the "
                              f"wrapper updates a copy and the dropped result loses the work; assign the result",
                        self._assign_fix(bound, param))
            return
        asked = [p for p in routine.written if bound.overwrites(p) is not False and p in bound.args]
        if asked:
            return  # an in-place update is asked for (BL203 checks that it lands)
        buffers = [p for p in routine.written if p in bound.args]
        if not buffers:
            self.report(call, f"the result of `{routine.name}(...)` is dropped: the call computes into a new "
                              f"array and the work is lost; assign the result")
            return
        param = buffers[0]
        buf = bound.args[param]
        self.report(call, f"`{routine.name}` does not write `{ctx.text(buf)}` (its `{param}` argument): without "
                          f"`overwrite_{param}=1` the wrapper works on a copy and returns it, and the result is "
                          f"dropped; assign the result", self._fix(bound, param) if len(buffers) == 1 else None)

    def _fix(self, bound, param):
        routine = bound.routine
        if routine.module != "blas" or len(routine.written) != 1:
            return None
        buf = bound.args[param]
        if isinstance(buf, ast.Name) and f2py_keeps(routine, self.ctx.array_facts(buf)):
            flag = f"overwrite_{param}"
            current = bound.args.get(flag)
            if current is not None:
                edit = self.replace(current, "1")
            else:
                call = bound.call
                last = max([*call.args, *(k.value for k in call.keywords)], key=lambda n: self.ctx.span(n)[1])
                end = self.ctx.span(last)[1]
                edit = self.replace_span(end, end, f", {flag}=1")
            return self.make_fix(f"Pass `{flag}=1` so the call writes `{self.ctx.text(buf)}`", edit, safe=False)
        return self._assign_fix(bound, param)

    def _assign_fix(self, bound, param):
        if bound.routine.module != "blas" or len(bound.routine.written) != 1:
            return None
        ctx = self.ctx
        buf = bound.args[param]
        if not _assignable(buf):
            return None
        target = ctx.text(buf) if isinstance(buf, ast.Subscript) else f"{ctx.text(buf)}[:]"
        return self.make_fix(f"Assign the result to `{target}`",
                             self.replace(bound.call, f"{target} = {ctx.text(bound.call)}"), safe=False)


class IneffectiveOverwrite(Rule):
    """``overwrite_*=1`` given a buffer that f2py must copy anyway.

    The overwrite flag only lets the wrapper update an array that already has
    the routine's dtype and Fortran layout: ``sger(..., a=dW, overwrite_a=1)``
    with a C-ordered ``dW`` (``np.zeros_like`` of a C-ordered matrix) or a
    float64 ``dW`` updates a temporary, returns it, and leaves ``dW`` as it was.
    Flagged when the code relies on the update: the result is dropped, or bound
    to another name while the buffer is read afterwards.
    """

    code = "BL203"
    name = "ineffective-overwrite"
    summary = "overwrite_*=1 on a buffer f2py must copy: the update is lost"
    fix_safety = "none"
    triggers = ("blas", "lapack")

    VALID = [
        # F-ordered float64 buffer: updated in place
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4), order='F')\n"
        "dger(1.0, u, v, a=A, overwrite_a=1)\n",
        # the transposed view of a C-ordered array is F-ordered
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((4, 3))\n"
        "dger(1.0, u, v, a=A.T, overwrite_a=1)\n",
        # unknown layout
        "from scipy.linalg.blas import dger\ndef f(A, u, v):\n    dger(1.0, u, v, a=A, overwrite_a=1)\n",
        # 1-D buffers made by numpy are contiguous
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\ny = np.zeros(4, np.float32)\n"
        "sgemv(1.0, W, x, y=y, overwrite_y=1)\n",
        # the result is used in place of the buffer
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\n"
        "A = dger(1.0, u, v, a=A, overwrite_a=1)\n",
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\n"
        "B = dger(1.0, u, v, a=A, overwrite_a=1)\nprint(B)\n",
        # no overwrite asked
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((3, 4))\nB = dger(1.0, u, v, a=A)\n",
        # overwrite_x of ger only allows reusing x: nothing is written to x
        "import numpy as np\nfrom scipy.linalg.blas import sger\nx = np.zeros(3)\nsger(1.0, x, y, a=A, overwrite_x=1)\n",
        # a (1, n) matrix is Fortran-contiguous too
        "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((1, 4))\n"
        "dger(1.0, u, v, a=A, overwrite_a=1)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\nfrom scipy.linalg.blas import sger\nW = np.zeros((3, 4), dtype=np.float32)\n"
                "dW = np.zeros_like(W)\nsger(1.0, u, v, a=dW, overwrite_a=1)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.blas import sger\ndW = np.zeros((3, 4), order='F')\n"
                "sger(1.0, u, v, a=dW, overwrite_a=True)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg import blas\ny = np.zeros(8)\n"
                "blas.sgemv(1.0, W, x, 0.0, y, overwrite_y=1)\n"),
        Invalid("import numpy as np\nimport scipy.linalg.blas as B\nC = np.zeros((3, 3))\n"
                "R = B.dgemm(1.0, A, A, beta=1.0, c=C, overwrite_c=1)\nprint(C)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg.lapack import dpotrf\nS = np.eye(4) * 2\n"
                "dpotrf(S, overwrite_a=1)\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if len(node.args) < 4 and not any((k.arg or "").startswith("overwrite_") for k in node.keywords):
            return  # no overwrite flag (positional flags come after at least four arguments)
        ctx = self.ctx
        bound = ctx.blas_call(node)
        if bound is None:
            return
        routine = bound.routine
        for param, default in routine.written.items():
            if default != 0 or bound.overwrites(param) is not True or param not in bound.args:
                continue
            buf = bound.args[param]
            why = _why_copied(ctx, routine, buf)
            if why is None or not self._relied_on(node, buf):
                continue
            self.report(buf, f"`overwrite_{param}=1` has no effect here: {why}, so `{routine.name}` updates "
                             f"a temporary copy and `{ctx.text(buf)}` is not changed; create the buffer with "
                             f"the routine's dtype in Fortran order (`order='F'`), or use the returned array")

    def _relied_on(self, call: ast.Call, buf: ast.AST) -> bool:
        """Does the code expect the update in ``buf``: result dropped, or bound elsewhere and ``buf`` read later?"""
        ctx = self.ctx
        stmt = ctx.parent(call)
        if isinstance(stmt, ast.Expr):
            return True
        if not isinstance(stmt, ast.Assign) or not isinstance(buf, ast.Name) or ctx.blas_call(call).routine.module != "blas":
            return False
        if any(isinstance(t, ast.Name) and t.id == buf.id for t in stmt.targets):
            return False
        end = (stmt.end_lineno, stmt.end_col_offset)
        loads = ctx.scope_of(buf).loads.get(buf.id, [])
        return any((n.lineno, n.col_offset) >= end for n in loads)
