"""Recognise a Python loop (or comprehension) of dots that is one matrix product.

The vocabulary is Einstein-like. A loop *level* iterates one index variable
(``for i in range(n)``, ``for row in A``, ``for i, row in enumerate(A)``,
``for a, b in zip(x, y)``). An operand is either invariant in the loop nest or
an *indexed* slice ``base[i, :]`` whose base is invariant and whose index
items are level variables or full slices. A dot of two operands
(``u @ v``, ``np.dot(u, v)``, ``(u * v).sum()``) contracts their free axis; a
product ``P * Q`` summed over a level (``sum(a[k] * b[k] for k ...)``,
``s += A[i, k] * x[k]``) contracts that level's variable. The nest is a
matrix product when every level variable indexes exactly one side (or, for
the contracted one, both), and each output slot is written by exactly one
iteration. Used by BL501 (vectorize.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from blaslint.analysis.dims import is_full_slice
from blaslint.analysis.facts import dimension_of, int_value
from blaslint.analysis.structure import same_structure
from blaslint.rules._common import product_operands

# Below this many iterations (a literal trip count) the loop is not worth a finding.
MIN_TRIPS = 16
DOT_FUNCS = {"numpy.dot", "numpy.matmul", "numpy.inner", "torch.dot", "torch.matmul", "torch.inner", "torch.mv"}
SUM_FUNCS = {"numpy.sum", "torch.sum"}
STACKERS = {"numpy.array", "numpy.asarray", "numpy.stack", "numpy.vstack", "numpy.fromiter",
            "torch.stack", "torch.tensor", "torch.as_tensor"}


@dataclass
class Level:
    var: str                      # the index variable (a synthetic one for `for row in A`)
    node: ast.AST                 # the For statement or the comprehension generator
    bound: ast.AST | None         # n of range(n), or the array iterated
    iterated: ast.AST | None = None  # the array of `for row in A`
    aliases: dict = field(default_factory=dict)  # row -> (A, var)


@dataclass
class Operand:
    base: ast.AST | None          # None: invariant operand (then `expr` is it)
    items: tuple = ()             # var names and ":" / "..."
    expr: ast.AST | None = None
    tuple_index: bool = False     # A[i, :] (a list cannot be indexed so)

    @property
    def vars(self) -> set:
        return {i for i in self.items if i not in (":", "...")}


@dataclass
class Match:
    kind: str                     # "matvec", "matmul", "dot"
    levels: list
    left: Operand
    right: Operand
    form: str                     # "call" (u @ v ...), "mulsum" ((u*v).sum()), "reduce" (sum of P*Q)
    contracted: str | None = None
    call: ast.AST | None = None   # the dot expression


def _names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def level_of(ctx, target: ast.AST, it: ast.AST, node: ast.AST, count: int) -> Level | None:
    """A loop level from a for target and iterable, or None if it is not an index loop."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords \
            and ctx.scope_of(it).bindings.get(it.func.id) is None:
        fname = it.func.id
        if fname in ("range", "xrange") and isinstance(target, ast.Name):
            if len(it.args) == 1:
                return Level(target.id, node, it.args[0])
            if len(it.args) == 2 and int_value(ctx, it.args[0]) == 0:
                return Level(target.id, node, it.args[1])
            return None
        if fname == "enumerate" and len(it.args) == 1 and isinstance(target, ast.Tuple) \
                and len(target.elts) == 2 and all(isinstance(e, ast.Name) for e in target.elts):
            i, row = target.elts
            return Level(i.id, node, it.args[0], iterated=it.args[0], aliases={row.id: (it.args[0], i.id)})
        if fname == "zip" and len(it.args) >= 2 and isinstance(target, ast.Tuple) \
                and len(target.elts) == len(it.args) and all(isinstance(e, ast.Name) for e in target.elts):
            var = f"<zip{count}>"
            return Level(var, node, it.args[0], iterated=it.args[0],
                         aliases={e.id: (a, var) for e, a in zip(target.elts, it.args)})
        return None
    if isinstance(target, ast.Name) and isinstance(it, (ast.Name, ast.Attribute, ast.Subscript)):
        var = f"<row{count}>"
        return Level(var, node, it, iterated=it, aliases={target.id: (it, var)})
    return None


