"""What we know of an array from where it was made: rank, dtype, memory order, shape.

Facts come from creation sites (``np.zeros((m, n), dtype=np.float32)``,
``rng.standard_normal((n, k))``, ``torch.randn(n, k)``, ``np.asfortranarray``),
flow through simple assignments in the same function or module, and through a
few operations that keep or change them predictably (``.T``, ``astype``,
``zeros_like``, elementwise arithmetic, ``@``). Anything else is unknown, and
rules stay silent on unknown.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from blaslint.analysis.dims import _dim_key, _fold_int, is_new_axis, same_dim  # noqa: F401  (re-exported)
from blaslint.analysis.evidence import is_soft, merge

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext  # never the facade itself

Dim = object  # an int, a source string for a symbolic size, or None


@dataclass(frozen=True)
class Facts:
    rank: int | None = None
    dtype: str | None = None      # canonical numpy name: "float32", "int64", "bool", "object", ...
    order: str | None = None      # "C", "F" or None (unknown / not contiguous)
    shape: tuple | None = None    # tuple of Dim when rank is known from the source
    lib: str | None = None        # "numpy", "torch", ... the library that made it
    # A Python scalar (``len(x)``, ``float(t)``, ``2.0``): under NEP 50 it takes the
    # other operand's dtype instead of promoting it (``x32 / len(x)`` stays float32).
    weak: bool = False
    # At least this rank, when the code proves a lower bound only (``x[:, 0]``,
    # ``x.shape[1]``: rank >= 2) without fixing the rank.
    min_rank: int | None = None
    # Where the rank came from (analysis/evidence.py), strongest first. Not
    # compared: facts equal in content are equal whatever said so.
    evidence: tuple = field(default=(), compare=False)
    # Trailing dims known while the rank is not (``A @ W`` with ``W`` of shape
    # (4, 2) ends in 2 whatever ``A`` is; ``S + R`` with ``R`` 2x2 ends in 2x2).
    # Sizes only: the cost model reads them (trailing_dims); no claim or fix
    # rests on them. Not compared.
    tail: tuple = field(default=(), compare=False)

    @property
    def known(self) -> bool:
        return self.rank is not None

    @property
    def soft(self) -> bool:
        """The rank rests (in part) on docstring or runtime evidence: no fix may rely on it."""
        return self.rank is not None and is_soft(self.evidence)

    def with_evidence(self, evidence: tuple) -> "Facts":
        return replace(self, evidence=tuple(evidence))

    @property
    def is_matrix(self) -> bool:
        return self.rank == 2

    @property
    def is_vector(self) -> bool:
        return self.rank == 1

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES

    @property
    def is_blas_dtype(self) -> bool:
        return self.dtype in BLAS_DTYPES


UNKNOWN = Facts()


def trailing_dims(f: Facts) -> tuple:
    """The known trailing dims of ``f``: its whole shape when the rank is known, else ``f.tail``."""
    if f.rank is not None:
        if f.shape is not None and len(f.shape) == f.rank:
            return tuple(f.shape)
        tail = tuple(f.tail)[-f.rank:] if f.rank else ()  # sizes kept beside a soft rank
        return (None,) * (f.rank - len(tail)) + tail
    return f.tail



def common_tail(facts):
    """Sizes all ``facts`` agree on when their ranks do not: the literal trailing dims they share."""
    tails = [trailing_dims(f) for f in facts]
    out = []
    for i in range(1, min(len(t) for t in tails) + 1):
        dims = {t[-i] for t in tails}
        if len(dims) != 1 or not isinstance(next(iter(dims)), int):
            break
        out.append(dims.pop())
    return Facts(tail=tuple(reversed(out))) if out else UNKNOWN


def join_facts(facts):
    """What all ``facts`` agree on: the rank must agree; other fields are kept when equal."""
    if not facts:
        return UNKNOWN
    first = facts[0]
    if first.rank is None or any(f.rank != first.rank for f in facts):
        return common_tail(facts)

    def common(attr):
        values = {getattr(f, attr) for f in facts}
        return values.pop() if len(values) == 1 else None

    return Facts(rank=first.rank, dtype=common("dtype"), order=common("order"), shape=common("shape"),
                 lib=common("lib"), weak=all(f.weak for f in facts), evidence=merge(*(f.evidence for f in facts)))


def _with_tail(tail: tuple) -> Facts:
    tail = tuple(tail)
    while tail and tail[0] is None:
        tail = tail[1:]
    return Facts(tail=tail) if tail else UNKNOWN


def _is_matrix_like(f: Facts) -> bool:
    """At least 2-D, by its rank or by two known trailing dims."""
    return (f.rank is not None and f.rank >= 2) or (f.rank is None and len(f.tail) >= 2)


def matmul_tail(left: Facts, right: Facts) -> Facts:
    """``left @ right`` when a rank is unknown: the trailing dims the product must end in."""
    lt, rt = trailing_dims(left), trailing_dims(right)
    if right.rank == 1:
        return _with_tail(lt[:-1]) if _is_matrix_like(left) else UNKNOWN
    if not _is_matrix_like(right):
        return UNKNOWN
    if _is_matrix_like(left):
        return _with_tail((lt[-2], rt[-1]))
    return _with_tail((rt[-1],)) if left.rank is None or left.rank >= 1 else UNKNOWN


def broadcast_tail(left: Facts, right: Facts) -> Facts:
    """An elementwise result when a rank is unknown: a dim known (and not 1) on one side fixes the result's."""
    from blaslint.analysis.broadcasting import broadcast_dim

    lt, rt = trailing_dims(left), trailing_dims(right)
    out = []
    for i in range(1, max(len(lt), len(rt)) + 1):
        a = lt[-i] if i <= len(lt) else (1 if left.rank is not None else None)
        b = rt[-i] if i <= len(rt) else (1 if right.rank is not None else None)
        out.append(broadcast_dim(a, b))
    return _with_tail(reversed(out))
