"""BL501 on distances computed one row at a time: norms, scipy metrics, helpers (real forms:
k-means assignment, k-NN, Mahalanobis weights per streamline)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import distance

from tests.support import lint, lint_package

FLAGGED = {
    "norm": ("import numpy as np\ndef f(X, c):\n    X = np.asarray(X, dtype=float).reshape(-1, 3)\n"
             "    d = np.empty(len(X))\n    for i in range(len(X)):\n        d[i] = np.linalg.norm(X[i] - c)\n"
             "    return d\n", "np.linalg.norm(X - c, axis=1)"),
    "scipy": ("import numpy as np\nfrom scipy.spatial import distance\ndef f(X, c, VI):\n"
              "    X = np.asarray(X, dtype=float).reshape(-1, 3)\n"
              "    return [distance.mahalanobis(x, c, VI) for x in X]\n",
              "cdist(X, c[None, :], 'mahalanobis', VI=VI)[:, 0]"),
    "helper": ("import numpy as np\ndef euclid(a, b):\n    return np.sqrt(np.sum((a - b) ** 2))\n"
               "def assign(X, centers):\n    X = np.asarray(X, dtype=float).reshape(-1, 2)\n"
               "    return [np.argmin([euclid(x, c) for c in centers]) for x in X]\n",
               "pairwise distances between the rows of `centers` and of `X`"),
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_distances_per_row_are_flagged(name):
    code, text = FLAGGED[name]
    (d,) = lint(code, "BL501")
    assert text in d.message
    assert d.fix is None


LOOKALIKES = [
    # a ragged pair of target subsets (a tree's split search): not rows of one array
    "import numpy as np\ndef mse(y, splits):\n    y_mean = np.mean(y)\n"
    "    return sum(np.sum((split - y_mean) ** 2) for split in splits)\n",
    # the centre moves with the loop (a walk along a path)
    "import numpy as np\ndef walk(X):\n    X = np.asarray(X, dtype=float).reshape(-1, 3)\n    c = X[0]\n    out = []\n"
    "    for x in X:\n        out.append(np.linalg.norm(x - c))\n        c = x\n    return out\n",
    # a norm along an axis or of another order is not this distance
    "import numpy as np\ndef f(X, c):\n    X = np.asarray(X, dtype=float).reshape(-1, 4, 3)\n"
    "    return [np.linalg.norm(x - c, ord=1) for x in X]\n",
    # a norm of one row, not of a difference with a fixed point
    "import numpy as np\ndef f(X, Y):\n    X = np.asarray(X, dtype=float).reshape(-1, 3)\n"
    "    return [np.linalg.norm(X[i] - Y[i - 1]) for i in range(1, len(X))]\n",
]


@pytest.mark.parametrize("code", LOOKALIKES)
def test_distance_lookalikes(code):
    assert lint(code, "BL501") == []


def test_the_suggested_rewrites_compute_the_same_distances():
    rng = np.random.default_rng(0)
    X, c = rng.standard_normal((50, 3)), rng.standard_normal(3)
    A = rng.standard_normal((3, 3))
    VI = A @ A.T + 3 * np.eye(3)
    assert np.allclose([np.linalg.norm(x - c) for x in X], np.linalg.norm(X - c, axis=1))
    assert np.allclose([distance.mahalanobis(x, c, VI) for x in X],
                       distance.cdist(X, c[None, :], "mahalanobis", VI=VI)[:, 0])
    C = rng.standard_normal((4, 3))
    pair = np.array([[np.sqrt(np.sum((x - m) ** 2)) for x in X] for m in C])
    gemm = (C ** 2).sum(1)[:, None] - 2 * C @ X.T + (X ** 2).sum(1)
    assert np.allclose(pair, np.sqrt(gemm))


def test_autograd_numpy_is_numpy_for_the_rules():
    code = ("import autograd.numpy as np\ndef elbo(Ez, X, w):\n"
            "    return np.einsum('tn,ni,nj->tij', Ez, X, X)\n")
    (d,) = lint(code, "BL502")
    assert "optimize" in d.message or "@" in d.message


# -- dots of rows picked by index pairs read from the data (matrix factorisation losses) ------

PAIRS = """
import numpy as np
W = np.random.randn(100, 10)
U = np.random.randn(200, 10)
def loss(ratings):
    sse = 0.0
    for i, j, r in ratings:
        sse += (r - W[i].dot(U[j])) ** 2
    return sse
