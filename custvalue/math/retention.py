"""Simple retention CLV formulas for a customer with constant margin ``m`` (argument
``margin``), retention probability ``r`` (argument ``retention``) and discount rate ``d`` per
period (Gupta & Lehmann 2003, "Customers as assets", Journal of Interactive Marketing
17(1):9-24; Berger & Nasr 1998, J. Interactive Marketing 12(1):17-30).

* payments at the end of each period (the customer must survive to pay):
  ``CLV = sum_{t>=1} m r^t / (1+d)^t = m r / (1 + d - r)``;
* payments at the start of each period (the first one now):
  ``CLV = sum_{t>=0} m r^t / (1+d)^t = m (1 + d) / (1 + d - r)``.

Finite horizons sum the first ``H`` payments.  All functions broadcast.
"""

from __future__ import annotations

import numpy as np

from .._deprecation import renamed_arguments
from ._checks import params

__all__ = ["clv_end", "clv_start", "elasticity_end", "elasticity_start"]


def _q(r, d):
    return np.asarray(r, dtype=float) / (1.0 + np.asarray(d, dtype=float))


@renamed_arguments(m="margin", r="retention")
@params(margin="finite", retention="probability", d="rate", horizon="nonnegative")
def clv_end(margin, retention, d, horizon=None):
    """``m r/(1+d-r)`` (infinite) or ``m q (1 - q^H)/(1 - q)`` with ``q = r/(1+d)`` over H
    end-of-period payments.

    Parameters
    ----------
    margin : float or array-like
        Margin per period.
    retention : float or array-like
        Retention probability per period.
    d : float or array-like
        Discount rate per period (> -1; ``r < 1 + d`` for the infinite horizon).
    horizon : float or array-like, optional
        Number of payments ``H``; ``None`` for the infinite horizon.

    Returns
    -------
    numpy.ndarray
        CLV, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import retention
    >>> float(retention.clv_end(100, 0.8, 0.1).round(2))
    266.67
    >>> retention.clv_end(100, 0.8, 0.1, horizon=[1, 3]).round(2).tolist()
    [72.73, 164.09]
    """
    m = margin
    r = retention
    q = _q(r, d)
    if horizon is None:
        return np.asarray(m, dtype=float) * q / (1.0 - q)
    H = np.asarray(horizon, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        geo = np.where(np.isclose(q, 1.0), H, (1.0 - q**H) / np.where(np.isclose(q, 1.0), 0.5, 1.0 - q))
    return np.asarray(m, dtype=float) * q * geo


@renamed_arguments(m="margin", r="retention")
@params(margin="finite", retention="probability", d="rate", horizon="nonnegative")
def clv_start(margin, retention, d, horizon=None):
    """``m (1+d)/(1+d-r)`` (infinite) or ``m (1 - q^H)/(1 - q)`` over H start-of-period
    payments (the first undiscounted).

    Parameters
    ----------
    margin : float or array-like
        Margin per period.
    retention : float or array-like
        Retention probability per period.
    d : float or array-like
        Discount rate per period (> -1; ``r < 1 + d`` for the infinite horizon).
    horizon : float or array-like, optional
        Number of payments ``H``; ``None`` for the infinite horizon.

    Returns
    -------
    numpy.ndarray
        CLV, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import retention
    >>> float(retention.clv_start(100, 0.8, 0.1).round(2))
    366.67
    >>> retention.clv_start(100, 0.8, 0.1, horizon=[1, 3]).round(2).tolist()
    [100.0, 225.62]
    """
    m = margin
    r = retention
    q = _q(r, d)
    if horizon is None:
        return np.asarray(m, dtype=float) / (1.0 - q)
    H = np.asarray(horizon, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        geo = np.where(np.isclose(q, 1.0), H, (1.0 - q**H) / np.where(np.isclose(q, 1.0), 0.5, 1.0 - q))
    return np.asarray(m, dtype=float) * geo


@renamed_arguments(r="retention")
@params(retention="probability", d="rate")
def elasticity_end(retention, d):
    """d log CLV / d log r for :func:`clv_end` (infinite horizon): ``(1+d)/(1+d-r)``.

    Parameters
    ----------
    retention : float or array-like
        Retention probability per period.
    d : float or array-like
        Discount rate per period (> -1, ``r < 1 + d``).

    Returns
    -------
    numpy.ndarray
        Elasticity, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import retention
    >>> retention.elasticity_end([0.5, 0.8], 0.1).round(3).tolist()
    [1.833, 3.667]
    """
    r = retention
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    return (1.0 + d) / (1.0 + d - r)


@renamed_arguments(r="retention")
@params(retention="probability", d="rate")
def elasticity_start(retention, d):
    """d log CLV / d log r for :func:`clv_start` (infinite horizon): ``r/(1+d-r)``.

    Parameters
    ----------
    retention : float or array-like
        Retention probability per period.
    d : float or array-like
        Discount rate per period (> -1, ``r < 1 + d``).

    Returns
    -------
    numpy.ndarray
        Elasticity, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import retention
    >>> float(retention.elasticity_start(0.8, 0.1).round(3))
    2.667
    """
    r = retention
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    return r / (1.0 + d - r)
