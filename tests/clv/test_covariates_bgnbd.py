"""Static covariates in the BG/NBD and MBG/NBD (issue 18), CLVTools' parameterisation
(``src/bgnbd.cpp``): ``α_i = α exp(-γ_purchase' z_i)``, ``a_i = a exp(γ_dropout' z_i)``,
``b_i = b exp(γ_dropout' z_i)``.

References: the scalar kernels at each customer's own parameters, central differences, and
recovery from bases simulated with known coefficients; the simulators against the model's
closed-form mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from custvalue.math import betageo as bgk
from custvalue.math import modbetageo as mbgk
from custvalue.math import paretonbd as pk
from custvalue.simulate import (simulate_betageo_covariates, simulate_modbetageo_covariates,
                                simulate_paretonbd_covariates)

FAMILY = {
    "bg": (BetaGeo, bgk, simulate_betageo_covariates, dict(r=0.25, alpha=4.0, a=0.8, b=2.5)),
    "mbg": (ModifiedBetaGeo, mbgk, simulate_modbetageo_covariates, dict(r=0.5, alpha=6.0, a=0.9, b=3.0)),
}
COEF_P = {"channel": 0.5, "score": -0.2}
COEF_D = {"channel": -0.6, "score": 0.3}


def _base(which: str, n: int, seed: int) -> pd.DataFrame:
    _, _, sim, truth = FAMILY[which]
    rng = np.random.default_rng(seed)
    Z = pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float), "score": rng.normal(size=n).round(2)})
    return sim(Z, **truth, T=rng.uniform(20.0, 52.0, n).round(1), purchase_coefficients=COEF_P,
               dropout_coefficients=COEF_D, seed=seed + 1)


def _individual(p: pd.Series, frame: pd.DataFrame, purchase, dropout):
    eta_p = sum(p[f"purchase.{c}"] * frame[c].to_numpy() for c in purchase)
    eta_d = sum(p[f"dropout.{c}"] * frame[c].to_numpy() for c in dropout)
    return p["alpha"] * np.exp(-eta_p), p["a"] * np.exp(eta_d), p["b"] * np.exp(eta_d)


@pytest.mark.parametrize("which", ["bg", "mbg"])
@pytest.mark.parametrize("cols", [["channel"], ["channel", "score"]])
def test_loglike_and_gradient(which, cols):
    model, kern, _, truth = FAMILY[which]
    rows = _base(which, 1500, 5)
    m = model(rows, purchase_covariates=cols, dropout_covariates=cols)
    assert (m._patterns() is not None) == (cols == ["channel"])
    p = pd.Series({**truth, **{f"purchase.{c}": 0.3 for c in cols}, **{f"dropout.{c}": -0.25 for c in cols}})
    al, a, b = _individual(p, rows, cols, cols)
    ref = sum(float(kern.loglike(truth["r"], ai, aa, bb, x, tx, T)[()]) for ai, aa, bb, x, tx, T in
              zip(al, a, b, rows["frequency"], rows["recency"], rows["T"]))
    theta = p.to_numpy()
    assert m.loglike(theta) == pytest.approx(ref, rel=1e-11)
    ll, g = m.loglike_and_score(theta)
    assert ll == pytest.approx(ref, rel=1e-11)
    eps = 1e-6 * np.maximum(1.0, np.abs(theta))
    num = np.array([(m.loglike(theta + e) - m.loglike(theta - e)) / (2 * h)
                    for e, h in zip(np.diag(eps), eps)])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(m.weights @ m.score_obs(theta), g, rtol=1e-9, atol=1e-7)


@pytest.mark.parametrize("which", ["bg", "mbg"])
def test_recovery_within_3_se_and_predictions_per_customer(which):
    model, kern, _, truth = FAMILY[which]
    d = _base(which, 20_000, 7)
    res = model(purchase_covariates=["channel", "score"], dropout_covariates=["channel", "score"]).fit(d)
    full = pd.Series({**truth, **{f"purchase.{k}": v for k, v in COEF_P.items()},
                      **{f"dropout.{k}": v for k, v in COEF_D.items()}})
    z = (res.params - full[res.params.index]) / res.bse
    assert res.converged and (z.abs() < 3).all(), z
    head = d.head(8)
    al, a, b = _individual(res.params, head, ["channel", "score"], ["channel", "score"])
    r = res.params["r"]
    x, tx, T = (head[c].to_numpy() for c in ("frequency", "recency", "T"))
    ref = [float(kern.p_alive(r, *q, xi, ti, Ti)[()]) for q, xi, ti, Ti in zip(zip(al, a, b), x, tx, T)]
    np.testing.assert_allclose(res.p_alive(head), ref, rtol=1e-12)
    ref_e = [float(np.ravel(kern.conditional_expected_purchases(10.0, r, *q, xi, ti, Ti))[0])
             for q, xi, ti, Ti in zip(zip(al, a, b), x, tx, T)]
    np.testing.assert_allclose(res.expected_purchases(head, horizon=10.0), ref_e, rtol=1e-10)
    ref_n = [float(np.ravel(kern.expected_purchases_new_customer(10.0, r, *q))[0]) for q in zip(al, a, b)]
    np.testing.assert_allclose(res.expected_purchases_new_customer(10.0, data=head), ref_n, rtol=1e-12)
    assert (res.dert(head, discount_rate=0.01) > 0).all()


@pytest.mark.parametrize("which", ["bg", "mbg"])
def test_zero_coefficients_reduce_to_the_model_without(which):
    model, _, _, _ = FAMILY[which]
    d = _base(which, 3000, 9)
    plain = model().fit(d)
    for cols in (["channel"], ["score"]):
        m = model(d, purchase_covariates=cols, dropout_covariates=cols)
        theta = np.concatenate([plain.params.to_numpy(), [0.0, 0.0]])
        assert m.loglike(theta) == pytest.approx(plain.llf, rel=1e-12)
        assert m.loglike_and_score(theta)[0] == pytest.approx(plain.llf, rel=1e-12)


@pytest.mark.parametrize("which", ["bg", "mbg", "pnbd"])
def test_simulators_match_the_closed_form_mean_per_pattern(which):
    """Mean frequency of each covariate group = E[X(T)] of the model at that group's scales."""
    n = 200_000
    Z = pd.DataFrame({"channel": np.repeat([0.0, 1.0], n // 2)})
    if which == "pnbd":
        truth = dict(r=0.55, alpha=10.58, s=0.61, beta=11.67)
        d = simulate_paretonbd_covariates(Z, **truth, T=39.0, purchase_coefficients={"channel": 0.5},
                                          dropout_coefficients={"channel": -0.4}, seed=3)
        expect = [float(np.ravel(pk.expected_purchases_new_customer(39.0, 0.55, 10.58 * np.exp(-0.5 * z), 0.61,
                                                                    11.67 * np.exp(0.4 * z)))[0]) for z in (0, 1)]
    else:
        _, kern, sim, truth = FAMILY[which]
        d = sim(Z, **truth, T=39.0, purchase_coefficients={"channel": 0.5}, dropout_coefficients={"channel": -0.4},
                seed=3)
        expect = [float(np.ravel(kern.expected_purchases_new_customer(
            39.0, truth["r"], truth["alpha"] * np.exp(-0.5 * z), truth["a"] * np.exp(-0.4 * z),
            truth["b"] * np.exp(-0.4 * z)))[0]) for z in (0, 1)]
    got = d.groupby("channel")["frequency"].agg(["mean", "std", "size"])
    se = got["std"] / np.sqrt(got["size"])
    assert np.all(np.abs(got["mean"].to_numpy() - expect) < 4 * se.to_numpy()), (got, expect)
    assert list(d.columns[:3]) == ["frequency", "recency", "T"] and "channel" in d


def test_pareto_and_bg_refuse_nothing_they_should_take():
    """The covariate keywords exist on the three models and nowhere is a covariate a data column."""
    for model in (ParetoNBD, BetaGeo, ModifiedBetaGeo):
        m = model(purchase_covariates=["z"], dropout_covariates=["w"], shared_covariates=["v"])
        assert m.param_names[4:] == ("purchase.z", "dropout.w", "shared.v")


@pytest.mark.parametrize("model", [ParetoNBD, BetaGeo])
def test_covariates_in_large_units_converge_like_standardised_ones(model):
    """An income in currency units (mean 5e4): the optimiser works in standardised coordinates,
    so the fit converges, and its coefficient is the standardised fit's divided by the scale."""
    rng = np.random.default_rng(5)
    n = 6000
    Z = pd.DataFrame({"income": rng.normal(50_000, 15_000, n).round(0)})
    d = simulate_paretonbd_covariates(Z, r=0.55, alpha=10.58, s=0.61, beta=11.67, T=rng.uniform(20, 52, n).round(1),
                                      purchase_coefficients={"income": 2e-5}, seed=2)
    d["income_std"] = (d["income"] - 50_000) / 15_000
    raw = model(purchase_covariates=["income"], dropout_covariates=["income"]).fit(d)
    std = model(purchase_covariates=["income_std"], dropout_covariates=["income_std"]).fit(d)
    assert raw.converged and std.converged
    assert raw.llf == pytest.approx(std.llf, abs=1e-6)
    np.testing.assert_allclose(raw.params.iloc[4:].to_numpy() * 15_000, std.params.iloc[4:].to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(raw.bse.iloc[4:].to_numpy() * 15_000, std.bse.iloc[4:].to_numpy(), rtol=1e-3)
