"""Distributions of non-negative durations, parameterised by their mean in the quantity's own unit.

A lognormal given as mean m and coefficient of variation cv has log-space parameters
``sigma**2 = log(1 + cv**2)`` and ``mu = log(m) - sigma**2 / 2``; dropping the ``- sigma**2 / 2`` term would turn a
12-minute mean into 13.6 at cv 0.5, so the conversion lives here and only here. Every distribution knows its
analytic mean and variance and samples vectorised from a given ``numpy.random.Generator``. :class:`DistributionRows`
samples many rows that each follow their own distribution (e.g. the review time of each applicant's hukou
province) with one draw per distribution family, using the same parameter conversions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import DistSpec

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Distribution:
    """A sampler built from a validated :class:`DistSpec`.

    Attributes
    ----------
    spec : DistSpec
        The scenario's description (mean in the quantity's unit).
    """

    spec: DistSpec

    @property
    def lowest(self) -> float:
        """The smallest value a draw can take, in the quantity's unit (0 for the unbounded families)."""
        s = self.spec
        match s.kind:
            case "uniform" | "triangular":
                return s.low
            case "deterministic":
                return s.mean
            case "empirical":
                return float(min(s.values))
            case _:
                return 0.0

    @property
    def mean(self) -> float:
        """Analytic mean, in the quantity's unit."""
        s = self.spec
        if s.kind in ("uniform",):
            return (s.low + s.high) / 2
        if s.kind == "triangular":
            return (s.low + s.mode + s.high) / 3
        if s.kind == "empirical":
            return float(np.mean(s.values))
        return s.mean

    @property
    def variance(self) -> float:
        """Analytic variance, in the quantity's unit squared."""
        s = self.spec
        match s.kind:
            case "lognormal" | "gamma":
                return (s.cv * s.mean) ** 2
            case "exponential":
                return s.mean**2
            case "deterministic":
                return 0.0
            case "uniform":
                return (s.high - s.low) ** 2 / 12
            case "triangular":
                a, c, b = s.low, s.mode, s.high
                return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
            case _:
                return float(np.var(s.values))

    @cached_property
    def log_space(self) -> tuple[float, float]:
        """A lognormal's ``(mu, sigma)``: mean and standard deviation of the logarithm (log of the unit)."""
        sigma2 = math.log1p(self.spec.cv**2)
        return math.log(self.spec.mean) - sigma2 / 2, math.sqrt(sigma2)

    @cached_property
    def gamma_shape_scale(self) -> tuple[float, float]:
        """A gamma's ``(shape, scale)``: shape ``1 / cv**2`` (dimensionless), scale in the quantity's unit."""
        shape = 1.0 / self.spec.cv**2
        return shape, self.spec.mean / shape

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        """Draw ``size`` independent values (never negative).

        Parameters
        ----------
        rng
            The stream to draw from.
        size
            Number of values, or the shape of the array of values.

        Returns
        -------
        numpy.ndarray
            float64 array of shape ``size``, in the quantity's unit.
        """
        return self._sampler(rng, size)

    def __getstate__(self) -> dict[str, object]:
        """Pickle the spec only: the cached sampler is a closure."""
        return {"spec": self.spec}

    @cached_property
    def _sampler(self) -> Callable[[np.random.Generator, int | tuple[int, ...]], FloatArray]:
        """The generator call with its parameters, chosen once (one call per draw instead of a match)."""
        s = self.spec
        match s.kind:
            case "lognormal":
                mu, sigma = self.log_space
                return lambda rng, size: rng.lognormal(mu, sigma, size)
            case "gamma":
                shape, scale = self.gamma_shape_scale
                return lambda rng, size: rng.gamma(shape, scale, size)
            case "exponential":
                return lambda rng, size: rng.exponential(s.mean, size)
            case "deterministic":
                return lambda _, size: np.full(size, s.mean)
            case "uniform":
                return lambda rng, size: rng.uniform(s.low, s.high, size)
            case "triangular" if s.low == s.high:
                return lambda _, size: np.full(size, s.low)
            case "triangular":
                return lambda rng, size: rng.triangular(s.low, s.mode, s.high, size)
            case _:
                values = np.asarray(s.values, dtype=np.float64)
                return lambda rng, size: rng.choice(values, size)


