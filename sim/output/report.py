"""``rollout-sim report``: one self-contained HTML page for a results folder (a run, a comparison or a sweep).

The page opens offline in any browser: its style sheet is inline, its figures are PNG data URIs drawn by
:mod:`sim.output.plots`, its timeline an inline SVG, and it has no scripts and no external references. It shows the
provenance (scenario, run date, engine, replications, seed), the warnings ``rollout-sim validate`` gives for the
scenario (rebuilt from its file, :mod:`sim.output.report_scenario`), the headline figures with their 95 % confidence
intervals (and a comparison's paired differences), the figures, the phases, the key parameters and what the model
assumes (:mod:`sim.output.report_text`). Every text is HTML-escaped.

Nothing here runs a model: the folder is read through :func:`sim.results.load_results`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import sim
from sim.output import plots
from sim.output import report_scenario as rs
from sim.output.caveats import summary_caveats, table_estimates
from sim.output.files import replace_file
from sim.output.report_text import ASSUMPTIONS, NO_PHASES, PARAMETERS, STYLE_SHEET, TAGS
from sim.results import ComparisonResults, Results, ResultsError, RunResults, SweepResults, Table, load_results
from sim.scenario.load import shown_path
from sim.scenario.schema import Scenario

REPORT_FILE = "report.html"
"""The report's file name inside the results folder (the default of ``--out``)."""

MAX_SCOPE_ROWS = 12
"""Offices and hukou provinces beyond which the per-scope table is left out (``summary.csv`` has them all)."""

MAX_PARAMETER_COLUMNS = 8
"""Scenarios (sweep points) beyond which the parameter table shows only the first."""

TIMELINE_WIDTH = 1100.0
"""Width of the timeline's SVG coordinate system (px at 100 % zoom; the SVG scales to the page)."""

_LABEL_WIDTH = 200.0
_LANE = 52.0
_AXIS = 30.0


