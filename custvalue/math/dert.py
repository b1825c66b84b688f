"""Discounting kernels: discounted expected (residual) transactions from any model's
cumulative expectation ``E[Y(t)]``.

For continuous-time models with continuously compounded rate δ (Fader, Hardie & Lee 2005,
"RFM and CLV", JMR 42:415-430, eq. 1), integrating by parts,

``DERT(δ, H) = ∫_0^H e^{-δt} dE[Y(t)] = e^{-δH} E[Y(H)] + δ ∫_0^H e^{-δt} E[Y(t)] dt``,

computed with Gauss-Legendre nodes on geometric panels of [0, H] (H = ∞ is cut at 48/δ,
where the discount factor is below 1e-20).  ``E[Y]`` is smooth on [0, ∞) and its
singularities lie at negative times, so the panels converge geometrically (checked against
the Pareto/NBD closed form in the tests).  Discrete-time models sum
``(E[Y(i)] - E[Y(i-1)]) / (1+d)^i``.

The per-period discount factor ``(1 + d)^(-k)`` is written once, in :func:`discount_factors`;
:func:`increment_weights` turns it into the weights of a sum of increments (summation by
parts), which :func:`custvalue.clv.clv` and :func:`discrete_dert` use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ._checks import params

__all__ = ["continuous_dert", "discrete_dert", "continuous_rate", "discount_factors", "increment_weights"]


@lru_cache(maxsize=8)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


@params(discount_rate="rate")
def continuous_rate(discount_rate):
    """Continuously compounded rate δ = log(1 + d) equivalent to a per-period rate d.

    Parameters
    ----------
    discount_rate : float or array-like
        Per-period rate d > -1.

    Returns
    -------
    numpy.ndarray
        δ = log(1 + d).

    Examples
    --------
    >>> round(float(continuous_rate(0.1)), 6)
    0.09531
    """
    return np.log1p(np.asarray(discount_rate, dtype=float))


@params(discount_rate="rate", periods="nonnegative")
def discount_factors(discount_rate, periods):
    """Present value of one unit paid at the end of period k: ``(1 + d)^(-k)``.

    The one copy of the per-period discounting formula (value received at the end of each
    period, as in Fader, Hardie & Shang 2010, eq. 14, and Gupta, Lehmann & Stuart 2004, eq. 2).

    Parameters
    ----------
    discount_rate : float or array-like
        Per-period rate d > -1; broadcasts against ``periods`` (shape ``(N, 1)`` with
        ``periods`` of shape ``(K,)`` gives one row per customer).
    periods : array-like
        Period numbers k >= 0 (need not be whole).

    Returns
    -------
    numpy.ndarray
        ``(1 + d)^(-k)``, the broadcast shape of the two arguments.

    Examples
    --------
    >>> discount_factors(0.1, [1, 2]).round(6).tolist()
    [0.909091, 0.826446]
    """
    return (1.0 + np.asarray(discount_rate, dtype=float)) ** (-np.asarray(periods, dtype=float))


@params(discount_rate="rate", n_periods="count0")
def increment_weights(discount_rate, n_periods):
    """Weights ``w_k`` with ``Σ_k (E_k - E_{k-1}) (1+d)^(-k) = Σ_k E_k w_k`` over k = 1..n.

    Summation by parts of a discounted sum of increments of a cumulative quantity ``E_k``
    (``E_0 = 0``): ``w_k = (1+d)^(-k) - (1+d)^(-(k+1))`` for ``k < n`` and ``w_n = (1+d)^(-n)``.
    :func:`custvalue.clv.clv` discounts the *increments* of the expected purchases this way
    (lifetimes issue 43 discounted the cumulative numbers instead).

    Parameters
    ----------
    discount_rate : float or array-like
        Per-period rate d > -1: a scalar, or one rate per customer (shape ``(N,)``).
    n_periods : int
        Number of periods n.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)`` for a scalar rate, ``(N, n)`` for one rate per customer.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([1.0, 1.5, 1.75])                       # cumulative E_1, E_2, E_3
    >>> w = increment_weights(0.1, 3)
    >>> bool(np.isclose(e @ w, 1.0 / 1.1 + 0.5 / 1.1**2 + 0.25 / 1.1**3))
    True
    """
    d = np.asarray(discount_rate, dtype=float)
    disc = discount_factors(d[..., None], np.arange(1, int(n_periods) + 2, dtype=float))
    disc[..., -1] = 0.0
    return disc[..., :-1] - disc[..., 1:]


def _panel_nodes(delta: float, horizon: float | None, per_panel: int,
                 scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on geometric panels ``[0, 2^-10/δ], ..., [2^5/δ,
    48/δ]`` (cut at ``horizon``).  Each panel is at most as wide as its distance from 0, so
    a singularity of ``E[Y(t)]`` at negative t (e.g. ``t = -(β+T)``) never comes close on the
    panel's scale and every panel converges geometrically; beyond ``48/δ`` the discount
    factor is below 1e-20. With ``scale`` below ``2^-10/δ`` the panels continue down to it
    (``[0, scale], [scale, 2 scale], ...``): ``E[Y(t)]`` then changes on a scale shorter
    than the first panel (a singularity close to ``t = 0``)."""
    top = 48.0 / delta if horizon is None else float(horizon)
    edges = (1.0 / delta) * 2.0 ** np.arange(-10, 6)
    if scale is not None and 0 < scale < edges[0]:
        fine = scale * 2.0 ** np.arange(0, int(np.ceil(np.log2(edges[0] / scale))))
        edges = np.concatenate([fine[fine < edges[0]], edges])
    edges = np.concatenate([[0.0], edges[edges < top], [top]])
    x, w = _legendre(per_panel)
    lo, hi = edges[:-1, None], edges[1:, None]
    t = (0.5 * (hi - lo) * (x[None, :] + 1.0) + lo).ravel()
    wt = (0.5 * (hi - lo) * w[None, :]).ravel()
    return t, wt


