"""Severity: derived from cost, correctness and context; what a run shows, hides, sorts and fixes."""

from __future__ import annotations

import ast
import json
import os
import textwrap

import pytest

from blaslint.analysis import cost as cost_mod
from blaslint.analysis import severity
from blaslint.project.config import ConfigError, Settings, load_settings
from blaslint.core.diagnostics import Diagnostic
from blaslint.core.engine import RuleSet, lint_source
from blaslint.core.rule import REGISTRY, Invalid, Rule
from blaslint.core.source import SourceText
from blaslint.core.visibility import context_glob, hidden_note, sort_by_cost, split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CostProbe(Rule):
    """Test-only rule: ``probe_big()``, ``probe_tiny()``, ``probe_none()`` report with that cost.

    Registered under BL777 only inside the tests that use the ``probe`` fixture.
    """

    name = "cost-probe"
    summary = "a probe for the severity machinery"
    fix_safety = "safe"
    triggers = ("probe_",)
    VALID: list = []
    INVALID: list = [Invalid("probe_big()\n")]

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if not (isinstance(f, ast.Name) and f.id.startswith("probe_")):
            return
        kind = f.id[len("probe_"):]
        seconds = {"big": 5.0, "mid": 0.5, "tiny": 1e-7}.get(kind)
        est = None if seconds is None else cost_mod.custom(self.ctx, node, "O(n^3)", "O(n^2)", seconds)
        fix = self.make_fix("rename", self.replace(f, f"done_{kind}"))
        self.report(node, f"probe {kind}", fix=fix, cost=est)


@pytest.fixture
def probe(monkeypatch):
    monkeypatch.setattr(CostProbe, "code", "BL777")
    monkeypatch.setitem(REGISTRY, "BL777", CostProbe)
    monkeypatch.setattr(RuleSet, "_cache", {})
    return CostProbe


def lint(src: str, path: str = "mod.py", codes=("BL777",)) -> list[Diagnostic]:
    return lint_source(SourceText(textwrap.dedent(src)), path, set(codes))


def by_message(diags):
    return {d.message: d for d in diags}


# -- derivation ------------------------------------------------------------------------------

def test_derive_rules():
    big = cost_mod.Cost("O(n^3)", "O(n^2)", saving=1.0)
    tiny = cost_mod.Cost("O(n^3)", "O(n^2)", saving=1e-6)
    assert severity.derive("BL401", big) == "warning"
    assert severity.derive("BL401", tiny) == "info"
    assert severity.derive("BL401", None) == "warning"
    assert severity.derive("BL202", tiny) == "error" and severity.derive("BL203", None, lowered=True) == "error"
    assert severity.derive("BL401", big, lowered=True) == "info"
    assert severity.derive("BL401", None, explicit="error") == "error"
    with pytest.raises(ValueError):
        severity.derive("BL401", None, explicit="fatal")


def test_tool_errors_are_errors_whatever_they_are_built_with():
    d = Diagnostic("BL900", "SyntaxError", "x.py", 1, 1, 1, 1)
    assert d.severity == "error"
    assert Diagnostic("BL902", "unused", "x.py", 1, 1, 1, 1).severity == "warning"


def test_engine_derives_severity_from_the_cost(probe):
    diags = by_message(lint("probe_big()\nprobe_tiny()\nprobe_none()\n"))
    assert diags["probe big"].severity == "warning" and diags["probe big"].cost.saving == 5.0
    assert diags["probe tiny"].severity == "info"
    assert diags["probe none"].severity == "warning" and diags["probe none"].cost is None


def test_correctness_findings_are_errors():
    from blaslint.rules.dead_writes.blas_result_discarded import BlasResultDiscarded

    code = BlasResultDiscarded.INVALID[0].code
    diags = [d for d in lint(code, codes=("BL202",)) if d.code == "BL202"]
    assert diags and all(d.severity == "error" for d in diags)


