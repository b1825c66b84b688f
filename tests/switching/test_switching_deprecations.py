"""Issue 17: the choice-panel functions take customer_col= (the glossary's name for the customer
column); customer= warns with a FutureWarning and gives identical results."""

import inspect

import numpy as np
import pandas as pd
import pytest

from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import (RandomInterceptLogit, StateDependenceLogit, brand_switching_matrix,
                                 prepare_choice_panel)


@pytest.fixture(scope="module")
def panel():
    return simulate_choice_panel(150, 4, seed=5).rename(columns={"customer_id": "hh"})


def test_prepare_choice_panel(panel):
    new = prepare_choice_panel(panel, customer_col="hh")
    with pytest.warns(FutureWarning, match="'customer' is renamed 'customer_col'"):
        old = prepare_choice_panel(panel, customer="hh")
    np.testing.assert_array_equal(old.price, new.price)
    pd.testing.assert_index_equal(old.customers, new.customers)
    assert "customer" not in inspect.signature(prepare_choice_panel).parameters


def test_brand_switching_matrix(panel):
    new = brand_switching_matrix(panel, customer_col="hh")
    with pytest.warns(FutureWarning, match="'customer' is renamed 'customer_col'"):
        old = brand_switching_matrix(panel, customer="hh")
    pd.testing.assert_frame_equal(old.matrix, new.matrix)
    assert "customer" not in inspect.signature(brand_switching_matrix).parameters


@pytest.mark.parametrize("cls, kw", [(StateDependenceLogit, {}), (RandomInterceptLogit, {"n_draws": 5})])
def test_logit_constructors(panel, cls, kw):
    new = cls(panel, customer_col="hh", **kw)
    with pytest.warns(FutureWarning, match="'customer' is renamed 'customer_col'"):
        old = cls(panel, customer="hh", **kw)
    p = new.start_params()
    np.testing.assert_array_equal(old.loglike_obs(p), new.loglike_obs(p))
    assert "customer" not in inspect.signature(cls).parameters


def test_shy_n_boot_is_n_draws():
    from custvalue.switching import shy_switching_costs
    args = dict(price=[10.0, 9.0, 8.5], customers=[100.0, 80.0, 60.0], marginal_cost=5.0,
                price_se=0.2, customers_se=5.0, method="bootstrap", seed=3)
    new = shy_switching_costs(**args, n_draws=300)
    with pytest.warns(FutureWarning, match="'n_boot' is renamed 'n_draws'"):
        old = shy_switching_costs(**args, n_boot=300)
    np.testing.assert_array_equal(old.bse.to_numpy(), new.bse.to_numpy())
    assert "n_boot" not in inspect.signature(shy_switching_costs).parameters
