"""A parallel run gives exactly the serial run's results, in path order."""

from __future__ import annotations

import os

import pytest
from cli_support import BAD, CLEAN, run_cli, write

from blaslint.core import runner
from blaslint.project.config import Settings
from blaslint.core.runner import PARALLEL_THRESHOLD, RunOptions, make_tasks, run

FIXABLE = "import numpy as np\nx = np.linalg.inv(A) @ b\n"


@pytest.fixture
def many_files(tmp_path):
    files = []
    for i in range(PARALLEL_THRESHOLD * 2 + 3):
        # uneven sizes: every fifth file is big, so largest-first reorders them
        body = [BAD, CLEAN, FIXABLE, "def f(:\n", CLEAN + "\n" * 2000][i % 5]
        files.append(write(tmp_path, f"pkg{i % 3}/m{i:03}.py", body))
    return tmp_path, sorted(files)


def _results(files, root, jobs):
    return [(r.path, r.diagnostics, r.errors) for r in run(files, Settings(project_root=str(root)),
                                                             RunOptions(jobs=jobs))]


def test_parallel_results_equal_serial_ones_in_path_order(many_files):
    root, files = many_files
    serial = _results(files, root, 1)
    parallel = _results(files, root, 2)
    assert parallel == serial
    assert [p for p, _, _ in parallel] == files
    assert sum(1 for _, d, _ in serial if d) > len(files) // 2


def test_results_do_not_carry_sources_across_processes(many_files):
    root, files = many_files
    for r in run(files, Settings(project_root=str(root)), RunOptions(jobs=2)):
        assert r.source is None and r.original_bytes is None


def test_tasks_cover_every_file_once_biggest_first(tmp_path):
    sizes = [10, 5000, 1, 300000, 70, 0, 2000]
    paths = [write(tmp_path, f"f{i}.py", "x" * n) for i, n in enumerate(sizes)]
    paths.append(str(tmp_path / "missing.py"))
    tasks = make_tasks(paths, chunk_bytes=4096)
    flat = [i for task in tasks for i, _ in task]
    assert sorted(flat) == list(range(len(paths)))
    assert all(paths[i] == p for task in tasks for i, p in task)
    assert tasks[0] == [(3, paths[3])]           # the big file alone, first
    assert [i for i, _ in tasks[1]] == [1]        # 5000 bytes fill a task by itself
    order = [sizes[i] if i < len(sizes) else 0 for i in flat]
    assert order == sorted(order, reverse=True)


def test_cli_output_is_the_same_with_one_or_two_jobs(many_files):
    root, _ = many_files
    one = run_cli("--no-cache", "-j", "1", ".", cwd=root)
    two = run_cli("--no-cache", "-j", "2", ".", cwd=root)
    assert one.returncode == two.returncode == 1
    assert one.out == two.out and one.out.count("BL401") > 5


@pytest.mark.skipif(os.name != "posix", reason="monkeypatching a worker needs fork")
def test_a_worker_that_dies_costs_only_its_file(many_files, monkeypatch):
    root, files = many_files
    doomed = files[4]
    real = runner.process_path

    def crash_on_doomed(path, settings, options):
        if path == doomed:
            os._exit(1)  # a crash in C code, as seen from the parent
        return real(path, settings, options)

    monkeypatch.setattr(runner, "process_path", crash_on_doomed)
    results = _results(files, root, 2)
    serial = _results_serial_without(files, root, doomed)
    assert [p for p, _, _ in results] == files
    got = {p: d for p, d, _ in results}
    assert [d.code for d in got[doomed]] == ["BL999"]
    assert {p: d for p, d in got.items() if p != doomed} == serial


def _results_serial_without(files, root, skip):
    return {r.path: r.diagnostics for r in run([f for f in files if f != skip],
                                                Settings(project_root=str(root)), RunOptions(jobs=1))}
