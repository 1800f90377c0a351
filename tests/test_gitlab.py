"""``--output-format gitlab``: GitLab Code Quality JSON with stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blaslint.project.baseline import fingerprint
from blaslint.cli import main
from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv
from blaslint.report.formats import renderer

CODE = """\
import numpy as np


def solve(A, y):
    x = np.linalg.inv(A) @ y
    y = np.linalg.inv(A) @ y
    return x + y
"""
# https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\n', encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(CODE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    return tmp_path


def report(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["--output-format", "gitlab", "--no-cache", *args]) == 1
    return json.loads(capsys.readouterr().out)


def check_documented_fields(issue: dict) -> None:
    assert isinstance(issue["description"], str) and issue["description"]
    assert isinstance(issue["check_name"], str) and issue["check_name"]
    assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) >= 16
    assert issue["severity"] in SEVERITIES
    assert isinstance(issue["location"]["path"], str) and not issue["location"]["path"].startswith(("/", "./"))
    assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1


def test_documented_fields_and_unique_fingerprints(project, capsys):
    issues = report(capsys, "src")
    assert len(issues) == 2
    for issue in issues:
        check_documented_fields(issue)
        assert issue["check_name"] == "BL401" and issue["location"]["path"] == "src/m.py"
        assert "explicit inverse" in issue["description"]
    assert [i["location"]["lines"]["begin"] for i in issues] == [5, 6]
    assert len({i["fingerprint"] for i in issues}) == 2  # GitLab keeps one issue per fingerprint


def test_fingerprints_are_stable_across_unrelated_edits(project, capsys):
    before = {i["fingerprint"] for i in report(capsys, "src")}
    # lines added above, the file reformatted around the findings, run from another directory
    moved = "import os\n" + CODE.replace("def solve(A, y):", "def solve(A,\n          y):")
    (project / "src" / "m.py").write_text(moved, encoding="utf-8")
    import os

    os.chdir(project / "src")
    after = report(capsys, ".")
    assert {i["fingerprint"] for i in after} == before
    assert [i["location"]["lines"]["begin"] for i in after] == [7, 8]
    # the first copy carries the baseline's fingerprint
    os.chdir(project)
    assert main(["--write-baseline", "bl.json", "--no-cache", "src"]) == 0
    (entry,) = json.loads((project / "bl.json").read_text())["findings"]
    assert entry["fingerprint"] in before
    # editing the flagged expression changes its fingerprint
    (project / "src" / "m.py").write_text(moved.replace("inv(A) @ y\n    return", "inv(A) @ (y + 1)\n    return"))
    changed = {i["fingerprint"] for i in report(capsys, "src")}
    assert len(changed & before) == 1 and len(changed) == 2


def test_tool_errors_are_blockers_and_paths_follow_ci_project_dir(project, monkeypatch):
    diags = [Diagnostic("BL900", "SyntaxError: invalid syntax", str(project / "src" / "bad.py"), 3, 1, 3, 1)]
    monkeypatch.setenv("CI_PROJECT_DIR", str(project))
    monkeypatch.chdir(project / "src")
    (issue,) = json.loads(renderer("gitlab")(diags, ReportEnv(project_root=str(project))))
    check_documented_fields(issue)
    assert issue["severity"] == "blocker" and issue["location"]["path"] == "src/bad.py"
    assert issue["fingerprint"] == fingerprint(diags[0], str(project))


def test_empty_report_is_an_empty_list():
    assert json.loads(renderer("gitlab")([], ReportEnv())) == []
