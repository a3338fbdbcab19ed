"""The error a scenario file raises: one line a planner reads per broken rule, several rules at once."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
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


MAX_REPORTED = 20
"""Most errors :class:`ScenarioErrors` lists line by line; a last line counts the rest."""


class ScenarioErrors(ScenarioError):  # noqa: N818 (several errors, one exception: the plural says so)
    """Several independent broken rules of one scenario, in the order the loader met them.

    It is a :class:`ScenarioError` (its ``file``, ``key``, ``rule`` and ``value`` are the first error's), so every
    caller that reports ``error.message`` reports them all. Build it with :func:`combine`, which keeps a single
    error as the plain one-line :class:`ScenarioError`.

    Parameters
    ----------
    errors
        Two or more errors, none of them a :class:`ScenarioErrors`.
    """

    def __init__(self, errors: Sequence[ScenarioError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.file, first.key, first.rule, first.value)

    @property
    def message(self) -> str:
        """One line per error, at most :data:`MAX_REPORTED`, then ``... and N more errors``."""
        lines = [error.message for error in self.errors[:MAX_REPORTED]]
        more = len(self.errors) - MAX_REPORTED
        if more > 0:
            lines.append(f"... and {more} more error{'s' if more > 1 else ''}")
        return "\n".join(lines)


def flatten(errors: Iterable[ScenarioError]) -> list[ScenarioError]:
    """The single errors of ``errors`` in order (a :class:`ScenarioErrors` gives its own), each key path once.

    Parameters
    ----------
    errors
        Errors as caught, single or combined.

    Returns
    -------
    list of ScenarioError
        Single errors; of several about the same file and key path only the first is kept.
    """
    seen: set[tuple[str, str]] = set()
    result = []
    for error in errors:
        for single in error.errors if isinstance(error, ScenarioErrors) else (error,):
            if (single.file, single.key) not in seen:
                seen.add((single.file, single.key))
                result.append(single)
    return result


def combine(errors: Iterable[ScenarioError]) -> ScenarioError:
    """One error to raise for ``errors`` (at least one): the error itself when single, else :class:`ScenarioErrors`.

    Parameters
    ----------
    errors
        Errors as caught, single or combined.

    Returns
    -------
    ScenarioError
        A plain :class:`ScenarioError` when one remains after :func:`flatten`, else a :class:`ScenarioErrors`.
    """
    singles = flatten(errors)
    return singles[0] if len(singles) == 1 else ScenarioErrors(singles)
