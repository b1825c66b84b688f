"""Hypothesis properties of the BG/NBD and Gamma-Gamma models and of the base machinery."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from custvalue.clv import BetaGeo, GammaGamma, clv
from custvalue.math import betageo as bgk

params = st.tuples(st.floats(0.05, 5), st.floats(0.1, 50), st.floats(0.05, 5), st.floats(0.05, 10))


@st.composite
def customers(draw, n_max=30):
    n = draw(st.integers(1, n_max))
    T = np.array(draw(st.lists(st.floats(0.5, 100), min_size=n, max_size=n)))
    x = np.array(draw(st.lists(st.integers(0, 300), min_size=n, max_size=n)), dtype=float)
    u = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    tx = np.where(x > 0, u * T, 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


@settings(max_examples=60, deadline=None)
@given(params, customers())
def test_p_alive_is_a_probability_and_finite_for_heavy_buyers(theta, d):
    p = bgk.p_alive(*theta, d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy())
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    ll = bgk.loglike(*theta, d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy())
    assert np.all(np.isfinite(ll))  # log space: no overflow for x up to 300


@settings(max_examples=40, deadline=None)
@given(params, customers(), st.randoms(use_true_random=False))
def test_compressed_equals_raw_and_row_order_is_irrelevant(theta, d, rnd):
    dup = pd.concat([d, d.iloc[: max(1, len(d) // 2)]], ignore_index=True)
    raw = BetaGeo(dup)
    ll_raw = bgk.loglike(*theta, *(dup[c].to_numpy() for c in ("frequency", "recency", "T"))).sum()
    assert raw.loglike(theta) == pytest.approx(ll_raw, rel=1e-10, abs=1e-8)
    perm = list(range(len(dup)))
    rnd.shuffle(perm)
    assert BetaGeo(dup.iloc[perm]).loglike(theta) == pytest.approx(ll_raw, rel=1e-10, abs=1e-8)
    # explicit weights on unique rows give the same likelihood
    counts = dup.value_counts().reset_index(name="w")
    w = BetaGeo(counts[["frequency", "recency", "T"]], weights=counts["w"])
    assert w.loglike(theta) == pytest.approx(ll_raw, rel=1e-10, abs=1e-8)


@settings(max_examples=40, deadline=None)
@given(params, customers(n_max=10), st.floats(0.1, 60))
def test_scalar_equals_vector_and_expected_purchases_monotone(theta, d, h):
    from custvalue.clv.betageo import BetaGeoResults

    model = BetaGeo(d)
    res = BetaGeoResults(model, np.array(theta), np.eye(4), 0.0, converged=True, message="", n_iter=0)
    vec = res.expected_purchases(d, horizon=h)
    one = res.expected_purchases(d.iloc[[0]], horizon=h)
    assert vec.iloc[0] == pytest.approx(one.iloc[0], rel=1e-12)
    longer = res.expected_purchases(d, horizon=h * 1.5)
    assert np.all(longer.to_numpy() >= vec.to_numpy() - 1e-12)
    assert np.all(vec.to_numpy() >= 0)


def test_results_are_frozen_and_pickle(cdnow_summary):
    res = BetaGeo().fit(cdnow_summary)
    with pytest.raises(AttributeError):
        res.llf = 0.0
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_series_equal(back.p_alive(cdnow_summary), res.p_alive(cdnow_summary))
    assert back.bse.equals(res.bse)


def test_fit_does_not_mutate_and_is_idempotent(cdnow_summary):
    model = BetaGeo()
    a = model.fit(cdnow_summary)
    b = model.fit(cdnow_summary)
    assert not model._bound
    pd.testing.assert_series_equal(a.params, b.params)


def test_summary_text_html_and_conf_int(cdnow_summary):
    res = GammaGamma().fit(cdnow_summary)
    text = str(res.summary())
    assert "GammaGamma" in text and "gamma" in text and "Log-likelihood" in text
    assert "<table" in res.summary()._repr_html_()
    ci90, ci99 = res.conf_int(0.90), res.conf_int(level=0.99)
    assert np.all(ci99["lower"] < ci90["lower"]) and np.all(ci99["upper"] > ci90["upper"])
    assert np.all((ci90["lower"] < res.params) & (res.params < ci90["upper"]))
    assert res.aic == pytest.approx(-2 * res.llf + 6)
    assert res.bic == pytest.approx(-2 * res.llf + 3 * np.log(946))


def test_standard_error_types_agree_on_well_specified_data():
    from custvalue.simulate import simulate_betageo

    base = simulate_betageo(20_000, r=0.5, alpha=6.0, a=1.2, b=3.0, T=52.0, seed=11)
    h = BetaGeo().fit(base)
    o = BetaGeo().fit(base, cov_type="opg")
    r = BetaGeo().fit(base, cov_type="robust")
    np.testing.assert_allclose(o.bse, h.bse, rtol=0.15)
    np.testing.assert_allclose(r.bse, h.bse, rtol=0.15)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 5), st.floats(0.05, 5), st.floats(0.05, 10), st.integers(0, 300),
       st.floats(0.0, 200.0), st.lists(st.floats(0.0, 150.0), min_size=1, max_size=6))
def test_dropout_mean_matches_published_formula_in_mpmath(r, a, b, x, T, ts):
    """FHL eq. (10) without P(alive), c/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; c; z)],
    evaluated as published at 40 digits, against the transformed series of the kernel."""
    import mpmath

    from custvalue.math.special import geometric_dropout_mean

    alpha = 4.0
    c = a + b + x - 1
    assume(abs(a - 1) > 1e-6 and abs(c) > 1e-6)
    got = geometric_dropout_mean(np.array([ts]), [alpha + T], a, a + b - 1 - r, [c], [c])[0]
    with mpmath.workdps(40):  # parameters combined exactly: near a = 1 the formula divides
        for g, t in zip(got, ts):  # by a - 1, and float rounding of c - b - x would dominate
            A, Tm, tm = mpmath.mpf(alpha), mpmath.mpf(T), mpmath.mpf(t)
            am, bm, rm = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(r)
            cm = am + bm + x - 1
            want = cm / (am - 1) * (1 - ((A + Tm) / (A + Tm + tm)) ** (rm + x)
                                    * mpmath.hyp2f1(rm + x, bm + x, cm, tm / (A + Tm + tm)))
            assert g == pytest.approx(float(want), rel=1e-10, abs=1e-13)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 3), st.floats(0.05, 3), st.floats(0.2, 8), st.integers(0, 40),
       st.floats(1.0, 100.0), st.floats(0.5, 60.0))
def test_dropout_mean_series_equals_beta_quadrature(r, a, b, x, T, t):
    """Two representations of the same expectation: the hypergeometric series and Gauss
    quadrature over the Beta-distributed dropout probability (u = t/(α+T) <= 15)."""
    from custvalue.math.special import _dropout_mean_quadrature, geometric_dropout_mean

    base, c = 4.0 + T, a + b + x - 1
    series = geometric_dropout_mean([[t]], [base], a, a + b - 1 - r, [c], [c])[0, 0]
    quad = _dropout_mean_quadrature(np.array([t]), np.array([base]), a, a + b - 1 - r,
                                    np.array([c]), np.array([c]), s=np.array([r + x]),
                                    beta=np.array([b + x]))[0]
    assert series == pytest.approx(quad, rel=1e-8)


def test_dropout_mean_is_continuous_through_the_removable_singularities():
    from custvalue.math.special import geometric_dropout_mean

    r, b, x, t, base = 0.5, 2.0, 3.0, 39.0, 40.0
    for eps in (1e-12, 1e-9, 1e-6):  # a = 1 (the 0/0 of eq. 10)
        vals = [geometric_dropout_mean([[t]], [base], a, a + b - 1 - r, [a + b + x - 1],
                                       [a + b + x - 1])[0, 0] for a in (1 - eps, 1.0, 1 + eps)]
        assert np.all(np.isfinite(vals)) and np.ptp(vals) < 10 * eps * abs(vals[1]) + 1e-13
    a, b = 0.4, 0.6  # c = a + b + x - 1 = 0 at x = 0 (eq. 7's other 0/0)
    vals = [geometric_dropout_mean([[t]], [base], a, a + bb - 1 - r, [a + bb - 1], [a + bb - 1])[0, 0]
            for bb in (b - 1e-9, b, b + 1e-9)]
    assert np.all(np.isfinite(vals)) and np.ptp(vals) < 1e-7 * abs(vals[1])


def test_dropout_mean_degenerate_fit_uses_quadrature_not_garbage():
    """A fit on 30 identical customers drives r, alpha to ~1e7: the Euler series alternates
    with terms of size 1e20, so those rows go to quadrature; the answer is then the
    near-deterministic limit (1 - exp(-λ p t)) / p with λ = r/α, p = a/(a+b+x)."""
    from custvalue.math.special import geometric_dropout_mean

    r, alpha, a, b, x, T, t = 2.6e7, 2.65e7, 2.9e6, 3.0e6, 2.0, 89.0, 30.0
    c = a + b + x - 1
    got = geometric_dropout_mean([[t]], [alpha + T], a, a + b - 1 - r, [c], [c])[0, 0]
    lam, p = (r + x) / (alpha + T), a / (a + b + x)
    assert got == pytest.approx((1 - np.exp(-lam * p * t)) / p, rel=1e-5)


@settings(max_examples=40, deadline=None)
@given(params, customers())
def test_analytic_hessian_equals_differences_of_the_analytic_gradient(theta, d):
    from custvalue.base.model import numerical_jacobian
    from custvalue.clv import ModifiedBetaGeo

    for model in (BetaGeo(d), ModifiedBetaGeo(d)):
        p = np.array(theta)
        ll, g, h = model.loglike_score_hessian(p)
        ll2, g2 = model.loglike_and_score(p)
        assert ll == pytest.approx(ll2, rel=1e-12) and np.allclose(g, g2, rtol=1e-12, atol=1e-12)
        # the per-row numpy-free path (loglike_obs / score_obs) agrees with the fused sums
        assert ll == pytest.approx(model.loglike(p), rel=1e-10)
        hn = numerical_jacobian(lambda q: model.loglike_and_score(q)[1], p, rel_step=1e-5)
        scale = np.sqrt(np.outer(np.abs(np.diag(hn)), np.abs(np.diag(hn))))
        noise = 1e-7 * (np.abs(hn).max() + np.abs(g).max() + 1.0)  # differencing error
        assert np.all(np.abs(h - hn) <= 1e-4 * scale + 1e-6 * np.abs(hn) + noise)


def test_newton_and_bfgs_reach_the_same_optimum(cdnow_summary):
    """The trust-region Newton fit (analytic Hessian) against the base class's BFGS path
    with the numerical Hessian, on the same model."""
    newton = BetaGeo().fit(cdnow_summary)

    class BetaGeoBFGS(BetaGeo):
        analytic_hessian = False

    bfgs = BetaGeoBFGS().fit(cdnow_summary)
    np.testing.assert_allclose(newton.params, bfgs.params, rtol=2e-5)
    np.testing.assert_allclose(newton.bse, bfgs.bse, rtol=1e-4)
    assert newton.llf == pytest.approx(bfgs.llf, abs=1e-6)
    assert newton.n_iter < bfgs.n_iter


def test_continuous_rows_skip_compression_and_fit_like_compressed_rows():
    from custvalue._validation import worth_compressing
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(4)
    base = simulate_betageo(200_000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=rng.uniform(26, 78, 200_000), seed=rng)
    cols = [base[c].to_numpy() for c in ("frequency", "recency", "T")]
    assert not worth_compressing(cols)
    weekly = [np.round(c) for c in cols]
    assert worth_compressing(weekly)
    raw = BetaGeo(base)
    assert raw.n_unique == len(base)
    # a few repeated rows stay uncompressed; compressing them by hand gives the same likelihood
    from custvalue._validation import compress_rows

    dup = pd.concat([base, base.iloc[:500]], ignore_index=True)
    uniq, counts, _ = compress_rows([dup[c].to_numpy() for c in ("frequency", "recency", "T")])
    by_hand = BetaGeo(frequency=uniq[0], recency=uniq[1], T=uniq[2], weights=counts)
    assert BetaGeo(dup).n_unique == len(dup) and by_hand.n_unique == len(base)
    theta = [0.25, 4.0, 0.8, 2.5]
    assert BetaGeo(dup).loglike(theta) == pytest.approx(by_hand.loglike(theta), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(params, customers(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_horizon_weighted_sum_equals_the_grid_times_the_weights(theta, d, w):
    """The CLV path (discount weights applied inside the kernel, no grid) against the grid."""
    t = 4.345 * np.arange(1, len(w) + 1, dtype=float)[None, :]
    args = (*theta, *(d[c].to_numpy()[:, None] for c in ("frequency", "recency", "T")))
    grid = bgk.conditional_expected_purchases(t, *args)
    summed = bgk.conditional_expected_purchases(t, *args, horizon_weights=np.array(w))
    np.testing.assert_allclose(summed, grid @ np.array(w), rtol=1e-12, atol=1e-300)


def test_clv_with_one_discount_rate_equals_the_per_customer_path(cdnow_summary):
    from custvalue.clv import ModifiedBetaGeo, ParetoNBD

    gg = GammaGamma().fit(cdnow_summary)
    rates = np.full(len(cdnow_summary), 0.01)
    for model in (BetaGeo, ModifiedBetaGeo, ParetoNBD):  # fused kernel (first two), grid (last)
        res = model().fit(cdnow_summary)
        fused = clv(res, gg, cdnow_summary, months=12, monthly_discount_rate=0.01)
        per_customer = clv(res, gg, cdnow_summary, months=12, monthly_discount_rate=rates)
        np.testing.assert_allclose(fused, per_customer, rtol=1e-12)
        assert fused.index.equals(per_customer.index)
