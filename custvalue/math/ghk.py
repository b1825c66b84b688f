"""Multivariate-probit probabilities: the GHK simulator with its exact gradient, the exact
bivariate normal CDF, scrambled Halton draws keyed by customer, and the positive-definite
(canonical partial correlation) parameterisation of a correlation matrix.

Notation (Verhoef & Donkers 2001, section 3; Train 2009, *Discrete Choice Methods with
Simulation*, section 5.6.3): customer ``i`` owns product ``j`` (``y_ij = 1``) when
``mu_ij + e_ij > 0`` with ``e_i ~ N(0, Sigma)``, ``Sigma`` a correlation matrix with lower
Cholesky factor ``L``.  With ``q_ij = 2 y_ij - 1`` the probability of the observed pattern is
the orthant probability ``P(q_ij (mu_ij + e_ij) > 0 for all j)``.

GHK (Geweke 1989; Hajivassiliou & McFadden 1998; Keane 1994) writes ``e = L eta`` with
independent standard normal ``eta`` and draws ``eta_1, ..., eta_{J-1}`` sequentially from
their truncated conditionals:

    c_j   = q_j (mu_j + sum_{k<j} L_jk eta_k) / L_jj
    p_j   = Phi(c_j)
    eta_j = -q_j Phi^{-1}(u_j p_j),            u_j ~ U(0, 1)

and the simulated probability is ``P = mean_r prod_j p_j^(r)``.  With the uniforms held fixed
the simulator is a smooth function of ``(mu, L)``; :func:`ghk_loglike` returns its exact
gradient by reverse-mode differentiation of the recursion (the adjoints are in the source).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``ghk_loglike``, ``cpc_cholesky``,
``corr_from_cholesky``, ``cpc_from_corr``, ``bvprobit_loglike``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy import special

from ._simd import _exp, _fma, _log

from ._checks import params

__all__ = [
    "ghk_loglike",
    "halton_draws",
    "customer_keys",
    "cpc_cholesky",
    "corr_from_cholesky",
    "cpc_from_corr",
    "bvn_cdf",
    "bvn_pdf",
    "bvprobit_loglike",
]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PRIMES = np.array([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
                    73, 79, 83, 89, 97, 101, 103, 107, 109, 113], dtype=np.int64)
#: Most dimensions of :func:`halton_draws` (one prime base each): GHK with J products uses
#: J - 1 of them.
MAX_HALTON_DIMS = int(_PRIMES.size)


# ---------------------------------------------------------------------------------------
# GHK simulator and its gradient
# ---------------------------------------------------------------------------------------
# The kernel spends its time in Phi, its inverse and exp, once per (customer, draw, product).
# They are written below in straight-line arithmetic (polynomials, rational functions and
# selects, no calls into libm) so that the loops over a customer's draws compile to SIMD
# code.  Accuracy: exp and log within 2 ulp, Phi^{-1} within 2e-15 of scipy's ndtri, Phi
# and phi / Phi within 4e-15 (relative) down to Phi = 1e-300.
# Products are kept as written: the functions are compiled without ``reassoc``, which
# would let LLVM merge the two-part ln 2 of the argument reduction.

_SQRT2 = math.sqrt(2.0)
_FAST = {"contract"}  # fused multiply-add only: every result is independent of the thread
_FAST_SUM = {"contract", "reassoc", "nsz"}  # sums over draws (SIMD partial sums)


@njit(cache=True, inline="always", error_model="numpy")
def _ndtri(p):  # pragma: no cover - compiled
    """Standard normal quantile: Wichura (1988), Algorithm AS 241 (PPND16), Applied
    Statistics 37(3):477-484; relative accuracy about 1e-16.  Its three rational functions
    have the same degrees, so one evaluation with the coefficients selected per argument
    covers all three regions (no branches: the loop over draws vectorises)."""
    q = p - 0.5
    central = abs(q) <= 0.425
    rt = math.sqrt(-_log(p if q < 0.0 else 1.0 - p))
    if central:
        v = 0.180625 - q * q
        a0, a1, a2, a3 = (3.3871328727963666080e0, 1.3314166789178437745e2,
                          1.9715909503065514427e3, 1.3731693765509461125e4)
        a4, a5, a6, a7 = (4.5921953931549871457e4, 6.7265770927008700853e4,
                          3.3430575583588128105e4, 2.5090809287301226727e3)
        b1, b2, b3 = 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3
        b4, b5, b6, b7 = (2.1213794301586595867e4, 3.9307895800092710610e4,
                          2.8729085735721942674e4, 5.2264952788528545610e3)
    elif rt <= 5.0:
        v = rt - 1.6
        a0, a1, a2, a3 = (1.42343711074968357734e0, 4.63033784615654529590e0,
                          5.76949722146069140550e0, 3.64784832476320460504e0)
        a4, a5, a6, a7 = (1.27045825245236838258e0, 2.41780725177450611770e-1,
                          2.27238449892691845833e-2, 7.74545014278341407640e-4)
        b1, b2, b3 = 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1
        b4, b5, b6, b7 = (1.48103976427480074590e-1, 1.51986665636164571966e-2,
                          5.47593808499534494600e-4, 1.05075007164441684324e-9)
    else:
        v = rt - 5.0
        a0, a1, a2, a3 = (6.65790464350110377720e0, 5.46378491116411436990e0,
                          1.78482653991729133580e0, 2.96560571828504891230e-1)
        a4, a5, a6, a7 = (2.65321895265761230930e-2, 1.24266094738807843860e-3,
                          2.71155556874348757815e-5, 2.01033439929228813265e-7)
        b1, b2, b3 = 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2
        b4, b5, b6, b7 = (7.86869131145613259100e-4, 1.84631831751005468180e-5,
                          1.42151175831644588870e-7, 2.04426310338993978564e-15)
    v2 = v * v
    v4 = v2 * v2
    num = ((a0 + a1 * v) + (a2 + a3 * v) * v2) + ((a4 + a5 * v) + (a6 + a7 * v) * v2) * v4
    den = ((1.0 + b1 * v) + (b2 + b3 * v) * v2) + ((b4 + b5 * v) + (b6 + b7 * v) * v2) * v4
    val = num / den
    if central:
        return q * val
    return -val if q < 0.0 else val


# (1 + t) Phi(-t) exp(t^2 / 2) as a polynomial of degree 23 in y = (t - 4) / (t + 4), t >= 0:
# Chebyshev interpolation of the mpmath values at 24 nodes (the form of Shepherd &
# Laframboise 1981 for erfcx); relative error below 3e-16 on [0, inf).
_MILLS = (
    0.47205320650984467, -0.09670347732652579, 0.013999634724430356, 0.02860036405355274,
    -0.0321978374283102, 0.01793609747950764, -0.005002378587116524, -0.0002856230944321861,
    0.0006948970697612711, -9.443028888601637e-05, -8.785300671505195e-05, 2.1250241889757066e-05,
    1.3626321688909283e-05, -3.4328382916146516e-06, -2.611858307579318e-06, 4.0580524875156294e-07,
    5.507887683089697e-07, -2.2103572445430463e-10, -1.10233768116029e-07, -1.8643150877103823e-08,
    1.744682183478039e-08, 5.758385702078858e-09, -1.5463815545201715e-09, -7.255460695851768e-10,
)


@njit(cache=True, inline="always", error_model="numpy")
def _tail_poly(t):  # pragma: no cover - compiled
    """(1 + t) Phi(-t) exp(t^2 / 2) for t >= 0 (Estrin's scheme)."""
    G = _MILLS
    y = (t - 4.0) / (t + 4.0)
    y2 = y * y
    y4 = y2 * y2
    y8 = y4 * y4
    c0 = (G[0] + G[1] * y) + (G[2] + G[3] * y) * y2
    c1 = (G[4] + G[5] * y) + (G[6] + G[7] * y) * y2
    c2 = (G[8] + G[9] * y) + (G[10] + G[11] * y) * y2
    c3 = (G[12] + G[13] * y) + (G[14] + G[15] * y) * y2
    c4 = (G[16] + G[17] * y) + (G[18] + G[19] * y) * y2
    c5 = (G[20] + G[21] * y) + (G[22] + G[23] * y) * y2
    return ((c0 + c1 * y4) + (c2 + c3 * y4) * y8) + (c4 + c5 * y4) * (y8 * y8)


@njit(cache=True, inline="always", error_model="numpy")
def _exp_half_square(t):  # pragma: no cover - compiled
    """exp(-t^2 / 2) with t^2 split exactly into hi + lo (the rounding of t^2 alone would
    cost up to 1e-14 relative at t = 10)."""
    hi = t * t
    lo = _fma(t, t, -hi)
    return _exp(-0.5 * hi) * (1.0 - 0.5 * lo)


@njit(cache=True, inline="always", error_model="numpy")
def _ndtr(c):  # pragma: no cover - compiled
    """Phi(c) from one exp (the lower tail times exp(c^2 / 2) is :func:`_tail_poly`)."""
    t = abs(c)
    g = _exp_half_square(t) * _tail_poly(t) / (1.0 + t)
    return g if c < 0.0 else 1.0 - g


@njit(cache=True, inline="always", error_model="numpy")
def _ndtr_mills(c):  # pragma: no cover - compiled
    """(Phi(c), phi(c) / Phi(c)) sharing one exp and one division.  In the lower tail the
    Mills ratio is taken from the polynomial alone, so it stays finite where Phi
    underflows."""
    t = abs(c)
    e = _exp_half_square(t)
    g = _tail_poly(t)
    t1 = 1.0 + t
    if c < 0.0:  # Phi = e g / t1, phi / Phi = t1 / (sqrt(2 pi) g)
        a = e * g
        num = _INV_SQRT_2PI * t1
        den = g
    else:  # Phi = (t1 - e g) / t1, phi / Phi = e t1 / (sqrt(2 pi) (t1 - e g))
        a = t1 - e * g
        num = _INV_SQRT_2PI * t1 * e
        den = a
    inv = 1.0 / (t1 * den)
    return a * den * inv, num * t1 * inv


# One customer's forward recursion runs product by product, each step a loop over the R
# draws (rows of (J, R) scratch arrays).  Draw r of product j:
#   c = q_j s_j / L_jj,  s_j = mu_j + sum_{k<j} L_jk eta_k,   p = Phi(c),  pr *= p,
#   z = Phi^{-1}(u p),   eta_j = -q_j z,
# and for the gradient  m = phi(c) / p  and  d eta_j / d c = -q_j u phi(c) / phi(z)
# = -q_j u exp((z^2 - c^2) / 2).
@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST)
def _fwd_first(c, p, u, qj, ETA, RAT):  # pragma: no cover - compiled
    for r in range(u.size):
        z = _ndtri(u[r] * p)
        ETA[r] = -qj * z
        RAT[r] = -qj * u[r] * _exp(0.5 * (z * z - c * c))


