"""A loop writing a buffer block by block (BL201's evidence that its zeros are never read).

``H = np.zeros((q * m, p * n))`` then ``for r in range(m): H[q * r:q * (r + 1), :] = ...`` (python-control's Hankel
matrix), or a controllability matrix ``ctrb[:, :m] = B`` then ``for k in range(1, t): ctrb[:, k * m:(k + 1) * m] =
A @ ctrb[:, (k - 1) * m:k * m]``: iteration ``v`` writes the block ``[v * m, (v + 1) * m)`` of an axis ``t * m``
long, the first block may be written before the loop, and an iteration reads only the block before its own.
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import equal_sizes
from blaslint.analysis.flow import may_leave, may_read_unseen, mentions
from blaslint.rules._common import int_constant
from blaslint.rules.dead_writes._subscripts import buffer_loads, loop_offset, one_pick, subscript_write


def block_loop_writes_all(ctx, first: ast.stmt, path: str, shape) -> ast.stmt | None:
    """The loop completing the blocks of ``path`` (after an optional first block), else None."""
    if not shape:
        return None
    scope_node = ctx.scope_node_of(first)
    head, stmt = None, first
    while stmt is not None and not isinstance(stmt, ast.For):
        touches = mentions(stmt, path)
        if may_leave(stmt) or touches and head is not None:
            return None
        if touches:
            head = _head_block(ctx, stmt, path)
            if head is None:
                return None
        elif may_read_unseen(ctx, path, [stmt], scope_node):
            return None
        stmt = ctx.next_statement(stmt)
    if stmt is None or stmt.orelse or not isinstance(stmt.target, ast.Name) or any(may_leave(s) for s in stmt.body) \
            or may_read_unseen(ctx, path, stmt.body, scope_node):
        return None  # (a call in the body that may read the buffer, an attribute, before its block is written)
    v = stmt.target.id
    it = stmt.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and not it.keywords
            and 1 <= len(it.args) <= 2 and not any(isinstance(a, ast.Starred) for a in it.args)):
        return None
    start_value = int_constant(it.args[0]) if len(it.args) == 2 else 0
    writes = [s for s in stmt.body if subscript_write(ctx, s, path) is not None]
    if len(writes) != 1 or start_value not in (0, 1):
        return None
    block = _block_of(subscript_write(ctx, writes[0], path), v)
    if block is None or block[0] >= len(shape):
        return None
    axis, m, lo = block
    if lo != 0 or (start_value == 1) != (head is not None) or head is not None and head != (axis, m):
        return None
    stop = ast.unparse(it.args[-1])
    if not any(equal_sizes(ctx, size, shape[axis], stmt) for size in (f"{stop} * {m}", f"{m} * {stop}")):
        return None
    names = {n.id for n in ast.walk(ast.parse(m, mode="eval")) if isinstance(n, ast.Name)} | {v}
    if any(isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load)
           for s in stmt.body for n in ast.walk(s)):
        return None  # the block size or the counter rebound inside the loop
    after = False
    for s in stmt.body:
        node = s.value if s is writes[0] else s
        if not _reads_done_blocks(ctx, node, path, axis, m, v, own=after):
            return None
        after = after or s is writes[0]
    return stmt


def _head_block(ctx, stmt, path):
    """(axis, m) of ``x[..., :m] = expr`` / ``x[..., 0:m] = expr`` (the items before ``:``), expr not reading x."""
    target = subscript_write(ctx, stmt, path)
    if target is None or mentions(stmt.value, path):
        return None
    axis, item = one_pick(target)
    if not isinstance(item, ast.Slice) or item.step is not None or item.upper is None or not (
            item.lower is None or isinstance(item.lower, ast.Constant) and item.lower.value == 0):
        return None
    return axis, ast.unparse(item.upper)


def _block_of(target, v: str):
    """(axis, m, c) of ``x[..., (v + c) * m:(v + c + 1) * m, ...]`` (the other items ``:``), else None."""
    axis, item = one_pick(target)
    if not isinstance(item, ast.Slice) or item.step is not None or item.lower is None or item.upper is None:
        return None
    lo, hi = _scaled(item.lower, v), _scaled(item.upper, v)
    if lo is None or hi is None or lo[0] != hi[0] or hi[1] != lo[1] + 1:
        return None
    return axis, lo[0], lo[1]


def _scaled(node, v: str):
    """(m, c) of ``(v + c) * m`` or ``m * (v + c)`` (``v * m`` is c = 0), m not reading v."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return None
    for var, m in ((node.left, node.right), (node.right, node.left)):
        c = loop_offset(var, v)
        if c is not None and not any(isinstance(n, ast.Name) and n.id == v for n in ast.walk(m)):
            return ast.unparse(m), c
    return None


def _reads_done_blocks(ctx, node, path, axis, m, v, own) -> bool:
    """Every use of ``x`` loads the block before this iteration's (or, after the write, its own)."""
    for sub in buffer_loads(ctx, node, path):
        block = _block_of(sub, v) if sub is not None else None
        if block is None or block[0] != axis or block[1] != m or block[2] not in ((-1, 0) if own else (-1,)):
            return False
    return True
