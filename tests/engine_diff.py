"""Differential comparison of two replication results: the SimPy reference against the fast engine.

:func:`assert_same` holds two :class:`~sim.model.result.ReplicationResult` equal up to the rounding that a different
order of floating-point operations may cause: integer columns exactly, time columns within :data:`TIME_TOLERANCE`
minutes (NaN equal to NaN), the per-day integrals within :data:`AREA_RELATIVE` relative, stage counts and forgone
applications exactly. It reports the earliest differing row of a table (office, applicant, column, both values and
both rows) and returns the largest time difference it saw, which the tests record.

:func:`assert_conserved` checks one result on its own: every applicant once, every visit and request belongs to an
applicant, stage counts balanced, rows in the canonical order.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.records import APPLICANT_COLUMNS, REQUEST_COLUMNS, VISIT_COLUMNS, VisitKind
from sim.model.result import ReplicationResult

TIME_TOLERANCE = 1e-6
"""Largest accepted difference of a time column or of ``end_minutes``, minutes."""
AREA_RELATIVE = 1e-6
"""Largest accepted relative difference of a per-day array entry (absolute below 1, where relative is meaningless)."""

INT_COLUMNS = frozenset(
    {"office", "kind", "applicant", "day", "returns", "province", "origin_kind", "visits", "attempts", "attempt",
     "approved"}
)  # fmt: skip
"""Columns compared exactly."""
TIME_COLUMNS = frozenset(
    {"arrival", "start", "end", "wait", "intake_end", "decided", "card_ready", "in_hand", "promise", "sent",
     "received"}
)  # fmt: skip
"""Columns compared within :data:`TIME_TOLERANCE` minutes."""

TABLES: dict[str, dict[str, type]] = {
    "visits": VISIT_COLUMNS,
    "applicants": APPLICANT_COLUMNS,
    "requests": REQUEST_COLUMNS,
}
"""The three record tables and their declared columns."""

PER_DAY = ("queue_area", "busy_area", "open_minutes", "reviewer_busy", "reviewer_open", "wip_area")
"""Per-day integrals, compared relative: the engines may sum them in another order."""

# A row order that does not depend on rounding: integer keys first, then a time that differs by days (or, for
# background visits, an arrival read from the same draws by both engines). The canonical order sorts by times
# that may differ in the last bit between engines, so two rows finishing within rounding may come in either order.
_STABLE_ORDER = {
    "visits": ("office", "applicant", "kind", "arrival"),
    "applicants": ("applicant",),
    "requests": ("applicant", "attempt"),
}
_EARLIEST = {"visits": "arrival", "applicants": "arrival", "requests": "sent"}
_CANONICAL_ORDER = {
    "visits": ("end", "office", "applicant", "kind", "arrival"),
    "applicants": ("applicant",),
    "requests": ("decided", "applicant", "attempt"),
}


LARGEST: dict[str, float] = {}
"""Largest time difference per compared case in this session (the tests fill it; the terminal summary prints it)."""
DIFFERED: list[str] = []
"""Cases in this session whose engines differed (the tests fill it; the terminal summary prints it)."""
REPORT_FILE: Path | None = None
"""Where the session wrote :data:`LARGEST` as JSON, once it has."""


class EngineMismatchError(AssertionError):
    """Two results that should be equal are not."""


def _check_schema() -> None:
    for name, columns in TABLES.items():
        unknown = set(columns) - INT_COLUMNS - TIME_COLUMNS
        if unknown:  # a new column must be put into one class or the other, never skipped silently
            raise AssertionError(f"{name}: columns {sorted(unknown)} are neither integer nor time columns")


_check_schema()


def _order(table: dict[str, NDArray[Any]], keys: tuple[str, ...]) -> NDArray[np.intp]:
    return np.lexsort(tuple(table[k] for k in reversed(keys)))


def _time_gap(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Elementwise |a - b| with NaN == NaN and inf == inf (0), NaN against a number infinite."""
    with np.errstate(invalid="ignore"):
        gap = np.abs(a - b)
    same = (np.isnan(a) & np.isnan(b)) | (a == b)
    gap[same] = 0.0
    gap[np.isnan(gap)] = math.inf
    return gap


