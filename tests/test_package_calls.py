"""Facts of a parameter from the calls other modules of the package make (soft evidence, no fix),
and the small evidence sources found with them on PyDMD (held-out set 6): a Sphinx description that
says "matrix", ``np.linalg.norm(X, axis=1)``, the rank kept by ``fft``."""

from __future__ import annotations

import os

from blaslint.analysis.evidence import is_soft
from support import lint, lint_package
from test_shape_engine import facts, kinds

UTILS = ("import numpy as np\n"
         "def diag_corr(X, Y):\n"
         "    return np.diag(X.dot(Y.T))\n")


def _bl403(diags):
    return [d for d in diags if d.code == "BL403"]


def test_rank_from_calls_in_other_modules_finds_the_partial_product(tmp_path):
    files = {"pkg/utils.py": UTILS,
             "pkg/model.py": ("import numpy as np\nfrom .utils import diag_corr\n"
                              "def fit(n, m):\n    X = np.zeros((n, m))\n    Y = np.ones((n, m))\n"
                              "    return diag_corr(X, Y)\n")}
    found = _bl403(lint_package(tmp_path, files, "pkg/utils.py", {"BL403"}))
    assert len(found) == 1
    assert found[0].fix is None  # soft evidence: a user of the library may pass something else


def test_absolute_import_of_the_package_counts(tmp_path):
    files = {"pkg/utils.py": UTILS,
             "pkg/sub/model.py": ("import numpy as np\nfrom pkg.utils import diag_corr\n"
                                  "def fit():\n    return diag_corr(np.eye(3), np.eye(3))\n")}
    assert len(_bl403(lint_package(tmp_path, files, "pkg/utils.py", {"BL403"}))) == 1


def test_callers_that_disagree_say_nothing(tmp_path):
    files = {"pkg/utils.py": UTILS,
             "pkg/a.py": "import numpy as np\nfrom .utils import diag_corr\ndef f():\n"
                         "    return diag_corr(np.eye(3), np.eye(3))\n",
             "pkg/b.py": "import numpy as np\nfrom .utils import diag_corr\ndef g():\n"
                         "    return diag_corr(np.eye(3), np.ones(3))\n"}  # a 1-D Y: np.diag builds a matrix
    assert _bl403(lint_package(tmp_path, files, "pkg/utils.py", {"BL403"})) == []


def test_tests_calls_do_not_count(tmp_path):
    files = {"pkg/utils.py": UTILS,
             "pkg/tests/test_utils.py": "import numpy as np\nfrom pkg.utils import diag_corr\n"
                                        "def test_it():\n    diag_corr(np.eye(3), np.eye(3))\n"}
    assert _bl403(lint_package(tmp_path, files, "pkg/utils.py", {"BL403"})) == []


def test_unknown_argument_or_default_or_shadowed_name_says_nothing(tmp_path):
    unknown = {"pkg/utils.py": UTILS,
               "pkg/a.py": "from .utils import diag_corr\ndef f(x, y):\n    return diag_corr(x, y)\n"}
    assert _bl403(lint_package(tmp_path, unknown, "pkg/utils.py", {"BL403"})) == []
    shadowed = {"pkg/utils.py": UTILS,
                "pkg/a.py": "import numpy as np\n"
                            "def diag_corr(a, b):\n    return a\n"
                            "def f():\n    return diag_corr(np.eye(3), np.eye(3))\n"}  # its own function
    assert _bl403(lint_package(tmp_path / "s", shadowed, "pkg/utils.py", {"BL403"})) == []


def test_a_file_outside_a_package_has_no_package_callers(tmp_path):
    (tmp_path / "utils.py").write_text(UTILS)
    (tmp_path / "model.py").write_text("import numpy as np\nfrom utils import diag_corr\n"
                                       "diag_corr(np.eye(3), np.eye(3))\n")
    assert _bl403(lint(UTILS, {"BL403"}, path=str(tmp_path / "utils.py"))) == []


def test_package_call_evidence_is_soft_and_named(tmp_path):
    from support import write_package

    files = {"pkg/utils.py": UTILS,
             "pkg/model.py": "import numpy as np\nfrom .utils import diag_corr\n"
                             "def fit():\n    return diag_corr(np.eye(3), np.eye(3))\n"}
    write_package(tmp_path, files)
    f = facts(UTILS, "X", path=str(tmp_path / "pkg/utils.py"))
    assert f.rank == 2 and kinds(f) == ["package-call"] and is_soft(f.evidence)
    assert f.shape is None  # the callers' sizes are one use among many: rank only
    assert "model.py:4" in f.evidence[0].detail


# -- Sphinx descriptions ----------------------------------------------------------------------------

def _sphinx(desc: str, type_line: str = "        :type X: numpy.ndarray\n") -> str:
    return ("import numpy as np\n"
            "def f(X):\n"
            '    """Fit.\n\n'
            f"        :param X: {desc}\n" + type_line +
            '    """\n'
            "    return X\n")


def test_sphinx_description_naming_a_matrix_or_vector():
    f = facts(_sphinx("matrix containing the snapshots by column."), "X", line=8)
    assert (f.rank, f.lib) == (2, "numpy") and kinds(f) == ["docstring"]
    assert facts(_sphinx("the input vector."), "X", line=8).rank == 1
    assert facts(_sphinx("a 2D data matrix"), "X", line=8).rank == 2


