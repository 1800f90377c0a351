"""Where an operand may be a scipy.sparse matrix or an np.matrix: rules that assume a dense array's
semantics (einsum, ``*`` elementwise, n^3 products) stay silent there."""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext
from blaslint.analysis.sparse import matrix_semantics, sparse_evidence
from blaslint.core.source import SourceText
from blaslint.core.walk import link_and_collect
from tests.support import lint


def _ctx(src: str):
    src = textwrap.dedent(src)
    tree = ast.parse(src)
    link_and_collect(tree, {})
    return FileContext(SourceText(src), tree, "m.py"), tree


def _returned(ctx, tree, fname):
    fdef = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fname)
    return next(n for n in ast.walk(fdef) if isinstance(n, ast.Return)).value


@pytest.mark.parametrize("src, fname", [
    ("import scipy.sparse as sp\ndef f(n):\n    A = sp.csr_matrix((n, n))\n    return A\n", "f"),
    ("from scipy import sparse\ndef f(d):\n    return sparse.diags(d)\n", "f"),
    ("def f(w):\n    try:\n        w = w.sparse\n    except AttributeError:\n        w = w\n    return w\n", "f"),
    ("def f(wsparse):\n    return wsparse\n", "f"),
    ("def f(s):\n    '''A.\n\n    Parameters\n    ----------\n    s : csr_matrix\n        weights\n    '''\n    return s\n",
     "f"),
    ("import scipy.sparse as sp\ndef helper(n):\n    return sp.eye(n) * 2\ndef f(n):\n    A = helper(n)\n    return A.T\n",
     "f"),
    ("import scipy.sparse as sp\ndef g(W):\n    return W\ndef f(n):\n    return g(sp.eye(n))\n", "g"),
])
def test_sparse_evidence_is_found(src, fname):
    ctx, tree = _ctx(src)
    assert sparse_evidence(ctx, _returned(ctx, tree, fname)) is not None


@pytest.mark.parametrize("src", [
    "import numpy as np\ndef f(n):\n    A = np.eye(n)\n    return A\n",
    "import scipy.sparse.linalg as sla\ndef f(A, b):\n    return sla.spsolve(A, b)\n",
    "def f(W):\n    return W\n",
])
def test_dense_or_unknown_is_not_sparse(src):
    ctx, tree = _ctx(src)
    assert sparse_evidence(ctx, _returned(ctx, tree, "f")) is None


def test_np_matrix_evidence():
    ctx, tree = _ctx("import numpy as np\ndef f(B):\n    D = B.todense()\n    return D.T\n")
    assert "np.matrix" in matrix_semantics(ctx, _returned(ctx, tree, "f"))


def test_bl403_silent_on_sparse_products_but_not_on_dense_ones():
    sparse = ("import numpy as np\nimport scipy.sparse as sp\ndef f(n):\n    A = sp.csr_matrix(np.eye(n))\n"
              "    return np.sum((A @ A).diagonal())\n")
    dense = sparse.replace("sp.csr_matrix(np.eye(n))", "np.random.rand(n, n)")
    assert [d for d in lint(sparse, {"BL403"}) if d.code == "BL403"] == []
    assert len([d for d in lint(dense, {"BL403"}) if d.code == "BL403"]) == 1


def test_bl503_silent_when_star_is_a_matrix_product():
    src = "import numpy as np\ndef f(B):\n    D = B.todense()\n    return np.sum(D * D.T)\n"
    assert [d for d in lint(src, {"BL503"}) if d.code == "BL503"] == []


def test_bl403_silent_where_another_module_passes_a_sparse_matrix(tmp_path):
    """spreg's diagnostics_sur.surLMe documents ``WS : array`` but sur.py passes ``w.sparse``: the
    docstring is no proof of a dense array, the caller's argument is evidence of a sparse one."""
    from tests.support import lint_package

    diag = ('import numpy as np\n'
            'def lm(WS, E):\n'
            '    """LM test.\n\n    Parameters\n    ----------\n    WS : array\n        weights\n    """\n'
            '    WW = WS @ WS\n'
            '    return np.sum(WW.diagonal()) + E.sum()\n')
    sparse_caller = "from .diag import lm\ndef fit(w, E):\n    WS = w.sparse\n    return lm(WS, E)\n"
    dense_caller = "import numpy as np\nfrom .diag import lm\ndef fit(n, E):\n    return lm(np.eye(n), E)\n"
    silent = lint_package(tmp_path / "a", {"pkg/diag.py": diag, "pkg/sur.py": sparse_caller},
                          "pkg/diag.py", {"BL403"})
    assert silent == []
    flagged = lint_package(tmp_path / "b", {"pkg/diag.py": diag, "pkg/sur.py": dense_caller},
                           "pkg/diag.py", {"BL403"})
    assert [d.code for d in flagged] == ["BL403"]


def test_a_parameter_guarded_by_issparse_then_raise_is_sparse():
    # pyamg's strength measures: `if not sparse.issparse(A): raise TypeError(...)`; past it, A is sparse
    ctx, tree = _ctx("""
        from scipy import sparse
        def f(A, v):
            if not sparse.issparse(A):
                raise TypeError('expected a sparse matrix')
            return A
        def h(A, v):
            if sparse.issparse(A):
                raise TypeError('dense only')
            return A
        """)
    assert "checked sparse" in (sparse_evidence(ctx, _returned(ctx, tree, "f")) or "")
    assert "checked sparse" not in (sparse_evidence(ctx, _returned(ctx, tree, "h")) or "")
