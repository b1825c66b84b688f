"""mpmath references (50 digits) for the gamma-mixture models where a mixing distribution
degenerates: (r, α), (s, β) or (q, γ) running off together at a fixed ratio.

Every formula is written with the scale factored out of the integrand before anything is
evaluated (``α^r (α+τ)^-(r+x) = α^-x (1+τ/α)^-(r+x)``), so that nothing cancels, and is
evaluated at 50 digits (the result is checked against 70 digits).  None of them calls
custvalue.

Provenance: Pareto/NBD likelihood FH05 eq. (19) as ``Γ(r+x)/Γ(r) α^r β^s [(α+T)^-(r+x)
(β+T)^-s + s ∫_{t_x}^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ]`` (the integral by tanh-sinh
quadrature), P(alive) eq. (22), E[Y(t) | ...] eq. (24); Gamma-Gamma note 025 eq. (3).
"""

from __future__ import annotations

import mpmath as mp

_DPS = (50, 70)


def _stable(fn, *args, tol=30):
    prev = None
    for dps in _DPS:
        with mp.workdps(dps):
            val = fn(*(mp.mpf(a) for a in args))
            vals = list(val) if isinstance(val, (list, tuple)) else [val]
        if prev is not None:
            for v, w in zip(vals, prev):
                if abs(v - w) > mp.mpf(10) ** -tol * max(abs(v), mp.mpf(10) ** -300):
                    raise ArithmeticError(f"{fn.__name__}{args}: {v} != {w}")
        prev = vals
    out = [float(v) for v in vals]
    return out if isinstance(val, (list, tuple)) else out[0]


def _pnbd_log_terms(r, alpha, s, beta, x, t_x, T):
    """log of the alive and dead terms of eq. (19) with α^(r+x) β^s multiplied in."""
    alive = -(r + x) * mp.log1p(T / alpha) - s * mp.log1p(T / beta)
    if t_x >= T:
        return alive, None

    def f(tau):
        return mp.exp(-(r + x) * mp.log1p(tau / alpha) - s * mp.log1p(tau / beta)) / (beta + tau)
    n = 8
    pts = [t_x + (T - t_x) * k / n for k in range(n + 1)]
    dead = mp.log(s * mp.quad(f, pts))
    return alive, dead


def _pnbd_ll(r, alpha, s, beta, x, t_x, T):
    alive, dead = _pnbd_log_terms(r, alpha, s, beta, x, t_x, T)
    lse = alive if dead is None else alive + mp.log1p(mp.exp(dead - alive))
    return mp.loggamma(r + x) - mp.loggamma(r) - x * mp.log(alpha) + lse


def pnbd_loglike(r, alpha, s, beta, x, t_x, T):
    """Pareto/NBD log-likelihood of one customer."""
    return _stable(_pnbd_ll, r, alpha, s, beta, x, t_x, T)


def _pnbd_pa(r, alpha, s, beta, x, t_x, T):
    alive, dead = _pnbd_log_terms(r, alpha, s, beta, x, t_x, T)
    return mp.mpf(1) if dead is None else 1 / (1 + mp.exp(dead - alive))


def pnbd_p_alive(r, alpha, s, beta, x, t_x, T):
    """P(alive | x, t_x, T)."""
    return _stable(_pnbd_pa, r, alpha, s, beta, x, t_x, T)


def _pnbd_cond(t, r, alpha, s, beta, x, t_x, T):
    pa = _pnbd_pa(r, alpha, s, beta, x, t_x, T)
    if s == 1:
        f = mp.log1p(t / (beta + T))
    else:
        f = -mp.expm1(-(s - 1) * mp.log1p(t / (beta + T))) / (s - 1)
    return (r + x) * (beta + T) / (alpha + T) * f * pa


def pnbd_conditional_expected(t, r, alpha, s, beta, x, t_x, T):
    """E[Y(t) | x, t_x, T]."""
    return _stable(_pnbd_cond, t, r, alpha, s, beta, x, t_x, T)


