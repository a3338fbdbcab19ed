"""Sobol' sensitivity: the estimators against exact indices, a real scenario, the command line and its refusals."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from sim.experiment import sobol
from sim.experiment.sensitivity import Input, Sensitivity, parse_varies, prepare, run_study
from sim.output.sensitivity import ranking_table, tornado
from sim.scenario.horizon import cut_at

ROOT = Path(__file__).resolve().parent.parent
SINGLE_OFFICE = ROOT / "scenarios" / "single_office.toml"

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    """The Ishigami function on [-pi, pi]^3."""
    return np.sin(x[:, 0]) + ISHIGAMI_A * np.sin(x[:, 1]) ** 2 + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_exact() -> tuple[np.ndarray, np.ndarray]:
    """Exact first-order and total indices of the Ishigami function (Sobol' & Levitan 1999)."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    variance = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)  # the x1-x3 interaction, all of x3's effect
    return np.array([v1, v2, 0.0]) / variance, np.array([v1 + v13, v2, v13]) / variance


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ishigami_indices_within_their_intervals(seed: int) -> None:
    samples = 4096
    plan = sobol.design(samples, 3, seed)
    found = sobol.indices(ishigami(-math.pi + 2 * math.pi * plan.points()), samples, 3, seed=seed)
    first, total = ishigami_exact()
    assert np.all((found.first_low <= first) & (first <= found.first_high)), (found.first, first)
    assert np.all((found.total_low <= total) & (total <= found.total_high)), (found.total, total)
    # the intervals are informative, and the estimates close to the exact values
    assert np.all(found.first_high - found.first_low < 0.12)
    assert np.all(found.total_high - found.total_low < 0.12)
    assert np.abs(found.first - first).max() < 0.03
    assert np.abs(found.total - total).max() < 0.03
    # x2 then x1 dominate alone; x3 does nothing alone but matters through its interaction with x1
    assert found.first[1] > found.first[0] > 0.25
    assert abs(found.first[2]) < 0.05
    assert found.total_low[2] > 0.15
    assert found.total[0] > found.total[1] > found.total[2]


def test_additive_function_first_equals_total_and_an_unused_input_is_zero() -> None:
    samples = 1024
    plan = sobol.design(samples, 3, 7)
    values = plan.points() @ np.array([1.0, 2.0, 0.0])  # uniform inputs: shares 1/5, 4/5, 0
    found = sobol.indices(values, samples, 3, seed=7)
    np.testing.assert_allclose(found.first, [0.2, 0.8, 0.0], atol=0.02)
    np.testing.assert_allclose(found.total, [0.2, 0.8, 0.0], atol=0.02)
    assert found.total[2] == 0.0  # f(A) and f(AB_3) are the same numbers
    assert found.total_high[2] == 0.0


def test_design_blocks_and_sizes() -> None:
    plan = sobol.design(8, 3, 5)
    points = plan.points()
    assert points.shape == (8 * 5, 3)
    for i in range(3):
        ab = points[(2 + i) * 8 : (3 + i) * 8]
        np.testing.assert_array_equal(ab[:, i], plan.b[:, i])
        np.testing.assert_array_equal(np.delete(ab, i, axis=1), np.delete(plan.a, i, axis=1))
    np.testing.assert_array_equal(sobol.design(8, 3, 5).a, plan.a)  # seeded
    assert not np.array_equal(sobol.design(8, 3, 6).a, plan.a)
    with pytest.raises(ValueError, match="power of 2"):
        sobol.design(12, 3, 5)
    constant = sobol.indices(np.ones(8 * 5), 8, 3)
    assert np.all(np.isnan(constant.first))
    assert np.all(np.isnan(constant.total))


def test_integer_input_is_uniform_on_its_integers() -> None:
    item = Input("office.windows", 2, 4, integer=True)
    values = [item.value(u) for u in np.linspace(0, 1, 300, endpoint=False)]
    assert sorted(set(values)) == [2, 3, 4]
    assert [values.count(v) for v in (2, 3, 4)] == [100, 100, 100]
    assert Input("office.applicants_per_day", 20.0, 80.0).value(0.5) == 50.0


@pytest.fixture(scope="module")
def office_study(tmp_path_factory: pytest.TempPathFactory) -> Sensitivity:
    """Single office cut to September: arrivals dominate, local business is minor, the threshold is inert."""
    folder = tmp_path_factory.mktemp("office")
    scenario = folder / "short.toml"
    scenario.write_text(
        f'extends = "{SINGLE_OFFICE.as_posix()}"\nname = "short_office"\n[run]\nend = 2022-09-30\n', encoding="utf-8"
    )
    inputs = parse_varies(
        ["office.applicants_per_day=10:80", "office.background.per_day=20:30", "report.wait_threshold_minutes=10:60"]
    )
    study = prepare(scenario, inputs, samples=32, replications=2, outputs=["wait_mean", "utilisation"])
    return run_study(study)


def test_dominant_input_ranks_first_and_inert_one_is_zero(office_study: Sensitivity) -> None:
    wait = office_study.indices["wait_mean"]
    keys = [i.key for i in office_study.study.inputs]
    assert [keys[i] for i in office_study.ranking("wait_mean")] == [
        "office.applicants_per_day",
        "office.background.per_day",
        "report.wait_threshold_minutes",
    ]
    assert wait.total_low[0] > 0.5
    assert wait.total_low[0] > wait.total_high[1]  # clearly ahead of the minor input
    # the threshold changes no draw and no wait: its points' outputs are the same numbers (common random numbers)
    assert wait.total[2] == 0.0
    assert wait.total_high[2] == 0.0
    assert wait.first_low[2] <= 0.0 <= wait.first_high[2]
    assert office_study.study.replications == 2
    assert office_study.study.scenarios[0].run.seed == office_study.study.seed


def test_until_cuts_every_point_as_run_until_does(office_study: Sensitivity) -> None:
    """The same study with --until: every point's arrivals stop that day, and the points differ only there."""
    study = office_study.study
    cut = prepare(study.path, study.inputs, samples=4, replications=2, until=dt.date(2022, 9, 15))
    whole = prepare(study.path, study.inputs, samples=4, replications=2)
    assert {s.run.end for s in cut.scenarios} == {dt.date(2022, 9, 15)}
    for short, full in zip(cut.scenarios, whole.scenarios, strict=True):
        assert short == cut_at(full, dt.date(2022, 9, 15))


def test_tornado_has_one_bar_per_input(office_study: Sensitivity) -> None:
    figure = tornado(office_study)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert len(panels) == 2
    for ax in panels:
        bars = ax.containers[0]
        assert len(bars) == 3
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert sorted(labels) == sorted(i.key for i in office_study.study.inputs)
    widths = [bar.get_width() for bar in panels[0].containers[0]]
    assert widths == sorted(widths)  # the largest at the top (drawn last)
    assert "office.applicants_per_day" in ranking_table(office_study)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim", "sensitivity", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_cli_writes_the_results_folder(tmp_path: Path) -> None:
    out = tmp_path / "sens"
    done = _cli(
        str(SINGLE_OFFICE), "--vary", "office.applicants_per_day=20:60", "--vary", "office.windows=2:4",
        "--samples", "4", "--replications", "1", "--serial", "--quiet", "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"results: {out}" in done.stdout
    with (out / "sensitivity.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["output", "input", "S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"]
    assert {(r["output"], r["input"]) for r in rows} == {
        (o, i) for o in ("wait_mean", "utilisation") for i in ("office.applicants_per_day", "office.windows")
    }
    with (out / "design.csv").open(encoding="utf-8") as handle:
        design = list(csv.DictReader(handle))
    assert len(design) == 4 * (2 + 2)
    assert {r["office.windows"] for r in design} <= {"2", "3", "4"}  # an integer key takes integers
    assert all(20 <= float(r["office.applicants_per_day"]) <= 60 for r in design)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["samples"], manifest["points"], manifest["replications"]) == (4, 16, 1)
    assert [i["distribution"] for i in manifest["inputs"]] == ["uniform, continuous", "uniform, integer"]
    picture = image.imread(out / "figures" / "tornado.png")
    assert picture.ndim == 3
    assert picture.shape[0] > 100
    assert picture.shape[1] > 300


BAD = {
    "unknown key": (["--vary", "office.bogus=1:2"], "--vary: office.bogus: unknown key"),
    "low above high": (["--vary", "office.applicants_per_day=80:20"], "LOW must be below HIGH"),
    "low equals high": (["--vary", "office.applicants_per_day=50:50"], "LOW equals HIGH"),
    "not numbers": (["--vary", "office.applicants_per_day=a:b"], "LOW and HIGH must be numbers"),
    "outside the key's rule": (["--vary", "office.windows=0:3"], "--vary: office.windows: must be an integer >= 1"),
    "a text key": (["--vary", "office.at_closing=1:2"], "--vary: office.at_closing:"),
    "unknown output": (["--vary", "office.windows=2:4", "--output", "nope"], "--output: nope: must be a total-scope"),
    "samples not a power of 2": (["--vary", "office.windows=2:4", "--samples", "10"], "--samples: must be a power"),
    "key twice": (["--vary", "office.windows=2:4", "--vary", "office.windows=3:5"], "is given twice"),
    "until outside the run": (["--vary", "office.windows=2:4", "--until", "2030-01-01"], "--until: must be a date"),
}


def test_bad_inputs_are_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = {}
    for case, (args, _) in BAD.items():
        folder = tmp_path / case.replace(" ", "_").replace("'", "")
        folder.mkdir()
        command = [sys.executable, "-m", "sim", "sensitivity", str(SINGLE_OFFICE), *args, "--replications", "1",
                   "--serial", "--out", str(folder / "out"), "--results-root", str(folder / "results")]  # fmt: skip
        running[case] = (folder, subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE,
                                                  stderr=subprocess.PIPE, text=True))  # fmt: skip
    for case, (folder, process) in running.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 2, (case, stderr)
        assert stdout == "", case
        assert len(stderr.strip().splitlines()) == 1, (case, stderr)
        assert BAD[case][1] in stderr, (case, stderr)
        assert list(folder.iterdir()) == [], case
