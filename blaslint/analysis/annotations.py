"""Array facts from type annotations of parameters (and of a helper's return).

- numpy's shape-typed ``np.ndarray[tuple[int, int], np.dtype[np.float64]]``: rank (and dtype);
- jaxtyping ``Float[Array, "n m"]``, ``Float64[np.ndarray, "batch dim"]``, ``Int[Tensor, ""]``:
  rank, symbolic dims, dtype kind (a ``*batch`` or ``...`` dim leaves the rank open);
- ``npt.NDArray[np.float64]``, a bare ``np.ndarray``: an array, rank unknown, dtype known;
- ``torch.Tensor``: the library; ``float``/``complex``: a scalar.
``Optional[X]`` and ``X | None`` read as ``X``. Anything else says nothing.
"""

from __future__ import annotations

import ast
import re

from blaslint.analysis.evidence import Evidence

_JAXTYPING_DTYPES = {"Float64": "float64", "Float32": "float32", "Float16": "float16", "Int64": "int64",
                     "Int32": "int32", "Int8": "int8", "UInt8": "uint8", "Bool": "bool", "Complex128": "complex128",
                     "Complex64": "complex64", "BFloat16": "bfloat16"}
_JAXTYPING_KINDS = {"Float", "Int", "UInt", "Complex", "Num", "Real", "Inexact", "Integer", "Shaped", "Key",
                    *_JAXTYPING_DTYPES}
_ARRAY_TYPES = {"numpy.ndarray": "numpy", "jax.Array": "numpy", "jaxtyping.Array": "numpy",
                "jax.numpy.ndarray": "numpy", "numpy.typing.ArrayLike": None, "torch.Tensor": "torch",
                "jaxtyping.ArrayLike": None}


# Projects' own aliases of NumPy array types (linearmodels' ``Float64Array = np.ndarray[..., np.dtype[np.float64]]``,
# ``NumericArray``, ``IntArray``): an array by its name wherever the alias is defined.
_ALIAS = re.compile(r"^(Float(16|32|64)?|Int(8|16|32|64)?|UInt(8|16|32|64)|Bool|Complex(64|128)?|Numeric|Real)Array$")
_ALIAS_DTYPES = {"Float64": "float64", "Float32": "float32", "Int64": "int64", "Int32": "int32", "Bool": "bool",
                 "Complex128": "complex128", "Complex64": "complex64"}


def _resolve(ctx, node) -> str | None:
    if isinstance(node, (ast.Name, ast.Attribute)):
        q = ctx.qualname(node)
        if q is not None:
            return q
    return None


def annotation_facts(ctx, ann: ast.AST | None, depth: int = 0):
    """Facts an annotation states (evidence kind "annotation"), or None when it states none."""
    from blaslint.analysis.facts import Facts

    if ann is None or depth > 4:
        return None
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):  # a quoted annotation
        try:
            parsed = ast.parse(ann.value.strip(), mode="eval").body
        except SyntaxError:
            return None
        for n in ast.walk(parsed):  # positions of the string's own line, for messages
            n.lineno, n.col_offset = getattr(ann, "lineno", 0), 0
        return annotation_facts(ctx, parsed, depth + 1)
    ev = (Evidence("annotation", getattr(ann, "lineno", 0), _text(ctx, ann)),)
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):  # X | None
        return _without_none(ctx, [ann.left, ann.right], depth)
    if isinstance(ann, ast.Name) and ann.id in ("float", "complex") and ctx.imports.qualname(ann.id) is None:
        return Facts(rank=0, evidence=ev)
    q = _resolve(ctx, ann)
    if q is not None:
        if q in _ARRAY_TYPES and _ARRAY_TYPES[q] is not None:
            return Facts(lib=_ARRAY_TYPES[q], evidence=ev)
        alias = _ALIAS.match(q.rpartition(".")[2])
        if alias:
            return Facts(lib="numpy", dtype=_ALIAS_DTYPES.get(alias.group(1)), evidence=ev)
        return None
    if not isinstance(ann, ast.Subscript):
        return None
    q = _resolve(ctx, ann.value)
    if q is None:
        return None
    args = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
    if q in ("typing.Optional",):
        return annotation_facts(ctx, args[0], depth + 1)
    if q in ("typing.Union",):
        return _without_none(ctx, args, depth)
    if q in ("typing.Annotated",):
        return annotation_facts(ctx, args[0], depth + 1)
    if q == "numpy.typing.NDArray":
        return Facts(dtype=_dtype_of_scalar_type(ctx, args[0]), lib="numpy", evidence=ev)
    if q == "numpy.ndarray" and len(args) == 2:
        shape = _tuple_type_dims(ctx, args[0])
        dtype_arg = args[1]
        dtype = None
        if isinstance(dtype_arg, ast.Subscript) and _resolve(ctx, dtype_arg.value) == "numpy.dtype":
            dtype = _dtype_of_scalar_type(ctx, dtype_arg.slice)
        if shape is None:
            return Facts(dtype=dtype, lib="numpy", evidence=ev)
        return Facts(rank=len(shape), dtype=dtype, shape=shape if any(d is not None for d in shape) else None,
                     lib="numpy", evidence=ev)
    head, _, kind = q.rpartition(".")
    if head == "jaxtyping" and kind in _JAXTYPING_KINDS and len(args) == 2:
        lib = _ARRAY_TYPES.get(_resolve(ctx, args[0]) or "", "numpy")
        dtype = _JAXTYPING_DTYPES.get(kind) or ("bool" if kind == "Bool" else None)
        spec = args[1]
        if not (isinstance(spec, ast.Constant) and isinstance(spec.value, str)):
            return Facts(dtype=dtype, lib=lib, evidence=ev)
        dims, variadic = _jaxtyping_dims(spec.value)
        if variadic:
            return Facts(dtype=dtype, lib=lib, min_rank=len(dims) or None, evidence=ev)
        return Facts(rank=len(dims), dtype=dtype, shape=tuple(dims) if any(d is not None for d in dims) else None,
                     lib=lib, evidence=ev)
    return None


