"""Issue 15, switching package: bad input raises a DataError naming the argument and rows.

Brand-switching matrices (empty, missing and text input), switching-barrier indices (one
respondent, constant items), the Shy bootstrap with one replication, the choice panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.simulate.loyalty import simulate_loyalty_survey
from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import (RandomInterceptLogit, StateDependenceLogit, brand_switching_matrix,
                                 shy_switching_costs, switching_barrier_index)


def _panel():
    return pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "occasion": [0, 1, 2, 0, 1],
                         "choice": ["A", "B", "B", "A", "A"]},
                        index=pd.Index([10, 11, 12, 13, 14], name="row_id"))


@pytest.mark.parametrize("data, match", [
    (pd.DataFrame({"customer_id": [], "occasion": [], "choice": []}), "data is empty"),  # ValueError
    ([], "data holds no sequences"),
    ("ABBA", "received str"),                                      # before: ValueError
    (["AB", "BA"], r"elements \[0, 1\] are not.*not the string 'AB'"),
    ([["A", np.nan, "B"]], r"sequences \[0\] hold missing brands"),  # before: silently skipped
    (5, "received int"),
])
def test_brand_switching_matrix_bad_data(data, match):
    with pytest.raises(DataError, match=match):
        brand_switching_matrix(data)


def test_brand_switching_matrix_bad_panel_columns():
    d = _panel()
    d.loc[11, "choice"] = np.nan  # before: the move was silently dropped
    with pytest.raises(DataError, match=r"choice must not be missing.*first row_id: 11"):
        brand_switching_matrix(d)
    d = _panel()
    d.loc[12, "customer_id"] = None
    with pytest.raises(DataError, match=r"customer_id must not be missing.*first row_id: 12"):
        brand_switching_matrix(d)
    d = _panel().assign(occasion=["a", "b", "c", "a", "b"])  # before: ranked as labels
    with pytest.raises(DataError, match=r"occasion must be numeric; it holds text"):
        brand_switching_matrix(d)
    d = _panel().assign(occasion=[0, 1, 2.5, 0, 1])
    with pytest.raises(DataError, match=r"occasion must hold whole numbers.*first row_id: 12"):
        brand_switching_matrix(d)
    d = _panel().assign(occasion=pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01",
                                                 "2020-01-05", "2020-02-07"]))
    with pytest.raises(DataError, match=r"holds dates; number each customer's purchase occasions"):
        brand_switching_matrix(d)
    with pytest.raises(DataError, match="column 'occasion' not found in data"):
        brand_switching_matrix(_panel().drop(columns="occasion"))
    with pytest.raises(DataError, match="level must"):
        brand_switching_matrix(_panel(), level="high")
    # integer periods keep working, and agree with the sequence form
    a = brand_switching_matrix(_panel()).matrix
    b = brand_switching_matrix([["A", "B", "B"], ["A", "A"]]).matrix
    pd.testing.assert_frame_equal(a, b)


def test_switching_barrier_index_one_respondent_and_constant_items():
    d = simulate_loyalty_survey(60, seed=1)
    # before: one respondent gave NaN alpha and NaN std
    with pytest.raises(DataError, match="at least two respondents"):
        switching_barrier_index(d.iloc[:1])
    flat = d.assign(SWCF1=4.0, SWCF2=4.0)
    with pytest.raises(DataError, match=r"items of \['financial'\].*do not vary"):
        switching_barrier_index(flat)
    text = d.assign(SWCP1=d["SWCP1"].astype(str))
    with pytest.raises(DataError, match=r"survey items column 'SWCP1' must be numeric"):
        switching_barrier_index(text)
    with pytest.raises(DataError, match="items must map each barrier kind to a list"):
        switching_barrier_index(d, items={"procedural": "SWCP1"})
    with pytest.raises(DataError, match="scale must be"):
        switching_barrier_index(d, reverse=["SWCP1"], scale="1 to 7")
    # one item per kind: alpha is undefined (NaN, documented), everything else finite
    one = switching_barrier_index(d, items={"procedural": ["SWCP1"], "financial": ["SWCF1", "SWCF2"]})
    assert np.isnan(one.reliability.loc["procedural", "cronbach_alpha"])
    assert np.isfinite(one.reliability.loc["financial"].to_numpy(dtype=float)).all()
    assert np.isfinite(one.scores.to_numpy()).all()


def test_shy_bootstrap_needs_two_replications():
    # before: n_draws=1 gave standard errors NaN
    with pytest.raises(DataError, match="n_draws must be a whole number >= 2; received 1"):
        shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5,
                            method="bootstrap", n_draws=1)
    res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5,
                              method="bootstrap", n_draws=2, seed=0)
    assert np.isfinite(res.bse).all()
    with pytest.raises(DataError, match=r"price_se must be one number or one per firm \(2\)"):
        shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=[0.5, 0.5, 0.5])


def test_pairwise_estimator_bootstrap_rechooses_rivals():
    p, N = np.array([10.0, 12.0, 15.0]), np.array([500.0, 200.0, 100.0])
    delta = shy_switching_costs(price=p, customers=N, rival="all", price_se=0.3)
    boot = shy_switching_costs(price=p, customers=N, rival="all", price_se=0.3,
                               method="bootstrap", n_draws=4000, seed=1)
    W = N[None, :] / (N[:, None] + N[None, :])
    np.fill_diagonal(W, np.inf)
    np.testing.assert_allclose(delta.switching_costs, p - (W * p).min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(boot.bse, delta.bse, rtol=0.1)


def test_choice_models_bad_settings():
    p = simulate_choice_panel(30, 3, brands=3, seed=1)
    with pytest.raises(DataError, match="data must be a DataFrame"):
        StateDependenceLogit(5)
    with pytest.raises(DataError, match="n_draws must be a whole number >= 1"):
        RandomInterceptLogit(p, n_draws="many")
    with pytest.raises(ModelSpecificationError, match="initial_conditions"):
        RandomInterceptLogit(p, initial_conditions="guess")
