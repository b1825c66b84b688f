"""The numbers behind the model-checking pictures of a fitted purchase-count model.

Each function returns the DataFrame that the matching ``custvalue.plotting.plot_*`` function
draws, so a figure can always be checked, tabulated or redrawn: the repeat-purchase histogram
of the calibration period (actual against model), the holdout purchases by calibration
frequency and by recency, cohort tracking, frequency-recency matrices of P(alive) and of
expected purchases, one customer's P(alive) through time, and the fitted heterogeneity
densities (Fader, Hardie & Lee 2005, *Marketing Science* 24(2), figures 2-5); and, for the
contractual sBG model, a cohort's survival and retention against the data (Fader & Hardie
2007, *Journal of Interactive Marketing* 21(1), figures 2-3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import (align_to_index, as_float_array, as_timestamp, check_counts, check_positive_scalar,
                           check_weights, check_whole_number, describe_rows, parse_dates)
from ..exceptions import DataError
from ..units import DAYS_PER_UNIT
from .forecast import cohort_repeat_transactions

__all__ = ["repeat_purchase_histogram", "holdout_by_frequency", "holdout_by_recency", "tracking_table",
           "frequency_recency_matrix", "p_alive_history", "heterogeneity_density", "retention_table",
           "p_alive_by_pattern"]


# -- shared checks ---------------------------------------------------------------------------
def _check_results(results: Any, *needed: str) -> None:
    missing = [m for m in ("model", "params", *needed) if not hasattr(results, m)]
    if missing:
        raise DataError(f"results must be a fitted purchase-count model (BetaGeo, ModifiedBetaGeo, ParetoNBD, "
                        f"BetaGeoBetaBinom ... .fit(...)); received {type(results).__name__} "
                        f"(no {', '.join(missing)}).")


def _continuous(results: Any, what: str) -> None:
    if getattr(results, "discrete", False):
        raise DataError(f"results must be a continuous-time model (BG/NBD, MBG/NBD, Pareto/NBD) for {what}; "
                        f"received the discrete-time {type(results.model).__name__}.")


def _customers(results: Any, data: Any) -> tuple[list[np.ndarray], pd.Index]:
    """The model's columns of ``data`` (frequency, recency, T or n_periods), validated."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame (one row per customer); received {type(data).__name__}.")
    if data.empty:
        raise DataError("data holds no customer (0 rows).")
    cls = type(results.model)
    arrays, index = cls.validate(data)
    return [arrays[c] for c in cls.data_columns], data.index


def _bin_labels(max_frequency: int) -> pd.Index:
    return pd.Index([str(i) for i in range(max_frequency)] + [f"{max_frequency}+"], name="frequency")


def _holdout_column(data: pd.DataFrame, value: Any, name: str, default: str) -> np.ndarray | None:
    if value is None:
        if default not in data:
            return None
        value = data[default]
    elif isinstance(value, str):
        if value not in data:
            raise DataError(f"{name}={value!r} is not a column of data; columns: {list(data.columns)}.")
        value = data[value]
    value = align_to_index(value, name, data.index)
    if np.ndim(value) == 0:
        value = np.full(len(data), value)
    arr = as_float_array(value, name, index=data.index)
    if arr.shape[0] != len(data):
        raise DataError(f"{name} must have one value per customer ({len(data)}); received {arr.shape[0]}.")
    return arr


