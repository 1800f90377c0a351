"""Fix timing on copies: unsafe rewrites are refused, budgets hold, user data is never written."""

from __future__ import annotations

import numpy as np
import pytest

from blaslint.measure import replay
from blaslint.measure.timing import Recorder


@pytest.mark.parametrize("text,why", [
    ("np.dot(a, b, out=c)", "out="),
    ("sgemv(1.0, A, x, 0.0, y, overwrite_y=1)", "overwrite_y"),
    ("x.fill(0)", ".fill()"),
    ("t.add_(1)", ".add_()"),
    ("np.copyto(a, b)", "copyto"),
    ("(y := A @ x)", ":="),
])
def test_static_check_refuses_writes(text, why):
    reason = replay.static_check(text)
    assert reason is not None and why in reason


@pytest.mark.parametrize("text", ["np.linalg.solve(A, b)", "A.T @ x", "np.empty(3, dtype=T)", "W.T.copy()"])
def test_static_check_accepts_pure_expressions(text):
    assert replay.static_check(text) is None


def _sample(values, g=None):
    return {"values": values, "globals": g if g is not None else {"np": np, "__builtins__": __builtins__}}


def test_replay_times_a_fix_on_copies_and_checks_it():
    rng = np.random.default_rng(0)
    A = rng.random((60, 60)) + 60 * np.eye(60)
    b = rng.random(60)
    site = {"operands": ["np", "A", "b"]}
    info = {"original": "np.linalg.inv(A) @ b", "fixed": "np.linalg.solve(A, b)"}
    out = replay.replay_site(site, info, [_sample({"A": A.copy(), "b": b.copy()})], seconds=1.0)
    assert out["status"] == "timed", out
    assert out["ratio"] > 0 and "rtol=1e-09" in out["check"]


def test_replay_rejects_a_fix_that_differs():
    info = {"original": "A @ b", "fixed": "A @ (b + 1)"}
    out = replay.replay_site({"operands": []}, info, [_sample({"A": np.ones((3, 3)), "b": np.ones(3)})], 1.0)
    assert out["status"] == "differs"


def test_replay_refuses_user_functions_and_objects():
    calls = []

    def user_fn(a):
        calls.append(a)
        return a

    class Holder:
        W = np.ones((2, 2))

    info = {"original": "user_fn(A)", "fixed": "A"}
    out = replay.replay_site({}, info, [_sample({"A": np.ones(2), "user_fn": user_fn})], 1.0)
    assert out["status"] == "rejected" and "not numpy/scipy/torch" in out["reason"] and not calls
    info = {"original": "h.W.T.copy()", "fixed": "h.W.T"}
    out = replay.replay_site({}, info, [_sample({"h": Holder()})], 1.0)
    assert out["status"] == "rejected" and "attribute of Holder" in out["reason"]


def test_float32_tolerance_and_empty_allocation():
    a = np.ones(4, dtype=np.float32)
    ok, how = replay.compare(a, a * (1 + 1e-6))
    assert ok and "rtol=1e-05" in how
    assert not replay.compare(a, a * (1 + 1e-3))[0]
    assert replay.compare(np.zeros(3), np.empty(3), contents=False)[0]
    assert replay.contents_free("np.zeros(3)", "np.empty(3)") and not replay.contents_free("A @ b", "A.T @ b")


def test_budgets_bound_the_samples_and_copies_leave_user_data_alone():
    site = {"operands": ["A"], "replay": [{"original": "A.T.copy()", "fixed": "A.T"}]}
    rec = Recorder({0: site}, {"samples": 2, "bytes": 10_000})
    A = np.ones((10, 10))        # 800 bytes: fits
    for _ in range(3):
        rec.e(0, rec.s(0), A.T.copy())
    st = rec.stats[0]
    assert st.calls == 3 and len(st.samples) == 1  # one sample per size
    first = A
    # 3,200 bytes fits; a third size is over the count
    for A in (np.ones((20, 20)), np.ones((20, 20)), np.ones((30, 30))):
        rec.e(0, rec.s(0), A.T.copy())
    A = first
    assert st.calls == 6 and len(st.samples) == 2 and st.sample_bytes == 4000
    assert [x["size"] for x in st.samples] == [(100).bit_length(), (400).bit_length()]
    assert {k: v[0] for k, v in st.by_size.items()} == {7: 3, 9: 2, 10: 1}
    assert st.samples[0]["values"]["A"] is not A
    big = np.ones((200, 200))    # 320 kB: over the memory budget
    rec2 = Recorder({0: {"operands": ["big"], "replay": site["replay"]}}, {"samples": 3, "bytes": 10_000})
    rec2.e(0, rec2.s(0), big.T.copy())
    assert rec2.stats[0].samples == [] and rec2.stats[0].calls == 1
    out = replay.replay_site(site, site["replay"][0], st.samples, seconds=0.5)
    assert out["status"] == "timed"
    assert np.array_equal(A, np.ones((10, 10)))


def test_a_fix_timed_at_each_size_is_credited_to_the_calls_of_that_size():
    from blaslint.measure.report import with_fix

    # 1,000 small calls where the fix is 10x slower, 3 large ones where it is 10x faster
    timed = {"ratio": 1.0, "samples": [{"original": 1e-6, "fixed": 1e-5, "size": 5},
                                       {"original": 1e-2, "fixed": 1e-3, "size": 17}]}
    by_size = {"5": [1000, 0.001], "6": [10, 0.0001], "17": [3, 0.03]}
    assert with_fix(0.0311, timed, by_size) == pytest.approx(0.001 * 10 + 0.0001 * 10 + 0.03 * 0.1)
    assert with_fix(0.0311, timed, None) == pytest.approx(0.0311)  # old records: the median ratio


def test_a_fix_that_costs_time_reads_as_a_negative_time():
    from blaslint.measure.table import fmt_time

    assert fmt_time(-21.815898) == "-21.82 s" and fmt_time(-0.0042) == "-4.2 ms" and fmt_time(None) == "-"
