"""The stream keys computed for many places at once are NumPy's ``SeedSequence`` words, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world import seeds
from sim.world.philox import STATE, new_state, new_states
from sim.world.streams import DayStreams, Source, stream_keys

SEEDS = [0, 1, 20211001, 2**32 - 1, 2**32, 2**40 + 5, 2**127 + 3, 2**130 + 7]
"""One to five 32-bit words: below, at and above the pool's four."""


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_words", [2, 4])
def test_state_is_numpys(seed: int, n_words: int) -> None:
    for replication in (0, 3, 2**33 + 1):  # two words in the spawn key
        for source in (0, int(Source.FORGONE), int(Source.TURNED_AWAY_LOCAL)):
            for place in (0, 1, 340, seeds.BLOCK - 1, seeds.BLOCK, 5 * seeds.BLOCK + 17, 2**32 - 1):
                expected = np.random.SeedSequence(seed, spawn_key=(replication, source, place))
                got = seeds.state(seed, replication, source, place, n_words)
                assert got.dtype == np.uint64
                np.testing.assert_array_equal(got, expected.generate_state(n_words, np.uint64))


def test_state_is_read_only_and_refuses_a_place_beyond_one_word() -> None:
    got = seeds.state(7, 0, 1, 2, 2)
    with pytest.raises(ValueError, match="read-only"):
        got[0] = 1
    with pytest.raises(ValueError, match="32-bit word"):
        seeds.state(7, 0, 1, 2**32, 2)


def test_day_streams_are_keyed_by_numpys_words() -> None:
    """A day stream's key is NumPy's SeedSequence words, for one place and (NumPy's own path) for two."""
    for place in (0, 9, 2000):
        key = np.random.SeedSequence(11, spawn_key=(2, 16, place)).generate_state(2, np.uint64)
        np.testing.assert_array_equal(DayStreams(11, 2, Source.BACKGROUND, place).key, key)
    two = np.random.SeedSequence(11, spawn_key=(2, 13, 4, 5)).generate_state(2, np.uint64)
    np.testing.assert_array_equal(DayStreams(11, 2, Source.FORGONE, 4, 5).key, two)


@pytest.mark.parametrize("places", [1, 341, seeds.BLOCK, seeds.BLOCK + 3])
def test_many_places_keys_at_once_are_each_places_key(places: int) -> None:
    """Every office's stream key at once (``stream_keys``, one or more blocks) is each office's ``DayStreams`` key."""
    got = stream_keys(20211001, 4, Source.BACKGROUND, places)
    assert got.shape == (places, 2)
    for place in {0, places // 2, places - 1}:
        np.testing.assert_array_equal(got[place], DayStreams(20211001, 4, Source.BACKGROUND, place).key)
    states = new_states(got)
    assert states.shape == (places, STATE)
    np.testing.assert_array_equal(states[places - 1], new_state(got[places - 1]))
