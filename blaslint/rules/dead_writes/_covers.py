"""Python loops that write every element of a buffer (BL201's evidence that its zeros are never read).

``for i in range(n): x[i] = ...`` covers ``x`` when ``n`` is the size of the axis ``i`` indexes: the
sizes are compared once local names are followed (``N = len(ind)`` ... ``range(len(ind))``), a loop
may start at ``a`` when the index is ``i - a``, the write may sit in both branches of an ``if``/``else``,
and the iteration may read back exactly the element it wrote (``s[:, t] = ...; h = f(s[:, t])``).
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import equal_sizes, is_full_slice
from blaslint.analysis.flow import may_leave, may_read_unseen, mentions
from blaslint.rules.dead_writes._fills import _buffer_path
from blaslint.rules.dead_writes._subscripts import buffer_loads


def like_shape(ctx, call: ast.Call):
    """``np.zeros_like(h)`` (or ``np.zeros(h.shape)``, ``np.zeros(np.shape(h))``) of an ``h`` with no known
    shape: its dims spelled ``h.shape[k]`` (a write indexing more axes than ``h`` has raises, and then no
    zero is read either)."""
    q = ctx.resolve_call(call) or ""
    base = None
    if q.endswith("zeros_like") and len(call.args) == 1 and not any(k.arg == "shape" for k in call.keywords):
        base = call.args[0]
    elif q in ("numpy.zeros", "torch.zeros") and call.args and not any(k.arg == "shape" for k in call.keywords):
        size = call.args[0]
        if isinstance(size, ast.Attribute) and size.attr == "shape":
            base = size.value
        elif isinstance(size, ast.Call) and (ctx.resolve_call(size) or "") == "numpy.shape" and len(size.args) == 1:
            base = size.args[0]
    if not isinstance(base, (ast.Name, ast.Attribute)):
        return None
    text = ctx.text(base)
    return tuple(f"{text}.shape[{k}]" for k in range(8))


def loop_writes_all(ctx, stmt: ast.stmt, path: str, shape, since: ast.stmt | None = None) -> bool:
    """``for i in range(n): x[i] = expr`` (nested loops too) writes every element of ``x``.

    Every loop runs over ``range(d)`` (or ``range(a, d + a)`` indexing ``i - a``) with ``d`` the size
    of the axis its variable indexes, has no ``else``/``break``/``continue``/``return``, and holds one
    statement writing ``x`` (the write, an ``if``/``else`` writing it in both branches, or the next
    loop); later statements of the innermost body may read only the element just written.
    """
    if not shape:
        return False
    counted = _manual_count(ctx, stmt)
    if counted is not None:
        return _counted_writes_all(ctx, stmt, path, shape, since, *counted)
    loops: dict[str, tuple[object, int]] = {}
    node = stmt
    while True:
        var = _counter(node)
        if var is None or node.orelse:
            return False
        size = _range_size(ctx, node.iter)
        if size is None or var in loops or any(may_leave(s) for s in node.body):
            return False
        loops[var] = size
        touching = [s for s in node.body if mentions(s, path)]
        if not touching:
            return False
        if any(mentions(s, v) and not isinstance(s, ast.For) and _rebinds_name(s, v)
               for s in node.body for v in loops):
            return False
        if len(touching) == 1 and isinstance(touching[0], ast.For):
            node = touching[0]
            continue
        break
    items = _written_items(ctx, touching, path, shape)
    if items is None:
        return False
    used = set()
    for k, item in enumerate(items):
        if _whole_axis(ctx, item, shape[k], stmt):
            continue
        var, offset = _index_var(item)
        if var in loops and var not in used and loops[var][1] == offset \
                and equal_sizes(ctx, loops[var][0], shape[k], stmt):
            used.add(var)
            continue
        return False
    # `y = np.zeros(n); n -= 1; for i in range(n)`: not the size the buffer got
    return used == set(loops) and not (since is not None and _sizes_rebound(ctx, since, stmt, shape[:len(items)]))


def _whole_axis(ctx, item, size, at) -> bool:
    """``:``, or ``0:n`` / ``:n`` with ``n`` the axis's size (statsmodels' ``py[0:n, i] = ...``)."""
    if is_full_slice(item):
        return True
    if not isinstance(item, ast.Slice) or item.step is not None or item.upper is None:
        return False
    lower_zero = item.lower is None or isinstance(item.lower, ast.Constant) and item.lower.value == 0 \
        and type(item.lower.value) is int
    upper = item.upper.value if isinstance(item.upper, ast.Constant) and type(item.upper.value) is int \
        else ast.unparse(item.upper)
    return lower_zero and size is not None and equal_sizes(ctx, upper, size, at)


def _manual_count(ctx, loop) -> tuple[str, object] | None:
    """(counter, trips) of ``k = 0`` / ``for ... in range(a, b): ...; k += 1``: a counter set to 0 just before
    the loop and raised by one as the body's last statement, nowhere else rebound in the body."""
    if not isinstance(loop, ast.For) or loop.orelse or not loop.body:
        return None
    last = loop.body[-1]
    if not (isinstance(last, ast.AugAssign) and isinstance(last.op, ast.Add) and isinstance(last.target, ast.Name)
            and isinstance(last.value, ast.Constant) and last.value.value == 1):
        return None
    name = last.target.id
    before = ctx.previous_statement(loop)
    if not (isinstance(before, ast.Assign) and len(before.targets) == 1 and isinstance(before.targets[0], ast.Name)
            and before.targets[0].id == name and isinstance(before.value, ast.Constant) and before.value.value == 0
            and type(before.value.value) is int):
        return None
    if any(_rebinds_name(st, name) for st in loop.body[:-1]) or _rebinds_name(loop.target, name):
        return None
    it = loop.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and len(it.args) == 2 \
            and not it.keywords and not any(isinstance(a, ast.Starred) for a in it.args):
        return name, f"{ast.unparse(it.args[1])} - {ast.unparse(it.args[0])}"
    size = _range_size(ctx, it)
    return (name, size[0]) if size is not None else None


