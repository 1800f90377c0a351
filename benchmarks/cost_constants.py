"""Measure the constants of blaslint's cost model on this machine (run by hand, 1 BLAS thread).

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/cost_constants.py

Prints the rates ``blaslint/analysis/cost.py`` states in its docstring:
- GEMM flop rate (level-3 BLAS, n=512 float64): compute-bound work.
- GEMV / elementwise pass rate: bytes moved per second for memory-bound work
  (a copy, a fill, a matrix-vector product over an array larger than cache).
- per-call overhead of a small NumPy call (``a @ b`` on 4x4) and of one Python
  loop iteration doing nothing: what a loop of small calls costs beyond its flops.
- inv+product vs solve at n=256, 1024: the factor the inverse-solve estimate uses.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def best(fn, repeat=7, number=1):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times), statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    n = 512
    A, B = rng.random((n, n)), rng.random((n, n))
    t, _ = best(lambda: A @ B, repeat=5)
    print(f"gemm n={n}: {2 * n**3 / t / 1e9:.1f} GFLOP/s")

    m = 4096
    M, x = rng.random((m, m)), rng.random(m)
    t, _ = best(lambda: M @ x, repeat=5)
    print(f"gemv n={m}: {M.nbytes / t / 1e9:.2f} GB/s ({2 * m * m / t / 1e9:.2f} GFLOP/s)")

    big = rng.random(16_000_000)  # 128 MB
    out = np.empty_like(big)
    t, _ = best(lambda: np.copyto(out, big), repeat=5)
    print(f"copy 128MB: {2 * big.nbytes / t / 1e9:.2f} GB/s (read+write)")
    t, _ = best(lambda: out.fill(0.0), repeat=5)
    print(f"fill 128MB: {big.nbytes / t / 1e9:.2f} GB/s")
    t, _ = best(lambda: np.zeros(16_000_000), repeat=5)
    print(f"np.zeros 128MB: {t * 1e3:.2f} ms (calloc: pages are zeroed on first touch)")

    a4, b4 = rng.random((4, 4)), rng.random((4, 4))
    t, _ = best(lambda: a4 @ b4, repeat=7, number=20000)
    print(f"small call (4x4 @): {t * 1e6:.2f} us")
    t, _ = best(lambda: np.zeros(16), repeat=7, number=20000)
    print(f"small allocation np.zeros(16): {t * 1e6:.2f} us")

    def loop():
        for _ in range(100000):
            pass
    t, _ = best(loop, repeat=5)
    print(f"python loop iteration: {t / 100000 * 1e9:.1f} ns")

    v = np.random.rand(10000)
    t, _ = best(lambda: sum(v), repeat=5)
    print(f"built-in sum over a float64 array: {t / v.size * 1e9:.1f} ns per element")

    t, _ = best(lambda: np.einsum("ij,jk->ik", A, B), repeat=3)
    print(f"einsum matmul n={n} (no optimize): {2 * n**3 / t / 1e9:.2f} GFLOP/s")
    Ai, Bi = (A * 100).astype(np.int64), (B * 100).astype(np.int64)
    t, _ = best(lambda: Ai @ Bi, repeat=3)
    print(f"int64 matmul n={n}: {2 * n**3 / t / 1e9:.2f} GFLOP/s (no BLAS)")

    for k in (256, 1024):
        S = rng.random((k, k)) + k * np.eye(k)
        b = rng.random(k)
        ti, _ = best(lambda: np.linalg.inv(S) @ b, repeat=5)
        ts, _ = best(lambda: np.linalg.solve(S, b), repeat=5)
        print(f"inv@b n={k}: {ti * 1e3:.2f} ms, solve {ts * 1e3:.2f} ms, saved {(ti - ts) / k**3 * 1e9:.3f} ns/n^3")


if __name__ == "__main__":
    main()
