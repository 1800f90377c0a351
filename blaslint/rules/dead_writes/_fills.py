"""Helpers shared by the dead_writes rules."""

from __future__ import annotations

from dataclasses import dataclass
import ast

from blaslint.analysis.flow import may_read_unseen, next_mention, reads_path
from blaslint.analysis.imports import dotted_name
from blaslint.analysis.literals import numeric_value
from blaslint.core.rule import Rule
from blaslint.rules._common import ALLOCATORS, ZERO_CREATORS, has_star_args, is_full_index  # noqa: F401 (re-exported)


_EMPTY_OF = {"numpy.zeros": "empty", "numpy.zeros_like": "empty_like",
             "torch.zeros": "empty", "torch.zeros_like": "empty_like"}


@dataclass
class ZeroFill:
    """A statement whose only effect is zeroing the buffer at ``path``."""

    stmt: ast.stmt
    path: str
    kind: str            # "fill" (x.fill(0), x[:] = 0, x.zero_()) or "alloc" (x = np.zeros(...))
    node: ast.AST        # what to underline
    call: ast.Call | None = None  # the np.zeros call of an "alloc"


# -- recognising the pieces ------------------------------------------------------

def _buffer_path(ctx, node: ast.AST) -> str | None:
    """Dotted path of a buffer expression (not an imported module)."""
    p = dotted_name(node)
    if p is None or ctx.imports.qualname(p.split(".")[0]) is not None and "." in p:
        return None
    return p


def _full_slice_target(ctx, target: ast.AST) -> str | None:
    if isinstance(target, ast.Subscript) and is_full_index(target.slice):
        return _buffer_path(ctx, target.value)
    return None


def zero_fill(ctx, stmt: ast.stmt) -> ZeroFill | None:
    """The zero-fill ``stmt`` is, if it is one."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if isinstance(func, ast.Attribute) and not call.keywords and ctx.resolve_call(call) is None:
            path = _buffer_path(ctx, func.value)
            if path is None:
                return None
            if func.attr in ("fill", "fill_") and len(call.args) == 1 and numeric_value(ctx, call.args[0]) == 0:
                return ZeroFill(stmt, path, "fill", stmt)
            if func.attr == "zero_" and not call.args:
                return ZeroFill(stmt, path, "fill", stmt)
        return None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        path = _full_slice_target(ctx, target)
        if path is not None and numeric_value(ctx, stmt.value) == 0:
            return ZeroFill(stmt, path, "fill", stmt)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else getattr(stmt, "target", None)
        value = stmt.value
        if target is None or not isinstance(value, ast.Call) or not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        if ctx.resolve_call(value) not in ZERO_CREATORS or any(k.arg is None for k in value.keywords):
            return None  # most assignments stop here, before the buffer's path is worked out (`**kw` may hold out=)
        path = _buffer_path(ctx, target)
        if path:
            return ZeroFill(stmt, path, "alloc", value, value)
    return None


def _reads_outside(ctx, node: ast.AST, path: str, allowed: ast.AST | None) -> bool:
    """Does ``node`` read ``path`` anywhere but in the subtree ``allowed`` (the written argument)?"""
    return reads_path(node, path, skip=allowed)


def _assigned_back(ctx, stmt: ast.stmt, call: ast.Call, path: str) -> bool:
    """``x = f(...)`` with ``x`` the buffer itself."""
    return isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
        and _buffer_path(ctx, stmt.targets[0]) == path and not isinstance(stmt.targets[0], ast.Subscript)


def _statement_call(stmt: ast.stmt) -> ast.Call | None:
    """The call a statement consists of (``f(...)`` or ``t = f(...)``)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return stmt.value
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
        return stmt.value
    return None


def _scope_node(ctx, stmt, path) -> ast.AST:
    scope_node = ctx.scope_node_of(stmt)
    if not ctx.scope(scope_node).is_local(path.split(".")[0]):
        return ctx.tree  # a global: any function of the module may read it
    return scope_node


def _next_write(ctx, fill: ZeroFill):
    """(statements in between, the next statement touching the buffer), if nothing can see it in between."""
    found = next_mention(ctx, fill.stmt, fill.path)
    if found is None:
        return None
    between, stmt = found
    if may_read_unseen(ctx, fill.path, [*between, stmt], _scope_node(ctx, fill.stmt, fill.path)):
        return None
    return between, stmt