class Analyzer:
    """Matches one loop nest; ``levels`` is filled from the outside in."""

    def __init__(self, ctx, levels: list[Level]) -> None:
        self.ctx = ctx
        self.levels = levels

    @property
    def vars(self) -> set:
        return {lv.var for lv in self.levels}

    def _aliases(self) -> dict:
        out = {}
        for lv in self.levels:
            out.update(lv.aliases)
        return out

    def _loop_names(self) -> set:
        """Names the loop nest binds (index variables and row aliases)."""
        names = set()
        for lv in self.levels:
            names.add(lv.var)
            names.update(lv.aliases)
        return names

    def operand(self, expr: ast.AST) -> Operand | None:
        loop_names = self._loop_names()
        aliases = self._aliases()
        if not (_names(expr) & loop_names):
            return Operand(None, (), expr)
        if isinstance(expr, ast.Name) and expr.id in aliases:
            base, var = aliases[expr.id]
            return Operand(base, (var,), expr)
        if not isinstance(expr, ast.Subscript):
            return None
        value, index = expr.value, expr.slice
        items_nodes = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        tuple_index = isinstance(index, ast.Tuple)
        prefix: tuple = ()
        if isinstance(value, ast.Subscript) and not (_names(value.value) & loop_names):
            inner = self.operand(value)  # A[i][k]: only when A[i] picks by variables alone
            if inner is None or inner.base is None or ":" in inner.items or "..." in inner.items:
                return None
            value, prefix, tuple_index = inner.base, inner.items, inner.tuple_index
        elif isinstance(value, ast.Name) and value.id in aliases:
            value, var = aliases[value.id]  # row[k] with row from `for row in A`
            prefix = (var,)
        if _names(value) & loop_names:
            return None
        items = list(prefix)
        for item in items_nodes:
            if isinstance(item, ast.Name) and item.id in loop_names and item.id not in aliases:
                items.append(item.id)
            elif is_full_slice(item):
                items.append(":")
            elif isinstance(item, ast.Constant) and item.value is Ellipsis:
                items.append("...")
            else:
                return None
        named = [i for i in items if i not in (":", "...")]
        if len(named) != len(set(named)):
            return None
        return Operand(value, tuple(items), expr, tuple_index)

    # -- the two shapes of a dot --------------------------------------------------
    def dot_pair(self, expr: ast.AST) -> tuple[ast.AST, ast.AST, str] | None:
        """(u, v, form) when ``expr`` is one dot of two operands."""
        ctx = self.ctx
        ops = product_operands(ctx, expr)
        if ops is not None:
            return ops[0], ops[1], "call"
        if isinstance(expr, ast.Call) and not expr.keywords and len(expr.args) == 2 \
                and ctx.resolve_call(expr) in DOT_FUNCS:
            return expr.args[0], expr.args[1], "call"
        prod = _summed_product(ctx, expr)
        if prod is not None:
            return prod.left, prod.right, "mulsum"
        return None

    def match_dot(self, expr: ast.AST) -> Match | None:
        """A dot whose operands are indexed by the level variables, each by one side."""
        pair = self.dot_pair(expr)
        if pair is None:
            return None
        u, v, form = pair
        left, right = self.operand(u), self.operand(v)
        if left is None or right is None:
            return None
        lv, rv = left.vars, right.vars
        if len(lv) > 1 or len(rv) > 1 or lv & rv or (lv | rv) != self.vars:
            return None
        for op in (left, right):
            if op.base is not None and not any(i in (":", "...") for i in op.items) and len(op.items) > 1:
                return None
        kind = "matvec" if len(self.levels) == 1 else "matmul"
        if len(self.levels) > 2:
            return None
        return Match(kind, list(self.levels), left, right, form, call=expr)

    def match_reduction(self, expr: ast.AST) -> Match | None:
        """``sum(P * Q for k in range(n))`` with k indexing both P and Q."""
        ctx = self.ctx
        gen = _summed_generator(ctx, expr)
        if gen is None:
            return None
        comp, = gen
        g = comp.generators[0]
        level = level_of(ctx, g.target, g.iter, g, len(self.levels))
        if level is None or _names(g.iter) & self._loop_names():
            return None
        inner = Analyzer(ctx, [*self.levels, level])
        return inner.match_product(comp.elt, level.var)

    def match_product(self, expr: ast.AST, k: str) -> Match | None:
        if not (isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult)):
            return None
        left, right = self.operand(expr.left), self.operand(expr.right)
        if left is None or right is None or left.base is None or right.base is None:
            return None
        if ":" in left.items + right.items or "..." in left.items + right.items:
            return None
        lv, rv = left.vars, right.vars
        if k not in lv or k not in rv or (lv | rv) != self.vars or (lv & rv) != {k}:
            return None
        if len(left.items) > 2 or len(right.items) > 2:
            return None
        outer = len(self.levels) - 1
        kind = {0: "dot", 1: "matvec", 2: "matmul"}.get(outer)
        if kind is None:
            return None
        return Match(kind, list(self.levels), left, right, "reduce", contracted=k, call=expr)

    def match(self, expr: ast.AST) -> Match | None:
        return self.match_dot(expr) or self.match_reduction(expr)


def _summed_product(ctx, expr) -> ast.BinOp | None:
    """The ``u * v`` of ``(u * v).sum()``, ``np.sum(u * v)``, ``torch.sum(u * v)``, ``sum(u * v)``."""
    if not isinstance(expr, ast.Call) or expr.keywords:
        return None
    inner = None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr == "sum" and not expr.args and ctx.resolve(func) is None:
        inner = func.value
    elif len(expr.args) == 1 and (ctx.resolve_call(expr) in SUM_FUNCS or _is_builtin(ctx, expr, "sum")):
        inner = expr.args[0]
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mult):
        return inner
    return None


