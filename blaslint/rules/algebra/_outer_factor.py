"""BL404, continued: a product with an explicit outer product, ``M @ np.outer(u, v)``.

``np.outer(u, v)`` is the chain ``u[:, None] @ v[None, :]`` written as one
call: multiplying it by ``M`` forms an n x m rank-one matrix and spends
p*n*m multiply-adds on it, where ``np.outer(M @ u, v)`` needs p*n + p*m.
NumPy cannot see through the call, so the order is the writer's.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from blaslint.analysis import cost as cost_model
from blaslint.rules._common import POSTFIX, facts_note, paren, product_operands
from blaslint.rules.algebra._products import chain_factors

OUTER_FUNCS = ("numpy.outer", "torch.outer", "torch.ger")


class OuterFactor(NamedTuple):
    other: ast.AST        # the factor that multiplies the outer product (the first/last of them in a multi_dot)
    outer: ast.Call       # the ``np.outer(u, v)`` call
    side: str             # "right": ``M @ outer``; "left": ``outer @ M``
    binding: object       # a name bound once to the outer product (no fix then), or None
    chain: tuple = ()     # ``multi_dot([A, B, np.outer(u, v)])``: the other factors, in order


def _outer_call(ctx, node):
    """(the outer call, the binding followed or None) when ``node`` is ``np.outer(u, v)`` or a name bound once to it."""
    def is_outer(n):
        return isinstance(n, ast.Call) and len(n.args) == 2 and not n.keywords \
            and not any(isinstance(a, ast.Starred) for a in n.args) and ctx.resolve_call(n) in OUTER_FUNCS
    if is_outer(node):
        return node, None
    binding = _stable_binding(ctx, node, is_outer)
    return (binding.value, binding) if binding is not None else (None, None)


def _stable_binding(ctx, name, is_outer):
    """``P = np.outer(u, v)``, then a product with ``P`` (used there only, or kept for another use as in
    ``P - U @ U.T @ P``: the product still costs p*n*m). The rewrite reads ``u`` and ``v`` where the
    product is, so they must read the same there: the binding sits in the same statement list, before
    it, and nothing in between assigns a name they read."""
    if not isinstance(name, ast.Name):
        return None
    binding = ctx.reaching_binding(name)
    if binding is None or binding.kind != "assign" or not is_outer(binding.value):
        return None
    stmt, use = binding.stmt, ctx.statement_of(name)
    parent = ctx.parent(stmt)
    body = next((b for b in (getattr(parent, f, None) for f in ("body", "orelse", "finalbody"))
                 if isinstance(b, list) and stmt in b and use in b), None)
    if body is None or body.index(use) <= body.index(stmt):
        return None
    read = {n.id for a in binding.value.args for n in ast.walk(a) if isinstance(n, ast.Name)}
    for between in body[body.index(stmt) + 1:body.index(use)]:
        if any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in read for n in ast.walk(between)):
            return None
    return binding


def outer_factor(ctx, product) -> OuterFactor | None:
    """The outer-product factor of ``product`` (one side only; both sides: the left one)."""
    ops = product_operands(ctx, product)
    if ops is None:
        elts = chain_factors(ctx, product)
        if elts is None or len(elts) < 3:
            return None if elts is None else _two(ctx, product, elts)
        for side, mine, rest in (("right", elts[-1], elts[:-1]), ("left", elts[0], elts[1:])):
            outer, binding = _outer_call(ctx, mine)
            if outer is not None:
                return OuterFactor(rest[-1] if side == "right" else rest[0], outer, side, binding, tuple(rest))
        return None
    left, right = ops
    for side, mine, other in (("right", right, left), ("left", left, right)):
        outer, binding = _outer_call(ctx, mine)
        if outer is None:
            continue
        if _scalar(ctx, other):
            return None  # `np.dot(c, np.outer(u, v))` with a scalar `c` only scales it
        if isinstance(product, ast.Call) and ctx.array_facts(other).rank is None and _scalar_named(ctx, other):
            return None
        return OuterFactor(other, outer, side, binding)
    return None


def _two(ctx, product, elts) -> OuterFactor | None:
    """``multi_dot([M, np.outer(u, v)])``: one product of two factors."""
    for side, mine, other in (("right", elts[1], elts[0]), ("left", elts[0], elts[1])):
        outer, binding = _outer_call(ctx, mine)
        if outer is not None:
            return OuterFactor(other, outer, side, binding, (other,))
    return None


def _scalar(ctx, node) -> bool:
    """A number: a literal, or facts of rank 0 (``@`` raises on one; ``np.dot`` scales by it)."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) or ctx.array_facts(node).rank == 0


_SCALAR_NAMES = ("alpha", "beta", "gamma", "c", "lr", "eta", "scale", "coef", "factor", "weight", "w", "t", "s")


