"""BL3 cases: allocation in a loop (BL301), loop-invariant linear algebra (BL302)."""

from fix_speedups import Case

_SETUP = "import numpy as np\nrng = np.random.default_rng(0)\n"

CASES = [
    Case("BL301", "np.zeros(n) in a 100-step loop -> allocate once, out=",
         setup=_SETUP + "x = rng.random(n)",
         naive="for _ in range(100):\n    out = np.zeros(n)\n    np.multiply(x, 2.0, out=out)",
         fixed="out = np.empty(n)\nfor _ in range(100):\n    np.multiply(x, 2.0, out=out)",
         sizes=(1000, 100_000, 1_000_000, 10_000_000), bytes_for=lambda n: 16 * n),
    Case("BL301", "np.empty((n, n)) + matmul(out=) in a 10-step loop -> allocate once",
         setup=_SETUP + "A = rng.random((n, n), dtype=np.float32)\nx = rng.random((n, 8), dtype=np.float32)",
         naive="for _ in range(10):\n    out = np.empty((n, n), dtype=np.float32)\n    np.multiply(A, 2.0, out=out)",
         fixed="out = np.empty((n, n), dtype=np.float32)\nfor _ in range(10):\n    np.multiply(A, 2.0, out=out)",
         sizes=(256, 1024, 4096), bytes_for=lambda n: 12 * n * n),
    Case("BL302", "W.T.copy() every step of a 10-step gemv loop -> hoisted",
         setup=_SETUP + "W = rng.random((n, n), dtype=np.float32)\nxs = rng.random((10, n), dtype=np.float32)",
         naive="out = np.empty((10, n), dtype=np.float32)\nfor i in range(10):\n"
               "    Wt = W.T.copy()\n    out[i] = Wt @ xs[i]",
         fixed="out = np.empty((10, n), dtype=np.float32)\nWt = W.T.copy()\nfor i in range(10):\n"
               "    out[i] = Wt @ xs[i]",
         sizes=(1024, 4096), bytes_for=lambda n: 8 * n * n),
    Case("BL302", "inv(A) every step of a 10-step loop -> hoisted",
         setup=_SETUP + "A = rng.random((n, n)) + n * np.eye(n)\nbs = rng.random((10, n))",
         naive="out = np.empty((10, n))\nfor i in range(10):\n    Ai = np.linalg.inv(A)\n    out[i] = Ai @ bs[i]",
         fixed="out = np.empty((10, n))\nAi = np.linalg.inv(A)\nfor i in range(10):\n    out[i] = Ai @ bs[i]",
         sizes=(256, 1024)),
]