@dataclass(frozen=True)
class ScenarioView:
    """One scenario of the folder as the report shows it.

    Attributes
    ----------
    title : str
        The scenario's name (a sweep point: its folder name).
    recorded : dict
        Its ``scenario.json``.
    rebuilt : Rebuilt
        The scenario rebuilt from its file, or why it could not be.
    offices : tuple of str
        Office names from ``records.npz`` (empty when the folder has none).
    results : RunResults or None
        The scenario's results folder (its ``summary.csv`` gives the caveats), None when unknown.
    """

    title: str
    recorded: dict[str, Any]
    rebuilt: rs.Rebuilt
    offices: tuple[str, ...] = ()
    results: RunResults | None = None

    @property
    def check(self) -> rs.Check | None:
        """The checks of ``rollout-sim validate``, None when the scenario could not be rebuilt."""
        return None if self.rebuilt.scenario is None else rs.check(self.rebuilt.scenario)

    @property
    def caveats(self) -> list[str]:
        """The stations without a steady state (:func:`sim.output.caveats.summary_caveats`), one line each.

        Empty when the scenario could not be rebuilt or its ``summary.csv`` cannot be read.
        """
        if self.rebuilt.scenario is None or self.results is None:
            return []
        try:
            summary = table_estimates(self.results.summary)
        except ResultsError:
            return []
        return summary_caveats(self.rebuilt.scenario, summary)


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of a results folder atomically (a temporary file beside it, then renamed).

    Parameters
    ----------
    path
        A folder written by ``rollout-sim run``, ``compare`` or ``sweep``.
    out
        The HTML file to write; ``path/report.html`` when omitted.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ResultsError
        When ``path`` is not a results folder or a file the report needs is missing or damaged (nothing written).
    """
    results = load_results(path)
    target = Path(out) if out is not None else Path(path) / REPORT_FILE
    if not target.parent.is_dir():
        raise ResultsError(f"{target}: --out: no such folder {target.parent}")
    text = render(results)
    replace_file(target, lambda stream: stream.write(text.encode("utf-8")))
    return target


def render(results: Results) -> str:
    """The report of a loaded results folder as one HTML document.

    Parameters
    ----------
    results
        A run, comparison or sweep folder.

    Returns
    -------
    str
        The whole page (UTF-8 text), self-contained.
    """
    views = scenario_views(results)
    title = _title(results, views)
    sections = [
        ("checks", "Checks (rollout-sim validate)", _checks(views)),
        ("metrics", "Headline metrics", _metrics(results)),
        ("figures", "Figures", _figures(results)),
        ("phases", "Rollout phases", _phases(views)),
        ("parameters", "Key parameters", _parameters(views)),
        ("assumptions", "What the model assumes", _assumptions(views)),
    ]
    nav = "".join(f'<a href="#{key}">{_e(name)}</a>' for key, name, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{_e(name)}</h2>{content}</section>' for key, name, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE_SHEET}</style></head><body><main>"
        f"<header><h1>{_e(title)}</h1>{_lead(results, views)}{_provenance(results)}</header>"
        f"<nav>{nav}</nav>{body}"
        f"<footer>Written by rollout-sim {_e(sim.__version__)} (rollout-sim report) from "
        f"{_e(shown_path(results.path))}.</footer></main></body></html>\n"
    )


def _e(value: object) -> str:
    """HTML-escaped text (quotes too, so it is safe in attribute values)."""
    return html.escape(str(value), quote=True)


# -- the scenarios -------------------------------------------------------------------------------------------------


def scenario_views(results: Results) -> list[ScenarioView]:
    """The scenarios of a folder, each with its ``scenario.json`` and the scenario rebuilt from its file.

    Parameters
    ----------
    results
        A run, comparison or sweep folder.

    Returns
    -------
    list of ScenarioView
        One for a run, one per scenario of a comparison (the reference first), one per finished sweep point.
    """
    if isinstance(results, ComparisonResults):
        return _comparison_views(results)
    if isinstance(results, SweepResults):
        files = rs.candidate_files(str(results.sweep.get("scenario") or ""))
        return [_view(name, point, files) for name, point in results.points.items()]
    return [_view(results.name, results, rs.candidate_files(_recorded_file(results)))]


def _comparison_views(results: ComparisonResults) -> list[ScenarioView]:
    files = rs.candidate_files(str(results.manifest.get("scenario_file") or ""))
    beside = files[0].parent if files else None
    views = []
    for k, (name, sub) in enumerate(results.scenarios.items()):
        if k == 0:
            views.append(_view(name, sub, files))
        else:
            guessed = rs.candidate_files(None, beside=beside, name=name)
            views.append(ScenarioView(name, sub.scenario, rs.rebuild(sub.scenario, guessed, exact=True), results=sub))
    return views


def _view(title: str, results: RunResults, files: Sequence[Path]) -> ScenarioView:
    try:
        offices = results.offices
    except ResultsError:
        offices = ()
    return ScenarioView(title, results.scenario, rs.rebuild(results.scenario, files), offices, results)


def _recorded_file(results: RunResults) -> str:
    """The scenario file ``manifest.json`` records ("" without a manifest, as in a comparison's sub-folder)."""
    return str(_manifest(results).get("scenario_file") or "")


def _manifest(results: RunResults) -> dict[str, Any]:
    return results.manifest if (results.path / "manifest.json").is_file() else {}


def _title(results: Results, views: Sequence[ScenarioView]) -> str:
    if isinstance(results, ComparisonResults):
        return f"Comparison: {', '.join(results.names)}"
    if isinstance(results, SweepResults):
        name = Path(str(results.sweep.get("scenario", "scenario"))).stem
        return f"Sweep of {name} over {', '.join(results.sweep.get('sets') or {})}"
    return f"Scenario {views[0].title}"


def _lead(results: Results, views: Sequence[ScenarioView]) -> str:
    descriptions = [str(v.recorded.get("description") or "") for v in views]
    if isinstance(results, RunResults) and descriptions[0]:
        return f'<p class="lead">{_e(descriptions[0])}</p>'
    if isinstance(results, ComparisonResults):
        items = "".join(f"<li><b>{_e(v.title)}</b>: {_e(d or '(no description)')}</li>" for v, d in zip(
            views, descriptions, strict=True))  # fmt: skip
        return f'<p class="lead">Paired differences to the reference, {_e(results.names[0])}.</p><ul>{items}</ul>'
    if isinstance(results, SweepResults) and views and descriptions[0]:
        return f'<p class="lead">{_e(descriptions[0])}</p>'
    return ""


# -- provenance ----------------------------------------------------------------------------------------------------


def _provenance(results: Results) -> str:
    """The header table: when, how and with what the folder was made."""
    if isinstance(results, SweepResults):
        rows = _sweep_provenance(results)
    else:
        manifest = results.manifest if isinstance(results, ComparisonResults) else _manifest(results)
        rows = _run_provenance(results, manifest)
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v not in ("", None))
    return f'<table class="meta">{body}</table>'


