"""Hostile inputs: each gets one clear line, the other files are still linted, nothing is lost.

Most cases go through the real command line (``python -m blaslint``) in a
subprocess, so that exit codes, stderr and the files on disk are what a user
sees. ``BAD``/``FIXED`` is BL401 (the lead's rule), selected alone wherever a
test compares bytes, so that other rules' fixes cannot change the expectation.
"""

from __future__ import annotations

import ast
import codecs
import ctypes
import os
import re
import stat
import subprocess
import sys

import pytest

from blaslint.core import runner
from blaslint.project.config import Settings
import blaslint.rules  # noqa: F401  (registers the rules the engine runs)
from blaslint.core.engine import lint_source
from blaslint.core.runner import RunOptions, process_path
from blaslint.core.source import SourceText
from cli_support import ROOT, run_cli

BAD = "import numpy as np\nx = np.linalg.inv(a) @ y\n"
FIXED = "import numpy as np\nx = np.linalg.solve(a, y)\n"
FIX = ("--no-cache", "--select", "BL401", "--fix", "--unsafe-fixes")


def lines_about(out: str, path) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(str(path) + ":")]


def snapshot(root) -> dict:
    """(bytes, mtime_ns, inode) of every regular file under ``root``."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if os.path.isfile(p) and not os.path.islink(p):
                st = os.stat(p)
                with open(p, "rb") as fh:
                    out[p] = (fh.read(), st.st_mtime_ns, st.st_ino)
    return out


def concise(*args, **kw):
    return run_cli("--no-cache", "--output-format", "concise", *args, **kw)


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "good.py"
    p.write_text(BAD)
    return p


def assert_one_clear_line(proc, path, code, reason):
    found = lines_about(proc.out, path)
    assert len(found) == 1, proc.out
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: {code} .*{reason}", found[0]), found[0]
    assert "Traceback" not in proc.err


def assert_other_file_linted(proc, good):
    assert any(" BL401 " in line for line in lines_about(proc.out, good)), proc.out


# -- files that cannot be parsed, read or decoded ----------------------------------

def test_syntax_error_is_bl900_with_line_and_column(tmp_path, good):
    bad = tmp_path / "broken.py"
    bad.write_text("import os\n\ndef f(:\n    pass\n")
    proc = concise(str(tmp_path))
    assert proc.returncode == 1
    assert_one_clear_line(proc, bad, "BL900", "SyntaxError")
    assert lines_about(proc.out, bad)[0].startswith(f"{bad}:3:7: BL900")
    assert_other_file_linted(proc, good)


def test_syntax_error_reported_even_where_no_rule_could_fire(tmp_path):
    bad = tmp_path / "plain.py"
    bad.write_text("print('hello'\n")
    proc = concise(str(bad))
    assert proc.returncode == 1
    assert_one_clear_line(proc, bad, "BL900", "SyntaxError")


def test_invalid_utf8_is_bl901_with_position(tmp_path, good):
    bad = tmp_path / "latin_without_cookie.py"
    bad.write_bytes(b"import numpy as np\n\n# r\xe9sum\xe9\nx = 1\n")
    proc = concise(str(tmp_path))
    assert_one_clear_line(proc, bad, "BL901", r"invalid utf-8: byte 0xe9 at line 3, column 4")
    assert_other_file_linted(proc, good)


@pytest.mark.parametrize("data", [
    b"x = 1\x00\n",
    b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00",
    bytes(range(256)) * 4,
], ids=["nul", "elf", "all_bytes"])
def test_binary_file_named_py_is_bl901(tmp_path, good, data):
    bad = tmp_path / "blob.py"
    bad.write_bytes(data)
    before = snapshot(tmp_path)
    proc = concise(*FIX, str(tmp_path))
    assert_one_clear_line(proc, bad, "BL901", "cannot read file")
    assert snapshot(tmp_path)[str(bad)] == before[str(bad)]
    assert good.read_text() != BAD  # the other file was fixed


def test_unknown_encoding_declaration_is_bl901(tmp_path):
    bad = tmp_path / "enc.py"
    bad.write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    assert_one_clear_line(concise(str(bad)), bad, "BL901", "unknown encoding")


def test_empty_file_is_clean_and_untouched(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_bytes(b"")
    before = snapshot(tmp_path)
    proc = run_cli(*FIX, str(empty))
    assert proc.returncode == 0, proc.out + proc.err
    assert snapshot(tmp_path) == before


def test_unreadable_file_is_bl901(tmp_path, good):
    """A file without read permission. Root reads anything, so as root the
    blaslint subprocess first drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    from its bounding set (prctl) so that the kernel applies the mode bits."""
    bad = tmp_path / "secret.py"
    bad.write_text(BAD)
    os.chmod(bad, 0)

    def drop_read_override():
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
                if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "blaslint", "--no-cache", "--output-format", "concise", str(tmp_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=drop_read_override,
                              timeout=60)
    finally:
        os.chmod(bad, 0o644)
    proc.out, proc.err = proc.stdout, proc.stderr
    assert_one_clear_line(proc, bad, "BL901", "permission denied")
    assert_other_file_linted(proc, good)


def test_unreadable_file_through_process_path(tmp_path, monkeypatch):
    """The same code path in-process: open() raising PermissionError."""
    bad = tmp_path / "secret.py"
    bad.write_text(BAD)
    real_open = open

    def guarded_open(path, *a, **kw):
        if os.fspath(path) == str(bad):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", guarded_open)
    result = process_path(str(bad), Settings(), RunOptions())
    assert [(d.code, d.message) for d in result.diagnostics] == [("BL901", "cannot read file: permission denied")]


# -- paths that are not regular files -------------------------------------------------

def test_broken_symlink_and_symlink_loop_are_bl901(tmp_path, good):
    os.symlink("does_not_exist.py", tmp_path / "dangling.py")
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    proc = concise(str(tmp_path))
    assert_one_clear_line(proc, tmp_path / "dangling.py", "BL901", "broken symlink")
    assert_one_clear_line(proc, tmp_path / "loop_a.py", "BL901", "symbolic links")
    assert_one_clear_line(proc, tmp_path / "loop_b.py", "BL901", "symbolic links")
    assert_other_file_linted(proc, good)


def test_directory_symlink_loop_is_walked_once(tmp_path, good):
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "mod.py").write_text(BAD)
    os.symlink("..", sub / "up")  # pkg/up -> tmp_path -> pkg/up -> ...
    proc = concise(str(tmp_path), timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.err
    assert_other_file_linted(proc, good)
    assert len(lines_about(proc.out, sub / "mod.py")) == 1


def test_directory_named_like_a_module(tmp_path, good):
    pkgdir = tmp_path / "x.py"
    pkgdir.mkdir()
    (pkgdir / "inner.py").write_text(BAD)
    proc = concise(str(tmp_path))
    assert lines_about(proc.out, pkgdir) == [], proc.out  # no finding about the directory itself
    assert len(lines_about(proc.out, pkgdir / "inner.py")) == 1
    proc = concise(str(pkgdir))  # named explicitly: walked like any directory
    assert proc.returncode == 1 and len(lines_about(proc.out, pkgdir / "inner.py")) == 1


def test_missing_path_exits_2_with_a_clear_message_and_lints_the_rest(tmp_path, good):
    missing = tmp_path / "nope" / "absent.py"
    proc = concise(str(missing), str(good))
    assert proc.returncode == 2
    assert f"{missing}: no such file or directory" in proc.err
    assert "Traceback" not in proc.err
    assert_other_file_linted(proc, good)
    alone = concise(str(missing))
    assert alone.returncode == 2 and "no such file or directory" in alone.err


# -- encodings, newlines, BOM, tabs: decoded right, written back byte for byte ------

@pytest.mark.parametrize("name,original,expected", [
    ("crlf", BAD.replace("\n", "\r\n"), FIXED.replace("\n", "\r\n")),
    ("mixed", "import numpy as np\r\ny = 1\nx = np.linalg.inv(a) @ y\r\nz = 2\n",
     "import numpy as np\r\ny = 1\nx = np.linalg.solve(a, y)\r\nz = 2\n"),
    ("cr_only", BAD.replace("\n", "\r"), FIXED.replace("\n", "\r")),
    ("no_final_newline", BAD.rstrip("\n"), FIXED.rstrip("\n")),
    ("tabs", "import numpy as np\ndef f(a, b):\n\tif a:\n\t\treturn np.linalg.inv(a) @ y\n",
     "import numpy as np\ndef f(a, b):\n\tif a:\n\t\treturn np.linalg.solve(a, y)\n"),
    ("form_feed", "import numpy as np\n\x0c\nx = np.linalg.inv(a) @ y\n", "import numpy as np\n\x0c\nx = np.linalg.solve(a, y)\n"),
], ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "")
def test_fix_keeps_newlines_and_whitespace(tmp_path, name, original, expected):
    path = tmp_path / f"{name}.py"
    path.write_bytes(original.encode())
    proc = run_cli(*FIX, str(path))
    assert "Traceback" not in proc.err
    assert path.read_bytes() == expected.encode()


def test_bom_is_kept(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(codecs.BOM_UTF8 + BAD.encode())
    proc = concise("--select", "BL401", str(path))
    assert lines_about(proc.out, path)[0].startswith(f"{path}:2:5: BL401")
    run_cli(*FIX, str(path))
    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.encode()


def test_latin1_coding_line_decoded_and_written_back_in_latin1(tmp_path):
    original = "# -*- coding: latin-1 -*-\nimport numpy as np\ns = 'é'; x = np.linalg.inv(a) @ y\n"
    path = tmp_path / "latin.py"
    path.write_bytes(original.encode("latin-1"))
    proc = concise("--select", "BL401", str(path))
    # the column counts characters: "é" is one, though two bytes in UTF-8
    assert lines_about(proc.out, path)[0].startswith(f"{path}:3:14: BL401"), proc.out
    run_cli(*FIX, str(path))
    assert path.read_bytes() == original.replace("np.linalg.inv(a) @ y", "np.linalg.solve(a, y)").encode("latin-1")


def test_tab_column_points_at_the_finding(tmp_path):
    path = tmp_path / "tabs.py"
    path.write_text("import numpy as np\nif True:\n\tx = np.linalg.inv(a) @ y\n")
    proc = concise("--select", "BL401", str(path))
    assert lines_about(proc.out, path)[0].startswith(f"{path}:3:6: BL401"), proc.out


# -- deep nesting: CPython's limits give BL900, our own code never recurses too deep --

@pytest.mark.parametrize("code", [
    "x = " + "(" * 1000 + "np.linalg.inv(a)" + ")" * 1000 + " @ b\n",
    "x = " + "[" * 1000 + "1" + "]" * 1000 + "\n",
    "x = np.linalg.inv(a)" + ".T" * 10000 + " @ b\n",
    "x = " + "-" * 100000 + "np.linalg.inv(a) @ y\n",
    "x = " + " @ ".join(["np.linalg.inv(a)"] * 50000) + "\n",
    "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "y = 1\n",
], ids=["parens_1000", "lists_1000", "attributes_10000", "unary_100000", "matmul_50000", "blocks_120"])
def test_nesting_beyond_cpython_limits_is_a_clear_bl900(tmp_path, good, code):
    path = tmp_path / "deep.py"
    path.write_text("import numpy as np\n" + code)
    proc = concise("--select", "ALL", str(tmp_path))
    assert_one_clear_line(proc, path, "BL900", "(nested|too many)")
    assert "RecursionError" not in proc.out + proc.err
    assert_other_file_linted(proc, good)


DEEP_VALID = {
    "matmul_chain_300": "x = np.linalg.inv(A) @ " + " @ ".join(f"B{i}" for i in range(300)),
    "matmul_chain_1000": "x = " + " @ ".join(f"B{i}" for i in range(1000)) + " @ np.linalg.inv(A) @ X",
    "parens_190": "x = " + "(" * 190 + "np.linalg.inv(A)" + ")" * 190 + " @ b",
    "attribute_chain_2000": "x = np.linalg.inv(A)" + ".T" * 2000 + " @ b",
    "call_chain_1500": "x = f" + "(1)" * 1500 + " @ np.linalg.inv(A) @ y",
    "subscript_chain_1500": "x = np.zeros((3, 3))" + "[0]" * 1500,
    "unary_2500": "x = " + "-" * 2500 + "np.linalg.inv(A) @ y",
    "and_chain_20000": "ok = " + " and ".join(["flag"] * 20000),
    "sum_chain_400": "s = np.sum(a) + " + " + ".join(f"np.dot(u{i}, v{i})" for i in range(400)),
    "plus_chain_2500": "s = np.linalg.inv(A) @ y + " + " + ".join(f"u{i}" for i in range(2500)),
    "assignment_chain_600": "a0 = np.zeros((4, 4))\n" + "".join(f"a{i + 1} = a{i} @ a{i}.T\n" for i in range(600))
                            + "y = np.linalg.inv(a600) @ b",
    "elif_chain_300": "if c == 0:\n    y = np.linalg.inv(A) @ y\n" + "".join(
        f"elif c == {i}:\n    y = np.linalg.inv(A) @ y{i}\n" for i in range(1, 300)),
    "nested_functions_90": "".join("    " * i + f"def f{i}(A, b):\n" for i in range(90))
                           + "    " * 90 + "return np.linalg.inv(A) @ y",
    "implicit_concat_5000": "s = " + " ".join(["'ab'"] * 5000) + "\nx = np.linalg.inv(A) @ y",
}
# Rules do per-product work over a whole chain (quadratic in its length): these are
# linted but not also fixed here, to keep the suite fast.
LINT_ONLY = {"matmul_chain_1000", "matmul_chain_300"}


@pytest.mark.parametrize("name", sorted(DEEP_VALID))
def test_deep_but_valid_code_never_crashes_our_analysis(name):
    """Valid code as deep as CPython accepts: every rule, fixes included, no BL999."""
    from support import fix  # fix_to_fixpoint with every rule, unsafe fixes too

    code = "import numpy as np\n" + DEEP_VALID[name] + "\n"
    errors: list[str] = []
    diags = lint_source(SourceText(code), "deep.py", Settings().selected_codes(), errors)
    assert not errors and not [d for d in diags if d.code in ("BL999", "BL900")], (errors, diags)
    if name not in LINT_ONLY:
        ast.parse(fix(code))


def test_deep_valid_code_fixed_through_the_cli_in_a_subprocess(tmp_path):
    """libcst would crash the process on a 20,000-term `and`: a fix elsewhere in that file must
    still be applied (judged by ast alone), and the process must exit normally."""
    path = tmp_path / "deep.py"
    path.write_text(BAD + "ok = " + " and ".join(["flag"] * 20000) + "\n")
    proc = run_cli(*FIX, str(path))
    assert proc.returncode in (0, 1), proc.err  # not a signal, not an internal error
    assert "Traceback" not in proc.err
    assert path.read_text().startswith(FIXED)


# -- size ----------------------------------------------------------------------------

def test_20mb_file_finishes_and_positions_stay_right(tmp_path):
    """20 MB: realistic numerical functions every 100 KB between embedded data blobs
    (what big generated modules hold). Findings in the last function carry the right
    line and column; the whole run is bounded by the subprocess timeout."""
    func = ("def step_{i}(K, y, W, x):\n"
            "    h = W.T.copy() @ x\n"
            "    return np.linalg.inv(K) @ y, h\n\n")
    blob = "BLOB_{i} = (\n" + "    'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg=='\n" * 1300 + ")\n"
    parts, size, i = ["import numpy as np\n"], 0, 0
    while size < 20 * 1024 * 1024:
        chunk = func.format(i=i) + blob.format(i=i)
        parts.append(chunk)
        size += len(chunk)
        i += 1
    text = "".join(parts)
    path = tmp_path / "big.py"
    path.write_text(text)
    last_line = text[:text.rindex("np.linalg.inv(K)")].count("\n") + 1
    proc = concise("--select", "BL401", "--statistics", str(path), timeout=240)
    assert proc.returncode == 1 and "Traceback" not in proc.err, proc.err
    assert re.search(rf"^{i}\s+BL401", proc.out, re.M), proc.out
    proc = concise("--select", "BL401", str(path), timeout=240)
    assert f"{path}:{last_line}:12: BL401" in proc.out


# -- races and writes ------------------------------------------------------------------

def test_file_changed_between_lint_and_fix_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_text(BAD)
    edited_meanwhile = BAD + "# the user saved this while blaslint ran\n"
    real_check_text = runner.check_text

    def check_then_user_saves(*args, **kwargs):
        result = real_check_text(*args, **kwargs)
        path.write_text(edited_meanwhile)
        return result

    monkeypatch.setattr(runner, "check_text", check_then_user_saves)
    settings = Settings()
    settings.select = ["BL401"]
    result = process_path(str(path), settings, RunOptions(fix=True, unsafe_fixes=True))
    assert path.read_text() == edited_meanwhile
    assert result.fixed_text is None and result.fixes_applied == 0
    assert any("changed while blaslint was fixing it" in e for e in result.errors)
    codes = [d.code for d in result.diagnostics]
    assert "BL901" in codes and "BL401" in codes  # reported, and the finding is not hidden


def test_nothing_is_written_unless_a_fix_was_applied(tmp_path):
    files = {
        "clean.py": b"import numpy as np\nx = np.linalg.solve(a, y)\n",
        "syntax.py": b"def f(:\n",
        "undecodable.py": b"x = '\xff'\n",
        "crlf_clean.py": b"import numpy as np\r\nx = 1\r\n",
        "fixme.py": BAD.encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    os.chmod(tmp_path / "clean.py", 0o600)
    before = snapshot(tmp_path)
    proc = run_cli("--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes", str(tmp_path))
    assert "Traceback" not in proc.err
    after = snapshot(tmp_path)
    changed = sorted(os.path.basename(p) for p in before if before[p] != after[p])
    assert changed == ["fixme.py"]
    assert sorted(os.listdir(tmp_path)) == sorted(files)  # no temp file left behind
    assert stat.S_IMODE(os.stat(tmp_path / "clean.py").st_mode) == 0o600


def test_stdin_binary_input_is_bl901():
    proc = run_cli("--no-cache", "--output-format", "concise", "-", stdin=b"\x00\x01\x02binary")
    assert "BL901" in proc.out and "Traceback" not in proc.err
