"""One office's arrivals, a day at a time: its applicants with all their draws, and its local ID visits.

Both engines read the same blocks, so they simulate the same people: the day's candidates are drawn at the
schedule-free ceiling rate and thinned to the schedule's own rate (migrant demand), or drawn at the office's fixed
daily volume; local ID business (background) comes from the office-day's own stream. An office-day uses two
streams (:class:`~sim.world.streams.DayStreams`): one for its applicants (count, times, origins, thinning and every
draw about them, in that order) and one for its local visits (count, times, service), so neither depends on the
other. Which days are open, their intensity shapes and expected volumes are computed for all days when the office
is built. On a day when no candidate could be kept (no origin has a local volume yet) none is drawn: nothing else
reads that stream. Forgone applications are only counted: each day's, by hukou province, from the office's own
forgone stream of that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Demand, Scenario
from sim.world.arrivals import DayShape, day_shape, sample_day
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.day_kernels import Coded, Knots, Office, applicant_days, background_days, coded, forgone_days
from sim.world.demand import OfficeVolumes, day_weights, office_volumes, volumes_of
from sim.world.distributions import Distribution, FloatArray
from sim.world.draws import NO_DRAWS, ApplicantDraws, ApplicantSampler
from sim.world.held import by_identity
from sim.world.philox import new_states
from sim.world.schedule import enabled_days, pilot_share
from sim.world.streams import DayStreams, Source, stream_key, stream_keys
from sim.world.turned_away import NONE, TurnAwaySampler

_NONE: FloatArray = np.empty(0)
_NOTHING: NDArray[np.int64] = np.zeros(1, dtype=np.int64)
_NO_ROWS: FloatArray = np.empty((1, 0))  # the thinning rows of an office without migrant demand
BLOCK_DAYS = 64
"""Days whose local visits are drawn in one compiled call (:mod:`sim.world.day_kernels`)."""


@dataclass(frozen=True)
class DayArrivals:
    """One office-day's arrivals.

    Attributes
    ----------
    draws : ApplicantDraws
        The day's applicants (arrival times sorted, minutes) and everything drawn about them.
    background : numpy.ndarray
        Arrival times of local ID visits, minutes, sorted.
    background_service : numpy.ndarray
        Their service minutes.
    away, background_away : numpy.ndarray
        Shape (applicants or local visits, RETURNS, 3): what each does if turned away
        (:mod:`sim.world.turned_away`); no rows at an office without a cap.
    """

    draws: ApplicantDraws
    background: FloatArray
    background_service: FloatArray
    away: FloatArray = field(default_factory=lambda: NONE)
    background_away: FloatArray = field(default_factory=lambda: NONE)


@lru_cache(maxsize=16)
def day_shapes(
    calendar: Calendar, days: int, hour_profile: tuple[float, ...]
) -> tuple[NDArray[np.int64], list[DayShape]]:
    """Per day, which of the calendar's distinct day shapes it has, and those shapes (one per distinct periods).

    Offices that share a calendar (:func:`~sim.world.calendar.shared_calendars`) share the result: a national run
    has 341 offices and about 1,000 days. The array is read-only.

    Parameters
    ----------
    calendar
        The offices' calendar.
    days
        Days from the calendar's start.
    hour_profile
        The arrival intensity's hour weights (:class:`~sim.scenario.schema.Demand`).
    """
    known: dict[tuple[tuple[float, float], ...], int] = {}
    shape_of = np.array([known.setdefault(_day_periods(calendar, d), len(known)) for d in range(days)], dtype=np.int64)
    shape_of.setflags(write=False)
    return shape_of, [day_shape(periods, hour_profile) for periods in known]


class _CalendarDays(NamedTuple):
    """What the offices of one calendar share about its days (read-only)."""

    shape_of: NDArray[np.int64]
    shapes: list[DayShape]
    knots: Knots
    weight: FloatArray
    come: NDArray[np.bool_]


@by_identity
def _calendar_days(calendar: Calendar, demand: Demand, days: int) -> _CalendarDays:
    """Per day: its intensity shape (:func:`day_shapes`), weekday weight, and whether anyone can come."""
    shape_of, shapes = day_shapes(calendar, days, demand.hour_profile)
    come = ~np.array([s.empty for s in shapes], dtype=bool)[shape_of] if days else np.zeros(0, bool)
    come.setflags(write=False)
    return _CalendarDays(shape_of, shapes, Knots(shapes), day_weights(demand, calendar, days), come)


_coded = by_identity(coded)
"""A service distribution coded for the kernels, once per distribution object."""


_SOURCES = (Source.FORGONE, Source.BACKGROUND)
"""The streams an office's :class:`OfficeDays` keeps a state of, in the order of its ``states`` rows."""


