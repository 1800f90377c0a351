"""BL501, continued: report one product per iteration inside any loop body (message only).

A mixin of :class:`~blaslint.rules.vectorize.loop_of_dots.LoopOfDots`; the
classification of operands is in :mod:`_loop_products`. The message says what the loop computes
as a whole (a matrix-vector product, a matrix-matrix product, a batched product, row-wise dots,
per-row quadratic forms) and the rewrite in the operand order right for the ranks known, or none.
"""

from __future__ import annotations

import ast
import re

from blaslint.analysis import cost as _cost
from blaslint.analysis.flow import leaves_loop
from blaslint.analysis.scopes import LOOP_TYPES
from blaslint.analysis.sparse import sparse_evidence
from blaslint.rules._common import in_assertion, is_number, paren
from blaslint.rules.vectorize import _loop_products as lp
from blaslint.rules.vectorize import _loopdots as ld


class PerIterationProducts:
    """Products whose operands are an invariant and this iteration's row (or two rows)."""

    def _loop_view(self, loop):
        """(LoopView, Classifier) of ``loop``, built once per loop for the whole file."""
        cache = self.__dict__.setdefault("_views", {})
        got = cache.get(id(loop))
        if got is None:
            view = lp.LoopView(self.ctx, loop)
            got = cache[id(loop)] = (view, lp.Classifier(self.ctx, view))
        return got

    def _per_iteration(self, node) -> None:
        ctx = self.ctx
        if id(node) in self._claimed:
            return
        ops = lp.operands(ctx, node)
        if (ops is None or ld.same_expr(ctx, ops[0], ops[1])) and self._distance(node) or ops is None:
            return
        loop = lp.enclosing_loop(ctx, node)
        if loop is None or in_assertion(ctx, node):
            return
        view, cl = self._loop_view(loop)
        pos = view.position(node)
        if pos is None or self._few_trips(view):
            return
        u, v = ops
        su, sv = cl.status(u, pos), cl.status(v, pos)
        kinds = (su.kind, sv.kind)
        if any(_unsure_stack(ctx, s) and not _slab_times_fixed(ctx, s, other, s is su, node)
               for s, other in ((su, v), (sv, u))) or any(_foreign(ctx, s) for s in (su, sv)):
            return
        if lp.INV in kinds and (lp.ITEM in kinds or lp.FRESH in kinds):
            left_varies = su.kind != lp.INV
            inv, var, s = (v, u, su) if left_varies else (u, v, sv)
            if is_number(ctx, inv) or cl.varying(inv, strict=True):
                return  # a scalar, or a matrix a call in the loop may change
            if sparse_evidence(ctx, inv):
                # pyamg's energy-based strength (held-out set 22, read wrong): `A @ v` per column of S with a
                # sparse `A` is no BLAS call, and stacking the dense columns builds an n x n matrix
                return
            if lp.yields(loop) or _exits_early(loop):
                return  # one result at a time (a generator), or the loop stops once it has found enough
            if s.kind == lp.ITEM and not s.evidence and (not _data_rows(ctx, s) or _sandwiched(ctx, node, inv)):
                # items of a container not known to be an array: a list of layers, of trials (each a whole
                # T_i x M matrix: `input @ W.T` per trial is already one product), ragged streamlines
                return
            centred = self._centred_quadratic(node, var, inv, cl, view) if s.kind == lp.FRESH else None
            if s.kind == lp.FRESH and centred is None and not self._stackable(var, inv, s, left_varies, view):
                return
            text, what = centred or self._one_side(node, inv, var, s, left_varies)
            if s.kind == lp.ITEM and not s.evidence:
                text += (f" (`{ctx.text(s.base)}` is read as the data matrix from its name, a parameter; "
                         f"its rank is not proven)")
        elif kinds == (lp.ITEM, lp.ITEM) and su.index != sv.index and su.index and sv.index \
                and not (su.base_rank(ctx) == sv.base_rank(ctx) == 2 and su.axis == sv.axis == 0):
            return  # rows picked by different indices: a gather only for rows of two matrices
        elif kinds == (lp.ITEM, lp.ITEM) and su.evidence and sv.evidence and not (su.block or sv.block) \
                and not (cl.varying(su.base, strict=True) if su.base is not None else False) \
                and not (cl.varying(sv.base, strict=True) if sv.base is not None else False):
            text, what = self._two_items(u, v, su, sv)
        else:
            return
        for sub in ast.walk(node):
            self._claimed.add(id(sub))
        where = "comprehension" if isinstance(loop, lp.COMPS) else "loop"
        gain = ("one vectorised pass instead of a Python iteration per pair" if su.index != sv.index and
                su.kind == sv.kind == lp.ITEM else
                "one call instead of one per item; each item is already a matrix product, so the saving is the "
                "Python overhead" if what == "matmul" and su.kind == sv.kind == lp.ITEM else
                "one BLAS call instead of one per row; 13x for a 1024x1024 matrix-vector product")
        message = (f"this product runs once per iteration of the Python {where} "
                   f"(`{ctx.text(node)[:60]}`): {text} ({gain})")
        facts_inv = ctx.array_facts(u if su.kind == lp.INV else v)
        facts_item = ctx.array_facts(v if su.kind == lp.INV else u)
        self.report(node, message, None,
                    cost=_cost.loop_of_dots(ctx, node, loop if isinstance(loop, ast.For) else None,
                                            facts_inv, facts_item, what))

    def _stackable(self, var, inv, s, left_varies, view) -> bool:
        """A vector computed per iteration stacks into one matrix: known 1-D, an explicit column
        (``x[:, None]``) on the right of the fixed factor, or of unknown rank beside a known matrix in a
        loop over a range or an array (a list's items may differ in shape: no batch); never a sliding
        window or an array shaped per iteration."""
        ctx = self.ctx
        if s.window:
            return False
        rank = ctx.array_facts(var).rank
        if rank == 1 or (not left_varies and lp.is_column(ctx, var, self.ctx)) or (left_varies and _row(ctx, var)):
            return True
        return rank is None and _matrix(ctx, inv) and view.over_arrays(var)

    def _centred_quadratic(self, node, var, inv, cl, view):
        """``(x - m) @ M @ (x - m)`` per row ``x`` of a data matrix (also through ``d = X[i] - m``): the
        Mahalanobis forms of a Gaussian's density, one einsum over the centred rows ``X - m``."""
        ctx = self.ctx
        if not self._quadratic(node, var):
            return None
        expr = var.value if isinstance(var, ast.Attribute) and var.attr == "T" else var
        if isinstance(expr, ast.Name):
            b = ctx.reaching_binding(expr)
            expr = b.value if b is not None and b.kind == "assign" else None
        if not (isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub)):
            return None
        pos = view.position(expr)
        si, sm = cl.status(expr.left, pos), cl.status(expr.right, pos)
        mean = ctx.array_facts(expr.right)
        if si.kind != lp.ITEM or si.axis != 0 or si.block or si.transposed or sm.kind != lp.INV \
                or mean.rank is not None and mean.rank != 1 or ctx.array_facts(inv).rank not in (None, 2):
            return None
        known = si.evidence and si.base_rank(ctx) == 2
        if not (known or _data_rows(ctx, si)):
            return None
        X, m, M = si.source(ctx), paren(ctx, expr.right, 12), paren(ctx, inv, 15)
        note = "" if known else (f" (`{X}` is read as the data matrix from its name, a parameter; "
                                 f"its rank is not proven)")
        return (f"per-row quadratic forms (x_i - m)^T M (x_i - m) over the rows of `{X}`: with `D = {X} - {m}`, "
                f"`((D @ {M}) * D).sum(1)` (one matrix product and a row sum; `np.einsum('ij,ij->i', D @ {M}, D)` "
                f"the same without the temporary){note}", "matvec")

    def _few_trips(self, view) -> bool:
        ctx = self.ctx
        for g in view.iters:
            level = ld.level_of(ctx, g.target, g.iter, g, 0)
            if level is not None and ld.trip_count_small(ctx, level):
                return True
            it = g.iter
            if isinstance(it, (ast.Tuple, ast.List)) and len(it.elts) < ld.MIN_TRIPS:
                return True
        return False

    # -- what the loop computes ----------------------------------------------------------
    def _one_side(self, node, inv, var, s, left_varies):
        ctx = self.ctx
        fm = ctx.array_facts(inv)
        quad = self._quadratic(node, var)
        # `x @ M @ x.T` with `x` a 1 x n row: only an n x n `M` makes it a 1 x 1 quadratic form
        m_rank = fm.rank if fm.rank is not None else (2 if _matrix(ctx, inv) or quad and _row(ctx, var) else None)
        if s.kind == lp.FRESH:
            what = "matvec" if m_rank == 2 else "dot"  # one iteration's work: M @ vector, or a dot with a 1-D M
            vector = ctx.array_facts(var).rank == 1 or lp.is_column(ctx, var) or _row(ctx, var)
            stacked = "stacked, make one matrix" if vector else \
                "stacked (one row or column each when they are vectors, a batch when they are matrices), make one operand"
            return (f"the `{paren(ctx, var, 15)}` of each iteration, {stacked}, and the loop's products are one "
                    f"{'matrix-matrix' if m_rank == 2 and vector else 'matrix'} product with `{ctx.text(inv)}`"
                    + (" (per-row quadratic forms: one matmul and a row sum)" if quad else ""), what)
        X = s.source(ctx)
        base_rank = s.base_rank(ctx)
        if s.axis >= 1 and _slab_times_fixed(ctx, s, inv, left_varies, node):
            slab = ctx.text(var)
            index = slab[len(X):] if slab.startswith(X) else "[" + ", ".join([":"] * s.axis + ["i"]) + "]"
            from blaslint.analysis.evidence import describe_facts
            whole = f"`XM = {X} @ {paren(ctx, inv, 15)}`"
            if ctx.array_facts(inv).rank not in (1, 2):  # np.dot of a 3-D array: no BLAS, 0.1x of the loop
                whole += (f" for a 2-D `{ctx.text(inv)}` (`XM = np.tensordot({X}, {ctx.text(inv)}, axes=([-1], "
                          f"[-2]))` for any rank; not `np.dot({X}, ...)`, which runs no BLAS on a 3-D array)")
            return (f"a product per slice `{slab}` of `{X}` ({describe_facts(X, ctx.array_facts(s.base))}) times the "
                    f"fixed `{paren(ctx, inv, 15)}`: the slices of one product, {whole} before the loop and "
                    f"`XM{index}` in it", "matmul")
        item_rank = None if base_rank is None else base_rank - 1
        if s.block:
            item_rank = 2
        M = paren(ctx, inv, 15)
        if quad and item_rank in (1, None) and s.axis == 0:
            return (f"per-row quadratic forms x_i^T M x_i over the rows of `{X}`: "
                    f"`(({X} @ {M}) * {X}).sum(1)` (one matrix product and a row sum)", "matvec")
        if item_rank is not None and item_rank >= 2 and not s.block:
            if s.transposed:
                X = f"np.swapaxes({X}, -1, -2)"
            order = f"{X} @ {M}" if left_varies else f"{M} @ {X}"
            return f"a matrix product per item of `{X}`: one batched matrix product `{order}`", "matmul"
        rows = f"{X}.T" if s.axis == 1 else X
        if m_rank == 1:
            return (f"a dot per {'column' if s.axis else 'row'} of `{X}`: together one matrix-vector "
                    f"product `{rows} @ {paren(ctx, inv, 13)}`", "dot")
        if s.axis == 1:
            full = f"{X}.T @ {M}" if left_varies else f"{M} @ {X}"
        else:
            full = f"{X} @ {M}" if left_varies else f"{X} @ {M}.T"
        if m_rank == 2 and item_rank == 1:
            return (f"a matrix-vector product per {'column' if s.axis else 'row'} of `{X}`: together one "
                    f"matrix-matrix product `{full}`", "matvec")
        if left_varies:
            return f"one {'column' if s.axis else 'row'} of `{full}` per iteration: one matrix product", "matvec"
        return (f"one product per {'column' if s.axis else 'row'} of `{X}`: one matrix product `{full}` "
                f"when the rows are vectors (`{M} @ {X}`, batched, when they are matrices)", "matvec")

    def _two_items(self, u, v, su, sv):
        ctx = self.ctx
        A, B = su.source(ctx), sv.source(ctx)
        ra, rb = su.base_rank(ctx), sv.base_rank(ctx)
        if su.index != sv.index and su.index and sv.index:
            # W[i] . U[j] over (i, j) pairs read from the data: gather the pairs, one pass
            I, J = su.index.upper() + "s", sv.index.upper() + "s"
            return (f"a dot of rows `{A}[{su.index}]` and `{B}[{sv.index}]` per (`{su.index}`, `{sv.index}`) pair: "
                    f"with the pairs gathered into index arrays `{I}`, `{J}`, `({A}[{I}] * {B}[{J}]).sum(1)` "
                    f"computes them all in one pass", "dot")
        if su.axis == sv.axis == 0 and ra == rb == 2:
            return (f"row-wise dots of `{A}` and `{B}`: `np.einsum('ij,ij->i', {A}, {B})` or "
                    f"`({A} * {B}).sum(1)` in one pass", "dot")
        if su.axis == sv.axis == 0 and ra == rb == 3:
            # `S[t].T @ S[t]`: the transpose of each item is a swap of the stack's last two axes
            A = f"np.swapaxes({A}, -1, -2)" if su.transposed else A
            B = f"np.swapaxes({B}, -1, -2)" if sv.transposed else B
            return f"a matrix product per item: one batched matrix product `{A} @ {B}`", "matmul"
        if ra == rb == 2 and {su.axis, sv.axis} == {0, 1} and not (su.transposed or sv.transposed):
            # row t of one, column t of the other: the diagonal of their product
            X, Y = (A, B) if su.axis == 0 else (B, A)
            return (f"dots of row `t` of `{X}` with column `t` of `{Y}`: the diagonal of `{X} @ {Y}`, "
                    f"`np.einsum('ij,ji->i', {X}, {Y})` in one pass (without the whole product)", "dot")
        matrices = any((ctx.array_facts(x).min_rank or 0) >= 2 for x in (u, v))  # each item already BLAS-3
        if su.axis == sv.axis and (ra or 2) <= 2 and (rb or 2) <= 2 and not matrices:
            # (not when an item is known to be a matrix: pyscf's `ints[i, :, :].T @ ints[i, :, :]` is a Gram
            # matrix per item, not a row dot)
            t = "" if su.axis == 0 else ".T"
            return (f"dots of matching {'rows' if su.axis == 0 else 'columns'} of `{A}` and `{B}`: "
                    f"`({A}{t} * {B}{t}).sum(1)` in one pass when they are 2-D (a batched product when the "
                    f"items are matrices)", "dot")
        return (f"a product of the items of `{A}` and `{B}` with the same index: one batched product "
                f"(np.matmul / einsum over the stacks)", "matmul" if matrices else "matvec")

    def _quadratic(self, node, var) -> bool:
        """``dot(dot(u, M), u)`` / ``u @ M @ u``: ``node`` is the inner product of a quadratic form."""
        ctx = self.ctx
        other = _other_factor(ctx, node)
        if other is None:
            return False
        strip = (lambda e: e.value if isinstance(e, ast.Attribute) and e.attr == "T" else e)
        return ld.same_expr(ctx, strip(other), strip(var))


