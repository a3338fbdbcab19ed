"""The compiled draws are NumPy's draws, bit for bit.

:mod:`sim.world.philox` re-implements ``numpy.random.Generator(Philox)`` and the samplers the model uses, and
:mod:`sim.world.day_kernels` draws office-days with them. Nothing may change a single number: every engine, every
common-random-number comparison and every result folder written before depends on them. So:

- each sampler equals NumPy's on the same day streams, over many days and parameters (the Poisson over thousands
  of days, where a rare rejection path of PTRS once differed);
- each candidate's sub-stream (its attempts, :func:`sim.world.philox.at_attempt`) is NumPy's Philox at the same
  counter, and a later attempt's draws are the same whenever and in whatever order they are asked for;
- each office-day's applicants and local visits equal the NumPy path's (kept in ``OfficeDays`` for empirical
  distributions) on the shipped scenarios and on variants that exercise every distribution family, the per-row
  draws of provinces with different distributions, intake-only offices and empirical fallbacks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.world import day_kernels, philox
from sim.world.calendar import shared_calendars
from sim.world.demand import scenario_volumes
from sim.world.draws import ApplicantDraws
from sim.world.office_day import OfficeDays, office_days
from sim.world.streams import DayStreams, Source
from tests.conftest import SCENARIOS

DAYS = (0, 1, 2, 17, 365, 1000, 2**33)


def _streams(place: int, replication: int = 0) -> tuple[DayStreams, np.ndarray]:
    streams = DayStreams(20220817, replication, Source.APPLICANTS, place)
    return streams, philox.new_state(streams.key.astype(np.uint64))


@njit
def _product(a: np.uint64, b: np.uint64) -> tuple[np.uint64, np.uint64]:  # the intrinsic runs in compiled code only
    return philox._mulhilo(a, b)  # type: ignore[no-any-return]


def test_the_128_bit_product_is_exact_at_the_edges_and_at_random() -> None:
    edges = [0, 1, 2, 2**32 - 1, 2**32, 2**63, 2**64 - 1, 0xD2E7470EE14C6C93, 0xCA5A826395121157]
    pairs = [(a, b) for a in edges for b in edges]
    pairs += [tuple(int(x) for x in row) for row in np.random.default_rng(5).integers(0, 2**64, (500, 2), np.uint64)]
    for a, b in pairs:
        high, low = _product(np.uint64(a), np.uint64(b))
        assert (int(high), int(low)) == divmod(a * b, 2**64), (a, b)


@pytest.mark.parametrize("place", range(4))
def test_the_raw_stream_and_uniforms_are_numpys(place: int) -> None:
    streams, state = _streams(place)
    for day in DAYS:
        philox.at_day(state, day)
        raw = np.array([philox.next_uint64(state) for _ in range(11)], dtype=np.uint64)
        assert np.array_equal(raw, streams.day(day).bit_generator.random_raw(11))
        philox.at_day(state, day)
        assert np.array_equal([philox.next_double(state) for _ in range(9)], streams.day(day).random(9))


@pytest.mark.parametrize("place", range(3))
def test_the_samplers_are_numpys(place: int) -> None:
    streams, state = _streams(place)

    def same(draw, reference, n: int) -> None:  # type: ignore[no-untyped-def]
        for day in DAYS:
            philox.at_day(state, day)
            assert np.array_equal([draw() for _ in range(n)], reference(streams.day(day), n)), day

    same(lambda: philox.standard_normal(state), lambda g, n: g.standard_normal(n), 2000)
    same(lambda: philox.standard_exponential(state), lambda g, n: g.standard_exponential(n), 2000)
    for shape in (0.25, 0.9, 1.0, 1.7, 25.0):
        same(lambda s=shape: philox.standard_gamma(state, s), lambda g, n, s=shape: g.standard_gamma(s, n), 500)
    for lam in (0.0, 0.4, 3.0, 9.99, 10.0, 57.3, 4000.0):
        same(lambda m=lam: philox.poisson(state, m), lambda g, n, m=lam: g.poisson(m, n), 300)
    same(lambda: philox.triangular(state, 1.0, 2.0, 5.0), lambda g, n: g.triangular(1.0, 2.0, 5.0, n), 500)


@pytest.mark.parametrize("lam", [10.0, 10.667008667837802, 12.5, 16.0])
def test_the_poisson_is_numpys_on_every_day_near_its_rejection_edge(lam: float) -> None:
    """numba's port of PTRS truncates a negative candidate where NumPy floors it (then rejects it).

    Seen once: office 296 of the history, replication 0, day 374, at lam = 10.667.
    """
    streams, state = _streams(296)
    drawn = []
    for day in range(4000):
        philox.at_day(state, day)
        drawn.append(philox.poisson(state, lam))
    assert drawn == [int(streams.day(day).poisson(lam)) for day in range(4000)]


def test_the_forgone_counts_are_numpys_day_by_day() -> None:
    """Each day's counts (every column, zeros included) from the day's stream, as NumPy draws them."""
    streams, state = _streams(41, replication=3)
    rng = np.random.default_rng(5)
    lam = rng.gamma(0.6, 8.0, size=(60, 31))  # mostly small (multiplication), some from 10 up (PTRS)
    lam[rng.random(lam.shape) < 0.2] = 0.0
    got = day_kernels.poisson_days(state, lam)
    expected = np.array([streams.day(day).poisson(lam[day]) for day in range(lam.shape[0])])
    np.testing.assert_array_equal(got, expected)
    assert (lam >= 10).any()
    assert ((lam > 0) & (lam < 10)).any()


def test_an_offices_forgone_counts_are_its_volumes_drawn_from_its_own_stream() -> None:
    """Each office's forgone counts by day and by origin: its forgone volumes drawn from its FORGONE day streams."""
    scenario = cut_at(load_scenario(SCENARIOS / "history.toml"), dt.date(2021, 12, 31))
    days = _office_days(scenario, 2)
    volumes = list(scenario_volumes(scenario, scenario.run.days))
    for i in (0, 17, 340):
        key = DayStreams(scenario.run.seed, 2, Source.FORGONE, i).key
        counts = day_kernels.poisson_days(philox.new_state(key), volumes[i][2].forgone.sum(axis=2))
        assert counts.sum() > 0
        np.testing.assert_array_equal(days[i].forgone, counts.sum(axis=1))
        np.testing.assert_array_equal(days[i].forgone_origin, counts.sum(axis=0))


