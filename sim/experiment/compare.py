"""Compare scenarios (rollout schedules) on the same random streams, with paired differences.

Every scenario runs the same replication indices with the same root seed, so replication ``r`` of two schedules
shares its streams (common random numbers). The difference of a figure between a scenario and the first one is
estimated per replication and then summarised with a 95 % CI, which is far tighter than the two separate CIs
when the schedules share most of their randomness.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sim.experiment.executors import Executor, SerialExecutor
from sim.experiment.runner import Experiment, Progress, assemble, run_replications
from sim.experiment.stats import Estimate, estimate
from sim.model.engine import DEFAULT_ENGINE, Engine
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
    progress: Progress | None = None,
    independent: bool = False,
    engine: Engine = DEFAULT_ENGINE,
) -> Comparison:
    """Run every scenario with the same replications and seed, and estimate paired differences.

    All (scenario, replication) runs go to the executor as one pool of tasks, so a fast schedule's workers move on
    to a slow one's replications instead of waiting.

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
    independent
        Give every scenario its own root seed (``seed + k`` for scenario ``k``) instead of common random
        numbers: the baseline that shows what the common streams buy.
    engine
        The model engine (:mod:`sim.model.engine`).
    """
    first = scenarios[0].run
    reps = first.replications if replications is None else replications
    root = first.seed if seed is None else seed
    common = tuple(
        dataclasses.replace(
            s, run=dataclasses.replace(s.run, replications=reps, seed=(root + k) % 2**63 if independent else root)
        )
        for k, s in enumerate(scenarios)
    )
    executor = executor or SerialExecutor()
    began = time.perf_counter()
    # one pool: task i is replication i // len(common) of scenario i % len(common)
    outcomes = run_replications(common, range(reps), executor, engine=engine, progress=progress, records=False)
    wall = time.perf_counter() - began
    experiments = [
        assemble(s, found, wall, executor.name, engine=engine) for s, found in zip(common, outcomes, strict=True)
    ]
    return Comparison(tuple(experiments), _differences(experiments))


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
