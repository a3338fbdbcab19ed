"""The fast engine's two ways of computing a run give the same records: day blocks, and passes over the whole run.

:func:`sim.model.fast.run.in_passes` computes a run in passes until the revisits and pickups its decisions send are
those its windows served; :func:`~sim.model.fast.run.run_replication` with ``relax=False`` computes it in blocks of
days in order. Both must give the same records, exactly (the per-day integrals may differ in the last bits: they
are summed in another order). ``tests/test_engines.py`` holds both against the SimPy engine; this file holds them
against each other, on the shipped journeys and on the generated scenarios of that file, and checks that a run
whose passes do not settle falls back to the blocks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim.model.fast import run as fast
from sim.model.fast import tables
from sim.model.result import ReplicationResult
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import SCENARIOS
from tests.engine_diff import TABLES, assert_same
from tests.test_engines import Case, load_case, small_scenarios


def assert_identical(blocks: ReplicationResult, passes: ReplicationResult) -> None:
    """Every record column equal to the bit, and the rest as :func:`tests.engine_diff.assert_same` compares."""
    __tracebackhide__ = True
    for name in TABLES:
        a, b = getattr(blocks, name), getattr(passes, name)
        assert a.keys() == b.keys(), name
        for column in a:
            assert np.array_equal(a[column], b[column], equal_nan=True), (name, column)
    assert_same(blocks, passes)
    assert blocks.end_minutes == passes.end_minutes


def _journey(name: str, days: int) -> Scenario:
    """A shipped scenario with arrivals on ``days`` days."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    end = scenario.run.start + dt.timedelta(days=days - 1)
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, end=end))


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_a_shipped_journey_settles_and_equals_the_blocks(replication: int) -> None:
    scenario = _journey("two_provinces", 120)
    passes = fast.in_passes(scenario, replication)
    assert passes is not None, "four months of one office settle within the passes allowed"
    assert (~passes.requests["approved"]).any()  # some were rejected: revisits were sent back
    assert_identical(fast.run_replication(scenario, replication, relax=False), passes)


def test_the_national_history_thinned_settles_and_equals_the_blocks() -> None:
    scenario = load_scenario(SCENARIOS / "history.toml")
    offices = tuple(dataclasses.replace(o, background_per_day=o.background_per_day * 0.1) for o in scenario.offices)
    scenario = cut_at(dataclasses.replace(scenario, offices=offices), dt.date(2021, 12, 20))
    passes = fast.in_passes(scenario, 0)
    assert passes is not None
    assert_identical(fast.run_replication(scenario, 0, relax=False), passes)


def test_a_run_whose_passes_do_not_settle_is_computed_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = _journey("two_provinces", 60)
    monkeypatch.setattr(fast, "PASSES", 2)  # this journey needs four
    assert fast.in_passes(scenario, 0) is None
    assert_identical(fast.run_replication(scenario, 0, relax=False), fast.run_replication(scenario, 0, relax=True))


def test_ties_are_found_per_station() -> None:
    def arrivals(station: list[int], t: list[float]) -> fast._Arrivals:
        n = len(t)
        ints = np.zeros(n, dtype=np.int64)
        return fast._Arrivals(np.array(station), np.array(t), np.arange(n), ints, ints, np.zeros(n))

    assert fast._ties(arrivals([0, 1, 0], [5.0, 5.0, 7.0])) is False
    assert fast._ties(arrivals([0, 1, 1], [5.0, 7.0, 7.0])) is True


def test_generated_scenarios_give_the_same_records_both_ways() -> None:
    """The generated scenarios of ``tests/test_engines.py`` with a journey and no caps; most must settle."""
    count = {"tried": 0, "settled": 0}

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=small_scenarios())
    def both_ways(case: Case) -> None:
        scenario = load_case(case)
        if not scenario.provinces or any(o.capped for o in scenario.offices):
            return  # no journey (nothing comes back), or admission caps: always blocks
        count["tried"] += 1
        passes = fast.in_passes(scenario, case.replication)
        if passes is not None:
            count["settled"] += 1
            assert_identical(fast.run_replication(scenario, case.replication, relax=False), passes)

    both_ways()
    assert count["tried"] >= 50, count
    assert count["settled"] >= 0.6 * count["tried"], count


def test_a_run_past_the_calendar_tables_fails_as_the_blocks_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = _journey("two_provinces", 30)
    monkeypatch.setattr(tables, "BEYOND_DAYS", 10)  # cards come weeks after the last arrival
    tables._tables.cache_clear()
    try:
        assert fast.in_passes(scenario, 0) is None
        for relax in (True, False):
            with pytest.raises((RuntimeError, IndexError), match="outlasts the fast engine's calendar tables"):
                fast.run_replication(scenario, 0, relax=relax)
    finally:
        tables._tables.cache_clear()
