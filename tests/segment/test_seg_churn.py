"""Churn value-at-risk: calibration against the simulated truth, ranking and campaign algebra."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo
from custvalue.exceptions import DataError
from custvalue.segment import churn_value_at_risk, customer_pyramid, winback_campaign
from custvalue.simulate import simulate_betageo

TRUE = dict(r=0.25, alpha=4.0, a=0.8, b=2.5)


@pytest.fixture(scope="module")
def base():
    d = simulate_betageo(20_000, **TRUE, T=52.0, p=6.0, q=4.0, gamma=15.0, seed=1)
    return d, BetaGeo().fit(d)


def test_p_inactive_is_calibrated_against_simulated_truth(base):
    """Among customers with P(inactive) in a bin, the share truly dead matches its mean."""
    d, res = base
    value = d["monetary_value"] * (d["frequency"] + 1)
    out = churn_value_at_risk(res, value, d)
    pd.testing.assert_series_equal(out["p_alive"], res.p_alive(d), check_names=False)
    dead = ~d["true_alive"].astype(bool).to_numpy()
    p_in = out["p_inactive"].to_numpy()
    bins = np.digitize(p_in, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        m = bins == b
        assert m.sum() > 500
        se = np.sqrt(p_in[m].mean() * (1 - p_in[m].mean()) / m.sum())
        assert abs(dead[m].mean() - p_in[m].mean()) < 4 * se + 0.01
    # expected value lost equals the realised value of the truly dead, within noise
    assert out["value_at_risk"].sum() == pytest.approx(value[dead].sum(), rel=0.05)


def test_value_at_risk_and_priority_within_tier():
    value = pd.Series([100.0, 50.0, 10.0, 5.0, 80.0, 1.0], index=list("abcdef"))
    pa = pd.Series([0.9, 0.2, 0.5, 1.0, 0.5, 0.0], index=value.index)
    out = churn_value_at_risk(pa, value, cut_points=(50, 50), labels=("key", "rest"))
    np.testing.assert_allclose(out["value_at_risk"], [10.0, 40.0, 5.0, 0.0, 40.0, 1.0])
    assert out["tier"].tolist() == ["key", "key", "rest", "rest", "key", "rest"]
    # key: b (40) and e (40) tie -> label order b, e; then a (10)
    assert out.loc[["b", "e", "a"], "priority"].tolist() == [1, 2, 3]
    assert out.loc[["c", "f", "d"], "priority"].tolist() == [1, 2, 3]
    shuffled = churn_value_at_risk(pa.iloc[::-1], value.iloc[::-1], cut_points=(50, 50),
                                   labels=("key", "rest"))
    pd.testing.assert_frame_equal(shuffled.loc[out.index], out)


def test_winback_campaign_algebra_and_policy():
    rng = np.random.default_rng(4)
    value = pd.Series(rng.lognormal(3, 1.5, 2000))
    pa = pd.Series(rng.uniform(0, 1, 2000))
    tiers = customer_pyramid(value)
    out = churn_value_at_risk(pa, value, tiers=tiers)
    rho = {"important": 0.5, "secondary": 0.3, "ordinary": 0.2, "small": 0.1}
    cost = {"important": 5.0, "secondary": 5.0, "ordinary": 5.0, "small": 5.0}
    cust, table = winback_campaign(out, response_rate=rho, cost=cost)
    r = out["tier"].map(rho).astype(float).to_numpy()
    net = r * (1 - pa.to_numpy()) * value.to_numpy() - 5.0
    np.testing.assert_allclose(cust["expected_net_value"], net)
    for t in table.index:
        m = (out["tier"] == t).to_numpy() & (net > 0)
        assert table.loc[t, "n_worth_contacting"] == m.sum()
        assert table.loc[t, "expected_net_value"] == pytest.approx(net[m].sum())
        assert table.loc[t, "campaign_cost"] == pytest.approx(5.0 * m.sum())
    assert table["n_customers"].sum() == 2000
    worth = r * value.to_numpy() - 5.0 > 0
    np.testing.assert_array_equal(cust["worth_winning_back"], worth)
    for t in table.index:
        m = (out["tier"] == t).to_numpy()
        assert table.loc[t, "share_worth_winning_back"] == pytest.approx(worth[m].mean())
    # the ordering of CRM theory emerges: key customers are fought for, small ones let go or case by case
    assert table.loc["important", "policy"] == "fight to win back"
    assert table.loc["small", "policy"] in {"case by case", "let go"}
    assert (cust.loc[cust["contact"], "expected_net_value"] > 0).all()
    top = cust[cust["tier"] == "important"].sort_values("winback_priority")
    assert top["expected_net_value"].is_monotonic_decreasing


def test_churn_bad_input(base):
    d, res = base
    with pytest.raises(DataError, match=r"p_alive must lie in \[0, 1\]"):
        churn_value_at_risk([0.5, 1.5], [1.0, 2.0])
    with pytest.raises(DataError, match="data is required"):
        churn_value_at_risk(res, d["monetary_value"])
    with pytest.raises(DataError, match="value must be finite"):
        churn_value_at_risk([0.5, 0.5], [1.0, np.nan])
    with pytest.raises(DataError, match="one entry per customer"):
        churn_value_at_risk([0.5, 0.5, 0.5], [1.0, 2.0])
    out = churn_value_at_risk([0.5, 0.5], [1.0, 2.0], cut_points=(50, 50), labels=("a", "b"))
    with pytest.raises(DataError, match=r"response_rate must be in \[0, 1\]"):
        winback_campaign(out, response_rate=1.5, cost=1.0)
    with pytest.raises(DataError, match="every tier.*missing \\['b'\\]"):
        winback_campaign(out, response_rate={"a": 0.5}, cost=1.0)
    with pytest.raises(DataError, match="cost must be >= 0"):
        winback_campaign(out, response_rate=0.5, cost=-1.0)


def test_numpy_value_takes_the_customer_ids_of_data(base):
    d, res = base
    value = (d["monetary_value"] * d["frequency"]).to_numpy()
    out = churn_value_at_risk(res, value, d)
    assert out.index.equals(d.index)
    np.testing.assert_allclose(out["value_at_risk"], (1 - res.p_alive(d).to_numpy()) * value)
