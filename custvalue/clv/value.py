"""Discounted customer value from a purchase-count model and a spend model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._validation import align_to_index, as_float_array, check_discount_rate, check_whole_number
from ..exceptions import DataError
from ..math import gammagamma as spend_kernel
from ..math.dert import increment_weights
from ..units import UNITS_PER_MONTH
from ._kernel import capabilities
from .gammagamma import GammaGammaResults
from ._uncertainty import check_interval, interval_of

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
        margin: float | np.ndarray = 1.0, interval: str | None = None, level: float = 0.95,
        n_draws: int = 200, seed: Any = None, executor: Any = None, progress: Any = False,
        **columns: Any) -> pd.Series | pd.DataFrame:
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
    interval : {None, "delta", "simulate", "bootstrap"}, default None
        An interval from the sampling uncertainty of the purchase model's parameters and,
        when ``spend_results`` is a fitted Gamma-Gamma model, of its parameters too (the two
        fits are independent: block-diagonal covariance, and independent resamples).
        ``"delta"`` is the delta method on the log scale, ``"simulate"`` the quantiles over
        ``n_draws`` parameter draws, ``"bootstrap"`` the percentile interval over refits on
        ``n_draws`` resamples of each model's customers (``custvalue.clv._uncertainty``).
        Spend given as numbers is taken as known.
    level : float, default 0.95
        Confidence level of the interval.
    n_draws : int, default 200
        Parameter draws for ``interval="simulate"``, resamples for ``"bootstrap"``.
    seed : int or numpy.random.Generator, optional
        Random seed for ``interval="simulate"`` and ``"bootstrap"``.
    executor : concurrent.futures.Executor, optional
        Runs the bootstrap refits (``executor.map``; on Dask ``client.get_executor()``).
    progress : bool or callable, default False
        Show a progress bar over the bootstrap refits (tqdm if installed).
    **columns
        Columns as keyword arrays.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        CLV per customer, indexed like ``data``; with ``interval``, columns ``estimate``,
        ``lower`` and ``upper``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo, GammaGamma, clv
    >>> d = load_cdnow_summary()
    >>> value = clv(BetaGeo().fit(d), GammaGamma().fit(d), d, months=12, freq="W")
    >>> bool((value >= 0).all())
    True
    >>> ci = clv(BetaGeo().fit(d), GammaGamma().fit(d), d.head(3), interval="delta")
    >>> bool(((ci["lower"] < ci["estimate"]) & (ci["estimate"] < ci["upper"])).all())
    True
    """
    interval, level, n_draws = check_interval(interval, level, n_draws, executor, progress, seed)
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
    margins = per_customer(margin, "margin", labels, n)
    value = per_purchase * spend.to_numpy() * margins
    if interval is None:
        return pd.Series(value, index=spend.index, name="clv")
    if (value < 0).any():
        raise DataError("an interval for CLV is formed on the log scale and needs margin >= 0; "
                        f"{int((value < 0).sum())} customers have a negative value.")
    # the same value as a function of the parameters, for the interval
    args, _ = purchases_results._customer_arrays(data, pcols)
    weights = increment_weights(float(d.reshape(-1)[0]), int(months)) if d.size == 1 else None
    fitted = [purchases_results]
    if isinstance(spend_results, GammaGammaResults):
        arrays, _ = spend_results._rows(data, {k: v for k, v in columns.items()
                                                if k in ("frequency", "monetary_value")})
        spend_args = (arrays["frequency"], arrays["monetary_value"])
        fitted.append(spend_results)
    fixed_spend = spend.to_numpy()
    k = len(purchases_results.params)

    def value_at(theta: Any, rows: slice) -> np.ndarray:
        a = [col[rows] for col in args]
        if weights is not None:
            per = purchases_results._discounted_purchase_values(theta[:k], a, times, weights)
        else:
            per = discounted_increments(purchases_results._cumulative_purchase_values(theta[:k], a, times),
                                        d.reshape(-1)[rows])
        sp = (spend_kernel.expected_spend(*theta[k:], *(col[rows] for col in spend_args))
              if len(fitted) == 2 else fixed_spend[rows])
        return per * sp * (margins[rows] if margins.ndim else margins)

    return interval_of(fitted, value_at, n, spend.index, interval=interval, level=level, scale="log",
                       n_draws=n_draws, seed=seed, executor=executor, progress=progress)


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
