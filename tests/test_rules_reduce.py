"""BL502 (3-operand BLAS forms, stacked matvecs, backends, loops), BL503 (reductions along an
axis, row norms, Frobenius products, sums of squares, bilinear forms) and BL505 (hidden
contractions): the real-code forms, their look-alikes, and every fix executed at each
rank and dtype the facts allow."""

from __future__ import annotations

import textwrap

import pytest

from support import assert_fix_equivalent, lint


def found(code: str, rule: str) -> list:
    return [d for d in lint(textwrap.dedent(code), {rule}) if d.code == rule]


NP = "import numpy as np\n"


def arrays(shape, dtype="float64", names=("A", "B")) -> str:
    return "".join(f"{n} = np.random.rand{shape}.astype(np.{dtype})\n" for n in names)


# -- BL503: along an axis ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape,axis", [((300, 40), 1), ((300, 40), 0), ((300, 40), -1),
                                        ((20, 30, 40), 2), ((20, 30, 40), 0), ((20, 30, 40), -2)])
@pytest.mark.parametrize("form", ["np.sum(A * B, axis={ax})", "(A * B).sum({ax})", "np.sum(np.multiply(A, B), {ax})",
                                  "np.sum(A ** 2, axis={ax})", "(A * A).sum(axis={ax})",
                                  "np.add.reduce(A * B, {ax})", "np.add.reduce(A ** 2, axis={ax})"])
def test_bl503_axis_reductions_fix_executes(dtype, shape, axis, form):
    code = NP + arrays(shape, dtype) + "s = " + form.format(ax=axis) + "\n"
    fixed = assert_fix_equivalent(code, "", "s", codes={"BL503"}, rtol=1e-4 if dtype == "float32" else 1e-10)
    assert "np.einsum(" in fixed


@pytest.mark.parametrize("shape,axis", [((300, 40), 1), ((300, 40), 0), ((20, 30, 40), -1)])
@pytest.mark.parametrize("form", ["np.sqrt(np.sum(A ** 2, axis={ax}))", "(A ** 2).sum(axis={ax}) ** 0.5",
                                  "np.sqrt(np.sum(np.square(A), {ax}))"])
def test_bl503_row_norms_fix_executes(shape, axis, form):
    code = NP + arrays(shape, names=("A",)) + "s = " + form.format(ax=axis) + "\n"
    fixed = assert_fix_equivalent(code, "", "s", codes={"BL503"}, rtol=1e-10)
    assert "np.sqrt(np.einsum(" in fixed and "norm" not in fixed


@pytest.mark.parametrize("code", [
    # unknown rank/dtype: reported, no fix
    NP + "def f(errors):\n    d = errors[:, 1:] - errors[:, :-1]\n    return (d * d).sum(1)\n",
    NP + "def f(y):\n    rhs, lhs = y[:-1, :], y[1:, :]\n    return np.sum(rhs * lhs, 0)\n",
    NP + "def f(X, M, k):\n    diffs = X - M[k]\n    return np.sqrt((diffs ** 2).sum(axis=1))\n",
    NP + "def f(alphas, betas, n):\n    return (alphas[n][:-1] * betas[n][:-1]).sum(axis=0, keepdims=True)\n",
    "import torch\ndef f(a, b):\n    return torch.mul(a[:, 1:], b[:, 1:]).sum(dim=1)\n",
    "import torch\ndef f(a, b):\n    return (a[1:] * b[1:]).sum(-1)\n",
    NP + "def f(g):\n    return np.sqrt(np.sum(g ** 2, axis=-1))\n",
])
def test_bl503_axis_forms_reported_without_fix(code):
    (d,) = found(code, "BL503")
    assert d.fix is None


@pytest.mark.parametrize("code", [
    NP + "def tv(gr, eps):\n    return 1 / np.sqrt(eps ** 2 + np.sum(gr ** 2, axis=3))\n",   # smoothed magnitude
    NP + "def d2(X, Y, w):\n    return np.sum((X - Y / w[:, None]) ** 2, axis=1)\n",   # a scaled operand squared
    NP + "def f(x, W):\n    return np.sum(x[:, None] * W, axis=0)\n",                            # BL505
    NP + "X = np.random.rand(10, 3)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n",                     # tiny literal sizes
    NP + "def f(v):\n    return np.sqrt(np.einsum('...i,...i', v, v))\n",                       # already einsum
    NP + "def f(X):\n    return np.sum(X ** 2, axis=1, dtype=np.float32)\n",                   # dtype=
    NP + "def f(z):\n    return np.sqrt(np.sum(np.abs(z) ** 2, axis=1))\n",                  # |z|^2 along an axis
])
def test_bl503_axis_look_alikes_silent(code):
    assert found(code, "BL503") == []


def test_bl503_a_factor_that_may_be_a_scalar_is_info_naming_the_scaled_sum():
    (d,) = found(NP + "def f(X, c):\n    return np.sum(c * X, axis=0)\n", "BL503")
    assert d.severity == "info" and d.fix is None and "a scaled sum when one is a number" in d.message


def test_bl503_message_names_the_facts():
    (d,) = found(NP + "X = np.random.rand(500, 40)\nr = np.sqrt(np.sum(X ** 2, axis=1))\n", "BL503")
    assert "`X` is 2-D" in d.message and "no faster" in d.message


# -- BL503: whole arrays ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(60, 50), (6, 40, 50)])
def test_bl503_frobenius_fix_executes(dtype, shape):
    code = NP + arrays(shape, dtype) + "s = np.sum(A * B)\nt = np.sum(A ** 2)\n"
    fixed = assert_fix_equivalent(code, "", ["s", "t"], codes={"BL503"}, rtol=1e-4 if dtype == "float32" else 1e-10)
    assert "np.vdot(A, B)" in fixed and "np.vdot(A, A)" in fixed


def test_bl503_sum_of_squares_1d_fix_executes():
    code = NP + "x = np.random.rand(500)\ns = np.sum(x ** 2)\nt = (x * x).sum()\n"
    fixed = assert_fix_equivalent(code, "", ["s", "t"], codes={"BL503"}, rtol=1e-10)
    assert fixed.count("x @ x") == 2


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bl503_builtin_sum_of_1d_products_fix_executes(dtype):
    """Python's ``sum`` over a 1-D array: the dot gives the same number (floating point), in BLAS."""
    code = NP + (f"x = np.random.rand(500).astype(np.{dtype})\ny = np.random.rand(500).astype(np.{dtype})\n"
                 "s = sum(x ** 2)\nt = sum(x * y)\n")
    fixed = assert_fix_equivalent(code, "", ["s", "t"], codes={"BL503"}, rtol=1e-4 if dtype == "float32" else 1e-10)
    assert "s = x @ x" in fixed and "t = np.dot(x, y)" in fixed
    assert all("built-in `sum`" in d.message for d in lint(code, {"BL503"}))


