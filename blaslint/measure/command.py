"""Run the user's command in a child with the import hook; bounded by a timeout.

``python [opts] script.py ARGS``, ``python -m mod ARGS``, ``python -c CODE``
and ``pytest ARGS`` (run as ``python -m pytest``) are supported: the child is
the same interpreter the user named, started with a ``-c`` bootstrap that
loads ``hook.py`` by path. The child runs in its own process group so a
timeout stops it and anything it started: SIGTERM (the child writes its
records), then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from blaslint.measure.hook import BOOTSTRAP, HERE

PYTHON_FLAGS_WITH_VALUE = {"-W", "-X", "-Q"}
GRACE_SECONDS = 5.0


class CommandError(Exception):
    pass


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    seconds: float
    signal: str | None = None


def parse_command(command: list[str]) -> tuple[list[str], dict]:
    """(interpreter argv prefix, target) for the hook."""
    if not command:
        raise CommandError("no command given after `--` (e.g. `-- python train.py`)")
    exe, rest = command[0], command[1:]
    base = os.path.basename(exe)
    if base in ("pytest", "py.test"):
        return [sys.executable], {"kind": "module", "value": "pytest", "args": rest}
    if not (base.startswith("python") or base == "py"):
        raise CommandError(f"measure runs Python commands only (python script.py, python -m mod, pytest), "
                           f"not {exe!r}")
    resolved = shutil.which(exe) or exe
    opts: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "-m":
            if i + 1 >= len(rest):
                raise CommandError("-m needs a module name")
            return [resolved, *opts], {"kind": "module", "value": rest[i + 1], "args": rest[i + 2:]}
        if a == "-c":
            if i + 1 >= len(rest):
                raise CommandError("-c needs code")
            return [resolved, *opts], {"kind": "code", "value": rest[i + 1], "args": rest[i + 2:]}
        if a.startswith("-m") and len(a) > 2:
            return [resolved, *opts], {"kind": "module", "value": a[2:], "args": rest[i + 1:]}
        if a in PYTHON_FLAGS_WITH_VALUE:
            opts += rest[i:i + 2]
            i += 2
            continue
        if a.startswith("-") and a != "-":
            opts.append(a)
            i += 1
            continue
        return [resolved, *opts], {"kind": "script", "value": a, "args": rest[i + 1:]}
    raise CommandError("no script, -m module or -c code in the command")


def child_argv(prefix: list[str], plan_path: str) -> list[str]:
    return [*prefix, "-c", BOOTSTRAP.format(hook=os.path.join(HERE, "hook.py")), plan_path]


def run(argv: list[str], timeout: float | None, stdout=None) -> Outcome:
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, start_new_session=True, stdout=stdout)
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop(proc)
    except KeyboardInterrupt:
        _stop(proc)
        raise
    rc = proc.returncode
    sig = signal.Signals(-rc).name if rc is not None and rc < 0 else None
    return Outcome(rc, timed_out, time.monotonic() - t0, sig)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the child's group (it writes its records), SIGKILL what is left after a grace period."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # grandchildren too, even when the child is gone
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
