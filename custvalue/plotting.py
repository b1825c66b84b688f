"""Plots of fitted customer-value models. matplotlib is imported lazily; every function
takes ``ax=None`` (a new figure is made) and returns the Axes.

Concentration (Lorenz) plots live in :mod:`custvalue.segment`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_finite_scalar, check_positive_scalar, check_whole_number
from .exceptions import DataError

__all__ = ["plot_tracking", "plot_p_alive_matrix", "plot_clv_distribution", "clv_plot_range"]


def _axes(ax: Any):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.2))
    return ax


def _integer_axis(axis: Any) -> None:
    """Counts: whole-number ticks with thousands separators."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def plot_tracking(actual: pd.Series, expected: pd.Series, *, calibration_end: float | None = None,
                  ax: Any = None, xlabel: str = "weeks since start",
                  ylabel: str = "cumulative repeat transactions"):
    """Actual versus expected cumulative repeat transactions over calendar time.

    Parameters
    ----------
    actual, expected : pandas.Series
        Cumulative repeat transactions indexed by time.
    calibration_end : float, optional
        Time of the end of the calibration period (drawn as a vertical line).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    xlabel : str, default "weeks since start"
        Label of the time axis (say the unit).
    ylabel : str, default "cumulative repeat transactions"
        Label of the count axis (whole-number ticks).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_tracking(pd.Series([1.0, 3.0]), pd.Series([1.2, 2.9]))
    """
    curves = {}
    for name, s in (("actual", actual), ("expected", expected)):
        if not isinstance(s, pd.Series):
            raise DataError(f"{name} must be a pandas Series indexed by time; received {type(s).__name__}.")
        curves[name] = (as_float_array(s.index, f"{name}'s index (time)"), as_float_array(s, name))
    if calibration_end is not None:
        calibration_end = check_finite_scalar(calibration_end, "calibration_end")
    ax = _axes(ax)
    ax.plot(*curves["actual"], label="actual", color="black")
    ax.plot(*curves["expected"], label="model", color="tab:blue", linestyle="--")
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _integer_axis(ax.yaxis)
    ax.legend()
    return ax


def plot_p_alive_matrix(results: Any, *, T: float, max_frequency: int = 20, ax: Any = None,
                        time_unit: str = ""):
    """P(alive) for a customer of age ``T`` by frequency and recency (FHL 2005, figure 5 style).

    Parameters
    ----------
    results : fitted purchase-count results with ``p_alive``.
    T : float
        Customer age at which to evaluate.
    max_frequency : int, default 20
    ax : matplotlib.axes.Axes, optional
    time_unit : str, default ""
        Unit of ``T`` and recency for the labels (e.g. ``"weeks"``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> ax = plot_p_alive_matrix(BetaGeo().fit(load_cdnow_summary()), T=39.0, time_unit="weeks")
    >>> ax.get_title()
    'P(alive) of a customer aged T = 39.0 weeks'
    """
    if not hasattr(results, "p_alive"):
        raise DataError(f"results must be a fitted purchase model with p_alive (e.g. BetaGeo().fit(...)); "
                        f"received {type(results).__name__}.")
    T = check_positive_scalar(T, "T")
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=1)
    ax = _axes(ax)
    f = np.arange(0, max_frequency + 1, dtype=float)
    rec = np.linspace(0, T, 40)
    F, R = np.meshgrid(f, rec, indexing="ij")
    R = np.where(F == 0, 0.0, R)
    p = results.p_alive(frequency=F.ravel(), recency=R.ravel(), T=np.full(F.size, T)).to_numpy()
    im = ax.imshow(p.reshape(F.shape), origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis",
                   extent=(0, T, -0.5, max_frequency + 0.5))
    ax.figure.colorbar(im, ax=ax, label="P(alive)")
    unit = f" {time_unit}" if time_unit else ""
    ax.set_xlabel(f"recency: age at the last purchase{' (' + time_unit + ')' if time_unit else ''}")
    ax.set_ylabel("frequency (repeat purchases)")
    _integer_axis(ax.yaxis)
    ax.set_title(f"P(alive) of a customer aged T = {T:.1f}{unit}")
    return ax


