"""Shared helpers of the segmentation package: input conversion and deterministic ranking."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array
from ..exceptions import DataError

__all__ = ["as_values", "check_tier_sizes", "tier_boundaries", "tier_of_rank"]


def as_values(values: Any, name: str = "values") -> tuple[np.ndarray, pd.Index]:
    """Convert a value measure to a finite float array and the index to carry to outputs.

    A pandas Series keeps its index; a one-column DataFrame is accepted; anything else gets
    a ``RangeIndex``.
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise DataError(
                f"{name} must be one column (a Series or array); received a DataFrame with "
                f"{values.shape[1]} columns {list(values.columns)[:5]}; select the value column."
            )
        values = values.iloc[:, 0]
    index = values.index if isinstance(values, pd.Series) else None
    arr = as_float_array(values, name, index=index)
    if index is None:
        index = pd.RangeIndex(arr.shape[0])
    return arr, index


def check_tier_sizes(cut_points: Any, labels: Any, *, name: str = "cut_points") -> tuple[np.ndarray, list]:
    """Check tier sizes in percent (> 0, summing to 100) and one label per tier.

    Returns the sizes as floats and the labels as a list.
    """
    try:
        if any(isinstance(v, (str, bytes)) for v in np.asarray(cut_points, dtype=object).reshape(-1)):
            raise TypeError("text")
        sizes = np.asarray(cut_points, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a sequence of numbers (tier sizes in percent); "
                        f"received {cut_points!r}.") from None
    if sizes.size == 0 or not np.all(np.isfinite(sizes)):
        raise DataError(f"{name} must be a non-empty sequence of finite tier sizes in percent; "
                        f"received {cut_points!r}.")
    if np.any(sizes <= 0):
        raise DataError(
            f"{name} must be strictly positive tier sizes in percent, so that the cumulative "
            f"boundaries are strictly increasing; received {tuple(sizes.tolist())}."
        )
    total = float(sizes.sum())
    if abs(total - 100.0) > 1e-9:
        hint = ""
        if np.all(np.diff(sizes) > 0) and abs(sizes[-1] - 100.0) < 1e-9:
            hint = (" They look cumulative; pass the size of each tier instead, e.g. "
                    f"{tuple(np.diff(sizes, prepend=0.0).tolist())}.")
        raise DataError(f"{name} must sum to 100 (percent of customers); received "
                        f"{tuple(sizes.tolist())}, which sum to {total:g}.{hint}")
    labels = list(labels)
    if len(labels) != sizes.size:
        raise DataError(f"labels must have one entry per tier ({sizes.size}); received "
                        f"{len(labels)}: {labels!r}.")
    if len(set(labels)) != len(labels):
        raise DataError(f"labels must be distinct; received {labels!r}.")
    return sizes, labels


def tier_boundaries(sizes: np.ndarray, n: int) -> np.ndarray:
    """Number of customers in the top ``k`` tiers, ``k = 1..K``: ``floor(n * cum% / 100 + 1/2)``.

    The last boundary is always ``n``; boundaries never decrease.
    """
    cum = np.cumsum(sizes)
    b = np.floor(n * cum / 100.0 + 0.5 + 1e-9).astype(np.int64)
    b[-1] = n
    return np.minimum(np.maximum.accumulate(b), n)


def _label_order(index: pd.Index, members: np.ndarray) -> np.ndarray:
    """``members`` (positions, ascending) re-ordered by their index labels (stable)."""
    if index.is_monotonic_increasing:
        return members
    labels = index[members]
    try:
        order = labels.argsort(kind="stable")
    except TypeError:  # mixed label types: order by their text
        order = np.argsort(labels.astype(str).to_numpy(), kind="stable")
    return members[order]


def tier_of_rank(values: np.ndarray, boundaries: np.ndarray, index: pd.Index) -> np.ndarray:
    """Tier code (0 = top) of each customer when customers are ranked by value, descending.

    Customers are ranked by value (largest first); equal values are ranked by their index
    label (ascending), so the result depends only on (value, label) pairs and not on row
    order.  Rank ``r`` (0-based) falls in tier ``k`` when ``boundaries[k-1] <= r <
    boundaries[k]``.  The work is O(n) per boundary: thresholds come from a partial sort and
    only customers tied at a threshold are ordered by label.
    """
    n = values.shape[0]
    lead = boundaries[:-1]
    inner = lead[(lead > 0) & (lead < n)]
    dtype = np.int8 if boundaries.size < 127 else np.int64
    # boundaries at 0 (empty top tiers) push every customer down one tier each
    codes = np.full(n, int(np.count_nonzero(lead == 0)), dtype=dtype)
    if inner.size == 0:
        return codes
    kth = n - inner  # position in ascending order of the inner[k]-th largest value
    part = np.partition(values, np.unique(kth))
    thresholds = part[kth]  # value of the last customer inside the top inner[k]
    uniq, mult = np.unique(thresholds, return_counts=True)
    for t, m in zip(uniq, mult):  # loop over the few tier boundaries, not over customers
        # strictly below threshold k: outside the top inner[k] (a repeated threshold counts
        # once per boundary it closes)
        if m == 1:
            codes += values < t
        else:
            codes += (values < t).astype(dtype) * dtype(m)
    # customers whose value equals a threshold are ranked by label
    for u in uniq:
        members = np.flatnonzero(values == u)
        n_above = int(np.count_nonzero(values > u))
        members = _label_order(index, members)
        # member j has rank n_above + j: the tier changes where that crosses a boundary
        cuts = np.clip(np.concatenate(([0], boundaries - n_above)), 0, members.size)
        for k in range(boundaries.size):  # a loop over the few tiers
            if cuts[k + 1] > cuts[k]:
                codes[members[cuts[k]:cuts[k + 1]]] = k
    return codes
