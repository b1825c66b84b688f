"""The fused compiled paths of the parameter-uncertainty intervals (issue 19, item 5).

``interval="simulate"`` (and ``"bootstrap"``) of the BG/NBD family's P(alive) takes the
quantiles over the draws customer by customer in one compiled pass, without the draws x
customers block. Reference: the block implementation of ``custvalue.clv._uncertainty``
(``_simulate``: the prediction at each draw, then ``numpy.quantile`` over the block's
columns) at the same draws; the in-place quantiles against ``numpy.quantile`` itself.
"""

from __future__ import annotations

import numpy as np
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


# -- the delta method for expected purchases in one pass ------------------------------------
# parameter sets across the box of tests/clv/test_extreme_parameters_bgnbd.py: CDNOW, heavy and
# light purchase shapes, a near and at 1, a far above 1, concentrated and diffuse dropout Betas
GRID = [(0.243, 4.414, 0.793, 2.426), (0.05, 0.1, 0.05, 0.1), (50.0, 1000.0, 0.5, 3.0), (2.0, 30.0, 1.0, 5.0),
        (0.5, 8.0, 1.0 + 1e-9, 2.0), (0.8, 3.0, 50.0, 400.0), (0.3, 10.0, 3.0, 0.2), (5.0, 2.0, 0.01, 0.01),
        (0.243, 4.414, 1e4, 3e4), (1e-2, 1e2, 2.0, 1e3)]


