"""Special functions shared by several kernels, compiled where scipy's general routines are
the bottleneck.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``geometric_dropout_mean``,
``horizon_grid``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._simd import _exp, _log

__all__ = ["geometric_dropout_mean", "horizon_grid"]

_BLOCK = 128  # rows per parallel task in the blocked kernels (scratch arrays per block)


@njit(cache=True, inline="always", error_model="numpy")
def _expm1_small(v):  # pragma: no cover - compiled
    """expm1(v) for |v| <= 0.35 by its Taylor polynomial (degree 14, Estrin's scheme;
    truncation below 1e-18 relative)."""
    v2 = v * v
    v4 = v2 * v2
    c0 = 1.0 + v * 0.5
    c1 = 1.0 / 6.0 + v * (1.0 / 24.0)
    c2 = 1.0 / 120.0 + v * (1.0 / 720.0)
    c3 = 1.0 / 5040.0 + v * (1.0 / 40320.0)
    c4 = 1.0 / 362880.0 + v * (1.0 / 3628800.0)
    c5 = 1.0 / 39916800.0 + v * (1.0 / 479001600.0)
    c6 = 1.0 / 6227020800.0 + v * (1.0 / 87178291200.0)
    p = ((c0 + v2 * c1) + v4 * (c2 + v2 * c3)) + (v4 * v4) * ((c4 + v2 * c5) + v4 * c6)
    return v * p


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _cells(U, am1, inv_am1, F, PW, ZZ):  # pragma: no cover - compiled
    """The closed-form part of a block of cells (u = t/base): ``F = -(e^{(a-1)L} - 1)/(a-1)``
    (``-L`` at a = 1), ``PW = e^{(a-1)L}``, ``ZZ = u/(1+u)`` with ``L = -log1p(u)``. One
    flat loop without calls into libm (straight-line log and exp), so it compiles to SIMD
    code over the block's customers and horizons. ``log1p(u) = log(w) - ((w - 1) - u)/w``
    with ``w = 1 + u`` is exact to an ulp."""
    for c in range(U.size):
        u = U[c]
        w = 1.0 + u
        inv_w = 1.0 / w
        L = -(_log(w) - ((w - 1.0) - u) * inv_w)
        v = am1 * L
        ea = _expm1_small(v)
        eb = _exp(v) - 1.0
        e1 = ea if abs(v) <= 0.35 else eb
        F[c] = -(e1 * inv_am1 if inv_am1 != 0.0 else L)
        PW[c] = 1.0 + e1
        ZZ[c] = u * inv_w


@njit(cache=True, parallel=True, error_model="numpy")
def _dropout_mean(t, base, a, A, C, K, weight, hw, out, flag):  # pragma: no cover - compiled
    """out[i, k] = weight_i K_i/(a-1) [1 - (1-z)^(a-1) 2F1(A, a-1; C_i; z)], z = t/(base_i+t).

    Written as ``-K L exprel((a-1) L) - (1-z)^(a-1) K Σ_{j>=1} (A)_j (a)_{j-1} z^j /
    ((C)_j j!)`` with ``L = log(1-z)``: the factor (a-1) is divided out of every term, so
    a = 1 and C = 0 are ordinary points. ``t`` has one row shared by all rows (a grid of
    horizons) or one row per row. Rows the series cannot give to about 12 digits get nan
    and a flag: 1 when its terms are more than 1e4 times the result (A far below zero:
    alternating terms cancel), 2 when it needs more than 20,000 terms (z within about 1e-3
    of 1); the caller evaluates those another way. With horizon weights ``hw`` (length m)
    ``out`` has one column, ``Σ_k hw_k out[i, k]`` (no customers x horizons grid)."""
    n = out.shape[0]
    m = t.shape[1]
    summed = hw.size > 0
    shared = t.shape[0] == 1
    am1 = a - 1.0
    inv_am1 = 1.0 / am1 if abs(am1) > 1e-290 else 0.0  # 0: a = 1, where e1/(a-1) = L
    alternating = A < 0.0  # only then can the terms cancel
    nblocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(nblocks):
        lo = blk * _BLOCK
        hi = min(n, lo + _BLOCK)
        U = np.empty((hi - lo) * m)
        F = np.empty_like(U)
        PW = np.empty_like(U)
        ZZ = np.empty_like(U)
        term = np.empty(m)
        S = np.empty(m)
        zz = np.empty(m)
        for i in range(lo, hi):
            ti = 0 if shared else i
            inv_base = 1.0 / base[i]
            for k in range(m):
                U[(i - lo) * m + k] = t[ti, k] * inv_base
        _cells(U, am1, inv_am1, F, PW, ZZ)
        for i in range(lo, hi):
            o = (i - lo) * m
            Ci = C[i]
            Ki = K[i]
            lead = A * (Ki / Ci if Ki != Ci else 1.0)
            kmax = 0
            for k in range(m):
                zz[k] = ZZ[o + k]
                term[k] = lead * zz[k]
                S[k] = term[k]
                if zz[k] > zz[kmax]:
                    kmax = k
            zmax = zz[kmax]
            code = 0
            if zmax > 0.0 and lead != 0.0:
                code = 2
                big = abs(term[kmax])
                f = (A + 1.0) * a / ((Ci + 1.0) * 2.0)
                for j in range(1, 20_000):
                    for k in range(m):
                        term[k] *= f * zz[k]
                        S[k] += term[k]
                    if alternating:
                        big = max(big, abs(term[kmax]))
                    f = (A + j + 1.0) * (am1 + j + 1.0) / ((Ci + j + 1.0) * (j + 2.0))
                    if (j & 7) == 7:
                        q = max(abs(f), 1.0) * zmax
                        scale = abs(Ki * F[o + kmax]) + abs(PW[o + kmax] * S[kmax])
                        if q < 1.0 and abs(term[kmax]) * q <= 1.1e-16 * (1.0 - q) * scale:
                            code = 1 if big > 1e4 * scale else 0
                            break
            flag[i] = code
            if summed:
                acc = 0.0
                for k in range(m):
                    acc += hw[k] * (Ki * F[o + k] - PW[o + k] * S[k])
                out[i, 0] = weight[i] * acc if code == 0 else np.nan
            elif code == 0:
                for k in range(m):
                    out[i, k] = weight[i] * (Ki * F[o + k] - PW[o + k] * S[k])
            else:
                for k in range(m):
                    out[i, k] = np.nan


def _beta_gauss(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes and weights (summing to 1) for the Beta(a, b) distribution,
    by Golub-Welsch on the shifted-Jacobi recurrence (stable for very large a and b, where
    :func:`scipy.special.roots_jacobi` overflows)."""
    from scipy.linalg import eigh_tridiagonal

    al, be = b - 1.0, a - 1.0  # Jacobi weight (1-y)^al (1+y)^be, p = (1+y)/2
    k = np.arange(n, dtype=float)
    s = 2 * k + al + be
    with np.errstate(all="ignore"):
        diag = np.where(k == 0, (be - al) / (al + be + 2.0), (be * be - al * al) / (s * (s + 2.0)))
        k1 = k[1:]
        s1 = s[1:]
        off = np.sqrt(4 * k1 * (k1 + al) * (k1 + be) * (k1 + al + be) / (s1 * s1 * (s1 + 1.0) * (s1 - 1.0)))
    y, vec = eigh_tridiagonal(diag, off)
    return (1.0 + y) / 2.0, vec[0] ** 2


