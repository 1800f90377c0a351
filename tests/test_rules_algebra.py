"""BL401-BL405: every fix form executed against the original, plus the look-alikes that must stay silent."""

from __future__ import annotations

import textwrap

import pytest
from support import assert_fix_equivalent, fix, lint

ALGEBRA = {"BL401", "BL402", "BL403", "BL404", "BL405"}
TORCH_SEED = "import torch\ntorch.manual_seed(0)\n"  # bad and fixed code draw the same tensors


def found(code, rule):
    return [d for d in lint(code, {rule}) if d.code == rule]


def fixed_with(code, rule):
    return fix(textwrap.dedent(code), {rule}, unsafe=True)


# -- BL401 inverse-times ----------------------------------------------------------------

NP_SQUARE = "import numpy as np\nA = np.random.rand(6, 6) + 6 * np.eye(6)\nb = np.random.rand(6)\nB = np.random.rand(6, 3)\n"


@pytest.mark.parametrize("code,expect", [
    ("x = np.linalg.inv(A) @ b\n", "np.linalg.solve(A, b)"),
    ("x = np.linalg.inv(A) @ B\n", "np.linalg.solve(A, B)"),
    ("x = np.dot(np.linalg.inv(A), b)\n", "np.linalg.solve(A, b)"),
    ("x = np.linalg.inv(A).dot(B)\n", "np.linalg.solve(A, B)"),
    ("C = B.T\nx = C @ np.linalg.inv(A)\n", "np.linalg.solve(A.T, C.T).T"),
    ("x = b @ np.linalg.inv(A) @ b\n", "b @ np.linalg.solve(A, b)"),
    ("def f(A, b):\n    Ai = np.linalg.inv(A)\n    return Ai @ b\nx = f(A, b)\n", "np.linalg.solve(A, b)"),
    ("x = 0.15 * np.linalg.inv(A) @ b\n", "0.15 * np.linalg.solve(A, b)"),
    ("x = (0.5 * np.linalg.inv(A) @ B).T\n", "(0.5 * np.linalg.solve(A, B)).T"),
])
def test_bl401_numpy_fixes_run_the_same(code, expect):
    fixed = assert_fix_equivalent(NP_SQUARE + code, "", ["x"], codes={"BL401"})
    assert expect in fixed and "inv(" not in fixed


def test_bl401_scipy_fix_runs_the_same():
    code = ("import numpy as np\nimport scipy.linalg as sla\nA = np.random.rand(5, 5) + 5 * np.eye(5)\n"
            "B = np.random.rand(5, 2)\nx = sla.inv(A) @ B\n")
    fixed = assert_fix_equivalent(code, "", ["x"], codes={"BL401"})
    assert "sla.solve(A, B)" in fixed


def test_bl401_from_import_spelling():
    code = ("import numpy as np\nfrom numpy.linalg import inv, solve\nA = np.random.rand(5, 5) + 5 * np.eye(5)\n"
            "b = np.random.rand(5)\nx = inv(A) @ b\n")
    fixed = assert_fix_equivalent(code, "", ["x"], codes={"BL401"})
    assert "solve(A, b)" in fixed


def test_bl401_scaled_pinv_with_a_known_matrix_is_fixed():
    code = ("import numpy as np\nJ = np.random.rand(3, 6)\nerr = np.random.rand(3)\nq = np.zeros(6)\n"
            "q += 0.5 * np.linalg.pinv(J) @ err\n")
    fixed = assert_fix_equivalent(code, "", ["q"], codes={"BL401"})
    assert "0.5 * np.linalg.lstsq(J, err, rcond=None)[0]" in fixed


def test_bl401_pinv_to_lstsq_runs_the_same():
    code = "import numpy as np\nX = np.random.rand(8, 3)\ny = np.random.rand(8)\nw = np.linalg.pinv(X) @ y\n"
    fixed = assert_fix_equivalent(code, "", ["w"], codes={"BL401"})
    assert "np.linalg.lstsq(X, y, rcond=None)[0]" in fixed


def test_bl401_torch_fixes_run_the_same():
    code = ("import torch\nA = torch.rand(5, 5, dtype=torch.float64) + 5 * torch.eye(5, dtype=torch.float64)\n"
            "b = torch.rand(5, dtype=torch.float64)\nB = torch.rand(3, 5, dtype=torch.float64)\n"
            "x = torch.inverse(A) @ b\ny = A.inverse() @ b\nz = B @ torch.linalg.inv(A)\n")
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["x", "y", "z"], codes={"BL401"})
    assert fixed.count("torch.linalg.solve") == 3 and "left=False" in fixed


def test_bl401_torch_method_needs_a_known_tensor():
    assert not found("def f(A, b):\n    return A.inverse() @ b\n", "BL401")


@pytest.mark.parametrize("code", [
    # stored and reused for many right-hand sides
    "import numpy as np\ndef f(A, bs):\n    Ai = np.linalg.inv(A)\n    return [Ai @ b for b in bs]\n",
    "import numpy as np\ndef f(A, b, c):\n    Ai = np.linalg.inv(A)\n    return Ai @ b, Ai @ c\n",
    # returned, stored, passed on
    "import numpy as np\ndef f(A, b):\n    Ai = np.linalg.inv(A)\n    x = Ai @ b\n    return x, Ai\n",
    "import numpy as np\nclass M:\n    def fit(self, A):\n        self.P = np.linalg.inv(A)\n        return self.P @ A\n",
    "import numpy as np\ndef f(A, b):\n    Ai = np.linalg.inv(A)\n    cache = {'inv': Ai}\n    return Ai @ b, cache\n",
    # a reference value in a test
    "import numpy as np\ndef test(A, b, x):\n    np.testing.assert_allclose(np.linalg.inv(A) @ b, x)\n",
])
def test_bl401_reused_inverse_is_silent(code):
    assert not found(code, "BL401")