def _cov(params, rel=0.1, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((4, 4))
    corr = np.corrcoef(m @ m.T + 4 * np.eye(4))
    sd = rel * np.asarray(params)
    return corr * np.outer(sd, sd)


def _central_log_gradient(f, params):
    """d log f / d params by 4-point central differences (Richardson), relative step 1e-3."""
    g = []
    for j in range(4):
        h = 1e-3 * params[j]

        def at(k):
            p = np.array(params, dtype=float)
            p[j] += k * h
            return np.log(f(p))

        g.append((8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h))
    return np.stack(g, axis=-1)


@pytest.mark.parametrize("kernel_name", ["betageo", "modbetageo"])
@pytest.mark.parametrize("params", GRID)
def test_expected_purchases_log_se_against_central_differences(kernel_name, params):
    from custvalue.math import modbetageo

    mod = {"betageo": betageo, "modbetageo": modbetageo}[kernel_name]
    x, t_x, T = _frequency_base(8000, seed=6)
    t = 26.0
    cov = _cov(params)
    est, se = mod.expected_purchases_log_se(*params, t, x, t_x, T, cov)
    point = mod.conditional_expected_purchases(np.array([[t]]), *params, x[:, None], t_x[:, None], T[:, None])[:, 0]
    np.testing.assert_allclose(est, point, rtol=1e-14, atol=0)
    sel = np.r_[np.arange(0, x.size, 29), np.flatnonzero(x >= 30)]  # a sample and the small groups
    # the reference: the prediction row by row (no tables: one cell per row), differentiated
    grad = _central_log_gradient(lambda p: mod.conditional_expected_purchases(t, *p, x[sel], t_x[sel], T[sel]),
                                 params)
    ref = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    np.testing.assert_allclose(se[sel], ref, rtol=1e-6, atol=1e-12)


def test_expected_purchases_delta_uses_the_one_pass_kernel_and_agrees(cdnow_summary):
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(2)
    data = simulate_betageo(10_000, T=rng.uniform(27.0, 39.0, 10_000), seed=rng, r=0.243, alpha=4.414, a=0.793,
                            b=2.426)[["frequency", "recency", "T"]]
    res = BetaGeo().fit(data)
    got = res.expected_purchases(data, horizon=39.0, interval="delta", level=0.9)
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    tt = np.array([[39.0]])
    est, lo, hi = uncertainty.prediction_interval(  # forward differences, the generic path
        lambda p, rows: betageo.conditional_expected_purchases(tt, *p, x[rows, None], t_x[rows, None],
                                                               T[rows, None])[:, 0], x.size,
        res.params.to_numpy(), res.cov_params.to_numpy(), res.model._transforms, interval="delta", level=0.9,
        scale="log")
    np.testing.assert_array_equal(got["estimate"].to_numpy(), est)
    np.testing.assert_allclose(got["lower"].to_numpy(), lo, rtol=1e-5)
    np.testing.assert_allclose(got["upper"].to_numpy(), hi, rtol=1e-5)


@pytest.mark.parametrize("shift", [0, 1])
def test_p_alive_logit_se_with_estimate_is_p_alive(shift):
    x, t_x, T = _customers()
    cov = _cov(BG)
    for n in (300, 3000):  # the serial and the parallel kernels alike
        rows = slice(0, n)
        p, se = betageo.p_alive_logit_se(*BG, x[rows], t_x[rows], T[rows], cov, shift=shift, with_estimate=True)
        np.testing.assert_array_equal(p, betageo.p_alive(*BG, x[rows], t_x[rows], T[rows], shift=shift))
        np.testing.assert_array_equal(se, betageo.p_alive_logit_se(*BG, x[rows], t_x[rows], T[rows], cov,
                                                                   shift=shift))


def test_p_alive_delta_estimate_is_the_point_prediction(cdnow_summary):
    res = BetaGeo().fit(cdnow_summary)
    got = res.p_alive(cdnow_summary, interval="delta")
    np.testing.assert_array_equal(got["estimate"].to_numpy(), res.p_alive(cdnow_summary).to_numpy())


def test_bootstrap_draws_go_through_the_fused_quantiles_too():
    x, t_x, T = _frequency_base(5000)
    draws = _draws(1.0, 30)
    params, cov = np.array(BG), _cov(BG)
    tt = np.array([[20.0]])

    def predict(p, rows):
        return betageo.conditional_expected_purchases(tt, *p, x[rows, None], t_x[rows, None], T[rows, None])[:, 0]

    common = dict(interval="bootstrap", level=0.8, scale="log", draws=draws)
    _, lo, hi = uncertainty.prediction_interval(predict, x.size, params, cov, ("log",) * 4, **common)
    seen = []

    def fused(natural, q, rows):
        seen.append(natural.shape)
        return betageo.expected_purchases_draw_quantiles(natural, 20.0, x[rows], t_x[rows], T[rows], q)

    _, lo2, hi2 = uncertainty.prediction_interval(predict, x.size, params, cov, ("log",) * 4, draw_quantiles=fused,
                                                  **common)
    assert seen == [(30, 4)]
    np.testing.assert_allclose(lo2, lo, rtol=1e-12, atol=0)
    np.testing.assert_allclose(hi2, hi, rtol=1e-12, atol=0)


def test_a_nan_from_the_fused_quantiles_falls_back_to_the_blocks_and_their_error():
    from custvalue.exceptions import DataError

    def predict(p, rows):
        return np.full(rows.stop - rows.start, np.nan if p[0] > 1.0 else 1.0)

    def fused(natural, q, rows):
        return np.full((len(q), rows.stop - rows.start), np.nan)

    with pytest.raises(DataError, match="parameter draws gave predictions"):
        uncertainty.prediction_interval(predict, 5, np.array([1.0]), np.array([[0.5]]), ("log",), interval="simulate",
                                        level=0.9, scale="log", n_draws=50, seed=1, draw_quantiles=fused)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
def test_p_alive_delta_one_pass_agrees_with_forward_differences(cdnow_summary, model):
    res = model().fit(cdnow_summary)
    got = res.p_alive(cdnow_summary, interval="delta", level=0.9)
    x, t_x, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    est, lo, hi = uncertainty.prediction_interval(  # the generic path: forward differences
        lambda p, rows: res.kernel.p_alive(*p, x[rows], t_x[rows], T[rows]), x.size, res.params.to_numpy(),
        res.cov_params.to_numpy(), res.model._transforms, interval="delta", level=0.9, scale="logit")
    np.testing.assert_array_equal(got["estimate"].to_numpy(), est)
    # the forward differences (step 1e-6 on the free scale) are the less accurate side: a bound
    # of 5e-11 at a steep logit differs by 1.2e-5 relative
    np.testing.assert_allclose(got["lower"].to_numpy(), lo, rtol=1e-4)
    np.testing.assert_allclose(got["upper"].to_numpy(), hi, rtol=1e-4)
