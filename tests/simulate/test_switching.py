"""Switching simulators: reproducible, the documented columns, vectorised sizes."""

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.simulate.switching import simulate_choice_panel, simulate_upp_market


def test_choice_panel_is_reproducible_and_shaped():
    a = simulate_choice_panel(50, 6, seed=1)
    b = simulate_choice_panel(50, 6, seed=np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 300 and a.groupby("customer_id").occasion.apply(list).map(lambda o: o == list(range(6))).all()
    assert set(a["choice"]) <= {"A", "B", "C", "D"}
    assert (a.filter(like="price_") > 0).all().all()
    c = simulate_choice_panel(50, 6, seed=2)
    assert not a["choice"].equals(c["choice"])


def test_state_dependence_raises_repeat_purchase():
    lo = simulate_choice_panel(2000, 5, gamma=0.0, seed=3)
    hi = simulate_choice_panel(2000, 5, gamma=2.0, seed=3)
    rep = lambda d: (d.groupby("customer_id")["choice"].shift() == d["choice"]).sum() / (len(d) - 2000)
    assert rep(lo) == pytest.approx(0.25, abs=0.02)       # four symmetric brands, no state dependence
    assert rep(hi) > rep(lo) + 0.2


def test_heterogeneity_without_state_dependence_still_creates_repeat_purchase():
    d = simulate_choice_panel(2000, 5, gamma=0.0, heterogeneity=2.0, seed=4)
    rep = (d.groupby("customer_id")["choice"].shift() == d["choice"]).sum() / (len(d) - 2000)
    assert rep > 0.35                                       # spurious loyalty


def test_upp_market_and_bad_input():
    m = simulate_upp_market(pd.Series([60.0, 40.0], index=["big", "small"]), 5.0, marginal_cost=2.0)
    assert list(m.index) == ["big", "small"] and (m["price"] > m["marginal_cost"]).all()
    with pytest.raises(DataError, match="customers must be > 0"):
        simulate_upp_market([60.0, 0.0], 5.0)
    with pytest.raises(DataError, match="n_occasions"):
        simulate_choice_panel(10, 1)
