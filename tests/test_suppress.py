"""Suppressions: `# noqa`, `# noqa: codes`, `# blaslint: skip-file`, and BL902 unused-noqa."""

from __future__ import annotations

import textwrap

from cli_support import BAD, run_cli, write

from blaslint.project.config import Settings
from blaslint.core.runner import RunOptions, check_text
from blaslint.core.source import SourceText
from blaslint.core.suppress import find_noqa, skip_file

HEADER = "import numpy as np\n"


def check(code: str, fix: bool = False, unsafe: bool = False, report_unused: bool = False, select=None):
    settings = Settings(select=select)
    options = RunOptions(fix=fix, unsafe_fixes=unsafe, report_unused_noqa=report_unused)
    return check_text(SourceText(HEADER + textwrap.dedent(code)), "m.py", settings, options)


def codes(code: str, **kw) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in check(code, **kw).diagnostics]


def test_blanket_and_specific_noqa():
    assert codes("x = np.linalg.inv(A) @ y  # noqa\n") == []
    assert codes("x = np.linalg.inv(A) @ y  # noqa: BL401\n") == []
    assert codes("x = np.linalg.inv(A) @ y  # NOQA:BL402, BL401\n") == []
    assert codes("x = np.linalg.inv(A) @ y  # noqa: BL402\n") == [("BL401", 2)]
    assert codes("x = np.linalg.inv(A) @ y  # type: ignore  # noqa: BL401\n") == []


def test_noqa_on_first_line_of_a_multiline_statement():
    code = """\
    x = foo(  # noqa: BL401
        1,
        np.linalg.inv(A) @ y,
    )
    """
    assert codes(code) == []
    assert codes(code.replace("  # noqa: BL401", "")) == [("BL401", 4)]


def test_noqa_on_another_line_does_not_apply():
    code = """\
    y = 1  # noqa: BL401
    x = np.linalg.inv(A) @ y
    """
    assert codes(code) == [("BL401", 3)]


def test_noqa_inside_a_string_does_not_count():
    assert codes('x = np.linalg.inv(A) @ y; s = "# noqa: BL401"\n') == [("BL401", 2)]
    code = '''\
    doc = """
    # noqa
    """; x = np.linalg.inv(A) @ y
    '''
    assert codes(code) == [("BL401", 4)]


def test_find_noqa_reads_only_comments():
    src = SourceText('a = "# noqa"\nb = 1  # noqa: BL401\n')
    found = find_noqa(src)
    assert list(found) == [2]
    assert found[2].codes == frozenset({"BL401"}) and found[2].col == 8


def test_skip_file():
    assert codes("# blaslint: skip-file\nx = np.linalg.inv(A) @ y\n") == []
    assert skip_file("x = 1\n# blaslint: skip-file\n")
    assert not skip_file('s = """\n# blaslint: skip-file\n"""\n')  # in a string: not a directive
    # a file that does not parse is still reported
    assert [d.code for d in check("# blaslint: skip-file\nx = (\n").diagnostics] == ["BL900"]


def test_syntax_error_is_never_suppressed():
    assert [d.code for d in check("x = (np.linalg.inv  # noqa\n").diagnostics] == ["BL900"]


def test_suppressed_fix_is_not_applied():
    result = check("x = np.linalg.inv(A) @ y  # noqa: BL401\n", fix=True, unsafe=True)
    assert result.fixed_text is None and result.diagnostics == []
    result = check("x = np.linalg.inv(A) @ y\n", fix=True, unsafe=True)
    assert "np.linalg.solve(A, y)" in result.fixed_text


def test_unused_noqa_reported_only_when_asked():
    code = "y = 1  # noqa: BL401\nx = 2  # noqa\nz = 3  # noqa: E501\n"
    assert codes(code) == []
    # blanket noqa and other linters' codes are shared with other tools: never reported
    assert codes(code, report_unused=True) == [("BL902", 2)]


def test_unused_noqa_keeps_used_codes_and_only_selected_ones():
    code = "x = np.linalg.inv(A) @ y  # noqa: BL401, BL402\n"
    diags = check(code, report_unused=True, select=["BL401"]).diagnostics
    assert diags == []  # BL402 is not selected: blaslint cannot tell whether it is needed
    diags = check(code, report_unused=True).diagnostics
    assert [d.code for d in diags] == (["BL902"] if "BL402" in Settings().selected_codes() else [])


def test_unused_noqa_fix_removes_the_directive():
    result = check("y = 1  # type: ignore  # noqa: BL401\n", fix=True, report_unused=True)
    assert result.fixed_text == HEADER + "y = 1  # type: ignore\n"
    result = check("y = 1  # noqa: BL401\n", fix=True, report_unused=True)
    assert result.fixed_text == HEADER + "y = 1\n"
    result = check("x = np.linalg.inv(A) @ y  # noqa: BL401,BL4\n", fix=True, report_unused=True)
    assert result.fixed_text is None  # nothing unused (BL4 is not a code but the prefix is ours)


def test_unused_noqa_fix_keeps_other_codes():
    result = check("x = np.linalg.inv(A) @ y  # noqa: E501, BL401\ny = 1  # noqa: E501,BL401\n",
                   fix=True, report_unused=True)
    assert result.fixed_text == HEADER + "x = np.linalg.inv(A) @ y  # noqa: E501, BL401\ny = 1  # noqa: E501\n"


def test_unused_noqa_with_prose_after_it_gets_no_fix():
    diags = check("y = 1  # noqa: BL401 kept for the demo\n", report_unused=True).diagnostics
    assert [d.code for d in diags] == ["BL902"] and diags[0].fix is None


def test_cli_report_unused_noqa(tmp_path):
    write(tmp_path, "m.py", "y = 1  # noqa: BL401\n")
    assert run_cli("--isolated", "m.py", cwd=tmp_path).returncode == 0
    proc = run_cli("--isolated", "--report-unused-noqa", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert proc.returncode == 1 and "m.py:1:8: BL902" in proc.out
    proc = run_cli("--isolated", "--extend-select", "BL902", "--fix", "m.py", cwd=tmp_path)
    assert proc.returncode == 0 and open(tmp_path / "m.py").read() == "y = 1\n"


def test_cli_noqa_and_skip_file(tmp_path):
    write(tmp_path, "a.py", BAD.replace("@ y", "@ y  # noqa: BL401"))
    write(tmp_path, "b.py", "# blaslint: skip-file\n" + BAD)
    assert run_cli("--isolated", "a.py", "b.py", cwd=tmp_path).returncode == 0