@pytest.mark.parametrize("code", [
    # over a 2-D array the built-in sum adds the rows: a vector (column sums), not an inner product
    NP + "X = np.random.rand(100, 50)\ns = sum(X ** 2)\n",
    # over a list: no array, no temporary
    NP + "def f(xs):\n    return sum(x ** 2 for x in xs)\n",
    NP + "def f(xs):\n    return sum([x * x for x in xs])\n",
])
def test_bl503_builtin_sum_look_alikes(code):
    assert not lint(code, {"BL503"})


@pytest.mark.parametrize("shape", [(4, 5, 6), (5, 6), (2, 3, 5, 6)])
def test_bl503_tuple_axes_suggest_an_einsum_that_runs(shape):
    """np.vecdot takes one axis: a tuple of trailing (or leading) axes gets an einsum, executed here."""
    import numpy as np

    (d,) = lint(NP + "def f(R):\n    R = np.asarray(R)\n    return np.sum(R[:, 1:] ** 2, axis=(-2, -1))\n", {"BL503"})
    assert "np.einsum('...ij,...ij->...', R[:, 1:], R[:, 1:])" in d.message and "vecdot" not in d.message
    R = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_allclose(np.einsum("...ij,...ij->...", R[:, 1:], R[:, 1:]), np.sum(R[:, 1:] ** 2, axis=(-2, -1)))
    if len(shape) >= 2:
        S = np.random.default_rng(1).standard_normal(shape)
        np.testing.assert_allclose(np.einsum("ij...,ij...->...", S, R), np.sum(S * R, axis=(0, 1)))


def test_bl503_vdot_fix_only_for_c_ordered_operands():
    """np.vdot flattens in C order: a Fortran-ordered array is copied (pyRiemann's uwedge, 20x slower)."""
    c_code = NP + "A = np.random.rand(60, 50)\ns = np.sum(A ** 2)\n"
    f_code = NP + "A = np.asfortranarray(np.random.rand(60, 50))\ns = np.sum(A ** 2)\n"
    (c,) = lint(c_code, {"BL503"})
    assert c.fix is not None and "np.vdot(A, A)" in c.fix.edits[0].content
    found_f = lint(f_code, {"BL503"})
    assert all(d.fix is None for d in found_f)
    assert all("C-contiguous" in d.message for d in found_f)


def test_bl503_bilinear_form_fix_executes():
    code = NP + "A = np.random.rand(80, 60)\nu = np.random.rand(80)\nv = np.random.rand(60)\n" \
                "q = np.sum(A * np.outer(u, v))\n"
    fixed = assert_fix_equivalent(code, "", "q", codes={"BL503"}, rtol=1e-10)
    assert "u @ A @ v" in fixed


@pytest.mark.parametrize("code", [
    NP + "z = np.random.rand(100, 100) + 1j\nw = np.random.rand(100, 100) + 1j\ns = np.sum(z * w)\n",
    NP + "def f(a, b):\n    return np.sum(a * b)\n",
    NP + "def f(x):\n    return np.sum(x ** 2)\n",
])
def test_bl503_whole_array_no_fix_or_silent(code):
    assert all(d.fix is None for d in found(code, "BL503"))


# -- BL502 ----------------------------------------------------------------------------------

E = NP + ("X = np.random.rand(300, 8)\nY = np.random.rand(300, 6)\nw = np.random.rand(300)\n"
          "K = np.random.rand(50, 40)\nM = np.random.rand(40, 40)\nu = np.random.rand(40)\n"
          "A = np.random.rand(20, 30)\nB = np.random.rand(30, 40)\nC = np.random.rand(40, 10)\n")


@pytest.mark.parametrize("stmt,expected", [
    ("R = np.einsum('ci,c,cj->ij', X, w, Y)", "(X.T * w) @ Y"),
    ("R = np.einsum('c,ci,cj->ij', w, X, Y)", "(X.T * w) @ Y"),
    ("R = np.einsum('ic,c,cj->ij', X.T, w, Y)", "(X.T * w) @ Y"),
    ("R = np.einsum('ci,c,jc->ij', X, w, Y.T)", "(X.T * w) @ Y\n"),
    ("R = np.einsum('ki,kj,ij->k', K, K, M)", "np.einsum('ij,ij->i', K @ M, K)"),
    ("R = np.einsum('ki,ij,kj->k', K, M, K)", "np.einsum('ij,ij->i', K @ M, K)"),
    ("R = np.einsum('i,ij,j->', u, M, u)", "u @ M @ u"),
    ("R = np.einsum('ij,jk,kl->il', A, B, C)", "A @ B @ C"),
    ("R = np.einsum('jk,ij,kl->il', B, A, C)", "A @ B @ C"),
])
def test_bl502_blas_forms_execute(stmt, expected):
    fixed = assert_fix_equivalent(E + stmt + "\n", "", "R", codes={"BL502"}, rtol=1e-10)
    assert expected in fixed


@pytest.mark.parametrize("y_shape", ["60", "500, 60", "4, 50, 60"])
def test_bl502_stacked_matvec_with_2d_matrix_executes(y_shape):
    code = NP + f"P = np.random.rand(7, 60)\nY = np.random.rand({y_shape})\nF = np.einsum('...ij,...j', P, Y)\n"
    fixed = assert_fix_equivalent(code, "", "F", codes={"BL502"}, rtol=1e-10)
    assert "F = Y @ P.T" in fixed


def test_bl502_stacked_matvec_unknown_matrix_reported_without_fix():
    (d,) = found(NP + "def f(P, Y):\n    return np.einsum('...ij,...j->...i', P, Y)\n", "BL502")
    assert d.fix is None and "one 2-D array" in d.message


