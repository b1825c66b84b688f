"""The conditional distribution of future purchases, P(Y(t) = n | x, t_x, T) (issue 19).

References: (i) the PMF's own consistency: it sums to 1 and its mean is the model's
conditional expectation (FHL 2005 eq. 10, FH05 eq. 27, FHS 2010 eq. 13), computed by a
different formula (2F1, quadrature); (ii) a 2-D quadrature written here over the latent
(λ, p) or (λ, μ) of the *full* posterior given the history (active or not), with the
individual-level count distribution; (iii) a Monte Carlo simulation of the individual-level
process: prior draws weighted by the history's likelihood, then future purchases simulated
event by event.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from custvalue.clv import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD
from custvalue.datasets import load_donations
from custvalue.exceptions import DataError

MODELS = (BetaGeo, ModifiedBetaGeo, ParetoNBD)


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    return {m: m().fit(cdnow_summary) for m in MODELS}


@pytest.fixture(scope="module")
def sample(cdnow_summary):
    d = cdnow_summary
    return pd.concat([d.iloc[::40], d.nlargest(3, "frequency")])


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("horizon", [1.0, 39.0, 200.0])
def test_sums_to_one_and_mean_is_the_conditional_expectation(fits, sample, model, horizon):
    res = fits[model]
    n = np.arange(1500)
    pmf = res.conditional_probability_of_purchases(n, horizon, sample)
    assert (pmf.to_numpy() >= 0).all()
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-10, rtol=0)
    mean = pmf.to_numpy() @ n
    expected = res.expected_purchases(sample, horizon=horizon).to_numpy()
    np.testing.assert_allclose(mean, expected, rtol=1e-10, atol=1e-12)
    pd.testing.assert_series_equal(res.conditional_probability_of_purchases(3, horizon, sample),
                                   pmf[3], check_names=False)


def test_bgbb_discrete_analogue(bgbb_fit=None):
    d = load_donations()
    res = BetaGeoBetaBinom().fit(d, weights=d["weights"])
    for t in (1, 5, 12):
        pmf = res.conditional_probability_of_purchases(np.arange(t + 1), t, d)
        np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-12, rtol=0)
        np.testing.assert_allclose(pmf.to_numpy() @ np.arange(t + 1),
                                   res.expected_purchases(d, horizon=t).to_numpy(), rtol=1e-10, atol=1e-13)
    with pytest.raises(DataError, match="whole number"):
        res.conditional_probability_of_purchases(0, 2.5, d)


def _poisson_tail(n, mean):  # P(N >= n), N ~ Poisson(mean)
    return special.gammainc(n, mean) if n > 0 else 1.0


def _individual(model, n, t, lam, q):
    """P(n purchases in (T, T+t] | λ, dropout, active at T)."""
    pois = stats.poisson.pmf(n, lam * t)
    if model is ParetoNBD:  # q = μ: alive through t, or dead at τ < t after n purchases
        mu = q
        dead = mu * lam ** n / (lam + mu) ** (n + 1) * special.gammainc(n + 1, (lam + mu) * t)
        return pois * np.exp(-mu * t) + dead
    p = q  # geometric dropout after each purchase (FHL eq. 8 before mixing)
    return (1 - p) ** n * pois + (p * (1 - p) ** (n - 1) * _poisson_tail(n, lam * t) if n > 0 else 0.0)


def _history(model, x, t_x, T, lam, q):
    """(likelihood of staying active, likelihood of having become inactive)."""
    if model is ParetoNBD:
        mu = q
        alive = lam ** x * np.exp(-(lam + mu) * T)
        dead = lam ** x * mu / (lam + mu) * (np.exp(-(lam + mu) * t_x) - np.exp(-(lam + mu) * T))
        return alive, dead
    shift = 1 if model is ModifiedBetaGeo else 0
    p = q
    alive = (1 - p) ** (x + shift) * lam ** x * np.exp(-lam * T)
    dead = p * (1 - p) ** (x - 1 + shift) * lam ** x * np.exp(-lam * t_x) if x + shift > 0 else 0.0
    return alive, dead


def _quadrature_pmf(model, params, x, t_x, T, n, t, nodes=200):
    """Gauss-Legendre on both latent variables; ``v = (z / z_max)^(1/5)`` removes the
    densities' power singularities at 0 (shape parameters below 1)."""
    r, alpha, c, d = params
    g_lam = stats.gamma(r, scale=1 / alpha)
    g_q = stats.gamma(c, scale=1 / d) if model is ParetoNBD else stats.beta(c, d)
    q_hi = g_q.ppf(1 - 1e-15) if model is ParetoNBD else 1.0
    lam_hi = stats.gamma(r + x, scale=1 / (alpha + t_x)).ppf(1 - 1e-15)
    u, wu = np.polynomial.legendre.leggauss(nodes)
    u, wu = (u + 1) / 2, wu / 2
    lam, dlam = lam_hi * u ** 5, 5 * lam_hi * u ** 4 * wu
    if model is ParetoNBD:
        q, dq = q_hi * u ** 5, 5 * q_hi * u ** 4 * wu
    else:  # both ends of (0, 1): p = v^5 on (0, 1/2], 1 - p = v^5 on [1/2, 1)
        half = 0.5 ** 0.2
        v, wv = u * half, wu * half
        q = np.concatenate([v ** 5, 1 - v ** 5])
        dq = np.concatenate([5 * v ** 4 * wv, 5 * v ** 4 * wv])
    L, Q = np.meshgrid(lam, q, indexing="ij")
    W = np.outer(dlam * g_lam.pdf(lam), dq * g_q.pdf(q))
    alive, dead = _history(model, x, t_x, T, L, Q)
    indiv = _individual(model, n, t, L, Q)
    num = (W * (alive * indiv + (dead if n == 0 else 0.0))).sum()
    return num / (W * (alive + dead)).sum()


