"""Loyalty regressions equal statsmodels' own estimates; the domain layer is checked independently."""

import pickle

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.loyalty import formula_variables, from_formula, lr_test


def _survey(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"satisfaction": rng.normal(size=n), "switching_cost": rng.normal(size=n),
                      "trust": rng.normal(size=n)},
                     index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    lat = (0.8 * d.satisfaction + 0.3 * d.switching_cost - 0.25 * d.satisfaction * d.switching_cost
           + 0.3 * d.trust)
    d["loyalty_index"] = lat + rng.normal(size=n)
    d["loyalty"] = np.digitize(lat + rng.normal(size=n), [-1.5, -0.5, 0.5, 1.5]) + 1
    d["repurchase"] = (lat + rng.normal(size=n) > 0).astype(int)
    d["repurchase_logit"] = (lat + rng.logistic(size=n) > 0).astype(int)
    return d


DATA = _survey()
F = "satisfaction * switching_cost + trust"


def test_ols_equals_statsmodels_hc3():
    ours = from_formula(f"loyalty_index ~ {F}", DATA)
    ref = smf.ols(f"loyalty_index ~ {F}", DATA).fit(cov_type="HC3")
    np.testing.assert_array_equal(ours.params.to_numpy(), ref.params.to_numpy())
    np.testing.assert_array_equal(ours.bse.to_numpy(), ref.bse.to_numpy())
    assert ours.llf == ref.llf and ours.rsquared == ref.rsquared
    assert list(ours.params.index) == list(ref.params.index)


@pytest.mark.parametrize("distr", ["probit", "logit"])
def test_ordered_equals_statsmodels(distr):
    ours = from_formula(f"loyalty ~ {F}", DATA, kind=f"ordered_{distr}")
    ref = OrderedModel.from_formula(f"loyalty ~ {F}", DATA, distr=distr).fit(method="bfgs", maxiter=2000, disp=False)
    np.testing.assert_array_equal(ours.params.to_numpy(), ref.params.to_numpy())
    np.testing.assert_array_equal(ours.bse.to_numpy(), ref.bse.to_numpy())
    # probabilities from our thresholds equal statsmodels' predict
    np.testing.assert_allclose(ours.predict().to_numpy(), ref.predict(), atol=1e-12)
    assert ours.levels == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("kind,fn,y", [("probit", smf.probit, "repurchase"), ("logit", smf.logit, "repurchase_logit")])
def test_binary_equals_statsmodels(kind, fn, y):
    ours = from_formula(f"{y} ~ {F}", DATA, kind=kind)
    ref = fn(f"{y} ~ {F}", DATA).fit(disp=False, maxiter=2000)
    np.testing.assert_array_equal(ours.params.to_numpy(), ref.params.to_numpy())
    np.testing.assert_array_equal(ours.bse.to_numpy(), ref.bse.to_numpy())
    # average marginal effect of trust (no interaction) equals statsmodels' analytic get_margeff
    me = ref.get_margeff(at="overall", method="dydx")
    j = list(ref.params.index[1:]).index("trust")
    assert ours.marginal_effects("trust").iloc[0] == pytest.approx(me.margeff[j], abs=1e-7)


def test_ordered_marginal_effects_closed_form():
    res = from_formula("loyalty ~ satisfaction + trust", DATA, kind="ordered_probit")
    xb = res.params["satisfaction"] * DATA.satisfaction + res.params["trust"] * DATA.trust
    cuts = np.r_[-np.inf, res.thresholds.to_numpy(), np.inf]
    dens = stats.norm.pdf(cuts[None, :] - xb.to_numpy()[:, None])
    # dP_j/dx = beta * (phi(c_{j-1} - xb) - phi(c_j - xb))
    expected = res.params["satisfaction"] * (dens[:, :-1] - dens[:, 1:]).mean(0)
    got = res.marginal_effects("satisfaction")
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-7)
    assert abs(got.sum()) < 1e-9


