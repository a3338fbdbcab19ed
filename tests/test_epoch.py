"""An epoch gathers every office's new arrivals once; any blocks of its days get exactly the offices' rows."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from sim.model.fast.epoch import Epoch
from sim.model.fast.run import _Engine
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def engine() -> _Engine:
    """History cut where pilots draw applicants and every office its local visits (2022-09 onwards)."""
    scenario = cut_at(load_scenario(SCENARIOS / "history.toml"), dt.date(2022, 11, 20))
    return _Engine(scenario, 1, scenario.run.seed)


def _epoch(engine: _Engine, days: range) -> Epoch:
    names = ("arrival", "province", "kind", *engine.draw_columns)
    return Epoch(days, engine.days, engine.applicant_days, engine.local_days, names)


@pytest.mark.parametrize("cuts", [[3, 6, 9], [1, 2, 64], [5, 37, 40, 41]])
def test_blocks_of_an_epoch_get_each_offices_rows_once_in_id_order(engine: _Engine, cuts: list[int]) -> None:
    start = engine.scenario.run.days - 70  # days with applicants and local visits
    days = range(start, start + 64)
    epoch = _epoch(engine, days)
    edges = [days.start, *(days.start + c for c in cuts if c < len(days)), days.stop]
    blocks = [range(a, b) for a, b in itertools.pairwise(edges)]
    applicants = [epoch.applicants_of(b) for b in blocks]
    locals_ = [epoch.locals_of(b) for b in blocks]
    for block, fresh, (_station, t, _) in zip(blocks, applicants, locals_, strict=True):
        for times in (t, fresh["arrival"] if fresh is not None else np.empty(0)):
            day = np.floor_divide(times, 1440.0)
            assert ((day >= block.start) & (day < block.stop)).all()
        if fresh is not None:  # id order: arrival, then office (rows of one office keep their drawn order)
            key = np.lexsort((fresh["office"], fresh["arrival"]))
            np.testing.assert_array_equal(key, np.arange(key.size))
    # the blocks together hold every office's rows, as the office draws them
    for i in np.flatnonzero(engine.local_days[:, days.start : days.stop].any(axis=1))[:40].tolist():
        t_office, s_office = engine.days[i].local_visits(days)
        mine = [(t[station == i], s[station == i]) for station, t, s in locals_]
        np.testing.assert_array_equal(np.concatenate([t for t, _ in mine]), t_office)
        np.testing.assert_array_equal(np.concatenate([s for _, s in mine]), s_office)
    drawn = [p for p in applicants if p is not None]
    assert drawn, "the cut must have applicants in the epoch"
    arrival = np.concatenate([p["arrival"] for p in drawn])
    office = np.concatenate([p["office"] for p in drawn])
    for i in np.unique(office)[:40].tolist():
        expected = np.concatenate([d.arrival[a:b] for d, a, b in engine.days[i].applicant_parts(days)])
        np.testing.assert_array_equal(arrival[office == i], expected)
    whole = epoch.applicants_of(days)
    assert whole is not None
    np.testing.assert_array_equal(whole["arrival"], arrival)
