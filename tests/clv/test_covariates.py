"""Static covariates in the Pareto/NBD (issue 18): CLVTools' parameterisation
``α_i = α exp(-γ_purchase' z_i)``, ``β_i = β exp(-γ_dropout' z_i)``.

References are independent of the covariate code: the scalar Pareto/NBD kernel evaluated at
each customer's own (α_i, β_i), central differences of the log-likelihood, and recovery of
the coefficients from bases drawn with known truth.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv import ParetoNBD
from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.math import paretonbd as pk
from custvalue.simulate import simulate_paretonbd_covariates

TRUTH = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
COEF_P = {"channel": 0.5, "gender": -0.3}
COEF_D = {"channel": -0.4, "gender": 0.3}


def _base(n: int, seed: int, continuous: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    Z = pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float),
                      "gender": rng.integers(0, 2, n).astype(float)})
    if continuous:
        Z["spend"] = rng.normal(size=n)
    T = rng.uniform(20.0, 52.0, n).round(1)
    cp = dict(COEF_P, **({"spend": 0.25} if continuous else {}))
    return simulate_paretonbd_covariates(Z, **TRUTH, T=T, purchase_coefficients=cp, dropout_coefficients=COEF_D,
                                         seed=seed + 1)


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return _base(20_000, 3)


@pytest.fixture(scope="module")
def fitted(base):
    return ParetoNBD(purchase_covariates=["channel", "gender"], dropout_covariates=["channel", "gender"]).fit(base)


def _scales(params, frame, purchase, dropout):
    eta_p = sum(params[f"purchase.{c}"] * frame[c].to_numpy() for c in purchase)
    eta_d = sum(params[f"dropout.{c}"] * frame[c].to_numpy() for c in dropout)
    return params["alpha"] * np.exp(-eta_p), params["beta"] * np.exp(-eta_d)


def test_loglike_equals_scalar_kernel_at_each_customers_scales(base):
    """Per-customer likelihood = the scalar Pareto/NBD (FH05 eq. 19) at (α_i, β_i), both paths."""
    rows = base.iloc[:400].copy()
    rows["spend"] = np.random.default_rng(1).normal(size=len(rows))
    p = pd.Series({**TRUTH, "purchase.channel": 0.4, "purchase.spend": 0.2, "dropout.gender": -0.3})
    a_i, b_i = _scales(p, rows, ["channel", "spend"], ["gender"])
    ref = np.array([pk.loglike(TRUTH["r"], a, TRUTH["s"], b, x, tx, T) for a, b, x, tx, T in
                    zip(a_i, b_i, rows["frequency"], rows["recency"], rows["T"])]).sum()
    m = ParetoNBD(rows, purchase_covariates=["channel", "spend"], dropout_covariates=["gender"])
    assert m._patterns() is None  # continuous covariate: the per-row kernel
    assert m.loglike(p.to_numpy()) == pytest.approx(ref, rel=1e-11)
    # dummies only: one scalar-kernel pass per pattern
    p2 = pd.Series({**TRUTH, "purchase.channel": 0.4, "dropout.gender": -0.3})
    a2, b2 = _scales(p2, rows, ["channel"], ["gender"])
    ref2 = np.array([pk.loglike(TRUTH["r"], a, TRUTH["s"], b, x, tx, T) for a, b, x, tx, T in
                     zip(a2, b2, rows["frequency"], rows["recency"], rows["T"])]).sum()
    m2 = ParetoNBD(rows, purchase_covariates=["channel"], dropout_covariates=["gender"])
    assert m2._patterns() is not None
    assert m2.loglike(p2.to_numpy()) == pytest.approx(ref2, rel=1e-11)


@pytest.mark.parametrize("continuous", [False, True])
def test_gradient_and_hessian_match_finite_differences(base, continuous):
    rows = base.iloc[:3000].copy()
    cols = ["channel", "gender"]
    if continuous:
        rows["spend"] = np.random.default_rng(2).normal(size=len(rows))
        cols = ["channel", "spend"]
    m = ParetoNBD(rows, purchase_covariates=cols, dropout_covariates=["gender"], shared_covariates=[],
                  l2_penalty={"purchase": 0.01, "dropout": 0.02})
    p = np.array([0.6, 9.0, 0.7, 12.0, 0.3, -0.2, 0.25])
    ll, g, H = m.loglike_score_hessian(p)
    eps = 1e-6 * np.maximum(1.0, np.abs(p))
    num_g = np.empty_like(p)
    num_H = np.empty((p.size, p.size))
    for j in range(p.size):
        e = np.zeros_like(p)
        e[j] = eps[j]
        # loglike is the log-likelihood; the optimiser's pieces subtract the penalty
        num_g[j] = ((m.loglike(p + e) - m.penalty(p + e)) - (m.loglike(p - e) - m.penalty(p - e))) / (2 * eps[j])
        num_H[:, j] = (m.loglike_and_score(p + e)[1] - m.loglike_and_score(p - e)[1]) / (2 * eps[j])
    np.testing.assert_allclose(g, num_g, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(H, num_H, rtol=1e-5, atol=1e-3)
    # per-row scores sum to the unpenalised gradient
    sc = m.score_obs(p)
    pen = np.zeros_like(p)
    pen[4:] = -2 * m.nobs * m.covariates.penalty_weights() * p[4:]
    np.testing.assert_allclose(m.weights @ sc + pen, g, rtol=1e-9, atol=1e-6)


def test_zero_covariates_reduce_to_the_model_without(base):
    """Coefficients at zero give today's likelihood and predictions; no covariates is today's model."""
    plain = ParetoNBD().fit(base)
    m = ParetoNBD(base, purchase_covariates=["channel"], dropout_covariates=["gender"])
    theta = np.concatenate([plain.params.to_numpy(), [0.0, 0.0]])
    assert m.loglike(theta) == pytest.approx(plain.llf, rel=1e-12)
    empty = ParetoNBD(purchase_covariates=(), dropout_covariates=(), shared_covariates=()).fit(base)
    assert empty.params.equals(plain.params) and empty.llf == plain.llf
    cov_fit = m.fit()
    head = base.head(50)
    zero = type(cov_fit)(cov_fit.model, theta, np.eye(6), m.loglike(theta), converged=True, message="", n_iter=0)
    np.testing.assert_allclose(zero.p_alive(head), plain.p_alive(head), rtol=1e-10)
    np.testing.assert_allclose(zero.expected_purchases(head, horizon=26), plain.expected_purchases(head, horizon=26),
                               rtol=1e-10)
    np.testing.assert_allclose(zero.dert(head, discount_rate=0.01), plain.dert(head, discount_rate=0.01), rtol=1e-8)
    # clv(): the purchase model's covariates travel with the customers' frame
    from custvalue.clv import GammaGamma, clv
    spend = head.assign(monetary_value=np.where(head["frequency"] > 0, 20.0 + head["T"], 0.0))
    gg = GammaGamma().fit(spend[spend["frequency"] > 0].iloc[:40].assign(monetary_value=lambda f: 10 + f["T"]))
    np.testing.assert_allclose(clv(zero, gg, spend, months=6, freq="W"), clv(plain, gg, spend, months=6, freq="W"),
                               rtol=1e-8)
    with pytest.raises(DataError, match="channel"):
        clv(cov_fit, gg, spend.drop(columns="channel"), months=6, freq="W")


def test_recovers_coefficients_within_3_se(fitted):
    truth = {"purchase.channel": 0.5, "purchase.gender": -0.3, "dropout.channel": -0.4, "dropout.gender": 0.3, **TRUTH}
    z = (fitted.params - pd.Series(truth)) / fitted.bse
    assert fitted.converged
    assert (z.abs() < 3).all(), z


def test_recovers_continuous_coefficient():
    d = _base(6000, 11, continuous=True)
    res = ParetoNBD(purchase_covariates=["spend", "channel"], dropout_covariates=["gender"]).fit(d)
    assert res.model._patterns() is None
    assert abs(res.params["purchase.spend"] - 0.25) < 3 * res.bse["purchase.spend"]


def test_predictions_use_each_customers_covariates(fitted, base):
    head = base.head(20)
    a_i, b_i = _scales(fitted.params, head, ["channel", "gender"], ["channel", "gender"])
    r, s = fitted.params["r"], fitted.params["s"]
    x, tx, T = (head[c].to_numpy() for c in ("frequency", "recency", "T"))
    ref = [pk.p_alive(r, a, s, b, xi, ti, Ti) for a, b, xi, ti, Ti in zip(a_i, b_i, x, tx, T)]
    np.testing.assert_allclose(fitted.p_alive(head), np.ravel(ref), rtol=1e-10)
    ref_e = [pk.conditional_expected_purchases(10.0, r, a, s, b, xi, ti, Ti) for a, b, xi, ti, Ti in
             zip(a_i, b_i, x, tx, T)]
    np.testing.assert_allclose(fitted.expected_purchases(head, horizon=10.0), np.ravel(ref_e), rtol=1e-10)
    ref_d = [pk.dert(np.log(1.01), r, a, s, b, xi, ti, Ti) for a, b, xi, ti, Ti in zip(a_i, b_i, x, tx, T)]
    np.testing.assert_allclose(fitted.dert(head, discount_rate=0.01), np.ravel(ref_d), rtol=1e-8)
    ref_n = [pk.expected_purchases_new_customer(10.0, r, a, s, b) for a, b in zip(a_i, b_i)]
    np.testing.assert_allclose(fitted.expected_purchases_new_customer(10.0, data=head), np.ravel(ref_n), rtol=1e-12)
    ref_p = [pk.probability_of_purchases(1, 10.0, r, a, s, b) for a, b in zip(a_i[:3], b_i[:3])]
    np.testing.assert_allclose(fitted.probability_of_purchases(1, 10.0, data=head.head(3)), np.ravel(ref_p),
                               rtol=1e-10)
    ref_c = [pk.conditional_probability_of_purchases(0, 10.0, r, a, s, b, xi, ti, Ti) for a, b, xi, ti, Ti in
             zip(a_i[:3], b_i[:3], x, tx, T)]
    np.testing.assert_allclose(fitted.conditional_probability_of_purchases(0, 10.0, head.head(3)), np.ravel(ref_c),
                               rtol=1e-10)
    ci = fitted.p_alive(head, interval="delta")
    assert ((ci["lower"] <= ci["estimate"]) & (ci["estimate"] <= ci["upper"])).all()
    assert fitted.p_alive(head).index.equals(head.index)


def test_missing_and_constant_covariates_are_data_errors(base, fitted):
    with pytest.raises(DataError, match="gender"):
        ParetoNBD(base.drop(columns="gender"), purchase_covariates=["gender"])
    with pytest.raises(DataError, match="'flat'"):
        ParetoNBD(base.assign(flat=1.0), dropout_covariates=["flat"])
    with pytest.raises(DataError, match="channel"):
        fitted.p_alive(base.head().drop(columns="channel"))
    with pytest.raises(DataError, match="covariates"):
        fitted.expected_purchases_new_customer(10.0)
    with pytest.raises(DataError):
        ParetoNBD(base.assign(channel="a"), purchase_covariates=["channel"])
    with pytest.raises(ModelSpecificationError, match="shared"):
        ParetoNBD(purchase_covariates=["channel"], shared_covariates=["channel"])
    with pytest.raises(ModelSpecificationError, match="l2_penalty"):
        ParetoNBD(purchase_covariates=["channel"], l2_penalty=-1.0)
    with pytest.raises(ModelSpecificationError, match="l2_penalty"):
        ParetoNBD(purchase_covariates=["channel"], l2_penalty={"life": 1.0})


def test_shared_covariate_is_one_coefficient_in_both_processes(base):
    rows = base.iloc[:2000]
    shared = ParetoNBD(rows, shared_covariates=["channel"], purchase_covariates=["gender"])
    sep = ParetoNBD(rows, purchase_covariates=["gender", "channel"], dropout_covariates=["channel"])
    assert shared.param_names[-2:] == ("purchase.gender", "shared.channel")
    g = 0.35
    assert shared.loglike([*TRUTH.values(), 0.1, g]) == pytest.approx(sep.loglike([*TRUTH.values(), 0.1, g, g]),
                                                                     rel=1e-12)


def test_l2_penalty_shrinks_and_is_reported(base):
    rows = base.iloc[:5000]
    free = ParetoNBD(purchase_covariates=["channel"], dropout_covariates=["gender"]).fit(rows)
    pen = ParetoNBD(purchase_covariates=["channel"], dropout_covariates=["gender"],
                    l2_penalty={"purchase": 0.05, "dropout": 0.05}).fit(rows)
    assert abs(pen.params["purchase.channel"]) < abs(free.params["purchase.channel"])
    # llf is the log-likelihood; the objective maximised is llf - penalty (CLVTools: LL - N λ ||γ||²)
    expected_pen = 5000 * 0.05 * (pen.params["purchase.channel"] ** 2 + pen.params["dropout.gender"] ** 2)
    assert pen.penalty == pytest.approx(expected_pen, rel=1e-12)
    unpen = ParetoNBD(rows, purchase_covariates=["channel"], dropout_covariates=["gender"])
    assert pen.llf == pytest.approx(unpen.loglike(pen.params.to_numpy()), rel=1e-12)
    assert pen.llf < free.llf
    assert "Penalty" in pen.summary().as_text()
    huge = ParetoNBD(purchase_covariates=["channel"], dropout_covariates=["gender"], l2_penalty=1e4).fit(rows)
    assert np.all(np.abs(huge.params.iloc[4:]) < 1e-4)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 80))
def test_row_order_and_compression_do_not_change_the_likelihood(seed, n):
    rng = np.random.default_rng(seed)
    d = _base(n, seed % 97)
    d["z"] = rng.normal(size=n).round(1)
    d = d.iloc[rng.integers(0, n, 2 * n)]  # duplicated rows: compressed with weights
    kw = {"purchase_covariates": ["channel", "z"], "dropout_covariates": ["gender"]}
    p = np.array([0.5, 8.0, 0.6, 10.0, 0.2, -0.1, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = ParetoNBD(d, **kw)
        except DataError:  # a drawn covariate constant across the sample
            return
        ll = m.loglike(p)
        shuffled = ParetoNBD(d.iloc[rng.permutation(len(d))], **kw).loglike(p)
    assert shuffled == pytest.approx(ll, rel=1e-12)
    assert m.n_unique <= len(d)
    assert float(m.weights @ m.loglike_obs(p)) == pytest.approx(ll, rel=1e-12)
    # the raw rows, one by one (no compression): the same sum
    x, tx, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    la = np.log(8.0) - (0.2 * d["channel"].to_numpy() - 0.1 * d["z"].to_numpy())
    lb = np.log(10.0) - 0.3 * d["gender"].to_numpy()
    assert float(pk.individual_loglike(0.5, 0.6, la, lb, x, tx, T)[0].sum()) == pytest.approx(ll, rel=1e-12)


@pytest.mark.slow
def test_coverage_of_95_percent_intervals():
    """Over replications, the 95% Wald intervals of the coefficients cover the truth about 95%."""
    truth = pd.Series({"purchase.channel": 0.5, "purchase.gender": -0.3, "dropout.channel": -0.4,
                       "dropout.gender": 0.3})
    hits = []
    for rep in range(100):
        res = ParetoNBD(purchase_covariates=["channel", "gender"],
                        dropout_covariates=["channel", "gender"]).fit(_base(4000, 1000 + rep))
        ci = res.conf_int(0.95).loc[truth.index]
        hits.append(((ci["lower"] <= truth) & (truth <= ci["upper"])).to_numpy())
    cover = np.mean(hits, axis=0)
    # 100 replications: a binomial standard error of 2.2 points
    assert np.all(np.abs(cover - 0.95) < 0.07), cover
