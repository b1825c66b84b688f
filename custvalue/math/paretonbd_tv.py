"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021, "The Role of
Time-Varying Contextual Factors in Latent Attrition Models for Customer Base Analysis",
Marketing Science 40(4):783-809; BMN below).

Model (BMN's model section). Time runs from a customer's first purchase (0) to the end of the
calibration period (``T``) and is cut into *pieces* at the calendar boundaries of the
covariate intervals (weeks, say); on piece ``k`` the covariates ``z_k`` are constant. While
alive, a customer buys at Poisson rate ``λ a(t)`` with ``a(t) = exp(γ_p' z(t))`` and dies at
hazard ``μ c(t)`` with ``c(t) = exp(γ_d' z(t))``; ``λ ~ Gamma(r, α)``, ``μ ~ Gamma(s, β)``.
Equivalently, in CLVTools' parameterisation, a customer facing covariates ``z`` has purchase
rate ``λ ~ Gamma(r, α exp(-γ_p' z))`` and death rate ``μ ~ Gamma(s, β exp(-γ_d' z))``.

With the integrated multipliers ``A(t) = ∫_0^t a(u) du`` and ``C(t) = ∫_0^t c(u) du``
(piecewise linear), the individual likelihood of ``x`` repeat purchases at ``t_1..t_x`` is
(BMN's individual-level likelihood)

``L(λ, μ) = λ^x Π_j a(t_j) [ e^{-λ A(T) - μ C(T)} + ∫_{t_x}^T μ c(τ) e^{-λ A(τ) - μ C(τ)} dτ ]``,

and mixing over the two gamma distributions gives BMN's closed-form likelihood (their A/B/C/D
terms are the piecewise sums ``A(·)``, ``C(·)`` and the per-piece integrals below)

``L = Γ(r+x)/Γ(r) α^r β^s e^{γ_p' Σ_j z(t_j)} [ (α+A(T))^-(r+x) (β+C(T))^-s
+ s Σ_k ∫_{piece k ∩ [t_x, T]} c_k (α+A(τ))^-(r+x) (β+C(τ))^-(s+1) dτ ]``.

``A`` and ``C`` are closed forms (sums over pieces). Inside a piece both bases are linear in
``τ``, and BMN write each piece's integral as a difference of Gauss hypergeometric functions
(the terms with ``2F1(r+s+x, s+1; r+s+x+1; ·)``). Here each piece's integral is
evaluated by Gauss-Legendre quadrature on panels small enough that the log-integrand varies by
at most 0.5 and the nearest singularity of the integrand lies at least four panel lengths away
(3 or 4 nodes; relative error about 1e-10), and the gradient is the exact derivative of that sum; this avoids
the hypergeometric functions' derivatives in ``r`` and ``s`` and their cancellation near
``α_i = β_i``. The sum is taken relative to the integrand's largest value (at ``t_x``), so no
term overflows.

P(alive at T) (BMN's P(alive) with time-varying covariates) is the share of the first term in
the bracket. The expected number of purchases in ``(T, T + t]`` given a future covariate path
(BMN's "conditional expected transactions", CET) is, with ``P`` = P(alive),

``E = P (r+x)/(α+A(T)) ∫_T^{T+t} a(u) ((β+C(T)) / (β+C(u)))^s du``,

a closed form piece by piece: ``a_k/c_k (β+C(T))^s (Y_1^{1-s} - Y_0^{1-s})/(1-s)`` with
``Y = β + C`` at the piece's ends (``log(Y_1/Y_0)`` at ``s = 1``).

Data layout (what :class:`custvalue.clv.ParetoNBDTimeVarying` builds): the pieces of all
customers, customer after customer, in flat arrays: ``dt`` (lengths, model time units),
``zp`` (purchase covariates, one row per piece), ``zd`` (dropout covariates); ``offsets``
(``n + 1``) marks where each customer's pieces start, and ``death_start`` the first piece on
or after ``t_x`` (a piece containing ``t_x`` is split there). ``sum_zp`` holds ``Σ_j z_p(t_j)``
over each customer's repeat purchases.

Unchecked inputs, for speed (see :mod:`custvalue.math`): :func:`loglike_and_score`,
:func:`weighted_loglike_and_score`. :func:`p_alive` and :func:`conditional_expected_purchases`
check their parameters.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange
from scipy.special import gammaln, psi

from ._checks import params as _checked
from ._jit import parallel_kernel

__all__ = ["loglike_and_score", "weighted_loglike_and_score", "p_alive", "state_at_T",
           "conditional_expected_purchases"]



def _rule(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    return 0.5 * (x + 1.0), 0.5 * w


#: Rules on one panel: 3 nodes where the log-integrand varies by <= 0.2 over the piece and the
#: integrand's singularities lie >= 10 piece lengths away, else 4 nodes on panels with
#: variation <= 0.5 and singularities >= 4 panel lengths away (relative error ~1e-10 either way).
_NODES3, _WEIGHTS3 = _rule(3)
_NODES, _WEIGHTS = _rule(4)
#: Largest number of panels per piece (reached only for extreme parameters).
_MAX_PANELS = 256


@parallel_kernel(error_model="numpy")
def _rows(r, alpha, s, beta, gp, gd, x, offsets, death_start, dt, zp, zd, nodes3, weights3, nodes, weights,
          max_panels,
          grad, ll, g, alive, A_T, C_T):  # pragma: no cover - compiled
    n = x.shape[0]
    kp = zp.shape[1]
    kd = zd.shape[1]
    for i in prange(n):
        lo = offsets[i]
        hi = offsets[i + 1]
        ds = death_start[i]
        m = r + x[i]
        nn = s + 1.0
        ZA = np.zeros(kp)
        ZC = np.zeros(kd)
        gP = np.zeros(kp)
        gD = np.zeros(kd)
        # A, C (and their gradients in gamma) up to the first death piece
        A = 0.0
        C = 0.0
        for k in range(lo, ds):
            ep = 0.0
            for j in range(kp):
                ep += zp[k, j] * gp[j]
            ed = 0.0
            for j in range(kd):
                ed += zd[k, j] * gd[j]
            ak = math.exp(ep) * dt[k]
            ck = math.exp(ed) * dt[k]
            A += ak
            C += ck
            if grad:
                for j in range(kp):
                    ZA[j] += ak * zp[k, j]
                for j in range(kd):
                    ZC[j] += ck * zd[k, j]
        # the integrand's largest value is at t_x: sums are taken relative to it
        l0 = -m * math.log(alpha + A) - nn * math.log(beta + C)
        I0 = 0.0
        sr = 0.0
        sa = 0.0
        ss = 0.0
        sb = 0.0
        for k in range(ds, hi):
            ep = 0.0
            for j in range(kp):
                ep += zp[k, j] * gp[j]
            ed = 0.0
            for j in range(kd):
                ed += zd[k, j] * gd[j]
            a_k = math.exp(ep)
            c_k = math.exp(ed)
            d = dt[k]
            P0 = alpha + A
            Q0 = beta + C
            L1 = a_k * d / P0
            L2 = c_k * d / Q0
            var = m * math.log1p(L1) + nn * math.log1p(L2)
            if var <= 0.2 and L1 <= 0.1 and L2 <= 0.1:  # the common case: one panel, 3 nodes
                npan = 1.0
                xs = nodes3
                ws = weights3
            else:  # panels with var <= 0.5 and the singularities >= 4 panel lengths away
                npan = max(1.0, float(math.ceil(max(2.0 * var, 4.0 * L1, 4.0 * L2))))
                npan = min(npan, max_panels)
                xs = nodes
                ws = weights
            npi = int(npan)
            h = d / npan
            Gk = 0.0
            t0 = 0.0
            t1 = 0.0
            u0 = 0.0
            u1 = 0.0
            for p in range(npi):
                for q in range(xs.shape[0]):
                    v = (p + xs[q]) * h
                    Pv = P0 + a_k * v
                    Qv = Q0 + c_k * v
                    lP = math.log(Pv)
                    lQ = math.log(Qv)
                    f = ws[q] * h * c_k * math.exp(-m * lP - nn * lQ - l0)
                    Gk += f
                    if grad:
                        sr -= f * lP
                        ss -= f * lQ
                        fa = f * m / Pv
                        fb = f * nn / Qv
                        sa -= fa
                        sb -= fb
                        t0 -= fa
                        t1 -= fa * v
                        u0 -= fb
                        u1 -= fb * v
            I0 += Gk
            if grad:
                for j in range(kp):
                    gP[j] += t0 * ZA[j] + t1 * a_k * zp[k, j]
                for j in range(kd):
                    gD[j] += Gk * zd[k, j] + u0 * ZC[j] + u1 * c_k * zd[k, j]
                for j in range(kp):
                    ZA[j] += a_k * d * zp[k, j]
                for j in range(kd):
                    ZC[j] += c_k * d * zd[k, j]
            A += a_k * d
            C += c_k * d
        lA = math.log(alpha + A)
        lC = math.log(beta + C)
        l1 = -m * lA - s * lC
        if I0 > 0.0:
            l2 = math.log(s) + l0 + math.log(I0)
            top = max(l1, l2)
            lB = top + math.log(math.exp(l1 - top) + math.exp(l2 - top))
            w1 = math.exp(l1 - lB)
            wI = math.exp(l2 - lB) / I0  # weight of each (relative) node value
        else:
            lB = l1
            w1 = 1.0
            wI = 0.0
        ll[i] = lB
        alive[i] = w1
        A_T[i] = A
        C_T[i] = C
        if grad:
            g[i, 0] = -w1 * lA + wI * sr
            g[i, 1] = -w1 * m / (alpha + A) + wI * sa
            g[i, 2] = -w1 * lC + wI * (I0 / s + ss)
            g[i, 3] = -w1 * s / (beta + C) + wI * sb
            for j in range(kp):
                g[i, 4 + j] = -w1 * m * ZA[j] / (alpha + A) + wI * gP[j]
            for j in range(kd):
                g[i, 4 + kp + j] = -w1 * s * ZC[j] / (beta + C) + wI * gD[j]


def _evaluate(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd,
              grad=True):
    gp = np.ascontiguousarray(gamma_purchase, dtype=float).reshape(-1)
    gd = np.ascontiguousarray(gamma_dropout, dtype=float).reshape(-1)
    n = x.shape[0]
    k = 4 + gp.size + gd.size
    ll = np.empty(n)
    g = np.empty((n, k) if grad else (0, k))
    alive = np.empty(n)
    A_T = np.empty(n)
    C_T = np.empty(n)
    _rows(float(r), float(alpha), float(s), float(beta), gp, gd, x, offsets, death_start, dt, zp, zd,
          _NODES3, _WEIGHTS3, _NODES, _WEIGHTS, float(_MAX_PANELS), bool(grad), ll, g, alive, A_T, C_T)
    return ll, g, alive, A_T, C_T


def _as_cov(z: np.ndarray, n_pieces: int) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z.reshape(n_pieces, -1) if n_pieces else z.reshape(0, 0)
    return np.ascontiguousarray(z)


def loglike_and_score(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start,
                      dt, zp, zd, sum_zp):
    """Per-customer log-likelihood of the time-varying Pareto/NBD and its exact gradient
    (BMN's closed form; see the module docstring for the formula and the data layout).

    Parameters
    ----------
    r, alpha, s, beta : float
        Gamma shapes and scales of the purchase and death rates (> 0).
    gamma_purchase, gamma_dropout : array-like
        Coefficients ``γ_p`` (``kp``) and ``γ_d`` (``kd``); may be empty.
    x : numpy.ndarray
        ``frequency`` (repeat purchases), shape ``(n,)``.
    offsets : numpy.ndarray of int64
        Shape ``(n + 1,)``: customer ``i``'s pieces are ``offsets[i]:offsets[i+1]``.
    death_start : numpy.ndarray of int64
        Shape ``(n,)``: index of each customer's first piece on or after ``t_x``.
    dt : numpy.ndarray
        Piece lengths in model time units (sum per customer = ``T``).
    zp, zd : numpy.ndarray
        Covariates per piece, shapes ``(n_pieces, kp)`` and ``(n_pieces, kd)``.
    sum_zp : numpy.ndarray
        Shape ``(n, kp)``: purchase covariates summed over each customer's repeat purchases.

    Returns
    -------
    ll : numpy.ndarray
        Shape ``(n,)``.
    score : numpy.ndarray
        Shape ``(n, 4 + kp + kd)``: derivatives in ``(r, alpha, s, beta, γ_p, γ_d)``.

    Examples
    --------
    One customer, two weekly pieces, no covariates: the static Pareto/NBD likelihood.

    >>> import numpy as np
    >>> from custvalue.math import paretonbd, paretonbd_tv
    >>> ll, g = paretonbd_tv.loglike_and_score(
    ...     0.55, 10.6, 0.61, 11.7, [], [], np.array([1.0]), np.array([0, 3]), np.array([1]),
    ...     np.array([0.5, 1.0, 0.5]), np.zeros((3, 0)), np.zeros((3, 0)), np.zeros((1, 0)))
    >>> bool(np.isclose(ll[0], paretonbd.loglike(0.55, 10.6, 0.61, 11.7, 1.0, 0.5, 2.0), rtol=1e-10))
    True
    """
    x = np.ascontiguousarray(x, dtype=float)
    n_pieces = int(np.asarray(dt).shape[0])
    zp, zd = _as_cov(zp, n_pieces), _as_cov(zd, n_pieces)
    sum_zp = np.asarray(sum_zp, dtype=float).reshape(x.shape[0], -1)
    gp = np.asarray(gamma_purchase, dtype=float).reshape(-1)
    ll, g, _, _, _ = _evaluate(r, alpha, s, beta, gp, gamma_dropout, x,
                               np.ascontiguousarray(offsets, dtype=np.int64),
                               np.ascontiguousarray(death_start, dtype=np.int64),
                               np.ascontiguousarray(dt, dtype=float), zp, zd)
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    ll = ll + const + (sum_zp @ gp if gp.size else 0.0)
    g[:, 0] += psi(r + x) - psi(r) + np.log(alpha)
    g[:, 1] += r / alpha
    g[:, 2] += np.log(beta)
    g[:, 3] += s / beta
    if gp.size:
        g[:, 4:4 + gp.size] += sum_zp
    return ll, g


def weighted_loglike_and_score(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets,
                               death_start, dt, zp, zd, sum_zp, weights):
    """``weights @ ll`` and ``weights @ score`` of :func:`loglike_and_score` (what the
    optimiser needs).

    Parameters
    ----------
    r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd, sum_zp
        As in :func:`loglike_and_score`.
    weights : numpy.ndarray
        One weight per customer.

    Returns
    -------
    tuple of (float, numpy.ndarray)
        Log-likelihood and gradient ``(4 + kp + kd,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import paretonbd_tv
    >>> ll, g = paretonbd_tv.weighted_loglike_and_score(
    ...     0.55, 10.6, 0.61, 11.7, [0.3], [], np.array([1.0]), np.array([0, 2]), np.array([1]),
    ...     np.array([1.0, 1.0]), np.array([[0.0], [1.0]]), np.zeros((2, 0)), np.array([[1.0]]),
    ...     np.ones(1))
    >>> g.shape
    (5,)
    """
    ll, g = loglike_and_score(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start,
                              dt, zp, zd, sum_zp)
    return float(weights @ ll), weights @ g


@_checked(r="positive", alpha="positive", s="positive", beta="positive")
def state_at_T(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd):
    """P(alive at ``T``) and the integrated multipliers ``A(T)``, ``C(T)`` per customer
    (BMN's P(alive)).

    Parameters
    ----------
    r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd
        As in :func:`loglike_and_score`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(p_alive, A_T, C_T)``, each shape ``(n,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import paretonbd_tv
    >>> pa, A, C = paretonbd_tv.state_at_T(
    ...     0.55, 10.6, 0.61, 11.7, [0.3], [0.0], np.array([1.0]), np.array([0, 2]), np.array([1]),
    ...     np.array([1.0, 1.0]), np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]]))
    >>> round(float(A[0]), 4), round(float(C[0]), 4)
    (2.3499, 2.0)
    """
    x = np.ascontiguousarray(x, dtype=float)
    n_pieces = int(np.asarray(dt).shape[0])
    _, _, alive, A_T, C_T = _evaluate(r, alpha, s, beta, gamma_purchase, gamma_dropout, x,
                                      np.ascontiguousarray(offsets, dtype=np.int64),
                                      np.ascontiguousarray(death_start, dtype=np.int64),
                                      np.ascontiguousarray(dt, dtype=float),
                                      _as_cov(zp, n_pieces), _as_cov(zd, n_pieces), grad=False)
    return alive, A_T, C_T


@_checked(r="positive", alpha="positive", s="positive", beta="positive")
def p_alive(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd):
    """P(alive at the end of the calibration period | history, covariate path) (BMN's P(alive)):
    ``(α+A(T))^-(r+x) (β+C(T))^-s / [...]``, the first term's share of the bracket of the
    likelihood.

    Parameters
    ----------
    r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd
        As in :func:`loglike_and_score`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, in [0, 1].

    Examples
    --------
    Without covariates it is the static Pareto/NBD's P(alive):

    >>> import numpy as np
    >>> from custvalue.math import paretonbd, paretonbd_tv
    >>> pa = paretonbd_tv.p_alive(0.55, 10.6, 0.61, 11.7, [], [], np.array([2.0]), np.array([0, 2]),
    ...                           np.array([1]), np.array([30.43, 8.43]), np.zeros((2, 0)), np.zeros((2, 0)))
    >>> bool(np.isclose(pa[0], paretonbd.p_alive(0.55, 10.6, 0.61, 11.7, 2.0, 30.43, 38.86), rtol=1e-9))
    True
    """
    return state_at_T(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, offsets, death_start, dt, zp, zd)[0]


@parallel_kernel(error_model="numpy")
def _future_rows(s, beta, gp, gd, C_T, offsets, dt, zp, zd, out):  # pragma: no cover - compiled
    n = C_T.shape[0]
    kp = zp.shape[1]
    kd = zd.shape[1]
    q = 1.0 - s
    for i in prange(n):
        Y = beta + C_T[i]
        lY0 = math.log(Y)
        total = 0.0
        for k in range(offsets[i], offsets[i + 1]):
            ep = 0.0
            for j in range(kp):
                ep += zp[k, j] * gp[j]
            ed = 0.0
            for j in range(kd):
                ed += zd[k, j] * gd[j]
            a_k = math.exp(ep)
            c_k = math.exp(ed)
            u = math.log1p(c_k * dt[k] / Y)  # log(Y_1 / Y_0)
            qu = q * u
            if abs(qu) < 1e-8:
                e = u * (1.0 + 0.5 * qu)
            else:
                e = math.expm1(qu) / q
            # a_k / c_k (β+C_T)^s Y_0^(1-s) (expm1((1-s) u) / (1-s))
            total += a_k / c_k * math.exp(s * lY0 + q * math.log(Y)) * e
            Y = Y + c_k * dt[k]
        out[i] = total


@_checked(r="positive", alpha="positive", s="positive", beta="positive")
def conditional_expected_purchases(r, alpha, s, beta, gamma_purchase, gamma_dropout, x, A_T, C_T,
                                   alive, offsets, dt, zp, zd):
    """Expected purchases in ``(T, T + t]`` given the history and a future covariate path
    (BMN's conditional expected transactions), closed form piece by piece (module docstring).

    Parameters
    ----------
    r, alpha, s, beta, gamma_purchase, gamma_dropout, x
        As in :func:`loglike_and_score`.
    A_T, C_T, alive : numpy.ndarray
        Each customer's integrated multipliers and P(alive) at ``T`` (:func:`state_at_T`).
    offsets : numpy.ndarray of int64
        Shape ``(n + 1,)``: customer ``i``'s *future* pieces are ``offsets[i]:offsets[i+1]``;
        they start at ``T`` and their lengths ``dt`` add up to the horizon ``t``.
    dt, zp, zd : numpy.ndarray
        Future piece lengths and covariates (as in :func:`loglike_and_score`).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.

    Examples
    --------
    Without covariates it is the static Pareto/NBD's conditional expectation:

    >>> import numpy as np
    >>> from custvalue.math import paretonbd, paretonbd_tv
    >>> x, tx, T = np.array([2.0]), np.array([30.43]), np.array([38.86])
    >>> pa = paretonbd.p_alive(0.55, 10.6, 0.61, 11.7, x, tx, T)
    >>> e = paretonbd_tv.conditional_expected_purchases(
    ...     0.55, 10.6, 0.61, 11.7, [], [], x, T, T, pa, np.array([0, 2]), np.array([20.0, 19.0]),
    ...     np.zeros((2, 0)), np.zeros((2, 0)))
    >>> bool(np.isclose(e[0], paretonbd.conditional_expected_purchases(39.0, 0.55, 10.6, 0.61, 11.7, x, tx, T)[0]))
    True
    """
    x = np.asarray(x, dtype=float)
    n_pieces = int(np.asarray(dt).shape[0])
    gp = np.ascontiguousarray(gamma_purchase, dtype=float).reshape(-1)
    gd = np.ascontiguousarray(gamma_dropout, dtype=float).reshape(-1)
    out = np.empty(x.shape[0])
    _future_rows(float(s), float(beta), gp, gd, np.ascontiguousarray(C_T, dtype=float),
                 np.ascontiguousarray(offsets, dtype=np.int64), np.ascontiguousarray(dt, dtype=float),
                 _as_cov(zp, n_pieces), _as_cov(zd, n_pieces), out)
    return np.asarray(alive) * (r + x) / (alpha + np.asarray(A_T)) * out
