"""Helpers shared by the dtypes rules."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import Facts
from blaslint.rules._common import has_star_args, product_operands


EXTRA_PRODUCTS = {"numpy.tensordot", "numpy.inner"}


def product_pair(ctx, node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """Operands of ``a @ b``, ``np.dot``, ``np.matmul``, ``a.dot(b)``, ``np.tensordot``, ``np.inner``."""
    ops = product_operands(ctx, node)
    if ops is not None:
        return ops
    if isinstance(node, ast.Call) and not has_star_args(node) and len(node.args) >= 2 \
            and ctx.resolve_call(node) in EXTRA_PRODUCTS:
        return node.args[0], node.args[1]
    return None


def _is_operator(node) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)


def _rank_ok(f: Facts, operator: bool) -> bool:
    """An operand of a real product: known rank >= 1, or unknown rank under ``@`` (>= 1 by definition)."""
    return (f.rank is not None and f.rank >= 1) or (f.rank is None and operator)
