"""BL504 outer-product-accumulation: which statements add one rank-1 update per iteration.

A loop ``S += w_i * np.outer(u_i, v_i)`` sums rank-1 matrices; stacked, the
``u_i`` and ``v_i`` are the rows of two matrices ``U``, ``V`` and the sum is one
GEMM ``(U * w[:, None]).T @ V``. The vocabulary here: a *rank-1 term* (an outer
product spelled ``np.outer``, ``np.multiply.outer``, ``torch.outer``,
``u[:, None] * v[None, :]`` or ``c @ c.T`` on column vectors), found inside the
increment through sums, scalings and names bound in the loop; an
*accumulation* (``S += e``, ``S = S + e``) whose target the loop never reads
elsewhere (a running sum read inside the loop, as in a risk-set recursion, is
not one GEMM).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis.dims import is_full_slice, is_new_axis
from blaslint.analysis.flow import loop_region_mutations
from blaslint.analysis.structure import same_structure
from blaslint.rules.vectorize import _loopdots as ld

OUTER_FUNCS = {"numpy.outer", "numpy.multiply.outer", "torch.outer", "torch.ger"}
PRODUCT_FUNCS = {"numpy.dot", "numpy.matmul", "torch.matmul", "torch.mm"}
LOOPS = (ast.For, ast.AsyncFor)


@dataclass
class Term:
    node: ast.AST          # the rank-1 expression
    u: ast.AST             # its left vector
    v: ast.AST             # its right vector
    weights: list          # scalar factors applied to it on the way up (``w_i * outer``)
    spelled: str           # "np.outer", "broadcast", "column product"


def names(node) -> set:
    return ld._names(node)


def enclosing_loop(ctx, node):
    """The innermost ``for`` loop around ``node`` in the same function."""
    for anc in ctx.ancestors(node):
        if isinstance(anc, LOOPS):
            return anc
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
    return None


def loop_chain(ctx, node):
    """The ``for`` loops around ``node``, innermost first (same function)."""
    out = []
    for anc in ctx.ancestors(node):
        if isinstance(anc, LOOPS):
            out.append(anc)
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            break
    return out


def accumulation(ctx, stmt):
    """(target, increment) of ``T += e`` / ``T = T + e`` / ``T = e + T``."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
        return stmt.target, stmt.value
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.BinOp) \
            and isinstance(stmt.value.op, ast.Add):
        t = stmt.targets[0]
        if same_structure(stmt.value.left, t, ignore_ctx=True):
            return t, stmt.value.right
        if same_structure(stmt.value.right, t, ignore_ctx=True):
            return t, stmt.value.left
    return None


_none_index = is_new_axis


