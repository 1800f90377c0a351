"""BL202 blas-result-discarded: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.blas_api import f2py_keeps
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_raises_block
from blaslint.rules.dead_writes._blas_calls import _why_copied


def _assignable(node: ast.AST) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))


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
