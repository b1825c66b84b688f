"""The univariate probit, compiled: ``log Phi``, the generalised residual ``phi/Phi`` and a
Newton fit with the exact Hessian.

These serve the potential-value model (Verhoef & Donkers 2001): its independent-probits
baseline, the start values of the multivariate probit and the restricted log-likelihood of
its test of independence. ``P(y = 1) = Phi(x'beta)``; with ``q = 2y - 1`` and ``z = q x'beta``
the log-likelihood of a row is ``log Phi(z)``, its derivative in ``x'beta`` is
``q lambda(z)`` with ``lambda = phi/Phi`` (the generalised residual) and its second
derivative is ``-lambda(z) (lambda(z) + z)`` (Greene 2018, *Econometric Analysis*, eqs.
17-18 to 17-20). ``Phi`` and ``lambda`` come from the straight-line tail polynomial of
:mod:`custvalue.math.ghk` (relative error below 4e-15 down to ``Phi = 1e-300``), so both
tails are exact and nothing underflows.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``probit_loglike``,
``probit_newton``, ``probit_sums``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._simd import _exp, _fma, _log
from .ghk import _INV_SQRT_2PI, _tail_poly

__all__ = ["probit_loglike", "probit_newton", "probit_sums"]

_NBLOCKS = 64  # fixed row blocks: the sums do not depend on the number of threads
_FAST_SUM = {"contract", "reassoc", "nsz"}  # the sums only (SIMD partial sums)


@njit(cache=True, inline="always", error_model="numpy")
def _log_ndtr_mills(c):  # pragma: no cover - compiled
    """(log Phi(c), phi(c)/Phi(c)) without branches (both tails, then a select), so loops
    over rows compile to SIMD code. Lower tail: ``Phi(-t) = e^{-t^2/2} g(t)/(1+t)`` with the
    polynomial ``g`` of ghk, so ``log Phi`` never forms the underflowing product; upper
    tail: ``log Phi = log1p(-Phi(-t))`` as ``log(w) - ((w - 1) + tail)/w``, ``w = 1 - tail``."""
    t = abs(c)
    g = _tail_poly(t)
    t1 = 1.0 + t
    hi = t * t
    lo = _fma(t, t, -hi)
    e = _exp(-0.5 * hi) * (1.0 - 0.5 * lo)
    tail = e * g / t1  # Phi(-t)
    w = 1.0 - tail
    log_low = -0.5 * hi - 0.5 * lo + _log(g / t1)
    log_up = _log(w) - ((w - 1.0) + tail) / w
    mills_low = _INV_SQRT_2PI * t1 / g
    mills_up = _INV_SQRT_2PI * e / w
    low = c < 0.0
    return (log_low if low else log_up), (mills_low if low else mills_up)


_BLOCK = 256  # rows per scratch block


@njit(cache=True, parallel=True, error_model="numpy")
def _rows(mu, q, ll, dmu):  # pragma: no cover - compiled
    for i in prange(mu.size):
        lp, m = _log_ndtr_mills(q[i] * mu[i])
        ll[i] = lp
        dmu[i] = q[i] * m


@njit(cache=True, error_model="numpy")
def _pieces(z, m, lp, mills):  # pragma: no cover - compiled
    """log Phi and phi/Phi of a block (a loop without sums: it compiles to SIMD code)."""
    for i in range(m):
        lp[i], mills[i] = _log_ndtr_mills(z[i])


@njit(cache=True, error_model="numpy", fastmath=_FAST_SUM)
def _accumulate(X, q, w, start, m, z, lp, mills, d1, d2, a):  # pragma: no cover - compiled
    """A block's log-likelihood, gradient and Hessian added into ``a`` (SIMD partial sums:
    the order of the additions is fixed by the block, not by the thread)."""
    k = X.shape[1]
    lsum = 0.0
    for i in range(m):
        wi = w[start + i]
        lsum += wi * lp[i]
        d1[i] = wi * q[start + i] * mills[i]
        d2[i] = -wi * mills[i] * (mills[i] + z[i])
    a[0] += lsum
    for j in range(k):
        gj = 0.0
        for i in range(m):
            gj += d1[i] * X[start + i, j]
        a[1 + j] += gj
        for l in range(j + 1):
            h = 0.0
            for i in range(m):
                h += d2[i] * X[start + i, j] * X[start + i, l]
            a[1 + k + j * k + l] += h


@njit(cache=True, parallel=True, error_model="numpy")
def _newton_sums(X, q, w, beta, acc):  # pragma: no cover - compiled
    """Per fixed block of rows: the log-likelihood, gradient and Hessian (lower triangle)
    at ``beta``, into ``acc[block] = [ll, g (k), H (k x k)]``; rows are taken _BLOCK at a
    time through scratch arrays (index, probit pieces, sums: each a loop over rows)."""
    n, k = X.shape
    for blk in prange(_NBLOCKS):
        lo = blk * n // _NBLOCKS
        hi = (blk + 1) * n // _NBLOCKS
        z = np.empty(_BLOCK)
        lp = np.empty(_BLOCK)
        mills = np.empty(_BLOCK)
        d1 = np.empty(_BLOCK)
        d2 = np.empty(_BLOCK)
        for start in range(lo, hi, _BLOCK):
            m = min(_BLOCK, hi - start)
            for i in range(m):
                z[i] = 0.0
            for j in range(k):
                bj = beta[j]
                for i in range(m):
                    z[i] += X[start + i, j] * bj
            for i in range(m):
                z[i] *= q[start + i]
            _pieces(z, m, lp, mills)
            _accumulate(X, q, w, start, m, z, lp, mills, d1, d2, acc[blk])


def probit_sums(X: np.ndarray, y: np.ndarray, beta: np.ndarray, weights: np.ndarray | None = None
                ) -> tuple[float, np.ndarray, np.ndarray]:
    """Probit log-likelihood with its exact gradient and Hessian in ``beta``, one compiled
    pass: ``Σ w log Phi(q x'beta)``, ``Σ w q lambda x`` and ``-Σ w lambda (lambda + z) x x'``.

    Parameters
    ----------
    X : ndarray, shape (n, k)
    y : ndarray, shape (n,)
        0/1 outcome.
    beta : ndarray, shape (k,)
    weights : ndarray, shape (n,), optional
        Row weights (default 1).

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (k,), Hessian of shape (k, k)).

    Examples
    --------
    >>> import numpy as np
    >>> ll, g, H = probit_sums(np.ones((2, 1)), np.array([1.0, 0.0]), np.zeros(1))
    >>> round(ll, 6), g.tolist(), round(float(H[0, 0]), 6)
    (-1.386294, [0.0], -1.27324)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    q = np.ascontiguousarray(2.0 * np.asarray(y, dtype=np.float64).reshape(-1) - 1.0)
    w = np.ones(q.size) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    return _sums(X, q, w, np.ascontiguousarray(beta, dtype=np.float64))