def _differs(column: str, a: NDArray[Any], b: NDArray[Any]) -> bool:
    if column in INT_COLUMNS:
        return bool(np.any(a != b))
    return bool(np.any(_time_gap(a, b) > TIME_TOLERANCE))


def _row_text(table: dict[str, NDArray[Any]], i: int) -> str:
    return "{" + ", ".join(f"{name}={table[name][i].item()!r}" for name in table) + "}"


def _compare_table(name: str, a: dict[str, NDArray[Any]], b: dict[str, NDArray[Any]]) -> float:
    """Compare one table row by row; return the largest time difference."""
    __tracebackhide__ = True
    columns = TABLES[name]
    for label, table in (("a", a), ("b", b)):
        if list(table) != list(columns):
            raise EngineMismatchError(f"{name}: engine {label} has columns {list(table)}, expected {list(columns)}")
        for column, dtype in columns.items():
            if table[column].dtype != np.dtype(dtype):
                raise EngineMismatchError(
                    f"{name}.{column}: engine {label} has dtype {table[column].dtype}, not {np.dtype(dtype)}"
                )
    n_a, n_b = a["applicant"].size, b["applicant"].size
    if n_a != n_b:
        raise EngineMismatchError(f"{name}: {n_a} rows against {n_b}")
    if n_a == 0:
        return 0.0
    keys = _STABLE_ORDER[name]
    a = {k: v[_order(a, keys)] for k, v in a.items()}
    b = {k: v[_order(b, keys)] for k, v in b.items()}
    bad = np.zeros(n_a, dtype=bool)
    largest = 0.0
    for column in columns:
        if column in INT_COLUMNS:
            bad |= a[column] != b[column]
        else:
            gap = _time_gap(a[column], b[column])
            bad |= gap > TIME_TOLERANCE
            largest = max(largest, float(gap.max()))
    if bad.any():
        # the earliest differing row is the one to look at: what differs later usually follows from it
        when = np.fmin(a[_EARLIEST[name]], b[_EARLIEST[name]])
        i = int(np.flatnonzero(bad)[np.argmin(when[bad])])
        first = next(c for c in columns if _differs(c, a[c][i : i + 1], b[c][i : i + 1]))
        raise EngineMismatchError(
            f"{name}: {int(bad.sum())} of {n_a} rows differ; the earliest by {_EARLIEST[name]} is row {i}: "
            f"office {a['office'][i].item()}, applicant {a['applicant'][i].item()}, column {first}: "
            f"{a[first][i].item()!r} against {b[first][i].item()!r}\n  a: {_row_text(a, i)}\n  b: {_row_text(b, i)}"
        )
    return largest


def _compare_per_day(name: str, a: NDArray[np.float64], b: NDArray[np.float64]) -> None:
    __tracebackhide__ = True
    if a.shape != b.shape:
        raise EngineMismatchError(f"{name}: shape {a.shape} against {b.shape}")
    gap = _time_gap(a, b)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    bad = gap > AREA_RELATIVE * scale
    if bad.any():
        where = tuple(int(x) for x in np.argwhere(bad)[0])
        raise EngineMismatchError(
            f"{name}: {int(bad.sum())} entries differ by more than {AREA_RELATIVE:g} relative; first at "
            f"(row, day) = {where}: {a[where]!r} against {b[where]!r}"
        )


