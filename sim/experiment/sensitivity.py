"""Global sensitivity of a scenario's figures to some of its numeric keys: Sobol' indices over uniform ranges.

``rollout-sim sensitivity SCENARIO --vary KEY=LOW:HIGH ...`` asks which of the varied keys moves each output
figure most. Each input ``KEY`` is uniform on ``[LOW, HIGH]`` (an integer key, such as ``office.windows``, uniform
on the integers ``LOW..HIGH``); the design and the estimators are :mod:`sim.experiment.sobol`'s. Each design point
is the scenario with the inputs set to the point's values (``load_scenario(path, overrides)``, as a sweep's
points), run for ``R`` replications on the same seed at every point (common random numbers); the model output at a
point is the mean over its replications of a ``total``-scope figure of the catalogue.

Everything is checked before anything runs: every ``--vary`` (syntax, numbers, ``LOW < HIGH``, a key that the
scenario accepts at ``LOW`` and at ``HIGH``), every ``--output``, and then every point's scenario. Errors name
``--vary`` (or ``--output``) as their file.

The points' replications run through :func:`~sim.experiment.runner.run_replications` without records, in chunks
of points: an executor pickles its task, which carries its scenarios, once per replication, so one task over
thousands of scenarios would ship them all with every replication. A chunk carries at most
:data:`CHUNK_BYTES` of pickled scenarios (one point at least); a serial executor takes them all at once. Each chunk
starts a new pool of local workers, which is cheap once this process has run the engine (:func:`_warm`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import math
import pickle
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy

import sim
from sim.experiment import sobol
from sim.experiment.catalogue import WAIT_SHARE_OVER, lookup, names, reported_name
from sim.experiment.executors import Executor, ProcessExecutor, SerialExecutor
from sim.experiment.metric import TOTAL
from sim.experiment.metrics import metric_list
from sim.experiment.runner import Outcome, Progress, run_replications
from sim.experiment.store import git_commit
from sim.model.engine import DEFAULT_ENGINE, Engine
from sim.scenario.errors import ScenarioError, combine, flatten
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.overrides import SET, check_disjoint, key_text, parse_key
from sim.scenario.schema import Scenario

VARY = "--vary"
"""The origin named in errors about an input."""

OUTPUT = "--output"
"""The origin named in errors about an output figure."""

DEFAULT_OUTPUTS = names("wait_mean", "lead_days_p90", "utilisation")
"""Outputs when none is asked for (``lead_days_p90`` only when the scenario has provinces)."""

FIXED_KEYS = ("run.seed", "run.replications")
"""Keys that cannot be inputs: every point runs on the same seed and replications."""

DEFAULT_SAMPLES = 64
"""Base rows ``N`` of the design by default."""

MAX_SAMPLES = 1 << 16
"""The most base rows a design may have."""

CHUNK_BYTES = 64 * 1024
"""Pickled scenarios one task of a (non-serial) executor carries at most (see the module docstring)."""

SENSITIVITY_COLUMNS = ("output", "input", "S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high")
"""Columns of ``sensitivity.csv``."""


@dataclass(frozen=True)
class Input:
    """One varied key.

    Attributes
    ----------
    key : str
        Its key path, canonical (as :func:`~sim.scenario.overrides.key_text` writes it).
    low, high : int or float
        Its range, in the key's own unit; ``low < high``.
    integer : bool
        The key takes integers: uniform on ``low..high`` rather than on the interval.
    """

    key: str
    low: int | float
    high: int | float
    integer: bool = False

    def value(self, unit: float) -> int | float:
        """The key's value at ``unit`` in [0, 1): linear on the range, or the integer of that cell."""
        if self.integer:
            return min(int(self.low) + int(unit * (int(self.high) - int(self.low) + 1)), int(self.high))
        return float(self.low + unit * (self.high - self.low))

    @property
    def kind(self) -> str:
        """``integer`` or ``continuous``."""
        return "integer" if self.integer else "continuous"


