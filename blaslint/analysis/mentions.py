"""Find the nodes that spell a name without walking the whole file.

The text is searched first; only the statements whose lines mention the name
are walked (descending into compound statements only where they do), so a
question about one attribute or one helper costs what its mentions cost.
"""

from __future__ import annotations

import ast
import re

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def mention_lines(ctx, name: str, limit: int | None = None) -> list[int] | None:
    """Lines (1-based) of every whole-word mention of ``name`` (None past ``limit`` mentions)."""
    cache = ctx.__dict__.setdefault("_bl_mentions", {})
    if name in cache:
        lines = cache[name]
    else:
        text = ctx.source.text
        starts = ctx.__dict__.get("_bl_line_starts")
        if starts is None:
            starts = ctx.__dict__["_bl_line_starts"] = [0] + [m.end() for m in re.finditer("\n", text)]
        from bisect import bisect_right

        lines = cache[name] = [bisect_right(starts, m.start()) for m in re.finditer(rf"\b{re.escape(name)}\b", text)]
    if limit is not None and len(lines) > limit:
        return None
    return lines


def nodes_spelling(ctx, name: str, stmts, lines) -> list[ast.AST]:
    """Name/Attribute/def/arg nodes spelling ``name`` in the statements covering ``lines``."""
    wanted = set(lines)
    out: list = []
    _collect(stmts, name, wanted, out)
    return out


def _covers(node, wanted) -> bool:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    end = getattr(node, "end_lineno", node.lineno) or node.lineno
    return any(first <= ln <= end for ln in wanted)


def _collect(stmts, name, wanted, out) -> None:
    for stmt in stmts:
        if not hasattr(stmt, "lineno") or not _covers(stmt, wanted):
            continue
        if isinstance(stmt, _DEFS) and stmt.name == name:
            out.append(stmt)
        for field, value in ast.iter_fields(stmt):
            if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler,
                                                                          getattr(ast, "match_case", ast.stmt))):
                _collect(value, name, wanted, out)
            elif isinstance(value, list):
                for v in value:
                    if isinstance(v, ast.AST):
                        _walk(v, name, out)
            elif isinstance(value, ast.AST):
                _walk(value, name, out)


def _walk(node, name, out) -> None:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == name or isinstance(n, ast.Attribute) and n.attr == name \
                or isinstance(n, ast.arg) and n.arg == name:
            out.append(n)


__all__ = ["mention_lines", "nodes_spelling"]
