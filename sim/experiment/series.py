"""Daily series of one replication: per office and day, the counts and levels a researcher plots over time."""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from sim.experiment.metric import staffed_split
from sim.model.records import VisitKind
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.staff import windows_by_day

DAILY_COLUMNS = (
    "replication",
    "date",
    "office",
    "open_minutes",
    "windows",
    "arrivals",
    "background_arrivals",
    "served",
    "revisits",
    "pickups",
    "cards_in_hand",
    "wait_mean_minutes",
    "background_wait_mean_minutes",
    "utilisation",
    "overtime_hours",
    "queue_length_mean",
    "turned_away",
    "returned",
    "given_up",
)
"""Columns of ``daily.csv``: one row per replication, office and day (days past the horizon included while the last
visitors are served). ``windows`` is the day's windows (``windows_from``); ``arrivals`` and ``wait_mean_minutes``
are for applicants who arrived that day, ``background_arrivals`` and ``background_wait_mean_minutes`` for local ID
visits that arrived that day; ``served`` counts applicant intakes finished that day; ``revisits`` and ``pickups``
count those visits finished that day; ``cards_in_hand`` counts applicants of the office who got their card that
day; ``utilisation`` is the day's busy window-minutes up to its staffed window-minutes (that day's windows x open
minutes) over those staffed minutes (a share, at most 1), ``overtime_hours`` the rest of the day's busy
window-minutes, in window-hours; ``queue_length_mean`` is per opening minute; ``turned_away`` counts first intakes
and local visits turned away by a cap that day, ``returned`` and ``given_up`` those of them who will come back and
who gave up (0 without caps)."""

Row = tuple[int, str, str, float, int, int, int, int, int, int, int, float, float, float, float, float, int, int, int]


def daily_rows(scenario: Scenario, result: ReplicationResult) -> list[Row]:
    """Rows of ``daily.csv`` for one replication (see :data:`DAILY_COLUMNS`)."""
    days = result.open_minutes.shape[1]
    v = result.visits
    intake = v["kind"] == VisitKind.INTAKE
    ended = (v["end"] // MINUTES_PER_DAY).astype(np.int64)
    rows: list[Row] = []
    windows = windows_by_day(scenario.offices, days).astype(np.float64)
    staffed_busy, overtime = staffed_split(result.busy_area, result.open_minutes, windows)  # window-minutes
    turned, returned, gave_up = (
        _per_day(counts, len(scenario.offices), days)
        for counts in (result.turned_away, result.returned, result.given_up)
    )
    for index, office in enumerate(scenario.offices):
        here = v["office"] == index
        arrivals = np.bincount(v["day"][here & intake], minlength=days)
        background = result.local_visits[index]
        served = np.bincount(ended[here & intake], minlength=days)
        revisits = np.bincount(ended[here & (v["kind"] == VisitKind.REWORK)], minlength=days)
        pickup_kinds = (v["kind"] == VisitKind.PICKUP) | (v["kind"] == VisitKind.KIOSK_PICKUP)
        pickups = np.bincount(ended[here & pickup_kinds], minlength=days)
        a = result.applicants
        carded = (a["office"] == index) & (a["attempts"] > 0)
        done = (a["in_hand"][carded] // MINUTES_PER_DAY).astype(np.int64)
        cards = np.bincount(done, minlength=days)
        wait_sum = np.bincount(v["day"][here & intake], weights=v["wait"][here & intake], minlength=days)
        opened = result.open_minutes[index]
        for day in range(days):
            rows.append(
                (
                    result.replication,
                    (scenario.run.start + dt.timedelta(days=day)).isoformat(),
                    office.name,
                    float(opened[day]),
                    int(windows[index, day]),
                    int(arrivals[day]),
                    int(background[day]),
                    int(served[day]),
                    int(revisits[day]),
                    int(pickups[day]),
                    int(cards[day]),
                    _div(float(wait_sum[day]), float(arrivals[day])),
                    _div(float(result.local_wait[index, day]), float(background[day])),
                    _div(float(staffed_busy[index, day]), float(windows[index, day] * opened[day])),
                    float(overtime[index, day]) / 60.0,
                    _div(float(result.queue_area[index, day]), float(opened[day])),
                    int(turned[index, day]),
                    int(returned[index, day]),
                    int(gave_up[index, day]),
                )
            )
    return rows


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def _per_day(counts: NDArray[np.int64], offices: int, days: int) -> NDArray[np.int64]:
    """Shape (offices, days): a per-office, per-day count (zeros when the result has none)."""
    out = np.zeros((offices, days), dtype=np.int64)
    if counts.size:
        n = min(days, counts.shape[1])
        out[:, :n] = counts[:, :n]
    return out
