"""Distributions of non-negative durations, parameterised by their mean in the quantity's own unit.

A lognormal given as mean m and coefficient of variation cv has log-space parameters
``sigma**2 = log(1 + cv**2)`` and ``mu = log(m) - sigma**2 / 2``; dropping the ``- sigma**2 / 2`` term would turn a
12-minute mean into 13.6 at cv 0.5, so the conversion lives here and only here. Every distribution knows its
analytic mean and variance and samples vectorised from a given ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
