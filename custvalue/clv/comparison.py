"""Side-by-side comparison of fitted purchase-count models: fit on the calibration period,
forecasts against a holdout period, and the cohort tracking error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, check_counts, describe_rows
from ..exceptions import DataError
from .forecast import cohort_repeat_transactions

__all__ = ["compare_models"]


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


def _holdout_forecast(res: Any, data: pd.DataFrame, span: np.ndarray) -> np.ndarray:
    """Each customer's conditional expected purchases over their own holdout length (one
    prediction grid over the distinct lengths, usually one)."""
    lengths, inverse = np.unique(span, return_inverse=True)
    grid = res.expected_purchases(data, horizon=lengths).to_numpy()
    return grid[np.arange(len(span)), inverse.reshape(-1)]


def compare_models(*results: Any, data: pd.DataFrame, holdout: Any = None, duration: Any = None,
                   names: Sequence[str] | None = None, first_purchase: Any = None,
                   tracking: pd.Series | None = None) -> pd.DataFrame:
    """Compare fitted purchase-count models on one calibration data set and its holdout.

    For each model: the number of parameters ``k``, the maximised log-likelihood ``LL`` of the
    calibration data, ``AIC = 2k - 2 LL`` and ``BIC = k log(n) - 2 LL`` (``n`` customers);
    with a holdout, the error of the conditional forecast of each customer's holdout
    purchases ``E[Y(t) | x, t_x, T]`` (Fader, Hardie & Lee 2005, eq. 10 for the BG/NBD):
    mean absolute error and root mean squared error per customer, and the predicted and
    actual totals; with a tracking series, the mean absolute percentage error of the
    cohort's expected cumulative repeat transactions (:func:`cohort_repeat_transactions`)
    against the actual ones at the series' times (times with no actual transaction yet are
    left out).

    The likelihoods are comparable only when every model was fitted to ``data`` itself.

    Parameters
    ----------
    *results : fitted purchase-count results
        E.g. ``BetaGeo().fit(data)``, ``ModifiedBetaGeo().fit(data)``, ``ParetoNBD().fit(data)``.
    data : pandas.DataFrame
        The calibration summary the models were fitted on (``frequency``, ``recency``, ``T``;
        one row per customer), e.g. :func:`custvalue.rfm_summary` with ``calibration_end``.
    holdout : str or array-like, optional
        Purchases of each customer in the holdout period (a column name of ``data`` or
        values aligned with it). Default: the ``frequency_holdout`` column when present;
        without a holdout the error columns are omitted.
    duration : float, str or array-like, optional
        Length of the holdout period in the time unit of ``recency`` and ``T`` (scalar, a
        column name or one value per customer). Default: the ``duration_holdout`` column.
    names : sequence of str, optional
        Row labels (default: the model class names).
    first_purchase : array-like, optional
        Acquisition time of each customer (same time unit, from the origin of
        ``tracking``); required with ``tracking``.
    tracking : pandas.Series, optional
        Actual cumulative repeat transactions of the cohort indexed by time, e.g.
        ``actual_repeat_transactions(...)["cumulative"]`` over the holdout weeks.

    Returns
    -------
    pandas.DataFrame
        One row per model (index ``model``): ``n_params``, ``llf``, ``aic``, ``bic``; with a
        holdout ``holdout_mae``, ``holdout_rmse``, ``holdout_predicted`` and
        ``holdout_actual`` (totals over customers); with tracking ``tracking_mape`` (percent).

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> from custvalue.clv import BetaGeo, ModifiedBetaGeo, compare_models
    >>> cal = rfm_summary(load_cdnow_sample_transactions(), customer_col="customer_id", date_col="date",
    ...                   calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> table = compare_models(BetaGeo().fit(cal), ModifiedBetaGeo().fit(cal), data=cal,
    ...                        names=["BG/NBD", "MBG/NBD"])
    >>> table[["n_params", "llf"]].round(1)
             n_params     llf
    model
    BG/NBD          4 -9582.4
    MBG/NBD         4 -9582.1
    """
    if not results:
        raise DataError("compare_models needs at least one fitted model (results: none given).")
    for i, res in enumerate(results):
        if not (hasattr(res, "model") and hasattr(res, "llf") and hasattr(res, "expected_purchases")):
            raise DataError(f"results[{i}] must be a fitted purchase-count model (BetaGeo, ModifiedBetaGeo, "
                            f"ParetoNBD ... .fit(...)); received {type(res).__name__}.")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame (the calibration summary); received {type(data).__name__}.")
    labels = [type(r.model).__name__ for r in results] if names is None else [str(n) for n in names]
    if len(labels) != len(results):
        raise DataError(f"names must give one label per model ({len(results)}); received {len(labels)}.")
    if len(set(labels)) != len(labels):
        raise DataError(f"names must be distinct; received {labels}.")
    actual = _holdout_column(data, holdout, "holdout", "frequency_holdout")
    if actual is not None:
        check_counts(actual, "holdout", data.index)
    span = None
    if actual is not None:
        span = _holdout_column(data, duration, "duration", "duration_holdout")
        if span is None:
            raise DataError("duration (the length of the holdout period) is required with a holdout; pass "
                            "duration= or a 'duration_holdout' column.")
        if (span <= 0).any():
            raise DataError("duration must be > 0; " + describe_rows(span <= 0, data.index))
    if tracking is not None:
        if not isinstance(tracking, pd.Series):
            raise DataError(f"tracking must be a pandas Series indexed by time; received {type(tracking).__name__}.")
        if first_purchase is None:
            raise DataError("first_purchase (each customer's acquisition time) is required with tracking.")
        births = as_float_array(first_purchase, "first_purchase")
        times = as_float_array(tracking.index.to_numpy(), "tracking index")
        observed = as_float_array(tracking, "tracking")
    rows = []
    for res in results:
        k = len(res.params)
        row = {"n_params": k, "llf": res.llf, "aic": 2.0 * k - 2.0 * res.llf,
               "bic": k * np.log(res.nobs) - 2.0 * res.llf}
        if actual is not None:
            pred = _holdout_forecast(res, data, span)
            err = pred - actual
            row.update(holdout_mae=float(np.mean(np.abs(err))), holdout_rmse=float(np.sqrt(np.mean(err ** 2))),
                       holdout_predicted=float(np.sum(pred)), holdout_actual=float(np.sum(actual)))
        if tracking is not None:
            expected = cohort_repeat_transactions(res, births, times)["cumulative"].to_numpy()
            seen = observed > 0
            row["tracking_mape"] = (float(100.0 * np.mean(np.abs(expected[seen] - observed[seen]) / observed[seen]))
                                    if seen.any() else np.nan)
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index(labels, name="model"))
    out["n_params"] = out["n_params"].astype(np.int64)
    return out
