"""The shape engine: facts of parameters, attributes, helpers and expressions, with their evidence.

For every source (analysis/usage, annotations, docstrings, attributes,
summaries, call_sites, runtime; broadcasting and products in facts/shape_flow)
examples where facts are found, with rank, dims, evidence kind and line, and
look-alikes that must stay unknown. Bad input ends in "unknown", never a crash.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.evidence import Evidence, describe_facts
from blaslint.analysis.facts import UNKNOWN, Facts
from blaslint.analysis.runtime import set_runtime_facts
from blaslint.core.source import SourceText
from tests.support import lint


def ctx_for(code: str, path: str = "<string>") -> FileContext:
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    set_parents(tree)
    return FileContext(SourceText(code), tree, path)


def facts(code: str, text: str, line: int | None = None, path: str = "<string>"):
    """Facts of the last expression whose source text is ``text`` (on ``line`` if given)."""
    ctx = ctx_for(code, path)
    nodes = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.expr) and ctx.text(n) == text
             and isinstance(getattr(n, "ctx", ast.Load()), ast.Load) and (line is None or n.lineno == line)]
    assert nodes, f"{text!r} not found"
    node = max(nodes, key=lambda n: (n.lineno, n.col_offset))
    return ctx.array_facts(node)


def kinds(f: Facts) -> list[str]:
    return [e.kind for e in f.evidence]


# -- the Facts type ---------------------------------------------------------------------

def test_evidence_does_not_change_equality_or_hash():
    a = Facts(rank=2, dtype="float64")
    b = a.with_evidence((Evidence("docstring", 3, "A : (n, n) ndarray"),))
    assert a == b and hash(a) == hash(b)
    assert b.soft and not a.soft


def test_min_rank_is_a_fact_of_its_own():
    assert Facts(min_rank=2) != UNKNOWN
    assert not Facts(min_rank=2).known


def test_describe_facts_names_rank_and_evidence():
    f = Facts(rank=1, evidence=(Evidence("docstring", 12, "d : 1-D array"),))
    assert describe_facts("d", f) == "`d` is 1-D (docstring, line 12)"
    assert describe_facts("x", Facts(min_rank=2, evidence=(Evidence("usage", 4, ""),))) == \
        "`x` is at least 2-D (usage, line 4)"
    assert describe_facts("y", UNKNOWN) == "`y` is of unknown shape"
    assert describe_facts("A", Facts(rank=2, shape=("n", 3))) == "`A` is 2-D of shape (n, 3)"


def test_creation_evidence_and_flow_keep_their_root():
    code = "import numpy as np\nx = np.zeros((3, 4))\ny = -x[:, 0]\ny\n"
    f = facts(code, "y", line=4)
    assert f.rank == 1 and f.shape == (3,)
    assert f.evidence[0] == Evidence("creation", 2, "np.zeros((3, 4))")
    assert not f.soft


# -- flow through expressions --------------------------------------------------------------

@pytest.mark.parametrize("expr,rank,shape", [
    ("a * b", 2, ("n", "m")),                   # (n, 1) * (1, m)
    ("v * M", 2, (5, "n")),                     # (n,) * (5, n)
    ("a + 1.0", 2, ("n", 1)),
    ("a > b", 2, ("n", "m")),
    ("np.maximum(a, b)", 2, ("n", "m")),
    ("M[:, None]", 3, (5, 1, "n")),
    ("M.T", 2, ("n", 5)),
    ("M.reshape(n, 5)", 2, ("n", 5)),
    ("M.reshape(-1)", 1, (None,)),
    ("np.outer(v, w)", 2, ("n", "m")),
    ("np.kron(M, M)", 2, (25, "n * n")),
    ("np.hstack([v, w])", 1, ("n + m",)),
    ("np.vstack([M, M])", 2, (10, "n")),
    ("np.concatenate([M, M], axis=1)", 2, (5, "n + n")),
    ("np.column_stack([v, v])", 2, ("n", 2)),
    ("np.stack([v, v])", 2, (2, "n")),
    ("np.c_[v, v]", 2, ("n", 2)),
    ("np.r_[v, w]", 1, ("n + m",)),
    ("np.linalg.solve(S, v)", 1, ("n",)),
    ("np.linalg.inv(S)", 2, ("n", "n")),
    ("S @ v", 1, ("n",)),
    ("M[mask]", 1, None),
    ("v[idx]", 1, (3,)),
    ("M[:, idx]", 2, (5, 3)),
])
def test_expression_shapes(expr, rank, shape):
    code = f"""
    import numpy as np
    def f(n, m):
        a = np.zeros((n, 1))
        b = np.ones((1, m))
        v = np.ones(n)
        w = np.ones(m)
        M = np.zeros((5, n))
        S = np.eye(n)
        mask = M > 0
        idx = np.array([0, 2, 1])
        _ = {expr}
    """
    f = facts(code, expr)
    assert (f.rank, f.shape) == (rank, shape)


@pytest.mark.parametrize("expr", ["x[i]", "v[y]", "np.c_[0:3, v]", "M[mask, 0:2]"])
def test_expression_lookalikes_stay_unknown(expr):
    code = f"""
    import numpy as np
    def f(x, i, y, n):
        v = np.ones(n)
        M = np.zeros((5, n))
        mask = M > 0
        _ = {expr}
    """
    assert facts(code, expr).rank is None


# -- usage and guards ------------------------------------------------------------------------

@pytest.mark.parametrize("body,min_rank", [
    ("    n = x.shape[1]\n    return x\n", 2),
    ("    c = x[:, 0]\n    return x\n", 2),
    ("    t = x[..., 0, :]\n    return x\n", 2),
    ("    k = x.shape[2]\n    return x\n", 3),
    ("    m = np.mean(x, axis=0)\n    return x\n", 1),                   # a reduction along an axis
    ("    s = np.sum(x, 1)\n    return x\n", 2),
    ("    s = np.std(x, axis=-2)\n    return x\n", 2),
])
def test_usage_proves_a_lower_bound(body, min_rank):
    code = "import numpy as np\ndef f(x):\n" + body
    f = facts(code, "x", line=code.count("\n"))
    assert f.rank is None and f.min_rank == min_rank and kinds(f) == ["usage"]


@pytest.mark.parametrize("index,min_rank", [
    ("x[:, :, np.newaxis, :]", 3), ("x[:, None, :]", 2), ("x[:, :, :, :, np.newaxis]", 4), ("x[newaxis, :, 0]", 2),
])
def test_a_new_axis_in_an_index_is_no_axis_of_the_array(index, min_rank):
    # astroML's XDGMM: `Tinv[:, :, :, :, np.newaxis]` says Tinv is at least 4-D, not 5-D
    code = f"import numpy as np\nfrom numpy import newaxis\ndef f(x):\n    t = {index}\n    return x\n"
    f = facts(code, "x", line=code.count("\n"))
    assert f.min_rank == min_rank


def test_newaxis_spellings_index_like_none():
    code = "import numpy as np\ndef f():\n    v = np.zeros(4)\n    a = v[:, np.newaxis]\n    b = v[np.newaxis]\n    return a, b\n"
    assert facts(code, "a", line=6).rank == 2 and facts(code, "b", line=6).rank == 2


@pytest.mark.parametrize("expr,min_rank", [
    ("x[:, t]", 1),            # x is at least 2-D (indexed so below): a column is at least 1-D
    ("x[1:, :]", 2),
    ("x[:, t][:, None]", 2),
    ("x[t, :]", 1),            # `t` an int, an index array or a mask: the slice keeps an axis
])
def test_an_index_of_an_array_known_only_by_a_bound_keeps_a_bound(expr, min_rank):
    code = f"import numpy as np\ndef f(x, t):\n    c = x[:, 0]\n    y = {expr}\n    return y\n"
    f = facts(code, expr, line=4)
    assert f.rank is None and f.min_rank == min_rank


@pytest.mark.parametrize("expr", ["x[t, 0]", "x[..., t]", "x[t]", "x[0, 1]"])
def test_an_index_that_may_leave_a_scalar_or_depends_on_an_index_array_says_nothing(expr):
    code = f"import numpy as np\ndef f(x, t, idx):\n    c = x[:, 0]\n    y = {expr}\n    return y\n"
    f = facts(code, expr, line=4)
    assert f.rank is None and f.min_rank is None


@pytest.mark.parametrize("body", [
    "    if x.ndim == 2:\n        c = x[:, 0]\n    return x\n",          # only under a test of x
    "    try:\n        c = x[:, 0]\n    except IndexError:\n        pass\n    return x\n",
    "    ok = x.ndim > 1 and x.shape[1] > 3\n    return x\n",
    "    c = d[i, j]\n    return x\n",                                     # a dict takes tuple keys too
    "    s = np.sum(x)\n    return x\n",                                    # no axis: a scalar sums too
    "    s = x.sum(axis=1)\n    return x\n",                                # a method: a DataFrame has it too
])
def test_usage_lookalikes_prove_nothing(body):
    code = "import numpy as np\ndef f(x, d, i, j):\n" + body
    f = facts(code, "x", line=code.count("\n"))
    assert f.rank is None and f.min_rank is None


@pytest.mark.parametrize("guard,rank,shape", [
    ("    assert x.ndim == 2\n", 2, None),
    ("    assert len(x.shape) == 1\n", 1, None),
    ("    assert x.shape == (n,)\n", 1, ("n",)),
    ("    if x.ndim != 2:\n        raise ValueError('2-D')\n", 2, None),
    ("    if not x.ndim == 3:\n        raise ValueError\n", 3, None),
    ("    if x.ndim != 2 or x.shape[0] == 0:\n        raise ValueError\n", 2, None),
])
def test_guards_fix_the_rank(guard, rank, shape):
    code = "import numpy as np\ndef f(x, n):\n" + guard + "    return x\n"
    f = facts(code, "x", line=code.count("\n"))
    assert (f.rank, f.shape) == (rank, shape)
    assert f.evidence[0].kind == "guard" and f.evidence[0].line == 3


def test_branch_guard_holds_inside_the_branch_only():
    code = "def f(x):\n    if x.ndim == 1:\n        a = x\n    else:\n        b = x\n    return x\n"
    assert facts(code, "x", line=3).rank == 1
    assert facts(code, "x", line=5).rank is None
    assert facts(code, "x", line=6).rank is None


def test_guard_after_the_use_does_not_count():
    code = "def f(x):\n    y = x\n    assert x.ndim == 2\n    return x\n"
    assert facts(code, "x", line=2).rank is None
    assert facts(code, "x", line=4).rank == 2


def test_guard_on_an_unknown_local_and_the_only_binding_in_a_try():
    code = ("import numpy as np\ndef f(path):\n    try:\n        A = load(path)\n    except OSError:\n        raise\n"
            "    assert A.ndim == 2\n    return A\n")
    f = facts(code, "A", line=8)
    assert f.rank == 2 and kinds(f) == ["guard"]


def test_only_binding_in_an_if_still_flows():
    code = "import numpy as np\ndef f(c):\n    if c:\n        x = np.zeros((3, 3))\n    return x\n"
    assert facts(code, "x", line=5).rank == 2


# -- annotations ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ann,rank,shape,dtype,lib", [
    ("np.ndarray[tuple[int, int], np.dtype[np.float64]]", 2, None, "float64", "numpy"),
    ("np.ndarray[tuple[int], np.dtype[np.float32]]", 1, None, "float32", "numpy"),
    ("Float[Array, 'n m']", 2, ("n", "m"), None, "numpy"),
    ("Float64[np.ndarray, 'batch dim']", 2, ("batch", "dim"), "float64", "numpy"),
    ("Float[torch.Tensor, '3 3']", 2, (3, 3), None, "torch"),
    ("Float[Array, '']", 0, None, None, "numpy"),
    ("npt.NDArray[np.float64]", None, None, "float64", "numpy"),
    ("torch.Tensor", None, None, None, "torch"),
    ("Optional[Float[Array, 'n']]", 1, ("n",), None, "numpy"),
    ("'Float[Array, \"n n\"]'", 2, ("n", "n"), None, "numpy"),
])
def test_annotations(ann, rank, shape, dtype, lib):
    code = f"""
    from typing import Optional
    import numpy as np
    import numpy.typing as npt
    import torch
    from jaxtyping import Array, Float, Float64
    def f(x: {ann}):
        return x
    """
    f = facts(code, "x", line=8)
    assert (f.rank, f.shape, f.dtype, f.lib) == (rank, shape, dtype, lib)
    assert kinds(f) == ["annotation"] and f.evidence[0].line == 7 and not f.soft


@pytest.mark.parametrize("ann", ["Float[Array, '*batch n']", "list", "np.ndarray[Any, np.dtype[np.float64]]",
                                 "Union[np.ndarray, float]", "Float[Array, '...']"])
def test_annotations_without_a_rank(ann):
    code = f"""
    from typing import Any, Union
    import numpy as np
    from jaxtyping import Array, Float
    def f(x: {ann}):
        return x
    """
    assert facts(code, "x", line=6).rank is None


# -- docstrings -------------------------------------------------------------------------------------

NUMPYDOC = '''
import numpy as np
def f(X, y, x, A, d, alpha, n, z, w):
    """Fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data.
    y : (N,) array
    x : array_like, shape (n,)
    A : (M, M) ndarray
    d : 1-D array
    alpha : float
    n : int, optional
    z : float or ndarray
    w : {array-like, sparse matrix} of shape (n, m)

    Returns
    -------
    out : ndarray of shape (n,)
    """
    return X, y, x, A, d, alpha, n, z, w
'''


@pytest.mark.parametrize("name,rank,shape,lib,line", [
    ("X", 2, ("n_samples", "n_features"), "numpy", 8),
    ("y", 1, ("N",), "numpy", 10),
    ("x", 1, ("n",), None, 11),
    ("A", 2, ("M", "M"), "numpy", 12),
    ("d", 1, None, "numpy", 13),
    ("alpha", 0, None, None, 14),
    ("n", 0, None, None, 15),
])
def test_numpydoc_parameters(name, rank, shape, lib, line):
    f = facts(NUMPYDOC, name, line=23)
    assert (f.rank, f.shape, f.lib) == (rank, shape, lib)
    assert f.evidence[0] == Evidence("docstring", line, f.evidence[0].detail) and f.soft


@pytest.mark.parametrize("name", ["z", "w", "out"])
def test_numpydoc_lookalikes(name):
    code = NUMPYDOC.replace("return X, y", "out = X\n    return z, w, out, X, y") if name == "out" else NUMPYDOC
    ctx = ctx_for(code)
    node = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and n.id == name
                and isinstance(n.ctx, ast.Load))
    f = ctx.array_facts(node)
    assert f.rank is None or name == "out" and f.rank == 2 and kinds(f) == ["docstring"]  # out = X


def test_google_and_sphinx_docstrings():
    code = '''
    def f(a, b, c):
        """Do.

        Args:
            a (ndarray of shape (n, 3)): points.
            b: (k,) array of weights.

        :param c: the matrix
        :type c: (m, m) ndarray
        """
        return a, b, c
    '''
    assert (facts(code, "a", line=12).rank, facts(code, "a", line=12).shape) == (2, ("n", 3))
    assert facts(code, "b", line=12).rank == 1
    assert facts(code, "c", line=12).shape == ("m", "m")


def test_init_parameters_documented_on_the_class():
    code = '''
    class K:
        """A filter.

        Parameters
        ----------
        F : (n, n) ndarray
        """
        def __init__(self, F):
            self.F = F
    '''
    f = facts(code, "F", line=10)
    assert f.rank == 2 and kinds(f) == ["docstring"]


def test_code_overrides_a_docstring_that_lies():
    code = '''
    def f(d, e):
        """
        Parameters
        ----------
        d : 1-D array
        e : (n,) ndarray
        """
        c = d[:, 0]
        assert e.ndim == 2
        return d, e
    '''
    d, e = facts(code, "d", line=11), facts(code, "e", line=11)
    assert d.rank is None and d.min_rank == 2 and kinds(d) == ["usage"]
    assert e.rank == 2 and kinds(e) == ["guard"] and not e.soft


def test_docstring_flows_and_stays_soft():
    code = '''
    import numpy as np
    def f(d, B):
        """
        Parameters
        ----------
        d : (n,) ndarray
        """
        B = np.ones((3, 3))
        return np.diag(d) @ B
    '''
    f = facts(code, "np.diag(d) @ B")
    assert f.rank == 2 and f.soft and "docstring" in kinds(f)
    assert describe_facts("d", facts(code, "d", line=10)) == "`d` is 1-D of shape (n,) (docstring, line 7)"


# -- attributes --------------------------------------------------------------------------------------

ATTRS = """
import numpy as np
import scipy.linalg

