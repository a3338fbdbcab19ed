"""A light journey's whole run in one compiled call, a day at a time: no Python per day.

:meth:`sim.model.fast.run._Engine.run` computes a day block with some thirty NumPy calls and kernels whatever its
size, about a millisecond of calls for a three-day block of one office. Here the same steps, in the same order and
with the same arithmetic, run inside one compiled loop over the days (:func:`run_days`):

1. the day's window and kiosk visits in queue order (the day's new arrivals, then what earlier decisions sent to
   the day, sorted by station and time) are served by :func:`~sim.model.fast.kernels.solve_stations`;
2. intakes hand requests to their links (:func:`~sim.model.fast.steps.link_time`); pickups leave with their cards;
3. the reviewers serve every request received before the day's end in inbox order (province, received, sent,
   applicant), and their decisions send revisits and pickups to later days (the model's rule: never the
   decision's own day).

It gives the records of the day blocks, row for row. Where two visits sent back reach one station at the same
instant their queue order is the order they were sent, which depends on how the days are grouped; the loop then
stops (:data:`TIE`) and the caller computes the run another way, as it does when the loop's room runs out
(:data:`FULL`) or the run reaches past the calendar tables (:data:`BEYOND`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.model.fast.areas import add_interval
from sim.model.fast.kernels import Gate, Staff, open_time, solve_stations
from sim.model.fast.order import MOVES
from sim.model.fast.steps import added_working_days, day_at, link_time, working_time
from sim.model.records import VisitKind
from sim.model.stages import Stage
from sim.world.borrow import borrowed
from sim.world.calendar import MINUTES_PER_DAY

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

DONE, FULL, TIE, BEYOND, LATE, UNDRAWN = 0, -1, -2, -3, -4, -5
"""What :func:`run_days` returns: the run is computed; its room ran out; two visits sent back tie; past the tables;
a visit sent back to a day already served, or an attempt not drawn before the run (the model does neither)."""

_INTAKE, _REWORK, _PICKUP, _KIOSK = VisitKind.INTAKE, VisitKind.REWORK, VisitKind.PICKUP, VisitKind.KIOSK_PICKUP
_WAITING, _IN_INTAKE, _VERIFYING = int(Stage.WAITING), int(Stage.IN_INTAKE), int(Stage.IN_VERIFICATION)
_REVISIT, _PRODUCTION, _TRANSIT = int(Stage.AWAITING_REVISIT), int(Stage.IN_PRODUCTION), int(Stage.IN_TRANSIT)
_AWAITING_PICKUP = int(Stage.AWAITING_PICKUP)


class New(NamedTuple):
    """The run's new arrivals (applicants and local visits), by arrival day, then in queue order.

    Attributes
    ----------
    first : numpy.ndarray
        Per day ``d`` (and one more): day ``d``'s rows are ``first[d]:first[d + 1]``.
    station, t, who, kind, service : numpy.ndarray
        Per row: station, arrival (minutes), applicant id (-1 for a local visit), visit kind, service minutes.
    """

    first: I64
    station: I64
    t: F64
    who: I64
    kind: I64
    service: F64


class People(NamedTuple):
    """The applicants' draws and journey columns (filled), indexed by applicant id.

    ``drawn`` has shape (applicants, attempts drawn, 6): each attempt's draws, in the order of
    :data:`~sim.world.day_kernels.ATTEMPT` (intake, review, latency, reject_u, revisit_days, revisit_u). The
    attempts after those are rows of ``later`` (same columns): an applicant's first is ``first_later[who]``, the
    one after row ``r`` is ``next_later[r]`` (-1: none). Whether a request is approved depends on its draws alone,
    so every attempt an applicant will make is known, and drawn, before the run (:func:`later_attempts`).
    """

    office: I64
    province: I64
    stream_day: I64
    stream_row: I64
    drawn: F64
    later: F64
    first_later: I64
    next_later: I64
    production_days: F64
    shipping_days: F64
    pickup_days: F64
    pickup_u: F64
    pickup_minutes: F64
    intake_end: F64
    decided: F64
    card_ready: F64
    in_hand: F64
    visits: I64
    attempts: I64


class Stations(NamedTuple):
    """The kernel's stations (:func:`~sim.model.fast.kernels.solve_stations`) and their state (updated)."""

    policy: I64
    staff: Staff
    free: F64
    last: F64
    calendar: I64
    starts: F64
    ends: F64
    lo: I64
    hi: I64
    hints: I64
    gate: Gate
    offices: int
    first_reviewer: int