# issue 13: pinv -> lstsq only for a narrow right side; issue 12: stored inverses are look-alikes
@pytest.mark.parametrize("code", [
    # a many-column right side, known or evident: lstsq would be slower (1.2-2.0x gain at 64 columns,
    # up to 18x loss with more)
    "import numpy as np\nX = np.random.rand(100, 5)\nY = np.random.rand(100, 64)\nW = np.linalg.pinv(X) @ Y\n",
    "import numpy as np\ndef f(z, nobs, b, rng):\n    e = rng.standard_normal((nobs, b))\n    zinv = np.linalg.pinv(z)\n"
    "    return zinv.dot(e)\n",
    "import numpy as np\ndef f(z, y):\n    d = y.copy()\n    d = d[50:, :]\n    return np.linalg.pinv(z) @ d\n",
    "import numpy as np\ndef f(M, W):\n    return np.dot(np.linalg.pinv(M), W.T)\n",
    # a dense diagonal matrix, bound in either branch: as many columns as rows
    "import numpy as np\ndef f(A, w, y, c):\n    if c:\n        W = np.diag(np.sqrt(w))\n    else:\n"
    "        W = np.diag(np.exp(y))\n    return np.linalg.pinv(A).dot(W)\n",
    # a stack of right sides (lstsq does not broadcast), the last factor of a longer chain
    "import numpy as np\ndef f(X, d):\n    Xi = np.linalg.pinv(X.T @ X)\n    return (Xi @ X.T @ d[..., np.newaxis])[..., 0]\n",
    # `np.dot(np.dot(M, pinv(G)), M.T)`: the right side of the middle pinv is M.T
    "import numpy as np\ndef f(M, G):\n    return np.dot(np.dot(M, np.linalg.pinv(G)), M.T)\n",
    # a (pseudo-)inverse times a matrix, kept as an operator: on an attribute, in a cache, in a loop
    "import numpy as np\nclass Fit:\n    def __init__(self, M, L):\n        MMt = M.T @ M + L\n"
    "        self.op = np.dot(np.linalg.pinv(MMt), M.T)\n",
    "import numpy as np\ndef f(self, M, L):\n    P = np.dot(np.linalg.inv(M.T @ M + L), M.T)\n    self.cache_set('p', P)\n"
    "    return P\n",
    "import numpy as np\ndef f(W, S, ys):\n    op = np.linalg.pinv(W.T @ S @ W) @ W.T\n    out = []\n"
    "    for y in ys:\n        out.append(op @ y)\n    return out\n",
    # the inverse of a Cholesky factor on both sides: used twice
    "import numpy as np\ndef f(x, u):\n    c = np.linalg.cholesky(x)\n    c_inv = np.linalg.inv(c)\n"
    "    return c_inv @ u @ c_inv.T\n",
    # an inverse bound once, then used twice through a chain call (multi_dot) and a product
    "import numpy as np\ndef f(S, a, b):\n    Si = np.linalg.inv(S)\n    return np.linalg.multi_dot([a, Si, b]), Si @ a\n",
])
def test_bl401_look_alikes_from_real_code_are_silent(code):
    assert not found(code, "BL401")


@pytest.mark.parametrize("code", [
    # a pinv applied to a vector or few columns: reported with the lstsq fix (executed below)
    "import numpy as np\ndef f(X):\n    y = np.ones(7)\n    return np.linalg.pinv(X) @ y\n",
    # unknown width: reported, but no fix (the rewrite pays only when it is narrow)
    "import numpy as np\ndef f(x, y):\n    return np.linalg.pinv(x).dot(y)\n",
    # spellings real code uses
    "from scipy import dot\nimport numpy as np\ndef f(A, b):\n    return dot(np.linalg.inv(A), b)\n",
    "from .. import util\nimport numpy as np\ndef f(S, T, G):\n    return util.multi_dot([S, T, np.linalg.inv(G)])\n",
    "import geomstats.backend as gs\ndef f(A, v):\n    return gs.matvec(gs.linalg.inv(A), v)\n",
    "import numpy as np\ndef f(M, w, L, s):\n    return np.linalg.multi_dot([np.linalg.inv(M.T @ M + w * L), M.T, s])\n",
    "import torch\ndef f(L, B):\n    return torch.cholesky_inverse(L) @ B\n",
    # the chain continues through a name used once: pinv(W A) @ W, then @ y
    "import numpy as np\ndef f(A, w, y):\n    W = np.diag(np.sqrt(w))\n    P = np.linalg.pinv(W @ A).dot(W)\n"
    "    return np.dot(P, y)\n",
    # a chain whose last factor sets the width: pinv(A.T A) @ A.T @ B with B not known wide
    "import numpy as np\ndef f(ATA, A, B):\n    return np.abs(np.linalg.pinv(ATA).dot(A.T).dot(B))\n",
    # a plain inverse stored on the object or per row is still better solved
    "import numpy as np\ndef f(self, Z, S):\n    self.W = Z.dot(np.linalg.inv(S))\n",
    "import numpy as np\ndef f(R, out, i):\n    Rinv = np.linalg.inv(R)\n    out[i] = np.dot(Rinv, out[i])\n",
])
def test_bl401_real_code_forms_are_found(code):
    (d,) = found(code, "BL401")
    if "np.ones(7)" not in code and "cholesky" not in code:
        assert d.fix is None


def test_bl401_pinv_fix_with_few_columns_runs_the_same():
    code = "import numpy as np\nX = np.random.rand(12, 4)\nY = np.random.rand(12, 3)\nW = np.linalg.pinv(X) @ Y\n"
    fixed = assert_fix_equivalent(code, "", ["W"], codes={"BL401"}, rtol=1e-6, atol=1e-8)
    assert "lstsq(X, Y, rcond=None)[0]" in fixed


def test_bl401_torch_bmm_and_cholesky_inverse_fixes_run_the_same():
    code = ("import torch\nA = torch.rand(3, 5, 5, dtype=torch.float64) + 5 * torch.eye(5, dtype=torch.float64)\n"
            "B = torch.rand(3, 5, 2, dtype=torch.float64)\nR = torch.rand(5, 5, dtype=torch.float64)\n"
            "L = torch.linalg.cholesky(R @ R.T + 5 * torch.eye(5, dtype=torch.float64))\n"
            "C = torch.rand(5, 4, dtype=torch.float64)\n"
            "x = torch.bmm(torch.linalg.inv(A), B)\ny = torch.cholesky_inverse(L) @ C\n")
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["x", "y"], codes={"BL401"}, rtol=1e-7, atol=1e-9)
    assert "torch.linalg.solve(A, B)" in fixed and "torch.cholesky_solve(C, L)" in fixed


def test_bl401_no_fix_when_the_matrix_changes_in_between():
    code = "import numpy as np\ndef f(A, b):\n    Ai = np.linalg.inv(A)\n    A[0, 0] = 1.0\n    return Ai @ b\n"
    (d,) = found(code, "BL401")
    assert d.fix is None


# -- BL402 diagonal-matmul ---------------------------------------------------------------

DIAG_SETUP = "import numpy as np\nd = np.random.rand(5)\ne = np.random.rand(5)\nA = np.random.rand(5, 4)\nM = np.random.rand(3, 5)\nv = np.random.rand(5)\n"


