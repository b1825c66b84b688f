"""Customer pyramid and concentration: closed forms, invariances, ties and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from custvalue.exceptions import DataError
from custvalue.segment import (abc_classes, customer_pyramid, gini, lorenz_curve,
                               pyramid_summary, top_share)

finite = st.floats(min_value=-1e3, max_value=1e6, allow_nan=False, allow_infinity=False)


def quantile_grid(ppf, n):
    """Deterministic 'sample' x_i = F^{-1}((i - 1/2) / n): its moments converge at O(1/n)."""
    return ppf((np.arange(n) + 0.5) / n)


# ---------------------------------------------------------------- tiers
def test_default_tier_counts_and_order():
    x = np.arange(1000.0)
    tiers = customer_pyramid(x)
    assert tiers.cat.ordered
    assert list(tiers.cat.categories) == ["important", "secondary", "ordinary", "small"]
    assert tiers.value_counts(sort=False).tolist() == [10, 190, 300, 500]
    # top 1% by value = customers 990..999
    assert (tiers.iloc[990:] == "important").all() and (tiers.iloc[:500] == "small").all()
    assert (tiers.iloc[800:990] == "secondary").all()


def test_index_kept_and_custom_cut_points():
    s = pd.Series([5.0, 1.0, 3.0, 2.0], index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    tiers = customer_pyramid(s, cut_points=(25, 75), labels=("key", "rest"))
    assert tiers.index.equals(s.index)
    assert tiers.to_dict() == {"a": "key", "b": "rest", "c": "rest", "d": "rest"}


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300), elements=finite), st.randoms(use_true_random=False))
def test_shares_sum_to_one_and_order_invariance(x, rnd):
    """Tier shares sum to 100%; permuting rows leaves each customer's tier unchanged."""
    s = pd.Series(x, index=pd.Index(np.arange(x.size) * 7 + 3, name="customer_id"))
    tiers = customer_pyramid(s)
    perm = np.array(rnd.sample(range(x.size), x.size))
    tiers_perm = customer_pyramid(s.iloc[perm])
    pd.testing.assert_series_equal(tiers_perm.sort_index(), tiers.sort_index())
    counts = tiers.value_counts(sort=False).to_numpy()
    assert counts.sum() == x.size
    # each higher tier's values are >= every lower tier's values
    codes = tiers.cat.codes.to_numpy()
    for k in range(3):
        hi, lo = x[codes <= k], x[codes > k]
        if hi.size and lo.size:
            assert hi.min() >= lo.max()
    if x.sum() > 0:
        summ = pyramid_summary(s)
        assert summ.table["value_share"].sum() == pytest.approx(1.0, abs=1e-9)
        assert summ.table["customer_share"].sum() == pytest.approx(1.0)
        assert summ.table["cumulative_value_share"].iloc[-1] == pytest.approx(1.0)


def test_tier_sizes_follow_rounding_rule():
    # floor(n * cum / 100 + 1/2): n = 250 -> 2.5 -> 3, 50, 125, 250
    tiers = customer_pyramid(np.arange(250.0))
    assert tiers.value_counts(sort=False).tolist() == [3, 47, 75, 125]


def test_ties_split_deterministically_by_label():
    """All values equal: the split is exact and by ascending label, whatever the row order."""
    idx = pd.Index([f"c{i:03d}" for i in range(200)], name="customer_id")
    s = pd.Series(np.ones(200), index=idx)
    rng = np.random.default_rng(3)
    shuffled = s.iloc[rng.permutation(200)]
    t1, t2 = customer_pyramid(s), customer_pyramid(shuffled)
    assert t1.value_counts(sort=False).tolist() == [2, 38, 60, 100]
    assert t1.loc[["c000", "c001"]].eq("important").all()
    assert t1.loc["c002"] == "secondary" and t1.loc["c199"] == "small"
    pd.testing.assert_series_equal(t2.loc[idx], t1)
    # ties straddling a boundary: 3 customers of value 5 around the top-1%/top-20% boundary
    x = np.r_[np.arange(100.0, 119.0), [5.0, 5.0, 5.0], np.zeros(78)]  # n = 100
    t = customer_pyramid(pd.Series(x))
    assert t.value_counts(sort=False).tolist() == [1, 19, 30, 50]
    assert t.iloc[19] == "secondary" and t.iloc[20] == "ordinary" and t.iloc[21] == "ordinary"


