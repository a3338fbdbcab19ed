"""Analytic queueing formulas that the simulation is checked against.

This module is the ground truth for the ``validate`` and ``size`` commands and for the statistical tests: a
simulated queue configured as an M/M/c (Poisson arrivals, exponential service, ``c`` identical servers, FCFS,
unlimited waiting room) must reproduce the Erlang C results here, an infinite-server delay must reproduce M/G/∞,
and a tandem of such stations must reproduce Jackson's theorem. Everything is a pure function of its arguments
(plus one frozen dataclass, :class:`MMc`), with no dependency on the rest of :mod:`sim`, which sits above it.

Units: time is in **minutes** throughout. Rates are per minute, means and waits are in minutes, offered load is in
Erlangs (arrival rate times mean service time, dimensionless), and queue lengths are counts of customers.

The Erlang C probability is computed from the Erlang B recursion ``B(0) = 1``,
``B(k) = a·B(k−1) / (k + a·B(k−1))`` and ``C = c·B / (c − a·(1 − B))``, which stays in ``[0, 1]`` at every step and
so neither overflows nor loses precision for a thousand servers, unlike the textbook form with ``a**c / c!``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MMc",
    "MMcK",
    "erlang_b",
    "erlang_c",
    "jackson_tandem_sojourn_minutes",
    "mg_inf_mean_in_system",
]


def _check_servers(servers: int) -> int:
    """Return ``servers`` as a plain ``int`` (count of servers), raising if it is not an integer of at least 1."""
    c = operator.index(servers)
    if c < 1:
        raise ValueError(f"servers must be at least 1, got {c}")
    return c


def _check_non_negative(name: str, value: float, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, raising ``ValueError`` if it is NaN, negative, or (unless allowed) infinite."""
    x = float(value)
    if math.isnan(x) or x < 0 or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of the M/M/c/c loss system (Erlang B).

    Parameters
    ----------
    servers : int
        Number of servers ``c`` (count), at least 1.
    offered_load : float
        Offered load ``a = λ/μ`` in Erlangs (arrival rate per minute times mean service time in minutes), ``>= 0``.

    Returns
    -------
    float
        Probability (dimensionless, in ``[0, 1]``) that an arrival finds all ``c`` servers busy and is lost.

    Raises
    ------
    ValueError
        If ``servers < 1`` or ``offered_load`` is negative or NaN.
    """
    c = _check_servers(servers)
    a = _check_non_negative("offered_load", offered_load, allow_inf=True)
    if math.isinf(a):
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C).

    Parameters
    ----------
    servers : int
        Number of servers ``c`` (count), at least 1.
    offered_load : float
        Offered load ``a = λ/μ`` in Erlangs (arrival rate per minute times mean service time in minutes), ``>= 0``.

    Returns
    -------
    float
        Probability (dimensionless, in ``[0, 1]``) that an arrival finds all servers busy. Returns ``1.0`` when
        ``a >= c``: the queue is unstable and, in the long run, every arrival waits.

    Raises
    ------
    ValueError
        If ``servers < 1`` or ``offered_load`` is negative or NaN.

    Notes
    -----
    Computed as ``C = c·B / (c − a·(1 − B))`` with ``B`` the Erlang B probability from its recursion, which is
    numerically stable for ``c`` in the thousands.
    """
    c = _check_servers(servers)
    a = _check_non_negative("offered_load", offered_load, allow_inf=True)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return min(1.0, c * b / (c - a * (1.0 - b)))


