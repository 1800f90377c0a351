"""Which axes of an operand are inserted singletons (BL503, BL505).

``x[:, None, :]``, ``x[..., None]``, ``x.reshape((-1, 3, 1))``, ``np.expand_dims(x, 1)``
and a local name bound to one of them broadcast ``x`` against the other factor
of a product. The pattern is a tuple of ``"F"`` (a full axis), ``"1"`` (an
inserted singleton) and ``"*"`` (any number of axes of unknown size).
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import is_new_axis
from blaslint.rules.vectorize._reduce_forms import int_constant


def pattern(ctx, expr, depth: int = 0) -> tuple | None:
    """The broadcast pattern of ``expr`` when it inserts a singleton axis, else None."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr)
        found = pattern(ctx, value, depth + 1) if value is not None else None
        return found or _from_facts(ctx, expr)
    if isinstance(expr, ast.Subscript):
        items = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if not any(_is_none(i) for i in items):
            return None
        out: list = []
        rank = ctx.array_facts(expr.value).rank
        used = 0
        for i in items:
            if _is_none(i):
                out.append("1")
            elif isinstance(i, ast.Slice):
                out.append("F")
                used += 1
            elif isinstance(i, ast.Constant) and i.value is Ellipsis:
                if rank is None:
                    out.append("*")
                else:
                    out.extend("F" * (rank - sum(not _is_none(j) and not _is_ellipsis(j) for j in items)))
                    used = rank
            else:
                return None  # an integer or array index: leave alone
        if not any(_is_ellipsis(i) for i in items):
            if rank is None:
                out.append("*")
            else:
                out.extend("F" * (rank - used))
        return tuple(out)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Div)):
        return _product_pattern(ctx, expr, depth)  # `(X[:, None] * w[None, :])`: the axes both keep
    if isinstance(expr, ast.Call):
        api = ctx.resolve_call(expr)
        func = expr.func
        if api in _SHAPE_KEEPING and len(expr.args) == 1 and not expr.keywords:
            return pattern(ctx, expr.args[0], depth + 1)  # np.conj(X[:, :, None, :])
        if api is None and isinstance(func, ast.Attribute) and func.attr in ("conj", "conjugate") \
                and not expr.args and not expr.keywords:
            return pattern(ctx, func.value, depth + 1)
        if isinstance(func, ast.Attribute) and func.attr == "reshape" and api is None and expr.args \
                and not expr.keywords:
            dims = shape_dims(ctx, expr.args[0]) if len(expr.args) == 1 else shape_dims(ctx, ast.Tuple(expr.args))
            if dims is None or "1" not in dims or "F" not in dims and "*" not in dims:
                return None
            return dims
        if api in ("numpy.expand_dims", "torch.unsqueeze") and len(expr.args) == 2:
            axis = int_constant(expr.args[1])
            rank = ctx.array_facts(expr.args[0]).rank
            if axis is None or rank is None or not -rank - 1 <= axis <= rank:
                return None
            out = ["F"] * rank
            out.insert(axis % (rank + 1), "1")
            return tuple(out)
    return None


_SHAPE_KEEPING = {"numpy.conj", "numpy.conjugate", "numpy.abs", "numpy.absolute", "numpy.real", "numpy.imag"}


def _product_pattern(ctx, expr: ast.BinOp, depth: int) -> tuple | None:
    """The pattern of an element-wise product of broadcast factors of one length (an axis is inserted only where
    both insert it), or of one such factor and a scalar."""
    left, right = pattern(ctx, expr.left, depth + 1), pattern(ctx, expr.right, depth + 1)
    if left is None or right is None:
        one, other = (left, expr.right) if right is None else (right, expr.left)
        if one is not None and (isinstance(other, ast.Constant) or ctx.array_facts(other).rank == 0):
            return one
        return None
    if len(left) != len(right):
        return None
    out = tuple("*" if "*" in (a, b) else "F" if "F" in (a, b) else "1" for a, b in zip(left, right))
    return out if "1" in out else None


