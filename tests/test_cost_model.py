"""The cost model: dimension kinds, loop contexts and the estimators rules will call."""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis import cost
from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.facts import Facts
from blaslint.analysis.sizes import TRIPS, dim_kind, loop_context
from blaslint.core.source import SourceText


def parse(src: str):
    src = textwrap.dedent(src)
    tree = ast.parse(src)
    set_parents(tree)
    return FileContext(SourceText(src), tree), tree


def find(tree, pred):
    return next(n for n in ast.walk(tree) if pred(n))


def call_named(tree, name):
    return find(tree, lambda n: isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name)


# -- dim_kind ------------------------------------------------------------------------------

@pytest.mark.parametrize("dim, kind", [
    (3, "small"), (31, "small"), (32, "model"), (255, "model"), (256, "large"), (4096, "large"),
    (None, "unknown"), ("X.shape[0]", "data"), ("X.shape[1]", "model"), ("len(data)", "data"),
    ("len(self.samples)", "data"), ("n_samples", "data"), ("n_obs", "data"), ("N", "data"),
    ("batch_size", "data"), ("seq_len", "data"), ("n_features", "model"), ("n_components", "model"),
    ("hidden", "model"), ("d_model", "model"), ("k", "model"), ("self.n_states", "model"),
    ("n_samples - 1", "data"), ("2 * n_samples", "data"), ("n_features + 1", "model"),
    ("foo", "unknown"), ("A.shape[0]", "unknown"), ("n_samples // 2", "data"),
])
def test_dim_kind_without_context(dim, kind):
    assert dim_kind(None, dim) == kind


def test_dim_kind_follows_assignments_in_the_scope():
    ctx, tree = parse("""
        import numpy as np
        def fit(X, obs, size):
            n, d = X.shape
            m = len(obs) - 1
            w = size
            G = np.zeros((n, d))
            H = np.zeros((m, w))
            return G, H
    """)
    ret = find(tree, lambda n: isinstance(n, ast.Return))
    G, H = ret.value.elts
    assert [ctx.dim_kind(d, ret) for d in ctx.array_facts(G).shape] == ["data", "model"]
    assert ctx.dim_kind("m", ret) == "data"
    assert ctx.dim_kind("w", ret) == "unknown"   # a parameter named size says nothing


def test_dim_kind_from_array_facts_of_a_creation():
    ctx, tree = parse("""
        import numpy as np
        def kernel(X):
            K = np.zeros((X.shape[0], X.shape[0]))
            S = np.eye(3)
            return K @ S
    """)
    prod = find(tree, lambda n: isinstance(n, ast.BinOp))
    assert {ctx.dim_kind(d, prod) for d in ctx.array_facts(prod.left).shape} == {"data"}
    assert {ctx.dim_kind(d, prod) for d in ctx.array_facts(prod.right).shape} == {"small"}


def test_conflicting_assignments_are_unknown():
    ctx, tree = parse("""
        def f(X, cond):
            if cond:
                n = X.shape[0]
            else:
                n = 3
            return n
    """)
    ret = find(tree, lambda n: isinstance(n, ast.Return))
    assert ctx.dim_kind("n", ret) == "unknown"


# -- loop_context -----------------------------------------------------------------------------