SCALAR = Facts(rank=0)
PY_FLOAT = Facts(rank=0, dtype="float64", weak=True)   # float(x), a float literal
PY_INT = Facts(rank=0, dtype="int64", weak=True)       # int(x), len(x), X.shape[0], a loop counter
SMALL_DIM = 32
_FLOAT_CONSTANTS = {
    name: {f"numpy.{name}", f"math.{name}", f"torch.{name}"}
    for name in ("pi", "e", "inf", "nan", "tau", "euler_gamma")
}


def known_small(f: Facts, limit: int = SMALL_DIM) -> bool:
    """Every dimension known from the source and below ``limit`` (a 3x3 literal, say).

    Products and reductions of such arrays cost microseconds whatever the
    spelling; performance rules stay silent on them.
    """
    if f.rank == 0 and f.shape == ():
        return True  # a 0-d array
    return f.shape is not None and len(f.shape) >= 1 and all(
        isinstance(d, int) and not isinstance(d, bool) and d < limit for d in f.shape)

FLOAT_DTYPES = {"float16", "float32", "float64", "longdouble", "bfloat16"}
BLAS_DTYPES = {"float32", "float64", "complex64", "complex128"}
INT_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}

_DTYPE_NAMES = {
    "float32": "float32", "single": "float32", "f4": "float32", "float": "float64",
    "float64": "float64", "double": "float64", "f8": "float64", "float_": "float64",
    "float16": "float16", "half": "float16", "f2": "float16", "longdouble": "longdouble",
    "complex64": "complex64", "csingle": "complex64", "c8": "complex64", "complex": "complex128",
    "complex128": "complex128", "cdouble": "complex128", "c16": "complex128", "complex_": "complex128",
    "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64", "int": "int64",
    "int_": "int64", "intc": "int32", "i4": "int32", "i8": "int64", "long": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64", "u1": "uint8",
    "bool": "bool", "bool_": "bool", "?": "bool", "object": "object", "object_": "object", "O": "object",
    "bfloat16": "bfloat16", "short": "int16", "cfloat": "complex64",
}

_CREATORS_SHAPE_FIRST = {"zeros", "ones", "empty", "full"}
_NUMPY_RANDOM_SIZED = {  # function -> index of the positional `size` argument
    "random": 0, "random_sample": 0, "sample": 0, "ranf": 0, "standard_normal": 0,
    "normal": 2, "uniform": 2, "standard_exponential": 0, "exponential": 1,
    "integers": 2, "randint": 2, "standard_cauchy": 0, "laplace": 2, "logistic": 2,
    "gamma": 2, "beta": 2, "poisson": 1, "binomial": 2, "choice": 1,
}
_RANDOM_INT = {"integers", "randint", "poisson", "binomial"}


def dtype_name(ctx: "FileContext", node: ast.AST | None, depth: int = 0) -> str | None:
    """Canonical dtype of a dtype expression (np.float32, "f4", float, torch.float32, T)."""
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        s = node.value.lstrip("<>=|")
        return _DTYPE_NAMES.get(s)
    if isinstance(node, ast.Name) and node.id in ("float", "int", "bool", "complex", "object"):
        if ctx.scope_of(node).bindings.get(node.id) is None and ctx.imports.qualname(node.id) is None:
            return _DTYPE_NAMES[node.id]
    q = ctx.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if q:
        lib, _, attr = q.rpartition(".")
        if lib in ("numpy", "torch") and attr in _DTYPE_NAMES:
            return _DTYPE_NAMES[attr]
        return None
    if isinstance(node, ast.Call):  # np.dtype("float32")
        if ctx.resolve_call(node) == "numpy.dtype" and node.args:
            return dtype_name(ctx, node.args[0], depth + 1)
        return None
    if isinstance(node, ast.Name):
        value = ctx.value_of(node)
        if value is not None:
            return dtype_name(ctx, value, depth + 1)
    if isinstance(node, ast.Attribute) and node.attr == "dtype":
        return ctx.array_facts(node.value).dtype
    return None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _arg(call: ast.Call, index: int, name: str) -> ast.AST | None:
    v = _kw(call, name)
    if v is not None:
        return v
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _dim(ctx, node) -> object:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):  # `n = 1000` earlier: the number itself
        value = ctx.value_of(node)
        if isinstance(value, ast.Constant) and isinstance(value.value, int) and not isinstance(value.value, bool):
            return value.value
    return ctx.text(node) if hasattr(node, "lineno") else None


