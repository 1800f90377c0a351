"""Baselines: findings recorded today stay hidden through unrelated edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blaslint.project.baseline import fingerprint, normalise_snippet
from blaslint.cli import main
from blaslint.core.diagnostics import Diagnostic

CODE = """\
import numpy as np


def solve(A, y):
    x = np.linalg.inv(A) @ y
    return x
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\n', encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "solve.py").write_text(CODE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> int:
    return main(["--output-format", "concise", *args])


def write(project: Path, text: str, name: str = "solve.py") -> None:
    (project / "src" / name).write_text(text, encoding="utf-8")


def test_baselined_finding_survives_lines_above_and_reformatting(project, capsys):
    assert run("--write-baseline", ".blaslint-baseline.json", "src") == 0
    assert run("--baseline", ".blaslint-baseline.json", "src") == 0
    # lines inserted above the finding
    write(project, CODE.replace("import numpy as np\n", "import numpy as np\nimport os\n\nTOL = 1e-8\n"))
    assert run("--baseline", ".blaslint-baseline.json", "src") == 0
    # the file reformatted: other code re-wrapped, the flagged expression re-spaced and split
    reformatted = (
        "import numpy as np\nimport os\n\nTOL = 1e-8\n\n\n"
        "def solve(A,\n          b):\n    x = (np.linalg.inv( A )\n         @ y)\n    return x\n"
    )
    write(project, reformatted)
    assert run("src") == 1  # the finding is still there ...
    capsys.readouterr()
    assert run("--baseline", ".blaslint-baseline.json", "src") == 0  # ... but baselined
    assert "BL401" not in capsys.readouterr().out


def test_editing_the_flagged_expression_resurfaces_it(project, capsys):
    assert run("--write-baseline", ".blaslint-baseline.json", "src") == 0
    write(project, CODE.replace("np.linalg.inv(A) @ y", "np.linalg.inv(A) @ (2 * y)"))
    capsys.readouterr()
    assert run("--baseline", ".blaslint-baseline.json", "src") == 1
    out = capsys.readouterr().out
    assert "solve.py:5:" in out and "BL401" in out


def test_same_snippet_elsewhere_is_new(project, capsys):
    assert run("--write-baseline", ".blaslint-baseline.json", "src") == 0
    # the same expression in another function, and in another file: both new
    write(project, CODE + "\n\ndef other(A, b):\n    y = np.linalg.inv(A) @ y\n    return y\n")
    write(project, CODE, "copy.py")
    capsys.readouterr()
    assert run("--baseline", ".blaslint-baseline.json", "src") == 1
    out = capsys.readouterr().out
    assert "solve.py:10:" in out and "copy.py:5:" in out and "solve.py:5:" not in out


def test_duplicates_are_counted(project, capsys):
    twice = CODE.replace("    return x\n", "    y = np.linalg.inv(A) @ y\n    return x + y\n")
    write(project, twice)
    assert run("--write-baseline", "bl.json", "src") == 0
    doc = json.loads((project / "bl.json").read_text())
    (entry,) = doc["findings"]
    assert entry["count"] == 2
    # a third copy in the same function is new: exactly one finding reported
    write(project, twice.replace("    return x + y\n", "    z = np.linalg.inv(A) @ y\n    return x + y + z\n"))
    capsys.readouterr()
    assert run("--baseline", "bl.json", "src") == 1
    assert capsys.readouterr().out.count("BL401") == 1


def test_file_format_is_versioned_sorted_and_stable(project):
    write(project, CODE.replace("def solve", "def zeta(A, b):\n    return np.linalg.inv(A) @ y\n\n\ndef solve"), "a.py")
    assert run("--write-baseline", "bl.json", "src") == 0
    first = (project / "bl.json").read_text()
    doc = json.loads(first)
    assert list(doc) == ["version", "tool", "findings"] and doc["version"] == 1
    assert [list(e) for e in doc["findings"]][0] == ["code", "path", "scope", "snippet", "fingerprint", "count"]
    keys = [(e["path"], e["code"], e["fingerprint"]) for e in doc["findings"]]
    assert keys == sorted(keys) and [e["path"] for e in doc["findings"]] == ["src/a.py", "src/a.py", "src/solve.py"]
    assert {e["scope"] for e in doc["findings"]} == {"zeta", "solve"}
    assert run("--write-baseline", "bl.json", "src") == 0
    assert (project / "bl.json").read_text() == first  # byte-identical when nothing changed
    # the same baseline from another working directory: paths are relative to the project root
    (project / "src" / "sub").mkdir()
    import os

    os.chdir(project / "src")
    assert run("--write-baseline", str(project / "bl2.json"), ".") == 0
    assert (project / "bl2.json").read_text() == first


