"""The wrapper tables in blaslint.analysis.blas_api, checked against the installed scipy,
and the f2py behaviour they encode, checked by running the real wrappers on tiny arrays."""

from __future__ import annotations

import ast
import re
import tracemalloc

import numpy as np
import pytest
import scipy.linalg.blas as fblas
import scipy.linalg.lapack as flapack

from blaslint.analysis import blas_api
from blaslint.analysis.context import FileContext, set_parents
from blaslint.core.source import SourceText


def _wrappers(module):
    for name in sorted(dir(module)):
        f = getattr(module, name)
        if type(f).__name__ == "fortran" and name[0] in "sdcz":
            yield name, f


def _signature(f):
    """(parameters in positional order, {written parameter: overwrite default}, read-only rank-2 inputs)."""
    doc = f.__doc__
    first = doc.strip().split("\n")[0]
    m = re.match(r"(.*?)\s*=\s*(\w+)\((.*)\)$", first)
    returns = [r.strip() for r in m.group(1).split(",")]
    params = [a.strip() for a in m.group(3).replace("[", ",").replace("]", "").split(",") if a.strip()]
    storage = dict(re.findall(r"^(\w+) : .* and (\w+) storage", doc, re.MULTILINE))
    ranks = dict(re.findall(r"^(\w+) : input rank-(\d)", doc, re.MULTILINE))
    defaults = dict(re.findall(r"^(overwrite_\w+) : input int, optional\n\s+Default: (\d)", doc, re.MULTILINE))
    real = [p for p in params if not p.startswith("overwrite_")]
    written = {}
    for r in returns:
        src = storage.get(r, r)
        if src in real:
            written[src] = int(defaults.get(f"overwrite_{src}", "-1"))
    mats = [p for p in real if ranks.get(p) == "2" and p not in written]
    return params, written, mats


@pytest.mark.parametrize("name,f", list(_wrappers(fblas)), ids=lambda x: x if isinstance(x, str) else "")
def test_blas_table_matches_scipy(name, f):
    params, written, mats = _signature(f)
    r = blas_api.lookup(f"scipy.linalg.blas.{name}")
    assert r is not None, name
    assert list(r.params) == params, name
    assert r.written == written, name
    assert list(r.matrices) == mats, name


@pytest.mark.parametrize("name,f", list(_wrappers(flapack)), ids=lambda x: x if isinstance(x, str) else "")
def test_lapack_table_matches_scipy(name, f):
    params, written, _ = _signature(f)
    r = blas_api.lookup(f"scipy.linalg.lapack.{name}")
    assert r is not None, name
    assert r.written == written, name
    # every written parameter sits where a positional argument would land on it
    # (a few routines name other parameters differently per prefix: gees' select, gelsd's rwork)
    for p in written:
        assert r.params.index(p) == params.index(p), (name, p)
    if name[0] == "s":
        assert list(r.params) == params[: len(r.params)], name


def test_lookup_of_get_blas_funcs_names_and_unknowns():
    r = blas_api.lookup("scipy.linalg.blas.?gemv")
    assert (r.prefix, r.base, r.dtype) == ("?", "gemv", None)
    assert blas_api.lookup("scipy.linalg.blas.sgemv").dtype == "float32"
    assert blas_api.lookup("scipy.linalg.blas.get_blas_funcs") is None
    assert blas_api.lookup("numpy.dot") is None
    assert blas_api.lookup("scipy.linalg.blas.xgemv") is None
    assert blas_api.lookup(None) is None


def _bound(code):
    tree = ast.parse(code)
    set_parents(tree)
    ctx = FileContext(SourceText(code), tree)
    call = tree.body[-1].value
    return ctx.blas_call(call)


def test_bind_positional_and_keyword_arguments():
    b = _bound("from scipy.linalg.blas import sgemv\nsgemv(1.0, W, x, 0.0, out, overwrite_y=True)\n")
    assert {k: ast.unparse(v) for k, v in b.args.items()} == {
        "alpha": "1.0", "a": "W", "x": "x", "beta": "0.0", "y": "out", "overwrite_y": "True"}
    assert b.overwrites("y") is True
    b = _bound("import scipy.linalg.blas as B\nB.dger(1.0, u, v, a=A)\n")
    assert b.routine.name == "dger" and b.overwrites("a") is False
    b = _bound("from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\ngemv(1.0, W, x, y=y, overwrite_y=flag)\n")
    assert b.routine.prefix == "?" and b.overwrites("y") is None
    b = _bound("from scipy.linalg.blas import saxpy\nsaxpy(x, y)\n")
    assert b.overwrites("y") is True  # ?axpy writes y in place, no flag
    assert _bound("from scipy.linalg.blas import sgemv\nsgemv(*args)\n") is None
    assert _bound("def sgemv(*a):\n    pass\nsgemv(1.0, W, x)\n") is None


# -- what f2py really does (tiny arrays, the real wrappers) -------------------------------

