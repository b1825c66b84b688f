"""Evaluation tools against brute-force and scipy references, with property tests."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from custvalue.exceptions import DataError
from custvalue.potential import evaluate_value, gini, hit_rates, mape, median_split_accuracy, top_decile_lift


def test_hit_rates_against_the_naive_model():
    rng = np.random.default_rng(0)
    y = (rng.random((500, 3)) < [0.2, 0.5, 0.8]).astype(int)
    p = np.clip(y * 0.6 + rng.random((500, 3)) * 0.5, 0, 1)
    t = hit_rates(y, p, base_rate=[0.2, 0.55, 0.8])
    for j in range(3):
        assert t["hit_rate"].iloc[j] == pytest.approx(np.mean((p[:, j] > 0.5) == (y[:, j] == 1)))
    naive = [np.mean(y[:, 0] == 0), np.mean(y[:, 1] == 1), np.mean(y[:, 2] == 1)]
    np.testing.assert_allclose(t["naive_hit_rate"], naive)


def test_mape_and_median_split():
    assert mape([100, 200, 0], [110, 150, 5]) == pytest.approx((0.1 + 0.25) / 2)
    with pytest.raises(DataError, match="zero"):
        mape([100, 0], [1, 1], exclude_zero=False)
    with pytest.raises(DataError, match="same length"):
        mape([1, 2], [1])
    assert median_split_accuracy([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]) == 0.0


def test_normalised_gini_is_2auc_minus_1_for_binary_outcomes():
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.3).astype(float)
    s = y + rng.normal(size=400)
    auc = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic / ((y == 1).sum() * (y == 0).sum())
    assert gini(y, s, normalize=True) == pytest.approx(2 * auc - 1, abs=1e-12)
    assert gini(y, s) == pytest.approx((2 * auc - 1) * (1 - y.mean()), abs=1e-12)


def test_top_decile_lift_brute_force():
    a = np.arange(100.0)
    s = a.copy()
    assert top_decile_lift(a, s) == pytest.approx(np.mean(np.arange(90, 100)) / a.mean())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e3), min_size=5, max_size=60).filter(lambda v: sum(v) > 0),
       st.integers(0, 10**6))
@example(values=[0.0, 0.0, 0.0, 0.0, 5e-324], seed=0)  # a subnormal total spread over a tie
def test_gini_properties(values, seed):
    a = np.array(values)
    s = np.random.default_rng(seed).random(a.size)
    g = gini(a, s)
    assert -1 <= g <= 1
    assert gini(a, a, normalize=True) == pytest.approx(1.0)
    assert gini(a, -s) == pytest.approx(-g, abs=1e-9)
    assert gini(a, np.zeros_like(a)) == pytest.approx(0.0, abs=1e-12)


def test_evaluate_value_table():
    t = evaluate_value([10, 20, 30, 40], {"perfect": [10, 20, 30, 40], "flat": [25] * 4})
    assert t.loc["perfect", "mape"] == 0 and t.loc["perfect", "median_split_accuracy"] == 1
    assert t.loc["flat", "gini"] == pytest.approx(0.0)
