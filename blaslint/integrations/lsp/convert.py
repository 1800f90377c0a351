"""blaslint findings and edits as LSP objects (lsprotocol types)."""

from __future__ import annotations

from lsprotocol import types

from blaslint.core.diagnostics import INTERNAL_ERROR, SYNTAX_ERROR, UNREADABLE_FILE, Diagnostic, Edit
from blaslint.integrations.lsp.pages import page_uri
from blaslint.integrations.lsp.positions import LineIndex

SOURCE = "blaslint"
ERROR_CODES = {SYNTAX_ERROR, UNREADABLE_FILE, INTERNAL_ERROR}
# Like the command line: info findings are sent only when min-severity shows them.
LSP_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
                "info": types.DiagnosticSeverity.Information}


def lsp_range(index: LineIndex, start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    (sl, sc), (el, ec) = index.lsp_position(*start), index.lsp_position(*end)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def offsets_range(index: LineIndex, start: int, end: int) -> types.Range:
    (sl, sc), (el, ec) = index.lsp_position_of_offset(start), index.lsp_position_of_offset(end)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def diagnostic_offsets(index: LineIndex, d: Diagnostic) -> tuple[int, int]:
    """Character offsets [start, end) of a finding; an empty range widens to one character."""
    start = index.offset(d.line - 1, 0) + d.col - 1
    end = index.offset(d.end_line - 1, 0) + d.end_col - 1
    text = index.text
    if end <= start:
        end = start + 1 if start < len(text) and text[start] not in "\r\n" else start
    return min(start, len(text)), min(end, len(text))


def text_edit(index: LineIndex, e: Edit) -> types.TextEdit:
    return types.TextEdit(range=offsets_range(index, e.start, e.end), new_text=e.content)


def to_lsp(index: LineIndex, d: Diagnostic) -> types.Diagnostic:
    start, end = diagnostic_offsets(index, d)
    data = None
    if d.fix is not None:
        data = {"fix": {
            "message": d.fix.message,
            "applicability": d.fix.applicability.value,
            "edits": [{"range": _range_json(offsets_range(index, e.start, e.end)), "newText": e.content}
                      for e in d.fix.edits],
        }}
    href = page_uri(d.code)
    return types.Diagnostic(
        range=offsets_range(index, start, end),
        message=d.message,
        severity=LSP_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning)
        if d.code not in ERROR_CODES else types.DiagnosticSeverity.Error,
        code=d.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        data=data,
    )


def _range_json(r: types.Range) -> dict:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                   document_changes: bool) -> types.WorkspaceEdit:
    """Edits of one document, versioned when the client supports ``documentChanges``."""
    if document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def whole_change(index: LineIndex, new_text: str) -> types.TextEdit:
    """One edit turning the document into ``new_text``: the differing middle only."""
    old = index.text
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    # Do not split a "\r\n" pair: a position between them is not a valid LSP position.
    while prefix > 0 and old[prefix - 1] == "\r":
        prefix -= 1
    while suffix > 0 and old[len(old) - suffix] == "\n" and old[len(old) - suffix - 1:len(old) - suffix] == "\r":
        suffix -= 1
    return types.TextEdit(range=offsets_range(index, prefix, len(old) - suffix),
                          new_text=new_text[prefix:len(new_text) - suffix])
