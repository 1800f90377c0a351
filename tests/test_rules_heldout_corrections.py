"""Corrections from the held-out review. BL501 on the forms found wrong: items of a stack picked on a later axis (state-space
code's parameter stacks ``dA[:, :, j]``), items of non-array objects (cvxpy variables), and transposed items
of a stack (``S[t].T @ S[t]``): no rewrite with ``@`` that batches the wrong axis or drops a transpose."""

from __future__ import annotations

import numpy as np
import pytest

from support import lint


def bl501(code: str):
    return lint(code, "BL501")


def test_an_item_on_the_last_axis_of_a_stack_of_unknown_rank_is_not_batched_with_matmul():
    code = ("import numpy as np\n"
            "def f(dA, p_m, n):\n    out = np.zeros((3, n))\n    for j in range(n):\n"
            "        out[:, j] = dA[:, :, j] @ p_m\n    return out\n")
    assert bl501(code) == []
    dA, p = np.random.rand(3, 3, 2), np.random.rand(3)
    loop = np.stack([dA[:, :, j] @ p for j in range(2)], axis=1)
    try:  # what `dA @ p_m` would compute: a different array (or an error)
        batched = dA @ p
    except ValueError:
        batched = None
    assert batched is None or batched.shape != loop.shape or not np.allclose(batched, loop)


def test_a_column_of_an_array_of_unknown_rank_is_not_batched():
    assert bl501("import numpy as np\ndef f(A, x, T):\n    for t in range(T):\n        y = A @ x[:, t]\n") == []


def test_products_of_cvxpy_variables_are_not_blas_loops():
    code = ("import numpy as np\nimport cvxpy\n"
            "def f(A, T):\n    x = cvxpy.Variable((4, T + 1))\n    cons = []\n"
            "    for t in range(T):\n        cons += [x[:, t + 1] == A @ x[:, t]]\n    return cons\n")
    assert bl501(code) == []


def test_transposed_items_of_a_stack_keep_their_transpose():
    code = ("import numpy as np\nT = 500\nsigma = np.random.rand(T, 4, 4)\nout = np.empty_like(sigma)\n"
            "for t in range(T):\n    out[t] = sigma[t].T.dot(sigma[t])\n")
    (d,) = bl501(code)
    assert "np.swapaxes(sigma, -1, -2) @ sigma" in d.message
    sigma = np.random.rand(7, 4, 4)
    loop = np.stack([sigma[t].T.dot(sigma[t]) for t in range(7)])
    assert np.allclose(np.swapaxes(sigma, -1, -2) @ sigma, loop)
    assert not np.allclose(sigma @ sigma, loop)


def test_a_right_hand_inverse_message_names_the_transposed_system():
    # B @ inv(A) == solve(A.T, B.T).T; solve(A, B.T).T is right only for a symmetric A (filterpy's H-infinity gain)
    code = ("import numpy as np\nfrom numpy import linalg\n"
            "def f(P, A):\n    L = linalg.inv(A)\n    return np.dot(P, L)\n")
    msgs = [d.message for d in lint(code, "BL401")]
    assert msgs and all("solve(A, B.T).T" not in m for m in msgs)
    A, B = np.random.rand(4, 4) + 4 * np.eye(4), np.random.rand(3, 4)
    assert np.allclose(np.linalg.solve(A.T, B.T).T, B @ np.linalg.inv(A))
    assert not np.allclose(np.linalg.solve(A, B.T).T, B @ np.linalg.inv(A))


def test_items_of_unknown_rank_times_a_matrix_get_both_rewrites():
    # PythonRobotics' dynamic window: `[local_ob @ x for x in rot]` with `rot` a stack of 2x2 rotations
    code = ("import numpy as np\n"
            "def f(ob, rot):\n    local_ob = np.asarray(ob).reshape(-1, 2)\n"
            "    return np.array([local_ob @ x for x in rot])\n")
    msgs = [d.message for d in bl501(code)]
    assert all("rot @ local_ob.T`" not in m or "when they are matrices" in m for m in msgs)
    ob, rot = np.random.rand(5, 2), np.random.rand(3, 2, 2)
    loop = np.array([ob @ x for x in rot])
    assert np.allclose(ob @ rot, loop)  # the batched form is right for matrix items


# -- BL401 on Gram matrices (spreg, mlxtend, pysindy, smt, pyflux: negligible every time) -----------------------

def _bl401(code):
    return lint(code, "BL401")


@pytest.mark.parametrize("gram", ["xtx", "X.T @ X", "np.dot(X.T, X)", "X.T.dot(W).dot(X)", "X @ X.T",
                                  "np.linalg.multi_dot([X.T, W, X])", "(X.T @ X) / 2.0"])
def test_the_inverse_of_a_gram_matrix_is_reported_as_info(gram):
    code = (f"import numpy as np\ndef ols(X, W, y):\n    xtx = X.T @ X\n"
            f"    return np.linalg.inv({gram}) @ y\n")
    found = _bl401(code)
    assert len(found) == 1 and found[0].severity == "info"
    assert "is a Gram matrix" in found[0].message and "at most a third" in found[0].message