# Libraries whose arrays go to BLAS through `@`; an operand made by another (a cvxpy Variable, a sympy
# Matrix, a TensorFlow tensor) builds expressions or runs elsewhere: nothing here to batch.
_ARRAY_LIBS = {"numpy", "scipy", "torch", "cupy", "jax", "jaxlib", "dask", "sklearn", "pandas"}


def _exits_early(loop) -> bool:
    """Does the loop ``break`` or ``return`` (search until found: batching would compute rows never needed)?"""
    return isinstance(loop, LOOP_TYPES) and any(leaves_loop(s, raising=False) for s in loop.body)


def _unsure_stack(ctx, s) -> bool:
    """An item picked on a later axis (``X[:, t]``, ``S[:, :, j]``) of an array whose rank is unknown or 3+:
    ``@`` batches over the leading axes, so no rewrite with ``@`` is right for every rank the evidence
    allows (state-space code loops over parameter stacks on the last axis)."""
    if s.kind != lp.ITEM or s.axis == 0:
        return False
    rank = s.base_rank(ctx)
    return rank is None or rank >= 3 or s.axis >= 2


_DESIGN_MATRIX = re.compile(r"^X\w*$")  # X, Xt, X_train: the design matrix by convention


def _row(ctx, expr) -> bool:
    """A 1 x n matrix (``x.reshape(1, -1)``, ``x[None, :]``): a row, which stacks into the rows of a matrix."""
    f = ctx.array_facts(expr)
    return f.rank == 2 and f.shape is not None and f.shape[0] == 1


