"""What a visitor turned away by an office's cap does, drawn with the visitor before the dynamics.

An office with a cap (``max_in_office`` or ``daily_quota``) may turn away a first intake or a local visit. The
visitor then gives up with probability ``turned_away.give_up`` or comes back after ``turned_away.return_days``
(days), on the first open day from then (never the same day), at a time of day drawn from the hour profile.

Each visitor's choices for :data:`RETURNS` turn-aways are drawn with the office-day's arrivals, from the
office-day's own streams (:attr:`~sim.world.streams.Source.TURNED_AWAY` for applicants,
:attr:`~sim.world.streams.Source.TURNED_AWAY_LOCAL` for local visits), whether or not they are ever used: both
engines read the same numbers, and a scenario that changes the cap keeps every visitor's draws. A visitor turned
away a further time gives up (a model rule: nobody tries more than ``RETURNS + 1`` times).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import TurnedAway
from sim.world.distributions import Distribution, FloatArray

RETURNS = 4
"""Turn-aways after which a visitor may still come back; the next one is giving up."""

GIVE_U, RETURN_DAYS, RETURN_U = 0, 1, 2
"""Columns of a turn-away draw: the give-up uniform, the days until the return, the return's time-of-day quantile."""

NONE: FloatArray = np.empty((0, RETURNS, 3))
"""The draws of no visitor."""


class TurnAwaySampler:
    """Draws the turn-away choices of an office's visitors.

    Parameters
    ----------
    rule
        The office's ``turned_away`` table.
    """

    def __init__(self, rule: TurnedAway) -> None:
        self.give_up = rule.give_up
        self._days = Distribution(rule.return_days)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Shape (n, RETURNS, 3): per visitor and turn-away, the give-up uniform, return days and time quantile.

        Parameters
        ----------
        rng
            The office-day's turn-away stream.
        n
            Visitors (rows in arrival order).
        """
        if n == 0:
            return NONE
        out = np.empty((n, RETURNS, 3))
        out[:, :, GIVE_U] = rng.random((n, RETURNS))
        out[:, :, RETURN_DAYS] = self._days.sample(rng, (n, RETURNS))
        out[:, :, RETURN_U] = rng.random((n, RETURNS))
        return out

    def gives_up(self, draws: FloatArray, tries: int) -> bool:
        """Whether a visitor turned away for the ``tries``-th time (from 0) gives up, given its row of draws."""
        return tries >= RETURNS or bool(draws[tries, GIVE_U] < self.give_up)
