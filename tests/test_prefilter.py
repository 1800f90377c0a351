"""The prefilter and the single traversal must never lose a finding."""

from __future__ import annotations

import ast
import gc
import glob
import os
import textwrap

import pytest

from blaslint.core import engine
from blaslint.core.engine import RuleSet, lint_source
from blaslint.rules import all_rules as rule_classes
from blaslint.core.source import SourceText
from blaslint.core.walk import CHILD_FIELDS, PARENT, link_and_collect

RULES = rule_classes()
ALL_CODES = frozenset(cls.code for cls in RULES)
PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(engine.__file__))))


def _invalid_examples():
    for cls in RULES:
        for i, example in enumerate(cls.INVALID):
            yield pytest.param(cls, example.code, id=f"{cls.code}-{i}")


@pytest.mark.parametrize(("cls", "code"), list(_invalid_examples()))
def test_every_invalid_example_passes_the_prefilter(cls, code):
    text = textwrap.dedent(code)
    assert cls in RuleSet.for_codes({cls.code}).wanted(text)
    assert cls in RuleSet.for_codes(ALL_CODES).wanted(text)


def test_every_rule_declares_triggers():
    # a rule without triggers parses every file: allowed, but then say so here
    assert all(cls.triggers for cls in RULES), [cls.code for cls in RULES if not cls.triggers]


def test_a_file_without_triggers_is_not_traversed(monkeypatch):
    def fail(*args):
        raise AssertionError("traversed a file that no rule can fire on")

    monkeypatch.setattr(engine, "link_and_collect", fail)
    codes = {"BL401"}
    text = "x = 1\ny = x + 2\n"
    assert not any(t in text for t in RuleSet.for_codes(codes).triggers)
    assert lint_source(SourceText(text), "a.py", codes) == []


def test_only_rules_whose_triggers_occur_are_instantiated():
    rs = RuleSet.for_codes(ALL_CODES)
    text = "import numpy as np\nx = np.linalg.inv(A) @ b\n"
    wanted = rs.wanted(text)
    assert wanted and all(any(t in text for t in c.triggers) for c in wanted)


def _sample_trees():
    files = sorted(glob.glob(os.path.join(PACKAGE, "blaslint", "**", "*.py"), recursive=True))
    assert len(files) > 20
    for path in files:
        with open(path, encoding="utf-8") as fh:
            yield path, ast.parse(fh.read())
    yield "<constructs>", ast.parse(textwrap.dedent("""\
        @dec(a)
        def f(x, /, y=1, *a, k=2, **kw) -> int:
            return {k: v for k, v in x.items()} if y else [z async for z in w]
        match p:
            case {"a": 1, **rest} | [1, *others] | C(x=1) as m:
                pass
        d = {a: b, **c}
        t = f"{x!r:>{w}}"
        with a as (b, c), d:
            del e[1:2, ::3]
        """))


def test_the_walk_links_and_finds_every_node_in_source_order():
    singletons = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    for path, tree in _sample_trees():
        expected = [n for n in ast.walk(tree) if not isinstance(n, singletons)]
        every_type = {type(n) for n in expected}
        found = link_and_collect(tree, every_type)
        assert {id(n) for n in found} == {id(n) for n in expected}, path
        assert len(found) == len(expected), path
        positions = [_position(n) for n in found]
        assert positions == sorted(positions), path
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, singletons):
                    assert getattr(child, PARENT) is node, (path, ast.dump(child)[:80])
        # an outer node comes before an inner one that starts at the same place
        index = {id(n): i for i, n in enumerate(found)}
        for node in found:
            par = getattr(node, PARENT, None)
            if par is not None and _position(par) == _position(node):
                assert index[id(par)] < index[id(node)]


def _position(node):
    while not hasattr(node, "lineno"):
        node = getattr(node, PARENT, None)
        if node is None:
            return (0, 0)
    return (node.lineno, node.col_offset)


def test_child_fields_cover_every_node_valued_field():
    tree = ast.parse("async def f(a: int = 1):\n    global g\n    return [await x for x in y if x] or not a\n")
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            values = value if isinstance(value, list) else [value]
            has_node = any(isinstance(v, ast.AST) and not isinstance(
                v, (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)) for v in values)
            if has_node:
                assert name in CHILD_FIELDS[type(node)], (type(node).__name__, name)


def test_lint_source_restores_the_collector_state():
    code = "import numpy as np\nx = np.linalg.inv(A) @ b\n"
    assert gc.isenabled()
    assert [d.code for d in lint_source(SourceText(code), "a.py", {"BL401"})] == ["BL401"]
    assert gc.isenabled()
    gc.disable()
    try:
        lint_source(SourceText(code), "a.py", {"BL401"})
        assert not gc.isenabled()
    finally:
        gc.enable()
