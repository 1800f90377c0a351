"""Facts of a function parameter, from every source that speaks of it, strongest first.

guard (``assert x.ndim == 2`` before the use) > usage (``x[:, 0]``: rank >= 2)
> annotation > docstring > call sites (every call in the module agrees) >
calls from other modules of the package (soft) > runtime (observed by
``blaslint measure``). A weaker source that contradicts a stronger one (a
docstring saying 1-D of an ``x`` indexed ``x[:, 0]``) is ignored, never
believed; a source without a rank (``npt.NDArray[np.float64]``) still lends its
dtype and library.
"""

from __future__ import annotations

import ast

from blaslint.analysis import annotations, docstrings, runtime, usage
from blaslint.analysis.modules import module_name

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def param_facts(ctx, name: ast.Name, binding):
    """Facts of a load of a parameter (its reaching binding is ``binding``)."""
    from blaslint.analysis.facts import UNKNOWN

    overrides = ctx.__dict__.get("_bl_overrides")
    if overrides and id(binding.node) in overrides:  # a helper evaluated with its call's arguments
        return overrides[id(binding.node)]
    fdef = ctx.parent(ctx.parent(binding.node))  # arg -> arguments -> def
    declared = declared_facts(ctx, fdef, binding) if isinstance(fdef, _DEFS) else UNKNOWN
    code = usage.usage_facts(ctx, name, binding, declared)
    if code is not None and code.rank is not None:
        return code
    bound = code.min_rank if code is not None else None
    if declared.rank is not None and (bound is None or declared.rank >= bound):
        return declared
    if declared.rank is not None:
        declared = UNKNOWN  # contradicted by the code: not believed
    if bound is not None:
        from dataclasses import replace

        return replace(code, dtype=declared.dtype, lib=declared.lib)
    return declared


def declared_facts(ctx, fdef, binding):
    """What the annotation, docstring, call sites and runtime say of the parameter (cached)."""
    from blaslint.analysis.facts import UNKNOWN

    cache = ctx.__dict__.setdefault("_bl_declared", {})
    key = id(binding.node)
    got = cache.get(key)
    if got is not None:
        return got
    cache[key] = UNKNOWN  # a call site that passes the parameter back to its own function
    if _container_annotation(getattr(binding.node, "annotation", None)):
        return UNKNOWN  # `weights: list[np.ndarray]`: a docstring's "of shape (p_i, k)" is its items'
    bound = _usage_bound(ctx, binding, fdef)
    result = _combine(ctx, fdef, binding, bound)
    cache[key] = result
    return result


_CONTAINER_TYPES = {"list", "tuple", "dict", "set", "frozenset", "List", "Tuple", "Dict", "Set", "Sequence",
                    "Iterable", "Iterator", "Mapping", "Collection", "MutableSequence"}


def _container_annotation(ann) -> bool:
    """Is the annotation a container of things (``list[np.ndarray]``, ``Sequence[Array]``, ``tuple``)?"""
    if isinstance(ann, ast.Subscript):
        ann = ann.value
    if isinstance(ann, ast.Attribute):
        return ann.attr in _CONTAINER_TYPES
    return isinstance(ann, ast.Name) and ann.id in _CONTAINER_TYPES


def _usage_bound(ctx, binding, fdef):
    min_rank = usage._info(ctx, binding, fdef)[0]
    return min_rank


def _sources(ctx, fdef, binding):
    yield lambda: annotations.annotation_facts(ctx, binding.node.annotation)
    yield lambda: docstrings.docstring_facts(ctx, fdef, binding.name)
    from blaslint.analysis import call_sites

    yield lambda: call_sites.call_site_facts(ctx, fdef, binding.name)
    from blaslint.analysis import package_calls

    yield lambda: package_calls.package_call_facts(ctx, fdef, binding.name)
    yield lambda: runtime.runtime_facts(ctx, fdef, _qualnames(ctx, fdef), binding.name)


def _qualnames(ctx, fdef):
    local = ctx.function_name(fdef.body[0]) if fdef.body else fdef.name
    mod = module_name(ctx.path) if ctx.path and not ctx.path.startswith("<") else ""
    return (f"{mod}.{local}", local) if mod else (local,)


def _combine(ctx, fdef, binding, bound):
    from dataclasses import replace

    from blaslint.analysis.facts import UNKNOWN

    partial = UNKNOWN
    for source in _sources(ctx, fdef, binding):
        f = source()
        if f is None:
            continue
        if f.rank is not None:
            if bound is not None and f.rank < bound:
                continue  # contradicted by the code
            if partial.rank is None and (partial.dtype or partial.lib):
                f = replace(f, dtype=f.dtype or partial.dtype, lib=f.lib or partial.lib)
            return f
        if partial is UNKNOWN:
            partial = f
        else:
            partial = replace(partial, dtype=partial.dtype or f.dtype, lib=partial.lib or f.lib,
                              min_rank=partial.min_rank or f.min_rank)
    if not partial.tail:
        from blaslint.analysis import call_sites  # the sizes its own module calls it with (cost only)

        tail = call_sites.call_site_tail(ctx, fdef, binding.name)
        if tail:
            partial = replace(partial, tail=tail)
    return partial


__all__ = ["declared_facts", "param_facts"]
