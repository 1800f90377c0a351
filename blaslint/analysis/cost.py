"""What a finding costs and what its fix saves: an order of magnitude, from sizes and loops.

A rule calls the estimator for its kind of finding with the facts of its
operands (``cost.inverse_solve(ctx, node, A_facts, b_facts)``) and passes the
result to ``self.report(..., cost=...)``; the engine derives the finding's
severity from it (:mod:`blaslint.analysis.severity`). The model is meant to be
explained in one sentence, not to predict timings:

    seconds saved per run ~= (flops saved / rate + bytes saved / bandwidth
                              + calls saved x call overhead) x loop trips

Each dimension is judged by :func:`blaslint.analysis.sizes.dim_kind` and
stands for an assumed size (:data:`ASSUMED`): a literal is itself, a
data-sized dimension 10,000, a model-sized one 256, an unknown one 1,000. An
unknown size is thereby judged by the asymptotic gain alone: an O(n^3) ->
O(n^2) change at n = 1,000 saves tens of milliseconds and is shown, one extra
pass over 1,000 x 1,000 elements saves a fraction of a millisecond and is not,
unless a loop multiplies it; a change on all-small literal dimensions (a 3x3
Kalman inverse, ``np.eye(4)``) saves microseconds and is negligible. Loops
multiply by their assumed trips (:data:`blaslint.analysis.sizes.TRIPS`: a
dataset 10,000, solver/training iterations 1,000, unknown 100, a literal its
count). A finding saving less than :data:`NEGLIGIBLE_SECONDS` per run is
negligible (severity ``info``, hidden by default).

Constants, measured by ``benchmarks/cost_constants.py`` (run by hand,
OPENBLAS_NUM_THREADS=1) on the benchmark machine of RULES.md (2-core AMD EPYC,
numpy 2.4, OpenBLAS 0.3.31, float64):

=============================  ==============================================
GEMM_RATE      45e9 flop/s     ``A @ B`` n=512 (44-53 GFLOP/s over two runs)
EINSUM_RATE    9.5e9 flop/s    ``einsum("ij,jk->ik")`` n=512, no optimize
NO_BLAS_RATE   0.8e9 flop/s    int64 ``A @ B`` n=512 (numpy's own loop)
LAPACK_RATE    21e9 flop/s     (inv(A) @ b - solve(A, b)) time at n=1024 is
                               0.063 ns x n^3, i.e. 4/3 n^3 flops at 21e9/s
MEM_BW         23e9 B/s        gemv n=4096 (22-23 GB/s), copy of 128 MB
                               (23-28 GB/s read + write)
FILL_BW        30e9 B/s        ``out.fill(0)`` on 128 MB (29-34 GB/s)
CALL_OVERHEAD  1.0e-6 s        one small NumPy call (``a @ b`` on 4x4)
ALLOC_OVERHEAD 0.13e-6 s       ``np.zeros(16)``
PY_ITERATION   11e-9 s         one empty Python ``for`` iteration
PY_SUM_ELEMENT 90e-9 s         built-in ``sum`` over a float64 array, per element
                               (90-96 ns at n=10,000: a NumPy scalar made and added)
FACTOR_CALL    2.4-21e-6 s     one numpy.linalg call on a 4x4 matrix (det 2.4,
                               inv 4.0, svd 8.5, eig 13, pinv 21 us): what
                               hoisting a small factorisation saves per trip
=============================  ==============================================

These agree with the speed-ups on the rule pages (benchmarks/fix_speedups.py):
e.g. BL401 n=1024 predicts inv@b 93 ms vs solve 24 ms (measured 91 / 24);
BL502 predicts 4.7x for a 512^2 einsum matmul (measured 3.3-7x).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from blaslint.analysis import sizes as _sizes

if TYPE_CHECKING:  # pragma: no cover
    from blaslint.analysis.base import Context as FileContext
    from blaslint.analysis.facts import Facts

GEMM_RATE = 45e9
EINSUM_RATE = 9.5e9
NO_BLAS_RATE = 0.8e9
LAPACK_RATE = 21e9
MEM_BW = 23e9
FILL_BW = 30e9
CALL_OVERHEAD = 1.0e-6
ALLOC_OVERHEAD = 0.13e-6
PY_ITERATION = 11e-9
PY_SUM_ELEMENT = 90e-9
ITEMSIZE = 8                 # bytes of an element when the dtype is unknown (float64)
PAGE_FRESH_BYTES = 128 * 1024  # above this an allocation gets fresh pages (glibc mmap threshold)

# Assumed size of a dimension by kind (a literal is itself).
ASSUMED = {"small": 8, "model": 256, "large": 2048, "data": 10_000, "unknown": 1_000}
NEGLIGIBLE_SECONDS = 0.02    # saved per run: below this a finding is "info"

# n^3 coefficients of the flops of a dense factorisation or inverse of an n x n matrix.
FACTOR_FLOPS = {"inverse": 2.0, "pinv": 10.0, "cholesky": 1 / 3, "lu": 2 / 3, "solve": 2 / 3,
                "factorization": 2 / 3, "qr": 4 / 3, "eig": 10.0, "eigh": 4.0, "svd": 10.0, "det": 2 / 3}
# Seconds of one call on a 4 x 4 matrix (numpy.linalg / scipy.linalg overhead, measured as above;
# scipy's lu_factor 5.8 us): what hoisting a small factorisation out of a loop saves per iteration.
FACTOR_CALL = {"inverse": 4.0e-6, "pinv": 21e-6, "cholesky": 3.5e-6, "lu": 6e-6, "solve": 4.4e-6,
               "factorization": 6e-6, "qr": 13e-6, "eig": 13e-6, "eigh": 6e-6, "svd": 8.5e-6, "det": 2.4e-6}
_LETTERS = "nmkpqrstuvw"


@dataclass(frozen=True)
class Cost:
    """A finding's cost: the asymptotic change, the sizes and loop it rests on, the saving.

    ``saving`` is the estimated seconds saved per run (an order of magnitude:
    used for ``--sort cost`` and to tell negligible findings apart).
    """

    before: str                    # "O(n^3)"
    after: str                     # "O(n^2)"
    dims: tuple[str, ...] = ()     # "n = X.shape[0] (data-sized)", ...
    loop: str | None = None        # "inside the loop over `range(n_iter)` (line 12)"
    saving: float = 0.0            # seconds per run, estimated
    facts: tuple[str, ...] = ()    # the operand facts it rests on

    @property
    def negligible(self) -> bool:
        return self.saving < NEGLIGIBLE_SECONDS

    def describe(self) -> str:
        """For messages: "O(n^3) -> O(n^2) per call, inside the loop over ... (n = X.shape[0], data-sized)"."""
        text = f"{self.before} -> {self.after} per call"
        if self.loop:
            text += f", {self.loop}"
        if self.dims:
            text += f" ({'; '.join(self.dims)})"
        return text

    def as_dict(self) -> dict:
        return {"before": self.before, "after": self.after, "dims": list(self.dims), "loop": self.loop,
                "saving": self.saving, "negligible": self.negligible, "facts": list(self.facts)}

    @classmethod
    def from_dict(cls, data: dict) -> "Cost":
        return cls(data["before"], data["after"], tuple(data.get("dims", ())), data.get("loop"),
                   float(data.get("saving", 0.0)), tuple(data.get("facts", ())))


# -- sizes -------------------------------------------------------------------------------

_KIND_WORDS = {"small": "small literal", "model": "model-sized", "large": "large", "data": "data-sized",
               "unknown": "size unknown"}


class Sizes:
    """Letters for the dimensions of one finding, their kinds and assumed values."""

    def __init__(self, ctx: "FileContext | None", node: ast.AST | None) -> None:
        self.ctx, self.node = ctx, node
        self._by_text: dict[str, str] = {}
        self.values: dict[str, float] = {}
        self.unknown: set[str] = set()  # letters whose size nothing tells
        self.labels: list[str] = []

    def letter(self, dim, hint: str | None = None, unknown_as: str | None = None, because: str = "") -> str:
        """The letter standing for ``dim`` (the same text gets the same letter). ``unknown_as``: the size
        class assumed when nothing tells the size (the operation itself suggests one)."""
        key = repr(dim) if dim is not None else None
        if key is not None and key in self._by_text:
            return self._by_text[key]
        letter = hint if hint and hint not in self.values else next(c for c in _LETTERS if c not in self.values)
        kind = _sizes.dim_kind(self.ctx, dim, self.node)
        assumed = unknown_as if kind == "unknown" and unknown_as else None
        value = dim if isinstance(dim, int) and not isinstance(dim, bool) else ASSUMED[assumed or kind]
        self.values[letter] = float(max(value, 1))
        if kind == "unknown" and not assumed:
            self.unknown.add(letter)
        if key is not None:
            self._by_text[key] = letter
        if assumed:
            self.labels.append(f"{letter} {'unknown' if dim is None else '= ' + str(dim) + ' (size unknown)'}"
                               f", assumed {_KIND_WORDS[assumed]}{' (' + because + ')' if because else ''}")
        elif dim is None:
            self.labels.append(f"{letter} unknown")
        elif isinstance(dim, int):
            self.labels.append(f"{letter} = {dim} ({_KIND_WORDS[kind]})")
        else:
            self.labels.append(f"{letter} = {dim} ({_KIND_WORDS[kind]})")
        return letter

    def __getitem__(self, letter: str) -> float:
        return self.values[letter]


def _dims(f: "Facts | None", rank: int) -> list:
    """``rank`` dimensions of ``f`` (None where unknown); its known trailing dims when its rank is not."""
    if f is not None and f.shape is not None and len(f.shape) == rank:
        return list(f.shape)
    tail = list(f.tail) if f is not None and (f.rank is None or f.shape is None) else []
    tail = tail[-rank:] if rank else []
    return [None] * (rank - len(tail)) + tail


def _rank(f: "Facts | None", default: int) -> int:
    return f.rank if f is not None and f.rank is not None else default


def _itemsize(f: "Facts | None") -> int:
    dtype = getattr(f, "dtype", None) or ""
    for size, names in ((4, ("float32", "int32", "uint32", "complex64")), (2, ("float16", "int16", "bfloat16")),
                        (1, ("int8", "uint8", "bool")), (16, ("complex128",))):
        if dtype in names:
            return size if dtype != "complex64" else 8
    return ITEMSIZE


def _shape_text(dims) -> str:
    """``2x2``; ``n x d`` when a dim is a symbol."""
    parts = ["?" if d is None else str(d) for d in dims]
    return ("x" if all(isinstance(d, int) for d in dims) else " x ").join(parts)


def _facts_text(names: Sequence[str], facts: Sequence["Facts | None"]) -> tuple[str, ...]:
    out = []
    for name, f in zip(names, facts):
        if f is None or f.rank is None:
            tail = _shape_text(f.tail) if f is not None else ""
            out.append(f"{name}: rank unknown" + (f", ends in {tail}" if tail else ""))
            continue
        shape = _shape_text(f.shape) if f.shape is not None else "?"
        dtype = f", {f.dtype}" if f.dtype else ""
        out.append(f"{name}: {f.rank}-D ({shape}){dtype}")
    return tuple(out)


def big_o(*terms: str) -> str:
    """``big_o("nnn", "nn") -> "O(n^3 + n^2)"``: each term a string of letters multiplied."""
    rendered, keys = [], []
    for term in terms:
        key = "".join(sorted(term))  # `nm` and `mn` are one term
        if key in keys:
            continue
        keys.append(key)
        if not term:
            rendered.append("1")
            continue
        parts = []
        for letter in sorted(set(term), key=term.index):
            count = term.count(letter)
            parts.append(letter if count == 1 else f"{letter}^{count}")
        rendered.append(" ".join(parts))
    return f"O({' + '.join(rendered)})"


def _finish(ctx, node, before: str, after: str, per_call: float, sz: Sizes | None,
            facts: tuple[str, ...] = (), loop_ctx=None, repeat: float | None = None) -> Cost:
    """Multiply by the loops around ``node`` and wrap it up."""
    if loop_ctx is None and ctx is not None and node is not None and hasattr(node, "lineno"):
        try:
            loop_ctx = _sizes.loop_context(ctx, node)
        except Exception:  # noqa: BLE001 - a node outside the linked tree
            loop_ctx = None
    trips = loop_ctx.trips if loop_ctx is not None else 1
    if repeat is not None:
        trips = repeat
    line_ref = getattr(ctx, "line_ref", None)
    loop = loop_ctx.describe(line_ref) if loop_ctx is not None else None
    dims = tuple(sz.labels) if sz is not None else ()
    return Cost(before, after, dims, loop, max(per_call, 0.0) * trips, facts)


# -- estimators, one per kind of finding ---------------------------------------------------

def inverse_solve(ctx, node, A: "Facts | None", B: "Facts | None", kind: str = "inverse",
                  side: str = "left", unknown_as: str | None = None, because: str = "") -> Cost:
    """``inv(A) @ B`` -> ``solve(A, B)`` (``kind="pinv"``: ``pinv(A) @ b`` -> ``lstsq``).

    The product costs the same both ways; the inverse costs 2n^3 flops (LU and
    its inverse), the factorisation 2/3 n^3: 4/3 n^3 saved, plus the call of
    the product. pinv (an SVD, ~10 n^3 when square) vs lstsq (~2 n^3 as QR/SVD
    on the system): 8 n^3 saved.
    """
    sz = Sizes(ctx, node)
    a = _dims(A, 2)
    if a == [None, None] and kind != "pinv" and B is not None:
        # the inverse is n x n: its size shows in the other factor (X @ inv(A): X's last dim; inv(A) @ B: B's rows)
        from blaslint.analysis.facts import trailing_dims

        b = trailing_dims(B)
        if side == "right":
            a = [b[-1] if b else None, None]
        elif B.rank == 1 or len(b) >= 2:
            a = [b[-1] if B.rank == 1 else b[-2], None]
    n = sz.letter(a[0] if a[0] is not None else a[1], "n", unknown_as=unknown_as, because=because)
    m = sz.letter(_dims(B, 2)[1], "m") if _rank(B, 1) >= 2 else ""
    saved_n3 = 4 / 3 if kind != "pinv" else 8.0
    per_call = saved_n3 * sz[n] ** 3 / LAPACK_RATE + CALL_OVERHEAD
    what = "pinv" if kind == "pinv" else "inverse"
    before = f"{big_o(n * 3, n * 2 + m)} ({what}, then a product)"
    after = f"{big_o(n * 3, n * 2 + m)} (factor and solve: {'1/5' if kind == 'pinv' else '1/3'} of the n^3 work)"
    return _finish(ctx, node, before, after, per_call, sz, _facts_text(("A", "B"), (A, B)))


def diagonal_product(ctx, node, d: "Facts | None", other: "Facts | None", side: str = "left") -> Cost:
    """``np.diag(d) @ A`` -> ``d[:, None] * A``: O(n^2 m) -> O(n m), and no dense n x n matrix."""
    sz = Sizes(ctx, node)
    n = sz.letter(_dims(d, 1)[0], "n")
    if _rank(other, 2) >= 2:
        o = _dims(other, 2)
        m = sz.letter(o[1] if side == "left" else o[0], "m")
    else:
        m = ""
    mv = sz[m] if m else 1.0
    before_s = 2 * sz[n] ** 2 * mv / GEMM_RATE + sz[n] ** 2 * ITEMSIZE / FILL_BW
    after_s = sz[n] * mv * 2 * ITEMSIZE / MEM_BW
    return _finish(ctx, node, big_o(n * 2 + m), big_o(n + m), before_s - after_s, sz,
                   _facts_text(("d", "A"), (d, other)))


def partial_product(ctx, node, A: "Facts | None", B: "Facts | None", part: str = "trace") -> Cost:
    """``trace(A @ B)`` / ``diag(A @ B)`` (O(n^2 k) -> O(n k)), ``(A @ B)[i, j]`` (-> O(k))."""
    sz = Sizes(ctx, node)
    a = _dims(A, 2)
    n, k = sz.letter(a[0], "n"), sz.letter(a[1], "k")
    b = _dims(B, 2)
    p = sz.letter(b[1], "n") if b[1] is not None and repr(b[1]) != repr(a[0]) else n
    before_s = 2 * sz[n] * sz[k] * sz[p] / GEMM_RATE
    if part == "element":
        after_s, after = 2 * sz[k] / EINSUM_RATE + CALL_OVERHEAD, big_o(k)
    else:
        after_s, after = 2 * sz[n] * sz[k] / EINSUM_RATE, big_o(n + k)
    return _finish(ctx, node, big_o(n + k + p), after, before_s - after_s, sz, _facts_text(("A", "B"), (A, B)))


def _chain_dims(operands: Sequence["Facts | None"], sz: Sizes) -> list[tuple[str, str]]:
    """(rows, cols) letters of each operand; a vector is a row first, a column elsewhere."""
    out = []
    for i, f in enumerate(operands):
        if _rank(f, 2) == 1:
            d = sz.letter(_dims(f, 1)[0])
            out.append(("", d) if i == 0 else (d, ""))
        else:
            r, c = _dims(f, 2)
            out.append((sz.letter(r), sz.letter(c)))
    return out


def _chain_cost(dims, sz, i, j, memo) -> tuple[float, list[str]]:
    """Cheapest (flops, terms) of multiplying operands i..j (the matrix-chain DP)."""
    if i == j:
        return 0.0, []
    if (i, j) in memo:
        return memo[(i, j)]
    best = None
    for s in range(i, j):
        lf, lt = _chain_cost(dims, sz, i, s, memo)
        rf, rt = _chain_cost(dims, sz, s + 1, j, memo)
        term = dims[i][0] + dims[s][1] + dims[j][1]
        flops = lf + rf + 2 * math.prod(sz[c] for c in term)
        if best is None or flops < best[0]:
            best = (flops, lt + rt + [term])
    memo[(i, j)] = best
    return best


def _tree_cost(tree, dims, sz) -> tuple[float, list[str], tuple[str, str]]:
    """(flops, terms, (rows, cols)) of evaluating ``tree`` (nested pairs of operand indices) as written."""
    if isinstance(tree, int):
        return 0.0, [], dims[tree]
    lf, lt, (lr, lc) = _tree_cost(tree[0], dims, sz)
    rf, rt, (rr, rc) = _tree_cost(tree[1], dims, sz)
    term = lr + lc + rc
    return lf + rf + 2 * math.prod(sz[c] for c in term), lt + rt + [term], (lr, rc)


def chain_order(ctx, node, operands: Sequence["Facts | None"], tree=None) -> Cost:
    """A chain ``A @ B @ x`` evaluated as written (``tree``: nested pairs of operand indices; left to
    right when not given) vs in the cheapest order (the matrix-chain DP)."""
    sz = Sizes(ctx, node)
    dims = _chain_dims(operands, sz)
    if tree is None:
        tree = 0
        for j in range(1, len(dims)):
            tree = (tree, j)
    written_flops, written_terms, _ = _tree_cost(tree, dims, sz)
    best_flops, best_terms = _chain_cost(dims, sz, 0, len(dims) - 1, {})
    return _finish(ctx, node, big_o(*_dominant(written_terms, sz)), big_o(*_dominant(best_terms, sz)),
                   (written_flops - best_flops) / GEMM_RATE, sz,
                   _facts_text([f"operand {i + 1}" for i in range(len(operands))], operands))


def outer_factor(ctx, node, M: "Facts | None", u: "Facts | None", v: "Facts | None", side: str = "right") -> Cost:
    """``M @ np.outer(u, v)`` -> ``np.outer(M @ u, v)``: O(p n m) -> O(p n + p m), and no n x m temporary.

    ``side="left"``: ``np.outer(u, v) @ M`` -> ``np.outer(u, v @ M)``, the same with the roles swapped.
    """
    sz = Sizes(ctx, node)
    n = sz.letter(_dims(u, 1)[0] if _rank(u, 1) == 1 else None, "n")
    m = sz.letter(_dims(v, 1)[0] if _rank(v, 1) == 1 else None, "m")
    rank = _rank(M, 2)
    if rank >= 2:
        dims = _dims(M, rank)
        p = sz.letter(dims[-2] if side == "right" else dims[-1], "p")
    else:
        p = ""
    pv = sz[p] if p else 1.0
    inner = (n if side == "right" else m)
    before_s = 2 * pv * sz[n] * sz[m] / GEMM_RATE + sz[n] * sz[m] * ITEMSIZE / FILL_BW
    after_s = (pv * sz[inner] + pv * sz[m if side == "right" else n]) * ITEMSIZE / MEM_BW
    return _finish(ctx, node, big_o(p + n + m), big_o(p + inner, p + (m if side == "right" else n)),
                   before_s - after_s, sz, _facts_text(("M", "u", "v"), (M, u, v)))


def _dominant(terms: list[str], sz: Sizes) -> list[str]:
    """The terms of a sum that matter at the assumed sizes (within 10x of the biggest)."""
    if not terms:
        return [""]
    values = [math.prod(sz[c] for c in t) for t in terms]
    top = max(values)
    return [t for t, v in zip(terms, values) if v * 10 >= top]


def repeated_product(ctx, node, A: "Facts | None", B: "Facts | None", times: int = 2) -> Cost:
    """The same product computed ``times`` times: all but one are saved."""
    sz = Sizes(ctx, node)
    a = _dims(A, _rank(A, 2))
    b = _dims(B, _rank(B, 2))
    n = sz.letter(a[0], "n") if len(a) == 2 else ""
    k = sz.letter(a[-1] if a else None, "k")
    m = sz.letter(b[-1], "m") if len(b) == 2 else ""
    flops = 2 * math.prod(sz[c] for c in n + k + m)
    per = flops / GEMM_RATE + CALL_OVERHEAD
    return _finish(ctx, node, f"{times} x {big_o(n + k + m)}", big_o(n + k + m), per * (times - 1), sz,
                   _facts_text(("A", "B"), (A, B)))


def loop_of_dots(ctx, node, loop: ast.AST | None, operand: "Facts | None", item: "Facts | None",
                 what: str = "matvec") -> Cost:
    """A Python loop computing one product row by row (``what``: "dot", "matvec", "matmul").

    Before: per iteration a Python step and a call, each a BLAS-1/2 (memory-bound)
    product; after: one BLAS-3 call. ``operand`` is the fixed factor, ``item``
    what each iteration takes; the loop's trips come from what it runs over.
    """
    sz = Sizes(ctx, node)
    it = _sizes._for_loop(ctx, loop, loop.iter, loop.target) if isinstance(loop, (ast.For, ast.AsyncFor)) else None
    n = "t"
    sz.values[n] = float(it.trips if it is not None else _sizes.TRIPS["unknown"])
    sz.labels.append(f"t = {it.trips if it is not None else '?'} iterations "
                     f"({'over `' + it.over + '`, ' + it.kind if it is not None else 'unknown'})")
    if what == "dot":
        k = sz.letter(_dims(item, 1)[0] if _rank(item, 1) == 1 else _dims(operand, 1)[0], "k")
        per_iter_bytes, terms = 2 * sz[k] * ITEMSIZE, n + k
        flops = 2 * sz[n] * sz[k]
    elif what == "matmul":
        o = _dims(operand, 2)
        m, k = sz.letter(o[0], "m"), sz.letter(o[1], "k")
        p = ""
        if _rank(item, 2) == 2:  # the item's free dimension: the one it does not share with the operand
            i0, i1 = _dims(item, 2)
            p = sz.letter(i0 if i1 is not None and i1 in (o[0], o[1]) and i0 not in (o[0], o[1]) else i1, "p")
        per_iter_bytes, terms = 0.0, n + m + k + p
        flops = 2 * sz[n] * sz[m] * sz[k] * (sz[p] if p else 1.0)
    else:
        o = _dims(operand, 2)
        m, k = sz.letter(o[0], "m"), sz.letter(o[1], "k")
        per_iter_bytes, terms = sz[m] * sz[k] * ITEMSIZE, n + m + k
        flops = 2 * sz[n] * sz[m] * sz[k]
    before_s = sz[n] * (per_iter_bytes / MEM_BW + CALL_OVERHEAD + PY_ITERATION)
    if what == "matmul":
        before_s += flops / GEMM_RATE
    after_s = flops / GEMM_RATE + CALL_OVERHEAD
    outer = _sizes.loop_context(ctx, loop) if loop is not None and ctx is not None else None
    before = f"{big_o(terms)} as t Python iterations of BLAS-{1 if what == 'dot' else 2 if what == 'matvec' else 3}"
    after = f"{big_o(terms)} in one BLAS-{2 if what == 'dot' else 3} call"
    cost = _finish(ctx, None, before, after, before_s - after_s, sz,
                   _facts_text(("operand", "item"), (operand, item)), loop_ctx=outer)
    return cost


def _einsum_letters(subscripts: str, operands: Sequence["Facts | None"], sz: Sizes) -> tuple[list[str], str]:
    spec = subscripts.replace(" ", "")
    inputs, _, output = spec.partition("->")
    terms = inputs.split(",")
    for term, f in zip(terms, operands):
        shape = _dims(f, len(term))
        for letter, dim in zip(term, shape):
            if letter not in sz.values and letter.isalpha():
                kind = _sizes.dim_kind(sz.ctx, dim, sz.node)
                value = dim if isinstance(dim, int) and not isinstance(dim, bool) else ASSUMED[kind]
                sz.values[letter] = float(max(value, 1))
                sz.labels.append(f"{letter} = {dim if dim is not None else '?'} ({_KIND_WORDS[kind]})")
    for term in terms:
        for letter in term:
            if letter.isalpha() and letter not in sz.values:
                sz.values[letter] = float(ASSUMED["unknown"])
                sz.labels.append(f"{letter} unknown")
    return terms, output


def einsum_no_blas(ctx, node, subscripts: str, operands: Sequence["Facts | None"]) -> Cost:
    """``np.einsum`` without ``optimize=``: one loop over every index at einsum's own rate.

    After: pairwise contractions (left to right) at the BLAS rate.
    """
    sz = Sizes(ctx, node)
    terms, output = _einsum_letters(subscripts, operands, sz)
    letters = "".join(sorted({c for t in terms for c in t if c.isalpha()}))
    before_s = 2 * math.prod(sz[c] for c in letters) / EINSUM_RATE
    after_terms, after_flops = [], 0.0
    current = terms[0] if terms else ""
    for i, term in enumerate(terms[1:], start=1):
        union = "".join(sorted(set(current) | set(term)))
        after_terms.append(union)
        after_flops += 2 * math.prod(sz[c] for c in union)
        rest = set(output) | {c for t in terms[i + 1:] for c in t}
        current = "".join(c for c in union if c in rest)
    if not after_terms:
        after_terms, after_flops = [letters], 2 * math.prod(sz[c] for c in letters)
    after_s = after_flops / GEMM_RATE + CALL_OVERHEAD * max(len(terms) - 1, 0)
    return _finish(ctx, node, big_o(letters) + " (einsum's loop)", big_o(*after_terms) + " (BLAS)",
                   before_s - after_s, sz, _facts_text([f"operand {i + 1}" for i in range(len(operands))], operands))


# Elements assumed at most for the dimensions of one array that nothing sizes: a 4-D array of unknown
# dimensions is not 1,000^4 elements (the memory of a machine bounds it), but as big as an unknown matrix.
UNKNOWN_ELEMENTS = ASSUMED["unknown"] ** 2


def _elements(sz: Sizes, f: "Facts | None", default_rank: int = 1) -> tuple[str, float]:
    letters = "".join(sz.letter(d) for d in _dims(f, _rank(f, default_rank)))
    known = math.prod(sz[c] for c in letters if c not in sz.unknown)
    unknown = math.prod(sz[c] for c in letters if c in sz.unknown)
    return letters, known * min(unknown, UNKNOWN_ELEMENTS) if letters else 1.0


def reduction_temporary(ctx, node, temp: "Facts | None", builtin: bool = False) -> Cost:
    """``np.sum(a * b)`` -> ``a @ b``: one temporary of k elements written and read again
    (``builtin``: Python's ``sum`` over it, one interpreted addition per element)."""
    sz = Sizes(ctx, node)
    letters, k = _elements(sz, temp)
    per = k * _itemsize(temp) * 2 / MEM_BW + (k * PY_SUM_ELEMENT if builtin else 0.0)
    before = f"{big_o(letters)} + a temporary of {_product_text(letters)} elements"
    if builtin:
        before += ", summed by Python one element at a time"
    return _finish(ctx, node, before, f"{big_o(letters)} in one pass", per, sz,
                   _facts_text(("temporary",), (temp,)))


def transposed_copy(ctx, node, array: "Facts | None") -> Cost:
    """A transposed copy made for a product: n x m elements read and written per call."""
    sz = Sizes(ctx, node)
    letters, k = _elements(sz, array, 2)
    per = k * _itemsize(array) * 2 / MEM_BW + CALL_OVERHEAD
    return _finish(ctx, node, f"a copy of {_product_text(letters)} elements per call", "no copy (a view)",
                   per, sz, _facts_text(("array",), (array,)))


def zero_fill(ctx, node, buffer: "Facts | None") -> Cost:
    """A fill nobody reads: one pass over the buffer."""
    sz = Sizes(ctx, node)
    letters, k = _elements(sz, buffer)
    per = k * _itemsize(buffer) / FILL_BW
    return _finish(ctx, node, f"one pass over {_product_text(letters)} elements", "none", per, sz,
                   _facts_text(("buffer",), (buffer,)))


def allocation_in_loop(ctx, node, buffer: "Facts | None") -> Cost:
    """An allocation per iteration: the call, and for big buffers fresh pages zeroed by the OS."""
    sz = Sizes(ctx, node)
    letters, k = _elements(sz, buffer)
    nbytes = k * _itemsize(buffer)
    per = ALLOC_OVERHEAD + (nbytes / FILL_BW if nbytes >= PAGE_FRESH_BYTES else 0.0)
    return _finish(ctx, node, f"an allocation of {_product_text(letters)} elements per iteration",
                   "one allocation", per, sz, _facts_text(("buffer",), (buffer,)))


def loop_invariant(ctx, node, op: str, A: "Facts | None", B: "Facts | None" = None,
                   loop: ast.AST | None = None) -> Cost:
    """Work repeated by every iteration of ``loop`` (default: the innermost around ``node``).

    ``op``: "inverse", "pinv", "cholesky", "lu", "qr", "eig", "eigh", "svd",
    "factorization" (an n x n matrix ``A``), "copy" (of ``A``), "product"
    (``A @ B``), "outer" (``outer(A, B)``) or "kron".
    """
    sz = Sizes(ctx, node)
    if op in FACTOR_FLOPS:
        n = sz.letter(_dims(A, 2)[0], "n")
        per, work = FACTOR_FLOPS[op] * sz[n] ** 3 / LAPACK_RATE + FACTOR_CALL[op], big_o(n * 3)
    elif op == "copy":
        letters, k = _elements(sz, A, 2)
        per, work = k * _itemsize(A) * 2 / MEM_BW + CALL_OVERHEAD, big_o(letters)
    elif op == "product":
        a, b = _dims(A, _rank(A, 2)), _dims(B, _rank(B, 2))
        letters = (sz.letter(a[0], "n") if len(a) == 2 else "") + sz.letter(a[-1] if a else None, "k") + (
            sz.letter(b[-1], "m") if len(b) == 2 else "")
        per, work = 2 * math.prod(sz[c] for c in letters) / GEMM_RATE + CALL_OVERHEAD, big_o(letters)
    else:  # outer / kron: the result written once per iteration
        la, ka = _elements(sz, A)
        lb, kb = _elements(sz, B)
        per, work = ka * kb * ITEMSIZE / FILL_BW + CALL_OVERHEAD, big_o(la + lb)
    ctx_loops = _sizes.loop_context(ctx, node) if ctx is not None else None
    if ctx_loops is None:
        return _finish(ctx, None, f"{work} per iteration", f"{work} once", 0.0, sz,
                       _facts_text(("A", "B"), (A, B)))
    loops = ctx_loops.loops
    if loop is not None:
        for i, lp in enumerate(loops):
            if lp.node is loop:
                loops = loops[i:]
                break
    inner = loops[0]
    outer_trips = math.prod(lp.trips for lp in loops[1:]) if len(loops) > 1 else 1
    saved_calls = (inner.trips - 1) * outer_trips
    ctx_used = _sizes.LoopContext(tuple(loops))
    return _finish(ctx, None, f"{work} per iteration", f"{work} once", per, sz, _facts_text(("A", "B"), (A, B)),
                   loop_ctx=ctx_used, repeat=saved_calls)


def dtype_conversion(ctx, node, A: "Facts | None", B: "Facts | None" = None, kind: str = "upcast") -> Cost:
    """``kind="upcast"``: a float32 operand copied to float64 on every call (BL602);
    ``kind="no-blas"``: an integer/bool/object product in numpy's own loop (BL601)."""
    sz = Sizes(ctx, node)
    if kind == "no-blas":
        a, b = _dims(A, _rank(A, 2)), _dims(B, _rank(B, 2))
        letters = (sz.letter(a[0], "n") if len(a) == 2 else "") + sz.letter(a[-1] if a else None, "k") + (
            sz.letter(b[-1], "m") if len(b) == 2 else "")
        flops = 2 * math.prod(sz[c] for c in letters)
        per = flops / NO_BLAS_RATE - flops / GEMM_RATE
        return _finish(ctx, node, f"{big_o(letters)} without BLAS", f"{big_o(letters)} with BLAS", per, sz,
                       _facts_text(("A", "B"), (A, B)))
    letters, k = _elements(sz, A, 2)
    per = k * (4 + 8) / MEM_BW
    return _finish(ctx, node, f"a float64 copy of {_product_text(letters)} elements per call", "no copy", per, sz,
                   _facts_text(("float32 operand", "other"), (A, B)))


def outer_accumulation(ctx, node, loop: ast.AST | None, row: "Facts | None") -> Cost:
    """A loop adding one rank-1 update ``np.outer(x_i, x_i)`` per row: one GEMM instead."""
    sz = Sizes(ctx, node)
    it = _sizes._for_loop(ctx, loop, loop.iter, loop.target) if isinstance(loop, (ast.For, ast.AsyncFor)) else None
    sz.values["t"] = float(it.trips if it is not None else _sizes.TRIPS["unknown"])
    sz.labels.append(f"t = {it.trips if it is not None else '?'} rows "
                     f"({'over `' + it.over + '`, ' + it.kind if it is not None else 'unknown'})")
    d = sz.letter(_dims(row, 1)[0], "d")
    per_iter = 3 * sz[d] ** 2 * ITEMSIZE / MEM_BW + 2 * CALL_OVERHEAD + PY_ITERATION
    after = 2 * sz["t"] * sz[d] ** 2 / GEMM_RATE + CALL_OVERHEAD
    outer = _sizes.loop_context(ctx, loop) if loop is not None and ctx is not None else None
    return _finish(ctx, None, f"{big_o('t' + d + d)} as t rank-1 updates", f"{big_o('t' + d + d)} in one GEMM",
                   sz["t"] * per_iter - after, sz, _facts_text(("row",), (row,)), loop_ctx=outer)


def hidden_contraction(ctx, node, temp_dims: Sequence, batched: bool = False) -> Cost:
    """``np.sum(x[:, None, :] * w[:, :, None], axis=0)``: an N x K x D temporary instead of a GEMM
    (``batched``: a batch axis is kept, so the saving is the pass over the temporary, at einsum's rate)."""
    sz = Sizes(ctx, node)
    letters = "".join(sz.letter(d) for d in temp_dims)
    k = math.prod(sz[c] for c in letters) if letters else 1.0
    before_s = k * ITEMSIZE * 3 / MEM_BW
    after_s = 2 * k / (EINSUM_RATE if batched else GEMM_RATE)
    after = f"{big_o(letters)} in one einsum pass" if batched else f"{big_o(letters)} in one BLAS call"
    return _finish(ctx, node, f"{big_o(letters)} through a temporary of {_product_text(letters)} elements",
                   after, max(before_s - after_s, 0.0), sz)


def custom(ctx, node, before: str, after: str, seconds_per_call: float, dims: Sequence[str] = (),
           facts: Sequence[str] = ()) -> Cost:
    """For a finding of a kind not covered above: the rule states the forms and the per-call saving."""
    cost = _finish(ctx, node, before, after, seconds_per_call, None, tuple(facts))
    return Cost(cost.before, cost.after, tuple(dims), cost.loop, cost.saving, cost.facts)


def _product_text(letters: str) -> str:
    return " x ".join(letters) if letters else "1"


__all__ = ["Cost", "NEGLIGIBLE_SECONDS", "inverse_solve", "diagonal_product", "partial_product", "chain_order",
           "repeated_product", "outer_factor", "loop_of_dots", "einsum_no_blas", "reduction_temporary", "transposed_copy",
           "zero_fill", "allocation_in_loop", "loop_invariant", "dtype_conversion", "outer_accumulation",
           "hidden_contraction", "custom", "big_o"]
