"""The ``rollout-sim`` command line: parse, call down, print. No model logic lives here.

Exit status: 0 done; 2 bad input (one line on stderr per error, naming the file, key path, value and rule, up to
20), an output that cannot be written, work above the bounds without ``--force``, or an ``--out`` in use (one line;
nothing written); 130 interrupted, 143 terminated (nothing half-written; a ``run`` keeps its finished replications
for a rerun, :mod:`sim.guard`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim import __version__, cli_sensitivity, cli_size, guard
from sim.console import err as _err
from sim.console import iso_date as _date
from sim.console import out as _out
from sim.console import progress as _progress
from sim.console import seed as _seed
from sim.experiment.calibrate import CalibrationError, calibrate, parameter
from sim.experiment.compare import compare
from sim.experiment.executors import Executor, MissingExtraError, SchedulerError, make_executor
from sim.experiment.lock import InUseError, holding
from sim.experiment.metrics import metric_list
from sim.experiment.precision import Precision
from sim.experiment.preflight import PreflightError
from sim.experiment.readings import refit_all
from sim.experiment.runner import key_metrics, run_experiment
from sim.experiment.store import (
    save_calibration,
    save_comparison,
    save_experiment,
)
from sim.experiment.sweep import point_scenarios, run_sweep
from sim.model.engine import DEFAULT_ENGINE, ENGINES
from sim.output.caveats import caveats
from sim.output.files import FORMATS
from sim.output.names import LANGUAGES
from sim.output.tables import (
    busiest_offices,
    calibration_table,
    comparison_table,
    grid,
    journey_table,
    peak_table,
    readings_table,
    stop_line,
    summary_table,
)
from sim.results import ResultsError
from sim.scenario.errors import ScenarioError
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from sim.scenario.overrides import parse_sets
from sim.scenario.schema import MAX_REPLICATIONS, Scenario
from sim.world.peak import PeakLoad, load_warnings, peak_loads

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = guard.EXIT_INTERRUPTED

log = logging.getLogger("sim")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    previous = signal.signal(signal.SIGTERM, guard.raise_terminated)
    try:
        status: int = args.command(args)
    except ScenarioError as error:
        _err(error.message)
        return EXIT_BAD_INPUT
    except (MissingExtraError, SchedulerError, PreflightError, InUseError) as error:
        _err(str(error))
        return EXIT_BAD_INPUT
    except FileExistsError as error:  # an --out that another run wrote while this one ran
        _err(f"{error.filename}: --out: another run wrote this folder while this one ran; nothing was written")
        return EXIT_BAD_INPUT
    except guard.Terminated:
        _err("terminated: nothing was written")
        return guard.EXIT_TERMINATED
    except KeyboardInterrupt:
        _err("interrupted: nothing was written")
        return guard.EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    return status


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, as a scenario file's are: what is wrong, and where help is; exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``rollout-sim run: error: ... (see rollout-sim run --help)`` and exit with status 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rollout-sim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"rollout-sim {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the replications of a scenario and write a results folder")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--replications", type=_replications, help="override run.replications")
    run.add_argument("--seed", type=_seed, help="override run.seed")
    run.add_argument("--until", type=_date, help="stop arrivals at the end of this day (phases after it are dropped)")
    run.add_argument(
        "--precision",
        type=_share,
        metavar="REL",
        help="add replications until every key figure's 95 %% CI half-width is within REL of its mean (e.g. 0.05)",
    )
    run.add_argument(
        "--key-metric",
        action="append",
        default=[],
        metavar="METRIC",
        help="a total-scope figure --precision applies to (repeatable; default served_per_open_day, wait_mean"
        " and, with provinces, lead_days_mean)",
    )
    run.add_argument(
        "--max-replications",
        type=_replications,
        default=100,
        help="cap on replications under --precision (default 100)",
    )
    _execution_options(run, "results folder to create (default results/<scenario>/<timestamp>)")
    run.set_defaults(command=_run)

    compare_ = commands.add_parser("compare", help="run scenarios on the same streams and compare them")
    compare_.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files; the first is the reference")
    compare_.add_argument("--replications", type=_replications, help="replications for every scenario")
    compare_.add_argument("--seed", type=_seed, help="root seed for every scenario (default: the first's)")
    compare_.add_argument("--until", type=_date, help="stop arrivals at the end of this day in every scenario")
    compare_.add_argument(
        "--independent",
        action="store_true",
        help="give scenario k the seed SEED+k instead of common random numbers (to see what they buy)",
    )
    _execution_options(compare_, "comparison folder (default results/compare/<timestamp>)")
    compare_.set_defaults(command=_compare)

    sweep = commands.add_parser("sweep", help="run a scenario over the cartesian product of --set values")
    sweep.add_argument("scenario", type=Path, help="scenario TOML file")
    sweep.add_argument(
        "--set",
        dest="sets",
        action="append",
        required=True,
        metavar="KEY=V1,V2",
        help="a key path of the scenario and its values, e.g. office.windows=2,3,4 (repeatable)",
    )
    sweep.add_argument("--replications", type=_replications, help="replications per point")
    sweep.add_argument("--seed", type=_seed, help="root seed for every point (default: the scenario's)")
    _execution_options(
        sweep, "sweep folder; rerun with the same folder to resume (default results/<name>/sweep-<hash>)"
    )
    sweep.set_defaults(command=_sweep)

    calibrate = commands.add_parser(
        "calibrate",
        help="fit applications_per_migrant_year (cohort.take_up under mode = cohort) to a published count",
    )
    calibrate.add_argument("scenario", type=Path, help="scenario TOML file (with migrant demand)")
    calibrate.add_argument("--target", type=_target, required=True, help="DATE:COUNT, e.g. 2022-07-31:70000")
    calibrate.add_argument("--replications", type=_replications, default=3, help="replications for the check")
    _execution_options(calibrate, "folder for calibration.json (default results/<name>/<timestamp>)")
    calibrate.set_defaults(command=_calibrate)

    validate = commands.add_parser("validate", help="check a scenario and print its peak-hour Erlang C figures")
    validate.add_argument("scenario", type=Path, help="scenario TOML file")
    validate.set_defaults(command=_validate)

    plot = commands.add_parser("plot", help="draw the figures of a results folder into RESULTS_DIR/figures")
    plot.add_argument("results", type=Path, metavar="RESULTS_DIR", help="a run, comparison or sweep folder")
    plot.add_argument("--format", choices=FORMATS, default="png", help="file format (default png)")
    plot.add_argument(
        "--names",
        choices=LANGUAGES,
        default="en",
        help="place names in English or Chinese (default en; zh needs a CJK font, else English with a warning)",
    )
    plot.set_defaults(command=_plot)

    report = commands.add_parser("report", help="write one self-contained HTML report of a results folder")
    report.add_argument("results", type=Path, metavar="RESULTS_DIR", help="a run, comparison or sweep folder")
    report.add_argument("--out", type=Path, metavar="FILE", help="the HTML file (default RESULTS_DIR/report.html)")
    report.set_defaults(command=_report)

    cli_size.register(commands, _execution_options)
    cli_sensitivity.register(commands, _execution_options)
    return parser


def _execution_options(command: argparse.ArgumentParser, out_help: str) -> None:
    """Where results go, who runs the replications and on which engine: shared by run, compare, sweep, calibrate."""
    command.add_argument("--out", type=Path, help=out_help)
    command.add_argument("--results-root", type=Path, default=Path("results"), help="where default folders go")
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, help="local worker processes (default: all cores)")
    where.add_argument("--serial", action="store_true", help="run replications in this process")
    where.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run replications on a Dask cluster (needs rollout-sim[dask])"
    )
    command.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help=f"the model engine that runs each replication (default {DEFAULT_ENGINE}; simpy is the SimPy reference)",
    )
    command.add_argument("--quiet", action="store_true", help="no progress bar")
    command.add_argument(
        "--force",
        action="store_true",
        help="run even when the estimated work is above the bounds (visits, backlog, memory; see docs/design.md)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def _replications(text: str) -> int:
    """A replication count within the scenario file's own cap (``run.replications``)."""
    value = _positive(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_REPLICATIONS:,} (as run.replications), got {text}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1 (exclusive), got {text}")
    return value


