"""Checks before anything is simulated: the work is within bounds, and its results can be written.

The work is estimated from the expected volumes (:func:`sim.world.workload.office_month_loads`, no simulation):
applicants, visits to the windows (local business, intakes and revisits, pickups), and how long the windows' backlog
would take to drain after the last arrival day, since a replication runs until everyone is done. From these follow
the memory a command needs and the size of what it writes. The constants are measured on the national history
(docs/design.md, "Work bounds"); they are deliberately on the high side.

Bounds (each overridden by ``--force``):

- at most :data:`MAX_VISITS` visits a replication (six times the national whole history with local business);
- a backlog that drains within :data:`MAX_DRAIN_DAYS` days of ``run.end`` at every office;
- estimated memory within the memory available on this machine (``MemAvailable``).

The output location is checked whatever ``--force`` says: its nearest existing folder must be a folder in which a
file can be created, on a file system with room for the estimated output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.schema import Office, Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.staff import servers_on
from sim.world.workload import MonthLoad, office_month_loads

MAX_VISITS = 100_000_000
"""The most visits one replication may bring to the windows without ``--force``."""
MAX_DRAIN_DAYS = 730
"""The most days past ``run.end`` an office's backlog may take to drain without ``--force``."""

PROCESS_BYTES = 250 * 2**20
"""Memory of one process with the model loaded (Python, numpy, the compiled engine), bytes."""
ENGINE_BYTES_PER_VISIT = 40
"""Working memory of the engine per visit of a replication, bytes (measured about 18-32 on the national history)."""
RECORD_BYTES = {"visit": 51, "applicant": 73, "request": 51}
"""Bytes of one row of each record table kept in memory and written uncompressed."""
DAILY_ROW_BYTES = 160
"""Bytes of one row (replication, office, day) of ``daily.csv`` and ``stages.csv`` together."""
DAILY_ROW_MEMORY = 400
"""Bytes a daily row takes in memory until it is written (a tuple of Python numbers and strings; measured 397-403
with ``tracemalloc`` on the national history, in the worker and after the trip to the parent)."""
GIB = 2**30


class PreflightError(Exception):
    """A check before simulating failed; the message is the one line to print."""


@dataclass(frozen=True)
class Work:
    """The estimated size of one scenario's replication.

    Attributes
    ----------
    scenario : Scenario
        The scenario estimated.
    applicants : float
        Expected first applicants in a replication.
    visits : float
        Expected visits to the windows in a replication (local business included).
    recorded : float
        Expected visit rows kept in the records (local visits only with ``local_visit_records = "all"``).
    drain_days : float
        Days past ``run.end`` the slowest office needs to serve its backlog (0 when every office keeps up).
    """

    scenario: Scenario
    applicants: float
    visits: float
    recorded: float
    drain_days: float

    @property
    def record_bytes(self) -> float:
        """Bytes of one replication's records (visit, applicant and verification-request tables)."""
        rows = self.recorded * RECORD_BYTES["visit"] + self.applicants * RECORD_BYTES["applicant"]
        return rows + self.recorded * RECORD_BYTES["request"]

    @property
    def worker_bytes(self) -> float:
        """Peak memory of a process running one replication, bytes."""
        return PROCESS_BYTES + self.visits * ENGINE_BYTES_PER_VISIT + self.record_bytes

    @property
    def office_days(self) -> int:
        """Rows of one replication's daily series: one per office and arrival day."""
        return len(self.scenario.offices) * self.scenario.run.days

    @property
    def daily_bytes(self) -> float:
        """Bytes of one replication's daily rows."""
        return self.office_days * DAILY_ROW_BYTES

    @property
    def held_bytes(self) -> float:
        """Memory one replication's records and daily rows take in the parent until they are written."""
        return self.record_bytes + self.office_days * DAILY_ROW_MEMORY


def estimate(scenario: Scenario) -> Work:
    """Estimate one replication of ``scenario`` from its expected volumes (seconds for a national scenario)."""
    loads = office_month_loads(scenario)
    applicants = sum(m.applicants for months in loads for m in months)
    local = sum(m.local_visits for months in loads for m in months)
    own = sum(m.intakes + m.pickups for months in loads for m in months)
    recorded = own + (local if scenario.report.local_visit_records == "all" else 0.0)
    drain = max(
        (_drain_days(months, scenario.run.days, office.at_closing == "serve", _last_windows(office, scenario.run.days))
         for office, months in zip(scenario.offices, loads, strict=True)),
        default=0.0,
    )  # fmt: skip
    return Work(scenario, applicants, local + own, recorded, drain)


