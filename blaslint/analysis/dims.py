"""Comparing dimensions as ``Facts.shape`` holds them: ints, or source strings of symbolic sizes.

A module of its own so that shape arithmetic (``broadcasting``) and the facts that use it share it
without importing each other.
"""

from __future__ import annotations

import ast


def is_new_axis(node) -> bool:
    """An index item that inserts an axis: ``None``, ``np.newaxis`` (any module's), a bare ``newaxis``."""
    return (isinstance(node, ast.Constant) and node.value is None
            or isinstance(node, ast.Attribute) and node.attr == "newaxis"
            or isinstance(node, ast.Name) and node.id == "newaxis")


def same_dim(d1, d2) -> bool:
    """Are two dims (ints or source strings, as in ``Facts.shape``) provably equal?

    ``512 * 512`` equals ``262144``; ``n`` equals ``n``; anything else is unsure.
    """
    if d1 is None or d2 is None:
        return False
    n1, n2 = _dim_key(d1), _dim_key(d2)
    return n1 is not None and n1 == n2


def _dim_key(d):
    """An int for a constant dim (``512 * 512``), else a normalised dump of its expression."""
    if isinstance(d, int):
        return d
    try:
        tree = ast.parse(str(d).strip(), mode="eval").body
    except SyntaxError:
        return None
    value = _fold_int(tree)
    return value if value is not None else ast.dump(tree)


def _fold_int(node) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Pow)):
        left, right = _fold_int(node.left), _fold_int(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv):
            return left // right if right else None
        return left ** right if 0 <= right <= 64 else None
    return None
