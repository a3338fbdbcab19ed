"""CSV data tables read as strictly as scenario files: the file, the header and every cell, one line per error.

The rules every table follows, whatever its columns:

- the file is UTF-8 text (a leading byte-order mark is allowed, so is CRLF), with no NUL character, and valid CSV
  (every quoted cell is closed);
- the first row is the header: it names each column once, only known columns, and every required column;
- every other row has as many cells as the header; blank rows are allowed only at the end of the file.

Rows are numbered as a spreadsheet shows them: the header is row 1. Errors name the place as ``header``,
``header, column N``, ``row N`` or ``row N, column NAME``, and show the offending value (see
:class:`~sim.scenario.errors.ScenarioError`).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.errors import ScenarioError

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark, which spreadsheet programs write at the start of a "CSV UTF-8" file."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CSV_PROBLEMS = {"unexpected end of data": "a quoted cell is never closed"}


@dataclass(frozen=True)
class Columns:
    """The columns a table may have.

    Attributes
    ----------
    required : tuple of str
        Columns every file must have.
    optional : tuple of str
        Columns a file may have; their cells are checked when present.
    """

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        """Every column the table may have, required first."""
        return self.required + self.optional


class Row:
    """One data row: its cells by column name, and its place in the file for error messages.

    Every reader method checks one cell and raises :class:`ScenarioError` naming the row, the column, the rule and
    the cell as written.

    Parameters
    ----------
    shown
        How the file is named in error messages.
    row_number
        The row number (the header is row 1).
    cells
        Cell text by column name.
    """

    def __init__(self, shown: str, row_number: int, cells: dict[str, str]) -> None:
        self.shown = shown
        self.row_number = row_number
        self.cells = cells

    def fail(self, column: str, rule: str) -> ScenarioError:
        """The error for the cell of ``column`` (not raised, so callers write ``raise row.fail(...)``)."""
        return ScenarioError(self.shown, f"row {self.row_number}, column {column}", rule, self.cells[column])

    def given(self, column: str) -> bool:
        """Whether the table has ``column`` and this row's cell in it is not empty."""
        return bool(self.cells.get(column))

    def text(self, column: str) -> str:
        """A non-empty cell without leading or trailing spaces."""
        value = self.cells[column]
        if not value:
            raise self.fail(column, "must not be empty")
        if value != value.strip():
            raise self.fail(column, "must not start or end with a space")
        return value

    def choice(self, column: str, choices: tuple[str, ...]) -> str:
        """One of ``choices``, written exactly (a close miss is named)."""
        value = self.cells[column]
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise self.fail(column, f"must be {', '.join(choices[:-1])} or {choices[-1]}{hint}")
        return value

    def code(self, column: str, digits: int) -> str:
        """A code of exactly ``digits`` decimal digits."""
        value = self.cells[column]
        if not re.fullmatch(rf"\d{{{digits}}}", value):
            raise self.fail(column, f"must be a {digits}-digit code")
        return value

    def number(
        self, column: str, low: float, high: float = math.inf, *, low_open: bool = False, note: str = ""
    ) -> float:
        """A finite decimal number (``12``, ``-0.5``, ``1e6``) in ``[low, high]`` (``(low, high]`` if ``low_open``).

        ``note`` follows the range in the rule, e.g. `` (a longitude in China)``.
        """
        value = self.cells[column]
        if not _NUMBER.fullmatch(value):
            raise self.fail(column, "must be a finite number" if _NON_FINITE.fullmatch(value) else "must be a number")
        number = float(value)
        if not math.isfinite(number) or (number <= low if low_open else number < low) or number > high:
            raise self.fail(column, range_rule("a number", low, high, low_open=low_open) + note)
        return number

    def integer(self, column: str, low: int, high: int) -> int:
        """A whole number written with digits only, within ``[low, high]``."""
        value = self.cells[column]
        if not _INTEGER.fullmatch(value) or not low <= int(value) <= high:
            raise self.fail(column, range_rule("an integer", low, high))
        return int(value)

    def date(self, column: str) -> dt.date:
        """A calendar date written ``YYYY-MM-DD``."""
        value = self.cells[column]
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(column, "must be a date YYYY-MM-DD") from None

    def unique(self, column: str, seen: dict[Hashable, int], key: Hashable = None, scope: str = "") -> None:
        """Record the cell of ``column`` (or ``key``) in ``seen``; a value an earlier row had breaks the rule.

        Parameters
        ----------
        column
            The column named in the error.
        seen
            Values met so far, each with the row that first had it; updated.
        key
            What must be unique, when not the cell itself (a pair of cells, a parsed date).
        scope
            Words after "must be unique" that say within what (`` for origin Sichuan``).
        """
        first = seen.setdefault(self.cells[column] if key is None else key, self.row_number)
        if first != self.row_number:
            raise self.fail(column, f"must be unique{scope} (also on row {first})")