def _holdout_arrays(data: pd.DataFrame, holdout: Any, duration: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Each customer's holdout purchases and holdout length, checked (None without a holdout).

    Parameters
    ----------
    data : pandas.DataFrame
        The calibration summary, one row per customer.
    holdout : str or array-like, optional
        Holdout purchases (a column of ``data`` or values aligned with it); default the
        ``frequency_holdout`` column when present.
    duration : float, str or array-like, optional
        Holdout length in the model's time unit; default the ``duration_holdout`` column.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(actual, duration)``, or None when there is no holdout.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"frequency": [1, 0], "recency": [2.0, 0.0], "T": [5.0, 5.0]})
    >>> actual, span = _holdout_arrays(d, [2, 0], 39.0)
    >>> actual.tolist(), span.tolist()
    ([2.0, 0.0], [39.0, 39.0])
    """
    actual = _holdout_column(data, holdout, "holdout", "frequency_holdout")
    if actual is None:
        return None
    check_counts(actual, "holdout", data.index)
    span = _holdout_column(data, duration, "duration", "duration_holdout")
    if span is None:
        raise DataError("duration (the length of the holdout period) is required with a holdout; pass "
                        "duration= or a 'duration_holdout' column.")
    if (span <= 0).any():
        raise DataError("duration must be > 0; " + describe_rows(span <= 0, data.index))
    return actual, span


def _holdout_forecast(results: Any, data: pd.DataFrame, duration: np.ndarray) -> np.ndarray:
    """Each customer's conditional expected purchases over their own holdout length.

    One prediction grid over the distinct lengths (usually one), so the cost does not grow
    with the number of customers times the number of lengths.

    Parameters
    ----------
    results : fitted purchase-count results
        With ``expected_purchases(data, horizon=)``.
    data : pandas.DataFrame
        The calibration summary.
    duration : numpy.ndarray
        Holdout length of each customer (model time unit).

    Returns
    -------
    numpy.ndarray
        ``E[Y(duration_i) | history_i]`` per customer (FHL 2005, eq. 10 for the BG/NBD).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> d = load_cdnow_summary().head(3)
    >>> e = _holdout_forecast(BetaGeo().fit(load_cdnow_summary()), d, np.full(3, 39.0))
    >>> e.shape
    (3,)
    """
    lengths, inverse = np.unique(duration, return_inverse=True)
    grid = np.asarray(results.expected_purchases(data, horizon=lengths), dtype=float)
    return grid[np.arange(len(duration)), inverse.reshape(-1)]


# -- calibration: the repeat-purchase histogram ----------------------------------------------
def repeat_purchase_histogram(results: Any, data: pd.DataFrame, *, max_frequency: int = 7,
                              weights: Any = None) -> pd.DataFrame:
    """Customers by number of repeat purchases in the calibration period, actual and model.

    The model column is ``Σ_i P(X(T_i) = n)``: each customer's probability, as a newly
    acquired customer observed for their own age ``T_i`` (or ``n_periods`` opportunities),
    of making ``n`` repeat purchases (FHL 2005, eq. 8 and figure 2; Pareto/NBD: Fader, Hardie
    & Lee 2006 note; BG/BB: Fader, Hardie & Shang 2010, eq. 7), summed over customers. The
    last bin, ``"max_frequency+"``, is censored: it holds every customer with at least
    ``max_frequency`` repeat purchases, and its model count is the number of customers minus
    the other bins, so both columns add up to the number of customers.

    Parameters
    ----------
    results : fitted purchase-count results
        E.g. ``BetaGeo().fit(data)``.
    data : pandas.DataFrame
        The calibration summary (``frequency``, ``recency``, ``T``; ``n_periods`` for BG/BB).
    max_frequency : int, default 7
        The censored last bin.
    weights : array-like, optional
        Number of customers each row stands for (compressed data such as
        :func:`custvalue.datasets.load_donations`); default one per row.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (``"0"``, ..., ``"7+"``), columns ``actual`` and ``model``
        (numbers of customers).

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> d = load_cdnow_summary()
    >>> h = repeat_purchase_histogram(BetaGeo().fit(d), d)
    >>> h.round(0).astype(int).T
    frequency     0    1    2    3   4   5   6  7+
    actual     1411  439  214  100  62  38  29  64
    model      1408  460  192  101  60  38  26  72
    """
    _check_results(results)
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=1)
    (x, _, age), index = _customers(results, data)
    w = check_weights(weights, x.size, index)
    actual = np.bincount(np.minimum(x, max_frequency).astype(np.int64), weights=w, minlength=max_frequency + 1)
    ages, inverse = np.unique(age, return_inverse=True)
    n_customers = np.bincount(inverse.reshape(-1), weights=w)
    probs = results.kernel.probability_of_purchases(np.arange(max_frequency, dtype=float)[None, :],
                                                    ages[:, None], *results.params.to_numpy())
    model = np.empty(max_frequency + 1)
    model[:-1] = n_customers @ probs
    model[-1] = w.sum() - model[:-1].sum()
    return pd.DataFrame({"actual": actual, "model": model}, index=_bin_labels(max_frequency))


# -- holdout: conditional expectations ---------------------------------------------------------
def _group_means(groups: np.ndarray, n_groups: int, actual: np.ndarray, model: np.ndarray) -> pd.DataFrame:
    count = np.bincount(groups, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"customers": count,
                             "actual": np.bincount(groups, weights=actual, minlength=n_groups) / count,
                             "model": np.bincount(groups, weights=model, minlength=n_groups) / count})


def _holdout(results: Any, data: Any, holdout: Any, duration: Any):
    _check_results(results, "expected_purchases")
    cols, _ = _customers(results, data)
    pair = _holdout_arrays(data, holdout, duration)
    if pair is None:
        raise DataError("holdout (each customer's purchases in the holdout period) is required: pass holdout= "
                        "or a 'frequency_holdout' column.")
    actual, span = pair
    return cols, actual, _holdout_forecast(results, data, span)


def holdout_by_frequency(results: Any, data: pd.DataFrame, *, holdout: Any = None, duration: Any = None,
                         max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual and model.

    Customers are grouped by their number of repeat purchases in the calibration period (the
    last group, ``"max_frequency+"``, holds every customer with at least ``max_frequency``);
    within each group, the mean of the purchases they made in the holdout is set against the
    mean of the model's conditional expectation ``E[Y(duration) | frequency, recency, T]``
    (FHL 2005, eq. 10 and figure 4).

    Parameters
    ----------
    results : fitted purchase-count results
    data : pandas.DataFrame
        The calibration summary the model was fitted on.
    holdout : str or array-like, optional
        Purchases of each customer in the holdout period (a column of ``data`` or values
        aligned with it); default the ``frequency_holdout`` column.
    duration : float, str or array-like, optional
        Length of the holdout period, in the time unit of ``recency`` and ``T``; default the
        ``duration_holdout`` column.
    max_frequency : int, default 7
        The censored last group.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (``"0"``, ..., ``"7+"``); columns ``customers``, ``actual`` and
        ``model`` (mean holdout purchases per customer). Groups without a customer are left
        out.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> from custvalue.clv import BetaGeo
    >>> cal = rfm_summary(load_cdnow_sample_transactions(), customer_col="customer_id", date_col="date",
    ...                   calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> t = holdout_by_frequency(BetaGeo().fit(cal), cal)
    >>> int(t.loc["0", "customers"]), round(float(t.loc["0", "actual"]), 3)
    (1411, 0.237)
    """
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=1)
    (x, _, _), actual, model = _holdout(results, data, holdout, duration)
    groups = np.minimum(x, max_frequency).astype(np.int64)
    out = _group_means(groups, max_frequency + 1, actual, model).set_axis(_bin_labels(max_frequency))
    return out[out["customers"] > 0]


