"""The calendars as arrays: opening periods, day shapes and working days, for the compiled kernels.

Every station (office windows, kiosks, reviewers) gets the row of a calendar table: its opening periods over the
run and far beyond it, as sorted absolute ``[open, close)`` pairs, so that "is it open", "the next opening" and
"the end of this period" are one binary search. Offices with the same hours share a table. The same holds for the
day shapes (the hour profile over a day's periods) that place revisits and pickups, and for the working days
that batches, production and promises count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Hours, Scenario
from sim.world.arrivals import day_shape
from sim.world.calendar import CLOSED, MINUTES_PER_DAY, REST, WORKING, Calendar

BEYOND_DAYS = 1500
"""Days past the last arrival day covered by the tables (the run goes on until the last card is in hand)."""


@dataclass(frozen=True)
class Periods:
    """Opening periods of several calendars, concatenated.

    Attributes
    ----------
    starts, ends : numpy.ndarray
        Absolute opening and closing minutes; calendar ``i`` owns ``lo[i]:hi[i]``, sorted.
    lo, hi : numpy.ndarray
        Slice bounds per calendar.
    """

    starts: NDArray[np.float64]
    ends: NDArray[np.float64]
    lo: NDArray[np.int64]
    hi: NDArray[np.int64]


@dataclass(frozen=True)
class Shapes:
    """Day shapes of several calendars: per calendar and day, which shape; per shape, its segments.

    Attributes
    ----------
    of_day : numpy.ndarray
        Shape (calendars, days): shape index of each day.
    starts, widths, cumulative : numpy.ndarray
        Shape (shapes, segments): segment starts and widths (minutes since 00:00) and cumulative probability,
        padded; ``count`` segments are used (0 for a day nobody can come).
    count : numpy.ndarray
        Segments per shape.
    """

    of_day: NDArray[np.int64]
    starts: NDArray[np.float64]
    widths: NDArray[np.float64]
    cumulative: NDArray[np.float64]
    count: NDArray[np.int64]


@dataclass(frozen=True)
class Tables:
    """Everything calendar-like the fast engine reads.

    Attributes
    ----------
    days : int
        Days covered.
    periods : Periods
        Calendars of offices (index = office calendar) then provinces (index = offices + province).
    office_calendar : numpy.ndarray
        Per office, its calendar index (shared between offices with the same hours).
    province_calendar : numpy.ndarray
        Per province, its calendar index.
    shapes : Shapes
        Day shapes per office calendar.
    working : numpy.ndarray
        Per day, whether it is a working day.
    next_working : numpy.ndarray
        Per day, the first working day at or after it.
    working_list : numpy.ndarray
        The working days in order.
    working_before : numpy.ndarray
        Per day, the number of working days up to and including it.
    """

    days: int
    periods: Periods
    office_calendar: NDArray[np.int64]
    province_calendar: NDArray[np.int64]
    shapes: Shapes
    working: NDArray[np.bool_]
    next_working: NDArray[np.int64]
    working_list: NDArray[np.int64]
    working_before: NDArray[np.int64]


def build_tables(scenario: Scenario) -> Tables:
    """The calendar tables of a scenario, covering its arrival days and :data:`BEYOND_DAYS` more.

    Replications of a scenario (and scenarios with the same calendars) share them: they are built once a process.
    """
    return _tables(
        scenario.run.start,
        scenario.run.days,
        office_hours=tuple(o.hours for o in scenario.offices),
        province_hours=tuple(p.hours for p in scenario.provinces),
        holidays=tuple(scenario.holidays),
        hour_profile=scenario.demand.hour_profile,
    )


@lru_cache(maxsize=8)
def _tables(
    start: dt.date,
    arrival_days: int,
    *,
    office_hours: tuple[Hours, ...],
    province_hours: tuple[Hours, ...],
    holidays: tuple[tuple[dt.date, str], ...],
    hour_profile: tuple[float, ...],
) -> Tables:
    days = arrival_days + BEYOND_DAYS
    hours: list[Hours] = []
    office_calendar = np.array([_index(hours, h) for h in office_hours], dtype=np.int64)
    n_office = len(hours)
    province_calendar = np.array([_index(hours, h) for h in province_hours], dtype=np.int64)
    calendars = [Calendar(start, h, holidays) for h in hours]
    national = Calendar(start, Hours(()), holidays)  # working days ignore the hours
    working = national.day_kinds(days) == WORKING
    working_list = np.flatnonzero(working).astype(np.int64)
    position = np.searchsorted(working_list, np.arange(days))
    next_working = np.where(
        position < working_list.size, working_list[np.minimum(position, working_list.size - 1)], days
    )
    return Tables(
        days=days,
        periods=_periods(calendars, days),
        office_calendar=office_calendar,
        province_calendar=province_calendar,
        shapes=_shapes(calendars[:n_office], days, hour_profile),
        working=working,
        next_working=next_working.astype(np.int64),
        working_list=working_list,
        working_before=np.cumsum(working).astype(np.int64),
    )


def _index(hours: list[Hours], h: Hours) -> int:
    if h not in hours:
        hours.append(h)
    return hours.index(h)


def _periods(calendars: list[Calendar], days: int) -> Periods:
    """Every calendar's opening periods of days ``0 .. days-1``, as :meth:`Calendar.periods` gives them."""
    starts: list[NDArray[np.float64]] = []
    ends: list[NDArray[np.float64]] = []
    lo, hi, n = [], [], 0
    for calendar in calendars:
        kinds = calendar.day_kinds(days)
        per_kind = [calendar.kind_periods(k) for k in (CLOSED, WORKING, REST)]
        most = max(len(p) for p in per_kind)
        relative = np.zeros((3, max(most, 1), 2))
        for k, periods in enumerate(per_kind):
            if periods:
                relative[k, : len(periods)] = periods
        count = np.array([len(p) for p in per_kind])[kinds]
        day = np.repeat(np.arange(days), count)
        kind = kinds[day]
        within = np.arange(day.size) - np.repeat(np.cumsum(count) - count, count)  # each period's place in its day
        base = day * MINUTES_PER_DAY  # as Calendar.periods: the day's 00:00, then plus the clock minutes
        starts.append(base + relative[kind, within, 0])
        ends.append(base + relative[kind, within, 1])
        lo.append(n)
        n += day.size
        hi.append(n)
    return Periods(
        np.concatenate(starts) if starts else np.empty(0),
        np.concatenate(ends) if ends else np.empty(0),
        np.asarray(lo, dtype=np.int64),
        np.asarray(hi, dtype=np.int64),
    )


