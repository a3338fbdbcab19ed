"""``rollout-sim size``: windows against exact Erlang C, monotone in the target, recommended scenarios that hold.

The M/M/3 of ``scenarios/mmc_check.toml`` (0.24 arrivals a minute, 10-minute exponential service, open around the
clock, offered load 2.4 Erlangs) is cut to January 2023 (23 days after the week of warm-up, about 8,000
applicants a replication). Its exact 90th percentile wait, ``ln(C / 0.1) / (c mu - lambda)``, is 31.1 minutes
with 3 windows, 6.59 with 4, 0.49 with 5 and 0 with 6; with 2 windows it is unstable. The targets 60, 15 and 2
minutes therefore ask for 3, 4 and 5 windows, each with a wide margin on both sides (the month's p90 over 5
replications has a 95 % CI of about +-1 minute at 4 windows and +-8 at 3): noise cannot move the answer.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.metrics import replication_figures
from sim.experiment.size import monthly_figures, months, size
from sim.experiment.size_files import RECOMMENDED_FILE, SIZING_FILE
from sim.experiment.targets import parse_target
from sim.model.engine import run_replication
from sim.scenario.load import load_scenario
from sim.theory import MMc
from sim.world.sizing import Bound, analytic_windows
from tests.conftest import ROOT, SCENARIOS

ARRIVALS_PER_MINUTE, SERVICE_MINUTES = 0.24, 10.0


def erlang_c_windows(p90_minutes: float) -> int:
    """The fewest windows whose exact M/M/c 90th percentile wait is within the bound."""
    return next(
        c for c in range(1, 50) if (q := MMc(c, ARRIVALS_PER_MINUTE, SERVICE_MINUTES)).stable
        and q.wait_quantile(0.9) <= p90_minutes
    )  # fmt: skip


@pytest.fixture(scope="module")
def january(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mmc_check cut to January 2023, 5 replications."""
    path = tmp_path_factory.mktemp("size") / "mmc_january.toml"
    path.write_text(
        f'extends = "{SCENARIOS / "mmc_check.toml"}"\nname = "mmc_january"\n\n'
        "[run]\nend = 2023-01-31\nreplications = 5\n",
        encoding="utf-8",
    )
    return path


def test_the_bounds_have_margin_on_both_sides() -> None:
    """The chosen bounds sit well between Erlang C's answers, so they test the search, not the noise."""
    p90 = {c: MMc(c, ARRIVALS_PER_MINUTE, SERVICE_MINUTES).wait_quantile(0.9) for c in (3, 4, 5)}
    assert p90[3] > 2 * 15
    assert p90[4] < 15 / 2
    assert p90[4] > 3 * 2
    assert p90[5] < 2 / 3
    assert [erlang_c_windows(b) for b in (60, 15, 2)] == [3, 4, 5]


def test_first_guess_is_erlang_c(january: Path) -> None:
    """On an exact M/M/c the analytic first guess is the exact Erlang C answer."""
    scenario = load_scenario(january)
    for bound in (60, 15, 2):
        assert analytic_windows(scenario, Bound("quantile", bound, 0.9), 50) == [erlang_c_windows(bound)]


def test_size_gives_erlang_c_and_stricter_targets_never_ask_for_fewer(january: Path) -> None:
    """The simulated search lands on the Erlang C window count; a stricter bound never gives fewer windows."""
    windows = []
    for bound in (60, 15, 2):  # ever stricter
        sizing = size(january, [parse_target(f"wait_p90<={bound}min")])
        (row,) = sizing.rows
        assert row.after is not None
        assert row.after.estimate.high <= bound
        windows.append(sizing.recommended[0])
        assert sizing.recommended[0] == erlang_c_windows(bound)
    assert windows == sorted(windows)


@pytest.mark.parametrize("first", [1, 2, 9, 50])
def test_the_simulated_search_finds_erlang_c_from_any_first_guess(january: Path, first: int) -> None:
    """Started below, at an unstable count, far above or at the cap, the search still lands on Erlang C's 4."""
    sizing = size(january, [parse_target("wait_p90<=15min")], start={"M/M/3": first})
    assert sizing.recommended == (erlang_c_windows(15),)


def _monthly(folder: Path, scope: str, metric: str) -> list[dict[str, str]]:
    with (folder / "monthly.csv").open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["scope"] == scope and r["metric"] == metric]


def test_recommended_scenario_runs_and_meets_its_targets_on_a_new_seed(january: Path, tmp_path: Path) -> None:
    """recommended.toml extends the original, ``run`` takes it as it is, and every month meets the target again."""
    out = tmp_path / "sized"
    assert main(["size", str(january), "--target", "wait_p90<=15min", "--out", str(out), "--serial", "--quiet"]) == 0
    with (out / SIZING_FILE).open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["today"], row["recommended"], row["binding_month"]) == ("3", "4", "2023-01")
    assert float(row["before_ci_high"]) > 15 >= float(row["after_ci_high"])
    text = (out / RECOMMENDED_FILE).read_text(encoding="utf-8")
    assert f'extends = "{january.resolve()}"' in text
    checked = tmp_path / "checked"
    args = ["run", str(out / RECOMMENDED_FILE), "--seed", "97531", "--out", str(checked), "--serial", "--quiet"]
    assert main(args) == 0
    months = _monthly(checked, "M/M/3", "wait_p90")
    assert months
    assert all(float(m["ci_high"]) <= 15 for m in months)
    assert load_scenario(out / RECOMMENDED_FILE).offices[0].windows == 4


