"""Busiest-month utilisation of every office's windows, from expected volumes (no simulation).

    python bench/office_load.py [SCENARIO] [--top 20]

For each office: the calendar month of the run with the highest offered load over staffed window minutes (local ID
visits x mean local service + intakes x mean intake + pickups x mean pickup, over windows x opening minutes;
:mod:`sim.world.workload`), that month's busiest hour on its mean day (all visits, pickups included), and the
Erlang C check that ``rollout-sim validate`` prints (the busiest day's busiest hour, applicants and local visits).
Prints the busiest offices and the distribution over all offices. Takes about ten seconds for the national
scenarios (341 offices, 1,035 days).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.output.tables import grid  # noqa: E402
from sim.scenario.load import load_scenario  # noqa: E402
from sim.world.peak import peak_loads  # noqa: E402
from sim.world.workload import busiest_months, pickup_lag_days  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "history.toml"))
    parser.add_argument("--top", type=int, default=20, help="offices listed, busiest first (default 20)")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    months = busiest_months(scenario)
    peaks = peak_loads(scenario)
    local = sum(o.background_per_day for o in scenario.offices)
    pickups = f", pickups {pickup_lag_days(scenario)} days after the first intake" if scenario.provinces else ""
    print(
        f"{scenario.name}: {len(scenario.offices)} offices, {sum(o.windows for o in scenario.offices):,} windows, "
        f"{local:,.0f} local ID visits on a day of weekday weight 1{pickups}"
    )
    order = sorted(range(len(months)), key=lambda i: -months[i].utilisation)
    header = ["office", "windows", "busiest month", "local/day", "applicants/day", "pickups/day", "util",
              "busiest hour rho", "validate peak", "validate rho"]  # fmt: skip
    rows = []
    for i in order[: args.top]:
        m, p = months[i], peaks[i]
        days = max(m.open_days, 1)
        rows.append(
            [
                m.office,
                str(m.windows),
                m.month.strftime("%Y-%m"),
                f"{m.local_visits / days:.1f}",
                f"{m.applicants / days:.1f}",
                f"{m.pickups / days:.1f}",
                f"{m.utilisation:.3f}",
                f"{m.busiest_hour_utilisation:.3f}",
                p.when,
                f"{p.queue.utilisation:.3f}",
            ]
        )
    print(f"\nbusiest month per office, the {min(args.top, len(months))} highest utilisations (per open day):")
    print(grid(header, rows))
    util = np.array([m.utilisation for m in months])
    hour = np.array([m.busiest_hour_utilisation for m in months])
    rho = np.array([p.queue.utilisation for p in peaks])
    windows = np.array([m.windows for m in months])
    stats = []
    for label, values in (
        ("busiest-month utilisation", util),
        ("  offices with >= 3 windows", util[windows >= 3]),
        ("busiest hour rho (busiest month)", hour),
        ("validate peak-hour rho", rho),
    ):
        if values.size:
            stats.append([label, str(values.size), *(f"{q:.3f}" for q in np.percentile(values, [0, 50, 90, 100]))])
    print("\ndistribution over offices:")
    print(grid(["", "offices", "min", "median", "p90", "max"], stats))
    print(
        f"\noffices with 1 window: {int((windows == 1).sum())}; validate rho >= 1: {int((rho >= 1).sum())}; "
        f"busiest-month utilisation > 0.85: {int((util > 0.85).sum())}"
    )


if __name__ == "__main__":
    main()
