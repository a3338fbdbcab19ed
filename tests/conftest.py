"""Shared helpers for the tests: the repository root and small hand-built scenarios."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import simpy

from sim.model.office import Office, Visit
from sim.scenario.schema import DistSpec, Hours
from sim.scenario.schema import Office as OfficeSpec
from sim.world.calendar import Calendar

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ALL_DAY = Hours(weekdays=((0.0, 1440.0),), weekend=((0.0, 1440.0),))
OFFICE_HOURS = Hours(weekdays=((540.0, 720.0), (840.0, 1050.0)))  # 09:00-12:00, 14:00-17:30
MONDAY = dt.date(2022, 9, 5)


def office_spec(windows: int = 1, hours: Hours = ALL_DAY, at_closing: str = "serve") -> OfficeSpec:
    """An office entry with deterministic 10-minute intakes and no background business."""
    return OfficeSpec(
        name="test",
        windows=windows,
        hours=hours,
        applicants_per_day=0.0,
        intake_minutes=DistSpec("deterministic", mean=10.0),
        background_per_day=0.0,
        background_minutes=DistSpec("deterministic", mean=5.0),
        at_closing=at_closing,  # type: ignore[arg-type]
    )


class Harness:
    """An office on its own environment, with scripted arrivals and an exact log of finished visits."""

    def __init__(self, office: Office, env: simpy.Environment, log: list[tuple[int, float, float, float, int]]):
        self.office = office
        self.env = env
        self.log = log

    def arrive_at(self, t: float, applicant: int, service: float = 10.0) -> None:
        """Schedule an arrival at absolute minute ``t``."""

        def go(env: simpy.Environment):  # type: ignore[no-untyped-def]
            yield env.timeout(t - env.now)
            self.office.arrive(Visit(0, applicant, env.now, service))

        self.env.process(go(self.env))


@pytest.fixture
def harness() -> Callable[..., Harness]:
    """Build an office harness: ``harness(windows=..., hours=..., at_closing=..., holidays=...)``."""

    def make(
        windows: int = 1,
        hours: Hours = ALL_DAY,
        at_closing: str = "serve",
        start: dt.date = MONDAY,
        holidays: tuple[tuple[dt.date, str], ...] = (),
    ) -> Harness:
        env = simpy.Environment()
        log: list[tuple[int, float, float, float, int]] = []

        def served(visit: Visit, end: float) -> None:
            log.append((visit.applicant, visit.start, end, visit.wait, visit.returns))

        calendar = Calendar(start, hours, holidays)
        office = Office(env, office_spec(windows, hours, at_closing), calendar, served)
        return Harness(office, env, log)

    return make
