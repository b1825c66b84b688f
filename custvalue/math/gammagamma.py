"""Gamma-Gamma spend kernels (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
curves for customer base analysis", JMR 42:415-430; Fader & Hardie 2013, "The Gamma-Gamma
model of monetary value", note 025).

Notation: ``x`` = number of repeat transactions, ``m`` = their mean value (z-bar);
parameters p (shape of a transaction), q and gamma (shape and rate of the customer's nu).

The log-density and its gradient are written with the scale γ divided out
(``γ^q (γ+mx)^-(px+q) = γ^-px (1+mx/γ)^-(px+q)``; ``q/γ - (px+q)/(γ+mx)`` as
``(q mx - px γ)/(γ (γ+mx))``) and with the log-gamma and digamma differences of
:mod:`custvalue.math.special`, so they keep their digits when q and γ run off together (a
homogeneous ν).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from ._checks import params
from .special import digamma_diff, lgamma_ratio

__all__ = ["loglike", "score", "expected_spend", "population_mean_spend"]


def loglike(p, q, gamma, x, m):
    """log f(m | p, q, gamma; x), note 025 eq. (3):
    ``Γ(px+q)/(Γ(px)Γ(q)) γ^q m^(px-1) x^(px) / (γ + m x)^(px+q)``.

    Parameters
    ----------
    p, q, gamma : float
        Gamma-Gamma parameters: transaction shape p; Gamma(q, γ) across customers.
    x : numpy.ndarray
        Number of repeat transactions.
    m : numpy.ndarray
        Mean value of the repeat transactions.

    Returns
    -------
    numpy.ndarray
        Log-density of each customer's mean spend (x > 0).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import gammagamma
    >>> gammagamma.loglike(6.25, 3.74, 15.45, np.array([2.0]), np.array([22.35])).round(3).tolist()
    [-3.552]
    """
    px = p * x
    # Γ(px+q)/Γ(q) γ^q (γ+mx)^-(px+q) = Γ(px+q)/Γ(q) γ^-px (1 + mx/γ)^-(px+q): nothing of the
    # size of q log γ is formed and cancelled when (q, γ) run off together (ν homogeneous)
    return (lgamma_ratio(q, px) - gammaln(px) + px * np.log(x * m / gamma) - np.log(m)
            - (px + q) * np.log1p(m * x / gamma))


def score(p, q, gamma, x, m):
    """Analytic gradient of :func:`loglike` w.r.t. (p, q, gamma); shape ``(n, 3)``.

    Parameters
    ----------
    p, q, gamma : float
        Gamma-Gamma parameters: transaction shape p; Gamma(q, γ) across customers.
    x : numpy.ndarray
        Number of repeat transactions.
    m : numpy.ndarray
        Mean value of the repeat transactions.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 3)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import gammagamma
    >>> gammagamma.score(6.25, 3.74, 15.45, np.array([2.0, 1.0]), np.array([22.35, 11.77])).shape
    (2, 3)
    """
    px = p * x
    mx = m * x
    l1p = np.log1p(mx / gamma)  # log(γ+mx) - log γ
    d_p = x * (digamma_diff(px, q) + np.log(mx / gamma) - l1p)
    d_q = digamma_diff(q, px) - l1p
    d_g = (q * mx / (gamma + mx) - px * (gamma / (gamma + mx))) / gamma  # q/γ - (px+q)/(γ+mx)
    return np.column_stack(np.broadcast_arrays(d_p, d_q, d_g))


@params(p="positive", q="above_one", gamma="positive")
def population_mean_spend(p, q, gamma):
    """E[Z] = p gamma / (q - 1) for a customer with no repeat purchases (note 025 eq. 5).

    Parameters
    ----------
    p, q, gamma : float
        Gamma-Gamma parameters: transaction shape p; Gamma(q, γ) across customers.

    Returns
    -------
    float or numpy.ndarray
        Population mean spend per transaction (meaningful for q > 1).

    Examples
    --------
    >>> from custvalue.math import gammagamma
    >>> round(float(gammagamma.population_mean_spend(6.25, 3.74, 15.45)), 2)
    35.24
    """
    return p * gamma / (q - 1)


def _two_sum(a, b):
    """``a + b = s + e`` exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a, b):
    """``a b = h + e`` exactly (Dekker's product with Veltkamp's split)."""
    h = a * b

    def split(v):
        c = 134217729.0 * v  # 2^27 + 1
        hi = c - (c - v)
        return hi, v - hi
    a1, a2 = split(a)
    b1, b2 = split(b)
    return h, ((a1 * b1 - h) + a1 * b2 + a2 * b1) + a2 * b2


def _shape_excess(p, q, x):
    """``p x + q - 1`` to a few ulps relative: the posterior shape of ν beyond 1.

    For ``q >= 1`` both terms are non-negative and the plain sum has that accuracy. For
    ``q < 1`` it cancels to a few digits near the boundary ``q + p x = 1`` of a finite mean,
    so it is formed with one rounding (compensated TwoProduct/TwoSum)."""
    x = np.asarray(x, dtype=float)
    if np.all(np.asarray(q) >= 1.0):
        return p * x + (np.asarray(q, dtype=float) - 1.0)
    h, e1 = _two_product(np.asarray(p, dtype=float), x)
    a, e2 = _two_sum(np.asarray(q, dtype=float), -1.0)
    s, e3 = _two_sum(h, a)
    return s + (e1 + e2 + e3)


@params(p="positive", q="positive", gamma="positive")
def expected_spend(p, q, gamma, x, m):
    """E[Z | x, m], note 025 eq. (5): a weighted mean of the population mean and ``m``,
    ``(q-1)/(px+q-1) * pγ/(q-1) + px/(px+q-1) * m``; equals the population mean for x = 0.

    It is ``E[p/ν]`` under the posterior ``ν | x, m ~ Gamma(q + px, γ + mx)``, i.e.
    ``p (γ + m x) / (p x + q - 1)``, finite only when ``q + p x > 1``; rows where
    ``q + p x <= 1`` get ``inf`` (the spend model's mean does not exist there).  The
    denominator is formed with one rounding, so that values near that boundary keep their
    relative accuracy.

    Parameters
    ----------
    p, q, gamma : float
        Gamma-Gamma parameters: transaction shape p; Gamma(q, γ) across customers.
    x : array-like
        Number of repeat transactions.
    m : array-like
        Mean value of the repeat transactions.

    Returns
    -------
    numpy.ndarray
        Expected spend per transaction of each customer.

    Examples
    --------
    >>> from custvalue.math import gammagamma
    >>> gammagamma.expected_spend(6.25, 3.74, 15.45, [2, 0], [22.35, 0.0]).round(2).tolist()
    [24.67, 35.24]
    """
    x = np.asarray(x, dtype=float)
    num = np.where(x > 0, m, 0.0)
    num *= x
    num += gamma
    num *= p  # p (γ + m x), in place: no temporaries per customer beyond this one
    den = np.asarray(_shape_excess(p, q, x), dtype=float)
    if den.size and den.min() > 0:
        num /= den
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
