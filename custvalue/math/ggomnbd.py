"""GGom/NBD kernels: Poisson purchasing with a Gamma-Gompertz lifetime (Bemmaor & Glady
2012, "Modeling Purchasing Behavior with Sudden 'Death': A Flexible Customer Lifetime Model",
Management Science 58(5):1012-1021; BG below; with Adler's 2022 correction of the
conditional expectation, Management Science 69(3); R package CLVTools, ``ggomnbd``).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α). The lifetime τ is Gompertz with
hazard ``η b e^{b t}`` and η ~ Gamma(s, β), so that (BG eqs. 1-3)::

    S(t) = (β / (β + e^{bt} - 1))^s,     f(t) = b s β^s e^{bt} (β + e^{bt} - 1)^-(s+1).

``b -> 0`` with ``β = b β_P`` gives the Pareto/NBD with lifetime parameters ``(s, β_P)``:
``S(t) -> (β_P / (β_P + t))^s``.

Notation: ``x`` = frequency, ``t_x`` = recency, ``T`` = customer age; ``c = r + x``.

Likelihood (BG eq. 6)::

    L = Γ(c)/Γ(r) α^r [ (α+T)^-c S(T) + ∫_{t_x}^T (α+y)^-c f(y) dy ]

P(alive) = the first term's share of the bracket (BG eq. 8). Given alive at T, λ ~ Gamma(c,
α+T) and η ~ Gamma(s, β + e^{bT} - 1), so the remaining lifetime survives u more with
``S_T(u) = (B / (B + e^{bT} (e^{bu} - 1)))^s``, ``B = β + e^{bT} - 1``, and::

    E[X(T, T+t) | history] = P(alive) c / (α+T) ∫_0^t S_T(u) du        (Adler 2022, eq. 3)
    P(X(T, T+t) = n | alive) = S_T(t) NB(n; c, (α+T)/(α+T+t))
                               + ∫_0^t f_T(u) NB(n; c, (α+T)/(α+T+u)) du

with ``f_T = -S_T'``; a new customer is the history ``x = t_x = T = 0``. DERT discounts the
integrand of the expectation: ``P(alive) c/(α+T) ∫_0^H e^{-δu} S_T(u) du``.

The one-dimensional integrals are adaptive, compiled, one pass over the customers. The
interval is cut into pieces on which the integrand is monotone, each mapped from its maximum by
``y = y0 ± ℓ (e^v - 1)`` (ℓ from the log-integrand's slope and curvature there; the map turns
algebraic and exponential tails into smooth functions of v) and cut where the integrand has
fallen below e^-40 of its start. For the likelihood the pieces come from the shape of the
log-integrand φ: right of the Gompertz mode ``log((β-1)/s)/b`` it decreases, left of it φ' is
concave, so φ falls, rises to a maximum and falls again (or a prefix of that); the turning
points are found by bisection. For the predictions the break points are the modes of the
remaining lifetime's density and of the NB factor. Each piece gets a 24-node Gauss-Legendre
panel in v; a panel's error is estimated from the last four Legendre coefficients of the
polynomial through its values (their size times their decay, extrapolated) and the panel with
the largest estimate is halved until the estimates sum below 1e-11 of the likelihood's bracket
``A1 + A2`` (of the integral, for the predictions). A typical row is one panel (the cost of
the former fixed 24-node rule); a Gompertz peak far from t_x takes 3-20. The fitting pass
(``_rows``) also returns the weighted sums of the gradient and the exact Hessian, the integral
differentiated twice under the sign on the same panels (Newton steps, and the standard errors
without differencing).

Accuracy, measured against scipy's QUADPACK (split at the modes and at graded points, rel.
tol. 1e-13; mpmath spot checks) on r, s in [0.05, 20], α in [0.05, 500], b in [1e-6, 5],
β in [1e-4, 1e8], x up to 400, T up to 500 (tests/clv/test_ggomnbd.py): log-likelihood
within 1e-11 absolute (rounding, 1e-15 relative, for absolute log-likelihoods in the thousands), P(alive)
1e-11 relative, conditional expectation and DERT 1e-10 relative, PMF 1e-9 relative or 1e-14
absolute (1 - P(alive) rounds at P(alive) near 1). The former fixed 24-node rule erred by up
to 0.18 in the log-likelihood at such parameters.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``loglike_and_score``,
``weighted_loglike_and_score``, ``weighted_loglike_score_hessian``, ``x_levels``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy.special import gammaln

from ._checks import params
from ._jit import parallel_kernel, row_threads as _threads
from .special import digamma_diff, lgamma_ratio, trigamma_diff

__all__ = [
    "loglike", "loglike_and_score", "p_alive", "conditional_expected_purchases",
    "expected_purchases_new_customer", "probability_of_purchases", "conditional_probability_of_purchases",
    "dert", "survival", "weighted_loglike_and_score", "weighted_loglike_score_hessian", "x_levels",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ("infinite", "finite")
HORIZON_WEIGHTS = False
TIME_SCALE = False



@params(b="positive", s="positive", beta="positive")
def survival(t, b, s, beta):
    """Gamma-Gompertz survival ``S(t) = (β / (β + e^{bt} - 1))^s`` (BG eq. 3).

    Parameters
    ----------
    t : array-like
        Time since the first purchase (>= 0).
    b, s, beta : float
        Gompertz scale b and Gamma(s, β) heterogeneity of η.

    Returns
    -------
    numpy.ndarray
        Survival probabilities.

    Examples
    --------
    >>> survival([0.0, 10.0], 0.1, 1.0, 1.0).round(4).tolist()
    [1.0, 0.3679]
    """
    t = np.asarray(t, dtype=float)
    return np.exp(s * (np.log(beta) - np.log(beta + np.expm1(b * t))))


_NQ = 24
_NODES_Q, _WEIGHTS_Q = np.polynomial.legendre.leggauss(_NQ)
#: rows ``n-4 .. n-1`` of the discrete Legendre transform at the nodes: the highest-degree
#: coefficients of the polynomial through a panel's integrand values, whose size and decay give
#: the panel's error estimate (``_panel_error``)
_TAIL = np.array([(2 * k + 1) / 2 * _WEIGHTS_Q * np.polynomial.legendre.legval(_NODES_Q, np.eye(_NQ)[k])
                  for k in range(_NQ - 4, _NQ)])
#: estimated error of each integral allowed, relative to the quantity it enters (for the
#: likelihood: to the bracket A1 + A2; the estimate is conservative, see the module docstring)
_TOL = 1e-11
_MAXPAN = 160  # panels per integral (a cap reached by none of the tested histories)
_MAXSEG = 4
_CUT = 40.0  # monotone pieces are cut where the integrand is e^-(_CUT + V) below its start


@njit(cache=True, inline="always", error_model="numpy")
def _panel_error(fv, tail, h, val):  # pragma: no cover - compiled
    """Error estimate of a Gauss-Legendre panel from the interpolant's last four Legendre
    coefficients: their size times their decay per two degrees, extrapolated four steps (a
    sixth of the way to the degree 2n the rule integrates exactly), plus rounding."""
    c0 = c1 = c2 = c3 = 0.0
    for j in range(fv.size):
        c0 += tail[0, j] * fv[j]
        c1 += tail[1, j] * fv[j]
        c2 += tail[2, j] * fv[j]
        c3 += tail[3, j] * fv[j]
    a = abs(c3) + abs(c2)
    d = abs(c1) + abs(c0)
    if d > 0.0:
        q = min(1.0, a / d)
    else:
        q = 0.0 if a == 0.0 else 1.0
    q2 = q * q
    return 2.0 * h * a * q2 * q2 + 1e-15 * abs(val)


@njit(cache=True, inline="always", error_model="numpy")
def _exps(z):  # pragma: no cover - compiled
    """``(e^-z, e^-z - 1)`` for z >= 0 with one transcendental call, both to full relative
    precision (1 + expm1 would lose the digits of a small e^-z)."""
    if z > 0.5:
        u = math.exp(-z)
        return u, u - 1.0
    em = math.expm1(-z)
    return 1.0 + em, em


@njit(cache=True, inline="always", error_model="numpy")
def _log_rel(z, u, em, beta):  # pragma: no cover - compiled
    """``log((β + e^z - 1)/β) = log1p(expm1(z)/β)`` for z >= 0 (``u = e^-z``, ``em = e^-z - 1``
    from :func:`_exps`): relative to rounding at any β, also when s and β run off together
    (``s log β - s log(β + e^z - 1)`` kept ``1e-16 s log β``); ``z + log(u - em/β)`` where
    ``expm1(z)/β`` would overflow."""
    if z < 700.0:
        v = math.expm1(z) / beta
        if v < 1e300:
            return math.log1p(v)
    return z + math.log(u - em / beta)


@njit(cache=True, inline="always", error_model="numpy")
def _ll_logf(y, c, alpha, b, s, beta, log_bsb):  # pragma: no cover - compiled
    """log of the integrand ``α^c (α+y)^-c f(y)`` (the scales divided out: ``log_bsb =
    log(b s/β)``, ``f(y) = (b s/β) e^{by} (1 + (e^{by}-1)/β)^-(s+1)``; finite for any b y)."""
    z = b * y
    u, em = _exps(z)
    return -c * math.log1p(y / alpha) + log_bsb + z - (s + 1.0) * _log_rel(z, u, em, beta)


@njit(cache=True, inline="always", error_model="numpy")
def _ll_dlogf(y, c, alpha, b, s, beta, which):  # pragma: no cover - compiled
    """First (which = 1) or second (2) derivative of ``_ll_logf`` in y."""
    u, em = _exps(b * y)
    g = beta * u - em
    ia = 1.0 / (alpha + y)
    if which == 1:
        return -c * ia + b - (s + 1.0) * b / g
    return c * ia * ia - (s + 1.0) * b * b * (beta - 1.0) * u / (g * g)


@njit(cache=True, error_model="numpy")
def _ll_root(a, z, inc, which, c, alpha, b, s, beta):  # pragma: no cover - compiled
    """Bisection for the zero of a monotone derivative (``which`` as in _ll_dlogf) on [a, z];
    only a split point, so a relative width of 1e-6 is plenty."""
    for _ in range(80):
        m = 0.5 * (a + z)
        if (_ll_dlogf(m, c, alpha, b, s, beta, which) < 0.0) == inc:
            a = m
        else:
            z = m
        if z - a <= 1e-6 * (abs(a) + abs(z)) + 1e-300:
            break
    return 0.5 * (a + z)


@njit(cache=True, error_model="numpy")
def _ll_add(k, y0, d, L, f_end, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV):  # pragma: no cover - compiled
    """Segment k: ``y = y0 + d ℓ (e^v - 1)``, v in [0, V], over a piece of length L on which
    the integrand decreases away from y0; ℓ from the log-integrand's slope and curvature at
    y0; the piece is cut where the integrand has fallen by e^-(_CUT + V). ``f_end`` is the
    log-integrand at the far end when known (NaN otherwise). Returns the log-integrand at y0."""
    u, em = _exps(b * y0)
    g = beta * u - em
    ia = 1.0 / (alpha + y0)
    d1 = -c * ia + b - (s + 1.0) * b / g
    d2 = c * ia * ia - (s + 1.0) * b * b * (beta - 1.0) * u / (g * g)
    f0 = -c * math.log1p(y0 / alpha) + log_bsb + b * y0 - (s + 1.0) * _log_rel(b * y0, u, em, beta)
    ell = 1.0 / (abs(d1) + math.sqrt(abs(d2)) + 1.0 / L)
    V = math.log1p(L / ell)
    cut = f0 - _CUT - V
    if not f_end == f_end:
        f_end = _ll_logf(y0 + d * L, c, alpha, b, s, beta, log_bsb)
    if f_end < cut:
        lo_v = 0.0
        hi_v = V
        for _ in range(40):
            mv = 0.5 * (lo_v + hi_v)
            if _ll_logf(y0 + d * ell * math.expm1(mv), c, alpha, b, s, beta, log_bsb) < cut:
                hi_v = mv
            else:
                lo_v = mv
            if hi_v - lo_v < 1e-3 * V:
                break
        V = hi_v
    sy0[k] = y0
    sd[k] = d
    sl[k] = ell
    sV[k] = V
    return f0


@njit(cache=True, error_model="numpy")
def _ll_segments(c, alpha, b, s, beta, log_bsb, lo, hi, f_hi, sy0, sd, sl, sV, sf):  # pragma: no cover - compiled
    """Split [t_x, T] into pieces on which the integrand is monotone, each mapped from its
    maximum: returns their number (the log-integrand at each start into ``sf``; ``f_hi`` is
    its value at T).

    Right of the Gompertz mode ``y* = log((β-1)/s)/b`` the log-integrand φ decreases; left of
    it φ'' decreases (c/(α+y)² falls and the Gompertz curvature grows towards log(β-1)/b), so
    φ' is concave there: φ falls, rises to a maximum, falls again, or any prefix of that. The
    turning points are found by bisection of φ' around the maximum of φ' (the zero of φ'')."""
    ys = -math.inf
    if beta - 1.0 > s:
        ys = (math.log(beta - 1.0) - math.log(s)) / b
    if ys <= lo:
        sf[0] = _ll_add(0, lo, 1.0, hi - lo, f_hi, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV)
        return 1
    m = min(ys, hi)
    if _ll_dlogf(lo, c, alpha, b, s, beta, 2) <= 0.0:
        yc = lo
    elif _ll_dlogf(m, c, alpha, b, s, beta, 2) >= 0.0:
        yc = m
    else:
        yc = _ll_root(lo, m, False, 2, c, alpha, b, s, beta)
    if _ll_dlogf(yc, c, alpha, b, s, beta, 1) <= 0.0:
        sf[0] = _ll_add(0, lo, 1.0, hi - lo, f_hi, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV)
        return 1
    ymin = lo if _ll_dlogf(lo, c, alpha, b, s, beta, 1) >= 0.0 else _ll_root(lo, yc, True, 1, c, alpha, b, s, beta)
    ymax = m if _ll_dlogf(m, c, alpha, b, s, beta, 1) >= 0.0 else _ll_root(yc, m, False, 1, c, alpha, b, s, beta)
    k = 0
    if ymin > lo:
        sf[k] = _ll_add(k, lo, 1.0, ymin - lo, math.nan, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV)
        k += 1
    if ymax > ymin:
        sf[k] = _ll_add(k, ymax, -1.0, ymax - ymin, math.nan, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV)
        k += 1
    if ymax < hi:
        sf[k] = _ll_add(k, ymax, 1.0, hi - ymax, f_hi, c, alpha, b, s, beta, log_bsb, sy0, sd, sl, sV)
        k += 1
    return k


@njit(cache=True, error_model="numpy")
def _ll_panel(y0, d, ell, va, vb, lo, hi, c, alpha, b, s, beta, log_bsb, shift, hess, nodes, wts, tail, fv,
              out):  # pragma: no cover - compiled
    """One Gauss-Legendre panel ``v in [va, vb]`` of a segment: the integral of
    ``e^-shift (α+y)^-c f(y)`` and, into ``out``, of its products with the log-derivatives
    (5) and, if ``hess``, the second-derivative terms (15); returns (value, error estimate)."""
    ib = 1.0 / b
    i_s = 1.0 / s
    ibeta = 1.0 / beta
    ialpha = 1.0 / alpha
    s1 = s + 1.0
    bm1 = beta - 1.0
    h = 0.5 * (vb - va)
    a2 = 0.0
    e0 = e1 = e2 = e3 = e4 = 0.0
    m00 = m01 = m11 = m22 = m23 = m24 = m33 = m34 = m44 = 0.0
    m02 = m03 = m04 = m12 = m13 = m14 = 0.0
    for j in range(nodes.size):
        v = va + h * (nodes[j] + 1.0)
        ev = math.exp(v)
        y = min(max(y0 + d * ell * (ev - 1.0), lo), hi)
        ia = 1.0 / (alpha + y)
        pa = y * ialpha * ia  # y/(α(α+y)) = 1/α - 1/(α+y)
        lay = math.log1p(y * ialpha)
        zy = b * y
        uy, emy = _exps(zy)
        gy = beta * uy - emy
        q = 1.0 / gy
        idn = uy * q  # 1 / (β + e^{by} - 1)
        dq = -emy * q * ibeta  # 1/β - 1/(β + e^{by} - 1)
        ky = _log_rel(zy, uy, emy, beta)
        fj = ell * ev * math.exp(-c * lay + log_bsb + zy - s1 * ky - shift)
        fv[j] = fj
        wj = wts[j] * h * fj
        f0 = -lay
        f1 = c * pa
        f2 = ib + y - s1 * y * q
        f3 = i_s - ky
        f4 = s * dq - idn
        a2 += wj
        e0 += wj * f0
        e1 += wj * f1
        e2 += wj * f2
        e3 += wj * f3
        e4 += wj * f4
        if hess:
            yq = y * q
            m00 += wj * f0 * f0
            m01 += wj * (f0 * f1 + pa)
            m02 += wj * f0 * f2
            m03 += wj * f0 * f3
            m04 += wj * f0 * f4
            m11 += wj * (f1 * f1 - c * pa * (ialpha + ia))
            m12 += wj * f1 * f2
            m13 += wj * f1 * f3
            m14 += wj * f1 * f4
            m22 += wj * (f2 * f2 - ib * ib - s1 * y * yq * bm1 * idn)
            m23 += wj * (f2 * f3 - yq)
            m24 += wj * (f2 * f4 + s1 * yq * idn)
            m33 += wj * (f3 * f3 - i_s * i_s)
            m34 += wj * (f3 * f4 + dq)
            m44 += wj * (f4 * f4 - s * dq * (ibeta + idn) + idn * idn)
    out[0] = e0
    out[1] = e1
    out[2] = e2
    out[3] = e3
    out[4] = e4
    if hess:
        out[5] = m00
        out[6] = m01
        out[7] = m02
        out[8] = m03
        out[9] = m04
        out[10] = m11
        out[11] = m12
        out[12] = m13
        out[13] = m14
        out[14] = m22
        out[15] = m23
        out[16] = m24
        out[17] = m33
        out[18] = m34
        out[19] = m44
    return a2, _panel_error(fv, tail, h, a2)


_NCHUNK = 64  # fixed row blocks: the sums do not depend on the number of threads
_NACC = 21  # weighted sums: log-likelihood, gradient (5), Hessian's upper triangle (15)
#: (row, column) of the Hessian's upper triangle, in the order of ``acc[:, 6:]``
_TRI = tuple((p, q) for p in range(5) for q in range(p, 5))


@parallel_kernel(error_model="numpy")
def _rows(r, alpha, b, s, beta, x, t_x, T, w, nodes, wts, tail, tol, hess, ll_out, g_out, la_out,
          acc):  # pragma: no cover - compiled
    """One pass over the customers: ``log(A1 + A2)`` (the likelihood's bracket, BG eq. 6), its
    gradient and, if ``hess``, its Hessian w.r.t. (r, α, b, s, β), the integral and its
    derivatives differentiated under the sign with one quadrature rule.

    Per row into ``ll_out``, ``g_out`` and ``la_out`` (log P(alive)) when they have n rows;
    per block of rows, the ``w``-weighted sums of the value, gradient and Hessian into
    ``acc`` (see _NACC). The terms of the constant ``log Γ(r+x) - log Γ(r) - x log α`` are
    the caller's (once per distinct frequency); the bracket here has the scales divided out,
    ``α^c A1 = (1+T/α)^-c S(T)`` and ``α^c (α+y)^-c f(y)`` with ``log S = -s log1p((e^{bT}-1)/β)``
    (:func:`_log_rel`), so that nothing of the size of ``r log α`` or ``s log β`` is formed
    and cancelled when (r, α) or (s, β) run off together.

    With ``u = e^{-by}`` and ``g = β u + 1 - u`` (so ``β + e^{by} - 1 = e^{by} g``), the
    density's log is ``log(b s β^s) - s b y - (s+1) log g`` and ``e^{by}/(β + e^{by} - 1) =
    1/g``: finite for any ``b y``."""
    n = x.shape[0]
    rows = ll_out.shape[0] == n
    log_bsb = math.log(b) + math.log(s) - math.log(beta)
    ialpha = 1.0 / alpha
    ibeta = 1.0 / beta
    s1 = s + 1.0
    bm1 = beta - 1.0
    nchunk = acc.shape[0]
    for ch in prange(nchunk):
        lo_i = ch * n // nchunk
        hi_i = (ch + 1) * n // nchunk
        maxpan = _MAXPAN
        pacc = np.empty((maxpan, 20))
        pv = np.empty(maxpan)
        pe = np.empty(maxpan)
        pva = np.empty(maxpan)
        pvb = np.empty(maxpan)
        pseg = np.empty(maxpan, dtype=np.int64)
        fv = np.empty(nodes.size)
        sy0 = np.empty(_MAXSEG)
        sd = np.empty(_MAXSEG)
        sl = np.empty(_MAXSEG)
        sV = np.empty(_MAXSEG)
        sf = np.empty(_MAXSEG)
        s_ll = 0.0
        s_g0 = s_g1 = s_g2 = s_g3 = s_g4 = 0.0
        h00 = h01 = h02 = h03 = h04 = h11 = h12 = h13 = h14 = 0.0
        h22 = h23 = h24 = h33 = h34 = h44 = 0.0
        for i in range(lo_i, hi_i):
            c = r + x[i]
            lo = t_x[i]
            hi = T[i]
            # alive term A1 = (α+T)^-c S(T) and the derivatives of its log
            la_T = math.log1p(hi * ialpha)  # log(α+T) - log α
            ia_T = 1.0 / (alpha + hi)
            pa_T = hi * ialpha * ia_T  # T/(α(α+T))
            zT = b * hi
            uT, em = _exps(zT)
            gT = beta * uT - em
            qT = 1.0 / gT
            idT = uT * qT  # 1 / (β + e^{bT} - 1)
            dqT = -em * qT * ibeta  # 1/β - 1/(β + e^{bT} - 1)
            kT = _log_rel(zT, uT, em, beta)
            lS = -s * kT  # log S(T)
            log_a1 = -c * la_T + lS
            d0 = -la_T
            d1 = c * pa_T
            d2 = -s * hi * qT
            d3 = -kT
            d4 = s * dqT
            # dead term A2 = ∫_{t_x}^T (α+y)^-c f(y) dy: monotone pieces (_ll_segments), each
            # mapped y = y0 ± ℓ (e^v - 1), Gauss-Legendre panels in v bisected until the
            # estimated error is below tol (A1 + A2)
            a2 = 0.0
            e0 = e1 = e2 = e3 = e4 = 0.0
            m00 = m01 = m11 = m22 = m23 = m24 = m33 = m34 = m44 = 0.0
            m02 = m03 = m04 = m12 = m13 = m14 = 0.0
            shift = 0.0
            if hi > lo:
                f_hi = -c * la_T + log_bsb + zT - s1 * kT
                nseg = _ll_segments(c, alpha, b, s, beta, log_bsb, lo, hi, f_hi, sy0, sd, sl, sV, sf)
                shift = sf[0]
                for k in range(1, nseg):
                    shift = max(shift, sf[k])
                a1s = math.exp(min(log_a1 - shift, 700.0))
                npan = 0
                for k in range(nseg):
                    pv[npan], pe[npan] = _ll_panel(sy0[k], sd[k], sl[k], 0.0, sV[k], lo, hi, c, alpha, b, s, beta,
                                                   log_bsb, shift, hess, nodes, wts, tail, fv, pacc[npan])
                    pseg[npan] = k
                    pva[npan] = 0.0
                    pvb[npan] = sV[k]
                    npan += 1
                while True:
                    tot = 0.0
                    err = 0.0
                    worst = 0
                    for k in range(npan):
                        tot += pv[k]
                        err += pe[k]
                        if pe[k] > pe[worst]:
                            worst = k
                    if err <= tol * (tot + a1s) or npan >= maxpan:
                        break
                    k = pseg[worst]
                    va = pva[worst]
                    vb = pvb[worst]
                    vm = 0.5 * (va + vb)
                    pv[worst], pe[worst] = _ll_panel(sy0[k], sd[k], sl[k], va, vm, lo, hi, c, alpha, b, s, beta,
                                                     log_bsb, shift, hess, nodes, wts, tail, fv, pacc[worst])
                    pvb[worst] = vm
                    pv[npan], pe[npan] = _ll_panel(sy0[k], sd[k], sl[k], vm, vb, lo, hi, c, alpha, b, s, beta,
                                                   log_bsb, shift, hess, nodes, wts, tail, fv, pacc[npan])
                    pseg[npan] = k
                    pva[npan] = vm
                    pvb[npan] = vb
                    npan += 1
                for k in range(npan):
                    a2 += pv[k]
                    e0 += pacc[k, 0]
                    e1 += pacc[k, 1]
                    e2 += pacc[k, 2]
                    e3 += pacc[k, 3]
                    e4 += pacc[k, 4]
                    if hess:
                        m00 += pacc[k, 5]
                        m01 += pacc[k, 6]
                        m02 += pacc[k, 7]
                        m03 += pacc[k, 8]
                        m04 += pacc[k, 9]
                        m11 += pacc[k, 10]
                        m12 += pacc[k, 11]
                        m13 += pacc[k, 12]
                        m14 += pacc[k, 13]
                        m22 += pacc[k, 14]
                        m23 += pacc[k, 15]
                        m24 += pacc[k, 16]
                        m33 += pacc[k, 17]
                        m34 += pacc[k, 18]
                        m44 += pacc[k, 19]
            if a2 > 0.0:
                log_a2 = math.log(a2) + shift
                top = max(log_a1, log_a2)
                log_tot = top + math.log(math.exp(log_a1 - top) + math.exp(log_a2 - top))
                p1 = math.exp(log_a1 - log_tot)
                p2 = math.exp(log_a2 - log_tot) / a2
            else:
                log_tot = log_a1
                p1 = 1.0
                p2 = 0.0
            G0 = p1 * d0 + p2 * e0
            G1 = p1 * d1 + p2 * e1
            G2 = p1 * d2 + p2 * e2
            G3 = p1 * d3 + p2 * e3
            G4 = p1 * d4 + p2 * e4
            if rows:
                ll_out[i] = log_tot
                la_out[i] = log_a1 - log_tot
                g_out[i, 0] = G0
                g_out[i, 1] = G1
                g_out[i, 2] = G2
                g_out[i, 3] = G3
                g_out[i, 4] = G4
            wi = w[i]
            s_ll += wi * log_tot
            s_g0 += wi * G0
            s_g1 += wi * G1
            s_g2 += wi * G2
            s_g3 += wi * G3
            s_g4 += wi * G4
            if hess:
                # H = p1 (∇²a1 + ∇a1 ∇a1') + (∇²A2 + ...)/(A1+A2) - G G'
                h00 += wi * (p1 * d0 * d0 + p2 * m00 - G0 * G0)
                h01 += wi * (p1 * (d0 * d1 + pa_T) + p2 * m01 - G0 * G1)
                h02 += wi * (p1 * d0 * d2 + p2 * m02 - G0 * G2)
                h03 += wi * (p1 * d0 * d3 + p2 * m03 - G0 * G3)
                h04 += wi * (p1 * d0 * d4 + p2 * m04 - G0 * G4)
                h11 += wi * (p1 * (d1 * d1 - c * pa_T * (ialpha + ia_T)) + p2 * m11 - G1 * G1)
                h12 += wi * (p1 * d1 * d2 + p2 * m12 - G1 * G2)
                h13 += wi * (p1 * d1 * d3 + p2 * m13 - G1 * G3)
                h14 += wi * (p1 * d1 * d4 + p2 * m14 - G1 * G4)
                h22 += wi * (p1 * (d2 * d2 - s * hi * hi * qT * bm1 * idT) + p2 * m22 - G2 * G2)
                h23 += wi * (p1 * (d2 * d3 - hi * qT) + p2 * m23 - G2 * G3)
                h24 += wi * (p1 * (d2 * d4 + s * hi * qT * idT) + p2 * m24 - G2 * G4)
                h33 += wi * (p1 * d3 * d3 + p2 * m33 - G3 * G3)
                h34 += wi * (p1 * (d3 * d4 + dqT) + p2 * m34 - G3 * G4)
                h44 += wi * (p1 * (d4 * d4 - s * dqT * (ibeta + idT)) + p2 * m44 - G4 * G4)
        acc[ch, 0] = s_ll
        acc[ch, 1] = s_g0
        acc[ch, 2] = s_g1
        acc[ch, 3] = s_g2
        acc[ch, 4] = s_g3
        acc[ch, 5] = s_g4
        acc[ch, 6] = h00
        acc[ch, 7] = h01
        acc[ch, 8] = h02
        acc[ch, 9] = h03
        acc[ch, 10] = h04
        acc[ch, 11] = h11
        acc[ch, 12] = h12
        acc[ch, 13] = h13
        acc[ch, 14] = h14
        acc[ch, 15] = h22
        acc[ch, 16] = h23
        acc[ch, 17] = h24
        acc[ch, 18] = h33
        acc[ch, 19] = h34
        acc[ch, 20] = h44


def x_levels(x, weights=None):
    """Distinct frequencies, each row's position among them and the summed weight of each
    (the constant's terms ``log Γ(r+x)``, ψ and ψ' are evaluated once per distinct x).

    Parameters
    ----------
    x : array-like
        Frequency of each row.
    weights : array-like, optional
        Weight of each row (ones by default).

    Returns
    -------
    tuple of numpy.ndarray
        Sorted distinct frequencies, each row's index among them, the weight per frequency.

    Examples
    --------
    >>> xu, idx, wx = x_levels([2.0, 0.0, 2.0])
    >>> xu.tolist(), idx.tolist(), wx.tolist()
    ([0.0, 2.0], [1, 0, 1], [1.0, 2.0])
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    xu, idx = np.unique(x, return_inverse=True)
    idx = idx.reshape(-1)
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    return xu, idx, np.bincount(idx, weights=w, minlength=xu.size)


def _run(r, alpha, b, s, beta, x, t_x, T, w, rows, hess):
    n = x.size
    ll = np.empty(n if rows else 0)
    grad = np.empty((n if rows else 0, 5))
    log_alive = np.empty(n if rows else 0)
    acc = np.zeros((_NCHUNK, _NACC))
    with _threads(n):
        _rows(float(r), float(alpha), float(b), float(s), float(beta), x, t_x, T, w, _NODES_Q, _WEIGHTS_Q, _TAIL,
              _TOL, bool(hess), ll, grad, log_alive, acc)
    return ll, grad, log_alive, acc.sum(axis=0)


def _evaluate(r, alpha, b, s, beta, x, t_x, T):
    x, t_x, T = (np.ascontiguousarray(v, dtype=float).reshape(-1)
                 for v in np.broadcast_arrays(*(np.asarray(u, dtype=float) for u in (x, t_x, T))))
    ll, grad, log_alive, _ = _run(r, alpha, b, s, beta, x, t_x, T, np.ones(x.size), True, False)
    ll += lgamma_ratio(r, x) - x * math.log(alpha)
    grad[:, 1] -= x / alpha
    return x, ll, grad, log_alive


def _weighted(r, alpha, b, s, beta, x, t_x, T, weights, levels, hess):
    """Weighted sums of the log-likelihood, gradient and (if ``hess``) Hessian: the compiled
    pass plus the constant's terms per distinct frequency."""
    x, t_x, T, w = (np.ascontiguousarray(v, dtype=float).reshape(-1) for v in (x, t_x, T, weights))
    xu, _, wx = x_levels(x, w) if levels is None else levels
    _, _, _, tot = _run(r, alpha, b, s, beta, x, t_x, T, w, False, hess)
    wxu = float(wx @ xu)
    ll = float(tot[0] + wx @ lgamma_ratio(r, xu) - wxu * math.log(alpha))
    grad = tot[1:6].copy()
    grad[0] += wx @ digamma_diff(r, xu)
    grad[1] -= wxu / alpha
    if not hess:
        return ll, grad, None
    H = np.empty((5, 5))
    for k, (p_, q_) in enumerate(_TRI):
        H[p_, q_] = H[q_, p_] = tot[6 + k]
    H[0, 0] += wx @ trigamma_diff(r, xu)
    H[1, 1] += wxu / alpha ** 2
    return ll, grad, H


def weighted_loglike_and_score(r, alpha, b, s, beta, x, t_x, T, weights, levels=None):
    """``sum_i w_i log L_i`` (BG eq. 6) and its gradient w.r.t. (r, alpha, b, s, beta), from
    one compiled pass over the rows (no per-row arrays).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``x_levels(x, weights)``, precomputed.

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (5,)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> ll, g = weighted_loglike_and_score(0.55, 10.6, 0.01, 0.6, 0.1, x, t_x, T, np.ones(2))
    >>> bool(np.isclose(ll, loglike(0.55, 10.6, 0.01, 0.6, 0.1, x, t_x, T).sum())), g.shape
    (True, (5,))
    """
    return _weighted(r, alpha, b, s, beta, x, t_x, T, weights, levels, False)[:2]


def weighted_loglike_score_hessian(r, alpha, b, s, beta, x, t_x, T, weights, levels=None):
    """``sum_i w_i log L_i`` (BG eq. 6), its gradient and its Hessian w.r.t.
    (r, alpha, b, s, beta), from one compiled pass: the integral's first and second
    derivatives are differentiated under the sign with the same quadrature rule as the
    value (see ``_rows``).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``x_levels(x, weights)``, precomputed.

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (5,), Hessian of shape (5, 5)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> ll, g, H = weighted_loglike_score_hessian(0.55, 10.6, 0.01, 0.6, 0.1, x, t_x, T, np.ones(2))
    >>> H.shape, bool(np.allclose(H, H.T))
    ((5, 5), True)
    """
    return _weighted(r, alpha, b, s, beta, x, t_x, T, weights, levels, True)


def loglike_and_score(r, alpha, b, s, beta, x, t_x, T):
    """Per-customer GGom/NBD log-likelihood (BG eq. 6) and its analytic gradient w.r.t.
    (r, alpha, b, s, beta), shape ``(n, 5)`` (the integral differentiated under the sign,
    with the same quadrature rule).

    Parameters
    ----------
    r, alpha : float
        Gamma(r, α) purchase rates.
    b, s, beta : float
        Gompertz scale and Gamma(s, β) heterogeneity of the lifetime.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    tuple of numpy.ndarray
        Per-row log-likelihood ``(n,)`` and gradient ``(n, 5)``.

    Examples
    --------
    >>> ll, g = loglike_and_score(0.55, 10.6, 0.01, 0.6, 0.1, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> ll.shape, g.shape
    ((2,), (2, 5))
    """
    x, ll, grad, _ = _evaluate(r, alpha, b, s, beta, x, t_x, T)
    xu, inv, _ = x_levels(x)
    grad[:, 0] += digamma_diff(r, xu)[inv]
    return ll, grad


def loglike(r, alpha, b, s, beta, x, t_x, T):
    """Per-customer GGom/NBD log-likelihood (BG eq. 6; module docstring).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(0.55, 10.6, 0.01, 0.6, 0.1, 0, 0.0, 38.86)[0]), 4)
    -0.486
    """
    return _evaluate(r, alpha, b, s, beta, x, t_x, T)[1]


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def p_alive(r, alpha, b, s, beta, x, t_x, T):
    """P(alive | x, t_x, T): the alive term's share of the likelihood (BG eq. 8).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities, shaped like the broadcast inputs.

    Examples
    --------
    >>> p_alive(0.55, 10.6, 0.01, 0.6, 0.1, [0, 2], [0.0, 30.43], [38.86, 38.86]).round(4).tolist()
    [0.244, 0.8386]
    """
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
    return np.exp(_evaluate(r, alpha, b, s, beta, x, t_x, T)[3]).reshape(shape)


@njit(cache=True, inline="always", error_model="numpy")
def _log1p_rexpm1(rho, z):  # pragma: no cover - compiled
    """``log(1 + ρ (e^z - 1))`` for z >= 0 without overflow."""
    if z < 20.0:
        return math.log1p(rho * math.expm1(z))
    return math.log(rho) + z + math.log1p((1.0 / rho - 1.0) * math.exp(-z))


@njit(cache=True, inline="always", error_model="numpy")
def _pred_logf(kind, u, prm):  # pragma: no cover - compiled
    """log-integrand of the prediction integrals at u: kind 0, ``e^{-δu} S_T(u)`` (prm = ρ,
    b, s, δ with ρ = e^{bT}/B); kind 1, ``f_T(u) NB(n; c, (α+T)/(α+T+u))`` (prm = ρ, b, s,
    c, n, α+T, log C(c+n-1, n))."""
    rho = prm[0]
    b = prm[1]
    s = prm[2]
    if kind == 0:
        return -s * _log1p_rexpm1(rho, b * u) - prm[3] * u
    c = prm[3]
    n = prm[4]
    aT = prm[5]
    out = math.log(s * b * rho) + b * u - (s + 1.0) * _log1p_rexpm1(rho, b * u) + prm[6] - c * math.log1p(u / aT)
    if n > 0.0:
        out += n * (math.log(u) - math.log(aT + u)) if u > 0.0 else -math.inf
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _pred_slope(kind, u, prm):  # pragma: no cover - compiled
    """Derivative of ``_pred_logf`` in u (its size sets each segment's scale)."""
    rho = prm[0]
    b = prm[1]
    s = prm[2]
    hz = b / (1.0 + (1.0 / rho - 1.0) * math.exp(-b * u))  # Gompertz hazard per unit s
    if kind == 0:
        return -s * hz - prm[3]
    n = prm[4]
    aT = prm[5]
    out = b - (s + 1.0) * hz - prm[3] / (aT + u)
    if n > 0.0:
        out += n / u - n / (aT + u) if u > 0.0 else math.inf
    return out


@njit(cache=True, error_model="numpy")
def _pred_integral(kind, prm, lo, hi, tol, nodes, wts, tail, fv, pv, pe, pva, pvb, pseg, sy0, sd, sl, sV,
                   sf):  # pragma: no cover - compiled
    """``∫_lo^hi e^{logf(u)} du`` (``_pred_logf``) by the likelihood's scheme: segments mapped
    from the break points (the Gompertz mode of the remaining lifetime and, for the PMF, the
    mode of the NB factor), each interval between two of them from both ends to its middle;
    panels bisected until the estimated error is below ``tol`` times the integral."""
    if not hi > lo:
        return 0.0
    # break points: lo, hi and the modes inside
    pts = np.empty(4)
    npt = 0
    pts[npt] = lo
    npt += 1
    rho = prm[0]
    b = prm[1]
    s = prm[2]
    beta_t = 1.0 / rho  # the remaining lifetime is Gamma-Gompertz with β_T = B e^{-bT}
    modes = np.empty(2)
    nm = 0
    if beta_t - 1.0 > s:
        modes[nm] = (math.log(beta_t - 1.0) - math.log(s)) / b
        nm += 1
    if kind == 1 and prm[4] > 0.0:
        modes[nm] = prm[4] * prm[5] / prm[3]
        nm += 1
    if nm == 2 and modes[1] < modes[0]:
        modes[0], modes[1] = modes[1], modes[0]
    for k in range(nm):
        if lo < modes[k] < hi and modes[k] > pts[npt - 1]:
            pts[npt] = modes[k]
            npt += 1
    pts[npt] = hi
    npt += 1
    nseg = 0
    e_y0 = np.empty(2)
    e_d = np.empty(2)
    e_L = np.empty(2)
    e_f = np.empty(2)
    for k in range(npt - 1):
        a = pts[k]
        z = pts[k + 1]
        fa = _pred_logf(kind, a, prm)
        fz = _pred_logf(kind, z, prm)
        sa = _pred_slope(kind, a, prm)
        sz = _pred_slope(kind, z, prm)
        if kind == 1 and sa > 0.0 and sz < 0.0:  # a maximum inside: map from it both ways
            ya = a
            yz = z
            for _ in range(80):
                ym = 0.5 * (ya + yz)
                if _pred_slope(kind, ym, prm) > 0.0:
                    ya = ym
                else:
                    yz = ym
                if yz - ya <= 1e-6 * yz:
                    break
            ym = 0.5 * (ya + yz)
            fm = _pred_logf(kind, ym, prm)
            ne = 2
            e_y0[0], e_d[0], e_L[0], e_f[0] = ym, -1.0, ym - a, fm
            e_y0[1], e_d[1], e_L[1], e_f[1] = ym, 1.0, z - ym, fm
        elif kind == 0 or fz == -math.inf:  # decreasing from a (survival), or nothing at z
            ne = 1
            e_y0[0], e_d[0], e_L[0], e_f[0] = a, 1.0, z - a, fa
        elif fa == -math.inf:
            ne = 1
            e_y0[0], e_d[0], e_L[0], e_f[0] = z, -1.0, z - a, fz
        else:
            ne = 2
            mid = 0.5 * (a + z)
            e_y0[0], e_d[0], e_L[0], e_f[0] = a, 1.0, mid - a, fa
            e_y0[1], e_d[1], e_L[1], e_f[1] = z, -1.0, z - mid, fz
        for q in range(ne):
            y0 = e_y0[q]
            d = e_d[q]
            L = e_L[q]
            f0 = e_f[q]
            ell = 1.0 / (abs(_pred_slope(kind, y0, prm)) + 1.0 / L)
            V = math.log1p(L / ell)
            cut = f0 - _CUT - V
            if _pred_logf(kind, y0 + d * L, prm) < cut:
                lo_v = 0.0
                hi_v = V
                for _ in range(40):
                    mv = 0.5 * (lo_v + hi_v)
                    if _pred_logf(kind, y0 + d * ell * math.expm1(mv), prm) < cut:
                        hi_v = mv
                    else:
                        lo_v = mv
                    if hi_v - lo_v < 1e-3 * V:
                        break
                V = hi_v
            sy0[nseg] = y0
            sd[nseg] = d
            sl[nseg] = ell
            sV[nseg] = V
            sf[nseg] = f0
            nseg += 1
    shift = sf[0]
    for k in range(1, nseg):
        shift = max(shift, sf[k])
    npan = 0
    for k in range(nseg):
        pv[npan], pe[npan] = _pred_panel(kind, prm, sy0[k], sd[k], sl[k], 0.0, sV[k], lo, hi, shift, nodes, wts,
                                         tail, fv)
        pseg[npan] = k
        pva[npan] = 0.0
        pvb[npan] = sV[k]
        npan += 1
    while True:
        tot = 0.0
        err = 0.0
        worst = 0
        for k in range(npan):
            tot += pv[k]
            err += pe[k]
            if pe[k] > pe[worst]:
                worst = k
        if err <= tol * tot or npan >= pv.size:
            break
        k = pseg[worst]
        va = pva[worst]
        vb = pvb[worst]
        vm = 0.5 * (va + vb)
        pv[worst], pe[worst] = _pred_panel(kind, prm, sy0[k], sd[k], sl[k], va, vm, lo, hi, shift, nodes, wts,
                                           tail, fv)
        pvb[worst] = vm
        pv[npan], pe[npan] = _pred_panel(kind, prm, sy0[k], sd[k], sl[k], vm, vb, lo, hi, shift, nodes, wts,
                                         tail, fv)
        pseg[npan] = k
        pva[npan] = vm
        pvb[npan] = vb
        npan += 1
    return tot * math.exp(shift)


@njit(cache=True, inline="always", error_model="numpy")
def _pred_panel(kind, prm, y0, d, ell, va, vb, lo, hi, shift, nodes, wts, tail, fv):  # pragma: no cover
    h = 0.5 * (vb - va)
    val = 0.0
    for j in range(nodes.size):
        ev = math.exp(va + h * (nodes[j] + 1.0))
        u = min(max(y0 + d * ell * (ev - 1.0), lo), hi)
        fj = ell * ev * math.exp(_pred_logf(kind, u, prm) - shift)
        fv[j] = fj
        val += wts[j] * h * fj
    return val, _panel_error(fv, tail, h, val)


@parallel_kernel(error_model="numpy")
def _discounted_survival(t, T, b, s, beta, delta, nodes, wts, tail, tol, out):  # pragma: no cover - compiled
    """∫_0^t e^{-δu} S_T(u) du per element (t may be inf when δ > 0)."""
    n = t.size
    nchunk = min(n, _NCHUNK)
    for ch in prange(nchunk):
        fv = np.empty(nodes.size)
        pv = np.empty(_MAXPAN)
        pe = np.empty(_MAXPAN)
        pva = np.empty(_MAXPAN)
        pvb = np.empty(_MAXPAN)
        pseg = np.empty(_MAXPAN, dtype=np.int64)
        sy0 = np.empty(2 * _MAXSEG)
        sd = np.empty(2 * _MAXSEG)
        sl = np.empty(2 * _MAXSEG)
        sV = np.empty(2 * _MAXSEG)
        sf = np.empty(2 * _MAXSEG)
        prm = np.empty(4)
        for i in range(ch * n // nchunk, (ch + 1) * n // nchunk):
            ti = t[i]
            if delta > 0.0:
                ti = min(ti, (_CUT + 40.0) / delta)
            # e^{bT} / B = 1 / (β e^{-bT} - expm1(-bT)): finite for any age T
            uT, emT = _exps(b * T[i])
            prm[0] = 1.0 / (beta * uT - emT)
            prm[1] = b
            prm[2] = s
            prm[3] = delta
            out[i] = _pred_integral(0, prm, 0.0, ti, tol, nodes, wts, tail, fv, pv, pe, pva, pvb, pseg, sy0, sd, sl,
                                    sV, sf) if ti > 0.0 else 0.0


def _flat(*arrays):
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in arrays))
    return arrs[0].shape, [np.ascontiguousarray(v).reshape(-1) for v in arrs]


