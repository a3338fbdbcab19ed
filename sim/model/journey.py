"""An applicant's journey from the first visit to the card in hand.

"Accepted where you live, reviewed where your hukou is, produced and issued where you live":

1. Intake at the office windows (a queue visit). In an intake-only scenario (no provinces) the journey ends here.
2. The request travels over the hukou province's link and waits in its reviewers' queue; a review decides.
3. Rejected: the applicant comes back to the same office after a delay (days) with documents, for another intake
   and another review, at the earliest on the day after the decision.
4. Approved: the residence province produces the card in its next daily batch (working days), ships it to the
   office (days), and the applicant comes to pick it up (a short visit at the windows or a kiosk), at the
   earliest on the day after the approval - or the card is mailed and no visit is needed.

Nothing a decision causes comes back to a window on the decision's own day: that is what lets the fast engine
finish every window's day before the reviewers decide anything of that day.

Every random number was drawn with the applicant (:mod:`sim.world.draws`); the journey only reads them.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from sim.model.network import Network
from sim.model.records import VisitKind
from sim.model.stages import Stage
from sim.model.station import Visit
from sim.world.calendar import MINUTES_PER_DAY, next_midnight
from sim.world.draws import ApplicantDraws, AttemptDraws


class Applicant:
    """One applicant: identity and where its draws are.

    Attributes
    ----------
    id : int
        Applicant id within the replication.
    office : int
        Office index.
    draws : ApplicantDraws
        The office-day block of draws.
    row : int
        This applicant's row in ``draws``.
    arrival, intake_end, decided, card_ready : float
        First arrival (at a capped office, the admitted one), end of the first intake, approving decision, card
        ready (minutes; NaN until reached).
    visits, attempts : int
        Office visits and verification attempts so far.
    extra : list of AttemptDraws
        Draws of the attempts after those drawn with the applicant (:data:`~sim.world.draws.ATTEMPTS`), made when
        they happen.
    """

    __slots__ = (
        "arrival", "attempts", "card_ready", "decided", "draws", "extra", "id", "intake_end", "office", "row", "visits"
    )  # fmt: skip

    def __init__(self, applicant: int, office: int, draws: ApplicantDraws, row: int, arrival: float) -> None:
        self.id = applicant
        self.office = office
        self.draws = draws
        self.row = row
        self.arrival = arrival
        self.intake_end = math.nan
        self.decided = math.nan
        self.card_ready = math.nan
        self.visits = 1
        self.attempts = 0
        self.extra: list[AttemptDraws] = []


def journey(net: Network, a: Applicant, first: Visit) -> Generator[simpy.Event, Any, None]:
    """The applicant's process; ``first`` is the intake visit already handed to the office."""
    env, d, row = net.env, a.draws, a.row
    province = int(d.province[row])
    visit, attempt = first, 0
    while True:
        yield _done(visit)
        if math.isnan(a.intake_end):
            a.intake_end = env.now
        if province < 0:
            _finish(net, a)
            return
        net.book.move(a.id, Stage.IN_VERIFICATION, env.now)
        a.attempts += 1
        if (yield from _verify(net, a, province, attempt)):
            break
        net.book.move(a.id, Stage.AWAITING_REVISIT, env.now)
        draws = _attempt(net, a, province, attempt)
        target = env.now + draws.revisit_days * MINUTES_PER_DAY
        back = net.open_time(a.office, target, draws.revisit_u, earliest=next_midnight(env.now))
        yield env.at(back)
        attempt += 1
        net.book.move(a.id, Stage.WAITING, env.now)
        visit = Visit(VisitKind.REWORK, a.id, env.now, _attempt(net, a, province, attempt).intake, env.event())
        net.offices[a.office].arrive(visit)
        a.visits += 1
    a.decided = env.now
    yield from _produce_and_deliver(net, a)
    _finish(net, a)


def _done(visit: Visit) -> simpy.Event:
    if visit.done is None:
        raise ValueError("a journey visit needs a done event")
    return visit.done


