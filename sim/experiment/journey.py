"""Journey figures of one replication: verification turnaround, reviewer load, visits and lead times.

Computed for applicants whose first visit fell in the measurement window (after the warm-up), per office, per
hukou province (scope ``hukou:<name>``) and in total. Lead time runs from the first visit to the card in hand;
"issue" time to the card ready (at the office, or delivered when mailed), which is what the legal limit and the
service promise are about.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.experiment.metric import TOTAL, mean, percentile, ratio, rows_by
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.staff import reviewers_by_day

PROVINCE_PREFIX = "hukou:"
"""Scopes of hukou provinces are named ``hukou:<province>``."""


def journey_figures(scenario: Scenario, result: ReplicationResult) -> dict[tuple[str, str], float]:
    """Journey figures per office, per hukou province and in total for one replication."""
    first, last = scenario.run.warm_up_days, scenario.run.days
    a, r = result.applicants, result.requests
    applicants = (a["day"] >= first) & (a["day"] < last)
    requests = np.isin(r["applicant"], a["applicant"][applicants])
    figures: dict[tuple[str, str], float] = {}
    names = [o.name for o in scenario.offices] + [PROVINCE_PREFIX + p.name for p in scenario.provinces]
    a_rows = rows_by(a["office"], len(scenario.offices)) + rows_by(a["province"], len(scenario.provinces))
    r_rows = rows_by(r["office"], len(scenario.offices)) + rows_by(r["province"], len(scenario.provinces))
    scopes = [(name, ar[applicants[ar]], rr[requests[rr]]) for name, ar, rr in zip(names, a_rows, r_rows, strict=True)]
    scopes.append((TOTAL, np.flatnonzero(applicants), np.flatnonzero(requests)))
    for scope, a_index, r_index in scopes:
        values = _figures(scenario, a=a, applicants=a_index, r=r, requests=r_index, window_days=last - first)
        values["reviewer_utilisation"] = _reviewers(scenario, result, scope)
        figures.update({(scope, name): value for name, value in values.items()})
    return figures


def _figures(
    scenario: Scenario,
    *,
    a: dict[str, NDArray[Any]],
    applicants: NDArray[np.intp],
    r: dict[str, NDArray[Any]],
    requests: NDArray[np.intp],
    window_days: int,
) -> dict[str, float]:
    production = scenario.production
    turnaround = (r["decided"][requests] - r["sent"][requests]) / 60.0
    arrival = a["arrival"][applicants]
    lead = (a["in_hand"][applicants] - arrival) / MINUTES_PER_DAY
    issue = (a["card_ready"][applicants] - arrival) / MINUTES_PER_DAY
    late = a["card_ready"][applicants] > a["promise"][applicants]
    return {
        "turnaround_hours_mean": mean(turnaround),
        "turnaround_hours_p90": percentile(turnaround, 90),
        "rejected_share": mean((a["attempts"][applicants] > 1).astype(np.float64)),
        "visits_per_applicant": mean(a["visits"][applicants].astype(np.float64)),
        "lead_days_mean": mean(lead),
        "lead_days_p50": percentile(lead, 50),
        "lead_days_p90": percentile(lead, 90),
        "lead_days_p95": percentile(lead, 95),
        "lead_days_max": float(lead.max()) if lead.size else float("nan"),
        "issue_days_mean": mean(issue),
        "over_legal_limit_share": mean((issue > production.legal_limit_days).astype(np.float64)),
        "over_promise_share": mean(late.astype(np.float64)),
        "cards_per_day": ratio(float(applicants.size), float(window_days)),
    }


def _reviewers(scenario: Scenario, result: ReplicationResult, scope: str) -> float:
    first, last = scenario.run.warm_up_days, scenario.run.days
    rows = list(range(len(scenario.provinces)))
    if scope.startswith(PROVINCE_PREFIX):
        rows = [i for i, p in enumerate(scenario.provinces) if PROVINCE_PREFIX + p.name == scope]
    elif scope != TOTAL:
        return float("nan")
    busy = float(result.reviewer_busy[rows, first:last].sum())
    reviewers = reviewers_by_day(scenario.provinces, last)[rows, first:last]  # each day's count
    staffed = float((reviewers * result.reviewer_open[rows, first:last]).sum())  # reviewer-minutes
    return ratio(busy, staffed)
