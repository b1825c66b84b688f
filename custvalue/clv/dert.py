"""Customer NPV from discounted expected residual transactions, and customer equity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, check_discount_rate
from ..exceptions import DataError
from ..math.dert import discount_factors
from .value import customer_labels, per_customer

__all__ = ["customer_npv", "customer_equity"]


def _spend_columns(spend_results: Any, columns: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in columns.items() if k in ("frequency", "monetary_value")}


def _purchase_columns(purchases_results: Any, columns: dict[str, Any]) -> dict[str, Any]:
    cols = type(purchases_results.model).data_columns
    return {k: v for k, v in columns.items() if k in cols}


def customer_npv(purchases_results: Any, spend_results: Any, data: pd.DataFrame | None = None, *,
                 discount_rate: float, horizon: float | None = None, margin: Any = 1.0,
                 **columns: Any) -> pd.Series:
    """Customer net present value: ``margin × E[spend | history] × DERT``.

    The residual value of each current customer (Fader, Hardie & Lee 2005, "RFM and CLV",
    JMR 42:415-430, eq. 1 and section "Expected residual lifetime value"): the discounted
    expected number of future transactions times the expected margin per transaction.

    Parameters
    ----------
    purchases_results : fitted transaction-model results
        ParetoNBD, BetaGeo, ModifiedBetaGeo or BetaGeoBetaBinom results (with ``dert``).
    spend_results : GammaGammaResults
        Fitted spend model (``expected_spend``).
    data : pandas.DataFrame, optional
        Customers with the purchase model's columns plus ``monetary_value``.
    discount_rate : float
        Discount rate per model time unit (per opportunity for BG/BB); > 0 for an
        infinite horizon.
    horizon : float, optional
        Length of the future period; ``None`` for an infinite horizon.
    margin : float or array-like, default 1.0
        Profit margin on spend (one per customer if an array; a Series is matched to the
        customers by index label).
    **columns
        Columns as keyword arrays.

    Returns
    -------
    pandas.Series
        NPV per customer, indexed like ``data``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import ParetoNBD, GammaGamma, customer_npv
    >>> d = load_cdnow_summary()
    >>> v = customer_npv(ParetoNBD().fit(d), GammaGamma().fit(d), d, discount_rate=0.0027)
    >>> bool((v > 0).all())
    True
    """
    dert = purchases_results.dert(data, discount_rate=discount_rate, horizon=horizon,
                                  **_purchase_columns(purchases_results, columns))
    spend = spend_results.expected_spend(data, **_spend_columns(spend_results, columns))
    labels = customer_labels(data, columns, dert.index)
    spend = align_to_index(spend, "the spend model's customers", labels, "the purchase model's customers")
    m = per_customer(margin, "margin", labels, len(spend))
    return pd.Series(dert.to_numpy() * spend.to_numpy() * m, index=dert.index, name="npv")


def customer_equity(purchases_results: Any, spend_results: Any, data: pd.DataFrame | None = None, *,
                    discount_rate: float, horizon: float | None = None, margin: float = 1.0,
                    acquisitions: Any = None, **columns: Any) -> pd.Series:
    """Customer equity of a base: the NPV of current customers plus future cohorts.

    ``CE = Σ_i NPV_i + Σ_k n_k (1+d)^-k margin E[Z] (1 + DET_new)`` where ``n_k`` customers
    are acquired at the start of future period k = 1, 2, ... (model time units), each
    worth their first purchase plus the discounted expected repeat transactions of a new
    customer ``DET_new`` (the model's unconditional expectation, discounted), at the
    population mean spend ``E[Z]`` (Gupta, Lehmann & Stuart 2004, "Valuing customers",
    JMR 41:7-18, eq. 2; Fader, Hardie & Lee 2005).

    Parameters
    ----------
    purchases_results, spend_results
        Fitted transaction and spend models.
    data : pandas.DataFrame, optional
        The current customers.
    discount_rate : float
        Discount rate per model time unit (> 0 for an infinite horizon).
    horizon : float, optional
        Horizon of each customer's residual value; ``None`` for infinite.
    margin : float, default 1.0
        Profit margin on spend.
    acquisitions : array-like, optional
        Number of customers acquired at the start of each future period 1, 2, ...
    **columns
        Columns as keyword arrays.

    Returns
    -------
    pandas.Series
        ``existing``, ``new`` and ``total`` equity.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import ParetoNBD, GammaGamma, customer_equity
    >>> d = load_cdnow_summary()
    >>> ce = customer_equity(ParetoNBD().fit(d), GammaGamma().fit(d), d, discount_rate=0.0027,
    ...                      acquisitions=[100] * 52)
    >>> bool(ce["total"] > ce["existing"] > 0)
    True
    """
    npv = customer_npv(purchases_results, spend_results, data, discount_rate=discount_rate,
                       horizon=horizon, margin=margin, **columns)
    existing = float(npv.sum())
    new = 0.0
    if acquisitions is not None:
        n_k = as_float_array(acquisitions, "acquisitions")
        if (n_k < 0).any():
            raise DataError(f"acquisitions must be >= 0; received min {n_k.min()!r}.")
        d = float(check_discount_rate(discount_rate))
        k = np.arange(1, n_k.size + 1, dtype=float)
        per_customer = (float(margin) * spend_results.population_mean_spend
                        * (1.0 + purchases_results.dert_new_customer(discount_rate=d, horizon=horizon)))
        new = float(n_k @ discount_factors(d, k)) * per_customer
    return pd.Series({"existing": existing, "new": new, "total": existing + new}, name="customer_equity")