class Network(NamedTuple):
    """What happens between the stations: links, decisions, production, and when people come back.

    Attributes
    ----------
    kiosk_of, mailed, shape_row : numpy.ndarray
        Per office: its kiosk station (-1: none), whether cards are mailed, its row of the day shapes.
    of_day, seg_starts, seg_widths, cumulative, segments : numpy.ndarray
        The day shapes (:class:`~sim.model.fast.tables.Shapes`).
    linked_from, cutoff, reject : numpy.ndarray
        Per province: when its link turns real time and its batch cut-off (minutes), and its reject probability.
    down, up, outage_lo, outage_hi : numpy.ndarray
        The links' outages ``[down, up)`` by start; province ``p`` owns ``outage_lo[p]:outage_hi[p]``.
    next_working, working_before, working_list : numpy.ndarray
        The working days (:class:`~sim.model.fast.tables.Tables`).
    batch_minutes : float
        Time of day of the production batch.
    """

    kiosk_of: I64
    mailed: NDArray[np.bool_]
    shape_row: I64
    of_day: I64
    seg_starts: F64
    seg_widths: F64
    cumulative: F64
    segments: I64
    linked_from: F64
    cutoff: F64
    reject: F64
    down: F64
    up: F64
    outage_lo: I64
    outage_hi: I64
    next_working: I64
    working_before: I64
    working_list: I64
    batch_minutes: float


class Levels(NamedTuple):
    """The areas and whole-day difference arrays of the levels (:mod:`sim.model.fast.areas`); added to."""

    queued: F64
    queued_whole: I64
    busy: F64
    busy_whole: I64
    reviewing: F64
    reviewing_whole: I64
    stage: F64
    stage_whole: I64


class Out(NamedTuple):
    """The rows the run records, filled.

    ``r_draw`` is each request's row of ``People.later`` (-1: drawn with the applicant); ``used`` holds the counts
    of visits, requests and applicants finished; ``last_end`` the latest service end at a window or kiosk.
    """

    v_station: I64
    v_kind: I64
    v_who: I64
    v_t: F64
    v_start: F64
    v_end: F64
    v_wait: F64
    v_returns: I64
    r_who: I64
    r_attempt: I64
    r_province: I64
    r_sent: F64
    r_received: F64
    r_start: F64
    r_decided: F64
    r_approved: NDArray[np.bool_]
    r_draw: I64
    finished: I64
    arrived: I64
    used: I64
    last_end: F64


class Pending(NamedTuple):
    """Visits sent to later days (revisits and pickups): rows, and one list per day in the order sent.

    Attributes
    ----------
    station, t, who, kind, attempt, service, draw : numpy.ndarray
        Per row: station, arrival (minutes), applicant, visit kind, attempt, service minutes, and the row of
        ``Out.later`` holding the attempt's draws (-1: drawn with the applicant).
    next : numpy.ndarray
        Per row: the next row sent to the same day (-1: the last).
    head, tail : numpy.ndarray
        Per day: its first and last rows (-1: none).
    tally : numpy.ndarray
        Rows used, rows not yet served, and the day being served.
    """

    station: I64
    t: F64
    who: I64
    kind: I64
    attempt: I64
    service: F64
    draw: I64
    next: I64
    head: I64
    tail: I64
    tally: I64


class Scratch(NamedTuple):
    """One day's visits or requests as the kernel takes them, and what it gives back."""

    station: I64
    t: F64
    service: F64
    source: I64  # a new arrival's row, or -1 - a pending row (windows); a request's row (reviewers)
    solved: F64  # shape (rows, 3): join, start, minutes waited
    returns: I64
    home: F64  # shape (rows, 3): the queued stretches that ended at a closing
    order: I64
    by_end: I64  # the day's served visits in the order they are recorded (by service end)
    ends: F64  # their service ends, in that order


