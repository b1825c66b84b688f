"""The rank check of an information matrix (custvalue.base.identification) against scipy's
null space, and the covariance it returns against a direct reparametrised inverse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from custvalue.base.identification import (describe_direction, identified_inverse,
                                           null_directions, unidentified_mask)


@settings(max_examples=60, deadline=None)
@given(k=st.integers(2, 8), rank_drop=st.integers(0, 2), seed=st.integers(0, 10_000))
def test_null_directions_span_scipys_null_space(k, rank_drop, seed):
    rng = np.random.default_rng(seed)
    r = max(k - rank_drop, 1)
    J = rng.normal(size=(3 * k, r)) @ rng.normal(size=(r, k))  # rank r
    scale = 10.0 ** rng.uniform(-2, 2, k)  # parameters in very different units
    M = J / scale
    info = M.T @ M
    names = [f"p{j}" for j in range(k)]
    dirs = null_directions(info, names)
    # reference: scipy's null space of the unit-free (column-normalised) Jacobian, with the
    # same relative threshold (eigenvalues of C are squared singular values: rtol 1e-8 <-> 1e-4)
    norms = np.linalg.norm(M, axis=0)
    ref = null_space(M / norms, rcond=1e-4)
    assert len(dirs) == ref.shape[1]
    for d in dirs:  # each reported direction lies in the null space (unit-free coordinates)
        w = d.to_numpy() * norms
        w /= np.linalg.norm(w)
        assert np.linalg.norm(w - ref @ (ref.T @ w)) <= 1e-6
        assert np.max(np.abs(d.to_numpy())) == pytest.approx(1.0)


def test_covariance_of_identified_parameters_equals_the_reduced_model():
    # y ~ a*x1 + b*x1 + c*x2: only a + b and c are identified
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(size=200), rng.normal(size=200)
    X = np.column_stack([x1, x1, x2])
    cov, dirs = identified_inverse(X.T @ X, ["a", "b", "c"])
    assert describe_direction(dirs[0]) == "(a, b) + t * (1, -1)"
    assert np.isnan(cov[:2]).all() and np.isnan(cov[:, :2]).all()
    reduced = np.linalg.inv(np.column_stack([x1, x2]).T @ np.column_stack([x1, x2]))
    assert cov[2, 2] == pytest.approx(reduced[1, 1], rel=1e-10)
    # the variance of the identified sum a + b from the raw pseudo-inverse is the reduced one
    raw, _ = identified_inverse(X.T @ X, ["a", "b", "c"], nan_unidentified=False)
    g = np.array([1.0, 1.0, 0.0])
    assert g @ raw @ g == pytest.approx(reduced[0, 0], rel=1e-8)
    assert unidentified_mask(dirs, 3).tolist() == [True, True, False]


def test_full_rank_is_the_plain_inverse_and_dead_parameters_are_named():
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    cov, dirs = identified_inverse(A, ["x", "y"])
    assert dirs == [] and np.allclose(cov, np.linalg.inv(A))
    dead = np.diag([2.0, 0.0, 1.0])
    dirs = null_directions(dead, ["a", "b", "c"])
    assert [describe_direction(d) for d in dirs] == ["(b) + t * (1)"]
    # a clearly indefinite matrix (not at a maximum) is not reported as flat
    assert null_directions(np.diag([1.0, -1.0]), ["a", "b"]) == []
    assert isinstance(dirs[0], pd.Series)
