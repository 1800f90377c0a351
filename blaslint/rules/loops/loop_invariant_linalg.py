"""BL302 loop-invariant-linalg: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.flow import is_shape_invariant, runs_at_most_once
from blaslint.analysis.scopes import SCOPE_TYPES
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import INVERSE_APIS, PINV_APIS, product_operands, transposed_copy
from blaslint.rules.loops._enclosing_loops import _loop_line, loops_around


_DECOMPOSITIONS = {
    "cholesky", "qr", "svd", "lu", "lu_factor", "cho_factor", "eig", "eigh", "eigvals", "eigvalsh",
    "det", "slogdet", "matrix_power", "expm", "sqrtm", "logm", "ldl", "schur", "hessenberg", "polar",
}
_LINALG_MODULES = ("numpy.linalg", "scipy.linalg", "torch.linalg")
_BLAS_GETTERS = {"scipy.linalg.get_blas_funcs", "scipy.linalg.blas.get_blas_funcs",
                 "scipy.linalg.get_lapack_funcs", "scipy.linalg.lapack.get_lapack_funcs"}
_TORCH_DECOMPOSITIONS = {"torch.cholesky", "torch.svd", "torch.qr", "torch.det", "torch.logdet",
                         "torch.slogdet", "torch.lu", "torch.matrix_power", "torch.matrix_exp"}


# -- BL302 -------------------------------------------------------------------------

def _operation(ctx, node: ast.AST) -> str | None:
    """What ``node`` computes, if it is an operation BL302 knows to be costly."""
    if isinstance(node, ast.Call):
        q = ctx.resolve_call(node)
        if q is not None:
            module, _, name = q.rpartition(".")
            if q in INVERSE_APIS or q in PINV_APIS:
                return "inverse"
            if (module in _LINALG_MODULES and name in _DECOMPOSITIONS) or q in _TORCH_DECOMPOSITIONS:
                return "factorisation" if name not in ("det", "slogdet", "expm", "sqrtm", "logm",
                                                       "matrix_power", "matrix_exp") else "matrix function"
            if q in _BLAS_GETTERS:
                return "BLAS routine lookup"
        if transposed_copy(ctx, node) is not None:
            return "transposed copy"
    if product_operands(ctx, node) is not None:
        return "matrix product"
    return None


class LoopInvariantLinalg(Rule):
    """A costly linear-algebra operation whose inputs do not change in the loop.

    An inverse, factorisation (``cholesky``, ``qr``, ``svd``, ``lu_factor``,
    ``eigh``, ...), ``get_blas_funcs`` lookup, transposed copy or matrix
    product computed inside a loop from operands that the loop neither
    reassigns nor changes in place gives the same result every iteration.
    Hoist it out of the loop.
    """

    code = "BL302"
    name = "loop-invariant-linalg"
    summary = "Loop-invariant inverse, factorisation, transposed copy or product inside a loop"
    fix_safety = "none"
    triggers = ("inv", "cholesky", "qr", "svd", "lu", "cho_factor", "eig", "get_blas_funcs",
                "get_lapack_funcs", "@", "dot", "matmul", "mm", "copy", "contiguous", "ascontiguousarray",
                "det", "expm", "sqrtm", "schur", "polar", "hessenberg", "matrix_power", "matrix_exp")

    VALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(model, xs):\n    W = model.get_weight()\n    for x in xs:\n        model.step(x)\n        Wi = np.linalg.inv(W)\n',
        'import numpy as np\ndef f(jac, x, n):\n    J = jac(x)\n    for _ in range(n):\n        J = J + 1.0\n        L = np.linalg.cholesky(J)\n',
        'import numpy as np\ndef f(params, xs, opt):\n    W = pick(params)\n    for x in xs:\n        opt(params)\n        Wi = np.linalg.inv(W)\n',
        "import numpy as np\nfrom scipy.linalg import get_blas_funcs\ndef f(A, xs):\n    for x in xs:\n        gemv, = get_blas_funcs(('gemv',), (A,))\n        A = A.astype(np.float32)\n",
        'import numpy as np\ndef f(K, ts):\n    for t in ts:\n        K[np.diag_indices_from(K)] += t\n        L = np.linalg.cholesky(K)\n',
        'import numpy as np\ndef f(jac, x, n):\n    J = jac(x)\n    for _ in range(n):\n        J[0, 0] += 1.0\n        Ji = np.linalg.inv(J)\n',
        # the operand is reassigned in the loop
        "import numpy as np\ndef f(A, xs):\n    for x in xs:\n        Ai = np.linalg.inv(A)\n        A = A + np.outer(x, x)\n",
        # the operand is changed in place
        "import numpy as np\ndef f(W, xs, lr):\n    for x in xs:\n        Wt = W.T.copy()\n        W -= lr * np.outer(x, Wt @ x)\n",
        "import numpy as np\ndef f(P, xs):\n    for x in xs:\n        L = np.linalg.cholesky(P)\n        P[...] = P @ P.T + np.outer(x, x)\n",
        # random: a fresh value every time
        "import numpy as np\nfor i in range(10):\n    Q, R = np.linalg.qr(np.random.randn(5, 5))\n",
        # depends on the loop variable
        "import numpy as np\ndef f(As, b):\n    for A in As:\n        x = np.linalg.inv(A) @ b\n",
        # inside a function defined in the loop
        "import numpy as np\ndef f(A, n):\n    for i in range(n):\n        def g():\n            return np.linalg.inv(A)\n        g()\n",
        # an unknown call may update the weights (optimizer step)
        "import torch\ndef f(model, opt, loader):\n    for xb in loader:\n        opt.step()\n"
        "        Wt = model.weight.t().contiguous()\n",
        # passed to a function that may change it in place
        "import numpy as np\ndef f(W, xs, sgd):\n    for x in xs:\n        sgd(W, x)\n        G = W.T @ W\n",
        # runs once
        "import numpy as np\nfor _ in range(1):\n    Ai = np.linalg.inv(A)\n",
    ]
    INVALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef solve_all(f, jac, x, n):\n    x = np.asarray(x, dtype=float)\n    J = jac(x)\n    for _ in range(n):\n        x = x - np.linalg.solve(J.T @ J, J.T @ f(x))\n    return x\n'),
        Invalid('import numpy as np\ndef kernel(A, B):\n    return np.exp(-(A @ B.T))\ndef predict(X, tests):\n    K = kernel(X, X)\n    K[np.diag_indices_from(K)] += 1e-6\n    out = []\n    for T in tests:\n        L = np.linalg.cholesky(K)\n        out.append(kernel(T, X) @ L)\n    return out\n'),
        Invalid("import numpy as np\nfrom scipy.linalg import get_blas_funcs\ndef f(A, xs):\n    for x in xs:\n        gemv, ger = get_blas_funcs(('gemv', 'ger'), (A,))\n        ger(1.0, x, x, a=A, overwrite_a=1)\n"),
        Invalid("import numpy as np\nfrom scipy.linalg import get_lapack_funcs\ndef f(A, bs):\n    for b in bs:\n        (getrs,) = get_lapack_funcs(('getrs',), (A,))\n        A *= 0.5\n"),
        Invalid('import numpy as np\ndef f(make, xs):\n    M = make(3.0)\n    for x in xs:\n        y = x @ np.linalg.inv(M)\n        print(y)\n'),
        Invalid('import numpy as np\ndef gram(X):\n    return X.T @ X\ndef f(X, ys, report):\n    G = gram(X)\n    for y in ys:\n        Q, R = np.linalg.qr(G)\n        report(Q, y)\n'),
        Invalid("import numpy as np\ndef f(A, bs):\n    out = []\n    for b in bs:\n"
                "        Ai = np.linalg.inv(A)\n        out.append(Ai @ b)\n    return out\n"),
        Invalid("import numpy as np\ndef f(X, y, w, lr, n):\n    for it in range(n):\n"
                "        H = X.T @ X\n        w = w - lr * (H @ w - X.T @ y)\n    return w\n", count=2),
        Invalid("from scipy.linalg import cho_factor, cho_solve\ndef f(K, ys):\n"
                "    return [cho_solve(cho_factor(K), y) for y in ys]\n"),
        Invalid("import numpy as np\nW = np.ones((4, 3))\nfor step in range(100):\n    Wt = W.T.copy()\n    print(Wt.sum())\n"),
        Invalid("from scipy.linalg import get_blas_funcs\ndef f(A, xs):\n    for x in xs:\n"
                "        gemv = get_blas_funcs('gemv', (A,))\n        print(gemv(1.0, A, x))\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        self._check(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._check(node)

    def _check(self, node: ast.AST) -> None:
        ctx = self.ctx
        what = _operation(ctx, node)
        if what is None:
            return
        loop = self._hoist_target(node)
        if loop is None:
            return
        # report the largest invariant operation only (inv(A @ B): the inv)
        for anc in ctx.ancestors(node):
            if isinstance(anc, (ast.stmt, *SCOPE_TYPES)) or anc is loop:
                break
            if _operation(ctx, anc) is not None and self._hoist_target(anc) is not None:
                return
        self.report(node, f"the {what} `{_short(ctx.text(node))}` does not change in {_loop_line(loop, ctx.line_ref)} but is "
                          f"recomputed on every iteration: hoist it out of the loop (the whole operation is "
                          f"repeated per step; the cost grows with the matrix size)")

    def _hoist_target(self, node: ast.AST):
        """The outermost loop in which ``node`` is invariant (and which repeats), or None."""
        ctx = self.ctx
        best = None
        for loop in loops_around(ctx, node):
            if not (ctx.is_loop_invariant(node, loop) or _lookup_invariant(ctx, node, loop)):
                break
            if not runs_at_most_once(loop):
                best = loop
        return best


def _lookup_invariant(ctx, node: ast.AST, loop: ast.AST) -> bool:
    """``get_blas_funcs(names, (A, x))`` reads only the arrays' dtypes (and layout flags),
    which an in-place update of them (``ger(..., a=A, overwrite_a=1)``) does not change."""
    if not isinstance(node, ast.Call) or ctx.resolve_call(node) not in _BLAS_GETTERS \
            or any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    for i, a in enumerate([*node.args, *(k.value for k in node.keywords)]):
        arrays = a is node.args[1] if len(node.args) > 1 else any(k.arg == "arrays" and k.value is a
                                                                  for k in node.keywords)
        if arrays and isinstance(a, (ast.Tuple, ast.List)):
            if not all(is_shape_invariant(ctx, e, loop, whole=True) for e in a.elts):
                return False
        elif not ctx.is_loop_invariant(a, loop):
            return False
    return True


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
