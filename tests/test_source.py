"""SourceText: decoding like Python does, positions, and lossless atomic write-back."""

from __future__ import annotations

import ast
import codecs
import os
import stat

import pytest

from blaslint.core.source import SourceError, SourceText, detect_newline, read_source, write_atomic


# -- decoding ------------------------------------------------------------------

def test_utf8_default():
    src = SourceText.from_bytes("x = 'é'\n".encode())
    assert (src.text, src.encoding, src.bom, src.newline) == ("x = 'é'\n", "utf-8", False, "\n")


def test_bom_is_stripped_from_text_and_restored_on_write():
    data = codecs.BOM_UTF8 + b"x = 1\n"
    src = SourceText.from_bytes(data)
    assert src.bom and src.text == "x = 1\n"
    assert src.to_bytes() == data
    assert src.to_bytes("y = 2\n") == codecs.BOM_UTF8 + b"y = 2\n"


def test_pep263_latin1_round_trip():
    data = b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n"
    src = SourceText.from_bytes(data)
    assert "café" in src.text
    assert src.to_bytes() == data
    assert src.to_bytes(src.text.replace("s =", "t =")) == data.replace(b"s =", b"t =")


def test_coding_line_on_second_line_after_shebang():
    data = b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n"
    assert "€" in SourceText.from_bytes(data).text


@pytest.mark.parametrize("data,reason", [
    (b"x = '\xff'\n", "invalid utf-8: byte 0xff at line 1, column 6"),
    (b"a = 1\nb = 2\nc = 3\n# \xe9t\xe9\n", "invalid utf-8: byte 0xe9 at line 4, column 3"),
    (b"# coding: klingon\nx = 1\n", "unknown encoding"),
    (b"x = 1\x00\n", "NUL bytes"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
    (codecs.BOM_UTF8 + b"# coding: latin-1\n", "encoding problem"),
])
def test_undecodable_bytes_raise_a_clear_source_error(data, reason):
    with pytest.raises(SourceError, match=reason.replace("(", r"\(")):
        SourceText.from_bytes(data)


def test_empty_file():
    src = SourceText.from_bytes(b"")
    assert src.text == "" and src.line_starts == [0] and src.position(0) == (1, 1)


# -- newlines and positions -------------------------------------------------------

@pytest.mark.parametrize("text,newline", [
    ("a\nb\n", "\n"), ("a\r\nb\r\n", "\r\n"), ("a\rb\r", "\r"), ("a", "\n"), ("a\r\nb\nc\r", "\r\n"),
])
def test_detect_newline(text, newline):
    assert detect_newline(text) == newline


@pytest.mark.parametrize("text", [
    "x = 1\ny = 'é' + z\n",
    "x = 1\r\ny = 'é' + z\r\n",
    "x = 1\ry = 'é' + z\r",
    "x = 1\r\nif y == 'é':\n\tq = ('😀', z)\r\n",
    "s = '''a\r\nb'''\r\nt = z\n",
    "if c:\n\tq = [\n\t\t'🐍', z]\n",
])
def test_ast_positions_map_to_the_right_characters(text):
    """(line, utf-8 byte column) from ast -> character offset, for every node, every newline style."""
    src = SourceText(text)
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, ast.JoinedStr):
            assert src.segment(node) == ast.get_source_segment(text, node), ast.dump(node)
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "z"]
    start, _ = src.node_span(names[0])
    line, col = src.position(start)
    assert src.line_text(line)[col - 1] == "z"


def test_line_text_strips_any_line_ending():
    src = SourceText("a\r\nb\rc\nd")
    assert [src.line_text(i) for i in range(1, 5)] == ["a", "b", "c", "d"]
    assert src.line_text(0) == src.line_text(9) == ""


# -- reading and writing ---------------------------------------------------------

def test_read_source_reports_directories_and_missing_files(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    with pytest.raises(SourceError, match="is a directory"):
        read_source(str(tmp_path / "pkg.py"))
    with pytest.raises(SourceError, match="no such file"):
        read_source(str(tmp_path / "absent.py"))
    os.symlink("nowhere.py", tmp_path / "dangling.py")
    with pytest.raises(SourceError, match="broken symlink"):
        read_source(str(tmp_path / "dangling.py"))


def test_write_atomic_keeps_mode_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "script.py"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o751)
    write_atomic(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o751
    assert sorted(os.listdir(tmp_path)) == ["script.py"]


def test_write_atomic_through_a_symlink_replaces_the_target_not_the_link(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    os.symlink("real.py", link)
    write_atomic(str(link), b"new\n")
    assert os.path.islink(link) and real.read_bytes() == b"new\n"


def test_write_atomic_failure_keeps_the_original_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "m.py"
    target.write_bytes(b"original\n")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(str(target), b"replacement\n" * 1000)
    assert target.read_bytes() == b"original\n"
    assert os.listdir(tmp_path) == ["m.py"]
