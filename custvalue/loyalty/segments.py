"""Loyalty segments (Dick & Basu 1994) and the seeds' satisfaction / loyalty indicators.

Dick & Basu (1994, "Customer loyalty: toward an integrated conceptual framework", JAMS
22(2):99-113, Figure 2) cross relative attitude with repeat patronage: high/high is
*loyalty*, high attitude with low patronage *latent loyalty*, low attitude with high patronage
*spurious loyalty* (inertia, switching costs), low/low *no loyalty*.  Seed 001 calls them
loyal, latent, false and none.  :func:`dick_basu_segments` assigns them from any two scores
with chosen thresholds; :func:`loyalty_indicators` computes the seed's measures (repurchase
rate, complaint rate, purchase amount, price sensitivity, ...) overall or by group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_by_label, as_float_array, check_finite_scalar, check_not_missing, resolve_columns
from ..exceptions import DataError

__all__ = ["dick_basu_segments", "SEGMENTS", "segment_table", "loyalty_indicators"]

SEGMENTS = ("loyalty", "latent loyalty", "spurious loyalty", "no loyalty")


def _threshold(x: np.ndarray, t: Any, name: str) -> float:
    if t is None or t == "median":
        return float(np.median(x))
    if t == "mean":
        return float(np.mean(x))
    if isinstance(t, str):
        raise DataError(f"{name} must be a number, 'median' or 'mean'; received {t!r}.")
    return check_finite_scalar(t, name)


def dick_basu_segments(data: pd.DataFrame | None = None, *, attitude: Any = "attitude",
                       behaviour: Any = "behaviour", attitude_threshold: Any = "median",
                       behaviour_threshold: Any = "median") -> pd.Series:
    """Assign Dick & Basu's four loyalty segments.

    A respondent is *high* on a score when it is strictly above the threshold.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Holds the two scores as columns named by ``attitude`` / ``behaviour``.
    attitude, behaviour : str or array-like
        Column names in ``data`` or the scores themselves (e.g. attitudinal loyalty index and
        repurchase rate / purchase count); two Series are paired by index label.
    attitude_threshold, behaviour_threshold : float or {"median", "mean"}, default "median"
        Cut-offs of the two scores (a number, or the scores' median or mean).

    Returns
    -------
    pandas.Series
        Ordered categorical with categories :data:`SEGMENTS`, indexed like the input.

    Examples
    --------
    >>> s = dick_basu_segments(attitude=[9, 9, 2, 2], behaviour=[5, 0, 5, 0],
    ...                        attitude_threshold=5, behaviour_threshold=1)
    >>> s.tolist()
    ['loyalty', 'latent loyalty', 'spurious loyalty', 'no loyalty']
    """
    arrays = {}
    names = {"attitude": attitude, "behaviour": behaviour}
    for k, v in names.items():
        if not isinstance(v, str):
            arrays[k] = v
    if data is not None:
        cols = {k: v for k, v in names.items() if isinstance(v, str)}
        missing = [v for v in cols.values() if v not in data.columns]
        if missing:
            raise DataError(f"columns {missing} are not in data; columns: {list(data.columns)}.")
        for k, v in cols.items():
            arrays[k] = data[v]
    elif any(isinstance(v, str) for v in names.values()):
        raise DataError("pass data= with the score columns, or the scores themselves as attitude= and behaviour=.")
    raw, index = resolve_columns(None, ["attitude", "behaviour"], arrays)
    a = as_float_array(raw["attitude"], "attitude", index=index)
    b = as_float_array(raw["behaviour"], "behaviour", index=index)
    ta = _threshold(a, attitude_threshold, "attitude_threshold")
    tb = _threshold(b, behaviour_threshold, "behaviour_threshold")
    hi_a, hi_b = a > ta, b > tb
    code = np.where(hi_a, np.where(hi_b, 0, 1), np.where(hi_b, 2, 3))
    cat = pd.Categorical.from_codes(code, categories=list(SEGMENTS), ordered=True)
    return pd.Series(cat, index=index, name="loyalty_segment")


def segment_table(segments: pd.Series, values: pd.DataFrame | None = None) -> pd.DataFrame:
    """Count and share of each segment, with the mean of ``values`` columns per segment.

    Parameters
    ----------
    segments : pandas.Series
        Segment labels, as returned by :func:`dick_basu_segments`.
    values : pandas.DataFrame, optional
        Numeric columns to average per segment, one row per respondent of ``segments``
        (matched by index label).

    Returns
    -------
    pandas.DataFrame
        One row per segment of :data:`SEGMENTS` (empty segments included with ``n = 0``):
        ``n``, ``share`` and the mean of each column of ``values`` (NaN for an empty
        segment: there is nothing to average).

    Examples
    --------
    >>> import pandas as pd
    >>> s = dick_basu_segments(attitude=[9, 9, 2, 2, 8], behaviour=[5, 0, 5, 0, 4],
    ...                        attitude_threshold=5, behaviour_threshold=1)
    >>> t = segment_table(s, pd.DataFrame({"spend": [10.0, 2.0, 8.0, 1.0, 6.0]}))
    >>> t["n"].tolist(), t["spend"].tolist()
    ([2, 1, 1, 1], [8.0, 2.0, 8.0, 1.0])
    """
    if not isinstance(segments, pd.Series):
        raise DataError(f"segments must be a pandas Series (the output of dick_basu_segments); "
                        f"received {type(segments).__name__}.")
    check_not_missing(segments, "segments")
    unknown = sorted(set(segments.unique()) - set(SEGMENTS), key=str)
    if unknown:
        raise DataError(f"segments must hold the labels {list(SEGMENTS)}; received also {unknown[:5]}.")
    counts = segments.value_counts(sort=False).reindex(list(SEGMENTS), fill_value=0)
    out = pd.DataFrame({"n": counts, "share": counts / max(counts.sum(), 1)})
    if values is not None:
        if isinstance(values, pd.Series):
            values = values.to_frame()
        if not isinstance(values, pd.DataFrame):
            raise DataError(f"values must be a DataFrame of numeric columns; received {type(values).__name__}.")
        values = align_by_label(segments=segments, values=values)["values"]  # rows by respondent label
        values = pd.DataFrame(as_float_array(values, "values", index=values.index, ndim=2),
                              index=values.index, columns=values.columns)
        means = values.groupby(segments.to_numpy(), observed=False).mean()
        out = out.join(means.reindex(list(SEGMENTS)))
    return out


def loyalty_indicators(data: pd.DataFrame, *, by: str | pd.Series | None = None,
                       columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The seed's satisfaction and loyalty indicators, overall or by group.

    Seed 001 measures satisfaction by repurchase rate, complaint rate, purchase amount and
    price sensitivity, and loyalty by repeat count and price sensitivity (among others).  Any
    of these columns present in ``data`` is summarised:

    ===================  =========================  ============================
    column (default)     output                     meaning
    ===================  =========================  ============================
    repurchase           repurchase_rate            share who bought again (0/1)
    complaint            complaint_rate             share who complained (0/1)
    spend                mean_spend                 purchase amount
    purchases            mean_purchases             repeat count
    price_sensitivity    mean_price_sensitivity     stated price sensitivity
    satisfaction         mean_satisfaction          satisfaction index
    ===================  =========================  ============================

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer or respondent.
    by : str or pandas.Series, optional
        Group column (e.g. Dick & Basu segments), or a Series matched to ``data``'s rows by
        index label.
    columns : mapping, optional
        Rename map from the default names to ``data``'s column names,
        e.g. ``{"repurchase": "bought_again"}``.

    Returns
    -------
    pandas.DataFrame
        One row per group (or one row ``"all"``) with ``n`` and the indicators found.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"repurchase": [1, 0, 1, 1], "complaint": [0, 1, 0, 0], "spend": [10., 5., 20., 5.]})
    >>> loyalty_indicators(d).round(2).to_dict("records")
    [{'n': 4, 'repurchase_rate': 0.75, 'complaint_rate': 0.25, 'mean_spend': 10.0}]
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; received {type(data).__name__}.")
    spec = {"repurchase": "repurchase_rate", "complaint": "complaint_rate", "spend": "mean_spend",
            "purchases": "mean_purchases", "price_sensitivity": "mean_price_sensitivity",
            "satisfaction": "mean_satisfaction"}
    cmap = {k: k for k in spec}
    cmap.update(dict(columns or {}))
    unknown = set(columns or {}) - set(spec)
    if unknown:
        raise DataError(f"columns keys must be among {list(spec)}; received {sorted(unknown)}.")
    present = {k: cmap[k] for k in spec if cmap[k] in data.columns}
    if not present:
        raise DataError(f"data has none of the indicator columns {[cmap[k] for k in spec]}.")
    frame = pd.DataFrame(index=data.index)
    for k, col in present.items():
        x = as_float_array(data[col], col, index=data.index)
        if k in ("repurchase", "complaint") and not np.isin(x, (0.0, 1.0)).all():
            raise DataError(f"{col} must be 0/1; " + f"{int((~np.isin(x, (0.0, 1.0))).sum())} rows are not.")
        frame[spec[k]] = x
    if by is None:
        g = pd.Series("all", index=data.index)
    elif isinstance(by, str):
        if by not in data.columns:
            raise DataError(f"by column {by!r} is not in data; columns: {list(data.columns)}.")
        g = data[by]
    else:  # a Series is matched to data's rows by label, an array by position
        g = pd.Series(by, index=data.index) if not isinstance(by, pd.Series) else \
            align_by_label(data=data, by=by)["by"]
    check_not_missing(g, "by", data.index)
    grouped = frame.groupby(g.to_numpy() if not isinstance(g.dtype, pd.CategoricalDtype) else g,
                            observed=False)
    out = grouped.mean()
    out.insert(0, "n", grouped.size())
    out.index.name = None if by is None else (by if isinstance(by, str) else getattr(by, "name", None))
    return out
