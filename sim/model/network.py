"""The built model of one replication: stations, links, calendars, the stage book and the record logs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.model.clock import Clock
from sim.model.link import Link
from sim.model.records import ColumnLog
from sim.model.stages import StageBook
from sim.model.station import Station
from sim.model.turnaways import TurnAwayTally
from sim.scenario.schema import Scenario
from sim.world.arrivals import day_shape
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.draws import ApplicantSampler
from sim.world.turned_away import TurnAwaySampler


@dataclass
class Network:
    """Everything a journey moves through, by index as in the scenario.

    Attributes
    ----------
    scenario : Scenario
        The scenario.
    replication : int
        Replication index.
    env : simpy.Environment
        The environment (minutes).
    calendars : list of Calendar
        Per office: opening hours and holidays.
    offices : list of Station
        Per office: its windows.
    kiosks : list of Station or None
        Per office: its pickup kiosks, where it has them.
    reviewers : list of Station
        Per hukou province: its reviewers.
    links : list of Link
        Per hukou province: the link to it.
    book : StageBook
        Every applicant's stage.
    visits, applicants, requests : ColumnLog
        Finished visits, finished applicants, decided verification requests.
    enabled : numpy.ndarray or None
        Shape (provinces, 2 origin kinds, cities): day each pair is enabled (migrant demand only).
    pilot_share : numpy.ndarray
        Per province, the pilot-city share of its population (migrant demand only).
    forgone : numpy.ndarray
        Shape (offices, days): applications forgone (made in the hukou province instead), counted per day.
    forgone_origin : numpy.ndarray
        Shape (offices, provinces): forgone applications by hukou province.
    samplers : list of ApplicantSampler
        Per office: the draws of its applicants.
    turn_away : list of TurnAwaySampler or None
        Per office: what its turned-away visitors do (None without a cap).
    tally : TurnAwayTally
        Turn-aways, returns and giving up per office and day.
    """

    scenario: Scenario
    replication: int
    env: Clock
    calendars: list[Calendar]
    offices: list[Station]
    kiosks: list[Station | None]
    reviewers: list[Station]
    links: list[Link]
    book: StageBook
    visits: ColumnLog
    applicants: ColumnLog
    requests: ColumnLog
    enabled: NDArray[np.float64] | None
    pilot_share: NDArray[np.float64]
    forgone: NDArray[np.float64]
    forgone_origin: NDArray[np.float64]
    samplers: list[ApplicantSampler]
    turn_away: list[TurnAwaySampler | None]
    tally: TurnAwayTally

    def open_time(self, office: int, target: float, u: float, earliest: float | None = None) -> float:
        """When an applicant aiming at time ``target`` (minutes) comes to ``office``.

        On the first open day from the day of ``target``, at the hour-profile quantile ``u``, never before
        ``earliest`` (now when omitted).
        """
        calendar = self.calendars[office]
        profile = self.scenario.demand.hour_profile
        floor = self.env.now if earliest is None else earliest
        day = int(max(target, floor) // MINUTES_PER_DAY)
        for _ in range(400):
            start = day * MINUTES_PER_DAY
            shape = day_shape(tuple((a - start, b - start) for a, b in calendar.periods(day)), profile)
            if not shape.empty:
                moment = start + shape.point(u)
                if moment >= floor:
                    return moment
            day += 1
        raise RuntimeError(f"office {office} does not open within 400 days of minute {target}")