@params(delta="positive", horizon="nonnegative", n_nodes="count")
def continuous_dert(cumulative: Callable[[np.ndarray], np.ndarray], delta: float,
                    horizon: float | None = None, n_nodes: int = 10,
                    scale: float | None = None) -> np.ndarray:
    """Discounted expected residual transactions from a cumulative expectation.

    ``DERT = e^{-δH} E[Y(H)] + δ ∫_0^H e^{-δt} E[Y(t)] dt`` by Gauss-Legendre quadrature on
    geometric panels (``H = ∞`` drops the first term).

    Parameters
    ----------
    cumulative : callable
        ``cumulative(t)`` with ``t`` of shape ``(K,)`` returns ``E[Y(t)]`` of shape ``(N, K)``
        (expected transactions in the next ``t`` time units, per customer).
    delta : float
        Continuously compounded discount rate per time unit (> 0).
    horizon : float, optional
        Length of the period; ``None`` for an infinite horizon.
    n_nodes : int, default 10
        Gauss-Legendre nodes per panel.
    scale : float, optional
        Shortest time scale on which ``E[Y(t)]`` changes near ``t = 0`` (the distance of its
        nearest singularity, e.g. ``(α+T)/(1+r+x)`` for the BG/NBD family); panels are
        refined down to it when it is below ``2^-10/δ``.

    Returns
    -------
    numpy.ndarray
        DERT per customer, shape ``(N,)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda t: 2.0 * np.asarray(t)[None, :]        # E[Y(t)] = 2 t
    >>> round(float(continuous_dert(f, 0.1)[0]), 9)       # ∫ 2 e^{-0.1 t} dt = 20
    20.0
    """
    t, w = _panel_nodes(delta, horizon, n_nodes, scale)
    if horizon is None:
        vals = np.asarray(cumulative(t), dtype=float)
        return delta * (vals @ (w * np.exp(-delta * t)))
    vals = np.asarray(cumulative(np.concatenate([t, [horizon]])), dtype=float)
    integral = vals[:, :-1] @ (w * np.exp(-delta * t))
    return np.exp(-delta * horizon) * vals[:, -1] + delta * integral


@params(discount_rate="rate", horizon="count0")
def discrete_dert(cumulative: Callable[[np.ndarray], np.ndarray], discount_rate: float,
                  horizon: int) -> np.ndarray:
    """``Σ_{i=1}^{H} (E[Y(i)] - E[Y(i-1)]) / (1+d)^i`` for a discrete-time model.

    Parameters
    ----------
    cumulative : callable
        ``cumulative(i)`` for whole numbers ``i`` of shape ``(H,)`` returns ``(N, H)``.
    discount_rate : float
        Per-opportunity discount rate d > -1.
    horizon : int
        Number of future opportunities.

    Returns
    -------
    numpy.ndarray
        Discounted expected transactions per customer, shape ``(N,)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda i: 0.5 * np.asarray(i, dtype=float)[None, :]
    >>> round(float(discrete_dert(f, 0.0, 4)[0]), 6)
    2.0
    """
    i = np.arange(1, int(horizon) + 1, dtype=float)
    cum = np.asarray(cumulative(i), dtype=float)
    inc = np.diff(cum, axis=1, prepend=0.0)
    return inc @ discount_factors(discount_rate, i)
