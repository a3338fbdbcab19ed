"""Tests for sim.theory: the analytic formulas the simulation is validated against.

All times are in minutes and rates per minute.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats
from scipy.integrate import quad

from sim.theory import MMc, MMcK, erlang_b, erlang_c, jackson_tandem_sojourn_minutes, mg_inf_mean_in_system

# ---------------------------------------------------------------------------------------------------------------------
# Independent reference implementations
# ---------------------------------------------------------------------------------------------------------------------


def erlang_c_direct(c: int, a: float) -> float:
    """Textbook closed form with factorials, valid for small c:

    C = [a^c/c! · c/(c−a)] / [Σ_{k=0}^{c−1} a^k/k! + a^c/c! · c/(c−a)].
    """
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (math.fsum(a**k / math.factorial(k) for k in range(c)) + top)


def erlang_c_poisson(c: int, a: float) -> float:
    """The same closed form with every term divided by e^a, i.e. written with Poisson(a) probabilities.

    Independent of the Erlang B recursion and usable for large c.
    """
    top = stats.poisson.pmf(c, a) * c / (c - a)
    return float(top / (stats.poisson.cdf(c - 1, a) + top))


# ---------------------------------------------------------------------------------------------------------------------
# erlang_c / erlang_b
# ---------------------------------------------------------------------------------------------------------------------

GRID = [(c, rho * c) for c in range(1, 31) for rho in (0.01, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)]


@pytest.mark.parametrize(("c", "a"), GRID)
def test_erlang_c_matches_factorial_formula(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(erlang_c_direct(c, a), rel=1e-10, abs=1e-15)


@pytest.mark.parametrize(("c", "a"), [(50, 40.0), (100, 95.0), (500, 480.0), (1000, 990.0), (1000, 900.0)])
def test_erlang_c_matches_poisson_form_for_many_servers(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(erlang_c_poisson(c, a), rel=1e-9)


def test_erlang_c_large_system_is_finite_probability() -> None:
    value = erlang_c(500, 480.0)
    assert math.isfinite(value)
    assert 0.0 < value < 1.0


def test_erlang_b_matches_poisson_truncation() -> None:
    # Erlang B is the Poisson(a) distribution truncated to {0..c}, evaluated at c.
    for c, a in [(1, 0.5), (5, 3.0), (30, 25.0), (200, 180.0)]:
        expected = stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a)
        assert erlang_b(c, a) == pytest.approx(expected, rel=1e-10)


def test_erlang_c_textbook_value() -> None:
    # c = 2 servers, λ = 1 /min, mean service 1.5 min  ->  μ = 2/3 /min, a = λ/μ = 1.5 Erlangs, ρ = 0.75.
    # Erlang B recursion: B(1) = 1.5·1 / (1 + 1.5) = 0.6;  B(2) = 1.5·0.6 / (2 + 0.9) = 0.9/2.9 = 9/29.
    # C = c·B / (c − a(1 − B)) = (18/29) / (2 − 1.5·20/29) = (18/29) / (28/29) = 9/14 = 0.642857...
    # Factorial form agrees: top = 1.5²/2! · 2/0.5 = 4.5, bottom = 1 + 1.5 + 4.5 = 7, C = 4.5/7 = 9/14.
    # cμ − λ = 4/3 − 1 = 1/3 /min, so Wq = C/(cμ − λ) = (9/14)·3 = 27/14 = 1.928571... min.
    # Cross-check: Lq = C·ρ/(1 − ρ) = (9/14)·3 = 27/14, and Wq = Lq/λ = 27/14 min.
    assert erlang_c(2, 1.5) == pytest.approx(9 / 14, rel=1e-12)
    q = MMc(servers=2, arrival_rate_per_minute=1.0, mean_service_minutes=1.5)
    assert q.offered_load == pytest.approx(1.5)
    assert q.utilisation == pytest.approx(0.75)
    assert q.prob_wait == pytest.approx(9 / 14, rel=1e-12)
    assert q.mean_wait_minutes == pytest.approx(27 / 14, rel=1e-12)
    assert q.mean_queue_length == pytest.approx(27 / 14, rel=1e-12)
    assert q.mean_sojourn_minutes == pytest.approx(27 / 14 + 1.5, rel=1e-12)
    # P(Wq > 3 min) = (9/14)·e^{−1}
    assert q.wait_exceeds(3.0) == pytest.approx(9 / 14 * math.exp(-1.0), rel=1e-12)


def test_erlang_c_edge_values() -> None:
    assert erlang_c(1, 0.0) == 0.0
    assert erlang_c(10, 0.0) == 0.0
    assert erlang_c(1, 0.3) == pytest.approx(0.3)  # M/M/1: C = ρ
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0
    assert erlang_c(3, math.inf) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    assert erlang_b(3, math.inf) == 1.0


@pytest.mark.parametrize("func", [erlang_b, erlang_c])
def test_erlang_bad_arguments(func: object) -> None:
    assert callable(func)
    with pytest.raises(ValueError, match="servers"):
        func(0, 1.0)
    with pytest.raises(ValueError, match="servers"):
        func(-3, 1.0)
    with pytest.raises(ValueError, match="offered_load"):
        func(2, -0.1)
    with pytest.raises(ValueError, match="offered_load"):
        func(2, math.nan)
    with pytest.raises(TypeError):
        func(2.5, 1.0)


@given(
    c=st.integers(min_value=1, max_value=300),
    x=st.floats(min_value=0.0, max_value=1.3),
    y=st.floats(min_value=0.0, max_value=1.3),
)
def test_erlang_c_is_probability_increasing_in_load(c: int, x: float, y: float) -> None:
    a1, a2 = sorted((x * c, y * c))
    c1, c2 = erlang_c(c, a1), erlang_c(c, a2)
    assert 0.0 <= c1 <= 1.0
    assert 0.0 <= c2 <= 1.0
    assert c2 >= c1 - 1e-12


@given(c=st.integers(min_value=1, max_value=300), rho=st.floats(min_value=0.0, max_value=1.2))
def test_erlang_c_decreasing_in_servers(c: int, rho: float) -> None:
    a = rho * c
    assert erlang_c(c + 1, a) <= erlang_c(c, a) + 1e-12


# ---------------------------------------------------------------------------------------------------------------------
# MMc
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lam", "mean_s"), [(0.5, 1.0), (1.0, 0.5), (0.9, 1.0), (2.0, 0.25), (0.01, 10.0)])
def test_mm1_special_case(lam: float, mean_s: float) -> None:
    mu = 1 / mean_s
    rho = lam / mu
    q = MMc(1, lam, mean_s)
    assert q.stable
    assert q.utilisation == pytest.approx(rho)
    assert q.prob_wait == pytest.approx(rho, rel=1e-12)
    assert q.mean_wait_minutes == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert q.mean_sojourn_minutes == pytest.approx(1 / (mu - lam), rel=1e-12)
    assert q.mean_queue_length == pytest.approx(rho**2 / (1 - rho), rel=1e-12)
    assert q.mean_in_system == pytest.approx(rho / (1 - rho), rel=1e-12)
    for t in (0.0, 0.1, 1.0, 5.0, 30.0):
        assert q.wait_exceeds(t) == pytest.approx(rho * math.exp(-(mu - lam) * t), rel=1e-12)


def test_unstable_queue() -> None:
    for lam in (2.0, 3.0):  # c·μ = 2 /min; ρ = 1 and ρ = 1.5
        q = MMc(2, lam, 1.0)
        assert not q.stable
        assert q.prob_wait == 1.0
        assert q.mean_wait_minutes == math.inf
        assert q.mean_queue_length == math.inf
        assert q.mean_sojourn_minutes == math.inf
        assert q.mean_in_system == math.inf
        assert q.wait_exceeds(100.0) == 1.0
        assert q.wait_quantile(0.0) == 0.0
        assert q.wait_quantile(0.5) == math.inf


def test_no_arrivals() -> None:
    q = MMc(3, 0.0, 4.0)
    assert q.stable
    assert q.prob_wait == 0.0
    assert q.mean_wait_minutes == 0.0
    assert q.mean_queue_length == 0.0
    assert q.mean_sojourn_minutes == 4.0
    assert q.wait_exceeds(0.0) == 0.0
    assert q.wait_quantile(0.999) == 0.0


stable_queues = st.builds(
    lambda c, rho, mean_s: MMc(c, rho * c / mean_s, mean_s),
    c=st.integers(min_value=1, max_value=200),
    rho=st.floats(min_value=0.01, max_value=0.99),
    mean_s=st.floats(min_value=0.1, max_value=60.0),
)


@given(q=stable_queues)
def test_littles_law(q: MMc) -> None:
    lam = q.arrival_rate_per_minute
    assert q.mean_queue_length == pytest.approx(lam * q.mean_wait_minutes, rel=1e-12)
    assert q.mean_in_system == pytest.approx(lam * q.mean_sojourn_minutes, rel=1e-12)
    assert q.mean_in_system == pytest.approx(q.mean_queue_length + q.offered_load, rel=1e-9)
    assert q.mean_sojourn_minutes == pytest.approx(q.mean_wait_minutes + q.mean_service_minutes, rel=1e-12)


@given(q=stable_queues)
def test_mean_wait_is_integral_of_tail(q: MMc) -> None:
    # E[Wq] = ∫_0^∞ P(Wq > t) dt = C/(cμ − λ): check the closed forms against each other by quadrature.
    integral, _ = quad(q.wait_exceeds, 0.0, math.inf, epsabs=0.0, epsrel=1e-10)
    assert integral == pytest.approx(q.mean_wait_minutes, rel=1e-6)


@given(q=stable_queues)
def test_more_servers_wait_less(q: MMc) -> None:
    bigger = MMc(q.servers + 1, q.arrival_rate_per_minute, q.mean_service_minutes)
    assert bigger.prob_wait <= q.prob_wait + 1e-12
    assert bigger.mean_wait_minutes <= q.mean_wait_minutes * (1 + 1e-12)
    assert bigger.mean_queue_length <= q.mean_queue_length * (1 + 1e-12)
    for t in (0.0, q.mean_service_minutes):
        assert bigger.wait_exceeds(t) <= q.wait_exceeds(t) + 1e-12


@given(q=stable_queues, p=st.floats(min_value=0.0, max_value=1.0))
def test_wait_quantile_inverts_wait_exceeds(q: MMc, p: float) -> None:
    t = q.wait_quantile(p)
    if p <= 1 - q.prob_wait:
        assert t == 0.0
        assert 1 - q.wait_exceeds(0.0) >= p - 1e-12
        return
    assume(p < 1.0)
    assert t > 0.0
    # At the quantile the CDF equals p exactly (the wait distribution is continuous above 0) ...
    assert q.wait_exceeds(t) == pytest.approx(1 - p, rel=1e-9, abs=1e-15)
    # ... and just below it the tail is still above 1 − p, so t is the smallest such value. (Compared in tail space,
    # and only where the decay over the step is resolvable in floating point.)
    drain = q.servers / q.mean_service_minutes - q.arrival_rate_per_minute  # cμ − λ, per minute
    if drain * t > 1e-6:
        assert q.wait_exceeds(t * (1 - 1e-3)) > 1 - p


def test_wait_quantile_examples() -> None:
    q = MMc(2, 1.0, 1.5)  # C = 9/14, cμ − λ = 1/3 /min
    assert q.wait_quantile(0.0) == 0.0
    assert q.wait_quantile(5 / 14) == 0.0  # exactly 1 − C
    assert q.wait_quantile(0.9) == pytest.approx(3 * math.log((9 / 14) / 0.1), rel=1e-12)
    assert q.wait_quantile(1.0) == math.inf
    assert q.wait_exceeds(math.inf) == 0.0


def test_mmc_bad_arguments() -> None:
    with pytest.raises(ValueError, match="servers"):
        MMc(0, 1.0, 1.0)
    with pytest.raises(ValueError, match="arrival_rate_per_minute"):
        MMc(1, -1.0, 1.0)
    with pytest.raises(ValueError, match="arrival_rate_per_minute"):
        MMc(1, math.nan, 1.0)
    with pytest.raises(ValueError, match="arrival_rate_per_minute"):
        MMc(1, math.inf, 1.0)
    with pytest.raises(ValueError, match="mean_service_minutes"):
        MMc(1, 1.0, 0.0)
    with pytest.raises(ValueError, match="mean_service_minutes"):
        MMc(1, 1.0, -2.0)
    with pytest.raises(ValueError, match="mean_service_minutes"):
        MMc(1, 1.0, math.inf)
    q = MMc(2, 1.0, 1.5)
    with pytest.raises(ValueError, match="t_minutes"):
        q.wait_exceeds(-0.5)
    with pytest.raises(ValueError, match="t_minutes"):
        q.wait_exceeds(math.nan)
    for p in (-0.1, 1.1, math.nan):
        with pytest.raises(ValueError, match="p must be"):
            q.wait_quantile(p)


def test_mmc_is_frozen() -> None:
    q = MMc(2, 1.0, 1.5)
    with pytest.raises(AttributeError):
        q.servers = 3  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------------------------------
# M/G/∞ and Jackson tandem
# ---------------------------------------------------------------------------------------------------------------------


def test_mg_inf_mean_in_system() -> None:
    assert mg_inf_mean_in_system(2.0, 7.5) == pytest.approx(15.0)
    assert mg_inf_mean_in_system(0.0, 7.5) == 0.0
    assert mg_inf_mean_in_system(3.0, 0.0) == 0.0
    for lam, d in [(-1.0, 1.0), (1.0, -1.0), (math.nan, 1.0), (1.0, math.inf)]:
        with pytest.raises(ValueError, match="must be a finite number"):
            mg_inf_mean_in_system(lam, d)


def test_jackson_tandem_of_two_mm1() -> None:
    # λ = 1 /min; μ1 = 2 /min, μ2 = 1.25 /min  ->  1/(μ1 − λ) + 1/(μ2 − λ) = 1 + 4 = 5 min.
    assert jackson_tandem_sojourn_minutes(1.0, [(1, 0.5), (1, 0.8)]) == pytest.approx(5.0, rel=1e-12)


@given(
    lam=st.floats(min_value=0.01, max_value=5.0),
    mus=st.lists(st.floats(min_value=0.01, max_value=10.0), min_size=1, max_size=6),
)
def test_jackson_tandem_of_mm1_is_sum_of_mm1_sojourns(lam: float, mus: list[float]) -> None:
    assume(all(mu > lam * 1.001 for mu in mus))
    expected = math.fsum(1 / (mu - lam) for mu in mus)
    got = jackson_tandem_sojourn_minutes(lam, [(1, 1 / mu) for mu in mus])
    assert got == pytest.approx(expected, rel=1e-9)


def test_jackson_tandem_multiserver_and_unstable() -> None:
    stations = [(2, 1.5), (3, 2.0), (1, 0.25)]
    expected = sum(MMc(c, 1.0, s).mean_sojourn_minutes for c, s in stations)
    assert jackson_tandem_sojourn_minutes(1.0, stations) == pytest.approx(expected, rel=1e-12)
    assert jackson_tandem_sojourn_minutes(1.0, [(2, 1.5), (1, 1.0)]) == math.inf  # second station has ρ = 1
    assert jackson_tandem_sojourn_minutes(0.0, stations) == pytest.approx(1.5 + 2.0 + 0.25)


def test_jackson_tandem_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one"):
        jackson_tandem_sojourn_minutes(1.0, [])
    with pytest.raises(ValueError, match="servers"):
        jackson_tandem_sojourn_minutes(1.0, [(0, 1.0)])
    with pytest.raises(ValueError, match="mean_service_minutes"):
        jackson_tandem_sojourn_minutes(1.0, [(1, 0.0)])
    with pytest.raises(ValueError, match="arrival_rate_per_minute"):
        jackson_tandem_sojourn_minutes(-1.0, [(1, 1.0)])


# -- M/M/c/K ------------------------------------------------------------------------------------------------------


def test_mmck_matches_textbook_mm1k():
    """M/M/1/K: p(K) = (1 - rho) rho^K / (1 - rho^(K+1)) (e.g. Gross and Harris, section 2.5); rho = 0.5, K = 3."""
    q = MMcK(1, 3, 0.05, 10.0)
    assert q.blocking == pytest.approx(1 / 15, rel=1e-12)  # 0.5 x 0.125 / 0.9375
    assert q.mean_in_system == pytest.approx(11 / 15, rel=1e-12)  # (0.5 + 2 x 0.25 + 3 x 0.125) / 1.875
    assert q.throughput_per_minute == pytest.approx(0.05 * 14 / 15, rel=1e-12)


def test_mmck_small_case_by_hand():
    """M/M/2/3 at a = 1: weights 1, 1, 1/2, 1/4 (sum 11/4); one waits only in state 3."""
    q = MMcK(2, 3, 0.1, 10.0)
    assert q.probabilities == pytest.approx((4 / 11, 4 / 11, 2 / 11, 1 / 11), rel=1e-12)
    assert q.mean_queue_length == pytest.approx(1 / 11, rel=1e-12)
    assert q.mean_wait_minutes == pytest.approx((1 / 11) / (0.1 * 10 / 11), rel=1e-12)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.4), (10, 12.0)])
def test_mmck_limits_are_erlang_b_and_c(c, a):
    """K = c is Erlang B's loss system; a large K (rho < 1) is M/M/c with Erlang C's wait."""
    assert MMcK(c, c, a / 10.0, 10.0).blocking == pytest.approx(erlang_b(c, a), rel=1e-12)
    assert MMcK(c, c, a / 10.0, 10.0).mean_wait_minutes == 0.0
    if a < c:
        big = MMcK(c, 2000, a / 10.0, 10.0)
        assert big.mean_wait_minutes == pytest.approx(MMc(c, a / 10.0, 10.0).mean_wait_minutes, rel=1e-9)


def test_mmck_rejects_capacity_below_servers():
    with pytest.raises(ValueError, match="capacity"):
        MMcK(3, 2, 0.1, 10.0)