# run_days borrows the named tuples' arrays once (sim.world.borrow): numba would otherwise count references to an
# array at every call or slice that takes it (a few nanoseconds each, where a row's work is a few tens). The day's
# steps below are inlined into run_days, each at its one call: a call that takes the named tuples copies a hundred
# array descriptors, some microseconds a day (the loop took 12.9 ms with them called, 10.3 ms inlined, on the
# two-year office; its first compile takes 9 s more).


@njit(cache=True)
def run_days(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    new: New, people: People, st: Stations, net: Network, lv: Levels, out: Out, p: Pending, s: Scratch,
    days: int, step: int,
) -> int:  # fmt: skip
    """Compute the run day by day until nobody is left; :data:`DONE`, or why it stopped.

    Parameters
    ----------
    new, people, st, net
        The arrivals, the applicants, the stations and the network; ``people``'s journey columns and ``st``'s state
        are updated.
    lv, out
        The levels and the records, filled.
    p, s
        Room for the visits sent to later days (empty) and for a day's rows.
    days
        Days with arrivals.
    step
        The day blocks' length: the run stops (:data:`BEYOND`) where a block would reach past the tables.
    """
    new, people, st, net, lv, out, p, s = borrowed((new, people, st, net, lv, out, p, s))
    span = p.head.size
    fly = np.empty(out.r_sent.size, np.int64)  # requests not received by the end of the days so far
    flying = 0
    day = 0
    while day < days or p.tally[1] > 0 or flying > 0:
        if day + step >= span:
            return BEYOND
        p.tally[2] = day
        m = _arrivals(day, days, new, p, s)
        if m < 0:
            return TIE
        if m > 0:
            home = _solve(st, s, m)
            if home < 0:
                return FULL
            if not _recorded(m, home, new, st.offices, lv, out, p, s):
                return FULL
            flying = _handed_on(m, new, people, net, lv, out, p, s, fly, flying)
            if flying < 0:
                return flying
        n = _received(day, out, s, fly, flying)
        flying -= n
        if n > 0:
            _inbox(n, people, st.first_reviewer, out, s)
            if _solve(st, s, n) < 0:
                return FULL
            _decide(n, people, net, lv, out, s)
            first = p.tally[0]
            code = _revisits(n, people, net, lv, out, s, p)
            if code == DONE:
                code = _pickups(n, people, net, lv, out, s, p)
            if code == DONE:
                code = _send(p, first)
            if code < 0:
                return code
        day += 1
    return DONE