inv = scipy.linalg.inv

class KF:
    def __init__(self):
        self.P = np.eye(4)
        self.Q = np.eye(4)
        self.x = np.zeros(4)
        self.mixed = np.zeros(4)
        self.solve = np.linalg.solve
        self.a, self.b = np.zeros(3), np.zeros((3, 3))
    def predict(self):
        self.P = self.P + self.Q
        self.x += 1.0
        self.mixed = np.zeros((4, 4))
        for self.it in range(3):
            pass
    def use(self, r):
        return self.P, self.x, self.a, self.b, self.mixed, self.it, self.other, self.solve(self.P, self.x), inv(self.P)
"""


@pytest.mark.parametrize("text,rank,shape", [
    ("self.P", 2, (4, 4)), ("self.x", 1, (4,)), ("self.a", 1, (3,)), ("self.b", 2, (3, 3)),
    ("self.solve(self.P, self.x)", 1, (4,)), ("inv(self.P)", 2, (4, 4)),
])
def test_attributes_every_assignment_agrees(text, rank, shape):
    f = facts(ATTRS, text, line=22)
    assert (f.rank, f.shape) == (rank, shape)
    assert "attribute" in kinds(f)


@pytest.mark.parametrize("text", ["self.mixed", "self.it", "self.other"])
def test_attributes_that_disagree_or_escape_are_unknown(text):
    assert facts(ATTRS, text, line=22).rank is None


def test_functions_held_in_names_resolve():
    ctx = ctx_for(ATTRS)
    calls = {ctx.text(n.func): ctx.resolve_call(n) for n in ast.walk(ctx.tree) if isinstance(n, ast.Call)}
    assert calls["self.solve"] == "numpy.linalg.solve"
    assert calls["inv"] == "scipy.linalg.inv"
    assert ctx.spell_like(next(n.func for n in ast.walk(ctx.tree) if isinstance(n, ast.Call)
                               and ctx.text(n.func) == "self.solve"), "inv", "numpy.linalg.inv") == "np.linalg.inv"


def test_attribute_set_on_another_object_or_shadowed_alias_is_unknown():
    code = """
    import numpy as np
    inv = np.linalg.inv
    class M:
        def __init__(self):
            self.P = np.eye(3)
        def use(self, inv):
            return self.P, inv(self.P)
    def reset(m):
        m.P = None
    """
    assert facts(code, "self.P", line=8).rank is None
    ctx = ctx_for(code)
    call = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and ctx.text(n.func) == "inv")
    assert ctx.resolve_call(call) is None


PARTLY = """
import numpy as np

