"""Markov migration CLV (Pfeifer & Carraway 2000): closed forms vs independent routes,
simulation, estimation of P from panels and logs, and bad input."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv import retention_clv
from custvalue.markov import MarkovChain, estimate_transition_matrix, recency_states
from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.simulate.markov import simulate_chain, simulate_markov_panel
from tests.conftest import IN_CI

STATES = ["potential", "target", "current", "lost", "non_customer"]
P5 = np.array([
    [0.70, 0.20, 0.05, 0.00, 0.05],
    [0.10, 0.50, 0.30, 0.00, 0.10],
    [0.00, 0.00, 0.80, 0.15, 0.05],
    [0.00, 0.10, 0.10, 0.70, 0.10],
    [0.00, 0.00, 0.00, 0.00, 1.00],
])
R5 = np.array([-1.0, -5.0, 40.0, -2.0, 0.0])


@pytest.mark.parametrize("d", [0.0, 0.05, 0.1, 0.3])
@pytest.mark.parametrize("r", [0.0, 0.5, 0.8, 0.97])
def test_one_state_chain_equals_simple_retention_formula(r, d):
    P = [[r, 1 - r], [0.0, 1.0]]
    m = 100.0
    if d > 0:
        start = MarkovChain(P).value([m, 0.0], d).iloc[0]
        end = MarkovChain(P).value([m, 0.0], d, include_current=False).iloc[0]
        assert start == pytest.approx(retention_clv(margin=m, retention=r, discount_rate=d, timing="start").iloc[0])
        assert end == pytest.approx(retention_clv(margin=m, retention=r, discount_rate=d, timing="end").iloc[0])
    for h in (1, 4, 25):
        # horizon T counts periods 0..T: T+1 start-of-period payments, T end-of-period ones
        assert MarkovChain(P).value([m, 0.0], d, horizon=h).iloc[0] == pytest.approx(
            retention_clv(margin=m, retention=r, discount_rate=d, timing="start", horizon=h + 1).iloc[0])
        assert MarkovChain(P).value([m, 0.0], d, horizon=h, include_current=False).iloc[0] == pytest.approx(
            retention_clv(margin=m, retention=r, discount_rate=d, timing="end", horizon=h).iloc[0])


def test_closed_form_equals_matrix_power_sum():
    chain = MarkovChain(pd.DataFrame(P5, index=STATES, columns=STATES))
    d = 0.1
    explicit = sum(np.linalg.matrix_power(P5 / (1 + d), t) @ R5 for t in range(0, 13))
    got = chain.value(dict(zip(STATES, R5)), d, horizon=12)
    assert list(got.index) == STATES
    np.testing.assert_allclose(got.to_numpy(), explicit, rtol=1e-12)
    # infinite horizon = limit of the finite sums; also = (I - P/(1+d))^-1 R by inversion
    big = sum(np.linalg.matrix_power(P5 / (1 + d), t) @ R5 for t in range(0, 600))
    np.testing.assert_allclose(chain.value(R5, d).to_numpy(), big, rtol=1e-9)
    path = chain.value_path(R5, d, 12)
    np.testing.assert_allclose(path.iloc[-1].to_numpy(), explicit, rtol=1e-12)
    # several discount rates at once
    many = chain.value(R5, [0.05, 0.1])
    np.testing.assert_allclose(many[0.1].to_numpy(), chain.value(R5, 0.1).to_numpy())


def test_closed_form_equals_monte_carlo():
    chain = MarkovChain(P5, states=STATES)
    n = 4000 if IN_CI else 20000
    mc = chain.monte_carlo_value(R5, 0.1, horizon=40, n_customers=n, seed=2026)
    z = (mc["monte_carlo"] - mc["closed_form"]) / mc["std_error"].where(mc["std_error"] > 0, 1.0)
    assert (z.abs() < 4).all(), mc
    # the horizon-40 value is within 1% of the infinite-horizon one here
    np.testing.assert_allclose(mc["closed_form"], chain.value(R5, 0.1), rtol=0.02, atol=0.5)


def test_stationary_distribution_matches_eigenvector():
    P = np.array([[0.9, 0.08, 0.02], [0.3, 0.6, 0.1], [0.2, 0.2, 0.6]])
    w, v = np.linalg.eig(P.T)
    ref = np.real(v[:, np.argmin(np.abs(w - 1))])
    ref = ref / ref.sum()
    np.testing.assert_allclose(MarkovChain(P).stationary_distribution().to_numpy(), ref, rtol=1e-10)
    with pytest.raises(ModelSpecificationError, match="unique"):
        MarkovChain(np.eye(2)).stationary_distribution()


def test_time_to_absorption_closed_form_and_simulation():
    r = 0.75
    assert MarkovChain([[r, 1 - r], [0, 1]]).expected_time_to_absorption().iloc[0] == pytest.approx(1 / (1 - r))
    chain = MarkovChain(P5, states=STATES)
    t = chain.expected_time_to_absorption()  # non_customer is absorbing
    paths = chain.simulate(3000, 400, "current", seed=5, labels=False).to_numpy()
    hit = (paths == STATES.index("non_customer")).argmax(axis=1)
    assert (paths[:, -1] == 4).all()
    se = hit.std(ddof=1) / np.sqrt(hit.size)
    assert abs(hit.mean() - t["current"]) < 4 * se
    # first passage into "lost" from "current" is geometric-ish: P(current -> lost) = 0.15
    tl = chain.expected_time_to_absorption(absorbing=["lost", "non_customer"])
    assert tl["current"] == pytest.approx(1 / 0.2)
    probs = chain.absorption_probabilities(absorbing=["lost", "non_customer"])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs.loc["current", "lost"] == pytest.approx(0.75)


def _panel(n, T, seed):
    return simulate_markov_panel(pd.DataFrame(P5, index=STATES, columns=STATES), n, T,
                                 initial=[0.4, 0.2, 0.3, 0.1, 0.0], seed=seed)


def test_estimation_recovers_P_and_intervals_cover():
    n = 3000 if IN_CI else 20000
    panel = _panel(n, 6, seed=7)
    res = estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                     states=STATES)
    est = res.matrix.to_numpy()
    se = res.bse.to_numpy()
    ok = np.abs(est - P5) <= 4 * np.where(se > 0, se, 1e-3) + 1e-12
    assert ok.all(), res.matrix
    cover = (res.lower.to_numpy() <= P5 + 1e-12) & (P5 - 1e-12 <= res.upper.to_numpy())
    assert cover.mean() >= 0.8
    g = res.conf_int(method="goodman")
    assert (g["lower"] <= g["estimate"] + 1e-12).all() and (g["estimate"] <= g["upper"] + 1e-12).all()
    # counts agree with the peer route: pandas crosstab of (state, next state)
    p = panel.sort_values(["customer_id", "period"])
    nxt = p.groupby("customer_id")["state"].shift(-1)
    ct = pd.crosstab(p["state"], nxt).reindex(index=STATES, columns=STATES, fill_value=0)
    np.testing.assert_array_equal(res.counts.to_numpy(), ct.to_numpy())
    assert res.llf == pytest.approx(float(np.nansum(ct.to_numpy() * np.log(np.where(est > 0, est, 1)))))
    with pytest.raises(AttributeError):
        res.llf = 1.0
    assert pickle.loads(pickle.dumps(res)).matrix.equals(res.matrix)
    ci = res.clv_conf_int(R5, 0.1, n_draws=200, seed=1)
    assert (ci["lower"] <= ci["value"] + 1e-9).all() and (ci["value"] <= ci["upper"] + 1e-9).all()


def test_long_wide_sequence_and_shuffled_inputs_agree():
    panel = _panel(300, 5, seed=3)
    a = estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                   states=STATES)
    shuffled = panel.sample(frac=1.0, random_state=1)
    b = estimate_transition_matrix(shuffled, customer_col="customer_id", period="period", state="state",
                                   states=STATES)
    wide = panel.pivot(index="customer_id", columns="period", values="state")
    c = estimate_transition_matrix(wide, states=STATES)
    seqs = [list(g) for _, g in panel.groupby("customer_id")["state"]]
    d = estimate_transition_matrix(seqs, states=STATES)
    for other in (b, c, d):
        np.testing.assert_array_equal(a.counts.to_numpy(), other.counts.to_numpy())


def test_sparse_unsorted_panel_uses_the_sorting_path():
    # periods spread over 0..9000 for a few customers: too sparse for the dense grid
    rng = np.random.default_rng(4)
    rows = []
    for cid in range(5):
        start = int(rng.integers(0, 9000))
        seq = rng.choice(["x", "y"], size=6)
        rows += [(cid, start + t, s) for t, s in enumerate(seq)]
    panel = pd.DataFrame(rows, columns=["cid", "t", "s"]).sample(frac=1.0, random_state=2)
    res = estimate_transition_matrix(panel, customer_col="cid", period="t", state="s")
    seqs = [list(g.sort_values("t")["s"]) for _, g in panel.groupby("cid")]
    np.testing.assert_array_equal(res.counts.to_numpy(), estimate_transition_matrix(seqs).counts.to_numpy())
    assert res.n_transitions == 25
    dup = pd.concat([panel, panel.iloc[:1]])
    with pytest.raises(DataError, match="once"):
        estimate_transition_matrix(dup, customer_col="cid", period="t", state="s")


def test_gaps_and_missing_states_break_sequences():
    panel = pd.DataFrame({"cid": [1, 1, 1, 2, 2], "t": [1, 2, 4, 1, 2],
                          "s": ["a", "b", "a", "a", None]})
    res = estimate_transition_matrix(panel, customer_col="cid", period="t", state="s", unobserved="absorbing")
    # counted: 1: a->b (t1->t2); t2->t4 skips period 3; customer 2: a->None dropped
    assert res.n_transitions == 1
    assert res.unobserved == ["b"]
    wide = np.array([["a", "b", None, "b"], ["b", "b", "a", "a"]], dtype=object)
    res2 = estimate_transition_matrix(wide)
    assert res2.counts.loc["a", "b"] == 1 and res2.counts.loc["b", "b"] == 1
    assert res2.counts.loc["b", "a"] == 1 and res2.counts.loc["a", "a"] == 1


def test_recency_states_from_transactions():
    log = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 3],
        "date": pd.to_datetime(["2021-01-10", "2021-01-20", "2021-04-02", "2021-02-01", "2021-06-30"]),
    })
    rs = recency_states(log, period_alias="M", n_classes=3)
    expected = pd.DataFrame([[0, 1, 2, 0, 1, 2], [None, 0, 1, 2, 2, 2], [None] * 5 + [0]],
                            index=pd.Index([1, 2, 3], name="customer_id")).astype("Int64")
    np.testing.assert_array_equal(rs.to_numpy(dtype=float, na_value=np.nan),
                                  expected.to_numpy(dtype=float, na_value=np.nan))
    assert list(rs.columns.astype(str)) == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"]
    res = estimate_transition_matrix(rs, states=[0, 1, 2])
    # from 0: 0->1 (c1 Jan->Feb), 0->1 (c1 Apr->May), 0->1 (c2 Feb->Mar)
    assert res.counts.loc[0, 1] == 3 and res.n_from[0] == 3
    # from 2: c1 Mar->Apr (2->0), c2 Apr->May and May->Jun (2->2)
    assert res.matrix.loc[2, 2] == pytest.approx(2 / 3)


def test_simulate_chain_is_seeded_and_follows_P():
    a = simulate_chain(P5, 2, 50, 10, seed=9)
    b = simulate_chain(P5, 2, 50, 10, seed=9)
    np.testing.assert_array_equal(a, b)
    assert simulate_chain([[0.0, 1.0], [1.0, 0.0]], 0, 2, 3, seed=1).tolist() == [[0, 1, 0, 1]] * 2


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 6), seed=st.integers(0, 10_000), d=st.floats(0.01, 0.5), step=st.floats(0.01, 0.5),
       h=st.integers(0, 30))
def test_property_values_monotone_and_distributions_valid(k, seed, d, step, h):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(k), size=k)
    R = rng.uniform(0, 10, size=k)
    chain = MarkovChain(P)
    v_h = chain.value(R, d, horizon=h).to_numpy()
    v_h1 = chain.value(R, d, horizon=h + 1).to_numpy()
    v_inf = chain.value(R, d).to_numpy()
    assert np.all(v_h <= v_h1 + 1e-9) and np.all(v_h1 <= v_inf + 1e-9)
    assert np.all(chain.value(R, d + step).to_numpy() <= v_inf + 1e-9)
    dist = chain.state_distribution(0, h).to_numpy()
    assert np.allclose(dist.sum(axis=1), 1.0) and (dist >= -1e-12).all()
    pi = chain.stationary_distribution().to_numpy()
    assert np.allclose(pi @ P, pi, atol=1e-9)


@pytest.mark.parametrize("P,match", [
    ([[0.5, 0.4], [0.0, 1.0]], "rows must sum to 1"),
    ([[1.2, -0.2], [0.0, 1.0]], r"\[0, 1\]"),
    ([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], "square"),
    ([[np.nan, 1.0], [0.0, 1.0]], "finite"),
])
def test_bad_transition_matrices(P, match):
    with pytest.raises(DataError, match=match):
        MarkovChain(P).value([1.0, 0.0], 0.1)


def test_bad_rates_rewards_and_panels():
    chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
    for bad in (-1.0, -1.5, np.nan):
        with pytest.raises(DataError, match="discount_rate"):
            chain.value([1.0, 0.0], bad)
    # undiscounted: finite when the reward stops at absorption, E[periods active] = 1/(1-0.8)
    assert chain.value([1.0, 0.0], 0.0).iloc[0] == pytest.approx(5.0)
    with pytest.raises(DataError, match="infinite horizon"):
        chain.value([1.0, 1.0], 0.0)
    with pytest.raises(DataError, match="infinite horizon"):
        MarkovChain([[0.8, 0.2], [0.5, 0.5]]).value([1.0, 0.0], 0.0)
    assert chain.value([1.0, 0.0], 0.0, horizon=3).iloc[0] == pytest.approx(1 + 0.8 + 0.64 + 0.512)
    with pytest.raises(DataError, match="missing"):
        chain.value({"active": 1.0}, 0.1)
    with pytest.raises(DataError, match="one entry per state"):
        chain.value([1.0, 2.0, 3.0], 0.1)
    with pytest.raises(DataError, match="horizon"):
        chain.value([1.0, 0.0], 0.1, horizon=-2)
    with pytest.raises(DataError, match="not in states"):
        estimate_transition_matrix([["a", "b", "c"]], states=["a", "b"])
    with pytest.raises(DataError, match="no observed transition|none for"):
        estimate_transition_matrix([["a", "b"]])
    dup = pd.DataFrame({"c": [1, 1], "t": [1, 1], "s": ["a", "b"]})
    with pytest.raises(DataError, match="once"):
        estimate_transition_matrix(dup, customer_col="c", period="t", state="s")
    with pytest.raises(DataError, match="ci_method"):
        estimate_transition_matrix([["a", "a"]], ci_method="exact")
    with pytest.raises(DataError, match="DataFrame"):
        estimate_transition_matrix(np.array([["a", "b"]]), state="s")


def test_recency_states_refuses_missing_customer_ids():
    """A purchase without a customer id is not credited to anyone else (it was, by factorize)."""
    log = pd.DataFrame({"customer_id": [1, np.nan, 2],
                        "date": pd.to_datetime(["2020-01-05", "2020-03-02", "2020-02-10"])})
    with pytest.raises(DataError, match=r"customer_col column 'customer_id' must not be missing.*first row: 1"):
        recency_states(log)
