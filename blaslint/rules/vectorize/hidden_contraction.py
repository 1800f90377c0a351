"""BL505 hidden-contraction: the rule, its examples and its fix (the forms live in ``_hidden``)."""

from __future__ import annotations

import ast
from dataclasses import replace

from blaslint.analysis import cost as _cost
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_assertion
from blaslint.rules.vectorize import _hidden as hd
from blaslint.rules.vectorize import _reduce_forms as rf
from blaslint.rules.vectorize._einsum_spec import parse


class HiddenContraction(Rule):
    """A broadcast product summed over an axis: a contraction through a temporary.

    ``np.sum(x[:, None, :] * w[:, :, None], axis=0)`` is ``w.T @ x``, but it first
    materialises the N x K x D broadcast product and then reduces it: measured
    22-37x slower than ``@`` at n=1e3..5e4 (k=d=64, one BLAS thread). The same
    holds for an einsum that keeps an index a following sum removes, and for a
    broadcast product stored in a name (or returned by a helper) only for einsum
    to contract it. Distances (``((X[:, None] - Y) ** 2).sum(-1)``) are not
    products and are left alone; so are sums over the inserted axis itself.
    """

    code = "BL505"
    name = "hidden-contraction"
    summary = "Broadcast product summed over an axis: a contraction through a big temporary"
    fix_safety = "unsafe"
    triggers = ("sum", "einsum", "mean")

    VALID = [
        # a mean over the whole array, or over the inserted axis: no contraction to hide
        "import numpy as np\ndef f(x, w):\n    return np.mean(x[:, None, :] * w[:, :, None])\n",
        "import numpy as np\ndef f(x, w):\n    return (x[:, None] * w).mean(axis=1)\n",
        # a squared distance: a difference, not a product
        "import numpy as np\ndef d2(X, Y):\n    return np.sum((X[:, None, :] - Y[None, :, :]) ** 2, axis=-1)\n",
        # summed over the inserted axis: sum(x) * y, no contraction
        "import numpy as np\ndef f(x, y):\n    return np.sum(x[None, :] * y, axis=0)\n",
        # same-shape operands: a row-wise dot (BL503)
        "import numpy as np\nA = np.random.rand(100, 8)\nB = np.random.rand(100, 8)\nd = np.sum(A * B, axis=1)\n",
        # einsum summed over an index only one operand has
        'import numpy as np\nC = np.einsum("ij,jk->ijk", A, B).sum(axis=0)\n',
        # no sum at all: a broadcast product that is the result
        "import numpy as np\ndef f(x, w):\n    return x[:, None, :] * w[:, :, None]\n",
        # einsum of a broadcast product that keeps all its indices
        "import numpy as np\ndef f(x, w):\n    t = x[:, :, None] * x[:, None, :]\n    return np.einsum('nij,n->nij', t, w)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef f(x, w):\n    return np.sum(x[:, None, :] * w[:, :, None], axis=0)\n"),
        # a mean is a sum over a count (pyroomacoustics' AuxIVA covariance, one per frequency)
        Invalid("import numpy as np\ndef cov(X):\n    return np.mean(X[:, :, :, None] * np.conj(X[:, :, None, :]), axis=0)\n"),
        Invalid("import numpy as np\ndef means(data, masks):\n    return np.sum(data[:, np.newaxis] * masks, axis=0)\n"),
        Invalid("import numpy as np\ndef points(triangles, bary):\n    return (triangles * bary.reshape((-1, 3, 1))).sum(axis=1)\n"),
        Invalid("import numpy as np\ndef multiprod(A, B):\n    a = A.reshape(np.hstack([np.shape(A), [1]]))\n"
                "    b = B.reshape(np.hstack([[np.shape(B)[0]], [1], np.shape(B)[1:]]))\n    return np.sum(a * b, axis=2)\n"),
        Invalid("import numpy as np\nV = np.random.rand(300, 50)\ne = np.random.rand(50)\ng = np.sum(e * V, axis=1)\n"),
        Invalid('import numpy as np\nC = np.einsum("ij,jk->ijk", A, B).sum(axis=1)\n',
                'import numpy as np\nC = np.einsum(\'ij,jk->ik\', A, B)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.sum(np.einsum("ij,jk->ijk", A, B), axis=1)\n',
                'import numpy as np\nC = np.einsum(\'ij,jk->ik\', A, B)\n', unsafe=True),
        Invalid("import geomstats.backend as gs\nm = gs.sum(gs.einsum('...,...j->...j', w, p), axis=0)\n"),
        Invalid("import numpy as np\ndef stats(post, x):\n    def outer_f(x):\n        return x[..., :, None] * x[..., None, :]\n"
                "    dots = outer_f(x)\n    return np.einsum('ijk,ijklm->jklm', post, dots)\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if in_assertion(ctx, node):
            return
        red = rf.reduction(ctx, node)
        mean = rf.mean_reduction(ctx, node) if red is None else None  # a sum over a count: the same contraction
        found = None
        if mean is not None:
            found = hd.broadcast_sum(ctx, mean, reduced="mean")
            if found is not None:
                red, found = mean, replace(found, detail=found.detail + " (a sum over a count: divide the contraction by it)")
        elif red is not None:
            found = hd.summed_einsum(ctx, red, parse) or hd.broadcast_sum(ctx, red)
        elif isinstance(node.func, (ast.Attribute, ast.Name)) and "einsum" in ctx.text(node.func):
            found = hd.einsum_of_broadcast(ctx, node, parse)
        if found is None:
            return
        fix = None
        if found.new is not None:
            fix = self.make_fix(f"Replace with `{found.new}`", self.replace(found.node, found.new), safe=False)
        torch = (red is not None and red.lib == "torch") or "torch" in ctx.text(node.func)
        einsum = "torch.einsum(...)" if torch else "np.einsum(..., optimize=True)"
        if found.new:
            advice = ""
        elif found.batched is None:
            advice = (f": contract without it (`@` when the factors are a matrix and a vector, `{einsum}` on "
                      "the factors otherwise; one BLAS call when no other axis is kept)")
        elif found.batched:
            advice = (f": `{einsum.replace(', optimize=True', '')}` on the factors contracts it without the temporary "
                      "(a batch axis is kept, so it is one small contraction per item, not one BLAS call: the "
                      "saving is a pass over a temporary as large as the larger factor)")
        else:
            advice = (f": contract without it (`@` / `{einsum}` on the factors; measured 22-37x for N x 64 x 64)")
        dims = hd.temporary_dims(self.ctx, red.operand if red is not None else None)
        cost = _cost.hidden_contraction(self.ctx, found.node, dims, bool(found.batched))
        self.report(found.node, f"hidden contraction: {found.detail}{advice}; {cost.describe()}", fix, cost=cost)
