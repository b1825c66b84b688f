"""Moderation (simple slopes, Johnson-Neyman) and nonlinear curves, checked against refits."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.loyalty import (compare_curves, curve_slopes, from_formula, johnson_neyman,
                               moderated_regression, satisfaction_curve, simple_slopes)
from custvalue.simulate.loyalty import simulate_loyalty_survey


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"sat": rng.normal(size=n), "sc": rng.normal(size=n)})
    d["loy"] = 0.6 * d.sat + 0.2 * d.sc - 0.3 * d.sat * d.sc + rng.normal(size=n)
    return d


D = _data()


def test_simple_slopes_equal_refits_with_recentred_moderator():
    """Aiken & West: the focal coefficient with the moderator centred at m is the slope at m."""
    res = from_formula("loy ~ sat * sc", D)
    at = [-1.5, 0.0, 0.7]
    ss = simple_slopes(res, "sat", "sc", at=at)
    for m in at:
        ref = smf.ols("loy ~ sat * scm", D.assign(scm=D.sc - m)).fit(cov_type="HC3")
        assert ss.loc[m, "slope"] == pytest.approx(ref.params["sat"], abs=1e-10)
        assert ss.loc[m, "std_err"] == pytest.approx(ref.bse["sat"], abs=1e-10)
        assert ss.loc[m, "pvalue"] == pytest.approx(ref.pvalues["sat"], rel=1e-8, abs=1e-300)


def test_johnson_neyman_bounds_have_p_equal_alpha():
    res = from_formula("loy ~ sat * sc", D)
    jn = johnson_neyman(res, "sat", "sc", level=0.95)
    assert jn.significant == "outside" and len(jn.bounds) == 2
    ss = simple_slopes(res, "sat", "sc", at=list(jn.bounds))
    np.testing.assert_allclose(ss["pvalue"], 0.05, atol=1e-8)
    inside = np.mean(jn.bounds)
    assert not jn.is_significant(inside) and jn.is_significant(jn.bounds[0] - 1)
    assert 0.9 < jn.share_significant <= 1.0


def test_moderation_recovered_from_simulated_survey():
    d, truth = simulate_loyalty_survey(20_000, seed=8, return_truth=True)
    lat = truth["latent"]
    res = from_formula("Loyalty ~ Satisfaction * SwitchingCost + Value + Trust + Complaints", lat)
    g = truth["interaction"][("Satisfaction", "SwitchingCost", "Loyalty")]
    z = (res.params["Satisfaction:SwitchingCost"] - g) / res.bse["Satisfaction:SwitchingCost"]
    assert abs(z) < 4, z
    for src in ("Satisfaction", "SwitchingCost", "Value", "Trust"):
        zz = (res.params[src] - truth["paths"][(src, "Loyalty")]) / res.bse[src]
        assert abs(zz) < 4, (src, zz)
    # repurchase probit recovers its known coefficients
    rep = from_formula("repurchase ~ Loyalty + SwitchingCost", lat.assign(repurchase=d["repurchase"]), "probit")
    for k, v in truth["repurchase_probit"].items():
        assert abs(rep.params[k] - v) < 4 * rep.bse[k], k


def test_moderated_regression_centres_without_changing_the_interaction():
    raw = D.assign(sat=D.sat + 5, sc=D.sc + 3)
    r = moderated_regression(raw, "loy", "sat", "sc")
    ref = from_formula("loy ~ sat * sc", raw)
    assert r.params["sat:sc"] == pytest.approx(ref.params["sat:sc"], abs=1e-10)
    assert r.params["sat"] == pytest.approx(ref.params["sat"] + ref.params["sat:sc"] * raw.sc.mean(), abs=1e-10)
    with pytest.raises(ModelSpecificationError, match="interaction"):
        simple_slopes(from_formula("loy ~ sat + sc", D), "sat", "sc")


def test_piecewise_curve_recovers_known_kink():
    rng = np.random.default_rng(3)
    s = rng.uniform(1, 10, 4000)
    d = pd.DataFrame({"sat": s, "loy": 0.1 * s + 0.8 * np.maximum(s - 7, 0) + rng.normal(0, .5, 4000)})
    r = satisfaction_curve(d, "loy", "sat", knots=[7])
    assert r.params["sat"] == pytest.approx(0.1, abs=0.03)
    assert r.params["np.maximum(sat - 7.0, 0)"] == pytest.approx(0.8, abs=0.06)
    slopes = curve_slopes(r, "sat", grid=[3.0, 9.0])
    assert slopes.iloc[0] == pytest.approx(r.params["sat"], abs=1e-6)
    assert slopes.iloc[1] == pytest.approx(r.params["sat"] + r.params["np.maximum(sat - 7.0, 0)"], abs=1e-6)
    spline = satisfaction_curve(d, "loy", "sat", form="spline", df=5)
    assert spline.rsquared > r.rsquared - 0.01


def test_compare_curves_f_equals_statsmodels_nested_f_test():
    rng = np.random.default_rng(4)
    n = 3000
    s = rng.uniform(1, 10, n)
    g = rng.integers(0, 2, n)
    loy = np.where(g == 1, 2 + 0.15 * s, 0.1 * s + 0.7 * np.maximum(s - 7, 0)) + rng.normal(0, .6, n)
    d = pd.DataFrame({"sat": s, "loy": loy, "g": g})
    cmp = compare_curves(d, "loy", "sat", "g", knots=[7], cov_type="nonrobust")
    full = smf.ols("loy ~ C(g) * (sat + np.maximum(sat - 7.0, 0))", d).fit()
    pooled = smf.ols("loy ~ sat + np.maximum(sat - 7.0, 0)", d).fit()
    f, p, df = full.compare_f_test(pooled)
    assert cmp.statistic == pytest.approx(f, rel=1e-8)
    assert cmp.df == df == 3
    assert cmp.pvalue == pytest.approx(p, rel=1e-6, abs=1e-300)
    assert list(cmp.curves.columns) == [1, 0] or set(cmp.curves.columns) == {0, 1}


def test_compare_curves_does_not_reject_a_common_curve_too_often():
    rng = np.random.default_rng(5)
    pvals = []
    for _ in range(25):
        n = 300
        s = rng.uniform(1, 10, n)
        d = pd.DataFrame({"sat": s, "g": rng.integers(0, 2, n),
                          "loy": 0.1 * s + 0.5 * np.maximum(s - 7, 0) + rng.normal(0, 1, n)})
        pvals.append(compare_curves(d, "loy", "sat", "g", knots=[7]).pvalue)
    pvals = np.array(pvals)
    assert np.mean(pvals < 0.05) <= 0.2
    assert stats.kstest(pvals, "uniform").pvalue > 0.001


def test_ordered_curve_and_group_errors():
    d = simulate_loyalty_survey(1500, seed=2)
    r = satisfaction_curve(d, "CUSL1", "satisfaction", kind="ordered_probit", knots=[7.0])
    assert r.kind == "ordered_probit" and len(r.levels) >= 5
    with pytest.raises(DataError, match="group column"):
        compare_curves(d, "loyalty", "satisfaction", "market")
    with pytest.raises(DataError, match="at least 2 groups"):
        compare_curves(d.assign(m=1), "loyalty", "satisfaction", "m")
