"""Replications: run them on an executor (the one path for every command), reduce them to figures, summarise."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sim.experiment.catalogue import Metric
from sim.experiment.executors import Executor, SerialExecutor, running
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metric import TOTAL
from sim.experiment.metrics import Figures, metric_list, replication_figures
from sim.experiment.periods import PERIOD_KINDS, PeriodKind, reduced_periods
from sim.experiment.periods import Figures as PeriodFigures
from sim.experiment.precision import DEFAULT_METRICS, Precision, Stop, first_stop, next_batch
from sim.experiment.precision import JOURNEY_METRICS as PRECISION_JOURNEY_METRICS
from sim.experiment.series import Row, daily_rows
from sim.experiment.stats import Estimate, estimate
from sim.model.engine import DEFAULT_ENGINE, Engine, run_replication
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) each time a replication finishes."""


class Kept(Protocol):
    """Where finished replications are kept across interruptions (:class:`~sim.experiment.checkpoints.Checkpoints`)."""

    def keep(self, index: int, outcome: Outcome) -> None:
        """Keep replication ``index``'s outcome."""

    def restore(self, indices: range) -> dict[int, Outcome]:
        """The kept outcomes among ``indices``."""


@dataclass(frozen=True)
class Outcome:
    """What one replication hands back to the runner.

    Attributes
    ----------
    records : ReplicationResult or None
        The full records; None when the caller only wanted the figures (``compare``), which saves shipping
        some hundred MB a national replication between processes.
    figures : Figures
        Its figures per (scope, metric).
    daily : list of Row
        Its rows of ``daily.csv``; empty without records (``compare`` writes no daily series, and a national
        replication's rows, one per office and day, are some hundred MB of Python tuples in the parent).
    periods : dict
        Without records: its weekly and monthly figures (``week``/``month`` to :func:`period_figures` over the
        default scopes), reduced where it ran so that ``compare`` can write the period series; empty with records
        (the series are computed from them).
    """

    records: ReplicationResult | None
    figures: Figures
    daily: list[Row]
    periods: dict[PeriodKind, PeriodFigures] = field(default_factory=dict)

    @property
    def result(self) -> ReplicationResult:
        """The full records.

        Raises
        ------
        ValueError
            When the replication ran without keeping them.
        """
        if self.records is None:
            raise ValueError("this replication ran without keeping its records")
        return self.records


@dataclass(frozen=True)
class Experiment:
    """All replications of one scenario and their summary.

    Attributes
    ----------
    scenario : Scenario
        The scenario, with the replications and seed actually used.
    outcomes : tuple of Outcome
        In replication order.
    summary : dict
        ``(scope, metric) -> Estimate`` across replications.
    metrics : tuple of Metric
        The reported metrics, in table order.
    wall_seconds : float
        Wall-clock time of the replications.
    executor : str
        Name of the executor that ran them.
    engine : Engine
        The model engine that ran them (:mod:`sim.model.engine`).
    stop : Stop or None
        Why the replications stopped, when they ran under a precision target.
    """

    scenario: Scenario
    outcomes: tuple[Outcome, ...]
    summary: dict[tuple[str, str], Estimate]
    metrics: tuple[Metric, ...]
    wall_seconds: float
    executor: str
    engine: Engine
    stop: Stop | None = None

    @property
    def scopes(self) -> list[str]:
        """Office names, hukou provinces and ``total``, in table order."""
        return scopes(self.scenario)


def replicate(
    scenario: Scenario, replication: int, *, engine: Engine = DEFAULT_ENGINE, records: bool = True
) -> Outcome:
    """Run and reduce one replication of a scenario on the given engine (keeping its records or not)."""
    result = run_replication(scenario, replication, engine=engine)
    figures = replication_figures(scenario, result)
    if records:
        return Outcome(result, figures, daily_rows(scenario, result))
    return Outcome(None, figures, [], {kind: reduced_periods(scenario, result, kind) for kind in PERIOD_KINDS})


