"""Figures per calendar week and month, with 95 % confidence intervals across replications.

A rollout never reaches a steady state, so a figure over the whole horizon hides how it moves. This module gives
the headline figures of :mod:`sim.experiment.metrics` and :mod:`sim.experiment.journey` per ISO week (Monday to
Sunday, labelled ``2022-W36``) and per calendar month (labelled ``2022-09``), each with the mean and the 95 %
Student-t interval across replications (:func:`sim.experiment.stats.estimate`).

Periods cover the arrival horizon, ``run.start`` to ``run.end``, warm-up included; the first and last period may
be partial (``days`` gives the arrival days a period has). Attribution:

- per-applicant figures (applicants, waits, lead times, verification turnaround) belong to the period of the
  applicant's first arrival, however late the applicant was served or the review decided;
- time-weighted figures (window utilisation and overtime, reviewer utilisation) belong to the period in which the
  minutes fall (the per-day bins of :class:`~sim.model.build.ReplicationResult`); minutes after ``run.end``, while
  the last applicants finish, belong to no period; a day's staffed minutes are that day's windows (reviewers) x its
  open minutes, so a period is judged with its own staff when ``windows_from`` / ``reviewers_from`` change it;
- forgone applications belong to the day they were forgone.

Each figure is the whole-horizon figure's definition applied to the period's applicants or days instead of the
measurement window (:func:`period_figures` over one period that covers the window reproduces
:func:`~sim.experiment.metrics.replication_figures`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.experiment.catalogue import WAIT_SHARE_OVER, Metric, reported_name
from sim.experiment.catalogue import names as metric_names
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metric import TOTAL, percentile, staffed_split
from sim.experiment.metrics import metric_list
from sim.experiment.stats import estimate
from sim.model.records import VisitKind
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.staff import reviewers_by_day, windows_by_day

if TYPE_CHECKING:  # the runner imports this module to reduce replications where they run
    from sim.experiment.runner import Experiment

PeriodKind = Literal["week", "month"]
"""Calendar periods: ISO weeks (Monday to Sunday) or calendar months."""

PERIOD_KINDS: tuple[PeriodKind, ...] = ("week", "month")
"""The period series a results folder holds (``weekly.csv``, ``monthly.csv``)."""

ScopeChoice = Literal["auto", "total", "all"]
"""Which scopes get rows: ``total`` and the hukou provinces, ``all`` adds every office, ``auto`` adds the offices
when there are at most :data:`MAX_OFFICE_SCOPES`."""

MAX_OFFICE_SCOPES = 20
"""Largest number of offices for which ``scopes="auto"`` writes per-office rows (a national scenario has 341
offices and about 150 weeks: per-office rows would be millions of mostly empty cells)."""

PERIOD_COLUMNS = (
    "period", "start", "end", "days", "scope", "metric", "unit", "mean", "ci_low", "ci_high", "half_width", "n"
)  # fmt: skip
"""Columns of ``weekly.csv`` and ``monthly.csv``: the period's label, first and last arrival day in the horizon,
number of those days, then as in ``summary.csv``."""

PERIOD_METRIC_NAMES = metric_names(
    "applicants",
    "forgone",
    "wait_mean",
    "wait_p90",
    WAIT_SHARE_OVER,
    "utilisation",
    "overtime_hours_per_open_day",
    "lead_days_mean",
    "lead_days_p90",
    "turnaround_hours_mean",
    "reviewer_utilisation",
)
"""The catalogue figures reported per period, in table order; ``forgone`` only with migrant demand, the last
four only with provinces."""

Figures = dict[tuple[str, str], NDArray[np.float64]]
"""(scope, metric name) -> one value per period, NaN where undefined, for one replication."""


@dataclass(frozen=True)
class Period:
    """One calendar period, cut to the arrival horizon.

    Attributes
    ----------
    label : str
        ``2022-W36`` (ISO year and week) or ``2022-09``.
    start, end : datetime.date
        First and last arrival day of the period inside the horizon (inclusive).
    """

    label: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Number of arrival days of the period inside the horizon, days."""
        return (self.end - self.start).days + 1


class PeriodRow(NamedTuple):
    """A row of ``weekly.csv`` / ``monthly.csv`` (see :data:`PERIOD_COLUMNS`); NaN where undefined."""

    period: str
    start: dt.date
    end: dt.date
    days: int
    scope: str
    metric: str
    unit: str
    mean: float
    ci_low: float
    ci_high: float
    half_width: float
    n: int