@pytest.mark.parametrize("code,expect", [
    ("out = np.diag(d) @ A\n", "d[:, None] * A"),
    ("out = M @ np.diag(d)\n", "M * d"),
    ("out = np.diag(d) @ v\n", "d * v"),
    ("out = v @ np.diag(d)\n", "v * d"),
    ("out = np.dot(np.diag(d), A)\n", "d[:, None] * A"),
    ("out = np.dot(M, np.diag(d))\n", "M * d"),
    ("out = np.diag(d) @ np.diag(e)\n", "np.diag(d * e)"),
    ("out = A.T @ np.diag(d) @ A\n", "A.T * d @ A"),
    ("out = np.diag(1.0 / np.sqrt(d)) @ A\n", "(1.0 / np.sqrt(d))[:, None] * A"),
    ("out = (np.diag(d) @ A).T\n", "(d[:, None] * A).T"),
    ("out = np.dot(np.diag(d), A).T\n", "(d[:, None] * A).T"),
    ("out = -np.dot(M, np.diag(d))\n", "-(M * d)"),
])
def test_bl402_fixes_run_the_same(code, expect):
    fixed = assert_fix_equivalent(DIAG_SETUP + code, "", ["out"], codes={"BL402"})
    assert expect in fixed


def test_bl402_torch_fix_runs_the_same():
    code = "import torch\nd = torch.rand(4)\nA = torch.rand(4, 3)\nM = torch.rand(2, 4)\nout = torch.diag(d) @ A\nout2 = M @ torch.diag(d)\n"
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["out", "out2"], codes={"BL402"})
    assert "d[:, None] * A" in fixed and "M * d" in fixed


@pytest.mark.parametrize("code", [
    # extraction of a 2-D array's diagonal
    "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nout = np.diag(A) @ B\n",
    "import numpy as np\nA = np.random.rand(4, 4)\nd = np.diag(A)\nout = d @ A\n",
    # unknown rank
    "import numpy as np\ndef f(v, A):\n    return np.diag(v) @ A\n",
    # the diagonal matrix also used on its own
    "import numpy as np\ndef f(A):\n    W = np.diag(np.ones(4))\n    return W @ A, W.sum()\n",
])
def test_bl402_look_alikes_are_silent(code):
    assert not found(code, "BL402")


@pytest.mark.parametrize("code", [
    # a list of scalars (a literal among them makes every element a scalar)
    "import numpy as np\ndef f(u, vh):\n    return np.dot(np.dot(u, np.diag([1, 1, np.linalg.det(u @ vh)])), vh)\n",
    # a concatenation with a list of scalars; np.append flattens
    "import numpy as np\ndef f(M, s):\n    return np.dot(M, np.diag(np.concatenate((s, [1.0]))))\n",
    "import numpy as np\ndef f(M, s):\n    return M @ np.diag(np.append(s, 1.0))\n",
    # the spectrum of a decomposition, through elementwise functions and slices
    "import numpy as np\ndef f(A):\n    w, V = np.linalg.eigh(A)\n    return V @ np.diag(np.exp(w)) @ V.T\n",
    "import numpy as np\ndef f(U):\n    u, s, vt = np.linalg.svd(U, full_matrices=False)\n"
    "    cos_s = np.diag(np.cos(s))\n    return u.dot(cos_s).dot(vt)\n",
    "import autograd.numpy as np\ndef f(m, k):\n    u, s, vt = np.linalg.svd(m)\n    i = np.argsort(s)[-k:]\n"
    "    return u[:, i] @ np.diag(s[i]) @ vt[i, :]\n",
    # the sign of a QR factor's diagonal (the diagonal of a matrix is a vector)
    "import numpy as np\ndef f(a):\n    q, r = np.linalg.qr(a)\n    return q @ np.diag(np.sign(np.diag(r)))\n",
    # a documented parameter (soft: found, never fixed)
    "import numpy as np\ndef f(W, sig):\n    \"\"\"Fit.\n\n    Parameters\n    ----------\n    W : array (g, 7)\n"
    "    sig : array (g, )\n        signal\n    \"\"\"\n    S2 = np.diag(sig ** 2)\n    return np.dot(W.T, S2)\n",
    # n-ary products and a helper of the module returning np.diag(v)
    "import numpy as np\ndef f(R, evals):\n    evals = np.asarray(evals)\n    w = np.sqrt(np.abs(np.linalg.eigvalsh(R)))\n"
    "    return np.linalg.multi_dot([R, np.diag(w), R.T])\n",
    "import numpy as np\ndef as_diag(v):\n    return np.diag(v)\ndef f(Q, A):\n    s = np.linalg.eigvalsh(A)\n"
    "    return Q @ as_diag(np.sign(s))\n",
])
def test_bl402_real_code_forms_are_found(code):
    assert len(found(code, "BL402")) == 1


@pytest.mark.parametrize("code", [
    # the argument may be 2-D: np.diag extracts then
    "import numpy as np\ndef f(x, A):\n    return np.diag(x ** 2) @ A\n",
    "import numpy as np\ndef f(a, r, A):\n    return np.diag(np.diag(a) * r) @ A\n",
    # documented 2-D
    "import numpy as np\ndef f(S, A):\n    \"\"\"Doc.\n\n    S : ndarray of shape (n, n)\n    \"\"\"\n    return np.diag(S) @ A\n",
    # a diagonal matrix changed before the product (epsilon on every entry): no longer diagonal
    "import numpy as np\ndef f(s, A):\n    w, V = np.linalg.eigh(A)\n    D = np.diag(w) + 1e-6\n    return V @ D\n",
    # squared elementwise, never a factor
    "import numpy as np\ndef f(B, L):\n    L = np.diag(np.linalg.eigvalsh(L))\n    return B.T @ B + L * L\n",
])
def test_bl402_real_code_look_alikes_are_silent(code):
    assert not found(code, "BL402")


def test_bl402_docstring_evidence_has_no_fix_and_says_where():
    code = ("import numpy as np\ndef f(W, sig):\n    \"\"\"Fit.\n\n    sig : array (g, )\n    \"\"\"\n"
            "    return np.dot(W.T, np.diag(sig))\n")
    (d,) = found(code, "BL402")
    assert d.fix is None and "docstring, line" in d.message


def test_bl402_spectrum_fix_runs_the_same():
    code = ("import numpy as np\nA = np.random.rand(5, 5)\nA = A + A.T\nw, V = np.linalg.eigh(A)\n"
            "w = np.exp(w)\nout = V @ np.diag(w)\n")
    fixed = assert_fix_equivalent(code, "", ["out"], codes={"BL402"})
    assert "V * w" in fixed


