"""BL601 non-blas-dtype: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.facts import INT_DTYPES, Facts, known_small
from blaslint.core.rule import Invalid, Rule
from blaslint.rules.dtypes._product_pairs import _is_operator, _rank_ok, product_pair


NON_BLAS = INT_DTYPES | {"bool", "object"}


def _tiny(fa: Facts, fb: Facts) -> bool:
    """One operand small in every dimension: the product is linear in the other, no BLAS gain."""
    return known_small(fa) or known_small(fb)


def _numpy_pair(fa: Facts, fb: Facts) -> bool:
    libs = {fa.lib, fb.lib} - {None}
    return libs == {"numpy"}


class NonBlasDtype(Rule):
    """A matrix product of integer, bool or object arrays: NumPy has no BLAS kernel for it.

    ``A @ B`` on int64 arrays runs NumPy's own triple loop: 100x slower than
    float64 at n=512, and the gap grows with n. Where the values allow, cast
    once to float64 (exact for integer results below 2**53) or float32, outside
    the hot path. Mixed int-float products are not flagged (NumPy casts the
    integer operand and calls BLAS); nor are small literal matrices, 1-D dots,
    or torch tensors (torch has integer kernels).
    """

    code = "BL601"
    name = "non-blas-dtype"
    summary = "Matrix product of integer/bool/object arrays: no BLAS kernel"
    fix_safety = "none"
    triggers = ("@", "dot", "matmul", "tensordot", "inner")

    VALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(adj, k):\n    P = np.eye(len(adj), dtype=int)\n    for _ in range(k):\n        P = P @ adj\n    return P @ P\n',
        'import numpy as np\ndef f(n, k):\n    M = np.ones((n, n), dtype=np.int64)\n    for _ in range(k):\n        M = M * 0.5\n    return M @ M\n',
        'import numpy as np\ndef f(n, k):\n    M = np.ones((n, n), dtype=np.int64)\n    for _ in range(k):\n        M = M / 2\n    return M @ M\n',
        'import numpy as np\ndef make(m):\n    if m:\n        return np.zeros((3, 3), dtype=int)\n    return np.zeros((3, 3))\ndef f(m, B):\n    A = make(m)\n    return A @ A\n',
        'import numpy as np\ndef f(n, k, g):\n    M = np.ones((n, n), dtype=np.int64)\n    for x in g:\n        M = x\n    return M @ M\n',
        'import numpy as np\ndef f(n, pairs):\n    M = np.ones((n, n), dtype=np.int64)\n    for M, _ in pairs:\n        pass\n    return M @ M\n',
        # unknown dtypes
        "import numpy as np\ndef f(A, B):\n    return A @ B\n",
        # int times float: NumPy casts and uses BLAS
        "import numpy as np\nA = np.random.randint(0, 9, (500, 500))\nB = np.random.rand(500, 500)\nC = A @ B\n",
        # cast once, then BLAS
        "import numpy as np\nA = np.random.randint(0, 9, (500, 500)).astype(np.float64)\nC = A @ A\n",
        # a small literal matrix
        "import numpy as np\nM = np.array([[1, 2], [3, 4]])\nv = np.array([1, 0])\nw = M @ v\n",
        # 1-D integer dot: O(n) either way
        "import numpy as np\na = np.arange(10, dtype=np.int64)\nb = np.arange(10, dtype=np.int64)\ns = a @ b\n",
        # torch has integer matmul kernels
        "import torch\nA = torch.randint(0, 9, (500, 500))\nC = A @ A\n",
        # floats
        "import numpy as np\nA = np.random.rand(500, 500)\nC = A @ A\n",
    ]
    INVALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef paths(adj, k):\n    P = np.eye(len(adj), dtype=int)\n    A = np.zeros((len(adj), len(adj)), dtype=np.int64)\n    for _ in range(k):\n        P = P @ A\n    return P\n'),
        Invalid('import numpy as np\ndef incidence(m):\n    return np.zeros((len(m), 10), dtype=np.int32)\ndef co(m):\n    C = incidence(m)\n    return C.T @ C\n'),
        Invalid('import numpy as np\ndef counts_of(docs):\n    C = np.zeros((len(docs), 50), dtype=np.int64)\n    return C\ndef jac(docs):\n    B = np.zeros(counts_of(docs).shape, dtype=bool)\n    return np.dot(B, B.T)\n'),
        Invalid('import numpy as np\ndef f(n, k):\n    M = np.ones((n, n), dtype=np.int64)\n    for _ in range(k):\n        M = M * 2\n    return M @ M\n'),
        Invalid('import numpy as np\ndef f(n):\n    A = np.zeros((n, n), dtype=np.int16)\n    A += 1\n    return np.matmul(A, A)\n'),
        Invalid('import numpy as np\ndef f(n, k):\n    C = np.zeros((n, n), dtype=np.int64)\n    for i in range(k):\n        C = C + i\n    return C @ C\n'),
        Invalid("import numpy as np\nrng = np.random.default_rng(0)\nA = rng.integers(0, 10, size=(500, 500))\n"
                "B = rng.integers(0, 10, size=(500, 500))\nC = A @ B\n"),
        Invalid("import numpy as np\nA = np.random.randint(0, 2, (n, n))\nC = np.dot(A, A.T)\n"),
        Invalid("import numpy as np\nA = np.zeros((n, n), dtype=int)\nx = np.ones(n, dtype=int)\ny = A @ x\n"),
        Invalid("import numpy as np\nX = np.random.rand(n, n)\nM = X > 0.5\nR = M @ M\n"),
        Invalid("import numpy as np\nX = np.random.rand(n, n)\nA = X.astype(np.int32)\nC = A.dot(A)\n"),
        Invalid("import numpy as np\nA = np.empty((n, n), dtype=object)\nC = np.matmul(A, A)\n"),
    ]

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if _is_operator(node):
            self._check(node)

    def visit_Call(self, node: ast.Call) -> None:
        self._check(node)

    def _check(self, node) -> None:
        ctx = self.ctx
        pair = product_pair(ctx, node)
        if pair is None:
            return
        fa = ctx.array_facts(pair[0])
        if fa.dtype not in NON_BLAS:
            return  # (the common case: no need for the other operand's facts)
        fb = ctx.array_facts(pair[1])
        if fb.dtype not in NON_BLAS or not _numpy_pair(fa, fb):
            return
        op = _is_operator(node) or ctx.resolve_call(node) == "numpy.matmul"
        if not (_rank_ok(fa, op) and _rank_ok(fb, op)):
            return
        if max(fa.rank or 0, fb.rank or 0) < 2 or _tiny(fa, fb):
            return
        kinds = sorted({fa.dtype, fb.dtype})
        what = " and ".join(kinds)
        caveat = ("bool products are logical (or of ands): cast to float32/float64 and compare with > 0"
                  if "bool" in kinds else
                  "cast once to float64 (exact while results stay below 2**53) or float32, outside the hot path")
        self.report(node, f"`{ctx.text(node)}` multiplies {what} arrays: there is no BLAS kernel for them and "
                    f"NumPy runs a naive loop (orders of magnitude slower at large n); {caveat}",
                    cost=_cost.dtype_conversion(ctx, node, fa, fb, kind="no-blas"))
