"""Issue 17: the multivariate probit takes n_draws= (the glossary's draw count); draws= and the
model attribute ``draws`` warn with a FutureWarning and give identical results. The module was
split into specification and results; custvalue.potential.mvprobit still exports both."""

import inspect

import numpy as np
import pytest

from custvalue.potential import MultivariateProbit, MultivariateProbitResults
from custvalue.potential import mvprobit
from custvalue.simulate.potential import simulate_potential_base


@pytest.fixture(scope="module")
def base():
    return simulate_potential_base(200, n_products=3, seed=11)


def test_draws_keyword_and_attribute(base):
    new = MultivariateProbit(base.ownership, base.covariates, n_draws=25)
    with pytest.warns(FutureWarning, match="'draws' is renamed 'n_draws'"):
        old = MultivariateProbit(base.ownership, base.covariates, draws=25)
    p = new.start_params()
    np.testing.assert_array_equal(old.loglike_obs(p), new.loglike_obs(p))
    with pytest.warns(FutureWarning, match="MultivariateProbit.draws is renamed"):
        assert old.draws == new.n_draws == 25
    assert "draws" not in inspect.signature(MultivariateProbit).parameters


def test_draws_keyword_of_the_probabilities(base):
    res = MultivariateProbit(base.ownership, base.covariates, n_draws=25).fit()
    X = base.covariates.iloc[:20]
    new = res.joint_probability([1, 0, 1], X, n_draws=40)
    with pytest.warns(FutureWarning, match="'draws' is renamed 'n_draws'"):
        old = res.joint_probability([1, 0, 1], X, draws=40)
    np.testing.assert_array_equal(old.to_numpy(), new.to_numpy())
    owned = base.ownership.iloc[:20]
    new = res.conditional_probability(owned, X, n_draws=40)
    with pytest.warns(FutureWarning, match="'draws' is renamed 'n_draws'"):
        old = res.conditional_probability(owned, X, draws=40)
    np.testing.assert_array_equal(old.to_numpy(), new.to_numpy())


def test_split_modules_export_the_same_classes():
    assert mvprobit.MultivariateProbit is mvprobit.specification.MultivariateProbit is MultivariateProbit
    assert mvprobit.MultivariateProbitResults is mvprobit.results.MultivariateProbitResults \
        is MultivariateProbitResults
    assert MultivariateProbit.results_class is MultivariateProbitResults


def test_lrtest_is_the_one_lr_test_type():
    from custvalue.base.lrtest import LRTestResult

    with pytest.warns(FutureWarning, match="LRTest is renamed custvalue.base.lrtest.LRTestResult"):
        from custvalue.potential import LRTest
    assert LRTest is LRTestResult


def test_too_few_draws_warn_with_the_simulation_warning():
    from custvalue.exceptions import CustvalueWarning, SimulationWarning
    from custvalue.potential import MultivariateProbit
    from custvalue.simulate.potential import simulate_potential_base

    base = simulate_potential_base(100, n_products=2, seed=1)
    with pytest.warns(SimulationWarning) as record:
        MultivariateProbit(base.ownership, base.covariates, n_draws=2, method="ghk")
    assert issubclass(record[0].category, CustvalueWarning)
