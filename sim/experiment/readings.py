"""Calibration under alternative readings of the sources: how much the fitted rate rests on each assumption.

The 70,000 first applications by 2022-07-31 are the only published count of the pilot era, so every assumption
about the pilots (which hukou a pilot city accepted, whether the two undocumented pilot regions are counted, when
the Yangtze Delta went region-wide), about the pent-up release and about the take-up ramp is absorbed by the one
fitted rate. :func:`readings` refits the rate to the target under each alternative, one change at a time, and
gives each reading's expected cumulative count at the end of every quarter: the calibration's assumptions made
visible (``rollout-sim calibrate`` prints the table and writes ``readings.csv``). Expected counts are exact (no
simulation): the volumes are linear in the rate, so one pass of the demand model per reading gives both the fit
and the quarters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.experiment.calibrate import daily_expected, parameter_value
from sim.scenario.schema import Phase, Scenario


def quarter_ends(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The last days of the calendar quarters from the one holding ``first`` to the one holding ``last``."""
    ends = []
    year, quarter = first.year, (first.month - 1) // 3
    while (year, quarter) <= (last.year, (last.month - 1) // 3):
        month = 3 * quarter + 3
        ends.append(dt.date(year, month, 31 if month in (3, 12) else 30))
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return tuple(ends)


PILOT_ERA_END = dt.date(2022, 8, 1)
"""Phases starting before this date belong to the pilot era (the whole-region step of 2022-08-01 does not)."""

ADDED_REGIONS = ("BTH", "YueXiang")
"""The two pilot regions whose 2021 pilots existed but whose cities and dates are assumptions ([E])."""


@dataclass(frozen=True)
class Reading:
    """One way of reading the sources: a name, what it changes, and the change.

    Attributes
    ----------
    name : str
        Short label (table row).
    change : str
        What differs from the shipped scenario, in words.
    apply : callable
        Scenario -> the scenario under this reading.
    """

    name: str
    change: str
    apply: Callable[[Scenario], Scenario]


@dataclass(frozen=True)
class Refit:
    """A reading refitted to the target.

    Attributes
    ----------
    reading : Reading
        The reading.
    rate : float
        The fitted value of the calibrated parameter (first applications per migrant-year, or the cohort take-up).
    quarters : tuple of datetime.date
        The quarter ends of the run (:func:`quarter_ends`; the last may lie past the run's end).
    cumulative : numpy.ndarray
        Expected cumulative first applications at each quarter end (applications).
    """

    reading: Reading
    rate: float
    quarters: tuple[dt.date, ...]
    cumulative: NDArray[np.float64]


def readings() -> tuple[Reading, ...]:
    """The shipped reading first, then one alternative per assumption."""
    return (
        Reading("shipped", "as in the scenario file", lambda s: s),
        Reading(
            "pilot cities only",
            "pilot-era phases (before 2022-08-01) accept only the region's pilot-city hukou",
            lambda s: _pilot_accept(s, "pilot-cities-of-region"),
        ),
        Reading(
            "three pilot regions",
            "without the Beijing-Tianjin-Hebei and Guangdong-Hunan pilots [E]",
            _without_added_regions,
        ),
        Reading(
            "Yangtze Delta whole 2022-08-01", "no region-wide Yangtze Delta step on 2021-12-01", _without_early_delta
        ),
        Reading("no pent-up release", "pent_up.years = 0", lambda s: _demand(s, pent_up_years=0.0)),
        Reading("pent-up decaying", 'pent_up.shape = "decaying"', lambda s: _demand(s, pent_up_shape="decaying")),
        Reading("pent-up ramp", 'pent_up.shape = "ramp"', lambda s: _demand(s, pent_up_shape="ramp")),
        Reading("pent-up one year", "pent_up.years = 1", lambda s: _demand(s, pent_up_years=1.0)),
        Reading("no take-up ramp", "take_up.initial = 1", lambda s: _demand(s, take_up_initial=1.0)),
        Reading("slow take-up", "take_up full after 365 days", lambda s: _demand(s, take_up_days=365.0)),
    )


def refit(scenario: Scenario, reading: Reading, until: dt.date, target: float) -> Refit:
    """Refit the calibrated parameter to ``target`` applications by ``until`` under ``reading``.

    Parameters
    ----------
    scenario
        A scenario with migrant demand (its current parameter value is the starting point).
    reading
        The reading to apply.
    until
        The published count's date (inclusive).
    target
        The published cumulative count (applications).

    Returns
    -------
    Refit
        The fitted parameter and the expected cumulative counts at the end of each quarter of the run.
    """
    changed = reading.apply(scenario)
    spec = changed.migrant_demand
    if spec is None:
        raise ValueError("the scenario has no migrant demand")
    rate = parameter_value(spec)
    quarters = quarter_ends(changed.run.start, changed.run.end)
    at = np.cumsum(daily_expected(changed, max(quarters[-1], until)))
    scale = target / at[(until - changed.run.start).days]  # the volumes are linear in the parameter
    days = np.array([(q - changed.run.start).days for q in quarters])
    return Refit(reading, float(rate * scale), quarters, at[days] * scale)


def refit_all(scenario: Scenario, until: dt.date, target: float, chosen: Sequence[Reading] = ()) -> list[Refit]:
    """:func:`refit` under every reading (:func:`readings` when none are given), the shipped one first."""
    return [refit(scenario, reading, until, target) for reading in (chosen or readings())]


def _pilot_phases(scenario: Scenario) -> list[int]:
    start = scenario.run.start
    return [k for k, p in enumerate(scenario.phases) if start + dt.timedelta(days=p.start_day) < PILOT_ERA_END]


def _pilot_accept(scenario: Scenario, accept: str) -> Scenario:
    phases = list(scenario.phases)
    for k in _pilot_phases(scenario):
        if phases[k].accept == "same-region":
            phases[k] = dataclasses.replace(phases[k], accept=accept)
    return dataclasses.replace(scenario, phases=tuple(phases))


def _regions_of(scenario: Scenario, phase: Phase) -> set[str]:
    geo = scenario.geography
    if geo is None:
        return set()
    region = {p.name: p.region for p in geo.provinces}
    province = {c.name: c.province for c in geo.cities}
    return {region[province[name]] for name in phase.cities}


def _without_added_regions(scenario: Scenario) -> Scenario:
    pilots = set(_pilot_phases(scenario))
    kept = [p for k, p in enumerate(scenario.phases)
            if k not in pilots or not _regions_of(scenario, p) <= set(ADDED_REGIONS)]  # fmt: skip
    return dataclasses.replace(scenario, phases=tuple(kept))


def _without_early_delta(scenario: Scenario) -> Scenario:
    """Drop the pilot-era phase that opens the whole Yangtze Delta (more than its pilot cities)."""
    geo = scenario.geography
    pilots = set(_pilot_phases(scenario))
    pilot_cities = {c.name for c in geo.cities if c.pilot} if geo is not None else set()
    kept = [p for k, p in enumerate(scenario.phases)
            if not (k in pilots and _regions_of(scenario, p) == {"YRD"} and set(p.cities) - pilot_cities)]  # fmt: skip
    return dataclasses.replace(scenario, phases=tuple(kept))


def _demand(scenario: Scenario, **changes: object) -> Scenario:
    spec = scenario.migrant_demand
    if spec is None:
        raise ValueError("the scenario has no migrant demand")
    return dataclasses.replace(scenario, migrant_demand=dataclasses.replace(spec, **changes))  # type: ignore[arg-type]
