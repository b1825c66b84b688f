"""Vectorised simulators of BG/NBD customer bases with Gamma-Gamma spend
(Fader, Hardie & Lee 2005), returning the columns of :func:`custvalue.rfm.rfm_summary`
plus the true latent values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_generator, as_timestamp, check_positive_scalar, check_whole_number
from ..exceptions import DataError

__all__ = ["simulate_betageo", "simulate_betageo_transactions"]



def _check_params(**params: Any) -> dict[str, float]:
    return {k: check_positive_scalar(v, k) for k, v in params.items()}


def simulate_betageo(n_customers: int, *, r: float, alpha: float, a: float, b: float,
                     T: Any = 52.0, horizon: float = 0.0, p: float | None = None,
                     q: float | None = None, gamma: float | None = None,
                     seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Draw a BG/NBD customer base (and Gamma-Gamma spend if p, q, gamma are given).

    Each customer has λ ~ Gamma(r, rate α) and dropout probability p ~ Beta(a, b); the
    customer survives each repeat purchase with probability 1 - p (FHL 2005, section 3).
    Exact and loop-free: with N ~ Poisson(λT) arrivals in (0, T] and J ~ Geometric(p) the
    purchase after which the customer drops out, ``frequency = min(J, N)`` and the
    recency is the ``frequency``-th of N uniform order statistics, ``T * Beta(x, N-x+1)``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        BG/NBD parameters.
    T : float or array-like, default 52.0
        Age of each customer at the end of the calibration period.
    horizon : float, default 0.0
        If > 0, also draw ``frequency_holdout``: purchases in (T, T + horizon].
    p, q, gamma : float, optional
        Gamma-Gamma spend parameters: transaction values ~ Gamma(p, rate ν), ν ~ Gamma(q, rate γ).
    seed : int or numpy.random.Generator, optional
        Random seed or generator.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (0..n-1): ``frequency``, ``recency``, ``T``,
        (``monetary_value``), (``frequency_holdout``, ``duration_holdout``) and the truth:
        ``true_lambda``, ``true_p``, ``true_alive`` (alive at T) (, ``true_nu``,
        ``true_mean_spend`` = p/ν).

    Examples
    --------
    >>> base = simulate_betageo(1000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
    >>> base.columns.tolist()[:3]
    ['frequency', 'recency', 'T']
    """
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    prm = _check_params(r=r, alpha=alpha, a=a, b=b)
    rng = as_generator(seed)  # a Generator passes through unchanged
    T_arr = np.broadcast_to(as_float_array(T, "T"), (n,)).astype(float)
    if (T_arr <= 0).any():
        raise DataError("T must be > 0 for every customer.")
    lam = rng.gamma(prm["r"], 1.0 / prm["alpha"], n)
    pdrop = rng.beta(prm["a"], prm["b"], n)
    n_arr = rng.poisson(lam * T_arr)
    j_drop = rng.geometric(np.clip(pdrop, 1e-300, 1.0))
    x = np.minimum(j_drop, n_arr)
    pos = x > 0
    recency = np.zeros(n)
    recency[pos] = T_arr[pos] * rng.beta(x[pos], n_arr[pos] - x[pos] + 1)
    alive = j_drop > n_arr
    out = pd.DataFrame({"frequency": x.astype(np.int64), "recency": recency, "T": T_arr},
                       index=pd.Index(np.arange(n), name="customer_id"))
    if p is not None or q is not None or gamma is not None:
        if p is None or q is None or gamma is None:
            raise DataError("pass all of p, q and gamma for Gamma-Gamma spend, or none.")
        sp = _check_params(p=p, q=q, gamma=gamma)
        nu = rng.gamma(sp["q"], 1.0 / sp["gamma"], n)
        mv = np.zeros(n)
        # the mean of x Gamma(p, ν) values is Gamma(p x, rate ν x)
        mv[pos] = rng.gamma(sp["p"] * x[pos], 1.0 / (nu[pos] * x[pos]))
        out["monetary_value"] = mv
    if horizon:
        h = check_positive_scalar(horizon, "horizon")
        remaining = j_drop - n_arr  # purchases left before dropout (memoryless), if alive
        future = rng.poisson(lam * h)
        out["frequency_holdout"] = np.where(alive, np.minimum(remaining, future), 0).astype(np.int64)
        out["duration_holdout"] = h
    out["true_lambda"] = lam
    out["true_p"] = pdrop
    out["true_alive"] = alive
    if "monetary_value" in out:
        out["true_nu"] = nu
        out["true_mean_spend"] = sp["p"] / nu
    return out


