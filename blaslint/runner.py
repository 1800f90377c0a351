"""Run the engine over many files: read, lint, suppress, fix, write; in parallel.

Workers get paths, not trees: each worker reads, lints and (with ``--fix``)
writes its own files, and sends back only the findings, so memory does not
grow with the number of files. Results come back in the order of the sorted
path list, so output is stable whatever the scheduling.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from blaslint import fix as fixmod
from blaslint.config import Settings
from blaslint.diagnostics import INTERNAL_ERROR, Diagnostic
from blaslint.engine import FileResult, lint_source, read_error_diagnostic
from blaslint.source import SourceError, SourceText, read_source, write_atomic
from blaslint.suppress import apply_suppressions

PARALLEL_THRESHOLD = 16   # below this many files, a process pool costs more than it saves


@dataclass
class RunOptions:
    fix: bool = False               # apply fixes (write unless diff)
    unsafe_fixes: bool = False
    diff: bool = False              # compute fixed text, write nothing
    report_unused_noqa: bool = False
    cache_dir: str | None = None    # None: no cache
    jobs: int | None = None         # None: all cores
    extra: dict = field(default_factory=dict)


def lint_text(source: SourceText, path: str, settings: Settings, options: RunOptions,
              errors: list[str] | None = None) -> list[Diagnostic]:
    """Findings for one decoded text after suppressions."""
    codes = settings.codes_for(path)
    diags = lint_source(source, path, codes, errors)
    return apply_suppressions(diags, source, path, options.report_unused_noqa, codes)


def check_text(source: SourceText, path: str, settings: Settings, options: RunOptions) -> FileResult:
    """Lint (and fix, when asked) one decoded text; never writes."""
    result = FileResult(path=path, source=source)
    errors: list[str] = []
    diags = lint_text(source, path, settings, options, errors)
    if (options.fix or options.diff) and any(fixmod.applicable(d, options.unsafe_fixes) for d in diags):
        def relint(text: str) -> list[Diagnostic]:
            s = SourceText(text, source.encoding, source.bom, source.newline)
            return lint_text(s, path, settings, options, errors)

        try:
            outcome = fixmod.fix_to_fixpoint(source.text, relint, options.unsafe_fixes, path)
        except fixmod.FixError as exc:
            errors.append(f"{path}: fix aborted, file left untouched: {exc}")
            diags.append(Diagnostic(INTERNAL_ERROR, f"a fix produced invalid code; file left untouched ({exc})",
                                    path, 1, 1, 1, 1, name="internal-error", stmt_line=1))
        else:
            if outcome.applied:
                result.fixed_text = outcome.text
                result.fixes_applied = outcome.applied
                diags = outcome.remaining
    result.diagnostics = diags
    result.errors = errors
    return result


def process_path(path: str, settings: Settings, options: RunOptions) -> FileResult:
    """Everything for one file; exceptions become findings, never escape."""
    try:
        if path.endswith(".ipynb"):
            from blaslint.notebook import process_notebook

            return process_notebook(path, settings, options)
        try:
            source, data = read_source(path)
        except SourceError as exc:
            return FileResult(path=path, diagnostics=[read_error_diagnostic(path, str(exc))])
        result = check_text(source, path, settings, options)
        result.original_bytes = data
        if result.fixed_text is not None and options.fix and not options.diff:
            write_fixed(path, source, data, result)
        if not options.diff:
            result.source = None  # not needed by reports; keep what crosses processes small
            result.original_bytes = None
        return result
    except Exception as exc:  # noqa: BLE001 - one file must never stop the run
        import traceback

        tb = traceback.format_exc()
        return FileResult(path=path, diagnostics=[Diagnostic(
            INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}", path, 1, 1, 1, 1,
            name="internal-error", stmt_line=1)], errors=[f"{path}: internal error:\n{tb}"])


def write_fixed(path: str, source: SourceText, original: bytes, result: FileResult) -> None:
    """Write the fixed text atomically, unless the file changed since it was read."""
    try:
        with open(path, "rb") as fh:
            current = fh.read()
    except OSError as exc:
        result.errors.append(f"{path}: not written: cannot re-read before writing ({exc})")
        result.fixed_text = None
        return
    if current != original:
        result.errors.append(f"{path}: not written: the file changed while blaslint was fixing it")
        result.diagnostics.append(Diagnostic(
            "BL901", "file changed during the run; fixes not written", path, 1, 1, 1, 1,
            name="unreadable-file", stmt_line=1))
        result.fixed_text = None
        return
    try:
        write_atomic(path, source.to_bytes(result.fixed_text))
    except OSError as exc:
        result.errors.append(f"{path}: not written: {exc}")
        result.fixed_text = None


def _worker(args):
    path, settings, options = args
    return process_path(path, settings, options)


def run(paths: list[str], settings: Settings, options: RunOptions):
    """Yield a FileResult per path, in the order of ``paths``."""
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for p in paths:
            yield process_path(p, settings, options)
        return
    chunksize = max(1, min(16, len(paths) // (jobs * 8)))
    ctx = None
    if sys.platform != "win32":
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("forkserver" if "torch" in sys.modules else "fork")
        except ValueError:  # pragma: no cover
            ctx = None
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        yield from pool.map(_worker, ((p, settings, options) for p in paths), chunksize=chunksize)
