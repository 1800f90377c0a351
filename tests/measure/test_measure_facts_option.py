"""`blaslint --facts FILE` / `facts = "FILE"`: runtime facts loaded into the settings."""

from __future__ import annotations

import json

import pytest

from blaslint.analysis import runtime_facts
from blaslint.cli.checker import CheckError, settings_for
from blaslint.cli.entry import build_check_parser, main
from blaslint.project.config import load_settings


def _facts(tmp_path, observed):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"format": "blaslint-runtime-facts", "version": 1, "sites": [], "parameters": [
        {"path": "pkg/mod.py", "module": "pkg.mod", "function": "Model.fit", "parameter": "X",
         "calls": sum(o.get("count", 1) for o in observed), "observed": observed}]}))
    return path


SIG = {"lib": "numpy", "dtype": "float32", "order": "C", "device": "cpu"}


def test_agreeing_observations_give_rank_dtype_shape(tmp_path):
    path = _facts(tmp_path, [dict(SIG, shape=[100, 8], count=2), dict(SIG, shape=[50, 8], count=1)])
    facts = runtime_facts.load(str(path))
    fact = runtime_facts.parameter_fact(facts, "./src/pkg/mod.py", "Model.fit", "X")
    assert fact["rank"] == 2 and fact["dtype"] == "float32" and fact["shape"] == (None, 8)
    assert runtime_facts.parameter_fact(facts, "src/pkg/other.py", "Model.fit", "X") is None


def test_disagreeing_or_overflowing_observations_are_not_facts(tmp_path):
    assert runtime_facts.summarise([dict(SIG, shape=[3]), dict(SIG, shape=[3, 3])])["rank"] is None
    assert runtime_facts.summarise([dict(SIG, shape=[3]), {"other": True, "count": 9}]) is None


def test_cli_option_loads_the_file_into_settings(tmp_path):
    path = _facts(tmp_path, [dict(SIG, shape=[4, 4], count=1)])
    (tmp_path / "a.py").write_text("x = 1\n")
    args = build_check_parser().parse_args(["--isolated", "--facts", str(path), str(tmp_path / "a.py")])
    settings = settings_for(args)
    assert settings.facts == str(path)
    assert settings.runtime_facts[("pkg/mod.py", "Model.fit", "X")]["rank"] == 2
    before = settings.fingerprint()
    path.write_text(path.read_text().replace("[4, 4]", "[4, 5]"))
    assert settings.fingerprint() != before  # the cache sees a changed facts file


def test_config_key_is_relative_to_the_config_file(tmp_path):
    _facts(tmp_path, [dict(SIG, shape=[2], count=1)])
    (tmp_path / "pyproject.toml").write_text('[tool.blaslint]\nfacts = "facts.json"\n')
    settings = load_settings(None, str(tmp_path))
    assert settings.facts == str(tmp_path / "facts.json")


def test_bad_facts_file_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main(["--isolated", "--no-cache", "--facts", str(bad), str(tmp_path / "a.py")]) == 2
    assert "not a blaslint runtime facts file" in capsys.readouterr().err
    args = build_check_parser().parse_args(["--isolated", "--facts", str(tmp_path / "missing.json"), "."])
    with pytest.raises(CheckError):
        settings_for(args)
