"""Helpers of the figures' computations (means, ratios, percentiles, rows by group) and the all-offices scope.

What a figure is (name, unit, definition) is declared in :mod:`sim.experiment.catalogue`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

TOTAL = "total"
"""The scope that pools every office."""


def mean(values: NDArray[np.float64]) -> float:
    """Mean, NaN when empty."""
    return float(values.mean()) if values.size else math.nan


def ratio(numerator: float, denominator: float) -> float:
    """Quotient, NaN when the denominator is not positive."""
    return numerator / denominator if denominator > 0 else math.nan


def percentile(values: NDArray[np.float64], q: float) -> float:
    """The q-th percentile, NaN when empty."""
    return float(np.percentile(values, q)) if values.size else math.nan


def rows_by(keys: NDArray[np.integer[Any]], count: int) -> list[NDArray[np.intp]]:
    """For each group ``0 .. count-1``, the row indices whose key is that group (ascending).

    One stable sort instead of one full-length comparison per group: per-office figures over millions of records
    cost a sort, not offices x records.
    """
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(count + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(count)]


def staffed_split(
    busy: NDArray[np.float64], open_minutes: NDArray[np.float64], windows: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split busy window-minutes per office and day into the staffed part and the overtime.

    Parameters
    ----------
    busy, open_minutes
        Shape (offices, days): busy window-minutes and minutes open, per day.
    windows
        Shape (offices, days): windows of each office on each day (:func:`sim.world.staff.windows_by_day`).

    Returns
    -------
    staffed, overtime : numpy.ndarray
        Shape (offices, days), window-minutes: ``min(busy, windows x open minutes)`` and the rest of ``busy``,
        the work beyond the day's staffed window-minutes (0 where the day's busy time fits in them, however much
        of it fell after closing).
    """
    staffed = np.minimum(busy, windows * open_minutes)
    return staffed, busy - staffed
