"""Pareto/NBD kernels (Schmittlein, Morrison & Colombo 1987; the expressions of
Fader & Hardie 2005, "A note on deriving the Pareto/NBD model and related expressions",
FH05 below; Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42:415-430, FHL-JMR below).

Notation: ``x`` = frequency, ``t_x`` = recency, ``T`` = customer age.  While alive a
customer buys at Poisson rate λ ~ Gamma(r, α) and dies at exponential rate μ ~ Gamma(s, β).

The likelihood (FH05 eq. 19) is written as

``L = Γ(r+x) α^r β^s / Γ(r) [ (α+T)^-(r+x) (β+T)^-s + s A ]``,
``A = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ = G(t_x) - G(T)``

with ``G(t) = ∫_t^∞ (...) dτ = (M+t)^-a / a · 2F1(a, k; a+1; z_t)``, ``a = r+s+x``,
``M = max(α, β)``, ``m = min(α, β)``, ``z_t = (M-m)/(M+t)`` and ``k = s+1`` if α >= β,
else ``k = r+x`` (FH05 eqs. 20-21 with ``s/(r+s+x)`` absorbed).  Euler's transformation
``2F1(a, k; a+1; z) = (1-z)^(1-k) 2F1(1, a+1-k; a+1; z)`` leaves a series whose terms
decrease at least geometrically (ratio < z) and are all positive, so ``log G`` is computed
term by term without overflow for any ``x`` (heavy buyers with x > 200 included), the
difference ``G(t_x) - G(T)`` in log space with ``log1mexp`` (exactly zero when
``t_x == T``), and the gradient is analytic.  Rows with z > 0.9 (only when one of α, β
is ten times the other) fall back to :func:`scipy.special.hyp2f1`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, hyperu, psi

__all__ = [
    "loglike", "score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "dert", "loglike_and_score",
]

_ZCUT = 0.9
_EPS = 1e-17


def _log1mexp(d: np.ndarray) -> np.ndarray:
    """log(1 - exp(d)) for d <= 0 (``-inf`` at d == 0)."""
    d = np.minimum(d, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(d > -0.6931471805599453, np.log(-np.expm1(d)), np.log1p(-np.exp(d)))


def _series(b: np.ndarray, c: np.ndarray, z: np.ndarray, grad: bool = True):
    """S = 2F1(1, b; c; z) = Σ_n (b)_n/(c)_n z^n for 0 <= z < 1, 0 < b < c, and (if
    ``grad``) ∂S/∂b, ∂S/∂c, ∂S/∂z.

    The number of terms K is set by the largest z (the terms' ratio is below z).  Rows
    sharing (b, c) (customers with the same frequency) share the coefficients, so the
    coefficient table is built once per distinct (b, c) and each group of rows is one
    matrix product ``z^n @ coefficients`` (a loop over distinct frequencies, not rows)."""
    b, c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(b, c, z))
    shape = b.shape
    b, c, z = b.ravel(), c.ravel(), z.ravel()
    out = np.zeros((z.size, 4))
    small = z <= _ZCUT
    if small.any():
        idx = np.flatnonzero(small)
        bs, cs, zs = b[idx], c[idx], z[idx]
        if bs.size > 1 and not (np.all(cs[1:] >= cs[:-1]) and np.all(bs[1:] >= bs[:-1])):
            order = np.lexsort((bs, cs))
            idx, bs, cs, zs = idx[order], bs[order], cs[order], zs[order]
        zmax = float(zs.max())
        K = 2 if zmax <= 0 else int(np.ceil(np.log(_EPS) / np.log(zmax))) + 2
        K = max(2, min(K, 400))
        change = np.flatnonzero((bs[1:] != bs[:-1]) | (cs[1:] != cs[:-1])) + 1
        starts = np.concatenate([[0], change])
        stops = np.concatenate([change, [bs.size]])
        ub, uc = bs[starts], cs[starts]
        j = np.arange(K - 1, dtype=float)
        bj = ub[:, None] + j
        cj = uc[:, None] + j
        one = np.ones((ub.size, 1))
        zero = np.zeros((ub.size, 1))
        coef = np.concatenate([one, np.cumprod(bj / cj, axis=1)], axis=1)       # (b)_n/(c)_n
        if grad:
            cb = np.concatenate([zero, np.cumsum(1.0 / bj, axis=1)], axis=1)
            cc = np.concatenate([zero, np.cumsum(1.0 / cj, axis=1)], axis=1)
            cz = np.concatenate([coef[:, 1:] * np.arange(1, K), zero], axis=1)   # d/dz, shifted
            table = np.stack([coef, coef * cb, -coef * cc, cz], axis=2)          # (U, K, 4)
        else:
            table = coef[:, :, None]
        zpow = np.empty((K, zs.size))                                           # z^n, row n
        zpow[0] = 1.0
        for n in range(1, K):  # loop over series terms, contiguous rows
            np.multiply(zpow[n - 1], zs, out=zpow[n])
        tableT = np.ascontiguousarray(table.transpose(0, 2, 1))                 # (U, 4, K)
        res = np.empty((tableT.shape[1], zs.size))
        for g in range(ub.size):  # one matrix product per distinct frequency
            lo, hi = starts[g], stops[g]
            res[:, lo:hi] = tableT[g] @ zpow[:, lo:hi]
        out[idx, :res.shape[0]] = res.T
    big = ~small
    if big.any():
        bb, cb_, zb = b[big], c[big], z[big]
        vals = np.zeros((bb.size, 4))
        with np.errstate(all="ignore"):
            vals[:, 0] = hyp2f1(1.0, bb, cb_, zb)
            if grad:
                vals[:, 3] = bb / cb_ * hyp2f1(2.0, bb + 1.0, cb_ + 1.0, zb)
                hb = 1e-6 * np.maximum(bb, 1.0)
                hc = 1e-6 * np.maximum(cb_, 1.0)
                vals[:, 1] = (hyp2f1(1.0, bb + hb, cb_, zb) - hyp2f1(1.0, bb - hb, cb_, zb)) / (2 * hb)
                vals[:, 2] = (hyp2f1(1.0, bb, cb_ + hc, zb) - hyp2f1(1.0, bb, cb_ - hc, zb)) / (2 * hc)
        bad = ~np.isfinite(vals).all(axis=1)
        if bad.any():  # scipy's 2F1 fails for integer c - a - b: sum the positive series
            vals[bad] = np.column_stack(_horner(bb[bad], cb_[bad], zb[bad], grad))
        out[big] = vals
    return tuple(out[:, i].reshape(shape) for i in range(4))


def _horner(b, c, z, grad):
    """The series of :func:`_series` by nested evaluation over the terms, vectorised over
    rows (used for the few rows with z close to 1, up to 10^6 terms)."""
    zmax = float(z.max())
    K = int(min(np.ceil(np.log(_EPS) / np.log(max(zmax, 1e-300))) + 2, 1_000_000)) if zmax > 0 else 2
    s_ = np.ones_like(z)
    sb, sc, sz = np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
    for j in range(K - 2, -1, -1):  # loop over series terms, vectorised over rows
        bj, cj = b + j, c + j
        R = bj / cj
        zR = z * R
        if grad:
            sz = R * (s_ + z * sz)
            sb = zR * (s_ / bj + sb)
            sc = zR * (sc - s_ / cj)
        s_ = 1.0 + zR * s_
    return s_, sb, sc, sz


def _log_G(t, a, k, M, m, grad: bool = True):
    """log G(t) and its partial derivatives in (a, k, M, m); see the module docstring."""
    b = a + 1.0 - k
    c = a + 1.0
    lMt = np.log(M + t)
    lmt = np.log(m + t)
    z = (M - m) / (M + t)
    S, Sb, Sc, Sz = _series(b, c, z, grad)
    logG = -a * lMt - np.log(a) + (1.0 - k) * (lmt - lMt) + np.log(S)
    if not grad:
        return logG, None, None, None, None
    d_a = -lMt - 1.0 / a + (Sb + Sc) / S
    d_k = -(lmt - lMt) - Sb / S
    d_M = -(a + 1.0 - k) / (M + t) + Sz / S * (m + t) / (M + t) ** 2
    d_m = (1.0 - k) / (m + t) - Sz / S / (M + t)
    return logG, d_a, d_k, d_M, d_m


def _parts(r, alpha, s, beta, x, t_x, T, grad: bool):
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    a = r + s + x
    if alpha >= beta:
        M, m, k = alpha, beta, s + 1.0 + 0.0 * x
    else:
        M, m, k = beta, alpha, r + x
    k = np.broadcast_to(k, x.shape)
    G1 = _log_G(t_x.ravel(), a.ravel(), k.ravel(), M, m, grad)
    G2 = _log_G(T.ravel(), a.ravel(), k.ravel(), M, m, grad)
    lg1, lg2 = G1[0].reshape(x.shape), G2[0].reshape(x.shape)
    d = lg2 - lg1
    log_A = lg1 + _log1mexp(d)
    l1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    l2 = np.log(s) + log_A
    lse = np.logaddexp(l1, l2)
    ux, inv = np.unique(x.ravel(), return_inverse=True)
    inv = inv.reshape(x.shape)
    const = (gammaln(r + ux) - gammaln(r))[inv] + r * np.log(alpha) + s * np.log(beta)
    if not grad:
        return const, l1, lse, None
    pi1 = np.exp(l1 - lse)
    pi2 = np.exp(l2 - lse)
    has_a = d < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w1 = np.where(has_a, 1.0 / -np.expm1(np.where(has_a, d, -1.0)), 0.0)
    w2 = np.where(has_a, w1 - 1.0, 0.0)

    dA_a, dA_k, dA_M, dA_m = (w1 * g1.reshape(x.shape) - w2 * g2.reshape(x.shape)
                              for g1, g2 in zip(G1[1:], G2[1:]))
    if alpha >= beta:
        dA_r, dA_s = dA_a, dA_a + dA_k
        dA_alpha, dA_beta = dA_M, dA_m
    else:
        dA_r, dA_s = dA_a + dA_k, dA_a
        dA_alpha, dA_beta = dA_m, dA_M
    d_r = psi(r + ux)[inv] - psi(r) + np.log(alpha) - pi1 * np.log(alpha + T) + pi2 * dA_r
    d_alpha = r / alpha - pi1 * (r + x) / (alpha + T) + pi2 * dA_alpha
    d_s = np.log(beta) - pi1 * np.log(beta + T) + pi2 * (1.0 / s + dA_s)
    d_beta = s / beta - pi1 * s / (beta + T) + pi2 * dA_beta
    g = np.column_stack([np.ravel(v) for v in np.broadcast_arrays(d_r, d_alpha, d_s, d_beta)])
    return const, l1, lse, g


def loglike(r, alpha, s, beta, x, t_x, T):
    """Per-customer Pareto/NBD log-likelihood, FH05 eq. (19) (= SMC 1987), in log space.

    Parameters
    ----------
    r, alpha, s, beta : float
        Gamma(r, α) purchase-rate and Gamma(s, β) death-rate heterogeneity.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        ``log L`` per row; finite for any x (no overflow), also when t_x == T or α == β.

    Examples
    --------
    >>> round(float(loglike(0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)), 4)
    -9.562
    """
    const, _, lse, _ = _parts(r, alpha, s, beta, x, t_x, T, grad=False)
    return const + lse


def score(r, alpha, s, beta, x, t_x, T):
    """Analytic gradient of :func:`loglike` w.r.t. (r, alpha, s, beta); shape ``(n, 4)``.

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``.

    Examples
    --------
    >>> score(0.55, 10.58, 0.61, 11.67, [0, 2], [0.0, 30.43], [38.86, 38.86]).shape
    (2, 4)
    """
    return _parts(r, alpha, s, beta, x, t_x, T, grad=True)[3]


def p_alive(r, alpha, s, beta, x, t_x, T):
    """P(alive | x, t_x, T), FH05 eq. (22): the share of the first likelihood term,
    ``Γ(r+x)α^rβ^s/Γ(r) (α+T)^-(r+x) (β+T)^-s / L``.

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters.
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
    _, l1, lse, _ = _parts(r, alpha, s, beta, x, t_x, T, grad=False)
    return np.exp(l1 - lse)


def _one_minus_pow_over(sm1, u):
    """(1 - exp(-(s-1) u)) / (s-1), with the limit ``u`` at s = 1."""
    sm1 = np.asarray(sm1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = -np.expm1(-sm1 * u) / np.where(np.abs(sm1) < 1e-10, 1.0, sm1)
    return np.where(np.abs(sm1) < 1e-10, u, val)


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


def probability_of_purchases(n, t, r, alpha, s, beta):
    """P(X(t) = n) for a new customer (Fader, Hardie & Lee 2006, "Deriving an expression for
    P(X(t) = x) under the Pareto/NBD model", eq. 19)::

        Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
        + α^r β^s B(r+n, s+1)/B(r, s) [B1 - Σ_{i=0}^{n} Γ(r+s+i)/(Γ(r+s) i!) t^i B2_i]

    with ``B1 = 2F1(r+s, k; r+s+n+1; z_0)/M^(r+s)``, ``B2_i = 2F1(r+s+i, k; r+s+n+1; z_t)
    /(M+t)^(r+s+i)``, ``M = max(α, β)``, ``k = s+1`` if α >= β else ``r+n``.

    Parameters
    ----------
    n : array-like of int
        Numbers of purchases.
    t : float or array-like
        Length of the period.
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
    M, m = max(alpha, beta), min(alpha, beta)
    k = s + 1.0 + 0.0 * n if alpha >= beta else r + n
    first = np.exp(gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(alpha / (alpha + t))
                   + np.where(n > 0, n * np.log(np.where(t > 0, t, 1.0) / (alpha + t)), 0.0)
                   + s * np.log(beta / (beta + t)))
    lead = r * np.log(alpha) + s * np.log(beta) + betaln(r + n, s + 1) - betaln(r, s)
    c = r + s + n + 1
    B1 = np.exp(lead - (r + s) * np.log(M)) * hyp2f1(r + s, k, c, (M - m) / M)
    nmax = int(n.max()) if n.size else 0
    i = np.arange(nmax + 1, dtype=float).reshape((-1,) + (1,) * n.ndim)
    with np.errstate(divide="ignore"):
        log_ti = np.where(i > 0, i * np.log(np.where(t > 0, t, 1.0)), 0.0)
    log_w = gammaln(r + s + i) - gammaln(r + s) - gammaln(i + 1) + log_ti
    B2 = np.exp(lead + log_w - (r + s + i) * np.log(M + t)) * hyp2f1(r + s + i, k, c, (M - m) / (M + t))
    B2 = np.where((i <= n) & ((t > 0) | (i == 0)), B2, 0.0).sum(axis=0)
    return first + B1 - B2


def dert(delta, r, alpha, s, beta, x, t_x, T):
    """Discounted expected residual transactions over an infinite horizon, FHL-JMR eq. (2)::

        DERT = α^r β^s δ^(s-1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L)
             = P(alive) (r+x)/(α+T) (β+T)^s δ^(s-1) U(s, s; δ(β+T))

    with δ the continuously compounded discount rate per time unit and U Tricomi's
    confluent hypergeometric function of the second kind.

    Parameters
    ----------
    delta : float
        Continuously compounded discount rate per time unit (> 0).
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Discounted expected residual transactions.

    Examples
    --------
    >>> bool(dert(0.0027, 0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86) > 0)
    True
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    pa = p_alive(r, alpha, s, beta, x, t_x, T)
    zz = delta * (beta + T)
    return pa * (r + x) / (alpha + T) * np.exp(s * np.log(beta + T) + (s - 1.0) * np.log(delta)) * hyperu(s, s, zz)


def loglike_and_score(r, alpha, s, beta, x, t_x, T):
    """:func:`loglike` and :func:`score` from one pass over the data (used when fitting).

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    tuple of numpy.ndarray
        Per-row log-likelihood ``(n,)`` and gradient ``(n, 4)``.

    Examples
    --------
    >>> ll, g = loglike_and_score(0.55, 10.58, 0.61, 11.67, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> ll.shape, g.shape
    ((2,), (2, 4))
    """
    const, _, lse, g = _parts(r, alpha, s, beta, x, t_x, T, grad=True)
    return const + lse, g