@pytest.mark.parametrize("header, kind, trips", [
    ("for x in X:", "data", TRIPS["data"]),
    ("for i, x in enumerate(samples):", "data", TRIPS["data"]),
    ("for i in range(len(data)):", "data", TRIPS["data"]),
    ("for i in range(n_samples):", "data", TRIPS["data"]),
    ("for epoch in range(n_epochs):", "iterations", TRIPS["iterations"]),
    ("for it in range(max_iter):", "iterations", TRIPS["iterations"]),
    ("for step in range(foo):", "iterations", TRIPS["iterations"]),
    ("while err > tol:", "iterations", TRIPS["iterations"]),
    ("while True:", "iterations", TRIPS["iterations"]),
    ("for i in range(3):", "small", 3),
    ("for i in range(2, 10):", "small", 8),
    ("for i in range(1000):", "large", 1000),
    ("for v in vals:", "unknown", TRIPS["unknown"]),
])
def test_loop_kinds(header, kind, trips):
    ctx, tree = parse(f"def f(X, samples, data, n_samples, n_epochs, max_iter, foo, vals, err, tol):\n"
                      f"    {header}\n        work()\n")
    lc = loop_context(ctx, call_named(tree, "work"))
    assert lc is not None and len(lc.loops) == 1
    assert (lc.kind, lc.trips) == (kind, trips)


def test_nested_loops_multiply_and_the_biggest_kind_wins():
    ctx, tree = parse("""
        def train(X, n_epochs):
            for epoch in range(n_epochs):
                for x in X:
                    for j in range(3):
                        work(x)
            setup()
    """)
    lc = ctx.loop_context(call_named(tree, "work"))
    assert [lp.kind for lp in lc.loops] == ["small", "data", "iterations"]
    assert lc.trips == 3 * TRIPS["data"] * TRIPS["iterations"]
    assert lc.kind == "data"
    assert "inside the loop over `range(3)` (line 5)" in lc.describe()
    assert ctx.loop_context(call_named(tree, "setup")) is None


def test_loop_context_stops_at_the_function_and_skips_the_iterable():
    ctx, tree = parse("""
        def outer(X):
            for x in X:
                def inner():
                    return work()
            for row in build(X):
                pass
            rows = [step(r) for r in points]
    """)
    assert ctx.loop_context(call_named(tree, "work")) is None
    assert ctx.loop_context(call_named(tree, "build")) is None
    comp = ctx.loop_context(call_named(tree, "step"))
    assert comp.kind == "data"


def test_loop_description_uses_the_line_namer():
    ctx, tree = parse("def f(X):\n    for x in X:\n        work()\n")
    ctx.line_name = lambda n: f"cell 2, line {n}"
    assert ctx.loop_context(call_named(tree, "work")).describe(ctx.line_ref) == \
        "inside the loop over `X` (cell 2, line 2)"


# -- estimators ---------------------------------------------------------------------------------

M3 = Facts(rank=2, dtype="float64", shape=(3, 3))
V3 = Facts(rank=1, dtype="float64", shape=(3,))
MAT = Facts(rank=2)          # a matrix of unknown size
VEC = Facts(rank=1)
DATA_SQ = Facts(rank=2, shape=("X.shape[0]", "X.shape[0]"))
DATA_V = Facts(rank=1, shape=("X.shape[0]",))


def node_in(src: str, name: str = "target"):
    ctx, tree = parse(src)
    return ctx, call_named(tree, name)


def test_inverse_solve_small_literal_is_negligible_unknown_is_not():
    ctx, node = node_in("target()\n")
    small = cost.inverse_solve(ctx, node, M3, V3)
    unknown = cost.inverse_solve(ctx, node, MAT, VEC)
    assert small.negligible and not unknown.negligible
    assert small.before.startswith("O(n^3") and "factor and solve" in unknown.after
    assert "n = 3 (small literal)" in small.dims and "n unknown" in unknown.dims


def test_inverse_solve_matches_the_measured_saving_at_n_1024():
    # benchmarks/cost_constants.py: inv@b 91 ms, solve 23 ms at n=1024 (1 thread)
    ctx, node = node_in("target()\n")
    est = cost.inverse_solve(ctx, node, Facts(rank=2, shape=(1024, 1024)), Facts(rank=1, shape=(1024,)))
    assert 0.034 < est.saving < 0.14


def test_small_kalman_inverse_in_a_data_loop_stays_negligible():
    ctx, node = node_in("def filt(obs):\n    for z in obs:\n        target()\n")
    est = cost.inverse_solve(ctx, node, M3, V3)
    assert est.loop and "`obs`" in est.loop
    assert est.negligible


