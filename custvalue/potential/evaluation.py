"""Validation of ownership and potential-value predictions on a holdout (Verhoef & Donkers
2001, section 5: hit rates against a naive model, MAPE, median-split classification; plus the
top-decile lift and Gini used in database marketing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (align_by_label, as_float_array, check_positive_scalar, check_probability,
                           describe_rows)
from ..exceptions import DataError

__all__ = ["hit_rates", "mape", "median_split_accuracy", "top_decile_lift", "gini",
           "evaluate_value"]


def _pair(actual: Any, predicted: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two per-customer inputs as float arrays, paired by index label (arrays by position)."""
    if np.ndim(actual) == 1 and np.ndim(predicted) == 1 and np.shape(actual) != np.shape(predicted):
        raise DataError(f"{names[0]} and {names[1]} must have the same length; received "
                        f"{np.shape(actual)[0]} and {np.shape(predicted)[0]}.")
    aligned = align_by_label(**{names[0]: actual, names[1]: predicted})
    actual, predicted = aligned[names[0]], aligned[names[1]]
    index = next((v.index for v in (actual, predicted) if isinstance(v, pd.Series)), None)
    a = as_float_array(actual, names[0], index=index)
    p = as_float_array(predicted, names[1], index=index)
    if a.shape != p.shape:
        raise DataError(f"{names[0]} and {names[1]} must have the same length; received "
                        f"{a.size} and {p.size}.")
    return a, p


def hit_rates(y_true: Any, probability: Any, *, base_rate: Any = None,
              threshold: float = 0.5) -> pd.DataFrame:
    """Share of ownership indicators predicted correctly, per product, against the naive model.

    The model predicts ownership when ``P(y_j = 1) > threshold``; the naive model predicts the
    majority class of ``base_rate`` (the estimation sample's ownership rate) for everyone.

    Parameters
    ----------
    y_true : (n, J) DataFrame or array of 0/1
    probability : (n, J) DataFrame or array
        Predicted ownership probabilities, in [0, 1].  Two DataFrames are matched by index
        label (customers) and column name (products); arrays by position and column order.
    base_rate : array-like, Series or dict, length J, optional
        Ownership rates of the estimation sample, in [0, 1] (defaults to the holdout's own
        rates); a Series or dict is matched to the products by name.
    threshold : float, default 0.5
        In [0, 1].

    Returns
    -------
    pandas.DataFrame
        Per product: ``hit_rate``, ``naive_hit_rate``, ``improvement``.

    Examples
    --------
    >>> t = hit_rates([[1, 0], [1, 1], [0, 0], [1, 0]], [[.9, .2], [.8, .6], [.3, .1], [.4, .3]])
    >>> t["hit_rate"].tolist(), t["naive_hit_rate"].tolist()
    ([0.75, 1.0], [0.75, 0.75])
    """
    if isinstance(y_true, pd.DataFrame) and isinstance(probability, pd.DataFrame):
        # products matched by column name, customers by index label
        missing = [c for c in y_true.columns if c not in probability.columns]
        if missing:
            raise DataError(f"probability must have a column for every product of y_true; missing "
                            f"{missing}; columns received: {list(probability.columns)}.")
        probability = probability[list(y_true.columns)]
    aligned = align_by_label(y_true=y_true, probability=probability)
    y_true, probability = aligned["y_true"], aligned["probability"]
    cols = list(y_true.columns) if isinstance(y_true, pd.DataFrame) else (
        list(probability.columns) if isinstance(probability, pd.DataFrame) else None)
    index = next((v.index for v in (y_true, probability) if isinstance(v, pd.DataFrame)), None)
    Y = as_float_array(y_true, "y_true", index=index, ndim=2)
    P = as_float_array(probability, "probability", index=index, ndim=2)
    if Y.shape != P.shape:
        raise DataError(f"y_true and probability must have the same shape; received {Y.shape} and {P.shape}.")
    bad = (Y != 0) & (Y != 1)
    if bad.any():
        raise DataError("y_true must be 0/1 ownership indicators; " + describe_rows(bad.any(axis=1), index))
    check_probability(P, "probability", index)
    threshold = check_positive_scalar(threshold, "threshold", allow_zero=True)
    if threshold > 1:
        raise DataError(f"threshold must lie in [0, 1] (a probability); received {threshold!r}.")
    cols = cols or [f"y{j + 1}" for j in range(Y.shape[1])]
    if base_rate is None:
        rate = Y.mean(axis=0)
    else:
        if isinstance(base_rate, Mapping) and not isinstance(base_rate, pd.Series):
            base_rate = pd.Series(base_rate)
        if isinstance(base_rate, pd.Series) and set(map(str, cols)) <= set(map(str, base_rate.index)):
            base_rate = base_rate.set_axis(base_rate.index.map(str)).reindex([str(c) for c in cols])
        rate = as_float_array(base_rate, "base_rate")
        if rate.shape == (Y.shape[1],):
            check_probability(rate, "base_rate", pd.Index(cols, name="product"))
    if rate.shape != (Y.shape[1],):
        raise DataError(f"base_rate must have one entry per product ({Y.shape[1]}); received {rate.size}.")
    hit = ((P > threshold) == (Y == 1)).mean(axis=0)
    naive = (((rate > 0.5)[None, :]) == (Y == 1)).mean(axis=0)
    return pd.DataFrame({"hit_rate": hit, "naive_hit_rate": naive, "improvement": hit - naive},
                        index=pd.Index(cols, name="product"))


