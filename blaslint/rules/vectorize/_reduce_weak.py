"""BL503 proposals resting on what a reduction itself shows (no creation site says enough).

``(K * y).sum(1)`` with ``K`` known 2-D and ``y`` unknown: the product is made in full only to be summed,
whatever ``y`` is. ``np.sum(x ** 2)`` with nothing known of ``x``: NumPy sums it, so it is an array. Neither
offers a fix; the messages name the cases they rest on.
"""

from __future__ import annotations

import ast

from blaslint.analysis.evidence import describe_facts
from blaslint.analysis.facts import known_small
from blaslint.analysis.sparse import matrix_semantics, sparse_evidence
from blaslint.rules._common import POSTFIX
from blaslint.rules.vectorize import _broadcast as bc
from blaslint.rules.vectorize._reduce_checks import NOT_BLAS, Proposal, _lib, _operand_text, quadratic_form, short
from blaslint.rules.vectorize._reduce_forms import (Reduction, array_evidence, factors, in_root_with_terms,
                                                    int_constant, squared)


def beside_unknown(ctx, red: Reduction) -> Proposal | None:
    """``(K * y).sum(1)`` with ``K`` known 2-D (or more) and ``y`` of unknown shape: whatever ``y`` is, the
    product is made in full only to be summed. A vector along the summed axis makes it a matrix-vector
    product, ``K``'s shape row-wise dots, a number ``y * K.sum(1)``: the message names the three, no fix."""
    if red.lib in ("builtin", "geomstats") or red.lib == "method" and red.axis is None \
            or squared(ctx, red.operand) is not None or in_root_with_terms(ctx, red.call):
        return None
    pair = factors(ctx, red.operand)
    if pair is None or quadratic_form(ctx, *pair) or bool(array_evidence(ctx, pair[0])) == bool(
            array_evidence(ctx, pair[1])):
        return None
    a, b = pair
    known, other = (a, b) if array_evidence(ctx, a) else (b, a)
    f = ctx.array_facts(known)
    axis = int_constant(red.axis) if red.axis is not None else None
    if f.rank is None or f.rank < (2 if red.axis is not None else 1) or f.lib != "numpy" or f.dtype in NOT_BLAS \
            or known_small(f) or red.keepdims or red.axis is not None and (axis is None or not -f.rank <= axis < f.rank):
        return None
    if bc.pattern(ctx, known) or bc.pattern(ctx, other):
        return None  # an inserted axis: a hidden contraction (BL505)
    if isinstance(other, ast.Constant) or ctx.array_facts(other).rank is not None \
            or sparse_evidence(ctx, other) or matrix_semantics(ctx, other) or _lib(ctx, red, known) is None:
        return None  # a number, a known scalar, a sparse matrix or np.matrix (`*` is a product there)
    k, o = short(ctx, known, 30), short(ctx, other, 30)
    # the "a number" spelling: `c * A.sum()` with each side parenthesised as its place needs
    scaled = f"{_operand_text(ctx, other, 12, 30)} * {_operand_text(ctx, known, POSTFIX, 30)}.sum"
    if red.axis is None:  # the whole product summed: an inner product, a contraction, or a scaled sum
        return Proposal(red.call, f"`{short(ctx, red.call)}` multiplies `{k}` by `{o}` (of unknown shape; "
                        f"{describe_facts(k, f)}) in full only to sum all of it: `np.vdot({k}, {o})` when `{o}` has "
                        f"`{k}`'s shape (real, C-contiguous), `np.einsum` on the factors when it broadcasts, "
                        f"`{scaled}()` when it is a number; each skips the temporary (2.5-5x measured; info: "
                        "such a sum usually sits beside the work that made its operands, which costs more)",
                        None, red.operand, "info")
    ax = ctx.text(red.axis)
    return Proposal(red.call, f"`{short(ctx, red.call)}` multiplies `{k}` by `{o}` (of unknown shape; "
                    f"{describe_facts(k, f)}) in full only to sum the product along axis {ax}: a matrix-vector "
                    f"product (`@`) when "
                    f"`{o}` is a vector along that axis, row-wise dots (`np.einsum`) when it has `{k}`'s shape, "
                    f"`{scaled}(axis={ax})` when it is a number; each skips the temporary (1.5-3x measured)",
                    None, red.operand)


def summed_squares(ctx, red: Reduction) -> Proposal | None:
    """``np.sum(x ** 2)`` with nothing known of ``x`` but that NumPy sums it: an array, of unknown rank and
    dtype. The claim holds for any real one; info, no fix (a complex ``x`` wants ``x @ x``, not vdot)."""
    sq = squared(ctx, red.operand)
    if sq is None or sq[1] or red.axis is not None or red.keepdims or red.lib != "numpy" \
            or in_root_with_terms(ctx, red.call) or not _plain_numpy(ctx, red.call.func):
        return None
    x = sq[0]
    if ctx.array_facts(x).rank is not None or array_evidence(ctx, x) or isinstance(x, ast.Constant) \
            or sparse_evidence(ctx, x) or matrix_semantics(ctx, x):
        return None
    t, r = _operand_text(ctx, x, 12, 25), _operand_text(ctx, x, 13, 25)  # `a / b @ (a / b)`: `@` binds left
    return Proposal(red.call, f"`{short(ctx, red.call)}` is a sum of squares (`{t}` is summed by `np.sum`: an "
                    f"array of unknown rank and dtype): an inner product; `{t} @ {r}` (1-D) / `np.vdot({t}, {t})` "
                    "(real floating-point, C-contiguous) computes it in one BLAS pass without the temporary "
                    "(2.5-5x measured)",
                    None, red.operand, "info")


def _plain_numpy(ctx, func) -> bool:
    """``np.sum`` of NumPy itself, not of a mirror whose arrays differ (JAX's traced ones, autograd's boxes)."""
    head = func
    while isinstance(head, ast.Attribute):
        head = head.value
    q = ctx.imports.qualname(head.id) if isinstance(head, ast.Name) else None
    return q is not None and (q == "numpy" or q.startswith("numpy."))
