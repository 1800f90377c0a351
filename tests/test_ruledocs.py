"""`blaslint rule` / `blaslint rules`, and the rule pages shipped inside the wheel."""

from __future__ import annotations

import glob
import json
import os
import pty
import subprocess
import sys
import zipfile

from cli_support import ROOT, run_cli

from blaslint.report.ruledocs import all_rules, markdown_table, page_text

PAGES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "rules", "BL*.md")))


def read_page(code: str) -> str:
    with open(os.path.join(ROOT, "rules", f"{code}.md"), encoding="utf-8") as fh:
        return fh.read()


def test_rule_prints_the_page_as_plain_markdown_when_piped(tmp_path):
    proc = run_cli("rule", "BL401", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.out == read_page("BL401")
    assert run_cli("rule", "inverse-times", cwd=tmp_path).out == proc.out
    assert run_cli("rule", "bl401", cwd=tmp_path).out == proc.out


def test_rule_for_the_tools_own_codes(tmp_path):
    proc = run_cli("rule", "BL900", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.out.startswith("# BL900 syntax-error\n") and "noqa" in proc.out
    assert "--report-unused-noqa" in run_cli("rule", "BL902", cwd=tmp_path).out


def test_rule_errors(tmp_path):
    proc = run_cli("rule", "BL123", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown rule 'BL123'" in proc.err
    assert run_cli("rule", cwd=tmp_path).returncode == 2
    assert run_cli("rule", "BL401", "--all", cwd=tmp_path).returncode == 2


def test_rule_all_and_json(tmp_path):
    proc = run_cli("rule", "--all", cwd=tmp_path)
    assert proc.returncode == 0
    for info in all_rules():
        assert f"# {info.code} {info.name}\n" in proc.out
    data = json.loads(run_cli("rule", "BL401", "--output-format", "json", cwd=tmp_path).out)
    assert data["code"] == "BL401" and data["fix"] == "unsafe" and data["explanation"] == read_page("BL401")


def test_rule_renders_rich_markdown_on_a_terminal(tmp_path):
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": ROOT, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "blaslint", "rule", "BL401"], stdout=slave,
                            stderr=subprocess.DEVNULL, cwd=tmp_path, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert "What it does" in out and "## What it does" not in out  # rendered, not raw
    assert "\x1b[" in out


def test_rules_lists_codes_names_and_fix_safety(tmp_path):
    proc = run_cli("rules", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.out.splitlines()
    for info in all_rules():
        [line] = [ln for ln in lines if ln.startswith(info.code + " ")]
        assert info.name in line and info.fix in line
    data = json.loads(run_cli("rules", "--output-format", "json", cwd=tmp_path).out)
    assert {d["code"] for d in data} == {i.code for i in all_rules()}
    assert next(d for d in data if d["code"] == "BL401")["fix"] == "unsafe"


def test_readme_rule_table_is_generated_from_the_registry():
    table = markdown_table(all_rules())
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    assert table in readme, "README's rule table is stale: regenerate it with `blaslint rules --markdown`"
    assert "[BL401](rules/BL401.md)" in table


def test_every_rule_page_is_found():
    for code in PAGES:
        assert page_text(code) == read_page(code)


def test_pages_are_packaged_in_the_wheel(tmp_path):
    """Build the wheel (about 8 s) and run `blaslint rule` from it, away from the source tree."""
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [wheel] = glob.glob(str(out / "blaslint-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert {f"blaslint/_pages/{code}.md" for code in PAGES} <= names
    assert "blaslint/report/ruledocs.py" in names
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    run = subprocess.run([sys.executable, "-m", "blaslint", "rule", "BL401"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == read_page("BL401")
    probe = subprocess.run([sys.executable, "-c", "import blaslint; print(blaslint.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert probe.stdout.startswith(str(tmp_path / "site"))  # the wheel's copy, not the source tree
