"""Parameter uncertainty of customer-level predictions: delta-method and simulated intervals.

A prediction ``f(params; customer)`` (P(alive), expected purchases, CLV...) inherits the
sampling uncertainty of the maximum-likelihood estimates. Both methods work on the
parameters' *free* scale, the transform each model declares (``log`` for a positive
parameter, ``logit`` for one in (0, 1); :mod:`custvalue.base.transforms`), where the
estimates are closest to normal:

``"delta"``
    ``se_g = sqrt(J Σ J')`` with ``J = d g(f)/d θ`` the gradient of the prediction on its
    link scale ``g`` (logit for a probability, log for a positive quantity) with respect to
    the free parameters ``θ`` and ``Σ`` their covariance (the natural-scale covariance
    mapped through the transforms' derivatives). ``J`` comes from forward differences: one
    prediction call per parameter, each vectorised over the customers. The interval is
    ``g^{-1}(g(f) -+ z se_g)``, so it stays inside (0, 1) or (0, inf).
``"simulate"``
    ``θ_d ~ N(θ̂, Σ)``, ``d = 1..n_draws`` (seeded), the prediction at each draw, and the
    ``(1-level)/2`` and ``(1+level)/2`` quantiles per customer. Customers are processed in
    chunks so that the draws x customers block stays under about 256 MB.

The ``estimate`` column is always the prediction at the estimates. Both intervals describe
the uncertainty of the *expected* quantity (parameter uncertainty), not the spread of a
customer's future purchases (process uncertainty: see
:meth:`~custvalue.clv._predict.TransactionResultsMixin.conditional_probability_of_purchases`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .._validation import as_generator, check_choice, check_level, check_whole_number
from ..base.transforms import from_free, to_free
from ..exceptions import DataError

__all__ = ["INTERVALS", "check_interval", "free_covariance", "prediction_interval", "interval_frame"]

#: The interval methods the customer-level predictions accept.
INTERVALS = ("delta", "simulate")

#: Forward-difference step on the free (log / logit) scale.
_STEP = 1e-6
#: Bytes of one draws x customers block in ``"simulate"``.
_BLOCK_BYTES = 256 * 2 ** 20

Predict = Callable[[Sequence[float], slice], np.ndarray]


def check_interval(interval: Any, level: Any, n_draws: Any = 200) -> tuple[str | None, float, int]:
    """Validate ``interval``, ``level`` and ``n_draws`` (raises DataError naming the argument).

    Parameters
    ----------
    interval : {None, "delta", "simulate"}
        Interval method.
    level : float
        Confidence level in (0, 1).
    n_draws : int
        Number of parameter draws for ``"simulate"`` (>= 10).

    Returns
    -------
    tuple
        ``(interval, level, n_draws)``.

    Examples
    --------
    >>> check_interval("delta", 0.9)
    ('delta', 0.9, 200)
    >>> check_interval("x", 0.9)
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: interval must be one of [None, 'delta', 'simulate']; received 'x'.
    """
    check_choice(interval, "interval", (None, *INTERVALS))
    return interval, check_level(level), check_whole_number(n_draws, "n_draws", minimum=10)


def free_covariance(params: np.ndarray, cov: np.ndarray, transforms: tuple[str, ...]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The estimates and their covariance on the free scale: ``θ̂ = g(params)`` and
    ``D^-1 Σ D^-1`` with ``D = diag(d params / d θ)`` (the delta method, as in
    :meth:`~custvalue.base.LikelihoodResults.conf_int`).

    Parameters
    ----------
    params : numpy.ndarray
        Natural-scale estimates, shape ``(k,)``.
    cov : numpy.ndarray
        Their covariance, shape ``(k, k)``.
    transforms : tuple of str
        One transform per parameter (:data:`custvalue.base.transforms.TRANSFORMS`).

    Returns
    -------
    theta, cov_free : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> theta, c = free_covariance(np.array([2.0]), np.array([[0.04]]), ("log",))
    >>> round(float(c[0, 0]), 4)
    0.01
    """
    params = np.asarray(params, dtype=float)
    cov = np.asarray(cov, dtype=float)
    if not np.all(np.isfinite(cov)):
        raise DataError("the parameter covariance has non-finite entries (a singular information "
                        "matrix?): no interval can be formed; refit or use interval=None.")
    theta = to_free(params, transforms)
    _, d = from_free(theta, transforms)
    return theta, cov / np.outer(d, d)


def _link(kind: str):
    if kind == "logit":
        return special.logit, special.expit, lambda v: v * (1.0 - v)
    if kind == "log":
        return np.log, np.exp, lambda v: v
    raise ValueError(f"unknown scale {kind!r}")  # pragma: no cover - internal


