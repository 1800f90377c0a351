"""doctor's facts agree with numpy.show_config() and threadpoolctl in this environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import scipy.linalg  # noqa: F401 - loads scipy's BLAS, as doctor does
from threadpoolctl import threadpool_info

from blaslint.measure import doctor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_facts_match_show_config_and_threadpoolctl():
    facts = doctor.collect()
    build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    assert facts["libraries"]["numpy"]["build"]["blas"]["version"] == build["version"]
    assert facts["libraries"]["numpy"]["build"]["blas"]["name"] == build["name"]
    pools = {p["filepath"]: p for p in threadpool_info()}
    assert {p["filepath"] for p in facts["pools"]} == set(pools)
    for p in facts["pools"]:
        assert p["num_threads"] == pools[p["filepath"]]["num_threads"]
        assert p.get("architecture") == pools[p["filepath"]].get("architecture")
    numpy_loaded = facts["libraries"]["numpy"]["loaded"]
    assert numpy_loaded and all("numpy" in p["filepath"] for p in numpy_loaded)
    assert doctor.blas_of("numpy", facts).split()[1] == numpy_loaded[0]["version"]
    assert facts["cpu"]["usable_cores"] == len(os.sched_getaffinity(0))


def test_environment_variables_that_force_kernels_are_reported():
    facts = doctor.collect()
    if "OPENBLAS_CORETYPE" in os.environ:  # set on purpose on some machines: reported, never changed here
        assert facts["env"]["OPENBLAS_CORETYPE"] == os.environ["OPENBLAS_CORETYPE"]
        assert any(w.startswith("OPENBLAS_CORETYPE=") for w in facts["warnings"])
    env = dict(os.environ, MKL_CBWR="COMPATIBLE", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "blaslint", "doctor", "--output-format", "json"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["env"]["MKL_CBWR"] == "COMPATIBLE"
    assert any(w.startswith("MKL_CBWR=COMPATIBLE") for w in data["warnings"])


def test_warnings_for_mismatch_and_oversubscription():
    facts = {"cpu": {"usable_cores": 2, "logical_cores": 2}, "env": {},
             "libraries": {"numpy": {"imported": True, "loaded": [{"internal_api": "openblas", "version": "0.3.31"}]},
                           "scipy": {"imported": True, "loaded": [{"internal_api": "mkl", "version": "2024"}]},
                           "torch": {"imported": False}},
             "pools": [{"owner": "numpy", "user_api": "blas", "internal_api": "openblas", "num_threads": 4},
                       {"owner": "scipy", "user_api": "blas", "internal_api": "mkl", "num_threads": 2}]}
    ws = doctor.warnings(facts, uses_processes=True)
    assert any("different BLAS" in w and "numpy uses openblas 0.3.31" in w for w in ws)
    assert any("6 threads in all on 2 usable cores" in w for w in ws)
    assert any("runs 4 threads on 2 usable cores" in w for w in ws)
    assert any(w.startswith("OMP_NUM_THREADS") and "matters under" not in w for w in ws)
