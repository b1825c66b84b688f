"""Pareto/NBD with a purchase-rate scale α_i and a death-rate scale β_i per customer (static
covariates): the log-likelihood of FH05 eq. (19), its gradient and its exact Hessian per row,
in ``(r, log α_i, s, log β_i)``, from one compiled pass.

With static covariates (the parameterisation of CLVTools, Bachmann, Meierer & Näf 2021, and
its ``pnbd_staticcov_alpha_i`` / ``pnbd_staticcov_beta_i``, ``src/pnbd.cpp``),
``α_i = α exp(-γ_purchase' z_i)`` and ``β_i = β exp(-γ_dropout' z_i)``: every customer has a
Pareto/NBD of their own, so the fused kernel's tables per distinct frequency (built for one
α and one β, :mod:`._fused`) do not apply.  Here ``A = ∫_{t_x}^{T} (α+τ)^-(r+x)
(β+τ)^-(s+1) dτ`` comes from the quadrature of :func:`._quadrature._log_A_row`, whose cost
does not depend on how far α_i and β_i are apart, and the rest is FH05 eq. (19) as in
:func:`._reference._mixture`.  The derivatives in ``log α_i`` and ``log β_i`` are what the
chain rule to the coefficients needs (``∂ log α_i / ∂γ_purchase = -z_i``; see
:mod:`custvalue.clv._covariates`).

Unchecked inputs, for speed: :func:`individual_loglike`.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import parallel_kernel
from ..special import digamma_diff, lgamma_ratio, trigamma_diff
from ._fused import individual_rows, individual_sums, rows_sums
from ._quadrature import _log_A_row

__all__ = ["individual_loglike", "individual_loglike_sums", "individual_p_alive"]


@parallel_kernel(error_model="numpy")
def _individual_rows(r, s, log_alpha, log_beta, x, t_x, T, lev, lv_const, lv_dr, lv_trig, hess,
                     ll_out, g_out, h_out, p1_out):  # pragma: no cover - compiled
    """Per row: log L (FH05 eq. 19), P(alive) (the share of the first term, eq. 22), the
    gradient in (r, log α_i, s, log β_i) and, if ``hess``, the Hessian's upper triangle
    (order (0,0), (0,1), (0,2), (0,3), (1,1), (1,2), (1,3), (2,2), (2,3), (3,3)).

    In the natural parameters (as :func:`._reference._mixture`, the scales multiplied into
    both terms): ``log L = const + lse``, ``lse = log(e^{l1} + s Ã)``, gradient ``g0 + π1 g1 + π2 g2`` and Hessian
    ``H0 + π1 H1 + π2 H2 + π1 π2 (g1 - g2)(g1 - g2)'``; then ``∂/∂ log α = α ∂/∂α`` and
    ``∂²/∂ (log α)² = α² ∂²/∂α² + α ∂/∂α``."""
    n = x.shape[0]
    log_s = np.log(s)
    dA = np.zeros((n, 4))
    hA = np.zeros((n, 4, 4))
    for i in prange(n):
        lv = lev[i]
        la = log_alpha[i]
        lb = log_beta[i]
        al = np.exp(la)
        be = np.exp(lb)
        xi = x[i]
        rx = r + xi
        Ti = T[i]
        ia = 1.0 / al
        ib = 1.0 / be
        iaT = 1.0 / (al + Ti)
        ibT = 1.0 / (be + Ti)
        P_a = Ti * ia * iaT
        P_b = Ti * ib * ibT
        g10 = -np.log1p(Ti * ia)
        g11 = rx * P_a
        g12 = -np.log1p(Ti * ib)
        g13 = s * P_b
        l1 = rx * g10 + s * g12
        const = lv_const[lv] - xi * la
        pi1 = 1.0
        pi2 = 0.0
        lse = l1
        if t_x[i] < Ti:
            lA = _log_A_row(r, al, s, be, xi, t_x[i], Ti, dA[i], hA[i])
            l2 = log_s + lA
            if l1 >= l2:
                e = np.exp(l2 - l1)
                lse = l1 + np.log1p(e)
                pi1 = 1.0 / (1.0 + e)
                pi2 = e * pi1
            else:
                e = np.exp(l1 - l2)
                lse = l2 + np.log1p(e)
                pi2 = 1.0 / (1.0 + e)
                pi1 = e * pi2
        ll_out[i] = const + lse
        p1_out[i] = pi1
        # gradient in the natural parameters (r, α, s, β)
        g20 = dA[i, 0]
        g21 = dA[i, 1]
        g22 = dA[i, 2] + 1.0 / s
        g23 = dA[i, 3]
        gr = lv_dr[lv] + pi1 * g10 + pi2 * g20
        ga = -xi * ia + pi1 * g11 + pi2 * g21
        gs = pi1 * g12 + pi2 * g22
        gb = pi1 * g13 + pi2 * g23
        g_out[i, 0] = gr
        g_out[i, 1] = al * ga
        g_out[i, 2] = gs
        g_out[i, 3] = be * gb
        if hess:
            p12 = pi1 * pi2
            d0 = g10 - g20
            d1 = g11 - g21
            d2 = g12 - g22
            d3 = g13 - g23
            h00 = lv_trig[lv] + pi2 * hA[i, 0, 0] + p12 * d0 * d0
            h01 = pi1 * P_a + pi2 * hA[i, 0, 1] + p12 * d0 * d1
            h02 = pi2 * hA[i, 0, 2] + p12 * d0 * d2
            h03 = pi2 * hA[i, 0, 3] + p12 * d0 * d3
            h11 = xi * ia * ia - pi1 * rx * P_a * (ia + iaT) + pi2 * hA[i, 1, 1] + p12 * d1 * d1
            h12 = pi2 * hA[i, 1, 2] + p12 * d1 * d2
            h13 = pi2 * hA[i, 1, 3] + p12 * d1 * d3
            h22 = pi2 * (hA[i, 2, 2] - 1.0 / (s * s)) + p12 * d2 * d2
            h23 = pi1 * P_b + pi2 * hA[i, 2, 3] + p12 * d2 * d3
            h33 = -pi1 * s * P_b * (ib + ibT) + pi2 * hA[i, 3, 3] + p12 * d3 * d3
            h_out[i, 0] = h00
            h_out[i, 1] = al * h01
            h_out[i, 2] = h02
            h_out[i, 3] = be * h03
            h_out[i, 4] = al * al * h11 + al * ga
            h_out[i, 5] = al * h12
            h_out[i, 6] = al * be * h13
            h_out[i, 7] = h22
            h_out[i, 8] = be * h23
            h_out[i, 9] = be * be * h33 + be * gb


def individual_loglike(r, s, log_alpha, log_beta, x, t_x, T, hess=False, levels=None):
    """Per-customer Pareto/NBD log-likelihood (FH05 eq. 19) with customer-specific scales
    ``α_i = exp(log_alpha)``, ``β_i = exp(log_beta)``, its gradient in
    ``(r, log α_i, s, log β_i)`` and (if ``hess``) the Hessian's upper triangle.

    Parameters
    ----------
    r, s : float
        Shapes of the gamma distributions of λ and μ.
    log_alpha, log_beta : numpy.ndarray
        Log scales of each row, ``log α - γ_purchase' z_i`` and ``log β - γ_dropout' z_i``.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each row.
    hess : bool, default False
        Also return the Hessian.
    levels : tuple, optional
        ``(distinct x, index of each row)``, precomputed.

    Returns
    -------
    tuple
        ``ll`` (n,), ``grad`` (n, 4), ``hess`` (n, 10) or None, ``p_alive`` (n,).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math.paretonbd import loglike
    >>> ll, g, h, pa = individual_loglike(0.55, 0.61, np.log([10.58]), np.log([11.67]),
    ...                                   np.array([2.0]), np.array([30.43]), np.array([38.86]))
    >>> bool(abs(ll[0] - loglike(0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)) < 1e-10)
    True
    """
    x, t_x, T, log_alpha, log_beta = (np.ascontiguousarray(v, dtype=float).reshape(-1)
                                      for v in np.broadcast_arrays(x, t_x, T, log_alpha, log_beta))
    n = x.size
    if levels is None:
        xu, idx = np.unique(x, return_inverse=True)
        idx = idx.reshape(-1).astype(np.int64)
    else:
        xu, idx = levels
    r, s = float(r), float(s)
    lv_const = lgamma_ratio(r, xu)
    lv_dr = digamma_diff(r, xu)
    lv_trig = trigamma_diff(r, xu) if hess else lv_dr
    ll, g, h, p1 = np.empty(n), np.empty((n, 4)), np.empty((n if hess else 0, 10)), np.empty(n)
    if not (np.isfinite(r) and np.isfinite(s) and r > 0 and s > 0):
        for v in (ll, g, h, p1):
            v[:] = np.nan
        return ll, g, (h if hess else None), p1
    # the series of the fused kernel where it converges (z <= 0.99), the quadrature beyond
    far = individual_rows(r, s, log_alpha, log_beta, x, t_x, T, hess, (xu, idx), ll, g, h, p1)
    if far.any():
        sub = np.flatnonzero(far)
        ls, gs, hs, ps = np.empty(sub.size), np.empty((sub.size, 4)), np.empty((sub.size if hess else 0, 10)), \
            np.empty(sub.size)
        with np.errstate(all="ignore"):
            _individual_rows(r, s, log_alpha[sub], log_beta[sub], x[sub], t_x[sub], T[sub], idx[sub], lv_const,
                             lv_dr, lv_trig, bool(hess), ls, gs, hs, ps)
        ll[sub], g[sub], p1[sub] = ls, gs, ps
        if hess:
            h[sub] = hs
    return ll, g, (h if hess else None), p1


def individual_loglike_sums(r, s, log_alpha, log_beta, x, t_x, T, weights, X, shifts, hess=False, levels=None):
    """The sums a fit with static covariates needs from :func:`individual_loglike`, in one
    compiled pass that writes no per-row arrays: with ``ℓ_i`` row i's log-likelihood (FH05
    eq. 19) and ``ρ_i = (r, log α_i, s, log β_i)``,

    - ``ll = Σ w_i ℓ_i``, ``grad = Σ w_i ∇ℓ_i`` (4,), ``hess = Σ w_i ∇²ℓ_i`` (4, 4);
    - ``grad_X[j] = Σ w_i X_ij ∂ℓ_i/∂ρ_q`` with ``q = shifts[j]`` (C,);
    - ``cross[a, j] = Σ w_i X_ij ∂²ℓ_i/∂ρ_a ∂ρ_q`` (4, C);
    - ``XX[j, l] = Σ w_i X_ij X_il ∂²ℓ_i/∂ρ_q ∂ρ_q'`` (C, C, symmetric).

    With ``log α_i = log α - γ_purchase' z_i`` these give the gradient and Hessian in the
    coefficients by the chain rule (``custvalue.clv``).  Rows with z > 0.99 go through the
    quadrature as in :func:`individual_loglike`.

    Parameters
    ----------
    r, s : float
        Shapes of the gamma distributions of λ and μ.
    log_alpha, log_beta : numpy.ndarray
        Log scales of each row.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each row (float, contiguous, one length n).
    weights : numpy.ndarray or None
        Row weights (None: all 1).
    X : numpy.ndarray
        (n, C) design columns, contiguous.
    shifts : numpy.ndarray
        (C,) int: the per-row parameter each column shifts, 1 (log α_i) or 3 (log β_i).
    hess : bool, default False
        Also the second-order sums (else ``hess``, ``cross`` and ``XX`` are None).
    levels : tuple, optional
        ``(distinct x, index of each row)``, precomputed.

    Returns
    -------
    tuple
        ``(ll, grad, hess, grad_X, cross, XX)``.

    Examples
    --------
    >>> import numpy as np
    >>> la, lb = np.log([10.0, 12.0]), np.log([11.0, 9.0])
    >>> x, tx, T = np.array([2.0, 0.0]), np.array([30.4, 0.0]), np.array([38.9, 38.9])
    >>> X = np.array([[1.0], [0.0]])
    >>> ll, g, h, gX, cr, XX = individual_loglike_sums(0.55, 0.61, la, lb, x, tx, T, None, X, np.array([1]))
    >>> rows = individual_loglike(0.55, 0.61, la, lb, x, tx, T)
    >>> bool(np.isclose(ll, rows[0].sum()) and np.isclose(gX[0], rows[1][0, 1]))
    True
    """
    x, t_x, T, log_alpha, log_beta = (np.ascontiguousarray(v, dtype=float).reshape(-1)
                                      for v in np.broadcast_arrays(x, t_x, T, log_alpha, log_beta))
    n = x.size
    X = np.ascontiguousarray(X, dtype=float).reshape(n, -1)
    shifts = np.ascontiguousarray(shifts, dtype=np.int64).reshape(-1)
    C = X.shape[1]
    w = np.zeros(0) if weights is None else np.ascontiguousarray(weights, dtype=float).reshape(-1)
    if levels is None:
        xu, idx = np.unique(x, return_inverse=True)
        levels = (xu, idx.reshape(-1).astype(np.int64))
    r, s = float(r), float(s)
    if not (np.isfinite(r) and np.isfinite(s) and r > 0 and s > 0):
        acc = np.full(15 + 5 * C + C * C, np.nan)
        skip = np.zeros(n, dtype=bool)
    else:
        acc, skip = individual_sums(r, s, log_alpha, log_beta, x, t_x, T, w, hess, levels, X, shifts)
        if skip.any():  # the quadrature's rows, per row, then summed the same way
            sub = np.flatnonzero(skip)
            ll, g, h, _ = individual_loglike(r, s, log_alpha[sub], log_beta[sub], x[sub], t_x[sub], T[sub],
                                             hess=hess, levels=(levels[0], levels[1][sub]))
            acc = acc + rows_sums(ll, g, h, w[sub] if w.size else w, np.ascontiguousarray(X[sub]), shifts, hess)
    grad = acc[1:5].copy()
    grad_X = acc[15:15 + C].copy()
    if not hess:
        return float(acc[0]), grad, None, grad_X, None, None
    tri = np.array([[0, 1, 2, 3], [1, 4, 5, 6], [2, 5, 7, 8], [3, 6, 8, 9]])
    H = acc[5:15][tri]
    cross = acc[15 + C:15 + 5 * C].reshape(4, C).copy()
    XX = acc[15 + 5 * C:].reshape(C, C).copy()
    XX = np.triu(XX) + np.triu(XX, 1).T
    return float(acc[0]), grad, H, grad_X, cross, XX


def individual_p_alive(r, alpha, s, beta, x, t_x, T):
    """P(alive | x, t_x, T), FH05 eq. (22), with α and β that may differ by customer (arrays
    broadcast with the data); the first likelihood term's share, from
    :func:`individual_loglike`.

    Parameters
    ----------
    r, s : float
        Pareto/NBD shapes.
    alpha, beta : float or array-like
        Scales, per customer.
    x, t_x, T : array-like
        Frequency, recency and age.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1], in the broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(individual_p_alive(0.55, 10.58, 0.61, 11.67, 2, 30.43, 38.86)[()]), 3)
    0.868
    """
    shape = np.broadcast_shapes(*(np.shape(v) for v in (alpha, beta, x, t_x, T)))
    b = [np.broadcast_to(np.asarray(v, dtype=float), shape).reshape(-1) for v in (alpha, beta, x, t_x, T)]
    pa = individual_loglike(r, s, np.log(b[0]), np.log(b[1]), b[2], b[3], b[4])[3]
    return pa.reshape(shape)