def _run_provenance(results: RunResults | ComparisonResults, manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    run = results.scenario.get("run", {}) if isinstance(results, RunResults) else {}
    precision = manifest.get("precision")
    rows = [
        ("Results folder", shown_path(results.path)),
        ("Run date", _when(manifest.get("created_utc")) or "unknown (no manifest.json)"),
        ("Engine", str(manifest.get("engine", ""))),
        ("Executor", str(manifest.get("executor", ""))),
        ("Replications", str(manifest.get("replications", run.get("replications", "")))),
        ("Root seed", str(manifest.get("seed", run.get("seed", "")))),
        ("Confidence level", _share(manifest.get("confidence_level"))),
        ("Wall time", f"{manifest['wall_seconds']:.1f} s" if "wall_seconds" in manifest else ""),
        (_file_label(results), str(manifest.get("scenario_file", ""))),
        ("rollout-sim version", str(manifest.get("version", ""))),
        ("Git commit", str(manifest.get("git_commit") or "")),
    ]
    if isinstance(precision, dict):
        met = "met" if precision.get("met") else "not met (capped)"
        rows.append(("Precision stop", f"{met} after {precision.get('replications')} replications"))
    return rows


def _file_label(results: RunResults | ComparisonResults) -> str:
    return "Scenario file (reference)" if isinstance(results, ComparisonResults) else "Scenario file"


def _sweep_provenance(results: SweepResults) -> list[tuple[str, str]]:
    sweep = results.sweep
    sets = sweep.get("sets") or {}
    dates = sorted(d for d in (_when(_manifest(p).get("created_utc")) for p in results.points.values()) if d)
    done = len(results.points)
    return [
        ("Results folder", shown_path(results.path)),
        ("Run dates", f"{dates[0]} to {dates[-1]}" if dates and dates[0] != dates[-1] else "".join(dates[:1])),
        ("Engine", str(sweep.get("engine", ""))),
        ("Replications per point", str(sweep.get("replications", ""))),
        ("Root seed", str(sweep.get("seed", ""))),
        ("Swept", "; ".join(f"{k} = {', '.join(str(v) for v in values)}" for k, values in sets.items())),
        ("Points", f"{done} finished of {len(results.index)}"),
        ("Scenario file", str(sweep.get("scenario", ""))),
        ("rollout-sim version", str(sweep.get("version", ""))),
    ]


def _when(stamp: Any) -> str:
    """An ISO time stamp as ``YYYY-MM-DD HH:MM:SS UTC`` ("" when there is none)."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo is not None else "")


def _share(value: Any) -> str:
    return f"{float(value) * 100:g} %" if isinstance(value, int | float) else ""


# -- checks --------------------------------------------------------------------------------------------------------


def _checks(views: Sequence[ScenarioView]) -> str:
    """Per scenario, the warnings of ``rollout-sim validate`` (or why they could not be computed)."""
    parts = []
    for view in views:
        heading = f"<h3>{_e(view.title)}</h3>" if len(views) > 1 else ""
        parts.append(heading + _check(view))
    intro = (
        '<p class="note">The warnings <code>rollout-sim validate</code> prints for the scenario: offices whose '
        "busiest hour is overloaded as an M/M/c queue (rho &gt;= 1) and hukou reviewers who cannot keep up at full "
        "rollout; then, from the run's figures, the stations that have no steady state (caveats: their queue grows "
        "without bound, so their means depend on the run's horizon).</p>"
    )
    return intro + "".join(parts)


def _check(view: ScenarioView) -> str:
    """The scenario's warnings, its caveats (a list after them, when any) and how it was rebuilt."""
    check = view.check
    if check is None:
        return f'<p class="empty">Warnings not computed: the scenario {_e(view.rebuilt.note)}.</p>'
    busiest = ""
    if check.busiest is not None:
        p = check.busiest
        busiest = (
            f" Busiest hour of the {check.offices} office(s): {_e(p.office)}, {_e(p.when)}, "
            f"rho = {p.queue.utilisation:.2f}."
        )
    caveats = "".join(f"<li>{_e(line)}</li>" for line in view.caveats)
    after = (f'<ul class="warnings caveats">{caveats}</ul>' if caveats else "") + (
        f'<p class="note">Scenario {_e(view.rebuilt.note)}.</p>'
    )
    if not check.warnings:
        return f'<p class="ok">No warnings.{busiest}</p>{after}'
    items = "".join(f"<li>{_e(w)}</li>" for w in check.warnings)
    return f'<ul class="warnings">{items}</ul><p class="note">{busiest.strip()}</p>{after}'


# -- headline figures ----------------------------------------------------------------------------------------------


def number(value: float) -> str:
    """A figure as the tables show it: four significant digits, thousands separated, "–" where undefined.

    Parameters
    ----------
    value
        Any float, in its unit.

    Returns
    -------
    str
        ``53``, ``5.369``, ``0.03167``, ``12,345``, ``1.20e-03`` or ``–`` (NaN or infinite).
    """
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 0.01:
        return f"{value:.4g}"
    return f"{value:.2e}"


def _value_cell(value: float, field: str) -> str:
    """A numeric cell carrying its exact value (``data-value``, shortest round-trip) for readers and tests."""
    shown_value = number(value)
    if field.endswith("half_width") and shown_value != "–":
        shown_value = f"± {shown_value}"
    return f'<td class="num" data-field="{_e(field)}" data-value="{_e(repr(float(value)))}">{_e(shown_value)}</td>'


_SUMMARY_FIELDS = (("mean", "Mean"), ("half_width", "± half-width"), ("ci_low", "95 % CI low"),
                   ("ci_high", "95 % CI high"))  # fmt: skip
_DIFF_FIELDS = (("diff_mean", "Difference"), ("diff_half_width", "± half-width"), ("diff_ci_low", "95 % CI low"),
                ("diff_ci_high", "95 % CI high"))  # fmt: skip


def _metrics(results: Results) -> str:
    if isinstance(results, ComparisonResults):
        return _comparison_metrics(results)
    if isinstance(results, SweepResults):
        return _sweep_metrics(results)
    intro = (
        '<p class="note">Total scope: every figure is the mean across replications with its 95 % Student-t '
        "confidence interval (mean ± half-width); <i>n</i> counts the replications in which it is defined.</p>"
    )
    return intro + _total_tables(results.summary, None) + _scope_table(results.summary)


def _total_tables(table: Table, scenario: str | None, *, differences: bool = False) -> str:
    """The headline rows of the total scope, then every total row in a collapsed ``<details>`` element."""
    headline = _summary_table(table, scenario, differences=differences, only=plots.HEADLINE_METRICS)
    every = _summary_table(table, scenario, differences=differences)
    count = every.count("<tr data-scope")
    return f"{headline}<details><summary>All {count} metrics of the total scope</summary>{every}</details>"


def _summary_table(
    table: Table, scenario: str | None, *, differences: bool = False, only: Sequence[str] | None = None
) -> str:
    """The ``total`` rows of a summary (of one scenario of a comparison), optionally with the paired differences.

    ``only`` keeps those metrics, in that order; the class of the table is ``headline`` then, else ``metrics``.
    """
    rows = table.where(table["scope"] == "total")
    if scenario is not None:
        rows = rows.where(rows["scenario"] == scenario)
    if only is not None:
        rows = _ordered(rows, only)
    fields = _SUMMARY_FIELDS + (_DIFF_FIELDS if differences else ())
    header = ["Figure", "Unit", *(name for _, name in fields), "n"]
    body = []
    for k in range(len(rows)):
        metric = str(rows["metric"][k])
        attrs = f' data-scope="total" data-metric="{_e(metric)}"'
        attrs += f' data-scenario="{_e(scenario)}"' if scenario is not None else ""
        cells = [f"<td>{_e(plots.label(metric))}<br><code>{_e(metric)}</code></td>", f"<td>{_e(rows['unit'][k])}</td>"]
        cells += [_value_cell(float(rows[field][k]), field) for field, _ in fields]
        cells.append(f'<td class="num" data-field="n" data-value="{int(rows["n"][k])}">{int(rows["n"][k])}</td>')
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return _table(header, body, numeric_from=2, cls="metrics" if only is None else "headline")


def _ordered(rows: Table, metrics: Sequence[str]) -> Table:
    """The rows of ``metrics`` in that order (those the table has)."""
    order = [k for m in metrics for k in np.flatnonzero(rows["metric"] == m)]
    return Table(rows.name, {c: rows[c][order] for c in rows.columns}, rows.units)


def _table(header: Sequence[str], rows: Iterable[str], *, numeric_from: int = 99, cls: str = "") -> str:
    heads = "".join(
        f'<th{" class=num" if i >= numeric_from else ""} scope="col">{_e(h)}</th>' for i, h in enumerate(header)
    )
    klass = f' class="{_e(cls)}"' if cls else ""
    table = f"<table{klass}><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _scope_table(summary: Table) -> str:
    """Headline figures per office and hukou province (mean ± half-width), when there are a few scopes."""
    scopes = [s for s in dict.fromkeys(str(x) for x in summary["scope"]) if s != "total"]
    present = {str(m) for m in summary["metric"]}
    metrics = [m for m in plots.HEADLINE_METRICS if m in present]
    if len(scopes) < 2 or not metrics:
        return ""
    if len(scopes) > MAX_SCOPE_ROWS:
        return f'<p class="note">{len(scopes)} offices and hukou provinces: their figures are in summary.csv.</p>'
    lookup = {(str(s), str(m)): k for k, (s, m) in enumerate(zip(summary["scope"], summary["metric"], strict=True))}
    units = {str(m): str(u) for m, u in zip(summary["metric"], summary["unit"], strict=True)}
    body = []
    for metric in metrics:
        cells = [f"<td>{_e(plots.label(metric))}</td>", f"<td>{_e(units[metric])}</td>"]
        cells += [_pivot_cell(summary, lookup.get((scope, metric)), scope, metric) for scope in scopes]
        body.append(f"<tr>{''.join(cells)}</tr>")
    header = ["Figure", "Unit", *scopes]
    note = '<p class="note">Mean ± 95 % CI half-width; – where the figure does not apply to the scope.</p>'
    return "<h3>By office and hukou province</h3>" + note + _table(header, body, numeric_from=2, cls="scopes")


def _pivot_cell(summary: Table, k: int | None, scope: str, metric: str) -> str:
    attrs = f'class="num" data-scope="{_e(scope)}" data-metric="{_e(metric)}"'
    if k is None:
        return f"<td {attrs}>–</td>"
    mean, half = float(summary["mean"][k]), float(summary["half_width"][k])
    text = number(mean) if not math.isfinite(half) else f"{number(mean)} ± {number(half)}"
    values = f'data-mean="{_e(repr(mean))}" data-half-width="{_e(repr(half))}"'
    return f"<td {attrs} {values}>{_e(text)}</td>"


def _comparison_metrics(results: ComparisonResults) -> str:
    reference = results.names[0]
    parts = [
        '<p class="note">Total scope, mean ± 95 % CI half-width across replications. The differences are to the '
        f"reference, {_e(reference)}, paired by replication (the same random streams), with their 95 % CI.</p>"
    ]
    for k, name in enumerate(results.names):
        parts.append(f"<h3>{_e(name)}{' (reference)' if k == 0 else ''}</h3>")
        parts.append(_total_tables(results.comparison, name, differences=k > 0))
    return "".join(parts)


def _sweep_metrics(results: SweepResults) -> str:
    index = results.index
    swept = [k for k in (results.sweep.get("sets") or {}) if k in index.columns]
    metrics = plots.sweep_metrics(index, swept)
    header = ["Point", "Status", *swept, "Replications", "Seed"]
    header += [f"{plots.label(m)}" for m in metrics]
    body = []
    for k in range(len(index)):
        point = str(index["point"][k])
        cells = [f'<td title="{_e(point)}">{_e(point.partition("-")[0])}</td>']
        cells.append(f"<td>{_e(index['status'][k])}</td>")
        cells += [f'<td class="num" data-field="{_e(key)}">{_e(_plain(index[key][k]))}</td>' for key in swept]
        cells += [f'<td class="num">{_e(_plain(index[c][k]))}</td>' for c in ("replications", "seed")]
        cells += [_index_cell(index, metric, k) for metric in metrics]
        body.append(f'<tr data-point="{_e(index["point"][k])}">{"".join(cells)}</tr>')
    note = (
        '<p class="note">One row per point of the sweep: the total scope\'s key figures, mean across replications'
        " (± the 95 % CI half-width where index.csv has it).</p>"
    )
    return note + _table(header, body, numeric_from=2, cls="sweep")


def _index_cell(index: Table, metric: str, k: int) -> str:
    mean = float(index[metric][k])
    half_name = f"{metric}_half_width"
    half = float(index[half_name][k]) if half_name in index else math.nan
    text = number(mean) if not math.isfinite(half) else f"{number(mean)} ± {number(half)}"
    values = f'data-metric="{_e(metric)}" data-mean="{_e(repr(mean))}" data-half-width="{_e(repr(half))}"'
    return f'<td class="num" {values}>{_e(text)}</td>'


def _plain(value: Any) -> str:
    """A cell of a table as text (dates in ISO form, whole floats without a point)."""
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


# -- figures -------------------------------------------------------------------------------------------------------


def figure_png(figure: Figure) -> bytes:
    """A figure as PNG bytes, drawn in the style of :mod:`sim.output.plots` (150 dpi).

    Parameters
    ----------
    figure
        A figure of :mod:`sim.output.plots`.

    Returns
    -------
    bytes
        The PNG file.
    """
    buffer = io.BytesIO()
    with plots.style():
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height (pixels) of a PNG file, from its header."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _figures(results: Results) -> str:
    parts = []
    for number_, (name, figure) in enumerate(plots.figures(results), start=1):
        png = figure_png(figure)
        width, height = png_size(png)
        source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        alt = _figure_title(figure) or name
        wide = ' class="wide"' if width > 2 * height else ""
        parts.append(
            f'<figure id="figure-{_e(name)}" data-figure="{_e(name)}"><img{wide} src="{source}" alt="{_e(alt)}" '
            f'width="{width}" height="{height}"><figcaption><b>Figure {number_}.</b> {_e(caption(name, figure))}'
            "</figcaption></figure>"
        )
    return "".join(parts) or '<p class="empty">No figure applies to this folder (no data for any of them).</p>'


def _figure_title(figure: Figure) -> str:
    suptitle = figure.get_suptitle()
    if suptitle:
        return str(suptitle)
    return str(figure.axes[0].get_title()) if figure.axes else ""


def caption(name: str, figure: Figure) -> str:
    """A figure's caption: the first paragraph of its figure function's docstring, else its title.

    Parameters
    ----------
    name
        The figure's name in :func:`sim.output.plots.figures`.
    figure
        The figure.

    Returns
    -------
    str
        One paragraph of plain text.
    """
    function = plots.figure_function(name)
    doc = (function.__doc__ or "") if function is not None else ""
    scenario = name.rpartition("-")[0] if "-" in name else ""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    text = first or _figure_title(figure) or name
    return f"{scenario}: {text}" if scenario else text


# -- phases --------------------------------------------------------------------------------------------------------


def _phases(views: Sequence[ScenarioView]) -> str:
    lanes: dict[tuple[rs.PhaseRow, ...], list[ScenarioView]] = {}
    for view in views:
        lanes.setdefault(tuple(rs.phase_rows(view.recorded, view.rebuilt.scenario)), []).append(view)
    if all(not rows for rows in lanes):
        return f'<p class="empty">{_e(NO_PHASES)}</p>'
    parts = [_timeline(lanes)]
    for rows, members in lanes.items():
        names = ", ".join(v.title for v in members)
        parts.append(f"<h3>{_e(names)}</h3>" if len(lanes) > 1 or len(views) > 1 else "")
        span = _dates(members[0])
        end = span[1] if span is not None else None
        parts.append(_phase_table(rows, end) if rows else f'<p class="empty">{_e(NO_PHASES)}</p>')
    return "".join(parts)


def _phase_table(rows: Sequence[rs.PhaseRow], end: dt.date | None) -> str:
    """The phases as a table; ``end`` is the run's last arrival day (a phase starting later never took effect)."""
    body = []
    for k, row in enumerate(rows, start=1):
        steps = "; ".join(f"{day}: {count} cities" for day, count in row.steps) or "-"
        if end is not None and row.start > end.isoformat():
            steps = f"after the run's end ({end.isoformat()}), not simulated: {steps}"
        body.append(
            f'<tr data-phase="{_e(row.name)}" data-start="{_e(row.start)}"><td class="num">{k}</td>'
            f'<td>{_e(row.name)}</td><td class="date">{_e(row.start)}</td>'
            f"<td>{_e(row.enables)}</td><td>{_e(steps)}</td></tr>"
        )
    header = ["#", "Phase", "Start", "What it enables", "Steps in the rebuilt scenario (cities opened)"]
    return _table(header, body, cls="phases")


def _dates(view: ScenarioView) -> tuple[dt.date, dt.date] | None:
    try:
        start = dt.date.fromisoformat(str(rs.lookup(view.recorded, "run.start")))
        end = dt.date.fromisoformat(str(rs.lookup(view.recorded, "run.end")))
    except ValueError:
        return None
    return (start, end) if end >= start else None


def _timeline(lanes: Mapping[tuple[rs.PhaseRow, ...], Sequence[ScenarioView]]) -> str:
    """The phases on a date axis: one lane per distinct schedule, a numbered marker at each phase's start."""
    spans = [d for members in lanes.values() for d in [_dates(members[0])] if d is not None]
    if not spans:
        return ""
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    days = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return _LABEL_WIDTH + (TIMELINE_WIDTH - _LABEL_WIDTH - 20.0) * (day - first).days / days

    height = _AXIS + _LANE * len(lanes) + 8.0
    parts = [_axis(first, last, x, height)]
    for lane, (rows, members) in enumerate(lanes.items()):
        span = _dates(members[0])
        if span is not None:
            parts.append(_lane(lane, ", ".join(v.title for v in members), rows, span, x))
    label = "Timeline of the rollout phases"
    return (
        f'<svg class="timeline" viewBox="0 0 {TIMELINE_WIDTH:g} {height:g}" role="img" aria-label="{label}">'
        f"<title>{label}</title>{''.join(parts)}</svg>"
    )


def _axis(first: dt.date, last: dt.date, x: Callable[[dt.date], float], height: float) -> str:
    months = [dt.date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)]
    months = [m for m in months if first <= m <= last] or [first]
    step = max(1, math.ceil(len(months) / 12))
    parts = []
    for month in months[::step]:
        left = x(month)
        parts.append(f'<line x1="{left:.1f}" y1="18" x2="{left:.1f}" y2="{height - 4:.1f}" stroke="#d8dde3"/>')
        if left + 60.0 <= TIMELINE_WIDTH:
            parts.append(f'<text x="{left + 3:.1f}" y="13">{month:%Y-%m}</text>')
    return "".join(parts)


