"""Calibration under alternative readings: each refit meets the target; a reading changes what it says."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys

import pytest

from sim.experiment.calibrate import expected_applications, with_rate
from sim.experiment.readings import quarter_ends, readings, refit
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

UNTIL = dt.date(2022, 7, 31)
TARGET = 70_000.0
HISTORY = load_scenario(SCENARIOS / "history.toml")
BY_NAME = {r.name: r for r in readings()}


@pytest.fixture(scope="module")
def refits():
    return {name: refit(HISTORY, BY_NAME[name], UNTIL, TARGET) for name in
            ("shipped", "pilot cities only", "three pilot regions", "no pent-up release")}  # fmt: skip


def test_quarter_ends():
    assert (
        quarter_ends(dt.date(2021, 10, 1), dt.date(2024, 7, 31))
        == tuple(dt.date(y, m, d) for y in (2021, 2022, 2023, 2024) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31)))[
            3:-1
        ]
    )
    assert quarter_ends(dt.date(2022, 9, 1), dt.date(2022, 9, 30)) == (dt.date(2022, 9, 30),)


@pytest.mark.parametrize("name", ["shipped", "pilot cities only", "three pilot regions", "no pent-up release"])
def test_each_refit_meets_the_target_by_an_independent_count(refits, name):
    """The refitted rate, put into the changed scenario, gives the target by the calibration's own count."""
    fit = refits[name]
    changed = with_rate(BY_NAME[name].apply(HISTORY), fit.rate)
    assert expected_applications(changed, UNTIL) == pytest.approx(TARGET, rel=1e-9)
    # the cumulative column is the same count at each quarter end within the run
    assert fit.quarters[1] == dt.date(2022, 3, 31)
    assert fit.cumulative[1] == pytest.approx(expected_applications(changed, fit.quarters[1]), rel=1e-9)


def test_the_shipped_reading_is_the_shipped_rate(refits):
    assert refits["shipped"].rate == pytest.approx(HISTORY.migrant_demand.applications_per_migrant_year, rel=1e-3)


def test_fewer_eligible_pairs_need_a_higher_rate(refits):
    shipped = refits["shipped"].rate
    assert refits["pilot cities only"].rate > 2 * shipped  # pilot-city hukou only: far fewer people eligible
    assert refits["three pilot regions"].rate > shipped
    assert refits["no pent-up release"].rate > shipped
    # and, being fitted to the pilot-era count, they give more applications once the country opens
    last = refits["shipped"].cumulative[-1]
    assert all(refits[n].cumulative[-1] > last for n in ("pilot cities only", "three pilot regions"))


def test_readings_change_only_what_they_say():
    phases = HISTORY.phases
    three = BY_NAME["three pilot regions"].apply(HISTORY).phases
    assert {p.name for p in phases} - {p.name for p in three} == {
        "Beijing-Tianjin-Hebei pilot", "Guangdong-Hunan pilot"
    }  # fmt: skip
    delta = BY_NAME["Yangtze Delta whole 2022-08-01"].apply(HISTORY).phases
    assert {p.name for p in phases} - {p.name for p in delta} == {"Yangtze Delta, whole region"}
    strict = BY_NAME["pilot cities only"].apply(HISTORY).phases
    changed = [p.name for p, q in zip(phases, strict, strict=True) if p.accept != q.accept]
    pilot_era = (dt.date(2022, 8, 1) - HISTORY.run.start).days  # the whole-region step of 2022-08-01 is not
    assert changed == [p.name for p in phases if p.start_day < pilot_era and p.accept == "same-region"]
    assert "Yangtze Delta, whole region" in changed
    assert BY_NAME["pent-up ramp"].apply(HISTORY).migrant_demand.pent_up_shape == "ramp"


def test_calibrate_writes_the_readings_table(tmp_path):
    out = tmp_path / "fit"
    command = [sys.executable, "-m", "sim", "calibrate", str(SCENARIOS / "history.toml"), "--target",
               "2021-12-31:20000", "--replications", "2", "--quiet", "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "under each reading" in done.stdout
    with (out / "readings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["reading"] for r in rows] == [r.name for r in readings()]
    assert float(rows[0]["cumulative_2021-12-31"]) == pytest.approx(20_000, rel=1e-9)  # the target, at its date
    fitted = json.loads((out / "calibration.json").read_text())
    assert float(rows[0]["parameter"]) == pytest.approx(fitted["applications_per_migrant_year"]["calibrated"])
    low, high = fitted["rate_ci"]
    assert low < fitted["applications_per_migrant_year"]["calibrated"] < high
