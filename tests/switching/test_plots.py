"""Switching pictures (issue 20 part 3): the drawn numbers equal the results they come from,
and those equal an independent computation (a pandas crosstab of consecutive purchases;
Shy's two-firm closed form with its delta-method standard error)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from custvalue.exceptions import DataError  # noqa: E402
from custvalue.simulate import simulate_choice_panel  # noqa: E402
from custvalue.switching import (  # noqa: E402
    brand_switching_matrix,
    plot_switching_costs,
    plot_switching_matrix,
    shy_switching_costs,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_switching_matrix_heat_map_draws_the_crosstab_of_consecutive_purchases():
    panel = simulate_choice_panel(80, 6, brands=3, seed=4)[["customer_id", "occasion", "choice"]]
    res = brand_switching_matrix(panel)
    ax = plot_switching_matrix(res)
    drawn = np.asarray(ax.images[0].get_array())
    np.testing.assert_array_equal(drawn, res.matrix.to_numpy())
    # independent: previous -> current brand counts of each customer's consecutive occasions
    p = panel.sort_values(["customer_id", "occasion"])
    prev = p.groupby("customer_id")["choice"].shift()
    counts = pd.crosstab(prev[prev.notna()], p.loc[prev.notna(), "choice"])
    expected = counts.div(counts.sum(axis=1), axis=0).reindex(index=res.matrix.index, columns=res.matrix.columns)
    np.testing.assert_allclose(drawn, expected.to_numpy(), rtol=1e-12)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:.2f}" for v in expected.to_numpy().ravel()]
    assert ax.get_xlabel() == "brand bought now" and ax.get_ylabel() == "brand bought last time"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(b) for b in res.brands]


def test_switching_costs_plot_draws_shys_two_firm_closed_form_and_wald_intervals():
    price, customers, se = np.array([12.0, 9.0]), np.array([70.0, 30.0]), 0.4
    res = shy_switching_costs(price=pd.Series(price, index=["x", "y"]),
                              customers=pd.Series(customers, index=["x", "y"]), price_se=se)
    fig, ax = plt.subplots()
    assert plot_switching_costs(res, level=0.9, ax=ax) is ax
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), res.table(0.9)["switching_cost"])
    # Shy (2002) with two firms and zero marginal cost: S_i = p_i - p_j N_j / (N_i + N_j)
    share_j = customers[::-1] / customers.sum()
    expected = price - price[::-1] * share_j
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    # independent delta-method standard error of a linear function of independent prices
    sd = np.sqrt(se**2 + (share_j * se) ** 2)
    z = stats.norm.ppf(0.95)
    segments = ax.collections[0].get_segments()  # the error bars, one vertical segment per firm
    lows, highs = [s[:, 1].min() for s in segments], [s[:, 1].max() for s in segments]
    np.testing.assert_allclose(lows, expected - z * sd, rtol=1e-10)
    np.testing.assert_allclose(highs, expected + z * sd, rtol=1e-10)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    assert ax.get_ylabel() == "switching cost (price units)"


def test_plots_refuse_the_wrong_results():
    with pytest.raises(DataError, match="BrandSwitchingResults"):
        plot_switching_matrix(pd.DataFrame([[1.0]]))
    with pytest.raises(DataError, match="ShyResults"):
        plot_switching_costs(brand_switching_matrix([["A", "B", "A"]]))
