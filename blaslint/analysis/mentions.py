"""Find the nodes that spell a name without walking the whole file.

The text is searched first; only the statements whose lines mention the name
are walked (descending into compound statements only where they do), so a
question about one attribute or one helper costs what its mentions cost.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from itertools import islice

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def mention_lines(ctx, name: str, limit: int | None = None) -> list[int] | None:
    """Lines (1-based) of every whole-word mention of ``name`` (None past ``limit`` mentions, or past
    :data:`MAX_MENTIONS` in any case)."""
    cache = ctx.__dict__.setdefault("_bl_mentions", {})
    if name in cache:
        lines = cache[name]
    else:
        text = ctx.source.text
        starts = ctx.__dict__.get("_bl_line_starts")
        if starts is None:
            starts = ctx.__dict__["_bl_line_starts"] = [0] + [m.end() for m in re.finditer("\n", text)]
        index = _word_index(ctx, text) if _WORD.fullmatch(name) else None
        if index is not None:
            positions = index.get(name, ())
        else:  # past MAX_MENTIONS the name is too common for any question asked of it: stop counting
            positions = [m.start() for m in islice(re.finditer(rf"\b{re.escape(name)}\b", text), MAX_MENTIONS + 1)]
        lines = cache[name] = [bisect_right(starts, p) for p in positions]
    if len(lines) > MAX_MENTIONS or limit is not None and len(lines) > limit:
        return None
    return lines


MAX_MENTIONS = 400
INDEX_AFTER = 8      # questions about a file's names after which one pass indexes every word of it
_WORD = re.compile(r"\w+")


def _word_index(ctx, text: str) -> dict | None:
    """{word: its first MAX_MENTIONS + 1 offsets}, built once a file has been asked about more than
    :data:`INDEX_AFTER` names (one pass instead of one regex scan per name: 40 names of a 20 MB
    generated module cost 2.4 s of scans). A maximal run of word characters equal to the name is
    exactly a ``\bname\b`` match."""
    index = ctx.__dict__.get("_bl_word_index")
    if index is not None:
        return index
    asked = ctx.__dict__["_bl_mention_questions"] = ctx.__dict__.get("_bl_mention_questions", 0) + 1
    if asked <= INDEX_AFTER:
        return None
    index = {}
    for m in _WORD.finditer(text):
        found = index.get(m.group())
        if found is None:
            index[m.group()] = [m.start()]
        elif len(found) <= MAX_MENTIONS:
            found.append(m.start())
    ctx.__dict__["_bl_word_index"] = index
    return index


def nodes_spelling(ctx, name: str, stmts, lines) -> list[ast.AST]:
    """Name/Attribute/def/arg nodes spelling ``name`` in the statements covering ``lines``."""
    wanted = sorted(set(lines))
    out: list = []
    starts = ctx.__dict__.setdefault("_bl_stmt_starts", {})
    _collect(stmts, name, wanted, out, starts)
    return out


def _first_line(node) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _covering(stmts, wanted, starts):
    """The statements of a block (sorted by line) that cover any of ``wanted`` (sorted lines)."""
    if not all(hasattr(s, "lineno") for s in stmts):
        return list(stmts)  # match cases carry no positions of their own
    key = id(stmts)
    firsts = starts.get(key)
    if firsts is None:
        firsts = starts[key] = [_first_line(s) for s in stmts]
    picked = []
    for ln in wanted:
        i = bisect_right(firsts, ln) - 1
        if i >= 0 and (not picked or picked[-1] != i):
            stmt = stmts[i]
            end = getattr(stmt, "end_lineno", None) or stmt.lineno
            if ln <= end:
                picked.append(i)
    return [stmts[i] for i in picked]


def _collect(stmts, name, wanted, out, starts) -> None:
    for stmt in _covering(stmts, wanted, starts):
        if isinstance(stmt, _DEFS) and stmt.name == name:
            out.append(stmt)
        for field, value in ast.iter_fields(stmt):
            if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler,
                                                                          getattr(ast, "match_case", ast.stmt))):
                _collect(value, name, wanted, out, starts)
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
