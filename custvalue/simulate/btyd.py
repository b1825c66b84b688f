"""Vectorised simulators for the Pareto/NBD, MBG/NBD and BG/BB models.

Each returns the same columns as the real data the model is fitted on (``frequency``,
``recency``, ``T`` or ``n_periods``), indexed by ``customer_id``, with the latent
truth (individual rates and whether the customer is still alive).  Every draw
takes ``seed`` (an int or a :class:`numpy.random.Generator`); nothing loops over customers.
(BG/NBD and Gamma-Gamma live in :mod:`custvalue.simulate.betageo`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln

from .._validation import as_float_array, as_generator, check_positive_scalar, check_whole_number
from ..exceptions import DataError

__all__ = ["simulate_paretonbd", "simulate_modbetageo", "simulate_bgbb"]



def _n(n_customers: Any) -> int:
    return check_whole_number(n_customers, "n_customers", minimum=1)


def _ages(T: Any, n: int) -> np.ndarray:
    t = as_float_array(T, "T")
    if t.size == 1:
        t = np.full(n, float(t[0]))
    if t.size != n:
        raise DataError(f"T must be a scalar or have one entry per customer ({n}); received {t.size}.")
    if (t <= 0).any():
        raise DataError(f"T must be > 0; received min(T) = {t.min()!r}.")
    return t


def _last_of_poisson(rng: np.random.Generator, count: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Time of the last of ``count`` uniform arrivals on [0, length] (0 when count == 0):
    the maximum of n uniforms is ``length * U^(1/n)``."""
    u = rng.random(count.shape)
    with np.errstate(divide="ignore"):
        return np.where(count > 0, length * u ** (1.0 / np.maximum(count, 1)), 0.0)


