"""The one error type a scenario file can raise, formatted as the one line a planner reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

_MISSING = object()


def show(value: Any) -> str:
    """Render a scenario value the way it would be written in TOML, shortened to one line.

    Parameters
    ----------
    value
        Any value read from a scenario file or a data table.

    Returns
    -------
    str
        A short, single-line rendering: strings quoted, dates in ISO form, booleans as ``true``/``false``,
        tables as ``{ key = value }``.
    """
    text = _toml(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


class ScenarioError(Exception):
    """A scenario file (or a data table it names) breaks a rule.

    Attributes
    ----------
    file : str
        The file that holds the offending value.
    key : str
        Key path inside the file (``office.windows``, ``offices[0].hours``) or ``row 5, column date`` for a table.
    rule : str
        What the value must be, e.g. ``must be an integer >= 1``.
    value : Any
        The offending value; omitted from the message when not applicable.
    """

    def __init__(self, file: str, key: str, rule: str, value: Any = _MISSING) -> None:
        self.file = file
        self.key = key
        self.rule = rule
        self.value = value
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message: ``file: key: rule, got value``."""
        got = "" if self.value is _MISSING else f", got {show(self.value)}"
        return f"{self.file}: {self.key}: {self.rule}{got}"
