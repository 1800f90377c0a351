"""The command line end to end: exit codes, stdin, subcommands, the progress bar."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

import pytest
from cli_support import BAD, CLEAN, ROOT, run_cli, write

from blaslint import __version__
from blaslint.cli.progress import LazyProgress


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "bad.py", BAD)
    write(tmp_path, "clean.py", CLEAN)
    return tmp_path


# -- exit codes: 0 clean, 1 findings, 2 usage/config/internal error ----------------------

def test_exit_0_when_clean(project):
    proc = run_cli("--isolated", "clean.py", cwd=project)
    assert proc.returncode == 0 and "All checks passed!" in proc.out


def test_exit_1_on_findings(project):
    assert run_cli("--isolated", "bad.py", "clean.py", cwd=project).returncode == 1
    assert run_cli("check", "--isolated", ".", cwd=project).returncode == 1


def test_exit_1_on_syntax_error(project):
    write(project, "broken.py", "import numpy as np\nx = np.linalg.inv(\n")
    proc = run_cli("--isolated", "--output-format", "concise", "broken.py", cwd=project)
    assert proc.returncode == 1 and "broken.py:2:" in proc.out and "BL900" in proc.out


@pytest.mark.parametrize("args", [
    ["--no-such-flag"],
    ["--output-format", "xml", "bad.py"],
    ["missing.py"],
    ["--select", "BL4O1", "bad.py"],
    ["-", "bad.py"],
    ["--jobs", "0", "bad.py"],
    ["--per-file-ignores", "nocolon", "bad.py"],
])
def test_exit_2_on_usage_errors(project, args):
    proc = run_cli("--isolated", *args, cwd=project)
    assert proc.returncode == 2, proc.out + proc.err
    assert "blaslint: error:" in proc.err


def test_exit_2_on_config_error(project):
    write(project, "pyproject.toml", "[tool.blaslint]\nnope = 1\n")
    proc = run_cli("bad.py", cwd=project)
    assert proc.returncode == 2 and "unknown key 'nope'" in proc.err


def test_exit_2_on_internal_error(project):
    # A rule that crashes: the file is reported (BL999), the run exits 2, not 1.
    code = ("import sys\nimport blaslint.core.rule as r\n"
            "def boom(self):\n    raise RuntimeError('boom')\n"
            "r.Rule.finish = boom\nfrom blaslint.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.run([sys.executable, "-c", code, "--isolated", "--select", "BL401", "--output-format",
                           "concise", "bad.py"], cwd=project, capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "BL999" in proc.stdout and "RuntimeError: boom" in proc.stderr
    proc = subprocess.run([sys.executable, "-c", code, "--isolated", "--exit-zero", "--select", "BL401",
                           "bad.py"], cwd=project, capture_output=True, text=True, env=env)
    assert proc.returncode == 0  # explicitly asked: exit 0 whatever is found


def test_version_and_help(project):
    proc = run_cli("--version", cwd=project)
    assert proc.returncode == 0 and proc.out.strip() == f"blaslint {__version__}"
    assert run_cli("version", cwd=project).out.strip() == f"blaslint {__version__}"
    proc = run_cli("--help", cwd=project)
    assert proc.returncode == 0 and "--output-format" in proc.out


# -- stdin ----------------------------------------------------------------------------

def test_stdin_lint(project):
    proc = run_cli("--isolated", "--output-format", "concise", "-", stdin=BAD, cwd=project)
    assert proc.returncode == 1 and proc.out.startswith("-:5:12: BL401")
    proc = run_cli("--isolated", "--output-format", "concise", "--stdin-filename", "pkg/m.py", "-",
                   stdin=BAD, cwd=project)
    assert proc.out.startswith("pkg/m.py:5:12: BL401")
    assert run_cli("--isolated", "-", stdin=CLEAN, cwd=project).returncode == 0
    # --stdin-filename alone (no path) reads stdin too, like ruff
    proc = run_cli("--isolated", "--stdin-filename", "m.py", stdin=BAD, cwd=project)
    assert proc.returncode == 1 and "m.py:5:12" in proc.out


def test_stdin_uses_the_config_of_its_filename(project):
    write(project, "pyproject.toml", "[tool.blaslint]\nper-file-ignores = { 'legacy/*' = ['BL401'] }\n"
                                     "extend-exclude = ['vendored']\n")
    assert run_cli("--stdin-filename", "legacy/m.py", "-", stdin=BAD, cwd=project).returncode == 0
    assert run_cli("--stdin-filename", "src/m.py", "-", stdin=BAD, cwd=project).returncode == 1
    proc = run_cli("--force-exclude", "--stdin-filename", "vendored/m.py", "-", stdin=BAD, cwd=project)
    assert proc.returncode == 0


def test_stdin_fix_writes_the_code_to_stdout(project):
    proc = run_cli("--isolated", "--fix", "--unsafe-fixes", "-", stdin=BAD, cwd=project)
    assert proc.returncode == 0
    assert proc.out == BAD.replace("np.linalg.inv(K) @ y", "np.linalg.solve(K, y)")
    # nothing to fix: the code comes back unchanged (an editor replaces its buffer with it)
    proc = run_cli("--isolated", "--fix", "-", stdin=BAD, cwd=project)
    assert proc.returncode == 1 and proc.out == BAD
    assert "BL401" in proc.err  # what remains goes to stderr
    crlf = CLEAN.replace("\n", "\r\n").encode()
    assert run_cli("--isolated", "--fix", "-", stdin=crlf, cwd=project).stdout == crlf


def test_stdin_undecodable(project):
    proc = run_cli("--isolated", "--output-format", "concise", "-", stdin=b"x = '\xff'\n", cwd=project)
    assert proc.returncode == 1 and "BL901" in proc.out


# -- progress bar -------------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lazy_progress_draws_only_after_the_delay():
    from rich.console import Console

    buf = io.StringIO()
    clock = FakeClock()
    with LazyProgress(10, Console(file=buf, force_terminal=True), delay=1.0, clock=clock) as bar:
        for _ in range(3):
            clock.now += 0.2
            bar.advance()
        assert not bar.shown and buf.getvalue() == ""
        clock.now += 1.0
        bar.advance()
        assert bar.shown
    assert "linting" in buf.getvalue() and "4/10" in buf.getvalue()


def _stderr_on_a_terminal(args, cwd, env) -> str:
    master, slave = pty.openpty()
    full_env = {**os.environ, "PYTHONPATH": ROOT, **env}
    proc = subprocess.Popen([sys.executable, "-m", "blaslint", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=slave, env=full_env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal(tmp_path):
    for i in range(40):
        write(tmp_path, f"m{i:02d}.py", BAD)
    args = ["--isolated", "--no-cache", "-j", "1", "."]
    shown = _stderr_on_a_terminal(args, tmp_path, {"BLASLINT_PROGRESS_DELAY": "0"})
    assert "linting" in shown
    assert "linting" not in _stderr_on_a_terminal(["--no-progress", *args], tmp_path,
                                                  {"BLASLINT_PROGRESS_DELAY": "0"})
    # not a terminal: never
    assert "linting" not in run_cli(*args, cwd=tmp_path, env={"BLASLINT_PROGRESS_DELAY": "0"}).err
