"""SARIF 2.1.0 output, validated against the OASIS schema (a copy lives in tests/data)."""

from __future__ import annotations

import json
import os
import shutil

import jsonschema
import pytest
from cli_support import BAD, ROOT, run_cli, write

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "data", "sarif-schema-2.1.0.json")


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        schema = json.load(fh)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif(*args, cwd) -> dict:
    proc = run_cli("--isolated", "--output-format", "sarif", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.err
    return json.loads(proc.out)


def test_sarif_is_valid_and_complete(tmp_path, validator):
    write(tmp_path, "pkg/m.py", BAD)
    log = sarif("pkg", cwd=tmp_path)
    validator.validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "BL401" in ids and "BL900" in ids
    bl401 = rules[ids.index("BL401")]
    assert bl401["name"] == "inverse-times"
    assert bl401["shortDescription"]["text"]
    assert bl401["fullDescription"]["text"].startswith("Flags an explicit inverse")  # the page's "What it does"
    assert "## Why is this bad?" in bl401["help"]["markdown"]
    [result] = run["results"]
    assert result["ruleId"] == "BL401" and ids[result["ruleIndex"]] == "BL401"
    assert result["level"] == "warning"
    assert result["message"]["text"].startswith("explicit inverse")
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/m.py", "uriBaseId": "%SRCROOT%"}
    # 1-based, end column exclusive: `np.linalg.inv(K) @ y` spans columns 12..31
    assert loc["region"] == {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 32}
    [fix] = result["fixes"]
    [change] = fix["artifactChanges"]
    [repl] = change["replacements"]
    assert repl["deletedRegion"] == {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 32}
    assert repl["insertedContent"]["text"] == "np.linalg.solve(K, y)"
    assert "unsafe" in fix["description"]["text"]


def test_sarif_without_findings_is_valid(tmp_path, validator):
    write(tmp_path, "m.py", "x = 1\n")
    log = sarif("m.py", cwd=tmp_path)
    validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_syntax_error_is_an_error_level(tmp_path, validator):
    write(tmp_path, "broken.py", "import numpy as np\nx = np.linalg.inv(\n")
    log = sarif("broken.py", cwd=tmp_path)
    validator.validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "BL900" and result["level"] == "error" and "fixes" not in result


def test_sarif_absolute_path_is_a_file_uri(tmp_path, validator):
    path = write(tmp_path, "with space.py", BAD)
    log = sarif(path, cwd=tmp_path)
    validator.validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("with%20space.py")


def test_sarif_notebook(tmp_path, validator):
    shutil.copy(os.path.join(ROOT, "fixtures", "notebooks", "example.ipynb"), tmp_path / "nb.ipynb")
    log = sarif("nb.ipynb", cwd=tmp_path)
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert results
    first = results[0]
    assert first["message"]["text"].startswith("cell 3:1:5: ")
    assert first["locations"][0]["logicalLocations"] == [{"name": "cell 3", "kind": "module"}]
    assert first["locations"][0]["properties"]["cell"] == 3
    assert first["locations"][0]["properties"]["cellRegion"]["startLine"] == 1
