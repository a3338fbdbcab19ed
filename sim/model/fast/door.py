"""The fast engine's doors of capped offices: the kernel's gate state, waiting visitors' draws, turn-aways.

The model is that of :mod:`sim.model.admission`: a first intake or a local visit at an office with
``max_in_office`` or ``daily_quota`` needs a ticket (decided inside :func:`~sim.model.fast.kernels.solve_stations`
in queue order); turned away, it gives up or comes back on a later open day, from its own pre-drawn choices. An
applicant gets an id only when admitted, so a capped scenario keeps its new applicants as *candidates* (their
draws, by candidate number) until then; local visits at a capped office keep their turn-away draws by number too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.fast.kernels import Gate, open_times
from sim.model.fast.steps import day_of
from sim.model.fast.tables import Tables
from sim.model.records import VisitKind
from sim.model.turnaways import TurnAwayTally
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY
from sim.world.turned_away import GIVE_U, RETURN_DAYS, RETURN_U, RETURNS

Array = NDArray[Any]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class Rows:
    """Growable columns addressed by row number (rows are appended, never removed)."""

    def __init__(self) -> None:
        self.size = 0
        self.columns: dict[str, Array] = {}

    def append(self, block: dict[str, Array]) -> I64:
        """Add the block's rows; returns their numbers."""
        n = next(iter(block.values())).shape[0]
        if not self.columns:
            self.columns = {k: np.empty((max(n, 1024), *v.shape[1:]), dtype=v.dtype) for k, v in block.items()}
        capacity = next(iter(self.columns.values())).shape[0]
        if self.size + n > capacity:
            grow = max(2 * capacity, self.size + n)
            for k, v in self.columns.items():
                bigger = np.empty((grow, *v.shape[1:]), dtype=v.dtype)
                bigger[: self.size] = v[: self.size]
                self.columns[k] = bigger
        for k, v in block.items():
            self.columns[k][self.size : self.size + n] = v
        self.size += n
        return np.arange(self.size - n, self.size, dtype=np.int64)

    def __getitem__(self, name: str) -> Array:
        return self.columns[name]


class Door:
    """Caps of every station of the kernel and what the turned-away visitors do.

    Parameters
    ----------
    scenario
        The scenario (offices are the first stations).
    stations
        Number of kernel stations.
    """

    def __init__(self, scenario: Scenario, stations: int) -> None:
        offices = scenario.offices
        self.offices = len(offices)
        self.capped = np.zeros(stations, dtype=np.bool_)
        self.capped[: self.offices] = [o.capped for o in offices]
        self.any = bool(self.capped.any())
        self.max_inside = np.zeros(stations, dtype=np.int64)
        self.max_inside[: self.offices] = [o.max_in_office for o in offices]
        self.quota = np.zeros(stations, dtype=np.int64)
        self.quota[: self.offices] = [o.daily_quota for o in offices]
        self.give_up = np.array([o.turned_away.give_up for o in offices])
        self.quota_day = np.full(stations, -1, dtype=np.int64)
        self.quota_used = np.zeros(stations, dtype=np.int64)
        most = int(self.max_inside.max(initial=0))
        self.ends = np.zeros((stations, 2 * most + 64 if most else 0))  # read only at stations with max_inside
        self.inside = np.zeros(stations, dtype=np.int64)
        self.tally = TurnAwayTally(self.offices, scenario.run.days)
        self.candidates = Rows()
        self.local = Rows()
        self._state: tuple[Array, ...] = ()

    def gate(self, station: I64, kind: I64) -> Gate:
        """The kernel's gate for visits in queue order (a fresh copy of the state: a call may be retried)."""
        if self.any:
            counted = (kind == VisitKind.INTAKE) | (kind == VisitKind.BACKGROUND)
            asks = (self.capped[station] & counted).astype(np.int8)
        else:  # no station has a cap: nobody asks
            asks = np.zeros(station.size, dtype=np.int8)
        self._state = (self.quota_day.copy(), self.quota_used.copy(), self.ends.copy(), self.inside.copy())
        return Gate(asks, np.ones(station.size, dtype=np.int8), self.max_inside, self.quota, *self._state)

    def keep(self) -> None:
        """The last call finished: its gate state is the stations' state."""
        self.quota_day, self.quota_used, self.ends, self.inside = self._state

    def widen(self) -> None:
        """A capped station's heap of service ends was full: double its room."""
        wider = np.zeros((self.ends.shape[0], max(2 * self.ends.shape[1], 64)))
        wider[:, : self.ends.shape[1]] = self.ends
        self.ends = wider

    def turn_away(
        self, tables: Tables, office: I64, t: F64, *, who: I64, kind: I64, tries: I64
    ) -> tuple[NDArray[np.bool_], F64]:
        """Visitors turned away at ``t`` (minutes): record them; which come back, and when.

        Parameters
        ----------
        tables
            The engine's calendar tables (open days and hour-profile shapes).
        office, t, who, kind, tries
            Per visitor: office, time, candidate or local-visit number, visit kind, times turned away before.

        Returns
        -------
        tuple
            Who comes back (mask), and when (minutes, for those).
        """
        row = np.minimum(tries, RETURNS - 1)
        draws = np.empty((who.size, 3))
        first = kind == VisitKind.INTAKE
        local = ~first
        if first.any():
            draws[first] = self.candidates["away"][who[first], row[first]]
        if local.any():
            draws[local] = self.local["away"][who[local], row[local]]
        gave_up = (tries >= RETURNS) | (draws[:, GIVE_U] < self.give_up[office])
        self.tally.record(office, t, gave_up)
        back = ~gave_up
        target = t[back] + draws[back, RETURN_DAYS] * MINUTES_PER_DAY
        floor = (day_of(t[back]) + 1) * MINUTES_PER_DAY
        shapes = tables.shapes
        when = open_times(tables.office_calendar[office[back]], target, draws[back, RETURN_U], floor, shapes.of_day,
                          shapes.starts, shapes.widths, shapes.cumulative, shapes.count)  # fmt: skip
        return back, when
