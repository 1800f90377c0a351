"""What a reduction of a product is (BL503, BL505): the sum call, its operand and axis,
the factors of the product, and the evidence that a factor is an array.

Real code spells a reduction many ways (``np.sum(x, 1)``, ``x.sum(axis=-1)``,
``torch.sum(x, dim=0)``, a bare ``sum`` imported from numpy, geomstats'
``gs.sum``); the rules ask one question: ``reduction(ctx, node)``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from blaslint.analysis.facts import INT_DTYPES
from blaslint.analysis.sparse import masked_evidence, matrix_semantics
from blaslint.rules._common import int_constant, kwarg
from blaslint.rules.vectorize import _loopdots as ld

SUM_APIS = {"numpy.sum": "numpy", "torch.sum": "torch", "geomstats.backend.sum": "geomstats"}
MULTIPLY_APIS = {"numpy.multiply", "torch.mul", "torch.multiply"}
# Calls whose result is an array whatever their arguments are.
ARRAY_MAKERS = {"numpy.outer", "numpy.cross", "numpy.asarray", "numpy.array", "numpy.asanyarray",
                "numpy.column_stack", "numpy.vstack", "numpy.hstack", "numpy.stack", "numpy.concatenate",
                "numpy.diff", "numpy.gradient", "numpy.cumsum", "numpy.arange", "numpy.linspace",
                "numpy.tile", "numpy.repeat", "numpy.kron", "torch.outer", "torch.stack", "torch.cat"}
# Element-wise calls: an array when their first argument is one.
ELEMENTWISE = {"numpy.abs", "numpy.absolute", "numpy.exp", "numpy.log", "numpy.sqrt", "numpy.square",
               "numpy.sin", "numpy.cos", "numpy.roll", "numpy.conj", "numpy.real", "numpy.imag",
               "numpy.maximum", "numpy.minimum", "numpy.clip",
               "torch.abs", "torch.exp", "torch.log", "torch.sqrt", "torch.square"}


@dataclass(frozen=True)
class Reduction:
    call: ast.Call
    operand: ast.AST
    axis: ast.AST | None      # None: the whole array
    lib: str                  # "numpy", "torch", "geomstats", "method" (x.sum()), "builtin"
    keepdims: bool = False

    @property
    def axis_value(self) -> int | None:
        return int_constant(self.axis)


_MEAN_APIS = {"numpy.mean": "numpy", "torch.mean": "torch"}


def mean_reduction(ctx, node) -> Reduction | None:
    """``np.mean(x, axis)``, ``x.mean(axis)``, ``torch.mean(x, dim)`` along one given axis: a sum over a count."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg not in ("axis", "dim") for k in node.keywords):
        return None
    api = ctx.resolve_call(node)
    if api in _MEAN_APIS and node.args:
        lib, operand, args = _MEAN_APIS[api], node.args[0], node.args[1:]
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "mean" and api is None:
        lib, operand, args = "method", node.func.value, node.args
    else:
        return None
    axis = args[0] if len(args) == 1 else None if args else kwarg(node, "axis") or kwarg(node, "dim")
    return Reduction(node, operand, axis, lib) if int_constant(axis) is not None else None


def real_part(ctx, operand) -> ast.AST | None:
    """``P`` of ``np.real(P)`` / ``P.real`` when ``P`` is a product of factors: the real part of a sum is the
    sum of the real parts, so the product's reduction is the rewrite, then ``.real`` (sporco's step sizes,
    ``np.sum(np.real(np.conj(dx) * dg))``; mne's ``(M * M.conj()).real.sum(0)``)."""
    if isinstance(operand, ast.Call) and ctx.resolve_call(operand) in ("numpy.real", "torch.real") \
            and len(operand.args) == 1 and not operand.keywords:
        inner = operand.args[0]
    elif isinstance(operand, ast.Attribute) and operand.attr == "real":
        inner = operand.value
    else:
        return None
    return inner if factors(ctx, inner) is not None or squared(ctx, inner) is not None else None


def real_of(text: str) -> str:
    """``text.real``: a call, a name or an attribute takes it directly, anything else in parentheses
    (``(a @ b).real``, never ``a @ np.conj(b).real``)."""
    node = ast.parse(text, mode="eval").body
    postfix = isinstance(node, (ast.Call, ast.Name, ast.Attribute, ast.Subscript))
    return f"{text}.real" if postfix else f"({text}).real"


