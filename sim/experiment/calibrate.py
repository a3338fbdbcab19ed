"""Calibration of the first-application rate on a published cumulative count.

The fitted parameter follows the demand mode (:func:`parameter`): ``demand.applications_per_migrant_year`` under
``mode = "per_migrant"``, ``demand.cohort.take_up`` under ``mode = "cohort"``; both are bounded by 1, and a target
that needs more is refused (:class:`CalibrationError`).

The expected number of local applications by a date is a deterministic function of the scenario (the arrival
process is Poisson with that mean), so the parameter is fitted on it with ``scipy.optimize.brentq``; replications
of the calibrated scenario, truncated at the target date, then check that the simulated count's 95 % CI covers the
target. All replications use the scenario's seed, so every evaluation shares common random numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.experiment.executors import Executor
from sim.experiment.runner import Progress, run_experiment
from sim.experiment.stats import Estimate, estimate
from sim.model.engine import DEFAULT_ENGINE, Engine
from sim.scenario.horizon import cut_at
from sim.scenario.schema import MigrantDemand, Scenario
from sim.world.demand import scenario_volumes


class CalibrationError(ValueError):
    """The target cannot be reached within the fitted parameter's range (0 to 1)."""


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
        Fitted value of ``parameter`` (first applications per migrant-year, or the cohort take-up share).
    start_rate : float
        The scenario's value of ``parameter`` before fitting.
    expected : float
        Expected count by the target date at the fitted rate.
    simulated : Estimate
        Simulated count by the target date across replications (mean and 95 % CI).
    engine : Engine
        The model engine that ran the check.
    parameter : str
        The key path of the fitted parameter (:func:`parameter`).
    per_migrant : float
        First applications per migrant-year per unit of the parameter (1, or ``child_share / ages``).
    """

    target_date: dt.date
    target: float
    rate: float
    start_rate: float
    expected: float
    simulated: Estimate
    engine: Engine
    parameter: str = "demand.applications_per_migrant_year"
    per_migrant: float = 1.0

    @property
    def rate_interval(self) -> tuple[float, float]:
        """The fitted value's 95 % CI from the simulated check, in the parameter's unit.

        The values at which the ends of the simulated count's CI would meet the target (the count is
        proportional to the value).
        """
        low, high = self.simulated.low, self.simulated.high
        if not (low > 0 and high > 0):
            return math.nan, math.nan
        return self.rate * self.target / high, self.rate * self.target / low

    @property
    def covered(self) -> bool:
        """Whether the simulated 95 % CI covers the target."""
        return self.simulated.low <= self.target <= self.simulated.high


def expected_applications(scenario: Scenario, until: dt.date) -> float:
    """Expected local first applications from the run's start to ``until`` (inclusive)."""
    return float(daily_expected(scenario, until).sum())


def daily_expected(scenario: Scenario, last: dt.date) -> NDArray[np.float64]:
    """Expected local first applications per day from the run's start to ``last`` (inclusive), all offices."""
    days = (last - scenario.run.start).days + 1
    horizon = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, end=max(scenario.run.end, last)))
    total = np.zeros(days)
    for _, _, volumes in scenario_volumes(horizon, days):
        total += volumes.local.reshape(days, -1).sum(axis=1)
    return total


def parameter(spec: MigrantDemand) -> str:
    """The key path that calibration fits under the demand's mode."""
    return "demand.applications_per_migrant_year" if spec.cohort is None else "demand.cohort.take_up"


def parameter_value(spec: MigrantDemand) -> float:
    """The demand's value of :func:`parameter` (1/year, or a dimensionless share)."""
    return spec.rate if spec.cohort is None else spec.cohort.take_up


def with_rate(scenario: Scenario, rate: float) -> Scenario:
    """The scenario with another value of the calibrated :func:`parameter` (``rate``, in its unit)."""
    spec = scenario.migrant_demand
    if spec is None:
        raise ValueError("the scenario has no migrant demand")
    if spec.cohort is None:
        spec = dataclasses.replace(spec, applications_per_migrant_year=rate)
    else:
        spec = dataclasses.replace(spec, cohort=dataclasses.replace(spec.cohort, take_up=rate))
    return dataclasses.replace(scenario, migrant_demand=spec)


def calibrate(
    scenario: Scenario,
    until: dt.date,
    target: float,
    *,
    replications: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    engine: Engine = DEFAULT_ENGINE,
) -> Calibration:
    """Fit the rate so that the expected count by ``until`` equals ``target``, then check it by simulation.

    Parameters
    ----------
    scenario
        A scenario with migrant demand.
    until
        The date of the published count (inclusive), within the run.
    target
        The published cumulative count of local first applications.
    replications
        Replications of the check.
    executor
        Where to run them; serial when omitted.
    progress
        Called with (done, total) after each replication of the check.
    engine
        The model engine (:mod:`sim.model.engine`).

    Returns
    -------
    Calibration
        The fitted rate and the simulated check.

    Raises
    ------
    CalibrationError
        When the target needs the parameter above 1.
    """
    spec = scenario.migrant_demand
    if spec is None:
        raise ValueError("the scenario has no migrant demand")
    start = parameter_value(spec)
    rate = _fit(scenario, until, target)
    fitted = with_rate(scenario, rate)
    cut = cut_at(fitted, until)
    truncated = dataclasses.replace(cut, run=dataclasses.replace(cut.run, warm_up_days=0, replications=replications))
    experiment = run_experiment(truncated, executor=executor, progress=progress, engine=engine)
    counts = [float(o.result.applicants["applicant"].size) for o in experiment.outcomes]
    expected = expected_applications(fitted, until)
    unit = 1.0 if spec.cohort is None else spec.cohort.child_share / spec.cohort.ages
    return Calibration(until, target, rate, start, expected, estimate(counts), engine, parameter(spec), unit)


def _fit(scenario: Scenario, until: dt.date, target: float) -> float:
    """The parameter value at which the expected count by ``until`` is ``target`` (bracketed up to 1)."""
    from scipy.optimize import brentq  # noqa: PLC0415  (scipy.optimize is slow to import; only calibrate needs it)

    def gap(rate: float) -> float:
        return expected_applications(with_rate(scenario, rate), until) - target

    high = 1e-3
    while gap(high) < 0 and high < 1.0:
        high *= 4
    if high >= 1.0 and (short := gap(1.0)) < 0:
        raise CalibrationError(
            f"cannot reach {target:,.0f} applications by {until} within 0 to 1: {target + short:,.0f} expected at 1"
        )
    return float(brentq(gap, 0.0, min(high, 1.0), xtol=1e-9, rtol=1e-9))
