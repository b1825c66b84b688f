"""Side-by-side comparison of fitted purchase-count models: fit on the calibration period,
forecasts against a holdout period, and the cohort tracking error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import as_float_array, check_whole_number
from ..exceptions import DataError
from .diagnostics import _holdout_arrays, _holdout_forecast, repeat_purchase_histogram
from .forecast import cohort_repeat_transactions

__all__ = ["compare_models"]


def compare_models(*results: Any, data: pd.DataFrame, holdout: Any = None, duration: Any = None,
                   names: Sequence[str] | None = None, first_purchase: Any = None,
                   tracking: pd.Series | None = None, max_frequency: int = 7) -> pd.DataFrame:
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

    The calibration fit is also judged by Pearson's chi-square of the repeat-purchase histogram
    (:func:`~custvalue.clv.repeat_purchase_histogram`: customers with 0, 1, ...,
    ``max_frequency - 1`` and at least ``max_frequency`` repeat purchases, actual ``O_j``
    against model ``E_j``), ``Σ_j (O_j - E_j)² / E_j`` with ``max_frequency - k`` degrees of
    freedom (bins - 1 - parameters), as in Fader, Hardie & Lee (2005, section 4). The holdout
    bias is the mean of predicted minus actual holdout purchases per customer (positive: the
    model over-forecasts).

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
    max_frequency : int, default 7
        The censored last bin of the repeat-purchase histogram (at least ``k + 1``).

    Returns
    -------
    pandas.DataFrame
        One row per model (index ``model``): ``n_params``, ``llf``, ``aic``, ``bic``,
        ``histogram_chi2`` and ``histogram_p_value``; with a holdout ``holdout_mae``,
        ``holdout_rmse``, ``holdout_bias`` (mean predicted - actual), ``holdout_predicted`` and
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
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=1)
    most = max(len(r.params) for r in results)
    if max_frequency < most + 1:
        raise DataError(f"max_frequency must be at least the number of parameters + 1 ({most + 1}) for the "
                        f"chi-square test of the repeat-purchase histogram to have a degree of freedom; "
                        f"received {max_frequency}.")
    pair = _holdout_arrays(data, holdout, duration)
    actual, span = pair if pair is not None else (None, None)
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
        hist = repeat_purchase_histogram(res, data, max_frequency=max_frequency)
        counted, due = hist["actual"].to_numpy(), np.maximum(hist["model"].to_numpy(), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):   # an empty expected bin: 0 if empty, else inf
            terms = np.where(due > 0, (counted - due) ** 2 / due, np.where(counted > 0, np.inf, 0.0))
        chi2 = float(terms.sum())
        dof = len(hist) - 1 - k
        row.update(histogram_chi2=chi2, histogram_p_value=float(stats.chi2.sf(chi2, dof)))
        if actual is not None:
            pred = _holdout_forecast(res, data, span)
            err = pred - actual
            row.update(holdout_mae=float(np.mean(np.abs(err))), holdout_rmse=float(np.sqrt(np.mean(err ** 2))),
                       holdout_bias=float(np.mean(err)),
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