def _attempt(net: Network, a: Applicant, province: int, attempt: int) -> AttemptDraws:
    """The draws of an attempt: drawn with the applicant, or from its own sub-stream when it first happens."""
    d, drawn = a.draws, a.draws.attempts
    if attempt < drawn:
        return d.attempt(a.row, attempt)
    if len(a.extra) <= attempt - drawn:  # attempts come in order: this one is the next
        sampler = net.samplers[a.office]
        a.extra.append(sampler.later_attempt(int(d.stream_day[a.row]), int(d.stream_row[a.row]), attempt, province))
    return a.extra[attempt - drawn]


def _verify(net: Network, a: Applicant, province: int, attempt: int) -> Generator[simpy.Event, Any, bool]:
    env = net.env
    draws = _attempt(net, a, province, attempt)
    sent = env.now
    request = Visit(VisitKind.REVIEW, a.id, sent, draws.review, env.event())
    net.links[province].send(request, draws.latency)
    yield _done(request)
    approved = draws.reject_u >= net.scenario.provinces[province].reject_probability
    net.requests.append(
        {
            "applicant": a.id,
            "office": a.office,
            "province": province,
            "attempt": attempt,
            "sent": sent,
            "received": request.joined,
            "start": request.start,
            "decided": env.now,
            "approved": int(approved),
        }
    )
    return approved


def _produce_and_deliver(net: Network, a: Applicant) -> Generator[simpy.Event, Any, None]:
    """Production batch, working days, shipping, then the pickup visit unless the card is mailed."""
    env, d, row = net.env, a.draws, a.row
    production = net.scenario.production
    calendar = net.calendars[a.office]
    net.book.move(a.id, Stage.IN_PRODUCTION, env.now)
    batch = calendar.next_working_time(env.now, production.batch_minutes)
    produced = calendar.add_working_days(batch, math.ceil(d.production_days[row]))
    card_ready = produced + float(d.shipping_days[row]) * MINUTES_PER_DAY
    # pure delays: the stage moves are booked at their times, and the journey wakes once, when it acts again
    net.book.schedule(a.id, Stage.IN_TRANSIT, produced)
    office = net.scenario.offices[a.office]
    if office.delivery == "mail":
        yield env.at(card_ready)
        a.card_ready = card_ready
        return
    net.book.schedule(a.id, Stage.AWAITING_PICKUP, card_ready)
    target = card_ready + d.pickup_days[row] * MINUTES_PER_DAY
    comes = net.open_time(a.office, target, d.pickup_u[row], earliest=max(card_ready, next_midnight(a.decided)))
    yield env.at(comes)
    a.card_ready = card_ready
    kiosk = net.kiosks[a.office]
    station = kiosk if office.delivery == "kiosk" and kiosk is not None else net.offices[a.office]
    kind = VisitKind.KIOSK_PICKUP if station is kiosk else VisitKind.PICKUP
    pickup = Visit(kind, a.id, env.now, float(d.pickup_minutes[row]), env.event())
    station.arrive(pickup)
    a.visits += 1
    yield _done(pickup)


def _finish(net: Network, a: Applicant) -> None:
    """The card is in hand (or, intake-only, the intake is over): record the applicant."""
    now = net.env.now
    net.book.move(a.id, Stage.DONE, now)
    promised = net.scenario.production.promised_working_days
    promise = net.calendars[a.office].add_working_days(a.arrival, promised) if a.attempts else math.nan
    net.applicants.append(
        {
            "applicant": a.id,
            "office": a.office,
            "province": int(a.draws.province[a.row]),
            "origin_kind": a.draws.origin_kind(a.row),
            "day": int(a.arrival // MINUTES_PER_DAY),
            "arrival": a.arrival,
            "intake_end": a.intake_end,
            "decided": a.decided,
            "card_ready": a.card_ready,
            "in_hand": now,
            "promise": promise,
            "visits": a.visits,
            "attempts": a.attempts,
        }
    )
