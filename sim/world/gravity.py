r"""Doubly-constrained gravity model of inter-provincial migration: who lives in which province, by hukou province.

The 2020 census gives, for every province, how many residents hold a hukou registered in another province (the
column totals ``in_j``) but the full origin -> destination table (yearbook table 7-3) is not available offline, and
the out-migrant totals ``O_i`` (people of province ``i`` living elsewhere) are known for Henan and Anhui only. This
module fills the table with an *estimate* in three steps; nothing here is census data.

1. **Out-migrant totals** (:func:`estimate_out_totals`). A propensity model

   .. math:: O_i = a \, P_i \, e^{-b \, r_i}, \qquad r_i = in_i / P_i,

   says that provinces whose residents include many in-migrants (rich, receiving provinces) send fewer of their
   own people out. ``a`` is set so that :math:`\sum_i O_i = \sum_j in_j` exactly (every migrant counted once at
   each end); ``b`` minimises the squared log errors at the provinces whose totals are known. The known
   provinces are then pinned to their values and the others rescaled by a common factor so the sum is exact
   again.
2. **Seed** (:func:`gravity_od`). :math:`S_{ij} = d_{ij}^{-\beta}` for :math:`i \ne j` and :math:`S_{ii} = 0`,
   with :math:`d_{ij}` the great-circle distance between provincial capitals (:func:`distance_matrix_km`). The
   power law is the usual form for Chinese inter-provincial flows (elasticities of about 1-2); it is also
   scale-free, so after balancing the table does not depend on the distance unit. An exponential seed
   :math:`e^{-d/L}` needs a decay length: with ``L`` short enough to reproduce the Anhui -> Shanghai corridor it
   starves every long-distance corridor (Henan -> Guangdong, Sichuan -> Xinjiang), so it was not used.
3. **Balancing** (:func:`ipf`). Iterative proportional fitting (Furness) scales rows and columns of the seed in
   turn until the rows sum to ``O_i`` and the columns to ``in_j``. The result is the maximum-entropy table
   closest to the seed (in Kullback-Leibler divergence) with those margins; zeros of the seed, the diagonal in
   particular, stay zero.

All counts are persons (floats, not rounded), distances kilometres, angles degrees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius (km) used by the haversine formula."""

MARGIN_RTOL = 1e-9
"""Largest relative difference between the sums of row and column totals that :func:`ipf` accepts."""

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0

FloatArray = npt.NDArray[np.float64]


def great_circle_km(lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike) -> FloatArray:
    """Great-circle distance between two points on a sphere of radius 6,371 km (haversine formula).

    Parameters
    ----------
    lon1, lat1
        Longitude and latitude of the first point(s), degrees.
    lon2, lat2
        Longitude and latitude of the second point(s), degrees. All four broadcast together.

    Returns
    -------
    numpy.ndarray
        Distance in kilometres, with the broadcast shape of the inputs (a 0-d array for scalars; ``float(...)``
        converts it).
    """
    phi1, phi2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    out: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def distance_matrix_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """Pairwise great-circle distances between ``n`` points.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes of the points, degrees, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        Distances in kilometres, shape ``(n, n)``, symmetric, with an exact zero diagonal.

    Raises
    ------
    ValueError
        If ``lon`` and ``lat`` are not 1-D arrays of the same length.
    """
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"lon and lat must be 1-D of the same length, got shapes {x.shape} and {y.shape}")
    d = great_circle_km(x[:, None], y[:, None], x[None, :], y[None, :])
    d = np.asarray((d + d.T) / 2.0, dtype=float)
    np.fill_diagonal(d, 0.0)
    return d


