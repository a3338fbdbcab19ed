"""``rollout-sim report``: one self-contained HTML page per results folder, checked by parsing it and in Chromium.

The folders are made by the real command line on tiny scenarios (a few days, two replications). The page is parsed
with :mod:`html.parser`; its numbers are compared with the folder's CSV files read here with :mod:`csv`; and a
real headless Chromium renders it (skipped only when ``/usr/bin/chromium`` is not installed; ``.ci/run`` installs
it).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import math
import re
import shutil
import struct
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from sim.cli import main
from sim.output import plots
from sim.results import load_results
from tests.conftest import SCENARIOS

UNTIL = "2022-09-06"
TINY = ["--replications", "2", "--serial", "--quiet"]
CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 2000)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# -- a small DOM -----------------------------------------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str, **attrs: str) -> list[Node]:
        return [n for n in self.iter(tag) if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


# -- folders and reports ---------------------------------------------------------------------------------------------


def _cli(*argv: str) -> None:
    assert main([*argv]) == 0


def _report(folder: Path) -> Node:
    _cli("report", str(folder))
    return parse((folder / "report.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "two"
    _cli("run", str(SCENARIOS / "two_provinces.toml"), "--until", UNTIL, *TINY, "--out", str(out))
    _cli("report", str(out))
    return out


@pytest.fixture(scope="module")
def two_page(two_folder: Path) -> Node:
    return parse((two_folder / "report.html").read_text(encoding="utf-8"))


HISTORY_UNTIL = dt.date(2021, 10, 25)


@pytest.fixture(scope="module")
def history_page(tmp_path_factory: pytest.TempPathFactory) -> Node:
    out = tmp_path_factory.mktemp("report") / "history"
    _cli("run", str(SCENARIOS / "history.toml"), "--until", HISTORY_UNTIL.isoformat(), *TINY, "--out", str(out))
    return _report(out)


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "compare"
    scenarios = [str(SCENARIOS / "single_office.toml"), str(SCENARIOS / "two_provinces.toml")]
    _cli("compare", *scenarios, "--until", UNTIL, *TINY, "--out", str(out))
    _cli("report", str(out))
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "sweep"
    sets = ["--set", "office.windows=2,3", "--set", f"run.end={UNTIL}"]
    _cli("sweep", str(SCENARIOS / "single_office.toml"), *sets, *TINY, "--out", str(out))
    _cli("report", str(out))
    return out


def _page(folder: Path) -> Node:
    return parse((folder / "report.html").read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _same(shown: str, cell: str) -> bool:
    """A ``data-value`` attribute and a CSV cell hold the same number (NaN: an empty cell)."""
    a, b = float(shown), float(cell) if cell else math.nan
    return (math.isnan(a) and math.isnan(b)) or a == b


def _displayed(text: str) -> float:
    """The number a table cell shows ("–" is NaN)."""
    text = text.replace("±", "").replace(",", "").strip()
    return math.nan if text == "–" else float(text)


def _close(shown: float, value: float) -> bool:
    """The shown number is the value to the digits shown (four significant, three below 0.01)."""
    if math.isnan(value):
        return math.isnan(shown)
    return math.isclose(shown, value, rel_tol=5e-3)


# -- the page of a run -----------------------------------------------------------------------------------------------


def test_report_is_self_contained(two_folder: Path, two_page: Node) -> None:
    text = (two_folder / "report.html").read_text(encoding="utf-8")
    assert "http://" not in text
    assert "https://" not in text
    assert not list(two_page.iter("script"))
    assert not list(two_page.iter("link"))
    assert not list(two_page.iter("iframe"))
    for node in two_page.iter():
        for name in ("src", "href", "xlink:href", "srcset", "action", "poster", "data"):
            value = node.attrs.get(name)
            if value is None:
                continue
            assert not re.match(r"\s*([a-z]+:)?//", value), (node.tag, name, value[:80])
            if name == "src":
                assert value.startswith("data:image/png;base64,")
            if name == "href":
                assert value.startswith("#")
    styles = [s.text() for s in two_page.iter("style")]
    assert len(styles) == 1
    assert "url(" not in styles[0]
    assert "@import" not in styles[0]
    assert "@font-face" not in styles[0]


def test_every_figure_is_embedded_with_a_caption(two_folder: Path, two_page: Node) -> None:
    expected = [name for name, _ in plots.figures(load_results(two_folder))]
    assert len(expected) >= 5
    figures = list(two_page.iter("figure"))
    assert [f.attrs["data-figure"] for f in figures] == expected
    for figure in figures:
        (img,) = figure.find("img")
        png = base64.b64decode(img.attrs["src"].removeprefix("data:image/png;base64,"), validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        assert (int(img.attrs["width"]), int(img.attrs["height"])) == (width, height)
        assert width > 300
        assert height > 200
        assert img.attrs["alt"]
        (caption,) = figure.find("figcaption")
        assert caption.text().startswith("Figure ")
        assert len(caption.text()) > 30


def _rows(page: Node, cls: str) -> list[Node]:
    return [row for table in page.iter("table") if cls in table.classes() for row in table.iter("tr")]


def test_metric_tables_equal_summary_csv(two_folder: Path, two_page: Node) -> None:
    totals = {r["metric"]: r for r in _csv(two_folder / "summary.csv") if r["scope"] == "total"}
    every = [r for r in _rows(two_page, "metrics") if "data-metric" in r.attrs]
    assert [r.attrs["data-metric"] for r in every] == list(totals)
    headline = [r for r in _rows(two_page, "headline") if "data-metric" in r.attrs]
    assert [r.attrs["data-metric"] for r in headline] == [m for m in plots.HEADLINE_METRICS if m in totals]
    for row in every + headline:
        expected = totals[row.attrs["data-metric"]]
        cells = {c.attrs["data-field"]: c for c in row.iter("td") if "data-field" in c.attrs}
        assert set(cells) == {"mean", "half_width", "ci_low", "ci_high", "n"}
        assert row.text().count(expected["unit"]) >= 1
        for name, cell in cells.items():
            assert _same(cell.attrs["data-value"], expected[name]), (row.attrs, name)
            value = float(expected[name]) if expected[name] else math.nan
            assert _close(_displayed(cell.text()), value), (row.attrs, name, cell.text(), value)


def test_scope_table_equals_summary_csv(two_folder: Path, two_page: Node) -> None:
    rows = {(r["scope"], r["metric"]): r for r in _csv(two_folder / "summary.csv")}
    cells = [c for r in _rows(two_page, "scopes") for c in r.iter("td") if "data-mean" in c.attrs]
    assert {c.attrs["data-scope"] for c in cells} == {"City service hall", "hukou:Anhui", "hukou:Henan"}
    for cell in cells:
        expected = rows[(cell.attrs["data-scope"], cell.attrs["data-metric"])]
        assert _same(cell.attrs["data-mean"], expected["mean"])
        assert _same(cell.attrs["data-half-width"], expected["half_width"])


def test_header_shows_provenance(two_folder: Path, two_page: Node) -> None:
    manifest = json.loads((two_folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = json.loads((two_folder / "scenario.json").read_text(encoding="utf-8"))
    (header,) = two_page.iter("header")
    meta = {tr.find("th")[0].text(): tr.find("td")[0].text() for tr in header.iter("tr")}
    assert header.find("h1")[0].text() == "Scenario two_provinces"
    assert scenario["description"] in header.text()
    assert meta["Engine"] == manifest["engine"] == "fast"
    assert meta["Replications"] == "2"
    assert meta["Root seed"] == str(manifest["seed"]) == str(scenario["run"]["seed"])
    assert meta["Run date"].startswith(manifest["created_utc"][:10])
    assert meta["Run date"].endswith("UTC")
    assert meta["Scenario file"] == manifest["scenario_file"]


def test_parameters_and_checks_of_a_run(two_page: Node) -> None:
    rows = [r for r in _rows(two_page, "parameters") if "data-parameter" in r.attrs]
    parameters = {r.attrs["data-parameter"]: r.find("td")[0].text() for r in rows}
    start = dt.date(2022, 9, 1)  # two_provinces.toml's run.start, cut at --until
    days = (dt.date.fromisoformat(UNTIL) - start).days + 1
    assert parameters["Run period"] == f"{start} to {UNTIL} ({days} days)"
    assert parameters["Offices"] == "1: City service hall"
    assert parameters["Windows"] == "3 per office"
    assert parameters["Hukou provinces"] == "2: Anhui, Henan"
    assert parameters["First applicants per open day (per office)"] == "50"
    assert parameters["Phases"] == "0"
    (checks,) = two_page.find("section", id="checks")
    assert "No warnings." in checks.text()
    assert "rebuilt from scenarios/two_provinces.toml" in checks.text()
    (phases,) = two_page.find("section", id="phases")
    assert "No [[phase]] entries" in phases.text()
    (assumptions,) = two_page.find("section", id="assumptions")
    assert "The card's journey." in assumptions.text()
    assert "Population and migrants" not in assumptions.text()  # no national data tables
    assert "Notes in scenarios/two_provinces.toml" in assumptions.text()


def test_phases_appear_with_their_dates(history_page: Node) -> None:
    phases = tomllib.loads((SCENARIOS / "history.toml").read_text(encoding="utf-8"))["phase"]
    rows = [r for r in _rows(history_page, "phases") if "data-phase" in r.attrs]
    assert [(r.attrs["data-phase"], r.attrs["data-start"]) for r in rows] == [
        (p["name"], p["start"].isoformat()) for p in phases
    ]
    for row, phase in zip(rows, phases, strict=True):
        cells = [c.text() for c in row.iter("td")]
        assert cells[1:3] == [phase["name"], phase["start"].isoformat()]
        assert cells[3].startswith("opens ")
        assert "accepting" in cells[3]
        steps = phase["start"].isoformat()  # the rebuilt steps, the first on the start date
        if phase["start"] > HISTORY_UNTIL:  # cut by --until: the phase never took effect
            steps = f"after the run's end ({HISTORY_UNTIL.isoformat()}), not simulated: {steps}"
        assert cells[4].startswith(steps)
    (svg,) = history_page.iter("svg")
    markers = list(svg.iter("circle"))
    assert len(markers) >= len(phases)
    assert {m.text() for m in markers} >= {f"{p['name']}, {p['start'].isoformat()}" for p in phases}
    (assumptions,) = history_page.find("section", id="assumptions")
    assert "Rollout dates." in assumptions.text()
    assert "Population and migrants." in assumptions.text()


# -- comparison and sweep --------------------------------------------------------------------------------------------


def test_comparison_report(comparison_folder: Path) -> None:
    page = _page(comparison_folder)
    rows = {
        (r["scenario"], r["metric"]): r for r in _csv(comparison_folder / "comparison.csv") if r["scope"] == "total"
    }
    table = [r for r in _rows(page, "metrics") if "data-metric" in r.attrs]
    assert {r.attrs["data-scenario"] for r in table} == {"single_office", "two_provinces"}
    assert len(table) == len(rows)
    for row in table:
        expected = rows[(row.attrs["data-scenario"], row.attrs["data-metric"])]
        cells = {c.attrs["data-field"]: c.attrs["data-value"] for c in row.iter("td") if "data-field" in c.attrs}
        differences = row.attrs["data-scenario"] != "single_office"
        assert ("diff_mean" in cells) is differences
        for name, value in cells.items():
            assert _same(value, expected[name]), (row.attrs, name)
    embedded = [f.attrs["data-figure"] for f in page.iter("figure")]
    assert embedded == [name for name, _ in plots.figures(load_results(comparison_folder))]
    assert embedded[:2] == ["comparison_differences", "comparison_weekly"]
    captions = {f.attrs["data-figure"]: f.text() for f in page.iter("figure")}
    assert "two_provinces: Weekly applications served" in captions["two_provinces-weekly_served"]
    (checks,) = page.find("section", id="checks")
    assert [h.text() for h in checks.iter("h3")] == ["single_office", "two_provinces"]
    assert checks.text().count("rebuilt from scenarios/") == 2
    header = [th.text() for r in _rows(page, "parameters")[:1] for th in r.iter("th")]
    assert header == ["Parameter", "single_office", "two_provinces"]
    differing = {r.attrs["data-parameter"] for r in _rows(page, "parameters") if "differs" in r.classes()}
    assert {"Hukou provinces", "Description"} <= differing
    assert "Run period" not in differing


def test_sweep_report(sweep_folder: Path) -> None:
    page = _page(sweep_folder)
    index = _csv(sweep_folder / "index.csv")
    rows = [r for r in _rows(page, "sweep") if "data-point" in r.attrs]
    assert [r.attrs["data-point"] for r in rows] == [r["point"] for r in index]
    for row, expected in zip(rows, index, strict=True):
        for cell in row.iter("td"):
            if "data-mean" in cell.attrs:
                metric = cell.attrs["data-metric"]
                assert _same(cell.attrs["data-mean"], expected[metric])
                if f"{metric}_half_width" in expected:
                    assert _same(cell.attrs["data-half-width"], expected[f"{metric}_half_width"])
        assert [c.text() for c in row.iter("td") if c.attrs.get("data-field") == "office.windows"] == [
            expected["office.windows"]
        ]
    assert [f.attrs["data-figure"] for f in page.iter("figure")] == ["sweep"]
    (checks,) = page.find("section", id="checks")
    warnings = [li.text() for li in checks.iter("li")]
    assert len(warnings) == 1  # two windows overload the office at its Monday peak; three do not
    assert "overloaded at its peak hour" in warnings[0]


def test_warnings_are_those_validate_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "two_windows.toml"
    base = (SCENARIOS / "single_office.toml").as_posix()
    scenario.write_text(f'extends = "{base}"\nname = "two_windows"\n\n[office]\nwindows = 2\n', encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    printed = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert printed
    out = tmp_path / "run"
    _cli("run", str(scenario), "--until", UNTIL, *TINY, "--out", str(out))
    (checks,) = _report(out).find("section", id="checks")
    assert [li.text() for li in checks.iter("li")] == printed


def test_a_scenario_that_cannot_be_rebuilt_is_said_so(two_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "moved"
    shutil.copytree(two_folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["scenario_file"] = "scenarios/no_such_file.toml"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (checks,) = _report(copy).find("section", id="checks")
    assert "Warnings not computed: the scenario could not be rebuilt" in checks.text()


def test_text_is_escaped(two_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "escaped"
    shutil.copytree(two_folder, copy)
    scenario = json.loads((copy / "scenario.json").read_text(encoding="utf-8"))
    hostile = '<script>alert("x")</script> & <img src=https://example.org/x.png>'
    scenario["description"] = hostile
    (copy / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
    page = _report(copy)
    text = (copy / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;" in text
    assert not list(page.iter("script"))
    assert all(img.attrs["src"].startswith("data:") for img in page.iter("img"))
    assert hostile in page.find("p", **{"class": "lead"})[0].text()


# -- the command -----------------------------------------------------------------------------------------------------


def test_out_option_writes_atomically(two_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere.html"
    assert main(["report", str(two_folder), "--out", str(target)]) == 0
    assert capsys.readouterr().out.splitlines() == [str(target)]
    assert target.read_text(encoding="utf-8") == (two_folder / "report.html").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["elsewhere.html"]  # no temporary file left
    assert not [p for p in two_folder.iterdir() if p.name.startswith(".")]
    assert target.stat().st_mode & 0o044 == 0o044  # readable by others, like the folder's other files


@pytest.mark.parametrize("damage", ["empty folder", "no scenario.json", "missing --out folder"])
def test_bad_input_exits_2_with_one_line(
    damage: str, two_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "folder"
    if damage == "empty folder":
        folder.mkdir()
        argv = ["report", str(folder)]
    else:
        shutil.copytree(two_folder, folder)
        (folder / "report.html").unlink()
        if damage == "no scenario.json":
            (folder / "scenario.json").unlink()
            argv = ["report", str(folder)]
        else:
            argv = ["report", str(folder), "--out", str(tmp_path / "none" / "r.html")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert str(tmp_path) in lines[0]
    assert not (folder / "report.html").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


# -- a real browser --------------------------------------------------------------------------------------------------


def _chromium(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium; .ci/run installs it)")
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *options,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_chromium_screenshot_is_not_blank(two_folder: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", (two_folder / "report.html").as_uri())
    assert shot.is_file()
    with Image.open(shot) as image:
        assert image.size == WINDOW
        rgb = image.convert("RGB")
        assert max(ImageStat.Stat(rgb).stddev) > 20  # text, tables and a figure, not one colour
        assert len(rgb.getcolors(maxcolors=1 << 20) or []) > 100
        top = rgb.crop((0, 0, WINDOW[0], 200))
        assert max(ImageStat.Stat(top).stddev) > 5  # the title is drawn


def test_chromium_renders_tables_and_images(two_folder: Path, tmp_path: Path) -> None:
    probe = (
        "<script>window.addEventListener('load', function () { for (const img of document.images) {"
        " img.dataset.naturalWidth = img.naturalWidth; img.dataset.naturalHeight = img.naturalHeight; }"
        " document.body.dataset.loaded = 'yes'; });</script>"
    )
    page = tmp_path / "probe.html"  # the report with a probe that writes each image's decoded size into the DOM
    page.write_text((two_folder / "report.html").read_text(encoding="utf-8").replace("</body>", probe + "</body>"))
    dom = parse(_chromium(tmp_path, "--dump-dom", page.as_uri()).stdout)
    (body,) = dom.iter("body")
    assert body.attrs.get("data-loaded") == "yes"
    images = list(dom.iter("img"))
    assert len(images) == len(list(plots.figures(load_results(two_folder))))
    for img in images:
        assert int(img.attrs["data-natural-width"]) == int(img.attrs["width"]) > 0
        assert int(img.attrs["data-natural-height"]) == int(img.attrs["height"]) > 0
    totals = [r for r in _csv(two_folder / "summary.csv") if r["scope"] == "total"]
    assert len([r for r in _rows(dom, "metrics") if "data-metric" in r.attrs]) == len(totals)
    assert dom.find("section", id="phases")


def _console(tmp_path: Path, page: Path) -> list[str]:
    """The page's console messages (errors, uncaught exceptions, logs) as headless Chromium reports them."""
    done = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line and page.name in line]


def test_chromium_loads_the_report_without_console_messages(two_folder: Path, tmp_path: Path) -> None:
    control = tmp_path / "control.html"  # the same check sees a page's console errors and uncaught exceptions
    control.write_text("<html><body><script>console.error('probe'); missingFunction();</script></body></html>")
    seen = _console(tmp_path, control)
    assert any('"probe"' in line for line in seen)
    assert any("missingFunction is not defined" in line for line in seen)
    report = tmp_path / "report.html"
    shutil.copy(two_folder / "report.html", report)
    assert _console(tmp_path, report) == []
