"""Segment functions pair per-customer inputs by label (issue 15)."""

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo
from custvalue.exceptions import DataError
from custvalue.segment import (churn_value_at_risk, customer_pyramid, pyramid_summary, roc_auc,
                               tier_transitions)


def test_churn_value_at_risk_pairs_value_p_alive_and_tiers_by_label(cdnow_summary):
    d = cdnow_summary.iloc[:200]
    res = BetaGeo().fit(cdnow_summary)
    value = pd.Series(np.random.default_rng(0).gamma(2.0, 50.0, len(d)), index=d.index)
    pa = res.p_alive(d)
    ref = churn_value_at_risk(pa.to_numpy(), value)
    pd.testing.assert_frame_equal(churn_value_at_risk(pa.iloc[::-1], value), ref)
    pd.testing.assert_frame_equal(churn_value_at_risk(res, value, d.iloc[::-1]), ref)
    np.testing.assert_allclose(ref["value_at_risk"], (1 - pa.to_numpy()) * value.to_numpy(), rtol=1e-14)
    tiers = customer_pyramid(value)
    pd.testing.assert_frame_equal(churn_value_at_risk(pa, value, tiers=tiers.iloc[::-1]),
                                  churn_value_at_risk(pa, value, tiers=tiers))
    with pytest.raises(DataError, match="labels in value but not in p_alive"):
        churn_value_at_risk(pa.set_axis(pa.index + 10_000), value)


def test_pyramid_summary_and_tier_transitions_match_tiers_by_label():
    v = pd.Series(np.arange(1.0, 101.0), index=[f"c{i}" for i in range(100)])
    tiers = customer_pyramid(v)
    ref = pyramid_summary(v, tiers=tiers)
    pd.testing.assert_frame_equal(pyramid_summary(v, tiers=tiers.iloc[::-1]).table, ref.table)
    with pytest.raises(DataError, match=r"labels in values but not in tiers: \['c0'\]"):
        pyramid_summary(v, tiers=tiers.rename(index={"c0": "x"}))
    after = tiers.iloc[::-1]
    pd.testing.assert_frame_equal(tier_transitions(tiers, after), tier_transitions(tiers, tiers))
    with pytest.raises(DataError, match=r"after has duplicated index labels \['c1'\]"):
        tier_transitions(tiers, tiers.rename(index={"c0": "c1"}))


def test_roc_auc_pairs_by_label():
    y = pd.Series([0, 0, 1, 1], index=list("abcd"))
    s = pd.Series([0.1, 0.4, 0.35, 0.8], index=list("abcd"))
    assert roc_auc(y, s.iloc[::-1]) == roc_auc(y, s) == 0.75
    with pytest.raises(DataError, match=r"labels in y but not in score: \['d'\]"):
        roc_auc(y, s.rename(index={"d": "e"}))
