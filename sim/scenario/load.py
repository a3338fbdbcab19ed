"""Load a scenario file: TOML with ``extends`` chains, then strict validation into :class:`Scenario`.

A file may name a base with ``extends = "base.toml"`` (relative to itself); tables merge deeply, and any other
value (lists included) is replaced by the extending file. Paths inside a file (data tables) are relative to the
file that wrote them. Every error is a :class:`ScenarioError` naming the file and key path; the sections are
checked one by one and all their errors are raised together (see :func:`_build`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from sim.scenario.collect import FAILED, Collector, Failed, need
from sim.scenario.demand import MIGRANT_KEYS, demand
from sim.scenario.errors import ScenarioError
from sim.scenario.geography import geography
from sim.scenario.load_paths import data_path
from sim.scenario.offices import check_profile_covers, offices
from sim.scenario.overrides import apply_overrides
from sim.scenario.provinces import check_reviewers, production, province_names, provinces
from sim.scenario.reader import Table
from sim.scenario.schedule import phases
from sim.scenario.schema import (
    MAX_REPLICATIONS,
    NAME_RULE,
    Demand,
    Geography,
    MigrantDemand,
    Office,
    Province,
    Report,
    Run,
    Scenario,
)
from sim.scenario.tables import read_holidays

ROOT_KEYS = (
    "extends", "name", "description", "run", "calendar", "demand", "office", "offices", "report",
    "verification", "provinces", "production", "data", "phase",
)  # fmt: skip
RUN_KEYS = ("start", "end", "warm_up_days", "replications", "seed")
MAX_DAYS = 3660
WHOLE_TABLES = frozenset({"origins", "hours"})
"""Tables that an extending file replaces whole rather than merging key by key."""
DemandPair = tuple[Demand, MigrantDemand | None]
"""What :func:`~sim.scenario.demand.demand` reads: the shapes, and demand from migrant stocks when asked for."""
T = TypeVar("T")


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
        On any broken rule, naming the file, the key path, the value and the rule; a
        :class:`~sim.scenario.errors.ScenarioErrors` when several independent rules are broken. A file that cannot
        be read or parsed (or an ``extends`` chain that cannot be followed) is one error.
    """
    top = Path(path).resolve()
    data, origins = _read_chain(top, ())
    if overrides:
        apply_overrides(data, origins, overrides)
    origin = _origin_lookup(origins, shown_path(top))
    return _build(Table(data, "", origin), top)


def merged_data(path: str | Path) -> dict[str, Any]:
    """The TOML of a scenario file merged with its ``extends`` chain, before any check (the caller's copy).

    Raises
    ------
    ScenarioError
        When a file of the chain cannot be read or parsed, or the chain cannot be followed.
    """
    data, _ = _read_chain(Path(path).resolve(), ())
    return data


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


class _Sections:
    """Reads a scenario's sections one by one, keeping the errors of each; see :func:`_build`.

    Unknown root keys are checked first. A known root key that an unknown one resembles (``[offfice]`` for
    ``[office]``) is taken as misspelled: the sections that read it are skipped, as their errors would be
    knock-on ones (``office.windows: is required``).
    """

    def __init__(self, root: Table) -> None:
        self.errors = Collector()
        self.errors.attempt(lambda: root.done(ROOT_KEYS))
        unknown = [key for key in root.data if key not in ROOT_KEYS]
        self.misspelled = {
            near for key in unknown for near in difflib.get_close_matches(key, ROOT_KEYS, n=1, cutoff=0.6)
        }

    def read(self, keys: tuple[str, ...], check: Callable[[], T]) -> T | Failed:
        """Run ``check``, which reads the root keys ``keys``, unless one of them looks misspelled."""
        return FAILED if self.misspelled.intersection(keys) else self.errors.attempt(check)


def _build(root: Table, top: Path) -> Scenario:
    """Check every section, each on its own, and raise all their errors together (see :mod:`sim.scenario.collect`).

    A section that needs another's value is skipped when that one failed: provinces need ``[run]`` (dates) and
    ``[data]``; offices need ``[data]`` and the provinces' names; phases need ``[run]`` and ``[data]``.
    """
    s = _Sections(root)
    name = s.read(("name",), lambda: _name(root, top))
    s.read(("description",), lambda: root.text("description", ""))
    run = s.read(("run",), lambda: _run(root.table("run", required=True)))
    holidays = s.read(("calendar",), lambda: _holidays(root.table("calendar")))
    geo = s.read(("data",), lambda: geography(root.table("data")))
    shape = s.read(("demand",), lambda: demand(root.table("demand")))
    hukou, offices_ = _people(s, root, (run, geo, shape))
    production_ = s.read(("production",), lambda: production(root.table("production")))
    schedule = s.read(("phase",), lambda: phases(root, need(run), need(geo)))
    report = s.read(("report",), lambda: _report(root.table("report")))
    s.errors.raise_any()
    return Scenario(
        name=need(name),
        file=shown_path(top),
        run=need(run),
        offices=need(offices_),
        demand=need(shape)[0],
        provinces=need(hukou),
        production=need(production_),
        geography=need(geo),
        migrant_demand=need(shape)[1],
        phases=need(schedule),
        holidays=need(holidays),
        report=need(report),
        resolved=_plain(root.data),
    )


