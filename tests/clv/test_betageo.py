"""BG/NBD (and the CLV it feeds with Gamma-Gamma) against the published CDNOW numbers and against
lifetimes."""

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter

from custvalue.clv import BetaGeo, GammaGamma, clv
from custvalue.math import betageo as bgk
from tests.reference import fhl2005 as ref


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return BetaGeo().fit(cdnow_summary)


@pytest.fixture(scope="module")
def lifetimes_bg(fitted):
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(fitted.params.to_numpy(), index=["r", "alpha", "a", "b"])
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    return bgf


def test_published_estimates(fitted):
    for k, v in ref.BGNBD_CDNOW.items():
        assert fitted.params[k] == pytest.approx(v, abs=6e-4), k
    assert fitted.llf == pytest.approx(ref.BGNBD_CDNOW_LL, abs=0.05)
    assert fitted.converged


def test_published_customer_forecast(fitted):
    c = ref.BGNBD_CUSTOMER
    e = fitted.expected_purchases(frequency=[c["frequency"]], recency=[c["recency"]], T=[c["T"]],
                                  horizon=c["horizon"])
    assert e.iloc[0] == pytest.approx(c["expected"], abs=5e-4)


def test_loglike_matches_lifetimes_fit(cdnow_summary, fitted):
    d = cdnow_summary
    bgf = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    np.testing.assert_allclose(fitted.params.to_numpy(), bgf.params_.to_numpy(), rtol=2e-4)
    # lifetimes optimises on rescaled times; our optimum is at least as good as its estimate
    assert fitted.llf >= fitted.model.loglike(bgf.params_.to_numpy()) - 1e-9


def test_predictions_match_lifetimes(cdnow_summary, fitted, lifetimes_bg):
    d = cdnow_summary
    ours_pa = fitted.p_alive(d)
    theirs_pa = lifetimes_bg.conditional_probability_alive(d["frequency"], d["recency"], d["T"])
    np.testing.assert_allclose(ours_pa.to_numpy(), np.asarray(theirs_pa), rtol=1e-10)
    assert ours_pa.index.equals(d.index)
    for h in (1.0, 39.0, 104.0):
        ours = fitted.expected_purchases(d, horizon=h).to_numpy()
        theirs = lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(
            h, d["frequency"], d["recency"], d["T"])
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9)
        assert fitted.expected_purchases_new_customer(h) == pytest.approx(
            float(lifetimes_bg.expected_number_of_purchases_up_to_time(h)), rel=1e-10)
    for n in range(6):
        assert fitted.probability_of_purchases(n, 39.0) == pytest.approx(
            float(lifetimes_bg.probability_of_n_purchases_up_to_time(39.0, n)), rel=1e-9)


def test_probability_of_purchases_sums_to_one(fitted):
    p = fitted.probability_of_purchases(np.arange(0, 400), 39.0)
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    # its mean equals the unconditional expectation (FHL eq. 7 vs eq. 8)
    assert (p.index.to_numpy() * p.to_numpy()).sum() == pytest.approx(
        fitted.expected_purchases_new_customer(39.0), rel=1e-4)


@pytest.mark.parametrize("freq", ["W", "D"])
def test_clv_matches_lifetimes(cdnow_summary, fitted, lifetimes_bg, freq):
    d = cdnow_summary.copy()
    if freq == "D":  # the same customers measured in days
        d[["recency", "T"]] *= 7
    bg = BetaGeo().fit(d) if freq == "D" else fitted
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(bg.params.to_numpy(), index=["r", "alpha", "a", "b"])
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    gg = GammaGamma().fit(d)
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(gg.params.to_numpy(), index=["p", "q", "v"])
    theirs = ggf.customer_lifetime_value(bgf, d["frequency"], d["recency"], d["T"], d["monetary_value"],
                                         time=12, discount_rate=0.01, freq=freq)
    ours = clv(bg, gg, d, months=12, monthly_discount_rate=0.01, freq=freq)
    np.testing.assert_allclose(ours.to_numpy(), np.asarray(theirs), rtol=1e-9)


def test_clv_discounts_increments_not_cumulative(cdnow_summary, fitted):
    """lifetimes issue 43: the discounted sum of increments, checked by hand for one customer."""
    d = cdnow_summary.iloc[:1]
    times = 4.345 * np.arange(1, 4)
    cum = fitted.expected_purchases(d, horizon=times).to_numpy()[0]
    by_hand = sum((cum[i] - (cum[i - 1] if i else 0.0)) / 1.1 ** (i + 1) for i in range(3))
    value = clv(fitted, np.array([1.0]), d, months=3, monthly_discount_rate=0.1, freq="W")
    assert value.iloc[0] == pytest.approx(by_hand, rel=1e-12)
    wrong = sum(cum[i] / 1.1 ** (i + 1) for i in range(3))
    assert value.iloc[0] < wrong


def test_analytic_score_matches_finite_differences(cdnow_summary):
    d = cdnow_summary
    x, tx, T = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theta = np.array([0.3, 5.0, 0.9, 2.1])
    g = bgk.score(*theta, x, tx, T).sum(axis=0)
    fd = np.empty(4)
    for j in range(4):
        h = 1e-6 * theta[j]
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        fd[j] = (bgk.loglike(*up, x, tx, T).sum() - bgk.loglike(*dn, x, tx, T).sum()) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6)