def reduction(ctx, node) -> Reduction | None:
    """``np.sum(x[, axis])``, ``x.sum([axis])``, ``torch.sum(x, dim)``, ``gs.sum``, builtin ``sum(x)``,
    ``np.add.reduce(x, axis)``."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg is None for k in node.keywords):
        return None
    func = node.func
    api = ctx.resolve_call(node)
    if api in SUM_APIS:
        lib, args = SUM_APIS[api], node.args[1:]
        if not node.args:
            return None
        operand = node.args[0]
    elif api == "numpy.add.reduce":  # older code's sum (nipy); its axis defaults to 0: only a given one counts
        if not node.args or len(node.args) < 2 and kwarg(node, "axis") is None:
            return None
        lib, args, operand = "numpy", node.args[1:], node.args[0]
    elif isinstance(func, ast.Attribute) and func.attr == "sum" and api is None:
        lib, args, operand = "method", node.args, func.value
    elif ld._is_builtin(ctx, node, "sum") and len(node.args) == 1 and not node.keywords:
        return Reduction(node, node.args[0], None, "builtin")
    else:
        return None
    if any(k.arg not in ("axis", "dim", "keepdims", "keepdim") for k in node.keywords) or len(args) > 1:
        return None  # dtype=, out=, initial=, where=: leave alone
    axis = args[0] if args else kwarg(node, "axis") or kwarg(node, "dim")
    keep = kwarg(node, "keepdims") or kwarg(node, "keepdim")
    keepdims = keep is not None and not (isinstance(keep, ast.Constant) and keep.value is False)
    if isinstance(axis, ast.Constant) and axis.value is None:
        axis = None
    return Reduction(node, operand, axis, lib, keepdims)


def factors(ctx, expr) -> tuple[ast.AST, ast.AST] | None:
    """(a, b) of ``a * b``, ``np.multiply(a, b)``, ``torch.mul(a, b)``; None for a scalar factor."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        pair = expr.left, expr.right
        if any(matrix_semantics(ctx, x) for x in pair):
            return None  # `*` of a scipy.sparse matrix or an np.matrix is a matrix product
    elif isinstance(expr, ast.Call) and len(expr.args) == 2 and not expr.keywords \
            and ctx.resolve_call(expr) in MULTIPLY_APIS:
        pair = expr.args[0], expr.args[1]
    else:
        return None
    if any(_scalar(ctx, x) for x in pair):
        return None  # a scaled sum, not a dot
    if any(masked_evidence(ctx, x) for x in pair):
        return None  # a masked product (`*` or `np.multiply`): the sum honours the mask, a BLAS product would not
    return pair


def _scalar(ctx, x) -> bool:
    if isinstance(x, ast.Constant) or isinstance(x, ast.UnaryOp) and isinstance(x.operand, ast.Constant):
        return True
    return ctx.array_facts(x).rank == 0


def squared(ctx, expr) -> tuple[ast.AST, bool] | None:
    """(x, via_abs) when ``expr`` is ``x**2``, ``x * x``, ``np.multiply(x, x)``, ``np.square(x)``, ``np.power(x, 2)``,
    ``np.abs(x)**2``."""
    base = None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Pow, ast.Mult)) \
            and matrix_semantics(ctx, expr.left):
        return None  # `M ** 2` / `M * M` of an np.matrix or a sparse matrix: a matrix product
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Pow) and isinstance(expr.right, ast.Constant) \
            and not isinstance(expr.right.value, bool) and expr.right.value == 2:
        base = expr.left
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult) and ld.same_expr(ctx, expr.left, expr.right) \
            and isinstance(expr.left, (ast.Name, ast.Attribute, ast.Subscript)):
        base = expr.left
    elif isinstance(expr, ast.Call) and not expr.keywords:
        api = ctx.resolve_call(expr)
        if len(expr.args) == 1 and api in ("numpy.square", "torch.square"):
            base = expr.args[0]
        elif len(expr.args) == 2 and api in ("numpy.power", "torch.pow") \
                and isinstance(expr.args[1], ast.Constant) and type(expr.args[1].value) in (int, float) \
                and expr.args[1].value == 2:
            base = expr.args[0]  # np.power(r, 2): back-propagation code's spelling of a square
        elif len(expr.args) == 2 and api in MULTIPLY_APIS and ld.same_expr(ctx, expr.args[0], expr.args[1]) \
                and isinstance(expr.args[0], (ast.Name, ast.Attribute, ast.Subscript)):
            base = expr.args[0]
    if base is None:
        return None
    if isinstance(base, ast.Call) and len(base.args) == 1 and not base.keywords \
            and ctx.resolve_call(base) in ("numpy.abs", "numpy.absolute", "torch.abs"):
        return base.args[0], True
    return base, False


