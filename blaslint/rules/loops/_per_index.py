"""BL302: work that depends only on an inner loop's index, redone on every pass of an outer loop.

``for i in range(p): for j in range(p): Dj = R @ toeplitz(I[j])`` (nipy's AR
bias correction), ``for k ...: for i ...: ui = C[:, i]; cov = np.outer(ui, ui)``
(msmbuilder), ``for it ...: for i ...: XtX = views[i].T @ views[i]`` (cca_zoo):
the inner loop runs over the same values on every outer iteration, and the
operation reads nothing but its index, names the inner loop derives from that
index, and values neither loop changes. Its results repeat from one outer pass
to the next: compute them once per index (before the outer loop, or by swapping
the loops).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis.flow import PURE_METHODS, runs_at_most_once
from blaslint.rules.loops._opaque import given_to_unknown_call, invariant_despite_calls


@dataclass(frozen=True)
class PerIndex:
    """``node`` depends on ``index`` (the names of ``inner``'s target), and on nothing ``outer`` changes."""

    inner: ast.For
    outer: ast.AST
    index: tuple[str, ...]
    through: tuple[str, ...] = ()  # names the inner body derives from the index that ``node`` reads
    partial: bool = False  # the inner range's start moves with the outer loop (a triangle)


def per_index(ctx, node: ast.AST, loops: list[ast.AST]) -> PerIndex | None:
    """The outermost loop whose passes all redo ``node`` for the same inner index values, or None.

    ``loops`` are the loops around ``node``, innermost first; the innermost must be a
    ``for`` over an iterable the outer loop does not change (``range(p)``, ``views``).
    """
    if len(loops) < 2 or not isinstance(loops[0], ast.For):
        return None
    inner = loops[0]
    index = tuple(n.id for n in ast.walk(inner.target) if isinstance(n, ast.Name))
    if not index or not all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for n in ast.walk(inner.target)):
        return None
    if not _repeats(ctx, inner.iter):
        return None
    reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    found = None
    for outer in loops[1:]:
        if not isinstance(outer, (ast.For, ast.While)) or runs_at_most_once(outer):
            break
        given = _derived(ctx, inner, node, outer, frozenset(index))
        values = _values_again(ctx, inner.iter, outer) if given is not None and reads & given else None
        if values is None or not _invariant(ctx, node, outer, given):
            break
        found = PerIndex(inner, outer, index, tuple(sorted((reads & given) - set(index))), values == "part")
    return found


def _values_again(ctx, it: ast.AST, outer: ast.AST) -> str | None:
    """``"all"`` when the inner loop runs over the same values on every pass (its iterable unchanged by
    ``outer``), ``"part"`` for ``range(start, stop)`` with only the start changing (spreg's triangular
    ``for j in range(i + 1, n_eq)``: value ``j`` comes again on every pass ``i < j``), else None."""
    if _invariant(ctx, it, outer, frozenset()):
        return "all"
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
            and len(it.args) == 2 and not it.keywords and _invariant(ctx, it.args[1], outer, frozenset()):
        return "part"
    return None


def _repeats(ctx, it: ast.AST) -> bool:
    """Does iterating ``it`` give the same values on every pass: a ``range``, an array, a list or tuple
    (``enumerate``/``zip`` of those)? Not an arbitrary iterable: a data loader may shuffle, a
    generator is spent after one pass."""
    if isinstance(it, (ast.List, ast.Tuple)):
        return True
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "enumerate", "zip") \
            and ctx.scope_of(it.func).bindings.get(it.func.id) is None:
        return it.func.id == "range" or all(_repeats(ctx, a) for a in it.args)
    if isinstance(it, ast.Call) and (ctx.resolve_call(it) or "").split(".")[0] in ("numpy", "scipy"):
        return True
    facts = ctx.array_facts(it)
    if facts.rank is not None and facts.rank >= 1:
        return True
    if isinstance(it, ast.Name):
        binds = ctx.scope_of(it).bindings.get(it.id) or []
        return len(binds) == 1 and binds[0].value is not None and (
            isinstance(binds[0].value, (ast.List, ast.Tuple, ast.ListComp))
            or isinstance(binds[0].value, ast.Call) and _repeats(ctx, binds[0].value))
    return False


def _invariant(ctx, node: ast.AST, loop: ast.AST, given: frozenset) -> bool:
    if ctx.is_loop_invariant(node, loop, given=given):
        return True
    return bool(invariant_despite_calls(ctx, node, loop, given)) and not given_to_unknown_call(ctx, node, loop, given)


def _derived(ctx, inner: ast.For, node: ast.AST, outer: ast.AST, index: frozenset) -> frozenset | None:
    """The index names plus the names bound by a plain assignment in ``inner``'s own body, above
    ``node``'s statement, from them and from values ``outer`` leaves alone (``ui = C[:, i]``,
    ``wi = ui.sum()``): the last such binding before ``node`` dominates it in every iteration, whatever
    the outer body binds to the same name. None when the inner body rebinds an index name."""
    if _stored_names(inner.body) & index:
        return None
    given = set(index)
    stmt = _statement_in(inner, node)
    for s in inner.body:
        if s is stmt:
            break
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            name = s.targets[0].id
            if not _changed_in_place(outer, name) and _invariant(ctx, s.value, outer, frozenset(given)):
                given.add(name)
            else:
                given.discard(name)
            continue
        for n in ast.walk(s):  # bound inside a nested block: not the same value every pass
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                given.discard(n.id)
    return frozenset(given)


def _statement_in(inner: ast.For, node: ast.AST):
    for s in inner.body:
        if any(n is node for n in ast.walk(s)):
            return s
    return None


def _stored_names(body: list) -> set[str]:
    return {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _changed_in_place(region: ast.AST, name: str) -> bool:
    """Is ``name`` written through (``x[k] = v``, ``x.attr = v``, ``x += v``) or handed to a method in ``region``?"""
    for n in ast.walk(region):
        if isinstance(n, (ast.Subscript, ast.Attribute)) and not isinstance(n.ctx, ast.Load):
            base = n.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name) and base.id == name:
                return True
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name:
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) \
                and n.func.value.id == name and n.func.attr not in PURE_METHODS:
            return True
    return False
