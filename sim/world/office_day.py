"""One office's arrivals, a day at a time: its applicants with all their draws, and its local ID visits.

Both engines read the same blocks, so they simulate the same people: the day's candidates are drawn at the
schedule-free ceiling rate and thinned to the schedule's own rate (migrant demand), or drawn at the office's fixed
daily volume; local ID business (background) comes from the office-day's own two streams. Forgone applications
are only counted, all days in one draw from the office's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Scenario
from sim.world.arrivals import DayShape, day_shape, sample_day
from sim.world.calendar import MINUTES_PER_DAY, Calendar
from sim.world.demand import day_weight, office_volumes
from sim.world.distributions import Distribution, FloatArray
from sim.world.draws import ApplicantDraws, ApplicantSampler
from sim.world.streams import Source, stream

_NONE: FloatArray = np.empty(0)


@dataclass(frozen=True)
class DayArrivals:
    """One office-day's arrivals.

    Attributes
    ----------
    draws : ApplicantDraws
        The day's applicants (arrival times sorted, minutes) and everything drawn about them.
    background : numpy.ndarray
        Arrival times of local ID visits, minutes, sorted.
    background_service : numpy.ndarray
        Their service minutes.
    """

    draws: ApplicantDraws
    background: FloatArray
    background_service: FloatArray


class OfficeDays:
    """The arrivals of one office in one replication, day by day.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication, seed
        Select the streams.
    index
        Office index.
    calendar
        The office's calendar.
    enabled, pilot_share
        Migrant demand only: enabling day per (province, origin kind, city) and the pilot-city shares.

    Attributes
    ----------
    sampler : ApplicantSampler
        Draws the office's applicants (and attempts beyond the pre-drawn ones).
    forgone : numpy.ndarray
        Shape (days,): applications forgone (made in the hukou province) per arrival day.
    forgone_origin : numpy.ndarray
        Shape (provinces,): forgone applications by hukou province.
    """

    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        seed: int,
        index: int,
        *,
        calendar: Calendar,
        enabled: NDArray[np.float64] | None,
        pilot_share: NDArray[np.float64],
    ) -> None:
        self.scenario, self.replication, self.seed, self.index = scenario, replication, seed, index
        self.spec = spec = scenario.offices[index]
        self.calendar = calendar
        self.sampler = ApplicantSampler(
            seed, replication, index, office=spec, provinces=scenario.provinces, production=scenario.production
        )
        self.background_minutes = Distribution(spec.background_minutes)
        days = scenario.run.days
        self.forgone = np.zeros(days)
        self.forgone_origin = np.zeros(len(scenario.provinces))
        self.volumes = None
        if scenario.migrant_demand is not None and scenario.geography is not None and enabled is not None:
            self.volumes = office_volumes(
                scenario.geography,
                scenario.migrant_demand,
                scenario.demand,
                city=spec.city,
                calendar=calendar,
                days=days,
                enabled=enabled,
                pilot_share=pilot_share,
            )
            # forgone applications are only counted: all days in one draw
            forgone = stream(seed, replication, Source.FORGONE, index).poisson(self.volumes.forgone.sum(axis=2))
            self.forgone[: forgone.shape[0]] = forgone.sum(axis=1)
            self.forgone_origin += forgone.sum(axis=0)
            self.ceiling = self.volumes.ceiling.sum(axis=(1, 2))

    def shape(self, day: int) -> DayShape:
        """The day's arrival intensity over the office's opening periods."""
        start = day * MINUTES_PER_DAY
        periods = tuple((a - start, b - start) for a, b in self.calendar.periods(day))
        return day_shape(periods, self.scenario.demand.hour_profile)

    def day(self, day: int) -> DayArrivals:
        """Sample the day's applicants and local visits (``day`` below the scenario's arrival days)."""
        shape = self.shape(day)
        weight = day_weight(self.scenario.demand, self.calendar, day)
        draws = self._applicants(day, shape, weight)
        expected = self.spec.background_per_day * weight
        if expected <= 0 or shape.empty:
            return DayArrivals(draws, _NONE, _NONE)
        rep, start = self.replication, day * MINUTES_PER_DAY
        times = sample_day(stream(self.seed, rep, Source.BACKGROUND_ARRIVALS, self.index, day), expected, shape, start)
        service = self.background_minutes.sample(
            stream(self.seed, rep, Source.BACKGROUND_SERVICE, self.index, day), times.size
        )
        return DayArrivals(draws, times, service)

    def _applicants(self, day: int, shape: DayShape, weight: float) -> ApplicantDraws:
        """The day's applicants (candidates thinned to the schedule's rate under migrant demand)."""
        start = day * MINUTES_PER_DAY
        expected = self.spec.applicants_per_day * weight if self.volumes is None else float(self.ceiling[day])
        if expected <= 0 or shape.empty:
            return self.sampler.empty
        arrivals = stream(self.seed, self.replication, Source.APPLICANT_ARRIVALS, self.index, day)
        times = sample_day(arrivals, expected, shape, start)
        draws = stream(self.seed, self.replication, Source.APPLICANT_DRAWS, self.index, day)
        if self.volumes is None or times.size == 0:
            return self.sampler.draw(times, draws)
        # candidates at the schedule-free ceiling rate, each kept with probability local / ceiling of its origin
        ceiling = self.volumes.ceiling[day].ravel()  # (provinces x 2 origin kinds)
        category = arrivals.choice(ceiling.size, size=times.size, p=ceiling / expected)
        keep = arrivals.random(times.size) * ceiling[category] < self.volumes.local[day].ravel()[category]
        return self.sampler.draw(times, draws, origins=category).subset(keep)
