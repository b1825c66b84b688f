"""Numbers quoted in notebooks/04_customer_pyramid_80_20.ipynb, recomputed here."""

from __future__ import annotations

import numpy as np
import pytest

from custvalue.clv import BetaGeo, GammaGamma, clv
from custvalue.datasets import load_cdnow_summary, load_cdnow_transactions
from custvalue.segment import (churn_value_at_risk, gini, pyramid_summary, top_share,
                               winback_campaign)


@pytest.fixture(scope="module")
def cdnow_spend():
    tx = load_cdnow_transactions()
    return tx.groupby("customer_id")["amount"].sum()


@pytest.fixture(scope="module")
def sample():
    d = load_cdnow_summary()
    return d, BetaGeo().fit(d), GammaGamma().fit(d)


def r1(x: float) -> float:
    return round(100 * x, 1)


def test_nb04_cdnow_spend_concentration(cdnow_spend):
    s = pyramid_summary(cdnow_spend)
    assert s.n_customers == 23_570
    assert r1(s.top_share) == 67.8
    assert r1(s.table.loc["important", "value_share"]) == 15.9
    assert r1(s.table.loc["small", "value_share"]) == 10.4
    assert r1(top_share(cdnow_spend, 1)) == 15.9
    assert round(gini(cdnow_spend), 3) == 0.635


def test_nb04_cdnow_model_views(sample):
    d, bg, gg = sample
    assert len(d) == 2357
    repeat = d["frequency"] * d["monetary_value"]
    value = clv(bg, gg, d, months=12, monthly_discount_rate=0.01, freq="W")
    assert r1(top_share(repeat, 20)) == 87.5
    assert round((repeat == 0).mean(), 2) == 0.60
    assert r1(top_share(value, 20)) == 71.3


def test_nb04_pareto_shape_for_80_20():
    a = 1 / (1 - np.log(0.8) / np.log(0.2))
    assert round(a, 3) == 1.161
    assert 0.2 ** (1 - 1 / a) == pytest.approx(0.8)


def test_nb04_profit_with_cost_to_serve(cdnow_spend):
    s = pyramid_summary(0.30 * cdnow_spend - 8.0)
    assert r1(s.top_share) == 83.8
    assert s.n_negative == 7628
    assert r1(s.n_negative / s.n_customers) == 32.4
    assert round(s.negative_value) == -25153
    assert s.table.loc["small", "n_negative"] == 7628


def test_nb04_winback_policy(sample):
    d, bg, _ = sample
    yearly = 52 * d["frequency"] * d["monetary_value"] / d["T"]
    risk = churn_value_at_risk(bg, yearly, d)
    _, t = winback_campaign(risk, response_rate={"important": 0.30, "secondary": 0.20, "ordinary": 0.15, "small": 0.10},
                            cost={"important": 20.0, "secondary": 8.0, "ordinary": 3.0, "small": 1.0})
    assert t["policy"].tolist() == ["fight to win back", "fight to win back", "try to win back", "let go"]
    assert t.loc["important", "share_worth_winning_back"] == 1.0
    assert t.loc["secondary", "share_worth_winning_back"] == 1.0
    assert r1(t.loc["ordinary", "share_worth_winning_back"]) == 57.8
    assert (risk.loc[risk["tier"] == "small", "value"] == 0).all()


# ---------------------------------------------------------------- notebook 09 (full-run sizes)
def _nb09():
    import dataclasses

    from custvalue.segment import trust_vs_satisfaction
    from custvalue.simulate.loyalty import DEFAULT_STRUCTURE, simulate_loyalty_survey

    survey = simulate_loyalty_survey(5_000, seed=4)
    paths = dict(DEFAULT_STRUCTURE.paths)
    paths[("Satisfaction", "Loyalty")] = 0.0
    paths[("Trust", "Loyalty")] = 0.50
    trust_world = dataclasses.replace(DEFAULT_STRUCTURE, paths=paths)
    survey_trust = simulate_loyalty_survey(5_000, seed=4, structure=trust_world)
    return survey, trust_vs_satisfaction(survey, seed=5), trust_vs_satisfaction(survey_trust, seed=5)


def test_nb09_trust_vs_satisfaction_numbers():
    _, default, trust = _nb09()
    assert round(default.auc["satisfaction"], 3) == 0.664
    assert round(default.auc["trust"], 3) == 0.611
    assert f"{default.lr_tests.loc['satisfaction | trust', 'pvalue']:.1e}" == "1.5e-45"
    assert f"{default.lr_tests.loc['trust | satisfaction', 'pvalue']:.1e}" == "4.9e-09"
    assert round(trust.auc["trust"], 3) == 0.652
    assert round(trust.auc["satisfaction"], 3) == 0.627
    assert f"{trust.lr_tests.loc['trust | satisfaction', 'pvalue']:.1e}" == "9.6e-43"
    assert f"{trust.lr_tests.loc['satisfaction | trust', 'pvalue']:.1e}" == "5.8e-13"


def test_nb09_key_customer_stability():
    from custvalue.segment import weight_sensitivity
    from custvalue.simulate.loyalty import simulate_loyalty_survey

    survey = simulate_loyalty_survey(5_000, seed=4)
    criteria = survey[["spend", "purchases", "CUSL3", "switching_cost"]].set_axis(
        ["value", "growth", "reference", "lock_in"], axis=1)
    sens = weight_sensitivity(criteria, weights={"value": 0.4, "growth": 0.2, "reference": 0.2, "lock_in": 0.2},
                              top=20, n_draws=1_000, seed=6)
    assert round(sens.stability["mean_jaccard"], 3) == 0.869
    assert int((sens.key_probability >= 0.9).sum()) == 769
