"""Scenario files: TOML read into frozen, validated dataclasses (the lowest layer but theory)."""