def shape_of(ctx: "FileContext", node: ast.AST | None) -> tuple | None:
    """A shape argument as a tuple of dims (ints or source strings), if its length is known."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return None
        return tuple(_dim(ctx, e) for e in node.elts)
    if isinstance(node, ast.Name):
        value = ctx.value_of(node)
        if isinstance(value, (ast.Tuple, ast.List)):
            return shape_of(ctx, value)
        if isinstance(value, ast.Constant) and isinstance(value.value, int) and not isinstance(value.value, bool):
            return (value.value,)  # N = 256: the number, as in a (N, M) tuple (see _dim)
        if isinstance(value, ast.BinOp) and _looks_scalar(ctx, value):
            return (node.id,)  # N = 512 * 512: a size
        is_int_scalar = ctx.shape_flow.is_int_scalar  # n, d = X.shape; len(x); n: int

        # (any scalar used as a size is an int in a running program: a float size raises)
        return (node.id,) if is_int_scalar(ctx, node) or ctx.array_facts(node).rank == 0 else None
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        f = ctx.array_facts(node.value)
        return f.shape if f.shape is not None else (
            tuple([None] * f.rank) if f.rank is not None else None
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.FloorDiv, ast.Sub)):
        # `n * m`, `n + 1`: a scalar size
        left, right = node.left, node.right
        if all(_looks_scalar(ctx, x) for x in (left, right)):
            return (ctx.text(node),)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape" \
            and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
        return (ctx.text(node),)  # X.shape[0]: an entry of a shape is an int, whatever X is
    if isinstance(node, (ast.BinOp, ast.Call, ast.Subscript)):
        is_int_scalar = ctx.shape_flow.is_int_scalar  # len(x), X.shape[0], n + 1

        if is_int_scalar(ctx, node):
            return (ctx.text(node),)
    return None


def dimension_of(ctx: "FileContext", node: ast.AST | None) -> tuple[ast.AST, int, bool] | None:
    """(array expr, axis, proves_array) when a size is an array dimension.

    ``A.shape[1]`` -> (A, 1, True); ``len(A)`` -> (A, 0, False) (lists have a
    len too); a name bound once to either, or unpacked from ``n, m = A.shape``,
    resolves through its binding.
    """
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
            and node.value.attr == "shape" and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, int) and not isinstance(node.slice.value, bool):
        return node.value.value, node.slice.value, True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1 and not node.keywords and ctx.scope_of(node).bindings.get("len") is None:
        return node.args[0], 0, False
    if isinstance(node, ast.Name):
        binding = ctx.reaching_binding(node)
        if binding is None or binding.kind != "assign":
            return None
        if binding.value is not None:
            return dimension_of(ctx, binding.value)
        stmt = binding.stmt
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                and isinstance(stmt.value, ast.Attribute) and stmt.value.attr == "shape":
            elts = stmt.targets[0].elts
            if not any(isinstance(e, ast.Starred) for e in elts):
                for axis, elt in enumerate(elts):
                    if elt is binding.node:
                        return stmt.value.value, axis, True
    return None


def int_value(ctx: "FileContext", node: ast.AST | None) -> int | None:
    """The int a size expression certainly has: a literal, or a name bound once to one."""
    if isinstance(node, ast.Name):
        node = ctx.value_of(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _looks_scalar(ctx, node) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int)
    if isinstance(node, ast.BinOp):
        return _looks_scalar(ctx, node.left) and _looks_scalar(ctx, node.right)
    if isinstance(node, ast.Name):
        v = ctx.value_of(node)
        return isinstance(v, ast.Constant) and isinstance(v.value, int)
    return False


def _facts_from_shape(shape, dtype, order, lib) -> Facts:
    if shape is None:
        return Facts(dtype=dtype, lib=lib)
    return Facts(rank=len(shape), dtype=dtype, order=order if len(shape) >= 2 else "C", shape=shape, lib=lib)


def promote(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    if a == b:
        return a
    order = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
             "float16", "bfloat16", "float32", "float64", "longdouble", "complex64", "complex128"]
    if a == "object" or b == "object":
        return "object"
    if a in order and b in order:
        if {a, b} == {"float32", "complex64"}:
            return "complex64"
        if ("complex64" in (a, b)) and ("float64" in (a, b)):
            return "complex128"
        if a in INT_DTYPES and b in ("float16", "float32") or b in INT_DTYPES and a in ("float16", "float32"):
            return "float64"
        return max(a, b, key=order.index)
    return None


def _literal_facts(node) -> Facts | None:
    """Facts of a Python literal: numbers are scalars (weak dtype), lists nest."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return Facts(rank=0, dtype="bool", weak=True)
        if isinstance(node.value, int):
            return PY_INT
        if isinstance(node.value, float):
            return PY_FLOAT
        if isinstance(node.value, complex):
            return Facts(rank=0, dtype="complex128", weak=True)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return _literal_facts(node.operand)
    return None


def _list_facts(node, ctx: "FileContext | None" = None) -> Facts | None:
    """np.array([[1., 2.], [3., 4.]]) -> rank 2 float64; with ``ctx``, leaves may be scalar expressions."""
    depth = 0
    dims: list[int] = []
    kinds = set()
    cur = [node]
    while cur and all(isinstance(c, (ast.List, ast.Tuple)) for c in cur):
        depth += 1
        nxt = []
        lengths = {len(c.elts) for c in cur}
        if len(lengths) != 1 or 0 in lengths:
            return None
        dims.append(lengths.pop())
        for c in cur:
            nxt.extend(c.elts)
        cur = nxt
    for c in cur:
        if isinstance(c, ast.UnaryOp) and isinstance(c.operand, ast.Constant):
            c = c.operand
        if ctx is not None and not isinstance(c, ast.Constant):
            leaf = ctx.array_facts(c)  # np.deg2rad(1.0), dt, a float variable
            if leaf.rank != 0 or leaf.dtype not in ("float64", "int64", "bool", "complex128"):
                return None
            kinds.add({"float64": float, "int64": int, "bool": bool, "complex128": complex}[leaf.dtype])
            continue
        if not isinstance(c, ast.Constant) or isinstance(c.value, str) or c.value is None:
            return None
        kinds.add(type(c.value))
    if not depth:
        return None
    dtype = "complex128" if complex in kinds else "float64" if float in kinds else (
        "int64" if int in kinds else "bool")
    return Facts(rank=depth, dtype=dtype, order="C", shape=tuple(dims), lib="numpy")


