"""The world layer: calendar rules, distributions against scipy, arrival sampling, random streams."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.model.records import TimeWeighted
from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec, Hours
from sim.world.arrivals import day_shape, sample_day
from sim.world.calendar import CLOSED, REST, WORKING, Calendar, offices_calendars
from sim.world.distributions import Distribution
from sim.world.streams import DayStreams, Source
from tests.conftest import OFFICE_HOURS, SCENARIOS

GOLDEN_WEEK = (
    *tuple((dt.date(2022, 10, d), "holiday") for d in range(1, 8)),
    (dt.date(2022, 10, 8), "workday"),
    (dt.date(2022, 10, 9), "workday"),
)


def test_calendar_working_days_follow_the_state_council_notice():
    cal = Calendar(dt.date(2022, 9, 30), OFFICE_HOURS, GOLDEN_WEEK)
    kinds = [cal.is_working_day(d) for d in range(12)]  # Fri 30 Sep .. Tue 11 Oct
    assert kinds == [True, False, False, False, False, False, False, False, True, True, True, True]
    assert cal.periods(1) == ()  # 1 Oct: holiday
    assert cal.periods(8) == ((8 * 1440 + 540.0, 8 * 1440 + 720.0), (8 * 1440 + 840.0, 8 * 1440 + 1050.0))
    assert cal.open_minutes(0) == 390.0


def test_calendar_next_open_and_closing_time():
    cal = Calendar(dt.date(2022, 9, 30), OFFICE_HOURS, GOLDEN_WEEK)
    assert cal.next_open(0.0) == 540.0
    assert cal.next_open(600.0) == 600.0
    assert cal.next_open(720.0) == 840.0  # closing instant is closed
    assert cal.next_open(1050.0) == 8 * 1440 + 540.0  # over Golden Week to the make-up Saturday
    assert cal.closing_time(600.0) == 720.0
    assert not cal.is_open(720.0)
    assert cal.is_open(719.999)


def test_weekend_hours_apply_on_ordinary_weekends_only():
    hours = Hours(weekdays=((540.0, 1050.0),), weekend=((600.0, 720.0),))
    cal = Calendar(dt.date(2022, 10, 8), hours, GOLDEN_WEEK)  # Sat 8 Oct: make-up working day
    assert cal.periods(0) == ((540.0, 1050.0),)
    assert cal.periods(7) == ((7 * 1440 + 600.0, 7 * 1440 + 720.0),)  # Sat 15 Oct: weekend hours


def _scipy(spec: DistSpec) -> stats.rv_continuous:  # type: ignore[name-defined]
    match spec.kind:
        case "lognormal":
            sigma = math.sqrt(math.log1p(spec.cv**2))
            return stats.lognorm(s=sigma, scale=spec.mean / math.sqrt(1 + spec.cv**2))
        case "gamma":
            return stats.gamma(a=1 / spec.cv**2, scale=spec.mean * spec.cv**2)
        case "exponential":
            return stats.expon(scale=spec.mean)
        case "uniform":
            return stats.uniform(loc=spec.low, scale=spec.high - spec.low)
        case _:
            c = (spec.mode - spec.low) / (spec.high - spec.low)
            return stats.triang(c, loc=spec.low, scale=spec.high - spec.low)


SPECS = [
    DistSpec("lognormal", mean=12.0, cv=0.5),
    DistSpec("gamma", mean=13.0, cv=0.4),
    DistSpec("exponential", mean=5.0),
    DistSpec("uniform", low=3.0, high=14.0),
    DistSpec("triangular", low=5.0, mode=8.0, high=15.0),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_distribution_moments_match_scipy(spec):
    d = Distribution(spec)
    ref = _scipy(spec)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert d.variance == pytest.approx(ref.var(), rel=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_distribution_samples_agree_with_their_analytic_moments(spec):
    d = Distribution(spec)
    x = d.sample(np.random.default_rng(7), 200_000)
    assert (x >= 0).all()
    se = math.sqrt(d.variance / x.size)
    assert abs(x.mean() - d.mean) < 4 * se
    ks = stats.kstest(x[:5000], _scipy(spec).cdf)
    assert ks.pvalue > 1e-4


def test_lognormal_keeps_its_mean_not_the_log_space_mean():
    # dropping -sigma^2/2 would give 12 * sqrt(1 + 0.5^2) = 13.4
    x = Distribution(DistSpec("lognormal", mean=12.0, cv=0.5)).sample(np.random.default_rng(1), 400_000)
    assert abs(x.mean() - 12.0) < 4 * 6.0 / math.sqrt(x.size)


def test_deterministic_and_empirical():
    rng = np.random.default_rng(3)
    assert (Distribution(DistSpec("deterministic", mean=4.0)).sample(rng, 5) == 4.0).all()
    emp = Distribution(DistSpec("empirical", values=(1.0, 2.0, 6.0)))
    assert emp.mean == 3.0
    assert set(emp.sample(rng, 1000).tolist()) == {1.0, 2.0, 6.0}


def test_arrivals_fall_in_opening_periods_with_the_hour_profile_shares():
    profile = tuple([0.0] * 9 + [2.0, 1.0, 1.0] + [0.0] * 2 + [1.0] * 4 + [0.0] * 6)
    shape = day_shape(((540.0, 720.0), (840.0, 1050.0)), profile)
    rng = np.random.default_rng(11)
    days = 4000
    counts, nine = [], 0
    for day in range(days):
        t = sample_day(rng, 50.0, shape, day * 1440.0)
        local = t - day * 1440.0
        assert ((local >= 540) & (local < 720) | (local >= 840) & (local < 1050)).all()
        assert (np.diff(t) >= 0).all()
        counts.append(t.size)
        nine += int(((local >= 540) & (local < 600)).sum())
    counts_arr = np.asarray(counts)
    assert abs(counts_arr.mean() - 50.0) < 4 * math.sqrt(50.0 / days)
    # weight of 09:00-10:00 is 2*60 out of (2+1+1)*60 + 1*210 = 450
    p = 120 / 450
    n = counts_arr.sum()
    assert abs(nine / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_closed_day_has_no_arrivals():
    shape = day_shape((), (1.0,) * 24)
    assert shape.empty
    assert sample_day(np.random.default_rng(0), 100.0, shape, 0.0).size == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 5000), st.integers(-3, 3)), min_size=1, max_size=30))
def test_time_weighted_area_equals_the_integral(changes):
    level = TimeWeighted()
    changes = sorted(changes)
    value, last, area = 0.0, 0.0, 0.0
    for t, delta in changes:
        area += value * (t - last)
        level.add(t, delta)
        value, last = value + delta, t
    assert level.bins(5).sum() == pytest.approx(area, abs=1e-6)


def test_streams_depend_on_their_key_only():
    a = DayStreams(5, 2, Source.INTAKE_SERVICE, 0).day(3).random(4)
    DayStreams(5, 2, Source.APPLICANT_ARRIVALS, 0).day(3).random(1000)  # drawing elsewhere does not shift it
    assert (DayStreams(5, 2, Source.INTAKE_SERVICE, 0).day(3).random(4) == a).all()
    assert not (DayStreams(5, 3, Source.INTAKE_SERVICE, 0).day(3).random(4) == a).any()
    assert not (DayStreams(5, 2, Source.INTAKE_SERVICE, 1).day(3).random(4) == a).any()
    assert not (DayStreams(5, 2, Source.INTAKE_SERVICE, 0).day(4).random(4) == a).any()


@pytest.mark.parametrize(
    "hours",
    [OFFICE_HOURS, Hours(weekdays=((540.0, 600.0), (600.0, 720.0)), weekend=((600.0, 660.0),)), Hours(())],
)
def test_calendar_day_kinds_are_its_periods_and_working_days(hours):
    """day_kinds and kind_periods decide for many days what periods and is_working_day decide day by day."""
    cal = Calendar(dt.date(2022, 9, 24), hours, GOLDEN_WEEK)  # a make-up Saturday, the holidays, weekends
    kinds = cal.day_kinds(40)
    assert set(kinds.tolist()) == {CLOSED, WORKING, REST}
    for day, kind in enumerate(kinds.tolist()):
        assert (kind == WORKING) == cal.is_working_day(day)
        base = day * 1440.0
        assert cal.periods(day) == tuple((base + a, base + b) for a, b in cal.kind_periods(kind))


def test_runs_of_one_scenario_share_its_calendars_and_another_scenario_builds_its_own():
    scenario = load_scenario(SCENARIOS / "history.toml")
    first, again = offices_calendars(scenario), offices_calendars(scenario)
    assert first is not again
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert len({id(c) for c in first}) == len({o.hours for o in scenario.offices})  # equal hours: one calendar
    first.clear()  # a caller's list is its own
    assert len(offices_calendars(scenario)) == len(scenario.offices)
    other = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, start=dt.date(2023, 1, 2)))
    moved = offices_calendars(other)
    assert moved[0] is not again[0]
    assert moved[0].start == dt.date(2023, 1, 2)
