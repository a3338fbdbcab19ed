"""Print the M/M/3 check: simulated mean wait, P(wait > 0), utilisation with 95 % CIs beside Erlang C.

Usage: ``python bench/erlang_check.py [--replications 20]`` (a few seconds per utilisation on 2 cores).
The tests assert the same agreement (within 4 standard errors); this prints the numbers for a reader.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np

from sim.experiment.executors import ProcessExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.scenario.load import load_scenario
from sim.theory import MMc

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "mmc_check.toml"
CASES = [(0.5, 30, 3), (0.8, 60, 5), (0.95, 100, 10)]  # rho, days, warm-up days (as in the tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    base = load_scenario(SCENARIO)
    print("| rho | days (warm-up) | Erlang C Wq | simulated Wq ±95% CI | C = P(W>0) | simulated P(W>0) | utilisation |")
    print("|---|---|---|---|---|---|---|")
    for rho, days, warm in CASES:
        rate = rho * 3 / 10.0
        office = dataclasses.replace(base.offices[0], applicants_per_day=rate * 1440)
        run = dataclasses.replace(
            base.run, end=base.run.start + dt.timedelta(days=days - 1), warm_up_days=warm,
            replications=args.replications,
        )  # fmt: skip
        scenario = dataclasses.replace(base, offices=(office,), run=run)
        experiment = run_experiment(scenario, executor=ProcessExecutor(2))
        theory = MMc(3, rate, 10.0)
        wq = experiment.summary[("M/M/3", "wait_mean")]
        util = experiment.summary[("M/M/3", "utilisation")]
        p0 = estimate(
            [float(np.mean(o.result.visits["wait"][(o.result.visits["day"] >= warm)] > 0)) for o in experiment.outcomes]
        )
        print(
            f"| {rho} | {days} ({warm}) | {theory.mean_wait_minutes:.3f} | {wq.mean:.3f} ±{wq.half_width:.3f} "
            f"| {theory.prob_wait:.4f} | {p0.mean:.4f} ±{p0.half_width:.4f} | {util.mean:.4f} ±{util.half_width:.4f} |"
        )


if __name__ == "__main__":
    main()
