"""Runtime facts from the settings to each file's context: matched by file and qualified name."""

from __future__ import annotations

import ast
import json
import os

from blaslint.analysis import runtime_facts
from blaslint.analysis.context import FileContext
from blaslint.cli.entry import main
import blaslint.rules  # noqa: F401  (registers the rules the engine runs)
from blaslint.core import engine
from blaslint.core.runner import RunOptions, lint_text
from blaslint.core.source import SourceText
from blaslint.project.config import Settings
from blaslint.core.walk import link_and_collect

SIG = {"lib": "numpy", "dtype": "float64", "order": "C", "device": "cpu"}

MODULE = '''\
class Model:
    def fit(self, X, y):
        def step(w):
            return X @ w
        return step

def helper(X):
    return X
'''


def write_facts(path, entries, root=None):
    data = {"format": "blaslint-runtime-facts", "version": 1, "command": ["python", "run.py"], "sites": [],
            "parameters": [{"path": p, "module": "", "function": f, "parameter": n,
                            "calls": sum(o.get("count", 1) for o in obs), "observed": obs}
                           for p, f, n, obs in entries]}
    if root is not None:
        data["root"] = root
    path.write_text(json.dumps(data))
    return str(path)


def context(text: str, path: str) -> FileContext:
    tree = ast.parse(text)
    link_and_collect(tree, {})
    return FileContext(SourceText(text), tree, path)


def defs(ctx):
    return {node.name: node for node in ast.walk(ctx.tree) if isinstance(node, ast.FunctionDef)}


def test_qualname_spells_functions_like_co_qualname():
    ctx = context(MODULE, "pkg/model.py")
    names = {n: runtime_facts.qualname(ctx, d) for n, d in defs(ctx).items()}
    ns: dict = {}
    exec(compile(MODULE, "pkg/model.py", "exec"), ns)
    step = ns["Model"]().fit(None, None)
    assert names == {"fit": ns["Model"].fit.__qualname__, "step": step.__qualname__,
                     "helper": ns["helper"].__qualname__}
    assert names["step"] == "Model.fit.<locals>.step"


def test_a_file_gets_only_its_own_facts_by_qualified_name(tmp_path):
    facts_path = write_facts(tmp_path / "facts.json", [
        ("pkg/model.py", "Model.fit", "X", [dict(SIG, shape=[100, 3], count=4)]),
        ("pkg/model.py", "Model.fit.<locals>.step", "w", [dict(SIG, shape=[3], count=9)]),
        ("pkg/other.py", "Model.fit", "X", [dict(SIG, shape=[7], count=1)]),
    ])
    facts = runtime_facts.load(facts_path)
    table = runtime_facts.for_file(facts, "src/pkg/model.py")
    assert set(table) == {("Model.fit", "X"), ("Model.fit.<locals>.step", "w")}
    ctx = context(MODULE, "src/pkg/model.py")
    ctx.runtime_facts = table
    d = defs(ctx)
    assert runtime_facts.observed(ctx, d["fit"], "X")["rank"] == 2
    assert runtime_facts.observed(ctx, d["step"], "w")["shape"] == (3,)
    assert runtime_facts.observed(ctx, d["fit"], "y") is None
    assert runtime_facts.observed(ctx, d["helper"], "X") is None  # same parameter name, another function
    assert runtime_facts.for_file(facts, "src/pkg/model2.py") == {}
    assert runtime_facts.for_file(facts, "<stdin>") == {}


def test_paths_relative_to_the_measure_root_match_the_real_file(tmp_path):
    pkg = tmp_path / "elsewhere" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "model.py").write_text(MODULE)
    run_dir = tmp_path / "project"
    run_dir.mkdir()
    facts_path = write_facts(tmp_path / "facts.json", [
        ("../elsewhere/pkg/model.py", "helper", "X", [dict(SIG, shape=[5, 5], count=1)])], root=str(run_dir))
    facts = runtime_facts.load(facts_path)
    assert runtime_facts.for_file(facts, str(pkg / "model.py"))[("helper", "X")]["rank"] == 2
    rel = os.path.relpath(pkg / "model.py")  # the same file named from the current directory
    assert ("helper", "X") in runtime_facts.for_file(facts, rel)
    assert runtime_facts.for_file(facts, str(tmp_path / "model.py")) == {}


def test_a_parameter_that_was_sometimes_not_an_array_is_not_a_fact(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"format": "blaslint-runtime-facts", "version": 1, "sites": [], "parameters": [
        {"path": "m.py", "function": "f", "parameter": "x", "calls": 50,
         "observed": [dict(SIG, shape=[], count=12)]},   # 38 calls passed a list or a float
        {"path": "m.py", "function": "f", "parameter": "y", "calls": 50,
         "observed": [dict(SIG, shape=[4], count=50)]}]}))
    facts = runtime_facts.load(str(path))
    assert ("m.py", "f", "x") not in facts
    assert facts[("m.py", "f", "y")]["rank"] == 1


