"""interval= for the other quantities of the CLV family (issue 19, item 1): expected purchases
of a new customer, DERT, Gamma-Gamma expected spend, sBG survival / retention / DERL and the
cohort forecast, all through the one engine (``custvalue.clv._uncertainty.interval_of``).

Reference: the delta-method bounds against an independent computation here: central
differences in the *natural* parameters of the quantity written from the kernels, with the
natural-scale covariance (first-order invariant to the reparametrisation), then the bounds
on the stated link scale. The simulated interval is checked to agree with it in width.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from custvalue.clv import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from custvalue.clv.forecast import cohort_repeat_transactions
from custvalue.math import gammagamma as gg_kernel
from custvalue.math import sbg as sbg_kernel

Z = stats.norm.ppf(0.975)


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    return {"bg": BetaGeo().fit(cdnow_summary), "pnbd": ParetoNBD().fit(cdnow_summary),
            "gg": GammaGamma().fit(cdnow_summary),
            "sbg": ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])}


def _se(f, params, cov, link):
    g = []
    for j in range(params.size):
        h = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        g.append((link(f(up)) - link(f(down))) / (2 * h))
    g = np.stack(g, axis=-1)
    return np.sqrt(np.einsum("ij,jk,ik->i", np.atleast_2d(g), cov, np.atleast_2d(g)))


def _check(frame, f, res, scale):
    params, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    link, inv = (np.log, np.exp) if scale == "log" else (special.logit, special.expit)
    est = np.atleast_1d(f(params))
    se = _se(f, params, cov, link)
    np.testing.assert_allclose(frame["estimate"].to_numpy(), est, rtol=1e-10)
    np.testing.assert_allclose(frame["lower"].to_numpy(), inv(link(est) - Z * se), rtol=1e-4)
    np.testing.assert_allclose(frame["upper"].to_numpy(), inv(link(est) + Z * se), rtol=1e-4)
    assert frame.attrs["interval"] == "delta"


def _del_by_summation(p, rates):
    """DEL = sum_t S(t) / (1+d)^t, S(t) = B(alpha, beta+t) / B(alpha, beta) (FH07 eq. 5), summed
    directly instead of FH10's 2F1 (4,000 periods: the terms fall below 1e-16 long before)."""
    alpha, beta = p
    t = np.arange(4000.0)
    log_s = special.betaln(alpha, beta + t) - special.betaln(alpha, beta)
    return np.exp(log_s[None, :] - t[None, :] * np.log1p(rates)[:, None]).sum(axis=1)


