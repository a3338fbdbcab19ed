"""The data tables a scenario names (provinces, cities, migration, holidays) are checked as strictly as the scenario.

Each case writes a small valid set of tables (three provinces, five cities, the 3 x 3 migration table, a holiday
calendar) into a temporary folder, breaks one table in one way and loads a scenario that names them. A broken table
gives exactly one line, ``FILE: PLACE: RULE, got VALUE``, compared exactly; an accepted variant loads, and one that
only writes the same data differently (byte-order mark, CRLF line ends, trailing blank rows, optional columns left
out: ``SAME_AS_VALID``) loads to the very data of the valid tables. The cases in ``CLI_TOO`` run
through the real command line in a subprocess (``validate``: exit 2, that one line on stderr, nothing on stdout, no
traceback); the others through :func:`load_scenario`, from the folder, so the files are named as on the command line.
Last, every shipped scenario (and so every shipped table) still loads.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
EXIT_BAD_INPUT = 2
TIMEOUT_SECONDS = 60

SCENARIO = """\
name = "tables"

[run]
start = 2023-01-02
end = 2023-01-08
replications = 1

[calendar]
holidays = "holidays.csv"

[data]
provinces = "provinces.csv"
cities = "cities.csv"
migration = "migration.csv"

[demand]
applications_per_migrant_year = 0.002
hour_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]

[office]
per = "prefecture"
windows = 2
hours = { weekdays = ["09:00-12:00", "14:00-17:30"] }
intake_minutes = { dist = "lognormal", mean = 13, cv = 0.4 }

[verification]
reviewers = 2
hours = { weekdays = ["08:30-12:00", "14:00-17:30"] }
review_minutes = { dist = "lognormal", mean = 20, cv = 0.8 }
latency_minutes = { dist = "exponential", mean = 5 }
linked_from = "start"
"""

TABLES = {
    "provinces": """\
code,name_zh,name_en,region,population,interprov_in,interprov_out,prefectures,capital_lon,capital_lat,source
31,上海市,Shanghai,YRD,24870895,10479652,,0,121.4333333,31.2,test data
32,江苏省,Jiangsu,YRD,84748016,10308610,,2,118.7833333,32.05,test data
51,四川省,Sichuan,ChuanYuQian,83674866,2589614,,2,104.0666667,30.66666667,test data
""",
    "cities": """\
code,province,name_zh,name_en,population,pilot,source
310000,Shanghai,上海市,Shanghai,24870895,1,test data
320100,Jiangsu,南京市,Nanjing,9314685,1,test data
320500,Jiangsu,苏州市,Suzhou,12748262,0,test data
510100,Sichuan,成都市,Chengdu,20937757,1,test data
510700,Sichuan,绵阳市,Mianyang,4868243,0,test data
""",
    "migration": """\
origin,destination,migrants,method
Shanghai,Jiangsu,120000,test data
Shanghai,Sichuan,15000,test data
Jiangsu,Shanghai,1800000,test data
Jiangsu,Sichuan,60000,test data
Sichuan,Shanghai,900000,test data
Sichuan,Jiangsu,700000,test data
""",
    "holidays": """\
