"""Churn value-at-risk, win-back priority and the expected value of a win-back campaign by tier.

*CRM theory* (客户流失与挽回): the loss of key customers must be fought hard,
ordinary customers' losses should be tried for, small customers judged case by case, and
worthless customers let go.  Here that policy is *computed*: P(inactive) comes from a
fitted buy-till-you-die model (``1 - P(alive)``, Fader, Hardie & Lee 2005, Marketing Science
24(2), eq. 13 for the BG/NBD), the value at risk is ``P(inactive) x value``, and a campaign
with response rate ``rho`` and cost ``c`` per contacted customer has expected net value
``rho x P(inactive) x value - c`` per customer (contacting an active customer wins nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (align_by_label, as_float_array, check_finite_scalar, check_not_missing,
                           check_probability, describe_rows)
from ..exceptions import DataError
from ._common import as_values
from .pyramid import DEFAULT_CUT_POINTS, DEFAULT_LABELS, customer_pyramid

__all__ = ["churn_value_at_risk", "winback_campaign", "POLICY_THRESHOLDS"]

#: Share of a tier's customers worth contacting -> policy (*CRM theory*'s four responses).
POLICY_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.9, "fight to win back"),
    (0.5, "try to win back"),
    (1e-12, "case by case"),
    (0.0, "let go"),
)


def _p_alive(p_alive: Any, data: pd.DataFrame | None, index: pd.Index) -> np.ndarray:
    if hasattr(p_alive, "p_alive"):  # fitted BTYD results
        if data is None:
            raise DataError("data is required when a fitted model is passed: the customers' "
                            "frequency, recency and T, to compute P(alive).")
        pa = p_alive.p_alive(data)
    else:
        pa = p_alive
    if isinstance(pa, pd.Series) and isinstance(index, pd.Index) and len(pa) == len(index) \
            and not pa.index.equals(index):
        raise DataError("p_alive and value must have the same index (same customers, same order).")
    arr = as_float_array(pa, "p_alive", index=index)
    if arr.size != len(index):
        raise DataError(f"p_alive must have one entry per customer ({len(index)}); received {arr.size}.")
    return check_probability(arr, "p_alive", index)


def churn_value_at_risk(p_alive: Any, value: Any, data: pd.DataFrame | None = None, *,
                        tiers: pd.Series | None = None,
                        cut_points: Sequence[float] = DEFAULT_CUT_POINTS,
                        labels: Sequence[str] = DEFAULT_LABELS) -> pd.DataFrame:
    """Per-customer churn value-at-risk, ranked within pyramid tier.

    ``value_at_risk_i = (1 - P(alive)_i) x value_i``: the value expected to be lost because
    the customer has (probably) already left.

    Parameters
    ----------
    p_alive : fitted BTYD results or array-like
        Either results with a ``p_alive(data)`` method (e.g. ``BetaGeo().fit(d)``) or the
        probabilities themselves (in [0, 1], one per customer).
    value : array-like or pandas.Series
        Value lost if the customer has left (e.g. CLV conditional on being alive, or the
        customer's yearly margin); also the measure the tiers are built on when ``tiers`` is
        omitted.
    data : pandas.DataFrame, optional
        Customers' ``frequency``, ``recency``, ``T``; required with a fitted model.
    tiers : pandas.Series, optional
        Tier per customer (output of :func:`customer_pyramid`); by default the pyramid of
        ``value``.  pandas inputs (``value``, ``p_alive`` or the model's predictions for
        ``data``, ``tiers``) are paired by customer label, arrays by position.
    cut_points, labels
        Passed to :func:`customer_pyramid` when ``tiers`` is omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``value``: ``tier``, ``value``, ``p_alive``, ``p_inactive``,
        ``value_at_risk`` and ``priority`` (1 = largest value at risk within the tier; equal
        values ranked by index label).

    Examples
    --------
    >>> from custvalue.segment import churn_value_at_risk
    >>> out = churn_value_at_risk([0.9, 0.2, 0.5, 1.0], [100.0, 50.0, 10.0, 5.0],
    ...                           cut_points=(50, 50), labels=("key", "other"))
    >>> out["value_at_risk"].round(6).tolist()
    [10.0, 40.0, 5.0, 0.0]
    >>> out["priority"].tolist()
    [2, 1, 1, 2]
    """
    if hasattr(p_alive, "p_alive") and data is not None:
        p_alive = p_alive.p_alive(data)  # a fitted model: P(alive) of data's customers
    # per-customer inputs paired by label (the first pandas input's order), arrays by position
    aligned = align_by_label(value=value, p_alive=p_alive, tiers=tiers)
    value, p_alive, tiers = aligned["value"], aligned["p_alive"], aligned["tiers"]
    x, index = as_values(value, "value")
    if not isinstance(value, pd.Series):  # take the customer ids from the other inputs
        if isinstance(p_alive, pd.Series) and len(p_alive) == x.size:
            index = p_alive.index
        elif isinstance(data, pd.DataFrame) and len(data) == x.size:
            index = data.index
    pa = _p_alive(p_alive, data, index)
    if tiers is None:
        tiers = customer_pyramid(pd.Series(x, index=index), cut_points=cut_points, labels=labels)
    elif not isinstance(tiers, pd.Series) or not isinstance(tiers.dtype, pd.CategoricalDtype) \
            or len(tiers) != x.size:
        raise DataError("tiers must be a categorical Series with one entry per customer (the "
                        "output of customer_pyramid).")
    elif tiers.isna().any():
        raise DataError("tiers must not have missing labels; " + describe_rows(tiers.isna().to_numpy(), index))
    var = (1.0 - pa) * x
    codes = tiers.cat.codes.to_numpy()
    # rank within tier: sort by (tier, -value at risk, label order); one lexsort, no group loop
    label_rank = np.arange(x.size) if index.is_monotonic_increasing else \
        np.argsort(np.argsort(index.to_numpy(), kind="stable"), kind="stable")
    order = np.lexsort((label_rank, -var, codes))
    sorted_codes = codes[order]
    start = np.searchsorted(sorted_codes, sorted_codes, side="left")
    priority = np.empty(x.size, dtype=np.int64)
    priority[order] = np.arange(x.size) - start + 1
    return pd.DataFrame({"tier": tiers.array, "value": x, "p_alive": pa,
                         "p_inactive": 1.0 - pa, "value_at_risk": var, "priority": priority},
                        index=index)


def _per_tier(arg: Any, name: str, categories: pd.Index, *, probability: bool) -> np.ndarray:
    """A scalar or a {tier: number} mapping -> one number per tier category."""
    if isinstance(arg, Mapping):
        missing = [c for c in categories if c not in arg]
        unknown = [k for k in arg if k not in set(categories)]
        if missing or unknown:
            raise DataError(f"{name} must give a number for every tier {list(categories)}; "
                            f"missing {missing}, unknown {unknown}.")
        vals = np.array([check_finite_scalar(arg[c], f"{name}[{c!r}]") for c in categories])
    else:
        if isinstance(arg, (str, bytes)) or np.ndim(arg) != 0:
            raise DataError(f"{name} must be a number or a {{tier: number}} mapping; received {arg!r}.")
        vals = np.full(len(categories), check_finite_scalar(arg, name))
    if not np.all(np.isfinite(vals)) or np.any(vals < 0) or (probability and np.any(vals > 1)):
        bound = "in [0, 1]" if probability else ">= 0"
        raise DataError(f"{name} must be {bound}; received {arg!r}.")
    return vals


def winback_campaign(at_risk: pd.DataFrame, *, response_rate: float | Mapping[str, float],
                     cost: float | Mapping[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected value of a win-back campaign by tier, and the policy of *CRM theory* computed from it.

    A contacted customer is won back with probability ``response_rate`` if they have left,
    so the expected net value of contacting customer ``i`` now is
    ``response_rate x value_at_risk_i - cost`` (``value_at_risk = P(inactive) x value``);
    customers with a positive expected net value are worth contacting now.

    The tier's *policy* answers the question of *CRM theory* "if a customer of this tier is lost, do
    we fight for them?": a lost customer is worth winning back when ``response_rate x value
    - cost > 0``, and the share of the tier's customers for whom this holds maps to a policy
    (:data:`POLICY_THRESHOLDS`: >= 90% "fight to win back", >= 50% "try to win back", > 0
    "case by case", none "let go").

    Parameters
    ----------
    at_risk : pandas.DataFrame
        Output of :func:`churn_value_at_risk`.
    response_rate : float or mapping
        Probability that a lost customer returns when contacted, overall or per tier.
    cost : float or mapping
        Cost per contacted customer, overall or per tier (key customers may get a costlier
        campaign).

    Returns
    -------
    customers : pandas.DataFrame
        ``at_risk`` plus ``expected_net_value``, ``contact`` (bool: worth contacting now),
        ``worth_winning_back`` (bool: if lost, winning back pays) and ``winback_priority``
        (rank within tier by expected net value, 1 = first to contact).
    tiers : pandas.DataFrame
        Per tier: ``n_customers``, ``value_at_risk``, ``n_worth_contacting``,
        ``campaign_cost`` (contacting those worth it now), ``expected_recovered_value``,
        ``expected_net_value``, ``roi`` (net / cost), ``share_worth_winning_back`` and
        ``policy``.

    Raises
    ------
    DataError
        When ``at_risk`` is empty or holds a missing tier or a missing, infinite or
        non-numeric ``value_at_risk`` or ``value`` (the rows are named).

    Examples
    --------
    >>> from custvalue.segment import churn_value_at_risk, winback_campaign
    >>> r = churn_value_at_risk([0.1, 0.2, 0.5, 0.9], [1000.0, 500.0, 20.0, 5.0],
    ...                         cut_points=(50, 50), labels=("key", "small"))
    >>> cust, tiers = winback_campaign(r, response_rate=0.3, cost=10.0)
    >>> tiers["policy"].tolist()
    ['fight to win back', 'let go']
    """
    need = {"tier", "value_at_risk", "priority"}
    if not isinstance(at_risk, pd.DataFrame) or not need <= set(at_risk.columns):
        raise DataError("at_risk must be the DataFrame returned by churn_value_at_risk "
                        f"(columns {sorted(need)}).")
    tiers = at_risk["tier"]
    if not isinstance(tiers.dtype, pd.CategoricalDtype):
        raise DataError("at_risk['tier'] must be categorical (the output of churn_value_at_risk).")
    check_not_missing(tiers, "at_risk['tier']", at_risk.index)
    cats = tiers.cat.categories
    codes = tiers.cat.codes.to_numpy()
    rho = _per_tier(response_rate, "response_rate", cats, probability=True)[codes]
    c = _per_tier(cost, "cost", cats, probability=False)[codes]
    # a NaN value at risk would turn its whole tier's totals into NaN: refuse it, naming rows
    var = as_float_array(at_risk["value_at_risk"], "at_risk['value_at_risk']", index=at_risk.index)
    net = rho * var - c
    contact = net > 0
    if "value" in at_risk:
        value = as_float_array(at_risk["value"], "at_risk['value']", index=at_risk.index)
        worth = rho * value - c > 0
    else:  # value at risk only: judge on it
        worth = contact
    order = np.lexsort((np.arange(net.size), -net, codes))
    start = np.searchsorted(codes[order], codes[order], side="left")
    prio = np.empty(net.size, dtype=np.int64)
    prio[order] = np.arange(net.size) - start + 1
    customers = at_risk.assign(expected_net_value=net, contact=contact, worth_winning_back=worth,
                               winback_priority=prio)
    k = len(cats)
    n = np.bincount(codes, minlength=k)
    n_pos = np.bincount(codes, weights=contact, minlength=k)
    cost_t = np.bincount(codes, weights=np.where(contact, c, 0.0), minlength=k)
    rec_t = np.bincount(codes, weights=np.where(contact, rho * var, 0.0), minlength=k)
    n_worth = np.bincount(codes, weights=worth, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, n_worth / np.maximum(n, 1), 0.0)
        roi = np.where(cost_t > 0, (rec_t - cost_t) / np.where(cost_t > 0, cost_t, 1.0), 0.0)
    policy = []
    for s in share:  # one label per tier (a handful), not per customer
        policy.append(next(name for thr, name in POLICY_THRESHOLDS if s >= thr))
    table = pd.DataFrame({
        "n_customers": n,
        "value_at_risk": np.bincount(codes, weights=var, minlength=k),
        "n_worth_contacting": n_pos.astype(np.int64),
        "campaign_cost": cost_t,
        "expected_recovered_value": rec_t,
        "expected_net_value": rec_t - cost_t,
        "roi": roi,
        "share_worth_winning_back": share,
        "policy": policy,
    }, index=pd.CategoricalIndex(cats, ordered=tiers.cat.ordered, name="tier"))
    return customers, table