def test_sphinx_description_that_does_not_say_what_it_is():
    for desc in ("matrix or vector of inputs", "sparse matrix of weights", "list of matrices",
                 "the number of rows of the matrix", "input snapshots"):
        assert facts(_sphinx(desc), "X", line=8).rank is None, desc


def test_sphinx_type_with_a_shape_wins_over_the_description():
    code = _sphinx("vector of things", type_line="        :type X: ndarray of shape (n, m)\n")
    assert facts(code, "X", line=8).rank == 2


# -- usage and fft ----------------------------------------------------------------------------------

def test_norm_along_an_axis_proves_a_rank_bound():
    code = "import numpy as np\ndef f(X, Y):\n    a = np.linalg.norm(X, axis=1)\n    b = np.linalg.norm(Y, 2)\n" \
           "    return X, Y\n"
    assert facts(code, "X", line=5).min_rank == 2
    assert facts(code, "Y", line=5).min_rank is None  # the second argument of norm is `ord`


def test_fft_keeps_the_rank():
    code = ("import numpy as np\nfrom scipy.fft import fft\n"
            "def f(n, m):\n    X = np.zeros((n, m))\n    a = fft(X, axis=0)\n    b = np.fft.fft(X, 8)\n"
            "    return a, b\n")
    a = facts(code, "a", line=7)
    assert (a.rank, a.shape, a.dtype) == (2, ("n", "m"), "complex128")
    b = facts(code, "b", line=7)
    assert (b.rank, b.shape) == (2, None)  # n= changes the transformed axis


def test_diag_of_a_product_of_rank_bounded_operands():
    flagged = ("import numpy as np\ndef f(X):\n    w = np.linalg.norm(X, axis=1)\n"
               "    return np.diag(X[1:].dot(X[:-1].T)) / w[1:]\n")
    assert [d.code for d in lint(flagged, {"BL403"})] == ["BL403"]
    unknown_y = ("import numpy as np\ndef f(X, y):\n    w = np.linalg.norm(X, axis=1)\n"
                 "    return np.diag(X.dot(y)) / w\n")  # X @ y may be 1-D: np.diag builds a matrix
    assert lint(unknown_y, {"BL403"}) == []


# -- the lint cache follows the package's calls -----------------------------------------------------

def test_the_cache_follows_the_calls_the_package_makes(tmp_path):
    """utils.py's finding rests on which modules call `diag_corr` and on what they pass: a caller
    edited, a new caller, each invalidates it; an edit elsewhere in the package does not."""
    from test_cache_reads import OLD, _cold, _run, _write

    pkg = tmp_path / "pkg"
    _write(pkg / "__init__.py", "", OLD)
    caller = "import numpy as np\nfrom .utils import diag_corr\ndef fit():\n    return diag_corr(np.eye(3), {})\n"
    files = {"utils": _write(pkg / "utils.py", UTILS, OLD),
             "model": _write(pkg / "model.py", caller.format("np.eye(3)"), OLD),
             "plain": _write(pkg / "plain.py", "x = 1\n", OLD)}
    assert _run(tmp_path, files)[2]["utils"] == ["BL403"]
    cache, linted, codes = _run(tmp_path, files)
    assert linted == [] and codes["utils"] == ["BL403"]

    _write(pkg / "plain.py", "x = 2\n")                      # calls nothing: utils.py is still served
    cache, linted, codes = _run(tmp_path, files)
    assert linted == [files["plain"]] and codes["utils"] == ["BL403"]

    _write(pkg / "late.py", caller.format("np.ones(3)").replace("fit", "fit2"))   # a new caller passing 1-D
    cache, linted, codes = _run(tmp_path, files)
    assert files["utils"] in linted and codes["utils"] == [] == _cold(tmp_path, files)["utils"]

    os.remove(pkg / "late.py")
    _write(pkg / "model.py", caller.format("np.ones(3)"))     # the caller itself now passes 1-D
    cache, linted, codes = _run(tmp_path, files)
    assert files["utils"] in linted and codes["utils"] == [] == _cold(tmp_path, files)["utils"]


def test_an_unregistered_query_never_holds():
    from blaslint.analysis import reads

    assert reads.refresh(reads.query_stamp("no-such-question", "x", "d")) is None


def test_sphinx_description_without_a_type_line():
    code = _sphinx("adjacency matrix", type_line="")
    assert facts(code, "X", line=7).rank == 2   # pyGPs' `:param A: adjacency matrix`


def test_scipy_special_matrices_are_2d():
    code = "import scipy.linalg as spl\ndef f(c, r):\n    T = spl.toeplitz(c, r)\n    H = spl.hankel(c)\n    return T, H\n"
    assert facts(code, "T", line=5).rank == 2 and facts(code, "H", line=5).rank == 2


def test_a_fresh_process_checking_the_cache_knows_the_question():
    """The lint cache checks its entries before anything is linted: a process that has imported only the
    cache must still answer a package-call stamp, or every entry resting on one is stale (on numpy's
    sources a warm run re-linted 18 files each time: 2.4 s instead of 0.4 s)."""
    import subprocess
    import sys

    code = "import blaslint.project.cache, blaslint.analysis.reads as r; print('package-calls' in r.QUERIES)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
