"""Concentration of customer value: Lorenz curve, Gini, top-k% share, ABC classes.

*CRM theory* states the 80/20 rule (the top 20% of customers bring about 80%
of profit); these functions measure it instead of assuming it.  Formulas: the Lorenz curve
and Gini coefficient as in Lorenz (1905) and Gini (1912); for a Pareto(shape ``a > 1``) value
distribution the top-``p`` share is ``p ** (1 - 1/a)`` and the Gini is ``1 / (2a - 1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_whole_number
from ..base import FrozenMixin
from ..exceptions import DataError
from ._common import _label_order, as_values, check_tier_sizes

__all__ = ["lorenz_curve", "gini", "top_share", "abc_classes", "plot_lorenz", "concentration_summary",
           "Concentration"]


def _positive_total(x: np.ndarray, name: str, what: str) -> float:
    with np.errstate(over="ignore"):  # an overflowing total is reported below
        total = float(x.sum())
    if not np.isfinite(total):
        raise DataError(f"{name} are too large: their total overflows float64 (largest value "
                        f"{float(np.abs(x).max()):g}); rescale them, e.g. to thousands.")
    if not total > 0:
        raise DataError(
            f"{name} must have a positive total to compute {what}; received a total of "
            f"{total:g} over {x.size} customers (shares of a non-positive total are undefined)."
        )
    return total


def _check_percent(top: Any, name: str = "top") -> float:
    try:
        if isinstance(top, (str, bytes, bool, np.bool_)):
            raise TypeError
        p = float(top)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a percentage in (0, 100]; received {top!r}.") from None
    if not (0 < p <= 100):
        raise DataError(f"{name} must be a percentage in (0, 100]; received {top!r}.")
    return p


def top_share(values: Any, top: float = 20.0) -> float:
    """Share of total value brought by the top ``top`` percent of customers.

    The top group has ``floor(n * top / 100 + 1/2)`` customers (at least one).  Only a
    partial sort is needed, so this is O(n).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value measure per customer (profit, CLV, potential value...); negative values
        (customers who cost more than they bring) are allowed; the total must be positive.
    top : float, default 20
        Percentage of customers (in (0, 100]).

    Returns
    -------
    float
        Fraction (0..1, or more when some customers have negative value) of total value.

    Examples
    --------
    >>> from custvalue.segment import top_share
    >>> top_share([10, 1, 1, 1, 1], top=20)
    0.7142857142857143
    """
    x, _ = as_values(values)
    p = _check_percent(top)
    total = _positive_total(x, "values", "a value share")
    n = x.size
    k = max(1, int(np.floor(n * p / 100.0 + 0.5 + 1e-9)))
    if k >= n:
        return float(x.sum() / total)
    part = np.partition(x, n - k)
    return float(part[n - k:].sum() / total)


def gini(values: Any) -> float:
    """Gini coefficient of customer value.

    ``G = sum_i (2 i - n - 1) x_(i) / (n * sum_i x_i)`` with ``x_(1) <= ... <= x_(n)``, i.e.
    one minus twice the area under the Lorenz curve (Gini 1912).  Closed forms used in the
    tests: exponential 1/2, uniform(0, b) 1/3, Pareto(a) ``1/(2a-1)``.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer; the total must be positive.  With negative values the
        coefficient can exceed 1.

    Returns
    -------
    float
        The sample Gini coefficient (0 = equal values).

    Examples
    --------
    >>> from custvalue.segment import gini
    >>> gini([1, 1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 1]), 6)
    0.75
    """
    x, _ = as_values(values)
    total = _positive_total(x, "values", "the Gini coefficient")
    n = x.size
    xs = np.sort(x)
    weights = 2.0 * np.arange(1, n + 1, dtype=np.float64) - n - 1
    return float(np.dot(weights, xs / total) / n)


def lorenz_curve(values: Any, *, n_points: int | None = None) -> pd.DataFrame:
    """Lorenz curve: cumulative share of value against cumulative share of customers.

    Customers are ordered from the lowest to the highest value; the curve starts at (0, 0)
    and ends at (1, 1).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer; the total must be positive.
    n_points : int, optional
        Return the curve interpolated at ``n_points`` equally spaced customer shares
        (0..1) instead of one point per customer (useful for plots of large bases).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_share`` and ``value_share``.

    Examples
    --------
    >>> from custvalue.segment import lorenz_curve
    >>> lorenz_curve([1, 3]).value_share.tolist()
    [0.0, 0.25, 1.0]
    """
    x, _ = as_values(values)
    total = _positive_total(x, "values", "the Lorenz curve")
    n = x.size
    cum = np.empty(n + 1)
    cum[0] = 0.0
    np.cumsum(np.sort(x), out=cum[1:])
    cum /= total
    return _curve(cum, n_points)


def _curve(cum: np.ndarray, n_points: int | None) -> pd.DataFrame:
    """The Lorenz curve from its cumulative value shares ``cum`` (length n + 1), optionally
    interpolated at ``n_points`` equally spaced customer shares."""
    pop = np.arange(cum.size, dtype=np.float64) / (cum.size - 1)
    if n_points is not None:
        grid = np.linspace(0.0, 1.0, check_whole_number(n_points, "n_points", minimum=2))
        return pd.DataFrame({"customer_share": grid, "value_share": np.interp(grid, pop, cum)})
    return pd.DataFrame({"customer_share": pop, "value_share": cum})


class Concentration(FrozenMixin):
    """Lorenz curve, Gini coefficient and top-k% shares of one value measure.

    Attributes
    ----------
    lorenz : pandas.DataFrame
        ``customer_share``, ``value_share`` (see :func:`lorenz_curve`).
    gini : float
        Gini coefficient (see :func:`gini`).
    top_shares : pandas.Series
        Share of total value of the top ``p`` percent, indexed by ``p``.
    n_customers : int
    total_value : float

    Parameters
    ----------
    lorenz : pandas.DataFrame
        The Lorenz curve.
    gini_ : float
        The Gini coefficient.
    top_shares : pandas.Series
        Value shares of the top ``p`` percent, indexed by ``p``.
    n : int
        Number of customers.
    total : float
        Total value.

    Notes
    -----
    Built by :func:`concentration_summary`; users do not construct it directly.

    Examples
    --------
    >>> from custvalue.segment import concentration_summary
    >>> concentration_summary([1.0, 1.0, 1.0, 1.0, 6.0], tops=(20,))
    Concentration(n=5, Gini=0.4000, top 20%: 60.0%)
    """

    def __init__(self, lorenz: pd.DataFrame, gini_: float, top_shares: pd.Series, n: int, total: float):
        self.lorenz = lorenz
        self.gini = gini_
        self.top_shares = top_shares
        self.n_customers = n
        self.total_value = total
        self._freeze()

    def __repr__(self) -> str:
        shares = ", ".join(f"top {p:g}%: {v:.1%}" for p, v in self.top_shares.items())
        return f"Concentration(n={self.n_customers}, Gini={self.gini:.4f}, {shares})"


def concentration_summary(values: Any, *, tops: tuple[float, ...] = (1.0, 20.0, 50.0),
                  n_points: int | None = None) -> Concentration:
    """Lorenz curve, Gini and top-k% shares from a single sort of the values.

    Gives the same numbers as :func:`lorenz_curve`, :func:`gini` and :func:`top_share`
    called separately, at the cost of one sort instead of one each.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer; the total must be positive.
    tops : tuple of float, default (1, 20, 50)
        Percentages of top customers whose value share is reported.
    n_points : int, optional
        Interpolate the Lorenz curve at this many points (see :func:`lorenz_curve`).

    Returns
    -------
    Concentration
        ``lorenz``, ``gini``, ``top_shares``.

    Examples
    --------
    >>> from custvalue.segment import concentration_summary
    >>> c = concentration_summary([1.0, 1.0, 1.0, 1.0, 6.0], tops=(20,))
    >>> round(c.gini, 3), float(c.top_shares[20])
    (0.4, 0.6)
    """
    x, _ = as_values(values)
    total = _positive_total(x, "values", "concentration measures")
    n = x.size
    xs = np.sort(x)
    cum = np.empty(n + 1)
    cum[0] = 0.0
    np.cumsum(xs, out=cum[1:])
    weights = 2.0 * np.arange(1, n + 1, dtype=np.float64) - n - 1
    g = float(np.dot(weights, xs / total) / n)
    shares = {}
    for p in tops:  # a few percentages
        pp = _check_percent(p, "tops")
        k = max(1, int(np.floor(n * pp / 100.0 + 0.5 + 1e-9)))
        shares[pp] = float((cum[n] - cum[n - min(k, n)]) / total)
    cum /= total
    curve = _curve(cum, n_points)
    return Concentration(curve, g, pd.Series(shares, name="top_share").rename_axis("top_percent"), n, total)


def abc_classes(values: Any, *, shares: tuple[float, ...] = (80.0, 15.0, 5.0),
                labels: tuple[str, ...] = ("A", "B", "C")) -> pd.Series:
    """ABC classes by cumulative share of value.

    Customers are ranked by value (largest first, equal values by index label); a customer
    is in class A when the customers ranked above it bring less than ``shares[0]`` percent
    of total value (so the customer that crosses the threshold is in A), in B when they bring
    less than ``shares[0] + shares[1]`` percent, and so on.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer; the total must be positive.
    shares : tuple of float, default (80, 15, 5)
        Value share of each class in percent; positive, summing to 100.
    labels : tuple of str, default ("A", "B", "C")
        Class names, one per share.

    Returns
    -------
    pandas.Series
        Ordered categorical class per customer, indexed like ``values``.

    Examples
    --------
    >>> from custvalue.segment import abc_classes
    >>> abc_classes([100, 10, 5, 1]).tolist()
    ['A', 'B', 'B', 'C']
    """
    x, index = as_values(values)
    sizes, labels = check_tier_sizes(shares, labels, name="shares")
    total = _positive_total(x, "values", "ABC classes")
    order = np.argsort(-x, kind="stable")
    if not index.is_monotonic_increasing:
        # equal values ranked by label: a stable sort by label first, then by value
        by_label = _label_order(index, np.arange(x.size))
        order = by_label[np.argsort(-x[by_label], kind="stable")]
    before = np.concatenate(([0.0], np.cumsum(x[order])[:-1])) / total
    cum = np.cumsum(sizes)[:-1] / 100.0
    codes = np.empty(x.size, dtype=np.int64)
    codes[order] = np.searchsorted(cum, before, side="right")  # before < cum[0] -> class 0
    cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return pd.Series(cat, index=index, name="abc_class")


def plot_lorenz(values: Any, *, ax: Any = None, label: str | None = None,
                n_points: int = 1001) -> Any:
    """Plot the Lorenz curve of ``values`` with the line of equality.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value per customer.
    ax : matplotlib Axes, optional
        Axes to draw on (a new figure when omitted).
    label : str, optional
        Legend label; defaults to the Gini coefficient.
    n_points : int, default 1001
        Points used to draw the curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.segment import plot_lorenz
    >>> ax = plot_lorenz([1, 2, 3, 10])
    """
    import matplotlib.pyplot as plt

    curve = lorenz_curve(values, n_points=n_points)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    if label is None:
        label = f"Gini = {gini(values):.3f}"
    ax.plot(curve["customer_share"], curve["value_share"], label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="equality")
    ax.set_xlabel("cumulative share of customers (lowest value first)")
    ax.set_ylabel("cumulative share of value")
    ax.legend(loc="upper left")
    return ax
