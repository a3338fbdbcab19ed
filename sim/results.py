"""Results folders as named data: ``load_results(path)`` for researchers who analyse runs in Python.

This module only reads folders written by ``rollout-sim run``, ``compare`` and ``sweep`` (see ``docs/results.md``);
it never runs a model. Every table is a :class:`Table` of named numpy columns: ``table["wait"]``,
``table.arrays()`` (a dict of numpy arrays, always available) and ``table.frame()`` (a pandas DataFrame, when the
optional extra is installed: ``pip install 'rollout-sim[pandas]'``).

Conventions of the tables read here:

- dates (``date``, a period's ``start`` and ``end``) are ``numpy.datetime64[D]`` (``.astype(object)`` gives
  :class:`datetime.date`); times are minutes since 00:00 of the scenario's ``run.start`` (float), each with a
  ``<name>_at`` twin in ``numpy.datetime64[us]`` (NaT where the time is undefined);
- an empty CSV cell is NaN in a float column; an integer column with an empty cell is read as float;
- offices and hukou provinces are given by name (``office``, ``province``; ``""`` where there is none, e.g. the
  province of an intake-only scenario) and by index (``office_index``, ``province_index``; -1 where none), the
  visit kind by name (``kind``: ``intake``, ``background``, ``rework``, ``pickup``, ``kiosk_pickup``) and code
  (``kind_code``, :class:`sim.model.records.VisitKind`).

Tables are read when first used and kept; columns are read-only arrays (copy one to change it).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

from sim.model.records import VisitKind

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, import-not-found, unused-ignore]

Array = NDArray[Any]
"""A numpy column."""

PANDAS_INSTALL = "pip install 'rollout-sim[pandas]'"
PANDAS_MESSAGE = f"Table.frame() needs pandas, an optional extra: {PANDAS_INSTALL} (Table.arrays() needs only numpy)"

SUMMARY = "summary.csv"
COMPARISON = "comparison.csv"
SWEEP = "sweep.json"
INDEX = "index.csv"
MANIFEST = "manifest.json"
SCENARIO = "scenario.json"
RECORDS = "records.npz"

KIND_NAMES: dict[int, str] = {
    code: name.lower() for name, code in vars(VisitKind).items() if name.isupper() and isinstance(code, int)
}
"""Visit kind code to name: 0 ``intake``, 1 ``background``, 2 ``rework``, 3 ``pickup``, 4 ``kiosk_pickup``
(5 ``review``, the reviewers' requests)."""

MINUTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "visits": ("arrival", "start", "end"),
    "applicants": ("arrival", "intake_end", "decided", "card_ready", "in_hand", "promise"),
    "requests": ("sent", "received", "start", "decided"),
}
"""Columns of ``records.npz`` that hold a time (minutes since 00:00 of ``run.start``) and get a ``<name>_at``
datetime twin."""

_Kind = Literal["str", "int", "float", "date"]

_SUMMARY_SPEC: dict[str, _Kind] = {
    "scope": "str", "metric": "str", "unit": "str",
    "mean": "float", "ci_low": "float", "ci_high": "float", "half_width": "float", "n": "int",
}  # fmt: skip
_SPECS: dict[str, dict[str, _Kind]] = {
    SUMMARY: _SUMMARY_SPEC,
    COMPARISON: {
        "scenario": "str", **_SUMMARY_SPEC,
        "diff_mean": "float", "diff_ci_low": "float", "diff_ci_high": "float", "diff_half_width": "float",
    },
    "weekly.csv": {"period": "str", "start": "date", "end": "date", "days": "int", **_SUMMARY_SPEC},
    "daily.csv": {
        "replication": "int", "date": "date", "office": "str", "open_minutes": "float", "windows": "int",
        "arrivals": "int",
        "background_arrivals": "int", "served": "int", "revisits": "int", "pickups": "int", "cards_in_hand": "int",
        "wait_mean_minutes": "float", "background_wait_mean_minutes": "float", "utilisation": "float",
        "overtime_hours": "float", "queue_length_mean": "float",
    },
    "stages.csv": {"replication": "int", "date": "date", "stage": "str", "applicants_mean": "float"},
    INDEX: {"point": "str", "status": "str", "replications": "int", "seed": "int"},
}  # fmt: skip
_SPECS["monthly.csv"] = _SPECS["weekly.csv"]
"""Column types of the CSV files; a column not listed here (a swept key, a key figure, a column added later) is
read as int, float, date or text, whichever all its cells fit."""

