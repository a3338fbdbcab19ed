"""The public-holiday calendar a scenario names (``[calendar] holidays``), read with row and column in every error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.scenario.csv_rows import Columns, Row, read_rows

HOLIDAY_KINDS = ("holiday", "workday")

HOLIDAY_COLUMNS = Columns(("date", "kind"), ("name", "source"))
"""Columns of the holiday calendar: ``date`` and ``kind`` required, ``name`` and ``source`` optional."""

SATURDAY = 5
"""``date.weekday()`` of Saturday; Saturday and Sunday are the weekend."""


def read_holidays(path: Path, shown: str) -> tuple[tuple[dt.date, str], ...]:
    """Read the official holiday calendar.

    The file follows the rules of every data table (:mod:`sim.scenario.csv_rows`), and:

    - columns ``date`` and ``kind`` are required, ``name`` and ``source`` optional, no other column is allowed;
    - ``date`` is a date ``YYYY-MM-DD``, each date on one row only (so never both a holiday and a make-up day);
    - ``kind`` is ``holiday`` (an official day off) or ``workday`` (a 调休 make-up working day), written exactly;
    - a ``workday`` falls on a Saturday or Sunday (Monday to Friday are working days already);
    - ``name`` and ``source``, when the columns are there, are non-empty text without surrounding spaces;
    - a header with no rows is an empty calendar.

    Parameters
    ----------
    path
        The CSV file.
    shown
        How the file is named in error messages.

    Returns
    -------
    tuple of (datetime.date, str)
        Sorted by date; each date at most once.

    Raises
    ------
    ScenarioError
        At the first broken rule, naming the row, the column and the cell.
    """
    seen: dict[dt.date, tuple[int, str]] = {}
    for row in read_rows(path, shown, HOLIDAY_COLUMNS):
        day, kind = _holiday(row)
        first = seen.setdefault(day, (row.row_number, kind))
        if first[0] != row.row_number:
            raise row.fail("date", f"must be unique (row {first[0]} already makes it a {first[1]})")
    return tuple(sorted((day, kind) for day, (_, kind) in seen.items()))


def _holiday(row: Row) -> tuple[dt.date, str]:
    """One calendar row: its date and kind, the optional columns checked."""
    day = row.date("date")
    kind = row.choice("kind", HOLIDAY_KINDS)
    if kind == "workday" and day.weekday() < SATURDAY:
        raise row.fail("date", f"must be a Saturday or Sunday for a workday (a make-up day; it is a {day:%A})")
    for column in HOLIDAY_COLUMNS.optional:
        if column in row.cells:
            row.text(column)
    return day, kind
