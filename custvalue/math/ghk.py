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
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy import special

__all__ = [
    "ghk_loglike",
    "halton_draws",
    "customer_keys",
    "cpc_cholesky",
    "corr_from_cholesky",
    "cpc_from_corr",
    "bvn_cdf",
    "bvn_pdf",
    "probit_loglike",
    "bvprobit_loglike",
]

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PRIMES = np.array([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
                    73, 79, 83, 89, 97, 101, 103, 107, 109, 113], dtype=np.int64)


# ---------------------------------------------------------------------------------------
# GHK simulator and its gradient
# ---------------------------------------------------------------------------------------
@njit(cache=True, inline="always", error_model="numpy")
def _ndtri(p):  # pragma: no cover - compiled
    """Standard normal quantile: Wichura (1988), Algorithm AS 241 (PPND16), Applied
    Statistics 37(3):477-484; relative accuracy about 1e-16."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                    + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
                  + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                + 1.3314166789178437745e2) * r + 3.3871328727963666080e0)
        den = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                    + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
                  + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                + 4.2313330701600911252e1) * r + 1.0)
        return q * num / den
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r
                  + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                + 4.63033784615654529590e0) * r + 1.42343711074968357734e0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                + 2.05319162663775882187e0) * r + 1.0)
    else:
        r -= 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                + 5.46378491116411436990e0) * r + 6.65790464350110377720e0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    val = num / den
    return -val if q < 0.0 else val


@njit(parallel=True, cache=True, error_model="numpy")
def _ghk_kernel(mu, q, L, u, want_grad):  # pragma: no cover - compiled
    n, J = mu.shape
    R = u.shape[1] if J > 1 else 1
    ll = np.empty(n)
    dmu = np.zeros((n, J))
    dL = np.zeros((n, J, J))
    invd = np.empty(J)
    for j in range(J):
        invd[j] = 1.0 / L[j, j]
    for i in prange(n):
        c = np.empty(J)
        p = np.empty(J)
        phic = np.empty(J)
        eta = np.zeros(J)
        ratio = np.zeros(J)  # d eta_j / d c_j = -q_j u_j phi(c_j) / phi(z_j)
        cbar = np.empty(J)
        gmu = np.zeros(J)
        gL = np.zeros((J, J))
        psum = 0.0
        # the first equation does not depend on the draws
        c0 = q[i, 0] * mu[i, 0] * invd[0]
        p0 = 0.5 * math.erfc(-c0 * _SQRT1_2)
        phi0 = _INV_SQRT_2PI * math.exp(-0.5 * c0 * c0)
        for r in range(R):
            pr = 1.0
            for j in range(J):
                if j == 0:
                    cj = c0
                    pj = p0
                    phic[0] = phi0
                else:
                    s = mu[i, j]
                    for k in range(j):
                        s += L[j, k] * eta[k]
                    cj = q[i, j] * s * invd[j]
                    pj = 0.5 * math.erfc(-cj * _SQRT1_2)
                    if want_grad:
                        phic[j] = _INV_SQRT_2PI * math.exp(-0.5 * cj * cj)
                c[j] = cj
                p[j] = pj
                pr *= pj
                if j < J - 1:
                    uj = u[i, r, j]
                    z = _ndtri(uj * pj)
                    eta[j] = -q[i, j] * z
                    if want_grad:
                        ratio[j] = -q[i, j] * uj * phic[j] / (_INV_SQRT_2PI * math.exp(-0.5 * z * z))
            if pr <= 0.0:
                continue
            psum += pr
            if not want_grad:
                continue
            # reverse sweep: cbar_j = d log(prod p)/d c_j including the path through eta_j
            for j in range(J - 1, -1, -1):
                cb = phic[j] / p[j]
                if j < J - 1:
                    etabar = 0.0
                    for m in range(j + 1, J):
                        etabar += cbar[m] * q[i, m] * L[m, j] * invd[m]
                    cb += etabar * ratio[j]
                cbar[j] = cb
                w = pr * cb * q[i, j] * invd[j]
                gmu[j] += w
                for k in range(j):
                    gL[j, k] += w * eta[k]
                gL[j, j] -= pr * cb * c[j] * invd[j]
        if psum > 0.0:
            ll[i] = math.log(psum / R)
            if want_grad:
                for j in range(J):
                    dmu[i, j] = gmu[j] / psum
                    for k in range(j + 1):
                        dL[i, j, k] = gL[j, k] / psum
        else:
            ll[i] = -np.inf
            if want_grad:
                for j in range(J):
                    dmu[i, j] = np.nan
    return ll, dmu, dL


def ghk_loglike(mu: np.ndarray, y: np.ndarray, chol: np.ndarray, u: np.ndarray,
                *, gradient: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

    Returns
    -------
    ll : ndarray, shape (n,)
        ``log( mean_r prod_j Phi(c_j^(r)) )``.
    dmu : ndarray, shape (n, J)
        d ll / d mu.
    dchol : ndarray, shape (n, J, J)
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
        u = np.full((mu.shape[0], 1, 1), 0.5)
    return _ghk_kernel(mu, q, L, u, gradient)


# ---------------------------------------------------------------------------------------
# Scrambled Halton draws keyed by customer
# ---------------------------------------------------------------------------------------
def _splitmix64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


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
_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_RULES = [np.polynomial.legendre.leggauss(k) for k in (6, 12, 20)]


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
    dh, dk, r = -h.ravel(), -k.ravel(), r.ravel()  # upper-orthant form of Genz's BVNU
    out = np.empty(dh.shape)
    low = np.abs(r) < 0.925
    if low.any():
        # Genz's choice of rule: 6 points for |rho| < 0.3, 12 for |rho| < 0.75, 20 otherwise
        band = np.where(np.abs(r) < 0.3, 0, np.where(np.abs(r) < 0.75, 1, 2))
        for b, (gx, gw) in enumerate(_GL_RULES):
            sel = low & (band == b)
            if not sel.any():
                continue
            hh, kk, rr = dh[sel], dk[sel], r[sel]
            hk = hh * kk
            hs = 0.5 * (hh * hh + kk * kk)
            asr = np.arcsin(rr)
            sn = np.sin(asr[:, None] * (gx[None, :] + 1.0) / 2.0)
            val = (gw[None, :] * np.exp((sn * hk[:, None] - hs[:, None]) / (1.0 - sn * sn))).sum(axis=1)
            out[sel] = val * asr / (4.0 * np.pi) + special.ndtr(-hh) * special.ndtr(-kk)
    high = ~low
    if high.any():
        hh, kk, rr = dh[high], dk[high].copy(), r[high]
        neg = rr < 0
        kk[neg] = -kk[neg]
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = np.abs(rr) < 1
        if inner.any():
            h_, k_, hk_ = hh[inner], kk[inner], hk[inner]
            as_ = (1.0 - rr[inner]) * (1.0 + rr[inner])
            a = np.sqrt(as_)
            bs = (h_ - k_) ** 2
            c = (4.0 - hk_) / 8.0
            d = (12.0 - hk_) / 16.0
            val = a * np.exp(-(bs / as_ + hk_) / 2.0) * (
                1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0)
            b = np.sqrt(bs)
            with np.errstate(over="ignore", invalid="ignore"):
                corr_term = (np.exp(-hk_ / 2.0) * np.sqrt(2.0 * np.pi) * special.ndtr(-b / a) * b
                             * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0))
            val = val - np.where(hk_ > -160.0, corr_term, 0.0)
            a2 = a / 2.0
            xs = (a2[:, None] * (_GL_X[None, :] + 1.0)) ** 2
            rs = np.sqrt(1.0 - xs)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                t1 = np.exp(-bs[:, None] / (2.0 * xs) - hk_[:, None] / (1.0 + rs)) / rs
                t2 = np.exp(-(bs[:, None] / xs + hk_[:, None]) / 2.0) * (1.0 + c[:, None] * xs * (1.0 + d[:, None] * xs))
                terms = np.where(xs > 0, t1 - t2, 0.0)
            val = val + (a2[:, None] * _GL_W[None, :] * terms).sum(axis=1)
            bvn[inner] = -val / (2.0 * np.pi)
        pos = ~neg
        bvn[pos] = bvn[pos] + special.ndtr(-np.maximum(hh[pos], kk[pos]))
        bvn[neg] = -bvn[neg] + np.maximum(0.0, special.ndtr(-hh[neg]) - special.ndtr(-kk[neg]))
        out[high] = bvn
    return np.clip(out, 0.0, 1.0).reshape(shape)


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


def _mills(x: np.ndarray) -> np.ndarray:
    """phi(x) / Phi(x), stable in both tails."""
    return np.exp(-0.5 * x * x - 0.5 * np.log(2 * np.pi) - special.log_ndtr(x))


def probit_loglike(mu: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact probit log-probabilities ``log Phi(q mu)`` and their derivative in ``mu``.

    Parameters
    ----------
    mu, y : ndarray (broadcasting)
        Linear index and 0/1 outcome.

    Returns
    -------
    ll, dmu : ndarray

    Examples
    --------
    >>> ll, d = probit_loglike(np.array([0.0]), np.array([1.0]))
    >>> round(float(np.exp(ll[0])), 6), round(float(d[0]), 6)
    (0.5, 0.797885)
    """
    q = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    x = q * mu
    return special.log_ndtr(x), q * _mills(x)


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
