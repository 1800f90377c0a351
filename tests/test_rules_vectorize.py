"""BL501 loop-of-dots, BL502 einsum-without-blas, BL503 reduction-as-blas:
realistic spellings that must be found, look-alikes that must stay silent,
and every fix executed on random inputs."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from support import assert_fix_equivalent, fix, lint


def codes(code: str, rule: str) -> list:
    return [d for d in lint(textwrap.dedent(code), {rule}) if d.code == rule]


NP = "import numpy as np\n"
MAT = NP + "n, m = 300, 40\nA = np.random.randn(n, m)\nB = np.random.randn(m, 200)\nx = np.random.randn(m)\n"

# -- BL501 -------------------------------------------------------------------------

BL501_FOUND = {
    "comprehension np.dot row": MAT + "y = np.array([np.dot(A[i, :], x) for i in range(n)])\n",
    "comprehension method dot": MAT + "y = np.array([A[i].dot(x) for i in range(A.shape[0])])\n",
    "iterate rows, bare list": MAT + "y = [row @ x for row in A]\n",
    "loop sum of product": MAT + "y = np.zeros(n)\nfor i in range(n):\n    y[i] = np.sum(A[i] * x)\n",
    "enumerate rows": MAT + "y = np.empty(n)\nfor i, row in enumerate(A):\n    y[i] = row.dot(x)\n",
    "nested C[i][j]": MAT + "C = np.zeros((n, 200))\nfor i in range(n):\n    for j in range(200):\n"
                            "        C[i][j] = np.dot(A[i], B[:, j])\n",
    "gram matrix comprehension": MAT + "G = np.array([[np.dot(A[i], A[j]) for j in range(n)] for i in range(n)])\n",
    "scalar dot accumulation": NP + "a = np.random.rand(5000)\nb = np.random.rand(5000)\ns = 0.0\n"
                               "for i in range(len(a)):\n    s += a[i] * b[i]\n",
    "predict over samples (param)": NP + "def predict(X, w):\n    return np.array([np.dot(x, w) for x in X])\n",
    "column dots": MAT + "z = np.zeros(m)\nv = np.random.randn(n)\nfor j in range(m):\n    z[j] = v @ A[:, j]\n",
    "reduction inside comprehension": MAT + "y = np.array([sum(A[i, k] * x[k] for k in range(m)) for i in range(n)])\n",
    "double loop accumulate": MAT + "y = np.zeros(n)\nfor i in range(n):\n    for k in range(m):\n"
                              "        y[i] += A[i, k] * x[k]\n",
    "triple loop s = s + ...": NP + "def mm(A, B, C, n):\n    for i in range(n):\n        for j in range(n):\n"
                               "            for k in range(n):\n                C[i, j] = C[i, j] + A[i, k] * B[k, j]\n",
    "torch stack": "import torch\nW = torch.randn(256, 128)\nh = torch.randn(128)\n"
                   "out = torch.stack([W[i] @ h for i in range(256)])\n",
    "matmul function": MAT + "y = np.array([np.matmul(A[i], x) for i in range(n)])\n",
    "zip scalar dot": NP + "u = np.random.rand(1000)\nv = np.random.rand(1000)\nd = sum(p * q for p, q in zip(u, v))\n",
}

BL501_SILENT = {
    # items of a list not known to be an array beside a known matrix: a list of trials (each a whole
    # T_i x M matrix: `input @ W.T` per trial is already one product, ragged lists do not stack); real
    # code: ssm's per-trial loops, read as wrong by a blind reviewer
    "items of a list beside a known matrix": NP + "def proj(edges, pts):\n    T = np.asarray(pts, dtype=float).reshape(-1, 2).T\n"
        "    b = []\n    for e in edges:\n        x = np.dot(e, T)\n        b.append((x.min(), x.max()))\n    return b\n",
    "per-trial inputs": NP + "def f(datas, inputs, W):\n    W = np.asarray(W).reshape(3, 4)\n"
        "    return [np.dot(x, W.T) for x in inputs]\n",
    "consecutive rows": MAT + "d = [A[i] @ A[i + 1] for i in range(n - 1)]\n",
    "recurrence": NP + "T = np.random.rand(100, 100)\nv = np.zeros(100)\nfor i in range(1, 100):\n"
                       "    v[i] = T[i] @ v\n",
    "state carried": MAT + "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\n    x = 0.9 * x\n",
    "small fixed count": NP + "R = np.random.rand(3, 3)\np = np.ones(3)\nq = [R[i] @ p for i in range(3)]\n",
    "scalar nest, one factor has all three indices": NP + "def f(T, x, M):\n    C = np.zeros((M, M))\n"
        "    for i in range(M):\n        for j in range(M):\n            for k in range(M):\n"
        "                C[i, j] += T[i, j, k] * x[k] * x[k]\n    return C\n",
    "scalar nest, a row-wise sum": NP + "def f(A, B, n, m):\n    y = np.zeros(n)\n    for i in range(n):\n"
        "        for k in range(m):\n            y[i] += A[i, k] * B[i, k] * 2.0\n    return y\n",
    "chunked rows": NP + "def f(M, S, step):\n    out = np.zeros((S.shape[0], M.shape[0]))\n"
        "    for i in range(0, S.shape[0], step):\n        out[i:i + step] = S[i:i + step] @ M.T\n    return out\n",
    "greedy traversal": NP + "def tsp(P, ones):\n    order = [0]\n    left = np.ones(len(P), dtype=bool)\n"
        "    for i in range(len(P) - 1):\n        cur = P[order[i]]\n        left[order[i]] = False\n"
        "        d = np.dot((P[left] - cur) ** 2, ones)\n        order.append(int(np.argmin(d)))\n    return order\n",
    "per-volume design and coefficients": NP + "def f(data, fits, split, out):\n    for k, coef in enumerate(fits):\n"
        "        cur = split(data, k)\n        out[..., k] = cur.T @ coef\n",
    "power iteration": NP + "def f(A, x, n):\n    for _ in range(n):\n        x = A @ x\n        x = x / np.linalg.norm(x)\n"
        "    return x\n",
    "rnn recurrence": NP + "def f(W, h, n):\n    hs = []\n    for t in range(n):\n        h = np.tanh(W @ h)\n"
        "        hs.append(h)\n    return hs\n",
    "sliding windows (a lag matrix kept implicit)": NP + "def gram(rhs, dy, maxlag):\n    dy = np.asarray(dy, dtype=float).ravel()\n"
        "    rhs = np.asarray(rhs, dtype=float).reshape(len(dy), -1)\n    out = []\n    for i in range(maxlag):\n"
        "        x1 = dy[maxlag - i - 1: -(1 + i)]\n        out.append(rhs.T @ x1)\n    return out\n",
    "a new shape every iteration": NP + "def f(T, sizes):\n    T = np.asarray(T, dtype=float).reshape(1, -1)\n    out = []\n"
        "    for n in sizes:\n        out.append(np.ones((n, 1)).dot(T))\n    return out\n",
    "distance to a centre that moves": NP + "def walk(X):\n    c = X[0]\n    out = []\n    for x in X:\n"
        "        out.append((x - c).dot(x - c))\n        c = x\n    return out\n",
    "helper that changes its argument": NP + "def d(u, v):\n    u -= v\n    return u.dot(u)\n"
        "def f(X, c):\n    N, D = X.shape\n    return [d(X[n], c) for n in range(N)]\n",
    "a generator yielding one transformed item at a time": NP + "def move(tracks, aff):\n    lin_T = aff[:3, :3].T\n"
        "    for sl in tracks:\n        yield np.dot(sl, lin_T) + aff[:3, 3]\n",
    "weighted sum of a stack of matrices": NP + "def dt(fr, n):\n    Dc = np.zeros((n, 3, 3))\n    D = np.zeros((3, 3))\n"
        "    for i in range(n):\n        D = D + fr[i] * Dc[i]\n    return D\n",
    "carried through a method call (iterative deconvolution)": NP + "def rl(K, data, f, n, g):\n    Kt = np.asarray(K, dtype=float).reshape(8, 8).T\n"
        "    blur = data\n    for i in range(n):\n        ratio = g(blur).astype(np.float32)\n"
        "        f = f * (Kt @ (data * ratio))\n        blur = f * 2.0\n    return f\n",
    "a diagonal matrix built per iteration": NP + "def f(G, scales):\n    G = np.asarray(G, dtype=float).reshape(4, 4)\n"
        "    out = []\n    for s in scales:\n        out.append(G.dot(np.diag(s)))\n    return out\n",
    "literal tuple of vectors": NP + "e = np.ones(3)\nr = [v @ e for v in (np.ones(3), np.zeros(3))]\n",
    "layers of different shapes": NP + "def forward(layers, h):\n    outs = []\n    for W in layers:\n"
                                  "        outs.append(W @ h)\n    return outs\n",
    "per-layer loop with reassign": NP + "def forward(Ws, h):\n    for W in Ws:\n        h = np.tanh(W @ h)\n"
                                    "    return h\n",
    "pure python lists": "def dot(a, b):\n    return sum(x * y for x, y in zip(a, b))\n",
    "list-of-lists matvec params": "def mv(M, v):\n    return [sum(M[i][k] * v[k] for k in range(len(v))) for i in range(len(M))]\n",
    "outer product accumulation": MAT + "S = np.zeros((m, m))\nfor i in range(n):\n    S += np.outer(A[i], A[i])\n",
    "matrix per row (3-D) times scalar": MAT + "y = np.array([A[i] * 2.0 for i in range(n)])\n",
    "scalar second operand": MAT + "s = 3.0\ny = np.array([np.dot(A[i], s) for i in range(n)])\n",
}


# forms real code uses (multi-statement bodies, conditions, row-wise dots): one product per iteration
BL501_FOUND_PER_ITERATION = {
    "row-wise dot with a per-row vector": MAT + "X = np.random.randn(n, m)\n"
                                          "r = np.array([A[i] @ X[i] for i in range(n)])\n",
    "zip of two matrices, row-wise": MAT + "X = np.random.randn(n, m)\nr = [a @ b for a, b in zip(A, X)]\n",
    "conditional on the row": MAT + "y = np.zeros(n)\nfor i in range(n):\n    if A[i, 0] > 0:\n"
                               "        y[i] = A[i] @ x\n",
    "comprehension filter": MAT + "y = [A[i] @ x for i in range(n) if A[i, 0] > 0]\n",
    "extra work in the body": MAT + "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\n    print(i)\n",
    "dot plus a term": MAT + "b = np.ones(n)\ny = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x + b[i]\n",
    "max over dots": MAT + "best = max(A[i] @ x for i in range(n))\n",
    "summed over rows": MAT + "t = sum(A[i] @ x for i in range(n))\n",
    "shifted target index": MAT + "y = np.zeros(n + 1)\nfor i in range(n):\n    y[i + 1] = A[i] @ x\n",
    "strided range": MAT + "y = np.zeros(n)\nfor i in range(0, n, 2):\n    y[i] = A[i] @ x\n",
    "loop with else": MAT + "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\nelse:\n    pass\n",
}
BL501_FOUND.update(BL501_FOUND_PER_ITERATION)
BL501_FOUND.update({
    "voxel loop, a column per voxel": NP + "def ols(data, mask, X):\n    params = np.zeros(mask.shape + (28,))\n"
        "    Xi = np.linalg.pinv(X.T @ X)\n    for v in np.ndindex(mask.shape):\n        if not mask[v]:\n"
        "            continue\n        S = np.log(data[v])[:, np.newaxis]\n        params[v] = (Xi @ X.T @ S)[:, 0]\n"
        "    return params\n",
    # squared distances per row (k-means, kNN): a dot of a difference, a sum of squares, a local helper
    "distance helper in a double loop": NP + "def d(u, v):\n    diff = u - v\n    return diff.dot(diff)\n"
        "def assign(X, M, K, beta):\n    N, D = X.shape\n    E = np.empty((N, K))\n    for k in range(K):\n"
        "        for n in range(N):\n            E[n, k] = np.exp(-beta * d(M[k], X[n]))\n    return E\n",
    "knn pairs": NP + "def predict(X, Xt):\n    out = []\n    for i, x in enumerate(X):\n        best = np.inf\n"
        "        for j, xt in enumerate(Xt):\n            diff = x - xt\n            dd = diff.dot(diff)\n"
        "            best = min(best, dd)\n        out.append(best)\n    return out\n",
    "sum of squares per row": NP + "def k(x_new, X, g):\n    return np.exp(-g * np.array([np.sum((x_new - row) ** 2) for row in X]))\n",
    # scalar loops over a product of several factors (HMM re-estimation): offsets, gathers, a mask
    "scalar nest, four factors": NP + "def f(al, be, A, B, T, M, x):\n    a = np.zeros((M, M))\n    for i in range(M):\n"
                                 "        for j in range(M):\n            for t in range(T - 1):\n"
                                 "                a[i, j] += al[t, i] * A[i, j] * B[j, x[t + 1]] * be[t + 1, j]\n    return a\n",
    "scalar nest under a mask": NP + "def f(al, be, A, B, T, M, e, s):\n    a = np.zeros((M, M))\n    for i in range(M):\n"
                                "        for j in range(M):\n            for t in range(T - 1):\n"
                                "                if e[t] != 1:\n"
                                "                    a[i, j] += al[t, i] * be[t + 1, j] * A[i, j] * B[j, t + 1] / s[t + 1]\n"
                                "    return a\n",
    "voxel loop (np.ndindex) with more work": NP + "def pred(P, D, S0, mask, out):\n    for v in np.ndindex(mask.shape):\n"
                                              "        if not mask[v]:\n            continue\n        p = P[v].copy()\n"
                                              "        p[1] = p[1] * p[0]\n        out[v] = S0 * np.exp(np.dot(D[:, :2], p))\n",
    "per-row quadratic form": NP + "def f(r, Di):\n    r = np.asarray(r).reshape(-1, 3)\n    P = np.zeros(len(r))\n"
                              "    for i, u in enumerate(r):\n        P[i] = np.dot(np.dot(u.T, Di), u) ** 1.5\n    return P\n",
    "one-row block and invariant vector": NP + "def f(X, beta, w):\n    X = np.asarray(X, dtype=float).reshape(len(w), -1)\n"
                                          "    s = 0.0\n    for i in range(len(w)):\n        xi = X[i:i + 1]\n"
                                          "        s += w[i] * np.exp(np.dot(xi, beta))\n    return s\n",
    "batched items": NP + "def f(S, c):\n    S = np.asarray(S, dtype=float).reshape(-1, 3, 3)\n    out = np.zeros_like(S)\n"
                     "    for i in range(len(S)):\n        out[i] = np.matmul(S[i], S[i]) * c[i]\n    return out\n",
})


@pytest.mark.parametrize("name", list(BL501_FOUND))
def test_bl501_found(name):
    assert len(codes(BL501_FOUND[name], "BL501")) == 1, BL501_FOUND[name]


@pytest.mark.parametrize("name", list(BL501_SILENT))
def test_bl501_silent(name):
    assert codes(BL501_SILENT[name], "BL501") == [], BL501_SILENT[name]


def test_bl501_message_names_the_product():
    (d,) = codes(BL501_FOUND["nested C[i][j]"], "BL501")
    assert "`A @ B`" in d.message and "matrix-matrix" in d.message
    (d,) = codes(BL501_FOUND["column dots"], "BL501")
    assert "`A.T @ v`" in d.message


def test_bl501_nested_loop_reported_once():
    diags = codes(BL501_FOUND["double loop accumulate"], "BL501")
    assert len(diags) == 1 and diags[0].line == 7


SETUP_MV = "import numpy as np\nA = np.random.randn(120, 30)\nx = np.random.randn(30)\n"


def test_bl501_fix_comprehension_rows():
    code = "import numpy as np\nA = np.random.randn(120, 30)\nx = np.random.randn(30)\n" \
           "y = np.array([np.dot(A[i], x) for i in range(A.shape[0])])\n"
    fixed = assert_fix_equivalent(code, "", "y", codes={"BL501"})
    assert "y = A @ x" in fixed


def test_bl501_fix_iterated_rows_asarray():
    code = "import numpy as np\nA = np.random.randn(120, 30)\nx = np.random.randn(30)\n" \
           "y = np.asarray([row @ x for row in A])\n"
    assert "y = A @ x" in assert_fix_equivalent(code, "", "y", codes={"BL501"})


def test_bl501_fix_columns():
    code = "import numpy as np\nA = np.random.randn(120, 30)\nv = np.random.randn(120)\n" \
           "z = np.array([A[:, j] @ v for j in range(A.shape[1])])\n"
    assert "z = A.T @ v" in assert_fix_equivalent(code, "", "z", codes={"BL501"})


def test_bl501_fix_mulsum_form():
    code = "import numpy as np\nA = np.random.randn(120, 30)\nx = np.random.randn(30)\n" \
           "y = np.array([(A[i] * x).sum() for i in range(len(A))])\n"
    assert "y = A @ x" in assert_fix_equivalent(code, "", "y", codes={"BL501"})


def test_bl501_fix_loop_whole_target():
    code = "import numpy as np\nn = 200\nA = np.random.rand(n, n)\nx = np.random.rand(n)\n" \
           "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\n"
    assert "y[:] = A @ x" in assert_fix_equivalent(code, "", "y", codes={"BL501"})


def test_bl501_fix_loop_partial_target():
    code = "import numpy as np\nA = np.random.rand(50, 20)\nx = np.random.rand(20)\n" \
           "y = np.full(80, 7.0)\nfor i in range(len(A)):\n    y[i] = np.dot(A[i], x)\n"
    fixed = assert_fix_equivalent(code, "", "y", codes={"BL501"})
    assert "y[:len(A)] = A @ x" in fixed


def test_bl501_fix_scalar_dot():
    code = "import numpy as np\na = np.random.rand(500)\nb = np.random.rand(500)\n" \
           "s = sum(a[i] * b[i] for i in range(len(a)))\n"
    assert "s = a @ b" in assert_fix_equivalent(code, "", "s", codes={"BL501"})


def test_bl501_fix_torch_stack():
    code = "import torch\nW = torch.randn(64, 16, dtype=torch.float64)\nh = torch.randn(16, dtype=torch.float64)\n" \
           "out = torch.stack([W[i] @ h for i in range(W.shape[0])])\n"
    assert "out = W @ h" in assert_fix_equivalent(code, "import torch\ntorch.manual_seed(0)", "out",
                                                  codes={"BL501"})


@pytest.mark.parametrize("code", [
    # the loop variable is read after the loop: replacing the loop would lose it
    MAT + "y = np.zeros(n)\nfor i in range(n):\n    y[i] = A[i] @ x\nprint(i)\n",
    # the range is not known to cover the rows
    MAT + "k = 10 * n\ny = np.array([A[i] @ x for i in range(k // 10)])\n",
    # inner(): same numbers, but leave the spelling to the user
    MAT + "y = np.array([np.inner(A[i], x) for i in range(n)])\n",
])
def test_bl501_no_fix_when_not_exact(code):
    (d,) = codes(code, "BL501")
    assert d.fix is None


# -- BL502 -------------------------------------------------------------------------

BL502_FOUND = {
    "matmul": "ij,jk->ik", "implicit matmul": "ij,jk", "A.T @ B": "ij,ik->jk", "A @ B.T": "ij,kj->ik",
    "pairwise distances": "nd,md->nm", "batched": "bij,bjk->bik", "dot": "i,i->", "implicit dot": "i,i",
    "matvec": "ij,j->i", "vecmat": "i,ij->j", "outer": "i,j->ij", "broadcast matvec": "i,...i->...",
    "tensordot-like": "ijk,jil->kl",
}
BL502_SILENT = {
    "row-wise dot": "ij,ij->i", "diagonal": "ii->i", "trace": "ii", "trace explicit": "ii->",
    "hadamard": "ij,ij->ij", "scale columns": "ij,j->ij",
    "frobenius": "ij,ij->", "transpose": "ij->ji", "sum": "ij->", "per-row outer": "ni,nj->nij",
    "diag of product": "ij,ji->i",
}


@pytest.mark.parametrize("name", list(BL502_FOUND))
def test_bl502_found(name):
    subs = BL502_FOUND[name]
    nops = subs.split("->")[0].count(",") + 1
    args = ", ".join("ABC"[:nops])
    assert len(codes(NP + f"R = np.einsum('{subs}', {args})\n", "BL502")) == 1, subs


@pytest.mark.parametrize("name", list(BL502_SILENT))
def test_bl502_silent(name):
    subs = BL502_SILENT[name]
    nops = subs.split("->")[0].count(",") + 1
    args = ", ".join("ABC"[:nops])
    assert codes(NP + f"R = np.einsum('{subs}', {args})\n", "BL502") == [], subs


@pytest.mark.parametrize("code", [
    NP + "R = np.einsum('ij,jk->ik', A, B, optimize=True)\n",
    NP + "R = np.einsum('ij,jk->ik', A, B, optimize='optimal')\n",
    NP + "R = np.einsum('ij,jk,kl->il', A, B, C, optimize=path)\n",
    NP + "R = np.einsum(spec, A, B)\n",
    NP + "SPEC = 'ij,jk->ik'\nSPEC = SPEC.upper()\nR = np.einsum(SPEC, A, B)\n",  # rebound: unknown subscripts
    NP + "R = np.einsum('ij,jk->ik', A, B, out=C)\n",
    "import torch\nR = torch.einsum('ij,jk->ik', A, B)\n",
    "import jax.numpy as jnp\nR = jnp.einsum('ij,jk->ik', A, B)\n",
    "import opt_einsum\nR = opt_einsum.contract('ij,jk->ik', A, B)\n",
    NP + "R = np.einsum('i,i,i->', a, b, c)\n",
    NP + "R = np.einsum('ij,ij,ij->i', A, B, C)\n",
    NP + "R = np.einsum('i,j', [1, 2], [3, 4])\n",
    NP + "R3 = np.eye(3)\nv3 = np.ones(3)\nr = np.einsum('ij,j->i', R3, v3)\n",
    NP + "def einsum(s, *a):\n    return a\nR = einsum('ij,jk->ik', A, B)\n",
])
def test_bl502_silent_calls(code):
    assert codes(code, "BL502") == []


def test_bl502_three_operands_and_from_import():
    assert len(codes(NP + "R = np.einsum('i,ij,j->', x, A, y)\n", "BL502")) == 1
    assert len(codes("from numpy import einsum\nR = einsum('ij,jk,kl->il', A, B, C)\n", "BL502")) == 1


def test_summed_einsum_is_a_hidden_contraction():
    assert len(codes(NP + "C = np.einsum('ij,jk->ijk', A, B).sum(axis=1)\n", "BL505")) == 1
    assert codes(NP + "C = np.einsum('ij,jk->ijk', A, B).sum(axis=1)\n", "BL502") == []
    assert codes(NP + "C = np.einsum('ij,jk->ijk', A, B).sum(axis=0)\n", "BL505") == []


E_SETUP = ("import numpy as np\nA = np.random.rand(60, 40)\nB = np.random.rand(40, 50)\nAA = np.random.rand(60, 50)\n"
           "a = np.random.rand(60)\nb = np.random.rand(60)\nx = np.random.rand(40)\n"
           "S = np.random.rand(6, 60, 40)\nT = np.random.rand(6, 40, 50)\nD = np.random.rand(50, 70)\n")


@pytest.mark.parametrize("stmt,expected", [
    ("R = np.einsum('ij,jk->ik', A, B)", "R = A @ B"),
    ("R = np.einsum('ij,jk', A, B)", "R = A @ B"),
    ("R = np.einsum('ij,ik->jk', A, AA)", "R = A.T @ AA"),
    ("R = np.einsum('ij,kj->ik', B.T, A)", "R = B.T @ A.T"),
    ("R = np.einsum('ij,j->i', A, x)", "R = A @ x"),
    ("R = np.einsum('i,ij->j', a, A)", "R = a @ A"),
    ("R = np.einsum('i,i->', a, b)", "np.dot(a, b)"),
    ("R = np.einsum('i,i', a, b)", "np.dot(a, b)"),
    ("R = np.einsum('i,j->ij', a, x)", "np.outer(a, x)"),
    ("R = np.einsum('bij,bjk->bik', S, T)", "R = S @ T"),
    ("R = np.einsum('...ij,...jk->...ik', S, T)", "R = S @ T"),
    ("R = np.einsum('ij,jk,kl->il', A, B, D)", "R = A @ B @ D"),
])
def test_bl502_fixes_execute(stmt, expected):
    fixed = assert_fix_equivalent(E_SETUP + stmt + "\n", "", "R", codes={"BL502"}, rtol=1e-10)
    assert expected in fixed


def test_bl502_fix_uses_operator_for_known_arrays():
    code = E_SETUP + "R = np.einsum('ij,jk->ik', A, B)\n"
    assert fix(code, {"BL502"}).endswith("R = A @ B\n")


def test_bl502_unknown_operands_fix_with_matmul_function():
    fixed = assert_fix_equivalent(NP + "R = np.einsum('ij,jk->ik', P, Q)\n",
                                  "import numpy as np\nP = np.random.rand(40, 50)\nQ = np.random.rand(50, 45)\n",
                                  "R", codes={"BL502"})
    assert "R = np.matmul(P, Q)" in fixed


def test_bl502_transposed_output_has_no_fix():
    (d,) = codes(NP + "R = np.einsum('ij,jk->ki', A, B)\n", "BL502")
    assert d.fix is None


# -- BL503 -------------------------------------------------------------------------

VEC = NP + "a = np.random.randn(1000)\nb = np.random.randn(1000)\n"

BL503_FOUND = [
    VEC + "s = np.sum(a * b)\n",
    VEC + "s = (a * b).sum()\n",
    VEC + "s = np.sum(a * b, axis=0)\n",
    VEC + "r = np.sqrt(np.sum(a ** 2))\n",
    VEC + "r = np.sqrt((a ** 2).sum())\n",
    VEC + "r = np.sqrt(np.sum(a * a))\n",
    VEC + "r = np.sqrt((a * a).sum())\n",
    "import math\n" + VEC + "r = math.sqrt(np.sum(a ** 2))\n",
    "from math import sqrt\n" + VEC + "r = sqrt(np.sum(a ** 2))\n",
    VEC + "r = np.sum(a ** 2) ** 0.5\n",
    VEC + "r = (a ** 2).sum() ** 0.5\n",
    VEC + "d = np.sqrt(np.sum((a - b) ** 2))\n",
    VEC + "r = np.sqrt(np.sum(np.square(a)))\n",
    NP + "X = np.random.rand(300, 300)\nfro = np.sqrt(np.sum(X ** 2))\n",
    NP + "def f(data):\n    x = np.asarray(data, dtype=np.float64)\n    return np.sqrt(np.sum(x ** 2))\n",
    NP + "rng = np.random.default_rng(0)\nu = rng.standard_normal(400, dtype=np.float32)\n"
         "v = rng.standard_normal(400, dtype=np.float32)\ns = np.sum(u * v)\n",
    "import torch\nt = torch.randn(500)\nr = torch.sqrt(torch.sum(t ** 2))\n",
    # the norm form holds for any real array: an unknown operand is flagged (without a fix)
    NP + "def f(x):\n    return np.sqrt(np.sum(x ** 2))\n",
    # Frobenius products, sums of squares, row norms (einsum: norm(axis=) is no faster)
    NP + "A = np.random.rand(50, 50)\nB = np.random.rand(50, 50)\ns = np.sum(A * B)\n",
    NP + "X = np.random.rand(100, 3)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n",
    NP + "X = np.random.rand(100, 3)\nr = np.sqrt((X ** 2).sum(axis=-1))\n",
    VEC + "t = np.sum(a ** 2)\n",
    VEC + "r = np.sum(a ** 2) ** 0.25\n",
]

BL503_SILENT = [
    NP + "a = np.arange(100)\nb = np.arange(100)\ns = np.sum(a * b)\n",
    NP + "z = np.ones(100, dtype=complex)\nr = np.sqrt(np.sum(z ** 2))\n",
    VEC + "r = np.sqrt(a @ a)\n",
    VEC + "r = np.sqrt(np.sum(np.abs(a)))\n",
    VEC + "w = np.sum(a * b, keepdims=True)\n",
    VEC + "w = np.sum(a * b, dtype=np.float32)\n",
    NP + "w = np.array([1.0, 1.0, 0.0])\nv = np.array([0.5, 0.75, 1.0])\ns = np.sum(w * v) / np.sum(w)\n",
    NP + "a = np.random.rand(100)\nc = np.random.rand(1)\ns = np.sum(a * c)\n",
    "import torch\na = torch.randn(100)\nb = torch.randn(100, dtype=torch.float64)\ns = torch.sum(a * b)\n",
    VEC + "m = np.sum(a * b > 0)\n",
    VEC + "u = np.sum(a) * np.sum(b)\n",
]


@pytest.mark.parametrize("code", BL503_FOUND)
def test_bl503_found(code):
    assert len(codes(code, "BL503")) == 1, code


@pytest.mark.parametrize("code", BL503_SILENT)
def test_bl503_silent(code):
    assert codes(code, "BL503") == [], code


R_SETUP = ("import numpy as np\nimport math\na = np.random.randn(400)\nb = np.random.randn(400)\n"
           "X = np.random.randn(40, 30)\nf = np.random.randn(400).astype(np.float32)\n"
           "z = np.random.randn(400) + 1j * np.random.randn(400)\n")


@pytest.mark.parametrize("stmt,expected", [
    ("s = np.sum(a * b)", "np.dot(a, b)"),
    ("s = (a * b).sum()", "a @ b"),
    ("s = sum(a * b)", "np.dot(a, b)"),
    ("s = np.sqrt(np.sum(a ** 2))", "np.linalg.norm(a)"),
    ("s = np.sqrt((a * a).sum())", "np.linalg.norm(a)"),
    ("s = math.sqrt(np.sum(a ** 2))", "float(np.linalg.norm(a))"),
    ("s = np.sum(a ** 2) ** 0.5", "np.linalg.norm(a)"),
    ("s = np.sqrt(np.sum((a - b) ** 2))", "np.linalg.norm(a - b)"),
    ("s = np.sqrt(np.sum(X ** 2))", "np.linalg.norm(X)"),
    ("s = np.sqrt(np.sum(np.square(f)))", "np.linalg.norm(f)"),
    ("s = np.sqrt(np.sum(np.power(a - b, 2)))", "np.linalg.norm(a - b)"),
    ("s = np.sum(np.power(X, 2))", "np.vdot(X, X)"),
    ("s = np.sqrt(np.sum(np.power(X, 2), axis=1))", "np.sqrt(np.einsum('ij,ij->i', X, X))"),
    ("s = np.sqrt(np.sum(np.abs(z) ** 2))", "np.linalg.norm(z)"),
])
def test_bl503_fixes_execute(stmt, expected):
    fixed = assert_fix_equivalent(R_SETUP + stmt + "\n", "", "s", codes={"BL503"}, rtol=1e-5)
    assert expected in fixed


def test_bl503_unknown_operand_reported_without_fix():
    code = NP + "def f(x):\n    return np.sqrt(np.sum(x ** 2))\n"
    (d,) = lint(code, {"BL503"})
    assert d.fix is None and "known to be real" in d.message


def test_bl503_torch_fixes_execute():
    code = ("import torch\na = torch.randn(300, dtype=torch.float64)\nb = torch.randn(300, dtype=torch.float64)\n"
            "s = torch.sum(a * b)\nr = torch.sqrt(torch.sum(a ** 2))\n")
    fixed = assert_fix_equivalent(code, "import torch\ntorch.manual_seed(0)", ["s", "r"], codes={"BL503"})
    assert "torch.dot(a, b)" in fixed and "torch.linalg.norm(a)" in fixed


# -- issue 13: the message says what the loop computes and its rewrite is in the right order --------

ORDER_SETUP = ("import numpy as np\nX = np.random.rand(300, 40)\nM = np.random.rand(20, 40)\nv = np.random.rand(40)\n"
               "S = np.random.rand(300, 4, 40)\nT = np.random.rand(300, 40, 4)\n")


@pytest.mark.parametrize("loop, kind", [
    ("y = np.array([M @ X[i] for i in range(300)])", "matrix-matrix"),
    ("y = np.array([np.dot(X[i], v) for i in range(300)])", "matrix-vector"),
    ("y = np.array([v @ X[i] for i in range(300)])", "matrix-vector"),
    ("y = np.array([S[i] @ v for i in range(300)])", "batched"),
    ("y = np.array([X[i] @ M.T for i in range(300)])", "matrix-matrix"),
    ("y = np.array([M @ T[i] for i in range(300)])", "batched"),
    ("y = np.array([M @ S[i].T for i in range(300)])", "batched"),
    ("y = np.zeros((300, 20))\nfor i in range(300):\n    y[i] = M @ X[i]\n    y[i] += 1.0", "matrix-matrix"),
])
def test_bl501_names_the_product_and_its_rewrite_computes_the_same(loop, kind):
    import re
    code = ORDER_SETUP + loop + "\n"
    (d,) = codes(code, "BL501")
    assert kind in d.message, d.message
    rewrite = re.findall(r"`([^`]*@[^`]*)`", d.message)[-1]
    ns: dict = {}
    exec(code, ns)
    expected = ns["y"] - (1.0 if "+= 1.0" in loop else 0.0)
    got = eval(rewrite, ns)
    assert np.allclose(np.asarray(got).reshape(expected.shape), expected), (rewrite, d.message)


def test_bl502_subscripts_through_a_name_bound_once():
    got = lint(NP + "SPEC = 'ij,jk->ik'\nR = np.einsum(SPEC, A, B)\n", "BL502")
    assert [d.code for d in got] == ["BL502"] and 'einsum("ij,jk->ik")' in got[0].message


# -- BL501: slices of a stack on a later axis ---------------------------------------------

def test_bl501_dot_of_time_slices_with_fixed_factor_of_unknown_rank():
    """``X[:, t].dot(self.U.T)`` in an RNN's forward pass: with dot's semantics the factor may have any rank."""
    src = NP + textwrap.dedent("""
        class RNN:
            def __init__(self, act):
                self.act = act
            def forward(self, X):
                n, T, d = X.shape
                self.h = np.zeros((n, T + 1, 4))
                for t in range(T):
                    self.h[:, t] = self.act(X[:, t].dot(self.U.T) + self.h[:, t - 1].dot(self.W.T))
                return self.h
        """)
    found = codes(src, "BL501")
    assert len(found) == 1 and "`XM = X @ self.U.T` for a 2-D `self.U.T`" in found[0].message  # not the recurrent term
    assert "np.tensordot(X, self.U.T, axes=([-1], [-2]))" in found[0].message  # np.dot(X, ...) runs no BLAS on 3-D X


def test_bl501_time_slices_times_unknown_rank_with_matmul_is_hedged():
    src = NP + "def f(X, M):\n    n, T, d = X.shape\n    out = []\n    for t in range(T):\n" \
               "        out.append(X[:, t] @ M)\n    return out\n"
    (d,) = codes(src, "BL501")
    assert "np.moveaxis(X, 1, 0) @ M" in d.message and "1-D or 2-D" in d.message


def test_bl501_reversed_range_walks_the_same_iterations():
    src = NP + "def back(G, V):\n    n, T, d = G.shape\n    out = []\n    for t in reversed(range(T)):\n" \
               "        out.append(np.dot(G[:, t, :], V))\n    return out\n"
    assert len(codes(src, "BL501")) == 1
    shadowed = src.replace("def back", "def reversed(x):\n    return x[::2]\n\ndef back")
    assert codes(shadowed, "BL501") == []  # a module function called reversed may pick other items


@pytest.mark.parametrize("m_shape", [(6,), (6, 5), (3, 6, 5)])
def test_bl501_suggested_whole_products_equal_the_slices(m_shape):
    """The rewrites the messages name, executed: ``np.dot(X, M)[:, t]`` is ``np.dot(X[:, t], M)`` for a
    fixed factor of any rank, and ``np.moveaxis(X, 1, 0) @ M`` stacks ``X[:, t] @ M`` for a 1-D/2-D one."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 7, 6))
    M = rng.standard_normal(m_shape)
    whole = np.dot(X, M)
    for t in range(X.shape[1]):
        np.testing.assert_allclose(whole[:, t], np.dot(X[:, t], M), rtol=1e-12, atol=1e-12)
    if len(m_shape) <= 2:
        stacked = np.array([X[:, t] @ M for t in range(X.shape[1])])
        np.testing.assert_allclose(np.moveaxis(X, 1, 0) @ M, stacked, rtol=1e-12, atol=1e-12)


