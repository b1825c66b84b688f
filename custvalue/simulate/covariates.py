"""Buy-till-you-die customer bases with static covariates, returning the truth.

Each customer's gamma (beta) scales follow CLVTools' parameterisation (see
:mod:`custvalue.clv._covariates`): Pareto/NBD ``α_i = α exp(-γ_purchase' z_i)``,
``β_i = β exp(-γ_dropout' z_i)``; BG/NBD and MBG/NBD ``α_i = α exp(-γ_purchase' z_i)``,
``a_i = a exp(γ_dropout' z_i)``, ``b_i = b exp(γ_dropout' z_i)``.  The draws given the
per-customer parameters are those of :func:`~custvalue.simulate.simulate_paretonbd`,
:func:`~custvalue.simulate.simulate_betageo` and :func:`~custvalue.simulate.simulate_modbetageo`
(numpy's gamma and beta generators take one parameter per customer; no loop over customers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_generator, check_positive_scalar
from ..exceptions import DataError
from .btyd import _ages, _frame, _last_of_poisson

__all__ = ["simulate_paretonbd_covariates", "simulate_betageo_covariates", "simulate_modbetageo_covariates"]


def _linear(covariates: Any, coefficients: Mapping[str, float] | None, which: str) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(covariates, pd.DataFrame):
        covariates = pd.DataFrame(covariates)
    n = len(covariates)
    if n == 0:
        raise DataError("covariates must hold at least one customer (row).")
    eta = np.zeros(n)
    for name, coef in dict(coefficients or {}).items():
        if name not in covariates.columns:
            raise DataError(f"{which} names the covariate {name!r}, which is not a column of covariates "
                            f"(columns: {list(map(str, covariates.columns))}).")
        c = float(coef)
        if not np.isfinite(c):
            raise DataError(f"{which}[{name!r}] must be finite; received {coef!r}.")
        eta += c * as_float_array(covariates[name], name)
    return covariates, eta


def _out(covariates: pd.DataFrame, cols: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> pd.DataFrame:
    df = _frame(cols, truth)
    for c in covariates.columns:
        df[c] = covariates[c].to_numpy()
    return df


def simulate_paretonbd_covariates(covariates: Any, *, r: float, alpha: float, s: float, beta: float, T: Any,
                                  purchase_coefficients: Mapping[str, float] | None = None,
                                  dropout_coefficients: Mapping[str, float] | None = None,
                                  seed: Any = None) -> pd.DataFrame:
    """Draw a Pareto/NBD customer base whose purchase and death rates depend on covariates.

    ``λ_i ~ Gamma(r, rate α exp(-γ_purchase' z_i))`` and ``μ_i ~ Gamma(s, rate β exp(-γ_dropout' z_i))``
    (CLVTools' static-covariate Pareto/NBD; a positive coefficient raises the rate), then the
    draws of :func:`~custvalue.simulate.simulate_paretonbd`.

    Parameters
    ----------
    covariates : pandas.DataFrame or mapping
        One row per customer, one numeric column per covariate.
    r, alpha, s, beta : float
        Base parameters (all > 0).
    T : float or array-like
        Age of each customer.
    purchase_coefficients, dropout_coefficients : mapping of str to float, optional
        The true coefficient of each covariate in each process (missing: 0).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, the truth ``true_lambda``, ``true_mu``,
        ``true_alive``, then the covariate columns, indexed by ``customer_id``.

    Examples
    --------
    >>> import numpy as np
    >>> z = {"channel": np.repeat([0.0, 1.0], 500)}
    >>> df = simulate_paretonbd_covariates(z, r=0.55, alpha=10.6, s=0.61, beta=11.7, T=39,
    ...                                    purchase_coefficients={"channel": 0.5}, seed=1)
    >>> bool(df.groupby("channel")["true_lambda"].mean().diff().iloc[-1] > 0)
    True
    """
    for name, v in (("r", r), ("alpha", alpha), ("s", s), ("beta", beta)):
        check_positive_scalar(v, name)
    covariates, eta_p = _linear(covariates, purchase_coefficients, "purchase_coefficients")
    _, eta_d = _linear(covariates, dropout_coefficients, "dropout_coefficients")
    n = len(covariates)
    rng = as_generator(seed)
    t = _ages(T, n)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-eta_p)))
    mu = rng.gamma(s, 1.0 / (beta * np.exp(-eta_d)))
    tau = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
    active = np.minimum(tau, t)
    x = rng.poisson(lam * active).astype(float)
    rec = _last_of_poisson(rng, x, active)
    return _out(covariates, {"frequency": x, "recency": rec, "T": t},
                {"true_lambda": lam, "true_mu": mu, "true_alive": tau > t})


def _bg_draws(rng: np.random.Generator, t: np.ndarray, lam: np.ndarray, p: np.ndarray, modified: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and alive-at-T of BG/NBD (``modified=False``) or MBG/NBD customers
    (the draws of simulate_betageo and simulate_modbetageo)."""
    N = rng.poisson(lam * t).astype(float)
    if modified:  # may drop out at time 0 and after each purchase
        J = rng.geometric(np.clip(p, 1e-300, 1.0)) - 1.0
        died = J < N
    else:  # drops out after purchase J >= 1
        J = rng.geometric(np.clip(p, 1e-300, 1.0)).astype(float)
        died = J <= N
    x = np.minimum(J, N)
    pos = x > 0
    rec = np.zeros(t.size)
    rec[pos] = t[pos] * rng.beta(x[pos], N[pos] - x[pos] + 1.0)
    return x, rec, ~died


def _simulate_bg(covariates: Any, r: float, alpha: float, a: float, b: float, T: Any,
                 purchase_coefficients: Any, dropout_coefficients: Any, seed: Any, modified: bool) -> pd.DataFrame:
    for name, v in (("r", r), ("alpha", alpha), ("a", a), ("b", b)):
        check_positive_scalar(v, name)
    covariates, eta_p = _linear(covariates, purchase_coefficients, "purchase_coefficients")
    _, eta_d = _linear(covariates, dropout_coefficients, "dropout_coefficients")
    n = len(covariates)
    rng = as_generator(seed)
    t = _ages(T, n)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-eta_p)))
    scale = np.exp(eta_d)
    p = rng.beta(a * scale, b * scale)
    x, rec, alive = _bg_draws(rng, t, lam, p, modified)
    return _out(covariates, {"frequency": x, "recency": rec, "T": t},
                {"true_lambda": lam, "true_p": p, "true_alive": alive})


