"""The fast engine's two ways of computing a run give the same records: day blocks, and one compiled loop.

:func:`sim.model.fast.run.in_loop` computes a light journey in one compiled call (:mod:`sim.model.fast.loop`);
:func:`~sim.model.fast.run.run_replication` with ``loop=False`` computes it in blocks of days. Both must give the
same records exactly (the per-day integrals are summed in another order: equal within
:func:`tests.engine_diff.assert_same`'s tolerance). ``tests/test_engines.py`` holds the engine against SimPy; this
file holds the loop against the blocks, and checks that where the loop stops the run is still computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim.model.fast import loop, tables
from sim.model.fast import run as fast
from sim.model.result import ReplicationResult
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec, Scenario
from tests.conftest import SCENARIOS
from tests.engine_diff import TABLES, assert_same
from tests.test_engines import Case, load_case, small_scenarios


def assert_identical(blocks: ReplicationResult, looped: ReplicationResult) -> None:
    """Every record column equal to the bit, and the rest as :func:`tests.engine_diff.assert_same` compares."""
    __tracebackhide__ = True
    for name in TABLES:
        a, b = getattr(blocks, name), getattr(looped, name)
        assert a.keys() == b.keys(), name
        for column in a:
            assert np.array_equal(a[column], b[column], equal_nan=True), (name, column)
    assert_same(blocks, looped)
    assert blocks.end_minutes == looped.end_minutes


def _journey(name: str, days: int) -> Scenario:
    """A shipped scenario with arrivals on ``days`` days."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    end = scenario.run.start + dt.timedelta(days=days - 1)
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, end=end))


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_a_shipped_journey_in_the_loop_equals_the_blocks(replication: int) -> None:
    scenario = _journey("two_provinces", 200)
    looped = fast.in_loop(scenario, replication)
    assert looped is not None
    assert (looped.requests["attempt"] >= 2).any()  # attempts beyond those drawn with the applicant were drawn
    assert (looped.visits["returns"] > 0).any() or not any(o.at_closing == "return_next_day" for o in scenario.offices)
    assert_identical(fast.run_replication(scenario, replication, loop=False), looped)


