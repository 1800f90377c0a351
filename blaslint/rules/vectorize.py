"""BL5: vectorization NumPy cannot do for you (Python loops of dots, einsum
spelled without BLAS, reductions that are dots or norms)."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import INT_DTYPES, dimension_of, int_value, known_small
from blaslint.rule import Invalid, Rule
from blaslint.rules import _einsum as es
from blaslint.rules import _loopdots as ld
from blaslint.rules._common import in_assertion, kwarg, paren

_LOOP_KIND = {
    "matvec": "one matrix-vector product",
    "matmul": "one matrix-matrix product",
    "dot": "one dot product",
}


class LoopOfDots(Rule):
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

    def _match_statement(self, stmt, levels):
        """(match, target) for the one statement of the innermost loop body."""
        an = ld.Analyzer(self.ctx, levels)
        all_vars = an.vars
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
                and isinstance(stmt.value.func.value, ast.Name) and len(stmt.value.args) == 1 \
                and len(levels) == 1:
            m = an.match_dot(stmt.value.args[0])
            target = stmt.value.func.value
            if m is None or target.id in ld._names(stmt.value.args[0]):
                return None, None
            return m, target
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
            augmented = False
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) \
                    and ld.same_expr(self.ctx, value.left, target):
                value, augmented = value.right, True
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            target, value, augmented = stmt.target, stmt.value, True
        else:
            return None, None
        m = an.match_dot(value)
        if m is None and not augmented:
            m = an.match_reduction(value)
        if m is None and not augmented and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            # out[i] = feats[i] @ W + b: the rows of feats @ W + b (reported without a fix)
            loop_vars = {lv.var for lv in levels}
            for dot, bias in ((value.left, value.right), (value.right, value.left)):
                if _plain_operand(bias) and not (ld._names(bias) & loop_vars):
                    m = an.match_dot(dot)
                    if m is not None:
                        self._bias_tail.add(id(stmt))
                        break
        if m is None and augmented:
            for k in all_vars:
                m = an.match_product(value, k)
                if m is not None:
                    break
        if m is None:
            return None, None
        out_vars = {lv.var for lv in m.levels} - {m.contracted}
        if not self._target_ok(target, out_vars, value):
            return None, None
        return m, target

    def _target_ok(self, target, out_vars, value) -> bool:
        if isinstance(target, ast.Name):
            return not out_vars and target.id not in ld._names(value)
        if not isinstance(target, ast.Subscript):
            return False
        items = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        base = target.value
        if isinstance(base, ast.Subscript) and not isinstance(base.slice, ast.Tuple):  # C[i][j]
            items = [base.slice, *items]
            base = base.value
        names = [i.id for i in items if isinstance(i, ast.Name)]
        if len(names) != len(items) or set(names) != out_vars or len(names) != len(out_vars):
            return False
        base_names = ld._names(base)
        return not (base_names & ld._names(value)) and not (base_names & out_vars)

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

    # -- evidence ---------------------------------------------------------------
    def _worth_it(self, m: ld.Match, region, target=None, stacked=False) -> bool:
        ctx = self.ctx
        if any(ld.trip_count_small(ctx, lv) for lv in m.levels):
            return False
        for op in (m.left, m.right):
            if not ld.operand_not_scalar(ctx, op):
                return False
            if op.base is None:
                f = ctx.array_facts(op.expr)
                if f.rank is not None and f.rank > 2:
                    return False
        # the result lands in array slots (or is stacked into one array): the rows are vectors
        slots = False
        if m.form in ("call", "mulsum"):
            if stacked:
                slots = True
            elif isinstance(target, ast.Subscript):
                base = target.value.value if isinstance(target.value, ast.Subscript) else target.value
                f = ctx.array_facts(base)
                slots = f.rank is not None and f.lib in ("numpy", "torch") and f.rank == len(m.levels)
        indexed = [op for op in (m.left, m.right) if op.base is not None]
        evidence = [slots or ld.base_is_array(ctx, op, m.levels) for op in indexed]
        if m.form == "reduce":
            # a vector factor (x[k]) may be any sequence once the other factor is an array
            ok = any(evidence) and all(e or len(op.items) == 1 for e, op in zip(evidence, indexed))
        else:
            ok = all(evidence)
        if not ok:
            return False
        loop = region if isinstance(region, ast.For) else None
        if loop is not None:
            for op in (m.left, m.right):
                expr = op.base if op.base is not None else op.expr
                if not ctx.is_loop_invariant(expr, loop):
                    return False
        return True

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


def _plain_operand(node) -> bool:
    """A bias term: names, attributes, subscripts and numbers only (no calls, no side effects)."""
    return all(isinstance(n, (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Load, ast.Slice,
                              ast.Tuple, ast.UnaryOp, ast.unaryop, ast.expr_context))
               for n in ast.walk(node))


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


class EinsumWithoutBlas(Rule):
    """``np.einsum`` spelling a matrix product (or 3+ operands) without ``optimize=``.

    NumPy's einsum runs its own loop nest unless ``optimize`` is set: a
    matmul, batched matmul, matrix-vector product or dot written as einsum
    never reaches BLAS (7x slower for a 512x512 matmul here), and with three
    or more operands it runs one loop nest over every index at once instead of
    contracting pairwise (``optimize=True``). Element-wise-then-reduce
    subscripts (``"ij,ij->i"``), traces and diagonals are what einsum is for,
    and are not flagged; nor are ``torch.einsum`` and ``jax.numpy.einsum``,
    which contract through BLAS already.
    """

    code = "BL502"
    name = "einsum-without-blas"
    summary = "einsum spelling a matrix product without optimize=: no BLAS"
    fix_safety = "unsafe"
    triggers = ("einsum",)

    VALID = [
        'import numpy as np\nr = np.einsum("ij,ij->i", A, B)\n',
        'import numpy as np\nd = np.einsum("ii->i", A)\n',
        'import numpy as np\nt = np.einsum("ii", A)\n',
        'import numpy as np\nC = np.einsum("ij,jk->ik", A, B, optimize=True)\n',
        'import numpy as np\nC = np.einsum("ij,jk,kl->il", A, B, D, optimize="greedy")\n',
        'import numpy as np\nC = np.einsum(spec, A, B)\n',
        'import numpy as np\nP = np.einsum("i,i->i", a, b)\n',
        'import numpy as np\nS = np.einsum("ij,j->ij", A, d)\n',
        'import torch\nC = torch.einsum("ij,jk->ik", A, B)\n',
        'import numpy as np\ns = np.einsum("ij,ij,ij->", A, B, D)\n',
        'import numpy as np\nT = np.einsum("ij->ji", A)\n',
        'import numpy as np\nC = np.einsum(A, [0, 1], B, [1, 2], [0, 2])\n',
        # batched matrix-vector: einsum's loop is as fast as matmul here (measured)
        'import numpy as np\ny = np.einsum("ijk,ik->ij", A, b)\n',
        # the vector axis sits in the middle: the BLAS route needs a transposed copy
        'import numpy as np\ny = np.einsum("ijk,j->ik", T, v)\n',
        # a sum over one operand's own axis
        'import numpy as np\ny = np.einsum("ij,k->i", A, v)\n',
        # the output keeps every index: a broadcast product, no contraction
        'import numpy as np\nT = np.einsum("ik,jk->ijk", a, a)\n',
        # 1-D operands built from a one-element list (object arrays in numpy's own tests)
        'import numpy as np\nobj = np.array([Mult()])\nr = np.einsum("i,j", obj, obj)\n',
    ]
    INVALID = [
        Invalid('import numpy as np\nC = np.einsum("ij,jk->ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import numpy as np\nA = np.random.rand(50, 40)\nB = np.random.rand(40, 30)\nC = np.einsum("ij,jk->ik", A, B)\n',
                'import numpy as np\nA = np.random.rand(50, 40)\nB = np.random.rand(40, 30)\nC = A @ B\n', unsafe=True),
        # a 3x3 literal: microseconds whatever the spelling
        Invalid('import numpy as np\nR = np.eye(3)\nS = np.eye(3)\nC = np.einsum("ij,jk->ik", R, S)\n', count=0),
        Invalid('import numpy as np\nC = np.einsum("bij,bjk->bik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import numpy as np\ns = np.einsum("i,i->", a, b)\n',
                'import numpy as np\ns = np.dot(a, b)\n', unsafe=True),
        Invalid('import numpy as np\ns = np.einsum("i,i", a, b)\n',
                'import numpy as np\ns = np.dot(a, b)\n', unsafe=True),
        Invalid('import numpy as np\ny = np.einsum("ij,j->i", A, x)\n',
                'import numpy as np\ny = np.matmul(A, x)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ji,jk->ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A.T, B)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ij,kj", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B.T)\n', unsafe=True),
        Invalid('import numpy as np\nO = np.einsum("i,j->ij", a, b)\n',
                'import numpy as np\nO = np.outer(a, b)\n', unsafe=True),
        Invalid('import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D)\n',
                'import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=True)\n', unsafe=True),
        Invalid('import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=False)\n',
                'import numpy as np\nR = np.einsum("ij,jk,kl->il", A, B, D, optimize=True)\n', unsafe=True),
        Invalid('import numpy as np\nC = np.einsum("ij,jk->ijk", A, B).sum(axis=1)\n'),
        Invalid('import numpy as np\nC = np.einsum("...ij,...jk->...ik", A, B)\n',
                'import numpy as np\nC = np.matmul(A, B)\n', unsafe=True),
        Invalid('import cupy as cp\nC = cp.einsum("bij,bjk->bik", A, B)\n', count=0),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if ctx.resolve_call(node) != "numpy.einsum" or ctx.library(node) != "numpy":
            return
        if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            return
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return
        opt = kwarg(node, "optimize")
        if opt is not None and not (isinstance(opt, ast.Constant) and opt.value is False):
            return
        if any(k.arg not in ("optimize",) for k in node.keywords):
            return  # out=, dtype=, casting=: leave alone
        spec = es.parse(node.args[0].value)
        operands = node.args[1:]
        if spec is None or len(spec.inputs) != len(operands):
            return
        if any(isinstance(x, (ast.List, ast.Tuple, ast.Constant)) for x in operands):
            return  # literal operands: a toy or a test of einsum itself
        small = [known_small(ctx.array_facts(x)) or (len(term) == 1 and _short_literal(ctx, x))
                 for x, term in zip(operands, spec.inputs)]
        if all(small) or (len(operands) == 2 and any(small)):
            return  # microseconds whatever the spelling
        if len(operands) >= 3:
            if es.pairwise_helps(spec):
                fix = self._optimize_fix(node, opt)
                self.report(node, f"einsum over {len(operands)} operands without `optimize=`: one loop nest "
                            "over every index and no BLAS; `optimize=True` contracts pairwise through BLAS "
                            "(~200x at n=1500)", fix)
            return
        if len(operands) != 2:
            self._summed_einsum(node, spec)
            return
        kind = es.classify(spec)
        if kind is None:
            self._summed_einsum(node, spec)
            return
        fix = self._product_fix(node, spec, operands)
        article = "an" if kind[0] in "aeiou" else "a"
        if kind == "outer product":
            advice = "write `np.outer(a, b)`, which says what it computes (no BLAS either way: no speed-up measured)"
        elif kind == "dot product":
            advice = "write `a @ b` (BLAS dot)"
        else:
            advice = "write it with `@` / `np.matmul` (BLAS) or pass `optimize=True` (7x faster for a 512x512 matmul)"
        self.report(node, f"`einsum(\"{node.args[0].value}\")` is {article} {kind} computed by einsum's own "
                    f"loop, without BLAS: {advice}", fix)

    def _summed_einsum(self, node, spec) -> None:
        """``np.einsum("ij,jk->ijk", A, B).sum(axis=1)``: a matmul through a 3-D temporary."""
        ctx = self.ctx
        parent = ctx.parent(node)
        axis = None
        if isinstance(parent, ast.Attribute) and parent.attr == "sum":
            call = ctx.parent(parent)
            if isinstance(call, ast.Call) and call.func is parent:
                ax = call.args[0] if len(call.args) == 1 and not call.keywords else kwarg(call, "axis")
                if isinstance(ax, ast.Constant) and isinstance(ax.value, int) and len(call.args) + len(call.keywords) == 1:
                    axis = ax.value
        if axis is None or len(spec.inputs) != 2 or spec.ellipsis or not (0 <= axis < len(spec.output)):
            return
        summed = spec.output[axis]
        reduced = es.Spec(spec.inputs, spec.output.replace(summed, ""), False)
        if es.classify(reduced) in ("matrix product", "batched matrix product", "matrix-vector product"):
            self.report(node, "einsum followed by `.sum()` over a shared index is a matrix product through a "
                        "temporary: write the product (`@`) instead")

    def _optimize_fix(self, node, opt):
        if opt is not None:
            return self.make_fix("Set `optimize=True`", self.replace(opt, "True"), safe=False)
        end = self.ctx.span(node)[1]
        last = node.args[-1] if not node.keywords else node.keywords[-1].value
        last_end = self.ctx.span(last)[1]
        text = self.ctx.source.text
        return self.make_fix("Add `optimize=True`", self.replace_span(last_end, last_end, ", optimize=True"),
                             safe=False) if text[last_end:end].strip().rstrip(",").strip() == ")" else None

    def _product_fix(self, node, spec, operands):
        ctx = self.ctx
        form = es.product_form(spec)
        if form is None or kwarg(node, "optimize") is not None and len(node.keywords) > 1:
            return None
        fn, (ta, tb) = form
        a, b = operands
        both_arrays = all(ctx.array_facts(x).rank is not None and ctx.array_facts(x).lib == "numpy"
                          for x in operands)

        def t(x, flag, prec):
            return f"{paren(ctx, x, 15)}.T" if flag else paren(ctx, x, prec)

        if fn == "matmul" and both_arrays:
            new = f"{t(a, ta, 12)} @ {t(b, tb, 13)}"
        else:
            spelled = ctx.spell_like(node.func, fn, f"numpy.{fn}")
            if spelled is None:
                return None
            new = f"{spelled}({t(a, ta, 1)}, {t(b, tb, 1)})"
        return self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)


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
    triggers = ("sum",)

    VALID = [
        # a test's tolerance check
        "import numpy as np\ndef test(code, V, X):\n    assert np.sqrt(np.sum((np.dot(code, V) - X) ** 2)) < 0.1\n",
        # realistic-corpus follow-ups (names rebound in loops, sizes, Python scalars, ...)
        'import numpy as np\ndef f(n):\n    k = np.arange(n, dtype=np.int64)\n    return np.sqrt(np.sum(k ** 2))\n',
        'import numpy as np\ndef f(a):\n    z = np.asarray(a, dtype=np.complex64)\n    return np.sqrt(np.sum(z ** 2))\n',
        'import numpy as np\ndef f(x):\n    d = float(x)\n    return np.sqrt(np.sum(d ** 2))\n',
        'import numpy as np\nv = np.array([3.0, 4.0])\nr = np.sqrt(np.sum(v ** 2))\n',
        'import numpy as np\ndef f(x, w):\n    return np.sqrt(np.sum(w * x ** 2))\n',
        'import numpy as np\ndef f(M):\n    return np.sqrt(np.sum(M ** 2, axis=0))\n',
        # unknown arrays: could be integer or complex (a dot needs the rank and dtype)
        "import numpy as np\ndef f(a, b):\n    return np.sum(a * b)\n",
        # 2-D: an element-wise product summed is not a dot
        "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\ns = np.sum(A * B)\n",
        # integers: np.dot has no BLAS kernel
        "import numpy as np\na = np.arange(10, dtype=np.int64)\nb = np.arange(10, dtype=np.int64)\ns = np.sum(a * b)\n",
        # complex: x**2 is not |x|**2
        "import numpy as np\nz = np.zeros(10, dtype=np.complex128)\nr = np.sqrt(np.sum(z ** 2))\n",
        # row norms: norm(x, axis=1) makes the same temporary
        "import numpy as np\nX = np.random.rand(10, 3)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n",
        # a sum of squares alone is not a norm
        "import numpy as np\nx = np.random.rand(100)\nss = np.sum(x ** 2)\n",
        # three known elements: nothing to gain
        "import numpy as np\nw = np.array([1.0, 1.0, 0.0])\nv = np.array([0.5, 0.75, 1.0])\ns = np.sum(w * v)\n",
        # already the BLAS form
        "import numpy as np\nx = np.random.rand(10)\nr = np.sqrt(x @ x)\n",
        # builtin sum over a 2-D array sums rows: a vector, not a norm
        "import numpy as np\nX = np.random.rand(100, 100)\nr = np.sqrt(sum(X ** 2))\n",
        # a cube is not a norm
        "import numpy as np\nx = np.random.rand(10)\nr = np.sqrt(np.sum(x ** 3))\n",
    ]
    INVALID = [
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

    # -- dots -------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        if in_assertion(self.ctx, node):
            return  # a test's reference value, written the obvious way on purpose
        self._check_dot(node)
        self._check_norm(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Pow) and not in_assertion(self.ctx, node):
            self._check_norm(node)  # np.sum(x ** 2) ** 0.5

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

    def _check_dot(self, node) -> None:
        ctx = self.ctx
        inner = self._sum_arg(node, axis_ok=True)
        if not (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mult)):
            return
        if self._is_norm_radicand(node):
            return  # reported as a norm
        a, b = inner.left, inner.right
        fa, fb = ctx.array_facts(a), ctx.array_facts(b)
        # an unknown dtype is reported (a 1-D dot of any real or complex dtype), fixed only when known
        if fa.rank != 1 or fb.rank != 1 or not all(f.is_blas_dtype or f.dtype is None for f in (fa, fb)):
            return
        dtypes_known = fa.is_blas_dtype and fb.is_blas_dtype
        if self._builtin_sum(node) and {fa.lib, fb.lib} != {"numpy"}:
            return
        lib = fa.lib if fa.lib == fb.lib else None
        if lib not in ("numpy", "torch"):
            return
        if lib == "torch" and fa.dtype != fb.dtype:
            return
        if fa.shape and fb.shape and fa.shape != fb.shape:
            return  # (n,) * (1,) broadcasting, say
        if known_small(fa) or known_small(fb):
            return  # a 3-element temporary costs nothing
        fix = None
        if lib == "torch":
            fn = ctx.spell("torch.dot")
            new = f"{fn}({paren(ctx, a, 1)}, {paren(ctx, b, 1)})" if fn else None
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "sum" and ctx.resolve(node.func) is None:
            new = f"{paren(ctx, a, 12)} @ {paren(ctx, b, 13)}"
        else:
            fn = ctx.spell_like(node.func, "dot", "numpy.dot")
            new = f"{fn}({paren(ctx, a, 1)}, {paren(ctx, b, 1)})" if fn else None
        if new is not None and dtypes_known:
            fix = self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)
        self.report(node, f"`{ctx.text(node)}` on 1-D arrays is a dot product: `{new or 'a @ b'}` runs in BLAS "
                    "without the temporary product array", fix)

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

    def _squared(self, expr) -> tuple[ast.AST, bool] | None:
        """(x, via_abs) when ``expr`` is ``x**2``, ``x * x``, ``np.square(x)``, ``np.abs(x)**2``."""
        ctx = self.ctx
        base = None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Pow) and isinstance(expr.right, ast.Constant) \
                and expr.right.value == 2 and not isinstance(expr.right.value, bool):
            base = expr.left
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult) and ld.same_expr(ctx, expr.left, expr.right) \
                and isinstance(expr.left, (ast.Name, ast.Attribute)):
            base = expr.left
        elif isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords \
                and ctx.resolve_call(expr) in ("numpy.square", "torch.square"):
            base = expr.args[0]
        if base is None:
            return None
        if isinstance(base, ast.Call) and len(base.args) == 1 and not base.keywords \
                and ctx.resolve_call(base) in ("numpy.abs", "numpy.absolute", "torch.abs"):
            return base.args[0], True
        return base, False

    def _check_norm(self, node) -> None:
        ctx = self.ctx
        radicand = self._root_of(node)
        if radicand is None:
            return
        inner = self._sum_arg(radicand)
        if inner is None:
            return
        sq = self._squared(inner)
        if sq is None:
            return
        x, via_abs = sq
        f = ctx.array_facts(x)
        # sqrt(sum(x**2)) == norm(x) for a real array of any rank (norm flattens like the
        # sum does): flag unless x is known to break it (a scalar, integers whose squares may
        # wrap, complex x**2) or to be tiny; the fix needs the dtype known real.
        if (f.rank is not None and f.rank < 1) or f.dtype in INT_DTYPES | {"bool", "object"} \
                or (f.dtype in ("complex64", "complex128") and not via_abs) or known_small(f):
            return
        if self._builtin_sum(radicand) and (f.rank != 1 or f.lib != "numpy"):
            return  # builtin sum over a 2-D array sums rows; over an unknown: a Python loop
        sqrt_api = ctx.resolve_call(node) if isinstance(node, ast.Call) else None
        sum_api = ctx.resolve_call(radicand)
        torch_spelled = sqrt_api == "torch.sqrt" or sum_api == "torch.sum"
        numpy_spelled = sqrt_api == "numpy.sqrt" or sum_api == "numpy.sum"
        lib = f.lib if f.lib in ("numpy", "torch") else None
        if torch_spelled and (numpy_spelled or lib == "numpy") or lib == "torch" and numpy_spelled:
            return  # mixed libraries: leave alone
        lib = lib or ("torch" if torch_spelled else "numpy")
        fixable = f.lib == lib and (f.dtype in ("float32", "float64")
                                    or via_abs and f.dtype in ("complex64", "complex128")) \
            and (f.rank is not None or lib == "numpy")
        fn = ctx.spell("torch.linalg.norm" if lib == "torch" else "numpy.linalg.norm")
        fix = None
        new = f"{fn}({ctx.text(x)})" if fn is not None else None
        if new is not None and sqrt_api == "math.sqrt":
            new = f"float({new})"
        if new is not None and fixable:
            fix = self.make_fix(f"Replace with `{new}`", self.replace(node, new), safe=False)
        shown = new or ("torch.linalg.norm(x)" if lib == "torch" else "np.linalg.norm(x)")
        note = "" if fixable else " (a fix is offered when the array is known to be real floating)"
        self.report(node, f"`{ctx.text(node)}` is a 2-norm: `{shown}` computes it in one "
                    f"BLAS pass without the temporary array of squares{note}", fix)


def _is_int(node, values) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return isinstance(node.operand.value, int) and -node.operand.value in values
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in values


def _short_literal(ctx, expr) -> bool:
    """``np.array([Mult()])``: a 1-D operand built from a short list literal (any element type)."""
    if isinstance(expr, ast.Name):
        expr = ctx.value_of(expr)
    if isinstance(expr, ast.Call) and ctx.resolve_call(expr) in ("numpy.array", "numpy.asarray") and expr.args:
        lit = expr.args[0]
        return isinstance(lit, (ast.List, ast.Tuple)) and len(lit.elts) < 32 \
            and not any(isinstance(e, ast.Starred) for e in lit.elts)
    return False
