"""Terminal tables: compact, fixed-width text built from an experiment's summary or a scenario's peak loads."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.experiment.calibrate import Calibration
from sim.experiment.catalogue import lookup
from sim.experiment.compare import Comparison
from sim.experiment.metric import TOTAL
from sim.experiment.precision import Stop
from sim.experiment.readings import Refit
from sim.experiment.runner import Experiment
from sim.experiment.stats import Estimate
from sim.world.peak import PeakLoad


def columns(*chosen: tuple[str, str]) -> tuple[tuple[str, str, int], ...]:
    """Table columns ``(figure, header)`` checked against the catalogue, with the catalogue's decimals.

    Raises
    ------
    sim.experiment.catalogue.UnknownMetricError
        When a figure is not in the catalogue (at import).
    """
    return tuple((name, header, lookup(name).digits) for name, header in chosen)


KEY_METRICS = columns(
    ("served_per_open_day", "served/day"),
    ("wait_mean", "wait mean"),
    ("wait_p90", "wait p90"),
    ("wait_p95", "wait p95"),
    ("utilisation", "util"),
    ("overtime_hours_per_open_day", "overtime h/day"),
    ("queue_length_mean", "queue"),
)
"""Per-office table: (figure, header, decimals); decimals from the catalogue."""


def format_estimate(e: Estimate, digits: int) -> str:
    """``mean ±half-width`` (just the mean when there is no interval, ``-`` when there is no value)."""
    if math.isnan(e.mean):
        return "-"
    if math.isnan(e.half_width):
        return f"{e.mean:.{digits}f}"
    return f"{e.mean:.{digits}f} ±{e.half_width:.{digits}f}"


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned others, two spaces apart."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(cells[0]).ljust(widths[0])]
        parts += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def summary_table(experiment: Experiment) -> str:
    """Key figures per office and in total, mean ±95 % CI half-width (times in minutes)."""
    threshold = experiment.scenario.report.wait_threshold_minutes
    over = f"wait_share_over_{threshold:g}min"
    header = ["office", *(label for _, label, _ in KEY_METRICS), f">{threshold:g} min"]
    rows = []
    for scope in experiment.scopes:
        if (scope, "wait_mean") not in experiment.summary:
            continue
        cells = [scope]
        cells += [format_estimate(experiment.summary[(scope, name)], d) for name, _, d in KEY_METRICS]
        cells.append(format_estimate(experiment.summary[(scope, over)], 3))
        rows.append(cells)
    return grid(header, rows)


JOURNEY_COLUMNS = columns(
    ("turnaround_hours_mean", "verif h"),
    ("turnaround_hours_p90", "verif p90 h"),
    ("reviewer_utilisation", "reviewers"),
    ("visits_per_applicant", "visits"),
    ("lead_days_mean", "lead d"),
    ("lead_days_p90", "lead p90 d"),
    ("over_promise_share", "late vs promise"),
    ("over_legal_limit_share", ">legal limit"),
    ("cards_per_day", "cards/day"),
)
"""Journey table: (figure, header, decimals)."""


def journey_table(experiment: Experiment) -> str:
    """The card's journey per office, hukou province and in total.

    Verification turnaround (hours), reviewer utilisation, visits per applicant, lead time from the first visit to
    the card in hand (days), late shares and cards per day.
    """
    header = ["scope", *(label for _, label, _ in JOURNEY_COLUMNS)]
    rows = []
    for scope in experiment.scopes:
        cells = [scope]
        for name, _, digits in JOURNEY_COLUMNS:
            e = experiment.summary.get((scope, name))
            cells.append("-" if e is None else format_estimate(e, digits))
        rows.append(cells)
    return grid(header, rows)


def peak_table(peaks: Sequence[PeakLoad], most: int = 20) -> str:
    """Per office: busiest hour, its arrival rate, offered load, rho and the Erlang C mean wait (minutes).

    With staffing by date the windows cell names the staffing period judged (``2 (2022-09-01 to 2022-09-30)``).

    With more than ``most`` offices only the ``most`` with the highest rho are listed.
    """
    header = ["office", "peak hour", "arrivals/h", "service min", "windows", "load (Erl)", "rho", "Erlang C wait"]
    shown = sorted(peaks, key=lambda p: -p.queue.utilisation)[:most] if len(peaks) > most else list(peaks)
    rows = []
    for p in shown:
        q = p.queue
        wait = "overloaded" if not q.stable else f"{q.mean_wait_minutes:.1f}"
        rows.append(
            [
                p.office,
                p.when,
                f"{60 * q.arrival_rate_per_minute:.1f}",
                f"{q.mean_service_minutes:.1f}",
                f"{q.servers} ({p.staffing})" if p.staffing else str(q.servers),
                f"{q.offered_load:.2f}",
                f"{q.utilisation:.3f}",
                wait,
            ]
        )
    return grid(header, rows)


def calibration_table(fit: Calibration) -> str:
    """The fitted rate, the target and the simulated check."""
    rows = [[fit.parameter.removeprefix("demand."), f"{fit.start_rate:.6g}", f"{fit.rate:.6g}"]]
    if fit.per_migrant != 1.0:
        before, after = fit.start_rate * fit.per_migrant, fit.rate * fit.per_migrant
        rows.append(["equivalent applications_per_migrant_year", f"{before:.6g}", f"{after:.6g}"])
    low, high = fit.rate_interval
    rows.append(["  95 % CI (from the simulated check)", "-", f"{low:.6g} to {high:.6g}"])
    rows += [
        [f"expected applications by {fit.target_date}", "-", f"{fit.expected:,.0f}"],
        [f"simulated applications by {fit.target_date}", "-", format_estimate(fit.simulated, 0)],
        ["target", "-", f"{fit.target:,.0f}"],
        ["target inside the simulated 95 % CI", "-", "yes" if fit.covered else "NO"],
    ]
    return grid(["parameter", "before", "calibrated"], rows)


COMPARE_METRICS = columns(
    ("applicants", "applicants"),
    ("forgone", "forgone"),
    ("forgone_share", "forgone share"),
    ("wait_mean", "wait mean (min)"),
    ("wait_p90", "wait p90 (min)"),
    ("lead_days_p90", "lead p90 (days)"),
    ("turnaround_hours_mean", "verification (h)"),
    ("utilisation", "utilisation"),
    ("peak_office_utilisation", "peak office util."),
)
"""Comparison table: (figure, header, decimals)."""


def readings_table(refits: Sequence[Refit], parameter: str) -> str:
    """Each reading's refitted parameter and its expected cumulative applications (thousands) by quarter end."""
    quarters = refits[0].quarters
    header = ["reading", parameter, *(f"{q.year}-Q{(q.month - 1) // 3 + 1}" for q in quarters)]
    rows = [[r.reading.name, f"{r.rate:.6g}", *(f"{c / 1000:,.0f}" for c in r.cumulative)] for r in refits]
    return grid(header, rows)


