"""Where every applicant is: one stage each, counts per stage, and work in progress per stage over time.

The book is the run's own conservation check: every applicant who arrived is in exactly one stage, the counts
are kept in step with a per-applicant stage array, and :meth:`StageBook.check` compares the two.
"""

from __future__ import annotations

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
    """Stage of every applicant, counts, and per-stage levels integrated in day bins."""

    def __init__(self) -> None:
        self._stage: list[int] = []
        self.counts = [0] * len(Stage)
        self.levels = [TimeWeighted() for _ in Stage]

    @property
    def arrived(self) -> int:
        """Applicants who have arrived so far."""
        return len(self._stage)

    def enter(self, t: float) -> int:
        """A new applicant arrives at time ``t`` (minutes); returns its id, in stage WAITING."""
        self._stage.append(Stage.WAITING)
        self.counts[Stage.WAITING] += 1
        self.levels[Stage.WAITING].add(t, 1)
        return len(self._stage) - 1

    def move(self, applicant: int, stage: Stage, t: float) -> None:
        """Move an applicant to ``stage`` at time ``t`` (minutes)."""
        old = self._stage[applicant]
        if old == stage:
            return
        self._stage[applicant] = stage
        self.counts[old] -= 1
        self.counts[stage] += 1
        self.levels[old].add(t, -1)
        self.levels[stage].add(t, 1)

    def stage_of(self, applicant: int) -> Stage:
        """The applicant's current stage."""
        return Stage(self._stage[applicant])

    def check(self) -> None:
        """Raise :class:`ConservationError` unless the counts match the per-applicant stages and sum to arrivals."""
        actual = np.bincount(np.asarray(self._stage, dtype=np.int64), minlength=len(Stage)).tolist()
        if actual != self.counts or sum(self.counts) != self.arrived:
            raise ConservationError(f"stage counts {self.counts} != stages {actual} for {self.arrived} arrivals")

    def wip_area(self, days: int) -> NDArray[np.float64]:
        """Shape (stages, days): applicant-minutes spent in each stage, per day."""
        return np.array([level.bins(days) for level in self.levels])

    def advance(self, t: float) -> None:
        """Integrate every level up to ``t`` (minutes)."""
        for level in self.levels:
            level.advance(t)
