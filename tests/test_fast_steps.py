"""The fast engine's day index is NumPy's float floor division, bit for bit, on every kind of time."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model.fast.steps import day_of

MIDNIGHTS = np.arange(0, 1440 * 2000, 1440.0)


def _same_bits(t: np.ndarray) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on infinities
        expected = np.floor_divide(t, 1440.0)
    return day_of(t).tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    "t",
    [
        MIDNIGHTS,  # exactly midnight
        np.nextafter(MIDNIGHTS[1:], 0.0),  # the last float before each midnight (the quotient rounds up to it)
        np.nextafter(MIDNIGHTS, np.inf),
        -np.nextafter(MIDNIGHTS[1:], 0.0),
        np.array([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300]),
        np.array([np.nan, -np.nan, np.inf, -np.inf]),
        np.array([2.0**52, -(2.0**52), 2.0**53 + 2, 1e300, -1e300, np.finfo(np.float64).max]),
        np.empty(0),
    ],
    ids=["midnights", "before", "after", "negative", "zeros-and-tiny", "not-finite", "huge", "empty"],
)
def test_edge_times_take_numpys_day(t: np.ndarray) -> None:
    assert _same_bits(t)


@given(arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_times_take_numpys_day(t: np.ndarray) -> None:
    assert _same_bits(t)