def _from_facts(ctx, expr) -> tuple | None:
    """A created array whose literal shape holds a 1 (``random((n, 2, 1))``)."""
    shape = ctx.array_facts(expr).shape
    if not shape or len(shape) < 2 or 1 not in shape or all(d == 1 for d in shape):
        return None
    return tuple("1" if d == 1 else "F" for d in shape)


def shape_dims(ctx, expr) -> tuple | None:
    """``(-1, 3, 1)`` -> F F 1; ``np.hstack([np.shape(A), [1]])`` / ``A.shape + (1,)`` -> * 1."""
    if isinstance(expr, (ast.Tuple, ast.List)):
        out: list = []
        for e in expr.elts:
            if isinstance(e, ast.Starred):
                out.append("*")
            elif isinstance(e, (ast.Tuple, ast.List)) or _is_shape(ctx, e):
                inner = shape_dims(ctx, e)
                if inner is None:
                    return None
                out.extend(inner)
            else:
                out.append("1" if int_constant(e) == 1 else "F")
        return tuple(out)
    if isinstance(expr, ast.Call) and ctx.resolve_call(expr) in ("numpy.hstack", "numpy.concatenate", "numpy.r_") \
            and len(expr.args) == 1 and isinstance(expr.args[0], (ast.List, ast.Tuple)):
        return shape_dims(ctx, expr.args[0])
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = shape_dims(ctx, expr.left), shape_dims(ctx, expr.right)
        return left + right if left is not None and right is not None else None
    if _is_shape(ctx, expr):
        return ("*",)
    return None


def _is_shape(ctx, e) -> bool:
    """``A.shape``, ``np.shape(A)``, ``A.shape[1:]``: a run of dimensions of unknown length."""
    if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Slice):
        e = e.value
    return isinstance(e, ast.Attribute) and e.attr == "shape" \
        or isinstance(e, ast.Call) and ctx.resolve_call(e) == "numpy.shape"


_is_none = is_new_axis


def _is_ellipsis(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def axis_kind(pat: tuple, axis: int) -> str | None:
    """``"F"``/``"1"`` for axis ``axis`` of a pattern, or None when the unknown part hides it."""
    if axis >= 0:
        head = pat[:pat.index("*")] if "*" in pat else pat
        return head[axis] if axis < len(head) else None
    tail = pat[pat.index("*") + 1:] if "*" in pat else pat
    if tail or "*" not in pat:
        return tail[axis] if -axis <= len(tail) else None
    # a trailing run of the base's remaining axes (all full): axis -j is in it, or one of the j before it
    before = pat[:-1]
    candidates = before[axis:] if -axis <= len(before) else None
    return "F" if candidates and all(c == "F" for c in candidates) else None


def contracts(pat: tuple, axis: int) -> bool:
    """A broadcast product summed over ``axis``: the inserted axis stays, the summed one is full."""
    return axis_kind(pat, axis) == "F" and "1" in pat


def pairwise(ctx, expr) -> bool:
    """``X[:, None, :] - Y``: differences between every pair of rows (a side of the difference inserts an axis
    itself), squared and summed (pyts' LB_Keogh bounds, recurrence plots). The rewrite saves the squares
    (1.75x for 500 x 400 pairs of 3-D points, 1.27x at 128-D, the difference included); the message says the
    broadcast difference is the larger temporary, which a pairwise form avoids (``cdist``; the GEMM identity
    measured 23-59x there). Not ``x - y / w[:, None]``: a scaled operand, no pairs."""
    return isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) \
        and bool(pattern(ctx, expr.left) or pattern(ctx, expr.right))


def pairwise_note(ctx, x) -> str:
    """What the message adds for a broadcast difference (empty otherwise)."""
    if not pairwise(ctx, x):
        return ""
    return ("; the broadcast difference is itself a temporary of every pair, the larger cost: between two sets "
            "of points, `scipy.spatial.distance.cdist(X, Y, 'sqeuclidean')` (or `(X**2).sum(-1)[:, None] "
            "- 2 * X @ Y.T + (Y**2).sum(-1)`) computes every pair without it")
