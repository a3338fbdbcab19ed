"""Admission caps: ``max_in_office`` (an M/M/c/K office), ``daily_quota``, and the turned-away who come back.

The capped office draws exactly the arrivals of its uncapped twin (caps change no stream), so the twin's records
count who came: the capped run must admit or turn away each of them, and every turn-away must end in one return or
one giving up. Statistical tests compare with the exact M/M/c/K formulas (:class:`sim.theory.MMcK`) within 4
standard errors over replications; every test runs on both engines, and the two engines' records are compared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.experiment.executors import ProcessExecutor
from sim.experiment.metrics import replication_figures
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.model.engine import run_replication
from sim.model.result import ReplicationResult
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec, Scenario, TurnedAway
from sim.theory import MMcK
from sim.world.calendar import MINUTES_PER_DAY
from tests.conftest import SCENARIOS
from tests.engine_diff import assert_conserved, assert_same

SERVERS, SERVICE, CAPACITY = 3, 10.0, 6
K = 4.0  # standard errors


def mmck_scenario(rho: float, days: int, warm_up: int, replications: int = 20) -> tuple[Scenario, MMcK]:
    """The shipped M/M/3 open around the clock, capped at ``CAPACITY`` inside; everyone turned away gives up."""
    base = load_scenario(SCENARIOS / "mmc_check.toml", {"office.max_in_office": CAPACITY})
    rate = rho * SERVERS / SERVICE  # offered, per minute
    office = dataclasses.replace(base.offices[0], applicants_per_day=rate * 1440, windows=SERVERS)
    run = dataclasses.replace(
        base.run, end=base.run.start + dt.timedelta(days=days - 1), warm_up_days=warm_up, replications=replications
    )
    scenario = dataclasses.replace(base, offices=(office,), run=run)
    return scenario, MMcK(SERVERS, CAPACITY, rate, SERVICE)


def assert_close(values: list[float], theory: float, what: str) -> None:
    e = estimate(values)
    assert abs(e.mean - theory) < K * e.standard_error, f"{what}: {e.mean} ±{e.half_width} vs theory {theory}"


@pytest.fixture(scope="module", params=[0.7, 1.2], ids=lambda rho: f"rho={rho}")
def mmck_run(request, engine):
    scenario, theory = mmck_scenario(request.param, days=30, warm_up=2)
    experiment = run_experiment(scenario, executor=ProcessExecutor(2), engine=engine)
    return scenario, theory, experiment


def window_counts(scenario: Scenario, result: ReplicationResult) -> tuple[int, int]:
    """Admitted applicants and turn-aways on the window's days."""
    first, last = scenario.run.warm_up_days, scenario.run.days
    day = result.applicants["day"]
    admitted = int(np.count_nonzero((day >= first) & (day < last)))
    return admitted, int(result.turned_away[0, first:last].sum())


@pytest.mark.slow
def test_blocking_matches_mmck(mmck_run):
    scenario, theory, experiment = mmck_run
    values = []
    for o in experiment.outcomes:
        admitted, turned = window_counts(scenario, o.result)
        values.append(turned / (admitted + turned))
    assert_close(values, theory.blocking, "blocking probability")


@pytest.mark.slow
def test_mean_wait_of_admitted_matches_mmck(mmck_run):
    _, theory, experiment = mmck_run
    values = [o.figures[("M/M/3", "wait_mean")] for o in experiment.outcomes]
    assert_close(values, theory.mean_wait_minutes, "mean wait of the admitted")


@pytest.mark.slow
def test_throughput_matches_mmck(mmck_run):
    scenario, theory, experiment = mmck_run
    minutes = (scenario.run.days - scenario.run.warm_up_days) * MINUTES_PER_DAY
    values = [window_counts(scenario, o.result)[0] / minutes for o in experiment.outcomes]
    assert_close(values, theory.throughput_per_minute, "throughput per minute")


@pytest.mark.slow
def test_nobody_is_admitted_past_the_cap(mmck_run):
    """Give-up 1: nobody returns; the catalogue's figures are the records' counts."""
    scenario, _, experiment = mmck_run
    for o in experiment.outcomes:
        r = o.result
        assert r.returned.sum() == 0
        assert np.array_equal(r.turned_away, r.given_up)
        first, last = scenario.run.warm_up_days, scenario.run.days
        assert o.figures[("M/M/3", "turned_away")] == r.turned_away[0, first:last].sum()
        assert o.figures[("total", "given_up")] == r.given_up[0, first:last].sum()


# -- daily quota and returns ---------------------------------------------------------------------------------------

QUOTA = 300  # the M/M/3 office's 345.6 applicants a day on average: most days are over quota


def quota_scenario(give_up: float, **office: object) -> Scenario:
    """The M/M/3 office over 3 weeks with a daily quota and local business; ``office`` replaces more fields."""
    base = load_scenario(SCENARIOS / "mmc_check.toml", {"run.end": dt.date(2023, 1, 22)})
    spec = dataclasses.replace(
        base.offices[0],
        daily_quota=QUOTA,
        background_per_day=40.0,
        background_minutes=DistSpec("exponential", mean=5.0),
        turned_away=TurnedAway(give_up, DistSpec("exponential", mean=2.0)),
        **office,  # type: ignore[arg-type]
    )
    return dataclasses.replace(base, offices=(spec,))


