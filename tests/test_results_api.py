"""The researchers' Python API (``sim.results``, ``from sim import load_results``) on folders the real CLI wrote.

Tiny runs only: the two-province office over its first days, two replications, in this process and serially.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import load_results
from sim.cli import main
from sim.experiment.periods import PERIOD_COLUMNS
from sim.experiment.series import DAILY_COLUMNS
from sim.experiment.store import COMPARISON_COLUMNS, SUMMARY_COLUMNS, load_records
from sim.model.records import VisitKind
from sim.results import (
    PANDAS_INSTALL,
    ComparisonResults,
    MissingPandasError,
    ResultsError,
    RunResults,
    SweepResults,
    Table,
    load_comparison,
    load_run,
    load_sweep,
)
from tests.conftest import ROOT, SCENARIOS

UNTIL = "2022-09-06"
TINY = ["--replications", "2", "--serial", "--quiet"]


def _cli(*argv: str) -> None:
    assert main([*argv]) == 0


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "run"
    _cli("run", str(SCENARIOS / "two_provinces.toml"), "--until", UNTIL, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "compare"
    scenarios = [str(SCENARIOS / "single_office.toml"), str(SCENARIOS / "two_provinces.toml")]
    _cli("compare", *scenarios, "--until", UNTIL, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "sweep"
    sets = ["--set", "office.windows=2,3", "--set", f"run.end={UNTIL}"]
    _cli("sweep", str(SCENARIOS / "single_office.toml"), *sets, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def run(run_folder: Path) -> RunResults:
    results = load_results(run_folder)
    assert isinstance(results, RunResults)
    return results


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _same_floats(column: np.ndarray[Any, Any], cells: list[str]) -> None:
    expected = np.array([float(c) if c else np.nan for c in cells])
    np.testing.assert_array_equal(column, expected)


# --- a run folder ---------------------------------------------------------------------------------------------------


def test_a_run_folder_loads_with_its_scenario_and_manifest(run: RunResults, run_folder: Path) -> None:
    assert run.kind == "run"
    assert run.path == run_folder
    assert run.name == "two_provinces"
    assert run.manifest["scenario"] == "two_provinces"
    assert run.manifest["replications"] == 2
    assert run.scenario["run"]["start"] == "2022-09-01"
    assert run.start == dt.date(2022, 9, 1)
    assert run.replications == 2
    assert run.offices == ("City service hall",)
    assert run.provinces == ("Anhui", "Henan")
    assert load_run(run_folder).name == "two_provinces"


def test_the_period_tables_have_the_written_columns_and_real_dates(run: RunResults, run_folder: Path) -> None:
    assert run.summary.columns == SUMMARY_COLUMNS
    assert run.daily.columns == DAILY_COLUMNS
    assert run.weekly.columns == PERIOD_COLUMNS
    assert run.monthly.columns == PERIOD_COLUMNS
    assert run.stages.columns == ("replication", "date", "stage", "applicants_mean")

    rows = _csv(run_folder / "summary.csv")
    assert len(run.summary) == len(rows)
    assert run.summary["scope"].tolist() == [r["scope"] for r in rows]
    assert run.summary["metric"].tolist() == [r["metric"] for r in rows]
    assert run.summary["n"].dtype == np.int64
    assert run.summary["n"].tolist() == [int(r["n"]) for r in rows]
    for column in ("mean", "ci_low", "ci_high", "half_width"):
        _same_floats(run.summary[column], [r[column] for r in rows])

    daily = _csv(run_folder / "daily.csv")
    assert run.daily["date"].dtype == np.dtype("datetime64[D]")
    assert run.daily["date"].astype(object).tolist() == [dt.date.fromisoformat(r["date"]) for r in daily]
    assert run.daily["office"].tolist() == [r["office"] for r in daily]
    assert run.daily["replication"].tolist() == [int(r["replication"]) for r in daily]
    assert run.daily["served"].tolist() == [int(r["served"]) for r in daily]
    _same_floats(run.daily["wait_mean_minutes"], [r["wait_mean_minutes"] for r in daily])
    assert set(run.daily["replication"].tolist()) == {0, 1}

    weekly = _csv(run_folder / "weekly.csv")
    assert run.weekly["period"].tolist() == [r["period"] for r in weekly]
    assert run.weekly["start"].astype(object).tolist() == [dt.date.fromisoformat(r["start"]) for r in weekly]
    assert run.weekly["end"].astype(str).tolist() == [r["end"] for r in weekly]
    assert run.weekly["days"].tolist() == [int(r["days"]) for r in weekly]
    monthly = _csv(run_folder / "monthly.csv")
    assert run.monthly["period"].tolist() == [r["period"] for r in monthly] == ["2022-09"] * len(monthly)

    stages = _csv(run_folder / "stages.csv")
    assert run.stages["stage"].tolist() == [r["stage"] for r in stages]
    _same_floats(run.stages["applicants_mean"], [r["applicants_mean"] for r in stages])


def test_the_records_map_to_names_kinds_and_datetimes(run: RunResults, run_folder: Path) -> None:
    raw = load_records(run_folder / "records.npz")
    offices, provinces = raw["offices"].tolist(), raw["provinces"].tolist()
    start = np.datetime64("2022-09-01T00:00", "us")
    kinds = {VisitKind.INTAKE: "intake", VisitKind.BACKGROUND: "background", VisitKind.REWORK: "rework",
             VisitKind.PICKUP: "pickup", VisitKind.KIOSK_PICKUP: "kiosk_pickup"}  # fmt: skip
    times = {
        "visits": ("arrival", "start", "end"),
        "applicants": ("arrival", "intake_end", "decided", "card_ready", "in_hand", "promise"),
        "requests": ("sent", "received", "start", "decided"),
    }
    for name, table in (("visits", run.visits), ("applicants", run.applicants), ("requests", run.requests)):
        assert len(table) == raw[f"{name}/replication"].size > 0
        np.testing.assert_array_equal(table["replication"], raw[f"{name}/replication"])
        assert set(table["replication"].tolist()) == {0, 1}
        np.testing.assert_array_equal(table["office_index"], raw[f"{name}/office"])
        assert table["office"].tolist() == [offices[i] for i in raw[f"{name}/office"]]
        for column in times[name]:
            minutes = raw[f"{name}/{column}"]
            np.testing.assert_array_equal(table[column], minutes)
            at = table[f"{column}_at"]
            assert at.dtype == np.dtype("datetime64[us]")
            finite = np.isfinite(minutes)
            assert np.isnat(at[~finite]).all()
            error_us = (at[finite] - start).astype(np.int64) - minutes[finite] * 60_000_000.0
            assert np.abs(error_us).max() <= 0.5
    for name in ("applicants", "requests"):
        table = getattr(run, name)
        assert table["province"].tolist() == [provinces[i] for i in raw[f"{name}/province"]]
        np.testing.assert_array_equal(table["province_index"], raw[f"{name}/province"])

    visits = run.visits
    assert visits["kind"].tolist() == [kinds[int(k)] for k in raw["visits/kind"]]
    np.testing.assert_array_equal(visits["kind_code"], raw["visits/kind"])
    assert {"intake", "background", "pickup"} <= set(visits["kind"].tolist())
    dates = visits["date"].astype(object)
    assert dates.tolist() == [dt.date(2022, 9, 1) + dt.timedelta(days=int(d)) for d in raw["visits/day"]]
    # an arrival's date is the day of its arrival time
    first = visits["arrival_at"][0].astype(object)
    assert first.date() == dates[0]
    assert first == dt.datetime(2022, 9, 1) + dt.timedelta(minutes=float(raw["visits/arrival"][0]))
    np.testing.assert_array_equal(run.datetimes(raw["visits/end"]), visits["end_at"])
    some = run.datetimes(np.array([0.0, 90.5, 1440.0, np.nan, np.inf]))
    assert some.astype(str).tolist()[:3] == ["2022-09-01T00:00:00.000000", "2022-09-01T01:30:30.000000",
                                             "2022-09-02T00:00:00.000000"]  # fmt: skip
    assert np.isnat(some[3:]).all()

    # the summary's first-intake wait is the mean over replications of the intake waits (no warm-up here)
    intake = visits.where(visits["kind"] == "intake")
    per_replication = [intake["wait"][intake["replication"] == r].mean() for r in (0, 1)]
    total = run.summary.where((run.summary["scope"] == "total") & (run.summary["metric"] == "wait_mean"))
    assert total["mean"][0] == pytest.approx(np.mean(per_replication))


def test_tables_are_read_only_and_named(run: RunResults) -> None:
    arrays = run.visits.arrays()
    assert list(arrays) == list(run.visits.columns) == list(run.visits)
    assert "kind" in run.visits
    assert "nope" not in run.visits
    with pytest.raises(ValueError, match="read-only"):
        arrays["wait"][0] = 1.0
    with pytest.raises(KeyError, match="no column 'nope'"):
        run.visits["nope"]
    assert run.visits.units["wait"] == "minutes"
    assert run.visits.units["arrival"] == "minutes since 00:00 of run.start"
    assert "visits" in repr(run.visits)


def test_the_numpy_and_pandas_views_agree(run: RunResults) -> None:
    pd = pytest.importorskip("pandas")
    tables = [run.summary, run.daily, run.weekly, run.monthly, run.stages, run.visits, run.applicants, run.requests]
    for table in tables:
        frame = table.frame()
        assert isinstance(frame, pd.DataFrame)
        assert tuple(frame.columns) == table.columns
        assert len(frame) == len(table)
        for column in table.columns:
            array = table[column]
            values = frame[column].to_numpy()
            if array.dtype.kind == "M":
                assert frame[column].dtype.kind == "M"
                np.testing.assert_array_equal(values.astype(array.dtype), array)
            elif array.dtype.kind == "U":
                assert values.tolist() == array.tolist()
            else:
                np.testing.assert_array_equal(values, array)
    frame = run.visits.frame()
    served = frame[frame["kind"] == "intake"].groupby("replication")["wait"].mean()
    intake = run.visits["kind"] == "intake"
    for r, wait in served.items():
        assert wait == pytest.approx(run.visits["wait"][intake & (run.visits["replication"] == r)].mean())


def test_without_pandas_frame_says_how_to_install_it(run: RunResults, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what `import pandas` does when pandas is not installed
    with pytest.raises(MissingPandasError) as caught:
        run.summary.frame()
    message = str(caught.value)
    assert "\n" not in message
    assert PANDAS_INSTALL in message
    assert "pip install 'rollout-sim[pandas]'" in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__  # no ImportError chained underneath
    assert run.summary.arrays()["metric"].size == len(run.summary)  # numpy still works


# --- comparison and sweep folders -----------------------------------------------------------------------------------


def test_a_comparison_folder_has_the_table_and_one_results_per_scenario(comparison_folder: Path) -> None:
    results = load_results(comparison_folder)
    assert isinstance(results, ComparisonResults)
    assert results.kind == "comparison"
    assert results.names == ("single_office", "two_provinces")
    assert results.manifest["scenarios"] == ["single_office", "two_provinces"]
    table = results.comparison
    assert table.columns == ("scenario", *COMPARISON_COLUMNS)
    rows = _csv(comparison_folder / "comparison.csv")
    assert table["scenario"].tolist() == [r["scenario"] for r in rows]
    _same_floats(table["diff_mean"], [r["diff_mean"] for r in rows])
    first = table["scenario"] == "single_office"
    assert np.isnan(table["diff_mean"][first]).all()
    assert not np.isnan(table["diff_mean"][~first]).all()
    assert list(results.scenarios) == ["single_office", "two_provinces"]
    for name, sub in results.scenarios.items():
        assert sub.name == name
        assert sub.summary.columns == SUMMARY_COLUMNS
        mine = table.where(table["scenario"] == name)
        assert sub.summary["metric"].tolist() == mine["metric"].tolist()
        np.testing.assert_array_equal(sub.summary["mean"], mine["mean"])
    assert results["two_provinces"].scenario["name"] == "two_provinces"
    assert load_comparison(comparison_folder).names == results.names
    # the sub-folders hold only summary.csv and scenario.json
    with pytest.raises(ResultsError) as caught:
        _ = results["two_provinces"].daily
    assert str(comparison_folder / "two_provinces") in str(caught.value)
    assert "no daily.csv" in str(caught.value)
    with pytest.raises(KeyError, match="no scenario 'nope'"):
        results["nope"]


def test_a_sweep_folder_has_the_index_and_one_results_per_point(sweep_folder: Path) -> None:
    results = load_results(sweep_folder)
    assert isinstance(results, SweepResults)
    assert results.kind == "sweep"
    names = ["p000-office.windows=2-run.end=2022-09-06", "p001-office.windows=3-run.end=2022-09-06"]
    index = results.index
    assert index["point"].tolist() == names
    assert index["status"].tolist() == ["done", "done"]
    assert index["office.windows"].tolist() == [2, 3]
    assert index["run.end"].astype(object).tolist() == [dt.date(2022, 9, 6)] * 2
    assert index["replications"].tolist() == [2, 2]
    rows = _csv(sweep_folder / "index.csv")
    assert index.columns == tuple(rows[0])
    _same_floats(index["wait_mean"], [r["wait_mean"] for r in rows])
    assert list(results.points) == names
    assert results.sweep["replications"] == 2
    for k, name in enumerate(names):
        point = results[name]
        assert point is results[k]
        assert point.scenario["office"]["windows"] == k + 2
        total = point.summary.where((point.summary["scope"] == "total") & (point.summary["metric"] == "wait_mean"))
        assert total["mean"][0] == index["wait_mean"][k]
        assert set(point.visits["kind"].tolist()) <= {"intake", "background", "rework", "pickup", "kiosk_pickup"}
        assert (point.applicants["province"] == "").all()  # intake-only: no hukou province
        assert (point.applicants["province_index"] == -1).all()
    assert load_sweep(sweep_folder).index.columns == index.columns


# --- not a results folder -------------------------------------------------------------------------------------------


def test_a_folder_that_is_not_a_results_folder_gets_one_clear_error(tmp_path: Path, run_folder: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello\n")
    for path, words in (
        (empty, ["not a results folder", "summary.csv"]),
        (tmp_path / "missing", ["no such folder"]),
        (run_folder / "summary.csv", ["a file, not a results folder"]),
        (run_folder.parent, ["not a results folder", "it holds results folders (run)"]),
    ):
        with pytest.raises(ResultsError) as caught:
            load_results(path)
        message = str(caught.value)
        assert message.startswith(str(path))
        assert "\n" not in message
        for word in words:
            assert word in message
    with pytest.raises(ResultsError, match="a run folder, not a sweep folder"):
        load_sweep(run_folder)
    with pytest.raises(ResultsError, match="not a comparison folder"):
        load_comparison(run_folder)


def test_a_missing_or_damaged_file_is_named(tmp_path: Path, run_folder: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    (copy / "records.npz").unlink()
    (copy / "daily.csv").write_text("replication,date\n0\n", encoding="utf-8")
    results = load_run(copy)
    with pytest.raises(ResultsError, match=r"no records\.npz in this results folder \(it holds daily\.csv"):
        _ = results.visits
    with pytest.raises(ResultsError, match=r"daily\.csv: line 2 has 1 cells, the header 2"):
        _ = results.daily
    assert len(results.summary) > 0  # the rest still loads


def test_table_where_and_shapes() -> None:
    table = Table("t", {"a": np.arange(3), "b": np.array(["x", "y", "z"])})
    assert table.where(table["a"] > 0)["b"].tolist() == ["y", "z"]
    with pytest.raises(ValueError, match="different lengths"):
        Table("t", {"a": np.arange(3), "b": np.arange(2)})


# --- the worked example ---------------------------------------------------------------------------------------------


def test_the_worked_example_writes_a_png(run_folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    png = tmp_path / "figure.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs/examples/custom_figure.py"), str(run_folder), "--out", str(png)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = done.stdout.splitlines()
    assert lines[0].startswith("two_provinces: 2 replications from 2022-09-01, 1 office(s), ")
    assert any(line.split()[:1] == ["intake"] for line in lines)
    assert lines[-1] == f"wrote {png}"


def test_scenario_json_records_the_horizon_that_ran(run_folder):
    """``--until`` is part of what ran: scenario.json gives the cut ``run.end``."""
    recorded = json.loads((run_folder / "scenario.json").read_text())
    assert recorded["run"]["end"] == UNTIL
    assert load_results(run_folder).scenario["run"]["end"] == UNTIL
