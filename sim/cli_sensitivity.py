"""``rollout-sim sensitivity``: Sobol' indices of a scenario's figures over uniform ranges of its numeric keys.

The command line glue only: parse, call down (:mod:`sim.experiment.sensitivity`, :mod:`sim.output.sensitivity`),
print. :mod:`sim.cli` adds the command with ``cli_sensitivity.register(commands, _execution_options)``; errors are
raised as :class:`~sim.scenario.errors.ScenarioError` and the like, which :func:`sim.cli.main` prints as one line
with exit status 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim import guard
from sim.console import err as _err
from sim.console import iso_date
from sim.console import out as _out
from sim.console import progress as _progress
from sim.console import seed as _seed
from sim.experiment import sobol
from sim.experiment.executors import make_executor
from sim.experiment.sensitivity import DEFAULT_SAMPLES, MAX_SAMPLES, corners, parse_varies, prepare, run_study
from sim.scenario.schema import MAX_REPLICATIONS

ExecutionOptions = Callable[[argparse.ArgumentParser, str], None]
"""``sim.cli._execution_options``: adds ``--out``, ``--results-root``, the executor, ``--engine``, ``--quiet``,
``--force``."""

EXIT_BAD_INPUT = 2


def register(commands: argparse._SubParsersAction[Any], execution_options: ExecutionOptions) -> None:
    """Add the ``sensitivity`` command to the subcommands of ``rollout-sim``.

    Parameters
    ----------
    commands
        The subparsers of :func:`sim.cli._parser`.
    execution_options
        :func:`sim.cli._execution_options`, passed in so that this module does not import :mod:`sim.cli`.
    """
    command = commands.add_parser(
        "sensitivity",
        help="Sobol' indices of a scenario's figures over uniform ranges of numeric keys (--vary KEY=LOW:HIGH)",
    )
    command.add_argument("scenario", type=Path, help="scenario TOML file")
    command.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="KEY=LOW:HIGH",
        help="a numeric key path and its range, uniform on it (integers for an integer key), e.g. "
        "office.applicants_per_day=20:80 (repeatable)",
    )
    command.add_argument(
        "--samples",
        type=_samples,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"base samples of the Sobol' design, a power of 2 (default {DEFAULT_SAMPLES}); N x (inputs + 2) points",
    )
    command.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="METRIC",
        help="a total-scope figure to explain (repeatable; default wait_mean, lead_days_p90 with provinces, "
        "utilisation)",
    )
    command.add_argument(
        "--replications", type=_replications, help="replications at every point (default the scenario's)"
    )
    command.add_argument(
        "--seed", type=_seed, help="root seed of every point and of the design (default the scenario's)"
    )
    command.add_argument(
        "--until", type=iso_date, help="stop arrivals at the end of this day at every point (as run --until)"
    )
    execution_options(command, "results folder (default results/<scenario>/sensitivity/<timestamp>)")
    command.set_defaults(command=sensitivity)


def sensitivity(args: argparse.Namespace) -> int:
    """Check everything, run every point's replications, write the results folder, print the ranking."""
    from sim.output.sensitivity import ranking_table, save_sensitivity, undefined_outputs  # noqa: PLC0415  (matplotlib)

    inputs = parse_varies(args.vary)
    if args.out is not None and args.out.exists():
        _err(f"{args.out}: --out: folder exists already; choose a new one")
        return EXIT_BAD_INPUT
    study = prepare(
        args.scenario, inputs, samples=args.samples, outputs=args.output, replications=args.replications,
        seed=args.seed, until=args.until,
    )  # fmt: skip
    name = study.base.name
    guard.preflight(
        args, corners(study), study.replications, records=False,
        folder=guard.target_folder(args.out, args.results_root / name),
    )  # fmt: skip
    executor = make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler)
    with guard.locked(args.out):
        guard.clean(guard.parent_folder(args.out, args.results_root / name / "sensitivity"))
        result = run_study(study, executor=executor, engine=args.engine, progress=_progress(args.quiet))
        folder = guard.save(lambda f: save_sensitivity(result, f), args.out, args.results_root, f"{name}/sensitivity")
    _out(
        f"{name}: {len(study.inputs)} inputs, {study.design.samples} base samples, {len(study.scenarios)} points x "
        f"{study.replications} replications on common random numbers (seed {study.seed}), engine {result.engine}, "
        f"executor {result.executor}, {result.wall_seconds:.1f} s"
    )
    _out(f"Sobol' indices, 95 % bootstrap intervals ({result.resamples} resamples); inputs by total index:")
    _out(ranking_table(result))
    for line in undefined_outputs(result):
        _out(line)
    _out(f"results: {folder}")
    return 0


def _samples(text: str) -> int:
    value = int(text)
    if not sobol.MIN_SAMPLES <= value <= MAX_SAMPLES or value & (value - 1):
        raise argparse.ArgumentTypeError(f"must be a power of 2 from {sobol.MIN_SAMPLES} to {MAX_SAMPLES}, got {text}")
    return value


def _replications(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be an integer from 1 to {MAX_REPLICATIONS:,}, got {text}")
    return value
