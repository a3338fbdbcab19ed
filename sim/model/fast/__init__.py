"""The fast engine: the model of :mod:`sim.model.build` computed a station-day at a time from the same draws."""
