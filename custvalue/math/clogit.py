"""Conditional-logit kernels: the only copy of the choice-model formulas in custvalue.

McFadden (1974), "Conditional logit analysis of qualitative choice behavior", in Zarembka
(ed.), *Frontiers in Econometrics*, 105-142: utility ``V_nj = x_nj' beta`` and
``P_nj = exp(V_nj) / sum_m exp(V_nm)`` (eq. 8 there).  The mixed (random-intercept) version
integrates person-level normal intercepts by simulation (Train 2009, *Discrete Choice Methods
with Simulation*, 2nd ed., ch. 6, eq. 6.3 and the simulated log-likelihood of eq. 10.1).

Notation: ``n`` choice occasions, ``J`` alternatives, ``k`` coefficients.  ``X`` has shape
``(n, J, k)``, ``chosen`` holds the chosen alternative's position ``0..J-1`` and ``avail`` is
an optional boolean ``(n, J)`` mask of the alternatives in each choice set.  Everything is
computed in log space (log-sum-exp), never as a ratio of raw exponentials; the compiled
random-intercept pass forms probabilities from exponentials of utilities shifted by their
maximum (all <= 1), and falls back to log-sum-exp where their sum underflows.

The random-intercept logit (``mixed_*``) runs in one compiled pass over people x draws x
occasions (:func:`custvalue.math._jit.parallel_kernel`), which also gives the exact Hessian
of the simulated log-likelihood (``mixed_loglike_and_score(..., hessian=True)``).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``utilities``,
``log_probabilities``, ``probabilities``, ``loglike``, ``score``, ``loglike_and_score``,
``hessian``, ``mixed_loglike``, ``mixed_score``, ``mixed_loglike_and_score``, ``logsumexp``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._checks import params
from ._jit import parallel_kernel

__all__ = [
    "utilities", "log_probabilities", "probabilities", "loglike", "score", "loglike_and_score",
    "hessian",
    "mixed_loglike", "mixed_score", "mixed_loglike_and_score", "money_metric",
    "money_metric_gradient", "logsumexp",
]


def logsumexp(a: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stabilised by the maximum.

    A lean version of :func:`scipy.special.logsumexp` for finite or ``-inf`` entries. Over a
    short last axis (the few alternatives of a choice set) the reduction runs as a loop of
    element-wise operations over that axis, much faster than numpy's reduction there.

    Parameters
    ----------
    a : array_like
        Log-scale values (finite or ``-inf``).
    axis : int, default -1
        Axis to reduce.
    keepdims : bool, default False
        Keep the reduced axis with length one.

    Returns
    -------
    numpy.ndarray
        ``log(sum(exp(a), axis))``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(logsumexp(np.array([0.0, np.log(3.0)]))), 6)  # log(1 + 3)
    1.386294
    """
    a = np.asarray(a, dtype=float)
    ax = axis % a.ndim
    if ax == a.ndim - 1 and 1 < a.shape[-1] <= 16:
        m = a[..., 0].copy()
        for j in range(1, a.shape[-1]):  # loop over alternatives (few)
            np.maximum(m, a[..., j], out=m)
        m = np.where(np.isfinite(m), m, 0.0)
        tot = np.zeros_like(m)
        for j in range(a.shape[-1]):
            tot += np.exp(a[..., j] - m)
        out = np.log(tot) + m
        return out[..., None] if keepdims else out
    m = np.max(a, axis=ax, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=ax)


def utilities(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None) -> np.ndarray:
    """Systematic utilities ``V = X beta`` (McFadden 1974); ``-inf`` where unavailable.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n, J)
        Utilities ``V_nj = x_nj' beta``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0], [1.0], [2.0]]])
    >>> utilities(np.array([0.5]), X, avail=np.array([[True, True, False]])).tolist()
    [[0.0, 0.5, -inf]]
    """
    V = np.einsum("njk,k->nj", X, np.asarray(beta, dtype=float))
    if avail is not None:
        V = np.where(avail, V, -np.inf)
    return V


