"""Vectorised simulator of the Pareto/NBD with time-varying covariates (Bachmann, Meierer &
Näf 2021, Marketing Science 40(4)): a transaction log, a long covariate frame and
the truth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (as_float_array, as_generator, as_timestamp, check_choice, check_positive_scalar,
                           check_whole_number)
from ..exceptions import DataError
from ..units import DAYS_PER_UNIT

__all__ = ["simulate_paretonbd_tv", "TimeVaryingBase"]


@dataclass(frozen=True)
class TimeVaryingBase:
    """A simulated customer base with time-varying covariates, and its truth.

    Attributes
    ----------
    transactions : pandas.DataFrame
        ``customer_id`` and ``date``: every purchase up to the end of the holdout, the
        first purchase included (one row per purchase).
    covariates : pandas.DataFrame
        ``customer_id``, ``period`` (start date of each period) and one column per
        covariate, for every period of the calibration and holdout.
    truth : pandas.DataFrame
        Indexed by ``customer_id``: ``first_purchase`` (date), ``true_lambda`` and
        ``true_mu`` (the baseline rates λ and μ), ``true_death`` (model time units from the
        first purchase; inf if never), ``true_alive`` (alive at ``calibration_end``) and
        ``frequency_holdout`` (purchases in the holdout).
    calibration_end : pandas.Timestamp
        End of the calibration period (start of the holdout).
    params : dict
        The parameters drawn from, named as the fitted model names them.
    freq : str
        Model time unit; one period is one unit long.

    Examples
    --------
    >>> base = simulate_paretonbd_tv(100, r=0.8, alpha=6.0, s=0.6, beta=20.0, gamma_purchase={"promo": 0.5},
    ...                              calibration_periods=10, seed=0)
    >>> isinstance(base, TimeVaryingBase), base.params["purchase.promo"]
    (True, 0.5)
    """

    transactions: pd.DataFrame
    covariates: pd.DataFrame
    truth: pd.DataFrame
    calibration_end: pd.Timestamp
    params: dict = field(default_factory=dict)
    freq: str = "W"


def _coefficients(value: Any, name: str) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"{name} must be a mapping covariate name -> coefficient; received {type(value).__name__}.")
    vals = as_float_array(list(value.values()), name, allow_empty=True)
    return {str(k): float(v) for k, v in zip(value, vals)}


def simulate_paretonbd_tv(n_customers: int, *, r: float, alpha: float, s: float, beta: float,
                          gamma_purchase: Mapping[str, float] | None = None,
                          gamma_dropout: Mapping[str, float] | None = None,
                          calibration_periods: int = 52, horizon: int = 0, acquisition_periods: int = 1,
                          freq: str = "W", origin: Any = "2024-01-01", seed: Any = None) -> TimeVaryingBase:
    """Draw a customer base from the Pareto/NBD with time-varying covariates.

    Customers make their first purchase at uniform times over the first
    ``acquisition_periods`` periods. Each covariate ``j`` of customer ``i`` in period ``k``
    is ``z_ijk = 0.6 u_ij + 0.6 w_jk + 0.5 e_ijk`` with standard normal customer effects
    ``u``, period effects ``w`` (common to all customers: seasonality, campaigns) and noise
    ``e``. While alive a customer buys at rate ``λ exp(γ_p' z_ik)`` and dies at hazard
    ``μ exp(γ_d' z_ik)`` (Bachmann, Meierer & Näf 2021), ``λ ~ Gamma(r, α)``,
    ``μ ~ Gamma(s, β)``. The death time inverts the piecewise-linear cumulative hazard;
    purchases are the non-homogeneous Poisson process, drawn as Poisson counts per period
    placed uniformly within it.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, s, beta : float
        Gamma shapes and scales of the baseline purchase and death rates (> 0).
    gamma_purchase, gamma_dropout : mapping of str to float, optional
        Coefficients of the covariates on each process; a covariate may appear in both. The
        covariates simulated are the union of the names.
    calibration_periods : int, default 52
        Periods from the origin to the end of the calibration period.
    horizon : int, default 0
        Periods simulated after the calibration period (holdout purchases and the future
        covariate path).
    acquisition_periods : int, default 1
        Periods over which first purchases are spread (at most ``calibration_periods``).
    freq : {"D", "W", "M"}, default "W"
        Model time unit and period length.
    origin : date-like, default "2024-01-01"
        Start of the first period.
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    TimeVaryingBase

    Examples
    --------
    >>> base = simulate_paretonbd_tv(200, r=0.8, alpha=6.0, s=0.6, beta=20.0,
    ...                              gamma_purchase={"promo": 0.5}, gamma_dropout={"promo": -0.3},
    ...                              calibration_periods=20, horizon=4, seed=1)
    >>> base.covariates.columns.tolist(), len(base.covariates)
    (['customer_id', 'period', 'promo'], 4800)
    >>> base.truth.columns.tolist()[:3]
    ['first_purchase', 'true_lambda', 'true_mu']
    """
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    for name, v in (("r", r), ("alpha", alpha), ("s", s), ("beta", beta)):
        check_positive_scalar(v, name)
    gp, gd = _coefficients(gamma_purchase, "gamma_purchase"), _coefficients(gamma_dropout, "gamma_dropout")
    n_cal = check_whole_number(calibration_periods, "calibration_periods", minimum=1)
    n_future = check_whole_number(horizon, "horizon", minimum=0)
    n_acq = check_whole_number(acquisition_periods, "acquisition_periods", minimum=1)
    if n_acq > n_cal:
        raise DataError(f"acquisition_periods must be <= calibration_periods ({n_cal}); received {n_acq}.")
    freq = check_choice(freq, "freq", tuple(DAYS_PER_UNIT))
    start = as_timestamp(origin, "origin")
    rng = as_generator(seed)
    names = list(dict.fromkeys([*gp, *gd]))
    n_per = n_cal + n_future

    # covariates (n, periods, K)
    u = rng.standard_normal((n, 1, len(names)))
    w = rng.standard_normal((1, n_per, len(names)))
    z = 0.6 * u + 0.6 * w + 0.5 * rng.standard_normal((n, n_per, len(names)))
    cp = np.array([gp.get(c, 0.0) for c in names])
    cd = np.array([gd.get(c, 0.0) for c in names])
    a = np.exp(z @ cp)  # (n, periods) purchase multipliers
    c = np.exp(z @ cd)  # dropout multipliers

    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    first = rng.uniform(0.0, n_acq, n)  # time of the first purchase, from the origin
    k = np.arange(n_per, dtype=float)[None, :]
    lo = np.maximum(k, first[:, None])  # part of each period after the first purchase
    hi = k + 1.0
    length = np.clip(hi - lo, 0.0, None)
    # death: cumulative hazard mu * C(t) reaches an Exp(1) draw
    target = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
    C_end = np.cumsum(c * length, axis=1)
    dies = C_end[:, -1] >= target
    kd = np.argmax(C_end >= target[:, None], axis=1)
    rows = np.arange(n)
    C_before = C_end[rows, kd] - c[rows, kd] * length[rows, kd]
    death_abs = np.where(dies, lo[rows, kd] + (target - C_before) / c[rows, kd], np.inf)
    # purchases: Poisson counts per period over the alive part, placed uniformly
    alive_hi = np.minimum(hi, death_abs[:, None])
    exposure = np.clip(alive_hi - lo, 0.0, None)
    counts = rng.poisson(lam[:, None] * a * exposure)
    cust, per = np.nonzero(counts)
    reps = counts[cust, per]
    cust_r = np.repeat(cust, reps)
    per_r = np.repeat(per, reps)
    times = lo[cust_r, per_r] + rng.random(cust_r.size) * exposure[cust_r, per_r]

    unit = pd.Timedelta(days=DAYS_PER_UNIT[freq])
    ids = pd.Index(np.arange(n), name="customer_id")
    t_all = np.concatenate([first, times])
    c_all = np.concatenate([rows, cust_r])
    order = np.lexsort((t_all, c_all))
    transactions = pd.DataFrame({"customer_id": c_all[order],
                                 "date": start + pd.to_timedelta(t_all[order] * unit.value, unit="ns")})
    transactions = transactions.reset_index(drop=True)
    periods = start + pd.to_timedelta(np.arange(n_per) * unit.value, unit="ns")
    covariates = pd.DataFrame({"customer_id": np.repeat(np.arange(n), n_per), "period": np.tile(periods, n)})
    for j, name in enumerate(names):
        covariates[name] = z[:, :, j].ravel()
    holdout = np.bincount(cust_r[times > n_cal], minlength=n).astype(float)
    truth = pd.DataFrame({"first_purchase": start + pd.to_timedelta(first * unit.value, unit="ns"),
                          "true_lambda": lam, "true_mu": mu, "true_death": death_abs - first,
                          "true_alive": death_abs > n_cal, "frequency_holdout": holdout}, index=ids)
    params = {"r": float(r), "alpha": float(alpha), "s": float(s), "beta": float(beta),
              **{f"purchase.{k}": v for k, v in gp.items()}, **{f"dropout.{k}": v for k, v in gd.items()}}
    return TimeVaryingBase(transactions, covariates, truth, start + n_cal * unit, params, freq)
