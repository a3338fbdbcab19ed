"""Calibration of the first-application rate on a published cumulative count.

The expected number of local applications by a date is a deterministic function of the scenario (the arrival
process is Poisson with that mean), so the rate is fitted on it with ``scipy.optimize.brentq``; replications of
the calibrated scenario, truncated at the target date, then check that the simulated count's 95 % CI covers the
target. All replications use the scenario's seed, so every evaluation shares common random numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sim.experiment.executors import Executor
from sim.experiment.runner import run_experiment
from sim.experiment.stats import Estimate, estimate
from sim.scenario.horizon import cut_at
from sim.scenario.schema import Scenario
from sim.world.demand import scenario_volumes


@dataclass(frozen=True)
class Calibration:
    """The fitted rate and its check.

    Attributes
    ----------
    target_date : datetime.date
        The date of the published count (inclusive).
    target : float
        The published cumulative count of local first applications.
    rate : float
        Fitted ``applications_per_migrant_year``.
    start_rate : float
        The scenario's value before fitting.
    expected : float
        Expected count by the target date at the fitted rate.
    simulated : Estimate
        Simulated count by the target date across replications (mean and 95 % CI).
    """

    target_date: dt.date
    target: float
    rate: float
    start_rate: float
    expected: float
    simulated: Estimate

    @property
    def covered(self) -> bool:
        """Whether the simulated 95 % CI covers the target."""
        return self.simulated.low <= self.target <= self.simulated.high


def expected_applications(scenario: Scenario, until: dt.date) -> float:
    """Expected local first applications from the run's start to ``until`` (inclusive)."""
    days = (until - scenario.run.start).days + 1
    return sum(float(volumes.local.sum()) for _, _, volumes in scenario_volumes(scenario, days))


def with_rate(scenario: Scenario, rate: float) -> Scenario:
    """The scenario with another ``applications_per_migrant_year``."""
    if scenario.migrant_demand is None:
        raise ValueError("the scenario has no migrant demand")
    return dataclasses.replace(
        scenario, migrant_demand=dataclasses.replace(scenario.migrant_demand, applications_per_migrant_year=rate)
    )


def calibrate(
    scenario: Scenario, until: dt.date, target: float, *, replications: int, executor: Executor | None = None
) -> Calibration:
    """Fit the rate so that the expected count by ``until`` equals ``target``, then check it by simulation."""
    from scipy.optimize import brentq  # noqa: PLC0415  (scipy.optimize is slow to import; only calibrate needs it)

    start = scenario.migrant_demand.applications_per_migrant_year if scenario.migrant_demand else 0.0

    def gap(rate: float) -> float:
        return expected_applications(with_rate(scenario, rate), until) - target

    high = 1e-3
    while gap(high) < 0 and high < 1.0:
        high *= 4
    rate = float(brentq(gap, 0.0, min(high, 1.0), xtol=1e-9, rtol=1e-9))
    fitted = with_rate(scenario, rate)
    cut = cut_at(fitted, until)
    truncated = dataclasses.replace(cut, run=dataclasses.replace(cut.run, warm_up_days=0, replications=replications))
    experiment = run_experiment(truncated, executor=executor)
    counts = [float(o.result.applicants["applicant"].size) for o in experiment.outcomes]
    return Calibration(until, target, rate, start, expected_applications(fitted, until), estimate(counts))
