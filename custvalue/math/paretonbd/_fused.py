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

from .._jit import parallel_kernel
from ..special import digamma_diff, lgamma_ratio, trigamma_diff
from ._quadrature import _ZINLINE, _far_rows, _quadrature_rows

_ZTAB = 0.9     # series coefficients from a per-level table up to this z ...
#               # ... and from the recurrence inline up to _ZINLINE; beyond, the quadrature
_EPS = 1e-17    # series truncation (as _reference._EPS; a global of this file for numba's cache)
_NCHUNK = 64    # fixed row blocks: the sums do not depend on the number of threads
_PARALLEL_ROWS = 50_000  # below this many rows, one thread (see _threads)
_NACC = 16      # ll, gradient (4), Hessian (10), weight
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
def _G_parts(t, ab, rx, s, alpha, beta, a, loga, lab, S, Sb, Sc, Sz, Sbz, Scz, Szz, Sbb, Sbc, Scc,
             hess):  # pragma: no cover - compiled
    """``log G'(t)`` (``G' = α^(r+x) β^s G``, the scales multiplied in) without its ``log S``
    term, its gradient in (r, α, s, β) and (if ``hess``) its Hessian (upper triangle, order
    of ``_TRI``), from the series sums of :func:`_series_sums`; see
    :func:`._reference._log_G`.  ``lab = log(α/β)``.  Every term is of the size of the rates
    times t (``L_α = log1p(t/α)``, ``P_α = t/(α(α+t))``, ``Q_α = t(2α+t)/(α²(α+t)²)``), so
    nothing cancels when (r, α) or (s, β) run off together."""
    iS = 1.0 / S
    lb = Sb * iS
    lc = Sc * iS
    lz = Sz * iS
    ia = 1.0 / alpha
    ib = 1.0 / beta
    iat = 1.0 / (alpha + t)
    ibt = 1.0 / (beta + t)
    L_a = np.log1p(t * ia)
    L_b = np.log1p(t * ib)
    P_a = t * ia * iat
    P_b = t * ib * ibt
    ia2 = 1.0 / (a * a)
    if ab:  # M = α, m = β, b = r+x
        zM = (beta + t) * iat * iat
        zm = -iat
        lgp = -rx * L_a - s * L_b - loga
        g0 = -L_a - 1.0 / a + lb + lc
        g1 = rx * P_a + lz * zM
        g2 = -L_b - 1.0 / a + lc
        g3 = s * P_b + lz * zm
    else:  # M = β, m = α, b = s+1
        zM = (alpha + t) * ibt * ibt
        zm = -ibt
        lgp = -(rx - 1.0) * L_a - (s + 1.0) * L_b + lab - loga
        g0 = -L_a - 1.0 / a + lc
        g1 = (rx - 1.0) * P_a + ia + lz * zm
        g2 = -L_b - 1.0 / a + lb + lc
        g3 = (s + 1.0) * P_b - ib + lz * zM
    if not hess:
        return lgp, g0, g1, g2, g3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    lbb = Sbb * iS - lb * lb
    lbc = Sbc * iS - lb * lc
    lcc = Scc * iS - lc * lc
    lbz = Sbz * iS - lb * lz
    lcz = Scz * iS - lc * lz
    lzz = Szz * iS - lz * lz
    iMt = -zm
    zMM = -2.0 * zM * iMt
    zMm = iMt * iMt
    Q_a = P_a * (ia + iat)
    Q_b = P_b * (ib + ibt)
    if ab:
        return (lgp, g0, g1, g2, g3,
                ia2 + lbb + 2.0 * lbc + lcc,                 # rr
                P_a + (lbz + lcz) * zM,                      # rα
                ia2 + lbc + lcc,                             # rs
                (lbz + lcz) * zm,                            # rβ
                -rx * Q_a + lzz * zM * zM + lz * zMM,        # αα
                lcz * zM,                                    # αs
                lzz * zM * zm + lz * zMm,                    # αβ
                ia2 + lcc,                                   # ss
                P_b + lcz * zm,                              # sβ
                -s * Q_b + lzz * zm * zm)                    # ββ
    return (lgp, g0, g1, g2, g3,
            ia2 + lcc,                                       # rr
            P_a + lcz * zm,                                  # rα
            ia2 + lbc + lcc,                                 # rs
            lcz * zM,                                        # rβ
            -(rx - 1.0) * Q_a - ia * ia + lzz * zm * zm,     # αα
            (lbz + lcz) * zm,                                # αs
            lzz * zM * zm + lz * zMm,                        # αβ
            ia2 + lbb + 2.0 * lbc + lcc,                     # ss
            P_b + (lbz + lcz) * zM,                          # sβ
            -(s + 1.0) * Q_b + ib * ib + lzz * zM * zM + lz * zMM)  # ββ


