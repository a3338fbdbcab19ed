"""Placeholder while the fast engine is written: delegates to the SimPy reference."""

from __future__ import annotations

from sim.model import build
from sim.model.result import ReplicationResult
from sim.scenario.schema import Scenario


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> ReplicationResult:
    """Simulate one replication (temporarily on the SimPy engine)."""
    return build.run_replication(scenario, replication, seed)
