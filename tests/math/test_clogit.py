"""Conditional-logit kernels: probabilities, analytic gradients and Hessian, mixed version."""

import numpy as np
from hypothesis import given, settings, strategies as st

from custvalue.base import numerical_jacobian
from custvalue.math import clogit


def _data(seed, n=40, J=4, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, J, k))
    chosen = rng.integers(0, J, n)
    beta = rng.normal(size=k)
    return X, chosen, beta


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), J=st.integers(2, 6), scale=st.floats(0.01, 50))
def test_probabilities_sum_to_one_and_match_softmax(seed, J, scale):
    X, chosen, beta = _data(seed, J=J)
    P = clogit.probabilities(beta * scale, X)
    assert np.all(P >= 0) and np.allclose(P.sum(axis=1), 1.0)
    V = X @ (beta * scale)
    ref = np.exp(V - V.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P, ref / ref.sum(axis=1, keepdims=True), rtol=1e-10, atol=1e-300)


def test_unavailable_alternatives_get_zero_probability():
    X, chosen, beta = _data(1)
    avail = np.ones(X.shape[:2], dtype=bool)
    avail[:, 3] = False
    P = clogit.probabilities(beta, X, avail)
    assert np.all(P[:, 3] == 0) and np.allclose(P.sum(axis=1), 1.0)
    ref = clogit.probabilities(beta, X[:, :3])
    np.testing.assert_allclose(P[:, :3], ref, rtol=1e-12)


def test_score_and_hessian_are_derivatives_of_the_loglike():
    X, chosen, beta = _data(2)
    f = lambda b: np.array([clogit.loglike(b, X, chosen).sum()])
    np.testing.assert_allclose(clogit.score(beta, X, chosen).sum(axis=0),
                               numerical_jacobian(f, beta)[0], rtol=1e-6, atol=1e-7)
    g = lambda b: clogit.score(b, X, chosen).sum(axis=0)
    np.testing.assert_allclose(clogit.hessian(beta, X), numerical_jacobian(g, beta), rtol=1e-6, atol=1e-7)
    w = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    gw = lambda b: w @ clogit.score(b, X, chosen)
    np.testing.assert_allclose(clogit.hessian(beta, X, weights=w), numerical_jacobian(gw, beta),
                               rtol=1e-6, atol=1e-7)


def _mixed(seed=3, people=15, T=4, J=3, R=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(people * T, J, 2))
    chosen = rng.integers(0, J, people * T)
    starts = np.arange(0, people * T, T)
    draws = rng.normal(size=(people, R, J - 1))
    loading = np.eye(J)[:, 1:]
    return X, chosen, starts, draws, loading


def test_mixed_score_is_the_gradient_of_the_simulated_loglike():
    X, chosen, starts, draws, loading = _mixed()
    beta, sigma = np.array([0.3, -0.7]), np.array([0.8, 1.3])
    f = lambda th: np.array([clogit.mixed_loglike(th[:2], th[2:], X, chosen, starts, draws, loading).sum()])
    num = numerical_jacobian(f, np.r_[beta, sigma])[0]
    got = clogit.mixed_score(beta, sigma, X, chosen, starts, draws, loading).sum(axis=0)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


def test_mixed_with_zero_sigma_equals_the_plain_logit_per_person():
    X, chosen, starts, draws, loading = _mixed()
    beta = np.array([0.3, -0.7])
    mixed = clogit.mixed_loglike(beta, np.zeros(2), X, chosen, starts, draws, loading)
    plain = np.add.reduceat(clogit.loglike(beta, X, chosen), starts)
    np.testing.assert_allclose(mixed, plain, rtol=1e-12)


def test_mixed_with_one_draw_equals_a_shifted_plain_logit():
    X, chosen, starts, draws, loading = _mixed(R=1)
    beta, sigma = np.array([0.3, -0.7]), np.array([0.5, 2.0])
    mixed = clogit.mixed_loglike(beta, sigma, X, chosen, starts, draws, loading)
    shift = (draws[:, 0, :] * sigma) @ loading.T                 # (people, J)
    V = X @ beta + np.repeat(shift, np.diff(np.r_[starts, X.shape[0]]), axis=0)
    lp = V - np.log(np.exp(V).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(mixed, np.add.reduceat(lp[np.arange(len(chosen)), chosen], starts), rtol=1e-12)


def test_money_metric_and_its_gradient():
    assert clogit.money_metric(1.2, -2.0) == 0.6
    dg, da = clogit.money_metric_gradient(1.2, -2.0)
    h = 1e-6
    assert np.isclose(dg, (clogit.money_metric(1.2 + h, -2.0) - clogit.money_metric(1.2 - h, -2.0)) / (2 * h))
    assert np.isclose(da, (clogit.money_metric(1.2, -2.0 + h) - clogit.money_metric(1.2, -2.0 - h)) / (2 * h))
