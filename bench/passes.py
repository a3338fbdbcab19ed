"""What each pass over the whole run costs and changes, on the one-office journey.

Usage: ``python bench/passes.py [--days N] [--replications R]``. The fast engine computes a light journey in
passes (docs/design.md, "Blocks or passes"): each serves every visit of the run and reviews every request
(links and production are kept from the pass before where their input time did not move), and the run is settled
when what a pass sends back to the windows (revisits and pickups) is what it served. For each
replication of ``two_provinces`` lengthened to ``N`` days (730 by default), this prints every pass's wall time and
how many of the rows it sends back differ from those it served (rows compared as sets, NaN equal to NaN): the
first passes change hundreds, the last ones a row or two, and the one that settles none. Then the whole run
(``run_replication``), for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from engine import lengthened  # bench/engine.py, beside this script

from sim.model.engine import run_replication
from sim.model.fast.run import _Arrivals, _Engine, _in_order


def changed(sent: _Arrivals | None, served: _Arrivals | None) -> int:
    """Rows in one set and not the other (the symmetric difference), NaN equal to NaN."""

    def rows(v: _Arrivals | None) -> set[tuple[float, ...]]:
        if v is None:
            return set()
        columns = [np.nan_to_num(np.asarray(x, dtype=np.float64), nan=-1.0).tolist() for x in _in_order(v)]
        return set(zip(*columns, strict=True))

    return len(rows(sent) ^ rows(served))


def passes(engine: _Engine) -> list[tuple[float, int, int]]:
    """Every pass until the run settles (at most :data:`~sim.model.fast.run.PASSES`): ms, rows sent, rows changed."""
    out = []
    began = time.perf_counter()
    for served, sent, _ in engine.passes():  # the arrivals are drawn before the first pass: its time includes them
        seconds = time.perf_counter() - began
        out.append((1e3 * seconds, 0 if sent is None else sent.t.size, changed(sent, served)))
        began = time.perf_counter()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=730, help="arrival days of two_provinces (default 730)")
    parser.add_argument("--replications", type=int, default=5, help="replications 0..R-1 (default 5)")
    args = parser.parse_args()
    scenario = lengthened("two_provinces", args.days)
    run_replication(lengthened("two_provinces", 30), 0, engine="fast")  # load (or compile) the kernels
    print("| replication | passes | ms per pass | rows sent back (last pass) | rows changed per pass | whole run, ms |")
    print("|---|---|---|---|---|---|")
    for replication in range(args.replications):
        engine = _Engine(scenario, replication, scenario.run.seed)
        done = passes(engine)
        began = time.perf_counter()
        run_replication(scenario, replication, engine="fast")
        whole = 1e3 * (time.perf_counter() - began)
        times = ", ".join(f"{ms:.0f}" for ms, _, _ in done)
        changes = ", ".join("-" if i == 0 else str(c) for i, (_, _, c) in enumerate(done))
        print(f"| {replication} | {len(done)} | {times} | {done[-1][1]:,} | {changes} | {whole:.0f} |")


if __name__ == "__main__":
    main()
