"""BL602 mixed-precision-product: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.facts import known_small
from blaslint.core.rule import Invalid, Rule
from blaslint.rules.dtypes._product_pairs import _is_operator, _rank_ok, product_pair


SINGLE = {"float32": "float64", "complex64": "complex128"}
DOUBLE = {"float64", "complex128"}


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
                    f"(or keep `{ctx.text(single)}` in {SINGLE[fs.dtype]} if that precision is needed)",
                    cost=_cost.dtype_conversion(ctx, node, fs, fd, kind="upcast"))
