"""Non-homogeneous Poisson arrivals, sampled vectorised one office-day at a time.

Within a day the arrival intensity is piecewise constant: the hour-of-day weight in each hour that the office is
open, zero when it is closed. The day's count is Poisson with the day's expected volume; given the count, arrival
times are independent draws from the normalised intensity (the order-statistics property of the Poisson process),
so one call draws a whole day with a few numpy calls instead of one random call per applicant. The times are the
day's inverse distribution function (piecewise linear: one ``numpy.interp``) at sorted uniforms drawn as
normalised exponential spacings, so they come out sorted without a sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sim.scenario.schema import Period
from sim.world.distributions import FloatArray


@dataclass(frozen=True)
class DayShape:
    """The normalised arrival intensity over one day's opening periods.

    Attributes
    ----------
    starts : numpy.ndarray
        Start of each constant-intensity segment, minutes since 00:00.
    widths : numpy.ndarray
        Segment lengths, minutes.
    cumulative : numpy.ndarray
        Cumulative probability of the segments (last value 1.0); empty when no segment has weight.
    knots : numpy.ndarray
        Shape (2, 2 x segments): the inverse distribution function's knots, cumulative probability (row 0) and
        time of day in minutes (row 1): each segment runs from (probability below it, its start) to (probability
        up to its end, its end).
    """

    starts: FloatArray
    widths: FloatArray
    cumulative: FloatArray
    knots: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        knots = np.zeros((2, 2 * self.cumulative.size))
        knots[0, 2::2], knots[0, 1::2] = self.cumulative[:-1], self.cumulative
        knots[1, 0::2], knots[1, 1::2] = self.starts, self.starts + self.widths
        object.__setattr__(self, "knots", knots)

    def sorted_times(self, rng: np.random.Generator, count: int, day_start: float) -> FloatArray:
        """``count`` independent arrival times from the day's intensity, sorted, in absolute minutes.

        The order statistics of ``count`` uniforms are the normalised partial sums of ``count + 1`` standard
        exponentials (no sort needed); the day's inverse distribution function is increasing, so it maps them to
        sorted times.

        Parameters
        ----------
        rng
            The stream to draw from (``count + 1`` standard exponentials).
        count
            Number of arrivals.
        day_start
            Absolute time of the day's 00:00, minutes.

        Returns
        -------
        numpy.ndarray
            Sorted float64 times within the day's segments, minutes.
        """
        sums = rng.standard_exponential(count + 1).cumsum()
        u = sums[:count]
        u /= sums[count]
        times: FloatArray = np.interp(u, self.knots[0], self.knots[1])
        times += day_start
        return times

    def point(self, u: float) -> float:
        """The time of day (minutes since 00:00) at quantile ``u`` in [0, 1) of the day's arrival intensity."""
        segment = min(int(np.searchsorted(self.cumulative, u, side="right")), self.cumulative.size - 1)
        below = float(self.cumulative[segment - 1]) if segment > 0 else 0.0
        mass = float(self.cumulative[segment]) - below
        fraction = min(max((u - below) / mass, 0.0), 1.0) if mass > 0 else 0.0
        return float(self.starts[segment] + fraction * self.widths[segment])

    @property
    def empty(self) -> bool:
        """Whether nobody can arrive on such a day (closed, or zero weight while open)."""
        return self.cumulative.size == 0


@lru_cache(maxsize=256)
def day_shape(periods: tuple[Period, ...], hour_profile: tuple[float, ...]) -> DayShape:
    """Split opening periods (minutes since 00:00) at hour boundaries and weight them by the hour profile.

    Parameters
    ----------
    periods
        Opening periods of the day, minutes since 00:00.
    hour_profile
        Twenty-four non-negative weights (00:00..23:00).

    Returns
    -------
    DayShape
        The segments and their cumulative probabilities.
    """
    starts, widths, mass = [], [], []
    for opening, closing in periods:
        for hour in range(int(opening // 60), int(np.ceil(closing / 60))):
            a, b = max(opening, 60.0 * hour), min(closing, 60.0 * hour + 60)
            if b > a and hour_profile[hour] > 0:
                starts.append(a)
                widths.append(b - a)
                mass.append(hour_profile[hour] * (b - a))
    total = float(sum(mass))
    cumulative = np.cumsum(mass) / total if total > 0 else np.empty(0)
    if cumulative.size:
        cumulative[-1] = 1.0
    return DayShape(np.asarray(starts, dtype=np.float64), np.asarray(widths, dtype=np.float64), cumulative)


def sample_day(rng: np.random.Generator, expected: float, shape: DayShape, day_start: float) -> FloatArray:
    """Arrival times of one day, sorted, in absolute minutes.

    Parameters
    ----------
    rng
        The arrival stream.
    expected
        Expected number of arrivals that day.
    shape
        The day's intensity shape.
    day_start
        Absolute time of the day's 00:00, minutes.

    Returns
    -------
    numpy.ndarray
        Sorted float64 arrival times within the day's opening periods.
    """
    if shape.empty or expected <= 0:
        return np.empty(0)
    return shape.sorted_times(rng, int(rng.poisson(expected)), day_start)
