"""Typed, rule-checked access to a parsed TOML table, with key paths for error messages.

Every accessor names the rule it enforces, so the message a planner sees states it: ``must be an integer >= 1,
got 0``. Keys that no accessor asked for are reported by :meth:`Table.done` with a did-you-mean.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Mapping
from typing import Any

from sim.scenario.collect import Collector
from sim.scenario.errors import ScenarioError, combine

Origin = Callable[[str], str]
"""Maps a key path to the file that supplied its value (``extends`` chains merge several files)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Table:
    """A TOML table with its key path; hands out checked values and remembers which keys were read.

    Parameters
    ----------
    data
        The parsed table.
    path
        Its key path (``""`` for the root, ``office.background``, ``offices[2]``).
    origin
        Maps a key path to the file it came from.
    """

    def __init__(self, data: Mapping[str, Any], path: str, origin: Origin) -> None:
        self.data = data
        self.path = path
        self.origin = origin
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        """Return the full key path of ``name`` inside this table."""
        return f"{self.path}.{name}" if self.path else name

    def missing(self, name: str, rule: str) -> ScenarioError:
        """The error for a key that a rule requires but no file gives; it names the file the user loaded."""
        return ScenarioError(self.origin(""), self.key(name), rule)

    def fail(self, name: str, rule: str, value: Any) -> ScenarioError:
        """Build the error for key ``name`` (not raised, so callers write ``raise table.fail(...)``)."""
        full = self.key(name)
        return ScenarioError(self.origin(full), full, rule, value)

    def has(self, name: str) -> bool:
        """Whether the key is present (and mark it as read)."""
        self._seen.add(name)
        return name in self.data

    def raw(self, name: str, default: Any = None) -> Any:
        """The value as parsed, or ``default`` when absent."""
        self._seen.add(name)
        return self.data.get(name, default)

    def require(self, name: str) -> Any:
        """The value as parsed; a missing key is an error."""
        self._seen.add(name)
        if name not in self.data:
            full = self.key(name)
            raise ScenarioError(self.origin(""), full, "is required but missing" + self._typo_of(name))
        return self.data[name]

    def _typo_of(self, name: str) -> str:
        """Point at a present key that looks like a misspelling of the missing ``name``.

        That key then counts as read: :meth:`done` does not report it again as unknown.
        """
        close = difflib.get_close_matches(name, [k for k in self.data if k not in self._seen], n=1, cutoff=0.6)
        self._seen.update(close)
        return f' (is "{self.key(close[0])}" a typo?)' if close else ""

    def number(
        self,
        name: str,
        default: float | None = None,
        *,
        low: float = -math.inf,
        high: float = math.inf,
        low_open: bool = False,
        high_open: bool = False,
    ) -> float:
        """A finite number within ``[low, high]``; ``low_open`` / ``high_open`` exclude the bounds."""
        value = self.require(name) if default is None else self.raw(name, default)
        return self.check_number(name, value, low=low, high=high, low_open=low_open, high_open=high_open)

    def check_number(
        self, name: str, value: Any, *, low: float, high: float, low_open: bool = False, high_open: bool = False
    ) -> float:
        """Check an already fetched value against the number rule (see :meth:`number`)."""
        if not _is_number(value):
            raise self.fail(name, "must be a number", value)
        if not math.isfinite(value):
            raise self.fail(name, "must be a finite number", value)
        below = value <= low if low_open else value < low
        above = value >= high if high_open else value > high
        if below or above:
            raise self.fail(name, _range_rule("a number", low, high, low_open, high_open), value)
        return float(value)

    def integer(self, name: str, default: int | None = None, *, low: int, high: int) -> int:
        """An integer within ``[low, high]``."""
        value = self.require(name) if default is None else self.raw(name, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(name, _range_rule("an integer", low, high, False), value)
        if not low <= value <= high:
            raise self.fail(name, _range_rule("an integer", low, high, False), value)
        return value

    def text(self, name: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str:
        """A string, one of ``choices`` when given."""
        value = self.require(name) if default is None else self.raw(name, default)
        if not isinstance(value, str):
            raise self.fail(name, "must be a string", value)
        if choices and value not in choices:
            raise self.fail(name, f"must be one of {', '.join(choices)}{_did_you_mean(value, choices)}", value)
        return value

    def date(self, name: str) -> dt.date:
        """A TOML local date (``2022-08-01``, unquoted)."""
        value = self.require(name)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(name, "must be a date written as YYYY-MM-DD (unquoted)", value)
        return value

    def datetime(self, name: str) -> dt.datetime:
        """A TOML local date-time (``2022-09-13T09:00:00``, unquoted, no time zone: China Standard Time)."""
        value = self.require(name)
        if not isinstance(value, dt.datetime) or value.tzinfo is not None:
            raise self.fail(name, "must be a local date-time written as YYYY-MM-DDTHH:MM:SS (unquoted)", value)
        return value

    def numbers(self, name: str, *, length: int | None = None, low: float = 0.0) -> tuple[float, ...]:
        """A list of finite numbers >= ``low``, of the given length when stated."""
        value = self.require(name)
        if not isinstance(value, list) or not value:
            raise self.fail(name, "must be a non-empty list of numbers", value)
        if length is not None and len(value) != length:
            raise self.fail(name, f"must have {length} values, not {len(value)}", value)
        for i, item in enumerate(value):
            self.check_number(f"{name}[{i}]", item, low=low, high=math.inf)
        return tuple(float(v) for v in value)

    def table(self, name: str, *, required: bool = False) -> Table:
        """A sub-table (empty when absent and not required)."""
        value = self.require(name) if required else self.raw(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table", value)
        return Table(value, self.key(name), self.origin)

    def tables(self, name: str) -> list[Table]:
        """An array of tables (``[[offices]]``), empty when absent."""
        value = self.raw(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, "must be an array of tables ([[...]])", value)
        return [Table(v, f"{self.key(name)}[{i}]", self.origin) for i, v in enumerate(value)]

    def done(self, allowed: tuple[str, ...] = ()) -> None:
        """Reject keys that were never read (all of them at once), suggesting the closest known key for each."""
        known = self._seen | set(allowed)
        unknown = [name for name in self.data if name not in known]
        if unknown:
            choices = tuple(sorted(known))
            raise combine(
                self.fail(name, f"unknown key{_did_you_mean(name, choices)}", self.data[name]) for name in unknown
            )


def _range_rule(kind: str, low: float, high: float, low_open: bool, high_open: bool = False) -> str:
    if math.isinf(low) and math.isinf(high):
        return f"must be {kind}"
    lo = f"> {_num(low)}" if low_open else f">= {_num(low)}"
    hi = f"< {_num(high)}" if high_open else f"<= {_num(high)}"
    if math.isinf(high):
        return f"must be {kind} {lo}"
    if math.isinf(low):
        return f"must be {kind} {hi}"
    return f"must be {kind} {lo} and {hi}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def gather(table: Table, readers: Mapping[str, Callable[[], Any]], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read every key of ``table`` that has a reader, each on its own, then reject the keys nobody read.

    Parameters
    ----------
    table
        The table to read.
    readers
        Key to the function that reads and checks its value; keys the file leaves out are not read.
    extra
        Keys the caller reads itself (allowed by :meth:`Table.done`).

    Returns
    -------
    dict
        Key to value, for the keys the file gives.

    Raises
    ------
    ScenarioError
        Every broken rule among the keys, at once (see :func:`~sim.scenario.errors.combine`).
    """
    errors = Collector()
    fields = {key: errors.attempt(read) for key, read in readers.items() if table.has(key)}
    errors.attempt(lambda: table.done(extra))
    errors.raise_any()
    return fields
