"""The language server: pygls wiring of diagnostics, code actions and hover.

Diagnostics are published when a document is opened or saved (then also for
the open documents whose findings rest on the saved file: a helper module),
and after a pause in typing (``debounce``, 250 ms by default; ``initializationOptions``
``{"debounceMs": 100}`` changes it). Documents are synchronised in full, so
the text linted is exactly the editor's. Any error while serving one document
is logged to the client and the server carries on.
"""

from __future__ import annotations

import asyncio
import os
import traceback

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from blaslint import __version__
from blaslint.project.config import CONFIG_NAMES
from blaslint.integrations.lsp.actions import FIX_ALL_KIND, QUICKFIX, code_actions, diagnostics_in
from blaslint.integrations.lsp.convert import diagnostic_offsets, offsets_range, to_lsp
from blaslint.integrations.lsp.linting import Linted, SettingsCache, lint_document
from blaslint.integrations.lsp.pages import hover_markdown
from blaslint.integrations.lsp.positions import UTF16, LineIndex

DEFAULT_DEBOUNCE = 0.25
SKIPPED_SUFFIXES = (".ipynb",)  # notebooks are out of scope for the server


class BlaslintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("blaslint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.settings_cache = SettingsCache()
        self.linted: dict[str, Linted] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.debounce = DEFAULT_DEBOUNCE
        self.shown_problems: set[str] = set()

    # -- helpers ---------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - logging must never take the server down
            pass

    def encoding(self) -> str:
        enc = self.workspace.position_encoding
        return str(getattr(enc, "value", enc) or UTF16)

    def document_changes(self) -> bool:
        ws = self.client_capabilities.workspace
        return bool(ws and ws.workspace_edit and ws.workspace_edit.document_changes)

    def current(self, uri: str) -> Linted | None:
        """The document's findings for its current text (linting again only if it changed)."""
        if uri not in self.workspace.text_documents or uri.endswith(SKIPPED_SUFFIXES):
            return None
        doc = self.workspace.get_text_document(uri)
        text = doc.source
        cached = self.linted.get(uri)
        if cached is not None and cached.text == text and cached.version == doc.version and cached.still_valid():
            return cached
        path = to_fs_path(uri) if uri.startswith("file:") else None
        settings = self.settings_cache.for_path(path)
        self._show_config_problems()
        linted = lint_document(text, path, settings, doc.version)
        for err in linted.errors:
            self.log(err, types.MessageType.Error)
        self.linted[uri] = linted
        return linted

    def _show_config_problems(self) -> None:
        problems, self.settings_cache.problems = self.settings_cache.problems, []
        for p in problems:
            if p not in self.shown_problems:
                self.shown_problems.add(p)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=p))

    def publish(self, uri: str) -> None:
        try:
            linted = self.current(uri)
            if linted is None:
                return
            index = LineIndex(linted.source, self.encoding())
            diagnostics = [to_lsp(index, d) for d in linted.diagnostics]
        except Exception:  # noqa: BLE001 - one document must not stop the server
            self.log(f"blaslint: linting {uri} failed:\n{traceback.format_exc()}", types.MessageType.Error)
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=linted.version))

    def cancel(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def schedule(self, uri: str) -> None:
        self.cancel(uri)
        self.pending[uri] = asyncio.ensure_future(self._publish_later(uri))

    async def _publish_later(self, uri: str) -> None:
        await asyncio.sleep(self.debounce)
        self.pending.pop(uri, None)
        self.publish(uri)


server = BlaslintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: BlaslintServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("debounceMs"), (int, float)):
        ls.debounce = max(0.0, options["debounceMs"] / 1000)
    folders = params.workspace_folders or []
    root = to_fs_path(folders[0].uri) if folders else (
        to_fs_path(params.root_uri) if params.root_uri else params.root_path)
    if root and os.path.isdir(root):
        ls.settings_cache.fallback_root = root


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: BlaslintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: BlaslintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: BlaslintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.cancel(uri)
    if os.path.basename(uri) in CONFIG_NAMES:  # configuration edited: lint every open document again
        ls.linted.clear()
        for other in list(ls.workspace.text_documents):
            ls.publish(other)
        return
    ls.publish(uri)
    # documents whose findings rest on the saved file (a helper module) are linted again
    saved = to_fs_path(uri) if uri.startswith("file:") else None
    if saved:
        for other, linted in list(ls.linted.items()):
            if other != uri and linted.rests_on(saved):
                ls.publish(other)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: BlaslintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.cancel(uri)
    ls.linted.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[QUICKFIX, FIX_ALL_KIND], resolve_provider=False))
def code_action(ls: BlaslintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    try:
        linted = ls.current(uri)
        if linted is None:
            return None
        index = LineIndex(linted.source, ls.encoding())
        r = params.range
        start = index.offset(r.start.line, r.start.character)
        end = index.offset(r.end.line, r.end.character)
        only = list(params.context.only) if params.context and params.context.only else None
        return code_actions(linted, index, uri, start, end, only, ls.document_changes()) or None
    except Exception:  # noqa: BLE001
        ls.log(f"blaslint: code actions for {uri} failed:\n{traceback.format_exc()}", types.MessageType.Error)
        return None


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: BlaslintServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    try:
        linted = ls.current(uri)
        if linted is None:
            return None
        index = LineIndex(linted.source, ls.encoding())
        at = index.offset(params.position.line, params.position.character)
        found = diagnostics_in(linted, index, at, at)
        texts, seen = [], set()
        for d in found:
            text = hover_markdown(d.code) if d.code not in seen else None
            seen.add(d.code)
            if text:
                texts.append(text)
        if not texts:
            return None
        start, end = diagnostic_offsets(index, found[0])
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value="\n\n---\n\n".join(texts)),
                           range=offsets_range(index, start, end))
    except Exception:  # noqa: BLE001
        ls.log(f"blaslint: hover for {uri} failed:\n{traceback.format_exc()}", types.MessageType.Error)
        return None


@server.feature(types.SHUTDOWN)
def shutdown(ls: BlaslintServer, params: None) -> None:
    for uri in list(ls.pending):
        ls.cancel(uri)
