"""Straight-line block writes that tile a buffer whatever its shape (BL201's evidence that its zeros are never read).

gpytorch's gradient kernels fill ``K = torch.zeros(*batch, n1 * (d + 1), n2 * (d + 1))`` with
``K[..., :n1, :n2] = A``, ``K[..., :n1, n2:] = B``, ``K[..., n1:, :n2] = C``, ``K[..., n1:, n2:] = D``.
On each axis the slices cut at the same points, ``[:a]``, ``[a:b]``, ``[b:]``, and such a chain covers
the axis for any integers ``a`` and ``b`` (clamped, ``[a:b]`` is empty when ``b < a``, and then ``[:a]``
and ``[b:]`` overlap): when the writes take every combination of the pieces, every element is written,
with no need to know the buffer's shape.

A boolean mask and its complement tile the axes they index the same way: ``s[m] = a``, ``s[~m] = b``
(deeptime's ``_sum_sparse``), ``np.logical_not(m)``, or ``q == 1`` beside ``q != 1``. Only exact complements
count: ``x < t`` beside ``x >= t`` leaves the NaNs of ``x`` at zero.
"""

from __future__ import annotations

import ast
import math

from blaslint.analysis.flow import is_opaque_call, may_leave, may_read_unseen, mentions, mutated_names
from blaslint.rules._common import int_constant
from blaslint.rules.dead_writes._fills import _buffer_path

_START, _END, _MASK = "<start>", "<end>", "<mask>"
_BOOLEAN_CALLS = frozenset({"numpy.isnan", "numpy.isfinite", "numpy.isinf", "numpy.isclose", "numpy.logical_and",
                            "numpy.logical_or", "numpy.logical_xor", "numpy.logical_not", "numpy.isin",
                            "numpy.in1d", "numpy.any", "numpy.all", "numpy.isreal", "numpy.iscomplex",
                            "numpy.signbit", "numpy.isneginf", "numpy.isposinf"})


def blocks_write_all(ctx, first: ast.stmt, path: str) -> ast.stmt | None:
    """The statement completing a run of block writes, from ``first`` on, that tile every element of ``path``.

    Statements between the writes may not mention the buffer, leave the block or reach it through a call;
    the cut points may not be rebound in the run; no write reads the buffer. None when the run stops first.
    """
    scope_node = ctx.scope_node_of(first)
    layout, blocks, cut_names, seen = None, set(), set(), []
    stmt = first
    while stmt is not None:
        if may_leave(stmt):
            return None
        seen.append(stmt)
        if cut_names and _changed(ctx, stmt) & cut_names:
            return None  # a cut or mask an earlier write used is rebound or changed before the run completes
        if not mentions(stmt, path):
            if may_read_unseen(ctx, path, [stmt], scope_node):
                return None
            stmt = ctx.next_statement(stmt)
            continue
        got = _block(ctx, stmt, path)
        if got is None or (layout is not None and got[0] != layout):
            return None
        layout, pieces, names = got
        blocks.add(pieces)
        cut_names |= names
        if any("." in bound for piece in pieces for bound in piece) and any(
                isinstance(n, ast.Call) and is_opaque_call(ctx, n) for st in seen for n in ast.walk(st)):
            return None  # `x[:self.k] = f()`: a call may change the attribute a cut reads
        if _tiles(blocks):
            return stmt
        stmt = ctx.next_statement(stmt)
    return None


def _changed(ctx, stmt) -> set:
    """Names ``stmt`` rebinds or changes in place."""
    names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names | {name.split(".")[0].split("[")[0] for name in mutated_names(ctx, stmt)}