def test_bl501_cost_of_a_slice_product_counts_each_dimension_once():
    """``X[:, t] @ W`` with X (n, T, d) and W (d, k): n*d*k per step, not d^2*k (the shared d once)."""
    src = NP + "def proj(n, T, d, k):\n    X = np.random.rand(n, T, d)\n    W = np.random.rand(d, k)\n" \
               "    out = np.empty((n, T, k))\n    for t in range(T):\n        out[:, t, :] = np.dot(X[:, t, :], W)\n" \
               "    return out\n"
    (d,) = codes(src, "BL501")
    assert "^2" not in d.cost.before and any(label.startswith("p = n") for label in d.cost.dims)


def test_bl501_cost_of_a_matrix_vector_product_per_iteration_is_memory_bound():
    """A vector computed per iteration times a fixed matrix: each iteration reads the whole matrix
    (BLAS-2); the estimate says so, not one compute-bound matrix product per iteration."""
    src = NP + "def f(mask, W, N):\n    W = np.asarray(W).reshape(300, 400)\n    mask = np.asarray(mask).reshape(-1, 300)\n" \
               "    out = []\n    for n in range(N):\n        j = np.exp(mask[n])\n        out.append(np.dot(j, W))\n" \
               "    return out\n"
    (d,) = codes(src, "BL501")
    assert "BLAS-2" in d.cost.before and d.severity == "warning"