_DIFFS = ("diff_mean", "diff_ci_low", "diff_ci_high", "diff_half_width")
_SUMMARY_UNITS = {**dict.fromkeys(("mean", "ci_low", "ci_high", "half_width"), "the row's unit"), "n": "replications"}
_UNITS: dict[str, dict[str, str]] = {
    SUMMARY: _SUMMARY_UNITS,
    COMPARISON: {**_SUMMARY_UNITS, **dict.fromkeys(_DIFFS, "the row's unit")},
    "weekly.csv": {"start": "date", "end": "date", "days": "days", **_SUMMARY_UNITS},
    "daily.csv": {
        "date": "date", "open_minutes": "minutes", "windows": "windows (clerks) that day", "arrivals": "applicants",
        "background_arrivals": "visitors",
        "served": "applicants", "revisits": "visits", "pickups": "visits", "cards_in_hand": "applicants",
        "wait_mean_minutes": "minutes", "background_wait_mean_minutes": "minutes",
        "utilisation": "share of staffed window-minutes (at most 1)",
        "overtime_hours": "window-hours beyond the day's staffed window-minutes",
        "queue_length_mean": "visitors (time-average over opening minutes)",
    },
    "stages.csv": {"date": "date", "applicants_mean": "applicants (time-average over the day)"},
    "visits": {"day": "days since run.start", "date": "date", "wait": "minutes", "returns": "nights sent home"},
    "applicants": {"day": "days since run.start", "date": "date", "visits": "visits", "attempts": "reviews"},
    "requests": {"attempt": "attempt from 0", "approved": "0/1"},
}  # fmt: skip
_UNITS["monthly.csv"] = _UNITS["weekly.csv"]
for _name, _times in MINUTE_COLUMNS.items():
    _UNITS[_name].update(dict.fromkeys(_times, "minutes since 00:00 of run.start"))
    _UNITS[_name].update(dict.fromkeys((f"{t}_at" for t in _times), "datetime"))
del _name, _times

_INT = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ResultsError(ValueError):
    """A path is not a results folder of the kind asked for, or one of its files is missing or unreadable.

    The message is one line naming the folder (or file) and what is wrong.
    """


class MissingPandasError(RuntimeError):
    """:meth:`Table.frame` was called without pandas installed (``pip install 'rollout-sim[pandas]'``)."""


