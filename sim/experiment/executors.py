"""Executors: who runs the replications. The model never knows which one ran it.

Each executor maps a picklable task over replication indices and yields ``(index, result)`` as results finish;
the runner puts them back in replication order, so every executor gives identical output for the same seed.
``SerialExecutor`` runs them in this process, ``ProcessExecutor`` in local worker processes and ``DaskExecutor``
on a ``dask.distributed`` cluster (the optional extra ``rollout-sim[dask]``). See ``docs/executors.md``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from types import ModuleType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Executor(Protocol):
    """Runs ``task(i)`` for each index and yields ``(i, result)`` in completion order."""

    name: str

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        """Run the task for every index."""
        ...


@contextlib.contextmanager
def running(executor: Executor, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[Iterator[tuple[int, T]]]:
    """Run ``task`` over ``indices`` on the executor; when the block is left, by any exception, the run is closed.

    A ``for`` loop over ``executor.map`` alone leaves the generator suspended when an exception (Ctrl-C) is raised
    in the loop's body rather than inside the generator; its pool would then keep running the queued replications
    until the interpreter exits. Closing it runs the executor's own clean-up (cancel what has not started) at once.
    """
    results = executor.map(task, indices)
    try:
        yield results
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


class SerialExecutor:
    """Runs replications one after another in this process."""

    name = "serial"

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        """Run the task for every index, in order."""
        for i in indices:
            yield i, task(i)


class ProcessExecutor:
    """Runs replications in local worker processes.

    Parameters
    ----------
    workers
        Number of processes; all cores when omitted.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        """Run the task for every index in the pool; yields as each finishes."""
        if self.workers <= 1 or len(indices) <= 1:
            yield from SerialExecutor().map(task, indices)
            return
        with _interrupts_deferred():  # a Ctrl-C inside the pool's own locking could leave it unable to shut down
            pool = ProcessPoolExecutor(max_workers=min(self.workers, len(indices)), initializer=_ignore_interrupts)
            futures = {pool.submit(task, i): i for i in indices}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            # On Ctrl-C or an error, drop what has not started instead of waiting for every pending replication.
            with _interrupts_deferred():
                pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs (main thread, POSIX); one meanwhile is raised right after."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which cancels the pool and writes nothing.

    They also die with the parent when it is killed outright (``kill -9``), through Linux's parent-death signal.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()


PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal the kernel sends this process when its parent thread ends (Linux)."""


def _die_with_parent() -> None:
    """Ask the kernel to kill this worker when the process that started it ends (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent ended before the request: do not run orphaned
        os._exit(1)


DASK_EXTRA_MESSAGE = "the Dask executor needs the optional extra: pip install 'rollout-sim[dask]'"


CONNECT_SECONDS = 10
"""How long the Dask executor tries to reach the scheduler, seconds."""


class MissingExtraError(RuntimeError):
    """An executor needs an optional dependency that is not installed."""


class SchedulerError(RuntimeError):
    """The Dask scheduler cannot be reached."""


class DaskExecutor:
    """Runs replications on a ``dask.distributed`` cluster.

    Every replication is one task; the scheduler hands them to whichever worker is free. Workers must be able to
    import the same version of ``sim`` (the scenario itself travels inside the task).

    Parameters
    ----------
    address
        The scheduler's address, e.g. ``tcp://127.0.0.1:8786`` (what ``dask scheduler`` prints).

    Raises
    ------
    MissingExtraError
        When ``dask.distributed`` is not installed.
    """

    name = "dask"

    def __init__(self, address: str) -> None:
        _distributed()  # fail when the executor is chosen, not when the replications start
        self.address = address

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        """Submit the task for every index; yields as each finishes.

        The client is closed at the end; on Ctrl-C, an error or an early stop, the replications not yet finished
        are cancelled on the cluster first.
        """
        distributed = _distributed()
        try:
            client = distributed.Client(self.address, set_as_default=False, timeout=CONNECT_SECONDS)
        except OSError as error:  # unreachable, refused, timed out
            raise SchedulerError(f"--scheduler: cannot connect to {self.address}: {error}") from None
        futures: dict[Any, int] = {}
        try:
            run = uuid.uuid4().hex[:12]  # distinct keys: the same scenario submitted twice is run twice
            for i in indices:
                futures[client.submit(task, i, key=f"replication-{i}-{run}", pure=False)] = i
            for future in distributed.as_completed(list(futures), loop=client.loop):
                yield futures[future], future.result()
        except BaseException:  # KeyboardInterrupt, a failed replication, or the caller closing the generator
            client.cancel([f for f in futures if not f.done()])
            raise
        finally:
            client.close()


def _distributed() -> ModuleType:
    """``dask.distributed``, imported on first use so that the package works without it."""
    try:
        import distributed  # noqa: PLC0415
    except ImportError as error:
        raise MissingExtraError(DASK_EXTRA_MESSAGE) from error
    return distributed


def make_executor(*, serial: bool, workers: int | None, scheduler: str | None) -> Executor:
    """The executor the command-line options ask for.

    Parameters
    ----------
    serial
        Run in this process.
    workers
        Local worker processes (all cores when ``None``); ignored with ``serial`` or ``scheduler``, since a Dask
        cluster has as many workers as were started on it.
    scheduler
        Address of a Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.

    Returns
    -------
    Executor
        ``SerialExecutor`` when ``serial``, ``DaskExecutor`` when a scheduler is given, else ``ProcessExecutor``.

    Raises
    ------
    ValueError
        When both ``serial`` and ``scheduler`` are given.
    MissingExtraError
        When a scheduler is given and ``dask.distributed`` is not installed.
    """
    if serial and scheduler is not None:
        raise ValueError("choose either serial or a Dask scheduler, not both")
    if serial:
        return SerialExecutor()
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return ProcessExecutor(workers)
