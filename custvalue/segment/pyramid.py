"""The customer pyramid: value tiers (important / secondary / ordinary / small).

*CRM theory* divides customers into key customers, the top 20% said to bring
about 80% of profit, split into *important* (top 1%) and *secondary* (next 19%) customers,
*ordinary* customers (next 30%) and *small* customers (bottom 50%), some of whom cost more
than they bring.  Zeithaml, Rust & Lemon (2001, California Management Review 43(4), "The
customer pyramid") give the same four-tier construction (platinum / gold / iron / lead).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..base import FrozenMixin, Summary
from .._validation import align_to_index
from ..exceptions import DataError
from ._common import as_values, check_tier_sizes, tier_boundaries, tier_of_rank
from .concentration import _check_percent, top_share

__all__ = ["customer_pyramid", "pyramid_summary", "PyramidSummary", "plot_pyramid",
           "DEFAULT_CUT_POINTS", "DEFAULT_LABELS"]

#: Tier sizes in percent of customers, top tier first (*CRM theory*).
DEFAULT_CUT_POINTS: tuple[float, ...] = (1, 19, 30, 50)
#: Tier names, top tier first (*CRM theory*: 重要客户, 次要客户, 普通客户, 小客户).
DEFAULT_LABELS: tuple[str, ...] = ("important", "secondary", "ordinary", "small")


def customer_pyramid(values: Any, *, cut_points: Sequence[float] = DEFAULT_CUT_POINTS,
                     labels: Sequence[str] = DEFAULT_LABELS) -> pd.Series:
    """Assign each customer to a tier of the customer pyramid by a value measure.

    Customers are ranked by value, largest first; the top ``cut_points[0]`` percent form the
    first tier, the next ``cut_points[1]`` percent the second, and so on.  Tier ``k`` holds
    the customers ranked ``b_{k-1} .. b_k - 1`` where ``b_k = floor(n * (c_1 + ... + c_k)
    / 100 + 1/2)``, so tier sizes are exact counts (a tier can be empty for tiny bases).

    Ties are split deterministically: customers with equal value are ranked by their index
    label (ascending), so the result depends only on the (label, value) pairs, never on row
    order.  Negative values (customers who cost more than they bring) are ranked like any
    other value and end up at the bottom.  Runs in O(n) (partial sorts only).

    Parameters
    ----------
    values : array-like or pandas.Series
        Value measure per customer: historical profit, CLV, potential value...  NaN or
        infinite values raise :class:`~custvalue.exceptions.DataError`.
    cut_points : sequence of float, default (1, 19, 30, 50)
        Size of each tier in percent of customers, top tier first; strictly positive and
        summing to 100 (*CRM theory*'s 1 / 19 / 30 / 50 split).
    labels : sequence of str, default ("important", "secondary", "ordinary", "small")
        Tier names, top tier first.

    Returns
    -------
    pandas.Series
        Ordered categorical named ``"tier"``, indexed like ``values`` (a ``RangeIndex`` for
        arrays); categories are ``labels`` in order (top tier first).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.segment import customer_pyramid
    >>> tiers = customer_pyramid(np.arange(100.0))
    >>> tiers.value_counts(sort=False).tolist()
    [1, 19, 30, 50]
    >>> tiers.iloc[99]
    'important'
    """
    x, index = as_values(values)
    sizes, labels = check_tier_sizes(cut_points, labels)
    codes = tier_of_rank(x, tier_boundaries(sizes, x.size), index)
    cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return pd.Series(cat, index=index, name="tier")


class PyramidSummary(FrozenMixin):
    """Per-tier counts, value shares and the computed "top ``top`` percent bring X%" statement.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per tier (top first): ``n_customers``, ``customer_share``, ``total_value``,
        ``value_share``, ``mean_value``, ``min_value``, ``max_value``,
        ``cumulative_customer_share``, ``cumulative_value_share``, ``n_negative`` (customers
        with negative value) and ``negative_value`` (their summed value).
    top : float
        The percentage of customers in the statement (default 20).
    top_share : float
        Share of total value brought by the top ``top`` percent of customers.
    statement : str
        ``"The top 20% of customers bring 63.1% of total value ..."``.
    n_customers, total_value, n_negative, negative_value
        Totals over all customers.

    Parameters
    ----------
    table : pandas.DataFrame
        The per-tier table described under Attributes.
    top : float
        Percentage of customers in the statement.
    top_share_ : float
        Value share of the top ``top`` percent.
    n_negative : int
        Number of customers with negative value.
    negative_value : float
        Their summed value.

    Notes
    -----
    Built by :func:`pyramid_summary`; users do not construct it directly.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.segment import pyramid_summary
    >>> s = pyramid_summary(np.arange(1.0, 101.0))
    >>> s.n_customers, s.total_value
    (100, 5050.0)
    >>> s.statement
    'The top 20% of customers bring 35.8% of total value (the 80/20 rule says 80%).'
    """

    def __init__(self, table: pd.DataFrame, top: float, top_share_: float, n_negative: int,
                 negative_value: float):
        self.table = table
        self.top = top
        self.top_share = top_share_
        self.n_customers = int(table["n_customers"].sum())
        self.total_value = float(table["total_value"].sum())
        self.n_negative = n_negative
        self.negative_value = negative_value
        neg = ""
        if n_negative:
            neg = (f" {n_negative} customers ({n_negative / self.n_customers:.1%}) have negative "
                   f"value, together {negative_value:.4g}.")
        self.statement = (f"The top {top:g}% of customers bring {top_share_:.1%} of total value "
                          f"(the 80/20 rule says 80%).{neg}")
        self._freeze()

    def summary(self) -> Summary:
        """The table and statement as a :class:`~custvalue.base.Summary`.

        Returns
        -------
        Summary
            Totals and the top-share in the header, the tier table, and the statement as a
            note (text with ``print``, HTML in Jupyter).

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.segment import pyramid_summary
        >>> summ = pyramid_summary(np.arange(1.0, 101.0)).summary()
        >>> summ.title, summ.tables[0][1].index.tolist()
        ('Customer pyramid', ['important', 'secondary', 'ordinary', 'small'])
        """
        info = [("customers", self.n_customers), ("total value", self.total_value),
                (f"top {self.top:g}% value share", self.top_share),
                ("customers with negative value", self.n_negative)]
        return Summary("Customer pyramid", info, [("Tiers", self.table)], [self.statement])

    def __repr__(self) -> str:
        return Summary("PyramidSummary", [("customers", self.n_customers), ("total value", self.total_value),
                                          (f"top {self.top:g}% share", self.top_share)]).as_line()

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def pyramid_summary(values: Any, *, cut_points: Sequence[float] = DEFAULT_CUT_POINTS,
                    labels: Sequence[str] = DEFAULT_LABELS, top: float = 20.0,
                    tiers: pd.Series | None = None) -> PyramidSummary:
    """Summarise the customer pyramid: counts, value shares and means per tier.

    The "top 20% bring X%" statement is computed from the data (``top_share``), not
    assumed.

    Parameters
    ----------
    values : array-like or pandas.Series
        Value measure per customer (negative values allowed; the total must be positive).
    cut_points : sequence of float, default (1, 19, 30, 50)
        Tier sizes in percent (see :func:`customer_pyramid`).
    labels : sequence of str, default ("important", "secondary", "ordinary", "small")
        Tier names, top first.
    top : float, default 20
        Percentage of top customers in the statement.
    tiers : pandas.Series, optional
        Tiers computed elsewhere (e.g. on CLV) to summarise ``values`` (e.g. historical
        profit) by; one per customer of ``values`` (matched by index label when ``values``
        is a Series, by position otherwise).  By default the tiers of ``values`` itself.

    Returns
    -------
    PyramidSummary
        ``.table`` (per tier), ``.top_share``, ``.statement``. A tier with no customer (the
        top 1% of fewer than 50 customers) has ``n_customers`` 0 and NaN ``mean_value``,
        ``min_value`` and ``max_value`` (there is no value to average).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.segment import pyramid_summary
    >>> s = pyramid_summary(np.arange(1.0, 101.0))
    >>> s.table["n_customers"].tolist()
    [1, 19, 30, 50]
    >>> round(s.top_share, 4)
    0.3584
    """
    x, index = as_values(values)
    if tiers is None:
        tiers = customer_pyramid(pd.Series(x, index=index), cut_points=cut_points, labels=labels)
    else:
        if not isinstance(tiers, pd.Series) or not isinstance(tiers.dtype, pd.CategoricalDtype):
            raise DataError("tiers must be a categorical pandas Series such as the output of "
                            f"customer_pyramid; received {type(tiers).__name__}.")
        if len(tiers) != x.size:
            raise DataError(f"tiers must have one entry per customer ({x.size}); received {len(tiers)}.")
        if isinstance(values, (pd.Series, pd.DataFrame)):  # matched to values' customers by label
            tiers = align_to_index(tiers, "tiers", index, "values")
        if tiers.isna().any():
            raise DataError("tiers must not contain missing labels; "
                            f"{int(tiers.isna().sum())} rows are missing.")
    total = float(x.sum())
    if not total > 0:
        raise DataError(f"values must have a positive total to compute value shares; received a "
                        f"total of {total:g} over {x.size} customers.")
    codes = tiers.cat.codes.to_numpy()
    k = len(tiers.cat.categories)
    n = np.bincount(codes, minlength=k).astype(np.int64)
    s = np.bincount(codes, weights=x, minlength=k)
    neg = x < 0
    n_neg = np.bincount(codes[neg], minlength=k).astype(np.int64)
    v_neg = np.bincount(codes[neg], weights=x[neg], minlength=k)
    # min/max per tier with one sort-free pass each (ufunc.at over tier codes)
    mn = np.full(k, np.inf)
    mx = np.full(k, -np.inf)
    np.minimum.at(mn, codes, x)
    np.maximum.at(mx, codes, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    mn[n == 0] = np.nan
    mx[n == 0] = np.nan
    table = pd.DataFrame({
        "n_customers": n,
        "customer_share": n / x.size,
        "total_value": s,
        "value_share": s / total,
        "mean_value": mean,
        "min_value": mn,
        "max_value": mx,
        "cumulative_customer_share": np.cumsum(n) / x.size,
        "cumulative_value_share": np.cumsum(s) / total,
        "n_negative": n_neg,
        "negative_value": v_neg,
    }, index=pd.CategoricalIndex(tiers.cat.categories, ordered=True, name="tier"))
    top = _check_percent(top)
    return PyramidSummary(table, top, top_share(x, top=top), int(neg.sum()), float(x[neg].sum()))


def plot_pyramid(summary: PyramidSummary, *, ax: Any = None) -> Any:
    """Bar chart of customer share against value share per tier.

    Parameters
    ----------
    summary : PyramidSummary
        Output of :func:`pyramid_summary`.
    ax : matplotlib Axes, optional
        Axes to draw on (a new figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from custvalue.segment import pyramid_summary, plot_pyramid
    >>> ax = plot_pyramid(pyramid_summary(np.arange(1.0, 101.0)))
    """
    import matplotlib.pyplot as plt

    if not isinstance(summary, PyramidSummary):
        raise DataError(f"summary must be a PyramidSummary; received {type(summary).__name__}.")
    t = summary.table
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    pos = np.arange(len(t))
    ax.barh(pos - 0.2, 100 * t["customer_share"], height=0.4, label="% of customers")
    ax.barh(pos + 0.2, 100 * t["value_share"], height=0.4, label="% of value")
    ax.set_yticks(pos, [str(c) for c in t.index])
    ax.invert_yaxis()
    ax.set_xlabel("percent")
    ax.legend(loc="lower right")
    ax.set_title(summary.statement.split(" (")[0], fontsize=9)
    return ax
