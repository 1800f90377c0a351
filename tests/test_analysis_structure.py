"""structure_key: ast.dump's equality, without recursion (deep but valid code)."""

from __future__ import annotations

import ast

import pytest

from blaslint.analysis.structure import same_structure, structure_key

EXPRS = ["a @ b.T", "a @ b.T ", "(a @ b).T", "a@(b.T)", "f(x, y=1)", "f(x, y=2)", "f(y=1, x=x)", "x[0, :]",
         "x[0][:]", "'a' 'b'", "'ab'", "1", "1.0", "True", "[a, [b]]", "[[a], b]", "a.b.c", "a.bc", "-a", "a - 0"]


@pytest.mark.parametrize("a", EXPRS)
@pytest.mark.parametrize("b", EXPRS)
def test_equal_exactly_when_ast_dump_is(a, b):
    na, nb = ast.parse(a, mode="eval").body, ast.parse(b, mode="eval").body
    assert (structure_key(na) == structure_key(nb)) == (ast.dump(na) == ast.dump(nb))


def test_store_and_load_with_ignore_ctx():
    store = ast.parse("C[i, j] = 0").body[0].targets[0]
    load = ast.parse("C[i, j]", mode="eval").body
    assert not same_structure(store, load)
    assert same_structure(store, load, ignore_ctx=True)
    assert not same_structure(store, None) and same_structure(None, None)


def test_deep_expression_has_a_key():
    deep = ast.parse("x" + ".T" * 2500, mode="eval").body
    with pytest.raises(RecursionError):
        ast.dump(deep)
    assert structure_key(deep).count("Attribute(") == 2500
