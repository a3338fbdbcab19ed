"""``sim.output.plots`` and ``rollout-sim plot``: figures of run, comparison and sweep folders (no pixel checks)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PatchCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text

from sim.cli import main
from sim.output import names, plots
from sim.results import ComparisonResults, RunResults, SweepResults, load_results
from tests.conftest import SCENARIOS

UNTIL = "2022-09-06"
TINY = ["--replications", "2", "--serial", "--quiet"]
RUN_FIGURES = [
    "weekly_served",
    "cumulative_served",
    "wait_ecdf",
    "lead_times",
    "province_map",
    "lead_heatmap",
    "busiest_offices",
]
HAN = re.compile(r"[\u3400-\u9fff]")


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
    # one dashed line per history phase starting by 2021-11-10 (the fixture's horizon)
    phases = tomllib.loads((SCENARIOS / "history.toml").read_text(encoding="utf-8"))["phase"]
    started = [p for p in phases if p["start"] <= dt.date(2021, 11, 10)]
    assert len(started) == 5
    assert len(ax.lines) == 1 + len(started)
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
    assert plots.lead_heatmap(results) is None  # no hukou provinces
    assert plots.busiest_offices(results) is not None  # one office: its utilisation and waits
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


def test_comparison_weekly_has_a_line_and_a_band_per_scenario(comparison_folder: Path) -> None:
    results = load_results(comparison_folder)
    assert isinstance(results, ComparisonResults)
    figure = plots.comparison_weekly(results)
    assert isinstance(figure, Figure)
    top, bottom = figure.axes
    assert top.get_title() == "Weekly applications served, by schedule"
    assert top.get_ylabel() == "applications served per week (applicants)"
    assert bottom.get_ylabel() == "applications (cumulative count)"
    assert [line.get_label() for line in top.lines] == list(results.names)
    assert len(top.collections) == len(results.names)  # one CI band each
    for line, name in zip(bottom.lines, results.names, strict=True):  # running sums of the weekly means
        weekly = results[name].weekly
        rows = weekly.where((weekly["scope"] == "total") & (weekly["metric"] == "applicants"))
        assert line.get_ydata()[-1] == pytest.approx(np.nansum(rows["mean"]))


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
    assert printed == [str(two_folder / "figures" / f"{name}.png") for name in RUN_FIGURES]
    for line in printed:
        image = imread(line)
        assert image.ndim == 3
        assert image.shape[0] > 100
        assert image.shape[1] > 100
        assert Path(line).stat().st_mode & 0o044 == 0o044  # readable by others, like the folder's other files
    assert not [p for p in (two_folder / "figures").iterdir() if p.name.startswith(".")]


def test_plot_writes_svg(two_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(two_folder), "--format", "svg"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == len(RUN_FIGURES)
    for line in printed:
        assert ET.parse(line).getroot().tag.endswith("svg")


def test_plot_comparison_and_sweep(
    comparison_folder: Path, sweep_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = plots.write_figures(comparison_folder)
    expected = ["comparison_differences", "comparison_weekly"]
    expected += [f"{scenario}-{name}" for scenario in ("single_office", "two_provinces")
                 for name in ("weekly_served", "cumulative_served")]  # fmt: skip
    expected.append("two_provinces-province_map")  # single_office has no hukou provinces to map
    assert sorted(written) == sorted(comparison_folder / "figures" / f"{name}.png" for name in expected)
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


def _applicant_leads(folder: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Province index, month of first visit and lead time (days) of each applicant with a hukou province, read
    straight from records.npz and scenario.json (not through sim.results)."""
    start = dt.date.fromisoformat(json.loads((folder / "scenario.json").read_text())["run"]["start"])
    with np.load(folder / "records.npz") as data:
        provinces = [str(x) for x in data["provinces"]]
        province = data["applicants/province"]
        day = data["applicants/day"]
        lead = (data["applicants/in_hand"] - data["applicants/arrival"]) / 1440.0
    month = (np.datetime64(start, "D") + day.astype("timedelta64[D]")).astype("datetime64[M]")
    keep = province >= 0
    return provinces, province[keep], month[keep], lead[keep]


