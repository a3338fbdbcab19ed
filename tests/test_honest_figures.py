"""Figures that cannot mislead: utilisation stays a share, overtime and the queue left at the end are reported.

- An overloaded office whose clerks serve past closing: utilisation <= 1 (it read 1.78 as "busy / staffed"), and
  the work beyond the staffed window-minutes is ``overtime_hours_per_open_day``, equal to a day-by-day recount
  from ``busy_area`` and ``open_minutes``; daily rows and the period series agree.
- An underloaded office: overtime 0 and the utilisation it always had, although its clerks do work past closing.
- An office open around the clock with rho >= 1: the warning says the queue grows without bound and that the
  means depend on the horizon; ``queue_at_end`` equals a recount from the visit records; ``caveats`` names it, and
  so does the HTML report.
- Stable offices (one that closes, and the M/M/3 that never closes but ends with a few waiting) have no caveat.

Every simulated check runs on both engines.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.metric import TOTAL
from sim.experiment.metrics import replication_figures
from sim.experiment.periods import period_figures
from sim.experiment.runner import run_experiment
from sim.experiment.series import DAILY_COLUMNS, daily_rows
from sim.experiment.stats import Estimate
from sim.experiment.store import save_experiment
from sim.model.engine import run_replication
from sim.model.records import VisitKind
from sim.output.caveats import caveats, summary_caveats
from sim.output.report import write_report
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.peak import load_warnings, peak_loads
from tests.conftest import ENGINES

HALL = """name = "{name}"

[run]
start = 2022-09-05
end = 2022-09-18
warm_up_days = {warm_up}
replications = 3
seed = 20220905

[demand]
weekday_profile = [1.2, 1.0, 1.0, 1.0, 1.1, 0.5, 0.3]
hour_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1.2, 1.3, 1.1, 0, 0, 0.9, 1.0, 0.9, 0.6, 0, 0, 0, 0, 0, 0]

[office]
windows = 3
hours = {{ weekdays = ["09:00-12:00", "14:00-17:30"] }}
applicants_per_day = {applicants}
intake_minutes = {{ dist = "lognormal", mean = 12, cv = 0.4 }}
background = {{ per_day = 25, minutes = {{ dist = "lognormal", mean = 6, cv = 0.5 }} }}
at_closing = "{at_closing}"

[[offices]]
name = "Hall"
"""
"""A city office open 09:00-12:00 and 14:00-17:30 on working days (as scenarios/single_office.toml), two weeks."""

AROUND_THE_CLOCK = """name = "{name}"

[run]
start = 2023-01-02
end = 2023-01-22
warm_up_days = 7
replications = 3
seed = 20230102

[demand]
hour_profile = [{hours}]

[office]
windows = 3
hours = {{ weekdays = ["00:00-24:00"], weekend = ["00:00-24:00"] }}
applicants_per_day = {applicants}
intake_minutes = {{ dist = "exponential", mean = 10 }}
at_closing = "serve"

[[offices]]
name = "M/M/3"
"""
"""An M/M/3 open around the clock, every day (as scenarios/mmc_check.toml), three weeks, the first one warm-up."""

FLAT = ", ".join(["1"] * 24)
UNSTABLE = 0.39 * MINUTES_PER_DAY  # 0.39 arrivals a minute into 3 windows of 10 minutes: rho = 1.3
STABLE = 0.24 * MINUTES_PER_DAY  # rho = 0.8


def write(tmp_path: Path, template: str, **fields: object) -> Scenario:
    """Write a scenario from a template into ``tmp_path`` and load it."""
    path = tmp_path / f"{fields['name']}.toml"
    path.write_text(template.format(**fields), encoding="utf-8")
    return load_scenario(path)


def hall(tmp_path: Path, name: str, applicants: float, at_closing: str = "serve", warm_up: int = 0) -> Scenario:
    return write(tmp_path, HALL, name=name, applicants=applicants, at_closing=at_closing, warm_up=warm_up)


def around_the_clock(tmp_path: Path, name: str, applicants: float, hours: str = FLAT) -> Scenario:
    return write(tmp_path, AROUND_THE_CLOCK, name=name, applicants=applicants, hours=hours)


def recount(scenario: Scenario, busy: np.ndarray, opened: np.ndarray, windows: int) -> tuple[float, float, int]:
    """Day by day over the window: staffed busy and overtime window-minutes, and open days (plain Python)."""
    staffed_busy = overtime = 0.0
    open_days = 0
    for day in range(scenario.run.warm_up_days, scenario.run.days):
        staffed = windows * float(opened[day])
        worked = float(busy[day])
        staffed_busy += min(worked, staffed)
        overtime += worked - staffed if worked > staffed else 0.0
        open_days += opened[day] > 0
    return staffed_busy, overtime, open_days


def waiting_at_end(scenario: Scenario, visits: dict[str, np.ndarray]) -> int:
    """Applicants' window visits that arrived before the last arrival day ended and had not started (a loop)."""
    end = scenario.run.days * MINUTES_PER_DAY
    window = {VisitKind.INTAKE, VisitKind.REWORK, VisitKind.PICKUP}
    rows = zip(visits["kind"].tolist(), visits["arrival"].tolist(), visits["start"].tolist(), strict=True)
    return sum(1 for kind, arrival, start in rows if kind in window and arrival < end and start >= end)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_overloaded_office_serving_past_closing_has_utilisation_at_most_1_and_overtime(tmp_path, engine):
    scenario = hall(tmp_path, "overloaded", applicants=150)
    result = run_replication(scenario, 0, engine=engine)
    figures = replication_figures(scenario, result)
    busy, opened = result.busy_area[0], result.open_minutes[0]
    staffed_busy, overtime, open_days = recount(scenario, busy, opened, windows=3)
    staffed = 3 * float(opened.sum())
    assert float(busy.sum()) / staffed > 1.5  # what "utilisation" used to report
    for scope in ("Hall", TOTAL):
        assert figures[(scope, "utilisation")] <= 1.0
        assert figures[(scope, "utilisation")] == pytest.approx(staffed_busy / staffed, rel=1e-12)
        assert figures[(scope, "overtime_hours_per_open_day")] == pytest.approx(overtime / 60 / open_days, rel=1e-12)
    assert figures[(TOTAL, "overtime_hours_per_open_day")] > 10  # window-hours a day beyond the 19.5 staffed
    assert figures[(TOTAL, "peak_office_utilisation")] <= 1.0
    assert figures[(TOTAL, "queue_at_end")] == 0  # the clerks had served everyone before midnight


