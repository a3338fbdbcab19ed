"""rollout-sim: a discrete-event model of the staged rollout of inter-provincial first ID card applications.

Layers, each importing only those below it::

    sim.cli  ->  sim.output  ->  sim.experiment  ->  sim.model  ->  sim.world  ->  sim.scenario  ->  sim.theory

Time inside a replication is a float in minutes since 00:00 of the scenario's start date.
"""

__version__ = "0.1.0"
