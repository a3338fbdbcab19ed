"""Peak-hour offered load of an office, for the analytic cross-check (Erlang C) before and beside a run.

The busiest hour is found over the week's day types (working weekdays, and weekends when open): its arrival rate
is the day's expected volume (applicants and background business, times the weekday weight) times the share of
the day's intensity that falls in that hour. Service time is the arrival-weighted mix of intake and background.
Treating that hour as a stationary M/M/c is an approximation: it flags an office that cannot keep up (rho >= 1)
and gives the order of magnitude of its waits.

An hour's overload passes; a station has no steady state only when its backlog carries over from one day to the
next (an office that never closes, or one that sends its queue home at closing to come back) and its mean load
over the week is at least its capacity: its queue then grows without bound over the run, and the run's means
depend on its horizon. An office that closes and serves its queue past closing clears it every day (the work
after closing is its overtime).

With staffing by date (``windows_from``, ``reviewers_from``) each period of constant windows is judged with its own
windows (:func:`peak_loads`), and the reviewers at full rollout are those of the run's last arrival day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Office, Scenario
from sim.theory import MMc
from sim.world.arrivals import day_shape
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.demand import day_weight, scenario_volumes
from sim.world.distributions import Distribution
from sim.world.staff import servers_by_day, servers_on

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NO_STEADY_STATE = "the run's means depend on its horizon (no steady state)"
"""What every warning about a station whose queue grows without bound adds."""


@dataclass(frozen=True)
class PeakLoad:
    """The busiest hour of an office's week.

    Attributes
    ----------
    office : str
        Office name.
    when : str
        Day type and hour, e.g. ``Mon 09:00``.
    queue : MMc
        The hour as an M/M/c queue: arrivals per minute, mean service minutes, windows.
    mean_utilisation : float
        Offered window-minutes over staffed window-minutes in a week (the weekday profile's weights; holidays
        ignored), a share; NaN when unknown.
    never_closes : bool
        Open around the clock on every day of the run (no holiday closes it).
    carries_over : bool
        Its queue carries over to the next day: it never closes, or it sends its queue home at closing.
    bounded : bool
        It holds at most ``max_in_office`` visitors (turning the rest away), so its queue cannot grow without bound.
    staffing : str
        With staffing by date (``windows_from``), the staffing period judged, e.g. ``2022-10-01 to 2022-12-31``;
        empty when the windows are the same throughout.
    """

    office: str
    when: str
    queue: MMc
    mean_utilisation: float = math.nan
    never_closes: bool = False
    carries_over: bool = False
    bounded: bool = False
    staffing: str = ""

    @property
    def unbounded(self) -> bool:
        """Whether the queue grows without bound: it carries over, mean load over the week >= 1, no cap on inside."""
        return self.carries_over and not self.bounded and self.mean_utilisation >= 1


def peak_loads(scenario: Scenario) -> list[PeakLoad]:
    """The peak hour of every office (see :func:`peak_load`), judged in each staffing period with its own windows.

    With staffing by date (``windows_from``) each period of constant windows is checked with its windows and the
    largest expected daily volume of its own days (migrant demand; ``applicants_per_day`` otherwise), and the
    period reported is one whose queue grows without bound if any (:attr:`PeakLoad.unbounded`), else the one with
    the highest busiest-hour rho (the earliest on a tie), its dates in :attr:`PeakLoad.staffing`. Without steps
    this is the one period of the run.
    """
    days = scenario.run.days
    per_unit = _migrant_days(scenario) if scenario.migrant_demand is not None else None
    loads = []
    for i, office in enumerate(scenario.offices):
        candidates = []
        for first, last, windows in staff_periods(office, days):
            applicants = None if per_unit is None else _largest(per_unit[i][first:last])
            load = peak_load(scenario, office, applicants, windows=windows)
            if office.windows_from:
                load = dataclasses.replace(load, staffing=_dates(scenario, first, last))
            candidates.append(load)
        loads.append(max(candidates, key=lambda p: (p.unbounded, p.queue.utilisation)))
    return loads


def staff_periods(office: Office, days: int) -> list[tuple[int, int, int]]:
    """The office's periods of constant windows within the arrival days.

    Returns
    -------
    list of (int, int, int)
        First day, day after the last (days since the run's start) and windows, in date order; one period
        ``(0, days, windows)`` without steps.
    """
    counts = servers_by_day(office.windows, office.windows_from, days)
    edges = [0, *(np.flatnonzero(np.diff(counts)) + 1).tolist(), days]
    return [(a, b, int(counts[a])) for a, b in itertools.pairwise(edges) if b > a]


def migrant_peaks(scenario: Scenario) -> list[float]:
    """Per office, the largest expected daily number of local applicants over the run (migrant demand).

    The figure is scaled to a day of weekday weight 1, like ``applicants_per_day``.
    """
    if scenario.geography is None or scenario.migrant_demand is None:
        return [office.applicants_per_day for office in scenario.offices]
    return [_largest(days) for days in _migrant_days(scenario)]


def _migrant_days(scenario: Scenario) -> list[NDArray[np.float64]]:
    """Per office, the expected local applicants of each arrival day scaled to a day of weekday weight 1."""
    if scenario.geography is None or scenario.migrant_demand is None:
        return [np.full(scenario.run.days, office.applicants_per_day) for office in scenario.offices]
    out = []
    for _, calendar, volumes in scenario_volumes(scenario, scenario.run.days):
        daily = volumes.local.sum(axis=(1, 2))
        weights = np.array([day_weight(scenario.demand, calendar, d) for d in range(scenario.run.days)])
        out.append(np.divide(daily, weights, out=np.zeros_like(daily), where=weights > 0))
    return out


def _largest(values: NDArray[np.float64]) -> float:
    return float(values.max()) if values.size else 0.0


def _dates(scenario: Scenario, first: int, last: int) -> str:
    """``2022-10-01 to 2022-12-31``: arrival days ``first .. last - 1`` as dates."""
    start = scenario.run.start
    return f"{start + dt.timedelta(days=first)} to {start + dt.timedelta(days=last - 1)}"


def peak_load(
    scenario: Scenario, office: Office, applicants_per_day: float | None = None, *, windows: int | None = None
) -> PeakLoad:
    """The peak hour of ``office`` and its M/M/c figures.

    Parameters
    ----------
    scenario
        The scenario (demand profiles).
    office
        The office.
    applicants_per_day
        Applicants on a day of weekday weight 1; the office's own ``applicants_per_day`` when omitted.
    windows
        Windows (servers); the office's ``windows`` (its count before any ``windows_from`` step) when omitted.

    Returns
    -------
    PeakLoad
        The busiest hour; an office with no demand gives a zero arrival rate.
    """
    applicants = office.applicants_per_day if applicants_per_day is None else applicants_per_day
    volume = applicants + office.background_per_day
    service = 0.0
    if volume > 0:
        service = (
            applicants * Distribution(office.intake_minutes).mean
            + office.background_per_day * Distribution(office.background_minutes).mean
        ) / volume
    servers = office.windows if windows is None else windows
    best_rate, best_when = 0.0, "-"
    offered = staffed = 0.0
    for weekday, weight in enumerate(scenario.demand.weekday_profile):
        periods = office.hours.weekdays if weekday < 5 else office.hours.weekend
        staffed += servers * sum(b - a for a, b in periods)
        shape = day_shape(periods, scenario.demand.hour_profile)
        if shape.empty:
            continue
        offered += volume * weight * service
        previous = 0.0
        for start, width, cumulative in zip(shape.starts, shape.widths, shape.cumulative, strict=True):
            rate = volume * weight * (float(cumulative) - previous) / float(width)
            previous = float(cumulative)
            if rate > best_rate * (1 + 1e-9):
                best_rate, best_when = rate, f"{WEEKDAY_NAMES[weekday]} {int(start // 60):02d}:{int(start % 60):02d}"
    queue = MMc(servers=servers, arrival_rate_per_minute=best_rate, mean_service_minutes=max(service, 1e-9))
    mean = offered / staffed if staffed > 0 else (math.inf if offered > 0 else 0.0)
    closes = not never_closes(scenario, office)
    carries = not closes or office.at_closing == "return_next_day"
    return PeakLoad(office.name, best_when, queue, mean, not closes, carries, office.max_in_office > 0)


def never_closes(scenario: Scenario, office: Office) -> bool:
    """Whether ``office`` is open around the clock on every arrival day of the run (no closing instant at all).

    Periods that end at midnight and start again at midnight are one opening; an official holiday closes it.
    """
    if sum(b - a for a, b in office.hours.weekdays) < MINUTES_PER_DAY:
        return False
    if sum(b - a for a, b in office.hours.weekend) < MINUTES_PER_DAY:
        return False
    calendar = Calendar(scenario.run.start, office.hours, scenario.holidays)
    return not any(calendar.is_holiday(day) for day in range(scenario.run.days))


@dataclass(frozen=True)
class ReviewerLoad:
    """A hukou province's reviewers at full rollout.

    Attributes
    ----------
    province : str
        Province name.
    requests_per_year : float
        Verification requests a year when every pair is enabled at full take-up.
    utilisation : float
        Offered review minutes over the reviewers' working minutes in a year (rho; inf without reviewers).
    """

    province: str
    requests_per_year: float
    utilisation: float


def reviewer_loads(scenario: Scenario) -> list[ReviewerLoad]:
    """Long-run reviewer utilisation per hukou province once everything is enabled (rejections add reviews).

    The reviewers are those at work on the run's last arrival day: with staffing by date (``reviewers_from``), the
    staff in place when the rollout is complete, not the count before the first step.
    """
    yearly = _requests_per_year(scenario)
    loads = []
    for province in scenario.provinces:
        weekly = sum(b - a for a, b in province.hours.weekdays) * 5 + sum(b - a for a, b in province.hours.weekend) * 2
        reviewers = servers_on(province.reviewers, province.reviewers_from, scenario.run.days - 1)
        capacity = reviewers * weekly * 52.0 * 0.96  # about 11 public holidays a year
        requests = yearly.get(province.name, 0.0) / (1.0 - province.reject_probability)
        offered = requests * Distribution(province.review_minutes).mean
        rho = offered / capacity if capacity > 0 else (np.inf if offered > 0 else 0.0)
        loads.append(ReviewerLoad(province.name, requests, float(rho)))
    return loads


def _requests_per_year(scenario: Scenario) -> dict[str, float]:
    geo, spec = scenario.geography, scenario.migrant_demand
    if geo is not None and spec is not None:
        rate = spec.rate
        return {p.name: rate * sum(geo.migrants[i]) for i, p in enumerate(geo.provinces)}
    yearly: dict[str, float] = {}
    for office in scenario.offices:
        open_days = 5 * 52.0 if office.hours.weekdays else 0.0
        open_days += 2 * 52.0 if office.hours.weekend else 0.0
        for name, share in office.origins:
            yearly[name] = yearly.get(name, 0.0) + share * office.applicants_per_day * open_days
    return yearly


def calendar_warnings(scenario: Scenario) -> list[str]:
    """A warning when the run's arrival days go past the last year its holiday table covers.

    Days past the table are ordinary days: a Golden Week there would be simulated as open working days.
    """
    if not scenario.holidays:
        return []
    last = max(day for day, _ in scenario.holidays)
    if scenario.run.end.year <= last.year:
        return []
    return [
        f"warning: the holiday table ends in {last.year} but the run goes to {scenario.run.end}: official holidays "
        f"after {last.year} are treated as ordinary days"
    ]


def load_warnings(scenario: Scenario, peaks: list[PeakLoad] | None = None) -> list[str]:
    """The warnings ``rollout-sim validate`` and ``run`` print and the report shows.

    Overloaded offices at their peak hour first, then a run past its holiday table (:func:`calendar_warnings`),
    then hukou reviewers who cannot keep up at full rollout.

    Parameters
    ----------
    scenario
        A validated scenario.
    peaks
        Its :func:`peak_loads`, when already computed.

    Returns
    -------
    list of str
        One line each, starting ``warning:``; empty when nothing is overloaded.
    """
    lines = [office_warning(p) for p in (peak_loads(scenario) if peaks is None else peaks) if not p.queue.stable]
    lines += calendar_warnings(scenario)
    lines += [
        f"warning: the reviewers of {load.province!r} cannot keep up at full rollout: "
        f"{load.requests_per_year:,.0f} reviews a year, rho = {load.utilisation:.2f} >= 1; once it is complete "
        f"their inbox grows without bound, and {NO_STEADY_STATE}"
        for load in reviewer_loads(scenario)
        if load.utilisation >= 1
    ]
    return lines


def office_warning(peak: PeakLoad) -> str:
    """The warning for an office overloaded at its peak hour (rho >= 1), saying whether its queue ever drains.

    Parameters
    ----------
    peak
        The office's :func:`peak_load`, with ``rho >= 1``.

    Returns
    -------
    str
        One line starting ``warning:``: the queue grows until closing (an office that closes), through the busy
        hours (one that never closes but whose week's mean load is below 1), or without bound over the run.
    """
    staffing = f"; {peak.queue.servers} windows, {peak.staffing}" if peak.staffing else ""
    head = (
        f"warning: office {peak.office!r} is overloaded at its peak hour ({peak.when}{staffing}): "
        f"rho = {peak.queue.utilisation:.2f} >= 1"
    )
    week = f"its mean load over the week is rho {peak.mean_utilisation:.2f}"
    if peak.unbounded:
        why = "it never closes" if peak.never_closes else "its queue comes back the next day"
        return f"{head}; {why} and {week} >= 1: the queue grows without bound over the run, and {NO_STEADY_STATE}"
    if peak.bounded:
        return f"{head}; max_in_office turns away those who find it full, so its queue is bounded"
    if peak.never_closes:
        return f"{head}; it never closes and {week} < 1: the queue grows through the busy hours and drains after them"
    return f"{head}, the queue grows until closing"
