"""Parameter-uncertainty intervals of customer-level predictions (issue 19).

References: (i) the simulated intervals (parameter draws from the asymptotic normal) against
the delta method, which nearly coincide when the standard errors are small (CDNOW); (ii) the
delta-method standard error against an independent computation in this file: central
differences of the kernel with respect to the *natural* parameters and the natural-scale
covariance (the delta method is invariant to the reparametrisation to first order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from custvalue.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, clv
from custvalue.clv import _uncertainty as uncertainty
from custvalue.exceptions import DataError
from custvalue.math import gammagamma as gg_kernel

MODELS = (BetaGeo, ModifiedBetaGeo, ParetoNBD)


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    return {m: m().fit(cdnow_summary) for m in MODELS}


@pytest.fixture(scope="module")
def sample(cdnow_summary):
    # repeat buyers (x = 0 has P(alive) = 1 under BG/NBD) and a few non-buyers
    d = cdnow_summary
    return pd.concat([d[d["frequency"] > 0].iloc[::7], d[d["frequency"] == 0].iloc[:20]])


def _half_widths_on_link(frame, link):
    c = link(frame["estimate"].to_numpy())
    return c - link(frame["lower"].to_numpy()), link(frame["upper"].to_numpy()) - c


def _compare(delta, sim, link, width_tol, gap_tol):
    pd.testing.assert_series_equal(delta["estimate"], sim["estimate"])
    moving = (delta["upper"] > delta["lower"]).to_numpy()
    delta, sim = delta[moving], sim[moving]
    # the full widths on the link scale agree: the delta method is the first-order version
    # of the simulation; 2000 draws give the quantiles to about +-4%
    ratio = np.add(*_half_widths_on_link(delta, link)) / np.add(*_half_widths_on_link(sim, link))
    assert abs(np.median(ratio) - 1) < width_tol
    assert np.quantile(np.abs(ratio - 1), 0.9) < 2 * width_tol
    # and the bounds themselves agree to a fraction of the width
    width = (delta["upper"] - delta["lower"]).to_numpy()
    for col in ("lower", "upper"):
        assert np.median(np.abs(delta[col] - sim[col]).to_numpy() / width) < gap_tol
    return moving


# BG/NBD and MBG/NBD on CDNOW: relative SEs of 5-33%, both methods nearly coincide. The
# Pareto/NBD's beta has a relative SE of 53%: the simulated interval is skewed on the link
# scale (its bounds shift by up to 15-20% of the width, its width differs by up to 8-11%), and the
# next test shows the two converging as the covariance shrinks.
TOLERANCES = {BetaGeo: (0.05, 0.06), ModifiedBetaGeo: (0.05, 0.06), ParetoNBD: (0.15, 0.2)}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("what", ["p_alive", "expected_purchases"])
def test_delta_and_simulate_nearly_coincide(fits, sample, model, what):
    res = fits[model]
    kw = {"horizon": 39.0} if what == "expected_purchases" else {}
    link = np.log if what == "expected_purchases" else special.logit
    delta = getattr(res, what)(sample, interval="delta", **kw)
    sim = getattr(res, what)(sample, interval="simulate", n_draws=2000, seed=7, **kw)
    moving = _compare(delta, sim, link, *TOLERANCES[model])
    assert moving.sum() > 0.8 * len(sample)


def test_delta_and_simulate_converge_as_the_standard_errors_shrink(fits, sample):
    res = fits[ParetoNBD]
    x, t_x, T = (sample[c].to_numpy(float) for c in ("frequency", "recency", "T"))

    def predict(p, rows):
        return res.kernel.p_alive(*p, x[rows], t_x[rows], T[rows])

    def frame(interval, cov):
        est, lo, hi = uncertainty.prediction_interval(
            predict, len(x), res.params.to_numpy(), cov, res.model._transforms, interval=interval,
            level=0.95, scale="logit", n_draws=2000, seed=7)
        return uncertainty.interval_frame(est, lo, hi, sample.index, interval=interval, level=0.95)

    cov = res.cov_params.to_numpy() / 25  # SEs / 5: beta's relative SE about 11%
    _compare(frame("delta", cov), frame("simulate", cov), special.logit, 0.05, 0.06)


def _central_gradient(f, params, rel=1e-5):
    g = []
    for j in range(params.size):
        h = rel * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        with np.errstate(invalid="ignore"):  # logit(1) at P(alive) = 1: those rows are skipped
            g.append((f(up) - f(down)) / (2 * h))
    return np.stack(g, axis=-1)


@pytest.mark.parametrize("model", MODELS)
def test_delta_standard_error_against_natural_scale_central_differences(fits, sample, model):
    res = fits[model]
    x, t_x, T = (sample[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    params, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    z = stats.norm.ppf(0.975)
    # P(alive) on the logit scale
    grad = _central_gradient(lambda p: special.logit(res.kernel.p_alive(*p, x, t_x, T)), params)
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    got = res.p_alive(sample, interval="delta")
    est = got["estimate"].to_numpy()
    ok = est < 1.0
    np.testing.assert_allclose(got["lower"].to_numpy()[ok], special.expit(special.logit(est) - z * se)[ok],
                               rtol=2e-5)
    np.testing.assert_allclose(got["upper"].to_numpy()[ok], special.expit(special.logit(est) + z * se)[ok],
                               rtol=2e-5)
    # expected purchases on the log scale
    grad = _central_gradient(
        lambda p: np.log(res.kernel.conditional_expected_purchases(39.0, *p, x, t_x, T)), params)
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    got = res.expected_purchases(sample, horizon=39.0, interval="delta")
    est = got["estimate"].to_numpy()
    np.testing.assert_allclose(got["lower"].to_numpy(), est * np.exp(-z * se), rtol=2e-5)
    np.testing.assert_allclose(got["upper"].to_numpy(), est * np.exp(z * se), rtol=2e-5)


def test_clv_delta_against_natural_scale_central_differences(cdnow_summary):
    d = cdnow_summary.iloc[::50]
    b, g = BetaGeo().fit(cdnow_summary), GammaGamma().fit(cdnow_summary)
    x, t_x, T, m = (d[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    month = 4.345  # lifetimes' month in weeks (the glossary's "Time and money")
    times = month * np.arange(1, 13)
    disc = 1.01 ** -np.arange(1, 13)

    def log_value(p):  # written out: sum_k (E[N(k)] - E[N(k-1)]) / 1.01^k * E[spend]
        cum = b.kernel.conditional_expected_purchases(times[None, :], *p[:4], x[:, None], t_x[:, None],
                                                      T[:, None])
        inc = np.diff(np.concatenate([np.zeros((len(x), 1)), cum], axis=1), axis=1)
        return np.log(inc @ disc * gg_kernel.expected_spend(*p[4:], x, m))

    params = np.concatenate([b.params.to_numpy(), g.params.to_numpy()])
    cov = np.zeros((7, 7))
    cov[:4, :4], cov[4:, 4:] = b.cov_params.to_numpy(), g.cov_params.to_numpy()
    grad = _central_gradient(log_value, params)
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    got = clv(b, g, d, months=12, interval="delta", level=0.9)
    np.testing.assert_allclose(got["estimate"].to_numpy(), np.exp(log_value(params)), rtol=1e-6)
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(got["upper"].to_numpy(), got["estimate"].to_numpy() * np.exp(z * se),
                               rtol=1e-4)
    sim = clv(b, g, d, months=12, interval="simulate", level=0.9, n_draws=3000, seed=3)
    ratio = (np.log(sim["upper"] / sim["lower"]) / np.log(got["upper"] / got["lower"])).to_numpy()
    assert 0.9 < np.median(ratio) < 1.1


@pytest.mark.parametrize("interval", ["delta", "simulate"])
def test_wider_level_gives_wider_intervals(fits, sample, interval):
    res = fits[BetaGeo]
    widths = []
    for level in (0.5, 0.8, 0.95, 0.99):
        f = res.expected_purchases(sample, horizon=20.0, interval=interval, level=level, seed=1)
        widths.append((f["upper"] - f["lower"]).to_numpy())
        assert (f["lower"] <= f["estimate"]).all() and (f["estimate"] <= f["upper"]).all() \
            or interval == "simulate"
        assert f.attrs == {"interval": interval, "level": level}
    assert all((w2 > w1).all() for w1, w2 in zip(widths, widths[1:]))


def test_simulate_is_seeded_and_chunking_does_not_change_it(fits, sample, monkeypatch):
    res = fits[ParetoNBD]
    a = res.p_alive(sample, interval="simulate", n_draws=50, seed=11)
    pd.testing.assert_frame_equal(a, res.p_alive(sample, interval="simulate", n_draws=50, seed=11))
    monkeypatch.setattr(uncertainty, "_BLOCK_BYTES", 8 * 50 * 7)  # 7 customers per block
    pd.testing.assert_frame_equal(a, res.p_alive(sample, interval="simulate", n_draws=50, seed=11))
    assert not a.equals(res.p_alive(sample, interval="simulate", n_draws=50, seed=12))


def test_point_predictions_unchanged_without_interval(fits, sample):
    res = fits[BetaGeo]
    s = res.p_alive(sample)
    assert isinstance(s, pd.Series)
    pd.testing.assert_series_equal(res.p_alive(sample, interval="delta")["estimate"], s, check_names=False)


def test_no_repeat_purchase_bgnbd_p_alive_is_a_point(fits, sample):
    f = fits[BetaGeo].p_alive(sample[sample["frequency"] == 0], interval="delta")
    assert (f["lower"] == 1.0).all() and (f["upper"] == 1.0).all()


@pytest.mark.parametrize("kwargs, name", [({"interval": "x"}, "interval"),
                                          ({"interval": "delta", "level": 1.5}, "level"),
                                          ({"interval": "simulate", "n_draws": 3}, "n_draws"),
                                          ({"interval": "delta", "level": "high"}, "level")])
def test_bad_input_names_the_argument(fits, sample, kwargs, name):
    res = fits[BetaGeo]
    for call in (lambda: res.p_alive(sample, **kwargs), lambda: res.expected_purchases(sample, horizon=5, **kwargs)):
        with pytest.raises(DataError, match=name):
            call()


def test_interval_needs_one_horizon(fits, sample):
    with pytest.raises(DataError, match="horizon"):
        fits[BetaGeo].expected_purchases(sample, horizon=[1.0, 2.0], interval="delta")


@pytest.mark.parametrize("shape", [(200, 50), (37, 3), (10, 1)])
def test_column_quantiles_equal_numpy_quantile(shape):
    block = np.random.default_rng(2).standard_normal(shape)
    q = [0.025, 0.05, 0.5, 0.95, 0.975]
    np.testing.assert_allclose(uncertainty._column_quantiles(block, q), np.quantile(block, q, axis=0),
                               rtol=0, atol=1e-14)