def log_probabilities(V: np.ndarray, axis: int = -1) -> np.ndarray:
    """Logit choice log-probabilities ``V - logsumexp(V)`` along ``axis`` (McFadden 1974, eq. 8).

    Parameters
    ----------
    V : numpy.ndarray
        Utilities (``-inf`` for unavailable alternatives), e.g. from :func:`utilities`.
    axis : int, default -1
        Axis of the alternatives.

    Returns
    -------
    numpy.ndarray
        Log choice probabilities, same shape as ``V``.

    Examples
    --------
    >>> import numpy as np
    >>> log_probabilities(np.array([[0.0, 0.0]])).round(3).tolist()
    [[-0.693, -0.693]]
    """
    return V - logsumexp(V, axis=axis, keepdims=True)


def probabilities(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None) -> np.ndarray:
    """Choice probabilities ``P_nj`` (McFadden 1974, eq. 8); rows sum to one.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n, J)
        Choice probabilities (zero for unavailable alternatives).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0], [1.0], [2.0]]])
    >>> probabilities(np.array([0.5]), X).round(3).tolist()
    [[0.186, 0.307, 0.506]]
    """
    return np.exp(log_probabilities(utilities(beta, X, avail)))


def loglike(beta: np.ndarray, X: np.ndarray, chosen: np.ndarray,
            avail: np.ndarray | None = None) -> np.ndarray:
    """Per-occasion conditional-logit log-likelihood ``log P_{n, chosen_n}`` (McFadden 1974).

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    chosen : numpy.ndarray of int, shape (n,)
        Position ``0..J-1`` of the chosen alternative on each occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Log-probability of the chosen alternative on each occasion.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 3, 1))
    >>> float(np.exp(loglike(np.array([0.5]), X, np.array([2]))[0]))  # three equal utilities
    0.3333333333333333
    """
    lp = log_probabilities(utilities(beta, X, avail))
    return np.take_along_axis(lp, np.asarray(chosen, dtype=np.intp)[:, None], axis=1)[:, 0]


