"""The one error type a scenario file can raise, formatted as the one line a planner reads."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, cast

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
    text = toml_text(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
"""A TOML key that needs no quotes."""


def toml_text(value: Any) -> str:
    """Write a TOML value as TOML text, in full (reading it back as a TOML value gives ``value``).

    Parameters
    ----------
    value
        A value as :mod:`tomllib` returns it.

    Returns
    -------
    str
        One line of TOML: strings quoted, dates in ISO form, floats in shortest round-trip form.
    """
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        items = cast(dict[str, Any], value).items()
        return "{ " + ", ".join(f"{_key(k)} = {toml_text(v)}" for k, v in items) + " }" if items else "{}"
    return repr(value)


def _key(name: str) -> str:
    return name if BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)


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
