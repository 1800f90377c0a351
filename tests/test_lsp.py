"""The language server: unit tests of its pieces, then end to end over stdio.

The end-to-end tests start ``blaslint server`` as a subprocess and drive it
with pytest-lsp's client (a real LSP client speaking JSON-RPC over the
server's stdin/stdout), with the capabilities VS Code and Neovim announce.
Edits the server returns are applied by :func:`apply_edits` below, written
independently of the server's own position code.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from blaslint.project.config import Settings
from blaslint.core.diagnostics import Diagnostic
from blaslint.integrations.lsp.linting import lint_document
from blaslint.integrations.lsp.pages import hover_markdown, page_uri
from blaslint.integrations.lsp.positions import UTF8, UTF16, UTF32, LineIndex, char_index, units
from blaslint.integrations.lsp.suppression import noqa_edit
from blaslint.core.source import SourceText

INV = "import numpy as np\n\n\ndef f(A, b):\n    return np.linalg.inv(A) @ y\n"
SOLVED = "import numpy as np\n\n\ndef f(A, b):\n    return np.linalg.solve(A, y)\n"


# -- independent helpers for the tests -----------------------------------------

def _to_index(lines: list[str], line: int, character: int, encoding: str) -> int:
    """Offset of an LSP position, counting code units by encoding the line prefix."""
    offset = sum(len(x) for x in lines[:line])
    text = lines[line] if line < len(lines) else ""
    width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]
    codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    for i in range(len(text) + 1):
        if len(text[:i].encode(codec)) // width >= character:
            return offset + i
    return offset + len(text)


def apply_edits(text: str, edits, encoding: str = "utf-16") -> str:
    lines = text.splitlines(keepends=True)  # the test texts hold no exotic line breaks
    spans = []
    for e in edits:
        start = _to_index(lines, e.range.start.line, e.range.start.character, encoding)
        end = _to_index(lines, e.range.end.line, e.range.end.character, encoding)
        spans.append((start, end, e.new_text))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction, uri: str):
    edit = action.edit
    if edit.document_changes:
        (change,) = edit.document_changes
        assert change.text_document.uri == uri
        return change.edits
    return edit.changes[uri]


# -- unit: positions -------------------------------------------------------------

def test_units_count_non_bmp_characters_per_encoding():
    text = "a😀é"
    assert units(text, UTF16) == 4  # the emoji is a surrogate pair
    assert units(text, UTF8) == 1 + 4 + 2
    assert units(text, UTF32) == 3
    assert char_index(text, 3, UTF16) == 2 and char_index(text, 1, UTF16) == 1
    assert char_index(text, 5, UTF8) == 2 and char_index(text, 99, UTF8) == 3


def test_line_index_maps_columns_after_an_emoji():
    src = SourceText('s = "😀"; y = 1\nz = 2\r\nw = 3\rv\n')
    index = LineIndex(src, UTF16)
    col_y = src.line_text(1).index("y") + 1  # 1-based character column
    assert index.lsp_position(1, col_y) == (0, col_y)  # one more UTF-16 unit than characters
    assert LineIndex(src, UTF32).lsp_position(1, col_y) == (0, col_y - 1)
    assert index.offset(0, col_y) == src.text.index("y")
    assert index.offset(2, 0) == src.text.index("w") and index.offset(3, 0) == src.text.index("v")
    assert index.offset(99, 0) == len(src.text)


def test_form_feed_is_not_a_line_break():
    src = SourceText("a = 1\x0c\nb = np.linalg.inv(A) @ X\n")
    assert LineIndex(src).lsp_position(2, 5) == (1, 4)


# -- unit: suppression edit, pages -------------------------------------------------

def _diag(line: int, stmt_line: int | None = None, code: str = "BL401") -> Diagnostic:
    return Diagnostic(code, "m", "x.py", line, 1, line, 2, stmt_line=stmt_line or line)


def _apply(src: SourceText, edit) -> str:
    return src.text[:edit.start] + edit.content + src.text[edit.end:]


@pytest.mark.parametrize("line, expected", [
    ("x = inv(A) @ y", "x = inv(A) @ y  # noqa: BL401"),
    ("x = inv(A) @ y  # keep", "x = inv(A) @ y  # keep  # noqa: BL401"),
    ("x = inv(A) @ y  # noqa: BL101", "x = inv(A) @ y  # noqa: BL101, BL401"),
    ("x = inv(A) @ y  # noqa:E501,BL101 why", "x = inv(A) @ y  # noqa:E501,BL101, BL401 why"),
])
def test_noqa_edit_adds_or_extends(line, expected):
    src = SourceText(line + "\n")
    assert _apply(src, noqa_edit(src, _diag(1))) == expected + "\n"


def test_noqa_edit_on_the_findings_line_of_a_multiline_statement():
    src = SourceText("y = f(\n    inv(A) @ y,\n    c,\n)\n")
    assert _apply(src, noqa_edit(src, _diag(2, stmt_line=1))).splitlines()[1] == "    inv(A) @ y,  # noqa: BL401"


def test_noqa_edit_never_writes_into_a_string_or_after_a_backslash():
    src = SourceText('y = inv(A) @ Y("""\nabc""")\n')
    assert noqa_edit(src, _diag(1)) is None  # line 1 ends inside the string literal
    src2 = SourceText('y = g(inv(A) @ y, """\nabc""") + h(\n    1)\n')
    edit = noqa_edit(src2, _diag(2, stmt_line=1))  # line 2 ends in code: the comment goes there
    assert _apply(src2, edit).splitlines()[1] == 'abc""") + h(  # noqa: BL401'
    edit = noqa_edit(src2, _diag(1, stmt_line=1))
    assert edit is None
    src3 = SourceText("y = 1 + \\\n    inv(A) @ y\n")
    assert noqa_edit(src3, _diag(1, stmt_line=1)) is None  # a comment after "\\" is a syntax error
    edit = noqa_edit(src3, _diag(2, stmt_line=1))
    assert _apply(src3, edit).splitlines()[1] == "    inv(A) @ y  # noqa: BL401"


def test_noqa_edit_refuses_tool_codes_and_blanket_noqa():
    src = SourceText("x = inv(A) @ y  # noqa\n")
    assert noqa_edit(src, _diag(1)) is None
    assert noqa_edit(SourceText("x = 1\n"), _diag(1, code="BL900")) is None


def test_hover_text_has_summary_and_measured_cost():
    text = hover_markdown("BL401")
    assert text.startswith("**BL401 inverse-times**")
    assert "Measured cost" in text and "Flags an explicit inverse" in text
    assert page_uri("BL401").startswith("file://") and page_uri("BL401").endswith("BL401.md")
    assert "does not parse" in hover_markdown("BL900")
    assert hover_markdown("BL000") is None


def test_buffer_lint_reports_syntax_errors_even_without_triggers(tmp_path):
    linted = lint_document("def f(:\n    pass\n", str(tmp_path / "a.py"), Settings(project_root=str(tmp_path)))
    assert [d.code for d in linted.diagnostics] == ["BL900"]


# -- end to end over stdio ---------------------------------------------------------

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "blaslint", "server"])


