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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from sim.scenario.demand import demand
from sim.scenario.errors import ScenarioError
from sim.scenario.geography import geography
from sim.scenario.load_paths import data_path
from sim.scenario.offices import check_profile_covers, offices
from sim.scenario.overrides import apply_overrides
from sim.scenario.provinces import check_reviewers, production, provinces
from sim.scenario.reader import Table
from sim.scenario.schedule import phases
from sim.scenario.schema import MAX_REPLICATIONS, NAME_RULE, Geography, Office, Report, Run, Scenario
from sim.scenario.tables import read_holidays

ROOT_KEYS = (
    "extends", "name", "description", "run", "calendar", "demand", "office", "offices", "report",
    "verification", "provinces", "production", "data", "phase",
)  # fmt: skip
MAX_DAYS = 3660
WHOLE_TABLES = frozenset({"origins", "hours"})
"""Tables that an extending file replaces whole rather than merging key by key."""


def shown_path(path: Path) -> str:
    """Name a file the way the user would: relative to the working directory when below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario's TOML file.
    overrides
        Key path (``office.windows``, ``offices[0].hours``) to a TOML value, set in the merged file before
        validation (see :mod:`sim.scenario.overrides`); errors about these keys name ``--set`` as their file.

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
    if overrides:
        apply_overrides(data, origins, overrides)
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

    Tables merge deeply, except those that are one value (distributions, a table with ``dist``; ``origins``;
    ``hours``), which the extending file replaces whole, as it does lists and plain values.
    """
    for key, value in top.items():
        whole = key in WHOLE_TABLES or "dist" in value if isinstance(value, dict) else True
        if not whole and isinstance(base.get(key), dict):
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


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _slug(stem: str) -> str:
    """A file name made a safe scenario name (the default ``name``): unsafe characters become ``_``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).lstrip("._-")[:100]
    return slug or "scenario"


def _build(root: Table, top: Path) -> Scenario:
    name = root.text("name", _slug(top.stem))
    if not _SAFE_NAME.fullmatch(name):
        raise root.fail("name", NAME_RULE, name)
    root.text("description", "")
    run = _run(root.table("run", required=True))
    holidays = _holidays(root.table("calendar"))
    geo = geography(root.table("data"))
    shape, migrant = demand(root.table("demand"))
    if migrant is not None and geo is None:
        key = "applications_per_migrant_year" if migrant.cohort is None else "cohort"
        raise root.missing("data", f"is required with demand.{key} (migrant tables)")
    hukou = provinces(root, run, geo)
    offices_ = offices(root, tuple(p.name for p in hukou), geo, migrant is not None)
    for office in offices_:
        check_profile_covers(root, shape, office)
    check_reviewers(root, hukou, _demand_by_province(offices_, geo, migrant is not None))
    production_ = production(root.table("production"))
    schedule = phases(root, run, geo)
    report_table = root.table("report")
    report = Report(
        report_table.number("wait_threshold_minutes", 30.0, low=0.0, high=1440.0),
        report_table.text("local_visit_records", "all", choices=("all", "none")),
    )
    report_table.done()
    return Scenario(
        name=name,
        file=shown_path(top),
        run=run,
        offices=offices_,
        demand=shape,
        provinces=hukou,
        production=production_,
        geography=geo,
        migrant_demand=migrant,
        phases=schedule,
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
        replications=table.integer("replications", 10, low=1, high=MAX_REPLICATIONS),
        seed=table.integer("seed", 1, low=0, high=2**63 - 1),
    )
    table.done()
    return run


def _holidays(table: Table) -> tuple[tuple[dt.date, str], ...]:
    if not table.has("holidays"):
        table.done()
        return ()
    source, shown = data_path(table, "holidays")
    table.done()
    return read_holidays(source, shown)


def _demand_by_province(offices_: tuple[Office, ...], geo: Geography | None, migrant: bool) -> dict[str, float]:
    if migrant and geo is not None:
        return {p.name: sum(geo.migrants[i]) for i, p in enumerate(geo.provinces)}
    demand: dict[str, float] = {}
    for office in offices_:
        for name, share in office.origins:
            demand[name] = demand.get(name, 0.0) + share * office.applicants_per_day
    return demand


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
