"""A transaction log turned into a panel of recency classes (Pfeifer & Carraway 2000, sec. 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._validation import as_period, check_not_missing, check_period_freq, check_whole_number, parse_dates, require_frame
from ..exceptions import DataError

__all__ = ["recency_states"]


# --------------------------------------------------------------------------------------
# transaction log -> recency classes
# --------------------------------------------------------------------------------------
@renamed_arguments(customer_id="customer_col", datetime="date_col", freq="period_alias")
def recency_states(transactions: pd.DataFrame, *, customer_col: str = "customer_id",
                   date_col: str = "date", period_alias: str = "M", n_classes: int = 5,
                   start: Any = None, end: Any = None, date_format: str | None = None,
                   dayfirst: bool | None = None) -> pd.DataFrame:
    """Turn a transaction log into a panel of recency classes (Pfeifer & Carraway 2000, sec. 4).

    In each period a customer's state is the number of periods since the last purchase:
    ``0`` = bought this period, ``1`` = bought last period, ..., ``n_classes - 1`` = that many
    periods or more (an absorbing-ish "lapsed" class).  Periods before a customer's first
    purchase are missing (``<NA>``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction with a customer-id column and a date column.
    customer_col, date_col : str, default "customer_id", "date"
        Column names of the customer id and the transaction date.
    period_alias : str, default "M"
        Period length, a pandas period alias ("D", "W", "M", "Q", "Y").
    n_classes : int, default 5
        Number of recency classes (>= 2).
    start, end : date-like, optional
        First and last period of the panel (default: the span of the log).
    date_format, dayfirst : optional
        How string dates are read, as in :func:`custvalue.rfm.rfm_summary` (one format per
        column; an ambiguous or mixed column raises a DataError).

    Returns
    -------
    pandas.DataFrame
        One row per customer (index ``customer_id``), one column per period, nullable
        integer recency classes; feed it to :func:`estimate_transition_matrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.markov import recency_states
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                     "date": pd.to_datetime(["2020-01-05", "2020-03-02", "2020-02-10"])})
    >>> recency_states(log, n_classes=3).to_numpy().tolist()
    [[0, 1, 0], [<NA>, 0, 1]]
    """
    require_frame(transactions, "transactions", (customer_col, date_col))
    n_classes = check_whole_number(n_classes, "n_classes", minimum=2)
    freq = check_period_freq(period_alias, "period_alias")
    dates, _ = parse_dates(transactions[date_col], f"date_col column {date_col!r}",
                           date_format=date_format, dayfirst=dayfirst)
    check_not_missing(transactions[customer_col], f"customer_col column {customer_col!r}")
    per = dates.dt.to_period(freq)
    p0 = per.min() if start is None else as_period(start, freq, "start")
    p1 = per.max() if end is None else as_period(end, freq, "end")
    if p1 < p0:
        raise DataError(f"end ({p1}) must not precede start ({p0}).")
    ordinal = per.array.asi8 - p0.ordinal
    n_per = p1.ordinal - p0.ordinal + 1
    keep = (ordinal >= 0) & (ordinal < n_per)
    cust, custs = pd.factorize(transactions[customer_col].to_numpy()[keep], sort=True)
    ordinal = ordinal[keep]
    bought = np.zeros((len(custs), n_per), dtype=bool)
    bought[cust, ordinal] = True
    t = np.arange(n_per)
    last = np.where(bought, t[None, :], -1)
    last = np.maximum.accumulate(last, axis=1)  # loop-free running "last purchase period"
    rec = np.minimum(t[None, :] - last, n_classes - 1)
    out = pd.DataFrame(rec, index=pd.Index(custs, name="customer_id"),
                       columns=pd.period_range(p0, p1, freq=freq, name="period")).astype("Int64")
    return out.mask(last < 0)
