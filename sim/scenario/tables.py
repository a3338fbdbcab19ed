"""CSV data tables that a scenario names (the public-holiday calendar), read with row and column in every error."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sim.scenario.errors import ScenarioError

HOLIDAY_KINDS = ("holiday", "workday")


def read_csv(path: Path, shown: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a UTF-8 CSV file whose header must hold the ``required`` columns.

    Parameters
    ----------
    path
        The file to read.
    shown
        How the file is named in error messages.
    required
        Column names that must be present.

    Returns
    -------
    list of dict
        One mapping per data row.
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else _header(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(shown, "file", f"cannot be read as UTF-8 CSV ({exc})") from None
    for column in required:
        if column not in header:
            raise ScenarioError(shown, "header", f'missing column "{column}"', ",".join(header))
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ScenarioError(shown, f"row {number}", f"must have {len(header)} cells, like the header")
    return rows


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def read_holidays(path: Path, shown: str) -> tuple[tuple[dt.date, str], ...]:
    """Read the official holiday calendar: columns ``date`` (ISO), ``kind`` (holiday | workday).

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
    """
    rows = read_csv(path, shown, ("date", "kind"))
    seen: dict[dt.date, str] = {}
    for number, row in enumerate(rows, start=2):
        try:
            day = dt.date.fromisoformat(row["date"] or "")
        except ValueError:
            raise ScenarioError(shown, f"row {number}, column date", "must be a date YYYY-MM-DD", row["date"]) from None
        kind = row["kind"]
        if kind not in HOLIDAY_KINDS:
            raise ScenarioError(shown, f"row {number}, column kind", "must be holiday or workday", kind)
        if day in seen:
            raise ScenarioError(shown, f"row {number}, column date", "appears twice", row["date"])
        seen[day] = kind
    return tuple(sorted(seen.items()))
