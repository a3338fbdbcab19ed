"""Compiled kernels: FIFO multi-server stations by the Kiefer-Wolfowitz recursion, and times of day on open days.

A FIFO station with ``c`` identical servers is solved visit by visit in queue order: visit ``n`` starts when it has
joined and the earliest-free server is free, and takes that server (Kiefer and Wolfowitz's workload vector, the
multi-server form of Lindley's recursion). Opening hours enter through the station's policy (see
:mod:`sim.model.station`):

``serve``
    Who arrives while closed joins at the next opening; a joined visitor is served even after closing.
``return_next_day``
    As ``serve``, but a visitor not started by the end of the period is sent home and rejoins at the next
    opening, still in arrival order; the minutes queued add up and each night counts as a return.
``hold``
    Work joins the inbox at once; a service starts only while open.

The number of servers may change at given instants (staffing steps, at 00:00 of a day). A step is applied when
the visit being solved would start at or after it (FIFO starts never decrease in queue order, so every visit
before started under the old staff): a server added is free from the step; when servers are taken away the
latest-free ones stay (those busy finish their visitors, and nobody starts until fewer than the new count are
busy), as :meth:`sim.model.station.Station.staff` does.

The kernels keep each station's server free times between calls, so a station can be solved a day at a time.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.model.fast.steps import day_at
from sim.world.borrow import borrowed

SERVE, RETURN_NEXT_DAY, HOLD = 0, 1, 2
"""Station policies, as codes."""

POLICIES = {"serve": SERVE, "return_next_day": RETURN_NEXT_DAY, "hold": HOLD}

MINUTES_PER_DAY = 1440.0


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _period(ends: NDArray[np.float64], lo: int, hi: int, t: float) -> int:
    """Index of the first period of a calendar (slice lo:hi) that closes after ``t``."""
    k = lo + int(np.searchsorted(ends[lo:hi], t, side="right"))
    if k >= hi:
        raise RuntimeError("a station's calendar table ends before the run does")
    return k


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _period_from(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    ends: NDArray[np.float64], lo: int, hi: int, t: float, hints: NDArray[np.int64], st: int
) -> int:
    """:func:`_period`, searched forward from station ``st``'s last answer (``hints[st]``, updated).

    A station asks about times that mostly grow, so the answer is usually the hint or the next period. A hint
    after the answer (a period closing at or before ``t`` lies before it) falls back to the binary search.
    """
    k = int(hints[st])
    if k < lo or k >= hi or (k > lo and ends[k - 1] > t):
        k = _period(ends, lo, hi, t)
    else:
        while ends[k] <= t:
            k += 1
            if k >= hi:
                raise RuntimeError("a station's calendar table ends before the run does")
    hints[st] = k
    return k


@njit(cache=True)
def solve_stations(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    station: NDArray[np.int64],
    arrival: NDArray[np.float64],
    service: NDArray[np.float64],
    policy: NDArray[np.int64],
    staff: Staff,
    free: NDArray[np.float64],
    last: NDArray[np.float64],
    calendar: NDArray[np.int64],
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    lo: NDArray[np.int64],
    hi: NDArray[np.int64],
    hints: NDArray[np.int64],
    out: NDArray[np.float64],
    returns: NDArray[np.int64],
    sent_home: NDArray[np.float64],
    gate: Gate,
) -> int:
    """Serve visits in queue order at their stations; update the stations' server free times.

    Parameters
    ----------
    station, arrival, service
        Per visit, in queue order within each station: station index, arrival and service minutes.
    policy, calendar
        Per station: policy code, calendar index.
    staff
        The stations' servers and their steps (:class:`Staff`); updated.
    free
        Shape (stations, most servers): when each server is next free (minutes); updated.
    last
        Per station: the latest service start (minutes); updated.
    starts, ends, lo, hi
        The calendars' opening periods (:class:`~sim.model.fast.tables.Periods`).
    hints
        Per station: the period it last looked up (any value is correct, a recent one is quick); updated.
    out
        Shape (visits, 3), filled: join time, service start, minutes waited.
    returns
        Per visit, filled: times sent home at closing.
    sent_home
        Shape (capacity, 3), filled: station, rejoin-from and sent-home minutes of each queued stretch that ended
        at a closing.
    gate
        The stations' caps (:class:`Gate`): which visits ask for a ticket, and who was admitted (filled).

    Returns
    -------
    int
        Rows of ``sent_home`` used, -1 when it was too small, or -2 when a capped station's ``gate.ends`` was
        (``free``, ``last`` and the gate's state are then unreliable).
    """
    used = 0
    # views that hand the arrays to the inlined helpers below without counting references (sim.world.borrow)
    station, arrival, service, policy, staff, free, last, calendar, starts, ends, lo, hi, hints, out, returns, \
        sent_home, gate = borrowed((station, arrival, service, policy, staff, free, last, calendar, starts, ends, lo,
                                    hi, hints, out, returns, sent_home, gate))  # fmt: skip
    # the named tuples' arrays, taken out once: numba counts references at every field access in a call
    servers, step_at, step_next = staff.servers, staff.at, staff.next
    capped, admitted = (gate.max_inside > 0) | (gate.quota > 0), gate.admitted
    for i in range(station.size):
        st = station[i]
        a = arrival[i]
        if not capped[st]:
            admitted[i] = 1
        elif not _admit(gate, st, i, a):
            out[i, 0] = out[i, 1] = out[i, 2] = np.nan
            returns[i] = 0
            continue
        c0, c1 = lo[calendar[st]], hi[calendar[st]]
        m = _earliest(free, st, servers[st])
        pol = policy[st]
        r = 0
        if pol == HOLD:
            s, m = _inbox_start(staff, free, st, m, max(a, last[st]), starts, ends, c0, c1, hints)
            j = a
            w = s - a
        else:
            k = _period_from(ends, c0, c1, a, hints, st)
            j = a if starts[k] <= a else starts[k]
            w = 0.0
            s = max(j, free[st, m])
            if step_at[st, step_next[st]] <= s:  # a staffing step is due
                s, m = _open_start(staff, free, st, m, j)
            while pol == RETURN_NEXT_DAY:
                b = ends[_period_from(ends, c0, c1, j, hints, st)]
                if s < b or (s == b and _step_opens(step_at, step_next, st, b, starts, ends, c0, c1)):
                    break
                if used >= sent_home.shape[0]:
                    return -1
                sent_home[used, 0] = st
                sent_home[used, 1] = j
                sent_home[used, 2] = b
                used += 1
                w += b - j
                r += 1
                k = _period_from(ends, c0, c1, b, hints, st)
                j = b if starts[k] <= b else starts[k]
                s, m = _open_start(staff, free, st, m, j)
            w += s - j
        free[st, m] = s + service[i]
        last[st] = s
        if capped[st] and not _inside(gate, st, s + service[i]):
            return -2
        out[i, 0] = j
        out[i, 1] = s
        out[i, 2] = w
        returns[i] = r
    return used


class Staff(NamedTuple):
    """The stations' servers passed to :func:`solve_stations`, and their steps.

    Attributes
    ----------
    servers : numpy.ndarray
        Per station (int64): servers now; updated.
    at : numpy.ndarray
        Shape (stations, most steps + 1): when each step takes effect (minutes), by time, padded with inf.
    to : numpy.ndarray
        Shape as ``at`` (int64): servers from each step on.
    next : numpy.ndarray
        Per station (int64): the first step not yet applied; updated.
    """

    servers: NDArray[np.int64]
    at: NDArray[np.float64]
    to: NDArray[np.int64]
    next: NDArray[np.int64]


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _earliest(free: NDArray[np.float64], st: int, servers: int) -> int:
    """The server of station ``st`` that is free first (the lowest index among equals)."""
    m = 0
    for x in range(1, servers):
        if free[st, x] < free[st, m]:
            m = x
    return m


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _open_start(staff: Staff, free: NDArray[np.float64], st: int, m: int, j: float) -> tuple[float, int]:
    """Service start of a visit queued from ``j`` (minutes) at window-like station ``st``, and its server.

    ``m`` is the station's earliest-free server; steps that come due are applied first.
    """
    s = max(j, free[st, m])
    while _due(staff, st, s):
        m = _restaff(staff, free, st)
        s = max(j, free[st, m])
    return s, m


@njit(cache=True, inline="always")  # hot for every request: inlined into the loop
def _inbox_start(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    staff: Staff,
    free: NDArray[np.float64],
    st: int,
    m: int,
    ready: float,
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    c0: int,
    c1: int,
    hints: NDArray[np.int64],
) -> tuple[float, int]:
    """Service start of a request on inbox station ``st`` not before ``ready`` (minutes), and its server.

    The start is the first open moment from when it is ready and a server is free; steps due by then apply first.
    """
    while True:
        t = max(ready, free[st, m])
        k = _period_from(ends, c0, c1, t, hints, st)
        s = t if starts[k] <= t else starts[k]
        if not _due(staff, st, s):
            return s, m
        m = _restaff(staff, free, st)


@njit(cache=True)
def _step_opens(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    step_at: NDArray[np.float64],
    step_next: NDArray[np.int64],
    st: int,
    b: float,
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    c0: int,
    c1: int,
) -> bool:
    """Whether a visit that can start at closing instant ``b`` starts: a step at ``b`` and the station open at ``b``.

    A staffing step comes before anything else at its instant, so where the next period starts at ``b`` (a
    period ending at midnight and the next day's starting then) a server that the step adds takes the queue
    before the closing sends it home, as :meth:`sim.model.station.Station.staff` does.
    """
    last = step_next[st] - 1
    return bool(last >= 0 and step_at[st, last] == b and starts[_period(ends, c0, c1, b)] == b)


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _due(staff: Staff, st: int, s: float) -> bool:
    """Whether station ``st`` has a step at or before ``s`` (minutes) not yet applied."""
    return bool(staff.at[st, staff.next[st]] <= s)


@njit(cache=True)
def _restaff(staff: Staff, free: NDArray[np.float64], st: int) -> int:
    """Apply station ``st``'s next step; return its earliest-free server.

    Servers added are free from the step; when servers are taken away, the latest-free ones stay, none free
    before the step.
    """
    k = staff.next[st]
    moment, new, old = staff.at[st, k], staff.to[st, k], staff.servers[st]
    if new > old:
        for x in range(old, new):
            free[st, x] = moment
    elif new < old:
        kept = np.sort(free[st, :old])[old - new :]
        for x in range(new):
            free[st, x] = max(kept[x], moment)
    staff.servers[st] = new
    staff.next[st] = k + 1
    return _earliest(free, st, new)


class Gate(NamedTuple):
    """The admission caps of the stations passed to :func:`solve_stations`, and their state between calls.

    Attributes
    ----------
    asks : numpy.ndarray
        Per visit (int8): 1 when it needs a ticket (a first intake or a local visit at a capped office).
    admitted : numpy.ndarray
        Per visit (int8), filled: 1 when served, 0 when turned away.
    max_inside, quota : numpy.ndarray
        Per station: the cap on visits inside (queued or in service) and on tickets a day; 0 for none.
    quota_day, quota_used : numpy.ndarray
        Per station: the day of the last ticket and the tickets taken that day; updated.
    ends : numpy.ndarray
        Shape (stations, capacity): per capped station, a min-heap of the service ends of the visits inside;
        updated.
    inside : numpy.ndarray
        Per station: visits in its heap; updated.
    """

    asks: NDArray[np.int8]
    admitted: NDArray[np.int8]
    max_inside: NDArray[np.int64]
    quota: NDArray[np.int64]
    quota_day: NDArray[np.int64]
    quota_used: NDArray[np.int64]
    ends: NDArray[np.float64]
    inside: NDArray[np.int64]


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _inside(gate: Gate, st: int, end: float) -> bool:
    """An admitted visit at a capped station stays inside until ``end`` (minutes); False when the heap is full."""
    if gate.max_inside[st] > 0:
        if gate.inside[st] >= gate.ends.shape[1]:
            return False
        _push(gate.ends[st], gate.inside[st], end)
        gate.inside[st] += 1
    return True


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _admit(gate: Gate, st: int, i: int, a: float) -> bool:
    """Whether visit ``i`` arriving at station ``st`` at ``a`` (minutes) is admitted (``gate.admitted[i]``)."""
    gate.admitted[i] = 0
    if _ticket(gate, st, i, a):
        gate.admitted[i] = 1
    return bool(gate.admitted[i] == 1)


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _ticket(gate: Gate, st: int, i: int, a: float) -> bool:
    """Whether visit ``i`` arriving at station ``st`` at ``a`` (minutes) gets in; takes a ticket of the day."""
    if gate.max_inside[st] > 0:  # those whose service ended by ``a`` have left
        while gate.inside[st] > 0 and gate.ends[st, 0] <= a:
            gate.inside[st] -= 1
            _pop(gate.ends[st], gate.inside[st])
    if gate.asks[i] == 0:
        return True
    if gate.max_inside[st] > 0 and gate.inside[st] >= gate.max_inside[st]:
        return False
    if gate.quota[st] > 0:
        day = int(a // MINUTES_PER_DAY)
        if day != gate.quota_day[st]:
            gate.quota_day[st] = day
            gate.quota_used[st] = 0
        if gate.quota_used[st] >= gate.quota[st]:
            return False
        gate.quota_used[st] += 1
    return True


@njit(cache=True)
def _push(heap: NDArray[np.float64], n: int, x: float) -> None:
    """Add ``x`` to the min-heap ``heap[:n]`` (it has room at ``n``)."""
    heap[n] = x
    while n > 0:
        parent = (n - 1) // 2
        if heap[parent] <= heap[n]:
            break
        heap[parent], heap[n] = heap[n], heap[parent]
        n = parent


@njit(cache=True)
def _pop(heap: NDArray[np.float64], n: int) -> None:
    """Remove the least of the min-heap ``heap[:n + 1]``, leaving ``heap[:n]``."""
    heap[0] = heap[n]
    i = 0
    while True:
        low, left, right = i, 2 * i + 1, 2 * i + 2
        if left < n and heap[left] < heap[low]:
            low = left
        if right < n and heap[right] < heap[low]:
            low = right
        if low == i:
            return
        heap[i], heap[low] = heap[low], heap[i]
        i = low


@njit(cache=True)
def open_times(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    shape_row: NDArray[np.int64],
    target: NDArray[np.float64],
    u: NDArray[np.float64],
    floor: NDArray[np.float64],
    of_day: NDArray[np.int64],
    seg_starts: NDArray[np.float64],
    seg_widths: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    count: NDArray[np.int64],
) -> NDArray[np.float64]:
    """When each applicant aiming at ``target`` comes: first open day from it, at hour-profile quantile ``u``.

    Never before ``floor`` (minutes). ``shape_row`` is each applicant's office calendar, a row of ``of_day``
    (:class:`~sim.model.fast.tables.Shapes`). The arithmetic is that of ``Network.open_time`` and
    ``DayShape.point``.
    """
    out = np.empty(target.size)
    for i in range(target.size):
        out[i] = open_time(shape_row[i], target[i], u[i], floor[i], of_day, seg_starts, seg_widths, cumulative, count)
    return out


@njit(cache=True, inline="always")  # one value: inlined into the loops
def open_time(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    shape_row: int,
    target: float,
    u: float,
    floor: float,
    of_day: NDArray[np.int64],
    seg_starts: NDArray[np.float64],
    seg_widths: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    count: NDArray[np.int64],
) -> float:
    """:func:`open_times` for one applicant (minutes)."""
    day = int(day_at(max(target, floor)))  # x // 1440: a float floor division costs 20 ns more a call
    for _ in range(400):
        if day >= of_day.shape[1]:  # numba does not check bounds: past the tables would read anything
            raise IndexError("the run outlasts the fast engine's calendar tables")
        sid = of_day[shape_row, day]
        n = count[sid]
        if n > 0:
            segment = 0  # numpy.searchsorted(cumulative[sid, :n], u, side="right"): a day has a few segments
            while segment < n and cumulative[sid, segment] <= u:
                segment += 1
            segment = min(segment, n - 1)
            below = cumulative[sid, segment - 1] if segment > 0 else 0.0
            mass = cumulative[sid, segment] - below
            fraction = min(max((u - below) / mass, 0.0), 1.0) if mass > 0 else 0.0
            moment = day * MINUTES_PER_DAY + (seg_starts[sid, segment] + fraction * seg_widths[sid, segment])
            if moment >= floor:
                return float(moment)
        day += 1
    raise RuntimeError("an office does not open within 400 days")