class Emissions:
    def __init__(self, K, N, single):
        self.inv_etas = -1 + np.random.randn(1, N) if single else np.random.randn(K, N)
        self.mixed = np.zeros(N)
        self.shrunk = np.zeros((K, N))
    @property
    def params(self):
        return self.inv_etas, self.mixed
    @params.setter
    def params(self, value):
        self.inv_etas = value[-1]
        self.mixed = value[0]
        self.mixed = np.zeros((N, N))
        self.shrunk = value[1]
        self.shrunk = self.shrunk.sum(axis=0)
    def use(self, C):
        return self.inv_etas, self.mixed, self.shrunk, C.T @ np.diag(1.0 / np.exp(self.inv_etas[0])) @ C
"""


def test_an_attribute_whose_readable_assignments_agree_is_known_softly():
    f = facts(PARTLY, "self.inv_etas", line=20)
    assert f.rank == 2 and kinds(f) == ["attribute-some"] and f.soft
    assert facts(PARTLY, "self.inv_etas[0]", line=20).rank == 1


@pytest.mark.parametrize("text", ["self.mixed", "self.shrunk"])
def test_readable_assignments_that_disagree_or_an_update_that_changes_the_rank_say_nothing(text):
    assert facts(PARTLY, text, line=20).rank is None


def test_a_finding_may_rest_on_partly_known_attributes_a_fix_may_not():
    from support import lint

    found = lint(PARTLY, "BL402")
    assert len(found) == 1 and found[0].fix is None
    assert "(an attribute assignment whose others are unknown, line 6)" in found[0].message


@pytest.mark.parametrize("expr,rank", [("a if flag else b", 2), ("a if flag else c", None), ("2.0 * a if flag else a", 2)])
def test_a_conditional_expression_has_what_both_branches_agree_on(expr, rank):
    code = ("import numpy as np\ndef f(flag, n):\n    a = np.zeros((n, 3))\n    b = np.ones((4, 3))\n"
            f"    c = np.zeros(n)\n    y = {expr}\n    return y\n")
    assert facts(code, "y", line=7).rank == rank


# -- helper summaries --------------------------------------------------------------------------------

HELPERS = """
import numpy as np

