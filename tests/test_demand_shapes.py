"""The pent-up release's shapes and the two demand modes (``[demand]``, docs/calibration.md).

- Pent-up release: every shape's daily shares ``f(s) = F(s + 1) - F(s)`` sum to 1, so every shape releases the
  same stock (``years`` x the pair's yearly volume at full take-up) over calendar time; on a calendar that opens
  every day with a flat weekday profile the office's release sums to the stock; with office hours, a weekday
  profile and holidays each day's release is ``stock x f(s) x w(d)`` (closed days lose their share, as the steady
  flow's do), and each shape has its documented form (``even`` flat, ``decaying`` falling by ``exp(-1 / tau)`` a
  day, ``ramp`` following the take-up ramp); the ceiling bounds the local volume under any schedule; the expected
  volumes that calibration and ``validate`` read follow the shape.
- Demand modes: ``cohort`` with the take-up matching a per-migrant rate gives the same volumes; volume is linear
  in the take-up; the shipped base's cohort take-up reproduces its per-migrant rate; bad values are one-line errors.
- Calibration fits the mode's parameter (``cohort.take_up`` under ``cohort``) and refuses a target above its bound.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import tomllib

import numpy as np
import pytest

from sim.cli import main
from sim.experiment.calibrate import CalibrationError, calibrate, expected_applications, with_rate
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import City, Demand, Geography, MigrantDemand, ProvinceData, Scenario
from sim.world import demand
from sim.world.calendar import Calendar
from sim.world.demand import DECAY_PER_RELEASE, office_volumes, release_shares, released_share, scenario_volumes
from sim.world.peak import migrant_peaks
from sim.world.schedule import enabled_days, pilot_share
from tests.conftest import ALL_DAY, OFFICE_HOURS, ROOT, SCENARIOS

SHAPES = ("even", "decaying", "ramp")
NATIONAL = ROOT / "tests" / "bad_inputs" / "bases" / "national.toml"  # five cities, two weeks of 2023
PROFILE = (1.2, 1.0, 1.0, 1.0, 1.1, 0.5, 0.3)  # the national base's weekday profile
MIGRANTS = 1e6
START = dt.date(2022, 9, 26)  # a Monday; the National Day holiday week follows
HOLIDAYS = (  # National Day 2022: closed 1-7 October, make-up working days 8-9 October
    *((dt.date(2022, 10, d), "holiday") for d in range(1, 8)),
    (dt.date(2022, 10, 8), "workday"),
    (dt.date(2022, 10, 9), "workday"),
)
DAYS = 400
GEO = Geography(  # one origin province, one destination city holding its province's population
    provinces=(ProvinceData("Home", "other", 1e7, 0.0), ProvinceData("Away", "other", 2e7, MIGRANTS)),
    cities=(City("Hometown", "Home", 1e7, False), City("Awaytown", "Away", 2e7, False)),
    migrants=((0.0, MIGRANTS), (0.0, 0.0)),
)


def spec(shape: str, **changes: float) -> MigrantDemand:
    """Migrant demand with a pent-up stock of half a year released over 90 days, a 180-day take-up ramp."""
    base = MigrantDemand(0.01, take_up_initial=0.2, take_up_days=180.0, pent_up_years=0.5, pent_up_days=90.0)
    return dataclasses.replace(base, pent_up_shape=shape, **changes)  # type: ignore[arg-type]


def release(demand: MigrantDemand, calendar: Calendar, shape: Demand, enabled_on: float) -> np.ndarray:
    """The office's daily pent-up release (the local volume with the stock minus the one without)."""
    enabled = np.full((2, 2, 2), np.inf)
    enabled[0, :, 1] = enabled_on
    volumes = [
        office_volumes(
            GEO, d, shape, city="Awaytown", calendar=calendar, days=DAYS, enabled=enabled, pilot_share=np.zeros(2)
        )
        for d in (demand, dataclasses.replace(demand, pent_up_years=0.0))
    ]
    return (volumes[0].local - volumes[1].local).sum(axis=(1, 2))


def stock(demand: MigrantDemand) -> float:
    """``years`` x the pair's yearly volume at full take-up (applications)."""
    return demand.pent_up_years * demand.rate * MIGRANTS


def open_weights(calendar: Calendar) -> np.ndarray:
    """Weekday weights by hand: profile weight (Mon-Fri mean on a make-up working day) x 7 / a normal open week."""
    kinds = dict(HOLIDAYS)
    weights = np.zeros(DAYS)
    for d in range(DAYS):
        date = calendar.date(d)
        if kinds.get(date) == "holiday":
            continue
        if date.weekday() < 5:
            weights[d] = PROFILE[date.weekday()]
        elif kinds.get(date) == "workday":
            weights[d] = sum(PROFILE[:5]) / 5
    return weights * 7 / sum(PROFILE[:5])


