"""PLS-PM reproduces the published ECSI results on mobi and R plspm's `satisfaction` example.

Provenance: tests/reference/pls_reference.md (values from /work/shared/data/README.md).
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from custvalue.loyalty import PLSPM, plspm

from ._models import ECSI, SATISFACTION, load_mobi, load_satisfaction

MOBI_PATHS = {"Satisfaction -> Loyalty": 0.486, "Quality -> Satisfaction": 0.512,
              "Value -> Satisfaction": 0.195, "Image -> Satisfaction": 0.179,
              "Image -> Expectation": 0.505, "Expectation -> Quality": 0.557,
              "Quality -> Value": 0.558, "Satisfaction -> Complaints": 0.528,
              "Image -> Loyalty": 0.196}


@pytest.fixture(scope="module")
def mobi_fit():
    return plspm(ECSI, load_mobi(), scheme="path", scale=True)


def test_mobi_ecsi_paths_r2_gof(mobi_fit):
    res = mobi_fit
    assert res.converged
    for k, v in MOBI_PATHS.items():
        assert res.paths[k] == pytest.approx(v, abs=1e-3), k
    assert res.r2["Satisfaction"] == pytest.approx(0.681, abs=1e-3)
    assert res.r2["Loyalty"] == pytest.approx(0.457, abs=1e-3)
    assert res.gof == pytest.approx(0.472, abs=1e-3)


def test_satisfaction_plspm_gof_to_1e6():
    res = plspm(SATISFACTION, load_satisfaction(), scheme="centroid", scale=False)
    assert res.gof == pytest.approx(0.609741624338411, abs=1e-6)
    assert res.paths["SAT -> LOY"] == pytest.approx(0.4955, abs=5e-5)
    assert res.paths["VAL -> SAT"] == pytest.approx(0.5893, abs=5e-5)


def test_satisfaction_items_share_a_scale_so_raw_units_are_the_default():
    d = load_satisfaction()
    assert PLSPM(SATISFACTION, d).scale is False


def test_fixed_point_equations_hold_on_raw_data(mobi_fit):
    """At convergence, mode-A weights are proportional to cov(x, Z) and path coefficients are
    OLS of the scores (checked with statsmodels on the data, not on covariances)."""
    res = mobi_fit
    d = load_mobi()
    X = d[res.model.items].to_numpy(float)
    X = (X - X.mean(0)) / X.std(0)
    Y = res.scores
    # paths = OLS of standardised scores (statsmodels)
    for target in res.model.spec.endogenous:
        preds = [a for a, b in res.model.spec.paths if b == target]
        ols = sm.OLS(Y[target], sm.add_constant(Y[preds])).fit()
        for p in preds:
            assert ols.params[p] == pytest.approx(res.paths[f"{p} -> {target}"], abs=1e-12)
        assert ols.rsquared == pytest.approx(res.r2[target], abs=1e-12)
    # loadings are correlations of items with scores
    for item, lv in [("CUSA2", "Satisfaction"), ("PERQ4", "Quality"), ("CUSL2", "Loyalty")]:
        r = np.corrcoef(d[item], Y[lv])[0, 1]
        assert res.loadings[item] == pytest.approx(r, abs=1e-12)
    # mode A fixed point: weights proportional to cov(x_j, Z), Z = path-scheme inner estimate
    target = "Satisfaction"
    preds = [a for a, b in res.model.spec.paths if b == target]
    succ = [b for a, b in res.model.spec.paths if a == target]
    coef = sm.OLS(Y[target], Y[preds]).fit().params
    Z = Y[preds] @ coef + sum(np.corrcoef(Y[target], Y[s])[0, 1] * Y[s] for s in succ)
    idx = [res.model.items.index(c) for c in ("CUSA1", "CUSA2", "CUSA3")]
    cov = X[:, idx].T @ (Z.to_numpy() - Z.mean()) / len(X)
    w = res.weights[["CUSA1", "CUSA2", "CUSA3"]].to_numpy()
    np.testing.assert_allclose(cov / np.linalg.norm(cov), w / np.linalg.norm(w), atol=2e-3)


def test_scores_standardised_and_indexed(mobi_fit):
    s = mobi_fit.scores
    assert s.index.equals(load_mobi().index)
    np.testing.assert_allclose(s.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(s.std(ddof=0), 1, atol=1e-12)


def test_reliability_and_discriminant_validity_by_hand(mobi_fit):
    res = mobi_fit
    d = load_mobi()
    z = (d - d.mean()) / d.std(ddof=0)
    items = ["CUSA1", "CUSA2", "CUSA3"]
    k = len(items)
    alpha = k / (k - 1) * (1 - z[items].var(ddof=0).sum() / z[items].sum(axis=1).var(ddof=0))
    lam = res.loadings[items]
    rho = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
    rel = res.reliability.loc["Satisfaction"]
    assert rel["cronbach_alpha"] == pytest.approx(alpha, abs=1e-12)
    assert rel["composite_reliability"] == pytest.approx(rho, abs=1e-12)
    assert rel["ave"] == pytest.approx((lam ** 2).mean(), abs=1e-12)
    # HTMT (Henseler et al. 2015) by explicit averaging of item correlations
    C = d.corr().abs()
    a_items, b_items = ["CUSA1", "CUSA2", "CUSA3"], ["CUSL1", "CUSL2", "CUSL3"]
    hetero = C.loc[a_items, b_items].to_numpy().mean()
    mono = lambda it: C.loc[it, it].to_numpy()[np.triu_indices(len(it), 1)].mean()  # noqa: E731
    assert res.htmt.loc["Satisfaction", "Loyalty"] == pytest.approx(hetero / np.sqrt(mono(a_items) * mono(b_items)), abs=1e-12)
    fl = res.fornell_larcker
    assert fl.loc["Satisfaction", "Satisfaction"] == pytest.approx(np.sqrt(rel["ave"]))
    assert fl["passes"].dtype == bool
    assert np.isnan(res.htmt.loc["Complaints", "Loyalty"])  # one-item block


def test_gof_by_hand(mobi_fit):
    res = mobi_fit
    multi = [it for it in res.model.items if it != "CUSCO"]
    com = (res.loadings[multi] ** 2).mean()
    assert res.gof == pytest.approx(np.sqrt(com * res.r2.mean()), abs=1e-14)


def test_effects_are_products_of_paths(mobi_fit):
    p = mobi_fit.paths
    eff = mobi_fit.effects
    # Image -> Quality runs only through Expectation
    assert eff.loc["Image -> Quality", "indirect"] == pytest.approx(
        p["Image -> Expectation"] * p["Expectation -> Quality"], abs=1e-14)
    # Satisfaction -> Loyalty: direct + via Complaints
    assert eff.loc["Satisfaction -> Loyalty", "total"] == pytest.approx(
        p["Satisfaction -> Loyalty"] + p["Satisfaction -> Complaints"] * p["Complaints -> Loyalty"], abs=1e-14)
    assert set(eff.columns) == {"direct", "indirect", "total"}
    assert isinstance(mobi_fit.summary().as_text(), str)
    assert isinstance(eff, pd.DataFrame)
