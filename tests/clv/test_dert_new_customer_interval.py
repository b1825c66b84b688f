"""interval= on the DERT of a newly acquired customer (issue 19, item 1). Reference: the
delta-method bounds from central differences, in the natural parameters, of the quantity
computed independently here (scipy quad of e^{-δt} dE[X(t)] for BG/NBD, the Pareto/NBD's
closed form with no history), and the simulated interval agreeing with it in width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from custvalue.clv import BetaGeo, ParetoNBD
from custvalue.math import betageo as bg_kernel
from custvalue.math import paretonbd as pn_kernel

Z = stats.norm.ppf(0.975)
RATE = 0.01  # per week


def _bg_dert(p, horizon):
    """∫_0^H e^{-δt} dE[X(t)] = e^{-δH} E[X(H)] + δ ∫_0^H e^{-δt} E[X(t)] dt (by parts)."""
    delta = np.log1p(RATE)
    ex = lambda t: float(bg_kernel.expected_purchases_new_customer(np.array([t]), *p)[0])  # noqa: E731
    integral = integrate.quad(lambda t: np.exp(-delta * t) * ex(t), 0.0, horizon, limit=200, epsabs=0, epsrel=1e-11)[0]
    return np.exp(-delta * horizon) * ex(horizon) + delta * integral


def _pn_dert(p, horizon):
    zero = np.zeros(1)
    return float(pn_kernel.dert(np.log1p(RATE), *p, zero, zero, zero, horizon=horizon)[0])


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    return {"bg": BetaGeo().fit(cdnow_summary), "pn": ParetoNBD().fit(cdnow_summary)}


@pytest.mark.parametrize("name,f", [("bg", _bg_dert), ("pn", _pn_dert)])
def test_delta_bounds_against_differences_of_an_independent_dert(fits, name, f):
    res = fits[name]
    horizon = 52.0
    frame = res.dert_new_customer(discount_rate=RATE, horizon=horizon, interval="delta")
    params, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    est = f(params, horizon)
    grad = []
    for j in range(params.size):
        h = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        grad.append((np.log(f(up, horizon)) - np.log(f(down, horizon))) / (2 * h))
    grad = np.array(grad)
    se = float(np.sqrt(grad @ cov @ grad))
    row = frame.iloc[0]
    np.testing.assert_allclose(row["estimate"], est, rtol=1e-7)
    np.testing.assert_allclose([row["lower"], row["upper"]], [est * np.exp(-Z * se), est * np.exp(Z * se)],
                               rtol=1e-4)
    assert frame.index.tolist() == [horizon] and frame.index.name == "horizon"
    assert row["estimate"] == res.dert_new_customer(discount_rate=RATE, horizon=horizon)


def test_simulate_agrees_with_delta_and_infinite_horizon_is_labelled(fits):
    res = fits["pn"]
    delta = res.dert_new_customer(discount_rate=RATE, interval="delta", level=0.9)
    sim = res.dert_new_customer(discount_rate=RATE, interval="simulate", level=0.9, n_draws=400, seed=3)
    assert delta.index.tolist() == [np.inf]
    w_delta = float(delta["upper"].iloc[0] - delta["lower"].iloc[0])
    w_sim = float(sim["upper"].iloc[0] - sim["lower"].iloc[0])
    assert 0.8 < w_sim / w_delta < 1.25
    again = res.dert_new_customer(discount_rate=RATE, interval="simulate", level=0.9, n_draws=400, seed=3)
    assert again.equals(sim)


@pytest.fixture(scope="module")
def covariate_fit():
    from custvalue.simulate import simulate_paretonbd_covariates

    z = {"z": np.random.default_rng(4).normal(size=3000)}
    base = simulate_paretonbd_covariates(z, r=0.8, alpha=6.0, s=0.6, beta=20.0,
                                         purchase_coefficients={"z": 0.3}, dropout_coefficients={"z": -0.2},
                                         T=52.0, seed=5)
    return ParetoNBD(purchase_covariates=["z"], dropout_covariates=["z"]).fit(base)


def _delta_bounds(f, params, cov):
    """Log-scale delta bounds of ``f(params)`` from central differences in the natural parameters."""
    est = f(params)
    grad = np.empty(params.size)
    for j in range(params.size):
        h = 1e-5 * max(abs(params[j]), 1e-2)
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        grad[j] = (np.log(f(up)) - np.log(f(down))) / (2 * h)
    se = float(np.sqrt(grad @ cov @ grad))
    return est, est * np.exp(-Z * se), est * np.exp(Z * se)


def _pn_profile(p, z):
    """The Pareto/NBD with CLVTools' scaling of a profile's alpha and beta (r, alpha, s, beta,
    purchase.z, dropout.z)."""
    r, alpha, s, beta, gp, gd = p
    return [r, alpha * np.exp(-gp * z), s, beta * np.exp(-gd * z)]


def test_new_customer_intervals_with_covariates_per_profile(covariate_fit):
    """Each profile's interval is the delta method applied to the closed forms written here:
    E[X(t)] = r beta / (alpha (s-1)) (1 - (beta/(beta+t))^(s-1)) (Fader, Hardie & Lee 2005,
    note on the Pareto/NBD, eq. 9) and the no-history DERT, at the profile's own alpha and beta."""
    res = covariate_fit
    params, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    profiles = pd.DataFrame({"z": [-1.0, 0.0, 1.5]}, index=pd.Index(["low", "mid", "high"], name="segment"))

    def ex(p, z, t):
        r, a, s, b = _pn_profile(p, z)
        return r * b / (a * (s - 1)) * (1 - (b / (b + t)) ** (s - 1))

    frame = res.expected_purchases_new_customer(26.0, data=profiles, interval="delta")
    assert list(frame.index) == ["low", "mid", "high"] and frame.index.name == "segment"
    for name, z in profiles["z"].items():
        np.testing.assert_allclose(frame.loc[name].to_numpy(), _delta_bounds(lambda p: ex(p, z, 26.0), params, cov),
                                   rtol=1e-4)
    both = res.expected_purchases_new_customer([13.0, 26.0], data=profiles, interval="delta")
    assert both.index.names == ["segment", "horizon"]
    pd.testing.assert_series_equal(both.xs(26.0, level="horizon")["upper"], frame["upper"], check_names=False)
    dert = res.dert_new_customer(profiles, discount_rate=RATE, interval="delta")
    for name, z in profiles["z"].items():
        ref = _delta_bounds(lambda p: float(pn_kernel.dert(np.log1p(RATE), *_pn_profile(p, z), np.zeros(1),
                                                             np.zeros(1), np.zeros(1))[0]), params, cov)
        np.testing.assert_allclose(dert.loc[name].to_numpy(), ref, rtol=1e-4)
    np.testing.assert_allclose(dert["estimate"], res.dert_new_customer(profiles, discount_rate=RATE), rtol=1e-12)
