"""Stable orders by a small integer key, then by time: compiled, for the fast engine's hot sorts.

:func:`inbox_order` adds the reviewers' tie-breaks (time sent, then applicant) for requests received together.

The engine sorts every block's window visits by station, then arrival (its queue order), and each block's local
visits by arrival cell, then service end (the order their waits are summed in). ``numpy.lexsort`` does each with
two full stable sorts. Here a counting sort by key (stable, one pass) groups the rows, and each group, usually
already in time order and a few hundred rows long, is checked and sorted on its own only when it is not (by
insertion when only a few rows are out of place): the same order as ``numpy.lexsort((value, key))``, ties kept in
the rows' order.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

NEARLY = 64
"""A group with at most one descent per this many rows is sorted by insertion rather than merge sort."""
MOVES = 8
"""Moves a row that an insertion sort may take on average before it gives way to merge sort."""


@njit(cache=True)
def key_then_value(key: NDArray[np.int64], value: NDArray[np.float64]) -> NDArray[np.int64]:
    """The order ``numpy.lexsort((value, key))``: by ``key`` (non-negative), then ``value``, stably.

    Parameters
    ----------
    key
        Per row, a non-negative integer (station, cell).
    value
        Per row, a number without NaN (minutes).

    Returns
    -------
    numpy.ndarray
        Row indices in the sorted order (int64).
    """
    n = key.size
    keys = int(key.max()) + 1 if n else 0
    start = np.zeros(keys + 1, dtype=np.int64)
    for i in range(n):
        start[key[i] + 1] += 1
    for k in range(keys):
        start[k + 1] += start[k]
    order = np.empty(n, dtype=np.int64)
    fill = start[:keys].copy()
    for i in range(n):
        order[fill[key[i]]] = i
        fill[key[i]] += 1
    for k in range(keys):
        a, b = start[k], start[k + 1]
        descents = 0
        for j in range(a + 1, b):
            if value[order[j]] < value[order[j - 1]]:
                descents += 1
        if descents == 0:
            continue
        if descents * NEARLY > b - a or not _inserted(order, value, np.empty(0, dtype=np.int64), a, b):
            group = order[a:b].copy()  # (a stable sort of a stably half-sorted group: the same order)
            order[a:b] = group[np.argsort(value[group], kind="mergesort")]
    return order


@njit(cache=True)
def add_local(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    office: NDArray[np.int64],
    day: NDArray[np.float64],
    end: NDArray[np.float64],
    wait: NDArray[np.float64],
    first: int,
    days: int,
    counts: NDArray[np.int64],
    waits: NDArray[np.float64],
) -> None:
    """Add local visits to ``counts`` and ``waits`` (shape (offices, days of the run)) by office and arrival day.

    The visits' arrival days are ``first .. first + days - 1`` (a block). Each cell's waits are summed in the
    canonical order, by service end, ties in the rows' order (:func:`key_then_value` of the cell, then ``end``),
    from zero; the block's sums are then added to the cells' (as ``numpy.bincount`` and an addition would).
    """
    offices = counts.shape[0]
    cell = np.empty(office.size, dtype=np.int64)
    for i in range(office.size):
        cell[i] = (int(day[i]) - first) * offices + office[i]
    order = key_then_value(cell, end)
    count = np.zeros(days * offices, dtype=np.int64)
    summed = np.zeros(days * offices)
    for i in range(order.size):
        r = order[i]
        count[cell[r]] += 1
        summed[cell[r]] += wait[r]
    for d in range(days):
        for o in range(offices):
            k = d * offices + o
            if count[k]:
                counts[o, first + d] += count[k]
                waits[o, first + d] += summed[k]


@njit(cache=True)
def _inserted(order: NDArray[np.int64], value: NDArray[np.float64], then: NDArray[np.int64], a: int, b: int) -> bool:
    """Sort ``order[a:b]`` by ``value`` in place, stably, by insertion, unless that takes too many moves.

    ``then`` breaks ties in ``value`` (one per row; empty: tied rows keep their order). Returns whether it finished:
    it stops after :data:`MOVES` moves a row (rows far out of place), leaving the group partly sorted, still
    stably.
    """
    paired = then.size > 0
    budget = MOVES * (b - a)
    for j in range(a + 1, b):
        row = order[j]
        x = value[row]
        y = then[row] if paired else 0
        i = j
        while i > a and (x < value[order[i - 1]] or (paired and x == value[order[i - 1]] and y < then[order[i - 1]])):
            order[i] = order[i - 1]
            i -= 1
        order[i] = row
        budget -= j - i
        if budget < 0:
            return False
    return True


@njit(cache=True)
def merged(
    key_a: NDArray[np.int64], value_a: NDArray[np.float64], key_b: NDArray[np.int64], value_b: NDArray[np.float64]
) -> NDArray[np.int64]:
    """The stable order by key, then value, of rows ``a`` then ``b``, each already in that order.

    Returns indices into ``a`` and ``b`` end to end (``b``'s row ``j`` is ``a.size + j``); on ties a row of ``a``
    comes first, as :func:`key_then_value` of the rows end to end would put it.
    """
    n, m = key_a.size, key_b.size
    order = np.empty(n + m, dtype=np.int64)
    i = j = 0
    for k in range(n + m):
        if j == m or (i < n and (key_a[i] < key_b[j] or (key_a[i] == key_b[j] and not value_b[j] < value_a[i]))):
            order[k] = i
            i += 1
        else:
            order[k] = n + j
            j += 1
    return order


@njit(cache=True)
def inbox_order(
    province: NDArray[np.int64], received: NDArray[np.float64], sent: NDArray[np.float64], ids: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The order ``numpy.lexsort((ids, sent, received, province))``: the reviewers' inbox order.

    By province and time received (:func:`key_then_value`), then, among requests received at the same instant (a
    daily batch, or what an outage held), by time sent and applicant id: each such run is sorted on its own, by
    insertion (it comes nearly in order: requests are handed on as intakes end), or by two merge sorts when that
    takes too many moves.

    Parameters
    ----------
    province
        Per request, its hukou province (non-negative).
    received, sent
        Per request, minutes; no NaN.
    ids
        Per request, its applicant.
    """
    order = key_then_value(province, received)
    n = order.size
    a = 0
    while a < n:
        b = a + 1
        while b < n and received[order[b]] == received[order[a]] and province[order[b]] == province[order[a]]:
            b += 1
        if b - a > 1 and not _inserted(order, sent, ids, a, b):  # (given up: left partly sorted, stably)
            run = order[a:b].copy()
            run = run[np.argsort(ids[run], kind="mergesort")]
            order[a:b] = run[np.argsort(sent[run], kind="mergesort")]
        a = b
    return order