# -- the pent-up release ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("span", "ramp", "initial"), [(90, 180, 0.2), (7, 30, 0.5), (7.5, 0, 0.3), (30, 10, 0.0), (1, 0, 1.0)]
)
def test_every_shape_releases_the_whole_stock_over_calendar_time(shape, span, ramp, initial):
    demand = spec(shape, pent_up_days=span, take_up_days=ramp, take_up_initial=initial)
    shares = release_shares(demand, np.arange(-5.0, DAYS))
    assert shares.sum() == pytest.approx(1.0, rel=1e-12)
    assert (shares[:5] == 0).all()  # nothing before enabling
    assert (shares >= 0).all()
    assert (np.diff(shares[5:]) <= 1e-15).all()  # non-increasing: the go-live day's share is the largest
    assert released_share(demand, np.array([-np.inf, 0.0, 1e6])).tolist() == pytest.approx([0.0, 0.0, 1.0])


@pytest.mark.parametrize("shape", SHAPES)
def test_a_calendar_open_every_day_releases_exactly_the_stock(shape):
    demand = spec(shape)
    released = release(demand, Calendar(START, ALL_DAY), Demand(), enabled_on=3.0)
    assert released[:3].sum() == 0
    assert released.sum() == pytest.approx(stock(demand), rel=1e-9)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("enabled_on", [0.0, 5.0, 11.0])  # a Monday, the first day of a holiday week, a Saturday
def test_each_day_releases_its_share_of_the_stock_times_its_weekday_weight(shape, enabled_on):
    demand = spec(shape)
    calendar = Calendar(START, OFFICE_HOURS, HOLIDAYS)
    weights = open_weights(calendar)
    since = np.arange(DAYS) - enabled_on
    expected = stock(demand) * release_shares(demand, since) * weights
    released = release(demand, calendar, Demand(weekday_profile=PROFILE), enabled_on)
    assert released == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # the total is the stock weighted by the open days it falls on: a holiday's share is lost, as the steady flow's
    total = stock(demand) * float((release_shares(demand, since) * weights).sum())
    assert released.sum() == pytest.approx(total, rel=1e-9)
    if enabled_on == 5.0:  # go-live on the first day of the National Day week
        assert released.sum() < stock(demand)


def test_even_releases_a_flat_share_over_the_release_days():
    demand = spec("even")
    calendar = Calendar(START, OFFICE_HOURS, HOLIDAYS)
    released = release(demand, calendar, Demand(weekday_profile=PROFILE), 0.0)
    weights = open_weights(calendar)
    assert released[:90] == pytest.approx(stock(demand) / 90 * weights[:90], rel=1e-12)
    assert (released[90:] == 0).all()


def test_decaying_falls_by_exp_minus_one_over_tau_a_day():
    demand = spec("decaying")
    tau = 90 / DECAY_PER_RELEASE
    calendar = Calendar(START, OFFICE_HOURS, HOLIDAYS)
    released = release(demand, calendar, Demand(weekday_profile=PROFILE), 0.0)
    weights = open_weights(calendar)
    open_days = [d for d in range(90) if weights[d] > 0]
    for a, b in itertools.pairwise(open_days):
        assert released[b] / released[a] == pytest.approx(math.exp(-(b - a) / tau) * weights[b] / weights[a], rel=1e-9)
    first = stock(demand) * (1 - math.exp(-1 / tau)) / (1 - math.exp(-DECAY_PER_RELEASE))
    assert released[0] == pytest.approx(first * weights[0], rel=1e-12)
    assert (released[90:] == 0).all()


