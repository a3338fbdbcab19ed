"""A SimPy environment that also wakes processes at absolute times.

``env.timeout(t - env.now)`` lands at ``env.now + (t - env.now)``, which floating point may round to a
neighbour of ``t``. The model computes most of its moments absolutely (an arrival drawn for 10:31.7, a batch at
00:00 of the next working day, an opening), so it schedules them at exactly those times; the fast engine computes
the same floats, and ties (a whole batch arriving at midnight) stay ties.
"""

from __future__ import annotations

from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Clock(simpy.Environment):
    """An environment (minutes) with :meth:`at`."""

    def at(self, t: float, value: Any = None) -> simpy.Event:
        """An event processed at the absolute time ``t`` (minutes, not before now).

        Raises
        ------
        ValueError
            If ``t`` lies in the past.
        """
        if t < self._now:
            raise ValueError(f"time {t} is before now ({self._now})")
        event = simpy.Event.__new__(simpy.Event)  # initialised inline, as simpy.Timeout does
        event.env = self
        event.callbacks = []
        event._value = value
        event._ok = True
        heappush(self._queue, (t, NORMAL, next(self._eid), event))
        return event
