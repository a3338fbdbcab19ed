"""``compare``: common random numbers make paired differences tighter, and pooling the runs changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import subprocess
import sys

import pytest

from sim.experiment.compare import compare
from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.runner import replicate, run_experiment
from sim.experiment.store import summary_csv
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

KEY = ("total", "wait_mean")


@pytest.fixture(scope="module")
def faster_intake():
    """The single office over six weeks, and the same office with 10 % shorter intakes: a small effect whose
    difference is lost in the noise unless both runs see the same arrivals and the same (scaled) service draws."""
    base = cut_at(load_scenario(SCENARIOS / "single_office.toml"), dt.date(2022, 10, 12))
    base = dataclasses.replace(base, run=dataclasses.replace(base.run, replications=20))
    office = base.offices[0]
    quicker = dataclasses.replace(office.intake_minutes, mean=office.intake_minutes.mean * 0.9)
    faster = dataclasses.replace(base, name="faster", offices=(dataclasses.replace(office, intake_minutes=quicker),))
    return base, faster


def test_common_random_numbers_narrow_the_paired_difference(faster_intake):
    common = compare(faster_intake)
    independent = compare(faster_intake, independent=True)
    crn, ind = common.differences[(1, *KEY)], independent.differences[(1, *KEY)]
    # both estimate the same difference ...
    assert abs(crn.mean - ind.mean) < 4 * (crn.standard_error**2 + ind.standard_error**2) ** 0.5
    assert crn.mean < 0
    # ... but the common streams cancel the arrivals' and service times' noise
    assert crn.half_width < 0.5 * ind.half_width, (crn, ind)
    # with independent seeds the reference keeps its seed and the other scenario gets the next one
    assert [e.scenario.run.seed for e in independent.experiments] == [common.experiments[0].scenario.run.seed + k
                                                                      for k in range(2)]  # fmt: skip
    assert common.experiments[0].summary == independent.experiments[0].summary


def test_pooled_runs_give_the_same_experiments_as_separate_runs(faster_intake):
    short = [dataclasses.replace(s, run=dataclasses.replace(s.run, replications=4)) for s in faster_intake]
    pooled = compare(short, executor=ProcessExecutor(2))
    for scenario, experiment in zip(short, pooled.experiments, strict=True):
        alone = run_experiment(scenario, executor=SerialExecutor())
        assert summary_csv(alone) == summary_csv(experiment)
        # replication by replication, in order (compare keeps figures, not records: o.records is None)
        assert repr([o.figures for o in experiment.outcomes]) == repr([o.figures for o in alone.outcomes])
        assert all(o.records is None for o in experiment.outcomes)


def test_a_comparison_writes_each_scenarios_period_series_as_a_run_would(tmp_path):
    """compare keeps no records, so each replication reduces its weeks and months where it runs; the reference's
    weekly.csv and monthly.csv are then the same bytes as a run of it on the same seed."""
    common = ["--replications", "3", "--until", "2022-09-20", "--quiet"]
    two, office = str(SCENARIOS / "two_provinces.toml"), str(SCENARIOS / "single_office.toml")
    for argv in (["compare", two, office, *common, "--out", str(tmp_path / "c")],
                 ["run", two, *common, "--out", str(tmp_path / "r")]):  # fmt: skip
        subprocess.run([sys.executable, "-m", "sim", *argv], check=True, capture_output=True)
    for name in ("weekly.csv", "monthly.csv"):
        assert (tmp_path / "c" / "two_provinces" / name).read_bytes() == (tmp_path / "r" / name).read_bytes()
        assert (tmp_path / "c" / "single_office" / name).stat().st_size > 0


def test_a_compared_replication_ships_its_figures_and_periods_but_no_daily_rows() -> None:
    """compare writes no daily series; a national replication's daily rows (one per office and day) were about
    300 MB of tuples each in the parent, which held every replication's until the end (make demo peaked at 3.8 GB)."""
    scenario = cut_at(load_scenario(SCENARIOS / "history.toml"), dt.date(2021, 11, 30))
    lean, full = replicate(scenario, 0, records=False), replicate(scenario, 0)
    assert lean.records is None
    assert lean.daily == []
    assert len(full.daily) == len(scenario.offices) * full.result.open_minutes.shape[1]
    assert repr(sorted(lean.figures.items())) == repr(sorted(full.figures.items()))  # NaN equals NaN in repr
    assert set(lean.periods) == {"week", "month"}
    assert len(pickle.dumps(lean)) < len(pickle.dumps(full.daily)) / 4
