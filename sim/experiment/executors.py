"""Executors: who runs the replications. The model never knows which one ran it.

Each executor maps a picklable task over replication indices and yields ``(index, result)`` as results finish;
the runner puts them back in replication order, so every executor gives identical output for the same seed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Protocol, TypeVar

T = TypeVar("T")


class Executor(Protocol):
    """Runs ``task(i)`` for each index and yields ``(i, result)`` in completion order."""

    name: str

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        """Run the task for every index."""
        ...


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
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(indices)), initializer=_ignore_interrupts)
        try:
            futures = {pool.submit(task, i): i for i in indices}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            # On Ctrl-C or an error, drop what has not started instead of waiting for every pending replication.
            pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which cancels the pool and writes nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