def _expanded(node, axis: int):
    """``u`` of ``u[:, None]`` (axis 1) / ``u[None, :]`` (axis 0)."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple) or len(node.slice.elts) != 2:
        return None
    a, b = node.slice.elts
    if axis == 1 and is_full_slice(a) and _none_index(b):
        return node.value
    if axis == 0 and _none_index(a) and is_full_slice(b):
        return node.value
    return None


def _transposed(node):
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return node.value
    return None


def _numpy_through_attribute(func, attr: str) -> bool:
    """``g.np.outer``: numpy reached through a module attribute (test helpers do this)."""
    return isinstance(func, ast.Attribute) and func.attr == attr and isinstance(func.value, ast.Attribute) \
        and func.value.attr in ("np", "numpy")


def is_column(ctx, expr, loop, depth: int = 0) -> bool:
    """A (d, 1) column: ``x.reshape(d, 1)``, ``x.reshape(-1, 1)``, ``x[:, None]``, a difference of
    columns, or a name bound to one in the loop (also by tuple assignment)."""
    if depth > 4:
        return False
    f = ctx.array_facts(expr)
    if f.rank == 2 and f.shape and len(f.shape) == 2 and f.shape[1] == 1:
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "reshape" \
            and len(expr.args) == 2 and isinstance(expr.args[1], ast.Constant) and expr.args[1].value == 1:
        return True
    if _expanded(expr, 1) is not None:
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return is_column(ctx, expr.left, loop, depth + 1) and is_column(ctx, expr.right, loop, depth + 1)
    if isinstance(expr, ast.Name) and loop is not None:
        values = _bindings_in(loop, expr.id)
        return bool(values) and all(v is not None and is_column(ctx, v, loop, depth + 1) for v in values)
    return False


def _bindings_in(region, name: str) -> list:
    """Values bound to ``name`` in ``region`` (None for a binding whose value is unknown)."""
    out = []
    for node in ast.walk(region):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == name:
                    out.append(node.value)
                elif isinstance(t, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == name for e in t.elts):
                    if isinstance(node.value, ast.Tuple) and len(node.value.elts) == len(t.elts):
                        i = next(k for k, e in enumerate(t.elts) if isinstance(e, ast.Name) and e.id == name)
                        out.append(node.value.elts[i])
                    else:
                        out.append(None)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name) \
                and node.target.id == name:
            out.append(None)
        elif isinstance(node, (ast.For, ast.comprehension)) and name in names(node.target):
            out.append(None)
    return out


def rank1(ctx, expr, loop):
    """(u, v, spelling) when ``expr`` is an outer product."""
    if isinstance(expr, ast.Call) and len(expr.args) == 2 and not expr.keywords \
            and (ctx.resolve_call(expr) in OUTER_FUNCS or _numpy_through_attribute(expr.func, "outer")):
        return expr.args[0], expr.args[1], "np.outer"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        u, v = _expanded(expr.left, 1), _expanded(expr.right, 0)
        if v is None and u is not None and ctx.array_facts(expr.right).rank == 1:
            v = expr.right  # `u[:, None] * v` with v known 1-D broadcasts as a row: the same outer product
        if u is not None and v is not None:
            return u, v, "broadcast"
    pair = None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.MatMult):
        pair = expr.left, expr.right
    elif isinstance(expr, ast.Call) and not expr.keywords:
        if len(expr.args) == 2 and ctx.resolve_call(expr) in PRODUCT_FUNCS:
            pair = expr.args[0], expr.args[1]
        elif len(expr.args) == 1 and isinstance(expr.func, ast.Attribute) and expr.func.attr == "dot" \
                and ctx.resolve(expr.func) is None:
            pair = expr.func.value, expr.args[0]
    if pair is not None:
        left, right = pair
        rt = _transposed(right)
        if rt is not None and is_column(ctx, left, loop) and is_column(ctx, rt, loop):
            return left, rt, "column product"
    return None


def terms(ctx, expr, loop, weights=(), depth: int = 0) -> list[Term]:
    """Rank-1 terms inside an increment: through ``+``/``-``, scalar ``*``/``/``, unary minus and
    names bound once in ``loop`` (``obsobsT = np.outer(o, o)``)."""
    if depth > 6:
        return []
    r = rank1(ctx, expr, loop)
    if r is not None:
        return [Term(expr, r[0], r[1], list(weights), r[2])]
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return terms(ctx, expr.operand, loop, weights, depth + 1)
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, (ast.Add, ast.Sub)):
            return terms(ctx, expr.left, loop, weights, depth + 1) + terms(ctx, expr.right, loop, weights, depth + 1)
        if isinstance(expr.op, ast.Mult):
            out = []
            for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
                if not _matrix_valued(ctx, other):
                    out += terms(ctx, side, loop, [*weights, other], depth + 1)
            return out
        if isinstance(expr.op, ast.Div) and not _matrix_valued(ctx, expr.right):
            return terms(ctx, expr.left, loop, weights, depth + 1)
    if isinstance(expr, ast.Name) and loop is not None:
        values = _bindings_in(loop, expr.id)
        if len(values) == 1 and values[0] is not None:
            return terms(ctx, values[0], loop, weights, depth + 1)
    return []


def _matrix_valued(ctx, expr) -> bool:
    """Known to be 2-D or more (a weight that is a full matrix breaks the rank-1 sum)."""
    f = ctx.array_facts(expr)
    if f.rank is not None:
        return f.rank >= 2
    if isinstance(expr, ast.Subscript):
        items = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        fb = ctx.array_facts(expr.value)
        if fb.rank is not None and all(isinstance(i, (ast.Name, ast.Constant)) for i in items):
            return fb.rank - len(items) >= 2
    return False


def varying_loop(ctx, term: Term, stmt):
    """The innermost loop around ``stmt`` in which the term's vectors change, or None."""
    used = names(term.u) | names(term.v)
    for loop in loop_chain(ctx, stmt):
        if used & loop_region_mutations(ctx, loop):
            return loop
    return None


