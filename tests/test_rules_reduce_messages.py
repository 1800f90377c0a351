"""BL503 messages on real-code forms that once printed rewrites that raise or compute something else
(dev-set findings read by hand: dipy test_parzenhist/noise_estimate, dipy optimize, trimesh encoding)."""

from __future__ import annotations

import numpy as np
import pytest

from support import lint


def bl503(code: str):
    return lint(code, "BL503")


def test_unknown_rank_axis_gets_valid_ellipsis_subscripts():
    code = "import numpy as np\ndef f(x):\n    y = np.asarray(x)\n    return np.sqrt((y[:, :] ** 2).sum(2))\n"
    found = bl503(code)
    assert len(found) == 1
    assert "'None'" not in found[0].message and "for 2-D" not in found[0].message
    assert "'ijk...,ijk...->ij...'" in found[0].message
    subs = "ijk...,ijk...->ij..."
    x = np.random.rand(3, 4, 5, 2)
    # the suggested subscripts are right at every rank that has axis 2
    for arr in (x[..., 0], x):
        assert np.allclose(np.einsum(subs, arr, arr), (arr ** 2).sum(2))


def test_any_rank_subscripts_compute_the_row_wise_dot():
    from blaslint.rules.vectorize._reduce_forms import any_rank_subscripts

    rng = np.random.default_rng(0)
    for rank in (1, 2, 3, 4):
        a, b = rng.random((3,) * rank), rng.random((3,) * rank)
        for axis in range(-rank, rank):
            subs = any_rank_subscripts(None, axis)
            assert np.allclose(np.einsum(subs, a, b), (a * b).sum(axis)), (rank, axis, subs)


def test_a_difference_is_parenthesised_beside_matmul():
    code = ("import numpy as np\n"
            "y = np.random.rand(100)\nz = np.random.rand(100)\n"
            "s = np.sum((y - z) ** 2)\n")
    (d,) = bl503(code)
    assert "(y - z) @ (y - z)" in d.message


@pytest.mark.parametrize("dtype", ["np.int64", "np.uint8", "bool"])
def test_integer_products_are_not_called_blas_dots(dtype):
    code = ("import numpy as np\n"
            f"a = np.ones((100, 100), dtype={dtype})\nb = np.ones((100, 100), dtype={dtype})\n"
            "s = (a * b).sum()\n")
    assert bl503(code) == []


def test_a_product_with_an_operand_of_unknown_rank_is_not_called_an_inner_product():
    # `x[:, i]` may be 2-D when `x` is 3-D: then `weights` is n x n and `np.sum(weights * y)` is no dot of y
    code = ("import numpy as np\n"
            "def d(x, n):\n    delta = np.ones(n)\n    y = np.ones(n)\n"
            "    for i in range(n):\n        weights = delta * x[:, i]\n        s = np.sum(weights * y)\n    return s\n")
    # at most the hedged info finding that names every case (a vector beside a factor of unknown shape)
    assert all(d.fix is None and d.severity == "info" and "when they have one shape" in d.message
               and "of unknown shape" in d.message for d in bl503(code))
    x = np.random.rand(4, 4, 4)
    w = np.ones(4) * x[:, 1]
    assert w.shape == (4, 4) and np.ndim(np.sum(w * np.ones(4))) == 0 and np.ndim(w @ np.ones(4)) == 1


def test_a_variable_axis_gets_the_axis_moved_last_not_subscripts_for_another_axis():
    """nipy test_pca's `np.square(arr).sum(axis=axis)`, called with axis 0 and -1: an einsum summing axis 1
    (what the message used to show) computes something else. The axis is moved last and one einsum sums it
    (`np.vecdot(..., axis=axis)` follows the axis too, but is slower than the naive sum along a leading axis)."""
    code = "import numpy as np\ndef rms(n, axis=0):\n    arr = np.ones((n, n))\n    return np.square(arr).sum(axis=axis)\n"
    (found,) = bl503(code)
    shown = "np.einsum('...i,...i->...', np.moveaxis(arr, axis, -1), np.moveaxis(arr, axis, -1))"
    assert shown in found.message and "vecdot" not in found.message
    assert found.fix is None
    for shape in ((4, 5), (3, 4, 5)):
        arr = np.random.default_rng(0).random(shape)
        for axis in range(-len(shape), len(shape)):
            assert np.allclose(eval(shown), np.square(arr).sum(axis=axis))


def test_a_computed_operand_is_bound_once_not_written_twice():
    """nipy field.py's `np.sum((cent - F[lj]) ** 2, 1)`: the shown rewrite names the difference once, and
    no fix writes it twice (two passes to compute it, where the original made one)."""
    code = ("import numpy as np\ndef f(n):\n    cent = np.ones((n, 3))\n    F = np.zeros((n, 3))\n"
            "    return np.sum((cent - F) ** 2, 1)\n")
    (found,) = bl503(code)
    assert "with `d = cent - F` bound once" in found.message and "d, d)" in found.message
    assert found.fix is None
    plain = "import numpy as np\ndef f(n):\n    x = np.ones((n, 3))\n    return np.sum(x ** 2, 1)\n"
    (ok,) = bl503(plain)
    assert ok.fix is not None and "bound once" not in ok.message
