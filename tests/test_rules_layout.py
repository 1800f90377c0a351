"""BL101 transposed-copy and BL102 c-order-to-fortran-blas: spellings people use,
look-alikes that must stay silent, and every fix executed against the original."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from support import assert_fix_equivalent, fix, lint


def codes(code, select):
    return [d.code for d in lint(code, {select})]


def one(code, select):
    found = [d for d in lint(code, {select}) if d.code == select]
    assert len(found) == 1, found
    return found[0]


# -- BL101 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    "W.T.copy()", "np.ascontiguousarray(W.T)", "np.array(W.T)", "np.array(W.T, copy=True)", "np.copy(W.T)",
    "W.transpose().copy()", "np.transpose(W).copy()", "W.T.copy(order='C')", "numpy.ascontiguousarray(W.T)",
    "W.transpose(1, 0).copy()", "W.mT.copy()",
])
def test_bl101_numpy_spellings(expr):
    code = f"import numpy as np\nimport numpy\ny = {expr} @ x\n"
    assert codes(code, "BL101") == ["BL101"]


@pytest.mark.parametrize("use", [
    "y = {c} @ x", "y = x @ {c}", "y = np.dot({c}, x)", "y = np.dot(x, {c})", "y = np.matmul({c}, x)",
    "y = {c}.dot(x)", "y = x.dot({c})", "y = np.linalg.multi_dot([A, {c}, x])",
])
def test_bl101_product_positions(use):
    code = "import numpy as np\n" + use.format(c="W.T.copy()") + "\n"
    assert codes(code, "BL101") == ["BL101"]


@pytest.mark.parametrize("code", [
    "import torch\ny = W.t().contiguous() @ x\n",
    "import torch\ny = torch.matmul(x, W.T.contiguous())\n",
    "import torch\ny = torch.mm(W.transpose(0, 1).contiguous(), x)\n",
    "import torch\ny = torch.addmm(b, x, W.t().contiguous())\n",
    "import torch.nn.functional as F\ny = F.linear(x, W.t().contiguous())\n",
    "from torch.nn import functional as F\ny = F.linear(x, W.T.contiguous(), b)\n",
])
def test_bl101_torch_spellings(code):
    assert codes(code, "BL101") == ["BL101"]


@pytest.mark.parametrize("code", [
    "from scipy.linalg.blas import dgemv\ny = dgemv(1.0, W.T.copy(), x)\n",
    "from scipy.linalg import blas as fblas\ny = fblas.dgemv(1.0, np.ascontiguousarray(W.T), x)\n",
    "import scipy.linalg.blas as B\ny = B.sgemm(1.0, A, b=np.copy(W.T))\n",
    "import scipy.linalg\ny = scipy.linalg.blas.dgemv(alpha=1.0, a=W.T.copy(), x=x)\n",
    "from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\ny = gemv(1.0, W.T.copy(), x)\n",
    "from scipy.linalg.blas import get_blas_funcs\ngemm = get_blas_funcs('gemm', (A,))\nC = gemm(1.0, A.T.copy(), A)\n",
])
def test_bl101_blas_spellings_have_a_safe_fix(code):
    d = one("import numpy as np\n" + code, "BL101")
    assert d.fix is not None and d.fix.is_safe


@pytest.mark.parametrize("code", [
    # a product with the transposed view, no copy
    "import numpy as np\ny = W.T @ x\n",
    # a copy that is not transposed
    "import numpy as np\ny = np.ascontiguousarray(W) @ x\n",
    # a transposed copy of something of known rank 1
    "import numpy as np\nv = np.arange(4.0)\ny = v.T.copy() @ M\n",
    # a transposed 3-D array
    "import numpy as np\nX = np.zeros((2, 3, 4))\ny = X.T.copy() @ v\n",
    # copied with a dtype change
    "import numpy as np\ny = np.array(W.T, dtype=np.float32) @ x\n",
    "import numpy as np\ny = W.T.astype(np.float32) @ x\n",
    # not a product: elementwise, sum, an unknown function, a method we do not know
    "import numpy as np\ny = W.T.copy() * x\n",
    "import numpy as np\ns = W.T.copy().sum()\n",
    "import numpy as np\ny = solve(W.T.copy(), x)\n",
    "import numpy as np\ny = np.linalg.solve(W.T.copy(), x)\n",
    # order-sensitive consumers
    "import numpy as np\nW.T.copy().tofile('w.bin')\n",
    "import numpy as np\nimport ctypes\np = np.ascontiguousarray(W.T).ctypes.data_as(ctypes.c_void_p)\n",
    "import numpy as np\nb = np.frombuffer(W.T.copy(), dtype=np.float64)\n",
    "import numpy as np\nb = memoryview(np.ascontiguousarray(W.T))\n",
    # torch clone keeps the transposed strides; it is not a relayout
    "import torch\ny = W.t().clone() @ x\n",
    # the output buffer of a BLAS call is written, not read
    "import numpy as np\nfrom scipy.linalg.blas import dgemm\nC = dgemm(1.0, A, B, beta=1.0, c=W.T.copy())\n",
    # np.copy of the result of a product is not a transposed copy
    "import numpy as np\ny = np.copy(A @ B).T @ x\n",
])
def test_bl101_look_alikes_are_silent(code):
    assert codes(code, "BL101") == []


@pytest.mark.parametrize("code", [
    # bound to a name that is also used elsewhere
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    y = Wt @ x\n    print(Wt)\n    return y\n",
    # the name is bound twice
    "import numpy as np\ndef f(W, x, flag):\n    Wt = W.T.copy()\n    if flag:\n        Wt = W\n    return Wt @ x\n",
    # mutated through an augmented assignment or a method
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    Wt *= 2\n    return Wt @ x\n",
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    Wt.sort()\n    return Wt @ x\n",
    # the source changes while the copy is alive
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    W[0, 0] = 5\n    return Wt @ x\n",
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    np.copyto(W, 0)\n    return Wt @ x\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\ndef f(W, u, v, x):\n    Wt = W.T.copy()\n"
    "    dger(1.0, u, v, a=W, overwrite_a=1)\n    return Wt @ x\n",
    "import numpy as np\ndef f(W, x):\n    Wt = W.T.copy()\n    update(W)\n    return Wt @ x\n",
    "import numpy as np\ndef f(self, x):\n    Wt = self.W.T.copy()\n    self.step()\n    return Wt @ x\n",
    # the copy made before a loop that changes the source: a snapshot across iterations
    "import numpy as np\ndef f(W, xs, lr):\n    Wt = W.T.copy()\n    for x in xs:\n        g = Wt @ x\n"
    "        W -= lr * np.outer(x, g)\n    return W\n",
    # returned or yielded
    "import numpy as np\ndef f(W):\n    Wt = W.T.copy()\n    return Wt\n",
    # a module-level global that another function could read
    "import numpy as np\nWt = W.T.copy()\ndef g():\n    global Wt\n    Wt = None\ny = Wt @ x\n",
])
def test_bl101_bound_copy_negatives(code):
    assert codes(code, "BL101") == []


def test_bl101_bound_copy_used_in_a_loop_is_flagged_and_fixed_in_its_binding():
    code = textwrap.dedent("""\
        import numpy as np
        from scipy.linalg.blas import sgemv

        def backward(W, errors):
            Wt = W.T.copy()
            out = []
            for e in errors:
                out.append(sgemv(1.0, Wt, e))
            return out
    """)
    d = one(code, "BL101")
    assert "bound to `Wt`" in d.message and d.fix.is_safe
    assert "    Wt = W.T\n" in fix(code, {"BL101"}, unsafe=False)


SETUP_F32 = """
import numpy as np
W = np.random.rand(70, 50).astype(np.float32)
x = np.random.rand(70).astype(np.float32)
B = np.random.rand(70, 30).astype(np.float32)
"""


@pytest.mark.parametrize("code", [
    "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T.copy(), x)\n",
    "import numpy as np\nfrom scipy.linalg import blas as fblas\ny = fblas.sgemv(1.0, np.ascontiguousarray(W.T), x, beta=0.0)\n",
    "import numpy as np\nfrom scipy.linalg.blas import sgemm\ny = sgemm(1.0, np.copy(W.T), B)\n",
    "from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\n"
    "Wt = W.T.copy()\ny = gemv(1.0, Wt, x)\nz = gemv(2.0, Wt, x)\n",
])
def test_bl101_blas_fix_is_exact(code):
    assert_fix_equivalent(code, SETUP_F32, ["y"], codes={"BL101"}, unsafe=False, exact=True)


@pytest.mark.parametrize("code", [
    "y = W.T.copy() @ x\n",
    "y = np.dot(np.ascontiguousarray(W.T), B)\n",
    "y = np.matmul(W.transpose().copy(), x)\n",
    "y = np.transpose(W).copy().dot(B)\n",
    "def f(W, x):\n    Wt = W.T.copy()\n    return Wt @ x, Wt @ (2 * x)\n\ny = f(W, x)\n",
])
def test_bl101_product_fix_keeps_results(code):
    fixed = assert_fix_equivalent("import numpy as np\n" + code, SETUP_F32, ["y"], codes={"BL101"},
                                  unsafe=True, rtol=1e-5, atol=1e-6)
    assert ".copy()" not in fixed and "ascontiguousarray" not in fixed


def test_bl101_product_fix_is_unsafe_because_another_kernel_may_round_differently():
    d = one("import numpy as np\ny = W.T.copy() @ x\n", "BL101")
    assert d.fix is not None and not d.fix.is_safe
    assert fix("import numpy as np\ny = W.T.copy() @ x\n", {"BL101"}, unsafe=False).endswith("W.T.copy() @ x\n")


def test_bl101_message_names_the_consumer_and_the_cost():
    d = one("from scipy.linalg.blas import dgemv\ny = dgemv(1.0, W.T.copy(), x)\n", "BL101")
    assert "`dgemv`" in d.message and "W.T" in d.message and "measured" in d.message


# -- BL102 ---------------------------------------------------------------------------------

HEAD = "import numpy as np\nrng = np.random.default_rng(0)\nW = rng.random((60, 40), dtype=np.float32)\n"


@pytest.mark.parametrize("call", [
    "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W, x)",
    "from scipy.linalg.blas import sgemv\ny = sgemv(alpha=1.0, a=W, x=x)",
    "from scipy.linalg import blas as fblas\ny = fblas.sgemv(1.0, W, x, 0.0, y0)",
    "import scipy.linalg.blas as B\ny = B.sgemv(1.0, W, x, trans=0)",
    "import scipy.linalg\ny = scipy.linalg.blas.sgemv(1.0, W, x)",
    "from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\ny = gemv(1.0, W, x)",
    "from scipy.linalg.blas import get_blas_funcs\ngemv = get_blas_funcs('gemv', (W,))\ny = gemv(1.0, W, x)",
    "from scipy.linalg.blas import sgemm\nC = sgemm(1.0, W, B0)",
    "from scipy.linalg.blas import ssymv\ny = ssymv(1.0, W, x)",
    "from scipy.linalg.blas import strmv\ny = strmv(W, x)",
    "from scipy.linalg.blas import ssyrk\nC = ssyrk(1.0, W)",
])
def test_bl102_spellings(call):
    assert codes(HEAD + call + "\n", "BL102") == ["BL102"]


@pytest.mark.parametrize("code", [
    # F-ordered: from creation, asfortranarray, the transpose of a C-ordered array
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.zeros((5, 4), order='F')\ny = dgemv(1.0, W, x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.asfortranarray(np.ones((5, 4)))\n"
    "y = dgemv(1.0, W, x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.ones((5, 4))\nWt = W.T\ny = dgemv(1.0, Wt, x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.ones((5, 4))\ny = dgemv(1.0, W.T, x, trans=1)\n",
    # order unknown: a parameter, a slice, a function's result, rebinding in a branch
    "from scipy.linalg.blas import dgemv\ndef f(W, x):\n    return dgemv(1.0, W, x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.ones((5, 4))\ny = dgemv(1.0, W[:, :2], x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\ny = dgemv(1.0, load(), x)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nW = np.ones((5, 4))\nif c:\n"
    "    W = np.asfortranarray(W)\ny = dgemv(1.0, W, x)\n",
    # the dtype forces a copy anyway (another rule's business)
    "import numpy as np\nfrom scipy.linalg.blas import sgemv\nW = np.ones((5, 4))\ny = sgemv(1.0, W, x)\n",
    # vectors and rank-1 updates
    "import numpy as np\nfrom scipy.linalg.blas import ddot, dger\nx = np.ones(5)\nd = ddot(x, x)\nA = dger(1.0, x, x)\n",
    # numpy's own products take any order
    "import numpy as np\nW = np.ones((5, 4))\ny = W @ x\n",
    # LAPACK (another family of copies: overwrite_a)
    "import numpy as np\nfrom scipy.linalg.lapack import dgetrf\nA = np.ones((4, 4))\nlu, piv, info = dgetrf(A)\n",
    # a local function that happens to be called sgemv
    "import numpy as np\ndef sgemv(a, W, x):\n    return a * W @ x\nW = np.ones((5, 4), dtype=np.float32)\n"
    "y = sgemv(1.0, W, x)\n",
])
def test_bl102_silent(code):
    assert codes(code, "BL102") == []


SETUP_BLAS = """
import numpy as np
rng = np.random.default_rng(0)
x = rng.random(40, dtype=np.float32)
x2 = rng.random(60, dtype=np.float32)
xs = rng.random(60, dtype=np.float32)
"""


@pytest.mark.parametrize("code", [
    "from scipy.linalg.blas import sgemv\nW = rng.random((60, 40), dtype=np.float32)\ny = sgemv(1.0, W, x)\n",
    "from scipy.linalg.blas import sgemv\nW = rng.random((60, 40), dtype=np.float32)\n"
    "y = sgemv(2.0, W, x2, 0.0, None, 0, 1, 0, 1, 1)\n",
    "from scipy.linalg.blas import sgemv\nW = rng.random((60, 40), dtype=np.float32)\ny = sgemv(1.0, a=W, x=x2, trans=True)\n",
    "from scipy.linalg import blas as fblas\nW = rng.random((60, 40), dtype=np.float32)\n"
    "y = fblas.sgemv(1.0, W, x, 0.0)\n",
    "from scipy.linalg import get_blas_funcs\nW = rng.random((60, 40))\n"
    "gemv, = get_blas_funcs(('gemv',), (W,))\ny = gemv(1.0, W, x)\n",
    "import scipy.linalg.blas as B\nW = rng.random((60, 40), dtype=np.float32)\nV = rng.random((40, 30), dtype=np.float32)\n"
    "y = B.sgemm(1.0, W, V)\n",
    "import scipy.linalg.blas as B\nW = rng.random((60, 40), dtype=np.float32)\nV = rng.random((30, 40), dtype=np.float32)\n"
    "y = B.sgemm(1.0, W, V, trans_b=1)\n",
    "from scipy.linalg.blas import ssymv\nW = rng.random((60, 60), dtype=np.float32)\nW = W + W.T\n"
    "y = ssymv(1.0, W, xs)\nz = ssymv(1.0, W, xs, lower=1)\n",
    "from scipy.linalg.blas import dsymv\nW = rng.random((60, 60))\ny = dsymv(1.0, W, xs)\n",
])
def test_bl102_fix_keeps_results(code):
    code = "import numpy as np\nrng = np.random.default_rng(0)\n" + code
    fixed = assert_fix_equivalent(code, SETUP_BLAS, ["y"], codes={"BL102"}, unsafe=True, rtol=1e-4, atol=1e-5)
    assert "W.T" in fixed
    assert codes(fixed, "BL102") == []  # nothing left to copy


def test_bl102_symmetric_fix_reads_the_same_triangle():
    # an asymmetric matrix: symv reads only the upper triangle (lower=0); the fix must read the same numbers
    code = ("import numpy as np\nrng = np.random.default_rng(0)\nfrom scipy.linalg.blas import dsymv\n"
            "W = rng.random((60, 60))\ny = dsymv(1.0, W, xs)\n")
    fixed = assert_fix_equivalent(code, SETUP_BLAS, ["y"], codes={"BL102"}, unsafe=True, rtol=1e-12, atol=1e-12)
    assert "dsymv(1.0, W.T, xs, lower=1)" in fixed


@pytest.mark.parametrize("code", [
    # trans not a literal
    "from scipy.linalg.blas import sgemv\nW = np.ones((5, 4), dtype=np.float32)\ny = sgemv(1.0, W, x, trans=t)\n",
    # complex conjugate transpose cannot be expressed on W.T
    "from scipy.linalg.blas import zgemv\nW = np.ones((5, 4), dtype=np.complex128)\ny = zgemv(1.0, W, x, trans=2)\n",
    # hermitian: the mirrored triangle is conjugated
    "from scipy.linalg.blas import zhemv\nW = np.ones((4, 4), dtype=np.complex128)\ny = zhemv(1.0, W, x)\n",
    # no flag to flip
    "from scipy.linalg.blas import dtrmv\nW = np.ones((4, 4))\ny = dtrmv(W, x)\n",
])
def test_bl102_reported_without_fix(code):
    d = one("import numpy as np\n" + code, "BL102")
    assert d.fix is None


def test_bl102_one_finding_per_call_and_the_message():
    code = HEAD + "from scipy.linalg.blas import sgemm\nV = rng.random((40, 30), dtype=np.float32)\nC = sgemm(1.0, W, V)\n"
    d = one(code, "BL102")
    assert "`W` and `V`" in d.message and "Fortran" in d.message and "measured" in d.message
    assert "sgemm(1.0, W.T, V.T, trans_a=1, trans_b=1)" in fix(code, {"BL102"})


def test_bl102_leaves_transposed_copies_to_bl101():
    code = HEAD + "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W.T.copy(), x)\n"
    assert codes(code, "BL102") == [] and codes(code, "BL101") == ["BL101"]
    # a transposed copy BL101 cannot drop (it is mutated) is a C-ordered array like any other
    code = HEAD + "from scipy.linalg.blas import sgemv\nWt = W.T.copy()\nWt[0] = 0\ny = sgemv(1.0, Wt, x)\n"
    assert codes(code, "BL101") == [] and codes(code, "BL102") == ["BL102"]


def test_bl102_real_wrapper_no_longer_copies_after_the_fix():
    from scipy.linalg.blas import sgemv

    code = HEAD + "from scipy.linalg.blas import sgemv\ny = sgemv(1.0, W, x)\n"
    fixed = fix(code, {"BL102"})
    assert "sgemv(1.0, W.T, x, trans=1)" in fixed
    W = np.random.default_rng(0).random((60, 40), dtype=np.float32)
    x = np.ones(40, np.float32)
    np.testing.assert_allclose(sgemv(1.0, W.T, x, trans=1), W @ x, rtol=1e-5)


@pytest.mark.parametrize("code", [
    "y = torch.mm(W.t().contiguous(), B)\n",
    "y = W.T.contiguous() @ x\n",
    "y = F.linear(B.T, W.t().contiguous())\n",
])
def test_bl101_torch_fix_keeps_results(code):
    pytest.importorskip("torch")  # the test extra installs torch only where its CPU wheel exists
    setup = ("import numpy as np\nimport torch\nW = torch.from_numpy(np.random.rand(70, 50).astype(np.float32))\n"
             "x = torch.from_numpy(np.random.rand(70).astype(np.float32))\n"
             "B = torch.from_numpy(np.random.rand(70, 30).astype(np.float32))\n")
    fixed = assert_fix_equivalent("import torch\nimport torch.nn.functional as F\n" + code, setup, ["y"],
                                  codes={"BL101"}, unsafe=True, rtol=1e-5, atol=1e-5)
    assert "contiguous" not in fixed