def test_a_loop_multiplies_the_saving():
    ctx, node = node_in("target()\n")
    once = cost.inverse_solve(ctx, node, Facts(rank=2, shape=(128, 128)), Facts(rank=1, shape=(128,)))
    ctx2, node2 = node_in("def f(n_iter):\n    for i in range(n_iter):\n        target()\n")
    looped = cost.inverse_solve(ctx2, node2, Facts(rank=2, shape=(128, 128)), Facts(rank=1, shape=(128,)))
    assert looped.saving == pytest.approx(once.saving * TRIPS["iterations"])
    assert once.negligible and not looped.negligible


def test_data_sized_inverse_is_worth_it_and_says_why():
    ctx, node = node_in("def gp(X):\n    target()\n")
    est = cost.inverse_solve(ctx, node, DATA_SQ, DATA_V)
    assert not est.negligible
    assert est.dims == ("n = X.shape[0] (data-sized)",)
    assert "X.shape[0] (data-sized)" in est.describe() and est.describe().startswith("O(n^3")


def test_pinv_saves_more_than_inv():
    ctx, node = node_in("target()\n")
    assert cost.inverse_solve(ctx, node, MAT, VEC, kind="pinv").saving > cost.inverse_solve(ctx, node, MAT, VEC).saving


def test_diagonal_product():
    ctx, node = node_in("target()\n")
    est = cost.diagonal_product(ctx, node, VEC, MAT)
    assert (est.before, est.after) == ("O(n^2 m)", "O(n m)")
    assert not est.negligible
    assert cost.diagonal_product(ctx, node, Facts(rank=1, shape=(4,)), Facts(rank=2, shape=(4, 4))).negligible


def test_partial_product_trace_and_element():
    ctx, node = node_in("target()\n")
    trace = cost.partial_product(ctx, node, MAT, MAT)
    assert trace.before == "O(n k m)" or trace.before.startswith("O(")
    assert trace.after == "O(n k)" and not trace.negligible
    sq = Facts(rank=2, shape=("n", "n"))
    t2 = cost.partial_product(ctx, node, sq, sq)
    assert (t2.before, t2.after) == ("O(n^3)", "O(n^2)")
    elem = cost.partial_product(ctx, node, sq, sq, part="element")
    assert elem.after == "O(n)" and elem.saving > t2.saving
    assert cost.partial_product(ctx, node, M3, M3).negligible


def test_chain_order_matrix_matrix_vector():
    ctx, node = node_in("target()\n")
    sq = Facts(rank=2, shape=("n", "n"))
    est = cost.chain_order(ctx, node, [sq, sq, Facts(rank=1, shape=("n",))])
    assert (est.before, est.after) == ("O(n^3)", "O(n^2)")
    assert not est.negligible
    good = cost.chain_order(ctx, node, [Facts(rank=1, shape=("n",)), sq, sq])
    assert good.saving == 0.0 and good.before == good.after


def test_chain_order_follows_the_written_parentheses():
    """nipy's `X[:, i] @ (X[:, :i] @ pinv(X[:, :i]))`: the vector comes first but the parentheses make
    the n x n projector first; left to right it would cost nothing more than the best order."""
    ctx, node = node_in("target()\n")
    v, tall, wide = Facts(rank=1, shape=("n",)), Facts(rank=2, shape=("n", "k")), Facts(rank=2, shape=("k", "n"))
    written = cost.chain_order(ctx, node, [v, tall, wide], tree=(0, (1, 2)))
    assert (written.before, written.after) == ("O(n^2 m)", "O(n m)")
    n, k = cost.ASSUMED["unknown"], cost.ASSUMED["model"]   # `k` reads as a model size
    assert written.saving == pytest.approx((2 * n * k * n + 2 * n * n - 4 * n * k) / cost.GEMM_RATE)
    assert cost.chain_order(ctx, node, [v, tall, wide]).saving == 0.0   # left to right is the best order


