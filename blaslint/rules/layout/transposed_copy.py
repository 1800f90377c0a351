"""BL101 transposed-copy: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.core.rule import Invalid, Rule
from blaslint.rules.layout._copies import droppable_copy


# measured by benchmarks/fix_speedups.py --rule BL101 / BL102 (see rules/BL101.md, rules/BL102.md)
BL101_COST = "measured: sgemv 4096²: 109x, `@` matvec 4096²: 49x, gemm 2048²: 1.2x"


class TransposedCopyOperand(Rule):
    """A transposed copy (``X.T.copy()``, ``np.ascontiguousarray(X.T)``, torch
    ``X.t().contiguous()``) whose only use is as an operand of a matrix product
    or a BLAS wrapper.

    BLAS multiplies by a transposed matrix through its ``trans`` flag, so the
    transposed view ``X.T`` is all it needs; the copy is a strided pass over the
    whole matrix (and an f2py wrapper then copies a C-ordered copy back to
    Fortran order). A copy that is mutated, whose source changes while it is
    alive, or that goes anywhere else (an unknown function, ``.tofile``,
    ``np.frombuffer``) is left alone.
    """

    code = "BL101"
    name = "transposed-copy"
    summary = "Transposed copy used as a product operand: pass the transposed view"
    fix_safety = "safe"
    triggers = ("copy", "contiguous", "array")

    VALID = [
        # attention heads merged: `.contiguous()` so that `.view` can reshape, not a product operand
        "import torch\ndef merge(y, B, T, C, proj):\n    y = y.transpose(1, 2).contiguous().view(B, T, C)\n"
        "    return proj(y)\n",
        # a transposed copy that is written into / concatenated, not multiplied
        "import numpy as np\ndef tv(x):\n    xt = x.T.copy()\n    xt[0] = 0\n    return np.concatenate([xt, x])\n",
        # the transposed view itself
        "import numpy as np\ny = W.T @ x\n",
        # the copy is mutated afterwards
        "import numpy as np\nWt = W.T.copy()\nWt[0] = 0\ny = Wt @ x\n",
        # the source changes while the copy is alive: the copy is a snapshot
        "import numpy as np\nWt = W.T.copy()\nW += 1\ny = Wt @ x\n",
        "import numpy as np\nfrom scipy.linalg.blas import sgemv\nWt = W.T.copy()\nfor i in range(3):\n"
        "    y = sgemv(1.0, Wt, x)\n    W -= 0.1 * np.outer(x, y).T\n",
        # handed to an unknown function
        "import numpy as np\nWt = np.ascontiguousarray(W.T)\nsave(Wt)\ny = Wt @ x\n",
        # an order-sensitive consumer
        "import numpy as np\nWt = W.T.copy()\nWt.tofile('w.bin')\n",
        "import numpy as np\nbuf = np.frombuffer(np.ascontiguousarray(W.T), dtype=np.float32)\n",
        # a copy without a transpose, or a transpose of a vector
        "import numpy as np\ny = W.copy() @ x\n",
        "import numpy as np\nv = np.zeros(3)\ny = v.T.copy() @ A\n",
        # a dtype change is not just a copy
        "import numpy as np\ny = np.ascontiguousarray(W.T, dtype=np.float32) @ x\n",
        # the copy is returned or stored
        "import numpy as np\ndef f(W):\n    Wt = W.T.copy()\n    y = Wt @ x\n    return Wt\n",
        "import numpy as np\nself.Wt = W.T.copy()\ny = self.Wt @ x\n",
        # written by a BLAS call (its output buffer)
        "from scipy.linalg.blas import sger\nA = sger(1.0, x, y, a=W.T.copy(), overwrite_a=1)\n",
        # not a product
        "import numpy as np\ny = W.T.copy() + b\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ny = W.T.copy() @ x\n", "import numpy as np\ny = W.T @ x\n", unsafe=True),
        Invalid("import numpy as np\ny = np.dot(np.ascontiguousarray(W.T), x)\n",
                "import numpy as np\ny = np.dot(W.T, x)\n", unsafe=True),
        Invalid("import numpy as np\ny = np.array(W.T).dot(x)\n", "import numpy as np\ny = W.T.dot(x)\n", unsafe=True),
        Invalid("import numpy as np\ny = A @ np.copy(W.T)\n"),
        Invalid("import numpy as np\ny = np.matmul(W.transpose().copy(), x)\n"),
        Invalid("import numpy as np\ny = np.transpose(W).copy() @ x\n"),
        Invalid("import torch\ny = torch.mm(W.t().contiguous(), x)\n",
                "import torch\ny = torch.mm(W.t(), x)\n", unsafe=True),
        Invalid("import torch\nimport torch.nn.functional as F\ny = F.linear(x, W.T.contiguous())\n"),
        Invalid("from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T.copy(), x)\n",
                "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T, x)\n"),
        Invalid("from scipy.linalg import blas as fblas\ny = fblas.dgemm(1.0, a=A.T.copy(), b=B)\n",
                "from scipy.linalg import blas as fblas\ny = fblas.dgemm(1.0, a=A.T, b=B)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "def f(W, e):\n    gemv, = get_blas_funcs(('gemv',), (W, e))\n"
                "    Wt = W.T.copy()\n    return gemv(1.0, Wt, e)\n",
                "import numpy as np\nfrom scipy.linalg import get_blas_funcs\n"
                "def f(W, e):\n    gemv, = get_blas_funcs(('gemv',), (W, e))\n"
                "    Wt = W.T\n    return gemv(1.0, Wt, e)\n"),
        Invalid("import numpy as np\ndef f(W, x, b):\n    Wt = W.T.copy()\n    return Wt @ x + Wt @ b\n",
                "import numpy as np\ndef f(W, x, b):\n    Wt = W.T\n    return Wt @ x + Wt @ b\n", unsafe=True),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        finding = droppable_copy(self.ctx, node)
        if finding is None:
            return
        ctx = self.ctx
        view = ctx.text(finding.copy.view)
        names = ", ".join(sorted({name for _, name in finding.consumers}))
        via = f" (bound to `{finding.binding.name}`)" if finding.binding is not None else ""
        safe = finding.only_blas
        fix = self.make_fix(f"Pass the transposed view `{view}`", self.replace(node, view), safe=safe)
        self.report(node, f"transposed copy `{ctx.text(node)}`{via} used only as an operand of {names}: pass "
                          f"the view `{view}`, BLAS reads it through its transpose flag; the copy is a strided "
                          f"pass over the whole matrix ({BL101_COST})", fix,
                    cost=_cost.transposed_copy(ctx, node, ctx.array_facts(finding.copy.source)))
