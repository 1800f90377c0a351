"""BL1 cases: transposed copies (BL101) and C-ordered matrices given to f2py BLAS (BL102)."""

from fix_speedups import Case

_F32 = ("import numpy as np\nfrom scipy.linalg.blas import sgemv, sgemm\n"
        "rng = np.random.default_rng(0)\nW = rng.random((n, n), dtype=np.float32)\n"
        "x = rng.random(n, dtype=np.float32)\nB = rng.random((n, n), dtype=np.float32)\n")


def _square(copies):
    return lambda n: copies * n * n * 4


CASES = [
    Case("BL101", "sgemv(1, W.T.copy(), x) -> sgemv(1, W.T, x)", setup=_F32,
         naive="out = sgemv(1.0, W.T.copy(), x)", fixed="out = sgemv(1.0, W.T, x)",
         sizes=(1024, 4096), bytes_for=_square(4)),
    Case("BL101", "W.T.copy() @ x -> W.T @ x", setup=_F32,
         naive="out = W.T.copy() @ x", fixed="out = W.T @ x", sizes=(1024, 4096), bytes_for=_square(3)),
    Case("BL101", "np.ascontiguousarray(W.T) @ B -> W.T @ B (gemm)", setup=_F32,
         naive="out = np.ascontiguousarray(W.T) @ B", fixed="out = W.T @ B", sizes=(512, 2048),
         bytes_for=_square(4)),
    Case("BL102", "sgemv(1, W, x), W C-ordered -> sgemv(1, W.T, x, trans=1)", setup=_F32,
         naive="out = sgemv(1.0, W, x)", fixed="out = sgemv(1.0, W.T, x, trans=1)",
         sizes=(1024, 4096), bytes_for=_square(3)),
    Case("BL102", "sgemm(1, W, B), C-ordered -> sgemm(1, W.T, B.T, trans_a=1, trans_b=1)", setup=_F32,
         naive="out = sgemm(1.0, W, B)", fixed="out = sgemm(1.0, W.T, B.T, trans_a=1, trans_b=1)",
         sizes=(512, 2048), bytes_for=_square(5)),
]
