"""blaslint over real corpora: no internal error, no traceback, every fix applies and parses.

    python benchmarks/corpus_check.py                      # numpy, scipy, sklearn, torch, stdlib
    python benchmarks/corpus_check.py --only numpy,stdlib  # some of them
    python benchmarks/corpus_check.py --corpus mine=~/src  # any tree

For each corpus it runs the real command line (``python -m blaslint``), all
rules, no cache:

1. ``--output-format json``: counts findings per code; BL999 must be 0 and
   stderr must hold no traceback;
2. ``--fix --unsafe-fixes --diff``: the diff is applied to the original
   files here, in Python, strictly (every context and removed line must match),
   and every patched file must parse;
3. ``--fix --unsafe-fixes`` on a temporary copy of the files the diff touches:
   the bytes written must equal the patched text in the file's own encoding,
   BOM and newlines; a second ``--fix --diff`` on the copy must change nothing
   (idempotence) and linting the fixed copy must give no BL999.

Corpora: installed packages are found with ``importlib.util.find_spec`` (which
locates, never imports); scikit-learn, if not installed, comes from its wheel
(``pip download --no-deps --only-binary :all: scikit-learn``; a wheel is a zip
of the sources) cached in ``~/.cache/blaslint-corpora``. The standard library is
``sysconfig``'s stdlib folder without ``site-packages``. ``tests/test_corpus_subset.py``
runs the same checks on a deterministic few hundred files.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import glob
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
import zipfile
from collections import Counter
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.expanduser(os.environ.get("BLASLINT_CORPORA", "~/.cache/blaslint-corpora"))
PACKAGES = ("numpy", "scipy", "sklearn", "torch")
SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__", ".git"}
BATCH = 1500          # files per command line (stays far below ARG_MAX)
TIMEOUT = 3600


# -- corpora --------------------------------------------------------------------------

def stdlib_root() -> str:
    return sysconfig.get_paths()["stdlib"]


def package_root(name: str) -> str | None:
    """The folder of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def sklearn_from_wheel() -> str | None:
    """scikit-learn's sources from its wheel (downloaded once, then cached)."""
    target = os.path.join(CACHE, "sklearn-wheel")
    if os.path.isdir(os.path.join(target, "sklearn")):
        return os.path.join(target, "sklearn")
    os.makedirs(CACHE, exist_ok=True)
    wheels = glob.glob(os.path.join(CACHE, "scikit_learn-*.whl"))
    if not wheels:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                               "scikit-learn", "-d", CACHE], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"scikit-learn: pip download failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            return None
        wheels = glob.glob(os.path.join(CACHE, "scikit_learn-*.whl"))
    with zipfile.ZipFile(sorted(wheels)[-1]) as zf:
        zf.extractall(target, [n for n in zf.namelist() if n.startswith("sklearn/") and n.endswith(".py")])
    return os.path.join(target, "sklearn")


def corpus_roots(only: set[str] | None = None) -> dict[str, str]:
    roots: dict[str, str] = {}
    for name in PACKAGES:
        if only and name not in only:
            continue
        root = package_root(name) or (sklearn_from_wheel() if name == "sklearn" else None)
        if root:
            roots[name] = root
        else:
            print(f"{name}: not found, skipped", file=sys.stderr)
    if not only or "stdlib" in only:
        roots["stdlib"] = stdlib_root()
    return roots


def python_files(root: str) -> list[str]:
    """Every ``.py`` file under ``root`` (no third-party folders), sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return out


def subset(files: list[str], root: str, k: int, max_bytes: int = 60_000) -> list[str]:
    """``k`` files picked deterministically (by a hash of their relative path), small ones only."""
    def key(p):
        return hashlib.sha1(os.path.relpath(p, root).encode()).hexdigest()
    small = [p for p in files if os.path.getsize(p) <= max_bytes]
    return sorted(sorted(small, key=key)[:k])


# -- running blaslint -------------------------------------------------------------------

def blaslint(args: list[str], files: list[str], cwd: str | None = None) -> tuple[str, str, int]:
    """Run the CLI over ``files`` in batches; concatenated stdout, stderr, worst exit code."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("FORCE_COLOR", None)
    outs, errs, worst = [], [], 0
    for i in range(0, len(files), BATCH):
        # --show-all: every finding and fix is exercised, negligible ones and those in tests too
        proc = subprocess.run([sys.executable, "-m", "blaslint", "--no-cache", "--isolated", "--select", "ALL",
                               "--no-progress", "--show-all", *args, "--", *files[i:i + BATCH]],
                              capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT)
        outs.append(proc.stdout)
        errs.append(proc.stderr)
        worst = max(worst, proc.returncode) if proc.returncode >= 0 else proc.returncode
    return "".join(outs), "".join(errs), worst


