"""Distributions of non-negative durations, parameterised by their mean in the quantity's own unit.

A lognormal given as mean m and coefficient of variation cv has log-space parameters
``sigma**2 = log(1 + cv**2)`` and ``mu = log(m) - sigma**2 / 2``; dropping the ``- sigma**2 / 2`` term would turn a
12-minute mean into 13.6 at cv 0.5, so the conversion lives here and only here. Every distribution knows its
analytic mean and variance and samples vectorised from a given ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values (never negative).

        Parameters
        ----------
        rng
            The stream to draw from.
        size
            Number of values.

        Returns
        -------
        numpy.ndarray
            float64 array of length ``size``, in the quantity's unit.
        """
        s = self.spec
        match s.kind:
            case "lognormal":
                sigma2 = math.log1p(s.cv**2)
                return rng.lognormal(math.log(s.mean) - sigma2 / 2, math.sqrt(sigma2), size)
            case "gamma":
                shape = 1.0 / s.cv**2
                return rng.gamma(shape, s.mean / shape, size)
            case "exponential":
                return rng.exponential(s.mean, size)
            case "deterministic":
                return np.full(size, s.mean)
            case "uniform":
                return rng.uniform(s.low, s.high, size)
            case "triangular":
                return _triangular(rng, s.low, s.mode, s.high, size)
            case _:
                return rng.choice(np.asarray(s.values, dtype=np.float64), size)


def _triangular(rng: np.random.Generator, low: float, mode: float, high: float, size: int) -> FloatArray:
    if low == mode == high:
        return np.full(size, low)
    return rng.triangular(low, mode, high, size)
