"""``--since REV``: only findings on lines changed since a git revision."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from blaslint.cli import main
from blaslint.project.since import changed_lines

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD = """\
import numpy as np


def old(A, b):
    return np.linalg.inv(A) @ y
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\n', encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(OLD, encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> int:
    return main(["--output-format", "concise", "--no-cache", *args])


def test_only_changed_lines_are_reported(repo, capsys):
    text = OLD.replace("import numpy as np\n", "import numpy as np\n# a comment\n") + (
        "\n\ndef new(A, b):\n    return np.linalg.inv(A) @ y\n")
    (repo / "pkg" / "mod.py").write_text(text, encoding="utf-8")
    assert run("pkg") == 1
    assert capsys.readouterr().out.count("BL401") == 2  # both findings exist ...
    assert run("--since", "HEAD", "pkg") == 1
    out = capsys.readouterr().out
    assert "pkg/mod.py:10:" in out and "pkg/mod.py:6:" not in out  # ... only the new one is reported
    git(repo, "commit", "-qam", "new function")
    assert run("--since", "HEAD", "pkg") == 0
    assert run("--since", "HEAD~1", "pkg") == 1


def test_a_changed_line_inside_a_multiline_finding_counts(repo, capsys):
    (repo / "pkg" / "mod.py").write_text(OLD.replace("np.linalg.inv(A) @ y", "np.linalg.inv(A) @ (\n        y)"))
    git(repo, "commit", "-qam", "wrap")
    (repo / "pkg" / "mod.py").write_text(OLD.replace("np.linalg.inv(A) @ y", "np.linalg.inv(A) @ (\n        y + 0)"))
    assert run("--since", "HEAD", "pkg") == 1
    assert "pkg/mod.py:5:" in capsys.readouterr().out


def test_untracked_and_staged_files_count_as_changed(repo, capsys):
    (repo / "pkg" / "fresh.py").write_text(OLD, encoding="utf-8")
    (repo / "pkg" / "staged.py").write_text(OLD, encoding="utf-8")
    git(repo, "add", "pkg/staged.py")
    (repo / ".gitignore").write_text("ignored.py\n")
    (repo / "pkg" / "ignored.py").write_text(OLD, encoding="utf-8")
    assert run("--since", "HEAD", "pkg/fresh.py", "pkg/staged.py", "pkg/mod.py", "pkg/ignored.py") == 1
    out = capsys.readouterr().out
    assert "fresh.py:5:" in out and "staged.py:5:" in out
    assert "mod.py" not in out and "ignored.py" not in out  # unchanged; ignored files are not "new"


def test_paths_relative_to_a_subdirectory_cwd(repo, capsys):
    (repo / "pkg" / "mod.py").write_text(OLD + "\n\ndef g(A, c):\n    return np.linalg.inv(A) @ X\n")
    os.chdir(repo / "pkg")
    assert run("--since", "HEAD", ".") == 1
    out = capsys.readouterr().out
    assert "mod.py:9:" in out and "mod.py:5:" not in out


def test_errors_outside_a_repo_and_unknown_revision(repo, tmp_path_factory, capsys):
    assert run("--since", "no-such-rev", "pkg") == 2
    assert "unknown git revision 'no-such-rev'" in capsys.readouterr().err
    assert run("--since", "--output=x", "pkg") == 2
    outside = tmp_path_factory.mktemp("plain")
    (outside / "a.py").write_text(OLD, encoding="utf-8")
    os.chdir(outside)
    assert run("--since", "HEAD", "a.py") == 2
    assert "not in a git repository" in capsys.readouterr().err


def test_changed_lines_parses_hunks_and_deletions(repo):
    lines = OLD.splitlines(keepends=True)
    text = "".join(lines[:1] + ["x = 1\n", "y = 2\n"] + lines[1:3] + lines[4:])  # add two, delete one
    (repo / "pkg" / "mod.py").write_text(text, encoding="utf-8")
    changes = changed_lines(str(repo), "HEAD")
    assert changes.lines == {"pkg/mod.py": {2, 3}}
    assert changes.touches("pkg/mod.py", 3, 4) and not changes.touches("pkg/mod.py", 4, 6)


def test_unusual_file_names(repo, capsys):
    name = 'we "ird" é.py'
    (repo / "pkg" / name).write_text(OLD, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "odd name")
    (repo / "pkg" / name).write_text(OLD + "\n\ndef g(A, c):\n    return np.linalg.inv(A) @ X\n")
    assert changed_lines(str(repo), "HEAD").lines == {f"pkg/{name}": {6, 7, 8, 9}}
    assert run("--since", "HEAD", "pkg") == 1
    out = capsys.readouterr().out
    assert f"{name}:9:" in out and f"{name}:5:" not in out