def comparison_table(comparison: Comparison) -> str:
    """Key figures in total per scenario (mean ±95 % CI), and each scenario's paired difference to the first."""
    experiments = comparison.experiments
    names = [e.scenario.name for e in experiments]
    header = ["figure (total)", *names, *(f"{n} - {names[0]}" for n in names[1:])]
    rows = []
    for metric, label, digits in COMPARE_METRICS:
        if (TOTAL, metric) not in experiments[0].summary:
            continue
        cells = [label]
        cells += [_cell(e.summary.get((TOTAL, metric)), digits) for e in experiments]  # "n/a": not reported there
        cells += [_cell(comparison.differences.get((k, TOTAL, metric)), digits) for k in range(1, len(names))]
        rows.append(cells)
    return grid(header, rows)


def busiest_offices(experiment: Experiment, count: int = 3) -> str:
    """The offices with the highest mean window utilisation, with their CIs."""
    offices = [o.name for o in experiment.scenario.offices]
    ranked = sorted(offices, key=lambda name: -_value(experiment.summary.get((name, "utilisation"))))[:count]
    parts = [f"{name} {format_estimate(experiment.summary[(name, 'utilisation')], 3)}" for name in ranked]
    return f"{experiment.scenario.name}: busiest offices (utilisation) " + "; ".join(parts)


def _cell(e: Estimate | None, digits: int) -> str:
    """An estimate, or ``n/a`` for a figure the scenario does not report (no hukou provinces, say)."""
    return "n/a" if e is None else format_estimate(e, digits)


def _value(e: Estimate | None) -> float:
    return -math.inf if e is None or math.isnan(e.mean) else e.mean


def stop_line(stop: Stop, relative: float) -> str:
    """One line saying why a ``--precision`` run stopped and which figure decided it."""
    scope, metric = stop.binding
    width = stop.relative_half_widths[stop.binding]
    shown = f"{width:.1%}" if math.isfinite(width) else "undefined (mean 0 or too few values)"
    if stop.met:
        return (
            f"precision {relative:.1%} reached after {stop.replications} replications; "
            f"the last figure to reach it: {scope} {metric} (CI half-width {shown} of the mean)"
        )
    return (
        f"precision {relative:.1%} NOT reached: stopped at the cap of {stop.replications} replications; "
        f"widest: {scope} {metric} (CI half-width {shown} of the mean)"
    )
