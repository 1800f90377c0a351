"""Where a finding sits, when that makes it matter less: fallbacks, user-chosen branches, messages.

A finding is lowered one severity level (warning -> info) when its node is

- inside an ``except ...LinAlgError:`` handler (a fallback that runs when the
  fast path failed, rarely);
- in the body of a branch chosen by a user-facing string argument that names
  the algorithm the finding is about (``if method == "pinv":`` around a
  ``pinv``, ``if solver == "naive":``): the user asked for that algorithm
  (never the ``else:`` or a ``!=`` branch, which may be the default path; a
  model option such as ``covariance_type == "tied"`` is no such request);
- inside an argument of ``warnings.warn``, a ``logging``/logger call,
  ``print`` or an ``assert``: diagnostics, not the computation.

Paths (tests, examples, ...) are judged by :mod:`blaslint.core.visibility`, which
knows the settings; this module only looks at the tree.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from blaslint.analysis.scopes import SCOPE_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext

_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"}


def context_reason(ctx: "FileContext", node: ast.AST) -> str | None:
    """Why ``node``'s finding matters less here (a short phrase), or None."""
    child = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, SCOPE_TYPES) and not isinstance(anc, ast.Lambda):
            return None
        if isinstance(anc, ast.ExceptHandler) and child is not anc.type and _catches_linalg_error(anc.type):
            return "in an `except LinAlgError` fallback"
        if isinstance(anc, ast.If) and any(child is s for s in anc.body):
            choice = _string_choice(ctx, anc.test, ctx.text(node).lower())
            if choice is not None:
                return f"in the branch `if {choice}:` chosen by the caller"
        if isinstance(anc, ast.Assert):
            return "in an assert"
        if isinstance(anc, ast.Call) and child is not anc.func:
            what = _diagnostic_call(ctx, anc)
            if what is not None:
                return f"in an argument of `{what}`"
        child = anc
    return None


def _catches_linalg_error(type_expr: ast.AST | None) -> bool:
    if type_expr is None:
        return False
    exprs = type_expr.elts if isinstance(type_expr, ast.Tuple) else [type_expr]
    for e in exprs:
        name = e.attr if isinstance(e, ast.Attribute) else e.id if isinstance(e, ast.Name) else ""
        if name.endswith("LinAlgError"):
            return True
    return False


# Choice values that ask for the slow form whatever it is called.
_SLOW_CHOICES = {"naive", "loop", "loops", "slow", "reference", "python", "explicit", "direct", "exact"}


def _names_algorithm(strings: ast.AST, flagged_text: str) -> bool:
    """One of the compared strings names the flagged algorithm (``"pinv"`` around ``pinv(A) @ b``)."""
    values = [strings] if isinstance(strings, ast.Constant) else list(strings.elts)
    for v in values:
        word = str(v.value).strip().lower()
        if word and (word in _SLOW_CHOICES or (len(word) >= 3 and word in flagged_text)):
            return True
    return False


def _string_choice(ctx, test: ast.AST, flagged_text: str = "") -> str | None:
    """``method == "pinv"`` / ``solver in ("a", "b")`` with ``method`` a parameter or attribute,
    comparing with a string that names the flagged algorithm."""
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    for t in tests:
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and len(t.comparators) == 1):
            continue
        left, op, right = t.left, t.ops[0], t.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(op, ast.Eq):
            left, right = right, left
        if not isinstance(op, (ast.Eq, ast.In, ast.Is)):  # `!=`/`not in`: the default path
            continue
        if not _is_strings(right) or not _is_user_choice(ctx, left):
            continue
        if not _names_algorithm(right, flagged_text):
            continue
        return ctx.text(t)
    return None


def _is_strings(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    return False


def _is_user_choice(ctx, node: ast.AST) -> bool:
    """A function parameter, an attribute (``self.method``), or a name bound from one."""
    if isinstance(node, ast.Attribute):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper"):
        return _is_user_choice(ctx, node.func.value)
    if isinstance(node, ast.Name):
        binds = ctx.scope_of(node).bindings.get(node.id, [])
        if any(b.kind == "param" for b in binds):
            return True
        values = [b.value for b in binds if b.value is not None]
        return bool(values) and all(isinstance(v, (ast.Attribute, ast.Subscript, ast.Call)) for v in values)
    return False


def _diagnostic_call(ctx, call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "print":
        return "print"
    qual = ctx.resolve_call(call) or ""
    if qual.startswith(("warnings.", "logging.")):
        return qual
    if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
        base = func.value
        base_name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
        if "log" in base_name.lower() or qual.startswith("logging"):
            return ctx.text(func)
    if isinstance(func, ast.Name) and func.id == "warn" and qual.startswith("warnings"):
        return "warn"
    return None


__all__ = ["context_reason"]
