"""Run independent checks of a scenario, keep every error they raise, and skip checks whose inputs failed.

A check is a callable that returns a value or raises :class:`ScenarioError`. :meth:`Collector.attempt` runs it
and returns its value, or :data:`FAILED` after recording the error. A check that needs another's value calls
:func:`need` on it: when that value is :data:`FAILED` the check stops and is skipped silently, since its errors
would be knock-on effects of one already recorded. :meth:`Collector.raise_any` then raises them all at once
(see :func:`~sim.scenario.errors.combine`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, TypeVar

from sim.scenario.errors import ScenarioError, combine

T = TypeVar("T")


class Failed(enum.Enum):
    """The type of :data:`FAILED`, the value of a check that broke a rule or was skipped."""

    FAILED = "failed"


FAILED: Final = Failed.FAILED
"""What :meth:`Collector.attempt` returns for a check that raised or was skipped."""


class SkippedError(Exception):
    """Raised by :func:`need` inside a check whose input failed; :meth:`Collector.attempt` swallows it."""


def need(value: T | Failed) -> T:
    """The value of an earlier check, for a check that depends on it.

    Parameters
    ----------
    value
        What :meth:`Collector.attempt` returned for the earlier check.

    Returns
    -------
    T
        ``value`` itself.

    Raises
    ------
    SkippedError
        If ``value`` is :data:`FAILED` (the dependent check is then skipped).
    """
    if value is FAILED:
        raise SkippedError
    return value


class Collector:
    """The errors of a scenario's independent checks, in the order they ran."""

    def __init__(self) -> None:
        self.errors: list[ScenarioError] = []

    def attempt(self, check: Callable[[], T]) -> T | Failed:
        """Run ``check``; record its :class:`ScenarioError`, if any.

        Parameters
        ----------
        check
            Returns a value or raises :class:`ScenarioError` (or :class:`SkippedError`, through :func:`need`).

        Returns
        -------
        T or Failed
            The check's value, or :data:`FAILED` when it raised or was skipped.
        """
        try:
            return check()
        except ScenarioError as error:
            self.errors.append(error)
        except SkippedError:
            pass
        return FAILED

    def add(self, error: ScenarioError) -> None:
        """Record an error found without running a check."""
        self.errors.append(error)

    def raise_any(self) -> None:
        """Raise the recorded errors together (see :func:`~sim.scenario.errors.combine`); do nothing if none."""
        if self.errors:
            raise combine(self.errors)
