"""A first element written, then a loop writing the rest from the ones before (BL201's evidence for recurrences).

``alpha[0] = pi * B[:, 0]`` then ``for t in range(1, T): alpha[t] = alpha[t - 1] @ A * B[:, t]`` (an HMM's
forward pass), ``x[0] = x0`` then ``for i in range(n): x[i + 1] = f(x[i])`` (a simulated path), or an RNN's
``states[:, -1] = h0`` then ``for i in range(T): states[:, i] = tanh(... states[:, i - 1] ...)``: the head
writes the positions the loop starts from, the loop writes every later one, and each iteration reads only
positions already written. Every zero is replaced before anything reads it.
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import equal_sizes, is_full_slice
from blaslint.analysis.flow import may_leave, may_read_unseen, mentions
from blaslint.rules._common import int_constant
from blaslint.rules.dead_writes._subscripts import buffer_loads, index_items, loop_offset, one_pick, subscript_write


def head_then_loop_writes_all(ctx, first: ast.stmt, path: str, shape) -> ast.stmt | None:
    """The loop completing ``x[h] = ...`` (one or more constant heads on one axis) plus a loop over
    ``range(s, stop)`` writing ``x[v + c]`` on that axis, reading only earlier positions; else None."""
    if not shape:
        return None
    scope_node = ctx.scope_node_of(first)
    axis, heads, stmt = None, set(), first
    while stmt is not None and not isinstance(stmt, ast.For):
        if may_leave(stmt):
            return None
        if not mentions(stmt, path):
            if may_read_unseen(ctx, path, [stmt], scope_node):
                return None
            stmt = ctx.next_statement(stmt)
            continue
        got = _head(ctx, stmt, path)
        if got is None or (axis is not None and got[0] != axis) or axis is None and got[0] >= len(shape):
            return None
        axis = got[0]
        heads.add(got[1])
        stmt = ctx.next_statement(stmt)
    if stmt is None or axis is None or not _loop_covers(ctx, stmt, path, axis, heads, shape[axis]) \
            or may_read_unseen(ctx, path, stmt.body, scope_node):
        return None  # (a call in the body that may read the buffer, an attribute, before it is written)
    return stmt


def _head(ctx, stmt: ast.stmt, path: str):
    """(axis, position) of ``x[..., h] = expr`` with ``h`` an int (``-1`` allowed), the items before it ``:``
    and none after it but ``:``; ``expr`` not reading ``x``."""
    target = subscript_write(ctx, stmt, path)
    if target is None or mentions(stmt.value, path):
        return None
    k, item = one_pick(target)
    if k is None:
        return None
    value = int_constant(item)
    return (k, value) if value is not None else None


def _loop_covers(ctx, loop: ast.For, path: str, axis: int, heads: set, size) -> bool:
    """``for v in range(s, stop)`` writing ``x[v + c]`` on ``axis``: heads are ``0 .. s + c - 1`` (then
    ``stop + c`` is the size) or ``-1`` alone with ``s + c == 0`` (then ``stop + c + 1`` is the size)."""
    if loop.orelse or not isinstance(loop.target, ast.Name) or any(may_leave(s) for s in loop.body):
        return False
    v = loop.target.id
    it = loop.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and not it.keywords and 1 <= len(it.args) <= 3 and not any(isinstance(a, ast.Starred) for a in it.args)):
        return False
    if len(it.args) == 3:
        return _backward_covers(ctx, loop, path, axis, heads, size, v)
    start = int_constant(it.args[0]) if len(it.args) == 2 else 0
    stop = it.args[-1]
    if start is None or start < 0 or any(isinstance(n, ast.Name) and n.id == v and not isinstance(n.ctx, ast.Load)
                                         for s in loop.body for n in ast.walk(s)):
        return False
    writes = [s for s in loop.body if subscript_write(ctx, s, path) is not None]
    if len(writes) != 1:
        return False
    write = writes[0]
    k, item = one_pick(subscript_write(ctx, write, path))
    c = loop_offset(item, v)
    if k != axis or c is None:
        return False
    if heads == set(range(start + c)) and start + c > 0:
        need = ast.unparse(stop) if c == 0 else f"{ast.unparse(stop)} + {c}"
    elif heads == {-1} and start + c == 0:
        need = f"{ast.unparse(stop)} + {c + 1}"
    else:
        return False
    if not equal_sizes(ctx, need, size, loop):
        return False
    lowest = min(heads)
    after = False
    for s in loop.body:
        if s is write:
            if not _reads_before(ctx, s.value, path, axis, v, c, start, lowest, strict=True):
                return False
            after = True
        elif not _reads_before(ctx, s, path, axis, v, c, start, lowest, strict=not after):
            return False
    return True


def _backward_covers(ctx, loop: ast.For, path: str, axis: int, heads: set, size, v: str) -> bool:
    """``x[-1] = ...`` then ``for v in range(start, -1, -1): x[v] = f(x[v + 1])``, ``start`` the size minus 2
    (a backward pass: an HMM's betas, librosa's peak picking): the loop writes ``start .. 0`` and reads only the
    position after the one it writes."""
    start, stop, step = loop.iter.args
    if heads != {-1} or int_constant(stop) != -1 or int_constant(step) != -1 or not _two_less(ctx, start, size, loop):
        return False
    if any(isinstance(n, ast.Name) and n.id == v and not isinstance(n.ctx, ast.Load)
           for s in loop.body for n in ast.walk(s)):
        return False
    writes = [s for s in loop.body if subscript_write(ctx, s, path) is not None]
    if len(writes) != 1:
        return False
    k, item = one_pick(subscript_write(ctx, writes[0], path))
    if k != axis or loop_offset(item, v) != 0:
        return False
    after = False
    for s in loop.body:
        node = s.value if s is writes[0] else s
        if not _reads_after(ctx, node, path, axis, v, allow_own=after):
            return False
        after = after or s is writes[0]
    return True


def _reads_after(ctx, node, path, axis, v, allow_own) -> bool:
    """Every use of ``x`` loads ``x[..., v + 1, ...]`` (or ``x[..., v, ...]`` once written) on ``axis``."""
    return all(d in ((0, 1) if allow_own else (1,)) for d in _read_offsets(ctx, node, path, axis, v))


def _two_less(ctx, start, size, at) -> bool:
    """Is ``start`` the size minus 2 (``T - 2`` of ``T``, ``len(x) - 1`` of ``len(x) + 1``)?"""
    base_s, k_s = _split_offset(start)
    try:
        base_n, k_n = _split_offset(ast.parse(str(size), mode="eval").body) if not isinstance(size, int) \
            else (None, size)
    except SyntaxError:
        return False
    if base_s is None or base_n is None:
        return base_s is None and base_n is None and k_s + 2 == k_n
    return k_s + 2 == k_n and equal_sizes(ctx, ast.unparse(base_s), ast.unparse(base_n), at)


def _split_offset(node) -> tuple:
    """(base, k) of ``base + k`` / ``base - k`` (k an int; base None for a plain int)."""
    if int_constant(node) is not None:
        return None, int_constant(node)
    step = int_constant(node.right) if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) else None
    if step is not None:
        base, k = _split_offset(node.left)
        return base, k + (step if isinstance(node.op, ast.Add) else -step)
    return node, 0


def _reads_before(ctx, node, path, axis, v, c, start, lowest, strict) -> bool:
    """Every use of ``x`` in ``node`` loads ``x[..., v + d, ...]`` on ``axis`` (the items before it ``:``) at a
    position already written: ``d < c`` (``d <= c`` after the write), and ``start + d`` no lower than the
    lowest head."""
    return all(d is not None and (d < c if strict else d <= c) and start + d >= lowest
               for d in _read_offsets(ctx, node, path, axis, v))


def _read_offsets(ctx, node, path, axis, v):
    """The offset ``d`` of every use of ``x`` in ``node`` as a load ``x[..., v + d, ...]`` on ``axis`` (the items
    before it ``:``); None for any other use (a store, a bare ``x``, another index)."""
    for sub in buffer_loads(ctx, node, path):
        items = index_items(sub) if sub is not None else []
        if len(items) <= axis or not all(is_full_slice(i) for i in items[:axis]):
            yield None
            continue
        yield loop_offset(items[axis], v)
