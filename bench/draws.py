"""How long the random draws of one national replication take, and where the time goes.

Usage: ``python bench/draws.py [--local N] [--every K] [--rounds R] [--against DIR] [--streams]``.

Every random number of a replication is drawn before the dynamics, one office-day at a time
(:meth:`sim.world.office_day.OfficeDays.day`). This script does what the engines do for every office and every
arrival day of ``scenarios/history.toml`` (341 offices, 2021-10-01..2024-07-31) and nothing else, and prints, in
CPU seconds of this process (``time.process_time``, less disturbed by other jobs than the wall clock):

- building the offices' :class:`OfficeDays` (demand volumes, forgone counts, calendars) and drawing all their days,
  without a profiler;
- the same draws under ``cProfile``, by part (cumulative seconds, inflated by the profiler's own overhead on every
  Python call): stream creation; the applicants' count and arrival times (``sample_day``);
  ``ApplicantSampler.draw``; the local ID visits (count, times and service, streams excluded); and the rest of
  ``OfficeDays.day`` (day shape and weight, origins and thinning of the candidates).

By default the offices keep the base's local ID business (about 1.3 x 10^8 visits a replication); ``--local 0``
drops it and ``--local N`` gives every office ``N`` expected local visits on an open day of weekday weight 1 (with
the base's service times). ``--every K`` keeps every ``K``-th office and scales the figures by ``K``.

``--against DIR`` runs the same measurement on another copy of the ``sim`` package (``DIR/sim``, e.g. the tree with
the draw modules as they were before a change) in a subprocess, alternating with this tree for ``--rounds``
rounds, and prints the best round of each and their ratio. Timings on a shared machine are noisy: compare ratios
measured in one run, not seconds across runs. ``--streams`` also times ways of making one office-day's generator.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec, Scenario
from sim.world.calendar import Calendar
from sim.world.office_day import OfficeDays
from sim.world.schedule import enabled_days, pilot_share

ROOT = Path(__file__).resolve().parents[1]
LOCAL_MINUTES = DistSpec("lognormal", mean=5.5, cv=0.65)
"""Service of local visits where an office has none (the base's own distribution)."""
PARTS = ("stream creation", "applicant times", "ApplicantSampler.draw", "background", "rest of day()")
Key = tuple[str, int, str]


def national(local: float | None, every: int) -> Scenario:
    """The history scenario, every ``every``-th office, with ``local`` local visits per open day (None: the base's)."""
    scenario = load_scenario(ROOT / "scenarios" / "history.toml")
    offices = scenario.offices[::every]
    if local is not None:
        offices = tuple(
            dataclasses.replace(
                o,
                background_per_day=local,
                background_minutes=o.background_minutes if o.background_per_day > 0 else LOCAL_MINUTES,
            )
            for o in offices
        )
    return dataclasses.replace(scenario, offices=offices)


def build(scenario: Scenario, replication: int = 0) -> list[OfficeDays]:
    """The offices' day samplers, built as ``sim.model.build.build`` builds them."""
    geo = scenario.geography
    enabled = enabled_days(geo, scenario.phases) if geo is not None else None
    share = pilot_share(geo) if geo is not None else np.zeros(0)
    return [
        OfficeDays(
            scenario,
            replication,
            scenario.run.seed,
            i,
            calendar=Calendar(scenario.run.start, o.hours, scenario.holidays),
            enabled=enabled,
            pilot_share=share,
        )
        for i, o in enumerate(scenario.offices)
    ]


def draw_all(offices: list[OfficeDays], days: int) -> tuple[int, int]:
    """Every office-day's draws, as the engines take them; returns (applicants, local visits)."""
    applicants = visits = 0
    for office in offices:
        for day in range(days):
            arrivals = office.day(day)
            applicants += arrivals.draws.arrival.size
            visits += arrivals.background.size
    return applicants, visits


def _callers(stats: dict[Key, Any], key: Key) -> dict[Key, tuple[float, ...]]:
    return stats[key][4]  # type: ignore[no-any-return]


def breakdown(stats: dict[Key, Any]) -> dict[str, float]:
    """Cumulative profiled seconds by part (see the module docstring)."""

    def where(key: Key, file: str, name: str | None = None) -> bool:
        return key[0].replace(os.sep, "/").endswith(file) and (name is None or key[2] == name)

    def from_callers(key: Key, names: set[str], files: tuple[str, ...] = ("office_day.py",)) -> float:
        return sum(v[3] for c, v in _callers(stats, key).items() if c[2] in names and any(where(c, f) for f in files))

    background_callers = {"day", "_background", "background"}
    applicant_callers = {"_applicants", "applicants"}
    parts = dict.fromkeys(PARTS, 0.0)
    total = 0.0
    for key, (_, _, _, cumulative, callers) in stats.items():
        if where(key, "office_day.py", "day"):
            total += cumulative
        elif where(key, "streams.py"):  # stream creation wherever it happens, counted once
            parts["stream creation"] += sum(v[3] for c, v in callers.items() if not where(c, "streams.py"))
        elif where(key, "arrivals.py"):  # sample_day (count and times), DayShape.sorted_times
            parts["applicant times"] += from_callers(key, applicant_callers)
            parts["background"] += from_callers(key, background_callers)
        elif where(key, "draws.py", "draw"):
            parts["ApplicantSampler.draw"] += cumulative
        elif where(key, "distributions.py"):
            parts["background"] += from_callers(key, background_callers)
    parts["rest of day()"] = total - sum(parts.values())
    parts["total"] = total
    return {f"{k} (profiled)": v for k, v in parts.items()}


def measure(local: float | None, every: int) -> dict[str, float]:
    """CPU seconds (building, drawing) without the profiler, then the profiled breakdown; scaled by ``every``."""
    scenario = national(local, every)
    days = scenario.run.days
    began = time.process_time()
    offices = build(scenario)
    built = time.process_time()
    applicants, visits = draw_all(offices, days)
    drawn = time.process_time()
    profiler = cProfile.Profile()
    offices = build(scenario)
    profiler.enable()
    draw_all(offices, days)
    profiler.disable()
    parts = breakdown(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]
    result = {"build offices": built - began, "draws": drawn - built, **parts}
    result = {k: v * every for k, v in result.items()}
    result["office-days"] = float(len(offices) * days * every)
    result["applicants"] = float(applicants * every)
    result["local visits"] = float(visits * every)
    return result


def stream_options(days: int = 20_000) -> dict[str, float]:
    """Microseconds to make one office-day's generator (and draw 30 uniforms from it), by method."""
    from sim.world.streams import DayStreams, Source  # noqa: PLC0415 (not in a tree measured --against)

    key = (0, int(Source.APPLICANTS), 7)  # replication, source, office
    seed = 12345

    def timed(make: Callable[[int], np.random.Generator]) -> float:
        began = time.perf_counter()
        for day in range(days):
            make(day).random(30)
        return (time.perf_counter() - began) / days * 1e6

    sequence = np.random.SeedSequence(seed, spawn_key=key)
    philox_key = sequence.generate_state(2, np.uint64)
    pcg = np.random.PCG64(sequence)
    pcg_start, pcg_generator = pcg.state, np.random.Generator(pcg)

    def pcg_at(day: int) -> np.random.Generator:  # the office's PCG64 stream, advanced to day x 2**64
        pcg.state = pcg_start
        pcg.advance(day << 64)
        return pcg_generator

    streams = DayStreams(seed, key[0], Source(key[1]), key[2])
    return {
        "SeedSequence(seed, spawn_key=(..., day)) + PCG64, new per office-day (before)": timed(
            lambda d: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(*key, d))))
        ),
        "SeedSequence.spawn(1) of the office's sequence + PCG64 per day (order-dependent)": timed(
            lambda d: np.random.Generator(np.random.PCG64(sequence.spawn(1)[0]))
        ),
        "Philox(key=office key, counter=day), new per office-day": timed(
            lambda d: np.random.Generator(np.random.Philox(counter=[0, 0, 0, d], key=philox_key))
        ),
        "one PCG64 per office, state reset + advance(day x 2**64)": timed(pcg_at),
        "DayStreams.day: one Philox per office, counter set to the day (now)": timed(streams.day),
    }


