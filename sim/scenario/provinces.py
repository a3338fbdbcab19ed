"""``[verification]`` defaults and ``[[provinces]]``: hukou provinces, their reviewers and links; ``[production]``.

Times inside the run are minutes since 00:00 of ``run.start``. A province's ``linked_from`` is a date within the
run (its provincial population information system is upgraded that day and requests travel in real time from
00:00), ``"start"`` (linked throughout) or ``"never"`` (batch transfer throughout).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from sim.scenario.collect import FAILED, Collector, Failed, need
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import ScaledRule, count_or_rule, dist, hours, time_of_day
from sim.scenario.reader import Table, gather
from sim.scenario.schema import Geography, Outage, Production, Province, Run
from sim.scenario.steps import staff_steps

MAX_REVIEW_MINUTES = 24 * 60.0
MAX_DAYS = 365.0


def province_names(root: Table, geo: Geography | None) -> tuple[str, ...]:
    """The hukou provinces' names: every province of the table with ``[data]``, else the ``[[provinces]]`` entries'.

    Each entry's ``name`` is checked on its own: a string, unique among the entries and, with ``[data]``, a
    province of the table.

    Parameters
    ----------
    root
        The scenario's root table.
    geo
        The geography tables, when given.

    Returns
    -------
    tuple of str
        In table (or file) order.
    """
    known = tuple(p.name for p in geo.provinces) if geo is not None else ()
    errors = Collector()
    names: list[str] = []
    for entry in root.tables("provinces"):
        name = errors.attempt(partial(_entry_name, entry, known, tuple(names)))
        if name is not FAILED:
            names.append(name)
    errors.raise_any()
    return known or tuple(names)


def _entry_name(entry: Table, known: tuple[str, ...], taken: tuple[str, ...]) -> str:
    name = entry.text("name")
    if name in taken:
        raise entry.fail("name", "must be unique among provinces", name)
    if known and name not in known:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise entry.fail("name", f"is not a province of the province table{hint}", name)
    return name


def provinces(root: Table, run: Run, geo: Geography | None, names: tuple[str, ...] | Failed) -> tuple[Province, ...]:
    """Read the hukou provinces: every ``[[provinces]]`` entry over the ``[verification]`` defaults.

    With the geography tables every province of the table is a hukou province; ``[[provinces]]`` entries then
    only override. ``linked_from`` may also be a table ``{ default = 2022-10-01, Shanghai = 2021-10-20 }``. The
    defaults and each entry are checked on their own (even when some entry's name is broken), and all their errors
    raised together.

    Parameters
    ----------
    root
        The scenario's root table.
    run
        The run (dates in ``linked_from`` and ``outages`` must fall within it).
    geo
        The geography tables, when given.
    names
        The provinces' names, as :func:`province_names` checked them (:data:`~sim.scenario.collect.FAILED` when
        it found an error: the fields are still checked).

    Returns
    -------
    tuple of Province
        In the order of ``names``.
    """
    default_table = root.table("verification")
    errors = Collector()
    defaults = errors.attempt(partial(_fields, default_table, run))
    overrides: dict[str, tuple[Table, dict[str, Any]]] = {}
    for entry in root.tables("provinces"):
        own = errors.attempt(partial(_fields, entry, run, ("name",)))
        if own is not FAILED:
            overrides[str(entry.raw("name"))] = (entry, own)
    errors.attempt(lambda: _check_linked_names(default_table, need(defaults).get("linked_from"), need(names)))
    errors.raise_any()
    out = {p.name: sum(geo.migrants[i]) for i, p in enumerate(geo.provinces)} if geo is not None else {}
    result = []
    for name in need(names):
        entry, own = overrides.get(name, (default_table, {}))
        result.append(_province(name, {**need(defaults), **own}, entry, out.get(name)))
    return tuple(result)


def _check_linked_names(table: Table, linked: Any, names: tuple[str, ...]) -> None:
    if not isinstance(linked, dict):
        return
    for key in linked:
        if key != "default" and key not in names:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise table.table("linked_from").fail(key, f"is not a hukou province{hint}", table.raw("linked_from")[key])


def _fields(table: Table, run: Run, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    readers: dict[str, Callable[[], Any]] = {
        "reviewers": lambda: count_or_rule(table, "reviewers", "per_million_out_migrants", low=0, high=10_000),
        "hours": lambda: hours(table.table("hours")),
        "review_minutes": lambda: dist(table, "review_minutes", MAX_REVIEW_MINUTES),
        "reject_probability": lambda: table.number("reject_probability", low=0.0, high=1.0, high_open=True),
        "linked_from": lambda: _linked_from(table, run),
        "batch_cutoff": lambda: time_of_day(table, "batch_cutoff", "16:00"),
        "latency_minutes": lambda: dist(table, "latency_minutes", MAX_REVIEW_MINUTES),
        "outages": lambda: _outages(table, run),
        "reviewers_from": lambda: staff_steps(table, "reviewers_from", run, low=1, high=10_000),
    }
    return gather(table, readers, extra)


def _province(name: str, fields: dict[str, Any], table: Table, out_migrants: float | None) -> Province:
    for key in ("reviewers", "hours", "review_minutes", "linked_from", "latency_minutes"):
        if key not in fields:
            raise table.missing(key, "is required (here or in [verification])")
    reviewers = fields["reviewers"]
    if isinstance(reviewers, ScaledRule):
        if out_migrants is None:
            raise table.fail("reviewers", "a per-out-migrant rule needs the [data] tables", table.raw("reviewers"))
        reviewers = reviewers.count(out_migrants)
    return Province(
        name=name,
        reviewers=reviewers,
        hours=fields["hours"],
        review_minutes=fields["review_minutes"],
        reject_probability=fields.get("reject_probability", 0.0),
        linked_from_minutes=_linked(fields["linked_from"], name),
        batch_cutoff_minutes=fields.get("batch_cutoff", 16 * 60.0),
        latency_minutes=fields["latency_minutes"],
        outages=fields.get("outages", ()),
        reviewers_from=fields.get("reviewers_from", ()),
    )


def _linked(value: float | dict[str, float], name: str) -> float:
    return value.get(name, value["default"]) if isinstance(value, dict) else value


def _linked_from(table: Table, run: Run) -> float | dict[str, float]:
    value = table.raw("linked_from")
    if isinstance(value, dict):
        by_name = table.table("linked_from")
        result = {name: _link_date(by_name, name, run) for name in value}
        if "default" not in result:
            raise by_name.missing("default", "is required in a per-province linked_from table")
        return result
    return _link_date(table, "linked_from", run)


def _link_date(table: Table, key: str, run: Run) -> float:
    value = table.raw(key)
    if value == "start":
        return -math.inf
    if value == "never":
        return math.inf
    rule = f'must be a date from {run.start} to {run.end} (the run), "start" or "never"'
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date) or not run.start <= value <= run.end:
        raise table.fail(key, rule, value)
    return (value - run.start).days * 1440.0


def _outages(table: Table, run: Run) -> tuple[Outage, ...]:
    outages = []
    for entry in table.tables("outages"):
        start, end = entry.datetime("start"), entry.datetime("end")
        if end <= start:
            raise entry.fail("end", f"must be after start ({start.isoformat()})", end)
        entry.done()
        outages.append(Outage(_minutes(start, run), _minutes(end, run)))
    return tuple(sorted(outages, key=lambda o: o.start))


def _minutes(moment: dt.datetime, run: Run) -> float:
    return (moment - dt.datetime.combine(run.start, dt.time())).total_seconds() / 60.0


def production(table: Table) -> Production:
    """Read ``[production]`` (every key has a default, see :class:`Production`)."""
    base = Production()
    read: dict[str, Callable[[], Any]] = {
        "working_days": lambda: dist(table, "working_days", MAX_DAYS),
        "shipping_days": lambda: dist(table, "shipping_days", MAX_DAYS),
        "pickup_after_days": lambda: dist(table, "pickup_after_days", MAX_DAYS),
        "revisit_after_days": lambda: dist(table, "revisit_after_days", MAX_DAYS),
    }
    values: dict[str, Any] = {key: reader() for key, reader in read.items() if table.has(key)}
    result = Production(
        batch_minutes=time_of_day(table, "batch_time", "17:00"),
        promised_working_days=table.integer("promised_working_days", base.promised_working_days, low=1, high=365),
        legal_limit_days=table.integer("legal_limit_days", base.legal_limit_days, low=1, high=365),
        **values,
    )
    table.done()
    return result


def check_reviewers(root: Table, provinces_: tuple[Province, ...], demand: dict[str, float]) -> None:
    """A province that receives applications needs at least one reviewer."""
    entries = {str(entry.raw("name")): entry for entry in root.tables("provinces")}
    for province in provinces_:
        if province.reviewers == 0 and demand.get(province.name, 0.0) > 0:
            entry = entries.get(province.name)
            key = entry.key("reviewers") if entry is not None and entry.has("reviewers") else "verification.reviewers"
            raise ScenarioError(
                root.origin(key), key, f'must be >= 1 for province "{province.name}", which has applicants', 0
            )
