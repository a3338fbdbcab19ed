"""Many office-days' draws in one compiled call, equal bit for bit to the day-by-day NumPy draws.

:mod:`sim.world.office_day` draws each office-day from its own stream with a handful of NumPy calls; a national run
has about half a million office-days, and the calls' overhead, not the numbers, was most of the cost. The kernels
here draw a block of days at once from the same streams (:mod:`sim.world.philox`) in the same order and with the
same arithmetic, so every number is the one the NumPy code draws (``tests/test_day_kernels.py``):

- :func:`background_days`: the local ID visits of each day (:func:`sim.world.arrivals.sample_day`, then the
  service minutes);
- :func:`applicant_day`: one day's applicants with every draw about them (``OfficeDays.applicants`` and
  :meth:`sim.world.draws.ApplicantSampler.draw`);
- :func:`attempt_rows`: the draws of attempts after the first, from each candidate's own sub-stream, when they
  happen (:meth:`sim.world.draws.ApplicantSampler.later_attempts`).

A distribution enters as a code and three parameters (:func:`coded`); the empirical distribution is not compiled
(NumPy's ``choice``), and an office that draws from one keeps the NumPy path.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.scenario.schema import DistSpec
from sim.world.arrivals import DayShape
from sim.world.borrow import borrowed
from sim.world.distributions import Distribution
from sim.world.philox import (
    STATE,
    at_attempt,
    at_day,
    next_double,
    poisson,
    standard_exponential,
    standard_gamma,
    standard_normal,
)
from sim.world.philox import triangular as numpy_triangular

LOGNORMAL, GAMMA, EXPONENTIAL, CONSTANT, UNIFORM, TRIANGULAR = range(6)
"""Distribution codes: ``exp(p0 + p1 Z)``, ``p1 x gamma(p0)``, ``p0 x Exp(1)``, ``p0``, ``p0 + p1 U`` and NumPy's
triangular on ``(p0, p1, p2)``."""
ATTEMPT = ("intake", "review", "latency", "reject_u", "revisit_days", "revisit_u")
"""The draws of one attempt, in the order they are drawn from the attempt's stream."""
ONCE = ("production_days", "shipping_days", "pickup_days", "pickup_u", "pickup_minutes")
"""The draws made once per applicant, after its first attempt's, from the same stream."""
COLUMNS = len(ATTEMPT) + len(ONCE)
LAYOUT: dict[str, int] = {name: i for i, name in enumerate((*ATTEMPT, *ONCE))}
"""The columns of :func:`applicant_day`'s draws: each draw of :class:`~sim.world.draws.ApplicantDraws`."""

Coded = tuple[int, float, float, float]


def coded(spec: DistSpec) -> Coded | None:
    """A distribution as ``(code, p0, p1, p2)`` with :class:`Distribution`'s parameters; None when empirical."""
    d = Distribution(spec)
    match spec.kind:
        case "lognormal":
            mu, sigma = d.log_space
            return LOGNORMAL, mu, sigma, 0.0
        case "gamma":
            shape, scale = d.gamma_shape_scale
            return GAMMA, shape, scale, 0.0
        case "exponential":
            return EXPONENTIAL, spec.mean, 0.0, 0.0
        case "deterministic":
            return CONSTANT, spec.mean, 0.0, 0.0
        case "uniform":
            return UNIFORM, spec.low, spec.high - spec.low, 0.0
        case "triangular" if spec.low == spec.high:
            return CONSTANT, spec.low, 0.0, 0.0
        case "triangular":
            return TRIANGULAR, spec.low, spec.mode, spec.high
        case _:
            return None


@njit(cache=True, inline="always")  # hot: inlined at one place per kernel (see _draw_row)
def sample(state: NDArray[np.uint64], code: int, p0: float, p1: float, p2: float) -> float:
    """One draw of a coded distribution, as :meth:`Distribution.sample` draws each value."""
    if code == LOGNORMAL:
        return float(np.exp(p0 + p1 * standard_normal(state)))
    if code == GAMMA:
        return p1 * standard_gamma(state, p0)
    if code == EXPONENTIAL:
        return p0 * standard_exponential(state)
    if code == UNIFORM:
        return p0 + p1 * next_double(state)
    if code == TRIANGULAR:
        return numpy_triangular(state, p0, p1, p2)
    return p0


