"""Run the engine over many files: read, lint, suppress, fix, write; in parallel.

Workers get paths, not trees: each worker reads, lints and (with ``--fix``)
writes its own files, and sends back only the findings, so memory does not
grow with the number of files. Results come back in the order of the sorted
path list, so output is stable whatever the scheduling.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass, field

import blaslint.rules  # noqa: F401  (the engine's caller registers the rule catalogue)
from blaslint.analysis.reads import recording
from blaslint.core import fix as fixmod
from blaslint.project.config import Settings
from blaslint.core.diagnostics import INTERNAL_ERROR, Diagnostic
from blaslint.analysis import runtime_facts
from blaslint.core.engine import FileResult, lint_source, read_error_diagnostic
from blaslint.core.source import SourceError, SourceText, read_source, write_atomic
from blaslint.core.suppress import apply_suppressions
from blaslint.core.visibility import apply_path_context, strip_hidden_fixes

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
              errors: list[str] | None = None, line_name=None) -> list[Diagnostic]:
    """Findings for one decoded text after suppressions and path context."""
    codes = settings.codes_for(path)
    diags = lint_source(source, path, codes, errors, line_name=line_name,
                        runtime_facts=runtime_facts.for_file(settings.runtime_facts, path))
    diags = apply_path_context(apply_suppressions(diags, source, path, options.report_unused_noqa, codes),
                               path, settings)
    if options.fix or options.diff:  # fixes follow what is shown (blaslint.core.visibility)
        diags = strip_hidden_fixes(diags, settings.min_severity)
    return diags


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
                result.unfixed = diags
                diags = outcome.remaining
    result.diagnostics = diags
    result.errors = errors
    return result


def process_path(path: str, settings: Settings, options: RunOptions) -> FileResult:
    """Everything for one file; exceptions become findings, never escape."""
    try:
        if path.endswith(".ipynb"):
            return process_notebook(path, settings, options)
        try:
            source, data = read_source(path)
        except SourceError as exc:
            return FileResult(path=path, diagnostics=[read_error_diagnostic(path, str(exc))])
        with recording() as read:
            result = check_text(source, path, settings, options)
        result.reads = tuple(read.values())
        result.original_bytes = data
        if options.cache_dir:
            from blaslint.project.cache import content_hash

            result.digest = content_hash(data)
        if result.fixed_text is not None and options.fix and not options.diff:
            write_fixed(path, source, data, result, options.extra.get("write_roots"))
        result.unfixed = None
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


def write_fixed(path: str, source: SourceText, original: bytes, result: FileResult,
                write_roots: list[str] | None = None) -> None:
    """Write the fixed text atomically, unless that could lose or misplace code.

    Not written, and reported (BL901, one line on stderr): a symbolic link (its
    target is fixed when linted under its own name), a file whose real path
    lies outside ``write_roots`` (the real paths of the roots given on the
    command line), a file that changed since it was read, a failed write.
    """
    def refuse(reason: str) -> None:
        result.errors.append(f"{path}: not written: {reason}")
        if result.unfixed is not None:  # nothing was fixed: report what still is there
            result.diagnostics = list(result.unfixed)
        result.fixes_applied = 0
        result.diagnostics.append(Diagnostic(
            "BL901", f"fixes not written: {reason}", path, 1, 1, 1, 1,
            name="unreadable-file", stmt_line=1))
        result.fixed_text = None

    if os.path.islink(path):
        return refuse(f"a symbolic link to {os.path.realpath(path)} (fix the target itself)")
    if write_roots is not None and not _inside(os.path.realpath(path), write_roots):
        return refuse(f"its real path {os.path.realpath(path)} is outside the paths given")
    try:
        with open(path, "rb") as fh:
            current = fh.read()
    except OSError as exc:
        return refuse(f"cannot re-read before writing ({exc.strerror or exc})")
    if current != original:
        return refuse("the file changed while blaslint was fixing it")
    try:
        data = source.to_bytes(result.fixed_text)
    except UnicodeEncodeError as exc:
        return refuse(f"the fixed text cannot be encoded as {source.encoding} ({exc.reason})")
    try:
        write_atomic(path, data)
    except OSError as exc:
        refuse(f"write failed ({exc.strerror or exc}); the original is intact")


# -- notebooks ----------------------------------------------------------------

def process_notebook(path: str, settings: Settings, options) -> FileResult:
    """Read, lint, and (with --fix) fix and write one notebook file."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return FileResult(path=path, diagnostics=[read_error_diagnostic(path, exc.strerror or str(exc))])
    result = process_notebook_bytes(path, data, settings, options)
    if result.fixed_text is not None and options.fix and not options.diff:
        write_fixed(path, result.source, data, result)
    if not options.diff:
        result.source = None
    return result


