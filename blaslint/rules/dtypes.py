"""BL6: dtypes BLAS cannot take (integer, bool, object products) or takes only
after a conversion on every call (float32 times float64)."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import INT_DTYPES, Facts, known_small
from blaslint.rule import Invalid, Rule
from blaslint.rules._common import has_star_args, product_operands

NON_BLAS = INT_DTYPES | {"bool", "object"}
SINGLE = {"float32": "float64", "complex64": "complex128"}
DOUBLE = {"float64", "complex128"}
EXTRA_PRODUCTS = {"numpy.tensordot", "numpy.inner"}


def product_pair(ctx, node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """Operands of ``a @ b``, ``np.dot``, ``np.matmul``, ``a.dot(b)``, ``np.tensordot``, ``np.inner``."""
    ops = product_operands(ctx, node)
    if ops is not None:
        return ops
    if isinstance(node, ast.Call) and not has_star_args(node) and len(node.args) >= 2 \
            and ctx.resolve_call(node) in EXTRA_PRODUCTS:
        return node.args[0], node.args[1]
    return None


def _is_operator(node) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)


def _rank_ok(f: Facts, operator: bool) -> bool:
    """An operand of a real product: known rank >= 1, or unknown rank under ``@`` (>= 1 by definition)."""
    return (f.rank is not None and f.rank >= 1) or (f.rank is None and operator)


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
                    f"NumPy runs a naive loop (orders of magnitude slower at large n); {caveat}")


class MixedPrecisionProduct(Rule):
    """A product of a float32 and a float64 array: the float32 one is copied to float64 on every call.

    NumPy promotes ``A32 @ x64`` to float64: it converts the whole float32
    operand (a full copy, on every call) and runs the double-precision kernel,
    so neither the memory nor the speed of float32 is had (10x slower than a
    float32 matrix-vector product at n=4096 here). Arrays made with NumPy's
    default dtype (``np.zeros(n)``, ``np.random.rand``) are float64. Cast the
    odd one out once, outside the hot path. Torch raises on such products
    instead (a bug, not slowness) and is left alone.
    """

    code = "BL602"
    name = "mixed-precision-product"
    summary = "float32 times float64 product: a float64 copy of the float32 operand every call"
    fix_safety = "none"
    triggers = ("@", "dot", "matmul", "tensordot", "inner")

    VALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(n):\n    A = np.ones((n, n), dtype=np.float32)\n    W = np.ones((n, n), dtype=np.float32)\n    return (A / len(A)) @ W\n',
        'import numpy as np\ndef f(n, t):\n    t = float(t)\n    A = np.ones((n, n), dtype=np.float32)\n    W = np.ones((n, n), dtype=np.float32)\n    return (A * t) @ W\n',
        'import numpy as np\ndef f(n, k):\n    A = np.ones((n, n), dtype=np.float32)\n    W = A.copy()\n    for _ in range(k):\n        A = A * 0.5 + np.pi\n    return A @ W\n',
        'import numpy as np\ndef f(n, k, X):\n    A = np.ones((n, n), dtype=np.float32)\n    for _ in range(k):\n        A = A @ X\n    return A @ np.eye(n)\n',
        'import numpy as np\ndef f(n):\n    A = np.ones((n, n), dtype=np.float32)\n    W = np.ones((n, n), dtype=np.float32)\n    return np.maximum(A, 0.0) @ W\n',
        'import numpy as np\ndef f(n, shape):\n    A = np.ones((n, n), dtype=np.float32)\n    A = A.reshape(shape)\n    W = np.ones((n, n), dtype=np.float32)\n    return A @ W\n',
        "import numpy as np\nA = np.random.rand(64, 64).astype(np.float32)\nx = np.ones(64, dtype=np.float32)\ny = A @ x\n",
        "import numpy as np\nA = np.random.rand(64, 64)\nx = np.random.rand(64)\ny = A @ x\n",
        # a Python scalar keeps float32 (NEP 50)
        "import numpy as np\nA = np.zeros((64, 64), dtype=np.float32)\ny = (2.0 * A) @ A\n",
        # unknown dtype of a parameter
        "import numpy as np\ndef f(x):\n    A = np.zeros((64, 64), dtype=np.float32)\n    return A @ x\n",
        # torch: a mixed product raises; not this rule's business
        "import torch\nA = torch.randn(64, 64)\nx = torch.randn(64, dtype=torch.float64)\ny = A @ x\n",
        # the float64 operand is cast where it is used
        "import numpy as np\nA = np.zeros((64, 64), dtype=np.float32)\nx = np.random.rand(64)\ny = A @ x.astype(np.float32)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef calibrate(x, k):\n    T = np.eye(k)\n    z = np.asarray(x, dtype=np.float32)\n"
                "    return np.dot(z, T)\n"),
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef f(X, W, k):\n    A = np.asarray(X, dtype=np.float32).reshape(k, -1)\n    for _ in range(k):\n        A = A * 0.5\n    return A @ W.astype(np.float64)\n'),
        Invalid('import numpy as np\ndef f(n, k):\n    h = np.zeros((n, n), dtype=np.float32)\n    P = np.eye(n)\n    for _ in range(k):\n        h = np.tanh(h + 1.0)\n    return h @ P\n'),
        Invalid('import numpy as np\ndef weights(n):\n    return np.ones((n, n), dtype=np.float32)\ndef f(n):\n    W = weights(n)\n    return W @ np.eye(n)\n'),
        Invalid('import numpy as np\ndef f(n, t):\n    A = np.ones((n, n), dtype=np.float32)\n    B = np.ones((n, n))\n    return (A * np.pi) @ B\n'),
        Invalid('import numpy as np\ndef f(n):\n    A = np.ones((n, n), dtype=np.float32)\n    B = A / len(A)\n    return B @ np.eye(n)\n'),
        Invalid('import numpy as np\ndef f(n, k):\n    A = np.ones((n, n), dtype=np.float32)\n    A *= 2.0\n    return A @ np.zeros((n, n))\n'),
        Invalid("import numpy as np\nA = np.random.rand(512, 512).astype(np.float32)\nx = np.random.rand(512)\ny = A @ x\n"),
        Invalid("import numpy as np\nW = np.zeros((n, m), dtype=np.float32)\nX = np.random.randn(m, k)\nY = np.dot(W, X)\n"),
        Invalid("import numpy as np\nA = np.asarray(data, dtype=np.float32)\nB = np.eye(64)\nC = A @ B\n"),
        Invalid("import numpy as np\nA = np.ones((64, 64), dtype='f4')\nb = np.zeros(64)\nc = A.dot(b)\n"),
        Invalid("import numpy as np\nA = np.ones((64, 64), dtype=np.complex64)\nB = np.ones((64, 64), dtype=np.complex128)\nC = A @ B\n"),
        Invalid("import numpy as np\nrng = np.random.default_rng()\nA = rng.standard_normal((64, 64), dtype=np.float32)\n"
                "B = rng.standard_normal((64, 64))\nC = np.matmul(A, B)\n"),
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
        a, b = pair
        fa = ctx.array_facts(a)
        if fa.dtype not in SINGLE and fa.dtype not in DOUBLE:
            return
        fb = ctx.array_facts(b)
        if fa.lib == "torch" or fb.lib == "torch" or not ({fa.lib, fb.lib} - {None}) <= {"numpy"}:
            return
        if fa.dtype in SINGLE and fb.dtype in DOUBLE:
            single, double, fs = a, b, fa
        elif fb.dtype in SINGLE and fa.dtype in DOUBLE:
            single, double, fs = b, a, fb
        else:
            return
        op = _is_operator(node) or ctx.resolve_call(node) == "numpy.matmul"
        if not op and ctx.resolve_call(node) == "numpy.dot":
            # np.dot of an operand of unknown rank with a known matrix: a product unless the
            # unknown one is a 0-d scalar, and a float32 scalar is never worth reporting anyway
            op = (fa.rank or 0) >= 2 or (fb.rank or 0) >= 2
        if not (_rank_ok(fa, op) and _rank_ok(fb, op)):
            return
        if known_small(fs):
            return  # converting a tiny operand costs nothing
        fd = ctx.array_facts(double)
        self.report(node, f"`{ctx.text(node)}` multiplies {fs.dtype} `{ctx.text(single)}` by {fd.dtype} "
                    f"`{ctx.text(double)}`: NumPy converts `{ctx.text(single)}` to {SINGLE[fs.dtype]} (a full "
                    f"copy) on every call; cast `{ctx.text(double)}` to {fs.dtype} once, outside the hot path "
                    f"(or keep `{ctx.text(single)}` in {SINGLE[fs.dtype]} if that precision is needed)")