def simulate_betageo_transactions(n_customers: int, *, r: float, alpha: float, a: float, b: float,
                                  start: str = "2020-01-01", acquisition_days: int = 90,
                                  observation_days: int = 546, p: float = 6.0, q: float = 4.0,
                                  gamma: float = 15.0,
                                  seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Draw a transaction log from the BG/NBD + Gamma-Gamma model, in weeks.

    Customers are acquired uniformly over the first ``acquisition_days`` days after
    ``start`` (their first purchase) and observed until ``start + observation_days``.
    Repeat purchases follow the BG/NBD process with rates per week; the arrival times of
    the first ``min(J, N)`` of N Poisson arrivals are the smallest uniform order statistics,
    drawn for all customers at once with one sort.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        BG/NBD parameters, with purchase rates per week.
    start : str, default "2020-01-01"
        First day of the acquisition window (any string ``numpy.datetime64`` accepts).
    acquisition_days : int, default 90
        Customers make their first purchase on a uniformly drawn day in
        ``[0, acquisition_days)`` after ``start``.
    observation_days : int, default 546
        The log ends ``observation_days`` days after ``start``.
    p, q, gamma : float, default 6.0, 4.0, 15.0
        Gamma-Gamma spend parameters: amounts ~ Gamma(p, rate ν), ν ~ Gamma(q, rate γ).
    seed : int or numpy.random.Generator, optional
        Random seed or generator.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``date`` (datetime64, day resolution) and ``amount``.

    Examples
    --------
    >>> tx = simulate_betageo_transactions(100, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=0)
    >>> tx.columns.tolist()
    ['customer_id', 'date', 'amount']
    """
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    rng = as_generator(seed)  # a Generator passes through unchanged
    prm = _check_params(r=r, alpha=alpha, a=a, b=b, p=p, q=q, gamma=gamma)
    acquisition_days = check_whole_number(acquisition_days, "acquisition_days", minimum=1)
    observation_days = check_whole_number(observation_days, "observation_days", minimum=acquisition_days)
    start = as_timestamp(start, "start")
    birth = rng.integers(0, int(acquisition_days), n)
    T_weeks = (observation_days - birth) / 7.0
    lam = rng.gamma(prm["r"], 1.0 / prm["alpha"], n)
    pdrop = rng.beta(prm["a"], prm["b"], n)
    n_arr = rng.poisson(lam * T_weeks)
    x = np.minimum(rng.geometric(np.clip(pdrop, 1e-300, 1.0)), n_arr)
    nu = rng.gamma(prm["q"], 1.0 / prm["gamma"], n)
    # N uniforms per customer, sorted within customer: sort (code + u) once.
    owner = np.repeat(np.arange(n), n_arr)
    keyed = np.sort(owner + rng.random(owner.size))
    rank = np.arange(owner.size) - np.repeat(np.cumsum(n_arr) - n_arr, n_arr)
    take = rank < x[owner]
    rep_owner = owner[take]
    rep_time = (keyed[take] - rep_owner) * T_weeks[rep_owner]
    cust = np.concatenate([np.arange(n), rep_owner])
    day = np.concatenate([birth, birth[rep_owner] + np.floor(rep_time * 7.0).astype(np.int64)])
    amount = rng.gamma(prm["p"], 1.0 / nu[cust])
    order = np.lexsort((day, cust))
    dates = np.datetime64(start, "D") + day[order]
    return pd.DataFrame({"customer_id": cust[order], "date": dates.astype("datetime64[ns]"),
                         "amount": amount[order]})
