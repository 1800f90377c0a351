"""`blaslint --facts FILE`: observed parameters as the weakest evidence of the shape engine."""

from __future__ import annotations

import json

import numpy as np

from blaslint.cli.entry import main

SIG = {"lib": "numpy", "order": "C", "device": "cpu"}

DOT = '''\
import numpy as np


def score(weights, values):
    return np.sum(weights * values)
'''


def facts_file(tmp_path, path, function, params, calls=20):
    entries = [{"path": path, "module": "", "function": function, "parameter": name, "calls": calls,
                "observed": [dict(SIG, shape=shape, dtype=dtype, count=calls)]}
               for name, (shape, dtype) in params.items()]
    out = tmp_path / "facts.json"
    out.write_text(json.dumps({"format": "blaslint-runtime-facts", "version": 1, "root": str(tmp_path),
                               "sites": [], "parameters": entries}))
    return str(out)


def lint(capsys, path, *extra):
    code = main(["--isolated", "--no-cache", "--show-all", "--output-format", "json", *extra, str(path)])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_an_observed_rank_makes_a_finding_that_cites_the_run(tmp_path, capsys):
    src = tmp_path / "model.py"
    src.write_text(DOT)
    _, before = lint(capsys, src)
    # unknown ranks (could be 2-D, could be integers): only the rank-free claim, hidden, without a fix
    assert [(d["code"], d["severity"], d["fix"], "both of unknown shape" in d["message"]) for d in before] == [
        ("BL503", "info", None, True)]
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "float64"), "values": ([500], "float64")})
    _, after = lint(capsys, src, "--facts", facts)
    (d,) = [d for d in after if d["code"] == "BL503"]
    assert "`weights` is 1-D float64 (observed at run time in 20 calls; `def` at line 4)" in d["message"]
    assert "`values` is 1-D float64 (observed at run time" in d["message"]
    assert d["fix"] is None or d["fix"]["applicability"] == "unsafe"
    # and the claim is right for what was observed: the dot equals the sum of the product
    rng = np.random.default_rng(0)
    w, v = rng.standard_normal(500), rng.standard_normal(500)
    assert np.isclose(np.sum(w * v), np.dot(w, v))


def test_an_observed_rank_that_the_code_contradicts_loses(tmp_path, capsys):
    src = tmp_path / "model.py"
    src.write_text(DOT.replace("    return np.sum", "    first = weights[:, 0]\n    return np.sum"))
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "float64"), "values": ([500], "float64")})
    _, after = lint(capsys, src, "--facts", facts)
    # `weights[:, 0]`: at least 2-D, so the observed 1-D loses: no finding rests on it
    # (BL503 may still report the whole-array product of 2-D operands, from the code alone)
    found = [d["message"] for d in after if d["code"] == "BL503"]
    assert all("`weights` is 1-D" not in m and "`weights` is an array, at least 2-D" in m for m in found)


def test_an_observed_rank_loses_to_a_docstring(tmp_path, capsys):
    src = tmp_path / "model.py"
    doc = '    """Score.\n\n    Parameters\n    ----------\n    weights : ndarray of shape (n, k)\n    """\n'
    src.write_text(DOT.replace("    return np.sum", doc + "    return np.sum"))
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "float64"), "values": ([500], "float64")})
    _, after = lint(capsys, src, "--facts", facts)
    assert [d["code"] for d in after if d["code"] == "BL503"] == []


def test_only_the_observed_function_and_file_get_the_facts(tmp_path, capsys):
    src = tmp_path / "model.py"
    src.write_text(DOT + "\n\ndef other(weights, values):\n    return np.sum(weights * values)\n")
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "float64"), "values": ([500], "float64")})
    _, after = lint(capsys, src, "--facts", facts)
    cites = [d["location"]["row"] for d in after if d["code"] == "BL503" and "observed at run time" in d["message"]]
    assert cites == [5]
    # the other function keeps only what the code alone shows: the rank-free claim, hidden, without a fix
    rank_free = [(d["location"]["row"], d["severity"], d["fix"]) for d in after
                 if d["code"] == "BL503" and "both of unknown shape" in d["message"]]
    assert rank_free == [(9, "info", None)]
    elsewhere = facts_file(tmp_path, "pkg/model.py", "score",
                           {"weights": ([500], "float64"), "values": ([500], "float64")})
    _, moved = lint(capsys, src, "--facts", elsewhere)
    assert [d for d in moved if d["code"] == "BL503" and "observed at run time" in d["message"]] == []


def test_integer_observations_are_not_believed_to_be_floats(tmp_path, capsys):
    src = tmp_path / "model.py"
    src.write_text(DOT)
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "int64"), "values": ([500], "int64")})
    _, after = lint(capsys, src, "--facts", facts)
    assert [d for d in after if d["code"] == "BL503"] == []  # np.dot of int64 has no BLAS kernel


def test_a_finding_the_code_alone_shows_does_not_cite_the_run(tmp_path, capsys):
    src = tmp_path / "scene.py"
    src.write_text("import numpy as np\n\n\ndef move(mats, transform):\n"
                   "    return [np.dot(np.linalg.inv(mat), transform) for mat in mats]\n")
    _, before = lint(capsys, src)
    facts = facts_file(tmp_path, "scene.py", "move", {"transform": ([4, 4], "float64")})
    _, after = lint(capsys, src, "--facts", facts)
    assert [d["code"] for d in before] == ["BL401"]
    # BL401 looked at `transform`, but found the inverse without it: same finding, no citation of the run
    assert [d for d in after if d["code"] == "BL401"] == before
    # what only the run shows (the batched product over `mats` needs `transform`'s rank) cites it
    assert all("observed at run time" in d["message"] for d in after if d["code"] != "BL401")


def test_facts_work_with_the_cache_on(tmp_path, capsys, monkeypatch):
    """The default run uses the lint cache: loaded facts (tuple-keyed) must not break its run key, and a
    changed facts file must not serve findings cached under the old one."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "model.py"
    src.write_text(DOT)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    facts = facts_file(tmp_path, "model.py", "score", {"weights": ([500], "float64"), "values": ([500], "float64")})

    def run(*extra):
        code = main(["--isolated", *cache, "--show-all", "--output-format", "json", *extra, str(src)])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else []

    code, first = run("--facts", facts)
    assert code == 1 and [d["code"] for d in first] == ["BL503"]
    assert run("--facts", facts)[1] == first  # served from the cache, same findings
    facts_file(tmp_path, "model.py", "score", {"weights": ([500, 3], "int64"), "values": ([500, 3], "int64")})
    assert [d["code"] for d in run("--facts", facts)[1]] == []  # integer 2-D arrays: no BLAS dot
