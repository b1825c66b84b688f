"""MBG/NBD against lifetimes (fit and every shared prediction), closed-form checks and recovery."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import ModifiedBetaGeoFitter

from custvalue.clv import ModifiedBetaGeo
from custvalue.exceptions import DataError
from custvalue.math import modbetageo as k
from custvalue.simulate.btyd import simulate_modbetageo
from tests.conftest import IN_CI


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return ModifiedBetaGeo().fit(cdnow_summary)


@pytest.fixture(scope="module")
def peer(fitted):
    f = ModifiedBetaGeoFitter()
    f.params_ = pd.Series(fitted.params.to_numpy(), index=["r", "alpha", "a", "b"])
    return f


def test_fit_matches_lifetimes(cdnow_summary, fitted):
    f = ModifiedBetaGeoFitter().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    np.testing.assert_allclose(fitted.params.to_numpy(), f.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-3)
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    nll = ModifiedBetaGeoFitter._negative_log_likelihood(np.log(fitted.params.to_numpy()), x, tx, T,
                                                         np.ones_like(x), 0.0)
    assert fitted.llf == pytest.approx(-nll * len(x), rel=1e-10)
    assert fitted.converged


def test_predictions_match_lifetimes(cdnow_summary, fitted, peer):
    d = cdnow_summary
    np.testing.assert_allclose(fitted.p_alive(d).to_numpy(),
                               peer.conditional_probability_alive(d["frequency"], d["recency"], d["T"]), rtol=1e-10)
    for h in (1.0, 39.0):
        np.testing.assert_allclose(
            fitted.expected_purchases(d, horizon=h).to_numpy(),
            peer.conditional_expected_number_of_purchases_up_to_time(h, d["frequency"], d["recency"], d["T"]),
            rtol=1e-9)
    t = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(fitted.expected_purchases_new_customer(t).to_numpy(),
                               peer.expected_number_of_purchases_up_to_time(t), rtol=1e-10)
    for n in range(5):
        assert fitted.probability_of_purchases(n, 39.0) == pytest.approx(
            peer.probability_of_n_purchases_up_to_time(39.0, n), rel=1e-9)


def test_probabilities_sum_to_one_and_mean_matches_expectation(fitted):
    n = np.arange(600)
    p = fitted.probability_of_purchases(n, 39.0)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (p.to_numpy() * n).sum() == pytest.approx(fitted.expected_purchases_new_customer(39.0), rel=1e-7)


def test_score_matches_finite_differences(cdnow_summary):
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    p = np.array([0.52, 6.2, 0.89, 1.6])
    g = k.score(*p, x, tx, T).sum(axis=0)
    for j in range(4):
        hp, hm = p.copy(), p.copy()
        hp[j] += 1e-6
        hm[j] -= 1e-6
        num = (k.loglike(*hp, x, tx, T).sum() - k.loglike(*hm, x, tx, T).sum()) / 2e-6
        assert g[j] == pytest.approx(num, rel=1e-5, abs=1e-4)


def test_parameter_recovery():
    n = 4000 if IN_CI else 15000
    true = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    rng = np.random.default_rng(21)
    d = simulate_modbetageo(n, **true, T=rng.uniform(20, 52, n), seed=rng)
    res = ModifiedBetaGeo().fit(d)
    z = (res.params - pd.Series(true)) / res.bse
    assert (z.abs() < 4).all(), z


@settings(max_examples=40, deadline=None)
@given(x=st.integers(0, 5000), frac=st.floats(0, 1), T=st.floats(0.5, 500),
       r=st.floats(0.05, 5), alpha=st.floats(0.1, 50), a=st.floats(0.05, 5), b=st.floats(0.05, 50))
def test_p_alive_in_unit_interval(x, frac, T, r, alpha, a, b):
    t_x = frac * T if x > 0 else 0.0
    pa = k.p_alive(r, alpha, a, b, x, t_x, T)
    assert np.isfinite(k.loglike(r, alpha, a, b, x, t_x, T)).all()
    assert np.all((pa >= 0) & (pa <= 1))


def test_bad_input():
    with pytest.raises(DataError, match="recency must be 0 when frequency is 0"):
        ModifiedBetaGeo(frequency=[0], recency=[3.0], T=[5.0])
