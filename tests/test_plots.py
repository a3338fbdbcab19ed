"""``sim.output.plots`` and ``rollout-sim plot``: figures of run, comparison and sweep folders (no pixel checks)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.collections import PatchCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import imread

from sim.cli import main
from sim.output import plots
from sim.results import ComparisonResults, RunResults, SweepResults, load_results
from tests.conftest import SCENARIOS

UNTIL = "2022-09-06"
TINY = ["--replications", "2", "--serial", "--quiet"]


def _cli(*argv: str) -> None:
    assert main([*argv]) == 0


@pytest.fixture(scope="module")
def two_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "two"
    _cli("run", str(SCENARIOS / "two_provinces.toml"), "--until", UNTIL, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def history_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "history"
    _cli("run", str(SCENARIOS / "history.toml"), "--until", "2021-11-10", *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def office_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "office"
    _cli("run", str(SCENARIOS / "single_office.toml"), "--until", UNTIL, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "compare"
    scenarios = [str(SCENARIOS / "single_office.toml"), str(SCENARIOS / "two_provinces.toml")]
    _cli("compare", *scenarios, "--until", UNTIL, *TINY, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "sweep"
    sets = ["--set", "office.windows=2,3", "--set", f"run.end={UNTIL}"]
    _cli("sweep", str(SCENARIOS / "single_office.toml"), *sets, *TINY, "--out", str(out))
    return out


def _run(folder: Path) -> RunResults:
    results = load_results(folder)
    assert isinstance(results, RunResults)
    return results


def _one_axes(figure: Figure | None) -> tuple[Figure, object]:
    assert isinstance(figure, Figure)
    return figure, figure.axes[0]


def test_weekly_served_has_band_mean_and_phase_lines(history_folder: Path) -> None:
    results = _run(history_folder)
    figure, ax = _one_axes(plots.weekly_served(results))
    assert ax.get_title() == "Weekly applications served"
    assert ax.get_xlabel() == "week starting (date)"
    assert "(applicants)" in ax.get_ylabel()
    # the history's phases starting by 2021-11-10: 2021-10-20 and 2021-11-01
    assert len(ax.lines) == 1 + 2
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 1
    assert figure.get_layout_engine() is not None


def test_weekly_served_without_phases(two_folder: Path) -> None:
    _, ax = _one_axes(plots.weekly_served(_run(two_folder)))
    assert len(ax.lines) == 1


def test_cumulative_served_and_forgone(history_folder: Path, two_folder: Path) -> None:
    _, ax = _one_axes(plots.cumulative_served(_run(history_folder)))
    assert ax.get_title() == "Cumulative applications served and forgone"
    assert ax.get_xlabel() == "date"
    assert ax.get_ylabel() == "applications (cumulative count)"
    assert [line.get_label() for line in ax.lines] == ["served", "forgone"]
    # no migrant demand: nothing forgone, one line
    _, ax = _one_axes(plots.cumulative_served(_run(two_folder)))
    assert [line.get_label() for line in ax.lines] == ["served"]


def test_wait_ecdf_marks_the_threshold(two_folder: Path) -> None:
    _, ax = _one_axes(plots.wait_ecdf(_run(two_folder)))
    assert ax.get_title() == "Window wait distribution"
    assert ax.get_xlabel() == "wait at the window (minutes)"
    assert ax.get_ylabel() == "share of applicants waiting at most x"
    assert len(ax.lines) == 2
    threshold = ax.lines[1]
    assert list(threshold.get_xdata()) == [30.0, 30.0]
    ecdf = ax.lines[0].get_ydata()
    assert ecdf[-1] == pytest.approx(1.0)


def test_lead_times_draws_promise_and_legal_limit(two_folder: Path) -> None:
    _, ax = _one_axes(plots.lead_times(_run(two_folder)))
    assert ax.get_title() == "Lead time distribution"
    assert ax.get_xlabel() == "lead time, first visit to card in hand (days)"
    assert ax.get_ylabel() == "applicants (count)"
    assert [line.get_label() for line in ax.lines] == ["promise, 15 working days", "legal limit, 60 days"]
    assert len(ax.patches) == 40  # histogram bars
    assert list(ax.lines[1].get_xdata()) == [60.0, 60.0]


def test_province_map_has_31_tiles_names_and_a_colour_bar(history_folder: Path) -> None:
    figure, ax = _one_axes(plots.province_map(_run(history_folder)))
    assert ax.get_title().startswith("Hukou provinces: 90th percentile lead time (days")
    tiles = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert len(tiles) == 2  # coloured and grey
    assert sum(len(c.get_paths()) for c in tiles) == 31
    assert {t.get_text() for t in ax.texts} >= {"Beijing", "Xinjiang", "Inner Mong.", "Hainan"}
    assert len(ax.texts) == 31
    assert len(figure.axes) == 2  # the colour bar's axes
    assert figure.axes[1].get_ylabel() == "90th percentile lead time (days)"


def test_tiles_cover_every_province_once() -> None:
    names = {line.split(",")[2] for line in (SCENARIOS / "data" / "provinces.csv").read_text().splitlines()[1:]}
    assert set(plots.TILES) == names
    assert len({(col, row) for col, row, _ in plots.TILES.values()}) == 31


def test_run_figures_skip_missing_data(office_folder: Path) -> None:
    results = _run(office_folder)
    assert plots.province_map(results) is None  # no provinces
    assert plots.lead_times(results) is None  # no reviews
    assert plots.wait_ecdf(results) is not None
    (office_folder / "records.npz").rename(office_folder / "records.moved")
    try:
        assert plots.wait_ecdf(_run(office_folder)) is None
    finally:
        (office_folder / "records.moved").rename(office_folder / "records.npz")


def test_comparison_differences(comparison_folder: Path) -> None:
    results = load_results(comparison_folder)
    assert isinstance(results, ComparisonResults)
    figure = plots.comparison_differences(results)
    assert isinstance(figure, Figure)
    assert figure.get_suptitle() == "Paired differences to single_office (95 % CI)"
    titles = [ax.get_title() for ax in figure.axes]
    assert "mean wait" in titles
    assert "served per open day" in titles
    for ax in figure.axes:
        assert ax.get_xlabel() == "scenario"
        assert ax.get_ylabel().startswith("difference (")
        assert [t.get_text() for t in ax.get_xticklabels()] == ["two_provinces"]
        assert len(ax.containers) == 1  # one errorbar series: one point per alternative


def test_sweep_plot(sweep_folder: Path) -> None:
    results = load_results(sweep_folder)
    assert isinstance(results, SweepResults)
    figure = plots.sweep_plot(results)
    assert isinstance(figure, Figure)
    assert figure.get_suptitle().startswith("Sweep over office.windows")
    metrics = plots.sweep_metrics(results.index, ["office.windows", "run.end"])
    assert "wait_mean" in metrics
    assert len(figure.axes) == len(metrics)
    for ax in figure.axes:
        assert ax.get_xlabel() == "office.windows"
        assert len(ax.containers) == 1
        assert list(ax.lines[0].get_xdata()) == [2, 3]


def test_plot_writes_png_for_a_run(two_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(two_folder)]) == 0
    printed = capsys.readouterr().out.splitlines()
    names = ["weekly_served", "cumulative_served", "wait_ecdf", "lead_times", "province_map"]
    assert printed == [str(two_folder / "figures" / f"{name}.png") for name in names]
    for line in printed:
        image = imread(line)
        assert image.ndim == 3
        assert image.shape[0] > 100
        assert image.shape[1] > 100
    assert not [p for p in (two_folder / "figures").iterdir() if p.name.startswith(".")]


def test_plot_writes_svg(two_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(two_folder), "--format", "svg"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 5
    for line in printed:
        assert ET.parse(line).getroot().tag.endswith("svg")


def test_plot_comparison_and_sweep(
    comparison_folder: Path, sweep_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plots.write_figures(comparison_folder) == [comparison_folder / "figures" / "comparison_differences.png"]
    assert main(["plot", str(sweep_folder)]) == 0
    assert capsys.readouterr().out.splitlines() == [str(sweep_folder / "figures" / "sweep.png")]
    assert imread(sweep_folder / "figures" / "sweep.png").ndim == 3


def test_plot_bad_path_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert str(tmp_path) in lines[0]
    assert list(tmp_path.iterdir()) == []