def infer(ctx: "FileContext", expr: ast.AST) -> Facts:
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr)
        if value is None:
            shape_flow = ctx.shape_flow  # loop counters, tuple unpacking

            f = shape_flow.name_facts(ctx, expr)
        else:
            f = ctx.array_facts(value)
        if f.rank is None:
            usage = ctx.usage  # `x = load(); assert x.ndim == 2` (through the facade: no import cycle)

            binding = usage.binding_of(ctx, expr)
            got = usage.usage_facts(ctx, expr, binding, f) if binding is not None and binding.kind != "param" else None
            if got is not None:
                return got if got.rank is not None else replace(f, min_rank=got.min_rank, evidence=got.evidence)
        return f
    lit = _literal_facts(expr)
    if lit is not None:
        return lit
    if isinstance(expr, ast.Attribute) and expr.attr in _FLOAT_CONSTANTS \
            and ctx.resolve(expr) in _FLOAT_CONSTANTS[expr.attr]:
        return PY_FLOAT  # np.pi, math.e, np.inf: plain Python floats
    if isinstance(expr, ast.Attribute):
        if expr.attr in ("T", "mT", "H") and expr.attr != "mT":
            base = ctx.array_facts(expr.value)
            return transpose(base)
        if expr.attr in ("real", "imag"):
            base = ctx.array_facts(expr.value)
            return replace(base, order=None)
        if expr.attr in ("pi", "e", "inf", "nan", "tau", "euler_gamma") and ctx.resolve(expr) in _FLOAT_CONSTANTS:
            return PY_FLOAT
        if isinstance(expr.value, ast.Name):

            return ctx.attributes.attribute_facts(ctx, expr)  # self.P, agreed by the class
        return UNKNOWN
    if isinstance(expr, ast.Call):
        f = _call_facts(ctx, expr)
        if f.rank is None:
            shape_flow = ctx.shape_flow  # reductions, ufuncs, linalg results

            more = shape_flow.call_facts(ctx, expr, ctx.resolve_call(expr))
            if more.rank is not None:
                return replace(more, dtype=more.dtype or f.dtype)
        return f
    if isinstance(expr, ast.BinOp):
        return binop_facts(expr.op, ctx.array_facts(expr.left), ctx.array_facts(expr.right))
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        return ctx.array_facts(expr.operand)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert):
        base = ctx.array_facts(expr.operand)
        return base if base.rank and base.dtype in INT_DTYPES | {"bool"} else UNKNOWN
    if isinstance(expr, ast.Compare):
        return _compare_facts(ctx, expr)
    if isinstance(expr, ast.IfExp):  # `randn(1, N) if single else randn(K, N)`: what both branches agree on
        return join_facts([ctx.array_facts(expr.body), ctx.array_facts(expr.orelse)])
    if isinstance(expr, ast.Subscript):
        shape_flow = ctx.shape_flow  # integer counters, shapes, X.shape[k]

        f = shape_flow.subscript_facts(ctx, expr)
        return f if f.rank is not None or f.min_rank else subscript_facts(ctx.array_facts(expr.value), expr.slice)
    return UNKNOWN


def binop_facts(op: ast.operator, left: Facts, right: Facts) -> Facts:
    """Facts of ``left <op> right`` (``@``, or elementwise with broadcasting)."""
    if isinstance(op, ast.MatMult):
        return matmul_facts(left, right)
    if left.rank is None or right.rank is None:
        return broadcast_tail(left, right)
    from blaslint.analysis.broadcasting import broadcast_shape  # (n, 1) * (1, m) -> (n, m)

    dtype = _binop_dtype(op, left, right)
    rank = max(left.rank, right.rank)
    shape = broadcast_shape(left, right)
    return Facts(rank=rank, dtype=dtype, order="C" if rank else None, shape=shape,
                 lib=left.lib or right.lib, weak=rank == 0 and _is_weak(left) and _is_weak(right))


# Library constants that are Python floats.
_FLOAT_CONSTANTS = {"numpy.pi", "numpy.e", "numpy.inf", "numpy.nan", "numpy.euler_gamma", "math.pi", "math.e",
                    "math.tau", "math.inf", "math.nan"}


def _compare_facts(ctx, expr: ast.Compare) -> Facts:
    """``A > 0``, ``a == b``: a bool array shaped like the (broadcast) operands."""
    if len(expr.ops) != 1 or isinstance(expr.ops[0], (ast.In, ast.NotIn, ast.Is, ast.IsNot)):
        return UNKNOWN
    left, right = ctx.array_facts(expr.left), ctx.array_facts(expr.comparators[0])
    if left.rank is None or right.rank is None or max(left.rank, right.rank) == 0:
        return UNKNOWN
    if (left.lib or right.lib) not in ("numpy", "torch"):
        return UNKNOWN
    from blaslint.analysis.broadcasting import broadcast_shape

    big = left if left.rank >= right.rank else right
    shape = broadcast_shape(left, right)
    return Facts(rank=big.rank, dtype="bool", order="C", shape=shape, lib=left.lib or right.lib)