def _counted_writes_all(ctx, loop, path: str, shape, since, name: str, trips) -> bool:
    """The loop's one write ``x[k] = expr`` (``k`` the manual counter, the other items ``:``) covers ``x``."""
    body = loop.body[:-1]
    if any(may_leave(st) for st in body):
        return False
    touching = [st for st in body if mentions(st, path)]
    items = _written_items(ctx, touching, path, shape) if touching else None
    if items is None:
        return False
    rest = [k for k, item in enumerate(items) if not _whole_axis(ctx, item, shape[k], loop)]
    if len(rest) != 1:
        return False
    k = rest[0]
    return _index_var(items[k]) == (name, 0) and equal_sizes(ctx, trips, shape[k], loop) \
        and not (since is not None and _sizes_rebound(ctx, since, loop, shape[:len(items)]))


def _written_items(ctx, touching: list, path: str, shape) -> list | None:
    """The index items of the loop's sole write of ``x`` (:func:`_sole_write`), when there are no more of
    them than ``x`` has axes."""
    target = _sole_write(ctx, touching, path)
    if target is None:
        return None
    items = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    return items if len(items) <= len(shape) else None


def _sole_write(ctx, touching: list, path: str) -> ast.Subscript | None:
    """The write of the first statement touching ``x`` (see :func:`_covering_write`), when the later ones
    only read back the element it wrote and do not rebind ``x``."""
    target = _covering_write(ctx, touching[0], path)
    if target is None or not all(_reads_only_at(ctx, st, path, {ctx.text(target.slice)}) and not _rebinds_name(
            st, path.split(".")[0]) for st in touching[1:]):
        return None
    return target


def _sizes_rebound(ctx, since: ast.stmt, loop: ast.stmt, sizes) -> bool:
    """Is a name the buffer's sizes are spelled with rebound between the allocation and the loop?"""
    names = set()
    for size in sizes:
        if isinstance(size, str):
            try:
                names |= {n.id for n in ast.walk(ast.parse(size, mode="eval")) if isinstance(n, ast.Name)}
            except SyntaxError:
                return True
    between = ctx.statements_between(since, loop)
    if between is None:
        return True
    return any(_rebinds_name(s, name) for s in between for name in names)


