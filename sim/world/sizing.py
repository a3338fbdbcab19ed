"""Analytic first guesses for staffing: windows per office from Erlang C, reviewers per province from their load.

Windows: every calendar month's busiest hour (:func:`sim.world.workload.office_month_loads`: the month's mean day
of weight 1 put into the week's busiest hour, pickups and revisits included) is taken as a stationary M/M/c, and
an office gets the fewest windows ``c`` at which that queue is stable and its figure meets the bound in every
month. The figure of an M/M/c is chosen by :data:`Criterion`: the mean wait ``C / (c mu - lambda)``, a quantile
of the wait (``P(W > t) = C exp(-(c mu - lambda) t)``), the share waiting over a threshold, the mean queue length,
or only stability; utilisation is offered minutes over ``c`` x opening minutes of the month. Local business that
scales with windows (``background.per_window_day``) is taken at today's windows.

Reviewers: :func:`sim.world.peak.reviewer_loads` at full rollout, per reviewer: a bound ``u`` on utilisation needs
``ceil(rho_1 / u)`` reviewers, any other bound at least a stable inbox (``floor(rho_1) + 1``).

These are first guesses: a peak hour rarely reaches its steady state, so they tend to be high, and the search of
:mod:`sim.experiment.size` confirms and refines them by simulation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Literal, TypeAlias

from sim.scenario.schema import Scenario
from sim.theory import MMc
from sim.world.peak import reviewer_loads
from sim.world.workload import MonthLoad, busiest_hour_share, office_month_loads

Criterion: TypeAlias = Literal["mean_wait", "quantile", "exceeds", "queue", "utilisation", "stable"]
"""Which M/M/c figure a bound is on (see the module docstring)."""


@dataclasses.dataclass(frozen=True)
class Bound:
    """An upper bound on an M/M/c figure of the busiest hour.

    Attributes
    ----------
    criterion : Criterion
        The figure.
    value : float
        The bound: minutes for waits, persons for the queue, a share for utilisation and the share over.
    level : float
        For ``quantile``: the probability level (0.9 for the 90th percentile); for ``exceeds``: the threshold,
        minutes. Unused otherwise.
    """

    criterion: Criterion
    value: float
    level: float = math.nan


def month_queue(month: MonthLoad, share: float, windows: int) -> MMc | None:
    """The busiest hour of a month's mean day as an M/M/c with ``windows`` servers; None without visits.

    Parameters
    ----------
    month
        The office's expected workload in the month.
    share
        :func:`~sim.world.workload.busiest_hour_share` of the office, per minute.
    windows
        Servers.
    """
    visits = month.local_visits + month.intakes + month.pickups
    if visits <= 0 or month.weight_days <= 0 or month.offered_minutes <= 0:
        return None
    service = month.offered_minutes / visits
    offered = month.offered_minutes / month.weight_days * share  # Erlangs in the busiest hour
    return MMc(servers=windows, arrival_rate_per_minute=offered / service, mean_service_minutes=service)


def meets(queue: MMc, bound: Bound) -> bool:
    """Whether a stable M/M/c's figure is within the bound (an unstable one meets no bound)."""
    if not queue.stable:
        return False
    figure = {
        "mean_wait": lambda: queue.mean_wait_minutes,
        "quantile": lambda: queue.wait_quantile(bound.level),
        "exceeds": lambda: queue.wait_exceeds(bound.level),
        "queue": lambda: queue.mean_queue_length,
        "stable": lambda: 0.0,
        "utilisation": lambda: queue.utilisation,
    }[bound.criterion]()
    return figure <= bound.value


def month_windows(month: MonthLoad, share: float, bound: Bound, cap: int) -> int:
    """The fewest windows (1 to ``cap``) whose busiest hour in ``month`` meets ``bound``; ``cap`` when none does."""
    if bound.criterion == "utilisation":
        if month.open_minutes <= 0 or month.offered_minutes <= 0:
            return 1
        needed = month.offered_minutes / (month.open_minutes * bound.value) if bound.value > 0 else math.inf
        return int(min(cap, max(1, math.ceil(needed - 1e-9))))
    for windows in range(1, cap + 1):
        queue = month_queue(month, share, windows)
        if queue is None:
            return 1
        if meets(queue, bound):
            return windows
    return cap


def analytic_windows(scenario: Scenario, bound: Bound, cap: int) -> list[int]:
    """Per office (scenario order), the fewest windows that meet ``bound`` in every month's busiest hour.

    Returns
    -------
    list of int
        Windows, from 1 to ``cap`` (``cap`` also when even it does not meet the bound).
    """
    result = []
    for office, months in zip(scenario.offices, office_month_loads(scenario), strict=True):
        share = busiest_hour_share(scenario, office)
        result.append(max((month_windows(m, share, bound, cap) for m in months), default=1))
    return result


def analytic_windows_by_month(scenario: Scenario, bound: Bound, cap: int) -> list[dict[dt.date, int]]:
    """Per office (scenario order), the fewest windows that meet ``bound`` in each month's busiest hour.

    Returns
    -------
    list of dict
        Per office, the first day of each month of the run to its windows (1 to ``cap``).
    """
    result = []
    for office, months in zip(scenario.offices, office_month_loads(scenario), strict=True):
        share = busiest_hour_share(scenario, office)
        result.append({m.month: month_windows(m, share, bound, cap) for m in months})
    return result


def analytic_reviewers(scenario: Scenario, utilisation: float | None, cap: int) -> list[int]:
    """Per province (scenario order), reviewers for a bound on their utilisation at full rollout, or for stability.

    Parameters
    ----------
    scenario
        The scenario.
    utilisation
        The bound on reviewer utilisation (a share), or None for the fewest that keep up (rho < 1).
    cap
        Most reviewers.

    Returns
    -------
    list of int
        Reviewers, from 1 to ``cap``; today's for a province without requests.
    """
    one = dataclasses.replace(
        scenario, provinces=tuple(dataclasses.replace(p, reviewers=1) for p in scenario.provinces)
    )
    result = []
    for province, load in zip(scenario.provinces, reviewer_loads(one), strict=True):
        rho = float(load.utilisation)  # offered work over one reviewer's working time
        if rho <= 0 or not math.isfinite(rho):
            result.append(province.reviewers if rho <= 0 else cap)
            continue
        if utilisation is None:
            needed: float = math.floor(rho) + 1
        else:
            needed = math.ceil(rho / utilisation - 1e-9) if utilisation > 0 else cap
        result.append(int(min(cap, max(1, needed))))
    return result
