"""Potential-value pictures (issue 20 part 3): the calibration table against pandas qcut +
groupby, the drawn lines against the table, and the correlation heat map against the
correlation parameter and its own delta-method interval."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scipy import stats  # noqa: E402

from custvalue.exceptions import DataError  # noqa: E402
from custvalue.potential import (  # noqa: E402
    MultivariateProbit,
    ownership_calibration,
    plot_correlation_matrix,
    plot_ownership_calibration,
)
from custvalue.simulate.potential import simulate_potential_base  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fit():
    base = simulate_potential_base(400, n_products=2, seed=3)
    return base, MultivariateProbit(base.ownership, base.covariates).fit()


def reference_calibration(y: pd.DataFrame, p: pd.DataFrame, n_bins: int) -> pd.DataFrame:
    """pandas: per product, the rank (ties in order of appearance) cut at its exact
    ``n_bins``-quantiles (qcut's right-closed bins with rational edges ``g (n-1) / n_bins``:
    ``pandas.qcut`` itself forms the edges in floating point, and 20.000000000000004 then
    moves a rank across an edge) and groupby."""
    from fractions import Fraction

    parts = []
    for product in y.columns:
        frame = pd.DataFrame({"p": p[product].to_numpy(), "y": y[product].to_numpy()})
        n = len(frame)
        ranks = frame["p"].rank(method="first").astype(int) - 1
        group = ranks.map(lambda k: next(g for g in range(1, n_bins + 1)
                                         if Fraction(k) <= Fraction(g * (n - 1), n_bins)))
        g = frame.groupby(group)
        parts.append(pd.DataFrame({"product": product, "group": g.size().index, "n_customers": g.size().to_numpy(),
                                   "predicted": g["p"].mean().to_numpy(), "observed": g["y"].mean().to_numpy()}))
    return pd.concat(parts).set_index(["product", "group"])


def test_calibration_table_equals_pandas_qcut_groupby(fit):
    base, res = fit
    prob = res.predict()
    table = ownership_calibration(base.ownership, prob, n_bins=10)
    ref = reference_calibration(base.ownership, prob, 10)
    assert list(table.index.get_level_values("product").unique()) == list(base.ownership.columns)
    np.testing.assert_array_equal(table["n_customers"].to_numpy(), ref["n_customers"].to_numpy())
    np.testing.assert_allclose(table[["predicted", "observed"]].to_numpy(), ref[["predicted", "observed"]].to_numpy(),
                               rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 60), n_bins=st.integers(1, 12), seed=st.integers(0, 10**6), ties=st.booleans())
def test_calibration_table_equals_qcut_for_any_size(n, n_bins, seed, ties):
    if n_bins > n:
        n_bins = n
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=(n, 2))
    if ties:
        p = np.round(p, 1)
    y = (rng.uniform(size=(n, 2)) < p).astype(int)
    yf, pf = pd.DataFrame(y, columns=["a", "b"]), pd.DataFrame(p, columns=["a", "b"])
    table = ownership_calibration(yf, pf, n_bins=n_bins)
    ref = reference_calibration(yf, pf, n_bins)
    np.testing.assert_array_equal(table["n_customers"].to_numpy(), ref["n_customers"].to_numpy())
    np.testing.assert_allclose(table[["predicted", "observed"]].to_numpy(), ref[["predicted", "observed"]].to_numpy(),
                               rtol=1e-12)
    assert table["n_customers"].sum() == 2 * n
    sizes = table["n_customers"].to_numpy()
    assert sizes.min() >= 1 and sizes.max() - sizes.min() <= 1


def test_calibration_plot_draws_the_table(fit):
    base, res = fit
    prob = res.predict()
    table = ownership_calibration(base.ownership, prob, n_bins=8)
    fig, ax = plt.subplots()
    assert plot_ownership_calibration(base.ownership, prob, n_bins=8, ax=ax) is ax
    for line, product in zip(ax.lines, base.ownership.columns):
        assert line.get_label() == product
        np.testing.assert_array_equal(line.get_xdata(), table.loc[product, "predicted"].to_numpy())
        np.testing.assert_array_equal(line.get_ydata(), table.loc[product, "observed"].to_numpy())
    assert ax.lines[-1].get_label() == "perfect calibration"
    assert "predicted" in ax.get_xlabel() and "observed" in ax.get_ylabel()


def test_calibration_aligns_labels_and_refuses_bad_input(fit):
    base, res = fit
    prob = res.predict()
    shuffled = prob.sample(frac=1.0, random_state=0)[list(prob.columns)[::-1]]
    pd.testing.assert_frame_equal(ownership_calibration(base.ownership, shuffled),
                                  ownership_calibration(base.ownership, prob))
    with pytest.raises(DataError, match="probability must be in"):
        ownership_calibration(base.ownership, prob * 3)
    with pytest.raises(DataError, match="y_true must be 0/1"):
        ownership_calibration(base.ownership * 2, prob)
    with pytest.raises(DataError, match="n_bins"):
        ownership_calibration(base.ownership, prob, n_bins=len(prob) + 1)
    with pytest.raises(DataError, match="same products"):
        ownership_calibration(base.ownership, prob.iloc[:, :1])


def test_correlation_heat_map_draws_the_estimate_and_its_fisher_z_interval(fit):
    _, res = fit
    ax = plot_correlation_matrix(res, level=0.9)
    drawn = np.asarray(ax.images[0].get_array())
    np.testing.assert_array_equal(drawn, res.corr.to_numpy())
    # independent: with two products the correlation is tanh of its atanh parameter, and the
    # 90% interval is tanh(g -+ z se(g)) with se(g) from the covariance of the estimates
    name = next(k for k in res.params.index if k.startswith("atanh_pcorr"))
    g, se_g = res.params[name], np.sqrt(res.cov_params.loc[name, name])
    z = stats.norm.ppf(0.95)
    r, lo, hi = np.tanh(g), np.tanh(g - z * se_g), np.tanh(g + z * se_g)
    np.testing.assert_allclose(drawn[0, 1], r, rtol=1e-10)
    off = [t.get_text() for t in ax.texts if "[" in t.get_text()]
    assert off == [f"{r:.2f}\n[{lo:.2f}, {hi:.2f}]"] * 2
    assert [t.get_text() for t in ax.get_yticklabels()] == list(res.corr.index)
    assert ax.images[0].get_clim() == (-1.0, 1.0)


def test_correlation_heat_map_refuses_other_results():
    with pytest.raises(DataError, match="MultivariateProbitResults"):
        plot_correlation_matrix(pd.DataFrame([[1.0]]))
