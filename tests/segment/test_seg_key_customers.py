"""Key-customer score (seed 004): closed-form checks and weight-sensitivity properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.segment import DEFAULT_WEIGHTS, key_customer_score, weight_sensitivity


@pytest.fixture(scope="module")
def criteria():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(2000, 4)), columns=list(DEFAULT_WEIGHTS),
                        index=pd.Index(np.arange(2000) + 100, name="customer_id"))


def test_score_equals_weighted_percentile_ranks(criteria):
    w = {"value": 2.0, "potential": 1.0, "growth": 1.0, "reference": 0.0}
    s = key_customer_score(criteria, weights=w)
    pct = (criteria.rank() - 1) / (len(criteria) - 1)
    expected = (2 * pct["value"] + pct["potential"] + pct["growth"]) / 4
    pd.testing.assert_series_equal(s, expected.rename("key_score"))
    mm = key_customer_score(criteria, weights=w, scaling="minmax")
    x = criteria["value"]
    assert mm.idxmax() == ((2 * (x - x.min()) / (x.max() - x.min())
                            + (criteria.potential - criteria.potential.min()) / np.ptp(criteria.potential)
                            + (criteria.growth - criteria.growth.min()) / np.ptp(criteria.growth)) / 4).idxmax()
    # a single criterion: the score orders customers like that criterion
    only = key_customer_score(criteria, weights={"growth": 1.0})
    assert (only.rank() == criteria["growth"].rank()).all()


def test_identical_criteria_give_a_perfectly_stable_ranking(criteria):
    d = pd.DataFrame({c: criteria["value"] for c in DEFAULT_WEIGHTS})
    s = weight_sensitivity(d, n_draws=50, seed=1)
    assert s.stability["mean_jaccard"] == pytest.approx(1.0)
    assert s.stability["mean_spearman"] == pytest.approx(1.0)
    assert set(np.unique(s.key_probability)) <= {0.0, 1.0}
    assert s.key_probability.sum() == pytest.approx(400)


def test_sensitivity_properties(criteria):
    s = weight_sensitivity(criteria, n_draws=200, seed=2)
    assert s.key_probability.index.equals(criteria.index)
    # every draw has exactly 20% key customers
    assert s.key_probability.sum() == pytest.approx(0.2 * len(criteria))
    np.testing.assert_allclose(s.draws.sum(axis=1), 1.0)
    np.testing.assert_allclose(s.draws.mean(axis=0), list(DEFAULT_WEIGHTS.values()), atol=0.02)
    assert 0 < s.stability["q05_jaccard"] <= s.stability["mean_jaccard"] < 1
    # weaker perturbations -> a more stable key set
    tight = weight_sensitivity(criteria, n_draws=200, concentration=1000, seed=2)
    assert tight.stability["mean_jaccard"] > s.stability["mean_jaccard"]
    # moving a criterion's weight up makes the score more like that criterion
    oat = s.one_at_a_time
    assert oat.loc[("value", 0.1), "weight"] == pytest.approx(0.5)
    up = key_customer_score(criteria, weights={"value": 0.5, "potential": 0.3 * 0.5 / 0.6,
                                               "growth": 0.2 * 0.5 / 0.6, "reference": 0.1 * 0.5 / 0.6})
    base = s.base_score
    assert oat.loc[("value", 0.1), "spearman"] == pytest.approx(
        up.rank().corr(base.rank()), abs=1e-4)  # float ties differ slightly
    assert up.corr(criteria["value"], method="spearman") > base.corr(criteria["value"], method="spearman")
    # same seed, same answer
    again = weight_sensitivity(criteria, n_draws=200, seed=2)
    pd.testing.assert_series_equal(again.key_probability, s.key_probability)


def test_key_customer_bad_input(criteria):
    with pytest.raises(DataError, match=r"criteria \['loyalty'\]"):
        key_customer_score(criteria, weights={"loyalty": 1.0})
    with pytest.raises(DataError, match="weights must be finite, >= 0"):
        key_customer_score(criteria, weights={"value": -1.0})
    with pytest.raises(DataError, match="scaling"):
        key_customer_score(criteria, scaling="log")
    with pytest.raises(DataError, match="value must be finite"):
        key_customer_score(criteria.assign(value=np.nan))
    with pytest.raises(DataError, match="concentration"):
        weight_sensitivity(criteria, concentration=0)
    with pytest.raises(DataError, match="top must be"):
        weight_sensitivity(criteria, top=0)
