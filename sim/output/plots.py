"""Figures of a results folder: matplotlib (Agg) figures read through :func:`sim.results.load_results`.

This module never runs a model. Each figure function takes a loaded results folder and returns a
:class:`matplotlib.figure.Figure`, or None when the folder lacks that figure's data (no records, no provinces,
no phases, ...). :func:`write_figures` saves every applicable figure as ``RESULTS_DIR/figures/NAME.FORMAT``.

All figures share one style (:data:`STYLE`) and the Okabe-Ito colour-blind-safe palette (:data:`PALETTE`).

Names. The figures that write place names (:data:`NAMED_FIGURES`: the province map, the lead-time heatmap, the
busiest offices) take ``names="en"`` (default) or ``names="zh"`` (``rollout-sim plot RESULTS_DIR --names zh``):
Chinese short names of the provinces and Chinese names of the offices where ``scenarios/data/cities.csv`` has one
(:mod:`sim.output.names`). Chinese needs a CJK font: :func:`sim.output.names.find_cjk_font` looks for one of
:data:`sim.output.names.CJK_FONTS` (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, ...) that has every
glyph needed. When none is installed, one warning line goes to stderr (logger ``sim``) naming the fonts looked
for, the figures use English names, and their footer says so; no figure is ever drawn with missing-glyph boxes.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TypeAlias, cast

import matplotlib as mpl
import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.rcsetup import cycler
from numpy.typing import NDArray
from scipy import stats

from sim.experiment.catalogue import lookup
from sim.experiment.catalogue import names as metric_names
from sim.output import names as place_names
from sim.output.files import FORMATS, Format, replace_file
from sim.output.names import LANGUAGES, Language, Naming
from sim.results import ComparisonResults, Results, ResultsError, RunResults, SweepResults, Table, load_results

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

CALENDAR_PER_WORKING_DAY = 7.0 / 5.0
"""Calendar days per working day, for a promise in working days when the records give no promise deadline."""

MIN_CELL_COUNT = 20
"""Fewest observations behind a percentile drawn: a heatmap cell's applicants (pooled over replications) or a
replication's waits in a week at an office; fewer leave the cell or week empty."""

BUSIEST_OFFICES = 6
"""How many offices :func:`busiest_offices` draws by default."""

LOCAL_MEAN_LABEL = "local ID visits: mean wait over the run (summary.csv), not a percentile"
LOCAL_WEEKLY_LABEL = "local ID visits: weekly mean wait (daily.csv), not a percentile"
"""Legend of :func:`busiest_offices`' local-visit lines when local visits are not in the records."""

NAMES: tuple[Language, ...] = LANGUAGES
"""The ``names`` option of :func:`write_figures` and ``rollout-sim plot --names``: ``en`` or ``zh``."""

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

MAP_METRICS = metric_names("lead_days_p90", "lead_days_mean", "applicants", "turnaround_hours_mean")
"""Hukou-scope figures the map colours by, the first one the summary has."""

HEADLINE_METRICS = metric_names(
    "served_per_open_day",
    "wait_mean",
    "wait_p90",
    "utilisation",
    "lead_days_mean",
    "lead_days_p90",
    "forgone",
)
"""Total-scope figures whose paired differences the comparison figure shows, those the folder has."""

Array: TypeAlias = NDArray[Any]
FigureFunction: TypeAlias = Callable[[RunResults], Figure | None]
NamedFigureFunction: TypeAlias = Callable[[RunResults, Naming], Figure | None]


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
    """English label of a figure (:mod:`sim.experiment.catalogue`; ``UnknownMetricError`` when not catalogued)."""
    return lookup(metric).label


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
    return _promise_conversion(applicants, keep, working_days)[0]


