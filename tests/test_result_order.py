"""The canonical row order of the records (sim.model.result): what the engines sort by, and when they need not."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.result import canonical, in_order, request_order, row_order, visit_order


def _visits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    # few distinct ends, offices and applicants: many ties, each broken by the next key
    return {
        "end": rng.integers(0, 6, n).astype(np.float64),
        "office": rng.integers(0, 3, n),
        "applicant": rng.integers(0, 4, n),
        "kind": rng.integers(0, 2, n),
        "arrival": rng.random(n),
        "wait": rng.random(n),
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_visit_order_is_lexicographic_by_end_office_applicant_kind_arrival(seed):
    rng = np.random.default_rng(seed)
    visits = _visits(rng, 300)
    expected = np.lexsort(tuple(visits[k] for k in ("arrival", "kind", "applicant", "office", "end")))
    ordered = in_order(visits, visit_order(visits))
    for name, column in visits.items():
        np.testing.assert_array_equal(ordered[name], column[expected])
    assert visit_order(ordered) is None  # in order: nothing to sort


def test_requests_sort_by_decision_then_applicant_then_attempt():
    requests = {"decided": np.array([5.0, 1.0, 5.0, 5.0]), "applicant": np.array([2, 9, 1, 2]),
                "attempt": np.array([1, 0, 0, 0])}  # fmt: skip
    ordered = in_order(requests, request_order(requests))
    np.testing.assert_array_equal(ordered["applicant"], [9, 1, 2, 2])
    np.testing.assert_array_equal(ordered["attempt"], [0, 0, 0, 1])


def test_blocks_each_in_order_and_following_in_time_need_no_sort():
    """The fast engine records each block's visits in the canonical order; blocks later in time need no sort."""
    rng = np.random.default_rng(7)
    blocks = []
    for k in range(4):
        block = _visits(rng, 50)
        block["end"] = block["end"] + 10.0 * k + rng.random(50)  # distinct ends within each block's span
        blocks.append(in_order(block, visit_order(block)))
    whole = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    assert visit_order(whole) is None
    whole["end"][[10, 60]] = whole["end"][[60, 10]]  # one row out of place: sorted again
    order = visit_order(whole)
    assert order is not None
    assert np.all(np.diff(whole["end"][order]) >= 0)


def test_canonical_keeps_tables_already_in_order_as_they_are():
    rng = np.random.default_rng(3)
    visits = _visits(rng, 40)
    visits["end"] = np.sort(rng.random(40))
    applicants = {"applicant": np.arange(5)}
    requests = {"decided": np.arange(3.0), "applicant": np.zeros(3, dtype=np.int64), "attempt": np.arange(3)}
    v, a, r = canonical(dict(visits), applicants, requests)
    assert all(v[name] is visits[name] for name in visits)  # not copied
    assert a["applicant"] is applicants["applicant"]
    assert r["decided"] is requests["decided"]
    assert row_order(np.array([1.0, 1.0])) is None  # tied rows keep their order
