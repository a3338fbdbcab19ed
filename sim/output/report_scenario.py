"""The scenario behind a results folder, for ``rollout-sim report``: rebuilt from its file, checked like ``validate``.

A results folder keeps the resolved scenario (``scenario.json``) and names the file it came from
(``manifest.json``). The data tables a scenario names are paths relative to the file that wrote them, which
``scenario.json`` no longer records, so the scenario is rebuilt by loading the recorded file again and setting every
value that differs from ``scenario.json`` (as ``sweep --set`` does); the result must resolve to ``scenario.json``
exactly (replications and seed aside), else the report says why it could not be rebuilt. Nothing here runs a model.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sim.output.report_text import ACCEPT_TEXT, OPEN_ALL, OPEN_BATCHES, OPEN_TEXT
from sim.scenario.errors import ScenarioError, toml_text
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario, shown_path
from sim.scenario.overrides import Segment, key_text
from sim.scenario.schema import Scenario, Steps
from sim.world.peak import PeakLoad, load_warnings, peak_loads
from sim.world.staff import staff_text

REPOSITORY = Path(__file__).resolve().parents[2]
"""The folder that holds the ``sim`` package (a checkout's root), where relative scenario paths are also tried."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_UNSET = ("replications", "seed")
_HORIZON = ("run.end", "run.warm_up_days")
"""What ``--until`` changes: a guessed file that differs only there is the same scenario, cut."""
"""``run`` keys that the command line may override and ``scenario.json`` records: not compared."""
_FILE_TABLES = ("data", "calendar")
"""Tables whose file names are relative to the scenario file that wrote them: they must not have changed."""


class RebuildError(ValueError):
    """The scenario of a results folder cannot be rebuilt; the message is one line saying why."""


@dataclass(frozen=True)
class Rebuilt:
    """The outcome of rebuilding a folder's scenario.

    Attributes
    ----------
    scenario : Scenario or None
        The validated scenario, None when it could not be rebuilt.
    note : str
        How it was rebuilt (from which file, which values came from ``scenario.json``) or why it could not be.
    """

    scenario: Scenario | None
    note: str


@dataclass(frozen=True)
class Check:
    """What ``rollout-sim validate`` reports for a scenario.

    Attributes
    ----------
    warnings : tuple of str
        The warnings it prints, word for word, in its order (overloaded offices, then overloaded reviewers).
    busiest : PeakLoad or None
        The office whose busiest hour has the highest utilisation (None without offices).
    offices : int
        Offices checked.
    """

    warnings: tuple[str, ...]
    busiest: PeakLoad | None
    offices: int


def candidate_files(recorded: str | None, *, beside: Path | None = None, name: str | None = None) -> list[Path]:
    """Where a recorded scenario file may be now: as written, from the working directory, from the repository.

    Parameters
    ----------
    recorded
        The path ``manifest.json`` or ``sweep.json`` records (relative to the working directory of the run, or
        absolute); None when nothing is recorded.
    beside
        With ``name``: also ``beside/<name>.toml`` (a comparison's later scenarios, whose files are not recorded).
    name
        The scenario's name.

    Returns
    -------
    list of Path
        Existing files, without repeats, in the order to try.
    """
    paths: list[Path] = []
    if recorded:
        path = Path(recorded)
        paths += [path] if path.is_absolute() else [Path.cwd() / path, REPOSITORY / path]
    if beside is not None and name:
        paths.append(beside / f"{name}.toml")
    found: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if resolved.is_file() and resolved not in found:
            found.append(resolved)
    return found


def rebuild(recorded: Mapping[str, Any], files: Sequence[Path], *, exact: bool = False) -> Rebuilt:
    """Rebuild a folder's scenario from the first of ``files`` that gives back ``scenario.json``.

    Parameters
    ----------
    recorded
        The folder's ``scenario.json``.
    files
        Scenario files to try, in order.
    exact
        Accept a file only when it resolves to ``recorded`` as it is (for a file guessed rather than recorded).

    Returns
    -------
    Rebuilt
        The scenario and how it was rebuilt, or None and why not (the last file's reason).
    """
    if not files:
        return Rebuilt(None, "could not be rebuilt: the scenario file is not recorded or no longer exists")
    reason = ""
    for file in files:
        try:
            return _rebuild_from(recorded, file, exact)
        except RebuildError as error:
            reason = str(error)
    return Rebuilt(None, f"could not be rebuilt: {reason}")


def _rebuild_from(recorded: Mapping[str, Any], file: Path, exact: bool) -> Rebuilt:
    want = _comparable(recorded)
    try:
        scenario = load_scenario(file)
    except ScenarioError as error:
        raise RebuildError(error.message) from None
    overrides = differences(_comparable(scenario.resolved), want)
    others = {k: v for k, v in overrides.items() if k not in _HORIZON}
    if others and exact:
        raise RebuildError(f"{shown_path(file)} differs from scenario.json at {_keys(others)}")
    files = {k: v for k, v in others.items() if k.split(".")[0].split("[")[0] in _FILE_TABLES}
    if files:
        raise RebuildError(
            f"the data files named in scenario.json differ from those of {shown_path(file)}: {_keys(files)}"
        )
    if others:
        try:
            scenario = load_scenario(file, {key: toml_value(value) for key, value in others.items()})
        except ScenarioError as error:
            raise RebuildError(error.message) from None
        if _comparable(scenario.resolved, horizon=False) != _comparable(recorded, horizon=False):
            raise RebuildError(f"{shown_path(file)} with the values of scenario.json set does not give it back")
    how = f"rebuilt from {shown_path(file)}"
    if others:
        how += f", with {len(others)} value(s) of scenario.json where the file differs ({_keys(others)})"
    end = lookup(recorded, "run.end")
    if "run.end" in overrides and isinstance(end, str):
        scenario = cut_at(scenario, dt.date.fromisoformat(end))  # as --until cut it: phases and links kept
        how += f", cut at {end} (--until)"
    return Rebuilt(scenario, how)


def _keys(overrides: Mapping[str, Any], shown: int = 4) -> str:
    keys = list(overrides)
    return ", ".join(keys[:shown]) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def _comparable(data: Mapping[str, Any], *, horizon: bool = True) -> dict[str, Any]:
    """A resolved scenario without the run's replications and seed (which the command line may override).

    Without its horizon too (``run.end``, ``run.warm_up_days``: what ``--until`` cuts) when ``horizon`` is False.
    """
    dropped = _UNSET if horizon else (*_UNSET, *(key.removeprefix("run.") for key in _HORIZON))
    out = copy.deepcopy(dict(data))
    run = out.get("run")
    if isinstance(run, dict):
        out["run"] = {k: v for k, v in run.items() if k not in dropped}
    return out


def differences(have: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides (key path to value) that turn the resolved scenario ``have`` into ``want``.

    Parameters
    ----------
    have, want
        Resolved scenarios as JSON data (``Scenario.resolved``, ``scenario.json``).

    Returns
    -------
    dict
        Key path (:func:`sim.scenario.overrides.key_text` form) to the value ``want`` has there; tables and arrays of
        tables of the same length are compared entry by entry, anything else is replaced whole.

    Raises
    ------
    RebuildError
        When ``have`` holds a key that ``want`` lacks.
    """
    out: dict[str, Any] = {}
    _diff(have, want, (), out)
    return out


def _diff(have: Any, want: Any, path: tuple[Segment, ...], out: dict[str, Any]) -> None:
    if have == want:
        return
    if isinstance(have, dict) and isinstance(want, dict):
        for key in have:
            if key not in want:
                raise RebuildError(f"the scenario file has {key_text((*path, (key, None)))}, scenario.json has not")
        for key, value in want.items():
            _diff(have.get(key), value, (*path, (key, None)), out)
        return
    if path and _tables(have) and _tables(want) and len(have) == len(want):
        name = path[-1][0]
        for index, (old, new) in enumerate(zip(have, want, strict=True)):
            _diff(old, new, (*path[:-1], (name, index)), out)
        return
    out[key_text(path)] = want


def _tables(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def toml_value(value: Any) -> Any:
    """A ``scenario.json`` value as TOML would give it: ISO dates and date-times back to date objects.

    Parameters
    ----------
    value
        A JSON value.

    Returns
    -------
    Any
        The same value with every ``YYYY-MM-DD`` string a :class:`datetime.date` and every
        ``YYYY-MM-DDTHH:MM:SS`` string a :class:`datetime.datetime` (tables and lists converted throughout).
    """
    if isinstance(value, dict):
        return {k: toml_value(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [toml_value(v) for v in value]
    if isinstance(value, str) and _DATE.fullmatch(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        return dt.datetime.fromisoformat(value)
    return value


def check(scenario: Scenario) -> Check:
    """The warnings ``rollout-sim validate`` prints for a scenario, and its busiest office hour.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    Check
        The warnings in ``validate``'s words and order, the office with the highest peak-hour utilisation (rho,
        a share) and the number of offices.
    """
    peaks = peak_loads(scenario)
    warnings = load_warnings(scenario, peaks)
    busiest = max(peaks, key=lambda p: p.queue.utilisation, default=None)
    return Check(tuple(warnings), busiest, len(peaks))


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted key path of JSON data (``office.hours``), None where there is none."""
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def shown(value: Any, limit: int = 300) -> str:
    """A scenario value as one line of text: strings as they are, anything else as TOML, shortened to ``limit``."""
    text = value if isinstance(value, str) else toml_text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_period(recorded: Mapping[str, Any]) -> str:
    """``run.start`` to ``run.end`` with the days and the warm-up, as ``scenario.json`` records them."""
    start, end = lookup(recorded, "run.start"), lookup(recorded, "run.end")
    try:
        days = (dt.date.fromisoformat(str(end)) - dt.date.fromisoformat(str(start))).days + 1
    except ValueError:
        return f"{start} to {end}"
    warm = lookup(recorded, "run.warm_up_days") or 0
    return f"{start} to {end} ({days} days{f', the first {warm} left out as warm-up' if warm else ''})"


def offices_text(recorded: Mapping[str, Any], scenario: Scenario | None, names: Sequence[str]) -> str:
    """The offices: how many, and their names when there are a few."""
    if scenario is not None:
        names = [office.name for office in scenario.offices]
    elif not names:
        entries = recorded.get("offices")
        names = [str(e.get("name", "")) for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    per = lookup(recorded, "office.per")
    how = " (one per prefecture-level unit of the cities table)" if per == "prefecture" else ""
    if not names:
        return how.strip(" ()") if how else "1"
    listed = f": {', '.join(names)}" if len(names) <= 6 else ""
    return f"{len(names)}{how}{listed}"


def windows_text(recorded: Mapping[str, Any], scenario: Scenario | None) -> str:
    """Windows per office (the rebuilt scenario's counts, else the ``[office]`` value), with any steps by date.

    Without ``windows_from`` anywhere: ``3 per office``, ``2 to 4 per office, 12 in all``. When every office has
    the same count and steps: ``4 per office, 6 from 2022-10-01, 4 from 2023-01-01``. Otherwise the counts at the
    start, then ``at the start; by date at 2 of 5 offices, 2 to 8 per office over the run``.
    """
    rule = lookup(recorded, "office.windows")
    if scenario is None or not scenario.offices:
        return _recorded_staff(rule, lookup(recorded, "office.windows_from"))
    staff = [(office.windows, office.windows_from) for office in scenario.offices]
    text = _staff_counts(staff, scenario.run.start, "office")
    return text + (f" (rule {shown(rule)})" if isinstance(rule, dict) else "")


def reviewers_text(recorded: Mapping[str, Any], scenario: Scenario | None) -> str:
    """Reviewers per hukou province (the rebuilt scenario's counts, else ``[verification]``'s), with any steps.

    As :func:`windows_text`: ``2 per province, 4 from 2022-10-01``, or ``1 to 2 per province, 3 in all at the
    start; by date at 1 of 2 provinces, 1 to 3 per province over the run``; empty without provinces.
    """
    rule = lookup(recorded, "verification.reviewers")
    if scenario is None:
        return _recorded_staff(rule, lookup(recorded, "verification.reviewers_from")) if rule is not None else ""
    if not scenario.provinces:
        return ""
    staff = [(province.reviewers, province.reviewers_from) for province in scenario.provinces]
    text = _staff_counts(staff, scenario.run.start, "province")
    return text + (f" (rule {shown(rule)})" if isinstance(rule, dict) else "")


def _recorded_staff(rule: Any, steps: Any) -> str:
    """A count as ``scenario.json`` records it, and its steps when it has any."""
    text = shown(rule) if rule is not None else "-"
    return text + (f", from dates {shown(steps)}" if steps is not None else "")


def _staff_counts(staff: Sequence[tuple[int, Steps]], start: dt.date, per: str) -> str:
    """Counts per station (office or province) and their steps by date, in words (see :func:`windows_text`)."""
    counts = [base for base, _ in staff]
    low, high, total = min(counts), max(counts), sum(counts)
    stepped = [steps for _, steps in staff if steps]
    if stepped and len(set(staff)) == 1:
        return staff_text(f"{low} per {per}", stepped[0], start)
    text = f"{low} per {per}" if low == high else f"{low} to {high} per {per}"
    text += f", {total:,} in all" if len(counts) > 1 else ""
    if stepped:
        every = [n for base, steps in staff for n in (base, *(n for _, n in steps))]
        text += f" at the start; by date at {len(stepped)} of {len(staff)} {per}s, {min(every)} to {max(every)} per"
        text += f" {per} over the run"
    return text


def provinces_text(recorded: Mapping[str, Any], scenario: Scenario | None) -> str:
    """The hukou provinces that review applications (none: intake-only)."""
    if scenario is not None:
        names = [p.name for p in scenario.provinces]
    else:
        entries = recorded.get("provinces")
        names = [str(e.get("name", "")) for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        if not names and isinstance(recorded.get("data"), dict):
            return "every province of the data tables"
    if not names:
        return "none: intake-only (applicants leave after the intake)"
    return f"{len(names)}: {', '.join(names)}" if len(names) <= 8 else f"{len(names)} (every province of the data)"


def applies(recorded: Mapping[str, Any]) -> set[str]:
    """Which kinds of statement of :data:`sim.output.report_text.ASSUMPTIONS` concern a scenario."""
    kinds = {"all"}
    if lookup(recorded, "calendar.holidays"):
        kinds.add("holidays")
    if recorded.get("provinces") or recorded.get("data"):
        kinds.add("journey")
    if recorded.get("data"):
        kinds.add("national")
    if recorded.get("phase"):
        kinds.add("phases")
    return kinds


def file_notes(file: Path, limit: int = 40) -> str:
    """The comment lines that open a scenario file (its author's notes on sources), without the ``#``."""
    lines: list[str] = []
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines[:limit])


@dataclass(frozen=True)
class PhaseRow:
    """One ``[[phase]]`` entry as the report lists it.

    Attributes
    ----------
    name : str
        The phase's label.
    start : str
        Its start date (ISO), as written.
    enables : str
        What it opens and which hukou it accepts, in words.
    steps : tuple of (str, int)
        From the rebuilt scenario: each dated step (ISO date, cities opened); a ``batches`` entry has several,
        steps after the run's end are dropped. Empty when the scenario could not be rebuilt.
    """

    name: str
    start: str
    enables: str
    steps: tuple[tuple[str, int], ...]


def phase_rows(recorded: Mapping[str, Any], scenario: Scenario | None) -> list[PhaseRow]:
    """The scenario's phases in file order, with what each enables and (rebuilt) the cities each step opens."""
    entries = recorded.get("phase")
    if not isinstance(entries, list):
        return []
    rows = []
    for number, entry in enumerate(e for e in entries if isinstance(e, dict)):
        name = str(entry.get("name", f"phase {number + 1}"))
        steps: tuple[tuple[str, int], ...] = ()
        if scenario is not None:
            start = scenario.run.start
            steps = tuple(
                ((start + dt.timedelta(days=p.start_day)).isoformat(), len(p.cities))
                for p in scenario.phases
                if p.name == name
            )
        rows.append(PhaseRow(name, str(entry.get("start", "")), enables(entry), steps))
    return rows


def enables(entry: Mapping[str, Any]) -> str:
    """What a ``[[phase]]`` entry opens and which hukou it accepts, in words (``docs/scenarios.md``)."""
    selector = entry.get("open")
    accept = str(entry.get("accept", ""))
    if selector == "all":
        opens = OPEN_ALL
    elif isinstance(selector, dict) and len(selector) == 1:
        kind, names = next(iter(selector.items()))
        if kind == "batches" and isinstance(names, dict):
            opens = OPEN_BATCHES.format(
                by=names.get("by", "interprov_in"), count=names.get("count", "?"), every=names.get("every_months", "?")
            )
        elif kind in OPEN_TEXT and isinstance(names, list):
            opens = OPEN_TEXT[kind].format(names=", ".join(str(n) for n in names))
        else:
            opens = f"opens {shown(selector)}"
    else:
        opens = f"opens {shown(selector)}"
    return f"{opens}, {ACCEPT_TEXT.get(accept, f'accepting {accept}')}"