RNG = np.random.default_rng(0)


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_c_ordered_matrix_is_copied_fortran_one_or_its_transpose_is_not():
    W = RNG.random((300, 200), dtype=np.float32)          # C-ordered
    x = RNG.random(200, dtype=np.float32)
    assert _peak_bytes(lambda: fblas.sgemv(1.0, W, x)) >= W.nbytes
    assert _peak_bytes(lambda: fblas.sgemv(1.0, W.T, np.ones(300, np.float32))) < W.nbytes // 10
    Wf = np.asfortranarray(W)
    assert _peak_bytes(lambda: fblas.sgemv(1.0, Wf, x)) < W.nbytes // 10
    # BL102's fix: the F-ordered view W.T with trans=1 computes W @ x without the copy
    assert _peak_bytes(lambda: fblas.sgemv(1.0, W.T, x, trans=1)) < W.nbytes // 10
    np.testing.assert_allclose(fblas.sgemv(1.0, W.T, x, trans=1), W @ x, rtol=1e-5)


def test_gemm_trans_flags():
    a = RNG.random((30, 20), dtype=np.float32)
    b = RNG.random((20, 10), dtype=np.float32)
    ref = fblas.sgemm(1.0, a, b)
    np.testing.assert_allclose(fblas.sgemm(1.0, a.T, b, trans_a=1), ref, rtol=1e-5)
    np.testing.assert_allclose(fblas.sgemm(1.0, a.T, b.T, trans_a=1, trans_b=1), ref, rtol=1e-5)
    assert _peak_bytes(lambda: fblas.sgemm(1.0, a.T, b.T, trans_a=1, trans_b=1)) < a.nbytes


def test_dropping_a_transposed_copy_gives_the_wrapper_identical_data():
    # BL101 on a BLAS operand: f2py copies the C-ordered copy back to Fortran order,
    # so the routine sees the very same numbers as with the view: bit-identical results
    X = RNG.random((64, 70), dtype=np.float32)
    v = RNG.random(64, dtype=np.float32)
    np.testing.assert_array_equal(fblas.sgemv(1.0, X.T.copy(), v), fblas.sgemv(1.0, X.T, v))


def test_numpy_products_with_a_transposed_view_may_round_differently():
    # why BL101's fix is unsafe (not bit-exact) for @ / np.dot: another BLAS kernel runs
    X = np.random.default_rng(1).random((300, 303)).astype(np.float32)
    v = np.random.default_rng(2).random(300).astype(np.float32)
    assert not np.array_equal(X.T.copy() @ v, X.T @ v)
    np.testing.assert_allclose(X.T.copy() @ v, X.T @ v, rtol=1e-5)


def test_gemv_y_is_written_only_with_overwrite_y_and_a_fitting_buffer():
    W = RNG.random((6, 4), dtype=np.float32)
    x = RNG.random(4, dtype=np.float32)
    y = np.zeros(6, np.float32)
    r = fblas.sgemv(1.0, W, x, y=y)                       # BL202: y untouched
    assert not y.any() and r is not y
    r = fblas.sgemv(1.0, W, x, 0.0, y, overwrite_y=1)     # positional beta, y
    assert r is y and y.any()
    y64 = np.zeros(6)
    fblas.sgemv(1.0, W, x, y=y64, overwrite_y=1)          # BL203: wrong dtype -> copy
    assert not y64.any()
    strided = np.zeros(12, np.float32)[::2]
    fblas.sgemv(1.0, W, x, y=strided, overwrite_y=True)   # not contiguous -> copy
    assert not strided.any()


def test_ger_a_is_updated_only_when_fortran_ordered_with_the_routine_dtype():
    u = RNG.random(5, dtype=np.float32)
    v = RNG.random(3, dtype=np.float32)
    for order, dtype, updated in (("C", np.float32, False), ("F", np.float32, True), ("F", np.float64, False)):
        A = np.zeros((5, 3), dtype, order=order)
        r = fblas.sger(1.0, u, v, a=A, overwrite_a=1)
        assert bool(A.any()) is updated, (order, dtype)
        np.testing.assert_allclose(r, np.outer(u, v), rtol=1e-6)
    A = np.zeros((5, 3), np.float32, order="F")
    fblas.sger(1.0, u, v, a=A)                            # no overwrite_a: copy
    assert not A.any()
    B = np.zeros((3, 5), np.float32)                      # B.T is an F-ordered view
    fblas.sger(1.0, u, v, a=B.T, overwrite_a=1)
    assert B.any()


def test_in_place_routines_write_only_a_fitting_buffer():
    x = np.ones(4, np.float32)
    y = np.zeros(4, np.float32)
    fblas.saxpy(x, y)
    assert y.all()
    y64 = np.zeros(4)
    fblas.saxpy(x, y64)                                   # float64 y: saxpy works on a copy
    assert not y64.any()
    s = np.ones(3, np.float32)
    fblas.sscal(2.0, s)
    assert (s == 2).all()


def test_gemm_c_is_updated_only_when_fortran_ordered():
    a = RNG.random((4, 3), dtype=np.float32)
    b = RNG.random((3, 2), dtype=np.float32)
    for order, updated in (("C", False), ("F", True)):
        c = np.zeros((4, 2), np.float32, order=order)
        fblas.sgemm(1.0, a, b, c=c, overwrite_c=1)
        assert bool(c.any()) is updated


def test_none_is_an_absent_argument():
    from scipy.linalg.blas import dgemv

    W = np.ones((3, 2))
    np.testing.assert_array_equal(dgemv(1.0, W, np.ones(2), 0.0, None), W @ np.ones(2))
    b = _bound("from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x, 0.0, None)\n")
    assert "y" not in b.args and "beta" in b.args
