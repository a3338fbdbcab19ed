"""The ``[demand]`` section: weekday and hour shapes, and (with data tables) demand from migrant stocks.

Demand from migrant stocks is asked for by ``applications_per_migrant_year`` (``mode = "per_migrant"``, the
default), by ``mode`` or by ``cohort``. Both modes' parameters may be present (a file extending the national base
inherits its ``applications_per_migrant_year``): ``mode`` chooses which one is used, and the other is still checked.
"""

from __future__ import annotations

from typing import Literal, cast

from sim.scenario.reader import Table
from sim.scenario.schema import DEMAND_MODES, PENT_UP_SHAPES, Cohort, Demand, MigrantDemand

MIGRANT_KEYS = ("applications_per_migrant_year", "mode", "cohort")
"""Keys of ``[demand]`` that ask for demand from migrant stocks."""


def demand(table: Table) -> tuple[Demand, MigrantDemand | None]:
    """Read ``[demand]``: profiles, and the migrant-demand keys when any of :data:`MIGRANT_KEYS` is given."""
    weekday = table.numbers("weekday_profile", length=7) if table.has("weekday_profile") else (1.0,) * 7
    hour = table.numbers("hour_profile", length=24) if table.has("hour_profile") else (1.0,) * 24
    migrant = None
    if any(table.has(key) for key in MIGRANT_KEYS):
        migrant = _migrant(table)
    table.done()
    return Demand(weekday_profile=weekday, hour_profile=hour), migrant


def _migrant(table: Table) -> MigrantDemand:
    mode = table.text("mode", "per_migrant", choices=DEMAND_MODES)
    rate = None
    if mode == "per_migrant" or table.has("applications_per_migrant_year"):
        rate = table.number("applications_per_migrant_year", low=0.0, high=1.0)
    cohort = _cohort(table.table("cohort", required=True)) if mode == "cohort" or table.has("cohort") else None
    take_up = table.table("take_up")
    pent_up = table.table("pent_up")
    month = table.numbers("month_profile", length=12) if table.has("month_profile") else (1.0,) * 12
    shape = pent_up.text("shape", "even", choices=PENT_UP_SHAPES)
    result = MigrantDemand(
        applications_per_migrant_year=rate if mode == "per_migrant" else None,
        take_up_initial=take_up.number("initial", 1.0, low=0.0, high=1.0),
        take_up_days=take_up.number("full_after_days", 0.0, low=0.0, high=3650.0),
        pent_up_years=pent_up.number("years", 0.0, low=0.0, high=20.0),
        pent_up_days=pent_up.number("release_days", 1.0, low=1.0, high=3650.0),
        month_profile=month,
        pent_up_shape=cast(Literal["even", "decaying", "ramp"], shape),
        cohort=cohort if mode == "cohort" else None,
    )
    take_up.done()
    pent_up.done()
    return result


def _cohort(table: Table) -> Cohort:
    """``cohort = { child_share = 0.19, ages = 18, take_up = 0.6 }``: only ``take_up`` is required."""
    result = Cohort(
        take_up=table.number("take_up", low=0.0, high=1.0),
        child_share=table.number("child_share", 0.19, low=0.0, high=1.0),
        ages=table.number("ages", 18.0, low=1.0, high=100.0),
    )
    table.done()
    return result