@dataclass(frozen=True)
class Study:
    """A checked request: the inputs, outputs, design and every point's scenario, nothing run yet.

    Attributes
    ----------
    path : Path
        The scenario file.
    base : Scenario
        The scenario as written (with the replications and seed the points run with).
    inputs : tuple of Input
        In the order given.
    outputs : tuple of str
        Total-scope figures, as the base scenario names them.
    design : sobol.Design
        The design on the unit cube.
    values : ndarray, shape (P, d)
        Each point's input values (``P = N (d + 2)``, in :meth:`~sim.experiment.sobol.Design.points` order).
    scenarios : tuple of Scenario
        Each point's scenario.
    """

    path: Path
    base: Scenario
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]
    design: sobol.Design
    values: sobol.Array
    scenarios: tuple[Scenario, ...]

    @property
    def replications(self) -> int:
        """Replications at every point."""
        return self.base.run.replications

    @property
    def seed(self) -> int:
        """The root seed of every point."""
        return self.base.run.seed

    def blocks(self) -> list[tuple[str, int]]:
        """Each point's matrix (``A``, ``B``, ``AB:<key>``) and row, in point order."""
        labels = ["A", "B", *(f"AB:{i.key}" for i in self.inputs)]
        return [(label, row) for label in labels for row in range(self.design.samples)]


@dataclass(frozen=True)
class Sensitivity:
    """A finished study.

    Attributes
    ----------
    study : Study
        What was run.
    outputs : ndarray, shape (P, k)
        Each point's model output (mean over its replications) per output figure, in the figure's unit; NaN when
        no replication of the point had a value.
    indices : dict
        Output name to its :class:`~sim.experiment.sobol.Indices`.
    wall_seconds : float
        Wall-clock time of the replications.
    executor : str
        The executor's name.
    engine : Engine
        The model engine.
    resamples : int
        Bootstrap resamples behind the intervals.
    """

    study: Study
    outputs: sobol.Array
    indices: dict[str, sobol.Indices]
    wall_seconds: float
    executor: str
    engine: Engine
    resamples: int

    def ranking(self, output: str) -> list[int]:
        """Input positions by decreasing ``ST`` of ``output`` (NaN last, then the order given)."""
        total = self.indices[output].total
        return sorted(range(len(total)), key=lambda i: (-total[i] if math.isfinite(total[i]) else math.inf, i))


def parse_vary(text: str) -> Input:
    """Parse one ``--vary KEY=LOW:HIGH``.

    Parameters
    ----------
    text
        E.g. ``demand.applications_per_migrant_year=0.003:0.01`` or ``office.windows=2:5``.

    Returns
    -------
    Input
        With ``integer`` False (:func:`prepare` decides it from what the scenario accepts).

    Raises
    ------
    ScenarioError
        Naming ``--vary``: no ``=``, a malformed key path, not two numbers split by ``:``, a number that is not
        finite, ``LOW >= HIGH``, or a key that cannot vary (:data:`FIXED_KEYS`).
    """
    key_part, equals, range_part = text.rpartition("=")
    if not equals or not key_part.strip():
        raise ScenarioError(VARY, text, "must be written KEY.PATH=LOW:HIGH, e.g. office.applicants_per_day=20:80")
    try:
        key = key_text(parse_key(key_part))
    except ScenarioError as error:
        raise ScenarioError(VARY, error.key, error.rule) from None
    if key in FIXED_KEYS:
        raise ScenarioError(VARY, key, "cannot be varied: every point runs on the same seed and replications")
    parts = range_part.split(":")
    if len(parts) != 2:
        raise ScenarioError(VARY, key, "the range must be LOW:HIGH, two numbers split by ':'", range_part)
    low, high = (_number(part, key, range_part) for part in parts)
    if low > high:
        raise ScenarioError(VARY, key, "LOW must be below HIGH", range_part)
    if low == high:
        raise ScenarioError(VARY, key, "LOW equals HIGH: a key that does not vary has no index (set it in the file)",
                            range_part)  # fmt: skip
    return Input(key, low, high)


