"""State-dependence logit: statsmodels equality, recovery of a 0.60 switching cost, the
heterogeneity bias of the naive model and its removal, bad input."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import (InitialConditionsWarning, RandomInterceptLogit,
                                 StateDependenceLogit, prepare_choice_panel)


@pytest.fixture(scope="module")
def small_panel():
    return simulate_choice_panel(120, 4, intercepts=[0.3, -0.2, 0.1], seed=11)


@pytest.mark.parametrize("state_dependence", ["common", "brand"])
def test_equals_statsmodels_conditional_logit(small_panel, state_dependence):
    from statsmodels.discrete.conditional_models import ConditionalLogit

    model = StateDependenceLogit(small_panel, state_dependence=state_dependence)
    ours = model.fit()
    endog, exog, groups = model.long_format()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = ConditionalLogit(endog, exog, groups=groups).fit(method="newton", maxiter=100, tol=1e-12,
                                                              disp=False)
    np.testing.assert_allclose(ours.params.to_numpy(), sm.params, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.bse.to_numpy(), sm.bse, rtol=1e-5)
    assert ours.llf == pytest.approx(sm.llf, rel=1e-10)


def test_long_format_matches_the_data(small_panel):
    model = StateDependenceLogit(small_panel)
    endog, exog, groups = model.long_format()
    # first estimation row: customer 0, occasion 1; price column is the alpha column
    row = small_panel[(small_panel.customer_id == 0) & (small_panel.occasion == 1)].iloc[0]
    np.testing.assert_allclose(exog[:4, model.param_names.index("alpha")],
                               row[["price_A", "price_B", "price_C", "price_D"]].to_numpy(dtype=float))
    prev = small_panel[(small_panel.customer_id == 0) & (small_panel.occasion == 0)]["choice"].iloc[0]
    lag_col = exog[:4, model.param_names.index("gamma")]
    assert lag_col.sum() == 1 and "ABCD"[int(np.argmax(lag_col))] == prev
    assert endog[:4].sum() == 1 and "ABCD"[int(np.argmax(endog[:4]))] == row["choice"]
    assert (np.bincount(groups) == 4).all()


def test_recovers_switching_cost_060_within_2se():
    panel = simulate_choice_panel(3000, 8, alpha=-2.0, gamma=1.2, seed=5)
    assert panel.attrs["truth"]["switching_cost"] == pytest.approx(0.60)
    res = StateDependenceLogit(panel).fit()
    sc = res.switching_cost().loc["all brands"]
    assert abs(sc["estimate"] - 0.60) < 2 * sc["std err"]
    assert abs(res.params["alpha"] + 2.0) < 2.5 * res.bse["alpha"]
    assert sc["lower"] < 0.60 < sc["upper"]


def test_brand_specific_switching_costs():
    gam = [0.6, 1.0, 1.4, 1.8]
    panel = simulate_choice_panel(2000, 8, alpha=-2.0, gamma=gam, seed=6)
    res = StateDependenceLogit(panel, state_dependence="brand").fit()
    sc = res.switching_cost()
    truth = np.array(gam) / 2.0
    assert list(sc.index) == ["A", "B", "C", "D"]
    z = (sc["estimate"].to_numpy() - truth) / sc["std err"].to_numpy()
    assert np.all(np.abs(z) < 2.5), z


def test_delta_method_se_matches_simulation_spread():
    # independent check of the delta-method SE: spread of estimates over replications
    est, se = [], []
    for seed in range(12):
        r = StateDependenceLogit(simulate_choice_panel(400, 6, seed=100 + seed)).fit()
        s = r.switching_cost().iloc[0]
        est.append(s["estimate"])
        se.append(s["std err"])
    assert np.std(est, ddof=1) == pytest.approx(np.mean(se), rel=0.45)


# The heterogeneity check of the issue (naive model biased upward, random-intercept model not)
# is asserted on the notebook's panels in tests/test_notebook_numbers_switching.py.


def test_initial_conditions_warning():
    panel = simulate_choice_panel(50, 4, seed=2)
    with pytest.warns(InitialConditionsWarning, match="Heckman"):
        m = RandomInterceptLogit(panel, n_draws=5, initial_conditions="exogenous")
    assert not any(n.startswith("init_") for n in m.param_names)
    with pytest.raises(ModelSpecificationError):
        RandomInterceptLogit(panel, initial_conditions="guess")


def test_results_pickle_and_summary(small_panel):
    res = StateDependenceLogit(small_panel).fit()
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(again.params, res.params)
    text = str(res.summary())
    assert "switching cost" in text and "Occasions" in text
    with pytest.raises(AttributeError):
        res.llf = 0.0


def test_column_names_and_mapping_input(small_panel):
    renamed = small_panel.rename(columns={"customer_id": "hh", "occasion": "trip", "choice": "brand",
                                          "price_A": "pa", "price_B": "pb", "price_C": "pc",
                                          "price_D": "pd"})
    a = StateDependenceLogit(small_panel).fit()
    b = StateDependenceLogit({c: renamed[c].to_numpy() for c in renamed.columns},
                             prices={"A": "pa", "B": "pb", "C": "pc", "D": "pd"},
                             customer_col="hh", occasion="trip", choice="brand").fit()
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-8)
    shuffled = small_panel.sample(frac=1.0, random_state=0)
    c = StateDependenceLogit(shuffled).fit()
    np.testing.assert_allclose(a.params.to_numpy(), c.params.to_numpy(), rtol=1e-6)


# -- bad input ---------------------------------------------------------------------------
def _tiny():
    return pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "occasion": [0, 1, 2, 0, 1],
                         "choice": ["A", "B", "B", "A", "A"],
                         "price_A": [1.0, 1.1, 1.2, 1.0, 0.9], "price_B": [1.0, 1.0, 0.9, 1.3, 1.1]},
                        index=pd.Index([10, 11, 12, 13, 14], name="row_id"))


def test_gap_in_panel_is_rejected_with_the_row():
    d = _tiny()
    d.loc[12, "occasion"] = 3
    with pytest.raises(DataError, match=r"gaps.*first row_id: 12"):
        StateDependenceLogit(d)


def test_duplicate_occasion_is_rejected():
    d = _tiny()
    d.loc[12, "occasion"] = 1
    with pytest.raises(DataError, match="appear once"):
        prepare_choice_panel(d)


def test_choice_outside_choice_set_is_rejected():
    d = _tiny()
    d.loc[13, "choice"] = "Z"
    with pytest.raises(DataError, match=r"choice must be one of the brands.*'Z'.*first row_id: 13"):
        StateDependenceLogit(d)


def test_fewer_than_two_brands_is_rejected():
    d = _tiny().drop(columns="price_B")
    with pytest.raises(DataError, match="at least two brands"):
        StateDependenceLogit(d)
    with pytest.raises(DataError, match="at least two brands"):
        simulate_choice_panel(10, 3, brands=1)


def test_other_bad_input():
    d = _tiny()
    d.loc[11, "price_A"] = np.nan
    with pytest.raises(DataError, match="price_A must be finite"):
        StateDependenceLogit(d)
    d = _tiny()
    d["occasion"] = d["occasion"] + 0.5 * (d.index == 14)
    with pytest.raises(DataError, match="whole numbers"):
        StateDependenceLogit(d)
    d = _tiny().iloc[[0, 3]]
    with pytest.raises(DataError, match="two or more"):
        StateDependenceLogit(d)
    with pytest.raises(DataError, match="column 'occasion' is required"):
        StateDependenceLogit(_tiny().drop(columns="occasion"))
    with pytest.raises(ModelSpecificationError, match="state_dependence"):
        StateDependenceLogit(_tiny(), state_dependence="lagged")