def _dropout_mean_quadrature(t, base, a, A, C, K, n_nodes=64):
    """The same quantity as an expectation over the dropout probability,
    ``K/C E[(1 - (1 + p u)^-(C-A)) / p]`` with ``p ~ Beta(a, C-a+1)`` and ``u = t/base``
    (the Gamma-distributed purchase rate integrated out); one node set per distinct C."""
    out = np.empty(t.shape)
    for c in np.unique(C):  # loop over distinct frequencies, not customers
        sel = C == c
        p, w = _beta_gauss(a, c - a + 1.0, n_nodes)
        u = (t[sel] / base[sel])[:, None]
        g = -np.expm1(-(c - A) * np.log1p(p * u)) / p
        ratio = K[sel] / c if c != 0 else 1.0
        out[sel] = ratio * (g @ w)
    return out


def _dropout_mean_mp(t, base, a, A, C, K):
    """The same quantity at arbitrary precision (mpmath), for cells whose series converges
    too slowly (z near 1). As defined, ``K/(a-1) [1 - (1-z)^(a-1) 2F1(A, a-1; C; z)]``, with
    enough digits for the cancellation near a = 1 or C = 0 (mpmath's 2F1 transforms to 1 - z
    itself: about 0.5 ms a cell); at a = 1 or C = 0 exactly, as the regular ``K Σ`` form
    (``A z 3F2``, 100-250 ms a cell); quadrature where mpmath gives up as well."""
    import mpmath

    am1 = a - 1.0

    def one(t_, base_, A_, C_, K_):
        try:
            if abs(am1) > 1e-12 and abs(C_) > 1e-12:
                lost = max(0.0, -math.log10(abs(am1))) + max(0.0, -math.log10(abs(C_)))
                with mpmath.workdps(30 + int(lost)):
                    z = mpmath.mpf(t_) / (mpmath.mpf(base_) + t_)
                    h = mpmath.hyp2f1(A_, am1, C_, z)
                    return float(mpmath.mpf(K_) / am1 * (1 - mpmath.exp(am1 * mpmath.log1p(-z)) * h))
            with mpmath.workdps(30):
                z = mpmath.mpf(t_) / (mpmath.mpf(base_) + t_)
                L = mpmath.log1p(-z)
                v = (a - 1) * L
                ex = mpmath.expm1(v) / v if v != 0 else mpmath.mpf(1)
                s = A_ * z * (mpmath.mpf(K_) / C_ if K_ != C_ else 1) * mpmath.hyp3f2(
                    A_ + 1, a, 1, C_ + 1, 2, z)
                return float(-K_ * L * ex - mpmath.exp(v) * s)
        except mpmath.libmp.NoConvergence:
            return float(_dropout_mean_quadrature(*(np.array([v], dtype=float) for v in (t_, base_)),
                                                  a, A_, np.array([C_]), np.array([K_]), 400)[0])

    return np.frompyfunc(one, 5, 1)(t, base, A, C, K).astype(float)