VARIANTS = {
    "families": """
[office]
intake_minutes = { dist = "gamma", mean = 12, cv = 0.6 }
pickup_minutes = { dist = "uniform", low = 1, high = 4 }
background = { per_day = 40, minutes = { dist = "triangular", low = 2, mode = 4, high = 11 } }
[production]
working_days = { dist = "deterministic", mean = 9 }
shipping_days = { dist = "triangular", low = 1, mode = 1, high = 4 }
pickup_after_days = { dist = "gamma", mean = 5, cv = 1.5 }
[[provinces]]
name = "Anhui"
linked_from = "start"
review_minutes = { dist = "triangular", low = 5, mode = 15, high = 40 }
latency_minutes = { dist = "gamma", mean = 4, cv = 0.5 }
[[provinces]]
name = "Henan"
linked_from = "never"
review_minutes = { dist = "triangular", low = 3, mode = 9, high = 70 }
latency_minutes = { dist = "exponential", mean = 2 }
""",
    "mixed_families": """
[[provinces]]
name = "Anhui"
linked_from = "start"
review_minutes = { dist = "uniform", low = 5, high = 30 }
latency_minutes = { dist = "deterministic", mean = 3 }
[[provinces]]
name = "Henan"
linked_from = "never"
review_minutes = { dist = "gamma", mean = 20, cv = 0.3 }
latency_minutes = { dist = "lognormal", mean = 4, cv = 2 }
""",
    "empirical": """
[office]
intake_minutes = { dist = "empirical", values = [8, 10, 15, 30] }
background = { per_day = 30, minutes = { dist = "empirical", values = [3, 5, 9] } }
""",
}


