"""Potential value, the baselines and the value matrix against independent computations."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from custvalue.exceptions import DataError
from custvalue.potential import (MultivariateProbit, ols_potential_value, potential_value,
                                 univariate_probits, value_matrix)
from custvalue.simulate.potential import simulate_potential_base


@pytest.fixture(scope="module")
def fitted():
    base = simulate_potential_base(1500, n_products=2, seed=21)
    res = MultivariateProbit(base.ownership, base.covariates).fit()
    return base, res


def test_potential_value_and_its_sd(fitted):
    base, res = fitted
    X = base.covariates.iloc[:20]
    pv = potential_value(res, X, base.margins, owned=base.owned.iloc[:20])
    assert pv.index.equals(X.index)
    mu = res.linear_index(X).to_numpy()
    m = base.margins.to_numpy()
    P = stats.norm.cdf(mu)
    np.testing.assert_allclose(pv["potential_value"], P @ m, rtol=1e-12)
    # SD from the joint distribution of (y1, y2), computed from scipy's bivariate normal CDF
    rho = res.corr.iloc[0, 1]
    for i in range(20):
        p11 = stats.multivariate_normal.cdf(mu[i], mean=[0, 0], cov=[[1, rho], [rho, 1]], abseps=1e-12)
        probs = {(1, 1): p11, (1, 0): P[i, 0] - p11, (0, 1): P[i, 1] - p11, (0, 0): 1 - P[i, 0] - P[i, 1] + p11}
        vals = {k: k[0] * m[0] + k[1] * m[1] for k in probs}
        mean = sum(probs[k] * vals[k] for k in probs)
        var = sum(probs[k] * (vals[k] - mean) ** 2 for k in probs)
        assert pv["pv_sd"].iloc[i] == pytest.approx(np.sqrt(var), rel=1e-7)
    cur = base.owned.iloc[:20].to_numpy() @ m
    np.testing.assert_allclose(pv["current_value"], cur)
    np.testing.assert_allclose(pv["cross_sell_gap"], P @ m - cur)


def test_margins_by_name_and_bad_margins(fitted):
    base, res = fitted
    a = potential_value(res, None, base.margins)
    b = potential_value(res, None, dict(reversed(list(base.margins.items()))))
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(DataError, match=r"margins must have one entry per product \(J = 2"):
        potential_value(res, None, [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="missing"):
        potential_value(res, None, {"car": 1.0})
    with pytest.raises(DataError, match="margins must be finite"):
        potential_value(res, None, [1.0, np.nan])
    with pytest.raises(DataError, match="owned must be 0/1"):
        potential_value(res, None, base.margins, owned=base.owned * 2)


def test_univariate_baseline_has_independent_products_and_zero_cross_covariance(fitted):
    base, _ = fitted
    uni = univariate_probits(base.ownership, base.covariates)
    np.testing.assert_allclose(uni.corr.to_numpy(), np.eye(2))
    for j, p in enumerate(base.ownership.columns):
        ref = sm.Probit(base.ownership[p], sm.add_constant(base.covariates)).fit(disp=0, tol=1e-12)
        np.testing.assert_allclose(uni.beta[p].to_numpy(), ref.params.to_numpy(), atol=1e-5)
    pv = potential_value(uni, None, base.margins)
    P = uni.predict().to_numpy()
    m = base.margins.to_numpy()
    np.testing.assert_allclose(pv["pv_sd"] ** 2, (P * (1 - P)) @ m ** 2, rtol=1e-10)


def test_ols_baseline_matches_statsmodels(fitted):
    base, _ = fitted
    value = base.ownership.to_numpy() @ base.margins.to_numpy()
    ref = sm.OLS(value, sm.add_constant(base.covariates)).fit()
    ours = ols_potential_value(base.ownership, base.covariates, base.margins)
    np.testing.assert_allclose(ours.to_numpy(), ref.fittedvalues.to_numpy(), rtol=1e-9)
    assert ours.index.equals(base.covariates.index)


def test_value_matrix_2x2_labels_and_table():
    rng = np.random.default_rng(0)
    cv = pd.Series(rng.gamma(2, 50, 1000), index=pd.Index(range(1000), name="customer_id"))
    pv = pd.Series(rng.gamma(2, 80, 1000), index=cv.index)
    vm = value_matrix(cv, pv)
    hc, hp = cv > cv.median(), pv > pv.median()
    expected = np.where(hc, np.where(hp, "IV", "III"), np.where(hp, "II", "I"))
    assert (vm.segment.astype(str).to_numpy() == expected).all()
    assert vm.table["customers"].sum() == 1000
    assert vm.table.loc["II", "mean_current_value"] == pytest.approx(cv[~hc & hp].mean())
    assert "up-sell" in vm.table.loc["II", "action"]
    ax = vm.plot()
    assert ax.get_ylabel() == "potential value"


def test_value_matrix_k_by_k_and_errors():
    cv = np.arange(90.0)
    pv = np.arange(90.0)[::-1]
    vm = value_matrix(cv, pv, k=3)
    assert vm.table["customers"].sum() == 90
    assert vm.table.loc["C1-P3", "customers"] == 30 and vm.table.loc["C3-P1", "customers"] == 30
    with pytest.raises(DataError, match="same length"):
        value_matrix([1.0, 2.0], [1.0])
    with pytest.raises(DataError, match="k must be"):
        value_matrix(cv, pv, k=1)
