"""BL4 cases."""

from fix_speedups import Case

CASES = [
    Case("BL401", "inv(A) @ b -> solve(A, b), vector rhs",
         setup="import numpy as np\nA = np.random.rand(n, n) + n * np.eye(n)\nb = np.random.rand(n)",
         naive="out = np.linalg.inv(A) @ b", fixed="out = np.linalg.solve(A, b)",
         sizes=(256, 1024, 4096)),
]