def uncapped(scenario: Scenario) -> Scenario:
    """The same scenario without caps: the same arrivals (caps change no stream), all admitted."""
    return dataclasses.replace(scenario, offices=tuple(dataclasses.replace(o, daily_quota=0, max_in_office=0)
                                                       for o in scenario.offices))  # fmt: skip


def arrivals_per_day(result: ReplicationResult, days: int) -> np.ndarray:
    """Admitted first intakes and local visits per arrival day."""
    applicants = np.bincount(result.applicants["day"], minlength=days)[:days]
    return applicants + result.local_visits[0, :days]


@pytest.mark.parametrize("replication", [0, 1])
def test_quota_turns_away_exactly_the_arrivals_past_it(engine, replication):
    scenario = quota_scenario(give_up=1.0)
    capped = run_replication(scenario, replication, engine=engine)
    twin = run_replication(uncapped(scenario), replication, engine=engine)
    days = scenario.run.days
    came, admitted = arrivals_per_day(twin, days), arrivals_per_day(capped, days)
    assert (came > QUOTA).sum() >= 5, "the test needs days over quota"
    assert np.all(admitted <= QUOTA)
    assert np.array_equal(admitted, np.minimum(came, QUOTA))
    assert np.array_equal(capped.turned_away[0, :days], np.maximum(came - QUOTA, 0))
    assert np.array_equal(capped.given_up, capped.turned_away)
    assert_conserved(capped)


@pytest.mark.parametrize("replication", [0, 1])
def test_returns_come_back_on_later_open_days(engine, replication):
    """Weekdays 09:00-17:00: a return arrives on a later day than its turn-away, in opening hours, on a weekday."""
    weekdays = dataclasses.replace(load_scenario(SCENARIOS / "mmc_check.toml").offices[0].hours,
                                   weekdays=((540.0, 1020.0),), weekend=())  # fmt: skip
    scenario = quota_scenario(give_up=0.3, hours=weekdays, applicants_per_day=400.0)
    capped = run_replication(scenario, replication, engine=engine)
    twin = run_replication(uncapped(scenario), replication, engine=engine)
    days = capped.turned_away.shape[1]
    came = np.zeros(days, dtype=np.int64)
    came[: scenario.run.days] = arrivals_per_day(twin, scenario.run.days)
    admitted = np.zeros(days, dtype=np.int64)
    per_day = np.bincount(capped.applicants["day"], minlength=days)[:days] + capped.local_visits[0, :days]
    admitted[: per_day.size] = per_day
    back = admitted + capped.turned_away[0] - came  # arrivals that were returns, per day
    assert np.all(back >= 0)
    assert capped.returned.sum() > 50
    assert capped.given_up.sum() > 20
    # every turn-away ends once; returns by the end of day d were all decided on earlier days
    assert back.sum() == capped.returned.sum()
    assert np.all(np.cumsum(back)[1:] <= np.cumsum(capped.returned[0])[:-1])
    assert back[0] == 0
    # returns arrive in opening hours of working days (2023-01-02 is a Monday; no holidays in mmc_check)
    fresh = set(twin.applicants["arrival"].tolist())
    returned = np.array([t for t in capped.applicants["arrival"].tolist() if t not in fresh])
    assert returned.size > 0
    clock, weekday = returned % MINUTES_PER_DAY, (returned // MINUTES_PER_DAY) % 7
    assert np.all((clock >= 540) & (clock < 1020))
    assert np.all(weekday < 5)
    # conservation: every person who came was admitted once or gave up
    assert came.sum() == admitted.sum() + capped.given_up.sum()
    assert_conserved(capped)


@pytest.mark.parametrize("give_up", [0.0, 0.3])
def test_engines_agree_on_caps_with_returns(give_up):
    scenario = quota_scenario(give_up=give_up, max_in_office=8)
    for replication in (0, 1):
        simpy = run_replication(scenario, replication, engine="simpy")
        fast = run_replication(scenario, replication, engine="fast")
        assert simpy.turned_away.sum() > 0
        assert_same(simpy, fast)
        assert_conserved(fast)


def test_figures_count_turn_aways_per_office_and_total():
    scenario = quota_scenario(give_up=0.3)
    result = run_replication(scenario, 0, engine="fast")
    figures = replication_figures(scenario, result)
    first, last = scenario.run.warm_up_days, scenario.run.days
    for name in ("turned_away", "returned", "given_up"):
        expected = float(getattr(result, name)[0, first:last].sum())
        assert figures[("M/M/3", name)] == figures[("total", name)] == expected
    assert figures[("total", "turned_away")] == figures[("total", "returned")] + figures[("total", "given_up")]
    assert ("total", "turned_away") not in replication_figures(uncapped(scenario), result)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"office.max_in_office": 0}, "office.max_in_office: must be an integer >= 1"),
        ({"office.daily_quota": 2.5}, "office.daily_quota: must be an integer"),
        ({"office.turned_away": {"give_up": 1.5}}, "office.turned_away.give_up: must be"),
        ({"office.turned_away": {"give_ups": 0.5}}, "office.turned_away.give_ups"),
        ({"office.max_in_office": 4, "office.at_closing": "return_next_day"}, 'needs at_closing = "serve"'),
    ],
)
def test_bad_caps_are_one_line_naming_the_key(overrides, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "mmc_check.toml", overrides)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
