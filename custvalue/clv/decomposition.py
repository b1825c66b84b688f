"""Customer value beyond NPV (*On the core value of CRM*): sales contribution, customer NPV and customer
elasticity per customer, in one tidy table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, check_positive_scalar, resolve_columns
from ..exceptions import DataError, ModelSpecificationError
from .dert import customer_npv
from .value import customer_labels

__all__ = ["customer_value_table", "ELASTICITY_LEVERS"]

#: How each model's parameters move when customers buy ``c`` times as often ("purchase")
#: or live ``c`` times as long ("lifetime"): (parameter, exponent) meaning param × c**exponent.
#: Pareto/NBD: E[λ] = r/α, E[lifetime] ∝ β; BG/NBD and MBG/NBD: E[λ] = r/α, expected
#: purchases before drop-out ∝ b/(a-1); BG/BB: odds of transacting E[p/(1-p)] = α/(β-1),
#: expected opportunities alive E[(1-θ)/θ] = δ/(γ-1).
ELASTICITY_LEVERS: dict[str, dict[str, tuple[str, float]]] = {
    "ParetoNBD": {"purchase": ("alpha", -1.0), "lifetime": ("beta", 1.0)},
    "BetaGeo": {"purchase": ("alpha", -1.0), "lifetime": ("b", 1.0)},
    "ModifiedBetaGeo": {"purchase": ("alpha", -1.0), "lifetime": ("b", 1.0)},
    "BetaGeoBetaBinom": {"purchase": ("beta", -1.0), "lifetime": ("delta", 1.0)},
}


def _with_params(results: Any, params: pd.Series) -> Any:
    """A results object like ``results`` with other parameter values (same model)."""
    return type(results)(results.model, params.to_numpy(), results.cov_params.to_numpy(), results.llf,
                         converged=results.converged, message=results.message, n_iter=results.n_iter,
                         cov_type=results.cov_type)


def customer_value_table(purchases_results: Any, spend_results: Any, data: pd.DataFrame | None = None, *,
                         discount_rate: float, horizon: float | None = None, margin: Any = 1.0,
                         revenue: Any = None, step: float = 1e-3, **columns: Any) -> pd.DataFrame:
    """Per customer: sales contribution, customer NPV and customer elasticities.

    *On the core value of CRM* (简谈客户关系管理的核心价值) splits a customer's value to the firm into the
    contribution to **sales** and the **development potential**, made of the customer's
    **net present value** and **customer elasticity**.  Here

    * ``sales_contribution``: historical revenue (``revenue`` if given, else
      ``frequency × monetary_value``, the value of the repeat purchases);
    * ``npv``: :func:`custvalue.clv.customer_npv` (margin × expected spend × DERT);
    * ``purchase_elasticity``: % change in NPV for a 1% higher purchase rate;
    * ``lifetime_elasticity``: % change in NPV for a 1% longer expected lifetime (the
      retention lever).  Both are central differences in log space over the
      population parameters listed in :data:`ELASTICITY_LEVERS`, evaluated per customer
      (cf. Gupta, Lehmann & Stuart 2004 for the aggregate retention elasticity);
    * ``share_of_sales`` and ``share_of_npv``: each customer's share of the base totals.

    Parameters
    ----------
    purchases_results, spend_results
        Fitted transaction model and Gamma-Gamma spend model.
    data : pandas.DataFrame, optional
        Customers with the purchase model's columns and ``monetary_value``.
    discount_rate : float
        Discount rate per model time unit.
    horizon : float, optional
        NPV horizon (``None`` = infinite).
    margin : float or array-like, default 1.0
        Profit margin on spend.
    revenue : array-like, optional
        Historical revenue per customer (a Series is matched to the customers by index
        label); defaults to ``frequency * monetary_value``.
    step : float, default 1e-3
        Relative step of the finite difference.
    **columns
        Columns as keyword arrays.

    Returns
    -------
    pandas.DataFrame
        One row per customer (index kept) with the columns listed above.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import ParetoNBD, GammaGamma, customer_value_table
    >>> d = load_cdnow_summary()
    >>> t = customer_value_table(ParetoNBD().fit(d), GammaGamma().fit(d), d, discount_rate=0.0027)
    >>> list(t.columns)
    ['sales_contribution', 'npv', 'purchase_elasticity', 'lifetime_elasticity', 'share_of_sales', 'share_of_npv']
    """
    name = type(purchases_results.model).__name__
    if name not in ELASTICITY_LEVERS:
        raise ModelSpecificationError(
            f"customer elasticities are defined for {sorted(ELASTICITY_LEVERS)}; received {name}.")
    h = check_positive_scalar(step, "step")

    def npv_at(res: Any) -> np.ndarray:
        return customer_npv(res, spend_results, data, discount_rate=discount_rate, horizon=horizon,
                            margin=margin, **columns).to_numpy()

    base = customer_npv(purchases_results, spend_results, data, discount_rate=discount_rate,
                        horizon=horizon, margin=margin, **columns)
    out = {}
    for lever, (param, power) in ELASTICITY_LEVERS[name].items():
        vals = []
        for c in (1.0 + h, 1.0 - h):
            p = purchases_results.params.copy()
            p[param] = p[param] * c ** power
            vals.append(npv_at(_with_params(purchases_results, p)))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{lever}_elasticity"] = (np.log(vals[0]) - np.log(vals[1])) / (np.log1p(h) - np.log1p(-h))
    labels = customer_labels(data, columns, base.index)
    if revenue is None:
        raw, index = resolve_columns(data, ("frequency", "monetary_value"), columns)
        raw = {k: align_to_index(v, k, labels, "the purchase model's customers") for k, v in raw.items()}
        sales = as_float_array(raw["frequency"], "frequency") * as_float_array(raw["monetary_value"], "monetary_value")
    else:  # one value per customer: a Series is matched by label, an array by position
        sales = as_float_array(align_to_index(revenue, "revenue", labels, "data"), "revenue", index=labels)
        if sales.shape[0] != len(base):
            raise DataError(f"revenue must have one entry per customer ({len(base)}); received {sales.shape[0]}.")
    table = pd.DataFrame({"sales_contribution": sales, "npv": base.to_numpy(), **out}, index=base.index)
    table["share_of_sales"] = table["sales_contribution"] / table["sales_contribution"].sum()
    table["share_of_npv"] = table["npv"] / table["npv"].sum()
    return table
