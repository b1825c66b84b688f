"""Plots of fitted customer-value models. matplotlib is imported lazily; every function
takes ``ax=None`` (a new figure is made) and returns the Axes.

Concentration (Lorenz) plots live in :mod:`custvalue.segment`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_finite_scalar, check_positive_scalar, check_whole_number
from .exceptions import DataError

__all__ = ["plot_tracking", "plot_p_alive_matrix", "plot_clv_distribution"]


def _axes(ax: Any):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.2))
    return ax


def plot_tracking(actual: pd.Series, expected: pd.Series, *, calibration_end: float | None = None,
                  ax: Any = None, xlabel: str = "weeks since start"):
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
        Label of the time axis.

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
    ax.set_ylabel("cumulative repeat transactions")
    ax.legend()
    return ax


def plot_p_alive_matrix(results: Any, *, T: float, max_frequency: int = 20, ax: Any = None):
    """P(alive) for a customer of age ``T`` by frequency and recency (FHL 2005, figure 5 style).

    Parameters
    ----------
    results : fitted purchase-count results with ``p_alive``.
    T : float
        Customer age at which to evaluate.
    max_frequency : int, default 20
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> ax = plot_p_alive_matrix(BetaGeo().fit(load_cdnow_summary()), T=39.0)
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
    ax.set_xlabel("recency (time of last purchase)")
    ax.set_ylabel("frequency (repeat purchases)")
    ax.set_title(f"P(alive) for customers of age T = {T:g}")
    return ax


def plot_clv_distribution(clv: pd.Series, *, ax: Any = None, bins: int = 50):
    """Histogram of customer lifetime values on a log scale.

    Only positive values are drawn (a log axis cannot show zero or negative CLV).

    Parameters
    ----------
    clv : pandas.Series or array-like
        CLV per customer.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    bins : int, default 50
        Number of logarithmically spaced bins.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_clv_distribution(pd.Series([1.0, 10.0, 100.0]))
    """
    v = as_float_array(clv, "clv")
    bins = check_whole_number(bins, "bins", minimum=1)
    v = v[v > 0]
    if v.size == 0:
        raise DataError("clv holds no positive value to draw on a log axis.")
    ax = _axes(ax)
    ax.hist(v, bins=np.logspace(np.log10(v.min()), np.log10(v.max()), bins), color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("CLV")
    ax.set_ylabel("customers")
    return ax
