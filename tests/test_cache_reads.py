"""A file's findings rest on the other modules its helper summaries read: an edit there is never missed.

``main.py`` calls ``diagonal_of`` from ``utils.py``; while it returns
``np.diag(x)`` of a 2-D array, ``d`` is 1-D and ``np.diag(d) @ B`` is BL402.
When it returns ``x`` instead, ``d`` is 2-D (``np.diag`` extracts) and nothing
is reported. The lint cache, the language server's last lint and the modules
kept parsed in the process must all follow such edits, and still serve what
did not change.
"""

from __future__ import annotations

import os
import time

import pytest

from blaslint.analysis import reads
from blaslint.core.runner import RunOptions, process_path, run
from blaslint.integrations.lsp.linting import lint_document
from blaslint.project.cache import Cache, decode_entry_reads, encode_entry
from blaslint.project.config import Settings

DIAG = "import numpy as np\n\n\ndef diagonal_of(x):\n    return np.diag(x)\n"
PLAIN = DIAG.replace("np.diag(x)", "x")
SAME_SIZE = DIAG.replace("np.diag(x)", "(x.copy())")   # 2-D: no finding; same length as DIAG
MAIN = ("import numpy as np\nfrom .utils import diagonal_of\n\n\n"
        "def scale(n, B):\n    A = np.ones((n, n))\n    d = diagonal_of(A)\n    return np.diag(d) @ B\n")
OTHER = "import numpy as np\n\n\ndef posterior_mean(K, y):\n    return np.linalg.inv(K) @ y\n"
OLD = 10**9 * 1000   # seconds before now, in ns: stamps of files this old are trusted by their stat


