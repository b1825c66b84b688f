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
``t_x == T``), and the gradient is analytic.

Two implementations of these formulas live here.  The *reference* one (``_series``,
``_log_G``, ``_parts``) works on whole arrays with numpy and scipy; rows with z > 0.9 (only
when one of α, β is ten times the other) fall back to :func:`scipy.special.hyp2f1` there.
It serves :func:`p_alive` and the predictions.  The *fused kernel* (``_rows``, used by
:func:`loglike`, :func:`score`, :func:`loglike_and_score` and the weighted sums for fitting)
runs one compiled pass over the customers: the x-only terms (log-gamma, digamma, trigamma
and the series coefficients) once per distinct frequency, ``G(0)`` once per distinct
frequency for the customers with ``t_x = 0``, and for each customer both series (at t_x
and T) summed in one loop, then log G, ``d = log G(T) - log G(t_x)`` and
``log L = const + l1 + log1p(s G(t_x) e^-l1 (-expm1(d)))`` with
``l1 = -(r+x) log(α+T) - s log(β+T)`` (the other way round when that ratio would overflow).
It also returns the exact Hessian, from the second derivatives of the same series.  It
sums the series itself up to z = 0.99 (coefficients by their recurrence above z = 0.9)
and leaves rows beyond that (α and β a hundred times apart, z > 0.99 at t_x) to
:func:`_log_A_quadrature`: ``A`` as the integral it is, by composite Gauss-Legendre
quadrature in ``log(α+τ)``, whose cost does not grow as z approaches 1 (fits heading to
s, β -> ∞, homogeneous dropout, put every row there; the series would need 10^5-10^6 terms).

The predictions that mix over the death time, P(X(t) = n) and DERT (any horizon), are
integrals of log-concave functions evaluated by :mod:`custvalue.math.logconcave` rather
than through 2F1 or Tricomi's U (see those functions); with the likelihood's terms they are
checked against mpmath over shapes and scales in [1e-2, 1e4], x <= 500 and T <= 1e4 in
``tests/clv/test_extreme_parameters.py``.
Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``,
``loglike_and_score``, ``weighted_loglike_and_score``, ``weighted_loglike_score_hessian``,
``data_levels``.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
from numba import njit, prange
from scipy.special import gammaln, hyp2f1, psi, zeta

from ._checks import check_param, params
from ._jit import parallel_kernel
from .logconcave import interpolate_smooth, log_integral

__all__ = [
    "loglike", "score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "dert", "loglike_and_score",
    "weighted_loglike_and_score", "weighted_loglike_score_hessian", "data_levels",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ("infinite", "finite")
HORIZON_WEIGHTS = False
TIME_SCALE = False

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


# ---- the fused compiled kernel -----------------------------------------------------------
# The functions above are the reference formulation (numpy, one array operation at a time).
# The likelihood, its gradient and its Hessian for fitting come from one compiled pass over
# the customers below, with the same mathematics (see the module docstring).

_ZTAB = 0.9     # series coefficients from a per-level table up to this z ...
_ZINLINE = 0.99  # ... and from the recurrence inline up to this one; beyond, the quadrature
_NCHUNK = 64    # fixed row blocks: the sums do not depend on the number of threads
_PARALLEL_ROWS = 50_000  # below this many rows, one thread (see _threads)
_NACC = 26      # ll, gradient (4), Hessian (10), Hessian of log A in (a, k, M, m) (10), weight
_TRI = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))


@njit(cache=True)
def _coef_table(b, c, n_terms):  # pragma: no cover - compiled
    """Coefficients of the series of 2F1(1, b; c; z) for each level (table rows
    ``off[l]:off[l+1]``): for term n, ``c_n = (b)_n/(c)_n`` and its derivatives
    ``∂c_n/∂b = c_n Σ1/(b+j)``, ``∂c_n/∂c = -c_n Σ1/(c+j)``,
    ``∂²c_n/∂b² = c_n Σ_{i≠j} 1/((b+i)(b+j))``, ``∂²c_n/∂b∂c = -c_n Σ1/(b+j) Σ1/(c+j)`` and
    ``∂²c_n/∂c² = c_n ((Σ1/(c+j))² + Σ1/(c+j)²)``, sums over j < n."""
    U = b.shape[0]
    off = np.empty(U + 1, dtype=np.int64)
    off[0] = 0
    for l in range(U):
        off[l + 1] = off[l] + n_terms[l]
    tab = np.empty((off[U], 6))
    for l in range(U):
        coef = 1.0
        cb = 0.0
        cc = 0.0
        ebb = 0.0  # cb² - Σ1/(b+j)², built from positive increments
        ecc = 0.0  # cc² + Σ1/(c+j)²
        for n in range(n_terms[l]):
            row = off[l] + n
            tab[row, 0] = coef
            tab[row, 1] = coef * cb
            tab[row, 2] = -coef * cc
            tab[row, 3] = coef * ebb
            tab[row, 4] = -coef * cb * cc
            tab[row, 5] = coef * ecc
            ib = 1.0 / (b[l] + n)
            ic = 1.0 / (c[l] + n)
            coef *= (b[l] + n) * ic
            ebb += 2.0 * cb * ib
            ecc += 2.0 * cc * ic + 2.0 * ic * ic
            cb += ib
            cc += ic
    return off, tab


