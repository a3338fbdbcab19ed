"""Per-applicant random draws, made for a whole office-day at once.

Everything random about an applicant's journey (hukou province, intake and review times, link latency, review
outcomes, revisit and pickup delays, production and shipping times) is drawn when the applicant is created, in
vectorised blocks from the office's named streams. The same applicant therefore gets the same draws whatever the
queues did, so two scenarios that differ in windows, reviewers, links or rejection probability compare on common
random numbers. A journey needs one draw per attempt for the repeatable steps; :data:`ATTEMPTS` columns are
drawn with the applicant, and the rare further attempt draws afresh from the office's overflow stream (so common
random numbers hold for the first :data:`ATTEMPTS` attempts of every applicant).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import DistSpec, Office, Production, Province
from sim.world import day_kernels
from sim.world.distributions import Distribution, DistributionRows, FloatArray
from sim.world.streams import Source, stream

ATTEMPTS = 4
"""Draws kept per applicant for the steps an attempt repeats (intake, review, latency, outcome, revisit)."""


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
        Shape (n, ATTEMPTS): intake and review minutes, real-time link latency minutes.
    reject_u, revisit_u : numpy.ndarray
        Shape (n, ATTEMPTS): uniforms deciding the review outcome (rejected when below the province's
        probability) and the revisit's time of day (a quantile of the hour profile).
    revisit_days : numpy.ndarray
        Shape (n, ATTEMPTS): days from a rejection to the revisit.
    production_days, shipping_days, pickup_days : numpy.ndarray
        Production working days, shipping days and days from the card's arrival to the pickup visit.
    pickup_u, pickup_minutes : numpy.ndarray
        Pickup time-of-day quantile and service minutes.
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

    def subset(self, keep: NDArray[np.bool_]) -> ApplicantDraws:
        """The rows where ``keep`` is true, every draw unchanged (thinning candidates to the applicants)."""
        rows = np.flatnonzero(keep)
        n = self.arrival.size
        return ApplicantDraws(
            **{
                name: value.take(rows, axis=0) if value.shape[:1] == (n,) else value
                for name, value in ((name, getattr(self, name)) for name in _FIELDS)
            }
        )

    def origin_kind(self, row: int) -> int:
        """Origin kind of applicant ``row`` (-1 where not distinguished)."""
        return int(self.kind[row]) if row < self.kind.size else -1

    def attempt(self, row: int, k: int) -> AttemptDraws:
        """The draws of attempt ``k`` (from 0, below :data:`ATTEMPTS`) of applicant ``row``."""
        return AttemptDraws(
            float(self.intake[row, k]),
            float(self.review[row, k]),
            float(self.latency[row, k]),
            float(self.reject_u[row, k]),
            float(self.revisit_days[row, k]),
            float(self.revisit_u[row, k]),
        )


_FIELDS = tuple(f.name for f in dataclasses.fields(ApplicantDraws))


@lru_cache(maxsize=64)
def shared_rows(specs: tuple[DistSpec, ...]) -> DistributionRows:
    """The provinces' review (or latency) distributions, built once for all the offices that draw from them."""
    return DistributionRows(specs)


