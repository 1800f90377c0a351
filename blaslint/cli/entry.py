"""Command line: argument parsing, exit codes, and nothing else.

``blaslint [check] [PATHS...]`` lints (the default command), ``blaslint rule
CODE`` explains a rule, ``blaslint rules`` lists them, ``blaslint server``
starts the language server, ``blaslint measure [PATHS] -- COMMAND`` runs the
command the user names with the flagged sites timed (the only command that
runs code), ``blaslint doctor`` reports the BLAS in use. Exit codes: 0 no findings, 1 findings, 2 usage or
internal error.
"""

from __future__ import annotations

import argparse
import os
import sys

from blaslint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "rule", "rules", "server", "version", "measure", "doctor")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "junit", "gitlab")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 like ruff, with our prefix
        self.print_usage(sys.stderr)
        print(f"blaslint: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def build_check_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="blaslint", description="Find and fix linear-algebra and BLAS misuse in Python numerical code.")
    p.add_argument("paths", nargs="*", help="files or directories to lint (default: .); '-' reads stdin")
    p.add_argument("--version", action="version", version=f"blaslint {__version__}")
    sel = p.add_argument_group("rule selection")
    sel.add_argument("--select", type=_codes, help="comma-separated codes or prefixes (BL4, ALL)")
    sel.add_argument("--ignore", type=_codes, default=None)
    sel.add_argument("--extend-select", type=_codes, default=None)
    sel.add_argument("--per-file-ignores", action="append", default=None, metavar="GLOB:CODES",
                     help="e.g. 'tests/*:BL301' (repeatable)")
    files = p.add_argument_group("file selection")
    files.add_argument("--exclude", type=_codes, default=None, metavar="GLOBS")
    files.add_argument("--extend-exclude", type=_codes, default=None, metavar="GLOBS")
    files.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None)
    files.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false")
    files.add_argument("--force-exclude", action="store_true", default=None,
                       help="apply excludes to paths given explicitly too")
    files.add_argument("--stdin-filename", metavar="PATH", help="the path of the code read from stdin")
    cfg = p.add_argument_group("configuration")
    cfg.add_argument("--config", metavar="PATH", help="a pyproject.toml (or blaslint.toml) to use")
    cfg.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    cfg.add_argument("--facts", metavar="FILE",
                     help="shapes observed at run time (`blaslint measure --facts-out FILE`): lowest-priority evidence")
    fx = p.add_argument_group("fixes")
    fx.add_argument("--fix", action="store_true", default=None, help="apply safe fixes")
    fx.add_argument("--no-fix", dest="fix", action="store_false")
    fx.add_argument("--unsafe-fixes", dest="unsafe_fixes", action="store_true", default=None,
                    help="also offer and apply unsafe fixes")
    fx.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false")
    fx.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    fx.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    out = p.add_argument_group("output")
    out.add_argument("--output-format", choices=OUTPUT_FORMATS, default=None)
    out.add_argument("-o", "--output-file", metavar="PATH")
    out.add_argument("--statistics", action="store_true", help="count findings per code")
    out.add_argument("--show-all", action="store_true", help="show every finding, negligible ones too "
                     "(same as --min-severity info); their fixes are then applied by --fix too")
    out.add_argument("--min-severity", choices=("info", "warning", "error"), default=None,
                     help="hide findings below this severity (default: warning, or min-severity in config)")
    out.add_argument("--sort", choices=("path", "cost"), default="path",
                     help="order of findings: path (default) or cost (correctness errors, then biggest saving)")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument("--exit-non-zero-on-fix", action="store_true")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    out.add_argument("-s", "--silent", action="store_true", help="print nothing")
    out.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    out.add_argument("--report-unused-noqa", action="store_true", help="report suppressions that suppress nothing (BL902)")
    perf = p.add_argument_group("performance")
    perf.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    perf.add_argument("--cache-dir", metavar="DIR", default=None)
    perf.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    ci = p.add_argument_group("adoption in CI")
    ci.add_argument("--write-baseline", metavar="FILE", help="record today's findings and exit 0")
    ci.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    ci.add_argument("--baseline-prune", action="store_true", help="with --baseline: report baselined findings that are gone")
    ci.add_argument("--since", metavar="REV", help="report only findings on lines changed since git REV")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            cmd, rest = argv[0], argv[1:]
            if cmd == "check":
                return _check(rest)
            if cmd == "version":
                print(f"blaslint {__version__}")
                return EXIT_CLEAN
            if cmd in ("rule", "rules"):
                from blaslint.report.ruledocs import main_rule, main_rules

                return main_rule(rest) if cmd == "rule" else main_rules(rest)
            if cmd == "measure":  # the one command that runs code: the command the user names
                from blaslint.measure.cli import main_measure

                return main_measure(rest)
            if cmd == "doctor":
                from blaslint.measure.doctor import main_doctor

                return main_doctor(rest)
            if cmd == "server":
                from blaslint.integrations.lsp import main_server

                return main_server(rest)
        return _check(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        print("blaslint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `blaslint ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_CLEAN
    except Exception:  # noqa: BLE001 - a crash is exit 2, never 1 ("findings")
        import traceback

        traceback.print_exc()
        print("blaslint: internal error (a bug: please report it with the traceback above)", file=sys.stderr)
        return EXIT_ERROR


def _check(argv: list[str]) -> int:
    from blaslint.cli.checker import CheckError, check_command

    args = build_check_parser().parse_args(argv)
    try:
        return check_command(args)
    except CheckError as exc:
        print(f"blaslint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
