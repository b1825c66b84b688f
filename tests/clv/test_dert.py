"""Discounted expected residual transactions, clv() for every model, customer equity and the
customer value table."""

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv import (BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD, clv,
                           customer_equity, customer_npv, customer_value_table)
from custvalue.datasets import load_donations
from custvalue.exceptions import DataError, HeterogeneityWarning
from custvalue.math import bgbb as kb
from custvalue.math import paretonbd as kp

WEEKLY = float(np.expm1(np.log(1.15) / 52))  # 15% a year, compounded weekly (FHL 2005 JMR)


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    d = cdnow_summary
    return {"pnbd": ParetoNBD().fit(d), "bg": BetaGeo().fit(d), "mbg": ModifiedBetaGeo().fit(d),
            "gg": GammaGamma().fit(d)}


@pytest.fixture(scope="module")
def bgbb():
    d = load_donations()
    return d, BetaGeoBetaBinom().fit(d, weights=d["weights"])


def test_paretonbd_tricomi_closed_form_against_mpmath_integral():
    p = (0.553, 10.578, 0.606, 11.669)
    delta = np.log(1.15) / 52
    for x, tx, T in [(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.86, 31.0), (250, 38.0, 38.86)]:
        pa = float(kp.p_alive(*p, x, tx, T))
        r, alpha, s, beta = (mp.mpf(v) for v in p)
        # E[Y(t) | alive, history] has density (r+x)/(α+T) × P(τ > T+t | τ > T): integrate e^{-δt} dE[Y]
        dens = lambda t: (r + x) / (alpha + T) * ((beta + T) / (beta + T + t)) ** s * mp.e ** (-delta * t)
        expect = pa * float(mp.quad(dens, [0, 100, 1000, mp.inf]))
        assert float(kp.dert(delta, *p, x, tx, T)) == pytest.approx(expect, rel=1e-9)


def test_closed_form_equals_quadrature_for_paretonbd(cdnow_summary, fits):
    from custvalue.math import dert as kd

    res = fits["pnbd"]
    closed = res.dert(cdnow_summary, discount_rate=WEEKLY)
    # the same quantity through the kernel's finite horizon (long enough for e^{-δH} to
    # vanish) and through the generic quadrature of E[Y(t)] over that horizon
    long = res.dert(cdnow_summary, discount_rate=WEEKLY, horizon=52 * 300)
    np.testing.assert_allclose(long.to_numpy(), closed.to_numpy(), rtol=1e-12)
    p = res.params.to_numpy()
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    cum = lambda t: kp.conditional_expected_purchases(t[None, :], *p, x[:, None], tx[:, None], T[:, None])  # noqa: E731
    for H in (5.0, 52.0, 52.0 * 300):
        quad = kd.continuous_dert(cum, np.log1p(WEEKLY), H)
        np.testing.assert_allclose(res.dert(cdnow_summary, discount_rate=WEEKLY, horizon=H).to_numpy(), quad,
                                   rtol=1e-9)
    assert closed.index.equals(cdnow_summary.index)


def test_bgbb_closed_form_equals_discrete_sum(bgbb):
    d, res = bgbb
    closed = res.dert(d, discount_rate=0.1)
    summed = res.dert(d, discount_rate=0.1, horizon=600)
    np.testing.assert_allclose(summed.to_numpy(), closed.to_numpy(), rtol=1e-10)
    # FHS 2010 eq. 14 against a direct sum of E[p | history] P(alive at n+i) / 1.1^i
    p = res.params.to_numpy()
    x, tx, n = 3.0, 5.0, 6.0
    ll = kb.loglike(*p, x, tx, n)[0]
    from scipy.special import betaln
    i = np.arange(1, 2000)
    direct = np.exp(betaln(p[0] + x + 1, p[1] + n - x) - betaln(p[0], p[1]) - ll
                    + betaln(p[2], p[3] + n + i) - betaln(p[2], p[3])) @ (1.1 ** -i)
    assert float(kb.dert(0.1, *p, x, tx, n)[()]) == pytest.approx(direct, rel=1e-10)


@pytest.mark.parametrize("name", ["bg", "mbg", "pnbd"])
def test_dert_monotone_in_horizon_and_rate(cdnow_summary, fits, name):
    res = fits[name]
    d = cdnow_summary.iloc[::50]
    short = res.dert(d, discount_rate=WEEKLY, horizon=26)
    long = res.dert(d, discount_rate=WEEKLY, horizon=104)
    inf = res.dert(d, discount_rate=WEEKLY)
    assert (short <= long + 1e-12).all() and (long <= inf + 1e-9).all()
    assert (res.dert(d, discount_rate=2 * WEEKLY) <= inf + 1e-12).all()


@settings(max_examples=25, deadline=None)
@given(x=st.integers(0, 300), frac=st.floats(0, 1), T=st.floats(1, 100),
       d1=st.floats(1e-4, 0.05), d2=st.floats(1e-4, 0.05))
def test_paretonbd_dert_decreasing_in_rate(x, frac, T, d1, d2):
    p = (0.55, 10.6, 0.61, 11.7)
    tx = frac * T if x > 0 else 0.0
    lo, hi = sorted((d1, d2))
    a, b = kp.dert(lo, *p, x, tx, T), kp.dert(hi, *p, x, tx, T)
    assert np.isfinite(a) and np.isfinite(b) and b <= a * (1 + 1e-12)


@pytest.mark.parametrize("rate", [-1.0, -2.0, np.nan, np.inf])
def test_bad_discount_rates(cdnow_summary, fits, rate):
    with pytest.raises(DataError, match="discount_rate"):
        fits["pnbd"].dert(cdnow_summary, discount_rate=rate)
    with pytest.raises(DataError, match="discount_rate"):
        clv(fits["pnbd"], fits["gg"], cdnow_summary, monthly_discount_rate=rate)


