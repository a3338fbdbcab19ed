"""The rollout schedule: ``[[phase]]`` entries with selectors, expanded into dated :class:`Phase` steps.

``open`` selects destination cities: ``"all"``, ``{ cities = [...] }``, ``{ provinces = [...] }``,
``{ regions = [...] }``, ``{ pilot_cities = [region codes] }`` (the pilot cities of those regions), or
``{ batches = { by = "interprov_in", count = 4, every_months = 3 } }`` (provinces not opened yet, largest
in-migrant stock first, in ``count`` batches one every ``every_months`` months). ``accept`` is one of
:data:`~sim.scenario.schema.ACCEPT`. ``join = [provinces]`` connects those hukou provinces to the national
network from the phase's start (what ``accept = "network"`` admits); a phase that only joins may leave out
``open``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sim.scenario.collect import Collector
from sim.scenario.errors import ScenarioError
from sim.scenario.reader import Table
from sim.scenario.schema import ACCEPT, City, Geography, Phase, Run

_SELECTORS = ("cities", "provinces", "regions", "pilot_cities", "batches")


def phases(root: Table, run: Run, geo: Geography | None) -> tuple[Phase, ...]:
    """Read ``[[phase]]`` entries in date order (requires ``[data]``).

    Each entry is checked on its own (its start against the last valid start before it) and all their errors
    are raised together.
    """
    entries = root.tables("phase")
    if not entries:
        return ()
    if geo is None:
        raise ScenarioError(root.origin("phase"), "phase", "needs the [data] tables (provinces, cities) to select from")
    errors = Collector()
    so_far = _SoFar()
    for entry in entries:
        errors.attempt(partial(_phase, entry, run, geo, so_far))
    errors.raise_any()
    return tuple(so_far.phases)


@dataclass
class _SoFar:
    """What the valid ``[[phase]]`` entries read so far gave: their steps, starts and opened cities."""

    phases: list[Phase] = field(default_factory=list[Phase])
    starts: list[dt.date] = field(default_factory=list[dt.date])
    opened: set[str] = field(default_factory=set[str])


def _phase(entry: Table, run: Run, geo: Geography, so_far: _SoFar) -> None:
    """Check one ``[[phase]]`` entry and add its steps to ``so_far``."""
    start = entry.date("start")
    if so_far.starts and start < so_far.starts[-1]:
        raise entry.fail("start", f"must not be before the previous phase's start ({so_far.starts[-1]})", start)
    if not run.start <= start <= run.end:
        raise entry.fail("start", f"must be within the run ({run.start} to {run.end})", start)
    so_far.starts.append(start)
    name = entry.text("name", f"phase {len(so_far.phases) + 1}")
    join = _join(entry, geo)
    only_joins = bool(join) and not entry.has("open")  # a phase that opens no city needs no rule
    accept = entry.text("accept", "network" if only_joins else None, choices=ACCEPT)
    steps: list[tuple[dt.date, tuple[str, ...]]] = [(start, ())]
    if not only_joins:
        steps = _open(entry, geo, so_far.opened, start, run)
    entry.done()
    for k, (when, cities) in enumerate(steps):
        so_far.opened.update(cities)
        so_far.phases.append(Phase(name, (when - run.start).days, cities, accept, join if k == 0 else ()))


def _open(
    entry: Table, geo: Geography, opened: set[str], start: dt.date, run: Run
) -> list[tuple[dt.date, tuple[str, ...]]]:
    value = entry.require("open")
    if value == "all":
        return [(start, tuple(c.name for c in geo.cities))]
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _SELECTORS:
        raise entry.fail("open", f'must be "all" or a table with one of {", ".join(_SELECTORS)}', value)
    selector = entry.table("open")
    kind = next(iter(value))
    if kind == "batches":
        return _batches(selector.table("batches"), geo, opened, start, run)
    names = _names(selector, kind, _choices(geo, kind))
    selector.done()
    regions = {p.name: p.region for p in geo.provinces}
    cities = [c.name for c in geo.cities if _selected(c, regions[c.province], kind, names)]
    return [(start, tuple(cities))]


def _join(entry: Table, geo: Geography) -> tuple[str, ...]:
    """The hukou provinces a phase connects to the national network (``join``; none when absent)."""
    if not entry.has("join"):
        return ()
    names = _names(entry, "join", _choices(geo, "provinces"))
    return tuple(p.name for p in geo.provinces if p.name in names)


def _choices(geo: Geography, kind: str) -> tuple[str, ...]:
    if kind == "cities":
        return tuple(c.name for c in geo.cities)
    if kind == "provinces":
        return tuple(p.name for p in geo.provinces)
    return tuple(sorted({p.region for p in geo.provinces if p.region != "other"}))


def _names(table: Table, key: str, choices: tuple[str, ...]) -> set[str]:
    value: Any = table.require(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise table.fail(key, "must be a non-empty list of names", value)
    for i, name in enumerate(value):
        if name not in choices:
            close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            noun = {"cities": "city", "provinces": "province", "join": "province"}.get(key, "region")
            raise table.fail(f"{key}[{i}]", f"is not a known {noun}{hint}", name)
    return set(value)


def _selected(city: City, region: str, kind: str, names: set[str]) -> bool:
    match kind:
        case "cities":
            return city.name in names
        case "provinces":
            return city.province in names
        case "regions":
            return region in names
        case _:
            return city.pilot and region in names


def _batches(
    table: Table, geo: Geography, opened: set[str], start: dt.date, run: Run
) -> list[tuple[dt.date, tuple[str, ...]]]:
    table.text("by", choices=("interprov_in", "population"))
    count = table.integer("count", low=1, high=31)
    months = table.integer("every_months", low=0, high=120)
    table.done()
    by = table.data["by"]
    waiting = [p for p in geo.provinces if any(c.province == p.name and c.name not in opened for c in geo.cities)]
    waiting.sort(key=lambda p: -(p.interprov_in if by == "interprov_in" else p.population))
    size = -(-len(waiting) // count)
    steps = []
    for k in range(count):
        group = {p.name for p in waiting[k * size : (k + 1) * size]}
        when = _add_months(start, k * months)
        if group and when <= run.end:
            steps.append((when, tuple(c.name for c in geo.cities if c.province in group and c.name not in opened)))
    return steps


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