class Table:
    """Named numpy columns of equal length: one table of a results folder.

    Parameters
    ----------
    name
        What the table is (``"daily"``, ``"visits"``, ...), used in messages.
    columns
        Column name to a one-dimensional array; all of the same length. The arrays are made read-only.
    units
        Column name to its unit, where known (``"minutes"``, ``"date"``, ...).

    Attributes
    ----------
    name : str
        What the table is.
    units : Mapping[str, str]
        Column name to its unit, for the columns whose unit is known.
    """

    def __init__(self, name: str, columns: Mapping[str, Array], units: Mapping[str, str] | None = None) -> None:
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"{name}: columns of different lengths {sorted(lengths)}")
        self.name = name
        self._columns: dict[str, Array] = {}
        for key, column in columns.items():
            array = np.asarray(column)
            array.flags.writeable = False
            self._columns[key] = array
        self._rows = lengths.pop() if lengths else 0
        self.units: Mapping[str, str] = {k: v for k, v in (units or {}).items() if k in self._columns}

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(self._columns)

    def __len__(self) -> int:
        """The number of rows."""
        return self._rows

    def __getitem__(self, column: str) -> Array:
        """One column as a read-only numpy array."""
        try:
            return self._columns[column]
        except KeyError:
            raise KeyError(f"{self.name} has no column {column!r}; columns: {', '.join(self._columns)}") from None

    def __contains__(self, column: object) -> bool:
        """Whether the table has the column."""
        return column in self._columns

    def __iter__(self) -> Iterator[str]:
        """The column names (so ``dict(table.arrays())`` and ``list(table)`` work as for a mapping)."""
        return iter(self._columns)

    def __repr__(self) -> str:
        return f"<Table {self.name}: {self._rows} rows; columns {', '.join(self._columns)}>"

    def arrays(self) -> dict[str, Array]:
        """The columns as a new dict of numpy arrays (read-only arrays shared with the table; needs only numpy).

        Returns
        -------
        dict of str to numpy.ndarray
            Column name to column, in order.
        """
        return dict(self._columns)

    def where(self, mask: Array) -> Table:
        """The rows where ``mask`` is true, as a new table (e.g. ``visits.where(visits["kind"] == "intake")``).

        Parameters
        ----------
        mask
            Boolean array with one entry per row.

        Returns
        -------
        Table
            The selected rows, same columns and units.
        """
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (self._rows,):
            raise ValueError(f"{self.name}: mask of shape {keep.shape} for {self._rows} rows")
        return Table(self.name, {k: c[keep] for k, c in self._columns.items()}, self.units)

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (a copy; dates and datetimes as pandas datetime columns).

        Returns
        -------
        pandas.DataFrame
            One column per table column, in order, with a default integer index.

        Raises
        ------
        MissingPandasError
            When pandas is not installed; the message tells how to install it.
        """
        pandas = _pandas()
        return pandas.DataFrame({k: np.array(c) for k, c in self._columns.items()}, columns=list(self._columns))


def _pandas() -> Any:
    """The pandas module, or :class:`MissingPandasError` with the one-line install hint."""
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise MissingPandasError(PANDAS_MESSAGE) from None


class RunResults:
    """A results folder written by ``rollout-sim run`` (or a sweep point, or a comparison's scenario sub-folder).

    Every table is read from its file when first used. A comparison's scenario sub-folder holds only
    ``summary.csv``, ``scenario.json``, ``weekly.csv`` and ``monthly.csv``: its other tables raise
    :class:`ResultsError`.

    Parameters
    ----------
    path
        The folder.

    Attributes
    ----------
    path : Path
        The folder.
    """

    kind: Literal["run"] = "run"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / SUMMARY).is_file():
            raise ResultsError(f"{self.path}: not a run's results folder (no {SUMMARY})")

    def __repr__(self) -> str:
        return f"<RunResults {self.name!r} at {self.path}>"

    @property
    def files(self) -> tuple[str, ...]:
        """The names of the files in the folder, sorted."""
        return tuple(sorted(p.name for p in self.path.iterdir() if p.is_file()))

    @property
    def name(self) -> str:
        """The scenario's name (from ``scenario.json``, else the folder's name)."""
        if (self.path / SCENARIO).is_file():
            return str(self.scenario.get("name", self.path.name))
        return self.path.name

    @cached_property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario from ``scenario.json`` (after ``extends``, with the replications and seed used)."""
        return _read_json(self.path, SCENARIO)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: version, commit, seed, replications, executor, engine, wall time, precision stop."""
        return _read_json(self.path, MANIFEST)

    @cached_property
    def start(self) -> dt.date:
        """The scenario's ``run.start``: time 0 of every minute column is 00:00 of this date."""
        run = self.scenario.get("run", {})
        try:
            return dt.date.fromisoformat(str(run["start"]))
        except (KeyError, TypeError, ValueError):
            raise ResultsError(f"{self.path / SCENARIO}: no run.start date (got {run.get('start')!r})") from None

    @property
    def replications(self) -> int:
        """The number of replications (from ``scenario.json``)."""
        return int(self.scenario.get("run", {}).get("replications", 0))

    @cached_property
    def summary(self) -> Table:
        """``summary.csv``: per scope and metric, the mean and 95 % CI across replications.

        Columns ``scope``, ``metric``, ``unit``; ``mean``, ``ci_low``, ``ci_high``, ``half_width`` (in ``unit``;
        Student-t CI, NaN where undefined); ``n`` (replications in which the figure is defined).
        """
        return _read_csv(self.path, SUMMARY, "summary")

    @cached_property
    def daily(self) -> Table:
        """``daily.csv``: per replication, office (name) and ``date`` (datetime64[D]); counts, minutes and shares."""
        return _read_csv(self.path, "daily.csv", "daily")

    @cached_property
    def weekly(self) -> Table:
        """``weekly.csv``: per ISO week (``period``; ``start``/``end`` datetime64[D]), scope and metric, mean and CI."""
        return _read_csv(self.path, "weekly.csv", "weekly")

    @cached_property
    def monthly(self) -> Table:
        """``monthly.csv``: per calendar month (``period``; ``start``/``end`` datetime64[D]), scope and metric."""
        return _read_csv(self.path, "monthly.csv", "monthly")

    @cached_property
    def stages(self) -> Table:
        """``stages.csv``: per replication, ``date`` and ``stage``, the time-average number of applicants in it."""
        return _read_csv(self.path, "stages.csv", "stages")

    @cached_property
    def _records(self) -> dict[str, Array]:
        file = self.path / RECORDS
        if not file.is_file():
            raise _missing(self.path, RECORDS)
        try:
            with np.load(file, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise ResultsError(f"{file}: unreadable ({error})") from None

    @property
    def offices(self) -> tuple[str, ...]:
        """Office names by office index (from ``records.npz``)."""
        return tuple(str(x) for x in self._records.get("offices", ()))

    @property
    def provinces(self) -> tuple[str, ...]:
        """Hukou province names by province index (from ``records.npz``; empty in an intake-only scenario)."""
        return tuple(str(x) for x in self._records.get("provinces", ()))

    @cached_property
    def visits(self) -> Table:
        """Every window visit of every replication (``records.npz``).

        Columns: ``replication``; ``office`` (name) and ``office_index``; ``kind`` (``intake``, ``background``,
        ``rework``, ``pickup``, ``kiosk_pickup``) and ``kind_code``; ``applicant`` (id within the replication, -1
        for background visits); ``day`` (days since ``run.start`` of the arrival) and ``date``; ``arrival``,
        ``start``, ``end`` (minutes since 00:00 of ``run.start``) each with ``_at`` (datetime64[us]); ``wait``
        (minutes queued, summed over nights sent home); ``returns`` (nights sent home).
        """
        return self._record_table("visits")

    @cached_property
    def applicants(self) -> Table:
        """Every applicant whose card is in hand, per replication (``records.npz``).

        Columns: ``replication``, ``applicant``; ``office`` / ``office_index``; ``province`` (hukou) /
        ``province_index`` (``""`` / -1 in an intake-only scenario); ``origin_kind``; ``day`` and ``date`` of the
        first arrival; ``arrival``, ``intake_end``, ``decided``, ``card_ready``, ``in_hand``, ``promise`` (minutes
        since 00:00 of ``run.start``, NaN where not applicable) each with ``_at`` (datetime64[us], NaT); ``visits``;
        ``attempts``.
        """
        return self._record_table("applicants")

    @cached_property
    def requests(self) -> Table:
        """Every verification request (one per review) of every replication (``records.npz``).

        Columns: ``replication``, ``applicant``; ``office`` / ``office_index``; ``province`` / ``province_index``
        (the reviewing hukou province); ``attempt`` (from 0); ``sent``, ``received``, ``start``, ``decided``
        (minutes since 00:00 of ``run.start``) each with ``_at`` (datetime64[us]); ``approved`` (0/1).
        """
        return self._record_table("requests")

    def datetimes(self, minutes: Array | float) -> Array:
        """Minutes since 00:00 of ``run.start`` as ``numpy.datetime64[us]`` (NaT where not finite).

        Parameters
        ----------
        minutes
            Times in minutes since 00:00 of ``run.start``.

        Returns
        -------
        numpy.ndarray
            The same times as datetime64[us].
        """
        return _datetimes(self.start, np.asarray(minutes, dtype=np.float64))

    def _record_table(self, table: str) -> Table:
        records = self._records
        prefix = f"{table}/"
        raw = {name[len(prefix) :]: column for name, column in records.items() if name.startswith(prefix)}
        if not raw:
            raise ResultsError(f"{self.path / RECORDS}: no {table}/* columns")
        out: dict[str, Array] = {}
        if "replication" in raw:
            out["replication"] = raw["replication"]
        minutes = MINUTE_COLUMNS.get(table, ())
        for name, column in raw.items():
            if name == "replication":
                continue
            if name == "office":
                out["office"] = self._names(column, self.offices, table, "office")
                out["office_index"] = column
            elif name == "province":
                out["province"] = self._names(column, self.provinces, table, "province")
                out["province_index"] = column
            elif name == "kind":
                codes = {int(c) for c in np.unique(column)}
                lookup = {c: KIND_NAMES.get(c, f"kind_{c}") for c in codes}
                out["kind"] = _lookup(column, lookup)
                out["kind_code"] = column
            elif name == "day":
                out["day"] = column
                out["date"] = np.datetime64(self.start, "D") + column.astype("timedelta64[D]")
            elif name in minutes:
                out[name] = column
                out[f"{name}_at"] = _datetimes(self.start, column)
            else:
                out[name] = column
        return Table(table, out, _UNITS.get(table))

    def _names(self, index: Array, names: Sequence[str], table: str, what: str) -> Array:
        """Names by index, ``""`` for -1; an index past the names is a damaged file."""
        if index.size and int(index.max()) >= len(names):
            raise ResultsError(
                f"{self.path / RECORDS}: {table}/{what} index {int(index.max())} but only {len(names)} {what} names"
            )
        lookup = np.array([*names, ""], dtype=str)
        return lookup[np.where(index < 0, len(names), index)]


class ComparisonResults:
    """A comparison folder written by ``rollout-sim compare``.

    Parameters
    ----------
    path
        The folder.

    Attributes
    ----------
    path : Path
        The folder.
    """

    kind: Literal["comparison"] = "comparison"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / COMPARISON).is_file():
            raise ResultsError(f"{self.path}: not a comparison folder (no {COMPARISON})")

    def __repr__(self) -> str:
        return f"<ComparisonResults {', '.join(self.names)} at {self.path}>"

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: provenance of the first scenario's run, ``scenarios`` and the total wall time."""
        return _read_json(self.path, MANIFEST)

    @cached_property
    def comparison(self) -> Table:
        """``comparison.csv``: every scenario's summary rows and the paired difference to the first scenario.

        Columns ``scenario``, then those of :attr:`RunResults.summary`, then ``diff_mean``, ``diff_ci_low``,
        ``diff_ci_high``, ``diff_half_width`` (in ``unit``; NaN for the first scenario).
        """
        return _read_csv(self.path, COMPARISON, "comparison")

    @property
    def summary(self) -> Table:
        """The same as :attr:`comparison` (the summary rows of every scenario, with the differences)."""
        return self.comparison

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The scenario names, the reference first."""
        listed = self.manifest.get("scenarios") if (self.path / MANIFEST).is_file() else None
        if isinstance(listed, list):
            return tuple(str(x) for x in listed)
        return tuple(dict.fromkeys(str(x) for x in self.comparison["scenario"]))

    @cached_property
    def scenarios(self) -> dict[str, RunResults]:
        """Scenario name to its sub-folder (summary, scenario, weekly and monthly only), the reference first."""
        out = {}
        for name in self.names:
            sub = self.path / name
            if not (sub / SUMMARY).is_file():
                raise _missing(sub, SUMMARY)
            out[name] = RunResults(sub)
        return out

    def __getitem__(self, name: str) -> RunResults:
        """One scenario's sub-folder by scenario name."""
        try:
            return self.scenarios[name]
        except KeyError:
            raise KeyError(f"{self.path}: no scenario {name!r}; scenarios: {', '.join(self.names)}") from None


