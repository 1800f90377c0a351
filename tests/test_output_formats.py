"""Output formats and output flags, through the real command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from cli_support import BAD, run_cli, write

from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv
from blaslint.report.formats import format_names, renderer
from blaslint.report.github import annotation, escape_data, escape_property

ANSI = "\x1b["


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "m.py", BAD)
    return tmp_path


def test_all_formats_registered():
    assert {"full", "concise", "json", "json-lines", "sarif", "github", "junit"} <= set(format_names())


def test_concise(project):
    proc = run_cli("--isolated", "--output-format", "concise", "m.py", cwd=project)
    assert proc.returncode == 1
    lines = proc.out.splitlines()
    assert lines[0].startswith("m.py:5:12: BL401 explicit inverse `np.linalg.inv(K)`")
    assert "Found 1 error." in lines
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in proc.out


def test_full_frame_and_hidden_unsafe_fix(project):
    proc = run_cli("--isolated", "m.py", cwd=project)
    assert proc.returncode == 1
    assert "5 |     return np.linalg.inv(K) @ y" in proc.out
    assert "  |            ^^^^^^^^^^^^^^^^^^^^" in proc.out
    assert "= help: Replace with `" in proc.out
    assert "Unsafe fix" not in proc.out  # hidden without --unsafe-fixes, like ruff
    assert ANSI not in proc.out          # not a terminal: no colours
    proc = run_cli("--isolated", "--unsafe-fixes", "m.py", cwd=project)
    assert "Unsafe fix" in proc.out
    assert "-    return np.linalg.inv(K) @ y" in proc.out and "+    return np.linalg.solve(K, y)" in proc.out
    assert "m.py:5:12: BL401 [*] explicit" in proc.out  # fixable with the current settings
    assert "[*] 1 fixable with the `--fix` option." in proc.out and "hidden" not in proc.out


def test_colours_forced_and_no_color(project):
    assert ANSI in run_cli("--isolated", "m.py", cwd=project, env={"FORCE_COLOR": "1"}).out
    assert ANSI not in run_cli("--isolated", "m.py", cwd=project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out


def test_json_and_json_lines(project):
    proc = run_cli("--isolated", "--output-format", "json", "m.py", cwd=project)
    assert proc.returncode == 1
    [item] = json.loads(proc.out)
    assert item["code"] == "BL401" and item["name"] == "inverse-times" and item["filename"] == "m.py"
    assert item["location"] == {"row": 5, "column": 12} and item["end_location"] == {"row": 5, "column": 32}
    assert item["cell"] is None and item["noqa_row"] == 5
    assert item["fix"]["applicability"] == "unsafe"
    assert item["fix"]["edits"][0]["content"] == "np.linalg.solve(K, y)"
    proc = run_cli("--isolated", "--output-format", "json-lines", "m.py", cwd=project)
    assert [json.loads(line)["code"] for line in proc.out.splitlines()] == ["BL401"]
    clean = run_cli("--isolated", "--output-format", "json", "--select", "BL9", "m.py", cwd=project)
    assert clean.returncode == 0 and json.loads(clean.out) == []


def test_github(project):
    proc = run_cli("--isolated", "--output-format", "github", "m.py", cwd=project)
    assert proc.returncode == 1
    line = proc.out.splitlines()[0]
    assert line.startswith("::warning file=m.py,line=5,col=12,endLine=5,endColumn=32,title=BL401::explicit inverse")


def test_github_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    d = Diagnostic("BL900", "SyntaxError: bad, very: bad\n100%", "dir,x/a:b.py", 2, 3, 2, 4)
    assert annotation(d) == ("::error file=dir%2Cx/a%3Ab.py,line=2,col=3,endLine=2,endColumn=4,title=BL900::"
                             "SyntaxError: bad, very: bad%0A100%25")


def test_junit_is_valid_xml(project):
    proc = run_cli("--isolated", "--output-format", "junit", "m.py", cwd=project)
    assert proc.returncode == 1
    root = ET.fromstring(proc.out)
    assert root.tag == "testsuites" and root.get("failures") == "1"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "m.py"
    [case] = suite.findall("testcase")
    assert case.get("name") == "org.blaslint.BL401" and case.get("line") == "5"
    assert "line 5, col 12" in case.find("failure").text


def test_junit_escapes_and_strips_invalid_characters():
    d = Diagnostic("BL401", "a < b & \"c\" \x01", "p&q.py", 1, 1, 1, 2, name="inverse-times")
    root = ET.fromstring(renderer("junit")([d], ReportEnv()))
    assert root.find("testsuite/testcase/failure").get("message") == "a < b & \"c\" \ufffd"
    empty = ET.fromstring(renderer("junit")([], ReportEnv()))
    assert empty.get("failures") == "0" and empty.find("testsuite/testcase").get("name") == "No errors found"


def test_statistics(project):
    write(project, "n.py", BAD + BAD.replace("posterior_mean", "other"))
    proc = run_cli("--isolated", "--statistics", ".", cwd=project)
    assert proc.returncode == 1
    assert proc.out.split("\t")[:2] == ["3", "BL401"]
    proc = run_cli("--isolated", "--statistics", "--output-format", "json", ".", cwd=project)
    assert json.loads(proc.out) == [{"code": "BL401", "name": "inverse-times", "count": 3, "fixable": False}]
    proc = run_cli("--isolated", "--statistics", "--unsafe-fixes", ".", cwd=project)
    assert proc.out.split("\t")[:3] == ["3", "BL401", "[*] inverse-times\n"]


def test_exit_zero_quiet_silent(project):
    proc = run_cli("--isolated", "--exit-zero", "m.py", cwd=project)
    assert proc.returncode == 0 and "BL401" in proc.out
    proc = run_cli("--isolated", "-q", "--output-format", "concise", "m.py", cwd=project)
    assert proc.returncode == 1 and "BL401" in proc.out and "Found" not in proc.out
    proc = run_cli("--isolated", "-s", "m.py", cwd=project)
    assert proc.returncode == 1 and proc.out == ""


def test_output_file(project):
    proc = run_cli("--isolated", "--output-format", "json", "-o", "reports/out.json", "m.py", cwd=project,
                   env={"FORCE_COLOR": "1"})
    assert proc.returncode == 1 and proc.out == ""
    assert json.loads((project / "reports" / "out.json").read_text())[0]["code"] == "BL401"
    run_cli("--isolated", "--output-file", "full.txt", "m.py", cwd=project)
    assert ANSI not in (project / "full.txt").read_text()


def test_show_fixes(project):
    proc = run_cli("--isolated", "--fix", "--unsafe-fixes", "--show-fixes", "m.py", cwd=project)
    assert proc.returncode == 0
    assert "Fixed 1 error." in proc.out
    assert "m.py: 1 fix" in proc.err