def calendar_periods(start: dt.date, end: dt.date, kind: PeriodKind) -> tuple[list[Period], NDArray[np.int64]]:
    """The weeks or months from ``start`` to ``end`` and the period of every day.

    Parameters
    ----------
    start, end
        First and last day (inclusive).
    kind
        ``week`` (ISO weeks, from Monday) or ``month``.

    Returns
    -------
    periods : list of Period
        In order, the first and last cut to ``start`` and ``end``.
    day_period : numpy.ndarray
        For day index ``d`` (``start + d`` days), the index of its period in ``periods``.
    """
    days = (end - start).days + 1
    periods: list[Period] = []
    day_period = np.empty(max(days, 0), dtype=np.int64)
    label = ""
    for d in range(days):
        date = start + dt.timedelta(days=d)
        if kind == "week":
            iso = date.isocalendar()
            here = f"{iso.year}-W{iso.week:02d}"
        else:
            here = f"{date.year}-{date.month:02d}"
        if here != label:
            periods.append(Period(here, date, date))
            label = here
        else:
            periods[-1] = Period(here, periods[-1].start, date)
        day_period[d] = len(periods) - 1
    return periods, day_period


def period_metrics(scenario: Scenario) -> tuple[Metric, ...]:
    """The figures reported per period for ``scenario``, as defined (name, unit) for the whole horizon."""
    by_name = {m.name: m for m in metric_list(scenario)}
    threshold = scenario.report.wait_threshold_minutes
    chosen = [reported_name(n, threshold) for n in PERIOD_METRIC_NAMES]
    if scenario.migrant_demand is None:
        chosen.remove("forgone")
    return tuple(by_name[n] for n in chosen if n in by_name)


def include_offices(scenario: Scenario, scopes: ScopeChoice) -> bool:
    """Whether ``scopes`` asks for per-office rows for ``scenario`` (see :data:`ScopeChoice`)."""
    return scopes == "all" or (scopes == "auto" and len(scenario.offices) <= MAX_OFFICE_SCOPES)


def reduced_periods(
    scenario: Scenario, result: ReplicationResult, period: PeriodKind, scopes: ScopeChoice = "auto"
) -> Figures:
    """One replication's figures per week or month (see :func:`period_figures`), for the given scopes."""
    periods, day_period = calendar_periods(scenario.run.start, scenario.run.end, period)
    return period_figures(scenario, result, day_period, len(periods), offices=include_offices(scenario, scopes))


def period_rows(experiment: Experiment, period: PeriodKind, scopes: ScopeChoice = "auto") -> list[PeriodRow]:
    """Mean and 95 % CI across replications of every figure per period, scope and metric.

    Parameters
    ----------
    experiment
        The replications (each outcome holds its full records).
    period
        ``week`` or ``month``.
    scopes
        ``total`` and the hukou provinces (``"total"``), plus every office (``"all"``), or the offices only when
        there are at most :data:`MAX_OFFICE_SCOPES` (``"auto"``).

    Returns
    -------
    list of PeriodRow
        Period by period; within a period, scopes in table order (offices, ``hukou:<province>``, ``total``) and
        metrics in :data:`PERIOD_METRIC_NAMES` order. Waits in minutes, lead times in days, turnaround in hours,
        utilisation as a share, counts in applicants or applications per period. ``n`` counts the replications
        in which the figure is defined (a period without applicants has no wait).
    """
    scenario = experiment.scenario
    periods, _ = calendar_periods(scenario.run.start, scenario.run.end, period)
    offices = include_offices(scenario, scopes)
    if scopes != "auto" and any(o.records is None for o in experiment.outcomes):
        raise ValueError("replications run without records carry their period figures for the default scopes only")
    figures = [
        o.periods[period] if o.records is None else reduced_periods(scenario, o.result, period, scopes)
        for o in experiment.outcomes
    ]
    names = [o.name for o in scenario.offices] if offices else []
    names += [PROVINCE_PREFIX + p.name for p in scenario.provinces] + [TOTAL]
    table = [
        (scope, metric, np.stack([f[(scope, metric.name)] for f in figures], axis=1))
        for scope in names
        for metric in period_metrics(scenario)
        if figures and (scope, metric.name) in figures[0]
    ]
    rows = []
    for i, p in enumerate(periods):
        for scope, metric, values in table:
            e = estimate(values[i])
            row = (e.mean, e.low, e.high, e.half_width)
            rows.append(PeriodRow(p.label, p.start, p.end, p.days, scope, metric.name, metric.unit, *row, e.n))
    return rows


