"""Named random streams: one ``numpy.random.SeedSequence`` per run, keyed by replication, source and place.

Each source of randomness (arrival counts and times, intake service times, background visits, ...) has a fixed
number; a stream is the generator of ``SeedSequence(seed, spawn_key=(replication, source, *place))``. Because a
stream depends only on its key, never on the order in which other streams were drawn, two scenarios run with the
same seed draw the same numbers for the same office and source (common random numbers), and any executor that
runs replication ``r`` gets the same numbers.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Source(IntEnum):
    """Sources of randomness. Append new members only: the numbers are part of every stream's key."""

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


def stream(seed: int, replication: int, source: Source, *place: int) -> np.random.Generator:
    """The generator for one source in one place (office index, day, ...) of one replication.

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

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator independent of every other key.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, int(source), *place))
    return np.random.Generator(np.random.PCG64(sequence))
