"""rfm_summary_from_files: the in-memory rfm_summary of the concatenated files, in bounded memory.

The reference is :func:`custvalue.rfm.rfm_summary` (itself checked against lifetimes and the
published CDNOW summary in tests/test_rfm.py) run on the same rows held in one DataFrame.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custvalue import DataError
from custvalue.datasets import load_cdnow_sample_transactions
from custvalue.rfm import rfm_summary
from custvalue.rfm_files import rfm_summary_from_files

COLS = dict(customer_col="customer_id", date_col="date")


def _log(seed: int, n: int, n_customers: int, span: int, text_ids: bool = False) -> pd.DataFrame:
    """A shuffled log with same-day repeats; amounts in quarters so that every sum is exact."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_customers, n)
    day = rng.integers(0, span, n)
    tx = pd.DataFrame({
        "customer_id": np.char.add("c", cust.astype(str)).astype(object) if text_ids else cust * 7 - 3,
        "date": np.datetime64("2021-03-01") + day.astype("timedelta64[D]"),
        "amount": rng.integers(1, 4000, n) / 4.0,
    })
    return tx


def _write(tx: pd.DataFrame, folder: Path, cuts: list[int], formats: list[str], string_dates: bool) -> list[Path]:
    bounds = [0, *sorted(set(cuts)), len(tx)]
    out = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")) if string_dates else tx
    paths = []
    for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        part = out.iloc[lo:hi]
        if formats[i % len(formats)] == "csv":
            p = folder / f"part{i:03d}.csv"
            part.to_csv(p, index=False)
        else:
            p = folder / f"part{i:03d}.parquet"
            part.to_parquet(p, index=False)
        paths.append(p)
    return paths


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), n_customers=st.integers(1, 60),
       cuts=st.lists(st.integers(0, 400), max_size=4), batch_rows=st.integers(1, 120),
       formats=st.sampled_from([["csv"], ["parquet"], ["csv", "parquet"]]),
       calibration=st.booleans(), monetary=st.booleans(), freq=st.sampled_from(["D", "W", "M"]),
       text_ids=st.booleans())
def test_equals_in_memory_summary(tmp_path_factory, seed, n, n_customers, cuts, batch_rows, formats, calibration,
                                  monetary, freq, text_ids):
    tx = _log(seed, n, n_customers, span=300, text_ids=text_ids)
    folder = tmp_path_factory.mktemp("log")
    _write(tx, folder, [c for c in cuts if c < n], formats, string_dates="csv" in formats)
    kw = dict(COLS, freq=freq, monetary_col="amount" if monetary else None)
    days = tx["date"].sort_values().unique()
    if calibration:
        if len(days) < 2:
            return
        kw["calibration_end"] = days[len(days) // 2 - 1 if len(days) > 2 else 0]
        kw["observation_end"] = days[-1] - np.timedelta64(len(days) % 3, "D")
    expected = rfm_summary(tx, **kw)
    got = rfm_summary_from_files(folder, batch_rows=batch_rows, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_sum_log_interpurchase_by_small_blocks_equals_in_memory(tmp_path, monkeypatch):
    """The gaps are read off the bitmaps by blocks of customers; blocks of a few days (many
    blocks, customers alone in a block) give the in-memory floats exactly."""
    import custvalue.rfm_files as rf

    tx = _log(3, 3000, 80, span=300)
    _write(tx, tmp_path, [1000], ["parquet"], string_dates=False)
    kw = dict(COLS, freq="W", calibration_end=tx["date"].sort_values().iloc[1500])
    expected = rfm_summary(tx, **kw)
    monkeypatch.setattr(rf._bitmap_log_gap_sums, "__defaults__", (7,))
    got = rfm_summary_from_files(tmp_path, **kw)
    assert (expected["sum_log_interpurchase"] != 0).sum() > 50
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_cdnow_split_over_csv_and_parquet(tmp_path):
    tx = load_cdnow_sample_transactions()
    tx.iloc[:2500].to_csv(tmp_path / "a.csv", index=False)
    tx.iloc[2500:5000].to_parquet(tmp_path / "b.parquet")
    tx.iloc[5000:].to_csv(tmp_path / "c.csv.gz", index=False)
    kw = dict(COLS, monetary_col="amount", calibration_end="1997-09-30", observation_end="1998-06-30")
    got = rfm_summary_from_files(sorted(tmp_path.iterdir()), batch_rows=333, **kw)
    expected = rfm_summary(tx, **kw)
    counts = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(got[counts], expected[counts], check_exact=True)
    # amounts in cents summed in another order: equal up to rounding
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-13, atol=0)


@pytest.mark.parametrize("arrow_type", [pa.date32(), pa.date64(), pa.timestamp("s"), pa.timestamp("ns")])
def test_parquet_date_types_before_and_after_1970(tmp_path, arrow_type):
    rng = np.random.default_rng(7)
    n = 300
    when = np.datetime64("1969-12-20T00", "h") + rng.integers(0, 24 * 30, n).astype("timedelta64[h]")
    if arrow_type in (pa.date32(), pa.date64()):
        when = when.astype("datetime64[D]")
    tx = pd.DataFrame({"customer_id": rng.integers(0, 20, n), "date": when.astype("datetime64[ns]")})
    dates = pa.array(when.astype("datetime64[s]")).cast(arrow_type)
    table = pa.table({"customer_id": tx["customer_id"], "date": dates})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=50)
    kw = dict(COLS, freq="D", calibration_end="1970-01-03")
    pd.testing.assert_frame_equal(rfm_summary_from_files(tmp_path, batch_rows=37, **kw), rfm_summary(tx, **kw),
                                  check_exact=True)