@njit(cache=True, inline="always")  # small: inlined at its two calls in run_days
def _solve(st: Stations, s: Scratch, m: int) -> int:
    """Solve the day's ``m`` rows of ``s`` at their stations.

    Returns the rows of ``s.home`` filled (queued stretches sent home at a closing), or -1 when it was too small.
    """
    return int(solve_stations(s.station[:m], s.t[:m], s.service[:m], st.policy, st.staff, st.free, st.last,
                              st.calendar, st.starts, st.ends, st.lo, st.hi, st.hints, s.solved[:m], s.returns[:m],
                              s.home, st.gate))  # fmt: skip


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _arrivals(day: int, days: int, new: New, p: Pending, s: Scratch) -> int:
    """Day ``day``'s visits into ``s`` in queue order; how many, or -1 when two visits sent back tie.

    The day's new arrivals come first on a tie, as in :meth:`sim.model.fast.run._Engine._windows`; the visits sent
    back keep the order sent, which the day blocks may not share: a tie stops the loop.
    """
    order = s.order
    station, t = p.station, p.t
    k = 0
    i = p.head[day]
    while i >= 0:
        order[k] = i
        k += 1
        i = p.next[i]
    p.tally[1] -= k
    for a in range(1, k):  # by insertion: a few rows, nearly in order
        x = order[a]
        b = a - 1
        while b >= 0 and (station[order[b]] > station[x] or (station[order[b]] == station[x] and t[order[b]] > t[x])):
            order[b + 1] = order[b]
            b -= 1
        order[b + 1] = x
    for a in range(1, k):
        if station[order[a]] == station[order[a - 1]] and t[order[a]] == t[order[a - 1]]:
            return -1
    lo, hi = (new.first[day], new.first[day + 1]) if day < days else (0, 0)
    new_station, new_t, new_service, service = new.station, new.t, new.service, p.service
    to_station, to_t, to_service, to_source = s.station, s.t, s.service, s.source
    m, a, b = 0, lo, 0
    while a < hi or b < k:
        j = order[b] if b < k else -1
        if j < 0 or (
            a < hi and (new_station[a] < station[j] or (new_station[a] == station[j] and not t[j] < new_t[a]))
        ):
            to_station[m], to_t[m], to_service[m], to_source[m] = new_station[a], new_t[a], new_service[a], a
            a += 1
        else:
            to_station[m], to_t[m], to_service[m], to_source[m] = station[j], t[j], service[j], -1 - j
            b += 1
        m += 1
    return m


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _recorded(m: int, home: int, new: New, offices: int, lv: Levels, out: Out, p: Pending, s: Scratch) -> bool:  # noqa: PLR0917
    """Record the day's ``m`` served visits and the windows' levels; False when the room for visits ran out.

    ``home``: rows of ``s.home`` filled by the solve (queued stretches that ended at a closing).
    """
    v_station, v_kind, v_who, v_t = out.v_station, out.v_kind, out.v_who, out.v_t
    v_start, v_end, v_wait, v_returns = out.v_start, out.v_end, out.v_wait, out.v_returns
    arrived, last_end = out.arrived, out.last_end
    queued, queued_whole, busy, busy_whole = lv.queued, lv.queued_whole, lv.busy, lv.busy_whole
    new_who, new_kind, p_who, p_kind = new.who, new.kind, p.who, p.kind
    source_of, station_of, t_of, solved, service, returns, sent_home = (
        s.source, s.station, s.t, s.solved, s.service, s.returns, s.home
    )  # fmt: skip
    for h in range(home):
        if sent_home[h, 0] < offices:
            add_interval(queued, queued_whole, int(sent_home[h, 0]), sent_home[h, 1], sent_home[h, 2])
    nv = out.used[0]
    if nv + m > v_t.size:
        return False
    by_end = s.by_end
    _by_end(m, solved, service, by_end, s.ends)
    for k in range(m):
        i = by_end[k]
        source = source_of[i]
        who, kind = (new_who[source], new_kind[source]) if source >= 0 else (p_who[-1 - source], p_kind[-1 - source])
        station, join, start = station_of[i], solved[i, 0], solved[i, 1]
        end = start + service[i]
        v_station[nv], v_kind[nv], v_who[nv], v_t[nv] = station, kind, who, t_of[i]
        v_start[nv], v_end[nv], v_wait[nv], v_returns[nv] = start, end, solved[i, 2], returns[i]
        nv += 1
        last_end[0] = max(last_end[0], end)
        if station < offices:
            arrived[station] += 1
            add_interval(queued, queued_whole, station, join, start)
            add_interval(busy, busy_whole, station, start, end)
    out.used[0] = nv
    return True