@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST)
def _fwd_mid(s, u, qj, invd, C, M, ETA, RAT, pr):  # pragma: no cover - compiled
    for r in range(s.size):
        c = qj * s[r] * invd
        p, m = _ndtr_mills(c)
        C[r] = c
        M[r] = m
        pr[r] *= p
        z = _ndtri(u[r] * p)
        ETA[r] = -qj * z
        RAT[r] = -qj * u[r] * _exp(0.5 * (z * z - c * c))


@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST)
def _fwd_last(s, qj, invd, C, M, pr):  # pragma: no cover - compiled
    for r in range(s.size):
        c = qj * s[r] * invd
        p, m = _ndtr_mills(c)
        C[r] = c
        M[r] = m
        pr[r] *= p


# Reverse sweep, weighted by the draw's probability pr (the adjoints of the simulated
# probability rather than of log pr, so that draws with pr = 0 drop out):
#   w_j = pr cbar_j = pr m_j + EB_j RAT_j,   EB_k = pr etabar_k = sum_{j>k} w_j q_j L_jk / L_jj,
#   d/d mu_j = q_j sum_r w_j / L_jj,  d/d L_jk = q_j sum_r w_j eta_k / L_jj  (k < j),
#   d/d L_jj = -sum_r w_j c_j / L_jj,  all divided by sum_r pr.
@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST_SUM)
def _adjoint(pr, M, EB, RAT, C, W, last):  # pragma: no cover - compiled
    sw = 0.0
    sc = 0.0
    for r in range(pr.size):
        # a draw whose probability underflowed to 0 may hold nan (Phi^{-1}(0) downstream)
        ok = pr[r] > 0.0
        w = pr[r] * M[r]
        if not last:
            w += EB[r] * RAT[r]
        W[r] = w if ok else 0.0
        sw += w if ok else 0.0
        sc += w * C[r] if ok else 0.0
    return sw, sc