def _cases(fits, d):
    x, t_x, T, m = (d[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    h = np.array([5.0, 39.0, 100.0])
    bg, pn, gg, sb = fits["bg"], fits["pnbd"], fits["gg"], fits["sbg"]
    births = 38.86 - d["T"].to_numpy()
    times = np.array([20.0, 39.0, 78.0])

    def cohort(p):
        age = times[:, None] - births[None, :]
        vals = bg.kernel.expected_purchases_new_customer(np.maximum(age, 0.0), *p)
        return np.where(age > 0, vals, 0.0).sum(axis=1)

    return {
        "new customer": (bg, "log", lambda **k: bg.expected_purchases_new_customer(h, **k),
                         lambda p: bg.kernel.expected_purchases_new_customer(h, *p)),
        "dert (Pareto/NBD, closed form)": (pn, "log", lambda **k: pn.dert(d, discount_rate=0.01, **k),
                                           lambda p: pn.kernel.dert(np.log1p(0.01), *p, x, t_x, T)),
        "expected spend": (gg, "log", lambda **k: gg.expected_spend(d, **k),
                           lambda p: gg_kernel.expected_spend(*p, x, m)),
        "sBG survival": (sb, "logit", lambda **k: sb.survival([1, 4, 12], **k),
                         lambda p: sbg_kernel.survival(*p, np.array([1.0, 4.0, 12.0]))),
        "sBG retention": (sb, "logit", lambda **k: sb.retention_rate([1, 7], **k),
                          lambda p: sbg_kernel.retention_rate(*p, np.array([1.0, 7.0]))),
        "sBG DERL": (sb, "log", lambda **k: sb.discounted_expected_residual_lifetime(0.1, [0, 3, 10], **k),
                     lambda p: sbg_kernel.derl(*p, 0.1, np.array([0.0, 3.0, 10.0]))),
        "sBG DEL": (sb, "log", lambda **k: sb.discounted_expected_lifetime([0.1, 0.25], **k),
                    lambda p: _del_by_summation(p, np.array([0.1, 0.25]))),
        "cohort": (bg, "log", lambda **k: cohort_repeat_transactions(bg, births, times, **k).rename(
            columns={"cumulative": "estimate", "cumulative_lower": "lower", "cumulative_upper": "upper"}),
            cohort),
    }


CASES = ["new customer", "dert (Pareto/NBD, closed form)", "expected spend", "sBG survival", "sBG retention",
         "sBG DERL", "sBG DEL", "cohort"]


@pytest.mark.parametrize("case", CASES)
def test_delta_against_natural_scale_central_differences(fits, cdnow_summary, case):
    res, scale, call, f = _cases(fits, cdnow_summary.iloc[::60])[case]
    _check(call(interval="delta"), f, res, scale)


@pytest.mark.parametrize("case", CASES)
def test_simulate_agrees_with_delta_and_point_is_unchanged(fits, cdnow_summary, case):
    res, scale, call, f = _cases(fits, cdnow_summary.iloc[::60])[case]
    delta = call(interval="delta")
    sim = call(interval="simulate", n_draws=300, seed=5)
    np.testing.assert_allclose(sim["estimate"], delta["estimate"])
    link = np.log if scale == "log" else special.logit
    ratio = (link(sim["upper"]) - link(sim["lower"])) / (link(delta["upper"]) - link(delta["lower"]))
    # Pareto/NBD's beta has a 53% relative standard error: a skewed simulated interval
    assert 0.75 < float(np.median(ratio)) < 1.3  # 300 draws: quantiles to about +-8%


def test_bootstrap_for_the_sbg_and_the_spend_model(fits, cdnow_summary):
    sb = fits["sbg"].discounted_expected_residual_lifetime(0.1, [0, 4], interval="bootstrap", n_draws=60, seed=1)
    delta = fits["sbg"].discounted_expected_residual_lifetime(0.1, [0, 4], interval="delta")
    assert sb.attrs["n_failed"] == 0 and list(sb.index) == [0, 4] and sb.index.name == "n_renewals"
    ratio = (np.log(sb["upper"] / sb["lower"]) / np.log(delta["upper"] / delta["lower"])).to_numpy()
    assert np.all((ratio > 0.6) & (ratio < 1.5))
    gg = fits["gg"].expected_spend(cdnow_summary.head(4), interval="bootstrap", n_draws=30, seed=2)
    assert ((gg["lower"] <= gg["estimate"]) & (gg["estimate"] <= gg["upper"])).all()


def test_point_outputs_unchanged_without_interval(fits, cdnow_summary):
    bg, sb = fits["bg"], fits["sbg"]
    assert isinstance(bg.expected_purchases_new_customer(39.0), float)
    assert isinstance(sb.survival(3), float)
    assert list(cohort_repeat_transactions(bg, [0.0, 1.0], [5.0]).columns) == ["cumulative", "incremental"]


@pytest.mark.parametrize("shift", [0, 1])
def test_compiled_p_alive_logit_se_against_central_differences(fits, cdnow_summary, shift):
    from custvalue.math import betageo

    d = cdnow_summary.iloc[::25]
    x, t_x, T = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    res = fits["bg"]
    params, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = _se(lambda p: betageo.p_alive(*p, x, t_x, T, shift=shift), params, cov, special.logit)
    got = betageo.p_alive_logit_se(*params, x, t_x, T, cov, shift=shift)
    moving = (x > 0) | (shift > 0)
    np.testing.assert_allclose(got[moving], ref[moving], rtol=1e-5)
    assert (got[~moving] == 0).all()