def _most_utilised(folder: Path, count: int) -> list[str]:
    """The offices with the highest mean utilisation in summary.csv, read with the csv module."""
    with (folder / "summary.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    offices = [
        (-float(row["mean"]), row["scope"])
        for row in rows
        if row["metric"] == "utilisation" and row["mean"] and row["scope"] != "total"
        if not row["scope"].startswith("hukou:")
    ]
    return [name for _, name in sorted(offices)[:count]]


def _footer(figure: Figure) -> str:
    """The figure's footer with its line breaks (wrapping) as spaces."""
    return " ".join(figure.get_supxlabel().split())


def _at(line: object, day: str) -> float:
    x = np.asarray(line.get_xdata()).astype("datetime64[D]")  # type: ignore[attr-defined]
    (index,) = np.flatnonzero(x == np.datetime64(day, "D"))
    return float(line.get_ydata()[index])  # type: ignore[attr-defined]


def test_lead_heatmap_cells_are_pooled_p90s_of_the_records(history_folder: Path) -> None:
    provinces, province, month, lead = _applicant_leads(history_folder)
    figure = plots.lead_heatmap(_run(history_folder), min_count=100)
    assert isinstance(figure, Figure)
    ax, bar = figure.axes
    assert ax.get_xlabel() == "month of application (first visit)"
    assert ax.get_ylabel() == "hukou province"
    assert bar.get_ylabel() == "90th percentile lead time (days)"
    assert [t.get_text() for t in ax.get_yticklabels()] == provinces
    months = [t.get_text() for t in ax.get_xticklabels()]
    assert months == ["2021-10", "2021-11"]  # the fixture's first visits, 2021-10-20 to 2021-11-10
    cells = ax.images[0].get_array()
    assert cells.shape == (31, 2)
    coloured = thin = 0
    for row, name in enumerate(provinces):
        for col, label in enumerate(months):
            here = lead[(province == row) & (month == np.datetime64(label, "M"))]
            if here.size >= 100:
                assert not cells.mask[row, col], (name, label)
                assert cells[row, col] == pytest.approx(np.percentile(here, 90), rel=1e-12)
                coloured += 1
            else:
                assert cells.mask[row, col], (name, label, here.size)
                thin += here.size > 0
    assert coloured >= 4  # Jiangsu, Anhui, Jiangxi in both months ...
    assert thin >= 1  # ... Zhejiang has applicants, but fewer than 100 a month: grey
    assert "grey cells: fewer than 100 applicants" in _footer(figure)
    # the default minimum (20) colours exactly the cells with at least 20 applicants
    default = plots.lead_heatmap(_run(history_folder))
    assert isinstance(default, Figure)
    enough = sum(
        int(((province == row) & (month == np.datetime64(label, "M"))).sum() >= 20)
        for row in range(len(provinces))
        for label in months
    )
    assert enough > coloured
    assert int((~default.axes[0].images[0].get_array().mask).sum()) == enough


def test_lead_heatmap_colour_bar_marks_promise_and_legal_limit(history_folder: Path) -> None:
    with np.load(history_folder / "records.npz") as data:
        reviewed = data["applicants/attempts"] > 0
        promise = np.median((data["applicants/promise"] - data["applicants/arrival"])[reviewed] / 1440.0)
    figure = plots.lead_heatmap(_run(history_folder))
    assert isinstance(figure, Figure)
    bar = figure.axes[1]
    labels = [t.get_text() for t in bar.get_yticklabels()]
    assert "legal limit 60 d" in labels
    assert f"promise 15 working days ≈ {promise:.0f} d" in labels
    assert sorted(line.get_ydata()[0] for line in bar.lines) == pytest.approx(sorted([promise, 60.0]))
    assert bar.get_ylim()[1] >= 60.0
    assert f"drawn at {promise:.1f} calendar days: median calendar days from first visit" in _footer(figure)


