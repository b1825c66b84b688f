"""Undercut-proof switching-cost formulas of Shy (2002): the only copy in custvalue.

Shy, O. (2002), "A quick-and-easy method for estimating switching costs", International
Journal of Industrial Organization 20(1):71-87.  Firm ``i`` serves ``N_i`` locked-in customers
at price ``p_i`` (net of marginal cost); its customers pay ``S_i`` to switch.  Prices are
*undercut-proof* when no rival ``u`` gains by cutting its price enough to take all of ``i``'s
customers as well as keeping its own:

    p_u N_u >= (p_i - S_i)(N_i + N_u)                 (Shy 2002, section 3, the UPP condition)

At the undercut-proof equilibrium the condition binds, which gives the estimator

    S_i = p_i - p_u N_u / (N_i + N_u)                 (Shy 2002, eq. for S_A, S_B; section 4)

and, read the other way, the prices implied by known switching costs (a linear system; for two
firms with a common ``S`` it is Shy's closed form
``p_A = (N_A + N_B)(N_A + 2 N_B) S / (N_A^2 + N_A N_B + N_B^2)``).

``rival`` is an integer array: ``rival[i]`` is the firm whose undercutting firm ``i`` fears.
With two firms each fears the other and both conditions bind (section 3).  With ``n > 2``
firms Shy (section 4) lets every firm fear one rival only (the smallest firm; the smallest
fears the second smallest), so only those ``n`` conditions are imposed and the other
``n (n - 2)`` pairwise conditions may fail.  :func:`pairwise_undercut_proof_prices` imposes
all ``n (n - 1)`` of them: it returns the highest prices at which no firm gains by undercutting
any other, the unique fixed point of ``p_i = S_i + min_{u != i} p_u N_u / (N_i + N_u)``
(a contraction, since every ``N_u / (N_i + N_u) < 1``), which for two firms is section 3's
closed form again.
"""

from __future__ import annotations

import numpy as np

from ._checks import params

__all__ = ["default_rival", "switching_costs", "switching_cost_jacobian", "undercut_proof_prices",
           "undercut_weights", "pairwise_rival", "pairwise_undercut_proof_prices",
           "two_firm_switching_costs", "two_firm_prices"]


@params(customers="positive")
def default_rival(customers: np.ndarray) -> np.ndarray:
    """Shy's (2002, section 4) choice of undercutter for every firm.

    Every firm fears the smallest firm (fewest customers), except the smallest itself, which
    fears the second-smallest firm.

    Parameters
    ----------
    customers : array_like, shape (n,)
        Number of (locked-in) customers ``N_i`` of each firm, ``n >= 2``.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        ``rival[i]``: index of the firm whose undercutting firm ``i`` fears.

    Examples
    --------
    >>> import numpy as np
    >>> default_rival(np.array([50.0, 30.0, 20.0])).tolist()
    [2, 2, 1]
    """
    n = np.asarray(customers, dtype=float)
    order = np.argsort(n, kind="stable")
    rival = np.full(n.shape[0], order[0], dtype=np.intp)
    rival[order[0]] = order[1]
    return rival