def as_diagonal(x):
    return np.diag(x)

def model_matrices():
    return np.eye(4), np.zeros((4, 4))

def pick(flag):
    if flag:
        return np.zeros(3)
    return np.zeros((3, 3))

def maybe(flag):
    if flag:
        return np.eye(2)

def ping(x):
    return pong(x) @ x

def pong(x):
    return ping(x)

def fact(n):
    if n == 0:
        return np.eye(2)
    return fact(n - 1) @ np.eye(2)

def use(n):
    v = np.ones(n)
    D = as_diagonal(v)
    M = as_diagonal(np.ones((n, n)))
    P, V = model_matrices()
    return D, M, P, V, pick(n), maybe(n), ping(v), fact(3)
"""


@pytest.mark.parametrize("text,rank,shape", [
    ("D", 2, ("n", "n")), ("M", 1, None), ("P", 2, (4, 4)), ("V", 2, (4, 4)),
])
def test_helper_summaries(text, rank, shape):
    f = facts(HELPERS, text)
    assert (f.rank, f.shape) == (rank, shape)
    assert kinds(f)[0] == "helper"


@pytest.mark.parametrize("text", ["pick(n)", "maybe(n)", "ping(v)", "fact(3)"])
def test_helper_lookalikes_and_cycles_are_unknown(text):
    assert facts(HELPERS, text).rank is None


METHODS = """
import numpy as np

class Model:
    def _kernel(self, X):
        return np.exp(-X @ X.T)

    def _scaled(self, d):
        return np.diag(d)

    def _pair(self, X):
        return X @ X.T, np.zeros(3)

    def _twice(self, X):
        return X

    def _twice(self, X):
        return X @ X.T

    def _redefined(self, X):
        return X @ X.T

    def _overridden(self, X):
        return X @ X.T

    def _stored(self, X):
        return X @ X.T

    @staticmethod
    def _static(X):
        return X @ X.T

    def fit(self, X, v):
        self._stored = None
        X = np.ones((5, 3))
        K = self._kernel(X)
        D = self._scaled(np.ones(4))
        G, z = self._pair(X)
        return K, D, G, z, self._twice(X), self._overridden(X), self._stored(X), self._static(X)

class Sub(Model):
    def _overridden(self, X):
        return X[0]

def outside(model, X):
    return model._kernel(X)
"""


@pytest.mark.parametrize("text,rank,shape", [
    ("K", 2, (5, 5)), ("D", 2, (4, 4)), ("G", 2, (5, 5)), ("z", 1, (3,)),
])
def test_method_summaries_are_soft_facts(text, rank, shape):
    f = facts(METHODS, text)
    assert (f.rank, f.shape) == (rank, shape)
    assert kinds(f)[0] == "method" and f.soft  # a subclass elsewhere may override it


@pytest.mark.parametrize("text", ["self._twice(X)", "self._overridden(X)", "self._stored(X)", "self._static(X)",
                                  "model._kernel(X)"])
def test_method_lookalikes_are_unknown(text):
    """Two defs, a subclass override in the module, an attribute of that name, a static method, another object."""
    assert facts(METHODS, text).rank is None


def test_a_finding_may_rest_on_a_method_but_no_fix_does():
    code = textwrap.dedent("""
        import numpy as np

        class GP:
            def _kernel(self, X):
                return np.exp(-X @ X.T)

            def fit(self, X, dK):
                X = np.ones((500, 3))
                K = self._kernel(X)
                return np.trace(K @ K)
        """)
    found = [f for f in lint(code) if f.code == "BL403"]
    assert len(found) == 1 and found[0].message.endswith("(`K` is 2-D of shape (500, 500) (float64) (method, line 10))")
    assert found[0].fix is None or found[0].fix.applicability != "safe"


DOCUMENTED = """
import numpy as np

