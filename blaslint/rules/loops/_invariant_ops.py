"""Which expressions BL302 weighs: costly linear-algebra operations, solves, operands built for a product.

Invariance itself is the flow layer's (``ctx.is_loop_invariant``); this module
only says what an expression computes and whether it is worth hoisting.
"""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.analysis.flow import is_shape_invariant
from blaslint.rules._common import (INVERSE_APIS, PINV_APIS, arg, has_star_args, product_operands, transposed_copy,
                                    transposed_view_source)

DECOMPOSITIONS = {
    "cholesky", "qr", "svd", "lu", "lu_factor", "cho_factor", "eig", "eigh", "eigvals", "eigvalsh",
    "det", "slogdet", "matrix_power", "expm", "sqrtm", "logm", "ldl", "schur", "hessenberg", "polar",
}
_MATRIX_FUNCTIONS = {"det", "slogdet", "expm", "sqrtm", "logm", "matrix_power", "matrix_exp"}
LINALG_MODULES = ("numpy.linalg", "scipy.linalg", "torch.linalg")
BLAS_GETTERS = {"scipy.linalg.get_blas_funcs", "scipy.linalg.blas.get_blas_funcs",
                "scipy.linalg.get_lapack_funcs", "scipy.linalg.lapack.get_lapack_funcs"}
TORCH_DECOMPOSITIONS = {"torch.cholesky", "torch.svd", "torch.qr", "torch.det", "torch.logdet",
                        "torch.slogdet", "torch.lu", "torch.matrix_power", "torch.matrix_exp"}
OUTER_PRODUCTS = {"numpy.outer": "outer product", "torch.outer": "outer product", "torch.ger": "outer product",
                  "numpy.multiply.outer": "outer product", "numpy.kron": "Kronecker product",
                  "scipy.linalg.kron": "Kronecker product", "torch.kron": "Kronecker product"}
# solve(A, b) / lstsq(A, b): a factorisation of A, then a cheap solve
SOLVES = {"numpy.linalg.solve": "solve", "scipy.linalg.solve": "solve", "torch.linalg.solve": "solve",
          "numpy.linalg.lstsq": "lstsq", "scipy.linalg.lstsq": "lstsq", "torch.linalg.lstsq": "lstsq"}
# functions that build a new array out of their inputs (a copy at least as big as them)
_BUILDERS = {"column_stack", "hstack", "vstack", "dstack", "row_stack", "concatenate", "stack", "block",
             "diag", "diagflat", "tile", "repeat", "vander", "tril", "triu", "cat", "pad", "kron", "outer"}


def operation(ctx, node: ast.AST) -> str | None:
    """What ``node`` computes, if it is an operation BL302 knows to be costly."""
    if isinstance(node, ast.Call):
        q = ctx.resolve_call(node)
        if q is not None:
            module, _, name = q.rpartition(".")
            if q in INVERSE_APIS:
                return "inverse"
            if q in PINV_APIS:
                return "pseudo-inverse"
            if (module in LINALG_MODULES and name in DECOMPOSITIONS) or q in TORCH_DECOMPOSITIONS:
                return "matrix function" if name in _MATRIX_FUNCTIONS else "factorisation"
            if q in BLAS_GETTERS:
                return "BLAS routine lookup"
            if q in OUTER_PRODUCTS:
                return OUTER_PRODUCTS[q]
            if q in SOLVES:
                return SOLVES[q]
        if transposed_copy(ctx, node) is not None or conjugated_transpose(ctx, node) is not None:
            return "transposed copy"
    if product_operands(ctx, node) is not None:
        return "matrix product"
    return None