@params(prices="finite", customers="positive")
def switching_costs(prices: np.ndarray, customers: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """Undercut-proof switching costs ``S_i = p_i - p_u N_u / (N_i + N_u)``, ``u = rival[i]``.

    Firms run along the last axis; leading axes broadcast (e.g. bootstrap draws).

    Parameters
    ----------
    prices : array_like, shape (..., n)
        Prices ``p_i`` net of marginal cost.
    customers : array_like, shape (..., n)
        Customer counts ``N_i``.
    rival : array_like of int, shape (n,)
        ``rival[i]`` is the undercutter ``u`` firm ``i`` fears (e.g. :func:`default_rival`).

    Returns
    -------
    numpy.ndarray, shape (..., n)
        Switching costs ``S_i`` (Shy 2002, section 4).

    Examples
    --------
    >>> import numpy as np
    >>> switching_costs(np.array([10.0, 10.0]), np.array([60.0, 40.0]), np.array([1, 0]))
    array([6., 4.])
    """
    p = np.asarray(prices, dtype=float)
    n = np.asarray(customers, dtype=float)
    return p - p[..., rival] * n[..., rival] / (n + n[..., rival])


@params(prices="finite", customers="positive")
def switching_cost_jacobian(prices: np.ndarray, customers: np.ndarray, rival: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Jacobians ``dS/dp`` and ``dS/dN`` of :func:`switching_costs`, for the delta method.

    Parameters
    ----------
    prices : array_like, shape (n,)
        Prices ``p_i`` net of marginal cost.
    customers : array_like, shape (n,)
        Customer counts ``N_i``.
    rival : array_like of int, shape (n,)
        ``rival[i]`` is the undercutter firm ``i`` fears.

    Returns
    -------
    d_p : numpy.ndarray, shape (n, n)
        ``d_p[i, j] = dS_i / dp_j``.
    d_n : numpy.ndarray, shape (n, n)
        ``d_n[i, j] = dS_i / dN_j``.

    Examples
    --------
    >>> import numpy as np
    >>> d_p, d_n = switching_cost_jacobian(np.array([10.0, 10.0]), np.array([60.0, 40.0]),
    ...                                    np.array([1, 0]))
    >>> d_p.round(3).tolist()
    [[1.0, -0.4], [-0.6, 1.0]]
    >>> d_n.round(3).tolist()
    [[0.04, -0.06], [-0.04, 0.06]]
    """
    p = np.asarray(prices, dtype=float)
    n = np.asarray(customers, dtype=float)
    k = p.shape[0]
    rows = np.arange(k)
    tot = n + n[rival]
    d_p = np.zeros((k, k))
    d_n = np.zeros((k, k))
    d_p[rows, rows] += 1.0
    d_p[rows, rival] += -n[rival] / tot
    d_n[rows, rows] += p[rival] * n[rival] / tot**2
    d_n[rows, rival] += -p[rival] * n / tot**2
    return d_p, d_n


@params(switching_costs="nonnegative", customers="positive")
def undercut_proof_prices(switching_costs: np.ndarray, customers: np.ndarray,
                          rival: np.ndarray) -> np.ndarray:
    """Prices (net of marginal cost) at which every UPP condition binds, given ``S``.

    Solves ``p_i (N_i + N_u) - p_u N_u = S_i (N_i + N_u)`` for all ``i`` jointly (the inverse
    of :func:`switching_costs`).

    Parameters
    ----------
    switching_costs : array_like, shape (n,)
        Switching costs ``S_i``.
    customers : array_like, shape (n,)
        Customer counts ``N_i``.
    rival : array_like of int, shape (n,)
        ``rival[i]`` is the undercutter firm ``i`` fears.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Undercut-proof prices ``p_i`` (net of marginal cost).

    Examples
    --------
    >>> import numpy as np
    >>> undercut_proof_prices(np.array([6.0, 4.0]), np.array([60.0, 40.0]), np.array([1, 0]))
    array([10., 10.])
    """
    s = np.asarray(switching_costs, dtype=float)
    n = np.asarray(customers, dtype=float)
    k = s.shape[0]
    rows = np.arange(k)
    tot = n + n[rival]
    A = np.zeros((k, k))
    A[rows, rows] += tot
    A[rows, rival] -= n[rival]
    return np.linalg.solve(A, s * tot)


@params(customers="positive")
def undercut_weights(customers: np.ndarray) -> np.ndarray:
    """``W[i, u] = N_u / (N_i + N_u)``: the share of the pooled customers an undercutter keeps.

    Rival ``u`` gains by undercutting firm ``i`` exactly when
    ``p_i - S_i > W[i, u] p_u`` (the UPP condition ``p_u N_u >= (p_i - S_i)(N_i + N_u)``
    rearranged).  The diagonal (a firm undercutting itself) is ``inf``, so it never attains a
    minimum over rivals.

    Parameters
    ----------
    customers : array_like, shape (..., n)
        Customer counts ``N_i``; leading axes broadcast.

    Returns
    -------
    numpy.ndarray, shape (..., n, n)
        ``W[..., i, u]``.

    Examples
    --------
    >>> import numpy as np
    >>> undercut_weights(np.array([60.0, 40.0])).tolist()
    [[inf, 0.4], [0.6, inf]]
    """
    n = np.asarray(customers, dtype=float)
    W = n[..., None, :] / (n[..., :, None] + n[..., None, :])
    k = n.shape[-1]
    W[..., np.arange(k), np.arange(k)] = np.inf
    return W


@params(prices="finite", customers="positive")
def pairwise_rival(prices: np.ndarray, customers: np.ndarray) -> np.ndarray:
    """For every firm, the rival with the strongest incentive to undercut it at ``prices``.

    ``rival[i] = argmin_{u != i} p_u N_u / (N_i + N_u)``: the rival that needs the smallest
    price cut below ``p_i`` to gain by undercutting ``i``.  Ties go to the lower index.

    Parameters
    ----------
    prices : array_like, shape (..., n)
        Prices net of marginal cost; leading axes broadcast (e.g. bootstrap draws).
    customers : array_like, shape (..., n)
        Customer counts ``N_i``.

    Returns
    -------
    numpy.ndarray of int, shape (..., n)
        ``rival[..., i]``.

    Examples
    --------
    >>> import numpy as np
    >>> pairwise_rival(np.array([1.1, 1.7, 2.1]), np.array([100.0, 10.0, 5.0])).tolist()
    [2, 2, 0]
    """
    p = np.asarray(prices, dtype=float)
    return np.argmin(undercut_weights(customers) * p[..., None, :], axis=-1)


@params(switching_costs="nonnegative", customers="positive")
def pairwise_undercut_proof_prices(switching_costs: np.ndarray, customers: np.ndarray
                                   ) -> tuple[np.ndarray, np.ndarray]:
    """The highest prices at which no firm gains by undercutting any other (every pairwise UPP).

    Solves ``p_i = S_i + min_{u != i} W[i, u] p_u`` (:func:`undercut_weights`), i.e. the
    undercut-proof condition ``p_u N_u >= (p_i - S_i)(N_i + N_u)`` of Shy (2002, section 3)
    for all ``n (n - 1)`` ordered pairs, each firm's price raised until its tightest condition
    binds.  The map is a contraction (every ``W < 1``), so the solution is unique; every price
    vector that satisfies all pairwise conditions lies below it.  It is found exactly by policy
    iteration (Howard 1960): start from Shy's section-4 rivals (:func:`default_rival`), solve
    the linear system of :func:`undercut_proof_prices` for the current rivals, switch each firm
    to the rival minimising ``W[i, u] p_u``, and stop when no firm switches (at most a few
    steps; each step lowers the prices).  With two firms there is nothing to choose and the
    result is section 3's closed form (:func:`two_firm_prices`).

    Parameters
    ----------
    switching_costs : array_like, shape (n,)
        Switching costs ``S_i >= 0``.
    customers : array_like, shape (n,)
        Customer counts ``N_i > 0``, ``n >= 2``.

    Returns
    -------
    prices : numpy.ndarray, shape (n,)
        Undercut-proof prices net of marginal cost.
    rival : numpy.ndarray of int, shape (n,)
        The rival whose undercutting condition binds for each firm.

    Examples
    --------
    >>> import numpy as np
    >>> p, r = pairwise_undercut_proof_prices(np.ones(3), np.array([100.0, 10.0, 5.0]))
    >>> p.round(4).tolist(), r.tolist()
    ([1.0974, 1.6817, 2.0451], [2, 2, 0])
    """
    s = np.asarray(switching_costs, dtype=float)
    n = np.asarray(customers, dtype=float)
    W = undercut_weights(n)
    rows = np.arange(n.size)
    rival = default_rival(n)
    for _ in range(n.size * n.size + 2):  # policy iteration: a few linear solves of size n
        p = undercut_proof_prices(s, n, rival)
        cand = W * p[None, :]
        best = np.argmin(cand, axis=1)
        cur = cand[rows, rival]
        better = cand[rows, best] < cur - 1e-13 * np.maximum(np.abs(cur), 1e-300)
        if not better.any():
            return p, rival
        rival = np.where(better, best, rival)
    raise RuntimeError("policy iteration did not settle; please report the input")  # pragma: no cover


@params(p_a="finite", p_b="finite", n_a="positive", n_b="positive")
def two_firm_switching_costs(p_a, p_b, n_a, n_b) -> tuple[np.ndarray, np.ndarray]:
    """Two-firm closed form of Shy (2002, section 3): ``S_A = p_A - p_B N_B / (N_A + N_B)`` and
    ``S_B = p_B - p_A N_A / (N_A + N_B)`` (prices net of marginal cost). Broadcasts.

    Parameters
    ----------
    p_a, p_b : array_like
        Prices of firms A and B, net of marginal cost.
    n_a, n_b : array_like
        Customer counts of firms A and B.

    Returns
    -------
    s_a, s_b : numpy.ndarray
        Switching costs ``S_A`` and ``S_B`` (broadcast shape of the inputs).

    Examples
    --------
    >>> [float(s) for s in two_firm_switching_costs(10.0, 10.0, 60.0, 40.0)]
    [6.0, 4.0]
    """
    p_a, p_b, n_a, n_b = (np.asarray(v, dtype=float) for v in (p_a, p_b, n_a, n_b))
    tot = n_a + n_b
    return p_a - p_b * n_b / tot, p_b - p_a * n_a / tot


@params(s_a="nonnegative", s_b="nonnegative", n_a="positive", n_b="positive")
def two_firm_prices(s_a, s_b, n_a, n_b) -> tuple[np.ndarray, np.ndarray]:
    """Two-firm undercut-proof prices for switching costs ``S_A``, ``S_B`` (Shy 2002, section 3).

    ``p_A = N (N S_A + N_B S_B) / (N_A^2 + N_A N_B + N_B^2)`` and symmetrically for ``p_B``,
    with ``N = N_A + N_B``; with ``S_A = S_B = S`` this is Shy's
    ``p_A = (N_A + N_B)(N_A + 2 N_B) S / (N_A^2 + N_A N_B + N_B^2)``. Broadcasts.

    Parameters
    ----------
    s_a, s_b : array_like
        Switching costs of firms A and B.
    n_a, n_b : array_like
        Customer counts of firms A and B.

    Returns
    -------
    p_a, p_b : numpy.ndarray
        Undercut-proof prices of A and B, net of marginal cost (broadcast shape of the inputs).

    Examples
    --------
    >>> [round(float(p), 3) for p in two_firm_prices(6.0, 4.0, 60.0, 40.0)]
    [10.0, 10.0]
    """
    s_a, s_b, n_a, n_b = (np.asarray(v, dtype=float) for v in (s_a, s_b, n_a, n_b))
    tot = n_a + n_b
    det = n_a**2 + n_a * n_b + n_b**2
    return tot * (tot * s_a + n_b * s_b) / det, tot * (tot * s_b + n_a * s_a) / det