@lru_cache(maxsize=64)
def _coded_rows(rows: DistributionRows) -> day_kernels.CodedRows | None:
    """:func:`~sim.world.day_kernels.coded_rows` of a shared :class:`DistributionRows`, computed once."""
    return day_kernels.coded_rows(rows)


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
        self._place = (seed, replication, office_index)
        self._overflow: np.random.Generator | None = None  # made at the first attempt beyond ATTEMPTS
        self._unused: NDArray[np.float64] = np.full((0, ATTEMPTS), np.nan)  # read-only NaN placeholders
        self._intake = Distribution(office.intake_minutes)
        self._pickup = Distribution(office.pickup_minutes)
        names = [p.name for p in provinces]
        self._origin_index = np.array([names.index(name) for name, _ in office.origins], dtype=np.int64)
        cumulative = np.cumsum([share for _, share in office.origins])
        self._origin_cumulative = cumulative / cumulative[-1] if cumulative.size else cumulative
        self._review = shared_rows(tuple(p.review_minutes for p in provinces))
        self._latency = shared_rows(tuple(p.latency_minutes for p in provinces))
        self._production = Distribution(production.working_days)
        self._shipping = Distribution(production.shipping_days)
        self._pickup_after = Distribution(production.pickup_after_days)
        self._revisit = Distribution(production.revisit_after_days)
        nothing, none = np.empty(0), np.empty((0, ATTEMPTS))
        self._empty = ApplicantDraws(
            nothing, np.empty(0, dtype=np.int64), none, none, none, none, none, none,
            nothing, nothing, nothing, nothing, nothing,
        )  # fmt: skip

    @property
    def empty(self) -> ApplicantDraws:
        """The draws of a day without applicants."""
        return self._empty

    def coded(self) -> day_kernels.Office | None:
        """The office's draws for :func:`~sim.world.day_kernels.applicant_day`; None when one is empirical."""
        review, latency = _coded_rows(self._review), _coded_rows(self._latency)
        scalars = [day_kernels.coded(d.spec) for d in (self._intake, self._revisit, self._production,
                                                        self._shipping, self._pickup_after, self._pickup)]  # fmt: skip
        if review is None or latency is None or any(s is None for s in scalars):
            return None
        return day_kernels.Office(
            self._origin_cumulative.astype(np.float64), self._origin_index, review, latency, np.array(scalars)
        )

    def assembled(
        self, arrival: FloatArray, province: NDArray[np.int64], kind: NDArray[np.int64], columns: FloatArray
    ) -> ApplicantDraws:
        """The draws :func:`~sim.world.day_kernels.applicant_day` returns, as :class:`ApplicantDraws`."""
        if arrival.size == 0:
            return self._empty
        if province[0] < 0:  # intake only: the first intake, and the placeholders of _intake_only
            return self._placeholders(arrival, province, kind, columns[:, 0])
        parts = {name: columns[:, where] for name, where in day_kernels.LAYOUT.items()}
        return ApplicantDraws(arrival=arrival, province=province, kind=kind, **parts)

    def draw(
        self,
        arrival: FloatArray,
        rng: np.random.Generator,
        origins: NDArray[np.int64] | None = None,
        keep: NDArray[np.bool_] | None = None,
    ) -> ApplicantDraws:
        """Draw everything for applicants arriving at the given times.

        Parameters
        ----------
        arrival
            Arrival times, minutes.
        rng
            The stream of this office and day (:data:`~sim.world.streams.Source.APPLICANTS`); the draws are taken
            from it in a fixed order, each for every row at once: origin (when ``origins`` is omitted), review,
            latency, the uniforms (outcome and revisit time of day per attempt, pickup time of day), intake,
            revisit delay, production, shipping, pickup delay, pickup service.
        origins
            Per applicant, ``2 x hukou province + origin kind`` (migrant demand); drawn from the office's hukou
            shares when omitted.
        keep
            The rows to return (thinning candidates); every row is drawn either way, so a row's draws do not
            depend on which other rows are kept. ``draw(..., keep=k)`` is ``draw(...).subset(k)`` (nothing is
            drawn when no row is kept: the stream is the office-day's own, nothing else reads it).
        """
        n = arrival.size
        if n == 0 or (keep is not None and not keep.any()):  # nobody's draws would be seen: skip them
            return self._empty
        shape = (n, ATTEMPTS)
        if origins is None:
            province, kind = self._provinces(rng, n), np.full(n, -1, dtype=np.int64)
        else:
            province, kind = origins >> 1, origins & 1
        if province[0] < 0:  # no hukou shares: intake only; nothing after the first intake is ever read
            return self._intake_only(arrival, province, kind, rng, keep)
        review = self._review.sample(rng, province, ATTEMPTS)
        latency = self._latency.sample(rng, province, ATTEMPTS)
        # outcome and revisit uniforms per attempt and the pickup's time-of-day uniform, in one draw
        uniforms = rng.random((n, 2 * ATTEMPTS + 1))
        columns: tuple[NDArray[Any], ...] = (
            arrival,
            province,
            kind,
            self._intake.sample(rng, shape),
            review,
            latency,
            uniforms,
            self._revisit.sample(rng, shape),
            self._production.sample(rng, n),
            self._shipping.sample(rng, n),
            self._pickup_after.sample(rng, n),
            self._pickup.sample(rng, n),
        )
        if keep is not None:
            rows = np.flatnonzero(keep)
            columns = tuple(c.take(rows, axis=0) for c in columns)
        arrival, province, kind, intake, review, latency, uniforms, revisit, production, shipping, after, pickup = (
            columns
        )
        return ApplicantDraws(
            arrival=arrival,
            province=province,
            kind=kind,
            intake=intake,
            review=review,
            latency=latency,
            reject_u=uniforms[:, :ATTEMPTS],
            revisit_u=uniforms[:, ATTEMPTS : 2 * ATTEMPTS],
            revisit_days=revisit,
            production_days=production,
            shipping_days=shipping,
            pickup_days=after,
            pickup_u=uniforms[:, 2 * ATTEMPTS],
            pickup_minutes=pickup,
        )

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

    def restart(self) -> None:
        """Put the overflow stream back at its start (a computation of the run that begins again)."""
        self._overflow = None

    def extra_attempt(self, province: int) -> AttemptDraws:
        """Fresh draws for an attempt beyond :data:`ATTEMPTS`, from the overflow stream."""
        if self._overflow is None:
            seed, replication, office_index = self._place
            self._overflow = stream(seed, replication, Source.OVERFLOW, office_index)
        rng = self._overflow
        return AttemptDraws(
            float(self._intake.sample(rng, 1)[0]),
            float(self._review.members[province].sample(rng, 1)[0]),
            float(self._latency.members[province].sample(rng, 1)[0]),
            float(rng.random()),
            float(self._revisit.sample(rng, 1)[0]),
            float(rng.random()),
        )

    def _provinces(self, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
        if self._origin_index.size == 0:
            return np.full(n, -1, dtype=np.int64)
        # what Generator.choice(p=shares) does, without its checks: the first share whose cumulative exceeds u
        chosen = self._origin_cumulative.searchsorted(rng.random(n), side="right")
        return self._origin_index.take(chosen, mode="clip")
