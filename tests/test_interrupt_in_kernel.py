"""A Ctrl-C that lands inside a compiled kernel's call is still a Ctrl-C.

numba runs some Python during a kernel's call (typing named-tuple arguments, unpickling constants). A signal
handled there leaves its ``KeyboardInterrupt`` pending and the call fails with ``SystemError: ... returned a
result with an exception set``, sometimes several deep. Seen in ``tests/test_faults.py`` about once in six runs:
the run then exited 1 with a traceback and dropped its finished replications instead of keeping them.
``run_replication`` gives the interrupt back; any other ``SystemError`` passes unchanged.
"""

from __future__ import annotations

import pytest

from sim.guard import Terminated
from sim.model import engine as engines
from sim.model.fast import run as fast
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


def _raising(error: BaseException, depth: int):  # type: ignore[no-untyped-def]
    """A stand-in for the engine that fails as numba does: ``depth`` SystemErrors, each caused by the next."""

    def run_replication(*_: object) -> None:
        wrapped = error
        for _level in range(depth):
            outer = SystemError("CPUDispatcher(<function k>) returned a result with an exception set")
            outer.__cause__ = wrapped
            wrapped = outer
        raise wrapped

    return run_replication


@pytest.mark.parametrize("depth", [1, 4])
@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), Terminated()])
def test_an_interrupt_inside_a_kernel_call_comes_back_as_itself(monkeypatch, interrupt, depth):
    monkeypatch.setattr(fast, "run_replication", _raising(interrupt, depth))
    with pytest.raises(type(interrupt)) as raised:
        engines.run_replication(load_scenario(SCENARIOS / "single_office.toml"), 0, engine="fast")
    assert raised.value is interrupt


def test_any_other_system_error_is_left_alone(monkeypatch):
    monkeypatch.setattr(fast, "run_replication", _raising(ValueError("a kernel's own failure"), 2))
    with pytest.raises(SystemError) as raised:
        engines.run_replication(load_scenario(SCENARIOS / "single_office.toml"), 0, engine="fast")
    assert "exception set" in str(raised.value)