def _compare(args: argparse.Namespace) -> int:
    scenarios = [_load(path, args.until) for path in args.scenarios]
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        _err(f"compare: scenario names must differ, got {', '.join(names)}")
        return EXIT_BAD_INPUT
    for scenario in scenarios[1:]:
        differ = _unshared(scenarios[0], scenario)
        if differ:
            _err(f"warning: compare: {scenario.name} differs from {scenarios[0].name} in {', '.join(differ)}: the "
                 "paired differences measure that too, not only the schedule")  # fmt: skip
    most = args.replications or max(s.run.replications for s in scenarios)
    guard.preflight(
        args, scenarios, most, records=False, folder=guard.target_folder(args.out, args.results_root / "compare")
    )
    executor = _executor(args)
    progress = _progress(args.quiet)
    with guard.locked(args.out):
        guard.clean(guard.parent_folder(args.out, args.results_root / "compare"))
        result = compare(
            scenarios,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
            progress=progress,
            independent=args.independent,
            engine=args.engine,
        )
        folder = guard.save(lambda f: save_comparison(result, f), args.out, args.results_root, "compare")
    first = result.experiments[0].scenario.run
    streams = "independent seeds SEED+k" if args.independent else "common streams"
    _out(
        f"{len(scenarios)} scenarios, {first.replications} replications each, seed {first.seed} ({streams}), "
        f"{_where(args.engine, executor)}"
    )
    _out("mean ±95 % CI half-width; differences are paired by replication")
    _out(comparison_table(result))
    _out("")
    for experiment in result.experiments:
        _out(busiest_offices(experiment))
        for line in caveats(experiment):
            _out(f"{experiment.scenario.name}: {line}")
    _out(f"results: {folder}")
    return 0