def mape(actual: Any, predicted: Any, *, exclude_zero: bool = True) -> float:
    """Mean absolute percentage error ``mean |a - p| / |a|``.

    Parameters
    ----------
    actual, predicted : array-like
        One value per customer; two pandas Series are paired by index label.
    exclude_zero : bool, default True
        Skip rows with ``actual == 0`` (the percentage error is undefined there); when False
        such rows raise a DataError.

    Returns
    -------
    float

    Examples
    --------
    >>> mape([100, 200, 0], [110, 150, 5])
    0.175
    """
    a, p = _pair(actual, predicted, ("actual", "predicted"))
    zero = a == 0
    if zero.any() and not exclude_zero:
        raise DataError(f"actual has {int(zero.sum())} zero values; MAPE is undefined there "
                        f"(pass exclude_zero=True to skip them).")
    if zero.all():
        raise DataError("actual is zero everywhere; MAPE is undefined.")
    return float(np.mean(np.abs(a[~zero] - p[~zero]) / np.abs(a[~zero])))


def median_split_accuracy(actual: Any, predicted: Any) -> float:
    """Share of customers put on the same side of the median by prediction and outcome.

    Each series is split at its own median (above vs not above); 0.5 is chance level.

    Parameters
    ----------
    actual, predicted : array-like
        One value per customer; two pandas Series are paired by index label.

    Returns
    -------
    float

    Examples
    --------
    >>> median_split_accuracy([1, 2, 3, 4], [10, 20, 40, 30])
    1.0
    """
    a, p = _pair(actual, predicted, ("actual", "predicted"))
    return float(np.mean((a > np.median(a)) == (p > np.median(p))))


def _order(score: np.ndarray) -> np.ndarray:
    return np.argsort(-score, kind="stable")


def top_decile_lift(actual: Any, score: Any) -> float:
    """Mean outcome of the 10% highest-scored customers divided by the overall mean.

    Parameters
    ----------
    actual, score : array-like
        One value per customer; two pandas Series are paired by index label.

    Returns
    -------
    float

    Examples
    --------
    >>> top_decile_lift([0] * 9 + [10], list(range(10)))
    10.0
    """
    a, s = _pair(actual, score, ("actual", "score"))
    if a.mean() == 0:
        raise DataError("actual has mean zero; lift is undefined.")
    top = max(int(np.ceil(0.1 * a.size)), 1)
    return float(a[_order(s)[:top]].mean() / a.mean())


def gini(actual: Any, score: Any, *, normalize: bool = False) -> float:
    """Gini coefficient of the cumulative-gains curve of ``actual`` ordered by ``score``.

    Twice the area between the gains curve (share of the total outcome captured by the
    top-x share of customers) and the diagonal.  With ``normalize`` it is divided by the
    Gini of the perfect ordering; for a 0/1 outcome the normalised Gini equals
    ``2 AUC - 1`` (tied scores count one half).

    Parameters
    ----------
    actual, score : array-like
        Non-negative outcome and the ranking score, one per customer; two pandas Series are
        paired by index label.
    normalize : bool, default False

    Returns
    -------
    float

    Examples
    --------
    >>> round(gini([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), 6)
    0.5
    """
    a, s = _pair(actual, score, ("actual", "score"))
    if (a < 0).any():
        raise DataError("actual must be non-negative for the Gini coefficient; "
                        + describe_rows(a < 0, actual.index if isinstance(actual, pd.Series) else None))
    if a.sum() <= 0:
        raise DataError("actual must have a positive total for the Gini coefficient; it is zero everywhere.")
    if a.size < 2:
        raise DataError("the Gini coefficient needs at least two customers (actual and score); "
                        f"received {a.size}.")

    value = _tied_gini(a, s)
    return value / _tied_gini(a, a) if normalize else value


def _tied_gini(a: np.ndarray, s: np.ndarray) -> float:
    """Gini with tied scores handled by spreading each tie group's outcome evenly."""
    a = a / a.max()  # scale-free; keeps a tiny total from underflowing when tie groups are spread
    order = _order(s)
    ss, aa = s[order], a[order]
    _, start, counts = np.unique(-ss, return_index=True, return_counts=True)
    group_tot = np.add.reduceat(aa, start)
    aa = np.repeat(group_tot / counts, counts)
    cum = np.concatenate([[0.0], np.cumsum(aa) / aa.sum()])
    x = np.linspace(0.0, 1.0, aa.size + 1)
    return float(2.0 * np.trapezoid(cum - x, x))


def evaluate_value(actual: Any, predictions: dict[str, Any]) -> pd.DataFrame:
    """Compare value predictions on a holdout: MAPE, median-split accuracy, top-decile lift, Gini.

    Parameters
    ----------
    actual : array-like
        Realised value per customer.
    predictions : dict of str to array-like
        Predicted value per customer from each model (pandas Series are paired with
        ``actual`` by index label).

    Returns
    -------
    pandas.DataFrame
        One row per model.

    Examples
    --------
    >>> t = evaluate_value([10, 20, 30, 40], {"good": [11, 19, 33, 38], "flat": [25] * 4})
    >>> list(t.columns)
    ['mape', 'median_split_accuracy', 'top_decile_lift', 'gini']
    """
    if not isinstance(predictions, Mapping) or not predictions:
        raise DataError("predictions must be a non-empty dict {model name: predicted value per "
                        f"customer}}; received {type(predictions).__name__}.")
    rows = {}
    for name, pred in predictions.items():  # each prediction paired with actual by label
        try:
            rows[name] = {"mape": mape(actual, pred),
                          "median_split_accuracy": median_split_accuracy(actual, pred),
                          "top_decile_lift": top_decile_lift(actual, pred),
                          "gini": gini(actual, pred)}
        except DataError as exc:
            raise DataError(f"predictions[{name!r}]: {exc}") from None
    return pd.DataFrame.from_dict(rows, orient="index")