@njit(cache=True, error_model="numpy")
def _series_sums(b, c, z1, z2, two, tab, lo, hi, hess):  # pragma: no cover - compiled
    """S = 2F1(1, b; c; z) and its derivatives in b, c, z (order: S, b, c, z, bz, cz, zz,
    bb, bc, cc; the second ones only if ``hess``) at z1 and, if ``two``, at z2 <= z1 (the
    two times of one customer share the coefficients), summed term by term until
    z1^(n-1) < 1e-17 (as _series' K).  Coefficients come from the level's table rows
    ``lo:hi`` when z1 <= _ZTAB (the table is long enough for every such row of the level),
    else from the recurrence inline."""
    A0 = A1 = A2 = A3 = A4 = A5 = A6 = A7 = A8 = A9 = 0.0
    B0 = B1 = B2 = B3 = B4 = B5 = B6 = B7 = B8 = B9 = 0.0
    p = 1.0    # z1^n
    q = 0.0    # z1^(n-1)
    q2 = 0.0   # z1^(n-2)
    pp = 1.0   # the same powers of z2
    qq = 0.0
    qq2 = 0.0
    nf = 0.0
    if z1 <= _ZTAB and not two:  # the common cases get their own loops (no branches inside)
        for row in range(lo, hi):
            c0 = tab[row, 0]
            c1 = tab[row, 1]
            c2 = tab[row, 2]
            n0 = nf * c0
            A0 += c0 * p
            A1 += c1 * p
            A2 += c2 * p
            A3 += n0 * q
            if hess:
                A4 += nf * c1 * q
                A5 += nf * c2 * q
                A6 += (nf - 1.0) * n0 * q2
                A7 += tab[row, 3] * p
                A8 += tab[row, 4] * p
                A9 += tab[row, 5] * p
            q2 = q
            q = p
            p *= z1
            nf += 1.0
            if nf >= 3.0 and q2 < _EPS:
                break
        return A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, B0, B1, B2, B3, B4, B5, B6, B7, B8, B9
    if z1 <= _ZTAB:
        for row in range(lo, hi):
            c0 = tab[row, 0]
            c1 = tab[row, 1]
            c2 = tab[row, 2]
            n0 = nf * c0
            A0 += c0 * p
            A1 += c1 * p
            A2 += c2 * p
            A3 += n0 * q
            B0 += c0 * pp
            B1 += c1 * pp
            B2 += c2 * pp
            B3 += n0 * qq
            if hess:
                c3 = tab[row, 3]
                c4 = tab[row, 4]
                c5 = tab[row, 5]
                n1 = nf * c1
                n2 = nf * c2
                nn0 = (nf - 1.0) * n0
                A4 += n1 * q
                A5 += n2 * q
                A6 += nn0 * q2
                A7 += c3 * p
                A8 += c4 * p
                A9 += c5 * p
                B4 += n1 * qq
                B5 += n2 * qq
                B6 += nn0 * qq2
                B7 += c3 * pp
                B8 += c4 * pp
                B9 += c5 * pp
            q2 = q
            q = p
            p *= z1
            qq2 = qq
            qq = pp
            pp *= z2
            nf += 1.0
            if nf >= 3.0 and q2 < _EPS:
                break
        return A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, B0, B1, B2, B3, B4, B5, B6, B7, B8, B9
    # z1 > _ZTAB (alpha and beta far apart, small t): coefficients by the recurrence
    coef = 1.0
    cb = 0.0
    cc = 0.0
    ebb = 0.0
    ecc = 0.0
    while True:
        c1 = coef * cb
        c2 = -coef * cc
        c3 = coef * ebb
        c4 = c2 * cb
        c5 = coef * ecc
        n0 = nf * coef
        A0 += coef * p
        A1 += c1 * p
        A2 += c2 * p
        A3 += n0 * q
        if two:
            B0 += coef * pp
            B1 += c1 * pp
            B2 += c2 * pp
            B3 += n0 * qq
        if hess:
            n1 = nf * c1
            n2 = nf * c2
            nn0 = (nf - 1.0) * n0
            A4 += n1 * q
            A5 += n2 * q
            A6 += nn0 * q2
            A7 += c3 * p
            A8 += c4 * p
            A9 += c5 * p
            if two:
                B4 += n1 * qq
                B5 += n2 * qq
                B6 += nn0 * qq2
                B7 += c3 * pp
                B8 += c4 * pp
                B9 += c5 * pp
        bn = b + nf
        cn = c + nf
        inv = 1.0 / (bn * cn)
        ib = cn * inv
        ic = bn * inv
        coef *= bn * ic
        ebb += 2.0 * cb * ib
        ecc += 2.0 * cc * ic + 2.0 * ic * ic
        cb += ib
        cc += ic
        q2 = q
        q = p
        p *= z1
        qq2 = qq
        qq = pp
        pp *= z2
        nf += 1.0
        if nf >= 3.0 and q2 < _EPS:
            break
    return A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, B0, B1, B2, B3, B4, B5, B6, B7, B8, B9


