"""BG/NBD kernels (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
Marketing Science 24(2):275-284; FHL below).

Notation: ``x`` = frequency (repeat transactions), ``t_x`` = recency (time of the last
repeat transaction), ``T`` = customer age, all measured from the first purchase.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

__all__ = [
    "loglike", "score", "log_alive_odds", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases",
]


def _log_terms(r, alpha, a, b, x, t_x, T):
    """The pieces of FHL eq. (6) in logs: common part, A3 (alive), A4 (dead after t_x)."""
    common = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
              + betaln(a, b + x) - betaln(a, b))
    log_alive = -(r + x) * np.log(alpha + T)
    pos = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_dead = np.where(pos, np.log(a) - np.log(np.where(pos, b + x - 1, 1.0))
                            - (r + x) * np.log(alpha + t_x), -np.inf)
    return common, log_alive, log_dead


def loglike(r, alpha, a, b, x, t_x, T):
    """Per-customer BG/NBD log-likelihood, FHL eq. (6), evaluated in log space.

    ``log L = log Γ(r+x) - log Γ(r) + r log α + log B(a, b+x) - log B(a, b)
    + log[(α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x)]``.
    """
    common, la, ld = _log_terms(r, alpha, a, b, x, t_x, T)
    return common + np.logaddexp(la, ld)


def score(r, alpha, a, b, x, t_x, T):
    """Analytic gradient of :func:`loglike` w.r.t. (r, alpha, a, b); shape ``(n, 4)``."""
    x = np.asarray(x, dtype=float)
    common, la, ld = _log_terms(r, alpha, a, b, x, t_x, T)
    lse = np.logaddexp(la, ld)
    w_alive = np.exp(la - lse)
    w_dead = np.exp(ld - lse)
    pos = x > 0
    log_aT = np.log(alpha + T)
    log_at = np.log(alpha + t_x)
    d_r = psi(r + x) - psi(r) + np.log(alpha) - w_alive * log_aT - w_dead * log_at
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dead / (alpha + t_x))
    d_a = psi(a + b) - psi(a + b + x) + w_dead / a
    bx1 = np.where(pos, b + x - 1, 1.0)
    d_b = psi(b + x) - psi(a + b + x) - psi(b) + psi(a + b) - w_dead / bx1
    return np.column_stack(np.broadcast_arrays(d_r, d_alpha, d_a, d_b))


def log_alive_odds(r, alpha, a, b, x, t_x, T):
    """log of P(dead)/P(alive) for customers with x > 0 (``-inf`` when x = 0), FHL eq. (13)."""
    x = np.asarray(x, dtype=float)
    pos = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pos, np.log(a) - np.log(np.where(pos, b + x - 1, 1.0))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)), -np.inf)


def p_alive(r, alpha, a, b, x, t_x, T):
    """P(alive | x, t_x, T), FHL eq. (13): ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``."""
    return expit(-log_alive_odds(r, alpha, a, b, x, t_x, T))


def expected_purchases_new_customer(t, r, alpha, a, b):
    """E[X(t)] for a customer just acquired, FHL eq. (7)."""
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - np.exp(r * np.log(alpha / (alpha + t))) * hyp2f1(r, b, a + b - 1, z))


def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t], FHL eq. (10)."""
    x = np.asarray(x, dtype=float)
    z = t / (alpha + T + t)
    log_disc = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    bracket = 1 - np.exp(log_disc) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(r, alpha, a, b, x, t_x, T)


def probability_of_purchases(n, t, r, alpha, a, b):
    """P(X(t) = n) for a new customer, FHL eq. (8); ``n`` a non-negative integer array."""
    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    n, t = np.broadcast_arrays(n, t)
    log_q = np.log(alpha / (alpha + t))
    log_z = np.log(t / (alpha + t)) if np.all(t > 0) else np.log(np.where(t > 0, t, 1.0) / (alpha + t))
    first = (betaln(a, b + n) - betaln(a, b) + gammaln(r + n) - gammaln(r) - gammaln(n + 1)
             + r * log_q + np.where(n > 0, n * log_z, 0.0))
    # sum_{j=0}^{n-1} Γ(r+j)/(Γ(r) j!) z^j, vectorised over j up to max(n)
    nmax = int(n.max()) if n.size else 0
    j = np.arange(max(nmax, 1), dtype=float).reshape((-1,) + (1,) * n.ndim)
    terms = np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + j * log_z)
    terms = np.where(j < n, terms, 0.0)
    partial = terms.sum(axis=0)
    second = np.where(n > 0, np.exp(betaln(a + 1, b + n - 1) - betaln(a, b))
                      * (1 - np.exp(r * log_q) * partial), 0.0)
    return np.exp(first) + second