def test_settings_reach_the_file_context_through_runner_and_engine(monkeypatch):
    seen = []
    real = engine.FileContext

    def spy(*args, **kwargs):
        ctx = real(*args, **kwargs)
        seen.append(ctx)
        return ctx

    monkeypatch.setattr(engine, "FileContext", spy)
    fact = {"rank": 2, "dtype": "float64", "shape": (None, None)}
    settings = Settings(select=["BL401"], runtime_facts={("pkg/m.py", "helper", "X"): fact,
                                                         ("pkg/n.py", "helper", "Y"): fact})
    text = SourceText(MODULE + "import numpy as np\nnp.linalg.inv(np.eye(2)) @ np.ones(2)\n")
    lint_text(text, "src/pkg/m.py", settings, RunOptions())
    # the file's facts, then (a finding made) the pass without them that tells what they added
    assert [c.runtime_facts for c in seen] == [{("helper", "X"): fact}, {}]
    seen.clear()
    lint_text(text, "src/pkg/o.py", settings, RunOptions())
    assert [c.runtime_facts for c in seen] == [{}]


def test_facts_for_another_tree_are_reported_not_used(tmp_path, capsys):
    (tmp_path / "a.py").write_text("import numpy as np\n")
    facts = write_facts(tmp_path / "facts.json", [("other/b.py", "f", "x", [dict(SIG, shape=[2], count=1)])])
    assert main(["--isolated", "--no-cache", "--facts", facts, str(tmp_path / "a.py")]) == 0
    err = capsys.readouterr().err
    assert "describes none of the linted files" in err and "other/b.py" in err
    facts = write_facts(tmp_path / "facts.json", [("a.py", "f", "x", [dict(SIG, shape=[2], count=1)])])
    assert main(["--isolated", "--no-cache", "--facts", facts, str(tmp_path / "a.py")]) == 0
    assert "describes none" not in capsys.readouterr().err


def test_unreadable_facts_are_a_usage_error_not_a_crash(tmp_path, capsys):
    (tmp_path / "a.py").write_text("x = 1\n")
    bad = tmp_path / "bad.json"
    for text, says in (("{not json", "not JSON"),
                       (json.dumps({"format": "blaslint-runtime-facts", "version": 99}), "format version 99"),
                       (json.dumps({"format": "blaslint-runtime-facts", "version": 1,
                                    "parameters": [{"path": "a.py"}]}), "malformed parameter entry"),
                       (json.dumps({"format": "blaslint-runtime-facts", "version": 1,
                                    "parameters": [{"path": "a.py", "function": "f", "parameter": "x",
                                                    "calls": 1, "observed": [{"count": 1}]}]}),
                        "malformed parameter entry")):
        bad.write_text(text)
        assert main(["--isolated", "--no-cache", "--facts", str(bad), str(tmp_path / "a.py")]) == 2
        assert says in capsys.readouterr().err


def test_findings_that_rest_on_observed_facts_cite_them_and_their_fixes_become_unsafe():
    from collections import namedtuple

    from blaslint.core.diagnostics import Edit, Fix
    from blaslint.core.rule import Report

    Ev = namedtuple("Ev", "kind line detail")
    Observed = namedtuple("Observed", "rank dtype evidence")
    ctx = context(MODULE, "pkg/model.py")
    ctx.runtime_facts = {("helper", "X"): {"rank": 2}}
    name = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and n.id == "X")
    rule = type("Probe", (), {})()
    safe = Fix("rewrite", (Edit(0, 1, "y"),))
    rule.reports = [Report(name, "earlier finding", safe)]
    ctx.runtime_consulted.append((name, Observed(2, "float32", (Ev("runtime", 7, "observed at run time in 5 calls"),))))
    rule.reports.append(Report(name, "a finding", safe))
    engine._rests_on_runtime(ctx, rule, 1)
    first, second = rule.reports
    assert first.message == "earlier finding" and first.fix.is_safe
    assert second.message == "a finding [`X` is 2-D float32 (observed at run time in 5 calls; `def` at line 7)]"
    assert second.fix.applicability.value == "unsafe" and second.fix.edits == safe.edits
    assert ctx.runtime_consulted == []
    # consulted, but no finding made: nothing to cite, and the record starts afresh
    ctx.runtime_consulted.append((name, Observed(2, None, (Ev("runtime", 7, "observed at run time"),))))
    engine._rests_on_runtime(ctx, rule, 2)
    assert len(rule.reports) == 2 and ctx.runtime_consulted == []