def range_rule(kind: str, low: float, high: float = math.inf, *, low_open: bool = False) -> str:
    """The rule text of a range, as the scenario reader writes it: ``must be a number > 0 and <= 2000000000``.

    Parameters
    ----------
    kind
        ``a number`` or ``an integer``.
    low, high
        The bounds; ``high`` may be infinite.
    low_open
        Whether ``low`` itself is excluded.

    Returns
    -------
    str
        The rule.
    """
    lo = f"> {number_text(low)}" if low_open else f">= {number_text(low)}"
    return f"must be {kind} {lo}" if math.isinf(high) else f"must be {kind} {lo} and <= {number_text(high)}"


def number_text(x: float) -> str:
    """A number as a rule shows it: ``12`` for a whole number, else its shortest form."""
    return str(int(x)) if float(x).is_integer() else str(x)


def read_rows(path: Path, shown: str, columns: Columns) -> list[Row]:
    """Read a CSV data table, checking the file, the header and the shape of every row.

    Parameters
    ----------
    path
        The file to read.
    shown
        How the file is named in error messages.
    columns
        The columns the table must and may have.

    Returns
    -------
    list of Row
        The data rows in file order (possibly none).

    Raises
    ------
    ScenarioError
        If the file cannot be read, is not UTF-8 text or not valid CSV, is empty, has an unknown, repeated or
        missing column, a blank row before its last row, or a row whose cell count differs from the header's.
    """
    records = _records(_decode(path, shown), shown)
    while records and not records[-1]:
        records.pop()
    if not records:
        raise ScenarioError(shown, "header", f"must name the columns {', '.join(columns.required)}, got an empty file")
    header = _header(records[0], shown, columns)
    return [_row(record, number, header, shown) for number, record in enumerate(records[1:], start=2)]


def _decode(path: Path, shown: str) -> str:
    """The file's text: UTF-8, an optional byte-order mark dropped, no NUL character."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(shown, "file", f"cannot be read ({exc.strerror})") from None
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        rule = f'must be UTF-8 text, got the byte 0x{data[exc.start]:02X} (save the file as "CSV UTF-8")'
        raise ScenarioError(shown, f"row {row}", rule) from None
    if "\0" in text:
        row = text[: text.index("\0")].count("\n") + 1
        raise ScenarioError(shown, f"row {row}", "must be text, got a NUL character")
    return text


def _records(text: str, shown: str) -> list[list[str]]:
    """The CSV records, blank lines included as empty lists (so that record ``i`` is row ``i + 1``)."""
    records: list[list[str]] = []
    try:
        records.extend(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        problem = _CSV_PROBLEMS.get(str(exc), str(exc))
        raise ScenarioError(shown, f"row {len(records) + 1}", f"must be valid CSV ({problem})") from None
    return records


def _header(names: list[str], shown: str, columns: Columns) -> list[str]:
    """Check the header: known columns, each once, every required one."""
    for number, name in enumerate(names, start=1):
        if name not in columns.known:
            close = difflib.get_close_matches(name, columns.known, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"the columns are {', '.join(columns.known)}"
            raise ScenarioError(shown, f"header, column {number}", f"unknown column ({hint})", name)
        if names.index(name) < number - 1:
            rule = f"must be unique (also column {names.index(name) + 1})"
            raise ScenarioError(shown, f"header, column {number}", rule, name)
    for name in columns.required:
        if name not in names:
            raise ScenarioError(shown, "header", f'missing column "{name}"', ",".join(names))
    return names


def _row(record: list[str], number: int, header: list[str], shown: str) -> Row:
    if not record:
        raise ScenarioError(shown, f"row {number}", "must not be blank (blank rows may only end the file)")
    if len(record) != len(header):
        raise ScenarioError(shown, f"row {number}", f"must have {len(header)} cells, like the header", len(record))
    return Row(shown, number, dict(zip(header, record, strict=True)))
