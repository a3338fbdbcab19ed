"""Named random streams, keyed by replication, source and place (office, day, ...), never by the order of draws.

Each source of randomness (an office-day's applicants, its local ID visits, the forgone counts, ...) has a fixed
number. Every stream is a :class:`DayStreams`: the streams of one source at one place for every day,
``Philox4x64`` keyed by ``SeedSequence(seed, spawn_key=(replication, source, *place))`` (the key's words computed
for many places at once, :mod:`sim.world.seeds`) with day ``d`` starting at counter ``(0, 0, 0, d)``; the first
block of a day is counter ``(1, 0, 0, d)`` and a day would need ``2**192`` blocks to reach the next. A day's
candidate ``r`` draws its attempt ``k`` from counter ``(0, k, r + 1, d)`` on (:meth:`DayStreams.attempt`).
Selecting a day sets the counter of one reused bit generator (about 1.5 microseconds, against about 15 for a fresh
``SeedSequence`` and ``PCG64`` per office-day, or 8 for a fresh ``Philox``); the compiled kernels
(:mod:`sim.world.philox`) draw the same numbers from the key.

Because every stream depends only on its key, two scenarios run with the same seed draw the same numbers for the
same source, place and day (common random numbers), and any executor that runs replication ``r`` gets the same
numbers.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.world import seeds


class Source(IntEnum):
    """Sources of randomness. Append new members only: the numbers are part of every stream's key.

    Members 0-12 and 14 are no longer drawn from (the per-source, per-office-day and overflow streams of earlier
    versions); an office-day now draws its applicants from :attr:`APPLICANTS` (each candidate's attempts from its
    sub-streams, :meth:`DayStreams.attempt`) and its local ID visits from :attr:`BACKGROUND`.
    """

    APPLICANT_ARRIVALS = 0
    INTAKE_SERVICE = 1
    BACKGROUND_ARRIVALS = 2
    BACKGROUND_SERVICE = 3
    ORIGIN = 4
    REVIEW = 5
    LATENCY = 6
    OUTCOME = 7
    REVISIT = 8
    PRODUCTION = 9
    SHIPPING = 10
    PICKUP = 11
    OVERFLOW = 12
    FORGONE = 13
    APPLICANT_DRAWS = 14
    APPLICANTS = 15
    BACKGROUND = 16
    TURNED_AWAY = 17
    TURNED_AWAY_LOCAL = 18


def _state(seed: int, replication: int, source: Source, place: tuple[int, ...], n_words: int) -> NDArray[np.uint64]:
    """``SeedSequence(seed, spawn_key=(replication, source, *place)).generate_state(n_words, np.uint64)``.

    One place, as every stream has, comes from :func:`sim.world.seeds.state` (the same words, computed for many
    places at once).
    """
    if len(place) == 1 and 0 <= place[0] <= 0xFFFFFFFF:
        return seeds.state(seed, replication, int(source), place[0], n_words)
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, int(source), *place))
    return np.asarray(sequence.generate_state(n_words, np.uint64), dtype=np.uint64)


def stream_key(seed: int, replication: int, source: Source, *place: int) -> NDArray[np.uint64]:
    """The Philox key (two ``uint64`` words) of the day streams of ``source`` at ``place`` (:class:`DayStreams`)."""
    return _state(seed, replication, source, place, 2)


def stream_keys(seed: int, replication: int, source: Source, places: int) -> NDArray[np.uint64]:
    """Shape (places, 2): :func:`stream_key` of places ``0 .. places - 1`` (e.g. every office), at once."""
    return seeds.states(seed, replication, int(source), places, 2)


class DayStreams:
    """The day-by-day streams of one source at one place (e.g. an office) in one replication.

    Parameters
    ----------
    seed
        The run's root seed.
    replication
        Replication index, from 0.
    source
        Which source of randomness.
    *place
        Further non-negative integers that locate the draws (e.g. office index).

    Attributes
    ----------
    key : numpy.ndarray
        The Philox key (two ``uint64`` words), for the compiled streams of :mod:`sim.world.philox`.

    Notes
    -----
    :meth:`day` returns the same ``Generator`` object every time, set to the start of that day's stream: finish
    drawing from one day before asking for another day of the same source and place. The numbers of day ``d``
    depend only on ``(seed, replication, source, *place, d)``, never on which days were drawn before or how much.
    """

    def __init__(self, seed: int, replication: int, source: Source, *place: int) -> None:
        self.key = _state(seed, replication, source, place, 2)
        self._counter = np.zeros(4, dtype=np.uint64)
        self._bits: np.random.Philox | None = None  # made at the first day drawn with NumPy
        self._generator: np.random.Generator | None = None

    def day(self, day: int) -> np.random.Generator:
        """The generator at the start of day ``day``'s stream (``day`` a non-negative integer)."""
        return self._at(0, 0, day)

    def attempt(self, day: int, row: int, attempt: int) -> np.random.Generator:
        """The generator at the start of one candidate's attempt: counter ``(0, attempt, row + 1, day)``.

        ``row`` is the candidate's position among the day's candidates, from 0. These streams are the day's
        sub-streams: a candidate's draws depend on nothing else drawn that day, so they can be drawn for the
        candidates that are kept alone, and for an attempt only when it happens. Like :meth:`day`, it returns the
        same ``Generator`` object.
        """
        return self._at(attempt, row + 1, day)

    def _at(self, attempt: int, row: int, day: int) -> np.random.Generator:
        if self._bits is None or self._generator is None:
            self._bits = np.random.Philox(key=self.key)
            self._generator = np.random.Generator(self._bits)
        self._counter[1], self._counter[2], self._counter[3] = attempt, row, day
        self._bits.state = {  # numpy's _PhiloxState
            "bit_generator": "Philox",
            "state": {"counter": self._counter, "key": self.key},
            "buffer": np.zeros(4, dtype=np.uint64),
            "buffer_pos": 4,  # empty buffer: the next draw generates the block after the counter
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self._generator
