"""Figures of a results folder: matplotlib (Agg) figures read through :func:`sim.results.load_results`.

This module never runs a model. Each figure function takes a loaded results folder and returns a
:class:`matplotlib.figure.Figure`, or None when the folder lacks that figure's data (no records, no provinces,
no phases, ...). :func:`write_figures` saves every applicable figure as ``RESULTS_DIR/figures/NAME.FORMAT``.

All figures share one style (:data:`STYLE`) and the Okabe-Ito colour-blind-safe palette (:data:`PALETTE`).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.rcsetup import cycler
from numpy.typing import NDArray

from sim.results import ComparisonResults, Results, ResultsError, RunResults, SweepResults, Table, load_results

Format: TypeAlias = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "svg", "pdf")
"""The file formats :func:`write_figures` writes."""

FIGURES_DIR = "figures"
"""The sub-folder of a results folder that holds the figures."""

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe-Ito colours, safe for the common colour-vision deficiencies."""

STYLE: dict[str, Any] = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 9.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "legend.frameon": False,
    "svg.fonttype": "none",
}
"""The rcParams every figure is drawn and saved with."""

MAP_CMAP = "viridis"
"""Colour map of the province tile map (perceptually uniform, colour-blind safe)."""

MISSING_TILE = "#DDDDDD"
"""Colour of a province tile without a figure."""

DEFAULT_WAIT_THRESHOLD = 30.0
"""Minutes; the scenario default of ``report.wait_threshold_minutes``."""

MINUTES_PER_DAY = 1440.0

TILES: dict[str, tuple[int, int, str]] = {
    "Heilongjiang": (8, 0, "Heilongjiang"),
    "Xinjiang": (1, 1, "Xinjiang"),
    "Gansu": (3, 1, "Gansu"),
    "Inner Mongolia": (5, 1, "Inner Mong."),
    "Beijing": (6, 1, "Beijing"),
    "Liaoning": (7, 1, "Liaoning"),
    "Jilin": (8, 1, "Jilin"),
    "Qinghai": (2, 2, "Qinghai"),
    "Ningxia": (3, 2, "Ningxia"),
    "Shaanxi": (4, 2, "Shaanxi"),
    "Shanxi": (5, 2, "Shanxi"),
    "Hebei": (6, 2, "Hebei"),
    "Tianjin": (7, 2, "Tianjin"),
    "Tibet": (2, 3, "Tibet"),
    "Sichuan": (3, 3, "Sichuan"),
    "Chongqing": (4, 3, "Chongqing"),
    "Henan": (5, 3, "Henan"),
    "Shandong": (6, 3, "Shandong"),
    "Guizhou": (4, 4, "Guizhou"),
    "Hubei": (5, 4, "Hubei"),
    "Anhui": (6, 4, "Anhui"),
    "Jiangsu": (7, 4, "Jiangsu"),
    "Shanghai": (8, 4, "Shanghai"),
    "Yunnan": (3, 5, "Yunnan"),
    "Guangxi": (4, 5, "Guangxi"),
    "Hunan": (5, 5, "Hunan"),
    "Jiangxi": (6, 5, "Jiangxi"),
    "Zhejiang": (7, 5, "Zhejiang"),
    "Guangdong": (5, 6, "Guangdong"),
    "Fujian": (6, 6, "Fujian"),
    "Hainan": (4, 7, "Hainan"),
}
"""Province (English name, as in ``provinces.csv``) to its tile: column (west to east), row (north to south) and
the short name written in the tile."""

MAP_METRICS = ("lead_days_p90", "lead_days_mean", "applicants", "turnaround_hours_mean")
"""Hukou-scope figures the map colours by, the first one the summary has."""

HEADLINE_METRICS = (
    "served_per_open_day",
    "wait_mean",
    "wait_p90",
    "utilisation",
    "lead_days_mean",
    "lead_days_p90",
    "forgone",
)
"""Total-scope figures whose paired differences the comparison figure shows, those the folder has."""