def _sums(X: np.ndarray, q: np.ndarray, w: np.ndarray, beta: np.ndarray
          ) -> tuple[float, np.ndarray, np.ndarray]:
    k = X.shape[1]
    acc = np.zeros((_NBLOCKS, 1 + k + k * k))
    _newton_sums(X, q, w, beta, acc)
    tot = acc.sum(axis=0)
    H = np.tril(tot[1 + k:].reshape(k, k))
    return float(tot[0]), tot[1:1 + k], H + np.tril(H, -1).T


def probit_loglike(mu: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact probit log-probabilities ``log Phi(q mu)`` and their derivative in ``mu``.

    Parameters
    ----------
    mu, y : ndarray (broadcasting)
        Linear index and 0/1 outcome.

    Returns
    -------
    ll, dmu : ndarray
        ``log Phi(q mu)`` and ``q phi(q mu)/Phi(q mu)``, the broadcast shape.

    Examples
    --------
    >>> ll, d = probit_loglike(np.array([0.0]), np.array([1.0]))
    >>> round(float(np.exp(ll[0])), 6), round(float(d[0]), 6)
    (0.5, 0.797885)
    """
    mu, y = np.broadcast_arrays(np.asarray(mu, dtype=np.float64), np.asarray(y, dtype=np.float64))
    shape = mu.shape
    mu = np.ascontiguousarray(mu).reshape(-1)
    q = np.ascontiguousarray(2.0 * y - 1.0).reshape(-1)
    ll, dmu = np.empty(mu.size), np.empty(mu.size)
    _rows(mu, q, ll, dmu)
    return ll.reshape(shape), dmu.reshape(shape)


def probit_newton(X: np.ndarray, y: np.ndarray, *, maxiter: int = 100, tol: float = 1e-10
                  ) -> tuple[np.ndarray, float, np.ndarray, int, bool]:
    """Maximum-likelihood probit by Newton's method with the exact Hessian.

    The probit log-likelihood is concave, so Newton steps (halved until the log-likelihood
    does not fall) from ``beta = 0`` converge whenever the estimate exists; each iteration
    is one compiled pass over the rows.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        Design matrix (include a constant column if wanted).
    y : ndarray, shape (n,)
        0/1 outcome.
    maxiter : int, default 100
        Maximum Newton iterations.
    tol : float, default 1e-10
        Stop when no coefficient moves by more than ``tol * (1 + |beta|)``.

    Returns
    -------
    beta : ndarray, shape (k,)
    llf : float
        Log-likelihood at ``beta``.
    hessian : ndarray, shape (k, k)
        Exact Hessian at ``beta`` (``inv(-hessian)`` is the covariance).
    iterations : int
    converged : bool
        False when the steps did not settle within ``maxiter`` (separation: a coefficient
        heading to infinity).

    Raises
    ------
    numpy.linalg.LinAlgError
        When the Hessian is singular (collinear columns, or all rows predicted exactly).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(6), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> beta, llf, H, it, ok = probit_newton(X, np.array([0, 0, 1, 0, 1, 1]))
    >>> ok, beta.round(3).tolist(), round(llf, 4)  # statsmodels Probit gives the same
    (True, [-1.899, 0.76], -2.4186)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    q = np.ascontiguousarray(2.0 * np.asarray(y, dtype=np.float64).reshape(-1) - 1.0)
    w = np.ones(q.size)
    beta = np.zeros(X.shape[1])
    ll, g, H = _sums(X, q, w, beta)
    for it in range(1, maxiter + 1):
        step = np.linalg.solve(-H, g)
        t = 1.0
        while True:
            trial = beta + t * step
            ll_t, g_t, H_t = _sums(X, q, w, trial)
            if ll_t >= ll - 1e-12 * abs(ll) or t < 1e-8:
                break
            t *= 0.5
        moved = np.abs(trial - beta).max()
        beta, ll, g, H = trial, ll_t, g_t, H_t
        if moved <= tol * (1.0 + np.abs(beta).max()):
            return beta, ll, H, it, True
    return beta, ll, H, maxiter, False
