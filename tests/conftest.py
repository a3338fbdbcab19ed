"""Shared helpers for the tests: the repository root and small hand-built scenarios."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import simpy

from sim.model.clock import Clock
from sim.model.station import Station, Visit
from sim.scenario.schema import Hours
from sim.world.calendar import Calendar

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ALL_DAY = Hours(weekdays=((0.0, 1440.0),), weekend=((0.0, 1440.0),))
OFFICE_HOURS = Hours(weekdays=((540.0, 720.0), (840.0, 1050.0)))  # 09:00-12:00, 14:00-17:30
MONDAY = dt.date(2022, 9, 5)


class Harness:
    """An office on its own environment, with scripted arrivals and an exact log of finished visits."""

    def __init__(self, office: Station, env: simpy.Environment, log: list[tuple[int, float, float, float, int]]):
        self.office = office
        self.env = env
        self.log = log

    def arrive_at(self, t: float, applicant: int, service: float = 10.0) -> None:
        """Schedule an arrival at absolute minute ``t``."""

        def go(env: simpy.Environment):  # type: ignore[no-untyped-def]
            yield env.at(t)
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
        env = Clock()
        log: list[tuple[int, float, float, float, int]] = []

        def served(visit: Visit, end: float) -> None:
            log.append((visit.applicant, visit.start, end, visit.wait, visit.returns))

        calendar = Calendar(start, hours, holidays)
        office = Station(env, windows, calendar, at_closing, served=served)  # type: ignore[arg-type]
        return Harness(office, env, log)

    return make