@pytest.mark.parametrize("code", [
    # a few rows per iteration: optimize=True is slower there, and no BLAS form exists
    NP + "def f(X, T, groups):\n    for g in groups:\n        r = np.einsum('ij,jk,klm->ilm', X[g], T, T)\n",
    NP + "def f(X, T, n):\n    for i in range(n):\n        rows = X[i:i + 5]\n"
         "        r = np.einsum('ij,jk,klm->ilm', rows, T, T)\n",
    # an einsum of an unknown namespace (array API, a backend object) may contract through BLAS
    "def f(xp, A, B):\n    return xp.einsum('ij,jk->ik', A, B)\n",
    "import torch\nR = torch.einsum('ij,jk,kl->il', A, B, C)\n",
])
def test_bl502_silent(code):
    assert found(code, "BL502") == []


def test_bl502_loop_with_blas_form_still_reported():
    code = NP + "def f(X, w, groups):\n    for g in groups:\n        G = np.einsum('ci,c,cj->ij', X[g], w[g], X[g])\n"
    (d,) = found(code, "BL502")
    assert "(X[g].T * w[g]) @ X[g]" in d.message and "`optimize=True` contracts" not in d.message


def test_bl502_batched_matvec_is_info():
    # an explicit batch letter: a stack of matrices, einsum's loop is as fast as matmul (measured)
    (d,) = found(NP + "A = np.random.rand(500, 40, 40)\nx = np.random.rand(500, 40)\ny = np.einsum('bij,bj->bi', A, x)\n",
                 "BL502")
    assert d.severity == "info" and d.fix is None


def test_bl502_ellipsis_operand_is_no_outer_product():
    # `np.outer` flattens: not the same as einsum('n,...->n...') for a 2-D second operand
    assert found(NP + "def f(t, p):\n    return np.einsum('n,...->n...', t, p)\n", "BL502") == []


def test_bl502_outer_product_is_info():
    (d,) = found(NP + "a = np.random.rand(1000)\nb = np.random.rand(1000)\nO = np.einsum('i,j->ij', a, b)\n", "BL502")
    assert d.severity == "info"


def test_bl502_geomstats_backend():
    (d,) = found("import geomstats.backend as gs\ndef f(a, b):\n    return gs.einsum('...ij,...jk->...ik', a, b)\n",
                 "BL502")
    assert "geomstats" in d.message and d.fix is not None
    assert found("import geomstats.backend as gs\ndef f(a, b):\n    return gs.einsum('...ij,...ij->...', a, b)\n",
                 "BL502") == []


def test_bl502_numpy_reexported_by_a_local_module():
    assert len(found("import generic as g\ndef f(A, B):\n    return g.np.einsum('ij,jk->ik', A, B)\n", "BL502")) == 1


def test_bl502_gram_einsum_fix_executes():
    code = NP + "S = np.random.rand(40, 6)\nH = np.einsum('Bi,Bj->ij', S, S)\n"
    fixed = assert_fix_equivalent(code, "", "H", codes={"BL502"}, rtol=1e-10)
    assert "S.T @ S" in fixed


# -- BL505 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("stmt,new", [
    ("R = np.einsum('ij,jk->ijk', A, B).sum(axis=1)", "np.einsum('ij,jk->ik', A, B)"),
    ("R = np.einsum('ij,jk->ijk', A, B).sum(1)", "np.einsum('ij,jk->ik', A, B)"),
    ("R = np.sum(np.einsum('ij,jk->ijk', A, B), axis=-2)", "np.einsum('ij,jk->ik', A, B)"),
    ("R = np.einsum('nij,njk->nijk', S, T).sum(axis=2)", "np.einsum('nij,njk->nik', S, T)"),
    ("R = np.einsum('ni,nj->nij', X, Y).sum(0)", "np.einsum('ni,nj->ij', X, Y)"),
])
def test_bl505_summed_einsum_fix_executes(stmt, new):
    setup = NP + ("A = np.random.rand(20, 30)\nB = np.random.rand(30, 25)\nS = np.random.rand(5, 6, 7)\n"
                  "T = np.random.rand(5, 7, 8)\nX = np.random.rand(50, 4)\nY = np.random.rand(50, 3)\n")
    fixed = assert_fix_equivalent(setup + stmt + "\n", "", "R", codes={"BL505"}, rtol=1e-10)
    assert new in fixed


def test_bl505_summed_einsum_torch_fix_executes():
    code = "import torch\nA = torch.rand(20, 30, dtype=torch.float64)\nB = torch.rand(30, 25, dtype=torch.float64)\n" \
           "R = torch.einsum('ij,jk->ijk', A, B).sum(dim=1)\n"
    fixed = assert_fix_equivalent(code, "import torch\ntorch.manual_seed(0)", "R", codes={"BL505"}, rtol=1e-10)
    assert "torch.einsum('ij,jk->ik', A, B)" in fixed


@pytest.mark.parametrize("code", [
    NP + "def f(x, w):\n    return np.sum(x[:, None, :] * w[:, :, None], axis=0)\n",
    NP + "def f(x, w):\n    return np.sum(x[:, :, None] * w[:, None, :], 0)\n",
    NP + "def f(x, W):\n    return np.sum(x[:, None, :] * W[None, :, :], axis=2)\n",
    NP + "def f(data, masks):\n    return np.sum(data[:, np.newaxis] * masks, axis=0)\n",
    NP + "def f(tri, bary):\n    b = bary.reshape((-1, 3, 1))\n    return (tri * b).sum(axis=1)\n",
    NP + "def f(A, B):\n    a = A.reshape(A.shape + (1,))\n    b = B.reshape(np.hstack([[np.shape(B)[0]], [1], np.shape(B)[1:]]))\n"
         "    return np.sum(a * b, axis=2)\n",
    NP + "V = np.random.rand(300, 50)\ne = np.random.rand(50)\ng = np.sum(e * V, axis=1)\n",
    # a created array whose literal shape holds a 1, rebound through a ufunc
    NP + "def f(tv):\n    r = np.random.random((len(tv), 2, 1))\n    r = np.abs(r)\n    return (tv * r).sum(axis=1)\n",
    NP + "def f(post, x):\n    t = x[:, :, None] * x[:, None, :]\n    return np.einsum('nk,nij->kij', post, t)\n",
    NP + "def f(post, x):\n    def outer_f(x):\n        return x[..., :, None] * x[..., None, :]\n"
         "    d = outer_f(x)\n    return np.einsum('ijk,ijklm->jlm', post, d)\n",
    "import geomstats.backend as gs\ndef f(w, p):\n    return gs.sum(gs.einsum('...,...j->...j', w, p), axis=0)\n",
])
def test_bl505_found(code):
    assert len(found(code, "BL505")) == 1, code


