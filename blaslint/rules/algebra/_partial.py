"""Facts BL403 needs: which expressions are products, is the unused part proven non-empty, min ranks."""

from __future__ import annotations

import ast
import re

from blaslint.analysis.scopes import LOOP_TYPES
from blaslint.rules.algebra._diagonal import numpy_name, rank_of
from blaslint.rules.algebra._products import chain_factors, product_pair

TRACE_SPECS = {"ii", "ii->", "...ii", "...ii->...", "ii...->..."}
DIAGONAL_SPECS = {"ii->i", "...ii->...i"}


def product_factors(ctx, expr) -> tuple[ast.AST, ast.AST | None, ast.AST] | None:
    """(first factor, second factor or None for an n-ary chain, the product node) when ``expr`` is a
    product in any spelling, possibly scaled elementwise (``P / n``, ``2 * P``, ``w * P``): the
    diagonal or an entry of an elementwise product needs only that part of ``P``."""
    node = expr
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        hit = product_factors(ctx, node.left)
        if hit is None and isinstance(node.op, ast.Mult):
            hit = product_factors(ctx, node.right)
        return hit
    ops = product_pair(ctx, node)
    if ops is not None:
        return ops[0], ops[1], node
    factors = chain_factors(ctx, node)
    if factors is not None:
        return factors[0], None if len(factors) > 2 else factors[1], node
    if einsum_matmul(ctx, node):
        return node.args[1], node.args[2], node
    if isinstance(node, ast.Call) and numpy_name(ctx.resolve_call(node)) == "numpy.linalg.matrix_power" \
            and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, int) and node.args[1].value >= 2:
        return node.args[0], None, node
    return None


def sum_of_products(ctx, expr) -> list | None:
    """The products of ``A @ B + C @ D - ...`` (every term a product): a trace is linear."""
    terms = []

    def walk(n):
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
            return walk(n.left) and walk(n.right)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return walk(n.operand)
        hit = product_factors(ctx, n)
        if hit is None:
            return False
        terms.append(hit)
        return True
    return terms if walk(expr) and len(terms) >= 2 else None


_EINSUM_MATMUL = re.compile(r"^(\.\.\.)?([a-z])([a-z]),(\.\.\.)?([a-z])([a-z])->(\.\.\.)?([a-z])([a-z])$")


def einsum_matmul(ctx, call) -> bool:
    """``einsum('...ij,...jk->...ik', a, b)``: a (batched) matrix product spelled as an einsum."""
    if not isinstance(call, ast.Call) or len(call.args) != 3 or call.keywords:
        return False
    q = ctx.resolve_call(call)
    spec = call.args[0]
    if not q or not q.endswith(".einsum") or not isinstance(spec, ast.Constant) or not isinstance(spec.value, str):
        return False
    m = _EINSUM_MATMUL.match(spec.value.replace(" ", ""))
    if m is None:
        return False
    e1, i, j, e2, j2, k, e3, i2, k2 = m.groups()
    return j == j2 and i == i2 and k == k2 and len({i, j, k}) == 3 and (e1 == e2 == e3)


def einsum_part(ctx, call: ast.Call) -> str | None:
    """"trace" / "diagonal" for ``np.einsum('...ii', P)`` / ``einsum('ii->i', P)`` on one operand."""
    q = ctx.resolve_call(call)
    if not q or not q.endswith(".einsum") or len(call.args) != 2 or call.keywords:
        return None
    spec = call.args[0]
    if not isinstance(spec, ast.Constant) or not isinstance(spec.value, str):
        return None
    s = spec.value.replace(" ", "")
    return "trace" if s in TRACE_SPECS else "diagonal" if s in DIAGONAL_SPECS else None


def proven_wider(ctx, node, dim, index) -> bool:
    """Is the indexed axis proven to have 2+ entries (so the parts not indexed are not empty)?

    A literal size >= 2; a literal index other than 0 / -1 (``[3]`` needs 4 entries); a
    loop variable of an enclosing ``for i in range(...)`` (the loop reads several entries).
    """
    if isinstance(dim, int) and dim >= 2:
        return True
    k = _int_literal(index)
    if k is not None:
        return k >= 1 or k <= -2
    if isinstance(index, ast.Name):
        for anc in ctx.ancestors(node):
            if isinstance(anc, LOOP_TYPES) and isinstance(anc, ast.For) and isinstance(anc.target, ast.Name) \
                    and anc.target.id == index.id and isinstance(anc.iter, ast.Call) \
                    and isinstance(anc.iter.func, ast.Name) and anc.iter.func.id == "range":
                return True
    return False


def min_rank(ctx, expr, depth: int = 0) -> int:
    """A lower bound of ``expr``'s rank (0 when nothing is known): ``t[:, 0, :]`` of an unknown
    ``t`` is at least 2-D (three indices, one an integer); elementwise results keep the larger one."""
    r = rank_of(ctx, expr)
    if r is not None:
        return r
    if depth > 6:
        return 0
    if isinstance(expr, ast.Subscript):
        idx = expr.slice
        items = idx.elts if isinstance(idx, ast.Tuple) else [idx]
        if any(isinstance(i, ast.Constant) and i.value in (None, Ellipsis) for i in items):
            return 0
        ints = sum(1 for i in items if _int_literal(i) is not None or isinstance(i, ast.Name) and
                   ctx.array_facts(i).rank == 0)
        slices = sum(1 for i in items if isinstance(i, ast.Slice))
        if ints + slices == len(items):  # plain indexing: rank = rank(base) - ints >= len(items) - ints
            return max(len(items), min_rank(ctx, expr.value, depth + 1)) - ints
        if len(items) == 1:  # a mask or an index array on the first axis keeps the rest
            return min_rank(ctx, expr.value, depth + 1)
        return 0
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT", "real", "imag"):
        return min_rank(ctx, expr.value, depth + 1)
    if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
        return max(min_rank(ctx, expr.left, depth + 1), min_rank(ctx, expr.right, depth + 1))
    pair = product_pair(ctx, expr)
    if pair is not None:  # `@`/`dot` of two operands of rank >= 2 keeps rank >= 2 (a + b - 2)
        return 2 if min(min_rank(ctx, pair[0], depth + 1), min_rank(ctx, pair[1], depth + 1)) >= 2 else 0
    if isinstance(expr, ast.UnaryOp):
        return min_rank(ctx, expr.operand, depth + 1)
    if isinstance(expr, ast.Call) and numpy_name(ctx.resolve_call(expr)) == "numpy.cross" and len(expr.args) == 2:
        return max(min_rank(ctx, a, depth + 1) for a in expr.args)
    if isinstance(expr, ast.Name):
        bound = ctx.array_facts(expr).min_rank or 0  # usage: `np.linalg.norm(X, axis=1)`, `X[:, 0]`
        b = ctx.reaching_binding(expr)
        if b is not None and b.kind == "assign" and b.value is not None and isinstance(b.stmt, ast.Assign) \
                and len(b.stmt.targets) == 1 and b.stmt.targets[0] is b.node:
            return max(bound, min_rank(ctx, b.value, depth + 1))
        return bound
    return 0


def _int_literal(node) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        k = _int_literal(node.operand)
        return -k if k is not None else None
    return None


def _scalar(ctx, e) -> bool:
    if isinstance(e, ast.UnaryOp):
        e = e.operand
    return isinstance(e, ast.Constant) and isinstance(e.value, (int, float, complex)) \
        and not isinstance(e.value, bool) or ctx.array_facts(e).rank == 0
