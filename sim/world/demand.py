"""Demand from migrant stocks: expected local applicants and forgone applications per office, day and origin.

For destination city ``c`` in province ``P`` and hukou province ``o``, the migrants living in ``c`` are
``migrants[o][P] x pop(c) / pop(P)`` (the city's share of its province's residents), and they would make
``applications_per_migrant_year`` first applications per migrant per year at full take-up. A year's volume is
spread over the office's open days by the month and weekday profiles (days the office is closed, such as
holidays, lose their share). An origin is split into hukou in a pilot city (share ``pilot_share[o]``) and the rest.

Before its pair is enabled an origin's whole volume is *forgone* (people travel to their hukou province). From
the enabling day a take-up share rising linearly from ``initial`` to 1 over ``full_after_days`` applies locally
and the rest is forgone; on top, the *pent-up* demand (``years`` of volume that had been waiting) is released
evenly over ``release_days`` open days' worth of weekday weight. Served + forgone is the total demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Demand, Geography, MigrantDemand, Office, Scenario
from sim.world.calendar import Calendar
from sim.world.schedule import enabled_days, pilot_share


@dataclass(frozen=True)
class OfficeVolumes:
    """Expected daily volumes for one office.

    Attributes
    ----------
    local : numpy.ndarray
        Shape (days, provinces, 2): expected local applicants per day, hukou province and origin kind.
    forgone : numpy.ndarray
        Same shape: expected applications that go to the hukou province instead.
    ceiling : numpy.ndarray
        Same shape: the most ``local`` can be under any schedule (full take-up plus the pent-up release), which
        depends only on the demand parameters. Arrivals are drawn at this rate and thinned to ``local``, so two
        schedules share every applicant the smaller of them has (common random numbers).
    """

    local: NDArray[np.float64]
    forgone: NDArray[np.float64]
    ceiling: NDArray[np.float64]


def office_volumes(
    geo: Geography,
    spec: MigrantDemand,
    shape: Demand,
    *,
    city: str,
    calendar: Calendar,
    days: int,
    enabled: NDArray[np.float64],
    pilot_share: NDArray[np.float64],
) -> OfficeVolumes:
    """Expected local and forgone volumes of the office in ``city`` for days ``0 .. days-1``.

    Parameters
    ----------
    geo, spec, shape
        Geography, migrant-demand parameters and weekday profile.
    city
        The office's city.
    calendar
        Its opening days.
    days
        Number of arrival days.
    enabled
        Shape (provinces, 2, cities): enabling day per pair (:func:`sim.world.schedule.enabled_days`).
    pilot_share
        Per province, the pilot-city share of its population.
    """
    c = next(i for i, x in enumerate(geo.cities) if x.name == city)
    p = next(i for i, x in enumerate(geo.provinces) if x.name == geo.cities[c].province)
    share = geo.cities[c].population / geo.provinces[p].population if geo.provinces[p].population > 0 else 0.0
    annual = np.array([geo.migrants[o][p] for o in range(len(geo.provinces))]) * share
    annual *= spec.applications_per_migrant_year
    kinds = np.stack([annual * pilot_share, annual * (1.0 - pilot_share)], axis=1)  # (provinces, 2)
    weekday = _weekday_weights(calendar, shape, days)
    weight = _day_weights(calendar, spec, days, weekday)  # (days,): share of a year's volume
    base = weight[:, None, None] * kinds[None, :, :]
    day = np.arange(days, dtype=np.float64)[:, None, None]
    since = day - enabled[:, :, c][None, :, :]
    on = since >= 0
    take = (
        np.ones_like(since)
        if spec.take_up_days <= 0
        else np.clip(
            spec.take_up_initial + (1 - spec.take_up_initial) * since / spec.take_up_days, spec.take_up_initial, 1.0
        )
    )
    local = np.where(on, base * take, 0.0)
    forgone = base - local
    pent = on & (since < spec.pent_up_days)
    released = spec.pent_up_years * kinds[None, :, :] / spec.pent_up_days
    release = released * weekday[:, None, None]
    local += np.where(pent, release, 0.0)
    return OfficeVolumes(local, forgone, base + release)


def scenario_volumes(scenario: Scenario, days: int) -> Iterator[tuple[Office, Calendar, OfficeVolumes]]:
    """Each office of a migrant-demand scenario with its calendar and its volumes over days ``0 .. days-1``."""
    geo, spec = scenario.geography, scenario.migrant_demand
    if geo is None or spec is None:
        raise ValueError("the scenario has no demand from migrant stocks ([data] and applications_per_migrant_year)")
    enabled, share = enabled_days(geo, scenario.phases), pilot_share(geo)
    for office in scenario.offices:
        calendar = Calendar(scenario.run.start, office.hours, scenario.holidays)
        volumes = office_volumes(
            geo, spec, scenario.demand, city=office.city, calendar=calendar, days=days, enabled=enabled,
            pilot_share=share,
        )  # fmt: skip
        yield office, calendar, volumes


def day_weight(shape: Demand, calendar: Calendar, day: int) -> float:
    """The weekday-profile weight of a day when the office opens (0 when it does not).

    Make-up working days on a weekend take the Monday-Friday mean weight.
    """
    if not calendar.periods(day):
        return 0.0
    profile = shape.weekday_profile
    weekday = calendar.date(day).weekday()
    if weekday >= 5 and calendar.is_working_day(day):
        return sum(profile[:5]) / 5
    return profile[weekday]


def day_weights(shape: Demand, calendar: Calendar, days: int) -> NDArray[np.float64]:
    """:func:`day_weight` of days ``0 .. days-1``, all at once.

    Parameters
    ----------
    shape
        The weekday profile.
    calendar
        The office's calendar.
    days
        Number of days.

    Returns
    -------
    numpy.ndarray
        Shape (days,): the weekday-profile weight of each day (dimensionless, 0 when the office does not open).
    """
    profile = np.asarray(shape.weekday_profile, dtype=np.float64)
    weekday = (calendar.start.weekday() + np.arange(days)) % 7
    weights = profile[weekday]
    open_ = np.fromiter((bool(calendar.periods(d)) for d in range(days)), dtype=bool, count=days)
    working = np.fromiter((calendar.is_working_day(d) for d in range(days)), dtype=bool, count=days)
    weights[(weekday >= 5) & working] = sum(shape.weekday_profile[:5]) / 5
    weights[~open_] = 0.0
    return weights


def _weekday_weights(calendar: Calendar, shape: Demand, days: int) -> NDArray[np.float64]:
    """Per day: weight x 7 / (weight of a normal open week), so that a normal week sums to 7 (0 when closed)."""
    hours = calendar.hours
    week = sum(w for dow, w in enumerate(shape.weekday_profile) if (hours.weekdays if dow < 5 else hours.weekend))
    return day_weights(shape, calendar, days) * 7.0 / week if week > 0 else np.zeros(days)


def _day_weights(
    calendar: Calendar, spec: MigrantDemand, days: int, weekday: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per day: its share of a year's volume (``weekday`` weights x month profile / 365; 0 when closed)."""
    month = np.asarray(spec.month_profile) / np.mean(spec.month_profile)
    dates = np.datetime64(calendar.start, "D") + np.arange(days)
    months = dates.astype("datetime64[M]").astype(np.int64) % 12  # months since 1970-01: 0 is January
    result: NDArray[np.float64] = weekday * month[months] / 365.0
    return result