def loss2(d):
    sse = 0.0
    for key, r in d.items():
        i, j = key
        sse += (r - W[i].dot(U[j])) ** 2
    return sse
"""


def test_index_pairs_from_the_data_gather_into_one_pass():
    got = lint(PAIRS, "BL501")
    assert [d.line for d in got] == [8, 14]
    assert all("(W[Is] * U[Js]).sum(1)" in d.message and "BLAS call" not in d.message for d in got)
    rng = np.random.default_rng(1)
    W, U = rng.standard_normal((100, 10)), rng.standard_normal((200, 10))
    pairs = rng.integers(0, 100, (50, 2))
    Is, Js = pairs[:, 0], pairs[:, 1]
    assert np.allclose([W[i].dot(U[j]) for i, j in pairs], (W[Is] * U[Js]).sum(1))


@pytest.mark.parametrize("code", [
    # the index changes in the body: not the pair read from the data
    PAIRS.replace("        sse += (r - W[i].dot(U[j])) ** 2\n    return sse\ndef loss2",
                  "        i = i + 1\n        sse += (r - W[i].dot(U[j])) ** 2\n    return sse\ndef loss2")
         .split("def loss2")[0],
    # items of 3-D stacks: matrix products, not row dots
    PAIRS.replace("randn(100, 10)", "randn(100, 10, 10)").split("def loss2")[0],
])
def test_index_pair_lookalikes(code):
    assert lint(code, "BL501") == []


def test_a_distance_helper_of_the_package(tmp_path):
    diags = lint_package(tmp_path, {
        "mlpkg/metrics/distance.py": (
            "import math\nimport numpy as np\ndef euclidean_distance(a, b):\n    if isinstance(a, list):\n"
            "        a = np.array(a)\n    return math.sqrt(sum((a - b) ** 2))\n"
            "def scaled(a, b):\n    a *= 2\n    return math.sqrt(sum((a - b) ** 2))\n"),
        "mlpkg/kmeans.py": (
            "import numpy as np\nfrom mlpkg.metrics.distance import euclidean_distance, scaled\nclass KMeans:\n"
            "    def closest(self, x, centroids):\n        return [euclidean_distance(x, c) for c in self.C]\n"
            "    def closest2(self, x, centroids):\n        return [scaled(x, c) for c in self.C]\n"
            "    def __init__(self, k):\n        self.C = np.zeros((k, 2))\n"),
    }, "mlpkg/kmeans.py", "BL501")
    # the helper that changes its argument in place (`a *= 2`) may change `x`: not one vectorised call
    assert [d.line for d in diags] == [5]
    assert "np.linalg.norm(self.C - x, axis=1)" in diags[0].message


def test_a_contraction_that_keeps_a_batch_axis_claims_no_blas_call():
    # `y[None]` against `solve(S, y)` summed over axis 1: one matrix-vector product per sample (N kept)
    code = ("import numpy as np\ndef logq(S, samples):\n    y = np.asarray(samples, dtype=float).reshape(3, -1)\n"
            "    y = np.expand_dims(y, 0)\n    return np.sum(y * np.linalg.solve(S, y), axis=1)\n")
    (d,) = lint(code, "BL505")
    assert "not one BLAS call" in d.message and "22-37x" not in d.message
    assert "in one einsum pass" in d.cost.after
    rng = np.random.default_rng(2)
    S, y = rng.standard_normal((4, 3, 3)) + 3 * np.eye(3), rng.standard_normal((1, 3, 5))
    Z = np.linalg.solve(S, np.broadcast_to(y, (4, 3, 5)))
    assert np.allclose(np.sum(y * Z, axis=1), np.einsum("idn,kdn->kn", y, Z))
