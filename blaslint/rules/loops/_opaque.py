"""BL302: invariance past unknown calls that cannot reach the operands.

The flow layer treats any unknown call in a loop (``icp(...)``,
``oriented_bounds_2D(pts)``) as a possible change of every array held
elsewhere, which hides real repeated work in real code: a loop that fits or
projects something per candidate almost always calls helpers. Here an operand
held by a local name stays invariant when no unknown call in the loop is given
it, the object it was taken from (``vertices = obj.hull.vertices``: ``obj``), or a
name that may alias either; and the operand is not a module global (any
function may rebind those) nor an attribute of ``self``.
"""

from __future__ import annotations

import ast

from blaslint.analysis.flow import (MUTATING_METHODS, fresh_function_result, is_opaque_call, is_pure_call,
                                    mutated_names)
from blaslint.analysis.param_effects import leaves_untouched
from blaslint.analysis.scopes import COMPREHENSION_TYPES, SCOPE_TYPES
from blaslint.rules.loops._invariant_ops import lookup_invariant

_LIBRARIES = ("numpy", "scipy", "torch")
_VIEWS = {"asarray", "asanyarray", "reshape", "transpose", "ravel", "squeeze", "view", "atleast_1d",
          "atleast_2d", "atleast_3d", "broadcast_to", "expand_dims", "swapaxes", "moveaxis", "real", "imag",
          "ascontiguousarray", "asfortranarray", "require", "as_tensor", "from_numpy", "flip", "diagonal"}


def invariant_despite_calls(ctx, node: ast.AST, loop: ast.AST, given: frozenset = frozenset()) -> str | None:
    """The unknown calls ``node`` was judged invariant past (their source, for the message), or None.
    Names in ``given`` are inputs (an inner loop's index and what it derives from it), not operands."""
    roots: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, *COMPREHENSION_TYPES)):
            return None
        if isinstance(n, ast.Call) and not is_pure_call(ctx, n):
            return None
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and ctx.resolve(n) is None \
                and n.attr not in ("T", "mT", "shape", "dtype", "ndim", "size", "H"):
            if not (isinstance(ctx.parent(n), ast.Call) and ctx.parent(n).func is n):
                return None  # an attribute path (self.W): held by an object unknown code may reach
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and ctx.resolve(n) is None \
                and ctx.binding_scope(n) is not None and n.id not in given:
            roots.add(n.id)  # (a builtin such as `len` is no operand)
    if not roots:
        return None
    scope_node = ctx.scope_node_of(loop) if hasattr(ctx, "scope_node_of") else None
    if scope_node is None or not isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None  # module level: any called function may change a global
    scope = ctx.scope(scope_node)
    mutated = mutated_names(ctx, loop)
    origins: set[str] = set()
    for r in roots:
        if r in mutated or any(p.split(".")[0] == r for p in mutated) or not scope.is_local(r):
            return None
        origins |= _origins(ctx, scope, r)
    if "self" in origins or "cls" in origins:
        return None
    calls = [n for n in _walk_no_defs(loop) if isinstance(n, ast.Call) and is_opaque_call(ctx, n)]
    if not calls or _reaches(ctx, scope, calls, origins):
        return None  # (no unknown call: the flow layer's answer stands)
    return ", ".join(sorted({f"`{_callee(ctx, c)}`" for c in calls}))


def given_to_unknown_call(ctx, node: ast.AST, loop: ast.AST, given: frozenset = frozenset()) -> bool:
    """Is a local operand of ``node`` (or where it came from, or an alias of it such as
    ``B = A.reshape(...)``) handed to an unknown call in ``loop``, which may change it?"""
    scope_node = ctx.scope_node_of(loop)
    if not isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    scope = ctx.scope(scope_node)
    origins: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and ctx.resolve(n) is None \
                and scope.is_local(n.id) and n.id not in given:
            origins |= _origins(ctx, scope, n.id) - {"self"}
    calls = [n for n in _walk_no_defs(loop) if isinstance(n, ast.Call) and is_opaque_call(ctx, n)]
    return bool(origins) and bool(calls) and _reaches(ctx, scope, calls, origins)


