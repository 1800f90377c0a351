"""blaslint never imports or runs the code it reads, reads config as data only, and never
writes outside the paths it was given (nor through a symbolic link)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli_support import run_cli

BAD = "import numpy as np\nx = np.linalg.inv(a) @ y\n"
FIX = ("--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes")


def _payload(marker) -> str:
    """Code that creates ``marker`` if it is ever imported or executed."""
    return (f"import numpy as np\n"
            f"open({str(marker)!r}, 'w').write('executed')\n"
            f"x = np.linalg.inv(a) @ y\n")


def test_linted_code_is_never_imported_or_run(tmp_path):
    marker = tmp_path / "MARKER"
    project = tmp_path / "project"
    pkg = project / "pkg"
    pkg.mkdir(parents=True)
    for rel in ("conftest.py", "setup.py", "pkg/__init__.py", "pkg/__main__.py", "pkg/mod.py",
                "sitecustomize.py", "usercustomize.py", "numpy.py", "blaslint.py"):
        (project / rel).write_text(_payload(marker))
    (project / "mod.pth").write_text(f"import os; open({str(marker)!r}, 'w').write('pth')\n")
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": [_payload(marker)]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (project / "nb.ipynb").write_text(json.dumps(notebook))
    for args in (("--no-cache", "--select", "ALL"), ("--no-cache", "--diff", "--unsafe-fixes"), FIX,
                 ("--select", "ALL")):  # the last one with the cache
        # -I: like the `blaslint` console script, nothing from the current folder is importable
        # (`python -m` alone would put it first on sys.path and import its sitecustomize.py).
        proc = subprocess.run([sys.executable, "-I", "-m", "blaslint", *args, str(project)], cwd=str(project),
                              capture_output=True, text=True, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert not marker.exists(), f"linted code ran with {args}"
    # the files were linted (and fixed), so they were really read
    assert "np.linalg.solve(a, y)" in (pkg / "mod.py").read_text()


def test_config_is_data_only(tmp_path):
    """pyproject.toml is parsed as TOML: nothing in it is evaluated."""
    marker = tmp_path / "MARKER"
    (tmp_path / "pyproject.toml").write_text(
        "[tool.blaslint]\n"
        f"select = [\"__import__('os').system('touch {marker}')\"]\n")
    (tmp_path / "m.py").write_text(BAD)
    proc = run_cli("--no-cache", str(tmp_path), cwd=str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.err  # an unknown selector: a usage error
    assert not marker.exists()
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.blaslint]\nexclude = [\"$(touch {marker})\", \"`touch {marker}`\"]\n")
    proc = run_cli("--no-cache", str(tmp_path), cwd=str(tmp_path))
    assert proc.returncode == 1 and not marker.exists()


@pytest.fixture
def outside_and_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_text(BAD)
    root = tmp_path / "root"
    root.mkdir()
    (root / "own.py").write_text(BAD)
    return outside, root


def test_symlinked_file_pointing_outside_is_linted_but_never_written(outside_and_root):
    outside, root = outside_and_root
    os.symlink(outside / "victim.py", root / "link.py")
    proc = run_cli(*FIX, "--output-format", "concise", str(root))
    assert (outside / "victim.py").read_text() == BAD
    assert os.path.islink(root / "link.py")
    assert "np.linalg.solve" in (root / "own.py").read_text()
    assert f"{root / 'link.py'}: not written: a symbolic link" in proc.err
    assert any(line.startswith(f"{root / 'link.py'}:") and "BL401" in line for line in proc.out.splitlines())


def test_symlinked_directory_pointing_outside_is_never_written(outside_and_root):
    outside, root = outside_and_root
    os.symlink(outside, root / "vendored")
    proc = run_cli(*FIX, str(root))
    assert (outside / "victim.py").read_text() == BAD
    assert "outside the paths given" in proc.err
    assert "np.linalg.solve" in (root / "own.py").read_text()


def test_symlink_given_explicitly_is_not_written_either(outside_and_root):
    outside, root = outside_and_root
    os.symlink(outside / "victim.py", root / "link.py")
    proc = run_cli(*FIX, str(root / "link.py"))
    assert (outside / "victim.py").read_text() == BAD
    assert "a symbolic link" in proc.err
    # fixing the target itself, by its own name, works
    run_cli(*FIX, str(outside / "victim.py"))
    assert "np.linalg.solve" in (outside / "victim.py").read_text()


def test_fix_writes_only_the_files_it_linted(tmp_path):
    """Nothing else in the tree (excluded files, other suffixes, the parent folder) changes."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "a.py").write_text(BAD)
    (root / "notes.txt").write_text(BAD)
    (root / "excluded.py").write_text(BAD)
    (tmp_path / "sibling.py").write_text(BAD)
    run_cli(*FIX, "--extend-exclude", "excluded.py", str(root), cwd=str(root))
    assert "np.linalg.solve" in (root / "a.py").read_text()
    for untouched in (root / "notes.txt", root / "excluded.py", tmp_path / "sibling.py"):
        assert untouched.read_text() == BAD
    assert sorted(os.listdir(root)) == ["a.py", "excluded.py", "notes.txt"]
