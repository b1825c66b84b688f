"""Simple retention CLV: closed forms vs explicit discounted sums, vectorisation, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv import retention_clv, retention_clv_elasticity
from custvalue.exceptions import DataError


def _explicit(m, r, d, timing, horizon=3000):
    t = np.arange(1, horizon + 1) if timing == "end" else np.arange(0, horizon)
    return float(np.sum(m * r**t / (1 + d) ** t))


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("m,r,d", [(100.0, 0.8, 0.1), (40.0, 0.5, 0.0), (-5.0, 0.95, 0.12), (10.0, 0.0, 0.05)])
def test_closed_form_equals_explicit_sum(timing, m, r, d):
    got = retention_clv(margin=m, retention=r, discount_rate=d, timing=timing).iloc[0]
    assert got == pytest.approx(_explicit(m, r, d, timing), rel=1e-10, abs=1e-12)
    for h in (1, 5, 17):
        fin = retention_clv(margin=m, retention=r, discount_rate=d, timing=timing, horizon=h).iloc[0]
        assert fin == pytest.approx(_explicit(m, r, d, timing, h), rel=1e-10, abs=1e-12)


def test_textbook_values():
    # m r/(1+d-r) and m(1+d)/(1+d-r) with m=100, r=0.8, d=0.1 (Gupta & Lehmann 2003 form)
    assert retention_clv(margin=100, retention=0.8, discount_rate=0.1).iloc[0] == pytest.approx(800 / 3)
    assert retention_clv(margin=100, retention=0.8, discount_rate=0.1, timing="start").iloc[0] == pytest.approx(1100 / 3)


def test_per_customer_arrays_and_index():
    idx = pd.Index(["a", "b", "c"], name="customer_id")
    df = pd.DataFrame({"m": [10.0, 20.0, 30.0], "r": [0.5, 0.7, 0.9], "d": [0.1, 0.05, 0.2]}, index=idx)
    out = retention_clv(df, margin="m", retention="r", discount_rate="d")
    assert out.index.equals(idx) and out.name == "clv"
    expected = [_explicit(m, r, d, "end") for m, r, d in df.to_numpy()]
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-10)
    # Series inputs keep their index; scalars broadcast
    s = retention_clv(margin=df["m"], retention=0.5, discount_rate=0.1)
    assert s.index.equals(idx)
    # a horizon per customer
    h = retention_clv(df, margin="m", retention="r", discount_rate="d", horizon=[1, 2, 3])
    np.testing.assert_allclose(h.to_numpy(), [_explicit(m, r, d, "end", k) for (m, r, d), k
                                              in zip(df.to_numpy(), [1, 2, 3])], rtol=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_elasticity_is_log_derivative(timing):
    r, d, eps = 0.7, 0.08, 1e-6
    f = lambda rr: retention_clv(margin=1.0, retention=rr, discount_rate=d, timing=timing).iloc[0]
    num = (np.log(f(r * (1 + eps))) - np.log(f(r * (1 - eps)))) / (np.log1p(eps) - np.log1p(-eps))
    got = retention_clv_elasticity(retention=r, discount_rate=d, timing=timing).iloc[0]
    assert got == pytest.approx(num, rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(m=st.floats(0.1, 1e4), r=st.floats(0.0, 0.99), d1=st.floats(0.0, 1.0), step=st.floats(0.01, 1.0),
       h=st.integers(1, 60))
def test_property_monotone(m, r, d1, step, h):
    v1 = retention_clv(margin=m, retention=r, discount_rate=d1).iloc[0]
    v2 = retention_clv(margin=m, retention=r, discount_rate=d1 + step).iloc[0]
    assert v2 <= v1
    vh = retention_clv(margin=m, retention=r, discount_rate=d1, horizon=h).iloc[0]
    vh1 = retention_clv(margin=m, retention=r, discount_rate=d1, horizon=h + 1).iloc[0]
    assert vh <= vh1 <= v1 * (1 + 1e-12)


@pytest.mark.parametrize("kw,match", [
    ({"discount_rate": -1.0}, "discount_rate must be > -1"),
    ({"discount_rate": -3.0}, "discount_rate must be > -1"),
    ({"discount_rate": np.nan}, "discount_rate must be finite"),
    ({"retention": 1.2}, "retention must lie in"),
    ({"retention": 1.0, "discount_rate": 0.0}, "diverges"),
    ({"margin": [1.0, 2.0], "retention": [0.5, 0.5, 0.5]}, "one entry per customer"),
    ({"timing": "middle"}, "timing"),
    ({"horizon": -1}, "horizon"),
    ({"retention": [0.5, 0.6], "horizon": [1, 2, 3]}, "one entry per customer"),
])
def test_bad_input(kw, match):
    args = {"margin": 1.0, "retention": 0.5, "discount_rate": 0.1, **kw}
    with pytest.raises(DataError, match=match):
        retention_clv(**args)


def test_bad_row_is_named():
    df = pd.DataFrame({"r": [0.5, 0.6]}, index=pd.Index([101, 202], name="customer_id"))
    with pytest.raises(DataError, match="202"):
        retention_clv(df, margin=1.0, retention="r", discount_rate=pd.Series([0.1, -1.5], index=df.index))
    with pytest.raises(DataError, match="no such column"):
        retention_clv(df, margin="m", retention="r", discount_rate=0.1)
