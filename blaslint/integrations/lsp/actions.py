"""Code actions: a quick fix per fixable finding, fix-all, and suppress-on-this-line.

Every action is computed from the buffer's current text (not from the
``data`` the client echoes back, which may be older), and every edit is
checked before it is offered: a quick fix must leave code that parses and
round-trips through libcst, a suppression must leave the syntax tree intact.
"""

from __future__ import annotations

from lsprotocol import types

from blaslint.core.diagnostics import Diagnostic
from blaslint.integrations.lsp.convert import diagnostic_offsets, text_edit, to_lsp, whole_change, workspace_edit
from blaslint.integrations.lsp.linting import Linted, fixed_all, fixed_by_one
from blaslint.integrations.lsp.positions import LineIndex
from blaslint.integrations.lsp.suppression import noqa_edit

FIX_ALL_KIND = "source.fixAll.blaslint"
QUICKFIX = types.CodeActionKind.QuickFix


def wanted_kind(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for ``source.fixAll`` includes ``source.fixAll.blaslint``."""
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def diagnostics_in(linted: Linted, index: LineIndex, start: int, end: int) -> list[Diagnostic]:
    """Findings whose range overlaps or touches [start, end] (character offsets)."""
    out = []
    for d in linted.diagnostics:
        d_start, d_end = diagnostic_offsets(index, d)
        if d_start <= end and start <= d_end:
            out.append(d)
    return out


def code_actions(linted: Linted, index: LineIndex, uri: str, start: int, end: int,
                 only: list[str] | None, document_changes: bool) -> list[types.CodeAction]:
    def edit(edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        return workspace_edit(uri, linted.version, edits, document_changes)

    actions: list[types.CodeAction] = []
    if wanted_kind(QUICKFIX, only):
        for d in diagnostics_in(linted, index, start, end):
            lsp_diag = to_lsp(index, d)
            if d.fix is not None and fixed_by_one(linted, d) is not None:
                unsafe = "" if d.fix.is_safe else " (unsafe)"
                actions.append(types.CodeAction(
                    title=f"{d.code}: {d.fix.message}{unsafe}", kind=QUICKFIX, diagnostics=[lsp_diag],
                    is_preferred=d.fix.is_safe, edit=edit([text_edit(index, e) for e in d.fix.edits])))
            noqa = noqa_edit(linted.source, d)
            if noqa is not None:
                actions.append(types.CodeAction(
                    title=f"Suppress {d.code} on this line (# noqa: {d.code})", kind=QUICKFIX,
                    diagnostics=[lsp_diag], edit=edit([text_edit(index, noqa)])))
    if wanted_kind(FIX_ALL_KIND, only) and any(d.fix is not None for d in linted.diagnostics):
        unsafe = linted.settings.unsafe_fixes
        new_text = fixed_all(linted, unsafe)
        if new_text is not None:
            title = "blaslint: fix all" + (" (including unsafe fixes)" if unsafe else " safe fixes")
            actions.append(types.CodeAction(title=title, kind=FIX_ALL_KIND,
                                            edit=edit([whole_change(index, new_text)])))
    return actions
