"""Whole runs: conservation, opening hours respected, reproducibility, metamorphic relations, results folders.

The conservation, opening-hours, reproducibility and metamorphic tests run on both engines (the ``engine`` fixture
of ``tests/conftest.py``); the mid-run books exist on the SimPy engine only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.series import DAILY_COLUMNS, daily_rows
from sim.experiment.store import load_records, save_experiment, summary_csv, write_atomically
from sim.model.build import build
from sim.model.engine import run_replication
from sim.model.records import VisitKind
from sim.scenario.load import load_scenario
from sim.world.calendar import Calendar
from tests.conftest import ROOT, SCENARIOS
from tests.engine_diff import assert_conserved


@pytest.fixture(scope="module")
def office_scenario():
    s = load_scenario(SCENARIOS / "single_office.toml")
    return dataclasses.replace(s, run=dataclasses.replace(s.run, replications=4))


def with_office(scenario, **changes):
    return dataclasses.replace(scenario, offices=(dataclasses.replace(scenario.offices[0], **changes),))


@pytest.mark.parametrize("at_closing", ["serve", "return_next_day"])
def test_everyone_is_accounted_for_mid_run_and_at_the_end(office_scenario, at_closing):
    # SimPy only: the fast engine computes a day at a time and has no books to read mid-run
    scenario = with_office(office_scenario, at_closing=at_closing, applicants_per_day=90)
    model = build(scenario, 0)
    in_progress = 0
    for day in range(5, 40):  # every day at 10:00 and at 17:31, just after closing
        for minute in (600.0, 1051.0):
            model.env.run(until=day * 1440 + minute)
            (stages,) = model.stages()
            assert stages.balanced
            assert stages.served == model.log.size
            in_progress += stages.arrived - stages.served
    assert in_progress > 0
    model.env.run()
    result = model.collect()
    (stages,) = result.stages
    assert stages.arrived == stages.served == result.visits["office"].size
    assert stages.waiting == stages.in_service == stages.away == 0


@pytest.mark.parametrize("at_closing", ["serve", "return_next_day"])
def test_everyone_is_accounted_for_at_the_end(office_scenario, at_closing, engine):
    scenario = with_office(office_scenario, at_closing=at_closing, applicants_per_day=90)
    result = run_replication(scenario, 0, engine=engine)
    (stages,) = result.stages
    assert stages.arrived == stages.served == result.visits["office"].size
    assert stages.waiting == stages.in_service == stages.away == 0
    assert_conserved(result, intake_only=True)


@pytest.mark.parametrize("at_closing", ["serve", "return_next_day"])
def test_no_service_starts_while_closed_except_for_those_queued_at_closing(office_scenario, at_closing, engine):
    scenario = with_office(office_scenario, at_closing=at_closing, applicants_per_day=90)
    result = run_replication(scenario, 0, engine=engine)
    calendar = Calendar(scenario.run.start, scenario.offices[0].hours, scenario.holidays)
    v = result.visits
    after_closing = 0
    for arrival, start, returns in zip(v["arrival"], v["start"], v["returns"], strict=True):
        if calendar.is_open(start):
            continue
        after_closing += 1
        assert at_closing == "serve"
        # the period that closed last before the start must be the one the visitor queued in
        day_periods = calendar.periods(int(start // 1440))
        opening, closing = max((p for p in day_periods if p[1] <= start), key=lambda p: p[1])
        assert opening <= arrival < closing <= start
        assert returns == 0
    assert (after_closing > 0) == (at_closing == "serve")


def test_same_seed_identical_records_other_seed_different(office_scenario, engine):
    a, b = run_replication(office_scenario, 1, engine=engine), run_replication(office_scenario, 1, engine=engine)
    for name in a.visits:
        assert np.array_equal(a.visits[name], b.visits[name])
    assert np.array_equal(a.queue_area, b.queue_area)
    c = run_replication(office_scenario, 1, seed=office_scenario.run.seed + 1, engine=engine)
    assert not np.array_equal(a.visits["arrival"][:100], c.visits["arrival"][:100])


def test_serial_and_processes_give_byte_identical_summaries(office_scenario, engine):
    serial = run_experiment(office_scenario, executor=SerialExecutor(), engine=engine)
    parallel = run_experiment(office_scenario, executor=ProcessExecutor(2), engine=engine)
    assert summary_csv(serial) == summary_csv(parallel)


def test_more_windows_never_lengthen_waits_under_common_random_numbers(office_scenario, engine):
    busy = with_office(office_scenario, applicants_per_day=80)
    three = run_experiment(busy, engine=engine)
    four = run_experiment(with_office(busy, windows=4), engine=engine)
    for o3, o4 in zip(three.outcomes, four.outcomes, strict=True):
        assert np.array_equal(np.sort(o3.result.visits["arrival"]), np.sort(o4.result.visits["arrival"]))  # same draws
        assert o4.figures[("total", "wait_mean")] <= o3.figures[("total", "wait_mean")]
        assert o4.figures[("total", "wait_p95")] <= o3.figures[("total", "wait_p95")]
    assert four.summary[("total", "wait_mean")].mean < three.summary[("total", "wait_mean")].mean


def test_results_folder_holds_a_whole_result(office_scenario, tmp_path):
    experiment = run_experiment(office_scenario)
    folder = save_experiment(experiment, tmp_path / "run")
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "daily.csv", "manifest.json", "monthly.csv", "records.npz", "scenario.json", "stages.csv", "summary.csv",
        "summary.json", "weekly.csv",
    ]  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == office_scenario.run.seed
    assert manifest["replications"] == 4
    records = load_records(folder / "records.npz")
    assert records["visits/replication"].size == sum(o.result.visits["office"].size for o in experiment.outcomes)
    summary = json.loads((folder / "summary.json").read_text())
    row = next(r for r in summary["rows"] if r["scope"] == "total" and r["metric"] == "wait_mean")
    assert row["mean"] == experiment.summary[("total", "wait_mean")].mean
    daily_lines = (folder / "daily.csv").read_text().splitlines()
    assert len(daily_lines) - 1 == sum(o.result.open_minutes.shape[1] for o in experiment.outcomes)


def test_a_failure_while_writing_leaves_nothing(tmp_path):
    def fill(target: Path) -> None:
        (target / "summary.csv").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out", fill)
    assert list(tmp_path.iterdir()) == []


def cli(*args: str, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, check=False, **kwargs
    )


def test_cli_run_twice_gives_byte_identical_summary(tmp_path):
    scenario = "scenarios/single_office.toml"
    first = cli("run", scenario, "--replications", "3", "--out", str(tmp_path / "a"), "--serial")
    second = cli("run", scenario, "--replications", "3", "--out", str(tmp_path / "b"), "--workers", "2")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "results:" in first.stdout
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()
    assert (tmp_path / "a" / "daily.csv").read_bytes() == (tmp_path / "b" / "daily.csv").read_bytes()


def test_cli_validate_flags_an_overloaded_office(tmp_path):
    text = (SCENARIOS / "single_office.toml").read_text().replace("applicants_per_day = 50", "applicants_per_day = 200")
    target = tmp_path / "overloaded.toml"
    target.write_text(
        text.replace('"data/holidays_cn.csv"', f'"{(SCENARIOS / "data" / "holidays_cn.csv").as_posix()}"')
    )
    done = cli("validate", str(target))
    assert done.returncode == 0
    assert "overloaded" in done.stderr
    rho = re.search(r"rho = (\d+\.\d+) >= 1", done.stderr)
    assert rho is not None
    assert float(rho.group(1)) >= 1


def test_ctrl_c_during_a_run_exits_130_writes_no_results_and_keeps_finished_replications(tmp_path):
    out = tmp_path / "results"
    # The child must get Ctrl-C as from a terminal. A test run started in the background (`cmd &` in a script,
    # nohup) has SIGINT ignored, which a child inherits; a handler (unlike "ignored") is reset to the default.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "run", "scenarios/mmc_check.toml", "--replications", "400",
             "--results-root", str(out), "--workers", "2", "--quiet"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
    time.sleep(3.0)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert all(p.parent.parent.name == ".checkpoints" and p.name.startswith("rep-") for p in files), files
    (line,) = stderr.strip().splitlines()
    if files:  # the finished replications are kept for a rerun, nothing else
        assert line.startswith(f"interrupted: no results written; {len(files)} finished replication(s) kept in ")
    else:
        assert line == "interrupted: nothing was written"


def test_cli_validate_flags_reviewers_who_cannot_keep_up(tmp_path):
    text = (SCENARIOS / "two_provinces.toml").read_text()
    base = (SCENARIOS / "single_office.toml").as_posix()
    target = tmp_path / "few_reviewers.toml"
    target.write_text(text.replace('"single_office.toml"', f'"{base}"').replace("reviewers = 2 ", "reviewers = 1 "))
    done = cli("validate", str(target))
    assert done.returncode == 0
    flagged = re.findall(r"reviewers of '(\w+)' cannot keep up.*rho = (\d+\.\d+)", done.stderr)
    assert {name for name, _ in flagged} == {"Anhui", "Henan"}
    assert all(float(rho) >= 1 for _, rho in flagged)
    assert "cannot keep up" not in cli("validate", "scenarios/two_provinces.toml").stderr


def test_daily_local_wait_is_the_mean_of_the_local_visits_that_arrived_that_day(office_scenario):
    result = run_replication(office_scenario, 0)
    rows = daily_rows(office_scenario, result)
    at = DAILY_COLUMNS.index
    v = result.visits
    local = v["kind"] == VisitKind.BACKGROUND
    assert local.sum() > 100  # the office has local ID business, and its records are kept
    checked = 0
    for row in rows:
        day = (np.datetime64(row[at("date")]) - np.datetime64(office_scenario.run.start)).astype(int)
        waits = v["wait"][local & (v["day"] == day)]
        assert row[at("background_arrivals")] == waits.size
        if waits.size:
            assert row[at("background_wait_mean_minutes")] == pytest.approx(waits.mean(), rel=1e-12, abs=1e-12)
            checked += 1
        else:
            assert np.isnan(row[at("background_wait_mean_minutes")])
    assert checked > 10