def holdout_by_recency(results: Any, data: pd.DataFrame, *, holdout: Any = None, duration: Any = None,
                       bins: int = 10) -> pd.DataFrame:
    """Mean holdout purchases by calibration recency (equal-width bins), actual and model.

    Recency (the age at the last purchase) is cut into ``bins`` equal-width intervals from 0
    to the largest ``T`` (each closed on the left; the last also on the right). Customers
    without a repeat purchase have recency 0 and fall in the first bin, as in BTYD's
    ``PlotRecVsConditionalExpectedFrequency``. Within each bin, the mean holdout purchases
    are set against the mean conditional expectation (FHL 2005, eq. 10).

    Parameters
    ----------
    results : fitted purchase-count results
    data : pandas.DataFrame
        The calibration summary the model was fitted on.
    holdout : str or array-like, optional
        As in :func:`holdout_by_frequency`.
    duration : float, str or array-like, optional
        As in :func:`holdout_by_frequency`.
    bins : int, default 10
        Number of recency intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``recency`` (a left-closed :class:`pandas.IntervalIndex`); columns
        ``customers``, ``actual`` and ``model``. Empty bins are left out.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> from custvalue.clv import BetaGeo
    >>> cal = rfm_summary(load_cdnow_sample_transactions(), customer_col="customer_id", date_col="date",
    ...                   calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> t = holdout_by_recency(BetaGeo().fit(cal), cal, bins=4)
    >>> int(t["customers"].sum())
    2357
    """
    bins = check_whole_number(bins, "bins", minimum=1)
    (_, recency, age), actual, model = _holdout(results, data, holdout, duration)
    edges = np.linspace(0.0, float(age.max()), bins + 1)
    groups = np.clip(np.searchsorted(edges, recency, side="right") - 1, 0, bins - 1)
    out = _group_means(groups, bins, actual, model)
    out.index = pd.IntervalIndex.from_breaks(edges, closed="left", name="recency")
    return out[out["customers"] > 0]


