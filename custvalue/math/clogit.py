"""Conditional-logit kernels: the only copy of the choice-model formulas in custvalue.

McFadden (1974), "Conditional logit analysis of qualitative choice behavior", in Zarembka
(ed.), *Frontiers in Econometrics*, 105-142: utility ``V_nj = x_nj' beta`` and
``P_nj = exp(V_nj) / sum_m exp(V_nm)`` (eq. 8 there).  The mixed (random-intercept) version
integrates person-level normal intercepts by simulation (Train 2009, *Discrete Choice Methods
with Simulation*, 2nd ed., ch. 6, eq. 6.3 and the simulated log-likelihood of eq. 10.1).

Notation: ``n`` choice occasions, ``J`` alternatives, ``k`` coefficients.  ``X`` has shape
``(n, J, k)``, ``chosen`` holds the chosen alternative's position ``0..J-1`` and ``avail`` is
an optional boolean ``(n, J)`` mask of the alternatives in each choice set.  Everything is
computed in log space (log-sum-exp), never as a ratio of exponentials.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "utilities", "log_probabilities", "probabilities", "loglike", "score", "loglike_and_score",
    "hessian",
    "mixed_loglike", "mixed_score", "mixed_loglike_and_score", "money_metric",
    "money_metric_gradient", "logsumexp",
]


def logsumexp(a: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stabilised by the maximum (a lean version of
    :func:`scipy.special.logsumexp` for finite or ``-inf`` entries).

    Over a short last axis (the few alternatives of a choice set) the reduction runs as a loop
    of element-wise operations over that axis, much faster than numpy's reduction there.
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
    """Systematic utilities ``V = X beta`` of shape ``(n, J)``; ``-inf`` where unavailable."""
    V = np.einsum("njk,k->nj", X, np.asarray(beta, dtype=float))
    if avail is not None:
        V = np.where(avail, V, -np.inf)
    return V


def log_probabilities(V: np.ndarray, axis: int = -1) -> np.ndarray:
    """Logit choice log-probabilities ``V - logsumexp(V)`` along ``axis`` (McFadden 1974, eq. 8)."""
    return V - logsumexp(V, axis=axis, keepdims=True)


def probabilities(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None) -> np.ndarray:
    """Choice probabilities ``P_nj`` of shape ``(n, J)``; rows sum to one."""
    return np.exp(log_probabilities(utilities(beta, X, avail)))


def loglike(beta: np.ndarray, X: np.ndarray, chosen: np.ndarray,
            avail: np.ndarray | None = None) -> np.ndarray:
    """Per-occasion conditional-logit log-likelihood ``log P_{n, chosen_n}``, shape ``(n,)``.

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
    """Analytic gradient of :func:`loglike`: ``x_{n,chosen} - sum_j P_nj x_nj``, shape ``(n, k)``."""
    P = probabilities(beta, X, avail)
    return _chosen_rows(X, chosen) - np.einsum("nj,njk->nk", P, X)