class SweepResults:
    """A sweep folder written by ``rollout-sim sweep``.

    Parameters
    ----------
    path
        The folder.

    Attributes
    ----------
    path : Path
        The folder.
    """

    kind: Literal["sweep"] = "sweep"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / SWEEP).is_file() and not (self.path / INDEX).is_file():
            raise ResultsError(f"{self.path}: not a sweep folder (no {SWEEP} or {INDEX})")

    def __repr__(self) -> str:
        return f"<SweepResults {len(self.points)} finished points at {self.path}>"

    @cached_property
    def sweep(self) -> dict[str, Any]:
        """``sweep.json``: scenario file, sets, seed, replications, engine, and per point its folder and values."""
        return _read_json(self.path, SWEEP)

    @property
    def manifest(self) -> dict[str, Any]:
        """The same as :attr:`sweep` (a sweep folder's provenance is ``sweep.json``)."""
        return self.sweep

    @cached_property
    def index(self) -> Table:
        """``index.csv``: one row per point of the sweep.

        Columns ``point`` (its folder), ``status`` (``done`` or ``pending``), one per swept key (int, float, date
        or text), ``replications``, ``seed``, and the ``total`` scope's key figures (NaN while pending).
        """
        return _read_csv(self.path, INDEX, "index")

    @cached_property
    def points(self) -> dict[str, RunResults]:
        """Point folder name to its results folder, for the finished points, in index order."""
        names = [str(x) for x in self.index["point"]]
        return {name: RunResults(self.path / name) for name in names if (self.path / name / SUMMARY).is_file()}

    def __getitem__(self, point: str | int) -> RunResults:
        """One finished point by folder name (``p001-office.windows=3``) or position in the index (from 0)."""
        name = str(self.index["point"][point]) if isinstance(point, int) else point
        try:
            return self.points[name]
        except KeyError:
            raise KeyError(f"{self.path}: no finished point {name!r}; finished: {', '.join(self.points)}") from None


