"""Parameter sweeps that survive an interruption: the cartesian product of ``--set`` values, one folder per point.

A sweep folder holds ``sweep.json`` (what was asked: scenario, sets, seed, replications, engine, and a fingerprint
of each point's resolved scenario), one results folder per point (``p003-office.windows=3-verification.reviewers=5``,
written by :func:`~sim.experiment.store.save_experiment`, so it exists whole or not at all), ``index.csv`` (one row
per point: its values and key figures, rewritten atomically after each finished point) and, while a point is
running, ``.checkpoints/<point>/rep-0007.pkl``: each finished replication's :class:`~sim.experiment.runner.Outcome`,
written atomically.

Rerunning the same sweep into the same folder skips the finished points, restores the checkpointed replications of
an unfinished one and runs only the rest. A replication depends only on the scenario, the seed and its index, so the
resumed sweep's summaries and index are byte-identical to an uninterrupted sweep's. Every point uses the same seed:
replication ``r`` of every point shares its random streams (common random numbers), so differences between points
are not blurred by sampling noise.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import math
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sim
from sim.experiment.catalogue import names
from sim.experiment.checkpoints import Checkpoints, replace_file, scenario_fingerprint
from sim.experiment.executors import Executor, SerialExecutor
from sim.experiment.metric import TOTAL
from sim.experiment.runner import Outcome, Progress, assemble, run_replications
from sim.experiment.store import save_experiment
from sim.model.engine import DEFAULT_ENGINE, Engine
from sim.scenario.errors import ScenarioError, toml_text
from sim.scenario.load import load_scenario, shown_path
from sim.scenario.overrides import SET, check_disjoint, value_label
from sim.scenario.schema import Scenario

SWEEP_FILE = "sweep.json"
INDEX_FILE = "index.csv"
CHECKPOINTS = ".checkpoints"
MAX_POINTS = 10_000
"""The most points one sweep may have."""

KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("applicants", "mean"),
    ("wait_mean", "mean"),
    ("wait_mean", "half_width"),
    ("wait_p90", "mean"),
    ("utilisation", "mean"),
    ("reviewer_utilisation", "mean"),
    ("lead_days_p90", "mean"),
    ("lead_days_p90", "half_width"),
    ("over_promise_share", "mean"),
)
"""Figures of the ``total`` scope copied into ``index.csv`` (metric, column of ``summary.csv``), when reported."""
names(*(metric for metric, _ in KEY_FIGURES))  # a figure renamed in the catalogue fails here, at import

_ADVICE = "resume with the same scenario, --set, --seed and --replications, or choose another --out"
_LEGACY = {"engine": "simpy"}
"""What a ``sweep.json`` written before a field existed meant by its absence (every sweep ran on SimPy then)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")
_NAME_LENGTH = 100


@dataclass(frozen=True)
class Point:
    """One combination of swept values.

    Attributes
    ----------
    index : int
        Position in the sweep, from 0 (cartesian order, the last key varying fastest).
    overrides : Mapping
        Key path to the TOML value it takes at this point.
    name : str
        The point's folder name: ``p003-office.windows=3-verification.reviewers=5``, characters other than
        letters, digits and ``._=+-`` replaced by ``_`` and cut to about 100 characters (``index.csv`` and
        ``sweep.json`` hold the exact values).
    """

    index: int
    overrides: Mapping[str, Any]
    name: str

    @property
    def label(self) -> str:
        """The values as ``office.windows=3,verification.reviewers=5``."""
        return ",".join(f"{key}={value_label(value)}" for key, value in self.overrides.items())


