"""BL501 loop-of-dots: the rule, its examples and its fix."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import dimension_of, int_value
from blaslint.core.rule import Invalid, Rule
from blaslint.rules._common import paren
from blaslint.rules.vectorize import _loopdots as ld
from blaslint.rules.vectorize._loop_of_dots_match import LoopMatch


_LOOP_KIND = {
    "matvec": "one matrix-vector product",
    "matmul": "one matrix-matrix product",
    "dot": "one dot product",
}


class LoopOfDots(LoopMatch, Rule):
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
    triggers = ("dot", "@", "sum", "matmul", "inner", "+")  # `+=`: accumulating loops

    VALID = [
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W + b[i]\n    return out\n',
        'import numpy as np\ndef f(X, W, bias):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W + bias(i)\n    return out\n',
        'import numpy as np\ndef f(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W - out[i - 1]\n    return out\n',
        'import numpy as np\ndef f(X, W, b):\n    out = np.empty((X.shape[0], W.shape[1]))\n    for i in range(X.shape[0]):\n        out[i] = X[i] @ W * b\n    return out\n',
        'import numpy as np\ndef f(A, x):\n    y = np.empty(A.shape[0])\n    for i in range(A.shape[0]):\n        y[i] = A[i] @ x + y[i - 1]\n    return y\n',
        'import numpy as np\ndef f(Ws, x, b):\n    out = []\n    for i in range(len(Ws)):\n        out.append(Ws[i] @ x + b)\n    return out\n',
        # a different vector per row: that is einsum("ij,ij->i"), not a product
        "import numpy as np\nA = np.random.rand(100, 5)\nX = np.random.rand(100, 5)\n"
        "y = np.array([A[i] @ X[i] for i in range(100)])\n",
        # dots of different rows of the same matrix
        "import numpy as np\nA = np.random.rand(100, 5)\nd = [A[i] @ A[i + 1] for i in range(99)]\n",
        # the body does more than the dot
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ny = np.zeros(100)\n"
        "for i in range(100):\n    if A[i, 0] > 0:\n        y[i] = A[i] @ x\n",
        # state carried from one row to the next
        "import numpy as np\nA = np.random.rand(100, 100)\ny = np.zeros(100)\n"
        "for i in range(1, 100):\n    y[i] = A[i] @ y\n",
        # the vector changes inside the loop
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ny = np.zeros(100)\n"
        "for i in range(100):\n    y[i] = A[i] @ x\n    x = x * 0.5\n",
        # a small fixed count (3 rows of a rotation)
        "import numpy as np\nR = np.eye(3)\nv = np.ones(3)\nw = np.array([R[i] @ v for i in range(3)])\n",
        # a list of differently shaped layer weights
        "import numpy as np\ndef forward(weights, x):\n    return [W @ x for W in weights]\n",
        # accumulating all rows into one scalar is not one product
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ntotal = 0.0\n"
        "for i in range(100):\n    total += A[i] @ x\n",
        # a pure-Python dot over lists
        "def dot(a, b):\n    return sum(a[i] * b[i] for i in range(len(a)))\n",
        # each output slot is the sum over all rows
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\n"
        "s = sum(A[i] @ x for i in range(100))\n",
        # a triangular loop (j depends on i)
        "import numpy as np\nA = np.random.rand(100, 100)\nC = np.zeros((100, 100))\n"
        "for i in range(100):\n    for j in range(i):\n        C[i, j] = A[i] @ A[:, j]\n",
        # indexed by a shifted index
        "import numpy as np\nA = np.random.rand(100, 5)\nx = np.random.rand(5)\ny = np.zeros(101)\n"
        "for i in range(100):\n    y[i + 1] = A[i] @ x\n",
    ]
    INVALID = [
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
        match, target = self._match_statement(cur.body[0], levels)
        if match is None:
            return
        if not self._worth_it(match, node, target=target):
            return
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        if id(cur.body[0]) in self._bias_tail:
            self.report(node, self._message(match, "loop") + " (plus the bias added to every row)",
                        None, span=self._header_span(node))
            return
        fix = self._loop_fix(node, match, target)
        self.report(node, self._message(match, "loop"), fix, span=self._header_span(node))

    # -- comprehensions ---------------------------------------------------------
    def visit_ListComp(self, node) -> None:
        self._comprehension(node)

    def visit_GeneratorExp(self, node) -> None:
        self._comprehension(node)

    def visit_Call(self, node: ast.Call) -> None:
        """``sum(a[k] * b[k] for k in range(n))``: a scalar dot."""
        if id(node) in self._claimed or ld._summed_generator(self.ctx, node) is None:
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
            idx, inv = (left, right) if left.base is not None else (right, left)
            var = next(iter(idx.vars))
            return f"{mat(idx, var, True)} @ {paren(ctx, inv.expr, 13)}"
        lv, rv = next(iter(left.vars)), next(iter(right.vars))
        return f"{mat(left, lv, True)} @ {mat(right, rv, False)}"

    def _message(self, m: ld.Match, where: str) -> str:
        what = _LOOP_KIND[m.kind]
        return (f"row-by-row dots in a Python {where} compute {what}: write `{self._suggestion(m)}` "
                f"(one BLAS call; 13x faster for a 1024x1024 matrix-vector product)")

    def _header_span(self, node: ast.For) -> tuple[int, int]:
        start, _ = self.ctx.span(node)
        _, end = self.ctx.span(node.iter)
        return start, end

    # -- fixes ------------------------------------------------------------------
    def _simple_matvec(self, m: ld.Match) -> str | None:
        """`A @ x` (or `A.T @ x`) when the single-level dot is exact in that form."""
        ctx = self.ctx
        if m.kind != "matvec" or m.form not in ("call", "mulsum") or len(m.levels) != 1:
            return None
        idx, inv = m.left, m.right
        if idx.base is None or inv.base is not None:
            return None
        if m.form == "call" and isinstance(m.call, ast.Call) and ctx.resolve_call(m.call) in (
                "numpy.inner", "torch.inner", "torch.dot"):
            return None
        fa, fx = ctx.array_facts(idx.base), ctx.array_facts(inv.expr)
        if fa.rank != 2 or fx.rank != 1 or fa.lib not in ("numpy", "torch"):
            return None
        if fx.lib not in (fa.lib, None):
            return None
        level = m.levels[0]
        var = level.var
        pos = idx.items.index(var)
        if pos not in (0, 1) or (len(idx.items) == 2 and idx.items[1 - pos] != ":"):
            return None
        # the loop must cover exactly that axis
        if level.iterated is not None:
            if pos != 0 or not ld.same_expr(ctx, level.iterated, idx.base):
                return None
        else:
            dim = dimension_of(ctx, level.bound)
            if dim is None or dim[1] != pos or not ld.same_expr(ctx, dim[0], idx.base):
                if not self._bound_matches_shape(level.bound, fa, pos):
                    return None
        base = paren(ctx, idx.base, 15) + (".T" if pos == 1 else "") if pos == 1 else paren(ctx, idx.base, 12)
        return f"{base} @ {paren(ctx, inv.expr, 13)}"

    def _bound_matches_shape(self, bound, facts, axis) -> bool:
        if facts.shape is None or axis >= len(facts.shape) or facts.shape[axis] is None:
            return False
        dim = facts.shape[axis]
        return self.ctx.text(bound) == str(dim) or (isinstance(dim, int) and int_value(self.ctx, bound) == dim)

    def _stack_fix(self, stacker: ast.Call, m: ld.Match):
        ctx = self.ctx
        if len(stacker.args) != 1 or stacker.keywords:
            return None
        q = ctx.resolve_call(stacker)
        lib = ctx.array_facts(m.left.base).lib if m.left.base is not None else None
        if (q, lib) not in (("numpy.array", "numpy"), ("numpy.asarray", "numpy"), ("torch.stack", "torch")):
            return None
        new = self._simple_matvec(m)
        if new is None:
            return None
        return self.make_fix(f"Replace with `{new}`", self.replace(stacker, new), safe=False)

    def _loop_fix(self, node: ast.For, m: ld.Match, target):
        ctx = self.ctx
        new = self._simple_matvec(m)
        if new is None or not isinstance(target, ast.Subscript) or not isinstance(node.body[0], ast.Assign):
            return None
        if ld.same_expr(ctx, target.value, m.left.base):
            return None
        ft = ctx.array_facts(target.value)
        if ft.rank != 1 or ft.lib != ctx.array_facts(m.left.base).lib:
            return None
        if self._loop_names_used_after(node):
            return None
        level = m.levels[0]
        idx = m.left
        pos = idx.items.index(level.var)
        fa = ctx.array_facts(idx.base)
        y = paren(ctx, target.value, 15)
        if level.iterated is None and self._bound_matches_shape(level.bound, ft, 0):
            lhs = f"{y}[:]"
        else:
            bound = ctx.text(level.bound) if level.iterated is None else f"len({ctx.text(level.iterated)})"
            lhs = f"{y}[:{bound}]"
        return self.make_fix(f"Replace the loop with `{lhs} = {new}`", self.replace(node, f"{lhs} = {new}"),
                             safe=False)

    def _loop_names_used_after(self, node: ast.For) -> bool:
        ctx = self.ctx
        bound = ld._names(node.target)
        scope = ctx.scope_of(node)
        for name in bound:
            for load in scope.loads.get(name, []):
                if not any(a is node for a in ctx.ancestors(load)):
                    return True
        return False

    def _scalar_dot_fix(self, call: ast.Call, m: ld.Match):
        ctx = self.ctx
        if m.kind != "dot":
            return None
        a, b = m.left.base, m.right.base
        fa, fb = ctx.array_facts(a), ctx.array_facts(b)
        if fa.rank != 1 or fb.rank != 1 or fa.lib != "numpy" or fb.lib != "numpy":
            return None
        if m.left.items != (m.contracted,) or m.right.items != (m.contracted,):
            return None
        level = m.levels[0]
        if level.iterated is None:
            dim = dimension_of(ctx, level.bound)
            if dim is None or dim[1] != 0 or not (ld.same_expr(ctx, dim[0], a) or ld.same_expr(ctx, dim[0], b)):
                return None
            if fa.shape and fb.shape and fa.shape != fb.shape:
                return None
        elif not (fa.shape and fb.shape and fa.shape == fb.shape and fa.shape[0] is not None):
            return None
        new = f"{paren(ctx, a, 12)} @ {paren(ctx, b, 13)}"
        return self.make_fix(f"Replace with `{new}`", self.replace(call, new), safe=False)



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
