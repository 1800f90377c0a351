"""BL601 non-blas-dtype and BL602 mixed-precision-product: realistic finds and look-alikes."""

from __future__ import annotations

import textwrap

import pytest

from support import lint


def found(code: str, rule: str) -> list:
    return [d for d in lint(textwrap.dedent(code), {rule}) if d.code == rule]


NP = "import numpy as np\n"

BL601_FOUND = [
    NP + "A = np.random.randint(0, 10, size=(n, n))\nB = np.random.randint(0, 10, size=(n, n))\nC = A @ B\n",
    NP + "rng = np.random.default_rng(1)\nG = rng.integers(0, 5, (400, 400))\nP = np.dot(G, G)\n",
    NP + "adj = np.random.rand(500, 500) < 0.1\npaths = adj.astype(int) @ adj.astype(int)\n",
    NP + "M = np.random.rand(n, n) > 0.5\nR = M @ M\n",
    NP + "A = np.zeros((n, n), dtype=np.int32)\nx = np.ones(n, dtype=np.int32)\ny = A @ x\n",
    NP + "A = np.eye(n, dtype=int)\nB = A.T.dot(A)\n",
    NP + "X = np.ones((n, 64), dtype=np.int64)\nK = np.matmul(X, X.T)\n",
    NP + "O = np.empty((n, n), dtype=object)\nQ = O @ O\n",
    NP + "C = np.arange(10000, dtype=np.int64).reshape(100, 100)\nD = C @ C\n",
    NP + "T = np.ones((n, n), dtype=np.uint8)\nU = np.tensordot(T, T, axes=1)\n",
]

BL601_SILENT = [
    NP + "def f(A, B):\n    return A @ B\n",
    NP + "A = np.random.randint(0, 9, (500, 500))\nB = np.random.rand(500, 500)\nC = A @ B\n",
    NP + "A = np.random.randint(0, 9, (500, 500)).astype(np.float64)\nC = A @ A\n",
    NP + "M = np.array([[1, 2], [3, 4]])\nv = np.array([1, 0])\nw = M @ v\n",
    NP + "M = np.arange(9).reshape(3, 3)\nw = M @ M\n",
    NP + "a = np.arange(1000, dtype=np.int64)\ns = a @ a\n",
    "import torch\nA = torch.randint(0, 9, (500, 500))\nC = A @ A\n",
    NP + "A = np.random.rand(500, 500)\nC = A @ A\n",
    NP + "A = np.ones((n, n), dtype=np.float32)\nC = A @ A\n",
    NP + "A = np.random.randint(0, 9, (500, 500))\nC = A * A\n",
    NP + "A = np.random.randint(0, 9, (500, 500))\nC = A @ A.astype(np.float32)\n",
]


@pytest.mark.parametrize("code", BL601_FOUND)
def test_bl601_found(code):
    assert len(found(code, "BL601")) == 1, code


@pytest.mark.parametrize("code", BL601_SILENT)
def test_bl601_silent(code):
    assert found(code, "BL601") == [], code


def test_bl601_message_mentions_cast_and_exactness():
    (d,) = found(BL601_FOUND[0], "BL601")
    assert "int64" in d.message and "2**53" in d.message and d.fix is None
    (d,) = found(BL601_FOUND[3], "BL601")
    assert "bool" in d.message and "logical" in d.message


BL602_FOUND = [
    NP + "A = np.random.rand(512, 512).astype(np.float32)\nx = np.random.rand(512)\ny = A @ x\n",
    NP + "W = np.zeros((n, m), dtype=np.float32)\nX = np.random.randn(m, k)\nY = np.dot(W, X)\n",
    NP + "def f(data):\n    A = np.asarray(data, dtype=np.float32)\n    B = np.eye(64)\n    return A @ B\n",
    NP + "A = np.ones((64, 64), dtype='f4')\nb = np.zeros(64)\nc = A.dot(b)\n",
    NP + "A = np.ones((64, 64), dtype=np.complex64)\nB = np.ones((64, 64), dtype=np.complex128)\nC = A @ B\n",
    NP + "rng = np.random.default_rng()\nA = rng.standard_normal((64, 64), dtype=np.float32)\n"
         "B = rng.standard_normal((64, 64))\nC = np.matmul(A, B)\n",
    NP + "X = np.random.rand(1000, 50).astype(np.float32)\nw = np.zeros(50)\nfor _ in range(10):\n"
         "    p = X @ w\n",
    NP + "def g(X):\n    X = X.astype(np.float32)\n    W = np.random.randn(X.shape[1], 8)\n    return X @ W\n",
    NP + "A = np.random.rand(64, 64).astype(np.float32)\nB = A * np.float64(2.0)\nC = A @ B\n",
]

BL602_SILENT = [
    NP + "A = np.random.rand(64, 64).astype(np.float32)\nx = np.ones(64, dtype=np.float32)\ny = A @ x\n",
    NP + "A = np.random.rand(64, 64)\nx = np.random.rand(64)\ny = A @ x\n",
    NP + "A = np.zeros((64, 64), dtype=np.float32)\ny = (2.0 * A) @ A\n",
    NP + "def f(x):\n    A = np.zeros((64, 64), dtype=np.float32)\n    return A @ x\n",
    "import torch\nA = torch.randn(64, 64)\nx = torch.randn(64, dtype=torch.float64)\ny = A @ x\n",
    NP + "A = np.zeros((64, 64), dtype=np.float32)\nx = np.random.rand(64)\ny = A @ x.astype(np.float32)\n",
    NP + "R = np.eye(3, dtype=np.float32)\nP = np.random.rand(3, 1000)\nQ = R @ P\n",
    NP + "A = np.zeros((64, 64), dtype=np.float32)\ns = np.float64(2.0)\nB = np.dot(s, A)\n",
    NP + "A = np.zeros((64, 64), dtype=np.float32)\nB = np.random.rand(64, 64)\nC = A * B\n",
]


@pytest.mark.parametrize("code", BL602_FOUND)
def test_bl602_found(code):
    assert len(found(code, "BL602")) == 1, code


@pytest.mark.parametrize("code", BL602_SILENT)
def test_bl602_silent(code):
    assert found(code, "BL602") == [], code


def test_bl602_message_says_which_operand_to_cast():
    (d,) = found(BL602_FOUND[0], "BL602")
    assert "float32 `A`" in d.message and "cast `x` to float32" in d.message and d.fix is None
