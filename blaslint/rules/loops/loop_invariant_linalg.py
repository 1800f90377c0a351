"""BL302 loop-invariant-linalg: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.flow import runs_at_most_once
from blaslint.analysis.scopes import SCOPE_TYPES
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import facts_note, in_assertion
from blaslint.rules.loops._enclosing_loops import _loop_line, loops_through_branches, timed_loop
from blaslint.analysis import cost as _cost
from blaslint.rules.loops._opaque import assumption as _assumption, given_to_unknown_call, invariant_despite_calls
from blaslint.rules.loops._scaled import scaled_invariant_product
from blaslint.rules.loops._per_index import per_index
from blaslint.rules.loops._invariant_ops import (built_operand, invariant_cost, lookup_invariant, operation,
                                                 operands_of, short, solved_matrix)
from blaslint.rules.loops._reuse import kept_or_changed
from blaslint.rules.loops._through_calls import caller_loop_invariant


class LoopInvariantLinalg(Rule):
    """A costly linear-algebra operation whose inputs do not change in the loop.

    An inverse, factorisation (``cholesky``, ``qr``, ``svd``, ``lu_factor``,
    ``eigh``, ...), ``get_blas_funcs`` lookup, transposed copy, outer or
    Kronecker product, or matrix product computed inside a loop (also inside an
    ``if`` block that runs on many iterations, and in comprehensions) from
    operands that the loop neither reassigns nor changes in place gives the
    same result every iteration: hoist it out of the loop. Likewise
    ``solve(A, b)`` / ``lstsq(A, b)`` with an invariant ``A`` factorises it
    again for every right-hand side, and an operand of a product built from
    invariant values (``np.column_stack((V, ones)).T``, ``a * B`` with ``B``
    2-D) is rebuilt every iteration. Silent when the loop stores each
    iteration's result (hoisting would share one array) or writes into a copy
    (the copy is the point); a branch that runs once (``if i == 0``, a lazy
    initialisation, one that breaks out) is not repeated work.
    """

    code = "BL302"
    name = "loop-invariant-linalg"
    summary = "Loop-invariant inverse, factorisation, transposed copy or product inside a loop"
    fix_safety = "none"
    triggers = ("inv", "cholesky", "qr", "svd", "lu", "cho_factor", "eig", "get_blas_funcs",
                "get_lapack_funcs", "@", "dot", "matmul", "mm", "copy", "contiguous", "ascontiguousarray",
                "det", "expm", "sqrtm", "schur", "polar", "hessenberg", "matrix_power", "matrix_exp",
                "outer", "kron", "ger", "solve", "lstsq")

    VALID = [
        "import numpy as np\ndef f(n, s):\n    Y = np.ones((4, 5, 6))\n    for q in range(n):\n        for p in range(4):\n            s = s + Y[p, :, 0].T.conj() @ Y[q, :, 0]\n",
        # the operands go to a helper of this module that writes one of them every iteration
        "import numpy as np\ndef step(T, w):\n    T *= 0.5\n    return w.sum()\n"
        "def f(T, Y, w, n):\n    for it in range(n):\n        g = np.sum(w * T.T.dot(Y))\n        w = w - g * step(T, w)\n    return w\n",
        # a transposed copy the loop writes into: each iteration needs a fresh copy
        "import numpy as np\ndef f(W, xs):\n    for x in xs:\n        Wt = W.T.copy()\n        Wt[0] = x\n"
        "        print(Wt @ x)\n",
        "import numpy as np\ndef f(W, xs):\n    for x in xs:\n        Wt = np.ascontiguousarray(W.T)\n"
        "        Wt *= x[0]\n        print(Wt.sum())\n",
        # the result is stored each iteration: hoisting would put one shared array in every slot
        "import numpy as np\ndef f(A, xs):\n    out = []\n    for x in xs:\n        out.append(np.linalg.inv(A))\n"
        "    return out\n",
        "import numpy as np\ndef f(u, v, n):\n    cache = {}\n    for i in range(n):\n        cache[i] = np.outer(u, v)\n"
        "    return cache\n",
        # a branch that runs once: the first iteration, a lazy initialisation, one that breaks out
        "import numpy as np\ndef f(A, xs):\n    for i, x in enumerate(xs):\n        if i == 0:\n"
        "            Ai = np.linalg.inv(A)\n        print(Ai @ x)\n",
        "import numpy as np\ndef f(A, xs):\n    Ai = None\n    for x in xs:\n        if Ai is None:\n"
        "            Ai = np.linalg.inv(A)\n        print(Ai @ x)\n",
        "import numpy as np\ndef f(A, xs):\n    for x in xs:\n        if x.sum() > 1:\n"
        "            print(np.linalg.pinv(A) @ x)\n            break\n",
        # solve with a matrix the loop changes
        "import numpy as np\ndef f(A, bs):\n    for b in bs:\n        x = np.linalg.solve(A, b)\n"
        "        A = A + np.outer(x, x)\n",
        # an unknown call in the loop is given the object the operand was taken from
        "import numpy as np\ndef f(mesh, cands, refine):\n    V = mesh.vertices\n    for M in cands:\n"
        "        refine(mesh, M)\n        print(np.linalg.pinv(V.T @ V))\n",
        # ... or an alias of the operand
        "import numpy as np\ndef f(A, xs, step):\n    B = A.reshape(A.shape)\n    for x in xs:\n"
        "        step(B, x)\n        print(np.linalg.inv(A) @ x)\n",
        # a timing loop: the repetition is the point
        "import numpy as np\nfrom datetime import datetime\ndef bench(a, b, T):\n    t0 = datetime.now()\n"
        "    for t in range(T):\n        a.dot(b)\n    return datetime.now() - t0\n",
        # the clock read above a few argument checks (scikit-matter's Voronoi FPS timing)
        "from time import time\ndef bench(X, n):\n    t = -time()\n    if n < 1:\n        raise ValueError(n)\n"
        "    if n > 100:\n        raise ValueError(n)\n    for _ in range(n):\n        X @ X[[0]].T\n    t += time()\n"
        "    return t / n\n",
        # an operand that is only named or viewed, not built
        "import numpy as np\ndef f(V, Ms):\n    for M in Ms:\n        print(M @ V.T)\n",
        # an elementwise product of vectors (rank 1) feeding a dot: nothing big is rebuilt
        "import numpy as np\ndef f(xs, n):\n    w = np.ones(n)\n    for x in xs:\n        print((2 * w) @ x)\n",
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
    VALID += [
        # through a helper: an early return, a branch, an argument the loop changes or hands to unknown code,
        # state of an object passed in
        "import numpy as np\ndef h(A, b):\n    if b is None:\n        return 0\n    return np.linalg.inv(A) @ b\n"
        "def f(A, bs):\n    return [h(A, b) for b in bs] + [h(A, None) for _ in range(3)]\n"
        "def g(A, bs):\n    for b in bs:\n        h(A, b)\n",
        "import numpy as np\ndef h(A, b, k):\n    if k:\n        return np.linalg.inv(A) @ b\n    return b\n"
        "def g(A, bs):\n    for b in bs:\n        h(A, b, 1)\n",
        "import numpy as np\ndef h(A, b):\n    return np.linalg.inv(A) @ b\ndef g(A, bs):\n    for b in bs:\n"
        "        h(A, b)\n        A = A * 0.5\n",
        "import numpy as np\ndef h(A, b):\n    return np.linalg.inv(A) @ b\ndef g(A, bs, update):\n    for b in bs:\n"
        "        h(A, b)\n        update(A)\n",
        "import numpy as np\ndef h(model, b):\n    return np.linalg.inv(model.Sigma) @ b\ndef g(model, bs):\n"
        "    for b in bs:\n        h(model, b)\n",
        # per-index work whose inputs the outer loop changes, or whose inner range it changes, or an index
        # the inner body rebinds, or a derived name changed in place, or a result written back into its input
        "import numpy as np\ndef f(R, I, p, n):\n    for it in range(n):\n        R = R * 0.5\n"
        "        for j in range(p):\n            print(R @ I[j])\n",
        "import numpy as np\ndef f(R, I, p):\n    for i in range(p):\n        for j in range(i):\n"
        "            print(R @ I[j] @ I[i])\n",
        "import numpy as np\ndef f(R, I, p, n):\n    for it in range(n):\n        for j in range(p):\n"
        "            j = j + it\n            print(R @ I[j])\n",
        "import numpy as np\ndef f(C, n, m):\n    for k in range(n):\n        for i in range(m):\n"
        "            ui = C[:, i]\n            ui[0] = k\n            print(np.outer(ui, ui))\n",
        "import numpy as np\ndef f(Xs, w, n):\n    for it in range(n):\n        for i in range(len(Xs)):\n"
        "            w[i] = Xs[i].T @ (Xs[i] @ w[i])\n",
        # a name the inner body binds inside a branch: not the same value on every pass
        "import numpy as np\ndef f(X, n, m, flag):\n    for it in range(n):\n        for j in range(m):\n"
        "            B = X[j]\n            if flag(it):\n                B = X[j] + it\n            print(np.linalg.inv(B))\n",
        # an inner iterable that need not repeat its values (a data loader may shuffle)
        "import torch\ndef f(loader, W1, epochs):\n    for epoch in range(epochs):\n        for x, y in loader:\n"
        "            print((x @ W1.t()).sum())\n",
        # a scale that is a vector (or of unknown rank): `(w * X.T) @ X` is X.T diag(w) X, not w * (X.T @ X)
        "import numpy as np\ndef f(X, n):\n    w = np.ones(len(X))\n    for i in range(n):\n        w = w * 0.5\n"
        "        print(w * X.T @ X)\n",
        "import numpy as np\ndef f(X, ws):\n    for w in ws:\n        print(w * X.T @ X)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef f(X, W, n):\n    for it in range(n):\n        W = W @ (X @ np.conj(X.swapaxes(1, 2)))\n"),
        # a triangular inner loop (spreg's SUR error variances): inv(I - lam_j W) again on every pass i < j
        Invalid("import numpy as np\nimport scipy.linalg as la\ndef f(WS, I, lam, n):\n    out = np.zeros((n, n))\n"
                "    for i in range(n):\n        B = I - WS * lam[i]\n        Bi = la.inv(B)\n"
                "        for j in range(i + 1, n):\n            B = I - WS * lam[j]\n            Bj = la.inv(B)\n"
                "            out[i, j] = np.trace(Bi @ Bj)\n    return out\n"),
        # work on an inner loop's index only, redone on every pass of the outer loop (nipy's AR bias
        # correction, msmbuilder's eigenvalue uncertainties, cca_zoo's ADMM)
        Invalid("import numpy as np\nimport scipy.linalg as spl\ndef f(R, order):\n    M = np.zeros((order + 1,) * 2)\n"
                "    I = np.eye(R.shape[0])\n    for i in range(order + 1):\n        Di = np.dot(R, spl.toeplitz(I[i]))\n"
                "        for j in range(order + 1):\n            Dj = np.dot(R, spl.toeplitz(I[j]))\n"
                "            M[i, j] = np.diag(np.dot(Di, Dj)).sum()\n    return M\n"),
        Invalid("import numpy as np\ndef f(C, lv, n, m):\n    s = np.zeros(n)\n    for k in range(n):\n"
                "        d = np.outer(lv[:, k], lv[:, k])\n        for i in range(m):\n            ui = C[:, i]\n"
                "            wi = np.sum(ui)\n            cov = wi * np.diag(ui) - np.outer(ui, ui)\n"
                "            s[k] += d[i].dot(cov).dot(d[i])\n    return s\n"),
        Invalid("import numpy as np\ndef f(views, w, n):\n    for it in range(n):\n        for i in range(len(views)):\n"
                "            XtX = views[i].T @ views[i]\n            w[i] = w[i] - 0.1 * (XtX @ w[i])\n"
                "        for i in range(len(views)):\n            w[i] = w[i] / np.linalg.norm(w[i])\n    return w\n"),
        # ... and to one that only reads them (POT's unmixing line search)
        Invalid("import numpy as np\ndef step(T, w):\n    return np.sum(T) + w.sum()\n"
                "def f(T, Y, w, n):\n    for it in range(n):\n        g = np.sum(w * T.T.dot(Y))\n        w = w - g * step(T, w)\n    return w\n"),
        # inside an `if` that runs on many iterations
        Invalid("import numpy as np\ndef f(A, xs):\n    out = []\n    for x in xs:\n        if x.sum() > 0:\n"
                "            out.append(np.linalg.inv(A) @ x)\n    return out\n"),
        # per-streamline Mahalanobis distance: the covariance inverse inside the loop over streamlines
        Invalid("import numpy as np\nfrom scipy.spatial.distance import mahalanobis\n"
                "def weights(coords, m, c, w, node):\n    for fn in range(len(coords)):\n"
                "        if np.allclose(c, 0):\n            w[:, node] = len(coords)\n            break\n"
                "        w[fn, node] = mahalanobis(coords[fn], m, np.linalg.inv(c))\n    return w\n"),
        # an inverse inside a list handed to a product helper (read, not stored)
        Invalid("import numpy as np\ndef f(S, Ts, G):\n    out = []\n    for T in Ts:\n"
                "        out.append(np.linalg.multi_dot([S, T, np.linalg.inv(G)]))\n    return out\n"),
        # unknown helpers in the loop that are not given the operand (nor where it came from)
        Invalid("import numpy as np\ndef best(obj, matrices, fit2d):\n    vertices = obj.hull.vertices\n"
                "    for M in matrices:\n        P = np.dot(M, np.column_stack((vertices, np.ones(len(vertices)))).T).T\n"
                "        box = fit2d(P[:, :2])\n        print(box)\n"),
        Invalid("import numpy as np\ndef search(points, cubes, T, icp):\n    for flip in cubes:\n"
                "        a_to_b = np.dot(flip, np.linalg.inv(T))\n        icp(points, a_to_b)\n"),
        # outer and Kronecker products of invariant vectors
        Invalid("import numpy as np\ndef f(u, v, xs):\n    for x in xs:\n        print(np.outer(u, v) @ x)\n"),
        Invalid("import numpy as np\ndef f(A, B, xs):\n    return [np.kron(A, B) @ x for x in xs]\n"),
        # solve / lstsq with the same matrix for every right-hand side
        Invalid("import numpy as np\ndef f(B, rs):\n    out = []\n    for r in rs:\n"
                "        out.append(np.linalg.lstsq(B, r, rcond=None)[0])\n    return out\n"),
        Invalid("import numpy as np\ndef als(U, logX, reg, d):\n    W = np.empty((len(logX), d))\n"
                "    for i in range(len(logX)):\n        W[i] = np.linalg.solve(reg * np.eye(d) + U.T.dot(U), logX[i].dot(U))\n"
                "    return W\n"),
        # an operand rebuilt every iteration: homogeneous coordinates of the hull vertices
        Invalid("import numpy as np\ndef f(V, matrices):\n    for M in matrices:\n"
                "        P = np.dot(M, np.column_stack((V, np.ones(len(V)))).T).T\n        print(P[:, 2].ptp())\n"),
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
        # through a helper: the caller's loop hands it the same matrix every time
        Invalid("import numpy as np\nclass Solver:\n    def _update(self, H, g):\n        return np.linalg.inv(H) @ g\n"
                "    def _loss(self, H, g):\n        return float(g @ H @ g)\n"
                "    def fit(self, H, gs):\n        out = []\n        for g in gs:\n"
                "            out.append(self._update(H, g))\n            self._loss(H, g)\n        return out\n"),
        Invalid("from scipy.linalg import get_blas_funcs\ndef f(A, xs):\n    for x in xs:\n"
                "        gemv = get_blas_funcs('gemv', (A,))\n        print(gemv(1.0, A, x))\n"),
        # `beta * X.T @ X` is `(beta * X.T) @ X`: the invariant product hides behind a changing 0-D scale
        Invalid("import numpy as np\nclass R:\n    def __init__(self, beta=1.0):\n        self.beta = beta\n"
                "    def fit(self, X, t, n):\n        for _ in range(n):\n            P = self.beta * X.T @ X\n"
                "            self.beta = 1.0 / np.sum(t - P.sum()) ** 2\n        return P\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        self._check(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._check(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ("T", "mT"):
            self._check(node)

    def _check(self, node: ast.AST) -> None:
        ctx = self.ctx
        what = operation(ctx, node)
        loop = self._hoist_target(node) if what is not None else None
        if loop is None and what is not None and (self._through_call(node, what) or self._per_index(node, what)):
            return
        if loop is None:
            what, loop = self._operand_rebuilt(node)
            if loop is None:
                if not self._scaled(node):
                    self._check_solve(node)
                return
        if self._inside_larger(node, loop) or timed_loop(ctx, loop):
            return
        why = kept_or_changed(ctx, node, loop)
        if why == "stored" or (why == "changed" and what in ("transposed copy", "copy")):
            return  # each iteration needs its own array: hoisting would share (or undo) it
        text = short(ctx.text(node))
        if what == "rebuilt operand":
            msg = (f"`{text}` builds an operand of a matrix product from values that do not change in "
                   f"{_loop_line(loop, ctx.line_ref)}, again on every iteration: build it once before the loop")
        else:
            msg = (f"the {what} `{text}` does not change in {_loop_line(loop, ctx.line_ref)} but is recomputed on every "
                   f"iteration: hoist it out of the loop (the whole operation is repeated per step; the cost "
                   f"grows with the matrix size)")
        if why == "changed":
            msg += "; the loop writes into the result, so keep a `.copy()` of the hoisted value per iteration"
        msg += _assumption(ctx, node, loop)
        cost = invariant_cost(ctx, node, what, loop)
        msg += facts_note(ctx, operands_of(ctx, node))
        self._report_costed(node, msg, cost, "when hoisted")

    def _through_call(self, node: ast.AST, what: str) -> bool:
        """An operation of a helper on parameters that a caller's loop passes unchanged: reported at the helper."""
        ctx = self.ctx
        found = caller_loop_invariant(ctx, node)
        if found is None or in_assertion(ctx, node) or timed_loop(ctx, found.loop):
            return False
        if _larger_operation(ctx, node, lambda anc: caller_loop_invariant(ctx, anc)):
            return True  # `inv(x.T @ x)`: the inverse is reported, with its product
        params = ", ".join(f"`{p}`" for p in found.params)
        cost = invariant_cost(ctx, node, what, found.loop)
        msg = (f"the {what} `{short(ctx.text(node))}` depends only on {params}, which "
               f"{_loop_line(found.loop, ctx.line_ref)} passes unchanged to every call of `{found.helper.name}` "
               f"({ctx.line_ref(found.call.lineno)}): it is recomputed on every iteration; compute it once before "
               f"that loop and pass it in (or cache it){facts_note(ctx, operands_of(ctx, node))}")
        self._report_costed(node, msg, cost, "when hoisted")
        return True

    def _per_index(self, node: ast.AST, what: str) -> bool:
        """An operation on an inner loop's index only, redone on every pass of an outer loop."""
        ctx = self.ctx
        found = per_index(ctx, node, loops_through_branches(ctx, node))
        if found is None or in_assertion(ctx, node) or timed_loop(ctx, found.outer):
            return False
        if _larger_operation(ctx, node, lambda anc: per_index(ctx, anc, loops_through_branches(ctx, anc))):
            return True  # `inv(Xi.T @ Xi)`: the inverse is reported, with its product
        if kept_or_changed(ctx, node, found.inner) is not None:
            return False
        index = ", ".join(f"`{i}`" for i in found.index)
        if found.through:
            index += f" (through {', '.join(f'`{n}`' for n in found.through)})"
        cost = invariant_cost(ctx, node, what, found.outer)
        msg = (f"the {what} `{short(ctx.text(node))}` depends only on {index}, the variable of "
               f"{_loop_line(found.inner, ctx.line_ref)}, which runs over "
               f"{'these values again on later passes' if found.partial else 'the same values on every pass'} of "
               f"{_loop_line(found.outer, ctx.line_ref)}: each value's result is recomputed on "
               f"{'each pass that reaches it' if found.partial else 'every pass'}; compute "
               f"it once per value before the outer loop"
               f"{'' if found.partial else ' (or, when its passes are independent, swap the two loops)'}"
               f"{facts_note(ctx, operands_of(ctx, node))}")
        self._report_costed(node, msg, cost, "when computed once per value")
        return True

    def _report_costed(self, node: ast.AST, msg: str, cost, after_words: str) -> None:
        """Report with the cost model's before/after, when a loop multiplies it."""
        if cost.loop:
            msg += f"; {cost.before} {cost.loop}, {cost.after} {after_words}"
        self.report(node, msg, cost=cost)

    def _check_solve(self, node: ast.AST) -> None:
        """``solve(A, b_i)`` / ``lstsq(A, b_i)``: ``A`` is factorised again for every right-hand side."""
        ctx = self.ctx
        found = solved_matrix(ctx, node)
        if found is None:
            return
        name, matrix = found
        loop = self._hoist_target(matrix)
        if loop is None or self._inside_larger(node, loop) or timed_loop(ctx, loop):
            return
        text = short(ctx.text(matrix))
        assumed = _assumption(ctx, matrix, loop)
        once = ("`lu_factor`/`cho_factor`, then `lu_solve`/`cho_solve` per right-hand side" if name == "solve"
                else "a QR or SVD of it, or its `pinv` if it is small")
        self.report(node, f"`{name}` factorises `{text}`, which does not change in {_loop_line(loop, ctx.line_ref)}, again "
                          f"on every iteration: factorise it once before the loop ({once}), or solve for all "
                          f"right-hand sides in one call (stacked as columns){assumed}"
                          f"{facts_note(ctx, [matrix])}",
                    cost=_cost.loop_invariant(ctx, node, "solve" if name == "solve" else "qr",
                                              ctx.array_facts(matrix), loop=loop))

    def _scaled(self, node: ast.AST) -> bool:
        """``beta * X.T @ X`` is ``(beta * X.T) @ X``: the product of invariant operands is hidden by a scalar."""
        found = scaled_invariant_product(self.ctx, node, self._hoist_target)
        if found is None or self._inside_larger(node, found.loop) or timed_loop(self.ctx, found.loop):
            return False
        self._report_costed(node, found.message(self.ctx, node), invariant_cost(self.ctx, node, "matrix product", found.loop),
                            "when hoisted")
        return True

    def _operand_rebuilt(self, node: ast.AST):
        """("rebuilt operand", loop) when ``node`` builds an invariant operand of a varying product."""
        if not built_operand(self.ctx, node):
            return None, None
        loop = self._hoist_target(node)
        return ("rebuilt operand", loop) if loop is not None else (None, None)

    def _inside_larger(self, node: ast.AST, loop: ast.AST) -> bool:
        """Is ``node`` part of a larger invariant operation reported instead (``inv(A @ B)``: the inv)?"""
        ctx = self.ctx
        for anc in ctx.ancestors(node):
            if isinstance(anc, (ast.stmt, *SCOPE_TYPES)) or anc is loop:
                break
            if (operation(ctx, anc) is not None or built_operand(ctx, anc)) \
                    and self._hoist_target(anc) is not None:
                return True
            found = solved_matrix(ctx, anc)
            if found is not None and _contains(found[1], node) and self._hoist_target(found[1]) is not None:
                return True
        return False

    def _hoist_target(self, node: ast.AST):
        """The outermost loop in which ``node`` is invariant (and which repeats), or None."""
        ctx = self.ctx
        best = None
        for loop in loops_through_branches(ctx, node):
            if lookup_invariant(ctx, node, loop):
                pass
            elif not (ctx.is_loop_invariant(node, loop) or invariant_despite_calls(ctx, node, loop)) \
                    or given_to_unknown_call(ctx, node, loop):
                break
            if not runs_at_most_once(loop):
                best = loop
        return best


def _contains(outer: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(outer))


def _larger_operation(ctx, node: ast.AST, found) -> bool:
    """Is ``node`` inside a larger costly operation of its statement for which ``found`` holds too?"""
    for anc in ctx.ancestors(node):
        if isinstance(anc, (ast.stmt, *SCOPE_TYPES)):
            return False
        if operation(ctx, anc) is not None and found(anc) is not None:
            return True
    return False
