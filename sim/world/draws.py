"""Per-applicant random draws, made for a whole office-day at once.

Everything random about an applicant's journey (hukou province, intake and review times, link latency, review
outcomes, revisit and pickup delays, production and shipping times) depends only on the applicant's office, day
and position among the day's candidates, never on what the queues did, so two scenarios that differ in windows,
reviewers, links or rejection probability compare on common random numbers. The day's stream gives the
candidates' arrival times and origins; each candidate then has a sub-stream per attempt
(:meth:`~sim.world.streams.DayStreams.attempt`). The first attempt and the once-only draws are drawn with the
applicant (:data:`ATTEMPTS` attempt columns), for the candidates that are kept; a later attempt, which few
applicants make, is drawn from its own sub-stream when it happens (:meth:`ApplicantSampler.later_attempts`), with
the same numbers whichever engine asks and in whatever order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import DistSpec, Office, Production, Province
from sim.world import day_kernels
from sim.world.distributions import Distribution, FloatArray
from sim.world.held import by_identity
from sim.world.philox import new_state
from sim.world.streams import DayStreams, Source

ATTEMPTS = 1
"""Attempts drawn with the applicant (intake, review, latency, outcome, revisit); later ones when they happen."""


class AttemptDraws(NamedTuple):
    """The draws of one verification attempt.

    Intake and review minutes, link latency minutes, the outcome uniform, and the revisit delay (days) and
    time-of-day quantile used if the attempt is rejected.
    """

    intake: float
    review: float
    latency: float
    reject_u: float
    revisit_days: float
    revisit_u: float


@dataclass(frozen=True)
class ApplicantDraws:
    """The draws of one office-day's applicants; row ``i`` belongs to the ``i``-th arrival of the day.

    Attributes
    ----------
    arrival : numpy.ndarray
        Arrival times, minutes, sorted.
    province : numpy.ndarray
        Hukou province index (int), -1 in an intake-only scenario.
    kind : numpy.ndarray
        Origin kind (int): 0 hukou in a pilot city, 1 elsewhere in the province, -1 not distinguished.
    intake, review, latency : numpy.ndarray
        Shape (n, attempts drawn, :data:`ATTEMPTS` from the sampler): intake and review minutes, real-time link
        latency minutes.
    reject_u, revisit_u : numpy.ndarray
        Shape (n, attempts drawn): uniforms deciding the review outcome (rejected when below the province's
        probability) and the revisit's time of day (a quantile of the hour profile).
    revisit_days : numpy.ndarray
        Shape (n, attempts drawn): days from a rejection to the revisit.
    production_days, shipping_days, pickup_days : numpy.ndarray
        Production working days, shipping days and days from the card's arrival to the pickup visit.
    pickup_u, pickup_minutes : numpy.ndarray
        Pickup time-of-day quantile and service minutes.
    stream_day, stream_row : numpy.ndarray
        The day the applicant was drawn on and its position among that day's candidates: the key of its later
        attempts' draws (empty in an intake-only scenario, which has none).
    """

    arrival: FloatArray
    province: NDArray[np.int64]
    intake: FloatArray
    review: FloatArray
    latency: FloatArray
    reject_u: FloatArray
    revisit_u: FloatArray
    revisit_days: FloatArray
    production_days: FloatArray
    shipping_days: FloatArray
    pickup_days: FloatArray
    pickup_u: FloatArray
    pickup_minutes: FloatArray
    kind: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    stream_day: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    stream_row: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def subset(self, keep: NDArray[np.bool_]) -> ApplicantDraws:
        """The rows where ``keep`` is true, every draw unchanged (thinning candidates to the applicants)."""
        rows = np.flatnonzero(keep)
        return self._per_row(lambda value: value.take(rows, axis=0))

    def rows(self, start: int, stop: int) -> ApplicantDraws:
        """Rows ``start:stop`` (views of every draw)."""
        return self._per_row(lambda value: value[start:stop])

    def _per_row(self, pick: Callable[[NDArray[Any]], NDArray[Any]]) -> ApplicantDraws:
        """``pick`` applied to every draw that has one entry per row (not to an empty ``kind`` or stream key)."""
        n = self.arrival.size
        return ApplicantDraws(
            **{
                name: pick(value) if value.shape[:1] == (n,) else value
                for name, value in ((name, getattr(self, name)) for name in _FIELDS)
            }
        )

    def origin_kind(self, row: int) -> int:
        """Origin kind of applicant ``row`` (-1 where not distinguished)."""
        return int(self.kind[row]) if row < self.kind.size else -1

    @property
    def attempts(self) -> int:
        """Attempts drawn with the applicants (:data:`ATTEMPTS` from the sampler)."""
        return int(self.intake.shape[1])

    def attempt(self, row: int, k: int) -> AttemptDraws:
        """The draws of attempt ``k`` (from 0, below :attr:`attempts`) of applicant ``row``."""
        return AttemptDraws(
            float(self.intake[row, k]),
            float(self.review[row, k]),
            float(self.latency[row, k]),
            float(self.reject_u[row, k]),
            float(self.revisit_days[row, k]),
            float(self.revisit_u[row, k]),
        )


_FIELDS = tuple(f.name for f in dataclasses.fields(ApplicantDraws))
_NONE, _NO_ATTEMPTS = np.empty(0), np.empty((0, ATTEMPTS))
NO_DRAWS = ApplicantDraws(
    _NONE, np.empty(0, dtype=np.int64), _NO_ATTEMPTS, _NO_ATTEMPTS, _NO_ATTEMPTS, _NO_ATTEMPTS, _NO_ATTEMPTS,
    _NO_ATTEMPTS, _NONE, _NONE, _NONE, _NONE, _NONE,
)  # fmt: skip
"""The draws of nobody (read-only by convention: every array is empty)."""


class _Provinces(NamedTuple):
    """What every office of a scenario draws from its hukou provinces: built once, shared by the offices."""

    number: dict[str, int]
    review: tuple[Distribution, ...]
    latency: tuple[Distribution, ...]
    review_coded: NDArray[np.float64] | None
    latency_coded: NDArray[np.float64] | None


@by_identity
def _shared(provinces: tuple[Province, ...]) -> _Provinces:
    """The provinces' distributions and their codes, built once for all the offices of a scenario.

    Keyed by identity (:mod:`sim.world.held`): the offices of one scenario share its ``provinces`` tuple, and
    hashing 31 provinces' distributions for each of 341 offices cost more than building them.
    """
    review = tuple(p.review_minutes for p in provinces)
    latency = tuple(p.latency_minutes for p in provinces)
    return _Provinces({p.name: i for i, p in enumerate(provinces)}, tuple(map(Distribution, review)),
                      tuple(map(Distribution, latency)), _coded(review), _coded(latency))  # fmt: skip


class _OfficeParts(NamedTuple):
    """What an office draws from that offices with the same distributions share: built once for them."""

    intake: Distribution
    pickup: Distribution
    production: Distribution
    shipping: Distribution
    pickup_after: Distribution
    revisit: Distribution
    origin_index: NDArray[np.int64]
    origin_cumulative: NDArray[np.float64]
    coded: day_kernels.Office | None


@by_identity
def _office_parts(
    intake: DistSpec,
    pickup: DistSpec,
    origins: tuple[tuple[str, float], ...],
    provinces: tuple[Province, ...],
    production: Production,
) -> _OfficeParts:
    """An office's distributions, origins and codes (shared by the offices whose parts are the same objects)."""
    shared = _shared(provinces)
    origin_index = np.array([shared.number[name] for name, _ in origins], dtype=np.int64)
    cumulative = np.cumsum([share for _, share in origins])
    origin_cumulative = cumulative / cumulative[-1] if cumulative.size else cumulative
    for a in (origin_index, origin_cumulative):
        a.setflags(write=False)
    dists = [Distribution(d) for d in (intake, pickup, production.working_days, production.shipping_days,
                                       production.pickup_after_days, production.revisit_after_days)]  # fmt: skip
    intake_d, pickup_d, production_d, shipping_d, pickup_after_d, revisit_d = dists
    return _OfficeParts(intake_d, pickup_d, production_d, shipping_d, pickup_after_d, revisit_d, origin_index,
                        origin_cumulative, _code(shared, dists, origin_cumulative, origin_index))  # fmt: skip