Results: TypeAlias = RunResults | ComparisonResults | SweepResults
"""What :func:`load_results` returns."""


def load_results(path: str | Path) -> Results:
    """Open a results folder: a run's, a comparison's or a sweep's, whichever ``path`` is.

    Nothing is read until it is used; the tables are then read once and kept.

    Parameters
    ----------
    path
        A folder written by ``rollout-sim run`` (``results/<scenario>/<stamp>``), ``compare`` or ``sweep``, or a
        sweep point or comparison scenario sub-folder.

    Returns
    -------
    RunResults or ComparisonResults or SweepResults
        By the folder's files: ``sweep.json`` or ``index.csv`` make a sweep, ``comparison.csv`` a comparison and
        ``summary.csv`` a run. Their ``kind`` attribute is ``"sweep"``, ``"comparison"`` or ``"run"``.

    Raises
    ------
    ResultsError
        When ``path`` is not a results folder; the one-line message names it and what is missing.
    """
    folder = Path(path)
    if not folder.exists():
        raise ResultsError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: a file, not a results folder (give the folder that holds {SUMMARY})")
    if (folder / SWEEP).is_file() or (folder / INDEX).is_file():
        return SweepResults(folder)
    if (folder / COMPARISON).is_file():
        return ComparisonResults(folder)
    if (folder / SUMMARY).is_file():
        return RunResults(folder)
    inside = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and any((p / f).is_file() for f in (SUMMARY, COMPARISON, SWEEP))
    )
    more = ", ..." if len(inside) > 3 else ""
    hint = f"; it holds results folders ({', '.join(inside[:3])}{more}): give one of them" if inside else ""
    raise ResultsError(
        f"{folder}: not a results folder (no {SUMMARY}, {COMPARISON} or {SWEEP}; "
        f"rollout-sim run, compare and sweep write them){hint}"
    )


