"""BL503 reduction-as-blas: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.compiled import compiled_by
from blaslint.analysis.facts import INT_DTYPES, known_small
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_assertion, paren, product_operands
from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize import _reduce_checks as rc
from blaslint.rules.vectorize import _reduce_forms as rf
from blaslint.rules.vectorize import _backend_sums as bs
from blaslint.rules.vectorize import _reduce_means as rm
from blaslint.rules.vectorize import _reduce_weak as rw


# Calls whose result costs far more to make than one pass over it (a solve, an inverse, a factor).
_PRODUCERS = {"solve", "solve_triangular", "inv", "pinv", "pinvh", "cho_solve", "lstsq", "cholesky"}


class ReductionAsBlas(Rule):
    """``np.sum(a * b)`` on 1-D arrays (a dot) and ``np.sqrt(np.sum(x**2))`` (a norm).

    Both materialise an n-element temporary (the product or the squares) and
    then reduce it in a second pass; ``a @ b`` and ``np.linalg.norm(x)`` make
    one pass through BLAS without the temporary. Flagged only when the arrays
    are known to be real or complex floats of known rank: on integer arrays
    ``np.dot`` has no BLAS kernel, and for complex ``x`` ``x**2`` is not
    ``|x|**2``.
    """

    code = "BL503"
    name = "reduction-as-blas"
    summary = "Sum of a product (a dot) or root of a sum of squares (a norm): use BLAS"
    fix_safety = "unsafe"
    triggers = ("sum", "reduce", "mean")

    VALID = [
        # a test's tolerance check
        "import numpy as np\ndef test(code, V, X):\n    assert np.sqrt(np.sum((np.dot(code, V) - X) ** 2)) < 0.1\n",
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(n):\n    k = np.arange(n, dtype=np.int64)\n    return np.sqrt(np.sum(k ** 2))\n',
        'import numpy as np\ndef f(a):\n    z = np.asarray(a, dtype=np.complex64)\n    return np.sqrt(np.sum(z ** 2))\n',
        'import numpy as np\ndef f(x):\n    d = float(x)\n    return np.sqrt(np.sum(d ** 2))\n',
        'import numpy as np\nv = np.array([3.0, 4.0])\nr = np.sqrt(np.sum(v ** 2))\n',
        'import numpy as np\ndef f(x, w):\n    return np.sqrt(np.sum(w * x ** 2))\n',
        # 2-D: an element-wise product summed is not a dot
        "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\ns = np.sum(A * B)\n",
        # integers: np.dot has no BLAS kernel
        "import numpy as np\na = np.arange(10, dtype=np.int64)\nb = np.arange(10, dtype=np.int64)\ns = np.sum(a * b)\n",
        # complex: x**2 is not |x|**2
        "import numpy as np\nz = np.zeros(10, dtype=np.complex128)\nr = np.sqrt(np.sum(z ** 2))\n",
        # 10 x 3 literal rows: nothing to gain
        "import numpy as np\nX = np.random.rand(10, 3)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n",
        # a smoothed magnitude sqrt(eps + sum(g**2)): not a norm
        "import numpy as np\ndef tv(g, eps):\n    return 1 / np.sqrt(eps ** 2 + np.sum(g ** 2, axis=3))\n",
        # a scaled sum by a number, not a dot
        "import numpy as np\ndef f(X):\n    return np.sum(2.0 * X, axis=1)\n",
        # a square of a difference with a broadcast scaling inside: no pairs, no product
        "import numpy as np\ndef d2(X, Y, w):\n    return np.sum((X - Y / w[:, None]) ** 2, axis=-1)\n",
        # `X @ M` beside a scalar: no quadratic form
        "import numpy as np\ndef f(M):\n    s = 2.0\n    return np.sum(np.dot(s, M) * s, axis=1)\n",
        # an explicit broadcast summed over an axis: a hidden contraction (BL505)
        "import numpy as np\ndef f(x, W):\n    return np.sum(x[:, None] * W, axis=0)\n",
        # three known elements: nothing to gain
        "import numpy as np\nw = np.array([1.0, 1.0, 0.0])\nv = np.array([0.5, 0.75, 1.0])\ns = np.sum(w * v)\n",
        # already the BLAS form
        "import numpy as np\nx = np.random.rand(10)\nr = np.sqrt(x @ x)\n",
        # builtin sum over a 2-D array sums rows: a vector, not a norm
        "import numpy as np\nX = np.random.rand(100, 100)\nr = np.sqrt(sum(X ** 2))\n",
        # `*` of an np.matrix (`.todense()`) or a scipy.sparse matrix is a matrix product, not elementwise
        "import numpy as np\ndef f(B):\n    D = B.todense()\n    return np.sum(D * D.T)\n",
        "import numpy as np\ndef f(w):\n    W = w.sparse\n    return np.sum(W * W, axis=1)\n",
        # a cube is not a norm
        "import numpy as np\nx = np.random.rand(10)\nr = np.sqrt(np.sum(x ** 3))\n",
        # under numba (optional: a fallback decorator when it is missing), where einsum does not compile
        "import numpy as np\ntry:\n    from numba import njit\nexcept ImportError:\n    def njit(f):\n        return f\n\n"
        "@njit\ndef dist(ci, c):\n    return np.sqrt(np.sum((ci - c) ** 2, axis=1))\n",
    ]
    INVALID = [
        # along an axis: row-wise dots / squared row norms / row norms (einsum, not norm(axis=))
        Invalid("import numpy as np\nA = np.random.rand(100000, 1000)\nB = np.random.rand(100000, 1000)\n"
                "d = np.sum(A * B, axis=1)\n",
                "import numpy as np\nA = np.random.rand(100000, 1000)\nB = np.random.rand(100000, 1000)\n"
                "d = np.einsum('ij,ij->i', A, B)\n", unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(100000, 1000)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n",
                "import numpy as np\nX = np.random.rand(100000, 1000)\nr = np.sqrt(np.einsum('ij,ij->i', X, X))\n",
                unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(500, 40)\nr = (X ** 2).sum(axis=0) ** 0.5\n",
                "import numpy as np\nX = np.random.rand(500, 40)\nr = np.sqrt(np.einsum('ij,ij->j', X, X))\n",
                unsafe=True),
        Invalid("import numpy as np\ndef f(M):\n    return np.sqrt(np.sum(M ** 2, axis=0))\n"),
        # nothing known of either factor: made in full only to be summed whatever they are (info, no fix)
        Invalid("import numpy as np\ndef f(a, b):\n    return np.sum(a * b)\n"),
        Invalid("import numpy as np\ndef f(X, M, Y):\n    return np.sum(X.dot(M) * Y, axis=1)\n"),
        Invalid("import numpy as np\ndef col_dots(y):\n    rhs, lhs = y[:-1, :], y[1:, :]\n    return np.sum(rhs * lhs, 0)\n"),
        Invalid("import numpy as np\ndef sq(errors):\n    d = errors[:, 1:] - errors[:, :-1]\n    return (d * d).sum(1)\n"),
        Invalid("import torch\ndef f(a, b):\n    return torch.mul(a[:, 1:], b[:, 1:]).sum(dim=1)\n"),
        # one quadratic form per row (metric-learn's LSML) or per column (nipy's Wald statistics): unknown ranks
        Invalid("import numpy as np\ndef f(vab, metric):\n    return np.sum(vab.dot(metric) * vab, axis=1)\n"),
        Invalid("import numpy as np\ndef f(invcov, ctheta):\n    return np.add.reduce(np.dot(invcov, ctheta) * ctheta, 0)\n"),
        # whole arrays: a Frobenius product, a sum of squares, a bilinear form
        Invalid("import numpy as np\nA = np.random.rand(300, 300)\nB = np.random.rand(300, 300)\ns = np.sum(A * B)\n",
                "import numpy as np\nA = np.random.rand(300, 300)\nB = np.random.rand(300, 300)\ns = np.vdot(A, B)\n",
                unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nss = np.sum(x ** 2)\n",
                "import numpy as np\nx = np.random.rand(100)\nss = x @ x\n", unsafe=True),
        Invalid("import numpy as np\nclass SVM:\n    def objective(self):\n"
                "        return np.sum(self.YYK * np.outer(self.alphas, self.alphas))\n"),
        # 1-D from arange (dtype depends on n): reported, no fix
        Invalid("import numpy as np\ndef corr(n, fs):\n    t = np.arange(n) / float(fs)\n    x = np.sin(t)\n"
                "    y = np.cos(t)\n    return np.sum(x * y)\n"),
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef dist(p, q):\n    return np.sqrt(np.sum((p - q) ** 2))\n'),
        Invalid('import numpy as np\ndef unit(v):\n    return v / np.sqrt((v * v).sum())\n'),
        Invalid('import math\nimport numpy as np\ndef rms_norm(res):\n    return math.sqrt(np.sum(res ** 2))\n'),
        Invalid('import numpy as np\ndef converged(r, tol):\n    return np.sqrt(np.sum(np.square(r))) < tol\n'),
        Invalid('import torch\ndef grad_norm(g):\n    return torch.sqrt(torch.sum(g ** 2))\n'),
        Invalid('import numpy as np\ndef step_size(s):\n    return np.sum(s * s) ** 0.5\n'),
        Invalid("import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = np.sum(a * b)\n",
                "import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = np.dot(a, b)\n",
                unsafe=True),
        Invalid("import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = (a * b).sum()\n",
                "import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = a @ b\n",
                unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nr = np.sqrt(np.sum(x ** 2))\n",
                "import numpy as np\nx = np.random.rand(100)\nr = np.linalg.norm(x)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nr = np.sqrt((x ** 2).sum())\n",
                "import numpy as np\nx = np.random.rand(100)\nr = np.linalg.norm(x)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nr = np.sqrt(np.sum(x * x))\n",
                "import numpy as np\nx = np.random.rand(100)\nr = np.linalg.norm(x)\n", unsafe=True),
        Invalid("import math\nimport numpy as np\nx = np.random.rand(100)\nr = math.sqrt(np.sum(x ** 2))\n",
                "import math\nimport numpy as np\nx = np.random.rand(100)\nr = float(np.linalg.norm(x))\n",
                unsafe=True),
        Invalid("import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\n"
                "d = np.sqrt(np.sum((a - b) ** 2))\n",
                "import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\n"
                "d = np.linalg.norm(a - b)\n", unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(100, 100)\nfro = np.sqrt(np.sum(X ** 2))\n",
                "import numpy as np\nX = np.random.rand(100, 100)\nfro = np.linalg.norm(X)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nr = np.sqrt(sum(x * x))\n",
                "import numpy as np\nx = np.random.rand(100)\nr = np.linalg.norm(x)\n", unsafe=True),
        Invalid("import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = sum(a * b)\n",
                "import numpy as np\na = np.random.rand(100)\nb = np.random.rand(100)\ns = np.dot(a, b)\n",
                unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100)\nr = np.sum(x ** 2) ** 0.5\n",
                "import numpy as np\nx = np.random.rand(100)\nr = np.linalg.norm(x)\n", unsafe=True),
        Invalid("import numpy as np\nz = np.zeros(100, dtype=np.complex128)\nr = np.sqrt(np.sum(np.abs(z) ** 2))\n",
                "import numpy as np\nz = np.zeros(100, dtype=np.complex128)\nr = np.linalg.norm(z)\n", unsafe=True),
        Invalid("import torch\na = torch.randn(100)\nb = torch.randn(100)\ns = torch.sum(a * b)\n",
                "import torch\na = torch.randn(100)\nb = torch.randn(100)\ns = torch.dot(a, b)\n", unsafe=True),
        Invalid("import torch\nx = torch.randn(100)\nr = torch.sqrt(torch.sum(x ** 2))\n",
                "import torch\nx = torch.randn(100)\nr = torch.linalg.norm(x)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(100).astype(np.float32)\nr = np.sqrt(np.sum(np.square(x)))\n",
                "import numpy as np\nx = np.random.rand(100).astype(np.float32)\nr = np.linalg.norm(x)\n",
                unsafe=True),
    ]

    # -- dots ----------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        if in_assertion(self.ctx, node):
            return  # a test's reference value, written the obvious way on purpose
        if compiled_by(self.ctx, node) is not None:
            return  # under numba: einsum and norm(axis=) do not compile, and loops fuse no differently
        if self._check_norm(node) or self._check_dot(node):
            return
        mean = rm.mean_of_product(self.ctx, node)  # np.mean(x ** 2), np.mean(a * b)
        if mean is not None:
            self._propose(mean)
            return
        backend = bs.backend_reduction(self.ctx, node)  # nx.sum(M * G), nx = get_backend(M, G)
        if backend is not None:
            prop = rw.both_unknown(self.ctx, backend)
            if prop is not None:
                self._propose(prop)
            return
        red = rf.reduction(self.ctx, node)
        if red is None or self._is_norm_radicand(node) and rf.squared(self.ctx, red.operand):
            return
        inner = rf.real_part(self.ctx, red.operand)  # np.sum(np.real(np.conj(a) * b)): the sum's real part
        if inner is not None:
            red = rf.Reduction(red.call, inner, red.axis, red.lib, red.keepdims)
        prop = rc.axis_product(self.ctx, red) or rc.full_product(self.ctx, red) \
            or rw.beside_unknown(self.ctx, red) or rw.summed_squares(self.ctx, red) \
            or rw.both_unknown(self.ctx, red)
        if prop is not None:
            self._propose(rc.of_real_part(prop) if inner is not None else prop)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Pow) and not in_assertion(self.ctx, node) and compiled_by(self.ctx, node) is None:
            self._check_norm(node)  # np.sum(x ** 2) ** 0.5

    def _propose(self, prop) -> None:
        fix = None
        if prop.new is not None:
            fix = self.make_fix(f"Replace with `{prop.new}`", self.replace(prop.node, prop.new), safe=False)
        cost = self._cost(prop.node, prop.temp)
        message, severity = prop.message, prop.severity
        product = self._squared_product(prop.temp)
        if product is not None and severity is None:
            # sklearn-bayes' np.sum(np.dot(X, Ri.T) ** 2, axis=1): the product costs k times the pass saved
            message += (f" (computing `{rc.short(self.ctx, product, 30)}` costs its inner dimension times more "
                        "than the pass this saves: info)")
            severity = "info"
        self.report(prop.node, f"{message}; {cost.describe()}", fix, cost=cost, severity=severity)

    def _squared_product(self, temp):
        """The matrix product whose square is summed (``np.dot(X, R.T) ** 2``, or ``Ri ** 2`` with ``Ri`` bound
        to one, or to a solve or inverse, in the same block), unless its inner side is known small."""
        sq = rf.squared(self.ctx, temp) if temp is not None else None
        if sq is None:
            return None
        base = sq[0]
        if isinstance(base, ast.Name):
            binding = self.ctx.reaching_binding(base)
            value = binding.value if binding is not None and binding.kind == "assign" else None
            stmt = self.ctx.statement_of(base)
            if value is None or stmt is None or self.ctx.parent(binding.stmt) is not self.ctx.parent(stmt):
                return None  # made elsewhere, or in another block: it may be made once and summed many times
            if isinstance(value, ast.Call) and (self.ctx.resolve_call(value) or "").rpartition(".")[2] in _PRODUCERS:
                return value
            base = value
        ops = product_operands(self.ctx, base)
        if ops is None:
            return None
        inner = self.ctx.array_facts(ops[1])
        return None if known_small(inner) else base

    def _cost(self, node, temp):
        return _cost.reduction_temporary(self.ctx, node, rf.temporary_facts(self.ctx, temp),
                                         builtin=self._builtin_sum(node))

    def _sum_arg(self, node, axis_ok: bool = False) -> ast.AST | None:
        """x of ``np.sum(x)`` / ``x.sum()`` / ``torch.sum(x)``; with ``axis_ok``, also
        ``axis=0``/``axis=-1`` (the whole of a 1-D array: callers check the rank)."""
        ctx = self.ctx
        if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        func = node.func
        method = isinstance(func, ast.Attribute) and func.attr == "sum" and ctx.resolve(func) is None
        lib_sum = ctx.resolve_call(node) in ("numpy.sum", "torch.sum")
        if not (method or lib_sum):
            return self._builtin_sum_arg(node)
        extra = list(node.args[0 if method else 1:]) + [k.value for k in node.keywords
                                                         if k.arg in ("axis", "dim")]
        if len(extra) != len(node.args[0 if method else 1:]) + len(node.keywords):
            return None  # dtype=, keepdims=, out=: leave alone
        if extra and not (axis_ok and len(extra) == 1 and _is_int(extra[0], (0, -1))):
            return None
        if method:
            return func.value
        return node.args[0] if node.args else None

    def _builtin_sum_arg(self, node) -> ast.AST | None:
        ctx = self.ctx
        if ld._is_builtin(ctx, node, "sum") and len(node.args) == 1 and not node.keywords:
            return node.args[0]  # builtin sum: a Python loop over the elements (1-D only, checked by callers)
        return None

    def _builtin_sum(self, node) -> bool:
        return isinstance(node, ast.Call) and ld._is_builtin(self.ctx, node, "sum")

    def _check_dot(self, node) -> bool:
        ctx = self.ctx
        inner = self._sum_arg(node, axis_ok=True)
        real = rf.real_part(ctx, inner)  # np.sum(np.real(np.conj(a) * b)): the dot's real part
        inner = real if real is not None else inner
        if not (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mult)):
            return False
        if self._is_norm_radicand(node) and rf.squared(ctx, inner):
            return True  # reported as a norm
        a, b = inner.left, inner.right
        fa, fb = ctx.array_facts(a), ctx.array_facts(b)
        # an unknown dtype is reported (a 1-D dot of any real or complex dtype), fixed only when known
        if fa.rank != 1 or fb.rank != 1 or not all(f.is_blas_dtype or f.dtype is None for f in (fa, fb)):
            return False
        dtypes_known = fa.is_blas_dtype and fb.is_blas_dtype and not (fa.soft or fb.soft)
        if self._builtin_sum(node) and {fa.lib, fb.lib} != {"numpy"}:
            return False
        lib = fa.lib if fa.lib == fb.lib else None
        if lib not in ("numpy", "torch"):
            return False
        if lib == "torch" and fa.dtype != fb.dtype:
            return True
        if fa.shape and fb.shape and fa.shape != fb.shape:
            return True  # (n,) * (1,) broadcasting, say
        if known_small(fa) or known_small(fb):
            return True  # a 3-element temporary costs nothing
        fix = None
        if lib == "torch":
            fn = ctx.spell("torch.dot")
            new = f"{fn}({paren(ctx, a, 1)}, {paren(ctx, b, 1)})" if fn else None
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "sum" and ctx.resolve(node.func) is None:
            new = f"{paren(ctx, a, 12)} @ {paren(ctx, b, 13)}"
        else:
            fn = ctx.spell_like(node.func, "dot", "numpy.dot")
            new = f"{fn}({paren(ctx, a, 1)}, {paren(ctx, b, 1)})" if fn else None
        if new is not None and real is not None:
            new = rf.real_of(new)
        if new is not None and dtypes_known:
            fix = self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)
        builtin = ("; Python's built-in `sum` adds the elements one at a time in the interpreter (about 100x "
                   "slower than the dot at n=10,000)") if self._builtin_sum(node) else ""
        self.report(node, f"`{ctx.text(node)}` on 1-D arrays is a dot product: `{new or 'a @ b'}` runs in BLAS "
                    f"without the temporary product array (2.5-5x measured){builtin}", fix,
                    cost=self._cost(node, inner))
        return True

    # -- norms ------------------------------------------------------------------
    def _is_norm_radicand(self, sum_call) -> bool:
        parent = self.ctx.parent(sum_call)
        return self._root_of(parent) is sum_call

    def _root_of(self, node) -> ast.AST | None:
        """The radicand of ``np.sqrt(r)``, ``math.sqrt(r)``, ``torch.sqrt(r)``, ``r ** 0.5``."""
        ctx = self.ctx
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and ctx.resolve_call(node) in ("numpy.sqrt", "math.sqrt", "torch.sqrt"):
            return node.args[0]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) \
                and node.right.value == 0.5:
            return node.left
        return None

    def _check_norm(self, node) -> bool:
        ctx = self.ctx
        radicand = self._root_of(node)
        if radicand is None:
            return False
        inner = self._sum_arg(radicand)
        if inner is None:
            red = rf.reduction(ctx, radicand)
            prop = red and rc.row_norm(ctx, node, red, ctx.resolve_call(node) if isinstance(node, ast.Call) else None)
            if prop is not None:
                self._propose(prop)
            return prop is not None
        sq = rf.squared(ctx, inner)
        if sq is None:
            return False
        x, via_abs = sq
        f = ctx.array_facts(x)
        # sqrt(sum(x**2)) == norm(x) for a real array of any rank (norm flattens like the
        # sum does): flag unless x is known to break it (a scalar, integers whose squares may
        # wrap, complex x**2) or to be tiny; the fix needs the dtype known real.
        if (f.rank is not None and f.rank < 1) or f.dtype in INT_DTYPES | {"bool", "object"} \
                or (f.dtype in ("complex64", "complex128") and not via_abs) or known_small(f):
            return True
        if self._builtin_sum(radicand) and (f.rank != 1 or f.lib != "numpy"):
            return True  # builtin sum over a 2-D array sums rows; over an unknown: a Python loop
        sqrt_api = ctx.resolve_call(node) if isinstance(node, ast.Call) else None
        sum_api = ctx.resolve_call(radicand)
        torch_spelled = sqrt_api == "torch.sqrt" or sum_api == "torch.sum"
        numpy_spelled = sqrt_api == "numpy.sqrt" or sum_api == "numpy.sum"
        lib = f.lib if f.lib in ("numpy", "torch") else None
        if torch_spelled and (numpy_spelled or lib == "numpy") or lib == "torch" and numpy_spelled:
            return True  # mixed libraries: leave alone
        lib = lib or ("torch" if torch_spelled else "numpy")
        fixable = f.lib == lib and (f.dtype in ("float32", "float64")
                                    or via_abs and f.dtype in ("complex64", "complex128")) \
            and (f.rank is not None or lib == "numpy") and not f.soft
        fn = ctx.spell("torch.linalg.norm" if lib == "torch" else "numpy.linalg.norm")
        fix = None
        new = f"{fn}({ctx.text(x)})" if fn is not None else None
        if new is not None and sqrt_api == "math.sqrt":
            new = f"float({new})"
        if new is not None and fixable:
            fix = self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)
        shown = new or (f"torch.linalg.norm({ctx.text(x)})" if lib == "torch" else f"np.linalg.norm({ctx.text(x)})")
        note = "" if fixable else " (a fix is offered when the array is known to be real floating)"
        self.report(node, f"`{ctx.text(node)}` is a 2-norm: `{shown}` computes it in one "
                    f"BLAS pass without the temporary array of squares (2-4.7x measured){note}", fix,
                    cost=self._cost(node, x))
        return True


def _is_int(node, values) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return isinstance(node.operand.value, int) and -node.operand.value in values
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in values
