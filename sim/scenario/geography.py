"""The ``[data]`` section: province, city and migration tables, read with file, row and column in every error.

Paths are relative to the file that names them. Every table must carry its sources (a ``source`` or ``method``
column); the shipped tables and their provenance are described in ``scenarios/data/SOURCES.md``. Each table follows
the rules of every data table (:mod:`sim.scenario.csv_rows`) and those its reader states; the first broken rule of a
table is reported, and a table that needs another (cities and migration need the provinces) is read after it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable
from pathlib import Path

from sim.scenario.csv_rows import Columns, Row, number_text, read_rows
from sim.scenario.errors import ScenarioError
from sim.scenario.load_paths import data_path
from sim.scenario.reader import Table
from sim.scenario.schema import City, Geography, ProvinceData

PROVINCE_COLUMNS = Columns(
    ("name_en", "region", "population", "interprov_in", "source"),
    ("code", "name_zh", "interprov_out", "prefectures", "capital_lon", "capital_lat"),
)
CITY_COLUMNS = Columns(("province", "name_en", "population", "pilot", "source"), ("code", "name_zh"))
MIGRATION_COLUMNS = Columns(("origin", "destination", "migrants", "method"))

MAX_POPULATION = 2_000_000_000
"""The most residents a province may have (more than all of China), which catches a misplaced decimal."""

MAX_PREFECTURES = 1000
"""The most prefecture-level units a province may have."""

CHINA_LONGITUDE = (73.0, 136.0)
CHINA_LATITUDE = (3.0, 54.0)
"""Bounds of China's territory, degrees east and north (the South China Sea islands reach 3-4 N)."""

ROUNDING = 1e-3
"""Relative slack of the sum rules (cities within a province, migrants within ``interprov_in``) for rounded data."""

_REGION = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def geography(table: Table) -> Geography | None:
    """Read ``[data]``: ``provinces``, ``cities`` and ``migration`` CSV files (all three or none).

    Parameters
    ----------
    table
        The ``[data]`` table of the scenario.

    Returns
    -------
    Geography or None
        The three tables, or None when ``[data]`` is absent or empty.

    Raises
    ------
    ScenarioError
        At the first broken rule of the first broken table (the rules: :func:`_provinces`, :func:`_cities`,
        :func:`_migration` and :mod:`sim.scenario.csv_rows`), naming the file, the row, the column and the cell.
    """
    if not table.data:
        return None
    provinces, codes = _provinces(*data_path(table, "provinces"))
    cities = _cities(*data_path(table, "cities"), provinces, codes)
    migrants = _migration(*data_path(table, "migration"), provinces)
    table.done()
    return Geography(provinces, cities, migrants)


def _provinces(path: Path, shown: str) -> tuple[tuple[ProvinceData, ...], dict[str, str]]:
    """Read the province table, and the ``code`` of each province when the table has codes.

    Rules: columns ``name_en``, ``region``, ``population``, ``interprov_in`` and ``source`` required; ``code``,
    ``name_zh``, ``interprov_out``, ``prefectures``, ``capital_lon`` and ``capital_lat`` optional; no other column;
    at least one row; ``name_en`` unique non-empty text; ``region`` a code (a letter, then letters, digits, ``_`` or
    ``-``; ``other`` for none); ``population`` a number > 0 and <= :data:`MAX_POPULATION`; ``interprov_in`` a number
    >= 0 and at most ``population``; ``source`` non-empty text. When present: ``code`` two digits, unique;
    ``name_zh`` non-empty text; ``interprov_out`` empty (unknown) or a number >= 0 and <= :data:`MAX_POPULATION`;
    ``prefectures`` an integer >= 0 and <= :data:`MAX_PREFECTURES`; ``capital_lon`` and ``capital_lat`` within
    :data:`CHINA_LONGITUDE` and :data:`CHINA_LATITUDE`.
    """
    rows = read_rows(path, shown, PROVINCE_COLUMNS)
    if not rows:
        raise ScenarioError(shown, "rows", "must list at least one province, got only the header")
    names: dict[Hashable, int] = {}
    seen_codes: dict[Hashable, int] = {}
    result, codes = [], {}
    for row in rows:
        province = _province(row)
        row.unique("name_en", names)
        if "code" in row.cells:
            row.unique("code", seen_codes)
            codes[province.name] = row.cells["code"]
        result.append(province)
    return tuple(result), codes


def _province(row: Row) -> ProvinceData:
    """One province row, every cell checked in column order."""
    if "code" in row.cells:
        row.code("code", 2)
    if "name_zh" in row.cells:
        row.text("name_zh")
    name = row.text("name_en")
    region = row.text("region")
    if not _REGION.fullmatch(region):
        raise row.fail("region", "must be a region code (a letter, then letters, digits, '_' or '-')")
    population = row.number("population", 0, MAX_POPULATION, low_open=True)
    interprov_in = row.number("interprov_in", 0)
    if interprov_in > population:
        raise row.fail("interprov_in", f"must not exceed the population ({number_text(population)})")
    _province_extras(row)
    row.text("source")
    return ProvinceData(name, region, population, interprov_in)


def _province_extras(row: Row) -> None:
    """The optional province columns the model does not use, checked all the same."""
    if row.given("interprov_out"):
        row.number("interprov_out", 0, MAX_POPULATION)
    if "prefectures" in row.cells:
        row.integer("prefectures", 0, MAX_PREFECTURES)
    if "capital_lon" in row.cells:
        row.number("capital_lon", *CHINA_LONGITUDE, note=" (a longitude in China)")
    if "capital_lat" in row.cells:
        row.number("capital_lat", *CHINA_LATITUDE, note=" (a latitude in China)")