def period_figures(
    scenario: Scenario,
    result: ReplicationResult,
    day_period: NDArray[np.int64],
    periods: int,
    *,
    offices: bool = True,
) -> Figures:
    """Every per-period figure of one replication.

    Parameters
    ----------
    scenario
        The scenario that was run.
    result
        The replication's records.
    day_period
        Period index of each arrival day ``0 .. len(day_period) - 1``; -1 (and days past its end) in no period.
    periods
        Number of periods.
    offices
        Whether to compute the office scopes (``total`` and the hukou provinces always).

    Returns
    -------
    dict
        ``(scope, metric) -> array`` of one value per period: counts of applicants and forgone applications,
        waits in minutes, lead times in days, turnaround in hours, utilisation as a share of staffed minutes,
        overtime in window-hours per open day; NaN where a period has no observation.
    """
    v, a, r = result.visits, result.applicants, result.requests
    provinces = len(scenario.provinces)
    office_names = [o.name for o in scenario.offices]
    province_names = [PROVINCE_PREFIX + p.name for p in scenario.provinces]
    # one-hot (days, periods): per-day bins -> per-period sums
    width = result.open_minutes.shape[1]
    onehot = np.zeros((width, periods))
    days = np.arange(min(width, day_period.size))
    keep = day_period[days] >= 0
    onehot[days[keep], day_period[days][keep]] = 1.0
    figures: Figures = {}

    def put(names: Sequence[str], metric: str, values: NDArray[np.float64]) -> None:
        """Store ``values`` of shape (periods, groups) under the groups' scope names."""
        for g, scope in enumerate(names):
            figures[(scope, metric)] = values[:, g]

    # applicants, by the day of their first arrival
    a_period = _period_of(day_period, a["day"])
    a_scopes = _families(offices, a["office"], office_names, a["province"], province_names)
    for group, names in a_scopes:
        shape = (periods, len(names))
        put(names, "applicants", _count(_cells(a_period, group, shape), shape))
    if scenario.migrant_demand is not None:
        figures[(TOTAL, "forgone")] = result.forgone.sum(axis=0) @ onehot[: result.forgone.shape[1]]

    # window figures (offices and total): waits of first intakes by arrival day, utilisation by the minutes' day
    intake = v["kind"] == VisitKind.INTAKE
    waits, w_period = v["wait"][intake], _period_of(day_period, v["day"][intake])
    over = (waits > scenario.report.wait_threshold_minutes).astype(np.float64)
    for group, names in _families(offices, v["office"][intake], office_names):
        shape = (periods, len(names))
        cells = _cells(w_period, group, shape)
        put(names, "wait_mean", _mean(waits, cells, shape))
        put(names, "wait_p90", _percentile(waits, cells, shape, 90))
        put(names, f"wait_share_over_{scenario.report.wait_threshold_minutes:g}min", _mean(over, cells, shape))
    windows = windows_by_day(scenario.offices, width).astype(np.float64)
    for name, values in _staffed_figures(result, windows, onehot).items():
        if offices:
            put(office_names, name, values[:, :-1])
        figures[(TOTAL, name)] = values[:, -1]

    if not provinces:
        return figures
    # journey figures: lead times by the applicant's first arrival, each review by its applicant's first arrival
    lead = (a["in_hand"] - a["arrival"]) / MINUTES_PER_DAY
    for group, names in a_scopes:
        shape = (periods, len(names))
        cells = _cells(a_period, group, shape)
        put(names, "lead_days_mean", _mean(lead, cells, shape))
        put(names, "lead_days_p90", _percentile(lead, cells, shape, 90))
    arrival_day = np.full(int(max(a["applicant"].max(initial=-1), r["applicant"].max(initial=-1))) + 1, -1)
    arrival_day[a["applicant"]] = a["day"]
    r_period = _period_of(day_period, arrival_day[r["applicant"]])
    turnaround = (r["decided"] - r["sent"]) / 60.0
    for group, names in _families(offices, r["office"], office_names, r["province"], province_names):
        shape = (periods, len(names))
        cells = _cells(r_period, group, shape)
        put(names, "turnaround_hours_mean", _mean(turnaround, cells, shape))
    reviewers = reviewers_by_day(scenario.provinces, width).astype(np.float64)
    review_busy = result.reviewer_busy @ onehot  # reviewer-minutes (provinces, periods)
    review_staffed = (reviewers * result.reviewer_open) @ onehot  # each day's reviewers x their minutes at work
    put(province_names, "reviewer_utilisation", _ratio(review_busy, review_staffed).T)
    figures[(TOTAL, "reviewer_utilisation")] = _ratio(review_busy.sum(axis=0), review_staffed.sum(axis=0))
    return figures


