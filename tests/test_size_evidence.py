"""Sizes for the cost model where the rank is not proven: trailing dims, call sites, attributes.

``Facts.tail`` holds the trailing dims an expression must end in when its rank
is unknown (``A @ W`` with ``W`` 4x2 ends in 2; ``S + R`` with ``R`` 2x2 ends in
2x2). It feeds the cost model only: no finding and no fix may rest on it, so
each test here checks both the size it gives and that the rank stays unknown.
"""

from __future__ import annotations

import pytest

from blaslint.analysis.facts import Facts, broadcast_tail, matmul_tail, trailing_dims
from blaslint.analysis.sizes import name_kind
from tests.support import lint, lint_package, write_package
from tests.test_shape_engine import facts

# -- the algebra of tails ----------------------------------------------------------------

M42 = Facts(rank=2, shape=(4, 2), lib="numpy")
M22 = Facts(rank=2, shape=(2, 2), lib="numpy")
V4 = Facts(rank=1, shape=(4,), lib="numpy")
ANY = Facts()


@pytest.mark.parametrize("left, right, tail", [
    (ANY, M42, (2,)),                               # (..., 4) @ (4, 2) ends in 2 whatever the left is
    (Facts(tail=(3, 4)), M42, (3, 2)),              # two known trailing dims: a matrix times a matrix
    (Facts(tail=(3, 4)), V4, (3,)),                 # a matrix-like times a vector drops the last axis
    (M42, ANY, ()),                                 # (4, 2) @ ?: (4,) for a vector, (..., 4, k) else: unsure
    (M42, Facts(tail=(5,)), ()),                    # a vector of 5 or a matrix ending in 5: unsure
    (M42, Facts(tail=(2, 5)), (4, 5)),
    (ANY, ANY, ()),
])
def test_matmul_tail(left, right, tail):
    got = matmul_tail(left, right)
    assert got.rank is None
    assert got.tail == tail


@pytest.mark.parametrize("left, right, tail", [
    (ANY, M22, (2, 2)),                             # a dim that is not 1 fixes the result's
    (Facts(tail=(2,)), M22, (2, 2)),
    (ANY, Facts(rank=2, shape=(1, 3)), (3,)),       # a 1 says nothing about the other side
    (Facts(tail=(5,)), Facts(rank=0), (5,)),        # a scalar keeps the other side's tail
    (ANY, Facts(rank=1, shape=(None,)), ()),
])
def test_broadcast_tail(left, right, tail):
    got = broadcast_tail(left, right)
    assert got.rank is None
    assert got.tail == tail


def test_trailing_dims_of_known_and_unknown_ranks():
    assert trailing_dims(M42) == (4, 2)
    assert trailing_dims(Facts(rank=2)) == (None, None)
    assert trailing_dims(Facts(tail=(3,))) == (3,)


def test_tails_do_not_change_equality():
    assert Facts(tail=(2, 2)) == Facts()


# -- tails through code ---------------------------------------------------------------------

KALMAN = """
import numpy as np
R = np.diag([1.0, np.deg2rad(30.0)]) ** 2

def jacobian_h():
    return np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])

def update(P, z):
    H = jacobian_h()
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    return K
"""


def test_a_sum_with_a_known_matrix_fixes_the_trailing_dims():
    S = facts(KALMAN, "S", line=11)
    assert S.rank is None and S.tail == (2, 2)
    assert facts(KALMAN, "R", line=10).shape == (2, 2)  # np.diag of a list of scalar expressions


def test_an_inverse_of_a_small_matrix_of_unknown_rank_is_negligible():
    (d,) = lint(KALMAN, "BL401")
    assert d.severity == "info"
    assert d.cost.dims == ("n = 2 (small literal)",)
    assert "ends in 2x2" in " ".join(d.cost.facts)