PRETTY = {
    "served_per_open_day": "served per open day",
    "wait_mean": "mean wait",
    "wait_p90": "90th percentile wait",
    "wait_p95": "95th percentile wait",
    "utilisation": "window utilisation",
    "lead_days_mean": "mean lead time",
    "lead_days_p90": "90th percentile lead time",
    "turnaround_hours_mean": "mean verification turnaround",
    "applicants": "applicants",
    "forgone": "forgone applications",
}
"""Metric name to its English label."""

Array: TypeAlias = NDArray[Any]
FigureFunction: TypeAlias = Callable[[RunResults], Figure | None]


@contextmanager
def style() -> Iterator[None]:
    """Draw (and save) inside this context to use the module's style :data:`STYLE`.

    Yields
    ------
    None
        While inside, matplotlib's rcParams are those of :data:`STYLE`.
    """
    with mpl.rc_context(cast(Any, STYLE)):
        yield


def new_figure(rows: int = 1, cols: int = 1, width: float = 8.0, height: float = 4.5) -> tuple[Figure, Any]:
    """A figure on the Agg canvas with a grid of axes (no pyplot state).

    Parameters
    ----------
    rows, cols
        The grid of axes.
    width, height
        Figure size in inches.

    Returns
    -------
    tuple of Figure and axes
        The figure and its axes (one Axes, or an array of them when ``rows * cols > 1``).
    """
    with style():
        figure = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(rows, cols, squeeze=True)
    return figure, axes


def label(metric: str) -> str:
    """English label of a metric name (the name itself, underscores as spaces, when unknown)."""
    return PRETTY.get(metric, metric.replace("_", " "))


def _rows(table: Table, scope: str, metric: str) -> Table:
    return table.where((table["scope"] == scope) & (table["metric"] == metric))


def _period_table(results: RunResults, name: str) -> Table | None:
    try:
        table: Table = getattr(results, name)
    except ResultsError:
        return None
    return table if len(table) else None


def _phase_starts(results: RunResults) -> list[tuple[str, np.datetime64]]:
    """The scenario's phases as (name, start date); none when the scenario has no phases."""
    try:
        phases = results.scenario.get("phase") or []
    except ResultsError:
        return []
    out: list[tuple[str, np.datetime64]] = []
    for phase in phases:
        try:
            out.append((str(phase.get("name", "")), np.datetime64(dt.date.fromisoformat(str(phase["start"])), "D")))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def weekly_served(results: RunResults) -> Figure | None:
    """Weekly applications served (total) with the 95 % CI across replications and the phase starts.

    Parameters
    ----------
    results
        A run's results folder with ``weekly.csv``.

    Returns
    -------
    Figure or None
        Applicants per ISO week (by first arrival; the ``total`` scope's ``applicants``) against the week's first
        day, the CI as a band, each phase start inside the plotted weeks as a dashed vertical line; None without
        weekly rows.
    """
    weekly = _period_table(results, "weekly")
    if weekly is None:
        return None
    rows = _rows(weekly, "total", "applicants")
    if not len(rows):
        return None
    start = rows["start"].astype("datetime64[D]")
    figure, ax = new_figure()
    with style():
        ax.fill_between(start, rows["ci_low"], rows["ci_high"], step="post", alpha=0.3, color=PALETTE[0],
                        label="95 % CI across replications")  # fmt: skip
        ax.step(start, rows["mean"], where="post", color=PALETTE[0], label="mean")
        first, last = start.min(), rows["end"].astype("datetime64[D]").max()
        shown = [(n, d) for n, d in _phase_starts(results) if first <= d <= last]
        for k, (_, day) in enumerate(shown):
            ax.axvline(day, color=PALETTE[1], linestyle="--", linewidth=1.0, label="phase start" if k == 0 else None)
        ax.set_title("Weekly applications served")
        ax.set_xlabel("week starting (date)")
        ax.set_ylabel("applications served per week (applicants)")
        ax.legend(loc="upper left")
    return figure