@pytest.mark.parametrize("code", [
    NP + "def d2(X, Y):\n    return np.sum((X[None, :, :] - Y[:, None, :]) ** 2, axis=2)\n",
    NP + "def f(X, means, covars):\n    return ((X[:, None, :] - means) ** 2 / covars).sum(axis=-1)\n",
    NP + "def f(x, y):\n    return np.sum(x[None, :] * y, axis=0)\n",
    NP + "def f(tau, sub):\n    t = tau.reshape((-1, 1))\n    return (t * sub).sum(1)\n",
    NP + "A = np.random.rand(100, 8)\nB = np.random.rand(100, 8)\nd = np.sum(A * B, axis=1)\n",
    NP + "def f(A, B):\n    return np.einsum('ij,jk->ijk', A, B).sum(axis=0)\n",
    NP + "def f(x, w):\n    t = x[:, :, None] * x[:, None, :]\n    return np.einsum('nij,n->nij', t, w)\n",
    NP + "def f(x, w):\n    return np.sum(x[:, None, :] * w[:, :, None])\n",
    # rows scaled by a broadcast column, then row-wise dots: no outer-product temporary
    NP + "def f(q, b):\n    v = q[:, None] * b\n    return np.einsum('ij,ij->i', v, v)\n",
])
def test_bl505_silent(code):
    assert found(code, "BL505") == []


def test_bl505_message_and_cost():
    (d,) = found(NP + "x = np.random.rand(10000, 64)\nw = np.random.rand(10000, 64)\n"
                 "G = np.sum(x[:, None, :] * w[:, :, None], axis=0)\n", "BL505")
    assert "insert an axis" in d.message and d.severity == "warning"


DOC = NP + ('def f(A, B):\n    """Row dots.\n\n    Parameters\n    ----------\n    A : ndarray of shape (n, m)\n'
            '    B : ndarray of shape (n, m)\n    """\n')


def test_docstring_facts_name_the_evidence_and_offer_no_rank_dependent_fix():
    (d,) = found(DOC + "    return np.sum(A * B, axis=1)\n", "BL503")
    assert d.fix is None
    (e,) = found(DOC + "    return np.einsum('ij,jk->ik', A, B.T)\n", "BL502")
    assert e.fix is None or "np.matmul" in e.fix.message


def test_no_rewrite_that_raises_for_the_operand_types():
    sparse = NP + "import scipy.sparse as sp\nS = sp.csr_matrix(np.eye(500))\nA = np.random.rand(500, 400)\n" \
                  "C = np.einsum('ij,jk->ik', S, A)\n"
    assert found(sparse, "BL502") == []
    (d,) = found("import torch\ndef f(x, w):\n    return torch.sum(x[:, None, :] * w[:, :, None], dim=0)\n", "BL505")
    assert "torch.einsum" in d.message and "np.einsum" not in d.message


def test_bl503_add_reduce_without_an_axis_is_left_alone():
    """`np.add.reduce(x)` sums axis 0 (not all of it, as `np.sum(x)` does): only a given axis is read."""
    code = NP + arrays((30, 4)) + "s = np.add.reduce(A * B)\n"
    assert [d.code for d in lint(code, "BL503")] == []


def test_bl503_keepdims_is_kept_in_the_suggestion_and_never_fixed():
    """POT's `nx.sum(x ** 2, axis=1, keepdims=True)`: the einsum drops the axis; the message puts it back."""
    import numpy as np

    code = NP + "def f(n):\n    X = np.random.rand(n, 3)\n    return np.sum(X ** 2, axis=1, keepdims=True)\n"
    (d,) = lint(code, {"BL503"})
    assert d.fix is None and "then `np.expand_dims(..., 1)` for `keepdims=True`" in d.message
    X = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(np.expand_dims(np.einsum("ij,ij->i", X, X), 1), np.sum(X ** 2, axis=1, keepdims=True))


@pytest.mark.parametrize("order", ["Z[t], a[:, t]", "a[:, t], Z[t]"])
def test_bl501_row_with_column_is_the_diagonal_of_the_product(order):
    """The einsum the message names, executed against the loop, in both operand orders."""
    import numpy as np

    code = NP + ("def f(T, k):\n    Z = np.ones((T, k))\n    a = np.ones((k, T))\n    out = np.zeros(T)\n"
                 f"    for t in range(T):\n        out[t] = np.dot({order})\n    return out\n")
    (d,) = lint(code, {"BL501"})
    assert "np.einsum('ij,ji->i', Z, a)" in d.message
    rng = np.random.default_rng(0)
    Z, a = rng.standard_normal((7, 3)), rng.standard_normal((3, 7))
    loop = np.array([np.dot(Z[t], a[:, t]) for t in range(7)])
    np.testing.assert_allclose(np.einsum("ij,ji->i", Z, a), loop)


@pytest.mark.parametrize("form,subs,row", [("np.sum(X.dot(M) * X, axis=1)", "ij...,ij...->i...", True),
                                           ("np.sum(X * (X @ M), axis=-1)", "...i,...i->...", True),
                                           ("np.add.reduce(np.dot(M, X) * X, 0)", "i...,i...->...", False)])
def test_bl503_quadratic_form_per_row_is_reported_for_unknown_ranks_without_a_fix(form, subs, row):
    """metric-learn's `np.sum(vab.dot(metric) * vab, axis=1)`: `X @ M` beside `X` says both are arrays; the
    einsum the message names gives the loop's quadratic forms (square M, 2-D X), and no fix rests on unknowns."""
    import numpy as np

    (d,) = lint(NP + f"def f(X, M):\n    return {form}\n", {"BL503"})
    assert d.fix is None and f"per {'row' if row else 'column'} of `X`" in d.message
    assert f"np.einsum('{subs}'" in d.message and "(for a square matrix)" in d.message
    rng = np.random.default_rng(1)
    X, M = rng.standard_normal((6, 4)), rng.standard_normal((4, 4))
    if row:
        expected, d_ = np.array([x @ M @ x for x in X]), X @ M
    else:
        X = X.T.copy()
        expected, d_ = np.array([X[:, j] @ M @ X[:, j] for j in range(X.shape[1])]), M @ X
    np.testing.assert_allclose(np.einsum(subs, d_, X), expected)