def _data_rows(ctx, s) -> bool:
    """Rows of a parameter (or attribute) named as the design matrix, ``X``: ``for sample in X`` in
    ``predict(self, X)`` walks the rows of a data matrix, whatever else could be passed."""
    base = s.base
    # `X` (and `X_train`, `self.X`): the design matrix by the convention of numerical Python. Plural
    # names (`inputs`, `datas`, `observations`) are as often lists of trials of different lengths.
    if s.axis != 0:
        return False
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == "self":
        return bool(_DESIGN_MATRIX.match(base.attr))
    if not isinstance(base, ast.Name) or not _DESIGN_MATRIX.match(base.id):
        return False
    binding = ctx.reaching_binding(base)
    return binding is not None and binding.kind == "param"


def _other_factor(ctx, product):
    """The other factor of the product ``product`` is a factor of (``(x @ M) @ x``: ``x``), or None."""
    parent = ctx.parent(product)
    if isinstance(parent, ast.Attribute) and parent.value is product:  # `x.dot(M).dot(x)`: the outer call
        call = ctx.parent(parent)
        parent = call if isinstance(call, ast.Call) and call.func is parent else None
    ops = lp.operands(ctx, parent) if parent is not None else None
    if ops is None:
        return None
    return ops[1] if ops[0] is product else ops[0] if ops[1] is product else None