def _lane(
    lane: int, name: str, rows: Sequence[rs.PhaseRow], span: tuple[dt.date, dt.date], x: Callable[[dt.date], float]
) -> str:
    top = _AXIS + lane * _LANE
    middle = top + _LANE / 2
    short = name if len(name) <= 28 else name[:27] + "…"
    parts = [
        f'<text x="4" y="{middle + 4:.1f}">{_e(short)}</text>',
        f'<rect x="{x(span[0]):.1f}" y="{middle - 5:.1f}" width="{max(x(span[1]) - x(span[0]), 1):.1f}" '
        f'height="10" rx="5" fill="#cfe3f1"/>',
    ]
    for k, row in enumerate(rows, start=1):
        for day in _marker_days(row):
            left, up = x(day), k % 2 == 1
            parts.append(
                f'<circle cx="{left:.1f}" cy="{middle:.1f}" r="5" fill="#D55E00"><title>{_e(row.name)}, '
                f"{day.isoformat()}</title></circle>"
                f'<text x="{left:.1f}" y="{middle - 10 if up else middle + 21:.1f}" text-anchor="middle">{k}</text>'
            )
    return "".join(parts)


def _marker_days(row: rs.PhaseRow) -> list[dt.date]:
    days = [d for d, _ in row.steps] or [row.start]
    out = []
    for day in days:
        try:
            out.append(dt.date.fromisoformat(day))
        except ValueError:
            continue
    return out