def cumulative_served(results: RunResults) -> Figure | None:
    """Cumulative applications served and forgone over time (means across replications).

    Parameters
    ----------
    results
        A run's results folder with ``weekly.csv`` (or ``monthly.csv``).

    Returns
    -------
    Figure or None
        The running sums of the ``total`` scope's ``applicants`` and (scenarios with migrant demand) ``forgone``
        per period, against the period's last day; None without period rows.
    """
    for name in ("weekly", "monthly"):
        table = _period_table(results, name)
        if table is not None and len(_rows(table, "total", "applicants")):
            break
    else:
        return None
    figure, ax = new_figure()
    with style():
        for k, (metric, what) in enumerate((("applicants", "served"), ("forgone", "forgone"))):
            rows = _rows(table, "total", metric)
            if not len(rows):
                continue
            end = rows["end"].astype("datetime64[D]")
            ax.plot(end, np.cumsum(np.nan_to_num(rows["mean"])), color=PALETTE[k], label=what)
        ax.set_title("Cumulative applications served and forgone")
        ax.set_xlabel("date")
        ax.set_ylabel("applications (cumulative count)")
        ax.legend(loc="upper left")
    return figure


def _records(results: RunResults, table: str) -> Table | None:
    try:
        records: Table = getattr(results, table)
    except ResultsError:
        return None
    return records


def _threshold(results: RunResults) -> float:
    try:
        report = results.scenario.get("report") or {}
    except ResultsError:
        return DEFAULT_WAIT_THRESHOLD
    return float(report.get("wait_threshold_minutes", DEFAULT_WAIT_THRESHOLD))


def ecdf(values: Array) -> tuple[Array, Array]:
    """The empirical distribution function of ``values``.

    Parameters
    ----------
    values
        Observations (NaN dropped), in any unit.

    Returns
    -------
    tuple of numpy.ndarray
        The sorted values (same unit) and the share of observations at or below each (0 to 1).
    """
    x = np.sort(values[np.isfinite(values)])
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def wait_ecdf(results: RunResults) -> Figure | None:
    """ECDF of the applicants' waits at the window (first intakes, every replication) with the wait threshold.

    Parameters
    ----------
    results
        A run's results folder with ``records.npz``.

    Returns
    -------
    Figure or None
        Share of first intakes waiting at most x minutes, and ``report.wait_threshold_minutes`` as a dashed
        vertical line; None without records or intake visits.
    """
    visits = _records(results, "visits")
    if visits is None:
        return None
    waits = np.asarray(visits["wait"][visits["kind"] == "intake"], dtype=np.float64)
    if not np.isfinite(waits).any():
        return None
    x, share = ecdf(waits)
    threshold = _threshold(results)
    figure, ax = new_figure()
    with style():
        ax.step(x, share, where="post", color=PALETTE[0], label=f"first intakes (n = {len(x):,})")
        ax.axvline(threshold, color=PALETTE[1], linestyle="--", label=f"threshold, {threshold:g} min")
        ax.set_ylim(0.0, 1.02)
        ax.set_title("Window wait distribution")
        ax.set_xlabel("wait at the window (minutes)")
        ax.set_ylabel("share of applicants waiting at most x")
        ax.legend(loc="lower right")
    return figure


def _promise_days(applicants: Table, keep: Array, working_days: float) -> float:
    """Calendar days from first visit to the promise deadline (median), or working days x 7/5 without it."""
    if "promise" in applicants:
        span = (applicants["promise"][keep] - applicants["arrival"][keep]) / MINUTES_PER_DAY
        span = span[np.isfinite(span)]
        if span.size:
            return float(np.median(span))
    return working_days * 7.0 / 5.0


