"""Shorter horizons of a validated scenario: stop the arrivals earlier, keep everything that came before.

A planner looking at the first months of a long schedule (``--until 2022-12-31``), and the calibration that
counts applications up to a published date, both need the scenario cut at a day. Everything else, including
the phases (those that start after the cut simply never take effect), the start date and thus every day index
and every ``linked_from`` moment, is unchanged, so the cut run is the uncut run's beginning on the same random
streams. (Dropping the later phases would be wrong: a scenario cut before its first phase would have no phases,
which means every pair open from day 0.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sim.scenario.schema import Scenario


def cut_at(scenario: Scenario, until: dt.date) -> Scenario:
    """The scenario with arrivals stopping at the end of ``until``.

    Parameters
    ----------
    scenario
        A validated scenario.
    until
        The new last arrival day (inclusive); from ``run.start`` to ``run.end``.

    Returns
    -------
    Scenario
        The same scenario with ``run.end = until`` and the warm-up shortened if it would cover the whole new
        horizon.

    Raises
    ------
    ValueError
        When ``until`` is outside the run.
    """
    run = scenario.run
    if not run.start <= until <= run.end:
        raise ValueError(f"must be a date within the run ({run.start} to {run.end}), got {until}")
    last = (until - run.start).days
    return dataclasses.replace(
        scenario,
        run=dataclasses.replace(run, end=until, warm_up_days=min(run.warm_up_days, last)),
    )
