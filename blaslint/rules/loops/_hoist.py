"""BL301's fix (allocate once above the loop, reset in place inside it) and its cost signal.

The fix is offered only when every iteration's array can be the same object:
bound to a plain name in the loop body itself, used there only by numpy/scipy/
torch calls, operators, indexing and methods (never stored, aliased or handed
to unknown code), with a size computed from names the loop does not rebind.
It stays unsafe: a loop that never runs now allocates once, and the name is
bound after such a loop.
"""

from __future__ import annotations

import ast

from blaslint.analysis.scopes import LOOP_TYPES
from blaslint.rules._common import arg, is_full_index

_LIBRARIES = ("numpy", "scipy", "torch")
_RESET = {"zeros": "0", "zeros_like": "0", "ones": "1", "ones_like": "1"}
_READING_BUILTINS = {"print", "len", "float", "int", "abs", "min", "max", "sum", "repr", "str"}


def filled_by_python_loop(ctx, call: ast.Call, loop: ast.AST) -> ast.AST | None:
    """The nested Python loop that writes the buffer bound to ``call`` (element by element, row by row,
    or accumulating into it): then that loop, not the allocation, is the cost."""
    target = _bound_name(ctx, call)
    if target is None:
        return None
    for inner in ast.walk(loop):
        if inner is loop or not isinstance(inner, (*LOOP_TYPES, ast.comprehension)):
            continue
        for n in ast.walk(inner):
            if _writes_name(n, target.id):
                return inner if not isinstance(inner, ast.comprehension) else ctx.parent(inner)
    return None


def _writes_name(node: ast.AST, name: str) -> bool:
    sub = node.target if isinstance(node, ast.AugAssign) else node
    if isinstance(sub, ast.Name) and isinstance(node, ast.AugAssign):
        return sub.id == name
    if isinstance(sub, ast.Subscript) and not isinstance(sub.ctx, ast.Load):
        return isinstance(sub.value, ast.Name) and sub.value.id == name
    if isinstance(node, ast.keyword) and node.arg in ("out", "y", "a", "c"):
        return isinstance(node.value, ast.Name) and node.value.id == name
    return False


def vectorised_overwrite(ctx, call: ast.Call, loop: ast.AST) -> bool:
    """Is the buffer bound to ``call`` written whole by one vectorised operation in the loop
    (``out=x``, a BLAS output, ``x[:] = ...``, ``x += expr``), rather than patched (a mask)?"""
    target = _bound_name(ctx, call)
    if target is None:
        return False
    for n in ast.walk(loop):
        if isinstance(n, ast.keyword) and n.arg in ("out", "y", "c", "a") and isinstance(n.value, ast.Name) \
                and n.value.id == target.id:
            return True
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == target.id:
            return True
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) \
                and n.value.id == target.id and is_full_index(n.slice):
            return True
        if isinstance(n, ast.Call) and (ctx.resolve_call(n) or "").startswith("scipy.linalg.blas") \
                and any(isinstance(a, ast.Name) and a.id == target.id for a in n.args):
            return True
    return False


def _bound_name(ctx, call: ast.Call) -> ast.Name | None:
    stmt = ctx.parent(call)
    if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0]
    return None


def hoist_fix(rule, call: ast.Call, qualname: str, loop: ast.AST):
    """Move ``x = np.zeros(...)`` above ``loop``; inside it ``x.fill(0)`` (nothing for ``empty``)."""
    ctx = rule.ctx
    lib, _, func = qualname.rpartition(".")
    if lib != "numpy" or not isinstance(loop, LOOP_TYPES):
        return None
    target = _bound_name(ctx, call)
    stmt = ctx.parent(call)
    if target is None or stmt not in loop.body or stmt.lineno != stmt.end_lineno:
        return None
    stored = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    if any(isinstance(n, ast.Name) and n.id in stored for n in ast.walk(call)):
        return None  # its size is computed in the loop: not available above it
    if not all(_reuse_safe(ctx, use) for use in ast.walk(loop)
               if isinstance(use, ast.Name) and use.id == target.id and use is not target):
        return None
    if func in _RESET:
        reset = f"{target.id}.fill({_RESET[func]})"
    elif func in ("full", "full_like"):
        value = arg(call, 1, "fill_value")
        if value is None:
            return None
        reset = f"{target.id}.fill({ctx.text(value)})"
    elif func in ("empty", "empty_like"):
        reset = None
    else:
        return None
    loop_start, _ = ctx.span(loop)
    text = ctx.source.text
    line_start = max(text.rfind("\n", 0, loop_start), text.rfind("\r", 0, loop_start)) + 1
    indent = text[line_start:loop_start]
    if indent.strip():
        return None
    newline = getattr(ctx.source, "newline", "\n")
    moved = rule.replace_span(line_start, line_start, f"{indent}{ctx.text(stmt)}{newline}")
    inside = rule.replace(stmt, reset) if reset is not None else rule.delete_statement(stmt)
    what = f"reset it with `{reset}` inside" if reset else "reuse it inside"
    return rule.make_fix(f"Allocate `{target.id}` once before the loop and {what}", moved, inside, safe=False)


def _reuse_safe(ctx, use: ast.Name) -> bool:
    """Does this mention of the buffer only read it, index it, or let a library write into it?"""
    par = ctx.parent(use)
    if isinstance(par, ast.AugAssign) and par.target is use:
        return True  # an ndarray's `+=` writes in place
    if isinstance(use.ctx, ast.Store):
        return _writes_into(par, use.id)
    if isinstance(par, (ast.Subscript, ast.Attribute)) and par.value is use:
        return True
    if isinstance(par, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)):
        return True
    if isinstance(par, ast.AugAssign):
        return True
    if isinstance(par, ast.keyword):
        par = ctx.parent(par)
    if isinstance(par, ast.Call) and use is not par.func:
        q = ctx.resolve_call(par) or ""
        if q.split(".")[0] in _LIBRARIES and not q.startswith(("numpy.ma", "numpy.random")):
            return True
        return isinstance(par.func, ast.Name) and par.func.id in _READING_BUILTINS
    return False


def _writes_into(stmt: ast.AST, name: str) -> bool:
    """``y = sgemv(..., y=y, overwrite_y=1)`` / ``x = np.add(a, b, out=x)``: the same buffer, rebound."""
    value = getattr(stmt, "value", None)
    return isinstance(stmt, ast.Assign) and isinstance(value, ast.Call) and any(
        kw.arg in ("out", "y", "c", "a") and isinstance(kw.value, ast.Name) and kw.value.id == name
        for kw in value.keywords)
