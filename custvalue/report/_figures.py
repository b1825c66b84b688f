"""The report's figures, as base64 PNG strings (matplotlib imported on first use, Agg backend).

Every axis says its unit; counts get whole-number ticks, shares are drawn as percentages.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

from ..units import UNIT_WORDS  # noqa: F401 - re-exported: the report reads figs.UNIT_WORDS
DPI = 96


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def png(fig: Any) -> str:
    """The figure as a base64 PNG; the figure is closed."""
    plt = _pyplot()
    for ax in fig.axes:
        ax.minorticks_off()  # every tick is an object to lay out; the major ones carry the labels
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 4.0, *, left: float = 0.9, right: float = 0.25,
            bottom: float = 0.55, top: float = 0.35):
    """A figure with fixed margins in inches (a layout engine costs more than drawing)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)
    return fig, ax


def _percent_axis(axis: Any, xmax: float = 1.0) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=xmax, decimals=0))


def tracking(actual: pd.Series, expected: pd.Series, *, calibration_end: float | None, origin: str,
             freq: str, model_name: str, band: pd.DataFrame | None = None) -> str:
    """The tracking plot; ``band`` (``lower``/``upper`` by time) is drawn as a shaded area
    around the model's curve."""
    from .. import plotting

    fig, ax = _figure()
    plotting.plot_tracking(actual, expected, calibration_end=calibration_end, ax=ax,
                           xlabel=f"{UNIT_WORDS[freq]} since {origin}",
                           ylabel="cumulative repeat transactions (count)")
    ax.lines[1].set_label(f"{model_name} forecast")
    if band is not None:
        how = "delta method" if band.attrs.get("interval") == "delta" else "parameter draws"
        ax.fill_between(band.index.to_numpy(dtype=float), band["lower"].to_numpy(), band["upper"].to_numpy(),
                        color="tab:blue", alpha=0.25, linewidth=0,
                        label=f"{band.attrs.get('level', 0.95):.0%} interval (parameter uncertainty, {how})")
    ax.legend(loc="upper left")
    ax.set_title("Repeat transactions: actual against the model's forecast", fontsize=10)
    return png(fig)


def p_alive_matrix(results: Any, *, T: float, freq: str, max_frequency: int) -> str:
    from .. import plotting

    fig, ax = _figure(7.0, 4.2, right=0.1)
    plotting.plot_p_alive_matrix(results, T=T, max_frequency=max_frequency, ax=ax, time_unit=UNIT_WORDS[freq])
    return png(fig)


def clv_histogram(values: pd.Series, *, unit: str, horizon: int) -> str:
    from .. import plotting

    fig, ax = _figure()
    plotting.plot_clv_distribution(values, ax=ax, unit=unit)
    ax.set_xlabel(f"CLV over the next {horizon} months ({unit + ', ' if unit else ''}log scale)")
    ax.set_ylabel("customers (count)")
    ax.set_title(f"Distribution of CLV ({ax.get_title()})", fontsize=9)
    return png(fig)


def pyramid(summary: Any) -> str:
    from ..segment import plot_pyramid

    fig, ax = _figure(7.0, 3.2, left=0.85)
    plot_pyramid(summary, ax=ax)
    ax.set_xlabel("share of customers and of total CLV (%)")
    ax.set_title("Customer pyramid: share of customers against share of CLV", fontsize=10)
    return png(fig)


def lorenz(values: pd.Series, *, top20: float) -> str:
    from ..segment import plot_lorenz

    fig, ax = _figure(5.5, 4.5, left=0.8)
    plot_lorenz(values, ax=ax, label="CLV")
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("customers, from least to most valuable (cumulative %)")
    ax.set_ylabel("CLV (cumulative %)")
    ax.set_title(f"Concentration of CLV: the top 20% of customers hold {top20:.1%}", fontsize=10)
    return png(fig)


def value_at_risk(table: pd.DataFrame, *, unit: str) -> str:
    from matplotlib.ticker import FuncFormatter

    fig, ax = _figure(7.0, 3.2, left=0.85)
    pos = np.arange(len(table))
    ax.barh(pos, table["value_at_risk"].to_numpy(), color="tab:red")
    ax.set_yticks(pos, [str(t) for t in table.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"value at risk ({unit + ', ' if unit else ''}sum over the tier's customers)")
    ax.set_title("Churn value at risk by value tier: (1 - P(alive)) x CLV if active", fontsize=10)
    return png(fig)
