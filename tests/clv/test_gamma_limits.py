"""Gamma mixtures that degenerate: (r, α), (s, β) or (q, γ) run off together at a fixed ratio
(a homogeneous Poisson rate, exponential lifetime or spend rate).  The Pareto/NBD, GGom/NBD and
Gamma-Gamma log-likelihoods, gradients and predictions against 50-digit mpmath references
written with the scales factored out (``tests/reference/mp_gamma_limits.py``), at scales 1e2
to 1e14 and at ordinary parameters.  Before the kernels divided the scales out, the
log-likelihood erred by ~1e-16 r log α (2e-4 per customer at 1e11, 0.3-3.6 at 1e14) and the
gradient in log parameters by up to 1e8.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from custvalue.clv import GammaGompertzNBD, ParetoNBD
from custvalue.exceptions import ConvergenceWarning
from custvalue.math import gammagamma, ggomnbd
from custvalue.math import paretonbd as pnbd
from custvalue.simulate import simulate_paretonbd
from custvalue.simulate.ggomnbd import simulate_ggomnbd
from tests.reference import mp_gamma_limits as ref

SCALES = [1e2, 1e5, 1e8, 1e11, 1e14]
ROWS = [(0, 0.0, 30.0), (2, 10.0, 30.0), (7, 29.0, 30.0)]


def _scaled(base, pairs, pair, k):
    p = list(base)
    for j in pairs[pair]:
        p[j] *= k
    return tuple(p)


PNBD = (0.55, 10.58, 0.61, 11.67)
PNBD_PAIRS = {"r_alpha": (0, 1), "s_beta": (2, 3), "both": (0, 1, 2, 3)}
PNBD_GRID = [("ordinary", 1.0)] + [(pair, k) for k in SCALES for pair in PNBD_PAIRS]


def _rows():
    return (np.array([v[i] for v in ROWS], dtype=float) for i in range(3))


@pytest.mark.parametrize("pair,k", PNBD_GRID)
def test_pareto_nbd_loglike_p_alive_and_expectation_when_a_pair_runs_off(pair, k):
    par = PNBD if pair == "ordinary" else _scaled(PNBD, PNBD_PAIRS, pair, k)
    x, t_x, T = _rows()
    ll = pnbd.loglike(*par, x, t_x, T)
    pa = pnbd.p_alive(*par, x, t_x, T)
    ce = pnbd.conditional_expected_purchases(10.0, *par, x, t_x, T)
    for i, row in enumerate(ROWS):
        assert ll[i] == pytest.approx(ref.pnbd_loglike(*par, *row), rel=1e-14, abs=1e-13)
        assert pa[i] == pytest.approx(ref.pnbd_p_alive(*par, *row), rel=1e-13, abs=1e-15)
        assert ce[i] == pytest.approx(ref.pnbd_conditional_expected(10.0, *par, *row), rel=1e-13)


@pytest.mark.parametrize("pair,k", [("ordinary", 1.0), ("r_alpha", 1e5), ("r_alpha", 1e11), ("s_beta", 1e8),
                                    ("s_beta", 1e14), ("both", 1e11)])
def test_pareto_nbd_gradient_equals_differences_of_the_exact_loglike(pair, k):
    """Gradient in log parameters (θ ∂/∂θ), against central differences at 50 digits."""
    par = PNBD if pair == "ordinary" else _scaled(PNBD, PNBD_PAIRS, pair, k)
    x, t_x, T = _rows()
    _, g = pnbd.loglike_and_score(*par, x, t_x, T)
    th = np.array(par)
    for i, row in (1, ROWS[1]), (2, ROWS[2]):
        want = np.array(ref.pnbd_gradient(*par, *row)) * th
        np.testing.assert_allclose(g[i] * th, want, rtol=1e-10, atol=1e-11)
    # the summed Hessian is symmetric and finite at every scale
    _, _, H = pnbd.weighted_loglike_score_hessian(*par, x, t_x, T, np.ones(3))
    assert np.all(np.isfinite(H))


GG = (6.25, 3.74, 15.45)


@pytest.mark.parametrize("k", [1.0] + SCALES)
def test_gamma_gamma_loglike_and_gradient_when_q_and_gamma_run_off(k):
    p, q, g = GG[0], GG[1] * k, GG[2] * k
    x = np.array([1.0, 2.0, 7.0, 30.0])
    m = np.array([12.3, 22.35, 40.0, 18.5])
    ll = gammagamma.loglike(p, q, g, x, m)
    sc = gammagamma.score(p, q, g, x, m)
    th = np.array([p, q, g])
    for i in range(x.size):
        assert ll[i] == pytest.approx(ref.gg_loglike(p, q, g, x[i], m[i]), rel=1e-14, abs=1e-12)
        want = np.array(ref.gg_gradient(p, q, g, x[i], m[i])) * th
        np.testing.assert_allclose(sc[i] * th, want, rtol=1e-11, atol=1e-12)


GGOM = (0.55, 10.6, 0.05, 0.6, 2.1)
GGOM_PAIRS = {"r_alpha": (0, 1), "s_beta": (3, 4), "both": (0, 1, 3, 4)}


@pytest.mark.parametrize("pair,k", [("ordinary", 1.0)] + [(pair, k) for k in (1e5, 1e11, 1e14) for pair in GGOM_PAIRS])
def test_ggomnbd_loglike_and_p_alive_when_a_pair_runs_off(pair, k):
    par = GGOM if pair == "ordinary" else _scaled(GGOM, GGOM_PAIRS, pair, k)
    x, t_x, T = _rows()
    ll, g = ggomnbd.loglike_and_score(*par, x, t_x, T)
    pa = ggomnbd.p_alive(*par, x, t_x, T)
    for i, row in enumerate(ROWS):
        assert ll[i] == pytest.approx(ref.ggom_loglike(*par, *row), rel=1e-13, abs=1e-12)
        assert pa[i] == pytest.approx(ref.ggom_p_alive(*par, *row), rel=1e-12, abs=1e-14)
    if k in (1.0, 1e11):
        th = np.array(par)
        want = np.array(ref.ggom_gradient(*par, *ROWS[1])) * th
        np.testing.assert_allclose(g[1] * th, want, rtol=1e-9, atol=1e-10)


def _no_convergence_warning(fit):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = fit()
    assert not [w for w in record if issubclass(w.category, ConvergenceWarning)], \
        [str(w.message) for w in record]
    assert res.converged
    return res


def test_pareto_nbd_fit_with_a_near_homogeneous_purchase_rate_converges():
    T = np.random.default_rng(4).uniform(30, 80, 20_000)
    d = simulate_paretonbd(20_000, r=2000.0, alpha=20000.0, s=0.6, beta=11.0, T=T, seed=9)
    res = _no_convergence_warning(lambda: ParetoNBD().fit(d))
    assert res.params["r"] / res.params["alpha"] == pytest.approx(0.1, rel=0.02)
    assert res.params["s"] == pytest.approx(0.6, rel=0.2)


def test_ggomnbd_fit_with_a_near_homogeneous_purchase_rate_converges():
    T = np.random.default_rng(4).uniform(30, 80, 20_000)
    d = simulate_ggomnbd(20_000, r=2000.0, alpha=20000.0, b=0.05, s=0.6, beta=2.1, T=T, seed=9)
    res = _no_convergence_warning(lambda: GammaGompertzNBD().fit(d))
    assert res.params["r"] / res.params["alpha"] == pytest.approx(0.1, rel=0.02)