@pytest.mark.parametrize("engine", ENGINES)
def test_daily_rows_and_periods_split_busy_time_the_same_way(tmp_path, engine):
    scenario = hall(tmp_path, "overloaded", applicants=150)
    result = run_replication(scenario, 0, engine=engine)
    at = DAILY_COLUMNS.index
    days = 0
    for row in daily_rows(scenario, result):
        day = (np.datetime64(row[at("date")]) - np.datetime64(scenario.run.start)).astype(int)
        worked, staffed = float(result.busy_area[0, day]), 3 * float(result.open_minutes[0, day])
        assert row[at("overtime_hours")] == pytest.approx(max(worked - staffed, 0.0) / 60, abs=1e-12)
        if staffed > 0:
            assert row[at("utilisation")] == pytest.approx(min(worked, staffed) / staffed, rel=1e-12)
            days += row[at("overtime_hours")] > 0
    assert days >= 8  # overtime on (nearly) every working day of the two weeks
    whole = replication_figures(scenario, result)
    one = period_figures(scenario, result, np.zeros(scenario.run.days, dtype=np.int64), 1)
    for scope in ("Hall", TOTAL):
        for name in ("utilisation", "overtime_hours_per_open_day"):
            assert one[(scope, name)][0] == pytest.approx(whole[(scope, name)], rel=1e-12), (scope, name)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_underloaded_office_has_no_overtime_and_its_old_utilisation(tmp_path, engine):
    scenario = hall(tmp_path, "underloaded", applicants=50, warm_up=2)
    result = run_replication(scenario, 0, engine=engine)
    figures = replication_figures(scenario, result)
    window = slice(scenario.run.warm_up_days, scenario.run.days)
    v = result.visits
    assert np.any(v["end"] % MINUTES_PER_DAY > 17.5 * 60)  # the clerks do finish past closing sometimes
    before = float(result.busy_area[0, window].sum()) / (3 * float(result.open_minutes[0, window].sum()))
    assert 0.3 < before < 1
    for scope in ("Hall", TOTAL):
        assert figures[(scope, "overtime_hours_per_open_day")] == 0.0
        assert figures[(scope, "utilisation")] == pytest.approx(before, rel=1e-12)
    assert load_warnings(scenario) == []


def test_the_backlog_that_comes_back_the_next_day_is_unbounded_but_one_served_past_closing_is_not(tmp_path):
    served = peak_loads(hall(tmp_path, "served", applicants=150))[0]
    sent_home = peak_loads(hall(tmp_path, "sent_home", applicants=150, at_closing="return_next_day"))[0]
    assert served.mean_utilisation == sent_home.mean_utilisation > 1
    assert (served.unbounded, sent_home.unbounded) == (False, True)
    assert (served.never_closes, sent_home.never_closes) == (False, False)
    (line,) = load_warnings(hall(tmp_path, "sent_home", applicants=150, at_closing="return_next_day"))
    assert "comes back the next day" in line
    assert "without bound" in line
    (line,) = load_warnings(hall(tmp_path, "served", applicants=150))
    assert line.endswith("the queue grows until closing")


