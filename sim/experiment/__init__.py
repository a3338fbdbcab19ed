"""Experiments: replications of a scenario, executors, statistics with confidence intervals, result folders."""