@dataclass(frozen=True)
class PointResult:
    """A finished point.

    Attributes
    ----------
    point : Point
        The point.
    folder : Path
        Its results folder.
    replications : int
        Replications of the point.
    seed : int
        Root seed (the same for every point unless ``run.seed`` is swept).
    summary : Mapping
        Its ``summary.csv`` as ``(scope, metric) -> {column: text}``.
    reused : bool
        The folder existed already (finished by an earlier, interrupted run of the sweep); nothing was run.
    ran : int
        Replications run by this call.
    restored : int
        Replications restored from checkpoints of an interrupted run.
    """

    point: Point
    folder: Path
    replications: int
    seed: int
    summary: Mapping[tuple[str, str], Mapping[str, str]]
    reused: bool
    ran: int
    restored: int


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    out : Path
        The sweep folder.
    points : tuple of PointResult
        In point order.
    index : Path
        ``index.csv``.
    header : tuple of str
        Columns of ``index.csv``.
    rows : tuple of tuple of str
        Its rows, as written.
    """

    out: Path
    points: tuple[PointResult, ...]
    index: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def ran(self) -> int:
        """Replications run by this call (not restored, not reused)."""
        return sum(p.ran for p in self.points)


def points(sets: Mapping[str, Sequence[Any]]) -> list[Point]:
    """The cartesian product of the swept values, in the order given, the last key varying fastest.

    Parameters
    ----------
    sets
        Key path to its values (as :func:`~sim.scenario.overrides.parse_sets` returns them).

    Returns
    -------
    list of Point
        One point per combination; a single point without overrides when ``sets`` is empty.

    Raises
    ------
    ScenarioError
        When a key has no values or the product exceeds :data:`MAX_POINTS`.
    """
    for key, values in sets.items():
        if not values:
            raise ScenarioError(SET, key, "needs at least one value")
    count = math.prod(len(values) for values in sets.values())
    if count > MAX_POINTS:
        raise ScenarioError(SET, ", ".join(sets), f"the sweep would have {count} points, at most {MAX_POINTS}")
    width = max(3, len(str(count - 1)))
    keys = list(sets)
    result = []
    for index, combination in enumerate(itertools.product(*sets.values())):
        overrides = dict(zip(keys, combination, strict=True))
        result.append(Point(index, overrides, _folder_name(index, width, overrides)))
    return result


def _folder_name(index: int, width: int, overrides: Mapping[str, Any]) -> str:
    label = "-".join(f"{key}={value_label(value)}" for key, value in overrides.items())
    slug = _UNSAFE.sub("_", label)[:_NAME_LENGTH].rstrip("._-")
    return f"p{index:0{width}d}" + (f"-{slug}" if slug else "")


def run_sweep(
    path: str | Path,
    sets: Mapping[str, Sequence[Any]],
    out: Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    on_point_done: Callable[[PointResult], None] | None = None,
    engine: Engine = DEFAULT_ENGINE,
) -> SweepResult:
    """Run (or resume) a sweep: every point's replications, its results folder, and the index.

    Every point is loaded and validated before anything is run or written. An existing ``out`` must hold the same
    sweep (``sweep.json``); its finished points are reused and its checkpointed replications restored.

    Parameters
    ----------
    path
        The scenario file.
    sets
        Key path to the values it takes (the order of keys gives the order of points and index columns).
    out
        The sweep folder; created when missing.
    replications, seed
        Override ``run.replications`` and ``run.seed`` at every point (they may not be swept as well).
    executor
        Where to run replications; serial when omitted.
    progress
        Called with (replications done, replications in the sweep), counting reused and restored ones.
    on_point_done
        Called after each point's folder and the index are written (reused points included).
    engine
        The model engine (:mod:`sim.model.engine`); part of the request, so a sweep is resumed on the engine it
        began with.

    Returns
    -------
    SweepResult
        The points in order and the index.

    Raises
    ------
    ScenarioError
        When a point breaks a rule of the scenario (``--set`` named where an overridden value is at fault), or
        ``out`` holds something else than this sweep; nothing is written then.
    KeyboardInterrupt
        Passed on; the finished points and checkpointed replications stay for the next run.
    """
    keys = list(sets)
    plan = points(sets)
    scenarios = point_scenarios(path, sets, replications, seed)
    out = Path(out)
    _begin(out, _description(Path(path), sets, plan, scenarios, engine))
    counter = _Counter(progress, sum(s.run.replications for s in scenarios))
    runner = _Runner(executor or SerialExecutor(), engine, counter)
    results: dict[int, PointResult] = {}
    header, rows = _write_index(out, keys, plan, scenarios, results)
    for point, scenario in zip(plan, scenarios, strict=True):
        results[point.index] = _run_point(out, point, scenario, runner)
        header, rows = _write_index(out, keys, plan, scenarios, results)
        if on_point_done is not None:
            on_point_done(results[point.index])
    return SweepResult(out, tuple(results[p.index] for p in plan), out / INDEX_FILE, header, rows)


def point_scenarios(
    path: str | Path, sets: Mapping[str, Sequence[Any]], replications: int | None = None, seed: int | None = None
) -> list[Scenario]:
    """Every point's validated scenario, in point order, with the replications and seed it runs with.

    Raises
    ------
    ScenarioError
        When a point breaks a rule, a key is set twice, or ``run.seed``/``run.replications`` is swept as well as
        given.
    """
    check_disjoint(list(sets))
    for key, option, given in (("run.seed", "--seed", seed), ("run.replications", "--replications", replications)):
        if key in sets and given is not None:
            raise ScenarioError(SET, key, f"cannot be swept together with {option}")
    return [_with_run(load_scenario(path, point.overrides), replications, seed) for point in points(sets)]


def read_summary(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    """A results folder's ``summary.csv`` as ``(scope, metric) -> {column: text}``."""
    with (folder / "summary.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["scope"], row["metric"]): row for row in csv.DictReader(handle)}


class _Counter:
    """Replications done over the whole sweep, reported to the progress callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def add(self, count: int) -> None:
        self.done += count
        if self.progress is not None and count:
            self.progress(self.done, self.total)


@dataclass(frozen=True)
class _Runner:
    """How every point's replications run: the executor, the engine and the sweep's progress counter."""

    executor: Executor
    engine: Engine
    counter: _Counter


def _with_run(scenario: Scenario, replications: int | None, seed: int | None) -> Scenario:
    run = dataclasses.replace(
        scenario.run,
        replications=scenario.run.replications if replications is None else replications,
        seed=scenario.run.seed if seed is None else seed,
    )
    return dataclasses.replace(scenario, run=run)


def _common(values: Sequence[int]) -> int | None:
    return values[0] if len(set(values)) == 1 else None


def _description(
    path: Path, sets: Mapping[str, Sequence[Any]], plan: list[Point], scenarios: list[Scenario], engine: Engine
) -> dict[str, Any]:
    """The content of ``sweep.json``: everything the results depend on, compared on resume."""
    return {
        "scenario": str(path.resolve()),
        "sets": {key: [toml_text(v) for v in values] for key, values in sets.items()},
        "seed": _common([s.run.seed for s in scenarios]),
        "replications": _common([s.run.replications for s in scenarios]),
        "engine": engine,
        "version": sim.__version__,
        "points": [
            {
                "folder": point.name,
                "set": {key: toml_text(value) for key, value in point.overrides.items()},
                "seed": scenario.run.seed,
                "replications": scenario.run.replications,
                "scenario_sha256": scenario_fingerprint(scenario),
            }
            for point, scenario in zip(plan, scenarios, strict=True)
        ],
    }


def _begin(out: Path, description: dict[str, Any]) -> None:
    """Start a new sweep folder, or check that an existing one holds this very sweep."""
    file = out / SWEEP_FILE
    if file.exists():
        _check_same(file, description)
        return
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScenarioError(
            shown_path(out), "--out", "exists and is not a sweep folder (no sweep.json); choose another"
        )
    out.mkdir(parents=True, exist_ok=True)
    replace_file(file, _json(description))


def _check_same(file: Path, new: dict[str, Any]) -> None:
    shown = shown_path(file)
    try:
        old = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(shown, "file", f"cannot be read ({exc})") from None
    if not isinstance(old, dict):
        raise ScenarioError(shown, "file", "is not a sweep description")
    for field in ("scenario", "sets", "seed", "replications", "engine", "version"):
        held = old.get(field, _LEGACY.get(field))
        if held != new[field]:
            was = _shown_sets(held) if field == "sets" else f"{field} {json.dumps(held)}"
            now = _shown_sets(new[field]) if field == "sets" else f"{field} {json.dumps(new[field])}"
            advice = f"resume with --engine {held}, or choose another --out" if field == "engine" else _ADVICE
            raise ScenarioError(shown, field, f"this folder holds a sweep with {was}, not {now}; {advice}")
    for before, after in zip(old.get("points") or [], new["points"], strict=False):
        if before != after:
            rule = f"the scenario (or a file it extends) changed since the sweep began (point {after['folder']})"
            raise ScenarioError(shown, "points", f"{rule}; restore it, or choose another --out")
    if old.get("points") != new["points"]:
        raise ScenarioError(shown, "points", f"the points differ from this request; {_ADVICE}")


def _shown_sets(sets: Any) -> str:
    if not isinstance(sets, dict) or not sets:
        return "no --set"
    return " ".join(f"--set {key}={','.join(map(str, values))}" for key, values in sets.items())


def _run_point(out: Path, point: Point, scenario: Scenario, runner: _Runner) -> PointResult:
    folder = out / point.name
    run = scenario.run
    checkpoints = Checkpoints(out / CHECKPOINTS / point.name, scenario_fingerprint(scenario))
    if folder.exists():  # written whole by an earlier run of this sweep
        checkpoints.drop()
        runner.counter.add(run.replications)
        return PointResult(point, folder, run.replications, run.seed, read_summary(folder), True, 0, 0)
    outcomes = checkpoints.restore(range(run.replications))
    restored = len(outcomes)
    runner.counter.add(restored)
    missing = [i for i in range(run.replications) if i not in outcomes]
    began = time.perf_counter()
    if missing:

        def keep(_: int, index: int, outcome: Outcome) -> None:
            checkpoints.keep(index, outcome)
            outcomes[index] = outcome
            runner.counter.add(1)

        run_replications([scenario], missing, runner.executor, engine=runner.engine, on_outcome=keep)
    ordered = [outcomes[i] for i in range(run.replications)]
    wall = time.perf_counter() - began
    experiment = assemble(scenario, ordered, wall, runner.executor.name, engine=runner.engine)
    for stale in out.glob(f".{point.name}.partial-*"):  # left by a run that was killed while writing
        shutil.rmtree(stale, ignore_errors=True)
    save_experiment(experiment, folder)
    checkpoints.drop()
    return PointResult(point, folder, run.replications, run.seed, read_summary(folder), False, len(missing), restored)


def _write_index(
    out: Path, keys: list[str], plan: list[Point], scenarios: list[Scenario], results: Mapping[int, PointResult]
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Rewrite ``index.csv`` atomically: one row per point, its key figures once it is done."""
    figures = [(m, c) for m, c in KEY_FIGURES if any((TOTAL, m) in r.summary for r in results.values())]
    header = (
        "point", "status", *keys, "replications", "seed", *(m if c == "mean" else f"{m}_{c}" for m, c in figures)
    )  # fmt: skip
    rows = []
    for point, scenario in zip(plan, scenarios, strict=True):
        done = results.get(point.index)
        cells = [point.name, "pending" if done is None else "done", *(value_label(point.overrides[k]) for k in keys)]
        cells += [str(scenario.run.replications), str(scenario.run.seed)]
        cells += ["" if done is None else done.summary.get((TOTAL, m), {}).get(c, "") for m, c in figures]
        rows.append(tuple(cells))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    replace_file(out / INDEX_FILE, text.getvalue().encode("utf-8"))
    return header, tuple(rows)


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
