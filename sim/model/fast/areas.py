"""Time-weighted levels from intervals: person-minutes (or server-minutes) per row and day.

A level that counts the open intervals ``[start, end)`` of a row (visitors queued at an office, busy windows,
applicants in a stage) has, over a day, the sum of the intervals' overlaps with that day. An interval inside one
day adds its length to that day; one that spans midnights adds its first and last stretches to their days and a
whole day to each day between (counted with a difference array), so millions of intervals take a few
``bincount`` calls instead of one event each, and no large sums cancel.
"""

from __future__ import annotations

import numpy as np
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
    size = rows * days
    first = np.floor_divide(start, MINUTES_PER_DAY).astype(np.int64)
    last = np.floor_divide(end, MINUTES_PER_DAY).astype(np.int64)
    base = row * days
    same = first == last
    lengths = end[same] - start[same]
    area = np.asarray(np.bincount(base[same] + first[same], weights=lengths, minlength=size), dtype=np.float64)
    span = ~same
    if span.any():
        b, f, lst = base[span], first[span], last[span]
        area += np.bincount(b + f, weights=(f + 1) * MINUTES_PER_DAY - start[span], minlength=size)
        area += np.bincount(b + lst, weights=end[span] - lst * MINUTES_PER_DAY, minlength=size)
        whole = np.zeros(size + 1, dtype=np.int64)
        np.add.at(whole, b + f + 1, 1)
        np.add.at(whole, b + lst, -1)
        counts = np.cumsum(whole[:size].reshape(rows, days), axis=1)  # each +1/-1 pair stays in its row
        area = area + counts.ravel().astype(np.float64) * MINUTES_PER_DAY
    return area.reshape(rows, days)
