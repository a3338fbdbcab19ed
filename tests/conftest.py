"""Shared helpers for the tests: the repository root and small hand-built scenarios."""

from __future__ import annotations

import datetime as dt
import sys
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
ENGINES = ("simpy", "fast")
"""The model engines every conservation, reproducibility, metamorphic and theory test runs on."""


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine a test runs on (``run_replication(..., engine=engine)``, ``run_experiment(..., engine=engine)``).

    Module-scoped, so that module-scoped fixtures holding experiments can depend on it: a module's tests run on the
    SimPy reference first, then on the fast engine.
    """
    return str(request.param)


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After an engine comparison ran: the largest time difference between the engines, and where it is recorded."""
    engine_diff = sys.modules.get("tests.engine_diff")
    if engine_diff is None or not (engine_diff.LARGEST or engine_diff.DIFFERED):
        return
    seen: dict[str, float] = engine_diff.LARGEST
    terminalreporter.write_sep("-", "engine differential (simpy against fast)")
    if seen:
        case = max(seen, key=seen.__getitem__)
        largest = f"{seen[case]:.3g} minutes ({case})" if seen[case] > 0 else "0 (every time bit-identical)"
        terminalreporter.write_line(f"{len(seen)} cases agreed; largest time difference {largest}")
    if engine_diff.DIFFERED:
        terminalreporter.write_line(f"{len(engine_diff.DIFFERED)} differed: {', '.join(engine_diff.DIFFERED)}")
    if engine_diff.REPORT_FILE:
        terminalreporter.write_line(f"recorded in {engine_diff.REPORT_FILE}")
