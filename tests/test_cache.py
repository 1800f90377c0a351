"""The persistent cache serves a file's findings only for exactly the bytes they describe."""

from __future__ import annotations

import os
import threading

import pytest
from cli_support import BAD, CLEAN, run_cli, write

from blaslint.project import cache as cachemod
from blaslint.project.cache import Cache, decode_entry, encode_entry
from blaslint.project.config import Settings
from blaslint.core.runner import RunOptions, run

FIXABLE = "import numpy as np\nx = np.linalg.inv(A) @ b\ny = np.linalg.inv(C) @ d  # noqa: BL401\n"
SYNTAX_ERROR = "def f(:\n    pass\n"


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "src"
    files = [write(src, "bad.py", BAD), write(src, "clean.py", CLEAN), write(src, "fixable.py", FIXABLE),
             write(src, "broken.py", SYNTAX_ERROR), write(src, "pkg/more.py", BAD + FIXABLE)]
    return tmp_path, sorted(files)


def _run(root, files, settings=None, cache_dir=None, jobs=1):
    settings = settings or Settings(project_root=str(root))
    options = RunOptions(jobs=jobs, cache_dir=str(cache_dir or root / "cache"))
    c = Cache(options.cache_dir, settings, options)
    results = list(c.run(files, run))
    return c, results


def _findings(results):
    return [(r.path, r.diagnostics) for r in results]


def test_a_warm_run_returns_exactly_the_cold_findings(tree):
    root, files = tree
    cold = list(run(files, Settings(project_root=str(root)), RunOptions(jobs=1)))
    c1, first = _run(root, files)
    c2, second = _run(root, files)
    assert (c1.hits, c1.misses) == (0, len(files))
    assert (c2.hits, c2.misses) == (len(files), 0)
    assert all(r.cached for r in second)
    assert _findings(first) == _findings(cold) == _findings(second)
    assert any(d.fix is not None for _, diags in _findings(second) for d in diags)  # fixes survive
    assert [r.path for r in second] == files


