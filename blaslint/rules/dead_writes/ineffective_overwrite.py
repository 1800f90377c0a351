"""BL203 ineffective-overwrite: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.core.rule import Invalid, Rule
from blaslint.rules.dead_writes._blas_calls import _why_copied


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
