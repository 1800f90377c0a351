"""Result shapes of elementwise operations (NumPy broadcasting) and of products and stacks.

Dims are those of ``Facts.shape``: an int, a source string, or None. A dim
that is not known to be 1 broadcasts against a known one only to that known
one (``None`` vs ``n`` is ``n``: either it was 1 or it was ``n``, else the
program raises); two different symbols give an unknown dim.
"""

from __future__ import annotations

from blaslint.analysis.dims import same_dim


def dims_of(facts) -> list | None:
    """The facts' dims as a list (unknown dims None), or None when the rank is unknown."""
    if facts.rank is None:
        return None
    if facts.shape is not None and len(facts.shape) == facts.rank:
        return list(facts.shape)
    return [None] * facts.rank


def _is_one(d) -> bool:
    return d == 1 and not isinstance(d, bool)


def broadcast_dim(a, b):
    if _is_one(a):
        return b
    if _is_one(b):
        return a
    if a is None:
        return b  # b (not 1): a was 1 or b
    if b is None:
        return a
    if a == b or same_dim(a, b):
        return a
    return None  # n vs m: equal at run time or an error; which symbol is unknown


def broadcast_shape(*facts) -> tuple | None:
    """Shape of an elementwise result; None when a rank is unknown or no dim is known."""
    all_dims = [dims_of(f) for f in facts]
    if any(d is None for d in all_dims):
        return None
    rank = max((len(d) for d in all_dims), default=0)
    out = [1] * rank
    for dims in all_dims:
        padded = [1] * (rank - len(dims)) + dims
        out = [broadcast_dim(x, y) for x, y in zip(out, padded)]
    if rank and all(d is None for d in out):
        return None
    return tuple(out)


def _product(a, b):
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool):
        return a * b
    if a is None or b is None:
        return None
    return f"{_paren(a)} * {_paren(b)}"


def _sum(dims):
    if any(d is None for d in dims):
        return None
    if all(isinstance(d, int) for d in dims):
        return sum(dims)
    return " + ".join(_paren(d) for d in dims)


def _paren(d) -> str:
    s = str(d)
    return f"({s})" if any(c in s for c in " +-*/") else s


def outer_shape(a, b) -> tuple | None:
    """``np.outer(a, b)``: (a.size, b.size); known for 1-D operands."""
    if a.rank == 1 and b.rank == 1:
        da, db = dims_of(a)[0], dims_of(b)[0]
        return (da, db) if da is not None or db is not None else None
    return None


def kron_shape(a, b) -> tuple | None:
    """``np.kron(A, B)`` of two arrays of the same rank: dims multiply."""
    if a.rank is None or a.rank != b.rank:
        return None
    out = tuple(_product(x, y) for x, y in zip(dims_of(a), dims_of(b)))
    return None if all(d is None for d in out) else out


def concat_shape(parts, axis: int) -> tuple | None:
    """Concatenating same-rank parts along ``axis``: that dim adds up, the others agree."""
    dims = [dims_of(p) for p in parts]
    if not dims or any(d is None for d in dims) or len({len(d) for d in dims}) != 1:
        return None
    rank = len(dims[0])
    if not -rank <= axis < rank:
        return None
    axis %= rank
    out = []
    for i in range(rank):
        column = [d[i] for d in dims]
        if i == axis:
            out.append(_sum(column))
        else:
            known = [c for c in column if c is not None]
            out.append(known[0] if known and all(c == known[0] or same_dim(c, known[0]) for c in known)
                       else None)
    return None if all(d is None for d in out) else tuple(out)


def stack_shape(name: str, parts, axis: int | None) -> tuple | None:
    """Shapes for ``hstack``/``vstack``/``column_stack``/``concatenate``/``stack`` (``np.c_``/``np.r_``)."""
    ranks = {p.rank for p in parts}
    if None in ranks or len(ranks) != 1:
        return None
    r = ranks.pop()
    if name in ("concatenate", "cat"):
        return concat_shape(parts, 0 if axis is None else axis) if r >= 1 else None
    if name == "hstack":
        return concat_shape(parts, 0 if r == 1 else 1) if r >= 1 else None
    if name == "vstack":
        if r == 1:
            n = len(parts)
            col = [dims_of(p)[0] for p in parts]
            known = [c for c in col if c is not None]
            return (n, known[0] if known and all(c == known[0] for c in known) else None)
        return concat_shape(parts, 0) if r >= 2 else None
    if name == "column_stack":
        if r == 1:
            rows = [dims_of(p)[0] for p in parts]
            known = [c for c in rows if c is not None]
            return (known[0] if known and all(c == known[0] for c in known) else None, len(parts))
        return concat_shape(parts, 1) if r == 2 else None
    if name == "stack":
        dims = [dims_of(p) for p in parts]
        base = [next((d[i] for d in dims if d[i] is not None), None) for i in range(r)]
        a = 0 if axis is None else axis
        if not -(r + 1) <= a <= r:
            return None
        a %= r + 1
        return tuple(base[:a] + [len(parts)] + base[a:])
    return None


def c_shape(parts) -> tuple | None:
    """``np.c_[a, b]`` of 1-D or 2-D parts: columns side by side (1-D parts become columns)."""
    cols = []
    rows = []
    for p in parts:
        if p.rank == 1:
            d = dims_of(p)
            rows.append(d[0])
            cols.append(1)
        elif p.rank == 2:
            d = dims_of(p)
            rows.append(d[0])
            cols.append(d[1])
        else:
            return None
    known = [r for r in rows if r is not None]
    row = known[0] if known and all(r == known[0] for r in known) else None
    return (row, _sum(cols))


__all__ = ["broadcast_dim", "broadcast_shape", "c_shape", "concat_shape", "dims_of", "kron_shape",
           "outer_shape", "stack_shape"]
