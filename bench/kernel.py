"""One station-day three ways: the compiled kernel, plain Python with heapq, and numpy across stations.

Usage: ``python bench/kernel.py``. The day is an office open 09:00-12:00 and 14:00-17:30 with 3 windows and
about 300 visits (``serve`` at closing); the numpy variant solves 341 such offices at once, one visit index at a
time across the offices (the recursion is sequential within a station, so numpy can only vectorise across
stations). Times are per visit; all three give the same start times.
"""

from __future__ import annotations

import heapq
import time

import numpy as np
from numpy.typing import NDArray

from sim.model.fast.kernels import SERVE, Gate, Staff, solve_stations

PERIODS = np.array([[540.0, 720.0], [840.0, 1050.0], [1980.0, 2160.0]])
OFFICES = 341


def day(rng: np.random.Generator, n: int = 300) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sorted arrivals within the opening periods and lognormal service minutes."""
    t = np.sort(np.concatenate([rng.uniform(540, 720, n // 2), rng.uniform(840, 1050, n - n // 2)]))
    return t, rng.lognormal(np.log(13) - 0.08, 0.39, n)


def next_open(t: float) -> float:
    """The first instant at or after ``t`` when the office is open."""
    for a, b in PERIODS:
        if t < b:
            return max(a, t)
    raise ValueError(t)


def heapq_day(arrival: NDArray[np.float64], service: NDArray[np.float64], windows: int) -> list[float]:
    """Kiefer-Wolfowitz with a heap of free times, in plain Python."""
    free = [0.0] * windows
    starts = []
    for a, s in zip(arrival.tolist(), service.tolist(), strict=True):
        f = heapq.heappop(free)
        start = max(next_open(a), f)
        heapq.heappush(free, start + s)
        starts.append(start)
    return starts


def numba_day(arrival: NDArray[np.float64], service: NDArray[np.float64], windows: int) -> NDArray[np.float64]:
    """The engine's compiled kernel on one station."""
    n = arrival.size
    out, returns, home = np.empty((n, 3)), np.zeros(n, dtype=np.int64), np.empty((8, 3))
    one = np.zeros(1, dtype=np.int64)
    staff = Staff(one + windows, np.full((1, 1), np.inf), one.reshape(1, 1).copy(), one.copy())
    gate = Gate(np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8), one.copy(), one.copy(), one - 1, one.copy(),
                np.zeros((1, 0)), one.copy())  # fmt: skip
    solve_stations(
        np.zeros(n, dtype=np.int64), arrival, service, one + SERVE, staff, np.zeros((1, windows)),
        np.zeros(1), one, PERIODS[:, 0].copy(), PERIODS[:, 1].copy(), one, one + len(PERIODS), one.copy(), out,
        returns, home, gate,
    )  # fmt: skip
    return out[:, 1]


def numpy_across(arrival: NDArray[np.float64], service: NDArray[np.float64], windows: int) -> NDArray[np.float64]:
    """Shape (offices, visits): every office solved at once, one visit position at a time."""
    offices, n = arrival.shape
    free = np.zeros((offices, windows))
    starts = np.empty_like(arrival)
    rows = np.arange(offices)
    for i in range(n):
        a = arrival[:, i]
        k = np.searchsorted(PERIODS[:, 1], a, side="right")
        joined = np.maximum(PERIODS[k, 0], a)
        m = np.argmin(free, axis=1)
        start = np.maximum(joined, free[rows, m])
        free[rows, m] = start + service[:, i]
        starts[:, i] = start
    return starts


def main() -> None:
    rng = np.random.default_rng(7)
    arrival, service = day(rng)
    numba_day(arrival, service, 3)  # compile or load from the cache
    assert np.array_equal(numba_day(arrival, service, 3), np.array(heapq_day(arrival, service, 3)))
    days = [day(rng) for _ in range(OFFICES)]
    batch_a, batch_s = np.array([d[0] for d in days]), np.array([d[1] for d in days])
    rows = []
    for label, call in [
        ("numba kernel, one station-day at a time", lambda: [numba_day(a, s, 3) for a, s in days]),
        ("plain Python + heapq, one station-day at a time", lambda: [heapq_day(a, s, 3) for a, s in days]),
        ("numpy across 341 stations, one visit position at a time", lambda: numpy_across(batch_a, batch_s, 3)),
    ]:
        began = time.perf_counter()
        for _ in range(5):
            call()
        rows.append((label, (time.perf_counter() - began) / (5 * batch_a.size)))
    fastest = min(r[1] for r in rows)
    print("| variant | nanoseconds per visit | relative |")
    print("|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {1e9 * seconds:,.0f} | {seconds / fastest:.1f} |")


if __name__ == "__main__":
    main()
