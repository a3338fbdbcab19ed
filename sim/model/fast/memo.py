"""Results of a pure step kept from one pass over the whole run to the next, keyed by the step's input time.

The passes of :meth:`~sim.model.fast.run._Engine.relax` recompute every request's link and every decision's
production and pickup; from the third pass on, all but a few come out as in the pass before (``bench/passes.py``:
tens of rows of about 27,000 in the shipped two-year journey). These steps are pure functions of one time per
row (when the request was sent, when it was decided) and of draws fixed for the replication, so a row whose time
is the one it had last pass has last pass's results: a :class:`Memo` hands those back and the step computes only
the rest. The results are the same to the bit: either way they are the step's own arithmetic on the same
numbers. A later attempt's draws (from its own sub-stream) depend on no time at all: they are kept under time 0
and drawn once for every pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

LEVELS = 4
"""Attempts per applicant a memo of requests keeps (later attempts are rare and always computed)."""


class Memo:
    """Per applicant and attempt: the input time a step last saw and the results it computed from it.

    Parameters
    ----------
    applicants
        Applicant ids run from 0 to ``applicants - 1``.
    results
        The number of result columns (float64, minutes).
    levels
        Attempts kept per applicant: :data:`LEVELS` for requests, 1 for what happens once per applicant (rows
        are then given without attempts).
    """

    def __init__(self, applicants: int, results: int, levels: int = LEVELS) -> None:
        self.levels = levels
        self.seen = np.full(applicants * levels, np.nan)
        self.results = np.empty((results, applicants * levels))  # one row per result: each taken contiguous

    def _slots(self, ids: I64, k: I64 | None) -> I64:
        if k is None:
            return ids
        slots: I64 = ids * self.levels + np.minimum(k, self.levels - 1)
        return slots

    def stale(self, ids: I64, k: I64 | None, t: F64) -> I64:
        """Rows whose results must be computed: ``t`` is not the time last seen (or the attempt is too late).

        Parameters
        ----------
        ids, k
            Applicant and attempt per row (``k`` None: a memo of one level).
        t
            The step's input time per row, minutes.

        Returns
        -------
        numpy.ndarray
            Indices of the rows to compute.
        """
        unseen = self.seen[self._slots(ids, k)] != t  # NaN (never seen) differs from every time
        if k is not None:
            unseen |= k >= self.levels
        return np.flatnonzero(unseen)

    def kept(self, ids: I64, k: I64 | None) -> F64:
        """Shape (results, rows): the results kept for each row (meaningful only where not :meth:`stale`)."""
        result: F64 = self.results[:, self._slots(ids, k)]
        return result

    def keep(self, ids: I64, k: I64 | None, t: F64, results: F64) -> None:
        """Keep ``results`` (shape (results, rows)) computed from the input times ``t``."""
        slots = self._slots(ids, k)
        if k is not None:
            early = k < self.levels
            slots, t, results = slots[early], t[early], results[:, early]
        self.seen[slots] = t
        self.results[:, slots] = results


def through(memo: Memo | None, ids: I64, k: I64 | None, t: F64, compute: Callable[[I64 | slice], F64]) -> F64:
    """A step's results for every row, shape (results, rows): kept where ``t`` is as last seen, else computed.

    Parameters
    ----------
    memo
        The step's memo; None computes every row (the day blocks, where each request passes once).
    ids, k, t
        Applicant, attempt (or None) and input time per row (:meth:`Memo.stale`).
    compute
        The step on some rows (indices, or ``slice(None)`` for all): shape (results, those rows).
    """
    if memo is None:
        return compute(slice(None))
    rows = memo.stale(ids, k, t)
    if rows.size == ids.size:
        out = compute(slice(None))
    else:
        out = memo.kept(ids, k)
        if rows.size:
            out[:, rows] = compute(rows)
    if rows.size:
        memo.keep(ids[rows], None if k is None else k[rows], t[rows], out[:, rows])
    return out
