"""BL503 for means: ``np.mean(a * b)`` and ``np.mean(x ** 2)`` make the product in full only to average it.

A mean is a sum divided by a count, so the same contraction skips the temporary: ``np.vdot(a, b) / a.size``
for one shape, row-wise ``einsum`` along an axis, ``x @ x / x.size`` for the mean square of a 1-D ``x``.
Nothing here needs the ranks, so the finding is info and offers no fix (which rewrite applies depends on them).
"""

from __future__ import annotations

import ast

from blaslint.analysis.sparse import matrix_semantics, sparse_evidence
from blaslint.rules._common import POSTFIX, kwarg
from blaslint.rules.vectorize import _broadcast as bc
from blaslint.rules.vectorize._reduce_checks import Proposal, _operand_text, short
from blaslint.rules.vectorize._reduce_forms import factors, int_constant, squared
from blaslint.rules.vectorize._reduce_weak import maybe_number


def mean_of_product(ctx, node) -> Proposal | None:
    """``np.mean(a * b[, axis])`` / ``np.mean(x ** 2[, axis])`` of NumPy itself, at info."""
    if not isinstance(node, ast.Call) or ctx.resolve_call(node) != "numpy.mean" or not node.args \
            or len(node.args) > 2 or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg != "axis" for k in node.keywords):
        return None
    operand = node.args[0]
    axis = node.args[1] if len(node.args) > 1 else kwarg(node, "axis")
    if axis is not None and int_constant(axis) is None:
        return None
    where = "all of it" if axis is None else f"along axis {ctx.text(axis)}"
    sq = squared(ctx, operand)
    if sq is not None:
        x = sq[0]
        if sq[1] or _excluded(ctx, x) or ctx.array_facts(x).rank == 0:
            return None
        t, left, right, post = (short(ctx, x, 30), _operand_text(ctx, x, 12, 30), _operand_text(ctx, x, 13, 30),
                                _operand_text(ctx, x, POSTFIX, 30))
        how = f"`{left} @ {right} / {post}.size` (1-D) or `np.vdot({t}, {t}) / {post}.size` (real)" if axis is None else \
            "row-wise self-dots (`np.einsum`) divided by the axis length"
        return Proposal(node, f"`{short(ctx, node)}` squares `{t}` in full only to average {where}: a mean of "
                        f"squares is a sum of squares over a count, {how}, without the temporary (info: no fix, "
                        "the rewrite depends on the rank)", None, operand, "info")
    pair = factors(ctx, operand)
    if pair is None or any(_excluded(ctx, x) or maybe_number(ctx, x, node) or ctx.array_facts(x).rank == 0
                           for x in pair):
        return None
    a, b = (short(ctx, x, 30) for x in pair)
    how = f"`np.vdot({a}, {b}) / {_operand_text(ctx, pair[0], POSTFIX, 30)}.size` when they have one shape (real)" \
        if axis is None else \
        "row-wise dots (`np.einsum`) or a matrix-vector product (`@`), divided by the axis length"
    return Proposal(node, f"`{short(ctx, node)}` multiplies `{a}` by `{b}` in full only to average {where}: a "
                    f"mean of products is a sum of products over a count, {how}, without the temporary (info: no "
                    "fix, the rewrite depends on the ranks)", None, operand, "info")


def _excluded(ctx, x) -> bool:
    """Broadcast by an inserted axis (BL505), a constant, sparse matrices, np.matrix, and complex values
    (``z * z`` is not ``np.vdot(z, z)``, which conjugates: dipy's ``(x - (100 + 100j)) ** 2``)."""
    complex_ = any(isinstance(n, ast.Constant) and isinstance(n.value, complex) for n in ast.walk(x)) \
        or (ctx.array_facts(x).dtype or "").startswith("complex")
    return isinstance(x, ast.Constant) or complex_ or bc.pattern(ctx, x) or sparse_evidence(ctx, x) \
        or matrix_semantics(ctx, x)
