"""Weekly and monthly figures: the same definitions as the whole horizon, consistent sums, Erlang C per month."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pytest

from sim.experiment.executors import ProcessExecutor
from sim.experiment.metrics import replication_figures
from sim.experiment.periods import PERIOD_COLUMNS, calendar_periods, period_figures, period_rows
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.experiment.store import save_experiment
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, SCENARIOS
from tests.test_queueing_theory import assert_close, mmc_scenario


def horizon(scenario, start, end, **run):
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, start=start, end=end, **run))


@pytest.fixture(scope="module")
def journey_run():
    """Two hukou provinces over two whole months (September and October 2022), no warm-up."""
    s = horizon(load_scenario(SCENARIOS / "two_provinces.toml"), dt.date(2022, 9, 1), dt.date(2022, 10, 31))
    return run_experiment(s, replications=3, executor=ProcessExecutor(2))


@pytest.fixture(scope="module")
def national_run():
    """The national history schedule's first 24 days: 341 offices, migrant demand, forgone applications."""
    s = load_scenario(SCENARIOS / "history.toml")
    s = dataclasses.replace(s, run=dataclasses.replace(s.run, end=dt.date(2021, 10, 24)))
    return run_experiment(s, replications=2, executor=ProcessExecutor(2))


@pytest.fixture(scope="module")
def new_year_run():
    """Saturday 2022-12-31 to Wednesday 2023-01-11 at a weekday office: the first ISO week has no applicants."""
    s = horizon(load_scenario(SCENARIOS / "single_office.toml"), dt.date(2022, 12, 31), dt.date(2023, 1, 11))
    return run_experiment(s, replications=2)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("warm_up", [0, 10])
@pytest.mark.parametrize("which", ["journey_run", "national_run"])
def test_one_period_over_the_window_reproduces_the_whole_horizon_figures(request, which, warm_up):
    experiment = request.getfixturevalue(which)
    run = dataclasses.replace(experiment.scenario.run, warm_up_days=warm_up)
    scenario = dataclasses.replace(experiment.scenario, run=run)
    window = np.where(np.arange(scenario.run.days) < warm_up, -1, 0)
    for outcome in experiment.outcomes:
        whole = replication_figures(scenario, outcome.result)
        figures = period_figures(scenario, outcome.result, window, 1)
        assert {metric for _, metric in set(figures) - set(whole)} <= {"applicants"}  # counted in total scope only
        for key in set(figures) & set(whole):
            assert same(float(figures[key][0]), whole[key]), (key, figures[key][0], whole[key])


def test_monthly_figures_add_up_to_the_whole_horizon(journey_run):
    scenario = journey_run.scenario
    months, day_month = calendar_periods(scenario.run.start, scenario.run.end, "month")
    assert [m.label for m in months] == ["2022-09", "2022-10"]
    for outcome in journey_run.outcomes:
        whole = outcome.figures
        monthly = period_figures(scenario, outcome.result, day_month, len(months))
        for scope in ("total", "City service hall"):
            arrived = monthly[(scope, "applicants")]
            assert arrived.sum() == outcome.result.applicants["day"].size
            for metric in ("wait_mean", "lead_days_mean"):
                weighted = float((arrived * monthly[(scope, metric)]).sum() / arrived.sum())
                assert math.isclose(weighted, whole[(scope, metric)], rel_tol=1e-12), (scope, metric)
        for name in ("hukou:Anhui", "hukou:Henan"):
            arrived = monthly[(name, "applicants")]
            weighted = float((arrived * monthly[(name, "lead_days_mean")]).sum() / arrived.sum())
            assert math.isclose(weighted, whole[(name, "lead_days_mean")], rel_tol=1e-12)


def column(rows, scope, metric, field="mean"):
    return np.array([getattr(r, field) for r in rows if r.scope == scope and r.metric == metric])


def test_weekly_counts_add_up_to_the_whole_horizon(journey_run, national_run):
    for experiment in (journey_run, national_run):
        rows = period_rows(experiment, "week")
        weeks, _ = calendar_periods(experiment.scenario.run.start, experiment.scenario.run.end, "week")
        assert sum(w.days for w in weeks) == experiment.scenario.run.days
        metrics = ["applicants", "forgone"] if experiment.scenario.migrant_demand is not None else ["applicants"]
        for metric in metrics:
            weekly = column(rows, "total", metric)
            assert weekly.size == len(weeks)
            assert (column(rows, "total", metric, "n") == len(experiment.outcomes)).all()
            whole = experiment.summary[("total", metric)].mean
            assert math.isclose(weekly.sum(), whole, rel_tol=1e-12), metric
            assert whole > 0


def test_scopes_are_offices_only_when_few_or_asked(journey_run, national_run):
    hukou = {"hukou:" + p.name for p in national_run.scenario.provinces}
    assert {r.scope for r in period_rows(national_run, "month")} == hukou | {"total"}
    everything = {r.scope for r in period_rows(national_run, "month", scopes="all")}
    assert everything == hukou | {"total"} | {o.name for o in national_run.scenario.offices}
    few = {"hukou:Anhui", "hukou:Henan", "total"}
    assert {r.scope for r in period_rows(journey_run, "month")} == few | {"City service hall"}
    assert {r.scope for r in period_rows(journey_run, "month", scopes="total")} == few