def _staffed_figures(
    result: ReplicationResult, windows: NDArray[np.float64], onehot: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Window utilisation (share) and overtime (window-hours per open day) per period.

    Parameters
    ----------
    result
        The replication's records.
    windows
        Shape (offices, days of the per-day bins): each office's windows on each day (staffing by date).
    onehot
        Shape (days, periods): 1 where a day belongs to a period.

    Returns
    -------
    dict
        ``utilisation`` and ``overtime_hours_per_open_day``, each of shape (periods, offices + 1): the offices in
        order, then the total (utilisation pooled over the offices' staffed minutes, overtime summed over them).
    """
    staffed_busy, overtime = staffed_split(result.busy_area, result.open_minutes, windows)
    busy, staffed = staffed_busy @ onehot, (windows * result.open_minutes) @ onehot  # window-minutes (offices, periods)
    open_days = (result.open_minutes > 0) @ onehot
    office_overtime = _ratio((overtime @ onehot) / 60.0, open_days)
    utilisation = np.vstack((_ratio(busy, staffed), _ratio(busy.sum(axis=0), staffed.sum(axis=0))))
    return {
        "utilisation": utilisation.T,
        "overtime_hours_per_open_day": np.vstack((office_overtime, office_overtime.sum(axis=0))).T,
    }


Family = tuple[NDArray[Any], list[str]]
"""The group index of each observation and the scope names of the groups."""


def _families(
    offices: bool,
    office: NDArray[Any],
    office_names: list[str],
    province: NDArray[Any] | None = None,
    province_names: Sequence[str] = (),
) -> list[Family]:
    """Groupings of the observations: by office (when asked), by hukou province (when any), and ``total``."""
    out: list[Family] = [(office, office_names)] if offices else []
    if province is not None and province_names:
        out.append((province, list(province_names)))
    out.append((np.zeros_like(office), [TOTAL]))
    return out


def _period_of(day_period: NDArray[np.int64], days: NDArray[Any]) -> NDArray[np.int64]:
    """Period index of each day index, -1 for days in no period."""
    out = np.full(days.shape, -1, dtype=np.int64)
    inside = (days >= 0) & (days < day_period.size)
    out[inside] = day_period[days[inside]]
    return out


def _cells(period: NDArray[np.int64], group: NDArray[Any], shape: tuple[int, int]) -> NDArray[np.int64]:
    """Flat index ``period * groups + group`` into ``shape`` (periods, groups) of each observation; -1 outside."""
    group = group.astype(np.int64)
    return np.where((period >= 0) & (group >= 0), period * shape[1] + group, -1)


def _count(cells: NDArray[np.int64], shape: tuple[int, int]) -> NDArray[np.float64]:
    """Number of observations per cell, shape (periods, groups)."""
    counts = np.bincount(cells[cells >= 0], minlength=shape[0] * shape[1])
    return counts.astype(np.float64).reshape(shape)


def _mean(values: NDArray[np.float64], cells: NDArray[np.int64], shape: tuple[int, int]) -> NDArray[np.float64]:
    """Mean of ``values`` per cell, shape (periods, groups); NaN where empty (as ``metric.mean``)."""
    inside = cells >= 0
    size = shape[0] * shape[1]
    sums = np.bincount(cells[inside], weights=values[inside], minlength=size).astype(np.float64)
    counts = np.bincount(cells[inside], minlength=size).astype(np.float64)
    return _ratio(sums, counts).reshape(shape)


def _percentile(
    values: NDArray[np.float64], cells: NDArray[np.int64], shape: tuple[int, int], q: float
) -> NDArray[np.float64]:
    """``metric.percentile`` of ``values`` per cell, shape (periods, groups); NaN where empty.

    The observations are grouped with one sort; the percentile is the whole-horizon helper, applied per cell.
    """
    out = np.full(shape[0] * shape[1], math.nan)
    inside = cells >= 0
    order = np.argsort(cells[inside], kind="stable")
    cells, values = cells[inside][order], values[inside][order]
    if cells.size:
        bounds = np.flatnonzero(np.diff(cells)) + 1
        for cell, chunk in zip(cells[np.r_[0, bounds]].tolist(), np.split(values, bounds), strict=True):
            out[cell] = percentile(chunk, q)
    return out.reshape(shape)


def _ratio(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
    """Element-wise quotient, NaN where the denominator is not positive (as ``metric.ratio``)."""
    out = np.full(np.broadcast(numerator, denominator).shape, math.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
