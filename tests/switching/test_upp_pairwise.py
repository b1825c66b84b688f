"""Issue 15: undercut-proof prices with three or more firms.

``undercut_proof_prices`` (default ``rival="all"``) must satisfy every pairwise undercut-proof
condition of Shy (2002, section 3), ``p_u N_u >= (p_i - S_i)(N_i + N_u)`` for all ``u != i``,
and be the highest such prices.  Checked on 500 seeded random markets against the two
definitions independently: the constraints themselves, and a linear programme (maximise the
sum of prices subject to all pairwise constraints, scipy's HiGHS) whose optimum is the
greatest feasible price vector.  With two firms both readings are Shy's closed form.
``rival="smallest"`` keeps Shy's section-4 assignment, where exactly the n designated
conditions hold with equality; the counterexample of the issue shows another one failing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from custvalue.exceptions import DataError
from custvalue.math import shy as kernel
from custvalue.switching import shy_switching_costs, undercut_proof_prices


def _gain_from_undercutting(p, S, N):
    """gain[i, u]: what firm u earns by undercutting firm i minus what it earns now."""
    g = (p[:, None] - S[:, None]) * (N[:, None] + N[None, :]) - (p * N)[None, :]
    np.fill_diagonal(g, -np.inf)
    return g


def _lp_prices(S, N):
    n = S.size
    W = N[None, :] / (N[:, None] + N[None, :])
    rows, rhs = [], []
    for i in range(n):
        for u in range(n):
            if i != u:
                a = np.zeros(n)
                a[i], a[u] = 1.0, -W[i, u]
                rows.append(a)
                rhs.append(S[i])
    res = linprog(-np.ones(n), A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(0, None)] * n,
                  method="highs")
    assert res.status == 0
    return res.x


def _market(rng):
    n = int(rng.integers(3, 9))
    N = rng.uniform(1, 100, n) * 10 ** rng.uniform(0, 3, n)
    S = rng.uniform(0.1, 50, n)
    return S, N


def test_issue_counterexample():
    # S = 1, customers [100, 10, 5]: under Shy's one-rival assignment firm 0 earns 110.2 at
    # the returned prices but 120.0 by undercutting firm 2
    N = np.array([100.0, 10.0, 5.0])
    shy = undercut_proof_prices(1.0, N, rival="smallest").to_numpy()
    assert shy[0] * N[0] == pytest.approx(110.2, abs=0.05)
    assert (shy[2] - 1.0) * (N[0] + N[2]) == pytest.approx(120.0, abs=1e-9)
    p = undercut_proof_prices(1.0, N).to_numpy()
    assert _gain_from_undercutting(p, np.ones(3), N).max() <= 1e-9
    np.testing.assert_allclose(p, _lp_prices(np.ones(3), N), rtol=1e-9)
    # no switching costs: Bertrand, prices at marginal cost
    np.testing.assert_allclose(undercut_proof_prices(0.0, N, marginal_cost=2.0).to_numpy(), 2.0)


def test_500_random_markets_satisfy_every_pairwise_condition_and_equal_the_lp():
    rng = np.random.default_rng(20020101)
    n_shy_fails = 0
    for _ in range(500):
        S, N = _market(rng)
        p = undercut_proof_prices(S, N).to_numpy()
        scale = np.abs(p * N).max()
        gain = _gain_from_undercutting(p, S, N)
        # 1) no firm gains by undercutting any other
        assert gain.max() <= 1e-10 * scale
        # 2) maximal: every firm's tightest condition binds (raising p_i breaks it)
        np.testing.assert_allclose(gain.max(axis=1), 0.0, atol=1e-9 * scale)
        # 3) the greatest feasible prices, as the LP finds them
        np.testing.assert_allclose(p, _lp_prices(S, N), rtol=1e-8, atol=1e-10)
        # 4) the pairwise estimator inverts them exactly
        back = shy_switching_costs(price=p, customers=N, rival="all").switching_costs.to_numpy()
        np.testing.assert_allclose(back, S, rtol=1e-9, atol=1e-9 * p.max())
        shy = undercut_proof_prices(S, N, rival="smallest").to_numpy()
        n_shy_fails += _gain_from_undercutting(shy, S, N).max() > 1e-9 * np.abs(shy * N).max()
    # Shy's one-rival prices fail some pairwise condition in many of these markets
    assert n_shy_fails > 100


def test_shy_assignment_holds_exactly_its_n_conditions():
    rng = np.random.default_rng(7)
    for _ in range(100):
        S, N = _market(rng)
        p = undercut_proof_prices(S, N, rival="smallest").to_numpy()
        r = kernel.default_rival(N)
        np.testing.assert_allclose(p[r] * N[r], (p - S) * (N + N[r]), rtol=1e-9, atol=1e-9)
        back = shy_switching_costs(price=p, customers=N).switching_costs.to_numpy()
        np.testing.assert_allclose(back, S, rtol=1e-9, atol=1e-9 * p.max())


@pytest.mark.parametrize("seed", range(20))
def test_two_firms_are_shys_closed_form(seed):
    rng = np.random.default_rng(seed)
    sa, sb = rng.uniform(0, 20, 2)
    na, nb = rng.uniform(1, 1e4, 2)
    tot, det = na + nb, na**2 + na * nb + nb**2
    pa = tot * (tot * sa + nb * sb) / det  # Shy (2002), section 3, solved by hand
    pb = tot * (tot * sb + na * sa) / det
    for rival in ("all", "smallest"):
        np.testing.assert_allclose(undercut_proof_prices([sa, sb], [na, nb], rival=rival).to_numpy(),
                                   [pa, pb], rtol=1e-12)


def test_pairwise_kernel_reports_binding_rivals():
    p, r = kernel.pairwise_undercut_proof_prices(np.ones(3), np.array([100.0, 10.0, 5.0]))
    W = kernel.undercut_weights(np.array([100.0, 10.0, 5.0]))
    np.testing.assert_allclose(p, 1.0 + W[np.arange(3), r] * p[r], rtol=1e-14)
    assert r.tolist() == kernel.pairwise_rival(p, np.array([100.0, 10.0, 5.0])).tolist()


def test_marginal_cost_labels_and_bad_input():
    N = pd.Series([500.0, 300.0, 200.0], index=pd.Index(list("XYZ"), name="bank"))
    got = undercut_proof_prices(2.0, N, marginal_cost=[1.0, 1.5, 2.0])
    base = undercut_proof_prices(2.0, N)
    assert got.index.tolist() == ["X", "Y", "Z"]
    np.testing.assert_allclose(got.to_numpy() - base.to_numpy(), [1.0, 1.5, 2.0])
    with pytest.raises(DataError, match="switching_costs must be >= 0"):
        undercut_proof_prices([-1.0, 2.0], [60, 40])
    with pytest.raises(DataError, match=r"switching_costs must be one number or one per firm \(2\)"):
        undercut_proof_prices([1.0, 2.0, 3.0], [60, 40])
    with pytest.raises(DataError, match="overflow"):
        undercut_proof_prices(1e308, [1e308, 1.0])
    with pytest.raises(DataError, match="switching_costs must be finite"):
        undercut_proof_prices([np.nan, 1.0], [60, 40])
