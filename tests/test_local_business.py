"""Local ID business and windows in the national base (``scenarios/base/china.toml``).

- The base's ``background.per_million_residents_day`` is the documented derivation (docs/calibration.md, "Local ID
  business and windows"), recomputed here from the published counts, the holiday CSV and the weekday profile.
- Every office gets that rate times its city's residents, and the windows rule's count, both recomputed from the
  CSV tables with the standard library (not through the loader).
- Under the history schedule, every office's busiest month stays in the stated utilisation band, computed from
  the expected volumes of the world layer (no simulation) by the documented formula, and its busiest hour below
  rho = 1 (the check that ``rollout-sim validate`` prints).
- The rule's bad inputs in the corpus (``tests/bad_inputs/``) give their one-line messages in-process too.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tomllib
from collections import defaultdict

import numpy as np
import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.world.demand import day_weight, scenario_volumes
from sim.world.distributions import Distribution
from sim.world.peak import peak_loads
from sim.world.workload import busiest_months
from tests.conftest import ROOT, SCENARIOS
from tests.test_bad_inputs import BAD, CASES

DATA = SCENARIOS / "data"
BASE = tomllib.loads((SCENARIOS / "base" / "china.toml").read_text(encoding="utf-8"))

# The documented derivation of the local volume.
CARDS_BY_2021 = 50e6  # cross-region cards through the 26,000 sites by 2021-08-23 [S]
CARDS_BY_2024 = 42.32e6 + 73.62e6  # cross-province + in-province cross-city by 2024-07-31 [M]
FROM, TO = dt.date(2021, 8, 23), dt.date(2024, 7, 31)
SITES = 26_000  # cross-region ID service sites, 2021 [S]
VISITS_PER_CARD = 2  # application and pickup [E]
COUNTY_UNITS = 2_844  # county-level units, 2020 [L]: about one acceptance point each [E]
OPEN_MINUTES = 390.0  # 09:00-12:00 and 14:00-17:30

# The band under the history schedule (docs/calibration.md).
BAND_MAX = 0.85  # every office's busiest month
BAND_MIN = 0.35  # offices with at least 3 windows (rounding up to 1 or 2 windows leaves less)
BUSIEST_MIN = 0.55  # the ten busiest offices


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def weight_days(year: int) -> float:
    """Weekday-profile weight of the open days of ``year`` (working days of the holiday CSV)."""
    kinds = {r["date"]: r["kind"] for r in rows("holidays_cn.csv")}
    profile = BASE["demand"]["weekday_profile"]
    total, day = 0.0, dt.date(year, 1, 1)
    while day.year == year:
        kind = kinds.get(day.isoformat())
        if kind == "workday":
            total += sum(profile[:5]) / 5
        elif kind != "holiday" and day.weekday() < 5:
            total += profile[day.weekday()]
        day += dt.timedelta(days=1)
    return total


def test_the_base_carries_the_documented_local_rate():
    residents = sum(float(r["population"]) for r in rows("provinces.csv"))
    assert residents == 1_409_778_724
    cards_a_year = (CARDS_BY_2024 - CARDS_BY_2021) / ((TO - FROM).days / 365.25)
    assert cards_a_year == pytest.approx(22.44e6, rel=1e-3)
    per_weight_day = (weight_days(2022) + weight_days(2023)) / 2
    assert per_weight_day == pytest.approx(263.7, abs=0.05)
    per_site = cards_a_year * VISITS_PER_CARD / SITES / per_weight_day
    rate = per_site * COUNTY_UNITS / (residents / 1e6)
    assert BASE["office"]["background"]["per_million_residents_day"] == round(rate, 1) == 13.2


@pytest.fixture(scope="module")
def history():
    return load_scenario(SCENARIOS / "history.toml")


def test_every_office_gets_the_rule_volume_and_windows(history):
    rate = BASE["office"]["background"]["per_million_residents_day"]
    rule = BASE["office"]["windows"]
    assert rule["round"] == "up"
    provinces = {r["name_en"]: r for r in rows("provinces.csv")}
    cities = {r["name_en"]: r for r in rows("cities.csv")}
    assert len(history.offices) == len(cities) == 341
    for office in history.offices:
        city = cities[office.city]
        province = provinces[city["province"]]
        residents = float(city["population"])
        in_migrants = float(province["interprov_in"]) * residents / float(province["population"])
        assert office.background_per_day == pytest.approx(rate * residents / 1e6, rel=1e-12), office.name
        exact = rule["per_million_residents"] * residents / 1e6 + rule["per_million_in_migrants"] * in_migrants / 1e6
        assert office.windows == max(rule["min"], math.ceil(exact)), office.name
    shanghai = next(o for o in history.offices if o.name == "Shanghai")
    assert shanghai.background_per_day == pytest.approx(328.3, abs=0.1)
    assert sum(o.background_per_day for o in history.offices) == pytest.approx(18_609, abs=1)


def monthly_utilisation(scenario):
    """Per office, per month: offered minutes / (windows x opening minutes), by the documented formula."""
    production = scenario.production
    lag = round(
        1.0
        + Distribution(production.working_days).mean * 7 / 5
        + Distribution(production.shipping_days).mean
        + Distribution(production.pickup_after_days).mean
    )
    assert lag == 24
    reject = np.array([1 / (1 - p.reject_probability) for p in scenario.provinces])
    days = scenario.run.days
    result = {}
    for office, calendar, volumes in scenario_volumes(scenario, days):
        applicants = volumes.local.sum(axis=(1, 2))
        intakes = volumes.local.sum(axis=2) @ reject
        pickups = np.concatenate((np.zeros(lag), applicants[: days - lag]))
        offered, staffed = defaultdict(float), defaultdict(float)
        for d in range(days):
            month = calendar.date(d).replace(day=1)
            local = office.background_per_day * day_weight(scenario.demand, calendar, d)
            offered[month] += (
                local * Distribution(office.background_minutes).mean
                + intakes[d] * Distribution(office.intake_minutes).mean
                + pickups[d] * Distribution(office.pickup_minutes).mean
            )
            staffed[month] += office.windows * calendar.open_minutes(d)
        result[office.name] = {m: offered[m] / staffed[m] for m in offered if staffed[m] > 0}
    return result


def test_busiest_month_utilisation_is_in_the_band_under_history(history):
    mine = monthly_utilisation(history)
    months = busiest_months(history)
    windows = {o.name: o.windows for o in history.offices}
    busiest = {}
    for m in months:
        own = mine[m.office]
        assert m.utilisation == pytest.approx(max(own.values()), rel=1e-9), m.office  # sim.world.workload agrees
        assert m.month == max(own, key=own.__getitem__)
        busiest[m.office] = m.utilisation
    assert max(busiest.values()) <= BAND_MAX
    assert min(u for name, u in busiest.items() if windows[name] >= 3) >= BAND_MIN
    top = sorted(busiest.values(), reverse=True)[:10]
    assert min(top) >= BUSIEST_MIN, top
    # the busiest hour of the busiest month (pickups included) stays below rho = 1, but not far below
    hours = [m.busiest_hour_utilisation for m in months]
    assert 0.9 < max(hours) < 1.0


def test_validate_finds_no_office_overloaded_at_its_peak_hour_under_history(history):
    rho = {p.office: p.queue.utilisation for p in peak_loads(history)}
    assert max(rho.values()) < 1.0
    assert max(rho.values()) > 0.8  # near: waits show where the rollout's peaks land


RULE_CASES = [c for c in CASES if c.name.startswith(("background_", "windows_rule_"))]


def test_the_corpus_holds_the_rules_bad_inputs():
    names = {c.name for c in RULE_CASES}
    assert len(names) >= 10
    assert all((BAD / f"{name}.toml").is_file() for name in names)


@pytest.mark.parametrize("case", RULE_CASES, ids=[c.name for c in RULE_CASES])
def test_the_rules_bad_inputs_give_their_one_line(case, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / f"{case.name}.toml")
    assert caught.value.message == case.message