def array_evidence(ctx, expr, depth: int = 0) -> str | None:
    """Why ``expr`` is an array (of rank >= 1), in words, or None when nothing says so.

    Facts first (a creation site); then the syntax only arrays allow: slicing
    (``x[1:]``, ``x[:, 0]``), a transpose, ``.reshape``, array-making calls, and
    arithmetic with such an operand, followed through local names.
    """
    if depth > 6 or expr is None:
        return None
    f = ctx.array_facts(expr)
    if f.rank is not None:
        if f.rank >= 1 and f.dtype not in INT_DTYPES | {"bool", "object"}:
            return f"{f.rank}-D"
        return None
    if f.min_rank is not None and f.min_rank >= 1:
        return f"at least {f.min_rank}-D"
    if isinstance(expr, ast.Subscript):
        items = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if any(isinstance(i, ast.Slice) or isinstance(i, ast.Constant) and i.value in (None, Ellipsis)
               for i in items):
            return "sliced"
        if len(items) == 1 and (isinstance(items[0], (ast.Subscript, ast.Call, ast.Compare))
                                or isinstance(items[0], ast.UnaryOp) and isinstance(items[0].op, ast.Invert)):
            return "indexed by an array"  # x[idx[mask]], x[np.where(...)], x[a > 0], x[~m]
        return None  # x[i]: an element or a row
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
        return "transposed"
    if isinstance(expr, ast.Call):
        api = ctx.resolve_call(expr)
        if api in ARRAY_MAKERS:
            return f"from `{ctx.text(expr.func)}`"
        if api in ELEMENTWISE and expr.args:
            return array_evidence(ctx, expr.args[0], depth + 1)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in ("reshape", "astype", "ravel", "flatten",
                                                                      "squeeze", "copy") and api is None:
            return "reshaped" if expr.func.attr == "reshape" else array_evidence(ctx, expr.func.value, depth + 1)
        return None
    if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
        why = array_evidence(ctx, expr.left, depth + 1) or array_evidence(ctx, expr.right, depth + 1)
        # the other operand may broadcast to more dimensions: an exact rank of one operand is a lower bound
        return f"at least {why}" if why and why[0].isdigit() else why
    if isinstance(expr, ast.UnaryOp):
        return array_evidence(ctx, expr.operand, depth + 1)
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr)
        if value is not None:
            why = array_evidence(ctx, value, depth + 1)
            return f"{why} (line {value.lineno})" if why and "line" not in why else why
    return None


def temporary_facts(ctx, temp):
    """Facts of the temporary a reduction saves: the product's, else a factor's of the larger rank;
    summed along axis k it has at least k + 1 (or -k) dimensions."""
    if temp is None:
        return None
    f = ctx.array_facts(temp)
    if f.rank is None:
        parts = factors(ctx, temp) or ((squared(ctx, temp) or (None,))[0],) * 2
        known = [ctx.array_facts(x) for x in parts if x is not None]
        known = [k for k in known if k.rank is not None]
        if known:
            f = max(known, key=lambda k: k.rank)
    call = ctx.parent(temp)
    if isinstance(call, ast.Attribute):
        call = ctx.parent(call)
    red = reduction(ctx, call) if call is not None else None
    axis = red.axis_value if red is not None and red.operand is temp else None
    if f.rank is None and axis is not None:
        f = replace(f, rank=max(2, axis + 1 if axis >= 0 else -axis))
    return f


def in_root_with_terms(ctx, node) -> bool:
    """``np.sqrt(eps**2 + np.sum(g**2, axis=k))``: a smoothed magnitude, not a norm."""
    root, seen_add = root_around(ctx, node)
    return root and seen_add


def root_around(ctx, node) -> tuple[bool, bool]:
    """(is ``node`` inside a square root through arithmetic, was a ``+``/``-`` on the way)."""
    par = ctx.parent(node)
    seen_add = False
    while isinstance(par, (ast.BinOp, ast.UnaryOp)):
        if isinstance(par, ast.BinOp) and isinstance(par.op, (ast.Add, ast.Sub)):
            seen_add = True
        par = ctx.parent(par)
    root = isinstance(par, ast.Call) and ctx.resolve_call(par) in ("numpy.sqrt", "math.sqrt", "torch.sqrt")
    return root, seen_add


LETTERS = "ijklmnopqrs"


def any_rank_subscripts(rank: int | None, axis: int) -> str | None:
    """Subscripts of a row-wise dot over ``axis``: ``'ij,ij->i'`` for a known rank, else an ellipsis form
    valid at every rank that has the axis (``'...i,...i->...'`` for axis -1, ``'ijk...,ijk...->ij...'``
    for axis 2)."""
    if rank is not None:
        return rowwise_subscripts(rank, axis)
    if axis < 0:
        if -axis > len(LETTERS):
            return None
        idx = LETTERS[:-axis]
        return f"...{idx},...{idx}->...{idx[1:]}"
    if axis + 1 > len(LETTERS):
        return None
    idx = LETTERS[:axis + 1]
    return f"{idx}...,{idx}...->{idx[:-1]}..."


def rowwise_subscripts(rank: int, axis: int) -> str | None:
    """``'ij,ij->i'`` for rank 2 summed over axis 1."""
    if rank < 1 or rank > len(LETTERS) or not -rank <= axis < rank:
        return None
    axis %= rank
    idx = LETTERS[:rank]
    return f"{idx},{idx}->{idx.replace(idx[axis], '')}"
