"""The acceptance office: windows (clerks) serving one shared FIFO queue during opening hours.

A clerk is a process, not a ``simpy.Resource`` slot, because capacity changes with the clock: clerks take the next
visitor while the office may start a service, and otherwise wait idle until woken. Visitors who arrive while the
office is closed (at a closing instant or after it) wait away and join the queue at the next opening, in the order
they came. At closing, ``serve`` lets clerks finish everyone already queued; ``return_next_day`` lets each clerk
finish the visitor at the window and sends the queue home, to rejoin at the next opening ahead of new arrivals.

Ties at the same instant follow SimPy's event order; the one rule that matters is explicit: opening periods are
half-open, so a closing instant is closed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.model.records import StageCounts, TimeWeighted
from sim.scenario.schema import Office as OfficeSpec
from sim.world.calendar import Calendar


class Visit:
    """One visitor's trip to a window.

    Attributes
    ----------
    kind : int
        A :class:`~sim.model.records.VisitKind` code.
    applicant : int
        Applicant id, -1 for background business.
    arrival : float
        First arrival at the office, minutes.
    service : float
        Service time at the window, minutes (drawn when the visit was created).
    joined : float
        When the visitor last joined the queue, minutes.
    wait : float
        Minutes spent in the queue so far.
    returns : int
        Times the visitor was sent home at closing.
    start : float
        Service start, minutes (NaN until served).
    """

    __slots__ = ("applicant", "arrival", "joined", "kind", "returns", "service", "start", "wait")

    def __init__(self, kind: int, applicant: int, arrival: float, service: float) -> None:
        self.kind = kind
        self.applicant = applicant
        self.arrival = arrival
        self.service = service
        self.joined = arrival
        self.wait = 0.0
        self.returns = 0
        self.start = float("nan")


Served = Callable[[Visit, float], None]
"""Called with a visit and its service end time (minutes) when a clerk finishes it."""


class Office:
    """An office's queue, clerks and opening hours inside one environment.

    Parameters
    ----------
    env
        The simulation environment (minutes).
    spec
        The office's scenario entry.
    calendar
        Its opening periods and holidays.
    served
        Callback for every finished visit.
    """

    def __init__(self, env: simpy.Environment, spec: OfficeSpec, calendar: Calendar, served: Served) -> None:
        self.env = env
        self.spec = spec
        self.calendar = calendar
        self.served = served
        self.serve_at_closing = spec.at_closing == "serve"
        self.queue: deque[Visit] = deque()
        self.away: list[Visit] = []
        self.idle: deque[simpy.Event] = deque()
        self.queue_level = TimeWeighted()
        self.busy_level = TimeWeighted()
        self.arrived = 0
        self.finished = 0
        self._reopening = False
        self._closing = False
        for _ in range(spec.windows):
            env.process(self._clerk())

    def arrive(self, visit: Visit) -> None:
        """A visitor reaches the office now: joins the queue if open, else waits for the next opening."""
        self.arrived += 1
        if self.calendar.is_open(self.env.now):
            self._join([visit])
        else:
            self._send_away([visit])

    def stages(self) -> StageCounts:
        """Where this office's visitors are right now."""
        in_service = int(self.busy_level.value)
        return StageCounts(self.arrived, self.finished, len(self.queue), in_service, len(self.away))

    def _join(self, visits: list[Visit]) -> None:
        now = self.env.now
        for visit in visits:
            visit.joined = now
            self.queue.append(visit)
        self.queue_level.add(now, len(visits))
        for _ in range(min(len(visits), len(self.idle))):
            self.idle.popleft().succeed()
        if not self.serve_at_closing and not self._closing:
            self._closing = True
            self.env.process(self._close_at(self.calendar.closing_time(now)))

    def _send_away(self, visits: list[Visit]) -> None:
        self.away.extend(visits)
        if not self._reopening:
            self._reopening = True
            self.env.process(self._reopen())

    def _reopen(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(self.calendar.next_open(self.env.now) - self.env.now)
        self._reopening = False
        back, self.away = self.away, []
        self._join(back)

    def _close_at(self, closing: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(closing - self.env.now)
        self._closing = False
        if not self.queue:
            return
        now = self.env.now
        home = list(self.queue)
        self.queue.clear()
        self.queue_level.add(now, -len(home))
        for visit in home:
            visit.wait += now - visit.joined
            visit.returns += 1
        self._send_away(home)

    def _may_start(self) -> bool:
        return self.serve_at_closing or self.calendar.is_open(self.env.now)

    def _clerk(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            if not (self.queue and self._may_start()):
                wake = env.event()
                self.idle.append(wake)
                yield wake
                continue
            visit = self.queue.popleft()
            now = env.now
            self.queue_level.add(now, -1)
            self.busy_level.add(now, 1)
            visit.wait += now - visit.joined
            visit.start = now
            yield env.timeout(visit.service)
            self.busy_level.add(env.now, -1)
            self.finished += 1
            self.served(visit, env.now)