# -- calendar time: cohort tracking ------------------------------------------------------------
def tracking_table(results: Any, actual: pd.DataFrame, *, first_purchase: Any) -> pd.DataFrame:
    """Actual against expected repeat transactions of a cohort, cumulative and per period.

    The model's numbers are :func:`~custvalue.clv.cohort_repeat_transactions` (each customer
    contributes the new-customer expectation ``E[X(t - b_i)]`` from their acquisition time
    ``b_i``; FHL 2005, section 4) at the times of ``actual``.

    Parameters
    ----------
    results : fitted purchase-count results
        With ``expected_purchases_new_customer``.
    actual : pandas.DataFrame
        Observed repeat transactions indexed by time with a ``cumulative`` column, e.g.
        :func:`~custvalue.clv.actual_repeat_transactions` over weeks 1, 2, ..., 78.
    first_purchase : array-like
        Acquisition time of each customer (same time unit and origin as ``actual``'s index).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time``: ``actual_cumulative``, ``model_cumulative``,
        ``actual_incremental`` and ``model_incremental`` (repeat transactions in the period
        ending at that time).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.datasets import load_cdnow_sample_transactions, load_cdnow_summary
    >>> from custvalue.clv import BetaGeo, actual_repeat_transactions
    >>> d = load_cdnow_summary()
    >>> a = actual_repeat_transactions(load_cdnow_sample_transactions(), customer_col="customer_id",
    ...                                date_col="date", origin="1997-01-01", times=range(1, 79))
    >>> t = tracking_table(BetaGeo().fit(d), a, first_purchase=38.86 - d["T"])
    >>> t.loc[78.0, ["actual_cumulative", "model_cumulative"]].round(0).tolist()
    [4339.0, 4166.0]
    """
    _check_results(results, "expected_purchases_new_customer")
    if not isinstance(actual, pd.DataFrame) or "cumulative" not in actual:
        raise DataError("actual must be a DataFrame indexed by time with a 'cumulative' column (e.g. from "
                        f"actual_repeat_transactions); received {type(actual).__name__}.")
    if actual.empty:
        raise DataError("actual holds no time (0 rows).")
    times = as_float_array(actual.index.to_numpy(), "actual's index (time)")
    observed = as_float_array(actual["cumulative"], "actual['cumulative']")
    births = as_float_array(first_purchase, "first_purchase")
    model = cohort_repeat_transactions(results, births, times)
    order = np.argsort(times, kind="stable")
    inc = np.empty_like(observed)
    inc[order] = np.diff(observed[order], prepend=0.0)
    return pd.DataFrame({"actual_cumulative": observed, "model_cumulative": model["cumulative"].to_numpy(),
                         "actual_incremental": inc, "model_incremental": model["incremental"].to_numpy()},
                        index=pd.Index(times, name="time"))


