"""The GitHub Action (``action.yml``): its inputs, and its steps run locally.

The ``run:`` scripts are executed with bash the way GitHub runs a composite
action: inputs substituted into the steps' ``env:`` expressions, the
``GITHUB_ACTION_PATH`` variable set, the working directory a checkout. The
``uses: actions/setup-python`` step is GitHub's; locally the current Python
stands in for it. The install step's ``pip install`` is intercepted by a
``python`` shim that records the requirement (installing would replace the
editable install under test); every other ``python`` call goes through.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BAD = "import numpy as np\n\n\ndef solve(A, y):\n    return np.linalg.inv(A) @ y\n"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_action_metadata_and_inputs():
    assert ACTION["name"] == "blaslint" and ACTION["description"]
    inputs = ACTION["inputs"]
    assert {"args", "version", "sarif-file"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec["description"].strip(), name
        assert spec["required"] is False and isinstance(spec["default"], str)
    assert inputs["version"]["default"] == "" and inputs["sarif-file"]["default"] == ""
    runs = ACTION["runs"]
    assert runs["using"] == "composite"
    assert any(step.get("uses", "").startswith("actions/setup-python@") for step in runs["steps"])
    for step in runs["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"]  # inputs only through env: no script injection


def _evaluate(value: str, inputs: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        expr = m.group(1)
        assert expr.startswith("inputs."), f"expression the local runner does not know: {expr}"
        name = expr[len("inputs."):]
        return inputs.get(name, ACTION["inputs"][name]["default"])
    return EXPRESSION.sub(sub, str(value))


def run_steps(workspace: Path, inputs: dict[str, str], tmp_path: Path,
              count: int | None = None) -> tuple[list[subprocess.CompletedProcess], list[str]]:
    """Run the ``run:`` steps in order (the first ``count`` of them), stopping at a failing one as GitHub does."""
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir(exist_ok=True)
    pip_log = tmp_path / "pip-args.txt"
    shim = shim_dir / "python"
    shim.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "${1-}" = "-m" ] && [ "${2-}" = "pip" ]; then printf "%s\\n" "$@" > "$PIP_LOG"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    blaslint_exe = shutil.which("blaslint") or os.path.join(os.path.dirname(sys.executable), "blaslint")
    blaslint_dir = os.path.dirname(blaslint_exe)
    results = []
    for step in [s for s in ACTION["runs"]["steps"] if "run" in s][:count]:
        env = {**os.environ, "PATH": os.pathsep.join([str(shim_dir), blaslint_dir, os.environ.get("PATH", "")]),
               "GITHUB_ACTION_PATH": str(ROOT), "PIP_LOG": str(pip_log), "BLASLINT_CACHE_DIR": str(tmp_path / "cache")}
        env.pop("BLASLINT_OUTPUT_FORMAT", None)
        env.update({k: _evaluate(v, inputs) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=120)
        results.append(proc)
        if proc.returncode != 0:
            break
    pip_args = pip_log.read_text().splitlines() if pip_log.exists() else []
    return results, pip_args


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "checkout"
    (ws / "src dir").mkdir(parents=True)
    (ws / "pyproject.toml").write_text('[tool.blaslint]\nselect = ["BL401"]\n', encoding="utf-8")
    (ws / "src dir" / "solve.py").write_text(BAD, encoding="utf-8")
    (ws / "clean.py").write_text("x = 1\n", encoding="utf-8")
    return ws


def test_steps_produce_annotations_and_sarif(workspace, tmp_path):
    (install, lint), pip_args = run_steps(
        workspace, {"args": '"src dir" clean.py', "sarif-file": "reports/blaslint.sarif"}, tmp_path)
    assert install.returncode == 0 and "blaslint " in install.stdout
    assert pip_args[-1] == str(ROOT)  # the action's own source by default
    assert lint.returncode == 1, lint.stderr  # findings fail the job
    (annotation,) = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith("::warning file=src dir/solve.py,line=5,")
    assert "title=BL401::" in annotation and "explicit inverse" in annotation
    sarif = json.loads((workspace / "reports" / "blaslint.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["BL401"]


def test_clean_tree_passes_without_sarif(workspace, tmp_path):
    (_, lint), _ = run_steps(workspace, {"args": "clean.py"}, tmp_path)
    assert lint.returncode == 0 and "::" not in lint.stdout
    assert not (workspace / "reports").exists()


def test_args_with_a_baseline(workspace, tmp_path):
    (_, lint), _ = run_steps(workspace, {"args": "--write-baseline bl.json ."}, tmp_path)
    assert lint.returncode == 0 and (workspace / "bl.json").exists()
    (_, lint), _ = run_steps(workspace, {"args": "--baseline bl.json ."}, tmp_path)
    assert lint.returncode == 0 and "::" not in lint.stdout
    (workspace / "new.py").write_text(BAD, encoding="utf-8")
    (_, lint), _ = run_steps(workspace, {"args": "--baseline bl.json ."}, tmp_path)
    assert lint.returncode == 1 and "::warning file=new.py,line=5," in lint.stdout


@pytest.mark.parametrize("version, requirement", [
    ("1.0.0rc1", "blaslint==1.0.0rc1"),
    ("blaslint[lsp]==0.2.0", "blaslint[lsp]==0.2.0"),
    ("git+https://github.com/example/blaslint@v1", "git+https://github.com/example/blaslint@v1"),
])
def test_version_input_selects_what_is_installed(workspace, tmp_path, version, requirement):
    (install,), pip_args = run_steps(workspace, {"version": version}, tmp_path, count=1)
    assert install.returncode == 0
    assert pip_args[:3] == ["-m", "pip", "install"] and pip_args[-1] == requirement


def test_a_usage_error_fails_the_step(workspace, tmp_path):
    (_, lint), _ = run_steps(workspace, {"args": "--no-such-flag ."}, tmp_path)
    assert lint.returncode == 2


def test_readme_workflow_snippets_use_documented_inputs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use in CI", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    workflow = yaml.safe_load(next(b for b in blocks if "runs-on:" in b))
    steps = workflow["jobs"]["blaslint"]["steps"]
    ours = [s for s in steps if s.get("uses", "").startswith("blaslint/blaslint@")]
    assert ours and all(set(s.get("with", {})) <= set(ACTION["inputs"]) for s in ours)
    gitlab = yaml.safe_load(next(b for b in blocks if "codequality" in b))
    assert gitlab["blaslint"]["artifacts"]["reports"]["codequality"] in " ".join(gitlab["blaslint"]["script"])
    assert "--output-format gitlab" in " ".join(gitlab["blaslint"]["script"])
