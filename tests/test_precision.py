"""``--precision``: replications are added until the key figures' CIs are narrow enough, and no longer.

The stopping rule is recomputed here from the replications' own figures with :func:`sim.experiment.stats.estimate`
(not with the module under test): it must hold at the reported number of replications and fail at every smaller
number from the minimum on. The prefix property makes the result independent of the executor and batch size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import pytest

from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.precision import Precision, next_batch
from sim.experiment.runner import key_metrics, run_experiment
from sim.experiment.stats import estimate
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, SCENARIOS


@pytest.fixture(scope="module")
def office():
    """The single office over four weeks: a replication takes a few milliseconds."""
    return cut_at(load_scenario(SCENARIOS / "single_office.toml"), dt.date(2022, 9, 28))


def holds(outcomes, keys, relative, n):
    for key in keys:
        e = estimate([o.figures[key] for o in outcomes[:n]])
        if not e.half_width <= relative * abs(e.mean):
            return False
    return True


@pytest.mark.parametrize("relative", [0.1, 0.07, 0.05])
def test_stops_at_the_first_replication_count_where_the_rule_holds(office, relative):
    keys = key_metrics(office)
    target = Precision(relative, keys, minimum=3, maximum=200)
    experiment = run_experiment(office, precision=target)
    n = experiment.stop.replications
    assert experiment.stop.met
    assert len(experiment.outcomes) == experiment.scenario.run.replications == n
    assert holds(experiment.outcomes, keys, relative, n)
    # every shorter prefix fails: rerun with more than n replications so the prefixes are all available
    longer = run_experiment(office, replications=n + 3)
    assert all(not holds(longer.outcomes, keys, relative, m) for m in range(3, n))
    # the kept replications are exactly replications 0..n-1 of a plain run
    assert [o.figures for o in experiment.outcomes] == [o.figures for o in longer.outcomes[:n]]
    # and the figure that decided it is the one with the widest relative half-width at the stop
    widths = {k: experiment.summary[k].half_width / abs(experiment.summary[k].mean) for k in keys}
    assert experiment.stop.binding == max(widths, key=lambda k: widths[k])


def test_tighter_targets_never_need_fewer_replications(office):
    keys = key_metrics(office)
    counts = [
        run_experiment(office, precision=Precision(r, keys, maximum=300)).stop.replications for r in (0.1, 0.07, 0.05)
    ]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]


def test_the_stop_does_not_depend_on_the_executor(office):
    target = Precision(0.05, key_metrics(office), maximum=200)
    serial = run_experiment(office, precision=target, executor=SerialExecutor())
    pooled = run_experiment(office, precision=target, executor=ProcessExecutor(2))
    assert serial.stop == pooled.stop
    assert serial.summary == pooled.summary


def test_the_cap_stops_an_unreachable_target_and_says_so(office):
    experiment = run_experiment(office, precision=Precision(0.0001, key_metrics(office), maximum=5))
    assert experiment.stop.replications == 5
    assert not experiment.stop.met
    assert len(experiment.outcomes) == 5


def test_batches_are_at_least_the_parallel_width_and_never_pass_the_cap(office):
    keys = key_metrics(office)
    outcomes = run_experiment(office, replications=4).outcomes
    figures = [o.figures for o in outcomes]
    assert next_batch([], Precision(0.05, keys, minimum=3, maximum=10), 1) == 3
    assert next_batch(figures, Precision(0.05, keys, minimum=3, maximum=10), 8) == 6  # capped at 10 in all
    assert next_batch(figures, Precision(0.05, keys, minimum=3, maximum=100), 2) >= 2


def test_journey_scenarios_add_the_lead_time_to_the_key_figures():
    scenario = load_scenario(SCENARIOS / "two_provinces.toml")
    assert ("total", "lead_days_mean") in key_metrics(scenario)
    assert key_metrics(scenario, ["wait_p90"]) == (("total", "wait_p90"),)


def test_the_command_reports_which_figure_stopped_it(tmp_path):
    out = tmp_path / "run"
    scenario = tmp_path / "short.toml"
    scenario.write_text(
        f'extends = "{(SCENARIOS / "single_office.toml").as_posix()}"\n[run]\nend = 2022-09-28\n', encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(scenario), "--precision", "0.05", "--serial", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("precision"))
    n = int(line.split(" after ")[1].split()[0])
    assert "reached after" in line
    assert "total wait_mean" in line or "total served_per_open_day" in line
    assert f"{n} replications" in done.stdout.splitlines()[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications"] == manifest["precision"]["replications"] == n
    assert manifest["precision"]["met"] is True
    assert max(manifest["precision"]["relative_half_widths"].values()) <= 0.05


def test_a_bad_key_metric_is_bad_input_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "sim", "run", str(SCENARIOS / "single_office.toml"), "--precision", "0.05"]
    done = subprocess.run(
        [*command, "--key-metric", "wait_avg", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "--key-metric" in done.stderr
    assert '"wait_avg"' in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_the_cut_scenario_is_the_beginning_of_the_full_one(office):
    full = load_scenario(SCENARIOS / "single_office.toml")
    assert office.run.end == dt.date(2022, 9, 28)
    assert dataclasses.replace(office, run=full.run) == full
