"""The files of a sizing's results folder: ``sizing.csv``, ``recommended.toml`` and, for a profile, ``profile.csv``.

``sizing.csv`` has a row per station and target, ``profile.csv`` a row per station, target and month.

``recommended.toml`` is a scenario that ``extends`` the original by its absolute path and sets the recommended
staff (:mod:`sim.scenario.staffing`), so ``rollout-sim run`` takes it as it is. The folder is written atomically
(:func:`~sim.experiment.store.write_atomically`): it holds both files or does not exist.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from sim.experiment.size import Judged, Sizing
from sim.experiment.store import write_atomically
from sim.scenario.staffing import Staffing, extending_file

SIZING_COLUMNS = (
    "kind", "name", "staff", "today", "recommended", "metric", "unit", "target",
    "before_month", "before_mean", "before_ci_low", "before_ci_high",
    "binding_month", "after_mean", "after_ci_low", "after_ci_high", "n", "profile", "staff_days_saved",
)  # fmt: skip
"""Columns of ``sizing.csv``: one row per station and target (figures in the target's unit; the months the
highest upper CI end falls in, today and as recommended; ``n`` the replications that define the binding month's
figure; ``profile`` the recommended staff from the start and its steps, ``4; 6 from 2022-10-01``, and
``staff_days_saved`` the open days x staff it saves against flat staffing at its largest count, 0 when flat)."""

PROFILE_COLUMNS = (
    "kind", "name", "staff", "month", "recommended", "metric", "unit", "target", "mean", "ci_low", "ci_high", "n",
)  # fmt: skip
"""Columns of ``profile.csv``: per station, target and month, the staff of the step profile and the month's figure
under the recommendation (mean and 95 % CI across replications; empty where undefined)."""

PROFILE_FILE = "profile.csv"

RECOMMENDED_FILE = "recommended.toml"
SIZING_FILE = "sizing.csv"


def sizing_rows(sizing: Sizing) -> list[dict[str, Any]]:
    """The rows of ``sizing.csv`` as dicts (see :data:`SIZING_COLUMNS`); NaN where a month has no figure."""
    rows = []
    index_of = {station: s for s, station in enumerate(sizing.stations)}
    for row in sizing.rows:
        index = index_of[row.station]
        before, after = _cells(row.before), _cells(row.after)
        rows.append(
            {
                "kind": row.station.kind,
                "name": row.station.name,
                "staff": row.station.staff,
                "today": row.station.today,
                "recommended": row.recommended,
                "metric": row.target.metric,
                "unit": row.target.unit,
                "target": row.target.value,
                "before_month": before[0],
                "before_mean": before[1],
                "before_ci_low": before[2],
                "before_ci_high": before[3],
                "binding_month": after[0],
                "after_mean": after[1],
                "after_ci_low": after[2],
                "after_ci_high": after[3],
                "n": row.after.estimate.n if row.after is not None else 0,
                "profile": profile_text(sizing.staffings[index]) if sizing.staffings else str(row.recommended),
                "staff_days_saved": sizing.staff_days_saved[index] if sizing.staff_days_saved else 0,
            }
        )
    return rows


def profile_text(staffing: Staffing) -> str:
    """``4; 6 from 2022-10-01; 5 from 2023-01-01``: the staff from the start and its dated steps."""
    base, steps = staffing
    return "; ".join([str(base), *(f"{n} from {day.isoformat()}" for day, n in steps)])


def profile_rows(sizing: Sizing) -> list[dict[str, Any]]:
    """The rows of ``profile.csv`` (see :data:`PROFILE_COLUMNS`); empty unless the sizing is a step profile."""
    if sizing.profile == "flat" or sizing.final is None:
        return []
    rows = []
    for s, t in _pairs(sizing):
        station, target = sizing.stations[s], sizing.targets[t]
        for m, month in enumerate(sizing.months):
            e = sizing.final.estimates[(s, t)][m]
            rows.append(
                {
                    "kind": station.kind,
                    "name": station.name,
                    "staff": station.staff,
                    "month": month.label,
                    "recommended": sizing.by_month[s][m],
                    "metric": target.metric,
                    "unit": target.unit,
                    "target": target.value,
                    "mean": e.mean if e.n else math.nan,
                    "ci_low": e.low if e.n >= 2 else math.nan,
                    "ci_high": e.high if e.n >= 2 else math.nan,
                    "n": e.n,
                }
            )
    return rows


def _pairs(sizing: Sizing) -> list[tuple[int, int]]:
    return [
        (s, t)
        for s, station in enumerate(sizing.stations)
        for t, target in enumerate(sizing.targets)
        if target.kind == station.kind
    ]


def _cells(judged: Judged | None) -> tuple[str, float, float, float]:
    if judged is None:
        return "", math.nan, math.nan, math.nan
    e = judged.estimate
    return judged.month, e.mean, e.low, e.high


def sizing_csv(sizing: Sizing) -> str:
    """``sizing.csv``: one row per station and target; numbers in full precision, empty where undefined."""
    return _csv(SIZING_COLUMNS, sizing_rows(sizing))


def profile_csv(sizing: Sizing) -> str:
    """``profile.csv``: one row per station, target and month of a step profile."""
    return _csv(PROFILE_COLUMNS, profile_rows(sizing))


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})
    return text.getvalue()


def recommended_toml(sizing: Sizing) -> str:
    """``recommended.toml``: a scenario that ``extends`` the original and sets the recommended staff."""
    header = "\n".join(
        [
            f"Written by rollout-sim size from {sizing.path.name}: the recommended staff for",
            *(f"  {t.label}" for t in sizing.targets),
            f"in every month ({sizing.scenario.run.replications} replications, seed {sizing.scenario.run.seed}, "
            "upper end of the 95 % CI)" + (", as a step profile by month." if sizing.profile == "monthly" else "."),
        ]
    )
    return extending_file(sizing.path, f"{sizing.scenario.name}-sized", sizing.overrides, header)


def save_sizing(sizing: Sizing, folder: Path) -> Path:
    """Write ``sizing.csv`` and ``recommended.toml`` into a new results folder, atomically."""

    def fill(target: Path) -> None:
        (target / SIZING_FILE).write_text(sizing_csv(sizing), encoding="utf-8")
        (target / RECOMMENDED_FILE).write_text(recommended_toml(sizing), encoding="utf-8")
        if sizing.profile != "flat":
            (target / PROFILE_FILE).write_text(profile_csv(sizing), encoding="utf-8")

    return write_atomically(folder, fill)