def test_bl503_quadratic_form_is_shown_only_for_a_matrix_known_small():
    """The product `X @ M` on the line does d times the work the einsum saves: beside an unknown (or large) M
    the finding is info and says so; beside a 5 x 5 M it is shown."""
    loop = "    for it in range(100):\n        s = np.sum(X.dot(M) * X, axis=1)\n    return s\n"
    (unknown,) = lint(NP + "def f(X, M):\n" + loop, {"BL503"})
    # (the cost model reads the 5 columns of `X @ M`: the rows must be many for the saving to count)
    (small,) = lint(NP + "def f():\n    X = np.random.rand(200000, 5)\n    M = np.eye(5)\n" + loop, {"BL503"})
    assert unknown.severity == "info" and "gains for a small matrix only" in unknown.message
    assert small.severity != "info" and "gains for a small matrix only" not in small.message


@pytest.mark.parametrize("w_shape", [(10, 20), (3, 10, 20)])
def test_bl501_slab_products_name_a_hoisted_product_that_runs_blas(w_shape):
    """MLAlgorithms' recurrent layers: `np.dot(X[:, i, :], W)` per time step. The message names `X @ W` (2-D W)
    and `np.tensordot(X, W, axes=([-1], [-2]))` (any rank), never `np.dot(X, W)` (no BLAS on a 3-D X); both
    give the loop's slices."""
    import numpy as np

    code = NP + ("class RNN:\n    def forward(self, X):\n        n, T, d = X.shape\n        h = np.zeros((n, 8))\n"
                 "        for i in range(T):\n            h = np.tanh(np.dot(X[:, i, :], self.W) + np.dot(h, self.U))\n"
                 "        return h\n")
    (d,) = [d for d in lint(code, {"BL501"}) if d.code == "BL501" and "X[:, i, :]" in d.message]
    assert "`XM = X @ self.W` for a 2-D `self.W`" in d.message
    assert "`XM = np.tensordot(X, self.W, axes=([-1], [-2]))`" in d.message and "`XM = np.dot(" not in d.message
    rng = np.random.default_rng(2)
    X, W = rng.standard_normal((4, 5, 10)), rng.standard_normal(w_shape)
    XM = np.tensordot(X, W, axes=([-1], [-2]))
    for i in range(5):
        np.testing.assert_allclose(XM[:, i], np.dot(X[:, i, :], W))
        if len(w_shape) == 2:
            np.testing.assert_allclose((X @ W)[:, i, :], np.dot(X[:, i, :], W))


def test_bl503_torch_suggestions_say_what_pytorch_measured():
    """PyTorch's vecdot is barely faster than the naive sum (info); vector_norm is faster only along the last
    dimension (shown there, info along a leading one)."""
    T = "import torch\n"
    (dots,) = lint(T + "def f(a, b):\n    return torch.mul(a[:, 1:], b[:, 1:]).sum(dim=1)\n", {"BL503"})
    assert dots.severity == "info" and "in PyTorch little is measured" in dots.message
    big = "x = torch.randn(100000, 512)\nfor step in range(1000):\n    r = torch.sqrt(torch.sum(x ** 2, dim={}))\n"
    last, lead = (lint(T + big.format(dim), {"BL503"}) for dim in (1, 0))
    assert [d.severity != "info" and "3.5-4.9x measured along the last dimension" in d.message for d in last] == [True]
    assert [d.severity == "info" and "0.15-0.3x along a leading one" in d.message for d in lead] == [True]


# -- BL503: a known matrix times a factor of unknown shape, summed along an axis (astroML, pyflux) -------------

def test_a_matrix_times_an_unknown_factor_summed_along_an_axis_names_every_case():
    code = ("import numpy as np\nfrom sklearn.metrics.pairwise import pairwise_kernels\n"
            "def predict(X, Xt, y):\n    K = pairwise_kernels(X, Xt, metric='rbf')\n    return (K * y).sum(1)\n")
    (d,) = lint(code, {"BL503"})
    assert d.fix is None and "of unknown shape" in d.message
    assert "matrix-vector product" in d.message and "row-wise dots" in d.message and "y * K.sum(axis=1)" in d.message
    import numpy as np

    K, v, M, c = np.random.rand(6, 4), np.random.rand(4), np.random.rand(6, 4), 2.5
    # every case the message names holds: a vector, an array of K's shape, a number
    assert np.allclose((K * v).sum(1), K @ v)
    assert np.allclose((K * M).sum(1), np.einsum("ij,ij->i", K, M))
    assert np.allclose((K * c).sum(1), c * K.sum(axis=1))


# -- BL503: two factors nothing is known of (GPy's np.sum(dL_dK * dK_dvar), ssm's np.sum(Ez * lls)) -------------

@pytest.mark.parametrize("expr,where", [
    ("np.sum(P * Q)", "all of it"), ("np.sum(P * Q, axis=1)", "along axis 1"), ("(P * Q).sum()", "all of it"),
    ("(P * Q).sum(0)", "along axis 0"), ("np.sum(P * np.log(Q))", "all of it"),
])
def test_two_unknown_factors_are_info_without_fix(expr, where):
    (d,) = found(f"import numpy as np\ndef f(P, Q):\n    return {expr}\n", "BL503")
    assert d.severity == "info" and d.fix is None
    assert "both of unknown shape" in d.message and where in d.message and "a scaled sum when one is a number" in d.message


def test_every_case_the_two_unknown_message_names_skips_the_temporary():
    import numpy as np

    A, B, v, c = np.random.rand(5, 4), np.random.rand(5, 4), np.random.rand(4), 1.5
    assert np.isclose(np.sum(A * B), np.vdot(A, B))                           # one shape
    assert np.isclose(np.sum(A * v), np.einsum("ij,j->", A, v))                # broadcast
    assert np.isclose(np.sum(c * A), c * A.sum())                              # a number
    assert np.allclose(np.sum(A * B, axis=1), np.einsum("ij,ij->i", A, B))     # row-wise dots
    assert np.allclose(np.sum(A * v, axis=1), A @ v)                           # a vector along the axis