# -- BL505: an inserted axis in an operand of unknown rank (astroML's XDGMM E-step) ---------------------------

def test_axis_kind_reads_a_trailing_run_of_full_axes():
    from blaslint.rules.vectorize._broadcast import axis_kind

    assert axis_kind(("F", "F", "1", "F", "*"), -1) == "F"   # the last axis: in the run, or the F before it
    assert axis_kind(("F", "1", "*"), -1) is None            # the run may be empty: then it is the inserted one
    assert axis_kind(("F", "F", "1", "F", "F", "*"), -2) == "F"
    assert axis_kind(("F", "1", "F", "*"), -2) is None
    assert axis_kind(("*", "1", "F"), -1) == "F"


def test_a_new_axis_in_a_factor_of_unknown_rank_summed_over_its_last_axis_is_a_hidden_contraction():
    import numpy as np

    code = "import numpy as np\ndef e_step(Tinv, w_m):\n    return np.sum(Tinv * w_m[:, :, np.newaxis, :], -1)\n"
    found = lint(code, "BL505")
    assert len(found) == 1 and "inserts an axis" in found[0].message
    Tinv, w = np.random.rand(5, 3, 2, 2), np.random.rand(5, 3, 2)
    # what the message claims: a contraction (one matrix-vector product per (n, k)), no temporary needed
    assert np.allclose(np.sum(Tinv * w[:, :, np.newaxis, :], -1), np.einsum("nkij,nkj->nki", Tinv, w))