@pytest.mark.parametrize("model", MODELS)
def test_against_quadrature_over_the_full_posterior(fits, model):
    res = fits[model]
    customers = pd.DataFrame({"frequency": [2.0, 7.0], "recency": [30.43, 35.0], "T": [38.86, 38.0]})
    t = 20.0
    got = res.conditional_probability_of_purchases([0, 1, 4], t, customers)
    for i, row in enumerate(customers.itertuples(index=False)):
        for n in (0, 1, 4):
            want = _quadrature_pmf(model, res.params.to_numpy(), row.frequency, row.recency, row.T, n, t)
            assert got.iloc[i][n] == pytest.approx(want, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_against_simulation_of_the_individual_process(fits, model):
    res = fits[model]
    r, alpha, c, d = res.params.to_numpy()
    x, t_x, T, t = 3.0, 25.0, 38.0, 26.0
    rng = np.random.default_rng(19)
    m = 400_000
    lam = rng.gamma(r, 1 / alpha, m)
    q = rng.gamma(c, 1 / d, m) if model is ParetoNBD else rng.beta(c, d, m)
    alive_l, dead_l = _history(model, x, t_x, T, lam, q)
    w = alive_l + dead_l  # importance weights: the history's likelihood
    active = rng.random(m) < alive_l / w
    n_poisson = rng.poisson(lam * t)
    if model is ParetoNBD:  # purchases before the (memoryless) remaining lifetime ends
        life = rng.exponential(1 / q)
        count = rng.poisson(lam * np.minimum(life, t))
    else:  # the purchase after which the customer drops out: geometric on 1, 2, ...
        count = np.minimum(n_poisson, rng.geometric(q))
    count = np.where(active, count, 0)
    n = np.arange(8)
    freq = np.array([w[count == k].sum() for k in n]) / w.sum()
    ess = w.sum() ** 2 / (w ** 2).sum()
    pmf = res.conditional_probability_of_purchases(n, t, frequency=[x], recency=[t_x], T=[T]).to_numpy()[0]
    se = np.sqrt(pmf * (1 - pmf) / ess)
    assert ess > 50_000
    np.testing.assert_array_less(np.abs(freq - pmf), 4.5 * se + 1e-4)


@pytest.mark.parametrize("model", MODELS)
def test_predictive_interval_is_the_quantiles_of_the_pmf(fits, sample, model):
    res = fits[model]
    for level in (0.5, 0.9):
        got = res.purchases_predictive_interval(39.0, sample, level=level)
        cdf = res.conditional_probability_of_purchases(np.arange(1500), 39.0, sample).cumsum(axis=1).to_numpy()
        rows = np.arange(len(sample))
        lo, hi = got["lower"].to_numpy(), got["upper"].to_numpy()
        assert (cdf[rows, lo] >= (1 - level) / 2).all()
        assert ((lo == 0) | (cdf[rows, np.maximum(lo - 1, 0)] < (1 - level) / 2)).all()
        assert (cdf[rows, hi] >= (1 + level) / 2).all()
        assert ((hi == 0) | (cdf[rows, np.maximum(hi - 1, 0)] < (1 + level) / 2)).all()
    wide = res.purchases_predictive_interval(39.0, sample, level=0.95)
    narrow = res.purchases_predictive_interval(39.0, sample, level=0.5)
    assert (wide["upper"] >= narrow["upper"]).all() and (wide["lower"] <= narrow["lower"]).all()
    np.testing.assert_allclose(wide["expected"], res.expected_purchases(sample, horizon=39.0))


@pytest.mark.parametrize("kwargs, name", [({"n": -1, "horizon": 5.0}, "n"), ({"n": 1.5, "horizon": 5.0}, "n"),
                                          ({"n": 1, "horizon": -1.0}, "horizon"),
                                          ({"n": 1, "horizon": 0.0}, "horizon")])
def test_bad_input_names_the_argument(fits, sample, kwargs, name):
    with pytest.raises(DataError, match=name):
        fits[BetaGeo].conditional_probability_of_purchases(data=sample, **kwargs)


def test_bad_level(fits, sample):
    with pytest.raises(DataError, match="level"):
        fits[BetaGeo].purchases_predictive_interval(39.0, sample, level=1.5)
