"""The potential-value simulator: shapes, reproducibility, and that its draws follow the
model it claims (ownership rates, latent correlation)."""

import numpy as np
import pytest

from custvalue.exceptions import DataError
from custvalue.simulate.potential import simulate_potential_base


def test_shapes_reproducibility_and_focal_holdings():
    a = simulate_potential_base(2000, n_products=8, seed=5)
    b = simulate_potential_base(2000, n_products=8, seed=5)
    assert a.ownership.equals(b.ownership) and a.ownership.shape == (2000, 8)
    assert (a.owned <= a.ownership).all().all()
    np.testing.assert_allclose(a.current_value, a.owned.to_numpy() @ a.margins.to_numpy())
    assert a.ownership.index.name == "customer_id"


def test_ownership_rates_and_correlation_follow_the_model():
    base = simulate_potential_base(100_000, n_products=2, seed=6, corr=[[1, 0.5], [0.5, 1]],
                                   beta=np.array([[0.0, 0.0], [0, 0], [0, 0], [0, 0]]))
    # with zero coefficients, P(both) is the orthant probability 1/4 + asin(.5)/(2 pi) = 1/3
    both = (base.ownership.sum(axis=1) == 2).mean()
    assert both == pytest.approx(1 / 3, abs=4 * np.sqrt(1 / 3 * 2 / 3 / 100_000))
    base = simulate_potential_base(50_000, n_products=5, seed=7)
    se = np.sqrt(base.probability.mean() * (1 - base.probability.mean()) / 50_000)
    assert (np.abs(base.ownership.mean() - base.probability.mean()) < 4 * se).all()


def test_bad_arguments():
    with pytest.raises(DataError, match="between 1 and 8"):
        simulate_potential_base(10, n_products=9)
    with pytest.raises(DataError, match="positive definite"):
        simulate_potential_base(10, n_products=2, corr=[[1, 1.2], [1.2, 1]])
    with pytest.raises(DataError, match="margins must have one entry per product"):
        simulate_potential_base(10, n_products=3, margins=[1, 2])
