"""Values built once per scenario and shared by its offices, found by the identity of what they are built from.

A national scenario has 341 offices that share one geography, one demand specification, a few calendars and one
tuple of provinces. What an office derives from them alone (the city's index, a calendar's day weights, the
provinces' coded distributions) is the same for every office; building it per office, or finding it in an
``lru_cache`` by hashing a geography of 341 cities, cost more than the office's own work. :func:`by_identity`
keeps such values keyed by the identities of their arguments, and holds the arguments so that the identities
stay theirs. Numbers and strings among the arguments are keyed by value.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

R = TypeVar("R")

_VALUES = (int, float, str)

SIZE = 64
"""Values kept per function; the cache is emptied when it is full (a run holds a few scenarios at a time)."""


def by_identity(build: Callable[..., R]) -> Callable[..., R]:
    """Cache ``build(*args)`` by the identities of ``args`` (positional arguments only).

    Equal but distinct arguments build again, which is correct, only slower; the same objects always find their
    value. The arguments must not be mutated while the value is held (the scenario's parts are frozen).
    """
    held: dict[tuple[object, ...], tuple[tuple[Any, ...], R]] = {}

    @wraps(build)
    def cached(*args: Any) -> R:
        key = tuple((type(a), a) if isinstance(a, _VALUES) else id(a) for a in args)
        found = held.get(key)
        if found is not None:  # the held arguments are alive, so no other object has their identities
            return found[1]
        value = build(*args)
        if len(held) >= SIZE:
            held.clear()
        held[key] = (args, value)
        return value

    return cached