def test_bl402_unknown_other_factor_has_no_fix():
    (d,) = found("import numpy as np\ndef f(A):\n    d = np.ones(3)\n    return np.diag(d) @ A\n", "BL402")
    assert d.fix is None


# -- BL403 partial-product ---------------------------------------------------------------

PP_SETUP = "import numpy as np\nA = np.random.rand(5, 5)\nB = np.random.rand(5, 5)\nb = np.random.rand(5)\na = np.random.rand(5)\n"


@pytest.mark.parametrize("code,expect", [
    ("out = np.trace(A @ B)\n", "np.einsum('ij,ji->', A, B)"),
    ("out = (A @ B).trace()\n", "np.einsum('ij,ji->', A, B)"),
    ("out = np.trace(np.dot(A, B.T))\n", "np.einsum('ij,ji->', A, B.T)"),
    ("out = np.diag(A @ B)\n", "np.einsum('ij,ji->i', A, B)"),
    ("out = np.diagonal(A.dot(B))\n", "np.einsum('ij,ji->i', A, B)"),
    ("out = (A @ B).diagonal()\n", "np.einsum('ij,ji->i', A, B)"),
    ("out = (A @ B)[1, 3]\n", "A[1] @ B[:, 3]"),
    ("out = (A @ B)[2]\n", "A[2] @ B"),
    ("out = (A @ B)[2, :]\n", "A[2] @ B"),
    ("out = (A @ B)[:, 4]\n", "A @ B[:, 4]"),
    ("out = (A @ b)[-1]\n", "A[-1] @ b"),
    ("out = (a @ B)[3]\n", "a @ B[:, 3]"),
    ("out = (A @ B)[0].sum()\n", "(A[0] @ B).sum()"),
    ("out = [(A @ B)[i, i] for i in range(5)]\n", "A[i] @ B[:, i]"),
])
def test_bl403_fixes_run_the_same(code, expect):
    fixed = assert_fix_equivalent(PP_SETUP + code, "", ["out"], codes={"BL403"})
    assert expect in fixed


@pytest.mark.parametrize("code", [
    # a Gram product is 2-D whenever the code runs: its diagonal is partial
    "import numpy as np\ndef sq_norms(X):\n    return np.diag(X @ X.T)\n",
    "import numpy as np\ndef sq_norms(X):\n    return np.diag(np.dot(X.T, X))\n",
    "import numpy as np\ndef leverage(X, S):\n    return np.diag(X @ S @ X.T)\n",
    # entries read in a loop over a range: several entries, each costing a whole product
    "import numpy as np\ndef f(A, B, n):\n    t = 0\n    for i in range(n):\n        t += (A @ B)[i, i]\n"
    "    return t\n",
    # a literal index past the first: the axis has other entries
    "import numpy as np\ndef f(A, B):\n    return (A @ B)[2]\n",
    # the trace of a power, of a sum of products, of a scaled product; a backend's trace; einsum traces
    "import numpy as np\ndef f(A):\n    return np.trace(np.linalg.matrix_power(A, 2))\n",
    "import numpy as np\ndef f(A, B, C, D):\n    return np.trace(A @ B - C @ D)\n",
    "import numpy as np\ndef f(E, reps):\n    return np.sqrt(np.diag(E.T.dot(E) / reps))\n",
    "import geomstats.backend as gs\ndef f(a, b):\n    return gs.trace(gs.matmul(a, b))\n",
    "import numpy as np\ndef f(omega, m):\n    return np.einsum('...ii', omega @ np.linalg.inv(m))\n",
    "import numpy as np\ndef f(bvecs, T):\n    return np.diag(np.linalg.multi_dot([bvecs, T, bvecs.T]))\n",
    # np.diag of a product of two arrays that are at least 2-D (rows of a stack of triangles)
    "import numpy as np\ndef f(tri, d):\n    e0 = tri[:, 1, :] - tri[:, 0, :]\n    P = np.cross(d, tri[:, 2, :])\n"
    "    return np.diag(np.dot(e0, P.T))\n",
])
def test_bl403_found_without_ranks(code):
    (d,) = found(code, "BL403")
    assert d.fix is None


def test_bl403_torch_fix_runs_the_same():
    code = "import torch\nA = torch.rand(4, 4)\nB = torch.rand(4, 4)\nt = torch.trace(A @ B)\nr = (A @ B)[1]\n"
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["t", "r"], codes={"BL403"}, rtol=1e-5, atol=1e-6)
    assert "torch.einsum('ij,ji->', A, B)" in fixed and "A[1] @ B" in fixed


@pytest.mark.parametrize("code", [
    "import numpy as np\nA = np.random.rand(4, 4)\nd = np.diag(A)\n",
    "import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nd = np.einsum('ij,ij->i', A, B)\n",
    # bound and reused whole
    "import numpy as np\ndef f(A, B):\n    C = A @ B\n    t = np.trace(C)\n    return t, C\n",
    # slices keep most of it
    "import numpy as np\ndef f(A, B):\n    return (A @ B)[:-1], (A @ B)[1:, 2:]\n",
    # one column of a one-column product is all of it
    "import numpy as np\ndef f(R, p):\n    p = np.asarray(p).ravel()\n    return np.matmul(R, p[:, None])[:, 0]\n",
    "import numpy as np\ndef f(R, p):\n    return (R @ p.reshape(-1, 1))[:, 0]\n",
    # a product of unknown rank given to np.diag: maybe a vector, then np.diag builds
    "import numpy as np\ndef f(A, x):\n    return np.diag(A @ x)\n",
    # an entry of a product that may be 1 x 1: a quadratic form on a column vector, a (1, n) row
    "import numpy as np\ndef f(r, S):\n    return (r.T @ S @ r)[0, 0]\n",
    "import numpy as np\ndef f(v):\n    return (v.dot(v.T))[0, 0]\n",
    "import numpy as np\ndef f(mu, h):\n    return np.dot(mu.T, h)[0, 0]\n",
    "import numpy as np\ndef f(args, h):\n    x = np.array(args)\n    return np.dot(x, h)[0]\n",
    "import numpy as np\ndef f(A, B, i, j):\n    return (A @ B)[i, j]\n",
    # already the einsum form
    "import numpy as np\ndef f(A, B):\n    return np.einsum('...ij,...ji->...', A, B)\n",
])
def test_bl403_look_alikes_are_silent(code):
    assert not found(code, "BL403")


