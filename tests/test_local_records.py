"""``[report] local_visit_records = "none"``: the records drop local visits, the figures still count them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiment.runner import replicate
from sim.model.records import VisitKind
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


def test_dropping_local_visit_records_keeps_every_figure() -> None:
    scenario = load_scenario(SCENARIOS / "single_office.toml")
    assert scenario.report.local_visit_records == "all"
    slim = dataclasses.replace(scenario, report=dataclasses.replace(scenario.report, local_visit_records="none"))
    full, lean = replicate(scenario, 0, engine="fast"), replicate(slim, 0, engine="fast")
    kinds = full.result.visits["kind"]
    assert np.count_nonzero(kinds == VisitKind.BACKGROUND) > 100
    assert not np.any(lean.result.visits["kind"] == VisitKind.BACKGROUND)
    assert lean.result.visits["end"].size == np.count_nonzero(kinds != VisitKind.BACKGROUND)
    assert repr(sorted(lean.figures.items())) == repr(sorted(full.figures.items()))  # NaN equals NaN in repr
    assert repr(lean.daily) == repr(full.daily)
    assert np.array_equal(lean.result.busy_area, full.result.busy_area)


def test_an_unknown_choice_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{SCENARIOS / "single_office.toml"}"\n[report]\nlocal_visit_records = "some"\n')
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "report.local_visit_records" in err[0]
    assert "some" in err[0]