def _code(
    shared: _Provinces, dists: list[Distribution], cumulative: NDArray[np.float64], index: NDArray[np.int64]
) -> day_kernels.Office | None:
    """The office's draws for the kernels; None when one is empirical.

    ``dists``: intake, pickup, production, shipping, pickup delay and revisit delay.
    """
    review, latency = shared.review_coded, shared.latency_coded
    intake, pickup, production, shipping, pickup_after, revisit = dists
    scalars = [day_kernels.coded(d.spec) for d in (intake, revisit, production, shipping, pickup_after, pickup)]
    if review is None or latency is None or any(s is None for s in scalars):
        return None
    if review.size == 0:  # intake only: never read, but the kernels want one row
        review = latency = np.zeros((1, 4))
    return day_kernels.Office(cumulative.astype(np.float64), index, review, latency, np.array(scalars))


def _coded(specs: tuple[DistSpec, ...]) -> NDArray[np.float64] | None:
    """Shape (provinces, 4): the provinces' distributions coded for the kernels; None when one is empirical."""
    coded = [day_kernels.coded(spec) for spec in specs]
    if any(c is None for c in coded):
        return None
    table = np.array(coded, dtype=np.float64).reshape(len(specs), 4)
    table.flags.writeable = False
    return table


class ApplicantSampler:
    """Draws :class:`ApplicantDraws` blocks for one office in one replication.

    Parameters
    ----------
    seed, replication, office_index
        Select the office's streams.
    office
        The office (intake, pickup and hukou shares).
    provinces
        The scenario's hukou provinces (review and latency distributions).
    production
        Production, shipping and delay distributions.

    Attributes
    ----------
    streams : DayStreams
        The office's applicant streams (:data:`~sim.world.streams.Source.APPLICANTS`).
    state : numpy.ndarray
        The same streams for the kernels (:func:`~sim.world.philox.new_state`).
    """

    def __init__(
        self,
        seed: int,
        replication: int,
        office_index: int,
        *,
        office: Office,
        provinces: tuple[Province, ...],
        production: Production,
    ) -> None:
        self.streams = DayStreams(seed, replication, Source.APPLICANTS, office_index)
        self.state = new_state(self.streams.key)
        self._unused: NDArray[np.float64] = np.full((0, ATTEMPTS), np.nan)  # read-only NaN placeholders
        parts = _office_parts(office.intake_minutes, office.pickup_minutes, office.origins, provinces, production)
        self._intake, self._pickup = parts.intake, parts.pickup
        self._origin_index, self._origin_cumulative = parts.origin_index, parts.origin_cumulative
        shared = _shared(provinces)
        self._review, self._latency = shared.review, shared.latency
        self._review_coded, self._latency_coded = shared.review_coded, shared.latency_coded
        self._production, self._shipping = parts.production, parts.shipping
        self._pickup_after, self._revisit = parts.pickup_after, parts.revisit
        self._coded = parts.coded
        self._attempts = self._attempts_code()

    @property
    def empty(self) -> ApplicantDraws:
        """The draws of a day without applicants."""
        return NO_DRAWS

    def coded(self) -> day_kernels.Office | None:
        """The office's draws for :func:`~sim.world.day_kernels.applicant_day`; None when one is empirical."""
        return self._coded

    def attempts_coded(self) -> day_kernels.Attempts | None:
        """The office alone for :func:`~sim.world.day_kernels.attempt_rows`; None when a distribution is empirical."""
        return self._attempts

    def _attempts_code(self) -> day_kernels.Attempts | None:
        c = self._coded
        if c is None:
            return None
        return day_kernels.Attempts(self.state[None, :2].copy(), c.scalars[None, 0].copy(), c.review, c.latency,
                                    c.scalars[1].copy())  # fmt: skip

    def assembled(
        self,
        arrival: FloatArray,
        province: NDArray[np.int64],
        kind: NDArray[np.int64],
        columns: FloatArray,
        *,
        rows: NDArray[np.int64],
        days: NDArray[np.int64],
    ) -> ApplicantDraws:
        """The draws :func:`~sim.world.day_kernels.applicant_days` returns, as :class:`ApplicantDraws`.

        ``columns`` has :data:`~sim.world.day_kernels.LAYOUT`'s columns (one, the first intake, in an intake-only
        scenario); ``rows`` and ``days`` are each applicant's position among its day's candidates and its day.
        """
        if arrival.size == 0:
            return NO_DRAWS
        if province[0] < 0:  # intake only: the first intake, and the placeholders of _intake_only
            return self._placeholders(arrival, province, kind, columns[:, 0])
        layout = day_kernels.LAYOUT
        parts = {name: columns[:, layout[name] : layout[name] + 1] for name in day_kernels.ATTEMPT}
        parts.update({name: columns[:, layout[name]] for name in day_kernels.ONCE})
        return ApplicantDraws(arrival=arrival, province=province, kind=kind, stream_day=days, stream_row=rows, **parts)

    def draw(
        self,
        arrival: FloatArray,
        rng: np.random.Generator,
        day: int,
        origins: NDArray[np.int64] | None = None,
        keep: NDArray[np.bool_] | None = None,
    ) -> ApplicantDraws:
        """Draw everything for the candidates arriving at the given times on ``day``, with NumPy.

        Parameters
        ----------
        arrival
            Arrival times, minutes.
        rng
            The stream of this office and day (:data:`~sim.world.streams.Source.APPLICANTS`), after the arrival
            times: the origins are drawn from it when ``origins`` is omitted (and an intake-only scenario's
            intakes). Each kept candidate's draws then come from its own sub-stream, attempt 0
            (:meth:`~sim.world.streams.DayStreams.attempt`), in a fixed order: intake, review, latency, outcome
            uniform, revisit delay, revisit time-of-day uniform, production, shipping, pickup delay, pickup
            time-of-day uniform, pickup service.
        day
            The day (its sub-streams' key).
        origins
            Per candidate, ``2 x hukou province + origin kind`` (migrant demand); drawn from the office's hukou
            shares when omitted.
        keep
            The candidates to draw for and return (thinning); a candidate's draws do not depend on which others
            are kept. ``draw(..., keep=k)`` is ``draw(...).subset(k)``.
        """
        n = arrival.size
        if n == 0 or (keep is not None and not keep.any()):  # nobody's draws would be seen: skip them
            return NO_DRAWS
        if origins is None:
            province, kind = self._provinces(rng, n), np.full(n, -1, dtype=np.int64)
        else:
            province, kind = origins >> 1, origins & 1
        if province[0] < 0:  # no hukou shares: intake only; nothing after the first intake is ever read
            return self._intake_only(arrival, province, kind, rng, keep)
        rows = np.flatnonzero(keep) if keep is not None else np.arange(n)
        columns = np.array([self._first(day, int(r), int(province[r])) for r in rows]).reshape(rows.size, -1)
        days = np.full(rows.size, day, dtype=np.int64)
        return self.assembled(arrival[rows], province[rows], kind[rows], columns, rows=rows, days=days)

    def _first(self, day: int, row: int, province: int) -> list[float]:
        """A candidate's first attempt and once-only draws (:data:`~sim.world.day_kernels.LAYOUT`), with NumPy."""
        rng = self.streams.attempt(day, row, 0)
        drawn = self._attempt(rng, province)
        for d in (self._production, self._shipping, self._pickup_after):
            drawn.append(float(d.sample(rng, 1)[0]))
        drawn.append(float(rng.random()))
        drawn.append(float(self._pickup.sample(rng, 1)[0]))
        return drawn

    def _attempt(self, rng: np.random.Generator, province: int) -> list[float]:
        """One attempt's draws (:data:`~sim.world.day_kernels.ATTEMPT`) from ``rng``, with NumPy."""
        return [
            float(self._intake.sample(rng, 1)[0]),
            float(self._review[province].sample(rng, 1)[0]),
            float(self._latency[province].sample(rng, 1)[0]),
            float(rng.random()),
            float(self._revisit.sample(rng, 1)[0]),
            float(rng.random()),
        ]

    def later_attempts(
        self, day: NDArray[np.int64], row: NDArray[np.int64], attempt: NDArray[np.int64], province: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """Shape (n, 6): the draws of attempts made after those drawn with the applicants.

        Each comes from its candidate's sub-stream for that attempt (:meth:`ApplicantDraws.stream_day`,
        ``stream_row``), so it is the same number whenever and in whatever order it is asked for. Columns as
        :data:`~sim.world.day_kernels.ATTEMPT`.
        """
        coded = self.attempts_coded()
        if coded is not None:
            return day_kernels.attempt_rows(coded, np.zeros(day.size, dtype=np.int64), day, row, attempt, province)
        drawn = [
            self._attempt(self.streams.attempt(int(d), int(r), int(k)), int(p))
            for d, r, k, p in zip(day.tolist(), row.tolist(), attempt.tolist(), province.tolist(), strict=True)
        ]
        return np.array(drawn, dtype=np.float64).reshape(day.size, len(day_kernels.ATTEMPT))

    def later_attempt(self, day: int, row: int, attempt: int, province: int) -> AttemptDraws:
        """:meth:`later_attempts` of one applicant."""
        one = np.array([day, row, attempt, province], dtype=np.int64).reshape(4, 1)
        return AttemptDraws(*(float(x) for x in self.later_attempts(*one)[0]))

    def _intake_only(
        self,
        arrival: FloatArray,
        province: NDArray[np.int64],
        kind: NDArray[np.int64],
        rng: np.random.Generator,
        keep: NDArray[np.bool_] | None,
    ) -> ApplicantDraws:
        """Applicants with no hukou province: only their first intake is drawn (the journey ends there).

        The other draws are NaN placeholders that cost nothing (read-only broadcasts): an intake-only journey
        never reads them, and no other draw of the day comes after them in the stream.
        """
        intake = self._intake.sample(rng, arrival.size)
        if keep is not None:
            rows = np.flatnonzero(keep)
            arrival, province, kind, intake = arrival[rows], province[rows], kind[rows], intake[rows]
        return self._placeholders(arrival, province, kind, intake)

    def _placeholders(
        self, arrival: FloatArray, province: NDArray[np.int64], kind: NDArray[np.int64], intake: FloatArray
    ) -> ApplicantDraws:
        """Intake-only applicants: their first intake in every attempt column, NaN placeholders for the rest."""
        n = arrival.size
        if n > self._unused.shape[0]:
            self._unused = np.full((2 * n, ATTEMPTS), np.nan)
            self._unused.flags.writeable = False
        unused, unused_one = self._unused[:n], self._unused[:n, 0]
        return ApplicantDraws(
            arrival=arrival,
            province=province,
            kind=kind,
            intake=np.repeat(intake[:, None], ATTEMPTS, axis=1),
            review=unused,
            latency=unused,
            reject_u=unused,
            revisit_u=unused,
            revisit_days=unused,
            production_days=unused_one,
            shipping_days=unused_one,
            pickup_days=unused_one,
            pickup_u=unused_one,
            pickup_minutes=unused_one,
        )

    def _provinces(self, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
        if self._origin_index.size == 0:
            return np.full(n, -1, dtype=np.int64)
        # what Generator.choice(p=shares) does, without its checks: the first share whose cumulative exceeds u
        chosen = self._origin_cumulative.searchsorted(rng.random(n), side="right")
        return self._origin_index.take(chosen, mode="clip")
