"""Loyalty regressions at the data boundary (issue 15): text is never taken as categories,
and several per-respondent inputs are paired by label."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from custvalue.exceptions import DataError
from custvalue.loyalty import (compare_curves, dick_basu_segments, from_formula, loyalty_indicators,
                               moderated_regression, satisfaction_curve, segment_table)
from custvalue.potential import MultivariateProbit


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(5)
    n = 400
    sat = rng.integers(1, 11, n).astype(float)
    d = pd.DataFrame({"sat": sat, "trust": rng.normal(size=n), "region": rng.choice(["north", "south"], n)},
                     index=pd.Index([f"r{i}" for i in range(n)], name="respondent"))
    d["loy"] = 0.4 * sat + 0.3 * d["trust"] + rng.normal(size=n)
    d["rating"] = np.clip(np.round(d["loy"] / 2), 1, 5).astype(int)
    return d


def _text_sat(d):
    out = d.copy()
    out["sat"] = out["sat"].astype(int).astype(str).astype(object)
    out.loc["r3", "sat"] = "n/a"
    return out


@pytest.mark.parametrize("kind", ["ols", "ordered_probit", "logit"])
def test_text_in_a_numeric_term_names_column_rows_and_values(survey, kind):
    d = _text_sat(survey).assign(rep=(survey["loy"] > survey["loy"].median()).astype(int))
    response = {"ols": "loy", "ordered_probit": "rating", "logit": "rep"}[kind]
    with pytest.raises(DataError, match=r"column 'sat' .*must be numeric; it holds text.*"
                                        r"\['n/a'\] are not numbers even read as text: 1 row \(first respondent: r3\)"
                                        r".*C\(sat\)"):
        from_formula(f"{response} ~ sat + trust", d, kind)
    # transformed terms are numeric uses as well
    with pytest.raises(DataError, match="column 'sat'"):
        from_formula(f"{response} ~ np.log(sat) + I(sat ** 2)", d, kind)


def test_C_asks_for_the_categories_and_matches_statsmodels(survey):
    d = _text_sat(survey)
    res = from_formula("loy ~ C(sat) + trust", d)
    ref = smf.ols("loy ~ C(sat) + trust", d).fit(cov_type="HC3")
    pd.testing.assert_series_equal(res.params, ref.params.rename("params"), rtol=1e-10)
    assert "C(sat)[T.n/a]" in res.params.index


def test_numbers_stored_as_objects_or_nullable_are_read_as_numbers(survey):
    ref = smf.ols("loy ~ sat + trust", survey).fit(cov_type="HC3")
    for col in (survey["sat"].astype(object), survey["sat"].astype("Int64"), survey["sat"].astype("Float64")):
        res = from_formula("loy ~ sat + trust", survey.assign(sat=col))
        pd.testing.assert_series_equal(res.params, ref.params.rename("params"), rtol=1e-10)
    nullable = survey.assign(sat=survey["sat"].astype("Int64"))
    nullable.loc["r5", "sat"] = pd.NA
    with pytest.raises(DataError, match=r"columns \['sat'\] have missing values; 1 row violates this \(first respondent: r5\)"):
        from_formula("loy ~ sat + trust", nullable)
    assert from_formula("loy ~ sat + trust", nullable, missing="drop").nobs == len(survey) - 1


def test_text_response_is_refused_and_categorical_ordered_response_kept(survey):
    d = survey.assign(rating=survey["rating"].astype(str))
    with pytest.raises(DataError, match="column 'rating'.*must be numeric"):
        from_formula("rating ~ sat", d, "ordered_probit")  # '10' < '2' as text: never sorted as strings
    cat = survey.assign(rating=pd.Categorical(survey["rating"], ordered=True))
    assert from_formula("rating ~ sat", cat, "ordered_probit").levels == sorted(survey["rating"].unique())
    with pytest.raises(DataError, match="column 'loy'.*must be numeric"):
        from_formula("loy ~ sat", survey.assign(loy=survey["loy"].astype(str)))


def test_predict_refuses_text_and_missing_values(survey):
    res = from_formula("loy ~ sat + trust", survey)
    with pytest.raises(DataError, match=r"column 'sat'.*first respondent: r3"):
        res.predict(_text_sat(survey))
    with pytest.raises(DataError, match=r"missing values; 1 row violates this \(first respondent: r1\)"):
        res.predict(survey.assign(sat=survey["sat"].where(survey.index != "r1")))
    np.testing.assert_allclose(res.predict(survey.assign(sat=survey["sat"].astype(object))), res.predict(survey))


def test_curves_and_moderation_refuse_text(survey):
    d = _text_sat(survey)
    with pytest.raises(DataError, match=r"column 'sat'.*first respondent: r3"):
        satisfaction_curve(d, "loy", "sat")
    with pytest.raises(DataError, match=r"column 'sat'.*first respondent: r3"):
        compare_curves(d, "loy", "sat", "region")
    with pytest.raises(DataError, match=r"column 'sat'.*first respondent: r3"):
        moderated_regression(d, "loy", "sat", "trust")


def test_moderation_centres_on_the_rows_fitted(survey):
    d = survey.copy()
    d.loc["r0", "trust"] = np.nan
    res = moderated_regression(d, "loy", "sat", "trust", missing="drop")
    kept = d.dropna()
    c = kept.assign(sat=kept["sat"] - kept["sat"].mean(), trust=kept["trust"] - kept["trust"].mean())
    ref = smf.ols("loy ~ sat * trust", c).fit(cov_type="HC3")
    pd.testing.assert_series_equal(res.params, ref.params.rename("params"), rtol=1e-10)


def test_multivariate_probit_formula_refuses_text():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"age": rng.normal(size=300), "income": rng.normal(size=300)})
    d["car"] = (d["age"] + rng.normal(size=300) > 0).astype(int)
    d["home"] = (d["income"] + rng.normal(size=300) > 0).astype(int)
    bad = d.assign(age=d["age"].round(2).astype(str))
    bad.loc[5, "age"] = "unknown"
    with pytest.raises(DataError, match=r"column 'age' \(used as a number in 'age \+ income'\).*\['unknown'\].*first row: 5"):
        MultivariateProbit.from_formula("car + home ~ age + income", bad)
    with pytest.raises(DataError, match=r"products \['boat'\]"):
        MultivariateProbit.from_formula("car + boat ~ age", d)


# ---- several per-respondent inputs --------------------------------------------------------
def test_dick_basu_segment_table_and_indicators_pair_by_label():
    idx = list("abcd")
    att = pd.Series([9.0, 9.0, 2.0, 2.0], index=idx)
    beh = pd.Series([5.0, 0.0, 5.0, 0.0], index=idx)
    ref = dick_basu_segments(attitude=att, behaviour=beh, attitude_threshold=5, behaviour_threshold=1)
    got = dick_basu_segments(attitude=att, behaviour=beh.iloc[::-1], attitude_threshold=5, behaviour_threshold=1)
    pd.testing.assert_series_equal(got, ref)
    assert ref.tolist() == ["loyalty", "latent loyalty", "spurious loyalty", "no loyalty"]
    spend = pd.DataFrame({"spend": [10.0, 2.0, 8.0, 1.0]}, index=idx)
    pd.testing.assert_frame_equal(segment_table(ref, spend.iloc[[2, 0, 3, 1]]), segment_table(ref, spend))
    assert segment_table(ref, spend.iloc[::-1])["spend"].tolist() == [10.0, 2.0, 8.0, 1.0]
    d = pd.DataFrame({"repurchase": [1, 0, 1, 1]}, index=idx)
    groups = pd.Series(["x", "x", "y", "y"], index=idx)
    pd.testing.assert_frame_equal(loyalty_indicators(d, by=groups.iloc[::-1]), loyalty_indicators(d, by=groups))
    with pytest.raises(DataError, match=r"labels in data but not in by: \['d'\]"):
        loyalty_indicators(d, by=groups.rename(index={"d": "z"}))