def _write(path, text, age_ns=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if age_ns:
        t = time.time_ns() - age_ns
        os.utime(path, ns=(t, t))
    return str(path)


@pytest.fixture
def package(tmp_path):
    pkg = tmp_path / "pkg"
    _write(pkg / "__init__.py", "", OLD)
    utils = _write(pkg / "utils.py", DIAG, OLD)
    main = _write(pkg / "main.py", MAIN, OLD)
    other = _write(pkg / "other.py", OTHER, OLD)
    return tmp_path, {"utils": utils, "main": main, "other": other}


class Spy:
    """The lint function the cache calls for what it cannot serve; remembers which files it got."""

    def __init__(self) -> None:
        self.linted: list[list[str]] = []

    def __call__(self, paths, settings, options):
        self.linted.append(list(paths))
        return run(paths, settings, options)


def _run(root, files):
    settings = Settings(project_root=str(root))
    options = RunOptions(jobs=1, cache_dir=str(root / "cache"))
    cache, spy = Cache(options.cache_dir, settings, options), Spy()
    results = list(cache.run(sorted(files.values()), spy))
    codes = {name: [d.code for d in r.diagnostics] for name, r in zip(sorted(files, key=files.get), results)}
    return cache, spy.linted[-1], codes


def _cold(root, files):
    results = run(sorted(files.values()), Settings(project_root=str(root)), RunOptions(jobs=1))
    return {name: [d.code for d in r.diagnostics] for name, r in zip(sorted(files, key=files.get), results)}


def test_editing_a_helper_module_invalidates_the_files_that_use_it(package):
    root, files = package
    cache, linted, codes = _run(root, files)
    assert codes == {"main": ["BL402"], "other": ["BL401"], "utils": []}
    cache, linted, codes = _run(root, files)
    assert linted == [] and cache.hits == 3          # all served

    _write(root / "pkg" / "utils.py", PLAIN)
    cache, linted, codes = _run(root, files)
    assert sorted(linted) == sorted([files["main"], files["utils"]])   # other.py rests on nothing edited
    assert cache.stale == 1                           # main.py's bytes are the same: its dependency changed
    assert codes == {"main": [], "other": ["BL401"], "utils": []} == _cold(root, files)
    cache, linted, codes = _run(root, files)
    assert linted == [] and codes["main"] == []       # the new entry is served

    _write(root / "pkg" / "utils.py", DIAG)          # and back
    cache, linted, codes = _run(root, files)
    assert linted == sorted([files["main"], files["utils"]]) and codes["main"] == ["BL402"]
    cache, linted, codes = _run(root, files)
    assert linted == [] and cache.stale == 0 and codes["main"] == ["BL402"]


class _Later:
    """``time`` for :mod:`blaslint.analysis.reads` as it will be in a minute (files just written look old)."""

    @staticmethod
    def time_ns():
        return time.time_ns() + 60 * 10**9


def test_an_unchanged_dependency_is_checked_by_its_stat_alone(package, monkeypatch):
    root, files = package
    monkeypatch.setattr(reads, "time", _Later)    # a file's ctime cannot be set back; the clock can
    _run(root, files)
    hashed = []
    real_read = reads.read
    monkeypatch.setattr(reads, "read", lambda path, *a: hashed.append(path) or real_read(path, *a))
    cache, linted, codes = _run(root, files)
    assert linted == [] and codes["main"] == ["BL402"]
    assert hashed == []                               # the helper is old enough: its stat is trusted
    os.utime(files["utils"])                          # touched, same bytes: hashed, still served
    cache, linted, codes = _run(root, files)
    # only the touched file is hashed (once for its stamp, once more where the package's calls are indexed)
    assert linted == [] and codes["main"] == ["BL402"] and set(hashed) == {files["utils"]}


def test_an_edit_keeping_size_and_mtime_is_still_seen(package):
    root, files = package
    _run(root, files)
    st = os.stat(files["utils"])
    _write(root / "pkg" / "utils.py", SAME_SIZE)
    os.utime(files["utils"], ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (os.stat(files["utils"]).st_size, os.stat(files["utils"]).st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    cache, linted, codes = _run(root, files)
    assert files["main"] in linted and codes["main"] == [] == _cold(root, files)["main"]


def test_a_deleted_or_created_helper_module_invalidates(package):
    root, files = package
    _run(root, files)
    os.unlink(files["utils"])
    del files["utils"]
    cache, linted, codes = _run(root, files)
    assert linted == [files["main"]] and cache.stale == 1 and codes["main"] == []   # the import resolves to nothing
    cache, linted, codes = _run(root, files)
    assert linted == []                               # "utils.py does not exist" is what that entry rests on
    files["utils"] = _write(root / "pkg" / "utils.py", DIAG)
    cache, linted, codes = _run(root, files)
    assert files["main"] in linted and codes["main"] == ["BL402"]


CHAIN_C = "import numpy as np\n\n\ndef diag_of(x):\n    return np.diag(x)\n"
CHAIN_B = "from .c import diag_of\n\n\ndef diagonal_of(x):\n    return diag_of(x)\n"


@pytest.fixture
def chain(tmp_path):
    """main.py -> utils.diagonal_of -> c.diag_of: main's finding rests on c.py, which it never imports."""
    pkg = tmp_path / "pkg"
    _write(pkg / "__init__.py", "", OLD)
    _write(pkg / "c.py", CHAIN_C, OLD)
    _write(pkg / "utils.py", CHAIN_B, OLD)
    main = _write(pkg / "main.py", MAIN, OLD)
    second = _write(pkg / "second.py", MAIN.replace("def scale", "def scale2"), OLD)
    return tmp_path, main, second


def test_a_module_two_helpers_away_invalidates(chain):
    root, main, second = chain
    files = {"main": main, "second": second}
    assert _run(root, files)[2] == {"main": ["BL402"], "second": ["BL402"]}
    _write(root / "pkg" / "c.py", CHAIN_C.replace("np.diag(x)", "x"))
    cache, linted, codes = _run(root, files)
    assert linted == [main, second] and codes == {"main": [], "second": []}


def _lsp(path, root):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return lint_document(text, path, Settings(project_root=str(root)))


def test_the_same_process_sees_an_edited_helper(package):
    """The language server (and any long-lived process) lints again: the parsed helper is not reused."""
    root, files = package
    first = _lsp(files["main"], root)
    assert [d.code for d in first.diagnostics] == ["BL402"]
    assert first.rests_on(files["utils"]) and first.still_valid()
    _write(root / "pkg" / "utils.py", PLAIN)
    assert not first.still_valid()                   # the server's last lint of main.py is out of date
    assert [d.code for d in _lsp(files["main"], root).diagnostics] == []
    _write(root / "pkg" / "utils.py", DIAG)
    again = _lsp(files["main"], root)
    assert [d.code for d in again.diagnostics] == ["BL402"] and again.still_valid()


def test_the_same_process_sees_an_edit_two_helpers_away(chain):
    """utils.py is unchanged but its cached summary rests on c.py: an edit of c.py drops it."""
    root, main, second = chain
    settings, options = Settings(project_root=str(root)), RunOptions(jobs=1)
    assert [d.code for d in process_path(main, settings, options).diagnostics] == ["BL402"]
    _write(root / "pkg" / "c.py", CHAIN_C.replace("np.diag(x)", "x"))
    result = process_path(second, settings, options)   # another file, same helper, same process
    assert [d.code for d in result.diagnostics] == []
    assert {os.path.basename(r.path) for r in result.reads if r.digest and not reads.is_query(r)} == \
        {"utils.py", "c.py"}
    assert [d.code for d in _lsp(main, root).diagnostics] == []


def test_stamps(tmp_path):
    old = _write(tmp_path / "old.py", "x = 1\n", OLD)
    fresh = _write(tmp_path / "fresh.py", "x = 1\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reads, "time", _Later)
        data, stamp = reads.read(old)
    assert data == b"x = 1\n" and stamp.trusted and reads.refresh(stamp) is stamp
    data, racy = reads.read(fresh)
    assert not racy.trusted                           # written just now: a second write could keep the stat
    assert reads.holds(racy)
    _write(tmp_path / "fresh.py", "x = 2\n")
    assert not reads.holds(racy)
    missing, absent = reads.read(str(tmp_path / "missing.py"))
    assert missing is None and not absent.exists and reads.holds(absent)
    _write(tmp_path / "missing.py", "")
    assert not reads.holds(absent)
    big, too_big = reads.read(old, limit=3)
    assert big is None and reads.holds(too_big)
    _write(tmp_path / "old.py", "x\n")
    assert not reads.holds(too_big)                   # now small enough to be read


def test_an_entry_keeps_the_stamps_it_rests_on():
    stamp = reads.Stamp("/p/utils.py", True, "ab" * 16, 63, 5, 6, 7, True)
    absent = reads.Stamp("/p/missing.py", False, None)
    entry = encode_entry("a.py", "digest-1", [], [stamp, absent])
    assert decode_entry_reads(entry, "a.py", "digest-1") == ([], [stamp, absent])
    assert decode_entry_reads(entry, "a.py", "digest-2") is None


def test_a_file_read_twice_differently_in_one_lint_never_holds(tmp_path):
    path = tmp_path / "m.py"
    with reads.recording() as seen:
        _write(path, "a = 1\n")
        reads.note(reads.read(str(path))[1])
        _write(path, "a = 22\n")
        reads.note(reads.read(str(path))[1])
    (stamp,) = seen.values()
    assert not reads.holds(stamp)
