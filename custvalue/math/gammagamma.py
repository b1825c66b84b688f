"""Gamma-Gamma spend kernels (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
curves for customer base analysis", JMR 42:415-430; Fader & Hardie 2013, "The Gamma-Gamma
model of monetary value", note 025).

Notation: ``x`` = number of repeat transactions, ``m`` = their mean value (z-bar);
parameters p (shape of a transaction), q and gamma (shape and rate of the customer's nu).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, psi

__all__ = ["loglike", "score", "expected_spend", "population_mean_spend"]


def loglike(p, q, gamma, x, m):
    """log f(m | p, q, gamma; x), note 025 eq. (3):
    ``Γ(px+q)/(Γ(px)Γ(q)) γ^q m^(px-1) x^(px) / (γ + m x)^(px+q)``."""
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x))


def score(p, q, gamma, x, m):
    """Analytic gradient of :func:`loglike` w.r.t. (p, q, gamma); shape ``(n, 3)``."""
    px = p * x
    log_gmx = np.log(gamma + m * x)
    dpsi = psi(px + q)
    d_p = x * (dpsi - psi(px) + np.log(m) + np.log(x) - log_gmx)
    d_q = dpsi - psi(q) + np.log(gamma) - log_gmx
    d_g = q / gamma - (px + q) / (gamma + m * x)
    return np.column_stack(np.broadcast_arrays(d_p, d_q, d_g))


def population_mean_spend(p, q, gamma):
    """E[Z] = p gamma / (q - 1) for a customer with no repeat purchases (note 025 eq. 5)."""
    return p * gamma / (q - 1)


def expected_spend(p, q, gamma, x, m):
    """E[Z | x, m], note 025 eq. (5): a weighted mean of the population mean and ``m``,
    ``(q-1)/(px+q-1) * pγ/(q-1) + px/(px+q-1) * m``; equals the population mean for x = 0."""
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, m, 0.0)
    return (p * (gamma + m * x)) / (p * x + q - 1)