def test_standardized_ols_equals_regression_on_z_scores():
    res = from_formula("loyalty_index ~ satisfaction + trust", DATA)
    z = (DATA - DATA.mean()) / DATA.std()
    ref = sm.OLS(z["loyalty_index"], z[["satisfaction", "trust"]]).fit()
    np.testing.assert_allclose(res.standardized_params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)


def test_lr_test_matches_statsmodels_compare_lr():
    r = from_formula("loyalty_index ~ satisfaction", DATA)
    f = from_formula("loyalty_index ~ satisfaction + trust", DATA)
    t = lr_test(r, f)
    with pytest.warns(Warning, match="robust covariance"):  # statsmodels' caution, not ours
        ref = f.sm_results.compare_lr_test(r.sm_results)
    assert t.statistic == pytest.approx(ref[0], rel=1e-10)
    assert t.pvalue == pytest.approx(ref[1], rel=1e-8, abs=1e-300)
    assert t.df == int(ref[2]) == 1


def test_lr_test_rejects_non_nested_and_other_data():
    a = from_formula("repurchase ~ satisfaction", DATA, "logit")
    b = from_formula("repurchase ~ trust + switching_cost", DATA, "logit")
    with pytest.raises(ModelSpecificationError, match="not nested"):
        lr_test(a, b)
    c = from_formula("repurchase ~ satisfaction + trust", DATA.iloc[:500], "logit")
    with pytest.raises(ModelSpecificationError, match="same respondents"):
        lr_test(a, c)
    with pytest.raises(ModelSpecificationError, match="same kind"):
        lr_test(a, from_formula("repurchase ~ satisfaction + trust", DATA, "probit"))


def test_ordered_probit_recovers_known_coefficients():
    rng = np.random.default_rng(11)
    n = 8_000
    d = pd.DataFrame({"sat": rng.normal(size=n), "trust": rng.normal(size=n)})
    cuts = [-1.0, 0.0, 0.8, 1.6]
    d["loy"] = np.digitize(0.7 * d.sat + 0.4 * d.trust + rng.normal(size=n), cuts) + 1
    res = from_formula("loy ~ sat + trust", d, kind="ordered_probit")
    z = (res.params[["sat", "trust"]] - [0.7, 0.4]) / res.bse[["sat", "trust"]]
    assert (z.abs() < 4).all(), z
    np.testing.assert_allclose(res.thresholds.to_numpy(), cuts, atol=0.06)


def test_predict_keeps_index_and_pickles():
    res = from_formula(f"loyalty ~ {F}", DATA, kind="ordered_logit")
    new = DATA.iloc[[5, 2, 9]]
    p = res.predict(new)
    assert list(p.index) == list(new.index)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    e = res.predict(new, which="expected")
    np.testing.assert_allclose(e, p.to_numpy() @ np.arange(1, 6))
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(back.params, res.params)
    with pytest.raises(AttributeError):
        res.kind = "ols"


def test_errors_name_the_problem():
    with pytest.raises(DataError, match=r"not in data: \['loyalty_score'\]"):
        from_formula("loyalty_score ~ satisfaction", DATA)
    with pytest.raises(DataError, match=r"not in data: \['price'\]"):
        from_formula("loyalty ~ satisfaction + np.log(price)", DATA)
    bad = DATA.copy()
    bad.loc["c7", "trust"] = np.nan
    with pytest.raises(DataError, match=r"missing values.*c7"):
        from_formula("loyalty ~ trust", bad)
    assert from_formula("loyalty ~ trust", bad, missing="drop").nobs == len(DATA) - 1
    const = DATA.assign(region=1.0)
    with pytest.raises(DataError, match="'region' is constant"):
        from_formula("loyalty ~ satisfaction + region", const)
    with pytest.raises(DataError, match="must hold 0/1"):
        from_formula("loyalty ~ satisfaction", DATA, kind="logit")
    with pytest.raises(DataError, match="at least 3 levels"):
        from_formula("repurchase ~ satisfaction", DATA, kind="ordered_probit")
    with pytest.raises(ModelSpecificationError, match="kind must be one of"):
        from_formula("loyalty ~ satisfaction", DATA, kind="tobit")
    with pytest.raises(DataError, match="collinear"):
        from_formula("loyalty ~ satisfaction + s2", DATA.assign(s2=2 * DATA.satisfaction))
    with pytest.raises(DataError, match="produced missing or infinite"):
        from_formula("loyalty ~ np.log(satisfaction)", DATA)


