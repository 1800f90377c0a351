"""BL302 through a call: an operation in a helper that reads only parameters a caller's loop passes unchanged.

``_update(H, g)`` called on every iteration of a solver loop with the same
``H`` computes ``inv(H)`` again each time; ``fit_step(x, y, w)`` recomputes
``x.T @ x`` on every epoch. Neither is a loop of the helper's own, so the
loop rule proper cannot see it. The claim holds when

- the operation sits in a function of this module outside any loop of its own,
  and reads nothing but that function's parameters (never rebound before it,
  never changed in place by the function), constants and library functions;
- a call of the function in this module (found through its name: a module
  function, ``self.method``, a nested function) sits in a loop that passes the
  same values for those parameters on every iteration: names the loop neither
  rebinds nor hands to code that could change them (only to this function and
  to library functions that change nothing).

No fix: the remedy is to compute the value once in the caller and pass it in
(or cache it), a change of the helper's signature.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.analysis.callers import bound_arguments, call_sites, method_self
from blaslint.analysis.flow import is_opaque_call, is_pure_call, mutated_names, runs_at_most_once
from blaslint.analysis.param_effects import leaves_untouched
from blaslint.analysis.scopes import COMPREHENSION_TYPES

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
# methods that read an array and change nothing
_READING_METHODS = {"copy", "dot", "sum", "mean", "reshape", "astype", "ravel", "flatten", "conj", "transpose",
                    "max", "min", "std", "var", "any", "all", "nonzero", "tolist", "item", "argmax", "argmin",
                    "cumsum", "prod", "squeeze", "swapaxes", "round", "clip", "view"}


@dataclass(frozen=True)
class CallerLoop:
    loop: ast.AST          # the caller's loop that repeats the work
    call: ast.Call         # the call of the helper inside it
    helper: ast.AST        # the helper (a def)
    params: tuple          # the parameters the operation reads


def caller_loop_invariant(ctx, node: ast.AST) -> CallerLoop | None:
    """The caller's loop that computes ``node`` again on every iteration from the same arguments, or None."""
    fdef = _helper_of(ctx, node)
    if fdef is None:
        return None
    params = _parameters_read(ctx, node, fdef)
    if not params or _changes_parameters(ctx, fdef, params):
        return None
    calls = call_sites(ctx, fdef)
    helper_calls = {id(c) for c in calls}
    for call in calls:
        bound = bound_arguments(ctx, fdef, call)
        if bound is None or any(p not in bound for p in params):
            continue
        loop = _outermost_invariant_loop(ctx, call, helper_calls, [bound[p] for p in params])
        if loop is not None:
            return CallerLoop(loop, call, fdef, tuple(sorted(params)))
    return None


def _helper_of(ctx, node):
    """The function ``node`` runs in on every call: no loop, comprehension or ``if`` of that function around
    it, and no ``return`` before it (a call that returns early, or takes the other branch, never gets there)."""
    for anc in ctx.ancestors(node):
        if isinstance(anc, (*_LOOPS, *COMPREHENSION_TYPES, ast.Lambda, ast.ClassDef, ast.Module, ast.If,
                            ast.IfExp, ast.ExceptHandler, ast.BoolOp)):
            return None
        if isinstance(anc, _DEFS):
            is_generator, returns = _shape_of(ctx, anc)
            if is_generator:
                return None  # a generator runs piecewise: its calls are not one computation each
            mine = set(map(id, ctx.ancestors(node)))
            if any(id(r) not in mine and (r.lineno, r.col_offset) < (node.lineno, node.col_offset) for r in returns):
                return None
            return anc
    return None


def _shape_of(ctx, fdef) -> tuple[bool, list]:
    """(is it a generator, its ``return`` statements), read once per function."""
    cache = ctx.__dict__.setdefault("_bl_def_shapes", {})
    got = cache.get(id(fdef))
    if got is None:
        nodes = list(ast.walk(fdef))
        got = cache[id(fdef)] = (any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes),
                                 [n for n in nodes if isinstance(n, ast.Return)])
    return got


