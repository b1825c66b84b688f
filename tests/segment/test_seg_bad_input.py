"""Issue 15, segment functions: every silent wrong answer and raw error of the issue now raises
a DataError naming the argument (or column) and the rows, or returns a documented value.

Each test states the input of the issue and the behaviour before the fix in a comment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.segment import (churn_value_at_risk, customer_states, gini, key_customer_score,
                               lorenz_curve, project_state_mix, quantile_scores, rfm_scores,
                               rfm_segments, roc_auc, state_mix, tier_transitions,
                               trust_vs_satisfaction, upgrade_value, weight_sensitivity,
                               winback_campaign)
from custvalue.simulate.loyalty import simulate_loyalty_survey


# -- quantile_scores / rfm_segments / rfm_scores --------------------------------------------
def test_quantile_scores_refuses_nan_naming_the_row():
    # before: quantile_scores([1, nan, 3], 2) returned [1, 1, 2]
    with pytest.raises(DataError, match=r"metric must be finite.*first row: 1\)"):
        quantile_scores([1.0, np.nan, 3.0], 2)
    with pytest.raises(DataError, match=r"metric must be finite.*first row: 1\)"):
        quantile_scores([1.0, np.nan, 3.0], 2, method="quantile")
    s = pd.Series([1.0, np.nan, 3.0], index=pd.Index(["a", "b", "c"], name="customer_id"))
    with pytest.raises(DataError, match=r"first customer_id: b"):
        quantile_scores(s, 2)


@pytest.mark.parametrize("metric, match", [
    ([], "metric is empty"),                      # before: IndexError
    (["a", "b", "c"], "metric must be numeric; it holds text"),  # before: ValueError
    (["1", "2", "3"], "metric must be numeric; it holds text"),
])
def test_quantile_scores_empty_or_text(metric, match):
    with pytest.raises(DataError, match=match):
        quantile_scores(metric, 2)


def test_quantile_scores_settings():
    with pytest.raises(DataError, match="q must be a whole number >= 2"):
        quantile_scores([1.0, 2.0], "two")
    with pytest.raises(DataError, match="method must be"):
        quantile_scores([1.0, 2.0], 2, method="ranks")
    with pytest.raises(DataError, match="one label per value"):
        quantile_scores([1.0, 2.0], 2, index=pd.Index(["a"]))
    # a Series' labels break ties, as index= does
    s = pd.Series([1.0, 1.0, 1.0, 1.0], index=[3, 2, 1, 0])
    np.testing.assert_array_equal(quantile_scores(s, 2), quantile_scores(s.to_numpy(), 2, index=s.index))


def test_rfm_segments_refuses_fractional_score():
    # before: an r_score of 2.7 was truncated to 2 ("hibernating")
    with pytest.raises(DataError, match=r"r_score must hold whole numbers.*first row: 0"):
        rfm_segments(pd.DataFrame({"r_score": [2.7], "f_score": [1]}))


@pytest.mark.parametrize("scores, match", [
    (pd.DataFrame({"r_score": [np.nan], "f_score": [1]}), r"r_score must be finite"),  # IndexError
    (pd.DataFrame({"r_score": ["a"], "f_score": [1]}), r"r_score must be numeric"),    # TypeError
    (pd.DataFrame({"r_score": [1], "f_score": [pd.NA]}, dtype="Int64"), r"f_score must be finite"),
    (pd.DataFrame({"r_score": [], "f_score": []}), r"r_score is empty"),
    (pd.DataFrame({"r_score": [6], "f_score": [1]}), r"r_score must lie in 1\.\.5"),
    ([[5, 5]], r"scores must be a DataFrame"),
])
def test_rfm_segments_bad_scores(scores, match):
    with pytest.raises(DataError, match=match):
        rfm_segments(scores)


def _rfm_frame(**changes):
    d = pd.DataFrame({"frequency": [0.0, 2, 5, 1, 3], "recency": [0.0, 10, 30, 5, 20],
                      "T": [40.0, 40, 35, 30, 25], "monetary_value": [0.0, 20, 15, 50, 30]},
                     index=pd.Index(list("abcde"), name="customer_id"))
    for col, (row, value) in changes.items():
        d.loc[row, col] = value
    return d


def test_rfm_scores_refuses_negative_recency_and_T():
    # before: negative recency and negative T were scored like any other value
    with pytest.raises(DataError, match=r"recency must be >= 0.*first customer_id: b"):
        rfm_scores(_rfm_frame(recency=("b", -5.0)))
    with pytest.raises(DataError, match=r"T must be >= 0.*first customer_id: c"):
        rfm_scores(_rfm_frame(T=("c", -1.0), recency=("c", 0.0)))
    with pytest.raises(DataError, match=r"frequency must hold whole numbers.*first customer_id: d"):
        rfm_scores(_rfm_frame(frequency=("d", 1.5)))
    with pytest.raises(DataError, match="same length"):
        rfm_scores(frequency=[1, 2], recency=[0, 1], T=[2, 2], monetary_value=[1.0])


# -- churn, win-back ---------------------------------------------------------------------------
def test_winback_campaign_refuses_nan_value_at_risk():
    # before: a NaN value at risk turned its tier's totals into NaN
    r = churn_value_at_risk([0.9, 0.2, 0.5, 1.0], [100.0, 50.0, 10.0, 5.0], cut_points=(50, 50),
                            labels=("key", "other"))
    r.index = pd.Index([11, 12, 13, 14], name="customer_id")
    bad = r.copy()
    bad.loc[12, "value_at_risk"] = np.nan
    with pytest.raises(DataError, match=r"at_risk\['value_at_risk'\] must be finite.*customer_id: 12"):
        winback_campaign(bad, response_rate=0.3, cost=1.0)
    bad = r.copy()
    bad.loc[13, "value"] = np.inf
    with pytest.raises(DataError, match=r"at_risk\['value'\] must be finite.*customer_id: 13"):
        winback_campaign(bad, response_rate=0.3, cost=1.0)
    bad = r.copy()
    bad["tier"] = bad["tier"].cat.set_categories(["key"])  # 'other' becomes missing
    with pytest.raises(DataError, match=r"at_risk\['tier'\] must not be missing.*customer_id: 13"):
        winback_campaign(bad, response_rate=0.3, cost=1.0)
    with pytest.raises(DataError, match="is empty"):
        winback_campaign(r.iloc[:0], response_rate=0.3, cost=1.0)
    _, tiers = winback_campaign(r, response_rate=0.3, cost=1.0)  # clean input: finite totals
    assert np.isfinite(tiers.select_dtypes("number").to_numpy()).all()


# -- customer states ---------------------------------------------------------------------------
def test_customer_states_refuses_missing_customer_id():
    # before: the row with a NaN id was dropped without a word
    log = pd.DataFrame({"customer_id": [1, np.nan, 2],
                        "date": pd.to_datetime(["2020-01-10", "2020-02-03", "2020-03-01"])},
                       index=pd.Index([100, 101, 102], name="tx"))
    with pytest.raises(DataError, match=r"transactions\['customer_id'\] must not be missing.*tx: 101"):
        customer_states(log)
    pros = pd.DataFrame({"customer_id": [None], "identified": ["2020-01-01"]})
    with pytest.raises(DataError, match=r"prospects\['customer_id'\] must not be missing"):
        customer_states(log.dropna(), prospects=pros)


def test_customer_states_empty_and_dates():
    empty = pd.DataFrame({"customer_id": [], "date": []})
    with pytest.raises(DataError, match="transactions is empty"):  # before: AttributeError
        customer_states(empty)
    # prospects only: nobody has bought yet, every prospect is potential then target
    pros = pd.DataFrame({"customer_id": [7], "identified": ["2020-01-15"], "targeted": ["2020-03-02"]})
    out = customer_states(empty, prospects=pros)
    assert out.loc[7].tolist() == ["potential", "potential", "target"]
    # ambiguous day/month text is not guessed
    amb = pd.DataFrame({"customer_id": [1, 2], "date": ["02/01/2023", "03/01/2023"]})
    with pytest.raises(DataError, match="ambiguous.*dayfirst"):
        customer_states(amb)
    iso = amb.assign(date=pd.to_datetime(["2023-01-02", "2023-01-03"]))
    pd.testing.assert_frame_equal(customer_states(amb, dayfirst=True), customer_states(iso))
    with pytest.raises(DataError, match=r"date: 1 value\(s\) do not match"):
        customer_states(pd.DataFrame({"customer_id": [1, 2], "date": ["2020-01-01", "soon"]}))
    with pytest.raises(DataError, match="lost_after must be a whole number >= 1"):
        customer_states(iso, lost_after="three")
    with pytest.raises(DataError, match="period_alias must be a pandas period alias"):
        customer_states(iso, period_alias="fortnightly")
    with pytest.raises(DataError, match="start must be a date"):
        customer_states(iso, start="the beginning")
    with pytest.raises(DataError, match="must not precede"):
        customer_states(iso, start="2023-05", end="2023-01")


def test_state_mix_and_projection_bad_input():
    with pytest.raises(DataError, match="panel must be a non-empty"):
        state_mix(pd.DataFrame())
    with pytest.raises(DataError, match="panel must be a non-empty"):
        state_mix("current")
    with pytest.raises(DataError, match=r"initial must be numeric"):
        project_state_mix([[0.5, 0.5], [0.0, 1.0]], ["10", "0"], 2)
    with pytest.raises(DataError, match=r"initial must be finite"):
        project_state_mix([[0.5, 0.5], [0.0, 1.0]], [np.nan, 1.0], 2)


# -- key customers -----------------------------------------------------------------------------
def test_weight_sensitivity_with_a_tied_base_ranking_raises():
    # before: criteria that cancel out (every customer tied at the given weights) gave
    # NaN Spearman correlations
    d = pd.DataFrame({"value": [1.0, 2.0, 3.0, 4.0], "potential": [4.0, 3.0, 2.0, 1.0]})
    with pytest.raises(DataError, match="every customer has the same score"):
        weight_sensitivity(d, weights={"value": 1, "potential": 1}, n_draws=20, seed=0)
    with pytest.raises(DataError, match="every customer has the same score"):
        weight_sensitivity(d * 0.0, weights={"value": 1, "potential": 1}, n_draws=20, seed=0)
    with pytest.raises(DataError, match="at least two customers"):
        weight_sensitivity(d.iloc[:1], weights={"value": 1, "potential": 1}, n_draws=20)
    with pytest.raises(DataError, match="n_draws must be a whole number"):
        weight_sensitivity(d, weights={"value": 2, "potential": 1}, n_draws="many")
    with pytest.raises(DataError, match=r"weights\['value'\] must be a finite number; received 'high'"):
        key_customer_score(d, weights={"value": "high"})


def test_weight_sensitivity_partial_ties_stay_finite():
    # heavy ties (but not a constant score) give finite correlations; a perturbed weighting
    # under which every customer ties would count as Spearman 0 (documented)
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"value": rng.integers(0, 3, 60).astype(float),
                      "potential": rng.integers(0, 2, 60).astype(float)})
    s = weight_sensitivity(d, weights={"value": 1, "potential": 1}, n_draws=50, seed=1)
    assert np.isfinite(s.stability.to_numpy()).all()
    assert np.isfinite(s.one_at_a_time.to_numpy()).all()
    # the Spearman correlation equals scipy's on the base vs the first draw
    from scipy import stats
    base = s.base_score.to_numpy()
    Z = d.rank(method="average").to_numpy() - 1.0
    Z /= len(d) - 1
    rho = stats.spearmanr(base, Z @ s.draws[0]).statistic
    from custvalue.segment.key_customers import _rank_columns, _spearman
    _, rb = _rank_columns(base[:, None], 12)
    _, r0 = _rank_columns((Z @ s.draws[0])[:, None], 12)
    assert _spearman(r0, rb[:, 0])[0] == pytest.approx(rho, abs=1e-12)
    const = np.full((60, 1), 2.0)
    assert _spearman(_rank_columns(const, 12)[1], rb[:, 0])[0] == 0.0


# -- tier transitions, upgrade value -----------------------------------------------------------
def test_tier_transitions_empty_and_missing():
    cat = pd.CategoricalDtype(["key", "small"], ordered=True)
    with pytest.raises(DataError, match="before and after are empty"):  # before: zeros
        tier_transitions(pd.Series([], dtype=cat), pd.Series([], dtype=cat))
    b = pd.Series(["key", None], dtype=cat, index=["u", "v"])
    a = pd.Series(["key", "small"], dtype=cat, index=["u", "v"])
    with pytest.raises(DataError, match=r"before must not be missing.*first row: v"):
        tier_transitions(b, a)


def test_upgrade_value_bad_tier_values_and_rate():
    P = pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=["key", "small"], columns=["key", "small"])
    with pytest.raises(DataError, match=r"tier_values must be finite.*first tier: key"):
        upgrade_value(P, {"key": np.nan, "small": 1.0}, 0.1)
    with pytest.raises(DataError, match="discount_rate must be a number"):
        upgrade_value(P, {"key": 1.0, "small": 1.0}, "ten percent")


# -- trust vs satisfaction, AUC ----------------------------------------------------------------
def test_trust_vs_satisfaction_bad_input():
    d = simulate_loyalty_survey(200, seed=1)
    with pytest.raises(DataError, match="data is empty"):  # before: IndexError
        trust_vs_satisfaction(d.iloc[:0])
    text = d.assign(trust=d["trust"].round(2).astype(str))
    with pytest.raises(DataError, match=r"column 'trust' must be numeric; it holds text"):
        trust_vs_satisfaction(text)  # before: KeyError after fitting one dummy per string
    missing = d.copy()
    missing.loc[missing.index[3], "satisfaction"] = np.nan
    with pytest.raises(DataError, match=r"column 'satisfaction' must be finite.*first respondent_id"):
        trust_vs_satisfaction(missing)
    two = d.copy()
    two.loc[two.index[5], "repurchase"] = 2
    with pytest.raises(DataError, match=r"'repurchase' \(the outcome\) must hold only 0 and 1"):
        trust_vs_satisfaction(two)
    with pytest.raises(DataError, match="test_size must"):
        trust_vs_satisfaction(d, test_size="a third")


def test_roc_auc_bad_input():
    with pytest.raises(DataError, match=r"y must hold only 0 and 1.*first row: 1"):
        roc_auc([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match=r"score must be finite.*first row: 2"):
        roc_auc([0, 1, 1], [0.1, 0.2, np.nan])
    with pytest.raises(DataError, match="score must be numeric"):
        roc_auc([0, 1, 1], ["low", "mid", "high"])


# -- concentration -----------------------------------------------------------------------------
def test_concentration_overflow_and_settings():
    with pytest.raises(DataError, match="overflows float64"):  # before: NaN Gini
        gini([1e308, 1e308, 1.0])
    with pytest.raises(DataError, match="n_points must be a whole number >= 2"):
        lorenz_curve([1.0, 2.0], n_points="many")
    # large but representable values: the Gini is still exact (no overflow in the sum)
    assert gini([1e305] * 999 + [0.0] * 999) == pytest.approx(0.5, rel=1e-12)