@njit(cache=True)
def _by_end(m: int, solved: F64, service: F64, by_end: I64, ends: F64) -> None:
    """The day's ``m`` served visits by service end, stably, into ``by_end`` (queue order if that takes long).

    The records' canonical order is by service end (:func:`sim.model.result.canonical`); a day's visits come in
    queue order, their ends nearly in order (a few windows finish out of turn), so an insertion sort puts them in
    order in a few moves each, and the records need no sort after the run. Where it would take more than
    :data:`~sim.model.fast.order.MOVES` moves a row on average (the budget of the engine's other insertion
    sorts) the day keeps its queue order and the records are sorted after the run.
    """
    budget = MOVES * m
    for j in range(m):
        end = solved[j, 1] + service[j]
        i = j
        while i > 0 and end < ends[i - 1]:
            by_end[i], ends[i] = by_end[i - 1], ends[i - 1]
            i -= 1
        by_end[i], ends[i] = j, end
        budget -= j - i
        if budget < 0:
            for a in range(m):
                by_end[a] = a
            return


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _handed_on(  # noqa: PLR0917
    m: int, new: New, people: People, net: Network, lv: Levels, out: Out, p: Pending, s: Scratch, fly: I64,
    flying: int,
) -> int:  # fmt: skip
    """Send the day's ``m`` served visits on; the requests in flight after, or :data:`FULL`.

    Intakes hand their requests to the links (or, with no hukou province, their applicants leave); pickups leave
    with their cards.
    """
    r_who, r_attempt, r_province, r_draw = out.r_who, out.r_attempt, out.r_province, out.r_draw
    r_sent, r_received, finished = out.r_sent, out.r_received, out.finished
    drawn, later, province_of, intake_end = people.drawn, people.later, people.province, people.intake_end
    card_ready, in_hand, attempts, stage, stage_whole = (
        people.card_ready, people.in_hand, people.attempts, lv.stage, lv.stage_whole
    )  # fmt: skip
    down, up, outage_lo, outage_hi = net.down, net.up, net.outage_lo, net.outage_hi
    next_working, linked_from, cutoff = net.next_working, net.linked_from, net.cutoff
    new_who, new_kind, p_who, p_kind, p_attempt, p_draw = new.who, new.kind, p.who, p.kind, p.attempt, p.draw
    source_of, t_of, solved, service = s.source, s.t, s.solved, s.service
    nr, nf = out.used[1], out.used[2]
    if nr + m > r_sent.size or nf + m > finished.size:
        return FULL
    for i in range(m):
        source = source_of[i]
        if source >= 0:
            who, kind, attempt, draw = new_who[source], new_kind[source], 0, -1
        else:
            j = -1 - source
            who, kind, attempt, draw = p_who[j], p_kind[j], p_attempt[j], p_draw[j]
        start = solved[i, 1]
        end = start + service[i]
        if kind in (_PICKUP, _KIOSK):
            add_interval(stage, stage_whole, _AWAITING_PICKUP, card_ready[who], end)
            finished[nf], in_hand[who] = who, end
            nf += 1
        if kind not in (_INTAKE, _REWORK):
            continue
        if kind == _INTAKE:
            intake_end[who] = end
        add_interval(stage, stage_whole, _WAITING, t_of[i], start)
        add_interval(stage, stage_whole, _IN_INTAKE, start, end)
        province = province_of[who]
        if province < 0:
            finished[nf], in_hand[who] = who, end
            nf += 1
            continue
        attempts[who] = max(attempts[who], attempt + 1)
        latency = later[draw, 2] if draw >= 0 else drawn[who, attempt, 2]
        outages = (outage_lo[province], outage_hi[province])
        received = link_time(next_working, linked_from[province], cutoff[province], down, up, outages, end, latency)
        r_who[nr], r_attempt[nr], r_province[nr], r_draw[nr], r_sent[nr], r_received[nr] = (
            who, attempt, province, draw, end, received
        )  # fmt: skip
        fly[flying] = nr
        flying += 1
        nr += 1
    out.used[1], out.used[2] = nr, nf
    return flying


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _received(day: int, out: Out, s: Scratch, fly: I64, flying: int) -> int:
    """The requests received before the end of day ``day``, moved from ``fly`` to ``s.order``; how many."""
    cutoff = (day + 1) * MINUTES_PER_DAY
    received, order = out.r_received, s.order
    n = kept = 0
    for a in range(flying):
        r = fly[a]
        if received[r] < cutoff:
            order[n] = r
            n += 1
        else:
            fly[kept] = r
            kept += 1
    return n


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _inbox(n: int, people: People, first_reviewer: int, out: Out, s: Scratch) -> None:
    """The ``n`` requests of ``s.order`` in inbox order (province, received, sent, applicant), as reviewers' rows."""
    province, received, sent, who = out.r_province, out.r_received, out.r_sent, out.r_who
    order, station, t, service = s.order, s.station, s.t, s.service
    drawn, later, attempt, draw = people.drawn, people.later, out.r_attempt, out.r_draw
    for a in range(1, n):  # by insertion: a day's requests, nearly in order
        x = order[a]
        b = a - 1
        while b >= 0 and _before(province, received, sent, who, x, order[b]):
            order[b + 1] = order[b]
            b -= 1
        order[b + 1] = x
    for i in range(n):
        r = order[i]
        station[i] = first_reviewer + province[r]
        t[i] = received[r]
        service[i] = later[draw[r], 1] if draw[r] >= 0 else drawn[who[r], attempt[r], 1]