def _covering_write(ctx, stmt: ast.stmt, path: str) -> ast.Subscript | None:
    """The target of ``x[idx] = expr`` (``expr`` not reading ``x``), or of the same write made in
    every branch of an ``if``/``else``; else None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript):
        target = stmt.targets[0]
        if _buffer_path(ctx, target.value) == path and not mentions(stmt.value, path):
            return target
        return None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
            and not any(isinstance(e, ast.Starred) for e in stmt.targets[0].elts):
        # `smin[i], smax[i] = rng[i]`: the one element of the tuple that writes `x`
        mine = [e for e in stmt.targets[0].elts if mentions(e, path)]
        if len(mine) == 1 and isinstance(mine[0], ast.Subscript) and _buffer_path(ctx, mine[0].value) == path \
                and not mentions(stmt.value, path):
            return mine[0]
        return None
    if isinstance(stmt, ast.If) and stmt.orelse and not mentions(stmt.test, path):
        found = []
        for branch in (stmt.body, stmt.orelse):
            touching = [s for s in branch if mentions(s, path)]
            if len(touching) != 1:
                return None
            found.append(_covering_write(ctx, touching[0], path))
        if all(found) and ctx.text(found[0]) == ctx.text(found[1]):
            return found[0]
    return None


def _reads_only_at(ctx, node: ast.AST, path: str, indices: set) -> bool:
    """Does ``node`` use ``x`` only as ``x[idx]`` loads with ``idx`` (as written) among ``indices``: the element
    an iteration just wrote, or parts a run of writes already made?"""
    return all(sub is not None and ctx.text(sub.slice) in indices for sub in buffer_loads(ctx, node, path))


def _index_var(item: ast.AST) -> tuple[str | None, int]:
    """``i`` -> (i, 0); ``i - 1`` -> (i, 1)."""
    if isinstance(item, ast.Name):
        return item.id, 0
    if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Sub) and isinstance(item.left, ast.Name) \
            and isinstance(item.right, ast.Constant) and type(item.right.value) is int:
        return item.left.id, item.right.value
    return None, 0


def _rebinds_name(stmt, name) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in ast.walk(stmt))


def _counter(loop) -> str | None:
    """The counting variable of ``for i in range(...)`` / ``for i, x in enumerate(...)``."""
    if not isinstance(loop, ast.For):
        return None
    if isinstance(loop.target, ast.Name):
        return loop.target.id
    it, target = loop.iter, loop.target
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate" \
            and isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[0], ast.Name):
        return target.elts[0].id
    return None


def _is_range(ctx, call: ast.Call) -> bool:
    """``range``, or ``np.arange`` (astroML's ``for i in np.arange(D)``): integer steps of one from the start
    (a float ``arange`` indexes nothing)."""
    if isinstance(call.func, ast.Name) and call.func.id == "range":
        return True
    return ctx.resolve_call(call) == "numpy.arange"


def _range_size(ctx, it: ast.AST) -> tuple[object, int] | None:
    """(trip count as a dim, start) for ``range(n)``, ``range(0, n)``, ``range(a, n + a)`` (``a`` an int),
    ``enumerate(seq)`` (``len(seq)`` trips)."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate" \
            and len(it.args) == 1 and not it.keywords and not isinstance(it.args[0], ast.Starred):
        return f"len({ast.unparse(it.args[0])})", 0
    if not (isinstance(it, ast.Call) and _is_range(ctx, it) and not it.keywords and 1 <= len(it.args) <= 2):
        return None
    start = 0
    stop = it.args[-1]
    if len(it.args) == 2:
        first = it.args[0]
        if not (isinstance(first, ast.Constant) and type(first.value) is int and first.value >= 0):
            return None
        start = first.value
        if start:
            if not (isinstance(stop, ast.BinOp) and isinstance(stop.op, ast.Add)
                    and isinstance(stop.right, ast.Constant) and stop.right.value == start):
                return None
            stop = stop.left
    if isinstance(stop, ast.Constant) and type(stop.value) is int:
        return stop.value, start
    return ast.unparse(stop), start


# -- straight-line writes: `X[:, 0] = a; X[:, 1] = b; X[:, 2] = c` of an (n, 3) buffer ----------------------

def sequence_writes_all(ctx, first: ast.stmt, path: str, shape) -> ast.stmt | None:
    """The statement completing a run of writes, from ``first`` on, that together replace every element of
    ``x``: each ``x[..., c, ...] = expr`` picks constant positions (``2``, ``-1``, ``1:4``, ``3:``) on one
    axis of literal size, the other items ``:``; ``expr`` may read only parts already written. None when the
    run stops (another statement touches ``x``, the block ends) before covering the axis."""
    if not shape:
        return None
    axis, covered, written, stmt = None, set(), [], first
    scope_node = ctx.scope_node_of(first)
    while stmt is not None and mentions(stmt, path):
        picked = _constant_pick(ctx, stmt, path, shape)
        if picked is None or (axis is not None and picked[0] != axis) or may_leave(stmt) \
                or may_read_unseen(ctx, path, [stmt], scope_node):
            return None
        axis, positions, target = picked
        done = {ctx.text(t.slice) for t in written}
        if mentions(target.slice, path) or not _reads_only_at(ctx, stmt.value, path, done):
            return None
        covered |= positions
        written.append(target)
        if covered >= set(range(shape[axis])):
            return stmt
        stmt = ctx.next_statement(stmt)
    return None


def _constant_pick(ctx, stmt, path, shape):
    """(axis, positions, target) of ``x[:, 2] = expr`` / ``x[1:4] = expr`` with a literal size on that axis."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript)):
        return None
    target = stmt.targets[0]
    if _buffer_path(ctx, target.value) != path:
        return None
    items = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    if len(items) > len(shape):
        return None
    picks = [(k, it) for k, it in enumerate(items) if not is_full_slice(it)]
    if len(picks) != 1:
        return None
    k, item = picks[0]
    size = shape[k]
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= 64:
        return None
    positions = _positions(item, size)
    return (k, positions, target) if positions else None


def _positions(item, size: int) -> set | None:
    def const(node, default):
        if node is None:
            return default
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            node = ast.Constant(-node.operand.value)
        return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None
    if isinstance(item, ast.Slice):
        lo, hi = const(item.lower, 0), const(item.upper, size)
        if lo is None or hi is None or item.step is not None:
            return None
        return set(range(size)[lo:hi])
    i = const(item, None)
    return {i % size} if i is not None and -size <= i < size else None

