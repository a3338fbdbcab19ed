"""The fast engine's compiled sort gives ``numpy.lexsort``'s order exactly, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.fast.order import add_local, inbox_order, key_then_value, merged


@pytest.mark.parametrize("seed", range(40))
def test_the_order_is_lexsorts_with_ties_and_presorted_groups(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    key = rng.integers(0, int(rng.integers(1, 30)), n)
    # few distinct values (many ties), sometimes already in order within each key as the engine's blocks mostly are
    value = rng.integers(0, 6, n).astype(np.float64) if seed % 2 else rng.random(n) * 1e4
    if seed % 3 == 0:
        value = np.sort(value)
    assert np.array_equal(key_then_value(key, value), np.lexsort((value, key)))


@pytest.mark.parametrize("seed", range(30))
def test_nearly_ordered_groups_sorted_by_insertion_or_not_take_lexsorts_order(seed: int) -> None:
    """A few rows out of place (insertion), or far out of place (insertion gives way to merge sort), with ties."""
    rng = np.random.default_rng(500 + seed)
    n = int(rng.integers(200, 3000))
    key = np.sort(rng.integers(0, 3, n))
    value = np.round(np.sort(rng.random(n) * 1e3), 0 if seed % 2 else 6)  # whole minutes tie often
    moved = rng.choice(n, size=n // int(rng.integers(70, 400)) + 1, replace=False)
    value[moved] += rng.choice([-1.0, 1.0], moved.size) * (2.0 if seed % 3 else 600.0)  # near, or far
    assert np.array_equal(key_then_value(key, value), np.lexsort((value, key)))


def test_an_empty_block_has_an_empty_order() -> None:
    assert key_then_value(np.empty(0, dtype=np.int64), np.empty(0)).size == 0


@pytest.mark.parametrize("seed", range(40))
def test_merging_two_ordered_runs_is_the_stable_sort_of_both_end_to_end(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n, m = (int(x) for x in rng.integers(0, 300, 2))
    key = rng.integers(0, int(rng.integers(1, 8)), n + m)
    value = rng.integers(0, 5, n + m).astype(np.float64) if seed % 2 else rng.random(n + m) * 1e4  # ties or not
    a, b = np.lexsort((value[:n], key[:n])), n + np.lexsort((value[n:], key[n:]))
    rows = np.concatenate([a, b])  # each run in order; merged indices refer to rows
    order = merged(key[a], value[a], key[b], value[b])
    assert np.array_equal(rows[order], rows[np.lexsort((value[rows], key[rows]))])


@pytest.mark.parametrize("seed", range(40))
def test_the_inbox_order_is_lexsorts_with_batches_and_repeated_applicants(seed: int) -> None:
    """Runs received together (a daily batch) sorted by time sent, then applicant, as ``numpy.lexsort`` sorts."""
    rng = np.random.default_rng(2000 + seed)
    n = int(rng.integers(0, 3000))
    province = rng.integers(0, 3, n)
    received = rng.integers(0, 4 if seed % 2 else 1000, n).astype(np.float64)  # few instants: long runs
    # sent in order, as intakes end (insertion); otherwise scattered with ties (merge sorts)
    sent = np.sort(rng.random(n)) if seed % 3 == 0 else rng.integers(0, 40, n).astype(np.float64)
    ids = rng.integers(0, max(n // 2, 1), n)  # an applicant's attempts: the same id twice, even the same pair
    assert np.array_equal(inbox_order(province, received, sent, ids), np.lexsort((ids, sent, received, province)))


@pytest.mark.parametrize("seed", range(30))
def test_local_visits_are_counted_and_their_waits_summed_by_cell_in_end_order(seed: int) -> None:
    """add_local: each (office, arrival day) cell's waits summed in service-end order, ties in row order, from zero,
    then added to what the cell held: the bits of summing the rows one by one in that order."""
    rng = np.random.default_rng(seed)
    offices, span, first, days, n = 4, 12, 5, 3, 400
    office = rng.integers(0, offices, n)
    day = (first + rng.integers(0, days, n)).astype(np.float64)
    end = np.round(rng.random(n) * 50, 1)  # ties in end
    wait = rng.random(n) * 10 ** rng.uniform(-3, 3, n)  # magnitudes that make the order show in the bits
    counts = np.zeros((offices, span), dtype=np.int64)
    waits = np.zeros((offices, span))
    counts[1, first], waits[1, first] = 2, 0.3  # a cell that held something
    expected_counts, expected_waits = counts.copy(), waits.copy()
    order = np.lexsort((np.arange(n), end, (day - first) * offices + office))
    sums: dict[tuple[int, int], float] = {}
    for r in order:
        cell = (int(office[r]), int(day[r]))
        sums[cell] = sums.get(cell, 0.0) + wait[r]
        expected_counts[cell] += 1
    for cell, total in sums.items():
        expected_waits[cell] += total
    add_local(office, day, end, wait, first, days, counts, waits)
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_array_equal(waits, expected_waits)  # bit for bit
    assert counts[:, :first].sum() == 0
    assert counts[:, first + days :].sum() == 0