# -- frequency x recency -----------------------------------------------------------------------
_WHICH_MATRIX = ("p_alive", "expected_purchases")


def frequency_recency_matrix(results: Any, *, T: float, which: str = "p_alive", horizon: float | None = None,
                             max_frequency: int = 20, n_points: int = 40) -> pd.DataFrame:
    """P(alive) or conditional expected purchases over a frequency x recency grid.

    For a customer of age ``T``: rows are frequencies ``0..max_frequency``, columns
    ``n_points`` recencies from 0 to ``T``. A customer without a repeat purchase has recency
    0 by definition, so the frequency-0 row repeats its one value (FHL 2005, figures 5-6).

    Parameters
    ----------
    results : fitted continuous-time purchase-count results
        BG/NBD, MBG/NBD or Pareto/NBD.
    T : float
        Customer age.
    which : {"p_alive", "expected_purchases"}, default "p_alive"
        The prediction in each cell.
    horizon : float, optional
        Length of the future period, required with ``which="expected_purchases"``.
    max_frequency : int, default 20
        Largest frequency (row).
    n_points : int, default 40
        Number of recencies (columns).

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0..max_frequency), columns ``recency``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> m = frequency_recency_matrix(BetaGeo().fit(load_cdnow_summary()), T=38.86, max_frequency=3, n_points=3)
    >>> m.round(3)
    recency    0.00   19.43  38.86
    frequency
    0          1.000  1.000  1.000
    1          0.152  0.593  0.754
    2          0.025  0.532  0.812
    3          0.003  0.447  0.848
    """
    _check_results(results, "p_alive", "expected_purchases")
    _continuous(results, "the frequency-recency matrix")
    T = check_positive_scalar(T, "T")
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=0)
    n_points = check_whole_number(n_points, "n_points", minimum=2)
    if which not in _WHICH_MATRIX:
        raise DataError(f"which must be one of {_WHICH_MATRIX}; received {which!r}.")
    if which == "expected_purchases":
        if horizon is None:
            raise DataError("horizon (the length of the future period) is required with which='expected_purchases'.")
        horizon = check_positive_scalar(horizon, "horizon")
    f = np.arange(max_frequency + 1, dtype=float)
    rec = np.linspace(0.0, T, n_points)
    F, R = np.meshgrid(f, rec, indexing="ij")
    R = np.where(F == 0, 0.0, R)
    cols = {"frequency": F.ravel(), "recency": R.ravel(), "T": np.full(F.size, T)}
    vals = (results.p_alive(**cols) if which == "p_alive"
            else results.expected_purchases(**cols, horizon=horizon)).to_numpy()
    return pd.DataFrame(vals.reshape(F.shape), index=pd.Index(f.astype(np.int64), name="frequency"),
                        columns=pd.Index(rec, name="recency"))


