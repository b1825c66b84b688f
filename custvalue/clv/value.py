"""Discounted customer value from a purchase-count model and a spend model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._validation import align_to_index, as_float_array, check_discount_rate, check_whole_number
from ..exceptions import DataError
from ..math.dert import increment_weights
from ..units import UNITS_PER_MONTH
from ._kernel import capabilities

__all__ = ["clv", "PERIOD_LENGTH"]

#: Length of one month in each model time unit (lifetimes' month, for comparability): the
#: table :data:`custvalue.units.UNITS_PER_MONTH`.
PERIOD_LENGTH = UNITS_PER_MONTH


def discounted_increments(cumulative: np.ndarray, discount_rate: np.ndarray) -> np.ndarray:
    """Sum over periods of *incremental* expected purchases discounted to the present.

    ``cumulative[:, i]`` is the expected number of purchases up to the end of period i+1;
    the value is ``sum_i (E[N(i)] - E[N(i-1)]) / (1 + d)^i`` (lifetimes issue 43 discounted
    the cumulative numbers instead), by the summation-by-parts weights of
    :func:`custvalue.math.dert.increment_weights`.
    """
    d = np.asarray(discount_rate, dtype=float)
    if d.size == 1:
        return cumulative @ increment_weights(float(d.reshape(-1)[0]), cumulative.shape[1])
    return np.einsum("ij,ij->i", cumulative, increment_weights(d.reshape(-1), cumulative.shape[1]))


@renamed_arguments(horizon="months", discount_rate="monthly_discount_rate")
def clv(purchases_results: Any, spend_results: Any, data: pd.DataFrame | None = None, *,
        months: int = 12, monthly_discount_rate: float | np.ndarray = 0.01, freq: str = "W",
        margin: float | np.ndarray = 1.0, **columns: Any) -> pd.Series:
    """Customer lifetime value over ``months`` months, discounted monthly.

    ``CLV_i = margin * E[spend_i] * sum_{k=1}^{months} (E[N_i(k)] - E[N_i(k-1)]) / (1+d)^k``
    where ``E[N_i(k)]`` is the expected number of purchases in the first k months after the
    end of the observation period (the purchase model's conditional expectation) and ``d``
    the monthly discount rate. A month is :data:`custvalue.units.UNITS_PER_MONTH` [``freq``]
    model time units (30 days, 4.345 weeks: lifetimes' month); see the glossary, "Time and
    money".

    Parameters
    ----------
    purchases_results : fitted purchase-count results
        Any transaction model's results (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB).  For the
        discrete-opportunity BG/BB, ``months`` counts opportunities,
        ``monthly_discount_rate`` is per opportunity and ``freq`` is ignored.
    spend_results : GammaGammaResults or array-like
        Fitted spend model with ``expected_spend(data)``, or the expected spend per
        transaction of each customer (one value per row of ``data``; a Series is matched
        by index label).
    data : pandas.DataFrame, optional
        Customers with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    months : int, default 12
        Number of months to sum over (formerly ``horizon``, accepted with a
        ``FutureWarning`` for one release).
    monthly_discount_rate : float or array-like, default 0.01
        Discount rate per month (> -1); an array gives one rate per customer (a Series is
        matched to the customers by index label). Formerly ``discount_rate``, accepted
        with a ``FutureWarning`` for one release.
    freq : {"D", "W", "M", "H"}, default "W"
        Time unit of ``recency`` and ``T`` (days, weeks, months, hours).
    margin : float or array-like, default 1.0
        Profit margin applied to spend (per customer if an array; a Series is matched to
        the customers by index label).
    **columns
        Columns as keyword arrays.

    Returns
    -------
    pandas.Series
        CLV per customer, indexed like ``data``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo, GammaGamma, clv
    >>> d = load_cdnow_summary()
    >>> value = clv(BetaGeo().fit(d), GammaGamma().fit(d), d, months=12, freq="W")
    >>> bool((value >= 0).all())
    True
    """
    discount_rate = monthly_discount_rate
    discrete = capabilities(purchases_results.kernel).discrete
    if not discrete and freq not in UNITS_PER_MONTH:
        raise DataError(f"freq must be one of {sorted(UNITS_PER_MONTH)}; received {freq!r}.")
    months = check_whole_number(months, "months (or opportunities for BG/BB)", minimum=1)
    d = check_discount_rate(discount_rate, "monthly_discount_rate")
    step = 1.0 if discrete else UNITS_PER_MONTH[freq]
    times = step * np.arange(1, int(months) + 1)
    purchase_cols = type(purchases_results.model).data_columns
    pcols = {k: v for k, v in columns.items() if k in purchase_cols}
    if d.size == 1:
        # one discount rate: the discounted sum straight from the kernel (summation by parts)
        weights = increment_weights(float(d.reshape(-1)[0]), int(months))
        purchases = purchases_results._discounted_purchases(data, times, weights, pcols)
        cumulative = None
    else:
        cumulative = purchases_results.expected_purchases(data, horizon=times, **pcols)
        purchases = None
    n_rows = (purchases if cumulative is None else cumulative).shape[0]
    index = (purchases if cumulative is None else cumulative).index
    # per-customer inputs are matched to the customers by label when the customers have
    # labels (a DataFrame or Series columns), by position otherwise
    labels = customer_labels(data, columns, index)
    if hasattr(spend_results, "expected_spend"):
        spend = spend_results.expected_spend(data, **{
            k: v for k, v in columns.items() if k in ("frequency", "monetary_value")})
        spend = align_to_index(spend, "the spend model's customers", labels, "the purchase model's customers")
    else:
        spend_results = align_to_index(spend_results, "spend_results", labels, "data")
        values = as_float_array(spend_results, "spend_results", index=labels)
        if values.shape[0] != n_rows:
            raise DataError(f"spend_results must have one value per customer ({n_rows}); "
                            f"received {values.shape[0]}.")
        spend = pd.Series(values, index=index)
    n = len(spend)
    if d.ndim and d.size not in (1, n):
        raise DataError(f"monthly_discount_rate must be a scalar or have one entry per customer ({n}); "
                        f"received {d.size}.")
    if d.size > 1:
        d = check_discount_rate(align_to_index(discount_rate, "monthly_discount_rate", labels, "data"),
                                "monthly_discount_rate")
    per_purchase = (purchases.to_numpy() if cumulative is None
                    else discounted_increments(cumulative.to_numpy(), d))
    value = per_purchase * spend.to_numpy() * per_customer(margin, "margin", labels, n)
    return pd.Series(value, index=spend.index, name="clv")


def customer_labels(data: Any, columns: dict[str, Any], index: pd.Index) -> pd.Index | None:
    """``index`` when the customers came with labels (a DataFrame, or Series columns), else
    None: then per-customer inputs pair with the rows by position."""
    if isinstance(data, pd.DataFrame) or any(isinstance(v, pd.Series) for v in columns.values()):
        return index
    return None


def per_customer(value: Any, name: str, labels: pd.Index | None, n: int) -> np.ndarray:
    """A scalar, or one value per customer matched by label (Series) or position (array)."""
    if np.ndim(value) == 0:
        return np.asarray(as_float_array(value, name)[0])
    arr = as_float_array(align_to_index(value, name, labels, "data"), name, index=labels)
    if arr.size not in (1, n):
        raise DataError(f"{name} must be a scalar or have one entry per customer ({n}); "
                        f"received {arr.size}.")
    return arr
