"""Trust vs satisfaction (seed 004): AUC against scipy's Mann-Whitney U; the comparison finds
the true driver of repurchase in data simulated with a known driver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from custvalue.exceptions import DataError
from custvalue.segment import roc_auc, trust_vs_satisfaction


def _survey(n: int, b_sat: float, b_trust: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sat = rng.standard_normal(n)
    trust = 0.5 * sat + np.sqrt(1 - 0.25) * rng.standard_normal(n)
    p = 1 / (1 + np.exp(-(0.2 + b_sat * sat + b_trust * trust)))
    return pd.DataFrame({"satisfaction": sat, "trust": trust, "repurchase": (rng.uniform(size=n) < p).astype(int)},
                        index=pd.Index(np.arange(n), name="respondent_id"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=2, max_size=60))
def test_auc_equals_mann_whitney(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float)
    if y.min() == y.max():
        with pytest.raises(DataError, match="both outcomes"):
            roc_auc(y, s)
        return
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert roc_auc(y, s) == pytest.approx(u / (y.sum() * (1 - y).sum()))


@pytest.mark.parametrize("driver", ["trust", "satisfaction"])
def test_comparison_identifies_the_true_driver(driver):
    b = (0.0, 1.2) if driver == "trust" else (1.2, 0.0)
    d = _survey(4000, *b, seed=3)
    cmp = trust_vs_satisfaction(d, seed=4)
    other = "satisfaction" if driver == "trust" else "trust"
    assert cmp.lr_tests.loc[f"{driver} | {other}", "pvalue"] < 1e-6
    assert cmp.lr_tests.loc[f"{other} | {driver}", "pvalue"] > 0.01
    assert cmp.auc[driver] > cmp.auc[other] + 0.03
    assert cmp.table.loc[driver, "llf"] > cmp.table.loc[other, "llf"]
    assert f"{driver} alone predicts repurchase better" in cmp.verdict
    assert cmp.standardized[driver] > 5 * abs(cmp.standardized[other])
    # the LR statistic is twice the log-likelihood gain of the joint model
    assert cmp.lr_tests.loc[f"{driver} | {other}", "statistic"] == pytest.approx(
        2 * (cmp.table.loc["both", "llf"] - cmp.table.loc[other, "llf"]))


def test_trust_bad_input():
    d = _survey(200, 0.5, 0.5, seed=1)
    with pytest.raises(DataError, match=r"columns \['loyal'\] not found"):
        trust_vs_satisfaction(d, outcome="loyal")
    with pytest.raises(DataError, match="test_size"):
        trust_vs_satisfaction(d, test_size=1.5)
    with pytest.raises(DataError, match="kind"):
        trust_vs_satisfaction(d, kind="ols")
    with pytest.raises(DataError, match="only 0 and 1"):
        roc_auc([0, 2], [0.1, 0.2])
