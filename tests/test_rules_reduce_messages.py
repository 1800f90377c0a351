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
