"""``blaslint measure [PATHS] -- COMMAND``: lint, run the command instrumented, report.

Exit status: the command's own (124 when it timed out, like ``timeout``), or
2 for a usage error before anything ran.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

SAFETY = ("Safety: measure runs exactly the command you give after `--` (and nothing else); the modules under "
          "PATHS that have findings are rewritten in memory only (no file is written, no bytecode cached) to time "
          "the flagged expressions; fixes are timed only on private copies of captured operands and only when "
          "they call numpy/scipy/torch without writing an operand. Plain `blaslint PATHS` never imports or runs "
          "your code.")
EXIT_TIMEOUT, EXIT_USAGE = 124, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="blaslint measure", formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="blaslint measure [OPTIONS] [PATHS ...] -- COMMAND [ARGS ...]",
        description="Run COMMAND (python script.py | python -m mod | pytest ...) with the sites blaslint flags "
                    "under PATHS timed, their operands' shapes recorded, and each side-effect-free fix timed on "
                    "copies of the operands; print the findings ranked by measured time saved.",
        epilog=SAFETY)
    p.add_argument("paths", nargs="*", help="files or directories whose findings are measured (default: .)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop the command after this long; the partial table is still printed")
    p.add_argument("--output-format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output-file", metavar="PATH")
    p.add_argument("--facts-out", metavar="FILE",
                   help="write the shapes/dtypes/orders observed per site and per function parameter (JSON; "
                        "recording parameters profiles every call into functions under PATHS, which slows the timed "
                        "sites too: time without it)")
    p.add_argument("--samples", type=int, default=3, help="operand samples copied per site to time a fix (default 3)")
    p.add_argument("--sample-memory", type=float, default=256, metavar="MB",
                   help="memory for copied operands per site (default 256 MB)")
    p.add_argument("--replay-seconds", type=float, default=2.0, metavar="S",
                   help="time spent timing fixes per site (default 2 s)")
    p.add_argument("--no-replay", action="store_true", help="do not time fixes")
    p.add_argument("--select", default=None, help="comma-separated rule codes or prefixes")
    p.add_argument("--config", metavar="PATH")
    p.add_argument("--isolated", action="store_true")
    return p


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" not in argv:
        return argv, []
    i = argv.index("--")
    return argv[:i], argv[i + 1:]


def main_measure(argv: list[str]) -> int:
    from blaslint.measure import command as cmd
    from blaslint.measure.findings import FindingsError, lint_paths
    from blaslint.measure.instrument import instrument
    from blaslint.measure.sites import find_sites

    ours, command = split_argv(argv)
    parser = build_parser()
    args = parser.parse_args(ours)
    if not command:
        parser.print_usage(sys.stderr)
        print("blaslint measure: error: give the command to run after `--` (e.g. `-- python train.py`)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        prefix, target = cmd.parse_command(command)
    except cmd.CommandError as exc:
        print(f"blaslint measure: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    paths = args.paths or ["."]
    try:
        select = [c.strip() for c in args.select.split(",") if c.strip()] if args.select else None
        files = lint_paths(paths, args.config, args.isolated, select)
    except FindingsError as exc:
        print(f"blaslint measure: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    sites, plan_files, next_id = [], {}, 0
    for ff in files:
        if not ff.diagnostics:
            continue
        file_sites, module, _ = find_sites(ff, next_id)
        next_id += len(file_sites)
        sites.extend(file_sites)
        if module is not None and any(s.kind for s in file_sites):
            plan_files[os.path.realpath(ff.path)] = {
                "sha256": hashlib.sha256(ff.text.encode("utf-8", "surrogatepass")).hexdigest(),
                "source": instrument(module, file_sites)}

    tmp = tempfile.mkdtemp(prefix="blaslint-measure-")
    try:
        plan = {"files": plan_files, "sites": [s.plan() for s in sites if s.kind],
                "records": os.path.join(tmp, "records.json"), "target": target, "no_replay": args.no_replay,
                "budget": {"samples": max(0, args.samples), "bytes": int(args.sample_memory * 2**20),
                           "seconds": args.replay_seconds},
                "param_files": [os.path.realpath(ff.path) for ff in files] if args.facts_out else []}
        plan_path = os.path.join(tmp, "plan.json")
        with open(plan_path, "w", encoding="utf-8") as fh:
            json.dump(plan, fh)
        # JSON goes to stdout: the command's own output then goes to stderr.
        stdout = sys.stderr if args.output_format == "json" and not args.output_file else None
        outcome = cmd.run(cmd.child_argv(prefix, plan_path), args.timeout, stdout=stdout)
        records = None
        if os.path.exists(plan["records"]):
            with open(plan["records"], encoding="utf-8") as fh:
                records = json.load(fh)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _report(args, command, sites, records, outcome)


def _report(args, command, sites, records, outcome) -> int:
    from blaslint.measure import doctor as doctor_mod
    from blaslint.measure import facts_out, table
    from blaslint.measure.report import TOLERANCE, rows

    doctor = (records or {}).get("doctor")
    if doctor and "cpu" in doctor:
        doctor["warnings"] = doctor_mod.warnings(doctor, uses_processes=bool(records.get("processes")))
    report = {"command": {"argv": command, "returncode": outcome.returncode, "timed_out": outcome.timed_out,
                          "signal": outcome.signal, "seconds": outcome.seconds},
              "records": records is not None, "records_status": (records or {}).get("status"),
              "doctor": doctor, "tolerance": TOLERANCE, "rows": rows(sites, records)}
    text = table.render_json(report) if args.output_format == "json" else table.render_table(
        report, color=not args.output_file and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if args.facts_out:
        facts_out.write(args.facts_out, facts_out.build(sites, records, command, os.getcwd()))
    if outcome.timed_out:
        return EXIT_TIMEOUT
    rc = outcome.returncode
    return rc if rc is not None and rc >= 0 else 128 + (-rc if rc is not None else 9)