def _load(path: Path, until: dt.date | None) -> Scenario:
    """Load a scenario, cut at ``until`` when given (a date outside the run is bad input)."""
    scenario = load_scenario(path)
    if until is None:
        return scenario
    run = scenario.run
    if not run.start <= until <= run.end:
        raise ScenarioError(
            scenario.file, "--until", f"must be a date within the run ({run.start} to {run.end})", until
        )
    return cut_at(scenario, until)


def _target(text: str) -> tuple[dt.date, float]:
    try:
        day, count = text.split(":")
        date, value = dt.date.fromisoformat(day), float(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be DATE:COUNT such as 2022-07-31:70000, got {text}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"the count must be a finite number > 0, got {text}")
    return date, value


def _unshared(a: Scenario, b: Scenario) -> list[str]:
    """What two compared scenarios do not share: the horizon, the calendar, the base data and the offices."""
    checks = {
        "run.start": a.run.start == b.run.start,
        "run.end": a.run.end == b.run.end,
        "calendar.holidays": a.holidays == b.holidays,
        "data": a.geography == b.geography,
        "offices": [(o.name, o.hours, o.windows, o.windows_from) for o in a.offices]
        == [(o.name, o.hours, o.windows, o.windows_from) for o in b.offices],
    }
    return [key for key, same in checks.items() if not same]


def _calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    until, target = args.target
    if scenario.migrant_demand is None:
        _err(f"{scenario.file}: demand.applications_per_migrant_year: calibration needs demand from migrant stocks")
        return EXIT_BAD_INPUT
    if not scenario.run.start <= until <= scenario.run.end:
        _err(f"--target: the date must be within the run ({scenario.run.start} to {scenario.run.end}), got {until}")
        return EXIT_BAD_INPUT
    guard.preflight(args, [scenario], args.replications, records=False)
    executor = _executor(args)
    progress = _progress(args.quiet)
    try:
        fit = calibrate(
            scenario,
            until,
            target,
            replications=args.replications,
            executor=executor,
            progress=progress,
            engine=args.engine,
        )
    except CalibrationError as exc:
        _err(f"{scenario.file}: {parameter(scenario.migrant_demand)}: {exc}")
        return EXIT_BAD_INPUT
    refits = refit_all(scenario, until, target)
    with guard.locked(args.out):
        guard.clean(guard.parent_folder(args.out, args.results_root / scenario.name))
        folder = guard.save(
            lambda f: save_calibration(fit, scenario, f, refits), args.out, args.results_root, scenario.name
        )
    where = _where(args.engine, executor)
    _out(f"{scenario.name}: {args.replications} replications to {until}, seed {scenario.run.seed}, {where}")
    _out(calibration_table(fit))
    _out("")
    _out(f"refitted to {target:,.0f} by {until} under each reading; expected applications (thousands) by quarter end:")
    _out(readings_table(refits, fit.parameter.removeprefix("demand.")))
    _out(f"results: {folder}")
    return 0


