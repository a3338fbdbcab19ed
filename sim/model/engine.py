"""Two engines, one model: the call that runs a replication on either.

``simpy`` (:mod:`sim.model.build`) is the readable reference: one process per applicant on a SimPy environment,
where a new stage is tried first. ``fast`` (:mod:`sim.model.fast`) computes the same model from the same draws a
station-day at a time. Both return the same :class:`~sim.model.result.ReplicationResult`; a differential test
holds them equal. Nothing above the model knows which engine ran.
"""

from __future__ import annotations

from typing import Literal, get_args

from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario

Engine = Literal["fast", "simpy"]
ENGINES: tuple[str, ...] = get_args(Engine)
DEFAULT_ENGINE: Engine = "fast"


def run_replication(
    scenario: Scenario, replication: int, seed: int | None = None, *, engine: Engine = DEFAULT_ENGINE
) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario`` to the end on the chosen engine.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication index; with the seed it selects the random streams.
    seed
        Root seed; the scenario's ``run.seed`` when omitted.
    engine
        ``fast`` (default) or ``simpy``; both give the same records.

    Returns
    -------
    ReplicationResult
        Records and counters of the replication.
    """
    try:
        if engine == "simpy":
            from sim.model import build  # noqa: PLC0415  (an engine loads when it first runs: the CLI starts without it)

            return build.run_replication(scenario, replication, seed)
        if engine == "fast":
            from sim.model.fast import run as fast  # noqa: PLC0415  (numba loads only when the fast engine runs)

            return fast.run_replication(scenario, replication, seed)
    except SystemError as error:
        # A compiled kernel's call runs some Python (numba types named-tuple arguments and unpickles constants
        # there); a Ctrl-C or SIGTERM handled in it leaves its KeyboardInterrupt pending, and the call returns "a
        # result with an exception set": a SystemError caused by it, perhaps through more such errors. The
        # interrupt is what happened: give it back, so that the command line stops with its one line and keeps
        # the finished replications.
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, KeyboardInterrupt):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise cause from None
        raise
    raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