@njit(cache=True, error_model="numpy")
def _mix_row(r, s, log_s, alpha, beta, ab, xi, tx, Ti, lvc, lvd, lvt, G1, lS1, G2, lS2,
             hess):  # pragma: no cover - compiled
    """One row's log-likelihood, P(alive), gradient (4) and (if ``hess``) Hessian (upper
    triangle, order of ``_TRI``) in (r, α, s, β), as one tuple, from ``G'`` at t_x and T
    (:func:`_G_parts` tuples ``G1``, ``G2`` and the logs of their series ``lS1``, ``lS2``;
    unused when ``tx == Ti``) and the x-only terms ``lvc = log Γ(r+x) - log Γ(r)``,
    ``lvd``, ``lvt`` (its r-derivatives).

    ``log L = lvc - x log α + l1 + log1p(ρ)`` with ``l1 = -(r+x) log1p(T/α) - s log1p(T/β)``
    (alive at T, the scales multiplied in), ``ρ = s G'(t_x) (1 - e^d) e^{-l1}`` and
    ``d = log G(T) - log G(t_x)``, whose power terms are one ``log1p((T-t_x)/(α+t_x))`` each
    (the other way round when ρ overflows)."""
    rx = r + xi
    ia = 1.0 / alpha
    ib = 1.0 / beta
    iaT = 1.0 / (alpha + Ti)
    ibT = 1.0 / (beta + Ti)
    L_aT = np.log1p(Ti * ia)
    L_bT = np.log1p(Ti * ib)
    P_aT = Ti * ia * iaT
    P_bT = Ti * ib * ibT
    l1 = -rx * L_aT - s * L_bT
    e0 = -L_aT          # gradient of l1 in (r, α, s, β)
    e1 = rx * P_aT
    e2 = -L_bT
    e3 = s * P_bT
    lse = l1
    pi1 = 1.0
    pi2 = 0.0
    f0 = f1 = f2 = f3 = 0.0   # gradient of l2 = log s + log Ã
    u0 = u1 = u2 = u3 = u4 = u5 = u6 = u7 = u8 = u9 = 0.0  # Hessian of log Ã
    if tx < Ti:
        k1 = rx if ab else rx - 1.0
        k2 = s if ab else s + 1.0
        dT = Ti - tx
        d = -k1 * np.log1p(dT / (alpha + tx)) - k2 * np.log1p(dT / (beta + tx)) + (lS2 - lS1)
        if d < 0.0:  # A = G(t_x) - G(T) > 0 (exactly zero when t_x == T)
            eta = G1[0] + lS1 + log_s - l1
            em = -np.expm1(d)
            w1 = 1.0 / em
            w2 = w1 - 1.0
            if eta < 700.0:
                rho = np.exp(eta) * em
                lse = l1 + np.log1p(rho)
                pi1 = 1.0 / (1.0 + rho)
                pi2 = rho * pi1
            else:  # the dead term dominates by more than e^700
                l2 = l1 + eta + np.log(em)
                e = np.exp(l1 - l2)
                lse = l2 + np.log1p(e)
                pi2 = 1.0 / (1.0 + e)
                pi1 = e * pi2
            f0 = w1 * G1[1] - w2 * G2[1]
            f1 = w1 * G1[2] - w2 * G2[2]
            f2 = w1 * G1[3] - w2 * G2[3] + 1.0 / s
            f3 = w1 * G1[4] - w2 * G2[4]
            if hess:
                w12 = w1 * w2
                q0 = G1[1] - G2[1]
                q1 = G1[2] - G2[2]
                q2 = G1[3] - G2[3]
                q3 = G1[4] - G2[4]
                u0 = w1 * G1[5] - w2 * G2[5] - w12 * q0 * q0
                u1 = w1 * G1[6] - w2 * G2[6] - w12 * q0 * q1
                u2 = w1 * G1[7] - w2 * G2[7] - w12 * q0 * q2
                u3 = w1 * G1[8] - w2 * G2[8] - w12 * q0 * q3
                u4 = w1 * G1[9] - w2 * G2[9] - w12 * q1 * q1
                u5 = w1 * G1[10] - w2 * G2[10] - w12 * q1 * q2
                u6 = w1 * G1[11] - w2 * G2[11] - w12 * q1 * q3
                u7 = w1 * G1[12] - w2 * G2[12] - w12 * q2 * q2 - 1.0 / (s * s)
                u8 = w1 * G1[13] - w2 * G2[13] - w12 * q2 * q3
                u9 = w1 * G1[14] - w2 * G2[14] - w12 * q3 * q3
    ll = lvc - xi * np.log(alpha) + lse
    gr = lvd + pi1 * e0 + pi2 * f0
    gal = -xi * ia + pi1 * e1 + pi2 * f1
    gs = pi1 * e2 + pi2 * f2
    gbe = pi1 * e3 + pi2 * f3
    h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = h8 = h9 = 0.0
    if hess:
        p12 = pi1 * pi2
        d0 = e0 - f0
        d1 = e1 - f1
        d2 = e2 - f2
        d3 = e3 - f3
        h0 = lvt + pi2 * u0 + p12 * d0 * d0
        h1 = pi1 * P_aT + pi2 * u1 + p12 * d0 * d1
        h2 = pi2 * u2 + p12 * d0 * d2
        h3 = pi2 * u3 + p12 * d0 * d3
        h4 = xi * ia * ia - pi1 * rx * P_aT * (ia + iaT) + pi2 * u4 + p12 * d1 * d1
        h5 = pi2 * u5 + p12 * d1 * d2
        h6 = pi2 * u6 + p12 * d1 * d3
        h7 = pi2 * u7 + p12 * d2 * d2
        h8 = pi1 * P_bT + pi2 * u8 + p12 * d2 * d3
        h9 = -pi1 * s * P_bT * (ib + ibT) + pi2 * u9 + p12 * d3 * d3
    return ll, pi1, gr, gal, gs, gbe, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9