def _delta(predict: Predict, estimate: np.ndarray, theta: np.ndarray, cov_free: np.ndarray,
           transforms: tuple[str, ...], z: float, scale: str, rows: slice
           ) -> tuple[np.ndarray, np.ndarray]:
    g, g_inv, dg_inv = _link(scale)
    k = theta.size
    jac = np.empty((estimate.size, k))
    for j in range(k):  # one prediction call per parameter, vectorised over the customers
        step = _STEP * max(1.0, abs(theta[j]))
        moved = theta.copy()
        moved[j] += step
        jac[:, j] = (predict(from_free(moved, transforms)[0], rows) - estimate) / step
    se_natural = np.sqrt(np.maximum(((jac @ cov_free) * jac).sum(axis=1), 0.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slope = dg_inv(estimate)  # d f / d g(f): the delta method to the link scale
        se_link = se_natural / slope
        centre = g(estimate)
        lower = g_inv(centre - z * se_link)
        upper = g_inv(centre + z * se_link)
    # a prediction at its boundary (P(alive) = 1 for a BG/NBD customer with no repeat
    # purchase) that does not move with the parameters has a degenerate interval
    flat = (se_natural == 0) | ~np.isfinite(se_link)
    lower = np.where(flat, estimate, lower)
    upper = np.where(flat, estimate, upper)
    return lower, upper


def _simulate(predict: Predict, n: int, theta: np.ndarray, cov_free: np.ndarray,
              transforms: tuple[str, ...], level: float, n_draws: int, seed: Any
              ) -> tuple[np.ndarray, np.ndarray]:
    rng = as_generator(seed)
    draws = rng.multivariate_normal(theta, cov_free, size=n_draws, method="eigh")
    natural = [from_free(t, transforms)[0] for t in draws]
    chunk = max(1, min(n, _BLOCK_BYTES // (8 * n_draws)))
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    lower, upper = np.empty(n), np.empty(n)
    block = np.empty((n_draws, chunk))
    for start in range(0, n, chunk):
        rows = slice(start, min(n, start + chunk))
        m = rows.stop - rows.start
        for d, p in enumerate(natural):
            block[d, :m] = predict(p, rows)
        bad = np.isnan(block[:, :m]).any(axis=1)
        if bad.any():
            raise DataError(f"{int(bad.sum())} of {n_draws} parameter draws gave predictions the "
                            "kernel cannot evaluate; the parameter uncertainty reaches a regime "
                            "outside the model's range: use interval='delta'.")
        lo_hi = np.quantile(block[:, :m], q, axis=0)
        lower[rows], upper[rows] = lo_hi[0], lo_hi[1]
    return lower, upper


def prediction_interval(predict: Predict, n: int, params: np.ndarray, cov: np.ndarray,
                        transforms: tuple[str, ...], *, interval: str, level: float, scale: str,
                        n_draws: int = 200, seed: Any = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate and interval of a customer-level prediction from the parameter covariance.

    Parameters
    ----------
    predict : callable
        ``predict(params, rows)``: the prediction at natural-scale ``params`` (a sequence of
        floats) for the customers ``rows`` (a slice), as a float array.
    n : int
        Number of customers.
    params, cov : numpy.ndarray
        Estimates and their covariance (natural scale).
    transforms : tuple of str
        The free scale of each parameter.
    interval : {"delta", "simulate"}
        Method (see the module docstring).
    level : float
        Confidence level.
    scale : {"logit", "log"}
        Link scale of the prediction for ``"delta"``: logit for probabilities, log for
        positive quantities.
    n_draws : int, default 200
        Parameter draws for ``"simulate"``.
    seed : int or numpy.random.Generator, optional
        Random seed for ``"simulate"``.

    Returns
    -------
    estimate, lower, upper : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda p, rows: np.full(3, p[0])[rows]  # se 0.1 at 2: 2 exp(-1.96 x 0.05) below
    >>> est, lo, hi = prediction_interval(f, 3, np.array([2.0]), np.array([[0.01]]), ("log",),
    ...                                   interval="delta", level=0.95, scale="log")
    >>> lo.round(3).tolist()
    [1.813, 1.813, 1.813]
    """
    params = np.asarray(params, dtype=float)
    everyone = slice(0, n)
    estimate = np.asarray(predict(params, everyone), dtype=float).reshape(-1)
    theta, cov_free = free_covariance(params, cov, transforms)
    if interval == "delta":
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        lower, upper = _delta(predict, estimate, theta, cov_free, transforms, z, scale, everyone)
    else:
        lower, upper = _simulate(predict, n, theta, cov_free, transforms, level, n_draws, seed)
    return estimate, lower, upper


def interval_frame(estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   index: pd.Index | None, *, interval: str, level: float) -> pd.DataFrame:
    """The customer-indexed frame ``estimate, lower, upper`` (``attrs`` record the method).

    Parameters
    ----------
    estimate, lower, upper : numpy.ndarray
        One value per customer.
    index : pandas.Index or None
        The customers' index (None: ``customer_id`` 0..n-1).
    interval : str
        The method, recorded in ``attrs["interval"]``.
    level : float
        The level, recorded in ``attrs["level"]``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import numpy as np
    >>> interval_frame(np.ones(1), np.zeros(1), np.full(1, 2.0), None, interval="delta",
    ...                level=0.95).columns.tolist()
    ['estimate', 'lower', 'upper']
    """
    out = pd.DataFrame({"estimate": estimate, "lower": lower, "upper": upper}, index=index)
    if index is None:
        out.index.name = "customer_id"
    out.attrs.update(interval=interval, level=level)
    return out
