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
from scipy.special import gammaln, hyp2f1, psi, zeta

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
    if not grad:
        const, l1, lse, _, _ = _mixture(r, alpha, s, beta, x, T, log_A)
        return const, l1, lse, None
    has_a = d < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w1 = np.where(has_a, 1.0 / -np.expm1(np.where(has_a, d, -1.0)), 0.0)
    w2 = np.where(has_a, w1 - 1.0, 0.0)

    dA_a, dA_k, dA_M, dA_m = (w1 * g1.reshape(x.shape) - w2 * g2.reshape(x.shape)
                              for g1, g2 in zip(G1[1:], G2[1:]))
    if alpha >= beta:
        dA = (dA_a, dA_M, dA_a + dA_k, dA_m)   # d log A / d (r, alpha, s, beta)
    else:
        dA = (dA_a + dA_k, dA_m, dA_a, dA_M)
    dA = np.column_stack([np.ravel(v) for v in np.broadcast_arrays(*dA)])
    const, l1, lse, g, _ = _mixture(r, alpha, s, beta, x.ravel(), T.ravel(), log_A.ravel(), dA)
    return const.reshape(x.shape), l1.reshape(x.shape), lse.reshape(x.shape), g


def _mixture(r, alpha, s, beta, x, T, log_A, dA=None, hA=None):
    """FH05 eq. (19) from ``log A``: ``log L = const + lse``, ``lse = log(e^{l1} + s A)``
    with ``l1 = -(r+x) log(α+T) - s log(β+T)`` (alive at T), and, given the derivatives of
    ``log A`` in (r, α, s, β) (``dA``, shape (n, 4); ``hA``, shape (n, 4, 4)), the gradient
    and Hessian of each row's log-likelihood. Shared by the reference code (``A`` from the
    series) and the quadrature rows."""
    ux, inv = np.unique(x, return_inverse=True)
    inv = inv.reshape(np.shape(x))
    const = (gammaln(r + ux) - gammaln(r))[inv] + r * np.log(alpha) + s * np.log(beta)
    rx = r + x
    la_T, lb_T = np.log(alpha + T), np.log(beta + T)
    l1 = -rx * la_T - s * lb_T
    l2 = np.log(s) + log_A
    lse = np.logaddexp(l1, l2)
    if dA is None:
        return const, l1, lse, None, None
    n = l1.size
    pi1, pi2 = np.exp(l1 - lse).reshape(-1), np.exp(l2 - lse).reshape(-1)
    zero = np.zeros(n)
    g0 = np.column_stack([(psi(r + ux) - psi(r))[inv].reshape(-1) + np.log(alpha), zero + r / alpha,
                          zero + np.log(beta), zero + s / beta])
    rx, aT, bT = (np.broadcast_to(v, np.shape(l1)).reshape(-1) for v in (rx, alpha + T, beta + T))
    g1 = np.column_stack([-np.log(aT), -rx / aT, -np.log(bT), -s / bT])
    g2 = dA.copy()
    g2[:, 2] += 1.0 / s
    grad = g0 + pi1[:, None] * g1 + pi2[:, None] * g2
    if hA is None:
        return const, l1, lse, grad, None
    H = np.zeros((n, 4, 4))
    H[:, 0, 0] = (zeta(2.0, r + ux) - zeta(2.0, r))[inv].reshape(-1)  # trigamma
    H[:, 0, 1] = H[:, 1, 0] = 1.0 / alpha
    H[:, 1, 1] = -r / alpha ** 2
    H[:, 2, 3] = H[:, 3, 2] = 1.0 / beta
    H[:, 3, 3] = -s / beta ** 2
    H1 = np.zeros((n, 4, 4))
    H1[:, 0, 1] = H1[:, 1, 0] = -1.0 / aT
    H1[:, 1, 1] = rx / aT ** 2
    H1[:, 2, 3] = H1[:, 3, 2] = -1.0 / bT
    H1[:, 3, 3] = s / bT ** 2
    H2 = hA.copy()
    H2[:, 2, 2] -= 1.0 / s ** 2
    dg = g1 - g2
    H += (pi1[:, None, None] * H1 + pi2[:, None, None] * H2
          + (pi1 * pi2)[:, None, None] * dg[:, :, None] * dg[:, None, :])
    return const, l1, lse, grad, H