@njit(cache=True, error_model="numpy")
def _level_G0(ab, r, s, alpha, beta, a, loga, lab, M, m, off, tab, has_zero, hess, ls0,
              g0tab):  # pragma: no cover - compiled
    """log S and :func:`_G_parts` at t = 0 once per distinct frequency (customers with
    t_x = 0)."""
    z = (M - m) / M
    for l in range(a.shape[0]):
        if has_zero[l]:
            rx = a[l] - s
            b = rx if ab else s + 1.0
            ss = _series_sums(b, a[l] + 1.0, z, 0.0, False, tab, off[l], off[l + 1], hess)
            v = _G_parts(0.0, ab, rx, s, alpha, beta, a[l], loga[l], lab, ss[0], ss[1], ss[2], ss[3], ss[4],
                         ss[5], ss[6], ss[7], ss[8], ss[9], hess)
            ls0[l] = np.log(ss[0])
            for j in range(15):
                g0tab[l, j] = v[j]


@parallel_kernel(error_model="numpy")
def _rows(r, alpha, s, beta, x, t_x, T, w, lev, skip, lv_a, lv_loga, lv_const, lv_dr, lv_trig,
          ls0, g0tab, off, tab, hess, ll_out, sc_out, acc):  # pragma: no cover - compiled
    """One fused pass over customers: per-row log-likelihood and gradient (into ``ll_out``,
    ``sc_out`` when they have n rows) and, per block of rows, the weighted sums of the
    log-likelihood, gradient and (if ``hess``) Hessian (into ``acc``, see _NACC).  Rows with
    ``skip`` set (z > 0.99) are left to the quadrature (:func:`_quadrature_rows`).

    Per row: G' at t_x (from the per-level table ``ls0``, ``g0tab`` when t_x = 0) and at T
    from one series pass, then :func:`_mix_row`."""
    n = x.shape[0]
    rows = ll_out.shape[0] == n
    has_skip = skip.shape[0] == n
    ab = alpha >= beta
    M = alpha if ab else beta
    m = beta if ab else alpha
    Mm = M - m
    log_s = np.log(s)
    lab = np.log(alpha / beta)
    nchunk = acc.shape[0]
    zero = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for ch in prange(nchunk):
        lo_i = ch * n // nchunk
        hi_i = (ch + 1) * n // nchunk
        s_ll = s_g0 = s_g1 = s_g2 = s_g3 = s_w = 0.0
        h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = h8 = h9 = 0.0
        for i in range(lo_i, hi_i):
            if has_skip and skip[i]:
                continue
            lv = lev[i]
            wi = w[i]
            tx = t_x[i]
            Ti = T[i]
            a = lv_a[lv]
            rx = r + x[i]
            G1 = zero
            G2 = zero
            lS1 = 0.0
            lS2 = 0.0
            if tx < Ti:
                b = rx if ab else s + 1.0
                lo = off[lv]
                hi = off[lv + 1]
                la = lv_loga[lv]
                if tx == 0.0:
                    ss = _series_sums(b, a + 1.0, Mm / (M + Ti), 0.0, False, tab, lo, hi, hess)
                    G2 = _G_parts(Ti, ab, rx, s, alpha, beta, a, la, lab, ss[0], ss[1], ss[2], ss[3],
                                  ss[4], ss[5], ss[6], ss[7], ss[8], ss[9], hess)
                    lS2 = np.log(ss[0])
                    G1 = (g0tab[lv, 0], g0tab[lv, 1], g0tab[lv, 2], g0tab[lv, 3], g0tab[lv, 4], g0tab[lv, 5],
                          g0tab[lv, 6], g0tab[lv, 7], g0tab[lv, 8], g0tab[lv, 9], g0tab[lv, 10], g0tab[lv, 11],
                          g0tab[lv, 12], g0tab[lv, 13], g0tab[lv, 14])
                    lS1 = ls0[lv]
                else:
                    ss = _series_sums(b, a + 1.0, Mm / (M + tx), Mm / (M + Ti), True, tab, lo, hi, hess)
                    G1 = _G_parts(tx, ab, rx, s, alpha, beta, a, la, lab, ss[0], ss[1], ss[2], ss[3],
                                  ss[4], ss[5], ss[6], ss[7], ss[8], ss[9], hess)
                    G2 = _G_parts(Ti, ab, rx, s, alpha, beta, a, la, lab, ss[10], ss[11], ss[12], ss[13],
                                  ss[14], ss[15], ss[16], ss[17], ss[18], ss[19], hess)
                    lS1 = np.log(ss[0])
                    lS2 = np.log(ss[10])
            v = _mix_row(r, s, log_s, alpha, beta, ab, x[i], tx, Ti, lv_const[lv], lv_dr[lv], lv_trig[lv],
                         G1, lS1, G2, lS2, hess)
            if rows:
                ll_out[i] = v[0]
                sc_out[i, 0] = v[2]
                sc_out[i, 1] = v[3]
                sc_out[i, 2] = v[4]
                sc_out[i, 3] = v[5]
            s_ll += wi * v[0]
            s_g0 += wi * v[2]
            s_g1 += wi * v[3]
            s_g2 += wi * v[4]
            s_g3 += wi * v[5]
            s_w += wi
            if hess:
                h0 += wi * v[6]
                h1 += wi * v[7]
                h2 += wi * v[8]
                h3 += wi * v[9]
                h4 += wi * v[10]
                h5 += wi * v[11]
                h6 += wi * v[12]
                h7 += wi * v[13]
                h8 += wi * v[14]
                h9 += wi * v[15]
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
        acc[ch, 15] = s_w


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
    b = r + xu if ab else np.full_like(xu, s + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zl = np.minimum((M - m) / (M + tmin), _ZTAB)
        n_terms = np.ceil(np.log(_EPS) / np.log(zl)) + 3
    n_terms = np.where(zl > 0, n_terms, 3).astype(np.int64)
    off, tab = _coef_table(b, a + 1.0, n_terms)
    loga = np.log(a)
    U = xu.size
    ls0, g0tab = np.zeros(U), np.zeros((U, 15))
    has_zero = tmin == 0.0
    skip = np.empty(0, dtype=np.bool_)
    z0 = (M - m) / M
    if z0 > _ZINLINE:  # α, β 100 times apart: rows with z > 0.99 go to the quadrature
        skip = _far_rows(alpha, beta, t_x, T)
        has_zero[:] = False  # every row with t_x = 0 < T is among them
    if has_zero.any():  # G(0) once per distinct frequency
        _level_G0(ab, r, s, alpha, beta, a, loga, float(np.log(alpha / beta)), M, m, off, tab, has_zero, hess,
                  ls0, g0tab)  # z0 <= 0.99
    const = lgamma_ratio(r, xu)
    dr = digamma_diff(r, xu)
    trig = trigamma_diff(r, xu) if hess else dr
    acc = np.zeros((_NCHUNK, _NACC))
    with np.errstate(all="ignore"), _threads(n):
        _rows(r, alpha, s, beta, x, t_x, T, w, idx, skip, a, loga, const, dr, trig,
              ls0, g0tab, off, tab, hess, ll_out, sc_out, acc)
    tot = acc.sum(axis=0)
    ll, grad = float(tot[0]), tot[1:5].copy()
    H = None
    if hess:
        H = np.zeros((4, 4))
        for j, (p_, q_) in enumerate(_TRI):
            H[p_, q_] = H[q_, p_] = tot[5 + j]
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
        H = 0.5 * (H + H.T)  # the weighted sum above may add in different orders above and below
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
    The drivers leave rows with z > 0.99 at t_x to the quadrature.  The derivatives come in
    (r, α, s, β) (:func:`_mix_row`), then go to the log scales: ``∂/∂ log α = α ∂/∂α``,
    ``∂²/∂(log α)² = α² ∂²/∂α² + α ∂/∂α``."""
    alpha = np.exp(la)
    beta = np.exp(lb)
    ab = alpha >= beta
    M = alpha if ab else beta
    m = beta if ab else alpha
    Mm = M - m
    a = lv_a[lv]
    rx = lv_rx[lv]
    b = rx if ab else s + 1.0
    tb = lv if ab else lv + U
    G1 = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    G2 = G1
    lS1 = 0.0
    lS2 = 0.0
    if tx < Ti:
        # the two series one at a time: the one at T (smaller z) stops after its own terms
        ss = _series_sums(b, a + 1.0, Mm / (M + tx), 0.0, False, tab, off[tb], off[tb + 1], hess)
        st = _series_sums(b, a + 1.0, Mm / (M + Ti), 0.0, False, tab, off[tb], off[tb + 1], hess)
        G1 = _G_parts(tx, ab, rx, s, alpha, beta, a, lv_loga[lv], la - lb, ss[0], ss[1], ss[2], ss[3], ss[4],
                      ss[5], ss[6], ss[7], ss[8], ss[9], hess)
        G2 = _G_parts(Ti, ab, rx, s, alpha, beta, a, lv_loga[lv], la - lb, st[0], st[1], st[2], st[3], st[4],
                      st[5], st[6], st[7], st[8], st[9], hess)
        lS1 = np.log(ss[0])
        lS2 = np.log(st[0])
    v = _mix_row(r, s, log_s, alpha, beta, ab, xi, tx, Ti, lv_const[lv], lv_dr[lv], lv_trig[lv],
                 G1, lS1, G2, lS2, hess)
    gal = v[3]
    gbe = v[5]
    o0 = o1 = o2 = o3 = o4 = o5 = o6 = o7 = o8 = o9 = 0.0
    if hess:
        o0 = v[6]
        o1 = alpha * v[7]
        o2 = v[8]
        o3 = beta * v[9]
        o4 = alpha * alpha * v[10] + alpha * gal
        o5 = alpha * v[11]
        o6 = alpha * beta * v[12]
        o7 = v[13]
        o8 = beta * v[14]
        o9 = beta * beta * v[15] + beta * gbe
    return v[0], v[1], v[2], alpha * gal, v[4], beta * gbe, o0, o1, o2, o3, o4, o5, o6, o7, o8, o9


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
    const = lgamma_ratio(r, xu)
    dr = digamma_diff(r, xu)
    trig = trigamma_diff(r, xu) if hess else dr
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