def test_cards_ready_on_the_day_they_are_approved_are_fetched_from_the_next_day() -> None:
    """No production days, shipping or pickup delay: a card is ready at the batch of its decision's day, and its
    pickup must still fall on a later day (the model's rule), as the blocks place it."""
    scenario = _journey("two_provinces", 60)
    zero = DistSpec("deterministic", mean=0.0)
    production = dataclasses.replace(scenario.production, working_days=zero, shipping_days=zero, pickup_after_days=zero)
    scenario = dataclasses.replace(scenario, production=production)
    looped = fast.in_loop(scenario, 0)
    assert looped is not None
    a = looped.applicants
    fetched = np.isfinite(a["card_ready"]) & (a["visits"] > 1)
    assert (a["card_ready"][fetched] // 1440 == a["decided"][fetched] // 1440).any()  # ready the day decided
    assert (a["in_hand"][fetched] // 1440 > a["decided"][fetched] // 1440).all()
    assert_identical(fast.run_replication(scenario, 0, loop=False), looped)


def test_a_journey_without_applicants_is_computed_in_blocks() -> None:
    """Hukou provinces but nobody applies (local visits only): the loop declines and the blocks compute the run."""
    scenario = _journey("two_provinces", 30)
    offices = tuple(dataclasses.replace(o, applicants_per_day=0.0) for o in scenario.offices)
    scenario = dataclasses.replace(scenario, offices=offices)
    assert fast.in_loop(scenario, 0) is None
    result = fast.run_replication(scenario, 0)
    assert result.applicants["applicant"].size == 0
    assert result.local_visits.sum() > 0
    assert_identical(fast.run_replication(scenario, 0, loop=False), result)


def test_the_national_history_thinned_in_the_loop_equals_the_blocks() -> None:
    scenario = load_scenario(SCENARIOS / "history.toml")
    offices = tuple(dataclasses.replace(o, background_per_day=o.background_per_day * 0.1) for o in scenario.offices)
    scenario = cut_at(dataclasses.replace(scenario, offices=offices), dt.date(2021, 12, 20))
    looped = fast.in_loop(scenario, 0)
    assert looped is not None
    assert_identical(fast.run_replication(scenario, 0, loop=False), looped)


def test_the_loop_retries_with_more_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Room for a tenth of the visits: the loop runs out, retries with four times as much, and still agrees."""
    scenario = _journey("two_provinces", 60)
    rooms: list[int] = []
    room = fast._loop_room

    def small(visits: int, *args: int) -> tuple[loop.Out, loop.Pending, loop.Scratch]:
        rooms.append(visits)
        return room(visits // 40 if len(rooms) == 1 else visits, *args)

    monkeypatch.setattr(fast, "_loop_room", small)
    looped = fast.in_loop(scenario, 0)
    assert looped is not None
    assert len(rooms) == 2
    assert rooms[1] == 4 * rooms[0]
    assert_identical(fast.run_replication(scenario, 0, loop=False), looped)


def test_a_tie_between_visits_sent_back_stops_the_loop() -> None:
    """Two visits sent back to one station at one instant: their order is the order sent, which the loop does
    not share with the blocks, so it stops and says so."""
    columns = (np.zeros(4) if i in {1, 5} else np.zeros(4, dtype=np.int64) for i in range(8))  # t and service: floats
    days = (np.full(3, -1, dtype=np.int64) for _ in range(2))
    p = loop.Pending(*columns, *days, np.zeros(3, dtype=np.int64))
    p.t[:3] = [600.0, 600.0, 700.0]  # rows 0 and 1 tie at station 0 on day 0 unless their stations differ
    p.next[:3] = [1, 2, -1]
    p.head[0], p.tail[0], p.tally[1] = 0, 2, 3
    new = loop.New(
        np.zeros(2, dtype=np.int64), *(np.empty(0, dtype=d) for d in (np.int64, float, np.int64, np.int64, float))
    )
    s = fast._loop_room(8, 4, 1, 3)[2]
    assert loop._arrivals(0, 1, new, p, s) == -1
    p.station[1] = 1
    p.tally[1] = 3
    assert loop._arrivals(0, 1, new, p, s) == 3
    assert s.source[:3].tolist() == [-1, -3, -2]  # station 0 at 600 and 700, then station 1


def test_a_run_whose_loop_stops_is_computed_another_way(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = _journey("two_provinces", 60)
    monkeypatch.setattr(loop, "run_days", lambda *args: loop.TIE)
    assert fast.in_loop(scenario, 0) is None
    assert_identical(fast.run_replication(scenario, 0, loop=False), fast.run_replication(scenario, 0))


def test_generated_scenarios_in_the_loop_equal_the_blocks() -> None:
    """The generated scenarios of ``tests/test_engines.py`` with a journey and no caps; nearly all run in the loop."""
    count = {"tried": 0, "looped": 0}

    @settings(
        max_examples=400,
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
        looped = fast.in_loop(scenario, case.replication)
        if looped is not None:
            count["looped"] += 1
            assert_identical(fast.run_replication(scenario, case.replication, loop=False), looped)

    both_ways()
    assert count["tried"] >= 50, count
    assert count["looped"] >= 0.9 * count["tried"], count


def test_a_run_past_the_calendar_tables_stops_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = _journey("two_provinces", 30)
    monkeypatch.setattr(tables, "BEYOND_DAYS", 10)  # cards come weeks after the last arrival
    tables._tables.cache_clear()
    try:
        assert fast.in_loop(scenario, 0) is None
        for light in (True, False):
            with pytest.raises((RuntimeError, IndexError), match="outlasts the fast engine's calendar tables"):
                fast.run_replication(scenario, 0, loop=light)
    finally:
        tables._tables.cache_clear()


def test_a_days_visits_are_recorded_by_service_end_stably() -> None:
    """Ends nearly in order are sorted (ties keep queue order); far out of order the day keeps its queue order."""
    start = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    service = np.array([5.0, 1.0, 1.0, 3.0, 0.5, 2.0])  # ends 5, 2, 3, 6, 4.5, 7: rows 1, 2, 4, 0, 3, 5
    solved = np.zeros((6, 3))
    solved[:, 1] = start
    by_end, ends = np.empty(6, dtype=np.int64), np.empty(6)
    loop._by_end(6, solved, service, by_end, ends)
    assert by_end.tolist() == [1, 2, 4, 0, 3, 5]
    assert ends.tolist() == sorted((start + service).tolist())
    service[:] = [1.0, 0.0, 0.0, 1.0, 0.5, 0.0]  # ends 1, 1, 2, 4, 4.5, 5: in order, rows 0 and 1 tied
    loop._by_end(6, solved, service, by_end, ends)
    assert by_end.tolist() == [0, 1, 2, 3, 4, 5]
    m = 4 * loop.MOVES  # every end before all earlier ones: m (m - 1) / 2 moves, more than MOVES a row
    reversed_start = np.arange(m, 0, -1, dtype=np.float64)
    solved = np.zeros((m, 3))
    solved[:, 1] = reversed_start
    by_end, ends = np.empty(m, dtype=np.int64), np.empty(m)
    loop._by_end(m, solved, np.zeros(m), by_end, ends)
    assert by_end.tolist() == list(range(m))
