"""BL405 repeated-product: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.flow import is_pure_call, mutated_names, path_conflicts
from blaslint.analysis.imports import dotted_name
from blaslint.analysis.scopes import COMPREHENSION_TYPES, SCOPE_TYPES
from blaslint.analysis.structure import structure_key
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import in_assertion
from blaslint.analysis import cost as cost_model
from blaslint.rules.algebra._products import _rank, call_kind, product_pair, transposed_operand, twin_keys


# -- BL405 ----------------------------------------------------------------------

_SIMPLE_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)


class RepeatedProduct(Rule):
    """The same matrix product of unchanged operands computed twice.

    NumPy does not eliminate common subexpressions: ``X @ w`` written twice in
    a function is computed twice. Bind it to a name once and reuse it. Products
    whose operands change in between (rebinding, in-place updates, ``out=``,
    a call that may modify them), products in different branches, and dot
    products of two vectors (cheap) are not reported.
    """

    code = "BL405"
    name = "repeated-product"
    summary = "Same product computed twice: compute it once"
    fix_safety = "none"
    triggers = ("@", "dot", "matmul", "mm(", "mv(", "multiprod")

    VALID = [
        # an operand is reassigned in between
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A = A + 1\n    D = A @ B\n    return C, D\n",
        # changed in place in between
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A += 1\n    D = A @ B\n    return C, D\n",
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    np.add(A, 1, out=A)\n    D = A @ B\n    return C, D\n",
        "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A[0, 0] = 2.0\n    D = A @ B\n    return C, D\n",
        # handed to a function that may change it
        "import numpy as np\ndef f(A, B, step):\n    C = A @ B\n    step(A)\n    D = A @ B\n    return C, D\n",
        # different branches
        "import numpy as np\ndef f(A, B, c):\n    if c:\n        return A @ B\n    else:\n        return 2 * (A @ B)\n",
        "import numpy as np\ndef f(A, B, c):\n    return A @ B if c else -(A @ B)\n",
        # in a loop whose body changes an operand
        "import numpy as np\ndef f(A, B):\n    y = A @ B\n    for _ in range(3):\n        B = B * 0.5\n"
        "        y = y + A @ B\n    return y\n",
        # random operands differ each time
        "import numpy as np\ndef f(A):\n    return A @ np.random.rand(3) + A @ np.random.rand(3)\n",
        # a dot product of two vectors is cheap
        "import numpy as np\nx = np.random.rand(5)\nr = (x @ x) / (1 + x @ x)\n",
        # two comprehensions: each is one product per iteration
        "import numpy as np\ndef g(X, ws):\n    return [X @ w for w in ws], [X @ w for w in ws]\n",
        # its own transpose (a Gram matrix), and a transposed pair with a change in between
        "import numpy as np\ndef f(X):\n    return X.T @ X\n",
        "import numpy as np\ndef f(X, U):\n    a = X.T @ U\n    U = U + 1\n    return a, U.T @ X\n",
        # different spellings compared on purpose (a test of np.dot against @)
        "import numpy as np\ndef f(a, b):\n    return np.dot(a, b), a @ b\n",
        # a test re-deriving a value it checks (scipy's test_procrustes)
        "import numpy as np\ndef test(A, Q, xp_assert_close):\n    B = A @ Q\n    xp_assert_close(A @ Q, B)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\ndef loss(X, w, y):\n    r = X @ w - y\n    g = X.T @ (X @ w - y)\n"
                "    return r, g\n"),
        Invalid("import numpy as np\ndef f(A, B):\n    return np.dot(A, B) + np.dot(A, B).T\n"),
        Invalid("import numpy as np\ndef f(A, B, c):\n    C = A @ B\n    if c:\n        C = C + A @ B\n    return C\n"),
        Invalid("import torch\ndef f(x, W):\n    h = torch.relu(x @ W)\n    return h, (x @ W).sum()\n"),
        Invalid("import numpy as np\ndef f(self, x):\n    a = self.W @ x\n    b = self.W @ x + 1\n    return a * b\n"),
        # twice in one element of a comprehension (one iteration, the same operands)
        Invalid("import numpy as np\ndef f(X, ws):\n    return [np.tanh(X @ w) * (1 - np.tanh(X @ w)) for w in ws]\n"),
        # the transpose of an earlier product (`U.T @ X` is `(X.T @ U).T`)
        Invalid("import numpy as np\ndef proj(X, U):\n    a = X.T @ U\n    b = U.T @ X\n    return U - X @ (a + b) / 2\n"),
    ]

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._products: list = []

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult):
            self._products.append(node)

    def visit_Call(self, node: ast.Call) -> None:
        if product_pair(self.ctx, node) is not None:
            self._products.append(node)

    def finish(self) -> None:
        ctx = self.ctx
        groups: dict = {}
        for node in self._products:
            key = self._key(node)
            if key is not None:
                groups.setdefault(key, []).append(node)
        reported: set[int] = set()
        for key in sorted(groups, key=lambda k: -len(k[2]) - len(k[3])):  # outer products first
            nodes = sorted(groups[key], key=lambda n: (n.lineno, n.col_offset))
            for k in range(1, len(nodes)):
                second = nodes[k]
                if any(id(a) in reported for a in ctx.ancestors(second)):
                    continue
                first = next((p for p in reversed(nodes[:k]) if self._repeats(p, second)), None)
                if first is None:
                    continue
                reported.add(id(second))
                self.report(second, f"`{ctx.text(second)}` is computed again with the same, unchanged "
                                    f"operands (first on {ctx.line_ref(first)}): compute it once, bind it to "
                                    "a name and reuse it (the repeat costs a whole product)",
                            cost=self._cost(second))
        self._transposed_twins(reported)

    def _one_clean_expression(self, a, b) -> bool:
        """Both in one statement whose only calls are products, transposes and pure functions (a
        project's ``multiprod``/``multitransp`` change nothing): nothing in between changes the operands."""
        ctx = self.ctx
        stmt = ctx.statement_of(a)
        if stmt is None or ctx.statement_of(b) is not stmt or _exclusive_branches(ctx, a, b):
            return False
        region = stmt.value if isinstance(stmt, _SIMPLE_STATEMENTS) and stmt.value is not None else None
        if region is None:
            return False
        for n in ast.walk(region):
            if isinstance(n, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda, *COMPREHENSION_TYPES)):
                return False
            if isinstance(n, ast.Call) and not (is_pure_call(ctx, n) or product_pair(ctx, n) is not None
                                                or transposed_operand(ctx, n) is not None):
                return False
        return True

    def _cost(self, node):
        left, right = product_pair(self.ctx, node)
        return cost_model.repeated_product(self.ctx, node, self.ctx.array_facts(left), self.ctx.array_facts(right))

    def _transposed_twins(self, reported: set) -> None:
        """``X.T @ U`` and later ``U.T @ X``: the second is the transpose of the first (``.T`` is free)."""
        ctx = self.ctx
        by_key: dict = {}
        keyed = []
        for node in sorted(self._products, key=lambda n: (n.lineno, n.col_offset)):
            keys = twin_keys(ctx, node, self._pure)
            if keys is None or keys[0] == keys[1]:
                continue  # `X.T @ X` is its own transpose
            keyed.append((node, keys))
            by_key.setdefault(keys[0], []).append(node)
        for node, (_, transposed) in keyed:
            if id(node) in reported or any(id(a) in reported for a in ctx.ancestors(node)):
                continue
            first = next((p for p in by_key.get(transposed, []) if (p.lineno, p.col_offset) < (node.lineno, node.col_offset)
                          and id(p) not in reported and (self._repeats(p, node) or self._one_clean_expression(p, node))),
                         None)
            if first is None:
                continue
            reported.add(id(node))
            self.report(node, f"`{ctx.text(node)}` is the transpose of `{ctx.text(first)}` ({ctx.line_ref(first)}), "
                              "computed from the same, unchanged operands: compute one and transpose it "
                              "(a transposed view is free; the second product costs a whole product)",
                        cost=self._cost(node))

    # -- which products count ----------------------------------------------------
    def _key(self, node):
        ctx = self.ctx
        left, right = product_pair(ctx, node)
        if in_assertion(ctx, node):
            return None
        scope = None
        for anc in ctx.ancestors(node):
            if isinstance(anc, ast.Lambda):
                return None
            if isinstance(anc, COMPREHENSION_TYPES) and scope is None:
                scope = anc  # repeats within one element of a comprehension: the same iteration
            if isinstance(anc, SCOPE_TYPES):
                break
        if not (self._pure(left) and self._pure(right)):
            return None
        rl, rr = _rank(ctx, left), _rank(ctx, right)
        if rl == 0 or rr == 0 or (rl == 1 and rr == 1):
            return None  # a scalar or a dot product of vectors: cheap
        if isinstance(node, ast.BinOp):
            kind = "@"
        else:
            kind = call_kind(ctx, node)
        return (id(scope if scope is not None else ctx.scope_node_of(node)), kind, structure_key(left),
                structure_key(right))

    def _pure(self, expr) -> bool:
        for n in ast.walk(expr):
            if isinstance(n, ast.Call) and not is_pure_call(self.ctx, n):
                return False
            if isinstance(n, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda,
                              *COMPREHENSION_TYPES)):
                return False
        return True

    # -- is the second one a repeat of the first? -------------------------------------
    def _repeats(self, first, second) -> bool:
        ctx = self.ctx
        comp = _innermost_comprehension(ctx, first)
        if comp is not None:
            if comp is not _innermost_comprehension(ctx, second) or _exclusive_branches(ctx, first, second):
                return False
            # one iteration: the element expression is evaluated with the same loop variables
            parts = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
            if not any(_contains(p, first) and _contains(p, second) for p in parts):
                return False
            mutated = set().union(*(mutated_names(ctx, p) for p in parts))
            return not any(path_conflicts(p, mutated) for p in _read_paths(first))
        s1 = ctx.statement_of(first)
        anc = None
        for cand in [second, *ctx.ancestors(second)]:
            if not isinstance(cand, ast.stmt):
                continue
            if cand is s1 or ctx.statements_between(s1, cand) is not None:
                anc = cand
                break
        if anc is None:
            return False
        if anc is s1:
            if _exclusive_branches(ctx, first, second):
                return False
            regions = [s1.value if isinstance(s1, _SIMPLE_STATEMENTS) and s1.value is not None else s1]
        else:
            tail = anc.value if isinstance(anc, _SIMPLE_STATEMENTS) and anc.value is not None else anc
            regions = [s1, *ctx.statements_between(s1, anc), tail]
        mutated: set[str] = set()
        for region in regions:
            mutated |= mutated_names(ctx, region)
        return not any(path_conflicts(p, mutated) for p in _read_paths(first))


def _read_paths(expr) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(expr):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            d = dotted_name(n)
            if d:
                out.add(d)
    return out


def _exclusive_branches(ctx, a, b) -> bool:
    """Are ``a`` and ``b`` in different arms of a conditional expression?"""
    path_a = {id(x): x for x in ctx.ancestors(a)}
    child = b
    for anc in ctx.ancestors(b):
        if id(anc) in path_a:
            if isinstance(anc, ast.IfExp):
                arm_b = child
                arm_a = next(x for x in [a, *ctx.ancestors(a)] if ctx.parent(x) is anc)
                return {id(arm_a), id(arm_b)} == {id(anc.body), id(anc.orelse)}
            return False
        child = anc
    return False


def _innermost_comprehension(ctx, node):
    for anc in ctx.ancestors(node):
        if isinstance(anc, COMPREHENSION_TYPES):
            return anc
        if isinstance(anc, SCOPE_TYPES):
            return None
    return None


def _contains(tree, node) -> bool:
    return any(n is node for n in ast.walk(tree))
