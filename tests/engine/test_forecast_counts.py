"""Count probabilities for the early-warning list and the intervals, against closed forms and a
plain summation with the math module (no SciPy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.forecast import count_cdf, count_quantiles, exceed_probability
from kaohe.engine.forecast_counts import EXACT_MAX_MEAN

NAN = math.nan


def plain_cdf(k: int, mean: float, phi: float) -> float:
    """P(X ≤ k) summed term by term from the pmf written with lgamma."""
    total = 0.0
    for j in range(k + 1):
        if phi == 0:
            log_p = -mean + (j * math.log(mean) if mean > 0 else (0.0 if j == 0 else -math.inf))
            log_p -= math.lgamma(j + 1)
        else:
            n = 1 / phi
            log_p = (
                math.lgamma(j + n)
                - math.lgamma(n)
                - math.lgamma(j + 1)
                + n * math.log(n / (n + mean))
                + (
                    j * (math.log(mean) - math.log(n + mean))
                    if mean > 0
                    else (0.0 if j == 0 else -math.inf)
                )
            )
        total += math.exp(log_p)
    return min(total, 1.0)


# (expected μ, quota, closed form of P(births > quota))
POISSON_CLOSED_FORMS = [
    (2.0, 0, 1 - math.exp(-2)),
    (2.0, 1, 1 - math.exp(-2) * (1 + 2)),
    (2.0, 2, 1 - math.exp(-2) * (1 + 2 + 2)),
    (5.5, 3, 1 - math.exp(-5.5) * (1 + 5.5 + 5.5**2 / 2 + 5.5**3 / 6)),
    (0.0, 0, 0.0),
    (3.0, -1, 1.0),  # a quota below zero is always exceeded
    (3.0, 2.7, 1 - math.exp(-3) * (1 + 3 + 4.5)),  # exceeding 2.7 births means 3 or more
]


@pytest.mark.parametrize(("mean", "quota", "expected"), POISSON_CLOSED_FORMS)
def test_poisson_exceed_probability_matches_the_closed_form(
    mean: float, quota: float, expected: float
) -> None:
    result = exceed_probability(np.array([mean]), np.array([quota]))
    assert result[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("mean", "quota"), [(1.0, 0), (4.0, 3), (4.0, 10), (12.5, 20)])
def test_a_dispersion_of_one_makes_births_geometric(mean: float, quota: int) -> None:
    # φ = 1 is the geometric distribution: P(X > k) = (μ / (1 + μ))^(k + 1)
    result = exceed_probability(np.array([mean]), np.array([float(quota)]), np.array([1.0]))
    assert result[0] == pytest.approx((mean / (1 + mean)) ** (quota + 1), rel=1e-10)


def test_uncertain_expectations_raise_the_risk_of_a_high_count() -> None:
    mean, quota = np.array([10.0]), np.array([15.0])
    poisson = exceed_probability(mean, quota)[0]
    dispersed = exceed_probability(mean, quota, np.array([0.1]))[0]
    assert dispersed > poisson


def test_missing_quota_or_expectation_gives_nan() -> None:
    result = exceed_probability(np.array([3.0, NAN, 2.0]), np.array([NAN, 1.0, 1.0]))
    assert np.isnan(result[:2]).all()
    assert result[2] == pytest.approx(1 - 3 * math.exp(-2))


def test_negative_expectations_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        exceed_probability(np.array([-1.0]), np.array([1.0]))


@pytest.mark.parametrize(
    ("mean", "phi", "quota"),
    [(EXACT_MAX_MEAN + 100, 0.0, 520), (1000.0, 0.0, 1040), (800.0, 0.01, 900)],
)
def test_large_expectations_are_close_to_the_exact_sum(mean: float, phi: float, quota: int) -> None:
    result = count_cdf(np.array([float(quota)]), np.array([mean]), np.array([phi]))
    assert result[0] == pytest.approx(plain_cdf(quota, mean, phi), abs=0.005)


@settings(max_examples=80, deadline=None)
@given(
    mean=st.floats(0.0, 60.0),
    phi=st.sampled_from([0.0, 0.01, 0.1, 0.5, 2.0]),
    k=st.integers(0, 150),
)
def test_the_vectorised_cdf_equals_a_plain_summation(mean: float, phi: float, k: int) -> None:
    result = count_cdf(np.array([float(k)]), np.array([mean]), np.array([phi]))
    assert result[0] == pytest.approx(plain_cdf(k, mean, phi), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(mean=st.floats(0.0, 80.0), phi=st.sampled_from([0.0, 0.02, 0.3]))
def test_quantiles_are_the_smallest_counts_reaching_the_probability(
    mean: float, phi: float
) -> None:
    lower, upper = count_quantiles(np.array([mean]), np.array([phi]), (0.1, 0.9))
    for p, q in ((0.1, int(lower[0])), (0.9, int(upper[0]))):
        assert plain_cdf(q, mean, phi) >= p - 1e-12
        if q > 0:
            assert plain_cdf(q - 1, mean, phi) < p + 1e-12


def test_quantiles_of_many_means_at_once_match_one_at_a_time() -> None:
    means = np.array([0.0, 0.3, 2.0, 9.5, 40.0, 150.0, NAN])
    lower, upper = count_quantiles(means, np.zeros(7), (0.1, 0.9))
    for i, mean in enumerate(means[:-1]):
        one_lower, one_upper = count_quantiles(np.array([mean]), np.zeros(1), (0.1, 0.9))
        assert (lower[i], upper[i]) == (one_lower[0], one_upper[0])
    assert np.isnan(lower[-1]) and np.isnan(upper[-1])