@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST_SUM)
def _adjoint_k(W, ETA, EB, a):  # pragma: no cover - compiled
    s = 0.0
    for r in range(W.size):
        s += W[r] * ETA[r] if W[r] != 0.0 else 0.0
        EB[r] += a * W[r]
    return s


@njit(cache=True, inline="always", error_model="numpy", fastmath=_FAST_SUM)
def _draw_sum(pr):  # pragma: no cover - compiled
    s = 0.0
    for r in range(pr.size):
        if pr[r] > 0.0:
            s += pr[r]
    return s


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _forward(mu, q, L, invd, U, S, C, M, ETA, RAT, pr, grad):  # pragma: no cover - compiled
    """One customer's forward recursion; returns (c_0, Phi(c_0), phi(c_0) / Phi(c_0))."""
    J = mu.size
    R = pr.size
    c0 = q[0] * mu[0] * invd[0]
    p0, m0 = _ndtr_mills(c0)
    for r in range(R):
        pr[r] = p0
    if J > 1:
        _fwd_first(c0, p0, U[0], q[0], ETA[0], RAT[0])
    for j in range(1, J):
        for r in range(R):
            S[r] = mu[j]
        for k in range(j):
            ljk = L[j, k]
            for r in range(R):
                S[r] += ljk * ETA[k, r]
        if j < J - 1:
            _fwd_mid(S, U[j], q[j], invd[j], C[j], M[j], ETA[j], RAT[j], pr)
        else:
            _fwd_last(S, q[j], invd[j], C[j], M[j], pr)
    return c0, p0, m0


