"""End to end: `blaslint measure PATHS -- COMMAND` on small programs (python script, -m, pytest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from blaslint.analysis.runtime_facts import load, parameter_fact

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LIB = textwrap.dedent('''\
    import numpy as np


    def solve_all(A, rhs):
        out = []
        for b in rhs:
            x = np.linalg.inv(A) @ b
            out.append(x)
        return out


    def never_called(A, b):
        return np.linalg.inv(A) @ b


    def broken(n):
        A = np.zeros((n, n))
        return np.linalg.inv(A) @ np.ones(n)
''')
SCRIPT = textwrap.dedent('''\
    import sys
    import time
    import numpy as np
    from lib import solve_all, broken

    rng = np.random.default_rng(0)
    A = rng.random((80, 80)) + 80 * np.eye(80)
    xs = solve_all(A, [rng.random(80) for _ in range(6)])
    print("sum", round(float(sum(x.sum() for x in xs)), 6))
    if "--fail" in sys.argv:
        broken(3)
    if "--hang" in sys.argv:
        time.sleep(300)
''')


@pytest.fixture()
def project(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "lib.py").write_text(LIB)
    (proj / "main.py").write_text(SCRIPT)
    (proj / "test_lib.py").write_text("import numpy as np\nfrom lib import solve_all\n\n"
                                      "def test_solve():\n    A = 4 * np.eye(4)\n"
                                      "    assert np.allclose(solve_all(A, [np.ones(4)])[0], 0.25)\n")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return proj, tmp


def measure(proj, tmp, *args, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT, TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="")
    env.pop("PYTHONDONTWRITEBYTECODE")
    return subprocess.run([sys.executable, "-m", "blaslint", "measure", *args], cwd=proj, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _rows(out):
    return json.loads(out.stdout)["rows"]


def _no_files_left(proj, tmp):
    assert list(tmp.iterdir()) == []
    pyc = [p.name for p in (proj / "__pycache__").iterdir()] if (proj / "__pycache__").exists() else []
    assert not any(name.startswith("lib.") for name in pyc), pyc  # no bytecode of instrumented code


def test_script_run_ranks_and_times_the_fix(project):
    proj, tmp = project
    out = measure(proj, tmp, "--output-format", "json", "--", "python", "main.py")
    assert out.returncode == 0, out.stderr
    assert "sum" in out.stderr  # the command's stdout goes to stderr with JSON output
    rows = _rows(out)
    executed = [r for r in rows if r["status"] == "executed"]
    top = executed[0]
    assert (top["code"], top["line"], top["calls"]) == ("BL401", 7, 6)
    assert top["fix"] == "replay" and top["saving"] is not None and "rtol=1e-09" in top["note"]
    assert "A 80x80 float64 C" in top["shapes"]
    not_run = [r for r in rows if r["line"] in (13, 18)]
    assert {r["status"] for r in not_run} == {"not executed"}
    assert rows.index(top) < rows.index(not_run[0])
    report = json.loads(out.stdout)
    assert report["doctor"]["libraries"]["numpy"]["imported"] is True
    _no_files_left(proj, tmp)


def test_same_output_and_traceback_lines_as_a_plain_run(project):
    proj, tmp = project
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    plain = subprocess.run([sys.executable, "main.py", "--fail"], cwd=proj, capture_output=True, text=True, env=env)
    out = measure(proj, tmp, "--", "python", "main.py", "--fail")
    assert out.returncode == plain.returncode == 1
    assert plain.stdout.splitlines()[0] in out.stdout  # the program's own output, then the table
    frames = [ln.strip() for ln in plain.stderr.splitlines() if ln.strip().startswith("File ")]
    got = [ln.strip() for ln in out.stderr.splitlines() if ln.strip().startswith("File ")]
    assert [f for f in got if "proj" in f] == [f for f in frames if "proj" in f]
    assert "LinAlgError" in out.stderr and "exit status 1" in out.stdout and "BL401" in out.stdout
    _no_files_left(proj, tmp)


def test_hanging_command_is_stopped_with_a_partial_table(project):
    proj, tmp = project
    out = measure(proj, tmp, "--timeout", "8", "--output-format", "json", "--", "python", "main.py", "--hang")
    assert out.returncode == 124, out.stderr
    report = json.loads(out.stdout)
    assert report["command"]["timed_out"] and report["records_status"] == "terminated"
    top = next(r for r in report["rows"] if r["line"] == 7)
    assert top["calls"] == 6 and top["saving"] is None  # partial: fixes are not timed
    _no_files_left(proj, tmp)


def test_module_and_pytest_commands_and_facts_out(project):
    proj, tmp = project
    facts_path = proj.parent / "facts.json"
    out = measure(proj, tmp, "--output-format", "json", "--facts-out", str(facts_path),
                  "--", "python", "-m", "main")
    assert out.returncode == 0, out.stderr
    assert next(r for r in _rows(out) if r["line"] == 7)["calls"] == 6
    facts = json.loads(facts_path.read_text())
    assert facts["format"] == "blaslint-runtime-facts"
    param = next(p for p in facts["parameters"] if p["function"] == "solve_all" and p["parameter"] == "A")
    assert param["path"] == "lib.py" and param["observed"][0]["shape"] == [80, 80]
    loaded = load(str(facts_path))
    assert parameter_fact(loaded, "lib.py", "solve_all", "A") == {
        "rank": 2, "dtype": "float64", "order": "C", "shape": (80, 80), "lib": "numpy", "device": "cpu", "calls": 1,
        "file": os.path.realpath(proj / "lib.py")}
    assert parameter_fact(loaded, "lib.py", "solve_all", "rhs") is None  # a list, not an array
    out = measure(proj, tmp, "--output-format", "json", "lib.py", "--", "pytest", "-q", "-p", "no:cacheprovider",
                  "test_lib.py")
    assert out.returncode == 0, out.stderr
    assert next(r for r in _rows(out) if r["line"] == 7)["calls"] == 1
    _no_files_left(proj, tmp)


def test_usage_errors_and_safety_text(project):
    proj, tmp = project
    out = measure(proj, tmp, "--", "bash", "-c", "echo hi")
    assert out.returncode == 2 and "Python commands only" in out.stderr and "hi" not in out.stdout
    out = measure(proj, tmp, "lib.py")
    assert out.returncode == 2 and "after `--`" in out.stderr
    out = measure(proj, tmp, "--help")
    assert "runs exactly the command you give" in " ".join(out.stdout.split())
