"""What the code around a name proves about its rank: usage and guards in the same function.

- usage: ``x.shape[1]`` and ``x[:, 0]`` run only on arrays of rank >= 2
  (a lower bound: ``Facts.min_rank``); a use inside a branch or ``try`` that
  tests the name (``if x.ndim == 2: x[:, 0]``) proves nothing for the rest;
- guards: ``assert x.ndim == 2``, ``if len(x.shape) != 1: raise ...``,
  ``assert x.shape == (n,)`` before a use, or a use inside ``if x.ndim == 2:``,
  fix the rank (and the dims of a shape tuple).

Both are per binding: a load counts only when the same binding reaches it
(a name bound once, even in an ``if``/``try``, counts as reaching).
"""

from __future__ import annotations

import ast

from blaslint.analysis.dims import is_new_axis
from blaslint.analysis.evidence import Evidence


def binding_of(ctx, name: ast.Name):
    """The binding that reaches ``name``: the certain one, else the only one in its scope."""
    b = ctx.reaching_binding(name)
    if b is not None:
        return b
    scope = ctx.binding_scope(name)
    if scope is None or scope.node is not ctx.scope_node_of(name):
        return None
    binds = scope.bindings.get(name.id, [])
    return binds[0] if len(binds) == 1 and binds[0].kind in ("assign", "param") else None


def _loads(ctx, binding, name_id: str, scope_node):
    for load in ctx.scope(scope_node).loads.get(name_id, []):
        if binding_of(ctx, load) is binding:
            yield load


def _index_value(node) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _proved_min_rank(ctx, load: ast.Name) -> int | None:
    """Rank bound a single load proves: ``x.shape[k]`` -> k + 1; ``x[:, i]`` -> 2."""
    par = ctx.parent(load)
    if isinstance(par, ast.Attribute) and par.value is load and par.attr == "shape":
        sub = ctx.parent(par)
        if isinstance(sub, ast.Subscript) and sub.value is par:
            k = _index_value(sub.slice)
            if k is not None:
                return k + 1 if k >= 0 else -k
        return None
    if isinstance(par, ast.Call) and par.args and par.args[0] is load:
        return _reduced_axis_rank(ctx, par)  # np.mean(x, axis=0): x has that axis
    if isinstance(par, ast.Subscript) and par.value is load and isinstance(par.slice, ast.Tuple):
        items = par.slice.elts
        if not any(isinstance(it, ast.Slice) or is_new_axis(it) or isinstance(it, ast.Constant)
                   and it.value is Ellipsis for it in items):
            return None  # d[i, j]: a dict with tuple keys takes that too
        n = sum(1 for it in items if not (is_new_axis(it) or isinstance(it, ast.Constant) and it.value is Ellipsis))
        return n if n >= 2 else None
    return None


_AXIS_REDUCTIONS = {"sum", "mean", "std", "var", "max", "min", "prod", "median", "argmax", "argmin", "cumsum",
                    "nansum", "nanmean", "average", "any", "all", "ptp", "amax", "amin", "diff", "sort", "argsort"}


def _reduced_axis_rank(ctx, call: ast.Call) -> int | None:
    """``np.sum(x, axis=1)`` (or the axis as second argument), ``np.linalg.norm(x, axis=1)``, run only on
    rank >= 2 (``axis=-2``: >= 2)."""
    q = ctx.resolve_call(call) or ""
    lib, _, name = q.rpartition(".")
    norm = lib in ("numpy.linalg", "scipy.linalg") and name == "norm"  # its second argument is `ord`
    if not norm and (lib not in ("numpy", "torch") or name not in _AXIS_REDUCTIONS):
        return None
    axis = next((k.value for k in call.keywords if k.arg in ("axis", "dim")), None)
    if axis is None and len(call.args) >= 2 and name not in ("average",) and not norm:
        axis = call.args[1]
    k = _index_value(axis) if axis is not None else None
    if k is None:
        return None
    return k + 1 if k >= 0 else -k


def _tests_name(test: ast.AST, name_id: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name_id for n in ast.walk(test))


def _conditional(ctx, load: ast.Name, scope_node) -> bool:
    """Is the load under a branch that tests the name, or in a ``try`` body (failures may be caught)?"""
    child = load
    for anc in ctx.ancestors(load):
        if anc is scope_node:
            return False
        if isinstance(anc, (ast.If, ast.While, ast.IfExp)) and child is not anc.test \
                and _tests_name(anc.test, load.id):
            return True
        if isinstance(anc, (ast.Try, getattr(ast, "TryStar", ast.Try))) and child in anc.body and anc.handlers:
            return True
        if isinstance(anc, ast.BoolOp) and child is not anc.values[0]:
            return True  # `x.ndim > 1 and x.shape[1] > 3`
        child = anc
    return False


