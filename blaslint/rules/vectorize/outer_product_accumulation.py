"""BL504 outer-product-accumulation: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.facts import dimension_of, int_value
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import paren
from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize import _outer_acc as oa

_SPEEDUP = "20-22x measured for d = 64, n = 1e3..1e5; weighted 18-40x"


class OuterProductAccumulation(Rule):
    """A loop adding one rank-1 update per iteration (``S += np.outer(x_i - m, x_i - m)``): one GEMM.

    Each iteration builds a d x d outer product and adds it: 3 d^2 memory
    traffic and two NumPy calls per row, none of it BLAS-3. Stacked, the
    vectors are the rows of ``X - m`` and the sum is ``(X - m).T @ (X - m)``
    (weighted: ``((X - m) * w[:, None]).T @ (X - m)``), one GEMM. Not flagged:
    a running sum read inside the loop (a risk-set recursion reads it at every
    step: no single product gives those partial sums), an outer product
    assigned rather than added, or vectors that do not change in the loop.
    """

    code = "BL504"
    name = "outer-product-accumulation"
    summary = "Loop of rank-1 updates (np.outer per row, added up): one matrix product"
    fix_safety = "unsafe"
    triggers = ("outer", "dot", "@", "None", "newaxis")

    VALID = [
        # the running sum is read inside the loop: partial sums, not one GEMM
        "import numpy as np\ndef f(X, w):\n    n, d = X.shape\n    S = np.zeros((d, d))\n    out = []\n"
        "    for i in range(n):\n        S = S + np.outer(X[i], X[i])\n        out.append(np.trace(S))\n"
        "    return out\n",
        # assigned, not accumulated
        "import numpy as np\ndef f(M, means, n):\n    C = np.empty((n, 3, 3))\n    for c in range(n):\n"
        "        C[c] = np.outer(means[c], means[c]) + M[c]\n    return C\n",
        # the vectors do not change in the loop
        "import numpy as np\ndef f(u, n):\n    S = np.zeros((u.size, u.size))\n    for _ in range(n):\n"
        "        S += np.outer(u, u)\n    return S\n",
        # a slot per row: a batch of outer products, nothing summed
        "import numpy as np\ndef f(X):\n    n, d = X.shape\n    P = np.zeros((n, d, d))\n    for i in range(n):\n"
        "        P[i] += np.outer(X[i], X[i])\n    return P\n",
        # a small fixed count
        "import numpy as np\nX = np.random.rand(3, 4)\nS = np.zeros((4, 4))\nfor i in range(3):\n"
        "    S += np.outer(X[i], X[i])\n",
        # a row times a row transposed is a scalar, not an outer product
        "import numpy as np\ndef f(X):\n    s = 0.0\n    for x in X:\n        s += x.dot(x.T)\n    return s\n",
    ]
    INVALID = [
        # `u[:, None] * v` with v known 1-D broadcasts as a row: the same rank-1 update
        Invalid("import numpy as np\ndef f(U, V, n):\n    U = np.asarray(U).reshape(n, 5)\n"
                "    V = np.asarray(V).reshape(n, 7)\n    P = np.zeros((5, 7))\n    for i in range(n):\n"
                "        P += U[i][:, None] * V[i]\n    return P\n"),
        Invalid("import numpy as np\ndef scatter(X):\n    n, d = X.shape\n    m = X.mean(axis=0)\n"
                "    S = np.zeros((d, d))\n    for i in range(n):\n        S += np.outer(X[i] - m, X[i] - m)\n"
                "    return S\n",
                "import numpy as np\ndef scatter(X):\n    n, d = X.shape\n    m = X.mean(axis=0)\n"
                "    S = np.zeros((d, d))\n    S += (X - m).T @ (X - m)\n    return S\n", unsafe=True),
        Invalid("import numpy as np\ndef wcov(X, w):\n    d = X.shape[1]\n    S = np.zeros((d, d))\n"
                "    for i in range(len(X)):\n        S += w[i] * np.outer(X[i], X[i])\n    return S\n"),
        # posterior-weighted, through a name bound in the loop, per component
        Invalid("import numpy as np\ndef stats(obs, post, acc):\n    for t, o in enumerate(obs):\n"
                "        oo = np.outer(o, o)\n        for c in range(post.shape[1]):\n"
                "            acc[c] += post[t, c] * oo\n"),
        # column vectors: (row - mv).dot((row - mv).T)
        Invalid("import numpy as np\ndef within(X, mv, d):\n    S = np.zeros((d, d))\n    for row in X:\n"
                "        row, mv = row.reshape(d, 1), mv.reshape(d, 1)\n"
                "        S += (row - mv).dot((row - mv).T)\n    return S\n"),
        # a generator summed, weighted by responsibilities
        Invalid("import numpy as np\ndef cov(X, R, M, k, N):\n"
                "    return np.sum(R[n, k] * np.outer(X[n] - M[k], X[n] - M[k]) for n in range(N))\n"),
        # a computed vector per row (a score) and a weighted term among others
        Invalid("import numpy as np\ndef meat(rows, grad, params):\n    k = params.shape[0]\n"
                "    J = np.zeros((k, k))\n    for r in rows:\n        s = grad(params, r)\n"
                "        J += np.outer(s, s)\n    return J\n"),
        Invalid("import numpy as np\ndef inertia(C, masses, E):\n    MI = np.zeros((3, 3))\n"
                "    for i in range(len(C)):\n        r = C[i]\n"
                "        MI += masses[i] * (np.dot(r, r) * E - np.outer(r, r))\n    return MI\n"),
        Invalid("import torch\ndef f(X):\n    S = torch.zeros(X.shape[1], X.shape[1])\n    for x in X:\n"
                "        S += torch.outer(x, x)\n    return S\n"),
    ]

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._done: set[int] = set()

    # -- statements ---------------------------------------------------------------
    def visit_AugAssign(self, node) -> None:
        self._statement(node)

    def visit_Assign(self, node) -> None:
        self._statement(node)

    def _statement(self, stmt) -> None:
        ctx = self.ctx
        acc = oa.accumulation(ctx, stmt)
        if acc is None:
            return
        target, inc = acc
        loops = oa.loop_chain(ctx, stmt)
        if not loops:
            return
        for term in oa.terms(ctx, inc, loops[-1]):
            loop = oa.varying_loop(ctx, term, stmt)
            if loop is None or not self._accumulates(loop, target, stmt):
                continue
            level = ld.level_of(ctx, loop.target, loop.iter, loop, 0)
            if level is not None and ld.trip_count_small(ctx, level):
                continue
            fix = self._loop_fix(stmt, loop, level, target, term)
            self.report(stmt, self._message(term, loop, level), fix,
                        cost=self._cost(stmt, loop, term))
            return

    def _accumulates(self, loop, target, stmt) -> bool:
        ctx = self.ctx
        return oa.target_ok(ctx, loop, target, stmt) and not oa.reads_elsewhere(ctx, loop, target, stmt)

    # -- sum(w * np.outer(...) for n in ...) --------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        gen = ld._summed_generator(ctx, node)
        if gen is None:
            return
        comp, = gen
        g = comp.generators[0]
        varying = oa.names(g.target)
        for term in oa.terms(ctx, comp.elt, None):
            if not ((oa.names(term.u) | oa.names(term.v)) & varying):
                continue
            level = ld.level_of(ctx, g.target, g.iter, g, 0)
            if level is not None and ld.trip_count_small(ctx, level):
                return
            self.report(node, self._message(term, None, level), None, cost=self._cost(node, None, term))
            return

    # -- messages -----------------------------------------------------------------
    def _message(self, term, loop, level) -> str:
        ctx = self.ctx
        where = "loop" if loop is not None else "generator"
        over = ""
        if loop is not None:
            over = f" over `{ctx.text(loop.iter)}`"
        elif level is not None:
            over = f" over `{ctx.text(level.node.iter)}`"
        spelled = {"np.outer": "an outer product", "broadcast": "a broadcast outer product",
                   "column product": "a column vector times its transpose"}[term.spelled]
        weighted = " weighted" if term.weights else ""
        suggestion = self._suggestion(term, level, loop)
        return (f"the {where}{over} adds one{weighted} rank-1 update per iteration ({spelled}, "
                f"`{ctx.text(term.node)}`): stacked, the vectors are the rows of two matrices and the sum is "
                f"one matrix product{suggestion} (one GEMM; {_SPEEDUP})")

    def _suggestion(self, term, level, loop) -> str:
        if level is None:
            return ""
        ctx = self.ctx
        region = loop if loop is not None else level.node
        ru = oa.row_of(ctx, term.u, level, region) if loop is not None else None
        rv = oa.row_of(ctx, term.v, level, region) if loop is not None else None
        if ru is None or rv is None:
            return " `U.T @ V`"
        return f" `{self._product(ru, rv, None)}`"

    def _product(self, ru, rv, wtext) -> str:
        ctx = self.ctx

        def mat(r):
            X, m = r
            return f"({ctx.text(X)} - {paren(ctx, m, 12)})" if m is not None else paren(ctx, X, 15)

        left, right = mat(ru), mat(rv)
        if wtext is not None:
            left = f"({left} * {wtext}[:, None])"
        return f"{left}.T @ {right}"

    def _cost(self, node, loop, term):
        ctx = self.ctx
        return _cost.outer_accumulation(ctx, node, loop, ctx.array_facts(term.u))

    # -- the fix: S += (X - m).T @ (X - m) -------------------------------------------------
    def _loop_fix(self, stmt, loop, level, target, term):
        ctx = self.ctx
        if level is None or term.spelled != "np.outer" or ctx.resolve_call(term.node) != "numpy.outer":
            return None
        if loop.orelse or loop.body != [stmt] or oa.enclosing_loop(ctx, stmt) is not loop:
            return None
        if not isinstance(stmt, ast.AugAssign) and not isinstance(stmt, ast.Assign):
            return None
        if len(term.weights) > 1 or self._loop_names_used_after(loop):
            return None
        ru, rv = oa.row_of(ctx, term.u, level, loop), oa.row_of(ctx, term.v, level, loop)
        if ru is None or rv is None or not ld.same_expr(ctx, ru[0], rv[0]):
            return None
        if (ru[1] is None) != (rv[1] is None) or (ru[1] is not None and not ld.same_expr(ctx, ru[1], rv[1])):
            return None
        X, m = ru
        fx = ctx.array_facts(X)
        if not oa.two_dimensional(ctx, X) or not self._covers_rows(level, X, fx):
            return None
        if m is not None:
            fm = ctx.array_facts(m)
            if not (fm.rank in (0, 1) or isinstance(m, ast.Constant) and isinstance(m.value, (int, float))):
                return None
        ft = ctx.array_facts(target)
        if ft.rank != 2 or ft.lib != "numpy":
            return None
        wtext = None
        if term.weights:
            wtext = oa.weight_vector(ctx, term.weights[0], level, loop, ctx.text)
            if wtext is None:
                return None
        product = self._product(ru, rv, wtext)
        t = ctx.text(target)
        new = f"{t} += {product}" if isinstance(stmt, ast.AugAssign) else f"{t} = {t} + {product}"
        return self.make_fix(f"Replace the loop with `{new}`", self.replace(loop, new), safe=False)

    def _covers_rows(self, level, X, fx) -> bool:
        ctx = self.ctx
        if level.iterated is not None:
            return ld.same_expr(ctx, level.iterated, X)
        dim = dimension_of(ctx, level.bound)
        if dim is not None and dim[1] == 0 and ld.same_expr(ctx, dim[0], X):
            return True
        if fx.shape and fx.shape[0] is not None:
            d0 = fx.shape[0]
            return ctx.text(level.bound) == str(d0) or (isinstance(d0, int) and int_value(ctx, level.bound) == d0)
        return False

    def _loop_names_used_after(self, loop) -> bool:
        ctx = self.ctx
        scope = ctx.scope_of(loop)
        for name in ld._names(loop.target):
            for load in scope.loads.get(name, []):
                if not any(a is loop for a in ctx.ancestors(load)):
                    return True
        return False