@njit(cache=True, error_model="numpy")
def _G_parts(t, lMt, lmt, a, k, loga, M, m, S, Sb, Sc, Sz, Sbz, Scz, Szz, Sbb, Sbc, Scc,
             hess):  # pragma: no cover - compiled
    """log G(t) without its ``log S`` term, the gradient of log G in (a, k, M, m) and (if
    ``hess``) its Hessian (upper triangle: aa, ak, aM, am, kk, kM, km, MM, Mm, mm), from the
    series sums of :func:`_series_sums`; see _log_G."""
    iMt = 1.0 / (M + t)
    imt = 1.0 / (m + t)
    iS = 1.0 / S
    b = a + 1.0 - k
    lb = Sb * iS
    lc = Sc * iS
    lz = Sz * iS
    zM = (m + t) * iMt * iMt
    zm = -iMt
    lgp = -a * lMt - loga + (1.0 - k) * (lmt - lMt)
    ga = -lMt - 1.0 / a + lb + lc
    gk = -(lmt - lMt) - lb
    gM = -b * iMt + lz * zM
    gm = (1.0 - k) * imt + lz * zm
    if not hess:
        return lgp, ga, gk, gM, gm, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    lbb = Sbb * iS - lb * lb
    lbc = Sbc * iS - lb * lc
    lcc = Scc * iS - lc * lc
    lbz = Sbz * iS - lb * lz
    lcz = Scz * iS - lc * lz
    lzz = Szz * iS - lz * lz
    zMM = -2.0 * zM * iMt
    zMm = iMt * iMt
    return (lgp, ga, gk, gM, gm,
            1.0 / (a * a) + lbb + 2.0 * lbc + lcc,             # aa
            -lbb - lbc,                                       # ak
            -iMt + (lbz + lcz) * zM,                          # aM
            (lbz + lcz) * zm,                                 # am
            lbb,                                              # kk
            iMt - lbz * zM,                                   # kM
            -imt - lbz * zm,                                  # km
            b * iMt * iMt + lzz * zM * zM + lz * zMM,         # MM
            lzz * zM * zm + lz * zMm,                         # Mm
            -(1.0 - k) * imt * imt + lzz * zm * zm)           # mm


@njit(cache=True, error_model="numpy")
def _level_G0(a, k, loga, M, m, off, tab, has_zero, hess, lg0, dg0, hg0):  # pragma: no cover - compiled
    """log G(0) and its derivatives once per distinct frequency (customers with t_x = 0)."""
    lM = np.log(M)
    lm = np.log(m)
    z = (M - m) / M
    for l in range(a.shape[0]):
        if has_zero[l]:
            b = a[l] + 1.0 - k[l]
            s = _series_sums(b, a[l] + 1.0, z, 0.0, False, tab, off[l], off[l + 1], hess)
            v = _G_parts(0.0, lM, lm, a[l], k[l], loga[l], M, m, s[0], s[1], s[2], s[3], s[4], s[5],
                         s[6], s[7], s[8], s[9], hess)
            lg0[l] = v[0] + np.log(s[0])
            for j in range(4):
                dg0[l, j] = v[1 + j]
            for j in range(10):
                hg0[l, j] = v[5 + j]


