"""The fast engine: the model of :mod:`sim.model.build`, computed a day at a time from the same draws.

Every random number is drawn before the dynamics (:mod:`sim.world.office_day`), so the dynamics are a
deterministic function of the draws, and each FIFO station can be solved by the Kiefer-Wolfowitz recursion
(:mod:`sim.model.fast.kernels`) instead of by events. A day ``d`` is computed in dependency order:

1. the day's new applicants (ids in order of arrival across offices) and local visits, and the revisits and
   pickups that earlier decisions sent to day ``d``, are served at the office windows and kiosks;
2. the intakes hand requests to the links (array operations, :mod:`sim.model.fast.steps`);
3. the reviewers serve, in inbox order, every request that reaches their inbox before the end of day ``d``
   (nothing later can overtake them); their decisions send revisits and pickups to later days.

The rule that makes this exact is the model's own: nothing a decision causes comes back to a window on the
decision's day (:mod:`sim.model.journey`), and the window queues, the inboxes and the servers carry over from day
to day. Records are the SimPy engine's, in the same canonical order (:mod:`sim.model.result`).

The days are taken in blocks (:meth:`_Engine.run`), or, for light scenarios, all in one compiled call
(:meth:`_Engine.loop_days`, :mod:`sim.model.fast.loop`); both give the same records.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.model.fast import loop
from sim.model.fast.areas import accumulate, accumulate_row, day_total
from sim.model.fast.door import Door
from sim.model.fast.epoch import EPOCH_DAYS, Drawn, Epoch, gathered
from sim.model.fast.kernels import HOLD, POLICIES, Staff, open_times, solve_stations
from sim.model.fast.order import add_local, inbox_order, key_then_value, merged
from sim.model.fast.steps import add_working_days, day_of, link_arrival, next_midnight, next_working_time
from sim.model.fast.tables import Tables, build_tables
from sim.model.records import APPLICANT_COLUMNS, REQUEST_COLUMNS, VISIT_COLUMNS, StageCounts, VisitKind
from sim.model.result import ReplicationResult, canonical, end_of_run, in_order, request_order, visit_order
from sim.model.stages import ConservationError, Stage
from sim.scenario.schema import Scenario, Steps
from sim.world.calendar import MINUTES_PER_DAY, offices_calendars
from sim.world.day_kernels import ATTEMPT, Attempts, attempt_rows
from sim.world.distributions import Distribution
from sim.world.office_day import office_days

Array = NDArray[Any]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

BLOCK_DAYS = 64
"""Days the windows take at once when nothing can come back to them (no hukou provinces)."""
_PER_APPLICANT = ("production_days", "shipping_days", "pickup_days", "pickup_u", "pickup_minutes", "stream_day",
                  "stream_row")  # fmt: skip
_JOURNEY: dict[str, float] = {"intake_end": np.nan, "decided": np.nan, "card_ready": np.nan, "in_hand": np.nan,
                              "visits": 1, "attempts": 0}  # fmt: skip
"""The applicants' columns that the journey writes, and their values at arrival."""
LOOP_VISITS_PER_DAY = 500.0
"""Most expected window visits a day at which a scenario is computed in one compiled loop over the days."""


