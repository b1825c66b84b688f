"""The compiled univariate probit (custvalue.math.probit) against scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from custvalue.math.probit import probit_loglike, probit_newton, probit_sums


def test_log_phi_and_mills_ratio_match_scipy_in_both_tails():
    z = np.concatenate([np.linspace(-37.0, 8.0, 20001), [-1e3, -1e5, -1e-12, 0.0, 1e-12]])
    ll, d = probit_loglike(z, np.ones_like(z))
    want = special.log_ndtr(z)
    low = z <= 7.0  # above, scipy's log_ndtr is off by up to 1e-13 (checked against mpmath below)
    np.testing.assert_allclose(ll[low], want[low], rtol=1e-14, atol=0)
    import mpmath

    for zi in (-30.0, -8.5, -1.0, 0.3, 7.9, 12.0):  # against 100 digits: 1e-15
        with mpmath.workdps(100):
            exact = float(mpmath.log(mpmath.ncdf(mpmath.mpf(zi))))
        assert probit_loglike(np.array([zi]), np.array([1.0]))[0][0] == pytest.approx(exact, rel=1e-15)
    mid = np.abs(z) <= 10  # phi / Phi in log space from scipy: z^2 rounding grows with |z|
    mills = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - want)
    np.testing.assert_allclose(d[mid], mills[mid], rtol=1e-13)
    for zi in (-1e5, -1e3, -37.0, -9.0, 2.0, 8.0):  # the tails against 100 digits
        with mpmath.workdps(100):
            zm = mpmath.mpf(zi)
            exact = float(mpmath.npdf(zm) / mpmath.ncdf(zm))
        assert probit_loglike(np.array([zi]), np.array([1.0]))[1][0] == pytest.approx(exact, rel=1e-14)
    # y = 0 is the mirror image: log Phi(-mu), derivative -phi/Phi(-mu)
    ll0, d0 = probit_loglike(-z, np.zeros_like(z))
    np.testing.assert_array_equal(ll0, ll)
    np.testing.assert_array_equal(d0, -d)
    # the upper tail, where log Phi is a tiny negative number (scipy is off by 1e-13 there)
    for zi in np.linspace(8.0, 37.0, 30):
        with mpmath.workdps(400):
            exact = float(mpmath.log(mpmath.ncdf(mpmath.mpf(zi))))
        assert probit_loglike(np.array([zi]), np.array([1.0]))[0][0] == pytest.approx(exact, rel=2e-15)


def _data(n, k, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, k - 1))])
    beta = rng.normal(scale=0.7, size=k)
    y = (X @ beta + rng.standard_normal(n) > 0).astype(float)
    return X, y


@settings(max_examples=20, deadline=None)
@given(st.integers(50, 3000), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_newton_equals_statsmodels_probit(n, k, seed):
    X, y = _data(n, k, seed)
    sm_res = sm.Probit(y, X).fit(disp=0, method="newton", maxiter=200, tol=1e-12)
    beta, llf, H, _, ok = probit_newton(X, y)
    assert ok
    np.testing.assert_allclose(beta, sm_res.params, rtol=1e-7, atol=1e-8)
    assert llf == pytest.approx(sm_res.llf, rel=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(-H))), sm_res.bse, rtol=1e-6)


def test_sums_gradient_and_hessian_equal_differences_and_weights_equal_repeated_rows():
    X, y = _data(500, 4, 3)
    beta = np.array([0.3, -0.5, 0.8, 0.1])
    ll, g, H = probit_sums(X, y, beta)
    num_g, num_H = np.empty(4), np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        lp, gp, _ = probit_sums(X, y, beta + e)
        lm, gm, _ = probit_sums(X, y, beta - e)
        num_g[j] = (lp - lm) / 2e-6
        num_H[:, j] = (gp - gm) / 2e-6
    np.testing.assert_allclose(g, num_g, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, num_H, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(H, H.T)
    # integer weights are the same as repeating rows
    w = np.random.default_rng(0).integers(1, 4, y.size).astype(float)
    rep = np.repeat(np.arange(y.size), w.astype(int))
    lw, gw, Hw = probit_sums(X, y, beta, w)
    lr, gr, Hr = probit_sums(X[rep], y[rep], beta)
    assert lw == pytest.approx(lr, rel=1e-12)
    np.testing.assert_allclose(gw, gr, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(Hw, Hr, rtol=1e-10)


def test_separation_is_reported_not_returned():
    x = np.linspace(-1, 1, 40)
    X = np.column_stack([np.ones(40), x])
    y = (x > 0).astype(float)  # x predicts y perfectly: the slope runs off to infinity
    try:
        _, _, _, _, ok = probit_newton(X, y)
    except np.linalg.LinAlgError:
        ok = False
    assert not ok