@dataclass(frozen=True)
class MMc:
    """Steady-state results for an M/M/c queue (FCFS, unlimited waiting room).

    Attributes
    ----------
    servers : int
        Number of identical servers ``c`` (count), at least 1.
    arrival_rate_per_minute : float
        Poisson arrival rate ``λ`` in customers per minute, finite and ``>= 0``.
    mean_service_minutes : float
        Mean of the exponential service time ``1/μ`` in minutes, finite and ``> 0``.

    Raises
    ------
    ValueError
        On construction, if any attribute is out of range.

    Notes
    -----
    When the queue is unstable (``ρ >= 1``) there is no steady state; the waiting-time results then report the
    limit the queue drifts towards: infinite mean wait and queue length, probability of waiting 1.
    """

    servers: int
    arrival_rate_per_minute: float
    mean_service_minutes: float

    def __post_init__(self) -> None:
        _check_servers(self.servers)
        _check_non_negative("arrival_rate_per_minute", self.arrival_rate_per_minute)
        s = _check_non_negative("mean_service_minutes", self.mean_service_minutes)
        if s == 0:
            raise ValueError("mean_service_minutes must be > 0, got 0")

    @property
    def service_rate_per_minute(self) -> float:
        """Service rate of one server, ``μ = 1 / mean_service_minutes``, in customers per minute."""
        return 1.0 / self.mean_service_minutes

    @property
    def offered_load(self) -> float:
        """Offered load ``a = λ/μ`` in Erlangs (mean number of busy servers if there were unlimited servers)."""
        return self.arrival_rate_per_minute * self.mean_service_minutes

    @property
    def utilisation(self) -> float:
        """Server utilisation ``ρ = a/c`` (dimensionless fraction; ``>= 1`` means unstable)."""
        return self.offered_load / self.servers

    @property
    def stable(self) -> bool:
        """Whether a steady state exists, i.e. ``ρ < 1``."""
        return self.utilisation < 1.0

    @property
    def prob_wait(self) -> float:
        """Erlang C probability that an arrival waits (dimensionless, in ``[0, 1]``; 1 if unstable)."""
        return erlang_c(self.servers, self.offered_load)

    @property
    def _drain_rate_per_minute(self) -> float:
        """Rate ``cμ − λ`` (per minute) at which the conditional wait decays; positive only if stable."""
        return self.servers * self.service_rate_per_minute - self.arrival_rate_per_minute

    @property
    def mean_wait_minutes(self) -> float:
        """Mean wait in queue before service, ``Wq = C / (cμ − λ)``, in minutes (``math.inf`` if unstable)."""
        if not self.stable:
            return math.inf
        return self.prob_wait / self._drain_rate_per_minute

    def wait_exceeds(self, t_minutes: float) -> float:
        """Probability that the wait in queue exceeds a threshold, ``P(Wq > t) = C·exp(−(cμ − λ)·t)``.

        Parameters
        ----------
        t_minutes : float
            Threshold in minutes, ``>= 0`` (``math.inf`` allowed).

        Returns
        -------
        float
            Probability (dimensionless, in ``[0, 1]``); ``1.0`` if the queue is unstable.

        Raises
        ------
        ValueError
            If ``t_minutes`` is negative or NaN.
        """
        t = _check_non_negative("t_minutes", t_minutes, allow_inf=True)
        if not self.stable:
            return 1.0
        return self.prob_wait * math.exp(-self._drain_rate_per_minute * t)

    @property
    def mean_queue_length(self) -> float:
        """Mean number waiting (not in service), ``Lq = λ·Wq`` by Little's law, in customers (inf if unstable)."""
        if not self.stable:
            return math.inf
        return self.arrival_rate_per_minute * self.mean_wait_minutes

    @property
    def mean_sojourn_minutes(self) -> float:
        """Mean time in system (wait plus service), ``W = Wq + 1/μ``, in minutes (``math.inf`` if unstable)."""
        return self.mean_wait_minutes + self.mean_service_minutes

    @property
    def mean_in_system(self) -> float:
        """Mean number in system (waiting or in service), ``L = λ·W = Lq + a``, in customers (inf if unstable)."""
        if not self.stable:
            return math.inf
        return self.arrival_rate_per_minute * self.mean_sojourn_minutes

    def wait_quantile(self, p: float) -> float:
        """Quantile of the wait in queue: the smallest ``t`` (minutes) with ``P(Wq <= t) >= p``.

        Parameters
        ----------
        p : float
            Probability level in ``[0, 1]``.

        Returns
        -------
        float
            Wait in minutes. ``0.0`` when ``p <= 1 − C`` (that fraction of arrivals is served at once), otherwise
            ``ln(C / (1 − p)) / (cμ − λ)``; ``math.inf`` for ``p = 1``, or for any ``p > 0`` if the queue is unstable.

        Raises
        ------
        ValueError
            If ``p`` is outside ``[0, 1]`` or NaN.
        """
        if not 0.0 <= p <= 1.0:  # also rejects NaN
            raise ValueError(f"p must be in [0, 1], got {p!r}")
        c_wait = self.prob_wait
        if p <= 1.0 - c_wait:
            return 0.0
        if p == 1.0 or not self.stable:
            return math.inf
        return math.log(c_wait / (1.0 - p)) / self._drain_rate_per_minute