# -- BL404 matrix-chain-order ------------------------------------------------------------

CH_SETUP = ("import numpy as np\nA = np.random.rand(6, 6)\nB = np.random.rand(6, 6)\nC = np.random.rand(6, 6)\n"
            "x = np.random.rand(6)\n")


@pytest.mark.parametrize("code,expect", [
    ("out = A @ B @ x\n", "A @ (B @ x)"),
    ("out = A @ B @ C @ x\n", "A @ (B @ (C @ x))"),
    ("out = np.dot(np.dot(A, B), x)\n", "np.dot(A, np.dot(B, x))"),
    ("out = A.dot(B).dot(x)\n", "A.dot(B.dot(x))"),
    ("out = np.dot(A @ B, x)\n", "A @ (B @ x)"),
    ("out = 3.0 * A @ B @ x\n", "3.0 * A @ (B @ x)"),
    ("out = A @ B @ x * 2.0\n", "A @ (B @ x) * 2.0"),
    ("out = (A @ B @ x).sum()\n", "(A @ (B @ x)).sum()"),
    ("out = x @ (A @ B)\n", "x @ A @ B"),
    ("out = A.T @ A @ x + x\n", "A.T @ (A @ x) + x"),
])
def test_bl404_vector_fixes_run_the_same(code, expect):
    fixed = assert_fix_equivalent(CH_SETUP + code, "", ["out"], codes={"BL404"})
    assert expect in fixed


def test_bl404_matrix_chain_with_known_shapes_runs_the_same():
    code = ("import numpy as np\nn, k = 300, 4\nA = np.random.rand(n, k)\nB = np.random.rand(k, n)\n"
            "C = np.random.rand(n, k)\nout = A @ B @ C\n")
    fixed = assert_fix_equivalent(code, "", ["out"], codes={"BL404"})
    assert "A @ (B @ C)" in fixed


def test_bl404_torch_chain_runs_the_same():
    code = "import torch\nA = torch.rand(5, 5)\nB = torch.rand(5, 5)\nx = torch.rand(5)\nout = A @ B @ x\n"
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["out"], codes={"BL404"}, rtol=1e-5, atol=1e-6)
    assert "A @ (B @ x)" in fixed


def test_bl404_ranks_from_shape_unpacking():
    code = ("import numpy as np\ndef grad(X, w):\n    n, d = X.shape\n    w = np.asarray(w).ravel()\n"
            "    return X.T @ X @ w / n\n")
    assert len(found(code, "BL404")) == 1
    assert "X.T @ (X @ w) / n" in fixed_with(code, "BL404")


def test_bl404_one_finding_per_chain():
    code = ("import numpy as np\nA = np.random.rand(6, 6)\nB = np.random.rand(6, 6)\nC = np.random.rand(6, 6)\n"
            "x = np.random.rand(6)\nout = A.dot(B).dot(C).dot(x)\n")
    assert len(found(code, "BL404")) == 1


def test_bl404_first_factor_of_unknown_rank_is_hedged_and_not_fixed():
    """``X @ M @ v`` with M 2-D and v 1-D: vector-first is never costlier whatever X is (RULES.md)."""
    code = ("import numpy as np\ndef f(C, H, g):\n    M = np.kron(np.linalg.inv(H), np.eye(3))\n"
            "    M = np.asarray(M).reshape(6, 6)\n    return C.dot(M).dot(g.flatten())\n")
    (d,) = found(code, "BL404")
    assert "`C` has more than one row (its rank is not known" in d.message and d.fix is None


