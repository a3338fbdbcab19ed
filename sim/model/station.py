"""A station: servers pulling from one FIFO queue during opening periods (office windows, reviewers, kiosks).

Servers are a count of free servers, not ``simpy.Resource`` slots, because the capacity that may start work
changes with the clock: whenever a visit joins, a service ends or the station reopens, free servers take the head
of the queue while the station may start a service. A service is one timeout event whose callback finishes it
(no process per server: the station is on the hot path of every journey). What happens around closing is the
station's policy:

``serve``
    Servers finish everyone already queued at closing. Visitors who arrive while closed wait away and join at the
    next opening, in the order they came.
``return_next_day``
    At closing the queue is sent home (the server finishes the visitor at the window); those sent home and those
    who arrived while closed rejoin at the next opening, in that order.
``hold``
    Work that arrives while closed joins the queue at once (an inbox); servers start only while open and pick up
    again at the next opening (reviewers' desks).

Ties at one instant follow SimPy's event order; the rules that decide behaviour are explicit: opening periods are
half-open, so a closing instant is closed; a staffing step (:meth:`Station.staff`, at 00:00 of a day) comes before
anything else at its instant. A server added by a step takes the head of the queue at once; when a step takes
servers away, those busy finish their visitors and nobody starts until fewer than the new count are busy.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any, Literal, cast

import simpy

from sim.model.clock import Clock
from sim.model.records import StageCounts, TimeWeighted
from sim.scenario.schema import Steps
from sim.world.calendar import MINUTES_PER_DAY, Calendar

Closing = Literal["serve", "return_next_day", "hold"]


class Visit:
    """One visit to a station: an applicant at a window, a request on a reviewer's desk.

    Attributes
    ----------
    kind : int
        A :class:`~sim.model.records.VisitKind` code.
    applicant : int
        Applicant id, -1 for background business.
    arrival : float
        First arrival at the station, minutes.
    service : float
        Service time, minutes (drawn when the visit was created).
    joined : float
        When the visit last joined the queue, minutes.
    wait : float
        Minutes spent in the queue so far.
    returns : int
        Times the visitor was sent home at closing.
    start : float
        Service start, minutes (NaN until served).
    done : simpy.Event or None
        Succeeded when the service ends, for a journey waiting on it.
    """

    __slots__ = ("applicant", "arrival", "done", "joined", "kind", "returns", "service", "start", "wait")

    def __init__(
        self, kind: int, applicant: int, arrival: float, service: float, done: simpy.Event | None = None
    ) -> None:
        self.kind = kind
        self.applicant = applicant
        self.arrival = arrival
        self.service = service
        self.joined = arrival
        self.wait = 0.0
        self.returns = 0
        self.start = float("nan")
        self.done = done


Hook = Callable[[Visit, float], None]
"""Called with a visit and the time (minutes) of a service start or end."""


def _ignore(visit: Visit, t: float) -> None:
    """A hook that does nothing."""


class Station:
    """A queue and its servers inside one environment.

    Parameters
    ----------
    env
        The simulation environment (minutes).
    servers
        Number of servers (windows, reviewers, kiosks).
    calendar
        Opening periods and holidays.
    closing
        Policy at closing, see the module docstring.
    served
        Called when a service ends (before ``visit.done`` is succeeded).
    started
        Called when a service starts.
    max_inside
        Most visits inside (queued plus in service) for :meth:`ticket` to admit another; 0 for no cap.
    quota
        Most tickets a day; 0 for no quota.
    """

    def __init__(
        self,
        env: Clock,
        servers: int,
        calendar: Calendar,
        closing: Closing,
        *,
        served: Hook = _ignore,
        started: Hook = _ignore,
        max_inside: int = 0,
        quota: int = 0,
    ) -> None:
        self.env = env
        self.servers = servers
        self.free = servers
        self.calendar = calendar
        self.closing = closing
        self.served = served
        self.started = started
        self.queue: deque[Visit] = deque()
        self.away: list[Visit] = []
        self.queue_level = TimeWeighted()
        self.busy_level = TimeWeighted()
        self.arrived = 0
        self.finished = 0
        self._reopening = False
        self._closing_watch = False
        self.max_inside = max_inside
        self.quota = quota
        self._quota_day = -1
        self._quota_used = 0

    def ticket(self) -> bool:
        """Whether a capped visitor arriving now is admitted (then it takes one of the day's tickets).

        Turned away when ``max_inside`` visits are inside (queued or at a window) or the day's ``quota`` tickets
        are taken; the day is that of the arrival.
        """
        if self.max_inside and len(self.queue) + self.servers - self.free >= self.max_inside:
            return False
        if self.quota:
            day = int(self.env.now // MINUTES_PER_DAY)
            if day != self._quota_day:
                self._quota_day, self._quota_used = day, 0
            if self._quota_used >= self.quota:
                return False
            self._quota_used += 1
        return True

    def arrive(self, visit: Visit) -> None:
        """A visit reaches the station now: joins the queue if open (or into the inbox), else waits away."""
        self.arrived += 1
        if self.closing == "hold" or self.calendar.is_open(self.env.now):
            self._join([visit])
        else:
            self._send_away([visit])

    def staff(self, steps: Steps) -> None:
        """Change the number of servers at the given times (minutes, not before now), by time.

        Called before the run starts, so that each step comes before anything else scheduled for its instant.
        """
        for moment, servers in steps:
            self.env.at(moment, value=servers).callbacks.append(self._restaff)

    def _restaff(self, event: simpy.Event) -> None:
        servers = cast(int, event.value)
        self.free += servers - self.servers
        self.servers = servers
        self._dispatch()

    def stages(self) -> StageCounts:
        """Where this station's visits are right now."""
        return StageCounts(self.arrived, self.finished, len(self.queue), self.servers - self.free, len(self.away))

    def _join(self, visits: list[Visit]) -> None:
        now = self.env.now
        for visit in visits:
            visit.joined = now
            self.queue.append(visit)
        self.queue_level.add(now, len(visits))
        if self.closing == "return_next_day" and not self._closing_watch and self.calendar.is_open(now):
            self._closing_watch = True
            self.env.process(self._close_at(self.calendar.closing_time(now)))
        self._dispatch()

    def _dispatch(self) -> None:
        """Free servers take the head of the queue while the station may start a service."""
        if not self.queue or self.free <= 0:
            return
        if not (self.closing == "serve" or self.calendar.is_open(self.env.now)):
            if self.closing == "hold":
                self._reopen_later()
            return
        while self.queue and self.free > 0:
            self._start(self.queue.popleft())

    def _start(self, visit: Visit) -> None:
        now = self.env.now
        self.free -= 1
        self.queue_level.add(now, -1)
        self.busy_level.add(now, 1)
        visit.wait += now - visit.joined
        visit.start = now
        self.started(visit, now)
        end = self.env.timeout(visit.service, value=visit)
        end.callbacks.append(self._finish)

    def _finish(self, event: simpy.Event) -> None:
        visit = cast(Visit, event.value)
        now = self.env.now
        self.free += 1
        self.busy_level.add(now, -1)
        self.finished += 1
        self.served(visit, now)
        if visit.done is not None:
            visit.done.succeed()
        self._dispatch()

    def _send_away(self, visits: list[Visit]) -> None:
        self.away.extend(visits)
        self._reopen_later()

    def _reopen_later(self) -> None:
        if not self._reopening:
            self._reopening = True
            self.env.process(self._reopen())

    def _reopen(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.at(self.calendar.next_open(self.env.now))
        self._reopening = False
        back, self.away = self.away, []
        if back:
            self._join(back)
        else:
            self._dispatch()

    def _close_at(self, closing: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.at(closing)
        self._closing_watch = False
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
