"""benchmarks/real_corpus.py scores findings against blind labels: its matching and tables are tested here
on made-up labels (the real dev set needs the fetched repositories and is run by hand)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def rc(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("real_corpus", ROOT / "benchmarks" / "real_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    labels = tmp_path / "labels"
    (labels / "findings").mkdir(parents=True)
    monkeypatch.setattr(mod, "LABELS", str(labels))
    return mod


def finding(line, code="BL401", path="pkg/m.py", severity="warning", cell=None):
    return {"repo": "o/r", "path": path, "line": line, "end_line": line, "cell": cell, "code": code,
            "message": "m", "severity": severity, "fix": None}


def write(path: Path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_a_label_matches_a_finding_of_its_rule_within_two_lines(rc):
    label = {"path": "pkg/m.py", "line": 10, "rule": "BL401"}
    assert rc.matches(finding(12), label)
    assert not rc.matches(finding(13), label)
    assert not rc.matches(finding(10, code="BL402"), label)
    assert not rc.matches(finding(10, path="pkg/other.py"), label)


def test_notebook_cells_are_labelled_from_zero_and_reported_from_one(rc):
    label = {"path": "nb.ipynb", "cell": 4, "line": 3, "rule": "BL401"}
    assert rc.matches(finding(3, path="nb.ipynb", cell=5), label)
    assert not rc.matches(finding(3, path="nb.ipynb", cell=4), label)


def test_score_counts_recall_verdicts_and_the_default_view(rc, tmp_path):
    labels = Path(rc.LABELS)
    write(labels / "o+r.jsonl", [
        {"repo": "o/r", "path": "pkg/m.py", "line": 10, "rule": "BL401", "label": "WORTH"},
        {"repo": "o/r", "path": "pkg/m.py", "line": 30, "rule": "BL401", "label": "NEGLIGIBLE"},
        {"repo": "o/r", "path": "pkg/m.py", "line": 50, "rule": "BL401", "label": "LOOKALIKE"},
    ])
    write(labels / "findings" / "o+r.jsonl", [
        {"repo": "o/r", "path": "pkg/m.py", "line": 70, "rule": "BL402", "label": "WRONG"},
    ])
    found = [finding(10), finding(50), finding(70, code="BL402", severity="info"), finding(90, code="BL402")]
    result = rc.score([("o/r", "c")], {"o/r": found})
    assert result["per_rule"]["BL401"]["labels"] == 2
    assert result["per_rule"]["BL401"]["found"] == 1
    assert result["per_rule"]["BL401"]["found_worth"] == 1
    assert result["precision"][("BL401", "WORTH")] == 1
    assert result["precision"][("BL401", "WRONG")] == 1     # a look-alike was flagged
    assert result["precision"][("BL402", "WRONG")] == 1     # read by hand afterwards
    assert [f["line"] for f in result["unreviewed"]] == [90]
    assert result["default_view"]["WRONG"] == 1 and result["default_view"]["all_WRONG"] == 2


def test_write_pages_replaces_its_own_block_only(rc, tmp_path, monkeypatch):
    page = tmp_path / "BL401.md"
    page.write_text("# BL401\n\nText.\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("# tool\n", encoding="utf-8")
    monkeypatch.setattr(rc, "PAGES", str(tmp_path))
    monkeypatch.setattr(rc, "README", str(readme))
    result = rc.score([("o/r", "c")], {"o/r": [finding(10)]})
    rc.write_pages(result, 1)
    rc.write_pages(result, 1)  # idempotent: one block, replaced
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# BL401\n\nText.\n") and text.count(rc.BEGIN) == 1
    assert "| all findings (`--show-all`) | 1 |" in text
    assert readme.read_text(encoding="utf-8").count("| BL401 | 1 |") == 1


def test_a_repository_line_names_the_labelled_part_of_the_checkout(rc):
    (Path(rc.LABELS) / "repos.txt").write_text(
        "# comment\no/whole abc123\no/part def456 only=pkg,setup.py skip=pkg/labs  # trailing comment\n", encoding="utf-8")
    lines = rc.read_repo_lines()
    assert [(name, commit) for name, commit, _ in lines] == rc.read_repos() == [("o/whole", "abc123"), ("o/part", "def456")]
    whole, part = lines[0][2], lines[1][2]
    assert rc.in_scope("docs/conf.py", whole)
    assert rc.in_scope("pkg/core.py", part) and rc.in_scope("setup.py", part)
    assert not rc.in_scope("pkg/labs/x.py", part)
    assert not rc.in_scope("pkgextra/x.py", part)  # a folder's name is not a prefix of another's
    assert not rc.in_scope("docs/conf.py", part)


def test_all_sets_names_each_labels_folder_and_queues_what_nobody_read(tmp_path):
    spec = importlib.util.spec_from_file_location("all_sets", ROOT / "benchmarks" / "all_sets.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    names = [mod.set_name(f) for f in mod.label_sets()]
    assert names[0] == "dev" and "h1" in names and "h10" in names
    assert names.index("h2") < names.index("h10")  # by number, not by text
    queue = tmp_path / "q.jsonl"
    mod.write_queue(str(queue), [{**finding(3, path="nb.ipynb", cell=5), "verdict": "UNREVIEWED"}], "/co")
    row = json.loads(queue.read_text(encoding="utf-8"))
    assert row["cell"] == 4 and row["checkout"] == "/co/o+r" and row["rule"] == "BL401"


def test_all_sets_lists_the_labelled_instances_no_finding_covers(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("all_sets", ROOT / "benchmarks" / "all_sets.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    folder = tmp_path / "heldout7_labels"
    folder.mkdir()
    (folder / "repos.txt").write_text("o/r abc\n", encoding="utf-8")
    write(folder / "o+r.jsonl", [{"path": "pkg/m.py", "line": 10, "rule": "BL401", "label": "WORTH"},
                                 {"path": "pkg/m.py", "line": 30, "rule": "BL401", "label": "WORTH"},
                                 {"path": "pkg/m.py", "line": 50, "rule": "BL401", "label": "NEGLIGIBLE"}])
    findings = [{**finding(11), "set": "h7"}, {**finding(30, code="BL402"), "set": "h7"}]
    missed = mod.missed_labels([str(folder)], findings, "WORTH")
    assert [(s, lb["line"], lb["repo"]) for s, lb in missed] == [("h7", 30, "o/r")]
