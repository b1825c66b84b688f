"""Switching-cost functions pair per-firm and per-respondent inputs by label (issue 15)."""

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.simulate import simulate_upp_market
from custvalue.simulate.loyalty import simulate_loyalty_survey
from custvalue.switching import (barrier_moderation, shy_switching_costs, switching_barrier_index,
                                 undercut_proof_prices)


def test_shy_pairs_prices_customers_and_their_errors_by_firm():
    firms = pd.Index(["A", "B", "C"], name="firm")
    price = pd.Series([10.0, 9.0, 11.0], index=firms)
    customers = pd.Series([50.0, 30.0, 20.0], index=firms)
    se = pd.Series([0.5, 0.2, 0.3], index=firms)
    ref = shy_switching_costs(price=price, customers=customers, price_se=se.to_numpy())
    got = shy_switching_costs(price=price.iloc[::-1], customers=customers, price_se=se.iloc[[2, 0, 1]])
    pd.testing.assert_series_equal(got.switching_costs, ref.switching_costs)
    pd.testing.assert_series_equal(got.bse, ref.bse)
    with pytest.raises(DataError, match=r"labels in the firms \(customers\) but not in price_se: \['C'\]"):
        shy_switching_costs(price=price, customers=customers, price_se=se.rename(index={"C": "D"}))


def test_undercut_proof_prices_and_the_simulated_market_match_firms_by_label():
    N = pd.Series([60.0, 40.0], index=["A", "B"])
    S = pd.Series([4.0, 6.0], index=["B", "A"])
    pd.testing.assert_series_equal(undercut_proof_prices(S, N), undercut_proof_prices([6.0, 4.0], N))
    m = simulate_upp_market(N, S)
    assert m["switching_cost"].tolist() == [6.0, 4.0]
    with pytest.raises(DataError, match="switching_costs must be finite"):
        simulate_upp_market([60.0, 40.0], [np.nan, 1.0])


def test_barrier_scores_are_joined_by_respondent():
    survey = simulate_loyalty_survey(300, seed=1)
    index = switching_barrier_index(survey)
    ref = barrier_moderation(survey, "loyalty", "satisfaction", index)
    shuffled = type(index)(index.scores.iloc[::-1], index.reliability, index.items)
    pd.testing.assert_frame_equal(barrier_moderation(survey, "loyalty", "satisfaction", shuffled), ref)
