"""MBG/NBD kernels (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison
of models for customer base analysis", IJRM 24:201-209, BDF below; Wagner & Hoppe 2008).

The MBG/NBD is the BG/NBD with one more drop-out opportunity at time 0, so customers with
no repeat purchase can also be inactive.  Notation: ``x`` = frequency, ``t_x`` = recency,
``T`` = customer age.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``,
``loglike_and_score``, ``p_alive_draw_quantiles``, ``expected_purchases_draw_quantiles``
(parameter draws the interval machinery built).
"""

from __future__ import annotations

import numpy as np

from . import betageo as _bg
from ._checks import params
from .special import geometric_dropout_mean, horizon_grid

__all__ = [
    "loglike", "score", "loglike_and_score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "conditional_probability_of_purchases",
    "p_alive_draw_quantiles", "expected_purchases_draw_quantiles", "expected_purchases_log_se", "p_alive_logit_se",
    "time_scale",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ()
HORIZON_WEIGHTS = True
TIME_SCALE = True
#: predictions that take one value of each parameter per customer (arrays; static covariates)
ARRAY_PARAMS = ("p_alive", "time_scale", "conditional_expected_purchases", "expected_purchases_new_customer",
                "probability_of_purchases", "conditional_probability_of_purchases")

time_scale = _bg.time_scale  # the same expectation up to P(alive) (see betageo.time_scale)


def _rows(r, alpha, a, b, x, t_x, T):
    """Per-row log-likelihood and gradient from the BG/NBD kernel with ``shift=1``."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
    ll, sc, _ = _bg._evaluate(r, alpha, a, b, x, t_x, T, shift=1)
    return ll.reshape(shape), sc


def loglike(r, alpha, a, b, x, t_x, T):
    """Per-customer MBG/NBD log-likelihood, BDF eq. (A.4).

    In log space::

        log L = log Γ(r+x) - log Γ(r) + r log α + log B(a, b+x+1) - log B(a, b)
                + log[(α+T)^-(r+x) + a/(b+x) (α+t_x)^-(r+x)]

    Parameters
    ----------
    r, alpha, a, b : float
        Gamma(r, α) purchase rates and Beta(a, b) drop-out probabilities.
    x, t_x, T : array-like
        Frequency, recency, age.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(0.5, 6.0, 0.9, 3.0, 0, 0.0, 39.0)), 4)
    -0.6701
    """
    return _rows(r, alpha, a, b, x, t_x, T)[0]


def loglike_and_score(r, alpha, a, b, x, t_x, T):
    """:func:`loglike` and its analytic gradient w.r.t. (r, alpha, a, b), shape ``(n, 4)``,
    from one pass over the data.

    Parameters
    ----------
    r, alpha, a, b : float
        MBG/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    tuple of numpy.ndarray
        Per-row log-likelihood ``(n,)`` and gradient ``(n, 4)``.

    Examples
    --------
    >>> ll, g = loglike_and_score(0.5, 6.0, 0.9, 3.0, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> g.shape
    (2, 4)
    """
    ll, sc = _rows(r, alpha, a, b, x, t_x, T)
    return ll.reshape(-1), sc


def score(r, alpha, a, b, x, t_x, T):
    """Analytic gradient of :func:`loglike` w.r.t. (r, alpha, a, b); shape ``(n, 4)``.

    Parameters
    ----------
    r, alpha, a, b : float
        MBG/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``.

    Examples
    --------
    >>> score(0.5, 6.0, 0.9, 3.0, [0, 2], [0.0, 30.43], [38.86, 38.86]).shape
    (2, 4)
    """
    return loglike_and_score(r, alpha, a, b, x, t_x, T)[1]


@params(r="positive", alpha="positive", a="positive", b="positive")
def p_alive(r, alpha, a, b, x, t_x, T):
    """P(alive | x, t_x, T), BDF eq. (A.5): ``1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))``.

    Parameters
    ----------
    r, alpha, a, b : float
        MBG/NBD parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> bool(0 < p_alive(0.5, 6.0, 0.9, 3.0, 0, 0.0, 39.0) < 1)
    True
    """
    return _bg.p_alive(r, alpha, a, b, x, t_x, T, shift=1)


@params(r="positive", alpha="positive", a="positive", b="positive")
def expected_purchases_new_customer(t, r, alpha, a, b):
    """E[X(t)] for a new customer, BDF eq. (A.3):
    ``b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]``.

    Parameters
    ----------
    t : array-like
        Length of the period.
    r, alpha, a, b : float or array-like
        MBG/NBD parameters.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.

    Returns
    -------
    numpy.ndarray
        Expected repeat purchases.

    Examples
    --------
    >>> bool(expected_purchases_new_customer(39.0, 0.5, 6.0, 0.9, 3.0) > 0)
    True
    """
    if np.ndim(alpha) or np.ndim(a) or np.ndim(b):  # one α, a, b per customer (static covariates)
        t2, (alpha, a, b), shape = horizon_grid(t, alpha, a, b)
        return geometric_dropout_mean(t2, alpha, a, a + b - r, a + b, b, s0=r, beta0=b + 1.0).reshape(shape)
    t = np.asarray(t, dtype=float)
    # Euler's transformation leaves 2F1(a+b-r, a-1; a+b; z) (see geometric_dropout_mean)
    out = geometric_dropout_mean(t.reshape(-1, 1), alpha, a, a + b - r, a + b, b, s0=r, beta0=b + 1.0)
    return out.reshape(t.shape)


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T, horizon_weights=None):
    """E[Y(t) | x, t_x, T]: expected purchases in the next ``t``, BDF eq. (A.6).

    The closed form is::

        (a+b+x)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] P(alive)

    Parameters
    ----------
    t : array-like
        Length of the future period.
    r, alpha, a, b : float or array-like
        MBG/NBD parameters.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).
    horizon_weights : array-like, optional
        With a customers x horizons grid (``t`` of shape ``(1, m)``, the rest ``(n, 1)``):
        return ``Σ_k w_k E[Y(t_k)]`` per customer (shape ``(n,)``), without the grid.

    Returns
    -------
    numpy.ndarray
        Expected purchases in (T, T+t].

    Examples
    --------
    >>> bool(conditional_expected_purchases(39.0, 0.5, 6.0, 0.9, 3.0, 2, 30.43, 38.86) > 0)
    True
    """
    if np.ndim(alpha) or np.ndim(a) or np.ndim(b):  # one α, a, b per customer (static covariates)
        t2, (x, t_x, T, alpha, a, b), shape = horizon_grid(t, x, t_x, T, alpha, a, b)
    else:
        t2, (x, t_x, T), shape = horizon_grid(t, x, t_x, T)
    c = a + b + x
    alive = p_alive(r, alpha, a, b, x, t_x, T)
    exact = {"x": x, "s0": r, "beta0": b + 1.0}  # C - A = r + x, C - a + 1 = b + 1 + x
    if horizon_weights is not None:  # Σ_k w_k E[Y(t_k)] per customer, no grid
        if t2.shape[0] != 1:
            raise ValueError("horizon_weights needs a customers x horizons grid (t of shape (1, m)).")
        return geometric_dropout_mean(t2, alpha + T, a, a + b - r, c, c, weight=alive,
                                      horizon_weights=horizon_weights, **exact)
    return geometric_dropout_mean(t2, alpha + T, a, a + b - r, c, c, weight=alive,
                                  **exact).reshape(shape)


@params(r="positive", alpha="positive", a="positive", b="positive")
def probability_of_purchases(n, t, r, alpha, a, b):
    """P(X(t) = n): probability of ``n`` purchases in ``(0, t]`` for a new customer.

    From BDF (the drop-out after purchase n needs n purchases)::

        B(a, b+n+1)/B(a, b) NB(n; r, α, t)
        + B(a+1, b+n)/B(a, b) [1 - Σ_{j<n} NB(j; r, α, t)]

    with ``NB(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j``.

    Parameters
    ----------
    n : array-like of int
        Numbers of purchases.
    t : float or array-like
        Length of the period.
    r, alpha, a, b : float or array-like
        MBG/NBD parameters.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> round(float(probability_of_purchases(range(400), 39.0, 0.5, 6.0, 0.9, 3.0).sum()), 6)
    1.0
    """
    return _bg.purchase_count_probability.__wrapped__(n, t, r, alpha, a, b, shift=1)  # checked above


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_probability_of_purchases(n, t, r, alpha, a, b, x, t_x, T):
    """P(Y(t) = n | x, t_x, T) of the MBG/NBD: ``[n = 0] (1 - P(alive)) + P(alive)
    P_BG(n, t; r+x, α+T, a, b+x+1)``; an active customer has survived x + 1 dropout
    opportunities (see :func:`custvalue.math.betageo.conditional_probability_of_purchases`,
    ``shift=1``).

    Parameters
    ----------
    n : array-like of int
        Numbers of future purchases.
    t : float or array-like
        Length of the future period.
    r, alpha, a, b : float or array-like
        MBG/NBD parameters.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.
    x, t_x, T : array-like
        Frequency, recency and age.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> p = conditional_probability_of_purchases(np.arange(400), 39.0, 0.5, 6.0, 0.9, 3.0, 0.0, 0.0, 39.0)
    >>> round(float(p.sum()), 10)
    1.0
    """
    return _bg.conditional_probability_of_purchases(n, t, r, alpha, a, b, x, t_x, T, shift=1)


def p_alive_draw_quantiles(draws, x, t_x, T, q):
    """Quantiles over parameter draws of each customer's MBG/NBD P(alive), in one compiled
    pass (:func:`custvalue.math.betageo.p_alive_draw_quantiles` with ``shift=1``).

    Parameters
    ----------
    draws : numpy.ndarray
        Parameter vectors ``(r, alpha, a, b)``, shape ``(n_draws, 4)``.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age.
    q : array-like
        Probabilities, in increasing order.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(q), n)``.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.5, 6.0, 0.9, 3.0], [0.45, 6.5, 0.8, 3.2]])
    >>> p_alive_draw_quantiles(d, np.array([2.0]), np.array([30.43]), np.array([38.86]), [0.0, 1.0]).shape
    (2, 1)
    """
    return _bg.p_alive_draw_quantiles(draws, x, t_x, T, q, shift=1)


def expected_purchases_draw_quantiles(draws, t, x, t_x, T, q):
    """Quantiles over parameter draws of each customer's MBG/NBD expected purchases in the
    next ``t`` (BDF eq. A.6), without a draws x customers block (the method of
    :func:`custvalue.math.betageo.expected_purchases_draw_quantiles`).

    Parameters
    ----------
    draws : numpy.ndarray
        Parameter vectors ``(r, alpha, a, b)``, shape ``(n_draws, 4)``.
    t : float
        Length of the future period.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age.
    q : array-like
        Probabilities, in increasing order.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(q), n)``.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.5, 6.0, 0.9, 3.0], [0.45, 6.5, 0.8, 3.2]])
    >>> expected_purchases_draw_quantiles(d, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]),
    ...                                   [0.5]).shape
    (1, 1)
    """
    return _bg._expected_draw_quantiles(draws, t, x, t_x, T, q, 1, conditional_expected_purchases)


@params(r="positive", alpha="positive", a="positive", b="positive")
def expected_purchases_log_se(r, alpha, a, b, t, x, t_x, T, cov):
    """MBG/NBD expected purchases in the next ``t`` (BDF eq. A.6) and the delta-method standard
    error of their logarithm in one compiled pass (the method of
    :func:`custvalue.math.betageo.expected_purchases_log_se`).

    Parameters
    ----------
    r, alpha, a, b : float
        MBG/NBD parameters.
    t : float
        Length of the future period.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age.
    cov : numpy.ndarray
        Covariance of ``(r, alpha, a, b)``, shape ``(4, 4)``.

    Returns
    -------
    estimate, se : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> est, se = expected_purchases_log_se(0.5, 6.0, 0.9, 3.0, 39.0, np.array([2.0]), np.array([30.43]),
    ...                                     np.array([38.86]), np.diag([0.01, 0.3, 0.1, 0.5]) ** 2)
    >>> bool(est[0] > 0 and se[0] > 0)
    True
    """
    return _bg._expected_log_se(r, alpha, a, b, t, x, t_x, T, cov, 1, conditional_expected_purchases)


@params(r="positive", alpha="positive", a="positive", b="positive")
def p_alive_logit_se(r, alpha, a, b, x, t_x, T, cov, with_estimate=False):
    """Delta-method standard error of the MBG/NBD's ``logit P(alive)`` in one compiled pass
    (:func:`custvalue.math.betageo.p_alive_logit_se` with ``shift=1``: ``a/(b+x)`` for every x).

    Parameters
    ----------
    r, alpha, a, b : float
        MBG/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age.
    cov : numpy.ndarray
        Covariance of ``(r, alpha, a, b)``, shape ``(4, 4)``.
    with_estimate : bool, default False
        Also return P(alive) itself (equal to :func:`p_alive`).

    Returns
    -------
    numpy.ndarray or tuple
        The standard errors; with ``with_estimate``, ``(p_alive, se)``.

    Examples
    --------
    >>> import numpy as np
    >>> p, se = p_alive_logit_se(0.5, 6.0, 0.9, 3.0, np.array([0.0]), np.array([0.0]), np.array([38.86]),
    ...                          np.diag([0.01, 0.3, 0.1, 0.5]) ** 2, with_estimate=True)
    >>> bool(p[0] == p_alive(0.5, 6.0, 0.9, 3.0, 0.0, 0.0, 38.86) and se[0] > 0)
    True
    """
    return _bg.p_alive_logit_se(r, alpha, a, b, x, t_x, T, cov, shift=1, with_estimate=with_estimate)