def _variant(name: str, tmp_path: Path) -> Scenario:
    base = (SCENARIOS / "two_provinces.toml").as_posix()
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{base}"\nname = "{name}"\n{VARIANTS[name]}', encoding="utf-8")
    return load_scenario(path)


def _office_days(scenario: Scenario, replication: int) -> list[OfficeDays]:
    calendars = shared_calendars(scenario.run.start, (o.hours for o in scenario.offices), scenario.holidays)
    return office_days(scenario, replication, scenario.run.seed, calendars)


def _assert_days_match(scenario: Scenario, replication: int = 1) -> tuple[int, int]:
    """Every office-day's kernel draws equal the NumPy path's; returns applicants and local visits compared."""
    applicants = local = 0
    for office in _office_days(scenario, replication):
        days: list[ApplicantDraws] = []
        for day in range(scenario.run.days):
            kernel = office.applicants(day)
            days.append(kernel)
            expected = float(office._expected[day])
            numpy = office._numpy_applicants(day, expected) if expected > 0 else office.sampler.empty
            for field in dataclasses.fields(kernel):
                a, b = getattr(kernel, field.name), getattr(numpy, field.name)
                assert np.array_equal(a, b, equal_nan=True), (office.index, day, field.name)
            applicants += kernel.arrival.size
            if office._background_expected[day] > 0:
                times, service = office._background(day)
                reference = office._numpy_background(day)
                assert np.array_equal(times, reference[0]), (office.index, day)
                assert np.array_equal(service, reference[1]), (office.index, day)
                local += times.size
        span = scenario.run.days
        over = office.applicants_over(range(span))  # the days in one call: the same rows end to end
        # and in blocks of a few days, sliced from the blocks the office draws at once (and across their ends)
        for step in (3, 7):
            blocks = [
                part for d in range(0, span, step) for part in office.applicants_over(range(d, min(d + step, span)))
            ]
            for field in dataclasses.fields(ApplicantDraws):
                a = [getattr(d, field.name) for d in blocks]
                b = [getattr(d, field.name) for d in days if d.arrival.size]
                assert np.array_equal(np.concatenate(a) if a else [], np.concatenate(b) if b else [], equal_nan=True)
        for field in dataclasses.fields(ApplicantDraws):
            a = [getattr(d, field.name) for d in over]
            b = [getattr(d, field.name) for d in days if d.arrival.size]
            assert np.array_equal(np.concatenate(a) if a else [], np.concatenate(b) if b else [], equal_nan=True)
        whole = office.local_visits(range(scenario.run.days))
        by_day = [office._background(d)[0] for d in range(scenario.run.days) if office._background_expected[d] > 0]
        assert np.array_equal(whole[0], np.concatenate(by_day) if by_day else np.empty(0))
    return applicants, local


@pytest.mark.parametrize("name", ["two_provinces", "single_office", "mmc_check"])
def test_shipped_offices_draw_numpys_numbers(name: str) -> None:
    applicants, local = _assert_days_match(load_scenario(SCENARIOS / f"{name}.toml"))
    assert applicants > 1000
    assert local > 0 or name == "mmc_check"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_family_and_the_empirical_fallback_draw_numpys_numbers(name: str, tmp_path: Path) -> None:
    scenario = _variant(name, tmp_path)
    coded = [o._coded is not None for o in _office_days(scenario, 0)]
    assert coded == [name != "empirical"]  # the empirical variant keeps the NumPy path, and is compared too
    applicants, local = _assert_days_match(scenario)
    assert applicants > 1000
    assert local > 1000


