"""The fused compiled paths of the parameter-uncertainty intervals (issue 19, item 5).

``interval="simulate"`` (and ``"bootstrap"``) of the BG/NBD family's P(alive) takes the
quantiles over the draws customer by customer in one compiled pass, without the draws x
customers block. Reference: the block implementation of ``custvalue.clv._uncertainty``
(``_simulate``: the prediction at each draw, then ``numpy.quantile`` over the block's
columns) at the same draws; the in-place quantiles against ``numpy.quantile`` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo, ModifiedBetaGeo
from custvalue.clv import _uncertainty as uncertainty
from custvalue.math import betageo
from custvalue.math._quantiles import _draw_quantiles

BG = (0.243, 4.414, 0.793, 2.426)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 57, 200, 201])
def test_draw_quantiles_equal_numpy_quantile(n):
    rng = np.random.default_rng(n)
    q = np.array([0.0, 0.001, 0.025, 0.05, 0.05, 0.5, 0.95, 0.975, 0.999, 1.0])
    for values in (rng.standard_normal(n), rng.integers(0, 4, n).astype(float), np.full(n, 2.5),
                   np.sort(rng.standard_normal(n)), -np.sort(rng.standard_normal(n))):
        out = np.empty((q.size, 1))
        _draw_quantiles(values.copy(), q, out, 0)
        np.testing.assert_array_equal(out[:, 0], np.quantile(values, q))


def _customers(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    x = np.where(rng.random(n) < 0.4, 0.0, rng.integers(1, 60, n).astype(float))
    T = rng.uniform(0.5, 80.0, n)
    t_x = np.where(x > 0, T * rng.random(n), 0.0)
    t_x[:5] = T[:5]  # bought at the end of the window
    return x, t_x, T


def _draws(scale, n_draws=200, seed=5):
    rng = np.random.default_rng(seed)
    return np.exp(np.log(np.array(BG)) * scale + rng.normal(0.0, 0.3, (n_draws, 4)))


@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize("scale", [1.0, 3.0, -2.0])  # CDNOW-like, then parameters far from 1
def test_p_alive_draw_quantiles_equal_the_blocks(shift, scale):
    x, t_x, T = _customers()
    draws = _draws(scale)
    q = [0.025, 0.05, 0.95, 0.975]
    got = betageo.p_alive_draw_quantiles(draws, x, t_x, T, q, shift=shift)
    ref = np.quantile(np.stack([betageo.p_alive(*d, x, t_x, T, shift=shift) for d in draws]), q, axis=0)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)


def test_p_alive_draw_quantiles_flag_a_draw_that_gives_nan():
    x, t_x, T = _customers(10)
    draws = _draws(1.0, 20)
    draws[3, 1] = np.nan
    got = betageo.p_alive_draw_quantiles(draws, x, t_x, T, [0.1, 0.9])
    assert np.isnan(got[:, x > 0]).all() and (got[:, x == 0] == 1.0).all()


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
def test_p_alive_simulate_equals_the_block_implementation(cdnow_summary, model):
    res = model().fit(cdnow_summary)
    got = res.p_alive(cdnow_summary, interval="simulate", n_draws=200, seed=7, level=0.9)
    x, t_x, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    est, lo, hi = uncertainty.prediction_interval(
        lambda p, rows: res.kernel.p_alive(*p, x[rows], t_x[rows], T[rows]), x.size, res.params.to_numpy(),
        res.cov_params.to_numpy(), res.model._transforms, interval="simulate", level=0.9, scale="logit",
        n_draws=200, seed=7)
    np.testing.assert_array_equal(got["estimate"].to_numpy(), est)
    np.testing.assert_allclose(got["lower"].to_numpy(), lo, rtol=1e-12, atol=0)
    np.testing.assert_allclose(got["upper"].to_numpy(), hi, rtol=1e-12, atol=0)
    assert got.index.equals(cdnow_summary.index)


def _frequency_base(n=20_000, seed=4):
    """Integer frequencies (large groups, a tail of small ones) and ages spread over a window."""
    rng = np.random.default_rng(seed)
    x = np.minimum(rng.negative_binomial(0.4, 0.08, n), 400).astype(float)
    T = rng.uniform(27.0, 39.0, n)
    t_x = np.where(x > 0, T * rng.beta(3.0, 1.0, n), 0.0)
    return x, t_x, T


@pytest.mark.parametrize("kernel_name", ["betageo", "modbetageo"])
@pytest.mark.parametrize("scale", [1.0, 2.5, -1.5])  # CDNOW-like, then parameters far from 1
def test_expected_purchases_draw_quantiles_equal_the_blocks(kernel_name, scale):
    from custvalue.math import modbetageo

    mod = {"betageo": betageo, "modbetageo": modbetageo}[kernel_name]
    x, t_x, T = _frequency_base()
    draws = _draws(scale, 60)
    q = [0.025, 0.5, 0.975]
    got = mod.expected_purchases_draw_quantiles(draws, 39.0, x, t_x, T, q)
    # the reference: the point prediction at each draw on the whole base, numpy.quantile
    ref = np.quantile(np.stack([mod.conditional_expected_purchases(39.0, *d, x, t_x, T) for d in draws]), q, axis=0)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


def test_expected_purchases_draw_quantiles_small_and_fractional_inputs():
    x, t_x, T = _frequency_base(6000)
    x[::7] += 0.5  # not a lattice of frequencies: every customer by the blocks
    draws = _draws(1.0, 20)
    q = [0.1, 0.9]
    for rows in (slice(0, 50), slice(None)):
        got = betageo.expected_purchases_draw_quantiles(draws, 10.0, x[rows], t_x[rows], T[rows], q)
        ref = np.quantile(np.stack([betageo.conditional_expected_purchases(10.0, *d, x[rows], t_x[rows], T[rows])
                                    for d in draws]), q, axis=0)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
def test_expected_purchases_simulate_equals_the_block_implementation(model):
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(1)
    data = simulate_betageo(20_000, T=rng.uniform(27.0, 39.0, 20_000), seed=rng, r=0.243, alpha=4.414, a=0.793,
                            b=2.426)[["frequency", "recency", "T"]]
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    res = model().fit(data)
    got = res.expected_purchases(data, horizon=26.0, interval="simulate", n_draws=200, seed=9)
    kernel, tt = res.kernel, np.array([[26.0]])
    est, lo, hi = uncertainty.prediction_interval(
        lambda p, rows: kernel.conditional_expected_purchases(tt, *p, x[rows, None], t_x[rows, None],
                                                              T[rows, None])[:, 0], x.size,
        res.params.to_numpy(), res.cov_params.to_numpy(), res.model._transforms, interval="simulate", level=0.95,
        scale="log", n_draws=200, seed=9)
    np.testing.assert_array_equal(got["estimate"].to_numpy(), est)
    np.testing.assert_allclose(got["lower"].to_numpy(), lo, rtol=1e-12, atol=0)
    np.testing.assert_allclose(got["upper"].to_numpy(), hi, rtol=1e-12, atol=0)
