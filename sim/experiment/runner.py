"""Replications of one scenario: run them on an executor, reduce each to figures and rows, summarise with CIs."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sim.experiment.executors import Executor, SerialExecutor, running
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metric import TOTAL, Metric
from sim.experiment.metrics import Figures, metric_list, replication_figures
from sim.experiment.precision import DEFAULT_METRICS, Precision, Stop, first_stop, next_batch
from sim.experiment.precision import JOURNEY_METRICS as PRECISION_JOURNEY_METRICS
from sim.experiment.series import Row, daily_rows
from sim.experiment.stats import Estimate, estimate
from sim.model.build import ReplicationResult, run_replication
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Outcome:
    """What one replication hands back to the runner (small enough to ship between processes).

    Attributes
    ----------
    result : ReplicationResult
        The full records.
    figures : Figures
        Its figures per (scope, metric).
    daily : list of Row
        Its rows of ``daily.csv``.
    """

    result: ReplicationResult
    figures: Figures
    daily: list[Row]


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
    stop : Stop or None
        Why the replications stopped, when they ran under a precision target.
    """

    scenario: Scenario
    outcomes: tuple[Outcome, ...]
    summary: dict[tuple[str, str], Estimate]
    metrics: tuple[Metric, ...]
    wall_seconds: float
    executor: str
    stop: Stop | None = None

    @property
    def scopes(self) -> list[str]:
        """Office names, hukou provinces and ``total``, in table order."""
        return scopes(self.scenario)


def replicate(scenario: Scenario, replication: int) -> Outcome:
    """Run and reduce one replication (the task every executor runs)."""
    result = run_replication(scenario, replication)
    return Outcome(result, replication_figures(scenario, result), daily_rows(scenario, result))


def run_experiment(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    precision: Precision | None = None,
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
    if precision is None:
        outcomes = run_replications(scenario, executor, range(run.replications), progress)
        return assemble(scenario, outcomes, time.perf_counter() - began, executor.name)
    outcomes, stop = _until_precise(scenario, executor, precision, progress)
    scenario = replace(scenario, run=replace(run, replications=stop.replications))
    return assemble(scenario, outcomes, time.perf_counter() - began, executor.name, stop)


def run_replications(
    scenario: Scenario,
    executor: Executor,
    indices: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
    *,
    done: int = 0,
    total: int | None = None,
) -> list[Outcome]:
    """Run the given replications on the executor; outcomes in the order of ``indices``.

    ``progress`` is called with (done + finished so far, total) as each replication finishes.
    """
    total = len(indices) + done if total is None else total
    finished: dict[int, Outcome] = {}
    with running(executor, functools.partial(replicate, scenario), indices) as results:
        for index, outcome in results:
            finished[index] = outcome
            if progress is not None:
                progress(done + len(finished), total)
    return [finished[i] for i in indices]


def _until_precise(
    scenario: Scenario, executor: Executor, precision: Precision, progress: Callable[[int, int], None] | None
) -> tuple[list[Outcome], Stop]:
    """Add batches of replications until the rule holds on a prefix; keep exactly that prefix."""
    parallel = max(1, int(getattr(executor, "workers", 1)))
    outcomes: list[Outcome] = []
    while (stop := first_stop([o.figures for o in outcomes], precision)) is None:
        batch = next_batch([o.figures for o in outcomes], precision, parallel)
        indices = range(len(outcomes), len(outcomes) + batch)
        outcomes += run_replications(scenario, executor, indices, progress, done=len(outcomes), total=precision.maximum)
    return outcomes[: stop.replications], stop


def assemble(
    scenario: Scenario,
    outcomes: Sequence[Outcome],
    wall_seconds: float,
    executor: str,
    stop: Stop | None = None,
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