def _empty_edit(rule: Rule, call: ast.Call):
    """``np.zeros(...)`` -> ``np.empty(...)`` in the user's spelling, or None."""
    ctx = rule.ctx
    q = ctx.resolve_call(call)
    new_attr = _EMPTY_OF.get(q or "")
    if new_attr is None:
        return None
    lib = q.split(".")[0]
    spelled = ctx.spell_like(call.func, new_attr, f"{lib}.{new_attr}")
    if spelled is None:
        return None
    return rule.replace(call.func, spelled)


# -- BL201 -------------------------------------------------------------------------

class _AfterZeroFill(Rule):
    """Shared front of BL201 and BL204: find a zero-fill statement and the next
    statement that writes the same buffer, then let the rule judge that write."""

    def visit_Expr(self, node: ast.Expr) -> None:
        self._check(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check(node)

    def _check(self, stmt: ast.stmt) -> None:
        ctx = self.ctx
        fill = zero_fill(ctx, stmt)
        if fill is None:  # `X = np.ones(...)`, `g = np.empty_like(A)`: any allocation nothing reads
            fill = _allocation(ctx, stmt)
            if fill is not None and never_read(ctx, stmt, fill.path):
                self.unused_alloc(stmt, fill)
            elif fill is not None and (rebind := rebound_unread(ctx, stmt, fill.path)) is not None:
                self.rebound_alloc(stmt, fill, rebind)
            return
        found = _next_write(ctx, fill)
        rebind = rebound_unread(ctx, stmt, fill.path) if fill.kind == "alloc" else None
        if rebind is not None and (found is None or found[1] is not rebind):
            self.rebound_alloc(stmt, fill, rebind)  # rebound in a loop or a branch before any read
        elif found is not None:
            self.after_fill(stmt, fill, found[1])
        elif fill.kind == "alloc" and never_read(ctx, stmt, fill.path):
            self.unused_alloc(stmt, fill)

    def after_fill(self, stmt: ast.stmt, fill: "ZeroFill", write: ast.stmt) -> None:
        raise NotImplementedError

    def unused_alloc(self, stmt: ast.stmt, fill: "ZeroFill") -> None:
        """An allocation whose name nothing in its function reads (a rule may report it)."""

    def rebound_alloc(self, stmt: ast.stmt, fill: "ZeroFill", rebind: ast.stmt) -> None:
        """An allocation whose every read sees a later binding (``rebind`` is the first)."""


_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec", "dir"})


def never_read(ctx, stmt: ast.stmt, path: str, loads: bool = True) -> bool:
    """``x = np.zeros(...)`` in a function where no expression (nested functions included) loads ``x``
    (not checked with ``loads=False``), and nothing can see its locals (``locals()``, ``eval``): the array
    is never used."""
    if "." in path or not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return False
    scope_node = ctx.scope_node_of(stmt)
    if not isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef)) or path in ctx.scope(scope_node).globals:
        return False
    for n in ast.walk(scope_node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and (loads and n.id == path or n.id in _INTROSPECTION):
            return False
        if isinstance(n, (ast.Nonlocal, ast.Global)) and path in n.names:
            return False
    return True


def _allocation(ctx, stmt) -> ZeroFill | None:
    """``x = np.ones(...)`` / ``np.full_like(...)``: a filled allocation bound to a local name (not ``np.empty``:
    an allocation that writes nothing costs next to nothing, and is no fill)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)):
        return None
    q = ctx.resolve_call(stmt.value)
    if q not in ALLOCATORS or ".empty" in q or has_star_args(stmt.value):
        return None
    return ZeroFill(stmt, stmt.targets[0].id, "alloc", stmt.value, stmt.value)


def rebound_unread(ctx, stmt: ast.stmt, path: str) -> ast.stmt | None:
    """The first later statement binding ``path`` when no read can see the array ``stmt`` binds to it
    (``tmp = np.zeros(K)`` then ``tmp = f(t)`` first thing in a loop, every read after it): a dead store.
    None when a read may see it, when ``path`` is augmented (``w += ...`` reads it unseen) or is not a
    plain local name, or when something can see the function's locals."""
    if "." in path or not never_read(ctx, stmt, path, loads=False):
        return None
    scope_node = ctx.scope_node_of(stmt)
    binds = ctx.scope(scope_node).bindings.get(path, [])
    mine = next((b for b in binds if b.stmt is stmt), None)
    if mine is None or any(b.kind not in ("assign", "for", "with") for b in binds) or ctx.uses(mine):
        return None
    later = [b.stmt for b in binds if b is not mine and b.stmt is not None
             and (b.stmt.lineno, b.stmt.col_offset) > (stmt.lineno, stmt.col_offset)]
    return min(later, key=lambda s: (s.lineno, s.col_offset)) if later else None