def reads_elsewhere(ctx, loop, target, stmt) -> bool:
    """Is the accumulator read in ``loop`` outside its own accumulation ``stmt``?"""
    base = target
    while isinstance(base, (ast.Subscript, ast.Attribute)):
        base = base.value
    if not isinstance(base, ast.Name):
        return True
    own = {id(n) for n in ast.walk(stmt)}
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and node.id == base.id and id(node) not in own:
            return True
    # the statement itself may read it on the right (besides `T = T + e`)
    inc = accumulation(ctx, stmt)
    if inc is not None and base.id in names(inc[1]):
        return True
    return False


def target_ok(ctx, loop, target, stmt) -> bool:
    """The slot accumulated is the same in every iteration of ``loop`` (inner loop variables of
    a nest inside ``loop`` may pick it: a batch of accumulators, still GEMMs)."""
    if isinstance(target, ast.Name):
        return True
    if not isinstance(target, (ast.Subscript, ast.Attribute)):
        return False
    inner_targets: set = set()
    for anc in ctx.ancestors(stmt):
        if anc is loop:
            break
        if isinstance(anc, LOOPS):
            inner_targets |= names(anc.target)
    mutated = loop_region_mutations(ctx, loop)
    used = names(target)
    return not ((used - inner_targets) & mutated - {_base_name(target)})


def _base_name(target):
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


# -- the exact rewrite ---------------------------------------------------------------

def row_of(ctx, expr, level, loop):
    """(X, m) when ``expr`` is row ``i`` of ``X`` (``X[i]``, ``X[i, :]``, ``x`` of ``for x in X``),
    minus ``m`` (None when nothing is subtracted)."""
    m = None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub):
        expr, m = expr.left, expr.right
        if names(m) & loop_region_mutations(ctx, loop):
            return None
    if isinstance(expr, ast.Name) and expr.id in level.aliases:
        base, var = level.aliases[expr.id]
        return (base, m) if var == level.var else None
    if isinstance(expr, ast.Subscript):
        items = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if isinstance(items[0], ast.Name) and items[0].id == level.var \
                and all(is_full_slice(i) for i in items[1:]) and len(items) <= 2:
            if names(expr.value) & loop_region_mutations(ctx, loop):
                return None
            return expr.value, m
    return None


def weight_vector(ctx, w, level, loop, text):
    """The text of the vector of per-row weights of ``w`` (``w[i]`` -> ``w``, ``R[n, k]`` ->
    ``R[:, k]``, ``wi`` of ``zip(X, w)`` -> ``w``), or None."""
    mutated = loop_region_mutations(ctx, loop)
    if isinstance(w, ast.Name) and w.id in level.aliases:
        base, var = level.aliases[w.id]
        f = ctx.array_facts(base)
        return text(base) if var == level.var and f.rank == 1 else None
    if not isinstance(w, ast.Subscript) or names(w.value) & mutated:
        return None
    items = w.slice.elts if isinstance(w.slice, ast.Tuple) else [w.slice]
    f = ctx.array_facts(w.value)
    if f.rank != len(items):
        return None
    out, hits = [], 0
    for it in items:
        if isinstance(it, ast.Name) and it.id == level.var:
            out.append(":")
            hits += 1
        elif isinstance(it, (ast.Name, ast.Constant)) and not (names(it) & mutated):
            out.append(text(it))
        else:
            return None
    if hits != 1:
        return None
    if len(out) == 1:
        return text(w.value)
    return f"{text(w.value)}[{', '.join(out)}]"


def two_dimensional(ctx, X) -> bool:
    """``X`` is known 2-D: from its facts or an unpacking ``n, d = X.shape`` in its scope."""
    f = ctx.array_facts(X)
    if f.rank is not None:
        return f.rank == 2 and f.lib in ("numpy", None)
    if f.lib == "torch" or not isinstance(X, ast.Name):
        return False
    for node in ast.walk(ctx.scope_of(X).node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                and len(node.targets[0].elts) == 2 and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "shape" and isinstance(node.value.value, ast.Name) \
                and node.value.value.id == X.id:
            return True
    return False
