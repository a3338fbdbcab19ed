"""How much faster replications run on two workers than on one, and whether the results stay identical.

Usage: ``python bench/replications.py [--scenario FILE] [--replications N] [--end DATE] [--no-dask]``.

Runs the same replications of one scenario with the serial executor (one worker), with two local worker processes
and, when ``dask.distributed`` is installed, on a local Dask cluster of two single-threaded worker processes, and
prints a markdown table of wall time, throughput, speed-up and parallel efficiency (speed-up / workers). Wall
times include each executor's own overhead: starting the process pool, connecting to the Dask cluster (whose
start-up is not timed). The cluster is started after the other two runs: a ``LocalCluster``'s scheduler is a thread
of this process, and its heartbeats slowed a serial run by 10-20 %. The summaries of all runs must be
byte-identical; the script says so and exits 1 when they are not.

The shipped ``two_provinces`` scenario runs about 0.5 s a replication, too short to measure parallel runs by, so
by default its arrivals are stretched to ``--end 2024-08-31`` (two years, about 3-4 s a replication on a 2-core
machine); ``--end scenario`` keeps the scenario's own end. Timings on a shared machine are noisy: run it twice.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.experiment.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.store import summary_csv
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2


def horizon(scenario: Scenario, end: str) -> Scenario:
    """The scenario with arrivals ending on ``end`` (cut or stretched), or unchanged for ``scenario``."""
    if end == "scenario":
        return scenario
    day = dt.date.fromisoformat(end)
    if day <= scenario.run.end:
        return cut_at(scenario, day)
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, end=day))


@contextmanager
def dask_cluster() -> Iterator[str | None]:
    """The address of a local Dask cluster with two single-threaded worker processes; None without dask."""
    try:
        from distributed import LocalCluster  # noqa: PLC0415
    except ImportError:
        yield None
        return
    with LocalCluster(
        n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "two_provinces.toml")
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--end", default="2024-08-31", help="last arrival day, or 'scenario' (default 2024-08-31)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask row")
    args = parser.parse_args()
    scenario = horizon(load_scenario(args.scenario), args.end)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"scenario {scenario.name}, arrivals {scenario.run.start} to {scenario.run.end}, "
        f"{args.replications} replications, seed {scenario.run.seed}; {os.cpu_count()} cores, load {load}"
    )
    print("| executor | workers | replications | wall s | replications per minute | speed-up | efficiency |")
    print("|---|---|---|---|---|---|---|")
    summaries: list[str] = []
    walls: list[float] = []

    def row(label: str, workers: int, executor: Executor) -> None:
        began = time.perf_counter()
        experiment = run_experiment(scenario, replications=args.replications, executor=executor)
        wall = time.perf_counter() - began
        summaries.append(summary_csv(experiment))
        walls.append(wall)
        speed_up = walls[0] / wall
        print(
            f"| {label} | {workers} | {args.replications} | {wall:.1f} | {args.replications / wall * 60:.1f} "
            f"| {speed_up:.2f} | {speed_up / workers:.0%} |",
            flush=True,
        )

    row("serial", 1, SerialExecutor())
    row("processes", WORKERS, ProcessExecutor(WORKERS))
    # Started only now: a LocalCluster's scheduler is a thread of this process and would slow the serial run.
    with dask_cluster() if not args.no_dask else _nothing() as address:
        if address is not None:
            row("dask (local cluster)", WORKERS, DaskExecutor(address))
    identical = all(s == summaries[0] for s in summaries)
    print(f"summary.csv identical across executors: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


@contextmanager
def _nothing() -> Iterator[str | None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
