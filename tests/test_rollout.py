"""Rollout schedules: who may apply where and when, and demand accounting on the national scenarios."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from sim.experiment.calibrate import calibrate, expected_applications, with_rate
from sim.experiment.executors import ProcessExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.model.build import run_replication
from sim.model.engine import run_replication as run_on
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.world.demand import scenario_volumes
from sim.world.schedule import OTHER, PILOT, enabled_days
from tests.conftest import SCENARIOS

NATIONAL = ["history", "big_bang", "batches_by_inflow", "region_first"]


@pytest.fixture(scope="module")
def history():
    return load_scenario(SCENARIOS / "history.toml")


def day(scenario, date):
    return float((date - scenario.run.start).days)


def index(scenario):
    geo = scenario.geography
    return {p.name: i for i, p in enumerate(geo.provinces)}, {c.name: i for i, c in enumerate(geo.cities)}


def test_history_opens_pilot_cities_then_regions(history):
    provinces, cities = index(history)
    enabled = enabled_days(history.geography, history.phases)
    anhui, jiangxi, shanghai = provinces["Anhui"], provinces["Jiangxi"], cities["Shanghai"]
    # pilot cities accept every hukou of their region's other provinces from the pilot's start ...
    assert enabled[anhui, PILOT, shanghai] == day(history, dt.date(2021, 10, 20))
    assert enabled[anhui, OTHER, shanghai] == day(history, dt.date(2021, 10, 20))
    # ... the rest of the Yangtze Delta opens on 2021-12-01 (the region-wide report) ...
    assert enabled[anhui, OTHER, cities["Wuxi"]] == day(history, dt.date(2021, 12, 1))
    # ... Jiangxi hukou may apply in Fuzhou (Fujian's pilot city) during the pilot, but a non-pilot city of the
    # pilot province Fujian serves them only from the whole-region date
    assert enabled[jiangxi, OTHER, cities["Fuzhou"]] == day(history, dt.date(2021, 10, 20))
    assert enabled[jiangxi, OTHER, cities["Xiamen"]] == day(history, dt.date(2022, 8, 1))
    # Sichuan's pilot cities accept all Chongqing hukou from 2021-11-01, its other cities from 2022-08-01
    assert enabled[provinces["Chongqing"], OTHER, cities["Chengdu"]] == day(history, dt.date(2021, 11, 1))
    assert enabled[provinces["Chongqing"], OTHER, cities["Mianyang"]] == day(history, dt.date(2022, 8, 1))
    # never within one province
    assert math.isinf(enabled[provinces["Shanghai"], OTHER, shanghai])


def test_pilot_cities_of_region_admit_only_pilot_city_hukou(tmp_path):
    file = tmp_path / "strict.toml"
    file.write_text(
        f"""extends = "{(SCENARIOS / "base" / "china.toml").as_posix()}"