@njit(cache=True, inline="always")  # small and hot: inlined into the loop
def _before(province: I64, received: F64, sent: F64, who: I64, x: int, y: int) -> bool:  # noqa: PLR0917
    """Whether request ``x`` comes before request ``y`` in inbox order."""
    if province[x] != province[y]:
        return bool(province[x] < province[y])
    if received[x] != received[y]:
        return bool(received[x] < received[y])
    if sent[x] != sent[y]:
        return bool(sent[x] < sent[y])
    return bool(who[x] < who[y])


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _decide(n: int, people: People, net: Network, lv: Levels, out: Out, s: Scratch) -> None:  # noqa: PLR0917
    """Decide the day's ``n`` reviewed requests (``s.order``, in inbox order): when, and approved or not."""
    order, solved, service = s.order, s.solved, s.service
    r_who, r_attempt, r_draw, r_province = out.r_who, out.r_attempt, out.r_draw, out.r_province
    r_start, r_decided, r_approved, r_sent = out.r_start, out.r_decided, out.r_approved, out.r_sent
    drawn, later, reject = people.drawn, people.later, net.reject
    reviewing, reviewing_whole, stage, stage_whole = lv.reviewing, lv.reviewing_whole, lv.stage, lv.stage_whole
    for i in range(n):
        r = order[i]
        who, province = r_who[r], r_province[r]
        start = solved[i, 1]
        decided = start + service[i]
        r_start[r], r_decided[r] = start, decided
        u = later[r_draw[r], 3] if r_draw[r] >= 0 else drawn[who, r_attempt[r], 3]
        r_approved[r] = u >= reject[province]
        add_interval(reviewing, reviewing_whole, province, start, decided)
        add_interval(stage, stage_whole, _VERIFYING, r_sent[r], decided)


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _revisits(n: int, people: People, net: Network, lv: Levels, out: Out, s: Scratch, q: Pending) -> int:  # noqa: PLR0917
    """The day's rejected requests: each applicant comes back with documents on a later open day.

    The revisits are new rows of ``q`` (:func:`_send` files them under their days). As the day blocks send them:
    every revisit of the day first, in inbox order, then the pickups (:func:`_pickups`).
    """
    order = s.order
    if q.tally[0] + n > q.t.size:
        return FULL
    q_station, q_t, q_who, q_kind, q_attempt, q_draw, q_service = (
        q.station, q.t, q.who, q.kind, q.attempt, q.draw, q.service
    )  # fmt: skip
    r_who, r_attempt, r_draw, r_decided, r_approved = (
        out.r_who,
        out.r_attempt,
        out.r_draw,
        out.r_decided,
        out.r_approved,
    )
    drawn, later, office_of, visits = people.drawn, people.later, people.office, people.visits
    first_later, next_later, stage, stage_whole = people.first_later, people.next_later, lv.stage, lv.stage_whole
    row, of_day, starts, widths, cumulative, count = (
        net.shape_row, net.of_day, net.seg_starts, net.seg_widths, net.cumulative, net.segments
    )  # fmt: skip
    k = q.tally[0]
    for i in range(n):
        r = order[i]
        if r_approved[r]:
            continue
        who, attempt, draw, decided = r_who[r], r_attempt[r], r_draw[r], r_decided[r]
        office = office_of[who]
        days_after = later[draw, 4] if draw >= 0 else drawn[who, attempt, 4]
        u = later[draw, 5] if draw >= 0 else drawn[who, attempt, 5]
        floor = (day_at(decided) + 1.0) * MINUTES_PER_DAY
        back = open_time(row[office], decided + days_after * MINUTES_PER_DAY, u, floor, of_day, starts, widths,
                         cumulative, count)  # fmt: skip
        add_interval(stage, stage_whole, _REVISIT, decided, back)
        visits[who] += 1
        then = -1  # the next attempt's draws: with the applicant's, or the next of its later ones
        if attempt + 1 >= drawn.shape[1]:
            then = first_later[who] if draw < 0 else next_later[draw]
            if then < 0:
                return UNDRAWN
        q_station[k], q_t[k], q_who[k], q_kind[k], q_attempt[k], q_draw[k] = (
            office,
            back,
            who,
            _REWORK,
            attempt + 1,
            then,
        )
        q_service[k] = later[then, 0] if then >= 0 else drawn[who, attempt + 1, 0]
        k += 1
    q.tally[0] = k
    return DONE


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _pickups(n: int, people: People, net: Network, lv: Levels, out: Out, s: Scratch, q: Pending) -> int:  # noqa: PLR0917
    """The day's approved cards: production batch, working days, shipping; then a pickup visit or the mail.

    The pickups are new rows of ``q`` after the day's revisits, in inbox order; a card by mail finishes its
    applicant.
    """
    order = s.order
    if q.tally[0] + n > q.t.size:
        return FULL
    q_station, q_t, q_who, q_kind, q_attempt, q_draw, q_service = (
        q.station, q.t, q.who, q.kind, q.attempt, q.draw, q.service
    )  # fmt: skip
    r_who, r_decided, r_approved, finished = out.r_who, out.r_decided, out.r_approved, out.finished
    office_of, in_hand, card_ready, visits, decided_of = (
        people.office, people.in_hand, people.card_ready, people.visits, people.decided
    )  # fmt: skip
    production_days, shipping_days, pickup_days, pickup_u, pickup_minutes = (
        people.production_days, people.shipping_days, people.pickup_days, people.pickup_u, people.pickup_minutes
    )  # fmt: skip
    row, of_day, starts, widths, cumulative, count = (
        net.shape_row, net.of_day, net.seg_starts, net.seg_widths, net.cumulative, net.segments
    )  # fmt: skip
    next_working, working_before, working_list = net.next_working, net.working_before, net.working_list
    mailed, kiosk_of, batch_minutes, stage, stage_whole = (
        net.mailed,
        net.kiosk_of,
        net.batch_minutes,
        lv.stage,
        lv.stage_whole,
    )
    k, f = q.tally[0], out.used[2]
    for i in range(n):
        r = order[i]
        if not r_approved[r]:
            continue
        who, decided = r_who[r], r_decided[r]
        office = office_of[who]
        decided_of[who] = decided
        batch = working_time(next_working, decided, batch_minutes)
        produced = added_working_days(working_before, working_list, batch, math.ceil(production_days[who]))
        ready = produced + shipping_days[who] * MINUTES_PER_DAY
        card_ready[who] = ready
        add_interval(stage, stage_whole, _PRODUCTION, decided, produced)
        add_interval(stage, stage_whole, _TRANSIT, produced, ready)
        if mailed[office]:
            if f >= finished.size:
                return FULL
            finished[f], in_hand[who] = who, ready
            f += 1
            continue
        visits[who] += 1
        floor = max(ready, (day_at(decided) + 1.0) * MINUTES_PER_DAY)
        comes = open_time(row[office], ready + pickup_days[who] * MINUTES_PER_DAY, pickup_u[who], floor, of_day,
                          starts, widths, cumulative, count)  # fmt: skip
        kiosk = kiosk_of[office]
        q_station[k], q_kind[k] = (kiosk, _KIOSK) if kiosk >= 0 else (office, _PICKUP)
        q_t[k], q_who[k], q_attempt[k], q_service[k], q_draw[k] = comes, who, 0, pickup_minutes[who], -1
        k += 1
    q.tally[0], out.used[2] = k, f
    return DONE


@njit(cache=True, inline="always")  # a step of run_days: inlined at its one call
def _send(p: Pending, first: int) -> int:
    """File the day's new rows of ``p`` (from ``first``, in the order sent) under their days; DONE, or why not."""
    stop, today = p.tally[0], p.tally[2]
    t, head, tail, following = p.t, p.head, p.tail, p.next
    for i in range(first, stop):
        day = int(day_at(t[i]))
        if day >= head.size:
            return BEYOND
        if day <= today:
            return LATE
        following[i] = -1
        if tail[day] < 0:
            head[day] = i
        else:
            following[tail[day]] = i
        tail[day] = i
    p.tally[1] += stop - first
    return DONE
