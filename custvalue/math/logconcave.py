"""Integrals of log-concave functions of one variable, to full double precision, for the
mixture integrals behind several BTYD predictions.

The integrand is ``exp(φ(u))`` with

``φ(u) = p u - c1 log(1 + e^u) - c2 log(a2 + b2 e^u) - z e^u``,  ``p > 0``, ``c1, c2, z >= 0``,

a sum of concave terms (``log(a + b e^u)`` is a log-sum-exp, convex in u), integrated over
``[lo, hi]`` (``lo`` may be ``-inf``; ``hi`` may be ``+inf`` when ``p < c1 + c2`` or
``z > 0``).  The family covers, after a logarithmic or logistic change of variable,

* the Pareto/NBD mixture over the death time, ``∫ τ^n (α+τ)^-(r+n) (β+τ)^-(s+1) dτ``
  (P(X(t) = n), Fader, Hardie & Lee 2006) with ``τ = α e^u``;
* discounted survival under a Gamma(s, B) death rate, ``∫ e^{-δτ} (1 + τ/B)^-s dτ``
  (Pareto/NBD DERT, Fader, Hardie & Lee 2005 JMR eq. 2) with ``τ = B e^u``;
* Beta mixtures of discounted geometric lifetimes, ``∫ θ^{g-1} (1-θ)^{b-1} (θ+d)^-k dθ``
  (BG/BB DERT, Fader, Hardie & Shang 2010 eq. 14; sBG DEL and DERL, Fader & Hardie 2010
  eqs. 4 and 6) with ``θ = e^u / (1 + e^u)``, where it replaces Gauss' 2F1 near z = 1.

Method: the mode of φ is bracketed and bisected (φ' is decreasing), then composite
Gauss-Legendre panels (12 nodes) march away from it in both directions.  Each panel is
sized so that ``|φ'| h <= 5`` and ``|φ''| h² <= 5`` at both of its ends (the 12-node rule's
error is then below 1e-20 of the panel's integral for an exponential, 1e-19 for a Gaussian:
``(h/2)^25 C_12 |f^(24)|``, ``C_12 = 3e-31``), and so that the
non-linear part of φ (exponentials and logistic terms, whose every derivative is about
``|φ''|``) leaves the 12-node rule an error below 1e-18 (``h <= 2 (6.7e12/|φ''|)^(1/24)``):
far from the mode, where φ is linear to rounding, panels grow to the width set by the
slope alone.  A
direction stops when the concavity bound on the rest, ``exp(φ(v)) / |φ'(v)|``, is below
1e-18 of the accumulated integral.  The number of panels is set by the total variation
of φ over the region that matters (about 45 units of log around the mode, plus the rise
from the ends), typically 20 to 60, whatever the scale of the parameters.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["log_integral", "interpolate_smooth"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)
_RISE = 4.0        # bound on |φ'| h at both ends of a panel
_CURV = 4.0        # bound on |φ''| h² at both ends of a panel
_TAIL = 1e-18      # stop a direction when the bounded rest is below this share
_MAX_PANELS = 20_000
_NL_SCALE = 6.7e12  # see _nonlinear_width


@njit(cache=True, inline="always", error_model="numpy")
def _softplus(u):  # pragma: no cover - compiled
    """log(1 + e^u) without overflow."""
    if u > 0.0:
        return u + np.log1p(np.exp(-u))
    return np.log1p(np.exp(u))


@njit(cache=True, inline="always", error_model="numpy")
def _sigmoid(u):  # pragma: no cover - compiled
    """e^u / (1 + e^u) without overflow."""
    if u >= 0.0:
        return 1.0 / (1.0 + np.exp(-u))
    e = np.exp(u)
    return e / (1.0 + e)


@njit(cache=True, inline="always", error_model="numpy")
def _phi(u, p, c1, c2, la2, lb2, k2, z):  # pragma: no cover - compiled
    """φ(u); ``la2 = log a2`` (-inf when a2 = 0), ``lb2 = log b2``, ``k2 = la2 - lb2``."""
    v = p * u - c1 * _softplus(u)
    if c2 != 0.0:
        if la2 == -np.inf:
            v -= c2 * (lb2 + u)
        else:
            v -= c2 * (la2 + _softplus(u - k2))
    if z != 0.0:
        v -= z * np.exp(u)
    return v


@njit(cache=True, inline="always", error_model="numpy")
def _d1(u, p, c1, c2, la2, k2, z):  # pragma: no cover - compiled
    """φ'(u)."""
    v = p - c1 * _sigmoid(u)
    if c2 != 0.0:
        v -= c2 * (1.0 if la2 == -np.inf else _sigmoid(u - k2))
    if z != 0.0:
        v -= z * np.exp(u)
    return v