def _scalar_named(ctx, node) -> bool:
    """``np.dot(alpha, np.outer(u, v))``: a factor of unknown rank named as a coefficient scales it."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    return name is not None and name.lower().rstrip("_0123456789") in _SCALAR_NAMES


def rewrite(ctx, product, found: OuterFactor) -> tuple[str, str]:
    """(the cheaper expression as text, how the product is spelled there) for the message and the fix."""
    u, v = found.outer.args
    M = found.other
    func = ctx.text(found.outer.func)
    if found.chain:  # multi_dot: the other factors and the vector, in the cheapest order multi_dot picks
        parts = [ctx.text(e) for e in found.chain]
        parts = [*parts, ctx.text(u)] if found.side == "right" else [ctx.text(v), *parts]
        inner = f"{ctx.text(product.func)}([{', '.join(parts)}])" if len(parts) > 2 else \
            f"{paren(ctx, found.chain[0], 12)} @ {paren(ctx, u, 13)}" if found.side == "right" else \
            f"{paren(ctx, v, 12)} @ {paren(ctx, found.chain[0], 13)}"
    elif isinstance(product, ast.BinOp):
        inner = f"{paren(ctx, M, 12)} @ {paren(ctx, u, 13)}" if found.side == "right" \
            else f"{paren(ctx, v, 12)} @ {paren(ctx, M, 13)}"
    elif isinstance(product.func, ast.Attribute) and product.func.attr in ("dot", "matmul", "mm") \
            and ctx.resolve_call(product) is None:
        meth = product.func.attr
        inner = f"{paren(ctx, M, POSTFIX)}.{meth}({ctx.text(u)})" if found.side == "right" \
            else f"{paren(ctx, v, POSTFIX)}.{meth}({ctx.text(M)})"
    else:
        f = ctx.text(product.func)
        inner = f"{f}({ctx.text(M)}, {ctx.text(u)})" if found.side == "right" \
            else f"{f}({ctx.text(v)}, {ctx.text(M)})"
    new = f"{func}({inner}, {ctx.text(v)})" if found.side == "right" else f"{func}({ctx.text(u)}, {inner})"
    return new, inner


def fixable(ctx, found: OuterFactor) -> bool:
    """The rewrite is equal when ``M`` is a matrix and ``u``, ``v`` are vectors, all on hard evidence."""
    if found.binding is not None or len(found.chain) > 1:
        return False  # a multi_dot of three or more: reported, the rewrite left to the reader
    fm = ctx.array_facts(found.other)
    fu, fv = (ctx.array_facts(a) for a in found.outer.args)
    return fm.rank == 2 and fu.rank == 1 and fv.rank == 1 and not (fm.soft or fu.soft or fv.soft) \
        and len({f.lib for f in (fm, fu, fv)} - {None}) <= 1


def _short(ctx, node, limit: int = 30) -> str:
    text = " ".join(ctx.text(node).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def message(ctx, product, found: OuterFactor, new: str) -> str:
    u, v = found.outer.args
    M = found.other
    many = len(found.chain) > 1
    named = " ".join(ctx.text(M).split())
    m = "the other factors" if many else f"`{named}`" if len(named) <= 30 else "the other factor"
    rank = 2 if many else ctx.array_facts(M).rank
    via = f" (bound to `{found.binding.name}`)" if found.binding is not None else ""
    when = ""
    if rank == 1:
        new = (f"({ctx.text(M)} @ {paren(ctx, u, 13)}) * {paren(ctx, v, 13)}" if found.side == "right"
               else f"{paren(ctx, u, 12)} * ({ctx.text(v)} @ {paren(ctx, M, 13)})")
    elif rank is None and found.chain:
        when = f" when {m} is a matrix"  # multi_dot takes no stacks
    elif rank is None:
        stacked = (f"({paren(ctx, M, 12)} @ {paren(ctx, u, 13)})[..., None] * {paren(ctx, v, 13)}"
                   if found.side == "right"
                   else f"{paren(ctx, u, POSTFIX)}[:, None] * ({paren(ctx, v, 12)} @ {paren(ctx, M, 13)})[..., None, :]")
        when = f" when {m} is a matrix (`{stacked}` for a stack of them)"
    return (f"`{_short(ctx, found.outer, 40)}`{via} is a rank-one matrix: multiplying it by {m} costs a full "
            f"matrix product (p*n*m); `{' '.join(new.split())}`{when} multiplies by a vector first (p*n + p*m; "
            f"NumPy never looks inside the call){facts_note(ctx, [M, u, v])}")


def cost(ctx, product, found: OuterFactor):
    u, v = found.outer.args
    return cost_model.outer_factor(ctx, product, ctx.array_facts(found.other), ctx.array_facts(u),
                                   ctx.array_facts(v), found.side)


__all__ = ["OUTER_FUNCS", "OuterFactor", "cost", "fixable", "message", "outer_factor", "rewrite"]
