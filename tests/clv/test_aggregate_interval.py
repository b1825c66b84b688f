"""The interval of the total holdout purchases of a base (issue 19, item 3):
``aggregate_purchases_interval`` = parameter uncertainty of the summed expectation plus the
summed process variances.

References: (i) each customer's process variance against an importance-sampling simulation of
the BG/NBD individual-level process written out here (latent λ ~ Gamma(r, α), p ~ Beta(a, b)
from the prior, weighted by the likelihood of the history split into its alive and dead
terms, FHL 2005 eqs. 3-4; future purchases min(Poisson(λt), J) with J ~ Geometric(p)); (ii)
the parameter part against central differences in the natural parameters with the
natural-scale covariance; (iii) the mixture quantiles of ``total_interval`` against a Monte
Carlo of the mixture. Coverage on simulated bases is in ``tests/clv/test_coverage.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from custvalue.clv import BetaGeo, ParetoNBD
from custvalue.clv import _uncertainty as uncertainty
from custvalue.exceptions import DataError


@pytest.fixture(scope="module")
def bg(cdnow_summary):
    return BetaGeo().fit(cdnow_summary)


def _importance_moments(r, alpha, a, b, x, t_x, T, t, n_draws, rng):
    lam = rng.gamma(r, 1.0 / alpha, n_draws)
    p = rng.beta(a, b, n_draws)
    w_alive = np.exp(x * np.log1p(-p) + x * np.log(lam) - lam * T)
    w_dead = (np.exp(np.log(p) + (x - 1) * np.log1p(-p) + x * np.log(lam) - lam * t_x) if x > 0
              else np.zeros(n_draws))
    n = rng.poisson(lam * t)
    j = rng.geometric(p)  # the purchase after which the customer drops out
    y = np.minimum(n, j)  # an active customer; a dead one buys nothing
    total = w_alive.sum() + w_dead.sum()
    m1 = (w_alive * y).sum() / total
    m2 = (w_alive * y * y).sum() / total
    return m1, m2 - m1 ** 2


@pytest.mark.parametrize("history", [(0, 0.0, 38.0), (1, 20.0, 35.0), (3, 30.0, 38.0), (2, 5.0, 39.0)])
def test_process_variance_against_importance_sampling(bg, history):
    x, t_x, T = history
    params = bg.params.to_numpy()
    cols = [np.array([[v]], dtype=float) for v in (x, t_x, T)]
    mean, var = uncertainty.count_moments(
        lambda k, rows: bg.kernel.conditional_probability_of_purchases(k, 39.0, *params, *(c[rows] for c in cols)), 1)
    m_ref, v_ref = _importance_moments(*params, x, t_x, T, 39.0, 2_000_000, np.random.default_rng(1))
    np.testing.assert_allclose(mean[0], bg.kernel.conditional_expected_purchases(39.0, *params, x, t_x, T), rtol=1e-8)
    np.testing.assert_allclose(mean[0], m_ref, rtol=0.03)
    np.testing.assert_allclose(var[0], v_ref, rtol=0.05)


def test_parameter_part_against_natural_scale_central_differences(bg, cdnow_summary):
    d = cdnow_summary
    x, t_x, T = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    params, cov = bg.params.to_numpy(), bg.cov_params.to_numpy()

    def total(p):
        return bg.kernel.conditional_expected_purchases(39.0, *p, x, t_x, T).sum()

    grad = np.empty(4)
    for j in range(4):
        h = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        grad[j] = (total(up) - total(down)) / (2 * h)
    out = bg.aggregate_purchases_interval(39.0, d, interval="delta", level=0.9)
    np.testing.assert_allclose(out["estimate"], total(params), rtol=1e-12)
    np.testing.assert_allclose(out["se_parameters"], np.sqrt(grad @ cov @ grad), rtol=1e-4)
    z = stats.norm.ppf(0.95)
    sd = np.hypot(out["se_parameters"], out["se_process"])
    np.testing.assert_allclose([out["lower"], out["upper"]], [out["estimate"] - z * sd, out["estimate"] + z * sd])
    assert out.attrs == {"interval": "delta", "level": 0.9, "horizon": 39.0}
    known = bg.aggregate_purchases_interval(39.0, d, interval=None, level=0.9)
    assert known["se_parameters"] == 0.0 and known["se_process"] == out["se_process"]
    assert known["upper"] - known["lower"] < out["upper"] - out["lower"]


@pytest.mark.parametrize("interval", ["simulate", "bootstrap"])
def test_draw_based_parameter_part_agrees_with_delta(bg, cdnow_summary, interval):
    d = cdnow_summary
    delta = bg.aggregate_purchases_interval(39.0, d, interval="delta")
    other = bg.aggregate_purchases_interval(39.0, d, interval=interval, n_draws=150, seed=4)
    assert other["se_parameters"] == pytest.approx(delta["se_parameters"], rel=0.2)
    assert other["lower"] == pytest.approx(delta["lower"], rel=0.03)
    assert other["upper"] == pytest.approx(delta["upper"], rel=0.03)


def test_mixture_quantiles_against_monte_carlo():
    rng = np.random.default_rng(0)
    centres = rng.gamma(2.0, 50.0, 400)  # draws of the summed expectation, skewed

    def predict(p, rows):
        return np.array([p[0]])[rows]

    out = uncertainty.total_interval(predict, 1, np.array([100.0]), np.zeros((1, 1)), ("log",),
                                     interval="bootstrap", level=0.8, process_variance=900.0,
                                     draws=centres[:, None])
    mc = np.repeat(centres, 2000) + 30.0 * rng.standard_normal(400 * 2000)
    np.testing.assert_allclose([out["lower"], out["upper"]], np.quantile(mc, [0.1, 0.9]), atol=0.5)  # MC error ~0.1
    assert out["se_parameters"] == pytest.approx(centres.std(ddof=1))
    # no process variance: the quantiles of the draws themselves
    bare = uncertainty.total_interval(predict, 1, np.array([100.0]), np.zeros((1, 1)), ("log",),
                                      interval="bootstrap", level=0.8, draws=centres[:, None])
    np.testing.assert_allclose([bare["lower"], bare["upper"]], np.quantile(centres, [0.1, 0.9]))


def test_count_moments_stops_at_a_bounded_count():
    pmf = lambda k, rows: stats.binom.pmf(k, 5, np.array([[0.3], [0.9]])[rows])
    mean, var = uncertainty.count_moments(pmf, 2, max_count=5)
    np.testing.assert_allclose(mean, [1.5, 4.5])
    np.testing.assert_allclose(var, [1.05, 0.45])


def test_pareto_and_bad_input(cdnow_summary):
    res = ParetoNBD().fit(cdnow_summary)
    out = res.aggregate_purchases_interval(39.0, cdnow_summary.head(200), level=0.8)
    assert out["lower"] < out["estimate"] < out["upper"]
    with pytest.raises(DataError, match="interval"):
        res.aggregate_purchases_interval(39.0, cdnow_summary.head(5), interval="x")
    with pytest.raises(DataError, match="horizon"):
        res.aggregate_purchases_interval(0.0, cdnow_summary.head(5))
