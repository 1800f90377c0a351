"""The instrumented module behaves like the original: same values, exceptions and traceback lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from blaslint.project.config import Settings
from blaslint.core.engine import lint_source
from blaslint.core.rule import rule_classes
from blaslint.core.source import SourceText
from blaslint.measure.timing import Recorder
from measure_support import instrumented, run, same_value

ROOT = Path(__file__).resolve().parents[2]
CODES = Settings().selected_codes()


def _lint(text: str, path: str = "example.py"):
    return [d for d in lint_source(SourceText(text), path, set(CODES), []) if not d.code.startswith("BL9")]


def _examples():
    for cls in rule_classes():
        for i, ex in enumerate(cls.INVALID):
            yield pytest.param(textwrap.dedent(ex.code), id=f"{cls.code}-invalid-{i}")
    for p in sorted((ROOT / "fixtures").rglob("*.py")):
        yield pytest.param(p.read_text(encoding="utf-8"), id=str(p.relative_to(ROOT)))


def _seed(ns):
    np.random.seed(0)
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:  # pragma: no cover
        pass


@pytest.mark.parametrize("text", list(_examples()))
def test_instrumented_code_behaves_identically(text):
    diags = _lint(text)
    new, sites = instrumented(text, diags)
    live = [s for s in sites if s.kind]
    # every line stays at its number; lines without a site are untouched
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert len(old_lines) == len(new_lines)
    touched = {ln for s in live for ln in range(s.line, s.end_line + 1)}
    for n, (a, b) in enumerate(zip(old_lines, new_lines), 1):
        if n not in touched:
            assert a == b, n
    if diags:
        assert live or all(s.reason for s in sites)
    recorder = Recorder({s.id: s.plan() for s in live}, {"samples": 0})
    before = run(text, "example.py", setup=_seed)
    again = run(text, "example.py", setup=_seed)  # unseeded generators, `empty`: not deterministic
    after = run(new, "example.py", recorder=recorder, setup=_seed)
    assert before["error"] == after["error"]
    for name, value in before["ns"].items():
        if name.startswith("__"):
            continue
        assert name in after["ns"], name
        other = after["ns"][name]
        if not same_value(value, again["ns"].get(name)):  # not deterministic: shape and dtype only
            assert (value.shape, value.dtype) == (other.shape, other.dtype), name
            continue
        assert same_value(value, other), name


MODULE = '''\
import numpy as np


class Model:
    def __init__(self, W):
        self.__W = W

    def apply(self, x):
        Wt = self.__W.T.copy()
        return Wt @ x


def chain(n):
    A = np.random.rand(n, n)
    B = np.random.rand(n, n)
    x = np.random.rand(n)
    return (A @
            B @ x)


def failing(n):
    A = np.zeros((n, n))
    y = np.linalg.inv(A) @ np.ones(n)
    return y
'''
DRIVER = ("\nm = Model(np.arange(6.0).reshape(2, 3))\nr = m.apply(np.ones(2))\n"
          "np.random.seed(0)\nc = chain(6)\nfailing(3)\n")


def test_sites_are_timed_and_exceptions_keep_their_lines():
    diags = _lint(MODULE)
    assert {d.code for d in diags} >= {"BL404", "BL401", "BL101"}
    new, sites = instrumented(MODULE, diags)
    live = {s.id: s.plan() for s in sites if s.kind}
    rec = Recorder(live, {"samples": 1})
    result = run(new + DRIVER, "mod.py", recorder=rec)
    plain = run(MODULE + DRIVER, "mod.py")
    assert result["error"] == plain["error"]
    assert result["error"][0] == "LinAlgError" and result["error"][2][-1] == 23  # the inv line, in failing()
    for name in ("r", "c"):
        assert same_value(plain["ns"][name], result["ns"][name])
    chain_site = next(s for s in sites if any(f.code == "BL404" for f in s.findings))
    assert (chain_site.line, chain_site.end_line) == (17, 18) and chain_site.function == "chain"
    stats = rec.stats[chain_site.id]
    assert stats.calls == 1 and stats.total > 0
    assert stats.operands["B"] == {("numpy", (6, 6), "float64", "C", "cpu"): 1}
    assert stats.operands["x"] == {("numpy", (6,), "float64", "C", "cpu"): 1}
    inv_site = next(s for s in sites if any(f.code == "BL401" for f in s.findings))
    assert rec.stats[inv_site.id].calls == 0  # it raised: not a completed call
    copy_site = next(s for s in sites if any(f.code == "BL101" for f in s.findings))
    assert copy_site.function == "Model.apply"
    assert rec.stats[copy_site.id].calls == 1  # `__blaslint__` is not name-mangled in a class body
    assert rec.stats[copy_site.id].operands["self.__W"] == {("numpy", (2, 3), "float64", "C", "cpu"): 1}


def test_loop_and_statement_sites_keep_lines():
    text = "import numpy as np\nA = np.ones((3, 3)); out = []\nfor i in range(3):\n    out.append(A[i] @ A)\n"
    diags = _lint(text)
    new, sites = instrumented(text, diags)
    assert len(new.splitlines()) == len(text.splitlines())
    live = {s.id: s.plan() for s in sites if s.kind}
    rec = Recorder(live)
    got = run(new, "t.py", recorder=rec)
    want = run(text, "t.py")
    assert same_value(want["ns"]["out"], got["ns"]["out"])
    if any(s.kind == "loop" for s in sites):
        loop = next(s for s in sites if s.kind == "loop")
        assert rec.stats[loop.id].calls == 1