def load_run(path: str | Path) -> RunResults:
    """Open a run's results folder (see :func:`load_results`); :class:`ResultsError` for any other folder."""
    return _expect(load_results(path), RunResults, "a run's results folder")


def load_comparison(path: str | Path) -> ComparisonResults:
    """Open a comparison folder (see :func:`load_results`); :class:`ResultsError` for any other folder."""
    return _expect(load_results(path), ComparisonResults, "a comparison folder")


def load_sweep(path: str | Path) -> SweepResults:
    """Open a sweep folder (see :func:`load_results`); :class:`ResultsError` for any other folder."""
    return _expect(load_results(path), SweepResults, "a sweep folder")


_T = TypeVar("_T", RunResults, ComparisonResults, SweepResults)


def _expect(results: Results, cls: type[_T], what: str) -> _T:
    if not isinstance(results, cls):
        raise ResultsError(f"{results.path}: a {results.kind} folder, not {what}")
    return results


def _missing(folder: Path, file: str) -> ResultsError:
    present = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return ResultsError(f"{folder}: no {file} in this results folder (it holds {', '.join(present) or 'no files'})")


def _read_json(folder: Path, file: str) -> dict[str, Any]:
    path = folder / file
    if not path.is_file():
        raise _missing(folder, file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path}: unreadable ({error})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: not a JSON object")
    return data


