"""[tool.blaslint] configuration: loading, validation, globs, excludes, .gitignore, CLI overrides."""

from __future__ import annotations

import os

import pytest
from cli_support import BAD, CLEAN, run_cli, write

from blaslint.project.config import ConfigError, Settings, _glob_match, find_config, load_settings, settings_from_table
from blaslint.project.discover import discover


@pytest.mark.parametrize("path, pattern, expected", [
    ("tests/test_a.py", "tests/**/*.py", True),       # **/ matches no folder at all
    ("tests/unit/deep/test_a.py", "tests/**/*.py", True),
    ("src/tests/test_a.py", "tests/**/*.py", False),  # anchored at the project root
    ("tests/unit/test_a.py", "tests/*", True),        # like ruff, * crosses folders
    ("a/build/x.py", "build", True),                  # a bare name matches any component
    ("builder/x.py", "build", False),
    ("sub/gen_a.py", "gen_*.py", True),
    ("sub/a.py", "sub/", True),
    ("sub/a.py", "sub/**", True),
    ("a/b/c.py", "**/b/*.py", True),
    ("b/c.py", "**/b/*.py", True),
    ("c.py", "[!ab].py", True),
    ("a.py", "[!ab].py", False),
    ("nb/x.ipynb", "*.py", False),
])
def test_glob_match(path, pattern, expected):
    assert _glob_match(path, pattern) is expected


