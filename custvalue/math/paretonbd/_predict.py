"""Pareto/NBD predictions: P(alive), expected purchases, P(X(t) = n) and DERT (see the
package docstring).  These check their parameters (:func:`custvalue.math._checks.params`)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from ..._deprecation import renamed_arguments
from .._checks import check_param, params
from ..logconcave import interpolate_smooth, log_integral
from ._covariates import individual_p_alive
from ._quadrature import _far_rows, _log_A_quadrature
from ._reference import _mixture, _parts


@params(r="positive", alpha="positive", s="positive", beta="positive")
def p_alive(r, alpha, s, beta, x, t_x, T):
    """P(alive | x, t_x, T), FH05 eq. (22): the share of the first likelihood term,
    ``Γ(r+x)α^rβ^s/Γ(r) (α+T)^-(r+x) (β+T)^-s / L``.

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters; ``alpha`` and ``beta`` may be arrays (one per customer, static
        covariates), broadcast with the data.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> round(float(p_alive(0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)), 3)
    0.868
    """
    if np.ndim(alpha) or np.ndim(beta):  # one α, β per customer (static covariates)
        return individual_p_alive(r, alpha, s, beta, x, t_x, T)
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    far = _far_rows(alpha, beta, t_x, T)
    if not far.any():
        _, l1, lse, _ = _parts(r, alpha, s, beta, x, t_x, T, grad=False)
        return np.exp(l1 - lse)
    out = np.empty(x.shape)
    near = ~far
    if near.any():
        _, l1, lse, _ = _parts(r, alpha, s, beta, x[near], t_x[near], T[near], grad=False)
        out[near] = np.exp(l1 - lse)
    xf, tf, Tf = (np.ascontiguousarray(v[far]) for v in (x, t_x, T))
    lA, dA, hA = np.empty(xf.size), np.empty((xf.size, 4)), np.empty((xf.size, 4, 4))
    _log_A_quadrature(float(r), float(alpha), float(s), float(beta), xf, tf, Tf, lA, dA, hA)
    _, l1, lse, _, _ = _mixture(r, alpha, s, beta, xf, Tf, lA)
    out[far] = np.exp(l1 - lse)
    return out


def _one_minus_pow_over(sm1, u):
    """(1 - exp(-(s-1) u)) / (s-1), with the limit ``u`` at s = 1 (``expm1`` keeps the
    relative accuracy for any s - 1 != 0, however small)."""
    sm1 = np.asarray(sm1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = -np.expm1(-sm1 * u) / np.where(sm1 == 0, 1.0, sm1)
    return np.where(sm1 == 0, u, val)


@params(r="positive", alpha="positive", s="positive", beta="positive")
def expected_purchases_new_customer(t, r, alpha, s, beta):
    """E[X(t)] for a customer just acquired, FH05 eq. (17):
    ``r β / (α (s-1)) [1 - (β/(β+t))^(s-1)]`` (``r β/α log(1+t/β)`` at s = 1).

    Parameters
    ----------
    t : array-like
        Length of the period.
    r, alpha, s, beta : float
        Pareto/NBD parameters.

    Returns
    -------
    numpy.ndarray
        Expected repeat purchases.

    Examples
    --------
    >>> round(float(expected_purchases_new_customer(39.0, 0.55, 10.58, 0.61, 11.67)), 3)
    1.202
    """
    t = np.asarray(t, dtype=float)
    return r * beta / alpha * _one_minus_pow_over(s - 1.0, np.log1p(t / beta))


@params(r="positive", alpha="positive", s="positive", beta="positive")
def conditional_expected_purchases(t, r, alpha, s, beta, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t], FH05 eq. (24):
    ``(r+x)(β+T) / ((α+T)(s-1)) [1 - ((β+T)/(β+T+t))^(s-1)] P(alive)``.

    Parameters
    ----------
    t : array-like
        Length of the future period.
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Expected purchases in (T, T+t].

    Examples
    --------
    >>> round(float(conditional_expected_purchases(52.0, 0.553, 10.578, 0.606, 11.669, 26, 30.86, 31.0)), 2)
    25.46
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    pa = p_alive(r, alpha, s, beta, x, t_x, T)
    return (r + x) * (beta + T) / (alpha + T) * _one_minus_pow_over(s - 1.0, np.log1p(t / (beta + T))) * pa


@params(r="positive", alpha="positive", s="positive", beta="positive")
def probability_of_purchases(n, t, r, alpha, s, beta):
    """P(X(t) = n) for a new customer (Fader, Hardie & Lee 2006, "Deriving an expression for
    P(X(t) = x) under the Pareto/NBD model", eqs. 4-5 before their closed form 19)::

        Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
        + Γ(r+n)/(Γ(r) n!) α^r s β^s ∫_0^t τ^n (α+τ)^-(r+n) (β+τ)^-(s+1) dτ,

    alive through t, or dead at τ < t after n purchases.  Both terms are positive: the
    integral (log-concave in ``u = log(τ/α)``) comes from :func:`custvalue.math.logconcave.
    log_integral`, so no cancellation occurs (eq. 19 subtracts 2F1 sums that agree to many
    digits for large n or t, and scipy's 2F1 fails for integer ``c - a - b``).  ``t = 0``
    gives 1 for n = 0 and 0 otherwise.

    Parameters
    ----------
    n : array-like of int
        Numbers of purchases.
    t : float or array-like
        Length of the period (>= 0).
    r, alpha, s, beta : float
        Pareto/NBD parameters.

    Returns
    -------
    numpy.ndarray
        Probabilities, broadcast over ``n`` and ``t``.

    Examples
    --------
    >>> p = probability_of_purchases(range(300), 39.0, 0.55, 10.58, 0.61, 11.67)
    >>> round(float(p.sum()), 6)
    1.0
    """
    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    n, t = np.broadcast_arrays(n, t)
    pos = t > 0
    tt = np.where(pos, t, 1.0)
    log_c = gammaln(r + n) - gammaln(r) - gammaln(n + 1)
    log_alive = (log_c - r * np.log1p(tt / alpha) - s * np.log1p(tt / beta)
                 + np.where(n > 0, n * (np.log(tt) - np.log(alpha + tt)), 0.0))
    log_int = log_integral(n + 1.0, r + n, s + 1.0, 1.0, alpha / beta, 0.0, -np.inf, np.log(tt / alpha))
    log_dead = log_c + np.log(s) + np.log(alpha) - np.log(beta) + log_int
    out = np.exp(log_alive) + np.exp(log_dead)
    return np.where(pos, out, (n == 0).astype(float))


@renamed_arguments(delta="continuous_rate")
@params(continuous_rate="nonnegative", r="positive", alpha="positive", s="positive", beta="positive")
def dert(continuous_rate, r, alpha, s, beta, x, t_x, T, horizon=None):
    """Discounted expected residual transactions, FHL-JMR eq. (2) (infinite horizon)::

        DERT = α^r β^s δ^(s-1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L)
             = P(alive) (r+x)/(α+T) ∫_0^H e^(-δτ) ((β+T)/(β+T+τ))^s dτ,

    with δ = ``continuous_rate`` the continuously compounded discount rate per time unit (for a
    per-period rate d, δ = log(1 + d): :func:`custvalue.math.dert.continuous_rate`) and U Tricomi's
    confluent hypergeometric function of the second kind; the second line (the integral of
    ``e^{-δτ} dE[Y(τ)]``, since ``dE[Y]/dτ = P(alive) (r+x)/(α+T) P(alive at T+τ | alive
    at T)``) also gives the finite horizon H.  The integral is evaluated by
    :func:`custvalue.math.logconcave.log_integral` in ``u = log(τ/(β+T))``, not through U
    (scipy's ``hyperu`` returns NaN for integer s >= 8 at small arguments, and
    ``(β+T)^s`` overflows for large s).

    Parameters
    ----------
    continuous_rate : float
        Continuously compounded discount rate δ per time unit (> 0; 0 allowed with a finite
        horizon).  (``delta`` before; ``delta`` is the BG/BB parameter.)
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).
    horizon : float, optional
        Length of the period; ``None`` (default) for an infinite horizon.

    Returns
    -------
    numpy.ndarray
        Discounted expected residual transactions.

    Examples
    --------
    >>> round(float(dert(0.0027, 0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)), 4)
    6.4357
    >>> round(float(dert(0.0027, 0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86, horizon=52.0)), 4)
    1.7293
    """
    if horizon is None:
        check_param(continuous_rate, "continuous_rate", "positive", "dert (an infinite horizon)")
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    if horizon is not None and not horizon > 0:
        return np.zeros(x.shape)
    pa = p_alive(r, alpha, s, beta, x, t_x, T)
    log_H = np.inf if horizon is None else np.log(float(horizon))

    def log_disc(y):  # log ∫_0^H e^{-δτ} (1 + τ/B)^-s dτ at B = e^y
        with np.errstate(invalid="ignore"):
            return y + log_integral(1.0, s, 0.0, 1.0, 1.0, continuous_rate * np.exp(y), -np.inf, log_H - y)
    # one integral per distinct β+T, or an interpolant checked against them for many
    disc = np.exp(interpolate_smooth(log_disc, np.log(beta + T)))
    return pa * (r + x) / (alpha + T) * disc


@params(r="positive", alpha="positive", s="positive", beta="positive")
def conditional_probability_of_purchases(n, t, r, alpha, s, beta, x, t_x, T):
    """P(Y(t) = n | x, t_x, T): purchases in (T, T+t] given the history.

    A customer inactive at T makes none; an active one has ``λ ~ Gamma(r+x, α+T)`` and
    ``μ ~ Gamma(s, β+T)`` (the likelihood of staying active, ``λ^x e^{-(λ+μ)T}``, times the
    mixing densities; FH05 eqs. 1-2) and, lifetimes being memoryless, is a new Pareto/NBD
    customer with those parameters (:func:`probability_of_purchases`)::

        [n = 0] (1 - P(alive)) + P(alive) P(X(t) = n; r+x, α+T, s, β+T),

    the structure of Fader & Hardie's note "Deriving the conditional PMF of the Pareto/NBD
    model"; its mean is FH05 eq. (27).

    Parameters
    ----------
    n : array-like of int
        Numbers of future purchases (>= 0).
    t : float or array-like
        Length of the future period (> 0).
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n`` and ``t``).

    Returns
    -------
    numpy.ndarray
        Probabilities, broadcast shape of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> p = conditional_probability_of_purchases(np.arange(400), 39.0, 0.55, 10.58, 0.61, 11.67,
    ...                                          2.0, 30.43, 38.86)
    >>> round(float(p.sum()), 10)
    1.0
    """
    n = np.asarray(n, dtype=float)
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    alive = p_alive(r, alpha, s, beta, x, t_x, T)
    active = probability_of_purchases(n, t, r + x, alpha + T, s, beta + T)
    return np.where(n == 0, 1.0 - alive, 0.0) + alive * active
