"""Staffing by date: the rules of a step, worked by hand, and each staffing period against Erlang C.

A step (``windows_from``, ``reviewers_from``) changes a station's servers at 00:00 of a day, before anything
else at that instant: a server added takes the head of the queue at once; when servers are taken away, those busy
finish their visitors and nobody starts until fewer than the new count are busy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.experiment.executors import ProcessExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.scenario.load import load_scenario
from sim.theory import MMc
from tests.conftest import SCENARIOS

DAY = 1440.0


def test_a_window_added_at_midnight_serves_the_queue_at_once(harness):
    h = harness(windows=1)
    h.office.staff(((DAY, 2),))
    for i in range(3):
        h.arrive_at(DAY - 60.0, i, service=60.0)  # 23:00: one window, an hour each
    h.env.run()
    # the first ends at 00:00; the added window takes the third at 00:00 too (the step comes first)
    assert sorted(h.log) == [
        (0, DAY - 60.0, DAY, 0.0, 0),
        (1, DAY, DAY + 60.0, 60.0, 0),
        (2, DAY, DAY + 60.0, 60.0, 0),
    ]


def test_windows_taken_away_finish_their_visitors_and_nobody_starts_until_one_is_spare(harness):
    h = harness(windows=3)
    h.office.staff(((DAY, 1),))
    for i in range(3):
        h.arrive_at(DAY - 30.0, i, service=60.0 + 10.0 * i)  # all three busy across midnight
    h.arrive_at(DAY - 10.0, 3, service=5.0)  # queued at the step
    h.env.run()
    # at 00:00 one window is left, three visitors are at windows: all finish (00:30, 00:40, 00:50); the queued one
    # starts only when fewer than one is busy, at 00:50
    assert (3, DAY + 50.0, DAY + 55.0, 60.0, 0) in h.log
    assert h.office.servers == 1
    assert h.office.free == 1


def test_a_step_changes_the_stage_counts_servers_only(harness):
    h = harness(windows=2)
    h.office.staff(((DAY, 5),))
    h.env.run(until=DAY + 1.0)
    counts = h.office.stages()
    assert (h.office.servers, h.office.free, counts.in_service) == (5, 5, 0)


# Theory: each staffing period of an M/M/c office open around the clock is its own M/M/c queue -------------------

RATE, SERVICE = 0.24, 10.0  # arrivals a minute, minutes
PERIODS = ((0, 25, 5), (25, 50, 3), (50, 75, 4))  # first day, end day, windows: rho 0.48, 0.8, 0.6
SETTLE = 3  # days dropped after each step (and before a period ends, arrivals that may start in the next)
K = 4.0  # standard errors


@pytest.fixture(scope="module")
def stepped(engine):
    base = load_scenario(SCENARIOS / "mmc_check.toml")
    start = base.run.start
    steps = tuple((first * DAY, windows) for first, _, windows in PERIODS[1:])
    office = dataclasses.replace(
        base.offices[0], applicants_per_day=RATE * DAY, windows=PERIODS[0][2], windows_from=steps
    )
    run = dataclasses.replace(base.run, end=start + dt.timedelta(days=PERIODS[-1][1] - 1), warm_up_days=0)
    scenario = dataclasses.replace(base, offices=(office,), run=dataclasses.replace(run, replications=20))
    return run_experiment(scenario, executor=ProcessExecutor(2), engine=engine)


def _period_waits(outcome, first: int, end: int) -> np.ndarray:
    v = outcome.result.visits
    keep = (v["day"] >= first + SETTLE) & (v["day"] < end - 1)
    return v["wait"][keep]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"days{p[0]}-{p[1]}:{p[2]}windows")
def test_each_period_matches_erlang_c_for_its_windows(stepped, period):
    first, end, windows = period
    theory = MMc(windows, RATE, SERVICE)
    means = estimate([float(_period_waits(o, first, end).mean()) for o in stepped.outcomes])
    assert abs(means.mean - theory.mean_wait_minutes) < K * means.standard_error, (means, theory.mean_wait_minutes)
    waited = estimate([float((_period_waits(o, first, end) > 0).mean()) for o in stepped.outcomes])
    assert abs(waited.mean - theory.wait_exceeds(0.0)) < K * waited.standard_error, (waited, theory.wait_exceeds(0))