# -- one customer through time -----------------------------------------------------------------
def p_alive_history(results: Any, dates: Any, *, observation_end: Any, freq: str = "W",
                    n_points: int = 200) -> pd.DataFrame:
    """One customer's P(alive) through time, from their transaction dates.

    At each time ``τ`` since the first purchase, the customer's history is what had
    happened by then: ``frequency`` = distinct later purchase days up to ``τ``, ``recency``
    = time of the last of them, ``T = τ``; the model's P(alive | history) is evaluated at
    ``n_points`` equally spaced times up to ``observation_end`` and just before and at each repeat
    purchase (where it jumps back up). Purchases on the same day count once, as in
    :func:`custvalue.rfm_summary`. At ``τ = 0`` (the first purchase) P(alive) is 1.

    Parameters
    ----------
    results : fitted continuous-time purchase-count results
        Fitted in the time unit ``freq``.
    dates : array-like of dates
        The customer's transaction dates (datetimes or ISO strings).
    observation_end : date-like
        Last date observed; later transactions are ignored.
    freq : {"D", "W", "M"}, default "W"
        The model's time unit.
    n_points : int, default 200
        Number of equally spaced times.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time`` (in units of ``freq`` since the first purchase, increasing;
        a purchase time appears twice: just before it and after it), columns ``frequency``,
        ``recency``, ``T`` and ``p_alive``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> h = p_alive_history(res, ["1997-01-01", "1997-01-18", "1997-08-02"], observation_end="1997-09-30", n_points=5)
    >>> h.tail(2).round(3).to_numpy().tolist()   # at the last purchase, and at the end
    [[2.0, 30.429, 30.429, 0.812], [2.0, 30.429, 38.857, 0.727]]
    """
    _check_results(results, "p_alive")
    _continuous(results, "a P(alive) history")
    if freq not in DAYS_PER_UNIT:
        raise DataError(f"freq must be one of {sorted(DAYS_PER_UNIT)}; received {freq!r}.")
    n_points = check_whole_number(n_points, "n_points", minimum=2)
    values = (dates.reset_index(drop=True) if isinstance(dates, pd.Series)
              else pd.Series(np.atleast_1d(np.asarray(dates, dtype=object))))
    parsed, _ = parse_dates(values, "dates")
    if parsed.empty:
        raise DataError("dates holds no transaction (0 dates).")
    last_day = as_timestamp(observation_end, "observation_end").normalize().to_datetime64()
    days = np.unique(parsed.dt.normalize().to_numpy())
    days = days[days <= last_day]
    if days.size == 0:
        raise DataError(f"dates holds no transaction on or before observation_end ({pd.Timestamp(last_day).date()}).")
    unit = DAYS_PER_UNIT[freq]
    purchases = (days - days[0]) / np.timedelta64(1, "D") / unit          # first at 0
    horizon = (last_day - days[0]) / np.timedelta64(1, "D") / unit
    repeat = purchases[1:]
    grid = np.linspace(0.0, horizon, n_points)
    times = np.concatenate([grid, repeat, repeat])
    before = np.concatenate([np.zeros(n_points, bool), np.ones(repeat.size, bool), np.zeros(repeat.size, bool)])
    order = np.lexsort((~before, times))       # at a purchase time, "just before" comes first
    times, before = times[order], before[order]
    side = np.where(before, 0, 1)
    n_by = np.where(side == 1, np.searchsorted(repeat, times, side="right"),
                    np.searchsorted(repeat, times, side="left"))
    recency = np.where(n_by > 0, repeat[np.maximum(n_by - 1, 0)] if repeat.size else 0.0, 0.0)
    p = np.ones(times.size)
    alive = times > 0
    if alive.any():
        p[alive] = results.p_alive(frequency=n_by[alive].astype(float), recency=recency[alive],
                                   T=times[alive]).to_numpy()
    return pd.DataFrame({"frequency": n_by.astype(float), "recency": recency, "T": times, "p_alive": p},
                        index=pd.Index(times, name="time"))


# -- heterogeneity -----------------------------------------------------------------------------
#: (parameters, distribution, latent quantity and its unit) of each mixing distribution.
_MIXING = {
    "purchase": (("r", "alpha", "gamma", "purchase rate λ (purchases per time unit)"),
                 ("alpha", "beta", "beta", "transaction probability p (per opportunity)")),
    "dropout": (("a", "b", "beta", "dropout probability p (after each purchase)"),
                ("s", "beta", "gamma", "dropout rate μ (per time unit)"),
                ("gamma", "delta", "beta", "dropout probability θ (per opportunity)")),
}


