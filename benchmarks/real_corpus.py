"""The real-code dev set: lint pinned public repositories, score against blind labels, diff against the last run.

Like ruff's ecosystem check, every rule change is judged by what it does to code nobody here wrote::

    python benchmarks/real_corpus.py                    # lint, score, print +/- against the last saved run
    python benchmarks/real_corpus.py --save             # ... and make this run the new reference
    python benchmarks/real_corpus.py --show-unreviewed  # findings no label speaks of, with their source line

Inputs (``benchmarks/real_labels/``): ``repos.txt`` (owner/name and pinned commit), ``<owner>+<name>.jsonl``
(blind instance labels: WORTH / NEGLIGIBLE, and LOOKALIKE for forms that must not be flagged),
``findings/<owner>+<name>.jsonl`` (findings read by hand after the fact: WORTH / NEGLIGIBLE / WRONG) and
``fixes.jsonl`` (maintainers' own fixes: the before must be flagged, the after must not).

Checkouts come from ``--checkouts`` (default ``/work/devset``: one folder ``<owner>+<name>`` a repository) or,
where missing, are extracted from the bare mirrors that the search tool's ``fetch`` leaves in ``--mirrors``.
The public code is never copied into this repository; labels cite path, line and a reason.

Scores:
- recall: instance labels (WORTH + NEGLIGIBLE) with a finding of the same rule on their lines (+-2), per rule;
  WORTH recall separately, and how many WORTH instances the default output shows (severity above info);
- precision: every finding is matched to an instance label (true), a LOOKALIKE label (wrong), a review
  label, or is unreviewed; the default output's share of WORTH / NEGLIGIBLE / WRONG;
- fixes: maintainers' before/after pairs: before flagged, after clean.
"""

from __future__ import annotations

import argparse
import collections
import functools
import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "real_labels")   # --labels switches to another set (the held-out one)
LAST_RUN = os.path.join(LABELS, "last_run.json")
SLACK = 2  # lines of tolerance between a label and a finding


def read_repos() -> list[tuple[str, str]]:
    return [(name, commit) for name, commit, _ in read_repo_lines()]


