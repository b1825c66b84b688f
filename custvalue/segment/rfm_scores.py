"""RFM quantile scores and named RFM segments (Hughes 1994, *Strategic Database Marketing*).

Not to be confused with :func:`custvalue.rfm.rfm_summary`, which turns a transaction log into
the per-customer (frequency, recency, T, monetary_value) summary these scores start from.

Scores follow ``pandas.qcut``: with ``method="quantile"`` the bin edges are the
``q``-quantiles of the metric (linear interpolation, duplicate edges dropped, intervals closed
on the right and the lowest edge included); with ``method="rank"`` customers are binned by
rank into groups of (almost) equal size, equal values ranked by their index label, i.e.
``pandas.qcut(metric.rank(method="first"), q)`` when the index is sorted.  Both run in O(n·q)
without a full sort, so they are fast on 1e7 customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (as_float_array, check_counts, check_nonnegative, check_whole_number,
                           describe_rows, resolve_columns)
from ..exceptions import DataError
from ._common import tier_of_rank

__all__ = ["rfm_scores", "rfm_segments", "quantile_scores", "RFM_SEGMENT_MAP"]

#: The common 5x5 R-by-F segment grid (rows: R score 1..5, columns: F score 1..5).
RFM_SEGMENT_MAP: tuple[tuple[str, ...], ...] = (
    ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)


def _qcut_levels(q: int) -> np.ndarray:
    """Quantile levels of ``pandas.qcut(x, q)``: k/q, rounded up when not exact in binary."""
    levels = np.linspace(0, 1, q + 1)
    np.putmask(levels, q * levels != np.arange(q + 1), np.nextafter(levels, 1))
    return levels


def _rank_boundaries(n: int, q: int) -> np.ndarray:
    """floor of pandas' qcut edges of the ranks 1..n (computed as pandas does, floats included)."""
    edges = np.quantile(np.arange(1, n + 1, dtype=np.float64), _qcut_levels(q))
    b = np.floor(edges[1:]).astype(np.int64)
    b[-1] = n
    return b


def _check_q(q: Any) -> int:
    return check_whole_number(q, "q", minimum=2, maximum=100)


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in ("rank", "quantile"):
        raise DataError(f"method must be 'rank' or 'quantile'; received {method!r}.")
    return method


def quantile_scores(metric: Any, q: int, *, method: str = "rank",
                    index: pd.Index | None = None) -> np.ndarray:
    """Scores ``1..q`` of a metric (higher metric, higher score), as ``pandas.qcut`` bins.

    Parameters
    ----------
    metric : array-like or pandas.Series
        Finite values, one per customer; NaN, infinite or text values raise
        :class:`~custvalue.exceptions.DataError` naming the rows (a missing value has no rank).
    q : int
        Number of bins, a whole number in [2, 100].
    method : {"rank", "quantile"}, default "rank"
        ``"rank"``: equal-count bins of the ranks (ties by index label, then position);
        ``"quantile"``: bins between the metric's quantiles, duplicate edges dropped, so
        heavily tied metrics get fewer than ``q`` scores.
    index : pandas.Index, optional
        Labels used to rank ties (``method="rank"``) and to name bad rows; by default the
        Series' index.

    Returns
    -------
    numpy.ndarray
        int8 scores, 1 = lowest bin.

    Raises
    ------
    DataError
        On empty, non-numeric or non-finite ``metric``, an ``index`` of another length, or
        an invalid ``q`` or ``method``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.segment.rfm_scores import quantile_scores
    >>> quantile_scores(np.array([5.0, 1.0, 3.0, 2.0, 4.0]), 5).tolist()
    [5, 1, 3, 2, 4]
    >>> quantile_scores([1.0, np.nan, 3.0], 2)
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: metric must be finite (no NaN or inf); 1 row violates this (first row: 1)
    """
    q = _check_q(q)
    method = _check_method(method)
    if index is None and isinstance(metric, pd.Series):
        index = metric.index
    x = as_float_array(metric, "metric", index=index)
    if index is not None and len(index) != x.size:
        raise DataError(f"index must have one label per value of metric ({x.size}); received "
                        f"{len(index)}.")
    return _scores(x, q, method, index)


def _scores(x: np.ndarray, q: int, method: str, index: pd.Index | None,
            boundaries: np.ndarray | None = None) -> np.ndarray:
    """:func:`quantile_scores` on checked input; ``boundaries`` are the rank-bin boundaries,
    shared by the R, F and M scores of :func:`rfm_scores` so they are computed once."""
    n = x.size
    if method == "quantile":
        edges = np.unique(np.quantile(x, _qcut_levels(q)))
        if edges.size < 2:  # every value equal: one bin
            return np.ones(n, dtype=np.int8)
        codes = np.searchsorted(edges, x, side="left") - 1
        codes[x == edges[0]] = 0
        return (codes + 1).astype(np.int8)
    if index is None:
        index = pd.RangeIndex(n)
    # qcut of ranks 1..n: bin k holds ranks in (e_k, e_{k+1}] where e_k are the quantiles
    # of 1..n at pandas' levels, i.e. the lowest floor(e_k) ranks are in bins < k.  The
    # edges are computed exactly as pandas does (floating point included) so that the
    # scores equal pandas.qcut(metric.rank(method="first"), q) bit for bit.
    if boundaries is None:
        boundaries = _rank_boundaries(n, q)
    # ranking ascending = ranking -metric descending; ties by label, as tier_of_rank does
    return (tier_of_rank(-x, boundaries, index) + 1).astype(np.int8)


