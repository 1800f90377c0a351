"""Source files as bytes on disk and as text in memory, and back without loss.

Decoding follows Python's own rules (BOM, PEP 263 coding line, UTF-8 default);
the newline style and BOM are remembered so that a fixed file is written back
byte-identical outside the edited ranges. Writes are atomic: a temporary file in
the same directory, fsync, then rename, keeping the original file mode.
"""

from __future__ import annotations

import bisect
import codecs
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field


class SourceError(Exception):
    """A file that cannot be read or decoded (reported as BL901)."""


@dataclass
class SourceText:
    """Decoded text plus what is needed to write it back and to map positions."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    _line_starts: list[int] | None = field(default=None, repr=False)
    _ascii: bool | None = field(default=None, repr=False)

    # -- decoding ---------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> "SourceText":
        if b"\x00" in data:
            raise SourceError("file contains NUL bytes (binary file?)")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            # Without a coding line, the first two lines must be UTF-8: say where they are not.
            if "invalid or missing encoding declaration" in str(exc):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as bad:
                    raise SourceError(_decode_failure("utf-8", data, bad)) from None
            raise SourceError(f"cannot detect encoding: {exc}") from None
        bom = data.startswith(codecs.BOM_UTF8)
        if bom:
            data = data[len(codecs.BOM_UTF8):]
            encoding = "utf-8"
        elif encoding == "utf-8-sig":
            encoding = "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceError(_decode_failure(encoding, data, exc)) from None
        except LookupError as exc:
            raise SourceError(f"cannot decode as {encoding}: {exc}") from None
        return cls(text=text, encoding=encoding, bom=bom, newline=detect_newline(text))

    def to_bytes(self, text: str | None = None) -> bytes:
        data = (self.text if text is None else text).encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data

    # -- positions --------------------------------------------------------
    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = 0
            while True:
                j = text.find("\n", i)
                if j < 0:
                    break
                starts.append(j + 1)
                i = j + 1
            # Lone "\r" line endings count as line breaks for Python too.
            if "\r" in text:
                starts = _line_starts_with_cr(text)
            self._line_starts = starts
        return self._line_starts

    @property
    def is_ascii(self) -> bool:
        if self._ascii is None:
            self._ascii = self.text.isascii()
        return self._ascii

    def line_text(self, line: int) -> str:
        """Text of 1-based ``line`` without its line ending."""
        starts = self.line_starts
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[starts[line - 1]:end].rstrip("\r\n")

    def offset(self, line: int, byte_col: int) -> int:
        """Character offset of (1-based line, UTF-8 byte column) as given by ``ast``."""
        starts = self.line_starts
        line = min(max(line, 1), len(starts))
        start = starts[line - 1]
        if self.is_ascii:
            return start + byte_col
        line_str = self.line_text(line)
        prefix = line_str.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")
        return start + len(prefix)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self.line_starts
        idx = bisect.bisect_right(starts, offset) - 1
        return idx + 1, offset - starts[idx] + 1

    def node_span(self, node) -> tuple[int, int]:
        """Character offsets [start, end) of an ``ast`` node."""
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def segment(self, node) -> str:
        start, end = self.node_span(node)
        return self.text[start:end]


def _decode_failure(encoding: str, data: bytes, exc: UnicodeDecodeError) -> str:
    """Where and why ``data`` is not valid ``encoding``: one clear line."""
    line = data.count(b"\n", 0, exc.start) + 1
    col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    byte = data[exc.start:exc.start + 1].hex()
    return f"invalid {encoding}: byte 0x{byte} at line {line}, column {col} ({exc.reason})"


def _line_starts_with_cr(text: str) -> list[int]:
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            starts.append(i + 1)
        elif ch == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                i += 1
            starts.append(i + 1)
        i += 1
    return starts


def detect_newline(text: str) -> str:
    """The first newline sequence in ``text`` ("\\n" when there is none)."""
    i = text.find("\n")
    j = text.find("\r")
    if j >= 0 and (i < 0 or j < i):
        return "\r\n" if text[j:j + 2] == "\r\n" else "\r"
    return "\n"


def read_source(path: str) -> tuple[SourceText, bytes]:
    """Read and decode ``path``; raise SourceError with a clear reason."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except FileNotFoundError:
        raise SourceError("no such file (broken symlink?)") from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    return SourceText.from_bytes(data), data


def write_atomic(path: str, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` by ``data`` atomically, keeping its mode.

    A crash at any point leaves either the old or the new content, never a mix.
    ``durable=False`` skips the fsync: for data that can be rebuilt (a cache
    entry), where a sync per file would cost more than the entry is worth.
    """
    real = os.path.realpath(path)
    directory = os.path.dirname(real) or "."
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=".blaslint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
