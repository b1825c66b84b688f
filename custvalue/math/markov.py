"""Markov-chain kernels for customer migration (Pfeifer & Carraway 2000, "Modeling customer
relationships as Markov chains", Journal of Interactive Marketing 14(2):43-55; P&C below).

Notation: ``P`` is a (k, k) row-stochastic transition matrix (``P[i, j]`` = probability of
moving from state i this period to state j next period), ``R`` a length-k reward vector (the
margin earned in each state during a period) and ``d`` the per-period discount rate.
Inputs are assumed validated (see :func:`custvalue._validation.check_transition_matrix`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._deprecation import renamed_arguments
from ._checks import params

__all__ = [
    "discounted_value", "discounted_value_path", "n_step", "state_distribution",
    "stationary_distribution", "fundamental_matrix", "transition_counts", "wilson_interval",
    "goodman_interval", "wald_interval", "counts_loglike", "value_jacobian", "value_variance", "batched_values",
]


def _discount_factor(d: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.asarray(d, dtype=float))


def _gth_solve(off, excess, B):
    """Solve ``M X = B`` for ``M = diag(excess + off.sum(1)) - off`` (``off`` >= 0 with a zero
    diagonal, ``excess`` >= 0: a diagonally dominant M-matrix whose row sums are ``excess``)
    by Gaussian elimination in the manner of Grassmann, Taksar & Heyman (1985): each pivot
    is recomputed as its row's excess plus the magnitudes of its off-diagonal entries, and
    the excesses of the remaining rows are carried along (they only grow), so elimination
    never subtracts.  Every entry of M^-1 is then accurate to a few ulps relative, however
    close M is to singular (a discount rate near 0 on a chain that rarely leaves a class),
    where LU with partial pivoting loses ``1/d`` in relative accuracy."""
    S = np.array(off, dtype=float)
    g = np.array(excess, dtype=float)
    X = np.array(B, dtype=float)
    k = S.shape[0]
    piv = np.empty(k)
    for j in range(k):  # loop over pivots; rows below are updated as arrays
        piv[j] = g[j] + S[j, j + 1:].sum()
        if not piv[j] > 0:
            return None
        lj = S[j + 1:, j] / piv[j]                         # multipliers, >= 0 (M's are <= 0)
        g[j + 1:] += lj * g[j]
        S[j + 1:, j + 1:] += np.outer(lj, S[j, j + 1:])    # off-diagonal entries only grow
        X[j + 1:] += lj[:, None] * X[j][None, :] if X.ndim == 2 else lj * X[j]
    for j in range(k - 1, -1, -1):  # back substitution: sums of non-negative terms for B >= 0
        X[j] = (X[j] + S[j, j + 1:] @ X[j + 1:]) / piv[j]
    return X


def _infinite_value(P, Rm, d, exits):
    """``(I - P/(1+d))^-1 R`` for one discount rate d: as ``(1+d) M^-1 R`` with
    ``M = (1+d) I - P`` by :func:`_gth_solve` when every row excess ``d + exits`` is
    >= 0 (P's diagonal taken as one minus its off-diagonal row sum minus ``exits``), else by
    LU (d < 0, where the sum converges on a chain that leaves)."""
    k = P.shape[0]
    beta = 1.0 / (1.0 + d)
    excess = d + exits
    if np.all(excess >= 0):
        off = P * (1.0 - np.eye(k))
        V = _gth_solve(off, excess, Rm * (1.0 + d))
        if V is not None:
            return V
    return np.linalg.solve(np.eye(k) - beta * P, Rm)


@params(P="probability", R="finite", d="rate", horizon="count0")
def discounted_value(P, R, d, horizon=None, include_current=True, exits=None):
    """Expected discounted value per starting state, P&C eqs. (5)-(6).

    Finite horizon ``T`` (P&C eq. 5): ``V_T = sum_{t=0}^{T} [(1+d)^-1 P]^t R``.
    Infinite horizon (P&C eq. 6): ``V = (I - P/(1+d))^-1 R``.
    With ``include_current=False`` the reward of the current period (t = 0) is left out,
    i.e. ``V - R`` (the sum starts at t = 1, payments at the end of each period), computed
    as ``P/(1+d) V`` (no subtraction).

    The infinite horizon is solved without subtractions (Grassmann-Taksar-Heyman
    elimination, :func:`_gth_solve`) for d >= 0, taking each diagonal entry of P as one
    minus the off-diagonal entries of its row: the values keep their relative accuracy for
    non-negative rewards as d -> 0, where the system becomes nearly singular.  The finite
    horizon is Horner's scheme, T matrix products.

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    R : ndarray, shape (k,) or (k, m)
        Reward per state (columns: several reward vectors at once).
    d : float or ndarray, shape (nd,)
        Discount rate(s) per period, > -1 (> 0 for an infinite horizon unless the chain
        makes the sum converge).
    horizon : int, optional
        Last period ``T`` of the sum; ``None`` for the infinite horizon.
    include_current : bool, default True
        Include the reward of period 0.
    exits : ndarray, shape (k,), optional
        For a sub-stochastic ``P`` (a block of a larger chain): the probability of leaving
        the block from each state (the rows' deficit, passed exactly); default 0.

    Returns
    -------
    ndarray
        Shape ``R.shape`` for a scalar ``d``, else ``(nd,) + R.shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.discounted_value(P, np.array([100.0, 0.0]), 0.1).round(2).tolist()
    [366.67, 0.0]
    >>> markov.discounted_value(P, np.array([100.0, 0.0]), [0.1, 0.2], horizon=1).round(2).tolist()
    [[172.73, 0.0], [166.67, 0.0]]
    """
    P = np.asarray(P, dtype=float)
    R = np.asarray(R, dtype=float)
    d_arr = np.asarray(d, dtype=float)
    scalar = d_arr.ndim == 0
    beta = _discount_factor(d_arr.reshape(-1))  # (nd,)
    k = P.shape[0]
    Rm = R.reshape(k, -1)
    ex = np.zeros(k) if exits is None else np.asarray(exits, dtype=float)
    V = np.empty((beta.size,) + Rm.shape)
    with np.errstate(over="ignore", invalid="ignore"):  # a negative rate may overflow: inf
        _values(P, Rm, d_arr.reshape(-1), beta, horizon, include_current, ex, V)
    V = V.reshape((beta.size,) + R.shape)
    return V[0] if scalar else V


def _values(P, Rm, rates, beta, horizon, include_current, ex, V):
    for i, b in enumerate(beta):  # loop over the discount rates
        if horizon is None:
            Vi = _infinite_value(P, Rm, float(rates[i]), ex)
            V[i] = Vi if include_current else b * (P @ Vi)
        else:
            # Horner: V_T = R + A (R + A (R + ...)), T matrix products (a loop over periods);
            # without the current period, A V_{T-1}
            T = int(horizon)
            Vi = Rm.copy()
            for _ in range(T - (0 if include_current else 1)):
                Vi = Rm + b * (P @ Vi)
            V[i] = Vi if include_current else (b * (P @ Vi) if T > 0 else np.zeros_like(Rm))


@params(P="probability", R="finite", d="rate", horizon="count0")
def discounted_value_path(P, R, d, horizon, include_current=True):
    """``V_T`` for every ``T = 0..horizon`` (one row per T), shape ``(horizon+1, k)``.

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    R : ndarray, shape (k,)
        Reward per state per period.
    d : float
        Discount rate per period (> -1).
    horizon : int
        Last period of the sums.
    include_current : bool, default True
        Include the reward of period 0.

    Returns
    -------
    ndarray
        Shape ``(horizon+1, k)``: the partial sums of P&C eq. (5).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.discounted_value_path(P, np.array([100.0, 0.0]), 0.1, 2).round(2).tolist()
    [[100.0, 0.0], [172.73, 0.0], [225.62, 0.0]]
    """
    P = np.asarray(P, dtype=float)
    R = np.asarray(R, dtype=float).reshape(-1)
    beta = float(_discount_factor(d))
    out = np.empty((int(horizon) + 1, R.size))
    term = R.copy()
    acc = R.copy() if include_current else np.zeros_like(R)
    out[0] = acc
    for t in range(1, int(horizon) + 1):  # loop over periods
        term = beta * (P @ term)
        acc = acc + term
        out[t] = acc
    return out


@params(P="probability", R="finite", d="rate", horizon="count0")
def value_jacobian(P, R, d, horizon=None, solved_states=None):
    """Derivatives of the value per starting state with respect to the entries of ``P``:
    ``J[s, i, j] = d V_s / d P[i, j]`` (``V`` of :func:`discounted_value`, with the current
    period's reward; leaving it out subtracts ``R``, which does not depend on ``P``).

    Differentiating ``V = R + A V`` with ``A = P/(1+d)`` (P&C eq. 6) gives
    ``dV = (I - A)^-1 (dA) V``, so ``J[s, i, j] = M[s, i] V_j / (1+d)`` with
    ``M = (I - A)^-1``. Over a finite horizon (P&C eq. 5) ``V_t = R + A V_{t-1}`` gives the
    recursion ``J_t[s, i, j] = [s = i] V_{t-1, j} / (1+d) + sum_m A[s, m] J_{t-1}[m, i, j]``,
    ``J_0 = 0`` (a loop over periods, ``k^3`` per period).

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    R : ndarray, shape (k,)
        Reward per state per period.
    d : float
        Discount rate per period (> -1).
    horizon : int, optional
        Last period ``T`` of the sum; ``None`` for the infinite horizon.
    solved_states : ndarray of bool, shape (k,), optional
        Infinite horizon only: the states whose values are solved for (the others are
        absorbing with reward 0, value 0 and zero derivatives); default all.

    Returns
    -------
    ndarray
        Shape ``(k, k, k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.value_jacobian(P, np.array([100.0, 0.0]), 0.1)[0, 0].round(2).tolist()
    [1222.22, 0.0]
    """
    P = np.asarray(P, dtype=float)
    R = np.asarray(R, dtype=float).reshape(-1)
    k = P.shape[0]
    b = float(_discount_factor(d))
    J = np.zeros((k, k, k))
    if horizon is None:
        kp = np.ones(k, dtype=bool) if solved_states is None else np.asarray(solved_states, dtype=bool)
        V = np.zeros(k)
        V[kp] = discounted_value(P[np.ix_(kp, kp)], R[kp], d, None,
                                 exits=P[np.ix_(kp, ~kp)].sum(axis=1))
        M = np.linalg.inv(np.eye(int(kp.sum())) - b * P[np.ix_(kp, kp)])
        J[np.ix_(kp, kp)] = b * M[:, :, None] * V[None, None, :]
        return J
    path = discounted_value_path(P, R, d, max(int(horizon) - 1, 0)) if horizon else np.zeros((0, k))
    A = b * P
    eye = np.eye(k)
    for t in range(1, int(horizon) + 1):  # loop over periods
        J = b * eye[:, :, None] * path[t - 1][None, None, :] + np.einsum("sm,mij->sij", A, J)
    return J


def value_variance(jacobian, P, n_from):
    """Delta-method variance of the values from the multinomial sampling variance of each
    estimated row of ``P``: ``Var(V_s) = sum_i J[s, i] C_i J[s, i]'`` with
    ``C_i = (diag(p_i) - p_i p_i') / n_i`` (rows estimated independently; Anderson & Goodman
    1957), i.e. ``sum_i (sum_j p_ij J_sij^2 - (sum_j p_ij J_sij)^2) / n_i``. Rows with
    ``n_i = 0`` (not estimated) contribute nothing.

    Parameters
    ----------
    jacobian : ndarray, shape (k, k, k)
        :func:`value_jacobian`.
    P : ndarray, shape (k, k)
        The estimated transition matrix.
    n_from : ndarray, shape (k,)
        Transitions observed out of each state.

    Returns
    -------
    ndarray
        Shape ``(k,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> J = markov.value_jacobian(P, np.array([100.0, 0.0]), 0.1)
    >>> markov.value_variance(J, P, np.array([100.0, 50.0])).round(1).tolist()
    [2390.1, 0.0]
    """
    J = np.asarray(jacobian, dtype=float)
    n = np.asarray(n_from, dtype=float)
    mean = np.einsum("ij,sij->si", P, J)
    second = np.einsum("ij,sij->si", P, J * J)
    per_row = np.maximum(second - mean * mean, 0.0)
    w = np.where(n > 0, 1.0 / np.where(n > 0, n, 1.0), 0.0)
    return per_row @ w


def batched_values(matrices, R, d, horizon=None, include_current=True, solved_states=None):
    """:func:`discounted_value` for a stack of transition matrices (one batched solve, or
    Horner's scheme over the periods for a finite horizon).

    Parameters
    ----------
    matrices : ndarray, shape (n, k, k)
        Row-stochastic transition matrices.
    R : ndarray, shape (k,)
        Reward per state per period.
    d : float
        Discount rate per period (> -1).
    horizon : int, optional
        Last period of the sum; ``None`` for the infinite horizon.
    include_current : bool, default True
        Include the reward of period 0.
    solved_states : ndarray of bool, shape (k,), optional
        Infinite horizon only: the states solved for (the others absorbing with reward 0:
        value 0). A matrix on which the sum over the kept states diverges (spectral radius of
        the discounted block >= 1) gets NaN values.

    Returns
    -------
    ndarray
        Shape ``(n, k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> Ps = np.array([[[0.8, 0.2], [0.0, 1.0]], [[0.5, 0.5], [0.0, 1.0]]])
    >>> markov.batched_values(Ps, np.array([100.0, 0.0]), 0.1).round(2).tolist()
    [[366.67, 0.0], [183.33, 0.0]]
    """
    Ps = np.asarray(matrices, dtype=float)
    R = np.asarray(R, dtype=float).reshape(-1)
    n, k = Ps.shape[0], Ps.shape[1]
    b = float(_discount_factor(d))
    A = b * Ps
    if horizon is None:
        kp = np.ones(k, dtype=bool) if solved_states is None else np.asarray(solved_states, dtype=bool)
        V = np.zeros((n, k))
        if kp.any():
            Q = A[:, kp][:, :, kp]
            V[:, kp] = np.linalg.solve(np.eye(int(kp.sum()))[None] - Q,
                                       np.broadcast_to(R[kp][:, None], (n, int(kp.sum()), 1)))[..., 0]
            if solved_states is not None:  # without discounting the sum may diverge in a draw
                radius = np.abs(np.linalg.eigvals(Q)).max(axis=1)
                V[radius >= 1 - 1e-12] = np.nan
        return V if include_current else np.einsum("nij,nj->ni", A, V)
    V = np.broadcast_to(R, (n, k)).copy()
    for _ in range(int(horizon) - (0 if include_current else 1)):  # loop over periods
        V = R[None] + np.einsum("nij,nj->ni", A, V)
    if include_current:
        return V
    return np.einsum("nij,nj->ni", A, V) if horizon else np.zeros((n, k))


@params(P="probability", t="count0")
def n_step(P, t):
    """``P^t``, the t-step transition matrix (P&C eq. 3).

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    t : int
        Number of periods (>= 0).

    Returns
    -------
    ndarray
        Shape ``(k, k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.n_step(P, 2).round(3).tolist()
    [[0.64, 0.36], [0.0, 1.0]]
    """
    return np.linalg.matrix_power(np.asarray(P, dtype=float), int(t))


@params(P="probability", initial="nonnegative", horizon="count0")
def state_distribution(P, initial, horizon):
    """Distribution over states at t = 0..horizon from the row vector ``initial``;
    shape ``(horizon+1, k)`` (``initial @ P^t``).

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    initial : ndarray, shape (k,)
        Distribution over states at t = 0.
    horizon : int
        Last period.

    Returns
    -------
    ndarray
        Shape ``(horizon+1, k)``; row t is ``initial @ P^t``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.state_distribution(P, np.array([1.0, 0.0]), 2).round(3).tolist()
    [[1.0, 0.0], [0.8, 0.2], [0.64, 0.36]]
    """
    P = np.asarray(P, dtype=float)
    x = np.asarray(initial, dtype=float).reshape(-1)
    out = np.empty((int(horizon) + 1, x.size))
    out[0] = x
    for t in range(1, int(horizon) + 1):
        x = x @ P
        out[t] = x
    return out


@params(P="transition")
def stationary_distribution(P):
    """Solve ``pi P = pi, sum(pi) = 1``; returns ``(pi, rank_ok)``.

    ``rank_ok`` is False when the solution is not unique (more than one closed class).

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.

    Returns
    -------
    pi : ndarray
        Shape ``(k,)``, non-negative and summing to 1 (least-squares solution).
    rank_ok : bool
        Whether the solution is unique.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> pi, ok = markov.stationary_distribution(np.array([[0.9, 0.1], [0.5, 0.5]]))
    >>> pi.round(4).tolist(), ok
    ([0.8333, 0.1667], True)
    """
    P = np.asarray(P, dtype=float)
    k = P.shape[0]
    A = np.vstack([P.T - np.eye(k), np.ones((1, k))])
    b = np.zeros(k + 1)
    b[-1] = 1.0
    pi, _, rank, _ = np.linalg.lstsq(A, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    pi = pi / pi.sum()
    return pi, bool(rank == k)


@params(P="transition")
def fundamental_matrix(P, transient):
    """``N = (I - Q)^-1`` over the ``transient`` states (boolean mask), with ``Q`` the
    transient-to-transient block; ``N[i, j]`` is the expected number of periods spent in j
    starting from i before absorption (Kemeny & Snell 1960, thm. 3.2.4).

    Parameters
    ----------
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.
    transient : ndarray of bool, shape (k,)
        Mask of the transient states.

    Returns
    -------
    ndarray
        Shape ``(m, m)`` with ``m`` the number of transient states.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> markov.fundamental_matrix(P, np.array([True, False])).round(3).tolist()
    [[5.0]]
    """
    P = np.asarray(P, dtype=float)
    Q = P[np.ix_(transient, transient)]
    return np.linalg.inv(np.eye(Q.shape[0]) - Q)


@renamed_arguments(k="n_states")
@params(n_states="count")
def transition_counts(src, dst, n_states, weights=None):
    """k x k matrix of counts ``n[i, j]`` of moves from state ``src`` to ``dst`` (integer
    codes 0..k-1), optionally weighted.

    Parameters
    ----------
    src, dst : array-like of int
        State codes (0..k-1) before and after each move.
    n_states : int
        Number of states.
    weights : array-like, optional
        Weight of each move (default 1).

    Returns
    -------
    ndarray
        Shape ``(k, k)`` float counts.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> markov.transition_counts([0, 0, 1], [0, 1, 1], 2).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    k = n_states
    flat = np.asarray(src, dtype=np.int64) * k + np.asarray(dst, dtype=np.int64)
    return np.bincount(flat, weights=weights, minlength=k * k).astype(float).reshape(k, k)


@params(counts="nonnegative", P="probability")
def counts_loglike(counts, P):
    """Multinomial log-likelihood ``sum n_ij log p_ij`` (0 log 0 = 0).

    Parameters
    ----------
    counts : ndarray, shape (k, k)
        Transition counts ``n_ij``.
    P : ndarray, shape (k, k)
        Row-stochastic transition matrix.

    Returns
    -------
    float
        The log-likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> counts = np.array([[4.0, 2.0], [1.0, 1.0]])
    >>> round(markov.counts_loglike(counts, counts / counts.sum(axis=1, keepdims=True)), 4)
    -5.2054
    """
    counts = np.asarray(counts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(np.where(counts > 0, P, 1.0)), 0.0)
    return float(terms.sum())


@renamed_arguments(n="n_trials")
@params(p="probability", n_trials="nonnegative", level="level")
def wilson_interval(p, n_trials, level):
    """Wilson (1927) score interval for a binomial proportion ``p`` out of ``n`` trials.

    Parameters
    ----------
    p : ndarray
        Estimated proportions (e.g. a row of ``P``).
    n_trials : ndarray
        Trials behind each proportion (broadcast against ``p``).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Bounds in [0, 1] (exactly 0 at p = 0 and 1 at p = 1).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> lo, hi = markov.wilson_interval(np.array([2 / 3, 1 / 3]), np.array([6.0, 6.0]), 0.95)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.3, 0.097], [0.903, 0.7])
    """
    n = n_trials
    z = stats.norm.ppf(0.5 + level / 2)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    p = np.asarray(p, dtype=float)
    # exact at the edges: the score interval of p = 0 starts at 0, that of p = 1 ends at 1
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))
    hi = np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


@renamed_arguments(n="n_trials")
@params(p="probability", n_trials="nonnegative", level="level")
def wald_interval(p, n_trials, level):
    """Wald interval ``p +- z sqrt(p(1-p)/n)``, clipped to [0, 1].

    Parameters
    ----------
    p : ndarray
        Estimated proportions (e.g. a row of ``P``).
    n_trials : ndarray
        Trials behind each proportion (broadcast against ``p``).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Bounds clipped to [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> lo, hi = markov.wald_interval(np.array([2 / 3, 1 / 3]), np.array([6.0, 6.0]), 0.95)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.289, 0.0], [1.0, 0.711])
    """
    n = n_trials
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p * (1 - p) / np.asarray(n, dtype=float))
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


@renamed_arguments(n="n_trials")
@params(p="probability", n_trials="nonnegative", level="level")
def goodman_interval(p, n_trials, level):
    """Goodman (1965, Technometrics 7:247-254) simultaneous intervals for the k cells of each
    row: the score interval with ``chi2_1`` quantile at ``1 - (1-level)/k``.

    Parameters
    ----------
    p : ndarray
        Estimated proportions of the k cells of each row, shape ``(..., k)``.
    n_trials : ndarray
        Trials behind each proportion (broadcast against ``p``).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Simultaneous bounds in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import markov
    >>> lo, hi = markov.goodman_interval(np.array([[2 / 3, 1 / 3]]), np.array([[6.0]]), 0.95)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([[0.264, 0.082]], [[0.918, 0.736]])
    """
    n = n_trials
    p = np.asarray(p, dtype=float)
    k = p.shape[-1]
    A = stats.chi2.ppf(1 - (1 - level) / k, 1)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = np.sqrt(A * (A + 4 * n * p * (1 - p)))
        lo = (A + 2 * n * p - disc) / (2 * (n + A))
        hi = (A + 2 * n * p + disc) / (2 * (n + A))
    return np.where(p <= 0, 0.0, np.clip(lo, 0, 1)), np.where(p >= 1, 1.0, np.clip(hi, 0, 1))
