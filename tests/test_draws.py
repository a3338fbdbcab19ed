"""The office-day draws: per-row distributions, keyed day streams, thinning and what each draw depends on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec
from sim.world.arrivals import day_shape
from sim.world.calendar import Calendar
from sim.world.demand import day_weight, day_weights
from sim.world.distributions import Distribution
from sim.world.draws import ApplicantSampler
from sim.world.office_day import OfficeDays
from sim.world.schedule import enabled_days, pilot_share
from sim.world.streams import DayStreams, Source
from tests.conftest import SCENARIOS
from tests.test_world import SPECS, _scipy

# several members per family, each a hukou province's review minutes
ROWS = [
    *SPECS,
    DistSpec("lognormal", mean=3.0, cv=1.5),
    DistSpec("gamma", mean=2.0, cv=1.6),  # shape below 1
    DistSpec("exponential", mean=0.5),
    DistSpec("uniform", low=0.0, high=1.0),
    DistSpec("triangular", low=1.0, mode=1.0, high=2.0),  # mode at the lower bound
    DistSpec("triangular", low=0.0, mode=4.0, high=4.0),  # mode at the upper bound
    DistSpec("deterministic", mean=4.0),
    DistSpec("deterministic", mean=7.0),
    DistSpec("triangular", low=2.5, mode=2.5, high=2.5),  # degenerate: a constant
    DistSpec("empirical", values=(1.0, 2.0, 6.0)),
]


@pytest.mark.parametrize("compiled", [True, False])
def test_every_attempt_draws_the_review_of_the_applicants_province(compiled: bool) -> None:
    """Later attempts (each from its own sub-stream) follow the distribution of each province, every family;
    with an empirical member the office draws with NumPy, otherwise in the kernel."""
    scenario = load_scenario(SCENARIOS / "two_provinces.toml")
    specs = [s for s in ROWS if s.kind != "empirical"] if compiled else ROWS
    base = scenario.provinces[0]
    provinces = (*scenario.provinces, *(dataclasses.replace(base, name=f"P{i}") for i in range(len(specs) - 2)))
    provinces = tuple(dataclasses.replace(p, review_minutes=spec) for p, spec in zip(provinces, specs, strict=True))
    sampler = ApplicantSampler(1, 0, 0, office=scenario.offices[0], provinces=provinces, production=scenario.production)
    assert (sampler.coded() is not None) == compiled
    per_index = 4000
    index = np.repeat(np.arange(len(specs)), per_index)
    row = np.arange(index.size)
    drawn = sampler.later_attempts(row % 300, row // 300, 1 + row % 3, index)
    assert drawn.shape == (index.size, 6)
    for i, spec in enumerate(specs):
        values = drawn[index == i, 1]
        if spec.kind == "empirical":
            assert set(np.unique(values)) <= set(spec.values)
            assert stats.chisquare(np.unique(values, return_counts=True)[1]).pvalue > 1e-4
        elif spec.kind == "deterministic" or (spec.kind == "triangular" and spec.low == spec.high):
            assert (values == (spec.mean if spec.kind == "deterministic" else spec.low)).all()
        else:
            d = Distribution(spec)
            assert abs(values.mean() - d.mean) < 4 * math.sqrt(d.variance / values.size), spec
            assert stats.kstest(values, _scipy(spec).cdf).pvalue > 1e-4, spec


def test_day_streams_depend_on_their_key_only():
    streams = DayStreams(5, 2, Source.APPLICANTS, 7)
    a = streams.day(30).random(5)
    streams.day(29).random(1000)  # another day, drawn in between, shifts nothing
    assert (streams.day(30).random(5) == a).all()
    assert (DayStreams(5, 2, Source.APPLICANTS, 7).day(30).random(5) == a).all()  # a fresh object agrees
    for other in (
        DayStreams(5, 2, Source.APPLICANTS, 7).day(31),
        DayStreams(5, 2, Source.BACKGROUND, 7).day(30),
        DayStreams(5, 2, Source.APPLICANTS, 8).day(30),
        DayStreams(5, 3, Source.APPLICANTS, 7).day(30),
        DayStreams(6, 2, Source.APPLICANTS, 7).day(30),
    ):
        assert not np.isin(other.random(5), a).any()


def test_day_streams_are_uniform_and_independent_across_days():
    streams = DayStreams(1, 0, Source.BACKGROUND, 0)
    x = np.array([streams.day(d).random(2) for d in range(20_000)])
    assert stats.kstest(x.ravel(), "uniform").pvalue > 1e-4
    assert abs(np.corrcoef(x[:-1, 0], x[1:, 0])[0, 1]) < 4 / math.sqrt(x.shape[0])


def short(name: str, first: dt.date, days: int):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    shift = (first - scenario.run.start).days
    run = dataclasses.replace(scenario.run, start=first, end=first + dt.timedelta(days=days - 1))
    phases = tuple(dataclasses.replace(p, start_day=max(0, p.start_day - shift)) for p in scenario.phases)
    return dataclasses.replace(scenario, run=run, phases=phases)


def office_days(scenario, replication=0, seed=11):
    geo = scenario.geography
    enabled = enabled_days(geo, scenario.phases) if geo is not None else None
    share = pilot_share(geo) if geo is not None else np.zeros(0)
    return [
        OfficeDays(
            scenario,
            replication,
            seed,
            i,
            calendar=Calendar(scenario.run.start, o.hours, scenario.holidays),
            enabled=enabled,
            pilot_share=share,
        )
        for i, o in enumerate(scenario.offices)
    ]


def arrays(arrivals):
    draws = arrivals.draws
    return [getattr(draws, f.name) for f in dataclasses.fields(draws)] + [
        arrivals.background,
        arrivals.background_service,
    ]


def same(a, b) -> bool:
    return all(x.shape == y.shape and (x == y).all() for x, y in zip(arrays(a), arrays(b), strict=True))


@pytest.fixture(scope="module")
def national():
    """History on three weeks across the whole-region date, five offices, with its local ID business."""
    scenario = short("history", dt.date(2022, 7, 18), 21)
    cities = ("Beijing", "Shanghai", "Suzhou", "Chengdu", "Lhasa")
    return dataclasses.replace(scenario, offices=tuple(o for o in scenario.offices if o.city in cities))


def test_an_office_day_does_not_depend_on_which_days_were_drawn_before(national):
    forward, backward = office_days(national), office_days(national)
    days = range(national.run.days)
    first = [[o.day(d) for d in days] for o in forward]
    second = [[o.day(d) for d in reversed(days)][::-1] for o in reversed(backward)][::-1]
    assert sum(a.draws.arrival.size for office in first for a in office) > 0
    assert sum(a.background.size for office in first for a in office) > 0
    for a_office, b_office in zip(first, second, strict=True):
        assert all(same(a, b) for a, b in zip(a_office, b_office, strict=True))


def test_local_visits_and_applicants_do_not_depend_on_each_other(national):
    busier = dataclasses.replace(
        national,
        offices=tuple(dataclasses.replace(o, background_per_day=2 * o.background_per_day) for o in national.offices),
    )
    assert national.migrant_demand is not None
    demand = dataclasses.replace(
        national.migrant_demand, applications_per_migrant_year=2 * national.migrant_demand.applications_per_migrant_year
    )
    more_applicants = dataclasses.replace(national, migrant_demand=demand)
    base, local, applicants = (office_days(s) for s in (national, busier, more_applicants))
    for day in range(national.run.days):
        for b, busy, a in zip(base, local, applicants, strict=True):
            x, y, z = b.day(day), busy.day(day), a.day(day)
            assert all((p == q).all() for p, q in zip(arrays(x)[:-2], arrays(y)[:-2], strict=True))
            assert (x.background == z.background).all()
            assert (x.background_service == z.background_service).all()
            if x.background.size:
                assert y.background.size != x.background.size or not (y.background == x.background).all()


def test_thinned_applicants_match_the_expected_local_volume_per_origin():
    """Exact thinning: kept candidates of each (hukou province, origin kind) are Poisson with the local volume."""
    scenario = load_scenario(SCENARIOS / "history.toml")
    scenario = dataclasses.replace(scenario, offices=tuple(o for o in scenario.offices if o.city == "Shanghai"))
    (office,) = office_days(scenario)
    assert office.migrant
    counts = np.zeros(office.expected_local.shape)
    for day in range(scenario.run.days):
        draws = office.day(day).draws
        np.add.at(counts, (draws.province, draws.kind), 1)
        assert (np.diff(draws.arrival) >= 0).all()
    expected = office.expected_local
    assert expected.sum() > 10_000
    z = (counts - expected) / np.sqrt(np.maximum(expected, 1e-9))
    assert np.abs(z[expected > 20]).max() < 4.5  # 62 categories at most: a family-wise bound
    assert counts[expected == 0].sum() == 0
    assert abs(counts.sum() - expected.sum()) < 4 * math.sqrt(expected.sum())


def test_review_and_latency_follow_the_applicants_hukou_province():
    scenario = load_scenario(SCENARIOS / "two_provinces.toml")
    specs = [
        (DistSpec("lognormal", mean=20.0, cv=0.8), DistSpec("exponential", mean=5.0)),
        (DistSpec("gamma", mean=40.0, cv=0.5), DistSpec("uniform", low=1.0, high=3.0)),
    ]
    provinces = tuple(
        dataclasses.replace(p, review_minutes=r, latency_minutes=lat)
        for p, (r, lat) in zip(scenario.provinces, specs, strict=True)
    )
    sampler = ApplicantSampler(1, 0, 0, office=scenario.offices[0], provinces=provinces, production=scenario.production)
    draws = sampler.draw(np.zeros(40_000), np.random.default_rng(8), 0)
    names = [p.name for p in provinces]
    shares = dict(scenario.offices[0].origins)
    for index, (review, latency) in enumerate(specs):
        rows = draws.province == index
        share = shares[names[index]]
        assert abs(rows.mean() - share) < 4 * math.sqrt(share * (1 - share) / rows.size)
        for values, spec in ((draws.review[rows], review), (draws.latency[rows], latency)):
            assert stats.kstest(values.ravel()[:5000], _scipy(spec).cdf).pvalue > 1e-4, spec


def test_draw_with_keep_is_draw_then_subset():
    scenario = load_scenario(SCENARIOS / "two_provinces.toml")
    sampler = ApplicantSampler(
        1, 0, 0, office=scenario.offices[0], provinces=scenario.provinces, production=scenario.production
    )
    arrival = np.sort(np.random.default_rng(1).random(50))
    origins = np.random.default_rng(2).integers(0, 4, 50)
    keep = np.random.default_rng(3).random(50) < 0.3
    a = sampler.draw(arrival, np.random.default_rng(4), 3, origins, keep=keep)
    b = sampler.draw(arrival, np.random.default_rng(4), 3, origins).subset(keep)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.shape == y.shape, f.name
        assert (x == y).all(), f.name
    assert a.arrival.size == keep.sum()
    assert sampler.draw(arrival, np.random.default_rng(4), 3, origins, keep=np.zeros(50, bool)).arrival.size == 0


def test_day_weights_are_day_weight_on_every_day():
    scenario = load_scenario(SCENARIOS / "history.toml")  # official holidays and make-up working days
    calendar = Calendar(scenario.run.start, scenario.offices[0].hours, scenario.holidays)
    weights = day_weights(scenario.demand, calendar, scenario.run.days)
    assert weights.tolist() == [day_weight(scenario.demand, calendar, d) for d in range(scenario.run.days)]


def test_sorted_times_follow_the_day_intensity():
    profile = tuple([0.0] * 9 + [2.0, 1.0, 1.0] + [0.0] * 2 + [1.0] * 4 + [0.0] * 6)
    shape = day_shape(((540.0, 720.0), (840.0, 1050.0)), profile)
    rng = np.random.default_rng(12)
    times = shape.sorted_times(rng, 20_000, 1440.0)
    assert (np.diff(times) >= 0).all()
    local = times - 1440.0

    def cdf(t: np.ndarray) -> np.ndarray:  # mass 2*60 + 60 + 60 + 210 = 450 over the open minutes
        morning = np.clip(t - 540, 0, 60) * 2 + np.clip(t - 600, 0, 120)
        return (morning + np.clip(t - 840, 0, 210)) / 450

    shuffled = rng.permutation(local)[:5000]
    assert stats.kstest(shuffled, cdf).pvalue > 1e-4
    assert ((local >= 540) & (local < 720) | (local >= 840) & (local < 1050)).all()
    assert shape.sorted_times(rng, 0, 0.0).size == 0