@pytest.mark.parametrize("matrix", ["X.T @ X + lam * W", "np.dot(X.T, X) + lam * W"])
def test_regularised_normal_equations_keep_their_severity(matrix):
    # dipy's MAPMRI/forecast `inv(M.T @ M + lam * L)`: a basis as large as the data allows (read worth)
    code = (f"import numpy as np\ndef f(X, W, y, lam):\n"
            f"    return np.linalg.inv({matrix}) @ y\n")
    found = _bl401(code)
    assert len(found) == 1 and found[0].severity == "warning" and "Gram" not in found[0].message


@pytest.mark.parametrize("matrix", ["K", "X.T @ W", "X @ X", "A.T @ B"])
def test_a_one_off_inverse_of_unknown_size_is_assumed_model_sized(matrix):
    # 47 of 49 such inverses read on the labelled sets were covariances, Hessians, small systems: negligible
    code = (f"import numpy as np\ndef f(X, W, K, A, B, b):\n"
            f"    return np.linalg.inv({matrix}) @ b\n")
    found = _bl401(code)
    assert len(found) == 1 and found[0].severity == "info" and "Gram" not in found[0].message
    assert found[0].cost.dims[0] == "n unknown, assumed model-sized (a matrix inverted whole)"
    looped = (f"import numpy as np\ndef f(X, W, K, A, B, bs):\n    out = []\n    for b in bs:\n"
              f"        out.append(np.linalg.inv({matrix}) @ b)\n    return out\n")
    assert [d.severity for d in _bl401(looped)] == ["warning"]  # once per step: shown
    data = code.replace("B, b)", "B, y)").replace("@ b", "@ y")  # rows of a data array (by its name): data-sized
    (d,) = _bl401(data)
    assert d.severity == "warning" and "rows of `y`" in d.cost.dims[0]
    pinv = "import numpy as np\ndef f(K, b):\n    return np.linalg.pinv(K) @ b\n"
    assert [d.severity for d in _bl401(pinv)] == ["warning"]  # a pseudo-inverse keeps the general assumption


def test_a_pseudo_inverse_of_a_gram_matrix_has_no_size_bound():
    # pinv is there for a rank-deficient Gram matrix: k may exceed the other dimension
    found = _bl401("import numpy as np\ndef f(X, y):\n    return np.linalg.pinv(X.T @ X) @ y\n")
    assert all(d.severity == "warning" and "Gram" not in d.message for d in found)


def test_the_gram_bound_holds_numerically():
    # an m x k factor with k <= m: forming X.T @ X (2 m k^2 flops) costs at least the inverse (2 k^3)
    X = np.random.rand(50, 8)
    G = X.T @ X
    assert G.shape == (8, 8) and np.linalg.matrix_rank(G) == 8
    wide = np.random.rand(5, 8)  # k > m: the Gram matrix is singular, its inverse meaningless
    assert np.linalg.matrix_rank(wide.T @ wide) == 5


def test_products_over_a_list_of_differently_shaped_views_are_not_batched():
    # cca_zoo's GCCA: `[pinv(v) @ T for v in views]`, views of 10, 8 and 6 features (set 14, read wrong)
    code = ("import numpy as np\ndef f(views, n):\n    T = np.random.rand(n, 2)\n"
            "    return [np.linalg.pinv(v) @ T for v in views]\n")
    assert bl501(code) == []
    views = [np.random.rand(20, p) for p in (10, 8, 6)]
    with pytest.raises(ValueError):
        np.stack([np.linalg.pinv(v) for v in views])  # the batch the message proposed cannot be built
    indexed = ("import numpy as np\ndef f(views, n):\n    T = np.random.rand(n, 2)\n"
               "    return [np.linalg.pinv(views[i]) @ T for i in range(len(views))]\n")
    assert bl501(indexed) == []  # the same list, indexed
    ok = ("import numpy as np\ndef f(V, n):\n    V = np.random.rand(50, n)\n    T = np.random.rand(n, 2)\n"
          "    return [np.exp(V[i]) @ T for i in range(V.shape[0])]\n")
    assert len(bl501(ok)) == 1  # rows of one array: one shape, one product


def test_a_weighted_sum_of_matrices_from_a_list_is_not_a_dot():
    # cca_zoo's GFA: `P = P + tau[m] * ww[m]` with ww a list of k x k matrices (set 14, read wrong)
    code = ("import numpy as np\ndef f(w, d, cov, m_views, k):\n"
            "    ww = [w[m].T @ w[m] + d[m] * cov[m] for m in range(m_views)]\n    tau = np.ones(m_views)\n"
            "    P = np.eye(k)\n    for m in range(m_views):\n        P = P + tau[m] * ww[m]\n    return P\n")
    assert bl501(code) == []
    tau, ww = np.ones(3), np.random.rand(3, 4, 4)
    with pytest.raises(ValueError):
        tau @ ww  # the rewrite the message proposed raises on a stack of matrices
    scalars = ("import numpy as np\ndef f(x, m_views):\n    tau = np.ones(m_views)\n    s = 0.0\n"
               "    for m in range(m_views):\n        s = s + tau[m] * x[m]\n    return s\n")
    assert len(bl501(scalars)) == 1  # a sequence of unknown items beside an array stays a dot
