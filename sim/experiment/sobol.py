"""Sobol' sensitivity indices: a Saltelli design on a scrambled Sobol' sequence, two estimators, bootstrap CIs.

Only numbers here (numpy and ``scipy.stats.qmc``); :mod:`sim.experiment.sensitivity` maps the unit cube to the
ranges of scenario keys and runs the model.

Design (Saltelli 2002, 2010). ``d`` inputs, each uniform on [0, 1), and ``N`` base rows (a power of 2, so that the
Sobol' points are balanced). One scrambled Sobol' sequence of dimension ``2d`` gives ``N`` points; matrix ``A`` is
their first ``d`` columns and ``B`` the last ``d``. ``AB_i`` is ``A`` with its column ``i`` taken from ``B``. The
model is evaluated at the rows of ``A``, ``B`` and the ``d`` matrices ``AB_i``: ``N (d + 2)`` points, in that order
(:meth:`Design.points`).

Estimators. With ``f_A``, ``f_B`` and ``f_ABi`` the model outputs at the rows of those matrices (row ``j`` of each)
and ``V`` the variance of the ``2N`` values of ``f_A`` and ``f_B`` together (divided by ``2N``):

- first order, Saltelli et al. (2010), Table 2 (b), with ``f_B`` centred on the mean ``m`` of the ``2N`` values::

      S_i  = (1/N) sum_j (f_B,j - m) (f_ABi,j - f_A,j) / V

  Centring changes nothing in expectation (``f_ABi - f_A`` has mean 0) but removes the term ``m (f_ABi - f_A)``,
  whose noise swamps the estimate when the output's mean is large against its spread (a mean wait of 20 minutes
  that varies by 2); it is what SALib does by standardising the outputs first.

- total, Jansen (1999) (Saltelli et al. 2010, Table 2 (f))::

      ST_i = (1/(2N)) sum_j (f_A,j - f_ABi,j)^2 / V

``S_i`` is the share of the output's variance due to input ``i`` alone; ``ST_i`` the share due to ``i`` with all its
interactions. ``ST_i`` >= 0 always; ``S_i`` may come out slightly negative for an input that does nothing alone, and
``ST_i - S_i`` measures interactions. An output that does not vary (``V = 0``) has no indices (NaN).

Confidence intervals. The rows ``j`` are resampled with replacement (the same rows for every matrix, input and
output), both estimators are recomputed on each resample, and the 95 % interval is the 2.5th and 97.5th
percentiles of the resampled values. The bootstrap treats the rows as independent draws, which a Sobol' sequence's
are not (they are more even), so the intervals are, if anything, too wide (tested on the Ishigami function).

References: A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and estimator for the
total sensitivity index", Computer Physics Communications 181 (2010) 259-270; M. J. W. Jansen, "Analysis of variance
designs for model output", Computer Physics Communications 117 (1999) 35-43.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

Array: TypeAlias = NDArray[np.float64]

LEVEL = 0.95
"""Confidence level of the bootstrap intervals."""

RESAMPLES = 1000
"""Bootstrap resamples (default)."""

MIN_SAMPLES = 4
"""The fewest base rows a design may have."""

_BATCH_ELEMENTS = 1 << 20
"""Resampled rows drawn at once (resamples x N), which bounds the bootstrap's memory."""


@dataclass(frozen=True)
class Design:
    """The two base matrices of a Saltelli design on the unit cube.

    Attributes
    ----------
    a, b : ndarray, shape (N, d)
        Matrices ``A`` and ``B``, values in [0, 1).
    """

    a: Array
    b: Array

    @property
    def samples(self) -> int:
        """Base rows ``N``."""
        return int(self.a.shape[0])

    @property
    def inputs(self) -> int:
        """Inputs ``d``."""
        return int(self.a.shape[1])

    def points(self) -> Array:
        """Every point the model is evaluated at, shape ``(N (d + 2), d)``: the rows of A, B, AB_1, ..., AB_d."""
        blocks = [self.a, self.b]
        for i in range(self.inputs):
            ab = self.a.copy()
            ab[:, i] = self.b[:, i]
            blocks.append(ab)
        return np.vstack(blocks)


@dataclass(frozen=True)
class Indices:
    """First-order and total indices of one output, per input, with their bootstrap intervals.

    Attributes
    ----------
    first, first_low, first_high : ndarray, shape (d,)
        ``S_i`` and its 95 % interval (shares of variance, no unit).
    total, total_low, total_high : ndarray, shape (d,)
        ``ST_i`` and its 95 % interval.
    variance : float
        ``V``, in the output's unit squared.
    """

    first: Array
    first_low: Array
    first_high: Array
    total: Array
    total_low: Array
    total_high: Array
    variance: float