def test_an_inverse_of_unknown_size_is_judged_model_sized():
    # a Kalman gain's innovation covariance of unknown size: a matrix inverted whole is most often small
    # (the 3x3 Kalman inverses users called noise); once per call it is info, per step of a loop it is shown
    code = KALMAN.replace("+ R", "+ Q").replace("def update(P, z)", "def update(P, z, Q, H)")
    (d,) = lint(code.replace("    H = jacobian_h()\n", ""), "BL401")
    assert d.cost.dims == ("n unknown, assumed model-sized (a matrix inverted whole)",)
    assert d.severity == "info"


def test_math_functions_and_scalar_leaves():
    code = """
    import math
    import numpy as np
    def f(dt):
        a = math.radians(30.0)
        b = np.array([[1.0, float(dt) * 0.5], [math.cos(a), 1.0]])
        return a, b
    """
    assert facts(code, "a", line=7).rank == 0
    assert facts(code, "b", line=7).shape == (2, 2)


def test_a_list_holding_an_unknown_leaf_stays_unknown():
    code = """
    import numpy as np
    def f(u, v):
        return np.array([u, v])
    """
    assert facts(code, "np.array([u, v])").rank is None


# -- sizes from where a public function is called in its module ---------------------------

LQR = """
import numpy as np
import scipy.linalg as la

def dlqr(A, B, Q, R):
    X = la.solve_discrete_are(A, B, Q, R)
    K = la.inv(B.T @ X @ B + R) @ (B.T @ X @ A)
    return K

def control(v):
    A = np.eye(4)
    B = np.zeros((4, 1))
    return dlqr(A, B, np.eye(4), np.eye(1))
"""


def test_call_sites_of_a_public_function_give_sizes_not_ranks():
    R = facts(LQR, "R", line=7)
    assert R.rank is None and R.tail == (1, 1)
    (d,) = lint(LQR, "BL401")
    assert d.severity == "info" and d.cost.dims == ("n = 1 (small literal)",)


def test_disagreeing_call_sites_give_no_size():
    code = LQR + "\ndef other():\n    return dlqr(np.eye(4), np.eye(4), np.eye(4), np.eye(3))\n"
    assert facts(code, "R", line=7).tail == ()


def test_call_site_sizes_never_make_a_finding():
    # B's rank comes only from the call site: the diagonal-product claim needs a proven rank
    code = """
    import numpy as np
    def scale(d, B):
        return np.diag(d) @ B
    def run():
        return scale(np.ones(3), np.ones((3, 3)))
    """
    got = lint(code, "BL402")
    assert all(d.fix is None or d.fix.applicability != "safe" for d in got)
    assert facts(code, "d", line=4).rank is None


# -- attributes and names -------------------------------------------------------------------

FILTER = """
import numpy as np
class Filter:
    def __init__(self, dim_x, dim_z):
        self.P = np.eye(dim_x)
        self.S = np.zeros((dim_z, dim_z))

    def update(self, H, R, F):
        self.S = H @ self.P @ H.T + R
        self.P = F @ self.P @ F.T
        return self.P @ H.T @ np.linalg.inv(self.S)
"""


def test_an_attribute_takes_its_size_from_the_assignments_that_make_it():
    S = facts(FILTER, "self.S", line=11)
    # 2-D from __init__, the update unreadable (`H` unknown): soft, no fix rests on it
    assert S.rank == 2 and S.soft and [e.kind for e in S.evidence] == ["attribute-some"]
    assert S.tail == ("dim_z", "dim_z")


def test_state_dimension_names_are_model_sized():
    for name in ("dim_x", "dim_z", "state_dim", "n_x", "xdim", "state_dimension", "input_dimension", "n_dimensions"):
        assert name_kind(name) == "model", name
    for name in ("dimension_of_data", "n_samples", "dims_and_more"):
        assert name_kind(name) != "model", name
    (d,) = lint(FILTER, "BL401")
    assert d.cost.dims == ("n = dim_z (model-sized)",)
    assert d.severity == "info"


# -- helpers re-exported by a star import; a helper that fills a diagonal -------------------