def ipf(
    seed: npt.ArrayLike,
    row_totals: npt.ArrayLike,
    col_totals: npt.ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> FloatArray:
    """Fit a non-negative matrix to given row and column totals by iterative proportional fitting (Furness).

    Each iteration scales every row to its total, then every column to its total. The iteration stops when, after
    a column step (columns then hold their totals up to rounding), every row total is within ``tol`` relative of
    its target. Cells that are zero in the seed stay exactly zero; rows and columns with a zero total become zero.

    Parameters
    ----------
    seed
        Non-negative, finite seed matrix, shape ``(m, n)`` (units irrelevant: only ratios within a row or a column
        matter to the result).
    row_totals
        Target row sums, shape ``(m,)``, non-negative (e.g. persons).
    col_totals
        Target column sums, shape ``(n,)``, non-negative, same unit as ``row_totals``.
    tol
        Relative tolerance on every row sum at convergence.
    max_iter
        Largest number of (row, column) scaling pairs.

    Returns
    -------
    numpy.ndarray
        The fitted matrix, shape ``(m, n)``, in the unit of the totals.

    Raises
    ------
    ValueError
        If shapes disagree, an input is negative or not finite, the sums of the two margins differ by more than
        ``1e-9`` relative, a positive total has an all-zero seed row or column, or the iteration does not converge
        within ``max_iter`` (margins incompatible with the seed's zero pattern, or a seed with cross-product ratios
        so extreme, e.g. 1e7, that the solution is nearly on the boundary and convergence crawls).
    """
    x = np.array(seed, dtype=float)
    rows = np.asarray(row_totals, dtype=float)
    cols = np.asarray(col_totals, dtype=float)
    if x.ndim != 2 or rows.shape != (x.shape[0],) or cols.shape != (x.shape[1],):
        raise ValueError(f"shapes disagree: seed {x.shape}, row totals {rows.shape}, column totals {cols.shape}")
    for label, values in (("seed", x), ("row totals", rows), ("column totals", cols)):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"{label} must be finite and non-negative")
    total_r, total_c = float(rows.sum()), float(cols.sum())
    if abs(total_r - total_c) > MARGIN_RTOL * max(total_r, total_c):
        raise ValueError(f"margins differ: rows sum to {total_r!r}, columns to {total_c!r}")
    if np.any((rows > 0) & (x.sum(axis=1) == 0)) or np.any((cols > 0) & (x.sum(axis=0) == 0)):
        raise ValueError("a positive total has an all-zero seed row or column")
    x[rows == 0, :] = 0.0
    x[:, cols == 0] = 0.0
    positive = rows > 0
    for _ in range(max_iter):
        row_sums = x.sum(axis=1)
        x *= np.divide(rows, row_sums, out=np.zeros_like(rows), where=row_sums > 0)[:, None]
        col_sums = x.sum(axis=0)
        x *= np.divide(cols, col_sums, out=np.zeros_like(cols), where=col_sums > 0)[None, :]
        error = np.abs(x.sum(axis=1)[positive] - rows[positive]) / rows[positive]
        if error.size == 0 or float(error.max()) <= tol:
            return x
    raise ValueError(
        f"IPF did not converge in {max_iter} iterations: margins incompatible with the seed's zeros, or a seed "
        f"so uneven that the solution is almost on the boundary (convergence then slows without bound)"
    )


def gravity_od(
    out_totals: npt.ArrayLike,
    in_totals: npt.ArrayLike,
    distance_km: npt.ArrayLike,
    *,
    beta: float,
) -> FloatArray:
    r"""Doubly-constrained power-law gravity model: origin -> destination flows with both margins fixed.

    The seed is :math:`d_{ij}^{-\beta}` off the diagonal and 0 on it, balanced by :func:`ipf` so that row ``i``
    sums to ``out_totals[i]`` and column ``j`` to ``in_totals[j]``. The power law is the usual form for Chinese
    inter-provincial migration and does not depend on the distance unit once balanced (see the module notes).

    Parameters
    ----------
    out_totals
        Migrants by origin (hukou province), persons, shape ``(n,)``.
    in_totals
        Migrants by destination (residence province), persons, shape ``(n,)``; same sum as ``out_totals``.
    distance_km
        Distances between the units, km, shape ``(n, n)``; off-diagonal entries must be positive.
    beta
        Distance elasticity, dimensionless, ``>= 0`` (0: distance plays no part).

    Returns
    -------
    numpy.ndarray
        Flows in persons, shape ``(n, n)``, rows = origins, columns = destinations, zero diagonal.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, the distance matrix is not square with positive off-diagonal
        entries, or :func:`ipf` fails.
    """
    if not np.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be finite and >= 0, got {beta!r}")
    d = np.asarray(distance_km, dtype=float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"distance matrix must be square, got shape {d.shape}")
    off = ~np.eye(d.shape[0], dtype=bool)
    if not np.all(np.isfinite(d[off])) or np.any(d[off] <= 0):
        raise ValueError("off-diagonal distances must be finite and positive")
    seed = np.zeros_like(d)
    seed[off] = d[off] ** (-beta)
    return ipf(seed, out_totals, in_totals)


@dataclass(frozen=True)
class OutTotalsEstimate:
    """Estimated out-migrant totals and the fitted propensity model.

    Attributes
    ----------
    totals : numpy.ndarray
        Out-migrants per origin, persons, shape ``(n,)``: known values where given, the rescaled model elsewhere.
        Sums to the sum of the in-migrant totals.
    a : float
        Level of the propensity model (out-migrants per resident at ``r = 0``), dimensionless.
    b : float
        Sensitivity to the in-migrant ratio ``r = in / population``, dimensionless.
    model : numpy.ndarray
        The model :math:`a P_i e^{-b r_i}` before pinning the known values, persons, shape ``(n,)``.
    rescale : float
        Factor applied to the model at the provinces without a known value.
    """

    totals: FloatArray
    a: float
    b: float
    model: FloatArray
    rescale: float


