"""Every number quoted in the text of notebooks/08_retention_and_customer_states.ipynb,
recomputed here with the same inputs (full-run sizes where the number depends on them)."""

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import (MarkovChain, ShiftedBetaGeometric, estimate_transition_matrix,
                           retention_clv, retention_clv_elasticity)
from custvalue.simulate.markov import simulate_markov_panel
from tests.reference.fh2007_sbg import SURVIVORS

STATES = ["potential", "target", "current", "lost", "non_customer"]
P_TRUE = pd.DataFrame([
    [0.70, 0.20, 0.05, 0.00, 0.05],
    [0.10, 0.50, 0.30, 0.00, 0.10],
    [0.00, 0.00, 0.80, 0.15, 0.05],
    [0.00, 0.10, 0.10, 0.70, 0.10],
    [0.00, 0.00, 0.00, 0.00, 1.00],
], index=STATES, columns=STATES)
REWARDS = pd.Series([-1.0, -5.0, 40.0, -2.0, 0.0], index=STATES)
D = 0.10


@pytest.fixture(scope="module")
def fits():
    return {seg: ShiftedBetaGeometric().fit(SURVIVORS[seg].iloc[:8]) for seg in ("regular", "high_end")}


def test_sbg_section(fits):
    years = np.arange(13)
    quoted_err = {"regular": (1.7, 50), "high_end": (4.1, 25)}
    for seg, r in fits.items():
        s = SURVIVORS[seg].to_numpy()
        sbg = r.expected_survivors(list(years), cohort_size=1000).to_numpy()
        naive = 1000 * ((s[7] / s[0]) ** (1 / 7)) ** years
        e_sbg = np.max(np.abs(sbg[8:] - s[8:]) / s[8:]) * 100
        e_naive = np.max(np.abs(naive[8:] - s[8:]) / s[8:]) * 100
        assert round(e_sbg, 1) == quoted_err[seg][0]
        assert round(e_naive) == quoted_err[seg][1]
    reg = fits["regular"]
    assert round(reg.retention_rate(1), 2) == 0.63 and round(reg.retention_rate(12), 2) == 0.95


def test_valuation_section(fits):
    quoted = {"regular": (3.69, 2.35), "high_end": (5.92, 4.76)}
    for seg, r in fits.items():
        r1 = SURVIVORS[seg].iloc[1] / SURVIVORS[seg].iloc[0]
        homog = retention_clv(margin=1.0, retention=r1, discount_rate=D, timing="start").iloc[0]
        assert round(r.discounted_expected_lifetime(D), 2) == quoted[seg][0]
        assert round(homog, 2) == quoted[seg][1]
    reg, hi = fits["regular"], fits["high_end"]
    assert round(reg.discounted_expected_residual_lifetime(D, 0), 2) == 2.96
    assert round(reg.discounted_expected_residual_lifetime(D, 4), 2) == 5.89
    e0 = reg.retention_elasticity(D, 0)
    e_h = retention_clv_elasticity(retention=0.631, discount_rate=D).iloc[0]
    assert round(e0, 1) == 6.5 and round(e_h, 1) == 2.3 and 2.5 < e0 / e_h < 3  # "almost three times"
    assert round(reg.retention_elasticity(D, 4), 1) == 7.7
    assert round(hi.retention_elasticity(D, 4), 1) == 8.3


def test_simple_retention_section():
    v = retention_clv(margin=100.0, retention=[0.8, 0.9], discount_rate=D).to_numpy()
    assert np.round(v, 1).tolist() == [266.7, 450.0]
    assert round((v[1] / v[0] - 1) * 100) == 69
    e = retention_clv_elasticity(retention=[0.8, 0.9], discount_rate=D).to_numpy()
    assert np.round(e, 1).tolist() == [3.7, 5.5]


def _scenario(change):
    P = P_TRUE.copy()
    for (i, j), v in change.items():
        P.loc[i, j] = v
    return MarkovChain(P)


def test_markov_section():
    chain = MarkovChain(P_TRUE)
    v = chain.value(REWARDS, D)
    assert round(v["current"], 1) == 177.4 and round(v["lost"], 1) == 61.4 and round(v["potential"], 1) == 64.6
    ret = _scenario({("current", "lost"): 0.10, ("current", "current"): 0.85})
    win = _scenario({("lost", "current"): 0.20, ("lost", "lost"): 0.60})
    assert round(ret.value(REWARDS, D)["current"], 1) == 204.9
    assert round((ret.value(REWARDS, D)["current"] / v["current"] - 1) * 100, 1) == 15.5
    years_current = lambda c: np.linalg.inv(np.eye(4) - c.P[:4, :4])[2, 2]
    assert round(years_current(chain), 1) == 8.8 and round(years_current(ret), 1) == 10.8
    assert round(win.value(REWARDS, D)["lost"], 1) == 92.6
    assert round((win.value(REWARDS, D)["lost"] / v["lost"] - 1) * 100) == 51


def test_markov_simulation_claims_at_full_notebook_size():
    chain = MarkovChain(P_TRUE)
    mc = chain.monte_carlo_value(REWARDS, D, horizon=40, n_customers=50_000, seed=3).drop(index="non_customer")
    z = (mc["monte_carlo"] - mc["closed_form"]) / mc["std_error"]
    assert (z.abs() < 3).all()
    panel = simulate_markov_panel(P_TRUE, 200_000, 6, initial=[0.4, 0.2, 0.3, 0.1, 0.0], seed=8)
    est = estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                     states=STATES)
    inside = ((est.lower <= P_TRUE) & (P_TRUE <= est.upper)).to_numpy().mean()
    assert round(inside * 25) == 23  # "23 of the 25" (seeded, full notebook size)
