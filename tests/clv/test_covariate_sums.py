"""The summing pass of the Pareto/NBD with static covariates
(:func:`custvalue.math.paretonbd.individual_loglike_sums`) and the column sums of the chain
rule (:func:`custvalue.clv._covariates.chain_rule`), issue 18 item 6.

References, independent of the summing code: the per-row scalar Pareto/NBD kernel
(:func:`custvalue.math.paretonbd.loglike`, FH05 eq. 19) at each row's own (α_i, β_i), its
central differences in the coefficients, and the chain rule written out as
``Σ_i w_i J_i' H_i J_i`` with numpy on the per-row derivatives.
"""

from __future__ import annotations

import numpy as np
import pytest

from custvalue.clv import BetaGeo, ParetoNBD
from custvalue.clv._covariates import chain_rule
from custvalue.math import paretonbd as pk
from custvalue.simulate import simulate_paretonbd_covariates

TRI = np.array([[0, 1, 2, 3], [1, 4, 5, 6], [2, 5, 7, 8], [3, 6, 8, 9]])


def _rows(n: int, seed: int, far: bool = False):
    """Rows with per-row scales, some of them (``far``) a hundred times apart (quadrature)."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(2.0, n).astype(float)
    T = rng.uniform(20.0, 40.0, n).round(1)
    t_x = np.where(x > 0, rng.uniform(0.0, 1.0, n) * T, 0.0).round(2)
    X = rng.normal(size=(n, 3))
    la = np.log(10.0) - X[:, :2] @ np.array([0.5, -0.3])
    lb = np.log(12.0) - X[:, 1:] @ np.array([0.4, 0.2])
    if far:
        lb[: n // 10] = np.log(2000.0)
    return la, lb, x, t_x, T, X, rng.uniform(0.5, 3.0, n)


def _explicit(r, s, la, lb, x, t_x, T, X, w, shifts):
    """The sums from per-row derivatives with numpy: J_i' g_i and J_i' H_i J_i written out."""
    ll, g, h, _ = pk.individual_loglike(r, s, la, lb, x, t_x, T, hess=True)
    H = h[:, TRI]  # (n, 4, 4)
    grad_X = np.einsum("i,ij,ij->j", w, X, g[:, shifts])
    cross = np.einsum("i,ij,iaj->aj", w, X, H[:, :, shifts])
    XX = np.einsum("i,ij,il,ijl->jl", w, X, X, H[:, shifts][:, :, shifts])
    return w @ ll, w @ g, np.einsum("i,iab->ab", w, H), grad_X, cross, XX


@pytest.mark.parametrize("far", [False, True])
def test_sums_equal_the_per_row_derivatives_summed(far):
    la, lb, x, t_x, T, X, w = _rows(3_000, 5, far)
    shifts = np.array([1, 1, 3])
    got = pk.individual_loglike_sums(0.6, 0.8, la, lb, x, t_x, T, w, X, shifts, hess=True)
    want = _explicit(0.6, 0.8, la, lb, x, t_x, T, X, w, shifts)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-9)
    no_h = pk.individual_loglike_sums(0.6, 0.8, la, lb, x, t_x, T, None, X, shifts)
    assert no_h[2] is None and no_h[4] is None and no_h[5] is None
    np.testing.assert_allclose(no_h[3], _explicit(0.6, 0.8, la, lb, x, t_x, T, X, np.ones(x.size), shifts)[3],
                               rtol=1e-11)


def test_sums_against_the_scalar_kernel_and_central_differences():
    """The log-likelihood is the scalar kernel summed at each row's (α_i, β_i), and grad_X is
    the derivative of that sum along each design column (shifting log α_i or log β_i)."""
    la, lb, x, t_x, T, X, w = _rows(60, 8)
    r, s = 0.6, 0.8

    def total(la_, lb_):  # the scalar kernel, one row (one α_i, β_i) at a time
        return sum(w[i] * float(pk.loglike(r, np.exp(la_[i]), s, np.exp(lb_[i]), x[i], t_x[i], T[i]))
                   for i in range(x.size))

    shifts = np.array([1, 3, 3])
    ll, _, _, grad_X, _, _ = pk.individual_loglike_sums(r, s, la, lb, x, t_x, T, w, X, shifts)
    assert ll == pytest.approx(total(la, lb), rel=1e-12)
    h = 1e-6
    for j, q in enumerate(shifts):
        d = h * X[:, j]
        up = total(la + d, lb) if q == 1 else total(la, lb + d)
        dn = total(la - d, lb) if q == 1 else total(la, lb - d)
        assert grad_X[j] == pytest.approx((up - dn) / (2 * h), rel=1e-6, abs=1e-6)


def test_chain_rule_column_sums_match_the_written_out_jacobian():
    """clv's chain rule (column sums, then signs and coefficients) against Σ w J' H J in numpy,
    with a coefficient shared by two links (the BG/NBD's a_i and b_i)."""
    rng = np.random.default_rng(2)
    n, K = 500, 4
    g, h, w = rng.normal(size=(n, 4)), rng.normal(size=(n, 10)), rng.uniform(0.5, 2.0, n)
    Xp, Xd = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
    links = [(1, -1.0, Xp, np.array([0, 3])), (2, 1.0, Xd, np.array([1, 2, 3])), (3, 1.0, Xd, np.array([1, 2, 3]))]
    J = np.zeros((n, 4, 4 + K))
    J[:, np.arange(4), np.arange(4)] = 1.0
    for q, sign, Xq, cols in links:
        J[:, q, 4 + cols] += sign * Xq
    H = h[:, TRI]
    want_g = np.einsum("i,iak,ia->k", w, J, g)
    want_H = np.einsum("i,iak,iab,ibl->kl", w, J, H, J)
    got_g, got_H = chain_rule(g, h, w, links, n_coef=K)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_H, want_H, rtol=1e-12, atol=1e-11)