def run_replication(
    scenario: Scenario, replication: int, seed: int | None = None, *, loop: bool | None = None
) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario`` to the end (same records as the SimPy engine).

    Two ways compute the same records (docs/design.md, "Blocks or one loop"): for scenarios with few visits a day
    and no admission caps, one compiled loop over the days (:meth:`_Engine.loop_days`); for the rest, and wherever
    the loop stops, blocks of days in order (:meth:`_Engine.run`).

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication index; with the seed it selects the random streams.
    seed
        Root seed; the scenario's ``run.seed`` when omitted.
    loop
        Try the loop (True), use the blocks (False), or choose by the scenario (None, :meth:`_Engine.light`).

    Returns
    -------
    ReplicationResult
        Records and counters of the replication.
    """
    seed = scenario.run.seed if seed is None else seed
    engine = _Engine(scenario, replication, seed)
    if engine.light() if loop is None else loop:
        if engine.loop_days():
            return engine.collect()
        engine = _Engine(scenario, replication, seed)  # the loop stopped: day blocks from the start
    engine.run()
    return engine.collect()


def in_loop(scenario: Scenario, replication: int, seed: int | None = None) -> ReplicationResult | None:
    """The replication computed in one compiled loop over the days (:meth:`_Engine.loop_days`); None if it stopped.

    Parameters are those of :func:`run_replication`.
    """
    engine = _Engine(scenario, replication, scenario.run.seed if seed is None else seed)
    return engine.collect() if engine.loop_days() else None


class _Store:
    """Growable columns indexed by applicant id (sized from the expected count; grows by a quarter when full)."""

    _FILLS: ClassVar[dict[str, type]] = {"intake_end": np.float64, "decided": np.float64, "card_ready": np.float64,
                               "in_hand": np.float64, "visits": np.int64, "attempts": np.int64}  # fmt: skip

    def __init__(self, capacity: int) -> None:
        self.size = 0
        self.capacity = capacity
        self.columns: dict[str, Array] = {}

    def append(self, block: dict[str, Array], fills: dict[str, float], *, every: bool = False) -> None:
        """Add ``n`` rows: arrays for some columns, one value for the others.

        ``every``: the rows are all the store will hold (the loop draws a run's applicants at once); into an empty
        store their arrays are taken as they are, not copied (the caller must not change them).
        """
        n = next(iter(block.values())).shape[0]
        if every and not self.columns:
            self.columns = dict(block) | {k: np.full(n, value, dtype=self._FILLS[k]) for k, value in fills.items()}
            self.size = n
            return
        if not self.columns:
            size = max(n, self.capacity)
            self.columns = {k: np.empty((size, *v.shape[1:]), dtype=v.dtype) for k, v in block.items()}
            self.columns |= {k: np.empty(size, dtype=self._FILLS[k]) for k in fills}
        capacity = next(iter(self.columns.values())).shape[0]
        if self.size + n > capacity:
            grow = max(capacity + capacity // 4, self.size + n)
            for k, v in self.columns.items():
                bigger = np.empty((grow, *v.shape[1:]), dtype=v.dtype)
                bigger[: self.size] = v[: self.size]
                self.columns[k] = bigger
        end = self.size + n
        for k, v in block.items():
            self.columns[k][self.size : end] = v
        for k, value in fills.items():
            self.columns[k][self.size : end] = value
        self.size = end

    def __getitem__(self, name: str) -> Array:
        return self.columns[name]


class _Table:
    """Rows of a record table gathered chunk by chunk in their final dtypes, concatenated once (and freed)."""

    def __init__(self, columns: dict[str, type]) -> None:
        self.dtypes = columns
        self.parts: dict[str, list[Array]] = {name: [] for name in columns}

    def add(self, **columns: Array) -> None:
        """Add rows; every column must be given."""
        for name, dtype in self.dtypes.items():
            self.parts[name].append(np.asarray(columns[name], dtype=dtype))

    def take(self) -> dict[str, Array]:
        """The whole table (the chunks are released column by column)."""
        table = {}
        for name, dtype in self.dtypes.items():
            parts = self.parts.pop(name)
            if len(parts) == 1 and parts[0].base is None:  # one chunk of its own: no copy
                table[name] = parts[0]
            else:
                table[name] = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
            parts.clear()
        return table


class _Levels:
    """Time-weighted levels of rows (stations, provinces, stages) per day, integrated from intervals.

    Parameters
    ----------
    rows, days
        Shape of the area table (days: every day the tables cover).
    """

    def __init__(self, rows: int, days: int) -> None:
        self.area = np.zeros((rows, days))
        self.whole = np.zeros((rows, days + 1), dtype=np.int64)

    def add(self, row: Array | int, start: Array, end: Array) -> None:
        """Add intervals ``[start, end)`` (minutes); ``row`` is one row for all of them or one per interval."""
        if start.size == 0:
            return
        if isinstance(row, int):
            accumulate_row(row, start, end, self.area, self.whole)
        else:
            accumulate(row.astype(np.int64, copy=False), start, end, self.area, self.whole)

    def areas(self, days: int) -> F64:
        """Shape (rows, days): the level's area per day, for the first ``days`` days."""
        return day_total(self.area, self.whole, days)


class _Arrivals(NamedTuple):
    """Visits arriving at windows or kiosks, one row each."""

    station: Array
    t: Array
    who: Array
    kind: Array
    attempt: Array
    service: Array

    def sorted(self) -> _Arrivals:
        """In queue order: by station, then arrival (stable, so new applicants precede local visits on ties)."""
        order = key_then_value(self.station, self.t)
        return _Arrivals(*(x[order] for x in self))


class _Served(NamedTuple):
    """Visits served at the windows and kiosks of the days of ``block``, in queue order (:meth:`_Engine._serve`)."""

    v: _Arrivals
    start: F64
    end: F64
    wait: F64
    returns: I64
    block: range


class _Pending:
    """Visits sent to the windows or kiosks of later days (revisits, pickups, returns), in the order sent.

    Visits due the same day keep the order in which they were sent, which is all the queue order needs: ties in
    arrival time are broken by it, and equal times fall on the same day.
    """

    def __init__(self) -> None:
        self.chunks: list[_Arrivals] = []

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def add(self, v: _Arrivals) -> None:
        """Send visits (any days after the current block)."""
        if v.t.size:
            self.chunks.append(v)

    def take(self, stop: int) -> _Arrivals | None:
        """The visits due before day ``stop``, in the order sent; None when there are none."""
        if not self.chunks:
            return None
        whole = (
            self.chunks[0] if len(self.chunks) == 1 else _Arrivals(*map(np.concatenate, zip(*self.chunks, strict=True)))
        )
        due = day_of(whole.t) < stop
        if due.all():  # everything is due: the chunk as it is
            self.chunks = []
            return whole
        later = ~due
        self.chunks = [_Arrivals(*(x[later] for x in whole))] if later.any() else []
        return _Arrivals(*(x[due] for x in whole)) if due.any() else None


class _Engine:
    """One replication's state while it is computed day by day."""

    def __init__(self, scenario: Scenario, replication: int, seed: int) -> None:
        self.scenario, self.replication = scenario, replication
        self.tables: Tables = build_tables(scenario)
        self.calendars = offices_calendars(scenario)
        self.days = office_days(scenario, replication, seed, self.calendars)
        self._stations()
        days = scenario.run.days
        # per office and day, whether applicants and local visits are drawn
        self.applicant_days = np.array([d.applicant_days for d in self.days]).reshape(len(self.days), days)
        self.local_days = np.array([d.local_days for d in self.days]).reshape(len(self.days), days)
        # an intake-only scenario (no hukou provinces) never reads more than the first intake
        self.draw_columns = (*ATTEMPT, *_PER_APPLICANT) if scenario.provinces else ("intake",)
        expected = sum(d.expected_applicants for d in self.days)
        self.applicants = _Store(int(expected + 6 * math.sqrt(expected) + 4096))
        self.reject = np.array([p.reject_probability for p in scenario.provinces])
        self.door = Door(scenario, self.policy.size)
        self.epoch: Epoch | None = None  # the new arrivals of the days being served, gathered (:meth:`_new_arrivals`)
        self._start_dynamics()

    @cached_property
    def attempts(self) -> Attempts | None:
        """Every office's later attempts' tables (:func:`_attempt_tables`), built at the first later attempt."""
        return _attempt_tables([d.sampler.attempts_coded() for d in self.days])

    def _start_dynamics(self) -> None:
        """Everything the days change, as it is before the first day (the applicants' draws excepted)."""
        sc, offices, span = self.scenario, len(self.scenario.offices), self.tables.days
        stations = self.policy.size
        self.free, self.last = np.zeros((stations, self.most)), np.zeros(stations)  # servers' free times, minutes
        self.hints = np.zeros(stations, dtype=np.int64)  # the kernel's period lookups start here
        self.staff = _staff(self.servers, self.steps)
        self.pending = _Pending()
        self.inbox: list[tuple[Array, ...]] = []  # chunks of requests: (province, received, sent, id, k)
        self.visits, self.requests = _Table(VISIT_COLUMNS), _Table(REQUEST_COLUMNS)
        self.done: list[Array] = []
        self.queued, self.busy = _Levels(offices, span), _Levels(offices, span)
        self.reviewing = _Levels(len(sc.provinces), span)
        self.stage = _Levels(len(Stage), span)
        self.local_visits = np.zeros((offices, span), dtype=np.int64)
        self.local_wait = np.zeros((offices, span))
        self.arrived = np.zeros(offices, dtype=np.int64)  # window visits per office
        self.last_end = 0.0  # the latest service end at a window or kiosk, minutes
        if self.applicants.size:  # a loop retried with more room: the applicants drawn stay
            for name, value in _JOURNEY.items():
                self.applicants[name][: self.applicants.size] = value

    def _stations(self) -> None:
        """Offices' windows, then kiosks, then reviewers, as rows of the kernel's station arrays."""
        sc, t = self.scenario, self.tables
        offices = len(sc.offices)
        kiosk_of = [-1] * offices
        policy, servers, calendar = [], [], []
        steps: list[Steps] = []
        for o in sc.offices:
            policy.append(POLICIES[o.at_closing])
            servers.append(o.windows)
            steps.append(o.windows_from)
        calendar += t.office_calendar.tolist()
        for i, o in enumerate(sc.offices):
            if o.delivery == "kiosk":
                kiosk_of[i] = len(policy)
                policy.append(POLICIES["serve"])
                servers.append(o.kiosks)
                steps.append(())
                calendar.append(int(t.office_calendar[i]))
        self.first_reviewer = len(policy)
        for i, p in enumerate(sc.provinces):
            policy.append(HOLD)
            servers.append(p.reviewers)
            steps.append(p.reviewers_from)
            calendar.append(int(t.province_calendar[i]))
        self.kiosk_of = np.array(kiosk_of, dtype=np.int64)
        self.mailed = np.array([o.delivery == "mail" for o in sc.offices], dtype=np.bool_)
        self.office_of_station = np.array(list(range(offices)) + [i for i, k in enumerate(kiosk_of) if k >= 0])
        self.policy = np.array(policy, dtype=np.int64)
        self.servers, self.steps = servers, steps
        self.calendar = np.array(calendar, dtype=np.int64)
        self.most = max([*servers, *(n for row in steps for _, n in row), 1])  # servers a station can have

    # -- the day loop -------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Compute every day until nobody is left in the system.

        The windows take as many days at once as nothing can come back to them within (:meth:`_block_days`).
        """
        day, days = 0, self.scenario.run.days
        step = self._block_days()
        while day < days or self.pending or self.inbox:
            if day + step >= self.tables.days:
                raise RuntimeError("the run outlasts the fast engine's calendar tables")
            self._windows(range(day, day + step))
            self._review(day + step - 1)
            day += step

    def _block_days(self) -> int:
        """Days within which no decision can send anyone back to a window: the windows can take them at once.

        A decision on day ``d`` sends a revisit to a day at least ``max(1, floor(shortest revisit delay))``
        later, and a pickup at least ``max(1, ceil(shortest production) + floor(shortest shipping))`` later
        (calendar days are at least working days); a request decided in a block's pass reached the inbox within
        the block. Without hukou provinces nothing comes back at all.
        """
        sc = self.scenario
        if any(o.capped and o.turned_away.give_up < 1 for o in sc.offices):
            return 1  # a visitor turned away may come back the next day
        if not sc.provinces:
            return BLOCK_DAYS
        p = sc.production
        gaps = []
        if any(x.reject_probability > 0 for x in sc.provinces):
            gaps.append(max(1, math.floor(Distribution(p.revisit_after_days).lowest)))
        if any(o.delivery != "mail" for o in sc.offices):
            ready = math.ceil(Distribution(p.working_days).lowest) + math.floor(Distribution(p.shipping_days).lowest)
            gaps.append(max(1, ready))
        return min([BLOCK_DAYS, *gaps])

    def light(self) -> bool:
        """Whether the run is computed in one compiled loop: a journey, no admission caps, few visits a day.

        The blocks cost about a millisecond of calls each whatever their size, which the loop does not; the loop
        sorts each day's visits sent back and requests received by insertion, and keeps every visit of the run (local
        ones too) until it ends, which suits a few hundred visits a day, not a national run (docs/design.md).
        """
        if not self.scenario.provinces or self.door.any:
            return False
        days = max(self.scenario.run.days, 1)
        visits = sum(d.expected_applicants for d in self.days) * 2 + sum(d.expected_local_visits for d in self.days)
        return visits / days <= LOOP_VISITS_PER_DAY

    def loop_days(self) -> bool:
        """Compute the whole run in one compiled call, a day at a time (:func:`sim.model.fast.loop.run_days`).

        Returns
        -------
        bool
            Whether it did. If not (two visits sent back tie at a station, the run reaches past the tables, or it
            has no applicants), the state is spent and the caller computes the run in blocks.
        """
        new = self._new_by_day()
        if new is None or self.applicants.size == 0:  # no applicant: no journey, and the blocks are as quick
            return False
        n = self.applicants.size
        later = self._every_later_attempt()
        room = new.t.size + 3 * n + 1024
        for _ in range(3):
            self._start_dynamics()
            out, pending, scratch = _loop_room(room, n, len(self.scenario.offices), self.tables.days)
            try:
                code = loop.run_days(new, self._people(later), self._loop_stations(room), self._network(),
                                     self._levels(), out, pending, scratch, self.scenario.run.days,
                                     self._block_days())  # fmt: skip
            except (IndexError, RuntimeError):  # past the calendar tables: the blocks say so
                return False
            if code == loop.DONE:
                self._looped(out)
                return True
            if code != loop.FULL:
                return False
            room *= 4
        return False

    def _new_by_day(self) -> loop.New | None:
        """Every new arrival of the run by day, then in queue order (None when one falls after the arrival days)."""
        days, stations = self.scenario.run.days, self.policy.size
        whole: _Arrivals | None = None
        key = np.empty(0, dtype=np.int64)
        for chunk in self._new_arrivals(range(days)):  # each nearly in order; an earlier part first on ties
            part_key = day_of(chunk.t).astype(np.int64) * stations + chunk.station
            order = key_then_value(part_key, chunk.t)
            if _moved(order):  # (one office's chunks come in order)
                part, part_key = _Arrivals(*(x[order] for x in chunk)), part_key[order]
            else:
                part = chunk
            if whole is None:
                whole, key = part, part_key
                continue
            order = merged(key, whole.t, part_key, part.t)
            whole = _Arrivals(*(np.concatenate(c)[order] for c in zip(whole, part, strict=True)))
            key = np.concatenate((key, part_key))[order]
        if whole is None:
            whole = self._local_chunk(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
        if key.size and key[-1] >= days * stations:
            return None
        first = np.searchsorted(key, np.arange(days + 1) * stations).astype(np.int64)
        return loop.New(first, whole.station, whole.t, whole.who, whole.kind, whole.service)

    def _every_later_attempt(self) -> tuple[F64, I64, I64]:
        """Every attempt the applicants will make after those drawn with them: draws, first row, next row.

        A request is rejected when its attempt's ``reject_u`` is below the province's reject probability, whatever
        the times, so the attempts each applicant makes are known before the run: drawn here in rounds, one
        attempt deeper each (:class:`sim.model.fast.loop.People`).
        """
        a, n = self.applicants, self.applicants.size
        drawn = a["reject_u"].shape[1]  # attempts drawn with the applicant
        first = np.full(n, -1, dtype=np.int64)
        rows: list[F64] = [np.empty((0, len(ATTEMPT)))]
        following: list[I64] = [np.empty(0, dtype=np.int64)]
        ids = np.flatnonzero(a["province"][:n] >= 0)  # who makes attempt k - 1 (below), each round
        made, k = 0, 1
        while ids.size:  # ends: a reject probability is below 1 (validated)
            reject_u = a["reject_u"][ids, k - 1] if k - 1 < drawn else rows[-1][:, ATTEMPT.index("reject_u")]
            again = reject_u < self.reject[a["province"][ids]]
            ids = ids[again]  # who makes attempt k
            if k >= drawn:
                at = made + np.arange(ids.size)
                if k == drawn:
                    first[ids] = at
                else:
                    following[-1][again] = at  # the rows of attempt k - 1 point to these
                rows.append(self._later_attempts(ids, np.full(ids.size, k)))
                following.append(np.full(ids.size, -1, dtype=np.int64))
                made += ids.size
            k += 1
        return np.concatenate(rows), first, np.concatenate(following)

    def _people(self, later: tuple[F64, I64, I64]) -> loop.People:
        columns = dict(self.applicants.columns)
        columns["drawn"] = np.stack([columns[name] for name in ATTEMPT], axis=-1)
        columns["later"], columns["first_later"], columns["next_later"] = later
        return loop.People(*(columns[name] for name in loop.People._fields))

    def _loop_stations(self, room: int) -> loop.Stations:
        p = self.tables.periods
        gate = self.door.gate(np.zeros(room, dtype=np.int64), np.zeros(room, dtype=np.int64))
        return loop.Stations(self.policy, self.staff, self.free, self.last, self.calendar, p.starts, p.ends, p.lo, p.hi,
                             self.hints, gate, len(self.scenario.offices), self.first_reviewer)  # fmt: skip

    def _network(self) -> loop.Network:
        t, provinces = self.tables, self.scenario.provinces
        outages = [sorted(p.outages, key=lambda o: o.start) for p in provinces]
        bounds = np.cumsum([0] + [len(o) for o in outages]).astype(np.int64)
        down = np.array([o.start for row in outages for o in row], dtype=np.float64)
        up = np.array([o.end for row in outages for o in row], dtype=np.float64)
        return loop.Network(
            self.kiosk_of, self.mailed, t.office_calendar, t.shapes.of_day, t.shapes.starts, t.shapes.widths,
            t.shapes.cumulative, t.shapes.count, np.array([p.linked_from_minutes for p in provinces], dtype=np.float64),
            np.array([p.batch_cutoff_minutes for p in provinces], dtype=np.float64), self.reject.astype(np.float64),
            down, up, bounds[:-1], bounds[1:], t.next_working, t.working_before, t.working_list,
            float(self.scenario.production.batch_minutes),
        )  # fmt: skip

    def _levels(self) -> loop.Levels:
        q, b, r, s = self.queued, self.busy, self.reviewing, self.stage
        return loop.Levels(q.area, q.whole, b.area, b.whole, r.area, r.whole, s.area, s.whole)

    def _looped(self, out: loop.Out) -> None:
        """Keep the loop's records: visit rows and local counts, request rows, who finished, window visits."""
        visits, requests, finished = (int(x) for x in out.used[:3])
        solved = (out.v_start[:visits], out.v_end[:visits], out.v_wait[:visits], out.v_returns[:visits])
        self._record_visits(out.v_station[:visits], out.v_kind[:visits], out.v_who[:visits], out.v_t[:visits],
                            solved=solved, block=range(self.tables.days))  # fmt: skip
        who = out.r_who[:requests]
        self.requests.add(
            applicant=who, office=self.applicants["office"][who], province=out.r_province[:requests],
            attempt=out.r_attempt[:requests], sent=out.r_sent[:requests], received=out.r_received[:requests],
            start=out.r_start[:requests], decided=out.r_decided[:requests], approved=out.r_approved[:requests],
        )  # fmt: skip
        self.done = [out.finished[:finished]]
        self.arrived = out.arrived
        self.last_end = max(self.last_end, float(out.last_end[0]))

    def _windows(self, block: range) -> None:
        """Serve the block's arrivals (days in order) at the windows and kiosks, then hand intakes on."""
        parts = self._new_arrivals(range(block.start, min(block.stop, self.scenario.run.days)))
        due = self.pending.take(block.stop)
        if due is not None:
            parts.append(due)
        if not parts:
            return
        pickups = self._serve(_Arrivals(*(np.concatenate(c) for c in zip(*parts, strict=True))).sorted(), block)
        if pickups is not None:
            self._after_pickups(*pickups)

    def _serve(self, v: _Arrivals, block: range) -> tuple[I64, F64] | None:
        """Serve arrivals of the days of ``block``, in queue order, at the windows and kiosks; hand intakes on.

        Returns the applicants who came for their cards and when they left, or None if nobody did.
        """
        v = v._replace(service=self._intake_minutes(v))
        start, join, wait, returns, admitted = self._solve(v.station, v.t, v.service, v.kind)
        if self.door.any:
            v, start, join, wait, returns = self._through_door(v, admitted, (start, join, wait, returns))
            if v.t.size == 0:
                return None
        end = start + v.service
        self.last_end = max(self.last_end, float(end.max()))  # local visits count even when not kept
        self._record(_Served(v, start, end, wait, returns, block))
        window = _rows(v.station < len(self.scenario.offices))
        self.arrived += np.bincount(v.station[window], minlength=self.arrived.size)
        self.queued.add(v.station[window], join[window], start[window])
        self.busy.add(v.station[window], start[window], end[window])
        self._after_intakes(v, start, end)
        pickup = np.flatnonzero((v.kind == VisitKind.PICKUP) | (v.kind == VisitKind.KIOSK_PICKUP))
        return (v.who[pickup], end[pickup]) if pickup.size else None

    def _record(self, served: _Served) -> None:
        """Record served visits: rows, and the local visits' counts and waits."""
        v, start, end, wait, returns, block = served
        self._record_visits(v.station, v.kind, v.who, v.t, solved=(start, end, wait, returns), block=block)

    def _record_visits(
        self, station: I64, kind: I64, who: I64, t: F64, *, solved: tuple[F64, F64, F64, I64], block: range
    ) -> None:
        """Record visits by station, kind, applicant and arrival; ``solved``: their start, end, wait and returns."""
        start, end, wait, returns = solved
        arrived = day_of(t)
        local = kind == VisitKind.BACKGROUND
        at = _rows(local)  # indices: gathers by a mask cost about three times as much
        self._count_local(station[at], arrived[at], end[at], wait[at], block)
        keep = _rows(~local) if self.scenario.report.local_visit_records == "none" else slice(None)
        rows = {
            "office": self.office_of_station[station[keep]], "kind": kind[keep], "applicant": who[keep],
            "day": arrived[keep], "arrival": t[keep], "start": start[keep], "end": end[keep], "wait": wait[keep],
            "returns": returns[keep],
        }  # fmt: skip
        self.visits.add(**in_order(rows, visit_order(rows)))  # a block's visits end before the next block's

    def _count_local(self, office: I64, day: F64, end: F64, wait: F64, block: range) -> None:
        """Local visits and their waits by office and arrival day (of the block), summed in canonical order."""
        if office.size:  # each cell's waits summed by service end, ties in queue order: the canonical order
            add_local(office, day, end, wait, block.start, len(block), self.local_visits, self.local_wait)

    def _new_arrivals(self, days: range) -> list[_Arrivals]:
        """The days' new applicants (given ids in order of arrival) and local visits, as arrival chunks.

        Sliced from the :class:`~sim.model.fast.epoch.Epoch` that holds the days (every office's arrivals of
        :data:`~sim.model.fast.epoch.EPOCH_DAYS` days, gathered once). The chunks' order within the local visits
        does not matter, as the windows take visits sorted by station and time (:meth:`_Arrivals.sorted`); the new
        applicants' chunk comes first, so that they precede local visits at the same instant.
        """
        if self.door.any:
            return self._new_arrivals_at_doors(days)
        if len(days) == 0:
            return []
        epoch = self.epoch
        if epoch is None or not epoch.holds(days):
            stop = min(max(days.stop, days.start + EPOCH_DAYS), self.scenario.run.days)
            epoch = self.epoch = Epoch(range(days.start, stop), self.days, self.applicant_days, self.local_days,
                                       ("arrival", "province", "kind", *self.draw_columns))  # fmt: skip
        fresh = epoch.applicants_of(days)
        every = days == range(self.scenario.run.days)  # the loop: the run's applicants at once
        parts = [self._admitted(fresh, every=every)] if fresh is not None else []
        station, t, service = epoch.locals_of(days)
        if t.size:
            parts.append(self._local_chunk(station, t, service))
        return parts

    def _local_chunk(self, station: I64, t: F64, service: F64, who: I64 | None = None) -> _Arrivals:
        """Local visits as one arrival chunk: offices, times and service minutes.

        ``who``: a capped scenario's local visits keep their turn-away draws by number (-1 elsewhere, the default).
        """
        n = t.size
        kinds = np.full(n, VisitKind.BACKGROUND, dtype=np.int64)
        return _Arrivals(station, t, np.full(n, -1, dtype=np.int64) if who is None else who, kinds,
                         np.zeros(n, dtype=np.int64), service)  # fmt: skip

    def _new_arrivals_at_doors(self, days: range) -> list[_Arrivals]:
        """As :meth:`_new_arrivals` in a scenario with admission caps: each visitor with its turn-away draws."""
        blocks = [(i, d.day(day)) for day in days for i, d in enumerate(self.days)]
        parts: list[_Arrivals] = []
        fresh = [Drawn(i, b.draws, 0, b.draws.arrival.size) for i, b in blocks if b.draws.arrival.size]
        if fresh:
            parts.append(self._admit(fresh, [b.away for _, b in blocks if b.draws.arrival.size]))
        local = [(i, b) for i, b in blocks if b.background.size]
        if local:
            station = np.repeat(np.array([i for i, _ in local], dtype=np.int64), [b.background.size for _, b in local])
            who = self._local_numbers(station, [b.background_away for _, b in local])
            parts.append(self._local_chunk(station, np.concatenate([b.background for _, b in local]),
                                           np.concatenate([b.background_service for _, b in local]), who))  # fmt: skip
        return parts

    def _local_numbers(self, station: I64, away: list[F64]) -> I64:
        """Local visits of a capped scenario: their turn-away draws kept by number (``who``; -1 where uncapped)."""
        capped = self.door.capped[station]
        who = np.full(station.size, -1, dtype=np.int64)
        if capped.any():
            rows = np.concatenate([a for a in away if a.shape[0]])
            who[capped] = self.door.local.append({"away": rows})
            self.door.tally.persons += np.bincount(station[capped], minlength=self.door.offices)
        return who

    def _admit(self, fresh: list[Drawn], away: list[F64]) -> _Arrivals:
        """New applicants of a capped scenario's day: candidates in id order, with their turn-away draws."""
        block, order = gathered(fresh, ("arrival", "province", "kind", *self.draw_columns))
        rows = np.concatenate([a if a.shape[0] else np.full((d.stop - d.start, *a.shape[1:]), np.nan)
                               for a, d in zip(away, fresh, strict=True)])  # fmt: skip
        return self._candidates(block, rows if order is None else rows[order])

    def _admitted(self, block: dict[str, Array], *, every: bool = False) -> _Arrivals:
        """New applicants (columns in id order, :func:`~sim.model.fast.epoch.gathered`), stored with their draws.

        ``every``: they are every applicant of the run (:meth:`_Store.append`).
        """
        first = self.applicants.size
        self.applicants.append(block, _JOURNEY, every=every)
        n = block["office"].size
        ids = np.arange(first, first + n, dtype=np.int64)
        kinds = np.full(n, VisitKind.INTAKE, dtype=np.int64)
        return _Arrivals(block["office"], block["arrival"], ids, kinds, np.zeros(n, dtype=np.int64),
                         block["intake"][:, 0])  # fmt: skip

    def _intake_minutes(self, v: _Arrivals) -> F64:
        """Service minutes of visits: revisits take their attempt's intake (:meth:`_attempt_column`)."""
        rework = v.kind == VisitKind.REWORK
        if not rework.any():
            return v.service
        service = v.service.copy()
        rows = np.flatnonzero(rework)
        service[rows] = self._attempt_column("intake", v.who[rows], v.attempt[rows])
        return service

    def _solve(self, station: I64, t: F64, service: F64, kind: I64) -> tuple[F64, F64, F64, I64, Array]:
        """Run the kernel on visits in queue order; record the queued stretches that ended at a closing.

        Returns service starts, join times, minutes waited, times sent home and who was admitted (int8).
        """
        n = station.size
        out = np.empty((n, 3))
        returns = np.zeros(n, dtype=np.int64)
        capacity = 2 * n + 64
        while True:
            free, last = self.free.copy(), self.last.copy()
            staff = Staff(self.staff.servers.copy(), self.staff.at, self.staff.to, self.staff.next.copy())
            home = np.empty((capacity, 3))
            periods = self.tables.periods
            gate = self.door.gate(station, kind)
            used = solve_stations(
                station, t, service, self.policy, staff, free, last, self.calendar,
                periods.starts, periods.ends, periods.lo, periods.hi, self.hints, out, returns, home, gate,
            )  # fmt: skip
            if used >= 0:
                break
            if used == -2:
                self.door.widen()
            else:
                capacity *= 4
        self.free, self.last, self.staff = free, last, staff
        self.door.keep()
        if used:
            sent = home[:used]
            window = sent[:, 0] < len(self.scenario.offices)
            self.queued.add(sent[window, 0].astype(np.int64), sent[window, 1], sent[window, 2])
        return out[:, 1], out[:, 0], out[:, 2], returns, gate.admitted

    # -- the doors of capped offices --------------------------------------------------------------------------

    def _through_door(
        self, v: _Arrivals, admitted: Array, solved: tuple[F64, F64, F64, I64]
    ) -> tuple[_Arrivals, F64, F64, F64, I64]:
        """Turn away who was not admitted; admitted candidates become applicants (ids in order of admission).

        ``solved`` is the kernel's service starts, join times, waits and times sent home, per visit.
        """
        door = self.door
        start, join, wait, returns = solved
        capped = door.capped[v.station] & ((v.kind == VisitKind.INTAKE) | (v.kind == VisitKind.BACKGROUND))
        door.tally.admitted += np.bincount(v.station[capped & (admitted == 1)], minlength=door.offices)[: door.offices]
        away = admitted == 0
        if away.any():
            x = _Arrivals(*(c[away] for c in v))
            back, when = door.turn_away(self.tables, x.station, x.t, who=x.who, kind=x.kind, tries=x.attempt)
            if back.any():
                self._schedule(
                    _Arrivals(x.station[back], when, x.who[back], x.kind[back], x.attempt[back] + 1, x.service[back])
                )
            keep = ~away
            v = _Arrivals(*(c[keep] for c in v))
            start, join, wait, returns = start[keep], join[keep], wait[keep], returns[keep]
        who = v.who.copy()
        who[v.kind == VisitKind.BACKGROUND] = -1
        first = np.flatnonzero(v.kind == VisitKind.INTAKE)
        if first.size:
            first = first[np.lexsort((v.who[first], v.station[first], v.t[first]))]
            c = door.candidates
            block = {name: c[name][v.who[first]] for name in ("province", "kind", *self.draw_columns, "office")}
            block["arrival"] = v.t[first]
            self.applicants.append(block, _JOURNEY)
            who[first] = np.arange(self.applicants.size - first.size, self.applicants.size, dtype=np.int64)
        attempt = np.where(v.kind == VisitKind.INTAKE, 0, v.attempt)
        return v._replace(who=who, attempt=attempt), start, join, wait, returns

    def _candidates(self, block: dict[str, Array], away: F64) -> _Arrivals:
        """New applicants of a capped scenario: kept as candidates until admitted (``who`` is the candidate)."""
        n = block["office"].size
        rows = self.door.candidates.append({**block, "away": away})
        capped = self.door.capped[block["office"]]
        self.door.tally.persons += np.bincount(block["office"][capped], minlength=self.door.offices)
        kinds = np.full(n, VisitKind.INTAKE, dtype=np.int64)
        return _Arrivals(block["office"], block["arrival"], rows, kinds, np.zeros(n, dtype=np.int64),
                         block["intake"][:, 0])  # fmt: skip

    # -- the journey between stations ---------------------------------------------------------------------------

    def _after_intakes(self, v: _Arrivals, start: F64, end: F64) -> None:
        """Intakes hand requests to the links (or finish, intake-only)."""
        intake = np.flatnonzero((v.kind == VisitKind.INTAKE) | (v.kind == VisitKind.REWORK))
        if intake.size:
            ids, k, ended = v.who[intake], v.attempt[intake], end[intake]
            first = np.flatnonzero(v.kind[intake] == VisitKind.INTAKE)
            self.applicants["intake_end"][ids[first]] = ended[first]
            self.stage.add(int(Stage.WAITING), start=v.t[intake], end=start[intake])
            self.stage.add(int(Stage.IN_INTAKE), start=start[intake], end=ended)
            province = self.applicants["province"][ids]
            alone = province < 0
            if alone.any():
                self._finish(ids[alone], ended[alone])
            linked = _rows(~alone)
            self._send(ids[linked], k[linked], province[linked], ended[linked])

    def _after_pickups(self, ids: I64, end: F64) -> None:
        """Applicants who came for their cards leave with them at ``end``."""
        self.stage.add(int(Stage.AWAITING_PICKUP), start=self.applicants["card_ready"][ids], end=end)
        self._finish(ids, end)

    def _attempt_column(self, name: str, ids: I64, k: I64) -> F64:
        """An attempt's draw per request: drawn with the applicant, or from its sub-stream for a later attempt."""
        drawn = self.applicants[name]
        last = drawn.shape[1] - 1
        if k.size == 0 or k.max() <= last:
            return np.asarray(drawn[ids, k], dtype=np.float64)
        values: F64 = drawn[ids, np.minimum(k, last)]  # a copy: the later attempts' rows are overwritten next
        later = np.flatnonzero(k > last)
        values[later] = self._later_attempts(ids[later], k[later])[:, ATTEMPT.index(name)]
        return values

    def _later_attempts(self, ids: I64, k: I64) -> F64:
        """Shape (n, 6): the draws of attempts after those drawn with the applicants (one kernel call)."""
        a = self.applicants
        office, day, row, province = (a[name][ids] for name in ("office", "stream_day", "stream_row", "province"))
        if self.attempts is not None:
            return attempt_rows(self.attempts, office, day, row, k, province)
        out = np.empty((ids.size, len(ATTEMPT)))  # an office with an empirical distribution: office by office
        for i in np.unique(office).tolist():
            mine = np.flatnonzero(office == i)
            out[mine] = self.days[i].sampler.later_attempts(day[mine], row[mine], k[mine], province[mine])
        return out

    def _send(self, ids: I64, k: I64, province: I64, sent: F64) -> None:
        """Requests over their provinces' links into the reviewers' inboxes."""
        if ids.size == 0:
            return
        np.maximum.at(self.applicants["attempts"], ids, k + 1)
        self.inbox.append((province, self._links(ids, k, province, sent), sent, ids, k))

    def _links(self, ids: I64, k: I64, province: I64, sent: F64) -> F64:
        """When requests sent at ``sent`` reach their provinces' reviewers (:func:`link_arrival`), minutes."""
        latency = self._attempt_column("latency", ids, k)
        received = np.empty(ids.size)
        for p in np.unique(province).tolist():
            mine = province == p
            received[mine] = link_arrival(self.tables, self.scenario.provinces[p], sent[mine], latency[mine])
        return received

    def _review(self, day: int) -> None:
        """Reviewers serve every request that reaches their inbox before the end of ``day``, in inbox order.

        Every province's reviewers at once: their stations are solved in one kernel call, province by province.
        """
        if not self.inbox:
            return
        cutoff = (day + 1) * MINUTES_PER_DAY
        chunks = self.inbox
        province, received, sent, ids, k = (
            chunks[0] if len(chunks) == 1 else tuple(np.concatenate(c) for c in zip(*chunks, strict=True))
        )
        now = received < cutoff
        later = ~now
        self.inbox = [(province[later], received[later], sent[later], ids[later], k[later])] if later.any() else []
        if now.any():
            self._decide(province[now], received[now], sent[now], ids[now], k[now])

    def _decide(self, province: I64, received: F64, sent: F64, ids: I64, k: I64) -> None:
        """Decide requests: each province's in inbox order (received, then sent, then applicant id)."""
        order = inbox_order(province, received, sent, ids)
        province, received, sent, ids, k = province[order], received[order], sent[order], ids[order], k[order]
        review = self._attempt_column("review", ids, k)
        station = self.first_reviewer + province
        start, _, _, _, _ = self._solve(station, received, review, np.full(ids.size, VisitKind.REVIEW))
        decided = start + review
        approved = self._attempt_column("reject_u", ids, k) >= self.reject[province]
        office = self.applicants["office"][ids]
        rows = {"applicant": ids, "office": office, "province": province, "attempt": k, "sent": sent,
                "received": received, "start": start, "decided": decided, "approved": approved}  # fmt: skip
        self.requests.add(**in_order(rows, request_order(rows)))
        self.reviewing.add(province, start, decided)
        self.stage.add(int(Stage.IN_VERIFICATION), start=sent, end=decided)
        no = np.flatnonzero(~approved)
        if no.size:
            self._revisit(ids[no], k[no], office[no], decided[no])
        if no.size < ids.size:
            yes = _rows(approved)
            self._produce(ids[yes], office[yes], decided[yes])

    def _revisit(self, ids: I64, k: I64, office: I64, decided: F64) -> None:
        """Rejected: back with documents after the drawn delay, on an open day after the decision's."""
        target = decided + self._attempt_column("revisit_days", ids, k) * MINUTES_PER_DAY
        u = self._attempt_column("revisit_u", ids, k)
        back = self._open_times(office, target, u, next_midnight(decided))
        self.stage.add(int(Stage.AWAITING_REVISIT), start=decided, end=back)
        np.add.at(self.applicants["visits"], ids, 1)
        kinds = np.full(ids.size, VisitKind.REWORK, dtype=np.int64)
        self._schedule(_Arrivals(office, back, ids, kinds, k + 1, np.full(ids.size, np.nan)))

    def _produce(self, ids: I64, office: I64, decided: F64) -> None:
        """Approved: production batch, working days, shipping; then a pickup visit, or the card by mail."""
        a = self.applicants
        a["decided"][ids] = decided
        produced, card_ready, comes = self._made(ids, office, decided)
        a["card_ready"][ids] = card_ready
        self.stage.add(int(Stage.IN_PRODUCTION), start=decided, end=produced)
        self.stage.add(int(Stage.IN_TRANSIT), start=produced, end=card_ready)
        mail = self.mailed[office]
        if mail.any():
            self._finish(ids[mail], card_ready[mail])
        if mail.all():
            return
        come = _rows(~mail)
        ids, office, comes = ids[come], office[come], comes[come]
        a["visits"][ids] += 1  # one approval per applicant
        kiosk = self.kiosk_of[office]
        station = np.where(kiosk >= 0, kiosk, office)
        kinds = np.where(kiosk >= 0, VisitKind.KIOSK_PICKUP, VisitKind.PICKUP).astype(np.int64)
        self._schedule(
            _Arrivals(station, comes, ids, kinds, np.zeros(ids.size, dtype=np.int64), a["pickup_minutes"][ids])
        )

    def _made(self, ids: I64, office: I64, decided: F64) -> tuple[F64, F64, F64]:
        """When approved cards are produced and ready, and when their applicants come for them (NaN: mailed)."""
        a = self.applicants
        batch = next_working_time(self.tables, decided, self.scenario.production.batch_minutes)
        produced = add_working_days(self.tables, batch, np.ceil(a["production_days"][ids]).astype(np.int64))
        card_ready = produced + a["shipping_days"][ids] * MINUTES_PER_DAY
        comes = np.full(ids.size, np.nan)
        come = np.flatnonzero(~self.mailed[office])
        if come.size:
            who, ready = ids[come], card_ready[come]
            target = ready + a["pickup_days"][who] * MINUTES_PER_DAY
            floor = np.maximum(ready, next_midnight(decided[come]))
            comes[come] = self._open_times(office[come], target, a["pickup_u"][who], floor)
        return produced, card_ready, comes

    def _open_times(self, office: I64, target: F64, u: F64, floor: F64) -> F64:
        shapes = self.tables.shapes
        row = self.tables.office_calendar[office]
        return open_times(row, target, u, floor, shapes.of_day, shapes.starts, shapes.widths, shapes.cumulative,
                          shapes.count)  # fmt: skip

    def _schedule(self, v: _Arrivals) -> None:
        """Arrivals at windows or kiosks on later days."""
        self.pending.add(v)

    def _finish(self, ids: I64, t: F64) -> None:
        self.applicants["in_hand"][ids] = t
        self.done.append(ids)

    # -- records --------------------------------------------------------------------------------------------------

    def collect(self) -> ReplicationResult:
        """Check that everyone finished once and gather the records."""
        sc = self.scenario
        n = self.applicants.size
        finished = np.concatenate(self.done) if self.done else np.empty(0, dtype=np.int64)
        if finished.size != n or (n and np.bincount(finished, minlength=n).max() != 1):
            raise ConservationError(f"{n} applicants arrived but {finished.size} finished, not each once")
        for name in (*ATTEMPT, *_PER_APPLICANT):  # the draws are spent: make room for the tables
            self.applicants.columns.pop(name, None)
        visits, requests = self.visits.take(), self.requests.take()
        applicants = self._applicant_table()
        visits, applicants, requests = canonical(visits, applicants, requests)
        end = max(end_of_run(visits, applicants, requests), self.last_end, self.door.tally.last)
        days = max(sc.run.days, int(end // MINUTES_PER_DAY) + 1)
        offices, provinces = len(sc.offices), len(sc.provinces)
        self.stage.add(int(Stage.DONE), start=applicants["in_hand"], end=np.full(n, end))
        self.door.tally.check()
        turned, returned, gave_up = self.door.tally.tables(days)
        return ReplicationResult(
            replication=self.replication,
            visits=visits,
            applicants=applicants,
            requests=requests,
            queue_area=self.queued.areas(days),
            busy_area=self.busy.areas(days),
            open_minutes=self._open_minutes(self.tables.office_calendar, days),
            reviewer_busy=self.reviewing.areas(days),
            reviewer_open=self._open_minutes(self.tables.province_calendar, days),
            wip_area=self.stage.areas(days),
            forgone=np.array([d.forgone for d in self.days]).reshape(offices, sc.run.days),
            forgone_origin=np.array([d.forgone_origin for d in self.days]).reshape(offices, provinces),
            local_visits=self.local_visits[:, :days].copy(),
            local_wait=self.local_wait[:, :days].copy(),
            stages=tuple(StageCounts(int(x), int(x), 0, 0, 0) for x in self.arrived),
            end_minutes=end,
            turned_away=turned,
            returned=returned,
            given_up=gave_up,
        )

    def _open_minutes(self, rows: I64, days: int) -> F64:
        """Shape (rows, days): minutes each calendar of ``rows`` is open per day, from the tables' periods.

        A day's periods are summed in order, as :meth:`~sim.world.calendar.Calendar.open_minutes` sums them.
        """
        p = self.tables.periods
        table = {}
        for c in set(rows.tolist()):
            start, end = p.starts[p.lo[c] : p.hi[c]], p.ends[p.lo[c] : p.hi[c]]
            day = day_of(start).astype(np.int64)
            within = day < days
            table[c] = np.bincount(day[within], weights=(end - start)[within], minlength=days)[:days]
        return np.array([table[c] for c in rows.tolist()], dtype=np.float64).reshape(rows.size, days)

    def _applicant_table(self) -> dict[str, Array]:
        a, n = self.applicants, self.applicants.size
        if n == 0:
            return {name: np.empty(0, dtype=dtype) for name, dtype in APPLICANT_COLUMNS.items()}
        arrival = a["arrival"][:n]
        attempts = a["attempts"][:n]
        promised = self.scenario.production.promised_working_days
        promise = np.full(n, math.nan)
        tried = attempts > 0  # the promise applies to those whose request was reviewed
        if tried.any():
            promise[tried] = add_working_days(self.tables, arrival[tried], np.full(int(tried.sum()), promised))
        columns: dict[str, Array] = {
            "applicant": np.arange(n),
            "office": a["office"][:n],
            "province": a["province"][:n],
            "origin_kind": a["kind"][:n],
            "day": day_of(arrival),
            "arrival": arrival,
            "intake_end": a["intake_end"][:n],
            "decided": a["decided"][:n],
            "card_ready": a["card_ready"][:n],
            "in_hand": a["in_hand"][:n],
            "promise": promise,
            "visits": a["visits"][:n],
            "attempts": attempts,
        }
        return {name: columns[name].astype(dtype, copy=False) for name, dtype in APPLICANT_COLUMNS.items()}


def _staff(servers: list[int], steps: list[Steps]) -> Staff:
    """The kernel's staffing state at the run's start: servers per station and their steps, padded with inf."""
    width = max([len(row) for row in steps] + [0]) + 1
    at = np.full((len(servers), width), np.inf)
    to = np.zeros((len(servers), width), dtype=np.int64)
    for row, station_steps in enumerate(steps):
        for k, (moment, count) in enumerate(station_steps):
            at[row, k], to[row, k] = moment, count
    return Staff(np.array(servers, dtype=np.int64), at, to, np.zeros(len(servers), dtype=np.int64))


def _attempt_tables(offices: list[Attempts | None]) -> Attempts | None:
    """Every office's attempt draws, for one :func:`~sim.world.day_kernels.attempt_rows` call.

    None when an office has an empirical distribution: each office then draws alone, with NumPy.
    """
    if not offices or any(o is None for o in offices):
        return None
    known = [o for o in offices if o is not None]
    first = known[0]
    return Attempts(np.concatenate([o.keys for o in known]), np.concatenate([o.intake for o in known]),
                    first.review, first.latency, first.revisit)  # fmt: skip


def _loop_room(room: int, applicants: int, offices: int, days: int) -> tuple[loop.Out, loop.Pending, loop.Scratch]:
    """Room for :func:`sim.model.fast.loop.run_days`: ``room`` visits, a request and a half per applicant."""
    requests = room // 2 + applicants + 1024
    i, f = np.int64, np.float64
    out = loop.Out(
        np.empty(room, i), np.empty(room, i), np.empty(room, i), np.empty(room, f), np.empty(room, f),
        np.empty(room, f), np.empty(room, f), np.empty(room, i),
        np.empty(requests, i), np.empty(requests, i), np.empty(requests, i), np.empty(requests, f),
        np.empty(requests, f), np.empty(requests, f), np.empty(requests, f), np.empty(requests, np.bool_),
        np.empty(requests, i), np.empty(applicants + 1024, i), np.zeros(offices, i), np.zeros(3, i), np.zeros(1, f),
    )  # fmt: skip
    pending = loop.Pending(
        np.empty(room, i), np.empty(room, f), np.empty(room, i), np.empty(room, i), np.empty(room, i),
        np.empty(room, f), np.empty(room, i), np.empty(room, i), np.full(days, -1, i), np.full(days, -1, i),
        np.zeros(3, i),
    )  # fmt: skip
    scratch = loop.Scratch(
        np.empty(room, i), np.empty(room, f), np.empty(room, f), np.empty(room, i), np.empty((room, 3)),
        np.empty(room, i), np.empty((room + 64, 3)), np.empty(max(room, requests), i), np.empty(room, i),
        np.empty(room, f),
    )  # fmt: skip
    return out, pending, scratch


def _moved(order: I64) -> bool:
    """Whether a sort's ``order`` moves any row (is not ``0, 1, 2, ...``)."""
    return bool(order.size > 1 and np.any(order[1:] <= order[:-1]))


def _rows(mask: NDArray[np.bool_]) -> I64 | slice:
    """The rows where ``mask`` holds, as indices, or all of them as a slice (a view: nothing copied)."""
    rows = np.flatnonzero(mask)
    return slice(None) if rows.size == mask.size else rows