def _summed_generator(ctx, expr):
    """(comprehension,) of ``sum(e for k in ...)`` / ``sum([e for k in ...])`` with one plain generator."""
    if not isinstance(expr, ast.Call) or expr.keywords or len(expr.args) != 1:
        return None
    if not (_is_builtin(ctx, expr, "sum") or ctx.resolve_call(expr) == "numpy.sum"):
        return None
    comp = expr.args[0]
    if not isinstance(comp, (ast.GeneratorExp, ast.ListComp)) or len(comp.generators) != 1:
        return None
    g = comp.generators[0]
    if g.ifs or g.is_async:
        return None
    return (comp,)


def _is_builtin(ctx, call, name) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == name \
        and ctx.scope_of(call).bindings.get(name) is None and ctx.imports.qualname(name) is None \
        and not ctx.scope(ctx.tree).bindings.get(name)


# -- the evidence that the indexed things are arrays, and worth it ------------------

def is_array(ctx, expr) -> bool:
    f = ctx.array_facts(expr)
    return f.rank is not None and f.rank >= 1 and f.lib in ("numpy", "torch")


def trip_count_small(ctx, level: Level) -> bool:
    """A literal (or known constant) trip count below MIN_TRIPS: not worth a finding."""
    if level.iterated is not None:
        f = ctx.array_facts(level.iterated)
        return bool(f.shape) and isinstance(f.shape[0], int) and f.shape[0] < MIN_TRIPS
    n = int_value(ctx, level.bound)
    if n is not None:
        return n < MIN_TRIPS
    dim = dimension_of(ctx, level.bound)
    if dim is not None:
        f = ctx.array_facts(dim[0])
        if f.shape and dim[1] < len(f.shape) and isinstance(f.shape[dim[1]], int):
            return f.shape[dim[1]] < MIN_TRIPS
    return False


def same_expr(ctx, a, b) -> bool:
    """Same expression, whether loaded or stored (``C[i, j] = C[i, j] + ...``)."""
    if a is None or b is None:
        return False
    return same_structure(a, b, ignore_ctx=True)


def base_is_array(ctx, op: Operand, levels: list[Level]) -> bool:
    """Evidence that an indexed base is an array, not a list of differently-shaped things."""
    if op.base is None:
        return True
    if is_array(ctx, op.base) or op.tuple_index:
        return True
    for lv in levels:
        dim = dimension_of(ctx, lv.bound)
        if dim is not None and dim[2] and same_expr(ctx, dim[0], op.base):
            return True
    return False


def operand_not_scalar(ctx, op: Operand) -> bool:
    if op.base is not None:
        return True
    f = ctx.array_facts(op.expr)
    return f.rank is None or f.rank >= 1


# -- scalar loops over a product of several factors (``a[i, j] += p[t, i] * A[i, j] * q[j, t + 1]``) --

def _factors(expr, out: list) -> bool:
    """Flatten a chain of ``*`` and ``/`` into its factors (a divisor is a factor too)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Div)):
        return _factors(expr.left, out) and _factors(expr.right, out)
    out.append(expr)
    return True


def match_factors(ctx, levels: list[Level], expr, k: str, guard=None) -> Match | None:
    """``s += f1 * f2 * ...`` summed over level ``k``: each factor a function of at most one output
    variable and ``k`` (indices may be offset, ``t + 1``, or gathered, ``B[j, x[t]]``); two factors
    joined through ``k`` make one matrix (or matrix-vector) product, the others scale it."""
    factors: list = []
    _factors(expr, factors)
    if guard is not None:
        factors.append(guard)
    if len(factors) < 2:
        return None
    all_vars = {lv.var for lv in levels}
    out_vars = all_vars - {k}
    if k not in all_vars or not 1 <= len(out_vars) <= 2:
        return None
    from blaslint.analysis.flow import loop_region_mutations
    mutated = loop_region_mutations(ctx, levels[0].node) - all_vars
    with_k, k_only, sides = 0, 0, {v: False for v in out_vars}
    for f in factors:
        used = _names(f)
        if used & mutated or any(isinstance(n, (ast.Call, ast.Lambda, ast.NamedExpr)) for n in ast.walk(f)
                                 if f is not guard):
            return None
        fv = used & all_vars
        if k in fv:
            if len(fv & out_vars) > 1:
                return None
            with_k += 1
            k_only += not (fv & out_vars)
            for v in fv & out_vars:
                sides[v] = True
    if with_k < 2 or not all(sides.values()):
        return None
    if len(out_vars) == 1 and not k_only:
        return None  # every factor with k also has i: a row sum, not a product
    kind = "matmul" if len(out_vars) == 2 else "matvec"
    return Match(kind, list(levels), Operand(None, (), factors[0]), Operand(None, (), factors[-1]), "nfactor",
                 contracted=k, call=expr)
