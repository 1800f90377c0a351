"""Array facts (rank, shape, dtype) that flow through assignments, indexing,
reductions, ufuncs and decompositions (analysis/facts.py, analysis/shape_flow.py)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.shape_flow import is_int_scalar
from blaslint.core.source import SourceText


def ctx_for(code: str) -> FileContext:
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    set_parents(tree)
    return FileContext(SourceText(code), tree)


def facts_of_last(code: str):
    """Facts of the value of the last expression statement (`_ = expr` or a bare expr)."""
    ctx = ctx_for(code)
    last = ctx.tree.body[-1]
    while isinstance(last, (ast.FunctionDef, ast.For)):
        last = last.body[-1]
    expr = last.value
    return ctx.array_facts(expr), ctx, expr


def rank_of(code: str):
    return facts_of_last(code)[0].rank


@pytest.mark.parametrize("code,rank", [
    # indexing
    ("import numpy as np\nX = np.zeros((3, 4))\nX[:, 0]\n", 1),
    ("import numpy as np\nX = np.zeros((3, 4))\nX[0]\n", 1),
    ("import numpy as np\nX = np.zeros((3, 4))\nX[1:, :2]\n", 2),
    ("import numpy as np\nd = np.ones(5)\nd[:, None]\n", 2),
    ("import numpy as np\nX = np.zeros((3, 4, 5))\nX[..., 0]\n", 2),
    ("import numpy as np\nX = np.zeros((3, 4))\nfor i in range(3):\n    X[i]\n", 1),
    ("import numpy as np\nX = np.zeros((3, 4))\nfor i, row in enumerate(X):\n    X[i, i]\n", 0),
    # an index array: rank unknown
    ("import numpy as np\ndef f(idx):\n    X = np.zeros((3, 4))\n    return X[idx]\n", None),
    # reductions with a literal axis
    ("import numpy as np\nX = np.random.rand(3, 4)\nX.sum(axis=0)\n", 1),
    ("import numpy as np\nX = np.random.rand(3, 4)\nnp.mean(X, 1)\n", 1),
    ("import numpy as np\nX = np.random.rand(3, 4)\nX.sum()\n", 0),
    ("import numpy as np\nX = np.random.rand(3, 4)\nX.sum(axis=0, keepdims=True)\n", 2),
    ("import numpy as np\nX = np.random.rand(3, 4)\nnp.linalg.norm(X, axis=1)\n", 1),
    ("import numpy as np\nx = np.random.rand(3)\nnp.linalg.norm(x)\n", 0),
    # an axis we cannot read: unknown
    ("import numpy as np\ndef f(ax):\n    X = np.random.rand(3, 4)\n    return X.sum(axis=ax)\n", None),
    # ufuncs
    ("import numpy as np\ns = np.random.rand(4)\nnp.maximum(s, 1e-12)\n", 1),
    ("import numpy as np\nw = np.random.rand(4)\n1.0 / np.sqrt(w)\n", 1),
    ("import numpy as np\nw = np.random.rand(4)\nnp.where(w > 0, w, 0.0)\n", 1),
    # linalg results
    ("import numpy as np\nA = np.random.rand(4, 4)\nb = np.random.rand(4)\nnp.linalg.solve(A, b)\n", 1),
    ("import numpy as np\nA = np.random.rand(4, 4)\nU, s, Vt = np.linalg.svd(A)\ns\n", 1),
    ("import numpy as np\nA = np.random.rand(4, 4)\nU, s, Vt = np.linalg.svd(A)\nVt\n", 2),
    ("import numpy as np\nA = np.random.rand(4, 4)\nw, V = np.linalg.eigh(A)\nw\n", 1),
    ("import scipy.linalg as sla\ndef f(A):\n    U, s, Vt = sla.svd(A)\n    return s\n", 1),
    ("import numpy as np\nA = np.random.rand(4, 4)\nnp.linalg.eigvalsh(A)\n", 1),
    # numpy.linalg works on stacks: one matrix is assumed for the spectrum only
    ("import numpy as np\ndef f(A):\n    U, s, Vt = np.linalg.svd(A)\n    return s\n", 1),
    ("import numpy as np\ndef f(A):\n    U, s, Vt = np.linalg.svd(A)\n    return U\n", None),
    ("import torch\ndef f(A):\n    U, s, Vt = torch.linalg.svd(A)\n    return s\n", None),
    # reshaping, stacking, torch
    ("import numpy as np\nX = np.random.rand(3, 4)\nX.reshape(-1)\n", 1),
    ("import numpy as np\nx = np.random.rand(12)\nx.reshape(3, 4)\n", 2),
    ("import numpy as np\na = np.ones(3)\nb = np.ones(3)\nnp.vstack([a, b])\n", 2),
    ("import torch\nd = torch.rand(5)\ntorch.diag(d)\n", 2),
    ("import torch\nA = torch.rand(5, 5)\nA.inverse()\n", 2),
    ("import torch\nA = torch.rand(5, 5)\nA.sum(dim=1)\n", 1),
])
def test_rank(code, rank):
    assert rank_of(code) == rank


def test_dims_bound_to_int_literals_are_numbers():
    f, _, _ = facts_of_last("import numpy as np\nn = 1000\nk = 10\nA = np.random.rand(n, k)\nA\n")
    assert f.shape == (1000, 10)


def test_symbolic_dims_stay_symbolic():
    f, _, _ = facts_of_last("import numpy as np\ndef f(n, k):\n    A = np.zeros((n, k))\n    return A\n")
    assert f.rank == 2 and f.shape == ("n", "k")


def test_shape_through_indexing_and_reduction():
    f, _, _ = facts_of_last("import numpy as np\nX = np.zeros((3, 4))\nX[:, None, :].sum(axis=2)\n")
    assert f.rank == 2 and f.shape == (3, 1)


def test_shape_through_product_chain():
    f, _, _ = facts_of_last("import numpy as np\nA = np.zeros((3, 4))\nB = np.zeros((4, 7))\nA @ B\n")
    assert f.shape == (3, 7)


@pytest.mark.parametrize("code,expected", [
    ("0", True), ("-1", True), ("len(x)", True), ("n + 1", False), ("1.5", False), ("True", False),
])
def test_int_scalar_expressions(code, expected):
    ctx = ctx_for(f"x = [1, 2]\n_ = {code}\n")
    assert is_int_scalar(ctx, ctx.tree.body[-1].value) is expected


def test_int_scalar_loop_counter_and_shape():
    ctx = ctx_for("import numpy as np\nX = np.zeros((3, 4))\nfor i in range(X.shape[0]):\n    _ = i + 1\n")
    expr = ctx.tree.body[-1].body[0].value
    assert is_int_scalar(ctx, expr)
    assert is_int_scalar(ctx, ctx.tree.body[-1].iter.args[0])


def test_shadowed_range_is_not_a_counter():
    ctx = ctx_for("def range(n):\n    return [0.5]\nfor i in range(3):\n    _ = i\n")
    assert not is_int_scalar(ctx, ctx.tree.body[-1].body[0].value)


def test_decomposition_dtypes():
    f, _, _ = facts_of_last("import numpy as np\nA = np.random.rand(4, 4).astype(np.float32)\n"
                            "w, V = np.linalg.eigh(A)\nw\n")
    assert f.rank == 1 and f.dtype == "float32"


def test_rank_from_shape_unpacking():
    code = "import numpy as np\ndef f(X, w):\n    n, d = X.shape\n    return X\n"
    f, _, _ = facts_of_last(code)
    assert f.rank == 2 and f.shape == ("n", "d")


def test_shape_unpacking_after_the_use_proves_nothing():
    code = "import numpy as np\ndef f(X, c):\n    if c:\n        n, d = X.shape\n    return X\n"
    assert rank_of(code) is None


def test_comprehension_counter_is_an_int():
    ctx = ctx_for("import numpy as np\nX = np.zeros((3, 3))\nout = [X[i, i] for i in range(3)]\n")
    sub = ctx.tree.body[-1].value.elt
    assert is_int_scalar(ctx, sub.slice.elts[0])
    assert ctx.array_facts(sub).rank == 0


@pytest.mark.parametrize("code,rank", [
    ("import numpy as np\ndef f(X):\n    n, d = X.shape\n    w = np.zeros(d)\n    return w\n", 1),
    ("import numpy as np\ndef f(n: int):\n    x = np.ones(n)\n    return x\n", 1),
    ("import numpy as np\ndef f(n=100):\n    x = np.ones(n)\n    return x\n", 1),
    ("import numpy as np\ndef f(x):\n    y = np.zeros(len(x))\n    return y\n", 1),
    ("import numpy as np\ndef f(rng, k=8):\n    return rng.standard_normal(k)\n", None),  # rng unknown
    ("import numpy as np\ndef f(k=8):\n    rng = np.random.default_rng(0)\n    return rng.standard_normal(k)\n", 1),
    # a parameter of unknown type may be a shape tuple
    ("import numpy as np\ndef f(shape):\n    x = np.zeros(shape)\n    return x\n", None),
])
def test_sizes_from_flow(code, rank):
    assert rank_of(code) == rank


@pytest.mark.parametrize("code,rank", [
    # a parameter that is also a shape element or a range bound is an int
    ("import numpy as np\ndef f(m, n):\n    A = np.random.default_rng(0).standard_normal((m, n))\n"
     "    x = np.zeros(n)\n    return x\n", 1),
    ("import numpy as np\ndef f(n):\n    for i in range(n):\n        pass\n    x = np.ones(n)\n    return x\n", 1),
    # used only as np.zeros(n): could be a tuple
    ("import numpy as np\ndef f(n):\n    x = np.ones(n)\n    return x\n", None),
])
def test_parameters_used_as_sizes(code, rank):
    assert rank_of(code) == rank


def test_parameter_given_to_arange_is_a_scalar():
    code = ("import numpy as np\ndef f(n, fs):\n    t = np.arange(n) / fs\n    k = np.fft.fftfreq(n, 1.0 / fs)\n"
            "    F = np.ones((3, 3)) / n\n    return F\n")
    assert rank_of(code) == 2
    ctx = ctx_for(code)
    ret = ctx.tree.body[-1].body[1].value  # np.fft.fftfreq(...)
    assert ctx.array_facts(ret).rank == 1


@pytest.mark.parametrize("code,rank", [
    # unpacked in both branches from decompositions that agree: the eigenvalues are 1-D either way
    ("import numpy as np\nimport scipy.linalg as la\ndef f(W, c):\n    if c:\n        w, V = la.eigh(W)\n"
     "    else:\n        w, V = la.eig(W)\n    return w\n", 1),
    ("import numpy as np\nimport scipy.linalg as la\ndef f(W, c):\n    if c:\n        w, V = la.eigh(W)\n"
     "    else:\n        w, V = la.eig(W)\n    return V\n", 2),
    # the branches disagree (a vector in one, a matrix in the other): unknown
    ("import numpy as np\nimport scipy.linalg as la\ndef f(W, c):\n    if c:\n        w, V = la.eigh(W)\n"
     "    else:\n        V, w = la.eigh(W)\n    return w\n", None),
    # one branch binds from something unknown: unknown
    ("import numpy as np\nimport scipy.linalg as la\ndef f(W, c, g):\n    if c:\n        w, V = la.eigh(W)\n"
     "    else:\n        w, V = g(W)\n    return w\n", None),
    # unpacked from a value that reads the name itself: unknown
    ("import numpy as np\nimport scipy.linalg as la\ndef f(W, c):\n    w, V = la.eigh(W)\n    if c:\n"
     "        w, V = la.eigh(w)\n    return w\n", None),
])
def test_names_unpacked_in_several_branches(code, rank):
    ctx = ctx_for(code)
    ret = ctx.tree.body[-1].body[-1].value
    assert ctx.array_facts(ret).rank == rank


def test_names_unpacked_from_a_helper_documented_returns():
    """deeptime's `sm, Vm = spd_eig(W)`: the code returns through another helper, the numpydoc Returns says
    `s : ndarray(k)` and `V : ndarray(n, k)` (soft evidence, named in the facts)."""
    code = ('import numpy as np\ndef spd_eig(W):\n    """Eigenpairs.\n\n    Returns\n    -------\n'
            '    s : ndarray(k)\n        eigenvalues\n\n    V : ndarray(n, k)\n        eigenvectors\n    """\n'
            '    return helper(W)\n'
            'def f(W):\n    sm, Vm = spd_eig(W)\n    return sm, Vm\n')
    ctx = ctx_for(code)
    sm, vm = ctx.tree.body[-1].body[-1].value.elts
    assert (ctx.array_facts(sm).rank, ctx.array_facts(vm).rank) == (1, 2)
    assert ctx.array_facts(sm).soft and ctx.array_facts(sm).evidence[0].kind == "docstring"
    # three documented values unpacked into two names: nothing
    code3 = code.replace("    V : ndarray(n, k)\n", "    V : ndarray(n, k)\n        eigenvectors\n    c : int\n")
    ctx = ctx_for(code3)
    sm, _ = ctx.tree.body[-1].body[-1].value.elts
    assert ctx.array_facts(sm).rank is None