def _promise_conversion(applicants: Table, keep: Array, working_days: float) -> tuple[float, str]:
    """The promise in calendar days and how it was converted from working days.

    Parameters
    ----------
    applicants
        The applicants' records.
    keep
        Boolean mask of the applicants the promise applies to (those reviewed).
    working_days
        ``production.promised_working_days`` (working days).

    Returns
    -------
    tuple of float and str
        Calendar days (the median days from first visit to the promise deadline among ``keep``; working days x 7/5
        when no applicant has a deadline) and a phrase saying which.
    """
    if "promise" in applicants:
        span = (applicants["promise"][keep] - applicants["arrival"][keep]) / MINUTES_PER_DAY
        span = span[np.isfinite(span)]
        if span.size:
            return float(np.median(span)), "median calendar days from first visit to the promise deadline"
    return working_days * CALENDAR_PER_WORKING_DAY, "working days x 7/5"


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


def province_map(results: RunResults, names: Language | Naming = "en") -> Figure | None:
    """Tile-grid cartogram of China's 31 provinces coloured by a hukou-province figure of the summary.

    Parameters
    ----------
    results
        A run's results folder whose summary has ``hukou:<province>`` scopes.
    names
        ``"en"`` (short English names in the tiles) or ``"zh"`` (Chinese short names; English with a footer note
        when no CJK font is installed), or a resolved :class:`~sim.output.names.Naming`.

    Returns
    -------
    Figure or None
        One square per province placed roughly where it lies, coloured by the first of :data:`MAP_METRICS`
        present (grey without a figure), with a colour bar in the metric's unit and short names; None without
        hukou scopes.
    """
    found = province_figures(results.summary)
    if found is None:
        return None
    naming = place_names.naming(names)
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
            shown = naming.province(name)
            ax.text(col + 0.5, -row - 0.5, short if shown == name else shown, ha="center", va="center",
                    fontsize=6.5, color="white" if dark else "black", **naming.text)  # fmt: skip
        figure.colorbar(tiles, ax=ax, shrink=0.7, label=f"{label(metric)} ({unit})")
        ax.set_xlim(0.8, 9.2)
        ax.set_ylim(-8.2, 0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(f"Hukou provinces: {label(metric)} ({unit}; grey: no figure)")
        _footer(figure, naming.note)
    return figure


def _tiles(values: dict[str, float]) -> tuple[list[Rectangle], list[Rectangle]]:
    """Squares of the provinces with a figure (in :data:`TILES` order) and of those without."""
    coloured: list[Rectangle] = []
    grey: list[Rectangle] = []
    for name, (col, row, _) in TILES.items():
        square = Rectangle((col + 0.05, -row - 0.95), 0.9, 0.9)
        (coloured if name in values else grey).append(square)
    return coloured, grey


def _footer(figure: Figure, *lines: str) -> None:
    """Write the non-empty ``lines`` as the figure's footer (small grey text under the axes, wrapped to its width)."""
    width = max(40, int(figure.get_figwidth() * 16))  # characters of 7-point text per line
    text = "\n".join(textwrap.fill(line, width) for line in lines if line)
    if text:
        figure.supxlabel(text, fontsize=7.0, color="0.3")


def cell_percentiles(cells: Array, values: Array, size: int, q: float, min_count: int) -> tuple[Array, Array]:
    """A percentile of ``values`` in each cell, where the cell has at least ``min_count`` of them.

    Parameters
    ----------
    cells
        Integer cell of each value, ``0 <= cells < size``.
    values
        The observations (any unit; NaN not expected).
    size
        The number of cells.
    q
        The percentile, 0 to 100 (numpy's default linear interpolation).
    min_count
        Fewest values behind a percentile (at least 1).

    Returns
    -------
    tuple of numpy.ndarray
        Per cell the percentile (unit of ``values``; NaN where fewer than ``min_count`` values) and the count of
        values.
    """
    counts = np.bincount(cells, minlength=size)
    out = np.full(size, np.nan)
    ordered = np.asarray(values, dtype=np.float64)[np.argsort(cells, kind="stable")]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    for cell in np.flatnonzero(counts >= max(min_count, 1)):
        out[cell] = np.percentile(ordered[bounds[cell] : bounds[cell + 1]], q)
    return out, counts


@dataclass(frozen=True)
class LeadCells:
    """The 90th percentile lead time per hukou province and month of application (:func:`lead_p90_cells`).

    Attributes
    ----------
    provinces : tuple of str
        The hukou provinces (English names, by province index): the rows.
    months : numpy.ndarray
        ``datetime64[M]``, every month from the first to the last month of a first visit: the columns.
    p90 : numpy.ndarray
        Provinces x months, the 90th percentile of the lead time (days, first visit to card in hand) of the
        applicants pooled over the replications; NaN where fewer than ``min_count`` applicants.
    counts : numpy.ndarray
        Provinces x months, the applicants behind each cell (pooled over the replications).
    replications : int
        The replications pooled.
    min_count : int
        Fewest applicants behind a cell's percentile.
    """

    provinces: tuple[str, ...]
    months: Array
    p90: Array
    counts: Array
    replications: int
    min_count: int


def lead_p90_cells(results: RunResults, min_count: int = MIN_CELL_COUNT) -> LeadCells | None:
    """The 90th percentile lead time per hukou province and month of first visit, from the applicants' records.

    Parameters
    ----------
    results
        A run's results folder with ``records.npz``.
    min_count
        Fewest applicants (pooled over the replications) behind a cell's percentile.

    Returns
    -------
    LeadCells or None
        The cells; None without records or without applicants of a hukou province (an intake-only scenario).
    """
    applicants = _records(results, "applicants")
    if applicants is None or not len(applicants) or not results.provinces:
        return None
    lead = (applicants["in_hand"] - applicants["arrival"]) / MINUTES_PER_DAY
    keep = (applicants["province_index"] >= 0) & np.isfinite(lead)
    if not keep.any():
        return None
    provinces = results.provinces
    month = applicants["date"][keep].astype("datetime64[M]")
    months = np.arange(month.min(), month.max() + np.timedelta64(1, "M"))
    column = (month - months[0]).astype(np.int64)
    cell = applicants["province_index"][keep].astype(np.int64) * months.size + column
    p90, counts = cell_percentiles(cell, lead[keep], len(provinces) * months.size, 90.0, min_count)
    shape = (len(provinces), months.size)
    replications = len(np.unique(applicants["replication"][keep]))
    return LeadCells(provinces, months, p90.reshape(shape), counts.reshape(shape), replications, min_count)


def lead_heatmap(
    results: RunResults, names: Language | Naming = "en", min_count: int = MIN_CELL_COUNT
) -> Figure | None:
    """Heatmap of the 90th percentile lead time by hukou province (rows) and month of application (columns).

    Parameters
    ----------
    results
        A run's results folder with ``records.npz`` and a ``production`` section in ``scenario.json``.
    names
        ``"en"`` or ``"zh"`` province names (see :mod:`sim.output.names`), or a resolved naming.
    min_count
        Fewest applicants (pooled over the replications) behind a coloured cell; cells with fewer are grey.

    Returns
    -------
    Figure or None
        Cells coloured by the lead time (days, first visit to card in hand; applicants pooled over replications,
        by the month of their first visit; :func:`lead_p90_cells`), grey where fewer than ``min_count`` applicants;
        the colour bar from 0 to at least ``production.legal_limit_days`` marks the legal limit and the promise
        (``production.promised_working_days`` at the median calendar days from first visit to the promise
        deadline, or working days x 7/5 without deadlines), the footer says both. None without applicants of a
        hukou province or without ``production``.
    """
    cells = lead_p90_cells(results, min_count)
    production = results.scenario.get("production") if cells is not None else None
    if cells is None or not production:
        return None
    naming = place_names.naming(names)
    applicants = results.applicants
    promised = float(production.get("promised_working_days", 15))
    legal = float(production.get("legal_limit_days", 60))
    promise_days, how = _promise_conversion(applicants, applicants["attempts"] > 0, promised)
    finite = np.isfinite(cells.p90)
    top = max(legal, promise_days, float(cells.p90[finite].max()) if finite.any() else 0.0)
    norm = Normalize(0.0, top)
    rows, cols = cells.p90.shape
    figure, ax = new_figure(width=max(8.0, 4.0 + 0.3 * cols), height=max(4.5, 2.2 + 0.22 * rows))
    with style():
        cmap = colormaps[MAP_CMAP].with_extremes(bad=MISSING_TILE)
        image = ax.imshow(np.ma.masked_invalid(cells.p90), cmap=cmap, norm=norm, aspect="auto",
                          interpolation="nearest")  # fmt: skip
        ax.grid(False)
        ax.set_yticks(range(rows), [naming.province(p) for p in cells.provinces], **naming.text)
        step = max(1, -(-cols // 18))
        ax.set_xticks(range(0, cols, step), [str(m) for m in cells.months[::step]], rotation=45, ha="right")
        ax.set_xlabel("month of application (first visit)")
        ax.set_ylabel("hukou province")
        ax.set_title("90th percentile lead time by hukou province and month")
        bar = figure.colorbar(image, ax=ax, label="90th percentile lead time (days)")
        marks = [
            (promise_days, f"promise {promised:g} working days ≈ {promise_days:.0f} d", PALETTE[3], "--"),
            (legal, f"legal limit {legal:g} d", PALETTE[1], "-"),
        ]
        _mark_colour_bar(bar, top, marks)
        _footer(
            figure,
            f"Lead time: days from first visit to card in hand, applicants pooled over {cells.replications} "
            f"replication(s), by month of first visit; grey cells: fewer than {cells.min_count} applicants (or none).",
            f"Promise ({promised:g} working days) drawn at {promise_days:.1f} calendar days: {how}.",
            naming.note,
        )
    return figure


def _mark_colour_bar(bar: Any, top: float, marks: Sequence[tuple[float, str, str, str]]) -> None:
    """Draw each (value, label, colour, line style) across the colour bar (0 to ``top``) and label it as a tick."""
    values = [value for value, *_ in marks]
    regular = [float(t) for t in bar.get_ticks() if 0.0 <= t <= top and all(abs(t - v) > 0.06 * top for v in values)]
    ticks = sorted([*regular, *values])
    labels = {value: text for value, text, *_ in marks}
    bar.set_ticks(ticks, labels=[labels.get(t, f"{t:g}") for t in ticks])
    colours = {text: colour for _, text, colour, _ in marks}
    for tick in bar.ax.get_yticklabels():
        tick.set_color(colours.get(tick.get_text(), "black"))
    for value, _, colour, linestyle in marks:
        bar.ax.axhline(value, color=colour, linestyle=linestyle, linewidth=2.0)


def top_offices(summary: Table, count: int = BUSIEST_OFFICES) -> list[str]:
    """The ``count`` offices with the highest window utilisation in a run's summary.

    Parameters
    ----------
    summary
        A run's ``summary.csv`` (office scopes are the scopes other than ``total`` and ``hukou:<province>``).
    count
        How many offices.

    Returns
    -------
    list of str
        Office names, highest mean ``utilisation`` (share of staffed window-minutes) first, ties by name.
    """
    scope = summary["scope"].astype(str)
    office = (scope != "total") & ~np.char.startswith(scope, "hukou:") & (summary["metric"] == "utilisation")
    rows = summary.where(office & np.isfinite(summary["mean"]))
    order = np.lexsort((rows["scope"], -rows["mean"]))
    return [str(name) for name in rows["scope"][order][:count]]


def _week_start(dates: Array) -> Array:
    """The Monday of each date's ISO week (``datetime64[D]``)."""
    days = np.asarray(dates).astype("datetime64[D]").astype(np.int64)
    return np.asarray((days - (days + 3) % 7).astype("datetime64[D]"))


def _horizon(results: RunResults, daily: Table) -> tuple[np.datetime64, np.datetime64]:
    """The first and last arrival day: the span of ``weekly.csv`` (``run.start`` to the horizon), else of ``daily``."""
    weekly = _period_table(results, "weekly")
    dates = (weekly["start"], weekly["end"]) if weekly is not None else (daily["date"], daily["date"])
    return dates[0].astype("datetime64[D]").min(), dates[1].astype("datetime64[D]").max()


def mean_band(values: Array) -> tuple[Array, Array, Array]:
    """Mean across replications (axis 0) of the finite values, with the 95 % Student-t confidence band.

    Parameters
    ----------
    values
        Replications x points, NaN where undefined (any unit).

    Returns
    -------
    tuple of numpy.ndarray
        Per point the mean, and the band's low and high ends (same unit; NaN with fewer than two finite values).
    """
    finite = np.isfinite(values)
    n = finite.sum(axis=0)
    mean = np.divide(np.where(finite, values, 0.0).sum(axis=0), n, out=np.full(n.shape, np.nan), where=n > 0)
    squares = np.where(finite, values - mean, 0.0) ** 2
    variance = np.divide(squares.sum(axis=0), n - 1, out=np.full(n.shape, np.nan), where=n > 1)
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * np.sqrt(variance / np.maximum(n, 1))
    return mean, mean - half, mean + half


def _band_line(ax: Any, x: Array, values: Array, colour: str, *, linestyle: str = "-", name: str | None = None) -> None:
    """The mean across replications as a line and its CI as a band (clipped at 0: waits and shares are not negative)."""
    mean, low, high = mean_band(values)
    ax.fill_between(x, np.clip(low, 0.0, None), high, color=colour, alpha=0.12, linewidth=0.0)
    ax.plot(x, mean, color=colour, linestyle=linestyle, linewidth=1.3, label=name)


class _Weeks:
    """ISO weeks of a run's horizon and its replications: the grid of :func:`busiest_offices`."""

    def __init__(self, first: np.datetime64, last: np.datetime64, replications: Array) -> None:
        self.first, self.last = first, last
        self.starts = np.arange(_week_start(np.array([first]))[0], last + np.timedelta64(1, "D"), 7)
        self.replications = np.unique(replications)

    @property
    def shape(self) -> tuple[int, int]:
        return self.replications.size, self.starts.size

    def cells(self, replication: Array, dates: Array) -> tuple[Array, Array]:
        """The flat cell (replication x week) of each row, and which rows fall inside the grid."""
        dates = dates.astype("datetime64[D]")
        inside = (dates >= self.first) & (dates <= self.last) & np.isin(replication, self.replications)
        r = np.searchsorted(self.replications, replication[inside])
        w = np.searchsorted(self.starts, _week_start(dates[inside]))
        return r * self.starts.size + w, inside

    def utilisation(self, daily: Table) -> Array:
        """Replications x weeks: staffed-minute-weighted mean of the days' utilisation (NaN where never open).

        A day's staffed window-minutes are its windows x its open minutes (``daily.csv`` before the ``windows``
        column: its open minutes, the same weights when windows never change).
        """
        opened = daily["open_minutes"]
        staffed_minutes = opened * daily["windows"] if "windows" in daily.columns else opened
        ok = np.isfinite(daily["utilisation"]) & (daily["open_minutes"] > 0)
        cell, inside = self.cells(daily["replication"][ok], daily["date"][ok])
        size = self.shape[0] * self.shape[1]
        staffed = np.bincount(cell, weights=staffed_minutes[ok][inside], minlength=size)
        busy = np.bincount(cell, weights=(daily["utilisation"] * staffed_minutes)[ok][inside], minlength=size)
        out = np.divide(busy, staffed, out=np.full(size, np.nan), where=staffed > 0)
        return np.asarray(out.reshape(self.shape))

    def local_mean(self, daily: Table) -> Array:
        """Replications x weeks: the mean wait (minutes) of the local ID visits that arrived in the week."""
        ok = (daily["background_arrivals"] > 0) & np.isfinite(daily["background_wait_mean_minutes"])
        cell, inside = self.cells(daily["replication"][ok], daily["date"][ok])
        size = self.shape[0] * self.shape[1]
        count = daily["background_arrivals"][ok][inside].astype(np.float64)
        waited = np.bincount(cell, weights=daily["background_wait_mean_minutes"][ok][inside] * count, minlength=size)
        visits = np.bincount(cell, weights=count, minlength=size)
        out = np.divide(waited, visits, out=np.full(size, np.nan), where=visits > 0)
        return np.asarray(out.reshape(self.shape))

    def p90(self, visits: Table, min_count: int) -> Array:
        """Replications x weeks: the 90th percentile wait (minutes) of the visits by arrival day."""
        cell, inside = self.cells(visits["replication"], visits["date"])
        size = self.shape[0] * self.shape[1]
        out, _ = cell_percentiles(cell, visits["wait"][inside], size, 90.0, min_count)
        return out.reshape(self.shape)


def busiest_offices(
    results: RunResults, names: Language | Naming = "en", count: int = BUSIEST_OFFICES
) -> Figure | None:
    """Weekly window utilisation and 90th percentile waits of the offices with the highest utilisation.

    Parameters
    ----------
    results
        A run's results folder with ``daily.csv`` (and ``records.npz`` for the waits).
    names
        ``"en"`` or ``"zh"`` office names (see :mod:`sim.output.names`), or a resolved naming.
    count
        How many offices (:func:`top_offices`: by the summary's ``utilisation``).

    Returns
    -------
    Figure or None
        Two panels against the ISO week: the window utilisation (share of staffed window-minutes, from
        ``daily.csv``) and the 90th percentile wait (minutes, by arrival week, a week needing
        :data:`MIN_CELL_COUNT` waits in a replication) of the rollout applicants' first intakes (solid) and of
        the local ID visits (dashed); each the mean across replications with its 95 % CI band, one colour per
        office. Where local visits are not in the records (``report.local_visit_records = "none"``) their line
        is the summary's mean local wait over the run (dotted, labelled as a mean). None without office scopes
        in the summary or without ``daily.csv``.
    """
    offices = top_offices(results.summary, count)
    daily = _period_table(results, "daily")
    if not offices or daily is None:
        return None
    naming = place_names.naming(names)
    daily = daily.where(np.isin(daily["office"], offices))
    weeks = _Weeks(*_horizon(results, daily), daily["replication"])
    visits = _records(results, "visits")
    if visits is not None:
        visits = visits.where(np.isin(visits["office"], offices) & np.isin(visits["kind"], ("intake", "background")))
    report = results.scenario.get("report") or {}
    local_kept = report.get("local_visit_records", "all") != "none"
    weekly_local = "background_wait_mean_minutes" in daily.columns  # daily.csv of this version on
    legend = {"size": 7.5, **({"family": naming.text["fontfamily"]} if naming.text else {})}
    figure, (top, bottom) = new_figure(2, 1, width=9.0, height=7.5)
    with style():
        for k, office in enumerate(offices):
            colour = PALETTE[k % len(PALETTE)]
            rows = daily.where(daily["office"] == office)
            _band_line(top, weeks.starts, weeks.utilisation(rows), colour, name=naming.office(office))
            if visits is None:
                continue
            here = visits.where(visits["office"] == office)
            _band_line(bottom, weeks.starts, weeks.p90(here.where(here["kind"] == "intake"), MIN_CELL_COUNT), colour)
            if local_kept:
                local = here.where(here["kind"] == "background")
                if len(local):
                    _band_line(bottom, weeks.starts, weeks.p90(local, MIN_CELL_COUNT), colour, linestyle="--")
            elif weekly_local:
                _band_line(bottom, weeks.starts, weeks.local_mean(rows), colour, linestyle=":")
            else:
                _summary_line(bottom, results.summary, office, weeks.starts, colour)
        top.set_title("Window utilisation per week")
        top.set_xlabel("week starting (date)")
        top.set_ylabel("window utilisation (share of staffed window-minutes)")
        top.legend(title="office", loc="upper left", prop=legend, ncols=2)
        bottom.set_title("Wait at the window per week")
        bottom.set_xlabel("week starting (date)")
        bottom.set_ylabel("wait at the window (minutes)")
        local_line = (
            Line2D([], [], color="0.3", linestyle="--", label="local ID visits: 90th percentile")
            if local_kept
            else Line2D(
                [], [], color="0.3", linestyle=":", label=LOCAL_WEEKLY_LABEL if weekly_local else LOCAL_MEAN_LABEL
            )
        )
        applicants_line = Line2D([], [], color="0.3", linestyle="-", label="rollout applicants (first intakes): "
                                 "90th percentile")  # fmt: skip
        if visits is not None:
            bottom.legend(handles=[applicants_line, local_line], loc="upper left", fontsize=7.5)
        else:
            bottom.text(0.5, 0.5, "no records.npz: no waits", transform=bottom.transAxes, ha="center")
        figure.suptitle(f"The {len(offices)} busiest offices by window utilisation (summary.csv)")
        _footer(
            figure,
            f"Mean across {weeks.shape[0]} replication(s) with 95 % Student-t CI bands; a week's 90th percentile "
            f"needs at least {MIN_CELL_COUNT} waits in a replication.",
            ""
            if local_kept
            else 'Local ID visits are not kept in the records (report.local_visit_records = "none"): their dotted '
            + (
                "lines are their weekly mean wait (daily.csv), not a percentile."
                if weekly_local
                else "lines are the mean local wait over the summary window (background_wait_mean), not a weekly "
                "percentile."
            ),
            naming.note,
        )
    return figure


def _summary_line(ax: Any, summary: Table, office: str, x: Array, colour: str) -> None:
    """The office's mean local wait over the run (summary ``background_wait_mean``) as a dotted line with its CI."""
    rows = _rows(summary, office, "background_wait_mean")
    if not len(rows) or not np.isfinite(rows["mean"][0]):
        return
    ends = np.array([x[0], x[-1]])
    ax.fill_between(ends, rows["ci_low"][0], rows["ci_high"][0], color=colour, alpha=0.1, linewidth=0.0)
    ax.plot(ends, [rows["mean"][0]] * 2, color=colour, linestyle=":", linewidth=1.5)


def comparison_weekly(results: ComparisonResults) -> Figure | None:
    """Weekly applications served and cumulative applications of every scenario of a comparison, on one time axis.

    Parameters
    ----------
    results
        A comparison folder whose scenario sub-folders hold ``weekly.csv`` (``rollout-sim compare`` writes it).

    Returns
    -------
    Figure or None
        Top: applicants per ISO week (the ``total`` scope's ``applicants``), each scenario's mean as a line and its
        95 % CI across replications as a band; bottom: their running sums (applicants). One colour per scenario,
        the reference first. None when no scenario has weekly rows.
    """
    series = []
    for name, run in results.scenarios.items():
        weekly = _period_table(run, "weekly")
        rows = _rows(weekly, "total", "applicants") if weekly is not None else None
        if rows is not None and len(rows):
            series.append((name, rows))
    if not series:
        return None
    figure, (top, bottom) = new_figure(2, 1, width=9.0, height=7.0)
    with style():
        for k, (name, rows) in enumerate(series):
            colour, start = PALETTE[k % len(PALETTE)], rows["start"].astype("datetime64[D]")
            top.fill_between(start, rows["ci_low"], rows["ci_high"], step="post", alpha=0.2, color=colour, linewidth=0)
            top.step(start, rows["mean"], where="post", color=colour, label=name)
            end = rows["end"].astype("datetime64[D]")
            bottom.plot(end, np.cumsum(np.nan_to_num(rows["mean"])), color=colour, label=name)
        top.set_title("Weekly applications served, by schedule")
        top.set_xlabel("week starting (date)")
        top.set_ylabel("applications served per week (applicants)")
        top.legend(title="scenario", loc="upper left")
        bottom.set_title("Cumulative applications served, by schedule")
        bottom.set_xlabel("date")
        bottom.set_ylabel("applications (cumulative count)")
    return figure


COMPARISON_SCENARIO_FIGURES = ("weekly_served", "cumulative_served", "province_map")
"""Run figures drawn for each scenario of a comparison (from its weekly, monthly and summary rows), as
``<scenario>-<figure>``."""


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
    """The unit of a figure (:mod:`sim.experiment.catalogue`)."""
    return lookup(metric).unit


RUN_FIGURES: dict[str, FigureFunction] = {
    "weekly_served": weekly_served,
    "cumulative_served": cumulative_served,
    "wait_ecdf": wait_ecdf,
    "lead_times": lead_times,
    "province_map": province_map,
    "lead_heatmap": lead_heatmap,
    "busiest_offices": busiest_offices,
}
"""A run folder's figures: file name (without extension) to figure function."""

NAMED_FIGURES: dict[str, NamedFigureFunction] = {
    "province_map": province_map,
    "lead_heatmap": lead_heatmap,
    "busiest_offices": busiest_offices,
}
"""The run figures that write place names: they take a ``names`` argument (``"en"``, ``"zh"`` or a naming)."""


def figures(results: Results, names: Language | Naming = "en") -> Iterator[tuple[str, Figure]]:
    """Every applicable figure of a results folder, drawn one at a time.

    Parameters
    ----------
    results
        A loaded run, comparison or sweep folder.
    names
        ``"en"`` or ``"zh"`` place names in the figures of :data:`NAMED_FIGURES` (the CJK font is looked for,
        and a missing one warned about, once), or a resolved :class:`~sim.output.names.Naming`.

    Yields
    ------
    tuple of str and Figure
        The figure's file name (without extension) and the figure; figures without data are skipped.
    """
    for name, draw in _drawers(results, names):
        figure = draw()
        if figure is not None:
            yield name, figure


def _drawers(results: Results, names: Language | Naming) -> list[tuple[str, Callable[[], Figure | None]]]:
    """The figure names and functions that apply to a kind of results folder (drawn when called)."""
    if isinstance(results, ComparisonResults):
        naming = place_names.naming(names)
        drawers: list[tuple[str, Callable[[], Figure | None]]] = [
            ("comparison_differences", partial(comparison_differences, results)),
            ("comparison_weekly", partial(comparison_weekly, results)),
        ]
        for scenario, run in results.scenarios.items():
            for name in COMPARISON_SCENARIO_FIGURES:
                drawers.append((f"{scenario}-{name}", _drawer(name, run, naming)))
        return drawers
    if isinstance(results, SweepResults):
        return [("sweep", partial(sweep_plot, results))]
    naming = place_names.naming(names)
    return [(name, _drawer(name, results, naming)) for name in RUN_FIGURES]


def _drawer(name: str, results: RunResults, naming: Naming) -> Callable[[], Figure | None]:
    """The run figure ``name`` of a run folder, with place names where it writes them."""
    named = NAMED_FIGURES.get(name)
    return partial(named, results, naming) if named else partial(RUN_FIGURES[name], results)


def figure_function(name: str) -> Callable[..., Figure | None] | None:
    """The function that draws the figure called ``name`` in :func:`figures`; None for an unknown name.

    A comparison's per-scenario figures are named ``<scenario>-<figure>`` (figure names have no ``-``).
    """
    known: dict[str, Callable[..., Figure | None]] = {
        **RUN_FIGURES, "comparison_differences": comparison_differences, "comparison_weekly": comparison_weekly,
        "sweep": sweep_plot,
    }  # fmt: skip
    return known.get(name) or known.get(name.rpartition("-")[2] if "-" in name else "")


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

    def write(stream: BinaryIO) -> None:
        with style():
            figure.savefig(stream, format=fmt)

    return replace_file(path, write)


def write_figures(path: str | Path, fmt: Format = "png", names: Language = "en") -> list[Path]:
    """Write every applicable figure of a results folder to ``path/figures/NAME.FORMAT``.

    Parameters
    ----------
    path
        A results folder written by ``rollout-sim run``, ``compare`` or ``sweep``.
    fmt
        ``png``, ``svg`` or ``pdf``.
    names
        ``en`` (default) or ``zh``: place names in English or Chinese. Chinese needs a CJK font; without one
        the figures use English names with a footer note, after one warning line on stderr (logger ``sim``).

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
    if names not in NAMES:
        raise ValueError(f"names must be one of {', '.join(NAMES)}, got {names!r}")
    results = load_results(path)
    folder = Path(path) / FIGURES_DIR
    written = []
    for name, figure in figures(results, names):
        folder.mkdir(exist_ok=True)
        written.append(save_figure(figure, folder / f"{name}.{fmt}", fmt))
    return written