def subscript_facts(base: Facts, index: ast.AST) -> Facts:
    """Indexing keeps an array's dtype; the rank is known for ints, slices and None.

    ``A[0]``, ``A[:, 1:]``, ``A[..., None]`` have a known rank; ``A[i]`` (``i``
    could be an int or an index array) keeps only the dtype. A string index
    (a record field) makes everything unknown.
    """
    if base.rank is None or base.rank == 0 or base.lib not in ("numpy", "torch"):
        return UNKNOWN
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    rank = base.rank
    known = True
    ellipsis = False
    for item in items:
        if isinstance(item, ast.Slice):
            continue
        if is_new_axis(item):  # None, np.newaxis
            rank += 1
            continue
        if isinstance(item, ast.Constant):
            if item.value is Ellipsis:
                ellipsis = True
            elif isinstance(item.value, int) and not isinstance(item.value, bool):
                rank -= 1
            else:
                return UNKNOWN
        elif isinstance(item, ast.UnaryOp) and isinstance(item.operand, ast.Constant) \
                and isinstance(item.operand.value, int):
            rank -= 1
        else:
            known = False
    if ellipsis and len(items) > base.rank + 1:
        known = False
    if not known or rank < 0 or (not ellipsis and len(items) > base.rank + sum(is_new_axis(i) for i in items)):
        return Facts(dtype=base.dtype, lib=base.lib)
    return Facts(rank=rank, dtype=base.dtype, lib=base.lib)  # order: a view may be strided


def _binop_dtype(op, left: Facts, right: Facts) -> str | None:
    d = combine_dtypes(left, right)
    if isinstance(op, ast.Div) and d in INT_DTYPES | {"bool"}:
        return "float64"
    return d


def _is_weak(f: Facts) -> bool:
    return f.rank == 0 and (f.weak or f.dtype is None)


_KIND = {"bool": 0, **{d: 1 for d in INT_DTYPES}, "float16": 2, "bfloat16": 2, "float32": 2, "float64": 2,
         "longdouble": 2, "complex64": 3, "complex128": 3}


def combine_dtypes(a: Facts, b: Facts) -> str | None:
    """Result dtype of an elementwise operation on ``a`` and ``b`` (NEP 50).

    A Python scalar (weak) takes the array's dtype unless it is of a higher kind:
    ``x_int * 2.0`` is float64, ``x32 * 2.0`` float32, ``x32 * 1j`` complex64.
    A weak scalar of unknown kind (dtype None) keeps the other dtype.
    """
    wa, wb = _is_weak(a), _is_weak(b)
    if wa and wb:
        if a.dtype is None or b.dtype is None:
            return None
        return max(a.dtype, b.dtype, key=lambda d: _KIND.get(d, 9))
    if wa or wb:
        weak, strong = (a, b) if wa else (b, a)
        if weak.dtype is None or strong.dtype is None:
            return strong.dtype
        kw, ks = _KIND.get(weak.dtype), _KIND.get(strong.dtype)
        if kw is None or ks is None:
            return None
        if kw <= ks:
            return strong.dtype
        if kw == 3:
            return "complex64" if strong.dtype in ("float32", "float16") else "complex128"
        return "float64" if kw == 2 else weak.dtype
    return promote(a.dtype, b.dtype)


def transpose(base: Facts) -> Facts:
    if base.rank is None:
        # .T keeps the dtype; two known trailing dims are taken as a matrix's (sizes only)
        tail = tuple(reversed(base.tail)) if len(base.tail) == 2 else ()
        return Facts(dtype=base.dtype, lib=base.lib, tail=tail) if base.dtype or tail else UNKNOWN
    if base.rank < 2:
        return base
    order = {"C": "F", "F": "C"}.get(base.order or "", None)
    shape = tuple(reversed(base.shape)) if base.shape is not None else None
    return replace(base, order=order, shape=shape)


def matmul_facts(left: Facts, right: Facts) -> Facts:
    if left.rank == 0 or right.rank == 0:
        return UNKNOWN
    if left.rank is None or right.rank is None:
        return matmul_tail(left, right)
    dtype = promote(left.dtype, right.dtype)
    lib = left.lib or right.lib
    if left.rank == 1 and right.rank == 1:
        return Facts(rank=0, dtype=dtype, lib=lib)
    if left.rank == 2 and right.rank == 2:
        shape = None
        if left.shape and right.shape:
            shape = (left.shape[0], right.shape[1])
        return Facts(rank=2, dtype=dtype, order="C", shape=shape, lib=lib)
    if left.rank == 2 and right.rank == 1:
        return Facts(rank=1, dtype=dtype, order="C", shape=(left.shape[0],) if left.shape else None, lib=lib)
    if left.rank == 1 and right.rank == 2:
        return Facts(rank=1, dtype=dtype, order="C", shape=(right.shape[1],) if right.shape else None, lib=lib)
    return Facts(rank=max(left.rank, right.rank), dtype=dtype, lib=lib)


