"""BL6 cases: products without a BLAS kernel, and float32 x float64 products."""

from fix_speedups import Case

CASES = [
    Case("BL601", "int64 A @ B -> float64 (cast once, outside the timing)",
         setup="import numpy as np\nA = np.random.randint(0, 10, (n, n))\nB = np.random.randint(0, 10, (n, n))\n"
               "Af = A.astype(np.float64)\nBf = B.astype(np.float64)",
         naive="out = A @ B", fixed="out = Af @ Bf", sizes=(128, 256, 512)),
    Case("BL601", "bool M @ M -> float32 (cast once)",
         setup="import numpy as np\nM = np.random.rand(n, n) < 0.1\nMf = M.astype(np.float32)",
         naive="out = M @ M", fixed="out = (Mf @ Mf) > 0", sizes=(128, 256, 512)),
    Case("BL601", "int64 A @ x (matvec) -> float64 (cast once)",
         setup="import numpy as np\nA = np.random.randint(0, 10, (n, n))\nx = np.random.randint(0, 10, n)\n"
               "Af = A.astype(np.float64)\nxf = x.astype(np.float64)",
         naive="out = A @ x", fixed="out = Af @ xf", sizes=(1024, 4096)),
    Case("BL602", "float32 A @ float64 x -> x cast once to float32",
         setup="import numpy as np\nA = np.random.rand(n, n).astype(np.float32)\nx = np.random.rand(n)\n"
               "x32 = x.astype(np.float32)",
         naive="out = A @ x", fixed="out = A @ x32", sizes=(1024, 4096), rtol=1e-3),
    Case("BL602", "float32 A @ float64 B -> B cast once to float32",
         setup="import numpy as np\nA = np.random.rand(n, n).astype(np.float32)\nB = np.random.rand(n, n)\n"
               "B32 = B.astype(np.float32)",
         naive="out = A @ B", fixed="out = A @ B32", sizes=(256, 1024), rtol=1e-3),
]