def _expected(t, r, alpha, b, s, beta, x, t_x, T, delta):
    shape, (t, x, t_x, T) = _flat(t, x, t_x, T)
    integral = np.empty(t.size)
    _discounted_survival(t, T, float(b), float(s), float(beta), float(delta), _NODES_Q, _WEIGHTS_Q, _TAIL, _TOL,
                         integral)
    alive = np.exp(_evaluate(r, alpha, b, s, beta, x, t_x, T)[3])
    return (alive * (r + x) / (alpha + T) * integral).reshape(shape)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def conditional_expected_purchases(t, r, alpha, b, s, beta, x, t_x, T):
    """E[purchases in (T, T+t] | x, t_x, T] (Adler 2022, eq. 3; module docstring).

    Parameters
    ----------
    t : array-like
        Horizon (>= 0).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``t``).

    Returns
    -------
    numpy.ndarray
        Expected purchases.

    Examples
    --------
    >>> round(float(conditional_expected_purchases(39.0, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)), 4)
    1.3178
    """
    return _expected(t, r, alpha, b, s, beta, x, t_x, T, 0.0)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def expected_purchases_new_customer(t, r, alpha, b, s, beta):
    """E[X(t)] of a new customer: ``r/α ∫_0^t S(u) du`` (BG eq. 10, integrated by parts).

    Parameters
    ----------
    t : array-like
        Horizon(s).
    r, alpha, b, s, beta : float
        Model parameters.

    Returns
    -------
    numpy.ndarray
        Expected purchases per horizon.

    Examples
    --------
    >>> expected_purchases_new_customer([0.0, 39.0], 0.55, 10.6, 0.01, 0.6, 0.1).round(4).tolist()
    [0.0, 1.1134]
    """
    return _expected(t, r, alpha, b, s, beta, 0.0, 0.0, 0.0, 0.0)


