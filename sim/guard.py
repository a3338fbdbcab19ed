"""Guards around what a command writes: checks before simulating, one writer per output, resumable runs.

- :func:`preflight`: the output location can be written and has room, and the estimated work is within bounds
  (:mod:`sim.experiment.preflight`), before anything is simulated;
- :func:`locked`: a second writer to the same ``--out`` fails fast (:mod:`sim.experiment.lock`);
- :func:`kept_replications`: a ``run``'s finished replications are checkpointed, so that a rerun of an interrupted
  run resumes (:mod:`sim.experiment.checkpoints`);
- :func:`clean`: partial results folders left by killed runs are removed and reported;
- :func:`save`: the final, atomic write, under a unique folder name, with one line when it fails.

Lines for the user go to stderr; the command line (:mod:`sim.cli`) turns the errors into exit statuses.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sim.console import err as _err
from sim.experiment.checkpoints import Checkpoints, run_fingerprint
from sim.experiment.lock import InUseError, holding
from sim.experiment.preflight import Plan, PreflightError, check_output, check_work, estimate, workers
from sim.experiment.store import default_folder, remove_stale_partials
from sim.experiment.sweep import CHECKPOINTS
from sim.model.engine import Engine
from sim.scenario.schema import Scenario

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: the pool is cancelled, nothing half-written is left."""


EXIT_TERMINATED = 128 + signal.SIGTERM
"""Exit status after SIGTERM (143), as a shell reports a process ended by it."""


def raise_terminated(signum: int, frame: object) -> None:
    """The SIGTERM handler: raise :class:`Terminated` where the program is."""
    raise Terminated


def save(write: Callable[[Path], Path], out: Path | None, root: Path, name: str) -> Path:
    """Write a results folder: ``out``, or a new ``root/<name>/<timestamp>`` that no concurrent run has taken.

    Two runs started in the same second pick the same default folder; the one that finishes second takes the
    next free suffix instead of failing. An ``--out`` taken meanwhile is an error (``FileExistsError``).
    """
    try:
        if out is not None:
            return write(out)
        while True:
            try:
                return write(default_folder(root, name))
            except FileExistsError:
                continue  # another run finished into that folder first: default_folder now gives the next suffix
    except FileExistsError:
        raise
    except OSError as error:  # the disk filled up, or permissions changed, while the replications ran
        where = error.filename or out or root
        raise PreflightError(f"{where}: cannot write the results ({error.strerror}); nothing was written") from None


def preflight(
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    replications: int,
    *,
    records: bool,
    checkpoints: bool = False,
    folder: Path | None = None,
) -> None:
    """Before simulating: the output can be written and has room, and the work is within bounds (or ``--force``).

    ``folder`` is where results go (default: ``--out`` or the first scenario's default folder).
    """
    local = 0 if args.scheduler else min(workers(args.workers, args.serial), replications * len(scenarios))
    plan = Plan(tuple(estimate(s) for s in scenarios), replications, local, records, checkpoints)
    if not args.force:
        check_work(plan)
    check_output(folder or target_folder(args.out, args.results_root / scenarios[0].name), plan.output_bytes)


def preflight_sweep(args: argparse.Namespace, scenarios: Sequence[Scenario]) -> None:
    """The preflight of a sweep: every point's work within bounds, room for all of them under ``--out``."""
    local = 0 if args.scheduler else workers(args.workers, args.serial)
    plans = [Plan((estimate(s),), s.run.replications, local, True, True) for s in scenarios]
    if not args.force:
        for plan in plans:
            check_work(plan)
    check_output(args.out, sum(p.output_bytes for p in plans))


def target_folder(out: Path | None, default_parent: Path) -> Path:
    """Where results go, for the preflight: ``--out``, else the folder the default results folders go in."""
    return out if out is not None else default_parent


def parent_folder(out: Path | None, default_parent: Path) -> Path:
    """The folder the results folder is created in."""
    return out.parent if out is not None else default_parent


def locked(out: Path | None) -> contextlib.AbstractContextManager[None]:
    """Hold ``--out``'s lock (a second writer fails fast), or nothing for a default (always new) folder."""
    return holding(out) if out is not None else contextlib.nullcontext()


def clean(parent: Path) -> None:
    """Remove, and say so, the partial results folders that killed runs left in ``parent``."""
    for partial in remove_stale_partials(parent):
        _err(f"removed {partial}: a partial results folder left by a run that was killed while writing")


def seeded(scenario: Scenario, seed: int | None) -> Scenario:
    """The scenario with ``--seed`` applied (the seed is part of what a checkpoint depends on)."""
    return scenario if seed is None else dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, seed=seed))


@contextlib.contextmanager
def kept_replications(parent: Path, scenario: Scenario, engine: Engine) -> Iterator[Checkpoints | None]:
    """The run's checkpoint folder, held for this run; None when an identical run holds it (this one keeps none).

    ``parent/.checkpoints/<name>-<fingerprint>``: a rerun of the same command (same scenario, seed and engine)
    finds it and resumes. Folders created here and left empty are removed on the way out.
    """
    fingerprint = run_fingerprint(scenario, engine)
    store = Checkpoints(parent / CHECKPOINTS / f"{scenario.name}-{fingerprint[:16]}", fingerprint)
    created = [p for p in (parent, store.folder.parent) if not p.exists()]
    with contextlib.ExitStack() as stack:
        kept: Checkpoints | None = store
        try:
            stack.enter_context(holding(store.folder))
        except InUseError:
            _err(f"note: an identical run is keeping {store.folder}; this run keeps no checkpoints")
            kept = None
        if kept is not None and (restored := kept.count()):
            _err(f"resuming: {restored} finished replication(s) restored from {store.folder}")
        try:
            yield kept
        finally:
            stack.close()
            for folder in [store.folder.parent, *reversed(created)]:
                with contextlib.suppress(OSError):
                    folder.rmdir()


def stopped(stop: KeyboardInterrupt, kept: Checkpoints | None) -> int:
    """After Ctrl-C or SIGTERM in ``run``: say what is kept for a rerun (or, with nothing kept, pass it on)."""
    count = kept.count() if kept is not None else 0
    if kept is None or count == 0:
        if kept is not None:
            kept.drop()
        raise stop
    what = "terminated" if isinstance(stop, Terminated) else "interrupted"
    _err(f"{what}: no results written; {count} finished replication(s) kept in {kept.folder}; rerun to resume")
    return stop_status(stop)


def stop_status(stop: KeyboardInterrupt) -> int:
    """The exit status after Ctrl-C (130) or SIGTERM (143)."""
    return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