def test_busiest_offices_are_the_most_utilised_in_the_summary(history_folder: Path) -> None:
    expected = _most_utilised(history_folder, 6)
    results = _run(history_folder)
    figure = plots.busiest_offices(results)
    assert isinstance(figure, Figure)
    top, bottom = figure.axes
    assert [line.get_label() for line in top.lines] == expected
    assert top.get_ylabel() == "window utilisation (share of staffed window-minutes)"
    assert bottom.get_ylabel() == "wait at the window (minutes)"
    assert top.get_xlabel() == bottom.get_xlabel() == "week starting (date)"
    fewer = plots.busiest_offices(results, count=3)
    assert isinstance(fewer, Figure)
    assert [line.get_label() for line in fewer.axes[0].lines] == expected[:3]
    # the busiest office's utilisation in the week of Monday 2021-10-18: per replication the staffed-minute
    # weighted mean of its daily rows, then the mean of the replications
    with (history_folder / "daily.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["office"] == expected[0] and "2021-10-18" <= row["date"] <= "2021-10-24" and row["utilisation"]
        ]
    weekly = []
    for replication in sorted({row["replication"] for row in rows}):
        mine = [row for row in rows if row["replication"] == replication and float(row["open_minutes"]) > 0]
        busy = sum(float(row["utilisation"]) * float(row["open_minutes"]) for row in mine)
        weekly.append(busy / sum(float(row["open_minutes"]) for row in mine))
    assert len(weekly) == 2
    assert _at(top.lines[0], "2021-10-18") == pytest.approx(np.mean(weekly), rel=1e-9)


def test_busiest_offices_without_local_records_show_the_weekly_local_mean(history_folder: Path) -> None:
    expected = _most_utilised(history_folder, 6)
    figure = plots.busiest_offices(_run(history_folder))
    assert isinstance(figure, Figure)
    bottom = figure.axes[1]
    legend = [t.get_text() for t in bottom.get_legend().get_texts()]
    assert plots.LOCAL_WEEKLY_LABEL in legend
    assert "local ID visits: 90th percentile" not in legend
    dotted = [line for line in bottom.lines if line.get_linestyle() == ":"]
    assert len(dotted) == len(expected)
    # the busiest office's local mean wait in the week of Monday 2021-10-18, from daily.csv independently: per
    # replication the visit-weighted mean of the days' local mean waits, then the mean of the replications
    with (history_folder / "daily.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["office"] == expected[0] and "2021-10-18" <= row["date"] <= "2021-10-24"
            and int(row["background_arrivals"]) > 0
        ]  # fmt: skip
    weekly = []
    for replication in sorted({row["replication"] for row in rows}):
        mine = [row for row in rows if row["replication"] == replication]
        waited = sum(float(row["background_wait_mean_minutes"]) * int(row["background_arrivals"]) for row in mine)
        weekly.append(waited / sum(int(row["background_arrivals"]) for row in mine))
    assert len(weekly) == 2
    assert _at(dotted[0], "2021-10-18") == pytest.approx(np.mean(weekly), rel=1e-9)
    assert 'report.local_visit_records = "none"' in _footer(figure)
    assert "weekly mean wait (daily.csv), not a percentile" in _footer(figure)


def test_busiest_offices_p90_waits_from_the_records(two_folder: Path) -> None:
    figure = plots.busiest_offices(_run(two_folder))
    assert isinstance(figure, Figure)
    top, bottom = figure.axes
    assert [line.get_label() for line in top.lines] == ["City service hall"]
    solid = [line for line in bottom.lines if line.get_linestyle() == "-"]
    dashed = [line for line in bottom.lines if line.get_linestyle() == "--"]
    assert len(solid) == len(dashed) == 1
    assert "local ID visits: 90th percentile" in [t.get_text() for t in bottom.get_legend().get_texts()]
    # week of Monday 2022-09-05: days 4 and 5 after run.start 2022-09-01 (the fixture stops on 09-06)
    with np.load(two_folder / "records.npz") as data:
        kind, day, wait, replication = (data[f"visits/{c}"] for c in ("kind", "day", "wait", "replication"))
    for line, code in ((solid[0], 0), (dashed[0], 1)):  # 0 first intake, 1 local (background) visit
        p90s = []
        for r in np.unique(replication):
            waits = wait[(kind == code) & (replication == r) & (day >= 4) & (day <= 5)]
            assert waits.size >= plots.MIN_CELL_COUNT
            p90s.append(np.percentile(waits, 90))
        assert _at(line, "2022-09-05") == pytest.approx(np.mean(p90s), rel=1e-9)