@njit(cache=True, inline="always", error_model="numpy")
def _d2(u, c1, c2, la2, k2, z):  # pragma: no cover - compiled
    """|φ''(u)|."""
    w = _sigmoid(u)
    v = c1 * w * (1.0 - w)
    if c2 != 0.0 and la2 != -np.inf:
        w2 = _sigmoid(u - k2)
        v += c2 * w2 * (1.0 - w2)
    if z != 0.0:
        v += z * np.exp(u)
    return v


@njit(cache=True, inline="always", error_model="numpy")
def _nonlinear_width(m):  # pragma: no cover - compiled
    """Widest panel on which the 12-node rule integrates ``exp(linear + N)`` to 1e-18
    relative when the non-linear part N (exponentials and logistic terms, each of whose
    derivatives is about ``m = |φ''|``) has size m: the rule's error is about
    ``(h/2)^24 1.5e-31 m`` of the panel's integral, hence ``h <= 2 (6.7e12/m)^(1/24)``
    (about 7 for m = 1, 28 for m = 1e-15; the linear part is bounded by ``|φ'| h <= 2``)."""
    if m <= 1e-280:
        return 1e6
    return min(1e6, 2.0 * (_NL_SCALE / m) ** (1.0 / 24.0))


@njit(cache=True, error_model="numpy")
def _mode(lo, hi, p, c1, c2, la2, k2, z):  # pragma: no cover - compiled
    """The maximiser of φ over [lo, hi] (φ' is decreasing); NaN if none is found."""
    if hi < np.inf and _d1(hi, p, c1, c2, la2, k2, z) >= 0.0:
        return hi
    if lo > -np.inf and _d1(lo, p, c1, c2, la2, k2, z) <= 0.0:
        return lo
    # a bracket [a, b] with φ'(a) > 0 > φ'(b) inside [lo, hi]
    start = min(max(0.0, lo), hi)
    if lo > -np.inf:
        a = lo
    else:
        a = start - 1.0
        step = 1.0
        while _d1(a, p, c1, c2, la2, k2, z) <= 0.0:
            step *= 2.0
            a = start - step
            if step > 1e6:
                return np.nan
    if hi < np.inf:
        b = hi
    else:
        b = max(a, start) + 1.0
        step = 1.0
        while _d1(b, p, c1, c2, la2, k2, z) >= 0.0:
            step *= 2.0
            b = max(a, start) + step
            if step > 1e6:
                return np.nan
    # safeguarded Newton on φ' (decreasing, φ'' = -|φ''|), bisecting when a step leaves
    # [a, b]; the mode is wanted to a hundredth of the integrand's width, not to rounding
    m = 0.5 * (a + b)
    for _ in range(200):
        g = _d1(m, p, c1, c2, la2, k2, z)
        if g > 0.0:
            a = m
        else:
            b = m
        c = _d2(m, c1, c2, la2, k2, z)
        if c > 0.0 and abs(g) < 0.01 * np.sqrt(c):
            break
        nm = m + g / c if c > 0.0 else 0.5 * (a + b)
        if not (a < nm < b):
            nm = 0.5 * (a + b)
        if nm == m or b - a <= 1e-12 * (1.0 + abs(m)):
            break
        m = nm
    return m