def simulate_betageo_covariates(covariates: Any, *, r: float, alpha: float, a: float, b: float, T: Any,
                                purchase_coefficients: Mapping[str, float] | None = None,
                                dropout_coefficients: Mapping[str, float] | None = None,
                                seed: Any = None) -> pd.DataFrame:
    """Draw a BG/NBD customer base whose purchase rate and dropout probability depend on covariates.

    ``λ_i ~ Gamma(r, rate α exp(-γ_purchase' z_i))`` and ``p_i ~ Beta(a e^{γ_dropout' z_i}, b e^{γ_dropout' z_i})``
    (CLVTools' static-covariate BG/NBD), then the draws of
    :func:`~custvalue.simulate.simulate_betageo` (drop out after a repeat purchase with
    probability p_i).

    Parameters
    ----------
    covariates : pandas.DataFrame or mapping
        One row per customer, one numeric column per covariate.
    r, alpha, a, b : float
        Base parameters (all > 0).
    T : float or array-like
        Age of each customer.
    purchase_coefficients, dropout_coefficients : mapping of str to float, optional
        The true coefficients (missing: 0).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, the truth ``true_lambda``, ``true_p``,
        ``true_alive``, then the covariate columns, indexed by ``customer_id``.

    Examples
    --------
    >>> import numpy as np
    >>> df = simulate_betageo_covariates({"z": np.zeros(100)}, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39, seed=1)
    >>> df.columns.tolist()[:3]
    ['frequency', 'recency', 'T']
    """
    return _simulate_bg(covariates, r, alpha, a, b, T, purchase_coefficients, dropout_coefficients, seed, False)


def simulate_modbetageo_covariates(covariates: Any, *, r: float, alpha: float, a: float, b: float, T: Any,
                                   purchase_coefficients: Mapping[str, float] | None = None,
                                   dropout_coefficients: Mapping[str, float] | None = None,
                                   seed: Any = None) -> pd.DataFrame:
    """Draw an MBG/NBD customer base with covariates (as :func:`simulate_betageo_covariates`,
    with the dropout chance also at time 0, Batislam, Denizel & Filiztekin 2007).

    Parameters
    ----------
    covariates : pandas.DataFrame or mapping
        One row per customer, one numeric column per covariate.
    r, alpha, a, b : float
        Base parameters (all > 0).
    T : float or array-like
        Age of each customer.
    purchase_coefficients, dropout_coefficients : mapping of str to float, optional
        The true coefficients (missing: 0).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``true_lambda``, ``true_p``, ``true_alive`` and the
        covariate columns.

    Examples
    --------
    >>> import numpy as np
    >>> df = simulate_modbetageo_covariates({"z": np.zeros(100)}, r=0.5, alpha=6.0, a=0.9, b=3.0, T=39, seed=2)
    >>> int(df.shape[0])
    100
    """
    return _simulate_bg(covariates, r, alpha, a, b, T, purchase_coefficients, dropout_coefficients, seed, True)