def test_infinite_horizon_needs_positive_rate(cdnow_summary, fits):
    with pytest.raises(DataError, match="infinite horizon"):
        fits["pnbd"].dert(cdnow_summary, discount_rate=0.0)


@pytest.mark.parametrize("name", ["bg", "mbg", "pnbd"])
def test_clv_works_for_every_continuous_model(cdnow_summary, fits, name):
    res, gg = fits[name], fits["gg"]
    d = cdnow_summary
    value = clv(res, gg, d, months=12, monthly_discount_rate=0.01, freq="W")
    # independent recomputation: monthly increments of the conditional expectation
    times = 4.345 * np.arange(1, 13)
    cum = res.expected_purchases(d, horizon=times).to_numpy()
    inc = np.diff(cum, axis=1, prepend=0.0)
    manual = (inc / 1.01 ** np.arange(1, 13)).sum(axis=1) * gg.expected_spend(d).to_numpy()
    np.testing.assert_allclose(value.to_numpy(), manual, rtol=1e-12)
    assert value.index.equals(d.index)


def test_clv_for_bgbb_counts_opportunities(bgbb):
    d, res = bgbb
    spend = pd.DataFrame({"frequency": d["frequency"], "monetary_value": 50.0})
    # evenly spread spends carry no spend-scale heterogeneity: the fit is the homogeneous limit
    with pytest.warns(HeterogeneityWarning, match=r"identify only its mean q/gamma = "):
        gg = GammaGamma().fit(spend.assign(monetary_value=np.linspace(20, 80, len(d))), weights=d["weights"])
    data = d.assign(monetary_value=40.0)
    value = clv(res, gg, data, months=5, monthly_discount_rate=0.1)
    cum = res.expected_purchases(data, horizon=np.arange(1, 6)).to_numpy()
    manual = (np.diff(cum, axis=1, prepend=0.0) / 1.1 ** np.arange(1, 6)).sum(axis=1) * gg.expected_spend(data).to_numpy()
    np.testing.assert_allclose(value.to_numpy(), manual, rtol=1e-12)
    # the 5-opportunity value equals the finite-horizon DERT times spend
    np.testing.assert_allclose(value.to_numpy(),
                               res.dert(data, discount_rate=0.1, horizon=5).to_numpy() * gg.expected_spend(data).to_numpy(),
                               rtol=1e-12)


def test_customer_equity_adds_up(cdnow_summary, fits):
    res, gg = fits["pnbd"], fits["gg"]
    npv = customer_npv(res, gg, cdnow_summary, discount_rate=WEEKLY, margin=0.3)
    ce = customer_equity(res, gg, cdnow_summary, discount_rate=WEEKLY, margin=0.3, acquisitions=[50] * 10)
    assert ce["existing"] == pytest.approx(npv.sum(), rel=1e-12)
    det = res.dert_new_customer(discount_rate=WEEKLY)
    # E[X(t)] closed form (FH05 eq. 17) integrated against e^{-δt} by scipy as an independent check
    from scipy import integrate
    delta = np.log1p(WEEKLY)
    r, a, s, b = res.params.to_numpy()
    dens = lambda t: r / a * (b / (b + t)) ** s * np.exp(-delta * t)
    assert det == pytest.approx(integrate.quad(dens, 0, np.inf, limit=200)[0], rel=1e-7)
    per = 0.3 * gg.population_mean_spend * (1 + det)
    assert ce["new"] == pytest.approx(50 * per * sum(1.0 / (1 + WEEKLY) ** k for k in range(1, 11)), rel=1e-12)
    assert ce["total"] == pytest.approx(ce["existing"] + ce["new"])


def test_customer_value_table(cdnow_summary, fits):
    res, gg = fits["pnbd"], fits["gg"]
    d = cdnow_summary
    t = customer_value_table(res, gg, d, discount_rate=WEEKLY)
    assert t.index.equals(d.index)
    np.testing.assert_allclose(t["sales_contribution"], d["frequency"] * d["monetary_value"])
    np.testing.assert_allclose(t["npv"], customer_npv(res, gg, d, discount_rate=WEEKLY))
    # lifetime elasticity by an independent route: the kernel's closed form with β scaled by 1 ± h
    p = res.params.to_numpy()
    x, tx, T = (d[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    h = 1e-4
    up = kp.dert(np.log1p(WEEKLY), p[0], p[1], p[2], p[3] * (1 + h), x, tx, T)
    dn = kp.dert(np.log1p(WEEKLY), p[0], p[1], p[2], p[3] * (1 - h), x, tx, T)
    np.testing.assert_allclose(t["lifetime_elasticity"], (np.log(up) - np.log(dn)) / (np.log1p(h) - np.log1p(-h)),
                               rtol=1e-4, atol=1e-6)
    assert (t["lifetime_elasticity"] > 0).all()
    assert t["share_of_npv"].sum() == pytest.approx(1.0)


def test_infinite_horizon_quadrature_equals_tricomi(cdnow_summary, fits):
    from custvalue.math import dert as kd

    p = fits["pnbd"].params.to_numpy()
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    delta = np.log1p(WEEKLY)
    cum = lambda t: kp.conditional_expected_purchases(t[None, :], *p, x[:, None], tx[:, None], T[:, None])
    np.testing.assert_allclose(kd.continuous_dert(cum, delta), kp.dert(delta, *p, x, tx, T), rtol=1e-10)
