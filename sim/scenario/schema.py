"""The validated scenario: frozen dataclasses that the world and the model read, never raw TOML.

Units are in the names: minutes for times of day and durations at a window, days for calendar spans.
A time of day is minutes since 00:00 (``570.0`` is 09:30).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

DIST_KINDS = ("lognormal", "gamma", "exponential", "deterministic", "uniform", "triangular", "empirical")
"""Distribution families a scenario may name."""

AT_CLOSING = ("serve", "return_next_day")
"""What clerks do with a queue at closing time."""

DELIVERY = ("window", "kiosk", "mail")
"""How a finished card reaches the applicant: picked up at the windows, at a kiosk, or mailed (no visit)."""


@dataclass(frozen=True)
class DistSpec:
    """A validated distribution of a non-negative duration.

    Attributes
    ----------
    kind : str
        One of :data:`DIST_KINDS`.
    mean : float
        Mean in the quantity's unit (lognormal, gamma, exponential, deterministic).
    cv : float
        Coefficient of variation, sd / mean (lognormal, gamma).
    low, mode, high : float
        Bounds (uniform, triangular) in the quantity's unit.
    values : tuple of float
        Observed values to resample (empirical).
    """

    kind: str
    mean: float = 0.0
    cv: float = 0.0
    low: float = 0.0
    mode: float = 0.0
    high: float = 0.0
    values: tuple[float, ...] = ()


Period = tuple[float, float]
"""An opening period ``(open, close)`` in minutes since 00:00, half-open: open at ``open``, closed at ``close``."""


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours.

    Attributes
    ----------
    weekdays : tuple of Period
        Periods on Monday-Friday and on make-up working days (minutes since 00:00, sorted, disjoint).
    weekend : tuple of Period
        Periods on Saturday and Sunday; empty when closed at weekends.
    """

    weekdays: tuple[Period, ...]
    weekend: tuple[Period, ...] = ()


@dataclass(frozen=True)
class TurnedAway:
    """What a visitor turned away by an office's cap does.

    Attributes
    ----------
    give_up : float
        Probability of giving up (0..1); otherwise the visitor comes back.
    return_days : DistSpec
        Days from being turned away to coming back (on the first open day from then, at a time of day drawn from
        the hour profile, never on the same day).
    """

    give_up: float = 1.0
    return_days: DistSpec = DistSpec("exponential", mean=3.0)


Steps = tuple[tuple[float, int], ...]
"""Staffing by date: (minutes since the run's start, at 00:00 of a day; count from then on), by time."""


@dataclass(frozen=True)
class Office:
    """One acceptance office (a service hall in a city).

    Attributes
    ----------
    name : str
        Unique office name.
    windows : int
        Clerks serving the one shared FIFO queue.
    hours : Hours
        Weekly opening hours; closed on official holidays.
    applicants_per_day : float
        Expected inter-provincial first applicants on an open day of weekday weight 1.
    intake_minutes : DistSpec
        Service time of a first-application intake, minutes.
    background_per_day : float
        Expected local ID visits (background business) on an open day of weekday weight 1.
    background_minutes : DistSpec
        Service time of a background visit, minutes.
    at_closing : str
        ``serve`` (clerks finish everyone queued at closing) or ``return_next_day`` (the queue is sent home and
        comes back at the next opening, ahead of new arrivals).
    origins : tuple of (str, float)
        Hukou provinces of the applicants and their shares (summing to 1); empty in an intake-only scenario.
    delivery : str
        ``window``, ``kiosk`` or ``mail`` (see :data:`DELIVERY`).
    kiosks : int
        Pickup kiosks (with ``delivery = "kiosk"``).
    pickup_minutes : DistSpec
        Service time of a pickup at a window or kiosk, minutes.
    city : str
        The prefecture-level city it serves (empty for an office outside the geography tables).
    max_in_office : int
        Most visitors inside (queued plus at a window) for a first intake or a local visit to be admitted; 0 for
        no cap.
    daily_quota : int
        Most first intakes and local visits admitted (tickets) a day; 0 for no quota.
    turned_away : TurnedAway
        What those turned away by a cap do.
    windows_from : Steps
        Windows from given dates on (``windows`` before the first); empty for the same staff throughout.
    """

    name: str
    windows: int
    hours: Hours
    applicants_per_day: float
    intake_minutes: DistSpec
    background_per_day: float
    background_minutes: DistSpec
    at_closing: Literal["serve", "return_next_day"] = "serve"
    origins: tuple[tuple[str, float], ...] = ()
    delivery: Literal["window", "kiosk", "mail"] = "window"
    kiosks: int = 1
    pickup_minutes: DistSpec = DistSpec("deterministic", mean=3.0)
    city: str = ""
    max_in_office: int = 0
    daily_quota: int = 0
    turned_away: TurnedAway = TurnedAway()
    windows_from: Steps = ()

    @property
    def capped(self) -> bool:
        """Whether the office may turn visitors away (a cap on those inside or a daily quota)."""
        return self.max_in_office > 0 or self.daily_quota > 0