def test_two_findings_at_one_place_bigger_saving_first():
    a = Diagnostic("BL401", "a", "m.py", 3, 5, 3, 9, cost=cost_mod.Cost("", "", saving=0.1))
    b = Diagnostic("BL302", "b", "m.py", 3, 5, 3, 9, cost=cost_mod.Cost("", "", saving=2.0))
    c = Diagnostic("BL101", "c", "m.py", 3, 5, 3, 9)
    assert [d.code for d in sorted([a, c, b], key=Diagnostic.sort_key)] == ["BL302", "BL401", "BL101"]


# -- context in the tree -----------------------------------------------------------------------

LOWERED = {
    "linalg_error": """
        import numpy as np
        def f(A, b):
            try:
                return np.linalg.solve(A, y)
            except np.linalg.LinAlgError:
                return probe_big()
    """,
    "linalg_error_tuple": """
        import scipy.linalg
        def f(A, b):
            try:
                pass
            except (ValueError, scipy.linalg.LinAlgError) as exc:
                probe_big()
    """,
    "method_branch": """
        def fit(X, y, method="solve"):
            if method == "naive":
                return probe_big()
    """,
    "method_in": """
        class Model:
            def fit(self, X):
                if self.solver in ("probe", "svd"):
                    probe_big()
    """,
    "print": "print('residual', probe_big())\n",
    "logging": "import logging\nlogging.info('x %s', probe_big())\n",
    "logger": "logger.debug('x %s', probe_big())\n",
    "warnings": "import warnings\nwarnings.warn(f'bad {probe_big()}')\n",
    "assert": "assert probe_big() < 1e-8\n",
}
NOT_LOWERED = {
    "other_except": "try:\n    pass\nexcept ValueError:\n    probe_big()\n",
    "else_branch": "def fit(X, method='pinv'):\n    if method == 'fast':\n        pass\n    else:\n        probe_big()\n",
    "not_equal": "def fit(X, method):\n    if method != 'pinv':\n        probe_big()\n",
    "local_string": "def fit(X):\n    mode = 'a'\n    if mode == 'a':\n        probe_big()\n",
    # a model option, not a request for the flagged algorithm (hmmlearn's covariance types)
    "model_option": "class M:\n    def f(self, X):\n        if self.covariance_type == 'tied':\n            probe_big()\n",
    "plain": "def fit(X):\n    return probe_big()\n",
    "print_is_shadowed_call": "def f():\n    out = compute(probe_big())\n",
}


@pytest.mark.parametrize("name", sorted(LOWERED))
def test_context_lowers_one_level(probe, name):
    (d,) = lint(LOWERED[name])
    assert d.severity == "info", name
    assert d.context


@pytest.mark.parametrize("name", sorted(NOT_LOWERED))
def test_context_not_lowered(probe, name):
    (d,) = lint(NOT_LOWERED[name])
    assert d.severity == "warning" and d.context == ""


def test_context_never_lowers_an_info_below_info_nor_an_error(probe):
    (d,) = lint("print(probe_tiny())\n")
    assert d.severity == "info"


# -- context paths -----------------------------------------------------------------------------

@pytest.mark.parametrize("rel, lowered", [
    ("tests/test_model.py", True), ("pkg/sub/tests/helpers.py", True), ("test_model.py", True),
    ("src/model_test.py", True), ("conftest.py", True), ("examples/demo.py", True), ("docs/conf.py", True),
    ("archive/old.py", True), ("sandbox/try.py", True), ("scratch/a.py", True), ("benchmarks/bench.py", True),
    ("src/model.py", False), ("fixtures/examples/kalman.py", False), ("pkg/examples.py", False),
    ("src/contest.py", False), ("src/latest_model.py", False),
    # tutorial notebooks at the project root are example code; a notebook elsewhere is the user's analysis
    ("notebooks/1b Simple LDS.ipynb", True), ("tutorials/intro.py", True), ("demos/run.py", True),
    ("analysis/fit.ipynb", False), ("pkg/notebooks.py", False),
])
def test_default_context_paths(tmp_path, rel, lowered):
    s = Settings(project_root=str(tmp_path))
    assert (context_glob(str(tmp_path / rel), s) is not None) == lowered