def _chosen_rows(X: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    idx = np.asarray(chosen, dtype=np.intp)
    return X[np.arange(X.shape[0]), idx]


def score(beta: np.ndarray, X: np.ndarray, chosen: np.ndarray,
          avail: np.ndarray | None = None) -> np.ndarray:
    """Analytic gradient of :func:`loglike`: ``x_{n,chosen} - sum_j P_nj x_nj``.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    chosen : numpy.ndarray of int, shape (n,)
        Position ``0..J-1`` of the chosen alternative on each occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n, k)
        Per-occasion score.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0], [1.0], [2.0]]])
    >>> score(np.array([0.5]), X, np.array([2])).round(3).tolist()
    [[0.68]]
    """
    P = probabilities(beta, X, avail)
    return _chosen_rows(X, chosen) - np.einsum("nj,njk->nk", P, X)


def loglike_and_score(beta: np.ndarray, X: np.ndarray, chosen: np.ndarray,
                      avail: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`loglike` and :func:`score` from one evaluation of the choice probabilities.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    chosen : numpy.ndarray of int, shape (n,)
        Position ``0..J-1`` of the chosen alternative on each occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.

    Returns
    -------
    ll : numpy.ndarray, shape (n,)
        Per-occasion log-likelihood.
    score : numpy.ndarray, shape (n, k)
        Per-occasion score.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0], [1.0], [2.0]]])
    >>> ll, s = loglike_and_score(np.array([0.5]), X, np.array([2]))
    >>> ll.round(3).tolist(), s.round(3).tolist()
    ([-0.68], [[0.68]])
    """
    lp = log_probabilities(utilities(beta, X, avail))
    idx = np.asarray(chosen, dtype=np.intp)
    ll = lp[np.arange(lp.shape[0]), idx]
    P = np.exp(lp)
    return ll, _chosen_rows(X, idx) - np.einsum("nj,njk->nk", P, X)


def hessian(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None,
            weights: np.ndarray | None = None) -> np.ndarray:
    """Analytic Hessian of the summed conditional-logit log-likelihood.

    ``-sum_n w_n sum_j P_nj (x_nj - xbar_n)(x_nj - xbar_n)'`` with ``xbar_n = sum_j P_nj x_nj``.
    It does not depend on the choices (the logit log-likelihood is globally concave).

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients.
    X : numpy.ndarray, shape (n, J, k)
        Attributes of each alternative on each choice occasion.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask of the alternatives in each choice set; ``None``: all available.
    weights : numpy.ndarray, shape (n,), optional
        Occasion weights ``w_n``; ``None``: all one.

    Returns
    -------
    numpy.ndarray, shape (k, k)
        Hessian with respect to ``beta``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0], [1.0], [2.0]]])
    >>> hessian(np.array([0.5]), X).round(3).tolist()
    [[-0.59]]
    """
    X = np.asarray(X, dtype=float)
    P = probabilities(beta, X, avail)
    xbar = np.einsum("nj,njk->nk", P, X)
    D = (X - xbar[:, None, :]).reshape(-1, X.shape[2])                    # (n * J, k)
    if weights is not None:
        P = P * np.asarray(weights, dtype=float)[:, None]
    return -(D * P.reshape(-1, 1)).T @ D  # one matrix product (BLAS) instead of a 3-operand einsum


#: Customers per block of the compiled random-intercept pass: each block sums its own Hessian,
#: and the blocks are added in a fixed order, so the result does not depend on the threads.
_MIXED_BLOCK = 32
#: Below this, a sum of products of exponentials is recomputed in log-sum-exp form.
_TINY = 1e-280


@parallel_kernel(error_model="numpy", fastmath={"reassoc", "contract"})
def _mixed_blocks(V0, X, chosen, bounds, draws, loading, sigma, avail, weights, level, t_max,
                  ll_out, score_out, hess_out):  # pragma: no cover - compiled
    """One pass over customers x draws x occasions (no array of that size is formed).

    Person ``i`` owns rows ``bounds[i]:bounds[i+1]``. ``level`` 0: per-person simulated
    log-likelihood ``ll_out``; 1: also the per-person score ``score_out``; 2: also the
    weighted sum of the per-person Hessians, one ``(K, K)`` block per block of customers in
    ``hess_out``. With ``w_r`` the posterior weight of draw ``r`` (``L_ir / sum_r L_ir``),
    ``g_r`` the gradient of ``log L_ir`` and ``g = sum_r w_r g_r``:
    ``d2 log L_i = sum_r w_r (d2 log L_ir + (g_r - g)(g_r - g)')`` with
    ``d2 log L_ir = -sum_t (sum_j P_rtj d_rtj d_rtj' - dbar_rt dbar_rt')``, ``d_rtj`` the
    derivative of the (linear) utility ``V_rtj`` and ``dbar_rt = sum_j P_rtj d_rtj``.
    Per person, the draws are the innermost (contiguous) axis of every scratch array."""
    n_people, R, M = draws.shape
    J = X.shape[1]
    kb = X.shape[2]
    K = kb + M
    n_blocks = hess_out.shape[0]
    log_r = np.log(R)
    for b in prange(n_blocks):
        z = np.empty((M, R))
        wz = np.empty((M, R))
        shift = np.empty((J, R))
        prob = np.empty((t_max, J, R))
        smax = np.empty(R)
        es = np.empty((J, R))
        ev = np.empty(J)
        corr = np.empty(R)
        tot = np.empty(R)
        loglr = np.empty(R)
        w = np.empty(R)
        usum = np.empty((J, R))
        gr = np.empty((K, R))
        a = np.empty((M, R))
        bz = np.empty((M, R))
        g = np.empty(K)
        xc = np.empty(kb)
        lc = np.empty(M)
        pbar = np.empty((t_max, J))
        mt = np.empty((t_max, J, J))
        q = np.empty((t_max, J, M))
        nn = np.empty((t_max, J, M))
        ssa = np.empty((M, M))
        ssb = np.empty((M, M))
        gg = np.empty((K, K))
        hb = hess_out[b]
        for i in range(b * _MIXED_BLOCK, min(n_people, (b + 1) * _MIXED_BLOCK)):
            s = bounds[i]
            T = bounds[i + 1] - s
            for m in range(M):
                for r in range(R):
                    z[m, r] = draws[i, r, m]
            for j in range(J):
                for r in range(R):
                    shift[j, r] = 0.0
                for m in range(M):
                    lsm = loading[j, m] * sigma[m]
                    if lsm != 0.0:
                        for r in range(R):
                            shift[j, r] += lsm * z[m, r]
            # -- pass 1: log L_ir and the choice probabilities of every draw and occasion.
            # exp(V_tj + shift_jr) = exp(V_tj - vmax_t) exp(shift_jr - smax_r) exp(vmax_t + smax_r):
            # J x R exponentials per person instead of T x J x R. Both factors are <= 1, so
            # nothing overflows; an occasion and draw whose total is below _TINY (utilities
            # hundreds apart) is recomputed with the log-sum-exp of the sum.
            for r in range(R):
                smax[r] = -np.inf
            for j in range(J):
                for r in range(R):
                    smax[r] = max(smax[r], shift[j, r])
            for j in range(J):
                for r in range(R):
                    es[j, r] = np.exp(shift[j, r] - smax[r])
            for r in range(R):
                loglr[r] = 0.0
            for t in range(T):
                row = s + t
                vmax = -np.inf
                for j in range(J):
                    if avail[row, j]:
                        vmax = max(vmax, V0[row, j])
                if not np.isfinite(vmax):
                    vmax = 0.0
                for j in range(J):
                    ev[j] = np.exp(V0[row, j] - vmax) if avail[row, j] else 0.0
                for r in range(R):
                    tot[r] = 0.0
                    corr[r] = 0.0
                for j in range(J):
                    evj = ev[j]
                    for r in range(R):
                        e = evj * es[j, r]
                        prob[t, j, r] = e
                        tot[r] += e
                for r in range(R):
                    if tot[r] < _TINY:  # rare: the stable sum for this draw
                        mx = -np.inf
                        for j in range(J):
                            if avail[row, j]:
                                mx = max(mx, V0[row, j] + shift[j, r])
                        if not np.isfinite(mx):
                            mx = 0.0
                        tt = 0.0
                        for j in range(J):
                            e = np.exp(V0[row, j] + shift[j, r] - mx) if avail[row, j] else 0.0
                            prob[t, j, r] = e
                            tt += e
                        tot[r] = tt
                        corr[r] = vmax + smax[r] - mx
                c = chosen[row]
                if avail[row, c]:
                    vc = V0[row, c] - vmax
                    for r in range(R):
                        loglr[r] += vc + (shift[c, r] - smax[r]) + corr[r] - np.log(tot[r])
                else:
                    for r in range(R):
                        loglr[r] = -np.inf
                for r in range(R):
                    tot[r] = 1.0 / tot[r]
                for j in range(J):
                    for r in range(R):
                        prob[t, j, r] *= tot[r]
            m0 = -np.inf
            for r in range(R):
                m0 = max(m0, loglr[r])
            if not np.isfinite(m0):
                m0 = 0.0
            acc = 0.0
            for r in range(R):
                acc += np.exp(loglr[r] - m0)
            lli = np.log(acc) + m0
            ll_out[i] = lli - log_r
            if level == 0:
                continue
            for r in range(R):
                w[r] = np.exp(loglr[r] - lli)
            # -- pass 2: the score (and the Hessian) from the posterior draw weights w_r
            for k in range(kb):
                xc[k] = 0.0
            for m in range(M):
                lc[m] = 0.0
            for j in range(J):
                for r in range(R):
                    usum[j, r] = 0.0
            for t in range(T):
                row = s + t
                c = chosen[row]
                for k in range(kb):
                    xc[k] += X[row, c, k]
                for m in range(M):
                    lc[m] += loading[c, m]
                for j in range(J):
                    acc = 0.0
                    for r in range(R):
                        pr = prob[t, j, r]
                        acc += w[r] * pr
                        usum[j, r] += pr
                    pbar[t, j] = acc
            for k in range(kb):
                acc = xc[k]
                for t in range(T):
                    row = s + t
                    for j in range(J):
                        acc -= pbar[t, j] * X[row, j, k]
                g[k] = acc
            # sigma: g_rm = z_rm (sum_t loading[c_t, m] - sum_j loading[j, m] sum_t P_rtj)
            for m in range(M):
                for r in range(R):
                    a[m, r] = lc[m]
                for j in range(J):
                    ljm = loading[j, m]
                    if ljm != 0.0:
                        for r in range(R):
                            a[m, r] -= ljm * usum[j, r]
                acc = 0.0
                for r in range(R):
                    gm = z[m, r] * a[m, r]
                    gr[kb + m, r] = gm
                    acc += w[r] * gm
                g[kb + m] = acc
            for k in range(K):
                score_out[i, k] = g[k]
            if level < 2:
                continue
            # per-draw beta gradient g_rk = xc_k - sum_t sum_j X_tjk P_rtj
            for k in range(kb):
                for r in range(R):
                    gr[k, r] = xc[k]
            for t in range(T):
                row = s + t
                for j in range(J):
                    for k in range(kb):
                        x = X[row, j, k]
                        for r in range(R):
                            gr[k, r] -= x * prob[t, j, r]
            # sum_r w_r (g_r - g)(g_r - g)' = sum_r w_r g_r g_r' - g g'
            for k in range(K):
                for k2 in range(k + 1):
                    acc = 0.0
                    for r in range(R):
                        acc += w[r] * gr[k, r] * gr[k2, r]
                    gg[k, k2] = acc - g[k] * g[k2]
            for m in range(M):
                for r in range(R):
                    wz[m, r] = w[r] * z[m, r]
            ssb[:] = 0.0
            for t in range(T):
                for j in range(J):
                    for l in range(j + 1):
                        acc = 0.0
                        for r in range(R):
                            acc += w[r] * prob[t, j, r] * prob[t, l, r]
                        mt[t, j, l] = acc
                        mt[t, l, j] = acc
                for m in range(M):
                    for r in range(R):
                        a[m, r] = 0.0
                    for j in range(J):
                        ljm = loading[j, m]
                        if ljm != 0.0:
                            for r in range(R):
                                a[m, r] += ljm * prob[t, j, r]
                    for r in range(R):
                        bz[m, r] = wz[m, r] * a[m, r]
                for m in range(M):
                    for j in range(J):
                        acc = 0.0
                        acc2 = 0.0
                        for r in range(R):
                            pr = prob[t, j, r]
                            acc += wz[m, r] * pr
                            acc2 += bz[m, r] * pr
                        q[t, j, m] = acc
                        nn[t, j, m] = acc2
                    for m2 in range(m + 1):
                        acc = 0.0
                        for r in range(R):
                            acc += bz[m, r] * z[m2, r] * a[m2, r]
                        ssb[m, m2] += acc
            for m in range(M):
                for m2 in range(m + 1):
                    acc = 0.0
                    for j in range(J):
                        lj = loading[j, m] * loading[j, m2]
                        if lj != 0.0:
                            acc2 = 0.0
                            for r in range(R):
                                acc2 += wz[m, r] * z[m2, r] * usum[j, r]
                            acc += lj * acc2
                    ssa[m, m2] = acc
            # H = -A + B + gg (lower triangle), weighted by weights[i]
            wi = weights[i]
            for t in range(T):
                row = s + t
                for k in range(kb):
                    for k2 in range(k + 1):
                        h = 0.0
                        for j in range(J):
                            xj = X[row, j, k]
                            ml = -pbar[t, j] * X[row, j, k2]
                            for l in range(J):
                                ml += mt[t, j, l] * X[row, l, k2]
                            h += xj * ml
                        gg[k, k2] += h
                for m in range(M):
                    for k in range(kb):
                        h = 0.0
                        for j in range(J):
                            h += X[row, j, k] * (nn[t, j, m] - loading[j, m] * q[t, j, m])
                        gg[kb + m, k] += h
            for m in range(M):
                for m2 in range(m + 1):
                    gg[kb + m, kb + m2] += ssb[m, m2] - ssa[m, m2]
            for k in range(K):
                for k2 in range(k + 1):
                    hb[k, k2] += wi * gg[k, k2]
        for k in range(K):
            for k2 in range(k):
                hb[k2, k] = hb[k, k2]

def _mixed_eval(beta, sigma, X, chosen, group_starts, draws, loading, avail, level, weights=None):
    """Run :func:`_mixed_blocks`; returns ``(ll, score, hessian)``.

    Every array goes in C-contiguous and writeable (copied only if it is not), so the compiled
    kernel sees one signature whatever the caller passes (read-only views, None defaults).
    """
    def arr(a, dtype):
        return np.require(a, dtype=dtype, requirements=["C", "W"])

    X = arr(X, float)
    n, J, kb = X.shape
    V0 = arr(X @ arr(beta, float).reshape(-1), float)                       # (n, J)
    draws = arr(draws, float)
    n_people, _, M = draws.shape
    K = kb + M
    bounds = np.append(np.asarray(group_starts, dtype=np.intp), n).astype(np.intp)
    avail = np.ones((n, J), dtype=np.bool_) if avail is None else arr(np.broadcast_to(avail, (n, J)), np.bool_)
    weights = np.ones(n_people) if weights is None else arr(np.broadcast_to(weights, (n_people,)), float)
    t_max = int(np.diff(bounds).max()) if n_people else 0
    ll = np.empty(n_people)
    score = np.empty((n_people if level >= 1 else 0, K))
    hess = np.zeros((-(-n_people // _MIXED_BLOCK), K, K))
    _mixed_blocks(V0, X, arr(chosen, np.intp), bounds, draws, arr(loading, float),
                  arr(np.asarray(sigma, dtype=float).reshape(-1), float), avail, weights, int(level),
                  t_max, ll, score, hess)
    return ll, score, hess.sum(axis=0)


def mixed_loglike(beta, sigma, X, chosen, group_starts, draws, loading, avail=None) -> np.ndarray:
    """Per-person simulated log-likelihood of the random-intercept logit, shape ``(n_people,)``.

    ``log L_i = log (1/R) sum_r prod_t P_it(beta, sigma * z_ir)`` (Train 2009, eq. 6.3/10.1),
    where the intercept of alternative ``j`` is shifted by ``sum_m loading[j, m] sigma_m z_irm``.
    Computed in one compiled pass over people, draws and occasions (no array of
    people x draws x occasions is formed).

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients of the attributes.
    sigma : numpy.ndarray, shape (M,)
        Standard deviations of the ``M`` normal random intercepts.
    X : numpy.ndarray, shape (n, J, k)
        Attributes; occasion rows sorted by person.
    chosen : numpy.ndarray of int, shape (n,)
        Position of the chosen alternative on each occasion.
    group_starts : numpy.ndarray of int, shape (n_people,)
        First occasion row of each person (person ``i`` owns rows
        ``group_starts[i]:group_starts[i+1]``).
    draws : numpy.ndarray, shape (n_people, R, M)
        Standard-normal simulation draws (``R`` per person).
    loading : numpy.ndarray, shape (J, M)
        Maps the ``M`` random intercepts onto the alternatives.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n_people,)
        Simulated log-likelihood of each person's sequence of choices.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 2, 1))          # one person, two occasions, two alternatives
    >>> chosen, starts = np.array([0, 1]), np.array([0])
    >>> draws = np.array([[[-1.0], [1.0]]])  # R = 2 draws of M = 1 intercept
    >>> loading = np.array([[1.0], [0.0]])   # the intercept shifts alternative 0
    >>> mixed_loglike(np.array([0.0]), np.array([1.0]), X, chosen, starts, draws,
    ...               loading).round(3).tolist()
    [-1.627]
    """
    return _mixed_eval(beta, sigma, X, chosen, group_starts, draws, loading, avail, 0)[0]


def mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None, *,
                            hessian: bool = False, weights: np.ndarray | None = None):
    """:func:`mixed_loglike` and :func:`mixed_score` (and the exact Hessian) from one pass.

    The score is ``d log L_i = sum_r w_ir g_ir`` with the posterior draw weights
    ``w_ir = L_ir / sum_r L_ir`` and ``g_ir = sum_t d log P_itr``; the Hessian
    (Train 2009, eq. 10.1, differentiated twice) is
    ``d2 log L_i = sum_r w_ir (d2 log L_ir + (g_ir - g_i)(g_ir - g_i)')``, with
    ``d2 log L_ir = -sum_t sum_j P_itrj (d_itrj - dbar_itr)(d_itrj - dbar_itr)'`` (the
    utilities are linear in ``(beta, sigma)``; ``d_itrj`` is their derivative and ``dbar_itr``
    its probability-weighted mean). People are processed in fixed blocks whose Hessians are
    added in order, so the result does not depend on the number of threads.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients of the attributes.
    sigma : numpy.ndarray, shape (M,)
        Standard deviations of the ``M`` normal random intercepts.
    X : numpy.ndarray, shape (n, J, k)
        Attributes; occasion rows sorted by person.
    chosen : numpy.ndarray of int, shape (n,)
        Position of the chosen alternative on each occasion.
    group_starts : numpy.ndarray of int, shape (n_people,)
        First occasion row of each person (person ``i`` owns rows
        ``group_starts[i]:group_starts[i+1]``).
    draws : numpy.ndarray, shape (n_people, R, M)
        Standard-normal simulation draws (``R`` per person).
    loading : numpy.ndarray, shape (J, M)
        Maps the ``M`` random intercepts onto the alternatives.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask; ``None``: all available.
    hessian : bool, default False
        Also return the Hessian of ``sum_i weights_i log L_i``.
    weights : numpy.ndarray, shape (n_people,), optional
        Person weights of that Hessian; ``None``: all one.

    Returns
    -------
    loglike : numpy.ndarray, shape (n_people,)
        Per-person simulated log-likelihood.
    score : numpy.ndarray, shape (n_people, k + M)
        Per-person gradient with respect to ``(beta, sigma)``.
    hessian : numpy.ndarray, shape (k + M, k + M)
        Only with ``hessian=True``: the weighted sum of the per-person Hessians.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 2, 1))          # one person, two occasions, two alternatives
    >>> chosen, starts = np.array([0, 1]), np.array([0])
    >>> draws = np.array([[[-1.0], [1.0]]])  # R = 2 draws of M = 1 intercept
    >>> loading = np.array([[1.0], [0.0]])   # the intercept shifts alternative 0
    >>> ll, s = mixed_loglike_and_score(np.array([0.0]), np.array([1.0]), X, chosen, starts,
    ...                                 draws, loading)
    >>> ll.round(3).tolist(), s.round(3).tolist()
    ([-1.627], [[0.0, -0.462]])
    >>> mixed_loglike_and_score(np.array([0.0]), np.array([1.0]), X, chosen, starts, draws,
    ...                         loading, hessian=True)[2].shape
    (2, 2)
    """
    ll, score, hess = _mixed_eval(beta, sigma, X, chosen, group_starts, draws, loading, avail,
                                  2 if hessian else 1, weights)
    return (ll, score, hess) if hessian else (ll, score)


def mixed_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None) -> np.ndarray:
    """Analytic gradient of :func:`mixed_loglike` w.r.t. ``(beta, sigma)``, shape ``(n_people, k + M)``.

    ``d log L_i = sum_r w_ir sum_t d log P_itr`` with posterior draw weights
    ``w_ir = L_ir / sum_r L_ir``.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients of the attributes.
    sigma : numpy.ndarray, shape (M,)
        Standard deviations of the ``M`` normal random intercepts.
    X : numpy.ndarray, shape (n, J, k)
        Attributes; occasion rows sorted by person.
    chosen : numpy.ndarray of int, shape (n,)
        Position of the chosen alternative on each occasion.
    group_starts : numpy.ndarray of int, shape (n_people,)
        First occasion row of each person (person ``i`` owns rows
        ``group_starts[i]:group_starts[i+1]``).
    draws : numpy.ndarray, shape (n_people, R, M)
        Standard-normal simulation draws (``R`` per person).
    loading : numpy.ndarray, shape (J, M)
        Maps the ``M`` random intercepts onto the alternatives.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask; ``None``: all available.

    Returns
    -------
    numpy.ndarray, shape (n_people, k + M)
        Per-person gradient with respect to ``(beta, sigma)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 2, 1))          # one person, two occasions, two alternatives
    >>> chosen, starts = np.array([0, 1]), np.array([0])
    >>> draws = np.array([[[-1.0], [1.0]]])  # R = 2 draws of M = 1 intercept
    >>> loading = np.array([[1.0], [0.0]])   # the intercept shifts alternative 0
    >>> mixed_score(np.array([0.0]), np.array([1.0]), X, chosen, starts, draws,
    ...             loading).round(3).tolist()
    [[0.0, -0.462]]
    """
    return _mixed_eval(beta, sigma, X, chosen, group_starts, draws, loading, avail, 1)[1]


@params(gamma="finite", alpha="nonzero")
def money_metric(gamma, alpha):
    """Money-metric switching cost ``gamma / |alpha|``.

    The price cut that makes a consumer indifferent between staying and switching (e.g. Dubé,
    Hitsch & Rossi 2010, RAND J. Econ. 41(3):417-445, section 5).

    Parameters
    ----------
    gamma : array_like
        State-dependence (loyalty) coefficient in utility units.
    alpha : array_like
        Price coefficient.

    Returns
    -------
    numpy.ndarray
        Switching cost in money units.

    Examples
    --------
    >>> float(money_metric(1.5, -0.5))
    3.0
    """
    return np.asarray(gamma, dtype=float) / np.abs(alpha)


@params(gamma="finite", alpha="nonzero")
def money_metric_gradient(gamma, alpha):
    """Gradient of :func:`money_metric` w.r.t. ``(gamma, alpha)`` for the delta method.

    Parameters
    ----------
    gamma : array_like
        State-dependence (loyalty) coefficient.
    alpha : array_like
        Price coefficient.

    Returns
    -------
    d_gamma, d_alpha : numpy.ndarray
        ``1 / |alpha|`` and ``-gamma sign(alpha) / alpha**2``.

    Examples
    --------
    >>> [float(v) for v in money_metric_gradient(1.5, -0.5)]
    [2.0, 6.0]
    """
    g = np.asarray(gamma, dtype=float)
    a = np.asarray(alpha, dtype=float)
    return 1.0 / np.abs(a), -g * np.sign(a) / a**2