def _parameters_read(ctx, node, fdef) -> set | None:
    """The parameters ``node`` reads, or None when it reads anything else (a local, an attribute of self, ...)."""
    self_param = method_self(ctx, fdef)
    params: set = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and not is_pure_call(ctx, n):
            return None
        if isinstance(n, (ast.NamedExpr, ast.Await, ast.Lambda, *COMPREHENSION_TYPES)):
            return None
        if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)):
            continue
        if _is_library_head(ctx, n):
            continue
        b = ctx.reaching_binding(n)
        if b is None or b.kind != "param" or n.id == self_param or ctx.scope_node_of(n) is not fdef:
            return None
        par = ctx.parent(n)
        if isinstance(par, ast.Attribute) and par.value is n and par.attr not in _ARRAY_FACTS \
                and par.attr not in _READING_METHODS:
            return None  # `model.observations.Sigmas`: state of an object, which the caller may change
        params.add(n.id)
    return params


_ARRAY_FACTS = {"T", "mT", "H", "shape", "ndim", "dtype", "size", "real", "imag"}


def _is_library_head(ctx, name: ast.Name) -> bool:
    """``np`` of ``np.eye``, ``inv`` imported from scipy: a library object, not data."""
    par = ctx.parent(name)
    expr = par if isinstance(par, ast.Attribute) and par.value is name else name
    return ctx.resolve(expr) is not None or ctx.resolve(name) is not None


def _changes_parameters(ctx, fdef, params) -> bool:
    """Does the helper write into (or rebind) any of these parameters anywhere?"""
    changed = mutated_names(ctx, fdef)
    return any(p.split(".")[0].split("[")[0] in params for p in changed)


def _outermost_invariant_loop(ctx, call, helper_calls: set, args):
    """The outermost loop around ``call`` (in its own function) that passes the same ``args`` every time."""
    best = None
    for anc in ctx.ancestors(call):
        if isinstance(anc, (*_DEFS, ast.Lambda, ast.ClassDef, ast.Module)):
            break
        if not isinstance(anc, _LOOPS):
            continue
        if not all(_same_every_iteration(ctx, a, anc, helper_calls) for a in args):
            break
        if not runs_at_most_once(anc):
            best = anc
    return best


def _same_every_iteration(ctx, arg, loop, helper_calls: set) -> bool:
    """Is ``arg`` a name (or its transpose) holding the same array on every iteration of ``loop``?

    Only names: an array the caller holds and hands on, the case worth hoisting; an expression
    built at the call (``np.zeros((0, 0))``, ``np.array([x1, y1])``) is a different object each time.
    """
    while isinstance(arg, ast.Attribute) and arg.attr in ("T", "mT"):
        arg = arg.value
    if not isinstance(arg, ast.Name) or _is_library_head(ctx, arg):
        return False
    return _unchanged_in(ctx, arg.id, loop, helper_calls)


def _unchanged_in(ctx, name: str, loop, helper_calls: set) -> bool:
    """``name`` is neither rebound nor written in ``loop``, and goes only to this helper (``helper_calls``:
    the ids of its calls), to library code and to functions of the module that leave it alone."""
    for n in ast.walk(loop):
        if isinstance(n, ast.Name) and n.id == name:
            if not isinstance(n.ctx, ast.Load):
                return False
            par = ctx.parent(n)
            if isinstance(par, (ast.Subscript, ast.Attribute)) and par.value is n and not isinstance(par.ctx, ast.Load):
                return False  # name[...] = ..., name.x = ...
            if isinstance(par, ast.Attribute) and par.value is n and isinstance(ctx.parent(par), ast.Call) \
                    and ctx.parent(par).func is par and par.attr not in _READING_METHODS:
                return False  # name.fill(0), name.append(...)
            call = ctx.parent(par) if isinstance(par, ast.keyword) else \
                par if isinstance(par, ast.Call) and par.func is not n else None
            if isinstance(call, ast.Call) and id(call) not in helper_calls and is_opaque_call(ctx, call) \
                    and not leaves_untouched(ctx, call, n):
                return False  # handed to code that may change it
    return True


__all__ = ["CallerLoop", "caller_loop_invariant"]
