"""Columnar records: per-visit timestamps in growable numpy columns, and time-weighted counters in day bins.

Nothing is printed and nothing is polled: a visit is written once, when its service ends, and a level (queue
length, busy clerks) integrates its area at each change, split at midnight into per-day bins so that daily series,
warm-up exclusion and the horizon total all come from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.world.calendar import MINUTES_PER_DAY

VISIT_COLUMNS: dict[str, type] = {
    "office": np.int32,
    "kind": np.int8,
    "applicant": np.int64,
    "day": np.int32,
    "arrival": np.float64,
    "start": np.float64,
    "end": np.float64,
    "wait": np.float64,
    "returns": np.int16,
}
"""Columns of the visit table: office index, :class:`VisitKind`, applicant id (-1 for background), day index of
the first arrival, first arrival, service start and end (minutes), minutes spent waiting in the queue (summed over
returns), and how often the visitor was sent home at closing."""


class VisitKind:
    """Codes of the ``kind`` column of visits (and of the reviewers' requests)."""

    INTAKE = 0
    BACKGROUND = 1
    REWORK = 2
    PICKUP = 3
    KIOSK_PICKUP = 4
    REVIEW = 5


APPLICANT_COLUMNS: dict[str, type] = {
    "applicant": np.int64,
    "office": np.int32,
    "province": np.int32,
    "origin_kind": np.int8,
    "day": np.int32,
    "arrival": np.float64,
    "intake_end": np.float64,
    "decided": np.float64,
    "card_ready": np.float64,
    "in_hand": np.float64,
    "promise": np.float64,
    "visits": np.int16,
    "attempts": np.int16,
}
"""Columns of the applicant table, written when the card is in hand: ids; office and hukou province indices
(-1 in an intake-only scenario); origin kind (0 hukou in a pilot city, 1 elsewhere, -1 not distinguished); day
index and time of the first arrival; end of the first intake; the approving decision; card ready (at the office,
or delivered when mailed); card in hand; the promised deadline (minutes; NaN where not applicable); visits to the
office and verification attempts."""

REQUEST_COLUMNS: dict[str, type] = {
    "applicant": np.int64,
    "office": np.int32,
    "province": np.int32,
    "attempt": np.int16,
    "sent": np.float64,
    "received": np.float64,
    "start": np.float64,
    "decided": np.float64,
    "approved": np.int8,
}
"""Columns of the verification-request table: who, from which office to which hukou province, which attempt,
when the request was sent (end of intake), reached the reviewers' inbox, was picked up and decided (minutes), and
whether it was approved."""


class ColumnLog:
    """Rows appended one at a time into preallocated numpy columns that double when full.

    Parameters
    ----------
    columns
        Column names and numpy dtypes.
    capacity
        Initial number of rows.
    """

    def __init__(self, columns: dict[str, type], capacity: int = 1024) -> None:
        self._dtypes = columns
        self._capacity = max(capacity, 1)
        self._columns: dict[str, NDArray[Any]] = {
            name: np.empty(self._capacity, dtype=dtype) for name, dtype in columns.items()
        }
        self.size = 0

    def append(self, row: dict[str, float]) -> None:
        """Add one row; every column must be given."""
        if self.size == self._capacity:
            self._grow()
        for name, column in self._columns.items():
            column[self.size] = row[name]
        self.size += 1

    def _grow(self) -> None:
        self._capacity *= 2
        for name, column in self._columns.items():
            bigger: NDArray[Any] = np.empty(self._capacity, dtype=self._dtypes[name])
            bigger[: self.size] = column[: self.size]
            self._columns[name] = bigger

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The filled part of every column (copies, trimmed to :attr:`size`)."""
        return {name: column[: self.size].copy() for name, column in self._columns.items()}


class TimeWeighted:
    """A level (queue length, busy clerks) whose area is integrated at each change, in per-day bins.

    Attributes
    ----------
    value : float
        Current level.
    """

    __slots__ = ("_bins", "_day_end", "_last", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self._last = 0.0
        self._bins: list[float] = [0.0]
        self._day_end = MINUTES_PER_DAY

    def add(self, t: float, delta: float) -> None:
        """Integrate the current level up to time ``t`` (minutes), then change it by ``delta``."""
        if t <= self._day_end:  # the common case: still inside the current day's bin
            if t > self._last:
                self._bins[-1] += self.value * (t - self._last)
                self._last = t
        else:
            self.advance(t)
        self.value += delta

    def advance(self, t: float) -> None:
        """Integrate the current level up to time ``t`` (minutes)."""
        while self._last < t:
            end = min(t, self._day_end)
            self._bins[-1] += self.value * (end - self._last)
            self._last = end
            if end == self._day_end and end < t:
                self._bins.append(0.0)
                self._day_end += MINUTES_PER_DAY

    def bins(self, days: int) -> NDArray[np.float64]:
        """Area (level x minutes) per day for days ``0 .. days-1``, zero-padded."""
        out = np.zeros(days)
        n = min(days, len(self._bins))
        out[:n] = self._bins[:n]
        return out


@dataclass(frozen=True)
class StageCounts:
    """Where every visitor who arrived is at the end of a run; ``arrived`` equals the sum of the rest.

    Attributes
    ----------
    arrived, served, waiting, in_service, away : int
        Visitors who arrived; finished service; in the queue; at a window; sent home or arrived while closed and
        not yet back.
    """

    arrived: int
    served: int
    waiting: int
    in_service: int
    away: int

    @property
    def balanced(self) -> bool:
        """Whether the stages account for every arrival exactly once."""
        return self.arrived == self.served + self.waiting + self.in_service + self.away
