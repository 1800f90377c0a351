"""Sums through an array-library namespace chosen at run time (``nx = get_backend(M, G)`` in POT,
``xp = get_namespace(X)`` in array-API code, ``be = instantiate_backend(...)`` in tslearn): ``nx.sum(M * G)``.

Whatever library the namespace stands for, ``nx.sum(a * b)`` makes the product in full only to sum it,
so BL503's rank-free claim holds; the rewrites go through the same namespace (``nx.einsum``, ``nx.dot``).
"""

from __future__ import annotations

import ast
import re

from blaslint.rules._common import kwarg
from blaslint.rules.vectorize._reduce_forms import Reduction

# Functions (or classes) that return an array namespace.
_NAMESPACE_MAKERS = re.compile(r"^_?(get_|instantiate_)?(backend|namespace|array_namespace|array_module)$|Backend$")


def namespace_of(ctx, name: ast.Name) -> bool:
    """Is ``name`` bound, every time in its scope, to what a namespace-making call returns?"""
    binds = ctx.enclosing_bindings(name, name.id)
    if not binds:
        return False
    for b in binds:
        if b.kind == "import":
            if not _backend_module(b):
                return False
            continue
        value = getattr(b, "value", None)
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not _NAMESPACE_MAKERS.search(fname):
            return False
    return True


def _backend_module(b) -> bool:
    """An imported backend module: tensorly's ``from . import backend as T`` (``import tensorly as tl``,
    whose functions dispatch to the backend set at run time)."""
    alias, stmt = b.node, b.stmt
    if isinstance(stmt, ast.ImportFrom):
        return alias.name == "backend" and (stmt.level > 0 or (stmt.module or "").split(".")[0] == "tensorly")
    if isinstance(stmt, ast.Import):
        return alias.name in ("tensorly", "tensorly.backend") and alias.asname is not None
    return False


def backend_reduction(ctx, node) -> Reduction | None:
    """``nx.sum(x[, axis])`` with ``nx`` a run-time array namespace; lib ``"backend"``."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.func.attr != "sum" \
            or not isinstance(node.func.value, ast.Name) or not node.args or len(node.args) > 2 \
            or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg not in ("axis",) for k in node.keywords):
        return None
    if not namespace_of(ctx, node.func.value):
        return None
    axis = node.args[1] if len(node.args) > 1 else kwarg(node, "axis")
    if isinstance(axis, ast.Constant) and axis.value is None:
        axis = None
    return Reduction(node, node.args[0], axis, "backend")
