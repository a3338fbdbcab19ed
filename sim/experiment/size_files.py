"""The files of a sizing's results folder: ``sizing.csv`` (a row per station and target) and ``recommended.toml``.

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
from sim.scenario.staffing import extending_file

SIZING_COLUMNS = (
    "kind", "name", "staff", "today", "recommended", "metric", "unit", "target",
    "before_month", "before_mean", "before_ci_low", "before_ci_high",
    "binding_month", "after_mean", "after_ci_low", "after_ci_high", "n",
)  # fmt: skip
"""Columns of ``sizing.csv``: one row per station and target (figures in the target's unit; the months the
highest upper CI end falls in, today and as recommended; ``n`` the replications that define the binding month's
figure)."""

RECOMMENDED_FILE = "recommended.toml"
SIZING_FILE = "sizing.csv"


def sizing_rows(sizing: Sizing) -> list[dict[str, Any]]:
    """The rows of ``sizing.csv`` as dicts (see :data:`SIZING_COLUMNS`); NaN where a month has no figure."""
    rows = []
    for row in sizing.rows:
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
            }
        )
    return rows


def _cells(judged: Judged | None) -> tuple[str, float, float, float]:
    if judged is None:
        return "", math.nan, math.nan, math.nan
    e = judged.estimate
    return judged.month, e.mean, e.low, e.high


def sizing_csv(sizing: Sizing) -> str:
    """``sizing.csv``: one row per station and target; numbers in full precision, empty where undefined."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SIZING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in sizing_rows(sizing):
        writer.writerow({k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})
    return text.getvalue()


def recommended_toml(sizing: Sizing) -> str:
    """``recommended.toml``: a scenario that ``extends`` the original and sets the recommended staff."""
    header = "\n".join(
        [
            f"Written by rollout-sim size from {sizing.path.name}: the recommended staff for",
            *(f"  {t.label}" for t in sizing.targets),
            f"in every month ({sizing.scenario.run.replications} replications, seed {sizing.scenario.run.seed}, "
            "upper end of the 95 % CI).",
        ]
    )
    return extending_file(sizing.path, f"{sizing.scenario.name}-sized", sizing.overrides, header)


def save_sizing(sizing: Sizing, folder: Path) -> Path:
    """Write ``sizing.csv`` and ``recommended.toml`` into a new results folder, atomically."""

    def fill(target: Path) -> None:
        (target / SIZING_FILE).write_text(sizing_csv(sizing), encoding="utf-8")
        (target / RECOMMENDED_FILE).write_text(recommended_toml(sizing), encoding="utf-8")

    return write_atomically(folder, fill)
