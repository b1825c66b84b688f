"""The GHK fit by BHHH steps (issue 21) reaches the optimum the BFGS fit reaches.

The reference is :meth:`custvalue.base.LikelihoodModel.fit` (BFGS on the exact gradient from
``start_params()``, the fit before issue 21) run to a tight gradient tolerance: another
optimiser from another start on the same simulated likelihood.
"""

import warnings

import numpy as np
import pytest

from custvalue.base import LikelihoodModel
from custvalue.exceptions import ConvergenceWarning
from custvalue.potential import MultivariateProbit
from custvalue.simulate.potential import simulate_potential_base


@pytest.fixture(scope="module")
def model():
    base = simulate_potential_base(3000, n_products=4, seed=21)
    return MultivariateProbit(base.ownership, base.covariates, n_draws=50, seed=3)


@pytest.mark.parametrize("cov_type", ["opg", "hessian"])
def test_bhhh_reaches_the_bfgs_optimum(model, cov_type):
    ours = model.fit(cov_type=cov_type)
    ref = LikelihoodModel.fit(model, start_params=model.start_params(), gtol=1e-11, cov_type=cov_type)
    assert ours.converged and ours.message.startswith("BHHH")
    assert ours.n_iter <= 6  # linear convergence at a small rate from the pairwise start
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-4)
    assert ours.llf == pytest.approx(ref.llf, rel=1e-10)
    g = model.loglike_and_score(ours.params.to_numpy())[1]
    assert np.max(np.abs(g)) / model.nobs < 1e-7


def test_opg_covariance_is_the_outer_product_at_the_estimate(model):
    res = model.fit(cov_type="opg")
    s = model.score_obs(res.params.to_numpy())  # a fresh pass: the fit's scores are not kept
    assert not hasattr(model, "_score_memo")
    np.testing.assert_allclose(res.cov_params.to_numpy(), np.linalg.inv(s.T @ s), rtol=1e-10)


def test_pairwise_start_is_near_the_optimum(model):
    theta0, h = model.initial_point()
    res = model.fit()
    assert h is None
    # the pairwise correlations are within a fraction of a standard error of the joint MLE;
    # the one-step correlations of start_params() are not as close
    d_new = np.abs(theta0 - res.params.to_numpy()) / res.bse.to_numpy()
    d_old = np.abs(model.start_params() - res.params.to_numpy()) / res.bse.to_numpy()
    assert d_new.max() < 1.0 and d_new.max() < d_old.max()


def test_start_params_and_maxiter(model):
    res = model.fit(start_params=model.start_params())
    assert res.converged
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        short = model.fit(maxiter=1)
    assert not short.converged and short.n_iter == 1
    assert any(issubclass(x.category, ConvergenceWarning) for x in w)


def test_customer_weights_equal_repeated_rows():
    base = simulate_potential_base(800, n_products=3, seed=5)
    y, X = base.ownership, base.covariates
    twice = MultivariateProbit(y, X, n_draws=30)
    twice.weights = np.full(800, 2.0)
    once = MultivariateProbit(y, X, n_draws=30)
    a, b = twice.fit(), once.fit()
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-5, atol=1e-6)
    assert a.llf == pytest.approx(2 * b.llf, rel=1e-10)