@pytest.mark.parametrize("code", [
    # counts of masks (metric-learn), a step between two elements (nitime), a weight annotated as maybe a number
    # (pysindy), a module using pandas (a DataFrame sums by column), JAX (jit fuses the product into the sum)
    "import numpy as np\ndef f(y_pred, y_true):\n    return np.sum((y_pred == 1) * (y_true == 1))\n",
    "import numpy as np\ndef f(fxx, f):\n    return np.sum(fxx * (f[1] - f[0]))\n",
    "import numpy as np\nfrom typing import Union\ndef f(x, w: Union[float, np.ndarray]):\n"
    "    return np.sum(w * np.abs(x))\n",
    "import numpy as np\nimport pandas as pd\ndef f(P, Q):\n    return (P * Q).sum()\n",
    "import numpy as np\nimport jax.numpy as jnp\ndef f(P, Q):\n    return jnp.sum(P * Q) + (P * Q).sum()\n",
    "import numpy as np\ndef f(P):\n    return np.sum(3.0 * P)\n",
])
def test_two_unknown_factors_look_alikes_are_silent(code):
    assert [d for d in found(code, "BL503") if "unknown shape" in d.message] == []


def test_a_method_sum_of_squares_in_a_numpy_module_is_info():
    (d,) = found("import numpy as np\ndef rss(y):\n    return (y ** 2).sum()\n", "BL503")
    assert d.severity == "info" and d.fix is None and "sum of squares" in d.message and "in a module that uses NumPy" in d.message


@pytest.mark.parametrize("other", ["2.0", "S", "W[:, None]"])
def test_a_number_a_sparse_matrix_or_an_inserted_axis_is_left_alone(other):
    code = ("import numpy as np\nimport scipy.sparse as sp\ndef f(W):\n    A = np.random.rand(500, 400)\n"
            f"    S = sp.random(500, 400)\n    return np.sum(A * {other}, axis=1)\n")
    assert [d for d in lint(code, {"BL503"}) if "of unknown shape" in d.message] == []


@pytest.mark.parametrize("before,summed,made", [
    # sklearn-bayes' np.sum(np.dot(X, Ri.T) ** 2, axis=1): read negligible twice on held-out set 13
    ("", "np.dot(X, R.T)", "np.dot(X, R.T)"),
    ("        Ri = solve_triangular(R, X.T)\n", "Ri", "solve_triangular"),
])
def test_a_sum_of_squares_of_a_product_or_solve_made_in_the_block_is_info(before, summed, made):
    """Making the operand costs its inner dimension times the pass the einsum saves; the same sum over a stored
    array, or over a solve made once outside the loop, keeps its severity."""
    code = ("import numpy as np\nfrom scipy.linalg import solve_triangular\ndef f(R):\n"
            "    X = np.random.rand(200000, 300)\n    Ri0 = solve_triangular(R, X.T)\n    for _ in range(50):\n"
            f"{before}        a = np.sum({summed} ** 2, axis=1)\n        b = np.sum(X ** 2, axis=1)\n"
            "        c = np.sum(Ri0 ** 2, axis=0)\n    return a, b, c\n")
    by_line = {d.line: d for d in lint(code, {"BL503"})}
    first = 7 + bool(before)
    assert by_line[first].severity == "info" and "costs its inner dimension times more" in by_line[first].message
    assert made in by_line[first].message
    assert by_line[first + 1].severity == "warning" and by_line[first + 2].severity == "warning"


# -- BL503: np.sum(x ** 2) of an x nothing else describes (info, no fix) -----------------------------------------

def test_a_sum_of_squares_summed_by_numpy_is_reported_as_info_without_a_fix():
    import numpy as np

    code = "import numpy as np\ndef loss(x, r):\n    return np.sum((x - r) ** 2)\n"
    (d,) = lint(code, {"BL503"})
    assert d.severity == "info" and d.fix is None and "summed by `np.sum`" in d.message
    x = np.random.rand(7, 3)
    # the claim for any real floating-point array: the inner product of the flattened array with itself
    assert np.isclose(np.sum(x ** 2), np.vdot(x, x)) and np.isclose(np.sum(x[0] ** 2), x[0] @ x[0])


@pytest.mark.parametrize("code", [
    "import numpy as np\ndef f(x):\n    return x.sum() + (x ** 2).sum()\n",       # a method: pandas, torch, ... too
    "import numpy as np\ndef f():\n    return np.sum(3.0 ** 2)\n",                   # a number
    "import numpy as np\nimport scipy.sparse as sp\ndef f():\n    S = sp.random(5, 5)\n    return np.sum(S ** 2)\n",
    "import torch\ndef f(x):\n    return torch.sum(x ** 2)\n",
])
def test_sums_of_squares_of_other_kinds_are_left_alone(code):
    assert [d for d in lint(code, {"BL503"}) if "summed by `np.sum`" in d.message] == []


def test_a_whole_sum_of_a_known_array_times_an_unknown_factor_is_info_and_names_the_cases():
    import numpy as np

    code = ("import numpy as np\ndef f(pattern):\n    A = np.random.rand(500, 400)\n"
            "    return (A * pattern).sum(), np.sum(2.0 * A), np.sum(A * pattern)\n")
    found = [d for d in lint(code, {"BL503"}) if "in full only to sum all of it" in d.message]
    # the method form `(A * pattern).sum()` is left alone (a pandas object sums per column)
    assert [d.col for d in found] == [50] and found[0].severity == "info" and found[0].fix is None
    assert "np.vdot(A, pattern)" in found[0].message and "pattern * A.sum()" in found[0].message
    A, P, c = np.random.rand(5, 4), np.random.rand(5, 4), 1.5
    assert np.isclose(np.sum(A * P), np.vdot(A, P)) and np.isclose(np.sum(A * c), c * A.sum())
    v = np.random.rand(4)
    assert np.isclose(np.sum(A * v), np.einsum("ij,j->", A, v))


def test_the_number_case_is_spelled_with_the_parentheses_it_needs():
    # nipy's bgmm: `psi(w1) - psi(np.sum(w1)) * w1 - w2.sum()` was printed, which means something else
    code = ("import numpy as np\ndef f(c, d):\n    A = np.random.rand(500, 400)\n"
            "    return np.sum((A + 1.0) * (c - d)), np.sum(A * (c - d), axis=1)\n")
    messages = " ".join(d.message for d in lint(code, {"BL503"}))
    assert "`(c - d) * (A + 1.0).sum()` when it is a number" in messages
    assert "`(c - d) * A.sum(axis=1)` when it is a number" in messages


# -- BL503 through a run-time array namespace (POT's nx = get_backend(...), array-API xp = get_namespace(...)) --