def _frame(cols: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> pd.DataFrame:
    df = pd.DataFrame(cols)
    for k, v in truth.items():
        df[k] = v
    df.index = pd.RangeIndex(len(df), name="customer_id")
    return df


def simulate_paretonbd(n_customers: int, *, r: float, alpha: float, s: float, beta: float,
                       T: Any, seed: Any = None) -> pd.DataFrame:
    """Draw a customer base from the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β), lifetime τ ~ Exponential(μ); purchases are
    Poisson at rate λ on (0, min(τ, T)].

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, s, beta : float
        Model parameters (all > 0).
    T : float or array-like
        Age of each customer (time since the first purchase).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` indexed by ``customer_id``, and the truth:
        ``true_lambda``, ``true_mu`` and ``true_alive`` (lifetime > T).

    Examples
    --------
    >>> df = simulate_paretonbd(1000, r=0.55, alpha=10.6, s=0.61, beta=11.7, T=39, seed=1)
    >>> list(df.columns)
    ['frequency', 'recency', 'T', 'true_lambda', 'true_mu', 'true_alive']
    """
    n = _n(n_customers)
    for name, v in (("r", r), ("alpha", alpha), ("s", s), ("beta", beta)):
        check_positive_scalar(v, name)
    rng = as_generator(seed)  # a Generator passes through unchanged
    t = _ages(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
    active = np.minimum(tau, t)
    x = rng.poisson(lam * active).astype(float)
    rec = _last_of_poisson(rng, x, active)
    truth = {"true_lambda": lam, "true_mu": mu, "true_alive": tau > t}
    return _frame({"frequency": x, "recency": rec, "T": t}, truth)


def simulate_modbetageo(n_customers: int, *, r: float, alpha: float, a: float, b: float,
                        T: Any, seed: Any = None) -> pd.DataFrame:
    """Draw a customer base from the MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    λ ~ Gamma(r, rate α), p ~ Beta(a, b).  The customer may drop out at time 0 and after
    each purchase, each time with probability p; while alive purchases are Poisson(λ).
    The number of purchases allowed before dropping out is J ~ Geometric on {0, 1, ...}
    with P(J = j) = p (1-p)^j; frequency = min(J, N(T)) with N(T) ~ Poisson(λ T); when the
    customer dies after purchase J < N(T) the recency is the J-th of N(T) uniform arrivals,
    ``T * Beta(J, N(T) - J + 1)``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        Model parameters (all > 0).
    T : float or array-like
        Age of each customer.
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` indexed by ``customer_id``, and the truth:
        ``true_lambda``, ``true_p`` and ``true_alive``.

    Examples
    --------
    >>> df = simulate_modbetageo(500, r=0.5, alpha=6.0, a=0.9, b=3.0, T=39, seed=2)
    >>> int(df.shape[0])
    500
    """
    n = _n(n_customers)
    for name, v in (("r", r), ("alpha", alpha), ("a", a), ("b", b)):
        check_positive_scalar(v, name)
    rng = as_generator(seed)  # a Generator passes through unchanged
    t = _ages(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    J = rng.geometric(np.clip(p, 1e-300, 1.0)) - 1.0
    N = rng.poisson(lam * t).astype(float)
    died = J < N
    x = np.minimum(J, N)
    last_all = _last_of_poisson(rng, N, t)
    jj = np.maximum(x, 1.0)
    kth = t * rng.beta(jj, np.maximum(N - jj + 1.0, 1.0))
    rec = np.where(x == 0, 0.0, np.where(died, kth, last_all))
    truth = {"true_lambda": lam, "true_p": p, "true_alive": ~died}
    return _frame({"frequency": x, "recency": rec, "T": t}, truth)


def simulate_bgbb(n_customers: int, *, alpha: float, beta: float, gamma: float, delta: float,
                  n_periods: int, seed: Any = None) -> pd.DataFrame:
    """Draw a customer base from the BG/BB model (Fader, Hardie & Shang 2010).

    p ~ Beta(α, β) (transaction probability per opportunity while alive), θ ~ Beta(γ, δ)
    (probability of dying at the start of each opportunity); the number of opportunities
    spent alive is ``min(G - 1, n_periods)`` with G ~ Geometric(θ).

    Parameters
    ----------
    n_customers : int
        Number of customers.
    alpha, beta, gamma, delta : float
        Model parameters (all > 0).
    n_periods : int
        Number of transaction opportunities observed.
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency`` (last opportunity with a transaction, 0 if none) and
        ``n_periods``, indexed by ``customer_id``, and the truth: ``true_p``, ``true_theta``
        and ``true_alive`` (alive after the last opportunity).

    Examples
    --------
    >>> df = simulate_bgbb(1000, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, n_periods=6, seed=3)
    >>> bool((df["recency"] <= df["n_periods"]).all())
    True
    """
    n = _n(n_customers)
    for name, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma), ("delta", delta)):
        check_positive_scalar(v, name)
    npd = check_whole_number(n_periods, "n_periods", minimum=1)
    rng = as_generator(seed)  # a Generator passes through unchanged
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    life = np.minimum(rng.geometric(np.clip(theta, 1e-300, 1.0)) - 1, npd)
    x = rng.binomial(life, p).astype(float)
    # the last transaction among x chosen uniformly from `life` opportunities:
    # P(last <= m) = C(m, x) / C(life, x); draw it by inverting over m = x..life.
    m = np.arange(1, npd + 1, dtype=float)[None, :]
    xx, ll = x[:, None], life[:, None].astype(float)
    valid = (m >= xx) & (m <= ll) & (xx > 0)
    with np.errstate(invalid="ignore"):
        logc = np.where(valid, gammaln(m + 1) - gammaln(np.where(valid, m - xx, 0) + 1)
                        - gammaln(ll + 1) + gammaln(ll - xx + 1), -np.inf)
    cdf = np.where(m > ll, 1.0, np.exp(logc))
    u = rng.random((n, 1))
    rec = np.where(x > 0, (cdf < u).sum(axis=1) + 1.0, 0.0)
    rec = np.where(x > 0, np.maximum(rec, x), 0.0)
    truth = {"true_p": p, "true_theta": theta, "true_alive": life == npd}
    return _frame({"frequency": x, "recency": rec, "n_periods": np.full(n, float(npd))}, truth)
