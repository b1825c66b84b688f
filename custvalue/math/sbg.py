"""Shifted-beta-geometric (sBG) kernels for contractual settings.

References: Fader & Hardie (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1):76-90 (FH07); Fader & Hardie (2010), "Customer-base valuation in
a contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1):85-93
(FH10).

Each customer churns at the end of any period with probability θ ~ Beta(α, β); the lifetime
``T`` (the period at whose end the customer leaves, T = 1, 2, ...) is shifted-geometric.
``t`` below is a number of periods; ``n`` a number of renewals already made.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, hyp2f1, psi

from ._checks import params

__all__ = [
    "log_churn_probability", "log_survival", "survival", "churn_probability", "retention_rate",
    "loglike", "score", "discounted_expected_lifetime", "derl", "retention_elasticity",
]


@params(alpha="positive", beta="positive", t="nonnegative")
def log_churn_probability(alpha, beta, t):
    """log P(T = t) = log B(α+1, β+t-1) - log B(α, β), FH07 eq. (6), t >= 1.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : int or array-like
        Period(s) t >= 1.

    Returns
    -------
    numpy.ndarray
        Broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.log_churn_probability(0.704, 1.182, [1, 2]).round(3).tolist()
    [-0.985, -1.878]
    """
    t = np.asarray(t, dtype=float)
    return betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)


@params(alpha="positive", beta="positive", t="nonnegative")
def churn_probability(alpha, beta, t):
    """P(T = t), FH07 eq. (6).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : int or array-like
        Period(s) t >= 1.

    Returns
    -------
    numpy.ndarray
        Probability of churning at the end of period t.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.churn_probability(0.704, 1.182, [1, 2]).round(3).tolist()
    [0.373, 0.153]
    """
    return np.exp(log_churn_probability(alpha, beta, t))


@params(alpha="positive", beta="positive", t="nonnegative")
def log_survival(alpha, beta, t):
    """log S(t) = log P(T > t) = log B(α, β+t) - log B(α, β), FH07 eq. (7), t >= 0.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : int or array-like
        Number of periods t >= 0.

    Returns
    -------
    numpy.ndarray
        Broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.log_survival(0.704, 1.182, [0, 1]).round(3).tolist()
    [0.0, -0.467]
    """
    t = np.asarray(t, dtype=float)
    return betaln(alpha, beta + t) - betaln(alpha, beta)


@params(alpha="positive", beta="positive", t="nonnegative")
def survival(alpha, beta, t):
    """S(t) = B(α, β+t) / B(α, β), FH07 eq. (7).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : int or array-like
        Number of periods t >= 0.

    Returns
    -------
    numpy.ndarray
        Probability of still being a customer after t periods.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.survival(0.704, 1.182, [1, 2]).round(3).tolist()
    [0.627, 0.474]
    """
    return np.exp(log_survival(alpha, beta, t))


@params(alpha="positive", beta="positive", t="nonnegative")
def retention_rate(alpha, beta, t):
    """r_t = S(t) / S(t-1) = (β + t - 1) / (α + β + t - 1), FH07 eq. (8), t >= 1.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : int or array-like
        Period(s) t >= 1.

    Returns
    -------
    numpy.ndarray
        Cohort retention rate in period t.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.retention_rate(0.704, 1.182, [1, 2]).round(3).tolist()
    [0.627, 0.756]
    """
    t = np.asarray(t, dtype=float)
    return (beta + t - 1) / (alpha + beta + t - 1)


def loglike(alpha, beta, t, censored):
    """Per-row log-likelihood, FH07 eq. (B1): ``log P(T = t)`` for a customer who churned in
    period t, ``log S(t)`` for one still active after t periods (right-censored).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : array-like
        Duration: the churn period for churned customers, periods observed for censored ones.
    censored : array-like of bool
        True for customers still active (right-censored).

    Returns
    -------
    numpy.ndarray
        Per-row log-likelihood, broadcast shape of ``t`` and ``censored``.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.loglike(0.704, 1.182, [1, 7], [False, True]).round(3).tolist()
    [-0.985, -1.431]
    """
    censored = np.asarray(censored, dtype=bool)
    t = np.asarray(t, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(censored, log_survival(alpha, beta, t),
                        log_churn_probability(alpha, beta, np.where(censored, 1.0, t)))


def score(alpha, beta, t, censored):
    """Analytic gradient of :func:`loglike` w.r.t. (α, β); shape ``(n, 2)``.

    ``d/dα log P(T=t) = ψ(α+1) - ψ(α+β+t) - ψ(α) + ψ(α+β)``,
    ``d/dβ log P(T=t) = ψ(β+t-1) - ψ(α+β+t) - ψ(β) + ψ(α+β)``,
    ``d/dα log S(t) = ψ(α+β) - ψ(α+β+t)``,
    ``d/dβ log S(t) = ψ(β+t) - ψ(α+β+t) - ψ(β) + ψ(α+β)``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    t : array-like
        Duration: the churn period for churned customers, periods observed for censored ones.
    censored : array-like of bool
        True for customers still active (right-censored).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)``: derivatives w.r.t. α and β.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.score(0.704, 1.182, [1, 7], [False, True]).shape
    (2, 2)
    """
    censored = np.asarray(censored, dtype=bool)
    t = np.asarray(t, dtype=float)
    common = psi(alpha + beta) - psi(alpha + beta + t)
    d_a = np.where(censored, common, common + psi(alpha + 1) - psi(alpha))
    tb = np.where(censored, t, np.maximum(t - 1, 0.0))
    d_b = common + psi(beta + tb) - psi(beta)
    return np.column_stack(np.broadcast_arrays(d_a, d_b))


def _hyp2f1_series(a, b, c, z, max_terms=200_000):
    """``2F1(a, b; c; z)`` for ``a`` in {1, 2}, ``0 <= z < 1``, ``c > b > 0`` by direct summation
    of ``(a)_j/j! prod_{i<j} (b+i)/(c+i) z^j`` (all terms positive), for the parameter range
    where scipy's ``hyp2f1`` returns NaN (very large b and c)."""
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, c, z)))
    out = np.empty(b.shape)
    for idx in np.ndindex(b.shape):  # only the few non-finite entries reach here
        bi, ci, zi = b[idx], c[idx], z[idx]
        n = int(min(max_terms, np.ceil(40.0 / max(-np.log(zi), 1e-12)) + 10))
        j = np.arange(n, dtype=float)
        log_terms = np.concatenate([[0.0], np.cumsum(np.log(bi + j[:-1]) - np.log(ci + j[:-1]))]) + j * np.log(zi)
        coef = 1.0 if a == 1 else j + 1.0
        out[idx] = float(np.sum(coef * np.exp(log_terms)))
    return out