# -- rows that share a frequency: Chebyshev interpolation in log(base) ---------------------
#
# For one value of (C, K) (customers with the same frequency) a row's value depends on its
# base = alpha + T alone, through z = t/(base + t). As a function of s = log(base) the
# value is analytic in the strip |Im s| < pi (its singularities, base in [-t_max, 0], lie
# on Im s = +-pi), and so is its logarithm wherever the value has no zeros near the real
# axis, which the coefficient check below verifies group by group: the Chebyshev series on
# the group's [log min base, log max base] then converges geometrically (16 terms reach
# rounding level when the ages span a factor of 3, 32 when they span a factor of 20,
# measured). The log keeps the interpolation error relative. Each large group is
# evaluated exactly (the series kernel) at N Chebyshev points; its interpolant is kept when
# the last quarter of its coefficients is at rounding level (the values themselves carry a
# relative rounding error of up to about 1e-14: the kernel's two parts cancel). Groups
# that fail at every N, whose values are not all positive, or that are too small to pay
# for the N exact evaluations are summed row by row.

_INTERPOLATE_MIN_ROWS = 4096  # below this the exact kernel is as fast as setting tables up
_CHEB_SIZES = (16, 32, 64)  # interpolation points tried per group, in turn
_CHEB_TAIL = 2e-14  # largest |c_j| accepted in the last quarter (relative: log values)


@njit(cache=True, error_model="numpy")
def _frequency_groups(C, K, base):  # pragma: no cover - compiled
    """Group rows by (C, K) when the C are an integer lattice (``C = c0 + x`` for integer
    frequencies x): ``gid`` per row, and per group C, K, the row count and the range of
    ``base``. ``gid[0] = -1`` when the C are not such a lattice (or some (C, K) pairs of
    the same lattice point differ): the caller then sums every row exactly."""
    n = C.size
    gid = np.empty(n, dtype=np.int64)
    cmin = C.min()
    span = C.max() - cmin
    lattice = span <= n  # false for nan as well; bounds the per-group arrays by n + 1
    G = int(span + 0.5) + 1 if lattice else 1
    Cg = np.zeros(G)
    Kg = np.zeros(G)
    count = np.zeros(G, dtype=np.int64)
    bmin = np.full(G, np.inf)
    bmax = np.full(G, -np.inf)
    if not lattice:
        gid[0] = -1
        return gid, Cg, Kg, count, bmin, bmax
    for i in range(n):
        g = int(C[i] - cmin + 0.5)
        if count[g] == 0:
            Cg[g] = C[i]
            Kg[g] = K[i]
        elif C[i] != Cg[g] or K[i] != Kg[g]:
            gid[0] = -1
            return gid, Cg, Kg, count, bmin, bmax
        count[g] += 1
        bmin[g] = min(bmin[g], base[i])
        bmax[g] = max(bmax[g], base[i])
        gid[i] = g
    return gid, Cg, Kg, count, bmin, bmax


