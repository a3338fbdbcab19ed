"""Loading valid scenarios: extends chains merge deeply, paths resolve from the file that wrote them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec
from tests.conftest import SCENARIOS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_shipped_scenarios_load():
    s = load_scenario(SCENARIOS / "single_office.toml")
    assert s.name == "single_office"
    assert s.offices[0].windows == 3
    assert s.offices[0].hours.weekdays == ((540.0, 720.0), (840.0, 1050.0))
    assert s.offices[0].intake_minutes == DistSpec("lognormal", mean=12.0, cv=0.4)
    assert s.offices[0].background_per_day == 25.0
    assert (dt.date(2022, 10, 1), "holiday") in s.holidays
    assert (dt.date(2022, 10, 8), "workday") in s.holidays
    m = load_scenario(SCENARIOS / "mmc_check.toml")
    assert m.holidays == ()
    assert m.run.days == 70


def test_extends_merges_tables_and_resolves_paths_from_their_own_file(tmp_path):
    holidays = (SCENARIOS / "data" / "holidays_cn.csv").read_text()
    write(tmp_path / "base" / "data" / "h.csv", holidays)
    write(
        tmp_path / "base" / "base.toml",
        """
[run]
start = 2022-09-01
end = 2022-09-30
replications = 5
[calendar]
holidays = "data/h.csv"
[office]
windows = 2
hours = { weekdays = ["09:00-12:00"] }
applicants_per_day = 10
intake_minutes = { dist = "exponential", mean = 10 }
background = { per_window_day = 5, minutes = { dist = "deterministic", mean = 4 } }
""",
    )
    child = write(
        tmp_path / "child.toml",
        """
extends = "base/base.toml"
[run]
replications = 7
[office]
windows = 4
[[offices]]
name = "A"
[[offices]]
name = "B"
windows = 1
at_closing = "return_next_day"
""",
    )
    s = load_scenario(child)
    assert s.name == "child"
    assert s.run.replications == 7
    assert s.run.start == dt.date(2022, 9, 1)  # kept from the base
    assert [o.windows for o in s.offices] == [4, 1]
    assert [o.background_per_day for o in s.offices] == [20.0, 5.0]  # per window day x windows
    assert [o.at_closing for o in s.offices] == ["serve", "return_next_day"]
    assert (dt.date(2022, 10, 1), "holiday") in s.holidays
    assert s.resolved["run"] == {"start": "2022-09-01", "end": "2022-09-30", "replications": 7}


def test_an_extending_file_can_switch_a_distribution_family(tmp_path):
    base = (SCENARIOS / "mmc_check.toml").read_text()
    write(tmp_path / "base.toml", base)
    child = write(
        tmp_path / "child.toml",
        'extends = "base.toml"\n[office]\nintake_minutes = { dist = "lognormal", mean = 10, cv = 0.5 }\n',
    )
    assert load_scenario(child).offices[0].intake_minutes == DistSpec("lognormal", mean=10.0, cv=0.5)


def test_an_extending_file_replaces_origins_and_hours_whole(tmp_path):
    base = (SCENARIOS / "two_provinces.toml").read_text().replace('extends = "single_office.toml"', "")
    single = (SCENARIOS / "single_office.toml").read_text().replace('"data/holidays_cn.csv"', '"h.csv"')
    write(tmp_path / "h.csv", (SCENARIOS / "data" / "holidays_cn.csv").read_text())
    write(tmp_path / "single.toml", single)
    write(tmp_path / "two.toml", 'extends = "single.toml"\n' + base)
    child = write(
        tmp_path / "child.toml",
        'extends = "two.toml"\n[office]\norigins = { Anhui = 1 }\nhours = { weekend = ["10:00-12:00"] }\n',
    )
    office = load_scenario(child).offices[0]
    assert office.origins == (("Anhui", 1.0),)
    assert office.hours.weekdays == ()
    assert office.hours.weekend == ((600.0, 720.0),)


def test_a_key_required_by_the_extending_file_is_asked_of_it(tmp_path):
    write(tmp_path / "base.toml", (SCENARIOS / "mmc_check.toml").read_text())
    child = write(
        tmp_path / "child.toml",
        'extends = "base.toml"\n[verification]\nreviewers = 1\nhours = { weekdays = ["09:00-17:00"] }\n'
        'review_minutes = { dist = "exponential", mean = 20 }\nlinked_from = "start"\n'
        'latency_minutes = { dist = "exponential", mean = 5 }\n[[provinces]]\nname = "Anhui"\n',
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(child)
    assert error.value.key == "offices[0].origins"
    assert Path(error.value.file).name == "child.toml"