def lead_times(results: RunResults) -> Figure | None:
    """Histogram of the lead time (first visit to card in hand) with the promised and legal limits.

    Parameters
    ----------
    results
        A run's results folder with ``records.npz`` and a ``production`` section in ``scenario.json``.

    Returns
    -------
    Figure or None
        Applicants with at least one review, by lead time in days; the promise (``production.promised_working_days``,
        drawn at the median calendar days to the promise deadline) and legal limit (``production.legal_limit_days``)
        as vertical lines; None without such applicants.
    """
    applicants = _records(results, "applicants")
    production = results.scenario.get("production") if applicants is not None else None
    if applicants is None or not production:
        return None
    keep = applicants["attempts"] > 0
    days = (applicants["in_hand"][keep] - applicants["arrival"][keep]) / MINUTES_PER_DAY
    days = days[np.isfinite(days)]
    if not days.size:
        return None
    promised = float(production.get("promised_working_days", 15))
    legal = float(production.get("legal_limit_days", 60))
    figure, ax = new_figure()
    with style():
        ax.hist(days, bins=40, color=PALETTE[0], alpha=0.8, label=f"applicants (n = {days.size:,})")
        ax.axvline(_promise_days(applicants, keep, promised), color=PALETTE[3], linestyle="--",
                   label=f"promise, {promised:g} working days")  # fmt: skip
        ax.axvline(legal, color=PALETTE[1], linestyle="-", label=f"legal limit, {legal:g} days")
        ax.set_title("Lead time distribution")
        ax.set_xlabel("lead time, first visit to card in hand (days)")
        ax.set_ylabel("applicants (count)")
        ax.legend(loc="upper right")
    return figure


def province_figures(summary: Table) -> tuple[str, str, dict[str, float]] | None:
    """The first of :data:`MAP_METRICS` the summary has for hukou provinces, with its values.

    Parameters
    ----------
    summary
        A run's ``summary.csv``.

    Returns
    -------
    tuple or None
        The metric, its unit and province (English name) to mean (in that unit, finite only); None when no
        hukou scope has any of them.
    """
    hukou = np.char.startswith(summary["scope"].astype(str), "hukou:")
    for metric in MAP_METRICS:
        rows = summary.where(hukou & (summary["metric"] == metric))
        values = {
            str(scope).removeprefix("hukou:"): float(mean)
            for scope, mean in zip(rows["scope"], rows["mean"], strict=True)
            if np.isfinite(mean)
        }
        if values:
            return metric, str(rows["unit"][0]), values
    return None