@njit(cache=True, parallel=True, error_model="numpy")
def _chebyshev_rows(base, gid, coef, mid, inv_half, weight, out):  # pragma: no cover - compiled
    """out[i, :] = weight_i exp(Σ_j coef[g, j, :] T_j(y_i)), y_i = (log base_i - mid_g)
    inv_half_g, g = gid_i, by Clenshaw's recurrence; rows with gid_i < 0 are left untouched.
    The recurrence runs over a block of rows and all columns at once (independent cells,
    so the loop is not bound by the latency of one chain), with straight-line log and exp."""
    n = base.size
    N = coef.shape[1]
    ncols = out.shape[1]
    nblocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(nblocks):
        lo = blk * _BLOCK
        m = min(n, lo + _BLOCK) - lo
        g = np.empty(m, dtype=np.int64)
        y = np.empty(m)
        b1 = np.zeros(m * ncols)
        b2 = np.zeros(m * ncols)
        for i in range(m):
            g[i] = max(gid[lo + i], 0)
            y[i] = _log(base[lo + i])
        for i in range(m):
            y[i] = min(1.0, max(-1.0, (y[i] - mid[g[i]]) * inv_half[g[i]]))
        for j in range(N - 1, 0, -1):
            for i in range(m):
                y2 = 2.0 * y[i]
                gi = g[i]
                for k in range(ncols):
                    c = i * ncols + k
                    v = coef[gi, j, k] + y2 * b1[c] - b2[c]
                    b2[c] = b1[c]
                    b1[c] = v
        for i in range(m):
            for k in range(ncols):
                c = i * ncols + k
                b1[c] = coef[g[i], 0, k] + y[i] * b1[c] - b2[c]
        for c in range(m * ncols):
            b2[c] = _exp(b1[c])
        for i in range(m):
            if gid[lo + i] >= 0:
                for k in range(ncols):
                    out[lo + i, k] = weight[lo + i] * b2[i * ncols + k]


