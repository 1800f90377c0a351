"""The child's bootstrap: install the import hook, run the user's command, write the records.

Started as ``python [opts] -c BOOTSTRAP PLAN``; loads this file by path (the
child may be another interpreter without blaslint's dependencies), serves the
instrumented text of the planned modules (compiled in memory under their own
file names, never written as bytecode), runs the script, ``-m`` module, ``-c``
code or pytest, and writes its records to the plan's temporary file at exit
or on SIGTERM. Stdlib only.
"""

from __future__ import annotations

import atexit
import builtins
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = ("import sys,importlib.util as u;s=u.spec_from_file_location('_blaslint_measure_hook',{hook!r});"
             "m=u.module_from_spec(s);sys.modules[s.name]=m;s.loader.exec_module(m);m.main(sys.argv[1])")
PARAM_CALLS = 50   # function calls whose parameters are recorded, per function (--facts-out)


def sibling(name: str):
    """Another child-side module of this folder, loaded by path under a private name."""
    modname = "_blaslint_measure_" + name
    if modname not in sys.modules:
        spec = importlib.util.spec_from_file_location(modname, os.path.join(HERE, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
    return sys.modules[modname]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class InstrumentedLoader(importlib.machinery.SourceFileLoader):
    """Compiles the instrumented text for a planned file; never reads or writes bytecode."""

    def __init__(self, fullname, path, session) -> None:
        super().__init__(fullname, path)
        self.session = session

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return compile(self.session.source_for(path), path, "exec", dont_inherit=True)

    def set_data(self, path, data, *, _mode=0o666):  # no .pyc of instrumented code
        return None


class Finder(importlib.abc.MetaPathFinder):
    def __init__(self, session) -> None:
        self.session = session

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.has_location:
            return None
        origin = os.path.realpath(spec.origin)
        if origin not in self.session.files:
            return None
        spec.loader = InstrumentedLoader(fullname, spec.origin, self.session)
        spec.origin = spec.origin
        return spec


class Session:
    def __init__(self, plan: dict) -> None:
        self.plan = plan
        self.files = {os.path.realpath(p): f for p, f in plan["files"].items()}
        timing = sibling("timing")
        self.recorder = timing.Recorder({int(s["id"]): s for s in plan["sites"]}, plan.get("budget"))
        self.loaded: dict[str, str] = {}   # path -> "instrumented" | "changed since lint"
        self.params: dict[tuple, dict] = {}
        self.param_files = {os.path.realpath(p) for p in plan.get("param_files", [])}
        self.param_done: set = set()
        self.file_ok: dict[str, bool] = {}
        self.written = False
        self.exit_status = None

    def source_for(self, path: str) -> str:
        """The instrumented text, or the file itself when it changed since it was linted."""
        real = os.path.realpath(path)
        entry = self.files[real]
        with open(path, "rb") as fh:
            data = fh.read()
        current = importlib.util.decode_source(data)
        if sha256(current) != entry["sha256"]:
            self.loaded[real] = "changed since lint"
            return current
        self.loaded[real] = "instrumented"
        return entry["source"]

    # -- parameters of functions under PATHS (only with --facts-out) -------------
    def profile(self, frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code in self.param_done:
            return
        fn = code.co_filename
        wanted = self.file_ok.get(fn)
        if wanted is None:
            wanted = self.file_ok[fn] = os.path.realpath(fn) in self.param_files
        if not wanted:
            self.param_done.add(code)
            return
        key = (os.path.realpath(fn), getattr(code, "co_qualname", code.co_name))
        entry = self.params.setdefault(key, {"calls": 0, "params": {}})
        entry["calls"] += 1
        if entry["calls"] >= PARAM_CALLS:
            self.param_done.add(code)
        timing = sibling("timing")
        n = code.co_argcount + code.co_kwonlyargcount
        f_locals = frame.f_locals
        for name in code.co_varnames[:n]:
            if name in f_locals:
                d = timing.describe(f_locals[name])
                if d is not None:
                    timing._bump(entry["params"].setdefault(name, {}), timing.signature(d))

    # -- records ---------------------------------------------------------------------
    def write(self, status: str, replay: bool) -> None:
        if self.written:
            return
        self.written = True
        sys.setprofile(None)
        rec = self.recorder
        out = {"status": status, "sites": rec.dump(), "loaded": self.loaded, "replay": {}}
        if replay:
            rp = sibling("replay")
            budget = self.plan.get("budget", {})
            seconds = float(budget.get("seconds", 2.0))
            for sid, st in rec.stats.items():
                site = rec.sites[sid]
                for k, info in enumerate(site.get("replay") or ()):
                    if not st.samples:
                        break
                    try:
                        result = rp.replay_site(site, info, st.samples, seconds, sync=sibling("timing")._cuda_sync)
                    except Exception as exc:  # noqa: BLE001
                        result = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
                    out["replay"][f"{sid}:{k}"] = result
                st.samples.clear()
        timing = sibling("timing")
        out["params"] = [{"file": f, "function": q, "calls": e["calls"],
                          "params": {k: timing._sigs(v) for k, v in e["params"].items()}}
                         for (f, q), e in self.params.items()]
        try:
            out["doctor"] = sibling("doctor").collect(import_missing=False)
        except Exception as exc:  # noqa: BLE001
            out["doctor"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["processes"] = any(m in sys.modules for m in ("multiprocessing", "concurrent.futures.process", "joblib"))
        path = self.plan["records"]
        tmp = path + ".part"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(out, fh, default=str)
        os.replace(tmp, path)


def _on_sigterm(session):
    def handler(signum, frame):
        try:
            session.write("terminated", replay=False)
        finally:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
    return handler


def _strip_own_frames(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename in (__file__, "<string>"):
        tb = tb.tb_next
    return tb


def run_target(target: dict, session: Session) -> None:
    kind, value, args = target["kind"], target["value"], target["args"]
    if kind == "module":
        import runpy

        sys.argv = [value, *args]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(value, run_name="__main__", alter_sys=True)
        return
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    if kind == "script":
        sys.argv = [value, *args]
        path = os.path.abspath(value)  # as python does for __file__ and tracebacks (3.9+)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        real = os.path.realpath(path)
        if real in session.files:
            text = session.source_for(path)
        else:
            with open(path, "rb") as fh:
                text = importlib.util.decode_source(fh.read())
        main.__dict__.update(__file__=path, __cached__=None, __loader__=None, __spec__=None, __package__=None)
        code = compile(text, path, "exec", dont_inherit=True)
    else:  # -c CODE
        sys.argv = ["-c", *args]
        sys.path.insert(0, "")
        code = compile(value, "<string>", "exec", dont_inherit=True)
    sys.modules["__main__"] = main
    exec(code, main.__dict__)  # noqa: S102 - the command the user named


def main(plan_path: str) -> None:
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    del sys.path[0]  # '' added for -c: the target sets its own
    session = Session(plan)
    builtins.__blaslint__ = session.recorder
    sys.meta_path.insert(0, Finder(session))
    atexit.register(lambda: session.write("exited", replay=not plan.get("no_replay")))
    signal.signal(signal.SIGTERM, _on_sigterm(session))
    if session.param_files:
        sys.setprofile(session.profile)
        import threading

        threading.setprofile(session.profile)
    try:
        run_target(plan["target"], session)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - report it as python would, without our frames
        tb = _strip_own_frames(exc.__traceback__)
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        sys.exit(130 if isinstance(exc, KeyboardInterrupt) else 1)
