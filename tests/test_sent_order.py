"""What a pass sends back is put in queue order from the last pass's order: the same order as sorting afresh."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.fast.run import _Arrivals, _SentOrder
from sim.model.records import VisitKind


def _sent(rng: np.random.Generator, who: np.ndarray, t: np.ndarray) -> _Arrivals:
    """Pickups and revisits (attempts 1-5, beyond the memo's levels too) at two windows and a kiosk."""
    n = who.size
    kind = rng.choice([VisitKind.PICKUP, VisitKind.KIOSK_PICKUP, VisitKind.REWORK], n).astype(np.int64)
    attempt = np.where(kind == VisitKind.REWORK, rng.integers(1, 6, n), 0)
    station = np.where(kind == VisitKind.KIOSK_PICKUP, 2, rng.integers(0, 2, n))
    return _Arrivals(station, t, who, kind, attempt, rng.random(n))


@pytest.mark.parametrize("seed", range(12))
def test_passes_in_a_row_come_out_in_the_order_of_a_fresh_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 2000))
    who = rng.permutation(3 * n)[:n]
    order = _SentOrder(3 * n)
    v = _sent(rng, who, rng.random(n) * 1e5)
    for _ in range(4):
        got = order.sorted(v)
        expected = np.lexsort((v.t, v.station))
        for column, want in zip(got, v, strict=True):
            assert np.array_equal(column, want[expected])
        # the next pass: a few times move (some far), a row is gone, two are new, the rest come in another order
        t = v.t.copy()
        moved = rng.choice(t.size, size=max(1, t.size // 50), replace=False)
        t[moved] += rng.normal(0, 1e3 if seed % 2 else 1e4, moved.size)
        keep = np.ones(t.size, dtype=bool)
        keep[rng.integers(t.size)] = False
        shuffled = rng.permutation(int(keep.sum()))
        rows = _Arrivals(*(x[keep][shuffled] for x in v._replace(t=t)))
        new = _sent(rng, np.array([3 * n - 1, 3 * n - 2]) if seed % 3 else rows.who[:2], rng.random(2) * 1e5)
        v = _Arrivals(*(np.concatenate(c) for c in zip(rows, new, strict=True)))