def _number(text: str, key: str, shown: str) -> int | float:
    """A bound as typed: an integer when written as one, else a float; finite."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(VARY, key, "LOW and HIGH must be numbers", shown) from None
    if not math.isfinite(value):
        raise ScenarioError(VARY, key, "LOW and HIGH must be finite numbers", shown)
    return value


def parse_varies(texts: Sequence[str]) -> tuple[Input, ...]:
    """Parse every ``--vary``; a key given twice, or inside another one, is refused (naming ``--vary``)."""
    inputs = [parse_vary(text) for text in texts]
    seen: set[str] = set()
    for item in inputs:
        if item.key in seen:
            raise ScenarioError(VARY, item.key, "is given twice; give each key one range")
        seen.add(item.key)
    try:
        check_disjoint([item.key for item in inputs])
    except ScenarioError as error:
        raise ScenarioError(VARY, error.key, error.rule) from None
    return tuple(inputs)


def prepare(
    path: str | Path,
    inputs: Sequence[Input],
    *,
    samples: int = DEFAULT_SAMPLES,
    outputs: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    until: dt.date | None = None,
) -> Study:
    """Check a request and build every point's scenario; nothing is run.

    Parameters
    ----------
    path
        The scenario file.
    inputs
        The varied keys (:func:`parse_varies`).
    samples
        Base rows ``N`` of the design (a power of 2, 4 to :data:`MAX_SAMPLES`).
    outputs
        Total-scope figures (default :data:`DEFAULT_OUTPUTS`, those the scenario reports).
    replications, seed
        Override ``run.replications`` and ``run.seed`` (the same at every point).
    until
        When given, arrivals stop at the end of this day at every point (:func:`~sim.scenario.horizon.cut_at`).

    Returns
    -------
    Study
        Inputs with their kind decided, the design, the values and scenarios of its ``N (d + 2)`` points.

    Raises
    ------
    ScenarioError
        A broken scenario; an input the scenario refuses at ``LOW`` or ``HIGH`` (naming ``--vary``); an output that
        is not a total-scope figure of the scenario (naming ``--output``); a point the scenario refuses; ``until``
        outside the run (naming ``--until``).
    ValueError
        When ``samples`` is out of range or there are no inputs.
    """
    if not inputs:
        raise ValueError("at least one input is needed")
    if not sobol.MIN_SAMPLES <= samples <= MAX_SAMPLES or samples & (samples - 1):
        raise ValueError(f"samples must be a power of 2 from {sobol.MIN_SAMPLES} to {MAX_SAMPLES}, got {samples}")
    path = Path(path)
    base = _with_run(load_scenario(path), replications, seed, until)
    chosen = check_outputs(base, outputs)
    typed = tuple(_typed(path, item) for item in inputs)
    plan = sobol.design(samples, len(typed), base.run.seed)
    points = [{item.key: item.value(u) for item, u in zip(typed, row, strict=True)} for row in plan.points().tolist()]
    values = np.array([[float(point[item.key]) for item in typed] for point in points], dtype=np.float64)
    run = base.run
    scenarios = tuple(_with_run(_load(path, point), run.replications, run.seed, until) for point in points)
    return Study(path, base, typed, chosen, plan, values, scenarios)


def corners(study: Study) -> list[Scenario]:
    """The scenario with every input at ``LOW`` and with every input at ``HIGH`` (for the work estimate).

    Raises
    ------
    ScenarioError
        When the scenario refuses one of them (naming ``--vary``).
    """
    run = study.base.run
    return [
        _with_run(
            _load(study.path, {i.key: getattr(i, end) for i in study.inputs}), run.replications, run.seed, run.end
        )
        for end in ("low", "high")
    ]


def check_outputs(scenario: Scenario, outputs: Sequence[str]) -> tuple[str, ...]:
    """The output figures: ``outputs`` checked against the scenario's figures, or the defaults.

    Raises
    ------
    ScenarioError
        Naming ``--output``, a figure that the scenario does not report (or one given twice).
    """
    known = [m.name for m in metric_list(scenario) if TOTAL in m.scopes]
    if not outputs:
        return tuple(name for name in DEFAULT_OUTPUTS if name in known)
    for name in outputs:
        if name not in known:
            raise ScenarioError(OUTPUT, name, f"must be a total-scope figure of the scenario: {', '.join(known)}")
    if len(set(outputs)) != len(outputs):
        raise ScenarioError(OUTPUT, ", ".join(outputs), "names a figure twice")
    return tuple(outputs)


def _typed(path: Path, item: Input) -> Input:
    """The input with its kind: the scenario must accept ``LOW`` and ``HIGH``; integer when it refuses a fraction."""
    _load(path, {item.key: item.low})
    _load(path, {item.key: item.high})
    if not (isinstance(item.low, int) and isinstance(item.high, int)):
        return item
    try:
        _load(path, {item.key: item.low + 0.5})
    except ScenarioError:
        return dataclasses.replace(item, integer=True)
    return dataclasses.replace(item, low=float(item.low), high=float(item.high))


def _load(path: Path, overrides: Mapping[str, Any]) -> Scenario:
    """The scenario with ``overrides``; errors about them name ``--vary`` instead of ``--set``."""
    try:
        return load_scenario(path, overrides)
    except ScenarioError as error:
        singles = [ScenarioError(VARY, e.key, e.rule, e.value) if e.file == SET else e for e in flatten([error])]
        raise combine(singles) from None


def _with_run(scenario: Scenario, replications: int | None, seed: int | None, until: dt.date | None = None) -> Scenario:
    if until is not None and until != scenario.run.end:
        if not scenario.run.start <= until <= scenario.run.end:
            rule = f"must be a date within the run ({scenario.run.start} to {scenario.run.end})"
            raise ScenarioError(scenario.file, "--until", rule, until)
        scenario = cut_at(scenario, until)
    run = dataclasses.replace(
        scenario.run,
        replications=scenario.run.replications if replications is None else replications,
        seed=scenario.run.seed if seed is None else seed,
    )
    return dataclasses.replace(scenario, run=run)


def run_study(
    study: Study,
    *,
    executor: Executor | None = None,
    engine: Engine = DEFAULT_ENGINE,
    progress: Progress | None = None,
    resamples: int = sobol.RESAMPLES,
) -> Sensitivity:
    """Run every point's replications and estimate the indices of every output.

    Parameters
    ----------
    study
        The checked request (:func:`prepare`).
    executor
        Where replications run; serial when omitted.
    engine
        The model engine.
    progress
        Called with (replications done, replications in all) as each finishes.
    resamples
        Bootstrap resamples for the intervals.

    Returns
    -------
    Sensitivity
        The outputs at every point and the indices with their 95 % intervals.
    """
    executor = executor or SerialExecutor()
    replications = range(study.replications)
    total = len(study.scenarios) * study.replications
    began = time.perf_counter()
    _warm(study.scenarios[0], executor, engine)
    rows: list[list[float]] = []
    for chunk in _chunks(study.scenarios, executor):
        done = len(rows) * study.replications
        ran = run_replications(chunk, replications, executor, engine=engine, progress=progress, done=done,
                               total=total, records=False)  # fmt: skip
        rows += [_point_outputs(s, outcomes, study) for s, outcomes in zip(chunk, ran, strict=True)]
    wall = time.perf_counter() - began
    outputs = np.array(rows, dtype=np.float64).reshape(len(study.scenarios), len(study.outputs))
    n, d = study.design.samples, len(study.inputs)
    found = {
        name: sobol.indices(outputs[:, k], n, d, resamples=resamples, seed=study.seed)
        for k, name in enumerate(study.outputs)
    }
    return Sensitivity(study, outputs, found, wall, executor.name, engine, resamples)


def _warm(scenario: Scenario, executor: Executor, engine: Engine) -> None:
    """Before local worker pools: run one replication here, so that forked workers inherit the compiled kernels.

    Each chunk starts a new pool; a worker forked from a parent that has not run the engine loads the compiled
    kernels from numba's cache itself, about a second a pool (0.1 s when they are inherited). The replication run
    here (replication 0 of the first point) is run again in the pool: one replication in all.
    """
    if isinstance(executor, ProcessExecutor) and executor.workers > 1:
        run_replications([scenario], [0], SerialExecutor(), engine=engine, records=False)


def _chunks(scenarios: Sequence[Scenario], executor: Executor) -> list[list[Scenario]]:
    """The points in chunks of at most :data:`CHUNK_BYTES` of pickled scenarios (all at once when serial)."""
    if isinstance(executor, SerialExecutor):
        return [list(scenarios)]
    size = max(len(pickle.dumps(s)) for s in scenarios[:4])
    step = max(1, CHUNK_BYTES // size)
    return [list(scenarios[i : i + step]) for i in range(0, len(scenarios), step)]


def _point_outputs(scenario: Scenario, outcomes: Sequence[Outcome], study: Study) -> list[float]:
    """The point's output per figure: the mean over its replications that have a value (NaN when none has)."""
    values = []
    for name in study.outputs:
        shown = _figure_name(name, study.base, scenario)
        found = [o.figures.get((TOTAL, shown), math.nan) for o in outcomes]
        finite = [x for x in found if math.isfinite(x)]
        values.append(math.fsum(finite) / len(finite) if finite else math.nan)
    return values


