"""Staffing as scenario overrides: windows per office and reviewers per hukou province, for a load or a file.

Where an office's windows are set depends on how the scenario places its offices:

- one office (no ``[[offices]]``): ``office.windows``;
- ``[[offices]]`` entries: the whole ``offices`` array, each entry with its ``windows``;
- one office per prefecture (``[office] per = "prefecture"``): the whole ``office.override`` array, the existing
  ``[[office.override]]`` entries kept (with ``windows`` set when the city is restaffed) and one ``{ city = ...,
  windows = ... }`` entry added for every other restaffed city.

Reviewers: the whole ``provinces`` array, each existing ``[[provinces]]`` entry kept (with ``reviewers`` set when
restaffed) and one ``{ name = ..., reviewers = ... }`` entry added for a restaffed province that has none (with
the data tables, every province of the table is a hukou province).

A staffing is a :data:`Staffing`: the count from the start and dated steps (``windows_from``,
``reviewers_from``). A restaffed entry always gets its steps written, ``{}`` when flat, so that steps of a base
file or of the ``[office]`` / ``[verification]`` defaults do not outlive a flat staffing.

Arrays are written whole because an extending file replaces a base's arrays whole: the same overrides serve
:func:`~sim.scenario.load.load_scenario` and :func:`extending_file`, a file that ``extends`` the original.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.scenario.errors import BARE_KEY, toml_text
from sim.scenario.schema import Scenario, Steps

Overrides = dict[str, Any]
"""Key path (``office.windows``, ``offices``, ``office.override``, ``provinces``) to its new value."""

Staffing = tuple[int, tuple[tuple[dt.date, int], ...]]
"""Servers from the run's start, and (date, servers from 00:00 of that date on) steps by date."""


def staffing_of(base: int, steps: Steps, start: dt.date) -> Staffing:
    """A station's staffing as loaded (steps in minutes since the run's ``start``) as a :data:`Staffing`."""
    return base, tuple((start + dt.timedelta(days=round(moment / 1440.0)), n) for moment, n in steps)


def _fields(staffing: Staffing, count: str) -> dict[str, Any]:
    """The entry fields of a staffing: ``{count: n, count_from: {"2022-10-01": m, ...}}``."""
    base, steps = staffing
    return {count: base, f"{count}_from": {day.isoformat(): n for day, n in steps}}


def staffing_overrides(
    data: Mapping[str, Any],
    scenario: Scenario,
    windows: Mapping[str, Staffing],
    reviewers: Mapping[str, Staffing],
) -> Overrides:
    """The overrides that give offices and provinces the staff asked for.

    Parameters
    ----------
    data
        The scenario's merged TOML (:func:`~sim.scenario.load.merged_data`); not changed.
    scenario
        The scenario as loaded from it.
    windows
        Office name to its windows; offices not named keep theirs.
    reviewers
        Province name to its reviewers; provinces not named keep theirs.

    Offices and provinces whose staffing equals the loaded one are left as they are.

    Returns
    -------
    Overrides
        Empty when nothing changes.
    """
    overrides: Overrides = {}
    start = scenario.run.start
    changed = {
        o.name: _fields(windows[o.name], "windows")
        for o in scenario.offices
        if o.name in windows and windows[o.name] != staffing_of(o.windows, o.windows_from, start)
    }
    office = data.get("office", {})
    if changed and isinstance(office, dict) and office.get("per") == "prefecture":
        cities = {o.name: o.city for o in scenario.offices}
        overrides["office.override"] = _entries(
            office.get("override", []), "city", {cities[n]: c for n, c in changed.items()}
        )
    elif changed and data.get("offices"):
        overrides["offices"] = _entries(data["offices"], "name", changed, add=False)
    elif changed:
        (fields,) = changed.values()
        overrides |= {f"office.{key}": value for key, value in fields.items()}
    moved = {
        p.name: _fields(reviewers[p.name], "reviewers")
        for p in scenario.provinces
        if p.name in reviewers and reviewers[p.name] != staffing_of(p.reviewers, p.reviewers_from, start)
    }
    if moved:
        overrides["provinces"] = _entries(data.get("provinces", []), "name", moved)
    return overrides


def _entries(
    entries: list[dict[str, Any]], key: str, values: Mapping[str, dict[str, Any]], *, add: bool = True
) -> list[dict[str, Any]]:
    """Copies of ``entries`` with the fields set where ``entry[key]`` is restaffed, and new entries for the rest."""
    result = copy.deepcopy(list(entries))
    seen = set()
    for entry in result:
        name = entry.get(key)
        if isinstance(name, str) and name in values:
            entry.update(values[name])
            seen.add(name)
    if add:
        result += [{key: name, **fields} for name, fields in values.items() if name not in seen]
    return result


def extending_file(base: Path, name: str, overrides: Mapping[str, Any], header: str = "") -> str:
    """The TOML text of a scenario that ``extends`` ``base`` and applies ``overrides`` (of :func:`staffing_overrides`).

    Parameters
    ----------
    base
        The original scenario file; written as an absolute path, so the file may be read from anywhere.
    name
        The new scenario's ``name``.
    overrides
        From :func:`staffing_overrides`.
    header
        Comment lines put first (each without ``#``).
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"extends = {toml_text(str(base.resolve()))}", f"name = {toml_text(name)}"]
    single = [(path.removeprefix("office."), v) for path, v in overrides.items() if path.startswith("office.windows")]
    if single:
        lines += ["", "[office]", *(f"{key} = {toml_text(value)}" for key, value in single)]
    for path, header_name in (
        ("offices", "offices"),
        ("office.override", "office.override"),
        ("provinces", "provinces"),
    ):
        for entry in overrides.get(path, []):
            lines += ["", f"[[{header_name}]]"]
            lines += [f"{_key(k)} = {toml_text(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)
