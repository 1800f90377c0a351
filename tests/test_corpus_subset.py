"""A deterministic few hundred files of numpy, scipy and the standard library through
``benchmarks/corpus_check.py``'s checks: no BL999, no traceback, every fix diff applies
strictly and parses, ``--fix`` writes exactly what ``--diff`` shows, and a second
``--fix`` changes nothing. The full corpora (plus scikit-learn and torch) run by hand:
``python benchmarks/corpus_check.py``."""

from __future__ import annotations

import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("corpus_check", os.path.join(ROOT, "benchmarks", "corpus_check.py"))
corpus_check = importlib.util.module_from_spec(_spec)
sys.modules["corpus_check"] = corpus_check  # its dataclasses look their module up
_spec.loader.exec_module(corpus_check)

PICK = {"numpy": 90, "scipy": 90, "stdlib": 60}


def test_corpus_subset_has_no_internal_error_and_sound_fixes(tmp_path):
    roots = corpus_check.corpus_roots(set(PICK))
    assert set(roots) == set(PICK), roots  # numpy and scipy are test dependencies
    files = []
    for name, root in roots.items():
        picked = corpus_check.subset(corpus_check.python_files(root), root, PICK[name])
        assert len(picked) == PICK[name]
        files += picked
    rep = corpus_check.check_corpus("subset", files, str(tmp_path))
    assert rep.problems == []
    assert rep.internal_errors == 0
    assert rep.files == sum(PICK.values()) and rep.lines > 30_000
    assert rep.fixed_files > 0  # the write/idempotence checks ran on real fixes


def test_patch_applier_is_strict():
    """The diff applier of the corpus check rejects a diff that does not match."""
    original = "a = 1\nb = 2\nc = 3\n"
    diff = ["@@ -2,1 +2,1 @@", "-b = 2", "+b = 20"]
    assert corpus_check.apply_patch(original, diff) == "a = 1\nb = 20\nc = 3\n"
    try:
        corpus_check.apply_patch(original.replace("b = 2", "b = 3"), diff)
    except corpus_check.PatchError:
        pass
    else:
        raise AssertionError("a mismatching context line was accepted")
    no_newline = ["@@ -3 +3 @@", "-c = 3", "\\ No newline at end of file", "+c = 30",
                  "\\ No newline at end of file"]
    assert corpus_check.apply_patch("a = 1\nb = 2\nc = 3", no_newline) == "a = 1\nb = 2\nc = 30"
