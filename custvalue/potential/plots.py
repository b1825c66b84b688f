"""Pictures of the multivariate probit: the GHK correlation matrix with its intervals, and the
calibration of predicted against observed ownership by decile (with its numeric twin).

matplotlib is imported lazily; every drawing takes ``ax=None`` (a new figure) and returns the
Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_whole_number
from ..exceptions import DataError
from .evaluation import _pair
from .mvprobit import MultivariateProbitResults

__all__ = ["ownership_calibration", "plot_ownership_calibration", "plot_correlation_matrix"]


def _new_axes(ax: Any, size: tuple[float, float] = (6.0, 4.8)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_correlation_matrix(results: MultivariateProbitResults, *, level: float = 0.95, ax: Any = None) -> Any:
    """Heat map of the estimated correlations of the latent ownership propensities, with CIs.

    Each cell shows the correlation (GHK simulated maximum likelihood, Verhoef & Donkers 2001)
    and, off the diagonal, its Fisher-z interval from
    :meth:`~custvalue.potential.MultivariateProbitResults.corr_table` as ``[lower, upper]``.
    The colour scale is fixed to [-1, 1].

    Parameters
    ----------
    results : MultivariateProbitResults
        A fitted multivariate probit.
    level : float, default 0.95
        Confidence level of the intervals.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The image (``ax.images[0]``) holds ``results.corr``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.simulate.potential import simulate_potential_base
    >>> from custvalue.potential import MultivariateProbit, plot_correlation_matrix
    >>> base = simulate_potential_base(300, n_products=2, seed=1)
    >>> res = MultivariateProbit(base.ownership, base.covariates).fit()
    >>> ax = plot_correlation_matrix(res)
    >>> ax.images[0].get_array()[0, 1].round(3)
    np.float64(0.385)
    """
    if not isinstance(results, MultivariateProbitResults):
        raise DataError(f"results must be a fitted MultivariateProbitResults; received {type(results).__name__}.")
    table = results.corr_table(level)  # checks level
    corr = results.corr
    products = [str(p) for p in corr.index]
    ax = _new_axes(ax)
    image = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    lower, upper = table.iloc[:, 2], table.iloc[:, 3]
    position = {str(p): i for i, p in enumerate(corr.index)}
    for i in range(len(products)):
        ax.text(i, i, "1", ha="center", va="center", color="white")
    for (a, b), r, lo, hi in zip(table.index, table["corr"], lower, upper):
        for i, j in ((position[str(a)], position[str(b)]), (position[str(b)], position[str(a)])):
            ax.text(j, i, f"{r:.2f}\n[{lo:.2f}, {hi:.2f}]", ha="center", va="center", fontsize=9,
                    color="white" if abs(r) > 0.6 else "black")
    ax.set_xticks(range(len(products)), products, rotation=45, ha="right")
    ax.set_yticks(range(len(products)), products)
    ax.set_xlabel("product")
    ax.set_ylabel("product")
    ax.set_title(f"Correlation of ownership propensities ({100 * level:g}% CI)")
    ax.figure.colorbar(image, ax=ax, label="correlation")
    return ax


def ownership_calibration(y_true: Any, probability: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Predicted against observed ownership by group of predicted probability, per product.

    For each product, customers are ranked by predicted probability (ties in order of
    appearance) and the ranks cut at their exact ``n_bins``-quantiles (the groups of
    ``pandas.qcut(rank, n_bins)`` with rational edges; qcut's floating-point edges can move a
    rank across an edge): equal sizes when ``n_bins`` divides the number of customers,
    and sizes that differ by at most one otherwise); each group reports its mean predicted
    probability and its observed ownership share. A calibrated model has the two equal in every
    group.

    Parameters
    ----------
    y_true : (n, J) DataFrame or array of 0/1
        Observed ownership.
    probability : (n, J) DataFrame or array
        Predicted ownership probabilities in [0, 1], e.g. ``results.predict(data)``; two
        DataFrames are matched by customer label and product name.
    n_bins : int, default 10
        Number of groups (10: deciles); at most the number of customers.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(product, group)`` with group 1 the lowest predictions: ``n_customers``,
        ``predicted`` (mean probability) and ``observed`` (share owning).

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"car": [0, 0, 1, 1]})
    >>> p = pd.DataFrame({"car": [0.1, 0.3, 0.6, 0.8]})
    >>> ownership_calibration(y, p, n_bins=2).round(2).to_dict("list")
    {'n_customers': [2, 2], 'predicted': [0.2, 0.7], 'observed': [0.0, 1.0]}
    """
    n_bins = check_whole_number(n_bins, "n_bins", minimum=1)
    y, p, products = _matrices(y_true, probability)
    n = y.shape[0]
    if n_bins > n:
        raise DataError(f"n_bins must be at most the number of customers ({n}); received {n_bins}.")
    order = np.argsort(p, axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n)[:, None], axis=0)
    # quantile groups of the ranks 0..n-1 (right-closed, as pandas.qcut cuts them): rank k is in
    # group ceil(k n_bins / (n - 1)), the lowest rank in the first; integer arithmetic, no edge rounding
    group = np.maximum(-((-ranks * n_bins) // max(n - 1, 1)), 1) - 1
    J = len(products)
    flat = (group + n_bins * np.arange(J)).ravel()
    counts = np.bincount(flat, minlength=J * n_bins)
    pred = np.bincount(flat, weights=p.ravel(), minlength=J * n_bins) / counts
    obs = np.bincount(flat, weights=y.ravel(), minlength=J * n_bins) / counts
    index = pd.MultiIndex.from_product([products, range(1, n_bins + 1)], names=["product", "group"])
    return pd.DataFrame({"n_customers": counts, "predicted": pred, "observed": obs}, index=index)


def _matrices(y_true: Any, probability: Any) -> tuple[np.ndarray, np.ndarray, list]:
    """Aligned (n, J) arrays of 0/1 ownership and probabilities, checked, and the product names."""
    if isinstance(y_true, pd.DataFrame) and isinstance(probability, pd.DataFrame):
        if set(y_true.columns) != set(probability.columns):
            raise DataError("y_true and probability must have the same products (columns); y_true has "
                            f"{list(y_true.columns)}, probability {list(probability.columns)}.")
        probability = probability[list(y_true.columns)]
    products = list(y_true.columns) if isinstance(y_true, pd.DataFrame) else \
        list(probability.columns) if isinstance(probability, pd.DataFrame) else None
    y_cols, p_cols = [], []
    y_frame, p_frame = pd.DataFrame(y_true), pd.DataFrame(probability)
    if y_frame.shape[1] != p_frame.shape[1]:
        raise DataError(f"y_true and probability must have the same number of products; received "
                        f"{y_frame.shape[1]} and {p_frame.shape[1]}.")
    if products is None:
        products = list(range(y_frame.shape[1]))
    for k in range(y_frame.shape[1]):  # a few products: each column checked and aligned by _pair
        yk, pk = _pair(y_frame.iloc[:, k], p_frame.iloc[:, k], ("y_true", "probability"))
        y_cols.append(yk)
        p_cols.append(pk)
    y, p = np.column_stack(y_cols), np.column_stack(p_cols)
    bad = np.flatnonzero(((y != 0) & (y != 1)).any(axis=1))
    if bad.size:
        raise DataError(f"y_true must be 0/1 ownership; {bad.size} rows are not (first row position: {bad[0]}).")
    bad = np.flatnonzero(((p < 0) | (p > 1)).any(axis=1))
    if bad.size:
        raise DataError(f"probability must be in [0, 1]; {bad.size} rows are not (first row position: {bad[0]}).")
    return y, p, products


def plot_ownership_calibration(y_true: Any, probability: Any, *, n_bins: int = 10, ax: Any = None) -> Any:
    """Calibration plot: observed ownership share against mean predicted probability by group.

    One line with markers per product, from :func:`ownership_calibration` (its numeric twin),
    and the diagonal of perfect calibration.

    Parameters
    ----------
    y_true : (n, J) DataFrame or array of 0/1
        Observed ownership.
    probability : (n, J) DataFrame or array
        Predicted ownership probabilities in [0, 1].
    n_bins : int, default 10
        Number of groups (10: deciles).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[k]`` is product ``k`` (x: predicted, y: observed); the last line is the
        diagonal.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> y = pd.DataFrame({"car": [0, 0, 1, 1]})
    >>> p = pd.DataFrame({"car": [0.1, 0.3, 0.6, 0.8]})
    >>> ax = plot_ownership_calibration(y, p, n_bins=2)
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 1.0]
    """
    table = ownership_calibration(y_true, probability, n_bins=n_bins)
    ax = _new_axes(ax)
    for product, rows in table.groupby(level="product", sort=False):
        ax.plot(rows["predicted"].to_numpy(), rows["observed"].to_numpy(), marker="o", label=str(product))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted ownership probability (group)")
    ax.set_ylabel("observed share owning (group)")
    ax.set_title(f"Ownership calibration by {n_bins} groups of predicted probability")
    ax.legend(title="product", fontsize=8)
    return ax