# -- unified diffs, applied strictly ------------------------------------------------------

class PatchError(Exception):
    pass


def split_diff(diff: str) -> dict[str, list[str]]:
    """File path -> its diff lines (split at "\\n" only, like patch)."""
    files: dict[str, list[str]] = {}
    current = None
    lines = diff.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- a/") and i + 1 < len(lines) and lines[i + 1].startswith("+++ b/"):
            current = line[len("--- a/"):]
            files[current] = []
            i += 2
            continue
        if current is not None and (line or i < len(lines) - 1):
            files[current].append(line)
        i += 1
    return files


def patch_lines(text: str) -> list[str]:
    """Lines as diff sees them: split at "\\n", keeping it (a "\\r" stays in its line)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(original: str, diff_lines: list[str]) -> str:
    """Apply one file's unified diff to ``original``; PatchError if anything does not match."""
    old = patch_lines(original)
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(diff_lines):
        m = _HUNK.match(diff_lines[i])
        if not m:
            raise PatchError(f"expected a hunk header, got {diff_lines[i]!r}")
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        if start < pos:
            raise PatchError("overlapping hunks")
        out.extend(old[pos:start])
        pos = start
        i += 1
        while i < len(diff_lines) and not diff_lines[i].startswith("@@"):
            line = diff_lines[i]
            no_newline = i + 1 < len(diff_lines) and diff_lines[i + 1].startswith("\\ No newline")
            body = line[1:] + ("" if no_newline else "\n")
            if line[:1] in (" ", "-"):
                if pos >= len(old) or old[pos] != body:
                    raise PatchError(f"line {pos + 1} does not match: {body!r} vs "
                                     f"{old[pos] if pos < len(old) else 'EOF'!r}")
                if line[0] == " ":
                    out.append(body)
                pos += 1
            elif line[:1] == "+":
                out.append(body)
            else:
                raise PatchError(f"unexpected diff line {line!r}")
            i += 2 if no_newline else 1
    out.extend(old[pos:])
    return "".join(out)


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, bom) the way Python reads a source file (independent of blaslint)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
    return data.decode("utf-8" if encoding == "utf-8-sig" else encoding), encoding, bom


# -- the checks -----------------------------------------------------------------------------

@dataclass
class CorpusReport:
    name: str
    files: int = 0
    lines: int = 0
    bytes: int = 0
    findings: Counter = field(default_factory=Counter)
    fixed_files: int = 0
    seconds_lint: float = 0.0
    seconds_fix: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def internal_errors(self) -> int:
        return self.findings.get("BL999", 0)


def check_corpus(name: str, files: list[str], workdir: str, verify_writes: bool = True) -> CorpusReport:
    rep = CorpusReport(name, files=len(files))
    for p in files:
        with open(p, "rb") as fh:
            data = fh.read()
        rep.bytes += len(data)
        rep.lines += data.count(b"\n")

    t = time.perf_counter()
    out, err, code = blaslint(["--output-format", "json", "--exit-zero"], files)
    rep.seconds_lint = time.perf_counter() - t
    _no_traceback(rep, "lint", err, code, allowed=(0,))
    try:
        for d in _json_batches(out):
            rep.findings[d["code"]] += 1
            if d["code"] == "BL999":
                rep.problems.append(f"BL999 in {d['filename']}: {d['message']}")
    except (ValueError, KeyError) as exc:
        rep.problems.append(f"lint: unreadable JSON output ({exc})")

    t = time.perf_counter()
    diff, err, code = blaslint(["--fix", "--unsafe-fixes", "--diff"], files)
    rep.seconds_fix = time.perf_counter() - t
    _no_traceback(rep, "fix --diff", err, code, allowed=(0, 1))
    patched = {}
    for path, lines in split_diff(diff).items():
        try:
            with open(path, "rb") as fh:
                text, encoding, bom = decode(fh.read())
            new = apply_patch(text, lines)
            ast.parse(new, filename=path)
            new.encode(encoding)
            patched[path] = (new, encoding, bom)
        except (PatchError, SyntaxError, ValueError, UnicodeError, OSError) as exc:
            rep.problems.append(f"{path}: the fix diff does not apply or parse: {type(exc).__name__}: {exc}")
    rep.fixed_files = len(patched)
    if verify_writes and patched:
        _verify_written_fixes(rep, patched, workdir)
    return rep


