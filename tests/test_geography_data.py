"""Checks on the shipped geography tables ``scenarios/data/{provinces,regions,cities}.csv``.

The tables are read with the standard library only. ``scenarios/data/SOURCES.md`` says where every
figure comes from; these tests check the tables against each other and against the published totals.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "scenarios" / "data"
PROVINCE_COLUMNS = [
    "code",
    "name_zh",
    "name_en",
    "region",
    "population",
    "interprov_in",
    "interprov_out",
    "prefectures",
    "capital_lon",
    "capital_lat",
    "source",
]
REGION_COLUMNS = ["code", "name_en", "name_zh", "provinces", "source"]
CITY_COLUMNS = ["code", "province", "name_zh", "name_en", "population", "pilot", "source"]

INTERPROV_IN_TOTAL = 124_837_153  # 2020 census: residents whose hukou is in another province
CENSUS_TOTAL_31 = 1_409_778_724  # 2020 census, 31 provinces (active servicemen excluded)
# Cities must partition each province exactly (see SOURCES.md, "cities.csv"): tolerance 0 persons.
POPULATION_TOLERANCE = 0
REGIONS = {
    "BTH": {"Beijing", "Tianjin", "Hebei"},
    "YRD": {"Shanghai", "Jiangsu", "Zhejiang", "Anhui"},
    "MinGan": {"Fujian", "Jiangxi"},
    "YueXiang": {"Guangdong", "Hunan"},
    "ChuanYuQian": {"Sichuan", "Chongqing", "Guizhou"},
}
MUNICIPALITIES = {"Beijing", "Tianjin", "Shanghai", "Chongqing"}
# One extra row per province for the county-level units directly under the province (code xx90xx).
EXTRA_ROWS = {"Henan": "419001", "Hubei": "429000", "Hainan": "469000", "Xinjiang": "659000"}
PILOT_CITIES = {
    ("Shanghai", "Shanghai"),
    ("Jiangsu", "Nanjing"),
    ("Jiangsu", "Suzhou"),
    ("Jiangsu", "Yancheng"),
    ("Zhejiang", "Jiaxing"),
    ("Zhejiang", "Shaoxing"),
    ("Zhejiang", "Taizhou"),
    ("Anhui", "Hefei"),
    ("Anhui", "Suzhou (Anhui)"),
    ("Anhui", "Huangshan"),
    ("Sichuan", "Chengdu"),
    ("Sichuan", "Dazhou"),
    ("Fujian", "Fuzhou"),
    # [E]: the 2021 Beijing-Tianjin-Hebei and Guangdong-Hunan pilots existed, their cities are not published
    ("Beijing", "Beijing"),
    ("Tianjin", "Tianjin"),
    ("Hebei", "Shijiazhuang"),
    ("Guangdong", "Guangzhou"),
    ("Hunan", "Changsha"),
}


def _read(name: str, columns: list[str]) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == columns
        return list(reader)


PROVINCES = _read("provinces.csv", PROVINCE_COLUMNS)
REGION_ROWS = _read("regions.csv", REGION_COLUMNS)
CITIES = _read("cities.csv", CITY_COLUMNS)
PROVINCE_BY_NAME = {row["name_en"]: row for row in PROVINCES}


def _is_extra(city: dict[str, str]) -> bool:
    return city["code"][2:4] == "90"


# ---------------------------------------------------------------- provinces


def test_31_provinces_with_unique_codes_and_names() -> None:
    assert len(PROVINCES) == 31
    for column in ("code", "name_zh", "name_en"):
        assert len({row[column] for row in PROVINCES}) == 31, column


def test_interprov_in_sums_to_census_total() -> None:
    assert sum(int(row["interprov_in"]) for row in PROVINCES) == INTERPROV_IN_TOTAL


def test_population_sums_to_census_total() -> None:
    assert sum(int(row["population"]) for row in PROVINCES) == CENSUS_TOTAL_31


def test_prefecture_counts_sum_to_333_and_municipalities_have_none() -> None:
    assert sum(int(row["prefectures"]) for row in PROVINCES) == 333
    assert {row["name_en"] for row in PROVINCES if row["prefectures"] == "0"} == MUNICIPALITIES


def test_interprov_out_known_only_for_henan_and_anhui() -> None:
    known = {row["name_en"]: int(row["interprov_out"]) for row in PROVINCES if row["interprov_out"]}
    assert known == {"Henan": 16_100_000, "Anhui": 11_520_000}


def test_region_codes_and_capitals() -> None:
    assert {row["region"] for row in PROVINCES} == {*REGIONS, "other"}
    for row in PROVINCES:
        assert 73 < float(row["capital_lon"]) < 135, row["name_en"]
        assert 18 < float(row["capital_lat"]) < 54, row["name_en"]


# ---------------------------------------------------------------- regions


def test_regions_cover_exactly_the_14_pilot_provinces() -> None:
    listed = {row["code"]: set(row["provinces"].split(";")) for row in REGION_ROWS}
    assert listed == REGIONS
    members = [name for names in listed.values() for name in names]
    assert len(members) == len(set(members)) == 14
    assert set(members) <= set(PROVINCE_BY_NAME)
    for code, names in REGIONS.items():
        assert {row["name_en"] for row in PROVINCES if row["region"] == code} == names


# ---------------------------------------------------------------- cities


def test_city_codes_and_english_names_are_unique() -> None:
    for column in ("code", "name_en"):
        counts = Counter(row[column] for row in CITIES)
        assert [value for value, count in counts.items() if count > 1] == [], column


def test_city_codes_are_six_digits_within_their_province() -> None:
    for row in CITIES:
        assert len(row["code"]) == 6, row
        assert row["code"].isdigit(), row
        assert row["code"][:2] == PROVINCE_BY_NAME[row["province"]]["code"], row


def test_every_city_province_exists() -> None:
    assert {row["province"] for row in CITIES} == set(PROVINCE_BY_NAME)


def test_extra_rows_are_the_documented_ones() -> None:
    assert {row["province"]: row["code"] for row in CITIES if _is_extra(row)} == EXTRA_ROWS


@pytest.mark.parametrize("province", [row["name_en"] for row in PROVINCES])
def test_units_per_province_match_prefecture_count(province: str) -> None:
    units = [row for row in CITIES if row["province"] == province]
    prefectures = int(PROVINCE_BY_NAME[province]["prefectures"])
    expected = 1 if province in MUNICIPALITIES else prefectures + (province in EXTRA_ROWS)
    assert len(units) == expected
    assert sum(not _is_extra(row) for row in units) == max(prefectures, 1)


def test_total_units() -> None:
    assert len(CITIES) == 333 + len(MUNICIPALITIES) + len(EXTRA_ROWS)


@pytest.mark.parametrize("province", [row["name_en"] for row in PROVINCES])
def test_city_populations_sum_to_province(province: str) -> None:
    total = sum(int(row["population"]) for row in CITIES if row["province"] == province)
    assert abs(total - int(PROVINCE_BY_NAME[province]["population"])) <= POPULATION_TOLERANCE


def test_city_populations_are_positive_integers() -> None:
    for row in CITIES:
        assert row["population"].isdigit(), row
        assert int(row["population"]) > 0, row


def test_municipalities_are_one_unit_with_the_province_population() -> None:
    for name in MUNICIPALITIES:
        (row,) = [row for row in CITIES if row["province"] == name]
        assert row["name_en"] == name
        assert row["population"] == PROVINCE_BY_NAME[name]["population"]


def test_spot_check_city_populations() -> None:
    by_code = {row["code"]: row for row in CITIES}
    assert by_code["320500"]["name_en"] == "Suzhou"
    assert by_code["320500"]["population"] == "12748262"
    assert by_code["341300"]["name_en"] == "Suzhou (Anhui)"
    assert by_code["341300"]["population"] == "5324476"
    assert by_code["510100"]["population"] == "20937757"  # Chengdu
    assert by_code["440100"]["population"] == "18676605"  # Guangzhou


def test_duplicate_names_are_disambiguated() -> None:
    names = {(row["province"], row["name_en"]) for row in CITIES}
    expected = {
        ("Jiangsu", "Suzhou"),
        ("Anhui", "Suzhou (Anhui)"),
        ("Zhejiang", "Taizhou"),
        ("Jiangsu", "Taizhou (Jiangsu)"),
        ("Jiangxi", "Yichun"),
        ("Heilongjiang", "Yichun (Heilongjiang)"),
        ("Fujian", "Fuzhou"),
        ("Jiangxi", "Fuzhou (Jiangxi)"),
        ("Guangxi", "Yulin"),
        ("Shaanxi", "Yulin (Shaanxi)"),
    }
    assert expected <= names


def test_pilot_cities_are_flagged() -> None:
    assert {row["pilot"] for row in CITIES} == {"0", "1"}
    flagged = {(row["province"], row["name_en"]) for row in CITIES if row["pilot"] == "1"}
    assert flagged == PILOT_CITIES


# ---------------------------------------------------------------- sources


@pytest.mark.parametrize("rows", [PROVINCES, REGION_ROWS, CITIES], ids=["provinces", "regions", "cities"])
def test_every_row_has_a_source(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["source"].strip(), row