def _shapes(calendars: list[Calendar], days: int, profile: tuple[float, ...]) -> Shapes:
    keys: dict[tuple[tuple[float, float], ...], int] = {}
    of_day = np.zeros((len(calendars), days), dtype=np.int64)
    for c, calendar in enumerate(calendars):
        kinds = calendar.day_kinds(days)
        present, first = np.unique(kinds, return_index=True)
        if not all(_same_every_day(calendar.kind_periods(k), days) for k in present.tolist()):
            for day in range(days):  # day by day, as the keys differ between days
                start = day * MINUTES_PER_DAY
                periods = tuple((a - start, b - start) for a, b in calendar.periods(day))
                of_day[c, day] = keys.setdefault(periods, len(keys))
            continue
        number = np.zeros(3, dtype=np.int64)
        for k in present[np.argsort(first)].tolist():  # in order of first appearance, as day by day
            number[k] = keys.setdefault(calendar.kind_periods(k), len(keys))
        of_day[c] = number[kinds]
    shapes = [day_shape(periods, profile) for periods in keys]
    width = max([s.cumulative.size for s in shapes] + [1])
    n = len(shapes)
    starts, widths, cumulative = np.zeros((n, width)), np.zeros((n, width)), np.zeros((n, width))
    count = np.zeros(n, dtype=np.int64)
    for i, shape in enumerate(shapes):
        k = shape.cumulative.size
        count[i] = k
        starts[i, :k], widths[i, :k], cumulative[i, :k] = shape.starts[:k], shape.widths[:k], shape.cumulative
    return Shapes(of_day, starts, widths, cumulative, count)


def _same_every_day(periods: tuple[tuple[float, float], ...], days: int) -> bool:
    """Whether a kind of day's periods come back the same from absolute minutes on every day ``0 .. days-1``.

    A day's shape is keyed by its periods computed back from absolute minutes (``(d x 1440 + a) - d x 1440``),
    which is ``a`` on every day when the minutes are whole or halves (as opening hours are).
    """
    base = np.arange(days) * MINUTES_PER_DAY
    return all(((base + a) - base == a).all() and ((base + b) - base == b).all() for a, b in periods)
