"""The fast engine's applicant store: growable columns indexed by applicant id."""

from __future__ import annotations

import numpy as np

from sim.model.fast.run import _Store

FILLS = {"intake_end": np.nan, "visits": 1}


def _block(first: int, n: int) -> dict[str, np.ndarray]:
    return {"arrival": np.arange(first, first + n, dtype=np.float64), "intake": np.ones((n, 2)) * first}


def test_appended_rows_are_copied_and_the_store_grows_past_its_capacity():
    store = _Store(capacity=4)
    blocks = [_block(0, 3), _block(3, 3), _block(6, 5)]
    for b in blocks:
        store.append(b, FILLS)
    assert store.size == 11
    np.testing.assert_array_equal(store["arrival"][:11], np.arange(11.0))
    np.testing.assert_array_equal(store["intake"][:11, 1], [0.0] * 3 + [3.0] * 3 + [6.0] * 5)
    assert np.isnan(store["intake_end"][:11]).all()
    assert (store["visits"][:11] == 1).all()
    assert store["visits"].dtype == np.int64
    assert not np.shares_memory(store["arrival"], blocks[0]["arrival"])


def test_every_row_at_once_is_taken_as_it_is():
    """The loop draws a run's applicants at once: the store keeps their arrays instead of copying them."""
    block = _block(0, 5)
    store = _Store(capacity=100)
    store.append(block, FILLS, every=True)
    assert store.size == 5
    assert store["arrival"] is block["arrival"]
    assert store["intake"] is block["intake"]
    assert np.isnan(store["intake_end"]).all()
    assert store["intake_end"].size == 5
    store.append(_block(5, 2), FILLS)  # should more come, the store grows by copying, as from any capacity
    assert store.size == 7
    np.testing.assert_array_equal(store["arrival"][:7], np.arange(7.0))
    assert (store["visits"][:7] == 1).all()
    np.testing.assert_array_equal(block["arrival"], np.arange(5.0))  # the caller's arrays are unchanged