@parallel_kernel(error_model="numpy")
def _rows(r, alpha, s, beta, x, t_x, T, w, lev, skip, lv_a, lv_k, lv_loga, lv_const, lv_dr, lv_trig,
          lg0, dg0, hg0, off, tab, hess, ll_out, sc_out, acc):  # pragma: no cover - compiled
    """One fused pass over customers: per-row log-likelihood and gradient (into ``ll_out``,
    ``sc_out`` when they have n rows) and, per block of rows, the weighted sums of the
    log-likelihood, gradient and (if ``hess``) Hessian (into ``acc``, see _NACC).  Rows with
    ``skip`` set (z > 0.99) are left to the quadrature (:func:`_quadrature_rows`).

    Per row: ``l1 = -(r+x) log(α+T) - s log(β+T)`` (alive at T), ``l2 = log s + log A`` with
    ``A = G(t_x) - G(T) = G(t_x) (1 - e^d)``, and ``log L = const + l1 + log1p(ρ)`` with
    ``ρ = e^(l2-l1) = s G(t_x) e^(-l1) (-expm1(d))`` (the other way round when ρ overflows)."""
    n = x.shape[0]
    rows = ll_out.shape[0] == n
    has_skip = skip.shape[0] == n
    ab = alpha >= beta
    M = alpha if ab else beta
    m = beta if ab else alpha
    Mm = M - m
    log_s = np.log(s)
    log_alpha = np.log(alpha)
    log_beta = np.log(beta)
    nchunk = acc.shape[0]
    for ch in prange(nchunk):
        lo_i = ch * n // nchunk
        hi_i = (ch + 1) * n // nchunk
        s_ll = s_g0 = s_g1 = s_g2 = s_g3 = s_w = 0.0
        h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = h8 = h9 = 0.0
        u0 = u1 = u2 = u3 = u4 = u5 = u6 = u7 = u8 = u9 = 0.0
        for i in range(lo_i, hi_i):
            if has_skip and skip[i]:
                continue
            lv = lev[i]
            wi = w[i]
            tx = t_x[i]
            Ti = T[i]
            a = lv_a[lv]
            k = lv_k[lv]
            rx = r + x[i]
            lMT = np.log(M + Ti)
            lmT = np.log(m + Ti)
            laT = lMT if ab else lmT
            lbT = lmT if ab else lMT
            iaT = 1.0 / (alpha + Ti)
            ibT = 1.0 / (beta + Ti)
            l1 = -rx * laT - s * lbT
            e0 = -laT           # gradient of l1 in (r, alpha, s, beta)
            e1 = -rx * iaT
            e2 = -lbT
            e3 = -s * ibT
            lse = l1
            pi1 = 1.0
            pi2 = 0.0
            f0 = f1 = f2 = f3 = 0.0   # gradient of l2 = log s + log A in (r, alpha, s, beta)
            if tx < Ti:
                b = a + 1.0 - k
                lo = off[lv]
                hi = off[lv + 1]
                if tx == 0.0:
                    ss = _series_sums(b, a + 1.0, Mm / (M + Ti), 0.0, False, tab, lo, hi, hess)
                    g2 = _G_parts(Ti, lMT, lmT, a, k, lv_loga[lv], M, m, ss[0], ss[1], ss[2], ss[3],
                                  ss[4], ss[5], ss[6], ss[7], ss[8], ss[9], hess)
                    lg1 = lg0[lv]
                    d = g2[0] + np.log(ss[0]) - lg1
                    eta = lg1 + log_s - l1
                    S1 = 1.0
                    g1a = dg0[lv, 0]
                    g1k = dg0[lv, 1]
                    g1M = dg0[lv, 2]
                    g1m = dg0[lv, 3]
                    H10 = hg0[lv, 0]
                    H11 = hg0[lv, 1]
                    H12 = hg0[lv, 2]
                    H13 = hg0[lv, 3]
                    H14 = hg0[lv, 4]
                    H15 = hg0[lv, 5]
                    H16 = hg0[lv, 6]
                    H17 = hg0[lv, 7]
                    H18 = hg0[lv, 8]
                    H19 = hg0[lv, 9]
                else:
                    ss = _series_sums(b, a + 1.0, Mm / (M + tx), Mm / (M + Ti), True, tab, lo, hi, hess)
                    g1 = _G_parts(tx, np.log(M + tx), np.log(m + tx), a, k, lv_loga[lv], M, m, ss[0], ss[1],
                                  ss[2], ss[3], ss[4], ss[5], ss[6], ss[7], ss[8], ss[9], hess)
                    g2 = _G_parts(Ti, lMT, lmT, a, k, lv_loga[lv], M, m, ss[10], ss[11], ss[12], ss[13],
                                  ss[14], ss[15], ss[16], ss[17], ss[18], ss[19], hess)
                    d = g2[0] - g1[0] + np.log(ss[10] / ss[0])
                    lg1 = g1[0]      # without log S1: e^eta below is multiplied by S1
                    eta = lg1 + log_s - l1
                    S1 = ss[0]
                    g1a = g1[1]
                    g1k = g1[2]
                    g1M = g1[3]
                    g1m = g1[4]
                    H10 = g1[5]
                    H11 = g1[6]
                    H12 = g1[7]
                    H13 = g1[8]
                    H14 = g1[9]
                    H15 = g1[10]
                    H16 = g1[11]
                    H17 = g1[12]
                    H18 = g1[13]
                    H19 = g1[14]
                if d < 0.0:  # A = G(t_x) - G(T) > 0 (exactly zero when t_x == T)
                    em = -np.expm1(d)
                    w1 = 1.0 / em
                    w2 = w1 - 1.0
                    if eta < 700.0:
                        rho = S1 * np.exp(eta) * em
                        lse = l1 + np.log1p(rho)
                        pi1 = 1.0 / (1.0 + rho)
                        pi2 = rho * pi1
                    else:  # the dead term dominates by more than e^700
                        l2 = l1 + eta + np.log(S1) + np.log(em)
                        e = np.exp(l1 - l2)
                        lse = l2 + np.log1p(e)
                        pi2 = 1.0 / (1.0 + e)
                        pi1 = e * pi2
                    da = w1 * g1a - w2 * g2[1]   # ∇ log A in (a, k, M, m)
                    dk = w1 * g1k - w2 * g2[2]
                    dM = w1 * g1M - w2 * g2[3]
                    dm = w1 * g1m - w2 * g2[4]
                    if ab:
                        f0 = da
                        f1 = dM
                        f2 = 1.0 / s + da + dk
                        f3 = dm
                    else:
                        f0 = da + dk
                        f1 = dm
                        f2 = 1.0 / s + da
                        f3 = dM
                    if hess:
                        ww = wi * pi2
                        w12 = w1 * w2
                        q0 = g1a - g2[1]
                        q1 = g1k - g2[2]
                        q2 = g1M - g2[3]
                        q3 = g1m - g2[4]
                        u0 += ww * (w1 * H10 - w2 * g2[5] - w12 * q0 * q0)
                        u1 += ww * (w1 * H11 - w2 * g2[6] - w12 * q0 * q1)
                        u2 += ww * (w1 * H12 - w2 * g2[7] - w12 * q0 * q2)
                        u3 += ww * (w1 * H13 - w2 * g2[8] - w12 * q0 * q3)
                        u4 += ww * (w1 * H14 - w2 * g2[9] - w12 * q1 * q1)
                        u5 += ww * (w1 * H15 - w2 * g2[10] - w12 * q1 * q2)
                        u6 += ww * (w1 * H16 - w2 * g2[11] - w12 * q1 * q3)
                        u7 += ww * (w1 * H17 - w2 * g2[12] - w12 * q2 * q2)
                        u8 += ww * (w1 * H18 - w2 * g2[13] - w12 * q2 * q3)
                        u9 += ww * (w1 * H19 - w2 * g2[14] - w12 * q3 * q3)
            ll = lv_const[lv] + lse
            gr = lv_dr[lv] + log_alpha + pi1 * e0 + pi2 * f0
            gal = r / alpha + pi1 * e1 + pi2 * f1
            gs = log_beta + pi1 * e2 + pi2 * f2
            gbe = s / beta + pi1 * e3 + pi2 * f3
            if rows:
                ll_out[i] = ll
                sc_out[i, 0] = gr
                sc_out[i, 1] = gal
                sc_out[i, 2] = gs
                sc_out[i, 3] = gbe
            s_ll += wi * ll
            s_g0 += wi * gr
            s_g1 += wi * gal
            s_g2 += wi * gs
            s_g3 += wi * gbe
            s_w += wi
            if hess:
                p12 = wi * pi1 * pi2
                d0 = e0 - f0
                d1 = e1 - f1
                d2 = e2 - f2
                d3 = e3 - f3
                wp1 = wi * pi1
                h0 += wi * lv_trig[lv] + p12 * d0 * d0
                h1 += -wp1 * iaT + p12 * d0 * d1
                h2 += p12 * d0 * d2
                h3 += p12 * d0 * d3
                h4 += wp1 * rx * iaT * iaT + p12 * d1 * d1
                h5 += p12 * d1 * d2
                h6 += p12 * d1 * d3
                h7 += -wi * pi2 / (s * s) + p12 * d2 * d2
                h8 += -wp1 * ibT + p12 * d2 * d3
                h9 += wp1 * s * ibT * ibT + p12 * d3 * d3
        acc[ch, 0] = s_ll
        acc[ch, 1] = s_g0
        acc[ch, 2] = s_g1
        acc[ch, 3] = s_g2
        acc[ch, 4] = s_g3
        acc[ch, 5] = h0
        acc[ch, 6] = h1
        acc[ch, 7] = h2
        acc[ch, 8] = h3
        acc[ch, 9] = h4
        acc[ch, 10] = h5
        acc[ch, 11] = h6
        acc[ch, 12] = h7
        acc[ch, 13] = h8
        acc[ch, 14] = h9
        acc[ch, 15] = u0
        acc[ch, 16] = u1
        acc[ch, 17] = u2
        acc[ch, 18] = u3
        acc[ch, 19] = u4
        acc[ch, 20] = u5
        acc[ch, 21] = u6
        acc[ch, 22] = u7
        acc[ch, 23] = u8
        acc[ch, 24] = u9
        acc[ch, 25] = s_w