@dataclass(frozen=True)
class MMcK:
    """Steady-state results for an M/M/c/K queue (FCFS, at most ``K`` in the system; arrivals finding ``K`` lost).

    The stationary probabilities are the birth-death ones, ``p(n) ∝ a^n / (min(n, c)! c^(n - c)^+)`` for
    ``n = 0 .. K``, computed by the ratio ``p(n) / p(n - 1) = a / min(n, c)`` and normalised (a ratio is at most
    ``a``, so with ``K`` up to a few thousand nothing overflows). ``K = c`` is Erlang B's loss system.

    Attributes
    ----------
    servers : int
        Number of identical servers ``c`` (count), at least 1.
    capacity : int
        Most customers in the system ``K`` (waiting plus in service), at least ``servers``.
    arrival_rate_per_minute : float
        Poisson arrival rate ``λ`` (offered, before blocking), customers per minute, finite and ``>= 0``.
    mean_service_minutes : float
        Mean of the exponential service time ``1/μ``, minutes, finite and ``> 0``.

    Raises
    ------
    ValueError
        On construction, if any attribute is out of range.
    """

    servers: int
    capacity: int
    arrival_rate_per_minute: float
    mean_service_minutes: float

    def __post_init__(self) -> None:
        c = _check_servers(self.servers)
        if operator.index(self.capacity) < c:
            raise ValueError(f"capacity must be at least servers ({c}), got {self.capacity}")
        _check_non_negative("arrival_rate_per_minute", self.arrival_rate_per_minute)
        if _check_non_negative("mean_service_minutes", self.mean_service_minutes) == 0:
            raise ValueError("mean_service_minutes must be > 0, got 0")

    @property
    def probabilities(self) -> tuple[float, ...]:
        """Stationary probability (dimensionless) of ``n = 0 .. K`` customers in the system."""
        a = self.arrival_rate_per_minute * self.mean_service_minutes
        weights = [1.0]
        for n in range(1, self.capacity + 1):
            weights.append(weights[-1] * a / min(n, self.servers))
        total = math.fsum(weights)
        return tuple(w / total for w in weights)

    @property
    def blocking(self) -> float:
        """Probability that an arrival finds ``K`` in the system and is lost (PASTA), dimensionless."""
        return self.probabilities[-1]

    @property
    def throughput_per_minute(self) -> float:
        """Admitted (and served) customers per minute, ``λ (1 - p(K))``."""
        return self.arrival_rate_per_minute * (1.0 - self.blocking)

    @property
    def mean_in_system(self) -> float:
        """Mean number of customers in the system (count)."""
        return math.fsum(n * p for n, p in enumerate(self.probabilities))

    @property
    def mean_queue_length(self) -> float:
        """Mean number waiting, not in service (count)."""
        return math.fsum(max(n - self.servers, 0) * p for n, p in enumerate(self.probabilities))

    @property
    def mean_wait_minutes(self) -> float:
        """Mean wait in queue of an admitted customer, minutes (Little's law on the admitted flow)."""
        rate = self.throughput_per_minute
        return self.mean_queue_length / rate if rate > 0 else 0.0


def mg_inf_mean_in_system(arrival_rate_per_minute: float, mean_delay_minutes: float) -> float:
    """Mean number present in an M/G/∞ system (infinitely many servers, any delay distribution).

    Parameters
    ----------
    arrival_rate_per_minute : float
        Poisson arrival rate ``λ`` in customers per minute, finite and ``>= 0``.
    mean_delay_minutes : float
        Mean time each customer spends in the system ``E[D]`` in minutes, finite and ``>= 0``.

    Returns
    -------
    float
        Mean number present ``λ·E[D]`` (customers); in steady state the number present is Poisson with this mean.

    Raises
    ------
    ValueError
        If either argument is negative, infinite or NaN.
    """
    lam = _check_non_negative("arrival_rate_per_minute", arrival_rate_per_minute)
    d = _check_non_negative("mean_delay_minutes", mean_delay_minutes)
    return lam * d


def jackson_tandem_sojourn_minutes(arrival_rate_per_minute: float, stations: Sequence[tuple[int, float]]) -> float:
    """Mean total time through a tandem of M/M/c stations, by Jackson's theorem.

    Every customer visits each station once, in order. Each station then behaves as an independent M/M/c queue fed
    at the external rate, so the mean sojourn is ``Σ (Wq_i + 1/μ_i)``.

    Parameters
    ----------
    arrival_rate_per_minute : float
        Poisson arrival rate ``λ`` into the first station, in customers per minute, finite and ``>= 0``.
    stations : Sequence[tuple[int, float]]
        One ``(servers, mean_service_minutes)`` pair per station, in visiting order; at least one station.

    Returns
    -------
    float
        Mean end-to-end sojourn (waits plus services) in minutes; ``math.inf`` if any station is unstable.

    Raises
    ------
    ValueError
        If ``stations`` is empty or any argument is out of range (see :class:`MMc`).
    """
    if len(stations) == 0:
        raise ValueError("stations must contain at least one (servers, mean_service_minutes) pair")
    queues = [MMc(servers, arrival_rate_per_minute, mean_service) for servers, mean_service in stations]
    return math.fsum(q.mean_sojourn_minutes for q in queues)
