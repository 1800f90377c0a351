"""Fixes proven safe, for every rule that has one (taken from the registry).

Every INVALID example of every rule with a fix: the fixed code parses, a second
``--fix`` changes nothing, and written back through the real runner it keeps
the file's encoding, BOM, newline style, final-newline state and mode.
``fix.splice`` never applies two overlapping edits in one pass, and a write that
fails or is killed midway leaves the original file intact.
"""

from __future__ import annotations

import ast
import codecs
import glob
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from blaslint.core import fix as fixmod
from blaslint.core import source as sourcemod
from blaslint.project.config import Settings
from blaslint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from blaslint.rules import all_rules as rule_classes
from blaslint.core.runner import RunOptions, process_path
from cli_support import ROOT
from support import fix, lint


def _fixable_examples():
    for cls in rule_classes():
        if cls.fix_safety == "none":
            continue
        for i, ex in enumerate(cls.INVALID):
            yield pytest.param(cls.code, textwrap.dedent(ex.code), id=f"{cls.code}-{i}")


FIXABLE = list(_fixable_examples())


def _format_cases():
    """Every variant for the first two fixable examples of each rule (enough to catch a
    rule writing "\\n" into a CRLF file, or text its file's encoding cannot hold)."""
    seen: dict[str, int] = {}
    for param in FIXABLE:
        code, example = param.values
        seen[code] = seen.get(code, 0) + 1
        if seen[code] > 2:
            continue
        for variant in sorted(VARIANTS):
            if variant == "latin1" and not _latin1(example):
                continue
            yield pytest.param(code, example, variant, id=f"{param.id}-{variant}")


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def test_some_rules_have_fixes():
    assert len(FIXABLE) >= 10


@pytest.mark.parametrize("code,example", FIXABLE)
def test_fix_reparses_and_is_idempotent(code, example):
    for codes in ({code}, None):  # the rule alone, then together with every other rule
        once = fix(example, codes, unsafe=True)
        ast.parse(once)
        fixmod.check_parses(once)
        assert fix(once, codes, unsafe=True) == once, f"a second --fix changed:\n{once}"
        assert not [d for d in lint(once, codes) if d.fix is not None and d.code == code and
                    fixmod.applicable(d, True)], "a fixable finding survived its own fix"


# -- written back through the runner: encoding, BOM, newlines, mode --------------------

VARIANTS = {
    "lf": lambda t: (t.encode(), "utf-8"),
    "crlf": lambda t: (t.replace("\n", "\r\n").encode(), "utf-8"),
    "bom": lambda t: (codecs.BOM_UTF8 + t.encode(), "utf-8"),
    "no_final_newline": lambda t: (t.rstrip("\n").encode(), "utf-8"),
    "latin1": lambda t: (("# -*- coding: latin-1 -*-\n# café\n" + t).encode("latin-1"), "latin-1"),
}


def _expected(variant: str, fixed_lf: str) -> bytes:
    if variant == "crlf":
        return fixed_lf.replace("\n", "\r\n").encode()
    if variant == "bom":
        return codecs.BOM_UTF8 + fixed_lf.encode()
    if variant == "latin1":
        return fixed_lf.encode("latin-1")
    return fixed_lf.encode()


@pytest.mark.parametrize("code,example,variant", list(_format_cases()))
def test_fix_written_back_keeps_file_format(tmp_path, code, example, variant):
    text = example.rstrip("\n") if variant == "no_final_newline" else example
    if variant == "latin1":
        text = "# -*- coding: latin-1 -*-\n# café\n" + text
    data, _ = VARIANTS[variant](example)
    path = tmp_path / "mod.py"
    path.write_bytes(data)
    os.chmod(path, 0o754)
    settings = Settings()
    settings.select = [code]
    settings.min_severity = "info"  # the examples' small sizes make some findings negligible: fix them too
    result = process_path(str(path), settings, RunOptions(fix=True, unsafe_fixes=True))
    assert not result.errors, result.errors
    expected = _expected(variant, fix(text, {code}, unsafe=True))
    assert path.read_bytes() == expected
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o754
    assert os.listdir(tmp_path) == ["mod.py"]


# -- splice: overlapping fixes never both apply in one pass ------------------------------

def _diag(start, end, content, *more, safe=True, line=1):
    edits = (Edit(start, end, content), *(Edit(*m) for m in more))
    return Diagnostic("BL000", "m", "f.py", line, start + 1, line, end + 1,
                      Fix("f", edits, Applicability.SAFE if safe else Applicability.UNSAFE))


TEXT = "0123456789"