@njit(cache=True, error_model="numpy", fastmath=_FAST_SUM)
def _backward(q, L, invd, C, M, ETA, RAT, EB, W, pr, psum, dmu, gL):  # pragma: no cover - compiled
    """One customer's reverse sweep: d ll / d mu into dmu, d ll / d L into gL."""
    J = q.size
    EB[:, :] = 0.0
    for j in range(J - 1, -1, -1):
        qi = q[j] * invd[j]
        sw, sc = _adjoint(pr, M[j], EB[j], RAT[j], C[j], W, j == J - 1)
        for k in range(j):
            gL[j, k] = qi * _adjoint_k(W, ETA[k], EB[k], qi * L[j, k]) / psum
        gL[j, j] = -sc * invd[j] / psum
        dmu[j] = qi * sw / psum


_CHUNK = 64  # customers per parallel task (its scratch arrays are reused across them)


@njit(cache=True, error_model="numpy")
def _ghk_chunk(b, mu, q, L, invd, u, mode, ll, dmu, dL, dLsum):  # pragma: no cover - compiled
    """Customers b * _CHUNK, ... of the GHK kernel (one parallel task)."""
    n, J = mu.shape
    R = u.shape[1] if J > 1 else 1
    grad = mode > 0
    C = np.zeros((J, R))
    M = np.zeros((J, R))
    ETA = np.zeros((J, R))
    RAT = np.zeros((J, R))
    EB = np.empty((J, R))
    U = np.empty((J, R))
    S = np.empty(R)
    W = np.empty(R)
    pr = np.empty(R)
    gL = np.zeros((J, J))
    for i in range(b * _CHUNK, min(n, (b + 1) * _CHUNK)):
        for r in range(R):  # this customer's uniforms, one contiguous row per product
            for j in range(J - 1):
                U[j, r] = u[i, r, j]
        c0, p0, m0 = _forward(mu[i], q[i], L, invd, U, S, C, M, ETA, RAT, pr, grad)
        psum = _draw_sum(pr)
        ll[i] = math.log(psum / R) if psum > 0.0 else -np.inf
        if not grad:
            continue
        if not psum > 0.0:
            for j in range(J):
                dmu[i, j] = np.nan
            continue
        for r in range(R):
            C[0, r] = c0
            M[0, r] = m0
        _backward(q[i], L, invd, C, M, ETA, RAT, EB, W, pr, psum, dmu[i], gL)
        if mode == 1:
            for j in range(J):
                for k in range(j + 1):
                    dL[i, j, k] = gL[j, k]
        else:
            for j in range(J):
                for k in range(j + 1):
                    dLsum[b, j, k] += gL[j, k]


