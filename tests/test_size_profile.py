"""``rollout-sim size --profile monthly``: a staff per station and month, written as dated steps.

Two cases:

- the M/M/3 of ``scenarios/mmc_check.toml`` over January and February 2023, a steady load: every month's answer is
  the exact Erlang C count (4 windows for a 90th percentile wait of 15 minutes; 3 give 31.1 minutes and 5 give
  0.49), so the profile is flat and saves nothing;
- the five-city national test base (``tests/bad_inputs/bases/national.toml``) over the same two months, whose
  January has the phases' pent-up release and whose February has 5x January's month weight: the months ask for
  different staff at the busiest office, and the profile must save staff-days against flat staffing, run as a
  scenario, and meet the targets on a new seed.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.size import size
from sim.experiment.size_files import PROFILE_FILE, RECOMMENDED_FILE, SIZING_FILE
from sim.experiment.targets import parse_target
from sim.scenario.load import load_scenario
from sim.theory import MMc
from tests.conftest import ROOT, SCENARIOS

NATIONAL = ROOT / "tests" / "bad_inputs" / "bases" / "national.toml"


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("steady")
    text = f'extends = "{SCENARIOS / "mmc_check.toml"}"\nname = "mmc_two"\n\n'
    text += "[run]\nend = 2023-02-28\nreplications = 5\n"
    return _file(folder, "mmc_two", text)


@pytest.fixture(scope="module")
def seasonal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seasonal")
    weights = [0.5, 2.5] + [0.9] * 10
    text = (
        f'extends = "{NATIONAL}"\nname = "national_two"\n\n[run]\nend = 2023-02-28\nreplications = 5\n\n'
        f"[demand]\nmonth_profile = {weights}\n"
    )
    return _file(folder, "national_two", text)


def test_a_steady_load_gets_the_erlang_c_count_in_every_month_and_no_steps(steady: Path) -> None:
    exact = next(c for c in range(1, 20) if (q := MMc(c, 0.24, 10.0)).stable and q.wait_quantile(0.9) <= 15)
    sizing = size(steady, [parse_target("wait_p90<=15min")], profile="monthly")
    assert [m.label for m in sizing.months] == ["2023-01", "2023-02"]
    assert sizing.by_month == ((exact, exact),)
    assert sizing.staffings == ((exact, ()),)
    assert sizing.staff_days_saved == (0,)
    assert sizing.peak_meets is True


@pytest.fixture(scope="module")
def profiled(seasonal: Path):
    target = [parse_target("wait_p90<=30min")]
    return size(seasonal, target, profile="monthly"), size(seasonal, target)


def _open_weekdays(first: dt.date, last: dt.date) -> int:
    return sum((first + dt.timedelta(days=d)).weekday() < 5 for d in range((last - first).days + 1))


def test_each_month_asks_for_no_more_than_flat_staffing_and_some_office_steps(profiled) -> None:
    monthly, flat = profiled
    assert all(max(counts) <= n for counts, n in zip(monthly.by_month, flat.recommended, strict=True))
    assert any(len(set(counts)) > 1 for counts in monthly.by_month)
    assert monthly.peak_meets is True


def test_the_staff_days_saved_count_open_days_below_the_largest_count(profiled) -> None:
    monthly, _ = profiled
    start = monthly.scenario.run.start  # a Monday; the offices open on weekdays, the base has no holidays
    january = _open_weekdays(start, dt.date(2023, 1, 31))
    february = _open_weekdays(dt.date(2023, 2, 1), dt.date(2023, 2, 28))
    expected = tuple((max(c) - c[0]) * january + (max(c) - c[1]) * february for c in monthly.by_month)
    assert monthly.staff_days_saved == expected
    assert sum(expected) > 0


def test_the_profile_is_a_scenario_that_meets_its_targets_on_a_new_seed(seasonal: Path, tmp_path: Path) -> None:
    out = tmp_path / "sized"
    args = ["size", str(seasonal), "--target", "wait_p90<=30min", "--profile", "monthly", "--serial", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    with (out / PROFILE_FILE).open(encoding="utf-8", newline="") as handle:
        months = list(csv.DictReader(handle))
    with (out / SIZING_FILE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sized = load_scenario(out / RECOMMENDED_FILE)
    stepped = [o for o in sized.offices if o.windows_from]
    assert stepped
    for office in sized.offices:  # the file's staff is the profile's, month by month
        mine = {m["month"]: int(m["recommended"]) for m in months if m["name"] == office.name}
        assert mine["2023-01"] == office.windows
        assert mine["2023-02"] == dict(office.windows_from).get(30 * 1440.0, office.windows)
    assert sum(int(r["staff_days_saved"]) for r in rows) > 0
    checked = tmp_path / "checked"
    assert main(["run", str(out / RECOMMENDED_FILE), "--seed", "8642", "--out", str(checked), "--quiet"]) == 0
    with (checked / "monthly.csv").open(encoding="utf-8", newline="") as handle:
        figures = [r for r in csv.DictReader(handle) if r["metric"] == "wait_p90" and r["ci_high"]]
    assert {r["period"] for r in figures} >= {"2023-01", "2023-02"}
    assert all(float(r["ci_high"]) <= 30 for r in figures if not r["scope"].startswith("hukou:"))
