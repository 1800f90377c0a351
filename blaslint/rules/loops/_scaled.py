"""BL302: an invariant matrix product hidden by a scalar that changes (``beta * X.T @ X``).

``@`` binds like ``*``, left to right, so ``beta * X.T @ X`` is ``(beta * X.T) @ X``:
in a loop that updates ``beta`` (a Bayesian regression's noise precision, an
EM step size) the product ``X.T @ X`` never changes, but it is computed again
on every iteration, together with a scaled copy of ``X.T``. Scaling commutes
with the product only for a true scalar, so the scale must be known to be 0-D.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.rules._common import paren
from blaslint.rules.loops._invariant_ops import short


@dataclass(frozen=True)
class ScaledProduct:
    loop: ast.AST
    scale: ast.AST
    left: ast.AST
    right: ast.AST
    why_scalar: str         # why the scale is 0-D (a number, or the evidence of its facts)

    def message(self, ctx, node: ast.AST) -> str:
        product = short(f"{paren(ctx, self.left, 12)} @ {paren(ctx, self.right, 13)}", 50)
        scale = short(ctx.text(self.scale), 30)
        return (f"`{short(ctx.text(node), 50)}` is evaluated as `({scale} * {short(ctx.text(self.left), 30)}) @ ...`: "
                f"the matrix product `{product}` does not change in the loop at {ctx.line_ref(self.loop.lineno)}, "
                f"only the scalar `{scale}` (0-D: {self.why_scalar}) does, yet the product is computed "
                f"again on every iteration: compute it once before the loop and scale it there (`{scale} * P`)")


def scaled_invariant_product(ctx, node: ast.AST, hoist_target) -> ScaledProduct | None:
    """``(s * A) @ B`` with ``s`` 0-D and ``A``, ``B`` invariant in a repeating loop in which ``s`` is not."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.MatMult):
        return None
    scaled = node.left
    if not isinstance(scaled, ast.BinOp) or not isinstance(scaled.op, ast.Mult):
        return None
    for scale, left in ((scaled.left, scaled.right), (scaled.right, scaled.left)):
        why = _why_scalar(ctx, scale)
        if why and not _why_scalar(ctx, left):
            break
    else:
        return None
    if not _matrix_like(ctx, left) or not _matrix_like(ctx, node.right):
        return None
    loop_a, loop_b = hoist_target(left), hoist_target(node.right)
    if loop_a is None or loop_b is None or hoist_target(scale) is not None:
        return None
    # the outer of the two loops that are both inside the other's hoisting range: the inner one
    loop = loop_a if _contains(loop_b, loop_a) else loop_b if _contains(loop_a, loop_b) else None
    if loop is None or not _contains(loop, node):
        return None
    return ScaledProduct(loop, scale, left, node.right, why)


def _why_scalar(ctx, node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return "a number"
    if isinstance(node, ast.UnaryOp):
        return _why_scalar(ctx, node.operand)
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
        a, b = _why_scalar(ctx, node.left), _why_scalar(ctx, node.right)
        return (a if a != "a number" else b) if a and b else None
    f = ctx.array_facts(node)
    if f.rank == 0 and f.evidence:
        ev = f.evidence[0]
        return f"{ev.kind}, {ctx.line_ref(ev.line)}" if ev.line else ev.kind
    return None


def _matrix_like(ctx, node: ast.AST) -> bool:
    """Not known to be a scalar or a vector: the product may be a matrix product (rank unknown counts)."""
    rank = ctx.array_facts(node).rank
    return rank is None or rank >= 2


def _contains(outer: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(outer))
