"""Dtype (and small shape) facts added for the BL5/BL6 rules: analysis/facts.py."""

from __future__ import annotations

import ast

import pytest

from blaslint.analysis.context import FileContext, set_parents
from blaslint.analysis.facts import dimension_of, int_value, known_small
from blaslint.core.source import SourceText


def facts_of(code: str):
    """Facts of the value of the last statement of ``code``."""
    tree = ast.parse(code)
    set_parents(tree)
    ctx = FileContext(SourceText(code), tree)
    return ctx, ctx.array_facts(tree.body[-1].value)


NP = "import numpy as np\n"


@pytest.mark.parametrize("expr,dtype,rank", [
    ("np.random.rand(5, 5) > 0.5", "bool", 2),
    ("np.zeros(4) == np.ones(4)", "bool", 1),
    ("~(np.zeros(4, dtype=bool))", "bool", 1),
    ("np.float64(2.0)", "float64", 0),
    ("np.float32(np.ones((3, 4)))", "float32", 2),
    ("np.asarray(data, dtype=np.float32)", "float32", None),
    ("np.array(data, dtype='f8')", "float64", None),
    ("data.astype(np.int32)", "int32", None),
    ("data.astype(np.int32).T", "int32", None),
    ("np.ones((3, 4), dtype=np.float32).ravel()", "float32", 1),
    ("np.ones((3, 4), dtype=np.float32)[0]", "float32", 1),
    ("np.ones((3, 4), dtype=np.float32)[:, 1:]", "float32", 2),
    ("np.ones((3, 4), dtype=np.float32)[..., None]", "float32", 3),
    ("np.ones((3, 4), dtype=np.float32)[i]", "float32", None),
    ("np.ndarray((3, 0))", "float64", 2),
    ("np.ones(3, dtype=np.float32) * np.float64(2.0)", "float64", 1),
    ("np.ones(3, dtype=np.float32) * 2.0", "float32", 1),
    ("np.ones(3, dtype=np.int64) / 2", "float64", 1),
])
def test_numpy_dtype_facts(expr, dtype, rank):
    _, f = facts_of(NP + f"x = {expr}\n")
    assert (f.dtype, f.rank) == (dtype, rank)


@pytest.mark.parametrize("expr,dtype", [
    ("torch.randint(0, 10, (5, 5))", "int64"),
    ("torch.randint(10, (5, 5), dtype=torch.int32)", "int32"),
    ("torch.randn(5, 5).double()", "float64"),
    ("torch.randn(5, 5, dtype=torch.float64).float()", "float32"),
    ("torch.randn(5, 5) > 0", "bool"),
])
def test_torch_dtype_facts(expr, dtype):
    _, f = facts_of(f"import torch\nx = {expr}\n")
    assert f.dtype == dtype and f.lib == "torch"


def test_record_field_index_is_unknown():
    _, f = facts_of(NP + "x = np.zeros(4, dtype=[('a', 'f8')])['a']\n")
    assert f.dtype is None


@pytest.mark.parametrize("expr,shape,small", [
    ("np.array([[1, 2], [3, 4]])", (2, 2), True),
    ("np.arange(7)", (7,), True),
    ("np.arange(2, 100)", (98,), False),
    ("np.arange(9, dtype=int).reshape(3, 3)", (3, 3), True),
    ("np.eye(3)", (3, 3), True),
    ("np.zeros((3, n))", None, False),
])
def test_small_known_shapes(expr, shape, small):
    _, f = facts_of(NP + "n = m\n" + f"x = {expr}\n")
    if shape is not None:
        assert f.shape == shape
    assert known_small(f) is small


def test_dimension_of_and_int_value():
    code = NP + "A = np.zeros((8, 9))\nn, m = A.shape\nk = A.shape[1]\nr = len(A)\nc = 40\nn; m; k; r; c\n"
    tree = ast.parse(code)
    set_parents(tree)
    ctx = FileContext(SourceText(code), tree)
    names = [s.value for s in tree.body[-5:]]  # the loads at the end of the module
    got = {nm.id: dimension_of(ctx, nm) for nm in names}
    assert got["n"][1:] == (0, True) and got["m"][1:] == (1, True) and got["k"][1:] == (1, True)
    assert got["r"][1:] == (0, False)
    assert got["c"] is None and int_value(ctx, names[-1]) == 40
