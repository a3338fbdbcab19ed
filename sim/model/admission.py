"""The SimPy engine's door of a capped office: a ticket, or turned away to give up or come back later.

A first intake or a local visit reaching an office with a cap asks the station for a ticket
(:meth:`~sim.model.station.Station.ticket`). Turned away, the visitor reads its own draws
(:mod:`sim.world.turned_away`): it gives up, or comes back on the first open day from the drawn delay, at a drawn
time of day, never on the same day, and asks again. Revisits and pickups never ask. An applicant becomes one (an
id, a stage, a journey) only when admitted: its arrival is that of the visit that got the ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from sim.model.network import Network
from sim.world.calendar import MINUTES_PER_DAY, next_midnight
from sim.world.distributions import FloatArray
from sim.world.turned_away import RETURN_DAYS, RETURN_U


def come(net: Network, office: int, enter: Callable[[], None], away: FloatArray, tries: int = 0) -> None:
    """A visitor reaches ``office`` now: ``enter`` when it gets a ticket, else turned away.

    Parameters
    ----------
    net
        The built model.
    office
        Office index (of a capped office).
    enter
        What the admitted visitor does now (start an applicant's journey, join the queue).
    away
        Shape (RETURNS, 3): the visitor's turn-away draws.
    tries
        Times the visitor was turned away before.
    """
    if net.offices[office].ticket():
        net.tally.admitted[office] += 1
        enter()
        return
    sampler = net.turn_away[office]
    if sampler is None:
        raise ValueError(f"office {office} turned a visitor away without a cap")
    now = net.env.now
    gives_up = sampler.gives_up(away, tries)
    net.tally.record(np.array([office]), np.array([now]), np.array([gives_up]))
    if gives_up:
        return
    target = now + float(away[tries, RETURN_DAYS]) * MINUTES_PER_DAY
    back = net.open_time(office, target, float(away[tries, RETURN_U]), earliest=next_midnight(now))
    net.env.process(_come_back(net, office, enter, away, tries=tries + 1, back=back))


def _come_back(
    net: Network, office: int, enter: Callable[[], None], away: FloatArray, *, tries: int, back: float
) -> Generator[simpy.Event, Any, None]:
    yield net.env.at(back)
    come(net, office, enter, away, tries)
