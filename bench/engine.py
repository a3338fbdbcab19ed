"""How fast the model simulates, relative to a bare SimPy M/M/3 queue measured in the same run.

Usage: ``python bench/engine.py``. Timings on a shared 2-core machine are noisy, so every figure is also given as
a ratio to the reference (a minimal ``simpy.Resource`` M/M/3 with one process per customer, the leanest way to
write it in SimPy), measured in the same run; compare ratios, not seconds, across machines and commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

import numpy as np
import simpy

from sim.model.build import run_replication
from sim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


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


def model(name: str, shorten: bool = False) -> tuple[float, int]:
    """Seconds and applicants for one replication of a shipped scenario."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    if shorten:  # the national schedules on Sep-Dec 2022 (pilots, whole regions, the first national batch)
        first = dt.date(2022, 9, 1)
        shift = (first - scenario.run.start).days
        run = dataclasses.replace(scenario.run, start=first, end=dt.date(2022, 12, 31))
        phases = tuple(dataclasses.replace(p, start_day=max(0, p.start_day - shift)) for p in scenario.phases)
        scenario = dataclasses.replace(scenario, run=run, phases=phases)
    began = time.perf_counter()
    result = run_replication(scenario, 0)
    return time.perf_counter() - began, int(result.applicants["applicant"].size)


def main() -> None:
    customers = 100_000
    reference = customers / bare_simpy(customers)
    print(f"reference: bare SimPy M/M/3, {reference:,.0f} customers/s")
    print("| workload | applicants | seconds | applicants/s | ratio to reference |")
    print("|---|---|---|---|---|")
    for label, name, shorten in [
        ("intake only, M/M/3 (mmc_check)", "mmc_check", False),
        ("whole journey, one office (two_provinces)", "two_provinces", False),
        ("national history, Sep-Dec 2022", "history", True),
    ]:
        seconds, applicants = model(name, shorten)
        rate = applicants / seconds
        print(f"| {label} | {applicants:,} | {seconds:.1f} | {rate:,.0f} | {rate / reference:.2f} |")


if __name__ == "__main__":
    main()