def _interpolate_groups(t, base, a, A, C, K, w, hw, out):
    """Fill ``out`` for the rows of large (C, K) groups by Chebyshev interpolation of the
    log value in ``log(base)`` (see the note above); return the rows left for the exact
    kernel. Memory: tables only for the groups kept, at most 4 * out.size floats."""
    gid, Cg, Kg, count, bmin, bmax = _frequency_groups(C, K, base)
    if gid[0] < 0:
        return np.arange(base.size)
    ncols = out.shape[1]
    todo = np.flatnonzero(count >= 2 * _CHEB_SIZES[0])
    with np.errstate(all="ignore"):
        lo, hi = np.log(bmin[todo]), np.log(bmax[todo])
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    kept: list[tuple[np.ndarray, np.ndarray]] = []  # (positions in todo, coefficients)
    pos = np.arange(todo.size)
    for N in _CHEB_SIZES:
        pos = pos[count[todo[pos]] >= 2 * N]  # N exact evaluations must save at least N rows
        if not pos.size:
            break
        theta = np.pi * (np.arange(N) + 0.5) / N
        g = todo[pos]
        nodes = np.exp(mid[pos, None] + half[pos, None] * np.cos(theta))
        nodes = np.clip(nodes, bmin[g, None], bmax[g, None]).ravel()
        rows = np.repeat(g, N)
        vals = np.empty((rows.size, ncols))
        flag = np.zeros(rows.size, dtype=np.int8)
        with np.errstate(all="ignore"):
            _dropout_mean(t, nodes, a, A, np.ascontiguousarray(Cg[rows]),
                          np.ascontiguousarray(Kg[rows]), np.ones(rows.size), hw, vals, flag)
            vals = vals.reshape(pos.size, N, ncols)
            c = np.einsum("jk,gkc->gjc", np.cos(np.outer(np.arange(N), theta)) * (2.0 / N),
                          np.log(vals))
        c[:, 0] /= 2.0
        ok = ((flag.reshape(pos.size, N) == 0).all(axis=1) & (vals > 0).all(axis=(1, 2))
              & (np.abs(c[:, -(N // 4):]).max(axis=(1, 2)) <= _CHEB_TAIL))
        if ok.any():
            kept.append((pos[ok], c[ok]))
        pos = pos[~ok]
    slot = np.full(Cg.size, -1, dtype=np.int64)  # lattice point -> row of the tables
    if not kept:
        return np.arange(base.size)
    nmax = max(c.shape[1] for p, c in kept)
    keep = np.concatenate([p for p, c in kept])
    coef = np.zeros((keep.size, nmax, ncols))
    start = 0
    for p, c in kept:
        coef[start:start + p.size, :c.shape[1]] = c
        start += p.size
    slot[todo[keep]] = np.arange(keep.size)
    inv_half = np.divide(1.0, half[keep], out=np.zeros(keep.size), where=half[keep] > 0)
    rows_slot = slot[gid]
    _chebyshev_rows(base, rows_slot, coef, mid[keep], inv_half, w, out)
    return np.flatnonzero(rows_slot < 0)


def geometric_dropout_mean(t, base, a, A, C, K, weight=None, horizon_weights=None):
    """``K/(a-1) [1 - (1-z)^(a-1) 2F1(A, a-1; C; z)]`` with ``z = t/(base+t)``, row-wise.

    This is the core of the expected number of purchases of the BG/NBD and MBG/NBD models
    (Fader, Hardie & Lee 2005, eqs. 7 and 10; Batislam, Denizel & Filiztekin 2007), after
    Euler's transformation ``2F1(r+x, b+x; c; z) = (1-z)^(c-r-b-2x) 2F1(c-r-x, c-b-x; c; z)``
    has been applied to the published ``2F1(r+x, b+x; a+b+x-1; z)``: the transformed series
    has parameters that do not grow with the frequency, so it neither overflows for heavy
    buyers nor needs more terms for them. The factor ``(a-1)`` is divided out term by term
    and ``log(1-z)`` enters through ``expm1``, so ``a = 1`` and ``C = 0`` (the published
    formula's removable singularities) are ordinary points.

    Rows share one series pass over all their columns (the same customer at several
    horizons). On large inputs (4,096 rows or more, one row of horizons shared by all rows)
    rows with the same ``(C, K)`` -- customers with the same frequency -- differ only in
    ``base``; for each large such group the series is evaluated at 16 (32, 64) Chebyshev
    points in ``log(base)`` and the logarithm of the value is interpolated, when the last
    quarter of the Chebyshev coefficients is below 2e-14. The interpolated values agree with
    the row-by-row series to about 1e-14 relative (5e-13 where the series' own rounding
    error is largest); groups that fail the check are summed row by row. Rows where the
    series would lose accuracy are evaluated another way: by
    Gauss quadrature over the Beta-distributed dropout probability when ``A`` is far below
    zero (the terms alternate and cancel; degenerate fits with a huge ``r``), with mpmath
    when more than 20,000 terms are needed (z within about 1e-3 of 1).

    Parameters
    ----------
    t : array-like, shape (n, m) or broadcastable to it
        Horizons (>= 0).
    base : array-like, shape (n,)
        ``alpha + T`` of each row (> 0).
    a : float
        Beta-distribution parameter of the dropout probability (> 0).
    A : float
        First numerator parameter of the transformed series (``a+b-1-r`` for BG/NBD).
    C, K : array-like, shape (n,)
        Denominator parameter (``a+b+x-1`` for BG/NBD; ``C + 1 > 0``) and the leading factor.
    weight : array-like, shape (n,), optional
        Multiplies each row (e.g. P(alive)); default 1.
    horizon_weights : array-like, shape (m,), optional
        Return ``Σ_k horizon_weights_k value[:, k]`` (shape ``(n,)``) instead of the grid,
        e.g. the discount weights of a CLV; the grid is never materialised.

    Returns
    -------
    numpy.ndarray, shape (n, m)

    Examples
    --------
    BG/NBD's expected purchases of a new customer over 39 weeks (FHL eq. 7):

    >>> r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    >>> out = geometric_dropout_mean([[39.0]], [alpha], a, a + b - 1 - r, [a + b - 1], [a + b - 1])
    >>> round(float(out[0, 0]), 3)
    1.197
    """
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 2:
        raise ValueError(f"t must be 2-dimensional (rows x horizons); received shape {t.shape}.")
    n = max(t.shape[0], np.size(base), np.size(C), np.size(K))
    shape = (n, t.shape[1])
    if t.shape[0] != n or t.strides[0] == 0:  # one row of horizons shared by every row
        if not (t == t[:1]).all():
            t = np.broadcast_to(t, shape)
        else:
            t = t[:1]
    t = np.ascontiguousarray(t)
    base, C, K = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
                  for v in (base, C, K))
    w = np.ones(n) if weight is None else np.ascontiguousarray(
        np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,)))
    if horizon_weights is None:
        hw = np.empty(0)
        out = np.empty(shape)
    else:
        hw = np.ascontiguousarray(horizon_weights, dtype=np.float64).reshape(-1)
        if hw.size != shape[1]:
            raise ValueError(f"horizon_weights must have one entry per horizon ({shape[1]}); "
                             f"received {hw.size}.")
        out = np.empty((n, 1))
    if t.shape[0] == 1 and n >= _INTERPOLATE_MIN_ROWS:
        exact = _interpolate_groups(t, base, float(a), float(A), C, K, w, hw, out)
        if exact.size:
            out[exact] = _exact(t, base[exact], a, A, C[exact], K[exact], w[exact], hw)
    else:
        out[:] = _exact(t, base, a, A, C, K, w, hw)
    return out if hw.size == 0 else out[:, 0]


def _exact(t, base, a, A, C, K, w, hw):
    """The series kernel on every row, then the fallbacks for the rows it flags."""
    n = base.size
    m = t.shape[1]
    out = np.empty((n, 1 if hw.size else m))
    flag = np.zeros(n, dtype=np.int8)
    with np.errstate(all="ignore"):
        _dropout_mean(t, base, float(a), float(A), C, K, w, hw, out, flag)
    for code, fallback in ((1, _dropout_mean_quadrature), (2, _dropout_mean_mp)):
        rows = np.flatnonzero(flag == code)
        if rows.size:
            cells = np.broadcast_to(rows[:, None], (rows.size, m)).ravel()
            tt = np.broadcast_to(t, (n, m))[rows].ravel()
            vals = (w[cells] * fallback(tt, base[cells], float(a), float(A), C[cells],
                                        K[cells])).reshape(rows.size, m)
            out[rows] = vals if hw.size == 0 else (vals @ hw)[:, None]
    return out


def horizon_grid(t, *rows):
    """Arrange a horizon argument and per-customer arrays for a row-wise kernel.

    When ``t`` varies only along the last axis of a 2-d broadcast and every other array only
    along the first (customers x horizons, what the prediction methods pass), the kernel gets
    one shared row of horizons; otherwise everything is flattened to one cell per row.

    Parameters
    ----------
    t : array-like
        Horizons.
    *rows : array-like
        Per-customer arrays broadcastable with ``t``.

    Returns
    -------
    tuple
        ``(t2, flat_rows, shape)``: ``t2`` of shape ``(1, m)`` or ``(N, 1)``, the row arrays
        as 1-d float arrays, and the broadcast output shape.

    Examples
    --------
    >>> import numpy as np
    >>> t2, (x,), shape = horizon_grid(np.array([[1.0, 2.0, 3.0]]), np.array([[0.0], [5.0]]))
    >>> t2.shape, x.tolist(), shape
    ((1, 3), [0.0, 5.0], (2, 3))
    """
    t = np.asarray(t, dtype=float)
    rows = [np.asarray(v, dtype=float) for v in rows]
    shape = np.broadcast_shapes(t.shape, *(v.shape for v in rows))
    if (len(shape) == 2 and t.ndim >= 1 and (t.ndim == 1 or t.shape[0] == 1)
            and all(v.ndim == 2 and v.shape[1] == 1 or v.ndim == 0 for v in rows)):
        n = shape[0]
        return (np.ascontiguousarray(np.broadcast_to(t.reshape(1, -1), (1, shape[1]))),
                [np.ascontiguousarray(np.broadcast_to(v.reshape(-1), (n,))) for v in rows], shape)
    return (np.ascontiguousarray(np.broadcast_to(t, shape)).reshape(-1, 1),
            [np.ascontiguousarray(np.broadcast_to(v, shape)).reshape(-1) for v in rows], shape)