def test_the_national_history_draws_numpys_numbers() -> None:
    """Migrant demand: candidates at the ceiling rate thinned per origin, 341 offices, two months."""
    scenario = cut_at(load_scenario(SCENARIOS / "history.toml"), dt.date(2021, 11, 30))
    applicants, local = _assert_days_match(scenario, replication=0)
    assert applicants > 1000
    assert local > 100_000


@pytest.mark.parametrize("place", [0, 3])
def test_an_attempts_sub_stream_is_numpys(place: int) -> None:
    """The kernels' ``at_attempt`` is NumPy's Philox at counter ``(0, attempt, row + 1, day)``."""
    streams, state = _streams(place)
    for day, row, attempt in [(0, 0, 0), (5, 0, 1), (5, 1, 0), (365, 7, 3), (2**33, 2**20, 2)]:
        philox.at_attempt(state, day, row, attempt)
        drawn = [philox.next_uint64(state) for _ in range(9)]
        raw = streams.attempt(day, row, attempt).bit_generator.random_raw(9)
        assert np.array_equal(np.array(drawn, dtype=np.uint64), raw)
        assert not np.array_equal(raw, streams.day(day).bit_generator.random_raw(9))  # not the day's own stream


@pytest.mark.parametrize("name", ["families", "mixed_families", "empirical"])
def test_later_attempts_are_keyed_by_applicant_and_attempt(name: str, tmp_path: Path) -> None:
    """An attempt's draws come from its candidate's own sub-stream: NumPy's numbers, attempt 0 the drawn one,
    the same in whatever order and company they are asked for."""
    scenario = _variant(name, tmp_path)
    (office,) = _office_days(scenario, 2)
    sampler = office.sampler
    drawn = office.applicants_over(range(60))[0]
    n = drawn.arrival.size
    rng = np.random.default_rng(5)
    pick = rng.choice(n, 300)
    day, row, province = drawn.stream_day[pick], drawn.stream_row[pick], drawn.province[pick]
    attempt = rng.integers(0, 9, pick.size)
    later = sampler.later_attempts(day, row, attempt, province)
    numpy = [
        sampler._attempt(sampler.streams.attempt(int(d), int(r), int(k)), int(p))
        for d, r, k, p in zip(day, row, attempt, province, strict=True)
    ]
    assert np.array_equal(later, np.array(numpy))
    first = attempt == 0
    assert first.sum() > 10
    for column, field in enumerate(("intake", "review", "latency", "reject_u", "revisit_days", "revisit_u")):
        assert np.array_equal(later[first, column], getattr(drawn, field)[pick[first], 0])
    backwards = sampler.later_attempts(day[::-1], row[::-1], attempt[::-1], province[::-1])
    assert np.array_equal(backwards[::-1], later)
    one = sampler.later_attempt(int(day[7]), int(row[7]), int(attempt[7]), int(province[7]))
    assert np.array_equal(np.array(one), later[7])
    assert len({tuple(x) for x in later[attempt > 0]}) == len(
        {(d, r, k) for d, r, k in zip(day, row, attempt, strict=True) if k > 0}
    )


def test_blocks_of_days_sliced_from_the_drawn_blocks_are_the_days_draws() -> None:
    """An office draws its applicants at least 64 days at a time and slices what the engine asks for, also across
    the end of a drawn block (a request starting inside it and ending past it)."""
    base = load_scenario(SCENARIOS / "two_provinces.toml")
    run = dataclasses.replace(base.run, end=base.run.start + dt.timedelta(days=149))
    scenario = dataclasses.replace(base, run=run)
    (office,) = _office_days(scenario, 0)
    days = [office.applicants(day) for day in range(150)]
    (fresh,) = _office_days(scenario, 0)
    for step in (5, 9, 70):
        asked = [part for d in range(0, 150, step) for part in fresh.applicants_over(range(d, min(d + step, 150)))]
        for field in dataclasses.fields(ApplicantDraws):
            a = np.concatenate([getattr(d, field.name) for d in asked])
            b = np.concatenate([getattr(d, field.name) for d in days if d.arrival.size])
            assert np.array_equal(a, b), (step, field.name)
