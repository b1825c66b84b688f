"""Retention and Markov-migration benchmarks (issue 3, items 4 and 7).

* ``markov_clv_panel[sorted|shuffled]``: estimate a 5-state customer-migration matrix from a
  long panel (``customer_id``, ``period``, ``state``) of 1e6 / 1e7 rows and value every state
  (infinite horizon and 12 periods).  Ours: :func:`custvalue.markov.estimate_transition_matrix`
  (which also computes Wilson intervals) + :meth:`custvalue.markov.MarkovChain.value`.  Peer: the pandas
  code a user would write: ``sort_values`` + ``groupby().shift(-1)`` + ``pd.crosstab`` +
  row-normalise, then numpy ``linalg.solve`` and a ``matrix_power`` sum.  The check asserts
  the same P and the same values.
* ``sbg_fit``: fit the shifted-beta-geometric model to 1e5 / 1e6 simulated customers
  (durations with right-censoring after 8 periods).  There is no sBG in lifetimes; the peer
  is ``scipy.optimize.minimize`` (Nelder-Mead, the usual hand-written route) on a plain numpy
  log-likelihood over the raw rows.  The check asserts the same estimates (rel. 1e-3).

Smoke sizes: 5,000 rows / 2,000 customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln

from benchmarks._harness import Case
from custvalue.clv import ShiftedBetaGeometric
from custvalue.markov import estimate_transition_matrix
from custvalue.simulate.markov import simulate_markov_panel
from custvalue.simulate.sbg import simulate_sbg

STATES = ["potential", "target", "current", "lost", "non_customer"]
P5 = np.array([
    [0.70, 0.20, 0.05, 0.00, 0.05],
    [0.10, 0.50, 0.30, 0.00, 0.10],
    [0.00, 0.00, 0.80, 0.15, 0.05],
    [0.00, 0.10, 0.10, 0.70, 0.10],
    [0.00, 0.00, 0.00, 0.00, 1.00],
])
REWARDS = np.array([-1.0, -5.0, 40.0, -2.0, 0.0])
DISCOUNT = 0.01
HORIZON = 12
N_PERIODS = 10


def _panel(n_rows: int, shuffled: bool, seed: int = 1) -> pd.DataFrame:
    n_cust = max(n_rows // N_PERIODS, 1)
    panel = simulate_markov_panel(pd.DataFrame(P5, index=STATES, columns=STATES), n_cust, N_PERIODS,
                                  initial=[0.4, 0.2, 0.3, 0.1, 0.0], seed=seed)
    if shuffled:
        panel = panel.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return panel


def _ours_markov(panel: pd.DataFrame):
    res = estimate_transition_matrix(panel, customer_col="customer_id", period="period", state="state",
                                     states=STATES)
    return (res.matrix.to_numpy(), res.chain.value(REWARDS, DISCOUNT).to_numpy(),
            res.chain.value(REWARDS, DISCOUNT, horizon=HORIZON).to_numpy())


def _peer_markov(panel: pd.DataFrame):
    p = panel.sort_values(["customer_id", "period"])
    g = p.groupby("customer_id", sort=False)
    nxt = g["state"].shift(-1)
    consecutive = g["period"].shift(-1) == p["period"] + 1
    ct = pd.crosstab(p["state"][consecutive], nxt[consecutive]).reindex(index=STATES, columns=STATES,
                                                                        fill_value=0)
    P = ct.div(ct.sum(axis=1), axis=0).to_numpy()
    A = P / (1 + DISCOUNT)
    v_inf = np.linalg.solve(np.eye(len(STATES)) - A, REWARDS)
    v_h = sum(np.linalg.matrix_power(A, t) @ REWARDS for t in range(HORIZON + 1))
    return P, v_inf, v_h


def _check_markov(ours, peer) -> None:
    for a, b, what in zip(ours, peer, ("P", "value (infinite)", "value (12 periods)")):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=what)


def _durations(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    d = simulate_sbg(n, alpha=0.704, beta=1.182, n_periods=8, seed=seed)
    return d["duration"].to_numpy(), d["censored"].to_numpy()


def _ours_sbg(t: np.ndarray, c: np.ndarray):
    return ShiftedBetaGeometric().fit(duration=t, censored=c).params.to_numpy()


def _peer_sbg(t: np.ndarray, c: np.ndarray):
    def nll(theta):
        a, b = np.exp(theta)
        ll = np.where(c, betaln(a, b + t) - betaln(a, b),
                      betaln(a + 1, b + np.maximum(t, 1) - 1) - betaln(a, b))
        return -ll.sum()

    res = optimize.minimize(nll, np.zeros(2), method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 4000})
    return np.exp(res.x)


def _check_sbg(ours, peer) -> None:
    np.testing.assert_allclose(ours, peer, rtol=1e-3)


def cases(smoke: bool) -> list[Case]:
    out: list[Case] = []
    row_sizes = (5_000,) if smoke else (1_000_000, 10_000_000)
    for n in row_sizes:
        for shuffled in (False, True):
            panel = _panel(n, shuffled)
            tag = "shuffled" if shuffled else "sorted"
            out.append(Case(f"markov_clv_panel[{tag}]", n, "customer-state rows",
                            ours=lambda panel=panel: _ours_markov(panel),
                            peer=lambda panel=panel: _peer_markov(panel),
                            peer_name="pandas crosstab + numpy", check=_check_markov,
                            notes="5 states, 10 periods per customer; ours also computes Wilson CIs"))
    for n in ((2_000,) if smoke else (100_000, 1_000_000)):
        t, c = _durations(n)
        out.append(Case("sbg_fit", n, "customers",
                        ours=lambda t=t, c=c: _ours_sbg(t, c),
                        peer=lambda t=t, c=c: _peer_sbg(t, c),
                        peer_name="scipy.optimize Nelder-Mead (numpy likelihood)", check=_check_sbg,
                        notes="durations censored after 8 periods"))
    return out