def annotated_return_parts(ctx, fdef, count: int):
    """Facts of each part of a helper's tuple return from its annotation (``-> tuple[Float64Array, ...]``), or
    None when the annotation is no tuple of ``count`` parts or says nothing of any of them."""
    from blaslint.analysis.facts import UNKNOWN

    ann = getattr(fdef, "returns", None)
    if not isinstance(ann, ast.Subscript):
        return None
    head = ann.value
    if not (isinstance(head, ast.Name) and head.id == "tuple" and ctx.imports.qualname("tuple") is None
            or _resolve(ctx, head) == "typing.Tuple"):
        return None
    args = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
    if len(args) != count or any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in args):
        return None
    parts = [annotation_facts(ctx, a) or UNKNOWN for a in args]
    return parts if any(p is not UNKNOWN for p in parts) else None


def may_be_number(ann: ast.AST | None) -> bool:
    """Does the annotation admit a plain number (``float``, ``Union[float, NDArray]``, ``int | None``,
    ``numbers.Real``)? Such a parameter may be a scalar weight even where an array is allowed too."""
    if ann is None:
        return False
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        try:
            ann = ast.parse(ann.value.strip(), mode="eval").body
        except SyntaxError:
            return False
    return any(isinstance(n, ast.Name) and n.id in _NUMBER_TYPES or isinstance(n, ast.Attribute)
               and n.attr in ("Number", "Real", "Complex") for n in ast.walk(ann))


_NUMBER_TYPES = frozenset({"float", "int", "complex", "Number", "Real"})


def _without_none(ctx, parts, depth):
    rest = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
    return annotation_facts(ctx, rest[0], depth + 1) if len(rest) == 1 else None


def _dtype_of_scalar_type(ctx, node) -> str | None:
    from blaslint.analysis.facts import dtype_name

    if isinstance(node, (ast.Name, ast.Attribute)):
        q = ctx.qualname(node)
        if q and q.startswith("numpy."):
            return dtype_name(ctx, node)
    return None


def _tuple_type_dims(ctx, node) -> tuple | None:
    """``tuple[int, int]`` -> (None, None); ``tuple[Literal[3], int]`` -> (3, None); else None."""
    if not isinstance(node, ast.Subscript):
        return None
    base = node.value
    if not (isinstance(base, ast.Name) and base.id == "tuple" or _resolve(ctx, base) == "typing.Tuple"):
        return None
    if isinstance(node.slice, ast.Tuple):
        elts = node.slice.elts
        if len(elts) == 0 or any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elts):
            return None
    elif isinstance(node.slice, ast.Tuple) is False and isinstance(node.slice, ast.Constant) \
            and node.slice.value is Ellipsis:
        return None
    else:
        elts = [node.slice]
    if len(elts) == 1 and isinstance(elts[0], ast.Tuple) and not elts[0].elts:
        return ()  # tuple[()]: a 0-d array
    dims = []
    for e in elts:
        if isinstance(e, ast.Name) and e.id == "int":
            dims.append(None)
        elif isinstance(e, ast.Subscript) and _resolve(ctx, e.value) in ("typing.Literal", "typing_extensions.Literal") \
                and isinstance(e.slice, ast.Constant) and type(e.slice.value) is int:
            dims.append(e.slice.value)
        else:
            return None
    return tuple(dims)


def _jaxtyping_dims(spec: str):
    """``"batch n m"`` -> ([batch, n, m], False); ``"*b n"`` -> ([n], True); ``"3 3"`` -> ([3, 3], False)."""
    dims, variadic = [], False
    for token in spec.split():
        token = token.split("=")[-1]
        if token in ("...",) or token.startswith("*"):
            variadic = True
            continue
        if token.startswith("#") or token in ("_", "") or token.startswith("_") or token.startswith("?"):
            dims.append(None)
        elif token.isdigit():
            dims.append(int(token))
        elif token.isidentifier():
            dims.append(token)
        else:
            dims.append(None)
    return dims, variadic


def _text(ctx, node) -> str:
    try:
        return " ".join(ctx.text(node).split())[:40]
    except Exception:
        return ""


__all__ = ["annotation_facts", "may_be_number"]