date,kind,name,source
2023-01-01,holiday,New Year's Day,test
2023-01-02,holiday,New Year's Day,test
2023-01-28,workday,Spring Festival,test
2023-01-29,workday,Spring Festival,test
""",
}

Edit = Callable[[str], str | bytes]
"""Turns a valid table's text into the broken file's text (or bytes)."""


def sub(old: str, new: str) -> Edit:
    """Replace the first ``old`` (which must occur) by ``new``."""

    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def append(line: str) -> Edit:
    """Add a row at the end."""
    return lambda text: text + line + "\n"


def drop(word: str) -> Edit:
    """Remove every row holding ``word``."""
    return lambda text: "".join(line for line in text.splitlines(keepends=True) if word not in line)


def column(cells: str, header: str) -> Edit:
    """Add a column: ``header`` to the header and ``cells`` to every data row."""

    def edit(text: str) -> str:
        first, *rest = text.splitlines()
        return "".join(f"{line}\n" for line in [f"{first},{header}", *(f"{row},{cells}" for row in rest)])

    return edit


def keep(*names: str) -> Edit:
    """Keep only the columns ``names``, in that order."""

    def edit(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text)))
        at = [rows[0].index(name) for name in names]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([[row[i] for i in at] for row in rows])
        return out.getvalue()

    return edit


def header_only(text: str) -> str:
    return text.splitlines(keepends=True)[0]


def blank_row_3(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:2], "\n", *lines[2:]])


def utf8_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def gbk_row_2(text: str) -> bytes:
    """The Chinese name of row 2 saved in GBK, as spreadsheet programs in China do by default."""
    return text.encode("utf-8").replace("上海市".encode(), "上海市".encode("gbk"), 1)


def latin1_byte(text: str) -> bytes:
    return text.encode("utf-8").replace(b"test", b"t\xe9st", 1)


SAME_AS_VALID = {"bom", "crlf", "trailing_blank_rows", "required_columns_only"}
"""Accepted variants that must read to the very data of the valid tables (the others change the data)."""


class Case(NamedTuple):
    """One variant of one table: its id, how it is made from the valid table, and the line expected (None: valid)."""

    id: str
    edit: Edit
    message: str | None


# Cases that also run through the real CLI in a subprocess: a representative subset (each costs ~1 s of start-up).
CLI_TOO = {
    "unknown_column_typo",
    "duplicate_column",
    "empty_file",
    "blank_row",
    "non_utf8_gbk",
    "population_nan",
    "capital_lon_outside_china",
    "duplicate_city",
    "cities_above_province",
    "missing_pair",
    "diagonal",
    "holiday_and_workday",
    "workday_on_weekday",
    "bom",
}

PROVINCES = [
    Case(
        "unknown_column_typo",
        sub("interprov_out", "interprov_uot"),
        'provinces.csv: header, column 7: unknown column (did you mean "interprov_out"?), got "interprov_uot"',
    ),
    Case(
        "extra_column",
        column("x", "notes"),
        "provinces.csv: header, column 12: unknown column (the columns are name_en, region, population, "
        'interprov_in, source, code, name_zh, interprov_out, prefectures, capital_lon, capital_lat), got "notes"',
    ),
    Case(
        "missing_column",
        sub(",region,", ","),
        'provinces.csv: header: missing column "region", '
        'got "code,name_zh,name_en,population,interprov_in,interprov_out,prefectures,capit...',
    ),
    Case(
        "duplicate_column",
        column("5", "population"),
        'provinces.csv: header, column 12: must be unique (also column 5), got "population"',
    ),
    Case(
        "empty_file",
        lambda text: "",
        "provinces.csv: header: must name the columns name_en, region, population, interprov_in, source, "
        "got an empty file",
    ),
    Case("header_only", header_only, "provinces.csv: rows: must list at least one province, got only the header"),
    Case("blank_row", blank_row_3, "provinces.csv: row 3: must not be blank (blank rows may only end the file)"),
    Case(
        "short_row", sub(",test data\n32", "\n32"), "provinces.csv: row 2: must have 11 cells, like the header, got 10"
    ),
    Case(
        "long_row",
        sub(",30.66666667,", ",30.66666667,,"),
        "provinces.csv: row 4: must have 11 cells, like the header, got 12",
    ),
    Case(
        "unclosed_quote",
        sub("32.05,test data", '32.05,"test data'),
        "provinces.csv: row 3: must be valid CSV (a quoted cell is never closed)",
    ),
    Case("nul_character", sub("32.05,test", "32.05,te\0st"), "provinces.csv: row 3: must be text, got a NUL character"),
    Case(
        "non_utf8_gbk",
        gbk_row_2,
        'provinces.csv: row 2: must be UTF-8 text, got the byte 0xC9 (save the file as "CSV UTF-8")',
    ),
    Case("empty_name", sub(",Jiangsu,", ",,"), 'provinces.csv: row 3, column name_en: must not be empty, got ""'),
    Case(
        "name_with_space",
        sub(",Jiangsu,", ",Jiangsu ,"),
        'provinces.csv: row 3, column name_en: must not start or end with a space, got "Jiangsu "',
    ),
    Case(
        "duplicate_province",
        sub(",Sichuan,", ",Jiangsu,"),
        'provinces.csv: row 4, column name_en: must be unique (also on row 3), got "Jiangsu"',
    ),
    Case(
        "empty_region", sub("Jiangsu,YRD", "Jiangsu,"), 'provinces.csv: row 3, column region: must not be empty, got ""'
    ),
    Case(
        "bad_region",
        sub("Jiangsu,YRD", "Jiangsu,Y R D"),
        "provinces.csv: row 3, column region: must be a region code (a letter, then letters, digits, '_' or '-'), "
        'got "Y R D"',
    ),
    Case(
        "population_empty", sub(",84748016,", ",,"), 'provinces.csv: row 3, column population: must be a number, got ""'
    ),
    Case(
        "population_text",
        sub(",84748016,", ",lots,"),
        'provinces.csv: row 3, column population: must be a number, got "lots"',
    ),
    Case(
        "population_nan",
        sub(",84748016,", ",nan,"),
        'provinces.csv: row 3, column population: must be a finite number, got "nan"',
    ),
    Case(
        "population_inf",
        sub(",84748016,", ",-inf,"),
        'provinces.csv: row 3, column population: must be a finite number, got "-inf"',
    ),
    Case(
        "population_zero",
        sub(",84748016,", ",0,"),
        'provinces.csv: row 3, column population: must be a number > 0 and <= 2000000000, got "0"',
    ),
    Case(
        "population_negative",
        sub(",84748016,", ",-5,"),
        'provinces.csv: row 3, column population: must be a number > 0 and <= 2000000000, got "-5"',
    ),
    Case(
        "population_huge",
        sub(",84748016,", ",1e300,"),
        'provinces.csv: row 3, column population: must be a number > 0 and <= 2000000000, got "1e300"',
    ),
    Case(
        "population_underscores",
        sub(",84748016,", ",84_748_016,"),
        'provinces.csv: row 3, column population: must be a number, got "84_748_016"',
    ),
    Case(
        "population_space",
        sub(",84748016,", ", 84748016,"),
        'provinces.csv: row 3, column population: must be a number, got " 84748016"',
    ),
    Case(
        "interprov_in_negative",
        sub(",10308610,", ",-1,"),
        'provinces.csv: row 3, column interprov_in: must be a number >= 0, got "-1"',
    ),
    Case(
        "interprov_in_above_population",
        sub(",10308610,", ",99999999,"),
        'provinces.csv: row 3, column interprov_in: must not exceed the population (84748016), got "99999999"',
    ),
    Case(
        "interprov_out_text",
        sub("10308610,,", "10308610,many,"),
        'provinces.csv: row 3, column interprov_out: must be a number, got "many"',
    ),
    Case(
        "prefectures_fraction",
        sub("10308610,,2,", "10308610,,2.5,"),
        'provinces.csv: row 3, column prefectures: must be an integer >= 0 and <= 1000, got "2.5"',
    ),
    Case(
        "capital_lon_outside_china",
        sub("118.7833333", "18.7833333"),
        "provinces.csv: row 3, column capital_lon: must be a number >= 73 and <= 136 (a longitude in China), "
        'got "18.7833333"',
    ),
    Case(
        "capital_lat_outside_china",
        sub("32.05", "-32.05"),
        'provinces.csv: row 3, column capital_lat: must be a number >= 3 and <= 54 (a latitude in China), got "-32.05"',
    ),
    Case(
        "code_not_two_digits",
        sub("32,江苏省", "3x,江苏省"),
        'provinces.csv: row 3, column code: must be a 2-digit code, got "3x"',
    ),
    Case(
        "code_duplicate",
        sub("32,江苏省", "31,江苏省"),
        'provinces.csv: row 3, column code: must be unique (also on row 2), got "31"',
    ),
    Case("name_zh_empty", sub("32,江苏省", "32,"), 'provinces.csv: row 3, column name_zh: must not be empty, got ""'),
    Case(
        "source_empty",
        sub("32.05,test data", "32.05,"),
        'provinces.csv: row 3, column source: must not be empty, got ""',
    ),
    Case("bom", utf8_bom, None),
    Case("crlf", crlf, None),
    Case("trailing_blank_rows", lambda text: text + "\n\n", None),
    Case("required_columns_only", keep("name_en", "region", "population", "interprov_in", "source"), None),
]

CITIES = [
    Case(
        "unknown_column_typo",
        sub("pilot", "pilto"),
        'cities.csv: header, column 6: unknown column (did you mean "pilot"?), got "pilto"',
    ),
    Case(
        "missing_column",
        sub(",population,", ","),
        'cities.csv: header: missing column "population", got "code,province,name_zh,name_en,pilot,source"',
    ),
    Case("header_only", header_only, "cities.csv: rows: must list at least one city, got only the header"),
    Case(
        "short_row",
        sub("9314685,1,test data", "9314685,1"),
        "cities.csv: row 3: must have 7 cells, like the header, got 6",
    ),
    Case(
        "unknown_province",
        sub("320100,Jiangsu", "320100,Jiangsou"),
        'cities.csv: row 3, column province: is not a province of the province table (did you mean "Jiangsu"?), '
        'got "Jiangsou"',
    ),
    Case(
        "duplicate_city",
        append("320600,Jiangsu,南通市,Suzhou,7000000,0,test data"),
        'cities.csv: row 7, column name_en: must be unique (also on row 4), got "Suzhou"',
    ),
    Case("pilot_yes", sub("9314685,1", "9314685,yes"), 'cities.csv: row 3, column pilot: must be 0 or 1, got "yes"'),
    Case("population_zero", sub("9314685", "0"), 'cities.csv: row 3, column population: must be a number > 0, got "0"'),
    Case(
        "population_negative",
        sub("9314685", "-9314685"),
        'cities.csv: row 3, column population: must be a number > 0, got "-9314685"',
    ),
    Case(
        "population_nan",
        sub("9314685", "NaN"),
        'cities.csv: row 3, column population: must be a finite number, got "NaN"',
    ),
    Case(
        "cities_above_province",
        sub("9314685", "79314685"),
        "cities.csv: row 4, column population: must keep the cities of Jiangsu within its population "
        '(84748016; with this row they reach 92062947), got "12748262"',
    ),
    Case(
        "code_five_digits",
        sub("320100,", "32010,"),
        'cities.csv: row 3, column code: must be a 6-digit code, got "32010"',
    ),
    Case(
        "code_other_province",
        sub("320100,", "510900,"),
        'cities.csv: row 3, column code: must start with 32, the code of Jiangsu, got "510900"',
    ),
    Case(
        "code_duplicate",
        sub("320100,", "320500,"),
        'cities.csv: row 4, column code: must be unique (also on row 3), got "320500"',
    ),
    Case(
        "source_empty",
        sub("9314685,1,test data", "9314685,1,"),
        'cities.csv: row 3, column source: must not be empty, got ""',
    ),
    Case(
        "non_utf8_latin1",
        latin1_byte,
        'cities.csv: row 2: must be UTF-8 text, got the byte 0xE9 (save the file as "CSV UTF-8")',
    ),
    # A province may have no city: it is then a hukou origin only (no office, no destination demand).
    Case("province_without_city", drop(",Sichuan,"), None),
    Case("required_columns_only", keep("province", "name_en", "population", "pilot", "source"), None),
    Case("bom", utf8_bom, None),
    Case("crlf", crlf, None),
]

MIGRATION = [
    Case(
        "unknown_column_typo",
        sub("migrants", "migrnats"),
        'migration.csv: header, column 3: unknown column (did you mean "migrants"?), got "migrnats"',
    ),
    Case(
        "extra_column",
        column("x", "note"),
        "migration.csv: header, column 5: unknown column (the columns are origin, destination, migrants, method), "
        'got "note"',
    ),
    Case(
        "missing_column",
        lambda text: text.replace(",method", "").replace(",test data", ""),
        'migration.csv: header: missing column "method", got "origin,destination,migrants"',
    ),
    Case(
        "missing_pair",
        drop("Sichuan,Jiangsu"),
        "migration.csv: rows: must have a row for every origin-destination pair of different provinces "
        '(migrants 0 if none), got none for "Sichuan,Jiangsu"',
    ),
    Case(
        "missing_province",
        drop("Sichuan"),
        "migration.csv: rows: must have a row for every origin-destination pair of different provinces "
        '(migrants 0 if none), got none for "Shanghai,Sichuan"',
    ),
    Case(
        "header_only",
        header_only,
        "migration.csv: rows: must have a row for every origin-destination pair of different provinces "
        '(migrants 0 if none), got none for "Shanghai,Jiangsu"',
    ),
    Case(
        "duplicate_pair",
        append("Sichuan,Jiangsu,5,test data"),
        'migration.csv: row 8, column destination: must be unique for origin Sichuan (also on row 7), got "Jiangsu"',
    ),
    Case(
        "diagonal",
        append("Sichuan,Sichuan,0,test data"),
        'migration.csv: row 8, column destination: must differ from the origin, got "Sichuan"',
    ),
    Case(
        "unknown_province",
        sub("Jiangsu,Shanghai", "Jiangsu,Shanghia"),
        "migration.csv: row 4, column destination: is not a province of the province table "
        '(did you mean "Shanghai"?), got "Shanghia"',
    ),
    Case(
        "negative", sub("60000", "-60000"), 'migration.csv: row 5, column migrants: must be a number >= 0, got "-60000"'
    ),
    Case("inf", sub("60000", "inf"), 'migration.csv: row 5, column migrants: must be a finite number, got "inf"'),
    Case("nan", sub("60000", "nan"), 'migration.csv: row 5, column migrants: must be a finite number, got "nan"'),
    Case(
        "text",
        sub("60000", "sixty thousand"),
        'migration.csv: row 5, column migrants: must be a number, got "sixty thousand"',
    ),
    Case("empty_cell", sub("60000", ""), 'migration.csv: row 5, column migrants: must be a number, got ""'),
    Case(
        "above_interprov_in",
        sub("60000", "6000000"),
        "migration.csv: row 5, column migrants: must keep the migrants into Sichuan within its interprov_in "
        '(2589614; with this row they reach 6015000), got "6000000"',
    ),
    Case(
        "method_empty",
        sub("60000,test data", "60000,"),
        'migration.csv: row 5, column method: must not be empty, got ""',
    ),
    Case("zero_migrants", sub("60000", "0"), None),
    Case("bom", utf8_bom, None),
    Case("crlf", crlf, None),
]

HOLIDAYS = [
    Case(
        "bad_date",
        sub("2023-01-02", "2023-02-30"),
        'holidays.csv: row 3, column date: must be a date YYYY-MM-DD, got "2023-02-30"',
    ),
    Case(
        "date_without_dashes",
        sub("2023-01-02", "20230102"),
        'holidays.csv: row 3, column date: must be a date YYYY-MM-DD, got "20230102"',
    ),
    Case(
        "date_with_slashes",
        sub("2023-01-02", "2023/01/02"),
        'holidays.csv: row 3, column date: must be a date YYYY-MM-DD, got "2023/01/02"',
    ),
    Case("empty_date", sub("2023-01-02", ""), 'holidays.csv: row 3, column date: must be a date YYYY-MM-DD, got ""'),
    Case(
        "duplicate_date",
        append("2023-01-02,holiday,New Year's Day,test"),
        'holidays.csv: row 6, column date: must be unique (row 3 already makes it a holiday), got "2023-01-02"',
    ),
    Case(
        "holiday_and_workday",
        append("2023-01-01,workday,New Year's Day,test"),
        'holidays.csv: row 6, column date: must be unique (row 2 already makes it a holiday), got "2023-01-01"',
    ),
    Case(
        "unknown_kind",
        sub("2023-01-02,holiday", "2023-01-02,holidy"),
        'holidays.csv: row 3, column kind: must be holiday or workday (did you mean "holiday"?), got "holidy"',
    ),
    Case(
        "kind_capitalised",
        sub("2023-01-02,holiday", "2023-01-02,Holiday"),
        'holidays.csv: row 3, column kind: must be holiday or workday (did you mean "holiday"?), got "Holiday"',
    ),
    Case(
        "kind_other",
        sub("2023-01-02,holiday", "2023-01-02,day off"),
        'holidays.csv: row 3, column kind: must be holiday or workday, got "day off"',
    ),
    Case(
        "workday_on_weekday",
        append("2023-01-04,workday,Spring Festival,test"),
        "holidays.csv: row 6, column date: must be a Saturday or Sunday for a workday (a make-up day; it is a "
        'Wednesday), got "2023-01-04"',
    ),
    Case(
        "unknown_column_typo",
        sub("kind", "knid"),
        'holidays.csv: header, column 2: unknown column (did you mean "kind"?), got "knid"',
    ),
    Case(
        "extra_column",
        column("x", "note"),
        'holidays.csv: header, column 5: unknown column (the columns are date, kind, name, source), got "note"',
    ),
    Case(
        "duplicate_column",
        column("holiday", "kind"),
        'holidays.csv: header, column 5: must be unique (also column 2), got "kind"',
    ),
    Case(
        "missing_column",
        sub("date,kind,", "date,"),
        'holidays.csv: header: missing column "kind", got "date,name,source"',
    ),
    Case("empty_file", lambda text: "", "holidays.csv: header: must name the columns date, kind, got an empty file"),
    Case("blank_row", blank_row_3, "holidays.csv: row 3: must not be blank (blank rows may only end the file)"),
    Case(
        "short_row",
        sub("2023-01-02,holiday,New Year's Day,test", "2023-01-02,holiday"),
        "holidays.csv: row 3: must have 4 cells, like the header, got 2",
    ),
    Case(
        "empty_name",
        sub("holiday,New Year's Day,test\n2023-01-02", "holiday,,test\n2023-01-02"),
        'holidays.csv: row 2, column name: must not be empty, got ""',
    ),
    Case(
        "non_utf8",
        latin1_byte,
        'holidays.csv: row 2: must be UTF-8 text, got the byte 0xE9 (save the file as "CSV UTF-8")',
    ),
    Case("header_only", header_only, None),
    Case("required_columns_only", keep("date", "kind"), None),
    Case("bom", utf8_bom, None),
    Case("crlf", crlf, None),
]


def write_tables(folder: Path, table: str = "", edit: Edit | None = None) -> Path:
    """The valid tables and the scenario naming them in ``folder``, ``table`` changed by ``edit``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TABLES.items():
        content = edit(text) if name == table and edit is not None else text
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / f"{name}.csv").write_bytes(data)
    scenario = folder / "s.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    return scenario


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario over the valid tables."""
    return load_scenario(write_tables(tmp_path_factory.mktemp("valid")))


def run_cli(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    args = [sys.executable, "-m", "sim", "validate", "s.toml"]
    return subprocess.run(
        args, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )


def check(table: str, case: Case, folder: Path, valid: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the case's tables through the CLI (``CLI_TOO``) or the loader and compare with the expected outcome."""
    write_tables(folder, table, case.edit)
    if case.id in CLI_TOO:
        done = run_cli(folder)
        if case.message is None:
            assert done.returncode == 0, done.stderr
            return
        assert "Traceback" not in done.stderr
        assert (done.returncode, done.stderr.splitlines(), done.stdout) == (EXIT_BAD_INPUT, [case.message], "")
        return
    monkeypatch.chdir(folder)
    if case.message is None:
        loaded = load_scenario("s.toml")
        if case.id in SAME_AS_VALID:
            assert (loaded.geography, loaded.holidays) == (valid.geography, valid.holidays)
        return
    with pytest.raises(ScenarioError) as caught:
        load_scenario("s.toml")
    assert caught.value.message == case.message


def ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


@pytest.mark.parametrize("case", PROVINCES, ids=ids(PROVINCES))
def test_province_table(case: Case, tmp_path: Path, valid: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    check("provinces", case, tmp_path, valid, monkeypatch)


@pytest.mark.parametrize("case", CITIES, ids=ids(CITIES))
def test_city_table(case: Case, tmp_path: Path, valid: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    check("cities", case, tmp_path, valid, monkeypatch)


@pytest.mark.parametrize("case", MIGRATION, ids=ids(MIGRATION))
def test_migration_table(case: Case, tmp_path: Path, valid: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    check("migration", case, tmp_path, valid, monkeypatch)


@pytest.mark.parametrize("case", HOLIDAYS, ids=ids(HOLIDAYS))
def test_holiday_table(case: Case, tmp_path: Path, valid: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    check("holidays", case, tmp_path, valid, monkeypatch)


def test_valid_tables_are_read_in_full(valid: Scenario) -> None:
    geo = valid.geography
    assert geo is not None
    assert [(p.name, p.region, p.population, p.interprov_in) for p in geo.provinces] == [
        ("Shanghai", "YRD", 24870895, 10479652),
        ("Jiangsu", "YRD", 84748016, 10308610),
        ("Sichuan", "ChuanYuQian", 83674866, 2589614),
    ]
    assert [(c.name, c.province, c.pilot) for c in geo.cities][:3] == [
        ("Shanghai", "Shanghai", True),
        ("Nanjing", "Jiangsu", True),
        ("Suzhou", "Jiangsu", False),
    ]
    assert geo.migrants == ((0, 120000, 15000), (1800000, 0, 60000), (900000, 700000, 0))
    assert [(day.isoformat(), kind) for day, kind in valid.holidays] == [
        ("2023-01-01", "holiday"),
        ("2023-01-02", "holiday"),
        ("2023-01-28", "workday"),
        ("2023-01-29", "workday"),
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda path: path.stem)
def test_shipped_scenarios_and_tables_load(path: Path) -> None:
    load_scenario(path)
