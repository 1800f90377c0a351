"""The number a constant expression denotes, for rules and fact modules alike."""

from __future__ import annotations

import ast

from blaslint.analysis.facts import dtype_name


def numeric_value(ctx, node: ast.AST):
    """The number a constant expression denotes (``0``, ``0.0``, ``T(0.0)``, ``np.float32(0)``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = numeric_value(ctx, node.operand)
        return -v if v is not None else None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        if dtype_name(ctx, node.func) is not None:
            return numeric_value(ctx, node.args[0])
    return None