def test_a_new_axis_just_before_an_unknown_run_is_not_claimed():
    code = "import numpy as np\ndef f(T, w):\n    return np.sum(T * w[:, np.newaxis], -1)\n"
    assert lint(code, "BL505") == []


def test_bl501_weighted_sum_of_lists_names_a_rewrite_right_in_either_role():
    # statsmodels' SAVE: `covm += covs[i] * ns[i]`, a list of p x p covariances weighted by group counts;
    # nothing says which side holds the scalars, so `covs @ ns` (the rows of `ns`) would be wrong
    src = NP + ("def f(groups):\n    covs, ns = [], []\n    for v in groups:\n        covs.append(np.cov(v.T))\n"
                "        ns.append(v.shape[0])\n    covm = 0\n    for i, _ in enumerate(covs):\n"
                "        covm += covs[i] * ns[i]\n    return covm\n")
    found = codes(src, "BL501")
    assert len(found) == 1 and "np.tensordot(covs, ns, axes=(0, 0))" in found[0].message
    assert "covs @ ns" not in found[0].message and "rows of" not in found[0].message
    rng = np.random.default_rng(5)
    covs = [rng.standard_normal((3, 3)) for _ in range(4)]
    ns = [3, 5, 2, 7]
    expected = sum(c * n for c, n in zip(covs, ns))
    np.testing.assert_allclose(np.tensordot(covs, ns, axes=(0, 0)), expected)
    np.testing.assert_allclose(np.tensordot(ns, covs, axes=(0, 0)), expected)  # the other role, the same sum


