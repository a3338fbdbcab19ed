"""Expected monthly workload of each office's windows, computed from expected volumes (no simulation).

The windows of an office serve three kinds of visit: local ID business (background), first-application intakes
(the first visit and each revisit after a rejection) and, with ``delivery = "window"``, card pickups. Per office and
calendar month, the offered load is

    offered minutes = local visits x mean local service + intakes x mean intake + pickups x mean pickup

and the utilisation is offered minutes / staffed window-minutes of the month (each day's windows x its opening
minutes, summed: with staffing by date, ``windows_from``, the windows of each day). Volumes are the expected ones
the arrival process uses: local visits are ``background_per_day x weekday weight`` on every open day, applicants
come from :func:`sim.world.demand.scenario_volumes` (or ``applicants_per_day x weekday weight`` without migrant
demand), every applicant of hukou province ``o`` makes ``1 / (1 - reject_probability_o)`` intakes on average, and
a pickup follows its applicant's first intake after the mean lead time (review, production working days at 7/5
calendar days each, shipping and the pickup delay), rounded to whole days. Rework visits are put in the month of
the first visit.

The month's busiest hour puts its mean day of weight 1 (offered minutes / the month's weight-days) into the
busiest hour of the week: the largest weekday weight x share of a day's arrivals per minute, as
:mod:`sim.world.peak` finds it, but over all visits, pickups included, over the month's fewest windows (a step
within the month counts from its date in the utilisation, but the busiest hour is judged at the smaller count,
the conservative side). This is the yardstick for sizing windows; :mod:`sim.world.peak` gives the Erlang C check
of the busiest day's busiest hour (applicants and local visits, without pickups) that ``validate`` prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Office, Scenario
from sim.world.arrivals import day_shape
from sim.world.calendar import Calendar
from sim.world.demand import day_weight, scenario_volumes
from sim.world.distributions import Distribution
from sim.world.staff import servers_by_day

REVIEW_DAYS = 1.0
"""Allowance for the link, the reviewers' inbox and the production batch before production starts, days."""
CALENDAR_DAYS_PER_WORKING_DAY = 7.0 / 5.0
"""Calendar days per working day, to turn production working days into a lag in days."""


@dataclass(frozen=True)
class MonthLoad:
    """One office's expected workload in one calendar month.

    Attributes
    ----------
    office : str
        Office name.
    month : datetime.date
        First day of the month.
    windows : int
        Windows (clerks) of the office: the fewest on any day of the month (staffing by date).
    open_minutes : float
        Minutes the office is open in the month (within the run), minutes.
    staffed_minutes : float
        Window-minutes staffed in the month: each day's windows x its open minutes, summed.
    open_days : int
        Days the office opens in the month (within the run).
    local_visits : float
        Expected local ID visits (background business) in the month.
    applicants : float
        Expected first applicants (first visits) in the month.
    intakes : float
        Expected intake visits: first visits plus revisits after a rejection.
    pickups : float
        Expected pickup visits at the windows in the month (0 unless ``delivery = "window"``).
    offered_minutes : float
        Expected service minutes the month's visits bring to the windows, minutes.
    weight_days : float
        Sum of the weekday weights of the month's open days (days of weight 1 the month's volume is spread over).
    busiest_hour_utilisation : float
        Offered load in the week's busiest hour on the month's mean day, over the month's fewest windows (rho).
    """

    office: str
    month: dt.date
    windows: int
    open_minutes: float
    staffed_minutes: float
    open_days: int
    local_visits: float
    applicants: float
    intakes: float
    pickups: float
    offered_minutes: float
    weight_days: float
    busiest_hour_utilisation: float

    @property
    def utilisation(self) -> float:
        """Offered minutes over staffed window minutes (0 for a month without opening minutes)."""
        staffed = self.staffed_minutes
        return self.offered_minutes / staffed if staffed > 0 else 0.0


def pickup_lag_days(scenario: Scenario) -> int:
    """Mean days from a first intake to the pickup visit, rounded to whole days.

    Review allowance (:data:`REVIEW_DAYS`), production working days at 7/5 calendar days each, shipping days and
    the pickup delay, all at their means.
    """
    production = scenario.production
    days = (
        REVIEW_DAYS
        + Distribution(production.working_days).mean * CALENDAR_DAYS_PER_WORKING_DAY
        + Distribution(production.shipping_days).mean
        + Distribution(production.pickup_after_days).mean
    )
    return round(days)


