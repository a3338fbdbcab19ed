"""The ``[demand]`` section: weekday and hour shapes, and (with data tables) demand from migrant stocks."""

from __future__ import annotations

from sim.scenario.reader import Table
from sim.scenario.schema import Demand, MigrantDemand


def demand(table: Table) -> tuple[Demand, MigrantDemand | None]:
    """Read ``[demand]``: profiles, and the migrant-demand keys when ``applications_per_migrant_year`` is given."""
    weekday = table.numbers("weekday_profile", length=7) if table.has("weekday_profile") else (1.0,) * 7
    hour = table.numbers("hour_profile", length=24) if table.has("hour_profile") else (1.0,) * 24
    migrant = None
    if table.has("applications_per_migrant_year"):
        migrant = _migrant(table)
    table.done()
    return Demand(weekday_profile=weekday, hour_profile=hour), migrant


def _migrant(table: Table) -> MigrantDemand:
    rate = table.number("applications_per_migrant_year", low=0.0, high=1.0)
    take_up = table.table("take_up")
    pent_up = table.table("pent_up")
    month = table.numbers("month_profile", length=12) if table.has("month_profile") else (1.0,) * 12
    result = MigrantDemand(
        applications_per_migrant_year=rate,
        take_up_initial=take_up.number("initial", 1.0, low=0.0, high=1.0),
        take_up_days=take_up.number("full_after_days", 0.0, low=0.0, high=3650.0),
        pent_up_years=pent_up.number("years", 0.0, low=0.0, high=20.0),
        pent_up_days=pent_up.number("release_days", 1.0, low=1.0, high=3650.0),
        month_profile=month,
    )
    take_up.done()
    pent_up.done()
    return result