def _hyp2f1(a, b, c, z):
    """scipy's ``hyp2f1`` with a direct-summation fallback where it is not finite."""
    val = np.array(hyp2f1(a, b, c, z), dtype=float)  # a copy
    bad = ~np.isfinite(val)
    if bad.any():
        b_, c_, z_ = (np.broadcast_to(np.asarray(v, dtype=float), val.shape) for v in (b, c, z))
        fix = bad & (z_ < 1)  # at z = 1 the series may truly diverge: keep inf
        val[fix] = _hyp2f1_series(a, b_[fix], c_[fix], z_[fix])
    return val[()] if val.ndim == 0 else val


@params(alpha="positive", beta="positive", d="rate")
def discounted_expected_lifetime(alpha, beta, d):
    """DEL = sum_{t>=0} S(t) / (1+d)^t = 2F1(1, β; α+β; 1/(1+d)), FH10 eq. (4).

    Expected discounted number of payments of a new customer paying at the start of each
    period (the first payment undiscounted); ``E[CLV] = m * DEL``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    d : float or array-like
        Per-period discount rate (> -1).

    Returns
    -------
    numpy.ndarray or float
        DEL, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> round(float(sbg.discounted_expected_lifetime(0.704, 1.182, 0.1)), 3)
    3.695
    """
    return _hyp2f1(1, beta, alpha + beta, 1.0 / (1.0 + np.asarray(d, dtype=float)))


@params(alpha="positive", beta="positive", d="rate", n="nonnegative")
def derl(alpha, beta, d, n):
    """Discounted expected residual lifetime of a customer who has made ``n`` renewals
    (is in period n+1), valued just before the next renewal decision, FH10 eq. (6) with
    n - 1 -> n:

    ``DERL = (β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d))``
    ``= sum_{j>=0} P(T > n+1+j | T > n) / (1+d)^j``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    d : float or array-like
        Per-period discount rate (> -1).
    n : int or array-like
        Renewals already made (n >= 0).

    Returns
    -------
    numpy.ndarray
        DERL, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.derl(0.704, 1.182, 0.1, [0, 4]).round(3).tolist()
    [2.965, 5.894]
    """
    n = np.asarray(n, dtype=float)
    z = 1.0 / (1.0 + np.asarray(d, dtype=float))
    return (beta + n) / (alpha + beta + n) * _hyp2f1(1, beta + n + 1, alpha + beta + n + 1, z)


@params(alpha="positive", beta="positive", d="rate", n="nonnegative")
def retention_elasticity(alpha, beta, d, n):
    """Elasticity of DERL with respect to retention: the % change in DERL when every
    customer's retention probability ``1 - θ`` is raised by 1% (derivative at 0).

    With ``DERL = sum_j E[(1-θ)^(j+1)] z^j`` under the posterior θ ~ Beta(α, β+n) and
    ``z = 1/(1+d)``, multiplying ``1-θ`` by ``(1+ε)`` scales term j by ``(1+ε)^(j+1)``, so

    ``η = 1 + z (b/c) 2F1(2, b+1; c+1; z) / 2F1(1, b; c; z)``, ``b = β+n+1``, ``c = α+β+n+1``

    (d/dz 2F1(1,b;c;z) = (b/c) 2F1(2,b+1;c+1;z)).  Without heterogeneity (θ fixed,
    retention r) this reduces to the textbook ``(1+d)/(1+d-r)`` (Pfeifer & Farris 2004).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    d : float or array-like
        Per-period discount rate (> -1).
    n : int or array-like
        Renewals already made (n >= 0).

    Returns
    -------
    numpy.ndarray
        Elasticity η, broadcast shape of the inputs.

    Examples
    --------
    >>> from custvalue.math import sbg
    >>> sbg.retention_elasticity(0.704, 1.182, 0.1, [0, 4]).round(3).tolist()
    [6.46, 7.744]
    """
    n = np.asarray(n, dtype=float)
    z = 1.0 / (1.0 + np.asarray(d, dtype=float))
    b = beta + n + 1
    c = alpha + beta + n + 1
    return 1.0 + z * (b / c) * _hyp2f1(2, b + 1, c + 1, z) / _hyp2f1(1, b, c, z)
