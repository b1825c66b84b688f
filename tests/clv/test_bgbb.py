"""BG/BB: published donations estimates (FHS 2010), lifetimes, closed-form checks, recovery."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoBetaBinomFitter
from scipy.special import comb

from custvalue.clv import BetaGeoBetaBinom
from custvalue.datasets import load_donations
from custvalue.exceptions import DataError
from custvalue.math import bgbb as k
from custvalue.simulate.btyd import simulate_bgbb
from tests.conftest import IN_CI
from tests.reference import btyd_family as ref


@pytest.fixture(scope="module")
def donations():
    return load_donations()


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinom().fit(donations, weights=donations["weights"])


@pytest.fixture(scope="module")
def peer(fitted):
    f = BetaGeoBetaBinomFitter()
    f.params_ = pd.Series(fitted.params.to_numpy(), index=["alpha", "beta", "gamma", "delta"])
    return f


def test_published_donation_estimates(fitted):
    for name, v in ref.BGBB_DONATIONS.items():
        assert fitted.params[name] == pytest.approx(v, abs=6e-4), name
    assert fitted.llf == pytest.approx(ref.BGBB_DONATIONS_LL, abs=0.05)
    assert fitted.nobs == 11104


def test_compressed_equals_raw(donations, fitted):
    raw = donations.loc[donations.index.repeat(donations["weights"])].reset_index(drop=True)
    m = BetaGeoBetaBinom(raw)
    assert m.loglike(fitted.params) == pytest.approx(fitted.llf, rel=1e-12)


def test_fit_and_loglike_match_lifetimes(donations, fitted):
    x, tx, n = (donations[c].to_numpy(dtype=float) for c in ("frequency", "recency", "n_periods"))
    p = fitted.params.to_numpy()
    np.testing.assert_allclose(k.loglike(*p, x, tx, n), BetaGeoBetaBinomFitter._loglikelihood(p, x, tx, n),
                               rtol=1e-10)
    f = BetaGeoBetaBinomFitter().fit(donations["frequency"], donations["recency"], donations["n_periods"],
                                     donations["weights"])
    np.testing.assert_allclose(f.params_[["alpha", "beta", "gamma", "delta"]].to_numpy(), p, rtol=2e-3)


def test_predictions_match_lifetimes(donations, fitted, peer):
    d = donations
    np.testing.assert_allclose(
        fitted.p_alive(d).to_numpy(),
        peer.conditional_probability_alive(0, d["frequency"], d["recency"], d["n_periods"]), rtol=1e-10)
    for m in (1, 5, 10):
        np.testing.assert_allclose(
            fitted.expected_purchases(d, horizon=m).to_numpy(),
            peer.conditional_expected_number_of_purchases_up_to_time(m, d["frequency"], d["recency"], d["n_periods"]),
            rtol=1e-9)
    # unconditional P(X(6) = x), x = 0..6, times the cohort size (lifetimes' in-sample fit table)
    peer.data = d
    table = peer.expected_number_of_transactions_in_first_n_periods(6)["model"]
    ours = fitted.probability_of_purchases(table.index.to_numpy(), 6) * d["weights"].sum()
    np.testing.assert_allclose(ours.to_numpy(), table.to_numpy(), rtol=1e-9)


def test_unconditional_moments(fitted):
    for n in (1, 6, 11):
        p = fitted.probability_of_purchases(np.arange(n + 1), n)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert (p.to_numpy() * np.arange(n + 1)).sum() == pytest.approx(
            fitted.expected_purchases_new_customer(n), rel=1e-10)


def test_gamma_equal_one_limit():
    args = (1.2, 0.75, 1.0, 2.8, 3.0, 5.0, 6.0)
    near = k.conditional_expected_purchases(4.0, 1.2, 0.75, 1.0 + 1e-6, 2.8, 3.0, 5.0, 6.0)
    assert k.conditional_expected_purchases(4.0, *args) == pytest.approx(near, rel=1e-5)


def test_score_matches_finite_differences(donations):
    x, tx, n = (donations[c].to_numpy(dtype=float) for c in ("frequency", "recency", "n_periods"))
    p = np.array([1.1, 0.8, 0.7, 2.5])
    g = k.score(*p, x, tx, n)
    for j in range(4):
        hp, hm = p.copy(), p.copy()
        hp[j] += 1e-6
        hm[j] -= 1e-6
        num = (k.loglike(*hp, x, tx, n) - k.loglike(*hm, x, tx, n)) / 2e-6
        np.testing.assert_allclose(g[:, j], num, rtol=1e-6, atol=1e-7)


def test_parameter_recovery():
    n = 5000 if IN_CI else 20000
    true = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    d = simulate_bgbb(n, **true, n_periods=8, seed=4)
    res = BetaGeoBetaBinom().fit(d)
    z = (res.params - pd.Series(true)) / res.bse
    assert (z.abs() < 4).all(), z


def test_simulator_matches_model_distribution():
    true = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    d = simulate_bgbb(40000, **true, n_periods=6, seed=9)
    res = BetaGeoBetaBinom().fit(d)
    probs = k.probability_of_purchases(np.arange(7), 6, *true.values())
    freq = np.bincount(d["frequency"].astype(int), minlength=7) / len(d)
    np.testing.assert_allclose(freq, probs, atol=0.01)
    # joint (frequency, recency) cells: the likelihood of one sequence times the number of
    # sequences with that (x, t_x), C(t_x - 1, x - 1) (FHS 2010, section 3)
    cells = d.groupby(["frequency", "recency"]).size() / len(d)
    x, tx = (cells.index.get_level_values(i).to_numpy(dtype=float) for i in (0, 1))
    ways = np.where(x > 0, comb(np.maximum(tx - 1, 0), np.maximum(x - 1, 0)), 1.0)
    np.testing.assert_allclose(cells.to_numpy(), ways * np.exp(k.loglike(*true.values(), x, tx, 6)), atol=0.004)
    assert res.converged


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), data=st.data(),
       a=st.floats(0.05, 20), b=st.floats(0.05, 20), g=st.floats(0.05, 20), dl=st.floats(0.05, 20))
def test_probabilities_in_unit_interval(n, data, a, b, g, dl):
    tx = data.draw(st.integers(0, n))
    x = data.draw(st.integers(0, tx)) if tx > 0 else 0
    x = max(x, 1) if tx > 0 else 0
    pa = k.p_alive(a, b, g, dl, x, tx, n)
    assert np.all((pa >= 0) & (pa <= 1 + 1e-12))
    assert np.isfinite(k.loglike(a, b, g, dl, x, tx, n)).all()


def test_bad_input_errors():
    with pytest.raises(DataError, match="n_periods < recency"):
        BetaGeoBetaBinom(frequency=[1, 2], recency=[3, 7], n_periods=[6, 6])
    with pytest.raises(DataError, match="frequency must be <= recency"):
        BetaGeoBetaBinom(frequency=[4], recency=[3], n_periods=[6])
    with pytest.raises(DataError, match="whole numbers"):
        BetaGeoBetaBinom(frequency=[1.5], recency=[3], n_periods=[6])
    with pytest.raises(DataError, match="weights must be >= 0"):
        BetaGeoBetaBinom(frequency=[1], recency=[3], n_periods=[6], weights=[-1])
