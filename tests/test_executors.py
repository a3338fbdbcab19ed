"""Executors on real workers: serial, local processes and a local Dask cluster give byte-identical results.

The reproducibility tests run on both engines (the ``engine`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import multiprocessing
import operator
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiment.executors import (
    DASK_EXTRA_MESSAGE,
    DaskExecutor,
    MissingExtraError,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
    running,
)
from sim.experiment.runner import run_experiment
from sim.experiment.store import daily_csv, summary_csv
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def scenario():
    """Two hukou provinces, arrivals in September 2022 only: about 0.2 s a replication."""
    s = load_scenario(SCENARIOS / "two_provinces.toml")
    return dataclasses.replace(s, run=dataclasses.replace(s.run, end=dt.date(2022, 9, 30), replications=4))


@pytest.fixture(scope="module")
def serial(scenario, engine):
    return run_experiment(scenario, executor=SerialExecutor(), engine=engine)


@pytest.fixture(scope="module")
def dask_address():
    """A real local Dask cluster (two worker processes, one thread each); closed after the module."""
    distributed = pytest.importorskip("distributed", reason="the Dask tests need the extra rollout-sim[dask]")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_processes_give_byte_identical_files(scenario, serial, engine):
    parallel = run_experiment(scenario, executor=ProcessExecutor(2), engine=engine)
    assert parallel.executor == "processes"
    assert parallel.engine == serial.engine == engine
    assert summary_csv(parallel) == summary_csv(serial)
    assert daily_csv(parallel) == daily_csv(serial)


def test_dask_gives_byte_identical_files(scenario, serial, dask_address, engine):
    done: list[int] = []
    distributed = run_experiment(
        scenario, executor=DaskExecutor(dask_address), progress=lambda d, _: done.append(d), engine=engine
    )
    assert distributed.executor == "dask"
    assert done == [1, 2, 3, 4]
    assert summary_csv(distributed) == summary_csv(serial)
    assert daily_csv(distributed) == daily_csv(serial)


def test_another_seed_gives_another_summary(scenario, serial, engine):
    other = run_experiment(scenario, seed=scenario.run.seed + 1, engine=engine)
    assert summary_csv(other) != summary_csv(serial)


def test_dask_runs_the_same_scenario_twice(scenario, serial, dask_address, engine):
    """Keys are distinct per run, so a second identical submission is computed, not confused with the first."""
    again = run_experiment(scenario, replications=2, executor=DaskExecutor(dask_address), engine=engine)
    assert [repr(o.figures) for o in again.outcomes] == [repr(o.figures) for o in serial.outcomes[:2]]  # NaN-safe


@pytest.mark.parametrize("kind", ["serial", "processes", "dask"])
def test_every_index_comes_back_once_with_its_own_result(kind, request):
    executor = {
        "serial": SerialExecutor,
        "processes": lambda: ProcessExecutor(2),
        "dask": lambda: DaskExecutor(request.getfixturevalue("dask_address")),
    }[kind]()
    pairs = list(executor.map(functools.partial(operator.mul, 10), [3, 1, 4, 5]))
    assert sorted(pairs) == [(1, 10), (3, 30), (4, 40), (5, 50)]


def test_a_failing_replication_raises_its_error_through_dask(dask_address):
    with pytest.raises(ZeroDivisionError):
        list(DaskExecutor(dask_address).map(functools.partial(operator.floordiv, 6), [1, 2, 0, 3]))


def test_make_executor_picks_one():
    assert isinstance(make_executor(serial=True, workers=4, scheduler=None), SerialExecutor)
    processes = make_executor(serial=False, workers=3, scheduler=None)
    assert isinstance(processes, ProcessExecutor)
    assert processes.workers == 3
    dask = make_executor(serial=False, workers=None, scheduler="tcp://127.0.0.1:8786")  # connects only in map
    assert isinstance(dask, DaskExecutor)
    assert dask.address == "tcp://127.0.0.1:8786"
    assert dask.name == "dask"


def test_make_executor_refuses_serial_with_a_scheduler():
    with pytest.raises(ValueError, match="serial"):
        make_executor(serial=True, workers=None, scheduler="tcp://127.0.0.1:8786")


def test_without_dask_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what a missing package looks like to `import`
    with pytest.raises(MissingExtraError, match=r"pip install 'rollout-sim\[dask\]'") as caught:
        make_executor(serial=False, workers=None, scheduler="tcp://127.0.0.1:8786")
    assert str(caught.value) == DASK_EXTRA_MESSAGE
    assert isinstance(caught.value, RuntimeError)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_the_command_line_runs_on_the_cluster_with_the_same_results(dask_address, tmp_path, engine):
    short = tmp_path / "short.toml"
    short.write_text(f'extends = "{(SCENARIOS / "two_provinces.toml").as_posix()}"\n[run]\nend = 2022-09-30\n')
    common = ("run", str(short), "--replications", "3", "--engine", engine)
    on_cluster = _cli(*common, "--scheduler", dask_address, "--out", str(tmp_path / "d"))
    assert on_cluster.returncode == 0, on_cluster.stderr
    here = _cli(*common, "--serial", "--out", str(tmp_path / "s"))
    assert here.returncode == 0, here.stderr
    for name in ("summary.csv", "daily.csv", "weekly.csv"):
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "s" / name).read_bytes()
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert (manifest["executor"], manifest["engine"]) == ("dask", engine)


def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on: bind, note it, close
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "run"
    done = _cli(
        "run", str(SCENARIOS / "single_office.toml"), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out)
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "--scheduler: cannot connect" in done.stderr
    assert not out.exists()


def test_serial_and_scheduler_together_are_refused():
    done = _cli("run", str(SCENARIOS / "single_office.toml"), "--serial", "--scheduler", "tcp://127.0.0.1:1")
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr


def _mark(folder: str, i: int) -> int:
    """A slow task that leaves a file behind, so the test can count what ran."""
    time.sleep(0.2)
    Path(folder, f"{i}.done").touch()
    return i


def test_leaving_the_loop_by_an_exception_stops_the_pool_at_once(tmp_path):
    def leave_early() -> None:
        with running(ProcessExecutor(2), functools.partial(_mark, str(tmp_path)), range(60)) as results:
            for _ in results:
                raise KeyboardInterrupt  # in the loop's body, not inside the executor

    before = set(multiprocessing.active_children())  # the Dask cluster's processes may be running already
    try:
        leave_early()
    except KeyboardInterrupt:  # checked while the traceback (and its frames) is alive, as in the CLI's handler
        ran = len(list(tmp_path.iterdir()))
        time.sleep(1.0)
        assert len(list(tmp_path.iterdir())) == ran  # nothing keeps running in the background
        assert ran < 10
        assert set(multiprocessing.active_children()) <= before
    else:
        pytest.fail("the interrupt was swallowed")


def test_ctrl_c_in_a_progress_callback_leaves_no_worker_behind(scenario):
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    longer = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, replications=40))
    before = set(multiprocessing.active_children())
    try:
        run_experiment(longer, executor=ProcessExecutor(2), progress=interrupt)
    except KeyboardInterrupt:
        assert set(multiprocessing.active_children()) <= before
    else:
        pytest.fail("the interrupt was swallowed")
