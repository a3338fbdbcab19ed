"""The passes' memo hands back a row's results only when its input time is the one it was computed from."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.fast.memo import LEVELS, Memo, through


def test_only_rows_seen_at_the_same_time_are_fresh() -> None:
    memo = Memo(applicants=5, results=2)
    ids, k = np.array([0, 3, 4]), np.array([0, 1, 2])
    t = np.array([10.0, 20.0, 30.0])
    assert memo.stale(ids, k, t).tolist() == [0, 1, 2]  # never seen
    memo.keep(ids, k, t, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert memo.stale(ids, k, t).size == 0
    assert memo.kept(ids, k).tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    later = np.array([10.0, 20.5, 30.0])
    assert memo.stale(ids, k, later).tolist() == [1]  # a time moved
    assert memo.stale(ids, np.array([0, 0, 2]), t).tolist() == [1]  # another attempt of applicant 3


def test_attempts_past_the_levels_are_always_computed() -> None:
    memo = Memo(applicants=2, results=1)
    ids, k, t = np.array([1, 1]), np.array([LEVELS - 1, LEVELS]), np.array([5.0, 5.0])
    memo.keep(ids, k, t, np.array([[7.0, 8.0]]))
    assert memo.stale(ids, k, t).tolist() == [1]
    assert memo.kept(ids[:1], k[:1]).tolist() == [[7.0]]  # the late attempt did not overwrite the last level


def test_without_attempts_a_row_is_its_applicant() -> None:
    memo = Memo(applicants=3, results=1, levels=1)
    memo.keep(np.array([2]), None, np.array([1.5]), np.array([[9.0]]))
    assert memo.stale(np.array([2, 1]), None, np.array([1.5, 1.5])).tolist() == [1]
    assert memo.kept(np.array([2]), None).tolist() == [[9.0]]


def test_through_computes_only_what_it_has_not_seen() -> None:
    memo = Memo(applicants=4, results=1, levels=1)
    ids = np.array([0, 1, 2, 3])
    asked: list[list[int]] = []

    def doubled(t: np.ndarray) -> Callable[[np.ndarray | slice], np.ndarray]:
        def compute(rows: np.ndarray | slice) -> np.ndarray:
            asked.append(ids[rows].tolist())
            return 2 * t[rows][np.newaxis]

        return compute

    first = np.array([1.0, 2.0, 3.0, 4.0])
    assert through(memo, ids, None, first, doubled(first)).tolist() == [[2.0, 4.0, 6.0, 8.0]]
    moved = np.array([1.0, 2.5, 3.0, 5.0])
    assert through(memo, ids, None, moved, doubled(moved)).tolist() == [[2.0, 5.0, 6.0, 10.0]]
    assert through(memo, ids, None, moved, doubled(moved)).tolist() == [[2.0, 5.0, 6.0, 10.0]]
    assert asked == [[0, 1, 2, 3], [1, 3]]  # the third call found every row as last seen: it computed none
    assert through(None, ids, None, moved, doubled(moved)).tolist() == [[2.0, 5.0, 6.0, 10.0]]