async def _start(client: LanguageClient, root: Path, spec: str, debounce_ms: int = 20) -> types.InitializeResult:
    params = types.InitializeParams(
        capabilities=client_capabilities(spec),
        initialization_options={"debounceMs": debounce_ms},
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
    )
    return await client.initialize_session(params)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.blaslint]\nselect = ["BL401"]\nper-file-ignores = { "ignored_*.py" = ["BL401"] }\n',
        encoding="utf-8")
    return tmp_path


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()  # shutdown request, exit notification, wait for the process
    assert lsp_client._server.returncode == 0  # exit after shutdown: status 0


async def _open(client: LanguageClient, path: Path, text: str, version: int = 1):
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri, client.diagnostics[uri]


async def _change(client: LanguageClient, uri: str, text: str, version: int):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def _actions(client: LanguageClient, uri: str, rng: types.Range, diags, only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        context=types.CodeActionContext(diagnostics=list(diags), only=only)))


@pytest.mark.asyncio
async def test_open_fix_change_hover_and_broken_document(client: LanguageClient, project: Path):
    await _start(client, project, "visual-studio-code")
    uri, diags = await _open(client, project / "solve.py", INV)
    (diag,) = diags
    assert diag.code == "BL401" and diag.source == "blaslint"
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert (diag.range.start.line, diag.range.start.character) == (4, 11)
    assert (diag.range.end.line, diag.range.end.character) == (4, 31)
    assert diag.code_description.href.endswith("BL401.md")
    assert diag.data["fix"]["applicability"] == "unsafe"

    actions = await _actions(client, uri, diag.range, diags)
    titles = [a.title for a in actions]
    fix = next(a for a in actions if "solve" in a.title)
    assert fix.title.endswith("(unsafe)") and fix.kind == types.CodeActionKind.QuickFix
    assert apply_edits(INV, edits_of(fix, uri)) == SOLVED
    suppress = next(a for a in actions if a.title.startswith("Suppress BL401"))
    suppressed = apply_edits(INV, edits_of(suppress, uri))
    assert suppressed.splitlines()[4] == "    return np.linalg.inv(A) @ y  # noqa: BL401"
    assert not any("fix all" in t for t in titles)  # the only fix is unsafe, unsafe-fixes is off

    # the suppressed text, typed in: the finding goes away (debounced change)
    assert list(await _change(client, uri, suppressed, 2)) == []
    # the fixed text: nothing left
    assert list(await _change(client, uri, SOLVED, 3)) == []
    # back to the finding, with an emoji before it on the line (UTF-16 columns)
    emoji = INV.replace("    return np", '    s = "😀"; return np')
    (diag,) = await _change(client, uri, emoji, 4)
    assert diag.range.start.character == len('    s = "😀"; return ') + 1
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=diag.range.start))
    assert "BL401 inverse-times" in hover.contents.value and "Measured cost" in hover.contents.value
    assert hover.range == diag.range
    fix = next(a for a in await _actions(client, uri, diag.range, [diag]) if "solve" in a.title)
    assert apply_edits(emoji, edits_of(fix, uri)) == SOLVED.replace("    return np", '    s = "😀"; return np')
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)))
    assert nothing is None

    # a document that does not parse: BL900 as an error, and the server keeps serving
    (broken,) = await _change(client, uri, "def f(:\n    return 1\n", 5)
    assert broken.code == "BL900" and broken.severity == types.DiagnosticSeverity.Error
    assert broken.range.start.line == 0
    assert await _actions(client, uri, broken.range, [broken]) is None
    (diag,) = await _change(client, uri, INV, 6)
    assert diag.code == "BL401"
    # requests about a document that was never opened: empty answers, no crash
    unknown = (project / "never_opened.py").as_uri()
    assert await _actions(client, unknown, diag.range, []) is None
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=unknown), position=diag.range.start)) is None


