"""Each BTYD model-checking plot draws its numeric twin: the bar heights, line points and heat-map
cells read back from the Axes (Agg backend) equal the twin's DataFrame (the twins themselves are
checked against independent computations in tests/clv/test_diagnostics.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from custvalue import plotting  # noqa: E402
from custvalue.clv import (BetaGeo, ParetoNBD, actual_repeat_transactions, frequency_recency_matrix,  # noqa: E402
                           heterogeneity_density, holdout_by_frequency, holdout_by_recency, p_alive_history,
                           repeat_purchase_histogram, tracking_table)
from custvalue.datasets import load_cdnow_sample_transactions  # noqa: E402
from custvalue.exceptions import DataError  # noqa: E402
from custvalue.rfm import rfm_summary  # noqa: E402


@pytest.fixture(scope="module")
def cdnow():
    tx = load_cdnow_sample_transactions()
    cal = rfm_summary(tx, customer_col="customer_id", date_col="date", calibration_end="1997-09-30",
                      observation_end="1998-06-30")
    return tx, cal, BetaGeo().fit(cal)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_histogram_bars_are_the_twin(cdnow, ax):
    _, cal, res = cdnow
    got = plotting.plot_repeat_purchase_histogram(res, cal, max_frequency=6, ax=ax)
    assert got is ax
    twin = repeat_purchase_histogram(res, cal, max_frequency=6)
    actual, model = ax.containers
    np.testing.assert_array_equal([p.get_height() for p in actual], twin["actual"])
    np.testing.assert_array_equal([p.get_height() for p in model], twin["model"])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(twin.index)
    assert ax.get_xlabel() and ax.get_ylabel() == "customers"


def test_holdout_by_frequency_lines_are_the_twin(cdnow, ax):
    _, cal, res = cdnow
    plotting.plot_holdout_by_frequency(res, cal, ax=ax)
    twin = holdout_by_frequency(res, cal)
    lines = _lines(ax)
    np.testing.assert_array_equal(lines["actual"].get_ydata(), twin["actual"])
    np.testing.assert_array_equal(lines["model"].get_ydata(), twin["model"])
    assert "holdout" in ax.get_ylabel()


def test_holdout_by_recency_lines_are_the_twin(cdnow, ax):
    _, cal, res = cdnow
    plotting.plot_holdout_by_recency(res, cal, bins=6, ax=ax, time_unit="weeks")
    twin = holdout_by_recency(res, cal, bins=6)
    lines = _lines(ax)
    np.testing.assert_array_equal(lines["model"].get_ydata(), twin["model"])
    np.testing.assert_array_equal(lines["actual"].get_ydata(), twin["actual"])
    np.testing.assert_allclose(lines["actual"].get_xdata(), twin.index.mid)
    assert ax.get_xlabel().endswith("(weeks)")


@pytest.mark.parametrize("kind", ["incremental", "cumulative"])
def test_cohort_tracking_lines_are_the_twin(cdnow, ax, kind):
    tx, cal, res = cdnow
    actual = actual_repeat_transactions(tx, customer_col="customer_id", date_col="date", origin="1997-01-01",
                                        times=np.arange(1.0, 79.0))
    births = 272 / 7 - cal["T"].to_numpy()
    plotting.plot_cohort_tracking(res, actual, first_purchase=births, kind=kind, calibration_end=39.0, ax=ax)
    twin = tracking_table(res, actual, first_purchase=births)
    lines = _lines(ax)
    np.testing.assert_array_equal(lines["actual"].get_ydata(), twin[f"actual_{kind}"])
    np.testing.assert_array_equal(lines["model"].get_ydata(), twin[f"model_{kind}"])
    assert lines["end of calibration"].get_xdata()[0] == 39.0


@pytest.mark.parametrize("which", ["p_alive", "expected_purchases"])
def test_frequency_recency_heat_map_is_the_twin(cdnow, ax, which):
    res = cdnow[2]
    plotting.plot_frequency_recency_matrix(res, T=38.86, which=which, horizon=13.0, max_frequency=10, ax=ax)
    twin = frequency_recency_matrix(res, T=38.86, which=which, horizon=13.0, max_frequency=10)
    np.testing.assert_array_equal(ax.images[0].get_array(), twin.to_numpy())
    assert ax.get_ylabel().startswith("frequency")


def test_p_alive_matrix_is_the_same_picture(cdnow, ax):
    res = cdnow[2]
    plotting.plot_p_alive_matrix(res, T=38.86, max_frequency=10, ax=ax, time_unit="weeks")
    np.testing.assert_array_equal(ax.images[0].get_array(),
                                  frequency_recency_matrix(res, T=38.86, max_frequency=10).to_numpy())
    assert ax.get_title() == "P(alive) of a customer aged T = 38.9 weeks"


def test_p_alive_history_line_is_the_twin(cdnow, ax):
    tx, _, res = cdnow
    dates = tx.loc[tx["customer_id"] == 1, "date"]
    plotting.plot_p_alive_history(res, dates, observation_end="1998-06-30", ax=ax)
    twin = p_alive_history(res, dates, observation_end="1998-06-30")
    line = _lines(ax)["P(alive)"]
    np.testing.assert_array_equal(line.get_xdata(), twin.index)
    np.testing.assert_array_equal(line.get_ydata(), twin["p_alive"])
    marks = [ln.get_xdata()[0] for ln in ax.get_lines()[1:]]
    np.testing.assert_allclose(marks, np.array([17, 213, 345]) / 7)   # the three repeat purchases


@pytest.mark.parametrize("which", ["purchase", "dropout"])
def test_heterogeneity_line_is_the_twin(cdnow_summary, ax, which):
    res = ParetoNBD().fit(cdnow_summary)
    plotting.plot_heterogeneity(res, which=which, ax=ax)
    twin = heterogeneity_density(res, which=which)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), twin.index)
    np.testing.assert_array_equal(line.get_ydata(), twin["density"])
    assert ax.get_xlabel() == twin.index.name and "per time unit" in ax.get_xlabel()


def test_new_figure_when_no_axes(cdnow):
    ax = plotting.plot_heterogeneity(cdnow[2])
    assert ax.figure is not None
    plt.close(ax.figure)


def test_bad_kind(cdnow):
    tx, cal, res = cdnow
    with pytest.raises(DataError, match="kind"):
        plotting.plot_cohort_tracking(res, None, first_purchase=[0.0], kind="weekly")
