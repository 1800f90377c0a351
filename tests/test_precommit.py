"""The real pre-commit framework runs our hooks from a copy of this repository.

`pre-commit try-repo` clones a git repository at HEAD; the working tree here is
not committed, so the test copies it (tracked and untracked, not ignored files)
into a temporary git repository, commits there, and points pre-commit at it.
pre-commit then builds a virtualenv and pip-installs blaslint from that copy:
this needs a package index (for libcst and rich) and takes ~20 s, so the three
scenarios run in parallel.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from cli_support import BAD, CLEAN, ROOT, write

pytestmark = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None,
                                reason="pre-commit is not installed (pip install -e '.[test]')")

GIT_ENV = {"GIT_AUTHOR_NAME": "blaslint-test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "blaslint-test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".blaslint_cache", "build", "dist", ".venv"}


def git(*args, cwd):
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=cwd,
                   check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def snapshot_of_this_repository(dest) -> str:
    """A committed copy of the working tree (what a user would get at a tag)."""
    def ignore(directory, names):
        return [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")]

    shutil.copytree(ROOT, dest, ignore=ignore)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot", cwd=dest)
    return str(dest)


def project(root, files: dict[str, str]) -> str:
    os.makedirs(root)
    git("init", "-q", cwd=root)
    for rel, text in files.items():
        write(root, rel, text)
    git("add", "-A", cwd=root)
    return str(root)


def test_hook_definitions():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as fh:
        hooks = {h["id"]: h for h in yaml.safe_load(fh)}
    assert set(hooks) == {"blaslint", "blaslint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert {"python", "jupyter"} <= set(hook["types_or"])
        assert hook["require_serial"] is False
        assert hook["entry"].startswith("blaslint check --force-exclude")
    assert "--fix" in hooks["blaslint-fix"]["entry"] and "--fix" not in hooks["blaslint"]["entry"]


def test_pre_commit_try_repo(tmp_path):
    """Two try-repo runs in parallel: both hooks on a project with findings, `blaslint` on a clean one."""
    repo = snapshot_of_this_repository(tmp_path / "blaslint")
    with open(os.path.join(ROOT, "fixtures", "notebooks", "example.ipynb"), encoding="utf-8") as fh:
        notebook = fh.read()
    bad = project(tmp_path / "bad", {
        "pyproject.toml": "[tool.blaslint]\nextend-select = ['BL902']\n",
        "src/bad.py": BAD, "nb/example.ipynb": notebook, "ok.py": CLEAN,
        "noqa.py": "x = 1  # noqa: BL401\n"})
    clean = project(tmp_path / "clean", {"src/clean.py": CLEAN})
    runs = {}
    for name, cwd, hooks in (("bad", bad, []), ("clean", clean, ["blaslint"])):
        env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / f"home-{name}"), "NO_COLOR": "1"}
        runs[name] = subprocess.Popen(
            [sys.executable, "-m", "pre_commit", "try-repo", repo, *hooks, "--all-files", "--color", "never"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = {}
    for name, proc in runs.items():
        text, _ = proc.communicate(timeout=600)
        out[name] = (proc.returncode, text)

    code, text = out["clean"]
    assert code == 0, text
    assert "Passed" in text and "Failed" not in text

    code, text = out["bad"]
    assert code == 1, text
    check_part, _, fix_part = text.partition("blaslint (fix)")
    assert "Failed" in check_part and "Failed" in fix_part
    assert "src/bad.py:5:12: BL401" in check_part
    assert "nb/example.ipynb:cell 3:1:5: BL401" in check_part  # types_or includes jupyter
    assert "noqa.py:1:8: BL902" in check_part
    assert "ok.py" not in check_part
    # the fix hook removed the unused suppression, and says so; the unfixable finding remains
    assert "files were modified by this hook" in fix_part
    assert (tmp_path / "bad" / "noqa.py").read_text() == "x = 1\n"
    assert "src/bad.py:5:12: BL401" in fix_part