def test_find_config_skips_pyproject_without_table(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nignore = ['BL401']\n")
    write(tmp_path, "pkg/pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path, "pkg/sub/m.py", "")
    assert find_config(str(tmp_path / "pkg" / "sub" / "m.py")) == str(tmp_path / "pyproject.toml")


def test_blaslint_toml_wins_over_pyproject_in_same_folder(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nignore = ['BL401']\n")
    write(tmp_path, "blaslint.toml", "select = ['BL401']\n")
    found = find_config(str(tmp_path))
    assert found == str(tmp_path / "blaslint.toml")
    assert load_settings(None, str(tmp_path)).select == ["BL401"]


@pytest.mark.parametrize("table, fragment", [
    ({"selct": ["BL401"]}, "unknown key 'selct'"),
    ({"select": ["BL4O1"]}, "unknown rule selector 'BL4O1'"),
    ({"ignore": ["E501"]}, "unknown rule selector 'E501'"),
    ({"per-file-ignores": {"tests/*": ["BL77"]}}, "per-file-ignores['tests/*']"),
    ({"select": "BL401"}, "select must be a list of strings"),
    ({"respect-gitignore": "no"}, "respect-gitignore must be true or false"),
    ({"per-file-ignores": {"tests/*": "BL401"}}, "per-file-ignores must map globs to lists of codes"),
])
def test_invalid_table_is_an_error(table, fragment):
    with pytest.raises(ConfigError) as info:
        settings_from_table(table, "/p/pyproject.toml")
    assert fragment in str(info.value)
    assert "/p/pyproject.toml" in str(info.value)


def test_selection_prefixes_and_all():
    s = settings_from_table({"select": ["BL4"], "ignore": ["BL401"], "extend-select": ["BL902"]}, "/p/x.toml")
    codes = s.selected_codes()
    assert "BL401" not in codes and "BL902" in codes
    assert all(c.startswith(("BL4", "BL902")) for c in codes)
    assert "BL902" not in Settings(select=["ALL"]).selected_codes()  # BL902 stays opt-in


def test_per_file_ignores_relative_to_config_folder(tmp_path):
    s = settings_from_table({"per-file-ignores": {"tests/**/*.py": ["BL401"], "!src/**": ["BL4"]}},
                            str(tmp_path / "pyproject.toml"))
    assert "BL401" not in s.codes_for(str(tmp_path / "tests" / "test_a.py"))
    assert "BL401" not in s.codes_for(str(tmp_path / "tests" / "unit" / "test_b.py"))
    assert "BL401" in s.codes_for(str(tmp_path / "src" / "tests" / "test_c.py"))
    assert "BL401" not in s.codes_for(str(tmp_path / "scripts" / "run.py"))  # negated: not under src/


# -- through the real command line ----------------------------------------------------

def test_unknown_key_exits_2_with_a_clear_message(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nselect = ['BL401']\nextend-ignore = ['BL401']\n")
    write(tmp_path, "m.py", BAD)
    proc = run_cli("m.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown key 'extend-ignore'" in proc.err and "pyproject.toml" in proc.err


def test_unknown_code_exits_2(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nignore = ['BL4011']\n")
    write(tmp_path, "m.py", BAD)
    proc = run_cli("m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "BL4011" in proc.err
    assert run_cli("--isolated", "--select", "XYZ1", "m.py", cwd=tmp_path).returncode == 2


def test_invalid_toml_exits_2(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint\nselect = \n")
    write(tmp_path, "m.py", BAD)
    proc = run_cli("m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "invalid TOML" in proc.err


def test_config_ignore_and_cli_override(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nignore = ['BL401']\n")
    write(tmp_path, "m.py", BAD)
    assert run_cli("m.py", cwd=tmp_path).returncode == 0
    # a command-line --select starts over, like ruff
    proc = run_cli("--select", "BL401", "m.py", cwd=tmp_path)
    assert proc.returncode == 1 and "BL401" in proc.out
    assert run_cli("--isolated", "m.py", cwd=tmp_path).returncode == 1
    assert run_cli("--config", "select = ['BL9']", "m.py", cwd=tmp_path).returncode == 0


def test_explicit_config_file(tmp_path):
    write(tmp_path, "conf/strict.toml", "select = ['BL401']\n")
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nignore = ['BL401']\n")
    write(tmp_path, "m.py", BAD)
    assert run_cli("--config", "conf/strict.toml", "m.py", cwd=tmp_path).returncode == 1
    proc = run_cli("--config", "missing.toml", "m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "not found" in proc.err


def test_per_file_ignores_from_a_subdirectory(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nper-file-ignores = { 'tests/**/*.py' = ['BL401'] }\n")
    write(tmp_path, "tests/test_a.py", BAD)
    write(tmp_path, "tests/unit/test_b.py", BAD)
    write(tmp_path, "src/m.py", BAD)
    proc = run_cli("--output-format", "concise", ".", cwd=tmp_path / "tests")
    assert proc.returncode == 0, proc.out + proc.err
    proc = run_cli("--output-format", "concise", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert "m.py" in proc.out and "test_a" not in proc.out and "test_b" not in proc.out
    # --show-all: findings under tests/ are lowered to info (context-paths) and hidden by default
    proc = run_cli("--isolated", "--show-all", "--per-file-ignores", "src/*:BL401", "--output-format", "concise",
                   ".", cwd=tmp_path)
    assert "src/m.py" not in proc.out and "test_a.py" in proc.out


def test_exclude_and_force_exclude(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nextend-exclude = ['legacy', 'gen_*.py']\n")
    write(tmp_path, "legacy/old.py", BAD)
    write(tmp_path, "pkg/gen_tables.py", BAD)
    write(tmp_path, "pkg/m.py", CLEAN)
    assert run_cli(".", cwd=tmp_path).returncode == 0
    # explicit files are linted, like ruff, unless --force-exclude (pre-commit's case)
    assert run_cli("legacy/old.py", cwd=tmp_path).returncode == 1
    assert run_cli("--force-exclude", "legacy/old.py", "pkg/gen_tables.py", "pkg/m.py", cwd=tmp_path).returncode == 0
    # exclude replaces the defaults (and so lints .venv); extend-exclude adds to them
    write(tmp_path, ".venv/lib/site.py", BAD)
    assert run_cli(".", cwd=tmp_path).returncode == 0
    assert run_cli("--exclude", "legacy,gen_*.py", ".", cwd=tmp_path).returncode == 1


def test_gitignore_nested_and_negated(tmp_path):
    os.mkdir(tmp_path / ".git")
    write(tmp_path, ".gitignore", "*_gen.py\nbuild_out/\n")
    write(tmp_path, "pkg/.gitignore", "!keep_gen.py\n")
    write(tmp_path, "a_gen.py", BAD)
    write(tmp_path, "build_out/x.py", BAD)
    write(tmp_path, "pkg/b_gen.py", BAD)
    write(tmp_path, "pkg/keep_gen.py", BAD)
    s = Settings(project_root=str(tmp_path))
    found = [os.path.relpath(f, tmp_path) for f in discover([str(tmp_path)], s).files]
    assert found == [os.path.join("pkg", "keep_gen.py")]
    # linting a sub-folder still honours the repository root's .gitignore
    found = [os.path.basename(f) for f in discover([str(tmp_path / "pkg")], s).files]
    assert found == ["keep_gen.py"]
    s.respect_gitignore = False
    assert len(discover([str(tmp_path)], s).files) == 4


def test_respect_gitignore_setting_through_cli(tmp_path):
    os.mkdir(tmp_path / ".git")
    write(tmp_path, ".gitignore", "ignored.py\n")
    write(tmp_path, "ignored.py", BAD)
    assert run_cli("--isolated", ".", cwd=tmp_path).returncode == 0
    assert run_cli("--isolated", "--no-respect-gitignore", ".", cwd=tmp_path).returncode == 1
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nrespect-gitignore = false\n")
    assert run_cli(".", cwd=tmp_path).returncode == 1


def test_unsafe_fixes_setting(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\nunsafe-fixes = true\n")
    m = write(tmp_path, "m.py", BAD)
    assert run_cli("--fix", "--no-unsafe-fixes", "m.py", cwd=tmp_path).returncode == 1
    assert open(m).read() == BAD
    proc = run_cli("--fix", "m.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.out + proc.err
    assert "np.linalg.solve(K, y)" in open(m).read()


def test_explicit_directory_ignored_by_an_enclosing_repo_is_still_linted(tmp_path):
    """`blaslint .../site-packages/numpy` inside a checkout that ignores it (pyenv does) lints it."""
    from blaslint.project.config import Settings
    from blaslint.project.discover import discover

    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("/versions\n")
    pkg = tmp_path / "versions" / "site-packages" / "pkg"
    (pkg / "build").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "skipped.py").write_text("x = 1\n")
    (pkg / ".gitignore").write_text("skipped.py\n")
    (pkg / "build" / "b.py").write_text("x = 1\n")
    found = discover([str(pkg)], Settings(project_root=str(tmp_path)))
    names = sorted(p.rsplit("/", 1)[-1] for p in found.files)
    # the enclosing /versions rule and the `site-packages` default exclude (above the root)
    # do not apply; the package's own .gitignore and the default `build` exclude still do
    assert names == ["a.py"]
    # walking the repository itself still honours its .gitignore
    assert discover([str(tmp_path)], Settings(project_root=str(tmp_path))).files == []