def heterogeneity_density(results: Any, *, which: str = "purchase", n_points: int = 200) -> pd.DataFrame:
    """Density of the fitted mixing distribution of the purchase or the dropout process.

    The BTYD models let each customer have their own latent rates: Gamma(r, α) purchase
    rates λ (BG/NBD, MBG/NBD, Pareto/NBD; density ``α^r λ^(r-1) e^(-αλ) / Γ(r)``), Beta(a,
    b) dropout probabilities p (BG/NBD, MBG/NBD), Gamma(s, β) dropout rates μ (Pareto/NBD),
    and for the BG/BB Beta(α, β) transaction and Beta(γ, δ) dropout probabilities
    (FHL 2005, section 2; Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Shang 2010).

    A Gamma density is drawn on ``n_points`` equally spaced points of ``(0, q]``, ``q`` its
    99th percentile; a Beta density on ``n_points`` interior points of ``(0, 1)``. With a
    shape below 1 the density is unbounded at 0.

    Parameters
    ----------
    results : fitted purchase-count results
    which : {"purchase", "dropout"}, default "purchase"
        The process whose heterogeneity is drawn.
    n_points : int, default 200
        Number of points.

    Returns
    -------
    pandas.DataFrame
        Indexed by the latent value (index name: the quantity and its unit), column
        ``density``; ``attrs["distribution"]`` names the distribution and its parameters.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> h = heterogeneity_density(BetaGeo().fit(load_cdnow_summary()), which="dropout", n_points=3)
    >>> h.attrs["distribution"], h.index.name
    ('Beta(a=0.793, b=2.426)', 'dropout probability p (after each purchase)')
    >>> h["density"].round(3).tolist()
    [1.474, 0.716, 0.245]
    """
    _check_results(results)
    n_points = check_whole_number(n_points, "n_points", minimum=2)
    if which not in _MIXING:
        raise DataError(f"which must be one of {tuple(_MIXING)}; received {which!r}.")
    names = tuple(results.model.param_names)
    declared = names[:2] if which == "purchase" else names[2:4]
    found = [m for m in _MIXING[which] if m[:2] == declared]
    if not found:
        raise DataError(f"results must be a purchase-count model with a known mixing distribution of the "
                        f"{which} process; {type(results.model).__name__} declares the parameters {names}.")
    first, second, family, label = found[0]
    shape, other = float(results.params[first]), float(results.params[second])
    if family == "gamma":
        dist = stats.gamma(shape, scale=1.0 / other)
        x = np.linspace(0.0, dist.ppf(0.99), n_points + 1)[1:]
    else:
        dist = stats.beta(shape, other)
        x = np.linspace(0.0, 1.0, n_points + 2)[1:-1]
    out = pd.DataFrame({"density": dist.pdf(x)}, index=pd.Index(x, name=label))
    out.attrs["distribution"] = f"{family.capitalize()}({first}={shape:.3f}, {second}={other:.3f})"
    return out


