"""Compare scenarios (rollout schedules) on the same random streams, with paired differences.

Every scenario runs the same replication indices with the same root seed, so replication ``r`` of two schedules
shares its streams (common random numbers). The difference of a figure between a scenario and the first one is
estimated per replication and then summarised with a 95 % CI, which is far tighter than the two separate CIs
when the schedules share most of their randomness.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sim.experiment.executors import Executor
from sim.experiment.runner import Experiment, run_experiment
from sim.experiment.stats import Estimate, estimate
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Comparison:
    """Experiments of several scenarios and their paired differences to the first.

    Attributes
    ----------
    experiments : tuple of Experiment
        One per scenario, in the order given.
    differences : dict
        ``(scenario index, scope, metric) -> Estimate`` of the per-replication difference to scenario 0 (for
        index >= 1).
    """

    experiments: tuple[Experiment, ...]
    differences: dict[tuple[int, str, str], Estimate]


def compare(
    scenarios: Sequence[Scenario],
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario with the same replications and seed, and estimate paired differences.

    Parameters
    ----------
    scenarios
        At least one scenario; the first is the reference.
    replications, seed
        Used for every scenario; by default the first scenario's.
    executor
        Where to run replications.
    progress
        Called with (done, total) over all replications.
    """
    first = scenarios[0].run
    reps = first.replications if replications is None else replications
    root = first.seed if seed is None else seed
    experiments = []
    for k, scenario in enumerate(scenarios):
        step = None if progress is None else _offset(progress, k * reps, len(scenarios) * reps)
        common = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, replications=reps, seed=root))
        experiments.append(run_experiment(common, executor=executor, progress=step))
    return Comparison(tuple(experiments), _differences(experiments))


def _offset(progress: Callable[[int, int], None], done: int, total: int) -> Callable[[int, int], None]:
    return lambda n, _total: progress(done + n, total)


def _differences(experiments: list[Experiment]) -> dict[tuple[int, str, str], Estimate]:
    reference = experiments[0]
    result = {}
    for k, other in enumerate(experiments[1:], start=1):
        for key in reference.summary:
            if key not in other.summary:
                continue
            diffs = [
                o.figures.get(key, math.nan) - r.figures.get(key, math.nan)
                for r, o in zip(reference.outcomes, other.outcomes, strict=True)
            ]
            result[(k, *key)] = estimate(diffs)
    return result