def office_month_loads(scenario: Scenario) -> list[tuple[MonthLoad, ...]]:
    """Per office (scenario order), its expected workload in every calendar month of the run.

    Parameters
    ----------
    scenario
        A validated scenario, with or without demand from migrant stocks.

    Returns
    -------
    list of tuple of MonthLoad
        One tuple per office, months in date order.
    """
    days = scenario.run.days
    lag = pickup_lag_days(scenario)
    reject = {p.name: p.reject_probability for p in scenario.provinces}
    result = []
    if scenario.migrant_demand is None:
        for office in scenario.offices:
            calendar = Calendar(scenario.run.start, office.hours, scenario.holidays)
            result.append(_months(scenario, office, calendar, _own_intakes(scenario, office, calendar, reject), lag))
        return result
    names = [p.name for p in scenario.geography.provinces] if scenario.geography is not None else []
    factor = np.array([1.0 / (1.0 - reject.get(name, 0.0)) for name in names])
    for office, calendar, volumes in scenario_volumes(scenario, days):
        by_province = volumes.local.sum(axis=2)  # (days, provinces)
        applicants = by_province.sum(axis=1)
        intakes = by_province @ factor if factor.size else applicants
        result.append(_months(scenario, office, calendar, (applicants, intakes), lag))
    return result


def busiest_months(scenario: Scenario) -> list[MonthLoad]:
    """Per office (scenario order), the month of the run with the highest utilisation (the earliest on a tie)."""
    return [max(months, key=lambda m: m.utilisation) for months in office_month_loads(scenario)]


def _own_intakes(
    scenario: Scenario, office: Office, calendar: Calendar, reject: dict[str, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Applicants and intakes per day of an office with its own ``applicants_per_day``."""
    weights = np.array([day_weight(scenario.demand, calendar, d) for d in range(scenario.run.days)])
    applicants = office.applicants_per_day * weights
    factor = sum(share / (1.0 - reject.get(name, 0.0)) for name, share in office.origins) if office.origins else 1.0
    return applicants, applicants * factor


def _months(
    scenario: Scenario,
    office: Office,
    calendar: Calendar,
    visits: tuple[NDArray[np.float64], NDArray[np.float64]],
    lag: int,
) -> tuple[MonthLoad, ...]:
    """Sum one office's daily expected visits and opening minutes into calendar months."""
    applicants, intakes = visits
    days = scenario.run.days
    weights = np.array([day_weight(scenario.demand, calendar, d) for d in range(days)])
    local = office.background_per_day * weights
    pickups = np.zeros(days)
    if scenario.provinces and office.delivery == "window" and lag < days:
        pickups[lag:] = applicants[: days - lag]
    minutes = (
        local * Distribution(office.background_minutes).mean
        + intakes * Distribution(office.intake_minutes).mean
        + pickups * Distribution(office.pickup_minutes).mean
    )
    opening = np.array([calendar.open_minutes(d) for d in range(days)])
    months = np.array([_month_index(calendar.date(d)) for d in range(days)])
    windows = servers_by_day(office.windows, office.windows_from, days)
    peak = busiest_hour_share(scenario, office)
    result = []
    for key in np.unique(months).tolist():
        sel = months == key
        weight_days = float(weights[sel].sum())
        per_day = float(minutes[sel].sum()) / weight_days if weight_days > 0 else 0.0
        fewest = int(windows[sel].min())
        result.append(
            MonthLoad(
                office=office.name,
                month=dt.date(key // 12, key % 12 + 1, 1),
                windows=fewest,
                open_minutes=float(opening[sel].sum()),
                staffed_minutes=float((windows[sel] * opening[sel]).sum()),
                open_days=int((opening[sel] > 0).sum()),
                local_visits=float(local[sel].sum()),
                applicants=float(applicants[sel].sum()),
                intakes=float(intakes[sel].sum()),
                pickups=float(pickups[sel].sum()),
                offered_minutes=float(minutes[sel].sum()),
                weight_days=weight_days,
                busiest_hour_utilisation=per_day * peak / fewest,
            )
        )
    return tuple(result)


def busiest_hour_share(scenario: Scenario, office: Office) -> float:
    """The largest weekday weight x share of a day's arrivals per minute over the office's week, per minute.

    Multiplied by a day's volume of weight 1 it gives the arrival rate (per minute) of the busiest hour; multiplied
    by a day's offered minutes, the offered load (Erlangs) in that hour.
    """
    best = 0.0
    for weekday, weight in enumerate(scenario.demand.weekday_profile):
        periods = office.hours.weekdays if weekday < 5 else office.hours.weekend
        shape = day_shape(periods, scenario.demand.hour_profile)
        if shape.empty:
            continue
        mass = np.diff(np.concatenate(([0.0], shape.cumulative)))
        best = max(best, weight * float(np.max(mass / shape.widths)))
    return best


def _month_index(date: dt.date) -> int:
    return date.year * 12 + date.month - 1
