"""Upgrade paths: movement between pyramid tiers and the value of moving a customer one tier up.

*CRM theory* (客户关系管理理论): each tier of the customer pyramid gets its own upgrade strategy
(move small customers to ordinary, ordinary to key...).  Tier movement is a Markov chain
over tiers (Pfeifer & Carraway 2000); the value of a customer starting in tier ``k`` is the
chain's discounted value ``V = sum_t [(1+d)^-1 P]^t R`` (P&C eqs. 5-6, computed by
:meth:`custvalue.markov.MarkovChain.value`, reused), and the value of an upgrade is
``V(tier above) - V(tier)``: what a firm could spend to move one customer up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, check_discount_rate, check_not_missing
from ..markov import MarkovChain, TransitionMatrixResults, as_chain
from ..exceptions import DataError

__all__ = ["tier_transitions", "upgrade_value"]


def _tier_codes(tiers: Any, name: str) -> tuple[np.ndarray, pd.Index, pd.Index]:
    if not isinstance(tiers, pd.Series) or not isinstance(tiers.dtype, pd.CategoricalDtype):
        raise DataError(f"{name} must be a categorical Series of tiers (the output of "
                        f"customer_pyramid); received {type(tiers).__name__}.")
    return tiers.cat.codes.to_numpy(), tiers.cat.categories, tiers.index


def tier_transitions(before: pd.Series, after: pd.Series, *, normalize: bool = True) -> pd.DataFrame:
    """Movement between tiers: the share (or count) of each tier's customers in each later tier.

    ``before`` may be the tiers on last year's value and ``after`` this year's, or the tiers
    on historical value and on the CLV predicted by a fitted model (expected movement).

    Parameters
    ----------
    before, after : pandas.Series
        Categorical tiers with the same categories, for the same customers (matched on the
        index).
    normalize : bool, default True
        Row shares (a transition matrix) rather than counts.

    Returns
    -------
    pandas.DataFrame
        Rows: tier before, columns: tier after.  With ``normalize``, a tier that no customer
        started in has a row of zeros (no one to move), not NaN.

    Raises
    ------
    DataError
        On empty input, missing tiers (rows named), different tiers or different customers.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import tier_transitions
    >>> cat = pd.CategoricalDtype(["key", "small"], ordered=True)
    >>> b = pd.Series(["key", "key", "small", "small"], dtype=cat)
    >>> a = pd.Series(["key", "small", "small", "small"], dtype=cat)
    >>> tier_transitions(b, a).to_numpy().tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    cb, cats, ib = _tier_codes(before, "before")
    ca, cats_a, ia = _tier_codes(after, "after")
    if not cats.equals(cats_a):
        raise DataError(f"before and after must have the same tiers; received {list(cats)} and {list(cats_a)}.")
    if not ib.equals(ia):  # the same customers, matched by label
        ca = align_to_index(after, "after", ib, "before").cat.codes.to_numpy()
    if cb.size == 0:
        raise DataError("before and after are empty; at least one customer is required (a "
                        "transition matrix of no customers is undefined, not zero).")
    check_not_missing(before, "before")
    check_not_missing(after, "after")
    k = len(cats)
    counts = np.bincount(cb * k + ca, minlength=k * k).reshape(k, k).astype(np.float64)
    if normalize:
        rows = counts.sum(axis=1, keepdims=True)
        counts = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    return pd.DataFrame(counts, index=pd.Index(cats, name="before"), columns=pd.Index(cats, name="after"))


def upgrade_value(transitions: Any, tier_values: Any, discount_rate: float, *,
                  horizon: int | None = None, include_current: bool = True) -> pd.DataFrame:
    """Value of a customer in each tier, and of moving a customer one tier up.

    Parameters
    ----------
    transitions : TransitionMatrixResults, MarkovChain or pandas.DataFrame
        Tier-to-tier transition matrix per period, states ordered top tier first (e.g.
        :func:`tier_transitions` or :func:`custvalue.segment.migration` on a tier panel).
    tier_values : pandas.Series or mapping
        Value (margin) per period of a customer in each tier.
    discount_rate : float
        Per-period discount rate.
    horizon : int, optional
        Last period of the sum (``None``: infinite horizon).
    include_current : bool, default True
        Count the current period's value.

    Returns
    -------
    pandas.DataFrame
        Per tier: ``value`` (discounted expected value, P&C eq. 5/6), ``tier_above``,
        ``upgrade_value`` (``value`` of the tier above minus this tier's; NaN for the top
        tier, which has no tier above).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import upgrade_value
    >>> P = pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=["key", "small"], columns=["key", "small"])
    >>> upgrade_value(P, {"key": 100.0, "small": 10.0}, 0.1)["upgrade_value"].round(2).tolist()
    [nan, 247.5]
    """
    if not isinstance(transitions, (TransitionMatrixResults, MarkovChain, pd.DataFrame)):
        raise DataError("transitions must be a TransitionMatrixResults, a MarkovChain or a DataFrame "
                        f"with tier labels; received {type(transitions).__name__}.")
    chain = as_chain(transitions, name="transitions")
    check_discount_rate(discount_rate)
    tv = pd.Series(tier_values) if isinstance(tier_values, Mapping) else tier_values
    if isinstance(tv, pd.Series):
        missing = [s for s in chain.states if s not in tv.index]
        if missing:
            raise DataError(f"tier_values must give a value for every tier; missing {missing}.")
        tv = tv.reindex(chain.states)
    tv = as_float_array(tv, "tier_values", index=pd.Index(chain.states, name="tier"))
    if tv.size != len(chain.states):
        raise DataError(f"tier_values must have one entry per tier ({len(chain.states)}); "
                        f"received {tv.size}.")
    v = chain.value(tv, discount_rate, horizon, include_current=include_current)
    v = pd.Series(np.asarray(v, dtype=np.float64), index=chain.states)
    above = [None] + list(chain.states[:-1])
    up = np.concatenate(([np.nan], v.to_numpy()[:-1] - v.to_numpy()[1:]))
    return pd.DataFrame({"value": v.to_numpy(), "tier_above": above, "upgrade_value": up},
                        index=pd.Index(chain.states, name="tier"))