def test_bl501_weighted_rows_known_weights_keep_the_vector_matrix_product():
    src = NP + ("def f(X, T):\n    w = np.linspace(0, 1, T)\n    acc = np.zeros(X.shape[1])\n    for t in range(T):\n"
                "        acc += X[t] * w[t]\n    return acc\n")
    found = codes(src, "BL501")
    assert len(found) == 1 and "w @ X" in found[0].message and "tensordot" not in found[0].message


CENTRED_FORMS = {
    "enumerate rows, inline": NP + "def f(X, mean, P):\n    out = np.zeros(len(X))\n    for i, sample in enumerate(X):\n"
        "        out[i] = (sample - mean).T.dot(P).dot((sample - mean))\n    return out\n",
    "bound difference, method dots": NP + "def f(X, mean, P):\n    out = np.zeros(len(X))\n    for i in range(len(X)):\n"
        "        d = X[i] - mean\n        out[i] = d.dot(P).dot(d)\n    return out\n",
    "bound difference, @": NP + "def f(X, mean, P):\n    out = np.zeros(len(X))\n    for i in range(X.shape[0]):\n"
        "        d = X[i] - mean\n        out[i] = d @ P @ d\n    return out\n",
}


@pytest.mark.parametrize("name", sorted(CENTRED_FORMS))
def test_bl501_centred_quadratic_forms_per_row_and_the_rewrite_computes_the_same(name):
    src = CENTRED_FORMS[name]
    found = codes(src, "BL501")
    assert len(found) == 1 and "((D @ P) * D).sum(1)" in found[0].message
    assert "np.einsum('ij,ij->i', D @ P, D)" in found[0].message  # BLAS first, as BL502 asks
    assert "D = X - mean" in found[0].message
    rng = np.random.default_rng(11)
    for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-4)):
        X = rng.standard_normal((30, 4)).astype(dtype)
        mean = X.mean(0)
        P = rng.standard_normal((4, 4)).astype(dtype)
        scope: dict = {}
        exec(src, scope)
        loop = scope["f"](X.copy(), mean, P)
        D = X - mean
        np.testing.assert_allclose(np.einsum("ij,ij->i", D @ P, D), loop, rtol=tol, atol=tol)
        np.testing.assert_allclose(((D @ P) * D).sum(1), loop, rtol=tol, atol=tol)