# -- parameters ----------------------------------------------------------------------------------------------------


def parameters(view: ScenarioView) -> dict[str, str]:
    """A scenario's key parameters, label to value (as text), in the report's order.

    Parameters
    ----------
    view
        The scenario.

    Returns
    -------
    dict of str to str
        The run period, offices, windows and hukou provinces (from the rebuilt scenario where it could be rebuilt,
        else from ``scenario.json``), then the values of :data:`sim.output.report_text.PARAMETERS` that
        ``scenario.json`` has.
    """
    recorded, scenario = view.recorded, view.rebuilt.scenario
    out = {
        "Description": str(recorded.get("description") or ""),
        "Run period": rs.run_period(recorded),
        "Replications": str(rs.lookup(recorded, "run.replications") or ""),
        "Root seed": str(rs.lookup(recorded, "run.seed") or ""),
        "Offices": rs.offices_text(recorded, scenario, view.offices),
        "Windows": rs.windows_text(recorded, scenario),
        "Hukou provinces": rs.provinces_text(recorded, scenario),
        "Phases": str(len(recorded.get("phase") or [])),
    }
    for label, path in PARAMETERS:
        value = rs.lookup(recorded, path)
        if value is not None:
            out[label] = rs.shown(value)
    if _reviewer_steps(recorded, scenario):
        out["Reviewers"] = rs.reviewers_text(recorded, scenario)  # per province, with the steps by date
    return {k: v for k, v in out.items() if v}