def test_recommended_reviewers_and_windows_hold_on_a_new_seed(tmp_path: Path) -> None:
    """With provinces: windows and reviewers are sized together and the recommendation holds on another seed."""
    scenario = tmp_path / "two.toml"
    scenario.write_text(
        f'extends = "{SCENARIOS / "two_provinces.toml"}"\nname = "two"\n\n[run]\nreplications = 5\n', encoding="utf-8"
    )
    out = tmp_path / "sized"
    targets = ["--target", "wait_p90<=20min", "--target", "reviewer_utilisation<=60%"]
    assert main(["size", str(scenario), *targets, "--out", str(out), "--serial", "--quiet"]) == 0
    sized = load_scenario(out / RECOMMENDED_FILE)
    today = load_scenario(scenario)
    assert sized.offices[0].windows > today.offices[0].windows  # today's 3 miss 20 minutes in October
    assert all(p.reviewers > q.reviewers for p, q in zip(sized.provinces, today.provinces, strict=True))
    checked = tmp_path / "checked"
    assert main(["run", str(out / RECOMMENDED_FILE), "--seed", "4242", "--out", str(checked), "--quiet"]) == 0
    office = _monthly(checked, sized.offices[0].name, "wait_p90")
    reviewers = [r for p in sized.provinces for r in _monthly(checked, f"hukou:{p.name}", "reviewer_utilisation")]
    assert office
    assert reviewers
    assert all(float(m["ci_high"]) <= 20 for m in office)
    assert all(float(m["ci_high"]) <= 0.6 for m in reviewers)


@pytest.mark.parametrize(
    ("text", "metric", "value"),
    [("wait_p90<=0.25h", "wait_p90", 15.0), ("reviewer_utilisation<=85%", "reviewer_utilisation", 0.85),
     ("lead_days_p95<=21", "lead_days_p95", 21.0), ("turnaround_hours_mean <= 2days", "turnaround_hours_mean", 48.0)],
)  # fmt: skip
def test_targets_convert_units(text: str, metric: str, value: float) -> None:
    target = parse_target(text)
    assert (target.metric, target.value) == (metric, pytest.approx(value))


@pytest.mark.parametrize(
    ("target", "extra", "message"),
    [
        ("wiat_p90<=30min", [], "unknown metric 'wiat_p90' (did you mean wait_p90?)"),
        ("applicants<=10", [], "applicants is reported in total only"),
        ("cards_per_day<=10", [], "cards_per_day does not fall as windows or reviewers are added"),
        ("wait_p90<=30kg", [], "the unit 'kg' does not fit minutes"),
        ("lead_days_p95<=21", [], "is a journey figure, and the scenario has no [[provinces]]"),
        ("wait_p90<=15min", ["--max-windows", "3"], "office 'M/M/3': wait_p90 <= 15 minutes is not met even at 3"),
    ],
)
def test_bad_targets_give_one_line_exit_2_and_write_nothing(
    january: Path, tmp_path: Path, target: str, extra: list[str], message: str
) -> None:
    """A real subprocess: one line on stderr naming the option and the rule, exit 2, no folder left behind."""
    out = tmp_path / "never"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "size", str(january), "--target", target, *extra, "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert "--target" in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".never.partial-*"))


def test_monthly_figures_agree_with_the_whole_horizon_definitions(tmp_path: Path) -> None:
    """The vectorised monthly figures equal replication_figures over each month's days (warm-up left out)."""
    path = tmp_path / "two.toml"
    path.write_text(
        f'extends = "{SCENARIOS / "two_provinces.toml"}"\nname = "two"\n\n[run]\nwarm_up_days = 10\n', encoding="utf-8"
    )
    scenario = load_scenario(path)
    result = run_replication(scenario, 0)
    office = scenario.offices[0].name
    keys = [(office, "wait_p90"), (office, "utilisation"), ("hukou:Henan", "reviewer_utilisation"),
            ("hukou:Anhui", "lead_days_p90"), ("hukou:Henan", "turnaround_hours_mean")]  # fmt: skip
    got = monthly_figures(scenario, result, keys)
    span = months(scenario)
    assert [m.label for m in span] == ["2022-09", "2022-10", "2022-11"]
    assert span[0].first == 10
    for index, month in enumerate(span):
        end = scenario.run.start + dt.timedelta(days=month.last - 1)
        run = dataclasses.replace(scenario.run, warm_up_days=month.first, end=end)
        expected = replication_figures(dataclasses.replace(scenario, run=run), result)
        for key in keys:
            assert got[key][index] == pytest.approx(expected[key], rel=1e-9), (key, month.label)


def test_until_sizes_the_months_up_to_the_cut_like_a_shorter_file(january: Path, tmp_path: Path) -> None:
    """`size --until 2023-01-31` on a longer file judges the same months on the same streams as the cut file."""
    longer = tmp_path / "mmc_march.toml"
    longer.write_text(
        f'extends = "{SCENARIOS / "mmc_check.toml"}"\nname = "mmc_january"\n\n'
        "[run]\nend = 2023-03-31\nreplications = 5\n",
        encoding="utf-8",
    )
    target = [parse_target("wait_p90<=15min")]
    cut, short = size(longer, target, until=dt.date(2023, 1, 31)), size(january, target)
    assert cut.scenario.run.end == dt.date(2023, 1, 31)
    assert cut.recommended == short.recommended == (erlang_c_windows(15),)
    (cut_row,), (short_row,) = cut.rows, short.rows
    assert cut_row.after == short_row.after  # the same month binds with the same figure
    done = subprocess.run(
        [sys.executable, "-m", "sim", "size", str(longer), "--target", "wait_p90<=15min", "--until", "2024-01-01",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"{longer.name}: --until: must be a date within the run (2023-01-02 to 2023-03-31), got 2024-01-01"
    ]
    assert not (tmp_path / "out").exists()