def assert_same(a: ReplicationResult, b: ReplicationResult) -> float:
    """Raise :class:`EngineMismatchError` unless the two results are equal within the tolerances.

    Parameters
    ----------
    a, b
        Results of the same replication of the same scenario, the reference first; messages call them a and b.

    Returns
    -------
    float
        The largest difference of any time column or of ``end_minutes``, minutes.
    """
    __tracebackhide__ = True
    if a.replication != b.replication:
        raise EngineMismatchError(f"replication {a.replication} against {b.replication}")
    for name in TABLES:
        if getattr(a, name)["applicant"].size != getattr(b, name)["applicant"].size:
            raise EngineMismatchError(
                f"{name}: {getattr(a, name)['applicant'].size} rows against {getattr(b, name)['applicant'].size}"
                f" (rows per table: a {_sizes(a)}, b {_sizes(b)})"
            )
    largest = max(_compare_table(name, getattr(a, name), getattr(b, name)) for name in TABLES)
    end_gap = abs(a.end_minutes - b.end_minutes)
    if not end_gap <= TIME_TOLERANCE:
        raise EngineMismatchError(f"end_minutes: {a.end_minutes!r} against {b.end_minutes!r}")
    largest = max(largest, end_gap)
    for name in PER_DAY:
        _compare_per_day(name, getattr(a, name), getattr(b, name))
    if a.stages != b.stages:
        raise EngineMismatchError(f"stages: {a.stages} against {b.stages}")
    for name in ("forgone", "forgone_origin"):
        x, y = getattr(a, name), getattr(b, name)
        if x.shape != y.shape or not np.array_equal(x, y):
            raise EngineMismatchError(f"{name}: differs (shapes {x.shape}, {y.shape}; totals {x.sum()!r}, {y.sum()!r})")
    _compare_other(a, b)
    return largest


def _compare_other(a: ReplicationResult, b: ReplicationResult) -> None:
    """Any other field (added to the result later): integer arrays exactly, float arrays as the per-day integrals."""
    __tracebackhide__ = True
    for field in dataclasses.fields(ReplicationResult):
        if field.name in _COMPARED:
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
            _compare_per_day(field.name, x, np.asarray(y))
        elif isinstance(x, np.ndarray):
            if x.shape != np.shape(y) or not np.array_equal(x, y):
                raise EngineMismatchError(f"{field.name}: differs (totals {x.sum()!r}, {np.sum(y)!r})")
        elif x != y:
            raise EngineMismatchError(f"{field.name}: {x!r} against {y!r}")


_COMPARED = frozenset({"replication", *TABLES, "end_minutes", *PER_DAY, "stages", "forgone", "forgone_origin"})


def _sizes(r: ReplicationResult) -> dict[str, int]:
    return {name: int(getattr(r, name)["applicant"].size) for name in TABLES}


def assert_canonical(r: ReplicationResult) -> None:
    """Raise unless every table's rows are in the canonical order of :mod:`sim.model.result`."""
    for name, keys in _CANONICAL_ORDER.items():
        table = getattr(r, name)
        order = _order(table, keys)
        if not np.array_equal(order, np.arange(order.size)):
            i = int(np.argmax(order != np.arange(order.size)))
            raise AssertionError(f"{name}: rows not in canonical order ({', '.join(keys)}) from row {i}")