def _people(
    s: _Sections, root: Table, needs: tuple[Run | Failed, Geography | Failed | None, DemandPair | Failed]
) -> tuple[tuple[Province, ...] | Failed, tuple[Office, ...] | Failed]:
    """The provinces and the offices, then the checks that join them to demand (hour profile, reviewers).

    Offices are skipped when demand from migrant stocks lacks ``[data]`` (their ``office.per`` error would be a
    knock-on one).
    """
    run, geo, shape = needs
    migrant = _asks_migrants(root)
    placed = s.read(("data",), lambda: _data_for_migrants(root, need(geo), migrant))
    hukou_keys = ("verification", "provinces")
    names = s.read(hukou_keys, lambda: province_names(root, need(geo)))
    hukou = s.read(hukou_keys, lambda: provinces(root, need(run), need(geo), names))
    offices_ = s.read(("office", "offices"), lambda: offices(root, need(names), need(placed), migrant, run))
    s.read(("demand",), lambda: _check_profiles(root, need(shape)[0], need(offices_)))
    s.read(hukou_keys, lambda: _check_reviewers(root, need(hukou), need(offices_), need(geo), migrant))
    return hukou, offices_


def _name(root: Table, top: Path) -> str:
    name = root.text("name", _slug(top.stem))
    if not _SAFE_NAME.fullmatch(name):
        raise root.fail("name", NAME_RULE, name)
    return name


def _asks_migrants(root: Table) -> bool:
    """Whether ``[demand]`` asks for demand from migrant stocks (known even when ``[demand]`` breaks a rule)."""
    table = root.data.get("demand")
    return isinstance(table, dict) and any(key in table for key in MIGRANT_KEYS)


def _data_for_migrants(root: Table, geo: Geography | None, migrant: bool) -> Geography | None:
    """The geography the offices are placed in: ``[data]`` is required with demand from migrant stocks."""
    if migrant and geo is None:
        key = "cohort" if root.data["demand"].get("mode") == "cohort" else "applications_per_migrant_year"
        raise root.missing("data", f"is required with demand.{key} (migrant tables)")
    return geo


def _check_profiles(root: Table, shape: Demand, offices_: tuple[Office, ...]) -> None:
    for office in offices_:
        check_profile_covers(root, shape, office)


def _check_reviewers(
    root: Table, hukou: tuple[Province, ...], offices_: tuple[Office, ...], geo: Geography | None, migrant: bool
) -> None:
    check_reviewers(root, hukou, _demand_by_province(offices_, geo, migrant))


def _report(table: Table) -> Report:
    errors = Collector()
    threshold = errors.attempt(lambda: table.number("wait_threshold_minutes", 30.0, low=0.0, high=1440.0))
    visits = errors.attempt(lambda: table.text("local_visit_records", "all", choices=("all", "none")))
    errors.attempt(table.done)
    errors.raise_any()
    return Report(need(threshold), need(visits))


def _run(table: Table) -> Run:
    errors = Collector()
    start = errors.attempt(lambda: table.date("start"))
    end = errors.attempt(lambda: table.date("end"))
    days = errors.attempt(lambda: _days(table, need(start), need(end)))
    warm_up = errors.attempt(lambda: table.integer("warm_up_days", 0, low=0, high=need(days) - 1))
    replications = errors.attempt(lambda: table.integer("replications", 10, low=1, high=MAX_REPLICATIONS))
    seed = errors.attempt(lambda: table.integer("seed", 1, low=0, high=2**63 - 1))
    errors.attempt(lambda: table.done(RUN_KEYS))  # a key skipped above is known all the same
    errors.raise_any()
    return Run(need(start), need(end), need(warm_up), need(replications), need(seed))


def _days(table: Table, start: dt.date, end: dt.date) -> int:
    """The run's length in days, from ``run.start`` to ``run.end`` inclusive."""
    if end < start:
        raise table.fail("end", f"must not be before run.start ({start})", end)
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise table.fail("end", f"must be within {MAX_DAYS} days of run.start", end)
    return days


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