def test_iso_weeks_across_new_year_and_partial_periods():
    weeks, day_week = calendar_periods(dt.date(2022, 12, 28), dt.date(2023, 1, 11), "week")
    assert [(w.label, w.start, w.end, w.days) for w in weeks] == [
        ("2022-W52", dt.date(2022, 12, 28), dt.date(2023, 1, 1), 5),  # Sunday 1 January belongs to 2022's last week
        ("2023-W01", dt.date(2023, 1, 2), dt.date(2023, 1, 8), 7),
        ("2023-W02", dt.date(2023, 1, 9), dt.date(2023, 1, 11), 3),
    ]
    assert day_week.tolist() == [0] * 5 + [1] * 7 + [2] * 3
    weeks, _ = calendar_periods(dt.date(2024, 12, 29), dt.date(2025, 1, 6), "week")
    assert [w.label for w in weeks] == ["2024-W52", "2025-W01", "2025-W02"]  # Monday 30 December 2024 is 2025-W01
    months, _ = calendar_periods(dt.date(2023, 1, 31), dt.date(2024, 3, 1), "month")
    assert (months[0].label, months[0].days) == ("2023-01", 1)
    assert (months[13].label, months[13].days) == ("2024-02", 29)
    assert (months[-1].label, months[-1].days) == ("2024-03", 1)
    assert sum(m.days for m in months) == (dt.date(2024, 3, 1) - dt.date(2023, 1, 31)).days + 1


def test_rows_carry_labels_days_and_nan_where_nobody_arrived(new_year_run):
    rows = period_rows(new_year_run, "week")
    spans = sorted({(r.period, r.start, r.end, r.days) for r in rows})
    assert spans == [
        ("2022-W52", dt.date(2022, 12, 31), dt.date(2023, 1, 1), 2),
        ("2023-W01", dt.date(2023, 1, 2), dt.date(2023, 1, 8), 7),
        ("2023-W02", dt.date(2023, 1, 9), dt.date(2023, 1, 11), 3),
    ]
    first = {r.metric: r for r in rows if r.period == "2022-W52" and r.scope == "total"}
    assert (first["applicants"].mean, first["applicants"].n) == (0.0, 2)  # a weekend and a holiday: closed
    for metric in ("wait_mean", "wait_p90", "utilisation"):
        assert math.isnan(first[metric].mean)
        assert first[metric].n == 0
    later = {r.metric: r for r in rows if r.period == "2023-W02" and r.scope == "total"}
    assert later["wait_mean"].n == 2
    assert later["applicants"].mean > 0


def test_results_folder_has_weekly_and_monthly_csv_with_the_documented_header(new_year_run, tmp_path):
    folder = save_experiment(new_year_run, tmp_path / "run")
    documented = re.search(r"`(period, start, end, days, [a-z_, ]+)`", (ROOT / "docs" / "results.md").read_text())
    assert documented is not None
    assert tuple(documented.group(1).split(", ")) == PERIOD_COLUMNS
    for name, period in (("weekly.csv", "week"), ("monthly.csv", "month")):
        with (folder / name).open(newline="") as handle:
            lines = list(csv.reader(handle))
        assert tuple(lines[0]) == PERIOD_COLUMNS
        rows = period_rows(new_year_run, period)
        assert len(lines) - 1 == len(rows)
        for line, row in zip(lines[1:], rows, strict=True):
            assert line[:2] == [row.period, row.start.isoformat()]
            assert (line[7] == "") == math.isnan(row.mean)
            if line[7]:
                assert float(line[7]) == row.mean


@pytest.mark.slow
def test_each_full_month_matches_erlang_c():
    # M/M/3 at rho = 0.8 from Monday 2 January 2023 to 31 March: January holds the warm-up, February and March are
    # whole months of (nearly) stationary queue.
    scenario, theory = mmc_scenario(0.8, days=89, warm_up=7, replications=10)
    assert scenario.run.end == dt.date(2023, 3, 31)
    experiment = run_experiment(scenario, executor=ProcessExecutor(2))
    months, day_month = calendar_periods(scenario.run.start, scenario.run.end, "month")
    rows = period_rows(experiment, "month")
    for index in (1, 2):
        label = months[index].label
        values = [
            float(period_figures(scenario, o.result, day_month, len(months))[("M/M/3", "wait_mean")][index])
            for o in experiment.outcomes
        ]
        assert_close(values, theory.mean_wait_minutes, f"{label} mean wait")
        row = next(r for r in rows if (r.period, r.scope, r.metric) == (label, "total", "wait_mean"))
        e = estimate(values)
        assert (row.mean, row.half_width, row.n) == (e.mean, e.half_width, 10)