def assert_conserved(r: ReplicationResult, *, intake_only: bool | None = None) -> None:
    """Raise unless the result accounts for every applicant and every visit exactly once.

    Parameters
    ----------
    r
        A finished replication.
    intake_only
        Whether the scenario has no hukou provinces (then no requests); inferred from the records when omitted.
    """
    assert_canonical(r)
    a, v, q = r.applicants, r.visits, r.requests
    n = a["applicant"].size
    ids = a["applicant"]
    assert np.array_equal(np.sort(ids), np.arange(n)), "applicant ids are not 0..n-1, each exactly once"
    by_id = np.argsort(ids)
    office_of = a["office"][by_id]
    # every visit belongs to an applicant of its office, or is background business
    background = v["kind"] == VisitKind.BACKGROUND
    assert np.all(v["applicant"][background] == -1), "background visits carry an applicant id"
    own = v["applicant"][~background]
    assert np.all((own >= 0) & (own < n)), "a visit of an applicant who is not in the applicants table"
    assert np.array_equal(v["office"][~background], office_of[own]), "a visit at another office than its applicant's"
    kinds = v["kind"][~background]
    intakes = np.bincount(own[kinds == VisitKind.INTAKE], minlength=n)
    assert np.all(intakes == 1), "an applicant without exactly one first intake"
    assert np.array_equal(np.bincount(own, minlength=n), a["visits"][by_id]), "visits column against visit rows"
    # requests: one per attempt, all rejected but the last, which approves
    if intake_only is None:
        intake_only = bool(np.all(a["province"] == -1)) if n else True
    if intake_only:
        assert q["applicant"].size == 0
        assert np.all(a["attempts"] == 0)
    else:
        who = q["applicant"]
        assert np.all((who >= 0) & (who < n)), "a request of an applicant who is not in the applicants table"
        assert np.array_equal(np.bincount(who, minlength=n), a["attempts"][by_id]), "attempts against request rows"
        assert np.all(a["attempts"] >= 1)
        if who.size:  # nobody applied at all (e.g. a weekday profile of zeros): no attempts to check
            order = np.lexsort((q["attempt"], who))
            who_sorted, attempt_sorted, approved = who[order], q["attempt"][order], q["approved"][order]
            first = np.r_[True, who_sorted[1:] != who_sorted[:-1]]
            last = np.r_[who_sorted[1:] != who_sorted[:-1], True]
            expected_attempt = np.arange(who.size) - np.maximum.accumulate(np.where(first, np.arange(who.size), 0))
            assert np.array_equal(attempt_sorted, expected_attempt), "attempts are not numbered 0, 1, ... per applicant"
            assert np.array_equal(approved.astype(bool), last), "not exactly the last attempt approved"
        reworks = np.bincount(own[kinds == VisitKind.REWORK], minlength=n)
        assert np.array_equal(reworks, a["attempts"][by_id] - 1), "a rework visit for every rejected attempt"
        assert np.array_equal(q["office"], office_of[who]), "a request from another office than its applicant's"
        assert np.array_equal(q["province"], a["province"][by_id][who]), "a request to another province"
        for column in ("sent", "received", "start", "decided"):
            assert np.isfinite(q[column]).all(), f"requests.{column} not finite"
        assert np.all(q["sent"] <= q["received"])
        assert np.all(q["received"] <= q["start"])
        assert np.all(q["start"] <= q["decided"])
    # every visit was served, after it arrived; everyone finished
    assert np.all(v["arrival"] <= v["start"])
    assert np.all(v["start"] <= v["end"])
    assert np.all(v["wait"] >= -TIME_TOLERANCE)
    assert np.all(a["arrival"] <= a["intake_end"])
    assert np.all(a["intake_end"] <= a["in_hand"])
    assert np.all(a["in_hand"] <= r.end_minutes)
    # stage counts at the windows: balanced, and everyone served at the end
    # local ID visits: in the visit table, or (local_visit_records = "none") only counted per office and day
    local = getattr(r, "local_visits", None)
    in_table = np.bincount(v["office"][background], minlength=len(r.stages))
    if local is not None and background.any():
        assert np.array_equal(local.sum(axis=1), in_table), "local_visits against the local visits in the table"
    for office, counts in enumerate(r.stages):
        assert counts.balanced, f"office {office}: {counts}"
        at_windows = int(np.sum((v["office"] == office) & (v["kind"] != VisitKind.KIOSK_PICKUP)))
        if local is not None and not background.any():
            at_windows += int(local[office].sum())
        assert counts.arrived == counts.served == at_windows, f"office {office}: {counts}, {at_windows} visits"
        assert counts.waiting == counts.in_service == counts.away == 0, f"office {office}: {counts}"
    # turned away by a cap: each turn-away ends in exactly one of a return or giving up, per office and day
    assert np.array_equal(r.turned_away, r.returned + r.given_up), "turned away against returned + given up"
    # applicant-minutes over all stages: every applicant is somewhere from arrival to the end of the run
    total = float(r.wip_area.sum())
    expected = float(np.sum(r.end_minutes - a["arrival"]))
    assert abs(total - expected) <= 1e-6 * max(abs(expected), 1.0), f"stage areas {total} against {expected}"
