"""What one replication leaves behind, whichever engine computed it, in one canonical order.

Both engines (:mod:`sim.model.build`, the SimPy reference, and :mod:`sim.model.fast`) write the same records. The
rows are put in a canonical order before they leave the model (visits by end, office, applicant, kind and arrival;
applicants by id; requests by decision, applicant and attempt), so equal dynamics give equal arrays, and every
figure computed from them is the same to the last bit whichever engine ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.records import StageCounts, VisitKind

Table = dict[str, NDArray[Any]]


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication leaves behind.

    Attributes
    ----------
    replication : int
        Replication index, from 0.
    visits, applicants, requests : dict of numpy.ndarray
        The visit, applicant and verification-request tables (columns in :mod:`sim.model.records`).
    queue_area, busy_area, open_minutes : numpy.ndarray
        Shape (offices, days): persons x minutes in the window queue, busy window-minutes, minutes open, per day.
    reviewer_busy, reviewer_open : numpy.ndarray
        Shape (provinces, days): busy reviewer-minutes and minutes the reviewers work, per day.
    wip_area : numpy.ndarray
        Shape (stages, days): applicant-minutes in each :class:`~sim.model.stages.Stage`, per day.
    forgone : numpy.ndarray
        Shape (offices, arrival days): applications forgone (made in the hukou province), per day.
    local_visits, local_wait : numpy.ndarray
        Shape (offices, days): local ID visits by office and arrival day, and the minutes they waited in all
        (summed in the canonical order), whether or not the visit table keeps them.
    forgone_origin : numpy.ndarray
        Shape (offices, provinces): forgone applications by hukou province.
    stages : tuple of StageCounts
        Per office, where every window visitor is at the end of the run.
    end_minutes : float
        Simulated time at which the last applicant finished, minutes.
    turned_away, returned, given_up : numpy.ndarray
        Shape (offices, days): visitors turned away by a cap, and of them those who will return and those who gave
        up, by office and day of the turn-away (zero without caps).
    """

    replication: int
    visits: dict[str, NDArray[Any]]
    applicants: dict[str, NDArray[Any]]
    requests: dict[str, NDArray[Any]]
    queue_area: NDArray[np.float64]
    busy_area: NDArray[np.float64]
    open_minutes: NDArray[np.float64]
    reviewer_busy: NDArray[np.float64]
    reviewer_open: NDArray[np.float64]
    wip_area: NDArray[np.float64]
    forgone: NDArray[np.float64]
    forgone_origin: NDArray[np.float64]
    local_visits: NDArray[np.int64]
    local_wait: NDArray[np.float64]
    stages: tuple[StageCounts, ...]
    end_minutes: float
    turned_away: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    returned: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    given_up: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))


def local_summary(visits: Table, offices: int, days: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Shape (offices, days): local ID visits of a canonical visit table by arrival day, and their summed waits."""
    local = visits["kind"] == VisitKind.BACKGROUND
    cell = visits["office"][local].astype(np.int64) * days + visits["day"][local]
    count = np.bincount(cell, minlength=offices * days).reshape(offices, days)
    wait = np.bincount(cell, weights=visits["wait"][local], minlength=offices * days).reshape(offices, days)
    return count.astype(np.int64), wait.astype(np.float64)


def without_local_visits(visits: Table) -> Table:
    """The visit table without its local ID visits."""
    keep = visits["kind"] != VisitKind.BACKGROUND
    return {name: column[keep] for name, column in visits.items()}


def canonical(visits: Table, applicants: Table, requests: Table) -> tuple[Table, Table, Table]:
    """The three tables with their rows in the canonical order (see the module docstring).

    A table whose rows are in that order already is not sorted (the check is one pass): the fast engine records
    each block's rows in it (:func:`in_order`), and its blocks follow one another in time.
    """
    v = visit_order(visits)
    a = row_order(applicants["applicant"])
    r = request_order(requests)
    return _take(visits, v), _take(applicants, a), _take(requests, r)


def visit_order(visits: Table) -> NDArray[np.intp] | None:
    """The visits' canonical row order (end, office, applicant, kind, arrival); None when they are in it."""
    return row_order(visits["end"], visits["office"], visits["applicant"], visits["kind"], visits["arrival"])


def request_order(requests: Table) -> NDArray[np.intp] | None:
    """The requests' canonical row order (decided, applicant, attempt); None when they are in it."""
    return row_order(requests["decided"], requests["applicant"], requests["attempt"])


def in_order(table: Table, order: NDArray[np.intp] | None) -> Table:
    """The table's rows in ``order`` (:func:`visit_order`, :func:`request_order`), as new arrays; itself if None."""
    return table if order is None else {name: column[order] for name, column in table.items()}


def row_order(first: NDArray[Any], *then: NDArray[Any]) -> NDArray[np.intp] | None:
    """The rows sorted by ``first``, ties by ``then`` in turn; None when they already are (most ties are rare)."""
    if first.size < 2 or bool(np.all(first[1:] > first[:-1])):  # in order, no ties (the fast engine's visits)
        return None
    order = np.argsort(first, kind="stable")
    if then:
        ranked = first[order]
        tied = bool(np.any(ranked[1:] == ranked[:-1]))
        del ranked
        if tied:
            order = np.lexsort((*reversed(then), first))
    if order[0] == 0 and bool(np.all(order[1:] > order[:-1])):
        return None
    return order


def end_of_run(visits: Table, applicants: Table, requests: Table) -> float:
    """When the last thing happened (minutes): the latest service end, card in hand or decision; 0 if none."""
    last = 0.0
    for column in (visits["end"], applicants["in_hand"], requests["decided"]):
        if column.size:
            last = max(last, float(np.max(column)))
    return last


def _take(table: Table, order: NDArray[np.intp] | None) -> Table:
    """The table in the given row order, column by column (each old column is released as it is replaced)."""
    if order is not None:
        for name in list(table):
            table[name] = table[name][order]
    return table