def test_stale_entries_reported_and_pruned(project, capsys):
    write(project, CODE, "gone.py")
    assert run("--write-baseline", "bl.json", "src") == 0
    write(project, CODE.replace("np.linalg.inv(A) @ y", "np.linalg.solve(A, y)"), "gone.py")
    capsys.readouterr()
    assert run("--baseline", "bl.json", "src") == 0
    assert "1 baselined finding(s) no longer occur" in capsys.readouterr().err
    # linting only another file never calls gone.py's entry stale
    assert run("--baseline", "bl.json", "--baseline-prune", "src/solve.py") == 0
    assert "stale" not in capsys.readouterr().err
    assert len(json.loads((project / "bl.json").read_text())["findings"]) == 2
    assert run("--baseline", "bl.json", "--baseline-prune", "src") == 0
    err = capsys.readouterr().err
    assert "removed 1 stale finding(s) from bl.json" in err and "src/gone.py: BL401" in err
    (left,) = json.loads((project / "bl.json").read_text())["findings"]
    assert left["path"] == "src/solve.py"


def test_baseline_errors_exit_2(project, capsys):
    assert run("--baseline", "missing.json", "src") == 2
    assert "baseline file not found" in capsys.readouterr().err
    (project / "bad.json").write_text('{"version": 99, "tool": "blaslint", "findings": []}')
    assert run("--baseline", "bad.json", "src") == 2
    assert "version 99" in capsys.readouterr().err
    (project / "bad.json").write_text("[1, 2")
    assert run("--baseline", "bad.json", "src") == 2
    assert run("--baseline-prune", "src") == 2


def test_syntax_errors_are_never_baselined(project, capsys):
    write(project, "y = np.linalg.inv(A) @\n", "broken.py")
    assert run("--write-baseline", "bl.json", "src") == 0
    assert all(e["code"] != "BL900" for e in json.loads((project / "bl.json").read_text())["findings"])
    capsys.readouterr()
    assert run("--baseline", "bl.json", "src") == 1
    assert "BL900" in capsys.readouterr().out


@pytest.mark.parametrize("a, b", [
    ("np.linalg.inv(A) @ y", "np.linalg.inv( A )  @  y"),
    ("f(a, b)", "f(\n    a,\n    b,\n)"),
    ("f(a, \\\n  b)", "f(a, b)"),
    ("g('x  y')", "g( 'x  y' )"),
])
def test_normalisation_ignores_layout(a, b):
    assert normalise_snippet(" ".join(a.split())) == normalise_snippet(" ".join(b.split()))


@pytest.mark.parametrize("a, b", [
    ("np.linalg.inv(A) @ y", "np.linalg.inv(A) @ X"),
    ("g('x  y')", "g('x y')"),
    ("a + b", "a - b"),
])
def test_normalisation_keeps_content(a, b):
    assert normalise_snippet(a) != normalise_snippet(b)


def test_fingerprint_ignores_lines_and_uses_scope_and_root(tmp_path):
    d = Diagnostic("BL401", "m", str(tmp_path / "src" / "a.py"), 5, 9, 5, 29,
                   snippet="np.linalg.inv(A) @ y", scope="solve")
    moved = Diagnostic("BL401", "other message", "src/a.py", 50, 1, 51, 2,
                       snippet="np.linalg.inv(A)  @ y", scope="solve")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert fingerprint(d, str(tmp_path)) == fingerprint(moved, str(tmp_path))
    finally:
        os.chdir(cwd)
    other_scope = Diagnostic("BL401", "m", d.path, 5, 9, 5, 29, snippet=d.snippet, scope="Solver.solve")
    assert fingerprint(other_scope, str(tmp_path)) != fingerprint(d, str(tmp_path))
    other_code = Diagnostic("BL402", "m", d.path, 5, 9, 5, 29, snippet=d.snippet, scope="solve")
    assert fingerprint(other_code, str(tmp_path)) != fingerprint(d, str(tmp_path))
