"""Predictive interval of the next transaction's value under Gamma-Gamma (issue 19, item 2):
checked against scipy's beta-prime distribution, against draws from the posterior of ν, and by
coverage on a base simulated from the model itself."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from custvalue.clv import GammaGamma
from custvalue.datasets import load_cdnow_summary
from custvalue.exceptions import DataError


@pytest.fixture(scope="module")
def fitted():
    return GammaGamma().fit(load_cdnow_summary())


def test_equals_scaled_beta_prime_quantiles(fitted):
    data = load_cdnow_summary().head(200)
    p, q, g = fitted.params[["p", "q", "gamma"]]
    got = fitted.spend_predictive_interval(data, level=0.8)
    x, m = data["frequency"].to_numpy(), data["monetary_value"].to_numpy()
    dist = stats.betaprime(p, q + p * x, scale=g + x * m)
    np.testing.assert_allclose(got["lower"], dist.ppf(0.1), rtol=1e-10)
    np.testing.assert_allclose(got["median"], dist.ppf(0.5), rtol=1e-10)
    np.testing.assert_allclose(got["upper"], dist.ppf(0.9), rtol=1e-10)
    assert got.index.equals(data.index)


def test_matches_draws_from_the_posterior_of_nu(fitted):
    p, q, g = fitted.params[["p", "q", "gamma"]]
    rng = np.random.default_rng(7)
    for x, m in [(0, 0.0), (1, 11.77), (5, 40.0), (30, 12.5)]:
        nu = rng.gamma(q + p * x, 1.0 / (g + x * m), 400_000)
        z = rng.gamma(p, 1.0 / nu)
        got = fitted.spend_predictive_interval(frequency=[x], monetary_value=[m], level=0.9).iloc[0]
        emp = np.quantile(z, [0.05, 0.5, 0.95])
        np.testing.assert_allclose([got["lower"], got["median"], got["upper"]], emp, rtol=0.02)


def test_coverage_on_a_base_drawn_from_the_model():
    """A base drawn from the model: the next transaction falls in the fitted 90% interval about
    90% of the time (the interval holds the parameters at their estimates, so the tolerance
    allows for their sampling error: 0.888 here, 0.901 at the true parameters)."""
    p, q, g = 6.0, 4.0, 15.0
    rng = np.random.default_rng(11)
    n = 40_000
    nu = rng.gamma(q, 1.0 / g, n)
    x = rng.integers(1, 8, n)
    past = rng.gamma(p * x, 1.0 / nu)          # sum of x transactions
    nxt = rng.gamma(p, 1.0 / nu)
    res = GammaGamma().fit(frequency=x, monetary_value=past / x)
    iv = res.spend_predictive_interval(frequency=x, monetary_value=past / x, level=0.9)
    inside = (iv["lower"].to_numpy() <= nxt) & (nxt <= iv["upper"].to_numpy())
    assert abs(inside.mean() - 0.9) < 0.02


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 500), st.floats(0.01, 1e5), st.floats(0.05, 0.99))
def test_bounds_are_ordered_positive_and_nested(fitted, x, m, level):
    m = 0.0 if x == 0 else m
    iv = fitted.spend_predictive_interval(frequency=[x], monetary_value=[m], level=level).iloc[0]
    wider = fitted.spend_predictive_interval(frequency=[x], monetary_value=[m],
                                             level=min(level + 0.005, 0.995)).iloc[0]
    assert 0 < iv["lower"] < iv["median"] < iv["upper"] < np.inf
    assert wider["lower"] <= iv["lower"] and iv["upper"] <= wider["upper"]


@pytest.mark.parametrize("level", [0, 1, 1.5, np.nan, "0.9"])
def test_bad_level_is_named(fitted, level):
    with pytest.raises(DataError, match="level"):
        fitted.spend_predictive_interval(load_cdnow_summary().head(3), level=level)


def test_missing_column_is_named(fitted):
    with pytest.raises(DataError, match="monetary_value"):
        fitted.spend_predictive_interval(pd.DataFrame({"frequency": [1, 2]}))