@pytest.fixture(scope="module")
def continuous_base():
    rng = np.random.default_rng(11)
    n = 6_000
    import pandas as pd
    Z = pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float), "score": rng.normal(size=n)})
    T = rng.uniform(27.0, 39.0, n).round(1)
    return simulate_paretonbd_covariates(Z, r=0.55, alpha=10.58, s=0.61, beta=11.67, T=T,
                                         purchase_coefficients={"channel": 0.5, "score": -0.3},
                                         dropout_coefficients={"channel": -0.4, "score": 0.3}, seed=12)


def test_fit_gradient_and_hessian_against_central_differences(continuous_base):
    """The model's gradient and Hessian (through the summing pass) against central differences
    of its log-likelihood and gradient, at a point away from the optimum."""
    cols = ["channel", "score"]
    m = ParetoNBD(continuous_base, purchase_covariates=cols, dropout_covariates=cols)
    p = np.array([0.6, 11.0, 0.7, 14.0, 0.4, -0.2, -0.3, 0.2])
    ll, g, H = m.loglike_score_hessian(p)
    for j in range(p.size):
        e = np.zeros(p.size)
        e[j] = 1e-6 * max(abs(p[j]), 1.0)
        up, dn = m.loglike_and_score(p + e), m.loglike_and_score(p - e)
        assert g[j] == pytest.approx((up[0] - dn[0]) / (2 * e[j]), rel=1e-6, abs=1e-4)
        np.testing.assert_allclose(H[:, j], (up[1] - dn[1]) / (2 * e[j]), rtol=1e-5, atol=1e-3)


def test_bgnbd_covariate_fit_unchanged_by_the_column_sums(continuous_base):
    """BG/NBD goes through the column sums of per-row derivatives: its Hessian still matches
    central differences of its gradient."""
    cols = ["channel", "score"]
    m = BetaGeo(continuous_base, purchase_covariates=cols, dropout_covariates=cols)
    p = np.array([0.3, 5.0, 0.8, 2.5, 0.3, -0.2, 0.1, 0.2])
    _, g, H = m.loglike_score_hessian(p)
    for j in range(p.size):
        e = np.zeros(p.size)
        e[j] = 1e-6 * max(abs(p[j]), 1.0)
        np.testing.assert_allclose(H[:, j], (m.loglike_and_score(p + e)[1] - m.loglike_and_score(p - e)[1])
                                   / (2 * e[j]), rtol=1e-5, atol=1e-3)
