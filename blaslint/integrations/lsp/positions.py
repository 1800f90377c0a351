"""Positions between blaslint (1-based lines, 1-based character columns) and LSP.

LSP positions are 0-based lines and columns counted in the code units of the
negotiated position encoding: UTF-16 by default (a character outside the Basic
Multilingual Plane, such as most emoji, counts 2), or UTF-8 / UTF-32 when the
client offers them. Lines end at "\\n", "\\r\\n" or "\\r" -- exactly the line
breaks of :class:`blaslint.core.source.SourceText`, and of the LSP specification
(``str.splitlines`` would also split at form feeds and U+2028).
"""

from __future__ import annotations

import bisect

from blaslint.core.source import SourceText

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str = UTF16) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def char_index(line: str, unit_col: int, encoding: str = UTF16) -> int:
    """Character index in ``line`` of a column given in code units (clamped to the line)."""
    if encoding == UTF32 or line.isascii():
        return max(0, min(unit_col, len(line)))
    seen = 0
    for i, ch in enumerate(line):
        if seen >= unit_col:
            return i
        seen += units(ch, encoding)
    return len(line)


class LineIndex:
    """Offsets, (line, column) pairs and LSP positions of one document text."""

    def __init__(self, source: SourceText, encoding: str = UTF16) -> None:
        self.source = source
        self.encoding = encoding

    @property
    def text(self) -> str:
        return self.source.text

    def lsp_position(self, line: int, col: int) -> tuple[int, int]:
        """LSP (line, character) of a 1-based (line, character column)."""
        n = len(self.source.line_starts)
        if line > n:  # past the end: clamp to the end of the last line
            line, col = n, len(self.source.line_text(n)) + 1
        text = self.source.line_text(line)
        return line - 1, units(text[:max(col - 1, 0)], self.encoding)

    def lsp_position_of_offset(self, offset: int) -> tuple[int, int]:
        return self.lsp_position(*self.source.position(max(0, min(offset, len(self.text)))))

    def offset(self, lsp_line: int, lsp_character: int) -> int:
        """Character offset of an LSP position (clamped into the text)."""
        starts = self.source.line_starts
        if lsp_line < 0:
            return 0
        if lsp_line >= len(starts):
            return len(self.text)
        text = self.source.line_text(lsp_line + 1)
        return starts[lsp_line] + char_index(text, lsp_character, self.encoding)

    def line_of_offset(self, offset: int) -> int:
        """1-based line of a character offset."""
        return bisect.bisect_right(self.source.line_starts, offset)
