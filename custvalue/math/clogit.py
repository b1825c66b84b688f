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

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``utilities``,
``log_probabilities``, ``probabilities``, ``loglike``, ``score``, ``loglike_and_score``,
``hessian``, ``mixed_loglike``, ``mixed_score``, ``mixed_loglike_and_score``, ``logsumexp``.
"""

from __future__ import annotations

import numpy as np

from ._checks import params

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
    return _mixed_parts(beta, sigma, X, chosen, group_starts, draws, loading, avail)[5]


def mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mixed_loglike` and :func:`mixed_score` from one pass over the simulated utilities.

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
    loglike : numpy.ndarray, shape (n_people,)
        Per-person simulated log-likelihood.
    score : numpy.ndarray, shape (n_people, k + M)
        Per-person gradient with respect to ``(beta, sigma)``.

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
    """
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
    return mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail)[1]


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
