"""The ``[office]`` defaults and ``[[offices]]`` entries: acceptance offices, their windows, hours and demand."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sim.scenario.collect import FAILED, Collector, Failed, need
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import MAX_WINDOW_MINUTES, ScaledRule, count_or_rule, dist, hours
from sim.scenario.reader import Table, gather
from sim.scenario.schema import (
    AT_CLOSING,
    DELIVERY,
    City,
    Demand,
    DistSpec,
    Geography,
    Office,
    ProvinceData,
    Run,
    TurnedAway,
)
from sim.scenario.steps import staff_steps

_REQUIRED = ("windows", "hours", "applicants_per_day", "intake_minutes")
MAX_BACKGROUND_PER_DAY = 1e5
"""Most local ID visits an office may expect on a day of weekday weight 1 (as ``background.per_day``)."""


@dataclass(frozen=True)
class Background:
    """Local ID business (renewals, replacements, pickups) at an office's windows, as the file gives it.

    The daily volume on an open day of weekday weight 1 is ``per_day + per_window_day x windows +
    per_million_residents_day x residents / 10^6``; the last term needs ``[office] per = "prefecture"``.

    Attributes
    ----------
    per_day : float
        Visits a day, whatever the office.
    per_window_day : float
        Visits a day per window.
    per_million_residents_day : float
        Visits a day per million residents of the office's city.
    minutes : DistSpec
        Service time of one visit, minutes.
    """

    per_day: float
    per_window_day: float
    per_million_residents_day: float
    minutes: DistSpec

    def per_office_day(self, windows: int, residents: float = 0.0) -> float:
        """Expected visits on an open day of weekday weight 1 for ``windows`` windows and ``residents`` persons."""
        return self.per_day + self.per_window_day * windows + self.per_million_residents_day * residents / 1e6


def offices(
    root: Table, provinces: tuple[str, ...], geo: Geography | None, migrant: bool, run: Run | Failed
) -> tuple[Office, ...]:
    """Read the offices.

    With ``[office] per = "prefecture"`` there is one office per city of the geography tables, each
    ``[[office.override]]`` (``city = ...``) changing its city's office; otherwise each ``[[offices]]`` entry over
    the ``[office]`` defaults, or one office named ``office``.

    Parameters
    ----------
    root
        The scenario's root table.
    provinces
        Names of the defined hukou provinces (``origins`` may name only these).
    geo
        The geography tables, when given.
    migrant
        Whether demand comes from migrant stocks (then offices take no ``origins``).

    Returns
    -------
    tuple of Office
        In file (or city table) order.

    Raises
    ------
    ScenarioError
        The ``[office]`` defaults and each entry are checked on their own; all their errors are raised together.
    """
    default_table = root.table("office")
    if default_table.has("per"):
        if root.tables("offices"):
            raise ScenarioError(
                root.origin("offices"), "offices", 'cannot be combined with [office] per = "prefecture"'
            )
        return _per_prefecture(default_table, provinces, geo, default_table.text("per", choices=("prefecture",)), run)
    errors = Collector()
    defaults = errors.attempt(partial(_defaults, default_table, provinces, run))
    if migrant:  # the entries are moot: one office per city is needed
        errors.add(root.missing("office.per", 'is required with demand from migrants: "prefecture"'))
        errors.raise_any()
    entries = root.tables("offices")
    if not entries:
        errors.raise_any()
        return (_office("office", need(defaults), default_table, provinces),)
    taken: list[str] = []
    result = [errors.attempt(partial(_entry, entry, defaults, provinces, taken, run)) for entry in entries]
    errors.raise_any()
    return tuple(need(office) for office in result)


def _defaults(table: Table, provinces: tuple[str, ...], run: Run | Failed) -> dict[str, Any]:
    """The ``[office]`` defaults of ``[[offices]]`` entries (or of the one office)."""
    defaults = _fields(table, provinces, run)
    if isinstance(defaults.get("windows"), ScaledRule):
        raise table.fail("windows", 'a per-population rule needs per = "prefecture"', table.raw("windows"))
    _check_no_population_rule(table, defaults)
    return defaults


def _entry(
    entry: Table, defaults: dict[str, Any] | Failed, provinces: tuple[str, ...], taken: list[str], run: Run | Failed
) -> Office:
    """One ``[[offices]]`` entry over the defaults; ``taken`` holds the names of the entries before it."""
    errors = Collector()
    name = errors.attempt(partial(_entry_name, entry, taken))
    own = errors.attempt(partial(_own_fields, entry, provinces, run))
    errors.raise_any()
    return _office(need(name), {**need(defaults), **need(own)}, entry, provinces)


def _entry_name(entry: Table, taken: list[str]) -> str:
    name = entry.text("name")
    if name in taken:
        raise entry.fail("name", "must be unique among offices", name)
    taken.append(name)
    return name


def _own_fields(entry: Table, provinces: tuple[str, ...], run: Run | Failed) -> dict[str, Any]:
    own = _fields(entry, provinces, run, ("name",))
    _check_no_population_rule(entry, own)
    return own


def _per_prefecture(
    table: Table, provinces: tuple[str, ...], geo: Geography | None, per: str, run: Run | Failed
) -> tuple[Office, ...]:
    if per != "prefecture":
        raise table.fail("per", 'must be "prefecture"', per)
    if geo is None:
        raise table.fail("per", "needs the [data] tables (cities) to place offices", per)
    errors = Collector()
    defaults = errors.attempt(partial(_fields, table, provinces, run, ("per", "override")))
    overrides: dict[str, tuple[Table, dict[str, Any]]] = {}
    cities = tuple(c.name for c in geo.cities)
    for entry in table.tables("override"):
        own = errors.attempt(partial(_override, entry, provinces, cities, run))
        if own is not FAILED:
            overrides[own[0]] = (entry, own[1])
    errors.raise_any()
    province = {p.name: p for p in geo.provinces}
    return tuple(
        _city_office(city, province[city.province], table, need(defaults), overrides.get(city.name, (table, {})))
        for city in geo.cities
    )


def _override(
    entry: Table, provinces: tuple[str, ...], cities: tuple[str, ...], run: Run | Failed
) -> tuple[str, dict[str, Any]]:
    """One ``[[office.override]]``: its city and its own fields."""
    name = entry.text("city")
    if name not in cities:
        close = difflib.get_close_matches(name, cities, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise entry.fail("city", f"is not a city of the city table{hint}", name)
    return name, _fields(entry, provinces, run, ("city",))


def _city_office(
    city: City, province: ProvinceData, table: Table, defaults: dict[str, Any], override: tuple[Table, dict[str, Any]]
) -> Office:
    """The office of ``city``: the ``[office]`` defaults with its override (``table`` itself when none)."""
    entry, own = override
    fields = {**defaults, **own}
    if isinstance(fields.get("windows"), ScaledRule):
        fields["windows"] = fields["windows"].count(city.population, in_migrants(city, province))
    fields.setdefault("applicants_per_day", 0.0)
    office = _office(city.name, fields, entry, ())
    background = fields.get("background")
    if background is not None and background.per_million_residents_day > 0:
        per_day = background.per_office_day(office.windows, city.population)
        if per_day > MAX_BACKGROUND_PER_DAY:
            where = entry if background is own.get("background") else table
            raise where.fail(
                "background.per_million_residents_day",
                f"must give at most {MAX_BACKGROUND_PER_DAY:.0f} visits a day per office ({city.name}: {per_day:.0f})",
                where.table("background").raw("per_million_residents_day"),
            )
        office = dataclasses.replace(office, background_per_day=per_day)
    return dataclasses.replace(office, city=city.name)


def in_migrants(city: City, province: ProvinceData) -> float:
    """Residents of ``city`` whose hukou is in another province, persons.

    The province's interprovincial in-migrants times the city's share of the province's residents: how
    :mod:`sim.world.demand` places a province's migrants in its cities.
    """
    return province.interprov_in * city.population / province.population if province.population > 0 else 0.0


def _fields(table: Table, provinces: tuple[str, ...], run: Run | Failed, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    readers: dict[str, Callable[[], Any]] = {
        "windows": lambda: count_or_rule(
            table, "windows", "per_million_residents", low=1, high=500, more=("per_million_in_migrants",)
        ),
        "hours": lambda: hours(table.table("hours")),
        "applicants_per_day": lambda: table.number("applicants_per_day", low=0.0, high=1e5),
        "intake_minutes": lambda: dist(table, "intake_minutes", MAX_WINDOW_MINUTES),
        "background": lambda: _background(table.table("background")),
        "at_closing": lambda: table.text("at_closing", choices=AT_CLOSING),
        "origins": lambda: _origins(table.table("origins"), provinces),
        "delivery": lambda: table.text("delivery", choices=DELIVERY),
        "kiosks": lambda: table.integer("kiosks", low=1, high=100),
        "pickup_minutes": lambda: dist(table, "pickup_minutes", MAX_WINDOW_MINUTES),
        "max_in_office": lambda: table.integer("max_in_office", low=1, high=100_000),
        "daily_quota": lambda: table.integer("daily_quota", low=1, high=1_000_000),
        "turned_away": lambda: _turned_away(table.table("turned_away")),
        "windows_from": lambda: staff_steps(table, "windows_from", run, low=1, high=500),
    }
    return gather(table, readers, extra)


def _check_no_population_rule(table: Table, fields: dict[str, Any]) -> None:
    """A per-population background rule needs a city population, which only ``per = "prefecture"`` offices have."""
    rule = table.table("background") if "background" in fields else None
    if rule is not None and rule.has("per_million_residents_day"):
        raise table.fail(
            "background.per_million_residents_day",
            'a per-population rule needs per = "prefecture"',
            rule.raw("per_million_residents_day"),
        )


def _office(name: str, fields: dict[str, Any], table: Table, provinces: tuple[str, ...]) -> Office:
    if isinstance(fields.get("windows"), ScaledRule):
        raise table.fail("windows", 'a per-population rule needs per = "prefecture"', table.raw("windows"))
    if fields.get("windows", 1) > 500:
        raise table.fail(
            "windows", "must be an integer >= 1 and <= 500 (from the per-population rule)", fields["windows"]
        )
    for key in _REQUIRED:
        if key not in fields:
            where = "" if table.path == "office" else " (here or in [office])"
            raise table.missing(key, f"is required{where}")
    origins = fields.get("origins", ())
    if provinces and not origins and fields["applicants_per_day"] > 0:
        raise table.missing("origins", "is required when [[provinces]] are given (hukou shares)")
    background = fields.get("background", Background(0.0, 0.0, 0.0, DistSpec("deterministic")))
    optional = {key: fields[key] for key in _OPTIONAL if key in fields}
    if fields.get("max_in_office") and fields.get("at_closing", "serve") != "serve":
        raise table.fail("max_in_office", 'needs at_closing = "serve"', fields["max_in_office"])
    return Office(
        name=name,
        windows=fields["windows"],
        hours=fields["hours"],
        applicants_per_day=fields["applicants_per_day"],
        intake_minutes=fields["intake_minutes"],
        background_per_day=background.per_office_day(fields["windows"]),
        background_minutes=background.minutes,
        origins=origins,
        **optional,
    )


_OPTIONAL = (
    "at_closing", "delivery", "kiosks", "pickup_minutes", "max_in_office", "daily_quota", "turned_away", "windows_from"
)  # fmt: skip
MAX_RETURN_DAYS = 365.0
"""Largest plausible mean (and bound) of ``turned_away.return_days``, days."""


def _turned_away(table: Table) -> TurnedAway:
    """Read ``{ give_up = 0.3, return_days = { dist = "exponential", mean = 3 } }``."""
    give_up = table.number("give_up", 1.0, low=0.0, high=1.0)
    days = dist(table, "return_days", MAX_RETURN_DAYS) if table.has("return_days") else TurnedAway().return_days
    table.done()
    return TurnedAway(give_up, days)


def _background(table: Table) -> Background:
    """Read ``{ per_day = 25, per_window_day = 8, per_million_residents_day = 120, minutes = {...} }``."""
    per_day = table.number("per_day", 0.0, low=0.0, high=MAX_BACKGROUND_PER_DAY)
    per_window_day = table.number("per_window_day", 0.0, low=0.0, high=1e4)
    per_million = table.number("per_million_residents_day", 0.0, low=0.0, high=1e4)
    minutes = dist(table, "minutes", MAX_WINDOW_MINUTES)
    table.done()
    return Background(per_day, per_window_day, per_million, minutes)


def _origins(table: Table, provinces: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """Read ``{ Anhui = 0.6, Henan = 0.4 }``: hukou provinces and weights, normalised to shares."""
    if not provinces:
        raise ScenarioError(table.origin(table.path), table.path, "names hukou provinces, but no [[provinces]] exist")
    weights = []
    for name in table.data:
        if name not in provinces:
            close = difflib.get_close_matches(name, provinces, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise table.fail(name, f"is not a defined province{hint}", table.data[name])
        weights.append((name, table.number(name, low=0.0, high=1e12)))
    total = sum(w for _, w in weights)
    if total <= 0:
        raise ScenarioError(table.origin(table.path), table.path, "must give a positive weight to some province")
    return tuple((name, w / total) for name, w in weights)


def check_profile_covers(root: Table, demand: Demand, office: Office) -> None:
    """Each set of opening periods must overlap an hour of positive weight, or arrivals have nowhere to go."""
    for periods in (office.hours.weekdays, office.hours.weekend):
        weight = sum(
            demand.hour_profile[h] * max(0.0, min(end, 60.0 * h + 60) - max(start, 60.0 * h))
            for start, end in periods
            for h in range(24)
        )
        if periods and weight <= 0 and office.applicants_per_day + office.background_per_day > 0:
            raise ScenarioError(
                root.origin("demand.hour_profile"),
                "demand.hour_profile",
                f'must give weight to an opening hour of office "{office.name}"',
                list(demand.hour_profile),
            )
