"""Function-local bindings and uses, built lazily per scope.

A scope is a module, function, lambda or class body. For each we record every
binding of a name (with the statement and, for plain assignments, the value)
and every load. Nested function bodies are their own scopes; comprehensions
are folded into the enclosing scope (their targets are treated as bindings,
which only makes us more conservative).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from blaslint.core.walk import CHILD_FIELDS, child_fields

SCOPE_TYPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)
COMPREHENSION_TYPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Binding:
    name: str
    node: ast.AST            # the Name/arg/alias node that binds
    stmt: ast.AST | None     # the statement holding it
    value: ast.AST | None    # the assigned value for `name = value` / `name: T = value`
    kind: str                # "assign", "augassign", "param", "for", "import", "def", "with", "other"


@dataclass
class Scope:
    node: ast.AST
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    loads: dict[str, list[ast.Name]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)

    def is_local(self, name: str) -> bool:
        return name in self.bindings and name not in self.globals


_NAME, _LOAD = ast.Name, ast.Load
_STMT_TYPES = frozenset(c for c in CHILD_FIELDS if issubclass(c, ast.stmt))
# Node types build_scope handles specially (everything else: just descend).
_SPECIAL_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Global,
                            ast.Nonlocal, ast.Import, ast.ImportFrom, ast.ExceptHandler})


def build_scope(scope_node: ast.AST, parent_of) -> Scope:
    """Collect bindings and loads of ``scope_node`` (not of nested scopes)."""
    scope = Scope(scope_node)

    def bind(name, node, stmt, value, kind):
        scope.bindings.setdefault(name, []).append(Binding(name, node, stmt, value, kind))

    if isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope_node.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                bind(a.arg, a, None, None, "param")
        roots = scope_node.body if isinstance(scope_node.body, list) else [scope_node.body]
    else:
        roots = scope_node.body

    # Iterative pre-order walk, children in source order. The walk runs once
    # per function a rule asks about (nearly all of them), so it is written
    # for speed: plain names, the bulk of the nodes, are handled first, and
    # children come from blaslint.core.walk's per-class field lists.
    stack = [(r, r if isinstance(r, ast.stmt) else None) for r in reversed(roots)]
    pop = stack.pop
    push = stack.append
    loads = scope.loads
    node_type = ast.AST
    while stack:
        node, stmt = pop()
        cls = type(node)
        if cls is _NAME:
            if type(node.ctx) is _LOAD:
                loads.setdefault(node.id, []).append(node)
            else:
                bind(node.id, node, stmt, _assigned_value(node, stmt), _kind(stmt))
            continue
        if cls in _STMT_TYPES:
            stmt = node
        if cls in _SPECIAL_TYPES:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(node.name, node, stmt, None, "def")
                # decorators and defaults are evaluated in this scope
                extra = list(node.decorator_list)
                if not isinstance(node, ast.ClassDef):
                    extra += [d for d in node.args.defaults + node.args.kw_defaults if d is not None]
                else:
                    extra += node.bases + [k.value for k in node.keywords]
                stack.extend((e, stmt) for e in reversed(extra))
                continue
            if isinstance(node, ast.Lambda):
                stack.extend((d, stmt) for d in node.args.defaults if d is not None)
                continue
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                scope.globals.update(node.names)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".", 1)[0]
                    if local != "*":
                        bind(local, alias, stmt, None, "import")
                continue
            if isinstance(node, ast.ExceptHandler) and node.name:
                bind(node.name, node, stmt, None, "other")
        for field_name in child_fields(cls):  # last field first: popped in source order
            value = getattr(node, field_name, None)
            if value.__class__ is list:
                for child in reversed(value):
                    if isinstance(child, node_type):
                        push((child, stmt))
            elif isinstance(value, node_type):
                push((value, stmt))
    return scope


def _kind(stmt) -> str:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return "assign"
    if isinstance(stmt, ast.AugAssign):
        return "augassign"
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return "for"
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return "with"
    return "other"


def _assigned_value(name: ast.Name, stmt) -> ast.AST | None:
    """The value bound to ``name`` by a simple ``name = value`` statement."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if target is name:
                return stmt.value
            if isinstance(target, (ast.Tuple, ast.List)) and isinstance(stmt.value, (ast.Tuple, ast.List)):
                if len(target.elts) == len(stmt.value.elts) and not any(
                    isinstance(e, ast.Starred) for e in target.elts
                ):
                    for elt, val in zip(target.elts, stmt.value.elts):
                        if elt is name:
                            return val
        return None
    if isinstance(stmt, ast.AnnAssign) and stmt.target is name:
        return stmt.value
    if isinstance(stmt, ast.NamedExpr) and stmt.target is name:  # pragma: no cover - NamedExpr is an expr
        return stmt.value
    return None