def test_ramp_follows_the_take_up_ramp():
    demand = spec("ramp")  # initial 0.2 over 90 release days, the rest over the 180-day ramp
    calendar = Calendar(START, OFFICE_HOURS, HOLIDAYS)
    released = release(demand, calendar, Demand(weekday_profile=PROFILE), 0.0)
    weights = open_weights(calendar)
    assert released[:90] == pytest.approx(stock(demand) * (0.2 / 90 + 0.8 / 180) * weights[:90], rel=1e-9)
    assert released[90:180] == pytest.approx(stock(demand) * 0.8 / 180 * weights[90:180], rel=1e-9)
    assert (released[180:] == 0).all()
    # from the end of the release days, the share released by day t is the take-up share u(t)
    t = np.arange(90.0, 181.0)
    assert released_share(demand, t) == pytest.approx(0.2 + 0.8 * t / 180, rel=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_ceiling_bounds_the_local_volume_under_any_schedule(shape):
    demand = spec(shape)
    calendar = Calendar(START, OFFICE_HOURS, HOLIDAYS)
    ceilings = []
    for day in (0.0, 5.0, 11.0, 200.0, np.inf):
        enabled = np.full((2, 2, 2), np.inf)
        enabled[0, :, 1] = day
        volumes = office_volumes(
            GEO, demand, Demand(weekday_profile=PROFILE), city="Awaytown", calendar=calendar, days=DAYS,
            enabled=enabled, pilot_share=np.zeros(2),
        )  # fmt: skip
        assert (volumes.local <= volumes.ceiling * (1 + 1e-12)).all()
        ceilings.append(volumes.ceiling)
    assert all((c == ceilings[0]).all() for c in ceilings)  # schedule-free


@pytest.fixture(scope="module")
def national() -> Scenario:
    """The small national test base (five cities, two weeks of 2023)."""
    return load_scenario(NATIONAL)


def with_shape(scenario: Scenario, shape: str) -> Scenario:
    assert scenario.migrant_demand is not None
    return dataclasses.replace(
        scenario, migrant_demand=dataclasses.replace(scenario.migrant_demand, pent_up_shape=shape)
    )


def test_the_expected_volumes_of_calibration_and_validate_follow_the_shape(national):
    early = national.run.start + dt.timedelta(days=3)
    counts = {shape: expected_applications(with_shape(national, shape), early) for shape in SHAPES}
    # 7 release days, take-up from 0.5 over 30 days: decaying releases most at first, ramp least
    assert counts["decaying"] > counts["even"] > counts["ramp"] > 0
    peaks = {shape: sum(migrant_peaks(with_shape(national, shape))) for shape in SHAPES}
    assert peaks["decaying"] > peaks["even"] > peaks["ramp"]


def test_the_shape_is_read_from_the_file(national):
    assert national.migrant_demand.pent_up_shape == "even"  # the default
    ramp = load_scenario(NATIONAL, {"demand.pent_up.shape": "ramp"})
    assert ramp.migrant_demand.pent_up_shape == "ramp"


# -- the demand modes -----------------------------------------------------------------------------------------------


def cohort(take_up: float, **keys: float) -> Scenario:
    table = {"take_up": take_up, **keys}
    return load_scenario(NATIONAL, {"demand.mode": "cohort", "demand.cohort": table})


def volumes_of(scenario: Scenario) -> list[np.ndarray]:
    return [v.local for _, _, v in scenario_volumes(scenario, scenario.run.days)] + [
        v.forgone for _, _, v in scenario_volumes(scenario, scenario.run.days)
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_cohort_take_up_matching_the_per_migrant_rate_gives_the_same_volumes(national, shape):
    rate = national.migrant_demand.applications_per_migrant_year
    matched = cohort(rate / (0.19 / 18))
    assert matched.migrant_demand.mode == "cohort"
    assert matched.migrant_demand.applications_per_migrant_year is None  # the inherited rate is not used
    mine, theirs = volumes_of(with_shape(matched, shape)), volumes_of(with_shape(national, shape))
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    until = national.run.end
    assert expected_applications(with_shape(matched, shape), until) == pytest.approx(
        expected_applications(with_shape(national, shape), until), rel=1e-12
    )


def test_cohort_volume_is_linear_in_the_take_up(national):
    until = national.run.end
    low, high = cohort(0.2, child_share=0.25, ages=17), cohort(0.6, child_share=0.25, ages=17)
    assert high.migrant_demand.rate == pytest.approx(0.25 / 17 * 0.6, rel=1e-15)
    assert expected_applications(high, until) == pytest.approx(3 * expected_applications(low, until), rel=1e-12)
    for a, b in zip(volumes_of(low), volumes_of(high), strict=True):
        np.testing.assert_allclose(b, 3 * a, rtol=1e-12, atol=0)
    assert expected_applications(cohort(0.0), until) == 0


def test_the_shipped_cohort_take_up_reproduces_the_shipped_per_migrant_rate():
    demand = tomllib.loads((SCENARIOS / "base" / "china.toml").read_text(encoding="utf-8"))["demand"]
    assert demand["mode"] == "per_migrant"
    assert demand["pent_up"]["shape"] == "even"
    table = demand["cohort"]
    equivalent = table["child_share"] / table["ages"] * table["take_up"]
    assert equivalent == pytest.approx(demand["applications_per_migrant_year"], rel=1e-4)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"demand.mode": "cohort", "demand.cohort": {"take_up": -0.1}}, "demand.cohort.take_up: must be a number "
         ">= 0 and <= 1, got -0.1"),
        ({"demand.mode": "cohort", "demand.cohort": {"take_up": 1.01}}, "demand.cohort.take_up: must be a number "
         ">= 0 and <= 1, got 1.01"),
        ({"demand.mode": "cohort"}, "demand.cohort: is required but missing"),
        ({"demand.mode": "cohort", "demand.cohort": {"take_up": 0.5, "ages": 0}}, "demand.cohort.ages: must be a "
         "number >= 1 and <= 100, got 0"),
        ({"demand.mode": "cohorts"}, 'demand.mode: must be one of per_migrant, cohort (did you mean "cohort"?), '
         'got "cohorts"'),
        ({"demand.cohort": {"take_up": 2}}, "demand.cohort.take_up: must be a number >= 0 and <= 1, got 2"),
        ({"demand.pent_up.shape": "linear"}, 'demand.pent_up.shape: must be one of even, decaying, ramp, got '
         '"linear"'),
    ],
)  # fmt: skip
def test_bad_demand_values_are_one_line_errors(overrides, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(NATIONAL, overrides)
    text = str(caught.value)
    assert "\n" not in text
    assert text.endswith(message), text


# -- calibration ------------------------------------------------------------------------------------------------


def test_calibration_fits_the_per_migrant_rate(national):
    until = national.run.end
    target = expected_applications(with_rate(national, 0.003), until)
    fit = calibrate(national, until, target, replications=1)
    assert fit.parameter == "demand.applications_per_migrant_year"
    assert fit.start_rate == 0.002
    assert fit.rate == pytest.approx(0.003, rel=1e-6)
    assert fit.expected == pytest.approx(target, rel=1e-6)


def test_calibration_fits_the_cohort_take_up_under_cohort_mode():
    scenario = cohort(0.5)
    until = scenario.run.end
    target = expected_applications(with_rate(scenario, 0.3), until)
    fit = calibrate(scenario, until, target, replications=1)
    assert fit.parameter == "demand.cohort.take_up"
    assert (fit.start_rate, fit.per_migrant) == (0.5, pytest.approx(0.19 / 18, rel=1e-15))
    assert fit.rate == pytest.approx(0.3, rel=1e-6)
    fitted = with_rate(scenario, fit.rate).migrant_demand
    assert fitted.cohort.take_up == fit.rate
    assert fitted.rate == pytest.approx(0.3 * 0.19 / 18, rel=1e-6)


def test_calibration_refuses_a_target_above_a_take_up_of_one(tmp_path, capsys):
    scenario = cohort(0.5)
    until = scenario.run.end
    most = expected_applications(with_rate(scenario, 1.0), until)
    with pytest.raises(CalibrationError, match="expected at 1"):
        calibrate(scenario, until, 2 * most, replications=1)
    file = tmp_path / "cohort.toml"
    base = f'extends = "{NATIONAL.as_posix()}"\nname = "cohort"\n'
    file.write_text(base + '[demand]\nmode = "cohort"\ncohort = { take_up = 0.5 }\n', encoding="utf-8")
    out = tmp_path / "out"
    status = main(["calibrate", str(file), "--target", f"{until}:{2 * most:.0f}", "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"{file}: demand.cohort.take_up: cannot reach ")
    assert not out.exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_many_offices_volumes_together_are_each_offices_alone(national, shape, monkeypatch):
    """volumes_of computes offices in chunks of one array computation: the numbers of one office at a time."""
    scenario = dataclasses.replace(national, migrant_demand=spec(shape))
    geo, days = scenario.geography, 90
    enabled, share = enabled_days(geo, scenario.phases), pilot_share(geo)
    calendars = [Calendar(scenario.run.start, o.hours, scenario.holidays) for o in scenario.offices]
    assert len(scenario.offices) > 2
    monkeypatch.setattr(demand, "CHUNK_VALUES", 2 * days * len(geo.provinces) * 2)  # chunks of 2 offices
    cities = [o.city for o in scenario.offices]
    together = list(demand.volumes_of(geo, scenario.migrant_demand, scenario.demand, cities=cities,
                                      calendars=calendars, days=days, enabled=enabled, pilot_share=share))  # fmt: skip
    assert len(together) == len(scenario.offices)
    for office, calendar, got in zip(scenario.offices, calendars, together, strict=True):
        alone = office_volumes(geo, scenario.migrant_demand, scenario.demand, city=office.city, calendar=calendar,
                               days=days, enabled=enabled, pilot_share=share)  # fmt: skip
        for name in ("local", "forgone", "ceiling", "ceiling_day", "local_any", "expected_local", "forgone_day"):
            np.testing.assert_array_equal(getattr(got, name), getattr(alone, name))
        assert got.expected_total == alone.expected_total
        assert got.local.shape == (days, len(geo.provinces), 2)
        # the sums kept with the arrays are the arrays' own, summed as one office's array would be
        np.testing.assert_array_equal(got.ceiling_day, got.ceiling.sum(axis=(1, 2)))
        np.testing.assert_array_equal(got.local_any, got.local.reshape(days, -1).any(axis=1))
        np.testing.assert_array_equal(got.expected_local, got.local.sum(axis=0))
        np.testing.assert_array_equal(got.forgone_day, got.forgone.sum(axis=2))
        assert got.expected_total == float(got.local.sum(axis=0).sum())
        assert got.local_any.any()
        assert not got.local_any.all()
