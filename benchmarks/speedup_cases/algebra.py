"""BL4 cases: what each algebra fix saves (float64, OpenBLAS, see the machine line)."""

from fix_speedups import Case

_SQUARE = "import numpy as np\nA = np.random.rand(n, n) + n * np.eye(n)\n"

CASES = [
    Case("BL401", "inv(A) @ b -> solve(A, b), vector rhs",
         setup=_SQUARE + "b = np.random.rand(n)",
         naive="out = np.linalg.inv(A) @ b", fixed="out = np.linalg.solve(A, b)",
         sizes=(256, 1024, 4096)),
    Case("BL401", "inv(A) @ B -> solve(A, B), n x n rhs",
         setup=_SQUARE + "B = np.random.rand(n, n)",
         naive="out = np.linalg.inv(A) @ B", fixed="out = np.linalg.solve(A, B)",
         sizes=(256, 1024, 4096)),
    Case("BL401", "pinv(X) @ y -> lstsq(X, y), 2n x n",
         setup="import numpy as np\nX = np.random.rand(2 * n, n)\ny = np.random.rand(2 * n)",
         naive="out = np.linalg.pinv(X) @ y", fixed="out = np.linalg.lstsq(X, y, rcond=None)[0]",
         sizes=(256, 1024, 2048), rtol=1e-3, atol=1e-5),
    Case("BL402", "np.diag(d) @ A -> d[:, None] * A",
         setup="import numpy as np\nd = np.random.rand(n)\nA = np.random.rand(n, n)",
         naive="out = np.diag(d) @ A", fixed="out = d[:, None] * A",
         sizes=(256, 1024, 4096)),
    Case("BL402", "X.T @ np.diag(w) @ X -> X.T * w @ X (X is 4n x n/4)",
         setup="import numpy as np\nX = np.random.rand(4 * n, n // 4)\nw = np.random.rand(4 * n)",
         naive="out = X.T @ np.diag(w) @ X", fixed="out = X.T * w @ X",
         sizes=(256, 1024, 2048)),
    Case("BL403", "np.trace(A @ B) -> einsum('ij,ji->', A, B)",
         setup="import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)",
         naive="out = np.trace(A @ B)", fixed="out = np.einsum('ij,ji->', A, B)",
         sizes=(256, 1024, 4096)),
    Case("BL403", "np.diag(A @ B) -> einsum('ij,ji->i', A, B)",
         setup="import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)",
         naive="out = np.diag(A @ B)", fixed="out = np.einsum('ij,ji->i', A, B)",
         sizes=(256, 1024, 4096)),
    Case("BL403", "(A @ B)[i, j] -> A[i] @ B[:, j]",
         setup="import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)\ni, j = 3, 5",
         naive="out = (A @ B)[i, j]", fixed="out = A[i] @ B[:, j]",
         sizes=(256, 1024, 4096)),
    Case("BL404", "A @ B @ x -> A @ (B @ x)",
         setup="import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)\nx = np.random.rand(n)",
         naive="out = A @ B @ x", fixed="out = A @ (B @ x)",
         sizes=(256, 1024, 4096)),
    Case("BL404", "A @ B @ C (n x n/16, n/16 x n, n x n/16) -> A @ (B @ C)",
         setup="import numpy as np\nk = n // 16\nA = np.random.rand(n, k)\nB = np.random.rand(k, n)\n"
               "C = np.random.rand(n, k)",
         naive="out = A @ B @ C", fixed="out = A @ (B @ C)",
         sizes=(256, 1024, 4096)),
    Case("BL405", "y = A @ B; z = A @ B -> compute once",
         setup="import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)",
         naive="y = A @ B\nz = A @ B\nout = y + z", fixed="y = A @ B\nz = y\nout = y + z",
         sizes=(256, 1024, 2048)),
]

# Forms real code uses (issues 12 and 13).
CASES += [
    Case("BL401", "pinv(X) @ Y -> lstsq(X, Y), 2n x n, 64-column rhs (lstsq loses here)",
         setup="import numpy as np\nX = np.random.rand(2 * n, n)\nY = np.random.rand(2 * n, 64)",
         naive="out = np.linalg.pinv(X) @ Y", fixed="out = np.linalg.lstsq(X, Y, rcond=None)[0]",
         sizes=(256, 1024), rtol=1e-3, atol=1e-5),
    Case("BL401", "inv(A) @ b with A 3x3 (a Kalman-sized system; negligible)",
         setup="import numpy as np\nA = np.random.rand(3, 3) + 3 * np.eye(3)\nb = np.random.rand(3)",
         naive="out = np.linalg.inv(A) @ b", fixed="out = np.linalg.solve(A, b)", sizes=(3,)),
    Case("BL401", "torch.bmm(torch.linalg.inv(A), B) -> torch.linalg.solve(A, B) (32 batches)",
         setup="import torch\nA = torch.rand(32, n, n, dtype=torch.float64) + n * torch.eye(n, dtype=torch.float64)\n"
               "B = torch.rand(32, n, 8, dtype=torch.float64)",
         naive="out = torch.bmm(torch.linalg.inv(A), B).numpy()", fixed="out = torch.linalg.solve(A, B).numpy()",
         sizes=(64, 256)),
    Case("BL403", "np.trace(A @ A) (power) -> np.sum(A * A.T)",
         setup="import numpy as np\nA = np.random.rand(n, n)",
         naive="out = np.trace(A @ A)", fixed="out = np.sum(A * A.T)", sizes=(256, 1024, 4096)),
]
