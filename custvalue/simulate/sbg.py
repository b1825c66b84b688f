"""Vectorised simulation of contractual cohorts under the shifted-beta-geometric model
(Fader & Hardie 2007, Journal of Interactive Marketing 21(1):76-90)."""

from __future__ import annotations


import numpy as np
import pandas as pd

from .._validation import as_generator, check_positive_scalar, check_whole_number

__all__ = ["simulate_sbg", "simulate_sbg_survivors"]



def simulate_sbg(n_customers: int, *, alpha: float, beta: float, n_periods: int,
                 seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Draw a cohort of customers observed for ``n_periods`` periods.

    Each customer has churn probability θ ~ Beta(α, β) and lifetime T ~ Geometric(θ) on
    {1, 2, ...} (leaves at the end of period T); lifetimes beyond ``n_periods`` are censored.

    Parameters
    ----------
    n_customers : int
        Cohort size.
    alpha, beta : float
        sBG parameters (> 0).
    n_periods : int
        Observation window in periods (>= 1).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with ``duration`` (churn period, or ``n_periods`` if still
        active), ``censored`` (bool) and the true ``theta`` and ``lifetime``; feed ``duration``
        and ``censored`` to :class:`custvalue.clv.ShiftedBetaGeometric`.

    Examples
    --------
    >>> from custvalue.simulate.sbg import simulate_sbg
    >>> simulate_sbg(5, alpha=1.0, beta=2.0, n_periods=4, seed=0).columns.tolist()
    ['duration', 'censored', 'theta', 'lifetime']
    """
    a = check_positive_scalar(alpha, "alpha")
    b = check_positive_scalar(beta, "beta")
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    n_periods = check_whole_number(n_periods, "n_periods", minimum=1)
    rng = as_generator(seed)  # a Generator passes through unchanged
    theta = rng.beta(a, b, size=n)
    theta = np.clip(theta, 1e-300, 1.0)
    lifetime = rng.geometric(theta)
    censored = lifetime > n_periods
    duration = np.where(censored, int(n_periods), lifetime)
    return pd.DataFrame({"duration": duration.astype(float), "censored": censored,
                         "theta": theta, "lifetime": lifetime},
                        index=pd.RangeIndex(n, name="customer_id"))


def simulate_sbg_survivors(n_customers: int, *, alpha: float, beta: float, n_periods: int,
                           seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Survivor counts ``s_0..s_{n_periods}`` of a simulated cohort (``s_0 = n_customers``).

    Parameters
    ----------
    n_customers : int
        Cohort size at the start of period 0.
    alpha, beta : float
        sBG parameters: churn probabilities ~ Beta(alpha, beta) (Fader & Hardie 2007).
    n_periods : int
        Number of renewal opportunities to follow.
    seed : int or numpy.random.Generator, optional
        Random seed or generator.

    Returns
    -------
    numpy.ndarray
        ``n_periods + 1`` non-increasing counts.

    Examples
    --------
    >>> from custvalue.simulate.sbg import simulate_sbg_survivors
    >>> int(simulate_sbg_survivors(100, alpha=1.0, beta=2.0, n_periods=3, seed=0)[0])
    100
    """
    d = simulate_sbg(n_customers, alpha=alpha, beta=beta, n_periods=n_periods, seed=seed)
    life = d["lifetime"].to_numpy()
    t = np.arange(int(n_periods) + 1)
    # number with lifetime > t, via one sort instead of a loop over customers
    return (life.size - np.searchsorted(np.sort(life), t, side="right")).astype(np.int64)
