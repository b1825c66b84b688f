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
    "utilities", "log_probabilities", "probabilities", "loglike", "score", "hessian",
    "mixed_loglike", "mixed_score", "mixed_loglike_and_score", "money_metric",
    "money_metric_gradient", "logsumexp",
]


def logsumexp(a: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stabilised by the maximum (a lean version of
    :func:`scipy.special.logsumexp` for finite or ``-inf`` entries)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def utilities(beta: np.ndarray, X: np.ndarray, avail: np.ndarray | None = None) -> np.ndarray:
    """Systematic utilities ``V = X beta`` of shape ``(n, J)``; ``-inf`` where unavailable."""
    V = X @ np.asarray(beta, dtype=float)
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
    ``group_starts[i]:group_starts[i+1]`` (rows sorted by person).
    """
    n = X.shape[0]
    counts = np.diff(np.append(group_starts, n))
    person = np.repeat(np.arange(group_starts.size), counts)
    V = X @ np.asarray(beta, dtype=float)                                 # (n, J)
    eta = np.einsum("prm,jm->prj", draws * np.asarray(sigma, dtype=float), loading)  # (p, R, J)
    Vr = V[:, None, :] + eta[person]                                        # (n, R, J)
    if avail is not None:
        Vr = np.where(avail[:, None, :], Vr, -np.inf)
    lp = log_probabilities(Vr)                                              # (n, R, J)
    idx = np.asarray(chosen, dtype=np.intp)
    lp_chosen = np.take_along_axis(lp, np.broadcast_to(idx[:, None, None], (n, lp.shape[1], 1)),
                                   axis=2)[..., 0]                          # (n, R)
    log_lir = np.add.reduceat(lp_chosen, group_starts, axis=0)              # (p, R)
    log_li = logsumexp(log_lir, axis=1) - np.log(log_lir.shape[1])
    return person, lp, log_lir, log_li


def mixed_loglike(beta, sigma, X, chosen, group_starts, draws, loading, avail=None) -> np.ndarray:
    """Per-person simulated log-likelihood of the random-intercept logit, shape ``(n_people,)``.

    ``log L_i = log (1/R) sum_r prod_t P_it(beta, sigma * z_ir)`` (Train 2009, eq. 6.3/10.1),
    where the intercept of alternative ``j`` is shifted by ``sum_m loading[j, m] sigma_m z_irm``.
    """
    return _mixed_parts(beta, sigma, X, chosen, group_starts, draws, loading, avail)[3]


def mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mixed_loglike` and :func:`mixed_score` from one pass over the simulated utilities."""
    person, lp, log_lir, log_li = _mixed_parts(beta, sigma, X, chosen, group_starts, draws,
                                               loading, avail)
    R = log_lir.shape[1]
    w = np.exp(log_lir - (log_li[:, None] + np.log(R)))                     # (p, R)
    w_n = w[person]                                                         # (n, R)
    P = np.exp(lp)                                                          # (n, R, J)
    Pbar = np.einsum("nr,nrj->nj", w_n, P)
    s_beta = _chosen_rows(X, chosen) - np.einsum("nj,njk->nk", Pbar, X)
    # d V_nrj / d sigma_m = loading[j, m] z_irm, so the sigma score is
    # sum_r w_ir z_irm (d_nm - P_nrm) with d the chosen indicator mapped through the loading.
    d_m = loading[np.asarray(chosen, dtype=np.intp)]                        # (n, M)
    resid_m = d_m[:, None, :] - P @ loading                                 # (n, R, M)
    s_sigma = np.einsum("nr,nrm->nm", w_n, resid_m * draws[person])
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
