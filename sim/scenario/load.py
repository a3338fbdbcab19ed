"""Load a scenario file: TOML with ``extends`` chains, then strict validation into :class:`Scenario`.

A file may name a base with ``extends = "base.toml"`` (relative to itself); tables merge deeply, and any other
value (lists included) is replaced by the extending file. Paths inside a file (data tables) are relative to the
file that wrote them. Every error is a :class:`ScenarioError` naming the file and key path.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from sim.scenario.errors import ScenarioError
from sim.scenario.reader import Table
from sim.scenario.schema import (
    AT_CLOSING,
    DIST_KINDS,
    Demand,
    DistSpec,
    Hours,
    Office,
    Period,
    Report,
    Run,
    Scenario,
)
from sim.scenario.tables import read_holidays

ROOT_KEYS = ("extends", "name", "description", "run", "calendar", "demand", "office", "offices", "report")
MAX_DAYS = 3660
MAX_WINDOW_MINUTES = 600.0
_HOURS_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def shown_path(path: Path) -> str:
    """Name a file the way the user would: relative to the working directory when below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario's TOML file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        On any broken rule, naming the file, the key path, the value and the rule.
    """
    top = Path(path).resolve()
    data, origins = _read_chain(top, ())
    origin = _origin_lookup(origins, shown_path(top))
    root = Table(data, "", origin)
    root.done(ROOT_KEYS)
    return _build(root, top)


def _read_toml(path: Path, chain: tuple[Path, ...], written: str) -> dict[str, Any]:
    shown = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if chain:
            raise ScenarioError(shown_path(chain[-1]), "extends", "file not found", written) from None
        raise ScenarioError(shown, "file", "not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(shown, "file", f"cannot be read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "toml", f"invalid TOML: {exc}") from None


def _read_chain(path: Path, chain: tuple[Path, ...], written: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """Read ``path`` and its bases; return the merged data and, per key path, the file that set it."""
    if path in chain:
        loop = " -> ".join(shown_path(p) for p in (*chain, path))
        raise ScenarioError(shown_path(chain[-1]), "extends", f"cycle {loop}")
    data = _read_toml(path, chain, written)
    shown = shown_path(path)
    base = data.pop("extends", None)
    if base is None:
        return data, dict.fromkeys(_leaf_paths(data, ""), shown)
    if not isinstance(base, str):
        raise ScenarioError(shown, "extends", "must be a file name (string)", base)
    merged, origins = _read_chain((path.parent / base).resolve(), (*chain, path), base)
    _merge(merged, data)
    mine = set(_leaf_paths(data, ""))
    return merged, {key: shown if key in mine else origins[key] for key in _leaf_paths(merged, "")}


def _leaf_paths(data: dict[str, Any], prefix: str) -> list[str]:
    paths = []
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        paths.extend(_leaf_paths(value, full) if isinstance(value, dict) and value else [full])
    return paths


def _merge(base: dict[str, Any], top: dict[str, Any]) -> None:
    """Merge ``top`` into ``base``.

    Tables merge deeply, except distributions (a table with ``dist``); lists and values are replaced whole.
    """
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and "dist" not in value:
            _merge(base[key], value)
        else:
            base[key] = value


def _origin_lookup(origins: dict[str, str], default: str) -> Callable[[str], str]:
    def origin(path: str) -> str:
        while path:
            if path in origins:
                return origins[path]
            below = [f for key, f in origins.items() if key.startswith((path + ".", path + "["))]
            if below and all(f == below[0] for f in below):
                return below[0]  # a table whose every value comes from one file
            path = re.sub(r"(\.[^.\[]*|\[\d+\]|^[^.\[]+)$", "", path)
        return default

    return origin


def _build(root: Table, top: Path) -> Scenario:
    name = root.text("name", top.stem)
    root.text("description", "")
    run = _run(root.table("run", required=True))
    holidays = _holidays(root.table("calendar"))
    demand = _demand(root.table("demand"))
    offices = _offices(root)
    for office in offices:
        _check_profile_covers(root, demand, office)
    report_table = root.table("report")
    report = Report(report_table.number("wait_threshold_minutes", 30.0, low=0.0, high=1440.0))
    report_table.done()
    return Scenario(
        name=name,
        file=shown_path(top),
        run=run,
        offices=offices,
        demand=demand,
        holidays=holidays,
        report=report,
        resolved=_plain(root.data),
    )


def _run(table: Table) -> Run:
    start = table.date("start")
    end = table.date("end")
    if end < start:
        raise table.fail("end", f"must not be before run.start ({start})", end)
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise table.fail("end", f"must be within {MAX_DAYS} days of run.start", end)
    run = Run(
        start=start,
        end=end,
        warm_up_days=table.integer("warm_up_days", 0, low=0, high=days - 1),
        replications=table.integer("replications", 10, low=1, high=10_000),
        seed=table.integer("seed", 1, low=0, high=2**63 - 1),
    )
    table.done()
    return run


def _holidays(table: Table) -> tuple[tuple[dt.date, str], ...]:
    if not table.has("holidays"):
        table.done()
        return ()
    value = table.text("holidays")
    source = Path(table.origin(table.key("holidays"))).resolve().parent / value
    if not source.is_file():
        raise table.fail("holidays", "file not found", value)
    table.done()
    return read_holidays(source, shown_path(source))


def _demand(table: Table) -> Demand:
    weekday = table.numbers("weekday_profile", length=7) if table.has("weekday_profile") else (1.0,) * 7
    hour = table.numbers("hour_profile", length=24) if table.has("hour_profile") else (1.0,) * 24
    table.done()
    return Demand(weekday_profile=weekday, hour_profile=hour)


_OFFICE_KEYS = ("windows", "hours", "applicants_per_day", "intake_minutes", "background", "at_closing")


def _offices(root: Table) -> tuple[Office, ...]:
    defaults = _office_fields(root.table("office"))
    entries = root.tables("offices")
    if not entries:
        return (_office("office", defaults, root.table("office")),)
    names: set[str] = set()
    offices = []
    for entry in entries:
        name = entry.text("name")
        if name in names:
            raise entry.fail("name", "must be unique among offices", name)
        names.add(name)
        offices.append(_office(name, {**defaults, **_office_fields(entry, ("name",))}, entry))
    return tuple(offices)


def _office_fields(table: Table, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if table.has("windows"):
        fields["windows"] = table.integer("windows", low=1, high=500)
    if table.has("hours"):
        fields["hours"] = _hours(table.table("hours"))
    if table.has("applicants_per_day"):
        fields["applicants_per_day"] = table.number("applicants_per_day", low=0.0, high=1e5)
    if table.has("intake_minutes"):
        fields["intake_minutes"] = dist(table, "intake_minutes", MAX_WINDOW_MINUTES)
    if table.has("background"):
        fields["background"] = _background(table.table("background"))
    if table.has("at_closing"):
        fields["at_closing"] = table.text("at_closing", choices=AT_CLOSING)
    table.done(extra)
    return fields


def _office(name: str, fields: dict[str, Any], table: Table) -> Office:
    for key in ("windows", "hours", "applicants_per_day", "intake_minutes"):
        if key not in fields:
            where = "" if table.path == "office" else " (here or in [office])"
            raise ScenarioError(table.origin(table.key(key)), table.key(key), f"is required{where}")
    per_day, per_window_day, minutes = fields.get("background", (0.0, 0.0, DistSpec("deterministic")))
    return Office(
        name=name,
        windows=fields["windows"],
        hours=fields["hours"],
        applicants_per_day=fields["applicants_per_day"],
        intake_minutes=fields["intake_minutes"],
        background_per_day=per_day + per_window_day * fields["windows"],
        background_minutes=minutes,
        at_closing=fields.get("at_closing", "serve"),
    )


def _background(table: Table) -> tuple[float, float, DistSpec]:
    per_day = table.number("per_day", 0.0, low=0.0, high=1e5)
    per_window_day = table.number("per_window_day", 0.0, low=0.0, high=1e4)
    minutes = dist(table, "minutes", MAX_WINDOW_MINUTES)
    table.done()
    return per_day, per_window_day, minutes


def _hours(table: Table) -> Hours:
    weekdays = _periods(table, "weekdays") if table.has("weekdays") else ()
    weekend = _periods(table, "weekend") if table.has("weekend") else ()
    if not weekdays and not weekend:
        raise table.fail("weekdays", "at least one opening period is required", [])
    table.done()
    return Hours(weekdays=weekdays, weekend=weekend)


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
    match = _HOURS_RE.match(item) if isinstance(item, str) else None
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


def _check_profile_covers(root: Table, demand: Demand, office: Office) -> None:
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


def _plain(value: Any) -> Any:
    """The merged TOML as JSON-ready data (dates and times become ISO strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
