"""The aggregate forecast band of the report: how sure the cohort's expected cumulative repeat
transactions are, given the sampling uncertainty of the purchase model's parameters.

The cohort curve is ``E(t) = Σ_b n_b E[X(t - b)]`` over the distinct acquisition times ``b``
(``n_b`` customers each), with ``E[X(h)]`` the model's expectation for a new customer
(Fader, Hardie & Lee 2005, section 4: :func:`custvalue.clv.cohort_repeat_transactions`). Its
interval follows the customer-level intervals of :mod:`custvalue.clv` (the same free scale of
the parameters, the log or logit of each, where the estimates are closest to normal):

``"delta"``
    ``se = sqrt(J Σ J')`` with ``J = dE(t)/dθ`` by forward differences on the free scale
    (one cohort curve per parameter) and ``Σ`` the free-scale covariance; the interval is
    ``E exp(∓ z se / E)`` (the log scale, so it stays positive).
``"simulate"``
    ``θ_d ~ N(θ̂, Σ)``, ``d = 1..n_draws`` (seeded), the curve at each draw, and the
    ``(1 - level)/2`` and ``(1 + level)/2`` quantiles at each time.

Both describe the uncertainty of the *expected* curve, not the spread of the actual count
around it (the purchases of a finite cohort are random even with the parameters known).

This lives in the report until :mod:`custvalue.clv` offers aggregate intervals itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..base.transforms import SCALE_NAMES, from_free, to_free

#: Forward-difference step on the free scale (as the customer-level delta method).
_STEP = 1e-6


def _transforms(results: Any) -> tuple[str, ...]:
    by_scale = {v: k for k, v in SCALE_NAMES.items()}
    return tuple(by_scale[s] for s in results.conf_int_scale)


def cohort_band(results: Any, first_purchase: np.ndarray, times: np.ndarray, *, interval: str, level: float,
                n_draws: int = 200, seed: int = 0) -> pd.DataFrame:
    """Expected cumulative repeat transactions of the cohort at ``times`` with an interval.

    Parameters
    ----------
    results : fitted purchase-count results
        BG/NBD, MBG/NBD or Pareto/NBD (``kernel.expected_purchases_new_customer``,
        ``params``, ``cov_params``, ``conf_int_scale``).
    first_purchase : numpy.ndarray
        Each customer's acquisition time on the axis of ``times``.
    times : numpy.ndarray
        Calendar times of the curve.
    interval : {"delta", "simulate"}
    level : float
        Confidence level in (0, 1).
    n_draws : int, default 200
        Parameter draws for ``"simulate"``.
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time``: ``estimate``, ``lower``, ``upper``; ``attrs`` record the method
        and level.
    """
    births, counts = np.unique(np.asarray(first_purchase, dtype=float), return_counts=True)
    t = np.asarray(times, dtype=float)
    age = t[:, None] - births[None, :]
    pos = age > 0
    ages = np.where(pos, age, 0.0).ravel()
    weight = np.where(pos, counts[None, :], 0.0)
    kernel = results.kernel

    def curve(params: np.ndarray) -> np.ndarray:
        flat = np.asarray(kernel.expected_purchases_new_customer(ages, *[float(p) for p in params]), dtype=float)
        return (flat.reshape(age.shape) * weight).sum(axis=1)

    params = results.params.to_numpy(dtype=float)
    transforms = _transforms(results)
    estimate = curve(params)
    theta = to_free(params, transforms)
    _, d = from_free(theta, transforms)
    cov = results.cov_params.to_numpy(dtype=float) / np.outer(d, d)
    if interval == "delta":
        jac = np.empty((t.size, theta.size))
        for j in range(theta.size):  # one cohort curve per parameter
            step = _STEP * max(1.0, abs(theta[j]))
            moved = theta.copy()
            moved[j] += step
            jac[:, j] = (curve(from_free(moved, transforms)[0]) - estimate) / step
        se = np.sqrt(np.maximum(((jac @ cov) * jac).sum(axis=1), 0.0))
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(estimate > 0, z * se / estimate, 0.0)
        lower, upper = estimate * np.exp(-spread), estimate * np.exp(spread)
    else:
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(theta, cov, size=n_draws, method="eigh")
        block = np.vstack([curve(from_free(th, transforms)[0]) for th in draws])
        lower, upper = np.quantile(block, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
    out = pd.DataFrame({"estimate": estimate, "lower": lower, "upper": upper}, index=pd.Index(t, name="time"))
    out.attrs.update(interval=interval, level=level)
    return out
