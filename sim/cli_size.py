"""``rollout-sim size``: the fewest windows per office and reviewers per hukou province that meet targets.

    rollout-sim size SCENARIO --target "wait_p90<=30min" [--target "reviewer_utilisation<=0.85"]
        [--replications R] [--seed S] [--max-windows N] [--max-reviewers N] [--out DIR] [execution options]

Parse, call :func:`sim.experiment.size.size`, print the table and write ``sizing.csv`` and ``recommended.toml``
into a new results folder (atomically). The command line (:mod:`sim.cli`) adds this command with
``cli_size.register(commands, _execution_options)``.

Exit status: 0 done; 2 bad input (an unknown or unsizable figure, a unit that does not fit, a scenario error, a
target that cannot be met even at the cap): one line on stderr, nothing written.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim import guard
from sim.console import err as _err
from sim.console import iso_date as _date
from sim.console import out as _out
from sim.experiment.executors import make_executor
from sim.experiment.size import PROFILES, Judged, Sizing, SizingError, size
from sim.experiment.size_files import save_sizing
from sim.experiment.targets import Target, check_targets, parse_target
from sim.output.tables import grid
from sim.scenario.errors import ScenarioError
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.schema import MAX_REPLICATIONS

EXIT_BAD_INPUT = 2
MAX_WINDOWS = 500
"""The schema's cap on an office's windows (``windows``: 1-500)."""
MAX_REVIEWERS = 10_000
"""The schema's cap on a province's reviewers (``reviewers``: 0-10,000)."""

ExecutionOptions = Callable[[argparse.ArgumentParser, str], None]
"""``sim.cli._execution_options``: adds --out, --results-root, --workers/--serial/--scheduler, --engine, --quiet,
--force to a command."""


def register(commands: Any, execution_options: ExecutionOptions) -> None:
    """Add the ``size`` command to the subparsers of ``rollout-sim``.

    Parameters
    ----------
    commands
        The subparsers object of :func:`sim.cli._parser`.
    execution_options
        :func:`sim.cli._execution_options`, passed in so that this module need not import :mod:`sim.cli`.
    """
    parser = commands.add_parser(
        "size", help="the fewest windows per office and reviewers per province that meet targets in every month"
    )
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument(
        "--target",
        dest="targets",
        action="append",
        required=True,
        type=_target,
        metavar="METRIC<=VALUE[unit]",
        help="a bound on a monthly figure per office (windows) or hukou province (reviewers), e.g. wait_p90<=30min,"
        " lead_days_p95<=21, reviewer_utilisation<=0.85 (repeatable)",
    )
    parser.add_argument("--replications", type=_bounded(2, MAX_REPLICATIONS), help="override run.replications (>= 2)")
    parser.add_argument("--seed", type=_bounded(0, 2**63 - 1), help="override run.seed (every try uses it)")
    parser.add_argument(
        "--until", type=_date, help="judge the months up to this day only (arrivals stop at its end, as run --until)"
    )
    parser.add_argument(
        "--max-windows", type=_bounded(1, MAX_WINDOWS), default=50, help="most windows of an office (default 50)"
    )
    parser.add_argument(
        "--max-reviewers",
        type=_bounded(1, MAX_REVIEWERS),
        default=1000,
        help="most reviewers of a province (default 1000)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="flat",
        help="flat: one staff per station for the whole run (default); monthly: a staff per station and month, "
        "written as windows_from / reviewers_from steps, with the staff-days saved against flat staffing",
    )
    execution_options(parser, "results folder for sizing.csv and recommended.toml (default results/<scenario>/<time>)")
    parser.set_defaults(command=run_size)


def _target(text: str) -> Target:
    try:
        return parse_target(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be an integer from {low:,} to {high:,}, got {text}")
        return value

    return read


def run_size(args: argparse.Namespace) -> int:
    """The ``size`` command; returns the exit status (errors of the scenario are raised for :func:`sim.cli.main`)."""
    scenario = load_scenario(args.scenario)
    if args.until is not None:
        if not scenario.run.start <= args.until <= scenario.run.end:
            rule = f"must be a date within the run ({scenario.run.start} to {scenario.run.end})"
            raise ScenarioError(scenario.file, "--until", rule, args.until)
        scenario = cut_at(scenario, args.until)
    targets = tuple(args.targets)
    check_targets(scenario, targets)
    replications = args.replications or scenario.run.replications
    if replications < 2:
        rule = "must be at least 2 for a confidence interval; pass --replications"
        raise ScenarioError(scenario.file, "run.replications", rule, replications)
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    guard.preflight(args, [scenario], replications, records=False)
    executor = make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler)
    with guard.locked(args.out):
        guard.clean(guard.parent_folder(args.out, args.results_root / scenario.name))
        try:
            sizing = size(
                args.scenario,
                targets,
                replications=replications,
                seed=args.seed,
                max_windows=args.max_windows,
                max_reviewers=args.max_reviewers,
                until=args.until,
                profile=args.profile,
                executor=executor,
                engine=args.engine,
                note=None if args.quiet else lambda line: _err(f"size: {line}"),
            )
        except SizingError as error:
            _err(f"{scenario.file}: --target: {error}; nothing was written")
            return EXIT_BAD_INPUT
        folder = guard.save(lambda f: save_sizing(sizing, f), args.out, args.results_root, scenario.name)
    run = sizing.scenario.run
    _out(
        f"{scenario.name}: {sizing.tries} staffings tried, {run.replications} replications each, seed {run.seed}, "
        f"engine {args.engine}, executor {executor.name}"
    )
    _out("figures: the month with the highest upper end of the 95 % CI; mean [95 % CI]")
    _out(sizing_table(sizing))
    if sizing.profile == "monthly":
        _out(profile_summary(sizing))
    _out(f"results: {folder}")
    return 0


def sizing_table(sizing: Sizing) -> str:
    """One line per station and target: staff today and recommended, the binding month's figure before and after."""
    header = ["station", "staff", "today", "recommended", "target", "today's figure", "recommended figure", "binds"]
    rows = [
        [
            row.station.scope,
            row.station.staff,
            str(row.station.today),
            str(row.recommended),
            f"{row.target.metric} <= {row.target.value:g}",
            _figure(row.before),
            _figure(row.after),
            row.after.month if row.after is not None else "-",
        ]
        for row in sizing.rows
    ]
    return grid(header, rows)


def profile_summary(sizing: Sizing) -> str:
    """What a step profile saves: staff-days against flat staffing at each station's largest count.

    Also whether that flat staffing met every target when simulated.
    """
    lines = []
    for kind, staff in (("office", "window"), ("province", "reviewer")):
        saved = [n for st, n in zip(sizing.stations, sizing.staff_days_saved, strict=True) if st.kind == kind]
        if saved:
            stepped = sum(
                1 for st, x in zip(sizing.stations, sizing.staffings, strict=True) if st.kind == kind and x[1]
            )
            lines.append(
                f"step profile: {sum(saved):,} {staff}-days saved on open days against flat staffing at each "
                f"station's largest count ({stepped} of {len(saved)} stations change staff)"
            )
    verdict = "met" if sizing.peak_meets else "did not meet"
    lines.append(f"flat staffing at the largest counts {verdict} every target in every month (simulated)")
    return "\n".join(lines)


def _figure(judged: Judged | None) -> str:
    """``31.3 [23.0, 39.6] (2023-01)``, or ``-`` without a figure."""
    if judged is None:
        return "-"
    e = judged.estimate
    low, high = (f"{v:.3g}" if math.isfinite(v) else "-" for v in (e.low, e.high))
    return f"{e.mean:.3g} [{low}, {high}] ({judged.month})"
