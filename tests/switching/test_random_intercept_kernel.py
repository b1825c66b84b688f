"""Issue 21: the random-intercept logit's compiled pass (simulated log-likelihood, score and
exact Hessian in one pass over customers x draws x occasions) and the Newton fit built on it.

References, none computed by the code under test:

* the simulated log-likelihood of each person written directly from Train (2009, eq. 6.3 and
  10.1) with ``scipy.special.logsumexp``, one person and one draw at a time;
* the score against central differences of that log-likelihood, the Hessian against central
  differences of the score;
* the fitted estimate against scipy's BFGS run to a tight gradient on the log-likelihood and
  score, and its standard errors against the inverse of a difference Hessian;
* the start values against scipy's BFGS on the naive conditional logit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize
from scipy.special import logsumexp

from custvalue.base import numerical_jacobian
from custvalue.math import clogit
from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import RandomInterceptLogit


def _data(seed=5, J=4, k=3, R=9, M=2, sizes=(1, 4, 3, 7, 1, 2, 5, 6, 3, 4), scale=1.0):
    """Unequal numbers of occasions per person, a generic loading, some unavailable brands."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    X = rng.normal(size=(n, J, k)) * scale
    chosen = rng.integers(0, J, n)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    draws = rng.normal(size=(len(sizes), R, M))
    loading = rng.normal(size=(J, M))
    avail = rng.random((n, J)) > 0.25
    avail[np.arange(n), chosen] = True
    return X, chosen, starts, draws, loading, avail


def _direct_loglike(beta, sigma, X, chosen, starts, draws, loading, avail):
    """log (1/R) sum_r prod_t P_itr, person by person and draw by draw (Train 2009, eq. 10.1)."""
    bounds = np.r_[starts, X.shape[0]]
    out = []
    for i in range(len(starts)):
        rows = np.arange(bounds[i], bounds[i + 1])
        per_draw = []
        for z in draws[i]:
            V = X[rows] @ beta + loading @ (sigma * z)
            V = np.where(avail[rows], V, -np.inf)
            per_draw.append(np.sum(V[np.arange(rows.size), chosen[rows]] - logsumexp(V, axis=1)))
        out.append(logsumexp(per_draw) - np.log(len(per_draw)))
    return np.array(out)


BETA, SIGMA = np.array([0.4, -0.8, 0.3]), np.array([0.9, 0.6])


def test_simulated_loglike_equals_the_direct_formula():
    args = _data()
    got = clogit.mixed_loglike(BETA, SIGMA, *args)
    np.testing.assert_allclose(got, _direct_loglike(BETA, SIGMA, *args), rtol=1e-13)
    ll, _ = clogit.mixed_loglike_and_score(BETA, SIGMA, *args)
    np.testing.assert_array_equal(ll, got)


def test_extreme_utilities_stay_exact():
    # utilities hundreds apart: the product of exponentials underflows and the pass falls
    # back to the log-sum-exp of each occasion and draw
    args = _data(seed=8, scale=300.0)
    beta, sigma = BETA, SIGMA * 400
    got = clogit.mixed_loglike(beta, sigma, *args)
    ref = _direct_loglike(beta, sigma, *args)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    score = clogit.mixed_score(beta, sigma, *args)
    assert np.all(np.isfinite(score))


def test_score_is_the_gradient_of_the_direct_loglike():
    args = _data(seed=6)
    f = lambda th: np.array([_direct_loglike(th[:3], th[3:], *args).sum()])  # noqa: E731
    num = numerical_jacobian(f, np.r_[BETA, SIGMA])[0]
    got = clogit.mixed_score(BETA, SIGMA, *args).sum(axis=0)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("weighted", [False, True])
def test_hessian_is_the_jacobian_of_the_score(weighted):
    args = _data(seed=7)
    w = np.linspace(0.5, 2.0, len(args[2])) if weighted else np.ones(len(args[2]))
    ll, score, hess = clogit.mixed_loglike_and_score(BETA, SIGMA, *args, hessian=True,
                                                     weights=w if weighted else None)
    g = lambda th: w @ clogit.mixed_score(th[:3], th[3:], *args)  # noqa: E731
    num = numerical_jacobian(g, np.r_[BETA, SIGMA])
    np.testing.assert_allclose(hess, num, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(hess, hess.T)
    np.testing.assert_array_equal(score, clogit.mixed_score(BETA, SIGMA, *args))


def test_large_inputs_give_the_same_numbers_as_small_ones():
    # above custvalue.math._jit.PARALLEL_MIN_SIZE elements the parallel version runs: person
    # by person it must agree with the serial version run on one small slice at a time
    rng = np.random.default_rng(9)
    people, T, J, R = 420, 3, 3, 120
    X = rng.normal(size=(people * T, J, 2))
    chosen = rng.integers(0, J, people * T)
    starts = np.arange(0, people * T, T)
    draws = rng.normal(size=(people, R, J - 1))
    loading = np.eye(J)[:, 1:]
    beta, sigma = np.array([0.3, -0.5]), np.array([0.7, 1.1])
    assert draws.size >= 100_000
    ll, sc, h = clogit.mixed_loglike_and_score(beta, sigma, X, chosen, starts, draws, loading, hessian=True)
    parts = [clogit.mixed_loglike_and_score(beta, sigma, X[a * T:b * T], chosen[a * T:b * T],
                                            starts[a:b] - a * T, draws[a:b], loading, hessian=True)
             for a, b in [(0, 100), (100, 250), (250, people)]]
    np.testing.assert_allclose(ll, np.concatenate([p[0] for p in parts]), rtol=1e-13)
    np.testing.assert_allclose(sc, np.concatenate([p[1] for p in parts]), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(h, sum(p[2] for p in parts), rtol=1e-11)


@pytest.fixture(scope="module")
def fitted():
    panel = simulate_choice_panel(300, 5, brands=3, heterogeneity=1.0, seed=4)
    model = RandomInterceptLogit(panel, n_draws=30)
    return model, model.fit()


def test_newton_fit_reaches_the_tight_bfgs_optimum(fitted):
    model, res = fitted
    f = lambda p: -model.loglike(p) / model.nobs  # noqa: E731
    g = lambda p: -model.score(p) / model.nobs  # noqa: E731
    ref = optimize.minimize(f, model.start_params(), jac=g, method="BFGS", options={"gtol": 1e-11,
                                                                                  "maxiter": 5000})
    assert np.max(np.abs(g(ref.x))) < 1e-9
    assert res.converged
    np.testing.assert_allclose(res.params.to_numpy(), ref.x, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.llf, -ref.fun * model.nobs, rtol=1e-12)
    # standard errors: inverse of the central-difference Jacobian of the score
    h = numerical_jacobian(model.score, ref.x)
    se = np.sqrt(np.diag(np.linalg.inv(-0.5 * (h + h.T))))
    np.testing.assert_allclose(res.bse.to_numpy(), se, rtol=1e-5)


def test_start_values_are_the_naive_logit_estimate(fitted):
    model, _ = fitted
    X, chosen = model.X, model.panel.chosen
    f = lambda b: -clogit.loglike(b, X, chosen).sum()  # noqa: E731
    g = lambda b: -clogit.score(b, X, chosen).sum(axis=0)  # noqa: E731
    ref = optimize.minimize(f, np.zeros(X.shape[2]), jac=g, method="BFGS", options={"gtol": 1e-10})
    start = model.start_params()
    np.testing.assert_allclose(start[: X.shape[2]], ref.x, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(start[X.shape[2]:], 0.5)
