"""Brand-switching matrices: stationary shares vs long simulated runs, first-passage times,
Markov CLV link, bad input."""

import numpy as np
import pytest

from custvalue.exceptions import DataError
from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import brand_switching_matrix

INTERCEPTS = [0.4, -0.3, 0.6]


@pytest.fixture(scope="module")
def fitted():
    panel = simulate_choice_panel(3000, 6, intercepts=INTERCEPTS, seed=31)
    return brand_switching_matrix(panel)


def test_stationary_shares_match_a_long_simulated_run(fitted):
    # without heterogeneity the logit with state dependence is a first-order Markov chain in
    # brands, so long-run purchase shares of an independent long run estimate the stationary
    # distribution
    long_run = simulate_choice_panel(300, 400, intercepts=INTERCEPTS, burn_in=50, seed=32)
    observed = long_run["choice"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(fitted.stationary_shares().to_numpy(), observed.to_numpy(), atol=0.01)


def test_stationary_shares_match_the_chain_simulator(fitted):
    sim = fitted.chain.simulate(2000, 300, "A", seed=3, labels=False)
    late = sim.iloc[:, 100:].to_numpy().ravel()
    shares = np.bincount(late, minlength=4) / late.size
    np.testing.assert_allclose(fitted.stationary_shares().to_numpy(), shares, atol=0.01)


def test_retention_switching_and_time_to_switch(fitted):
    P = fitted.matrix.to_numpy()
    tab = fitted.table()
    np.testing.assert_allclose(tab["retention"], np.diag(P))
    np.testing.assert_allclose(tab["switching"] + tab["retention"], 1.0)
    np.testing.assert_allclose(tab["expected_time_to_switch"], 1 / (1 - np.diag(P)))
    assert (tab["lower"] < tab["retention"]).all() and (tab["upper"] > tab["retention"]).all()
    np.testing.assert_allclose(tab["observed_share"].sum(), 1.0)


def test_first_passage_times_solve_their_linear_system(fitted):
    P = fitted.matrix.to_numpy()
    F = fitted.first_passage_times().to_numpy()
    k = P.shape[0]
    for j in range(k):  # m_ij = 1 + sum_{l != j} P_il m_lj (Kemeny & Snell 1960)
        others = [i for i in range(k) if i != j]
        Q = P[np.ix_(others, others)]
        m = np.linalg.solve(np.eye(k - 1) - Q, np.ones(k - 1))
        np.testing.assert_allclose(F[others, j], m, rtol=1e-10)
        assert np.isnan(F[j, j])


def test_customer_value_is_the_markov_clv(fitted):
    P = fitted.matrix.to_numpy()
    R = np.array([10.0, 0, 0, 0])
    expect = np.linalg.solve(np.eye(4) - P / 1.1, R)
    np.testing.assert_allclose(fitted.customer_value("A", 10.0, 0.1).to_numpy(), expect, rtol=1e-10)
    with pytest.raises(DataError, match="brand must be one of"):
        fitted.customer_value("Q", 10.0, 0.1)


def test_sequences_and_panel_give_the_same_matrix():
    panel = simulate_choice_panel(200, 5, seed=3)
    seqs = [g["choice"].tolist() for _, g in panel.groupby("customer_id")]
    a = brand_switching_matrix(panel).matrix
    b = brand_switching_matrix(seqs).matrix
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy())
    counts = brand_switching_matrix(seqs).transitions.counts.to_numpy()
    assert counts.sum() == 200 * 4


def test_bad_input():
    with pytest.raises(DataError, match="at least two brands"):
        brand_switching_matrix([["A", "A", "A"], ["A", "A"]])
    with pytest.raises(DataError, match="at least two brands"):
        brand_switching_matrix([["A", "B"]], brands=["A"])
    with pytest.raises(DataError, match="not in states"):
        brand_switching_matrix([["A", "B", "C"]], brands=["A", "B"])
    assert "Brand-switching" in str(brand_switching_matrix([["A", "B", "A", "B", "B"]]).summary())
