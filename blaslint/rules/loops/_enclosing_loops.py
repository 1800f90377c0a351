"""Helpers shared by the loops rules."""

from __future__ import annotations

import ast

from blaslint.analysis.scopes import COMPREHENSION_TYPES, LOOP_TYPES, SCOPE_TYPES


# Nodes between a node and its loop that make it run only sometimes.
_CONDITIONAL = (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler, ast.match_case) \
    if hasattr(ast, "match_case") else (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler)


def loops_around(ctx, node: ast.AST) -> list[ast.AST]:
    """Loops (for/while/comprehension) around ``node`` in its scope, innermost first.

    Stops at a conditional (``if``, ``and``/``or``, ``x if c else y``, an
    ``except``): what it guards may run only once.
    """
    out = []
    child = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES) or isinstance(anc, _CONDITIONAL):
            break
        if isinstance(anc, (ast.For, ast.AsyncFor)) and child is not anc.iter and child not in anc.orelse:
            out.append(anc)
        elif isinstance(anc, ast.While) and child not in anc.orelse and child is not anc.test:
            out.append(anc)
        elif isinstance(anc, COMPREHENSION_TYPES) and child is not anc.generators[0].iter:
            out.append(anc)
        elif isinstance(anc, ast.comprehension) and child in anc.ifs:
            break
        child = anc
    return out


def _loop_line(loop: ast.AST, line_ref=lambda n: f"line {n}") -> str:
    kind = {ast.While: "`while` loop"}.get(type(loop), "loop" if isinstance(loop, LOOP_TYPES) else "comprehension")
    return f"the {kind} at {line_ref(loop.lineno)}"