@njit(cache=True, error_model="numpy")
def _march(u0, end, sgn, phi0, p, c1, c2, la2, lb2, k2, z, acc0):  # pragma: no cover - compiled
    """Σ of Gauss-Legendre panels from u0 towards ``end`` (direction ``sgn``) of
    exp(φ - φ0); stops once the concavity bound on the rest is negligible against
    ``acc0`` + the sum so far.  Returns (sum, number of panels) or (nan, -1)."""
    total = 0.0
    u = u0
    npan = 0
    nx = _GL_X.shape[0]
    while sgn * (end - u) > 0.0:
        g1 = abs(_d1(u, p, c1, c2, la2, k2, z))
        g2 = _d2(u, c1, c2, la2, k2, z)
        h = min(_RISE / max(g1, 1e-300), np.sqrt(_CURV / max(g2, 1e-300)), _nonlinear_width(g2))
        rest = sgn * (end - u)
        if h > rest:
            h = rest
        for _ in range(200):  # shrink until both ends satisfy the bounds
            v = u + sgn * h
            f1 = abs(_d1(v, p, c1, c2, la2, k2, z))
            f2 = _d2(v, c1, c2, la2, k2, z)
            if f1 * h <= 1.25 * _RISE and f2 * h * h <= 1.25 * _CURV and h <= _nonlinear_width(f2):
                break
            h *= 0.5
        v = u + sgn * h
        lo_ = min(u, v)
        part = 0.0
        for j in range(nx):
            w = lo_ + 0.5 * h * (_GL_X[j] + 1.0)
            part += _GL_W[j] * np.exp(_phi(w, p, c1, c2, la2, lb2, k2, z) - phi0)
        total += 0.5 * h * part
        u = v
        npan += 1
        if npan > _MAX_PANELS:
            return np.nan, -1
        slope = sgn * _d1(u, p, c1, c2, la2, k2, z)  # < 0 once φ decreases this way
        if slope < 0.0:
            bound = np.exp(_phi(u, p, c1, c2, la2, lb2, k2, z) - phi0) / -slope
            if bound < _TAIL * (acc0 + total):
                break
    return total, npan


@njit(cache=True, parallel=True, error_model="numpy")
def _log_integral_rows(p, c1, c2, a2, b2, z, lo, hi, out):  # pragma: no cover - compiled
    n = out.shape[0]
    for i in prange(n):
        if not (p[i] > 0.0 and c1[i] >= 0.0 and c2[i] >= 0.0 and a2[i] >= 0.0 and b2[i] > 0.0
                and z[i] >= 0.0):
            out[i] = np.nan  # outside the log-concave family
            continue
        if not lo[i] < hi[i]:
            out[i] = -np.inf
            continue
        la2 = np.log(a2[i]) if a2[i] > 0.0 else -np.inf
        lb2 = np.log(b2[i])
        k2 = la2 - lb2
        um = _mode(lo[i], hi[i], p[i], c1[i], c2[i], la2, k2, z[i])
        if not np.isfinite(um):
            out[i] = np.nan
            continue
        phi0 = _phi(um, p[i], c1[i], c2[i], la2, lb2, k2, z[i])
        right, nr = _march(um, hi[i], 1.0, phi0, p[i], c1[i], c2[i], la2, lb2, k2, z[i], 0.0)
        left, nl = _march(um, lo[i], -1.0, phi0, p[i], c1[i], c2[i], la2, lb2, k2, z[i], right)
        if nr < 0 or nl < 0 or not right + left > 0.0:
            out[i] = np.nan
        else:
            out[i] = phi0 + np.log(right + left)


def log_integral(p, c1, c2, a2, b2, z, lo, hi):
    """``log ∫_lo^hi exp(p u - c1 log(1+e^u) - c2 log(a2 + b2 e^u) - z e^u) du``, elementwise.

    Parameters
    ----------
    p : array-like
        Slope of the linear term (> 0; the integrand decays like ``e^{pu}`` as u -> -inf).
    c1, c2 : array-like
        Weights (>= 0) of ``log(1+e^u)`` and ``log(a2 + b2 e^u)``.
    a2, b2 : array-like
        ``a2 >= 0``, ``b2 > 0``.
    z : array-like
        Weight (>= 0) of ``e^u``.
    lo, hi : array-like
        Limits (``-inf`` and ``+inf`` allowed; an empty interval gives ``-inf``).

    Returns
    -------
    numpy.ndarray
        The log-integral, broadcast shape of the inputs; NaN where the integral diverges
        (``hi = inf`` with ``p >= c1 + c2`` and ``z = 0``) or the parameters leave the family
        (``p <= 0``, a negative weight, ``a2 < 0`` or ``b2 <= 0``).

    Examples
    --------
    >>> import numpy as np
    >>> # ∫_{-inf}^{inf} e^u / (1+e^u)^2 du = 1
    >>> round(float(np.exp(log_integral(1.0, 2.0, 0.0, 1.0, 1.0, 0.0, -np.inf, np.inf))), 14)
    1.0
    >>> # B(2.5, 3.5) = ∫ θ^1.5 (1-θ)^2.5 dθ with θ logistic: p = 2.5, c1 = 6
    >>> from scipy.special import beta
    >>> v = np.exp(log_integral(2.5, 6.0, 0.0, 1.0, 1.0, 0.0, -np.inf, np.inf))
    >>> bool(abs(v / beta(2.5, 3.5) - 1) < 1e-14)
    True
    """
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p, c1, c2, a2, b2, z, lo, hi)))
    shape = arrs[0].shape
    flat = [np.array(a.reshape(-1), dtype=float) for a in arrs]  # writeable, contiguous copies
    out = np.empty(flat[0].size)
    _log_integral_rows(*flat, out)
    return out.reshape(shape)


