"""rfm_summary: reproduces the published CDNOW summary; holdout columns; clear errors."""

import numpy as np
import pandas as pd
import pytest
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

from custvalue import DataError, rfm_summary
from custvalue.datasets import (CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow_sample_transactions,
                                load_cdnow_transactions)


@pytest.fixture(scope="module")
def sample_tx():
    return load_cdnow_sample_transactions()


def test_reproduces_shipped_cdnow_summary_exactly(sample_tx, cdnow_summary):
    s = rfm_summary(sample_tx, customer_col="customer_id", date_col="date", monetary_col="amount",
                    observation_end=CDNOW_CALIBRATION_END)
    assert len(s) == 2357
    assert s.index.equals(cdnow_summary.index)
    pd.testing.assert_frame_equal(s[["frequency", "recency", "T"]].round(2),
                                  cdnow_summary[["frequency", "recency", "T"]], check_dtype=False)
    np.testing.assert_allclose(s["monetary_value"], cdnow_summary["monetary_value"], atol=0.005 + 1e-9)


def test_matches_lifetimes_in_days(sample_tx):
    ours = rfm_summary(sample_tx, customer_col="customer_id", date_col="date", monetary_col="amount", freq="D")
    theirs = summary_data_from_transaction_data(sample_tx, "customer_id", "date", monetary_value_col="amount",
                                                freq="D")
    np.testing.assert_allclose(ours[["frequency", "recency", "T", "monetary_value"]].to_numpy(),
                               theirs[["frequency", "recency", "T", "monetary_value"]].to_numpy(), rtol=1e-12)


def test_calibration_holdout_split_matches_lifetimes(sample_tx):
    ours = rfm_summary(sample_tx, customer_col="customer_id", date_col="date", freq="D", monetary_col="amount",
                       calibration_end=CDNOW_CALIBRATION_END, observation_end=CDNOW_OBSERVATION_END)
    # (lifetimes' holdout helper needs a monetary column under pandas 3; its holdout monetary
    # value averages raw rows without merging same-day purchases, so only counts are compared)
    theirs = calibration_and_holdout_data(sample_tx, "customer_id", "date", monetary_value_col="amount",
                                          calibration_period_end=CDNOW_CALIBRATION_END,
                                          observation_period_end=CDNOW_OBSERVATION_END, freq="D")
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), theirs["monetary_value_cal"].to_numpy())
    np.testing.assert_array_equal(ours["frequency_holdout"].to_numpy(), theirs["frequency_holdout"].to_numpy())
    np.testing.assert_allclose(ours["T"].to_numpy(), theirs["T_cal"].to_numpy())
    assert (ours["duration_holdout"] == 273).all()


def test_same_day_purchases_merge_and_order_does_not_matter():
    tx = pd.DataFrame({"c": ["a", "a", "a", "b", "a"],
                       "d": ["2020-01-01", "2020-01-01 15:00", "2020-01-08", "2020-01-03", "2020-01-15"],
                       "m": [5.0, 5.0, 4.0, 7.0, 6.0]})
    s = rfm_summary(tx, customer_col="c", date_col="d", monetary_col="m", freq="D", observation_end="2020-01-31")
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [2.0, 14.0, 30.0, 5.0]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0.0, 0.0, 28.0, 0.0]
    assert s.loc["a", "sum_log_interpurchase"] == 2 * np.log(7.0)  # gaps of 7 and 7 days
    assert s.loc["b", "sum_log_interpurchase"] == 0.0
    shuffled = rfm_summary(tx.sample(frac=1, random_state=3), customer_col="c", date_col="d", monetary_col="m",
                           freq="D", observation_end="2020-01-31")
    pd.testing.assert_frame_equal(s, shuffled)


def test_full_cdnow_log_summary_shape():
    tx = load_cdnow_transactions()
    s = rfm_summary(tx, customer_col="customer_id", date_col="date", monetary_col="amount",
                    calibration_end=CDNOW_CALIBRATION_END, observation_end=CDNOW_OBSERVATION_END)
    assert len(s) == 23570
    assert s["T"].max() == pytest.approx(272 / 7)


def test_errors_name_column_and_rows():
    tx = pd.DataFrame({"c": [1, 2, 3], "d": ["2020-01-01", "not a date", "2020-02-01"], "m": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"date_col 'd'.*do not match.*'%Y-%m-%d'.*'not a date'.*first row: 1"):
        rfm_summary(tx, customer_col="c", date_col="d")
    ok = tx.assign(d=["2020-01-01", "2020-01-05", "2020-02-01"])
    with pytest.raises(DataError, match="calibration_end must lie within the data"):
        rfm_summary(ok, customer_col="c", date_col="d", calibration_end="2021-01-01")
    with pytest.raises(DataError, match="calibration_end must lie within the data"):
        rfm_summary(ok, customer_col="c", date_col="d", calibration_end="2019-01-01")
    with pytest.raises(DataError, match="'amount' is not a column"):
        rfm_summary(ok, customer_col="c", date_col="d", monetary_col="amount")
    with pytest.raises(DataError, match="missing values"):
        rfm_summary(ok.assign(c=[1, None, 3]), customer_col="c", date_col="d")
    with pytest.raises(DataError, match="must be finite"):
        rfm_summary(ok.assign(m=[1.0, np.nan, 2.0]).fillna({"m": np.inf}), customer_col="c", date_col="d",
                    monetary_col="m")
    with pytest.raises(DataError, match="empty"):
        rfm_summary(ok.iloc[:0], customer_col="c", date_col="d")


def test_sum_log_interpurchase_matches_btydplus_definition(sample_tx):
    """BTYDplus's ``litt`` (elog2cbs): per customer, sum(log(diff(t))) over the distinct purchase
    times, here in weeks; computed independently with a pandas group-by."""
    s = rfm_summary(sample_tx, customer_col="customer_id", date_col="date", freq="W")
    days = pd.to_datetime(sample_tx["date"]).dt.normalize()
    d = pd.DataFrame({"c": sample_tx["customer_id"], "d": days}).drop_duplicates().sort_values(["c", "d"])
    weeks = (d["d"] - pd.Timestamp("1990-01-01")).dt.days / 7.0
    gaps = weeks.groupby(d["c"]).diff().dropna()
    litt = np.log(gaps).groupby(d.loc[gaps.index, "c"]).sum().reindex(s.index, fill_value=0.0)
    np.testing.assert_allclose(s["sum_log_interpurchase"].to_numpy(), litt.to_numpy(), rtol=1e-12, atol=1e-12)