class Knots:
    """The inverse distribution functions of an office's day shapes, padded into one array.

    Parameters
    ----------
    shapes
        The office's distinct day shapes (:class:`~sim.world.arrivals.DayShape`).

    Attributes
    ----------
    knots : numpy.ndarray
        Shape (shapes, 2, most knots): each shape's ``DayShape.knots``, padded with NaN.
    count : numpy.ndarray
        Knots per shape (0 for a day when nobody can arrive).
    """

    def __init__(self, shapes: list[DayShape]) -> None:
        most = max([s.knots.shape[1] for s in shapes] + [1])
        self.knots = np.full((len(shapes), 2, most), np.nan)
        self.count = np.zeros(len(shapes), dtype=np.int64)
        for i, s in enumerate(shapes):
            self.count[i] = s.knots.shape[1]
            self.knots[i, :, : s.knots.shape[1]] = s.knots


@njit(cache=True)
def _grown(a: NDArray[Any], n: int, size: int) -> NDArray[Any]:
    """``a``'s first ``n`` values in a new array of ``size`` (same dtype), for buffers that fill up."""
    bigger = np.empty(size, dtype=a.dtype)
    bigger[:n] = a[:n]
    return bigger


@njit(cache=True)
def _grown_rows(a: NDArray[np.float64], n: int, size: int) -> NDArray[np.float64]:
    """``a``'s first ``n`` rows (a matrix) in a new matrix of ``size`` rows."""
    bigger = np.empty((size, a.shape[1]))
    bigger[:n] = a[:n]
    return bigger


@njit(cache=True)
def _day_times(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    state: NDArray[np.uint64],
    expected: float,
    knots: NDArray[np.float64],
    count: int,
    day_start: float,
    out: NDArray[np.float64],
    at: int,
) -> tuple[NDArray[np.float64], int]:
    """One day's sorted arrival times (``sample_day``) written at ``out[at:]`` (grown when full); new end."""
    n = poisson(state, expected)
    sums = np.empty(n + 1)
    total = 0.0
    for i in range(n + 1):
        total += standard_exponential(state)
        sums[i] = total
    u = sums[:n] / sums[n]
    times = np.interp(u, knots[0, :count], knots[1, :count])
    if at + n > out.size:
        out = _grown(out, at, 2 * (at + n))
    for i in range(n):
        out[at + i] = times[i] + day_start
    return out, at + n


@njit(cache=True)
def poisson_days(state: NDArray[np.uint64], lam: NDArray[np.float64]) -> NDArray[np.int64]:
    """Poisson counts per day and column, each day from its own stream: ``DayStreams.day(d).poisson(lam[d])``.

    Parameters
    ----------
    state
        The stream (:func:`sim.world.philox.new_state` of its key); moved.
    lam
        Shape (days, columns): the expected counts (0 draws nothing and gives 0).

    Returns
    -------
    numpy.ndarray
        The counts, the same shape (int64).
    """
    out = np.zeros(lam.shape, dtype=np.int64)
    for d in range(lam.shape[0]):
        at_day(state, d)
        for j in range(lam.shape[1]):
            out[d, j] = poisson(state, lam[d, j])
    return out


