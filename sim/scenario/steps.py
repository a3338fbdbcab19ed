"""Staffing by date: ``windows_from`` and ``reviewers_from``, tables of dates and counts.

``windows_from = { 2022-10-01 = 6, 2023-01-01 = 4 }`` gives an office 6 windows from 00:00 of 1 October 2022
and 4 from 1 January 2023; before the first date it has ``windows``. The dates must fall after the run's first
day and by its last arrival day; counts follow the rule of the count they change. An empty table, ``{}``, means
no steps (it clears steps that a base file or the ``[office]`` defaults give).
"""

from __future__ import annotations

import datetime as dt
import re

from sim.scenario.collect import Failed, need
from sim.scenario.reader import Table
from sim.scenario.schema import Run, Steps

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def staff_steps(table: Table, key: str, run: Run | Failed, *, low: int, high: int) -> Steps:
    """Read a table of dates and counts under ``key``.

    Parameters
    ----------
    table
        The table that holds it (``[office]``, an ``[[offices]]`` entry, ``[verification]``, ...).
    key
        ``windows_from`` or ``reviewers_from``.
    run
        The run; the dates must fall within it (skipped silently when the run broke a rule).
    low, high
        Bounds of each count.

    Returns
    -------
    tuple of (float, int)
        Minutes since the run's start (00:00 of each date) and the count from then on, by time.
    """
    raw = table.raw(key)
    if not isinstance(raw, dict):
        raise table.fail(key, "must be a table of dates and counts, e.g. { 2022-10-01 = 6 }", raw)
    horizon = need(run)
    by_date = table.table(key)
    steps = []
    for name in raw:
        day = _date(by_date, name)
        if not horizon.start < day <= horizon.end:
            first = horizon.start + dt.timedelta(days=1)
            raise by_date.fail(name, f"must be a date from {first} to {horizon.end} (the run)", name)
        steps.append(((day - horizon.start).days * 1440.0, by_date.integer(name, low=low, high=high)))
    return tuple(sorted(steps))


def _date(table: Table, name: str) -> dt.date:
    rule = "must be a date written as YYYY-MM-DD"
    if not _DATE.fullmatch(name):
        raise table.fail(name, rule, name)
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        raise table.fail(name, rule, name) from None
