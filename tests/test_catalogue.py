"""The metric catalogue: what is computed is what is declared, every list of figures reads it, unknown names fail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import pytest

from sim.experiment import catalogue
from sim.experiment.catalogue import CATALOGUE, WAIT_SHARE_OVER, UnknownMetricError, lookup, names, reported_name
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metric import TOTAL
from sim.experiment.metrics import metric_list, replication_figures
from sim.experiment.periods import PERIOD_METRIC_NAMES
from sim.experiment.precision import DEFAULT_METRICS
from sim.experiment.precision import JOURNEY_METRICS as PRECISION_JOURNEY
from sim.experiment.sweep import KEY_FIGURES
from sim.model.engine import run_replication
from sim.output import tables
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


def _short(name: str, days: int = 20):
    s = load_scenario(SCENARIOS / name)
    return dataclasses.replace(s, run=dataclasses.replace(s.run, end=s.run.start + dt.timedelta(days=days - 1)))


@pytest.mark.parametrize("name", ["two_provinces.toml", "mmc_check.toml"])
def test_computed_figures_are_the_declared_ones(name):
    """Every (scope, figure) a replication computes is in the catalogue, and every declared figure is computed for
    each scope the catalogue gives it."""
    s = _short(name)
    figures = replication_figures(s, run_replication(s, 0))
    declared = {m.name: m for m in metric_list(s)}
    computed = {metric for _, metric in figures}
    assert computed == set(declared)
    for metric in declared.values():
        scopes = {"total": [TOTAL], "office": [o.name for o in s.offices],
                  "hukou": [PROVINCE_PREFIX + p.name for p in s.provinces]}  # fmt: skip
        for kind in metric.scopes:
            for scope in scopes[kind]:
                assert (scope, metric.name) in figures, (scope, metric.name)


def test_journey_figures_only_with_provinces():
    with_provinces = {m.name for m in metric_list(_short("two_provinces.toml"))}
    intake_only = {m.name for m in metric_list(_short("mmc_check.toml"))}
    journey = {m.name for m in catalogue.group("journey")}
    assert journey <= with_provinces
    assert not journey & intake_only
    assert with_provinces - journey == intake_only


def test_threshold_figure_is_named_for_the_scenario():
    s = _short("two_provinces.toml")
    s = dataclasses.replace(s, report=dataclasses.replace(s.report, wait_threshold_minutes=45.0))
    shown = [m.name for m in metric_list(s)]
    assert "wait_share_over_45min" in shown
    assert WAIT_SHARE_OVER not in shown
    assert lookup("wait_share_over_45min") is CATALOGUE[WAIT_SHARE_OVER]
    assert reported_name("wait_mean", 45.0) == "wait_mean"


def test_unknown_names_fail():
    with pytest.raises(UnknownMetricError, match="wait_avg"):
        lookup("wait_avg")
    with pytest.raises(UnknownMetricError):
        names("wait_mean", "lead_time_p90")
    with pytest.raises(UnknownMetricError):
        tables.columns(("utilization", "util"))
    assert names("wait_mean", "lead_days_p90") == ("wait_mean", "lead_days_p90")


def test_every_list_of_figures_is_in_the_catalogue():
    listed = [*PERIOD_METRIC_NAMES, *DEFAULT_METRICS, *PRECISION_JOURNEY, *(m for m, _ in KEY_FIGURES)]
    for columns in (tables.KEY_METRICS, tables.JOURNEY_COLUMNS, tables.COMPARE_METRICS):
        listed += [name for name, _, _ in columns]
    for name in listed:
        assert lookup(name).name == name
    # the tables show each figure with the catalogue's decimals
    assert all(digits == CATALOGUE[name].digits for name, _, digits in tables.COMPARE_METRICS)


def test_entries_are_complete():
    for metric in CATALOGUE.values():
        assert metric.unit
        assert metric.label
        assert metric.description
        assert metric.definition
        assert set(metric.scopes) <= {"office", "hukou", "total"}
        assert metric.scopes
        assert metric.digits >= 0
        assert metric.axis_label() == f"{metric.label} ({metric.unit})"
    assert len({m.label for m in CATALOGUE.values()}) == len(CATALOGUE), "labels must tell figures apart"


def test_summary_json_carries_the_catalogue(tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "sim", "run", str(SCENARIOS / "two_provinces.toml"), "--replications", "2",
               "--until", "2022-09-20", "--out", str(out)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]) == {m.name for m in metric_list(load_scenario(SCENARIOS / "two_provinces.toml"))}
    for name, entry in summary["metrics"].items():
        metric = lookup(name)
        assert entry["unit"] == metric.unit
        assert entry["label"] == metric.label
        assert entry["definition"] == metric.definition
