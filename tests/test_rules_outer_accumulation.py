"""BL504 outer-product-accumulation: the forms real code uses, its look-alikes, and every fix
executed (original and fixed on the same random inputs, float64 and float32, with and without
weights and centring, a scalar or vector centre, an accumulator that does not start at zero)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from support import assert_fix_equivalent, lint


def found(code: str) -> list:
    return [d for d in lint(textwrap.dedent(code), {"BL504"}) if d.code == "BL504"]


NP = "import numpy as np\n"

FOUND = {
    "hmm weighted per component (name bound in the loop)":
        NP + "def acc(obs, post, stats):\n    for t, o in enumerate(obs):\n        oo = np.outer(o, o)\n"
             "        for c in range(post.shape[1]):\n            stats[c] += post[t, c] * oo\n",
    "nested loops, weighted slot picked by outer loops":
        NP + "def m_step(X, gamma, mu, M, K, T, D):\n    sig = np.zeros((M, K, D, D))\n    for j in range(M):\n"
             "        for k in range(K):\n            for t in range(T):\n"
             "                sig[j, k] += gamma[t, j, k] * np.outer(X[t] - mu[j, k], X[t] - mu[j, k])\n"
             "    return sig\n",
    "rows picked by an index list": NP + "def normal(U, ids, K):\n    A = np.eye(K)\n    for j in ids:\n"
                                         "        A += np.outer(U[j], U[j])\n    return A\n",
    "column vectors": NP + "def sw(X, mv, d):\n    S = np.zeros((d, d))\n    for row in X:\n"
                           "        row, mv = row.reshape(d, 1), mv.reshape(d, 1)\n"
                           "        S += (row - mv).dot((row - mv).T)\n    return S\n",
    "broadcast outer": NP + "def f(X):\n    S = 0\n    for x in X:\n        S = S + x[:, None] * x[None, :]\n"
                            "    return S\n",
    "term among others": NP + "def f(X, phi, mu, C, j, N):\n    B = C.copy()\n    for i in range(N):\n"
                              "        d = X[i] - mu\n        B += phi[i, j] * (np.outer(d, d) + C)\n    return B\n",
    "summed generator": NP + "def cov(X, R, M, k, N):\n"
                             "    return np.sum(R[n, k] * np.outer(X[n] - M[k], X[n] - M[k]) for n in range(N)) / 2\n",
    "computed score per row": NP + "def meat(rows, grad, p):\n    J = np.zeros((p.size, p.size))\n"
                                   "    for r in rows:\n        s = grad(p, r)\n        J += np.outer(s, s)\n    return J\n",
    "multiply.outer": NP + "def f(X):\n    S = np.zeros((X.shape[1],) * 2)\n    for x in X:\n"
                           "        S += np.multiply.outer(x, x)\n    return S\n",
    "torch": "import torch\ndef f(X):\n    S = torch.zeros(X.shape[1], X.shape[1])\n    for x in X:\n"
             "        S += torch.outer(x, x)\n    return S\n",
}

SILENT = {
    # the running sum is read inside the loop (a risk-set recursion): partial sums, not one GEMM
    "running sum read": NP + "def efron(X, phi, T):\n    d = X.shape[1]\n    risk = np.zeros((d, d))\n"
                             "    out = []\n    for i in range(len(X)):\n        xi = X[i]\n"
                             "        risk = risk + np.multiply.outer(xi, phi[i] * xi)\n"
                             "        if T[i] != T[i - 1]:\n            out.append(risk.copy())\n    return out\n",
    "assigned per component": NP + "def f(means, obs, n, d):\n    c_n = np.empty((n, d, d))\n"
                                   "    for c in range(n):\n        o = np.outer(obs[c], means[c])\n"
                                   "        c_n[c] = np.outer(means[c], means[c]) - o - o.T\n    return c_n\n",
    "slot per row": NP + "def f(X):\n    n, d = X.shape\n    P = np.zeros((n, d, d))\n    for i in range(n):\n"
                         "        P[i] += np.outer(X[i], X[i])\n    return P\n",
    "same vector every time": NP + "def f(u, n):\n    S = np.zeros((u.size, u.size))\n    for _ in range(n):\n"
                                   "        S += np.outer(u, u)\n    return S\n",
    "small literal count": NP + "X = np.random.rand(3, 4)\nS = np.zeros((4, 4))\nfor i in range(3):\n"
                                "    S += np.outer(X[i], X[i])\n",
    "row times row transposed is a scalar": NP + "def f(X):\n    s = 0.0\n    for x in X:\n"
                                                 "        s += x.dot(x.T)\n    return s\n",
    "a full matrix weight per row": NP + "def f(X, W):\n    S = np.zeros((3, 3))\n    Ws = np.random.rand(len(X), 3, 3)\n"
                                         "    for i in range(len(X)):\n        S += Ws[i] * np.outer(X[i], X[i])\n"
                                         "    return S\n",
}


@pytest.mark.parametrize("name", list(FOUND))
def test_found(name):
    assert len(found(FOUND[name])) == 1, FOUND[name]


@pytest.mark.parametrize("name", list(SILENT))
def test_silent(name):
    assert found(SILENT[name]) == [], SILENT[name]


def test_message_names_the_form_and_the_product():
    (d,) = found(NP + "def scatter(X):\n    n, d = X.shape\n    m = X.mean(axis=0)\n    S = np.zeros((d, d))\n"
                      "    for i in range(n):\n        S += np.outer(X[i] - m, X[i] - m)\n    return S\n")
    assert "rank-1 update" in d.message and "`(X - m).T @ (X - m)`" in d.message and "20-22x" in d.message
    assert d.cost is not None and "GEMM" in d.cost.after


# -- the fix, executed ------------------------------------------------------------------

DTYPES = ["np.float64", "np.float32"]


def _setup(dtype: str, n: int = 57, d: int = 6) -> str:
    return (f"import numpy as np\nX = np.random.randn({n}, {d}).astype({dtype})\n"
            f"w = np.random.rand({n}).astype({dtype})\nR = np.random.rand({n}, 3)\n"
            f"m = X.mean(axis=0)\nc = 0.25\n")


FIXABLE = {
    "centred, range(len(X))": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor i in range(len(X)):\n"
                               "    S += np.outer(X[i] - m, X[i] - m)\n", "(X - m).T @ (X - m)"),
    "plain rows, range(X.shape[0])": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor i in range(X.shape[0]):\n"
                                      "    S += np.outer(X[i], X[i])\n", "X.T @ X"),
    "iterated rows, scalar centre": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor x in X:\n"
                                     "    S += np.outer(x - c, x - c)\n", "(X - c).T @ (X - c)"),
    "enumerate, weighted": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor i, x in enumerate(X):\n"
                            "    S += w[i] * np.outer(x - m, x - m)\n", "((X - m) * w[:, None]).T @ (X - m)"),
    "weight column of a matrix": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor n in range(len(X)):\n"
                                  "    S += R[n, 1] * np.outer(X[n] - m, X[n] - m)\n",
                                  "((X - m) * R[:, 1][:, None]).T @ (X - m)"),
    "accumulator not starting at zero": ("S = np.eye(X.shape[1])\nfor i in range(len(X)):\n"
                                         "    S += np.outer(X[i], X[i])\n", "S += X.T @ X"),
    "S = S + ... spelling": ("S = np.zeros((X.shape[1], X.shape[1]))\nfor i in range(len(X)):\n"
                             "    S = S + np.outer(X[i] - m, X[i] - m)\n", "S = S + (X - m).T @ (X - m)"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FIXABLE))
def test_fix_executes_equal(name, dtype):
    code, expected = FIXABLE[name]
    setup = _setup(dtype)
    header = setup  # the facts (X 2-D, m 1-D) come from the code itself
    fixed = assert_fix_equivalent(header + code, "", "S", codes={"BL504"}, rtol=1e-4 if "32" in dtype else 1e-9,
                                  atol=1e-4 if "32" in dtype else 1e-9)
    assert expected in fixed and "for " not in fixed.split("c = 0.25\n", 1)[1]


def test_fix_in_a_function_with_unpacked_shape():
    code = ("import numpy as np\ndef scatter(X):\n    n, d = X.shape\n    m = X.mean(axis=0)\n"
            "    S = np.zeros((d, d))\n    for i in range(n):\n        S += np.outer(X[i] - m, X[i] - m)\n"
            "    return S\nX = np.random.randn(40, 5)\nS = scatter(X)\n")
    assert "S += (X - m).T @ (X - m)" in assert_fix_equivalent(code, "", "S", codes={"BL504"})


@pytest.mark.parametrize("code", [
    # not every row: range(n - 1)
    _setup("np.float64") + "S = np.zeros((6, 6))\nfor i in range(len(X) - 1):\n    S += np.outer(X[i], X[i])\n",
    # the loop variable is read after the loop
    _setup("np.float64") + "S = np.zeros((6, 6))\nfor i in range(len(X)):\n    S += np.outer(X[i], X[i])\nlast = i\n",
    # a second statement in the body
    _setup("np.float64") + "S = np.zeros((6, 6))\nt = 0\nfor i in range(len(X)):\n"
                           "    S += np.outer(X[i], X[i])\n    t += 1\n",
    # different centres on the two sides
    _setup("np.float64") + "S = np.zeros((6, 6))\nfor i in range(len(X)):\n    S += np.outer(X[i] - m, X[i])\n",
    # X of unknown rank (a parameter): the rows could be matrices, np.outer would flatten them
    "import numpy as np\ndef f(X, m):\n    S = np.zeros((3, 3))\n    for i in range(len(X)):\n"
    "        S += np.outer(X[i] - m, X[i] - m)\n    return S\n",
    # a centre of unknown rank: (n, d) would change the meaning
    "import numpy as np\ndef f(m):\n    X = np.random.rand(50, 3)\n    S = np.zeros((3, 3))\n"
    "    for i in range(len(X)):\n        S += np.outer(X[i] - m, X[i] - m)\n    return S\n",
])
def test_reported_without_fix(code):
    (d,) = found(code)
    assert d.fix is None


def test_fix_keeps_float32_accumulator_dtype():
    code = ("import numpy as np\nX = np.random.randn(30, 4)\nS = np.zeros((4, 4), dtype=np.float32)\n"
            "for x in X:\n    S += np.outer(x, x)\n")
    fixed = assert_fix_equivalent(code, "", "S", codes={"BL504"}, rtol=1e-5, atol=1e-5)
    ns: dict = {}
    exec(fixed, ns)
    assert ns["S"].dtype == np.float32
