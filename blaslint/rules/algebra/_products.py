"""Helpers shared by the algebra rules."""

from __future__ import annotations

import ast

from blaslint.rules._common import product_operands


def _loops_in_scope(ctx, node) -> list:
    from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES, SCOPE_TYPES

    loops = []
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES):
            break
        if isinstance(anc, (*LOOP_TYPES, *COMPREHENSION_TYPES)):
            loops.append(anc)
    return loops


# -- shared by BL402-BL405 -------------------------------------------------------

MATMUL_PREC = 12  # `@`, `*`: same precedence, left-associative


def _rank(ctx, expr) -> int | None:
    return ctx.array_facts(expr).rank


def _is_product(ctx, node) -> bool:
    return product_operands(ctx, node) is not None


def _is_direct_operand(ctx, node) -> bool:
    """Is ``node`` one of the two factors of the product it sits in (``A @ B``, ``np.dot``, ``A.dot``)?"""
    par = ctx.parent(node)
    if isinstance(par, ast.Attribute) and par.value is node and isinstance(ctx.parent(par), ast.Call) \
            and ctx.parent(par).func is par:
        par = ctx.parent(par)  # the receiver of `A.dot(B)`
    ops = product_operands(ctx, par) if par is not None else None
    return ops is not None and any(op is node for op in ops)