def test_repeated_product():
    ctx, node = node_in("target()\n")
    twice = cost.repeated_product(ctx, node, MAT, MAT)
    thrice = cost.repeated_product(ctx, node, MAT, MAT, times=3)
    assert thrice.saving == pytest.approx(2 * twice.saving)
    assert twice.before.startswith("2 x O(")


def test_loop_of_dots_matvec_over_data():
    ctx, tree = parse("def f(X, W):\n    out = [W @ x for x in X]\n    for x in X:\n        y = W @ x\n")
    loop = find(tree, lambda n: isinstance(n, ast.For))
    est = cost.loop_of_dots(ctx, loop, loop, Facts(rank=2, shape=(256, 256)), Facts(rank=1, shape=(256,)))
    assert "BLAS-2" in est.before and "BLAS-3" in est.after
    assert not est.negligible
    ctx2, tree2 = parse("def f(W):\n    for x in range(3):\n        y = W @ x\n")
    loop2 = find(tree2, lambda n: isinstance(n, ast.For))
    assert cost.loop_of_dots(ctx2, loop2, loop2, M3, V3).negligible


def test_einsum_without_blas_three_operands_beats_two():
    ctx, node = node_in("target()\n")
    two = cost.einsum_no_blas(ctx, node, "ij,jk->ik", [MAT, MAT])
    three = cost.einsum_no_blas(ctx, node, "ij,jk,kl->il", [MAT, MAT, MAT])
    assert two.before.startswith("O(i j k)") and "(BLAS)" in two.after
    assert three.saving > 10 * two.saving
    assert cost.einsum_no_blas(ctx, node, "ij,jk->ik", [M3, M3]).negligible


def test_memory_passes_are_negligible_once_and_matter_in_loops():
    once_ctx, once = node_in("target()\n")
    loop_ctx, looped = node_in("def f(X):\n    for x in X:\n        target()\n")
    for est in (cost.reduction_temporary, cost.transposed_copy, cost.zero_fill):
        assert est(once_ctx, once, MAT).negligible, est.__name__
        assert not est(loop_ctx, looped, MAT).negligible, est.__name__
    copy = cost.transposed_copy(once_ctx, once, MAT)
    assert copy.before.startswith("a copy of n x m elements")
    f32 = cost.zero_fill(once_ctx, once, Facts(rank=1, dtype="float32", shape=(10**6,)))
    f64 = cost.zero_fill(once_ctx, once, Facts(rank=1, dtype="float64", shape=(10**6,)))
    assert f64.saving == pytest.approx(2 * f32.saving)


def test_allocation_in_loop_small_is_negligible_big_is_not():
    ctx, node = node_in("def f(X):\n    for x in X:\n        target()\n")
    assert cost.allocation_in_loop(ctx, node, Facts(rank=1, shape=(16,))).negligible
    assert not cost.allocation_in_loop(ctx, node, Facts(rank=2, shape=(1000, 1000))).negligible


def test_loop_invariant_counts_all_but_one_trip():
    ctx, tree = parse("def f(A, n_iter):\n    for i in range(n_iter):\n        target()\n")
    node = call_named(tree, "target")
    est = cost.loop_invariant(ctx, node, "inverse", Facts(rank=2, shape=(100, 100)))
    per_call = 2.0 * 100**3 / cost.LAPACK_RATE + cost.FACTOR_CALL["inverse"]
    assert est.saving == pytest.approx(per_call * (TRIPS["iterations"] - 1))