def _cities(path: Path, shown: str, provinces: tuple[ProvinceData, ...], codes: dict[str, str]) -> tuple[City, ...]:
    """Read the city table (prefecture-level units).

    Rules: columns ``province``, ``name_en``, ``population``, ``pilot`` and ``source`` required; ``code`` and
    ``name_zh`` optional; no other column; at least one row; ``province`` a province of the province table;
    ``name_en`` unique non-empty text; ``population`` a number > 0, and a province's cities together at most its
    population (:data:`ROUNDING` slack; fewer is allowed: the cities left out get no office); ``pilot`` ``0`` or
    ``1``; ``source`` non-empty text. When present: ``code`` six digits, unique, starting with its province's code
    when the province table has codes; ``name_zh`` non-empty text.
    """
    rows = read_rows(path, shown, CITY_COLUMNS)
    if not rows:
        raise ScenarioError(shown, "rows", "must list at least one city, got only the header")
    by_name = {p.name: p for p in provinces}
    known = tuple(by_name)
    names: dict[Hashable, int] = {}
    seen_codes: dict[Hashable, int] = {}
    totals: dict[str, float] = {}
    result = []
    for row in rows:
        city = _city(row, known)
        row.unique("name_en", names)
        _city_code(row, city.province, codes, seen_codes)
        what = f"the cities of {city.province} within its population"
        _add_within(row, "population", totals, key=city.province, limit=by_name[city.province].population, what=what)
        result.append(city)
    return tuple(result)


def _city(row: Row, provinces: tuple[str, ...]) -> City:
    """One city row, every cell checked in column order (the code's prefix and the sums by the caller)."""
    if "code" in row.cells:
        row.code("code", 6)
    province = _known(row, "province", provinces)
    if "name_zh" in row.cells:
        row.text("name_zh")
    name = row.text("name_en")
    population = row.number("population", 0, low_open=True)
    pilot = row.choice("pilot", ("0", "1"))
    row.text("source")
    return City(name, province, population, pilot == "1")


def _city_code(row: Row, province: str, codes: dict[str, str], seen: dict[Hashable, int]) -> None:
    """A city's code is unique and starts with its province's code."""
    if "code" not in row.cells:
        return
    row.unique("code", seen)
    if province in codes and not row.cells["code"].startswith(codes[province]):
        raise row.fail("code", f"must start with {codes[province]}, the code of {province}")


def _add_within(row: Row, column: str, totals: dict[str, float], *, key: str, limit: float, what: str) -> None:
    """Add the row's ``column`` to ``totals[key]``, which must stay within ``limit`` (:data:`ROUNDING` slack)."""
    totals[key] = totals.get(key, 0.0) + float(row.cells[column])
    if totals[key] > limit * (1 + ROUNDING):
        total = number_text(round(totals[key], 3))
        raise row.fail(column, f"must keep {what} ({number_text(limit)}; with this row they reach {total})")


def _migration(path: Path, shown: str, provinces: tuple[ProvinceData, ...]) -> tuple[tuple[float, ...], ...]:
    """Read the migrant table: ``migrants`` residents of ``destination`` whose hukou is in ``origin``.

    Rules: columns ``origin``, ``destination``, ``migrants`` and ``method`` required, no other column; ``origin``
    and ``destination`` provinces of the province table, different from each other; one row for every ordered pair
    of different provinces (``0`` when none migrate), never two; ``migrants`` a number >= 0, and the migrants into a
    province together at most its ``interprov_in`` (:data:`ROUNDING` slack); ``method`` non-empty text.
    """
    rows = read_rows(path, shown, MIGRATION_COLUMNS)
    names = tuple(p.name for p in provinces)
    index = {name: i for i, name in enumerate(names)}
    matrix = [[0.0] * len(names) for _ in names]
    seen: dict[Hashable, int] = {}
    totals: dict[str, float] = {}
    for row in rows:
        origin, destination, migrants = _flow(row, names)
        row.unique("destination", seen, (origin, destination), f" for origin {origin}")
        limit = provinces[index[destination]].interprov_in
        what = f"the migrants into {destination} within its interprov_in"
        _add_within(row, "migrants", totals, key=destination, limit=limit, what=what)
        matrix[index[origin]][index[destination]] = migrants
    _every_pair(shown, names, seen)
    return tuple(tuple(r) for r in matrix)


def _flow(row: Row, names: tuple[str, ...]) -> tuple[str, str, float]:
    """One migration row: origin, destination and migrants, the method checked."""
    origin = _known(row, "origin", names)
    destination = _known(row, "destination", names)
    if origin == destination:
        raise row.fail("destination", "must differ from the origin")
    migrants = row.number("migrants", 0)
    row.text("method")
    return origin, destination, migrants


def _every_pair(shown: str, names: tuple[str, ...], seen: dict[Hashable, int]) -> None:
    """Every ordered pair of different provinces has a row."""
    for origin in names:
        for destination in names:
            if origin != destination and (origin, destination) not in seen:
                rule = "must have a row for every origin-destination pair of different provinces (migrants 0 if none)"
                raise ScenarioError(shown, "rows", f'{rule}, got none for "{origin},{destination}"')


def _known(row: Row, column: str, names: tuple[str, ...]) -> str:
    """A province of the province table, a close miss named."""
    name = row.cells[column]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise row.fail(column, f"is not a province of the province table{hint}")
    return name