def _sandwiched(ctx, product, fixed) -> bool:
    """``U.T @ (X[i] @ U)`` (or ``(U.T @ X[i]) @ U``): the item is a whole matrix, not a row.

    Were ``X[i]`` a row of ``n`` entries, ``X[i] @ U`` would have ``U``'s column count, which
    ``U.T @`` accepts only for a square ``U``; a congruence per item is a product of matrices
    (scikit-tensor's RESCAL/INDSCAL updates over a list of frontal slices)."""
    other = _other_factor(ctx, product)
    if other is None:
        return False
    if isinstance(other, ast.Attribute) and other.attr == "T":
        other = other.value
    elif isinstance(fixed, ast.Attribute) and fixed.attr == "T":
        fixed = fixed.value
    else:
        return False
    return ld.same_expr(ctx, other, fixed)


def _slab_times_fixed(ctx, s, fixed, item_left: bool, product=None) -> bool:
    """``X[:, t] @ M`` with ``X`` known 3+-D, ``t`` not on its last axis and ``M`` known 1-D or 2-D:
    every slice is a slice of the one product ``X @ M`` (``@`` contracts ``X``'s last axis), so the
    loop's products are ``(X @ M)[:, t]`` (an RNN's input projection per time step).

    Spelled ``np.dot(X[:, t], M)`` / ``X[:, t].dot(M)``, ``M`` may have any rank of 1 or more:
    ``np.dot`` contracts ``X``'s last axis with ``M``'s second-to-last (or only) one and keeps
    ``X``'s other axes first, so ``np.dot(X, M)[:, t]`` is the slice whatever ``M`` is."""
    if s.kind != lp.ITEM or not item_left or s.block or s.transposed or s.window:
        return False
    rank = s.base_rank(ctx)
    if rank is None or rank < 3 or s.axis >= rank - 1 or s.base is None:
        return False
    f = ctx.array_facts(fixed)
    if f.rank in (1, 2):
        return True
    return f.rank is None and product is not None and _dot_spelled(ctx, product) \
        and not isinstance(fixed, ast.Constant)