@pytest.mark.parametrize("x_shape", [(6,), (4, 6), (3, 4, 6)])
def test_bl404_vector_first_equals_left_to_right_whatever_the_first_factor(x_shape):
    """The order the message names, executed for every rank the first factor may have (``@`` and ``dot``)."""
    import numpy as np

    rng = np.random.default_rng(1)
    X, M, v = rng.standard_normal(x_shape), rng.standard_normal((6, 5)), rng.standard_normal(5)
    np.testing.assert_allclose((X @ M) @ v, X @ (M @ v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(X.dot(M).dot(v), X.dot(M.dot(v)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("code", [
    # the middle factor's rank unknown: it may be a stack, which batches instead
    "import numpy as np\ndef f(X, M):\n    v = np.ones(5)\n    return X @ M @ v\n",
    CH_SETUP + "out = x @ A.T @ A @ x\n",
    CH_SETUP + "out = x @ A @ B\n",
    CH_SETUP + "out = A @ (B @ x)\n",
    CH_SETUP + "out = A @ B\n",
    "import numpy as np\ndef f(A, B, x):\n    return A @ B @ x\n",
    "import numpy as np\ndef f(x):\n    A = np.ones((4, 4))\n    B = np.ones((4, 4))\n    return A @ B @ x\n",
    # vector-first already: the chain ends in a scalar
    CH_SETUP + "out = x @ A @ x\n",
])
def test_bl404_look_alikes_are_silent(code):
    assert not found(code, "BL404")


# -- BL404: a product with an explicit outer product -------------------------------------

def _out_setup(dtype: str) -> str:
    scale = "(1 + 0.5j) * " if dtype == "complex128" else ""
    arrays = {"M": "(7, 6)", "N": "(5, 4)", "u": "6", "v": "5"}
    return "import numpy as np\n" + "".join(
        f"{name} = {scale}np.random.rand{shape if shape.startswith('(') else '(' + shape + ')'}.astype(np.{dtype})\n"
        for name, shape in arrays.items())


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
@pytest.mark.parametrize("code,expect", [
    ("out = M @ np.outer(u, v)\n", "np.outer(M @ u, v)"),
    ("out = np.dot(M, np.outer(u, v))\n", "np.outer(np.dot(M, u), v)"),
    ("out = M.dot(np.outer(u, v))\n", "np.outer(M.dot(u), v)"),
    ("out = np.outer(u, v) @ N\n", "np.outer(u, v @ N)"),
    ("out = np.dot(np.outer(u, v), N)\n", "np.outer(u, np.dot(v, N))"),
    ("from numpy import dot, outer\nout = dot(M, outer(u, v))\n", "outer(dot(M, u), v)"),
    ("out = 2.0 * M @ np.outer(u, v)\n", "np.outer(2.0 * M @ u, v)"),
    ("out = (M @ np.outer(u, v)).sum(axis=0)\n", "np.outer(M @ u, v)).sum(axis=0)"),
])
def test_bl404_outer_factor_fix_runs_the_same(code, expect, dtype):
    """Executed at each dtype: the rewrite only reorders the products of a matrix and two vectors."""
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {}
    fixed = assert_fix_equivalent(_out_setup(dtype) + code, "", ["out"], codes={"BL404"}, **tol)
    assert expect in fixed


def test_bl404_outer_factor_torch_runs_the_same():
    code = ("import torch\nM = torch.rand(7, 6)\nu = torch.rand(6)\nv = torch.rand(5)\n"
            "out = M @ torch.outer(u, v)\n")
    fixed = assert_fix_equivalent(code, TORCH_SEED, ["out"], codes={"BL404"}, rtol=1e-5, atol=1e-6)
    assert "torch.outer(M @ u, v)" in fixed


@pytest.mark.parametrize("code,words", [
    # a factor of unknown rank: reported (a matrix or a stack, the vector-first order is cheaper), not fixed
    ("import numpy as np\ndef grad(R, A, i, n, k):\n    AD = np.ones((n, k))\n"
     "    return np.dot(AD, np.outer(R[:, i], A[:, i]))\n", "np.outer(np.dot(AD, R[:, i]), A[:, i])"),
    ("import numpy as np\ndef grad(X, u, v):\n    return X @ np.outer(u, v)\n", "when `X` is a matrix (`(X @ u)[..., None] * v` for a stack of them)"),
    # a vector factor: a scalar times a vector
    ("import numpy as np\ndef f(x):\n    x = np.ones(6)\n    return x @ np.outer(np.ones(6), np.ones(5))\n",
     "(x @ np.ones(6)) * np.ones(5)"),
    # bound to a name used once: the same product, written over two lines
    ("import numpy as np\ndef f(X, u, v):\n    X = np.ones((8, 6))\n    T = np.outer(u, v)\n    return X @ T\n",
     "(bound to `T`)"),
])
def test_bl404_outer_factor_reported_without_fix(code, words):
    (d,) = found(code, "BL404")
    assert d.fix is None
    assert "rank-one matrix" in d.message and (words is None or words in d.message)


@pytest.mark.parametrize("code,words", [
    # kept for another use: each product with it still costs p*n*m
    ("import numpy as np\ndef f(A, B, u, v):\n    P = np.outer(u, v)\n    return A @ P, P - B @ P\n",
     "(bound to `P`)"),
    # multi_dot of two: one product
    ("import numpy as np\ndef f(A, u, v):\n    return np.linalg.multi_dot([A, np.outer(u, v)])\n",
     "`np.outer(A @ u, v)` when `A` is a matrix multiplies"),
    # multi_dot of three (PyDMD's variable projection): the other factors times the vector, in one multi_dot
    ("import numpy as np\ndef f(U, d, b):\n    P = np.outer(d, b)\n"
     "    return P - np.linalg.multi_dot([U, U.conj().T, P])\n",
     "np.outer(np.linalg.multi_dot([U, U.conj().T, d]), b)"),
])
def test_bl404_outer_factor_kept_or_in_multi_dot(code, words):
    found_ = found(code, "BL404")
    assert found_ and all(d.fix is None for d in found_)
    assert any(words in d.message for d in found_)


def test_bl404_outer_factor_multi_dot_forms_execute():
    """The multi_dot rewrites the messages name, executed."""
    import numpy as np

    rng = np.random.default_rng(3)
    U, A = rng.standard_normal((7, 3)), rng.standard_normal((4, 7))
    d, b = rng.standard_normal(7), rng.standard_normal(5)
    P = np.outer(d, b)
    np.testing.assert_allclose(np.linalg.multi_dot([U, U.conj().T, P]),
                               np.outer(np.linalg.multi_dot([U, U.conj().T, d]), b))
    np.testing.assert_allclose(np.linalg.multi_dot([A, P]), np.outer(A @ d, b))


def test_bl404_outer_factor_of_a_vector_equals_the_message_form():
    """The forms the message names for a 1-D factor, executed."""
    import numpy as np

    rng = np.random.default_rng(2)
    x, u, v, w = rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal(5), rng.standard_normal(5)
    np.testing.assert_allclose(x @ np.outer(u, v), (x @ u) * v)
    np.testing.assert_allclose(np.outer(u, v) @ w, u * (v @ w))
    # and for a stack, the forms the message gives when the factor's rank is unknown
    M, N = rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 5, 4))
    np.testing.assert_allclose(M @ np.outer(u, v), (M @ u)[..., None] * v)
    np.testing.assert_allclose(np.outer(u, v) @ N, u[:, None] * (v @ N)[..., None, :])


@pytest.mark.parametrize("code", [
    # a scalar times a rank-one matrix is a scaling
    "import numpy as np\ndef f(c, u, v):\n    return np.dot(c, np.outer(u, v))\n",
    "import numpy as np\ndef f(u, v):\n    return np.outer(u, v) * 2.0\n",
    # a vector changes between the outer product and the product with it: the rewrite would read the new one
    "import numpy as np\ndef f(A, u, v):\n    P = np.outer(u, v)\n    u = u + 1\n    return A @ P, u\n",
    # bound in another block than its use (a loop may change what it reads)
    "import numpy as np\ndef f(A, u, v, k):\n    P = np.outer(u, v)\n    for _ in range(k):\n"
    "        u = A @ P\n    return u\n",
    # in a test's reference value
    "import numpy as np\ndef test(M, u, v):\n    np.testing.assert_allclose(M @ np.outer(u, v), np.outer(M @ u, v))\n",
])
def test_bl404_outer_factor_look_alikes(code):
    assert not found(code, "BL404")


# -- BL405 repeated-product --------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "import numpy as np\ndef f(X, w, y):\n    r = X @ w - y\n    return r, X.T @ (X @ w - y)\n",
    "import numpy as np\ndef f(A, B):\n    return np.dot(A, B) + np.dot(A, B).T\n",
    "import numpy as np\ndef f(A, B, c):\n    C = A @ B\n    if c:\n        C = C + A @ B\n    return C\n",
    "import numpy as np\ndef f(A, B):\n    y = A @ B\n    for i in range(3):\n        print(i, A @ B)\n    return y\n",
])
def test_bl405_repeats_are_found(code):
    assert len(found(code, "BL405")) == 1