@dataclass(frozen=True)
class ProvinceData:
    """A province as the data tables give it.

    Attributes
    ----------
    name : str
        English name, the identifier scenario files use.
    region : str
        Pilot region code (``YRD``, ``BTH``, ``MinGan``, ``YueXiang``, ``ChuanYuQian``) or ``other``.
    population : float
        2020 census resident population, persons.
    interprov_in : float
        Residents whose hukou is in another province (2020 census), persons.
    """

    name: str
    region: str
    population: float
    interprov_in: float


@dataclass(frozen=True)
class City:
    """A prefecture-level unit (a municipality is one unit).

    Attributes
    ----------
    name : str
        Unique English name.
    province : str
        Its province's English name.
    population : float
        2020 census resident population, persons.
    pilot : bool
        Whether it was a first-application pilot city (2021).
    """

    name: str
    province: str
    population: float
    pilot: bool


@dataclass(frozen=True)
class Geography:
    """The country: provinces, prefecture-level cities and the migrant origin -> destination table.

    Attributes
    ----------
    provinces : tuple of ProvinceData
        The 31 provinces, in table order.
    cities : tuple of City
        The prefecture-level units.
    migrants : tuple of tuple of float
        ``migrants[o][d]``: residents of province ``d`` whose hukou is in province ``o`` (persons; zero diagonal).
    """

    provinces: tuple[ProvinceData, ...]
    cities: tuple[City, ...]
    migrants: tuple[tuple[float, ...], ...]


MAX_REPLICATIONS = 10_000
"""The most replications a run may have (``run.replications`` and ``--replications``)."""

NAME_RULE = "must be 1-100 characters: letters, digits, '.', '_' or '-', starting with a letter or digit"
"""What a scenario ``name`` may be: it names the results folder, so it can never leave the results root."""

ACCEPT = ("pilot-cities-of-region", "same-region", "joined", "network", "all")
"""Which hukou origins a phase's destination cities accept."""


@dataclass(frozen=True)
class Phase:
    """A rollout step: from ``start``, the listed destination cities accept the origins their rule admits.

    Attributes
    ----------
    name : str
        Label.
    start_day : int
        Day index (from ``run.start``) when the phase takes effect at 00:00.
    cities : tuple of str
        Destination cities it opens.
    accept : str
        One of :data:`ACCEPT`: hukou in a pilot city of another province of the same region; any hukou of another
        province of the same region; any province that has opened a city so far (re-evaluated at every later
        phase start); any province connected to the national network by a ``join`` so far (re-evaluated too);
        every province.
    join : tuple of str
        Hukou provinces connected to the national network from ``start_day`` (their hukou-place review takes
        requests from every destination that accepts ``network``).
    """

    name: str
    start_day: int
    cities: tuple[str, ...]
    accept: str
    join: tuple[str, ...] = ()


PENT_UP_SHAPES = ("even", "decaying", "ramp")
"""How the pent-up stock is released after a pair is enabled (docs/calibration.md, "The pent-up release")."""

DEMAND_MODES = ("per_migrant", "cohort")
"""How a pair's yearly first-application volume is built: a rate per migrant, or the migrant children's cohort."""


@dataclass(frozen=True)
class Cohort:
    """The yearly first-application volume from the migrant children who reach the age of a first card.

    Attributes
    ----------
    take_up : float
        Share of each cohort who apply where they live (dimensionless, in [0, 1]): the calibrated parameter.
    child_share : float
        Cross-province migrant children (aged 0-17) per inter-provincial migrant (dimensionless).
    ages : float
        Years of age the children are spread over (years): ``1 / ages`` of them need a first card each year.
    """

    take_up: float
    child_share: float = 0.19
    ages: float = 18.0

    @property
    def applications_per_migrant_year(self) -> float:
        """The equivalent rate: first applications per migrant per year at full take-up (1/year)."""
        return self.child_share / self.ages * self.take_up


