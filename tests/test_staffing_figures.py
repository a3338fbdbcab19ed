"""Figures under staffing by date: every denominator takes the windows and reviewers of each day.

A four-week office (2022-09-19 to 2022-10-16, open 09:00-12:00 and 14:00-17:30 on weekdays, no holidays) has 2
windows, 4 from 2022-10-01 and 3 from 2022-10-10; Anhui has 1 reviewer, 3 from 2022-10-05; Henan 2 throughout.
The counts of each day are written out here from the dates (not with :mod:`sim.world.staff`), and every figure is
recounted day by day in plain Python from the result's ``busy_area``, ``open_minutes``, ``reviewer_busy`` and
``reviewer_open``:

- utilisation and overtime (office and total), the daily rows, and the weekly and monthly series;
- reviewer utilisation per hukou province and in total, over the window and per week;
- a step from 2 to 4 windows doubles the staffed window-minutes (halves a day's utilisation) only from its date:
  against the same office with 2 windows throughout (the same draws, the same busy minutes each day);
- the analytic checks: monthly staffed minutes and the month's fewest windows, the busiest hour judged in each
  staffing period with its own windows, reviewers at full rollout with the last count, the drain estimate with the
  last count; the report's and the terminal's text name the steps; ``compare`` sees windows_from as unshared;
- the new keys are validated: one line naming the file, key path, value and rule, exit 2.

Every simulated check runs on both engines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import cli
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metric import TOTAL
from sim.experiment.metrics import replication_figures
from sim.experiment.periods import calendar_periods, period_figures
from sim.experiment.preflight import estimate
from sim.experiment.runner import run_experiment
from sim.experiment.series import DAILY_COLUMNS, daily_rows
from sim.experiment.store import save_experiment
from sim.model.engine import run_replication
from sim.model.result import ReplicationResult
from sim.output.caveats import summary_caveats
from sim.output.plots import _Weeks
from sim.output.report import write_report
from sim.output.report_scenario import reviewers_text, windows_text
from sim.output.tables import peak_table
from sim.results import load_run
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.world.peak import load_warnings, peak_loads, reviewer_loads
from sim.world.workload import office_month_loads
from tests.conftest import ENGINES

ROOT = Path(__file__).resolve().parents[1]
START = dt.date(2022, 9, 19)
DAYS = 28
OPEN_MINUTES = 390.0  # 09:00-12:00 and 14:00-17:30

SCENARIO = """name = "{name}"

[run]
start = 2022-09-19
end = 2022-10-16
warm_up_days = {warm_up}
replications = 2
seed = 20220919

[demand]
weekday_profile = [1.2, 1.0, 1.0, 1.0, 1.1, 0.5, 0.3]
hour_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1.2, 1.3, 1.1, 0, 0, 0.9, 1.0, 0.9, 0.6, 0, 0, 0, 0, 0, 0]

[office]
windows = 2
{windows_from}
hours = {{ weekdays = ["09:00-12:00", "14:00-17:30"] }}
applicants_per_day = {applicants}
intake_minutes = {{ dist = "lognormal", mean = 12, cv = 0.4 }}
background = {{ per_day = 25, minutes = {{ dist = "lognormal", mean = 6, cv = 0.5 }} }}
origins = {{ Anhui = 0.5, Henan = 0.5 }}
at_closing = "serve"

[[offices]]
name = "Hall"

[verification]
reviewers = {reviewers}
hours = {{ weekdays = ["08:30-12:00", "14:00-17:30"] }}
review_minutes = {{ dist = "lognormal", mean = 20, cv = 0.8 }}
reject_probability = 0.05
latency_minutes = {{ dist = "exponential", mean = 5 }}

[[provinces]]
name = "Anhui"
linked_from = "start"
{reviewers_from}

[[provinces]]
name = "Henan"
linked_from = "start"
reviewers = 2

