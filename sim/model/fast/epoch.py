"""Every office's new applicants and local visits over a span of days, gathered once and sliced per block.

The fast engine's day blocks are three days long in a journey (docs/design.md, "Blocks or passes"), and a national
run has 341 offices: asking each office for its applicants and local visits block by block was about 117,000
calls a whole history, each a few NumPy slices and concatenations (about 1.5 s of an 11 s replication). An
:class:`Epoch` asks each office once for :data:`EPOCH_DAYS` days (the offices draw that many at once anyway),
puts every office's rows in one table in the order the windows need them, and gives a block its rows as slices:

- new applicants sorted by arrival time, then office, then row: the order in which they are given ids
  (docs/design.md, "Ties"); a block's applicants are the rows arriving within its days, in the same order;
- local visits grouped by arrival day (a stable sort, so within a day by office, then in drawn order); a block's
  local visits are the rows of its days. Their order within the block does not matter: the windows take visits
  sorted by station and time, stably, and two local visits of one office at the same instant keep their drawn
  order either way.

The numbers do not depend on how the days are asked for: each day draws from its own keyed streams.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.model.fast.steps import day_of
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.draws import ApplicantDraws
from sim.world.office_day import BLOCK_DAYS, OfficeDays

Array = NDArray[Any]
EPOCH_DAYS = BLOCK_DAYS
"""Days gathered at once: the days an office draws at once (:data:`~sim.world.office_day.BLOCK_DAYS`)."""


class Drawn(NamedTuple):
    """Rows ``start:stop`` of one office's drawn applicants (``OfficeDays.applicant_parts``)."""

    office: int
    draws: ApplicantDraws
    start: int
    stop: int

    def column(self, name: str) -> Array:
        """One draw of the rows (the origin kind -1 where the draws do not distinguish it)."""
        if name == "kind" and self.draws.kind.size == 0:
            return np.full(self.stop - self.start, -1, dtype=np.int64)
        return np.asarray(getattr(self.draws, name)[self.start : self.stop])


def gathered(fresh: list[Drawn], names: tuple[str, ...]) -> tuple[dict[str, Array], NDArray[np.int64] | None]:
    """New applicants' draws as one table in id order: by arrival time, then office, then row.

    Returns the columns ``names`` and ``office``, and the order applied to the parts' rows laid end to end (None
    when they were in order already: one office's rows are in arrival order).
    """
    order: NDArray[np.int64] | None
    if all(d.office == fresh[0].office for d in fresh):
        order = None
        office = np.full(sum(d.stop - d.start for d in fresh), fresh[0].office, dtype=np.int64)
    else:
        office = np.concatenate([np.full(d.stop - d.start, d.office, dtype=np.int64) for d in fresh])
        row = np.concatenate([np.arange(d.stop - d.start) for d in fresh])
        order = np.lexsort((row, office, np.concatenate([d.column("arrival") for d in fresh])))
        office = office[order]

    def column(name: str) -> Array:
        parts = [d.column(name) for d in fresh]
        whole = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return whole if order is None else whole[order]

    block = {name: column(name) for name in names}
    block["office"] = office
    return block, order


class Epoch:
    """Every office's new applicants and local visits of ``days``, to be sliced by blocks of those days.

    Parameters
    ----------
    days
        The span of arrival days.
    offices
        The offices' draws.
    applicant_days, local_days
        Shape (offices, run days): whether an office draws applicants, local visits, on a day.
    names
        The applicants' draw columns to gather (``arrival``, ``province`` and ``kind`` among them).
    """

    def __init__(
        self,
        days: range,
        offices: list[OfficeDays],
        applicant_days: NDArray[np.bool_],
        local_days: NDArray[np.bool_],
        names: tuple[str, ...],
    ) -> None:
        self.days = days
        drawing = np.flatnonzero(applicant_days[:, days.start : days.stop].any(axis=1)).tolist()
        fresh = [Drawn(i, *part) for i in drawing for part in offices[i].applicant_parts(days)]
        self.applicants, _ = gathered(fresh, names) if fresh else ({}, None)
        self._arrival: NDArray[np.float64] = self.applicants.get("arrival", np.empty(0))
        some = np.flatnonzero(local_days[:, days.start : days.stop].any(axis=1)).tolist()
        local = [(i, *offices[i].local_visits(days)) for i in some]
        local = [(i, t, s) for i, t, s in local if t.size]
        station = np.repeat(np.array([i for i, _, _ in local], dtype=np.int64), [t.size for _, t, _ in local])
        t = np.concatenate([t for _, t, _ in local]) if local else np.empty(0)
        service = np.concatenate([s for _, _, s in local]) if local else np.empty(0)
        day = day_of(t).astype(np.int64) - days.start
        if bool(np.all(day[1:] >= day[:-1])):  # by day already (one office's visits)
            self.station, self.t, self.service = station, t, service
        else:
            order = np.argsort(day.astype(np.int16 if len(days) < 2**15 else np.int64), kind="stable")
            self.station, self.t, self.service = station[order], t[order], service[order]
        self._first = np.zeros(len(days) + 1, dtype=np.int64)  # each day's first local visit
        np.cumsum(np.bincount(day, minlength=len(days)), out=self._first[1:])

    def holds(self, days: range) -> bool:
        """Whether ``days`` lie within the epoch."""
        return self.days.start <= days.start and days.stop <= self.days.stop

    def applicants_of(self, days: range) -> dict[str, Array] | None:
        """The new applicants arriving on ``days``, in id order; None when there are none."""
        lo, hi = np.searchsorted(self._arrival, (days.start * MINUTES_PER_DAY, days.stop * MINUTES_PER_DAY)).tolist()
        if hi <= lo:
            return None
        return {name: column[lo:hi] for name, column in self.applicants.items()}

    def locals_of(self, days: range) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """The local visits arriving on ``days``: offices, arrival times (minutes) and service minutes."""
        rows = slice(self._first[days.start - self.days.start], self._first[days.stop - self.days.start])
        return self.station[rows], self.t[rows], self.service[rows]
