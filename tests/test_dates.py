"""Dates are parsed with one format per column, never guessed row by row (issue 15).

The reference for each case is the calendar itself: the expected dates are written out by
hand, and an ambiguous or mixed column must raise a DataError naming rows and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import rfm_summary
from custvalue._validation import candidate_date_formats, parse_dates
from custvalue.exceptions import DataError


def _tx(dates):
    return pd.DataFrame({"c": np.arange(len(dates)) % 2, "d": dates})


def test_day_first_column_is_read_day_first_throughout():
    # the example: 02/01 must be 2 January when 19/01 shows the column is day-first
    parsed, fmt = parse_dates(pd.Series(["02/01/2023", "19/01/2023"]), "d")
    assert fmt == "%d/%m/%Y"
    assert parsed.tolist() == [pd.Timestamp("2023-01-02"), pd.Timestamp("2023-01-19")]
    # and the summary uses those days (recency 17 days for customer 0 with rows 0 and 2)
    s = rfm_summary(_tx(["02/01/2023", "05/01/2023", "19/01/2023", "20/01/2023"]),
                    customer_col="c", date_col="d", freq="D")
    assert s["recency"].tolist() == [17.0, 15.0]


def test_month_first_column_is_read_month_first():
    parsed, fmt = parse_dates(pd.Series(["02/01/2023", "01/19/2023"]), "d")
    assert fmt == "%m/%d/%Y"
    assert parsed.tolist() == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-01-19")]


def test_ambiguous_column_raises_and_names_the_fix():
    with pytest.raises(DataError, match=r"date_col 'd'.*ambiguous.*row 0: '02/01/2023'.*dayfirst="):
        rfm_summary(_tx(["02/01/2023", "03/01/2023", "04/01/2023", "05/02/2023"]),
                    customer_col="c", date_col="d")
    s_dm = rfm_summary(_tx(["02/01/2023", "03/01/2023", "04/01/2023", "05/02/2023"]),
                       customer_col="c", date_col="d", dayfirst=True, freq="D")
    s_md = rfm_summary(_tx(["02/01/2023", "03/01/2023", "04/01/2023", "05/02/2023"]),
                       customer_col="c", date_col="d", dayfirst=False, freq="D")
    assert s_dm["recency"].tolist() == [2.0, 33.0]     # 2 Jan -> 4 Jan; 3 Jan -> 5 Feb
    assert s_md["recency"].tolist() == [59.0, 62.0]    # 1 Feb -> 1 Apr; 1 Mar -> 2 May
    s_fmt = rfm_summary(_tx(["02/01/2023", "03/01/2023", "04/01/2023", "05/02/2023"]),
                        customer_col="c", date_col="d", date_format="%d/%m/%Y", freq="D")
    pd.testing.assert_frame_equal(s_fmt, s_dm)


def test_mixed_day_and_month_first_raises_naming_rows():
    with pytest.raises(DataError, match=r"mixes date formats.*'19/01/2023'.*'01/20/2023'"):
        parse_dates(pd.Series(["02/01/2023", "19/01/2023", "01/20/2023"]), "d")


def test_mixed_formats_raise_naming_rows():
    with pytest.raises(DataError, match=r"do not match.*'%Y-%m-%d'.*2: '05/02/2023'.*first row: 2"):
        parse_dates(pd.Series(["2023-01-19", "2023-01-20", "05/02/2023"]), "d")
    with pytest.raises(DataError, match=r"neither.*'31/31/2021'"):
        parse_dates(pd.Series(["02/01/2021", "31/31/2021"]), "d")


def test_dayfirst_contradicted_by_the_data_raises():
    with pytest.raises(DataError, match=r"'%m/%d/%Y'.*'19/01/2023'"):
        parse_dates(pd.Series(["02/01/2023", "19/01/2023"]), "d", dayfirst=False)


def test_iso_and_unambiguous_formats_need_no_arguments():
    cases = {
        "2023-01-19": "2023-01-19", "2023-01-19 10:30:00": "2023-01-19 10:30:00",
        "19970101": "1997-01-01", "1 Feb 2023": "2023-02-01", "Jan 5, 2023": "2023-01-05",
    }
    for raw, expect in cases.items():
        parsed, _ = parse_dates(pd.Series([raw]), "d")
        assert parsed.iloc[0] == pd.Timestamp(expect), raw
    parsed, fmt = parse_dates(pd.Series([19970101, 19970215]), "d")   # integers, as in CDNOW
    assert fmt == "ISO8601" and parsed.dt.month.tolist() == [1, 2]


def test_missing_and_fractional_values_are_named():
    with pytest.raises(DataError, match="missing dates.*first row: 1"):
        parse_dates(pd.Series(["2023-01-01", None]), "d")
    with pytest.raises(DataError, match="fractional"):
        parse_dates(pd.Series([20230101.5]), "d")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(min_value=pd.Timestamp("1990-01-01").date(),
                         max_value=pd.Timestamp("2030-12-31").date()), min_size=1, max_size=30),
       st.booleans())
def test_written_dates_read_back_or_raise(dates, dayfirst_written):
    """Whatever a column of dd/mm or mm/dd dates holds, it is read back exactly or refused."""
    fmt = "%d/%m/%Y" if dayfirst_written else "%m/%d/%Y"
    text = pd.Series([d.strftime(fmt) for d in dates])
    truth = pd.to_datetime(pd.Series(dates))
    try:
        parsed, _ = parse_dates(text, "d")
    except DataError as exc:
        assert "ambiguous" in str(exc)
        # ambiguous only if every value has day <= 12 (or day == month)
        assert all(d.day <= 12 for d in dates)
        parsed, _ = parse_dates(text, "d", dayfirst=dayfirst_written)
    assert parsed.tolist() == truth.tolist()


def test_chunks_intersect_their_candidate_formats():
    # a chunk of only ambiguous dates admits both readings; the other chunk decides
    assert set(candidate_date_formats(pd.Series(["02/01/2023"]), "d")) == {"%d/%m/%Y", "%m/%d/%Y"}
    assert candidate_date_formats(pd.Series(["19/01/2023"]), "d") == ["%d/%m/%Y"]


def test_every_date_reader_refuses_an_ambiguous_column():
    """The cohort tracker and the Markov recency panel read dates by the same rules."""
    from custvalue.clv import recency_states
    from custvalue.clv.forecast import actual_repeat_transactions

    log = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["05/01/2020", "02/03/2020", "10/02/2020"]})
    with pytest.raises(DataError, match="ambiguous"):
        recency_states(log)
    with pytest.raises(DataError, match="ambiguous"):
        actual_repeat_transactions(log, customer_col="customer_id", date_col="date",
                                   origin="2020-01-01", times=[10])
    dm = recency_states(log, dayfirst=True)           # 5 Jan, 2 Mar; 10 Feb
    assert [str(p) for p in dm.columns] == ["2020-01", "2020-02", "2020-03"]
    a = actual_repeat_transactions(log, customer_col="customer_id", date_col="date",
                                   origin="2020-01-01", times=[8, 9], dayfirst=True)
    # customer 1's repeat purchase on 2 March 2020 is day 61: not yet by week 8 (day 56), by week 9 (63)
    assert a["cumulative"].tolist() == [0.0, 1.0]


# Arrow-backed dates (pd.read_parquet(dtype_backend="pyarrow"), dd.read_parquet's default) are
# datetimes like numpy's: date32, date64, naive and zoned timestamps, each summarised exactly as
# the same log with numpy datetime64 dates; a null among them is a missing date.
_ARROW_DATE_TYPES = ["date32", "date64", "timestamp_us", "timestamp_utc", "timestamp_paris"]


def _arrow_dates(days: pd.Series, kind: str) -> pd.Series:
    import pyarrow as pa
    values = days.to_numpy().astype("datetime64[D]")
    if kind in ("date32", "date64"):
        typ = pa.date32() if kind == "date32" else pa.date64()
        arr = pa.array(values, pa.date32()).cast(typ)
    else:
        arr = pa.array(values.astype("datetime64[us]"), pa.timestamp("us"))
        if kind != "timestamp_us":
            typ = pa.timestamp("us", tz="UTC" if kind == "timestamp_utc" else "Europe/Paris")
            arr = arr.cast(typ)
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=days.index)


def _small_log(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    return pd.DataFrame({"id": rng.integers(0, 60, n),
                         "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
                         "amount": rng.gamma(2.0, 10.0, n)})


@pytest.mark.parametrize("kind", _ARROW_DATE_TYPES)
def test_arrow_backed_dates_summarise_like_numpy_dates(kind):
    tx = _small_log()
    expected = rfm_summary(tx, customer_col="id", date_col="date", monetary_col="amount",
                           calibration_end="2021-08-01", observation_end="2021-10-31")
    arrow = tx.assign(date=_arrow_dates(tx["date"], kind))
    if kind == "timestamp_paris":  # zoned timestamps are read as their local wall time
        arrow["date"] = _arrow_dates(tx["date"], "timestamp_us")
        arrow["date"] = arrow["date"].dt.tz_localize("Europe/Paris")
    got = rfm_summary(arrow, customer_col="id", date_col="date", monetary_col="amount",
                      calibration_end="2021-08-01", observation_end="2021-10-31")
    pd.testing.assert_frame_equal(got, expected)


def test_arrow_backed_null_date_is_a_missing_date():
    tx = _small_log().head(5)
    dates = _arrow_dates(tx["date"], "date32").astype(object)
    dates.iloc[2] = None
    import pyarrow as pa
    tx["date"] = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(dates.tolist(), pa.date32())), index=tx.index)
    with pytest.raises(DataError, match="missing"):
        rfm_summary(tx, customer_col="id", date_col="date")


def test_dask_summary_reads_parquet_date32(tmp_path):
    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import custvalue.dask as cvd
    tx = _small_log()
    pq.write_table(pa.table({"id": tx["id"].to_numpy(), "amount": tx["amount"].to_numpy(),
                             "date": pa.array(tx["date"].to_numpy().astype("datetime64[D]"), pa.date32())}),
                   tmp_path / "log.parquet")
    ddf = dd.read_parquet(tmp_path / "log.parquet")
    got = cvd.rfm_summary(ddf, customer_col="id", date_col="date", monetary_col="amount",
                          observation_end="2021-10-31").compute().sort_index()
    expected = rfm_summary(tx, customer_col="id", date_col="date", monetary_col="amount",
                           observation_end="2021-10-31")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_names=False)