@pytest.mark.parametrize("code", [
    "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A = A * 2\n    return C, A @ B\n",
    "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A *= 2\n    return C, A @ B\n",
    "import numpy as np\ndef f(A, B):\n    C = A @ B\n    np.multiply(A, 2, out=A)\n    return C, A @ B\n",
    "import numpy as np\ndef f(A, B):\n    C = A @ B\n    A.fill(0)\n    return C, A @ B\n",
    "import numpy as np\ndef f(A, B, opt):\n    C = A @ B\n    opt.step(A)\n    return C, A @ B\n",
    "import numpy as np\ndef f(self, x):\n    a = self.W @ x\n    self.update()\n    return a, self.W @ x\n",
    "import numpy as np\ndef f(A, B, c):\n    if c:\n        C = A @ B\n    else:\n        C = -(A @ B)\n    return C\n",
    "import numpy as np\ndef f(A, xs):\n    y = A @ xs[0]\n    for x in xs:\n        y = y + A @ x\n    return y\n",
    "import numpy as np\ndef f(A, B):\n    out = A @ B\n    for _ in range(3):\n        B = B + 1\n        out = out + A @ B\n    return out\n",
    "import numpy as np\nx = np.random.rand(4)\nr = x @ x / (1.0 + x @ x)\n",
    "import numpy as np\ndef test(A, B):\n    C = A @ B\n    np.testing.assert_allclose(A @ B, C)\n",
    "import numpy as np\ndef f(A, B):\n    g = lambda: A @ B\n    return g() + A @ B\n",
])
def test_bl405_look_alikes_are_silent(code):
    assert not found(code, "BL405")


@pytest.mark.parametrize("code", [
    "import numpy as np\ndef proj(X, U):\n    a = X.T @ U\n    b = U.T @ X\n    return U - X @ (a + b) / 2\n",
    "from pymanopt.tools.multi import multiprod, multitransp\ndef proj(X, U):\n"
    "    return U - multiprod(X, multiprod(multitransp(X), U) + multiprod(multitransp(U), X)) / 2\n",
])
def test_bl405_transposed_twin_is_found(code):
    (d,) = found(code, "BL405")
    assert "transpose" in d.message


@pytest.mark.parametrize("code", [
    # its own transpose: one product
    "import numpy as np\ndef f(X):\n    return X.T @ X\n",
    # an operand changes in between
    "import numpy as np\ndef f(X, U):\n    a = X.T @ U\n    U = U + 1\n    return a, U.T @ X\n",
    # different operands
    "import numpy as np\ndef f(X, U, V):\n    return X.T @ U + V.T @ X\n",
])
def test_bl405_transposed_twin_look_alikes_are_silent(code):
    assert not found(code, "BL405")


def test_bl405_in_one_comprehension_element():
    code = "import numpy as np\ndef f(X, ws):\n    return [np.tanh(X @ w) * (1 - np.tanh(X @ w)) for w in ws]\n"
    assert len(found(code, "BL405")) == 1
    # two comprehensions, random operands, a mutation inside the element: silent
    assert not found("import numpy as np\ndef g(X, ws):\n    return [X @ w for w in ws], [X @ w for w in ws]\n", "BL405")
    assert not found("import numpy as np\ndef h(X, ws):\n    return [X @ np.random.rand(3) + X @ np.random.rand(3)"
                     " for w in ws]\n", "BL405")
    assert not found("import numpy as np\ndef k(X, ws, step):\n    return [(X @ w, step(X), X @ w) for w in ws]\n",
                     "BL405")


def test_bl402_random_sample_of_a_numbered_size_is_a_vector():
    code = ("import numpy as np\nclass T:\n    def setUp(self):\n        self.m = 40\n    def test(self):\n"
            "        a = np.diag(np.random.uniform(size=self.m))\n"
            "        q, _ = np.linalg.qr(np.random.normal(size=(self.m, self.m)))\n        return q @ a @ q.T\n")
    assert len(found(code, "BL402")) == 1
    assert not found(code.replace("size=self.m))\n", "size=(self.m, 2)))\n", 1), "BL402")


def test_bl405_has_no_fix():
    (d,) = found("import numpy as np\ndef f(A, B):\n    return A @ B + (A @ B).T\n", "BL405")
    assert d.fix is None and "line 3" in d.message


# -- all five together ---------------------------------------------------------------------

def test_fixes_of_several_rules_compose():
    code = ("import numpy as np\nA = np.random.rand(6, 6) + 6 * np.eye(6)\nB = np.random.rand(6, 6)\n"
            "d = np.random.rand(6)\nx = np.random.rand(6)\n"
            "out = np.linalg.inv(A) @ B @ x + np.trace(A @ B) + np.diag(d) @ x\n")
    fixed = assert_fix_equivalent(code, "", ["out"], codes=ALGEBRA)
    assert "inv(" not in fixed and "np.diag(d)" not in fixed and "np.trace" not in fixed


def test_bl403_message_suggests_the_stacked_einsum_when_ranks_are_unknown():
    (d,) = found("import geomstats.backend as gs\ndef f(t):\n    c = gs.matmul(t, t)\n    return gs.trace(c)\n", "BL403")
    assert "'...ij,...ji->...'" in d.message and d.fix is None
    (d,) = found("import numpy as np\nA = np.random.rand(4, 4)\nB = np.random.rand(4, 4)\nt = np.trace(A @ B)\n", "BL403")
    assert "'ij,ji->'" in d.message


def test_bl405_product_spelled_by_a_relatively_imported_dot_does_not_crash():
    """numpy's own ``_core/numeric.py`` calls ``dot`` imported from a sibling module (once BL999 there)."""
    code = ("from .multiarray import dot\n\ndef f(a, b):\n    x = dot(a.T, b)\n    y = dot(a.T, b)\n"
            "    return x, y\n")
    assert all(d.code != "BL999" for d in lint(code, {"BL405"}))


SPDOT = '''import numpy as np

def spdot(a, b, array_out=True):
    if type(a).__name__ == "ndarray" and type(b).__name__ == "ndarray":
        ab = np.dot(a, b)
    elif type(a).__name__ == "csr_matrix":
        ab = a @ b
        if array_out:
            ab = ab.toarray()
    else:
        raise Exception("bad")
    return ab

def shifted(a, b):
    return a @ b + 1.0

'''


def test_bl403_a_helper_that_returns_the_product_of_its_parameters_is_a_product():
    """spreg's ``spdot(a, b)``: every return is ``a`` times ``b`` (dense or densified sparse)."""
    code = SPDOT + "def f(n):\n    W = np.random.rand(n, n)\n    ww = spdot(W, W)\n    return ww.diagonal().sum()\n"
    (d,) = found(code, "BL403")
    assert "`spdot(W, W)`" in d.message


def test_bl403_a_helper_that_does_more_than_a_product_is_not_one():
    code = SPDOT + "def f(n):\n    W = np.random.rand(n, n)\n    return np.trace(shifted(W, W))\n"
    assert not found(code, "BL403")