def test_chinese_province_names_match_provinces_csv() -> None:
    with (SCENARIOS / "data" / "provinces.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(names.PROVINCES_ZH) == {row["name_en"] for row in rows}
    for row in rows:
        short = names.PROVINCES_ZH[row["name_en"]]
        assert row["name_zh"].startswith(short), row
        assert 2 <= len(short) < len(row["name_zh"])
    assert len(set(names.PROVINCES_ZH.values())) == 31
    assert names.PROVINCES_ZH["Inner Mongolia"] == "内蒙古"
    assert names.PROVINCES_ZH["Guangxi"] == "广西"


def test_names_zh_without_a_cjk_font_falls_back_to_english(
    history_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(names, "find_cjk_font", lambda: None)
    with caplog.at_level(logging.WARNING, logger="sim"):
        assert main(["plot", str(history_folder), "--names", "zh"]) == 0
    warnings = [r for r in caplog.records if r.name == "sim" and r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one line for the whole folder, not one per figure
    message = warnings[0].getMessage()
    assert "\n" not in message
    assert "Noto Sans CJK SC" in message
    assert "WenQuanYi Micro Hei" in message
    assert message.endswith("English names are used")
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(history_folder / "figures" / f"{name}.png") for name in RUN_FIGURES]
    for line in printed:
        image = imread(line)
        assert image.ndim == 3
        assert min(image.shape[:2]) > 300
    results = _run(history_folder)
    for draw in (plots.province_map, plots.lead_heatmap, plots.busiest_offices):
        figure = draw(results, "zh")
        assert isinstance(figure, Figure)
        figure.canvas.draw()
        texts = [t.get_text() for t in figure.findobj(Text)]
        assert not [t for t in texts if HAN.search(t)]
        assert names.FONT_NOTE in _footer(figure)
    heatmap = plots.lead_heatmap(results, "zh")
    assert isinstance(heatmap, Figure)
    assert [t.get_text() for t in heatmap.axes[0].get_yticklabels()] == list(results.provinces)
    english = plots.lead_heatmap(results)
    assert isinstance(english, Figure)
    assert names.FONT_NOTE not in _footer(english)


def test_names_zh_with_a_cjk_font_writes_chinese_names(history_folder: Path) -> None:
    font = names.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (e.g. apt-get install fonts-wqy-microhei or fonts-noto-cjk)")
    results = _run(history_folder)
    heatmap = plots.lead_heatmap(results, "zh")
    assert isinstance(heatmap, Figure)
    labels = heatmap.axes[0].get_yticklabels()
    assert [t.get_text() for t in labels] == [names.PROVINCES_ZH[p] for p in results.provinces]
    assert labels[results.provinces.index("Inner Mongolia")].get_text() == "内蒙古"
    assert names.FONT_NOTE not in _footer(heatmap)
    tile_map = plots.province_map(results, "zh")
    assert isinstance(tile_map, Figure)
    assert {"北京", "内蒙古", "新疆", "海南"} <= {t.get_text() for t in tile_map.axes[0].texts}
    with (SCENARIOS / "data" / "cities.csv").open(encoding="utf-8", newline="") as handle:
        chinese = {row["name_en"]: re.sub(r"[(（].*?[)）]", "", row["name_zh"]) for row in csv.DictReader(handle)}
    busiest = plots.busiest_offices(results, "zh")
    assert isinstance(busiest, Figure)
    assert [line.get_label() for line in busiest.axes[0].lines] == [
        chinese[o] for o in _most_utilised(history_folder, 6)
    ]
    for figure in (heatmap, tile_map, busiest):
        figure.canvas.draw()
        han = [t for t in figure.findobj(Text) if HAN.search(t.get_text())]
        assert han
        assert all(font in t.get_fontfamily() for t in han)  # drawn with the CJK font, never as boxes
    written = plots.write_figures(history_folder, "png", names="zh")
    assert [p.stem for p in written] == RUN_FIGURES
    assert all(imread(p).ndim == 3 for p in written)


def test_names_option_rejects_other_languages(two_folder: Path) -> None:
    with pytest.raises(ValueError, match="names must be one of en, zh"):
        plots.write_figures(two_folder, "png", names="fr")  # type: ignore[arg-type]
    with pytest.raises(SystemExit) as stop:
        main(["plot", str(two_folder), "--names", "fr"])
    assert stop.value.code == 2
