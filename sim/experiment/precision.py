"""Sequential stopping: add replications until the key figures are known to a relative precision.

The rule is checked on the replications in index order: the experiment stops at the smallest ``n`` (at least
``minimum``) at which every key figure's 95 % CI half-width is within ``relative`` of the absolute value of its
mean, or at ``maximum``. Replications may be run ahead in batches (and in parallel), but the ones past the
stopping ``n`` are discarded, so the result depends only on the seed, never on the executor or the batch size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.experiment.catalogue import names
from sim.experiment.metrics import Figures
from sim.experiment.stats import Estimate, estimate

DEFAULT_METRICS = names("served_per_open_day", "wait_mean")
"""Key figures of the ``total`` scope for every scenario: throughput and the mean window wait."""
JOURNEY_METRICS = names("lead_days_mean")
"""Added when the scenario follows the card's journey (it has hukou provinces)."""


@dataclass(frozen=True)
class Precision:
    """A relative-precision target.

    Attributes
    ----------
    relative : float
        Target 95 % CI half-width as a share of the mean's absolute value (0.05 for 5 %).
    keys : tuple of (str, str)
        The (scope, metric) figures that must meet it.
    minimum : int
        Replications before the rule is first checked (at least 2, for a CI).
    maximum : int
        The cap: stop here even when the rule does not hold.
    """

    relative: float
    keys: tuple[tuple[str, str], ...]
    minimum: int = 3
    maximum: int = 100


@dataclass(frozen=True)
class Stop:
    """Why a sequential experiment stopped.

    Attributes
    ----------
    replications : int
        Replications kept.
    met : bool
        Whether every key figure met the target (False when the cap stopped it).
    binding : tuple of str, str
        The key figure with the widest relative half-width at the stop: the one that decided it.
    relative_half_widths : dict
        ``(scope, metric) -> half-width / |mean|`` at the stop (infinite when the mean is 0 or undefined).
    """

    replications: int
    met: bool
    binding: tuple[str, str]
    relative_half_widths: dict[tuple[str, str], float]


def relative_half_width(e: Estimate) -> float:
    """Half-width over the absolute mean; infinite when it cannot be computed or the mean is 0."""
    if e.n < 2 or not math.isfinite(e.half_width) or not math.isfinite(e.mean) or e.mean == 0:
        return math.inf
    return e.half_width / abs(e.mean)


def check(figures: Sequence[Figures], precision: Precision) -> Stop:
    """Evaluate the rule on the first ``len(figures)`` replications."""
    widths = {key: relative_half_width(estimate([f.get(key, math.nan) for f in figures])) for key in precision.keys}
    binding = max(precision.keys, key=lambda k: widths[k])
    return Stop(len(figures), widths[binding] <= precision.relative, binding, widths)


def first_stop(figures: Sequence[Figures], precision: Precision) -> Stop | None:
    """The stop on the shortest prefix (from ``minimum``) that meets the rule or the cap; None if neither yet."""
    for n in range(precision.minimum, len(figures) + 1):
        stop = check(figures[:n], precision)
        if stop.met or n >= precision.maximum:
            return stop
    return None


def next_batch(figures: Sequence[Figures], precision: Precision, parallel: int) -> int:
    """How many more replications to run, projected from the current widths (half-width ~ 1/sqrt(n)).

    Parameters
    ----------
    figures
        The replications so far, in index order.
    precision
        The rule.
    parallel
        Replications the executor runs at once; a batch is at least this many (it costs no more wall time).

    Returns
    -------
    int
        At least 1, at most what is left under the cap.
    """
    done = len(figures)
    if done < precision.minimum:
        wanted = precision.minimum
    else:
        stop = check(figures, precision)
        worst = stop.relative_half_widths[stop.binding]
        factor = (worst / precision.relative) ** 2 if math.isfinite(worst) else 2.0
        wanted = math.ceil(done * min(max(factor, 1.0), 4.0))
    return max(1, min(precision.maximum, max(wanted, done + parallel)) - done)
