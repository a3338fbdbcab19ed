"""Visitors turned away by an office's cap, counted per office and day, and their own conservation check.

An office with ``max_in_office`` or ``daily_quota`` may turn away a first intake or a local visit (revisits and
pickups are always admitted: they were let in before). Each turn-away ends in giving up or a return, counted on the
day of the turn-away; a return is another arrival that may be turned away again. Both engines keep a
:class:`TurnAwayTally`, and :meth:`TurnAwayTally.check` holds them to: every person who came (first arrivals of the
capped kinds) was admitted once or gave up once, and every turn-away ended in exactly one of a return or giving up.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.model.stages import ConservationError
from sim.world.calendar import MINUTES_PER_DAY


class TurnAwayTally:
    """Turn-aways, returns and giving up per office and day; persons and admissions per office.

    Parameters
    ----------
    offices
        Number of offices.
    days
        Initial number of day columns (grows as needed).

    Attributes
    ----------
    persons, admitted : numpy.ndarray
        Per office: first arrivals of first intakes and local visits at a capped office, and their admissions
        (first arrivals and returns).
    """

    def __init__(self, offices: int, days: int = 1) -> None:
        self._counts = np.zeros((3, offices, max(days, 1)), dtype=np.int64)
        self.persons = np.zeros(offices, dtype=np.int64)
        self.admitted = np.zeros(offices, dtype=np.int64)
        self.last = 0.0

    def record(self, office: NDArray[np.int64], t: NDArray[np.float64], gave_up: NDArray[np.bool_]) -> None:
        """Visitors of ``office`` turned away at times ``t`` (minutes); ``gave_up`` for those who will not return."""
        if t.size == 0:
            return
        day = np.floor_divide(t, MINUTES_PER_DAY).astype(np.int64)
        top = int(day.max()) + 1
        if top > self._counts.shape[2]:
            grown = np.zeros((3, self._counts.shape[1], max(top, 2 * self._counts.shape[2])), dtype=np.int64)
            grown[:, :, : self._counts.shape[2]] = self._counts
            self._counts = grown
        np.add.at(self._counts[0], (office, day), 1)
        np.add.at(self._counts[1], (office[~gave_up], day[~gave_up]), 1)
        np.add.at(self._counts[2], (office[gave_up], day[gave_up]), 1)
        self.last = max(self.last, float(t.max()))

    def tables(self, days: int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Shape (offices, days) each: turned away, of whom returned, of whom gave up, by day of the turn-away."""
        out = np.zeros((3, self._counts.shape[1], days), dtype=np.int64)
        n = min(days, self._counts.shape[2])
        out[:, :, :n] = self._counts[:, :, :n]
        return out[0], out[1], out[2]

    def check(self) -> None:
        """Raise :class:`ConservationError` unless each person was admitted or gave up, each turn-away ended once."""
        turned, returned, gave_up = self._counts.sum(axis=2)
        if (turned != returned + gave_up).any() or (self.persons != self.admitted + gave_up).any():
            raise ConservationError(
                f"turn-aways {turned.tolist()} != returns {returned.tolist()} + give-ups {gave_up.tolist()}, or "
                f"persons {self.persons.tolist()} != admitted {self.admitted.tolist()} + give-ups"
            )
