"""Customer states: rule-based assignment, recovery of a simulated chain, projection = P^t."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.markov import MarkovChain
from custvalue.exceptions import DataError
from custvalue.segment import CUSTOMER_STATES, customer_states, migration, project_state_mix, state_mix
from custvalue.simulate.markov import simulate_markov_panel

# potential, target, current, lost, non_customer
P_TRUE = np.array([
    [0.60, 0.25, 0.05, 0.00, 0.10],
    [0.00, 0.50, 0.30, 0.00, 0.20],
    [0.00, 0.00, 0.75, 0.25, 0.00],
    [0.00, 0.00, 0.15, 0.70, 0.15],
    [0.00, 0.00, 0.00, 0.00, 1.00],
])


def test_states_follow_the_rules():
    log = pd.DataFrame({"customer_id": [1, 1, 3, 3],
                        "date": pd.to_datetime(["2021-02-03", "2021-06-20", "2021-01-15", "2021-01-20"])})
    pros = pd.DataFrame({"customer_id": [1, 2, 4],
                         "identified": pd.to_datetime(["2021-01-01", "2021-01-05", "2021-03-01"]),
                         "targeted": pd.to_datetime(["2021-01-20", "2021-02-01", None]),
                         "declined": pd.to_datetime([None, "2021-04-10", None])})
    s = customer_states(log, prospects=pros, lost_after=2, end="2021-07").astype(object)
    s = s.where(s.notna(), "-")
    assert list(s.index) == [1, 2, 3, 4]
    assert s.columns[0] == pd.Period("2021-01", "M") and s.shape == (4, 7)
    expected = {
        1: ["target", "current", "current", "lost", "lost", "current", "current"],
        2: ["potential", "target", "target", "non_customer", "non_customer", "non_customer", "non_customer"],
        3: ["current", "current", "lost", "lost", "lost", "lost", "lost"],
        4: ["-", "-", "potential", "potential", "potential", "potential", "potential"],
    }
    for cid, row in expected.items():
        assert s.loc[cid].tolist() == row, cid
    mix = state_mix(customer_states(log, prospects=pros, lost_after=2, end="2021-07"))
    assert mix.loc[pd.Period("2021-04", "M")].tolist() == [1, 0, 0, 2, 1]
    assert (mix.sum(axis=1) <= 4).all()


def test_recency_part_matches_recency_states():
    """Without prospects, current/lost is recency class < lost_after (clv.recency_states)."""
    from custvalue.markov import recency_states

    rng = np.random.default_rng(0)
    n = 3000
    log = pd.DataFrame({"customer_id": rng.integers(0, 500, n),
                        "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")})
    s = customer_states(log, lost_after=3)
    rec = recency_states(log, n_classes=4)
    expect = np.where(rec.isna(), None, np.where(rec.fillna(0) < 3, "current", "lost"))
    got = s.astype(object).where(s.notna(), None).to_numpy()
    np.testing.assert_array_equal(got, expect)


def test_migration_recovers_a_known_chain():
    panel = simulate_markov_panel(P_TRUE, 8000, 6, initial=[0.4, 0.2, 0.2, 0.1, 0.1],
                                  states=list(CUSTOMER_STATES), seed=7)
    res = migration(panel, customer_col="customer_id", period="period", state="state")
    est = res.matrix.to_numpy()
    assert list(res.matrix.index) == list(CUSTOMER_STATES)
    np.testing.assert_allclose(est.sum(axis=1), 1.0)
    se = np.sqrt(P_TRUE * (1 - P_TRUE) / res.n_from.to_numpy()[:, None])
    assert np.all(np.abs(est - P_TRUE) <= 4 * se + 1e-12)
    inside = (res.lower.to_numpy() - 1e-9 <= P_TRUE) & (P_TRUE <= res.upper.to_numpy() + 1e-9)
    assert inside.mean() >= 0.85  # 95% intervals, 25 entries
    # the same data in wide form give the same estimate
    wide = panel.pivot(index="customer_id", columns="period", values="state")
    np.testing.assert_allclose(migration(wide).matrix.to_numpy(), est)
    # and the estimate hands to the Markov CLV of custvalue.markov
    v = res.chain.value({"potential": 0, "target": -5, "current": 100, "lost": 0, "non_customer": 0}, 0.1)
    assert v["current"] > v["lost"] > v["non_customer"] == 0


def test_projection_equals_matrix_powers():
    n0 = pd.Series([400.0, 200.0, 300.0, 80.0, 20.0], index=list(CUSTOMER_STATES))
    proj = project_state_mix(pd.DataFrame(P_TRUE, index=list(CUSTOMER_STATES), columns=list(CUSTOMER_STATES)), n0, 12)
    for t in (0, 1, 5, 12):
        np.testing.assert_allclose(proj.loc[t].to_numpy(), n0.to_numpy() @ np.linalg.matrix_power(P_TRUE, t),
                                   rtol=1e-12)
    np.testing.assert_allclose(proj.sum(axis=1), 1000.0)
    chain = MarkovChain(P_TRUE, states=list(CUSTOMER_STATES))
    pd.testing.assert_frame_equal(project_state_mix(chain, n0, 3), proj.loc[:3])


def test_state_bad_input():
    with pytest.raises(DataError, match=r"not in states.*'churned'.*customer_id: 2"):
        migration(pd.DataFrame({1: ["current", "churned"], 2: ["lost", "lost"]},
                               index=pd.Index([1, 2], name="customer_id")))
    with pytest.raises(DataError, match="not in states"):
        state_mix(pd.DataFrame({1: ["active"]}))
    with pytest.raises(DataError, match="lost_after"):
        customer_states(pd.DataFrame({"customer_id": [1], "date": ["2020-01-01"]}), lost_after=0)
    with pytest.raises(DataError, match="'identified' not found"):
        customer_states(pd.DataFrame({"customer_id": [1], "date": ["2020-01-01"]}),
                        prospects=pd.DataFrame({"customer_id": [1]}))
    with pytest.raises(DataError, match="initial must be 5 non-negative counts"):
        project_state_mix(P_TRUE, [-1, 1, 1, 1, 1], 2, states=list(CUSTOMER_STATES))
    with pytest.raises(DataError, match="not in the chain"):
        project_state_mix(MarkovChain(P_TRUE, states=list(CUSTOMER_STATES)), pd.Series({"vip": 3.0}), 2)
