"""Rollout schedule -> the day each (hukou origin, destination city) pair is enabled.

An origin is a hukou province split in two: people whose hukou is in one of its pilot cities, and the rest. The
enabled set changes only at phase starts. At each start the phase's ``join`` provinces go on the national network
and its cities open, adding the phase's acceptance rule to the rules they have been given (a city admits what any
of its rules admits; a ``joined`` phase is network-wide and gives ``joined`` to every city already open too, as
when Sichuan accepted the provinces of the first national batches); then every open city admits the origins its
rules allow:

- ``pilot-cities-of-region``: hukou in a pilot city of another province of the same pilot region;
- ``same-region``: any hukou in another province of the same pilot region;
- ``joined``: any province that has opened at least one city by then (re-evaluated at every later start);
- ``network``: any province put on the national network by a phase's ``join`` by then (re-evaluated too);
- ``all``: every province.

A pair's day is the first phase start at which it is admitted (``inf`` if never). Pairs within one province are
not inter-provincial and are never enabled.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import ACCEPT, Geography, Phase

PILOT, OTHER = 0, 1
"""Origin kinds: hukou in a pilot city of the province, or elsewhere in it."""


def enabled_days(geo: Geography, phases: tuple[Phase, ...]) -> NDArray[np.float64]:
    """Day index (from the run's start) from which each pair is enabled.

    Parameters
    ----------
    geo
        Provinces and cities.
    phases
        The schedule in date order; with no phases every inter-provincial pair is enabled from day 0.

    Returns
    -------
    numpy.ndarray
        Shape (origin provinces, 2 origin kinds, destination cities); ``inf`` where never enabled.
    """
    provinces = [p.name for p in geo.provinces]
    n_p, n_c = len(provinces), len(geo.cities)
    city_province = np.array([provinces.index(c.province) for c in geo.cities])
    region = np.array([p.region for p in geo.provinces])
    has_pilot = np.zeros(n_p, dtype=bool)
    for c in geo.cities:
        has_pilot[provinces.index(c.province)] |= c.pilot
    other_province = city_province[None, :] != np.arange(n_p)[:, None]  # (origin, city)
    days = np.full((n_p, 2, n_c), np.inf)
    if not phases:
        days[:, :, :] = np.where(other_province[:, None, :], 0.0, np.inf)
        return days
    rules = np.zeros((n_c, len(ACCEPT)), dtype=bool)  # the acceptance rules each city has been given
    network = np.zeros(n_p, dtype=bool)
    city_index = {c.name: i for i, c in enumerate(geo.cities)}
    same_region = (region[:, None] == region[city_province][None, :]) & (region[:, None] != "other")
    pilot, region_rule, joined_rule, network_rule, all_rule = (
        ACCEPT.index(a) for a in ("pilot-cities-of-region", "same-region", "joined", "network", "all")
    )
    for phase in phases:
        network[[provinces.index(p) for p in phase.join]] = True
        level = ACCEPT.index(phase.accept)
        rules[[city_index[name] for name in phase.cities], level] = True
        is_open = rules.any(axis=1)
        if phase.accept == "joined":
            rules[is_open, joined_rule] = True
        joined = np.zeros(n_p, dtype=bool)
        joined[np.unique(city_province[is_open])] = True
        admit = np.zeros((n_p, 2, n_c), dtype=bool)
        for kind in (PILOT, OTHER):
            pilots = has_pilot[:, None] if kind == PILOT else np.zeros((n_p, 1), dtype=bool)
            admit[:, kind, :] = (
                (rules[:, pilot][None, :] & same_region & pilots)
                | (rules[:, region_rule][None, :] & same_region)
                | (rules[:, joined_rule][None, :] & joined[:, None])
                | (rules[:, network_rule][None, :] & network[:, None])
                | rules[:, all_rule][None, :]
            )
        admit &= other_province[:, None, :]
        days = np.where(admit & np.isinf(days), float(phase.start_day), days)
    return days


def pilot_share(geo: Geography) -> NDArray[np.float64]:
    """Per province: the share of its population living in its pilot cities (the PILOT origin kind's weight)."""
    provinces = [p.name for p in geo.provinces]
    share = np.zeros(len(provinces))
    for c in geo.cities:
        if c.pilot:
            share[provinces.index(c.province)] += c.population
    population = np.array([p.population for p in geo.provinces])
    result: NDArray[np.float64] = np.divide(share, population, out=np.zeros_like(share), where=population > 0)
    return result
