"""BL501, continued: distances computed one row at a time (a mixin of
:class:`~blaslint.rules.vectorize.loop_of_dots.LoopOfDots`): squared distances, norms of
differences, scipy metrics, and helpers returning them -> one vectorised call, ``cdist``, or
over two loops one GEMM for all the pairs."""

from __future__ import annotations

import ast

from blaslint.analysis import cost as _cost
from blaslint.rules._common import in_assertion
from blaslint.rules.vectorize import _loop_products as lp
from blaslint.rules.vectorize._loop_calls import distance_form
from blaslint.rules.vectorize._per_iteration import _data_rows, _matrix

_METRIC_ARGS = {"mahalanobis": ("VI",), "minkowski": ("p", "w"), "seuclidean": ("V",)}  # scipy's positional extras


class SquaredDistances:
    """``diff.dot(diff)`` with ``diff = x - c``, ``np.sum((x - c) ** 2)``, or a local helper
    ``d(u, v)`` returning one of them, once per row: squared distances, one vectorised pass (and
    over two loops the pairwise distance matrix, one GEMM)."""

    def _distance(self, node) -> bool:
        ctx = self.ctx
        loop = lp.enclosing_loop(ctx, node)  # first: most calls are in no loop, and the form asks helpers
        if loop is None:
            return False
        pair = distance_form(ctx, node)
        if pair is None or in_assertion(ctx, node):
            return False
        a, b, where_defined, metric = pair
        view, cl = self._loop_view(loop)
        pos = view.position(node)
        if pos is None or self._few_trips(view):
            return False
        sa, sb = (cl.status(x, pos) if x is not None else lp.Status(lp.BAD) for x in (a, b))
        if {sa.kind, sb.kind} != {lp.INV, lp.ITEM}:
            return False
        item, inv, s = (a, b, sa) if sa.kind == lp.ITEM else (b, a, sb)
        if cl.varying(inv, strict=True):
            return False
        if s.block or s.axis != 0 or _matrix(ctx, inv):
            return False
        outer = self._outer_item(loop, inv)
        if not (s.evidence or _data_rows(ctx, s) or ctx.array_facts(inv).rank == 1 or self._outer_rows(loop, inv)
                or _same_base(ctx, inv, s)):
            return False  # items of a container not known to be an array, beside no known row (ragged splits)
        X, C = s.source(ctx), ctx.text(inv)
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        if metric not in ("squared", None):
            what = f"a `{metric}` distance"
            extra = "".join(f", {k}={ctx.text(v)}" for k, v in zip(_METRIC_ARGS.get(metric, ()), node.args[2:]))
            extra += "".join(f", {k.arg}={ctx.text(k.value)}" for k in node.keywords if k.arg)
            text = (f"`scipy.spatial.distance.cdist({X}, {outer}, '{metric}'{extra})` gives all the pairs in one call"
                    if outer else
                    f"`scipy.spatial.distance.cdist({X}, {C}[None, :], '{metric}'{extra})[:, 0]` in one call")
        elif outer is not None:
            what = "a squared distance" if metric else "a distance"
            text = (f"pairwise {'squared ' if metric else ''}distances between the rows of `{X}` and of `{outer}`, "
                    f"one pair per iteration: one GEMM gives them all, `({X} ** 2).sum(1)[:, None] - 2 * {X} @ "
                    f"{outer}.T + ({outer} ** 2).sum(1)`" + ("" if metric else " (then `np.sqrt`)"))
        elif metric:
            what = "a squared distance"
            text = f"squared distances from each row of `{X}` to `{C}`: `(({X} - {C}) ** 2).sum(1)` in one pass"
        else:
            what = "a distance"
            text = f"distances from each row of `{X}` to `{C}`: `np.linalg.norm({X} - {C}, axis=1)` in one call"
        via = f" (through `{where_defined}`)" if where_defined else ""
        self.report(node, f"{what} per iteration of a Python loop{via}: {text}", None,
                    cost=_cost.loop_of_dots(ctx, node, loop if isinstance(loop, ast.For) else None,
                                            ctx.array_facts(inv), ctx.array_facts(item), "dot"))
        return True

    def _outer_rows(self, loop, inv) -> bool:
        """Is ``inv`` a row of a known 2-D array walked by a loop around ``loop`` (``for x in X``)?"""
        outer = lp.enclosing_loop(self.ctx, loop)
        if outer is None or not isinstance(inv, ast.Name):
            return False
        view, _ = self._loop_view(outer)
        base = view.aliases.get(inv.id, (None,))[0]
        return base is not None and (self.ctx.array_facts(base).rank == 2
                                     or _data_rows(self.ctx, lp.Status(lp.ITEM, base, 0)))

    def _outer_item(self, loop, inv):
        """``M`` when ``inv`` is ``M[k]`` for the variable of a loop around ``loop``."""
        ctx = self.ctx
        outer = lp.enclosing_loop(ctx, loop)
        if outer is None:
            return None
        view, _ = self._loop_view(outer)
        if isinstance(inv, ast.Name) and inv.id in view.aliases:
            return ctx.text(view.aliases[inv.id][0])
        if not isinstance(inv, ast.Subscript) or not isinstance(inv.slice, ast.Name):
            return None
        return ctx.text(inv.value) if inv.slice.id in view.index else None


def _same_base(ctx, inv, s) -> bool:
    """``pos[j] - pos[i]``: two items of one container have one shape (else the difference raises)."""
    return isinstance(inv, ast.Subscript) and s.base is not None and ctx.text(inv.value) == ctx.text(s.base)
