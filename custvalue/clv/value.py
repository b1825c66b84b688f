"""Discounted customer value from a purchase-count model and a spend model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, check_discount_rate, check_whole_number
from ..exceptions import DataError

__all__ = ["clv", "PERIOD_LENGTH"]

#: Length of one month in each model time unit (as in lifetimes, for comparability).
PERIOD_LENGTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24}


def discounted_increments(cumulative: np.ndarray, discount_rate: np.ndarray) -> np.ndarray:
    """Sum over periods of *incremental* expected purchases discounted to the present.

    ``cumulative[:, i]`` is the expected number of purchases up to the end of period i+1;
    the value is ``sum_i (E[N(i)] - E[N(i-1)]) / (1 + d)^i`` (lifetimes issue 43 discounted
    the cumulative numbers instead).
    """
    # summation by parts: sum_i (E_i - E_{i-1}) δ_i = sum_i E_i (δ_i - δ_{i+1}), δ_{m+1} = 0
    k = np.arange(1, cumulative.shape[1] + 2)
    d = np.asarray(discount_rate, dtype=float)
    if d.size == 1:
        disc = (1.0 + float(d.reshape(-1)[0])) ** (-k)
        return cumulative @ (disc[:-1] - np.append(disc[1:-1], 0.0))
    disc = (1.0 + d.reshape(-1, 1)) ** (-k)
    disc[:, -1] = 0.0
    return np.einsum("ij,ij->i", cumulative, disc[:, :-1] - disc[:, 1:])


def clv(purchases_results: Any, spend_results: Any, data: pd.DataFrame | None = None, *,
        horizon: int = 12, discount_rate: float | np.ndarray = 0.01, freq: str = "W",
        margin: float | np.ndarray = 1.0, **columns: Any) -> pd.Series:
    """Customer lifetime value over ``horizon`` months, discounted monthly.

    ``CLV_i = margin * E[spend_i] * sum_{k=1}^{horizon} (E[N_i(k)] - E[N_i(k-1)]) / (1+d)^k``
    where ``E[N_i(k)]`` is the expected number of purchases in the first k months after the
    end of the observation period (the purchase model's conditional expectation).

    Parameters
    ----------
    purchases_results : fitted purchase-count results
        Any transaction model's results (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB).  For the
        discrete-opportunity BG/BB, ``horizon`` counts opportunities, ``discount_rate`` is
        per opportunity and ``freq`` is ignored.
    spend_results : GammaGammaResults or array-like
        Fitted spend model with ``expected_spend(data)``, or the expected spend per
        transaction of each customer (one value per row of ``data``; a Series is matched
        by index label).
    data : pandas.DataFrame, optional
        Customers with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    horizon : int, default 12
        Number of months to sum over.
    discount_rate : float or array-like, default 0.01
        Monthly discount rate (> -1); an array gives one rate per customer (a Series is
        matched to the customers by index label).
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
    >>> value = clv(BetaGeo().fit(d), GammaGamma().fit(d), d, horizon=12, freq="W")
    >>> bool((value >= 0).all())
    True
    """
    discrete = bool(getattr(purchases_results, "discrete", False))
    if not discrete and freq not in PERIOD_LENGTH:
        raise DataError(f"freq must be one of {sorted(PERIOD_LENGTH)}; received {freq!r}.")
    horizon = check_whole_number(horizon, "horizon (months, or opportunities for BG/BB)", minimum=1)
    d = check_discount_rate(discount_rate)
    step = 1.0 if discrete else PERIOD_LENGTH[freq]
    times = step * np.arange(1, int(horizon) + 1)
    purchase_cols = type(purchases_results.model).data_columns
    pcols = {k: v for k, v in columns.items() if k in purchase_cols}
    if d.size == 1 and hasattr(purchases_results, "_discounted_purchases"):
        # one discount rate: the discounted sum straight from the kernel (summation by parts)
        disc = (1.0 + float(d.reshape(-1)[0])) ** (-np.arange(1, int(horizon) + 2, dtype=float))
        disc[-1] = 0.0
        purchases = purchases_results._discounted_purchases(data, times, disc[:-1] - disc[1:], pcols)
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
        raise DataError(f"discount_rate must be a scalar or have one entry per customer ({n}); "
                        f"received {d.size}.")
    if d.size > 1:
        d = check_discount_rate(align_to_index(discount_rate, "discount_rate", labels, "data"))
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
