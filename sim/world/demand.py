"""Demand from migrant stocks: expected local applicants and forgone applications per office, day and origin.

For destination city ``c`` in province ``P`` and hukou province ``o``, the migrants living in ``c`` are
``migrants[o][P] x pop(c) / pop(P)`` (the city's share of its province's residents), and they would make
:attr:`~sim.scenario.schema.MigrantDemand.rate` first applications per migrant per year at full take-up
(``applications_per_migrant_year``, or under ``mode = "cohort"`` ``child_share / ages x take_up``). A year's volume
is spread over the office's open days by the month and weekday profiles (days the office is closed, such as
holidays, lose their share). An origin is split into hukou in a pilot city (share ``pilot_share[o]``) and the rest.

Before its pair is enabled an origin's whole volume is *forgone* (people travel to their hukou province). From
the enabling day a take-up share rising linearly from ``initial`` to 1 over ``full_after_days`` applies locally
and the rest is forgone. On top, the *pent-up* stock (``years`` x the pair's yearly volume, applications that had
been waiting) is released: on day ``s`` after enabling (``s = 0`` is the enabling day) the share
``f(s) = F(s + 1) - F(s)`` of the stock, times the day's weekday weight (a normal open week sums to 7, as for the
steady flow; closed days lose their share), where ``F(t)`` is the share released by ``t`` days
(:func:`released_share`; ``R`` = ``release_days``, ``T`` = ``full_after_days``, ``a`` = take-up ``initial``):

- ``even``: ``F(t) = min(t / R, 1)``;
- ``decaying``: ``F(t) = (1 - exp(-min(t, R) / tau)) / (1 - exp(-R / tau))`` with ``tau = R / 3``
  (:data:`DECAY_PER_RELEASE`): the rate falls by ``exp(-1 / tau)`` a day, truncated at ``R`` and renormalised;
- ``ramp``: ``F(t) = a min(t / R, 1) + (1 - a) min(t / T, 1)``: the share ``a`` evenly over ``R`` days and the rest
  at the take-up ramp's rate until ``T``, so that from ``R`` on ``F(t)`` is the take-up share ``a + (1 - a) t / T``.

Every ``F`` rises from 0 to 1, so every shape releases the same stock over calendar time. Served + forgone is the
total demand.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Demand, Geography, MigrantDemand, Office, Scenario
from sim.world.calendar import Calendar
from sim.world.held import by_identity
from sim.world.schedule import enabled_days, pilot_share

DECAY_PER_RELEASE = 3.0
"""``decaying``: the release lasts this many time constants (``tau = release_days / 3``): by the cut the rate has
fallen to ``exp(-3)``, 5 % of the first day's, and the 5 % of the stock the untruncated curve would release later is
spread over the release by renormalising."""


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
    ceiling_day : numpy.ndarray
        Shape (days,): ``ceiling`` summed over provinces and origin kinds (expected candidates a day).
    local_any : numpy.ndarray
        Shape (days,): whether any origin has a local volume that day.
    expected_local : numpy.ndarray
        Shape (provinces, 2): ``local`` summed over the days (expected local applicants).
    forgone_day : numpy.ndarray
        Shape (days, provinces): ``forgone`` summed over the origin kinds.
    expected_total : float
        ``expected_local`` summed.

    The sums are computed with the other offices' of one chunk (:func:`volumes_of`), in the order one office's
    arrays would be summed, so they are the same numbers.
    """

    local: NDArray[np.float64]
    forgone: NDArray[np.float64]
    ceiling: NDArray[np.float64]
    ceiling_day: NDArray[np.float64]
    local_any: NDArray[np.bool_]
    expected_local: NDArray[np.float64]
    forgone_day: NDArray[np.float64]
    expected_total: float


CHUNK_VALUES = 1 << 16
"""Values per array when many offices' volumes are computed together (:func:`volumes_of`): 512 KB, which stays in
the cache (chunks of 16 MB made building a whole history's offices 0.68 s against 0.58 s; a two-week cut takes its
341 offices in six chunks)."""


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
    (volumes,) = list(volumes_of(geo, spec, shape, cities=[city], calendars=[calendar], days=days,
                                 enabled=enabled, pilot_share=pilot_share))  # fmt: skip
    return volumes


