"""What a ``scipy.linalg.blas`` call does to its output buffer.

Built on :mod:`blaslint.analysis.blas_api` (the wrappers' signatures): which
buffer a product or rank-1 update writes, whether the write lands in the
caller's array (f2py copies it unless ``overwrite_*`` is set *and* dtype and
layout fit), and whether a product with ``beta=0`` writes every element of it
(checked against scipy 1.17 + OpenBLAS in ``tests/test_analysis_flow.py``:
``sgemv(..., beta=0.0, y=buf, overwrite_y=1)`` never reads ``buf``, not even
a NaN in it, and writes only its first m elements).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from blaslint.analysis import blas_api
from blaslint.analysis.facts import same_dim

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext  # never the facade itself

# base routine -> its output buffer parameter
BETA_PRODUCTS = {"gemv": "y", "symv": "y", "hemv": "y", "gemm": "c", "symm": "c", "hemm": "c"}
RANK1_UPDATES = {"ger": "a", "geru": "a", "gerc": "a"}
# defaults of the numeric parameters these rules look at
_DEFAULTS = {"alpha": 1, "beta": 0, "trans": 0, "offy": 0, "incy": 1, "incx": 1, "offx": 0}


def bound_call(ctx: "FileContext", call: ast.AST) -> "blas_api.BoundCall | None":
    """The BLAS wrapper call ``call`` with its arguments matched to parameters, or None."""
    if not isinstance(call, ast.Call):
        return None
    routine = blas_api.lookup(ctx.resolve_call(call))
    if routine is None or routine.module != "blas":
        return None
    return blas_api.bind(routine, call)


def output_param(bound: "blas_api.BoundCall") -> str | None:
    base = bound.routine.base
    return BETA_PRODUCTS.get(base) or RANK1_UPDATES.get(base)


def number(ctx: "FileContext", bound: "blas_api.BoundCall", param: str):
    """The literal number passed for ``param`` (its default when absent), or None."""
    from blaslint.analysis.literals import numeric_value  # the shared literal reader

    node = bound.args.get(param)
    if node is None:
        return _DEFAULTS.get(param)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return int(node.value)
    return numeric_value(ctx, node)


def writes_in_place(ctx: "FileContext", bound: "blas_api.BoundCall", param: str) -> bool:
    """Does the call update the caller's array passed for ``param`` (not an f2py copy)?"""
    buf = bound.args.get(param)
    if buf is None or bound.overwrites(param) is not True:
        return False
    return blas_api.f2py_keeps(bound.routine, ctx.array_facts(buf))


def output_covered(ctx: "FileContext", bound: "blas_api.BoundCall") -> bool:
    """Does the product write every element of its output buffer?

    gemm/symm/hemm: f2py fixes ``c``'s shape to the product's (or raises).
    gemv/symv/hemv: only the first m (n with ``trans``) elements of ``y`` are
    written, so ``y``'s length must be known to equal that, with the default
    ``offy``/``incy``.
    """
    base = bound.routine.base
    if base in ("gemm", "symm", "hemm"):
        return True
    if base not in ("gemv", "symv", "hemv"):
        return False
    if number(ctx, bound, "offy") != 0 or number(ctx, bound, "incy") != 1:
        return False
    a, y = bound.args.get("a"), bound.args.get("y")
    if a is None or y is None:
        return False
    a_shape, y_shape = ctx.array_facts(a).shape, ctx.array_facts(y).shape
    if not a_shape or len(a_shape) != 2 or not y_shape or len(y_shape) != 1:
        return False
    trans = number(ctx, bound, "trans") if base == "gemv" else 0
    if trans not in (0, 1, 2):
        return False
    return same_dim(a_shape[1] if trans else a_shape[0], y_shape[0])
