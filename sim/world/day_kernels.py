"""Many office-days' draws in one compiled call, equal bit for bit to the day-by-day NumPy draws.

:mod:`sim.world.office_day` draws each office-day from its own stream with a handful of NumPy calls; a national run
has about half a million office-days, and the calls' overhead, not the numbers, was most of the cost. The kernels
here draw a block of days at once from the same streams (:mod:`sim.world.philox`) in the same order and with the
same arithmetic, so every number is the one the NumPy code draws (``tests/test_day_kernels.py``):

- :func:`background_days`: the local ID visits of each day (:func:`sim.world.arrivals.sample_day`, then the
  service minutes);
- :func:`applicant_day`: one day's applicants with every draw about them (``OfficeDays.applicants`` and
  :meth:`sim.world.draws.ApplicantSampler.draw`).

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
from sim.world.distributions import Distribution, DistributionRows, family
from sim.world.philox import at_day, next_double, poisson, standard_exponential, standard_gamma, standard_normal
from sim.world.philox import triangular as numpy_triangular

LOGNORMAL, GAMMA, EXPONENTIAL, CONSTANT, UNIFORM, TRIANGULAR, TRIANGULAR_ROWS = range(7)
"""Distribution codes: ``exp(p0 + p1 Z)``, ``p1 x gamma(p0)``, ``p0 x Exp(1)``, ``p0``, ``p0 + p1 U``, NumPy's
triangular on ``(p0, p1, p2)``, and the triangular's inverse as :class:`DistributionRows` writes it for rows with
their own bounds (the same numbers up to rounding, so a separate code)."""
COLUMNS = 29
LAYOUT: dict[str, slice | int] = {
    "intake": slice(0, 4), "review": slice(4, 8), "latency": slice(8, 12), "reject_u": slice(12, 16),
    "revisit_u": slice(16, 20), "pickup_u": 20, "revisit_days": slice(21, 25), "production_days": 25,
    "shipping_days": 26, "pickup_days": 27, "pickup_minutes": 28,
}  # fmt: skip
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


class CodedRows(NamedTuple):
    """A :class:`DistributionRows` for the kernels: its families in order, and each index's parameters.

    Attributes
    ----------
    family_of : numpy.ndarray
        Per index (int64): its family's number.
    same : numpy.ndarray
        Per family (int64): 1 when all its members are one distribution (drawn as that distribution).
    first : numpy.ndarray
        Shape (families, 4): the first member, coded (``code, p0, p1, p2``).
    code : numpy.ndarray
        Per family (int64): the code of its per-row draw.
    params : numpy.ndarray
        Shape (indices, 3): each index's per-row parameters.
    """

    family_of: NDArray[np.int64]
    same: NDArray[np.int64]
    first: NDArray[np.float64]
    code: NDArray[np.int64]
    params: NDArray[np.float64]


_ROW_CODES = {"lognormal": LOGNORMAL, "gamma": GAMMA, "exponential": EXPONENTIAL, "deterministic": CONSTANT,
              "uniform": UNIFORM, "triangular": TRIANGULAR_ROWS}  # fmt: skip


def coded_rows(rows: DistributionRows) -> CodedRows | None:
    """``rows`` for the kernels (None when a member is empirical), with :class:`DistributionRows`' families."""
    members = rows.members
    firsts = [coded(m.spec) for m in members]
    if any(c is None for c in firsts):
        return None
    keys: dict[object, int] = {}
    family_of = np.array([keys.setdefault(family(m.spec), len(keys)) for m in members], dtype=np.int64)
    same = np.zeros(len(keys), dtype=np.int64)
    first = np.zeros((len(keys), 4))
    code = np.zeros(len(keys), dtype=np.int64)
    params = np.zeros((len(members), 3))
    for number, key in enumerate(keys):
        indices = np.flatnonzero(family_of == number)
        spec = members[indices[0]].spec
        same[number] = all(members[i].spec == spec for i in indices)
        first[number] = firsts[indices[0]]
        code[number] = _ROW_CODES[str(key)]
    for i, m in enumerate(members):
        c = firsts[i]
        assert c is not None
        # per-row parameters as _Family keeps them: the coded ones, except the triangular's bounds
        params[i] = (m.spec.low, m.spec.mode, m.spec.high) if c[0] == TRIANGULAR else c[1:]
    return CodedRows(family_of, same, first, code, params)


@njit(cache=True)
def sample(state: NDArray[np.uint64], code: int, p0: float, p1: float, p2: float) -> float:
    """One draw of a coded distribution, as :meth:`Distribution.sample` draws each value."""
    if code == TRIANGULAR_ROWS:  # numpy's expression in DistributionRows, bounds per row
        u = next_double(state)
        base = p2 - p0
        if u <= (p1 - p0) / base:
            return float(p0 + np.sqrt(u * (p1 - p0) * base))
        return float(p2 - np.sqrt((1.0 - u) * (p2 - p1) * base))
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


