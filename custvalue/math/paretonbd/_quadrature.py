"""Pareto/NBD rows beyond the series' reach: ``A`` by composite Gauss-Legendre quadrature.

When α and β are a hundred times apart, ``z`` at t_x exceeds 0.99 and the series of
:mod:`._reference` would need 10^5-10^6 terms; there ``A`` is computed as the integral it is,
in ``log(α+τ)``, whose cost does not depend on z (see the package docstring).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._jit import parallel_kernel
from ._reference import _mixture

_ZINLINE = 0.99  # the fused kernel sums the series up to this z; beyond, the quadrature
_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)  # Gauss-Legendre nodes per panel
_PANEL_RISE = 2.0  # the log-integrand changes by at most this much across one panel


@njit(cache=True, error_model="numpy")
def _log_A_row(r, alpha, s, beta, x, t_x, T, dA, hA):  # pragma: no cover - compiled
    """``log Ã``, ``Ã = α^(r+x) β^s A``, of one row (see :func:`_log_A_quadrature`), its
    gradient into ``dA`` (4,) and Hessian into ``hA`` (4, 4) in (r, α, s, β); α and β may
    differ from row to row (static covariates, :mod:`._covariates`).  Scalar accumulators:
    no allocation per row.

    The scales are divided out of the integrand before anything is summed:
    ``α^(r+x) β^s (α+τ)^-(r+x) (β+τ)^-(s+1) = (1+τ/α)^-(r+x) (1+τ/β)^-s / (β+τ)``, whose
    logarithm and derivatives (``-log1p(τ/α)``, ``(r+x) τ/(α(α+τ))``, ...) stay of the size
    of the rates times τ when (r, α) or (s, β) run off together: nothing of size ``r log α``
    is formed and cancelled."""
    k2 = s + 1.0
    k1 = r + x
    a0 = alpha + t_x
    b0 = beta + t_x
    span = np.log1p((T - t_x) / a0)  # log(α+T) - log(α+t_x)
    ratio1 = (alpha + T) / (beta + T)
    rising = alpha < beta  # (α+τ)/(β+τ) increases along the interval (else decreases)
    top = (1.0 - k1) - k2 * ratio1  # the largest slope of ψ beyond any point when α >= β
    ia = 1.0 / alpha
    ib = 1.0 / beta
    I0 = 0.0
    i0 = i1 = i2 = i3 = 0.0
    j00 = j01 = j02 = j03 = j11 = j12 = j13 = j22 = j23 = j33 = 0.0
    lo = 0.0
    done = False
    while not done:
        em_lo = a0 * np.expm1(lo)
        ratio_lo = (a0 + em_lo) / (b0 + em_lo)  # (α+τ)/(β+τ) at lo
        if rising:  # the slope of ψ only falls beyond lo: its value at lo bounds the rest
            top = (1.0 - k1) - k2 * ratio_lo
        if lo > 0.0 and top < 0.0:
            # ψ(v) - ψ(0) <= top (v - lo) beyond lo: the rest (relative to e^{ψ(0)}, as
            # I0) is below e^{ψ(lo) - ψ(0)} / |top|
            psi_lo = (1.0 - k1) * lo - k2 * np.log1p(em_lo / b0)
            if np.exp(psi_lo) / (-top) < 1e-17 * I0:
                break
        # |ψ'| <= |1-r-x| + (s+1) ratio: the ratio's largest value on the panel is at lo when
        # it decreases; when it increases, at the end of a first guess, which bounds it on
        # the shorter panel taken (panels follow the slope, not its value at T)
        h = _PANEL_RISE / (abs(1.0 - k1) + k2 * ratio_lo)
        if rising:
            em_hi = a0 * np.expm1(min(lo + h, span))
            h = _PANEL_RISE / (abs(1.0 - k1) + k2 * (a0 + em_hi) / (b0 + em_hi))
        if h >= span - lo:
            h = span - lo
            done = True
        for j in range(_GL_X.shape[0]):
            v = lo + 0.5 * h * (_GL_X[j] + 1.0)  # u - u0
            em = a0 * np.expm1(v)
            tau = t_x + em  # τ
            tau_a = a0 + em  # α + τ
            tau_b = b0 + em  # β + τ
            iab = 1.0 / tau_b
            # integrand in u relative to its value at u0 (the dτ = e^u du included)
            f = 0.5 * h * _GL_W[j] * np.exp((1.0 - k1) * v - k2 * np.log1p(em / b0))
            pa = tau * ia / tau_a  # τ/(α(α+τ)) = 1/α - 1/(α+τ)
            pb = tau * ib * iab
            g0 = -np.log1p(tau * ia)
            g1 = k1 * pa
            g2 = -np.log1p(tau * ib)
            g3 = s * pb - iab
            I0 += f
            i0 += f * g0
            i1 += f * g1
            i2 += f * g2
            i3 += f * g3
            j00 += f * g0 * g0
            j01 += f * (g0 * g1 + pa)
            j02 += f * g0 * g2
            j03 += f * g0 * g3
            j11 += f * (g1 * g1 - k1 * pa * (ia + 1.0 / tau_a))  # -(r+x) τ(2α+τ)/(α²(α+τ)²)
            j12 += f * g1 * g2
            j13 += f * g1 * g3
            j22 += f * g2 * g2
            j23 += f * (g2 * g3 + pb)
            j33 += f * (g3 * g3 - s * pb * (ib + iab) + iab * iab)
        lo += h
    d0 = i0 / I0
    d1 = i1 / I0
    d2 = i2 / I0
    d3 = i3 / I0
    dA[0] = d0
    dA[1] = d1
    dA[2] = d2
    dA[3] = d3
    hA[0, 0] = j00 / I0 - d0 * d0
    hA[0, 1] = hA[1, 0] = j01 / I0 - d0 * d1
    hA[0, 2] = hA[2, 0] = j02 / I0 - d0 * d2
    hA[0, 3] = hA[3, 0] = j03 / I0 - d0 * d3
    hA[1, 1] = j11 / I0 - d1 * d1
    hA[1, 2] = hA[2, 1] = j12 / I0 - d1 * d2
    hA[1, 3] = hA[3, 1] = j13 / I0 - d1 * d3
    hA[2, 2] = j22 / I0 - d2 * d2
    hA[2, 3] = hA[3, 2] = j23 / I0 - d2 * d3
    hA[3, 3] = j33 / I0 - d3 * d3
    # log(α^(r+x) β^s (α+t_x)^(1-r-x) (β+t_x)^-(s+1)) + log I0
    return np.log(a0 / b0) - k1 * np.log1p(t_x * ia) - s * np.log1p(t_x * ib) + np.log(I0)


@parallel_kernel(error_model="numpy")
def _log_A_quadrature(r, alpha, s, beta, x, t_x, T, lA, dA, hA):  # pragma: no cover - compiled
    """``log Ã = log(α^(r+x) β^s ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ)`` (FH05 eq. 19
    with the scales multiplied in; :func:`._reference._mixture`) with its gradient and Hessian
    in (r, α, s, β), by composite Gauss-Legendre quadrature in
    ``u = log(α+τ)`` (12 nodes per panel), for rows with ``t_x < T``.

    In u the log-integrand ``ψ(u) = (1-r-x) u - (s+1) log(β+τ)`` has the slope
    ``(1-r-x) - (s+1) (α+τ)/(β+τ)``, the ratio being monotone in τ (decreasing when α >= β).
    Each panel is sized so that ψ changes by at most 2 across it, from the largest ratio on
    the panel (at its start when α >= β, else at the end of the interval), which makes 12
    nodes exact to rounding; panels stop once the rest of the interval, bounded by
    ``e^{ψ(v)} / |largest slope|`` from the panel's end v, is below 1e-17 of the sum.  The
    derivatives are the integrals of the integrand times ``∂ψ/∂θ`` (and
    ``∂ψ/∂θ ∂ψ/∂θ' + ∂²ψ/∂θ∂θ'``), differentiated under the integral in τ. Unlike the
    hypergeometric series it does not slow down when α and β are far apart (z near 1).
    The per-row work is :func:`_log_A_row`."""
    n = x.shape[0]
    for i in prange(n):
        lA[i] = _log_A_row(r, alpha, s, beta, x[i], t_x[i], T[i], dA[i], hA[i])


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
