"""Vectorised simulator of the GGom/NBD model (Bemmaor & Glady 2012)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_generator, check_positive_scalar
from .btyd import _ages, _frame, _last_of_poisson, _n

__all__ = ["simulate_ggomnbd"]


def simulate_ggomnbd(n_customers: int, *, r: float, alpha: float, b: float, s: float, beta: float, T: Any,
                     horizon: float | None = None, seed: Any = None) -> pd.DataFrame:
    """Draw a customer base from the GGom/NBD model.

    λ ~ Gamma(r, rate α), η ~ Gamma(s, rate β); the lifetime τ is Gompertz,
    ``P(τ > t | η) = exp(-η (e^{bt} - 1))``, drawn by inversion as ``log(1 + E/η) / b`` with
    E ~ Exponential(1) (Bemmaor & Glady 2012, eqs. 1-2); purchases are Poisson(λ) on
    ``[0, min(τ, T)]``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, b, s, beta : float
        Model parameters.
    T : float or array-like
        Customer ages, one per customer or one for all.
    horizon : float, optional
        Also count the purchases in ``(T, T + horizon]`` as ``frequency_holdout``.
    seed : int or numpy.random.Generator, optional
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (and ``frequency_holdout``) plus the truth
        ``lambda``, ``eta``, ``lifetime`` and ``alive`` (at ``T``), indexed by ``customer_id``.

    Examples
    --------
    >>> df = simulate_ggomnbd(1000, r=0.6, alpha=5.0, b=0.05, s=1.2, beta=2.0, T=52.0, seed=1)
    >>> df.columns.tolist()[:3]
    ['frequency', 'recency', 'T']
    """
    n = _n(n_customers)
    for name, v in (("r", r), ("alpha", alpha), ("b", b), ("s", s), ("beta", beta)):
        check_positive_scalar(v, name)
    t = _ages(T, n)
    rng = as_generator(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    eta = rng.gamma(s, 1.0 / beta, n)
    tau = np.log1p(rng.standard_exponential(n) / eta) / b
    active = np.minimum(tau, t)
    x = rng.poisson(lam * active).astype(float)
    cols = {"frequency": x, "recency": _last_of_poisson(rng, x, active), "T": t}
    if horizon is not None:
        h = check_positive_scalar(horizon, "horizon")
        cols["frequency_holdout"] = rng.poisson(lam * np.clip(tau - t, 0.0, h)).astype(float)
    return _frame(cols, {"lambda": lam, "eta": eta, "lifetime": tau, "alive": tau > t})