def test_glob_and_list_sources(tmp_path):
    tx = _log(1, 500, 40, 100)
    _write(tx, tmp_path, [100, 350], ["parquet"], string_dates=False)
    expected = rfm_summary(tx, **COLS)
    pd.testing.assert_frame_equal(rfm_summary_from_files(str(tmp_path / "part*.parquet"), **COLS), expected)
    pd.testing.assert_frame_equal(rfm_summary_from_files(sorted(tmp_path.glob("*.parquet")), **COLS), expected)


def test_progress_reports_every_byte(tmp_path):
    tx = _log(2, 3000, 50, 200)
    paths = _write(tx, tmp_path, [1000, 2000], ["csv", "parquet"], string_dates=True)
    seen: list[int] = []
    rfm_summary_from_files(tmp_path, batch_rows=250, progress=seen.append, **COLS)
    assert sum(seen) == sum(p.stat().st_size for p in paths)
    assert len(seen) > len(paths)


# ---------------------------------------------------------------------------------------------
# Bad rows: the file and the row are named, nothing is dropped
# ---------------------------------------------------------------------------------------------

def _two_files(tmp_path: Path, bad: pd.DataFrame, fmt: str) -> Path:
    good = _log(3, 50, 5, 30)
    good.to_parquet(tmp_path / "a_good.parquet")
    path = tmp_path / f"b_bad.{fmt}"
    bad.to_csv(path, index=False) if fmt == "csv" else bad.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("column", "value", "words"), [
    ("customer_id", None, "customer_col 'customer_id' has missing values"),
    ("date", None, "date_col 'date' has missing values"),
    ("date", "2021-13-45", "do not match the date format"),
    ("amount", "abc", "monetary_col 'amount'"),
    ("amount", np.inf, "monetary_col 'amount'"),
])
def test_bad_row_names_file_and_row(tmp_path, fmt, column, value, words):
    tx = _log(4, 40, 5, 30).assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d"))
    tx = tx.astype({column: object})
    tx.loc[26, column] = value  # the 27th data row
    if column == "amount" and isinstance(value, str):
        tx["amount"] = tx["amount"].astype(str)  # a text column in Parquet too
    path = _two_files(tmp_path, tx, fmt)
    with pytest.raises(DataError, match="b_bad") as err:
        rfm_summary_from_files(tmp_path, batch_rows=10, **COLS, monetary_col="amount")
    assert words in str(err.value)
    assert "data row: 27" in str(err.value), str(err.value)
    assert str(path) in str(err.value)


