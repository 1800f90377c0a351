"""Jupyter notebooks: cells joined, IPython syntax masked, positions per cell, fixes written back."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from cli_support import ROOT, run_cli

from blaslint.project.config import Settings
from blaslint.integrations.notebook import JsonFormat, json_format, mask_magics, parse_notebook
from blaslint.core.runner import RunOptions, process_notebook_bytes

EXAMPLE = os.path.join(ROOT, "fixtures", "notebooks", "example.ipynb")


def notebook(*cells, fmt=JsonFormat(1, False, "\n", True), **meta) -> str:
    """A notebook JSON with code cells given as strings (``md:`` prefix: a markdown cell)."""
    out = []
    for c in cells:
        if c.startswith("md:"):
            out.append({"cell_type": "markdown", "metadata": {}, "source": c[3:].splitlines(keepends=True)})
        else:
            out.append({"cell_type": "code", "execution_count": None, "metadata": {"tags": ["x"]},
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}],
                        "source": c.splitlines(keepends=True)})
    data = {"cells": out, "metadata": meta or {"language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}
    return fmt.dumps(data)


SELECT = ["BL401"]  # the rule these examples are about (others may flag the repeats too)


def lint_nb(text: str, fix=False, unsafe=False, path="nb.ipynb"):
    return process_notebook_bytes(path, text.encode(), Settings(select=SELECT), RunOptions(fix=fix, unsafe_fixes=unsafe))


def where(result) -> list[tuple]:
    return [(d.code, d.cell, d.line, d.col) for d in result.diagnostics]


@pytest.mark.parametrize("cell, expected", [
    ("%timeit f(x)\ny = 1", "0           \ny = 1"),
    ("!pip install numpy\n", "0                 \n"),
    ("np.linalg.inv?\n??np.dot", "0             \n0       "),
    ("for i in range(2):\n    %time g(i)\n", "for i in range(2):\n    0         \n"),
    ("files = !ls -l\nx = 1", "0             \nx = 1"),
    ("%%time\nx = f()", "0     \nx = f()"),
    ("%cd \\\n  sub\nx = 1", "0    \n     \nx = 1"),
])
def test_mask_magics_keeps_every_line_length(cell, expected):
    masked = mask_magics(cell)
    assert masked == expected
    assert [len(line) for line in masked.split("\n")] == [len(line) for line in cell.split("\n")]


def test_non_python_cell_magic_is_skipped():
    assert mask_magics("%%bash\necho inv(A) @ b\n") is None
    assert mask_magics("\n%%html\n<b>x</b>") is None


def test_example_notebook_cells_and_positions():
    with open(EXAMPLE, "rb") as fh:
        result = process_notebook_bytes(EXAMPLE, fh.read(), Settings(select=SELECT), RunOptions())
    # cell 3 uses `np` imported in cell 2: it resolves only because cells are joined.
    # cell 4 is a %%timeit cell (linted), cell 5 has a noqa, cell 6 is %%bash (skipped).
    assert where(result) == [("BL401", 3, 1, 5), ("BL401", 4, 2, 1)]
    assert all(d.fix.edits[0].location[0] == d.line for d in result.diagnostics)


def test_cells_count_markdown_too_and_magics_keep_lines():
    text = notebook("md:# title\n", "import numpy as np\n%matplotlib inline\n!ls\n",
                    "%time y = 1\nx = np.linalg.inv(A) @ b")
    assert where(lint_nb(text)) == [("BL401", 3, 2, 5)]


def test_syntax_error_cell_is_reported_and_others_still_linted():
    text = notebook("import numpy as np\n", "def broken(:\n    pass", "x = np.linalg.inv(A) @ b")
    assert where(lint_nb(text)) == [("BL900", 2, 1, 12), ("BL401", 3, 1, 5)]


def test_non_python_notebook_is_skipped():
    text = notebook("x <- solve(A) %*% b", language_info={"name": "R"})
    assert lint_nb(text).diagnostics == []


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"),
    ('{"worksheets": []}', "nbformat 3"),
    ("[1, 2]", "no `cells` list"),
])
def test_unreadable_notebook(text, reason):
    [d] = lint_nb(text).diagnostics
    assert d.code == "BL901" and reason in d.message


def test_fix_writes_only_cell_sources():
    text = notebook("import numpy as np\n", "%time z = 1\nx = np.linalg.inv(A) @ y\ny = 2")
    result = lint_nb(text, fix=True, unsafe=True)
    assert result.fixes_applied == 1 and result.diagnostics == []
    before, after = json.loads(text), json.loads(result.fixed_text)
    assert after["cells"][1]["source"] == ["%time z = 1\n", "x = np.linalg.solve(A, y)\n", "y = 2"]
    after["cells"][1]["source"] = before["cells"][1]["source"]
    assert after == before  # outputs, metadata, other cells untouched
    changed = [(a, b) for a, b in zip(text.splitlines(), result.fixed_text.splitlines()) if a != b]
    assert changed == [('    "x = np.linalg.inv(A) @ y\\n",', '    "x = np.linalg.solve(A, y)\\n",')]
    assert result.fixed_text.endswith("}\n")


def test_fix_keeps_string_sources_and_json_style():
    fmt = JsonFormat(2, True, "\n", False)
    raw = notebook("import numpy as np\n", "x = np.linalg.inv(A) @ y  # é", fmt=fmt)
    data = json.loads(raw)
    data["cells"][1]["source"] = "".join(data["cells"][1]["source"])  # a single string, as some tools write
    raw = fmt.dumps(data)
    assert json_format(raw) == fmt
    result = lint_nb(raw, fix=True, unsafe=True)
    assert json.loads(result.fixed_text)["cells"][1]["source"] == "x = np.linalg.solve(A, y)  # é"
    assert "\\u00e9" in result.fixed_text and not result.fixed_text.endswith("\n")


def test_unreproducible_json_is_not_rewritten():
    raw = notebook("import numpy as np\n", "x = np.linalg.inv(A) @ y").replace('"cells": [', '"cells":  [')
    assert json_format(raw) is None
    result = lint_nb(raw, fix=True, unsafe=True)
    assert result.fixed_text is None and [d.code for d in result.diagnostics] == ["BL401"]
    assert "cannot reproduce this notebook's JSON formatting" in result.errors[0]


def test_cli_text_json_and_fix(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "example.ipynb")
    proc = run_cli("--isolated", "--select", "BL401", "--output-format", "concise", ".", cwd=tmp_path)  # found by discovery
    assert proc.returncode == 1
    assert proc.out.startswith("example.ipynb:cell 3:1:5: BL401 ")
    assert "example.ipynb:cell 4:2:1: BL401 " in proc.out
    full = run_cli("--isolated", "--select", "BL401", "example.ipynb", cwd=tmp_path).out
    assert "2 | np.linalg.inv(A) @ b" in full and "1 | %%timeit" in full  # code frame from the cell
    [first, _] = json.loads(run_cli("--isolated", "--select", "BL401", "--output-format", "json", ".", cwd=tmp_path).out)
    assert first["cell"] == 3 and first["location"] == {"row": 1, "column": 5}
    assert first["fix"]["edits"][0]["location"] == {"row": 1, "column": 5}
    proc = run_cli("--isolated", "--select", "BL401", "--fix", "--unsafe-fixes", "example.ipynb", cwd=tmp_path)
    assert proc.returncode == 0, proc.out + proc.err
    fixed = (tmp_path / "example.ipynb").read_text()
    with open(EXAMPLE, encoding="utf-8") as fh:
        original = fh.read()
    diff = [(a, b) for a, b in zip(original.splitlines(), fixed.splitlines()) if a != b]
    assert len(diff) == 2 and all("np.linalg.solve(A, b)" in b for _, b in diff)
    assert len(original.splitlines()) == len(fixed.splitlines())
    # the magics are still there
    assert '"%%timeit\\n",' in fixed and '"!pip list | grep numpy\\n",' in fixed


def test_cli_stdin_notebook(tmp_path):
    with open(EXAMPLE, "rb") as fh:
        data = fh.read()
    proc = run_cli("--isolated", "--select", "BL401", "--output-format", "concise", "--stdin-filename", "nb/x.ipynb", "-",
                   stdin=data, cwd=tmp_path)
    assert proc.returncode == 1 and "nb/x.ipynb:cell 3:1:5: BL401" in proc.out
    proc = run_cli("--isolated", "--select", "BL401", "--fix", "--unsafe-fixes", "--stdin-filename", "x.ipynb", "-",
                   stdin=data, cwd=tmp_path)
    assert proc.returncode == 0
    assert parse_notebook(proc.out).cells[1].text == "x = np.linalg.solve(A, b)\nx[:3]"


def test_messages_name_lines_in_the_cells_own_numbering():
    # BL301 names the loop it repeats in, BL201 the write that makes a fill useless: both in
    # cell-relative numbering ("cell 3, line 2"), never a line of the joined cells.
    text = notebook("import numpy as np\n", "md:notes\n",
                    "x = 1\nfor i in range(100):\n    buf = np.zeros(4096)\n    buf[:] = i\n    print(buf.sum())\n")
    result = process_notebook_bytes("nb.ipynb", text.encode(), Settings(select=["BL201", "BL301"]), RunOptions())
    messages = {d.code: d.message for d in result.diagnostics}
    assert "the loop at cell 3, line 2" in messages["BL301"], messages
    assert "(cell 3, line 4)" in messages["BL201"], messages
    assert all(d.cell == 3 and d.line == 3 for d in result.diagnostics)


def test_python_files_keep_plain_line_references():
    from blaslint.core.engine import lint_source
    from blaslint.core.source import SourceText

    src = "import numpy as np\nx = 1\nfor i in range(100):\n    buf = np.zeros(4096)\n    buf[:] = i\n    print(buf)\n"
    messages = {d.code: d.message for d in lint_source(SourceText(src), "m.py", {"BL201", "BL301"})}
    assert "the loop at line 3" in messages["BL301"] and "(line 5)" in messages["BL201"]


def test_messages_name_lines_as_cells_even_where_a_rule_wrote_a_plain_line_number():
    """A message built without the notebook ("sliced (line 4)") names the cell's own line, as the reader sees it;
    lines already named by cell, and lines of other files, are left as they are."""
    from blaslint.integrations.notebook import cell_lines, join_cells

    text = notebook("import numpy as np\n", "md:# notes\n",
                    "def f(X):\n    d = X[1:] - X[:-1]\n    return (d * d).sum(1)\n")
    result = process_notebook_bytes("nb.ipynb", text.encode(), Settings(select=["BL503"]), RunOptions())
    (d,) = [d for d in result.diagnostics if d.code == "BL503"]
    assert d.cell == 3 and d.line == 3
    assert "sliced (cell 3, line 2)" in d.message and "(line 3)" not in d.message
    joined = join_cells(parse_notebook(text, "nb.ipynb").cells)
    assert cell_lines("from line 3; cell 3, line 1; helper.py, line 3; f() at line 3 in helper.py", joined) == \
        "from cell 3, line 2; cell 3, line 1; helper.py, line 3; f() at line 3 in helper.py"
    assert cell_lines("`plot(label='line 3')` (line 3)", joined) == "`plot(label='line 3')` (cell 3, line 2)"
