"""Jupyter notebooks: lint the code cells as one module, report (cell, line, col).

Like ruff, the code cells are joined into one source so that names defined in
an earlier cell resolve in a later one. IPython syntax (``%magic``, ``!shell``,
``x?`` help, ``y = !cmd``) is masked with a same-length filler statement
(``0`` padded with spaces) so that every line and column keeps its place and
positions map back to cells by simple arithmetic. A cell whose first line is a
cell magic that runs Python (``%%time``, ``%%timeit``, ...) keeps its body;
other cell magics (``%%bash``, ``%%html``, ...) and non-code cells are skipped.
A code cell that still does not parse is reported (BL900) and left out.

Cells are numbered from 1 over all cells of the notebook (markdown included),
as a reader counts them. ``--fix`` splices each fix into its cell's source and
writes the notebook back with the JSON formatting it had (indent, key order,
non-ASCII escaping, trailing newline): when that formatting cannot be
reproduced exactly, fixes are not written and the run says why.

This module is a source adapter below the runner: cells -> one text with a
position map (:func:`join_cells`, :func:`to_cell_diagnostic`), and fixed cell
texts -> notebook JSON (:func:`fix_cells`, :func:`dump_notebook`). The runner
(:func:`blaslint.core.runner.process_notebook_bytes`) reads, lints and writes;
this module never calls it.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import re
import warnings
from dataclasses import dataclass

from blaslint.core import fix as fixmod
from blaslint.core.diagnostics import SYNTAX_ERROR, Diagnostic, Edit, Fix
from blaslint.core.source import SourceText

# Cell magics whose body is Python (ruff's list).
PYTHON_CELL_MAGICS = {"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"}
_ASSIGN_MAGIC = re.compile(r"^\s*[\w.\[\], ]+=\s*[%!]")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


class NotebookError(Exception):
    """Not a notebook we can read (reported as BL901)."""


@dataclass
class CodeCell:
    number: int          # 1-based position among all cells
    text: str            # the cell's source as stored
    masked: str | None   # the Python that is linted (same line lengths); None: skipped
    syntax_error: Diagnostic | None = None


@dataclass
class Notebook:
    data: dict
    cells: list[CodeCell]
    is_python: bool


# -- reading ---------------------------------------------------------------------

def cell_text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parse_notebook(text: str, path: str = "<notebook>") -> Notebook:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        if isinstance(data, dict) and "worksheets" in data:
            raise NotebookError("nbformat 3 notebooks are not supported (convert with `jupyter nbconvert --to notebook`)")
        raise NotebookError("not a Jupyter notebook (no `cells` list)")
    cells = []
    for i, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell_text(cell)
        cells.append(_code_cell(i, text, path))
    return Notebook(data, cells, _is_python(data))


def _is_python(data: dict) -> bool:
    meta = data.get("metadata") or {}
    lang = (meta.get("language_info") or {}).get("name") or (meta.get("kernelspec") or {}).get("language")
    return lang is None or str(lang).lower() in ("python", "python3", "ipython", "ipython3")


def _parses(text: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:
        return SyntaxError(str(exc))
    return None


def _code_cell(number: int, text: str, path: str) -> CodeCell:
    if _parses(text) is None:
        return CodeCell(number, text, text)
    masked = mask_magics(text)
    if masked is None:
        return CodeCell(number, text, None)
    err = _parses(masked)
    if err is None:
        return CodeCell(number, text, masked)
    line, col = err.lineno or 1, max(err.offset or 1, 1)
    diag = Diagnostic(SYNTAX_ERROR, f"SyntaxError: {err.msg}", path, line, col, line, col,
                      name="syntax-error", stmt_line=line, cell=number)
    return CodeCell(number, text, None, diag)


def mask_magics(text: str) -> str | None:
    """The cell with IPython-only lines replaced by ``0`` + spaces (same lengths).

    None when the cell is a non-Python cell magic (``%%bash``) and must be skipped.
    """
    lines = _LINES.findall(text)
    out, continued, first = [], False, True
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        stripped = body.strip()
        if first and stripped:
            first = False
            if stripped.startswith("%%"):
                name = stripped[2:].split(None, 1)[0] if stripped[2:].strip() else ""
                if name not in PYTHON_CELL_MAGICS:
                    return None
                out.append(_filler(body) + ending)
                continued = body.endswith("\\")
                continue
        magic = continued or (
            stripped.startswith(("%", "!", "?")) or (stripped.endswith("?") and not stripped.startswith("#"))
            or _ASSIGN_MAGIC.match(body) is not None)
        if magic:
            # a continuation line of a magic becomes blank: an indented filler would not parse
            out.append((" " * len(body) if continued else _filler(body)) + ending)
            continued = body.endswith("\\")
        else:
            out.append(line)
            continued = False
    return "".join(out)


def _filler(body: str) -> str:
    indent = len(body) - len(body.lstrip())
    if len(body) == indent:
        return body
    return body[:indent] + "0" + " " * (len(body) - indent - 1)


# -- joining and mapping positions ------------------------------------------------

@dataclass
class Joined:
    """The linted module: the Python cells one after the other, each ending in a newline."""

    text: str
    cells: list[CodeCell]          # the cells included, in order
    starts: list[int]              # character offset of each cell in ``text``
    first_lines: list[int]         # 1-based line of each cell's first line in ``text``
    lengths: list[int]             # length of each cell's own text (without an added newline)

    def line_name(self, line: int) -> str:
        """A joined line as messages name it: "cell 5, line 13" (the cell's own numbering)."""
        idx = _cell_of_line(self, line)
        return f"cell {self.cells[idx].number}, line {line - self.first_lines[idx] + 1}"

    def locate(self, offset: int) -> int:
        """Index (into ``cells``) of the cell holding ``offset``."""
        import bisect

        return max(0, bisect.bisect_right(self.starts, offset) - 1)


def join_cells(cells: list[CodeCell], texts: dict[int, str] | None = None) -> Joined:
    parts, starts, first_lines, lengths, included = [], [], [], [], []
    offset, line = 0, 1
    for cell in cells:
        if cell.masked is None:
            continue
        masked = cell.masked if texts is None else texts[cell.number]
        chunk = masked if masked.endswith("\n") or not masked else masked + "\n"
        if not chunk:
            chunk = "\n"
        included.append(cell)
        starts.append(offset)
        first_lines.append(line)
        lengths.append(len(masked))
        parts.append(chunk)
        offset += len(chunk)
        line += chunk.count("\n")
    return Joined("".join(parts), included, starts, first_lines, lengths)


def to_cell_diagnostic(d: Diagnostic, joined: Joined) -> Diagnostic:
    """A finding in joined coordinates -> cell-relative (line, col) and edits."""
    if d.cell is not None:
        return d
    idx = _cell_of_line(joined, d.line)
    first = joined.first_lines[idx]
    start = joined.starts[idx]
    fix = d.fix
    if fix is not None:
        fix = Fix(fix.message, tuple(
            Edit(e.start - start, e.end - start, e.content,
                 (e.location[0] - first + 1, e.location[1]), (e.end_location[0] - first + 1, e.end_location[1]))
            for e in fix.edits), fix.applicability)
    stmt_line = d.stmt_line - first + 1 if d.stmt_line >= first else 1
    return dataclasses.replace(d, line=d.line - first + 1, end_line=max(d.end_line - first + 1, 1),
                               stmt_line=stmt_line, fix=fix, cell=joined.cells[idx].number,
                               message=cell_lines(d.message, joined))


# "line 74" of the joined module, not already "cell 5, line 2", nor a line of another file ("mod.py, line 3",
# "f() at line 3 in mod.py"): evidence named by line number where the message was built without the notebook
_JOINED_LINE = re.compile(r"(cell \d+, |[\w./-]+\.pyi?, )?\bline (\d+)\b(?! in [\w./-]+\.pyi?\b)")


def cell_lines(message: str, joined: Joined) -> str:
    """A message's joined-module line numbers as the notebook's reader sees them: "cell 31, line 2"."""
    def name(m: re.Match) -> str:
        if m.group(1) is not None:
            return m.group(0)
        return joined.line_name(int(m.group(2)))
    parts = message.split("`")  # quoted code (odd parts) is left as written
    return "`".join(_JOINED_LINE.sub(name, p) if i % 2 == 0 else p for i, p in enumerate(parts))


def _cell_of_line(joined: Joined, line: int) -> int:
    import bisect

    return max(0, bisect.bisect_right(joined.first_lines, line) - 1)


# -- fixing ------------------------------------------------------------------------

def masked_texts(nb: Notebook, texts: dict[int, str]) -> dict[int, str]:
    """The Python to lint for the current cell texts (IPython lines masked again after fixes)."""
    out = {}
    for cell in nb.cells:
        if cell.masked is None:
            continue
        text = texts[cell.number]
        if text == cell.text:
            out[cell.number] = cell.masked
        elif _parses(text) is None:
            out[cell.number] = text
        else:
            out[cell.number] = mask_magics(text) or text
    return out


def fix_cells(nb, texts, joined, diags, lint, unsafe: bool, path: str):
    """Apply fixes cell by cell until none applies; every pass must parse."""
    total = 0
    for _ in range(fixmod.MAX_PASSES):
        per_cell: dict[int, list[Diagnostic]] = {}
        for d in diags:
            moved = _fix_in_cell(d, joined, texts) if fixmod.applicable(d, unsafe) else None
            if moved is not None:
                per_cell.setdefault(moved[0], []).append(moved[1])
        new_texts, applied = dict(texts), 0
        for number, cell_diags in per_cell.items():
            new_text, done = fixmod.splice(texts[number], cell_diags, unsafe)
            new_texts[number] = new_text
            applied += len(done)
        if not applied or new_texts == texts:
            break
        candidate = join_cells(nb.cells, masked_texts(nb, new_texts))
        fixmod.check_parses(candidate.text, path)
        total += applied
        texts = new_texts
        joined, diags = lint(texts)
    return texts, total, joined, diags


def _fix_in_cell(d: Diagnostic, joined: Joined, texts: dict[int, str]):
    """(cell number, the finding with its edits in cell offsets), or None if the fix leaves its cell
    or touches a masked IPython line."""
    if not d.fix.edits:
        return None
    idx = joined.locate(d.fix.edits[0].start)
    start, length = joined.starts[idx], joined.lengths[idx]
    number = joined.cells[idx].number
    original = texts[number]
    masked = joined.text[start:start + length]
    edits = []
    for e in d.fix.edits:
        s, t = e.start - start, min(e.end - start, length)  # the added final newline is virtual
        if s < 0 or s > length or t < s or original[s:t] != masked[s:t]:
            return None
        edits.append(Edit(s, t, e.content, e.location, e.end_location))
    return number, dataclasses.replace(d, fix=Fix(d.fix.message, tuple(edits), d.fix.applicability))


# -- writing ------------------------------------------------------------------------

@dataclass(frozen=True)
class JsonFormat:
    indent: int | str | None
    ensure_ascii: bool
    newline: str
    trailing_newline: bool

    def dumps(self, data) -> str:
        seps = (",", ": ") if self.indent is not None else (", ", ": ")
        text = json.dumps(data, indent=self.indent, ensure_ascii=self.ensure_ascii, separators=seps)
        if self.trailing_newline:
            text += "\n"
        return text.replace("\n", self.newline) if self.newline != "\n" else text


def json_format(raw: str) -> JsonFormat | None:
    """The json.dumps settings that reproduce ``raw`` exactly, or None."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    newline = "\r\n" if "\r\n" in raw else "\n"
    trailing = raw.endswith(newline) or raw.endswith("\n")
    for indent in (1, 2, 4, 0, 3, "\t", None):
        for ensure_ascii in (False, True):
            fmt = JsonFormat(indent, ensure_ascii, newline, trailing)
            if fmt.dumps(data) == raw:
                return fmt
    return None


def dump_notebook(nb: Notebook, texts: dict[int, str], fmt: JsonFormat) -> str:
    """The notebook JSON with the fixed cell sources, everything else as it was."""
    data = json.loads(json.dumps(nb.data))  # a copy; key order is kept
    for number, text in texts.items():
        cell = data["cells"][number - 1]
        old = cell_text(cell)
        if text == old:
            continue
        if not old.endswith("\n") and text.endswith("\n"):
            text = text[:-1]
        cell["source"] = _LINES.findall(text) if isinstance(cell.get("source"), list) else text
    return fmt.dumps(data)


# -- for the reports -------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _cell_texts(raw: str) -> dict[int, str]:
    try:
        data = json.loads(raw)
        return {i: cell_text(c) for i, c in enumerate(data.get("cells", []), start=1) if isinstance(c, dict)}
    except (json.JSONDecodeError, AttributeError):
        return {}


def cell_source(raw: SourceText, cell: int) -> SourceText | None:
    """The source of one cell of a notebook (given as its raw JSON), for code frames."""
    text = _cell_texts(raw.text).get(cell)
    return None if text is None else SourceText(text)
