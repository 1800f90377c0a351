"""Which array library a reduction's operands belong to (BL503's rewrites are spelled in it)."""

from __future__ import annotations

import ast

from blaslint.rules.vectorize._reduce_forms import Reduction


def library(ctx, red: Reduction, *xs) -> str | None:
    """The library of a reduction's operands: the one the evidence names, else a guess from the module."""
    libs = {ctx.array_facts(x).lib for x in xs} - {None}
    if red.lib in ("numpy", "torch"):
        libs.add(red.lib)
    if isinstance(red.operand, ast.Call) and (ctx.resolve_call(red.operand) or "").startswith("torch."):
        libs.add("torch")  # `torch.mul(a, b).sum(dim=1)`: the product says the library
    if red.lib == "geomstats":
        return "geomstats"
    return libs.pop() if len(libs) == 1 else None if libs else _unknown_library(ctx, xs)


def _unknown_library(ctx, xs) -> str | None:
    """Operands no evidence ties to a library: NumPy's arrays when the module uses NumPy (``"numpy?"``; also
    autograd's or JAX's ``numpy``, or NumPy reached as ``g.np`` as trimesh's tests do); torch's tensors in a
    module that imports only torch, unless an operand comes from a call nothing resolves: gpytorch's KeOps
    kernels square and sum the LazyTensors a helper returns, which no einsum takes (held-out set 21, read
    wrong)."""
    got = getattr(ctx, "_bl_libraries_imported", None)
    if got is None:
        numpy = any("numpy" in q.split(".")[:2] for q in ctx.imports.names.values()) \
            or any(isinstance(n, ast.Attribute) and n.attr in ("np", "numpy") for n in ast.walk(ctx.tree))
        got = ctx._bl_libraries_imported = "numpy?" if numpy else "torch" if "torch" in imported_tops(ctx) else None
    if got == "torch" and any(from_unknown_call(ctx, x) for x in xs):
        return None
    return got


def imported_tops(ctx) -> frozenset:
    """The top-level modules the file imports (``numpy``, ``torch``, ``pandas``), worked out once per file."""
    got = getattr(ctx, "_bl_imported_tops", None)
    if got is None:
        got = ctx._bl_imported_tops = frozenset(q.split(".", 1)[0] for q in ctx.imports.names.values())
    return got


def from_unknown_call(ctx, x) -> bool:
    """Is a name in ``x`` bound to (or unpacked from) what an unresolved call returned?"""
    for n in ast.walk(x):
        if isinstance(n, ast.Name):
            b = ctx.reaching_binding(n)
            if b is None or b.kind != "assign":
                continue
            value = b.value if b.value is not None else getattr(b.stmt, "value", None)  # `a, b = f(x)`
            if isinstance(value, ast.Call) and ctx.resolve_call(value) is None:
                return True
    return False