def test_negative_values_go_to_the_bottom_and_are_reported():
    x = np.r_[np.linspace(1, 100, 90), -np.arange(1.0, 11.0)]
    s = pyramid_summary(x)
    assert s.n_negative == 10
    assert s.negative_value == pytest.approx(-55.0)
    assert s.table.loc["small", "n_negative"] == 10
    assert "10 customers" in s.statement
    assert customer_pyramid(x).iloc[90:].eq("small").all()


def test_summary_against_direct_computation():
    rng = np.random.default_rng(1)
    x = rng.lognormal(0, 1.5, 5000)
    s = pyramid_summary(x)
    xs = np.sort(x)[::-1]
    assert s.table["n_customers"].tolist() == [50, 950, 1500, 2500]
    assert s.table.loc["important", "total_value"] == pytest.approx(xs[:50].sum())
    assert s.table.loc["secondary", "mean_value"] == pytest.approx(xs[50:1000].mean())
    assert s.top_share == pytest.approx(xs[:1000].sum() / x.sum())
    assert s.table.loc["secondary", "cumulative_value_share"] == pytest.approx(s.top_share)
    assert f"{s.top_share:.1%}" in s.statement
    # tiers computed on another measure
    other = pyramid_summary(x * 2, tiers=customer_pyramid(x))
    assert other.table["value_share"].to_numpy() == pytest.approx(s.table["value_share"].to_numpy())
    assert "Customer pyramid" in s._repr_html_()


@pytest.mark.parametrize("a", [1.2, 1.5, 2.0, 3.0])
def test_pareto_top_share_matches_analytic(a):
    """Pareto(shape a, x_m = 1): the top-p share is p ** (1 - 1/a)."""
    n = 400_000
    x = quantile_grid(lambda u: (1 - u) ** (-1 / a), n)
    expected = 0.2 ** (1 - 1 / a)
    tol = 0.01 if a > 1.3 else 0.03  # heavy tails converge slowly in n
    assert top_share(x, 20) == pytest.approx(expected, abs=tol)
    assert pyramid_summary(x).top_share == pytest.approx(expected, abs=tol)


def test_pareto_random_sample_top_share():
    rng = np.random.default_rng(11)
    a = 2.5
    x = rng.pareto(a, 500_000) + 1.0
    assert top_share(x, 20) == pytest.approx(0.2 ** (1 - 1 / a), abs=0.01)


# ---------------------------------------------------------------- concentration
@pytest.mark.parametrize("ppf, expected, tol", [
    (lambda u: -np.log1p(-u), 0.5, 1e-3),                        # exponential
    (lambda u: u, 1 / 3, 1e-4),                                  # uniform(0, 1)
    (lambda u: 5 * u, 1 / 3, 1e-4),                              # uniform(0, 5): scale invariance
    (lambda u: (1 - u) ** (-1 / 3.0), 1 / (2 * 3.0 - 1), 1e-3),  # Pareto a = 3
    # a = 1.5: infinite variance, the truncated top tail converges like n^(-1/3)
    (lambda u: (1 - u) ** (-1 / 1.5), 1 / (2 * 1.5 - 1), 8e-3),
], ids=["exponential", "uniform01", "uniform05", "pareto3", "pareto1.5"])
def test_gini_closed_forms(ppf, expected, tol):
    x = quantile_grid(ppf, 200_000)
    assert gini(x) == pytest.approx(expected, abs=tol)