def test_summary_and_plot_render():
    import matplotlib

    matplotlib.use("Agg")
    res = from_formula(f"loyalty ~ {F}", DATA, kind="ordered_probit")
    text = str(res.summary())
    assert "ordered_probit" in text and "standardized" in text
    assert "<table" in res.summary()._repr_html_()
    ax = res.plot("satisfaction", at={"switching_cost": 1.0})
    y = ax.lines[0].get_ydata()
    assert np.all(np.diff(y) > 0)  # loyalty rises with satisfaction at high switching cost too


@settings(max_examples=25, deadline=None)
@given(st.floats(-4, 4), st.floats(-4, 4), st.floats(-4, 4))
def test_ordered_probabilities_are_a_distribution(s, c, t):
    res = _ORDERED
    p = res.predict(pd.DataFrame({"satisfaction": [s], "switching_cost": [c], "trust": [t]}))
    assert np.all((p.to_numpy() >= 0) & (p.to_numpy() <= 1))
    assert p.to_numpy().sum() == pytest.approx(1.0, abs=1e-12)


_ORDERED = from_formula(f"loyalty ~ {F}", DATA.iloc[:800], kind="ordered_probit")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), min_size=1, max_size=4, unique=True))
def test_formula_variables_finds_every_plain_name(names):
    names = [n for n in names if n not in {"np", "and", "or", "not", "in", "is", "if", "for", "def", "del", "as"}]
    formula = "y ~ " + " + ".join(names) if names else "y ~ 1"
    found, missing = formula_variables(formula, ["y"])
    assert missing == [n for n in names if n != "y"]
    assert found == ["y"]


@pytest.mark.parametrize("distr", ["probit", "logit"])
def test_analytic_engine_agrees_with_statsmodels(distr):
    """The analytic-score engine (used automatically above 20,000 respondents) fits the same model."""
    sm_fit = from_formula(f"loyalty ~ {F}", DATA, kind=f"ordered_{distr}", engine="statsmodels")
    fast = from_formula(f"loyalty ~ {F}", DATA, kind=f"ordered_{distr}", engine="analytic")
    np.testing.assert_allclose(fast.params.to_numpy(), sm_fit.params.to_numpy(), atol=2e-4)
    np.testing.assert_allclose(fast.bse.to_numpy(), sm_fit.bse.to_numpy(), rtol=2e-2)
    assert fast.llf == pytest.approx(sm_fit.llf, abs=1e-6)
    with pytest.raises(ModelSpecificationError, match="engine"):
        from_formula(f"loyalty ~ {F}", DATA, kind=f"ordered_{distr}", engine="numba")


def test_analytic_score_equals_numerical_derivative():
    from statsmodels.tools.numdiff import approx_fprime

    from custvalue.math.ordinal import ordered_loglike_obs, ordered_score, ordered_score_obs

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = np.digitize(X @ [0.5, -0.3, 0.2] + rng.normal(size=400), [-1, 0, 0.7, 1.5])
    p = np.r_[0.4, -0.2, 0.1, -0.9, -0.3, -0.5, 0.1]
    for distr in ("probit", "logit"):
        ref = OrderedModel(y, X, distr=distr)
        np.testing.assert_allclose(ordered_loglike_obs(p, X, y, 5, distr), ref.loglikeobs(p), atol=1e-12)
        num = approx_fprime(p, lambda q: ordered_loglike_obs(q, X, y, 5, distr), centered=True)
        np.testing.assert_allclose(ordered_score_obs(p, X, y, 5, distr), num, atol=1e-6)
        np.testing.assert_allclose(ordered_score(p, X, y, 5, distr), num.sum(0), atol=1e-5)
