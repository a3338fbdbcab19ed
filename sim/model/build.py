"""Build one replication on a fresh ``simpy.Environment``, run it until everyone is done, collect its records.

Build -> run -> collect, in that order. Arrivals stop at the end of the horizon; the run then continues until the
last applicant has the card in hand, so nobody in the system at the horizon is silently dropped (censoring). The
run checks its own books: every visitor is in exactly one stage at every station, and every applicant in exactly
one stage of the journey, or it raises :class:`ConservationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.admission import come
from sim.model.clock import Clock
from sim.model.journey import Applicant, journey
from sim.model.link import Link
from sim.model.network import Network
from sim.model.records import APPLICANT_COLUMNS, REQUEST_COLUMNS, VISIT_COLUMNS, ColumnLog, StageCounts, VisitKind
from sim.model.result import ReplicationResult, canonical, end_of_run, local_summary, without_local_visits
from sim.model.stages import ConservationError, Stage, StageBook
from sim.model.station import Hook, Station, Visit
from sim.model.turnaways import TurnAwayTally
from sim.scenario.schema import Scenario
from sim.world.calendar import MINUTES_PER_DAY, Calendar, offices_calendars, open_minutes_table
from sim.world.draws import ApplicantDraws
from sim.world.office_day import OfficeDays, office_days
from sim.world.schedule import enabled_days, pilot_share

__all__ = ["ConservationError", "Model", "ReplicationResult", "admit", "build", "run_replication"]


@dataclass
class Model:
    """A built replication, ready to run: ``model.env.run()``, then :meth:`collect`.

    Attributes
    ----------
    net : Network
        Stations, links, calendars, the stage book and the logs.
    """

    net: Network

    @property
    def env(self) -> Clock:
        """The environment (minutes)."""
        return self.net.env

    @property
    def log(self) -> ColumnLog:
        """Finished window visits."""
        return self.net.visits

    def stages(self) -> tuple[StageCounts, ...]:
        """Per office, where every window visitor who arrived so far is now."""
        return tuple(office.stages() for office in self.net.offices)

    def collect(self) -> ReplicationResult:
        """Check the books and gather the records (call after running)."""
        return _collect(self.net)


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario`` to the end.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication index; with the seed it selects the random streams.
    seed
        Root seed; the scenario's ``run.seed`` when omitted.

    Returns
    -------
    ReplicationResult
        Records and counters of the replication.
    """
    model = build(scenario, replication, seed)
    model.env.run()
    return model.collect()


def build(scenario: Scenario, replication: int, seed: int | None = None) -> Model:
    """Build replication ``replication`` of ``scenario`` without running it.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication index.
    seed
        Root seed; the scenario's ``run.seed`` when omitted.

    Returns
    -------
    Model
        The built model.
    """
    seed = scenario.run.seed if seed is None else seed
    env = Clock()
    book = StageBook(clock=lambda: env.now)
    visits = ColumnLog(VISIT_COLUMNS, capacity=4096)
    calendars = offices_calendars(scenario)
    days = office_days(scenario, replication, seed, calendars)
    geo = scenario.geography
    enabled = enabled_days(geo, scenario.phases) if geo is not None else None  # for the network's reports
    share = pilot_share(geo) if geo is not None else np.zeros(0)
    net = Network(
        scenario=scenario,
        replication=replication,
        env=env,
        calendars=calendars,
        offices=[],
        kiosks=[],
        reviewers=[],
        links=[],
        book=book,
        visits=visits,
        applicants=ColumnLog(APPLICANT_COLUMNS, capacity=1024),
        requests=ColumnLog(REQUEST_COLUMNS, capacity=1024),
        enabled=enabled,
        pilot_share=share,
        forgone=np.array([d.forgone for d in days]).reshape(len(days), scenario.run.days),
        forgone_origin=np.array([d.forgone_origin for d in days]).reshape(len(days), len(scenario.provinces)),
        samplers=[d.sampler for d in days],
        turn_away=[d.turn_away for d in days],
        tally=TurnAwayTally(len(days), scenario.run.days),
    )
    for index, spec in enumerate(scenario.offices):
        calendar = net.calendars[index]
        net.offices.append(
            Station(
                env,
                spec.windows,
                calendar,
                spec.at_closing,
                served=_recorder(visits, index),
                started=_intake(book),
                max_inside=spec.max_in_office,
                quota=spec.daily_quota,
            )
        )
        net.offices[-1].staff(spec.windows_from)
        kiosk = None
        if spec.delivery == "kiosk":
            kiosk = Station(env, spec.kiosks, calendar, "serve", served=_recorder(visits, index))
        net.kiosks.append(kiosk)
    for province in scenario.provinces:
        calendar = Calendar(scenario.run.start, province.hours, scenario.holidays)
        reviewers = Station(env, province.reviewers, calendar, "hold")
        reviewers.staff(province.reviewers_from)
        net.reviewers.append(reviewers)
        net.links.append(Link(env, province, calendar, reviewers.arrive))
    for index, office in enumerate(days):
        env.process(_feed(net, index, office))
    return Model(net)


