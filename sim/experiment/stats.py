"""Confidence intervals across replications (Student t), the only way a figure leaves the experiment layer."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
"""Confidence level of every interval."""


@dataclass(frozen=True)
class Estimate:
    """A mean across replications with its 95 % confidence interval.

    Attributes
    ----------
    mean : float
        Mean of the replication values (NaN when there are none).
    half_width : float
        Half-width of the 95 % Student-t interval (NaN with fewer than two values).
    n : int
        Number of replications that gave a value.
    """

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    @property
    def standard_error(self) -> float:
        """Standard error of the mean (half-width over the t quantile)."""
        if self.n < 2:
            return math.nan
        return self.half_width / t_quantile(self.n - 1)


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95 % CI of per-replication values; NaN values (no observation in a replication) are left out.

    Parameters
    ----------
    values
        One value per replication.

    Returns
    -------
    Estimate
        The mean, the half-width and the number of values used.
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = float(data.mean())
    if n < 2:
        return Estimate(mean, math.nan, 1)
    sd = float(data.std(ddof=1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return Estimate(mean, half, n)


@functools.cache
def t_quantile(dof: int) -> float:
    """The two-sided Student-t quantile for :data:`LEVEL` with ``dof`` degrees of freedom."""
    # scipy.stats costs most of a second to import: only pay for it when an interval is computed.
    from scipy import stats  # noqa: PLC0415

    return float(stats.t.ppf(0.5 + LEVEL / 2, dof))
