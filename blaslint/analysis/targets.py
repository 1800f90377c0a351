"""The targets of a fit: ``y`` in ``fit(self, X, y)``, a vector or a few columns by convention.

Numerical Python names what a model is fitted to ``y`` (``t`` in Bishop's notation, ``y_train``,
``targets``): one value per sample, or one column per output (scikit-learn's ``(n_samples,)`` or
``(n_samples, n_targets)``), never a stack of matrices. Nothing in the code says how many columns
such an argument has; the convention says they are few next to the samples, which is all a
chain ordered for a vector needs. Only a parameter, a local (``y = self.parameters["y"]``) or an
attribute with such a name and no rank known from the code counts; ``y.T``, ``y - X @ beta`` and ``(y - mu) / s`` keep it.
"""

from __future__ import annotations

import ast
import re

# Names that say "targets" on their own, and short ones (y, t) that do only beside a design matrix
_TARGET = re.compile(r"^(targets?|y_?(train|obs|data|target)|t_?train|target_?values?)$")
_SHORT = re.compile(r"^(y|t|ys)$")
_DESIGN = re.compile(r"^(X|X_?\w+|Xt|Phi\w*|PHI|design\w*|x_?train)$")


def fitted_targets(ctx, expr: ast.AST, beside: ast.AST | None = None, depth: int = 0) -> str | None:
    """The target name ``expr`` is (or is a residual or a transpose of), when its rank is unknown.

    ``y`` and ``t`` count only multiplied by a design matrix (``X.T @ y``, ``Phi.T @ t``) or by an inverse
    named so (a GP's ``K_inv @ y``, ``self.precision @ self.t``): alone they name a Kalman innovation or
    a time as often as targets."""
    if depth > 3 or ctx.array_facts(expr).rank is not None:
        return None
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
        return fitted_targets(ctx, expr.value, beside, depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Sub, ast.Add, ast.Div)):
        # a residual or a standardised target: the target's shape, whatever the other side broadcasts
        return fitted_targets(ctx, expr.left, beside, depth + 1)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        name, shown = expr.attr, f"self.{expr.attr}"
    elif isinstance(expr, ast.Name):
        binds = ctx.scope_of(expr).bindings.get(expr.id, [])
        if not binds or any(b.kind not in ("param", "assign") for b in binds):
            return None  # a loop variable, an import, a with target: not a fit's targets
        name = shown = expr.id
    else:
        return None
    if _TARGET.match(name) or _SHORT.match(name) and beside is not None and (design_matrix(beside)
                                                                            or _inverse_named(beside)):
        return shown
    return None


# A GP's `K_inv @ y`, `self.precision @ self.t`: an inverse (by its name) applied to the training targets
_INVERSE = re.compile(r"^(\w*_)?(inv|inverse|precision|prec)$|^(inv|inverse|precision)_\w+$|^[A-Za-z]+inv$")


def _inverse_named(expr: ast.AST) -> bool:
    name = _untransposed_name(expr, any_owner=True)
    return bool(name and _INVERSE.match(name))


def design_matrix(expr: ast.AST) -> bool:
    """``X``, ``X_train``, ``Phi`` (or their transposes, or ``self.X``): samples by features, by convention."""
    name = _untransposed_name(expr, any_owner=False)
    return bool(name and _DESIGN.match(name))


def _untransposed_name(expr: ast.AST, any_owner: bool) -> str | None:
    """The name of ``expr`` or of what ``expr.T`` transposes: a plain name, or an attribute's (of ``self``
    only, unless ``any_owner``)."""
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and (any_owner or isinstance(expr.value, ast.Name) and expr.value.id == "self"):
        return expr.attr
    return None


__all__ = ["design_matrix", "fitted_targets"]
