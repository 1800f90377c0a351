"""The ``check`` command: settings -> files -> findings -> output -> exit code.

Glue between the CLI's parsed arguments and the engine. Kept apart from
``cli.py`` so that argument parsing stays free of behaviour.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections import Counter

from blaslint.project.config import ConfigError, Settings, load_settings
from blaslint.core.diagnostics import INTERNAL_ERROR, UNUSED_NOQA, Diagnostic
from blaslint.project.discover import discover
from blaslint.report import ReportEnv
from blaslint.report.formats import renderer
from blaslint.core.runner import RunOptions, check_text, run
from blaslint.core.source import SourceError, SourceText
from blaslint.core.visibility import hidden_note, sort_by_cost, split

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class CheckError(Exception):
    """A usage or environment error (exit 2)."""


def default_paths(args) -> list[str]:
    """The paths to lint: as given, else stdin when --stdin-filename is given (like ruff), else '.'."""
    return args.paths or (["-"] if args.stdin_filename else ["."])


def settings_for(args) -> Settings:
    paths = default_paths(args)
    start = args.stdin_filename or (paths[0] if paths[0] != "-" else ".")
    try:
        settings = load_settings(args.config, start if os.path.exists(start) else ".", args.isolated)
        if args.select is not None:  # like ruff: a command-line selection starts over
            settings.select = args.select
            settings.ignore, settings.extend_select = [], []
        if args.ignore is not None:
            settings.ignore = [*settings.ignore, *args.ignore]
        if args.extend_select is not None:
            settings.extend_select = [*settings.extend_select, *args.extend_select]
        if args.per_file_ignores:
            for item in args.per_file_ignores:
                glob, sep, codes = item.rpartition(":")
                if not sep or not glob:
                    raise ConfigError(f"--per-file-ignores expects GLOB:CODES, got {item!r}")
                settings.per_file_ignores[glob] = [c for c in codes.split(",") if c]
        if args.exclude is not None:
            settings.exclude = args.exclude
        if args.extend_exclude is not None:
            settings.extend_exclude = [*settings.extend_exclude, *args.extend_exclude]
        if args.respect_gitignore is not None:
            settings.respect_gitignore = args.respect_gitignore
        if args.force_exclude is not None:
            settings.force_exclude = args.force_exclude
        if args.unsafe_fixes is not None:
            settings.unsafe_fixes = args.unsafe_fixes
        if getattr(args, "show_all", False):
            settings.min_severity = "info"
        elif getattr(args, "min_severity", None) is not None:
            settings.min_severity = args.min_severity
        if getattr(args, "facts", None):
            settings.facts = args.facts
        from blaslint.project.config import load_runtime_facts
        load_runtime_facts(settings)
        settings.selected_codes()  # validate selectors now
        for codes in settings.per_file_ignores.values():
            from blaslint.project.config import expand_codes
            expand_codes(codes)
    except ConfigError as exc:
        raise CheckError(str(exc)) from None
    return settings


def check_command(args) -> int:
    settings = settings_for(args)
    # BL902 is opt-in: only a selector naming BL9/BL90/BL902 (never ALL) selects it.
    report_unused = args.report_unused_noqa or UNUSED_NOQA in settings.selected_codes()
    options = RunOptions(
        fix=bool(args.fix), unsafe_fixes=settings.unsafe_fixes, diff=args.diff,
        report_unused_noqa=report_unused, jobs=args.jobs,
        cache_dir=None if args.no_cache or args.diff or args.fix else (
            args.cache_dir or os.environ.get("BLASLINT_CACHE_DIR") or os.path.join(settings.project_root, ".blaslint_cache")),
    )
    if args.jobs is not None and args.jobs < 1:
        raise CheckError("--jobs must be at least 1")
    paths = default_paths(args)
    results = []
    errors: list[str] = []
    missing: list[str] = []
    if paths == ["-"]:
        results.append(_check_stdin(args, settings, options))
    else:
        if "-" in paths:
            raise CheckError("'-' (stdin) cannot be combined with other paths")
        found = discover(paths, settings)
        # A path that does not exist is a usage error (exit 2), reported once;
        # the paths that do exist are still linted (not for a baseline: it
        # would record a partial run).
        missing = found.missing
        for m in missing:
            print(f"blaslint: error: {m}: no such file or directory", file=sys.stderr)
        if missing and (args.write_baseline or not found.files):
            return EXIT_ERROR
        files = found.files
        _warn_unmatched_facts(settings, files)
        if options.fix and not options.diff:
            options.extra["write_roots"] = write_roots(paths)
        results = list(_run_with_progress(files, settings, options, args))
    for r in results:
        errors.extend(r.errors)
    diags: list[Diagnostic] = [d for r in results for d in r.diagnostics]
    diags.sort(key=Diagnostic.sort_key)
    fixes_applied = sum(r.fixes_applied for r in results if r.fixed_text is not None)

    # -- CI adoption filters -------------------------------------------------
    if args.write_baseline:
        from blaslint.project.baseline import BaselineError, write_baseline

        try:
            recorded = write_baseline(args.write_baseline, diags, settings)
        except BaselineError as exc:
            raise CheckError(str(exc)) from None
        if not args.silent:
            print(f"blaslint: wrote {recorded} findings to {args.write_baseline}", file=sys.stderr)
        return EXIT_CLEAN
    stale = []
    if args.baseline:
        from blaslint.project.baseline import BaselineError, filter_baseline, stale_report

        try:
            diags, stale = filter_baseline(args.baseline, diags, settings, prune=args.baseline_prune,
                                           checked=[r.path for r in results])
        except BaselineError as exc:
            raise CheckError(str(exc)) from None
        if not args.silent:
            sys.stderr.write(stale_report(stale, args.baseline, pruned=args.baseline_prune))
    elif args.baseline_prune:
        raise CheckError("--baseline-prune needs --baseline FILE")
    if args.since:
        from blaslint.project.since import SinceError, filter_since

        try:
            diags = filter_since(args.since, diags, paths)
        except SinceError as exc:
            raise CheckError(str(exc)) from None

    for e in errors:
        print(e, file=sys.stderr)

    # -- what is shown: min-severity, order (blaslint.core.visibility) ------------------
    diags, hidden = split(diags, settings.min_severity)
    if getattr(args, "sort", "path") == "cost":
        diags = sort_by_cost(diags)

    # -- output -----------------------------------------------------------------
    out_text = ""
    if args.diff:
        out_text = _diff_text(results)
    elif not args.silent:
        fmt = args.output_format or os.environ.get("BLASLINT_OUTPUT_FORMAT") or "full"
        if args.statistics:
            out_text = statistics_text(diags, args.output_format == "json", settings.unsafe_fixes)
        else:
            color = _use_color(args)
            env = ReportEnv(color=color, show_fixes=args.show_fixes, unsafe_fixes=settings.unsafe_fixes,
                            fixes_applied=fixes_applied, files_checked=len(results),
                            sources={r.path: r.source for r in results if r.source is not None},
                            project_root=settings.project_root, hidden=len(hidden),
                            hidden_note=hidden_note(hidden))
            if fmt == "full" and not env.sources:
                env.sources = _load_sources(diags)
            out_text = renderer(fmt)(diags, env)
            if args.quiet and fmt in ("full", "concise"):
                out_text = _strip_summary(out_text)
            if args.show_fixes and fixes_applied:
                sys.stderr.write(_fixed_summary(results))
    if out_text:
        if getattr(args, "report_to_stderr", False) and not args.output_file:
            sys.stderr.write(out_text)
        else:
            _emit(out_text, args.output_file)

    if missing or any(d.code == INTERNAL_ERROR for d in diags) and not args.exit_zero:
        return EXIT_ERROR
    if args.exit_non_zero_on_fix and fixes_applied:
        return EXIT_FINDINGS
    if args.exit_zero:
        return EXIT_CLEAN
    if args.diff:
        return EXIT_FINDINGS if any(r.fixed_text is not None for r in results) else EXIT_CLEAN
    return EXIT_FINDINGS if diags else EXIT_CLEAN


def _warn_unmatched_facts(settings, files) -> None:
    """A facts file that describes none of the linted files was written for another tree: say so."""
    facts = settings.runtime_facts
    if not facts or not files:
        return
    from blaslint.analysis.runtime_facts import unmatched_paths

    described = {p for (p, _, _) in facts}
    unmatched = unmatched_paths(facts, files)
    if len(unmatched) == len(described):
        shown = ", ".join(unmatched[:3]) + (", ..." if len(unmatched) > 3 else "")
        print(f"blaslint: warning: facts file {settings.facts} describes none of the linted files (it has facts "
              f"for {shown}; paths are relative to where `blaslint measure` ran): no runtime evidence used",
              file=sys.stderr)


def write_roots(paths: list[str]) -> list[str]:
    """Real paths under which ``--fix`` may write: the directories given, and
    the folders of the files given (a symlink out of them is never written)."""
    roots = []
    for p in paths:
        if os.path.lexists(p):
            roots.append(os.path.realpath(p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))))
    return roots


def _run_with_progress(files, settings, options, args):
    show = not args.no_progress and not args.silent and sys.stderr.isatty() and len(files) > 1
    cache = None
    if options.cache_dir:
        try:
            from blaslint.project.cache import Cache
        except ImportError:  # pragma: no cover
            Cache = None
        if Cache is not None:
            cache = Cache(options.cache_dir, settings, options)
    gen = cache.run(files, run) if cache is not None else run(files, settings, options)
    if not show:
        yield from gen
        return
    from blaslint.cli.progress import LazyProgress

    with LazyProgress(len(files), _stderr_console()) as progress:  # drawn only once the run takes long
        for r in gen:
            progress.advance()
            yield r


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)


def _check_stdin(args, settings: Settings, options: RunOptions):
    data = sys.stdin.buffer.read()
    path = args.stdin_filename or "-"
    from blaslint.core.engine import FileResult, read_error_diagnostic

    if args.stdin_filename and settings.force_exclude:
        from blaslint.project.discover import _is_excluded

        if _is_excluded(args.stdin_filename, settings):  # like ruff: excluded, so nothing to report
            if options.fix and not options.diff:
                sys.stdout.buffer.write(data)
            return FileResult(path=path)

    if path.endswith(".ipynb"):
        from blaslint.core.runner import process_notebook_bytes

        result = process_notebook_bytes(path, data, settings, options)
    else:
        try:
            source = SourceText.from_bytes(data)
        except SourceError as exc:
            return FileResult(path=path, diagnostics=[read_error_diagnostic(path, str(exc))])
        result = check_text(source, path, settings, options)
    if options.fix and not options.diff:
        # ruff's convention: with --fix on stdin, the (fixed or unchanged) code goes to
        # stdout and the remaining findings to stderr.
        if result.fixed_text is not None:
            sys.stdout.write(result.fixed_text)
        else:
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
        args.report_to_stderr = True
    return result


def _diff_text(results) -> str:
    chunks = []
    for r in results:
        if r.fixed_text is None or r.source is None:
            continue
        old = _diff_lines(r.source.text)
        new = _diff_lines(r.fixed_text)
        for line in difflib.unified_diff(old, new, fromfile=f"a/{r.path}", tofile=f"b/{r.path}"):
            chunks.append(line)
            if not line.endswith("\n"):  # the last line of a side without a final newline
                chunks.append("\n\\ No newline at end of file\n")
    n = sum(1 for r in results if r.fixed_text is not None)
    if n:
        fixes = sum(r.fixes_applied for r in results)
        print(f"Would fix {fixes} error{'s' if fixes != 1 else ''} in {n} file{'s' if n != 1 else ''}.",
              file=sys.stderr)
    return "".join(chunks)


def _diff_lines(text: str) -> list[str]:
    """Lines as ``diff``/``patch`` see them: split at "\\n" only.

    ``str.splitlines`` also splits at form feeds, "\\x1c", "\\u2028", ... which
    would glue two diff lines together; a "\\r\\n" line keeps its "\\r".
    """
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def _fixed_summary(results) -> str:
    lines = ["Fixed:"]
    for r in results:
        if r.fixed_text is not None:
            lines.append(f"  {r.path}: {r.fixes_applied} fix{'es' if r.fixes_applied != 1 else ''}")
    return "\n".join(lines) + "\n"


def statistics_text(diags: list[Diagnostic], as_json: bool = False, unsafe_fixes: bool = False) -> str:
    counts = Counter(d.code for d in diags)
    names = {d.code: d.name for d in diags}
    # like ruff's [*]: fixable by --fix with the current settings
    fixable = Counter(d.code for d in diags if d.fix is not None and (d.fix.is_safe or unsafe_fixes))
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if as_json:
        import json

        return json.dumps([{"code": c, "name": names[c], "count": n, "fixable": fixable[c] == n}
                           for c, n in rows], indent=2) + "\n"
    width = max((len(str(n)) for _, n in rows), default=1)
    return "".join(f"{n:>{width}}\t{c}\t{'[*] ' if fixable[c] else ''}{names[c]}\n" for c, n in rows)


def _use_color(args) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if args.output_file:
        return False
    return sys.stdout.isatty()


def _load_sources(diags) -> dict:
    out = {}
    for path in {d.path for d in diags}:  # a notebook's raw JSON: frames read its cells
        try:
            with open(path, "rb") as fh:
                out[path] = SourceText.from_bytes(fh.read())
        except (OSError, SourceError):
            pass
    return out


def _strip_summary(text: str) -> str:
    keep = []
    for line in text.splitlines(keepends=True):
        if line.startswith(("Found ", "All checks passed", "[*] ", "Fixed ")) or "hidden fix" in line or (
                "hidden (--show-all" in line):
            continue
        keep.append(line)
    return "".join(keep)


def _emit(text: str, output_file: str | None) -> None:
    if output_file:
        directory = os.path.dirname(os.path.abspath(output_file))
        os.makedirs(directory, exist_ok=True)
        with open(output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
