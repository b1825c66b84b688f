"""Intervals of the Markov value (issue 19 item 1): ``TransitionMatrixResults.value(interval=)``.

References used here, none of them the code under test:
* the derivatives of the value against central differences of values computed directly
  (``numpy.linalg.solve`` for the infinite horizon, a sum of matrix powers for a finite one);
* the delta-method standard error against the spread of values over multinomial redraws;
* coverage of the true value over replications of panels drawn from a known chain;
* the customer bootstrap against the parametric one when customers are alike, and wider
  when they differ (two latent types).
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.exceptions import DataError
from custvalue.markov import estimate_transition_matrix
from custvalue.math import markov as kernel
from custvalue.simulate.markov import simulate_markov_panel

STATES = ["active", "lapsed", "lost"]
P0 = np.array([[0.70, 0.20, 0.10],
               [0.30, 0.50, 0.20],
               [0.00, 0.00, 1.00]])
R0 = np.array([50.0, -5.0, 0.0])


def _direct_value(P, R, d, horizon, include_current=True):
    b = 1.0 / (1.0 + d)
    if horizon is None:
        V = np.linalg.solve(np.eye(len(R)) - b * P, R)
    else:
        V = sum(np.linalg.matrix_power(b * P, t) @ R for t in range(horizon + 1))
    return V if include_current else V - R


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 5), seed=st.integers(0, 2 ** 31 - 1), d=st.floats(0.02, 0.5),
       horizon=st.sampled_from([None, 1, 2, 7]), current=st.booleans())
def test_jacobian_equals_central_differences(k, seed, d, horizon, current):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(k), size=k)
    R = rng.normal(10, 20, size=k)
    J = kernel.value_jacobian(P, R, d, horizon)
    eps = 1e-6
    num = np.empty_like(J)
    for i in range(k):  # loop over the k^2 entries of a small test matrix
        for j in range(k):
            E = np.zeros((k, k))
            E[i, j] = eps
            num[:, i, j] = (_direct_value(P + E, R, d, horizon, current)
                            - _direct_value(P - E, R, d, horizon, current)) / (2 * eps)
    np.testing.assert_allclose(J, num, rtol=1e-6, atol=1e-6 * np.abs(num).max())


def _estimate(n, T, seed, P=P0):
    panel = simulate_markov_panel(pd.DataFrame(P, index=STATES, columns=STATES), n, T,
                                  initial=[0.6, 0.4, 0.0], seed=seed)
    return estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                      states=STATES)


@pytest.mark.parametrize("horizon", [None, 5])
def test_delta_standard_error_matches_the_spread_of_redrawn_values(horizon):
    res = _estimate(20_000, 6, seed=11)
    delta = res.value(R0, 0.1, horizon, interval="delta", level=0.9)
    sim = res.value(R0, 0.1, horizon, interval="simulate", level=0.9, n_draws=4000, seed=2)
    width_d = (delta["upper"] - delta["lower"]).to_numpy()[:2]
    width_s = (sim["upper"] - sim["lower"]).to_numpy()[:2]
    np.testing.assert_allclose(width_d, width_s, rtol=0.06)
    np.testing.assert_allclose(delta["estimate"], _direct_value(res.matrix.to_numpy(), R0, 0.1, horizon))
    assert (delta.loc["lost", ["lower", "upper"]] == 0).all()  # absorbing, reward 0: known exactly


def test_delta_interval_covers_the_true_value_at_its_level():
    truth = _direct_value(P0, R0, 0.1, None)
    rng = np.random.default_rng(5)
    reps, hits = 300, np.zeros(2)
    for _ in range(reps):  # replications of the whole experiment
        res = _estimate(150, 5, seed=rng)
        ci = res.value(R0, 0.1, interval="delta", level=0.9)
        hits += ((ci["lower"] <= truth) & (truth <= ci["upper"])).to_numpy()[:2]
    cover = hits / reps
    assert ((cover > 0.85) & (cover < 0.95)).all(), cover


def test_customer_bootstrap_follows_heterogeneity():
    # alike customers: the customer bootstrap agrees with the multinomial redraws
    res = _estimate(3000, 6, seed=3)
    boot = res.value(R0, 0.1, interval="bootstrap", n_draws=600, seed=1)
    sim = res.value(R0, 0.1, interval="simulate", n_draws=600, seed=1)
    ratio = ((boot["upper"] - boot["lower"]) / (sim["upper"] - sim["lower"])).to_numpy()[:2]
    assert ((ratio > 0.8) & (ratio < 1.25)).all(), ratio
    # two latent types (stayers and leavers, each customer one or the other with probability
    # 1/2): the moves of one customer are dependent. The reference is the spread of the value
    # over 200 independent panels from that population; the customer bootstrap's standard
    # error matches it, the multinomial delta method (moves independent) falls short.
    stay = np.array([[0.95, 0.04, 0.01], [0.6, 0.35, 0.05], [0, 0, 1.0]])
    leave = np.array([[0.40, 0.30, 0.30], [0.10, 0.40, 0.50], [0, 0, 1.0]])

    def mixed(rng):
        n_stay = rng.binomial(600, 0.5)
        frames = [simulate_markov_panel(pd.DataFrame(P, index=STATES, columns=STATES), n, 20,
                                        initial=[1.0, 0.0, 0.0], seed=rng)
                  for P, n in ((stay, n_stay), (leave, 600 - n_stay))]
        frames[1]["customer_id"] += frames[0]["customer_id"].max() + 1
        return estimate_transition_matrix(pd.concat(frames, ignore_index=True), customer_col="customer_id",
                                          period="period", state="state", states=STATES)

    rng = np.random.default_rng(0)
    spread = np.std([mixed(rng).value(R0, 0.1).to_numpy()[:2] for _ in range(200)], axis=0)
    z = 1.6448536269514722
    se = {m: np.mean([((ci["upper"] - ci["lower"]) / (2 * z)).to_numpy()[:2]
                      for ci in (mixed(rng).value(R0, 0.1, interval=m, level=0.9, n_draws=400, seed=rng)
                                 for _ in range(10))], axis=0) for m in ("bootstrap", "delta")}
    np.testing.assert_allclose(se["bootstrap"], spread, rtol=0.15)
    assert se["delta"][0] < 0.85 * spread[0]


def test_bootstrap_same_resamples_from_long_wide_and_unit_weights():
    panel = simulate_markov_panel(pd.DataFrame(P0, index=STATES, columns=STATES), 400, 5,
                                  initial=[0.6, 0.4, 0.0], seed=8)
    long = estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                      states=STATES)
    shuffled = estimate_transition_matrix(panel.sample(frac=1.0, random_state=3), customer_col="customer_id",
                                          period="period", state="state", states=STATES)
    wide_panel = panel.pivot(index="customer_id", columns="period", values="state")
    wide = estimate_transition_matrix(wide_panel, states=STATES)
    weighted = estimate_transition_matrix(wide_panel, states=STATES, weights=np.ones(len(wide_panel)))
    seqs = estimate_transition_matrix([list(r) for r in wide_panel.to_numpy()], states=STATES)
    ref = long.value(R0, 0.1, interval="bootstrap", n_draws=50, seed=4)
    for other in (shuffled, wide, weighted, seqs):
        pd.testing.assert_frame_equal(other.value(R0, 0.1, interval="bootstrap", n_draws=50, seed=4), ref)


def test_no_discounting_on_an_absorbing_chain_and_the_old_name():
    res = _estimate(2000, 6, seed=4)
    for method in ("delta", "simulate", "bootstrap"):
        ci = res.value(R0, 0.0, interval=method, n_draws=100, seed=0)
        assert np.isfinite(ci.to_numpy()).all()
        assert (ci["lower"] <= ci["estimate"]).all() and (ci["estimate"] <= ci["upper"]).all()
    np.testing.assert_allclose(ci["estimate"], res.chain.value(R0, 0.0))
    old = res.clv_conf_int(R0, 0.1, n_draws=99, seed=3)
    new = res.value(R0, 0.1, interval="simulate", n_draws=99, seed=3)
    np.testing.assert_array_equal(old.to_numpy(), new.to_numpy())
    pd.testing.assert_series_equal(res.value(R0, 0.1), res.chain.value(R0, 0.1))


@pytest.mark.parametrize("kwargs, match", [
    ({"interval": "exact"}, "interval"), ({"interval": "delta", "level": 1.5}, "level"),
    ({"interval": "simulate", "n_draws": 3}, "n_draws"), ({"interval": "delta", "discount_rate": [0.1, 0.2]},
                                                          "discount_rate"),
    ({"interval": "bootstrap", "seed": "x"}, "seed")])
def test_bad_arguments_name_themselves(kwargs, match):
    res = _estimate(200, 4, seed=1)
    args = {"rewards": R0, "discount_rate": 0.1, **kwargs}
    with pytest.raises(DataError, match=match):
        res.value(**args)