def process_notebook_bytes(path: str, data: bytes, settings: Settings, options) -> FileResult:
    """Lint (and fix, when asked) a notebook given as bytes; never writes.

    The notebook module turns cells into one text and fixed text back into cells;
    linting and the fix loop's re-lint happen here.
    """
    from blaslint.integrations.notebook import (
        Joined, NotebookError, dump_notebook, fix_cells, join_cells, json_format, masked_texts, parse_notebook,
        to_cell_diagnostic)

    try:
        raw = SourceText.from_bytes(data)
        nb = parse_notebook(raw.text, path)
    except (SourceError, NotebookError) as exc:
        return FileResult(path=path, diagnostics=[read_error_diagnostic(path, f"notebook: {exc}")])
    result = FileResult(path=path, source=raw)
    if not nb.is_python:
        return result
    errors: list[str] = []
    texts = {c.number: c.text for c in nb.cells if c.masked is not None}

    def lint(texts_now: dict[int, str]) -> tuple[Joined, list[Diagnostic]]:
        joined = join_cells(nb.cells, masked_texts(nb, texts_now))
        return joined, lint_text(SourceText(joined.text), path, settings, options, errors,
                                 line_name=joined.line_name)

    joined, diags = lint(texts)
    wants_fix = (options.fix or options.diff) and any(fixmod.applicable(d, options.unsafe_fixes) for d in diags)
    if wants_fix:
        fmt = json_format(raw.text)
        if fmt is None:
            errors.append(f"{path}: fixes not applied: blaslint cannot reproduce this notebook's JSON "
                          "formatting exactly, and will not reformat it")
        else:
            try:
                texts, applied, joined, diags = fix_cells(nb, texts, joined, diags, lint, options.unsafe_fixes, path)
            except fixmod.FixError as exc:
                errors.append(f"{path}: fix aborted, file left untouched: {exc}")
                diags = diags + [Diagnostic(INTERNAL_ERROR, f"a fix produced invalid code; file left untouched "
                                            f"({exc})", path, 1, 1, 1, 1, name="internal-error", stmt_line=1)]
            else:
                if applied:
                    result.fixed_text = dump_notebook(nb, texts, fmt)
                    result.fixes_applied = applied
    cell_diags = [to_cell_diagnostic(d, joined) for d in diags]
    cell_diags += [c.syntax_error for c in nb.cells if c.syntax_error is not None]
    result.diagnostics = sorted(cell_diags, key=Diagnostic.sort_key)
    result.errors = errors
    return result


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


# -- parallel runs -----------------------------------------------------------

CHUNK_BYTES = 256 * 1024   # a task is one big file or several small ones, about this many bytes
_job: tuple[Settings, RunOptions] | None = None   # a worker's settings and options, set once


def _init_worker(settings: Settings, options: RunOptions) -> None:
    global _job
    _job = (settings, options)
    # Everything inherited or imported so far lives as long as the worker: keep
    # the collector from walking it again after every file (and, after a fork,
    # from touching the parent's pages).
    gc.freeze()


def _worker(task: list[tuple[int, str]]) -> list[tuple[int, FileResult]]:
    settings, options = _job
    return [(i, process_path(p, settings, options)) for i, p in task]


def make_tasks(paths: list[str], chunk_bytes: int = CHUNK_BYTES) -> list[list[tuple[int, str]]]:
    """Group ``(index, path)`` into tasks of about ``chunk_bytes``, biggest files first.

    Largest first keeps both workers busy to the end (a big file picked up last
    would leave the other worker idle); grouping the many small files keeps the
    per-task overhead (two pickles and a pipe round-trip) negligible.
    """
    sized = []
    for i, p in enumerate(paths):
        try:
            size = os.stat(p).st_size
        except OSError:
            size = 0
        sized.append((size, i, p))
    sized.sort(key=lambda t: (-t[0], t[1]))
    tasks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    filled = 0
    for size, i, p in sized:
        current.append((i, p))
        filled += size
        if filled >= chunk_bytes:
            tasks.append(current)
            current, filled = [], 0
    if current:
        tasks.append(current)
    return tasks


def run(paths: list[str], settings: Settings, options: RunOptions):
    """Yield a FileResult per path, in the order of ``paths``.

    With several jobs, a process pool works on tasks of :func:`make_tasks`
    (biggest files first); finished results wait in a buffer until every
    earlier path is done, so output order never depends on scheduling. The
    buffer holds findings only (no sources, no trees).
    """
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for p in paths:
            yield process_path(p, settings, options)
        return
    pending: dict[int, FileResult] = {}
    next_index = 0
    for i, result in _pool_results(paths, make_tasks(paths), settings, options, jobs):
        pending[i] = result
        while next_index in pending:
            yield pending.pop(next_index)
            next_index += 1


def _pool_context():
    import multiprocessing

    method = "fork" if sys.platform == "linux" and "torch" not in sys.modules else None
    return multiprocessing.get_context(method)  # None: the platform's default (spawn/forkserver)


def _pool_results(paths, tasks, settings, options, jobs):
    """(index, FileResult) as tasks finish, in any order.

    A worker that dies (a crash in C code, the OOM killer) breaks the pool and
    every task in flight with it: the files not finished are then linted one
    at a time in a one-worker pool, so that only a file that kills its worker
    again is reported as an internal error.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    unfinished = {i for task in tasks for i, _ in task}
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=_pool_context(), initializer=_init_worker,
                             initargs=(settings, options)) as pool:
        futures = {pool.submit(_worker, task) for task in tasks}
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    continue
                for i, r in results:
                    unfinished.discard(i)
                    yield i, r
    left = sorted(unfinished)
    while left:
        with ProcessPoolExecutor(1, mp_context=_pool_context(), initializer=_init_worker,
                                 initargs=(settings, options)) as pool:
            while left:
                i = left[0]
                try:
                    (_, result), = pool.submit(_worker, [(i, paths[i])]).result()
                except BrokenProcessPool:
                    result = FileResult(path=paths[i], diagnostics=[Diagnostic(
                        INTERNAL_ERROR, "internal error: the worker process died while linting this file",
                        paths[i], 1, 1, 1, 1, name="internal-error", stmt_line=1)],
                        errors=[f"{paths[i]}: internal error: the worker process died"])
                    left.pop(0)
                    yield i, result
                    break  # this pool is broken: start another for the rest
                left.pop(0)
                yield i, result
