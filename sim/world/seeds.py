"""NumPy's ``SeedSequence`` states for many places at once, equal to NumPy's to the bit.

Every stream of a replication is keyed by ``SeedSequence(seed, spawn_key=(replication, source, *place))``
(:mod:`sim.world.streams`). NumPy builds one in about 16 microseconds; a national replication needs three per
office (1,023), which was a sixth of what building its 341 offices cost. The keys of one ``(seed, replication,
source)`` differ only in the place, the last word that ``SeedSequence`` mixes into its pool, so :func:`state`
computes the keys of :data:`BLOCK` consecutive places as one array computation, each word a column, and keeps
them.

The algorithm is NumPy's (``numpy/random/bit_generator.pyx``, after M. E. O'Neill's ``seed_seq`` alternative):
the entropy words are hashed into a pool of four 32-bit words, each pool word is mixed with every other, the
further words are mixed into every pool word, and the state is drawn from the pool by a second hash.
``tests/test_seeds.py`` holds it equal to NumPy's on seeds, replications, sources and places of every size.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

POOL = 4
"""Words in the pool (NumPy's ``DEFAULT_POOL_SIZE``)."""
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_MASK = 0xFFFFFFFF
_SHIFT = 16
BLOCK = 1024
"""Places whose states are computed together (:func:`state`)."""

U32 = NDArray[np.uint32]


def words(n: int) -> list[int]:
    """A non-negative integer as little-endian 32-bit words (``[0]`` for 0), as NumPy coerces entropy."""
    if n < 0:
        raise ValueError(f"entropy must be non-negative, not {n}")
    out = [n & _MASK]
    n >>= 32
    while n:
        out.append(n & _MASK)
        n >>= 32
    return out


class _Hash:
    """The running hash constant of one pass (it advances at every word hashed, whatever the word)."""

    def __init__(self, start: int, mult: int) -> None:
        self.const, self.mult = start, mult

    def __call__(self, value: U32) -> U32:
        value = value ^ np.uint32(self.const)
        self.const = (self.const * self.mult) & _MASK
        value = value * np.uint32(self.const)
        return value ^ (value >> np.uint32(_SHIFT))


def _mix(x: U32, y: U32) -> U32:
    result: U32 = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
    mixed: U32 = result ^ (result >> np.uint32(_SHIFT))
    return mixed


def pools(entropy: list[int], places: NDArray[np.int64]) -> U32:
    """Shape (places, 4): the pools of ``SeedSequence`` whose entropy words are ``entropy`` then each place.

    ``entropy`` is the assembled entropy before the place: the seed's words padded with zeros to the pool's
    size, then the spawn key's words; each place is one word (below ``2**32``).
    """
    n = places.size
    column = [np.full(n, w, dtype=np.uint32) for w in entropy] + [places.astype(np.uint32)]
    hashed = _Hash(_INIT_A, _MULT_A)
    with np.errstate(over="ignore"):
        mixer = [hashed(column[i]) if i < len(column) else hashed(np.zeros(n, dtype=np.uint32)) for i in range(POOL)]
        for src in range(POOL):
            for dst in range(POOL):
                if src != dst:
                    mixer[dst] = _mix(mixer[dst], hashed(mixer[src]))
        for src in range(POOL, len(column)):
            for dst in range(POOL):
                mixer[dst] = _mix(mixer[dst], hashed(column[src]))
    return np.stack(mixer, axis=1)


def generate(pool: U32, n_words: int) -> NDArray[np.uint64]:
    """Shape (places, n_words): ``generate_state(n_words, np.uint64)`` of each pool (little-endian pairs)."""
    hashed = _Hash(_INIT_B, _MULT_B)
    with np.errstate(over="ignore"):
        state = np.stack([hashed(pool[:, i % POOL]) for i in range(2 * n_words)], axis=1)
    return np.ascontiguousarray(state.astype("<u4")).view("<u8").astype(np.uint64)


@lru_cache(maxsize=128)
def _block(seed: int, replication: int, source: int, n_words: int, block: int) -> NDArray[np.uint64]:
    run = words(seed)
    entropy = run + [0] * (POOL - len(run)) + words(replication) + words(source)
    places = np.arange(block * BLOCK, (block + 1) * BLOCK, dtype=np.int64)
    table = generate(pools(entropy, places), n_words)
    table.setflags(write=False)
    return table


def state(seed: int, replication: int, source: int, place: int, n_words: int) -> NDArray[np.uint64]:
    """``SeedSequence(seed, spawn_key=(replication, source, place)).generate_state(n_words, np.uint64)``.

    Read-only. Computed for :data:`BLOCK` consecutive places at once and kept, so that the offices of a
    replication pay for one array computation between them.
    """
    if not 0 <= place <= _MASK:
        raise ValueError(f"place {place} is not one 32-bit word")
    row: NDArray[np.uint64] = _block(seed, replication, source, n_words, place // BLOCK)[place % BLOCK]
    return row


def states(seed: int, replication: int, source: int, places: int, n_words: int) -> NDArray[np.uint64]:
    """Shape (places, n_words): :func:`state` of places ``0 .. places - 1``, in one array (read-only)."""
    blocks = [_block(seed, replication, source, n_words, b) for b in range((places + BLOCK - 1) // BLOCK)]
    return blocks[0][:places] if len(blocks) == 1 else np.concatenate(blocks)[:places]
