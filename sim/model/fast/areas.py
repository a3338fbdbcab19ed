"""Time-weighted levels from intervals: person-minutes (or server-minutes) per row and day.

A level that counts the open intervals ``[start, end)`` of a row (visitors queued at an office, busy windows,
applicants in a stage) has, over a day, the sum of the intervals' overlaps with that day. An interval inside one
day adds its length to that day; one that spans midnights adds its first and last stretches to their days and a
whole day to each day between (counted with a difference array), so millions of intervals take one compiled
pass instead of one event each, and no large sums cancel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.world.calendar import MINUTES_PER_DAY


def day_areas(
    row: NDArray[np.int64], start: NDArray[np.float64], end: NDArray[np.float64], rows: int, days: int
) -> NDArray[np.float64]:
    """Shape (rows, days): the area of the intervals of each row falling in each day.

    Parameters
    ----------
    row
        Row of each interval (office, province, stage).
    start, end
        Interval bounds, minutes; ``end >= start``, ``end`` before the end of day ``days - 1``.
    rows, days
        Output shape.
    """
    area = np.zeros((rows, days))
    whole = np.zeros((rows, days + 1), dtype=np.int64)
    accumulate(row, start, end, area, whole)
    return day_total(area, whole, days)


def day_total(area: NDArray[np.float64], whole: NDArray[np.int64], days: int) -> NDArray[np.float64]:
    """The first ``days`` days of the areas that :func:`accumulate` gathered (whole days added)."""
    counts = np.cumsum(whole[:, :days], axis=1)
    result: NDArray[np.float64] = area[:, :days] + counts * MINUTES_PER_DAY
    return result


@njit(cache=True, inline="always")  # scalars only: inlined into the loops at no cost
def stretches(s: float, e: float) -> tuple[int, int, float, float]:
    """The days of an interval ``[s, e)`` (minutes) and its minutes in them.

    Returns the first and last day, the minutes in the first day (all of them when both are one day) and in the
    last day (0.0 then). The days between are whole.
    """
    first = math.floor(s / MINUTES_PER_DAY)  # a float division: twice as fast as a floor division
    last = math.floor(e / MINUTES_PER_DAY)
    if first == last:
        return first, last, e - s, 0.0
    return first, last, (first + 1) * MINUTES_PER_DAY - s, e - last * MINUTES_PER_DAY


@njit(cache=True, inline="always")  # small and hot: inlined into the loops
def add_interval(area: NDArray[np.float64], whole: NDArray[np.int64], r: int, s: float, e: float) -> None:
    """Add one interval ``[s, e)`` of row ``r``: its stretches to ``area``, its whole days to ``whole``.

    numba counts references to the arrays at every inlined call (a few nanoseconds); a loop over many intervals
    writes :func:`stretches` out itself (:func:`accumulate`).
    """
    first, last, head, tail = stretches(s, e)
    area[r, first] += head
    if first != last:
        area[r, last] += tail
        whole[r, first + 1] += 1
        whole[r, last] -= 1


@njit(cache=True)
def accumulate(
    row: NDArray[np.int64],
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    area: NDArray[np.float64],
    whole: NDArray[np.int64],
) -> None:
    """Add each interval's stretches to ``area`` and mark its whole days in the difference array ``whole``."""
    for i in range(row.size):
        r = row[i]
        first, last, head, tail = stretches(start[i], end[i])
        area[r, first] += head
        if first != last:
            area[r, last] += tail
            whole[r, first + 1] += 1
            whole[r, last] -= 1


def accumulate_row(
    row: int,
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    area: NDArray[np.float64],
    whole: NDArray[np.int64],
) -> None:
    """:func:`accumulate` for intervals that all belong to one row."""
    accumulate(np.full(start.size, row, dtype=np.int64), start, end, area, whole)