@njit(cache=True)
def _sample_rows(
    state: NDArray[np.uint64], rows: CodedRows, index: NDArray[np.int64], out: NDArray[np.float64]
) -> None:
    """Fill ``out`` (rows x columns) as :meth:`DistributionRows.sample` does: family by family, rows in order."""
    for number in range(rows.same.size):
        for i in range(index.size):
            if rows.family_of[index[i]] != number:
                continue
            if rows.same[number] == 1:
                c, p0, p1, p2 = (
                    int(rows.first[number, 0]),
                    rows.first[number, 1],
                    rows.first[number, 2],
                    rows.first[number, 3],
                )
            else:
                c, p0, p1, p2 = (
                    rows.code[number],
                    rows.params[index[i], 0],
                    rows.params[index[i], 1],
                    rows.params[index[i], 2],
                )
            for j in range(out.shape[1]):
                out[i, j] = sample(state, c, p0, p1, p2)


@njit(cache=True)
def _fill(state: NDArray[np.uint64], coded: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    """Fill ``out`` (rows x columns, row by row as NumPy fills a C-order array) with one coded distribution."""
    c = int(coded[0])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = sample(state, c, coded[1], coded[2], coded[3])


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
    review, latency : CodedRows
        Per hukou province.
    scalars : numpy.ndarray
        Shape (6, 4): intake, revisit delay, production, shipping, pickup delay and pickup minutes, coded.
    """

    origin_cumulative: NDArray[np.float64]
    origin_index: NDArray[np.int64]
    review: CodedRows
    latency: CodedRows
    scalars: NDArray[np.float64]


@njit(cache=True)
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
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """One office-day's applicants from the day's stream, drawn as ``OfficeDays.applicants`` draws them.

    Parameters
    ----------
    state
        The office's applicant stream; moved to ``day``.
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

    Returns
    -------
    tuple
        The kept rows' arrival times (minutes), province, origin kind, and draws, shape (rows, :data:`COLUMNS`)
        (:data:`LAYOUT`); with no hukou shares (intake only), shape (rows, 1): the first intake alone.
    """
    if count == 0:  # nobody can arrive (the callers draw no such day)
        return np.empty(0), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty((0, COLUMNS))
    at_day(state, day)
    buffer = np.empty(0)
    buffer, n = _day_times(state, expected, knots, count, day * 1440.0, buffer, 0)
    times = buffer[:n]
    kind = np.full(n, -1, dtype=np.int64)
    province = np.full(n, -1, dtype=np.int64)
    keep = np.ones(n, dtype=np.bool_)
    if migrant and (n == 0 or not _thin(state, ceiling, local, province, kind, keep)):
        return times[:0], province[:0], kind[:0], np.empty((0, COLUMNS))
    if not migrant and n > 0 and office.origin_index.size > 0:  # applicants' hukou from the office's shares
        for i in range(n):
            chosen = np.searchsorted(office.origin_cumulative, next_double(state), side="right")
            province[i] = office.origin_index[min(int(chosen), office.origin_index.size - 1)]
    if n > 0 and province[0] < 0:  # intake only: one column
        intake = np.empty((n, 1))
        _fill(state, office.scalars[0], intake)
        return times, province, kind, intake
    draws = np.empty((n, COLUMNS))
    if n > 0:
        _sample_rows(state, office.review, province, draws[:, 4:8])
        _sample_rows(state, office.latency, province, draws[:, 8:12])
        _fill(state, np.array([UNIFORM, 0.0, 1.0, 0.0]), draws[:, 12:21])
        _fill(state, office.scalars[0], draws[:, 0:4])
        _fill(state, office.scalars[1], draws[:, 21:25])
        for column in range(4):
            _fill(state, office.scalars[2 + column], draws[:, 25 + column : 26 + column])
    if not migrant:
        return times, province, kind, draws
    rows = np.flatnonzero(keep)
    return times[rows], province[rows], kind[rows], draws[rows]


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
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
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
    """
    times = np.empty(256)
    province = np.empty(256, dtype=np.int64)
    kind = np.empty(256, dtype=np.int64)
    draws = np.empty((0, 0))
    n = 0
    for k in range(days.size):
        d = days[k]
        s = shape_of[d]
        r = row[d] if migrant else 0
        t, p, o, x = applicant_day(state, d, expected[d], knots[s], count[s], office, migrant, ceiling[r], local[r])
        m = t.size
        if m == 0:
            continue
        if draws.shape[1] != x.shape[1]:
            draws = np.empty((times.size, x.shape[1]))
        if n + m > times.size:
            size = 2 * (n + m)
            times, draws = _grown(times, n, size), _grown_rows(draws, n, size)
            province, kind = _grown(province, n, size), _grown(kind, n, size)
        times[n : n + m] = t
        province[n : n + m] = p
        kind[n : n + m] = o
        draws[n : n + m] = x
        n += m
    if draws.shape[1] == 0:
        draws = np.empty((0, COLUMNS))
    return times[:n].copy(), province[:n].copy(), kind[:n].copy(), draws[:n].copy()