class DistributionRows:
    """One distribution per index (e.g. per hukou province), sampled for many rows at once.

    The rows are grouped by distribution family and each family present is drawn in one vectorised call with
    per-row parameter arrays (``exp(mu + sigma Z)``, ``scale x standard gamma``, ``mean x standard exponential``,
    ``low + (high - low) U``, the triangular's inverse distribution function); a family whose members are all the
    same distribution is drawn with scalar parameters by :meth:`Distribution.sample`. Each empirical distribution
    is a family of its own.

    Parameters
    ----------
    specs
        The validated distributions, one per index.

    Attributes
    ----------
    members : tuple of Distribution
        The distribution of each index.
    """

    def __init__(self, specs: Sequence[DistSpec]) -> None:
        self.members = tuple(Distribution(s) for s in specs)
        families: dict[object, list[int]] = {}
        for index, member in enumerate(self.members):
            families.setdefault(family(member.spec), []).append(index)
        self._family_of = np.full(len(specs), -1, dtype=np.int64)
        self._families: list[_Family] = []
        for number, indices in enumerate(families.values()):
            self._family_of[indices] = number
            self._families.append(_Family(self.members, indices))
        # all the same distribution: scalar parameters
        self._single = self.members[0] if len(set(specs)) == 1 else None

    def sample(self, rng: np.random.Generator, index: NDArray[np.int64], columns: int) -> FloatArray:
        """Draw ``columns`` independent values for each row, from the distribution of the row's index.

        Parameters
        ----------
        rng
            The stream to draw from.
        index
            Shape (rows,): for each row, the index (``0 .. len(specs) - 1``) of its distribution.
        columns
            Values per row.

        Returns
        -------
        numpy.ndarray
            float64 array of shape (rows, columns), in the quantities' unit.
        """
        shape = (index.size, columns)
        if self._single is not None:
            return self._single.sample(rng, shape)
        if len(self._families) == 1:
            return self._families[0].sample(rng, index, shape)
        out = np.empty(shape)
        family = self._family_of[index]
        for number, members in enumerate(self._families):
            rows = np.flatnonzero(family == number)
            if rows.size:
                out[rows] = members.sample(rng, index[rows], (rows.size, columns))
        return out


def family(spec: DistSpec) -> object:
    """The key rows of one vectorised draw share: the kind (and the values of an empirical distribution)."""
    if spec.kind == "empirical":
        return ("empirical", spec.values)
    if spec.kind == "triangular" and spec.low == spec.high:
        return "deterministic"
    return spec.kind


_PARAMETERS = {"lognormal": 2, "gamma": 2, "exponential": 1, "deterministic": 1, "uniform": 2, "triangular": 3}
"""Parameters per index of a family whose members differ (an empirical family never does)."""


class _Family:
    """The members of one family: per-index parameters (NaN at the indices of other families)."""

    def __init__(self, members: tuple[Distribution, ...], indices: list[int]) -> None:
        first = members[indices[0]]
        key = family(first.spec)
        self.kind = key if isinstance(key, str) else "empirical"
        self.first = first
        # an empirical family has one member distribution by construction
        self.same = all(members[i].spec == first.spec for i in indices)
        self.params = np.full((_PARAMETERS.get(self.kind, 0), len(members)), np.nan)
        for i in indices:
            d = members[i]
            s = d.spec
            match self.kind:
                case "lognormal":
                    self.params[:, i] = d.log_space
                case "gamma":
                    self.params[:, i] = d.gamma_shape_scale
                case "exponential":
                    self.params[0, i] = s.mean
                case "deterministic":
                    self.params[0, i] = s.low if s.kind == "triangular" else s.mean
                case "uniform":
                    self.params[:, i] = s.low, s.high - s.low
                case "triangular":
                    self.params[:, i] = s.low, s.mode, s.high

    def sample(self, rng: np.random.Generator, index: NDArray[np.int64], shape: tuple[int, int]) -> FloatArray:
        """Values of shape ``shape`` for rows with distribution ``index`` (members of this family)."""
        if self.same:
            return self.first.sample(rng, shape)
        p = [row[index][:, None] for row in self.params]  # per-row parameters, as a column
        match self.kind:
            case "lognormal":
                return np.exp(p[0] + p[1] * rng.standard_normal(shape))
            case "gamma":
                return p[1] * rng.standard_gamma(p[0], shape)
            case "exponential":
                return p[0] * rng.standard_exponential(shape)
            case "deterministic":
                return np.repeat(p[0], shape[1], axis=1)
            case "uniform":
                return p[0] + p[1] * rng.random(shape)
            case _:  # triangular: numpy's inverse distribution function, with per-row bounds
                low, mode, high = p
                u = rng.random(shape)
                base = high - low
                left = low + np.sqrt(u * (mode - low) * base)
                right = high - np.sqrt((1.0 - u) * (high - mode) * base)
                values: FloatArray = np.where(u <= (mode - low) / base, left, right)
                return values
