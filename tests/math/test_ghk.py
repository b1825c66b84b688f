"""The GHK kernel, the exact bivariate normal CDF, Halton draws and the correlation
parameterisation, each against an independent reference (closed forms, scipy)."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import special, stats

from custvalue.math import ghk


def _draws(n, R, d, seed=0):
    return ghk.halton_draws(ghk.customer_keys(np.arange(n), seed), R, d, seed=seed)


def _prob(mu, y, corr, R=4000):
    u = _draws(mu.shape[0], R, mu.shape[1] - 1)
    ll, _, _ = ghk.ghk_loglike(mu, y, np.linalg.cholesky(corr), u, gradient=False)
    return np.exp(ll)


@pytest.mark.parametrize("rho", [-0.8, -0.3, 0.0, 0.45, 0.9])
def test_bivariate_orthant_closed_form(rho):
    # P(e1 > 0, e2 > 0) = 1/4 + asin(rho) / (2 pi)  (Sheppard 1899)
    corr = np.array([[1.0, rho], [rho, 1.0]])
    exact = 0.25 + np.arcsin(rho) / (2 * np.pi)
    assert _prob(np.zeros((1, 2)), np.ones((1, 2)), corr)[0] == pytest.approx(exact, abs=2e-4)
    assert ghk.bvn_cdf(0.0, 0.0, rho) == pytest.approx(exact, abs=1e-14)


@pytest.mark.parametrize("r12,r13,r23", [(0.3, 0.5, -0.2), (0.7, 0.6, 0.5), (-0.4, 0.2, 0.1)])
def test_trivariate_orthant_closed_form(r12, r13, r23):
    corr = np.array([[1, r12, r13], [r12, 1, r23], [r13, r23, 1.0]])
    exact = 1 / 8 + (np.arcsin(r12) + np.arcsin(r13) + np.arcsin(r23)) / (4 * np.pi)
    assert _prob(np.zeros((1, 3)), np.ones((1, 3)), corr)[0] == pytest.approx(exact, abs=3e-4)


def _random_corr(rng, J):
    A = rng.normal(size=(J, 3 * J))
    S = A @ A.T
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


@pytest.mark.parametrize("J", [3, 4, 5])
def test_ghk_matches_scipy_multivariate_normal_cdf(J):
    rng = np.random.default_rng(J)
    n = 6
    mu = rng.normal(scale=0.8, size=(n, J))
    y = (rng.random((n, J)) < 0.5).astype(float)
    corr = _random_corr(rng, J)
    ours = _prob(mu, y, corr, R=5000)
    q = 2 * y - 1
    ref = np.array([stats.multivariate_normal.cdf(q[i] * mu[i], mean=np.zeros(J), cov=corr * np.outer(q[i], q[i]),
                                                  abseps=1e-7, releps=1e-7) for i in range(n)])
    np.testing.assert_allclose(ours, ref, rtol=3e-3, atol=3e-4)


def test_bvn_cdf_matches_scipy():
    rng = np.random.default_rng(0)
    h, k = rng.normal(scale=2, size=(2, 60))
    r = np.concatenate([rng.uniform(-0.999, 0.999, 50), [0.93, -0.93, 0.99, -0.99, 0.9999, -0.9999, 0.0, 0.5, -0.5, 0.92]])
    ours = ghk.bvn_cdf(h, k, r)
    ref = np.array([stats.multivariate_normal.cdf([hi, ki], mean=[0, 0], cov=[[1, ri], [ri, 1]], abseps=1e-12,
                                                  releps=1e-12) for hi, ki, ri in zip(h, k, r)])
    np.testing.assert_allclose(ours, ref, atol=1e-9)


def test_bvprobit_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(20, 2))
    y = (rng.random((20, 2)) < 0.5).astype(float)
    rho, eps = 0.35, 1e-6
    _, dmu, drho = ghk.bvprobit_loglike(mu, y, rho)
    num_rho = (ghk.bvprobit_loglike(mu, y, rho + eps)[0] - ghk.bvprobit_loglike(mu, y, rho - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(drho, num_rho, rtol=1e-6, atol=1e-8)
    for j in range(2):
        e = np.zeros(2)
        e[j] = eps
        num = (ghk.bvprobit_loglike(mu + e, y, rho)[0] - ghk.bvprobit_loglike(mu - e, y, rho)[0]) / (2 * eps)
        np.testing.assert_allclose(dmu[:, j], num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("J", [2, 3, 5])
def test_ghk_gradient_equals_finite_differences(J):
    rng = np.random.default_rng(10 + J)
    n, R = 30, 25
    mu = rng.normal(size=(n, J))
    y = (rng.random((n, J)) < 0.5).astype(float)
    gamma = rng.normal(scale=0.6, size=J * (J - 1) // 2)
    u = _draws(n, R, J - 1)

    def ll(mu_, g_):
        return ghk.ghk_loglike(mu_, y, ghk.cpc_cholesky(g_, J)[0], u, gradient=False)[0]

    L, dL = ghk.cpc_cholesky(gamma, J)
    _, dmu, dLc = ghk.ghk_loglike(mu, y, L, u)
    dg = np.einsum("njk,mjk->nm", dLc, dL)
    eps = 1e-6
    for j in range(J):
        e = np.zeros(J)
        e[j] = eps
        np.testing.assert_allclose(dmu[:, j], (ll(mu + e, gamma) - ll(mu - e, gamma)) / (2 * eps), atol=1e-7)
    for m in range(gamma.size):
        e = np.zeros(gamma.size)
        e[m] = eps
        np.testing.assert_allclose(dg[:, m], (ll(mu, gamma + e) - ll(mu, gamma - e)) / (2 * eps), atol=1e-7)


def test_ghk_with_one_product_is_the_exact_probit():
    mu = np.linspace(-3, 3, 13)[:, None]
    y = (np.arange(13) % 2).astype(float)[:, None]
    ll, dmu, _ = ghk.ghk_loglike(mu, y, np.eye(1), None)
    q = 2 * y - 1
    np.testing.assert_allclose(ll, stats.norm.logcdf(q * mu)[:, 0], rtol=1e-12)
    np.testing.assert_allclose(dmu[:, 0], (q * stats.norm.pdf(mu) / stats.norm.cdf(q * mu))[:, 0], rtol=1e-10)


def test_halton_draws_are_keyed_by_customer_not_row():
    labels = np.array(["a", "b", "c", "d", "e"])
    perm = np.array([3, 0, 4, 1, 2])
    u = ghk.halton_draws(ghk.customer_keys(labels, 7), 50, 3, seed=7)
    v = ghk.halton_draws(ghk.customer_keys(labels[perm], 7), 50, 3, seed=7)
    np.testing.assert_array_equal(u[perm], v)
    w = ghk.halton_draws(ghk.customer_keys(labels, 8), 50, 3, seed=8)
    assert not np.allclose(u, w)
    assert ((u > 0) & (u < 1)).all()


def test_halton_draws_are_uniform():
    u = _draws(200, 200, 4)
    # each dimension is close to U(0, 1): mean 1/2, variance 1/12, KS distance small
    np.testing.assert_allclose(u.mean(axis=(0, 1)), 0.5, atol=3e-3)
    np.testing.assert_allclose(u.var(axis=(0, 1)), 1 / 12, atol=2e-3)
    for d in range(4):
        assert stats.kstest(u[:, :, d].ravel(), "uniform").statistic < 0.01


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6).flatmap(lambda J: st.lists(st.floats(-4, 4), min_size=J * (J - 1) // 2,
                                                     max_size=J * (J - 1) // 2).map(lambda g: (J, g))))
def test_cpc_gives_positive_definite_correlations(args):
    J, g = args
    L, dL = ghk.cpc_cholesky(np.array(g, dtype=float), J)
    corr = L @ L.T
    np.testing.assert_allclose(np.diag(corr), 1.0, atol=1e-12)
    assert np.all(np.diag(L) > 0)
    assert np.linalg.eigvalsh(corr).min() > 0
    # Jacobian against central differences
    eps = 1e-6
    for m in range(len(g)):
        e = np.zeros(len(g))
        e[m] = eps
        num = (ghk.cpc_cholesky(np.array(g) + e, J)[0] - ghk.cpc_cholesky(np.array(g) - e, J)[0]) / (2 * eps)
        np.testing.assert_allclose(dL[m], num, atol=1e-7)


def test_cpc_bivariate_is_atanh_rho():
    L, _ = ghk.cpc_cholesky(np.array([np.arctanh(-0.6)]), 2)
    assert (L @ L.T)[0, 1] == pytest.approx(-0.6, abs=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.integers(1, 20), st.floats(-3, 3))
def test_ghk_probabilities_lie_in_unit_interval(J, n, shift):
    rng = np.random.default_rng(n + J)
    mu = rng.normal(size=(n, J)) + shift
    y = (rng.random((n, J)) < 0.5).astype(float)
    L = np.linalg.cholesky(_random_corr(rng, J))
    ll, _, _ = ghk.ghk_loglike(mu, y, L, _draws(n, 10, J - 1), gradient=False)
    p = np.exp(ll)
    assert ll.shape == (n,)
    assert np.all((p > 0) & (p <= 1))


def test_summed_chol_gradient_equals_the_sum_of_the_rows():
    rng = np.random.default_rng(3)
    n, J = 300, 4  # several parallel chunks
    mu = rng.normal(size=(n, J))
    y = (rng.random((n, J)) < 0.5).astype(float)
    L = np.linalg.cholesky(_random_corr(rng, J))
    u = _draws(n, 20, J - 1)
    ll, dmu, dL = ghk.ghk_loglike(mu, y, L, u)
    ll_s, dmu_s, dL_s = ghk.ghk_loglike(mu, y, L, u, sum_chol=True)
    np.testing.assert_array_equal(ll_s, ll)
    np.testing.assert_array_equal(dmu_s, dmu)
    assert dL_s.shape == (J, J)
    np.testing.assert_allclose(dL_s, dL.sum(axis=0), rtol=1e-12, atol=1e-12)
    ll_only, none_mu, none_L = ghk.ghk_loglike(mu, y, L, u, gradient=False)
    np.testing.assert_array_equal(ll_only, ll)
    assert none_mu is None and none_L is None


def test_draws_whose_probability_underflows_drop_out():
    # Phi(c) underflows to 0 for c < -38.5 on some draws but not on others: the simulated
    # probability and its gradient come from the remaining draws (finite, no nan)
    corr = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    L = np.linalg.cholesky(corr)
    mu = np.array([[0.0, -17.3, 0.0], [0.0, 0.0, 0.0]])  # c_2 = (-17.3 + 0.9 eta_1) / 0.436
    y = np.ones((2, 3))
    u = _draws(2, 50, 2)
    c2 = (-17.3 - 0.9 * stats.norm.ppf(u[0, :, 0] * 0.5)) / L[1, 1]
    assert (c2 < -39.0).any() and (c2 > -37.0).any()
    ll, dmu, dL = ghk.ghk_loglike(mu, y, L, u)
    assert np.isfinite(ll).all() and np.isfinite(dmu).all() and np.isfinite(dL).all()
    assert ll[0] < -300
    # a pattern with probability 0 in double precision gives -inf (and no gradient)
    ll, dmu, _ = ghk.ghk_loglike(np.array([[-40.0, 0.0, 0.0]]), np.ones((1, 3)), L, _draws(1, 50, 2))
    assert ll[0] == -np.inf and np.isnan(dmu).all()


@njit(error_model="numpy")
def _apply_scalar(which, x):
    out = np.empty_like(x)
    out2 = np.empty_like(x)
    for i in range(x.size):
        if which == 0:
            out[i] = ghk._exp(x[i])
        elif which == 1:
            out[i] = ghk._log(x[i])
        elif which == 2:
            out[i] = ghk._ndtri(x[i])
        else:
            out[i], out2[i] = ghk._ndtr_mills(x[i])
    return out, out2


def _ulps(a, b):
    return np.abs(a - b) / np.spacing(np.abs(b))


def test_kernel_special_functions_against_numpy_and_scipy():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-745.0, 709.7, 100_001), rng.uniform(-40, 5, 100_000)])
    got = _apply_scalar(0, x)[0]
    ref = np.exp(x)
    normal = ref > 2.2250738585072014e-308
    assert _ulps(got[normal], ref[normal]).max() <= 4
    np.testing.assert_allclose(got[~normal], ref[~normal], rtol=1e-6, atol=1e-322)  # subnormal
    np.testing.assert_array_equal(_apply_scalar(0, np.array([np.nan, np.inf, -np.inf, 710.0, -800.0, 0.0]))[0],
                                  [np.nan, np.inf, 0.0, np.inf, 0.0, 1.0])

    x = np.concatenate([np.geomspace(5e-324, 1e300, 100_001), rng.uniform(0, 2, 100_000)])
    assert _ulps(_apply_scalar(1, x)[0], np.log(x)).max() <= 2
    np.testing.assert_array_equal(_apply_scalar(1, np.array([0.0, np.nan, np.inf, -1.0, 1.0]))[0],
                                  [-np.inf, np.nan, np.inf, np.nan, 0.0])

    p = np.concatenate([np.geomspace(1e-300, 0.5, 100_001), 1 - np.geomspace(1e-16, 0.5, 10_001),
                        rng.uniform(0, 1, 100_000)])
    z = _apply_scalar(2, p)[0]
    np.testing.assert_allclose(z, special.ndtri(p), rtol=4e-15, atol=0)
    assert _apply_scalar(2, np.array([0.5]))[0][0] == 0.0

    # Phi and the Mills ratio against mpmath (scipy's ndtr loses ~1e-13 in the far tail)
    c = np.concatenate([np.linspace(-37.0, 9.0, 1_501), rng.normal(scale=3, size=500)])
    P, mills = _apply_scalar(3, c)
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.ncdf(v)) for v in c])
        ref_mills = np.array([float(mpmath.npdf(v) / mpmath.ncdf(v)) for v in c])
    np.testing.assert_allclose(P, ref, rtol=2e-15, atol=0)
    np.testing.assert_allclose(mills, ref_mills, rtol=2e-15, atol=0)
