"""Vectorised simulator of the MBG/CNBD-k and BG/CNBD-k models (Platzer & Reutterer 2016).

Purchases are drawn round by round (one inter-purchase time for every customer still buying
per round), so the loop runs over purchase numbers, never over customers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_generator, check_positive_scalar, check_whole_number
from ..exceptions import DataError
from .btyd import _ages, _frame, _n

__all__ = ["simulate_cnbdk"]


def simulate_cnbdk(n_customers: int, *, k: int, r: float, alpha: float, a: float, b: float, T: Any,
                   variant: str = "MBG", horizon: float | None = None, seed: Any = None) -> pd.DataFrame:
    """Draw a customer base from the MBG/CNBD-k or BG/CNBD-k model.

    λ ~ Gamma(r, rate α), p ~ Beta(a, b); inter-purchase times are Erlang-k with rate λ
    (Gamma(k, rate λ)), starting at the first purchase at time 0; after each repeat purchase
    the customer drops out with probability p, and with ``variant="MBG"`` also at time 0
    (Platzer & Reutterer 2016, section 3; BTYDplus ``mbgcnbd.GenerateData``).

    Parameters
    ----------
    n_customers : int
        Number of customers.
    k : int
        Erlang order (1 gives the MBG/NBD or BG/NBD).
    r, alpha, a, b : float
        Model parameters.
    T : float or array-like
        Customer ages (calibration length), one per customer or one for all.
    variant : {"MBG", "BG"}, default "MBG"
        With or without the drop-out opportunity at time 0.
    horizon : float, optional
        Also simulate the next ``horizon`` time units and return the purchases there as
        ``frequency_holdout``.
    seed : int or numpy.random.Generator, optional
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``sum_log_interpurchase`` (and
        ``frequency_holdout``), plus the truth ``lambda``, ``p`` and ``alive`` (at ``T``),
        indexed by ``customer_id``.

    Examples
    --------
    >>> df = simulate_cnbdk(1000, k=2, r=0.9, alpha=2.0, a=0.8, b=2.5, T=52.0, seed=1)
    >>> df.columns.tolist()[:4]
    ['frequency', 'recency', 'T', 'sum_log_interpurchase']
    """
    n = _n(n_customers)
    k = check_whole_number(k, "k", minimum=1)
    for name, v in (("r", r), ("alpha", alpha), ("a", a), ("b", b)):
        check_positive_scalar(v, name)
    if variant not in ("MBG", "BG"):
        raise DataError(f"variant must be 'MBG' or 'BG'; received {variant!r}.")
    h = 0.0 if horizon is None else check_positive_scalar(horizon, "horizon")
    t = _ages(T, n)
    rng = as_generator(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    alive = np.ones(n, dtype=bool)
    if variant == "MBG":
        alive &= rng.random(n) >= p
    x = np.zeros(n)
    x_hold = np.zeros(n)
    last = np.zeros(n)
    litt = np.zeros(n)
    alive_at_T = alive.copy()
    now = np.zeros(n)
    active = np.flatnonzero(alive)
    while active.size:  # one round per purchase number
        gap = rng.gamma(k, 1.0, active.size) / lam[active]
        nxt = now[active] + gap
        in_cal = nxt <= t[active]
        in_hold = ~in_cal & (nxt <= t[active] + h)
        # a customer who has not bought again by T is alive at T
        made = in_cal | in_hold
        ic = active[in_cal]
        x[ic] += 1.0
        last[ic] = nxt[in_cal]
        litt[ic] += np.log(gap[in_cal])
        x_hold[active[in_hold]] += 1.0
        now[active] = nxt
        bought = active[made]
        drop = rng.random(bought.size) < p[bought]
        alive[bought[drop]] = False
        # dropping out after a calibration purchase means dead at T
        alive_at_T[bought[drop & in_cal[made]]] = False
        active = bought[~drop]
    cols = {"frequency": x, "recency": last, "T": t, "sum_log_interpurchase": litt}
    if horizon is not None:
        cols["frequency_holdout"] = x_hold
    return _frame(cols, {"lambda": lam, "p": p, "alive": alive_at_T})
