"""BL404 matrix-chain-order: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as cost_model
from blaslint.analysis.evidence import describe_facts
from blaslint.analysis.facts import Facts
from blaslint.analysis.targets import design_matrix, fitted_targets
from blaslint.core.rule import Invalid, Rule
from blaslint.rules.algebra._diagonal import rank_of, vector_evidence
from blaslint.rules.algebra._inverse import inverse_call
from blaslint.rules._common import in_assertion, POSTFIX, in_place, paren
from blaslint.rules.algebra._outer_factor import cost as outer_cost, fixable as outer_fixable, \
    message as outer_message, outer_factor, rewrite as outer_rewrite
from blaslint.rules.algebra._chain import CHAIN_THRESHOLD, _SAMPLE_DIMS, _assignments, _cost, _eval_dim, \
    _flatten_chain, _left_nested, _optimal, _vector_first_tree, _dims, inside as _inside, \
    prefix_needed_elsewhere as _prefix_needed_elsewhere
from blaslint.rules.algebra._products import MATMUL_PREC, _is_direct_operand, _is_product, chain_factors


# -- BL404 ----------------------------------------------------------------------

class MatrixChainOrder(Rule):
    """A product chain evaluated in a costly order.

    ``A @ B @ x`` is ``(A @ B) @ x``: a matrix-matrix product (n^3) followed by
    a matrix-vector one, where ``A @ (B @ x)`` needs two matrix-vector products
    (2n^2). NumPy evaluates ``@`` left to right and never reorders. With known
    shapes, chains of matrices are compared with the cheapest parenthesisation.
    """

    code = "BL404"
    name = "matrix-chain-order"
    summary = "Matrix chain evaluated in a costly order: parenthesise it"
    fix_safety = "unsafe"
    triggers = ("@", "dot", "matmul")

    VALID = [
        # already vector-first
        "import numpy as np\nx = np.random.rand(5)\nH = np.random.rand(3, 5)\ny = x @ H.T @ H @ x\n",
        "import numpy as np\nx = np.random.rand(5)\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\ny = x @ A @ B\n",
        # the last operand's rank is unknown
        "import numpy as np\ndef f(x):\n    A = np.random.rand(5, 5)\n    B = np.random.rand(5, 5)\n    return A @ B @ x\n",
        # already in the cheap order
        "import numpy as np\nx = np.random.rand(5)\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\ny = A @ (B @ x)\n",
        # the chain ends in a scalar product: (A @ B) * c is not a chain
        "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\ny = A @ B * 2.0\n",
        # shapes make the written order the cheap one
        "import numpy as np\nA = np.random.rand(10, 1000)\nB = np.random.rand(1000, 10)\n"
        "C = np.random.rand(10, 1000)\nD = A @ B @ C\n",
        # symbolic shapes: which order is cheaper depends on n and k
        "import numpy as np\ndef f(n, k):\n    A = np.zeros((n, k))\n    B = np.zeros((k, n))\n"
        "    C = np.zeros((n, k))\n    return A @ B @ C\n",
        # the reference of a test of multi_dot (numpy's test_linalg)
        "import numpy as np\nA = np.random.random((6, 2))\nB = np.random.random((2, 6))\nC = np.random.random((6, 2))\n"
        "np.testing.assert_almost_equal(np.linalg.multi_dot([A, B, C]), A.dot(B).dot(C))\n",
    ]
    VALID += [
        # an operator bound to a name and kept (used twice): forming it once is right
        "import numpy as np\ndef f(G, M, d, e):\n    P = np.linalg.inv(G) @ M.T\n    return P @ d, P @ e\n",
        # the end operand's rank is unknown (a stack of columns makes left-to-right the right order)
        "import numpy as np\ndef f(Xi, X, S):\n    return Xi @ X.T @ S\n",
        # the matrix-matrix product is wanted again with the same operands (a GP's mean and covariance):
        # multiplying the vector first saves nothing once it is bound (BL405)
        "import numpy as np\ndef post(Ks, Kss, K, y):\n    y = np.asarray(y, dtype=float).ravel()\n"
        "    K_inv = np.linalg.inv(K)\n    mu = Ks.T @ K_inv @ y\n    cov = Kss - Ks.T @ K_inv @ Ks\n    return mu, cov\n",
        # a scalar times a rank-one matrix: a scaling, not a product
        "import numpy as np\ndef f(c, u, v):\n    return np.dot(c, np.outer(u, v))\n",
        # `y` beside no design matrix (a Kalman innovation in a quadratic form), a single example `x`,
        # and a matvec reached through a name bound from a chain already reported
        "import numpy as np\nclass KF:\n    def nis(self):\n        return self.y.T @ self.SI @ self.y\n",
        "import numpy as np\ndef upd(S_inv, x, y, beta):\n    return S_inv @ x.T @ (y - x @ beta)\n",
        "import numpy as np\ndef fit(X, y, w0):\n    G = X.T @ X\n    b = np.linalg.solve(G, X.T @ y)\n"
        "    return np.linalg.pinv(G + w0) @ (G @ b)\n",
    ]
    INVALID = [
        # a chain written over two lines: an operator bound once, then applied to a vector
        Invalid("import numpy as np\ndef f(G, M, s):\n    \"\"\"Fit.\n\n    s : array (g,)\n    \"\"\"\n"
                "    P = np.dot(np.linalg.inv(G), M.T)\n    return np.dot(P, s)\n"),
        Invalid("import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = A @ B @ x\n",
                "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = A @ (B @ x)\n", unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = np.dot(np.dot(A, B), x)\n",
                "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = np.dot(A, np.dot(B, x))\n", unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = A.dot(B).dot(x)\n",
                "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nx = np.random.rand(5)\n"
                "y = A.dot(B.dot(x))\n", unsafe=True),
        Invalid("import numpy as np\nX = np.random.rand(50, 5)\nw = np.random.rand(5)\ng = 2.0 * X.T @ X @ w\n",
                "import numpy as np\nX = np.random.rand(50, 5)\nw = np.random.rand(5)\ng = 2.0 * X.T @ (X @ w)\n",
                unsafe=True),
        Invalid("import numpy as np\nn = 1000\nA = np.random.rand(n, 10)\nB = np.random.rand(10, n)\n"
                "C = np.random.rand(n, 10)\nD = A @ B @ C\n",
                "import numpy as np\nn = 1000\nA = np.random.rand(n, 10)\nB = np.random.rand(10, n)\n"
                "C = np.random.rand(n, 10)\nD = A @ (B @ C)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.random.rand(5)\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\n"
                "y = x @ (A @ B)\n",
                "import numpy as np\nx = np.random.rand(5)\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\n"
                "y = x @ A @ B\n", unsafe=True),
        Invalid("import torch\nA = torch.randn(5, 5)\nB = torch.randn(5, 5)\nC = torch.randn(5, 5)\n"
                "x = torch.randn(5)\ny = A @ B @ C @ x\n",
                "import torch\nA = torch.randn(5, 5)\nB = torch.randn(5, 5)\nC = torch.randn(5, 5)\n"
                "x = torch.randn(5)\ny = A @ (B @ (C @ x))\n", unsafe=True),
        # M 2-D and v 1-D: vector-first whatever the first factor is (reported, not fixed: its rank is unknown)
        Invalid("import numpy as np\ndef f(C, g):\n    M = np.random.rand(6, 6)\n    return C.dot(M).dot(g.ravel())\n"),
        # a rank-one factor: multiply the matrix by the vector first (scikit-tensor's DEDICOM gradient)
        Invalid("import numpy as np\ndef grad(n, r, i, R, A):\n    AD = np.ones((n, r))\n    Ri = R[:, i].ravel()\n"
                "    Ai = A[:, i].ravel()\n    return np.dot(AD, np.outer(Ri, Ai))\n",
                "import numpy as np\ndef grad(n, r, i, R, A):\n    AD = np.ones((n, r))\n    Ri = R[:, i].ravel()\n"
                "    Ai = A[:, i].ravel()\n    return np.outer(np.dot(AD, Ri), Ai)\n", unsafe=True),
        # the targets of a fit beside the design matrix: a vector or a few columns by convention
        Invalid("import numpy as np\nclass Reg:\n    def fit(self, X, y):\n        X_X = X.T.dot(X)\n"
                "        self.w = np.linalg.pinv(X_X).dot(X.T).dot(y)\n        return self\n"),
        Invalid("import numpy as np\ndef fit(M0, x_train, y_train):\n    return M0 @ x_train.T @ y_train\n"),
        Invalid("import numpy as np\ndef step(S_inv, X, y, beta):\n    return S_inv @ X.T @ (y - X @ beta)\n"),
        # the same prefix elsewhere, but an operand updated in between (numpy-ml's Woodbury step): not shared
        Invalid("import numpy as np\ndef upd(S_inv, X, y, beta, P):\n    S_inv -= S_inv @ X.T @ P\n"
                "    return S_inv @ X.T @ (y - X @ beta)\n"),
        # a GP's predictive mean: the training targets beside an inverse named so, read as at least 2-D
        Invalid("import numpy as np\ndef predict(self, K_star, K):\n    y = self.parameters['y']\n"
                "    K_y_inv = np.linalg.inv(K)\n    return K_star @ K_y_inv @ y\n"),
        # one finding for the whole method chain, not one per link
        Invalid("import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nC = np.random.rand(5, 5)\n"
                "x = np.random.rand(5)\ny = A.dot(B).dot(C).dot(x)\n",
                "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nC = np.random.rand(5, 5)\n"
                "x = np.random.rand(5)\ny = A.dot(B.dot(C.dot(x)))\n", unsafe=True),
    ]

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._check(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_product(self.ctx, node):
            self._check(node)
        elif chain_factors(self.ctx, node) is not None:  # multi_dot([..., np.outer(u, v)])
            found = outer_factor(self.ctx, node)
            if found is not None and not in_assertion(self.ctx, node):
                self._outer(node, found)

    def _check(self, node) -> None:
        ctx = self.ctx
        found = outer_factor(ctx, node)
        if found is not None:
            if not in_assertion(ctx, node):
                self._outer(node, found)
            return
        if _is_direct_operand(ctx, node) or in_assertion(ctx, node):
            return  # only the outermost product of a chain; tests' reference values
        chain = _flatten_chain(ctx, node)
        ranks = [self._leaf_rank(leaf) for leaf in chain.leaves] if len(chain.leaves) >= 3 else None
        if ranks is None or any(r not in (1, 2) for r in ranks):
            followed = _flatten_chain(ctx, node, follow_names=True)
            if followed.via and len(followed.leaves) >= 3:
                chain = followed
                ranks = [self._leaf_rank(leaf) for leaf in chain.leaves]
        n = len(chain.leaves)
        if n < 3 or ranks is None:
            return
        # `inv(X.T @ X) @ X.T @ y`: the targets of a fit are a vector or a few columns (never a stack),
        # which is all the vector-first order needs; the message says the rank rests on the name
        target = fitted_targets(ctx, chain.leaves[-1], chain.leaves[-2]) \
            if ranks[-1] is None and _inside(chain.leaves[-1], node) else None
        if target is not None:
            # a middle factor read as at least 2-D (`K_y_inv = inv(K + sig)`): a matrix, or a stack of them,
            # which `@` broadcasts; the vector-first order is the cheaper one either way
            ranks = [ranks[0], *(2 if r is None and (ctx.array_facts(leaf).min_rank or 0) >= 2 else r
                                 for leaf, r in zip(chain.leaves[1:-1], ranks[1:-1])), 1]
        # `X @ M @ v` with M 2-D and v 1-D: the vector-first order is never costlier, whatever X is
        # (`@`/`dot` contract X's last axis either way); X's unknown rank only hedges the message
        lead_unknown = ranks[0] is None and ranks[-1] == 1 and all(r == 2 for r in ranks[1:-1])
        if lead_unknown:
            ranks = [2, *ranks[1:]]
        if any(r not in (1, 2) for r in ranks) or any(r != 2 for r in ranks[1:-1]):
            return
        dims = None if lead_unknown else self._chain_dims(chain, ranks)
        verdict = self._verdict(chain, ranks, dims)
        if verdict is None or _prefix_needed_elsewhere(ctx, node):
            return
        saving, best_tree, how = verdict
        soft = any(ctx.array_facts(leaf).rank is None or ctx.array_facts(leaf).soft
                   for leaf in chain.leaves)  # a rank from a docstring, or from our own evidence
        fix = None if chain.via or soft else self._fix(node, chain, best_tree)
        text = self._render_plain(chain, chain.tree)
        via = f" (through `{'`, `'.join(b.name for b in chain.via)}`, bound once)" if chain.via else ""
        facts = "; ".join(self._rank_words(leaf, r) for leaf, r in zip(chain.leaves, ranks)
                          if r == 1 and not (target is not None and leaf is chain.leaves[-1]))
        if target is not None:
            facts = "; ".join(filter(None, [facts, f"`{target}` is what the model is fitted to, one value per "
                                                   "sample or a few columns by the convention of its name; its "
                                                   "rank is not known, and with more columns than rows the written "
                                                   "order can be the cheaper one"]))
        if lead_unknown:
            how += (f" when `{ctx.text(chain.leaves[0])}` has more than one row (its rank is not known; "
                    "as a single row the two orders cost the same)")
        order = "left to right" if _left_nested(chain.tree) else "as parenthesised"
        self.report(node, f"matrix chain `{text}`{via} is evaluated {order}, {how}"
                          f"{f' ({facts})' if facts else ''}: {saving} (NumPy never reorders a chain)", fix,
                    cost=cost_model.chain_order(ctx, node, self._operand_facts(chain, target), chain.tree))

    def _operand_facts(self, chain, target) -> list:
        """The operands' facts for the cost model; targets beside ``X.T`` are one value per row of ``X``
        (the convention the finding rests on), so the sizes are the data's."""
        facts = [self.ctx.array_facts(leaf) for leaf in chain.leaves]
        if target is None:
            return facts
        design = chain.leaves[-2]
        rows = None
        if isinstance(design, ast.Attribute) and design.attr in ("T", "mT") and design_matrix(design):
            X = self.ctx.text(design.value)
            rows = f"{X}.shape[0]"
            if facts[-2].rank is None:
                facts[-2] = Facts(rank=2, shape=(f"{X}.shape[1]", rows))
        facts[-1] = Facts(rank=1, shape=(rows,))
        return facts

    def _outer(self, node, found) -> None:
        """``M @ np.outer(u, v)``: the rank-one factor's vectors go first (see :mod:`._outer_factor`)."""
        ctx = self.ctx
        new, _ = outer_rewrite(ctx, node, found)
        fix = None
        if outer_fixable(ctx, found):
            fix = self.make_fix("Multiply by the vector before forming the outer product",
                                self.replace(node, in_place(ctx, node, new, POSTFIX)), safe=False)
        self.report(node, outer_message(ctx, node, found, new), fix, cost=outer_cost(ctx, node, found))

    def _leaf_rank(self, leaf) -> int | None:
        """The facts' rank, else a documented one, else 1 where the diagonal rule's evidence shows a vector."""
        r = rank_of(self.ctx, leaf)
        if r is None and vector_evidence(self.ctx, leaf) is not None:
            r = 1
        if r is None and (inverse_call(self.ctx, leaf) is not None
                          or isinstance(leaf, ast.Attribute) and leaf.attr in ("T", "mT")):
            r = 2  # an inverse is a matrix; nobody transposes a vector (`.T` is a no-op on one)
        return r

    def _rank_words(self, leaf, rank) -> str:
        text = self.ctx.text(leaf)
        facts = self.ctx.array_facts(leaf)
        if facts.rank is None:
            why = vector_evidence(self.ctx, leaf) if rank == 1 else None
            if why:
                return why
            return f"`{text}` is {rank}-D"
        return describe_facts(text, facts)

    def _has_matrix_product(self, chain, ranks) -> bool:
        def kind(t):  # rank of a subtree's result; records a matrix-matrix product
            if isinstance(t, int):
                return ranks[t]
            rl, rr = kind(t[0]), kind(t[1])
            if rl == 2 and rr == 2:
                found.append(t)
            return 2 if rl == 2 and rr == 2 else (1 if max(rl, rr) == 2 else 0)
        found: list = []
        kind(chain.tree)
        return bool(found)

    def _chain_dims(self, chain, ranks):
        dims = []
        for i, (leaf, r) in enumerate(zip(chain.leaves, ranks)):
            d = _dims(self.ctx, leaf, r)
            if d is None:
                return None
            if r == 1:
                d = (1, d[0]) if i == 0 else (d[0], 1)
            dims.append(d)
        return dims

    def _verdict(self, chain, ranks, dims):
        """(what it saves, the cheaper tree, why) or None."""
        has_vector = 1 in (ranks[0], ranks[-1])
        if dims is None or any(not isinstance(d, (int, str)) for dd in dims for d in dd):
            if not has_vector or not self._has_matrix_product(chain, ranks):
                return None
            tree = _vector_first_tree(len(chain.leaves), from_left=ranks[0] == 1)
            return ("multiply the vector first (n^2 instead of n^3 work; 93x at n=1024)", tree,
                    "forming a matrix-matrix product before applying it to a vector")
        symbols = sorted({d for dd in dims for d in dd if isinstance(d, str)})
        if len(symbols) > 3:
            return None
        ratios = []
        best_tree = None
        for values in _assignments(symbols):
            env = dict(zip(symbols, values))
            num = [(_eval_dim(r, env), _eval_dim(c, env)) for r, c in dims]
            if any(num[i][1] != num[i + 1][0] for i in range(len(num) - 1)):
                return None  # shapes do not chain: we do not know them after all
            written, _ = _cost(chain.tree, dims, env)
            best, tree = _optimal(num)
            if best <= 0:
                return None
            if best_tree is None:
                best_tree = tree
            elif tree != best_tree:
                return None  # the best order depends on the sizes
            ratios.append(written / best)
        worst = min(ratios)
        if worst < CHAIN_THRESHOLD:
            return None
        order = f"the order `{self._render_plain(chain, best_tree)}`"
        if symbols:
            return (f"{order} does {worst:.0f}x less work already at size {_SAMPLE_DIMS[0]}, and more as "
                    "sizes grow", best_tree, "a costlier order for any size")
        return (f"{order} does {worst:.0f}x less work", best_tree, "a costlier order with the shapes known here")

    def _render_plain(self, chain, tree) -> str:
        names = [paren(self.ctx, leaf, 13) if len(self.ctx.text(leaf)) < 20 else f"M{i}"
                 for i, leaf in enumerate(chain.leaves)]

        def r(t, right=False):
            if isinstance(t, int):
                return names[t]
            s = f"{r(t[0])} @ {r(t[1], True)}"
            return f"({s})" if right else s
        return r(tree)

    # -- fix ------------------------------------------------------------------
    def _fix(self, node, chain, tree):
        ctx = self.ctx
        style = self._style(chain)
        leaves = chain.leaves

        def render(t, pos):
            if isinstance(t, int):
                leaf = leaves[t]
                if style[0] == "@":
                    return paren(ctx, leaf, 12 if pos == "left" else 13)
                if style[0] == "method" and pos == "left":
                    return paren(ctx, leaf, POSTFIX)
                return paren(ctx, leaf, 1)
            left, right = render(t[0], "left"), render(t[1], "right" if style[0] == "@" else "arg")
            if style[0] == "@":
                s = f"{left} @ {right}"
                return f"({s})" if pos == "right" else s
            if style[0] == "func":
                return f"{style[1]}({left}, {right})"
            s = f"{left}.{style[1]}({right})"
            return s

        new = render(tree, "top")
        prec = MATMUL_PREC if style[0] == "@" else POSTFIX
        return self.make_fix("Parenthesise the chain in the cheaper order",
                             self.replace(node, in_place(ctx, node, new, prec)), safe=False)

    def _style(self, chain):
        """How to spell the products: all `@`, all one function (np.dot), all one method (.dot), else `@`."""
        ctx = self.ctx
        kinds = set()
        for n in chain.nodes:
            if isinstance(n, ast.BinOp):
                kinds.add(("@",))
            elif ctx.resolve_call(n) in ("numpy.dot", "numpy.matmul", "torch.matmul"):
                kinds.add(("func", ctx.text(n.func)))
            elif ctx.resolve_call(n) is None and n.func.attr in ("dot", "matmul"):
                kinds.add(("method", n.func.attr))
            else:
                kinds.add(("other",))
        if len(kinds) == 1 and ("other",) not in kinds:
            return kinds.pop()
        return ("@",)
