"""Where a function is called from inside its own module, and whether it is handed on as a callback.

The cost of a finding in a helper is multiplied by how often the helper runs:
``update(z)`` called once per observation in ``batch_filter``'s loop runs its
inverse once per observation. Only calls this module makes are seen (found
through the text's mentions of the name): a module function called by its name where no
local name shadows it, a method called as ``self.name(...)`` from its own
class, a nested function called in its parent. A function whose name is passed
as an argument (``minimize(objective, x0)``, ``optimizer(_loss, params)``) is
called back repeatedly by that code.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _spellings(ctx: "FileContext", name: str) -> list[ast.AST]:
    """Name/Attribute nodes spelling ``name`` (only the statements that mention it are walked)."""
    from blaslint.analysis.mentions import mention_lines, nodes_spelling

    lines = mention_lines(ctx, name, MAX_MENTIONS)
    if not lines:
        return []
    return [n for n in nodes_spelling(ctx, name, ctx.tree.body, lines) if isinstance(n, (ast.Name, ast.Attribute))]


MAX_MENTIONS = 200   # a name spelled more often than this is too common to be one helper's calls


def method_self(ctx: "FileContext", fdef) -> str | None:
    """The instance parameter of a method (``self``); None for a function, a static or class method."""
    if not isinstance(ctx.parent(fdef), ast.ClassDef):
        return None
    if any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in fdef.decorator_list):
        return None
    params = [*fdef.args.posonlyargs, *fdef.args.args]
    return params[0].arg if params else None


def _enclosing(ctx, node, types):
    for anc in ctx.ancestors(node):
        if isinstance(anc, types):
            return anc
    return None


def _calls_this(ctx: "FileContext", fdef, owner, expr: ast.AST) -> bool:
    """Does ``expr`` (a call's func, or a name passed on) name ``fdef``?"""
    if isinstance(owner, ast.ClassDef):  # a method: `self.name`, from a method of the same class
        if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)):
            return False
        method = _enclosing(ctx, expr, _DEFS)
        while method is not None and ctx.parent(method) is not owner:
            method = _enclosing(ctx, method, _DEFS)
        return method is not None and expr.value.id == method_self(ctx, method)
    if not isinstance(expr, ast.Name):
        return False
    scope = ctx.binding_scope(expr)
    return scope is not None and scope.node is owner


def _uses(ctx: "FileContext", fdef):
    """(name node, the call it sits in) for each spelling of ``fdef``'s name that means it: the called
    function, or an argument handed to a call."""
    if _is_property(fdef):
        return
    owner = ctx.parent(fdef)
    for n in _spellings(ctx, fdef.name):
        call = ctx.parent(n)
        if isinstance(call, ast.keyword):
            call = ctx.parent(call)
        if isinstance(call, ast.Call) and _calls_this(ctx, fdef, owner, n):
            yield n, call


def call_sites(ctx: "FileContext", fdef) -> list[ast.Call]:
    """The calls of ``fdef`` this module makes (by its own name, from where that name means it)."""
    return [call for n, call in _uses(ctx, fdef) if call.func is n]


def bound_arguments(ctx: "FileContext", fdef, call: ast.Call) -> dict | None:
    """{parameter name: argument expression} of a call of ``fdef`` (a method called through ``self``
    skips ``self``); None when the call spreads ``*args``/``**kw`` or passes more than it takes."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    params = [p.arg for p in [*fdef.args.posonlyargs, *fdef.args.args]]
    if method_self(ctx, fdef) is not None:
        params = params[1:]
    if len(call.args) > len(params):
        return None
    bound = dict(zip(params, call.args))
    names = set(params) | {p.arg for p in fdef.args.kwonlyargs}
    for k in call.keywords:
        if k.arg in names:
            bound[k.arg] = k.value
    return bound


_ITERATING_CONSUMERS = ("scipy.optimize", "scipy.integrate", "autograd", "jax", "torch.optim", "torch.autograd")
_ITERATING_NAME = re.compile(r"optim|minimi[sz]e|maximi[sz]e|solve|fit|grad|newton|bfgs|adam|sgd|rmsprop|"
                             r"descent|odeint|integrate|root|fixed_point|line_search|lbfgs", re.I)


def passed_on(ctx: "FileContext", fdef) -> list[ast.Call]:
    """The calls that hand ``fdef`` itself to code that calls it back over and over: an optimiser or an
    ODE integrator given an objective, a gradient, a right-hand side (``minimize(loss, w0)``,
    ``optimizer(_objective, params)``). A plot or an event handler given a function is no such loop."""
    out = []
    for n, call in _uses(ctx, fdef):
        if call.func is n or not any(a is n for a in [*call.args, *(k.value for k in call.keywords)]):
            continue
        qual = ctx.resolve_call(call) or ""
        if qual.startswith(_ITERATING_CONSUMERS) or _ITERATING_NAME.search(_func_name(call.func)):
            out.append(call)
    return out


def _func_name(func) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_property(fdef) -> bool:
    return any((d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "")
               in ("property", "cached_property", "setter", "getter") for d in fdef.decorator_list)


__all__ = ["bound_arguments", "call_sites", "method_self", "passed_on"]