def retention_table(results: Any, survivors: Any) -> pd.DataFrame:
    """A cohort's survival and retention, actual against the fitted sBG model (FH07 figs. 2-3).

    Actual survival is ``survivors[t] / survivors[0]`` and actual retention
    ``survivors[t] / survivors[t-1]``; the model's are ``S(t) = B(α, β+t)/B(α, β)`` (FH07
    eq. 7) and ``r_t = (β+t-1)/(α+β+t-1)`` (eq. 8), from
    :meth:`~custvalue.clv.ShiftedBetaGeometricResults.survival` and
    :meth:`~custvalue.clv.ShiftedBetaGeometricResults.retention_rate`.

    Parameters
    ----------
    results : ShiftedBetaGeometricResults
        A fitted sBG model (usually fitted on the first periods of ``survivors``).
    survivors : array-like or pandas.Series
        Customers still active at the start of periods 0, 1, ..., n of one cohort
        (non-increasing; ``survivors[0]`` the cohort size).

    Returns
    -------
    pandas.DataFrame
        Indexed by period ``t`` = 0..n: ``actual_survival``, ``model_survival``,
        ``actual_retention`` and ``model_retention`` (retention NaN at t = 0, where it is not
        defined).

    Examples
    --------
    >>> from custvalue.clv import ShiftedBetaGeometric
    >>> alive = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> table = retention_table(ShiftedBetaGeometric().fit(alive), alive)
    >>> table.loc[7, ["actual_survival", "model_survival"]].round(3).tolist()
    [0.241, 0.239]
    """
    from .sbg import ShiftedBetaGeometricResults, survivors_to_durations

    if not isinstance(results, ShiftedBetaGeometricResults):
        raise DataError(f"results must be a fitted ShiftedBetaGeometric model; received {type(results).__name__}.")
    survivors_to_durations(survivors)  # checks: at least two counts, >= 0, non-increasing, cohort > 0
    index = survivors.index if isinstance(survivors, pd.Series) else None
    s = as_float_array(survivors, "survivors", index=index)
    t = np.arange(s.size)
    model_survival = np.asarray(results.survival(t), dtype=float)
    model_retention = np.full(s.size, np.nan)
    model_retention[1:] = np.asarray(results.retention_rate(t[1:]), dtype=float)
    actual_retention = np.full(s.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        actual_retention[1:] = np.where(s[:-1] > 0, s[1:] / np.where(s[:-1] > 0, s[:-1], 1.0), np.nan)
    return pd.DataFrame({"actual_survival": s / s[0], "model_survival": model_survival,
                         "actual_retention": actual_retention, "model_retention": model_retention},
                        index=pd.Index(t, name="t"))


def p_alive_by_pattern(results: Any, *, n_periods: int) -> pd.DataFrame:
    """BG/BB P(alive) for every purchase pattern of ``n_periods`` opportunities (Fader, Hardie
    & Shang 2010, *Marketing Science* 29(6), figure 5 and eq. 11).

    With discrete opportunities, a customer's history is summarised by the number of
    opportunities with a transaction ``x`` (frequency) and the last such opportunity ``t_x``
    (recency); every pattern with ``0 <= x <= t_x <= n`` and ``t_x = 0`` only when ``x = 0``
    is possible.

    Parameters
    ----------
    results : BetaGeoBetaBinomResults
        A fitted BG/BB model.
    n_periods : int
        Number of opportunities observed (>= 1).

    Returns
    -------
    pandas.DataFrame
        Rows: recency ``t_x`` = 0..n; columns: frequency ``x`` = 0..n; P(alive) after the
        n-th opportunity, NaN for the impossible patterns (``x > t_x``, or ``x > 0`` with
        ``t_x = 0``, or ``x = 0`` with ``t_x > 0``).

    Examples
    --------
    >>> from custvalue.datasets import load_donations
    >>> from custvalue.clv import BetaGeoBetaBinom
    >>> d = load_donations()
    >>> res = BetaGeoBetaBinom().fit(d, weights=d["weights"])
    >>> table = p_alive_by_pattern(res, n_periods=6)
    >>> round(float(table.loc[0, 0]), 3), round(float(table.loc[6, 6]), 3)
    (0.116, 1.0)
    """
    from .bgbb import BetaGeoBetaBinomResults

    if not isinstance(results, BetaGeoBetaBinomResults):
        raise DataError(f"results must be a fitted BetaGeoBetaBinom model; received {type(results).__name__}.")
    n = check_whole_number(n_periods, "n_periods", minimum=1)
    t_x, x = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    possible = ((x == 0) & (t_x == 0)) | ((x >= 1) & (x <= t_x))
    values = np.full(x.shape, np.nan)
    values[possible] = results.p_alive(frequency=x[possible], recency=t_x[possible],
                                       n_periods=np.full(int(possible.sum()), n)).to_numpy()
    return pd.DataFrame(values, index=pd.Index(np.arange(n + 1), name="recency t_x"),
                        columns=pd.Index(np.arange(n + 1), name="frequency x"))