@params(delta="nonnegative", r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def dert(delta, r, alpha, b, s, beta, x, t_x, T, horizon=None):
    """Discounted expected residual transactions, ``P(alive) c/(α+T) ∫_0^H e^{-δu} S_T(u) du``
    (module docstring; the Pareto/NBD's FHL 2005 eq. 2 with the Gamma-Gompertz survival).

    Parameters
    ----------
    delta : float
        Continuously compounded discount rate (> 0 for an infinite horizon).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age.
    horizon : float, optional
        Length of the period; None for an infinite horizon.

    Returns
    -------
    numpy.ndarray
        DERT per customer.

    Examples
    --------
    >>> bool(dert(0.01, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)[0] > 0)
    True
    """
    if horizon is None and not delta > 0:
        from ..exceptions import DataError
        raise DataError(f"delta must be > 0 for an infinite horizon; received {delta!r}.")
    h = np.inf if horizon is None else float(horizon)
    return np.atleast_1d(_expected(h, r, alpha, b, s, beta, x, t_x, T, float(delta)))


@parallel_kernel(error_model="numpy")
def _pmf_rows(n, t, x, T, log_alive, lnb_rows, r, alpha, b, s, beta, nodes, wts, tail, tol,
              out):  # pragma: no cover - compiled
    m = n.size
    nchunk = min(m, _NCHUNK)
    for ch in prange(nchunk):
        fv = np.empty(nodes.size)
        pv = np.empty(_MAXPAN)
        pe = np.empty(_MAXPAN)
        pva = np.empty(_MAXPAN)
        pvb = np.empty(_MAXPAN)
        pseg = np.empty(_MAXPAN, dtype=np.int64)
        sy0 = np.empty(2 * _MAXSEG)
        sd = np.empty(2 * _MAXSEG)
        sl = np.empty(2 * _MAXSEG)
        sV = np.empty(2 * _MAXSEG)
        sf = np.empty(2 * _MAXSEG)
        prm = np.empty(7)
        for i in range(ch * m // nchunk, (ch + 1) * m // nchunk):
            ni = n[i]
            ti = t[i]
            c = r + x[i]
            aT = alpha + T[i]
            uT, emT = _exps(b * T[i])
            rho = 1.0 / (beta * uT - emT)  # e^{bT} / B
            lnb = lnb_rows[i]
            # alive through t
            s_t = math.exp(-s * _log1p_rexpm1(rho, b * ti))
            p = s_t * math.exp(lnb - c * math.log1p(ti / aT) + ni * math.log(ti / (aT + ti)))
            # dies at u in (0, t)
            prm[0] = rho
            prm[1] = b
            prm[2] = s
            prm[3] = c
            prm[4] = ni
            prm[5] = aT
            prm[6] = lnb
            acc = _pred_integral(1, prm, 0.0, ti, tol, nodes, wts, tail, fv, pv, pe, pva, pvb, pseg, sy0, sd, sl, sV,
                                 sf)
            pa = math.exp(log_alive[i])
            out[i] = pa * (p + acc) + (1.0 - pa if ni == 0 else 0.0)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def conditional_probability_of_purchases(n, t, r, alpha, b, s, beta, x, t_x, T):
    """P(X(T, T+t) = n | x, t_x, T) (module docstring).

    Parameters
    ----------
    n : array-like of int
        Counts.
    t : float or array-like
        Horizon (> 0).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n``).

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> p = conditional_probability_of_purchases([0, 1], 39.0, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)
    >>> p.round(4).tolist()
    [0.452, 0.2111]
    """
    shape, (n, t, x, t_x, T) = _flat(n, t, x, t_x, T)
    log_alive = _evaluate(r, alpha, b, s, beta, x, t_x, T)[3]
    out = np.empty(n.size)
    # log C(c+n-1, n), c = r+x: the log-gamma difference keeps its digits for any r
    lnb_rows = lgamma_ratio(r + x, n) - gammaln(n + 1.0)
    _pmf_rows(n, t, x, T, log_alive, lnb_rows, float(r), float(alpha), float(b), float(s), float(beta), _NODES_Q,
              _WEIGHTS_Q, _TAIL, _TOL, out)
    return np.clip(out, 0.0, 1.0).reshape(shape)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def probability_of_purchases(n, t, r, alpha, b, s, beta):
    """P(X(t) = n) for a new customer (BG eq. 9; CLVTools ``ggomnbd_PMF``): the conditional PMF
    at the history ``x = t_x = T = 0``.

    Parameters
    ----------
    n : array-like of int
        Counts.
    t : float
        Horizon (> 0).
    r, alpha, b, s, beta : float
        Model parameters.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> float(probability_of_purchases(range(300), 39.0, 0.55, 10.6, 0.01, 0.6, 0.1).sum().round(6))
    1.0
    """
    return conditional_probability_of_purchases(n, t, r, alpha, b, s, beta, 0.0, 0.0, 0.0)
