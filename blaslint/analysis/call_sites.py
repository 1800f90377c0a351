"""Facts of a private or nested function's parameter from all its call sites in the module.

Facts: only where the function cannot be called from elsewhere (a name starting with
``_``, or a ``def`` inside another function), where every use of its name is
a direct call (not passed on as a callback), and where the arguments at all
calls agree on the rank. Methods ``_m`` count when every ``._m`` in the module
is a call ``<self>._m(...)``.

Sizes (:func:`call_site_tail`): a public module-level function called in its
own module (a script's ``dlqr(A, B, Q, R)`` called with 4x4 literals) runs at
the sizes those calls pass. That is no proof (another module may call it with
other arrays), so it only feeds the cost model, as ``Facts.tail``.
"""

from __future__ import annotations

import ast

from blaslint.analysis.evidence import Evidence

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
MAX_CALLS = 50  # more call sites than this: not worth the evaluation


def _uses(ctx, name: str, region: ast.AST):
    """Name and attribute nodes spelled ``name`` in ``region``, or None if the text holds more.

    A mention we do not see as a node here (in a string, a comment, outside
    ``region``) makes the answer None: unsure, so unknown.
    """
    from blaslint.analysis.mentions import mention_lines, nodes_spelling

    lines = mention_lines(ctx, name, MAX_CALLS + 1)
    if lines is None:
        return None
    found = [n for n in nodes_spelling(ctx, name, region.body, lines) if not isinstance(n, ast.arg)]
    return found if len(found) == len(lines) else None


def _calls(ctx, fdef):
    """[(call, is_method_call)] of every use of ``fdef`` in the module, or None if any use is not a call."""
    owner = ctx.parent(fdef)
    out = []
    if isinstance(owner, ast.ClassDef):
        if not fdef.name.startswith("_") or fdef.name.startswith("__") or fdef.decorator_list:
            return None
        uses = _uses(ctx, fdef.name, ctx.tree)
        if uses is None:
            return None
        for node in uses:
            if node is fdef:
                continue
            if not isinstance(node, ast.Attribute):
                return None  # a local of the same name somewhere: unsure
            call = ctx.parent(node)
            if not isinstance(node.ctx, ast.Load) or not isinstance(call, ast.Call) or call.func is not node:
                return None
            out.append((call, True))
        return out
    nested = isinstance(owner, _DEFS)
    if not (nested or isinstance(owner, ast.Module) and fdef.name.startswith("_") and not fdef.name.startswith("__")):
        return None
    if fdef.decorator_list:
        return None
    owner_scope = ctx.scope(owner)
    if len(owner_scope.bindings.get(fdef.name, [])) != 1:
        return None
    uses = _uses(ctx, fdef.name, ctx.tree if not nested else owner)
    if uses is None:
        return None
    for node in uses:
        if node is fdef:
            continue
        if not isinstance(node, ast.Name):
            return None  # `obj._f`, another def of the name: unsure
        if ctx.binding_scope(node) is not owner_scope and not isinstance(node.ctx, ast.Store):
            if nested:
                continue  # another function's own name
            return None
        if not isinstance(node.ctx, ast.Load):
            continue
        call = ctx.parent(node)
        if not isinstance(call, ast.Call) or call.func is not node:
            return None  # passed on, stored, exported: callers elsewhere
        out.append((call, False))
    return out


def _argument(fdef, call, param: str, method: bool):
    positional = [*fdef.args.posonlyargs, *fdef.args.args]
    if method:
        positional = positional[1:]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    for k in call.keywords:
        if k.arg == param:
            return k.value
    names = [p.arg for p in positional]
    if param in names and names.index(param) < len(call.args):
        return call.args[names.index(param)]
    return None  # the default (or a missing argument): not an array we know


def _argument_facts(ctx, fdef, calls, param: str):
    """Facts of the argument each call gives ``param``, or None when any call gives none we can read."""
    if not calls or len(calls) > MAX_CALLS:
        return None
    args = [_argument(fdef, call, param, method) for call, method in calls]
    return [ctx.array_facts(a) for a in args] if all(a is not None for a in args) else None


def call_site_facts(ctx, fdef, param: str):
    """Joined facts of the argument given for ``param`` at every call (kind "call-site"), or None."""
    from blaslint.analysis.facts import join_facts

    cache = ctx.__dict__.setdefault("_bl_call_sites", {})
    key = (id(fdef), param)
    if key in cache:
        return cache[key]
    cache[key] = None  # a call inside the function passes the parameter to itself
    calls = _calls(ctx, fdef)
    result = None
    facts = _argument_facts(ctx, fdef, calls, param)
    joined = join_facts(facts) if facts is not None else None
    if joined is not None and joined.rank is not None:
        lines = ", ".join(str(c.lineno) for c, _ in calls[:3])
        result = joined.with_evidence(
            (Evidence("call-site", calls[0][0].lineno, f"{len(calls)} call(s) at line {lines}"),))
        if joined.shape is not None:  # the callers' symbols mean nothing inside the function
            shape = tuple(d if isinstance(d, int) else None for d in joined.shape)
            from dataclasses import replace

            result = replace(result, shape=shape if any(d is not None for d in shape) else None)
    cache[key] = result
    return result


def _public_calls(ctx, fdef):
    """Direct calls of a module-level function in its module (other uses ignored), or None."""
    owner = ctx.parent(fdef)
    if not isinstance(owner, ast.Module) or len(ctx.scope(owner).bindings.get(fdef.name, [])) != 1:
        return None
    uses = _uses(ctx, fdef.name, ctx.tree)
    if uses is None:
        return None
    calls = [(ctx.parent(n), False) for n in uses if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
             and isinstance(ctx.parent(n), ast.Call) and ctx.parent(n).func is n]
    return calls or None


def call_site_tail(ctx, fdef, param: str) -> tuple:
    """Trailing dims (literal ints) every in-module call agrees on for ``param``; () when unsure. Sizes only."""
    from blaslint.analysis.facts import trailing_dims

    cache = ctx.__dict__.setdefault("_bl_call_site_tails", {})
    key = (id(fdef), param)
    if key in cache:
        return cache[key]
    cache[key] = ()
    facts = _argument_facts(ctx, fdef, _public_calls(ctx, fdef), param)
    tail: tuple = ()
    tails = [trailing_dims(f) for f in facts] if facts is not None else []
    if tails and all(len(t) == len(tails[0]) for t in tails):
        tail = tuple(t[0] if isinstance(t[0], int) and all(x == t[0] for x in t) else None
                     for t in zip(*tails)) if tails[0] else ()
        if not any(isinstance(d, int) for d in tail):
            tail = ()
    cache[key] = tail
    return tail


__all__ = ["call_site_facts", "call_site_tail"]