def test_the_cache_dir_is_tagged_and_ignored_by_git(tree):
    root, files = tree
    _run(root, files)
    with open(root / "cache" / ".gitignore", encoding="utf-8") as fh:
        assert "*" in fh.read().split()
    with open(root / "cache" / "CACHEDIR.TAG", encoding="utf-8") as fh:
        assert fh.read().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_an_edit_invalidates_the_entry_even_with_the_same_size_and_mtime(tree):
    root, files = tree
    bad = next(f for f in files if f.endswith("bad.py"))
    _run(root, files)
    st = os.stat(bad)
    with open(bad, encoding="utf-8") as fh:
        text = fh.read()
    edited = text.replace("np.linalg.inv(K) @ y", "np.linalg.sol(K) @ y")
    assert len(edited) == len(text) and edited != text
    with open(bad, "w", encoding="utf-8") as fh:
        fh.write(edited)
    os.utime(bad, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(bad).st_mtime_ns == st.st_mtime_ns and os.stat(bad).st_size == st.st_size
    c, results = _run(root, files)
    assert (c.hits, c.misses) == (len(files) - 1, 1)
    by_path = dict(_findings(results))
    assert by_path[bad] == []
    # and reverting serves the old findings again, re-linted or not, identical to a cold run
    with open(bad, "w", encoding="utf-8") as fh:
        fh.write(text)
    c, results = _run(root, files)
    cold = list(run(files, Settings(project_root=str(root)), RunOptions(jobs=1)))
    assert _findings(results) == _findings(cold)


@pytest.mark.parametrize("change", [
    lambda s: setattr(s, "ignore", ["BL401"]),
    lambda s: setattr(s, "per_file_ignores", {"pkg/*": ["BL401"]}),
    lambda s: setattr(s, "unsafe_fixes", True),
])
def test_a_config_change_invalidates(tree, change):
    root, files = tree
    _run(root, files)
    settings = Settings(project_root=str(root))
    change(settings)
    c, results = _run(root, files, settings)
    assert c.hits == 0
    cold = list(run(files, settings, RunOptions(jobs=1)))
    assert _findings(results) == _findings(cold)


def test_another_version_or_code_of_blaslint_invalidates(tree, monkeypatch):
    root, files = tree
    _run(root, files)
    monkeypatch.setattr(cachemod, "__version__", "999.0")
    assert _run(root, files)[0].hits == 0
    monkeypatch.setattr(cachemod, "_code_fingerprint", lambda: "edited rules")
    assert _run(root, files)[0].hits == 0


def _entries(root):
    out = []
    for directory, _, names in os.walk(root / "cache"):
        out += [os.path.join(directory, n) for n in names if n not in (".gitignore", "CACHEDIR.TAG")]
    return sorted(out)


@pytest.mark.parametrize("corrupt", [
    lambda data: data[: len(data) // 2],                          # truncated
    lambda data: b"",                                             # empty
    lambda data: data[:-3] + bytes([data[-3] ^ 1]) + data[-2:],   # one bit flipped in the findings
    lambda data: data.replace(b"BL401", b"BL402"),                # edited by hand
    lambda data: b"\x80\x04garbage\n" + data,                     # another format
])
def test_corrupt_entries_are_ignored_and_rewritten(tree, corrupt):
    root, files = tree
    _, cold = _run(root, files)
    entries = _entries(root)
    assert len(entries) == len(files)   # a syntax error (BL900) is a finding like any other
    untouched = 0
    for entry in entries:
        with open(entry, "rb") as fh:
            data = fh.read()
        untouched += corrupt(data) == data
        with open(entry, "wb") as fh:
            fh.write(corrupt(data))
    assert untouched < len(entries)
    c, results = _run(root, files)
    assert c.hits == untouched
    assert _findings(results) == _findings(cold)
    c, results = _run(root, files)   # rewritten: served again
    assert c.hits == len(files)
    assert _findings(results) == _findings(cold)


def test_an_entry_of_other_bytes_or_another_path_is_never_served():
    entry = encode_entry("a.py", "digest-1", [])
    assert decode_entry(entry, "a.py", "digest-1") == []
    assert decode_entry(entry, "a.py", "digest-2") is None
    assert decode_entry(entry, "b.py", "digest-1") is None


def test_internal_errors_are_not_cached(tree, monkeypatch):
    root, files = tree
    from blaslint.rules.algebra.inverse_times import InverseTimes

    def boom(self, node):
        raise RuntimeError("boom")

    monkeypatch.setattr(InverseTimes, "visit_BinOp", boom)
    _, results = _run(root, files)
    crashed = {r.path for r in results if r.errors}
    assert crashed
    monkeypatch.undo()
    c, results = _run(root, files)
    assert c.misses == len(crashed)
    assert not any(r.errors for r in results)


def test_concurrent_runs_leave_only_valid_entries(tree):
    root, files = tree
    threads = [threading.Thread(target=_run, args=(root, files)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c, results = _run(root, files)
    assert c.hits == len(files)


def test_an_unwritable_cache_dir_does_not_stop_the_run(tree, capsys):
    root, files = tree
    blocker = root / "not-a-dir"
    blocker.write_text("a file where the cache dir should be")
    _, results = _run(root, files, cache_dir=blocker)
    assert any(r.diagnostics for r in results)
    assert "cache disabled" in capsys.readouterr().err


# -- the command line ------------------------------------------------------------

def test_cli_caches_in_the_project_and_no_cache_writes_nothing(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.blaslint]\n")
    write(tmp_path, "src/bad.py", BAD)
    first = run_cli("--no-cache", "src", cwd=tmp_path)
    assert first.returncode == 1
    assert not (tmp_path / ".blaslint_cache").exists()
    second = run_cli("src", cwd=tmp_path)
    assert (tmp_path / ".blaslint_cache" / ".gitignore").exists()
    third = run_cli("src", cwd=tmp_path)
    assert first.out == second.out == third.out and first.returncode == third.returncode == 1


def test_cli_cache_dir_option_and_environment(tmp_path):
    write(tmp_path, "src/bad.py", BAD)
    run_cli("--cache-dir", str(tmp_path / "opt"), "src", cwd=tmp_path)
    run_cli("src", cwd=tmp_path, env={"BLASLINT_CACHE_DIR": str(tmp_path / "env")})
    assert (tmp_path / "opt" / "CACHEDIR.TAG").exists()
    assert (tmp_path / "env" / "CACHEDIR.TAG").exists()
    run_cli("--fix", "src", cwd=tmp_path, env={"BLASLINT_CACHE_DIR": str(tmp_path / "fix")})
    assert not (tmp_path / "fix").exists()
