"""Build one replication on a fresh ``simpy.Environment``, run it until everyone is done, collect its records.

Build -> run -> collect, in that order. Arrivals stop at the end of the horizon; the run then continues until the
last applicant has the card in hand, so nobody in the system at the horizon is silently dropped (censoring). The
run checks its own books: every visitor is in exactly one stage at every station, and every applicant in exactly
one stage of the journey, or it raises :class:`ConservationError`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.model.journey import Applicant, journey
from sim.model.link import Link
from sim.model.network import Network
from sim.model.records import APPLICANT_COLUMNS, REQUEST_COLUMNS, VISIT_COLUMNS, ColumnLog, StageCounts, VisitKind
from sim.model.stages import ConservationError, Stage, StageBook
from sim.model.station import Hook, Station, Visit
from sim.scenario.schema import Office as OfficeSpec
from sim.scenario.schema import Scenario
from sim.world.arrivals import DayShape, day_shape, sample_day
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.demand import day_weight, office_volumes
from sim.world.distributions import Distribution
from sim.world.draws import ApplicantDraws, ApplicantSampler
from sim.world.schedule import enabled_days, pilot_share
from sim.world.streams import Source, stream

__all__ = ["ConservationError", "Model", "ReplicationResult", "admit", "build", "run_replication"]


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication leaves behind.

    Attributes
    ----------
    replication : int
        Replication index, from 0.
    visits, applicants, requests : dict of numpy.ndarray
        The visit, applicant and verification-request tables (columns in :mod:`sim.model.records`).
    queue_area, busy_area, open_minutes : numpy.ndarray
        Shape (offices, days): persons x minutes in the window queue, busy window-minutes, minutes open, per day.
    reviewer_busy, reviewer_open : numpy.ndarray
        Shape (provinces, days): busy reviewer-minutes and minutes the reviewers work, per day.
    wip_area : numpy.ndarray
        Shape (stages, days): applicant-minutes in each :class:`~sim.model.stages.Stage`, per day.
    forgone : numpy.ndarray
        Shape (offices, arrival days): applications forgone (made in the hukou province), per day.
    forgone_origin : numpy.ndarray
        Shape (offices, provinces): forgone applications by hukou province.
    stages : tuple of StageCounts
        Per office, where every window visitor is at the end of the run.
    end_minutes : float
        Simulated time at which the last applicant finished, minutes.
    """

    replication: int
    visits: dict[str, NDArray[Any]]
    applicants: dict[str, NDArray[Any]]
    requests: dict[str, NDArray[Any]]
    queue_area: NDArray[np.float64]
    busy_area: NDArray[np.float64]
    open_minutes: NDArray[np.float64]
    reviewer_busy: NDArray[np.float64]
    reviewer_open: NDArray[np.float64]
    wip_area: NDArray[np.float64]
    forgone: NDArray[np.float64]
    forgone_origin: NDArray[np.float64]
    stages: tuple[StageCounts, ...]
    end_minutes: float


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
    def env(self) -> simpy.Environment:
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
    env = simpy.Environment()
    book = StageBook(clock=lambda: env.now)
    visits = ColumnLog(VISIT_COLUMNS, capacity=4096)
    net = Network(
        scenario=scenario,
        replication=replication,
        env=env,
        calendars=[Calendar(scenario.run.start, o.hours, scenario.holidays) for o in scenario.offices],
        offices=[],
        kiosks=[],
        reviewers=[],
        links=[],
        book=book,
        visits=visits,
        applicants=ColumnLog(APPLICANT_COLUMNS, capacity=1024),
        requests=ColumnLog(REQUEST_COLUMNS, capacity=1024),
        enabled=enabled_days(scenario.geography, scenario.phases) if scenario.geography is not None else None,
        pilot_share=pilot_share(scenario.geography) if scenario.geography is not None else np.zeros(0),
        forgone=np.zeros((len(scenario.offices), scenario.run.days)),
        forgone_origin=np.zeros((len(scenario.offices), len(scenario.provinces))),
        samplers=[
            ApplicantSampler(
                seed, replication, i, office=o, provinces=scenario.provinces, production=scenario.production
            )
            for i, o in enumerate(scenario.offices)
        ],
    )
    for index, spec in enumerate(scenario.offices):
        calendar = net.calendars[index]
        net.offices.append(
            Station(
                env, spec.windows, calendar, spec.at_closing, served=_recorder(visits, index), started=_intake(book)
            )
        )
        kiosk = None
        if spec.delivery == "kiosk":
            kiosk = Station(env, spec.kiosks, calendar, "serve", served=_recorder(visits, index))
        net.kiosks.append(kiosk)
    for province in scenario.provinces:
        calendar = Calendar(scenario.run.start, province.hours, scenario.holidays)
        reviewers = Station(env, province.reviewers, calendar, "hold")
        net.reviewers.append(reviewers)
        net.links.append(Link(env, province, calendar, reviewers.arrive))
    for index, spec in enumerate(scenario.offices):
        env.process(_feed(net, index, spec, seed))
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


def _feed(net: Network, index: int, spec: OfficeSpec, seed: int) -> Generator[Any, Any, None]:
    """Sample each day's arrivals and draws in one block, then hand them to the office at their times."""
    env, scenario, office = net.env, net.scenario, net.offices[index]
    calendar = net.calendars[index]
    demand = _OfficeDemand(net, index, spec, seed)
    background = Distribution(spec.background_minutes)
    for day in range(scenario.run.days):
        start = day * MINUTES_PER_DAY
        shape = day_shape(tuple((a - start, b - start) for a, b in calendar.periods(day)), scenario.demand.hour_profile)
        weight = day_weight(scenario.demand, calendar, day)
        draws = demand.today(day, shape, weight)
        b_times, b_service = _background(
            net, index, seed, day, expected=spec.background_per_day * weight, shape=shape, minutes=background
        )
        n = draws.arrival.size
        if n == 0 and b_times.size == 0:
            continue
        times = np.concatenate((draws.arrival, b_times))
        for i in np.argsort(times, kind="stable").tolist():
            yield env.timeout(times[i] - env.now)
            if i < n:
                admit(net, index, draws, i)
            else:
                office.arrive(Visit(VisitKind.BACKGROUND, -1, env.now, float(b_service[i - n])))