def test_a_helper_re_exported_by_a_star_import(tmp_path):
    diags = lint_package(tmp_path, {
        "mlpkg/utils/__init__.py": "from .manip import *\nfrom .other import *\n",
        "mlpkg/utils/manip.py": ("import numpy as np\ndef make_diagonal(x):\n    m = np.zeros((len(x), len(x)))\n"
                                 "    for i in range(len(m[0])):\n        m[i, i] = x[i]\n    return m\n"
                                 "def as_diag(x):\n    return np.diag(x)\n"),
        "mlpkg/utils/other.py": "def as_diag(x):\n    return x\n",  # two candidates: unsure
        "mlpkg/model.py": ("import numpy as np\nfrom mlpkg.utils import make_diagonal, as_diag\n"
                           "def newton(X, w, v):\n    D = make_diagonal(1.0 / (1.0 + np.exp(-X.dot(w))))\n"
                           "    H = X.T.dot(D).dot(X)\n    return H, as_diag(v) @ X\n"),
    }, "mlpkg/model.py", "BL402")
    assert [d.line for d in diags] == [4]
    assert "writes only the diagonal of a zero matrix" in diags[0].message
    assert diags[0].fix is None  # the argument's rank is not proven: no rewrite


# -- BL502: a stacked matrix-vector einsum is a default finding only for one 2-D matrix ------------

STACKED = '''
import numpy as np
def fit(design_matrix, data):
    """Fit.

    Parameters
    ----------
    design_matrix : array (g, 7)
    data : array ([X, Y, Z, ...], g)
    """
    return np.einsum("...ij,...j", np.linalg.pinv(design_matrix), np.log(data))

def rotate(R, v):
    return np.einsum("...ij,...j->...i", R, v)
'''


def test_stacked_matvec_severity_follows_the_matrix_rank():
    fit, rotate = sorted(lint(STACKED, "BL502"), key=lambda d: d.line)
    assert fit.severity == "warning"             # `array (g, 7)`: one 2-D matrix, one GEMM
    assert rotate.severity == "info"             # a stack of rotations as likely: no faster (measured)
    assert "rank is not known" in rotate.message


def test_a_helper_called_through_its_module(tmp_path):
    write_package(tmp_path, {"geo/transformations.py": "import numpy as np\ndef rotation():\n    return np.eye(4)\n"})
    pkg = tmp_path / "geo"
    code = ("import numpy as np\nfrom . import transformations\nimport geo.transformations as tf\n"
            "def f(v):\n    a = transformations.rotation()\n    b = tf.rotation()\n    return a, b\n")
    main = pkg / "bounds.py"
    main.write_text(code)
    for name in ("a", "b"):
        got = facts(code, name, line=7, path=str(main))
        assert (got.rank, got.shape) == (2, (4, 4)) and got.evidence[0].kind == "helper", name


@pytest.mark.parametrize("name,data", [
    ("X", True), ("X_train", True), ("X_test", True), ("test", True), ("samples_w", True), ("y_pred", True),
    # statistics of the data are not the data: a Wald test's `test_params` / `test_cov` (linearmodels) are
    # q parameters and their q x q covariance
    ("test_params", False), ("test_cov", False), ("X_cov", False), ("y_mean", False), ("data_std", False),
    ("train_stats", False), ("X_weights", False),
])
def test_data_array_names_exclude_statistics_of_the_data(name, data):
    from blaslint.analysis.sizes import is_data_array_name

    assert is_data_array_name(name) is data


def test_a_wald_statistic_is_not_sized_by_the_data():
    """`test_params.T @ inv(test_cov) @ test_params` (linearmodels' Wald tests): q restrictions, not n rows;
    read blind as negligible on set 19, shown because `test_params` was taken for a data array."""
    code = ("from numpy import ix_, squeeze\nfrom numpy.linalg import inv\ndef wald(params, cov, keep):\n"
            "    test_params = params[keep]\n    test_cov = cov[ix_(keep, keep)]\n"
            "    return float(squeeze(test_params.T @ inv(test_cov) @ test_params))\n")
    found = [d for d in lint(code, ["BL401"])]
    assert [d.severity for d in found] == ["info"]
    assert "data-sized" not in str(found[0].cost)