def _run(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args.until)
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    precision = _precision(args, scenario)
    parent = guard.parent_folder(args.out, args.results_root / scenario.name)
    most = args.max_replications if precision is not None else args.replications or scenario.run.replications
    guard.preflight(args, [scenario], most, records=True, checkpoints=True)
    peaks = _peaks(scenario)
    _warn(scenario, peaks)
    executor = _executor(args)
    progress = _progress(args.quiet)
    with (
        guard.locked(args.out),
        guard.kept_replications(parent, guard.seeded(scenario, args.seed), args.engine) as kept,
    ):
        guard.clean(parent)
        try:
            experiment = run_experiment(
                scenario,
                replications=args.replications,
                seed=args.seed,
                executor=executor,
                progress=progress,
                precision=precision,
                engine=args.engine,
                kept=kept,
            )
            folder = guard.save(lambda f: save_experiment(experiment, f), args.out, args.results_root, scenario.name)
        except KeyboardInterrupt as stop:
            return guard.stopped(stop, kept)
        except BaseException as error:  # the checkpoints would only take room
            if kept is not None:
                kept.drop()
            if isinstance(error, OSError) and not isinstance(error, FileExistsError):  # a checkpoint not written
                raise PreflightError(
                    f"{error.filename}: cannot write ({error.strerror}); nothing was written"
                ) from None
            raise
        if kept is not None:
            kept.drop()
    s = experiment.scenario
    where = _where(experiment.engine, executor)
    _out(f"{s.name}: {s.run.replications} replications, seed {s.run.seed}, {where}, {experiment.wall_seconds:.1f} s")
    _out("figures: mean ±95 % CI half-width across replications; times in minutes")
    if experiment.stop is not None:
        _out(stop_line(experiment.stop, args.precision))
    _out(summary_table(experiment))
    for line in caveats(experiment, peaks):
        _out(line)
    _out("")
    if s.provinces:
        _out("the card's journey (hours for verification, days for lead time):")
        _out(journey_table(experiment))
        _out("")
    _out("analytic cross-check, busiest hour as a stationary M/M/c:")
    _out(peak_table(peaks))
    _out("")
    _out(f"results: {folder}")
    return 0


def _precision(args: argparse.Namespace, scenario: Scenario) -> Precision | None:
    """The precision target of ``run --precision``; unknown key metrics are bad input."""
    if args.precision is None:
        return None
    known = [m.name for m in metric_list(scenario)]
    for name in args.key_metric:
        if name not in known:
            raise ScenarioError(scenario.file, "--key-metric", f"must be one of the figures: {', '.join(known)}", name)
    keys = key_metrics(scenario, args.key_metric)
    return Precision(args.precision, keys, minimum=min(3, args.max_replications), maximum=args.max_replications)


def _sweep(args: argparse.Namespace) -> int:
    sets = parse_sets(args.sets)
    if args.out is None:
        digest = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in sets.items())).encode()).hexdigest()[:8]
        args.out = args.results_root / args.scenario.stem / f"sweep-{digest}"
    guard.preflight_sweep(args, point_scenarios(args.scenario, sets, args.replications, args.seed))
    progress = _progress(args.quiet)
    executor = _executor(args)
    try:
        with holding(args.out):
            result = run_sweep(
                args.scenario,
                sets,
                args.out,
                replications=args.replications,
                seed=args.seed,
                executor=executor,
                progress=progress,
                engine=args.engine,
            )
    except KeyboardInterrupt as stop:
        what = "terminated" if isinstance(stop, guard.Terminated) else "interrupted"
        _err(f"{what}: finished points and replications are kept in {args.out}; rerun the command to resume")
        return guard.stop_status(stop)
    where = _where(args.engine, executor)
    _out(f"{len(result.points)} points, {result.ran} replications run now (the rest were done before), {where}")
    _out(grid(result.header, [[_compact(cell) for cell in row] for row in result.rows]))
    _out(f"results: {result.out}")
    return 0


def _compact(cell: str) -> str:
    """A CSV cell for the terminal: non-integer numbers to four significant digits (index.csv keeps them all)."""
    try:
        value = float(cell)
    except ValueError:
        return cell
    return cell if value.is_integer() and "." not in cell else f"{value:.4g}"


def _executor(args: argparse.Namespace) -> Executor:
    return make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler)


def _where(engine: str, executor: Executor) -> str:
    """The header lines' note of the engine and executor, e.g. ``engine fast, executor processes``."""
    return f"engine {engine}, executor {executor.name}"


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    peaks = _peaks(scenario)
    offices, days = len(scenario.offices), scenario.run.days
    _out(f"{scenario.file}: valid scenario {scenario.name!r}, {offices} office(s), {days} days")
    _out(peak_table(peaks))
    _warn(scenario, peaks)
    return 0


def _plot(args: argparse.Namespace) -> int:
    from sim.output.plots import write_figures  # noqa: PLC0415  (matplotlib loads only to draw)

    try:
        written = write_figures(args.results, args.format, args.names)
    except ResultsError as error:
        _err(str(error))
        return EXIT_BAD_INPUT
    for path in written:
        _out(str(path))
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.output.report import write_report  # noqa: PLC0415  (matplotlib loads only to draw)

    try:
        written = write_report(args.results, args.out)
    except ResultsError as error:
        _err(str(error))
        return EXIT_BAD_INPUT
    _out(str(written))
    return 0


def _peaks(scenario: Scenario) -> list[PeakLoad]:
    return peak_loads(scenario)


def _warn(scenario: Scenario, peaks: list[PeakLoad]) -> None:
    for line in load_warnings(scenario, peaks):
        _err(line)
