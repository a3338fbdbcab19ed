"""Caveats on a run's figures: the stations that have no steady state, whose means depend on the run's horizon.

A station is named when the analytic check says its queue grows without bound (:mod:`sim.world.peak`: an office
whose backlog carries over from day to day and whose mean load over the week is rho >= 1, or hukou reviewers with
rho >= 1 at full rollout), or when it is an office that never closes and the run shows its queue growing: its mean
``queue_at_end`` (applicants' window visits still waiting at the end of the last arrival day) lies above its mean
``queue_length_mean`` (time-average queue over the window), both 95 % intervals apart. At a stable office that never
closes the queue at the end is a draw of the same stationary queue, so its mean is not above the time-average;
when the queue grows it ends near twice its time-average. (The time-average also counts local ID visits, which the
queue at the end leaves out: the comparison errs on the side of silence.)

:func:`caveats` reads an experiment in memory; :func:`summary_caveats` the scenario and its summary, as the report
has them from a results folder (:func:`table_estimates`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.experiment.stats import Estimate
from sim.results import Table
from sim.scenario.schema import Scenario
from sim.world.peak import PeakLoad, peak_loads, reviewer_loads

if TYPE_CHECKING:  # the runner imports the model engines, which the report does not need
    from sim.experiment.runner import Experiment

Summary = Mapping[tuple[str, str], Estimate]
"""``(scope, metric) -> Estimate`` across replications, as :attr:`Experiment.summary`."""

HORIZON = "its means depend on the horizon, there is no steady state"
"""How every caveat ends."""

STILL_WAITING = "applicants' visits were still waiting at the end of the last arrival day"
"""What a caveat's count (``queue_at_end``) means."""


def caveats(experiment: Experiment, peaks: Sequence[PeakLoad] | None = None) -> list[str]:
    """One line per station of the experiment without a steady state (see the module docstring).

    Parameters
    ----------
    experiment
        The replications and their summary.
    peaks
        The scenario's :func:`~sim.world.peak.peak_loads`, when already computed (a national scenario's take
        seconds).

    Returns
    -------
    list of str
        Each line starts ``caveat:``; offices in scenario order, then hukou reviewers; empty when every station is
        stable.
    """
    return summary_caveats(experiment.scenario, experiment.summary, peaks)


def summary_caveats(scenario: Scenario, summary: Summary, peaks: Sequence[PeakLoad] | None = None) -> list[str]:
    """The caveats of a scenario given its summary (see :func:`caveats`).

    Parameters
    ----------
    scenario
        The scenario that was run.
    summary
        Its figures across replications; ``queue_at_end`` in visits, ``queue_length_mean`` in persons. A figure
        that is missing (a results folder written before it existed) leaves its count out of the line.
    peaks
        Its :func:`~sim.world.peak.peak_loads`, when already computed.

    Returns
    -------
    list of str
        One line per station without a steady state.
    """
    lines = []
    for peak in peak_loads(scenario) if peaks is None else peaks:
        queued, mean = summary.get((peak.office, "queue_at_end")), summary.get((peak.office, "queue_length_mean"))
        if peak.unbounded:
            lines.append(_unbounded(peak, queued))
        elif peak.never_closes and queued is not None and mean is not None and queued.low > mean.high:
            lines.append(
                f"caveat: office {peak.office!r} never closes and its queue grew over the run: {_count(queued)} "
                f"{STILL_WAITING}, above its mean queue of {mean.mean:,.1f}; {HORIZON}"
            )
    lines += [
        f"caveat: the reviewers of {load.province!r} are unstable (rho {load.utilisation:.2f} at full rollout): "
        f"once the rollout is complete their inbox grows without bound; {HORIZON}"
        for load in reviewer_loads(scenario)
        if load.utilisation >= 1
    ]
    return lines


def _unbounded(peak: PeakLoad, queued: Estimate | None) -> str:
    """The caveat of an office whose queue grows without bound by the analytic check."""
    rho = f"rho {peak.queue.utilisation:.2f} at its busiest hour, {peak.mean_utilisation:.2f} over the week"
    still = "" if queued is None else f"{_count(queued)} {STILL_WAITING}; "
    return f"caveat: office {peak.office!r} is unstable ({rho}): {still}{HORIZON}"


def _count(e: Estimate) -> str:
    """``412 ± 30`` (visits, mean ± 95 % half-width), just the mean without an interval."""
    if math.isnan(e.half_width):
        return f"{e.mean:,.0f}"
    return f"{e.mean:,.0f} ± {e.half_width:,.0f}"


def table_estimates(summary: Table) -> dict[tuple[str, str], Estimate]:
    """A ``summary.csv`` table as ``(scope, metric) -> Estimate`` (columns ``scope, metric, mean, half_width, n``)."""
    scopes, metrics = summary["scope"], summary["metric"]
    means, widths, counts = (np.asarray(summary[c], dtype=np.float64) for c in ("mean", "half_width", "n"))
    return {
        (str(s), str(m)): Estimate(float(mean), float(width), int(n) if np.isfinite(n) else 0)
        for s, m, mean, width, n in zip(scopes, metrics, means, widths, counts, strict=True)
    }