@pytest.fixture(scope="module")
def unstable(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return around_the_clock(tmp_path_factory.mktemp("unstable"), "unstable", applicants=UNSTABLE)


def test_an_office_that_never_closes_is_warned_that_its_queue_grows_without_bound(unstable):
    (line,) = load_warnings(unstable)
    assert "rho = 1.30 >= 1" in line
    assert "never closes" in line
    assert "grows without bound over the run" in line
    assert "depend on its horizon (no steady state)" in line
    assert "until closing" not in line
    (peak,) = peak_loads(unstable)
    assert peak.never_closes
    assert peak.unbounded
    assert peak.mean_utilisation == pytest.approx(1.3, rel=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_queue_at_end_is_the_count_of_visits_not_started_when_the_last_day_ended(unstable, engine):
    result = run_replication(unstable, 0, engine=engine)
    figures = replication_figures(unstable, result)
    counted = waiting_at_end(unstable, result.visits)
    # the queue grows about 0.09 a minute over 21 days
    assert 0.5 * 0.09 * MINUTES_PER_DAY * 21 < counted < 1.5 * 0.09 * MINUTES_PER_DAY * 21
    assert figures[("M/M/3", "queue_at_end")] == figures[(TOTAL, "queue_at_end")] == counted
    assert figures[(TOTAL, "queue_at_end")] > 1.2 * figures[(TOTAL, "queue_length_mean")]  # it ends above its mean


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unstable_office_gets_a_caveat_with_its_queue_at_the_end(unstable, engine):
    experiment = run_experiment(unstable, engine=engine)
    queued = experiment.summary[("M/M/3", "queue_at_end")]
    assert queued.mean > 1000
    (line,) = caveats(experiment)
    assert line.startswith("caveat: office 'M/M/3' is unstable (rho 1.30 at its busiest hour, 1.30 over the week)")
    assert f"{queued.mean:,.0f} ± {queued.half_width:,.0f} applicants' visits were still waiting" in line
    assert line.endswith("its means depend on the horizon, there is no steady state")


def test_the_report_lists_the_caveats_under_the_warnings(unstable, tmp_path):
    experiment = run_experiment(unstable)
    folder = save_experiment(experiment, tmp_path / "run")
    page = write_report(folder).read_text(encoding="utf-8")
    listed = re.search(r'<ul class="warnings caveats">(.*?)</ul>', page)
    assert listed is not None
    shown = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1))]
    assert shown == caveats(experiment)
    assert page.index("grows without bound over the run") < listed.start()


@pytest.mark.parametrize("engine", ENGINES)
def test_stable_offices_have_no_caveat(tmp_path, engine):
    stable = around_the_clock(tmp_path, "stable", applicants=STABLE)
    experiment = run_experiment(stable, engine=engine)
    assert experiment.summary[("M/M/3", "utilisation")].mean < 0.9
    assert experiment.summary[("M/M/3", "queue_at_end")].mean > 0  # a few still waiting: not a caveat by itself
    assert caveats(experiment) == []
    assert load_warnings(stable) == []
    closing = hall(tmp_path, "closing", applicants=50)
    assert caveats(run_experiment(closing, engine=engine)) == []


def test_a_queue_that_grew_at_an_office_that_never_closes_is_a_caveat_without_the_analytic_flag(tmp_path):
    stable = around_the_clock(tmp_path, "stable", applicants=STABLE)
    grew = {("M/M/3", "queue_at_end"): Estimate(50.0, 5.0, 5), ("M/M/3", "queue_length_mean"): Estimate(20.0, 2.0, 5)}
    (line,) = summary_caveats(stable, grew)
    assert line.startswith("caveat: office 'M/M/3' never closes and its queue grew over the run: 50 ± 5 ")
    drawn = {("M/M/3", "queue_at_end"): Estimate(3.0, 1.6, 20), ("M/M/3", "queue_length_mean"): Estimate(2.5, 0.1, 20)}
    assert summary_caveats(stable, drawn) == []  # a stable office ends with a few waiting: no caveat
    closing = hall(tmp_path, "closing", applicants=50)
    assert summary_caveats(closing, {("Hall", k): v for (_, k), v in grew.items()}) == []


def test_an_office_that_never_closes_but_is_overloaded_only_at_its_peak_drains(tmp_path):
    peaked = ", ".join(["3" if hour == 10 else "1" for hour in range(24)])
    scenario = around_the_clock(tmp_path, "peaked", applicants=STABLE, hours=peaked)
    (peak,) = peak_loads(scenario)
    assert peak.queue.utilisation >= 1 > peak.mean_utilisation
    (line,) = load_warnings(scenario)
    assert "drains after them" in line
    assert "without bound" not in line
    assert summary_caveats(scenario, {}) == []
