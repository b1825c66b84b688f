"""Parameter recovery from customer bases simulated from the model itself."""

import numpy as np
import pandas as pd

from custvalue.clv import BetaGeo, GammaGamma
from custvalue.rfm import rfm_summary
from custvalue.simulate import simulate_betageo, simulate_betageo_transactions

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
SPEND = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def _z(res, truth):
    return ((res.params - pd.Series(truth)) / res.bse).abs()


def test_bgnbd_and_gamma_gamma_recover_truth():
    base = simulate_betageo(40_000, **TRUTH, **SPEND, T=np.linspace(20, 52, 40_000), horizon=26, seed=2024)
    bg = BetaGeo().fit(base)
    assert (_z(bg, TRUTH) < 3.5).all(), _z(bg, TRUTH)
    gg = GammaGamma().fit(base)
    assert (_z(gg, SPEND) < 3.5).all(), _z(gg, SPEND)
    # holdout purchases drawn from the same process match the conditional expectation
    pred = bg.expected_purchases(base, horizon=26)
    err = pred.sum() - base["frequency_holdout"].sum()
    assert abs(err) < 4 * np.sqrt(base["frequency_holdout"].sum())
    # true P(alive) vs model P(alive): calibrated on average
    assert abs(bg.p_alive(base).mean() - base["true_alive"].mean()) < 0.02


def test_transaction_log_round_trip():
    """Simulated log -> rfm_summary -> fit recovers the truth (day rounding adds a small bias)."""
    tx = simulate_betageo_transactions(30_000, **TRUTH, **SPEND, seed=7)
    s = rfm_summary(tx, customer_col="customer_id", date_col="date", monetary_col="amount")
    bg = BetaGeo().fit(s)
    np.testing.assert_allclose(bg.params[list(TRUTH)].to_numpy(), list(TRUTH.values()), rtol=0.15)