@lru_cache(maxsize=4)
def _no_rows(days: int) -> NDArray[np.int64]:
    """``days`` times -1, read-only: the thinning rows of an office that draws no applicant."""
    rows = np.full(days, -1, dtype=np.int64)
    rows.setflags(write=False)
    return rows


def _day_periods(calendar: Calendar, day: int) -> tuple[tuple[float, float], ...]:
    """The day's opening periods, minutes since its 00:00."""
    start = day * MINUTES_PER_DAY
    return tuple((a - start, b - start) for a, b in calendar.periods(day))


class OfficeDays:
    """The arrivals of one office in one replication, day by day.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication, seed
        Select the streams.
    index
        Office index.
    calendar
        The office's calendar.
    enabled, pilot_share
        Migrant demand only: enabling day per (province, origin kind, city) and the pilot-city shares.
    volumes
        Migrant demand only: the office's volumes, when computed with other offices' (:func:`office_days`);
        else computed from ``enabled`` and ``pilot_share``.
    states
        Shape (2, :data:`~sim.world.philox.STATE`): the office's forgone and local-visit streams (rows of every
        office's, made at once by :func:`office_days`); else made here.

    Attributes
    ----------
    sampler : ApplicantSampler
        Draws the office's applicants (and their attempts after the first, when they happen).
    forgone : numpy.ndarray
        Shape (days,): applications forgone (made in the hukou province) per arrival day.
    forgone_origin : numpy.ndarray
        Shape (provinces,): forgone applications by hukou province.
    migrant : bool
        Whether the applicants come from migrant demand (thinned candidates).
    expected_local : numpy.ndarray
        Migrant demand: shape (provinces, 2 origin kinds), expected applicants over the run; else empty.
    expected_applicants : float
        Expected applicants over the run (a capacity hint for the engines).
    expected_local_visits : float
        Expected local ID visits over the run.
    applicant_days, local_days : numpy.ndarray
        Per day, whether :meth:`applicants` or :meth:`local_visits` can give anyone (on other days they give
        nobody and draw nothing).
    """

    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        seed: int,
        index: int,
        *,
        calendar: Calendar,
        enabled: NDArray[np.float64] | None,
        pilot_share: NDArray[np.float64],
        volumes: OfficeVolumes | None = None,
        states: NDArray[np.uint64] | None = None,
    ) -> None:
        self.scenario, self.replication, self.seed, self.index = scenario, replication, seed, index
        self.spec = spec = scenario.offices[index]
        self.calendar = calendar
        days = scenario.run.days
        geo, demand = scenario.geography, scenario.migrant_demand
        if volumes is None and demand is not None and geo is not None and enabled is not None:
            volumes = office_volumes(geo, demand, scenario.demand, city=spec.city, calendar=calendar, days=days,
                                     enabled=enabled, pilot_share=pilot_share)  # fmt: skip
        # per day: which intensity shape (one per distinct opening periods), expected candidates and local visits
        days_of = _calendar_days(calendar, scenario.demand, days)
        if states is None:
            states = new_states(np.stack([stream_key(seed, replication, source, index) for source in _SOURCES]))
        self._shape_of, self._shapes, self._knots = days_of.shape_of, days_of.shapes, days_of.knots
        self.migrant = volumes is not None
        if volumes is None:
            self.forgone, self.forgone_origin = np.zeros(days), np.zeros(len(scenario.provinces))
            expected = np.where(days_of.come, spec.applicants_per_day * days_of.weight, 0.0)
            self.expected_local = np.zeros((0, 2))
        else:
            # forgone applications are only counted: each day's, by hukou province, from the day's stream
            self.forgone, self.forgone_origin = forgone_days(states[0], volumes.forgone_day, days)
            # candidates at the ceiling; none is drawn on a day when none could be kept (nothing else reads them)
            expected = np.where(volumes.local_any & days_of.come, volumes.ceiling_day, 0.0)
            self.expected_local = volumes.expected_local
        expected[~(expected > 0)] = 0.0
        self._expected = expected
        # a capacity hint
        self.expected_applicants = float(expected.sum()) if volumes is None else volumes.expected_total
        self.applicant_days = expected > 0
        # the thinning rows of the days that draw anything, and nothing else: a national run has 341 offices
        active = np.flatnonzero(self.applicant_days)
        self._row = _no_rows(days)
        if active.size:
            self._row = self._row.copy()
            self._row[active] = np.arange(active.size)
        if volumes is not None:
            self._ceiling = volumes.ceiling.reshape(days, -1)[active]  # (active days, provinces x 2 origin kinds)
            self._local = volumes.local.reshape(days, -1)[active]
        self._background_expected = np.where(days_of.come, spec.background_per_day * days_of.weight, 0.0)
        self.local_days = self._background_expected > 0
        self.expected_local_visits = float(self._background_expected.sum())
        self._background_code = _coded(spec.background_minutes)
        self._background_state = states[1]
        self._block: tuple[range, FloatArray, FloatArray, NDArray[np.int64]] = (range(0), _NONE, _NONE, _NOTHING)
        self._applicant_block: tuple[range, ApplicantDraws, NDArray[np.int64]] = (range(0), NO_DRAWS, _NOTHING)
        self.turn_away = TurnAwaySampler(spec.turned_away) if spec.capped else None
        self._away_streams: tuple[DayStreams, ...] = (
            (DayStreams(seed, replication, Source.TURNED_AWAY, index),
             DayStreams(seed, replication, Source.TURNED_AWAY_LOCAL, index)) if spec.capped else ()
        )  # fmt: skip

    @cached_property
    def background_minutes(self) -> Distribution:
        """The local visits' service minutes (drawn with NumPy when the distribution is empirical)."""
        return Distribution(self.spec.background_minutes)

    @cached_property
    def _background_streams(self) -> DayStreams:
        """The local visits' day streams, for drawing them with NumPy (:meth:`_numpy_background`)."""
        return DayStreams(self.seed, self.replication, Source.BACKGROUND, self.index)

    @cached_property
    def sampler(self) -> ApplicantSampler:
        """Draws the office's applicants; built when first asked for (offices that draw none never build it)."""
        scenario = self.scenario
        return ApplicantSampler(self.seed, self.replication, self.index, office=self.spec,
                                provinces=scenario.provinces, production=scenario.production)  # fmt: skip

    @cached_property
    def _coded(self) -> Office | None:
        return self.sampler.coded()

    def shape(self, day: int) -> DayShape:
        """The day's arrival intensity over the office's opening periods."""
        if 0 <= day < self._shape_of.size:
            return self._shapes[int(self._shape_of[day])]
        return day_shape(_day_periods(self.calendar, day), self.scenario.demand.hour_profile)

    def day(self, day: int) -> DayArrivals:
        """Sample the day's applicants and local visits (``day`` below the scenario's arrival days)."""
        draws = self.applicants(day)
        times, service = self._background(day) if self._background_expected[day] > 0 else (_NONE, _NONE)
        if self.turn_away is None:
            return DayArrivals(draws, times, service)
        away = self.turn_away.draw(self._away_streams[0].day(day), draws.arrival.size) if draws.arrival.size else NONE
        local = self.turn_away.draw(self._away_streams[1].day(day), times.size) if times.size else NONE
        return DayArrivals(draws, times, service, away, local)

    def local_visits(self, days: range) -> tuple[FloatArray, FloatArray]:
        """The local visits of consecutive days, in day order: arrival times (minutes) and service minutes.

        The visits :meth:`day` gives day by day, for an office without an admission cap (a capped office's visits
        come with their turn-away draws, from :meth:`day`).
        """
        times, service = [], []
        day = days.start
        while day < days.stop:
            if self._background_expected[day] <= 0:
                day += 1
                continue
            if self._background_code is None:
                t, s = self._numpy_background(day)
                stop = day + 1
            else:  # the rest of the days in the same block, at once
                block, t, s, offsets = self._block_of(day, self._background_code)
                stop = min(days.stop, block.stop)
                rows = slice(offsets[day - block.start], offsets[stop - block.start])
                t, s = t[rows], s[rows]
            times.append(t)
            service.append(s)
            day = stop
        return _joined(times), _joined(service)

    def _background(self, day: int) -> tuple[FloatArray, FloatArray]:
        """The day's local visits: arrival times (minutes, sorted) and service minutes.

        Drawn :data:`BLOCK_DAYS` days at a time by the compiled kernel, or, for an empirical service distribution,
        a day at a time with NumPy; the numbers are the same either way.
        """
        if self._background_code is None:
            return self._numpy_background(day)
        days, times, service, offsets = self._block_of(day, self._background_code)
        k = day - days.start
        rows = slice(offsets[k], offsets[k + 1])
        return times[rows], service[rows]

    def _block_of(self, day: int, code: Coded) -> tuple[range, FloatArray, FloatArray, NDArray[np.int64]]:
        """The block of days holding ``day``, drawn from ``day`` on when it is not the current one.

        Returns the block's days, its local visits' times and service minutes (``code`` is the service
        distribution, coded), and each day's first row (offsets).
        """
        if day not in self._block[0]:
            days = range(day, min(day + BLOCK_DAYS, self._shape_of.size))
            times, service, offsets = background_days(
                self._background_state, np.arange(days.start, days.stop), self._background_expected,
                self._shape_of, self._knots.knots, self._knots.count, code,
            )  # fmt: skip
            self._block = days, times, service, offsets
        return self._block

    def _numpy_background(self, day: int) -> tuple[FloatArray, FloatArray]:
        """:meth:`_background` drawn with NumPy, a day at a time."""
        rng = self._background_streams.day(day)
        times = sample_day(rng, self._background_expected[day], self._shapes[self._shape_of[day]],
                           day * MINUTES_PER_DAY)  # fmt: skip
        return times, self.background_minutes.sample(rng, times.size)

    def applicants(self, day: int) -> ApplicantDraws:
        """The day's applicants (candidates thinned to the schedule's rate under migrant demand).

        Sliced from the block of days the compiled kernel draws at once (:meth:`applicant_parts`), or drawn with
        NumPy when one of the office's distributions is empirical; the numbers are the same either way.
        """
        parts = self.applicants_over(range(day, day + 1))
        return parts[0] if parts else NO_DRAWS

    def applicants_over(self, days: range) -> list[ApplicantDraws]:
        """The applicants of consecutive days, as :meth:`applicants` gives them day by day (:meth:`applicant_parts`)."""
        return [d if (start, stop) == (0, d.arrival.size) else d.rows(start, stop)
                for d, start, stop in self.applicant_parts(days)]  # fmt: skip

    def applicant_parts(self, days: range) -> list[tuple[ApplicantDraws, int, int]]:
        """The applicants of consecutive days, as parts: rows ``start:stop`` of some draws, end to end.

        The compiled kernel draws at least :data:`BLOCK_DAYS` days at a time, and a request within the block drawn
        last is sliced from it: one part. An office with an empirical distribution draws with NumPy, one part per
        day that has anyone.
        """
        coded = self._coded
        if coded is None:
            chosen = np.flatnonzero(self.applicant_days[days.start : days.stop]) + days.start
            parts = [self._numpy_applicants(int(day), float(self._expected[day])) for day in chosen]
            return [(p, 0, p.arrival.size) for p in parts if p.arrival.size]
        held, drawn, on = self._applicant_block
        if days.start not in held or days.stop > held.stop:
            held = range(days.start, min(max(days.stop, days.start + BLOCK_DAYS), self._expected.size))
            drawn, on = self._draw_applicants(held, coded)
            self._applicant_block = held, drawn, on
        start, stop = np.searchsorted(on, (days.start, days.stop)).tolist()
        return [(drawn, int(start), int(stop))] if stop > start else []

    def _draw_applicants(self, days: range, coded: Office) -> tuple[ApplicantDraws, NDArray[np.int64]]:
        """The applicants of ``days`` in one kernel call, and each one's day."""
        chosen = np.flatnonzero(self.applicant_days[days.start : days.stop]) + days.start
        if chosen.size == 0:
            return NO_DRAWS, _NOTHING[:0]
        ceiling, local = (self._ceiling, self._local) if self.migrant else (_NO_ROWS, _NO_ROWS)
        drawn = applicant_days(self.sampler.state, chosen, self._expected, self._shape_of, self._knots.knots,
                               self._knots.count, coded, self.migrant, ceiling, local, self._row)  # fmt: skip
        times, province, kind, columns, rows, on = drawn
        return self.sampler.assembled(times, province, kind, columns, rows=rows, days=on), on

    def _numpy_applicants(self, day: int, expected: float) -> ApplicantDraws:
        """:meth:`applicants` drawn with NumPy, a few calls per day."""
        rng = self.sampler.streams.day(day)
        shape, start = self._shapes[self._shape_of[day]], day * MINUTES_PER_DAY
        if not self.migrant:
            return self.sampler.draw(sample_day(rng, expected, shape, start), rng, day)
        # candidates at the schedule-free ceiling rate, each kept with probability local / ceiling of its origin
        times = sample_day(rng, expected, shape, start)
        if times.size == 0:
            return NO_DRAWS
        u = rng.random((2, times.size))  # origin, thinning
        row = self._row[day]
        ceiling = self._ceiling[row]  # (provinces x 2 origin kinds)
        cumulative = ceiling.cumsum()
        # what Generator.choice(p=ceiling / expected) does, without its checks
        category = cumulative.searchsorted(u[0] * cumulative[-1], side="right")
        np.minimum(category, ceiling.size - 1, out=category)
        keep = u[1] * ceiling[category] < self._local[row][category]
        return self.sampler.draw(times, rng, day, origins=category, keep=keep)


