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
    """Shy's (2002, section 4) choice of undercutter: the smallest firm (fewest customers) for
    every firm except the smallest itself, which fears the second-smallest firm."""
    n = np.asarray(customers, dtype=float)
    order = np.argsort(n, kind="stable")
    rival = np.full(n.shape[0], order[0], dtype=np.intp)
    rival[order[0]] = order[1]
    return rival


def switching_costs(prices: np.ndarray, customers: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """Undercut-proof switching costs ``S_i = p_i - p_u N_u / (N_i + N_u)``, ``u = rival[i]``.

    Firms run along the last axis; leading axes broadcast (e.g. bootstrap draws).

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
    """Jacobians ``dS/dp`` and ``dS/dN`` (each ``(n, n)``) of :func:`switching_costs`, for the
    delta method."""
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

    Solves ``p_i (N_i + N_u) - p_u N_u = S_i (N_i + N_u)`` for all ``i`` jointly.

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
    ``S_B = p_B - p_A N_A / (N_A + N_B)`` (prices net of marginal cost). Broadcasts."""
    p_a, p_b, n_a, n_b = (np.asarray(v, dtype=float) for v in (p_a, p_b, n_a, n_b))
    tot = n_a + n_b
    return p_a - p_b * n_b / tot, p_b - p_a * n_a / tot


def two_firm_prices(s_a, s_b, n_a, n_b) -> tuple[np.ndarray, np.ndarray]:
    """Two-firm undercut-proof prices for switching costs ``S_A``, ``S_B`` (Shy 2002, section 3).

    ``p_A = N (N S_A + N_B S_B) / (N_A^2 + N_A N_B + N_B^2)`` and symmetrically for ``p_B``,
    with ``N = N_A + N_B``; with ``S_A = S_B = S`` this is Shy's
    ``p_A = (N_A + N_B)(N_A + 2 N_B) S / (N_A^2 + N_A N_B + N_B^2)``. Broadcasts.
    """
    s_a, s_b, n_a, n_b = (np.asarray(v, dtype=float) for v in (s_a, s_b, n_a, n_b))
    tot = n_a + n_b
    det = n_a**2 + n_a * n_b + n_b**2
    return tot * (tot * s_a + n_b * s_b) / det, tot * (tot * s_b + n_a * s_a) / det