@pytest.mark.parametrize("src", [
    # a matrix subtracted: the difference is no row
    NP + "def f(X, P):\n    M = np.ones((3, 3))\n    out = np.zeros(len(X))\n    for i in range(len(X)):\n"
         "        d = X[i] - M\n        out[i] = d.dot(P).dot(d)\n    return out\n",
    # the two sides differ: a bilinear form of two centrings, not the rows' quadratic form
    NP + "def f(X, m1, m2, P):\n    out = np.zeros(len(X))\n    for i in range(len(X)):\n"
         "        out[i] = (X[i] - m1).dot(P).dot(X[i] - m2)\n    return out\n",
    # rows of a list of trials (no data-matrix name, no evidence): each item may be a whole matrix
    NP + "def f(trials, mean, P):\n    out = []\n    for t in trials:\n        d = t - mean\n"
         "        out.append(d.dot(P).dot(d))\n    return out\n",
])
def test_bl501_centred_quadratic_form_look_alikes(src):
    assert not [d for d in codes(src, "BL501") if "quadratic" in d.message]


def test_bl503_known_vector_beside_an_unknown_factor_is_info_and_names_both():
    src = NP + "def f(X):\n    v = np.ones(X.shape[1])\n    return np.sum(X * v, axis=1)\n"
    found = codes(src, "BL503")
    assert len(found) == 1 and found[0].fix is None and found[0].severity == "info"
    assert "`v` is 1-D" in found[0].message and "`X` of unknown shape" in found[0].message
    # the rewrite it names for a 2-D X, on numbers
    rng = np.random.default_rng(4)
    X, v = rng.standard_normal((6, 3)), rng.standard_normal(3)
    np.testing.assert_allclose(np.sum(X * v, axis=1), X @ v)
    # a literal small vector: nothing to save
    assert not codes(NP + "def f(X):\n    v = np.array([1.0, 2.0, 3.0])\n    return np.sum(X * v, axis=1)\n", "BL503")


