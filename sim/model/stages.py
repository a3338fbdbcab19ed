"""Where every applicant is: one stage each, counts per stage, and work in progress per stage over time.

The book is the run's own conservation check: every applicant who arrived is in exactly one stage, the counts
are kept in step with a per-applicant stage array, and :meth:`StageBook.check` compares the two.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.model.records import TimeWeighted


class Stage(IntEnum):
    """An applicant's stage."""

    WAITING = 0
    IN_INTAKE = 1
    IN_VERIFICATION = 2
    AWAITING_REVISIT = 3
    IN_PRODUCTION = 4
    IN_TRANSIT = 5
    AWAITING_PICKUP = 6
    DONE = 7


class ConservationError(RuntimeError):
    """Stage counts do not account for every arrival exactly once: a bug, never a figure."""


class StageBook:
    """Stage of every applicant, counts, and per-stage levels integrated in day bins.

    A journey may also *schedule* a move at a known future time (production finishing, a card arriving) instead
    of waking up for it; scheduled moves are applied in time order before anything else the book is asked or
    told, so the levels are still integrated in time order.

    Parameters
    ----------
    clock
        The simulation clock (minutes), to apply scheduled moves that are due when the book is read.
    """

    def __init__(self, clock: Callable[[], float] = lambda: 0.0) -> None:
        self._clock = clock
        self._stage: list[int] = []
        self._counts = [0] * len(Stage)
        self._pending: list[tuple[float, int, int, int]] = []
        self._sequence = 0
        self.levels = [TimeWeighted() for _ in Stage]

    @property
    def arrived(self) -> int:
        """Applicants who have arrived so far."""
        return len(self._stage)

    @property
    def counts(self) -> list[int]:
        """Applicants per stage now."""
        self._flush(self._clock())
        return list(self._counts)

    def enter(self, t: float) -> int:
        """A new applicant arrives at time ``t`` (minutes); returns its id, in stage WAITING."""
        self._flush(t)
        self._stage.append(Stage.WAITING)
        self._counts[Stage.WAITING] += 1
        self.levels[Stage.WAITING].add(t, 1)
        return len(self._stage) - 1

    def move(self, applicant: int, stage: Stage, t: float) -> None:
        """Move an applicant to ``stage`` at time ``t`` (minutes, now)."""
        self._flush(t)
        self._apply(applicant, stage, t)

    def schedule(self, applicant: int, stage: Stage, t: float) -> None:
        """Move an applicant to ``stage`` at the future time ``t`` (minutes) without an event."""
        heapq.heappush(self._pending, (t, self._sequence, applicant, int(stage)))
        self._sequence += 1

    def _flush(self, t: float) -> None:
        pending = self._pending
        while pending and pending[0][0] <= t:
            when, _, applicant, stage = heapq.heappop(pending)
            self._apply(applicant, Stage(stage), when)

    def _apply(self, applicant: int, stage: Stage, t: float) -> None:
        old = self._stage[applicant]
        if old == stage:
            return
        self._stage[applicant] = stage
        self._counts[old] -= 1
        self._counts[stage] += 1
        self.levels[old].add(t, -1)
        self.levels[stage].add(t, 1)

    def stage_of(self, applicant: int) -> Stage:
        """The applicant's current stage."""
        self._flush(self._clock())
        return Stage(self._stage[applicant])

    def check(self) -> None:
        """Raise :class:`ConservationError` unless the counts match the per-applicant stages and sum to arrivals."""
        counts = self.counts
        actual = np.bincount(np.asarray(self._stage, dtype=np.int64), minlength=len(Stage)).tolist()
        if actual != counts or sum(counts) != self.arrived:
            raise ConservationError(f"stage counts {counts} != stages {actual} for {self.arrived} arrivals")

    def wip_area(self, days: int) -> NDArray[np.float64]:
        """Shape (stages, days): applicant-minutes spent in each stage, per day."""
        return np.array([level.bins(days) for level in self.levels])

    def advance(self, t: float) -> None:
        """Apply the moves due by ``t`` and integrate every level up to ``t`` (minutes)."""
        self._flush(t)
        for level in self.levels:
            level.advance(t)
