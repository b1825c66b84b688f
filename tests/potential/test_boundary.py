"""The potential-value package at the data boundary (issue 15): rows paired by customer
label, collinearity and the GHK dimension limit named, probabilities checked."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from custvalue.exceptions import DataError
from custvalue.potential import (MultivariateProbit, evaluate_value, gini, hit_rates, mape,
                                 ols_potential_value, potential_value, univariate_probits, value_matrix)
from custvalue.simulate.potential import simulate_potential_base


@pytest.fixture(scope="module")
def base():
    return simulate_potential_base(1500, n_products=3, seed=11)


def _shuffled(frame, seed):
    return frame.iloc[np.random.default_rng(seed).permutation(len(frame))]


# ---- MultivariateProbit: a reordered X is matched by customer id ---------------------------
def test_one_product_with_shuffled_X_equals_statsmodels_on_aligned_data(base):
    y, X = base.ownership[["car"]], base.covariates
    ref = sm.Probit(y["car"], sm.add_constant(X)).fit(disp=0, tol=1e-12)
    res = MultivariateProbit(y, _shuffled(X, 1)).fit(gtol=1e-10)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), atol=1e-6)
    assert res.llf == pytest.approx(ref.llf, abs=1e-8)


@pytest.mark.parametrize("products", [["car", "home"], ["car", "home", "life"]])
def test_shuffled_X_gives_the_aligned_fit(base, products):
    y = base.ownership[products]
    aligned = MultivariateProbit(y, base.covariates, n_draws=50).fit()
    shuffled = MultivariateProbit(y, _shuffled(base.covariates, 2), n_draws=50).fit()
    np.testing.assert_allclose(shuffled.params.to_numpy(), aligned.params.to_numpy(), rtol=0, atol=1e-10)
    assert shuffled.llf == pytest.approx(aligned.llf, abs=1e-10)
    # and a shuffled y: the same customers in another order (draws are keyed by customer id,
    # so only the order of the sums changes)
    both = MultivariateProbit(_shuffled(y, 3), _shuffled(base.covariates, 4), n_draws=50).fit()
    np.testing.assert_allclose(both.params.to_numpy(), aligned.params.to_numpy(), rtol=0, atol=1e-6)
    pd.testing.assert_frame_equal(both.predict().sort_index(), aligned.predict(), atol=1e-6, rtol=0)


def test_per_equation_designs_are_aligned_too(base):
    y = base.ownership[["car", "home"]]
    X = base.covariates
    designs = [X[["age", "income"]], X[["homeowner"]]]
    aligned = MultivariateProbit(y, designs).fit()
    shuffled = MultivariateProbit(y, [_shuffled(designs[0], 5), _shuffled(designs[1], 6)]).fit()
    np.testing.assert_allclose(shuffled.params.to_numpy(), aligned.params.to_numpy(), rtol=0, atol=1e-10)
    # predictions for new designs: the equations' rows matched by label as well
    new = [designs[0].iloc[:5], designs[1].iloc[:5].iloc[::-1]]
    pd.testing.assert_frame_equal(aligned.predict(new), aligned.predict([designs[0].iloc[:5], designs[1].iloc[:5]]))


def test_mismatched_customers_are_named(base):
    y = base.ownership[["car", "home"]]
    X = base.covariates.rename(index={7: 10_007, 9: 10_009})
    with pytest.raises(DataError, match=r"labels in y but not in X: \[7, 9\]; labels in X but not in y: \[10007, 10009\]"):
        MultivariateProbit(y, X)
    # arrays still pair by position
    res = MultivariateProbit(y.to_numpy(), base.covariates.to_numpy()).fit()
    ref = MultivariateProbit(y, base.covariates).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), atol=1e-10)


def test_owned_and_pattern_frames_follow_the_customers(base):
    y = base.ownership[["car", "home"]]
    res = MultivariateProbit(y, base.covariates).fit()
    ref = res.conditional_probability(y)
    got = res.conditional_probability(_shuffled(y, 7))
    pd.testing.assert_frame_equal(got, ref)
    pd.testing.assert_series_equal(res.joint_probability(_shuffled(y, 8)), res.joint_probability(y))
    with pytest.raises(DataError, match="owned must hold 0/1 only.*customer_id: 3"):
        res.conditional_probability(y.assign(car=np.where(y.index == 3, 2, y["car"])))


# ---- messages: collinearity, the GHK limit ----------------------------------------------------
def test_near_collinear_covariates_are_named_not_called_separation(base):
    X = base.covariates.copy()
    X["age_months"] = 12 * X["age"] + 1e-9 * np.random.default_rng(0).normal(size=len(X))
    with pytest.raises(DataError, match=r"nearly collinear.*\['age', 'age_months'\]") as info:
        MultivariateProbit(base.ownership, X)
    assert "separation" not in str(info.value)
    # exactly collinear: same message, "collinear (rank-deficient)"
    with pytest.raises(DataError, match=r"collinear \(rank-deficient\).*\['age', 'age2'\]"):
        MultivariateProbit(base.ownership, X.drop(columns="age_months").assign(age2=2 * X["age"]))
    # per-equation designs name the equation
    with pytest.raises(DataError, match=r"equation 'home'.*\['income', 'inc2'\]"):
        MultivariateProbit(base.ownership[["car", "home"]],
                           [X[["age"]], X[["income"]].assign(inc2=X["income"] * 3)])


def test_moderate_correlation_is_accepted(base):
    X = base.covariates.copy()
    X["age_noisy"] = X["age"] + 0.05 * np.random.default_rng(1).normal(size=len(X))  # r ~ 0.999
    MultivariateProbit(base.ownership[["car"]], X)


def test_more_products_than_halton_dimensions_is_a_clear_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    Y = (rng.normal(size=(300, 32)) > 0).astype(float)
    with pytest.raises(DataError, match=r"J = 32 product columns.*at most J = 31 products.*correlated=False"):
        MultivariateProbit(Y, X)
    MultivariateProbit(Y, X, correlated=False)  # independent probits have no limit
    MultivariateProbit(Y[:, :31], X, n_draws=20)  # the limit itself is allowed


# ---- baselines, value matrix, evaluation ------------------------------------------------------
def test_baselines_pair_y_and_X_by_label(base):
    y = base.ownership
    ref = univariate_probits(y, base.covariates)
    got = univariate_probits(y, _shuffled(base.covariates, 9))
    np.testing.assert_allclose(got.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    # OLS baseline against statsmodels OLS on aligned data
    value = y.to_numpy() @ base.margins.to_numpy()
    sm_fit = sm.OLS(value, sm.add_constant(base.covariates)).fit()
    ols = ols_potential_value(y, _shuffled(base.covariates, 10), base.margins)
    np.testing.assert_allclose(ols.sort_index().to_numpy(), sm_fit.fittedvalues.to_numpy(), atol=1e-9)
    with pytest.raises(DataError, match="y must be binary"):
        ols_potential_value(y * 2, base.covariates, base.margins)
    with pytest.raises(DataError, match=r"collinear.*\['age', 'a2'\]"):
        ols_potential_value(y, base.covariates.assign(a2=base.covariates["age"] * 2), base.margins)


def test_potential_value_matches_owned_by_label(base):
    res = univariate_probits(base.ownership, base.covariates)
    X = base.covariates.iloc[:50]
    ref = potential_value(res, X, base.margins, owned=base.owned.iloc[:50])
    got = potential_value(res, X, base.margins, owned=_shuffled(base.owned.iloc[:50], 11))
    pd.testing.assert_frame_equal(got, ref)
    with pytest.raises(DataError, match=r"labels in data \(the scored customers\) but not in owned: \[0\]; labels in owned but not in data \(the scored customers\): \[50\]"):
        potential_value(res, X, base.margins, owned=base.owned.iloc[1:51])


def test_value_matrix_pairs_the_axes_by_label():
    cv = pd.Series([0.0, 10.0, 0.0, 10.0], index=list("abcd"))
    pv = pd.Series([1.0, 1.0, 5.0, 5.0], index=list("abcd"))
    ref = value_matrix(cv, pv).segment
    got = value_matrix(cv, pv.iloc[::-1]).segment
    pd.testing.assert_series_equal(got, ref)
    assert ref.tolist() == ["I", "III", "II", "IV"]
    with pytest.raises(DataError, match=r"labels in current_value but not in potential_value: \['d'\]"):
        value_matrix(cv, pv.rename(index={"d": "e"}))
    with pytest.raises(DataError, match="thresholds must be finite"):
        value_matrix(cv, pv, thresholds=(np.nan, 1.0))


def test_hit_rates_reject_probabilities_outside_0_1_and_match_products_by_name():
    y = pd.DataFrame({"car": [1, 0, 1, 0], "home": [0, 0, 1, 1]}, index=list("abcd"))
    p = pd.DataFrame({"car": [0.9, 0.2, 0.7, 0.1], "home": [0.2, 0.1, 0.8, 0.6]}, index=list("abcd"))
    ref = hit_rates(y, p)
    assert ref["hit_rate"].tolist() == [1.0, 1.0]
    pd.testing.assert_frame_equal(hit_rates(y, p.iloc[::-1][["home", "car"]]), ref)
    bad = p.copy()
    bad.loc["c", "car"] = 3.0
    with pytest.raises(DataError, match=r"probability must lie in \[0, 1\]; 1 row violates this \(first row: c\)"):
        hit_rates(y, bad)
    with pytest.raises(DataError, match=r"probability must lie in \[0, 1\]"):
        hit_rates([[1, 0]], [[-0.1, 0.5]])
    with pytest.raises(DataError, match="y_true must be 0/1"):
        hit_rates(y.replace(1, 2), p)
    with pytest.raises(DataError, match=r"base_rate must lie in \[0, 1\].*home"):
        hit_rates(y, p, base_rate={"car": 0.5, "home": 1.5})
    with pytest.raises(DataError, match=r"threshold must lie in \[0, 1\]"):
        hit_rates(y, p, threshold=2.0)
    with pytest.raises(DataError, match="probability must be finite"):
        hit_rates(y, p.assign(car=[0.1, np.nan, 0.2, 0.3]))


def test_evaluation_pairs_actual_and_prediction_by_label():
    rng = np.random.default_rng(4)
    idx = [f"c{i}" for i in range(200)]
    actual = pd.Series(rng.gamma(2.0, 10.0, 200), index=idx)
    pred = actual * rng.uniform(0.8, 1.2, 200)
    shuffled = pred.iloc[rng.permutation(200)]
    assert mape(actual, shuffled) == pytest.approx(float(np.mean(np.abs(actual - pred) / actual)), rel=1e-12)
    assert gini(actual, shuffled) == pytest.approx(gini(actual.to_numpy(), pred.to_numpy()), rel=1e-12)
    table = evaluate_value(actual, {"good": shuffled, "same": pred})
    pd.testing.assert_series_equal(table.loc["good"], table.loc["same"], check_names=False)
    with pytest.raises(DataError, match=r"predictions\['bad'\]: actual and predicted must describe the same rows"):
        evaluate_value(actual, {"bad": pred.rename(index={"c0": "x"})})
    with pytest.raises(DataError, match=r"actual must be non-negative.*first row: c1"):
        gini(actual.where(actual.index != "c1", -1.0), pred)


def test_draws_and_seed_are_checked(base):
    y = base.ownership[["car", "home", "life"]].iloc[:200]
    X = base.covariates.iloc[:200]
    with pytest.raises(DataError, match="seed must be an integer; received 'x'"):
        MultivariateProbit(y, X, seed="x")
    with pytest.raises(DataError, match="draws must be an integer >= 1; received 2.5"):
        MultivariateProbit(y, X, n_draws=2.5)
    res = MultivariateProbit(y, X, n_draws=30).fit()
    with pytest.raises(DataError, match="draws must be an integer >= 1; received -5"):
        res.joint_probability({"car": 1, "home": 1, "life": 0}, n_draws=-5)
