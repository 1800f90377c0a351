"""May an expression be a scipy.sparse matrix (or an ``np.matrix``)? Evidence, in words, or None.

A sparse product costs what its nonzeros cost, not n^3, and ``np.einsum`` /
``np.diag`` / broadcasting rewrites raise on a sparse operand: rules whose claim
or rewrite assumes a dense array ask here and stay silent on "maybe sparse".
The evidence is read conservatively (for silence, a hint is enough):

- a call of ``scipy.sparse`` (``sp.csr_matrix(...)``, ``sparse.diags(...)``,
  ``sp.kron``, ``sp.identity``), not ``scipy.sparse.linalg`` (dense results);
- the ``.sparse`` attribute (libpysal's ``W.sparse``), a conversion method
  (``.tocsr()``, ``.tocsc()``, ...) or the transpose of sparse evidence;
- arithmetic of sparse operands, or of one scaled by a scalar (with a dense operand the
  result is dense);
- never an array known to be a NumPy or PyTorch array, or of a rank other than 2;
- a name with "sparse" in it, or any binding of the name in its scope with sparse
  evidence (``try: w = w.sparse`` / ``except: w = w``), or a parameter documented
  as sparse or passed one by a call in this module or another module of the package;
- a call of a helper of the module whose returns have sparse evidence.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext

MAX_DEPTH = 12
_CONVERSIONS = {"tocsr", "tocsc", "tocoo", "tolil", "todok", "tobsr", "todia", "asformat", "multiply",
                "transpose", "conj", "conjugate", "copy", "astype", "power", "sorted_indices", "eliminate_zeros"}
_DENSE_MODULES = ("scipy.sparse.linalg", "scipy.sparse.csgraph")
_SPARSE_WORDS = re.compile(r"sparse|\b(csr|csc|coo|lil|dok|bsr|dia)(_matrix|_array)?\b")


def sparse_evidence(ctx: "FileContext", expr: ast.AST, depth: int = 0) -> str | None:
    """Why ``expr`` may be a scipy.sparse matrix, or None when nothing says so."""
    if expr is None or depth > MAX_DEPTH or _dense(ctx, expr):
        return None
    if isinstance(expr, ast.Call):
        q = ctx.resolve_call(expr) or ""
        if q.startswith("scipy.sparse.") and not q.startswith(_DENSE_MODULES):
            return f"made by `{ctx.text(expr.func)}`"
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _CONVERSIONS and not q:
            return sparse_evidence(ctx, func.value, depth + 1)
        return _helper_returns(ctx, expr, depth)
    if isinstance(expr, ast.Attribute):
        if expr.attr == "sparse" and ctx.resolve(expr) is None:
            return f"`{ctx.text(expr)}`"
        if expr.attr in ("T", "H", "mT"):
            return sparse_evidence(ctx, expr.value, depth + 1)
        return None
    if isinstance(expr, ast.BinOp):
        left, right = sparse_evidence(ctx, expr.left, depth + 1), sparse_evidence(ctx, expr.right, depth + 1)
        if left and right:
            return left  # sparse with sparse stays sparse (`@`, `+`, `-`, `*`)
        if isinstance(expr.op, (ast.Mult, ast.Div)) and (left and _scalar(ctx, expr.right)
                                                        or right and _scalar(ctx, expr.left)):
            return left or right  # scaled
        return None  # with a dense operand the result is dense
    if isinstance(expr, ast.UnaryOp):
        return sparse_evidence(ctx, expr.operand, depth + 1)
    if isinstance(expr, ast.Name):
        return _name_evidence(ctx, expr, depth)
    return None


def _dense(ctx, expr) -> bool:
    """Known to be a NumPy/PyTorch array (a creation site, ``np.asarray(...)``) or a vector: not sparse.
    A docstring saying "array" is no such proof: the callers may pass a sparse matrix all the same."""
    f = ctx.array_facts(expr)
    if f.soft:
        return False
    return f.lib in ("numpy", "torch") or f.rank is not None and f.rank != 2


def _scalar(ctx, expr) -> bool:
    if isinstance(expr, ast.Constant) or isinstance(expr, ast.UnaryOp) and isinstance(expr.operand, ast.Constant):
        return True
    return ctx.array_facts(expr).rank == 0


def _name_evidence(ctx, name: ast.Name, depth: int) -> str | None:
    if "sparse" in name.id.lower():
        return f"`{name.id}` (named so)"
    scope = ctx.binding_scope(name)
    for b in _bindings_before(ctx, name):
        if b.kind == "param" and scope is not None:
            got = _documented_sparse(ctx, scope.node, name.id) or _guarded_sparse(ctx, scope.node, name.id) \
                or _passed_sparse(ctx, scope.node, name.id, depth)
        elif b.kind == "assign" and b.value is not None and b.value is not name:
            got = sparse_evidence(ctx, b.value, depth + 1)
        else:
            got = None
        if got:
            return got if "line" in got else f"{got} (line {b.node.lineno if hasattr(b.node, 'lineno') else '?'})"
    return None


def _bindings_before(ctx, name: ast.Name) -> list:
    """The binding that reaches ``name``, or when that is unsure (``try: w = w.sparse`` / ``except: w = w``)
    every binding of it in its scope written before it."""
    b = ctx.reaching_binding(name)
    if b is not None:
        return [b]
    scope = ctx.binding_scope(name)
    if scope is None:
        return []
    return [b for b in scope.bindings.get(name.id, [])
            if b.kind == "param" or getattr(b.node, "lineno", 0) < name.lineno]


def _documented_sparse(ctx, fdef, param: str) -> str | None:
    from blaslint.analysis.docstrings import parse_parameters

    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    cache = ctx.__dict__.setdefault("_bl_sparse_doc", {})
    table = cache.get(id(fdef))
    if table is None:
        table = cache[id(fdef)] = parse_parameters(fdef)
    entry = table.get(param)
    if entry is not None and _SPARSE_WORDS.search(entry[0].lower()):
        return f"`{param}` documented as sparse"
    return None


_ISSPARSE = {"scipy.sparse.issparse", "scipy.sparse.isspmatrix", "scipy.sparse.isspmatrix_csr",
             "scipy.sparse.isspmatrix_csc", "scipy.sparse.isspmatrix_bsr"}


def _guarded_sparse(ctx, fdef, param: str) -> str | None:
    """``if not sparse.issparse(A): raise ...`` among the function's first statements (pyamg's strength
    measures): past it, ``A`` is sparse (the parameter must not be rebound, which the caller checks)."""
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for stmt in fdef.body[:12]:
        test = stmt.test if isinstance(stmt, ast.If) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call) \
                and ctx.resolve_call(test.operand) in _ISSPARSE and len(test.operand.args) == 1 \
                and isinstance(test.operand.args[0], ast.Name) and test.operand.args[0].id == param \
                and stmt.body and isinstance(stmt.body[-1], ast.Raise) and not stmt.orelse:
            return f"`{param}` checked sparse (`{ctx.text(test)}`, line {stmt.lineno})"
    return None


def _passed_sparse(ctx, fdef, param: str, depth: int) -> str | None:
    """A call of the function in this module, or in another module of the package, passes sparse
    evidence for ``param``."""
    from blaslint.analysis.callers import bound_arguments, call_sites
    from blaslint.analysis.package_calls import calls_elsewhere
    from blaslint.analysis.summaries import _inside

    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)) or depth >= MAX_DEPTH - 1:
        return None
    for call in call_sites(ctx, fdef):
        arg = (bound_arguments(ctx, fdef, call) or {}).get(param)
        got = sparse_evidence(ctx, arg, depth + 1) if arg is not None else None
        if got:
            return f"passed {got} at line {call.lineno}"
    for other, call, rel in calls_elsewhere(ctx, fdef):
        arg = (bound_arguments(ctx, fdef, call) or {}).get(param)
        with _inside(other):
            got = sparse_evidence(other, arg, depth + 1) if arg is not None else None
        if got:
            return f"passed {got.split(' (line')[0]} by {rel}, line {call.lineno}"
    return None


def _helper_returns(ctx, call: ast.Call, depth: int) -> str | None:
    from blaslint.analysis.summaries import helper_of

    target = helper_of(ctx, call.func)
    if target is None:
        return None
    hctx, fdef = target
    for ret in ast.walk(fdef):
        if isinstance(ret, ast.Return) and ret.value is not None:
            got = sparse_evidence(hctx, ret.value, depth + 1)
            if got:
                return f"returned by `{fdef.name}` ({got})"
    return None


_MATRIX_MAKERS = {"numpy.matrix", "numpy.asmatrix", "numpy.bmat", "numpy.mat", "numpy.matlib.repmat"}


def matrix_semantics(ctx: "FileContext", expr: ast.AST) -> str | None:
    """Why ``*`` on ``expr`` may be a matrix product: a scipy.sparse matrix, or an ``np.matrix``
    (``np.matrix(...)``, ``np.asmatrix``, ``S.todense()``, a name bound to one before it)."""
    if expr is None:
        return None
    return sparse_evidence(ctx, expr) or _np_matrix(ctx, expr, 0)


def _np_matrix(ctx, expr: ast.AST, depth: int) -> str | None:
    """Why ``expr`` may be an ``np.matrix``, when it is not sparse (its sparse evidence was asked already)."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Call):
        if ctx.resolve_call(expr) in _MATRIX_MAKERS:
            return f"an np.matrix from `{ctx.text(expr.func)}`"
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr == "todense" and not expr.args:
            return "an np.matrix from `.todense()`"
        return None
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "H", "I"):
        return _np_matrix(ctx, expr.value, depth + 1)
    if isinstance(expr, ast.UnaryOp):
        return _np_matrix(ctx, expr.operand, depth + 1)
    if isinstance(expr, ast.BinOp):
        parts = (expr.left, expr.right)
        sparse = [sparse_evidence(ctx, p) for p in parts]
        if isinstance(expr.op, (ast.Add, ast.Sub)) and any(sparse):
            return "a sparse matrix plus a dense array, an np.matrix"
        return next((g for g in (_np_matrix(ctx, p, depth + 1) for p, sp in zip(parts, sparse) if not sp) if g),
                    None)
    if isinstance(expr, ast.Name):
        if _dense(ctx, expr):
            return None
        for b in _bindings_before(ctx, expr):
            if b.kind == "assign" and b.value is not None and b.value is not expr:
                got = _np_matrix(ctx, b.value, depth + 1)  # its sparse evidence: the name's own
                if got:
                    return got
    return None


def masked_evidence(ctx: "FileContext", expr: ast.AST) -> str | None:
    """Why ``expr`` may be a NumPy masked array: a name in it that some binding of its scope takes from
    ``np.ma`` (PyKrige's ``b = np.ma.array(b, mask=...)`` in a branch). ``np.sum`` honours the mask;
    ``@`` and ``einsum`` do not."""
    for n in ast.walk(expr):
        if isinstance(n, ast.Call) and (ctx.resolve_call(n) or "").startswith("numpy.ma."):
            return f"a masked array from `{ctx.text(n.func)}`"
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            for b in ctx.scope_of(n).bindings.get(n.id, []):
                v = b.value
                if isinstance(v, ast.Call) and (ctx.resolve_call(v) or "").startswith("numpy.ma."):
                    return f"`{n.id}` may be a masked array (line {b.stmt.lineno})"
    return None


__all__ = ["masked_evidence", "matrix_semantics", "sparse_evidence"]
