"""Bad input gets a clear DataError naming the column and the offending rows."""

import numpy as np
import pandas as pd
import pytest

from custvalue import DataError
from custvalue.clv import BetaGeo, GammaGamma, clv


def frame(**over):
    d = pd.DataFrame({"frequency": [0, 2, 5], "recency": [0.0, 10.0, 20.0], "T": [30.0, 30.0, 30.0],
                      "monetary_value": [0.0, 12.0, 20.0]}, index=pd.Index([101, 102, 103], name="customer_id"))
    for k, v in over.items():
        d[k] = v
    return d


@pytest.mark.parametrize("over, pattern", [
    ({"recency": [0.0, 40.0, 20.0]}, r"recency must be <= T; 1 row violates this \(first customer_id: 102\)"),
    ({"frequency": [0, -1, 5]}, r"frequency must be >= 0; .*customer_id: 102"),
    ({"frequency": [0, 2.5, 5]}, r"frequency must hold whole numbers; .*102"),
    ({"recency": [3.0, 10.0, 20.0]}, r"recency must be 0 when frequency is 0.*101"),
    ({"T": [30.0, np.nan, 30.0]}, r"T must be finite.*102"),
    ({"recency": [0.0, np.inf, 20.0]}, r"recency must be finite.*102"),
    ({"T": [0.0, 30.0, 30.0]}, r"T must be > 0.*101"),
    ({"recency": [0.0, -1.0, 20.0]}, r"recency must be >= 0.*102"),
])
def test_bgnbd_rejects_bad_rows(over, pattern):
    with pytest.raises(DataError, match=pattern):
        BetaGeo().fit(frame(**over))


def test_empty_missing_and_mismatched():
    with pytest.raises(DataError, match="empty"):
        BetaGeo().fit(frame().iloc[:0])
    with pytest.raises(DataError, match="column 'T' is required"):
        BetaGeo().fit(frame().drop(columns="T"))
    with pytest.raises(DataError, match="same length"):
        BetaGeo().fit(frequency=[1, 2], recency=[1.0, 2.0], T=[3.0])
    with pytest.raises(DataError, match="needs data"):
        BetaGeo().fit()
    with pytest.raises(ValueError, match="unknown keyword"):
        BetaGeo(frequencies=[1])
    with pytest.raises(DataError, match="weights must be >= 0"):
        BetaGeo().fit(frame(), weights=[1, -1, 1])


def test_gamma_gamma_rejects_non_positive_spend_of_repeat_buyers():
    with pytest.raises(DataError, match=r"monetary_value must be > 0 .*customer_id: 103"):
        GammaGamma().fit(frame(monetary_value=[0.0, 5.0, -2.0]))
    with pytest.raises(DataError, match="needs repeat buyers"):
        GammaGamma().fit(frame(frequency=[0, 0, 0], recency=[0.0, 0.0, 0.0]))


def test_prediction_inputs_are_validated_too(cdnow_summary):
    res = BetaGeo().fit(cdnow_summary)
    with pytest.raises(DataError, match="recency must be <= T"):
        res.p_alive(frame(recency=[0.0, 40.0, 20.0]))
    with pytest.raises(ValueError, match="horizon must be >= 0"):
        res.expected_purchases(frame(), horizon=-1)
    with pytest.raises(DataError, match="pass the customers"):
        res.p_alive()


@pytest.mark.parametrize("rate", [-1.0, -2.0, np.nan, np.inf])
def test_clv_rejects_bad_discount_rates(cdnow_summary, rate):
    res = BetaGeo().fit(cdnow_summary)
    gg = GammaGamma().fit(cdnow_summary)
    with pytest.raises(DataError, match="discount_rate must be finite and > -1"):
        clv(res, gg, cdnow_summary.iloc[:5], monthly_discount_rate=rate)
    with pytest.raises(DataError, match="freq must be one of"):
        clv(res, gg, cdnow_summary.iloc[:5], freq="Q")