def test_context_paths_configurable(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.blaslint]\ncontext-paths = ["legacy/**"]\nextend-context-paths = ["notebooks/**"]\n'
        'min-severity = "info"\n')
    s = load_settings(None, str(tmp_path))
    assert s.min_severity == "info"
    assert context_glob(str(tmp_path / "legacy/a.py"), s) == "legacy/**"
    assert context_glob(str(tmp_path / "notebooks/a.py"), s) == "notebooks/**"
    assert context_glob(str(tmp_path / "tests/test_a.py"), s) is None   # the defaults were replaced


@pytest.mark.parametrize("table, message", [
    ('min-severity = "loud"', "min-severity must be one of"),
    ('context-paths = "tests"', "context-paths must be a list of strings"),
])
def test_config_errors(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.blaslint]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(None, str(tmp_path))


# -- the command line (in-process, so the probe rule is registered) -----------------------------

PROBES = "probe_big()\nprobe_mid()\nprobe_tiny()\nprobe_none()\n"


@pytest.fixture
def project(tmp_path, monkeypatch, probe):
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL777"]\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(PROBES)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("probe_big()\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(capsys, *args):
    from blaslint.cli import main

    code = main(["--no-cache", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_default_hides_info_and_says_how_many(project, capsys):
    code, out, _ = cli(capsys, "--output-format", "concise", ".")
    assert code == 1
    assert "probe big" in out and "probe mid" in out and "probe none" in out
    assert "probe tiny" not in out and "tests/test_a.py" not in out
    assert "Found 3 errors." in out
    assert "2 negligible findings hidden (--show-all to see them)." in out


def test_show_all_and_min_severity(project, capsys):
    _, out, _ = cli(capsys, "--output-format", "concise", "--show-all", ".")
    assert "probe tiny" in out and "tests/test_a.py" in out and "hidden" not in out
    _, out, _ = cli(capsys, "--output-format", "concise", "--min-severity", "info", ".")
    assert "Found 5 errors." in out
    code, out, _ = cli(capsys, "--output-format", "concise", "--min-severity", "error", ".")
    assert code == 0 and "All checks passed!" in out
    assert "5 lower-severity findings hidden (--show-all to see them)." in out
    _, out, _ = cli(capsys, "--output-format", "concise", "-q", ".")
    assert "hidden" not in out


def test_min_severity_from_config(project, capsys):
    (project / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL777"]\nmin-severity = "info"\n')
    _, out, _ = cli(capsys, "--output-format", "concise", ".")
    assert "probe tiny" in out and "hidden" not in out
    _, out, _ = cli(capsys, "--output-format", "concise", "--min-severity", "warning", ".")
    assert "probe tiny" not in out   # the command line wins


def test_exit_code_follows_shown_findings_only(project, capsys):
    (project / "src" / "a.py").write_text("probe_tiny()\n")
    code, out, _ = cli(capsys, "--output-format", "concise", ".")
    assert code == 0 and "All checks passed!" in out and "2 negligible findings hidden" in out
    code, _, _ = cli(capsys, "--output-format", "concise", "--show-all", ".")
    assert code == 1


def test_sort_cost(project, capsys):
    (project / "src" / "b.py").write_text("probe_mid()\nprobe_big()\n")
    _, out, _ = cli(capsys, "--output-format", "concise", "--sort", "cost", "src")
    lines = [ln for ln in out.splitlines() if ": BL777 " in ln]
    assert [ln.rsplit(" ", 1)[1] for ln in lines] == ["big", "big", "mid", "mid", "none"]
    assert lines[0].startswith("src/a.py:2") is False and lines[0].startswith(("src/a.py:1", "src/b.py:2"))
    _, out, _ = cli(capsys, "--output-format", "concise", "src")
    lines = [ln for ln in out.splitlines() if ": BL777 " in ln]
    assert lines == sorted(lines, key=lambda ln: (ln.split(":")[0], int(ln.split(":")[1])))


def test_sort_cost_puts_errors_first():
    err = Diagnostic("BL202", "e", "z.py", 9, 1, 9, 2, severity="error")
    big = Diagnostic("BL401", "b", "a.py", 1, 1, 1, 2, cost=cost_mod.Cost("", "", saving=3.0))
    none = Diagnostic("BL301", "n", "a.py", 0, 1, 0, 2)
    assert [d.code for d in sort_by_cost([none, big, err])] == ["BL202", "BL401", "BL301"]


def test_statistics_count_shown_only(project, capsys):
    _, out, _ = cli(capsys, "--statistics", ".")
    assert out.split("\t")[0].strip() == "3"


def test_fix_applies_only_shown_findings(project, capsys):
    cli(capsys, "--fix", ".")
    text = (project / "src" / "a.py").read_text()
    assert "done_big()" in text and "probe_tiny()" in text
    assert (project / "tests" / "test_a.py").read_text() == "probe_big()\n"
    cli(capsys, "--fix", "--show-all", ".")
    assert "done_tiny()" in (project / "src" / "a.py").read_text()
    assert (project / "tests" / "test_a.py").read_text() == "done_big()\n"


def test_diff_follows_what_is_shown(project, capsys):
    _, out, _ = cli(capsys, "--diff", ".")
    assert "+done_big()" in out and "done_tiny" not in out and "test_a.py" not in out


def test_json_has_severity_and_cost(project, capsys):
    _, out, _ = cli(capsys, "--output-format", "json", "--show-all", ".")
    rows = {(r["filename"], r["message"]): r for r in json.loads(out)}
    big = rows[("src/a.py", "probe big")]
    assert big["severity"] == "warning" and big["cost"]["before"] == "O(n^3)" and big["cost"]["saving"] == 5.0
    assert big["cost"]["negligible"] is False and "facts" in big["cost"]
    assert rows[("src/a.py", "probe none")]["cost"] is None
    tiny = rows[("src/a.py", "probe tiny")]
    assert tiny["severity"] == "info" and tiny["cost"]["negligible"] is True
    lowered = rows[("tests/test_a.py", "probe big")]
    assert lowered["severity"] == "info" and "tests" in lowered["context"]
    # the existing fields are all still there
    assert {"code", "name", "message", "filename", "location", "end_location", "fix", "noqa_row", "url",
            "cell"} <= set(big)
    _, out, _ = cli(capsys, "--output-format", "json-lines", ".")
    assert {json.loads(line)["severity"] for line in out.splitlines()} == {"warning"}


def test_sarif_github_gitlab_follow_severity(project, capsys):
    _, out, _ = cli(capsys, "--output-format", "sarif", "--show-all", "src")
    results = {r["message"]["text"]: r for r in json.loads(out)["runs"][0]["results"]}
    assert results["probe big"]["level"] == "warning" and results["probe tiny"]["level"] == "note"
    assert results["probe big"]["properties"]["cost"]["saving"] == 5.0
    assert results["probe none"]["properties"]["severity"] == "warning"
    _, out, _ = cli(capsys, "--output-format", "github", "--show-all", "src")
    kinds = {line.rsplit("::", 1)[1]: line.split(" ", 1)[0] for line in out.splitlines()}
    assert kinds["probe big"] == "::warning" and kinds["probe tiny"] == "::notice"
    _, out, _ = cli(capsys, "--output-format", "gitlab", "--show-all", "src")
    sev = {i["description"]: i["severity"] for i in json.loads(out)}
    assert sev["BL777 probe big"] == "major" and sev["BL777 probe tiny"] == "info"


def test_sarif_and_gitlab_correctness_and_tool_levels():
    from blaslint.report.gitlab import issue
    from blaslint.report.github import annotation
    from blaslint.report.sarif import level

    err = Diagnostic("BL202", "lost", "m.py", 1, 1, 1, 2, severity="error")
    assert issue(err, "f")["severity"] == "critical"
    assert annotation(err).startswith("::error ")
    assert level("BL202") == level("BL203") == "error" and level("BL401") == "warning"
    assert issue(Diagnostic("BL900", "bad", "m.py", 1, 1, 1, 1), "f")["severity"] == "blocker"


def test_baseline_fingerprints_ignore_severity_and_cost(project, capsys):
    from blaslint.project.baseline import fingerprint

    d = Diagnostic("BL401", "m", "src/a.py", 1, 1, 1, 4, snippet="inv(A) @ y", scope="f")
    other = Diagnostic("BL401", "m", "src/a.py", 1, 1, 1, 4, snippet="inv(A) @ y", scope="f", severity="info",
                       cost=cost_mod.Cost("O(n^3)", "O(n^2)", saving=9.0), context="in a test path")
    assert fingerprint(d, str(project)) == fingerprint(other, str(project))
    # a baseline records hidden findings too, and keeps filtering them
    code, _, err = cli(capsys, "--write-baseline", "bl.json", ".")
    assert code == 0 and "wrote 5 findings" in err
    code, out, _ = cli(capsys, "--output-format", "concise", "--baseline", "bl.json", "--show-all", ".")
    assert code == 0 and "All checks passed!" in out
    (project / "src" / "a.py").write_text(PROBES + "probe_mid(1)\n")
    code, out, _ = cli(capsys, "--output-format", "concise", "--baseline", "bl.json", ".")
    assert code == 1 and "Found 1 error." in out


def test_cache_keeps_severity_and_cost(project, capsys):
    from blaslint.project.cache import decode_entry, encode_entry

    d = Diagnostic("BL401", "m", "a.py", 1, 1, 1, 4, severity="info",
                   cost=cost_mod.Cost("O(n^3)", "O(n^2)", ("n unknown",), "inside x", 0.5, ("A: 2-D",)),
                   context="in an assert")
    assert decode_entry(encode_entry("a.py", "h", [d]), "a.py", "h") == [d]
    from blaslint.cli import main

    assert main(["--output-format", "concise", "."]) == 1      # fills the cache
    capsys.readouterr()
    assert main(["--output-format", "concise", "."]) == 1      # served from it
    assert "2 negligible findings hidden" in capsys.readouterr().out


# -- the language server ------------------------------------------------------------------------

def test_lsp_follows_min_severity(probe, tmp_path):
    from lsprotocol import types

    from blaslint.integrations.lsp.convert import to_lsp
    from blaslint.integrations.lsp.linting import lint_document
    from blaslint.integrations.lsp.positions import LineIndex

    text = "probe_big()\nprobe_tiny()\n"
    shown = lint_document(text, str(tmp_path / "m.py"), Settings(select=["BL777"], project_root=str(tmp_path)))
    assert [d.message for d in shown.diagnostics] == ["probe big"]
    every = lint_document(text, str(tmp_path / "m.py"),
                          Settings(select=["BL777"], project_root=str(tmp_path), min_severity="info"))
    index = LineIndex(SourceText(text))
    levels = {d.message: to_lsp(index, d).severity for d in every.diagnostics}
    assert levels == {"probe big": types.DiagnosticSeverity.Warning,
                      "probe tiny": types.DiagnosticSeverity.Information}
    in_tests = lint_document(text, str(tmp_path / "tests" / "test_m.py"),
                             Settings(select=["BL777"], project_root=str(tmp_path)))
    assert in_tests.diagnostics == []


# -- the bundled examples still show their findings ------------------------------------------------

def test_fixtures_examples_show_their_findings_by_default(capsys, monkeypatch):
    from blaslint.cli import main

    monkeypatch.chdir(ROOT)
    code = main(["--no-cache", "--output-format", "concise", "fixtures/examples"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("fixtures/examples/") >= 9 and "findings hidden" not in out


def test_hidden_note_wording():
    info = Diagnostic("BL401", "m", "a.py", 1, 1, 1, 2, severity="info")
    warn = Diagnostic("BL401", "m", "a.py", 1, 1, 1, 2)
    assert hidden_note([]) == ""
    assert hidden_note([info]) == "1 negligible finding hidden (--show-all to see them)."
    assert hidden_note([info, warn]) == "2 lower-severity findings hidden (--show-all to see them)."
    assert split([info, warn], "warning") == ([warn], [info])