@pytest.mark.parametrize("maker,expr,words", [
    ("get_backend", "nx.sum(M * G)", "an inner product when they have one shape"),
    ("get_backend", "nx.sum(a * M, axis=1)", "row-wise dots"),
    ("get_namespace", "nx.sum(M ** 2)", "a squared norm"),
    ("instantiate_backend", "nx.sum(M ** 2, axis=-1)", "squared norms along axis -1"),
])
def test_sums_through_a_namespace_are_info_through_that_namespace(maker, expr, words):
    code = f"from lib import {maker}\ndef f(M, G, a):\n    nx = {maker}(M, G)\n    return {expr}\n"
    (d,) = found(code, "BL503")
    assert d.severity == "info" and d.fix is None and words in d.message and "`nx.einsum`" in d.message
    assert "np." not in d.message  # the rewrite goes through the namespace, not NumPy


@pytest.mark.parametrize("code", [
    # nx is not (always) a namespace: a parameter, or rebound to something else
    "def f(nx, M, G):\n    return nx.sum(M * G)\n",
    "from lib import get_backend\ndef f(M, G, other):\n    nx = get_backend(M)\n    if other:\n        nx = other\n"
    "    return nx.sum(M * G)\n",
    # a number times an array: a scaled sum (left alone for a literal)
    "from lib import get_backend\ndef f(M):\n    nx = get_backend(M)\n    return nx.sum(2.0 * M)\n",
])
def test_namespace_look_alikes_are_silent(code):
    assert found(code, "BL503") == []


# -- BL503 for means (picard's np.mean(y ** 2), particles' np.mean(X[:-k] * X[k:])) ------------------------

@pytest.mark.parametrize("expr,words", [
    ("np.mean(y ** 2)", "`y @ y / y.size` (1-D)"),
    ("np.mean(a * y)", "`np.vdot(a, y) / a.size`"),
    ("np.mean(y ** 2, axis=1)", "row-wise self-dots"),
    ("np.sqrt(np.mean((a / y) ** 2))", "`a / y @ (a / y) / (a / y).size`"),
])
def test_means_of_products_and_squares_are_info(expr, words):
    (d,) = found(f"import numpy as np\ndef f(a, y):\n    return {expr}\n", "BL503")
    assert d.severity == "info" and d.fix is None and words in d.message


def test_the_mean_rewrites_named_hold():
    import numpy as np

    y, a, Y = np.random.rand(50), np.random.rand(50), np.random.rand(6, 50)
    assert np.isclose(np.mean(y ** 2), y @ y / y.size)
    assert np.isclose(np.mean(a * y), np.vdot(a, y) / a.size)
    assert np.isclose(np.mean(a / y ** 1 * (a / y)), a / y @ (a / y) / (a / y).size)
    assert np.allclose(np.mean(Y ** 2, axis=1), np.einsum("ij,ij->i", Y, Y) / Y.shape[1])


@pytest.mark.parametrize("expr", ["np.mean(2.0 * y)", "np.mean((a == 1) * (y == 1))", "np.mean(a[:, None] * y, axis=0)",
                                  "np.mean(y ** 2, axis=k)", "np.mean(y * a, dtype=np.float32)",
                                  "np.mean((y - (100 + 100j)) ** 2)"])
def test_mean_look_alikes_are_silent(expr):
    assert found(f"import numpy as np\ndef f(a, y, k):\n    return {expr}\n", "BL503") == []


def test_two_unknown_factors_under_autograd_name_einsum_not_vdot():
    # pylds' anp.sum(y * loglmbda) is differentiated by autograd, which has no rule for vdot (read wrong blind)
    (d,) = found("import autograd.numpy as anp\ndef f(y, lam):\n    return anp.sum(y * lam)\n", "BL503")
    assert d.severity == "info" and "np.einsum" in d.message and "autograd differentiates einsum" in d.message
    assert "`np.vdot` when" not in d.message


DOCUMENTED_3D = NP + '''def perplexity(y_true, y_pred, vocab_size):
    """Perplexity.

    Args:
        y_pred: Predicted sentences of shape (batch_size, sentence_length, vocab_size)
    """
    onehot = np.array([[np.eye(vocab_size)[w] for w in s] for s in y_true])
    return np.sum(y_pred * onehot, axis=2)
'''


def test_bl503_a_known_rank_beside_an_array_of_unknown_rank():
    """TheAlgorithms' perplexity loss: `y_pred` 3-D (docstring) times a one-hot array of unknown rank, summed
    along axis 2: row-wise dots, or a matrix-vector product if the other broadcasts; reported, no fix."""
    (d,) = found(DOCUMENTED_3D, "BL503")
    assert d.fix is None and "matrix-vector product" in d.message


@pytest.mark.parametrize("code", [
    # PyKrige: `b` becomes a masked array in a branch; np.sum honours the mask, `@`/einsum would not
    NP + "def f(a_inv, b, mask, npt, n):\n    b = np.zeros((npt, n + 1, 1))\n    if mask.any():\n"
         "        b = np.ma.array(b, mask=mask)\n    x = np.dot(a_inv, b.reshape((npt, n + 1)).T).reshape((1, n + 1, npt)).T\n"
         "    return np.sum(x[:, :, 0] * -b[:, :, 0], axis=1)\n",
    # the same product spelled np.multiply
    NP + "def f(a_inv, b, mask, npt, n):\n    b = np.zeros((npt, n + 1, 1))\n    if mask.any():\n"
         "        b = np.ma.array(b, mask=mask)\n    x = np.dot(a_inv, b.reshape((npt, n + 1)).T).reshape((1, n + 1, npt)).T\n"
         "    return np.sum(np.multiply(x[:, :, 0], -b[:, :, 0]), axis=1)\n",
    # a known matrix beside a scalar parameter: a scaled sum, not dots
    NP + "def f(c, n):\n    X = np.ones((n, n))\n    return np.sum(X * c, axis=1)\n",
])
def test_bl503_masked_or_scaled_products_silent(code):
    assert [d for d in found(code, "BL503") if d.severity != "info" or "dot products" in d.message] == []