@dataclass(frozen=True)
class MigrantDemand:
    """Demand from migrant stocks: who would apply for a first card where they live.

    Attributes
    ----------
    applications_per_migrant_year : float or None
        First applications per inter-provincial migrant per year at full take-up (1/year), under
        ``mode = "per_migrant"``; None under ``mode = "cohort"`` (:attr:`rate` is then the cohort's).
    take_up_initial : float
        Share of that demand applying locally on the day a pair is enabled; it rises linearly to 1.
    take_up_days : float
        Days after enabling until take-up is full.
    pent_up_years : float
        Years of demand that had been waiting (applications not made because it was impossible) and is released
        after enabling.
    pent_up_days : float
        Days over which the pent-up demand is released.
    month_profile : tuple of float
        Twelve weights, January..December (mean 1 keeps the annual rate).
    pent_up_shape : str
        One of :data:`PENT_UP_SHAPES`: how the pent-up stock is released over time (:mod:`sim.world.demand`).
    cohort : Cohort or None
        The cohort parameters under ``mode = "cohort"``; None under ``mode = "per_migrant"``.
    """

    applications_per_migrant_year: float | None
    take_up_initial: float = 1.0
    take_up_days: float = 0.0
    pent_up_years: float = 0.0
    pent_up_days: float = 1.0
    month_profile: tuple[float, ...] = (1.0,) * 12
    pent_up_shape: Literal["even", "decaying", "ramp"] = "even"
    cohort: Cohort | None = None

    @property
    def mode(self) -> str:
        """One of :data:`DEMAND_MODES`."""
        return "per_migrant" if self.cohort is None else "cohort"

    @property
    def rate(self) -> float:
        """First applications per migrant per year at full take-up (1/year), whichever mode builds it."""
        if self.cohort is not None:
            return self.cohort.applications_per_migrant_year
        if self.applications_per_migrant_year is None:
            raise ValueError("per-migrant demand needs applications_per_migrant_year")
        return self.applications_per_migrant_year


@dataclass(frozen=True)
class Outage:
    """A period when a province's link is down; requests wait until it is back.

    Attributes
    ----------
    start, end : float
        Minutes since 00:00 of the run's start date; ``end > start``.
    """

    start: float
    end: float


@dataclass(frozen=True)
class Province:
    """A hukou province: its reviewers and the link to its population information system.

    Attributes
    ----------
    name : str
        Province name (English, as in the data tables).
    reviewers : int
        Household-registration reviewers who sign off first applications from other provinces.
    hours : Hours
        Reviewers' working hours; closed on official holidays.
    review_minutes : DistSpec
        Review time of one request, minutes.
    reject_probability : float
        Probability that a review sends the applicant back for supplementary documents.
    linked_from_minutes : float
        From this time (minutes since the run's start) requests travel in real time; before it, in the daily
        batch. ``-inf``: linked throughout; ``inf``: never linked in the run.
    batch_cutoff_minutes : float
        Time of day (minutes since 00:00) when the daily batch leaves on working days; it reaches the reviewers'
        inbox at 00:00 of the next working day.
    latency_minutes : DistSpec
        Real-time link latency, minutes.
    outages : tuple of Outage
        Periods when the link is down.
    reviewers_from : Steps
        Reviewers from given dates on (``reviewers`` before the first); empty for the same staff throughout.
    """

    name: str
    reviewers: int
    hours: Hours
    review_minutes: DistSpec
    reject_probability: float
    linked_from_minutes: float
    batch_cutoff_minutes: float
    latency_minutes: DistSpec
    outages: tuple[Outage, ...] = ()
    reviewers_from: Steps = ()


