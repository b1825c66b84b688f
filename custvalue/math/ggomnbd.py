"""GGom/NBD kernels: Poisson purchasing with a Gamma-Gompertz lifetime (Bemmaor & Glady
2012, "Modeling Purchasing Behavior with Sudden 'Death': A Flexible Customer Lifetime Model",
Management Science 58(5):1012-1021; BG below; with Adler's 2022 correction of the
conditional expectation, Management Science 69(3); R package CLVTools, ``ggomnbd``).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α). The lifetime τ is Gompertz with
hazard ``η b e^{b t}`` and η ~ Gamma(s, β), so that (BG eqs. 1-3)::

    S(t) = (β / (β + e^{bt} - 1))^s,     f(t) = b s β^s e^{bt} (β + e^{bt} - 1)^-(s+1).

``b -> 0`` with ``β = b β_P`` gives the Pareto/NBD with lifetime parameters ``(s, β_P)``:
``S(t) -> (β_P / (β_P + t))^s``.

Notation: ``x`` = frequency, ``t_x`` = recency, ``T`` = customer age; ``c = r + x``.

Likelihood (BG eq. 6)::

    L = Γ(c)/Γ(r) α^r [ (α+T)^-c S(T) + ∫_{t_x}^T (α+y)^-c f(y) dy ]

P(alive) = the first term's share of the bracket (BG eq. 8). Given alive at T, λ ~ Gamma(c,
α+T) and η ~ Gamma(s, β + e^{bT} - 1), so the remaining lifetime survives u more with
``S_T(u) = (B / (B + e^{bT} (e^{bu} - 1)))^s``, ``B = β + e^{bT} - 1``, and::

    E[X(T, T+t) | history] = P(alive) c / (α+T) ∫_0^t S_T(u) du        (Adler 2022, eq. 3)
    P(X(T, T+t) = n | alive) = S_T(t) NB(n; c, (α+T)/(α+T+t))
                               + ∫_0^t f_T(u) NB(n; c, (α+T)/(α+T+u)) du

with ``f_T = -S_T'``; a new customer is the history ``x = t_x = T = 0``. DERT discounts the
integrand of the expectation: ``P(alive) c/(α+T) ∫_0^H e^{-δu} S_T(u) du``.

The one-dimensional integrals are Gauss-Legendre rules after the substitution
``y = y0 + ℓ (e^v - 1)``, with ℓ the local scale of the integrand (the faster of the two
factors' decay at the lower limit), which turns the algebraic and exponential tails into
smooth functions of v; compiled, one pass over the customers.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``loglike_and_score``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange
from scipy.special import digamma

from ._checks import params
from ._jit import parallel_kernel

__all__ = [
    "loglike", "loglike_and_score", "p_alive", "conditional_expected_purchases",
    "expected_purchases_new_customer", "probability_of_purchases", "conditional_probability_of_purchases",
    "dert", "survival",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ("infinite", "finite")
HORIZON_WEIGHTS = False
TIME_SCALE = False

_NODES_LL, _WEIGHTS_LL = np.polynomial.legendre.leggauss(24)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


@params(b="positive", s="positive", beta="positive")
def survival(t, b, s, beta):
    """Gamma-Gompertz survival ``S(t) = (β / (β + e^{bt} - 1))^s`` (BG eq. 3).

    Parameters
    ----------
    t : array-like
        Time since the first purchase (>= 0).
    b, s, beta : float
        Gompertz scale b and Gamma(s, β) heterogeneity of η.

    Returns
    -------
    numpy.ndarray
        Survival probabilities.

    Examples
    --------
    >>> survival([0.0, 10.0], 0.1, 1.0, 1.0).round(4).tolist()
    [1.0, 0.3679]
    """
    t = np.asarray(t, dtype=float)
    return np.exp(s * (np.log(beta) - np.log(beta + np.expm1(b * t))))


@parallel_kernel(error_model="numpy")
def _ll_rows(r, alpha, b, s, beta, x, t_x, T, nodes, wts, ll, grad, log_a1_out):  # pragma: no cover - compiled
    """Per-row log-likelihood, gradient w.r.t. (r, alpha, b, s, beta) and log of the alive term."""
    lg_r = math.lgamma(r)
    log_alpha = math.log(alpha)
    log_beta = math.log(beta)
    log_b = math.log(b)
    log_s = math.log(s)
    m = nodes.size
    for i in prange(x.size):
        c = r + x[i]
        lo = t_x[i]
        hi = T[i]
        # alive term A1 = (α+T)^-c S(T)
        eT = math.expm1(b * hi)
        den_T = beta + eT
        log_a1 = -c * math.log(alpha + hi) + s * (log_beta - math.log(den_T))
        dT_b = hi * (eT + 1.0) / den_T  # d log(β + e^{bT} - 1) / db
        a1_r = -math.log(alpha + hi)
        a1_alpha = -c / (alpha + hi)
        a1_b = -s * dT_b
        a1_s = log_beta - math.log(den_T)
        a1_beta = s / beta - s / den_T
        # dead term A2 = ∫_{t_x}^T (α+y)^-c f(y) dy, substituting y = t_x + ℓ (e^v - 1)
        a2 = 0.0
        g_r = 0.0
        g_alpha = 0.0
        g_b = 0.0
        g_s = 0.0
        g_beta = 0.0
        shift = 0.0
        if hi > lo:
            e0 = math.expm1(b * lo)
            dlogf = abs(b - (s + 1.0) * b * (e0 + 1.0) / (beta + e0))
            ell = 1.0 / (c / (alpha + lo) + dlogf + 1.0 / (hi - lo))
            V = math.log1p((hi - lo) / ell)
            half = 0.5 * V
            # log-integrand at the lower limit, to scale the sum
            shift = -c * math.log(alpha + lo) + log_b + log_s + s * log_beta + b * lo - (s + 1.0) * math.log(beta + e0)
            for j in range(m):
                v = half * (nodes[j] + 1.0)
                ev = math.exp(v)
                y = lo + ell * (ev - 1.0)
                if y > hi:
                    y = hi
                ey = math.expm1(b * y)
                den = beta + ey
                logf = log_b + log_s + s * log_beta + b * y - (s + 1.0) * math.log(den)
                w = wts[j] * half * ell * ev * math.exp(-c * math.log(alpha + y) + logf - shift)
                a2 += w
                g_r += w * (-math.log(alpha + y))
                g_alpha += w * (-c / (alpha + y))
                g_b += w * (1.0 / b + y - (s + 1.0) * y * (ey + 1.0) / den)
                g_s += w * (1.0 / s + log_beta - math.log(den))
                g_beta += w * (s / beta - (s + 1.0) / den)
        if a2 > 0.0:
            log_a2 = math.log(a2) + shift
            hi_l = max(log_a1, log_a2)
            log_tot = hi_l + math.log(math.exp(log_a1 - hi_l) + math.exp(log_a2 - hi_l))
            w1 = math.exp(log_a1 - log_tot)
            w2 = math.exp(log_a2 - log_tot) / a2
        else:
            log_tot = log_a1
            w1 = 1.0
            w2 = 0.0
        const = math.lgamma(c) - lg_r + r * log_alpha
        ll[i] = const + log_tot
        log_a1_out[i] = log_a1 - log_tot
        # d const: r -> ψ(c) - ψ(r) + log α (added by the caller: digamma), alpha -> r/α
        grad[i, 0] = w1 * a1_r + w2 * g_r
        grad[i, 1] = r / alpha + w1 * a1_alpha + w2 * g_alpha
        grad[i, 2] = w1 * a1_b + w2 * g_b
        grad[i, 3] = w1 * a1_s + w2 * g_s
        grad[i, 4] = w1 * a1_beta + w2 * g_beta


def _evaluate(r, alpha, b, s, beta, x, t_x, T):
    x, t_x, T = (np.ascontiguousarray(v, dtype=float).reshape(-1)
                 for v in np.broadcast_arrays(*(np.asarray(u, dtype=float) for u in (x, t_x, T))))
    ll = np.empty(x.size)
    grad = np.empty((x.size, 5))
    log_alive = np.empty(x.size)
    _ll_rows(float(r), float(alpha), float(b), float(s), float(beta), x, t_x, T, _NODES_LL, _WEIGHTS_LL,
             ll, grad, log_alive)
    return x, ll, grad, log_alive


def loglike_and_score(r, alpha, b, s, beta, x, t_x, T):
    """Per-customer GGom/NBD log-likelihood (BG eq. 6) and its analytic gradient w.r.t.
    (r, alpha, b, s, beta), shape ``(n, 5)`` (the integral differentiated under the sign,
    with the same quadrature rule).

    Parameters
    ----------
    r, alpha : float
        Gamma(r, α) purchase rates.
    b, s, beta : float
        Gompertz scale and Gamma(s, β) heterogeneity of the lifetime.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    tuple of numpy.ndarray
        Per-row log-likelihood ``(n,)`` and gradient ``(n, 5)``.

    Examples
    --------
    >>> ll, g = loglike_and_score(0.55, 10.6, 0.01, 0.6, 0.1, [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> ll.shape, g.shape
    ((2,), (2, 5))
    """
    x, ll, grad, _ = _evaluate(r, alpha, b, s, beta, x, t_x, T)
    xu, inv = np.unique(x, return_inverse=True)
    grad[:, 0] += (digamma(r + xu) - digamma(r))[inv.reshape(-1)] + math.log(alpha)
    return ll, grad


def loglike(r, alpha, b, s, beta, x, t_x, T):
    """Per-customer GGom/NBD log-likelihood (BG eq. 6; module docstring).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(0.55, 10.6, 0.01, 0.6, 0.1, 0, 0.0, 38.86)[0]), 4)
    -0.486
    """
    return _evaluate(r, alpha, b, s, beta, x, t_x, T)[1]


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def p_alive(r, alpha, b, s, beta, x, t_x, T):
    """P(alive | x, t_x, T): the alive term's share of the likelihood (BG eq. 8).

    Parameters
    ----------
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities, shaped like the broadcast inputs.

    Examples
    --------
    >>> p_alive(0.55, 10.6, 0.01, 0.6, 0.1, [0, 2], [0.0, 30.43], [38.86, 38.86]).round(4).tolist()
    [0.244, 0.8386]
    """
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
    return np.exp(_evaluate(r, alpha, b, s, beta, x, t_x, T)[3]).reshape(shape)


@parallel_kernel(error_model="numpy")
def _discounted_survival(t, T, b, s, beta, delta, nodes, wts, out):  # pragma: no cover - compiled
    """∫_0^t e^{-δu} S_T(u) du per element (t may be inf when δ > 0)."""
    for i in prange(t.size):
        ti = t[i]
        if delta > 0.0:
            ti = min(ti, 45.0 / delta)
        if not ti > 0.0:
            out[i] = 0.0
            continue
        # e^{bT} / B = 1 / (β e^{-bT} - expm1(-bT)): finite for any age T
        ratio = 1.0 / (beta * math.exp(-b * T[i]) - math.expm1(-b * T[i]))
        ell = 1.0 / (s * b * ratio + delta + 1.0 / ti)
        V = math.log1p(ti / ell)
        half = 0.5 * V
        acc = 0.0
        for j in range(nodes.size):
            v = half * (nodes[j] + 1.0)
            ev = math.exp(v)
            u = min(ell * (ev - 1.0), ti)
            log_s_rem = -s * math.log1p(ratio * math.expm1(b * u))
            acc += wts[j] * half * ell * ev * math.exp(log_s_rem - delta * u)
        out[i] = acc


def _flat(*arrays):
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in arrays))
    return arrs[0].shape, [np.ascontiguousarray(v).reshape(-1) for v in arrs]


def _expected(t, r, alpha, b, s, beta, x, t_x, T, delta):
    shape, (t, x, t_x, T) = _flat(t, x, t_x, T)
    integral = np.empty(t.size)
    _discounted_survival(t, T, float(b), float(s), float(beta), float(delta), _NODES, _WEIGHTS, integral)
    alive = np.exp(_evaluate(r, alpha, b, s, beta, x, t_x, T)[3])
    return (alive * (r + x) / (alpha + T) * integral).reshape(shape)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def conditional_expected_purchases(t, r, alpha, b, s, beta, x, t_x, T):
    """E[purchases in (T, T+t] | x, t_x, T] (Adler 2022, eq. 3; module docstring).

    Parameters
    ----------
    t : array-like
        Horizon (>= 0).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``t``).

    Returns
    -------
    numpy.ndarray
        Expected purchases.

    Examples
    --------
    >>> round(float(conditional_expected_purchases(39.0, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)), 4)
    1.3178
    """
    return _expected(t, r, alpha, b, s, beta, x, t_x, T, 0.0)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def expected_purchases_new_customer(t, r, alpha, b, s, beta):
    """E[X(t)] of a new customer: ``r/α ∫_0^t S(u) du`` (BG eq. 10, integrated by parts).

    Parameters
    ----------
    t : array-like
        Horizon(s).
    r, alpha, b, s, beta : float
        Model parameters.

    Returns
    -------
    numpy.ndarray
        Expected purchases per horizon.

    Examples
    --------
    >>> expected_purchases_new_customer([0.0, 39.0], 0.55, 10.6, 0.01, 0.6, 0.1).round(4).tolist()
    [0.0, 1.1134]
    """
    return _expected(t, r, alpha, b, s, beta, 0.0, 0.0, 0.0, 0.0)


@params(delta="nonnegative", r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def dert(delta, r, alpha, b, s, beta, x, t_x, T, horizon=None):
    """Discounted expected residual transactions, ``P(alive) c/(α+T) ∫_0^H e^{-δu} S_T(u) du``
    (module docstring; the Pareto/NBD's FHL 2005 eq. 2 with the Gamma-Gompertz survival).

    Parameters
    ----------
    delta : float
        Continuously compounded discount rate (> 0 for an infinite horizon).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age.
    horizon : float, optional
        Length of the period; None for an infinite horizon.

    Returns
    -------
    numpy.ndarray
        DERT per customer.

    Examples
    --------
    >>> bool(dert(0.01, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)[0] > 0)
    True
    """
    if horizon is None and not delta > 0:
        from ..exceptions import DataError
        raise DataError(f"delta must be > 0 for an infinite horizon; received {delta!r}.")
    h = np.inf if horizon is None else float(horizon)
    return np.atleast_1d(_expected(h, r, alpha, b, s, beta, x, t_x, T, float(delta)))


@parallel_kernel(error_model="numpy")
def _pmf_rows(n, t, x, T, log_alive, r, alpha, b, s, beta, nodes, wts, out):  # pragma: no cover - compiled
    for i in prange(n.size):
        ni = n[i]
        ti = t[i]
        c = r + x[i]
        aT = alpha + T[i]
        ratio = 1.0 / (beta * math.exp(-b * T[i]) - math.expm1(-b * T[i]))  # e^{bT} / B
        lnb = math.lgamma(c + ni) - math.lgamma(c) - math.lgamma(ni + 1.0)
        # alive through t
        s_t = math.exp(-s * math.log1p(ratio * math.expm1(b * ti)))
        p = s_t * math.exp(lnb + c * math.log(aT / (aT + ti)) + ni * math.log(ti / (aT + ti)))
        # dies at u in (0, t)
        ell = 1.0 / (s * b * ratio + (c + ni + 1.0) / aT + 1.0 / ti)
        V = math.log1p(ti / ell)
        half = 0.5 * V
        acc = 0.0
        for j in range(nodes.size):
            v = half * (nodes[j] + 1.0)
            ev = math.exp(v)
            u = min(ell * (ev - 1.0), ti)
            log_f = (math.log(s) + math.log(ratio) + math.log(b) + b * u
                     - (s + 1.0) * math.log1p(ratio * math.expm1(b * u)))
            if u > 0.0:
                log_nb = lnb + c * math.log(aT / (aT + u)) + ni * math.log(u / (aT + u))
            else:
                log_nb = 0.0 if ni == 0 else -math.inf
            acc += wts[j] * half * ell * ev * math.exp(log_f + log_nb)
        pa = math.exp(log_alive[i])
        out[i] = pa * (p + acc) + (1.0 - pa if ni == 0 else 0.0)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def conditional_probability_of_purchases(n, t, r, alpha, b, s, beta, x, t_x, T):
    """P(X(T, T+t) = n | x, t_x, T) (module docstring).

    Parameters
    ----------
    n : array-like of int
        Counts.
    t : float or array-like
        Horizon (> 0).
    r, alpha, b, s, beta : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n``).

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> p = conditional_probability_of_purchases([0, 1], 39.0, 0.55, 10.6, 0.01, 0.6, 0.1, 2, 30.43, 38.86)
    >>> p.round(4).tolist()
    [0.452, 0.2111]
    """
    shape, (n, t, x, t_x, T) = _flat(n, t, x, t_x, T)
    log_alive = _evaluate(r, alpha, b, s, beta, x, t_x, T)[3]
    out = np.empty(n.size)
    _pmf_rows(n, t, x, T, log_alive, float(r), float(alpha), float(b), float(s), float(beta), _NODES, _WEIGHTS,
              out)
    return np.clip(out, 0.0, 1.0).reshape(shape)


@params(r="positive", alpha="positive", b="positive", s="positive", beta="positive")
def probability_of_purchases(n, t, r, alpha, b, s, beta):
    """P(X(t) = n) for a new customer (BG eq. 9; CLVTools ``ggomnbd_PMF``): the conditional PMF
    at the history ``x = t_x = T = 0``.

    Parameters
    ----------
    n : array-like of int
        Counts.
    t : float
        Horizon (> 0).
    r, alpha, b, s, beta : float
        Model parameters.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> float(probability_of_purchases(range(300), 39.0, 0.55, 10.6, 0.01, 0.6, 0.1).sum().round(6))
    1.0
    """
    return conditional_probability_of_purchases(n, t, r, alpha, b, s, beta, 0.0, 0.0, 0.0)
