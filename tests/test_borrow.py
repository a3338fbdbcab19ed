"""Borrowed views (sim.world.borrow): the same memory as the arrays they were taken from, nested tuples included."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.world.borrow import borrowed


class Inner(NamedTuple):
    values: NDArray[np.float64]
    count: int


class Outer(NamedTuple):
    rows: NDArray[np.int64]
    inner: Inner
    scale: float


@njit(cache=False)
def _add_through(a: NDArray[np.float64], x: float) -> None:
    for i in range(a.size):
        a[i] += x


@njit(cache=False)
def _scaled_rows(outer: Outer) -> float:
    view = borrowed(outer)
    _add_through(view.inner.values, view.scale)  # writes land in the caller's array
    view.rows[0] = view.inner.count
    total = 0.0
    for i in range(view.inner.values.size):
        total += view.inner.values[i] * view.rows[i]
    return total


@njit(cache=False)
def _sum_of_view(a: NDArray[np.float64]) -> float:
    view = borrowed(a)
    return float(view[1:, ::2].sum())


def test_a_borrowed_view_reads_and_writes_the_callers_arrays() -> None:
    values = np.array([1.0, 2.0, 3.0])
    rows = np.array([5, 2, 4], dtype=np.int64)
    total = _scaled_rows(Outer(rows, Inner(values, 7), 0.5))
    np.testing.assert_array_equal(values, [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(rows, [7, 2, 4])
    assert total == 1.5 * 7 + 2.5 * 2 + 3.5 * 4


def test_a_borrowed_view_keeps_shape_and_strides() -> None:
    a = np.arange(24.0).reshape(4, 6)[:, 1:]  # not contiguous
    assert _sum_of_view(np.ascontiguousarray(a)) == a[1:, ::2].sum()
    assert _sum_of_view(a) == a[1:, ::2].sum()
