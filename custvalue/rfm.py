"""Customer summaries (frequency, recency, T, monetary value) from a transaction log.

Fully vectorised: one sort of (customer, day) keys and segment reductions, no group-by-apply.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import as_float_array, as_timestamp, check_whole_number, describe_rows, parse_dates
from .exceptions import DataError
from .units import DAYS_PER_UNIT

__all__ = ["rfm_summary", "TIME_UNITS", "reduce_customer_days"]

#: Length of each time unit in days; durations are measured in days and divided by it
#: (the calendar table :data:`custvalue.units.DAYS_PER_UNIT`: a month of 365.25 / 12 days).
TIME_UNITS = DAYS_PER_UNIT


def _column(df: pd.DataFrame, col: str | None, arg: str) -> pd.Series:
    if col is None or col not in df.columns:
        raise DataError(f"{arg}={col!r} is not a column of transactions; columns: {list(df.columns)}.")
    s = df[col]
    if s.isna().any():
        raise DataError(f"{arg} column {col!r} has missing values; " + describe_rows(s.isna().to_numpy(), df.index))
    return s


def _days(values: pd.Series, arg: str, index: pd.Index, date_format: str | None,
          dayfirst: bool | None = None) -> np.ndarray:
    """Parse to whole days since the epoch (int64), one format for the whole column.

    See :func:`custvalue._validation.parse_dates` for the rules (no guessing: an ambiguous
    day/month column or a column of mixed formats is a DataError naming rows).
    """
    parsed, _ = parse_dates(values, arg, date_format=date_format, dayfirst=dayfirst)
    return parsed.to_numpy().astype("datetime64[D]").astype(np.int64)


def _as_day(value: Any, arg: str) -> int:
    return int(np.datetime64(as_timestamp(value, arg), "D").astype(np.int64))


def reduce_customer_days(codes: np.ndarray, days: np.ndarray, spend: np.ndarray | None,
                         n_customers: int) -> dict[str, np.ndarray]:
    """Per-customer reductions of a transaction log after merging same-day purchases.

    Parameters
    ----------
    codes : ndarray of int
        Customer codes in ``0..n_customers-1``.
    days : ndarray of int
        Purchase day (days since the epoch).
    spend : ndarray of float or None
        Purchase amount.
    n_customers : int
        Number of customer codes.

    Returns
    -------
    dict
        ``n_days`` (distinct purchase days), ``first`` and ``last`` day, ``first_spend``
        (total spent on the first day) and ``total_spend``; customers without rows get
        ``n_days == 0``; and ``log_gap_sum``, the sum over consecutive purchase days of the
        log of the gap between them in days (0 for fewer than two days), from which
        :func:`rfm_summary` forms ``sum_log_interpurchase``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.rfm import reduce_customer_days
    >>> out = reduce_customer_days(np.array([0, 0, 0, 1]), np.array([10, 10, 12, 11]),
    ...                            np.array([5.0, 2.0, 3.0, 4.0]), 3)
    >>> out["n_days"].tolist(), out["first_spend"].tolist(), out["total_spend"].tolist()
    ([2, 1, 0], [7.0, 4.0, 0.0], [10.0, 4.0, 0.0])
    """
    n_customers = check_whole_number(n_customers, "n_customers", minimum=0)
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu" or (codes.size and (codes.min() < 0 or codes.max() >= n_customers)):
        raise DataError(f"codes must be integer customer codes in 0..n_customers-1 ({n_customers - 1}); "
                        f"received dtype {codes.dtype} in [{codes.min() if codes.size else ''}, "
                        f"{codes.max() if codes.size else ''}].")
    if np.shape(days) != codes.shape or (spend is not None and np.shape(spend) != codes.shape):
        raise DataError(f"codes, days and spend must have one entry per transaction; received shapes "
                        f"{codes.shape}, {np.shape(days)} and {np.shape(spend) if spend is not None else None}.")
    if spend is not None:
        spend = as_float_array(spend, "spend", allow_empty=True)
    out = {"n_days": np.zeros(n_customers, np.int64), "first": np.zeros(n_customers, np.int64),
           "last": np.zeros(n_customers, np.int64), "first_spend": np.zeros(n_customers),
           "total_spend": np.zeros(n_customers), "log_gap_sum": np.zeros(n_customers)}
    if codes.size == 0:
        return out
    d0 = days.min()
    span = int(days.max() - d0 + 1)
    key = codes.astype(np.int64) * span + (days - d0)
    if spend is None:
        skey = np.sort(key)
    else:
        order = np.argsort(key, kind="stable")
        skey = key[order]
    new_day = np.empty(skey.size, dtype=bool)
    new_day[0] = True
    np.not_equal(skey[1:], skey[:-1], out=new_day[1:])
    starts = np.flatnonzero(new_day)
    ukey = skey[starts]
    ucode = ukey // span
    uday = ukey % span + d0
    n_days = np.bincount(ucode, minlength=n_customers)
    has = n_days > 0
    cust_start = np.concatenate(([0], np.cumsum(n_days)[:-1]))
    cust_end = np.cumsum(n_days) - 1
    out["n_days"] = n_days
    out["log_gap_sum"] = _log_gap_sums(ucode[1:], uday[1:] - uday[:-1], ucode[1:] == ucode[:-1], n_customers)
    out["first"][has] = uday[cust_start[has]]
    out["last"][has] = uday[cust_end[has]]
    if spend is not None:
        day_spend = np.add.reduceat(spend[order], starts)
        out["first_spend"][has] = day_spend[cust_start[has]]
        out["total_spend"] = np.bincount(ucode, weights=day_spend, minlength=n_customers)
    return out


def _log_gap_sums(codes: np.ndarray, gaps: np.ndarray, keep: np.ndarray, n_customers: int) -> np.ndarray:
    """Per customer, the sum of ``log(gaps)`` over the entries with ``keep``, added in the
    order given (the one copy of this sum, shared by :func:`rfm_summary` and
    :func:`custvalue.rfm_files.rfm_summary_from_files` so that both give identical floats).

    Parameters
    ----------
    codes : ndarray of int
        Customer code of each gap.
    gaps : ndarray of int
        Days between consecutive purchase days of that customer (>= 1 where ``keep``).
    keep : ndarray of bool
        Which entries are gaps between two days of one customer.
    n_customers : int
        Number of customer codes.

    Returns
    -------
    numpy.ndarray
        ``Σ log(gap in days)`` per customer (0 without gaps).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.rfm import _log_gap_sums
    >>> _log_gap_sums(np.array([0, 0, 1]), np.array([1, 7, 3]), np.array([True, True, False]), 2).round(4).tolist()
    [1.9459, 0.0]
    """
    return np.bincount(codes[keep], weights=np.log(gaps[keep].astype(np.float64)), minlength=n_customers)


def rfm_summary(transactions: pd.DataFrame, *, customer_col: str, date_col: str,
                monetary_col: str | None = None, freq: str = "W", observation_end: Any = None,
                calibration_end: Any = None, date_format: str | None = None,
                dayfirst: bool | None = None) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer.

    Purchases on the same day are merged into one transaction (their amounts summed).
    Durations are measured in days and divided by the length of ``freq`` (so weeks are
    fractional, as in Fader, Hardie & Lee 2005's CDNOW summary).

    * ``frequency``: number of repeat purchase days (distinct days minus one);
    * ``recency``: time from the first to the last purchase;
    * ``T``: time from the first purchase to the end of the (calibration) period;
    * ``sum_log_interpurchase``: the sum of the logs of the times between consecutive
      purchase days, in the unit ``freq`` (0 without repeats); the statistic of the CNBD-k
      models' regularity (``litt`` in BTYDplus; Platzer & Reutterer 2016, eq. 6);
    * ``monetary_value``: mean value of the repeat purchase days (0 without repeats).

    With ``calibration_end``, the summary covers purchases up to and including that day
    for customers acquired by then, and holdout columns are added: ``frequency_holdout``
    (purchase days in the holdout), ``monetary_value_holdout`` (their mean value) and
    ``duration_holdout`` (length of the holdout period).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    customer_col, date_col : str
        Columns with the customer id and the purchase date (datetime or parseable strings).
    monetary_col : str, optional
        Column with the purchase amount.
    freq : {"D", "W", "M"}, default "W"
        Time unit of recency, T and durations (day, week, month of 365.25/12 days).
    observation_end : date-like, optional
        End of observation (inclusive); later purchases are ignored. Default: last date.
    calibration_end : date-like, optional
        End of the calibration period (inclusive); must lie within the data.
    date_format : str, optional
        ``strftime`` format of ``date_col`` when it holds strings; every value must match it.
    dayfirst : bool, optional
        For string dates whose day and month could be swapped (``02/01/2023``): read them as
        day/month (True) or month/day (False). Without it, ISO dates and formats that the
        column makes unambiguous parse directly; an ambiguous or mixed-format column raises
        a DataError naming example rows (dates are never guessed row by row).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (named ``customer_id``), sorted.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> tx = load_cdnow_sample_transactions()
    >>> s = rfm_summary(tx, customer_col="customer_id", date_col="date", monetary_col="amount",
    ...                 observation_end="1997-09-30")
    >>> s.loc[1, ["frequency", "recency", "T"]].round(2).tolist()
    [2.0, 30.43, 38.86]
    """
    if not isinstance(transactions, pd.DataFrame):
        raise DataError(f"transactions must be a pandas DataFrame; received {type(transactions).__name__}.")
    if freq not in TIME_UNITS:
        raise DataError(f"freq must be one of {sorted(TIME_UNITS)}; received {freq!r}.")
    if len(transactions) == 0:
        raise DataError("transactions is empty; at least one purchase is required.")
    index = transactions.index
    cust = _column(transactions, customer_col, "customer_col")
    days = _days(_column(transactions, date_col, "date_col"), f"date_col {date_col!r}", index,
                 date_format, dayfirst)
    spend = None
    if monetary_col is not None:
        raw = _column(transactions, monetary_col, "monetary_col")
        spend = as_float_array(raw, f"monetary_col {monetary_col!r}", index=index)
    unit = TIME_UNITS[freq]
    end = int(days.max()) if observation_end is None else _as_day(observation_end, "observation_end")
    if end < days.min():
        raise DataError(f"observation_end {observation_end!r} is before the first purchase "
                        f"({np.datetime64(int(days.min()), 'D')}).")
    keep = days <= end
    codes_all, labels = pd.factorize(cust, sort=True)
    codes, days_k = codes_all[keep], days[keep]
    spend_k = spend[keep] if spend is not None else None
    cal = end if calibration_end is None else _as_day(calibration_end, "calibration_end")
    if calibration_end is not None and not (days_k.min() <= cal < end):
        raise DataError(
            f"calibration_end must lie within the data, on or after the first purchase "
            f"({np.datetime64(int(days_k.min()), 'D')}) and before observation_end "
            f"({np.datetime64(end, 'D')}); received {calibration_end!r}.")
    in_cal = days_k <= cal
    red = reduce_customer_days(codes[in_cal], days_k[in_cal], None if spend_k is None else spend_k[in_cal],
                               len(labels))
    acquired = red["n_days"] > 0
    freq_ = (red["n_days"] - 1)[acquired]
    out = pd.DataFrame({
        "frequency": freq_,
        "recency": (red["last"] - red["first"])[acquired] / unit,
        "T": (cal - red["first"])[acquired] / unit,
        "sum_log_interpurchase": red["log_gap_sum"][acquired] - freq_ * np.log(unit),
    }, index=pd.Index(labels[acquired], name="customer_id"))
    if spend is not None:
        rep = (red["total_spend"] - red["first_spend"])[acquired]
        out["monetary_value"] = np.divide(rep, freq_, out=np.zeros_like(rep), where=freq_ > 0)
    if calibration_end is not None:
        hold = ~in_cal
        rh = reduce_customer_days(codes[hold], days_k[hold], None if spend_k is None else spend_k[hold],
                                  len(labels))
        fh = rh["n_days"][acquired]
        out["frequency_holdout"] = fh
        if spend is not None:
            tot = rh["total_spend"][acquired]
            out["monetary_value_holdout"] = np.divide(tot, fh, out=np.zeros_like(tot), where=fh > 0)
        out["duration_holdout"] = (end - cal) / unit
    return out