def _drain_days(months: Sequence[MonthLoad], days: int, overtime: bool, windows: int) -> float:
    """Days after the run an office needs for the work its staffed minutes could not do during it.

    The run's staffed window-minutes are each day's windows x its open minutes (staffing by date). After the run
    the office keeps ``windows``, its count on the last arrival day (the last ``windows_from`` step): with
    ``at_closing = "serve"`` the clerks work on after closing, around the clock if need be (``windows x 1440``
    window-minutes a day); otherwise the backlog waits for the next opening (``windows`` x the run's mean open
    minutes a day).
    """
    offered = sum(m.offered_minutes for m in months)
    staffed = sum(m.staffed_minutes for m in months)
    if staffed <= 0:
        return 0.0 if offered <= 0 else float("inf")
    per_day = windows * MINUTES_PER_DAY if overtime else windows * sum(m.open_minutes for m in months) / days
    return max(0.0, offered - staffed) / per_day if per_day > 0 else float("inf")


def _last_windows(office: Office, days: int) -> int:
    """The office's windows on the run's last arrival day (its count from its last ``windows_from`` step)."""
    return servers_on(office.windows, office.windows_from, days - 1)


@dataclass(frozen=True)
class Plan:
    """What a command will do: the scenarios, replications each, workers, and whether records are kept.

    Attributes
    ----------
    work : tuple of Work
        One estimate per scenario.
    replications : int
        Replications of each scenario (the cap under a precision target).
    workers : int
        Processes running replications at once.
    records : bool
        Whether the replications' records are kept (``run``, ``sweep``) or only their figures (``compare``).
    checkpoints : bool
        Whether finished replications are also written as checkpoints while the command runs.
    """

    work: tuple[Work, ...]
    replications: int
    workers: int
    records: bool
    checkpoints: bool

    @property
    def memory_bytes(self) -> float:
        """Peak memory: the workers at their largest replication, and the records and daily rows held till written."""
        largest = max(w.worker_bytes for w in self.work)
        held = sum(w.held_bytes for w in self.work) * self.replications if self.records else 0.0
        return PROCESS_BYTES + self.workers * largest + held

    @property
    def output_bytes(self) -> float:
        """Bytes written: records (uncompressed, an upper bound), daily rows, and the checkpoints meanwhile.

        Without records (``compare``) neither records nor daily rows are written.
        """
        records = sum(w.record_bytes for w in self.work) if self.records else 0.0
        daily = sum(w.daily_bytes for w in self.work) if self.records else 0.0
        copies = 2 if self.checkpoints else 1
        return self.replications * (records * copies + daily)


def check_work(plan: Plan, available: float | None = None) -> None:
    """Refuse work above the bounds (the module docstring); ``available`` memory defaults to this machine's.

    Raises
    ------
    PreflightError
        Naming the scenario file, what was estimated and the bound, and ``--force``.
    """
    available = memory_available() if available is None else available
    for work in plan.work:
        over = []
        if work.visits > MAX_VISITS:
            over.append(f"{work.visits:,.0f} visits a replication (bound {MAX_VISITS:,})")
        if work.drain_days > MAX_DRAIN_DAYS:
            over.append(f"a backlog draining {_days(work.drain_days)} past run.end (bound {MAX_DRAIN_DAYS} days)")
        if over:
            raise PreflightError(f"{work.scenario.file}: estimated {'; '.join(over)}; {_FORCE}")
    if available > 0 and plan.memory_bytes > available:
        file = plan.work[0].scenario.file
        need = f"{plan.memory_bytes / GIB:,.1f} GiB of memory"
        raise PreflightError(f"{file}: estimated {need}, {available / GIB:,.1f} GiB available; {_FORCE}")


_FORCE = "rerun with --force to run it anyway"


def _days(days: float) -> str:
    return "for ever" if days == float("inf") else f"{days:,.0f} days"


def check_output(folder: Path, need_bytes: float) -> None:
    """Check that ``folder`` can be created and written, with room for ``need_bytes``; nothing is left behind.

    Raises
    ------
    PreflightError
        When a part of the path is a file, the nearest existing folder is not writable, or its file system has
        less free space than ``need_bytes``.
    """
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise PreflightError(f"{folder}: {base} is a file, not a folder; nothing was run")
    try:
        with tempfile.NamedTemporaryFile(dir=base, prefix=".rollout-sim-probe-"):
            pass
    except OSError as error:
        raise PreflightError(f"{folder}: cannot write in {base} ({error.strerror}); nothing was run") from None
    free = shutil.disk_usage(base).free
    if need_bytes > free:
        shown = f"needs about {_size(need_bytes)} for its results, {_size(free)} free in {base}"
        raise PreflightError(f"{folder}: {shown}; nothing was run")


def _nearest_existing(folder: Path) -> Path:
    path = folder.absolute()
    while not path.exists() and path != path.parent:
        if path.is_symlink():
            break
        path = path.parent
    return path


def _size(nbytes: float) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes:,.0f} bytes"


def memory_available() -> float:
    """Bytes of memory available for new work (``MemAvailable`` of /proc/meminfo; 0 when unknown)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    return 0.0


def workers(count: int | None, serial: bool) -> int:
    """Processes that will run replications at once: 1 serial, else ``count`` or every core."""
    return 1 if serial else count or os.cpu_count() or 1
