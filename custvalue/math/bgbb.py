"""BG/BB kernels for discrete transaction opportunities (Fader, Hardie & Shang 2010,
"Customer-base analysis in a discrete-time noncontractual setting", Marketing Science
29(6):1086-1108, FHS below).

Notation: ``x`` = frequency (transactions in the ``n`` opportunities), ``t_x`` = recency
(the opportunity of the last transaction, 0 if none), ``n`` = number of opportunities
(``n_periods``).  While alive a customer transacts with probability p ~ Beta(α, β) at each
opportunity and dies before an opportunity with probability θ ~ Beta(γ, δ).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp, psi

from ._checks import params

__all__ = [
    "loglike", "score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "dert",
]


def _terms(alpha, beta, gamma, delta, x, t_x, n):
    """Log of the likelihood's terms (FHS eq. 5): alive through n, then died after t_x + i.

    Returns the alive term ``(N,)``, the death terms ``(I, N)`` (``-inf`` where i >= n - t_x)
    and the ``y`` (= number of opportunities survived) of each death term.
    """
    x, t_x, n = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(x, t_x, n))
    bab = betaln(alpha, beta)
    bgd = betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) - bab + betaln(gamma, delta + n) - bgd
    imax = int(np.max(n - t_x)) if n.size else 0
    i = np.arange(max(imax, 1), dtype=float)[:, None]
    y = t_x[None, :] + i
    valid = i < (n - t_x)[None, :]
    yv = np.where(valid, y, t_x[None, :])
    dead = np.where(valid, betaln(alpha + x, beta + yv - x) - bab + betaln(gamma + 1, delta + yv) - bgd, -np.inf)
    return x, t_x, n, alive, dead, yv, valid


def loglike(alpha, beta, gamma, delta, x, t_x, n):
    """Per-customer BG/BB log-likelihood, FHS eq. (5).

    It is computed as a log-sum-exp of its terms::

        L = B(α+x, β+n-x)/B(α,β) B(γ, δ+n)/B(γ,δ)
            + Σ_{i=0}^{n-t_x-1} B(α+x, β+t_x-x+i)/B(α,β) B(γ+1, δ+t_x+i)/B(γ,δ)

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Beta(α, β) transaction and Beta(γ, δ) drop-out probabilities.
    x, t_x, n : array-like
        Frequency, recency, number of opportunities.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(1.204, 0.750, 0.657, 2.783, 6, 6, 6)[0]), 4)
    -2.1822
    """
    x, t_x, n, alive, dead, _, _ = _terms(alpha, beta, gamma, delta, x, t_x, n)
    return logsumexp(np.vstack([alive[None, :], dead]), axis=0)


def score(alpha, beta, gamma, delta, x, t_x, n):
    """Analytic gradient of :func:`loglike` w.r.t. (alpha, beta, gamma, delta); ``(N, 4)``.

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n : array-like
        Frequency, recency and number of opportunities (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(N, 4)``.

    Examples
    --------
    >>> score(1.2, 0.75, 0.66, 2.8, [0, 3], [0, 5], [6, 6]).shape
    (2, 4)
    """
    x, t_x, n, alive, dead, y, valid = _terms(alpha, beta, gamma, delta, x, t_x, n)
    ll = logsumexp(np.vstack([alive[None, :], dead]), axis=0)
    w0 = np.exp(alive - ll)
    wi = np.where(valid, np.exp(dead - ll[None, :]), 0.0)
    pab = psi(alpha + beta)
    pgd = psi(gamma + delta)
    # d/d(alpha, beta) of log B(α+x, β+y-x) - log B(α, β), for y = n (alive) or y (dead)
    da0 = psi(alpha + x) - psi(alpha + beta + n) - psi(alpha) + pab
    db0 = psi(beta + n - x) - psi(alpha + beta + n) - psi(beta) + pab
    dai = psi(alpha + x)[None, :] - psi(alpha + beta + y) - psi(alpha) + pab
    dbi = psi(beta + y - x[None, :]) - psi(alpha + beta + y) - psi(beta) + pab
    dg0 = pgd - psi(gamma + delta + n)
    dd0 = psi(delta + n) - psi(gamma + delta + n) - psi(delta) + pgd
    dgi = psi(gamma + 1) - psi(gamma + delta + 1 + y) - psi(gamma) + pgd
    ddi = psi(delta + y) - psi(gamma + delta + 1 + y) - psi(delta) + pgd
    g = [w0 * d0 + (wi * di).sum(axis=0) for d0, di in ((da0, dai), (db0, dbi), (dg0, dgi), (dd0, ddi))]
    return np.column_stack(g)


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def p_alive(alpha, beta, gamma, delta, x, t_x, n):
    """P(alive after the n-th opportunity | x, t_x, n): the alive term's share of the
    likelihood (FHS eq. 11 with the survival factor ``B(γ, δ+n)``; FHS print the version for
    opportunity n+1, with ``B(γ, δ+n+1)``).

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n : array-like
        Frequency, recency and number of opportunities (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> round(float(p_alive(1.204, 0.750, 0.657, 2.783, 6, 6, 6)[0]), 3)
    1.0
    """
    x, t_x, n, alive, dead, _, _ = _terms(alpha, beta, gamma, delta, x, t_x, n)
    ll = logsumexp(np.vstack([alive[None, :], dead]), axis=0)
    return np.exp(alive - ll)


def _survival_sum(gamma, delta, u, v):
    """Σ_{i=u+1}^{v} B(γ, δ+i)/B(γ, δ) = δ/(γ-1) Γ(γ+δ)/Γ(1+δ) [Γ(1+δ+u)/Γ(γ+δ+u) -
    Γ(1+δ+v)/Γ(γ+δ+v)] (FHS eqs. 8 and 13), with its limit δ[ψ(1+δ+v) - ψ(1+δ+u)] at γ = 1."""
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if abs(gamma - 1.0) < 1e-8:
        return delta * (psi(1 + delta + v) - psi(1 + delta + u))
    gu = gammaln(1 + delta + u) - gammaln(gamma + delta + u)
    gv = gammaln(1 + delta + v) - gammaln(gamma + delta + v)
    lead = delta / (gamma - 1) * np.exp(gammaln(gamma + delta) - gammaln(1 + delta))
    return lead * np.exp(gu) * -np.expm1(gv - gu)


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def expected_purchases_new_customer(t, alpha, beta, gamma, delta):
    """E[X(t)]: expected transactions in the first ``t`` opportunities, FHS eq. (8).

    The closed form is::

        α/(α+β) δ/(γ-1) [1 - Γ(γ+δ)/Γ(1+δ) Γ(1+δ+t)/Γ(γ+δ+t)]

    Parameters
    ----------
    t : array-like
        Number of opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.

    Returns
    -------
    numpy.ndarray
        Expected transactions.

    Examples
    --------
    >>> round(float(expected_purchases_new_customer(1, 1.204, 0.750, 0.657, 2.783)), 3)
    0.498
    """
    t = np.asarray(t, dtype=float)
    return alpha / (alpha + beta) * _survival_sum(gamma, delta, 0.0, t)


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def conditional_expected_purchases(t, alpha, beta, gamma, delta, x, t_x, n):
    """E[X(n, n+t) | x, t_x, n]: expected transactions in the next ``t`` opportunities.

    FHS eq. (13)::

        B(α+x+1, β+n-x)/B(α,β) / L × Σ_{i=n+1}^{n+t} B(γ, δ+i)/B(γ, δ)

    Parameters
    ----------
    t : array-like
        Number of future opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n : array-like
        Frequency, recency and number of opportunities (broadcast together).

    Returns
    -------
    numpy.ndarray
        Expected transactions in opportunities n+1..n+t.

    Examples
    --------
    >>> bool(conditional_expected_purchases(5, 1.204, 0.750, 0.657, 2.783, 3, 5, 6) > 0)
    True
    """
    t = np.asarray(t, dtype=float)
    shape = np.broadcast_shapes(np.shape(t), np.shape(x), np.shape(t_x), np.shape(n))
    xb, txb, nb = (np.broadcast_to(np.asarray(v, dtype=float), shape) for v in (x, t_x, n))
    ll = loglike(alpha, beta, gamma, delta, xb, txb, nb).reshape(shape)
    lead = np.exp(betaln(alpha + xb + 1, beta + nb - xb) - betaln(alpha, beta) - ll)
    return lead * _survival_sum(gamma, delta, nb, nb + t)


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def probability_of_purchases(k, t, alpha, beta, gamma, delta):
    """P(X(t) = k): probability of ``k`` transactions in the first ``t`` opportunities.

    FHS eq. (7)::

        C(t,k) B(α+k, β+t-k)/B(α,β) B(γ, δ+t)/B(γ,δ)
        + Σ_{i=k}^{t-1} C(i,k) B(α+k, β+i-k)/B(α,β) B(γ+1, δ+i)/B(γ,δ)

    Parameters
    ----------
    k : array-like of int
        Numbers of transactions.
    t : int or array-like
        Number of opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> round(float(probability_of_purchases(range(7), 6, 1.204, 0.750, 0.657, 2.783).sum()), 12)
    1.0
    """
    k = np.asarray(k, dtype=float)
    t = np.asarray(t, dtype=float)
    k, t = np.broadcast_arrays(k, t)
    bab, bgd = betaln(alpha, beta), betaln(gamma, delta)

    def lchoose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    ok = k <= t
    kk = np.where(ok, k, 0.0)
    first = np.where(ok, np.exp(lchoose(t, kk) + betaln(alpha + kk, beta + t - kk) - bab
                                + betaln(gamma, delta + t) - bgd), 0.0)
    tmax = int(t.max()) if t.size else 0
    i = np.arange(max(tmax, 1), dtype=float).reshape((-1,) + (1,) * k.ndim)
    valid = (i >= kk) & (i < t) & ok
    iv = np.where(valid, i, kk)
    second = np.where(valid, np.exp(lchoose(iv, kk) + betaln(alpha + kk, beta + iv - kk) - bab
                                    + betaln(gamma + 1, delta + iv) - bgd), 0.0).sum(axis=0)
    return first + second


@params(d="positive", alpha="positive", beta="positive", gamma="positive", delta="positive")
def dert(d, alpha, beta, gamma, delta, x, t_x, n):
    """Discounted expected residual transactions (FHS eq. 14).

    With per-opportunity discount rate ``d`` > 0::

        B(α+x+1, β+n-x)/B(α,β) B(γ, δ+n+1)/(B(γ,δ)(1+d))
        × 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L

    Parameters
    ----------
    d : float
        Discount rate per opportunity (> 0).
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n : array-like
        Frequency, recency and number of opportunities (broadcast together).

    Returns
    -------
    numpy.ndarray
        Discounted expected residual transactions.

    Examples
    --------
    >>> bool(dert(0.1, 1.204, 0.750, 0.657, 2.783, 3, 5, 6) > 0)
    True
    """
    x, t_x, n = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, n))
    ll = loglike(alpha, beta, gamma, delta, x, t_x, n).reshape(x.shape)
    lead = (betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
            + betaln(gamma, delta + n + 1) - betaln(gamma, delta) - np.log1p(d) - ll)
    return np.exp(lead) * hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, 1.0 / (1.0 + d))
