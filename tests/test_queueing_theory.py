"""Theory: the office open around the clock is an M/M/c queue; Erlang C must agree within 4 standard errors.

Each replication gives one estimate; across replications the estimates' mean and standard error are compared with
the analytic value. The office starts empty, so a warm-up is dropped; everyone who arrives in the window is
served to the end (no censoring). Every test runs on both engines (the ``engine`` fixture of ``tests/conftest.py``).
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

SERVERS, SERVICE = 3, 10.0
K = 4.0  # standard errors


def mmc_scenario(rho: float, days: int, warm_up: int, replications: int = 20):
    base = load_scenario(SCENARIOS / "mmc_check.toml")
    rate = rho * SERVERS / SERVICE  # per minute
    office = dataclasses.replace(base.offices[0], applicants_per_day=rate * 1440, windows=SERVERS)
    run = dataclasses.replace(
        base.run, end=base.run.start + dt.timedelta(days=days - 1), warm_up_days=warm_up, replications=replications
    )
    return dataclasses.replace(base, offices=(office,), run=run), MMc(SERVERS, rate, SERVICE)


def waits_in_window(scenario, outcome):
    v = outcome.result.visits
    keep = (v["day"] >= scenario.run.warm_up_days) & (v["day"] < scenario.run.days)
    return v["wait"][keep]


def assert_close(values, theory, what):
    e = estimate(values)
    assert abs(e.mean - theory) < K * e.standard_error, f"{what}: {e.mean} ±{e.half_width} vs theory {theory}"


CASES = [(0.5, 30, 3), (0.8, 60, 5), (0.95, 100, 10)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"rho={c[0]}")
def mmc_run(request, engine):
    rho, days, warm_up = request.param
    scenario, theory = mmc_scenario(rho, days, warm_up)
    experiment = run_experiment(scenario, executor=ProcessExecutor(2), engine=engine)
    return scenario, theory, experiment


@pytest.mark.slow
def test_mean_wait_matches_erlang_c(mmc_run):
    _scenario, theory, experiment = mmc_run
    values = [o.figures[("M/M/3", "wait_mean")] for o in experiment.outcomes]
    assert_close(values, theory.mean_wait_minutes, "mean wait")


@pytest.mark.slow
def test_wait_distribution_matches_erlang_c(mmc_run):
    scenario, theory, experiment = mmc_run
    for t in (0.0, theory.mean_wait_minutes, 3 * theory.mean_wait_minutes):
        values = [float((waits_in_window(scenario, o) > t).mean()) for o in experiment.outcomes]
        assert_close(values, theory.wait_exceeds(t), f"P(wait > {t:.1f})")
    p90 = [o.figures[("M/M/3", "wait_p90")] for o in experiment.outcomes]
    assert_close(p90, theory.wait_quantile(0.9), "p90 wait")


@pytest.mark.slow
def test_utilisation_matches_rho(mmc_run):
    _, theory, experiment = mmc_run
    values = [o.figures[("M/M/3", "utilisation")] for o in experiment.outcomes]
    assert_close(values, theory.utilisation, "utilisation")


@pytest.mark.slow
def test_littles_law_between_queue_length_and_wait(mmc_run):
    scenario, _, experiment = mmc_run
    gaps = []
    for o in experiment.outcomes:
        waits = waits_in_window(scenario, o)
        open_minutes = o.result.open_minutes[0, scenario.run.warm_up_days : scenario.run.days].sum()
        arrival_rate = waits.size / open_minutes
        gaps.append(o.figures[("M/M/3", "queue_length_mean")] - arrival_rate * float(np.mean(waits)))
    e = estimate(gaps)
    assert abs(e.mean) < K * e.standard_error + 1e-9, f"L - lambda W = {e.mean} ±{e.half_width}"
