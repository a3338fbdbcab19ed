"""Metamorphic relations of the journey under common random numbers (same seed, one thing changed).

Every random number belongs to an applicant (drawn when it arrives), so a change to links, reviewers or the
rejection probability leaves arrivals, service and review times unchanged: each replication is compared with
its own twin. Every test runs on both engines (the ``engine`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.experiment.runner import run_experiment
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def base():
    s = load_scenario(SCENARIOS / "two_provinces.toml")
    run = dataclasses.replace(s.run, end=s.run.start + dt.timedelta(days=41), replications=5)
    return dataclasses.replace(s, run=run)


def with_province(scenario, name, **changes):
    provinces = tuple(dataclasses.replace(p, **changes) if p.name == name else p for p in scenario.provinces)
    return dataclasses.replace(scenario, provinces=provinces)


def paired(a, b, scope, metric):
    for oa, ob in zip(a.outcomes, b.outcomes, strict=True):
        assert np.array_equal(np.sort(oa.result.applicants["arrival"]), np.sort(ob.result.applicants["arrival"]))
        yield oa.figures[(scope, metric)], ob.figures[(scope, metric)]


def test_linking_a_province_earlier_never_lengthens_its_lead_time(base, engine):
    batch = run_experiment(base, engine=engine)  # Henan on batch transfer throughout
    linked = run_experiment(with_province(base, "Henan", linked_from_minutes=0.0), engine=engine)
    for b, linked_value in paired(batch, linked, "hukou:Henan", "lead_days_mean"):
        assert linked_value <= b
    for b, linked_value in paired(batch, linked, "hukou:Henan", "turnaround_hours_mean"):
        assert linked_value < b
    # Anhui was linked in both: its figures only move through the shared windows and production
    anhui = list(paired(batch, linked, "hukou:Anhui", "turnaround_hours_mean"))
    assert all(abs(x - y) < 1.0 for x, y in anhui)


def test_more_reviewers_never_lengthen_verification_turnaround(base, engine):
    two = run_experiment(base, engine=engine)
    four = run_experiment(with_province(with_province(base, "Anhui", reviewers=4), "Henan", reviewers=4), engine=engine)
    for scope in ("hukou:Anhui", "hukou:Henan", "total"):
        for t2, t4 in paired(two, four, scope, "turnaround_hours_mean"):
            assert t4 <= t2
    for u2, u4 in paired(two, four, "total", "reviewer_utilisation"):
        assert u4 < u2


def test_a_higher_rejection_probability_never_lowers_visits_per_applicant(base, engine):
    low = run_experiment(base, engine=engine)
    high = run_experiment(
        with_province(with_province(base, "Anhui", reject_probability=0.2), "Henan", reject_probability=0.2),
        engine=engine,
    )
    for v_low, v_high in paired(low, high, "total", "visits_per_applicant"):
        assert v_high >= v_low
    for r_low, r_high in paired(low, high, "total", "rejected_share"):
        assert r_high > r_low
    # per applicant, too: the same applicant never needs fewer visits
    for ol, oh in zip(low.outcomes, high.outcomes, strict=True):
        visits_low = dict(
            zip(ol.result.applicants["arrival"].tolist(), ol.result.applicants["visits"].tolist(), strict=True)
        )
        visits_high = dict(
            zip(oh.result.applicants["arrival"].tolist(), oh.result.applicants["visits"].tolist(), strict=True)
        )
        assert all(visits_high[t] >= v for t, v in visits_low.items())


def test_applicants_rejected_more_often_than_the_predrawn_attempts_still_finish(base, engine):
    short = dataclasses.replace(base.run, end=base.run.start + dt.timedelta(days=9), replications=1)
    harsh = with_province(dataclasses.replace(base, run=short), "Henan", reject_probability=0.7)
    (outcome,) = run_experiment(harsh, engine=engine).outcomes
    a = outcome.result.applicants
    assert a["attempts"].max() > 4  # later attempts: drawn from their own sub-streams
    assert np.all(a["visits"] == a["attempts"] + 1)  # every attempt an intake, plus the pickup
    assert np.isfinite(a["in_hand"]).all()
