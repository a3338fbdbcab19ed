"""Mechanics of the card's journey: deterministic times, hand-made draws and exact event logs.

Every test builds a one-office, one-province scenario in Python, lets the feeder create nobody
(``applicants_per_day = 0``, ``background_per_day = 0``) and admits hand-made applicants at chosen minutes.

Time is minutes since 00:00 of Monday 2022-09-05 (day 0). Day starts used below:

    day  0 Mon 09-05      0      day  7 Mon 09-12  10080      day 14 Mon 09-19  20160
    day  1 Tue 09-06   1440      day  8 Tue 09-13  11520      day 21 Mon 09-26  30240
    day  2 Wed 09-07   2880      day  9 Wed 09-14  12960      day 22 Tue 09-27  31680
    day  3 Thu 09-08   4320      day 10 Thu 09-15  14400
    day  4 Fri 09-09   5760      day 11 Fri 09-16  15840
    day  5 Sat 09-10   7200
    day  6 Sun 09-11   8640

The office opens 09:00-12:00 (540-720) and 14:00-17:30 (840-1050) on working days, 390 minutes a day; with a
flat hour profile a time-of-day quantile ``u`` is the point ``390 u`` open minutes into the day: ``u = 0`` is
09:00, ``u = 0.5`` is 195 minutes in, 14:15 (855). The reviewers work 08:00-12:00 (480-720) and 13:00-18:00
(780-1080) on working days. Intake 15 minutes, latency 5, review 20, pickup 3; production 3 working days in the
17:00 (1020) batch, shipping 2 days, pickup 1 day after the card arrives, revisit 3 days after a rejection; the
batch link's cut-off is 16:00 (960).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import pytest
import simpy

from sim.model.build import Model, ReplicationResult, admit, build
from sim.model.records import APPLICANT_COLUMNS, REQUEST_COLUMNS, VISIT_COLUMNS, VisitKind
from sim.model.stages import Stage
from sim.model.station import Visit
from sim.scenario.schema import (
    Demand,
    DistSpec,
    Hours,
    Office,
    Outage,
    Production,
    Province,
    Run,
    Scenario,
)
from sim.world.draws import ApplicantDraws
from tests.conftest import MONDAY, OFFICE_HOURS

DAY = 1440.0
REVIEWER_HOURS = Hours(weekdays=((480.0, 720.0), (780.0, 1080.0)))  # 08:00-12:00, 13:00-18:00
INTAKE, LATENCY, REVIEW, PICKUP = 15.0, 5.0, 20.0, 3.0
PRODUCTION_DAYS, SHIPPING_DAYS, PICKUP_DAYS, REVISIT_DAYS = 3.0, 2.0, 1.0, 3.0
CUTOFF, BATCH = 960.0, 1020.0  # 16:00 link cut-off, 17:00 production batch
MID_AUTUMN = dt.date(2022, 9, 12)  # Monday, day 7: an official holiday in 2022


def det(value: float) -> DistSpec:
    return DistSpec("deterministic", mean=value)


OFFICE = Office(
    name="Hall",
    windows=1,
    hours=OFFICE_HOURS,
    applicants_per_day=0.0,
    intake_minutes=det(INTAKE),
    background_per_day=0.0,
    background_minutes=det(10.0),
    origins=(("Anhui", 1.0),),
    pickup_minutes=det(PICKUP),
)
PROVINCE = Province(
    name="Anhui",
    reviewers=1,
    hours=REVIEWER_HOURS,
    review_minutes=det(REVIEW),
    reject_probability=0.0,
    linked_from_minutes=-math.inf,
    batch_cutoff_minutes=CUTOFF,
    latency_minutes=det(LATENCY),
)
PRODUCTION = Production(
    batch_minutes=BATCH,
    working_days=det(PRODUCTION_DAYS),
    shipping_days=det(SHIPPING_DAYS),
    pickup_after_days=det(PICKUP_DAYS),
    revisit_after_days=det(REVISIT_DAYS),
    promised_working_days=15,
)
SCENARIO = Scenario(
    name="journey_mechanics",
    file="<test>",
    run=Run(start=MONDAY, end=MONDAY, replications=1, seed=1),
    offices=(OFFICE,),
    demand=Demand(),
    provinces=(PROVINCE,),
    production=PRODUCTION,
)


def scenario(
    *, office: dict[str, Any] | None = None, province: dict[str, Any] | None = None, **changes: Any
) -> Scenario:
    """The base scenario with the office, the province and top-level fields replaced."""
    return dataclasses.replace(
        SCENARIO,
        offices=(dataclasses.replace(OFFICE, **(office or {})),),
        provinces=(dataclasses.replace(PROVINCE, **(province or {})),),
        **changes,
    )


HAND_ATTEMPTS = 4
"""Attempts the hand-made draws give each applicant (the journey reads them as drawn with the applicant)."""


def draws(arrivals: Sequence[float], **values: Any) -> ApplicantDraws:
    """Hand-made draws for applicants arriving at ``arrivals``, everyone to province 0.

    A value is a scalar (everyone, every attempt), a row per attempt (length HAND_ATTEMPTS) for the per-attempt
    arrays, or a full array.
    """
    n = len(arrivals)
    per_attempt = {
        "intake": INTAKE,
        "review": REVIEW,
        "latency": LATENCY,
        "reject_u": 0.99,  # >= any reject_probability used here: approved
        "revisit_u": 0.0,
        "revisit_days": REVISIT_DAYS,
    }
    per_row = {
        "production_days": PRODUCTION_DAYS,
        "shipping_days": SHIPPING_DAYS,
        "pickup_days": PICKUP_DAYS,
        "pickup_u": 0.0,  # the opening instant
        "pickup_minutes": PICKUP,
    }
    unknown = set(values) - set(per_attempt) - set(per_row)
    if unknown:
        raise TypeError(f"unknown draws {sorted(unknown)}")
    fields: dict[str, Any] = {
        "arrival": np.asarray(arrivals, dtype=np.float64),
        "province": np.zeros(n, dtype=np.int64),
        # the key of attempts beyond the hand-made ones: each applicant its own candidate of its day
        "stream_day": np.floor_divide(np.asarray(arrivals, dtype=np.float64), 1440).astype(np.int64),
        "stream_row": np.arange(n, dtype=np.int64),
    }
    for name, default in per_attempt.items():
        value = np.asarray(values.get(name, default), dtype=np.float64)
        fields[name] = np.broadcast_to(value, (n, HAND_ATTEMPTS)).copy()
    for name, default in per_row.items():
        value = np.asarray(values.get(name, default), dtype=np.float64)
        fields[name] = np.broadcast_to(value, (n,)).copy()
    return ApplicantDraws(**fields)


def start(s: Scenario, d: ApplicantDraws) -> Model:
    """Build replication 0 and schedule every row of ``d`` to be admitted to office 0 at its arrival time."""
    model = build(s, 0)
    env = model.env

    def arrive(row: int) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(float(d.arrival[row]) - env.now)
        admit(model.net, 0, d, row)

    for row in range(d.arrival.size):
        env.process(arrive(row))
    return model


def background_at(model: Model, t: float, service: float) -> None:
    """A background visit (applicant -1) reaches the windows of office 0 at minute ``t``."""
    env = model.env

    def go() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(t - env.now)
        model.net.offices[0].arrive(Visit(VisitKind.BACKGROUND, -1, env.now, service))

    env.process(go())


def simulate(s: Scenario, d: ApplicantDraws) -> ReplicationResult:
    model = start(s, d)
    model.env.run()
    return model.collect()


def rows(table: dict[str, np.ndarray], columns: dict[str, type]) -> list[dict[str, float]]:
    """The table as a list of plain-Python rows."""
    n = table[next(iter(columns))].size
    return [{name: table[name][i].item() for name in columns} for i in range(n)]


def applicant(
    *,
    arrival: float,
    intake_end: float,
    decided: float,
    card_ready: float,
    in_hand: float,
    promise: float,
    visits: int,
    attempts: int,
    applicant: int = 0,
) -> dict[str, float]:
    row = {
        "applicant": applicant,
        "office": 0,
        "province": 0,
        "origin_kind": -1,  # hand-made draws do not distinguish pilot-city hukou
        "day": int(arrival // DAY),
        "arrival": arrival,
        "intake_end": intake_end,
        "decided": decided,
        "card_ready": card_ready,
        "in_hand": in_hand,
        "promise": promise,
        "visits": visits,
        "attempts": attempts,
    }
    assert list(row) == list(APPLICANT_COLUMNS)
    return row


def request(
    *, sent: float, received: float, start: float, decided: float, approved: int, attempt: int = 0, applicant: int = 0
) -> dict[str, float]:
    row = {
        "applicant": applicant,
        "office": 0,
        "province": 0,
        "attempt": attempt,
        "sent": sent,
        "received": received,
        "start": start,
        "decided": decided,
        "approved": approved,
    }
    assert list(row) == list(REQUEST_COLUMNS)
    return row


def visit(
    kind: int, *, arrival: float, start: float, end: float, applicant: int = 0, wait: float = 0.0, returns: int = 0
) -> dict[str, float]:
    row = {
        "office": 0,
        "kind": kind,
        "applicant": applicant,
        "day": int(arrival // DAY),
        "arrival": arrival,
        "start": start,
        "end": end,
        "wait": wait,
        "returns": returns,
    }
    assert list(row) == list(VISIT_COLUMNS)
    return row


# 1. Approval over a real-time link ---------------------------------------------------------------------------


def test_approval_real_time_before_the_batch():
    # Mon 10:00 (600) arrival, intake 600-615; the request is sent at 615 and reaches the reviewers at 620
    # (latency 5), who are free: review 620-640, approved. 640 is before Monday's 17:00 batch (1020); three
    # working days later (Tue, Wed, Thu) the card is produced, Thu 17:00 (4320 + 1020 = 5340); shipping 2 days:
    # at the office Sat 17:00 (7200 + 1020 = 8220). Pickup aimed 1 day later, Sun 17:00 (9660): the office is
    # closed on Sunday, so Monday (day 7) at u = 0.5, 14:15 (10080 + 855 = 10935); pickup 10935-10938.
    # Promise: 15 working days after Mon 10:00 is Mon 26 Sep 10:00 (30240 + 600 = 30840).
    result = simulate(SCENARIO, draws([600.0], pickup_u=0.5))
    assert rows(result.applicants, APPLICANT_COLUMNS) == [
        applicant(
            arrival=600.0,
            intake_end=615.0,
            decided=640.0,
            card_ready=8220.0,
            in_hand=10938.0,
            promise=30840.0,
            visits=2,
            attempts=1,
        )
    ]
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(sent=615.0, received=620.0, start=620.0, decided=640.0, approved=1)
    ]
    assert rows(result.visits, VISIT_COLUMNS) == [
        visit(VisitKind.INTAKE, arrival=600.0, start=600.0, end=615.0),
        visit(VisitKind.PICKUP, arrival=10935.0, start=10935.0, end=10938.0),
    ]
    assert result.end_minutes == 10938.0


def test_approval_real_time_after_the_batch_waits_for_the_next_working_days_batch():
    # Mon 16:30 (990) arrival, intake 990-1005, request 1005 -> 1010, review 1010-1030. 17:10 is after Monday's
    # 17:00 batch: Tuesday's batch (1440 + 1020 = 2460), + 3 working days (Wed, Thu, Fri) = Fri 17:00
    # (5760 + 1020 = 6780); shipping 2 days: Sun 17:00 (8640 + 1020 = 9660). Pickup aimed at Mon 17:00 (11100):
    # the applicant comes on the day of the target at the quantile u = 0, i.e. Mon 09:00 (10080 + 540 = 10620),
    # which is earlier in that day than the target (documented: "on the first open day from the day of target").
    # Promise: Mon 26 Sep 16:30 (30240 + 990 = 31230).
    result = simulate(SCENARIO, draws([990.0]))
    assert rows(result.applicants, APPLICANT_COLUMNS) == [
        applicant(
            arrival=990.0,
            intake_end=1005.0,
            decided=1030.0,
            card_ready=9660.0,
            in_hand=10623.0,
            promise=31230.0,
            visits=2,
            attempts=1,
        )
    ]
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(sent=1005.0, received=1010.0, start=1010.0, decided=1030.0, approved=1)
    ]
    assert rows(result.visits, VISIT_COLUMNS)[-1] == visit(
        VisitKind.PICKUP, arrival=10620.0, start=10620.0, end=10623.0
    )


@pytest.mark.parametrize(
    ("review", "card_ready"),
    [
        (19.0, 8220.0),  # decided 16:59: Monday's batch, produced Thu 17:00, at the office Sat 17:00
        (20.0, 8220.0),  # decided 17:00 exactly: next_working_time returns the batch itself -> Monday's batch
        (21.0, 9660.0),  # decided 17:01: Tuesday's batch, produced Fri 17:00, at the office Sun 17:00
    ],
)
def test_approval_at_the_production_batch_instant_joins_that_batch(review, card_ready):
    # Arrival 980, intake 980-995, request 995 -> 1000, review from 1000 for `review` minutes.
    result = simulate(SCENARIO, draws([980.0], review=review))
    assert result.applicants["decided"].tolist() == [1000.0 + review]
    assert result.applicants["card_ready"].tolist() == [card_ready]


# 2. Rejection and revisit ------------------------------------------------------------------------------------


def test_rejection_then_revisit_then_approval():
    # Attempt 0: arrival Mon 10:00 (600), intake 600-615, request 615 -> 620, review 620-640, rejected
    # (reject_u 0.0 < 0.5). Revisit aimed 3 days later, Thu 10:40 (4960): Thursday at u = 0.5, 14:15
    # (4320 + 855 = 5175). Attempt 1 uses the second column of every per-attempt draw: rework 5175-5185
    # (10 minutes), request 5185 -> 5192 (latency 7), review 5192-5222 (30 minutes), approved (0.99).
    # Thursday's batch (4320 + 1020 = 5340), + 3 working days (Fri, Mon, Tue) = Tue 17:00 (11520 + 1020 = 12540);
    # shipping 2 days: Thu 17:00 (14400 + 1020 = 15420); pickup aimed Fri 17:00, comes Fri 09:00
    # (15840 + 540 = 16380), 16380-16383. intake_end stays the end of the first intake.
    s = scenario(province={"reject_probability": 0.5})
    d = draws(
        [600.0],
        intake=[15.0, 10.0, 99.0, 99.0],
        latency=[5.0, 7.0, 99.0, 99.0],
        review=[20.0, 30.0, 99.0, 99.0],
        reject_u=[0.0, 0.99, 0.0, 0.0],
        revisit_days=[3.0, 99.0, 99.0, 99.0],
        revisit_u=[0.5, 0.0, 0.0, 0.0],
    )
    result = simulate(s, d)
    assert rows(result.applicants, APPLICANT_COLUMNS) == [
        applicant(
            arrival=600.0,
            intake_end=615.0,
            decided=5222.0,
            card_ready=15420.0,
            in_hand=16383.0,
            promise=30840.0,
            visits=3,
            attempts=2,
        )
    ]
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(attempt=0, sent=615.0, received=620.0, start=620.0, decided=640.0, approved=0),
        request(attempt=1, sent=5185.0, received=5192.0, start=5192.0, decided=5222.0, approved=1),
    ]
    assert rows(result.visits, VISIT_COLUMNS) == [
        visit(VisitKind.INTAKE, arrival=600.0, start=600.0, end=615.0),
        visit(VisitKind.REWORK, arrival=5175.0, start=5175.0, end=5185.0),
        visit(VisitKind.PICKUP, arrival=16380.0, start=16380.0, end=16383.0),
    ]


def test_attempts_beyond_the_predrawn_ones_draw_afresh():
    # Every pre-drawn outcome rejects (reject_u 0.0 < 0.5), revisits 3 days later at 09:00 (u = 0):
    # attempt 0: intake 600-615, request 615 -> 620, review 620-640; revisit aimed Thu 10:40, comes Thu 09:00 (4860)
    # attempt 1: rework 4860-4875, review 4880-4900; aimed Sun, comes Mon 12 Sep 09:00 (10080 + 540 = 10620)
    # attempt 2: rework 10620-10635, review 10640-10660; aimed Thu 15 Sep, comes 09:00 (14400 + 540 = 14940)
    # attempt 3: rework 14940-14955, review 14960-14980; aimed Sun 18 Sep, comes Mon 19 Sep 09:00 (20700)
    # attempt 4 and later draw from the applicant's own sub-streams with the scenario's (deterministic) intake,
    # latency, review and revisit delay, and random outcome and time-of-day uniforms; the journey ends.
    s = scenario(province={"reject_probability": 0.5})
    result = simulate(s, draws([600.0], reject_u=0.0))
    requests = rows(result.requests, REQUEST_COLUMNS)
    assert requests[:5] == [
        request(attempt=0, sent=615.0, received=620.0, start=620.0, decided=640.0, approved=0),
        request(attempt=1, sent=4875.0, received=4880.0, start=4880.0, decided=4900.0, approved=0),
        request(attempt=2, sent=10635.0, received=10640.0, start=10640.0, decided=10660.0, approved=0),
        request(attempt=3, sent=14955.0, received=14960.0, start=14960.0, decided=14980.0, approved=0),
        request(
            attempt=4, sent=20715.0, received=20720.0, start=20720.0, decided=20740.0, approved=requests[4]["approved"]
        ),
    ]
    assert [r["attempt"] for r in requests] == list(range(len(requests)))
    assert [r["approved"] for r in requests] == [0] * (len(requests) - 1) + [1]
    for r in requests[4:]:
        assert (r["received"] - r["sent"], r["decided"] - r["start"]) == (LATENCY, REVIEW)
    reworks = [v for v in rows(result.visits, VISIT_COLUMNS) if v["kind"] == VisitKind.REWORK]
    assert [v["end"] - v["start"] for v in reworks] == [INTAKE] * (len(requests) - 1)
    (a,) = rows(result.applicants, APPLICANT_COLUMNS)
    assert (a["attempts"], a["visits"]) == (len(requests), len(requests) + 1)
    assert a["decided"] == requests[-1]["decided"]
    again = simulate(s, draws([600.0], reject_u=0.0))  # the sub-streams are keyed: the same again
    assert rows(again.requests, REQUEST_COLUMNS) == requests


# 3. Batch link -----------------------------------------------------------------------------------------------


def test_batch_link_cut_off_and_weekend():
    # Batch throughout; cut-off 16:00 (960); a batch reaches the inbox at 00:00 of the next working day and the
    # reviewers start at 08:00 (hold: the inbox waits overnight).
    # 0: arrival Mon 09:00 (540), intake 540-555, sent 555: Monday's batch (960), inbox Tue 00:00 (1440),
    #    reviewed first, Tue 08:00-08:20 (1920-1940).
    # 1: arrival Mon 15:40 (940), intake 940-955, sent 955 just before the cut-off: the same batch, the same inbox
    #    instant; 0's delivery was scheduled first, so 1 is second in the inbox: 08:20-08:40 (1940-1960).
    # 2: arrival Mon 16:40 (1000), intake 1000-1015, sent 1015 after the cut-off: Tuesday's batch (2400), inbox
    #    Wed 00:00 (2880), reviewed Wed 08:00-08:20 (3360-3380).
    # 3: arrival Fri 10:00 (5760 + 600 = 6360), intake 6360-6375: Friday's batch (5760 + 960 = 6720); the next
    #    working day is Monday, inbox Mon 00:00 (10080), reviewed Mon 08:00-08:20 (10560-10580).
    # 4: arrival Fri 16:40 (5760 + 1000 = 6760), intake 6760-6775, sent after the cut-off: no batch on Saturday or
    #    Sunday, so Monday's (10080 + 960 = 11040), inbox Tue 00:00 (11520), reviewed 08:00-08:20 (12000-12020).
    arrivals = [540.0, 940.0, 1000.0, 6360.0, 6760.0]
    model = start(scenario(province={"linked_from_minutes": math.inf}), draws(arrivals))
    model.env.run()
    result = model.collect()
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(applicant=0, sent=555.0, received=1440.0, start=1920.0, decided=1940.0, approved=1),
        request(applicant=1, sent=955.0, received=1440.0, start=1940.0, decided=1960.0, approved=1),
        request(applicant=2, sent=1015.0, received=2880.0, start=3360.0, decided=3380.0, approved=1),
        request(applicant=3, sent=6375.0, received=10080.0, start=10560.0, decided=10580.0, approved=1),
        request(applicant=4, sent=6775.0, received=11520.0, start=12000.0, decided=12020.0, approved=1),
    ]
    assert model.net.links[0].in_transit == 0


@pytest.mark.parametrize(
    ("sent", "received"),
    [
        (959.0, 1440.0),  # a minute before the cut-off: Monday's batch, inbox Tue 00:00
        (960.0, 1440.0),  # exactly at the cut-off: next_working_time(960, 960) is 960 itself -> Monday's batch
        (961.0, 2880.0),  # a minute after: Tuesday's batch, inbox Wed 00:00
    ],
)
def test_batch_link_tie_at_the_cut_off_leaves_in_that_batch(sent, received):
    # Intake 15 minutes, so the request is sent at arrival + 15; reviewed at 08:00 of the inbox day.
    result = simulate(scenario(province={"linked_from_minutes": math.inf}), draws([sent - INTAKE]))
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(sent=sent, received=received, start=received + 480.0, decided=received + 500.0, approved=1)
    ]


def test_link_switches_to_real_time_at_linked_from():
    # Linked from Tue 00:00 (1440). Mon 16:40 (1000) request sent at 1015: batch mode, Tuesday's batch, inbox
    # Wed 00:00 (2880), reviewed at 3360. Tue 10:00 (2040) request sent at 2055: real time, 2060, reviewed 2060-2080.
    result = simulate(scenario(province={"linked_from_minutes": DAY}), draws([1000.0, 2040.0]))
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(applicant=1, sent=2055.0, received=2060.0, start=2060.0, decided=2080.0, approved=1),
        request(applicant=0, sent=1015.0, received=2880.0, start=3360.0, decided=3380.0, approved=1),
    ]


# 4. Outages --------------------------------------------------------------------------------------------------


def test_real_time_request_during_an_outage_leaves_when_it_ends():
    # Outages [10:10, 11:30) = [610, 690) and [16:55, 18:20) = [1015, 1100), half-open.
    # 0: arrival 600, intake 600-615, sent 615 while down: leaves at 690, arrives 695, reviewed 695-715.
    # 1: arrival 675, intake 675-690, sent 690 = the end of the outage, link up: arrives 695 too. Both deliveries
    #    fall at 695; 0's was scheduled first (at 615), so 0 is first in the inbox and 1 waits: review 715-735.
    # 2: arrival 1000, intake 1000-1015, sent 1015 = the start of the second outage (down): leaves 1100, arrives
    #    1105, after the reviewers' 18:00 close: into the inbox, reviewed Tue 08:00 (1920-1940).
    outages = (Outage(610.0, 690.0), Outage(1015.0, 1100.0))
    result = simulate(scenario(province={"outages": outages}), draws([600.0, 675.0, 1000.0]))
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(applicant=0, sent=615.0, received=695.0, start=695.0, decided=715.0, approved=1),
        request(applicant=1, sent=690.0, received=695.0, start=715.0, decided=735.0, approved=1),
        request(applicant=2, sent=1015.0, received=1105.0, start=1920.0, decided=1940.0, approved=1),
    ]


def test_batch_held_by_an_outage_leaves_when_it_ends():
    # Batch link, outage Mon 15:00 (900) to Tue 10:00 (2040). Sent Mon 10:15 (615): Monday's 16:00 batch is held
    # until Tue 10:00, so it reaches the inbox at 00:00 of the working day after that, Wed (2880): 3360-3380.
    s = scenario(province={"linked_from_minutes": math.inf, "outages": (Outage(900.0, 2040.0),)})
    result = simulate(s, draws([600.0]))
    assert rows(result.requests, REQUEST_COLUMNS) == [
        request(sent=615.0, received=2880.0, start=3360.0, decided=3380.0, approved=1)
    ]


# 5. Holidays -------------------------------------------------------------------------------------------------


def test_pickup_aimed_at_a_holiday_comes_on_the_next_open_day():
    # Mon 12 Sep 2022 (day 7) is the Mid-Autumn holiday. As in the first test up to the card at the office,
    # Sat 17:00 (8220); pickup aimed 2 days later, Mon 17:00 (11100): closed (holiday), so Tue (day 8) at u = 0,
    # 09:00 (11520 + 540 = 12060), 12060-12063. Promise: 15 working days skipping day 7 end on Tue 27 Sep
    # (day 22) 10:00 (31680 + 600 = 32280).
    s = scenario(holidays=((MID_AUTUMN, "holiday"),))
    result = simulate(s, draws([600.0], pickup_days=2.0))
    assert rows(result.applicants, APPLICANT_COLUMNS) == [
        applicant(
            arrival=600.0,
            intake_end=615.0,
            decided=640.0,
            card_ready=8220.0,
            in_hand=12063.0,
            promise=32280.0,
            visits=2,
            attempts=1,
        )
    ]
    assert rows(result.visits, VISIT_COLUMNS)[-1] == visit(
        VisitKind.PICKUP, arrival=12060.0, start=12060.0, end=12063.0
    )


def test_production_working_days_skip_a_holiday():
    # Arrival Fri 10:00 (5760 + 600 = 6360), decided 6400, Friday's batch (5760 + 1020 = 6780). Three working days:
    # Mon (day 7) is a holiday, so Tue, Wed, Thu: Thu 17:00 (14400 + 1020 = 15420); shipping 2 days: Sat 17:00
    # (17280 + 1020 = 18300); pickup aimed Sun, comes Mon 19 Sep 09:00 (20160 + 540 = 20700).
    s = scenario(holidays=((MID_AUTUMN, "holiday"),))
    result = simulate(s, draws([6360.0]))
    assert result.applicants["decided"].tolist() == [6400.0]
    assert result.applicants["card_ready"].tolist() == [18300.0]
    assert result.applicants["in_hand"].tolist() == [20703.0]


# 6. Mail -----------------------------------------------------------------------------------------------------


def test_mailed_card_needs_no_pickup_visit():
    # As in the first test: produced Thu 17:00 (5340), posted, delivered 2 days later Sat 17:00 (8220), which is
    # both card ready and in hand. One visit (the intake); no pickup stage ever held anyone.
    model = start(scenario(office={"delivery": "mail"}), draws([600.0]))
    model.env.run()
    result = model.collect()
    assert rows(result.applicants, APPLICANT_COLUMNS) == [
        applicant(
            arrival=600.0,
            intake_end=615.0,
            decided=640.0,
            card_ready=8220.0,
            in_hand=8220.0,
            promise=30840.0,
            visits=1,
            attempts=1,
        )
    ]
    assert rows(result.visits, VISIT_COLUMNS) == [visit(VisitKind.INTAKE, arrival=600.0, start=600.0, end=615.0)]
    assert result.wip_area[Stage.AWAITING_PICKUP].sum() == 0.0
    assert result.wip_area[Stage.IN_TRANSIT].sum() == 2 * DAY
    assert model.net.book.stage_of(0) == Stage.DONE
    assert result.end_minutes == 8220.0


# 7. Kiosk ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "kind", "start_", "wait"),
    [
        ("kiosk", VisitKind.KIOSK_PICKUP, 10935.0, 0.0),  # the kiosk is free: 10935-10938
        ("window", VisitKind.PICKUP, 11020.0, 85.0),  # queues behind the background visit at the one window
    ],
)
def test_kiosk_pickup_bypasses_the_windows(delivery, kind, start_, wait):
    # As in the first test, the pickup is Mon (day 7) 14:15 (10935). A background visit occupies the one window
    # from 14:00 (10080 + 840 = 10920) for 100 minutes, to 11020. At a kiosk the pickup starts at once; at the
    # windows it waits 85 minutes behind the background visit.
    model = start(scenario(office={"delivery": delivery}), draws([600.0], pickup_u=0.5))
    background_at(model, 10920.0, 100.0)
    model.env.run()
    result = model.collect()
    pickup = visit(kind, arrival=10935.0, start=start_, end=start_ + PICKUP, wait=wait)
    background = visit(VisitKind.BACKGROUND, applicant=-1, arrival=10920.0, start=10920.0, end=11020.0)
    intake = visit(VisitKind.INTAKE, arrival=600.0, start=600.0, end=615.0)
    expected = [intake, pickup, background] if delivery == "kiosk" else [intake, background, pickup]
    assert rows(result.visits, VISIT_COLUMNS) == expected
    assert result.applicants["in_hand"].tolist() == [start_ + PICKUP]
    assert result.applicants["visits"].tolist() == [2]
    windows, kiosk = model.net.offices[0], model.net.kiosks[0]
    if delivery == "kiosk":
        assert kiosk is not None
        assert (windows.arrived, kiosk.arrived, kiosk.finished) == (2, 1, 1)
        assert kiosk.stages().balanced
    else:
        assert kiosk is None
        assert windows.arrived == 3


# 8. The stage book mid-run -----------------------------------------------------------------------------------


def test_stage_book_mid_run():
    # Province rejects with probability 0.5.
    # 0: as in the first test, approved: intake 600-615, verification 615-640, production 640-5340, transit
    #    5340-8220, awaiting pickup 8220 until the pickup ends (Mon 14:15 pickup, 10935-10938), done.
    # 1: arrival 605, waits for the window until 615, intake 615-630, request 630 -> 635, waits for the reviewer
    #    (busy with 0 until 640), review 640-660 rejected; revisit aimed Thu 11:00, comes Thu 09:00 (4860),
    #    rework 4860-4875, request 4875 -> 4880, review 4880-4900 approved; Thursday's batch (5340), + 3 working
    #    days (Fri, Mon, Tue) = 12540; transit to Thu 17:00 (15420); pickup Fri 09:00 (16380-16383).
    s = scenario(province={"reject_probability": 0.5})
    d = draws([600.0, 605.0], reject_u=[[0.99] * HAND_ATTEMPTS, [0.0, 0.99, 0.99, 0.99]], pickup_u=[0.5, 0.0])
    model = start(s, d)
    book = model.net.book
    w, i, v, r, p, t, a, done = (
        Stage.WAITING,
        Stage.IN_INTAKE,
        Stage.IN_VERIFICATION,
        Stage.AWAITING_REVISIT,
        Stage.IN_PRODUCTION,
        Stage.IN_TRANSIT,
        Stage.AWAITING_PICKUP,
        Stage.DONE,
    )
    checkpoints = [
        (602.0, [i]),  # 1 has not arrived yet
        (612.0, [i, w]),
        (625.0, [v, i]),
        (637.0, [v, v]),  # 0 under review, 1 in the reviewers' inbox
        (650.0, [p, v]),
        (1000.0, [p, r]),
        (4870.0, [p, i]),  # 1's rework intake
        (4890.0, [p, v]),
        (6000.0, [t, p]),
        (9000.0, [a, p]),
        (10936.0, [a, p]),  # 0 at the window for the pickup: still awaiting it until the card is in hand
        (11000.0, [done, p]),
        (14000.0, [done, t]),
        (16000.0, [done, a]),
    ]
    for until, stages in checkpoints:
        model.env.run(until=until)
        assert [book.stage_of(k) for k in range(book.arrived)] == stages, until
        assert book.counts == np.bincount(stages, minlength=len(Stage)).tolist(), until
        assert sum(book.counts) == book.arrived == len(stages), until
        book.check()
    model.env.run()
    result = model.collect()
    assert [book.stage_of(k) for k in range(2)] == [done, done]
    assert result.applicants["applicant"].tolist() == [0, 1]
    assert result.applicants["in_hand"].tolist() == [10938.0, 16383.0]
    # Applicant-minutes per stage over the run, summed over the day bins: the timelines above, added up.
    assert result.wip_area.sum(axis=1).tolist() == [
        10.0,  # waiting: 1 at 605-615 (and 0 minutes at each intake start)
        15.0 + 30.0,  # in intake: 0 at 600-615; 1 at 615-630 and 4860-4875
        25.0 + 30.0 + 25.0,  # in verification: 0 at 615-640; 1 at 630-660 and 4875-4900
        4200.0,  # awaiting revisit: 1 at 660-4860
        4700.0 + 7640.0,  # in production: 0 at 640-5340; 1 at 4900-12540
        2 * 2880.0,  # in transit
        2718.0 + 963.0,  # awaiting pickup: 0 at 8220-10938; 1 at 15420-16383
        16383.0 - 10938.0,  # done: 0 until the end of the run
    ]