def loglike_and_score(beta: np.ndarray, X: np.ndarray, chosen: np.ndarray,
                      avail: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`loglike` and :func:`score` from one evaluation of the choice probabilities."""
    lp = log_probabilities(utilities(beta, X, avail))
    idx = np.asarray(chosen, dtype=np.intp)
    ll = lp[np.arange(lp.shape[0]), idx]
    P = np.exp(lp)
    return ll, _chosen_rows(X, idx) - np.einsum("nj,njk->nk", P, X)


def hessian(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None,
            weights: np.ndarray | None = None) -> np.ndarray:
    """Analytic Hessian of the summed log-likelihood, ``-sum_n sum_j P_nj (x_nj - xbar_n)(x_nj - xbar_n)'``.

    It does not depend on the choices (the logit log-likelihood is globally concave).
    """
    P = probabilities(beta, X, avail)
    xbar = np.einsum("nj,njk->nk", P, X)
    D = X - xbar[:, None, :]
    if weights is not None:
        P = P * np.asarray(weights, dtype=float)[:, None]
    return -np.einsum("nj,nja,njb->ab", P, D, D, optimize=True)


def _mixed_parts(beta, sigma, X, chosen, group_starts, draws, loading, avail):
    """Simulated pieces of the random-intercept logit.

    ``draws`` has shape ``(n_people, R, M)`` (standard normal), ``loading`` ``(J, M)`` maps the
    ``M`` random intercepts onto alternatives; person ``i`` owns the occasion rows
    ``group_starts[i]:group_starts[i+1]`` (rows sorted by person).  Internally the simulated
    utilities are laid out as ``(J, n, R)`` so that the reductions over the few alternatives
    are element-wise operations on large contiguous blocks.
    """
    n, J = X.shape[0], X.shape[1]
    counts = np.diff(np.append(group_starts, n))
    person = np.repeat(np.arange(group_starts.size), counts)
    V = X @ np.asarray(beta, dtype=float)                                   # (n, J)
    sig = np.asarray(sigma, dtype=float)
    zT = np.moveaxis(draws, -1, 0)[:, person]                               # (M, n, R)
    Vr = np.empty((J, n, draws.shape[1]))
    for j in range(J):  # loops over alternatives and random terms (few), not customers
        Vr[j] = V[:, j, None]
        for m in np.flatnonzero(loading[j]):
            Vr[j] += (loading[j, m] * sig[m]) * zT[m]
        if avail is not None:
            Vr[j] = np.where(avail[:, j, None], Vr[j], -np.inf)
    m = Vr.max(axis=0)
    m = np.where(np.isfinite(m), m, 0.0)
    lse = np.log(np.exp(Vr - m).sum(axis=0)) + m                           # (n, R)
    lp_chosen = Vr[np.asarray(chosen, dtype=np.intp), np.arange(n)] - lse   # (n, R)
    log_lir = np.add.reduceat(lp_chosen, group_starts, axis=0)              # (p, R)
    log_li = logsumexp(log_lir, axis=1) - np.log(log_lir.shape[1])
    return person, zT, Vr, lse, log_lir, log_li


def mixed_loglike(beta, sigma, X, chosen, group_starts, draws, loading, avail=None) -> np.ndarray:
    """Per-person simulated log-likelihood of the random-intercept logit, shape ``(n_people,)``.

    ``log L_i = log (1/R) sum_r prod_t P_it(beta, sigma * z_ir)`` (Train 2009, eq. 6.3/10.1),
    where the intercept of alternative ``j`` is shifted by ``sum_m loading[j, m] sigma_m z_irm``.
    """
    return _mixed_parts(beta, sigma, X, chosen, group_starts, draws, loading, avail)[5]


def mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mixed_loglike` and :func:`mixed_score` from one pass over the simulated utilities."""
    person, zT, Vr, lse, log_lir, log_li = _mixed_parts(beta, sigma, X, chosen, group_starts, draws,
                                                    loading, avail)
    R = log_lir.shape[1]
    w_n = np.exp(log_lir - (log_li[:, None] + np.log(R)))[person]           # (n, R) draw weights
    P = np.exp(Vr - lse)                                                    # (J, n, R)
    Pbar = np.einsum("nr,jnr->nj", w_n, P)
    s_beta = _chosen_rows(X, chosen) - np.einsum("nj,njk->nk", Pbar, X)
    # d V_nrj / d sigma_m = loading[j, m] z_irm, so the sigma score is
    # sum_r w_ir z_irm (d_nm - sum_j P_nrj loading[j, m]) with d the chosen row of the loading.
    d_m = loading[np.asarray(chosen, dtype=np.intp)]                        # (n, M)
    M = loading.shape[1]
    s_sigma = np.empty((X.shape[0], M))
    for m in range(M):  # loop over random terms (few)
        PL = np.zeros_like(w_n)
        for j in np.flatnonzero(loading[:, m]):
            PL += loading[j, m] * P[j]
        s_sigma[:, m] = np.einsum("nr,nr->n", w_n * zT[m], d_m[:, m, None] - PL)
    s = np.concatenate([s_beta, s_sigma], axis=1)
    return log_li, np.add.reduceat(s, np.asarray(group_starts, dtype=np.intp), axis=0)


def mixed_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None) -> np.ndarray:
    """Analytic gradient of :func:`mixed_loglike` w.r.t. ``(beta, sigma)``, shape ``(n_people, k + M)``.

    ``d log L_i = sum_r w_ir sum_t d log P_itr`` with posterior draw weights
    ``w_ir = L_ir / sum_r L_ir``.
    """
    return mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail)[1]


def money_metric(gamma, alpha):
    """Money-metric switching cost ``gamma / |alpha|``: the price cut that makes a consumer
    indifferent between staying and switching (e.g. Dubé, Hitsch & Rossi 2010, RAND J. Econ.
    41(3):417-445, section 5)."""
    return np.asarray(gamma, dtype=float) / np.abs(alpha)


def money_metric_gradient(gamma, alpha):
    """Gradient of :func:`money_metric` w.r.t. ``(gamma, alpha)`` for the delta method."""
    g = np.asarray(gamma, dtype=float)
    a = np.asarray(alpha, dtype=float)
    return 1.0 / np.abs(a), -g * np.sign(a) / a**2