def rfm_scores(data: pd.DataFrame | None = None, *, q: int = 5, method: str = "rank",
               **columns: Any) -> pd.DataFrame:
    """Recency, frequency and monetary scores (1..q, higher = better) per customer.

    * R is scored on the time since the last purchase, ``T - recency`` (fewer periods since
      the last purchase = higher score), with ``recency`` and ``T`` in the glossary's sense
      (age of the customer at the last purchase, and customer age);
    * F on ``frequency`` (repeat purchases);
    * M on ``monetary_value`` (average spend per repeat purchase).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Customers with columns ``frequency``, ``recency``, ``T``, ``monetary_value`` (the
        output of :func:`custvalue.rfm.rfm_summary`).
    q : int, default 5
        Number of score levels (quintiles by default).
    method : {"rank", "quantile"}, default "rank"
        Binning rule, see :func:`quantile_scores`.  ``"rank"`` gives equal-size groups even
        when many customers share a value (the classic quintile RFM cells).
    **columns
        ``frequency=``, ``recency=``, ``T=``, ``monetary_value=`` as arrays (override
        ``data``).

    Returns
    -------
    pandas.DataFrame
        Columns ``r_score``, ``f_score``, ``m_score`` (int8) and ``rfm_cell`` (int16,
        ``100 R + 10 F + M`` for ``q <= 9``, else ``q**2 R + q F + M``), indexed like
        ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import rfm_scores
    >>> d = pd.DataFrame({"frequency": [0, 2, 5, 1, 3], "recency": [0, 10, 30, 5, 20],
    ...                   "T": [40, 40, 35, 30, 25], "monetary_value": [0, 20, 15, 50, 30]})
    >>> rfm_scores(d)["rfm_cell"].tolist()
    [111, 233, 452, 325, 544]
    """
    q = _check_q(q)
    method = _check_method(method)
    cols, index = resolve_columns(data, ["frequency", "recency", "T", "monetary_value"], columns)
    arr = {k: as_float_array(v, k, index=index) for k, v in cols.items()}
    if index is None:
        index = pd.RangeIndex(arr["frequency"].size)
    check_counts(arr["frequency"], "frequency", index)
    check_nonnegative(arr["recency"], "recency", index)
    check_nonnegative(arr["T"], "T", index)
    if (arr["recency"] > arr["T"]).any():
        raise DataError("recency must be <= T (the last purchase cannot come after the end of "
                        "observation); " + describe_rows(arr["recency"] > arr["T"], index))
    b = _rank_boundaries(index.size, q) if method == "rank" else None  # shared by R, F, M
    r = _scores(arr["recency"] - arr["T"], q, method, index, b)
    f = _scores(arr["frequency"], q, method, index, b)
    m = _scores(arr["monetary_value"], q, method, index, b)
    base = 10 if q <= 9 else q
    cell = (base * base * r.astype(np.int32) + base * f.astype(np.int32) + m).astype(
        np.int16 if base * base * q < 2**15 else np.int32)
    return pd.DataFrame({"r_score": r, "f_score": f, "m_score": m, "rfm_cell": cell}, index=index)


def rfm_segments(scores: pd.DataFrame, *,
                 segment_map: Sequence[Sequence[str]] = RFM_SEGMENT_MAP) -> pd.Series:
    """Named RFM segments from the R and F scores.

    The default grid is the widely used 5x5 R-by-F map (champions, loyal, potential
    loyalist, new, promising, need attention, about to sleep, at risk, cannot lose,
    hibernating).  The lookup is one fancy-indexing step, so it is vectorised.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores` (columns ``r_score`` and ``f_score``).
    segment_map : sequence of sequences of str, default RFM_SEGMENT_MAP
        ``segment_map[r - 1][f - 1]`` is the segment of R score ``r`` and F score ``f``;
        must cover every score present.

    Raises
    ------
    DataError
        When a score is missing, not a whole number (``2.7`` names no cell; it is never
        truncated), outside the map, or not numeric, naming the rows; on an empty ``scores``.

    Returns
    -------
    pandas.Series
        Categorical segment per customer, indexed like ``scores``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import rfm_segments
    >>> s = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3]})
    >>> rfm_segments(s).tolist()
    ['champions', 'hibernating', 'need_attention']
    """
    if not isinstance(scores, pd.DataFrame) or not {"r_score", "f_score"} <= set(scores.columns):
        have = list(scores.columns) if isinstance(scores, pd.DataFrame) else type(scores).__name__
        raise DataError("scores must be a DataFrame with columns 'r_score' and 'f_score' (the "
                        f"output of rfm_scores); received {have}.")
    grid = np.asarray(segment_map, dtype=object)
    if grid.ndim != 2 or grid.size == 0:
        raise DataError(f"segment_map must be a rectangular grid of names; received shape {grid.shape}.")
    codes_rf = []
    for name, lim in (("r_score", grid.shape[0]), ("f_score", grid.shape[1])):
        s = as_float_array(scores[name], name, index=scores.index)
        bad = (s < 1) | (s > lim)
        if bad.any():
            raise DataError(f"{name} must lie in 1..{lim} (the segment_map size); "
                            + describe_rows(bad, scores.index))
        check_counts(s, name, scores.index)  # whole numbers: a score of 2.7 is no cell of the map
        codes_rf.append(s.astype(np.intp) - 1)
    names = list(dict.fromkeys(grid.ravel().tolist()))
    code_grid = np.array([[names.index(v) for v in row] for row in grid.tolist()], dtype=np.int16)
    codes = code_grid[codes_rf[0], codes_rf[1]]
    return pd.Series(pd.Categorical.from_codes(codes, categories=names), index=scores.index,
                     name="rfm_segment")
