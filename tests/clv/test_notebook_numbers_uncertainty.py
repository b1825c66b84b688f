"""The numbers notebooks/11_forecast_uncertainty.ipynb quotes, asserted (issue 19)."""

from __future__ import annotations

import numpy as np

from custvalue.clv import BetaGeo, GammaGamma, clv


def test_clv_interval_width_and_aggregate_forecast(cdnow_summary):
    d = cdnow_summary
    bg, gg = BetaGeo().fit(d), GammaGamma().fit(d)
    value = clv(bg, gg, d, months=12, interval="delta", level=0.9)
    buyers = value[d["frequency"] > 0]
    width = ((buyers["upper"] - buyers["lower"]) / buyers["estimate"]).median()
    assert round(100 * width) == 25 and len(buyers) == 946
    assert round(float(buyers["estimate"].median()), 2) == 28.91
    agg = bg.aggregate_purchases_interval(39.0, d, level=0.9)
    np.testing.assert_allclose(agg[["estimate", "lower", "upper"]].to_numpy(), [1653.4, 1486.0, 1820.9], atol=0.1)
    assert agg["lower"] <= 1788 <= agg["upper"]  # CDNOW's realised repeat purchases in weeks 40-78