@njit(cache=True)
def forgone_days(
    state: NDArray[np.uint64], lam: NDArray[np.float64], days: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forgone applications drawn as :func:`poisson_days` draws them, summed per day and per hukou province.

    Parameters
    ----------
    state
        The office's forgone stream; moved.
    lam
        Shape (days drawn, provinces): the expected counts.
    days
        Length of the per-day result (at least the days drawn).

    Returns
    -------
    tuple of numpy.ndarray
        Shape (days,) and (provinces,): the counts (as floats).
    """
    counts = poisson_days(state, lam)
    per_day = np.zeros(days)
    per_origin = np.zeros(lam.shape[1])
    for d in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            per_day[d] += counts[d, j]
            per_origin[j] += counts[d, j]
    return per_day, per_origin


@njit(cache=True)
def background_days(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    state: NDArray[np.uint64],
    days: NDArray[np.int64],
    expected: NDArray[np.float64],
    shape_of: NDArray[np.int64],
    knots: NDArray[np.float64],
    count: NDArray[np.int64],
    service: tuple[int, float, float, float],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """The local ID visits of ``days`` (each from its own day's stream): times, service minutes, day offsets.

    Parameters
    ----------
    state
        The office's background stream (:func:`sim.world.philox.new_state` of its key); moved.
    days
        Day indices, any order.
    expected, shape_of
        Per day of the run: expected local visits (0 where none is drawn) and the day's shape.
    knots, count
        The shapes' inverse distribution functions (:class:`Knots`).
    service
        The service minutes' coded distribution.

    Returns
    -------
    tuple
        Arrival times (absolute minutes, sorted within each day), service minutes, and offsets: day ``days[k]``'s
        visits are rows ``offsets[k]:offsets[k + 1]``.
    """
    code, p0, p1, p2 = service
    state = borrowed(state)
    times = np.empty(64)
    minutes = np.empty(64)
    offsets = np.zeros(days.size + 1, dtype=np.int64)
    end = 0
    for k in range(days.size):
        d = days[k]
        if expected[d] > 0 and count[shape_of[d]] > 0:
            at_day(state, d)
            start = end
            times, end = _day_times(state, expected[d], knots[shape_of[d]], count[shape_of[d]], d * 1440.0, times, end)
            if minutes.size < times.size:
                minutes = _grown(minutes, start, times.size)
            for i in range(start, end):
                minutes[i] = sample(state, code, p0, p1, p2)
        offsets[k + 1] = end
    return times[:end].copy(), minutes[:end].copy(), offsets


@njit(cache=True, inline="always")
def _draw(state: NDArray[np.uint64], coded: NDArray[np.float64]) -> float:
    """One draw of a distribution coded as ``(code, p0, p1, p2)``."""
    return sample(state, int(coded[0]), coded[1], coded[2], coded[3])


@njit(cache=True)
def _fill(state: NDArray[np.uint64], coded: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    """Fill ``out`` (rows x columns, row by row as NumPy fills a C-order array) with one coded distribution."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = _draw(state, coded)


@njit(cache=True)
def _thin(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    state: NDArray[np.uint64],
    ceiling: NDArray[np.float64],
    local: NDArray[np.float64],
    province: NDArray[np.int64],
    kind: NDArray[np.int64],
    keep: NDArray[np.bool_],
) -> bool:
    """Draw candidates' origins and thinning as ``OfficeDays.applicants`` does (migrant demand); whether any is kept."""
    n = keep.size
    u = np.empty((2, n))
    for i in range(n):
        u[0, i] = next_double(state)
    for i in range(n):
        u[1, i] = next_double(state)
    cumulative = np.cumsum(ceiling)
    for i in range(n):
        category = min(int(np.searchsorted(cumulative, u[0, i] * cumulative[-1], side="right")), ceiling.size - 1)
        keep[i] = u[1, i] * ceiling[category] < local[category]
        province[i], kind[i] = category >> 1, category & 1
    return bool(keep.any())


class Office(NamedTuple):
    """What :func:`applicant_day` needs of an office, coded.

    Attributes
    ----------
    origin_cumulative, origin_index : numpy.ndarray
        The hukou shares' cumulative probabilities and province indices (empty: intake only).
    review, latency : numpy.ndarray
        Shape (provinces, 4): each hukou province's review minutes and link latency minutes, coded.
    scalars : numpy.ndarray
        Shape (6, 4): intake, revisit delay, production, shipping, pickup delay and pickup minutes, coded.
    """

    origin_cumulative: NDArray[np.float64]
    origin_index: NDArray[np.int64]
    review: NDArray[np.float64]
    latency: NDArray[np.float64]
    scalars: NDArray[np.float64]


class Attempts(NamedTuple):
    """What :func:`attempt_rows` needs to draw attempts at several offices, coded.

    Attributes
    ----------
    keys : numpy.ndarray
        Shape (offices, 2), uint64: each office's applicant stream key.
    intake : numpy.ndarray
        Shape (offices, 4): each office's intake minutes.
    review, latency : numpy.ndarray
        Shape (provinces, 4): as :class:`Office`'s.
    revisit : numpy.ndarray
        Shape (4,): the revisit delay (days).
    """

    keys: NDArray[np.uint64]
    intake: NDArray[np.float64]
    review: NDArray[np.float64]
    latency: NDArray[np.float64]
    revisit: NDArray[np.float64]


_UNIT = np.array([UNIFORM, 0.0, 1.0, 0.0])
"""A uniform on [0, 1), coded: ``0.0 + 1.0 x U`` is the stream's next double exactly."""


@njit(cache=True)
def _plans(office: Office) -> NDArray[np.float64]:
    """Shape (provinces, :data:`COLUMNS`, 4): per hukou province, the coded distribution of each draw, in order."""
    plans = np.empty((office.review.shape[0], COLUMNS, 4))
    for p in range(plans.shape[0]):
        _attempt_plan(office.scalars[0], office.review[p], office.latency[p], office.scalars[1], plans[p])
        plans[p, 6:9] = office.scalars[2:5]  # production, shipping, pickup delay
        plans[p, 9] = _UNIT  # the pickup's uniform
        plans[p, 10] = office.scalars[5]  # pickup minutes
    return plans


@njit(cache=True)
def _attempt_plan(
    intake: NDArray[np.float64],
    review: NDArray[np.float64],
    latency: NDArray[np.float64],
    revisit: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """An attempt's coded distributions (:data:`ATTEMPT`) into ``out[0:6]``; the uniforms are :data:`_UNIT`."""
    out[0] = intake
    out[1] = review
    out[2] = latency
    out[3] = _UNIT
    out[4] = revisit
    out[5] = _UNIT


@njit(cache=True, inline="always")  # the one place a kernel's per-candidate draws inline the samplers
def _draw_row(state: NDArray[np.uint64], plan: NDArray[np.float64], out: NDArray[np.float64], columns: int) -> None:
    """The first ``columns`` draws of ``plan`` (rows of coded distributions) into ``out``, in order."""
    for c in range(columns):
        out[c] = sample(state, int(plan[c, 0]), plan[c, 1], plan[c, 2], plan[c, 3])


class _Drawn(NamedTuple):
    """:func:`applicant_days`' growing rows: arrival times, province, origin kind, draws, position, day."""

    times: NDArray[np.float64]
    province: NDArray[np.int64]
    kind: NDArray[np.int64]
    draws: NDArray[np.float64]
    position: NDArray[np.int64]
    on: NDArray[np.int64]


@njit(cache=True)
def _room(rows: _Drawn, times: NDArray[np.float64], n: int, size: int) -> _Drawn:
    """``rows`` with ``times`` (grown by :func:`_day_times`) and room for ``size`` rows, the first ``n`` kept."""
    if size <= rows.province.size:
        return _Drawn(times, rows.province, rows.kind, rows.draws, rows.position, rows.on)
    size = max(size, 2 * rows.province.size)
    return _Drawn(times, _grown(rows.province, n, size), _grown(rows.kind, n, size), _grown_rows(rows.draws, n, size),
                  _grown(rows.position, n, size), _grown(rows.on, n, size))  # fmt: skip


@njit(cache=True, inline="always")  # inlined at its one call, in applicant_days
def applicant_day(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    state: NDArray[np.uint64],
    day: int,
    expected: float,
    knots: NDArray[np.float64],
    count: int,
    office: Office,
    migrant: bool,
    ceiling: NDArray[np.float64],
    local: NDArray[np.float64],
    plans: NDArray[np.float64],
    rows: _Drawn,
    n: int,
) -> tuple[_Drawn, int]:
    """One office-day's applicants, drawn as ``OfficeDays.applicants`` draws them, written at row ``n`` of ``rows``.

    The day's stream gives the candidates' arrival times and origins (and, under migrant demand, their
    thinning); each kept candidate's first attempt and once-only draws come from its own sub-stream
    (:func:`~sim.world.philox.at_attempt`, attempt 0), so a candidate that is thinned out costs no more draws,
    and a kept one's draws do not depend on which others are kept.

    Parameters
    ----------
    state
        The office's applicant stream; moved.
    day, expected
        The day and its expected candidates (migrant demand) or applicants (a fixed volume), above 0.
    knots, count
        The day's shape (:class:`Knots` row).
    office
        The office, coded.
    migrant
        Candidates thinned to ``local / ceiling`` per origin (``2 x province + origin kind``), or applicants
        from the hukou shares.
    ceiling, local
        Migrant demand: the day's ceiling and local volumes per origin.
    plans
        The office's coded draws per hukou province (:func:`_plans`).
    rows, n
        The rows drawn so far (:class:`_Drawn`) and how many.

    Returns
    -------
    tuple
        The rows (grown when full) and how many there are now. A kept row holds its arrival time (minutes),
        province, origin kind (-1 where the demand does not distinguish it), draws (:data:`LAYOUT`; with no hukou
        shares, intake only, one column: the first intake alone, drawn from the day's stream), position among
        the day's candidates, and day.
    """
    if count == 0:  # nobody can arrive (the callers draw no such day)
        return rows, n
    plans = borrowed(plans)
    at_day(state, day)
    times, end = _day_times(state, expected, knots, count, day * 1440.0, rows.times, n)
    m = end - n  # the day's candidates, at rows n .. end
    rows = _room(rows, times, n, end)
    if m == 0:
        return rows, n
    r = borrowed(rows)
    province, kind, position = r.province[n:end], r.kind[n:end], r.position[n:end]
    province[:] = -1
    kind[:] = -1
    kept = m
    if migrant:
        keep = np.empty(m, dtype=np.bool_)
        if not _thin(state, ceiling, local, province, kind, keep):
            return rows, n
        kept = 0
        for i in range(m):  # the kept candidates, in order, moved up
            if keep[i]:
                r.times[n + kept], province[kept], kind[kept], position[kept] = r.times[n + i], province[i], kind[i], i
                kept += 1
    else:
        for i in range(m):
            position[i] = i
        if office.origin_index.size > 0:  # applicants' hukou from the office's shares
            _origins(state, office.origin_cumulative, office.origin_index, province)
    r.on[n : n + kept] = day
    if province[0] < 0:  # intake only: one column, from the day's stream
        _fill(state, office.scalars[0], r.draws[n : n + kept])
        return rows, n + kept
    draws = r.draws
    for i in range(kept):
        at_attempt(state, day, position[i], 0)
        _draw_row(state, plans[province[i]], draws[n + i], COLUMNS)
    return rows, n + kept


@njit(cache=True)
def _origins(
    state: NDArray[np.uint64], cumulative: NDArray[np.float64], index: NDArray[np.int64], province: NDArray[np.int64]
) -> None:
    """Each applicant's hukou province from the shares' ``cumulative`` probabilities (one uniform each)."""
    for i in range(province.size):
        u = next_double(state)
        chosen = 0  # numpy.searchsorted(cumulative, u, side="right"): a few shares, counted from the first
        while chosen < cumulative.size and cumulative[chosen] <= u:
            chosen += 1
        province[i] = index[min(chosen, index.size - 1)]


@njit(cache=True)
def applicant_days(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    state: NDArray[np.uint64],
    days: NDArray[np.int64],
    expected: NDArray[np.float64],
    shape_of: NDArray[np.int64],
    knots: NDArray[np.float64],
    count: NDArray[np.int64],
    office: Office,
    migrant: bool,
    ceiling: NDArray[np.float64],
    local: NDArray[np.float64],
    row: NDArray[np.int64],
) -> tuple[
    NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]
]:
    """:func:`applicant_day` of each of ``days`` (ascending), end to end: the same rows in one call.

    Parameters
    ----------
    days
        The days to draw, each with ``expected`` above 0.
    expected, shape_of, row
        Per day of the run: expected candidates or applicants, day shape, and thinning row (migrant demand).
    knots, count
        The shapes (:class:`Knots`).
    ceiling, local
        Migrant demand: per thinning row, the ceiling and local volumes per origin (shape (rows, origins));
        otherwise one empty row each (shape (1, 0)).
    state, office, migrant
        As for :func:`applicant_day`.

    Returns
    -------
    tuple
        :func:`applicant_day`'s five arrays, and each row's day.
    """
    state = borrowed(state)
    office = borrowed(office)
    plans = _plans(office)
    columns = 1 if not migrant and office.origin_index.size == 0 else COLUMNS  # intake only: one column
    size = 256
    i64 = np.int64
    rows = _Drawn(np.empty(size), np.empty(size, i64), np.empty(size, i64), np.empty((size, columns)),
                  np.empty(size, i64), np.empty(size, i64))  # fmt: skip
    n = 0
    for k in range(days.size):
        d = days[k]
        s = shape_of[d]
        r = row[d] if migrant else 0
        rows, n = applicant_day(state, d, expected[d], knots[s], count[s], office, migrant, ceiling[r], local[r],
                                plans, rows, n)  # fmt: skip
    draws = rows.draws[:n].copy() if n else np.empty((0, COLUMNS))
    return (rows.times[:n].copy(), rows.province[:n].copy(), rows.kind[:n].copy(), draws,
            rows.position[:n].copy(), rows.on[:n].copy())  # fmt: skip


@njit(cache=True)
def attempt_rows(  # noqa: PLR0917 (a compiled kernel takes its arrays positionally)
    coded: Attempts,
    office: NDArray[np.int64],
    day: NDArray[np.int64],
    row: NDArray[np.int64],
    attempt: NDArray[np.int64],
    province: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Shape (n, 6): the draws of attempts (:data:`ATTEMPT`), each from its candidate's sub-stream.

    Parameters
    ----------
    coded
        The offices' keys and distributions.
    office, day, row
        Each applicant's office (a row of ``coded``), arrival day and position among that day's candidates.
    attempt, province
        The attempt (from 0) and the applicant's hukou province.
    """
    out = np.empty((day.size, len(ATTEMPT)))
    state = np.zeros(STATE, dtype=np.uint64)
    plan = np.empty((len(ATTEMPT), 4))
    for i in range(day.size):
        o, p = office[i], province[i]
        state[0], state[1] = coded.keys[o, 0], coded.keys[o, 1]
        at_attempt(state, day[i], row[i], attempt[i])
        _attempt_plan(coded.intake[o], coded.review[p], coded.latency[p], coded.revisit, plan)
        _draw_row(state, plan, out[i], len(ATTEMPT))
    return out
