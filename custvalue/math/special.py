"""Special functions shared by several kernels, compiled where scipy's general routines are
the bottleneck.

The log-gamma, digamma and trigamma *differences* (:func:`lgamma_ratio`,
:func:`digamma_diff`, :func:`trigamma_diff`, :func:`log_beta_ratio`) are what the
likelihoods need when a mixing distribution degenerates: when a and b of a beta distribution
(or r and alpha of a gamma) run off together, ``betaln(a, b+x) - betaln(a, b)`` is the
difference of two numbers of size ``a+b`` and keeps only ``1e-16 (a+b)`` of absolute
accuracy (0.9 in one customer's log-likelihood at ``a+b = 1e14``, measured against mpmath).
The differences here are formed from Stirling's series of the difference itself, so their
error stays at rounding relative to the difference at every size.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``geometric_dropout_mean``,
``horizon_grid``, ``lgamma_ratio``, ``digamma_diff``, ``trigamma_diff``, ``log_beta_ratio``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit, prange
from scipy.special import betaln, polygamma, psi

from ._jit import parallel_kernel
from ._simd import _exp, _log
from .logconcave import log_integral

__all__ = ["geometric_dropout_mean", "horizon_grid", "lgamma_ratio", "digamma_diff", "trigamma_diff",
           "log_beta_ratio"]

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
def _cells(U, am1, inv_am1, F, PW, ZZ, V):  # pragma: no cover - compiled
    """The closed-form part of a block of cells (u = t/base): ``F = -(e^{(a-1)L} - 1)/(a-1)``
    (``-L`` at a = 1), ``PW = e^{(a-1)L}``, ``ZZ = u/(1+u)``, ``V = (a-1)L`` with
    ``L = -log1p(u)``. One flat loop without calls into libm (straight-line log and exp), so
    it compiles to SIMD code over the block's customers and horizons. ``log1p(u) = log(w) -
    ((w - 1) - u)/w`` with ``w = 1 + u`` is exact to an ulp. ``PW`` is ``e^v`` itself, not
    ``1 + (e^v - 1)``, which would keep no digit of a power below 1e-16."""
    for c in range(U.size):
        u = U[c]
        w = 1.0 + u
        inv_w = 1.0 / w
        L = -(_log(w) - ((w - 1.0) - u) * inv_w)
        v = am1 * L
        ea = _expm1_small(v)
        ex = _exp(v)
        small = abs(v) <= 0.35
        e1 = ea if small else ex - 1.0
        F[c] = -(e1 * inv_am1 if inv_am1 != 0.0 else L)
        PW[c] = 1.0 + ea if small else ex
        ZZ[c] = u * inv_w
        V[c] = v


_COND_MAX = 1e3  # largest (|K F| + |PW S| (1 + |v|)) / |value| the series is trusted with
_MAX_TERMS = 20_000  # series terms before a row is handed to quadrature
_MAX_PEAK = 4_000  # a priori: the terms grow until j ~ (a-1) z/(1-z); beyond this, quadrature


@parallel_kernel(error_model="numpy")
def _dropout_mean(t, base, a, A, C, K, weight, hw, out, flag):  # pragma: no cover - compiled
    """out[i, k] = weight_i K_i/(a-1) [1 - (1-z)^(a-1) 2F1(A, a-1; C_i; z)], z = t/(base_i+t).

    Written as ``-K L exprel((a-1) L) - (1-z)^(a-1) K Σ_{j>=1} (A)_j (a)_{j-1} z^j /
    ((C)_j j!)`` with ``L = log(1-z)``: the factor (a-1) is divided out of every term, so
    a = 1 and C = 0 are ordinary points. ``t`` has one row shared by all rows (a grid of
    horizons) or one row per row. Rows the series cannot give to about 12 digits get nan
    and a flag for the caller (which evaluates them by quadrature):

    * 1: the two parts cancel: ``(|K F| + |PW S| (1 + |v|)) > 1e3 |value|`` in some column
      (the rounding error of each part, relative to their difference; ``(1 + |v|)`` is the
      error of ``PW = e^v``), or the terms alternate (``A < 0``) and reach more than 1e3
      times the value; or the result is not finite;
    * 2: the series would need too many terms: more than 20,000, or (known beforehand) a
      peak term beyond ``j = 4,000`` or of size ``e^{-v} > e^{600}`` (the dropout Beta's
      ``a`` far above 1 with ``z`` not small: ``PW`` tiny and the terms huge).

    With horizon weights ``hw`` (length m) ``out`` has one column, ``Σ_k hw_k out[i, k]``
    (no customers x horizons grid). ``a`` and ``A`` hold one value shared by all rows or one
    per row (static covariates: each customer's own dropout Beta)."""
    n = out.shape[0]
    m = t.shape[1]
    summed = hw.size > 0
    shared = t.shape[0] == 1
    per_row = a.shape[0] > 1  # one (a, A) per row (static covariates), else one for all rows
    nblocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(nblocks):
        lo = blk * _BLOCK
        hi = min(n, lo + _BLOCK)
        U = np.empty((hi - lo) * m)
        F = np.empty_like(U)
        PW = np.empty_like(U)
        ZZ = np.empty_like(U)
        V = np.empty_like(U)
        term = np.empty(m)
        S = np.empty(m)
        zz = np.empty(m)
        for i in range(lo, hi):
            ti = 0 if shared else i
            inv_base = 1.0 / base[i]
            for k in range(m):
                U[(i - lo) * m + k] = t[ti, k] * inv_base
        if per_row:
            for i in range(lo, hi):
                o = (i - lo) * m
                am1 = a[i] - 1.0
                inv_am1 = 1.0 / am1 if abs(am1) > 1e-290 else 0.0
                _cells(U[o:o + m], am1, inv_am1, F[o:o + m], PW[o:o + m], ZZ[o:o + m], V[o:o + m])
        else:
            am1 = a[0] - 1.0
            inv_am1 = 1.0 / am1 if abs(am1) > 1e-290 else 0.0  # 0: a = 1, where e1/(a-1) = L
            _cells(U, am1, inv_am1, F, PW, ZZ, V)
        for i in range(lo, hi):
            o = (i - lo) * m
            j0 = i if per_row else 0
            ai = a[j0]
            am1 = ai - 1.0
            Ai = A[j0]
            alternating = Ai < 0.0  # only then can the terms cancel among themselves
            Ci = C[i]
            Ki = K[i]
            lead = Ai * (Ki / Ci if Ki != Ci else 1.0)
            kmax = 0
            for k in range(m):
                zz[k] = ZZ[o + k]
                term[k] = lead * zz[k]
                S[k] = term[k]
                if zz[k] > zz[kmax]:
                    kmax = k
            zmax = zz[kmax]
            code = 0
            big = 0.0
            if zmax > 0.0 and lead != 0.0:
                code = 2
                if am1 * zmax <= _MAX_PEAK * (1.0 - zmax) and V[o + kmax] >= -600.0:
                    big = abs(term[kmax]) if alternating else 0.0  # largest term
                    f = (Ai + 1.0) * ai / ((Ci + 1.0) * 2.0)
                    for j in range(1, _MAX_TERMS):
                        for k in range(m):
                            term[k] *= f * zz[k]
                            S[k] += term[k]
                        if alternating:
                            big = max(big, abs(term[kmax]))
                        f = (Ai + j + 1.0) * (am1 + j + 1.0) / ((Ci + j + 1.0) * (j + 2.0))
                        if (j & 7) == 7:
                            q = max(abs(f), 1.0) * zmax
                            scale = abs(Ki * F[o + kmax]) + abs(PW[o + kmax] * S[kmax])
                            if q < 1.0 and abs(term[kmax]) * q <= 1.1e-16 * (1.0 - q) * scale:
                                code = 0
                                break
            if code == 0:
                for k in range(m):
                    val = Ki * F[o + k] - PW[o + k] * S[k]
                    cond = abs(Ki * F[o + k]) + abs(PW[o + k]) * (
                        max(abs(S[k]), big) * (1.0 + abs(V[o + k])))
                    if not cond <= _COND_MAX * abs(val):  # also nan and inf
                        code = 1
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


@lru_cache(maxsize=256)
def _beta_gauss(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes and weights (summing to 1) for the Beta(a, b) distribution,
    by Golub-Welsch on the shifted-Jacobi recurrence (stable for very large a and b, where
    :func:`scipy.special.roots_jacobi` overflows).

    The Jacobi matrix is set up for p itself (diagonal ``(1 + d_k)/2`` of the matrix for
    ``y = 2p - 1``, written as a sum of positive terms), so that the nodes keep their
    relative accuracy when the distribution sits near 0 (``a << b``): through ``y`` they
    were off by ``1e-16`` absolute, ``1e-5`` relative at ``p ~ 1e-11``."""
    from scipy.linalg import eigh_tridiagonal

    al, be = b - 1.0, a - 1.0  # Jacobi weight (1-y)^al (1+y)^be, p = (1+y)/2
    k = np.arange(n, dtype=float)
    S = al + be
    s = 2 * k + S
    with np.errstate(all="ignore"):
        # (1 + (be² - al²)/(s (s+2)))/2 = (4k² + 4k(S+1) + 2S(be+1)) / (2 s (s+2)); k = 0: a/(a+b)
        diag = np.where(k == 0, a / (a + b), (4 * k * k + 4 * k * (S + 1) + 2 * S * (be + 1)) / (2 * s * (s + 2.0)))
        k1 = k[1:]
        s1 = s[1:]
        off = 0.5 * np.sqrt(4 * k1 * (k1 + al) * (k1 + be) * (k1 + al + be) / (s1 * s1 * (s1 + 1.0) * (s1 - 1.0)))
    p, vec = eigh_tridiagonal(diag, off)
    w = vec[0] ** 2
    p.flags.writeable = False
    w.flags.writeable = False
    return p, w / w.sum()


#: From this first Beta parameter on, E[(θ+d)^-k] is taken by Gauss quadrature for the Beta
#: distribution (relative spread of θ below 1/sqrt(50): 32 nodes give 1e-15 against mpmath for
#: any second parameter and d >= 0; the logit-space integral keeps only ~1e-16 a |log θ|)
_GAUSS_BETA_FROM = 50.0
_GAUSS_BETA_NODES = 32


def _log_beta_discounted_mean(a, b, d, k=1):
    """``log E[(θ + d)^-k]`` for ``θ ~ Beta(a, b)``, elementwise (a, b, d broadcast).

    The Beta mixtures of discounted geometric lifetimes (sBG DEL and DERL, Fader & Hardie 2010
    eqs. 4 and 6; BG/BB DERT, Fader, Hardie & Shang 2010 eq. 14) are such expectations:
    with ``z = 1/(1+d)``, ``sum_j ((1-θ) z)^j = (1+d)/(θ+d)``. For ``a >= 50`` and ``d >= 0``
    by Gauss quadrature for Beta(a, b) (:func:`_beta_gauss`, one rule per distinct (a, b));
    otherwise the integral ``∫ θ^(a-1) (1-θ)^(b-1) (θ+d)^-k dθ`` by
    :func:`custvalue.math.logconcave.log_integral` in ``u = logit θ`` (log-concave when
    ``a + b >= k``), less ``betaln(a, b)``. Formed as a normalised mean, the value is exact
    when a and b run off together (the unnormalised integral and ``betaln`` are each
    ``~ -(a+b) H`` and cancel to ``1e-16 (a+b)``: 0.1 absolute at a = 1e14)."""
    a, b, d = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, d)))
    out = np.empty(a.shape)
    gauss = (a >= _GAUSS_BETA_FROM) & (d >= 0) & np.isfinite(b) & (b > 0) & np.isfinite(a)
    rest = ~gauss
    if rest.any():
        ar, br, dr = a[rest], b[rest], d[rest]
        out[rest] = log_integral(ar, ar + br - k, float(k), dr, 1.0 + dr, 0.0, -np.inf, np.inf) - betaln(ar, br)
    if gauss.any():
        ag, bg, dg = a[gauss], b[gauss], d[gauss]
        pairs, inv = np.unique(np.column_stack([ag, bg]), axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        vals = np.empty(ag.shape)
        for j, (aj, bj) in enumerate(pairs):  # one rule per distinct (a, b), not per customer
            p, w = _beta_gauss(float(aj), float(bj), _GAUSS_BETA_NODES)
            sel = inv == j
            vals[sel] = np.log(((p[None, :] + dg[sel, None]) ** -float(k)) @ w)
        out[gauss] = vals
    return out


@lru_cache(maxsize=64)
def _graded_rule(a: float, beta: float, levels: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1 up to the quadrature error) for ``E[f(p)]``,
    ``p ~ Beta(a, beta)``, on panels graded towards 0: ``[0, h0]`` (Gauss-Jacobi for the
    weight ``p^(a-1)``), ``[h0, 2h0], ..., [1/4, 1/2]`` (Gauss-Legendre), ``[1/2, 1]``
    (Gauss-Jacobi for ``(1-p)^(beta-1)``), ``h0 = 2^-(levels+1)``, n nodes each. Each panel
    is as wide as its distance from 0, so a function with a singularity at negative ``p``
    (``(1 + p u)^-s`` at ``-1/u``) or varying on the scale ``p ~ 1/u`` is resolved on every
    panel once ``h0 u`` is small."""
    from scipy.special import betaln

    logB = betaln(a, beta)
    h0 = 0.5 ** (levels + 1)
    y, wy = _beta_gauss(a, 1.0, n)  # weight y^(a-1) on [0, 1], total 1/a
    p0 = h0 * y
    lw0 = np.log(wy) - np.log(a) + a * np.log(h0) + (beta - 1.0) * np.log1p(-p0) - logB
    xl, wl = np.polynomial.legendre.leggauss(n)
    h = h0 * 2.0 ** np.arange(levels)[:, None]
    pm = (h * (1.5 + 0.5 * xl[None, :])).ravel()
    lwm = (np.log(0.5 * h * wl[None, :])).ravel() + (a - 1.0) * np.log(pm) + (beta - 1.0) * np.log1p(-pm) - logB
    q, wq = _beta_gauss(beta, 1.0, n)  # weight q^(beta-1) on [0, 1], 1 - p = q/2
    p1 = 1.0 - 0.5 * q
    lw1 = np.log(wq) - np.log(beta) - beta * np.log(2.0) + (a - 1.0) * np.log1p(-0.5 * q) - logB
    p = np.concatenate([p0, pm, p1])
    with np.errstate(under="ignore"):
        w = np.exp(np.concatenate([lw0, lwm, lw1]))
    keep = w > 0
    p, w = p[keep], w[keep]
    p.flags.writeable = False
    w.flags.writeable = False
    return p, w


def _rule_sum(u, s, p, wp, out):  # pragma: no cover - compiled
    """out_i = Σ_j wp_j (1 - (1 + p_j u_i)^-s) with ``wp_j = w_j/p_j``: the expected
    purchases of a customer alive now (purchase rate integrated out) averaged over the
    nodes of the dropout probability. The terms of a block of cells go to a scratch array
    first, a loop with straight-line ``log1p`` (exact to an ulp, see :func:`_cells`) and
    ``expm1`` that compiles to SIMD code; the sums follow in order."""
    n = u.size
    k = p.size
    nblocks = (n + 31) // 32
    for blk in prange(nblocks):
        lo = blk * 32
        hi = min(n, lo + 32)
        tmp = np.empty(k)
        for i in range(lo, hi):
            ui = u[i]
            for j in range(k):
                x = p[j] * ui
                w = 1.0 + x
                v = -s * (_log(w) - ((w - 1.0) - x) / w)
                e = _expm1_small(v) if abs(v) <= 0.35 else _exp(v) - 1.0
                tmp[j] = -wp[j] * e
            acc = 0.0
            for j in range(k):
                acc += tmp[j]
            out[i] = acc


_rule_sum_serial = njit(cache=True, error_model="numpy", fastmath={"contract"})(_rule_sum)
_rule_sum_parallel = njit(cache=True, parallel=True, error_model="numpy",
                          fastmath={"contract"})(_rule_sum)


_QUAD_RTOL = 1e-12  # agreement of two rules at which a quadrature value is accepted


def _beta_expectation(u, s, a, beta):
    """``E[(1 - (1 + p u)^-s)/p]`` for ``p ~ Beta(a, beta)``, every cell of ``u``, by Gauss
    quadrature; each cell's value is accepted when two rules of different order agree to
    1e-12 relative.

    First one Gauss rule for the Beta distribution itself (40 and 80 nodes): exact for the
    density, it converges geometrically at a rate set by the distance of the singularity
    ``p = -1/u`` from the bulk of the distribution, so it serves concentrated Betas (large
    ``a`` and ``beta``, the fits whose dropout is nearly homogeneous) and moderate ``u``.
    Cells it does not settle (mass near ``p = 0`` while ``u`` is large: the integrand
    changes on the scale ``p ~ 1/(u max(1, s))``, far below the nodes) take panels graded
    towards 0 down to that scale (:func:`_graded_rule`, 16 and 24 nodes a panel). Cells
    neither settles raise :class:`~custvalue.exceptions.DataError`."""
    u = np.ascontiguousarray(u, dtype=float)
    out = np.zeros(u.size)
    # (s+1) u below 1e-17: E[g] = s u (1 - (s+1) u E[p]/2 + ...) to double precision (no
    # rule can compare values down in the subnormal range, where the horizon is ~1e-309)
    first = (u > 0) & (u * (s + 1.0) < 1e-17)
    out[first] = s * u[first] * (1.0 - 0.5 * (s + 1.0) * u[first] * a / (a + beta))
    todo = np.flatnonzero((u > 0) & ~first)
    if not todo.size:
        return out

    def two_rules(rules, cells):
        vals = []
        for p, w in rules:
            v = np.empty(cells.size)
            kernel = _rule_sum_parallel if cells.size * p.size > 200_000 else _rule_sum_serial
            kernel(u[cells], float(s), p, w / p, v)
            vals.append(v)
        lo, hi = vals
        ok = np.isfinite(hi) & (np.abs(hi - lo) <= _QUAD_RTOL * np.abs(hi))
        return hi, ok

    vals, ok = two_rules([_beta_gauss(float(a), float(beta), 40), _beta_gauss(float(a), float(beta), 80)],
                         todo)
    out[todo[ok]] = vals[ok]
    todo = todo[~ok]
    if todo.size:
        scale = max(1.0, float(beta), float(u[todo].max()) * max(1.0, float(s)))
        levels = max(0, int(np.ceil(np.log2(4.0 * scale))) - 1)
        vals, ok = two_rules([_graded_rule(float(a), float(beta), levels, n) for n in (16, 24)], todo)
        out[todo[ok]] = vals[ok]
        todo = todo[~ok]
    if todo.size:
        from ..exceptions import DataError

        raise DataError(
            f"the BG/NBD-family expected purchases cannot be evaluated to 12 digits at dropout "
            f"Beta({a:.6g}, {beta:.6g}), purchase shape r+x = {s:.6g} and horizon / (alpha+T) = "
            f"{float(u[todo].max()):.6g} ({todo.size} cells): neither the hypergeometric series "
            f"nor Gauss quadrature over the dropout probability converges there.")
    return out


def _dropout_mean_quadrature(t, base, a, A, C, K, s=None, beta=None):
    """The same quantity as an expectation over the dropout probability,
    ``K/C E[(1 - (1 + p u)^-s)/p]`` with ``p ~ Beta(a, beta)``, ``u = t/base``, ``s = C - A``
    and ``beta = C - a + 1`` (the Gamma-distributed purchase rate integrated out), by
    :func:`_beta_expectation`; one set of rules per distinct C (per distinct (C, a, s, beta)
    when ``a`` and ``A`` are given per row). ``s`` and ``beta`` may be given exactly
    (``r + x`` and ``b + x``: ``C - A`` loses digits when ``C >> s``)."""
    t, base, C, K = (np.asarray(v, dtype=float).reshape(-1) for v in (t, base, C, K))
    a = np.broadcast_to(np.asarray(a, dtype=float).reshape(-1), t.shape)
    s = C - A if s is None else np.asarray(s, dtype=float).reshape(-1)
    beta = C - a + 1.0 if beta is None else np.asarray(beta, dtype=float).reshape(-1)
    s, beta = (np.broadcast_to(v, t.shape) for v in (s, beta))
    out = np.empty(t.shape)
    if not out.size:
        return out
    keys = np.column_stack([C, a, s, beta])
    order = np.lexsort(keys.T[::-1])
    edges = np.flatnonzero((np.diff(keys[order], axis=0) != 0).any(axis=1)) + 1
    # a loop over distinct frequencies (and dropout Betas), among the rows the series flags
    # only (extreme parameters): the quadrature takes one Beta distribution per call
    for sel in np.split(order, edges):
        i0 = sel[0]
        c = C[i0]
        g = _beta_expectation(t[sel] / base[sel], s[i0], a[i0], beta[i0])
        out[sel] = np.where(K[sel] == c, 1.0, K[sel] / c) * g
    return out


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
def _frequency_groups(C, K, base, X):  # pragma: no cover - compiled
    """Group rows by (C, K) when the C are an integer lattice (``C = c0 + x`` for integer
    frequencies x): ``gid`` per row, and per group C, K, X (of its first row), the row
    count and the range of ``base``. ``gid[0] = -1`` when the C are not such a lattice (or some (C, K) pairs of
    the same lattice point differ): the caller then sums every row exactly."""
    n = C.size
    gid = np.empty(n, dtype=np.int64)
    cmin = C.min()
    span = C.max() - cmin
    lattice = span <= n  # false for nan as well; bounds the per-group arrays by n + 1
    G = int(span + 0.5) + 1 if lattice else 1
    Cg = np.zeros(G)
    Kg = np.zeros(G)
    Xg = np.zeros(G)
    count = np.zeros(G, dtype=np.int64)
    bmin = np.full(G, np.inf)
    bmax = np.full(G, -np.inf)
    if not lattice:
        gid[0] = -1
        return gid, Cg, Kg, Xg, count, bmin, bmax
    for i in range(n):
        g = int(C[i] - cmin + 0.5)
        if count[g] == 0:
            Cg[g] = C[i]
            Kg[g] = K[i]
            Xg[g] = X[i]
        elif C[i] != Cg[g] or K[i] != Kg[g]:
            gid[0] = -1
            return gid, Cg, Kg, Xg, count, bmin, bmax
        count[g] += 1
        bmin[g] = min(bmin[g], base[i])
        bmax[g] = max(bmax[g], base[i])
        gid[i] = g
    return gid, Cg, Kg, Xg, count, bmin, bmax


@parallel_kernel(error_model="numpy")
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


def _interpolate_groups(t, base, a, A, C, K, w, hw, out, shape=(None, None, None)):
    """Fill ``out`` for the rows of large (C, K) groups by Chebyshev interpolation of the
    log value in ``log(base)`` (see the note above); return the rows left for the exact
    kernel. Memory: tables only for the groups kept, at most 4 * out.size floats."""
    X, s0, beta0 = shape
    gid, Cg, Kg, Xg, count, bmin, bmax = _frequency_groups(C, K, base, C if X is None else X)
    if gid[0] < 0:
        return np.arange(base.size)
    gshape = (None if X is None else Xg, s0, beta0)  # rows of a group share x
    groups, coef, mid, inv_half, _ = _group_tables(t, a, A, Cg, Kg, count, bmin, bmax, hw, out.shape[1], gshape)
    if not groups.size:
        return np.arange(base.size)
    slot = np.full(Cg.size, -1, dtype=np.int64)  # lattice point -> row of the tables
    slot[groups] = np.arange(groups.size)
    rows_slot = slot[gid]
    _chebyshev_rows(base, rows_slot, coef, mid, inv_half, w, out)
    return np.flatnonzero(rows_slot < 0)


def _group_tables(t, a, A, Cg, Kg, count, bmin, bmax, hw, ncols, gshape):
    """The Chebyshev tables of :func:`_interpolate_groups` for groups of rows that share
    ``(Cg, Kg)`` (``count`` rows, ``base`` in ``[bmin, bmax]``; ``gshape`` the groups'
    ``(X, s0, beta0)``): the groups kept (indices), their coefficients of the log value in
    ``y = (log base - mid) inv_half`` (``(kept, N, ncols)``, zero-padded to the largest N),
    ``mid``, ``inv_half`` and the number of nodes of each. A group is kept when it has at least
    ``2 N`` rows, its values at
    the ``N`` nodes are positive and the last quarter of its coefficients is below
    :data:`_CHEB_TAIL`, for N = 16, 32 or 64 in turn."""
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
        with np.errstate(all="ignore"):
            vals = _exact(t, nodes, a, A, np.ascontiguousarray(Cg[rows]), np.ascontiguousarray(Kg[rows]),
                          np.ones(rows.size), hw, _take(gshape, rows), groups=rows)
            vals = vals.reshape(pos.size, N, ncols)
            c = np.einsum("jk,gkc->gjc", np.cos(np.outer(np.arange(N), theta)) * (2.0 / N),
                          np.log(vals))
        c[:, 0] /= 2.0
        ok = ((vals > 0).all(axis=(1, 2))
              & (np.abs(c[:, -(N // 4):]).max(axis=(1, 2)) <= _CHEB_TAIL))
        if ok.any():
            kept.append((pos[ok], c[ok]))
        pos = pos[~ok]
    if not kept:
        return np.empty(0, dtype=np.int64), np.zeros((0, 1, ncols)), np.empty(0), np.empty(0), np.empty(0, np.int64)
    nmax = max(c.shape[1] for p, c in kept)
    keep = np.concatenate([p for p, c in kept])
    coef = np.zeros((keep.size, nmax, ncols))
    start = 0
    for p, c in kept:
        coef[start:start + p.size, :c.shape[1]] = c
        start += p.size
    inv_half = np.divide(1.0, half[keep], out=np.zeros(keep.size), where=half[keep] > 0)
    sizes = np.concatenate([np.full(p.size, c.shape[1], dtype=np.int64) for p, c in kept])
    return todo[keep], coef, mid[keep], inv_half, sizes


def _group_log_values(t, nodes, a, A, Cg, Kg, gshape):
    """The Chebyshev coefficients of the log value at given nodes (``(groups, N)``, the
    nodes of :func:`_group_tables`), for the groups' ``(Cg, Kg)`` and ``gshape``: the same
    transform, for other parameters at the same nodes (differences in the parameters)."""
    G, N = nodes.shape
    rows = np.repeat(np.arange(G), N)
    theta = np.pi * (np.arange(N) + 0.5) / N
    X, s0, beta0 = gshape
    with np.errstate(all="ignore"):
        vals = _exact(t, np.ascontiguousarray(nodes.ravel()), a, A, np.ascontiguousarray(Cg[rows]),
                      np.ascontiguousarray(Kg[rows]), np.ones(rows.size), np.empty(0),
                      (None if X is None else X[rows], s0, beta0), groups=rows)
        c = np.cos(np.outer(np.arange(N), theta)) * (2.0 / N) @ np.log(vals.reshape(G, N)).T
    c = c.T
    c[:, 0] /= 2.0
    return c


def _group_nodes(bmin, bmax, N):
    """The N Chebyshev nodes of :func:`_group_tables` in ``[bmin, bmax]``, one row per group."""
    with np.errstate(all="ignore"):
        lo, hi = np.log(bmin), np.log(bmax)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    theta = np.pi * (np.arange(N) + 0.5) / N
    return np.clip(np.exp(mid[:, None] + half[:, None] * np.cos(theta)), bmin[:, None], bmax[:, None])


def _writable(v):
    """``v`` as a C-contiguous, writable float64 array (copied only when it is not one)."""
    return np.require(v, dtype=np.float64, requirements=("C", "W"))


def geometric_dropout_mean(t, base, a, A, C, K, weight=None, horizon_weights=None, *, x=None,
                           s0=None, beta0=None):
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
    error is largest); groups that fail the check are summed row by row.

    Rows where the series would lose accuracy are evaluated by Gauss quadrature over the
    Beta-distributed dropout probability, ``K/C E[(1 - (1 + p u)^-s)/p]``, ``p ~ Beta(a,
    beta)``, ``u = t/base`` (:func:`_beta_expectation`): the series flags a row when its two
    parts cancel (``|K F| + |PW S| (1 + |v|)`` above 1e3 times the value: ``C >> s``, i.e.
    a dropout Beta far heavier than the purchase shape, or alternating terms when ``A < 0``),
    when it would need more than 20,000 terms (``z`` near 1), or beforehand when its terms
    would peak beyond ``j = 4,000`` or above ``e^600`` (``a`` far above 1: the power
    ``(1-z)^(a-1)`` tiny and the hypergeometric sum huge). A quadrature value is accepted
    when two rules of different order agree to 1e-12; otherwise
    :class:`~custvalue.exceptions.DataError` names the regime. Checked against mpmath over
    ``[1e-2, 1e4]`` for every parameter (``tests/clv/test_extreme_parameters_bgnbd.py``):
    within about 1e-11 relative.

    Parameters
    ----------
    t : array-like, shape (n, m) or broadcastable to it
        Horizons (>= 0).
    base : array-like, shape (n,)
        ``alpha + T`` of each row (> 0).
    a : float or array-like, shape (n,)
        Beta-distribution parameter of the dropout probability (> 0); one per row for
        customers with their own dropout Beta (static covariates).
    A : float or array-like, shape (n,)
        First numerator parameter of the transformed series (``a+b-1-r`` for BG/NBD); one
        per row with ``a``.
    C, K : array-like, shape (n,)
        Denominator parameter (``a+b+x-1`` for BG/NBD; ``C + 1 > 0``) and the leading factor.
    weight : array-like, shape (n,), optional
        Multiplies each row (e.g. P(alive)); default 1.
    horizon_weights : array-like, shape (m,), optional
        Return ``Σ_k horizon_weights_k value[:, k]`` (shape ``(n,)``) instead of the grid,
        e.g. the discount weights of a CLV; the grid is never materialised.
    x : array-like, shape (n,), optional
        Frequencies (default 0), with ``s0`` and ``beta0``.
    s0, beta0 : float or array-like, optional
        The purchase shape ``C - A = s0 + x`` (``r + x``) and the dropout Beta's second
        parameter ``C - a + 1 = beta0 + x`` (``b + x``; ``b + 1 + x`` for MBG/NBD) given
        exactly; the quadrature uses them (``C - A`` loses digits when ``C >> r + x``).
        Default: from A and C. ``beta0`` may hold one value per row (with ``a``).

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
    n = max(t.shape[0], np.size(base), np.size(C), np.size(K), np.size(a), np.size(A))
    shape = (n, t.shape[1])
    if t.shape[0] != n or t.strides[0] == 0:  # one row of horizons shared by every row
        if not (t == t[:1]).all():
            t = np.broadcast_to(t, shape)
        else:
            t = t[:1]
    # writable C arrays only: a read-only view (np.broadcast_to) is another numba type and
    # would compile the kernels once more (one specialisation, one compile, per process cache)
    t = _writable(t)
    base, C, K = (_writable(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))) for v in (base, C, K))
    X = None if s0 is None or x is None else _writable(
        np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))
    per_row = np.size(a) > 1 or np.size(A) > 1 or np.size(beta0) > 1  # each row its own dropout Beta
    if per_row:
        a, A = (_writable(np.broadcast_to(np.asarray(v, dtype=np.float64).reshape(-1), (n,))) for v in (a, A))
        if s0 is not None:
            beta0 = _writable(np.broadcast_to(np.asarray(beta0, dtype=np.float64).reshape(-1), (n,)))
    else:
        a, A = (np.full(1, float(np.asarray(v).reshape(-1)[0])) for v in (a, A))
    shape3 = (X, None if s0 is None else float(s0),
              None if s0 is None else (beta0 if per_row else float(beta0)))
    w = np.ones(n) if weight is None else _writable(np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,)))
    if horizon_weights is None:
        hw = np.empty(0)
        out = np.empty(shape)
    else:
        hw = _writable(np.asarray(horizon_weights, dtype=np.float64).reshape(-1))
        if hw.size != shape[1]:
            raise ValueError(f"horizon_weights must have one entry per horizon ({shape[1]}); "
                             f"received {hw.size}.")
        out = np.empty((n, 1))
    if t.shape[0] == 1 and n >= _INTERPOLATE_MIN_ROWS and not per_row:
        exact = _interpolate_groups(t, base, a, A, C, K, w, hw, out, shape3)
        if exact.size:
            out[exact] = _exact(t, base[exact], a, A, C[exact], K[exact], w[exact], hw,
                                _take(shape3, exact))
    else:
        out[:] = _exact(t, base, a, A, C, K, w, hw, shape3)
    return out if hw.size == 0 else out[:, 0]


def _take(shape, rows):
    """``(X, s0, beta0)`` restricted to ``rows``."""
    X, s0, beta0 = shape
    return (None if X is None else X[rows], s0, beta0 if np.ndim(beta0) == 0 else beta0[rows])


def _exact(t, base, a, A, C, K, w, hw, shape=(None, None, None), groups=None):
    """The series kernel on every row, then quadrature for the rows it flags (with
    ``groups``, a label per row: for every row of a group with a flagged row, so that the
    values of a group come from one method and carry one kind of rounding error)."""
    n = base.size
    m = t.shape[1]
    a, A = (_writable(np.asarray(v, dtype=np.float64).reshape(-1)) for v in (a, A))  # 1 or n values
    out = np.empty((n, 1 if hw.size else m))
    flag = np.zeros(n, dtype=np.int8)
    with np.errstate(all="ignore"):
        _dropout_mean(t, base, a, A, C, K, w, hw, out, flag)
    bad = flag != 0
    if groups is not None and bad.any():
        bad = np.isin(groups, groups[bad])
    rows = np.flatnonzero(bad)
    if rows.size:
        cells = np.broadcast_to(rows[:, None], (rows.size, m)).ravel()
        tt = np.broadcast_to(t, (n, m))[rows].ravel()
        X, s0, beta0 = shape
        s = beta = None
        if s0 is not None:  # exact r + x and b + x
            xc = 0.0 if X is None else X[cells]
            b0 = beta0 if np.ndim(beta0) == 0 else beta0[cells]
            s, beta = s0 + xc + np.zeros(cells.size), b0 + xc + np.zeros(cells.size)
        ac, Ac = (v[0] if v.size == 1 else v[cells] for v in (a, A))
        vals = (w[cells] * _dropout_mean_quadrature(tt, base[cells], ac, Ac, C[cells],
                                                    K[cells], s, beta)).reshape(rows.size, m)
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


# -- differences of log-gamma and its derivatives, accurate when the arguments are large -----
#: Bernoulli numbers B_2, B_4, ..., B_14 (Stirling's series; Abramowitz & Stegun 6.1.40, 6.3.18, 6.4.12)
_BERNOULLI = (1.0 / 6.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0, 5.0 / 66.0, -691.0 / 2730.0, 7.0 / 6.0)
#: Stirling's series is used where both arguments are at least this (its truncation after B_14
#: is below 1e-17 relative there; below it the direct difference loses at most ~2 digits)
_STIRLING_FROM = 10.0


def _split(z, h):
    """Broadcast ``z``, ``h``; the mask of elements for Stirling's series and the safe ``u =
    1/z``, ``v = 1/(z+h)``, ``v - u = -h u v`` there (1 elsewhere)."""
    z, h = np.broadcast_arrays(np.asarray(z, dtype=float), np.asarray(h, dtype=float))
    big = (z >= _STIRLING_FROM) & (z + h >= _STIRLING_FROM)
    zs = np.where(big, z, _STIRLING_FROM)
    hs = np.where(big, h, 0.0)
    u, v = 1.0 / zs, 1.0 / (zs + hs)
    return z, h, big, zs, hs, u, v, -hs * u * v


def _power_differences(u, v, dv, m_max):
    """``v^m - u^m`` for m = 1..m_max, each as ``(v - u) sum_j v^j u^(m-1-j)`` (no cancellation)."""
    out = [dv]
    s, vp = np.ones_like(u), np.ones_like(u)
    for _ in range(1, m_max):
        vp = vp * v
        s = u * s + vp
        out.append(dv * s)
    return out


def _stirling_lgamma_ratio(z, h):
    """Stirling's series of ``log Γ(z+h) - log Γ(z)`` where both arguments are >= 10 (other
    elements give a finite placeholder), and the mask of those elements."""
    z, h, big, zs, hs, u, v, dv = _split(z, h)
    ser = np.zeros_like(u)
    for k, pd in enumerate(_power_differences(u, v, dv, 2 * len(_BERNOULLI) - 1)[::2], start=1):
        ser += _BERNOULLI[k - 1] / (2 * k * (2 * k - 1)) * pd
    return (zs - 0.5) * np.log1p(hs / zs) + hs * np.log(zs + hs) - hs + ser, big, z, h


def lgamma_ratio(z, h):
    """``log Γ(z+h) - log Γ(z)``, accurate to rounding of the difference for any size of ``z``.

    For ``z, z+h >= 10`` it is Stirling's series of the difference (Abramowitz & Stegun 6.1.40)::

        (z - 1/2) log1p(h/z) + h log(z+h) - h + sum_k B_2k / (2k (2k-1)) (v^(2k-1) - u^(2k-1)),

    ``u = 1/z``, ``v = 1/(z+h)``, each power difference formed as ``(v - u)`` times a sum of
    positive terms. Otherwise both arguments are first raised to at least 10 by
    ``log Γ(y+1) = log Γ(y) + log y``, the shift contributing ``-sum_j log1p(h/(z+j))`` (at
    most 10 terms): relative accuracy for a small shift too (``gammaln`` differences keep
    only ``1e-16 log Γ(z)`` absolute), and none lost to ``log Γ(z+h)`` in the thousands.

    Parameters
    ----------
    z : array-like
        Positive.
    h : array-like
        Shift, with ``z + h > 0``.

    Returns
    -------
    numpy.ndarray
        The difference, broadcast shape of ``z`` and ``h``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import gammaln
    >>> bool(abs(lgamma_ratio(3.0, 2.0) - np.log(12.0)) < 1e-15)
    True
    >>> bool(abs(lgamma_ratio(1e14, 3.0) - 3 * np.log(1e14)) < 1e-12)  # gammaln keeps ~0.3 here
    True
    """
    both, big, z, h = _stirling_lgamma_ratio(z, h)
    if np.all(big):
        return both[()]
    out = np.array(both, dtype=float)
    small = ~big
    zs, hs = z[small], h[small]
    with np.errstate(all="ignore"):
        low = np.minimum(zs, zs + hs)
        ok = low > 0  # a valid pair: m <= 10 steps up (others NaN)
        m = np.where(ok, np.ceil(_STIRLING_FROM - low), 0.0)
        acc = np.zeros(zs.shape)
        for j in range(int(m.max()) if m.size else 0):
            q = hs / (zs + j)  # log((z+j+h)/(z+j)); log1p unless the ratio is far from 1
            step = np.where(np.abs(q) <= 1.0, np.log1p(q), np.log(zs + j + hs) - np.log(zs + j))
            acc -= np.where(j < m, step, 0.0)
        ser, _, _, _ = _stirling_lgamma_ratio(np.where(ok, zs + m, _STIRLING_FROM), np.where(ok, hs, 0.0))
        out[small] = np.where(ok, ser + acc, np.nan)
    return out[()]


def digamma_diff(z, h):
    """``ψ(z+h) - ψ(z)``, accurate to rounding of the difference for any size of ``z``.

    For ``z, z+h >= 10`` from the asymptotic series (Abramowitz & Stegun 6.3.18)::

        log1p(h/z) - (v - u)/2 - sum_k B_2k / (2k) (v^(2k) - u^(2k)),

    ``u = 1/z``, ``v = 1/(z+h)``; below that, ``psi(z+h) - psi(z)``.

    Parameters
    ----------
    z : array-like
        Positive.
    h : array-like
        Shift, with ``z + h > 0``.

    Returns
    -------
    numpy.ndarray
        The difference.

    Examples
    --------
    >>> bool(abs(digamma_diff(4.0, 1.0) - 0.25) < 1e-15)  # ψ(z+1) = ψ(z) + 1/z
    True
    >>> bool(abs(digamma_diff(1e12, 1.0) / 1e-12 - 1.0) < 1e-12)
    True
    """
    z, h, big, zs, hs, u, v, dv = _split(z, h)
    pds = _power_differences(u, v, dv, 2 * len(_BERNOULLI))
    ser = np.zeros_like(u)
    for k in range(1, len(_BERNOULLI) + 1):
        ser += _BERNOULLI[k - 1] / (2 * k) * pds[2 * k - 1]
    with np.errstate(all="ignore"):
        stirling = np.log1p(hs / zs) - 0.5 * dv - ser
        direct = psi(z + h) - psi(z)
    return np.where(big, stirling, direct)[()]


def trigamma_diff(z, h):
    """``ψ'(z+h) - ψ'(z)``, accurate to rounding of the difference for any size of ``z``.

    For ``z, z+h >= 10`` from the asymptotic series (Abramowitz & Stegun 6.4.12)::

        (v - u) + (v^2 - u^2)/2 + sum_k B_2k (v^(2k+1) - u^(2k+1)),

    ``u = 1/z``, ``v = 1/(z+h)``; below that, ``polygamma(1, z+h) - polygamma(1, z)``.

    Parameters
    ----------
    z : array-like
        Positive.
    h : array-like
        Shift, with ``z + h > 0``.

    Returns
    -------
    numpy.ndarray
        The difference.

    Examples
    --------
    >>> bool(abs(trigamma_diff(4.0, 1.0) + 1 / 16) < 1e-15)  # ψ'(z+1) = ψ'(z) - 1/z^2
    True
    >>> bool(abs(trigamma_diff(1e12, 1.0) / -1e-24 - 1.0) < 1e-11)
    True
    """
    z, h, big, zs, hs, u, v, dv = _split(z, h)
    pds = _power_differences(u, v, dv, 2 * len(_BERNOULLI) + 1)
    ser = dv + 0.5 * pds[1]
    for k in range(1, len(_BERNOULLI) + 1):
        ser += _BERNOULLI[k - 1] * pds[2 * k]
    with np.errstate(all="ignore"):
        direct = polygamma(1, z + h) - polygamma(1, z)
    return np.where(big, ser, direct)[()]


#: whole-number shifts up to this are looked up in a table (see :func:`_shift_tables`)
_TABLE_MAX = 1_000_000


def _shift_tables(z, *counts, digamma=False):
    """``log Γ(z_k + j) - log Γ(z_k)`` (:func:`lgamma_ratio`; with ``digamma``, also
    ``ψ(z_k + j) - ψ(z_k)``, :func:`digamma_diff`) for ``j = 0..max(counts) + 1``, rows
    ``k`` of ``z``, in one call each; ``None`` unless the counts are whole numbers in
    ``0..1e6`` and the ``z`` scalars.

    Kernels whose data are counts (BG/BB, sBG) look their log-gamma differences up here
    instead of evaluating the series per customer and per term.

    Parameters
    ----------
    z : sequence of float
        The base arguments.
    *counts : array-like
        The data the shifts are formed from (their maximum sets the table length).
    digamma : bool, default False
        Also tabulate the digamma differences.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(L, P)``, each ``(len(z), max + 2)`` (``P`` None without ``digamma``); or None.

    Examples
    --------
    >>> import numpy as np
    >>> L, _ = _shift_tables([2.0], np.array([0.0, 3.0]))
    >>> bool(np.allclose(np.exp(L[0]), [1, 2, 6, 24, 120]))  # Γ(2+j)/Γ(2) = (j+1)!
    True
    """
    if any(np.ndim(v) for v in z):
        return None
    counts = [np.asarray(c, dtype=float) for c in counts]
    top = max((float(np.max(c)) for c in counts if c.size), default=0.0)
    if not (np.isfinite(top) and top <= _TABLE_MAX
            and all(c.size == 0 or (float(np.min(c)) >= 0 and np.array_equal(c, np.floor(c))) for c in counts)):
        return None
    zz = np.asarray(z, dtype=float)[:, None]
    grid = np.arange(int(top) + 2, dtype=float)[None, :]
    return lgamma_ratio(zz, grid), (digamma_diff(zz, grid) if digamma else None)


def log_beta_ratio(a, b, h):
    """``log B(a, b+h) - log B(a, b)`` (the beta function), as
    ``lgamma_ratio(b, h) - lgamma_ratio(a+b, h)``: exact to rounding in absolute terms when
    ``a`` and ``b`` are large (``betaln`` differences keep ``1e-16 (a+b)``).

    Parameters
    ----------
    a, b : array-like
        Positive.
    h : array-like
        Shift, with ``b + h > 0``.

    Returns
    -------
    numpy.ndarray
        The log-ratio.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import betaln
    >>> bool(abs(log_beta_ratio(0.8, 2.4, 3.0) - (betaln(0.8, 5.4) - betaln(0.8, 2.4))) < 1e-14)
    True
    >>> bool(abs(log_beta_ratio(2.5e13, 7.5e13, 1.0) - np.log(0.75)) < 1e-13)  # B(a,b+1)/B(a,b) = b/(a+b)
    True
    """
    a, b, h = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, h)))
    # log Γ(b+h) - log Γ(b) - [log Γ(a+b+h) - log Γ(a+b)] = [log Γ(a+b) - log Γ(b)] - [log Γ(a+b+h)
    # - log Γ(b+h)]: the pairing with the smaller shift keeps the smaller terms (the two cancel
    # to ~h a / b when b is large)
    swap = a < h
    shift = np.where(swap, a, h)
    return (lgamma_ratio(b, shift) - lgamma_ratio(np.where(swap, b + h, a + b), shift))[()]