@dataclass(frozen=True)
class Production:
    """Card production at the residence province, shipping, and the applicant's return for the card.

    Attributes
    ----------
    batch_minutes : float
        Time of day (minutes since 00:00) of the daily production batch on working days; a card approved at or
        before it enters that day's batch, otherwise the next working day's.
    working_days : DistSpec
        Production time, working days (rounded up to whole working days).
    shipping_days : DistSpec
        Transport to the office, or by post to the applicant when mailed, calendar days.
    pickup_after_days : DistSpec
        Days after the card reaches the office until the applicant comes for it (on an open day, at an hour
        drawn from the hour profile).
    revisit_after_days : DistSpec
        Days after a rejection until the applicant comes back with the documents.
    promised_working_days : int
        The service promise, working days from first visit to card ready; the summary reports the share late.
    legal_limit_days : int
        The legal limit (Resident ID Card Law art. 12: 60 days); the summary reports the share over it.
    """

    batch_minutes: float = 17 * 60.0
    working_days: DistSpec = DistSpec("triangular", low=5.0, mode=8.0, high=15.0)
    shipping_days: DistSpec = DistSpec("triangular", low=1.0, mode=2.0, high=5.0)
    pickup_after_days: DistSpec = DistSpec("exponential", mean=7.0)
    revisit_after_days: DistSpec = DistSpec("uniform", low=3.0, high=14.0)
    promised_working_days: int = 15
    legal_limit_days: int = 60


@dataclass(frozen=True)
class Demand:
    """How the daily volume is shaped over the week and the day.

    Attributes
    ----------
    weekday_profile : tuple of float
        Seven weights, Monday..Sunday, multiplying the daily volume on open days.
    hour_profile : tuple of float
        Twenty-four weights, 00:00..23:00: the relative arrival intensity in each hour while the office is open.
    """

    weekday_profile: tuple[float, ...] = (1.0,) * 7
    hour_profile: tuple[float, ...] = (1.0,) * 24


@dataclass(frozen=True)
class Run:
    """Horizon and replications.

    Attributes
    ----------
    start : datetime.date
        First simulated day; time 0 is its 00:00.
    end : datetime.date
        Last day on which applicants arrive (inclusive). Those still in the system then are served to the end.
    warm_up_days : int
        Leading days excluded from the statistics (the office starts empty).
    replications : int
        Independent replications.
    seed : int
        Root seed of the run's ``numpy.random.SeedSequence``.
    """

    start: dt.date
    end: dt.date
    warm_up_days: int = 0
    replications: int = 10
    seed: int = 1

    @property
    def days(self) -> int:
        """Number of arrival days in the horizon."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Report:
    """What the summary reports.

    Attributes
    ----------
    wait_threshold_minutes : float
        The summary gives the share of applicants who wait longer than this at the window.
    local_visit_records : str
        ``all``: the records keep every local ID visit; ``none``: only the applicants' visits, once each
        replication's figures and daily rows are computed (local visits still count in every figure). A national
        run has some 10^7 local visits a replication, which no one reads one by one.
    """

    wait_threshold_minutes: float = 30.0
    local_visit_records: str = "all"


@dataclass(frozen=True)
class Scenario:
    """A whole validated scenario.

    Attributes
    ----------
    name : str
        Scenario name (results go to ``results/<name>/``).
    file : str
        The file it was loaded from.
    run : Run
        Horizon, replications and seed.
    offices : tuple of Office
        The acceptance offices.
    demand : Demand
        Weekday and hour-of-day shape of arrivals.
    holidays : tuple of (datetime.date, str)
        Official calendar exceptions: ``holiday`` (closed) or ``workday`` (a make-up working day on a weekend).
    report : Report
        Reporting options.
    provinces : tuple of Province
        Hukou provinces that review applications; empty in an intake-only scenario (applicants leave after
        intake).
    geography : Geography or None
        Provinces, cities and migrants, when the scenario names data tables.
    migrant_demand : MigrantDemand or None
        Demand from migrant stocks (needs ``geography``); without it each office has ``applicants_per_day``.
    phases : tuple of Phase
        The rollout schedule, in date order; without phases every pair is enabled throughout.
    production : Production
        Card production, shipping, pickup and rework delays.
    resolved : dict
        The merged TOML (after ``extends``) as plain data, written beside every result.
    """

    name: str
    file: str
    run: Run
    offices: tuple[Office, ...]
    demand: Demand
    holidays: tuple[tuple[dt.date, str], ...] = ()
    report: Report = Report()
    provinces: tuple[Province, ...] = ()
    production: Production = Production()
    geography: Geography | None = None
    migrant_demand: MigrantDemand | None = None
    phases: tuple[Phase, ...] = ()
    resolved: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def province_index(scenario: Scenario) -> dict[str, int]:
    """Province name -> index in ``scenario.provinces``."""
    return {p.name: i for i, p in enumerate(scenario.provinces)}
