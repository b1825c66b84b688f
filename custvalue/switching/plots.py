"""Pictures of switching: the brand-switching matrix as a heat map and Shy's switching-cost
estimates with their intervals across brands.

matplotlib is imported lazily; every drawing takes ``ax=None`` (a new figure) and returns the
Axes. The numbers behind them are :attr:`BrandSwitchingResults.matrix` and
:meth:`ShyResults.table`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import DataError
from .brand_switching import BrandSwitchingResults
from .shy import ShyResults

__all__ = ["plot_switching_matrix", "plot_switching_costs"]


def _new_axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_switching_matrix(results: BrandSwitchingResults, *, ax: Any = None) -> Any:
    """Heat map of the brand-switching matrix: P(brand now | brand last time).

    Rows are the brand bought last time, columns the brand bought now; each cell is annotated
    with its probability to 2 decimals, and the colour scale is fixed to [0, 1]. The diagonal
    is the repeat-purchase (retention) rate of each brand.

    Parameters
    ----------
    results : BrandSwitchingResults
        From :func:`~custvalue.switching.brand_switching_matrix`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The image (``ax.images[0]``) holds ``results.matrix``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.switching import brand_switching_matrix, plot_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
    >>> ax = plot_switching_matrix(res)
    >>> ax.images[0].get_array().tolist()
    [[0.6666666666666666, 0.3333333333333333], [0.5, 0.5]]
    """
    if not isinstance(results, BrandSwitchingResults):
        raise DataError(f"results must be BrandSwitchingResults (from brand_switching_matrix); received "
                        f"{type(results).__name__}.")
    P = results.matrix
    brands = [str(b) for b in P.index]
    k = len(brands)
    ax = _new_axes(ax, (max(4.5, 0.8 * k + 2.5), max(3.8, 0.7 * k + 1.8)))
    image = ax.imshow(P.to_numpy(dtype=float), cmap="Blues", vmin=0.0, vmax=1.0)
    values = P.to_numpy(dtype=float)
    for i in range(k):  # one annotation per cell of a brands x brands matrix
        for j in range(k):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center",
                    color="white" if values[i, j] > 0.6 else "black", fontsize=9)
    ax.set_xticks(range(k), brands, rotation=45 if k > 6 else 0)
    ax.set_yticks(range(k), brands)
    ax.set_xlabel("brand bought now")
    ax.set_ylabel("brand bought last time")
    ax.set_title("Brand-switching matrix")
    ax.figure.colorbar(image, ax=ax, label="transition probability")
    return ax


def plot_switching_costs(results: ShyResults, *, level: float = 0.95, ax: Any = None) -> Any:
    """Shy (2002) switching-cost estimates by brand with their confidence intervals.

    A point per firm at ``switching_cost`` with an error bar from ``lower`` to ``upper`` of
    :meth:`ShyResults.table` (no bar where no sampling error was supplied), and a line at 0:
    a negative estimate means the observed prices are not undercut-proof for that firm.

    Parameters
    ----------
    results : ShyResults
        From :func:`~custvalue.switching.shy_switching_costs`.
    level : float, default 0.95
        Confidence level of the intervals.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` holds the estimates (x: firm position, y: switching cost), in the
        order of ``results.switching_costs``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.switching import shy_switching_costs, plot_switching_costs
    >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5)
    >>> plot_switching_costs(res).lines[0].get_ydata().tolist()
    [6.0, 4.0]
    """
    if not isinstance(results, ShyResults):
        raise DataError(f"results must be ShyResults (from shy_switching_costs); received {type(results).__name__}.")
    table = results.table(level)  # checks level
    est = table["switching_cost"].to_numpy(dtype=float)
    lower, upper = table["lower"].to_numpy(dtype=float), table["upper"].to_numpy(dtype=float)
    x = np.arange(len(table))
    firms = [str(f) for f in table.index]
    ax = _new_axes(ax, (max(4.5, 0.7 * len(firms) + 2.0), 4.0))
    yerr = np.vstack([est - lower, upper - est])
    ax.errorbar(x, est, yerr=np.where(np.isfinite(yerr), yerr, 0.0), fmt="o", capsize=4, color="#33507a",
                label=f"estimate and {100 * level:g}% CI")
    ax.axhline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_xticks(x, firms, rotation=45 if len(firms) > 6 else 0)
    ax.set_xlabel("firm (brand)")
    ax.set_ylabel("switching cost (price units)")
    ax.set_title("Switching costs (Shy 2002)")
    ax.legend(fontsize=8)
    return ax
