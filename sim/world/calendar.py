"""Calendar: simulated minutes <-> dates, opening periods, official holidays and make-up working days.

Time 0 is 00:00 of the scenario's start date and one day is 1,440 minutes; there is no daylight-saving time in
China. A day is a *working day* when it is Monday-Friday and not an official holiday, or a make-up working day
(调休) on a weekend. Offices open their weekday periods on working days, their weekend periods on other
Saturdays and Sundays, and nothing on official holidays. Periods are half-open: ``[open, close)``; two periods
that touch (09:00-10:00 and 10:00-11:00) are one, so nobody is sent home at 10:00. A day's last period ends at
midnight at the latest: an office open around the clock closes and reopens at every midnight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Hours, Period, Scenario
from sim.world.held import by_identity

MINUTES_PER_DAY = 1440.0
CLOSED, WORKING, REST = 0, 1, 2
"""Kinds of day (:meth:`Calendar.day_kinds`): a holiday, a working day (weekday hours), a rest day (weekend hours)."""
SEARCH_DAYS = 400
"""How far :meth:`Calendar.next_open` looks ahead before deciding an office never opens."""


def next_midnight(t: float) -> float:
    """00:00 of the day after the day of ``t`` (minutes)."""
    return (t // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY


class Calendar:
    """Dates, working days and one office's opening periods.

    Parameters
    ----------
    start
        The date whose 00:00 is time 0.
    hours
        Weekly opening hours (minutes since 00:00).
    holidays
        Official exceptions, ``(date, "holiday" | "workday")``.
    """

    def __init__(self, start: dt.date, hours: Hours, holidays: Iterable[tuple[dt.date, str]] = ()) -> None:
        self.start = start
        self.hours = hours
        self._kinds = dict(holidays)
        self.periods = lru_cache(maxsize=None)(self._periods)
        self.is_working_day = lru_cache(maxsize=None)(self._is_working_day)

    def date(self, day: int) -> dt.date:
        """The date of day index ``day`` (0 is the start date)."""
        return self.start + dt.timedelta(days=day)

    def is_holiday(self, day: int) -> bool:
        """Whether day ``day`` is an official public holiday (offices closed)."""
        return self._kinds.get(self.date(day)) == "holiday"

    def _is_working_day(self, day: int) -> bool:
        """Whether day ``day`` is a working day (Mon-Fri not on holiday, or a make-up working day)."""
        date = self.date(day)
        kind = self._kinds.get(date)
        if kind is not None:
            return kind == "workday"
        return date.weekday() < 5

    def _periods(self, day: int) -> tuple[Period, ...]:
        """The day's opening periods, absolute minutes; periods that touch are one (no closing between them)."""
        if self.is_holiday(day):
            return ()
        base = day * MINUTES_PER_DAY
        return tuple((base + a, base + b) for a, b in self.kind_periods(WORKING if self.is_working_day(day) else REST))

    def kind_periods(self, kind: int) -> tuple[Period, ...]:
        """The opening periods of a kind of day (:meth:`day_kinds`), minutes since 00:00, touching ones merged."""
        if kind == CLOSED:
            return ()
        merged: list[tuple[float, float]] = []
        for a, b in self.hours.weekdays if kind == WORKING else self.hours.weekend:
            if merged and merged[-1][1] == a:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        return tuple(merged)

    def day_kinds(self, days: int) -> NDArray[np.int8]:
        """Per day ``0 .. days-1``: :data:`CLOSED` (a holiday), :data:`WORKING` or :data:`REST` (weekend hours).

        What :meth:`periods` and :meth:`is_working_day` decide day by day, for many days at once.
        """
        weekday = (self.start.weekday() + np.arange(days)) % 7
        kinds = np.where(weekday < 5, WORKING, REST).astype(np.int8)
        for date, kind in self._kinds.items():
            day = (date - self.start).days
            if 0 <= day < days:
                kinds[day] = CLOSED if kind == "holiday" else WORKING if kind == "workday" else REST
        return kinds

    def open_minutes(self, day: int) -> float:
        """Minutes the office is open on day ``day``."""
        return sum(b - a for a, b in self.periods(day))

    def is_open(self, t: float) -> bool:
        """Whether the office is open at time ``t`` (minutes); closing instants count as closed."""
        return any(a <= t < b for a, b in self.periods(int(t // MINUTES_PER_DAY)))

    def closing_time(self, t: float) -> float:
        """The end of the opening period that contains ``t`` (minutes); ``t`` itself when closed."""
        for a, b in self.periods(int(t // MINUTES_PER_DAY)):
            if a <= t < b:
                return b
        return t

    def next_open(self, t: float) -> float:
        """The first instant at or after ``t`` (minutes) when the office is open.

        Raises
        ------
        ValueError
            If the office does not open within :data:`SEARCH_DAYS` days.
        """
        first = int(t // MINUTES_PER_DAY)
        for day in range(first, first + SEARCH_DAYS):
            for a, b in self.periods(day):
                if t < b:
                    return max(a, t)
        raise ValueError(f"office never opens within {SEARCH_DAYS} days after minute {t}")

    def next_working_time(self, t: float, clock_minutes: float) -> float:
        """The first instant at or after ``t`` that is ``clock_minutes`` past 00:00 of a working day."""
        day = int(t // MINUTES_PER_DAY)
        while True:
            moment = day * MINUTES_PER_DAY + clock_minutes
            if moment >= t and self.is_working_day(day):
                return moment
            day += 1

    def add_working_days(self, t: float, days: int) -> float:
        """The same clock time ``days`` working days after ``t`` (minutes); ``days = 0`` gives ``t``."""
        day = int(t // MINUTES_PER_DAY)
        clock = t - day * MINUTES_PER_DAY
        while days > 0:
            day += 1
            if self.is_working_day(day):
                days -= 1
        return day * MINUTES_PER_DAY + clock

    def next_working_midnight(self, t: float) -> float:
        """00:00 of the first working day after the day of ``t`` (minutes)."""
        day = int(t // MINUTES_PER_DAY) + 1
        while not self.is_working_day(day):
            day += 1
        return day * MINUTES_PER_DAY


def shared_calendars(start: dt.date, hours: Iterable[Hours], holidays: Iterable[tuple[dt.date, str]]) -> list[Calendar]:
    """One calendar per entry of ``hours``, shared between entries with the same hours (and their caches)."""
    kinds = tuple(holidays)
    shared: dict[Hours, Calendar] = {}
    result = []
    for h in hours:
        if h not in shared:
            shared[h] = Calendar(start, h, kinds)
        result.append(shared[h])
    return result


def offices_calendars(scenario: Scenario) -> list[Calendar]:
    """Each office's calendar (:func:`shared_calendars`), the same objects for every run of one scenario object.

    A calendar only caches what follows from its arguments, so replications may share it; what the offices derive
    from their calendar (day shapes, weights: :mod:`sim.world.office_day`) is then found already built, which was
    about 5 ms of a two-year run of one office.
    """
    return list(_calendars_of(scenario))


@by_identity
def _calendars_of(scenario: Scenario) -> tuple[Calendar, ...]:
    return tuple(shared_calendars(scenario.run.start, (o.hours for o in scenario.offices), scenario.holidays))


def open_minutes_table(calendars: list[Calendar], days: int) -> NDArray[np.float64]:
    """Shape (calendars, days): minutes each calendar is open per day (a shared calendar is read once)."""
    rows: dict[int, list[float]] = {}
    for c in calendars:
        if id(c) not in rows:
            rows[id(c)] = [c.open_minutes(d) for d in range(days)]
    return np.array([rows[id(c)] for c in calendars], dtype=np.float64).reshape(len(calendars), days)
