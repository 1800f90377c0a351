"""Structural identity of expressions, without recursion.

Rules compare sub-expressions ("is the operand of ``.T`` the other factor?",
"is this the same target as that?") and use a key of an expression's shape as
a dict key. ``ast.dump`` and ``ast.unparse`` recurse once per nesting level and
raise RecursionError on deep but valid code (a 2,000-term ``@`` chain, a long
``.T.T.T`` run); :func:`structure_key` walks with an explicit stack instead.
"""

from __future__ import annotations

import ast

_CLOSE = object()
_CLOSE_LIST = object()


def structure_key(node: ast.AST | None, ignore_ctx: bool = False) -> str:
    """A string equal for two nodes exactly when ``ast.dump`` would be equal.

    Positions are ignored, like ``ast.dump``. With ``ignore_ctx``, a stored and a
    loaded expression (``C[i, j] = C[i, j] + x``) get the same key.
    """
    out: list[str] = []
    stack: list = [node]
    while stack:
        item = stack.pop()
        if item is _CLOSE:
            out.append(")")
        elif item is _CLOSE_LIST:
            out.append("]")
        elif isinstance(item, ast.expr_context):
            out.append("ctx," if ignore_ctx else type(item).__name__ + ",")
        elif isinstance(item, ast.AST):
            out.append(type(item).__name__ + "(")
            stack.append(_CLOSE)
            for name in reversed(item._fields):
                stack.append(getattr(item, name, None))
        elif isinstance(item, list):
            out.append("[")
            stack.append(_CLOSE_LIST)
            stack.extend(reversed(item))
        else:
            out.append(repr(item) + ",")
    return "".join(out)


def same_structure(a: ast.AST | None, b: ast.AST | None, ignore_ctx: bool = False) -> bool:
    """``a`` and ``b`` are the same expression (not the same source position)."""
    if a is None or b is None:
        return a is b
    return structure_key(a, ignore_ctx) == structure_key(b, ignore_ctx)


def untransposed_key(node: ast.AST | None) -> str:
    """:func:`structure_key` of ``node`` without its transposes and conjugations: ``X.T``,
    ``X.conj().T``, ``X.transpose()`` and ``X`` name the same matrix."""
    while True:
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT", "H", "mH"):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args \
                and not node.keywords and node.func.attr in ("transpose", "t", "conj", "conjugate"):
            node = node.func.value
        else:
            return structure_key(node)