def clv_plot_range(clv: Any, *, lower: float = 0.01, upper_quantile: float = 0.995) -> dict[str, float]:
    """The range :func:`plot_clv_distribution` draws, and how many customers fall outside it.

    Values below ``lower`` (by default a cent: customers who have almost surely left, whose
    CLV runs down to 1e-14) and above the ``upper_quantile`` of the values are not drawn.

    Parameters
    ----------
    clv : array-like
        CLV per customer.
    lower : float, default 0.01
        Smallest value drawn (> 0: the axis is logarithmic).
    upper_quantile : float, default 0.995
        Quantile of the values that sets the largest value drawn.

    Returns
    -------
    dict
        ``lower``, ``upper``, ``n_below``, ``n_above``, ``n`` (all customers).

    Examples
    --------
    >>> r = clv_plot_range(np.r_[1e-14, np.arange(1.0, 200.0)])
    >>> r["n_below"], r["n_above"], r["upper"] > 190
    (1, 1, True)
    """
    v = as_float_array(clv, "clv")
    lower = check_positive_scalar(lower, "lower")
    upper_quantile = check_finite_scalar(upper_quantile, "upper_quantile")
    if not 0.0 < upper_quantile <= 1.0:
        raise DataError(f"upper_quantile must lie in (0, 1]; received {upper_quantile!r}.")
    hi = float(np.quantile(v, upper_quantile))
    hi = max(hi, lower * 10)
    return {"lower": float(lower), "upper": hi, "n_below": int((v < lower).sum()),
            "n_above": int((v > hi).sum()), "n": int(v.size)}


def plot_clv_distribution(clv: pd.Series, *, ax: Any = None, bins: int = 50, lower: float = 0.01,
                          upper_quantile: float = 0.995, unit: str = ""):
    """Histogram of customer lifetime values on a log scale, over a range a reader can use.

    Values below ``lower`` and above the ``upper_quantile`` (see :func:`clv_plot_range`) are
    not drawn, and the title says how many customers that leaves out.

    Parameters
    ----------
    clv : pandas.Series or array-like
        CLV per customer.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    bins : int, default 50
        Number of logarithmically spaced bins.
    lower : float, default 0.01
        Smallest value drawn.
    upper_quantile : float, default 0.995
        Quantile setting the largest value drawn.
    unit : str, default ""
        Money unit for the axis label (e.g. ``"US$"``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_clv_distribution(pd.Series([1.0, 10.0, 100.0]))
    """
    from matplotlib.ticker import FuncFormatter

    v = as_float_array(clv, "clv")
    bins = check_whole_number(bins, "bins", minimum=1)
    if not (v > 0).any():
        raise DataError("clv holds no positive value to draw on a log axis.")
    ax = _axes(ax)
    rng = clv_plot_range(v, lower=lower, upper_quantile=upper_quantile)
    shown = v[(v >= rng["lower"]) & (v <= rng["upper"])]
    ax.hist(shown, bins=np.logspace(np.log10(rng["lower"]), np.log10(rng["upper"]), bins), color="tab:blue")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.2f}" if x < 1 else f"{x:,.0f}"))
    ax.set_xlabel(f"CLV ({unit + ', ' if unit else ''}log scale)")
    ax.set_ylabel("customers")
    _integer_axis(ax.yaxis)
    n = max(rng["n"], 1)
    ax.set_title(f"not drawn: {rng['n_below']:,} customers ({rng['n_below'] / n:.1%}) below {rng['lower']:,.2f}, "
                 f"{rng['n_above']:,} ({rng['n_above'] / n:.1%}) above {rng['upper']:,.2f}", fontsize=9)
    return ax
