"""Pareto/NBD reference formulation: the likelihood's integral ``A`` through the
hypergeometric series, on whole arrays with numpy and scipy (see the package docstring).

``_series`` sums ``2F1(1, b; c; z)`` and its derivatives (rows with z > 0.9 fall back to
:func:`scipy.special.hyp2f1`, or to the nested evaluation of ``_horner``), ``_log_G`` gives
``log G(t)``, ``_parts`` the terms of FH05 eq. (19) and ``_mixture`` the log-likelihood, its
gradient and Hessian from ``log A`` (shared with the quadrature rows).  It serves
:func:`~custvalue.math.paretonbd.p_alive` and the predictions, and is the reference the
fused kernel is tested against.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from ..special import digamma_diff, lgamma_ratio, trigamma_diff

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


def _log_G(t, r, s, x, alpha, beta, grad: bool = True):
    """``log G'(t)``, ``G' = α^(r+x) β^s G`` (the scales multiplied in), as
    ``(lgp, log S)`` with ``log G' = lgp + log S``, and (if ``grad``) its gradient in
    (r, α, s, β), shape (n, 4).  With ``L_α = log1p(t/α)``, ``P_α = t/(α(α+t))`` (the same
    for β) and ``a = r+s+x``::

        α >= β:  lgp = -(r+x) L_α - s L_β - log a,  S = 2F1(1, r+x; a+1; (α-β)/(α+t))
        α < β:   lgp = -(r+x-1) L_α - (s+1) L_β + log(α/β) - log a,
                 S = 2F1(1, s+1; a+1; (β-α)/(β+t))

    (FH05 eqs. 20-21 after Euler's transformation): every term stays of the size of the rates
    times t when (r, α) or (s, β) run off together."""
    ab = alpha >= beta
    rx = r + x
    a = rx + s
    L_a, L_b = np.log1p(t / alpha), np.log1p(t / beta)
    if ab:
        b, M, m = rx, alpha, beta
        lgp = -rx * L_a - s * L_b - np.log(a)
    else:
        b, M, m = s + 1.0, beta, alpha
        lgp = -(rx - 1.0) * L_a - (s + 1.0) * L_b + np.log(alpha / beta) - np.log(a)
    c = a + 1.0
    z = (M - m) / (M + t)
    S, Sb, Sc, Sz = _series(b, c, z, grad)
    if not grad:
        return lgp, np.log(S), None
    lb, lc, lz = Sb / S, Sc / S, Sz / S
    zM = (m + t) / (M + t) ** 2  # ∂z/∂M
    zm = -1.0 / (M + t)          # ∂z/∂m
    P_a, P_b = t / (alpha * (alpha + t)), t / (beta * (beta + t))
    if ab:
        g = (-L_a - 1.0 / a + lb + lc, rx * P_a + lz * zM, -L_b - 1.0 / a + lc, s * P_b + lz * zm)
    else:
        g = (-L_a - 1.0 / a + lc, (rx - 1.0) * P_a + 1.0 / alpha + lz * zm, -L_b - 1.0 / a + lb + lc,
             (s + 1.0) * P_b - 1.0 / beta + lz * zM)
    return lgp, np.log(S), np.column_stack([np.ravel(v) for v in np.broadcast_arrays(*g)])


def _parts(r, alpha, s, beta, x, t_x, T, grad: bool):
    """``(const, l1, lse, gradient)`` of :func:`_mixture` for each row, ``A`` from the series
    (``log L = const + lse``; P(alive) = ``e^(l1 - lse)``)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    shape = x.shape
    x, t_x, T = x.ravel(), t_x.ravel(), T.ravel()
    lgp1, lS1, g1 = _log_G(t_x, r, s, x, alpha, beta, grad)
    _, lS2, g2 = _log_G(T, r, s, x, alpha, beta, grad)
    rx = r + x
    k1, k2 = (rx, s) if alpha >= beta else (rx - 1.0, s + 1.0)
    # log G(T) - log G(t_x), its power terms as one log1p each (no difference of logs)
    d = -k1 * np.log1p((T - t_x) / (alpha + t_x)) - k2 * np.log1p((T - t_x) / (beta + t_x)) + lS2 - lS1
    d = np.where(t_x < T, np.minimum(d, 0.0), 0.0)
    log_A = lgp1 + lS1 + _log1mexp(d)
    if not grad:
        const, l1, lse, _, _ = _mixture(r, alpha, s, beta, x, T, log_A)
        return const.reshape(shape), l1.reshape(shape), lse.reshape(shape), None
    has_a = d < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w1 = np.where(has_a, 1.0 / -np.expm1(np.where(has_a, d, -1.0)), 0.0)
    w2 = np.where(has_a, w1 - 1.0, 0.0)
    dA = w1[:, None] * g1 - w2[:, None] * g2
    const, l1, lse, g, _ = _mixture(r, alpha, s, beta, x, T, log_A, dA)
    return const.reshape(shape), l1.reshape(shape), lse.reshape(shape), g


def _mixture(r, alpha, s, beta, x, T, log_A, dA=None, hA=None):
    """FH05 eq. (19) from ``log Ã``, ``Ã = α^(r+x) β^s A``: ``log L = const + lse`` with
    ``const = log Γ(r+x) - log Γ(r) - x log α`` and ``lse = log(e^{l1} + s Ã)``,
    ``l1 = -(r+x) log1p(T/α) - s log1p(T/β)`` (alive at T), and, given the derivatives of
    ``log Ã`` in (r, α, s, β) (``dA``, shape (n, 4); ``hA``, shape (n, 4, 4)), the gradient
    and Hessian of each row's log-likelihood. Shared by the reference code (``Ã`` from the
    series) and the quadrature rows.

    With the scales multiplied into both terms nothing of the size of ``r log α`` or
    ``r/α`` is formed: ``r log α - (r+x) log(α+T)`` is ``-x log α - (r+x) log1p(T/α)`` and
    its α-derivative ``(r T/(α+T) - x)/α`` is ``-x/α + (r+x) T/(α(α+T))``, so the
    likelihood keeps its digits when (r, α) or (s, β) run off together (a Poisson purchase
    rate, an exponential lifetime); the log-gamma, digamma and trigamma differences come
    from :mod:`custvalue.math.special`."""
    ux, inv = np.unique(x, return_inverse=True)
    inv = inv.reshape(np.shape(x))
    const = lgamma_ratio(r, ux)[inv] - x * np.log(alpha)
    rx = r + x
    l1 = -rx * np.log1p(T / alpha) - s * np.log1p(T / beta)
    l2 = np.log(s) + log_A
    lse = np.logaddexp(l1, l2)
    if dA is None:
        return const, l1, lse, None, None
    n = l1.size
    pi1, pi2 = np.exp(l1 - lse).reshape(-1), np.exp(l2 - lse).reshape(-1)
    zero = np.zeros(n)
    x_, rx, T_ = (np.broadcast_to(v, np.shape(l1)).reshape(-1) for v in (x, rx, T))
    g0 = np.column_stack([digamma_diff(r, ux)[inv].reshape(-1), -x_ / alpha, zero, zero])
    P_a, P_b = T_ / (alpha * (alpha + T_)), T_ / (beta * (beta + T_))
    g1 = np.column_stack([-np.log1p(T_ / alpha), rx * P_a, -np.log1p(T_ / beta), s * P_b])
    g2 = dA.copy()
    g2[:, 2] += 1.0 / s
    grad = g0 + pi1[:, None] * g1 + pi2[:, None] * g2
    if hA is None:
        return const, l1, lse, grad, None
    H = np.zeros((n, 4, 4))
    H[:, 0, 0] = trigamma_diff(r, ux)[inv].reshape(-1)
    H[:, 1, 1] = x_ / alpha ** 2
    H1 = np.zeros((n, 4, 4))
    H1[:, 0, 1] = H1[:, 1, 0] = P_a
    H1[:, 1, 1] = -rx * P_a * (1.0 / alpha + 1.0 / (alpha + T_))  # -(r+x) T(2α+T)/(α²(α+T)²)
    H1[:, 2, 3] = H1[:, 3, 2] = P_b
    H1[:, 3, 3] = -s * P_b * (1.0 / beta + 1.0 / (beta + T_))
    H2 = hA.copy()
    H2[:, 2, 2] -= 1.0 / s ** 2
    dg = g1 - g2
    H += (pi1[:, None, None] * H1 + pi2[:, None, None] * H2
          + (pi1 * pi2)[:, None, None] * dg[:, :, None] * dg[:, None, :])
    return const, l1, lse, grad, H
