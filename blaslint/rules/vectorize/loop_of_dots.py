"""BL501 loop-of-dots: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.compiled import compiled_by
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import paren
from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize._loop_of_dots_fix import LoopFixes
from blaslint.rules.vectorize._loop_of_dots_match import LoopMatch
from blaslint.rules.vectorize._loop_distances import SquaredDistances
from blaslint.rules.vectorize._per_iteration import PerIterationProducts
from blaslint.rules.vectorize._scaled_rows import ScaledRows

_LOOP_KIND = {"matvec": "one matrix-vector product", "matmul": "one matrix-matrix product", "dot": "one dot product"}


class LoopOfDots(LoopMatch, LoopFixes, PerIterationProducts, ScaledRows, SquaredDistances, Rule):
    """A Python loop or comprehension whose row-by-row dots are one ``A @ x`` / ``A @ B``.

    Each iteration makes one NumPy call on one row: interpreter and call
    overhead per row, and no blocking across rows. One ``A @ x`` hands the whole
    product to BLAS (13x faster at n=1024 for a matrix-vector product).
    Loops that do more than the dot, use a different vector per row, carry
    state from one row to the next, or run a small fixed number of times are
    not flagged.
    """

    code = "BL501"
    name = "loop-of-dots"
    summary = "Python loop of row-by-row dots: one matrix product does it"
    fix_safety = "unsafe"
    triggers = ("dot", "@", "sum", "matmul", "inner", "+", "norm", "distance")  # `+=`: accumulating loops

    VALID = [
        # `U.T @ (X[i] @ U)`: each item is a whole matrix (a list of frontal slices), not a row of a design
        "import numpy as np\ndef update(X, U):\n    R = []\n    for i in range(len(X)):\n"
        "        R.append(np.dot(U.T, X[i].dot(U)))\n    return R\n",
        # a list of possibly differently shaped matrices
        'import numpy as np\ndef f(Ws, x, b):\n    out = []\n    for i in range(len(Ws)):\n        out.append(Ws[i] @ x + b)\n    return out\n',
        "import numpy as np\ndef forward(weights, x):\n    return [W @ x for W in weights]\n",
        # dots of different rows of the same matrix
        "import numpy as np\nA = np.random.rand(100, 5)\nd = [A[i] @ A[i + 1] for i in range(99)]\n",
        # state carried from one row to the next
        "import numpy as np\nA = np.random.rand(100, 100)\ny = np.zeros(100)\n"
        "for i in range(1, 100):\n    y[i] = A[i] @ y\n",
        # the vector changes inside the loop
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ny = np.zeros(100)\n"
        "for i in range(100):\n    y[i] = A[i] @ x\n    x = x * 0.5\n",
        # a small fixed count (3 rows of a rotation)
        "import numpy as np\nR = np.eye(3)\nv = np.ones(3)\nw = np.array([R[i] @ v for i in range(3)])\n",
        # a pure-Python dot over lists
        "def dot(a, b):\n    return sum(a[i] * b[i] for i in range(len(a)))\n",
        # ragged items yielded one by one (streamlines of different lengths)
        "import numpy as np\ndef move(tracks, lin_T, off):\n    for sl in tracks:\n        yield np.dot(sl, lin_T) + off\n",
        # both factors built per iteration (a design and coefficients per volume): not one product
        "import numpy as np\ndef f(data, fits, split, out):\n    for k, coef in enumerate(fits):\n"
        "        cur = split(data, k)\n        out[..., k] = cur.T @ coef\n",
        # the next point depends on the previous choice (greedy traversal)
        "import numpy as np\ndef tsp(P, ones):\n    order = [0]\n    left = np.ones(len(P), dtype=bool)\n"
        "    for i in range(len(P) - 1):\n        cur = P[order[i]]\n        left[order[i]] = False\n"
        "        d = np.dot((P[left] - cur) ** 2, ones)\n        order.append(int(np.argmin(d)))\n    return order\n",
        # a weighted sum whose running value is read in the loop; a distance to a centre that moves
        "import numpy as np\ndef f(w, X):\n    acc = np.zeros(X.shape[1])\n    out = []\n    for t in range(len(w)):\n"
        "        acc += w[t] * X[t]\n        out.append(acc.copy())\n    return out\n",
        "import numpy as np\ndef walk(X):\n    c = X[0]\n    out = []\n    for x in X:\n"
        "        out.append((x - c).dot(x - c))\n        c = x\n    return out\n",
        # the last axis of a stack (a parameter stack in state-space code): `@` would contract another axis
        "import numpy as np\ndef f(dP, A):\n    A = np.eye(3)\n    n, m, k = dP.shape\n    out = np.zeros_like(dP)\n"
        "    for j in range(k):\n        out[:, :, j] = dP[:, :, j] @ A\n    return out\n",
        # items of a container not named as data (layers of different shapes); a method that changes the factor
        "def f(layers, w):\n    return [layer.dot(w) for layer in layers]\n",
        "class M:\n    def step(self):\n        self.w = self.w * 0.5\n    def run(self, X):\n        out = []\n"
        "        for x in X:\n            out.append(x.dot(self.w))\n            self.step()\n        return out\n",
        "import numpy as np\ndef pick(V, T):\n    V = np.ones((50, 40))\n    for i in range(V.shape[1]):\n"
        "        if np.linalg.norm(V[:, i].T @ T) > 0.3:\n            break\n    return i\n",  # stops when found (pyscf)
        # a loop numba compiles: no interpreter cost per iteration (and numba's `@` refuses integers)
        "import numpy as np\nfrom numba import jit\n@jit(nopython=True)\ndef br(P, x, out):\n"
        "    for a in range(P.shape[0]):\n        for b in range(P.shape[1]):\n            out[a] += P[a, b] * x[b]\n",
        # chunks of rows: already one product per chunk
        "import numpy as np\ndef f(M, S, step):\n    out = np.zeros((S.shape[0], M.shape[0]))\n"
        "    for i in range(0, S.shape[0], step):\n        out[i:i + step] = S[i:i + step] @ M.T\n    return out\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef f(T, k):\n    Z = np.ones((T, k))\n    a = np.ones((k, T))\n    out = np.zeros(T)\n"
                "    for t in range(T):\n        out[t] = np.dot(Z[t], a[:, t])\n    return out\n"),  # diag(Z @ a): pyflux
        # a 1 x n row per item in a quadratic form (scikit-matter's prediction rigidities)
        Invalid("import numpy as np\ndef lpr(X_test, Xprime, X_atom):\n    s = np.sqrt(np.mean(X_atom ** 2, axis=0).sum())\n"
                "    Xinv = np.linalg.pinv(Xprime)\n    X_test = np.vstack(X_test)\n    out = np.zeros(X_test.shape[0])\n"
                "    for i in range(X_test.shape[0]):\n        Xi = X_test[i].reshape(1, -1) / s\n"
                "        out[i] = 1 / (Xi @ Xinv @ Xi.T).item()\n    return out\n"),
        # rows of the data parameter, a factor held by the model; a callable attribute does not change it
        Invalid("class LDA:\n    def predict(self, X):\n        y = []\n        for sample in X:\n"
                "            y.append(self.link(sample.dot(self.w)))\n        return y\n"
                "    def __init__(self, link):\n        self.link = link\n"),
        # an RNN's input projection per time step: slices of one product `X @ U`
        Invalid("import numpy as np\ndef rnn(X, U, W):\n    U = np.asarray(U).reshape(8, 4)\n    n, T, d = X.shape\n"
                "    h = np.zeros((n, T, 4))\n    for t in range(T):\n"
                "        h[:, t] = np.tanh(X[:, t] @ U + h[:, t - 1] @ W)\n    return h\n"),
        # spelled with np.dot / .dot, the fixed factor may have any rank (dot contracts X's last axis);
        # a backward pass walks the time steps in reverse
        Invalid("import numpy as np\nclass RNN:\n    def __init__(self, act):\n        self.act = act\n"
                "    def forward(self, X):\n        n, T, d = X.shape\n        self.h = np.zeros((n, T + 1, 4))\n"
                "        for t in range(T):\n            self.h[:, t] = self.act(X[:, t].dot(self.U.T) + self.h[:, t - 1].dot(self.W))\n"
                "        return self.h\n"),
        Invalid("import numpy as np\ndef back(G, V):\n    n, T, d = G.shape\n    out = []\n"
                "    for t in reversed(range(T)):\n        out.append(np.dot(G[:, t, :], V))\n    return out\n"),
        # one product per iteration inside a body that does more (real code: voxel loops, predictions)
        Invalid('import numpy as np\ndef f(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W + b[i]\n    return out\n'),
        Invalid('import numpy as np\ndef f(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W - out[i - 1]\n    return out\n'),
        Invalid("import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ny = np.zeros(100)\n"
                "for i in range(100):\n    if A[i, 0] > 0:\n        y[i] = A[i] @ x\n"),
        Invalid("import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ntotal = 0.0\n"
                "for i in range(100):\n    total += A[i] @ x\n"),
        Invalid("import numpy as np\ndef predict(params, D, S0, out):\n    for v in np.ndindex(params.shape[:-1]):\n"
                "        out[v] = S0[v] * np.exp(np.dot(D, params[v]))\n"),
        Invalid("import numpy as np\ndef f(P, D, f0, mask, out):\n    for v in np.ndindex(mask.shape):\n"
                "        if mask[v]:\n            p = P[v].copy()\n            p[1] = p[1] * p[0]\n"
                "            out[v] = f0[v] * np.exp(np.dot(D[:, :2], p))\n"),
        # a weighted sum of rows, squared distances (through a helper), scalar loops of several factors
        Invalid("import numpy as np\ndef mstep(gamma, x, M, K, T, D):\n    mu = np.zeros((M, K, D))\n"
                "    for j in range(M):\n        for k in range(K):\n            for t in range(T):\n"
                "                mu[j, k] += gamma[t, j, k] * x[t]\n    return mu\n"),
        Invalid("import numpy as np\ndef d(u, v):\n    diff = u - v\n    return diff.dot(diff)\n"
                "def assign(X, M, K):\n    N, D = X.shape\n    E = np.empty((N, K))\n    for k in range(K):\n"
                "        for n in range(N):\n            E[n, k] = np.exp(-d(M[k], X[n]))\n    return E\n"),
        Invalid("import numpy as np\ndef xi(al, be, A, B, T, M, x):\n    a = np.zeros((M, M))\n    for i in range(M):\n"
                "        for j in range(M):\n            for t in range(T - 1):\n"
                "                a[i, j] += al[t, i] * A[i, j] * B[j, x[t + 1]] * be[t + 1, j]\n    return a\n"),
        # per-row quadratic forms
        Invalid("import numpy as np\ndef pdf(r, Di):\n    r = np.asarray(r).reshape(-1, 3)\n    P = np.zeros(len(r))\n"
                "    for i, u in enumerate(r):\n        P[i] = np.dot(np.dot(u.T, Di), u)\n    return P\n"),
        # row-wise dots and batched products of items with the same index
        Invalid("import numpy as np\nA = np.random.rand(100, 5)\nX = np.random.rand(100, 5)\n"
                "y = np.array([A[i] @ X[i] for i in range(100)])\n"),
        Invalid("import numpy as np\ndef f(S, c):\n    S = np.asarray(S, dtype=float).reshape(-1, 3, 3)\n"
                "    out = np.zeros_like(S)\n    for i in range(len(S)):\n"
                "        out[i] = np.matmul(S[i], S[i]) * c[i]\n    return out\n"),
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        Invalid('import numpy as np\ndef dense(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W + b\n    return out\n'),
        Invalid('import numpy as np\ndef affine(A, x, c):\n    y = np.empty(A.shape[0])\n    for i in range(A.shape[0]):\n        y[i] = c + A[i] @ x\n    return y\n'),
        Invalid('import numpy as np\ndef head(H, w, self_b):\n    s = np.zeros(H.shape[0])\n    for t in range(H.shape[0]):\n        s[t] = np.dot(H[t], w) + self_b\n    return s\n'),
        Invalid('import numpy as np\ndef f(X, W, b):\n    n = X.shape[0]\n    out = np.empty((n, W.shape[1]))\n    for r in range(n):\n        out[r] = b + np.dot(X[r], W)\n    return out\n'),
        Invalid('import numpy as np\ndef f(X, W, b):\n    out = np.zeros((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i].dot(W) + b[0]\n    return out\n'),
        Invalid('import numpy as np\ndef f(A, x):\n    y = np.empty(A.shape[0])\n    for i in range(A.shape[0]):\n        y[i] = A[i] @ x + 1.0\n    return y\n'),
        Invalid("import numpy as np\nA = np.random.rand(200, 50)\nx = np.random.rand(50)\n"
                "y = np.array([np.dot(A[i], x) for i in range(A.shape[0])])\n",
                "import numpy as np\nA = np.random.rand(200, 50)\nx = np.random.rand(50)\n"
                "y = A @ x\n", unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(200, 50)\nx = np.random.rand(50)\n"
                "y = np.array([row @ x for row in A])\n",
                "import numpy as np\nA = np.random.rand(200, 50)\nx = np.random.rand(50)\n"
                "y = A @ x\n", unsafe=True),
        Invalid("import numpy as np\nn = 200\nA = np.random.rand(n, n)\nx = np.random.rand(n)\n"
                "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\n",
                "import numpy as np\nn = 200\nA = np.random.rand(n, n)\nx = np.random.rand(n)\n"
                "y = np.zeros(n)\ny[:] = A @ x\n", unsafe=True),
        Invalid("import numpy as np\ndef matvec(A, x):\n    n = A.shape[0]\n    y = np.zeros(n)\n"
                "    for i in range(n):\n        y[i] = np.dot(A[i, :], x)\n    return y\n"),
        Invalid("import numpy as np\ndef f(A, x, y):\n    for i in range(A.shape[0]):\n"
                "        y[i] = (A[i] * x).sum()\n"),
        Invalid("import numpy as np\ndef matmul(A, B):\n    n, m = A.shape[0], B.shape[1]\n"
                "    C = np.zeros((n, m))\n    for i in range(n):\n        for j in range(m):\n"
                "            C[i, j] = A[i, :] @ B[:, j]\n    return C\n"),
        Invalid("import numpy as np\na = np.random.rand(1000)\nb = np.random.rand(1000)\n"
                "s = sum(a[i] * b[i] for i in range(len(a)))\n",
                "import numpy as np\na = np.random.rand(1000)\nb = np.random.rand(1000)\n"
                "s = a @ b\n", unsafe=True),
        Invalid("import numpy as np\na = np.random.rand(1000)\nb = np.random.rand(1000)\n"
                "s = sum(x * y for x, y in zip(a, b))\n"),
        Invalid("import numpy as np\ndef mm(A, B, C):\n    for i in range(A.shape[0]):\n"
                "        for j in range(B.shape[1]):\n            for k in range(A.shape[1]):\n"
                "                C[i, j] += A[i, k] * B[k, j]\n"),
        Invalid("import numpy as np\nA = np.random.rand(300, 40)\nx = np.random.rand(40)\nout = []\n"
                "for row in A:\n    out.append(np.dot(row, x))\n"),
        Invalid("import torch\nA = torch.randn(300, 40)\nx = torch.randn(40)\n"
                "y = torch.stack([A[i] @ x for i in range(A.shape[0])])\n",
                "import torch\nA = torch.randn(300, 40)\nx = torch.randn(40)\n"
                "y = A @ x\n", unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(300, 40)\nY = np.random.rand(200, 40)\n"
                "K = np.array([[X[i] @ Y[j] for j in range(len(Y))] for i in range(len(X))])\n"),
        Invalid("import numpy as np\ndef mv(A, x):\n    n, m = A.shape\n    y = np.zeros(n)\n"
                "    for i in range(n):\n        y[i] = sum(A[i, k] * x[k] for k in range(m))\n    return y\n"),
    ]

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._claimed: set[int] = set()
        self._bias_tail: set[int] = set()  # loop statements `out[i] = row_dot + b`

    def report(self, node, message, fix=None, span=None, cost=None, severity=None) -> None:
        """Every finding here is about a Python loop: none in a function a JIT compiles (numba)."""
        if compiled_by(self.ctx, node) is None:
            super().report(node, message, fix, span, cost=cost, severity=severity)

    # -- loops ------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> None:
        if id(node) in self._claimed:
            return
        levels: list[ld.Level] = []
        cur = node
        while True:
            if cur.orelse:
                return
            level = ld.level_of(self.ctx, cur.target, cur.iter, cur, len(levels))
            if level is None or ld._names(cur.iter) & _outer_names(levels):
                return
            levels.append(level)
            if len(cur.body) == 1 and isinstance(cur.body[0], ast.For) and len(levels) < 3:
                cur = cur.body[0]
                continue
            break
        if len(cur.body) != 1:
            return
        stmt, self._guard = cur.body[0], None
        if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 and len(levels) > 1:
            stmt, self._guard = stmt.body[0], stmt.test  # `if mask[t]:` around a scalar accumulation
        match, target = self._match_statement(stmt, levels)
        if match is None or (self._guard is not None and match.form != "nfactor"):
            return
        if not self._worth_it(match, node, target=target):
            return
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        if id(stmt) in self._bias_tail:
            self.report(node, self._message(match, "loop") + " (plus the bias added to every row)",
                        None, span=self._header_span(node))
            return
        fix = self._loop_fix(node, match, target)
        span = None if match.form == "nfactor" else self._header_span(node)  # the nest: the statement is the claim
        self.report(node, self._message(match, "loop"), fix, span=span)

    # -- comprehensions ---------------------------------------------------------
    def visit_ListComp(self, node) -> None:
        self._comprehension(node)

    def visit_GeneratorExp(self, node) -> None:
        self._comprehension(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if id(node) not in self._claimed:
            self._scaled_rows(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._per_iteration(node)

    def visit_Call(self, node: ast.Call) -> None:
        """``sum(a[k] * b[k] for k in range(n))``: a scalar dot; else a product inside a loop body."""
        if id(node) in self._claimed:
            return
        if ld._summed_generator(self.ctx, node) is None:
            self._per_iteration(node)
            return
        parent = self.ctx.parent(node)
        if isinstance(parent, ast.comprehension) or isinstance(parent, (ast.ListComp, ast.GeneratorExp)):
            return  # part of an enclosing comprehension: it reports
        m = ld.Analyzer(self.ctx, []).match_reduction(node)
        if m is None or not self._worth_it(m, node):
            return
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        self.report(node, self._message(m, "comprehension"), self._scalar_dot_fix(node, m))

    def _comprehension(self, node) -> None:
        if id(node) in self._claimed:
            return
        ctx = self.ctx
        parent = ctx.parent(node)
        if isinstance(parent, ast.Call) and ld._summed_generator(ctx, parent) is not None:
            return  # a summed comprehension: visit_Call
        stacker = None
        if isinstance(parent, ast.Call):
            q = ctx.resolve_call(parent)
            if q in ld.STACKERS and parent.args and parent.args[0] is node:
                stacker = parent
            elif not (ld._is_builtin(ctx, parent, "list") or ld._is_builtin(ctx, parent, "tuple")):
                return  # consumed by max(), sorted(), ...: not one product
        levels: list[ld.Level] = []
        elt = node
        while isinstance(elt, (ast.ListComp, ast.GeneratorExp)) and len(levels) < 3:
            for g in elt.generators:
                if g.ifs or g.is_async:
                    return
                level = ld.level_of(ctx, g.target, g.iter, g, len(levels))
                if level is None or ld._names(g.iter) & _outer_names(levels):
                    return
                levels.append(level)
            elt = elt.elt
        if len(levels) > 2:
            return
        an = ld.Analyzer(ctx, levels)
        m = an.match(elt)
        if m is None:
            return
        if not self._worth_it(m, node, stacked=stacker is not None):
            return
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        fix = self._stack_fix(stacker, m) if stacker is not None else None
        self.report(stacker or node, self._message(m, "comprehension"), fix)

    # -- messages ---------------------------------------------------------------
    def _suggestion(self, m: ld.Match) -> str:
        ctx = self.ctx

        def mat(op: ld.Operand, var: str, rows: bool) -> str:
            text = paren(ctx, op.base, 15)
            pos = op.items.index(var)
            # `rows`: the variable should pick rows of the matrix we write
            transposed = (pos != 0) if rows else (pos == 0)
            return f"{text}.T" if transposed else ctx.text(op.base)

        left, right = m.left, m.right
        if m.form == "reduce":
            k = m.contracted
            if m.kind == "dot":
                return f"{ctx.text(left.base)} @ {ctx.text(right.base)}"
            if m.kind == "matvec":
                mtx, vec = (left, right) if len(left.items) == 2 else (right, left)
                other = next(v for v in mtx.vars if v != k)
                return f"{mat(mtx, other, True)} @ {ctx.text(vec.base)}"
            i_op, j_op = left, right
            li = next(v for v in left.vars if v != k)
            rj = next(v for v in right.vars if v != k)
            return f"{mat(i_op, li, True)} @ {mat(j_op, rj, False)}"
        if m.kind == "matvec":
            return self._one_product(m, mat)[0]
        lv, rv = next(iter(left.vars)), next(iter(right.vars))
        return f"{mat(left, lv, True)} @ {mat(right, rv, False)}"

    def _one_product(self, m: ld.Match, mat) -> tuple[str, str]:
        """(rewrite, what it is) of a one-level loop ``y[i] = X[i] @ v`` / ``M @ X[i]``: the order
        and the kind follow the ranks known (a matrix on the left of a row takes ``X @ M.T``)."""
        ctx = self.ctx
        left_indexed = m.left.base is not None
        idx, inv = (m.left, m.right) if left_indexed else (m.right, m.left)
        var = next(iter(idx.vars))
        column = idx.items.index(var) != 0
        X = ctx.text(idx.base)
        inv_rank = ctx.array_facts(inv.expr).rank
        x_rank = ctx.array_facts(idx.base).rank
        row_rank = None if x_rank is None else x_rank - (len(idx.items) - idx.items.count(":"))
        V = paren(ctx, inv.expr, 13)
        if row_rank is not None and row_rank >= 2:
            stack = X
            if column:  # items on a later axis stack along a new first axis: move that axis first
                stack = f"np.moveaxis({X}, {idx.items.index(var)}, 0)"
            order = f"{stack} @ {V}" if left_indexed else f"{paren(ctx, inv.expr, 12)} @ {stack}"
            if inv_rank not in (1, 2):  # a stack on the other side batches over other axes
                return order, f"one batched matrix product when `{ctx.text(inv.expr)}` is 1-D or 2-D " \
                              f"(its rank is not known)"
            return order, "one batched matrix product"
        rows = mat(idx, var, True) if mat is not None else (f"{X}.T" if column else X)
        if left_indexed or inv_rank == 1:
            what = "one matrix-vector product" if inv_rank == 1 else \
                "one matrix-matrix product" if inv_rank == 2 else "one matrix product"
            return f"{rows} @ {V}", what
        if inv_rank == 2:
            if column:
                return f"{paren(ctx, inv.expr, 12)} @ {X}", "one matrix-matrix product"
            if row_rank is None:  # the items may be matrices: then M @ X_i stacks as a batch, not as rows
                return (f"{X} @ {paren(ctx, inv.expr, 15)}.T` when the items of `{X}` are vectors; when they "
                        f"are matrices, the batched `{paren(ctx, inv.expr, 12)} @ {X}", "one matrix product")
            return f"{X} @ {paren(ctx, inv.expr, 15)}.T", "one matrix-matrix product"
        return (f"{rows} @ {V}` if `{ctx.text(inv.expr)}` is 1-D; if it is 2-D, "
                f"`{X} @ {paren(ctx, inv.expr, 15)}.T", "one matrix product")

    def _message(self, m: ld.Match, where: str) -> str:
        if m.form == "nfactor":
            outs = ", ".join(lv.var for lv in m.levels if lv.var != m.contracted)
            return (f"scalar Python loops compute the entries ({outs}) of one "
                    f"{'matrix-matrix' if m.kind == 'matmul' else 'matrix-vector'} product: the sum over "
                    f"`{m.contracted}` of factors picked by one output index and `{m.contracted}` each is one `@` "
                    f"of the whole arrays (factors of the output indices alone scale the result; 13x already for "
                    f"a 1024x1024 matrix-vector product, orders of magnitude for scalar loops)")
        what = _LOOP_KIND[m.kind]
        if m.kind == "matvec" and m.form != "reduce":
            what = self._one_product(m, None)[1]
        return (f"row-by-row dots in a Python {where} compute {what}: write `{self._suggestion(m)}` "
                f"(one BLAS call; 13x faster for a 1024x1024 matrix-vector product)")

    def _header_span(self, node: ast.For) -> tuple[int, int]:
        start, _ = self.ctx.span(node)
        _, end = self.ctx.span(node.iter)
        return start, end


def _outer_names(levels) -> set:
    """Names bound by the outer levels (their iterables must not use them)."""
    names = set()
    for lv in levels:
        names.add(lv.var)
        names.update(lv.aliases)
        node = lv.node
        target = node.target
        names |= ld._names(target)
    return names
