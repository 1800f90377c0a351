"""BL401 inverse-times: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.structure import untransposed_key
from blaslint.analysis.sparse import masked_evidence, sparse_evidence
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_assertion, INVERSE_APIS, PINV_APIS, in_place, paren, product_operands
from blaslint.rules.algebra._inverse import (  # noqa: F401  (inverse_call is imported from here by others)
    CHOLESKY_INVERSE, InverseCall, assumed_size, inverse_call, inverse_operand, inverted_gram, is_pinv, kept_operator,
    narrow_side, wide_side)
from blaslint.rules.algebra._products import (MATMUL_PREC, _loops_in_scope, _rank, any_soft, chain_factors,
                                              holds_gram, product_pair)


class InverseTimes(Rule):
    """An explicit inverse (or pseudo-inverse) used once, as a factor of a product.

    ``inv(A) @ b`` forms ``A⁻¹`` (about n³ flops, plus the product) and rounds
    twice; ``solve(A, b)`` factorises once and back-substitutes: faster, and
    more accurate when ``A`` is ill-conditioned. An inverse that is kept and
    reused for many right-hand sides (stored, returned, used twice, or used in
    a loop) is left alone.
    """

    code = "BL401"
    name = "inverse-times"
    summary = "Explicit inverse in a product: solve the system instead"
    fix_safety = "unsafe"
    triggers = ("inv", "inverse")

    VALID = [
        # the inverse is reused for many right-hand sides
        "import numpy as np\nAi = np.linalg.inv(A)\nx = Ai @ b\ny = Ai @ c\n",
        # stored on an attribute
        "import numpy as np\nself.Ainv = np.linalg.inv(A)\ny = self.Ainv @ b\n",
        # returned
        "import numpy as np\ndef f(A):\n    return np.linalg.inv(A)\n",
        # computed once, used inside a loop: reused
        "import numpy as np\nSi = np.linalg.inv(S)\nfor x in xs:\n    print(x @ Si @ x)\n",
        "import scipy.linalg as la\ndef f(w, B):\n    return w.sparse @ la.inv(B)\n",  # solve refuses sparse (spreg)
        # passed to another call
        "import numpy as np\nAi = np.linalg.inv(A)\nprint(np.trace(Ai @ B), Ai)\n",
        # not numpy's inv
        "def inv(a):\n    return a\nx = inv(A) @ b\n",
        # inverse on its own
        "import numpy as np\nC = np.linalg.inv(A)\n",
        # a test checking inv itself (scipy's test_basic): the product is the point
        "import numpy as np\nfrom numpy.testing import assert_allclose\ndef test_inv(a):\n"
        "    a_inv = np.linalg.inv(a)\n    assert_allclose(np.dot(a, a_inv), np.eye(len(a)))\n",
        # torch's method on something not known to be a tensor
        "def f(A, b):\n    return A.inverse() @ b\n",
        # pinv times a right side of unknown width: with many columns lstsq is slower (up to 18x)
        "import numpy as np\ndef f(x, Y):\n    return np.linalg.pinv(x).dot(Y.T)\n",
        "import numpy as np\nz = np.ones((500, 2))\ne = np.random.rand(500, 1000)\nzinv = np.linalg.pinv(z)\n"
        "coef = zinv.dot(e)\n",
        # an operator kept on the object and applied later
        "import numpy as np\nclass Fit:\n    def fit(self, G, M):\n        self.op = np.linalg.pinv(G) @ M\n"
        "    def apply(self, y):\n        return self.op @ y\n",
        # a projector kept by a closure and applied on every call (nipy's pca `project_resid`)
        "import numpy as np\ndef f(X):\n    P = np.dot(X, np.linalg.pinv(X))\n    def proj(Y):\n"
        "        return Y - np.dot(P, Y)\n    return proj\n",
        # pinv on the right of its own matrix (PyDMD's `w @ diag(e) @ pinv(w)`): one right side per row of w
        "import numpy as np\ndef f(w, e):\n    return np.linalg.multi_dot([w, np.diag(e), np.linalg.pinv(w)])\n",
        "import numpy as np\ndef f(w):\n    return np.dot(w.conj(), np.linalg.pinv(w))\n",
        # a (pseudo-)inverse-times-matrix operator formed once and kept: stored, cached, reused
        "import numpy as np\nclass Fit:\n    def __init__(self, M, lam, L):\n"
        "        self.op = np.dot(np.linalg.pinv(M.T @ M + lam * L), M.T)\n",
        "import numpy as np\ndef f(self, M, lam, L):\n    P = np.dot(np.linalg.inv(M.T @ M + lam * L), M.T)\n"
        "    self.cache_set('pinv', P)\n    return P\n",
        "import numpy as np\ndef f(W, S, data):\n    op = np.linalg.pinv(W.T @ S @ W) @ (W.T * S)\n"
        "    for y in data:\n        yield op @ y\n",
        # the inverse of a Cholesky factor used on both sides (L^-1 X L^-T): used twice
        "import numpy as np\ndef f(x, u):\n    c_inv = np.linalg.inv(np.linalg.cholesky(x))\n"
        "    return c_inv @ u @ c_inv.T\n",
    ]
    INVALID = [
        Invalid("import numpy as np\nx = np.linalg.inv(A) @ b\n",
                "import numpy as np\nx = np.linalg.solve(A, b)\n", unsafe=True),
        Invalid("import numpy as np\nx = np.dot(np.linalg.inv(A), b)\n"),
        Invalid("from numpy.linalg import inv\nx = inv(A).dot(b)\n"),
        Invalid("import numpy as np\nd = x.T @ np.linalg.inv(S) @ x\n",
                "import numpy as np\nd = x.T @ np.linalg.solve(S, x)\n", unsafe=True),
        Invalid("import scipy.linalg as sla\nx = sla.inv(A) @ B\n",
                "import scipy.linalg as sla\nx = sla.solve(A, B)\n", unsafe=True),
        Invalid("import torch\nx = torch.inverse(A) @ b\n",
                "import torch\nx = torch.linalg.solve(A, b)\n", unsafe=True),
        Invalid("import numpy as np\ndef f(S, PHT):\n    SI = np.linalg.inv(S)\n    K = PHT @ SI\n    return K\n"),
        Invalid("import numpy as np\ndef f(A, b):\n    Ai = np.linalg.inv(A)\n    x = Ai @ b\n    return x\n",
                "import numpy as np\ndef f(A, b):\n    x = np.linalg.solve(A, b)\n    return x\n", unsafe=True),
        Invalid("import numpy as np\ndef f(X):\n    y = np.ones(7)\n    return np.linalg.pinv(X) @ y\n"),
        # a solution stored on the object, not an operator (nipy's NLSModel, per Gauss-Newton step)
        Invalid("import numpy as np\nclass NLS:\n    def step(self):\n        Zpinv = np.linalg.pinv(self._Z)\n"
                "        self.theta = np.dot(Zpinv, self.Y - self._omega)\n"),
        # a product imported from elsewhere, and n-ary products
        Invalid("from scipy import dot\nimport numpy as np\nx = dot(np.linalg.inv(A), b)\n"),
        Invalid("import geomstats.backend as gs\ndef f(A, v):\n    return gs.matvec(gs.linalg.inv(A), v)\n"),
        Invalid("import numpy as np\ndef f(M, w, L, s):\n"
                "    return np.linalg.multi_dot([np.linalg.inv(M.T @ M + w * L), M.T, s])\n"),
        # torch: a batched product and an inverse from a Cholesky factor
        Invalid("import torch\nA = torch.rand(4, 5, 5)\nB = torch.rand(4, 5, 2)\ny = torch.bmm(torch.linalg.inv(A), B)\n",
                "import torch\nA = torch.rand(4, 5, 5)\nB = torch.rand(4, 5, 2)\ny = torch.linalg.solve(A, B)\n",
                unsafe=True),
        Invalid("import torch\nL = torch.rand(5, 5)\nB = torch.rand(5, 2)\ny = torch.cholesky_inverse(L) @ B\n",
                "import torch\nL = torch.rand(5, 5)\nB = torch.rand(5, 2)\ny = torch.cholesky_solve(B, L)\n",
                unsafe=True),
        Invalid("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(3, 4)\ny = B @ np.linalg.inv(A)\n",
                "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(3, 4)\ny = np.linalg.solve(A.T, B.T).T\n",
                unsafe=True),
        # a Newton step `-inv(J) @ dc` (PythonRobotics' trajectory generator): the minus stays outside the solve
        Invalid("import numpy as np\nJ = np.random.rand(4, 4)\nc = np.random.rand(4)\ndp = -np.linalg.inv(J) @ c\n",
                "import numpy as np\nJ = np.random.rand(4, 4)\nc = np.random.rand(4)\ndp = -np.linalg.solve(J, c)\n",
                unsafe=True),
    ]

    # -- detection ------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._check_product(node)

    def visit_Call(self, node: ast.Call) -> None:
        if product_pair(self.ctx, node) is not None:
            self._check_product(node)
            return
        factors = chain_factors(self.ctx, node)
        if factors is not None:
            self._check_chain_call(node, factors)

    def _check_product(self, node: ast.AST) -> None:
        ctx = self.ctx
        if in_assertion(ctx, node):
            return
        left, right = product_pair(ctx, node)
        # chain `L @ inv(S) @ R`, parsed as `(L @ inv(S)) @ R`: handled at the outer node
        if isinstance(node, ast.BinOp) and isinstance(left, ast.BinOp) and isinstance(left.op, ast.MatMult):
            hit = inverse_operand(ctx, left.right)
            if hit is not None:
                if self._worth(node, hit[0], right, "left"):
                    self._report_chain(node, left.left, hit, right)
                return
        outer = self._outer_right(node)  # `(inv(A) @ X) @ R`: the right side is as wide as R
        hit = inverse_operand(ctx, left)
        if hit is not None:
            if self._worth(node, hit[0], right, "left", width=outer):
                self._report(node, hit, other=right, side="left")
            return
        # `c * inv(A) @ b` is `(c * inv(A)) @ b`, `-inv(J) @ dc` is `(-inv(J)) @ dc`: still an inverse applied
        inner, scale = (left.right, left.left) if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Mult) \
            and _rank(ctx, left.left) == 0 else (left.operand, "-") if isinstance(left, ast.UnaryOp) \
            and isinstance(left.op, ast.USub) else (None, None)
        hit = inverse_operand(ctx, inner) if inner is not None else None
        if hit is not None:
            if self._worth(node, hit[0], right, "left"):
                self._report(node, hit, other=right, side="left", scale=scale)
            return
        hit = inverse_operand(ctx, right)
        if hit is not None:
            parent = ctx.parent(node)
            if isinstance(node, ast.BinOp) and isinstance(parent, ast.BinOp) \
                    and isinstance(parent.op, ast.MatMult) and parent.left is node:
                return  # the chain form above reports it
            if outer is not None:  # `np.dot(np.dot(L, inv(S)), R)`: solve with R, no fix in this spelling
                if self._worth(node, hit[0], outer, "left"):
                    self.report(node, self._message(hit[0], hit[1], outer, "left"), None,
                                cost=self._cost(node, hit[0], outer), severity=self._severity(hit[0]))
                return
            if self._worth(node, hit[0], left, "right"):
                self._report(node, hit, other=left, side="right")

    def _check_chain_call(self, node: ast.Call, factors: list) -> None:
        """``multi_dot([A, inv(S), b])``: an inverse among the factors, reported without a fix."""
        if in_assertion(self.ctx, node):
            return
        for i, factor in enumerate(factors):
            hit = inverse_operand(self.ctx, factor)
            if hit is None:
                continue
            # the right side of an inverse inside a chain is as wide as the chain's last factor
            side, other = ("left", factors[-1]) if i < len(factors) - 1 else ("right", factors[0])
            if is_pinv(hit[0]) and (other is None or wide_side(self.ctx, other, side)):
                continue
            if not self._worth(node, hit[0], other, side):
                continue
            self.report(node, self._message(hit[0], hit[1], other, side), None,
                        cost=self._cost(node, hit[0], other), severity=self._severity(hit[0]))
            return

    def _worth(self, product, inv: InverseCall, other, side, width=None) -> bool:
        """Is replacing this inverse worth it? pinv only for a right side not known to be wide; no kept
        operator (``width``: the operand that sets the right side's width when the product is the left
        part of a longer chain)."""
        if is_pinv(inv) and (wide_side(self.ctx, width, "left") if width is not None
                             else wide_side(self.ctx, other, side)):
            return False
        if is_pinv(inv) and side == "right" and other is not None \
                and untransposed_key(other) == untransposed_key(inv.matrix):
            return False  # `w @ diag(e) @ pinv(w)`: one right side per row of `w`, as many as pinv's work
        if any(x is not None and (sparse_evidence(self.ctx, x) or masked_evidence(self.ctx, x))
               for x in (other, *(product_operands(self.ctx, product) or ()))):
            return False  # `W.sparse @ inv(B)` (spreg), a masked `b` (PyKrige): scipy's `solve` refuses them
        return not kept_operator(self.ctx, product, other, pinv=is_pinv(inv))

    def _outer_right(self, node):
        """The right operand of the product ``node`` is the left factor of, in any spelling, or None."""
        ctx = self.ctx
        par = ctx.parent(node)
        if isinstance(par, ast.Attribute) and par.value is node and isinstance(ctx.parent(par), ast.Call):
            par = ctx.parent(par)  # `node.dot(R)`
        ops = product_pair(ctx, par) if par is not None else None
        if ops is not None and ops[0] is node:
            return ops[1]
        # `P = pinv(A).dot(W)` then `P @ y`: the chain continues through the name
        if isinstance(par, ast.Assign) and par.value is node and len(par.targets) == 1 \
                and isinstance(par.targets[0], ast.Name):
            binding = next((b for b in ctx.scope_of(node).bindings.get(par.targets[0].id, [])
                            if b.node is par.targets[0]), None)
            uses = ctx.uses(binding) if binding is not None else []
            bind_loops = _loops_in_scope(ctx, par)
            for use in uses:  # the first use as a left factor (`P @ y`) says what P is applied to
                if all(lp in bind_loops for lp in _loops_in_scope(ctx, use)):
                    right = self._outer_right(use)
                    if right is not None:
                        return right
        return None

    # -- reporting --------------------------------------------------------------
    def _message(self, inv: InverseCall, binding, other=None, side="left") -> str:
        ctx = self.ctx
        inv_call, api = inv.call, inv.api
        via = f" (bound to `{binding.name}` and used once)" if binding is not None else ""
        if api == CHOLESKY_INVERSE:
            return (f"`{ctx.text(inv_call)}`{via} forms the inverse from a Cholesky factor only to multiply by it: "
                    "use `torch.cholesky_solve(B, L)` (two triangular solves, no inverse; more accurate)")
        if is_pinv(inv):
            why = narrow_side(ctx, other, side) if other is not None else None
            if why:
                return (f"explicit pseudo-inverse `{ctx.text(inv_call)}`{via} applied once to a narrow right side "
                        f"({why}): use `lstsq(A, b)` (2.4x faster for a vector at n=1024)")
            rhs = f"`{ctx.text(other)}`" if other is not None else "the right side"
            return (f"explicit pseudo-inverse `{ctx.text(inv_call)}`{via} applied once to {rhs}: when it is a "
                    "vector or has a few columns, `lstsq(A, b)` is faster (2.4x for a vector at n=1024); with "
                    "many columns pinv-then-multiply is the better choice, keep it")
        instead = "`solve(A.T, B.T).T`" if side == "right" else "`solve(A, b)`"
        gram = inverted_gram(ctx, inv)
        bound = (f"; `{gram}` is a Gram matrix, k x k with k no larger than the other side of its factor (or "
                 "it is singular): forming it costs O(m k^2) >= O(k^3), so the solve saves at most a third of "
                 "this work (info)") if gram else ""
        return (f"explicit inverse `{ctx.text(inv_call)}`{via} used as a factor of a product: "
                f"use {instead} instead (3-9x faster for a vector right side at n=256-4096, 1.6x for a square "
                f"one, and more accurate; negligible for tiny matrices){bound}")

    def _severity(self, inv: InverseCall) -> str | None:
        return "info" if inverted_gram(self.ctx, inv) else None

    def _cost(self, node, inv: InverseCall, other):
        ctx = self.ctx
        before = other is not None and (other.lineno, other.col_offset) < (inv.call.lineno, inv.call.col_offset)
        pinv = is_pinv(inv)
        assumed, because = (None, "") if pinv or holds_gram(ctx, inv.matrix) else assumed_size(ctx, other, before)
        return _cost.inverse_solve(ctx, node, ctx.array_facts(inv.matrix), ctx.array_facts(other) if other else None,
                                   "pinv" if pinv else "inverse", side="right" if before else "left",
                                   unknown_as=assumed, because=because)

    def _report_chain(self, node, left_factor, hit, right_factor) -> None:
        inv, binding = hit
        fix = None
        if inv.api in INVERSE_APIS:
            solve = self._solve_spelling(inv)
            if solve is not None and self._binding_fixable(binding, inv, node) \
                    and not any_soft(self.ctx, inv.matrix, left_factor, right_factor):
                a = self.ctx.text(inv.matrix)
                new = f"{paren(self.ctx, left_factor, 12)} @ {solve}({a}, {paren(self.ctx, right_factor, 1)})"
                fix = self.make_fix(f"Replace with `... @ {solve}(A, ...)`",
                                    self.replace(node, new), *self._binding_edits(binding), safe=False)
        self.report(node, self._message(inv, binding, right_factor, "left"), fix,
                    cost=self._cost(node, inv, right_factor), severity=self._severity(inv))

    def _report(self, node, hit, other, side, scale=None) -> None:
        inv, binding = hit
        api = inv.api
        ctx = self.ctx
        fix = None
        is_dot_call = isinstance(node, ast.Call)
        q = ctx.resolve_call(node) if is_dot_call else None
        spelled_by_us = not is_dot_call or q in ("numpy.dot", "numpy.matmul", "torch.matmul", "torch.mm",
                                                 "torch.mv", "torch.bmm") or q is None
        a = ctx.text(inv.matrix)
        b = paren(ctx, other, 1)
        if spelled_by_us and self._binding_fixable(binding, inv, node) and not any_soft(ctx, inv.matrix, other):
            new = None
            msg = None
            if q == "torch.bmm":
                solve = self._solve_spelling(inv) if api in INVERSE_APIS and side == "left" else None
                if solve is not None:  # bmm takes 3-D A and B: solve broadcasts the same way
                    new, msg = f"{solve}({a}, {b})", f"Replace with `{solve}(A, B)`"
            elif api == CHOLESKY_INVERSE:
                fn = ctx.spell("torch.cholesky_solve")
                if fn and side == "left" and self._rank_is(other, 2) and self._rank_is(inv.matrix, 2):
                    new, msg = f"{fn}({b}, {a})", "Replace with `torch.cholesky_solve(B, L)`"
            elif api in INVERSE_APIS:
                solve = self._solve_spelling(inv)
                if solve is not None:
                    if side == "left" and (not is_dot_call or self._rank_at_most(other, 2)):
                        new, msg = f"{solve}({a}, {b})", f"Replace with `{solve}(A, b)`"
                    elif side == "right" and api.startswith("torch"):
                        new, msg = f"{solve}({a}, {b}, left=False)", f"Replace with `{solve}(A, B, left=False)`"
                    elif side == "right" and self._rank_is(inv.matrix, 2) and self._rank_at_most(other, 2):
                        new = f"{solve}({paren(ctx, inv.matrix, 15)}.T, {paren(ctx, other, 15)}.T).T"
                        msg = f"Replace with `{solve}(A.T, B.T).T`"
            elif api in PINV_APIS and side == "left" and self._rank_is(inv.matrix, 2):
                lstsq = self._lstsq_spelling(inv)
                if lstsq is not None and narrow_side(ctx, other, side) is not None:
                    new, msg = lstsq.format(a=a, b=b), "Replace with a least-squares solve (minimum-norm solution)"
            if new is not None:
                if scale is not None:
                    new = in_place(ctx, node, ("-" if scale == "-" else f"{paren(ctx, scale, 12)} * ") + new, MATMUL_PREC)
                fix = self.make_fix(msg, self.replace(node, new), *self._binding_edits(binding), safe=False)
        self.report(node, self._message(inv, binding, other, side), fix, cost=self._cost(node, inv, other),
                    severity=self._severity(inv))

    # -- fix helpers --------------------------------------------------------------
    def _rank_is(self, expr, rank) -> bool:
        return self.ctx.array_facts(expr).rank == rank

    def _rank_at_most(self, expr, rank) -> bool:
        r = self.ctx.array_facts(expr).rank
        return r is not None and 1 <= r <= rank

    def _solve_spelling(self, inv: InverseCall) -> str | None:
        ctx = self.ctx
        inv_call, api = inv.call, inv.api
        if api.startswith("torch"):
            return ctx.spell("torch.linalg.solve")
        lib = ctx.library(inv_call) or "numpy"
        module = "scipy.linalg" if api.startswith("scipy") else f"{lib}.linalg"
        return ctx.spell_like(inv_call.func, "solve", f"{module}.solve")

    def _lstsq_spelling(self, inv: InverseCall) -> str | None:
        ctx = self.ctx
        inv_call, api = inv.call, inv.api
        if api.startswith("torch"):
            fn = ctx.spell("torch.linalg.lstsq")
            return f"{fn}({{a}}, {{b}}, driver='gelsd').solution" if fn else None
        if api.startswith("scipy"):
            fn = ctx.spell_like(inv_call.func, "lstsq", "scipy.linalg.lstsq")
            return f"{fn}({{a}}, {{b}})[0]" if fn else None
        lib = ctx.library(inv_call) or "numpy"
        fn = ctx.spell_like(inv_call.func, "lstsq", f"{lib}.linalg.lstsq")
        return f"{fn}({{a}}, {{b}}, rcond=None)[0]" if fn else None

    def _binding_fixable(self, binding, inv: InverseCall, use_node) -> bool:
        """A bound inverse may be inlined only if nothing changes its argument in between."""
        if binding is None:
            return True
        ctx = self.ctx
        use_stmt = ctx.statement_of(use_node)
        # the use statement must follow the binding in the same block
        holder = use_stmt
        between = None
        while holder is not None:
            between = ctx.statements_between(binding.stmt, holder)
            if between is not None:
                break
            holder = ctx.statement_of(ctx.parent(holder)) if ctx.parent(holder) is not None else None
        if between is None:
            return False
        from blaslint.analysis.flow import mutated_names

        arg_names = {n.id for n in ast.walk(inv.matrix) if isinstance(n, ast.Name)}
        for stmt in between:
            if arg_names & mutated_names(ctx, stmt):
                return False
        if holder is not use_stmt:
            # the use sits inside a compound statement: parts before it could change A
            return not (arg_names & mutated_names(ctx, holder))
        return True

    def _binding_edits(self, binding):
        if binding is None:
            return ()
        return (self.delete_statement(binding.stmt),)