def _figure_name(name: str, base: Scenario, point: Scenario) -> str:
    """The output's name at a point: ``wait_share_over_<T>min`` follows a varied threshold."""
    if lookup(name).name != WAIT_SHARE_OVER:
        return name
    return reported_name(WAIT_SHARE_OVER, point.report.wait_threshold_minutes)


def sensitivity_rows(result: Sensitivity) -> list[list[str]]:
    """Rows of ``sensitivity.csv`` (:data:`SENSITIVITY_COLUMNS`): per output, per input in the order given."""
    rows = []
    for name in result.study.outputs:
        found = result.indices[name]
        fields = (found.first, found.first_low, found.first_high, found.total, found.total_low, found.total_high)
        for i, item in enumerate(result.study.inputs):
            rows.append([name, item.key, *(_cell(float(f[i])) for f in fields)])
    return rows


def sensitivity_csv(result: Sensitivity) -> str:
    """``sensitivity.csv`` as text: shares in shortest round-trip form, empty where undefined."""
    return _csv(SENSITIVITY_COLUMNS, sensitivity_rows(result))


def design_csv(result: Sensitivity) -> str:
    """``design.csv``: every point's matrix and row, input values and outputs (means over its replications)."""
    study = result.study
    header = ("point", "matrix", "row", *(i.key for i in study.inputs), *study.outputs)
    rows = []
    for p, (block, row) in enumerate(study.blocks()):
        inputs = [_value_cell(item, float(study.values[p, i])) for i, item in enumerate(study.inputs)]
        rows.append([str(p), block, str(row), *inputs, *(_cell(float(x)) for x in result.outputs[p])])
    return _csv(header, rows)


