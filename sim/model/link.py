"""The link from residence-place offices to a hukou province's population information system.

A channel object in the manner of SimPy's latency example: the office hands a request to the link and forgets
it; the link owns the mode, the latency and the outages and delivers the request to the province's reviewers.

- **Batch** (before the province's system is upgraded, ``linked_from``): requests leave once per working day at
  the cut-off time; a request made after the cut-off, or on a non-working day, waits for the next working day's
  batch. A batch reaches the reviewers' inbox at 00:00 of the next working day.
- **Real time** (from ``linked_from``): a request leaves at once and arrives after the latency.
- **Outages**: while the link is down nothing leaves; what is due to leave waits until it is back.

Requests that reach the inbox at the same instant (a whole batch at midnight, or everything held by an outage
with a fixed latency) join it in the order of the time they were sent, then of applicant id: one event per
instant delivers them in that order.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.clock import Clock
from sim.model.station import Visit
from sim.scenario.schema import Province
from sim.world.calendar import Calendar


class Link:
    """One province's link.

    Parameters
    ----------
    env
        The environment (minutes).
    province
        The hukou province (mode switch, cut-off, outages).
    calendar
        Working days (the national calendar).
    deliver
        Called with each request when it reaches the reviewers.
    """

    def __init__(self, env: Clock, province: Province, calendar: Calendar, deliver: Callable[[Visit], None]) -> None:
        self.env = env
        self.province = province
        self._outages = sorted(province.outages, key=lambda o: o.start)
        self.calendar = calendar
        self.deliver = deliver
        self.in_transit = 0
        self._due: dict[float, list[Visit]] = {}

    def arrival_time(self, sent: float, latency: float) -> float:
        """When a request handed over at ``sent`` reaches the reviewers (minutes), given its real-time latency."""
        p = self.province
        if sent >= p.linked_from_minutes:
            return self.after_outages(sent) + latency
        leaves = self.after_outages(self.calendar.next_working_time(sent, p.batch_cutoff_minutes))
        return self.calendar.next_working_midnight(leaves)

    def after_outages(self, t: float) -> float:
        """The first instant at or after ``t`` when the link is up."""
        for outage in self._outages:
            if outage.start <= t < outage.end:
                t = outage.end
        return t

    def send(self, request: Visit, latency: float) -> None:
        """Hand a request to the link now; it is delivered when it arrives (one event per arrival instant)."""
        self.in_transit += 1
        t = self.arrival_time(self.env.now, latency)
        due = self._due.get(t)
        if due is None:
            due = self._due[t] = []
            self.env.at(t).callbacks.append(lambda _event: self._deliver(t))
        due.append(request)

    def _deliver(self, t: float) -> None:
        due = self._due.pop(t)
        due.sort(key=lambda request: (request.arrival, request.applicant))
        self.in_transit -= len(due)
        for request in due:
            self.deliver(request)
