"""Simple retention CLV (constant margin, retention and discount rate per customer).

``m r / (1 + d - r)`` (payments at the end of each period) and ``m (1 + d) / (1 + d - r)``
(payments at the start of each period, the first one now); Gupta & Lehmann (2003),
Berger & Nasr (1998).  Vectorised over customers: every argument may be a scalar, an array
or a column of ``data``; Series are paired with the data's rows (and with each other) by
index label, arrays by position.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_by_label, align_to_index, as_float_array, check_probability, describe_rows
from ..exceptions import DataError
from ..math import retention as kernel

__all__ = ["retention_clv", "retention_clv_elasticity"]


def _column(data: pd.DataFrame | None, value: Any, name: str) -> tuple[Any, pd.Index | None]:
    if isinstance(value, str):
        if data is None or value not in data:
            have = list(data.columns) if isinstance(data, pd.DataFrame) else []
            raise DataError(f"{name}={value!r} names a column, but data has no such column; columns "
                            f"received: {have}.")
        return data[value], data.index
    if isinstance(value, pd.Series):
        return value, value.index
    return value, None


def _inputs(data, **named):
    for name, value in named.items():
        if value is None:
            raise DataError(f"{name} is required (a number, an array, a Series or a column name of "
                            "data); received None.")
    cols: dict[str, np.ndarray] = {}
    raws = {name: _column(data, value, name)[0] for name, value in named.items() if value is not None}
    # per-customer inputs are paired by label (the data's rows first), arrays by position
    if isinstance(data, pd.DataFrame):
        raws = {k: align_to_index(v, k, data.index, "data") for k, v in raws.items()}
        index = data.index
    else:
        raws |= align_by_label(**{k: v for k, v in raws.items() if isinstance(v, pd.Series)})
        index = next((v.index for v in raws.values() if isinstance(v, pd.Series)), None)
    for name in named:
        if name not in raws:
            continue
        raw = raws[name]
        if np.ndim(raw):
            same = index is not None and len(raw) == len(index)
            cols[name] = as_float_array(raw, name, index=index if same else None)
        else:
            cols[name] = as_float_array(raw, name)  # scalar -> shape (1,)
    sizes = {k: v.size for k, v in cols.items() if v.size != 1}
    if len(set(sizes.values())) > 1:
        raise DataError(f"margin, retention and discount_rate must be scalars or have one entry per "
                        f"customer; received lengths {sizes}.")
    n = next(iter(sizes.values()), 1)
    if index is not None and len(index) != n:
        index = None
    return {k: np.broadcast_to(v, (n,)) for k, v in cols.items()}, index


def _check(cols: dict[str, np.ndarray], index: pd.Index | None, horizon: Any) -> Any:
    check_probability(cols["retention"], "retention", index)
    d = cols["discount_rate"]
    if (d <= -1).any():
        raise DataError(f"discount_rate must be > -1; received {d[d <= -1][0]:g}; "
                        + describe_rows(d <= -1, index))
    if horizon is None:
        bad = cols["retention"] >= 1 + d
        if bad.any():
            raise DataError("retention must be < 1 + discount_rate for an infinite horizon (the value "
                            "diverges otherwise); pass a finite horizon or a positive discount_rate; "
                            + describe_rows(bad, index))
        return None
    h = as_float_array(align_to_index(horizon, "horizon", index, "data"), "horizon")
    if (h < 0).any() or (h != np.floor(h)).any():
        raise DataError(f"horizon must be a whole number of periods >= 0 (or None); received {horizon!r}.")
    n = cols["retention"].shape[0]
    if h.size > 1 and h.size != n:
        raise DataError(f"horizon must be a scalar or have one entry per customer ({n}); "
                        f"received {h.size}.")
    return h if h.size > 1 else float(h[0])


def retention_clv(data: pd.DataFrame | None = None, *, margin: Any, retention: Any,
                  discount_rate: Any, timing: str = "end", horizon: Any = None) -> pd.Series:
    """Customer lifetime value under constant retention (geometric lifetime).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Customers; ``margin``, ``retention`` and ``discount_rate`` may name its columns.
    margin : float, array-like, pandas.Series or column name
        Margin per period ``m`` (may be negative).
    retention : float, array-like, pandas.Series or column name
        Retention probability per period ``r`` in [0, 1].
    discount_rate : float, array-like, pandas.Series or column name
        Discount rate per period ``d`` (> -1).
    timing : {"end", "start"}, default "end"
        ``"end"``: margins are received at the end of each period the customer survives,
        ``CLV = m r / (1 + d - r)``; ``"start"``: margins are received at the start of each
        period, the first one now, ``CLV = m (1 + d) / (1 + d - r)``.
    horizon : int or array-like, optional
        Number of payments summed; ``None`` (default) for the infinite horizon.

    Returns
    -------
    pandas.Series
        CLV per customer (``name="clv"``), indexed like ``data`` (or the Series passed), else
        by ``customer_id`` 0..n-1.

    Examples
    --------
    >>> from custvalue.clv import retention_clv
    >>> retention_clv(margin=100.0, retention=0.8, discount_rate=0.1).round(2).tolist()
    [266.67]
    >>> retention_clv(margin=[100.0, 50.0], retention=[0.8, 0.5], discount_rate=0.1,
    ...               timing="start").round(2).tolist()
    [366.67, 91.67]
    """
    if timing not in ("end", "start"):
        raise DataError(f"timing must be 'end' or 'start'; received {timing!r}.")
    cols, index = _inputs(data, margin=margin, retention=retention, discount_rate=discount_rate)
    h = _check(cols, index, horizon)
    f = kernel.clv_end if timing == "end" else kernel.clv_start
    value = f(cols["margin"], cols["retention"], cols["discount_rate"], h)
    out = pd.Series(np.asarray(value, dtype=float), index=index, name="clv")
    if index is None:
        out.index.name = "customer_id"
    return out


def retention_clv_elasticity(data: pd.DataFrame | None = None, *, retention: Any,
                             discount_rate: Any, timing: str = "end") -> pd.Series:
    """Retention elasticity of the infinite-horizon retention CLV: % change in CLV for a 1%
    increase in the retention probability (Pfeifer & Farris 2004, J. Interactive Marketing
    18(2):20-31): ``(1+d)/(1+d-r)`` for ``timing="end"``, ``r/(1+d-r)`` for ``"start"``.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Customers; ``retention`` and ``discount_rate`` may name its columns.
    retention : float, array-like, pandas.Series or column name
        Retention probability per period ``r`` in [0, 1].
    discount_rate : float, array-like, pandas.Series or column name
        Discount rate per period ``d`` (> -1, with ``r < 1 + d``).
    timing : {"end", "start"}, default "end"
        When margins are received (see :func:`retention_clv`).

    Returns
    -------
    pandas.Series
        Elasticity per customer (``name="retention_elasticity"``), indexed like ``data``
        (or the Series passed), else by ``customer_id`` 0..n-1.

    Examples
    --------
    >>> from custvalue.clv import retention_clv_elasticity
    >>> retention_clv_elasticity(retention=0.8, discount_rate=0.1).round(3).tolist()
    [3.667]
    """
    if timing not in ("end", "start"):
        raise DataError(f"timing must be 'end' or 'start'; received {timing!r}.")
    cols, index = _inputs(data, retention=retention, discount_rate=discount_rate)
    _check(cols, index, None)
    f = kernel.elasticity_end if timing == "end" else kernel.elasticity_start
    out = pd.Series(np.asarray(f(cols["retention"], cols["discount_rate"]), dtype=float),
                    index=index, name="retention_elasticity")
    if index is None:
        out.index.name = "customer_id"
    return out