def manifest(result: Sensitivity) -> dict[str, Any]:
    """``manifest.json``: what was asked and how it ran (inputs, outputs, design, estimators, versions, time)."""
    study = result.study
    return {
        "package": "rollout-sim",
        "kind": "sensitivity",
        "version": sim.__version__,
        "git_commit": git_commit(),
        "scenario": study.base.name,
        "scenario_file": study.base.file,
        "seed": study.seed,
        "replications": study.replications,
        "samples": study.design.samples,
        "points": len(study.scenarios),
        "inputs": [
            {"key": i.key, "low": i.low, "high": i.high, "distribution": f"uniform, {i.kind}"} for i in study.inputs
        ],
        "outputs": [{"name": n, "scope": TOTAL, "unit": lookup(n).unit} for n in study.outputs],
        "design": "Saltelli: A, B and AB_i from one scrambled Sobol' sequence of dimension 2d (scipy.stats.qmc), "
        "seeded by the root seed",
        "estimators": {"first_order": "Saltelli et al. 2010", "total": "Jansen 1999"},
        "confidence_level": sobol.LEVEL,
        "bootstrap_resamples": result.resamples,
        "executor": result.executor,
        "engine": result.engine,
        "wall_seconds": round(result.wall_seconds, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def manifest_json(result: Sensitivity) -> str:
    """``manifest.json`` as text."""
    return json.dumps(manifest(result), indent=2, ensure_ascii=False) + "\n"


def _value_cell(item: Input, value: float) -> str:
    return str(int(value)) if item.integer else repr(value)


def _cell(x: float) -> str:
    return repr(x) if math.isfinite(x) else ""


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