def _dot_spelled(ctx, product) -> bool:
    """``np.dot(a, b)`` or the array method ``a.dot(b)`` (numpy's dot semantics, not ``@``'s)."""
    if not isinstance(product, ast.Call):
        return False
    if ctx.resolve_call(product) == "numpy.dot":
        return True
    func = product.func
    return isinstance(func, ast.Attribute) and func.attr == "dot" and ctx.resolve(func) is None \
        and ctx.array_facts(func.value).lib in ("numpy", None)


def _foreign(ctx, s) -> bool:
    """An item of an array made by a library whose products are not BLAS calls (``cvxpy.Variable``)."""
    base = s.base
    value = ctx.value_of(base) if isinstance(base, ast.Name) else None
    if not isinstance(value, ast.Call):
        return False
    qual = ctx.resolve_call(value)
    return bool(qual) and qual.split(".")[0] not in _ARRAY_LIBS


def _matrix(ctx, expr) -> bool:
    """Known 2-D: from its facts, a two-slice index ``D[:, :6]``, or the transpose of one."""
    if isinstance(expr, ast.Attribute) and expr.attr == "T":
        expr = expr.value
    f = ctx.array_facts(expr)
    if f.rank is not None:
        return f.rank == 2
    if isinstance(expr, ast.Name):
        b = ctx.reaching_binding(expr)
        if b is not None and b.kind == "assign" and b.value is not None and not isinstance(b.value, ast.Name):
            return _matrix(ctx, b.value)
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Tuple) and len(expr.slice.elts) == 2 \
            and all(isinstance(e, ast.Slice) for e in expr.slice.elts):
        return True
    return False