def _recorder(log: ColumnLog, index: int) -> Hook:
    """The hook that writes a finished visit of office ``index`` into the visit log."""

    def served(visit: Visit, end: float) -> None:
        log.append(
            {
                "office": index,
                "kind": visit.kind,
                "applicant": visit.applicant,
                "day": int(visit.arrival // MINUTES_PER_DAY),
                "arrival": visit.arrival,
                "start": visit.start,
                "end": end,
                "wait": visit.wait,
                "returns": visit.returns,
            }
        )

    return served


def _intake(book: StageBook) -> Hook:
    """The hook that moves an applicant into intake when its (re)visit reaches a window."""

    def started(visit: Visit, t: float) -> None:
        if visit.kind in (VisitKind.INTAKE, VisitKind.REWORK):
            book.move(visit.applicant, Stage.IN_INTAKE, t)

    return started


def _feed(net: Network, index: int, days: OfficeDays) -> Generator[Any, Any, None]:
    """Take each day's arrivals and draws in one block, then hand them to the office at their times."""
    env, office = net.env, net.offices[index]
    for day in range(net.scenario.run.days):
        arrivals = days.day(day)
        draws, b_times, b_service = arrivals.draws, arrivals.background, arrivals.background_service
        n = draws.arrival.size
        if n == 0 and b_times.size == 0:
            continue
        both = np.concatenate((draws.arrival, b_times))
        times = both.tolist()
        capped = net.turn_away[index] is not None
        for i in np.argsort(both, kind="stable").tolist():
            yield env.at(times[i])
            if capped:
                net.tally.persons[index] += 1
                away = arrivals.away[i] if i < n else arrivals.background_away[i - n]
                come(net, index, _enter(net, index, draws, b_service, i), away)
            elif i < n:
                admit(net, index, draws, i)
            else:
                office.arrive(Visit(VisitKind.BACKGROUND, -1, env.now, float(b_service[i - n])))


def _enter(
    net: Network, office: int, draws: ApplicantDraws, b_service: NDArray[np.float64], i: int
) -> Callable[[], None]:
    """What arrival ``i`` of an office-day (applicants first, then local visits) does once admitted."""
    n = draws.arrival.size
    if i < n:
        return lambda: _discard(admit(net, office, draws, i))
    service = float(b_service[i - n])
    return lambda: net.offices[office].arrive(Visit(VisitKind.BACKGROUND, -1, net.env.now, service))


def admit(net: Network, office: int, draws: ApplicantDraws, row: int) -> Applicant:
    """An applicant (row ``row`` of ``draws``) arrives at ``office`` now: first intake visit, journey started."""
    env = net.env
    applicant = Applicant(net.book.enter(env.now), office, draws, row, env.now)
    first = Visit(VisitKind.INTAKE, applicant.id, env.now, float(draws.intake[row, 0]), env.event())
    net.offices[office].arrive(first)
    env.process(journey(net, applicant, first))
    return applicant


def _collect(net: Network) -> ReplicationResult:
    scenario = net.scenario
    visits, applicants, requests = canonical(net.visits.arrays(), net.applicants.arrays(), net.requests.arrays())
    # a finished run ends at its last record (closing watches may still tick after it); a run stopped early, now
    finished = net.env.peek() == float("inf")
    end = max(end_of_run(visits, applicants, requests), net.tally.last) if finished else net.env.now
    days = max(scenario.run.days, int(end // MINUTES_PER_DAY) + 1)
    local_visits, local_wait = local_summary(visits, len(scenario.offices), days)
    if scenario.report.local_visit_records == "none":
        visits = without_local_visits(visits)
    stations = [*net.offices, *net.reviewers]
    for station in stations:
        station.queue_level.advance(end)
        station.busy_level.advance(end)
    net.book.advance(end)
    net.book.check()
    if finished:  # a run stopped early may have visitors turned away and not yet back
        net.tally.check()
    turned, returned, gave_up = net.tally.tables(days)
    stages = tuple(office.stages() for office in net.offices)
    for spec, counts in zip(scenario.offices, stages, strict=True):
        if not counts.balanced:
            raise ConservationError(f"office {spec.name}: stage counts {counts} do not add up to arrivals")
    return ReplicationResult(
        replication=net.replication,
        visits=visits,
        applicants=applicants,
        requests=requests,
        queue_area=_stack([o.queue_level.bins(days) for o in net.offices], days),
        busy_area=_stack([o.busy_level.bins(days) for o in net.offices], days),
        open_minutes=open_minutes_table(net.calendars, days),
        reviewer_busy=_stack([r.busy_level.bins(days) for r in net.reviewers], days),
        reviewer_open=open_minutes_table([r.calendar for r in net.reviewers], days),
        wip_area=net.book.wip_area(days),
        forgone=net.forgone,
        forgone_origin=net.forgone_origin,
        local_visits=local_visits,
        local_wait=local_wait,
        stages=stages,
        end_minutes=end,
        turned_away=turned,
        returned=returned,
        given_up=gave_up,
    )


def _stack(rows: list[Any], days: int) -> NDArray[np.float64]:
    return np.array(rows, dtype=np.float64).reshape(len(rows), days)


def _discard(_: object) -> None:
    """Drop a value (a callback returns nothing)."""