@pytest.mark.asyncio
async def test_project_config_and_noqa_respected_and_save(client: LanguageClient, project: Path):
    await _start(client, project, "neovim", debounce_ms=300)
    ignored_uri, diags = await _open(client, project / "ignored_solve.py", INV)
    assert list(diags) == []  # per-file-ignores from pyproject.toml
    noqa = INV.replace("@ y\n", "@ y  # noqa: BL401\n")
    _, diags = await _open(client, project / "noqa.py", noqa)
    assert list(diags) == []
    path = project / "other.py"
    path.write_text("x = 1\n", encoding="utf-8")  # what is on disk is never linted
    uri, diags = await _open(client, path, INV)
    assert [d.code for d in diags] == ["BL401"]
    # three quick edits are linted once, at the last version (debounce)
    for version, text in ((2, SOLVED), (3, noqa), (4, INV.replace("def f", "def g"))):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    published = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert published.version == 4 and [d.code for d in published.diagnostics] == ["BL401"]
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["BL401"]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_fix_all_with_unsafe_fixes_enabled_and_utf8_positions(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\nunsafe-fixes = true\n',
                                             encoding="utf-8")
    result = await _start(client, tmp_path, "neovim")
    encoding = str(getattr(result.capabilities.position_encoding, "value", result.capabilities.position_encoding))
    assert encoding == "utf-8"  # Neovim offers UTF-8 first
    text = INV.replace("def f(A, b):", "def f(A, b):\n    t = 'é😀'; u = np.linalg.inv(A) @ y")
    uri, diags = await _open(client, tmp_path / "two.py", text)
    assert len(diags) == 2
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    actions = await _actions(client, uri, whole, [], only=[types.CodeActionKind.SourceFixAll])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.blaslint" and "unsafe" in fix_all.title
    fixed = apply_edits(text, edits_of(fix_all, uri), encoding)
    assert "inv" not in fixed and fixed.count("np.linalg.solve(A, y)") == 2
    assert "t = 'é😀'; u = np.linalg.solve(A, y)" in fixed
    # quick fix of the finding after the emoji, in the negotiated encoding
    second = next(d for d in diags if d.range.start.line == 4)
    quick = next(a for a in await _actions(client, uri, second.range, [second]) if "solve" in a.title)
    assert "t = 'é😀'; u = np.linalg.solve(A, y)" in apply_edits(text, edits_of(quick, uri), encoding)