def test_hoisting_a_small_factorisation_saves_its_call():
    """A 4x4 pinv costs ~21 us in numpy.linalg's machinery whatever its flops: hoisted out of a loop over
    10,000 rows it saves ~0.2 s, which is shown (its n^3 flops alone would say 0.01 s, hidden)."""
    ctx, tree = parse("def f(X, C):\n    for x in X:\n        target()\n")
    node = call_named(tree, "target")
    est = cost.loop_invariant(ctx, node, "pinv", Facts(rank=2, shape=(4, 4)))
    assert est.saving == pytest.approx((10 * 4**3 / cost.LAPACK_RATE + 21e-6) * (TRIPS["data"] - 1))
    assert not est.negligible
    flops_only = (10 * 4**3 / cost.LAPACK_RATE + cost.CALL_OVERHEAD) * (TRIPS["data"] - 1)
    assert flops_only < cost.NEGLIGIBLE_SECONDS
    assert est.before == "O(n^3) per iteration" and est.after == "O(n^3) once"
    ctx2, tree2 = parse("target()\n")
    assert cost.loop_invariant(ctx2, call_named(tree2, "target"), "inverse", MAT).saving == 0.0
    assert cost.loop_invariant(ctx, node, "copy", MAT).saving > 0
    assert cost.loop_invariant(ctx, node, "product", MAT, MAT).saving > 0
    assert cost.loop_invariant(ctx, node, "outer", VEC, VEC).saving > 0


def test_dtype_conversion_kinds():
    ctx, node = node_in("target()\n")
    up = cost.dtype_conversion(ctx, node, Facts(rank=2, dtype="float32"), MAT)
    noblas = cost.dtype_conversion(ctx, node, Facts(rank=2, dtype="int64"), Facts(rank=2, dtype="int64"),
                                   kind="no-blas")
    assert "float64 copy" in up.before and "without BLAS" in noblas.before
    assert noblas.saving > up.saving and not noblas.negligible


def test_outer_accumulation_and_hidden_contraction():
    ctx, tree = parse("def cov(X, m):\n    for x in X:\n        P += np.outer(x - m, x - m)\n")
    loop = find(tree, lambda n: isinstance(n, ast.For))
    est = cost.outer_accumulation(ctx, loop, loop, Facts(rank=1, shape=("n_features",)))
    assert "rank-1 updates" in est.before and not est.negligible
    hc = cost.hidden_contraction(ctx, loop, ("N", "n_components", "n_features"))
    assert hc.before.startswith("O(n m k) through a temporary") and not hc.negligible
    assert cost.hidden_contraction(ctx, loop, (3, 3, 3)).negligible


def test_cost_round_trips_and_custom():
    ctx, node = node_in("def f(X):\n    for x in X:\n        target()\n")
    est = cost.custom(ctx, node, "O(n)", "O(1)", 1e-5, dims=("n = len(X) (data-sized)",))
    assert est.saving == pytest.approx(1e-5 * TRIPS["data"]) and est.loop
    assert cost.Cost.from_dict(est.as_dict()) == est
    assert cost.big_o("nnn", "nn", "nnn") == "O(n^3 + n^2)"


def test_an_array_of_unknown_dimensions_is_assumed_as_big_as_an_unknown_matrix():
    """A 4-D array nothing sizes is not 1,000^4 elements: its unknown dimensions together count as
    1,000 x 1,000 (POT's `nx.sum(C1**2, axis=-1)` on a 4-D `C1`); known dimensions still count in full."""
    ctx, node = node_in("target()\n")
    four = cost.reduction_temporary(ctx, node, Facts(rank=4))
    two = cost.reduction_temporary(ctx, node, Facts(rank=2))
    assert four.saving == pytest.approx(two.saving)
    known = cost.reduction_temporary(ctx, node, Facts(rank=3, shape=(10**4, None, None)))
    assert known.saving == pytest.approx(10**4 * two.saving)


@pytest.mark.parametrize("name", ["n_subjects", "n_sessions", "n_runs", "n_groups", "n_folds", "n_regions"])
def test_counts_of_subjects_runs_and_folds_are_model_sized(name):
    from blaslint.analysis.sizes import name_kind

    assert name_kind(name) == "model"
