"""Per-replication figures computed from a replication's records: one number per (scope, metric).

The measurement window is the arrival days after the warm-up. Waiting figures cover applicants (first-application
intakes) who arrived in the window, however late they were served; utilisation, overtime and queue length
integrate the window's days. Utilisation counts each day's busy window-minutes up to the day's staffed
window-minutes (that day's windows x its open minutes: staffing by date changes the count from its date on; a
share, at most 1); the rest is overtime. The queue at the end is a snapshot at the end of the
last arrival day. A scope is an office name or ``total``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.experiment.catalogue import CATALOGUE, WAIT_SHARE_OVER, Metric, reported_name
from sim.experiment.journey import journey_figures
from sim.experiment.metric import TOTAL, mean, percentile, ratio, rows_by, staffed_split
from sim.model.records import VisitKind
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.staff import windows_by_day


def metric_list(scenario: Scenario) -> tuple[Metric, ...]:
    """The figures the scenario reports, in catalogue order, under their reported names.

    The journey's figures only when the scenario has provinces; the turn-away figures only when an office has a
    cap; ``wait_share_over`` with its threshold.
    """
    threshold = scenario.report.wait_threshold_minutes
    capped = any(o.capped for o in scenario.offices)
    shown = []
    for entry in CATALOGUE.values():
        if (entry.group == "journey" and not scenario.provinces) or (entry.name in TURN_AWAY and not capped):
            continue
        if entry.name == WAIT_SHARE_OVER:
            entry = dataclasses.replace(  # noqa: PLW2901 - the entry under its reported name
                entry,
                name=reported_name(entry.name, threshold),
                description=f"share of applicants waiting over {threshold:g} minutes",
            )
        shown.append(entry)
    return tuple(shown)


Figures = dict[tuple[str, str], float]
"""(scope, metric name) -> value for one replication."""

WINDOW_KINDS = (VisitKind.INTAKE, VisitKind.REWORK, VisitKind.PICKUP)
"""The applicants' visits to an office's windows (``queue_at_end`` counts these)."""

TURN_AWAY = ("turned_away", "returned", "given_up")
"""Figures of offices with caps (reported only when an office has one); each total is the sum over offices."""

_SUMMED = (
    "arrivals_per_open_day", "served_per_open_day", "queue_length_mean", "overtime_hours_per_open_day", "queue_at_end"
)  # fmt: skip
"""Per-office figures whose ``total`` is their sum over the offices."""


def replication_figures(scenario: Scenario, result: ReplicationResult) -> Figures:
    """Compute every figure of one replication.

    Parameters
    ----------
    scenario
        The scenario that was run.
    result
        The replication's records.

    Returns
    -------
    dict
        ``(scope, metric) -> value``; NaN where a scope had no observation.
    """
    first, last = scenario.run.warm_up_days, scenario.run.days
    v = result.visits
    in_window = (v["day"] >= first) & (v["day"] < last)
    ended_day = (v["end"] // MINUTES_PER_DAY).astype(np.int64)
    ended_in_window = (ended_day >= first) & (ended_day < last)
    threshold = scenario.report.wait_threshold_minutes
    figures: Figures = {}
    totals = dict.fromkeys(_SUMMED, 0.0)
    columns = {k: v[k] for k in ("kind", "wait", "returns")}
    windows = windows_by_day(scenario.offices, last)[:, first:last].astype(np.float64)
    staffed_minutes = (windows * result.open_minutes[:, first:last]).sum(axis=1)  # window-minutes, per office
    staffed_busy, overtime = staffed_split(result.busy_area[:, first:last], result.open_minutes[:, first:last], windows)
    queued = queue_at_end(scenario, result)
    for index, (office, rows) in enumerate(
        zip(scenario.offices, rows_by(v["office"], len(scenario.offices)), strict=True)
    ):
        open_minutes = float(result.open_minutes[index, first:last].sum())
        open_days = int(np.count_nonzero(result.open_minutes[index, first:last]))
        here = {k: c[rows] for k, c in columns.items()}
        values = _figures(here, in_window[rows], ended_in_window[rows], open_days, threshold)
        values["utilisation"] = ratio(float(staffed_busy[index].sum()), float(staffed_minutes[index]))
        values["overtime_hours_per_open_day"] = ratio(float(overtime[index].sum()) / 60.0, open_days)
        values["background_wait_mean"] = ratio(
            float(result.local_wait[index, first:last].sum()), float(result.local_visits[index, first:last].sum())
        )
        values["queue_length_mean"] = ratio(float(result.queue_area[index, first:last].sum()), open_minutes)
        values["queue_at_end"] = float(queued[index])
        for name, value in values.items():
            figures[(office.name, name)] = value
        for name in totals:
            totals[name] += values[name]
    if any(o.capped for o in scenario.offices):
        for name, counts in zip(TURN_AWAY, (result.turned_away, result.returned, result.given_up), strict=True):
            per_office = counts[:, first:last].sum(axis=1).astype(np.float64)
            figures.update({(o.name, name): float(x) for o, x in zip(scenario.offices, per_office, strict=True)})
            figures[(TOTAL, name)] = float(per_office.sum())
    pooled = _figures(v, in_window, ended_in_window, 1, threshold)
    pooled.update(totals)
    pooled["utilisation"] = ratio(float(staffed_busy.sum()), float(staffed_minutes.sum()))
    pooled["background_wait_mean"] = ratio(
        float(result.local_wait[:, first:last].sum()), float(result.local_visits[:, first:last].sum())
    )
    pooled.update(_demand(scenario, result, figures))
    for name, value in pooled.items():
        figures[(TOTAL, name)] = value
    if scenario.provinces:
        figures.update(journey_figures(scenario, result))
    return figures


def queue_at_end(scenario: Scenario, result: ReplicationResult) -> NDArray[np.float64]:
    """Per office, the applicants' window visits still waiting when the run's last arrival day ends.

    Parameters
    ----------
    scenario
        The scenario that was run.
    result
        The replication's records.

    Returns
    -------
    numpy.ndarray
        Shape (offices,), visits: intakes, revisits and window pickups (:data:`WINDOW_KINDS`) that arrived before
        minute ``run.days x 1,440`` (the end of the last arrival day) and had not started service by then. Local
        ID visits are not counted (the records may leave them out: ``report.local_visit_records``).
    """
    v = result.visits
    end = scenario.run.days * MINUTES_PER_DAY
    waiting = np.isin(v["kind"], WINDOW_KINDS) & (v["arrival"] < end) & (v["start"] >= end)
    return np.bincount(v["office"][waiting], minlength=len(scenario.offices)).astype(np.float64)


def _demand(scenario: Scenario, result: ReplicationResult, figures: Figures) -> dict[str, float]:
    first, last = scenario.run.warm_up_days, scenario.run.days
    days = result.applicants["day"]
    applicants = float(np.count_nonzero((days >= first) & (days < last)))
    forgone = float(result.forgone[:, first:last].sum())
    peak = [figures[(o.name, "utilisation")] for o in scenario.offices]
    return {
        "applicants": applicants,
        "forgone": forgone,
        "forgone_share": ratio(forgone, applicants + forgone),
        "peak_office_utilisation": float(np.nanmax(peak)) if np.isfinite(peak).any() else math.nan,
    }


def _figures(
    v: dict[str, NDArray[Any]], arrived: NDArray[np.bool_], ended: NDArray[np.bool_], open_days: int, threshold: float
) -> dict[str, float]:
    intake = v["kind"] == VisitKind.INTAKE
    waits = v["wait"][arrived & intake]
    out = {
        "arrivals_per_open_day": ratio(float(waits.size), open_days),
        "served_per_open_day": ratio(float(np.count_nonzero(ended & intake)), open_days),
        "wait_mean": mean(waits),
        f"wait_share_over_{threshold:g}min": mean((waits > threshold).astype(np.float64)),
        "sent_home_share": mean((v["returns"][arrived & intake] > 0).astype(np.float64)),
        "wait_max": float(waits.max()) if waits.size else math.nan,
    }
    for q in (50, 90, 95, 99):
        out[f"wait_p{q}"] = percentile(waits, q)
    return out
