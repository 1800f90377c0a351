"""BL5 cases: Python loops of dots, einsum without BLAS, reductions that are dots or norms."""

from fix_speedups import Case

MV = "import numpy as np\nA = np.random.rand(n, n)\nx = np.random.rand(n)"
MM = "import numpy as np\nA = np.random.rand(n, n)\nB = np.random.rand(n, n)"

CASES = [
    Case("BL501", "np.array([A[i] @ x for i]) -> A @ x (matvec)", setup=MV,
         naive="out = np.array([A[i] @ x for i in range(n)])", fixed="out = A @ x",
         sizes=(256, 1024, 4096)),
    Case("BL501", "for i: y[i] = np.dot(A[i], x) -> y[:] = A @ x", setup=MV + "\ny = np.zeros(n)",
         naive="for i in range(n):\n    y[i] = np.dot(A[i], x)\nout = y", fixed="y[:] = A @ x\nout = y",
         sizes=(256, 1024, 4096)),
    Case("BL501", "C[i, j] = A[i] @ B[:, j] loops -> A @ B", setup=MM,
         naive="out = np.array([[A[i] @ B[:, j] for j in range(n)] for i in range(n)])", fixed="out = A @ B",
         sizes=(64, 256)),
    Case("BL501", "sum(a[i] * b[i] for i) -> a @ b",
         setup="import numpy as np\na = np.random.rand(n)\nb = np.random.rand(n)",
         naive="out = sum(a[i] * b[i] for i in range(n))", fixed="out = a @ b", sizes=(1024, 65536)),
    Case("BL502", "einsum('ij,jk->ik') -> A @ B", setup=MM,
         naive="out = np.einsum('ij,jk->ik', A, B)", fixed="out = A @ B", sizes=(256, 512, 1024)),
    Case("BL502", "einsum('bij,bjk->bik') -> A @ B (64 batches)",
         setup="import numpy as np\nA = np.random.rand(64, n, n)\nB = np.random.rand(64, n, n)",
         naive="out = np.einsum('bij,bjk->bik', A, B)", fixed="out = A @ B", sizes=(32, 128, 256)),
    Case("BL502", "einsum('ij,j->i') -> A @ x", setup=MV,
         naive="out = np.einsum('ij,j->i', A, x)", fixed="out = A @ x", sizes=(512, 2048, 4096)),
    Case("BL502", "einsum('i,i->') -> a @ b",
         setup="import numpy as np\na = np.random.rand(n)\nb = np.random.rand(n)",
         naive="out = np.einsum('i,i->', a, b)", fixed="out = a @ b", sizes=(1000, 100000, 1000000)),
    Case("BL502", "einsum('i,j->ij') -> np.outer",
         setup="import numpy as np\na = np.random.rand(n)\nb = np.random.rand(n)",
         naive="out = np.einsum('i,j->ij', a, b)", fixed="out = np.outer(a, b)", sizes=(256, 1024, 4096)),
    Case("BL502", "einsum('ij,jk,kl->il') 3 operands -> optimize=True",
         setup=MM + "\nC = np.random.rand(n, n)",
         naive="out = np.einsum('ij,jk,kl->il', A, B, C)",
         fixed="out = np.einsum('ij,jk,kl->il', A, B, C, optimize=True)", sizes=(100, 200, 400)),
    Case("BL503", "np.sum(a * b) -> np.dot(a, b)",
         setup="import numpy as np\na = np.random.rand(n)\nb = np.random.rand(n)",
         naive="out = np.sum(a * b)", fixed="out = np.dot(a, b)", sizes=(1000, 100000, 10000000)),
    Case("BL503", "np.sqrt(np.sum(x ** 2)) -> np.linalg.norm(x)",
         setup="import numpy as np\nx = np.random.rand(n)",
         naive="out = np.sqrt(np.sum(x ** 2))", fixed="out = np.linalg.norm(x)", sizes=(1000, 100000, 10000000)),
]
