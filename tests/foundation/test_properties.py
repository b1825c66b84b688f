"""Hypothesis properties of the BG/NBD and Gamma-Gamma models and of the base machinery."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from custvalue.clv import BetaGeo, GammaGamma
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
       st.lists(st.floats(0.0, 0.97), min_size=1, max_size=6))
def test_row_hypergeometric_matches_mpmath(r, a, b, x, zs):
    """The BG/NBD-shaped arguments 2F1(r+x, b+x; a+b+x-1; z) of FHL eq. (10)."""
    import mpmath

    from custvalue.math.special import hyp2f1_rows

    A, B, C = r + x, b + x, a + b + x - 1
    assume(C > 0)
    z = np.array([zs])
    got = hyp2f1_rows([A], [B], [C], z)[0]
    for g, zz in zip(got, zs):
        want = float(mpmath.hyp2f1(A, B, C, zz))
        if np.isfinite(want):
            assert g == pytest.approx(want, rel=1e-9)  # ~2e-11 seen at x=290, z=0.97 (thousands of terms)
        else:
            assert g == np.inf