def _golden_section(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-10) -> float:
    """Minimiser of a unimodal ``f`` on ``[lo, hi]`` by golden-section search (to ``tol`` absolute)."""
    c, d = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
    fc, fd = f(c), f(d)
    while hi - lo > tol:
        if fc <= fd:
            hi, d, fd = d, c, fc
            c = hi - _GOLDEN * (hi - lo)
            fc = f(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + _GOLDEN * (hi - lo)
            fd = f(d)
    return (lo + hi) / 2.0


def estimate_out_totals(
    population: npt.ArrayLike,
    in_totals: npt.ArrayLike,
    known: Mapping[int, float],
    *,
    b_bounds: tuple[float, float] = (0.0, 100.0),
) -> OutTotalsEstimate:
    r"""Out-migrant totals per origin from a propensity model fitted to the few known totals.

    Model: :math:`O_i = a P_i e^{-b r_i}` with :math:`r_i = in_i / P_i`. For a given ``b``, ``a`` makes
    :math:`\sum_i O_i = \sum_j in_j`; ``b`` minimises :math:`\sum_{k \in known} (\ln O_k - \ln O^*_k)^2`
    by golden-section search on ``b_bounds``. The known provinces are then set to their values and the others
    multiplied by one factor so the total is again exactly :math:`\sum_j in_j`.

    Parameters
    ----------
    population
        Resident population per province, persons, shape ``(n,)``, positive.
    in_totals
        Residents with a hukou in another province, persons, shape ``(n,)``.
    known
        Known out-migrant totals, persons, by province index; at least one, summing to less than the total.
    b_bounds
        Search interval for ``b``.

    Returns
    -------
    OutTotalsEstimate
        The totals and the fitted ``a``, ``b``, model values and rescaling factor.

    Raises
    ------
    ValueError
        If shapes disagree, a population is not positive, ``known`` is empty, out of range, not positive, or
        leaves nothing for the other provinces.
    """
    pop = np.asarray(population, dtype=float)
    inn = np.asarray(in_totals, dtype=float)
    if pop.ndim != 1 or pop.shape != inn.shape:
        raise ValueError(f"population and in_totals must be 1-D of the same length: {pop.shape}, {inn.shape}")
    if np.any(pop <= 0) or np.any(inn < 0):
        raise ValueError("populations must be positive and in-migrant totals non-negative")
    if not known:
        raise ValueError("at least one known out-migrant total is needed to fit the model")
    idx = np.array(sorted(known), dtype=int)
    if idx.min() < 0 or idx.max() >= pop.size:
        raise ValueError(f"known indices must be in 0..{pop.size - 1}")
    target = np.array([known[int(k)] for k in idx], dtype=float)
    total = float(inn.sum())
    if np.any(target <= 0) or target.sum() >= total:
        raise ValueError("known totals must be positive and sum to less than the total of in_totals")
    ratio = inn / pop

    def model(b: float) -> FloatArray:
        weight = pop * np.exp(-b * ratio)
        scaled: FloatArray = total * weight / weight.sum()
        return scaled

    def loss(b: float) -> float:
        return float(np.sum((np.log(model(b)[idx]) - np.log(target)) ** 2))

    b = _golden_section(loss, *b_bounds)
    fitted = model(b)
    a = total / float(np.sum(pop * np.exp(-b * ratio)))
    free = np.ones(pop.size, dtype=bool)
    free[idx] = False
    rescale = (total - float(target.sum())) / float(fitted[free].sum())
    totals = fitted * rescale
    totals[idx] = target
    return OutTotalsEstimate(totals=totals, a=a, b=b, model=fitted, rescale=rescale)


def fit_beta_to_share(
    out_totals: npt.ArrayLike,
    in_totals: npt.ArrayLike,
    distance_km: npt.ArrayLike,
    *,
    origin: int,
    destination: int,
    share: float,
    bounds: tuple[float, float] = (0.5, 3.0),
) -> float:
    r"""Distance elasticity that brings one corridor's share of its destination closest to a target.

    Minimises :math:`(\ln(T_{od} / in_d) - \ln s)^2` over ``beta`` in ``bounds`` by golden-section search, with
    :math:`T` from :func:`gravity_od`. If no ``beta`` reaches the target the result is the ``beta`` that comes
    closest (for a share above what the model can give: the one that maximises the share).

    Parameters
    ----------
    out_totals, in_totals, distance_km
        As for :func:`gravity_od` (persons, persons, km).
    origin, destination
        Indices of the corridor.
    share
        Target share of the destination's in-migrants who come from ``origin``, a fraction in ``(0, 1)``.
    bounds
        Search interval for ``beta`` (dimensionless).

    Returns
    -------
    float
        The fitted ``beta``, to about 1e-6.

    Raises
    ------
    ValueError
        If ``share`` is not in ``(0, 1)`` or :func:`gravity_od` fails.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), got {share!r}")
    inn = np.asarray(in_totals, dtype=float)

    def loss(beta: float) -> float:
        flows = gravity_od(out_totals, inn, distance_km, beta=beta)
        return float((np.log(flows[origin, destination] / inn[destination]) - np.log(share)) ** 2)

    return _golden_section(loss, *bounds, tol=1e-6)
