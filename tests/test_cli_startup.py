"""The command line starts without the heavy libraries: a scenario is checked before any of them loads.

``rollout-sim validate`` and every refusal of a bad scenario (``tests/test_bad_inputs.py`` runs about a hundred)
pay the interpreter's start-up plus the imports of :mod:`sim.cli`. matplotlib, scipy.stats and numba take about two
seconds between them, so they load only where they are used: drawing, a Sobol' design, an engine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "scipy.stats", "numba")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[-1].split()[1:]


def test_the_command_line_imports_none_of_the_heavy_libraries() -> None:
    assert _loaded_after("import sim.cli") == []


def test_validating_a_scenario_imports_none_of_them() -> None:
    code = "from sim.cli import main\nassert main(['validate', 'scenarios/single_office.toml']) == 0"
    assert _loaded_after(code) == []


@pytest.mark.parametrize(
    ("code", "needed"),
    [
        ("from sim.model.engine import run_replication", []),
        ("from sim.output.plots import write_figures", ["matplotlib", "scipy.stats"]),
    ],
)
def test_the_probe_sees_what_a_module_loads(code: str, needed: list[str]) -> None:
    """The probe itself can fail: a module that does need matplotlib shows up in it."""
    assert set(needed) <= set(_loaded_after(code))
