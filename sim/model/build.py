"""Build one replication on a fresh ``simpy.Environment``, run it until everyone is served, collect its records.

Build -> run -> collect, in that order. Arrivals stop at the end of the horizon; the run then continues until the
last visitor has been served, so nobody in the system at the horizon is silently dropped (censoring). The run
checks its own books: every visitor who arrived is in exactly one stage, or it raises.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.model.records import VISIT_COLUMNS, ColumnLog, StageCounts, VisitKind
from sim.model.station import Station, Visit
from sim.scenario.schema import Office as OfficeSpec
from sim.scenario.schema import Scenario
from sim.world.arrivals import day_shape, sample_day
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.distributions import Distribution
from sim.world.streams import Source, stream


class ConservationError(RuntimeError):
    """The stage counts at the end of a run do not add up to the arrivals: a bug, never a figure."""


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication leaves behind.

    Attributes
    ----------
    replication : int
        Replication index, from 0.
    visits : dict of numpy.ndarray
        The visit table, columns as in :data:`~sim.model.records.VISIT_COLUMNS`.
    queue_area : numpy.ndarray
        Shape (offices, days): persons x minutes waiting in the queue, per day (days run past the horizon while
        the last visitors are served).
    busy_area : numpy.ndarray
        Shape (offices, days): clerk-minutes busy, per day.
    open_minutes : numpy.ndarray
        Shape (offices, days): minutes open, per day.
    stages : tuple of StageCounts
        Per office, where every visitor is at the end of the run.
    end_minutes : float
        Simulated time at which the last visitor left, minutes.
    """

    replication: int
    visits: dict[str, NDArray[Any]]
    queue_area: NDArray[np.float64]
    busy_area: NDArray[np.float64]
    open_minutes: NDArray[np.float64]
    stages: tuple[StageCounts, ...]
    end_minutes: float


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario``.

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

    Raises
    ------
    ConservationError
        If any office's stage counts do not account for every arrival.
    """
    model = build(scenario, replication, seed)
    model.env.run()
    return model.collect()


@dataclass
class Model:
    """A built replication: the environment, its offices and the visit log, ready to run.

    Attributes
    ----------
    scenario : Scenario
        The scenario it was built from.
    replication : int
        Replication index.
    env : simpy.Environment
        The environment (minutes).
    offices : list of Office
        In scenario order.
    log : ColumnLog
        Finished visits.
    """

    scenario: Scenario
    replication: int
    env: simpy.Environment
    offices: list[Station]
    log: ColumnLog

    def stages(self) -> tuple[StageCounts, ...]:
        """Per office, where every visitor who arrived so far is now."""
        return tuple(office.stages() for office in self.offices)

    def collect(self) -> ReplicationResult:
        """Check the books and gather the records (call after running)."""
        return _collect(self.scenario, self.replication, self.env.now, self.offices, self.log)


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
        The built model; ``model.env.run()`` runs it to the end.
    """
    seed = scenario.run.seed if seed is None else seed
    env = simpy.Environment()
    log = ColumnLog(VISIT_COLUMNS, capacity=4096)
    offices = []
    for index, spec in enumerate(scenario.offices):
        calendar = Calendar(scenario.run.start, spec.hours, scenario.holidays)
        office = Station(env, spec.windows, calendar, spec.at_closing, served=_recorder(log, index))
        offices.append(office)
        env.process(_feed(env, office, spec, scenario, _Streams(seed, replication, index)))
    return Model(scenario, replication, env, offices, log)


class _Streams:
    """The four generators that feed one office in one replication."""

    def __init__(self, seed: int, replication: int, office: int) -> None:
        self.applicants = stream(seed, replication, Source.APPLICANT_ARRIVALS, office)
        self.intake = stream(seed, replication, Source.INTAKE_SERVICE, office)
        self.background = stream(seed, replication, Source.BACKGROUND_ARRIVALS, office)
        self.background_service = stream(seed, replication, Source.BACKGROUND_SERVICE, office)


def _recorder(log: ColumnLog, index: int) -> Any:
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


def day_weight(scenario: Scenario, calendar: Calendar, day: int) -> float:
    """The weekday-profile weight of a day; make-up working days on a weekend take the Mon-Fri mean weight."""
    profile = scenario.demand.weekday_profile
    weekday = calendar.date(day).weekday()
    if weekday >= 5 and calendar.is_working_day(day):
        return sum(profile[:5]) / 5
    return profile[weekday]


def _feed(
    env: simpy.Environment, office: Station, spec: OfficeSpec, scenario: Scenario, streams: _Streams
) -> Generator[Any, Any, None]:
    """Sample each day's arrivals in one block, then hand them to the office at their times."""
    intake = Distribution(spec.intake_minutes)
    background = Distribution(spec.background_minutes)
    next_id = 0
    for day in range(scenario.run.days):
        local = tuple((a - day * MINUTES_PER_DAY, b - day * MINUTES_PER_DAY) for a, b in office.calendar.periods(day))
        shape = day_shape(local, scenario.demand.hour_profile)
        weight = day_weight(scenario, office.calendar, day)
        start = day * MINUTES_PER_DAY
        a_times = sample_day(streams.applicants, spec.applicants_per_day * weight, shape, start)
        b_times = sample_day(streams.background, spec.background_per_day * weight, shape, start)
        a_service = intake.sample(streams.intake, a_times.size)
        b_service = background.sample(streams.background_service, b_times.size)
        times = np.concatenate((a_times, b_times))
        order = np.argsort(times, kind="stable")
        ids = np.arange(next_id, next_id + a_times.size)
        next_id += a_times.size
        services = np.concatenate((a_service, b_service))
        for i in order.tolist():
            yield env.timeout(times[i] - env.now)
            if i < a_times.size:
                office.arrive(Visit(VisitKind.INTAKE, int(ids[i]), env.now, float(services[i])))
            else:
                office.arrive(Visit(VisitKind.BACKGROUND, -1, env.now, float(services[i])))


def _collect(
    scenario: Scenario, replication: int, end: float, offices: list[Station], log: ColumnLog
) -> ReplicationResult:
    days = max(scenario.run.days, int(end // MINUTES_PER_DAY) + 1)
    for office in offices:
        office.queue_level.advance(end)
        office.busy_level.advance(end)
    stages = tuple(office.stages() for office in offices)
    for spec, counts in zip(scenario.offices, stages, strict=True):
        if not counts.balanced:
            raise ConservationError(f"office {spec.name}: stage counts {counts} do not add up to arrivals")
    return ReplicationResult(
        replication=replication,
        visits=log.arrays(),
        queue_area=np.array([o.queue_level.bins(days) for o in offices]),
        busy_area=np.array([o.busy_level.bins(days) for o in offices]),
        open_minutes=np.array([[o.calendar.open_minutes(d) for d in range(days)] for o in offices]),
        stages=stages,
        end_minutes=end,
    )