def _rank_test(ctx, test: ast.AST, name_id: str):
    """(rank, shape, holds) when ``test`` compares the name's rank or shape with a literal.

    ``holds`` is True for ``==`` (the rank is ``rank`` when the test is true)
    and False for ``!=`` (the rank is ``rank`` when it is false).
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        got = _rank_test(ctx, test.operand, name_id)
        return (got[0], got[1], not got[2]) if got else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        return None
    holds = isinstance(test.ops[0], ast.Eq)
    for probe, other in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
        what = _rank_probe(ctx, probe, name_id)
        if what == "rank":
            k = _index_value(other)
            if k is not None and k >= 0:
                return k, None, holds
        elif what == "shape" and isinstance(other, ast.Tuple) \
                and not any(isinstance(e, ast.Starred) for e in other.elts):
            from blaslint.analysis.facts import _dim

            return len(other.elts), tuple(_dim(ctx, e) for e in other.elts), holds
    return None


def _rank_probe(ctx, node, name_id: str) -> str | None:
    """"rank" for ``x.ndim`` / ``len(x.shape)`` / ``np.ndim(x)``, "shape" for ``x.shape``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name_id:
        return "rank" if node.attr == "ndim" else "shape" if node.attr == "shape" else None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        arg = node.args[0]
        if isinstance(node.func, ast.Name) and node.func.id == "len" and isinstance(arg, ast.Attribute) \
                and arg.attr == "shape" and isinstance(arg.value, ast.Name) and arg.value.id == name_id:
            return "rank"
        if isinstance(arg, ast.Name) and arg.id == name_id and ctx.resolve_call(node) == "numpy.ndim":
            return "rank"
    return None


def _always_raises(body) -> bool:
    return bool(body) and isinstance(body[-1], ast.Raise)


def _info(ctx, binding, scope_node):
    """Per binding, computed once: the usage bound and the guard statements."""
    cache = ctx.__dict__.setdefault("_bl_usage", {})
    key = id(binding.node)
    got = cache.get(key)
    if got is not None:
        return got
    cache[key] = (None, 0, ())  # re-entry (a guard's own facts) sees nothing
    min_rank, line, guards = None, 0, []
    for load in _loads(ctx, binding, binding.name, scope_node):
        k = _proved_min_rank(ctx, load)
        if k is not None and (min_rank is None or k > min_rank) and not _conditional(ctx, load, scope_node):
            min_rank, line = k, load.lineno
        stmt = ctx.statement_of(load)
        if isinstance(stmt, ast.Assert):
            tests = stmt.test.values if isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.And) \
                else [stmt.test]
            for t in tests:
                got = _rank_test(ctx, t, binding.name)
                if got and got[2]:
                    guards.append((stmt, got[0], got[1]))
        elif isinstance(stmt, ast.If) and _always_raises(stmt.body) and not stmt.orelse:
            tests = stmt.test.values if isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.Or) \
                else [stmt.test]
            for t in tests:
                got = _rank_test(ctx, t, binding.name)
                if got and not got[2]:
                    guards.append((stmt, got[0], got[1]))
    result = (min_rank, line, tuple(guards))
    cache[key] = result
    return result


def _scope_node(ctx, binding, name: ast.Name):
    scope = ctx.binding_scope(name)
    return scope.node if scope is not None else None


def usage_facts(ctx, name: ast.Name, binding, base=None):
    """Facts the code proves at this load of ``name`` (``base``: what is known already).

    A guard fixes the rank (kind "guard"); a usage only bounds it (kind
    "usage", ``min_rank``). Returns None when the code says nothing.
    """
    from blaslint.analysis.facts import Facts

    scope_node = _scope_node(ctx, binding, name)
    if scope_node is None or scope_node is not ctx.scope_node_of(name):
        return None
    guard = _enclosing_guard(ctx, name, binding, scope_node)
    min_rank, line, guards = _info(ctx, binding, scope_node)
    if guard is None:
        use_stmts = [a for a in [name, *ctx.ancestors(name)] if isinstance(a, ast.stmt)]
        for stmt, rank, shape in guards:
            if any(ctx.statements_between(stmt, u) is not None for u in use_stmts):
                guard = (stmt, rank, shape)
                break
    if guard is not None:
        stmt, rank, shape = guard
        if min_rank is None or rank >= min_rank:  # (a guard that contradicts a usage: the bound only)
            lib = base.lib if base is not None else None
            dtype = base.dtype if base is not None else None
            return Facts(rank=rank, shape=shape if shape and any(d is not None for d in shape) else None,
                         dtype=dtype, lib=lib,
                         evidence=(Evidence("guard", stmt.lineno, " ".join(ctx.text(_test_of(stmt)).split())[:40]),))
    if min_rank is not None:
        return Facts(min_rank=min_rank, evidence=(Evidence("usage", line, f"{binding.name} indexed as rank >= {min_rank}"),))
    return None


def _test_of(stmt):
    return stmt.test if isinstance(stmt, (ast.If, ast.Assert, ast.While)) else stmt


def _enclosing_guard(ctx, name: ast.Name, binding, scope_node):
    """``if x.ndim == 2: <use>`` (or the ``else`` of ``!=``): the rank inside the branch."""
    child = name
    for anc in ctx.ancestors(name):
        if anc is scope_node:
            return None
        if isinstance(anc, ast.If) and child is not anc.test and all(
                binding_of(ctx, n) is binding for n in ast.walk(anc.test)
                if isinstance(n, ast.Name) and n.id == name.id):
            got = _rank_test(ctx, anc.test, name.id)
            if got:
                rank, shape, holds = got
                if (holds and child in anc.body) or (not holds and child in anc.orelse):
                    return anc, rank, shape
        child = anc
    return None


__all__ = ["binding_of", "usage_facts"]
