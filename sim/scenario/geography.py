"""The ``[data]`` section: province, city and migration tables, read with file, row and column in every error.

Paths are relative to the file that names them. Every table must carry its sources (a ``source`` or ``method``
column); the shipped tables and their provenance are described in ``scenarios/data/SOURCES.md``.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path

from sim.scenario.errors import ScenarioError
from sim.scenario.load_paths import data_path
from sim.scenario.reader import Table
from sim.scenario.schema import City, Geography, ProvinceData
from sim.scenario.tables import read_csv


def geography(table: Table) -> Geography | None:
    """Read ``[data]``: ``provinces``, ``cities`` and ``migration`` CSV files (all three or none)."""
    if not table.data:
        return None
    provinces = _provinces(*data_path(table, "provinces"))
    names = tuple(p.name for p in provinces)
    cities = _cities(*data_path(table, "cities"), names)
    migrants = _migration(*data_path(table, "migration"), names)
    table.done()
    return Geography(provinces, cities, migrants)


def _unique_name(name: str, seen: set[str], shown: str, row: int) -> str:
    if not name or name in seen:
        raise ScenarioError(shown, f"row {row}, column name_en", "must be a unique, non-empty name", name)
    seen.add(name)
    return name


def _number(value: str, shown: str, row: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ScenarioError(shown, f"row {row}, column {column}", "must be a number", value) from None
    if not math.isfinite(number) or number < 0:
        raise ScenarioError(shown, f"row {row}, column {column}", "must be a finite number >= 0", value)
    return number


def _provinces(path: Path, shown: str) -> tuple[ProvinceData, ...]:
    rows = read_csv(path, shown, ("name_en", "region", "population", "interprov_in", "source"))
    result, seen = [], set[str]()
    for number, row in enumerate(rows, start=2):
        name = _unique_name(row["name_en"], seen, shown, number)
        population = _number(row["population"], shown, number, "population")
        result.append(
            ProvinceData(name, row["region"], population, _number(row["interprov_in"], shown, number, "interprov_in"))
        )
    return tuple(result)


def _cities(path: Path, shown: str, provinces: tuple[str, ...]) -> tuple[City, ...]:
    rows = read_csv(path, shown, ("province", "name_en", "population", "pilot", "source"))
    result, seen = [], set[str]()
    for number, row in enumerate(rows, start=2):
        name = _unique_name(row["name_en"], seen, shown, number)
        _known(row["province"], provinces, shown, number, "province")
        if row["pilot"] not in ("0", "1"):
            raise ScenarioError(shown, f"row {number}, column pilot", "must be 0 or 1", row["pilot"])
        population = _number(row["population"], shown, number, "population")
        result.append(City(name, row["province"], population, row["pilot"] == "1"))
    return tuple(result)


def _migration(path: Path, shown: str, provinces: tuple[str, ...]) -> tuple[tuple[float, ...], ...]:
    rows = read_csv(path, shown, ("origin", "destination", "migrants", "method"))
    index = {name: i for i, name in enumerate(provinces)}
    matrix = [[0.0] * len(provinces) for _ in provinces]
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):
        origin = _known(row["origin"], provinces, shown, number, "origin")
        destination = _known(row["destination"], provinces, shown, number, "destination")
        if origin == destination:
            raise ScenarioError(shown, f"row {number}, column destination", "must differ from the origin", destination)
        if (origin, destination) in seen:
            raise ScenarioError(shown, f"row {number}", "repeats an origin-destination pair", f"{origin},{destination}")
        seen.add((origin, destination))
        matrix[index[origin]][index[destination]] = _number(row["migrants"], shown, number, "migrants")
    return tuple(tuple(r) for r in matrix)


def _known(name: str, names: tuple[str, ...], shown: str, row: int, column: str) -> str:
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise ScenarioError(
            shown, f"row {row}, column {column}", f"is not a province of the province table{hint}", name
        )
    return name
