"""Pareto/NBD fused kernel: the log-likelihood, its gradient and its exact Hessian in one
compiled pass over the customers (numba), for fitting (see the package docstring).

The public functions here (:func:`loglike`, :func:`score`, :func:`loglike_and_score`, the
weighted sums and :func:`data_levels`) check nothing, for speed; rows with z > 0.99 go to
:mod:`._quadrature`.  Every compiled function the pass calls lives in this file, so numba's
on-disk cache (keyed on this file) is invalidated whenever any of them changes.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
from numba import njit, prange
from scipy.special import gammaln, psi, zeta

from .._jit import parallel_kernel
from ._quadrature import _ZINLINE, _far_rows, _quadrature_rows

_ZTAB = 0.9     # series coefficients from a per-level table up to this z ...
#               # ... and from the recurrence inline up to _ZINLINE; beyond, the quadrature
_EPS = 1e-17    # series truncation (as _reference._EPS; a global of this file for numba's cache)
_NCHUNK = 64    # fixed row blocks: the sums do not depend on the number of threads
_PARALLEL_ROWS = 50_000  # below this many rows, one thread (see _threads)
_NACC = 26      # ll, gradient (4), Hessian (10), Hessian of log A in (a, k, M, m) (10), weight
_TRI = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))
#: column of a per-row Hessian's upper triangle (order of _TRI) holding entry (a, b)
_TRI_IDX = np.array([[0, 1, 2, 3], [1, 4, 5, 6], [2, 5, 7, 8], [3, 6, 8, 9]], dtype=np.int64)


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


# -- one α and one β per customer (static covariates) ----------------------------------------


@njit(cache=True, error_model="numpy")
def _individual_row(r, s, log_s, la, lb, xi, tx, Ti, lv, U, lv_a, lv_rx, lv_loga, lv_const, lv_dr, lv_trig,
                    off, tab, hess):  # pragma: no cover - compiled
    """One row of the pass of :func:`_rows` with a purchase-rate scale α_i and a death-rate
    scale β_i per row (static covariates): the log-likelihood, P(alive) (the share of the
    first term), the gradient in (r, log α_i, s, log β_i) and, if ``hess``, the Hessian's
    upper triangle in the same coordinates (order of ``_TRI``), as one tuple
    ``(ll, p_alive, g0..g3, h0..h9)``; the drivers :func:`_individual` (per-row outputs) and
    :func:`_individual_sums` (sums with the design columns) call it.

    The same series and the same log-space arithmetic as :func:`_rows`; what changes with
    per-row scales is that M = max(α_i, β_i), m = min(α_i, β_i) and the branch (k = s+1 when
    α_i >= β_i, else r+x) are the row's own, so the coefficient tables are per (frequency,
    branch): table ``lev[i]`` when α_i >= β_i, ``lev[i] + U`` otherwise.  G at t_x and at T
    come from two series passes (also for t_x = 0: G(0) depends on the row's α_i and β_i),
    the one at T (the smaller z) stopping after its own, fewer, terms.
    The drivers leave rows with z > 0.99 at t_x to the quadrature.  The Hessian of
    ``log A`` in (a, k, M, m) is mapped to (r, α, s, β) per row (the matrix J of
    :func:`_evaluate`), then to the log scales: ``∂/∂ log α = α ∂/∂α``,
    ``∂²/∂(log α)² = α² ∂²/∂α² + α ∂/∂α``."""
    alpha = np.exp(la)
    beta = np.exp(lb)
    ab = alpha >= beta
    M = alpha if ab else beta
    m = beta if ab else alpha
    Mm = M - m
    a = lv_a[lv]
    k = s + 1.0 if ab else lv_rx[lv]
    tb = lv if ab else lv + U
    rx = r + xi
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
    u0 = u1 = u2 = u3 = u4 = u5 = u6 = u7 = u8 = u9 = 0.0  # pi2 x Hessian of log A in (a, k, M, m)
    if tx < Ti:
        b = a + 1.0 - k
        # the two series one at a time: the one at T (smaller z) stops after its own terms
        ss = _series_sums(b, a + 1.0, Mm / (M + tx), 0.0, False, tab, off[tb], off[tb + 1], hess)
        st = _series_sums(b, a + 1.0, Mm / (M + Ti), 0.0, False, tab, off[tb], off[tb + 1], hess)
        g1 = _G_parts(tx, np.log(M + tx), np.log(m + tx), a, k, lv_loga[lv], M, m, ss[0], ss[1],
                      ss[2], ss[3], ss[4], ss[5], ss[6], ss[7], ss[8], ss[9], hess)
        g2 = _G_parts(Ti, lMT, lmT, a, k, lv_loga[lv], M, m, st[0], st[1], st[2], st[3],
                      st[4], st[5], st[6], st[7], st[8], st[9], hess)
        d = g2[0] - g1[0] + np.log(st[0] / ss[0])
        eta = g1[0] + log_s - l1  # without log S1: e^eta below is multiplied by S1
        S1 = ss[0]
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
            da = w1 * g1[1] - w2 * g2[1]   # ∇ log A in (a, k, M, m)
            dk = w1 * g1[2] - w2 * g2[2]
            dM = w1 * g1[3] - w2 * g2[3]
            dm = w1 * g1[4] - w2 * g2[4]
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
                w12 = w1 * w2
                q0 = g1[1] - g2[1]
                q1 = g1[2] - g2[2]
                q2 = g1[3] - g2[3]
                q3 = g1[4] - g2[4]
                u0 = pi2 * (w1 * g1[5] - w2 * g2[5] - w12 * q0 * q0)
                u1 = pi2 * (w1 * g1[6] - w2 * g2[6] - w12 * q0 * q1)
                u2 = pi2 * (w1 * g1[7] - w2 * g2[7] - w12 * q0 * q2)
                u3 = pi2 * (w1 * g1[8] - w2 * g2[8] - w12 * q0 * q3)
                u4 = pi2 * (w1 * g1[9] - w2 * g2[9] - w12 * q1 * q1)
                u5 = pi2 * (w1 * g1[10] - w2 * g2[10] - w12 * q1 * q2)
                u6 = pi2 * (w1 * g1[11] - w2 * g2[11] - w12 * q1 * q3)
                u7 = pi2 * (w1 * g1[12] - w2 * g2[12] - w12 * q2 * q2)
                u8 = pi2 * (w1 * g1[13] - w2 * g2[13] - w12 * q2 * q3)
                u9 = pi2 * (w1 * g1[14] - w2 * g2[14] - w12 * q3 * q3)
    ll = lv_const[lv] + r * la + s * lb + lse
    gr = lv_dr[lv] + la + pi1 * e0 + pi2 * f0
    gal = r / alpha + pi1 * e1 + pi2 * f1
    gs = lb + pi1 * e2 + pi2 * f2
    gbe = s / beta + pi1 * e3 + pi2 * f3
    k0 = gr
    k1 = alpha * gal
    k2 = gs
    k3 = beta * gbe
    o0 = o1 = o2 = o3 = o4 = o5 = o6 = o7 = o8 = o9 = 0.0
    if hess:
        p12 = pi1 * pi2
        d0 = e0 - f0
        d1 = e1 - f1
        d2 = e2 - f2
        d3 = e3 - f3
        h00 = lv_trig[lv] + p12 * d0 * d0
        h01 = 1.0 / alpha - pi1 * iaT + p12 * d0 * d1
        h02 = p12 * d0 * d2
        h03 = p12 * d0 * d3
        h11 = -r / (alpha * alpha) + pi1 * rx * iaT * iaT + p12 * d1 * d1
        h12 = p12 * d1 * d2
        h13 = p12 * d1 * d3
        h22 = -pi2 / (s * s) + p12 * d2 * d2
        h23 = 1.0 / beta - pi1 * ibT + p12 * d2 * d3
        h33 = -s / (beta * beta) + pi1 * s * ibT * ibT + p12 * d3 * d3
        # + J Hu J' (Hu = u0..u9: aa, ak, aM, am, kk, kM, km, MM, Mm, mm)
        if ab:  # r -> a, α -> M, s -> a and k, β -> m
            h00 += u0
            h01 += u2
            h02 += u0 + u1
            h03 += u3
            h11 += u7
            h12 += u2 + u5
            h13 += u8
            h22 += u0 + 2.0 * u1 + u4
            h23 += u3 + u6
            h33 += u9
        else:  # r -> a and k, α -> m, s -> a, β -> M
            h00 += u0 + 2.0 * u1 + u4
            h01 += u3 + u6
            h02 += u0 + u1
            h03 += u2 + u5
            h11 += u9
            h12 += u3
            h13 += u8
            h22 += u0
            h23 += u2
            h33 += u7
        o0 = h00
        o1 = alpha * h01
        o2 = h02
        o3 = beta * h03
        o4 = alpha * alpha * h11 + alpha * gal
        o5 = alpha * h12
        o6 = alpha * beta * h13
        o7 = h22
        o8 = beta * h23
        o9 = beta * beta * h33 + beta * gbe
    return ll, pi1, k0, k1, k2, k3, o0, o1, o2, o3, o4, o5, o6, o7, o8, o9


@parallel_kernel(error_model="numpy")
def _individual(r, s, log_alpha, log_beta, x, t_x, T, lev, skip, U, lv_a, lv_rx, lv_loga, lv_const, lv_dr,
                lv_trig, off, tab, hess, ll_out, g_out, h_out, p1_out):  # pragma: no cover - compiled
    """:func:`_individual_row` for every row not ``skip``-ped: log-likelihood, P(alive),
    gradient and (if ``hess``) Hessian into the per-row outputs."""
    n = x.shape[0]
    log_s = np.log(s)
    for i in prange(n):
        if skip[i]:
            continue
        v = _individual_row(r, s, log_s, log_alpha[i], log_beta[i], x[i], t_x[i], T[i], lev[i], U, lv_a, lv_rx,
                            lv_loga, lv_const, lv_dr, lv_trig, off, tab, hess)
        ll_out[i] = v[0]
        p1_out[i] = v[1]
        g_out[i, 0] = v[2]
        g_out[i, 1] = v[3]
        g_out[i, 2] = v[4]
        g_out[i, 3] = v[5]
        if hess:
            for j in range(10):
                h_out[i, j] = v[6 + j]


@njit(cache=True, error_model="numpy")
def _accumulate(acc, wi, v, X, i, qc, hess):  # pragma: no cover - compiled
    """Add row i's weighted log-likelihood, gradient and Hessian (``v`` as returned by
    :func:`_individual_row`, from element 2 on) and their products with the row's design
    columns to ``acc`` (layout of :func:`individual_sums`).  ``qc[j]`` is the per-row
    parameter (1: log α_i, 3: log β_i) that design column j shifts."""
    C = qc.shape[0]
    acc[0] += wi * v[0]
    for p in range(4):
        acc[1 + p] += wi * v[2 + p]
    if hess:
        for t in range(10):
            acc[5 + t] += wi * v[6 + t]
    o = 15
    for j in range(C):
        xj = wi * X[i, j]
        q = qc[j]
        acc[o + j] += xj * v[2 + q]
        if hess:
            for a in range(4):
                acc[o + C + a * C + j] += xj * v[6 + _TRI_IDX[a, q]]
            for l in range(j, C):
                acc[o + 5 * C + j * C + l] += xj * X[i, l] * v[6 + _TRI_IDX[q, qc[l]]]


@parallel_kernel(error_model="numpy")
def _individual_sums(r, s, log_alpha, log_beta, x, t_x, T, w, lev, skip, U, lv_a, lv_rx, lv_loga, lv_const,
                     lv_dr, lv_trig, off, tab, hess, X, qc, acc):  # pragma: no cover - compiled
    """:func:`_individual_row` for every row not ``skip``-ped, summed per block of rows into
    ``acc[block]`` (:func:`_accumulate`) instead of written per row: with static covariates
    the fit needs only these sums, so no per-row arrays are written and read back."""
    n = x.shape[0]
    log_s = np.log(s)
    unit = w.shape[0] == 0
    nchunk = acc.shape[0]
    for ch in prange(nchunk):
        lo_i = ch * n // nchunk
        hi_i = (ch + 1) * n // nchunk
        a = np.zeros(acc.shape[1])
        for i in range(lo_i, hi_i):
            if skip[i]:
                continue
            v = _individual_row(r, s, log_s, log_alpha[i], log_beta[i], x[i], t_x[i], T[i], lev[i], U, lv_a, lv_rx,
                                lv_loga, lv_const, lv_dr, lv_trig, off, tab, hess)
            _accumulate(a, 1.0 if unit else w[i], v, X, i, qc, hess)
        acc[ch, :] = a


@njit(cache=True, error_model="numpy")
def _rows_sums(ll, g, h, w, X, qc, hess, acc):  # pragma: no cover - compiled
    """The sums of :func:`_individual_sums` over rows given as arrays (the quadrature's rows)."""
    unit = w.shape[0] == 0
    v = np.zeros(16)
    for i in range(ll.shape[0]):
        v[0] = ll[i]
        for p in range(4):
            v[2 + p] = g[i, p]
        if hess:
            for t in range(10):
                v[6 + t] = h[i, t]
        _accumulate(acc, 1.0 if unit else w[i], v, X, i, qc, hess)


def _individual_setup(r, s, log_alpha, log_beta, x, t_x, T, hess, levels):
    """What the per-row-scale pass needs besides the rows: the mask of the rows left to the
    quadrature (z > 0.99 at t_x: α_i and β_i a hundred times apart), then the arguments of
    :func:`_individual_row` after the row's own (tables per (frequency, branch) and the
    x-only terms)."""
    xu, idx = levels
    U = xu.size
    skip, zmax = _far_and_zmax(log_alpha, log_beta, t_x, T, _ZINLINE)
    # every table as long as the largest z at t_x of the rows it serves needs (one length for
    # all: a few hundred terms per table at most, cheaper than a maximum per table)
    zl = min(zmax, _ZTAB)
    n_terms = np.full(2 * U, int(np.ceil(np.log(_EPS) / np.log(zl))) + 3 if zl > 0 else 3, dtype=np.int64)
    a = r + s + xu
    rx = r + xu
    bb = np.concatenate([rx, np.full(U, s + 1.0)])  # b = a + 1 - k: r + x (α >= β), s + 1 (α < β)
    off, tab = _coef_table(bb, np.concatenate([a, a]) + 1.0, n_terms)
    const = gammaln(r + xu) - gammaln(r)
    dr = psi(r + xu) - psi(r)
    trig = zeta(2.0, r + xu) - zeta(2.0, r) if hess else dr
    return skip, (idx, skip, U, a, rx, np.log(a), const, dr, trig, off, tab, bool(hess))


@njit(cache=True, error_model="numpy")
def _far_and_zmax(log_alpha, log_beta, t_x, T, zfar):  # pragma: no cover - compiled
    """Rows with z = |α_i - β_i| / (max(α_i, β_i) + t_x) > ``zfar`` (t_x < T), and the largest
    z among the other rows with t_x < T (one pass, no temporaries)."""
    n = t_x.shape[0]
    skip = np.zeros(n, dtype=np.bool_)
    zmax = 0.0
    for i in range(n):
        if t_x[i] < T[i]:
            al = np.exp(log_alpha[i])
            be = np.exp(log_beta[i])
            M = max(al, be)
            z = (M - min(al, be)) / (M + t_x[i])
            if z > zfar:
                skip[i] = True
            elif z > zmax:
                zmax = z
    return skip, zmax


def individual_rows(r, s, log_alpha, log_beta, x, t_x, T, hess, levels, ll, g, h, p1):
    """Fill ``ll``, ``g``, ``h`` (if ``hess``) and ``p1`` for the rows the series serves
    (:func:`_individual`); return the mask of the rows left to the quadrature (z > 0.99 at
    t_x: α_i and β_i a hundred times apart)."""
    skip, args = _individual_setup(r, s, log_alpha, log_beta, x, t_x, T, hess, levels)
    with np.errstate(all="ignore"):
        _individual(r, s, log_alpha, log_beta, x, t_x, T, *args, ll, g, h, p1)
    return skip


def sums_width(n_columns):
    """Length of a row of :func:`individual_sums`'s accumulator for ``n_columns`` design columns."""
    return 15 + 5 * n_columns + n_columns * n_columns


def individual_sums(r, s, log_alpha, log_beta, x, t_x, T, w, hess, levels, X, qc):
    """The weighted sums of :func:`_individual_sums` over the rows the series serves, and the
    mask of the rows left to the quadrature (their sums are the caller's)."""
    skip, args = _individual_setup(r, s, log_alpha, log_beta, x, t_x, T, hess, levels)
    acc = np.zeros((_NCHUNK, sums_width(X.shape[1])))
    with np.errstate(all="ignore"):
        _individual_sums(r, s, log_alpha, log_beta, x, t_x, T, w, *args[:-1], bool(hess), X, qc, acc)
    return acc.sum(axis=0), skip


def rows_sums(ll, g, h, w, X, qc, hess):
    """The sums of :func:`individual_sums` over rows given as arrays (:func:`_rows_sums`)."""
    acc = np.zeros(sums_width(X.shape[1]))
    _rows_sums(ll, g, h if hess else np.zeros((0, 10)), w, X, qc, bool(hess), acc)
    return acc
