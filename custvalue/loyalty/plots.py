"""Path diagram of a fitted loyalty path model (PLS-PM or observed-composite path analysis).

matplotlib is imported lazily; the drawing takes ``ax=None`` (a new figure) and returns the
Axes. :func:`path_layout` is its numeric twin: where each construct is drawn and its R².
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["path_layout", "plot_path_diagram"]


def _edges(results: Any) -> list[tuple[str, str, float]]:
    paths = getattr(results, "paths", None)
    if not isinstance(paths, pd.Series) or not isinstance(getattr(results, "r2", None), pd.Series):
        raise DataError("results must be a fitted path model (PLSResults or PathAnalysisResults) with "
                        f"'paths' and 'r2' Series; received {type(results).__name__}.")
    out = []
    for label, coef in paths.items():
        source, sep, target = str(label).partition(" -> ")
        if not sep:
            raise DataError(f"results.paths must be labelled 'source -> target'; found {label!r}.")
        out.append((source, target, float(coef)))
    return out


def path_layout(results: Any) -> pd.DataFrame:
    """Where :func:`plot_path_diagram` draws each construct: a layered layout.

    A construct's layer is the length of the longest chain of paths that leads to it
    (exogenous constructs are in layer 0), so every arrow points to the right; constructs of a
    layer are spaced evenly on the vertical axis, in the order they first appear in the model
    (a construct alone in its layer sits at 0.35 in even and 0.65 in odd layers, so that arrows
    that skip a layer do not run through the boxes between).

    Parameters
    ----------
    results : PLSResults or PathAnalysisResults
        A fitted path model (``paths`` labelled ``"source -> target"`` and ``r2``).

    Returns
    -------
    pandas.DataFrame
        Indexed by construct: ``layer``, ``x`` (= layer), ``y`` (in [0, 1]) and ``r2``
        (NaN for exogenous constructs).

    Examples
    --------
    >>> from custvalue.loyalty import load_ecsi_synthetic, plspm, path_layout
    >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", load_ecsi_synthetic())
    >>> path_layout(res)[["layer", "y"]].to_dict("list")
    {'layer': [0, 1], 'y': [0.35, 0.65]}
    """
    edges = _edges(results)
    nodes = list(dict.fromkeys([n for s, t, _ in edges for n in (s, t)] + [str(k) for k in results.r2.index]))
    layer = dict.fromkeys(nodes, 0)
    for _ in range(len(nodes)):  # longest-path relaxation over the few constructs (an acyclic model)
        changed = False
        for s, t, _ in edges:
            if layer[t] < layer[s] + 1:
                layer[t], changed = layer[s] + 1, True
        if not changed:
            break
    else:
        raise DataError("results.paths contain a cycle; a recursive path model is required for the layered layout.")
    y = {}
    for k in set(layer.values()):
        members = [n for n in nodes if layer[n] == k]
        # a lone construct zigzags (drawn at 0.35 / 0.65) so that arrows skipping a layer stay visible
        y.update({n: (i + 1) / (len(members) + 1) if len(members) > 1 else 0.5 + 0.15 * (-1) ** k
                  for i, n in enumerate(members)})
    r2 = results.r2.rename(index=str)
    return pd.DataFrame({"layer": [layer[n] for n in nodes], "x": [float(layer[n]) for n in nodes],
                         "y": [1.0 - y[n] for n in nodes],
                         "r2": [float(r2[n]) if n in r2.index else np.nan for n in nodes]},
                        index=pd.Index(nodes, name="construct"))


def plot_path_diagram(results: Any, *, ax: Any = None) -> Any:
    """Path diagram: a box per construct (with its R²) and an arrow per path with its coefficient.

    Positions come from :func:`path_layout` (layers from left to right). Each arrow is labelled
    with the path coefficient to 2 decimals, each endogenous construct's box with its R² to 2
    decimals (``"L\\nR² = 0.24"``).

    Parameters
    ----------
    results : PLSResults or PathAnalysisResults
        A fitted path model.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The arrows are in ``ax.patches``' order of ``results.paths``; the labels in ``ax.texts``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.loyalty import load_ecsi_synthetic, plspm, plot_path_diagram
    >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", load_ecsi_synthetic())
    >>> ax = plot_path_diagram(res)
    >>> sorted(t.get_text() for t in ax.texts)
    ['0.49', 'L\\nR² = 0.24', 'S']
    """
    from matplotlib.patches import FancyArrowPatch

    layout = path_layout(results)
    if ax is None:
        import matplotlib.pyplot as plt

        n_layers = int(layout["layer"].max()) + 1
        _, ax = plt.subplots(figsize=(max(4.0, 2.6 * n_layers), 4.2))
    box = {"boxstyle": "round,pad=0.4", "facecolor": "#e8eef7", "edgecolor": "#33507a"}
    for name, row in layout.iterrows():
        label = name if np.isnan(row["r2"]) else f"{name}\nR² = {row['r2']:.2f}"
        ax.text(row["x"], row["y"], label, ha="center", va="center", bbox=box, zorder=3)
    for source, target, coef in _edges(results):
        (x0, y0), (x1, y1) = layout.loc[source, ["x", "y"]], layout.loc[target, ["x", "y"]]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14, shrinkA=24,
                                     shrinkB=24, color="#33507a", zorder=2))
        ax.text(x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0), f"{coef:.2f}", ha="center", va="center",
                fontsize=9, color="#33507a", zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    ax.set_xlim(-0.6, layout["x"].max() + 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(range(int(layout["layer"].max()) + 1))
    ax.set_xlabel("layer (longest chain of paths into the construct)")
    ax.set_yticks([])
    ax.set_title("Path model: coefficients and R²")
    return ax
