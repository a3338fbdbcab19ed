"""Staff by day: a station's servers on each day of a run, from its count and its dated steps."""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Office, Province, Steps
from sim.scenario.staffing import staffing_of
from sim.world.calendar import MINUTES_PER_DAY


def servers_by_day(base: int, steps: Steps, days: int) -> NDArray[np.int64]:
    """Servers on each day ``0 .. days - 1``: ``base`` until the first step, then each step's count.

    Parameters
    ----------
    base
        Servers from the run's start.
    steps
        (minutes since the run's start at 00:00 of a day, servers from then on), by time.
    days
        Days to cover.

    Returns
    -------
    numpy.ndarray
        Shape (days,), servers (int64).
    """
    counts = np.full(days, base, dtype=np.int64)
    for moment, n in steps:
        counts[min(int(moment // MINUTES_PER_DAY), days) :] = n
    return counts


def servers_on(base: int, steps: Steps, day: int) -> int:
    """Servers on day ``day`` (days since the run's start): the count of the last step by then, else ``base``."""
    return next((n for moment, n in reversed(steps) if int(moment // MINUTES_PER_DAY) <= day), base)


def windows_by_day(offices: tuple[Office, ...], days: int) -> NDArray[np.int64]:
    """Windows of each office on each day, shape (offices, days)."""
    return np.array([servers_by_day(o.windows, o.windows_from, days) for o in offices], dtype=np.int64).reshape(
        len(offices), days
    )


def reviewers_by_day(provinces: tuple[Province, ...], days: int) -> NDArray[np.int64]:
    """Reviewers of each hukou province on each day, shape (provinces, days)."""
    return np.array([servers_by_day(p.reviewers, p.reviewers_from, days) for p in provinces], dtype=np.int64).reshape(
        len(provinces), days
    )


def staff_text(base: int | str, steps: Steps, start: dt.date) -> str:
    """A count (or its text) and its steps in words: ``4``, or ``4, 6 from 2022-10-01, 4 from 2023-01-01``."""
    _, dated = staffing_of(0, steps, start)
    return ", ".join([str(base), *(f"{n} from {day}" for day, n in dated)])