def _block(ctx, stmt: ast.stmt, path: str):
    """(layout, pieces, names) of ``x[..., lo:hi, lo:hi] = expr`` (or without the leading ``...``): the layout
    says which end the items align to and how many there are; ``pieces`` holds each item's (lower, upper)
    text; ``names`` the names the bounds read."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript)):
        return None
    target = stmt.targets[0]
    if _buffer_path(ctx, target.value) != path or mentions(stmt.value, path) or mentions(target.slice, path):
        return None
    items = list(target.slice.elts) if isinstance(target.slice, ast.Tuple) else [target.slice]
    trailing = bool(items) and isinstance(items[0], ast.Constant) and items[0].value is Ellipsis
    if trailing:
        items = items[1:]
    if not items:
        return None
    pieces, names = [], set()
    for item in items:
        mask = _mask_piece(ctx, item) if len(items) == 1 or not isinstance(item, ast.Slice) else None
        if mask is not None:
            pieces.append(mask)
            names |= {n.id for n in ast.walk(item) if isinstance(n, ast.Name)}
            continue
        k = int_constant(item)
        if k is not None and k >= -1:  # `x[0]` is the piece `x[0:1]`, `x[-1]` the piece `x[-1:]`
            pieces.append((_START, "1") if k == 0 else ("-1", _END) if k == -1 else (str(k), str(k + 1)))
            continue
        if not isinstance(item, ast.Slice) or item.step is not None:
            return None
        bounds = []
        for bound, default in ((item.lower, _START), (item.upper, _END)):
            if bound is None:
                bounds.append(default)
                continue
            if any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Starred, ast.Constant))
                   and not (isinstance(n, ast.Constant) and type(n.value) is int) for n in ast.walk(bound)):
                return None
            text = ast.unparse(bound)
            bounds.append(_START if default == _START and text == "0" else text)
            names |= {n.id for n in ast.walk(bound) if isinstance(n, ast.Name)}
        pieces.append(tuple(bounds))
    return (trailing, len(items)), tuple(pieces), names


def _tiles(blocks: set) -> bool:
    """Do ``blocks`` take every combination of pieces that chain from the start to the end of each axis?"""
    axes = list(zip(*blocks))
    if not all(_chains(set(pieces)) for pieces in axes):
        return False
    return len(blocks) == math.prod(len(set(pieces)) for pieces in axes)


def _chains(pieces: set) -> bool:
    """``[:a]``, ``[a:b]``, ``[b:]`` (or the whole axis): each piece starts where another ends, once each;
    or a mask and its complement."""
    if any(lo == _MASK for lo, _ in pieces):
        return len(pieces) == 2 and {hi[0] for _, hi in pieces} == {"+", "-"} \
            and len({hi[2:] for _, hi in pieces}) == 1 and any(hi[1] == "!" for _, hi in pieces)
    starts = {}
    for lo, hi in pieces:
        if lo in starts:
            return False
        starts[lo] = hi
    at, used = _START, 0
    while at != _END:
        if at not in starts:
            return False
        at, used = starts[at], used + 1
        if used > len(pieces):
            return False
    return used == len(pieces)


def _mask_piece(ctx, item: ast.AST):
    """``(_MASK, "+!m")`` for a boolean mask ``m``, ``(_MASK, "-!m")`` for its complement (``~m``,
    ``np.logical_not(m)``, ``a != b`` beside ``a == b``); None for anything else. ``!`` marks a mask known to
    be boolean, ``?`` one that may be an integer index (a name, or ``np.logical_not`` of one: bayespy's
    0/1 ``G[A]`` beside ``G[np.logical_not(A)]`` is a fancy index beside a mask); a pair needs one known."""
    sign, tilde = "+", False
    for _ in range(4):
        if isinstance(item, ast.Name):
            b = ctx.reaching_binding(item)  # `not_ind = np.logical_not(ind)`
            value = b.value if b is not None and b.kind == "assign" else None
            if _inverts(ctx, value) or _equality(value):  # `mask = D != 0.0` beside `Dinv[D == 0]` (pyamg)
                item = value
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.Invert):
            item, sign, tilde = item.operand, "-" if sign == "+" else "+", True
        elif _inverts(ctx, item):
            item, sign = item.args[0], "-" if sign == "+" else "+"
        else:
            break
    if not _pure(ctx, item):
        return None
    if _equality(item):
        if isinstance(item.ops[0], ast.NotEq):
            sign = "-" if sign == "+" else "+"
        sides = " == ".join(_number_text(side) for side in (item.left, item.comparators[0]))
        names = "".join(_binding_key(ctx, n) for n in ast.walk(item) if isinstance(n, ast.Name))
        return _MASK, f"{sign}!{sides}{names}"
    # `~` of an integer index array is no complement, but nobody indexes with one
    known = tilde or _boolean(ctx, item)
    if not (known or isinstance(item, (ast.Name, ast.Attribute))):
        return None
    return _MASK, sign + ("!" if known else "?") + ast.unparse(item) + _binding_key(ctx, item)


def _equality(node) -> bool:
    return isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq))


def _number_text(node) -> str:
    """``0`` and ``0.0`` compare the same way: one text for both."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return repr(float(node.value))
    return ast.unparse(node)


def _binding_key(ctx, item) -> str:
    """Which binding a mask name reads (``ind`` in ``s[ind]`` and in ``not_ind = ~ind`` must be the same)."""
    if not isinstance(item, ast.Name):
        return ""
    b = ctx.reaching_binding(item)
    stmt = getattr(b, "stmt", None)
    return f"@{getattr(stmt, 'lineno', '?')}:{getattr(stmt, 'col_offset', '?')}"


def _inverts(ctx, node) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert) or isinstance(node, ast.Call) \
        and ctx.resolve_call(node) == "numpy.logical_not" and len(node.args) == 1 and not node.keywords


def _boolean(ctx, node: ast.AST, depth: int = 0) -> bool:
    """Is ``node`` a boolean array: a comparison, a NumPy predicate, ``~`` of one, a name bound to one?"""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        return _boolean(ctx, node.operand, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
        return _boolean(ctx, node.left, depth) and _boolean(ctx, node.right, depth)
    if isinstance(node, ast.Call):
        if ctx.resolve_call(node) in _BOOLEAN_CALLS:
            return True
        func = node.func
        return isinstance(func, ast.Attribute) and func.attr == "astype" and len(node.args) == 1 \
            and ast.unparse(node.args[0]) in ("bool", "np.bool_", "numpy.bool_", "np.bool")
    if isinstance(node, ast.Name) and depth < 3:
        b = ctx.reaching_binding(node)
        return b is not None and b.kind == "assign" and b.value is not None and _boolean(ctx, b.value, depth + 1)
    return False


def _pure(ctx, node: ast.AST) -> bool:
    """No call that may run unknown code: evaluating the mask twice gives the same mask."""
    return not any(isinstance(n, ast.Call) and is_opaque_call(ctx, n) or isinstance(n, (ast.NamedExpr, ast.Await))
                   for n in ast.walk(node))

