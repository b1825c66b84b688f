"""Aggregate (cohort) forecasts of repeat transactions with staggered customer births."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_timestamp, check_not_missing, parse_dates, require_frame
from ._uncertainty import check_interval, interval_of

__all__ = ["cohort_repeat_transactions", "actual_repeat_transactions"]


def cohort_repeat_transactions(results: Any, first_purchase: Any, times: Any, *, interval: str | None = None,
                               level: float = 0.95, n_draws: int = 200, seed: Any = None, executor: Any = None,
                               progress: Any = False) -> pd.DataFrame:
    """Expected cumulative and incremental repeat transactions of a cohort over calendar time.

    Each customer i, acquired at time ``b_i``, contributes ``E[X(t - b_i)]`` (the model's
    unconditional expectation for a new customer) at calendar time ``t > b_i``
    (Fader, Hardie & Lee 2005, section 4, "tracking plots").  Customers are grouped by
    acquisition time, so the cost is (number of times) x (distinct acquisition times).

    Parameters
    ----------
    results : fitted purchase-count results
        Any results with ``expected_purchases_new_customer(horizon)``.
    first_purchase : array-like
        Acquisition time of each customer, in model time units from a common origin.
    times : array-like
        Calendar times (same origin and units) at which to evaluate the forecast.
    interval : {None, "delta", "simulate", "bootstrap"}, default None
        An interval of the *expected* cumulative repeat transactions from the parameters'
        sampling uncertainty (log scale for the delta method; see
        :meth:`custvalue.clv.BetaGeoResults.p_alive`); it does not include the Poisson-like
        spread of the realised count around its expectation.
    level : float, default 0.95
        Confidence level of the interval.
    n_draws : int, default 200
        Parameter draws for ``"simulate"``, resamples for ``"bootstrap"``.
    seed : int or numpy.random.Generator, optional
        Random seed for ``"simulate"`` and ``"bootstrap"``.
    executor : concurrent.futures.Executor, optional
        Runs the bootstrap refits (``executor.map``).
    progress : bool or callable, default False
        Progress of the bootstrap refits.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time`` with columns ``cumulative`` and ``incremental``; with
        ``interval``, also ``cumulative_lower`` and ``cumulative_upper``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> d = load_cdnow_summary()
    >>> res = BetaGeo().fit(d)
    >>> f = cohort_repeat_transactions(res, 38.86 - d["T"], [39, 78])
    >>> int(f["cumulative"].round().iloc[0])  # the sample made 2,457 repeat purchases by week 39
    2501
    """
    interval, level, n_draws = check_interval(interval, level, n_draws, executor, progress, seed)
    b = as_float_array(first_purchase, "first_purchase")
    t = as_float_array(times, "times")
    births, counts = np.unique(b, return_counts=True)
    age = t[:, None] - births[None, :]
    pos = age > 0
    ages = np.where(pos, age, 0.0)
    flat = np.asarray(results.expected_purchases_new_customer(ages.ravel()), dtype=float).reshape(ages.shape)
    cum = (np.where(pos, flat, 0.0) * counts[None, :]).sum(axis=1)
    order = np.argsort(t, kind="stable")
    inc = np.empty_like(cum)
    inc[order] = np.diff(cum[order], prepend=0.0)
    out = pd.DataFrame({"cumulative": cum, "incremental": inc}, index=pd.Index(t, name="time"))
    if interval is not None:
        kernel = results.kernel

        def cumulative(theta: Any, rows: slice) -> np.ndarray:
            vals = kernel.expected_purchases_new_customer(ages[rows].ravel(), *theta).reshape(ages[rows].shape)
            return (np.where(pos[rows], vals, 0.0) * counts[None, :]).sum(axis=1)

        frame = interval_of([results], cumulative, t.size, out.index, interval=interval, level=level, scale="log",
                            n_draws=n_draws, seed=seed, executor=executor, progress=progress)
        out["cumulative_lower"] = frame["lower"].to_numpy()
        out["cumulative_upper"] = frame["upper"].to_numpy()
        out.attrs.update(frame.attrs)
    return out


def actual_repeat_transactions(transactions: pd.DataFrame, *, customer_col: str, date_col: str,
                               origin: Any, times: Any, freq: str = "W",
                               date_format: str | None = None,
                               dayfirst: bool | None = None) -> pd.DataFrame:
    """Observed cumulative and incremental repeat transactions of a cohort over calendar time,
    the counterpart of :func:`cohort_repeat_transactions` for holdout tracking plots.

    Transactions of a customer on the same day count once (as in Fader, Hardie & Lee 2005);
    the first day of each customer is the trial purchase, every later day a repeat
    transaction.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transaction log.
    customer_col, date_col : str
        Columns with the customer id and the transaction date.
    origin : date-like
        Calendar origin of ``times`` (e.g. the cohort's first day).
    times : array-like
        Calendar times (in units of ``freq`` since ``origin``) at which to count.
    freq : {"D", "W", "M"}, default "W"
        Unit of ``times``: day, week or month (365.25/12 days, as in
        :func:`custvalue.rfm_summary`).
    date_format, dayfirst : optional
        How string dates are read, as in :func:`custvalue.rfm.rfm_summary` (one format per
        column; an ambiguous or mixed column raises a DataError).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time`` with columns ``cumulative`` and ``incremental``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> tx = load_cdnow_sample_transactions()
    >>> a = actual_repeat_transactions(tx, customer_col="customer_id", date_col="date",
    ...                                origin="1997-01-01", times=[39, 78])
    >>> int(a["cumulative"].iloc[0])    # FHL 2005: 2,457 repeat purchases in weeks 1-39
    2457
    """
    from ..units import DAYS_PER_UNIT as unit  # as in rfm_summary (M = 365.25/12 days)

    if freq not in unit:
        from ..exceptions import DataError
        raise DataError(f"freq must be one of {sorted(unit)}; received {freq!r}.")
    t = as_float_array(times, "times")
    require_frame(transactions, "transactions", (customer_col, date_col))
    dates, _ = parse_dates(transactions[date_col], f"date_col {date_col!r}",
                           date_format=date_format, dayfirst=dayfirst)
    check_not_missing(transactions[customer_col], f"customer_col {customer_col!r}")
    day = (dates - as_timestamp(origin, "origin")).dt.days.to_numpy()
    cust = pd.factorize(transactions[customer_col])[0]
    pairs = np.unique(np.stack([cust, day], axis=1), axis=0)       # one row per customer-day
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]             # each customer's trial day
    repeat_days = np.sort(pairs[~first, 1]).astype(float)
    # a transaction on day k (0 = origin) happened by time (k + 1) / unit
    cum = np.searchsorted(repeat_days + 1.0, t * unit[freq], side="right").astype(float)
    order = np.argsort(t, kind="stable")
    inc = np.empty_like(cum)
    inc[order] = np.diff(cum[order], prepend=0.0)
    return pd.DataFrame({"cumulative": cum, "incremental": inc}, index=pd.Index(t, name="time"))