def volumes_of(
    geo: Geography,
    spec: MigrantDemand,
    shape: Demand,
    *,
    cities: Sequence[str],
    calendars: Sequence[Calendar],
    days: int,
    enabled: NDArray[np.float64],
    pilot_share: NDArray[np.float64],
) -> Iterator[OfficeVolumes]:
    """:func:`office_volumes` of many offices (their cities and calendars), computed together, in their order.

    The same numbers as one office at a time (every operation is elementwise); the offices are taken in chunks of
    at most :data:`CHUNK_VALUES` values per array, each computed when the first of its offices is asked for, and
    each office's arrays are views of its chunk's: a caller that keeps what it needs of each office and lets the
    volumes go holds one chunk at a time (a whole national history's volumes are about 0.5 GB).
    """
    per = max(1, CHUNK_VALUES // max(1, days * len(geo.provinces) * 2))
    for lo in range(0, len(cities), per):
        yield from _chunk(geo, spec, shape, list(zip(cities[lo : lo + per], calendars[lo : lo + per], strict=True)),
                          days=days, enabled=enabled, pilot_share=pilot_share)  # fmt: skip


def _chunk(
    geo: Geography, spec: MigrantDemand, shape: Demand, offices: list[tuple[str, Calendar]], *, days: int,
    enabled: NDArray[np.float64], pilot_share: NDArray[np.float64],
) -> list[OfficeVolumes]:  # fmt: skip
    """:func:`volumes_of` for a few offices (city, calendar): arrays (offices, days, provinces, 2)."""
    table = _cities(geo)
    found = [table[city] for city, _ in offices]
    c = np.array([f[0] for f in found], dtype=np.int64)
    share = np.array([f[1] for f in found])[:, None]
    annual = np.stack([f[2] for f in found]) * share * spec.rate  # (offices, provinces)
    kinds = np.stack([annual * pilot_share, annual * (1.0 - pilot_share)], axis=2)[:, None]  # (offices, 1, P, 2)
    weights = [_weights(calendar, shape, spec, days) for _, calendar in offices]
    weekday = np.stack([w for w, _ in weights])[:, :, None, None]  # (offices, days, 1, 1)
    weight = np.stack([w for _, w in weights])[:, :, None, None]  # share of a year's volume
    base = weight * kinds
    day = np.arange(days, dtype=np.float64)[None, :, None, None]
    since = day - np.moveaxis(enabled[:, :, c], 2, 0)[:, None]
    on = since >= 0
    local = np.where(on, base * _take_up(spec, since), 0.0)
    forgone = base - local
    release, top = _release(spec, spec.pent_up_years * kinds, weekday, since)
    local += release
    ceiling = base + top
    n = len(found)
    per_day, summed, forgone_day = ceiling.sum(axis=(2, 3)), local.sum(axis=1), forgone.sum(axis=3)
    local_any: NDArray[np.bool_] = np.any(local.reshape(n, days, -1), axis=2)
    totals = summed.sum(axis=(1, 2)).tolist()
    return [
        OfficeVolumes(local[k], forgone[k], ceiling[k], per_day[k], local_any[k], summed[k], forgone_day[k], totals[k])
        for k in range(n)
    ]


def released_share(spec: MigrantDemand, days: NDArray[np.float64]) -> NDArray[np.float64]:
    """``F(t)``: the share of the pent-up stock released by ``t`` days after enabling (module docstring).

    Parameters
    ----------
    spec
        The demand parameters (``pent_up_shape``, ``pent_up_days``; ``ramp`` also reads the take-up ramp).
    days
        Days since enabling, ``t`` (any shape; 0 or less gives 0, ``-inf`` for a pair never enabled).

    Returns
    -------
    numpy.ndarray
        ``F(t)`` (dimensionless, from 0 to 1), same shape as ``days``.
    """
    t = np.maximum(days, 0.0)
    span = spec.pent_up_days
    if spec.pent_up_shape == "decaying":
        tau = span / DECAY_PER_RELEASE
        decayed: NDArray[np.float64] = np.expm1(-np.minimum(t, span) / tau) / np.expm1(-span / tau)
        return decayed
    even: NDArray[np.float64] = np.minimum(t / span, 1.0)
    if spec.pent_up_shape == "even":
        return even
    ramp = spec.take_up_days
    rest = np.minimum(t / ramp, 1.0) if ramp > 0 else (t > 0).astype(np.float64)
    result: NDArray[np.float64] = spec.take_up_initial * even + (1.0 - spec.take_up_initial) * rest
    return result


def release_shares(spec: MigrantDemand, since: NDArray[np.float64]) -> NDArray[np.float64]:
    """``f(s) = F(s + 1) - F(s)``: the share of the pent-up stock released on day ``s`` after enabling.

    Parameters
    ----------
    spec
        The demand parameters.
    since
        Days since enabling, ``s`` (whole days; negative before enabling, ``-inf`` for a pair never enabled).

    Returns
    -------
    numpy.ndarray
        The day's share of the stock before weekday weighting (dimensionless; 0 before enabling), same shape.
    """
    shares = released_share(spec, since + 1.0) - released_share(spec, since)
    result: NDArray[np.float64] = np.where(since >= 0, shares, 0.0)
    return result


def _take_up(spec: MigrantDemand, since: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of the steady flow applying locally ``since`` days after enabling (1 without a ramp)."""
    if spec.take_up_days <= 0 or spec.take_up_initial >= 1:
        return np.ones_like(since)
    ramp = spec.take_up_initial + (1 - spec.take_up_initial) * since / spec.take_up_days
    result: NDArray[np.float64] = np.clip(ramp, spec.take_up_initial, 1.0)
    return result


def _release(
    spec: MigrantDemand, stock: NDArray[np.float64], weekday: NDArray[np.float64], since: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The pent-up release per day, hukou province and origin kind, and its schedule-free ceiling.

    Parameters
    ----------
    spec
        The demand parameters.
    stock
        Shape (..., 1, provinces, 2): applications waiting at go-live (``years`` x the yearly volume at full
        take-up).
    weekday
        Weekday weights per day (a normal open week sums to 7; 0 when closed), shaped to broadcast with ``since``.
    since
        Shape (..., days, provinces, 2): days since enabling.

    Returns
    -------
    release : numpy.ndarray
        Shape (..., days, provinces, 2): expected applications released each day (0 before enabling).
    ceiling : numpy.ndarray
        The same shape: the most the release can be on each day under any schedule, the largest daily share
        (the go-live day's; every ``f`` is non-increasing) times the stock and the day's weight.
    """
    w = weekday
    span = spec.pent_up_days
    if spec.pent_up_shape == "even":  # computed as before the shapes existed: results stay bit-identical
        top = stock / span * w
        last = np.minimum(1.0, span - since)  # 1, or the part of a last day when release_days is not whole
        return np.where((since >= 0) & (since < span), top * last, 0.0), top
    reach = np.arange(math.ceil(max(span, spec.take_up_days)) + 1, dtype=np.float64)
    first = float(release_shares(spec, reach).max())
    return stock * release_shares(spec, since) * w, stock * first * w


def scenario_volumes(scenario: Scenario, days: int) -> Iterator[tuple[Office, Calendar, OfficeVolumes]]:
    """Each office of a migrant-demand scenario with its calendar and its volumes over days ``0 .. days-1``."""
    geo, spec = scenario.geography, scenario.migrant_demand
    if geo is None or spec is None:
        raise ValueError("the scenario has no demand from migrant stocks ([data] and a [demand] mode)")
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


@lru_cache(maxsize=16)
def day_weights(shape: Demand, calendar: Calendar, days: int) -> NDArray[np.float64]:
    """:func:`day_weight` of days ``0 .. days-1``, all at once (read-only; shared by offices with one calendar).

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
    weights.setflags(write=False)
    return weights


@by_identity
def _cities(geo: Geography) -> dict[str, tuple[int, float, NDArray[np.float64]]]:
    """Per city: its index, its share of its province's residents, and its province's migrants by hukou province.

    Shared by the offices of one geography.
    """
    number = {x.name: i for i, x in enumerate(geo.provinces)}
    by_destination = np.array(geo.migrants, dtype=np.float64).reshape(len(geo.provinces), -1).T.copy()
    by_destination.setflags(write=False)
    cities: dict[str, tuple[int, float, NDArray[np.float64]]] = {}
    for c, x in enumerate(geo.cities):
        p = number[x.province]
        population = geo.provinces[p].population
        share = x.population / population if population > 0 else 0.0
        cities.setdefault(x.name, (c, share, by_destination[p]))  # the first city of a name, as a search from the start
    return cities


@by_identity
def _weights(
    calendar: Calendar, shape: Demand, spec: MigrantDemand, days: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per day: the weekday weights and the share of a year's volume (read-only).

    :func:`_weekday_weights` and :func:`_day_weights`, shared by the offices of one calendar.
    """
    weekday = _weekday_weights(calendar, shape, days)
    weight = _day_weights(calendar, spec, days, weekday)
    weekday.setflags(write=False)
    weight.setflags(write=False)
    return weekday, weight


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
