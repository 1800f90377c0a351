"""Array namespaces: ``xp = get_namespace(X)`` (POT: ``nx = get_backend(a, b)``) makes ``xp.sum`` NumPy's API in kind.

Code written for the array API standard (scikit-learn, SciPy, pyRiemann) calls
``xp.einsum``, ``xp.sum(a * b)``, ``xp.linalg.inv`` on a namespace obtained at
run time from its arguments. The functions are NumPy's by name and meaning, so
detection reads them as ``numpy.*``; but the namespace may be torch or CuPy's
at run time, so no fix is offered on code that spells one (the engine drops it
and says why, see :func:`spelled_in`).
"""

from __future__ import annotations

import ast
import re

# POT's ``nx = get_backend(a, b)`` (numpy by default; torch, jax, cupy by the arrays passed) as well;
# a getter called without arguments (matplotlib's, tensorly's ``get_backend()``) returns a name, not one.
# CuPy's and PyLops' ``ncp = get_array_module(x)`` / ``ncp = get_module(backend)`` (numpy or cupy) too.
GETTERS = ("get_namespace", "array_namespace", "get_array_namespace", "get_backend", "get_array_module",
           "get_module")
_ASSIGNED = re.compile(r"^[ \t]*(\w+)(?:[ \t]*,[ \t]*\w+)*[ \t]*=[ \t]*(?:[\w.]+\.)?(?:"
                       + "|".join(GETTERS) + r")\([^)\s]", re.M)


def candidate_names(text: str) -> frozenset:
    """Names some line binds to a namespace getter's result (``xp = get_namespace(X)``,
    ``xp, _ = get_namespace(X)``), from the text: cheap, checked per scope by :func:`is_namespace`."""
    if "namespace(" not in text and "get_backend(" not in text and "module(" not in text:
        return frozenset()
    return frozenset(m.group(1) for m in _ASSIGNED.finditer(text))


def _getter_call(value) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return name in GETTERS and bool(value.args)


def is_namespace(bindings) -> bool:
    """Is every binding of the name in its scope the namespace a getter returned (or its tuple's first)?"""
    if not bindings or all(b.kind == "param" for b in bindings):
        return False
    for b in bindings:
        if b.kind == "param":
            continue  # `def f(..., nx=None): if nx is None: nx = get_backend(a)`: a backend passed in is one too
        stmt = getattr(b, "stmt", None)
        if b.kind != "assign" or not isinstance(stmt, ast.Assign) or not _getter_call(stmt.value):
            return False
        target = stmt.targets[0] if len(stmt.targets) == 1 else None
        if target is b.node:
            continue
        if isinstance(target, ast.Tuple) and target.elts and target.elts[0] is b.node:
            continue
        return False
    return True


def spelled_in(text: str, names: frozenset) -> str | None:
    """The first namespace name ``text`` spells as ``name.`` (``xp.sum(...)``), or None."""
    for name in names:
        if re.search(rf"\b{re.escape(name)}\s*\.", text):
            return name
    return None


__all__ = ["GETTERS", "candidate_names", "is_namespace", "spelled_in"]
