"""BL202 blas-result-discarded and BL203 ineffective-overwrite.

Both are correctness rules, so besides the spellings and look-alikes these tests
run the flagged code with the real scipy wrappers: the flagged code really
loses the update, and the fixed code (BL202) really makes it.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from support import fix, lint


def codes(code, select):
    return [d.code for d in lint(code, {select})]


def one(code, select):
    found = [d for d in lint(code, {select}) if d.code == select]
    assert len(found) == 1, found
    return found[0]


def run(code: str, **inputs) -> dict:
    ns = dict(inputs)
    exec(compile(textwrap.dedent(code), "<example>", "exec"), ns)
    return ns


RNG = np.random.default_rng(0)
W = RNG.random((6, 4))
X = RNG.random(4)


# -- BL202 -------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x, beta=0.0, y=y)\n",
    "from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x, 0.0, y)\n",
    "from scipy.linalg import blas as fblas\nfblas.dgemv(1.0, W, x, y=y, overwrite_y=0)\n",
    "import scipy.linalg.blas as B\nB.dgemm(1.0, A, Bm, 1.0, C)\n",
    "import scipy.linalg\nscipy.linalg.blas.dger(1.0, u, v, a=A)\n",
    "from scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\ngemv(1.0, W, x, y=y)\n",
    "from scipy.linalg.blas import get_blas_funcs\nger = get_blas_funcs('ger', (A,))\nger(1.0, u, v, a=A)\n",
    "from scipy.linalg.blas import dsymv\ndef f(S, x, y):\n    dsymv(1.0, S, x, beta=1.0, y=y)\n",
    "from scipy.linalg.blas import dtrmv\ndtrmv(L, x)\n",
    "from scipy.linalg.blas import dgemv\nfor i in range(3):\n    dgemv(1.0, W, x, y=out)\n",
    # no buffer: the result is the work
    "from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x)\n",
    "from scipy.linalg.blas import ddot\nddot(x, y)\n",
    # LAPACK: copies unless overwrite_*
    "from scipy.linalg.lapack import dgetrf\ndgetrf(A)\n",
    "from scipy.linalg import lapack\nlapack.dposv(A, b)\n",
    "from scipy.linalg import get_lapack_funcs\npotrf, = get_lapack_funcs(('potrf',), (A,))\npotrf(A)\n",
])
def test_bl202_spellings(code):
    assert codes(code, "BL202") == ["BL202"]


@pytest.mark.parametrize("code", [
    # the result is used: assigned, returned, passed on, compared
    "from scipy.linalg.blas import dgemv\ny = dgemv(1.0, W, x, y=y)\n",
    "from scipy.linalg.blas import dgemv\ndef f(W, x):\n    return dgemv(1.0, W, x)\n",
    "from scipy.linalg.blas import dgemv\nys.append(dgemv(1.0, W, x))\n",
    "from scipy.linalg.blas import dgemv\nassert dgemv(1.0, W, x)[0] > 0\n",
    "from scipy.linalg.blas import dgemv\nf = lambda: dgemv(1.0, W, x, y=y)\n",
    "from scipy.linalg.blas import dgemv\ny[:] = dgemv(1.0, W, x, y=y)\n",
    # an overwrite that lands (1-D float64 from numpy) or may land (unknown buffer, non-literal flag)
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\ny = np.zeros(6)\ndgemv(1.0, W, x, y=y, overwrite_y=1)\n",
    "from scipy.linalg.blas import dgemv\ndef f(W, x, y):\n    dgemv(1.0, W, x, y=y, overwrite_y=True)\n",
    "from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x, y=y, overwrite_y=inplace)\n",
    "from scipy.linalg.blas import dgemm\ndgemm(1.0, A, B, 1.0, C, 0, 0, 1)\n",
    # in place by design: axpy, scal, swap, copy with a buffer that fits or is unknown
    "import numpy as np\nfrom scipy.linalg.blas import daxpy\ny = np.zeros(4)\ndaxpy(x, y, a=2.0)\n",
    "from scipy.linalg.blas import dscal, dswap, dcopy\ndscal(2.0, x)\ndswap(x, y)\ndcopy(x, y)\n",
    "from scipy.linalg import get_blas_funcs\naxpy, = get_blas_funcs(('axpy',), (x, y))\naxpy(x, y)\n",
    # LAPACK asked to work in place
    "from scipy.linalg.lapack import dpotrf\ndef f(A):\n    dpotrf(A, overwrite_a=1)\n",
    # look-alikes: a user function, numpy, a method named like a wrapper
    "def dgemv(*a, **k):\n    print(a)\ndgemv(1.0, W, x, y=y)\n",
    "import numpy as np\nnp.dot(W, x, out=y)\n",
    "blas.dgemv(1.0, W, x, y=y)\n",
    "self.sgemv(1.0, W, x, y=y)\n",
    # the get_blas_funcs call itself
    "from scipy.linalg import get_blas_funcs\nget_blas_funcs(('gemv',), (W,))\n",
])
def test_bl202_silent(code):
    assert codes(code, "BL202") == []


def test_bl202_flagged_code_really_leaves_y_unchanged_and_the_overwrite_fix_writes_it():
    code = textwrap.dedent("""\
        import numpy as np
        from scipy.linalg.blas import dgemv
        y = np.zeros(6)
        dgemv(1.0, W, x, beta=0.0, y=y)
    """)
    before = run(code, W=W, x=X)
    assert not before["y"].any()                       # the bug: y keeps its zeros
    fixed = fix(code, {"BL202"})
    assert "dgemv(1.0, W, x, beta=0.0, y=y, overwrite_y=1)" in fixed
    after = run(fixed, W=W, x=X)
    np.testing.assert_allclose(after["y"], W @ X, rtol=1e-12)
    assert codes(fixed, "BL202") == []


@pytest.mark.parametrize("code,check", [
    # a buffer of unknown layout (a parameter): assign into it
    ("from scipy.linalg.blas import dgemv\ndef f(W, x, out):\n    dgemv(1.0, W, x, 0.0, out)\nf(W, x, out)\n",
     lambda ns: np.testing.assert_allclose(ns["out"], W @ X)),
    # a column of a matrix
    ("from scipy.linalg.blas import dgemv\nimport numpy as np\nY = np.zeros((6, 2))\ndgemv(1.0, W, x, y=Y[:, 1])\n",
     lambda ns: np.testing.assert_allclose(ns["Y"][:, 1], W @ X)),
    # an attribute, beta=1 accumulating into C
    ("import scipy.linalg.blas as B\nimport numpy as np\nclass S:\n    pass\nself = S()\nself.C = np.ones((6, 6))\n"
     "B.dgemm(1.0, W, W.T, beta=1.0, c=self.C)\n",
     lambda ns: np.testing.assert_allclose(ns["self"].C, 1 + W @ W.T)),
    # ger into an F-ordered float64 matrix: the overwrite flag is enough
    ("import numpy as np\nfrom scipy.linalg import blas as fblas\nA = np.zeros((6, 4), order='F')\n"
     "fblas.dger(1.0, W[:, 0], x, a=A, overwrite_a=0)\n",
     lambda ns: np.testing.assert_allclose(ns["A"], np.outer(W[:, 0], X))),
    # a C-ordered matrix cannot be updated in place: assign
    ("import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.ones((6, 4))\ndger(2.0, W[:, 0], x, a=A)\n",
     lambda ns: np.testing.assert_allclose(ns["A"], 1 + 2 * np.outer(W[:, 0], X))),
    # get_blas_funcs
    ("import numpy as np\nfrom scipy.linalg import get_blas_funcs\ngemv, = get_blas_funcs(('gemv',), (W, x))\n"
     "y = np.ones(6)\ngemv(1.0, W, x, beta=1.0, y=y)\n",
     lambda ns: np.testing.assert_allclose(ns["y"], 1 + W @ X)),
    # saxpy with a float64 y works on a float32 copy
    ("import numpy as np\nfrom scipy.linalg.blas import saxpy\ny = np.zeros(4)\nsaxpy(x.astype(np.float32), y)\n",
     lambda ns: np.testing.assert_allclose(ns["y"], X, rtol=1e-6)),
])
def test_bl202_fixed_code_makes_the_update(code, check):
    before = run(code, W=W, x=X, out=np.zeros(6))
    with pytest.raises(AssertionError):
        check(before)                                   # the flagged code loses the update
    d = one(code, "BL202")
    assert d.fix is not None and not d.fix.is_safe
    fixed = fix(code, {"BL202"})
    assert fixed != code
    check(run(fixed, W=W, x=X, out=np.zeros(6)))
    assert codes(fixed, "BL202") == []


def test_bl202_without_a_buffer_has_no_fix_and_says_the_work_is_lost():
    d = one("from scipy.linalg.blas import dgemv\ndgemv(1.0, W, x)\n", "BL202")
    assert d.fix is None and "lost" in d.message


def test_bl202_unsafe_fix_needs_unsafe_fixes():
    code = "from scipy.linalg.blas import dgemv\ndef f(W, x, out):\n    dgemv(1.0, W, x, 0.0, out)\n"
    assert fix(code, {"BL202"}, unsafe=False) == code
    assert "out[:] = dgemv(1.0, W, x, 0.0, out)" in fix(code, {"BL202"}, unsafe=True)


# -- BL203 -------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    # C-ordered matrix buffers: zeros_like of a C-ordered array, np.zeros, a product's result
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\ndger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\nW1 = np.ones((6, 4))\nA = np.zeros_like(W1)\ndger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg import blas as fblas\nC = np.ones((6, 6))\n"
    "fblas.dgemm(1.0, W, W.T, 1.0, C, overwrite_c=1)\n",
    "import numpy as np\nimport scipy.linalg.blas as B\nC = np.zeros((6, 6))\nR = B.dgemm(1.0, W, W.T, c=C, overwrite_c=1)\n"
    "print(C.sum())\n",
    # the routine's dtype differs
    "import numpy as np\nfrom scipy.linalg.blas import sger\nA = np.zeros((6, 4), order='F')\n"
    "sger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import sgemv\ny = np.zeros(6)\nsgemv(1.0, W, x, y=y, overwrite_y=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\ny = np.zeros(6, dtype=np.float32)\n"
    "dgemv(1.0, W, x, 0.0, y, overwrite_y=True)\n",
    # get_blas_funcs: the order alone decides
    "import numpy as np\nfrom scipy.linalg import get_blas_funcs\nA = np.zeros((6, 4))\n"
    "ger, = get_blas_funcs(('ger',), (A,))\nger(1.0, u, x, a=A, overwrite_a=1)\n",
    # LAPACK, result dropped
    "import numpy as np\nfrom scipy.linalg.lapack import dpotrf\nS = np.eye(4) * 2\ndpotrf(S, overwrite_a=1)\n",
])
def test_bl203_flagged(code):
    d = one(code, "BL203")
    assert d.fix is None and "not changed" in d.message


@pytest.mark.parametrize("code", [
    # F-ordered with the routine's dtype: the update lands
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4), order='F')\n"
    "dger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.asfortranarray(np.zeros((6, 4)))\n"
    "dger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((4, 6))\ndger(1.0, u, x, a=A.T, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\ny = np.zeros(6)\ndgemv(1.0, W, x, y=y, overwrite_y=1)\n",
    # order or dtype unknown
    "from scipy.linalg.blas import dger\ndef f(A, u, x):\n    dger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dgemv\nY = np.zeros((6, 3))\ndgemv(1.0, W, x, y=Y[:, 0], overwrite_y=1)\n",
    # the result replaces the buffer, or is used instead of it
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\nA = dger(1.0, u, x, a=A, overwrite_a=1)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\nB = dger(1.0, u, x, a=A, overwrite_a=1)\n"
    "print(B)\n",
    "import numpy as np\nfrom scipy.linalg.lapack import dgetrf\nA = np.ones((4, 4))\nlu, piv, info = dgetrf(A, overwrite_a=1)\n"
    "print(A)\n",
    # overwrite not asked, or not a literal
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\ndger(1.0, u, x, a=A)\n",
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\ndger(1.0, u, x, a=A, overwrite_a=flag)\n",
    # overwrite_x of ger is about reusing the input x, not an output
    "import numpy as np\nfrom scipy.linalg.blas import dger\nu = np.zeros(6, dtype=np.float32)\n"
    "A = dger(1.0, u, x, overwrite_x=1)\n",
    # a degenerate (1, n) matrix is Fortran-contiguous
    "import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((1, 4))\ndger(1.0, u, x, a=A, overwrite_a=1)\n",
])
def test_bl203_silent(code):
    assert codes(code, "BL203") == []


@pytest.mark.parametrize("code,buffer", [
    ("import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4))\ndger(1.0, u, x, a=A, overwrite_a=1)\n",
     "A"),
    ("import numpy as np\nfrom scipy.linalg.blas import sger\nA = np.zeros((6, 4), order='F')\n"
     "sger(1.0, u, x, a=A, overwrite_a=1)\n", "A"),
    ("import numpy as np\nfrom scipy.linalg.blas import sgemv\ny = np.zeros(6)\nsgemv(1.0, W, x, y=y, overwrite_y=1)\n",
     "y"),
    ("import numpy as np\nfrom scipy.linalg.lapack import dpotrf\nS = np.eye(4) * 2\ndpotrf(S, overwrite_a=1)\n", "S"),
])
def test_bl203_flagged_buffers_really_stay_unchanged(code, buffer):
    assert codes(code, "BL203") == ["BL203"]
    setup, call = code.rstrip("\n").rsplit("\n", 1)
    assert "overwrite_" in call
    initial = run(setup + "\n", W=W, x=X, u=W[:, 0])[buffer].copy()
    after = run(code, W=W, x=X, u=W[:, 0])[buffer]
    np.testing.assert_array_equal(after, initial)


def test_bl203_fortran_ordered_buffer_really_changes():
    code = ("import numpy as np\nfrom scipy.linalg.blas import dger\nA = np.zeros((6, 4), order='F')\n"
            "dger(1.0, u, x, a=A, overwrite_a=1)\n")
    assert codes(code, "BL203") == []
    np.testing.assert_allclose(run(code, x=X, u=W[:, 0])["A"], np.outer(W[:, 0], X))
