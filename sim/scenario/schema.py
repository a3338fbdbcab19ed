"""The validated scenario: frozen dataclasses that the world and the model read, never raw TOML.

Units are in the names: minutes for times of day and durations at a window, days for calendar spans.
A time of day is minutes since 00:00 (``570.0`` is 09:30).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

DIST_KINDS = ("lognormal", "gamma", "exponential", "deterministic", "uniform", "triangular", "empirical")
"""Distribution families a scenario may name."""

AT_CLOSING = ("serve", "return_next_day")
"""What clerks do with a queue at closing time."""


@dataclass(frozen=True)
class DistSpec:
    """A validated distribution of a non-negative duration.

    Attributes
    ----------
    kind : str
        One of :data:`DIST_KINDS`.
    mean : float
        Mean in the quantity's unit (lognormal, gamma, exponential, deterministic).
    cv : float
        Coefficient of variation, sd / mean (lognormal, gamma).
    low, mode, high : float
        Bounds (uniform, triangular) in the quantity's unit.
    values : tuple of float
        Observed values to resample (empirical).
    """

    kind: str
    mean: float = 0.0
    cv: float = 0.0
    low: float = 0.0
    mode: float = 0.0
    high: float = 0.0
    values: tuple[float, ...] = ()


Period = tuple[float, float]
"""An opening period ``(open, close)`` in minutes since 00:00, half-open: open at ``open``, closed at ``close``."""


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours.

    Attributes
    ----------
    weekdays : tuple of Period
        Periods on Monday-Friday and on make-up working days (minutes since 00:00, sorted, disjoint).
    weekend : tuple of Period
        Periods on Saturday and Sunday; empty when closed at weekends.
    """

    weekdays: tuple[Period, ...]
    weekend: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Office:
    """One acceptance office (a service hall in a city).

    Attributes
    ----------
    name : str
        Unique office name.
    windows : int
        Clerks serving the one shared FIFO queue.
    hours : Hours
        Weekly opening hours; closed on official holidays.
    applicants_per_day : float
        Expected inter-provincial first applicants on an open day of weekday weight 1.
    intake_minutes : DistSpec
        Service time of a first-application intake, minutes.
    background_per_day : float
        Expected local ID visits (background business) on an open day of weekday weight 1.
    background_minutes : DistSpec
        Service time of a background visit, minutes.
    at_closing : str
        ``serve`` (clerks finish everyone queued at closing) or ``return_next_day`` (the queue is sent home and
        comes back at the next opening, ahead of new arrivals).
    """

    name: str
    windows: int
    hours: Hours
    applicants_per_day: float
    intake_minutes: DistSpec
    background_per_day: float
    background_minutes: DistSpec
    at_closing: Literal["serve", "return_next_day"] = "serve"


@dataclass(frozen=True)
class Demand:
    """How the daily volume is shaped over the week and the day.

    Attributes
    ----------
    weekday_profile : tuple of float
        Seven weights, Monday..Sunday, multiplying the daily volume on open days.
    hour_profile : tuple of float
        Twenty-four weights, 00:00..23:00: the relative arrival intensity in each hour while the office is open.
    """

    weekday_profile: tuple[float, ...] = (1.0,) * 7
    hour_profile: tuple[float, ...] = (1.0,) * 24


@dataclass(frozen=True)
class Run:
    """Horizon and replications.

    Attributes
    ----------
    start : datetime.date
        First simulated day; time 0 is its 00:00.
    end : datetime.date
        Last day on which applicants arrive (inclusive). Those still in the system then are served to the end.
    warm_up_days : int
        Leading days excluded from the statistics (the office starts empty).
    replications : int
        Independent replications.
    seed : int
        Root seed of the run's ``numpy.random.SeedSequence``.
    """

    start: dt.date
    end: dt.date
    warm_up_days: int = 0
    replications: int = 10
    seed: int = 1

    @property
    def days(self) -> int:
        """Number of arrival days in the horizon."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Report:
    """What the summary reports.

    Attributes
    ----------
    wait_threshold_minutes : float
        The summary gives the share of applicants who wait longer than this at the window.
    """

    wait_threshold_minutes: float = 30.0


@dataclass(frozen=True)
class Scenario:
    """A whole validated scenario.

    Attributes
    ----------
    name : str
        Scenario name (results go to ``results/<name>/``).
    file : str
        The file it was loaded from.
    run : Run
        Horizon, replications and seed.
    offices : tuple of Office
        The acceptance offices.
    demand : Demand
        Weekday and hour-of-day shape of arrivals.
    holidays : tuple of (datetime.date, str)
        Official calendar exceptions: ``holiday`` (closed) or ``workday`` (a make-up working day on a weekend).
    report : Report
        Reporting options.
    resolved : dict
        The merged TOML (after ``extends``) as plain data, written beside every result.
    """

    name: str
    file: str
    run: Run
    offices: tuple[Office, ...]
    demand: Demand
    holidays: tuple[tuple[dt.date, str], ...] = ()
    report: Report = Report()
    resolved: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