@pytest.mark.parametrize("spec,order", [("ij,j,j->i", "M @ v"), ("ji,j,j->i", "v @ M"), ("j,ij,j->i", "M @ v")])
def test_bl502_two_vectors_on_the_summed_index_name_a_matvec_that_computes_the_same(spec, order):
    from blaslint.rules.vectorize._einsum_forms import scaled_vector_form
    from blaslint.rules.vectorize._einsum_spec import parse
    template = scaled_vector_form(parse(spec))
    assert template is not None
    rng = np.random.default_rng(8)
    M, a, b = rng.standard_normal((50, 50)), rng.standard_normal(50), rng.standard_normal(50)
    ops = [a, M, b] if spec.startswith("j,") else [M, a, b]
    rewritten = eval(template.format("ops[0]", "ops[1]", "ops[2]"))
    np.testing.assert_allclose(rewritten, np.einsum(spec, *ops), rtol=1e-10)
    src = NP + f"def f(x, mu, Js):\n    return np.einsum('{spec}', " + ("mu, x, Js" if spec.startswith("j,") else "x, mu, Js") + ")\n"
    found = codes(src, "BL502")
    assert len(found) == 1 and found[0].fix is None and "the same matrix-vector product through BLAS" in found[0].message


def test_bl502_two_data_sized_operands_on_one_subscript_stay_fused():
    # `(x * x) @ J` makes a temporary as large as x: the fused einsum measured faster at data sizes
    assert not codes(NP + "def f(x, Js):\n    return np.einsum('ij,ij,j->i', x, x, Js)\n", "BL502")


