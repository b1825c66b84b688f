"""Customer-value functions pair per-customer inputs by label (issue 15): keyword Series,
weights, margins, discount rates, spend, revenue, durations, transition-matrix columns."""

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import (BetaGeo, GammaGamma, MarkovChain, ParetoNBD, ShiftedBetaGeometric, clv,
                           customer_npv, customer_value_table, estimate_transition_matrix,
                           retention_clv)
from custvalue.exceptions import DataError, HeterogeneityWarning


@pytest.fixture(scope="module")
def small(cdnow_summary):
    d = cdnow_summary.iloc[:400]
    return d, BetaGeo().fit(cdnow_summary), GammaGamma().fit(cdnow_summary)


def _rev(s):
    return s.iloc[::-1]


def test_keyword_series_are_paired_by_label(cdnow_summary):
    d = cdnow_summary
    ref = BetaGeo().fit(d)
    got = BetaGeo().fit(frequency=d["frequency"], recency=_rev(d["recency"]),
                        T=d["T"].sample(frac=1, random_state=0))
    np.testing.assert_allclose(got.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    # overriding one column of the DataFrame with a reordered Series
    got2 = BetaGeo().fit(d, T=_rev(d["T"]))
    np.testing.assert_allclose(got2.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    with pytest.raises(DataError, match=r"labels in frequency but not in recency: \[1\]"):
        BetaGeo().fit(frequency=d["frequency"], recency=d["recency"].iloc[1:], T=d["T"])
    p = ref.p_alive(frequency=d["frequency"].iloc[:5], recency=_rev(d["recency"].iloc[:5]), T=d["T"].iloc[:5])
    pd.testing.assert_series_equal(p, ref.p_alive(d.iloc[:5]))


def test_weights_series_follow_the_rows(cdnow_summary):
    d = cdnow_summary.iloc[:300]
    w = pd.Series(np.random.default_rng(0).integers(1, 4, len(d)), index=d.index)
    ref = ParetoNBD().fit(d, weights=w.to_numpy())
    got = ParetoNBD().fit(d, weights=w.sample(frac=1, random_state=1))
    np.testing.assert_allclose(got.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    # the reference: each customer repeated w times
    rep = d.loc[d.index.repeat(w.to_numpy())].reset_index(drop=True)
    np.testing.assert_allclose(ParetoNBD().fit(rep).params.to_numpy(), ref.params.to_numpy(), rtol=1e-5)
    with pytest.raises(DataError, match="labels in data but not in weights"):
        ParetoNBD().fit(d, weights=w.set_axis(w.index + 10_000))


def test_clv_matches_margin_discount_rate_and_spend_by_label(small):
    d, bg, gg = small
    rng = np.random.default_rng(2)
    margin = pd.Series(rng.uniform(0.1, 0.5, len(d)), index=d.index)
    rate = pd.Series(rng.uniform(0.005, 0.02, len(d)), index=d.index)
    ref = clv(bg, gg, d, margin=margin.to_numpy(), monthly_discount_rate=rate.to_numpy())
    got = clv(bg, gg, d, margin=_rev(margin), monthly_discount_rate=_rev(rate))
    pd.testing.assert_series_equal(got, ref, rtol=1e-12)
    spend = gg.expected_spend(d)
    pd.testing.assert_series_equal(clv(bg, _rev(spend), d), clv(bg, gg, d), rtol=1e-12)
    with pytest.raises(DataError, match="labels in data but not in margin"):
        clv(bg, gg, d, margin=margin.set_axis(margin.index + 10_000))
    # plain arrays keep pairing by position, whatever the data's labels
    pd.testing.assert_series_equal(clv(bg, gg, d, margin=margin.to_numpy()[::-1]),
                                   clv(bg, gg, d, margin=_rev(margin).set_axis(d.index)), rtol=1e-12)


def test_npv_and_value_table_pair_margin_and_revenue_by_label(small):
    d, _, gg = small
    pn = ParetoNBD().fit(d)
    margin = pd.Series(np.linspace(0.2, 0.4, len(d)), index=d.index)
    ref = customer_npv(pn, gg, d, discount_rate=0.003, margin=margin.to_numpy())
    pd.testing.assert_series_equal(customer_npv(pn, gg, d, discount_rate=0.003, margin=_rev(margin)), ref,
                                   rtol=1e-12)
    revenue = pd.Series(np.arange(len(d), dtype=float), index=d.index)
    t = customer_value_table(pn, gg, d, discount_rate=0.003, revenue=_rev(revenue))
    np.testing.assert_array_equal(t["sales_contribution"].to_numpy(), revenue.to_numpy())
    with pytest.raises(DataError, match="labels in data but not in revenue"):
        customer_value_table(pn, gg, d, discount_rate=0.003, revenue=revenue.iloc[1:])


def test_retention_clv_pairs_series_and_data_columns_by_label():
    idx = pd.Index(["a", "b", "c"], name="customer_id")
    m = pd.Series([100.0, 50.0, 80.0], index=idx)
    r = pd.Series([0.8, 0.5, 0.6], index=idx)
    expected = m * r / (1.1 - r)  # Gupta & Lehmann (2003), end-of-period margins
    got = retention_clv(margin=m, retention=_rev(r), discount_rate=0.1)
    pd.testing.assert_series_equal(got, expected.rename("clv"), rtol=1e-12)
    d = pd.DataFrame({"m": m})
    h = pd.Series([1, 2, 3], index=idx)
    got = retention_clv(d, margin="m", retention=_rev(r), discount_rate=0.1, horizon=_rev(h))
    ref = [sum(m[k] * (r[k] / 1.1) ** t for t in range(1, h[k] + 1)) for k in idx]
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=1e-12)


def test_sbg_durations_and_censoring_pair_by_label():
    rng = np.random.default_rng(3)
    idx = pd.Index([f"s{i}" for i in range(300)])
    t = pd.Series(rng.integers(1, 8, 300), index=idx)
    c = pd.Series(rng.random(300) < 0.3, index=idx)
    # random durations carry no heterogeneity: the fit is the homogeneous limit, which warns
    with pytest.warns(HeterogeneityWarning, match="homogeneous limit"):
        ref = ShiftedBetaGeometric(duration=t, censored=c).fit()
    with pytest.warns(HeterogeneityWarning, match="homogeneous limit"):
        got = ShiftedBetaGeometric(duration=t, censored=_rev(c)).fit()
    np.testing.assert_allclose(got.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    with pytest.raises(DataError, match="censored must be numeric"):
        ShiftedBetaGeometric(duration=t, censored=c.map({True: "yes", False: "no"}))


def test_markov_columns_and_wide_panel_weights_by_label():
    P = pd.DataFrame([[0.8, 0.2], [0.0, 1.0]], index=["active", "lost"], columns=["active", "lost"])
    swapped = P[["lost", "active"]]
    pd.testing.assert_frame_equal(MarkovChain(swapped).matrix, MarkovChain(P).matrix)
    with pytest.raises(DataError, match="same state labels"):
        MarkovChain(P.rename(columns={"lost": "gone"}))
    panel = pd.DataFrame({"t0": ["a", "a", "b"], "t1": ["a", "b", "b"]}, index=["x", "y", "z"])
    w = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    ref = estimate_transition_matrix(panel, weights=w.to_numpy())
    got = estimate_transition_matrix(panel, weights=_rev(w))
    pd.testing.assert_frame_equal(got.counts, ref.counts)
    # counts by hand: x a->a (1), y a->b (2), z b->b (3)
    assert got.counts.to_numpy().tolist() == [[1.0, 2.0], [0.0, 3.0]]
