"""Shifted-beta-geometric (sBG) kernels for contractual settings.

References: Fader & Hardie (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1):76-90 (FH07); Fader & Hardie (2010), "Customer-base valuation in
a contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1):85-93
(FH10).

Each customer churns at the end of any period with probability θ ~ Beta(α, β); the lifetime
``T`` (the period at whose end the customer leaves, T = 1, 2, ...) is shifted-geometric.
``t`` below is a number of periods; ``n`` a number of renewals already made.

Accuracy: the Beta-function ratios are formed as log-gamma differences
(:func:`custvalue.math.special.log_beta_ratio`, ``digamma_diff``), not as differences of
``betaln``/``psi`` values, and the discounted lifetimes as normalised Beta means
(:func:`custvalue.math.special._log_beta_discounted_mean`): exact to rounding when α and β
run off together (θ a point mass, as a fit on homogeneous data makes them), where the
differences kept only ~1e-16 (α+β) absolute.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from .._deprecation import renamed_arguments
from ._checks import params
from .special import _log_beta_discounted_mean, _shift_tables, digamma_diff, log_beta_ratio

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
    # B(α+1, β+t-1)/B(α, β) = α Γ(β+t-1)/Γ(β) Γ(α+β)/Γ(α+β+t): tabulated for whole t >= 1
    tabs = _shift_tables((beta, alpha + beta), t - 1.0)
    if tabs is not None:
        ti = t.astype(np.intp)
        return (np.log(alpha) + tabs[0][0][ti - 1] - tabs[0][1][ti])[()]
    alpha, beta = np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float)
    # = α/(α+β) B(α+1, β+t-1)/B(α+1, β)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.log(alpha) - np.log(alpha + beta) + log_beta_ratio(alpha + 1.0, beta, t - 1.0))[()]


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
    tabs = _shift_tables((beta, alpha + beta), t)  # log Γ(β+t)/Γ(β) - log Γ(α+β+t)/Γ(α+β)
    if tabs is not None:
        return (tabs[0][0] - tabs[0][1])[t.astype(np.intp)][()]
    return log_beta_ratio(alpha, beta, t)


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
    tb = np.where(censored, t, np.maximum(t - 1, 0.0))
    tabs = _shift_tables((beta, alpha + beta), t, digamma=True)
    if tabs is not None:
        P = tabs[1]
        common, psi_b = -P[1][t.astype(np.intp)], P[0][tb.astype(np.intp)]
    else:
        common, psi_b = -digamma_diff(alpha + beta, t), digamma_diff(beta, tb)
    d_a = np.where(censored, common, common + 1.0 / alpha)  # ψ(α+1) - ψ(α) = 1/α
    d_b = common + psi_b
    return np.column_stack(np.broadcast_arrays(d_a, d_b))


def _hyp2f1(a, b, c, z):
    """scipy's ``hyp2f1`` (used only where the integral form is not log-concave)."""
    return np.asarray(hyp2f1(a, b, c, z), dtype=float)