def read_repo_lines() -> list[tuple[str, str, dict]]:
    """``owner/name commit [only=dir,dir] [skip=dir,dir]``: the part of a repository that was labelled."""
    repos = []
    with open(os.path.join(LABELS, "repos.txt"), encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                name, commit, *rest = line.split()
                scope = {key: tuple(v.strip("/") for v in value.split(",") if v)
                         for key, _, value in (word.partition("=") for word in rest)}
                repos.append((name, commit, scope))
    return repos


def in_scope(path: str, scope: dict) -> bool:
    """Is ``path`` inside the labelled part: under an ``only`` folder (or file) and under no ``skip`` one?"""
    def under(prefixes):
        return any(path == p or path.startswith(p + "/") for p in prefixes)
    return (not scope.get("only") or under(scope["only"])) and not under(scope.get("skip", ()))


def read_jsonl(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    print(f"warning: {path}:{n}: {exc}", file=sys.stderr)
    return rows


def slug(repo: str) -> str:
    return repo.replace("/", "+")


def mirror_git_dir(mirrors: str, repo: str) -> str | None:
    """The git directory ``fetch`` left: a bare ``repo`` folder, or a work tree's ``repo/.git``."""
    base = os.path.join(mirrors, slug(repo), "repo")
    for candidate in (os.path.join(base, ".git"), base):
        if os.path.isdir(candidate):
            return candidate
    return None


def ensure_checkout(repo: str, commit: str, checkouts: str, mirrors: str, scope: dict | None = None) -> str | None:
    """A working tree of ``repo`` at ``commit`` (Python files and notebooks only, in the labelled scope)."""
    dest = os.path.join(checkouts, slug(repo))
    if os.path.isdir(dest):
        return dest
    git_dir = mirror_git_dir(mirrors, repo)
    if git_dir is None:
        return None
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", commit],
                             capture_output=True, text=True, check=True).stdout
    final, dest = dest, dest + ".part"  # extracted aside and renamed: an interrupted run leaves no half tree
    if os.path.isdir(dest):
        import shutil

        shutil.rmtree(dest)
    for row in listing.splitlines():
        meta, path = row.split("\t", 1)
        _, kind, sha = meta.split()
        if kind != "blob" or not path.endswith((".py", ".pyi", ".ipynb")) or not in_scope(path, scope or {}):
            continue
        blob = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "blob", sha], capture_output=True)
        if blob.returncode == 0:  # large blobs may be missing from a snapshot
            target = os.path.join(dest, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(blob.stdout)
    os.makedirs(dest, exist_ok=True)
    os.replace(dest, final)
    return final


def blaslint_command() -> list[str]:
    """``python -m blaslint``; ``BLASLINT_SRC=/path/to/checkout`` lints with another checkout's code."""
    return [sys.executable, "-m", "blaslint"]


def lint_env() -> dict:
    env = dict(os.environ)
    src = os.environ.get("BLASLINT_SRC")
    if src:
        env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@functools.lru_cache(maxsize=None)
def supports(flag: str) -> bool:
    """Does the blaslint being measured know ``flag`` (asked once per run, not once per lint)?"""
    out = subprocess.run(blaslint_command() + ["--help"], capture_output=True, text=True, env=lint_env()).stdout
    return flag in out


def lint(paths: list[str], cwd: str) -> list[dict]:
    cmd = blaslint_command() + ["--no-cache", "--exit-zero", "--output-format", "json", "--select", "ALL"]
    if supports("--show-all"):
        cmd.append("--show-all")
    out = subprocess.run(cmd + paths, capture_output=True, text=True, cwd=cwd, env=lint_env())
    if out.returncode not in (0, 1):
        raise SystemExit(f"blaslint failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout or "[]")


def finding_key(f: dict) -> tuple:
    return (f["repo"], f["path"], f.get("cell") or 0, f["line"], f["code"])


def normalise(repo: str, root: str, raw: dict) -> dict:
    # a file reached through a symlinked folder (pymanopt's docs/examples -> examples) is labelled at its real path
    full = raw["filename"] if os.path.isabs(raw["filename"]) else os.path.join(root, raw["filename"])
    path = os.path.relpath(os.path.realpath(full), os.path.realpath(root))
    return {
        "repo": repo, "path": path.replace(os.sep, "/"), "line": raw["location"]["row"],
        "end_line": raw["end_location"]["row"], "cell": raw.get("cell"), "code": raw["code"],
        "message": raw["message"], "severity": raw.get("severity", "warning"),
        "fix": (raw.get("fix") or {}).get("applicability"), "cost": raw.get("cost"),
    }


def label_span(label: dict) -> tuple[int, int]:
    line = int(label.get("line") or 0)
    end = int(label.get("end_line") or line)
    return line - SLACK, end + SLACK


def matches(finding: dict, label: dict, by_rule: bool = True) -> bool:
    """Does the finding fall on the label? Same rule: within SLACK lines of its span. ``by_rule=False`` (a
    look-alike must not be flagged by any rule): another rule counts only on the label's own line (a
    stored inverse labelled at line 1088, used down to 1112, says nothing of a repeated product at 1112)."""
    if finding["path"] != label["path"].lstrip("./"):
        return False
    # labels count notebook cells from 0 over all cells; blaslint reports them from 1
    if label.get("cell") is not None and (finding.get("cell") or 0) != int(label["cell"]) + 1:
        return False
    same_rule = not label.get("rule") or label["rule"] == finding["code"]
    if by_rule and not same_rule:
        return False
    line = int(label.get("line") or 0)
    if not same_rule:  # the look-alike's own expression: the line the label names
        return finding["line"] <= line <= finding["end_line"]
    lo, hi = line - SLACK, int(label.get("end_line") or line) + SLACK
    return lo <= finding["line"] <= hi or finding["line"] <= lo + SLACK <= finding["end_line"]


def shown(finding: dict) -> bool:
    return finding.get("severity", "warning") != "info"


def score(repos, findings_by_repo) -> dict:
    per_rule = collections.defaultdict(lambda: collections.Counter())
    precision = collections.Counter()
    default_view = collections.Counter()
    shown_by_rule = collections.Counter()
    unreviewed = []
    verdicts: dict[tuple, str] = {}  # finding_key -> the verdict it got
    for repo, _ in repos:
        labels = read_jsonl(os.path.join(LABELS, f"{slug(repo)}.jsonl"))
        reviews = [row for name in sorted(glob.glob(os.path.join(LABELS, "findings", f"{slug(repo)}*.jsonl")))
                   for row in read_jsonl(name)]  # <slug>.jsonl and any further review passes <slug>.<pass>.jsonl
        findings = findings_by_repo.get(repo, [])
        instances = [lb for lb in labels if lb.get("label") in ("WORTH", "NEGLIGIBLE")]
        lookalikes = [lb for lb in labels if lb.get("label") == "LOOKALIKE"]
        for lb in instances:
            hits = [f for f in findings if matches(f, lb)]
            rule = lb.get("rule", "?")
            per_rule[rule]["labels"] += 1
            per_rule[rule][lb["label"].lower()] += 1
            if hits:
                per_rule[rule]["found"] += 1
                per_rule[rule][f"found_{lb['label'].lower()}"] += 1
                if lb["label"] == "WORTH" and any(shown(f) for f in hits):
                    per_rule[rule]["worth_shown"] += 1
        for f in findings:
            verdict = None
            if any(matches(f, lb) for lb in instances):
                verdict = next(lb["label"] for lb in instances if matches(f, lb))
            elif any(matches(f, lb, by_rule=False) for lb in lookalikes):
                verdict = "WRONG"
            else:
                review = next((r for r in reviews if matches(f, r)), None)
                verdict = review["label"] if review else None
            if verdict is None:
                unreviewed.append(f)
                verdict = "UNREVIEWED"
            verdicts[finding_key(f)] = verdict
            precision[(f["code"], verdict)] += 1
            if shown(f):
                shown_by_rule[(f["code"], verdict)] += 1
                default_view[verdict] += 1
            default_view[f"all_{verdict}"] += 1
    return {"per_rule": per_rule, "precision": precision, "default_view": default_view, "verdicts": verdicts,
            "shown": shown_by_rule, "unreviewed": unreviewed}


def check_fixes(mirrors: str) -> list[dict]:
    """Maintainers' fixes: lint the file before and after the fixing commit."""
    pairs = read_jsonl(os.path.join(LABELS, "fixes.jsonl"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, pair in enumerate(pairs):
            git_dir = mirror_git_dir(mirrors, pair["repo"]) or ""
            sides = {}
            for side, rev in (("before", pair["parent"]), ("after", pair["commit"])):
                blob = subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{pair['path']}"],
                                      capture_output=True)
                if blob.returncode != 0:
                    sides[side] = None
                    continue
                folder = os.path.join(tmp, str(n), side)
                target = os.path.join(folder, pair["path"])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(blob.stdout)
                sides[side] = [normalise(pair["repo"], folder, raw) for raw in lint([pair["path"]], folder)]
            if sides.get("before") is None or sides.get("after") is None:
                results.append({**pair, "status": "missing"})
                continue
            before = {"path": pair["path"], "line": pair["before_line"], "rule": pair["rule"]}
            after = {"path": pair["path"], "line": pair["after_line"], "rule": pair["rule"]}
            flagged = [f for f in sides["before"] if matches(f, before)]
            still = [f for f in sides["after"] if matches(f, after)]
            results.append({**pair, "before_flagged": bool(flagged),
                            "before_shown": any(shown(f) for f in flagged), "after_clean": not still})
    return results


def print_report(result: dict, fixes: list[dict], diff: tuple[list, list] | None) -> None:
    per_rule = result["per_rule"]
    print("## Recall on blind labels (instances found / labelled)\n")
    print("| rule | labelled | found | recall | WORTH found | WORTH shown by default | NEGLIGIBLE found |")
    print("|---|---|---|---|---|---|---|")
    total = collections.Counter()
    for rule in sorted(per_rule):
        c = per_rule[rule]
        total.update(c)
        rec = c["found"] / c["labels"] if c["labels"] else 0.0
        print(f"| {rule} | {c['labels']} | {c['found']} | {rec:.0%} | {c['found_worth']}/{c['worth']} | "
              f"{c['worth_shown']}/{c['worth']} | {c['found_negligible']}/{c['negligible']} |")
    if total["labels"]:
        print(f"| all | {total['labels']} | {total['found']} | {total['found'] / total['labels']:.0%} | "
              f"{total['found_worth']}/{total['worth']} | {total['worth_shown']}/{total['worth']} | "
              f"{total['found_negligible']}/{total['negligible']} |")
    print("\n## Findings by verdict (all findings, --show-all)\n")
    by_code = collections.defaultdict(collections.Counter)
    for (code, verdict), n in result["precision"].items():
        by_code[code][verdict] += n
    print("| rule | WORTH | NEGLIGIBLE | WRONG | UNREVIEWED |")
    print("|---|---|---|---|---|")
    for code in sorted(by_code):
        c = by_code[code]
        print(f"| {code} | {c['WORTH']} | {c['NEGLIGIBLE']} | {c['WRONG']} | {c['UNREVIEWED']} |")
    dv = result["default_view"]
    print("\n## The default output (severity above info)\n")
    for verdict in ("WORTH", "NEGLIGIBLE", "WRONG", "UNREVIEWED"):
        allv = dv[f"all_{verdict}"]
        print(f"- {verdict}: {dv[verdict]} shown of {allv}" + (f" ({dv[verdict] / allv:.0%})" if allv else ""))
    if fixes:
        ok = [f for f in fixes if f.get("status") != "missing"]
        print(f"\n## Maintainers' fixes ({len(ok)} pairs readable of {len(fixes)})\n")
        print(f"- before flagged: {sum(f['before_flagged'] for f in ok)}/{len(ok)}; shown by default: "
              f"{sum(f['before_shown'] for f in ok)}/{len(ok)}; after clean: {sum(f['after_clean'] for f in ok)}/{len(ok)}")
        for f in ok:
            if not f["before_flagged"] or not f["after_clean"]:
                state = ("missed" if not f["before_flagged"] else "") + (" after-still-flagged" if not f["after_clean"] else "")
                print(f"  - {f['repo']} {f['commit'][:10]} {f['path']}:{f['before_line']} {f['rule']}: {state.strip()}"
                      f" ({f.get('description', '')[:90]})")
    if diff is not None:
        added, removed = diff
        print(f"\n## Against the last saved run: +{len(added)} -{len(removed)}\n")
        for sign, rows in (("+", added), ("-", removed)):
            for f in rows:
                cell = f"cell {f['cell']}:" if f.get("cell") else ""
                print(f"{sign} {f['repo']} {f['path']}:{cell}{f['line']} {f['code']} [{f.get('severity', '')}] "
                      f"{f['message'][:140]}")


PAGES = os.path.join(os.path.dirname(HERE), "rules")
README = os.path.join(os.path.dirname(HERE), "README.md")
BEGIN, END = "<!-- real-code precision: generated by benchmarks/real_corpus.py --write-pages -->", "<!-- end real-code precision -->"
COMMAND = "python benchmarks/real_corpus.py --write-pages"


def precision_rows(result: dict) -> dict[str, dict]:
    """Per rule: findings by verdict (all, and shown by default) and recall of the labelled instances."""
    rows: dict[str, dict] = collections.defaultdict(lambda: collections.Counter())
    for (code, verdict), n in result["precision"].items():
        rows[code][verdict] += n
    for (code, verdict), n in result.get("shown", {}).items():
        rows[code][f"shown_{verdict}"] += n
    for rule, c in result["per_rule"].items():
        rows[rule]["labels"] = c["labels"]
        rows[rule]["found"] = c["found"]
        rows[rule]["worth_labels"] = c["worth"]
        rows[rule]["worth_found"] = c["found_worth"]
    return rows


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else "0"


def precision_markdown(code: str, row: dict, repos: int) -> str:
    judged = row["WORTH"] + row["NEGLIGIBLE"] + row["WRONG"]
    shown = row["shown_WORTH"] + row["shown_NEGLIGIBLE"] + row["shown_WRONG"]
    lines = [
        "## Measured on real code", "",
        f"On the dev set ({repos} public repositories nobody on this project wrote, pinned in "
        "`benchmarks/real_labels/repos.txt`, labelled blind), recomputed by `" + COMMAND + "`:", "",
        "| | findings | worth acting on | negligible | wrong | not yet read |",
        "|---|---|---|---|---|---|",
        f"| all findings (`--show-all`) | {judged + row['UNREVIEWED']} | {_share(row['WORTH'], judged)} | "
        f"{_share(row['NEGLIGIBLE'], judged)} | {_share(row['WRONG'], judged)} | {row['UNREVIEWED']} |",
        f"| shown by default | {shown + row['shown_UNREVIEWED']} | {_share(row['shown_WORTH'], shown)} | "
        f"{_share(row['shown_NEGLIGIBLE'], shown)} | {_share(row['shown_WRONG'], shown)} | {row['shown_UNREVIEWED']} |",
        "",
        f"Recall: {row['found']} of {row['labels']} labelled instances found"
        + (f" ({row['found'] / row['labels']:.0%})" if row["labels"] else "")
        + f"; {row['worth_found']} of {row['worth_labels']} of those worth acting on.", "",
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    wrapped = f"{BEGIN}\n{block}{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + wrapped + rest.split(END, 1)[1].lstrip("\n")
    return text.rstrip("\n") + "\n\n" + wrapped


def write_pages(result: dict, repos: int) -> None:
    rows = precision_rows(result)
    table = ["| rule | findings | worth | negligible | wrong | shown by default (worth / negligible / wrong) | recall (worth) |",
             "|---|---|---|---|---|---|---|"]
    for code in sorted(rows):
        row = rows[code]
        page = os.path.join(PAGES, f"{code}.md")
        if os.path.exists(page):
            with open(page, encoding="utf-8") as fh:
                text = fh.read()
            with open(page, "w", encoding="utf-8") as fh:
                fh.write(replace_block(text, precision_markdown(code, row, repos)))
        judged = row["WORTH"] + row["NEGLIGIBLE"] + row["WRONG"] + row["UNREVIEWED"]
        recall = f"{row['found']}/{row['labels']} ({row['worth_found']}/{row['worth_labels']})" if row["labels"] else "-"
        table.append(f"| {code} | {judged} | {row['WORTH']} | {row['NEGLIGIBLE']} | {row['WRONG']} | "
                     f"{row['shown_WORTH']} / {row['shown_NEGLIGIBLE']} / {row['shown_WRONG']} | {recall} |")
    block = ("Per rule, on the dev set of " + str(repos) + " public repositories (findings read by hand: worth "
             "acting on, negligible, wrong; recall of the blind-labelled instances), recomputed by `"
             + COMMAND + "`:\n\n" + "\n".join(table) + "\n")
    with open(README, encoding="utf-8") as fh:
        text = fh.read()
    with open(README, "w", encoding="utf-8") as fh:
        fh.write(replace_block(text, block))


def source_line(checkouts: str, f: dict) -> str:
    path = os.path.join(checkouts, slug(f["repo"]), f["path"])
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        return lines[f["line"] - 1].strip() if not f.get("cell") else "(notebook cell)"
    except (OSError, IndexError):
        return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkouts", default=os.environ.get("BLASLINT_DEVSET", "/work/devset"))
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--repo", action="append", help="only these owner/name (repeatable)")
    ap.add_argument("--save", action="store_true", help="save this run as the reference for the next diff")
    ap.add_argument("--show-unreviewed", action="store_true")
    ap.add_argument("--no-fixes", action="store_true", help="skip the maintainers' fix pairs")
    ap.add_argument("--json", metavar="FILE", help="write the scores as JSON")
    ap.add_argument("--write-pages", action="store_true",
                    help="write the per-rule precision into rules/BLxxx.md and the README")
    ap.add_argument("--labels", help="a labels folder with its own repos.txt (default: real_labels/)")
    args = ap.parse_args(argv)
    if args.labels:
        global LABELS, LAST_RUN
        LABELS = os.path.abspath(args.labels)
        LAST_RUN = os.path.join(LABELS, "last_run.json")

    lines = [row for row in read_repo_lines() if not args.repo or row[0] in args.repo]
    repos = [(r, c) for r, c, _ in lines]
    findings_by_repo: dict[str, list[dict]] = {}
    for repo, commit, scope in lines:
        root = ensure_checkout(repo, commit, args.checkouts, args.mirrors, scope)
        if root is None:
            print(f"warning: no checkout or mirror of {repo}: skipped", file=sys.stderr)
            continue
        raw = lint(["."], root)
        for r in raw:  # a rule that crashed loses all its findings in that file: say so, loudly
            if r["code"] == "BL999":
                print(f"INTERNAL ERROR {repo} {r['filename']}: {r['message'][:160]}", file=sys.stderr)
        findings_by_repo[repo] = [normalise(repo, root, r) for r in raw if not r["code"].startswith("BL9")]
    result = score(repos, findings_by_repo)
    fixes = [] if args.no_fixes else check_fixes(args.mirrors)

    current = sorted((f for rows in findings_by_repo.values() for f in rows), key=finding_key)
    diff = None
    if os.path.exists(LAST_RUN):
        with open(LAST_RUN, encoding="utf-8") as fh:
            last = [f for f in json.load(fh) if f["repo"] in findings_by_repo]
        last_keys = {finding_key(f) for f in last}
        cur_keys = {finding_key(f) for f in current}
        diff = ([f for f in current if finding_key(f) not in last_keys],
                [f for f in last if finding_key(f) not in cur_keys])
    print_report(result, fixes, diff)
    if args.show_unreviewed:
        print(f"\n## Unreviewed findings ({len(result['unreviewed'])})\n")
        for f in result["unreviewed"]:
            print(f"{f['repo']} {f['path']}:{f['line']} {f['code']} [{f['severity']}] {f['message'][:160]}\n"
                  f"    {source_line(args.checkouts, f)[:160]}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"per_rule": {k: dict(v) for k, v in result["per_rule"].items()},
                       "default_view": dict(result["default_view"]),
                       "fixes": fixes}, fh, indent=1, sort_keys=True)
    if args.write_pages:
        write_pages(result, len(findings_by_repo))
    if args.save:
        if args.repo:  # keep the other repositories' reference findings
            kept = []
            if os.path.exists(LAST_RUN):
                with open(LAST_RUN, encoding="utf-8") as fh:
                    kept = [f for f in json.load(fh) if f["repo"] not in findings_by_repo]
            current = sorted(kept + current, key=finding_key)
        with open(LAST_RUN, "w", encoding="utf-8") as fh:
            json.dump(current, fh, indent=0, sort_keys=True)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