def design(samples: int, inputs: int, seed: int) -> Design:
    """A Saltelli design from a scrambled Sobol' sequence.

    Parameters
    ----------
    samples
        Base rows ``N``: a power of 2, at least :data:`MIN_SAMPLES`.
    inputs
        Inputs ``d`` >= 1.
    seed
        Seeds the scrambling: the same seed gives the same design.

    Returns
    -------
    Design
        ``A`` and ``B``, each ``(N, d)``.

    Raises
    ------
    ValueError
        When ``samples`` is not a power of 2 of at least :data:`MIN_SAMPLES`, or ``inputs`` < 1.
    """
    if samples < MIN_SAMPLES or samples & (samples - 1):
        raise ValueError(f"samples must be a power of 2 >= {MIN_SAMPLES}, got {samples}")
    if inputs < 1:
        raise ValueError(f"inputs must be >= 1, got {inputs}")
    from scipy.stats import qmc  # noqa: PLC0415  (scipy.stats takes half a second; only a study needs it)

    sequence = qmc.Sobol(d=2 * inputs, scramble=True, seed=np.random.default_rng(seed))
    unit = np.asarray(sequence.random_base2(samples.bit_length() - 1), dtype=np.float64)
    return Design(unit[:, :inputs].copy(), unit[:, inputs:].copy())


def split(values: Array, samples: int, inputs: int) -> tuple[Array, Array, Array]:
    """Cut the outputs at :meth:`Design.points` into ``f_A`` (N,), ``f_B`` (N,) and ``f_AB`` (d, N)."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (samples * (inputs + 2),):
        raise ValueError(f"expected {samples * (inputs + 2)} outputs, got shape {values.shape}")
    blocks = values.reshape(inputs + 2, samples)
    return blocks[0], blocks[1], blocks[2:]


def estimate(f_a: Array, f_b: Array, f_ab: Array) -> tuple[Array, Array, Array]:
    """The Saltelli first-order and Jansen total estimators (module docstring), on the last axis.

    Parameters
    ----------
    f_a, f_b : ndarray, shape (..., N)
        Outputs at the rows of ``A`` and ``B``.
    f_ab : ndarray, shape (d, ..., N)
        Outputs at the rows of each ``AB_i``.

    Returns
    -------
    first, total : ndarray, shape (d, ...)
        ``S_i`` and ``ST_i``; NaN where the variance is 0.
    variance : ndarray, shape (...)
        ``V``.
    """
    both = np.concatenate([f_a, f_b], axis=-1)
    variance = np.var(both, axis=-1)
    centre = np.mean(both, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(variance > 0, 1.0 / np.where(variance > 0, variance, 1.0), np.nan)
        first = np.mean((f_b - centre) * (f_ab - f_a), axis=-1) * scale
        total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) * scale
    return first, total, variance


def indices(values: Array, samples: int, inputs: int, *, resamples: int = RESAMPLES, seed: int = 0) -> Indices:
    """First-order and total indices of one output with bootstrap 95 % intervals.

    Parameters
    ----------
    values
        The output at every point of :meth:`Design.points`, in that order (any unit).
    samples, inputs
        ``N`` and ``d`` of the design.
    resamples
        Bootstrap resamples of the rows.
    seed
        Seeds the resampling.

    Returns
    -------
    Indices
        Per input; every field NaN when the output does not vary or has a NaN.
    """
    f_a, f_b, f_ab = split(values, samples, inputs)
    first, total, variance = estimate(f_a, f_b, f_ab)
    boot_first, boot_total = _bootstrap(f_a, f_b, f_ab, resamples, np.random.default_rng(seed))
    tail = 100 * (1 - LEVEL) / 2
    first_low, first_high = _percentiles(boot_first, tail)
    total_low, total_high = _percentiles(boot_total, tail)
    return Indices(first, first_low, first_high, total, total_low, total_high, float(variance))


def _bootstrap(f_a: Array, f_b: Array, f_ab: Array, resamples: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """Both estimators on ``resamples`` resamples of the rows, shape (d, resamples) each (in batches, for memory)."""
    samples = f_a.shape[-1]
    batch = max(1, _BATCH_ELEMENTS // samples)
    firsts, totals = [], []
    for start in range(0, resamples, batch):
        rows = rng.integers(0, samples, size=(min(batch, resamples - start), samples))
        first, total, _ = estimate(f_a[rows], f_b[rows], f_ab[:, rows])
        firsts.append(first)
        totals.append(total)
    return np.concatenate(firsts, axis=1), np.concatenate(totals, axis=1)


def _percentiles(values: Array, tail: float) -> tuple[Array, Array]:
    """The ``tail`` and ``100 - tail`` percentiles along the resamples (axis 1); NaN if any resample is NaN."""
    low: Any = np.percentile(values, tail, axis=1)
    high: Any = np.percentile(values, 100 - tail, axis=1)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