def _json_batches(out: str):
    """The findings of one JSON list per batch, concatenated."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(out) and out[pos].isspace():
            pos += 1
        if pos >= len(out):
            return
        batch, pos = decoder.raw_decode(out, pos)
        yield from batch


def _no_traceback(rep: CorpusReport, what: str, err: str, code: int, allowed) -> None:
    if "Traceback (most recent call last)" in err:
        first = err[err.index("Traceback"):][:1500]
        rep.problems.append(f"{what}: traceback on stderr:\n{first}")
    if code not in allowed:
        rep.problems.append(f"{what}: exit code {code}\n{err[-1500:]}")


def _verify_written_fixes(rep: CorpusReport, patched: dict, workdir: str) -> None:
    """--fix on copies writes exactly the patched bytes; a second run changes nothing."""
    copies = {}
    for i, path in enumerate(sorted(patched)):
        dst = os.path.join(workdir, rep.name, f"{i:05d}", os.path.basename(path))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(path, dst)
        copies[dst] = path
    targets = sorted(copies)
    _, err, code = blaslint(["--fix", "--unsafe-fixes", "--exit-zero"], targets)
    _no_traceback(rep, "fix (write)", err, code, allowed=(0,))
    for dst, src in copies.items():
        new, encoding, bom = patched[src]
        want = (codecs.BOM_UTF8 if bom else b"") + new.encode(encoding)
        with open(dst, "rb") as fh:
            if fh.read() != want:
                rep.problems.append(f"{src}: --fix wrote other bytes than its --diff shows")
    again, err, code = blaslint(["--fix", "--unsafe-fixes", "--diff"], targets)
    _no_traceback(rep, "second fix --diff", err, code, allowed=(0, 1))
    for path in split_diff(again):
        rep.problems.append(f"{copies.get(path, path)}: not idempotent: a second --fix changes it again")
    out, err, code = blaslint(["--output-format", "json", "--exit-zero"], targets)
    _no_traceback(rep, "lint of fixed files", err, code, allowed=(0,))
    if '"BL999"' in out:
        rep.problems.append("BL999 when linting the fixed files")


def print_report(reports: list[CorpusReport]) -> None:
    codes = sorted({c for r in reports for c in r.findings})
    print(f"{'corpus':<8} {'files':>6} {'lines':>9} {'MB':>6} {'lint s':>7} {'fix s':>7} {'fixed':>6} {'BL999':>5}")
    for r in reports:
        print(f"{r.name:<8} {r.files:>6} {r.lines:>9} {r.bytes / 1e6:>6.1f} {r.seconds_lint:>7.1f} "
              f"{r.seconds_fix:>7.1f} {r.fixed_files:>6} {r.internal_errors:>5}")
    total = CorpusReport("total", sum(r.files for r in reports), sum(r.lines for r in reports),
                         sum(r.bytes for r in reports), sum((r.findings for r in reports), Counter()),
                         sum(r.fixed_files for r in reports), sum(r.seconds_lint for r in reports),
                         sum(r.seconds_fix for r in reports))
    print(f"{'total':<8} {total.files:>6} {total.lines:>9} {total.bytes / 1e6:>6.1f} {total.seconds_lint:>7.1f} "
          f"{total.seconds_fix:>7.1f} {total.fixed_files:>6} {total.internal_errors:>5}")
    print("\nfindings per code:")
    print("code   " + " ".join(f"{r.name:>8}" for r in reports) + f" {'total':>8}")
    for c in codes:
        print(f"{c:<6} " + " ".join(f"{r.findings.get(c, 0):>8}" for r in reports) + f" {total.findings[c]:>8}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated: numpy,scipy,sklearn,torch,stdlib")
    ap.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH", help="an extra tree")
    ap.add_argument("--subset", type=int, default=0, metavar="K", help="K files per corpus (0: all)")
    ap.add_argument("--no-write-check", action="store_true", help="skip step 3 (--fix on copies)")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    roots = corpus_roots(only) if not args.corpus or only else {}
    for item in args.corpus:
        name, _, path = item.partition("=")
        roots[name] = os.path.expanduser(path)
    reports = []
    with tempfile.TemporaryDirectory(prefix="blaslint-corpus-") as work:
        for name, root in roots.items():
            files = python_files(root)
            if args.subset:
                files = subset(files, root, args.subset)
            print(f"{name}: {len(files)} files under {root}", file=sys.stderr, flush=True)
            reports.append(check_corpus(name, files, work, not args.no_write_check))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {sys.platform}")
    print_report(reports)
    problems = [p for r in reports for p in r.problems]
    for p in problems:
        print(f"PROBLEM: {p}")
    print(f"\n{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
