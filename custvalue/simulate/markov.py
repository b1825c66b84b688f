"""Vectorised simulation of customer-migration Markov chains (Pfeifer & Carraway 2000).

Loops run over periods only; all customers move at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_generator, check_transition_matrix, check_whole_number
from ..exceptions import DataError

__all__ = ["simulate_chain", "simulate_markov_panel"]



def simulate_chain(P: Any, initial: Any, n_customers: int, horizon: int, *,
                   seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Simulate integer state codes of ``n_customers`` chains over ``t = 0..horizon``.

    Parameters
    ----------
    P : array-like, shape (k, k)
        Row-stochastic transition matrix.
    initial : int or array-like of int
        Starting state code (shared) or one code per customer.
    n_customers : int
        Number of chains.
    horizon : int
        Number of transitions.
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        ``int8``/``int16``/``int32`` codes of shape ``(n_customers, horizon + 1)``.

    Examples
    --------
    >>> from custvalue.simulate.markov import simulate_chain
    >>> simulate_chain([[0.0, 1.0], [1.0, 0.0]], 0, 2, 3, seed=1).tolist()
    [[0, 1, 0, 1], [0, 1, 0, 1]]
    """
    P = check_transition_matrix(P, "P")
    k = P.shape[0]
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    h = check_whole_number(horizon, "horizon", minimum=0)
    codes = as_float_array(initial, "initial")
    if codes.size not in (1, n) or (codes != np.floor(codes)).any() or ((codes < 0) | (codes >= k)).any():
        raise DataError(f"initial must be one state code in 0..{k - 1} or one per customer ({n}); "
                        f"received {initial!r}.")
    init = np.broadcast_to(codes.astype(np.int64), (n,))
    rng = as_generator(seed)  # a Generator passes through unchanged
    dtype = np.int8 if k < 127 else (np.int16 if k < 32000 else np.int32)
    out = np.empty((n, h + 1), dtype=dtype)
    out[:, 0] = init
    cum = np.cumsum(P, axis=1)
    cum[:, -1] = 1.0 + 1e-12  # guard against rounding
    state = init.astype(np.int64)
    for t in range(1, h + 1):  # loop over periods, not customers
        u = rng.random(n)
        state = (u[:, None] >= cum[state]).sum(axis=1)
        out[:, t] = state
    return out


def simulate_markov_panel(P: Any, n_customers: int, n_periods: int, *, initial: Any = None,
                          states: Any = None, seed: int | np.random.Generator | None = None
                          ) -> pd.DataFrame:
    """A long customer-state panel (``customer_id``, ``period``, ``state``) drawn from a chain.

    Parameters
    ----------
    P : array-like or pandas.DataFrame, shape (k, k)
        Row-stochastic transition matrix (a DataFrame's index gives state labels).
    n_customers : int
        Number of customers.
    n_periods : int
        Periods per customer (>= 1); the panel has ``n_customers * n_periods`` rows.
    initial : array-like of probabilities, optional
        Distribution of the first period's state (default: uniform over states).
    states : sequence, optional
        State labels (default: a DataFrame's index or 0..k-1).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``period`` (0..n_periods-1) and ``state`` (categorical),
        sorted by customer and period.

    Examples
    --------
    >>> from custvalue.simulate.markov import simulate_markov_panel
    >>> simulate_markov_panel([[0.9, 0.1], [0.2, 0.8]], 3, 2, seed=0).shape
    (6, 3)
    """
    arr = check_transition_matrix(P, "P")
    k = arr.shape[0]
    if states is None:
        states = list(P.index) if isinstance(P, pd.DataFrame) else list(range(k))
    if len(states) != k:
        raise DataError(f"states must have one label per row of P ({k}); received {len(states)}.")
    n_t = check_whole_number(n_periods, "n_periods", minimum=1)
    rng = as_generator(seed)  # a Generator passes through unchanged
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    p0 = np.full(k, 1.0 / k) if initial is None else as_float_array(initial, "initial")
    if p0.shape != (k,) or (p0 < 0).any() or not np.isclose(p0.sum(), 1.0):
        raise DataError(f"initial must be a probability vector of length {k}; received {initial!r}.")
    start = rng.choice(k, size=n, p=p0)
    codes = simulate_chain(arr, start, n, n_t - 1, seed=rng)
    return pd.DataFrame({
        "customer_id": np.repeat(np.arange(n), n_t),
        "period": np.tile(np.arange(n_t), n),
        "state": pd.Categorical.from_codes(codes.ravel(), categories=pd.Index(states)),
    })
