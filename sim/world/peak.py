"""Peak-hour offered load of an office, for the analytic cross-check (Erlang C) before and beside a run.

The busiest hour is found over the week's day types (working weekdays, and weekends when open): its arrival rate
is the day's expected volume (applicants and background business, times the weekday weight) times the share of
the day's intensity that falls in that hour. Service time is the arrival-weighted mix of intake and background.
Treating that hour as a stationary M/M/c is an approximation: it flags an office that cannot keep up (rho >= 1)
and gives the order of magnitude of its waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.schema import Office, Scenario
from sim.theory import MMc
from sim.world.arrivals import day_shape
from sim.world.distributions import Distribution

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    """

    office: str
    when: str
    queue: MMc


def peak_load(scenario: Scenario, office: Office) -> PeakLoad:
    """The peak hour of ``office`` and its M/M/c figures.

    Parameters
    ----------
    scenario
        The scenario (demand profiles).
    office
        The office.

    Returns
    -------
    PeakLoad
        The busiest hour; an office with no demand gives a zero arrival rate.
    """
    volume = office.applicants_per_day + office.background_per_day
    service = 0.0
    if volume > 0:
        service = (
            office.applicants_per_day * Distribution(office.intake_minutes).mean
            + office.background_per_day * Distribution(office.background_minutes).mean
        ) / volume
    best_rate, best_when = 0.0, "-"
    for weekday, weight in enumerate(scenario.demand.weekday_profile):
        periods = office.hours.weekdays if weekday < 5 else office.hours.weekend
        shape = day_shape(periods, scenario.demand.hour_profile)
        if shape.empty:
            continue
        previous = 0.0
        for start, width, cumulative in zip(shape.starts, shape.widths, shape.cumulative, strict=True):
            rate = volume * weight * (float(cumulative) - previous) / float(width)
            previous = float(cumulative)
            if rate > best_rate * (1 + 1e-9):
                best_rate, best_when = rate, f"{WEEKDAY_NAMES[weekday]} {int(start // 60):02d}:{int(start % 60):02d}"
    queue = MMc(servers=office.windows, arrival_rate_per_minute=best_rate, mean_service_minutes=max(service, 1e-9))
    return PeakLoad(office.name, best_when, queue)
