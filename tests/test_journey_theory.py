"""Theory for the journey: verification as an M/G/inf delay, and intake -> review as a Jackson tandem.

Everything is open around the clock with no holidays, so the stations are the textbook queues. Each replication
gives one estimate; the mean across replications must agree with theory within 4 standard errors. Every test runs
on both engines (the ``engine`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.experiment.executors import ProcessExecutor
from sim.experiment.runner import run_experiment
from sim.experiment.stats import estimate
from sim.model.stages import Stage
from sim.scenario.schema import (
    Demand,
    DistSpec,
    Hours,
    Office,
    Production,
    Province,
    Run,
    Scenario,
)
from sim.theory import MMc, jackson_tandem_sojourn_minutes, mg_inf_mean_in_system

K = 4.0
ALL_DAY = Hours(weekdays=((0.0, 1440.0),), weekend=((0.0, 1440.0),))
RATE = 0.2  # applicants per minute


def scenario(*, windows: int, intake: DistSpec, reviewers: int, review: DistSpec, latency: DistSpec) -> Scenario:
    office = Office(
        name="office",
        windows=windows,
        hours=ALL_DAY,
        applicants_per_day=RATE * 1440,
        intake_minutes=intake,
        background_per_day=0.0,
        background_minutes=DistSpec("deterministic", mean=1.0),
        origins=(("P", 1.0),),
        delivery="mail",
    )
    province = Province(
        name="P",
        reviewers=reviewers,
        hours=ALL_DAY,
        review_minutes=review,
        reject_probability=0.0,
        linked_from_minutes=-math.inf,
        batch_cutoff_minutes=960.0,
        latency_minutes=latency,
    )
    start = dt.date(2023, 1, 2)
    return Scenario(
        name="journey_theory",
        file="<test>",
        run=Run(start=start, end=start + dt.timedelta(days=29), warm_up_days=3, replications=20, seed=77),
        offices=(office,),
        demand=Demand(),
        provinces=(province,),
        production=Production(working_days=DistSpec("deterministic", mean=1.0)),
    )


def assert_close(values, theory, what):
    e = estimate(values)
    assert abs(e.mean - theory) < K * e.standard_error, f"{what}: {e.mean} ±{e.half_width} vs theory {theory}"


@pytest.mark.slow
def test_verification_with_ample_reviewers_is_an_m_g_infinity_delay(engine):
    latency = DistSpec("exponential", mean=30.0)
    review = DistSpec("lognormal", mean=20.0, cv=0.8)
    s = scenario(windows=20, intake=DistSpec("exponential", mean=5.0), reviewers=200, review=review, latency=latency)
    experiment = run_experiment(s, executor=ProcessExecutor(2), engine=engine)
    first, last = s.run.warm_up_days, s.run.days
    in_verification = [
        float(o.result.wip_area[Stage.IN_VERIFICATION, first:last].sum()) / ((last - first) * 1440.0)
        for o in experiment.outcomes
    ]
    assert_close(in_verification, mg_inf_mean_in_system(RATE, 30.0 + 20.0), "mean number in verification")
    queued = [float(np.mean(o.result.requests["start"] - o.result.requests["received"])) for o in experiment.outcomes]
    assert max(queued) == 0.0  # ample reviewers: nobody waits on a reviewer's desk


@pytest.mark.slow
def test_intake_then_review_is_a_jackson_tandem(engine):
    intake, review = (2, 8.0), (3, 12.0)  # (servers, mean minutes): rho = 0.8 at both
    s = scenario(
        windows=intake[0],
        intake=DistSpec("exponential", mean=intake[1]),
        reviewers=review[0],
        review=DistSpec("exponential", mean=review[1]),
        latency=DistSpec("deterministic", mean=0.0),
    )
    experiment = run_experiment(s, executor=ProcessExecutor(2), engine=engine)
    sojourns = []
    for o in experiment.outcomes:
        a, r = o.result.applicants, o.result.requests
        keep = (a["day"] >= s.run.warm_up_days) & (a["day"] < s.run.days)
        decided = dict(zip(r["applicant"].tolist(), r["decided"].tolist(), strict=True))
        sojourns.append(
            float(np.mean([decided[i] - t for i, t in zip(a["applicant"][keep], a["arrival"][keep], strict=True)]))
        )
    theory = jackson_tandem_sojourn_minutes(RATE, [intake, review])
    assert theory == pytest.approx(MMc(2, RATE, 8.0).mean_sojourn_minutes + MMc(3, RATE, 12.0).mean_sojourn_minutes)
    assert_close(sojourns, theory, "mean time from arrival to decision")
