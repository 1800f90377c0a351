"""Every labelled set at once: lint, score, and print what a change did to each (the +/- list to read).

The dev set and every held-out set (``benchmarks/real_labels``, ``benchmarks/heldout*_labels``) are linted
with the blaslint on the path (or ``BLASLINT_SRC``), scored as ``real_corpus.py`` scores one set, and dumped::

    python benchmarks/all_sets.py --out /tmp/before.json               # one line per set, findings dumped
    python benchmarks/all_sets.py --out /tmp/after.json --against /tmp/before.json   # ... and the +/- list

Per set: recall (labelled instances found), the WORTH instances found, and the default view's shares:
WORTH findings shown, NEGLIGIBLE findings shown, WRONG findings shown (severity above info), and the
findings nobody has read yet. The +/- list names each added or removed finding with its verdict, so every
new finding can be read before a change is kept.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_corpus as rc  # a sibling script, not a package

HERE = os.path.dirname(os.path.abspath(__file__))


def label_sets() -> list[str]:
    held = sorted(glob.glob(os.path.join(HERE, "heldout*_labels")),
                  key=lambda p: int("".join(ch for ch in os.path.basename(p) if ch.isdigit()) or 1))
    return [os.path.join(HERE, "real_labels")] + held


def set_name(folder: str) -> str:
    base = os.path.basename(folder.rstrip("/"))
    return "dev" if base == "real_labels" else "h" + ("".join(ch for ch in base if ch.isdigit()) or "1")


def lint_set(folder: str, checkouts: str, mirrors: str) -> tuple[dict, list[dict]]:
    """Score one labels folder; return its scores and its findings, each with the verdict it got."""
    rc.LABELS = folder
    lines = rc.read_repo_lines()
    roots = {repo: rc.ensure_checkout(repo, commit, checkouts, mirrors, scope) for repo, commit, scope in lines}
    missing = [repo for repo, root in roots.items() if root is None]
    for repo in missing:
        print(f"warning: no checkout or mirror of {repo}: skipped", file=sys.stderr)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # each lint is its own process
        raws = dict(zip(roots, pool.map(lambda r: rc.lint(["."], r) if r else [], roots.values())))
    findings_by_repo = {}
    for repo, raw in raws.items():
        if roots[repo] is None:
            continue
        for r in raw:
            if r["code"] == "BL999":
                print(f"INTERNAL ERROR {repo} {r['filename']}: {r['message'][:160]}", file=sys.stderr)
        findings_by_repo[repo] = [rc.normalise(repo, roots[repo], r) for r in raw if not r["code"].startswith("BL9")]
    repos = [(r, c) for r, c, _ in lines]
    result = rc.score(repos, findings_by_repo)
    dumped = [{**f, "set": set_name(folder), "verdict": result["verdicts"][rc.finding_key(f)]}
              for rows in findings_by_repo.values() for f in rows]
    return result, dumped


def summary_row(name: str, result: dict) -> str:
    total = {"labels": 0, "found": 0, "worth": 0, "found_worth": 0}
    for c in result["per_rule"].values():
        for key in total:
            total[key] += c[key]
    dv = result["default_view"]

    def share(verdict):
        allv = dv[f"all_{verdict}"]
        return f"{dv[verdict]}/{allv}" + (f" ({dv[verdict] / allv:.0%})" if allv else "")
    recall = f"{total['found']}/{total['labels']}" + (f" ({total['found'] / total['labels']:.0%})" if total["labels"] else "")
    return (f"| {name} | {recall} | {total['found_worth']}/{total['worth']} | {share('WORTH')} | "
            f"{share('NEGLIGIBLE')} | {share('WRONG')} | {dv['all_UNREVIEWED']} |")


def print_diff(current: list[dict], previous: list[dict]) -> None:
    def key(f):
        return (f["set"],) + rc.finding_key(f)
    old = {key(f): f for f in previous}
    new = {key(f): f for f in current}
    added = [f for k, f in sorted(new.items()) if k not in old]
    removed = [f for k, f in sorted(old.items()) if k not in new]
    changed = [(old[k], f) for k, f in sorted(new.items()) if k in old and rc.shown(old[k]) != rc.shown(f)]
    print(f"\n## Against {len(previous)} earlier findings: +{len(added)} -{len(removed)}, "
          f"{len(changed)} changed between shown and info\n")
    for sign, rows in (("+", added), ("-", removed)):
        for f in rows:
            cell = f"cell {f['cell']}:" if f.get("cell") else ""
            print(f"{sign} {f['set']} {f['verdict']} {f['repo']} {f['path']}:{cell}{f['line']} {f['code']} "
                  f"[{f['severity']}] {f['message'][:150]}")
    for before, after in changed:
        print(f"~ {after['set']} {after['verdict']} {after['repo']} {after['path']}:{after['line']} {after['code']} "
              f"{before['severity']} -> {after['severity']}")


def missed_labels(folders: list[str], findings: list[dict], worth: str) -> list[tuple[str, dict]]:
    """(set, label) of every instance labelled ``worth`` that no finding of its rule matches."""
    by_repo: dict[tuple, list] = {}
    for f in findings:
        by_repo.setdefault((f["set"], f["repo"]), []).append(f)
    out = []
    for folder in folders:
        name = set_name(folder)
        rc.LABELS = folder
        for repo, _ in rc.read_repos():
            for lb in rc.read_jsonl(os.path.join(folder, f"{rc.slug(repo)}.jsonl")):
                if lb.get("label") == worth and not any(rc.matches(f, lb) for f in by_repo.get((name, repo), [])):
                    out.append((name, {**lb, "repo": repo}))
    return out


def write_queue(path: str, findings: list[dict], checkouts: str) -> None:
    """A reviewer's queue: where each finding is (cells counted from 0, as labels count them) and what it says."""
    with open(path, "w", encoding="utf-8") as fh:
        for f in findings:
            row = {"checkout": os.path.join(checkouts, rc.slug(f["repo"])), "repo": f["repo"], "path": f["path"],
                   "line": f["line"], "end_line": f["end_line"], "rule": f["code"], "message": f["message"]}
            if f.get("cell"):
                row["cell"] = f["cell"] - 1
            fh.write(json.dumps(row) + "\n")
    print(f"\n{len(findings)} unreviewed findings written to {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkouts", default=os.environ.get("BLASLINT_DEVSET", "/work/devset"))
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--sets", nargs="*", help="only these sets (dev, h1, h2, ...)")
    ap.add_argument("--out", help="dump every finding with its verdict to this JSON file")
    ap.add_argument("--against", help="an earlier dump: print the findings added and removed since")
    ap.add_argument("--queue", help="write the unreviewed findings here, one JSON object a line, for a blind review")
    ap.add_argument("--missed", choices=("WORTH", "NEGLIGIBLE"),
                    help="list the labelled instances of this worth that no finding of their rule covers")
    args = ap.parse_args(argv)
    folders = [f for f in label_sets() if not args.sets or set_name(f) in args.sets]
    print("| set | recall | WORTH instances found | WORTH findings shown | NEGLIGIBLE shown | WRONG shown | unreviewed |")
    print("|---|---|---|---|---|---|---|")
    dumped = []
    for folder in folders:
        result, rows = lint_set(folder, args.checkouts, args.mirrors)
        dumped.extend(rows)
        print(summary_row(set_name(folder), result), flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(dumped, fh, indent=0, sort_keys=True)
    if args.missed:
        rows = missed_labels(folders, dumped, args.missed)
        print(f"\n## {args.missed} instances no finding covers ({len(rows)})\n")
        for s_name, lb in rows:
            cell = f"cell {lb['cell']}:" if lb.get("cell") is not None else ""
            print(f"{s_name} {lb.get('rule')} {lb.get('repo', '')} {lb['path']}:{cell}{lb.get('line')} | "
                  f"{(lb.get('what') or '')[:70]} | {(lb.get('reason') or '')[:150]}")
    if args.queue:
        write_queue(args.queue, [f for f in dumped if f["verdict"] == "UNREVIEWED"], args.checkouts)
    if args.against:
        with open(args.against, encoding="utf-8") as fh:
            previous = [f for f in json.load(fh) if f["set"] in {set_name(p) for p in folders}]
        print_diff(dumped, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