def _call_facts(ctx: "FileContext", call: ast.Call) -> Facts:
    q = ctx.resolve_call(call)
    func = call.func
    if q is None and isinstance(func, ast.Attribute):
        return _method_facts(ctx, call, func)
    if q is None:
        return UNKNOWN
    lib, _, name = q.rpartition(".")
    if lib == "numpy":
        return _numpy_facts(ctx, call, name)
    if lib == "numpy.random":
        return _numpy_random_facts(ctx, call, name, legacy=True)
    if lib in ("numpy.linalg", "scipy.linalg") and name in ("inv", "pinv") and call.args:
        base = ctx.array_facts(call.args[0])
        if base.rank is None:  # a matrix or a stack of them (a vector raises): at least 2-D
            return Facts(min_rank=2, dtype=base.dtype, tail=base.tail[-2:] if name == "inv" else ())
        if not base.rank:
            return UNKNOWN
        shape = base.shape
        if name == "pinv" and shape is not None and len(shape) >= 2:
            shape = (*shape[:-2], shape[-1], shape[-2])  # pinv of an m x n matrix is n x m
        return replace(base, order="C" if lib == "numpy.linalg" else None, shape=shape,
                       tail=() if name == "pinv" else base.tail)
    if lib == "torch":
        return _torch_facts(ctx, call, name)
    if lib in _FFT_LIBS and name in _FFT_SAME_RANK and call.args:
        return _fft_facts(ctx, call, name)
    if lib == "scipy.linalg" and name in _SCIPY_MATRIX_MAKERS and (call.args or call.keywords):
        return Facts(rank=2, lib="numpy")
    return UNKNOWN


# scipy.linalg's special-matrix constructors: each returns one 2-D ndarray.
_SCIPY_MATRIX_MAKERS = ("toeplitz", "circulant", "hankel", "block_diag", "companion", "hilbert", "invhilbert",
                        "leslie", "pascal", "invpascal", "hadamard", "dft", "helmert", "fiedler", "convolution_matrix")


_FFT_LIBS = ("numpy.fft", "scipy.fft", "scipy.fftpack")
# Transforms whose result has the input's rank (and, without ``n=``/``s=``/``shape=``, its shape).
_FFT_SAME_RANK = ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "fftshift", "ifftshift")


def _fft_facts(ctx, call, name) -> Facts:
    base = ctx.array_facts(call.args[0])
    if not base.rank:
        return UNKNOWN
    sized = len(call.args) > 1 or any(k.arg in ("n", "s", "shape") for k in call.keywords)
    dtype = base.dtype if name.endswith("shift") else "complex128"
    return Facts(rank=base.rank, dtype=dtype, order="C", shape=None if sized else base.shape, lib="numpy")