name = "strict"
[run]
start = 2021-10-01
end = 2022-12-31
[[phase]]
name = "pilot cities"
start = 2021-10-20
open = {{ pilot_cities = ["YRD"] }}
accept = "pilot-cities-of-region"
[[phase]]
name = "whole region"
start = 2022-08-01
open = {{ regions = ["YRD"] }}
accept = "same-region"
""",
        encoding="utf-8",
    )
    strict = load_scenario(file)
    provinces, cities = index(strict)
    enabled = enabled_days(strict.geography, strict.phases)
    anhui, shanghai = provinces["Anhui"], cities["Shanghai"]
    # hukou in Hefei (a pilot city) may apply in Shanghai from the pilot's start ...
    assert enabled[anhui, PILOT, shanghai] == day(strict, dt.date(2021, 10, 20))
    # ... hukou elsewhere in Anhui (a non-pilot city of a pilot province) is forgone until the whole region opens
    assert enabled[anhui, OTHER, shanghai] == day(strict, dt.date(2022, 8, 1))
    # a non-pilot destination in a pilot province opens with its whole region too
    assert enabled[anhui, PILOT, cities["Wuxi"]] == day(strict, dt.date(2022, 8, 1))
    # and the forgone volume of that pair before 2022-08-01 is its whole demand
    (volumes,) = [v for o, _, v in scenario_volumes(strict, strict.run.days) if o.city == "Shanghai"]
    before = day(strict, dt.date(2022, 7, 31))
    assert volumes.local[: int(before) + 1, anhui, OTHER].sum() == 0
    assert volumes.forgone[: int(before) + 1, anhui, OTHER].sum() > 0
    assert volumes.local[int(before) + 1 :, anhui, OTHER].sum() > 0


def test_a_province_that_has_not_joined_is_forgone_in_a_national_batch():
    batched = load_scenario(SCENARIOS / "batches_by_inflow.toml")
    provinces, cities = index(batched)
    geo = batched.geography
    province_of = {c.name: c.province for c in geo.cities}
    enabled = enabled_days(geo, batched.phases)
    batches = [p for p in batched.phases if p.name == "National batches by in-migrant stock"]
    assert len(batches) == 4
    first, last = batches[0], batches[-1]
    city = cities[first.cities[0]]
    late = provinces[province_of[last.cities[0]]]
    assert enabled[late, OTHER, city] == last.start_day  # forgone until its own batch joins
    # a "joined" phase lifts every open city: Shanghai accepts Henan hukou once Henan's batch has joined
    henan_batch = next(b for b in batches if any(province_of[c] == "Henan" for c in b.cities))
    assert enabled[provinces["Henan"], OTHER, cities["Shanghai"]] == henan_batch.start_day
    # every inter-provincial pair is enabled by the end (nationwide on 2024-05-27)
    origin_is_other = np.array([[p.name != province_of[c.name] for c in geo.cities] for p in geo.provinces])
    assert np.isfinite(enabled[:, OTHER, :][origin_is_other]).all()


def short(scenario, first: dt.date, days: int):
    """The scenario on a short window of its calendar: phases keep their dates (shifted to the new start)."""
    shift = (first - scenario.run.start).days
    run = dataclasses.replace(scenario.run, start=first, end=first + dt.timedelta(days=days - 1), replications=3)
    phases = tuple(dataclasses.replace(p, start_day=max(0, p.start_day - shift)) for p in scenario.phases)
    return dataclasses.replace(scenario, run=run, phases=phases)


@pytest.mark.parametrize("name", NATIONAL)
def test_every_national_scenario_loads_and_runs_a_smoke_replication(name):
    scenario = short(load_scenario(SCENARIOS / f"{name}.toml"), dt.date(2022, 9, 26), 14)
    result = run_replication(scenario, 0)
    assert result.applicants["applicant"].size > 0
    assert np.isfinite(result.applicants["in_hand"]).all()  # everyone finished
    assert result.forgone.sum() >= 0


@pytest.mark.slow
def test_served_plus_forgone_matches_the_expected_total_demand(history):
    scenario = short(history, dt.date(2022, 7, 18), 28)  # across the whole-region date: ramp and pent-up
    experiment = run_experiment(scenario)
    totals = [o.result.applicants["applicant"].size + o.result.forgone.sum() for o in experiment.outcomes]
    expected = sum(v.local.sum() + v.forgone.sum() for _, _, v in scenario_volumes(scenario, scenario.run.days))
    e = estimate(totals)
    assert abs(e.mean - expected) < 4 * max(e.standard_error, math.sqrt(expected / len(totals)))


@pytest.mark.slow
def test_calibrated_history_reproduces_the_published_count(history):
    until = dt.date(2022, 7, 31)
    fit = calibrate(history, until, 70_000, replications=3, executor=ProcessExecutor(2))
    assert expected_applications(with_rate(history, fit.rate), until) == pytest.approx(70_000, rel=1e-6)
    # the shipped base carries the fitted rate (rounded to four significant digits)
    assert history.migrant_demand.applications_per_migrant_year == pytest.approx(fit.rate, rel=1e-3)
    # the simulated count (Poisson around the expected one) covers the target within its 95 % CI
    assert fit.simulated.low <= 70_000 <= fit.simulated.high, fit.simulated
    # and the expected count is linear in the rate (the pent-up stock and take-up scale with it)
    assert fit.rate == pytest.approx(
        history.migrant_demand.applications_per_migrant_year * 70_000 / expected_applications(history, until),
        rel=1e-6,
    )


def test_an_applicant_of_the_smaller_schedule_is_the_same_applicant_in_the_larger_one():
    """Arrivals are drawn at the schedule-free ceiling and thinned: wherever history's expected volume of an
    (office, day, hukou province, origin kind) is at most big_bang's, history's applicants there are a subset of
    big_bang's, with the same arrival times; where it is larger, the reverse."""
    history, big_bang = (short(load_scenario(SCENARIOS / f"{n}.toml"), dt.date(2022, 9, 26), 14) for n in NATIONAL[:2])
    results = [run_replication(s, 0) for s in (history, big_bang)]
    volumes = [{o.name: v.local for o, _, v in scenario_volumes(s, s.run.days)} for s in (history, big_bang)]
    names = [o.name for o in history.offices]

    def groups(result):
        a, found = result.applicants, {}
        for key in zip(a["office"], a["day"], a["province"], a["origin_kind"], a["arrival"], strict=True):
            found.setdefault(tuple(int(x) for x in key[:4]), set()).add(float(key[4]))
        return found

    mine, theirs = groups(results[0]), groups(results[1])
    checked = shared = 0
    for office, day, province, kind in set(mine) | set(theirs):
        small, large = volumes[0][names[office]][day, province, kind], volumes[1][names[office]][day, province, kind]
        a, b = mine.get((office, day, province, kind), set()), theirs.get((office, day, province, kind), set())
        assert a <= b if small <= large else b <= a
        checked += 1
        shared += len(a & b)
    assert checked > 1000
    assert shared > 0.5 * min(results[0].applicants["applicant"].size, results[1].applicants["applicant"].size)


def test_a_scenario_cut_before_its_first_phase_enables_nothing() -> None:
    """--until before the first phase keeps the schedule: nobody may apply locally yet (not everybody)."""
    big_bang = load_scenario(SCENARIOS / "big_bang.toml")
    cut = cut_at(big_bang, dt.date(2021, 12, 20))
    assert cut.phases == big_bang.phases
    result = run_on(cut, 0, engine="fast")
    assert result.applicants["applicant"].size == 0
    assert result.forgone.sum() > 1000