class Base:
    \"\"\"Base.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixture weights.
    \"\"\"


class MSM(Base):
    \"\"\"Model.

    Parameters
    ----------
    lag : ndarray of shape (3, 3)
        Only a parameter.

    Attributes
    ----------
    populations_ : array, shape = (n_states_,)
        The equilibrium population.
    transmat_ : array_like, shape = (n_states_, n_states_)
        Transition matrix.
    coded_ : ndarray of shape (n, n)
        Documented as a matrix, assigned a vector.
    \"\"\"

    def fit(self):
        self.coded_ = np.zeros(4)
        return self

    def score(self, other):
        m2 = self.__class__()
        m3 = type(self)()
        m4 = MSM()
        return (self.populations_, m2.transmat_, m3.populations_, m4.transmat_, self.weights_,
                self.coded_, self.lag, other.populations_)
"""


@pytest.mark.parametrize("text,rank,shape", [
    ("self.populations_", 1, ("n_states_",)), ("m2.transmat_", 2, ("n_states_", "n_states_")),
    ("m3.populations_", 1, ("n_states_",)), ("m4.transmat_", 2, ("n_states_", "n_states_")),
    ("self.weights_", 1, ("n_components",)),
])
def test_attributes_documented_by_the_class_are_soft_facts(text, rank, shape):
    f = facts(DOCUMENTED, text)
    assert (f.rank, f.shape) == (rank, shape) and kinds(f) == ["docstring"] and f.soft


@pytest.mark.parametrize("text,rank", [("self.coded_", 1), ("self.lag", None), ("other.populations_", None)])
def test_attribute_docs_yield_to_code_and_to_unknown_owners(text, rank):
    """Assignments beat the docstring; a Parameters entry is not an attribute; an object of unknown class."""
    assert facts(DOCUMENTED, text).rank == rank


def test_helpers_of_another_module_of_the_package(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .ops import as_diagonal\n")
    (pkg / "sub" / "ops.py").write_text("import numpy as np\nfrom ..cyc import loop\n"
                                         "def as_diagonal(x):\n    return np.diag(x)\n"
                                         "def spin(x):\n    return loop(x)\n")
    (pkg / "cyc.py").write_text("from .sub.ops import spin\ndef loop(x):\n    return spin(x)\n")
    main = pkg / "main.py"
    code = ("import numpy as np\nfrom .sub import as_diagonal\nfrom pkg.sub.ops import spin\n"
            "from .missing import nothing\nfrom numpy.linalg import inv\n"
            "def f(n: int):\n    v = np.ones(n)\n    return as_diagonal(v), spin(v), nothing(v)\n")
    main.write_text(code)
    f = facts(code, "as_diagonal(v)", path=str(main))
    assert (f.rank, f.shape) == (2, ("n", "n")) and kinds(f) == ["helper"]
    assert facts(code, "spin(v)", path=str(main)).rank is None      # a cycle between modules
    assert facts(code, "nothing(v)", path=str(main)).rank is None   # no such module


# -- call sites ---------------------------------------------------------------------------------------

def test_call_sites_that_agree():
    code = """
    import numpy as np
    def _norm2(v):
        return v
    def a(n: int):
        return _norm2(np.ones(n))
    def b():
        return _norm2(np.zeros(3))
    """
    f = facts(code, "v", line=4)
    assert f.rank == 1 and kinds(f) == ["call-site"] and f.evidence[0].line == 6


@pytest.mark.parametrize("code", [
    # calls disagree
    "import numpy as np\ndef _g(v):\n    return v\n_g(np.ones(3))\n_g(np.ones((3, 3)))\n",
    # public: callers elsewhere
    "import numpy as np\ndef g(v):\n    return v\ng(np.ones(3))\n",
    # passed on as a callback
    "import numpy as np\ndef _g(v):\n    return v\n_g(np.ones(3))\nmap(_g, [])\n",
    # recursive only
    "import numpy as np\ndef _g(v):\n    return _g(v)\n",
])
def test_call_site_lookalikes(code):
    assert facts(code, "v", line=3).rank is None


def test_private_method_call_sites():
    code = """
    import numpy as np
    class C:
        def _step(self, x):
            return x
        def run(self):
            return self._step(np.eye(3))
    """
    assert facts(code, "x", line=5).rank == 2


# -- runtime --------------------------------------------------------------------------------------------

def test_runtime_facts_are_consulted_last():
    code = '''
    def f(x, y):
        """
        Parameters
        ----------
        y : (n,) ndarray
        """
        return x, y
    '''
    set_runtime_facts({("f", "x"): Facts(rank=2, evidence=(Evidence("runtime", 0, "measured"),)),
                       ("f", "y"): Facts(rank=2, evidence=(Evidence("runtime", 0, "measured"),))})
    try:
        x, y = facts(code, "x", line=8), facts(code, "y", line=8)
        assert x.rank == 2 and x.soft and kinds(x) == ["runtime"]
        assert y.rank == 1 and kinds(y) == ["docstring"]
    finally:
        set_runtime_facts({})
    assert facts(code, "x", line=8).rank is None


# -- bad input ---------------------------------------------------------------------------------------------

def test_a_10000_line_function_ends_unknown_not_in_a_crash():
    body = "".join(f"    x{i} = x{i - 1} * 2.0 + w[:, {i % 7}]\n" for i in range(1, 10_000))
    code = "import numpy as np\ndef f(w):\n    x0 = np.zeros(3)\n" + body + "    return x9999\n"
    f = facts(code, "x9999", line=code.count("\n"))
    assert f.rank is None or f.rank >= 1
    assert lint(code) is not None


def test_a_class_with_200_attributes():
    inits = "".join(f"        self.a{i} = np.zeros(({i % 5 + 1}, 3))\n" for i in range(200))
    updates = "".join(f"        self.a{i} = self.a{(i + 1) % 200} @ np.eye(3)\n" for i in range(200))
    reads = ", ".join(f"self.a{i}" for i in range(200))
    code = ("import numpy as np\nclass Big:\n    def __init__(self):\n" + inits +
            "    def step(self):\n" + updates + "    def use(self):\n        return (" + reads + ")\n")
    ctx = ctx_for(code)
    ranks = [ctx.array_facts(n).rank for n in ast.walk(ctx.tree)
             if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and n.lineno == code.count("\n")]
    assert len(ranks) == 200 and set(ranks) <= {2, None}
    assert lint(code) is not None


def test_recursive_and_mutually_recursive_helpers_lint():
    code = HELPERS + "\ndef odd(A):\n    return even(A) @ A\ndef even(A):\n    return np.linalg.inv(odd(A))\n"
    assert all(d.code != "BL999" for d in lint(code))


def test_a_docstring_that_lies_about_every_parameter_lints():
    code = '''
import numpy as np
def f(A, b, n):
    """
    Parameters
    ----------
    A : float
    b : (n, n, n, ...) array
    n : (3,) ndarray
    """
    x = np.linalg.inv(A) @ b
    return A.shape[1], range(n), x
'''
    assert all(d.code != "BL999" for d in lint(code))
    assert facts(code, "A", line=12).rank is None


def test_call_sites_inside_match_statements_and_strings_that_mention_the_name():
    code = """
    import numpy as np
    def _g(v):
        return v
    def f(cmd):
        match cmd:
            case "a":
                return _g(np.ones(3))
            case _:
                return _g(np.zeros(4))
    """
    assert facts(code, "v", line=4).rank == 1
    mentioned = code + "    NAME = '_g'\n"
    assert facts(mentioned, "v", line=4).rank is None  # a mention we cannot see as a call: unsure


def test_setattr_in_the_class_makes_attributes_unknown():
    code = """
    import numpy as np
    class C:
        def __init__(self, **kw):
            self.P = np.eye(3)
            for k, v in kw.items():
                setattr(self, k, v)
        def use(self):
            return self.P
    """
    assert facts(code, "self.P", line=9).rank is None


def test_np_where_shape_broadcasts_the_condition_too():
    """``np.where(Y == 1, 1, -1)`` with ``Y`` 1-D is 1-D: its shape comes from the condition as well
    (once a 0-tuple shape beside rank 1, which crashed indexing it, GPy's bernoulli.py)."""
    src = "import numpy as np\ndef f(m):\n    Y = m.flatten()\n    s = np.where(Y == 1, 1, -1)\n    return s[:, None]\n"
    f = facts(src, "s[:, None]")
    assert f.rank == 2 and (f.shape is None or len(f.shape) == 2)


def test_np_asarray_of_anything_is_a_numpy_array_of_unknown_rank():
    """``np.asarray(V)`` is a base-class ndarray whatever ``V`` is: reshaped, indexed by a row, it is
    known (``asanyarray`` keeps subclasses such as np.matrix, so it says nothing)."""
    src = "import numpy as np\ndef f(V, n, i):\n    A = np.asarray(V)\n    B = np.asanyarray(V)\n" \
          "    W = np.asarray(V).reshape(n, 7)\n    return A, B, W[0]\n"
    assert facts(src, "np.asarray(V)").lib == "numpy" and facts(src, "np.asarray(V)").rank is None
    assert facts(src, "np.asanyarray(V)").lib is None
    assert facts(src, "W[0]").rank == 1


# -- softness flows through receivers and decompositions; scalars by default value ---------------------

SOFT_FLOW = """
import numpy as np
from past.utils import old_div

def kernel(A, beta=0.5, gamma: float = 1, c=-2.0):
    '''
    :param A: adjacency matrix
    '''
    d = A.sum(axis=0)
    r = old_div(1., d)
    w, Q = np.linalg.eigh(A)
    return d, r, w, Q, beta * w, gamma * w, c * w
"""


@pytest.mark.parametrize("text", ["d", "r", "w", "Q"])
def test_docstring_softness_flows_through_receivers_and_decompositions(text):
    f = facts(SOFT_FLOW, text, line=12)
    assert f.rank is not None and f.soft, f


@pytest.mark.parametrize("text,rank", [("beta * w", 1), ("gamma * w", 1), ("c * w", 1)])
def test_float_defaults_and_annotations_are_scalars(text, rank):
    assert facts(SOFT_FLOW, text).rank == rank


def test_a_message_names_the_soft_source_beside_the_strongest():
    f = facts(SOFT_FLOW, "r", line=12)
    text = describe_facts("r", f)
    assert "docstring, line 7" in text and text.index("docstring") > text.index("(")


RELATED = """
import numpy as np

class Mixin:
    def init(self, n):
        self.P = np.zeros((n, n))

class Model(Mixin):
    def step(self):
        return self.P

class Other:
    def init(self):
        self.P = np.zeros(3)

class Base:
    def init(self, n):
        self.Q = np.zeros((n, n))

    def step(self):
        return self.Q

class Sub(Base):
    def reset(self):
        self.Q = np.zeros(4)
"""


def test_attributes_set_by_a_base_class_of_the_module_count():
    """A mixin's assignment reaches the subclass's methods; an unrelated class's `self.P` does not."""
    assert facts(RELATED, "self.P").rank == 2


def test_a_subclass_assignment_that_disagrees_makes_the_attribute_unknown():
    assert facts(RELATED, "self.Q").rank is None


WHOLE = """
import numpy as np

def f(X, Y, w):
    a = np.sum(X)
    b = np.mean(X ** 2, axis=0).sum()
    c = np.sqrt(b)
    d = np.sum(X, axis=0)
    e = np.sum(X, keepdims=True)
    g = Y.sum()
    return a, b, c, d, e, g
"""


@pytest.mark.parametrize("text,rank", [("a", 0), ("b", 0), ("c", 0), ("d", None), ("e", None), ("g", None)])
def test_whole_reductions_are_one_number(text, rank):
    """np.sum(x) of anything is a number, as is a NumPy result's `.sum()`; an axis, keepdims, or the
    method on an object of unknown kind says nothing."""
    assert facts(WHOLE, text, line=11).rank == rank


@pytest.mark.parametrize("text,rank", [
    ("list of S array-like of shape (ns, N)", None),   # POT's Ts: the items' shape, not the container's
    ("List[np.ndarray] of shape (n,)", None),
    ("tuple of arrays, shape (n,)", None),
    ("sequence of ndarray (n, d)", None),
    ("array-like, shape (n, d)", 2),
    ("ndarray of shape (n,)", 1),
])
def test_docstring_containers_of_arrays_say_nothing_of_rank(text, rank):
    from blaslint.analysis.docstrings import type_facts

    f = type_facts(text)
    assert (f.rank if f is not None else None) == rank


@pytest.mark.parametrize("call,shape,dtype", [
    ("cdist(X, Y)", ("X.shape[0]", "Y.shape[0]"), "float64"),
    ("cdist(X, X, 'sqeuclidean')", ("X.shape[0]", "X.shape[0]"), "float64"),
    ("pairwise_kernels(X, metric='rbf')", ("X.shape[0]", "X.shape[0]"), None),
    ("pairwise_kernels(X, None, metric='rbf')", ("X.shape[0]", "X.shape[0]"), None),
    ("rbf_kernel(X, Y=Y)", ("X.shape[0]", "Y.shape[0]"), None),
])
def test_pairwise_matrices_have_a_row_per_row_of_each_argument(call, shape, dtype):
    code = ("import numpy as np\nfrom scipy.spatial.distance import cdist\n"
            "from sklearn.metrics.pairwise import pairwise_kernels, rbf_kernel, cosine_similarity\n"
            f"def f(X, Y):\n    K = {call}\n    return K\n")
    f = facts(code, "K", line=6)
    assert (f.rank, f.shape, f.dtype) == (2, shape, dtype)


def test_a_similarity_that_may_be_sparse_stays_unknown():
    code = ("from sklearn.metrics.pairwise import cosine_similarity\n"
            "def f(X, Y):\n    K = cosine_similarity(X, Y, dense_output=False)\n    return K\n")
    assert facts(code, "K", line=4).rank is None


# -- loop targets -----------------------------------------------------------------------------------

LOOPS = """
import numpy as np
def f(n, K, items):
    A = np.random.randn(K, n, n)
    B = np.random.randn(K, n)
    for a in A:
        x = a
    for a2, b2 in zip(A, B):
        y = b2
    for i, b3 in enumerate(B):
        z = b3
    for j, (a4, b4) in enumerate(zip(A, B)):
        w = a4
    for row in items:
        u = row
    for v1, v2 in zip(B, items):
        v = v2
    return [c @ np.diag(d) @ c for c, d in zip(A, B)], x, y, z, w, u, v
"""


@pytest.mark.parametrize("name,line,rank,shape", [
    ("a", 7, 2, ("n", "n")), ("b2", 9, 1, ("n",)), ("b3", 11, 1, ("n",)), ("a4", 13, 2, ("n", "n")),
    ("d", 18, 1, ("n",)),
])
def test_an_item_of_an_array_has_one_axis_fewer(name, line, rank, shape):
    f = facts(LOOPS, name, line=line)
    assert f.rank == rank and (shape is None or f.shape == shape)


@pytest.mark.parametrize("name,line", [("row", 15), ("v2", 17)])
def test_an_item_of_an_unknown_iterable_is_unknown(name, line):
    assert facts(LOOPS, name, line=line).rank is None


def test_a_diagonal_product_per_item_of_a_stack_is_found():
    from support import lint

    found = lint(LOOPS, "BL402")
    assert [d.line for d in found] == [18]


@pytest.mark.parametrize("call,rank", [
    ("scipy.linalg.inv(S)", 3), ("scipy.linalg.inv(M)", 2), ("scipy.linalg.eigvalsh(S)", 2),
    ("scipy.linalg.inv(U)", None),   # unknown: a matrix or a stack, at least 2-D
])
def test_scipy_linalg_keeps_a_stack_a_stack(call, rank):
    import numpy as np
    import scipy.linalg

    code = ("import numpy as np\nimport scipy.linalg\ndef f(U):\n    S = np.random.rand(3, 4, 4)\n"
            f"    M = np.random.rand(4, 4)\n    r = {call}\n    return r\n")
    f = facts(code, call, line=6)
    assert f.rank == rank and (rank is not None or f.min_rank == 2)
    S = np.random.rand(3, 4, 4) + 4 * np.eye(4)
    assert scipy.linalg.inv(S).ndim == 3 and scipy.linalg.eigvalsh(S @ S.transpose(0, 2, 1)).ndim == 2


def test_an_attribute_also_set_by_tuple_unpacking_stays_unknown():
    # `self.P, self.Q = v` is no expression to read: the attribute is unknown, not softly known
    code = ("import numpy as np\nclass A:\n    def __init__(self, n):\n        self.P = np.zeros((n, n))\n"
            "    def set(self, v):\n        self.P, self.Q = v\n    def use(self, b):\n        return self.P @ b\n")
    assert facts(code, "self.P", line=8).rank is None


@pytest.mark.parametrize("expr,rank,shape,min_rank", [
    ("np.random.multivariate_normal(np.zeros(3), R)", 1, (3,), None),
    ("np.random.multivariate_normal(m, R, 10)", 2, (10, None), None),
    ("np.random.default_rng(0).multivariate_normal(m, R, size=(4, 5))", 3, (4, 5, None), None),
    ("np.random.multivariate_normal(m, R, N)", None, None, 2),
])
def test_multivariate_normal_samples_add_an_axis(expr, rank, shape, min_rank):
    f = facts(f"import numpy as np\ndef f(m, R, N):\n    x = {expr}\n    return x\n", expr)
    assert (f.rank, f.shape, f.min_rank) == (rank, shape, min_rank)


def test_random_draws_around_an_array_are_not_numbers():
    # np.random.normal(mu, 1) with an array `mu` is an array of mu's shape; with numbers it is a number
    assert facts("import numpy as np\ndef f(mu):\n    return np.random.normal(mu, 1)\n",
                 "np.random.normal(mu, 1)").rank is None
    assert facts("import numpy as np\ndef f():\n    return np.random.normal(0, 1)\n", "np.random.normal(0, 1)").rank == 0


def test_a_zeros_sized_by_a_shape_entry_is_one_dimensional():
    f = facts("import numpy as np\ndef f(X):\n    return np.zeros(X.shape[0])\n", "np.zeros(X.shape[0])")
    assert (f.rank, f.shape) == (1, ("X.shape[0]",))


def test_attribute_set_on_the_class_in_a_class_method_is_every_instances():
    # pytest's setup_class: `cls.x = ...` sets what every test method reads as `self.x` (statsmodels' tests)
    code = """
    import numpy as np
    class TestPCA:
        @classmethod
        def setup_class(cls):
            cls.x = np.zeros((200, 100))
        def test_projection(self):
            return self.x
    """
    f = facts(code, "self.x", line=8)
    assert (f.rank, f.shape) == (2, (200, 100)) and "attribute" in kinds(f)
    # a static method's first parameter is no instance
    code2 = code.replace("@classmethod", "@staticmethod")
    assert facts(code2, "self.x", line=8).rank is None


@pytest.mark.parametrize("text,rank,shape", [
    # Google style: a description that gives a shape names an array (TheAlgorithms' perplexity loss)
    ("Predicted sentences of shape (batch_size, sentence_length, vocab_size)", 3,
     ("batch_size", "sentence_length", "vocab_size")),
    ("Actual label encoded sentences of shape (batch_size, sentence_length)", 2, ("batch_size", "sentence_length")),
    ("list of weights with shape (n,)", None, None),      # a container's items
    ("Per-view weight matrices, each of shape (p_i, k)", None, None),  # cca_zoo: items of a list
    ("The input data, shape (n_samples, n_features)", None, None),  # no "of shape": prose, not a type
])
def test_a_description_that_gives_a_shape_is_an_array(text, rank, shape):
    from blaslint.analysis.docstrings import type_facts

    f = type_facts(text)
    assert (f.rank, f.shape) == (rank, shape) if f is not None else (rank, shape) == (None, None)


DECOMPOSED = """
import numpy as np
from scipy import linalg
def f(C, A):
    Q, R, P = linalg.qr(C, mode="economic", pivoting=True)
    Q2, R2 = np.linalg.qr(A, mode="reduced")
    Qr = linalg.qr(C, mode="r")
    lu, piv = linalg.lu_factor(A)
    return Q, R, P, Q2, R2, Qr, lu, piv
"""


@pytest.mark.parametrize("text,rank", [
    ("Q", 2), ("R", 2), ("P", 1),            # scipy: 2-D input only; the pivots a permutation vector
    ("Q2", None), ("R2", None),             # numpy.linalg.qr stacks: ranks follow an unknown input's
    ("Qr", None),                            # mode="r": (R,) alone, not a pair
    ("lu", 2), ("piv", 1),
])
def test_the_parts_of_qr_and_lu_factor(text, rank):
    assert facts(DECOMPOSED, text, line=9).rank == rank


def test_a_container_annotation_outweighs_the_docstring_of_its_items():
    """cca_zoo: `weights: list[np.ndarray]` documented "weight matrices, each of shape (p_i, k)"."""
    code = ('import numpy as np\ndef f(weights: list[np.ndarray], X: np.ndarray):\n    """Gram.\n\n    Args:\n'
            '        weights: weight matrix of shape (p, k).\n        X: data of shape (n, p).\n    """\n'
            '    return weights, X\n')
    assert facts(code, "weights", line=9).rank is None
    assert facts(code, "X", line=9).rank == 2


_REGISTRATION = '''\
import numpy as np


class Registration:
    def __init__(self, X, Y, sigma2=None, alpha=None):
        self.X = X
        self.Y = Y
        self.TY = Y
        self.sigma2 = 1.0 if sigma2 is None else sigma2
        (self.M, _) = self.Y.shape
        self.P = np.zeros((self.M, 4))
        self.P1 = np.zeros((self.M,))
        self.PX = np.zeros((self.M, 3))
        self.alpha = 2 if alpha is None else alpha
        self.W = np.zeros((self.M, 3))
        self.G = kernel(self.Y)

    def update_transform(self):
        A = np.dot(np.diag(self.P1), self.G) + self.alpha * np.eye(self.M)
        B = self.PX - np.dot(np.diag(self.P1), self.Y)
        self.W = np.linalg.solve(A, B)

    def transform_point_cloud(self):
        self.TY = self.Y + np.dot(self.G, self.W)

    def expectation(self):
        P = np.sum((self.X[None, :, :] - self.TY[:, None, :]) ** 2, axis=2)
        self.P = np.divide(P, np.sum(P, axis=0, keepdims=True))
        self.P1 = np.sum(self.P, axis=1)
        self.PX = np.matmul(self.P, self.X)
'''


def test_attribute_facts_do_not_depend_on_the_order_they_are_asked_in():
    """dipy's CPD: `self.P1` is read (line 20) while `self.W`'s assignments are being evaluated, whose
    operands lead back to `self.W` through `self.TY` and `self.P`. The partial answer given inside that
    fixpoint must not stay cached: both diagonal products are found, not only the first one asked."""
    found = [d.line for d in lint(_REGISTRATION, ["BL402"])]
    assert found == [19, 20]
    ctx = ctx_for(_REGISTRATION)
    reads = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.Attribute) and n.attr == "P1" and n.lineno in (19, 20)]
    for n in ast.walk(ctx.tree):  # every expression first, in walk order, then the two reads again
        if isinstance(n, (ast.Attribute, ast.Call, ast.BinOp, ast.Name)):
            ctx.array_facts(n)
    assert [ctx.array_facts(n).rank for n in reads] == [1, 1]


def test_a_project_array_alias_and_a_tuple_return_annotation():
    # linearmodels: `Float64Array` aliases an ndarray of float64; `y, w = self._prepare()` unpacks a helper
    # annotated `-> tuple[Float64Array, Float64Array]`
    code = """
    import linearmodels.typing.data
    from linearmodels.typing import IntArray, Float64Array
    class M:
        def _prepare(self) -> tuple[linearmodels.typing.data.Float64Array, IntArray]:
            return self.a, self.b
        def r2(self, p: Float64Array):
            y, w = self._prepare()
            return y, w, p
    """
    y, w, p = (facts(code, name, line=9) for name in ("y", "w", "p"))
    assert (y.lib, y.dtype, kinds(y)) == ("numpy", "float64", ["annotation"])
    assert (w.lib, w.dtype) == ("numpy", None) and (p.lib, p.dtype) == ("numpy", "float64")
    # a tuple of another length, or an alias that is no array name: nothing
    other = code.replace("y, w = self._prepare()", "y, w, z = self._prepare()")
    assert facts(other, "y", line=9).lib is None
    assert facts(code.replace("IntArray", "IntList"), "w", line=9).lib is None
