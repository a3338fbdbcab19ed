"""Build ``holidays_cn.csv``, the Chinese official public-holiday calendar 2020-2026.

This is a maintainer script: it is run by hand to regenerate the CSV and is not
imported by the ``sim`` package. It needs the third-party package
``chinese-calendar`` (``pip install chinese-calendar==1.11.0``), which is
deliberately *not* a dependency of the project.

Source
------
Every year the General Office of the State Council publishes a notice on the
next year's holiday arrangements (国务院办公厅关于 YYYY 年部分节假日安排的通知).
``chinese-calendar`` 1.11.0 transcribes those notices, and this script reads
them through its public API (``chinese_calendar.get_holiday_detail``). The
2020 Spring Festival holiday was extended from 30 January to 2 February by a
separate notice (国务院办公厅关于延长2020年春节假期的通知); those three days
carry that notice as their source.

Version 1.11.0 covers every year from 2020 to 2026, so the CSV spans
2020-01-01 to 2026-12-31. Should an installed version stop earlier, the script
stops at the last covered year and prints which year that is.

Output
------
``holidays_cn.csv`` next to this script, sorted by date, with the columns

``date``
    ISO date, ``YYYY-MM-DD``.
``kind``
    ``holiday`` for every day of an official holiday period, including the
    weekend days inside the period; ``workday`` for a make-up working day
    (调休) that falls on a Saturday or Sunday. Ordinary weekends that are not
    part of a named holiday period are not listed.
``name``
    English name of the holiday, as ``chinese-calendar`` spells it (e.g.
    ``Spring Festival``, ``National Day``); for a make-up workday, the holiday
    it makes up for.
``source``
    The State Council notice the row comes from, and the package version.

Notes
-----
``chinese-calendar`` follows the literal wording of each notice. Where a
notice says only "放假，与周末连休" (a single day off joined to the weekend),
the adjoining weekend days may be absent: in 2020-2026 this concerns the 2024
Dragon Boat Festival, listed as 2024-06-10 only (2024-06-08/09 are plain
weekend days here).

Run it as ``python scenarios/data/build_holidays.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]

FIRST_YEAR = 2020
LAST_YEAR = 2026
OUTPUT = Path(__file__).resolve().parent / "holidays_cn.csv"
COLUMNS = ("date", "kind", "name", "source")
NEW_YEARS_DAY = "New Year's Day"
SATURDAY = 5

# Days added to the 2020 Spring Festival holiday by the extension notice of 2020-01-26.
SPRING_FESTIVAL_2020_EXTENSION = frozenset({dt.date(2020, 1, 31), dt.date(2020, 2, 1), dt.date(2020, 2, 2)})


def covered_years(first: int, last: int) -> list[int]:
    """Return the years in ``first..last`` that ``chinese_calendar`` has data for.

    Parameters
    ----------
    first, last : int
        Inclusive range of years wanted.

    Returns
    -------
    list of int
        Consecutive years from ``first`` up to the last covered year, possibly empty.
    """
    years: list[int] = []
    for year in range(first, last + 1):
        try:
            chinese_calendar.get_holiday_detail(dt.date(year, 12, 31))
        except NotImplementedError:
            break
        years.append(year)
    return years


def source_for(day: dt.date, name: str) -> str:
    """Return the source text for one row.

    Parameters
    ----------
    day : datetime.date
        Date of the row.
    name : str
        Holiday name of the row; a New Year's Day entry in December belongs to
        the next year's notice.

    Returns
    -------
    str
        Short description of the State Council notice and the package version.
    """
    version = chinese_calendar.__version__
    if day in SPRING_FESTIVAL_2020_EXTENSION:
        return (
            "State Council General Office notice on extending the 2020 Spring Festival holiday "
            f"(国务院办公厅关于延长2020年春节假期的通知), via chinese-calendar {version}"
        )
    notice_year = day.year + 1 if name == NEW_YEARS_DAY and day.month == 12 else day.year
    return (
        f"State Council General Office notice on the {notice_year} holiday arrangements "
        f"(国务院办公厅关于{notice_year}年部分节假日安排的通知), via chinese-calendar {version}"
    )


def build_rows(years: list[int]) -> list[dict[str, str]]:
    """Collect the holiday and make-up workday rows for ``years``.

    Parameters
    ----------
    years : list of int
        Years to cover, each fully supported by ``chinese_calendar``.

    Returns
    -------
    list of dict
        One mapping per CSV row, keyed by ``COLUMNS``, sorted by date.

    Raises
    ------
    ValueError
        If a make-up workday does not fall on a weekend.
    """
    rows: list[dict[str, str]] = []
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:
                if not is_holiday and day.weekday() < SATURDAY:
                    raise ValueError(f"make-up workday {day} is not on a weekend")
                kind = "holiday" if is_holiday else "workday"
                rows.append({"date": day.isoformat(), "kind": kind, "name": name, "source": source_for(day, name)})
            day += dt.timedelta(days=1)
    return sorted(rows, key=lambda row: row["date"])


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """Write ``rows`` to ``path`` as UTF-8 CSV with a header line.

    Parameters
    ----------
    rows : list of dict
        Rows keyed by ``COLUMNS``.
    path : pathlib.Path
        Destination file; overwritten.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> list[int]:
    """Regenerate ``holidays_cn.csv`` and return the years written.

    Returns
    -------
    list of int
        Years covered by the CSV.
    """
    years = covered_years(FIRST_YEAR, LAST_YEAR)
    if not years:
        raise SystemExit(f"chinese-calendar {chinese_calendar.__version__} has no data for {FIRST_YEAR}")
    write_csv(build_rows(years), OUTPUT)
    return years


if __name__ == "__main__":
    written = main()
    print(f"wrote {OUTPUT} for {written[0]}-{written[-1]} (chinese-calendar {chinese_calendar.__version__})")
    if written[-1] < LAST_YEAR:
        print(f"chinese-calendar has no data after {written[-1]}; stopped there")
