"""The history scenario follows DOMAIN.md's dated facts: enabling dates of (hukou province, destination) pairs.

Each expected date below is a date DOMAIN.md's timeline gives ([S] unless tagged), read through the schedule module
(:func:`sim.world.schedule.enabled_days`), not a simulation. Dates tagged [E] are the documented assumptions of
``scenarios/history.toml``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from sim.scenario.load import load_scenario
from sim.world.schedule import OTHER, PILOT, enabled_days
from tests.conftest import SCENARIOS

HISTORY = load_scenario(SCENARIOS / "history.toml")
GEO = HISTORY.geography
assert GEO is not None
DAYS = enabled_days(GEO, HISTORY.phases)
PROVINCES = [p.name for p in GEO.provinces]
CITIES = [c.name for c in GEO.cities]
NATIONWIDE = dt.date(2024, 5, 27)


def enabled(hukou: str, city: str, kind: int = OTHER) -> dt.date | None:
    """The first day people with ``hukou`` may apply in ``city`` (None: never)."""
    day = DAYS[PROVINCES.index(hukou), kind, CITIES.index(city)]
    return None if np.isinf(day) else HISTORY.run.start + dt.timedelta(days=int(day))


def accepted_by(province: str, on: dt.date) -> set[str]:
    """Hukou provinces whose people may apply in every city of ``province`` on ``on``."""
    day = (on - HISTORY.run.start).days
    cities = [k for k, c in enumerate(GEO.cities) if c.province == province]
    return {p for k, p in enumerate(PROVINCES) if (DAYS[k, OTHER, cities] <= day).all()}


@pytest.mark.parametrize(
    ("hukou", "city", "date"),
    [
        ("Anhui", "Shanghai", dt.date(2021, 10, 20)),  # Yangtze Delta pilot units, all of Shanghai
        ("Zhejiang", "Nanjing", dt.date(2021, 10, 20)),
        ("Jiangxi", "Fuzhou", dt.date(2021, 10, 20)),  # Fujian-Jiangxi trial [M] date, [L] city
        ("Chongqing", "Chengdu", dt.date(2021, 11, 1)),  # Sichuan pilot cities, Oct/Nov 2021
        ("Guizhou", "Dazhou", dt.date(2021, 11, 1)),
        ("Hebei", "Beijing", dt.date(2021, 11, 1)),  # Beijing-Tianjin-Hebei pilot [E]
        ("Hunan", "Guangzhou", dt.date(2021, 11, 1)),  # Guangdong-Hunan pilot [E]
        ("Anhui", "Wuxi", dt.date(2021, 12, 1)),  # Yangtze Delta region-wide report
        ("Jiangxi", "Xiamen", dt.date(2022, 8, 1)),  # nine provinces whole region
        ("Guizhou", "Mianyang", dt.date(2022, 8, 1)),
        ("Henan", "Chengdu", dt.date(2022, 10, 17)),  # Sichuan accepts 14 more provinces
        ("Inner Mongolia", "Mianyang", dt.date(2022, 10, 17)),
        ("Henan", "Xiangyang", dt.date(2022, 11, 16)),  # Hubei fully open
        ("Hunan", "Foshan", dt.date(2023, 1, 16)),  # Guangdong pilots, "early 2023" [E date]
        ("Hunan", "Zhongshan", dt.date(2023, 1, 16)),
        ("Hunan", "Dongguan", dt.date(2023, 3, 31)),  # Guangdong province-wide
        ("Henan", "Baotou", dt.date(2023, 5, 25)),  # Inner Mongolia, all 12 leagues and cities
        ("Beijing", "Shanghai", NATIONWIDE),  # nationwide; Beijing's hukou had not started [L]
        ("Hebei", "Chengdu", NATIONWIDE),
        ("Tianjin", "Guangzhou", NATIONWIDE),
        ("Henan", "Beijing", NATIONWIDE),
    ],
)
def test_documented_pairs_open_on_their_dates(hukou, city, date):
    assert enabled(hukou, city) == date


def test_pairs_within_a_province_never_open():
    assert enabled("Sichuan", "Chengdu") is None
    assert enabled("Guangdong", "Shenzhen") is None


def test_sichuan_accepts_2_provinces_then_16():
    """2021-11: Chongqing and Guizhou; 2022-10-17: 14 more, 16 in all [S]."""
    before = accepted_by("Sichuan", dt.date(2022, 10, 16))
    assert before == {"Chongqing", "Guizhou"}
    after = accepted_by("Sichuan", dt.date(2022, 10, 17))
    assert len(after) == 16
    assert after - before == {
        "Inner Mongolia", "Liaoning", "Jilin", "Heilongjiang", "Anhui", "Fujian", "Shandong", "Henan", "Hubei",
        "Hunan", "Guangxi", "Yunnan", "Tibet", "Shaanxi",
    }  # fmt: skip


def test_inner_mongolia_is_linked_with_27_provinces_on_2023_05_25():
    linked = accepted_by("Inner Mongolia", dt.date(2023, 5, 25))
    assert len(linked) == 27
    assert not accepted_by("Inner Mongolia", dt.date(2023, 5, 24))  # the leagues outside Hohhot were closed
    assert set(PROVINCES) - linked == {"Inner Mongolia", "Beijing", "Tianjin", "Hebei"}


def test_the_nationwide_phase_enables_what_was_left():
    """Every inter-provincial pair is open by 2024-05-27, and the last phase still opens some (not a no-op)."""
    day = (NATIONWIDE - HISTORY.run.start).days
    other = np.array([[c.province != p for c in GEO.cities] for p in PROVINCES])
    for kind in (PILOT, OTHER):
        assert (DAYS[:, kind, :][other] <= day).all()
    assert (DAYS[:, OTHER, :][other] == day).sum() > 1000
    assert np.isinf(DAYS[:, OTHER, :][~other]).all()


def test_the_late_three_apply_nowhere_outside_their_region_before_nationwide():
    day = (NATIONWIDE - HISTORY.run.start).days
    region = {p.name: p.region for p in GEO.provinces}
    for hukou in ("Beijing", "Tianjin", "Hebei"):
        outside = [k for k, c in enumerate(GEO.cities) if region[c.province] != "BTH"]
        assert (DAYS[PROVINCES.index(hukou), OTHER, outside] == day).all()


def _validate(tmp_path, phase: str) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "{(SCENARIOS / "base" / "china.toml").as_posix()}"\nname = "s"\n'
        "[run]\nstart = 2022-01-01\nend = 2022-12-31\n" + phase
    )
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(scenario)], capture_output=True, text=True, check=False
    )


def test_join_names_provinces(tmp_path):
    done = _validate(tmp_path, '[[phase]]\nstart = 2022-02-01\njoin = ["Henan", "Hubie"]\n')
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "phase[0].join[1]" in done.stderr
    assert 'did you mean "Hubei"' in done.stderr


def test_a_phase_needs_open_unless_it_joins(tmp_path):
    done = _validate(tmp_path, '[[phase]]\nstart = 2022-02-01\naccept = "network"\n')
    assert done.returncode == 2
    assert "phase[0].open" in done.stderr
    ok = _validate(tmp_path, '[[phase]]\nstart = 2022-02-01\njoin = ["Henan"]\n')
    assert ok.returncode == 0, ok.stderr


def test_network_admits_only_joined_provinces(tmp_path):
    """A city accepting ``network`` admits a province from the day it joins, and no other."""
    phases = (
        '[[phase]]\nstart = 2022-01-10\nopen = { cities = ["Wuhan"] }\naccept = "network"\n'
        '[[phase]]\nstart = 2022-02-01\njoin = ["Henan"]\n'
    )
    path = tmp_path / "n.toml"
    path.write_text(
        f'extends = "{(SCENARIOS / "base" / "china.toml").as_posix()}"\nname = "n"\n'
        "[run]\nstart = 2022-01-01\nend = 2022-12-31\n" + phases
    )
    s = load_scenario(path)
    assert s.geography is not None
    days = enabled_days(s.geography, s.phases)
    wuhan = [c.name for c in s.geography.cities].index("Wuhan")
    names = [p.name for p in s.geography.provinces]
    assert days[names.index("Henan"), OTHER, wuhan] == 31  # 2022-02-01
    others = [k for k, p in enumerate(names) if p not in ("Henan", "Hubei")]
    assert np.isinf(days[others, OTHER, wuhan]).all()