def _joined(parts: list[FloatArray]) -> FloatArray:
    """The parts end to end (the one part itself when there is one)."""
    if not parts:
        return _NONE
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def office_days(scenario: Scenario, replication: int, seed: int, calendars: list[Calendar]) -> list[OfficeDays]:
    """Every office's :class:`OfficeDays` (``calendars``: each office's), their demand volumes computed together.

    What both engines build a replication from.
    """
    geo, spec, days = scenario.geography, scenario.migrant_demand, scenario.run.days
    enabled = enabled_days(geo, scenario.phases) if geo is not None else None
    share = pilot_share(geo) if geo is not None else np.zeros(0)
    volumes: Iterable[OfficeVolumes | None] = [None] * len(scenario.offices)
    if geo is not None and spec is not None and enabled is not None:
        cities = [o.city for o in scenario.offices]  # a chunk of offices' volumes at a time: each keeps what it needs
        volumes = volumes_of(geo, spec, scenario.demand, cities=cities, calendars=calendars, days=days,
                             enabled=enabled, pilot_share=share)  # fmt: skip
    offices = len(scenario.offices)  # every office's streams at once
    states = np.stack([new_states(stream_keys(seed, replication, s, offices)) for s in _SOURCES], axis=1)
    return [
        OfficeDays(
            scenario, replication, seed, i, calendar=c, enabled=enabled, pilot_share=share, volumes=v, states=states[i]
        )
        for i, (c, v) in enumerate(zip(calendars, volumes, strict=True))
    ]