@njit(parallel=True, cache=True, error_model="numpy")
def _ghk_kernel(mu, q, L, u, mode, ll, dmu, dL, dLsum):  # pragma: no cover - compiled
    """mode 0: log-likelihood only; 1: also d/d mu and d/d L per customer; 2: d/d mu per
    customer and d/d L summed over each chunk of customers (no (n, J, J) array)."""
    J = mu.shape[1]
    invd = np.empty(J)
    for j in range(J):
        invd[j] = 1.0 / L[j, j]
    for b in prange((mu.shape[0] + _CHUNK - 1) // _CHUNK):
        _ghk_chunk(b, mu, q, L, invd, u, mode, ll, dmu, dL, dLsum)


def ghk_loglike(mu: np.ndarray, y: np.ndarray, chol: np.ndarray, u: np.ndarray,
                *, gradient: bool = True, sum_chol: bool = False):
    """GHK-simulated log-probability of each customer's ownership pattern, with its gradient.

    Parameters
    ----------
    mu : ndarray, shape (n, J)
        Linear indices ``x_ij' beta_j``.
    y : ndarray, shape (n, J)
        Observed 0/1 pattern.
    chol : ndarray, shape (J, J)
        Lower Cholesky factor ``L`` of the correlation matrix (positive diagonal).
    u : ndarray, shape (n, R, J - 1)
        Uniforms in (0, 1), fixed per customer (see :func:`halton_draws`).  With ``J = 1``
        no draws are used and the result is the exact probit log-probability.
    gradient : bool, default True
        Also return the exact gradients of the simulated log-probability.
    sum_chol : bool, default False
        Return ``d ll / d L`` summed over customers, shape ``(J, J)``, instead of one
        ``(J, J)`` block per customer (what a gradient of the total log-likelihood needs).

    Returns
    -------
    ll : ndarray, shape (n,)
        ``log( mean_r prod_j Phi(c_j^(r)) )``.
    dmu : ndarray, shape (n, J), or None without ``gradient``
        d ll / d mu.
    dchol : ndarray, shape (n, J, J) (``(J, J)`` with ``sum_chol``), or None without ``gradient``
        d ll / d L (lower triangle, diagonal included; zeros above).

    Examples
    --------
    >>> import numpy as np
    >>> u = halton_draws(customer_keys(np.arange(1), seed=0), 2000, 1)
    >>> L = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 1.0]]))
    >>> ll, _, _ = ghk_loglike(np.zeros((1, 2)), np.ones((1, 2)), L, u)
    >>> round(float(np.exp(ll[0])), 3)  # 1/4 + asin(0.5) / (2 pi) = 1/3
    0.333
    """
    mu = np.ascontiguousarray(mu, dtype=np.float64)
    q = np.ascontiguousarray(2.0 * np.asarray(y, dtype=np.float64) - 1.0)
    L = np.ascontiguousarray(chol, dtype=np.float64)
    if mu.shape[1] > 1:
        u = np.ascontiguousarray(u, dtype=np.float64)
    else:
        u = np.empty((mu.shape[0], 1, 0))
    n, J = mu.shape
    mode = 0 if not gradient else (2 if sum_chol else 1)
    ll = np.empty(n)
    dmu = np.zeros((n if gradient else 0, J))
    dL = np.zeros((n if mode == 1 else 0, J, J))
    dLsum = np.zeros(((n + _CHUNK - 1) // _CHUNK if mode == 2 else 0, J, J))
    _ghk_kernel(mu, q, L, u, mode, ll, dmu, dL, dLsum)
    if not gradient:
        return ll, None, None
    return ll, dmu, (dLsum.sum(axis=0) if sum_chol else dL)


# ---------------------------------------------------------------------------------------
# Scrambled Halton draws keyed by customer
# ---------------------------------------------------------------------------------------
def _splitmix64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@params(seed="count0")
def customer_keys(labels, seed: int = 0) -> np.ndarray:
    """64-bit keys from customer labels and a seed (the same label always gets the same key).

    Parameters
    ----------
    labels : array-like or pandas.Index
        Customer identifiers (any hashable values pandas can hash).
    seed : int, default 0
        Mixed into every key; change it to get a different set of draws.

    Returns
    -------
    ndarray of uint64, shape (n,)

    Examples
    --------
    >>> k = customer_keys(["a", "b"], seed=1)
    >>> bool(k[0] == customer_keys(["b", "a"], seed=1)[1])
    True
    """
    import pandas as pd

    h = pd.util.hash_pandas_object(pd.Index(labels), index=False).to_numpy(dtype=np.uint64)
    s = _splitmix64(np.array([int(seed) % (1 << 64)], dtype=np.uint64))[0]
    return _splitmix64(h ^ s)


@njit(parallel=True, cache=True, error_model="numpy")
def _halton_kernel(start, shift, perms, bases, R):  # pragma: no cover - compiled
    n = start.shape[0]
    d = bases.shape[0]
    out = np.empty((n, R, d))
    for i in prange(n):
        for r in range(R):
            for k in range(d):
                b = bases[k]
                idx = start[i] + r + 1
                f = 1.0 / b
                val = 0.0
                while idx > 0:
                    val += perms[k, idx % b] * f
                    idx //= b
                    f /= b
                val += shift[i, k]
                val -= math.floor(val)
                # keep strictly inside (0, 1)
                if val < 1e-12:
                    val = 1e-12
                elif val > 1.0 - 1e-12:
                    val = 1.0 - 1e-12
                out[i, r, k] = val
    return out


@params(n_draws="count", n_dims="count0", seed="count0")
def halton_draws(keys: np.ndarray, n_draws: int, n_dims: int, *, seed: int = 0) -> np.ndarray:
    """Scrambled, randomly shifted Halton uniforms, one fixed block per customer.

    Dimension ``d`` uses the ``d``-th prime base with a random digit permutation (the
    permutations depend on ``seed`` only; Braaten & Weller 1979).  Customer ``i`` gets the
    ``n_draws`` consecutive points starting at an offset taken from its key, shifted modulo 1
    by a key-derived uniform vector (Cranley & Patterson 1976).  The draws of a customer depend
    only on its key, never on its row position, so results do not change when rows are
    reordered or other customers are added.

    Parameters
    ----------
    keys : ndarray of uint64, shape (n,)
        Customer keys from :func:`customer_keys`.
    n_draws : int
        Draws per customer ``R``.
    n_dims : int
        Dimensions (``J - 1`` for GHK with ``J`` products); at most 30.
    seed : int, default 0
        Seed of the digit permutations.

    Returns
    -------
    ndarray, shape (n, n_draws, n_dims)
        Uniforms in (0, 1).

    Examples
    --------
    >>> u = halton_draws(customer_keys(range(3)), 100, 2)
    >>> u.shape, bool((u > 0).all() and (u < 1).all())
    ((3, 100, 2), True)
    """
    keys = np.asarray(keys, dtype=np.uint64)
    if n_dims > _PRIMES.size:
        raise ValueError(f"n_dims must be <= {_PRIMES.size}; received {n_dims}.")
    bases = _PRIMES[:n_dims]
    rng = np.random.default_rng([int(seed) % (1 << 63), 20011])
    bmax = int(bases.max()) if n_dims else 2
    perms = np.zeros((max(n_dims, 1), bmax))
    for k, b in enumerate(bases):  # loop over dimensions, not customers
        perms[k, :b] = np.concatenate([[0], 1 + rng.permutation(b - 1)])
    start = (keys >> np.uint64(40)).astype(np.int64)  # offsets in [0, 2**24)
    shift = np.empty((keys.size, max(n_dims, 1)))
    for k in range(n_dims):
        shift[:, k] = (_splitmix64(keys + np.uint64(k + 1)) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    if n_dims == 0:
        return np.empty((keys.size, n_draws, 0))
    return _halton_kernel(start, shift, perms, bases, int(n_draws))


# ---------------------------------------------------------------------------------------
# Positive-definite correlation parameterisation
# ---------------------------------------------------------------------------------------
def cpc_cholesky(gamma: np.ndarray, n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factor of a correlation matrix from unconstrained parameters, with Jacobian.

    The canonical partial correlations (Lewandowski, Kurowicka & Joe 2009, section 2) are
    ``z_jk = tanh(gamma_jk)`` for ``j > k`` (row-major order over the strict lower triangle:
    (2,1), (3,1), (3,2), ...).  Then ``L_jk = z_jk prod_{m<k} sqrt(1 - z_jm^2)`` and
    ``L_jj = prod_{m<j} sqrt(1 - z_jm^2)``: every row has unit length, so ``L L'`` is a
    positive-definite correlation matrix for every real ``gamma``.  With two products
    ``gamma = atanh(rho)`` (Stata's ``athrho``).

    Parameters
    ----------
    gamma : ndarray, shape (J (J - 1) / 2,)
    n_dims : int
        ``J``.

    Returns
    -------
    L : ndarray, shape (J, J)
    dL : ndarray, shape (J (J - 1) / 2, J, J)
        ``dL[m] = d L / d gamma_m``.

    Examples
    --------
    >>> L, _ = cpc_cholesky(np.array([np.arctanh(0.3)]), 2)
    >>> round(float((L @ L.T)[1, 0]), 12)
    0.3
    """
    J = int(n_dims)
    gamma = np.asarray(gamma, dtype=np.float64).reshape(-1)
    m = J * (J - 1) // 2
    if gamma.size != m:
        raise ValueError(f"gamma must have J(J-1)/2 = {m} entries; received {gamma.size}.")
    L = np.zeros((J, J))
    dL = np.zeros((m, J, J))
    L[0, 0] = 1.0
    pos = 0
    for j in range(1, J):  # loops over the J products (tiny), not over customers
        idx = list(range(pos, pos + j))
        z = np.tanh(gamma[idx])
        sech = np.sqrt(1.0 - z * z)
        run = 1.0
        for k in range(j):
            L[j, k] = z[k] * run
            dL[idx[k], j, k] = (1.0 - z[k] ** 2) * run
            for mm in range(k):
                dL[idx[mm], j, k] = -z[mm] * L[j, k]
            run *= sech[k]
        L[j, j] = run
        for mm in range(j):
            dL[idx[mm], j, j] = -z[mm] * L[j, j]
        pos += j
    return L, dL


def cpc_from_corr(corr: np.ndarray) -> np.ndarray:
    """Inverse of :func:`cpc_cholesky`: the ``gamma`` whose correlation matrix is ``corr``.

    Parameters
    ----------
    corr : ndarray, shape (J, J)
        Positive-definite correlation matrix.

    Returns
    -------
    ndarray, shape (J (J - 1) / 2,)

    Examples
    --------
    >>> g = cpc_from_corr(np.array([[1.0, 0.3], [0.3, 1.0]]))
    >>> round(float(np.tanh(g[0])), 12)
    0.3
    """
    L = np.linalg.cholesky(np.asarray(corr, dtype=np.float64))
    J = L.shape[0]
    out = []
    for j in range(1, J):  # loops over products
        run = 1.0
        for k in range(j):
            z = L[j, k] / run
            out.append(np.arctanh(np.clip(z, -0.999999, 0.999999)))
            run *= np.sqrt(max(1.0 - z * z, 1e-12))
    return np.array(out)


def corr_from_cholesky(L: np.ndarray, dL: np.ndarray | None = None):
    """Correlation matrix ``L L'`` and (optionally) its Jacobian for the pairs ``j > k``.

    Parameters
    ----------
    L : ndarray, shape (J, J)
    dL : ndarray, shape (m, J, J), optional
        Jacobian of ``L`` from :func:`cpc_cholesky`.

    Returns
    -------
    corr : ndarray, shape (J, J)
    jac : ndarray, shape (J (J - 1) / 2, m)
        Only when ``dL`` is given: ``d rho_jk / d gamma`` for the strict lower triangle in
        row-major order.

    Examples
    --------
    >>> L, dL = cpc_cholesky(np.zeros(1), 2)
    >>> corr_from_cholesky(L)[1, 0]
    np.float64(0.0)
    """
    corr = L @ L.T
    if dL is None:
        return corr
    J = L.shape[0]
    rows, cols = np.tril_indices(J, -1)
    dS = np.einsum("mjl,kl->mjk", dL, L)
    dS = dS + dS.transpose(0, 2, 1)
    return corr, dS[:, rows, cols].T


# ---------------------------------------------------------------------------------------
# Exact univariate and bivariate probits
# ---------------------------------------------------------------------------------------
_GL6 = np.polynomial.legendre.leggauss(6)
_GL12 = np.polynomial.legendre.leggauss(12)
_GL20 = np.polynomial.legendre.leggauss(20)


@njit(cache=True, error_model="numpy")
def _ndtr_scalar(x):  # pragma: no cover - compiled
    return 0.5 * math.erfc(-x / _SQRT2)


@njit(cache=True, error_model="numpy")
def _bvnu_high(dh, dk, r, x20, w20):  # pragma: no cover - compiled
    """Genz's BVNU for |r| >= 0.925: P(X > dh, Y > dk), the Drezner & Wesolowsky (1990)
    expansion with a 20-point quadrature correction."""
    hh = dh
    kk = -dk if r < 0.0 else dk
    hk = hh * kk
    bvn = 0.0
    if abs(r) < 1.0:
        as_ = (1.0 - r) * (1.0 + r)
        a = math.sqrt(as_)
        bs = (hh - kk) ** 2
        c = (4.0 - hk) / 8.0
        d = (12.0 - hk) / 16.0
        val = a * math.exp(-(bs / as_ + hk) / 2.0) * (
            1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0)
        if hk > -160.0:
            b = math.sqrt(bs)
            val -= (math.exp(-hk / 2.0) * math.sqrt(2.0 * math.pi) * _ndtr_scalar(-b / a) * b
                    * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0))
        a2 = a / 2.0
        for i in range(x20.size):
            xs = (a2 * (x20[i] + 1.0)) ** 2
            if xs > 0.0:
                rs = math.sqrt(1.0 - xs)
                t1 = math.exp(-bs / (2.0 * xs) - hk / (1.0 + rs)) / rs
                t2 = math.exp(-(bs / xs + hk) / 2.0) * (1.0 + c * xs * (1.0 + d * xs))
                val += a2 * w20[i] * (t1 - t2)
        bvn = -val / (2.0 * math.pi)
    if r > 0.0:
        return bvn + _ndtr_scalar(-max(hh, kk))
    return -bvn + max(0.0, _ndtr_scalar(-hh) - _ndtr_scalar(-kk))


@njit(cache=True, inline="always", error_model="numpy")
def _plackett_rule(r, x6, w6, x12, w12, x20, w20, sn, inv, gw):  # pragma: no cover - compiled
    """Nodes of Genz's Gauss-Legendre rule for Plackett's identity at correlation r (6 points
    for |r| < 0.3, 12 below 0.75, else 20): sin(asin(r) (x + 1) / 2), 1 / (1 - sin^2) and
    the weights; returns the number of nodes."""
    if abs(r) < 0.3:
        gx, w = x6, w6
    elif abs(r) < 0.75:
        gx, w = x12, w12
    else:
        gx, w = x20, w20
    asr = math.asin(r)
    for j in range(gx.size):
        sn[j] = math.sin(asr * (gx[j] + 1.0) / 2.0)
        inv[j] = 1.0 / (1.0 - sn[j] * sn[j])
        gw[j] = w[j] * asr / (4.0 * math.pi)
    return gx.size


_BVN_CHUNK = 1024


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _bvn_block(b, h, k, r, x6, w6, x12, w12, x20, w20, out):  # pragma: no cover - compiled
    """Rows b * _BVN_CHUNK, ... of P(X < h, Y < k): Genz's BVNU on (-h, -k).  For
    |r| < 0.925, Plackett's identity by Gauss-Legendre; a block of rows sharing one r (a
    correlation broadcast over customers) is summed node by node over the rows (SIMD), other
    rows one at a time."""
    n = h.size
    lo = b * _BVN_CHUNK
    hi = min(n, lo + _BVN_CHUNK)
    sn = np.empty(20)
    inv = np.empty(20)
    gw = np.empty(20)
    r0 = r[lo]
    same = abs(r0) < 0.925
    for i in range(lo, hi):
        same = same and r[i] == r0
    if same:
        ng = _plackett_rule(r0, x6, w6, x12, w12, x20, w20, sn, inv, gw)
        hb = h[lo:hi]  # slices: the loops below start at 0 and vectorise
        kb = k[lo:hi]
        ob = out[lo:hi]
        for i in range(ob.size):
            ob[i] = 0.0
        for j in range(ng):
            s_j = sn[j]
            i_j = inv[j]
            g_j = gw[j]
            for i in range(ob.size):
                hk = hb[i] * kb[i]
                hs = 0.5 * (hb[i] * hb[i] + kb[i] * kb[i])
                ob[i] += g_j * _exp((s_j * hk - hs) * i_j)
        for i in range(ob.size):
            v = ob[i] + _ndtr(hb[i]) * _ndtr(kb[i])
            ob[i] = min(max(v, 0.0), 1.0)
        return
    last = np.nan
    ng = 0
    for i in range(lo, hi):
        ri = r[i]
        if abs(ri) < 0.925:
            if ri != last:
                last = ri
                ng = _plackett_rule(ri, x6, w6, x12, w12, x20, w20, sn, inv, gw)
            hk = h[i] * k[i]
            hs = 0.5 * (h[i] * h[i] + k[i] * k[i])
            val = 0.0
            for j in range(ng):
                val += gw[j] * _exp((sn[j] * hk - hs) * inv[j])
            v = val + _ndtr_scalar(h[i]) * _ndtr_scalar(k[i])
        else:
            v = _bvnu_high(-h[i], -k[i], ri, x20, w20)
        out[i] = min(max(v, 0.0), 1.0)


@njit(parallel=True, cache=True, error_model="numpy")
def _bvn_cdf_kernel(h, k, r, x6, w6, x12, w12, x20, w20):  # pragma: no cover - compiled
    out = np.empty(h.size)
    for b in prange((h.size + _BVN_CHUNK - 1) // _BVN_CHUNK):
        _bvn_block(b, h, k, r, x6, w6, x12, w12, x20, w20, out)
    return out


@params(rho="correlation")
def bvn_cdf(h, k, rho):
    """Bivariate standard normal CDF ``P(X < h, Y < k)`` with correlation ``rho``.

    Genz (2004, *Statistics and Computing* 14:251-260) algorithm BVNU: 6-, 12- or 20-point
    Gauss-Legendre quadrature of Plackett's (1954) identity for ``|rho| < 0.925`` and the
    Drezner & Wesolowsky (1990) expansion with a quadrature correction otherwise; absolute
    error below ``1e-14``.  Broadcasts over its arguments.

    Parameters
    ----------
    h, k : array-like
        Upper limits.
    rho : array-like
        Correlations in [-1, 1].

    Returns
    -------
    ndarray

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 12)  # 1/4 + asin(0.5) / (2 pi)
    0.333333333333
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (h, k, rho)))
    shape = h.shape
    out = _bvn_cdf_kernel(np.ascontiguousarray(h).ravel(), np.ascontiguousarray(k).ravel(),
                          np.ascontiguousarray(r).ravel(), *_GL6, *_GL12, *_GL20)
    return out.reshape(shape)


@params(rho="correlation")
def bvn_pdf(h, k, rho):
    """Bivariate standard normal density with correlation ``rho`` (``d bvn_cdf / d rho``).

    Parameters
    ----------
    h, k, rho : array-like

    Returns
    -------
    ndarray

    Examples
    --------
    >>> round(float(bvn_pdf(0.0, 0.0, 0.0)), 6)  # 1 / (2 pi)
    0.159155
    """
    h, k, r = (np.asarray(a, dtype=np.float64) for a in (h, k, rho))
    om = 1.0 - r * r
    return np.exp(-(h * h - 2.0 * r * h * k + k * k) / (2.0 * om)) / (2.0 * np.pi * np.sqrt(om))


def bvprobit_loglike(mu: np.ndarray, y: np.ndarray, rho: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact bivariate-probit log-probabilities with gradients (no simulation).

    ``P(y1, y2) = Phi_2(q1 mu1, q2 mu2; q1 q2 rho)`` (Greene 2018, *Econometric Analysis*,
    eq. 17-48), ``d Phi_2/d h = phi(h) Phi((k - r h)/sqrt(1-r^2))`` and
    ``d Phi_2 / d r = phi_2(h, k; r)``.

    Parameters
    ----------
    mu : ndarray, shape (n, 2)
    y : ndarray, shape (n, 2)
    rho : float

    Returns
    -------
    ll : ndarray, shape (n,)
    dmu : ndarray, shape (n, 2)
    drho : ndarray, shape (n,)

    Examples
    --------
    >>> ll, _, _ = bvprobit_loglike(np.zeros((1, 2)), np.ones((1, 2)), 0.5)
    >>> round(float(np.exp(ll[0])), 6)
    0.333333
    """
    q = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    h = q[:, 0] * mu[:, 0]
    k = q[:, 1] * mu[:, 1]
    r = q[:, 0] * q[:, 1] * rho
    P = bvn_cdf(h, k, r)
    s = np.sqrt(1.0 - r * r)
    dh = special.ndtr((k - r * h) / s) * np.exp(-0.5 * h * h) * _INV_SQRT_2PI
    dk = special.ndtr((h - r * k) / s) * np.exp(-0.5 * k * k) * _INV_SQRT_2PI
    dr = bvn_pdf(h, k, r)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.log(P)
        dmu = np.column_stack([q[:, 0] * dh / P, q[:, 1] * dk / P])
        drho = q[:, 0] * q[:, 1] * dr / P
    return ll, dmu, drho
