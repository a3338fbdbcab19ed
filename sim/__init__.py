"""rollout-sim: a discrete-event model of the staged rollout of inter-provincial first ID card applications.

Layers, each importing only those below it::

    sim.cli  ->  sim.output  ->  sim.experiment  ->  sim.model  ->  sim.world  ->  sim.scenario  ->  sim.theory

Time inside a replication is a float in minutes since 00:00 of the scenario's start date.

Researchers read results folders with ``from sim import load_results`` (:mod:`sim.results`, which only reads
folders; imported when first used, so ``import sim`` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.results import load_results as load_results

__version__ = "0.1.0"

__all__ = ["__version__", "load_results"]


def __getattr__(name: str) -> Any:
    """``sim.load_results``, imported from :mod:`sim.results` when first asked for."""
    if name == "load_results":
        from sim.results import load_results  # noqa: PLC0415

        return load_results
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
