"""How fast the two engines simulate, relative to a bare SimPy M/M/3 queue measured in the same run.

Usage: ``python bench/engine.py [--quick] [--no-national]``. Timings on a shared 2-core machine are noisy, so every
figure is also given as a ratio to the reference (a minimal ``simpy.Resource`` M/M/3 with one process per customer,
the leanest way to write it in SimPy), measured in the same run; compare ratios, not seconds, across machines and
commits. The machine's speed also drifts over seconds, so the reference is measured before and after the runs of
each workload (:func:`paired`), and each row's ratio is to the best reference of its own moments; the one-office
workloads are timed as the best of five runs and of at least a second of runs; the fast engine's one-office journey
is also timed over five replications together, as its cost varies with the draws (how many are rejected and come
back). Each engine is run once before it is timed (the fast engine's kernels are compiled once and cached on disk).
The national scaling table runs each cut of the history scenario in a fresh process, after its first open days (to
2021-10-12, after Golden Week) to load the compiled kernels and what numba loads on their first call, so that the
table shows what a visit costs and not what a process pays once, and reports its peak resident memory; each cut is
timed as the best of three runs and of at least a second of runs, each on the scenario loaded afresh, and the whole
history as the best of two (a first run in a process also pays for the memory it touches first, which the cuts'
later runs do not).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import math
import multiprocessing
import resource
import time
from pathlib import Path

import numpy as np
import simpy

from sim.model.engine import Engine, run_replication
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CUSTOMERS = 100_000
JOURNEY_REPLICATIONS = 5
"""Replications of the one-office journey timed together on the fast engine (its cost varies with the draws)."""
REPEATS = 5
"""Runs of the reference and of each engine on the one-office workloads; the best is reported (as ``timeit``
does: the other runs measure the machine's other load, not the code)."""
CUT_REPEATS = 3
"""Runs of each cut of the national scaling table but the whole history (the best is reported)."""
SPAN = 1.0
"""Seconds of runs, at least, behind each best time of the one-office workloads (:func:`timed`)."""
WHOLE_REPEATS = 2
"""Runs of the whole history in the national scaling table (the best is reported)."""


def bare_simpy(customers: int) -> float:
    """Seconds for a bare SimPy M/M/3 (arrival rate 0.24/min, mean service 10 min)."""
    rng = np.random.default_rng(1)
    gaps, services = rng.exponential(1 / 0.24, customers), rng.exponential(10.0, customers)
    env = simpy.Environment()
    windows = simpy.Resource(env, capacity=3)

    def customer(service: float):  # type: ignore[no-untyped-def]
        with windows.request() as request:
            yield request
            yield env.timeout(service)

    def source():  # type: ignore[no-untyped-def]
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    env.process(source())
    began = time.perf_counter()
    env.run()
    return time.perf_counter() - began


def lengthened(name: str, days: int) -> Scenario:
    """A shipped scenario with its arrivals running ``days`` days."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    return dataclasses.replace(
        scenario, run=dataclasses.replace(scenario.run, end=scenario.run.start + dt.timedelta(days=days - 1))
    )


def national(shorten: bool, until: dt.date | None = None) -> Scenario:
    """The history schedule, on Sep-Dec 2022 (shorten) or from its start up to ``until``."""
    scenario = load_scenario(SCENARIOS / "history.toml")
    if shorten:  # the national schedules on Sep-Dec 2022 (pilots, whole regions, the first national batch)
        first = dt.date(2022, 9, 1)
        shift = (first - scenario.run.start).days
        run = dataclasses.replace(scenario.run, start=first, end=dt.date(2022, 12, 31))
        phases = tuple(dataclasses.replace(p, start_day=max(0, p.start_day - shift)) for p in scenario.phases)
        return dataclasses.replace(scenario, run=run, phases=phases)
    return scenario if until is None else cut_at(scenario, until)


def timed(
    scenario: Scenario, engine: Engine, repeats: int = 1, replication: int = 0, *, span: float = 0.0
) -> tuple[float, int, int]:
    """Best seconds, applicants and window visits (local ID visits included) of a replication.

    Run ``repeats`` times, and again until the runs have taken ``span`` seconds (as ``timeit``'s autorange: a
    run of 25 ms is timed over a second, longer than the machine's slow spells of a tenth of a second or so).
    """
    best, runs, spent = math.inf, 0, 0.0
    while runs < repeats or spent < span:
        began = time.perf_counter()
        result = run_replication(scenario, replication, engine=engine)
        took = time.perf_counter() - began
        best, runs, spent = min(best, took), runs + 1, spent + took
    return best, int(result.applicants["applicant"].size), sum(s.arrived for s in result.stages)


def paired(runs: list[tuple[Scenario, int]], engine: Engine, repeats: int = REPEATS) -> tuple[float, int, int, float]:
    """Replications ``runs`` (scenario, replication) timed between runs of the reference.

    The machine's speed drifts over seconds, so the reference runs before each replication and after the last, and
    the best of those runs is the row's reference. Each replication is timed ``repeats`` times in a row and its best
    time kept (a reference run between every two would leave each run to find the caches as the reference left
    them). Returns the summed best seconds, applicants and window visits, and the reference rate (customers/s).
    """
    seconds, applicants, visits = 0.0, 0, 0
    references = [bare_simpy(CUSTOMERS)]
    for scenario, replication in runs:
        best, people, visited = timed(scenario, engine, repeats, replication, span=SPAN)
        seconds, applicants, visits = seconds + best, applicants + people, visits + visited
        references.append(bare_simpy(CUSTOMERS))
    return seconds, applicants, visits, CUSTOMERS / min(references)


def _row(label: str, engine: str, measured: tuple[float, int, int, float]) -> None:
    """One row of the table from :func:`paired`'s result."""
    seconds, applicants, visits, reference = measured
    rate = applicants / seconds
    print(f"| {label} | {engine} | {applicants:,} | {visits:,} | {seconds:.2f} | {rate:,.0f} | {reference:,.0f} | "
          f"{rate / reference:.2f} |")  # fmt: skip


def _child(until: str | None, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    cut = None if until is None else dt.date.fromisoformat(until)
    # load the compiled kernels first, as the workloads above: a day the offices are open draws local visits too;
    # replication 1, so that nothing it computes is replication 0's
    timed(national(False, dt.date(2021, 10, 12)), "fast", replication=1)
    # the cuts up to 2023 best of CUT_REPEATS runs and of SPAN seconds of runs (a short cut is about 0.06 s), the whole
    # history best of WHOLE_REPEATS, each on the scenario loaded afresh, so that no run finds what an earlier one
    # built for the same scenario objects
    repeats = WHOLE_REPEATS if until is None else CUT_REPEATS
    runs: list[tuple[float, int, int]] = []
    while len(runs) < repeats or sum(r[0] for r in runs) < SPAN:  # a short cut over a second of runs, as above
        runs.append(timed(national(False, cut), "fast"))
    seconds, applicants, visits = min(runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB
    queue.put((seconds, applicants, visits, peak))


def in_fresh_process(until: str | None) -> tuple[float, int, int, float]:
    """One fast-engine replication of history up to ``until`` in a new process: seconds, counts, peak MiB."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(until, queue))
    process.start()
    outcome: tuple[float, int, int, float] = queue.get()
    process.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the SimPy engine on the national workload")
    parser.add_argument("--no-national", action="store_true", help="skip the national scaling table")
    args = parser.parse_args()
    print("| workload | engine | applicants | window visits | seconds | applicants/s | reference customers/s | "
          "ratio to reference |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    workloads = [
        ("intake only, M/M/3 (mmc_check, 290 days)", lengthened("mmc_check", 290)),
        ("whole journey, one office (two_provinces, 2 years)", lengthened("two_provinces", 730)),
        ("national history, Sep-Dec 2022", national(True)),
    ]
    timed(lengthened("two_provinces", 30), "fast")  # load (or compile) the kernels once
    bare_simpy(CUSTOMERS // 10)
    for label, scenario in workloads:
        engines: tuple[Engine, ...] = ("fast",) if args.quick and label.startswith("national") else ("simpy", "fast")
        for engine in engines:
            runs = 1 if label.startswith("national") else REPEATS
            _row(label, engine, paired([(scenario, 0)], engine, runs))
    # a light journey's cost on the fast engine varies with the draws: the sum over a few replications
    journey = workloads[1][1]
    together = paired([(journey, r) for r in range(JOURNEY_REPLICATIONS)], "fast")
    _row(f"whole journey, one office, replications 0-{JOURNEY_REPLICATIONS - 1} together", "fast", together)
    if args.no_national:
        return
    print()
    print(f"National scaling, fast engine, history from 2021-10-01 (replication 0, one core, fresh process; cuts best "
          f"of {CUT_REPEATS} runs and of {SPAN:g} s of runs, the whole history best of {WHOLE_REPEATS}):")  # fmt: skip
    print("| arrivals up to | applicants | window visits | seconds | microseconds per visit | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    for until in ("2021-10-15", "2021-11-30", "2022-06-30", "2022-12-31", "2023-06-30", "2023-12-31", None):
        seconds, applicants, visits, peak = in_fresh_process(until)
        print(f"| {until or '2024-07-31 (whole)'} | {applicants:,} | {visits:,} | {seconds:.1f} | "
              f"{1e6 * seconds / max(visits, 1):.2f} | {peak:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
