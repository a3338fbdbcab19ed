"""The fast engine's compiled steps: the day index is NumPy's float floor division, bit for bit, on every kind of
time; working days and links are the SimPy model's own, time by time."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model.fast.steps import add_working_days, day_of, link_arrival, next_midnight, next_working_time
from sim.model.fast.tables import Tables, build_tables
from sim.model.link import Link
from sim.scenario.load import load_scenario
from sim.scenario.schema import Outage, Scenario
from sim.world.calendar import Calendar
from tests.conftest import SCENARIOS

MIDNIGHTS = np.arange(0, 1440 * 2000, 1440.0)


def _same_bits(t: np.ndarray) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on infinities
        expected = np.floor_divide(t, 1440.0)
    return day_of(t).tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    "t",
    [
        MIDNIGHTS,  # exactly midnight
        np.nextafter(MIDNIGHTS[1:], 0.0),  # the last float before each midnight (the quotient rounds up to it)
        np.nextafter(MIDNIGHTS, np.inf),
        -np.nextafter(MIDNIGHTS[1:], 0.0),
        np.array([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300]),
        np.array([np.nan, -np.nan, np.inf, -np.inf]),
        np.array([2.0**52, -(2.0**52), 2.0**53 + 2, 1e300, -1e300, np.finfo(np.float64).max]),
        np.empty(0),
    ],
    ids=["midnights", "before", "after", "negative", "zeros-and-tiny", "not-finite", "huge", "empty"],
)
def test_edge_times_take_numpys_day(t: np.ndarray) -> None:
    assert _same_bits(t)


@given(arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_times_take_numpys_day(t: np.ndarray) -> None:
    assert _same_bits(t)


@pytest.fixture(scope="module")
def journey() -> tuple[Scenario, Tables]:
    scenario = load_scenario(SCENARIOS / "two_provinces.toml")
    return scenario, build_tables(scenario)


def test_working_days_are_the_calendars(journey: tuple[Scenario, Tables]) -> None:
    """Batch times, production days and midnights over holidays and make-up days, as the SimPy model's calendar."""
    scenario, tables = journey
    calendar = Calendar(scenario.run.start, scenario.offices[0].hours, scenario.holidays)
    rng = np.random.default_rng(7)
    t = np.concatenate([rng.uniform(0, 400 * 1440, 3000), np.arange(0, 400 * 1440, 1440.0) + 1020.0])
    days = rng.integers(0, 16, t.size)
    assert next_working_time(tables, t, 1020.0).tolist() == [calendar.next_working_time(x, 1020.0) for x in t]
    assert add_working_days(tables, t, days).tolist() == [
        calendar.add_working_days(x, int(n)) for x, n in zip(t, days, strict=True)
    ]
    assert next_midnight(t).tolist() == [(x // 1440 + 1) * 1440 for x in t]


@pytest.mark.parametrize("linked_from", [-math.inf, 200 * 1440.0 + 600, math.inf])
def test_link_arrivals_are_the_links(journey: tuple[Scenario, Tables], linked_from: float) -> None:
    """Batches and real time, before and after the switch, through overlapping outages, as the SimPy link."""
    scenario, tables = journey
    outages = (Outage(50 * 1440.0 + 900, 52 * 1440.0 + 100), Outage(51 * 1440.0, 51 * 1440.0 + 50),
               Outage(210 * 1440.0, 210 * 1440.0 + 700))  # fmt: skip
    province = dataclasses.replace(scenario.provinces[0], linked_from_minutes=linked_from, outages=outages)
    link = Link(None, province, Calendar(scenario.run.start, province.hours, scenario.holidays), lambda v: None)  # type: ignore[arg-type]
    rng = np.random.default_rng(8)
    sent = np.concatenate([rng.uniform(40 * 1440, 260 * 1440, 3000), [o.start for o in outages]])
    latency = rng.exponential(30.0, sent.size)
    expected = [link.arrival_time(s, x) for s, x in zip(sent, latency, strict=True)]
    assert link_arrival(tables, province, sent, latency).tolist() == expected


def test_times_past_the_tables_raise(journey: tuple[Scenario, Tables]) -> None:
    _, tables = journey
    with pytest.raises(IndexError):
        next_working_time(tables, np.array([tables.next_working.size * 1440.0]), 0.0)