def test_bl501_items_known_to_be_matrices_are_not_called_row_dots():
    """pyscf's DF-MP2: `x = ints[i, :, :]` (so `ints` is at least 3-D) and `x.T @ x` per item is a Gram matrix
    per item, not a dot of matching rows: the message names a batched product only (read wrong blind)."""
    code = ("import numpy as np\ndef f(ints, n):\n    out = []\n    for i in range(n):\n"
            "        x = ints[i, :, :]\n        out.append(np.dot(x.T, x).sum())\n    return out\n")
    (d,) = [d for d in lint(code) if d.code == "BL501"]
    assert "dots of matching rows" not in d.message and "batched product" in d.message


def test_bl501_weighted_sum_over_a_list_of_matrices_and_sparse_matvecs_are_silent():
    # pyamg's GMRES smoother and energy-based strength (held-out set 22, both read wrong): a Krylov basis
    # appended as sparse matrices is summed with weights (no dot), and `A @ v` with a sparse A per dense
    # column would stack into an n x n matrix
    krylov = ("import numpy as np\nimport scipy.linalg as la\ndef f(R, H, g, i, T):\n    V = []\n"
              "    for k in range(i):\n        V.append((1.0 / k) * R)\n    y = la.solve(H, g)\n"
              "    for j in range(i + 1):\n        T = T + y[j] * V[j]\n    return T\n")
    assert [d for d in lint(krylov, {"BL501"}) if d.code == "BL501"] == []
    vector = krylov.replace("    V = []\n    for k in range(i):\n        V.append((1.0 / k) * R)\n",
                            "    V = np.random.rand(i + 1)\n")
    assert [d.line for d in lint(vector, {"BL501"}) if d.code == "BL501"] == [6]  # a vector of weights: `y @ V`
    strength = ("import numpy as np\nfrom scipy import sparse\ndef f(A, S, n):\n"
                "    if not sparse.issparse(A):\n        raise TypeError('sparse')\n    out = np.empty(n)\n"
                "    for i in range(n):\n        v = S[:, [i]].toarray().ravel()\n        Av = A @ v\n"
                "        out[i] = v @ Av\n    return out\n")
    assert [d for d in lint(strength, {"BL501"}) if d.code == "BL501" and "A @ v" in d.message] == []