def province_map(results: RunResults) -> Figure | None:
    """Tile-grid cartogram of China's 31 provinces coloured by a hukou-province figure of the summary.

    Parameters
    ----------
    results
        A run's results folder whose summary has ``hukou:<province>`` scopes.

    Returns
    -------
    Figure or None
        One square per province placed roughly where it lies, coloured by the first of :data:`MAP_METRICS`
        present (grey without a figure), with a colour bar in the metric's unit and short English names; None
        without hukou scopes.
    """
    found = province_figures(results.summary)
    if found is None:
        return None
    metric, unit, values = found
    figure, ax = new_figure(width=7.0, height=6.0)
    with style():
        norm = Normalize(min(values.values()), max(values.values()) or 1.0)
        coloured, grey = _tiles(values)
        tiles = PatchCollection(coloured, cmap=MAP_CMAP, norm=norm, edgecolor="white", linewidth=1.5)
        tiles.set_array(np.array([values[name] for name in TILES if name in values]))
        ax.add_collection(tiles)
        ax.add_collection(PatchCollection(grey, facecolor=MISSING_TILE, edgecolor="white", linewidth=1.5))
        for name, (col, row, short) in TILES.items():
            dark = name in values and norm(values[name]) < 0.5
            ax.text(col + 0.5, -row - 0.5, short, ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")  # fmt: skip
        figure.colorbar(tiles, ax=ax, shrink=0.7, label=f"{label(metric)} ({unit})")
        ax.set_xlim(0.8, 9.2)
        ax.set_ylim(-8.2, 0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(f"Hukou provinces: {label(metric)} ({unit}; grey: no figure)")
    return figure


def _tiles(values: dict[str, float]) -> tuple[list[Rectangle], list[Rectangle]]:
    """Squares of the provinces with a figure (in :data:`TILES` order) and of those without."""
    coloured: list[Rectangle] = []
    grey: list[Rectangle] = []
    for name, (col, row, _) in TILES.items():
        square = Rectangle((col + 0.05, -row - 0.95), 0.9, 0.9)
        (coloured if name in values else grey).append(square)
    return coloured, grey


def comparison_differences(results: ComparisonResults) -> Figure | None:
    """Paired differences of the headline total figures to the reference scenario, with their 95 % CIs.

    Parameters
    ----------
    results
        A comparison folder.

    Returns
    -------
    Figure or None
        One panel per figure of :data:`HEADLINE_METRICS` present (in its unit), one point with a CI bar per
        alternative scenario, and a zero line; None without alternatives or differences.
    """
    table = results.comparison
    reference = results.names[0]
    totals = table.where((table["scope"] == "total") & (table["scenario"] != reference))
    metrics = [m for m in HEADLINE_METRICS if np.isfinite(totals["diff_mean"][totals["metric"] == m]).any()]
    if not metrics:
        return None
    figure, axes = new_figure(1, len(metrics), width=max(3.0 * len(metrics), 5.0), height=4.0)
    panels = np.atleast_1d(axes)
    with style():
        for ax, metric in zip(panels, metrics, strict=True):
            _difference_panel(ax, totals.where(totals["metric"] == metric), metric)
        figure.suptitle(f"Paired differences to {reference} (95 % CI)")
    return figure


def _difference_panel(ax: Any, rows: Table, metric: str) -> None:
    names = [str(s) for s in rows["scenario"]]
    y = rows["diff_mean"]
    err = np.abs(np.vstack([y - rows["diff_ci_low"], rows["diff_ci_high"] - y]))
    ax.errorbar(range(len(names)), y, yerr=np.nan_to_num(err), fmt="o", color=PALETTE[0], capsize=4)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_title(label(metric))
    ax.set_xlabel("scenario")
    ax.set_ylabel(f"difference ({rows['unit'][0]})")


def sweep_metrics(index: Table, swept: Sequence[str]) -> list[str]:
    """The key figures of a sweep's ``index.csv``: numeric columns after the swept keys, not the half-widths.

    Parameters
    ----------
    index
        The sweep's ``index.csv``.
    swept
        The swept keys (columns of the index).

    Returns
    -------
    list of str
        Column names of the key figures, in index order.
    """
    skip = {"point", "status", "replications", "seed", *swept}
    return [
        c
        for c in index.columns
        if c not in skip and not c.endswith("_half_width") and np.issubdtype(index[c].dtype, np.number)
    ]


def sweep_plot(results: SweepResults) -> Figure | None:
    """Each key total figure against the swept value, with 95 % CI error bars where the index has half-widths.

    Parameters
    ----------
    results
        A sweep folder.

    Returns
    -------
    Figure or None
        One panel per key figure; x is the first swept key with more than one value, one series per combination
        of the other varying keys; None without finished points or a varying key.
    """
    index = results.index
    done = index.where(index["status"] == "done")
    swept = [k for k in (results.sweep.get("sets") or {}) if k in index.columns]
    varying = [k for k in swept if len(np.unique(done[k])) > 1]
    metrics = sweep_metrics(index, swept)
    if not len(done) or not varying or not metrics:
        return None
    figure, axes = new_figure(1, len(metrics), width=max(3.0 * len(metrics), 5.0), height=4.0)
    with style():
        for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
            _sweep_panel(ax, done, varying, metric)
        figure.suptitle(f"Sweep over {', '.join(varying)} (total scope; bars: 95 % CI)")
    return figure


def _sweep_panel(ax: Any, done: Table, varying: Sequence[str], metric: str) -> None:
    x_key, others = varying[0], varying[1:]
    x_all = done[x_key]
    numeric = np.issubdtype(x_all.dtype, np.number)
    groups = [tuple(row) for row in zip(*(done[k] for k in others), strict=True)] if others else [()] * len(done)
    for k, group in enumerate(dict.fromkeys(groups)):
        keep = np.array([g == group for g in groups])
        x = x_all[keep] if numeric else np.searchsorted(np.unique(x_all), x_all[keep])
        order = np.argsort(x)
        half = f"{metric}_half_width"
        yerr = np.nan_to_num(done[half][keep][order]) if half in done else None
        name = ", ".join(f"{key}={value}" for key, value in zip(others, group, strict=True)) or None
        ax.errorbar(x[order], done[metric][keep][order], yerr=yerr, fmt="o-", capsize=4,
                    color=PALETTE[k % len(PALETTE)], label=name)  # fmt: skip
    values = np.unique(x_all)
    ax.set_xticks(values if numeric else range(len(values)), [str(v) for v in values])
    if others:
        ax.legend(fontsize=7)
    ax.set_title(label(metric))
    ax.set_xlabel(x_key)
    ax.set_ylabel(f"{label(metric)} ({_metric_unit(metric)})")


def _metric_unit(metric: str) -> str:
    """The unit of a total key figure, from its name."""
    if metric.startswith("wait") and "share" not in metric:
        return "minutes"
    if metric.startswith("lead_days") or metric.startswith("issue_days"):
        return "days"
    if metric.startswith("turnaround_hours"):
        return "hours"
    if "utilisation" in metric or "share" in metric:
        return "share"
    if metric.endswith("per_open_day"):
        return "applicants/day"
    return "applicants" if metric in ("applicants", "forgone") else "as in summary.csv"


RUN_FIGURES: dict[str, FigureFunction] = {
    "weekly_served": weekly_served,
    "cumulative_served": cumulative_served,
    "wait_ecdf": wait_ecdf,
    "lead_times": lead_times,
    "province_map": province_map,
}
"""A run folder's figures: file name (without extension) to figure function."""


def figures(results: Results) -> Iterator[tuple[str, Figure]]:
    """Every applicable figure of a results folder, drawn one at a time.

    Parameters
    ----------
    results
        A loaded run, comparison or sweep folder.

    Yields
    ------
    tuple of str and Figure
        The figure's file name (without extension) and the figure; figures without data are skipped.
    """
    for name, draw in _drawers(results):
        figure = draw()
        if figure is not None:
            yield name, figure


def _drawers(results: Results) -> list[tuple[str, Callable[[], Figure | None]]]:
    """The figure names and functions that apply to a kind of results folder (drawn when called)."""
    if isinstance(results, ComparisonResults):
        return [("comparison_differences", partial(comparison_differences, results))]
    if isinstance(results, SweepResults):
        return [("sweep", partial(sweep_plot, results))]
    return [(name, partial(function, results)) for name, function in RUN_FIGURES.items()]


def save_figure(figure: Figure, path: Path, fmt: Format) -> Path:
    """Save a figure atomically: a temporary file in the same folder, then renamed over ``path``.

    Parameters
    ----------
    figure
        The figure.
    path
        Where it goes.
    fmt
        ``png``, ``svg`` or ``pdf``.

    Returns
    -------
    Path
        ``path``.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=f".{fmt}")
    try:
        with os.fdopen(handle, "wb") as stream, style():
            figure.savefig(stream, format=fmt)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_figures(path: str | Path, fmt: Format = "png") -> list[Path]:
    """Write every applicable figure of a results folder to ``path/figures/NAME.FORMAT``.

    Parameters
    ----------
    path
        A results folder written by ``rollout-sim run``, ``compare`` or ``sweep``.
    fmt
        ``png``, ``svg`` or ``pdf``.

    Returns
    -------
    list of Path
        The files written, in figure order (empty when no figure applies).

    Raises
    ------
    ResultsError
        When ``path`` is not a results folder (nothing is written).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    results = load_results(path)
    folder = Path(path) / FIGURES_DIR
    written = []
    for name, figure in figures(results):
        folder.mkdir(exist_ok=True)
        written.append(save_figure(figure, folder / f"{name}.{fmt}", fmt))
    return written
