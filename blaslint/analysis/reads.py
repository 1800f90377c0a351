"""The files besides the linted one that its analysis read, and whether they still hold what was read.

Helper summaries parse other modules of the package from disk, so a file's
findings rest on their contents too, and on which files exist where an import
was resolved (a module created later changes them). While :func:`recording`
is active every such read leaves a :class:`Stamp`; a cached result (the lint
cache's entry, the editor's last lint, a module kept parsed in the process) is
valid only while every stamp it rests on :func:`holds`.

Checking is cheap: a stat, compared with the one taken before the bytes were
read (size, mtime, ctime, inode); the file is hashed only when that differs or
when the stamp was taken so soon after a write that a second write within the
timestamp granularity could hide behind the same stat (git's "racy" entries).
A hash that still matches re-stamps the file (:func:`refresh`).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat as _stat
import threading
import time
from contextlib import contextmanager
from typing import NamedTuple

RACY_NS = 2_000_000_000        # coarser than any common filesystem's timestamps (FAT: 2 s)
UNREADABLE = "!unreadable"     # never equal to a hash: the file is read again next time
TOO_BIG = "!bigger-than:"      # + the limit: the contents were not read, only the size counts


class Stamp(NamedTuple):
    """One file as the analysis saw it. JSON-able as a flat list (``Stamp(*row)``)."""

    path: str              # absolute
    exists: bool           # was a regular file
    digest: str | None     # hash of the bytes read; None: only whether it exists counts
    size: int = -1
    mtime_ns: int = 0
    ctime_ns: int = 0
    ino: int = 0
    trusted: bool = False  # the stat alone proves the bytes unchanged (not racy)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _regular(st) -> bool:
    return st is not None and _stat.S_ISREG(st.st_mode)


def _stat_of(path: str):
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def read(path: str, limit: int | None = None) -> tuple[bytes | None, Stamp]:
    """The bytes of ``path`` (None: missing, unreadable, or over ``limit``) and their stamp."""
    path = os.path.abspath(path)
    now = time.time_ns()
    st = _stat_of(path)                      # before reading: a write after it changes the stat
    if not _regular(st):
        return None, Stamp(path, False, None)
    sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    trusted = max(st.st_mtime_ns, st.st_ctime_ns) + RACY_NS <= now
    if limit is not None and st.st_size > limit:
        return None, Stamp(path, True, f"{TOO_BIG}{limit}", *sig, trusted)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None, Stamp(path, True, UNREADABLE, *sig, False)
    return data, Stamp(path, True, _hash(data), *sig, trusted)


# Questions about many files at once ("which modules of this package call `f`?"): a stamp whose path is
# ``query:<kind>:<argument>`` holds while ``QUERIES[kind](argument)`` still gives its digest. The module
# that asks registers its kind when imported; an unregistered kind never holds (the lint runs again).
QUERY_PREFIX = "query:"
QUERIES: dict = {}


def query_stamp(kind: str, argument: str, digest: str) -> Stamp:
    return Stamp(f"{QUERY_PREFIX}{kind}:{argument}", True, digest)


def is_query(stamp: Stamp) -> bool:
    return stamp.path.startswith(QUERY_PREFIX)


def refresh(stamp: Stamp) -> Stamp | None:
    """``stamp``, or a newer one for the same bytes, while the file holds them; None once it changed."""
    if is_query(stamp):
        kind, _, argument = stamp.path[len(QUERY_PREFIX):].partition(":")
        answer = QUERIES.get(kind)
        try:
            return stamp if answer is not None and answer(argument) == stamp.digest else None
        except (OSError, ValueError):
            return None
    st = _stat_of(stamp.path)
    if stamp.digest is None:
        return stamp if _regular(st) == stamp.exists else None
    if not _regular(st):
        return None
    if stamp.digest.startswith(TOO_BIG):
        return stamp if st.st_size > int(stamp.digest[len(TOO_BIG):]) else None
    if stamp.trusted and (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == stamp[3:7]:
        return stamp
    data, fresh = read(stamp.path)
    return fresh if data is not None and fresh.digest == stamp.digest else None


def holds(stamp: Stamp) -> bool:
    return refresh(stamp) is not None


class Checker:
    """:func:`holds` for many stamps in one run: equal stamps (shared dependencies) are checked once."""

    def __init__(self) -> None:
        self._seen: dict[Stamp, bool] = {}
        self.checked = 0
        self._epoch: int | None = None

    def holds(self, stamp: Stamp) -> bool:
        got = self._seen.get(stamp)
        if got is None:
            self.checked += 1
            if self._epoch is None:
                self._epoch = next(_EPOCHS)
            outer, _LOCAL.check_epoch = _LOCAL.check_epoch, self._epoch
            try:  # one view of the disk for the whole run: a question about many files is answered once
                got = self._seen[stamp] = refresh(stamp) is not None
            finally:
                _LOCAL.check_epoch = outer
        return got


# -- recording -------------------------------------------------------------------------

class _Recorders(threading.local):
    def __init__(self) -> None:
        self.stack: list[dict] = []   # the recorders in effect in this thread: each gets every stamp
        self.epoch = 0
        self.check_epoch: int | None = None  # while a Checker checks stamps: its run's epoch


_LOCAL = _Recorders()
_EPOCHS = itertools.count(1)


@contextmanager
def recording(into: dict | None = None):
    """Collect ``{path: Stamp}`` of every file read in this block (nested blocks each collect all).

    The outermost block starts a new epoch: a module kept parsed in the
    process is checked against the disk once per epoch (one lint sees one
    state of its package).
    """
    deps = {} if into is None else into
    stack = _LOCAL.stack
    if not stack:
        _LOCAL.epoch = next(_EPOCHS)
    stack.append(deps)
    try:
        yield deps
    finally:
        stack.pop()


def epoch() -> int | None:
    """The current lint's epoch, or the checking run's (:class:`Checker`); None otherwise (then every use
    checks the disk)."""
    return _LOCAL.epoch if _LOCAL.stack else _LOCAL.check_epoch


def note(stamp: Stamp) -> None:
    """Record that the analysis rests on ``stamp``."""
    for deps in _LOCAL.stack:
        old = deps.get(stamp.path)
        if old is None or (old.digest is None and stamp.exists == old.exists):
            deps[stamp.path] = stamp          # first, or contents where only existence was known
        elif old.exists != stamp.exists or stamp.digest not in (None, old.digest):
            # seen twice, different each time: the result mixes both, no state of the disk matches it
            deps[stamp.path] = Stamp(stamp.path, True, UNREADABLE)


def note_all(stamps) -> None:
    for stamp in stamps:
        note(stamp)


def is_file(path: str) -> bool:
    """``os.path.isfile``, recorded: a file created or deleted here later changes the result."""
    path = os.path.abspath(path)
    found = _regular(_stat_of(path))
    if _LOCAL.stack:
        note(Stamp(path, found, None))
    return found


__all__ = ["Checker", "QUERIES", "Stamp", "epoch", "holds", "is_file", "is_query", "note", "note_all", "query_stamp",
           "read", "recording", "refresh"]
