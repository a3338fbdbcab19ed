"""Readers for the value types scenario sections share: opening hours, times of day and distributions."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.scenario.reader import Table
from sim.scenario.schema import DIST_KINDS, DistSpec, Hours, Period

MAX_WINDOW_MINUTES = 600.0
"""Largest plausible mean service time at a window, minutes; larger values are rejected as absurd."""
_PERIOD_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})$")


def hours(table: Table) -> Hours:
    """Read ``{ weekdays = ["09:00-12:00", ...], weekend = [...] }`` (minutes since 00:00)."""
    weekdays = _periods(table, "weekdays") if table.has("weekdays") else ()
    weekend = _periods(table, "weekend") if table.has("weekend") else ()
    if not weekdays and not weekend:
        raise table.fail("weekdays", "at least one opening period is required", [])
    table.done()
    return Hours(weekdays=weekdays, weekend=weekend)


def time_of_day(table: Table, name: str, default: str) -> float:
    """Read a time of day ``"HH:MM"`` (00:00 to 23:59; an unquoted TOML time too) as minutes since 00:00."""
    raw = table.raw(name, default)
    if isinstance(raw, dt.time):
        return float(raw.hour * 60 + raw.minute)
    value = table.text(name, default)
    match = _TIME_RE.match(value)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise table.fail(name, 'must be a time of day "HH:MM" from 00:00 to 23:59', value)
    return float(int(match.group(1)) * 60 + int(match.group(2)))


def _periods(table: Table, name: str) -> tuple[Period, ...]:
    value = table.require(name)
    if not isinstance(value, list):
        raise table.fail(name, 'must be a list of "HH:MM-HH:MM" periods', value)
    periods = [_period(table, f"{name}[{i}]", item) for i, item in enumerate(value)]
    for i in range(1, len(periods)):
        if periods[i][0] < periods[i - 1][1]:
            raise table.fail(f"{name}[{i}]", "must start after the previous period closes", value[i])
    return tuple(periods)


def _period(table: Table, key: str, item: Any) -> Period:
    match = _PERIOD_RE.match(item) if isinstance(item, str) else None
    if match is None:
        raise table.fail(key, 'must be a period "HH:MM-HH:MM"', item)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    opening, closing = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or opening > 1440 or closing > 1440:
        raise table.fail(key, "must use times from 00:00 to 24:00", item)
    if closing <= opening:
        raise table.fail(key, "closing must be after opening", item)
    return float(opening), float(closing)


def dist(table: Table, name: str, max_mean: float) -> DistSpec:
    """Read a distribution table ``{ dist = "lognormal", mean = 13, cv = 0.4 }``.

    Parameters
    ----------
    table
        The table that holds the distribution under ``name``.
    name
        Its key.
    max_mean
        Largest plausible mean (and bound) in the quantity's unit; larger values are rejected as absurd.

    Returns
    -------
    DistSpec
        The validated distribution.
    """
    spec = table.table(name, required=True)
    kind = spec.text("dist", choices=DIST_KINDS)
    result = _DIST_READERS[kind](spec, max_mean)
    spec.done()
    return result


def _dist_mean_cv(spec: Table, high: float) -> DistSpec:
    kind = spec.text("dist")
    return DistSpec(
        kind,
        mean=spec.number("mean", low=0.0, high=high, low_open=True),
        cv=spec.number("cv", low=0.0, high=10.0, low_open=True),
    )


def _dist_exponential(spec: Table, high: float) -> DistSpec:
    return DistSpec("exponential", mean=spec.number("mean", low=0.0, high=high, low_open=True))


def _dist_deterministic(spec: Table, high: float) -> DistSpec:
    return DistSpec("deterministic", mean=spec.number("mean", low=0.0, high=high))


def _dist_uniform(spec: Table, high: float) -> DistSpec:
    low = spec.number("low", low=0.0, high=high)
    upper = spec.number("high", low=low, high=high, low_open=True)
    return DistSpec("uniform", low=low, high=upper)


def _dist_triangular(spec: Table, high: float) -> DistSpec:
    low = spec.number("low", low=0.0, high=high)
    upper = spec.number("high", low=low, high=high, low_open=True)
    mode = spec.number("mode", low=low, high=upper)
    return DistSpec("triangular", low=low, mode=mode, high=upper)


def _dist_empirical(spec: Table, high: float) -> DistSpec:
    values = spec.numbers("values", low=0.0)
    if max(values) > high:
        raise spec.fail("values", f"must all be <= {high:g}", max(values))
    return DistSpec("empirical", values=values)


_DIST_READERS: dict[str, Callable[[Table, float], DistSpec]] = {
    "lognormal": _dist_mean_cv,
    "gamma": _dist_mean_cv,
    "exponential": _dist_exponential,
    "deterministic": _dist_deterministic,
    "uniform": _dist_uniform,
    "triangular": _dist_triangular,
    "empirical": _dist_empirical,
}


ROUNDING = ("nearest", "up")
"""How a per-population rule turns its product into a count: to the nearest integer, or up."""


@dataclass(frozen=True)
class ScaledRule:
    """A count scaled from populations: ``clip(round(sum of per_million[k] x millions[k]), minimum, maximum)``.

    Attributes
    ----------
    per_million : tuple of float
        Count per million persons of each population the rule names (e.g. residents, then in-migrants).
    minimum, maximum : int
        Bounds of the count.
    rounding : str
        ``nearest`` (half to even, as Python's ``round``) or ``up`` (the smallest count not below the sum).
    """

    per_million: tuple[float, ...]
    minimum: int
    maximum: int
    rounding: str = "nearest"

    def count(self, *populations: float) -> int:
        """The count for the given populations (persons), in the order of :attr:`per_million`."""
        exact = sum(rate * people / 1e6 for rate, people in zip(self.per_million, populations, strict=True))
        scaled = math.ceil(exact - 1e-9) if self.rounding == "up" else round(exact)
        return min(self.maximum, max(self.minimum, scaled))


def count_or_rule(
    table: Table, name: str, per: str, *, low: int, high: int, more: tuple[str, ...] = ()
) -> int | ScaledRule:
    """Read an integer count, or a rule ``{ <per> = x, min = n, round = "up" }`` scaling it from a population.

    Parameters
    ----------
    table
        The table that holds the count under ``name``.
    name
        Its key.
    per
        The rule's required key: count per million persons of the first population.
    low, high
        Bounds of the count (``min`` defaults to ``max(low, 1)``; the rule's result is clipped to ``high``).
    more
        Optional keys for further populations, each a count per million persons (0 when absent), added to the
        first; :meth:`ScaledRule.count` takes the populations in this order after the first.

    Returns
    -------
    int or ScaledRule
        The count, or the rule (``round`` is ``nearest``, the default, or ``up``).
    """
    if not isinstance(table.raw(name), dict):
        return table.integer(name, low=low, high=high)
    rule = table.table(name)
    rates = (rule.number(per, low=0.0, high=1e4), *(rule.number(key, 0.0, low=0.0, high=1e4) for key in more))
    result = ScaledRule(
        rates,
        rule.integer("min", max(low, 1), low=low, high=high),
        high,
        rule.text("round", "nearest", choices=ROUNDING),
    )
    rule.done()
    return result
