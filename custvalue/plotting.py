"""Plots of fitted customer-value models. matplotlib is imported lazily; every function
takes ``ax=None`` (a new figure is made) and returns the Axes.

The model-checking pictures of the buy-till-you-die models each draw the DataFrame of a
numeric twin in :mod:`custvalue.clv` (``plot_repeat_purchase_histogram`` draws
:func:`custvalue.clv.repeat_purchase_histogram`, and so on), so every picture can be
checked or tabulated.

Concentration (Lorenz) plots live in :mod:`custvalue.segment`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_finite_scalar, check_positive_scalar, check_whole_number
from .clv import (frequency_recency_matrix, heterogeneity_density, holdout_by_frequency, holdout_by_recency,
                  p_alive_by_pattern, p_alive_history, repeat_purchase_histogram, retention_table,
                  tracking_table)
from .exceptions import DataError
from .units import UNIT_WORDS

__all__ = ["plot_tracking", "plot_p_alive_matrix", "plot_clv_distribution", "clv_plot_range",
           "plot_repeat_purchase_histogram", "plot_holdout_by_frequency", "plot_holdout_by_recency",
           "plot_cohort_tracking", "plot_frequency_recency_matrix", "plot_p_alive_history",
           "plot_heterogeneity", "plot_retention", "plot_p_alive_by_pattern"]


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
    max_frequency = check_whole_number(max_frequency, "max_frequency", minimum=1)
    ax = plot_frequency_recency_matrix(results, T=T, which="p_alive", max_frequency=max_frequency, ax=ax,
                                       time_unit=time_unit)
    unit = f" {time_unit}" if time_unit else ""
    ax.set_title(f"P(alive) of a customer aged T = {float(T):.1f}{unit}")
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


# -- model checking of the buy-till-you-die models (numeric twins in custvalue.clv.diagnostics) --
def _unit(time_unit: str) -> str:
    return f" ({time_unit})" if time_unit else ""


def plot_repeat_purchase_histogram(results: Any, data: pd.DataFrame, *, max_frequency: int = 7,
                                   weights: Any = None, ax: Any = None):
    """Customers by repeat purchases in the calibration period: actual and model bars.

    Draws :func:`custvalue.clv.repeat_purchase_histogram` (FHL 2005, figure 2): black bars
    the actual counts, blue bars the model's ``Σ_i P(X(T_i) = n)``; the last bin is censored
    (``"7+"``).

    Parameters
    ----------
    results : fitted purchase-count results
    data : pandas.DataFrame
        The calibration summary.
    max_frequency : int, default 7
        The censored last bin.
    weights : array-like, optional
        Number of customers each row stands for (default one).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> d = load_cdnow_summary()
    >>> ax = plot_repeat_purchase_histogram(BetaGeo().fit(d), d)
    >>> [float(p.get_height()) for p in ax.containers[0]][:3]
    [1411.0, 439.0, 214.0]
    """
    table = repeat_purchase_histogram(results, data, max_frequency=max_frequency, weights=weights)
    ax = _axes(ax)
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["actual"].to_numpy(), width=0.4, color="black", label="actual")
    ax.bar(pos + 0.2, table["model"].to_numpy(), width=0.4, color="tab:blue", label="model")
    ax.set_xticks(pos, list(table.index))
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    _integer_axis(ax.yaxis)
    ax.legend()
    return ax


def _plot_holdout(table: pd.DataFrame, x: np.ndarray, ticks: list[str] | None, xlabel: str, ax: Any):
    ax = _axes(ax)
    ax.plot(x, table["actual"].to_numpy(), "o-", color="black", label="actual")
    ax.plot(x, table["model"].to_numpy(), "s--", color="tab:blue", label="model")
    if ticks is not None:
        ax.set_xticks(x, ticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mean purchases per customer in the holdout")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def plot_holdout_by_frequency(results: Any, data: pd.DataFrame, *, holdout: Any = None, duration: Any = None,
                              max_frequency: int = 7, ax: Any = None):
    """Mean holdout purchases by calibration frequency, actual against model (FHL 2005, figure 4).

    Draws :func:`custvalue.clv.holdout_by_frequency`.

    Parameters
    ----------
    results : fitted purchase-count results
    data : pandas.DataFrame
        The calibration summary.
    holdout, duration : optional
        As in :func:`custvalue.clv.holdout_by_frequency`.
    max_frequency : int, default 7
        The censored last group.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> from custvalue.clv import BetaGeo
    >>> cal = rfm_summary(load_cdnow_sample_transactions(), customer_col="customer_id", date_col="date",
    ...                   calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> ax = plot_holdout_by_frequency(BetaGeo().fit(cal), cal)   # the frequency_holdout column
    >>> [t.get_text() for t in ax.get_xticklabels()][-1]
    '7+'
    """
    table = holdout_by_frequency(results, data, holdout=holdout, duration=duration, max_frequency=max_frequency)
    return _plot_holdout(table, np.arange(len(table), dtype=float), list(table.index),
                         "repeat purchases in the calibration period", ax)


def plot_holdout_by_recency(results: Any, data: pd.DataFrame, *, holdout: Any = None, duration: Any = None,
                            bins: int = 10, ax: Any = None, time_unit: str = ""):
    """Mean holdout purchases by calibration recency, actual against model.

    Draws :func:`custvalue.clv.holdout_by_recency` at the middle of each recency bin.

    Parameters
    ----------
    results : fitted purchase-count results
    data : pandas.DataFrame
        The calibration summary.
    holdout, duration : optional
        As in :func:`custvalue.clv.holdout_by_frequency`.
    bins : int, default 10
        Number of equal-width recency bins.
    ax : matplotlib.axes.Axes, optional
    time_unit : str, default ""
        Unit of recency for the label (e.g. ``"weeks"``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> from custvalue.clv import BetaGeo
    >>> cal = rfm_summary(load_cdnow_sample_transactions(), customer_col="customer_id", date_col="date",
    ...                   calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> ax = plot_holdout_by_recency(BetaGeo().fit(cal), cal, bins=8, time_unit="weeks")
    >>> ax.get_xlabel()
    'recency: age at the last calibration purchase (weeks)'
    """
    table = holdout_by_recency(results, data, holdout=holdout, duration=duration, bins=bins)
    return _plot_holdout(table, table.index.mid.to_numpy(dtype=float), None,
                         f"recency: age at the last calibration purchase{_unit(time_unit)}", ax)


def plot_cohort_tracking(results: Any, actual: pd.DataFrame, *, first_purchase: Any, kind: str = "incremental",
                         calibration_end: float | None = None, ax: Any = None, time_unit: str = "weeks"):
    """Repeat transactions of the cohort per period (or cumulative), actual against model.

    Draws :func:`custvalue.clv.tracking_table` with :func:`plot_tracking`, the end of the
    calibration period marked (FHL 2005, figure 3).

    Parameters
    ----------
    results : fitted purchase-count results
    actual : pandas.DataFrame
        Observed repeat transactions (:func:`custvalue.clv.actual_repeat_transactions`).
    first_purchase : array-like
        Acquisition time of each customer.
    kind : {"incremental", "cumulative"}, default "incremental"
        Per period or cumulative.
    calibration_end : float, optional
        Time of the end of the calibration period.
    ax : matplotlib.axes.Axes, optional
    time_unit : str, default "weeks"
        Unit of the time axis (the period of ``actual``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_sample_transactions, load_cdnow_summary
    >>> from custvalue.clv import BetaGeo, actual_repeat_transactions
    >>> d = load_cdnow_summary()
    >>> a = actual_repeat_transactions(load_cdnow_sample_transactions(), customer_col="customer_id",
    ...                                date_col="date", origin="1997-01-01", times=range(1, 79))
    >>> ax = plot_cohort_tracking(BetaGeo().fit(d), a, first_purchase=38.86 - d["T"], calibration_end=39)
    >>> ax.get_ylabel()
    'repeat transactions per period (weeks)'
    """
    if kind not in ("incremental", "cumulative"):
        raise DataError(f"kind must be 'incremental' or 'cumulative'; received {kind!r}.")
    table = tracking_table(results, actual, first_purchase=first_purchase)
    ylabel = ("cumulative repeat transactions" if kind == "cumulative"
              else f"repeat transactions per period{_unit(time_unit)}")
    return plot_tracking(table[f"actual_{kind}"], table[f"model_{kind}"], calibration_end=calibration_end, ax=ax,
                         xlabel=f"time since the origin{_unit(time_unit)}", ylabel=ylabel)


def plot_frequency_recency_matrix(results: Any, *, T: float, which: str = "p_alive", horizon: float | None = None,
                                  max_frequency: int = 20, ax: Any = None, time_unit: str = ""):
    """Heat map of P(alive) or of expected purchases by frequency and recency (FHL 2005, figs 5-6).

    Draws :func:`custvalue.clv.frequency_recency_matrix` (40 recencies from 0 to ``T``).

    Parameters
    ----------
    results : fitted continuous-time purchase-count results
    T : float
        Customer age.
    which : {"p_alive", "expected_purchases"}, default "p_alive"
        The prediction drawn.
    horizon : float, optional
        Future period, required with ``which="expected_purchases"``.
    max_frequency : int, default 20
    ax : matplotlib.axes.Axes, optional
    time_unit : str, default ""
        Unit of ``T``, recency and ``horizon`` for the labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> ax = plot_frequency_recency_matrix(BetaGeo().fit(load_cdnow_summary()), T=39.0, which="expected_purchases",
    ...                                    horizon=52.0, time_unit="weeks")
    >>> ax.get_title(), ax.figure.axes[-1].get_ylabel()
    ('customer aged T = 39.0 weeks', 'expected purchases in the next 52 weeks')
    """
    table = frequency_recency_matrix(results, T=T, which=which, horizon=horizon, max_frequency=max_frequency)
    T = float(T)
    ax = _axes(ax)
    values = table.to_numpy()
    p_alive = which == "p_alive"
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=0 if p_alive else None,
                   vmax=1 if p_alive else None, extent=(0, T, -0.5, len(table) - 0.5))
    unit = f" {time_unit}" if time_unit else ""
    label = "P(alive)" if p_alive else f"expected purchases in the next {float(horizon):g}{unit}"
    ax.figure.colorbar(im, ax=ax, label=label)
    ax.set_xlabel(f"recency: age at the last purchase{_unit(time_unit)}")
    ax.set_ylabel("frequency (repeat purchases)")
    _integer_axis(ax.yaxis)
    ax.set_title(f"customer aged T = {T:.1f}{unit}")
    return ax


def plot_p_alive_history(results: Any, dates: Any, *, observation_end: Any, freq: str = "W", n_points: int = 200,
                         ax: Any = None):
    """One customer's P(alive) through time, purchases marked (lifetimes' ``plot_history_alive``).

    Draws :func:`custvalue.clv.p_alive_history`; dotted vertical lines mark the repeat
    purchases.

    Parameters
    ----------
    results : fitted continuous-time purchase-count results
    dates : array-like of dates
        The customer's transaction dates.
    observation_end : date-like
        Last date observed; later transactions are ignored.
    freq : {"D", "W", "M"}, default "W"
        The model's time unit.
    n_points : int, default 200
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> ax = plot_p_alive_history(res, ["1997-01-01", "1997-01-18", "1997-08-02"], observation_end="1997-09-30")
    >>> ax.get_xlabel()
    'time since the first purchase (weeks)'
    """
    table = p_alive_history(results, dates, observation_end=observation_end, freq=freq, n_points=n_points)
    ax = _axes(ax)
    ax.plot(table.index.to_numpy(), table["p_alive"].to_numpy(), color="tab:blue", label="P(alive)")
    purchases = np.unique(table["recency"].to_numpy()[table["frequency"].to_numpy() > 0])
    for i, t in enumerate(purchases):
        ax.axvline(t, color="grey", linestyle=":", label="repeat purchase" if i == 0 else None)
    unit = UNIT_WORDS[freq]
    ax.set_xlabel(f"time since the first purchase ({unit})")
    ax.set_ylabel("P(alive)")
    ax.set_ylim(0, 1.05)
    ax.legend()
    return ax


def plot_heterogeneity(results: Any, *, which: str = "purchase", n_points: int = 200, ax: Any = None):
    """Fitted density of the customers' latent purchase or dropout rates (or probabilities).

    Draws :func:`custvalue.clv.heterogeneity_density`; the x label names the latent quantity
    and its unit, the title the distribution.

    Parameters
    ----------
    results : fitted purchase-count results
    which : {"purchase", "dropout"}, default "purchase"
    n_points : int, default 200
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> ax = plot_heterogeneity(BetaGeo().fit(load_cdnow_summary()))
    >>> ax.get_title()
    'Gamma(r=0.243, alpha=4.414)'
    """
    table = heterogeneity_density(results, which=which, n_points=n_points)
    ax = _axes(ax)
    ax.plot(table.index.to_numpy(), table["density"].to_numpy(), color="tab:blue")
    ax.set_xlabel(table.index.name)
    ax.set_ylabel("density")
    ax.set_ylim(bottom=0)
    ax.set_title(table.attrs["distribution"])
    return ax


def plot_retention(results: Any, survivors: Any, *, which: str = "survival", ax: Any = None):
    """A cohort's survival or retention curve, actual (points) against the fitted sBG model
    (line), as in Fader & Hardie (2007) figures 2-3.

    Draws :func:`custvalue.clv.retention_table`.

    Parameters
    ----------
    results : ShiftedBetaGeometricResults
    survivors : array-like or pandas.Series
        Customers active at the start of periods 0..n.
    which : {"survival", "retention"}, default "survival"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.clv import ShiftedBetaGeometric
    >>> alive = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> ax = plot_retention(ShiftedBetaGeometric().fit(alive[:5]), alive, which="retention")
    >>> ax.get_ylabel()
    'retention rate r_t = S(t)/S(t-1)'
    """
    if which not in ("survival", "retention"):
        raise DataError(f"which must be 'survival' or 'retention'; received {which!r}.")
    table = retention_table(results, survivors)
    if which == "retention":
        table = table.iloc[1:]
    ax = _axes(ax)
    t = table.index.to_numpy()
    ax.plot(t, table[f"model_{which}"].to_numpy(), color="tab:blue", label="sBG model")
    ax.plot(t, table[f"actual_{which}"].to_numpy(), "o", color="black", label="actual")
    ax.set_xlabel("period t")
    ax.set_ylabel("share of the cohort still a customer" if which == "survival"
                  else "retention rate r_t = S(t)/S(t-1)")
    ax.set_ylim(0, 1.02)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return ax


def plot_p_alive_by_pattern(results: Any, *, n_periods: int, ax: Any = None):
    """Heat map of BG/BB P(alive) by purchase pattern (frequency x, recency t_x) after
    ``n_periods`` opportunities (Fader, Hardie & Shang 2010, figure 5); impossible patterns
    are left blank.

    Draws :func:`custvalue.clv.p_alive_by_pattern`.

    Parameters
    ----------
    results : BetaGeoBetaBinomResults
    n_periods : int
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from custvalue.datasets import load_donations
    >>> from custvalue.clv import BetaGeoBetaBinom
    >>> d = load_donations()
    >>> ax = plot_p_alive_by_pattern(BetaGeoBetaBinom().fit(d, weights=d["weights"]), n_periods=6)
    >>> ax.get_xlabel()
    'frequency x (opportunities with a transaction)'
    """
    table = p_alive_by_pattern(results, n_periods=n_periods)
    ax = _axes(ax)
    im = ax.imshow(np.ma.masked_invalid(table.to_numpy()), origin="lower", aspect="auto", cmap="viridis",
                   vmin=0, vmax=1)
    ax.figure.colorbar(im, ax=ax, label="P(alive)")
    ax.set_xlabel("frequency x (opportunities with a transaction)")
    ax.set_ylabel("recency t_x (last opportunity with a transaction)")
    ax.set_title(f"BG/BB P(alive) after {int(n_periods)} opportunities")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return ax