@params(alpha="positive", beta="positive", d="rate")
def discounted_expected_lifetime(alpha, beta, d):
    """DEL = sum_{t>=0} S(t) / (1+d)^t = 2F1(1, β; α+β; 1/(1+d)), FH10 eq. (4).

    Expected discounted number of payments of a new customer paying at the start of each
    period (the first payment undiscounted); ``E[CLV] = m * DEL``.  Evaluated as
    ``1 + E[(1-θ)/(θ+d)] = 1 + ∫ θ^(α-1) (1-θ)^β / (θ+d) dθ / B(α, β)`` (the sum over t
    inside the Beta mixture), as ``1 + β/(α+β) E[1/(θ+d)]`` under Beta(α, β+1)
    (:func:`custvalue.math.special._log_beta_discounted_mean`), accurate for any α, β
    (the 2F1 at z = 1/(1+d) near 1 with large β is where scipy's 2F1 fails).  Infinite
    (NaN) for d < 0, and for d = 0 unless α > 1.

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
    alpha, beta, d = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (alpha, beta, d)))
    out = 1.0 + beta / (alpha + beta) * np.exp(_log_beta_discounted_mean(alpha, beta + 1.0, d))
    return out[()] if out.ndim == 0 else out


@renamed_arguments(n="n_renewals")
@params(alpha="positive", beta="positive", d="rate", n_renewals="nonnegative")
def derl(alpha, beta, d, n_renewals):
    """Discounted expected residual lifetime of a customer who has made ``n`` renewals
    (is in period n+1), valued just before the next renewal decision, FH10 eq. (6) with
    n - 1 -> n:

    ``DERL = (β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d))``
    ``= sum_{j>=0} P(T > n+1+j | T > n) / (1+d)^j = (1+d) E[(1-θ)/(θ+d)]``

    with θ ~ Beta(α, β+n) (the posterior after n renewals); the last form is evaluated, as
    ``(1+d) (β+n)/(α+β+n) E[1/(θ+d)]`` under Beta(α, β+n+1)
    (:func:`custvalue.math.special._log_beta_discounted_mean`).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    d : float or array-like
        Per-period discount rate (> -1).
    n_renewals : int or array-like
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
    n = n_renewals
    alpha, beta, d, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (alpha, beta, d, n)))
    return (1.0 + d) * (beta + n) / (alpha + beta + n) * np.exp(_log_beta_discounted_mean(alpha, beta + n + 1.0, d))


@renamed_arguments(n="n_renewals")
@params(alpha="positive", beta="positive", d="rate", n_renewals="nonnegative")
def retention_elasticity(alpha, beta, d, n_renewals):
    """Elasticity of DERL with respect to retention: the % change in DERL when every
    customer's retention probability ``1 - θ`` is raised by 1% (derivative at 0).

    With ``DERL = sum_j E[(1-θ)^(j+1)] z^j`` under the posterior θ ~ Beta(α, β+n) and
    ``z = 1/(1+d)``, multiplying ``1-θ`` by ``(1+ε)`` scales term j by ``(1+ε)^(j+1)``, so

    ``η = 1 + z (b/c) 2F1(2, b+1; c+1; z) / 2F1(1, b; c; z)``, ``b = β+n+1``, ``c = α+β+n+1``

    (d/dz 2F1(1,b;c;z) = (b/c) 2F1(2,b+1;c+1;z)).  Without heterogeneity (θ fixed,
    retention r) this reduces to the textbook ``(1+d)/(1+d-r)`` (Pfeifer & Farris 2004).
    Summing over j inside the mixture, ``η = (1+d) E[(1-θ)/(θ+d)²] / E[(1-θ)/(θ+d)]``,
    which is evaluated (:func:`custvalue.math.special._log_beta_discounted_mean`, the means
    under Beta(α, β+n+1)) where its integrand is log-concave (``α + β + n >= 1``); below,
    with small parameters only, the 2F1 form.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta(α, β) mixing distribution of the per-period churn probability θ.
    d : float or array-like
        Per-period discount rate (> -1).
    n_renewals : int or array-like
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
    n = n_renewals
    alpha, beta, d, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (alpha, beta, d, n)))
    b = beta + n + 1.0
    out = np.array((1.0 + d) * np.exp(_log_beta_discounted_mean(alpha, b, d, 2)
                                      - _log_beta_discounted_mean(alpha, b, d, 1)), dtype=float)
    # below a + b = 2 the integrand of the numerator is not log-concave: the 2F1 form there
    # (small parameters, a + b < 2, where scipy's 2F1 is accurate)
    small = alpha + b < 2.0
    if small.any():
        z = 1.0 / (1.0 + d[small])
        bs, cs = b[small], alpha[small] + b[small]
        out[small] = 1.0 + z * (bs / cs) * _hyp2f1(2, bs + 1, cs + 1, z) / _hyp2f1(1, bs, cs, z)
    return out[()] if out.ndim == 0 else out
