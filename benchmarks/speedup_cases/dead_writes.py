"""BL2 cases: zero-fills the next write replaces (BL201), zero-fill + one rank-1 update (BL204)."""

from fix_speedups import Case

_F32 = "import numpy as np\nfrom scipy.linalg.blas import sgemv, sger\nrng = np.random.default_rng(0)\n"

CASES = [
    Case("BL201", "y.fill(0) before sgemv(beta=0) (n x n, F-ordered W)",
         setup=_F32 + "W = np.asfortranarray(rng.random((n, n), dtype=np.float32))\n"
                      "x = rng.random(n, dtype=np.float32)\ny = np.empty(n, dtype=np.float32)",
         naive="y.fill(0)\nsgemv(1.0, W, x, beta=0.0, y=y, overwrite_y=1)\nout = y",
         fixed="sgemv(1.0, W, x, beta=0.0, y=y, overwrite_y=1)\nout = y",
         sizes=(1024, 4096), bytes_for=lambda n: 4 * n * n),
    Case("BL201", "buf.fill(0) before np.multiply(a, b, out=buf) (n x n)",
         setup=_F32 + "a = rng.random((n, n), dtype=np.float32)\nb = rng.random((n, n), dtype=np.float32)\n"
                      "buf = np.empty((n, n), dtype=np.float32)",
         naive="buf.fill(0)\nnp.multiply(a, b, out=buf)\nout = buf",
         fixed="np.multiply(a, b, out=buf)\nout = buf",
         sizes=(1024, 4096), bytes_for=lambda n: 12 * n * n),
    Case("BL201", "np.zeros -> np.empty before np.multiply(out=) (n x n)",
         setup=_F32 + "a = rng.random((n, n), dtype=np.float32)\nb = rng.random((n, n), dtype=np.float32)",
         naive="out = np.zeros((n, n), dtype=np.float32)\nnp.multiply(a, b, out=out)",
         fixed="out = np.empty((n, n), dtype=np.float32)\nnp.multiply(a, b, out=out)",
         sizes=(1024, 4096), bytes_for=lambda n: 12 * n * n),
    Case("BL204", "G.fill(0); sger(...) -> np.outer(u, v, out=G) (2048 x n)",
         setup=_F32 + "G = np.zeros((2048, n), dtype=np.float32, order='F')\n"
                      "u = rng.random(2048, dtype=np.float32)\nv = rng.random(n, dtype=np.float32)",
         naive="G.fill(0)\nsger(1.0, u, v, a=G, overwrite_a=1)\nout = G",
         fixed="np.outer(u, v, out=G)\nout = G",
         sizes=(4096, 32768), bytes_for=lambda n: 4 * 2048 * n),
    Case("BL204", "G.fill(0); G += np.outer(u, v) -> np.outer(u, v, out=G) (2048 x n)",
         setup=_F32 + "G = np.zeros((2048, n), dtype=np.float32)\n"
                      "u = rng.random(2048, dtype=np.float32)\nv = rng.random(n, dtype=np.float32)",
         naive="G.fill(0)\nG += np.outer(u, v)\nout = G",
         fixed="np.outer(u, v, out=G)\nout = G",
         sizes=(4096, 32768), bytes_for=lambda n: 12 * 2048 * n),
]