def pnbd_gradient(r, alpha, s, beta, x, t_x, T, rel=1e-18):
    """Gradient of :func:`pnbd_loglike` in (r, α, s, β) by central differences at 50 digits
    (step ``rel`` times each parameter: error ~ rel^2, far below double rounding)."""
    def fn(r, alpha, s, beta, x, t_x, T):
        p = [r, alpha, s, beta]
        out = []
        for j in range(4):
            h = p[j] * mp.mpf(rel)
            up, dn = list(p), list(p)
            up[j] += h
            dn[j] -= h
            out.append((_pnbd_ll(*up, x, t_x, T) - _pnbd_ll(*dn, x, t_x, T)) / (2 * h))
        return out
    return _stable(fn, r, alpha, s, beta, x, t_x, T, tol=15)


def _gg_ll(p, q, gamma, x, m):
    px = p * x
    return (mp.loggamma(px + q) - mp.loggamma(px) - mp.loggamma(q) - px * mp.log(gamma)
            + (px - 1) * mp.log(m) + px * mp.log(x) - (px + q) * mp.log1p(m * x / gamma))


def gg_loglike(p, q, gamma, x, m):
    """Gamma-Gamma log-density of the mean spend m of x transactions."""
    return _stable(_gg_ll, p, q, gamma, x, m)


def gg_gradient(p, q, gamma, x, m, rel=1e-18):
    """Gradient of :func:`gg_loglike` in (p, q, γ) by central differences at 50 digits."""
    def fn(p, q, gamma, x, m):
        par = [p, q, gamma]
        out = []
        for j in range(3):
            h = par[j] * mp.mpf(rel)
            up, dn = list(par), list(par)
            up[j] += h
            dn[j] -= h
            out.append((_gg_ll(*up, x, m) - _gg_ll(*dn, x, m)) / (2 * h))
        return out
    return _stable(fn, p, q, gamma, x, m, tol=15)


def _ggom_log_terms(r, alpha, b, s, beta, x, t_x, T):
    """log of the alive and dead terms of BG eq. (6) with α^(r+x) multiplied in."""
    c = r + x
    alive = -c * mp.log1p(T / alpha) - s * mp.log1p(mp.expm1(b * T) / beta)
    if t_x >= T:
        return alive, None

    def f(y):
        return mp.exp(-c * mp.log1p(y / alpha) + mp.log(b * s / beta) + b * y
                      - (s + 1) * mp.log1p(mp.expm1(b * y) / beta))
    n = 8
    pts = [t_x + (T - t_x) * k / n for k in range(n + 1)]
    return alive, mp.log(mp.quad(f, pts))


def _ggom_ll(r, alpha, b, s, beta, x, t_x, T):
    alive, dead = _ggom_log_terms(r, alpha, b, s, beta, x, t_x, T)
    lse = alive if dead is None else alive + mp.log1p(mp.exp(dead - alive))
    return mp.loggamma(r + x) - mp.loggamma(r) - x * mp.log(alpha) + lse


def ggom_loglike(r, alpha, b, s, beta, x, t_x, T):
    """GGom/NBD log-likelihood of one customer (Bemmaor & Glady 2012, eq. 6)."""
    return _stable(_ggom_ll, r, alpha, b, s, beta, x, t_x, T)


def _ggom_pa(r, alpha, b, s, beta, x, t_x, T):
    alive, dead = _ggom_log_terms(r, alpha, b, s, beta, x, t_x, T)
    return mp.mpf(1) if dead is None else 1 / (1 + mp.exp(dead - alive))


def ggom_p_alive(r, alpha, b, s, beta, x, t_x, T):
    """GGom/NBD P(alive | x, t_x, T) (eq. 8)."""
    return _stable(_ggom_pa, r, alpha, b, s, beta, x, t_x, T)


def ggom_gradient(r, alpha, b, s, beta, x, t_x, T, rel=1e-18):
    """Gradient of :func:`ggom_loglike` in (r, α, b, s, β) by central differences at 50 digits."""
    def fn(r, alpha, b, s, beta, x, t_x, T):
        p = [r, alpha, b, s, beta]
        out = []
        for j in range(5):
            h = p[j] * mp.mpf(rel)
            up, dn = list(p), list(p)
            up[j] += h
            dn[j] -= h
            out.append((_ggom_ll(*up, x, t_x, T) - _ggom_ll(*dn, x, t_x, T)) / (2 * h))
        return out
    return _stable(fn, r, alpha, b, s, beta, x, t_x, T, tol=15)
