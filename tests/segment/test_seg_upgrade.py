"""Upgrade paths: tier movement against pandas.crosstab, upgrade value against a direct solve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.segment import customer_pyramid, migration, tier_transitions, upgrade_value

TIERS = ["important", "secondary", "ordinary", "small"]


def test_tier_transitions_equal_crosstab():
    rng = np.random.default_rng(0)
    v1 = pd.Series(rng.lognormal(0, 1, 3000))
    v2 = v1 * rng.lognormal(0, 0.7, 3000)
    t1, t2 = customer_pyramid(v1), customer_pyramid(v2)
    ours = tier_transitions(t1, t2)
    ref = pd.crosstab(t1, t2, normalize="index", dropna=False)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy())
    counts = tier_transitions(t1, t2, normalize=False)
    assert counts.to_numpy().sum() == 3000
    np.testing.assert_array_equal(counts.sum(axis=1).to_numpy(), [30, 570, 900, 1500])
    # matching on the index, not on row order
    shuffled = t2.iloc[rng.permutation(3000)]
    np.testing.assert_allclose(tier_transitions(t1, shuffled).to_numpy(), ours.to_numpy())


def test_upgrade_value_equals_direct_solve():
    P = np.array([[0.80, 0.15, 0.05, 0.00],
                  [0.05, 0.75, 0.15, 0.05],
                  [0.00, 0.10, 0.70, 0.20],
                  [0.00, 0.02, 0.08, 0.90]])
    R = np.array([500.0, 120.0, 30.0, 2.0])
    d = 0.1
    df = pd.DataFrame(P, index=TIERS, columns=TIERS)
    out = upgrade_value(df, dict(zip(TIERS, R)), d)
    V = np.linalg.solve(np.eye(4) - P / (1 + d), R)
    np.testing.assert_allclose(out["value"], V, rtol=1e-12)
    np.testing.assert_allclose(out["upgrade_value"].iloc[1:], V[:-1] - V[1:], rtol=1e-12)
    assert np.isnan(out["upgrade_value"].iloc[0]) and out["tier_above"].iloc[1] == "important"
    # finite horizon: sum_{t=0}^{T} (P/(1+d))^t R
    VT = sum(np.linalg.matrix_power(P / (1 + d), t) @ R for t in range(6))
    np.testing.assert_allclose(upgrade_value(df, dict(zip(TIERS, R)), d, horizon=5)["value"], VT, rtol=1e-12)


def test_upgrade_from_an_estimated_tier_panel():
    rng = np.random.default_rng(1)
    v = [pd.Series(rng.lognormal(0, 1, 2000))]
    for _ in range(3):
        v.append(v[-1] * rng.lognormal(0, 0.5, 2000))
    panel = pd.concat([customer_pyramid(x) for x in v], axis=1, keys=range(4))
    res = migration(panel, states=TIERS)
    ours = tier_transitions(panel[0], panel[1], normalize=False) + tier_transitions(panel[1], panel[2], normalize=False) \
        + tier_transitions(panel[2], panel[3], normalize=False)
    np.testing.assert_allclose(res.counts.to_numpy(), ours.to_numpy())
    out = upgrade_value(res, {"important": 100, "secondary": 30, "ordinary": 8, "small": 1}, 0.1)
    assert (out["upgrade_value"].iloc[1:] > 0).all()


def test_upgrade_bad_input():
    cat = pd.CategoricalDtype(["a", "b"])
    with pytest.raises(DataError, match="same tiers"):
        tier_transitions(pd.Series(["a"], dtype=cat), pd.Series(["x"], dtype=pd.CategoricalDtype(["x", "y"])))
    with pytest.raises(DataError, match="categorical Series"):
        tier_transitions(pd.Series(["a"]), pd.Series(["a"], dtype=cat))
    with pytest.raises(DataError, match="transitions must be"):
        upgrade_value([[1.0]], {"a": 1.0}, 0.1)
    with pytest.raises(DataError, match="tier_values must give a value for every tier"):
        upgrade_value(pd.DataFrame([[1.0, 0.0], [0.0, 1.0]], index=["a", "b"], columns=["a", "b"]), {"a": 1.0}, 0.1)
