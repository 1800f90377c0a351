"""What happens to an array made inside a loop: kept beyond the iteration, or changed in place.

BL301 may hoist an allocation only when no iteration's array outlives it; BL302
may hoist a result only when the loop neither stores it (each iteration would
then share one object) nor, for a copy, changes it in place (the copy is the point).
"""

from __future__ import annotations

import ast

from blaslint.analysis.flow import MUTATING_METHODS

# Methods that put their argument into a container: the array must be fresh each time.
STORING_METHODS = {"append", "extend", "insert", "add", "put", "put_nowait", "appendleft", "push",
                   "setdefault", "update", "__setitem__", "register_buffer", "save", "record"}


def holder(ctx, expr: ast.AST):
    """(the expression whose use decides, the target it is bound to or None); (None, None) when unclear."""
    par = ctx.parent(expr)
    if isinstance(par, ast.Tuple) and isinstance(ctx.parent(par), ast.Assign):
        assign = ctx.parent(par)
        if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Tuple) \
                and len(assign.targets[0].elts) == len(par.elts):
            return expr, assign.targets[0].elts[par.elts.index(expr)]
        return None, None
    if isinstance(par, (ast.Assign, ast.AnnAssign)) and par.value is expr:
        targets = par.targets if isinstance(par, ast.Assign) else [par.target]
        if len(targets) != 1:
            return None, None
        return expr, targets[0]
    return expr, None


def stored_use(ctx, expr: ast.AST) -> bool:
    """Is this use of an array one that keeps it beyond the iteration (or aliases it)?"""
    par = ctx.parent(expr)
    if isinstance(par, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and isinstance(getattr(par, "ctx", ast.Load()), ast.Load):
        # in a container literal: kept if the container is (`f([A, inv(B)])` only reads it)
        return stored_use(ctx, par)
    if isinstance(par, (ast.Return, ast.Yield, ast.YieldFrom, ast.Starred, ast.NamedExpr, ast.Lambda)):
        return True
    if isinstance(par, (ast.For, ast.AsyncFor, ast.comprehension)) and par.iter is expr:
        return True  # its elements become the loop variable, used beyond what we follow
    if isinstance(par, (ast.Assign, ast.AnnAssign)) and par.value is expr:
        targets = par.targets if isinstance(par, ast.Assign) else [par.target]
        # out[:, sl] = buf copies the values (a slice assignment); x = buf, self.x = buf, d[k] = buf keep it
        return not all(isinstance(t, ast.Subscript) and _has_slice(t.slice) for t in targets)
    if isinstance(par, ast.keyword):
        par = ctx.parent(par)
    if isinstance(par, ast.Call) and expr is not par.func:
        func = par.func
        if isinstance(func, ast.Attribute) and func.attr in STORING_METHODS:
            return True
        if isinstance(func, ast.Name) and func.id[:1].isupper():
            return True  # a constructor keeps it: State(np.zeros(n))
    return False


def _has_slice(index: ast.AST) -> bool:
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(isinstance(i, ast.Slice) or isinstance(i, ast.Constant) and i.value is Ellipsis for i in items)


def changed_in_place(ctx, use: ast.Name) -> bool:
    """Does this use of a name write into the array (``x[i] = ...``, ``x += ...``, ``x.fill()``, ``out=x``)?"""
    par = ctx.parent(use)
    if isinstance(par, ast.Subscript) and par.value is use and not isinstance(par.ctx, ast.Load):
        return True
    if isinstance(par, ast.Subscript) and par.value is use and isinstance(ctx.parent(par), ast.AugAssign) \
            and ctx.parent(par).target is par:
        return True
    if isinstance(par, ast.Attribute) and par.value is use:
        call = ctx.parent(par)
        if isinstance(call, ast.Call) and call.func is par and (
                par.attr in MUTATING_METHODS or (par.attr.endswith("_") and not par.attr.startswith("_"))):
            return True
    if isinstance(par, ast.keyword) and (par.arg == "out" or (par.arg or "").startswith("overwrite_")):
        return True
    if isinstance(par, ast.Tuple) and isinstance(ctx.parent(par), ast.keyword) and ctx.parent(par).arg == "out":
        return True
    return False


def name_uses_in(ctx, target: ast.Name, region: ast.AST) -> list[ast.Name]:
    """Every mention of ``target``'s name inside ``region`` (loads, stores, augmented assignments)."""
    return [n for n in ast.walk(region) if isinstance(n, ast.Name) and n.id == target.id and n is not target]


def kept_or_changed(ctx, expr: ast.AST, loop: ast.AST) -> str | None:
    """Why the result of ``expr`` (computed in ``loop``) must stay per-iteration, or None.

    "stored": it is kept (appended, put in a container or attribute, returned,
    yielded, aliased); "changed": the loop writes into it.
    """
    keep, target = holder(ctx, expr)
    if keep is None:
        return "stored"
    if target is None:
        return "stored" if stored_use(ctx, keep) else None
    names = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    if not all(isinstance(t, ast.Name) for t in names):
        return "stored"  # self.P = ..., out[i] = ...: kept
    if isinstance(ctx.parent(expr), ast.AugAssign):
        return "changed"
    for name in names:
        for use in name_uses_in(ctx, name, loop):
            if isinstance(use.ctx, ast.Load) and stored_use(ctx, use):
                return "stored"
            if changed_in_place(ctx, use) or isinstance(ctx.parent(use), ast.AugAssign) \
                    and ctx.parent(use).target is use:
                return "changed"
    return None