_CHEB_N = 25  # Chebyshev points per piece of interpolate_smooth


def _cheb_points(n):
    """Chebyshev points of the second kind on [-1, 1] and their barycentric weights."""
    j = np.arange(n)
    x = np.cos(np.pi * j / (n - 1))
    w = (-1.0) ** j
    w[0] *= 0.5
    w[-1] *= 0.5
    return x, w


def _barycentric(x, nodes, weights, values):
    """The polynomial through ``(nodes, values)`` at ``x`` (second barycentric formula)."""
    d = x[:, None] - nodes[None, :]
    hit = d == 0.0
    d[hit] = 1.0
    t = weights / d
    out = (t @ values) / t.sum(axis=1)
    rows, cols = np.nonzero(hit)
    out[rows] = values[cols]
    return out


def interpolate_smooth(fun, y, *, tol=1e-13, max_width=1.0, min_points=100):
    """``fun(y)`` at many points ``y`` of a function that is analytic near the real axis, by
    piecewise Chebyshev interpolation checked against ``fun`` itself.

    ``[min y, max y]`` is cut into pieces no wider than ``max_width``; on each, ``fun`` is
    evaluated at 25 Chebyshev points and, as a check, at the 24 points between them; a piece
    whose interpolant misses a check value by more than ``tol`` (absolute) is halved, and
    after 8 halvings (or where ``fun`` is not finite) its points are evaluated directly.  For a function analytic in the strip
    ``|Im y| < π`` (the log-integrals of :mod:`custvalue.math.paretonbd` as functions of
    ``log(β+T)``) the interpolation error on a piece of width 1 is of the order of
    ``12.6^-25 ~ 1e-27`` (Bernstein ellipse of semi-minor axis π), so the checks pass at once;
    they guard against what the analyticity argument does not see (zeros of the value under a
    logarithm).  With fewer than ``min_points`` distinct points ``fun`` is simply called on them.

    Parameters
    ----------
    fun : callable
        Vectorised: array in, array of the same shape out.
    y : array-like
        Points (any shape).
    tol : float, default 1e-13
        Largest accepted interpolation error at the check points.
    max_width : float, default 1.0
        Widest piece.
    min_points : int, default 100
        Below this many distinct points, no interpolation.

    Returns
    -------
    numpy.ndarray
        ``fun(y)``, shape of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.linspace(0.0, 3.0, 1000)
    >>> bool(np.max(np.abs(interpolate_smooth(np.sin, y) - np.sin(y))) < 1e-13)
    True
    """
    y = np.asarray(y, dtype=float)
    yu, inv = np.unique(y, return_inverse=True)
    if yu.size < min_points:
        return np.asarray(fun(yu), dtype=float)[inv].reshape(y.shape)
    out = np.empty(yu.size)
    nodes, weights = _cheb_points(_CHEB_N)
    mids = np.cos(np.pi * (np.arange(_CHEB_N - 1) + 0.5) / (_CHEB_N - 1))
    n_pieces = int(np.ceil((yu[-1] - yu[0]) / max_width))
    edges = np.linspace(yu[0], yu[-1], n_pieces + 1)
    stack = [(edges[i], edges[i + 1], 0) for i in range(n_pieces)]
    while stack:  # loop over pieces (a handful), each vectorised over its points
        lo, hi, depth = stack.pop()
        sel = (yu >= lo) & (yu <= hi)
        if not sel.any():
            continue
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        vals = np.asarray(fun(np.concatenate([mid + half * nodes, mid + half * mids])), dtype=float)
        fn, check = vals[:_CHEB_N], vals[_CHEB_N:]
        if depth >= 8 or not np.all(np.isfinite(vals)) or sel.sum() <= 2 * _CHEB_N:
            out[sel] = fun(yu[sel])  # not smooth here, or too few points to gain
            continue
        if np.max(np.abs(_barycentric(mids, nodes, weights, fn) - check)) > tol:
            stack += [(lo, mid, depth + 1), (mid, hi, depth + 1)]
            continue
        out[sel] = _barycentric((yu[sel] - mid) / half, nodes, weights, fn)
    return out[inv].reshape(y.shape)