def _numpy_facts(ctx, call, name) -> Facts:
    if name in _DTYPE_NAMES and name not in ("float", "int", "bool", "complex", "object") \
            and len(call.args) == 1 and not call.keywords:
        # np.float64(x): a typed scalar (NEP 50: it promotes like an array), or a cast array
        base = _literal_facts(call.args[0]) or ctx.array_facts(call.args[0])
        return replace(base, dtype=_DTYPE_NAMES[name], lib=base.lib or "numpy", weak=False) \
            if base.rank is not None else Facts(dtype=_DTYPE_NAMES[name], lib="numpy")
    order_node = _kw(call, "order")
    order = "C"
    if isinstance(order_node, ast.Constant) and order_node.value in ("C", "F"):
        order = order_node.value
    elif order_node is not None:
        order = None
    if name in _CREATORS_SHAPE_FIRST:
        shape = shape_of(ctx, _arg(call, 0, "shape"))
        dtype_node = _arg(call, 2 if name == "full" else 1, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else (
            "float64" if name != "full" else _fill_dtype(ctx, _arg(call, 1, "fill_value")))
        return _facts_from_shape(shape, dtype, order, "numpy")
    if name in ("zeros_like", "ones_like", "empty_like", "full_like"):
        base = ctx.array_facts(call.args[0]) if call.args else UNKNOWN
        dtype_node = _arg(call, 2 if name == "full_like" else 1, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else base.dtype
        if order_node is None or (isinstance(order_node, ast.Constant) and order_node.value in ("K", "A")):
            new_order = base.order
        else:
            new_order = order
        shape_node = _kw(call, "shape")
        if shape_node is not None:
            return _facts_from_shape(shape_of(ctx, shape_node), dtype, order, "numpy")
        return replace(base, dtype=dtype, order=new_order, lib="numpy")
    if name in ("eye", "identity"):
        dtype_node = _arg(call, 3 if name == "eye" else 1, "dtype")
        n = call.args[0] if call.args else None
        m = call.args[1] if name == "eye" and len(call.args) > 1 else None
        dims = (_dim(ctx, n) if n is not None else None, _dim(ctx, m) if m is not None else (
            _dim(ctx, n) if n is not None else None))
        return Facts(rank=2, dtype=dtype_name(ctx, dtype_node) if dtype_node else "float64",
                     order=order, shape=dims, lib="numpy")
    if name in ("array", "asarray", "ascontiguousarray", "asfortranarray", "copy", "asanyarray", "require"):
        if not call.args:
            return UNKNOWN
        src = call.args[0]
        base = _list_facts(src, ctx) if isinstance(src, (ast.List, ast.Tuple)) else ctx.array_facts(src)
        dtype_node = _arg(call, 1, "dtype")
        if base is None or base.rank is None:
            # np.asarray(x, dtype=np.float32): the dtype is known even if x is not; and asarray/array
            # return a base-class ndarray whatever x is (asanyarray keeps subclasses such as np.matrix)
            dt = dtype_name(ctx, dtype_node) if dtype_node is not None else None
            if name in ("array", "asarray", "ascontiguousarray", "asfortranarray") or dt is not None \
                    and name != "require":
                return Facts(dtype=dt, lib="numpy")
            return UNKNOWN
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else base.dtype
        if name == "ascontiguousarray":
            new_order = "C"
        elif name == "asfortranarray":
            new_order = "F"
        elif name in ("asarray", "asanyarray") and order_node is None:
            new_order = base.order
        elif name == "array" and order_node is None:
            new_order = base.order if base.order else None  # order='K' keeps a contiguous layout
        elif name == "copy" and order_node is None:
            new_order = base.order
        else:
            new_order = order
        if base.rank is not None and base.rank < 2:
            new_order = "C"
        return replace(base, dtype=dtype, order=new_order, lib="numpy")
    if name in ("arange",):
        dtype_node = _kw(call, "dtype")
        if dtype_node is not None:
            dtype = dtype_name(ctx, dtype_node)
        else:
            dtype = "float64" if any(isinstance(a, ast.Constant) and isinstance(a.value, float)
                                     for a in call.args) else None
        bounds = [int_value(ctx, a) for a in call.args]
        if dtype is None and call.args and None not in bounds:
            dtype = "int64"  # np.arange(100): integer bounds give an integer array
        shape = None
        if all(k.arg == "dtype" for k in call.keywords) and 1 <= len(bounds) <= 3 and None not in bounds \
                and (len(bounds) < 3 or bounds[2] != 0):
            shape = (len(range(*bounds)),)  # np.arange(7): seven elements
        return Facts(rank=1, dtype=dtype, order="C", shape=shape, lib="numpy")
    if name == "ndarray" and call.args:
        # np.ndarray((3, 0)): the raw constructor, float64 unless dtype=
        dtype_node = _arg(call, 1, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else "float64"
        return _facts_from_shape(shape_of(ctx, call.args[0]), dtype, "C", "numpy")
    if name in ("linspace", "logspace"):
        return Facts(rank=1, dtype="float64", order="C", lib="numpy")
    if name in ("dot", "matmul") and len(call.args) == 2:
        return matmul_facts(ctx.array_facts(call.args[0]), ctx.array_facts(call.args[1]))
    if name == "outer" and len(call.args) >= 2:
        from blaslint.analysis.broadcasting import outer_shape

        a, b = ctx.array_facts(call.args[0]), ctx.array_facts(call.args[1])
        return Facts(rank=2, dtype=promote(a.dtype, b.dtype), order="C", shape=outer_shape(a, b), lib="numpy")
    if name == "transpose" and len(call.args) == 1:
        return transpose(ctx.array_facts(call.args[0]))
    if name in ("diag",) and call.args:
        src = call.args[0]
        base = (_list_facts(src, ctx) or UNKNOWN) if isinstance(src, (ast.List, ast.Tuple)) else ctx.array_facts(src)
        if base.rank == 1:
            n = base.shape[0] if base.shape else None
            return Facts(rank=2, dtype=base.dtype, order="C", shape=(n, n), lib="numpy")
        if base.rank == 2:
            return Facts(rank=1, dtype=base.dtype, order="C", lib="numpy")
        return UNKNOWN
    if name in ("sqrt", "exp", "log", "abs", "tanh", "sin", "cos", "negative", "conj", "conjugate"):
        if len(call.args) == 1:
            base = ctx.array_facts(call.args[0])
            if base.rank is not None and base.rank > 0:
                dt = base.dtype
                if name not in ("abs", "negative", "conj", "conjugate") and dt in INT_DTYPES:
                    dt = "float64"
                return Facts(rank=base.rank, dtype=dt, order="C", shape=base.shape, lib=base.lib)
            if base.rank == 0:
                return Facts(rank=0, lib=base.lib or "numpy")  # np.sqrt of one number: one number
    return UNKNOWN


def _fill_dtype(ctx, node) -> str | None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "bool"
        if isinstance(node.value, int):
            return "int64"
        if isinstance(node.value, float):
            return "float64"
    return None


def _numpy_random_facts(ctx, call, name, legacy) -> Facts:
    if name in ("rand", "randn"):
        if any(isinstance(a, ast.Starred) for a in call.args) or call.keywords:
            return UNKNOWN
        shape = tuple(_dim(ctx, a) for a in call.args)
        if not shape:
            return SCALAR
        return Facts(rank=len(shape), dtype="float64", order="C", shape=shape, lib="numpy")
    if name == "multivariate_normal" and call.args:
        # (mean, cov, size): size + (d,), d the length of the mean
        size = _arg(call, 2, "size")
        shape = shape_of(ctx, size) if size is not None else ()
        if shape is None:  # a size of unknown spelling: at least one sample axis
            return Facts(min_rank=2, dtype="float64", lib="numpy")
        mean_node = call.args[0]
        mean = (_list_facts(mean_node, ctx) if isinstance(mean_node, (ast.List, ast.Tuple)) else None) \
            or ctx.array_facts(mean_node)
        d = mean.shape[0] if mean.rank == 1 and mean.shape else None
        return _facts_from_shape((*shape, d), "float64", "C", "numpy")
    if name in _NUMPY_RANDOM_SIZED:
        size = _arg(call, _NUMPY_RANDOM_SIZED[name], "size")
        if size is None:
            # a number only when its parameters are numbers: `normal(mu, 1)` with an array `mu` is an array
            params = call.args[:_NUMPY_RANDOM_SIZED[name]] + [k.value for k in call.keywords if k.arg != "dtype"]
            if name == "choice" or any(ctx.array_facts(a).rank != 0 and not isinstance(a, ast.Constant)
                                       for a in params):
                return UNKNOWN
            return SCALAR
        shape = shape_of(ctx, size)
        dtype_node = _kw(call, "dtype")
        if dtype_node is not None:
            dtype = dtype_name(ctx, dtype_node)
        elif name in _RANDOM_INT:
            dtype = "int64"
        elif name == "choice":
            dtype = None
        else:
            dtype = "float64"
        return _facts_from_shape(shape, dtype, "C", "numpy")
    return UNKNOWN


def _is_generator(ctx, node) -> bool:
    """Is ``node`` a numpy Generator/RandomState (np.random.default_rng(...))?"""
    if isinstance(node, ast.Name):
        v = ctx.value_of(node)
        if v is None:
            return False
        node = v
    if isinstance(node, ast.Call):
        return ctx.resolve_call(node) in ("numpy.random.default_rng", "numpy.random.RandomState",
                                          "numpy.random.Generator")
    return False


def _method_facts(ctx, call, func: ast.Attribute) -> Facts:
    recv = func.value
    name = func.attr
    if _is_generator(ctx, recv):
        return _numpy_random_facts(ctx, call, name, legacy=False)
    if name in ("astype", "type", "to") and call.args:
        base = ctx.array_facts(recv)
        dt = dtype_name(ctx, call.args[0])
        if base.rank is None:
            # x.astype(np.float32) on an unknown x: only the dtype is known (astype: a NumPy-API method)
            return Facts(dtype=dt, lib="numpy") if dt is not None and name == "astype" else UNKNOWN
        if dt is None and name == "to":
            return UNKNOWN
        return replace(base, dtype=dt)
    if name in ("float", "double", "half"):
        base = ctx.array_facts(recv)
        if base.rank is None or base.lib != "torch":
            return UNKNOWN
        return replace(base, dtype={"float": "float32", "double": "float64", "half": "float16"}[name])
    if name == "copy" and not call.args:
        base = ctx.array_facts(recv)
        if base.rank is None:
            return UNKNOWN
        order_node = _kw(call, "order")
        order = order_node.value if isinstance(order_node, ast.Constant) else "C"
        return replace(base, order=order if base.rank >= 2 else "C")
    if name in ("transpose", "t") and not call.args:
        return transpose(ctx.array_facts(recv))
    if name in ("ravel", "flatten") and not call.args:
        base = ctx.array_facts(recv)
        return Facts(rank=1, dtype=base.dtype, order="C", lib=base.lib) if base.rank else UNKNOWN
    if name in ("contiguous", "clone", "detach", "cpu") and not call.args:
        base = ctx.array_facts(recv)
        if name == "contiguous":
            return replace(base, order="C") if base.rank else UNKNOWN
        return base
    if name == "dot" and len(call.args) == 1:
        return matmul_facts(ctx.array_facts(recv), ctx.array_facts(call.args[0]))
    return UNKNOWN


def _torch_facts(ctx, call, name) -> Facts:
    if name in ("zeros", "ones", "empty", "rand", "randn", "full"):
        if name == "full":
            shape = shape_of(ctx, _arg(call, 0, "size"))
        elif len(call.args) == 1 and isinstance(call.args[0], (ast.Tuple, ast.List)):
            shape = shape_of(ctx, call.args[0])
        elif call.args and not any(isinstance(a, ast.Starred) for a in call.args):
            shape = tuple(_dim(ctx, a) for a in call.args)
        else:
            shape = shape_of(ctx, _kw(call, "size"))
        dtype_node = _kw(call, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else "float32"
        return _facts_from_shape(shape, dtype, "C", "torch")
    if name in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like") and call.args:
        base = ctx.array_facts(call.args[0])
        dtype_node = _kw(call, "dtype")
        return replace(base, dtype=dtype_name(ctx, dtype_node) if dtype_node is not None else base.dtype)
    if name in ("tensor", "as_tensor", "from_numpy") and call.args:
        src = call.args[0]
        base = _list_facts(src, ctx) if isinstance(src, (ast.List, ast.Tuple)) else ctx.array_facts(src)
        if base is None or base.rank is None:
            return UNKNOWN
        dtype_node = _kw(call, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else (
            "float32" if base.dtype == "float64" and isinstance(src, (ast.List, ast.Tuple)) else base.dtype)
        return replace(base, dtype=dtype, lib="torch")
    if name == "randint" and call.args:
        # torch.randint(high, size) / torch.randint(low, high, size): int64 unless dtype=
        size = _kw(call, "size")
        if size is None and isinstance(call.args[-1], (ast.Tuple, ast.List)):
            size = call.args[-1]
        dtype_node = _kw(call, "dtype")
        dtype = dtype_name(ctx, dtype_node) if dtype_node is not None else "int64"
        return _facts_from_shape(shape_of(ctx, size), dtype, "C", "torch")
    if name == "eye" and call.args:
        dtype_node = _kw(call, "dtype")
        return Facts(rank=2, dtype=dtype_name(ctx, dtype_node) if dtype_node else "float32", order="C", lib="torch")
    if name in ("mm", "matmul") and len(call.args) == 2:
        return matmul_facts(ctx.array_facts(call.args[0]), ctx.array_facts(call.args[1]))
    return UNKNOWN