[production]
batch_time = "17:00"
working_days = {{ dist = "triangular", low = 5, mode = 8, high = 15 }}
pickup_after_days = {{ dist = "exponential", mean = 7 }}
revisit_after_days = {{ dist = "uniform", low = 3, high = 14 }}
promised_working_days = 15
legal_limit_days = 60
"""
WINDOWS_FROM = "windows_from = { 2022-10-01 = 4, 2022-10-10 = 3 }"
REVIEWERS_FROM = "reviewers_from = { 2022-10-05 = 3 }"


def windows_on(day: int) -> int:
    """The office's windows on day ``day`` of the run, from the dates of :data:`WINDOWS_FROM`."""
    date = START + dt.timedelta(days=day)
    return 2 if date < dt.date(2022, 10, 1) else 4 if date < dt.date(2022, 10, 10) else 3


def reviewers_on(province: int, day: int) -> int:
    """Reviewers of Anhui (0) and Henan (1) on day ``day``, from :data:`REVIEWERS_FROM`."""
    if province == 1:
        return 2
    return 1 if START + dt.timedelta(days=day) < dt.date(2022, 10, 5) else 3


def write(
    folder: Path,
    name: str,
    *,
    applicants: float = 60,
    steps: bool = True,
    warm_up: int = 3,
    reviewers: int = 1,
    reviewers_from: str = REVIEWERS_FROM,
) -> Scenario:
    """The scenario of the module docstring (``steps=False``: 2 windows throughout), loaded."""
    text = SCENARIO.format(
        name=name,
        applicants=applicants,
        warm_up=warm_up,
        windows_from=WINDOWS_FROM if steps else "",
        reviewers=reviewers,
        reviewers_from=reviewers_from,
    )
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def stepped(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return write(tmp_path_factory.mktemp("stepped"), "stepped")


@pytest.fixture(scope="module", params=ENGINES)
def run(request: pytest.FixtureRequest, stepped: Scenario) -> ReplicationResult:
    return run_replication(stepped, 0, engine=str(request.param))


def recount(result: ReplicationResult, days: range) -> tuple[float, float, float, int]:
    """Over ``days``: staffed busy window-minutes, staffed window-minutes, overtime, open days (plain Python)."""
    busy = staffed = overtime = 0.0
    open_days = 0
    for day in days:
        worked, here = float(result.busy_area[0, day]), windows_on(day) * float(result.open_minutes[0, day])
        busy += min(worked, here)
        staffed += here
        overtime += max(worked - here, 0.0)
        open_days += result.open_minutes[0, day] > 0
    return busy, staffed, overtime, open_days


def reviewer_recount(result: ReplicationResult, provinces: list[int], days: range) -> float:
    """Busy over staffed reviewer-minutes of ``provinces`` over ``days``, each day with its own reviewers."""
    busy = sum(float(result.reviewer_busy[p, d]) for p in provinces for d in days)
    staffed = sum(reviewers_on(p, d) * float(result.reviewer_open[p, d]) for p in provinces for d in days)
    return busy / staffed


def test_the_days_have_the_counts_of_their_dates(stepped, run):
    assert [o.windows_from for o in stepped.offices] == [((12 * 1440.0, 4), (21 * 1440.0, 3))]
    assert float(run.open_minutes[0, :DAYS].sum()) == 20 * OPEN_MINUTES  # four weeks of weekdays, no holidays


def test_utilisation_and_overtime_take_each_days_windows(stepped, run):
    figures = replication_figures(stepped, run)
    busy, staffed, overtime, open_days = recount(run, range(stepped.run.warm_up_days, DAYS))
    constant = recount_constant(run, range(stepped.run.warm_up_days, DAYS))
    assert overtime > 0  # the first two weeks, at 2 windows, are overloaded
    assert abs(busy / staffed - constant) > 0.05  # the figure with 2 windows throughout would differ
    for scope in ("Hall", TOTAL):
        assert figures[(scope, "utilisation")] == pytest.approx(busy / staffed, rel=1e-12)
        assert figures[(scope, "overtime_hours_per_open_day")] == pytest.approx(overtime / 60 / open_days, rel=1e-12)
    assert figures[(TOTAL, "peak_office_utilisation")] == pytest.approx(busy / staffed, rel=1e-12)


def recount_constant(result: ReplicationResult, days: range) -> float:
    """Utilisation as if the office had 2 windows on every day (what the figure must not be)."""
    busy = sum(min(float(result.busy_area[0, d]), 2 * float(result.open_minutes[0, d])) for d in days)
    return busy / sum(2 * float(result.open_minutes[0, d]) for d in days)


def test_the_daily_rows_take_each_days_windows(stepped, run):
    at = DAILY_COLUMNS.index
    checked = set()
    for row in daily_rows(stepped, run):
        day = (dt.date.fromisoformat(row[at("date")]) - START).days
        worked, staffed = float(run.busy_area[0, day]), windows_on(day) * float(run.open_minutes[0, day])
        assert row[at("windows")] == windows_on(day)
        assert row[at("overtime_hours")] == pytest.approx(max(worked - staffed, 0.0) / 60, abs=1e-12)
        if staffed > 0:
            assert row[at("utilisation")] == pytest.approx(min(worked, staffed) / staffed, rel=1e-12)
            checked.add(windows_on(day))
    assert checked == {2, 3, 4}


@pytest.mark.parametrize("kind", ["week", "month"])
def test_the_weekly_and_monthly_series_take_each_days_staff(stepped, run, kind):
    periods, day_period = calendar_periods(stepped.run.start, stepped.run.end, kind)
    figures = period_figures(stepped, run, day_period, len(periods))
    assert len(periods) == (4 if kind == "week" else 2)
    for k in range(len(periods)):
        days = range(DAYS)
        inside = range(min(d for d in days if day_period[d] == k), max(d for d in days if day_period[d] == k) + 1)
        busy, staffed, overtime, open_days = recount(run, inside)
        for scope in ("Hall", TOTAL):
            assert figures[(scope, "utilisation")][k] == pytest.approx(busy / staffed, rel=1e-12), (scope, k)
            assert figures[(scope, "overtime_hours_per_open_day")][k] == pytest.approx(
                overtime / 60 / open_days, rel=1e-12
            )
        anhui = figures[(PROVINCE_PREFIX + "Anhui", "reviewer_utilisation")][k]
        assert anhui == pytest.approx(reviewer_recount(run, [0], inside), rel=1e-12)
        total = figures[(TOTAL, "reviewer_utilisation")][k]
        assert total == pytest.approx(reviewer_recount(run, [0, 1], inside), rel=1e-12)


def test_reviewer_utilisation_takes_each_days_reviewers(stepped, run):
    figures = replication_figures(stepped, run)
    window = range(stepped.run.warm_up_days, DAYS)
    anhui = reviewer_recount(run, [0], window)
    assert figures[(PROVINCE_PREFIX + "Anhui", "reviewer_utilisation")] == pytest.approx(anhui, rel=1e-12)
    assert figures[(PROVINCE_PREFIX + "Henan", "reviewer_utilisation")] == pytest.approx(
        reviewer_recount(run, [1], window), rel=1e-12
    )
    assert figures[(TOTAL, "reviewer_utilisation")] == pytest.approx(reviewer_recount(run, [0, 1], window), rel=1e-12)
    once = float(run.reviewer_busy[0, window.start : DAYS].sum()) / float(
        run.reviewer_open[0, window.start : DAYS].sum()
    )
    assert abs(anhui - once) > 0.05  # one reviewer throughout would read otherwise


@pytest.mark.parametrize("engine", ENGINES)
def test_a_step_from_2_to_4_windows_doubles_the_staffed_minutes_only_from_its_date(tmp_path, engine):
    stepped = write(tmp_path, "quiet_stepped", applicants=20, warm_up=0)
    flat = write(tmp_path, "quiet_flat", applicants=20, warm_up=0, steps=False)
    a, b = run_replication(flat, 0, engine=engine), run_replication(stepped, 0, engine=engine)
    assert np.all(a.busy_area[0, :DAYS] <= 2 * a.open_minutes[0, :DAYS])  # never over the staffed minutes
    np.testing.assert_allclose(b.busy_area[0, :DAYS], a.busy_area[0, :DAYS], rtol=1e-9)  # the same work each day
    at = DAILY_COLUMNS.index
    before = {row[at("date")]: row[at("utilisation")] for row in daily_rows(flat, a)}
    after = {row[at("date")]: row[at("utilisation")] for row in daily_rows(stepped, b)}
    for day in range(DAYS):
        date = (START + dt.timedelta(days=day)).isoformat()
        if a.open_minutes[0, day] > 0:
            assert after[date] == pytest.approx(before[date] * 2 / windows_on(day), rel=1e-9), date
    fa, fb = replication_figures(flat, a), replication_figures(stepped, b)
    denominators = [float(r.busy_area[0, :DAYS].sum()) / f[("Hall", "utilisation")] for r, f in ((a, fa), (b, fb))]
    extra = sum((windows_on(d) - 2) * float(a.open_minutes[0, d]) for d in range(DAYS))
    assert extra == (2 * 5 + 1 * 5) * OPEN_MINUTES  # Oct 3-7 at 4 windows, Oct 10-14 at 3
    assert denominators[1] - denominators[0] == pytest.approx(extra, rel=1e-9)


def test_the_months_staffed_minutes_and_fewest_windows(stepped):
    (months,) = office_month_loads(stepped)
    assert [m.month for m in months] == [dt.date(2022, 9, 1), dt.date(2022, 10, 1)]
    for m in months:
        days = [d for d in range(DAYS) if (START + dt.timedelta(days=d)).month == m.month.month]
        weekdays = [d for d in days if (START + dt.timedelta(days=d)).weekday() < 5]
        assert m.staffed_minutes == sum(windows_on(d) * OPEN_MINUTES for d in weekdays)
        assert m.windows == min(windows_on(d) for d in days)
        assert m.utilisation == pytest.approx(m.offered_minutes / m.staffed_minutes, rel=1e-12)
    assert (months[0].windows, months[1].windows) == (2, 3)
    assert months[1].staffed_minutes == (4 * 5 + 3 * 5) * OPEN_MINUTES  # not 2 windows x 10 days


def test_the_busiest_hour_is_judged_in_each_staffing_period_with_its_windows(tmp_path):
    flat = write(tmp_path, "busy", applicants=110, steps=False)
    stepped = rewrite(flat, tmp_path, "stepped", "windows = 2\n", f"windows = 2\n{WINDOWS_FROM}\n")
    (peak,), (two,) = peak_loads(stepped), peak_loads(flat)
    assert peak.queue == two.queue  # the worst period has 2 windows, as the office without steps
    assert peak.queue.servers == 2
    assert peak.mean_utilisation == two.mean_utilisation
    assert peak.staffing == "2022-09-19 to 2022-09-30"
    assert two.staffing == ""
    (line,) = [w for w in load_warnings(stepped) if w.startswith("warning: office")]
    assert f"({two.when}; 2 windows, 2022-09-19 to 2022-09-30): rho = {two.queue.utilisation:.2f} >= 1" in line
    assert "2 (2022-09-19 to 2022-09-30)" in peak_table([peak])
    later = rewrite(flat, tmp_path, "later", "windows = 2\n", "windows = 4\nwindows_from = { 2022-10-10 = 1 }\n")
    (last,) = peak_loads(later)
    assert (last.queue.servers, last.staffing) == (1, "2022-10-10 to 2022-10-16")
    assert last.queue.utilisation == pytest.approx(2 * two.queue.utilisation, rel=1e-12)


def test_no_steady_state_is_judged_with_each_periods_windows(tmp_path):
    four = write(tmp_path, "four", applicants=90, steps=False, reviewers=3, reviewers_from="")
    four = rewrite(four, tmp_path, "four_home", 'at_closing = "serve"', 'at_closing = "return_next_day"')
    down = rewrite(four, tmp_path, "down", "windows = 2\n", "windows = 4\nwindows_from = { 2022-10-10 = 2 }\n")
    up = rewrite(four, tmp_path, "up", "windows = 2\n", "windows = 2\nwindows_from = { 2022-10-10 = 4 }\n")
    flat = rewrite(four, tmp_path, "flat4", "windows = 2\n", "windows = 4\n")
    (peak,) = peak_loads(flat)
    assert 0.5 < peak.mean_utilisation < 1  # 4 windows keep up over the week, 2 would not
    assert office_caveats(flat) == []
    for stepped, dates in ((down, "2022-10-10 to 2022-10-16"), (up, "2022-09-19 to 2022-10-09")):
        (peak,) = peak_loads(stepped)
        assert (peak.unbounded, peak.queue.servers, peak.staffing) == (True, 2, dates)
        assert peak.mean_utilisation == pytest.approx(2 * peak_loads(flat)[0].mean_utilisation, rel=1e-12)
        (line,) = office_caveats(stepped)
        assert line.startswith(f"caveat: office 'Hall' is unstable (rho {peak.queue.utilisation:.2f} at its busiest")


def office_caveats(scenario: Scenario) -> list[str]:
    """The analytic caveats on offices (the reviewers have theirs)."""
    return [line for line in summary_caveats(scenario, {}) if line.startswith("caveat: office")]


def rewrite(base: Scenario, folder: Path, name: str, old: str, new: str) -> Scenario:
    """``base``'s file with ``old`` replaced by ``new`` (once), as scenario ``name``, loaded."""
    text = (folder / f"{base.name}.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = folder / f"{name}.toml"
    path.write_text(text.replace(old, new).replace(f'name = "{base.name}"', f'name = "{name}"'), encoding="utf-8")
    return load_scenario(path)


def test_reviewers_at_full_rollout_are_the_last_count(tmp_path, stepped):
    three = write(tmp_path, "three", reviewers=3, reviewers_from="")
    assert reviewer_loads(stepped)[0] == reviewer_loads(three)[0]
    one = write(tmp_path, "one", reviewers=1, reviewers_from="")
    assert reviewer_loads(one)[0].utilisation == pytest.approx(3 * reviewer_loads(stepped)[0].utilisation, rel=1e-12)


def test_the_drain_estimate_uses_each_days_windows_and_the_last_count(tmp_path):
    flat = write(tmp_path, "drain", applicants=400, steps=False)
    stepped = rewrite(
        flat, tmp_path, "drain_stepped", "windows = 2\n", "windows = 2\nwindows_from = { 2022-10-10 = 5 }\n"
    )
    (months,) = office_month_loads(stepped)
    offered = sum(m.offered_minutes for m in months)
    weekdays = [d for d in range(DAYS) if (START + dt.timedelta(days=d)).weekday() < 5]
    staffed = sum((5 if d >= 21 else 2) * OPEN_MINUTES for d in weekdays)
    assert offered > staffed
    assert estimate(stepped).drain_days == pytest.approx((offered - staffed) / (5 * 1440), rel=1e-12)
    assert estimate(flat).drain_days == pytest.approx((offered - 2 * 20 * OPEN_MINUTES) / (2 * 1440), rel=1e-12)


def test_the_report_and_compare_name_the_steps(tmp_path, stepped):
    assert windows_text({}, stepped) == "2 per office, 4 from 2022-10-01, 3 from 2022-10-10"
    flat = write(tmp_path, "flat", steps=False, reviewers_from="")
    assert windows_text({}, flat) == "2 per office"
    assert cli._unshared(flat, stepped) == ["offices"]
    assert cli._unshared(stepped, stepped) == []
    assert reviewers_text({}, stepped) == (
        "1 to 2 per province, 3 in all at the start; by date at 1 of 2 provinces, 1 to 3 per province over the run"
    )
    assert reviewers_text({}, flat) == "1 to 2 per province, 3 in all"
    annex = dataclasses.replace(stepped.offices[0], name="Annex", windows=3, windows_from=())
    mixed = dataclasses.replace(stepped, offices=(stepped.offices[0], annex))
    assert windows_text({}, mixed) == (
        "2 to 3 per office, 5 in all at the start; by date at 1 of 2 offices, 2 to 4 per office over the run"
    )


def test_the_html_report_shows_the_steps(tmp_path, stepped):
    page = write_report(save_experiment(run_experiment(stepped), tmp_path / "run")).read_text(encoding="utf-8")
    assert "2 per office, 4 from 2022-10-01, 3 from 2022-10-10" in page
    assert "by date at 1 of 2 provinces, 1 to 3 per province over the run" in page


BAD = [
    ("office.windows_from = { 2022-09-19 = 4 }", "office.windows_from.2022-09-19",
     'must be a date from 2022-09-20 to 2022-10-16 (the run), got "2022-09-19"'),
    ("office.windows_from = { 2022-10-17 = 4 }", "office.windows_from.2022-10-17",
     'must be a date from 2022-09-20 to 2022-10-16 (the run), got "2022-10-17"'),
    ("office.windows_from = { 2022-10-1 = 4 }", "office.windows_from.2022-10-1",
     'must be a date written as YYYY-MM-DD, got "2022-10-1"'),
    ("office.windows_from = { 2022-09-31 = 4 }", "office.windows_from.2022-09-31",
     'must be a date written as YYYY-MM-DD, got "2022-09-31"'),
    ("office.windows_from = { 2022-10-03 = 0 }", "office.windows_from.2022-10-03",
     "must be an integer >= 1 and <= 500, got 0"),
    ("office.windows_from = { 2022-10-03 = 501 }", "office.windows_from.2022-10-03",
     "must be an integer >= 1 and <= 500, got 501"),
    ("office.windows_from = 4", "office.windows_from",
     "must be a table of dates and counts, e.g. { 2022-10-01 = 6 }, got 4"),
    ("verification.reviewers_from = { 2022-10-03 = 10001 }", "verification.reviewers_from.2022-10-03",
     "must be an integer >= 1 and <= 10000, got 10001"),
    ("verification.reviewers_from = [4]", "verification.reviewers_from",
     "must be a table of dates and counts, e.g. { 2022-10-01 = 6 }, got [4]"),
    ("provinces[0].reviewers_from = { 2022-10-17 = 3 }", "provinces[0].reviewers_from.2022-10-17",
     'must be a date from 2022-09-20 to 2022-10-16 (the run), got "2022-10-17"'),
]  # fmt: skip
"""``(line put in place, key path, rule and value)``: each breaks one rule of the new keys."""


@pytest.mark.parametrize(("line", "key", "rule"), BAD, ids=[key for _, key, _ in BAD])
def test_a_bad_staffing_step_is_one_line_and_exit_2(tmp_path, line, key, rule):
    section, assignment = line.split(".", 1)
    write(tmp_path, "good", steps=False, reviewers_from="")  # valid: the file to break
    text = (tmp_path / "good.toml").read_text(encoding="utf-8")
    header = {"office": "[office]\n", "verification": "[verification]\n", "provinces[0]": 'name = "Anhui"\n'}[section]
    assert text.count(header) == 1
    (tmp_path / "bad.toml").write_text(text.replace(header, header + assignment + "\n"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "bad.toml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"bad.toml: {key}: {rule}\n")


def test_an_empty_step_table_clears_the_steps_it_overrides(tmp_path):
    """``{}`` means no steps: an extending file (or ``--set``) can take back steps that its base gives."""
    base = write(tmp_path, "stepped")
    assert base.offices[0].windows_from
    assert any(p.reviewers_from for p in base.provinces)
    provinces = [
        {"name": "Anhui", "linked_from": "start", "reviewers_from": {}},
        {"name": "Henan", "linked_from": "start", "reviewers": 2},
    ]
    cleared = load_scenario(tmp_path / "stepped.toml", {"office.windows_from": {}, "provinces": provinces})
    assert cleared.offices[0].windows_from == ()
    assert all(p.reviewers_from == () for p in cleared.provinces)
    assert cleared.offices[0].windows == base.offices[0].windows


def test_the_busiest_offices_figure_weights_days_by_their_staffed_window_minutes(stepped, tmp_path):
    """The weekly utilisation panel: each week's busy over staffed window-minutes, days weighted by their windows.

    Steps in mid-week (Thursday 29 September to 4 windows, Wednesday 12 October to 3), so that a week's days differ.
    """
    office = dataclasses.replace(stepped.offices[0], windows_from=((10 * 1440.0, 4), (23 * 1440.0, 3)))
    scenario = dataclasses.replace(stepped, offices=(office,))
    windows = [2 if d < 10 else 4 if d < 23 else 3 for d in range(DAYS)]
    experiment = run_experiment(scenario)
    daily = load_run(save_experiment(experiment, tmp_path / "run")).daily
    weeks = _Weeks(np.datetime64(START), np.datetime64(START + dt.timedelta(days=DAYS - 1)), daily["replication"])
    got = weeks.utilisation(daily)
    for r, outcome in enumerate(experiment.outcomes):
        result = outcome.result
        for w in range(DAYS // 7):
            days = range(7 * w, 7 * w + 7)
            staffed = [windows[d] * float(result.open_minutes[0, d]) for d in days]
            busy = sum(min(float(result.busy_area[0, d]), x) for d, x in zip(days, staffed, strict=True))
            assert got[r, w] == pytest.approx(busy / sum(staffed), rel=1e-9), (r, w)