def _background(
    net: Network, index: int, seed: int, day: int, *, expected: float, shape: DayShape, minutes: Distribution
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The day's local ID visits: arrival times and service minutes, from the office-day's own streams."""
    if expected <= 0 or shape.empty:
        return _NONE, _NONE
    rep = net.replication
    times = sample_day(
        stream(seed, rep, Source.BACKGROUND_ARRIVALS, index, day), expected, shape, day * MINUTES_PER_DAY
    )
    return times, minutes.sample(stream(seed, rep, Source.BACKGROUND_SERVICE, index, day), times.size)


_NONE: NDArray[np.float64] = np.empty(0)


class _OfficeDemand:
    """One office's applicants per day: a fixed daily volume, or migrant demand with forgone applications."""

    def __init__(self, net: Network, index: int, spec: OfficeSpec, seed: int) -> None:
        self.net, self.index, self.spec = net, index, spec
        self.sampler = net.samplers[index]
        self.seed = seed
        self.forgone_rng = stream(seed, net.replication, Source.FORGONE, index)
        self.volumes = None
        scenario = net.scenario
        if scenario.migrant_demand is not None and scenario.geography is not None and net.enabled is not None:
            self.volumes = office_volumes(
                scenario.geography,
                scenario.migrant_demand,
                scenario.demand,
                city=spec.city,
                calendar=net.calendars[index],
                days=scenario.run.days,
                enabled=net.enabled,
                pilot_share=net.pilot_share,
            )
            # forgone applications are only counted: all days in one draw
            forgone = self.forgone_rng.poisson(self.volumes.forgone.sum(axis=2))  # (days, provinces)
            net.forgone[index, : forgone.shape[0]] = forgone.sum(axis=1)
            net.forgone_origin[index] += forgone.sum(axis=0)
            self.ceiling = self.volumes.ceiling.sum(axis=(1, 2))

    def today(self, day: int, shape: DayShape, weight: float) -> ApplicantDraws:
        """Sample the day's applicants (and count the forgone) and draw everything about them."""
        start = day * MINUTES_PER_DAY
        expected = self.spec.applicants_per_day * weight if self.volumes is None else float(self.ceiling[day])
        if expected <= 0 or shape.empty:
            return self.sampler.empty
        replication = self.net.replication
        arrivals = stream(self.seed, replication, Source.APPLICANT_ARRIVALS, self.index, day)
        times = sample_day(arrivals, expected, shape, start)
        draws = stream(self.seed, replication, Source.APPLICANT_DRAWS, self.index, day)
        if self.volumes is None or times.size == 0:
            return self.sampler.draw(times, draws)
        # candidates at the schedule-free ceiling rate, each kept with probability local / ceiling of its origin
        ceiling = self.volumes.ceiling[day].ravel()  # (provinces x 2 origin kinds)
        category = arrivals.choice(ceiling.size, size=times.size, p=ceiling / expected)
        keep = arrivals.random(times.size) * ceiling[category] < self.volumes.local[day].ravel()[category]
        return self.sampler.draw(times, draws, origins=category).subset(keep)


def admit(net: Network, office: int, draws: ApplicantDraws, row: int) -> Applicant:
    """An applicant (row ``row`` of ``draws``) arrives at ``office`` now: first intake visit, journey started."""
    env = net.env
    applicant = Applicant(net.book.enter(env.now), office, draws, row)
    first = Visit(VisitKind.INTAKE, applicant.id, env.now, float(draws.intake[row, 0]), env.event())
    net.offices[office].arrive(first)
    env.process(journey(net, applicant, first))
    return applicant


def _collect(net: Network) -> ReplicationResult:
    scenario, end = net.scenario, net.env.now
    days = max(scenario.run.days, int(end // MINUTES_PER_DAY) + 1)
    stations = [*net.offices, *net.reviewers]
    for station in stations:
        station.queue_level.advance(end)
        station.busy_level.advance(end)
    net.book.advance(end)
    net.book.check()
    stages = tuple(office.stages() for office in net.offices)
    for spec, counts in zip(scenario.offices, stages, strict=True):
        if not counts.balanced:
            raise ConservationError(f"office {spec.name}: stage counts {counts} do not add up to arrivals")
    return ReplicationResult(
        replication=net.replication,
        visits=net.visits.arrays(),
        applicants=net.applicants.arrays(),
        requests=net.requests.arrays(),
        queue_area=_stack([o.queue_level.bins(days) for o in net.offices], days),
        busy_area=_stack([o.busy_level.bins(days) for o in net.offices], days),
        open_minutes=_stack([[c.open_minutes(d) for d in range(days)] for c in net.calendars], days),
        reviewer_busy=_stack([r.busy_level.bins(days) for r in net.reviewers], days),
        reviewer_open=_stack([[r.calendar.open_minutes(d) for d in range(days)] for r in net.reviewers], days),
        wip_area=net.book.wip_area(days),
        forgone=net.forgone,
        forgone_origin=net.forgone_origin,
        stages=stages,
        end_minutes=end,
    )


def _stack(rows: list[Any], days: int) -> NDArray[np.float64]:
    return np.array(rows, dtype=np.float64).reshape(len(rows), days)
