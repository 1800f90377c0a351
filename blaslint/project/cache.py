"""The persistent cache: a file's findings, keyed by what it contains.

Layout: ``<cache dir>/<run key>/<hash of the path>``, one entry per file,
plus a ``.gitignore`` (``*``) and a ``CACHEDIR.TAG`` in the cache dir. The run
key is a hash of everything besides the file that decides its findings: the
blaslint version and the code of the installed package (so an edited rule
invalidates), the Python version (the parser), every setting and the options
that change findings.

An entry is served only when the BLAKE2 hash of the file's current bytes
equals the hash of the bytes the entry was computed from. Unlike ruff's
(size, mtime) key this never serves a stale entry, whatever the timestamp
granularity or clock; it costs reading and hashing every file on a warm run,
which is a few percent of the time of parsing it. The findings of a file can
also rest on other files (modules of its package read for helper summaries,
files looked for when resolving an import): the entry lists them
(:class:`blaslint.analysis.reads.Stamp`) and is served only while each still
holds the bytes read (missing: stale). Those are checked by stat, hashed only
when the stat changed or was too recent to trust, each once per run. An entry carries a
checksum: a truncated or corrupt entry (crash, disk full, concurrent writer,
hand edits) is ignored and rewritten, never trusted. Entries are written
atomically (temporary file, then rename), so concurrent runs cannot corrupt
each other's entries; the last writer wins, and both wrote the same thing.

Files with internal errors, unreadable files and notebooks are not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import fields

from blaslint import __version__
from blaslint.analysis.reads import Checker, Stamp
from blaslint.analysis import package_calls  # noqa: F401  (registers the questions its stamps ask)
from blaslint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from blaslint.core.engine import FileResult
from blaslint.core.source import write_atomic

MAGIC = b"blaslint-cache-2"
CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by blaslint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")
_DIAG_FIELDS = [f.name for f in fields(Diagnostic)]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_fingerprint() -> str:
    """Size and mtime of every module of the installed package (edits to rules count)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the blaslint package
    h = hashlib.blake2b(digest_size=16)
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(directory, name))
                h.update(f"{os.path.relpath(os.path.join(directory, name), root)}:{st.st_size}:"
                         f"{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def run_key(settings, options) -> str:
    """Hash of everything, besides the file itself, that decides a file's findings."""
    # the loaded run-time facts are keyed by tuples; the facts file enters through its digest in
    # settings.fingerprint()
    public = {k: v for k, v in vars(settings).items() if not k.startswith("_") and k != "runtime_facts"}
    public["project_root"] = os.path.abspath(settings.project_root)
    data = json.dumps({
        "version": __version__, "code": _code_fingerprint(), "python": list(sys.version_info[:2]),
        "settings": public, "fingerprint": settings.fingerprint(),
        "report_unused_noqa": options.report_unused_noqa, "unsafe_fixes": options.unsafe_fixes,
    }, sort_keys=True, default=repr)
    return hashlib.blake2b(data.encode(), digest_size=12).hexdigest()


# -- entries -------------------------------------------------------------------

def _diag_to_json(d: Diagnostic) -> list:
    row = [getattr(d, name) for name in _DIAG_FIELDS]
    fix = d.fix
    if fix is not None:
        row[_DIAG_FIELDS.index("fix")] = [fix.message, fix.applicability.value, [
            [e.start, e.end, e.content, list(e.location), list(e.end_location)] for e in fix.edits]]
    if d.cost is not None:
        row[_DIAG_FIELDS.index("cost")] = d.cost.as_dict()
    return row


def _diag_from_json(row: list) -> Diagnostic:
    if not isinstance(row, list) or len(row) != len(_DIAG_FIELDS):
        raise ValueError("bad diagnostic row")
    values = dict(zip(_DIAG_FIELDS, row))
    fix = values["fix"]
    if fix is not None:
        message, applicability, edits = fix
        values["fix"] = Fix(message, tuple(
            Edit(start, end, content, tuple(loc), tuple(end_loc))
            for start, end, content, loc, end_loc in edits), Applicability(applicability))
    if values["cost"] is not None:
        from blaslint.analysis.cost import Cost

        values["cost"] = Cost.from_dict(values["cost"])
    return Diagnostic(**values)


def encode_entry(path: str, digest: str, diags: list[Diagnostic], reads=()) -> bytes:
    body = json.dumps([path, digest, [_diag_to_json(d) for d in diags], [list(r) for r in reads]],
                      separators=(",", ":")).encode()
    return MAGIC + b" " + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b"\n" + body


def decode_entry(data: bytes, path: str, digest: str) -> list[Diagnostic] | None:
    """The findings of an entry made from exactly these bytes of ``path`` (its reads unchecked); None otherwise."""
    entry = decode_entry_reads(data, path, digest)
    return None if entry is None else entry[0]


def decode_entry_reads(data: bytes, path: str, digest: str) -> tuple[list[Diagnostic], list[Stamp]] | None:
    """(findings, the other files they rest on) of an entry made from exactly these bytes of ``path``."""
    head, sep, body = data.partition(b"\n")
    if not sep or head != MAGIC + b" " + hashlib.blake2b(body, digest_size=16).hexdigest().encode():
        return None  # truncated, corrupt, or another format
    try:
        entry_path, entry_digest, rows, reads = json.loads(body)
        if entry_path != path or entry_digest != digest:
            return None
        return [_diag_from_json(row) for row in rows], [_stamp_from_json(r) for r in reads]
    except (ValueError, TypeError, KeyError):
        return None


def _stamp_from_json(row) -> Stamp:
    if not isinstance(row, list) or len(row) != len(Stamp._fields):
        raise ValueError("bad dependency row")
    return Stamp(*row)


class Cache:
    """Serve unchanged files from the cache, lint the others with ``run``, store their findings."""

    def __init__(self, cache_dir: str, settings, options) -> None:
        self.root = cache_dir
        self.settings = settings
        self.options = options
        self.dir = os.path.join(cache_dir, run_key(settings, options))
        self.writable = True
        self.hits = 0
        self.misses = 0
        self.stale = 0               # entries for the file's bytes, refused because a file they rest on changed
        self.checker = Checker()     # this run's view of those files

    def entry_path(self, path: str) -> str:
        return os.path.join(self.dir, hashlib.blake2b(path.encode("utf-8", "surrogateescape"),
                                                      digest_size=16).hexdigest())

    def lookup(self, path: str) -> list[Diagnostic] | None:
        """Cached findings for the file's current content, or None."""
        if path.endswith(".ipynb"):
            return None
        try:
            with open(path, "rb") as fh:
                digest = content_hash(fh.read())
            with open(self.entry_path(path), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        entry = decode_entry_reads(data, path, digest)
        if entry is None:
            return None
        diags, reads = entry
        if not all(self.checker.holds(r) for r in reads):
            self.stale += 1
            return None
        return diags

    def store(self, result: FileResult) -> None:
        if not self.writable or result.digest is None or result.errors or result.fixed_text is not None:
            return
        try:
            self._prepare()
            data = encode_entry(result.path, result.digest, result.diagnostics, result.reads)
            write_atomic(self.entry_path(result.path), data, durable=False)
        except OSError as exc:  # read-only or full disk: go on without the cache
            self.writable = False
            print(f"blaslint: warning: cache disabled, cannot write to {self.root}: {exc.strerror or exc}",
                  file=sys.stderr)

    def _prepare(self) -> None:
        if os.path.isdir(self.dir):
            return
        os.makedirs(self.dir, exist_ok=True)
        for name, text in ((".gitignore", "# Created by blaslint automatically.\n*\n"),
                           ("CACHEDIR.TAG", CACHEDIR_TAG)):
            target = os.path.join(self.root, name)
            if not os.path.exists(target):
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(text)

    def run(self, files: list[str], run):
        """Yield a FileResult per file, in the order of ``files``."""
        cached: dict[int, list[Diagnostic]] = {}
        self.checker, self.stale = Checker(), 0
        for i, path in enumerate(files):
            diags = self.lookup(path)
            if diags is not None:
                cached[i] = diags
        self.hits, self.misses = len(cached), len(files) - len(cached)
        # The workers hash the bytes they lint (FileResult.digest, set because
        # options.cache_dir is): an entry always matches the content it describes.
        fresh = iter(run([p for i, p in enumerate(files) if i not in cached], self.settings, self.options))
        for i, path in enumerate(files):
            diags = cached.get(i)
            if diags is not None:
                yield FileResult(path=path, diagnostics=diags, cached=True)
                continue
            result = next(fresh)
            self.store(result)
            result.digest = None
            yield result
