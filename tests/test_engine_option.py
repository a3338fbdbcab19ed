"""``--engine``: every command that runs replications takes it, passes it down to the model and records it.

The command line runs in this process (``sim.cli.main``) on tiny runs: the single office over its first ten days
(two replications), a two-point sweep of it, and a calibration of the small national test base (five offices,
demand from migrant stocks) to 50 applications over its two weeks. A spy on the runner's ``run_replication`` shows
which engine each replication ran on.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sim.cli import main
from sim.experiment import runner
from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.runner import Replicate, run_experiment, run_replications
from sim.experiment.store import summary_csv
from sim.experiment.sweep import SWEEP_FILE
from sim.model.engine import DEFAULT_ENGINE, ENGINES
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

T = TypeVar("T")
OFFICE = str(SCENARIOS / "single_office.toml")
SHORT = ["--replications", "2", "--serial", "--quiet"]
SWEEP_SETS = ["--set", "office.windows=2,3", "--set", "run.end=2022-09-10"]
NATIONAL = str(Path(__file__).parent / "bad_inputs" / "bases" / "national.toml")  # five offices, migrant demand


def command(name: str, out: Path, other: Path) -> list[str]:
    """A tiny run of the command ``name`` into ``out`` (``other`` is a second scenario for compare)."""
    if name == "run":
        return ["run", OFFICE, "--until", "2022-09-10", *SHORT, "--out", str(out)]
    if name == "compare":
        return ["compare", OFFICE, str(other), "--until", "2022-09-10", *SHORT, "--out", str(out)]
    if name == "sweep":
        return ["sweep", OFFICE, *SWEEP_SETS, *SHORT, "--out", str(out)]
    return ["calibrate", NATIONAL, "--target", "2023-01-15:50", *SHORT, "--out", str(out)]


def recorded_engine(name: str, out: Path) -> Any:
    """The engine a command's results folder records."""
    files = {"run": "manifest.json", "compare": "manifest.json", "sweep": SWEEP_FILE, "calibrate": "calibration.json"}
    engine = json.loads((out / files[name]).read_text(encoding="utf-8"))["engine"]
    if name == "sweep":  # every point folder is a results folder with its own manifest
        points = sorted(out.glob("p*/manifest.json"))
        assert len(points) == 2
        assert {json.loads(p.read_text(encoding="utf-8"))["engine"] for p in points} == {engine}
    return engine


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The single office with four windows, under another name: the second scenario of ``compare``."""
    path = tmp_path_factory.mktemp("other") / "other.toml"
    path.write_text(f'extends = "{Path(OFFICE).as_posix()}"\nname = "other"\n[office]\nwindows = 4\n', "utf-8")
    return path


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engines the runner's replications ran on (serial executors only: the spy lives in this process)."""
    engines: list[str] = []
    real = runner.run_replication

    def run_replication(*args: Any, engine: Any, **kwargs: Any) -> Any:
        engines.append(engine)
        return real(*args, engine=engine, **kwargs)

    monkeypatch.setattr(runner, "run_replication", run_replication)
    return engines


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["run", "compare", "sweep", "calibrate"])
def test_every_command_takes_the_engine_runs_on_it_and_records_it(name, engine, *, other, spy, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*command(name, out, other), "--engine", engine]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert f"engine {engine}, executor serial" in header
    assert recorded_engine(name, out) == engine
    assert spy
    assert set(spy) == {engine}


def test_the_default_engine_is_fast(other, spy, tmp_path, capsys):
    assert DEFAULT_ENGINE == "fast"
    for name in ("run", "compare"):
        out = tmp_path / name
        assert main(command(name, out, other)) == 0
        assert recorded_engine(name, out) == "fast"
    assert set(spy) == {"fast"}
    assert "engine fast" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["run", "compare", "sweep", "calibrate"])
def test_an_unknown_engine_is_an_argparse_error_and_writes_nothing(name, other, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main([*command(name, out, other), "--engine", "turbo"])
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()  # one line, as a scenario file's errors
    assert line == (f"rollout-sim {name}: error: argument --engine: invalid choice: 'turbo' (choose from 'fast', "
                    f"'simpy') (see rollout-sim {name} --help)")  # fmt: skip
    assert not out.exists()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_sweep_resumed_on_another_engine_is_refused(other, tmp_path, capsys):
    out = tmp_path / "sweep"
    first = command("sweep", out, other)
    assert main([*first, "--engine", "simpy"]) == 0
    before = snapshot(out)
    capsys.readouterr()
    assert main([*first, "--engine", "fast"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f'{out / SWEEP_FILE}: engine: this folder holds a sweep with engine "simpy"')
    assert captured.err.rstrip().endswith('not engine "fast"; resume with --engine simpy, or choose another --out')
    assert snapshot(out) == before
    assert main([*first, "--engine", "simpy"]) == 0  # the same request resumes: nothing left to run
    assert "2 points, 0 replications run now" in capsys.readouterr().out
    assert snapshot(out) == before


def test_a_sweep_begun_before_engines_were_recorded_resumes_only_on_simpy(other, tmp_path, capsys):
    out = tmp_path / "sweep"
    first = command("sweep", out, other)
    assert main([*first, "--engine", "simpy"]) == 0
    description = json.loads((out / SWEEP_FILE).read_text(encoding="utf-8"))
    del description["engine"]  # as written before --engine existed, when every sweep ran on SimPy
    (out / SWEEP_FILE).write_text(json.dumps(description), encoding="utf-8")
    assert main([*first, "--engine", "fast"]) == 2
    assert 'with engine "simpy", not engine "fast"' in capsys.readouterr().err
    assert main([*first, "--engine", "simpy"]) == 0


class RecordingExecutor:
    """A serial executor that records the task numbers it is given, in order."""

    name = "serial"

    def __init__(self) -> None:
        self.tasks: list[int] = []

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        self.tasks += indices
        return SerialExecutor().map(task, indices)


@pytest.fixture(scope="module")
def office():
    """The single office's first six days."""
    return cut_at(load_scenario(OFFICE), dt.date(2022, 9, 6))


def test_the_task_pickles_with_its_engine_and_pools_scenarios_in_turn(office):
    task = Replicate((office, office), "simpy")
    again = pickle.loads(pickle.dumps(task))
    assert again == task
    assert again.engine == "simpy"
    assert [task.split(i) for i in range(4)] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    executor = RecordingExecutor()
    seen: list[tuple[int, int]] = []
    outcomes = run_replications(
        [office, office], [2, 0], executor, engine="simpy", on_outcome=lambda k, r, _: seen.append((k, r))
    )
    assert executor.tasks == [4, 5, 0, 1]  # replication 2 of both scenarios, then replication 0
    assert seen == [(0, 2), (1, 2), (0, 0), (1, 0)]
    assert [[o.result.replication for o in found] for found in outcomes] == [[2, 0], [2, 0]]


def test_worker_processes_run_the_chosen_engine_to_the_same_result(office):
    serial = run_experiment(office, replications=3, engine="simpy")
    pooled = run_experiment(office, replications=3, engine="simpy", executor=ProcessExecutor(2))
    assert serial.engine == pooled.engine == "simpy"
    assert summary_csv(serial) == summary_csv(pooled)