def test_csv_with_a_short_row_names_the_file(tmp_path):
    (tmp_path / "x.csv").write_text("customer_id,date\n1,2021-01-01\n2\n")
    with pytest.raises(DataError, match=r"x\.csv.*Expected 2 columns"):
        rfm_summary_from_files(tmp_path, **COLS)


def test_integer_ids_then_text_is_a_bad_row(tmp_path):
    tx = pd.DataFrame({"customer_id": ["1", "2", "3", "x4"], "date": ["2021-01-01"] * 4})
    tx.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DataError, match=r"t\.csv.*data row: 4"):
        rfm_summary_from_files(tmp_path, batch_rows=2, **COLS)


def test_missing_column_and_unknown_format(tmp_path):
    _log(5, 20, 3, 10).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(DataError, match="monetary_col='spend' is not a column"):
        rfm_summary_from_files(tmp_path, monetary_col="spend", **COLS)
    (tmp_path / "c.csv").write_text("customer_id,day\n1,2021-01-01\n")
    with pytest.raises(DataError, match=r"c\.csv: date_col='date' is not a column"):
        rfm_summary_from_files(tmp_path / "c.csv", **COLS)
    (tmp_path / "b.dat").write_text("x")
    with pytest.raises(DataError, match="file_format"):
        rfm_summary_from_files(tmp_path / "b.dat", **COLS)
    with pytest.raises(DataError, match="matches no"):
        rfm_summary_from_files(str(tmp_path / "none*.csv"), **COLS)


def test_calibration_outside_data_as_in_memory(tmp_path):
    tx = _log(6, 100, 10, 50)
    tx.to_parquet(tmp_path / "a.parquet")
    with pytest.raises(DataError, match="calibration_end must lie within the data"):
        rfm_summary(tx, **COLS, calibration_end="2030-01-01")
    with pytest.raises(DataError, match="calibration_end must lie within the data"):
        rfm_summary_from_files(tmp_path, **COLS, calibration_end="2030-01-01")


# ---------------------------------------------------------------------------------------------
# Memory: bounded by customers, not transactions
# ---------------------------------------------------------------------------------------------

def _big_parquet(path: Path, n: int, n_customers: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(path, pa.schema([("customer_id", pa.int64()), ("date", pa.date32()),
                                           ("amount", pa.float64())])) as w:
        for lo in range(0, n, 500_000):
            m = min(500_000, n - lo)
            w.write_table(pa.table({"customer_id": rng.integers(0, n_customers, m),
                                    "date": pa.array(rng.integers(18_000, 18_365, m).astype(np.int32), pa.date32()),
                                    "amount": rng.integers(1, 10_000, m) / 100.0}), row_group_size=100_000)


def _traced_peak(path: Path, batch_rows: int) -> float:
    tracemalloc.start()
    try:
        rfm_summary_from_files(path, batch_rows=batch_rows, monetary_col="amount", calibration_end="2019-09-01", **COLS)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_bounded_by_customers_not_transactions(tmp_path):
    n_customers, batch_rows = 10_000, 100_000
    _big_parquet(tmp_path / "small.parquet", 2_000_000, n_customers, 0)
    _big_parquet(tmp_path / "large.parquet", 4_000_000, n_customers, 1)
    _traced_peak(tmp_path / "small.parquet", 1000)  # compile the kernels outside the measurement
    small = _traced_peak(tmp_path / "small.parquet", batch_rows)
    large = _traced_peak(tmp_path / "large.parquet", batch_rows)
    # the documented bound: n_customers * (160 + 16 * ceil(span_days / 64)) + batch_rows * 100 bytes
    bound = n_customers * (160 + 16 * int(np.ceil(365 / 64))) + batch_rows * 100
    assert small < bound and large < bound, (small, large, bound)
    assert large < 1.1 * small, (small, large)
    # the in-memory rows alone (24 bytes each) would be far above both
    assert large < 4_000_000 * 24 / 4