@dataclass(frozen=True)
class Replicate:
    """The task every executor runs: task ``i`` is replication ``i // k`` of scenario ``i % k`` (``k`` scenarios).

    A frozen dataclass at module level rather than a closure, so that it pickles for worker processes and Dask
    (the scenarios travel inside it).

    Attributes
    ----------
    scenarios : tuple of Scenario
        The scenarios whose replications are interleaved.
    engine : Engine
        The model engine that runs each replication.
    records : bool
        Whether the outcomes keep the replications' records (``compare`` needs only their figures).
    """

    scenarios: tuple[Scenario, ...]
    engine: Engine = DEFAULT_ENGINE
    records: bool = True

    def __call__(self, task: int) -> Outcome:
        """Run and reduce task ``task``."""
        scenario, replication = self.split(task)
        return replicate(self.scenarios[scenario], replication, engine=self.engine, records=self.records)

    def number(self, scenario: int, replication: int) -> int:
        """The task that runs ``replication`` of scenario number ``scenario``."""
        return replication * len(self.scenarios) + scenario

    def split(self, task: int) -> tuple[int, int]:
        """(scenario number, replication) of a task."""
        return task % len(self.scenarios), task // len(self.scenarios)


def run_experiment(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    precision: Precision | None = None,
    engine: Engine = DEFAULT_ENGINE,
    kept: Kept | None = None,
) -> Experiment:
    """Run the replications of a scenario and summarise them.

    Parameters
    ----------
    scenario
        The validated scenario.
    replications, seed
        Override the scenario's ``run.replications`` and ``run.seed``.
    executor
        Where to run; serial when omitted.
    progress
        Called with (done, total) after each replication (total is the cap under a precision target).
    precision
        When given, replications are added until its rule holds (:mod:`sim.experiment.precision`) and
        ``replications`` is ignored.
    engine
        The model engine (:mod:`sim.model.engine`).
    kept
        Where finished replications are kept: those it holds are restored instead of run again, and each one
        run is kept as it finishes (so that an interrupted run resumes).

    Returns
    -------
    Experiment
        Outcomes in replication order and their summary.
    """
    run = replace(
        scenario.run,
        replications=scenario.run.replications if replications is None else replications,
        seed=scenario.run.seed if seed is None else seed,
    )
    scenario = replace(scenario, run=run)
    executor = executor or SerialExecutor()
    began = time.perf_counter()
    batch = _Batch(scenario, executor, engine, progress, kept)
    if precision is None:
        outcomes = batch.run(range(run.replications), run.replications)
        return assemble(scenario, outcomes, time.perf_counter() - began, executor.name, engine=engine)
    outcomes, stop = _until_precise(batch, precision)
    scenario = replace(scenario, run=replace(run, replications=stop.replications))
    return assemble(scenario, outcomes, time.perf_counter() - began, executor.name, stop, engine=engine)


def run_replications(
    scenarios: Sequence[Scenario],
    replications: Sequence[int],
    executor: Executor,
    *,
    engine: Engine = DEFAULT_ENGINE,
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
    on_outcome: Callable[[int, int, Outcome], None] | None = None,
    records: bool = True,
) -> list[list[Outcome]]:
    """Run the given replications of every scenario on the executor, as one pool of tasks.

    The one place where replications are run: ``run``, ``compare``, ``sweep`` and ``calibrate`` all come here.
    The tasks go to the executor in the order of ``replications``, each replication for every scenario in turn
    (task ``i`` is replication ``i // k`` of scenario ``i % k``, :class:`Replicate`), so workers move on to another
    scenario's replications instead of waiting for a slow one. Leaving early (Ctrl-C, an error, a callback that
    raises) cancels what has not started (:func:`~sim.experiment.executors.running`).

    Parameters
    ----------
    scenarios
        The scenarios; with one, task ``i`` is replication ``i``.
    replications
        Replication indices to run for every scenario.
    executor
        Where to run them.
    engine
        The model engine (:mod:`sim.model.engine`).
    progress
        Called with (``done`` + replications finished so far, ``total``) as each replication finishes.
    done, total
        Replications counted as done before this call, and the total to report (``done`` plus the tasks here when
        omitted).
    on_outcome
        Called with (scenario number, replication, outcome) as each replication finishes, before ``progress``.
    records
        Whether the outcomes keep the replications' records.

    Returns
    -------
    list of list of Outcome
        Per scenario, its outcomes in the order of ``replications``, whatever order they finished in.
    """
    task = Replicate(tuple(scenarios), engine, records)
    tasks = [task.number(k, r) for r in replications for k in range(len(scenarios))]
    total = done + len(tasks) if total is None else total
    finished: dict[int, Outcome] = {}
    with running(executor, task, tasks) as results:
        for number, outcome in results:
            finished[number] = outcome
            if on_outcome is not None:
                on_outcome(*task.split(number), outcome)
            if progress is not None:
                progress(done + len(finished), total)
    return [[finished[task.number(k, r)] for r in replications] for k in range(len(scenarios))]