@pytest.mark.parametrize("first,second,both", [
    ((2, 5, "a"), (2, 5, "b"), False),      # same range
    ((2, 5, "a"), (4, 7, "b"), False),      # overlapping
    ((2, 5, "a"), (3, 4, "b"), False),      # nested
    ((3, 3, "a"), (3, 3, "b"), False),      # two insertions at one point
    ((3, 3, "a"), (3, 6, "b"), False),      # insertion at the start of a replacement
    ((2, 5, "a"), (5, 7, "b"), True),       # adjacent: no shared character
    ((0, 1, "a"), (8, 10, "b"), True),      # far apart
])
def test_splice_never_applies_overlapping_fixes_together(first, second, both):
    for order in ((first, second), (second, first)):
        new, applied = fixmod.splice(TEXT, [_diag(*order[0]), _diag(*order[1])], unsafe=False)
        assert len(applied) == (2 if both else 1)
        if not both:  # exactly one fix's edit, on the original text
            d = applied[0].fix.edits[0]
            assert new == TEXT[:d.start] + d.content + TEXT[d.end:]


def test_splice_multi_edit_fix_is_all_or_nothing():
    multi = _diag(0, 1, "A", (6, 8, "G"))     # two edits, the second overlaps `other`
    other = _diag(7, 9, "x")
    new, applied = fixmod.splice(TEXT, [other, multi], unsafe=False)
    assert applied == [multi] and new == "A12345G89"  # source order: `multi` starts first
    new, applied = fixmod.splice(TEXT, [_diag(0, 5, "a", (3, 4, "b"))], unsafe=False)
    assert applied == [] and new == TEXT               # a fix whose own edits overlap


def test_splice_skips_unsafe_fixes_unless_asked():
    d = _diag(0, 2, "z", safe=False)
    assert fixmod.splice(TEXT, [d], unsafe=False) == (TEXT, [])
    assert fixmod.splice(TEXT, [d], unsafe=True) == ("z23456789", [d])


def test_fixpoint_applies_the_loser_in_a_later_pass():
    """Two fixes on overlapping ranges: one pass takes the first, the re-lint offers the second."""
    calls = []

    def lint_fn(text):
        calls.append(text)
        out = []
        if "AB" in text:
            out.append(_diag(text.index("AB"), text.index("AB") + 2, "ab"))
        if "BC" in text:
            out.append(_diag(text.index("BC"), text.index("BC") + 2, "bc"))
        return out

    outcome = fixmod.fix_to_fixpoint("x = 'ABC'\n", lint_fn, unsafe=False)
    assert outcome.text == "x = 'abC'\n" and outcome.applied == 1
    assert calls[0] == "x = 'ABC'\n"


def test_fix_that_breaks_code_leaves_the_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    original = "import numpy as np\nx = np.linalg.inv(a) @ y\n"
    path.write_text(original)
    real_splice = fixmod.splice

    def broken_splice(text, diags, unsafe):
        new, applied = real_splice(text, diags, unsafe)
        return (new + "def (:\n", applied) if applied else (new, applied)

    monkeypatch.setattr(fixmod, "splice", broken_splice)
    settings = Settings()
    settings.select = ["BL401"]
    result = process_path(str(path), settings, RunOptions(fix=True, unsafe_fixes=True))
    assert path.read_text() == original
    assert any("file left untouched" in e for e in result.errors)


# -- atomic writes -------------------------------------------------------------------------

def test_failed_write_keeps_the_original_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    original = "import numpy as np\nx = np.linalg.inv(a) @ y\n"
    path.write_text(original)

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sourcemod.os, "replace", disk_full)
    settings = Settings()
    settings.select = ["BL401"]
    result = process_path(str(path), settings, RunOptions(fix=True, unsafe_fixes=True))
    assert path.read_text() == original
    assert os.listdir(tmp_path) == ["m.py"]
    assert any("No space left on device" in e and "not written" in e for e in result.errors)
    assert {d.code for d in result.diagnostics} >= {"BL401", "BL901"}  # the finding is still reported


def test_fix_run_killed_mid_write_leaves_the_original_intact(tmp_path):
    """A real ``blaslint --fix`` process, SIGKILLed after it wrote the new content to its
    temporary file (fsync is made to hang) but before the rename: the original is intact;
    only the named temporary file (``.blaslint-*.tmp``) remains, as after any crash."""
    path = tmp_path / "m.py"
    original = ("import numpy as np\nx = np.linalg.inv(a) @ y\n" + "# padding\n" * 20_000).encode()
    path.write_bytes(original)
    script = ("import os, sys, time\n"
              "os.fsync = lambda fd: time.sleep(120)\n"
              "from blaslint.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", script, "--no-cache", "--select", "BL401", "--fix",
                             "--unsafe-fixes", str(path)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        temps = []
        while time.monotonic() < deadline and not temps:
            temps = glob.glob(str(tmp_path / ".blaslint-*.tmp"))
            time.sleep(0.01)
        assert temps, "the fix run never started writing"
        time.sleep(0.2)  # let it finish writing the temporary file (it then hangs in fsync)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == sorted(["m.py", os.path.basename(temps[0])])
