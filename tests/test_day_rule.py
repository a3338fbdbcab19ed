"""The rule that lets the fast engine finish a window's day before the reviewers decide anything of that day.

Nothing a decision causes comes back to a window on the decision's own day: a revisit comes at the earliest on
the next day, and so does a pickup, even when the drawn delays are tiny and production takes no working day.
Both engines follow it and agree on such a scenario.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.model.engine import run_replication
from sim.model.records import VisitKind
from sim.scenario.load import load_scenario
from sim.scenario.schema import DistSpec
from sim.world.calendar import MINUTES_PER_DAY
from tests import engine_diff
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def hasty():
    """two_provinces with rejections half the time, revisits and pickups due within hours, no production time."""
    base = load_scenario(SCENARIOS / "two_provinces.toml")
    production = dataclasses.replace(
        base.production,
        working_days=DistSpec("deterministic", mean=0.0),
        shipping_days=DistSpec("deterministic", mean=0.0),
        pickup_after_days=DistSpec("uniform", low=0.0, high=0.1),
        revisit_after_days=DistSpec("uniform", low=0.0, high=0.1),
    )
    provinces = tuple(
        dataclasses.replace(p, reject_probability=0.5, linked_from_minutes=-np.inf) for p in base.provinces
    )
    return dataclasses.replace(base, production=production, provinces=provinces)


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_revisits_and_pickups_come_on_a_later_day_than_their_decision(hasty, engine):
    result = run_replication(hasty, 0, engine=engine)
    v, r = result.visits, result.requests
    decided = {(int(a), int(k)): float(t) for a, k, t in zip(r["applicant"], r["attempt"], r["decided"], strict=True)}
    reworks = np.flatnonzero(v["kind"] == VisitKind.REWORK)
    assert reworks.size > 100
    # a rework visit's attempt is the one after the rejection: find the decision it answers
    a = result.applicants
    for i in reworks.tolist():
        who = int(v["applicant"][i])
        earlier = [t for (x, _), t in decided.items() if x == who and t < v["arrival"][i]]
        assert v["arrival"][i] // MINUTES_PER_DAY > max(earlier) // MINUTES_PER_DAY
    pickups = v["kind"] == VisitKind.PICKUP
    assert pickups.sum() > 100
    approved = a["decided"][v["applicant"][pickups]]
    assert (v["arrival"][pickups] // MINUTES_PER_DAY > approved // MINUTES_PER_DAY).all()
    # the same-day slots were not empty: some decisions came early enough that the drawn time fell that day
    same_day = (a["decided"] + 0.1 * MINUTES_PER_DAY) // MINUTES_PER_DAY == a["decided"] // MINUTES_PER_DAY
    assert same_day[np.isfinite(a["decided"])].sum() > 100


def test_both_engines_agree_on_hasty_returns(hasty):
    engine_diff.assert_same(run_replication(hasty, 0, engine="simpy"), run_replication(hasty, 0, engine="fast"))