@dataclass(frozen=True)
class _Batch:
    """Runs a range of one scenario's replications, restoring and keeping them when a store is given."""

    scenario: Scenario
    executor: Executor
    engine: Engine
    progress: Progress | None
    kept: Kept | None

    def run(self, indices: range, total: int) -> list[Outcome]:
        """Outcomes of replications ``indices`` in order; progress counts from ``indices.start`` up to ``total``."""
        have = self.kept.restore(indices) if self.kept is not None else {}
        missing = [i for i in indices if i not in have]
        if have and self.progress is not None:
            self.progress(indices.start + len(have), total)
        keep = None if self.kept is None else self._keep
        (more,) = run_replications(
            [self.scenario], missing, self.executor, engine=self.engine, progress=self.progress,
            done=indices.start + len(have), total=total, on_outcome=keep,
        )  # fmt: skip
        have.update(zip(missing, more, strict=True))
        return [have[i] for i in indices]

    def _keep(self, _: int, index: int, outcome: Outcome) -> None:
        if self.kept is not None:
            self.kept.keep(index, outcome)


def _until_precise(batch: _Batch, precision: Precision) -> tuple[list[Outcome], Stop]:
    """Add batches of replications until the rule holds on a prefix; keep exactly that prefix."""
    parallel = max(1, int(getattr(batch.executor, "workers", 1)))
    outcomes: list[Outcome] = []
    while (stop := first_stop([o.figures for o in outcomes], precision)) is None:
        size = next_batch([o.figures for o in outcomes], precision, parallel)
        outcomes += batch.run(range(len(outcomes), len(outcomes) + size), precision.maximum)
    return outcomes[: stop.replications], stop


def assemble(
    scenario: Scenario,
    outcomes: Sequence[Outcome],
    wall_seconds: float,
    executor: str,
    stop: Stop | None = None,
    *,
    engine: Engine,
) -> Experiment:
    """The experiment made of these outcomes (replications 0 .. n-1, in order) with its summary."""
    metrics = metric_list(scenario)
    return Experiment(
        scenario=scenario,
        outcomes=tuple(outcomes),
        summary=summarise(scenario, [o.figures for o in outcomes], metrics),
        metrics=metrics,
        wall_seconds=wall_seconds,
        executor=executor,
        engine=engine,
        stop=stop,
    )


def key_metrics(scenario: Scenario, names: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    """The ``total``-scope figures a precision target applies to: ``names`` or the defaults for the scenario."""
    chosen = tuple(names) or DEFAULT_METRICS + (PRECISION_JOURNEY_METRICS if scenario.provinces else ())
    return tuple((TOTAL, name) for name in chosen)


def summarise(
    scenario: Scenario, figures: list[Figures], metrics: tuple[Metric, ...]
) -> dict[tuple[str, str], Estimate]:
    """Mean and CI of every (scope, metric) across replications."""
    present = set().union(*figures) if figures else set()
    keys = [(s, m.name) for s in scopes(scenario) for m in metrics if (s, m.name) in present]
    return {key: estimate([f.get(key, math.nan) for f in figures]) for key in keys}


def scopes(scenario: Scenario) -> list[str]:
    """Office names, ``hukou:<province>`` scopes and ``total``, in table order."""
    return [o.name for o in scenario.offices] + [PROVINCE_PREFIX + p.name for p in scenario.provinces] + [TOTAL]