def read_only_callees(ctx, node: ast.AST, loop: ast.AST) -> str | None:
    """The package functions in ``loop`` handed an operand of ``node`` that their bodies only read (for the
    message: the finding rests on what those bodies do), or None."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    found: dict[str, set] = {}
    for call in _walk_no_defs(loop):
        if not (isinstance(call, ast.Call) and is_opaque_call(ctx, call)):
            continue
        for a in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(a, ast.Name) and a.id in names and leaves_untouched(ctx, call, a):
                found.setdefault(_callee(ctx, call), set()).add(a.id)
    if not found:
        return None
    return "; ".join(f"`{f}` only reads {', '.join(f'`{n}`' for n in sorted(ns))} (read from its body)"
                     for f, ns in sorted(found.items()))


def _reaches(ctx, scope, calls, origins: set[str]) -> bool:
    for call in calls:
        func = call.func
        receiver = _root(func.value) if isinstance(func, ast.Attribute) else None
        if receiver in origins:
            return True
        if isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS:
            continue
        for a in [*call.args, *(k.value for k in call.keywords)]:
            if leaves_untouched(ctx, call, a):
                continue  # the package's own function, which only reads what it is given here
            for m in _names_not_copied(ctx, a):
                if m.id in origins or _may_alias(scope, m.id, origins, ctx):
                    return True
    return False


def _origins(ctx, scope, name: str) -> set[str]:
    """``name`` and the names its bindings take it from (``v = obj.hull.vertices``: ``obj``)."""
    out = {name}
    for b in scope.bindings.get(name, []):
        if b.kind in ("param", "for"):
            continue
        if b.value is None:
            out.add("self")  # unknown origin: refuse (with, tuple targets from unknown calls ...)
            continue
        v = b.value
        if isinstance(v, ast.Call) and not _view_call(v) and (
                fresh_function_result(ctx, v) or (ctx.resolve_call(v) or "").split(".")[0] in _LIBRARIES):
            continue  # a new array (`K = rbf(X, X)`, `np.dot(A, B)`)
        if isinstance(v, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            # taken from an object, a view, or a result that may be held elsewhere (`model.get_weight()`)
            out |= {n.id for n in ast.walk(v) if isinstance(n, ast.Name)}
    return out


def _may_alias(scope, name: str, origins: set[str], ctx) -> bool:
    """May the local ``name`` be the same object as (or a view of) one of ``origins``?"""
    for b in scope.bindings.get(name, []):
        v = b.value
        if v is None:
            continue
        base = v
        while isinstance(base, ast.Subscript) or isinstance(base, ast.Attribute) and base.attr in ("T", "mT"):
            base = base.value  # a view of a fresh result is still fresh
        fresh = isinstance(base, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.List, ast.Tuple, ast.Dict)) or (
            isinstance(base, ast.Call) and (ctx.resolve_call(base) or "").split(".")[0] in _LIBRARIES
            and not _view_call(base))
        if not fresh and any(n.id in origins for n in _names_not_copied(ctx, v)):
            return True
    return False


def _names_not_copied(ctx, node: ast.AST):
    """Names in ``node`` not behind a library call that copies (``inv(G)`` is a new array, not ``G``)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name):
            yield n
            continue
        if isinstance(n, ast.Call) and n is not node and not _view_call(n) \
                and (ctx.resolve_call(n) or "").split(".")[0] in _LIBRARIES:
            continue
        stack.extend(ast.iter_child_nodes(n))


def _view_call(v: ast.AST) -> bool:
    if not isinstance(v, ast.Call):
        return False
    f = v.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return name in _VIEWS


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _callee(ctx, call: ast.Call) -> str:
    text = ctx.text(call.func)
    return text if len(text) <= 30 else text[:27] + "..."


def _walk_no_defs(node: ast.AST):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in ast.iter_child_nodes(n) if not isinstance(c, SCOPE_TYPES))


def assumption(ctx, node: ast.AST, loop: ast.AST) -> str:
    """The unknown calls a finding assumes leave the operands alone (they are not given them), if any."""
    if lookup_invariant(ctx, node, loop):
        return ""
    if ctx.is_loop_invariant(node, loop):
        readers = read_only_callees(ctx, node, loop)
        return f" ({readers})" if readers else ""
    calls = invariant_despite_calls(ctx, node, loop)
    return f" (assuming {calls} in the loop, which are not given its operands, leave them unchanged)" if calls else ""
