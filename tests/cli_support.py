"""Run the real command line (``python -m blaslint``) in a subprocess, for exit codes and output."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BAD = """\
import numpy as np


def posterior_mean(K, y):
    return np.linalg.inv(K) @ y
"""

CLEAN = """\
import numpy as np


def posterior_mean(K, y):
    return np.linalg.solve(K, y)
"""


def run_cli(*args: str, cwd=None, stdin: bytes | str | None = None, env: dict | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    if isinstance(stdin, str):
        stdin = stdin.encode()
    proc = subprocess.run([sys.executable, "-m", "blaslint", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=full_env, timeout=timeout)
    proc.out = proc.stdout.decode("utf-8", "replace")
    proc.err = proc.stderr.decode("utf-8", "replace")
    return proc


def write(root, rel: str, text: str) -> str:
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(text))
    return path