@contextmanager
def _threads(n):
    """Small inputs run on one thread: below _PARALLEL_ROWS rows a pass takes a few
    milliseconds, and when another process keeps a core busy, waiting for a second thread
    costs more than it saves.  Large inputs use every thread, handing out the row blocks one
    at a time (a descheduled thread then holds up the pass by one block at most)."""
    if n < _PARALLEL_ROWS:
        prev = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(prev)
    else:
        with numba.parallel_chunksize(1):
            yield


def data_levels(x, t_x):
    """Distinct frequencies, each row's position among them and the smallest recency at each
    (what the compiled kernel needs about the data; computed once per data set).

    Parameters
    ----------
    x, t_x : array-like
        Frequency and recency of each row (same length).

    Returns
    -------
    tuple of numpy.ndarray
        The sorted distinct frequencies, the index of each row's frequency among them and,
        per distinct frequency, the smallest recency (which sets the number of series terms).

    Examples
    --------
    >>> xu, idx, tmin = data_levels([2.0, 0.0, 2.0], [30.0, 0.0, 12.5])
    >>> xu.tolist(), idx.tolist(), tmin.tolist()
    ([0.0, 2.0], [1, 0, 1], [0.0, 12.5])
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    t_x = np.asarray(t_x, dtype=float).reshape(-1)
    xmax = float(x.max()) if x.size else 0.0
    if x.size and x.min() >= 0 and xmax <= 4 * x.size + 1000 and np.array_equal(x, np.floor(x)):
        xi = x.astype(np.int64)  # whole counts: distinct values by counting, no sort
        xu_i = np.flatnonzero(np.bincount(xi))
        pos = np.zeros(int(xmax) + 1, dtype=np.int64)
        pos[xu_i] = np.arange(xu_i.size)
        xu, idx = xu_i.astype(float), pos[xi]
    else:
        xu, idx = np.unique(x, return_inverse=True)
        idx = idx.reshape(-1).astype(np.int64)
    tmin = np.full(xu.size, np.inf)
    np.minimum.at(tmin, idx, t_x)
    return xu, idx, tmin


_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)  # Gauss-Legendre nodes per panel
_PANEL_RISE = 2.0  # the log-integrand changes by at most this much across one panel


@parallel_kernel(error_model="numpy")
def _log_A_quadrature(r, alpha, s, beta, x, t_x, T, lA, dA, hA):  # pragma: no cover - compiled
    """``log A = log ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` (FH05 eq. 19) with its
    gradient and Hessian in (r, α, s, β), by composite Gauss-Legendre quadrature in
    ``u = log(α+τ)`` (12 nodes per panel), for rows with ``t_x < T``.

    In u the log-integrand ``ψ(u) = (1-r-x) u - (s+1) log(β+τ)`` has the slope
    ``(1-r-x) - (s+1) (α+τ)/(β+τ)``, the ratio being monotone in τ (decreasing when α >= β).
    Each panel is sized so that ψ changes by at most 2 across it, from the largest ratio on
    the panel (at its start when α >= β, else at the end of the interval), which makes 12
    nodes exact to rounding; panels stop once the rest of the interval, bounded by
    ``e^{ψ(v)} / |largest slope|`` from the panel's end v, is below 1e-17 of the sum.  The
    derivatives are the integrals of the integrand times ``∂ψ/∂θ`` (and
    ``∂ψ/∂θ ∂ψ/∂θ' + ∂²ψ/∂θ∂θ'``), differentiated under the integral in τ. Unlike the
    hypergeometric series it does not slow down when α and β are far apart (z near 1)."""
    n = x.shape[0]
    k2 = s + 1.0
    for i in prange(n):
        k1 = r + x[i]
        a0 = alpha + t_x[i]
        b0 = beta + t_x[i]
        u0 = np.log(a0)
        span = np.log(alpha + T[i]) - u0
        ratio0 = a0 / b0
        ratio1 = (alpha + T[i]) / (beta + T[i])
        rmax = max(ratio0, ratio1)
        top = (1.0 - k1) - k2 * min(ratio0, ratio1)  # the largest slope of ψ
        I0 = 0.0
        I1 = np.zeros(4)
        I2 = np.zeros((4, 4))
        g = np.zeros(4)
        lo = 0.0
        done = False
        while not done:
            if lo > 0.0 and top < 0.0:
                # ψ(v) - ψ(0) <= top (v - lo) beyond lo: the rest (relative to e^{ψ(0)}, as
                # I0) is below e^{ψ(lo) - ψ(0)} / |top|
                psi_lo = (1.0 - k1) * lo - k2 * np.log1p(a0 * np.expm1(lo) / b0)
                if np.exp(psi_lo) / (-top) < 1e-17 * I0:
                    break
            if alpha >= beta:  # the ratio decreases along the interval: its value at lo
                rmax = a0 * np.exp(lo) / (b0 + a0 * np.expm1(lo))
            h = _PANEL_RISE / (abs(1.0 - k1) + k2 * rmax)
            if h >= span - lo:
                h = span - lo
                done = True
            for j in range(_GL_X.shape[0]):
                v = lo + 0.5 * h * (_GL_X[j] + 1.0)  # u - u0
                tau_a = a0 * np.exp(v)  # α + τ
                tau_b = b0 + a0 * np.expm1(v)  # β + τ
                la = np.log(tau_a)
                lb = np.log(tau_b)
                # integrand in u relative to its value at u0 (the dτ = e^u du included)
                f = 0.5 * h * _GL_W[j] * np.exp((1.0 - k1) * v - k2 * (lb - np.log(b0)))
                g[0] = -la
                g[1] = -k1 / tau_a
                g[2] = -lb
                g[3] = -k2 / tau_b
                I0 += f
                for q in range(4):
                    I1[q] += f * g[q]
                    for q2 in range(q, 4):
                        I2[q, q2] += f * g[q] * g[q2]
                I2[0, 1] += f * (-1.0 / tau_a)
                I2[1, 1] += f * (k1 / (tau_a * tau_a))
                I2[2, 3] += f * (-1.0 / tau_b)
                I2[3, 3] += f * (k2 / (tau_b * tau_b))
            lo += h
        lA[i] = (1.0 - k1) * u0 - k2 * np.log(b0) + np.log(I0)
        for q in range(4):
            dA[i, q] = I1[q] / I0
        for q in range(4):
            for q2 in range(q, 4):
                v2 = I2[q, q2] / I0 - dA[i, q] * dA[i, q2]
                hA[i, q, q2] = v2
                hA[i, q2, q] = v2


def _far_rows(alpha, beta, t_x, T):
    """Rows whose series would need z > 0.99 at t_x (α and β a hundred times apart) and
    that have an integral A to compute (t_x < T): these take the quadrature."""
    M, m = max(alpha, beta), min(alpha, beta)
    if (M - m) / M <= _ZINLINE:  # z is largest at t = 0
        return np.zeros(np.shape(t_x), dtype=bool)
    return (t_x < T) & ((M - m) / (M + t_x) > _ZINLINE)


def _quadrature_rows(r, alpha, s, beta, x, t_x, T, hess):
    """Per-row log-likelihood, gradient and (if ``hess``) Hessian for rows with ``t_x < T``
    where α and β are far apart (z > 0.99): ``A`` by :func:`_log_A_quadrature`, the rest by
    :func:`_mixture`."""
    n = x.size
    lA, dA, hA = np.empty(n), np.empty((n, 4)), np.empty((n, 4, 4))
    _log_A_quadrature(r, alpha, s, beta, x, t_x, T, lA, dA, hA)
    const, _, lse, grad, H = _mixture(r, alpha, s, beta, x, T, lA, dA, hA if hess else None)
    return const + lse, grad, H


def _evaluate(r, alpha, s, beta, x, t_x, T, weights=None, levels=None, rows=True, hess=False):
    """Run the fused kernel (plus the quadrature for rows with z > 0.99).

    Returns per-row (ll, score) when ``rows`` (else empty arrays), the weighted sums
    (ll, gradient) and, when ``hess``, the Hessian of the weighted sum."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
    x, t_x, T = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), shape).reshape(-1))
                 for v in (x, t_x, T))
    n = x.shape[0]
    w = np.ones(n) if weights is None else np.ascontiguousarray(weights, dtype=float).reshape(-1)
    r, alpha, s, beta = (float(v) for v in (r, alpha, s, beta))
    ll_out = np.empty(n if rows else 0)
    sc_out = np.empty((n if rows else 0, 4))
    if not all(np.isfinite(v) and v > 0 for v in (r, alpha, s, beta)):
        ll_out[:] = np.nan
        sc_out[:] = np.nan
        return ll_out, sc_out, np.nan, np.full(4, np.nan), np.full((4, 4), np.nan)
    xu, idx, tmin = data_levels(x, t_x) if levels is None else levels
    ab = alpha >= beta
    M, m = (alpha, beta) if ab else (beta, alpha)
    a = r + s + xu
    k = np.full_like(xu, s + 1.0) if ab else r + xu
    with np.errstate(divide="ignore", invalid="ignore"):
        zl = np.minimum((M - m) / (M + tmin), _ZTAB)
        n_terms = np.ceil(np.log(_EPS) / np.log(zl)) + 3
    n_terms = np.where(zl > 0, n_terms, 3).astype(np.int64)
    off, tab = _coef_table(a + 1.0 - k, a + 1.0, n_terms)
    loga = np.log(a)
    U = xu.size
    lg0, dg0, hg0 = np.zeros(U), np.zeros((U, 4)), np.zeros((U, 10))
    has_zero = tmin == 0.0
    skip = np.empty(0, dtype=np.bool_)
    z0 = (M - m) / M
    if z0 > _ZINLINE:  # α, β 100 times apart: rows with z > 0.99 go to the quadrature
        skip = _far_rows(alpha, beta, t_x, T)
        has_zero[:] = False  # every row with t_x = 0 < T is among them
    if has_zero.any():  # G(0) once per distinct frequency
        _level_G0(a, k, loga, M, m, off, tab, has_zero, hess, lg0, dg0, hg0)  # z0 <= 0.99
    const = gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    dr = psi(r + xu) - psi(r)
    trig = zeta(2.0, r + xu) - zeta(2.0, r) if hess else dr  # trigamma
    acc = np.zeros((_NCHUNK, _NACC))
    with np.errstate(all="ignore"), _threads(n):
        _rows(r, alpha, s, beta, x, t_x, T, w, idx, skip, a, k, loga, const, dr, trig,
              lg0, dg0, hg0, off, tab, hess, ll_out, sc_out, acc)
    tot = acc.sum(axis=0)
    ll, grad = float(tot[0]), tot[1:5].copy()
    H = None
    if hess:
        H = np.zeros((4, 4))
        Hu = np.zeros((4, 4))
        for j, (p_, q_) in enumerate(_TRI):
            H[p_, q_] = H[q_, p_] = tot[5 + j]
            Hu[p_, q_] = Hu[q_, p_] = tot[15 + j]
        sw = tot[25]
        H[0, 1] += sw / alpha
        H[1, 0] += sw / alpha
        H[1, 1] -= sw * r / alpha ** 2
        H[2, 3] += sw / beta
        H[3, 2] += sw / beta
        H[3, 3] -= sw * s / beta ** 2
        # (a, k, M, m) -> (r, alpha, s, beta): a = r + s + x; k = s + 1 or r + x
        J = (np.array([[1, 0, 0, 0], [0, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], dtype=float) if ab else
             np.array([[1, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]], dtype=float))
        H += J @ Hu @ J.T
    if skip.size and skip.any():
        sub = np.flatnonzero(skip)
        ll_s, g_s, jac_s = _quadrature_rows(r, alpha, s, beta, x[sub], t_x[sub], T[sub], hess)
        if rows:
            ll_out[sub] = ll_s
            sc_out[sub] = g_s
        ll += float(w[sub] @ ll_s)
        grad += w[sub] @ g_s
        if hess:
            H += np.einsum("i,ijk->jk", w[sub], jac_s)
    if hess:
        H = 0.5 * (H + H.T)  # J Hu J' sums its terms in different orders above and below
    return ll_out, sc_out, ll, grad, H


def weighted_loglike_and_score(r, alpha, s, beta, x, t_x, T, weights, levels=None):
    """``sum_i w_i log L_i`` and its gradient w.r.t. (r, alpha, s, beta) in one compiled pass.

    The x-only terms (log-gamma, digamma, the series coefficients) are evaluated once per
    distinct frequency; the per-customer part runs compiled over all cores.

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``data_levels(x, t_x)``, precomputed.

    Returns
    -------
    tuple
        (log-likelihood, gradient array of shape (4,)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> ll, g = weighted_loglike_and_score(0.55, 10.58, 0.61, 11.67, x, t_x, T, np.ones(2))
    >>> round(float(ll), 3), g.shape
    (-10.079, (4,))
    """
    _, _, ll, grad, _ = _evaluate(r, alpha, s, beta, x, t_x, T, weights, levels, rows=False)
    return ll, grad


def weighted_loglike_score_hessian(r, alpha, s, beta, x, t_x, T, weights, levels=None):
    """``sum_i w_i log L_i``, its gradient and its exact Hessian w.r.t. (r, alpha, s, beta).

    The Hessian is analytic: second derivatives of the series (summed with the same terms
    as the value), of ``log A = log(G(t_x) - G(T))`` and of the log-sum-exp of the two
    likelihood terms; for rows with z > 0.99 (α and β a hundred times apart) the integral
    ``A`` and its first and second derivatives come from the same quadrature.

    Parameters
    ----------
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``data_levels(x, t_x)``, precomputed.

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (4,), Hessian of shape (4, 4)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> ll, g, H = weighted_loglike_score_hessian(0.55, 10.58, 0.61, 11.67, x, t_x, T, np.ones(2))
    >>> H.shape, bool(np.allclose(H, H.T))
    ((4, 4), True)
    """
    _, _, ll, grad, H = _evaluate(r, alpha, s, beta, x, t_x, T, weights, levels, rows=False, hess=True)
    return ll, grad, H


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
    ll = _evaluate(r, alpha, s, beta, x, t_x, T)[0]
    return ll.reshape(np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T)))


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
    return _evaluate(r, alpha, s, beta, x, t_x, T)[1]


@params(r="positive", alpha="positive", s="positive", beta="positive")
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


@params(delta="nonnegative", r="positive", alpha="positive", s="positive", beta="positive")
def dert(delta, r, alpha, s, beta, x, t_x, T, horizon=None):
    """Discounted expected residual transactions, FHL-JMR eq. (2) (infinite horizon)::

        DERT = α^r β^s δ^(s-1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L)
             = P(alive) (r+x)/(α+T) ∫_0^H e^(-δτ) ((β+T)/(β+T+τ))^s dτ,

    with δ the continuously compounded discount rate per time unit and U Tricomi's
    confluent hypergeometric function of the second kind; the second line (the integral of
    ``e^{-δτ} dE[Y(τ)]``, since ``dE[Y]/dτ = P(alive) (r+x)/(α+T) P(alive at T+τ | alive
    at T)``) also gives the finite horizon H.  The integral is evaluated by
    :func:`custvalue.math.logconcave.log_integral` in ``u = log(τ/(β+T))``, not through U
    (scipy's ``hyperu`` returns NaN for integer s >= 8 at small arguments, and
    ``(β+T)^s`` overflows for large s).

    Parameters
    ----------
    delta : float
        Continuously compounded discount rate per time unit (> 0; 0 allowed with a finite
        horizon).
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
        check_param(delta, "delta", "positive", "dert (an infinite horizon)")
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    if horizon is not None and not horizon > 0:
        return np.zeros(x.shape)
    pa = p_alive(r, alpha, s, beta, x, t_x, T)
    log_H = np.inf if horizon is None else np.log(float(horizon))

    def log_disc(y):  # log ∫_0^H e^{-δτ} (1 + τ/B)^-s dτ at B = e^y
        with np.errstate(invalid="ignore"):
            return y + log_integral(1.0, s, 0.0, 1.0, 1.0, delta * np.exp(y), -np.inf, log_H - y)
    # one integral per distinct β+T, or an interpolant checked against them for many
    disc = np.exp(interpolate_smooth(log_disc, np.log(beta + T)))
    return pa * (r + x) / (alpha + T) * disc


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
    ll, sc = _evaluate(r, alpha, s, beta, x, t_x, T)[:2]
    return ll, sc