def test_gini_random_exponential_and_small_cases():
    rng = np.random.default_rng(5)
    assert gini(rng.exponential(2.0, 200_000)) == pytest.approx(0.5, abs=5e-3)
    assert gini([1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n-1)/n for one owner


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.integers(2, 200), elements=st.floats(0.01, 1e4)))
def test_gini_equals_one_minus_twice_lorenz_area(x):
    curve = lorenz_curve(x)
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert gini(x) == pytest.approx(1 - 2 * area, abs=1e-9)
    # mean absolute difference form: G = sum|xi - xj| / (2 n^2 mean)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size ** 2 * x.mean())
    assert gini(x) == pytest.approx(mad, rel=1e-9, abs=1e-12)
    assert gini(np.random.default_rng(0).permutation(x)) == pytest.approx(gini(x))


def test_lorenz_curve_endpoints_and_grid():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    c = lorenz_curve(x)
    assert c["value_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])
    g = lorenz_curve(x, n_points=5)
    assert g["value_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])
    assert lorenz_curve(x, n_points=3)["value_share"].tolist() == pytest.approx([0, 0.3, 1.0])


def test_top_share_and_abc():
    x = pd.Series([50.0, 30.0, 10.0, 5.0, 5.0], index=list("abcde"))
    assert top_share(x, 20) == pytest.approx(0.5)
    assert top_share(x, 100) == pytest.approx(1.0)
    abc = abc_classes(x)
    # before-shares: 0, .5, .8, .9, .95 -> A, A, B, B, C
    assert abc.to_dict() == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C"}
    assert abc_classes(x.iloc[::-1]).loc[list("abcde")].tolist() == abc.tolist()


# ---------------------------------------------------------------- bad input
def test_bad_input_errors():
    with pytest.raises(DataError, match=r"values must be finite.*customer_id: b"):
        customer_pyramid(pd.Series([1.0, np.nan], index=pd.Index(["a", "b"], name="customer_id")))
    with pytest.raises(DataError, match="sum to 100.*sum to 90"):
        customer_pyramid(np.arange(10.0), cut_points=(1, 19, 20, 50))
    with pytest.raises(DataError, match="look cumulative"):
        customer_pyramid(np.arange(10.0), cut_points=(1, 20, 50, 100))
    with pytest.raises(DataError, match="strictly positive.*increasing"):
        customer_pyramid(np.arange(10.0), cut_points=(1, 19, 0, 80))
    with pytest.raises(DataError, match="strictly positive"):
        customer_pyramid(np.arange(10.0), cut_points=(-5, 25, 30, 50))
    with pytest.raises(DataError, match="one entry per tier"):
        customer_pyramid(np.arange(10.0), labels=("a", "b"))
    with pytest.raises(DataError, match="empty"):
        customer_pyramid([])
    with pytest.raises(DataError, match="positive total"):
        pyramid_summary([-1.0, 0.5])
    with pytest.raises(DataError, match="positive total"):
        gini([0.0, 0.0])
    with pytest.raises(DataError, match="top must be a percentage"):
        top_share([1.0, 2.0], top=0)
    with pytest.raises(DataError, match="one column"):
        customer_pyramid(pd.DataFrame({"a": [1.0], "b": [2.0]}))


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-10, 1e4)))
def test_concentration_summary_equals_separate_functions(x):
    from custvalue.segment import concentration_summary

    if x.sum() <= 0:
        with pytest.raises(DataError, match="positive total"):
            concentration_summary(x)
        return
    c = concentration_summary(x, tops=(1, 20, 50))
    assert c.gini == pytest.approx(gini(x), rel=1e-12, abs=1e-12)
    for p in (1, 20, 50):
        assert c.top_shares[p] == pytest.approx(top_share(x, p), rel=1e-9, abs=1e-12)
    pd.testing.assert_frame_equal(c.lorenz, lorenz_curve(x))
    pd.testing.assert_frame_equal(concentration_summary(x, n_points=11).lorenz, lorenz_curve(x, n_points=11))