def _reviewer_steps(recorded: Mapping[str, Any], scenario: Scenario | None) -> bool:
    """Whether any hukou province's reviewers change by date (``reviewers_from``)."""
    if scenario is not None:
        return any(p.reviewers_from for p in scenario.provinces)
    return rs.lookup(recorded, "verification.reviewers_from") is not None


def _parameters(views: Sequence[ScenarioView]) -> str:
    shown_views = list(views) if len(views) <= MAX_PARAMETER_COLUMNS else list(views[:1])
    columns = [parameters(v) for v in shown_views]
    labels = list(dict.fromkeys(label for column in columns for label in column))
    body = []
    for label in labels:
        values = [column.get(label, "–") for column in columns]
        differs = ' class="differs"' if len(set(values)) > 1 else ""
        cells = "".join(f"<td>{_e(v)}</td>" for v in values)
        body.append(f'<tr{differs} data-parameter="{_e(label)}"><th scope="row">{_e(label)}</th>{cells}</tr>')
    header = ["Parameter", *(v.title for v in shown_views)] if len(shown_views) > 1 else ["Parameter", "Value"]
    note = "As recorded in scenario.json; [office] values are the defaults that [[offices]] entries may override."
    if len(shown_views) > 1:
        note += " Rows where the scenarios differ are shaded."
    if len(views) > len(shown_views):
        note += f" The first of {len(views)} points is shown; the others differ in the swept keys."
    return f'<p class="note">{_e(note)}</p>' + _table(header, body, cls="parameters")


# -- assumptions ---------------------------------------------------------------------------------------------------


def _assumptions(views: Sequence[ScenarioView]) -> str:
    kinds = set().union(*(rs.applies(v.recorded) for v in views)) if views else {"all"}
    items = "".join(
        f'<li><b>{_e(a.topic)}.</b> {_e(a.statement)} <span class="note">({_e(a.source)})</span></li>'
        for a in ASSUMPTIONS
        if a.applies in kinds
    )
    tags = "".join(f"<dt>{_e(tag)}</dt><dd>{_e(meaning)}</dd>" for tag, meaning in TAGS)
    return f'<ul>{items}</ul><p>Confidence tags (DOMAIN.md):</p><dl class="tags">{tags}</dl>{_file_notes(views)}'


def _file_notes(views: Sequence[ScenarioView]) -> str:
    """The opening comments of each rebuilt scenario's file (its author's notes on sources), once per file."""
    files = dict.fromkeys(v.rebuilt.scenario.file for v in views if v.rebuilt.scenario is not None)
    parts = []
    for file in files:
        text = rs.file_notes(Path(file))
        if text:
            parts.append(f'<h3>Notes in {_e(file)}</h3><pre class="notes">{_e(text)}</pre>')
    return "".join(parts)