def report(rows: list[tuple[str, list[float]]], labels: list[str]) -> None:
    print("| part | " + " | ".join(labels) + (" | ratio |" if len(labels) == 2 else " |"))
    print("|---|" + "---:|" * (len(labels) + (len(labels) == 2)))
    for name, values in rows:
        cells = [f"{v:,.0f}" if v >= 1000 else f"{v:.2f}" for v in values]
        if len(values) == 2:
            cells.append(f"{values[1] / values[0]:.2f}" if values[0] > 0 else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", type=float, help="local ID visits per open office-day (default: the base's)")
    parser.add_argument("--every", type=int, default=1, help="keep every K-th office and scale by K")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds with --against")
    parser.add_argument("--against", type=Path, help="directory holding another copy of the sim package")
    parser.add_argument("--streams", action="store_true", help="also time ways of making a generator")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(None if args.local < 0 else args.local, args.every)))
        return
    trees = [("this tree", None)] if args.against is None else [("against", args.against), ("this tree", None)]
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for _ in range(args.rounds):
        for label, tree in trees:
            env = dict(os.environ)
            if tree is not None:
                env["PYTHONPATH"] = str(tree.resolve())
            local = -1.0 if args.local is None else args.local
            command = [sys.executable, __file__, "--json", f"--local={local}", f"--every={args.every}"]
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
            runs[label].append(json.loads(out))
    labels = [label for label, _ in trees]
    names = list(runs[labels[0]][0])
    local = "the base's" if args.local is None else f"{args.local:g} a day per office"
    print(f"history.toml, local visits: {local}, every {args.every} office(s); CPU seconds (profiled: cProfile):")
    # the best round of each (least disturbed by other jobs); counts are the same in every round
    report([(n, [min(r[n] for r in runs[label]) for label in labels]) for n in names], labels)
    if args.streams:
        print("\nmicroseconds per office-day generator (incl. drawing 30 uniforms):")
        for name, us in stream_options().items():
            print(f"- {name}: {us:.1f}")


if __name__ == "__main__":
    main()