def _read_csv(folder: Path, file: str, name: str) -> Table:
    """A CSV file of a results folder as a table, columns typed by :data:`_SPECS` or by their cells."""
    path = folder / file
    if not path.is_file():
        raise _missing(folder, file)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ResultsError(f"{path}: unreadable ({error})") from None
    if not rows:
        raise ResultsError(f"{path}: empty (no header)")
    header, body = rows[0], rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ResultsError(f"{path}: line {line} has {len(row)} cells, the header {len(header)}")
    spec = _SPECS.get(file, {})
    columns: dict[str, Array] = {}
    for k, column in enumerate(header):
        cells = [row[k] for row in body]
        try:
            columns[column] = _column(cells, spec.get(column))
        except ValueError as error:
            raise ResultsError(f"{path}: column {column}: {error}") from None
    return Table(name, columns, _UNITS.get(file))


def _column(cells: list[str], kind: _Kind | None) -> Array:
    """Typed numpy column from CSV cells; ``kind`` None: int, float, date or text, whichever all cells fit."""
    if kind is None:
        kind = _infer(cells)
    if kind == "str":
        return np.array(cells, dtype=str)
    if kind == "date":
        return np.array(cells, dtype="datetime64[D]")
    if kind == "int" and all(cells):
        return np.array(cells, dtype=np.int64)
    return np.array([c or "nan" for c in cells], dtype=np.float64)


def _infer(cells: list[str]) -> _Kind:
    filled = [c for c in cells if c]
    if not filled:
        return "float"
    if all(_INT.fullmatch(c) for c in filled):
        return "int"
    try:
        for c in filled:
            float(c)
    except ValueError:
        pass
    else:
        return "float"
    if all(_DATE.fullmatch(c) for c in filled):
        return "date"
    return "str"


def _lookup(codes: Array, names: Mapping[int, str]) -> Array:
    out = np.empty(codes.shape, dtype=f"<U{max((len(n) for n in names.values()), default=1)}")
    for code, name in names.items():
        out[codes == code] = name
    return out


def _datetimes(start: dt.date, minutes: Array) -> Array:
    """Minutes since 00:00 of ``start`` as datetime64[us], NaT where not finite."""
    finite = np.isfinite(minutes)
    us = np.zeros(minutes.shape, dtype=np.int64)
    us[finite] = np.rint(minutes[finite] * 60_000_000.0).astype(np.int64)
    out = np.datetime64(start, "us") + us.astype("timedelta64[us]")
    out[~finite] = np.datetime64("NaT")
    return np.asarray(out)
