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
"""

from __future__ import annotations

import numpy as np

__all__ = ["default_rival", "switching_costs", "switching_cost_jacobian", "undercut_proof_prices",
           "two_firm_switching_costs", "two_firm_prices"]


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