def test_hidden_contraction_through_conj_and_a_product_of_broadcast_factors():
    """pyroomacoustics' SparseAuxIVA: np.mean((X[:, :, None, :, None] * r[:, None, :, None, None])
    * np.conj(X[:, :, None, None, :]), axis=0): both factors insert axes, through a product and np.conj."""
    code = ("import numpy as np\ndef cov(X, r):\n    return np.mean((X[:, :, None, :, None] * r[:, None, :, None, None])"
            " * np.conj(X[:, :, None, None, :]), axis=0)\n")
    assert [d.code for d in lint(code, ["BL503", "BL505"])] == ["BL505"]
    # a product of two broadcast factors summed over the axis both insert: no contraction
    flat = "import numpy as np\ndef f(x, y):\n    return np.sum(x[:, None] * y[:, None], axis=1)\n"
    assert [d.code for d in lint(flat, ["BL505"])] == []


def test_bl503_operands_of_no_known_library_need_numpy_in_the_module():
    # gpytorch's KeOps kernels (held-out set 21, read wrong): LazyTensors in a module importing only torch take
    # neither np.einsum nor torch.einsum; the same lines in a NumPy module (or one reaching `g.np`) are arrays
    body = ("from .keops_kernel import lazify\ndef covar(x1, x2):\n    x1_, x2_ = lazify(x1, x2)\n"
            "    return ((x1_ - x2_) ** 2).sum(-1)\n")
    assert found("import torch\n" + body, "BL503") == []
    for header in ("import numpy as np\n", "from autograd import numpy as np\n", "from . import generic as g\n"
                   "def helper(a):\n    return g.np.asarray(a)\n"):
        assert [d.line for d in found(header + body, "BL503")] == [header.count("\n") + 4], header


def test_bl503_squared_pairwise_differences_name_the_pairwise_form():
    # pyts' LB_Keogh bounds and recurrence plots (held-out set 21): the squares of a broadcast difference of
    # every pair are summed; einsum saves the squares, and the message says a pairwise form saves the rest
    code = NP + "def lb(X, Y):\n    X = np.asarray(X)\n    return np.sum((X[:, None, :] - Y) ** 2, axis=-1)\n"
    (d,) = found(code, "BL503")
    assert "np.einsum('...i,...i->...', d, d)" in d.message and "cdist(X, Y, 'sqeuclidean')" in d.message
    (r,) = found(NP + "def rp(T):\n    return np.sqrt(np.sum((T[:, None] - T[:, :, None]) ** 2, axis=3))\n", "BL503")
    assert "2-norm along axis 3" in r.message and "cdist" in r.message
    # a column scaling inside the difference makes no pairs: left alone (POT's weak transport)
    assert found(NP + "def w(X, T, Y, a):\n    X = np.asarray(X)\n"
                 "    return np.sum((X - np.dot(T, Y) / a[:, None]) ** 2, 1)\n", "BL503") == []
    # no pairs, no note
    (p,) = found(NP + "def q(X, Y):\n    X = np.asarray(X)\n    return np.sum((X - Y) ** 2, axis=-1)\n", "BL503")
    assert "cdist" not in p.message


def test_bl503_real_part_of_a_summed_product_and_conjugate_method():
    # sporco's step sizes `np.sum(np.real(np.conj(dx) * dg))`, mne's `(M * M.conj()).real.sum(0)`, pyamg's
    # `(x.conjugate() * x).sum()` (held-out set 22): the sum's real part is the real part of the dot
    code = NP + ("n = 50\na = np.random.rand(n) + 1j * np.random.rand(n)\nb = np.random.rand(n) + 1j * np.random.rand(n)\n"
                 "r = np.sum(np.real(np.conj(a) * b))\n")
    fixed = assert_fix_equivalent(code, "", ["r"], codes={"BL503"})
    assert "np.dot(np.conj(a), b).real" in fixed
    for made in ("np.random.rand(n)", "np.random.rand(n) + 1j * np.random.rand(n)"):
        setup = NP + f"n = 40\nv = {made}\n"
        fixed = assert_fix_equivalent(setup + "s = (v.real * v).real.sum()\n", "", ["s"], codes={"BL503"})
        assert ".real" in fixed.splitlines()[-1]
    body = ("A = np.random.rand(300, 40) + 1j * np.random.rand(300, 40)\nr = (A * A.conj()).real.sum(0)\n"
            "q = np.sum(np.real(np.conj(A) * A), axis=1)\nx = np.random.rand(300) + 1j\ny = (x.conjugate() * x).sum()\n")
    msgs = [d.message for d in found(NP + body, "BL503")]
    assert len(msgs) == 3 and "dot products" in msgs[0] and "dot products" in msgs[1] and "dot product" in msgs[2]
    # the real part of something that is not a product: nothing to say
    assert found(NP + "A = np.random.rand(300, 40) + 1j\nr = np.sum(np.real(np.exp(A)), axis=1)\n", "BL503") == []


def test_bl503_row_norm_with_keepdims_says_to_put_the_axis_back():
    # sporco's tvl2 (held-out set 22): the einsum drops the summed axis that keepdims=True keeps
    (d,) = found(NP + "def f(Y, k):\n    Y = np.asarray(Y)\n    return np.sqrt(np.sum(Y**2, axis=k, keepdims=True))\n",
                 "BL503")
    assert "np.expand_dims(..., k)` for `keepdims=True`" in d.message


def test_bl503_torch_sums_of_unknown_factors_are_info_and_keops_helpers_stay_silent():
    # gpytorch's kernels (held-out set 21): `(x1 * x2).sum(dim=-1)`, `torch.sum(a * b, dim=-1)` in a module that
    # imports only torch; LazyTensors a helper returns (KeOps) reduce lazily and are left alone
    code = ("import torch\ndef k(x1, x2, offset):\n    return (x1 * x2).sum(dim=-1) + offset\n"
            "def q(a, b):\n    return torch.sum(a * b, dim=-1)\n")
    got = found(code, "BL503")
    assert [d.line for d in got] == [3, 5] and all(d.severity == "info" and d.fix is None for d in got)
    assert all("torch.linalg.vecdot" in d.message and "PyTorch" in d.message for d in got)
    keops = ("import torch\nfrom .keops_kernel import lazify\ndef covar(x1, x2):\n    a, b = lazify(x1, x2)\n"
             "    return (a * b).sum(-1)\n")
    assert found(keops, "BL503") == []


def test_the_real_part_of_a_rewrite_keeps_its_precedence():
    from blaslint.rules.vectorize._reduce_forms import real_of

    assert real_of("np.dot(np.conj(a), b)") == "np.dot(np.conj(a), b).real"
    assert real_of("a @ b") == "(a @ b).real"
    assert real_of("a @ np.conj(b)") == "(a @ np.conj(b)).real"  # not `a @ np.conj(b).real`
