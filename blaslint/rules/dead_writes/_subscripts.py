"""The index items of a buffer's writes and reads, as BL201's coverage checks read them.

One place for what the runs of writes (``_covers``), recurrences (``_recurrence``) and block loops
(``_block_loops``) all ask: which statement writes ``x[...]``, which one item of the index is not ``:``,
how far ``v + c`` sits from a loop counter, and every use of ``x`` inside an expression.
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import is_full_slice
from blaslint.rules._common import int_constant
from blaslint.rules.dead_writes._fills import _buffer_path


def subscript_write(ctx, stmt: ast.stmt, path: str) -> ast.Subscript | None:
    """The target of ``x[idx] = expr`` (one target, ``x`` the buffer at ``path``), else None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript) \
            and _buffer_path(ctx, stmt.targets[0].value) == path:
        return stmt.targets[0]
    return None


def index_items(sub: ast.Subscript) -> list:
    return list(sub.slice.elts) if isinstance(sub.slice, ast.Tuple) else [sub.slice]


def one_pick(sub: ast.Subscript):
    """(axis, item) of the one index item that is not ``:`` (no ``...``); (None, None) otherwise."""
    items = index_items(sub)
    picks = [k for k, it in enumerate(items) if not is_full_slice(it)]
    if len(picks) != 1 or any(isinstance(it, ast.Constant) and it.value is Ellipsis for it in items):
        return None, None
    return picks[0], items[picks[0]]


def loop_offset(item, v: str) -> int | None:
    """``v`` -> 0, ``v + 2`` -> 2, ``v - 1`` -> -1 (a non-negative literal added or taken); None otherwise."""
    if isinstance(item, ast.Name) and item.id == v:
        return 0
    if isinstance(item, ast.BinOp) and isinstance(item.op, (ast.Add, ast.Sub)) and isinstance(item.left, ast.Name) \
            and item.left.id == v and (c := int_constant(item.right)) is not None and c >= 0:
        return c if isinstance(item.op, ast.Add) else -c
    return None


def buffer_loads(ctx, node: ast.AST, path: str):
    """Every use of ``x`` in ``node``: the subscript ``x[...]`` it loads, or None for any other use (a bare
    ``x``, a store, an attribute of it)."""
    parents = {ch: n for n in ast.walk(node) for ch in ast.iter_child_nodes(n)}
    for n in ast.walk(node):
        if isinstance(n, (ast.Name, ast.Attribute)) and _buffer_path(ctx, n) == path:
            sub = parents.get(n)
            yield sub if isinstance(sub, ast.Subscript) and sub.value is n and isinstance(sub.ctx, ast.Load) else None