def conjugated_transpose(ctx, node: ast.AST) -> ast.AST | None:
    """The array of ``np.conj(X.swapaxes(1, 2))``, ``X.T.conj()``, ``np.conjugate(X.T)``: ``conj`` of a transposed
    view writes a new array (pyroomacoustics' AuxIVA builds one per source and iteration from an unchanged ``X``)."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    q = ctx.resolve_call(node)
    if q in ("numpy.conj", "numpy.conjugate") and len(node.args) == 1:
        inner = node.args[0]
    elif q is None and isinstance(node.func, ast.Attribute) and node.func.attr in ("conj", "conjugate") and not node.args:
        inner = node.func.value
    else:
        return None
    if isinstance(inner, ast.Call) and not inner.keywords and len(inner.args) >= 2:
        qi = ctx.resolve_call(inner)
        if qi == "numpy.swapaxes":
            return inner.args[0]
        if qi is None and isinstance(inner.func, ast.Attribute) and inner.func.attr == "swapaxes" and len(inner.args) == 2:
            return inner.func.value
    source = transposed_view_source(ctx, inner)
    return source if source is not None and ctx.array_facts(source).rank != 1 else None  # `v.T` of a vector: no transpose


def solved_matrix(ctx, node: ast.AST) -> tuple[str, ast.AST] | None:
    """(``"solve"``/``"lstsq"``, the matrix ``A``) of ``solve(A, b)`` / ``lstsq(A, b)``."""
    if not isinstance(node, ast.Call) or has_star_args(node):
        return None
    q = ctx.resolve_call(node)
    if q not in SOLVES:
        return None
    matrix = arg(node, 0, "a") or arg(node, 0, "A")
    if matrix is None or isinstance(matrix, ast.Constant):
        return None
    return SOLVES[q], matrix


def built_operand(ctx, node: ast.AST) -> bool:
    """Is ``node`` an operand of a matrix product (or the matrix of a solve) that builds a new array?

    ``np.column_stack((V, ones)).T``, ``a[j] * Binv[j]`` with ``Binv[j]`` 2-D,
    ``reg * np.eye(d) + G``: computed, not merely named or viewed.
    """
    par = ctx.parent(node)
    operands = product_operands(ctx, par) if par is not None else None
    if operands is None or not any(o is node for o in operands):
        found = solved_matrix(ctx, par) if par is not None else None
        if found is None or found[1] is not node:
            return False
    return _builds(ctx, node)


def _builds(ctx, node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        node = node.value
    if isinstance(node, ast.Call):
        q = ctx.resolve_call(node) or ""
        return q.split(".")[0] in ("numpy", "torch") and q.rsplit(".", 1)[-1] in _BUILDERS
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
        return any(_matrix(ctx, side) for side in (node.left, node.right))
    return False


def _matrix(ctx, node: ast.AST) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BinOp) and not isinstance(n.op, ast.MatMult):
            stack.extend((n.left, n.right))
            continue
        rank = ctx.array_facts(n).rank
        if rank is not None and rank >= 2:
            return True
    return False


_FACTOR_OPS = {"cholesky": "cholesky", "qr": "qr", "svd": "svd", "lu": "lu", "lu_factor": "lu", "cho_factor": "cholesky",
               "eig": "eig", "eigvals": "eig", "eigh": "eigh", "eigvalsh": "eigh", "det": "det", "slogdet": "det",
               "logdet": "det"}


def invariant_cost(ctx, node: ast.AST, what: str, loop: ast.AST):
    """The cost-model estimate of recomputing ``node`` (a BL302 operation) on every iteration of ``loop``."""
    facts = ctx.array_facts
    if what in ("inverse", "pseudo-inverse", "factorisation", "matrix function", "solve", "lstsq"):
        q = ctx.resolve_call(node) or ""
        name = q.rsplit(".", 1)[-1]
        op = {"inverse": "inverse", "pseudo-inverse": "pinv", "solve": "solve", "lstsq": "qr"}.get(
            what, _FACTOR_OPS.get(name, "factorization"))
        a = arg(node, 0) if isinstance(node, ast.Call) else None
        return _cost.loop_invariant(ctx, node, op, facts(a) if a is not None else None, loop=loop)
    if what == "matrix product":
        left, right = product_operands(ctx, node)
        return _cost.loop_invariant(ctx, node, "product", facts(left), facts(right), loop=loop)
    if what in ("outer product", "Kronecker product") and isinstance(node, ast.Call) and len(node.args) >= 2:
        return _cost.loop_invariant(ctx, node, "outer" if what == "outer product" else "kron",
                                    facts(node.args[0]), facts(node.args[1]), loop=loop)
    if what == "transposed copy":
        copied = transposed_copy(ctx, node)
        source = copied.source if copied is not None else conjugated_transpose(ctx, node)
        return _cost.loop_invariant(ctx, node, "copy", facts(source), loop=loop)
    if what == "rebuilt operand":
        return _cost.loop_invariant(ctx, node, "copy", facts(node), loop=loop)
    return _cost.custom(ctx, node, "a lookup per iteration", "one lookup", _cost.CALL_OVERHEAD * 10)


def operands_of(ctx, node: ast.AST) -> list:
    """The arrays an operation reads, for the facts its message names."""
    pair = product_operands(ctx, node)
    if pair is not None:
        return list(pair)
    copy = transposed_copy(ctx, node)
    if copy is not None:
        return [copy.source]
    if isinstance(node, ast.Call):
        return [a for a in node.args[:2] if not isinstance(a, (ast.Constant, ast.Starred))]
    return []


def lookup_invariant(ctx, node: ast.AST, loop: ast.AST) -> bool:
    """``get_blas_funcs(names, (A, x))`` reads only the arrays' dtypes (and layout flags),
    which an in-place update of them (``ger(..., a=A, overwrite_a=1)``) does not change."""
    if not isinstance(node, ast.Call) or ctx.resolve_call(node) not in BLAS_GETTERS \
            or any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    for i, a in enumerate([*node.args, *(k.value for k in node.keywords)]):
        arrays = a is node.args[1] if len(node.args) > 1 else any(k.arg == "arrays" and k.value is a
                                                                  for k in node.keywords)
        if arrays and isinstance(a, (ast.Tuple, ast.List)):
            if not all(is_shape_invariant(ctx, e, loop, whole=True) for e in a.elts):
                return False
        elif not ctx.is_loop_invariant(a, loop):
            return False
    return True


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