def test_bl405_transposed_twins_through_a_product_helper_do_not_crash():
    """``helper(A.T, B)`` and ``helper(B.T, A)`` with a local product helper: transposed twins, no BL999
    (dipy's core/optimize.py once crashed here)."""
    code = SPDOT + "def f(n):\n    A = np.random.rand(n, n)\n    B = np.random.rand(n, n)\n" \
                   "    return spdot(A.T, B), spdot(B.T, A)\n"
    got = lint(code, {"BL405"})
    assert all(d.code != "BL999" for d in got) and [d.code for d in got].count("BL405") == 1


def test_bl404_targets_of_a_fit_name_the_convention_and_the_data_sized_rows():
    import numpy as np
    from support import lint as _lint
    src = ("import numpy as np\nclass Reg:\n    def fit(self, X, y):\n        X_X = X.T.dot(X)\n"
           "        self.w = np.linalg.pinv(X_X).dot(X.T).dot(y)\n        return self\n")
    found = [d for d in _lint(src, {"BL404"}) if d.code == "BL404"]
    assert len(found) == 1 and found[0].fix is None  # the rank rests on a name: no fix
    msg = found[0].message
    assert "`y` is what the model is fitted to" in msg and "its rank is not known" in msg
    assert found[0].severity == "warning" and "X.shape[0] (data-sized)" in " ".join(found[0].cost.dims)
    # the claim the message makes: the vector-first order gives the same result at every rank a target has
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 4))
    P = np.linalg.pinv(X.T @ X)
    for y in (rng.standard_normal(40), rng.standard_normal((40, 2))):
        np.testing.assert_allclose(P.dot(X.T).dot(y), P.dot(X.T.dot(y)))


def test_bl402_vector_by_name_is_info_without_fix_and_the_scaling_it_names_is_exact():
    import numpy as np
    from support import lint as _lint
    src = "import numpy as np\ndef f(V, eigenvalues):\n    return V @ np.diag(eigenvalues) @ V.T\n"
    found = [d for d in _lint(src, {"BL402"}) if d.code == "BL402"]
    assert len(found) == 1 and found[0].fix is None and found[0].severity == "info"
    assert "by the convention of its name" in found[0].message
    rng = np.random.default_rng(2)
    V, ev = rng.standard_normal((5, 5)), rng.standard_normal(5)
    np.testing.assert_allclose(V @ np.diag(ev) @ V.T, (V * ev) @ V.T)


def test_a_diagonal_through_an_inverse_names_the_reciprocal_and_offers_no_fix():
    code = "import numpy as np\ndef f(v, V):\n    return np.linalg.inv(np.diag(v)) @ V\n"
    found = [d for d in lint(code, ["BL402"])]
    assert len(found) == 1 and found[0].fix is None
    assert "`d = 1 / (v)`" in found[0].message and "is inverted, so it is a matrix" in found[0].message
    lap = ("import numpy as np\ndef lap(X, s):\n    d_mat = np.diag(s)\n    d_alt = np.sqrt(np.linalg.inv(np.abs(d_mat)))\n"
           "    return d_alt @ X @ d_alt\n")
    (d,) = lint(lap, ["BL402"])
    assert d.line == 4 and "`d = np.sqrt(1 / (np.abs(s)))`" in d.message and "line 5;" in d.message


def test_trace_of_a_product_bound_to_a_name_rebound_later_in_the_loop():
    """spreg's SUR error model: `DD` is rebound three times in the loop body, each product read only by a trace."""
    code = ("import numpy as np\ndef f(D, Dj, n, out):\n    D = np.asarray(D).reshape(5, 5)\n"
            "    Dj = np.asarray(Dj).reshape(5, 5)\n    for i in range(n):\n"
            "        DD = np.dot(D, D)\n        out[0] += np.trace(DD)\n        DD = np.dot(D.T, D)\n"
            "        out[1] += np.trace(DD)\n        DD = np.dot(D.T, Dj)\n        out[2] += np.trace(DD)\n")
    assert [d.line for d in lint(code, ["BL403"])] == [7, 9, 11]


def test_no_solve_suggested_against_a_sparse_factor():
    """`WS @ inv(bb)` with `WS = w.sparse` (spreg): solve refuses a sparse right side."""
    code = ("import scipy.linalg as la\ndef f(w, I, lam):\n    WS = w.sparse\n    for i in range(3):\n"
            "        bb = (I - WS.multiply(lam[i])).todense()\n        Bi = la.inv(bb)\n        D = WS @ Bi\n"
            "        print(D.sum())\n")
    assert lint(code, ["BL401"]) == []
    assert [d.line for d in lint(code.replace("w.sparse", "w.dense"), ["BL401"])] == [7]


def test_an_inverse_bound_in_one_branch_and_used_once_after_the_branches():
    """PyKrige: `if pseudo: a_inv = P_INV[kind](a)` / `else: a_inv = scipy.linalg.inv(a)`, then one product."""
    code = ("import numpy as np\nimport scipy.linalg\ndef f(a, b, pseudo, P_INV):\n    if pseudo:\n"
            "        a_inv = P_INV['pinv'](a)\n    else:\n        a_inv = scipy.linalg.inv(a)\n"
            "    return np.dot(a_inv, b.T)\n")
    assert [d.line for d in lint(code, ["BL401"])] == [8]
    # in a loop, an inverse made on the first pass only is read again on later passes (linearmodels' IV-GMM)
    loop = ("import numpy as np\nfrom numpy.linalg import inv\ndef f(v, d, n):\n    vinv = np.eye(3)\n"
            "    for it in range(n):\n        if it == 1:\n            vinv = inv(v)\n        print(d @ vinv @ d)\n")
    assert lint(loop, ["BL401"]) == []


def test_no_solve_suggested_against_a_masked_array():
    """PyKrige's `b = np.ma.array(b, mask=...)` then `np.dot(a_inv, b.T)`: scipy.linalg.solve refuses masked
    arrays (read wrong blind on set 6)."""
    code = ("import numpy as np\nimport scipy.linalg\ndef f(a, b, mask):\n    a_inv = scipy.linalg.inv(a)\n"
            "    if mask.any():\n        b = np.ma.array(b, mask=mask)\n    return np.dot(a_inv, b.T)\n")
    assert lint(code, ["BL401"]) == []
    assert [d.line for d in lint(code.replace("np.ma.array(b, mask=mask)", "b * 2"), ["BL401"])] == [7]
