"""The ``rollout-sim`` command line: parse, call down, print. No model logic lives here.

Exit status: 0 done, 2 bad input (one line on stderr naming the file, key path, value and rule; nothing written),
130 interrupted (nothing half-written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from sim import __version__
from sim.experiment.calibrate import calibrate
from sim.experiment.compare import compare
from sim.experiment.executors import Executor, ProcessExecutor, SerialExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.store import default_folder, save_calibration, save_comparison, save_experiment
from sim.output.tables import (
    busiest_offices,
    calibration_table,
    comparison_table,
    journey_table,
    peak_table,
    summary_table,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.world.peak import PeakLoad, peak_loads, reviewer_loads

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger("sim")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        status: int = args.command(args)
    except ScenarioError as error:
        _err(error.message)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _err("interrupted: nothing was written")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rollout-sim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"rollout-sim {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the replications of a scenario and write a results folder")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--replications", type=_positive, help="override run.replications")
    run.add_argument("--seed", type=_seed, help="override run.seed")
    _execution_options(run, "results folder to create (default results/<scenario>/<timestamp>)")
    run.set_defaults(command=_run)

    compare_ = commands.add_parser("compare", help="run scenarios on the same streams and compare them")
    compare_.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files; the first is the reference")
    compare_.add_argument("--replications", type=_positive, help="replications for every scenario")
    compare_.add_argument("--seed", type=_seed, help="root seed for every scenario (default: the first's)")
    _execution_options(compare_, "comparison folder (default results/compare/<timestamp>)")
    compare_.set_defaults(command=_compare)

    calibrate = commands.add_parser("calibrate", help="fit applications_per_migrant_year to a published count")
    calibrate.add_argument("scenario", type=Path, help="scenario TOML file (with migrant demand)")
    calibrate.add_argument("--target", type=_target, required=True, help="DATE:COUNT, e.g. 2022-07-31:70000")
    calibrate.add_argument("--replications", type=_positive, default=3, help="replications for the check")
    calibrate.add_argument(
        "--out", type=Path, help="folder for calibration.json (default results/<name>/calibrate-...)"
    )
    calibrate.add_argument("--results-root", type=Path, default=Path("results"), help="where default folders go")
    calibrate.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    calibrate.set_defaults(command=_calibrate)

    validate = commands.add_parser("validate", help="check a scenario and print its peak-hour Erlang C figures")
    validate.add_argument("scenario", type=Path, help="scenario TOML file")
    validate.set_defaults(command=_validate)
    return parser


def _execution_options(command: argparse.ArgumentParser, out_help: str) -> None:
    """Where results go and who runs the replications: shared by run and compare."""
    command.add_argument("--out", type=Path, help=out_help)
    command.add_argument("--results-root", type=Path, default=Path("results"), help="where default folders go")
    command.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    command.add_argument("--serial", action="store_true", help="run replications in this process")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 2**63-1, got {text}")
    return value


def _compare(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(path) for path in args.scenarios]
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        _err(f"compare: scenario names must differ, got {', '.join(names)}")
        return EXIT_BAD_INPUT
    executor: Executor = SerialExecutor() if args.serial else ProcessExecutor(args.workers)
    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar()
    result = compare(scenarios, replications=args.replications, seed=args.seed, executor=executor, progress=progress)
    folder = save_comparison(result, args.out or default_folder(args.results_root, "compare"))
    first = result.experiments[0].scenario.run
    _out(f"{len(scenarios)} scenarios, {first.replications} replications each, seed {first.seed} (common streams)")
    _out("mean ±95 % CI half-width; differences are paired by replication")
    _out(comparison_table(result))
    _out("")
    for experiment in result.experiments:
        _out(busiest_offices(experiment))
    _out(f"results: {folder}")
    return 0


def _target(text: str) -> tuple[dt.date, float]:
    try:
        day, count = text.split(":")
        return dt.date.fromisoformat(day), float(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be DATE:COUNT such as 2022-07-31:70000, got {text}") from None


def _calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    until, target = args.target
    if scenario.migrant_demand is None:
        _err(f"{scenario.file}: demand.applications_per_migrant_year: calibration needs demand from migrant stocks")
        return EXIT_BAD_INPUT
    if not scenario.run.start <= until <= scenario.run.end:
        _err(f"--target: the date must be within the run ({scenario.run.start} to {scenario.run.end}), got {until}")
        return EXIT_BAD_INPUT
    fit = calibrate(scenario, until, target, replications=args.replications, executor=ProcessExecutor(args.workers))
    folder = save_calibration(fit, scenario, args.out or default_folder(args.results_root, scenario.name))
    _out(calibration_table(fit))
    _out(f"results: {folder}")
    return 0


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    _warn_overloads(_peaks(scenario))
    _warn_reviewers(scenario)
    executor: Executor = SerialExecutor() if args.serial else ProcessExecutor(args.workers)
    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar()
    experiment = run_experiment(
        scenario, replications=args.replications, seed=args.seed, executor=executor, progress=progress
    )
    folder = save_experiment(experiment, args.out or default_folder(args.results_root, scenario.name))
    s = experiment.scenario
    _out(f"{s.name}: {s.run.replications} replications, seed {s.run.seed}, {experiment.wall_seconds:.1f} s")
    _out("figures: mean ±95 % CI half-width across replications; times in minutes")
    _out(summary_table(experiment))
    _out("")
    if s.provinces:
        _out("the card's journey (hours for verification, days for lead time):")
        _out(journey_table(experiment))
        _out("")
    _out("analytic cross-check, busiest hour as a stationary M/M/c:")
    _out(peak_table(_peaks(s)))
    _out("")
    _out(f"results: {folder}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    peaks = _peaks(scenario)
    offices, days = len(scenario.offices), scenario.run.days
    _out(f"{scenario.file}: valid scenario {scenario.name!r}, {offices} office(s), {days} days")
    _out(peak_table(peaks))
    _warn_overloads(peaks)
    _warn_reviewers(scenario)
    return 0


def _peaks(scenario: Scenario) -> list[PeakLoad]:
    return peak_loads(scenario)


def _warn_reviewers(scenario: Scenario) -> None:
    for load in reviewer_loads(scenario):
        if load.utilisation >= 1:
            _err(
                f"warning: the reviewers of {load.province!r} cannot keep up at full rollout: "
                f"{load.requests_per_year:,.0f} reviews a year, rho = {load.utilisation:.2f} >= 1"
            )


def _warn_overloads(peaks: Sequence[PeakLoad]) -> None:
    for p in peaks:
        if not p.queue.stable:
            _err(
                f"warning: office {p.office!r} is overloaded at its peak hour ({p.when}): "
                f"rho = {p.queue.utilisation:.2f} >= 1, the queue grows until closing"
            )


def _progress_bar() -> Callable[[int, int], None]:
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="rep", desc="replications", file=sys.stderr)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