@pytest.mark.asyncio
async def test_untitled_document_and_notebook_are_handled(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\n', encoding="utf-8")
    await _start(client, tmp_path, "visual-studio-code")
    notebook = (tmp_path / "nb.ipynb").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=notebook, language_id="json", version=1, text="{")))
    uri = "untitled:Untitled-1"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=INV)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["BL401"]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=12)))
    assert "BL401" in hover.contents.value
    assert notebook not in client.diagnostics  # notebooks are out of the server's scope


@pytest.mark.asyncio
async def test_saving_a_helper_module_lints_the_documents_that_use_it_again(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL402"]\n', encoding="utf-8")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    helper = "import numpy as np\n\n\ndef diagonal_of(x):\n    return np.diag(x)\n"
    (pkg / "utils.py").write_text(helper, encoding="utf-8")
    main = ("import numpy as np\nfrom .utils import diagonal_of\n\n\n"
            "def scale(n, B):\n    A = np.ones((n, n))\n    d = diagonal_of(A)\n    return np.diag(d) @ B\n")
    await _start(client, tmp_path, "visual-studio-code")
    uri, diags = await _open(client, pkg / "main.py", main)
    assert [d.code for d in diags] == ["BL402"]          # d is 1-D: the helper extracts a diagonal
    saved = types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier((pkg / "utils.py").as_uri()))
    for text, expected in ((helper.replace("np.diag(x)", "x"), []), (helper, ["BL402"])):
        (pkg / "utils.py").write_text(text, encoding="utf-8")
        client.text_document_did_save(saved)
        published = await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
        assert published.uri == uri and [d.code for d in published.diagnostics] == expected


def test_server_without_pygls_explains_the_extra(monkeypatch, capsys):
    from blaslint.integrations import lsp

    monkeypatch.setitem(sys.modules, "pygls", None)
    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)
    monkeypatch.delitem(sys.modules, "blaslint.integrations.lsp.server", raising=False)
    assert lsp.main_server([]) == 2
    assert "blaslint[lsp]" in capsys.readouterr().err

