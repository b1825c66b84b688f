"""(M)BG/CNBD-k kernels: the BG/NBD and MBG/NBD with Erlang-k inter-purchase times
(Platzer & Reutterer 2016, "Ticking Away the Moments: Timing Regularity Helps to Better
Predict Customer Activity", Marketing Science 35(5):779-799; PR below; R package BTYDplus,
``mbgcnbd`` / ``bgcnbd``).

While alive, a customer's inter-purchase times are Erlang-k with rate λ (k phases of an
exponential clock with rate λ; k = 1 is the Poisson process of the BG/NBD), λ ~ Gamma(r, α)
across customers; after each purchase (and, for the MBG variant, also at time 0) the
customer drops out with probability p ~ Beta(a, b). The regularity k is a whole number,
fixed per fit (chosen by likelihood in :mod:`custvalue.clv.cnbdk`).

Notation: ``x`` = frequency, ``t_x`` = recency, ``T`` = customer age, ``litt`` = the sum of
the log inter-purchase times (the glossary's ``sum_log_interpurchase``), ``shift`` = 1 for
MBG/CNBD-k (drop-out opportunity at time 0) and 0 for BG/CNBD-k. Write ``R = r + k x``,
``e = T - t_x`` and ``z = e / (α + T)``.

Likelihood (PR eq. 8 and its appendix; BTYDplus ``xbgcnbd.LL``)::

    log L = (k-1) litt - x log Γ(k) + log B(a, b+x+shift) - log B(a, b)
            + log Γ(R) - log Γ(r) + r log α - R log(α+T) + log(S1 + S2)
    S1 = [shift = 1 or x > 0] a / (b + x - 1 + shift) ((α+T)/(α+t_x))^R
    S2 = Σ_{j=0}^{k-1} Γ(R+j) / (Γ(R) j!) z^j

``S2`` is the Erlang-k survival of the elapsed time ``e`` mixed over the posterior of λ; its
terms, divided by ``S2``, are the posterior probabilities ``π_j`` that j of the k phases of
the next purchase have elapsed by ``T`` (given alive), and given j, λ ~ Gamma(R + j, α + T).
P(alive) = 1 / (1 + S1 / S2) (PR eq. 10; BTYDplus ``xbgcnbd.PAlive``).

Future purchases. Given alive, phase j and λ, the phases in the next ``t`` are Poisson(λ t),
so mixed over λ they are M_j ~ NegBin(R + j, q), ``q = (α+T)/(α+T+t)``; the n-th future
purchase needs ``M_j >= n k - j`` phases and survival of n - 1 drop-out chances, whose
posterior probability is ``c_n = B(a, b'+n-1) / B(a, b')`` with ``b' = b + x + shift``.
Hence, for n >= 1::

    P(N(t) >= n | history) = P(alive) Σ_j π_j c_n P(M_j >= n k - j)

and E[N(t) | history] = Σ_{n>=1} P(N(t) >= n). This is exact (BTYDplus approximates the
conditional expectation by the BG/NBD formula with α scaled by k and a cohort-level bias
correction; PR section 3.3). A new customer is the history ``x = t_x = T = 0``. For k = 1
every expression reduces to the BG/NBD (shift 0) or MBG/NBD (shift 1) one.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``loglike_and_score``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange
from scipy.special import betainc

from ._checks import params
from ._jit import parallel_kernel
from .special import digamma_diff, lgamma_ratio, log_beta_ratio

__all__ = [
    "loglike", "loglike_and_score", "p_alive", "conditional_expected_purchases",
    "expected_purchases_new_customer", "probability_of_purchases", "conditional_probability_of_purchases",
    "purchases_at_least", "x_levels",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ()
HORIZON_WEIGHTS = False
TIME_SCALE = False


def _check_k_shift(k: int, shift: int) -> tuple[int, int]:
    if int(k) != k or k < 1:
        from ..exceptions import DataError
        raise DataError(f"k must be a whole number >= 1; received {k!r}.")
    if shift not in (0, 1):
        from ..exceptions import DataError
        raise DataError(f"shift must be 0 (BG/CNBD-k) or 1 (MBG/CNBD-k); received {shift!r}.")
    return int(k), int(shift)


def _phase_terms(r, alpha, k, x, t_x, T):
    """log S2, the posterior phase probabilities π_j (..., k) and Σ_j π_j Σ_{i<j} 1/(R+i)
    (the r-derivative of log S2) and Σ_j π_j j (for the α-derivative)."""
    R = r + k * x
    z = (T - t_x) / (alpha + T)
    term = np.ones_like(R)
    terms = [term]
    dlog = [np.zeros_like(R)]
    for j in range(1, k):  # term_j / term_{j-1} = (R + j - 1) z / j ; at most k - 1 <= 11 steps
        term = term * (R + j - 1) * z / j
        terms.append(term)
        dlog.append(dlog[-1] + 1.0 / (R + j - 1))
    tj = np.stack(terms, axis=-1)
    s2 = tj.sum(axis=-1)
    pi = tj / s2[..., None]
    return np.log(s2), pi, np.stack(dlog, axis=-1)


def _log_s1(r, alpha, a, b, k, shift, x, t_x, T):
    R = r + k * x
    has = (x > 0) | (shift == 1)
    denom = np.where(has, b + x - 1 + shift, 1.0)
    with np.errstate(divide="ignore"):
        out = np.log(a) - np.log(denom) + R * np.log1p((T - t_x) / (alpha + t_x))
    return np.where(has, out, -np.inf)


@parallel_kernel(error_model="numpy")
def _ll_rows(r, alpha, a, b, k, shift, inv, xl, t_x, T, litt, lev, ll, grad):  # pragma: no cover - compiled
    """Per-row log-likelihood and gradient; ``lev`` holds the x-only terms per distinct x
    (columns: constant, d/dr, d/da, d/db), ``inv`` maps rows to distinct x."""
    log_a = math.log(a)
    for i in prange(inv.size):
        lv = inv[i]
        x = xl[lv]
        R = r + k * x
        aT = alpha + T[i]
        at = alpha + t_x[i]
        # r log α - R log(α+T) is carried as -k x log α (in lev) - R log1p(T/α), and
        # log((α+T)/(α+t_x)) as log1p: nothing cancels when r and α run off together
        l1T = math.log1p(T[i] / alpha)
        lgap = math.log1p((T[i] - t_x[i]) / at)
        z = (T[i] - t_x[i]) / aT
        term = 1.0
        s2 = 1.0
        sum_dlog = 0.0
        sum_j = 0.0
        dlog = 0.0
        for j in range(1, k):
            term = term * (R + j - 1) * z / j
            dlog += 1.0 / (R + j - 1)
            s2 += term
            sum_dlog += term * dlog
            sum_j += term * j
        log_s2 = math.log(s2)
        has = x > 0 or shift == 1
        if has:
            denom = b + x - 1 + shift
            log_s1 = log_a - math.log(denom) + R * lgap
            hi = max(log_s1, log_s2)
            log_tot = hi + math.log(math.exp(log_s1 - hi) + math.exp(log_s2 - hi))
            w1 = math.exp(log_s1 - log_tot)
            w2 = math.exp(log_s2 - log_tot)
        else:
            denom = 1.0
            log_tot = log_s2
            w1 = 0.0
            w2 = 1.0
        ll[i] = (k - 1) * litt[i] - R * l1T + log_tot + lev[lv, 0]
        grad[i, 0] = lev[lv, 1] - l1T + w1 * lgap + w2 * sum_dlog / s2
        # r/α - R/(α+T) = (r T - k x α) / (α (α+T)); 1/(α+T) - 1/(α+t_x) = -(T-t_x)/((α+T)(α+t_x))
        grad[i, 1] = ((r * T[i] - k * x * alpha) / (alpha * aT) - w1 * R * (T[i] - t_x[i]) / (aT * at)
                      - w2 * sum_j / s2 / aT)
        grad[i, 2] = lev[lv, 2] + w1 / a
        grad[i, 3] = lev[lv, 3] - w1 / denom


def x_levels(x):
    """Distinct frequencies and the row -> level map, computed once per data set.

    Parameters
    ----------
    x : array-like
        Frequencies.

    Returns
    -------
    tuple of numpy.ndarray
        ``(distinct x, inverse index)``.

    Examples
    --------
    >>> xu, inv = x_levels([0, 2, 2])
    >>> xu.tolist(), inv.tolist()
    ([0.0, 2.0], [0, 1, 1])
    """
    xu, inv = np.unique(np.asarray(x, dtype=float).reshape(-1), return_inverse=True)
    return xu, inv.astype(np.int64).reshape(-1)


def loglike_and_score(r, alpha, a, b, x, t_x, T, litt, k=1, shift=1, levels=None):
    """Per-customer log-likelihood (module docstring; PR eq. 8) and its analytic gradient
    w.r.t. (r, alpha, a, b), shape ``(n, 4)``, from one compiled pass (the terms that depend
    on x alone are computed once per distinct x).

    Parameters
    ----------
    r, alpha, a, b : float
        Gamma(r, α) phase rates and Beta(a, b) drop-out probabilities.
    x, t_x, T, litt : array-like
        Frequency, recency, age and ``sum_log_interpurchase`` (broadcast together).
    k : int, default 1
        Erlang order of the inter-purchase times.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.
    levels : tuple, optional
        :func:`x_levels` of ``x``, to skip recomputing it.

    Returns
    -------
    tuple of numpy.ndarray
        Per-row log-likelihood ``(n,)`` and gradient ``(n, 4)``.

    Examples
    --------
    >>> ll, g = loglike_and_score(0.5, 6.0, 0.9, 3.0, [0, 2], [0.0, 30.43], [38.86, 38.86], [0.0, 5.2], k=2)
    >>> ll.shape, g.shape
    ((2,), (2, 4))
    """
    k, shift = _check_k_shift(k, shift)
    x, t_x, T, litt = (np.ascontiguousarray(v, dtype=float).reshape(-1)
                       for v in np.broadcast_arrays(*(np.asarray(u, dtype=float) for u in (x, t_x, T, litt))))
    xu, inv = x_levels(x) if levels is None else levels
    xs = xu + shift
    d_ab = digamma_diff(a + b, xs)
    lev = np.empty((xu.size, 4))
    # the log-gamma/beta differences of math.special (exact when a, b or r, α run off together);
    # r log α - R log(α+T) = -k x log α - R log1p(T/α), the second part per row
    lev[:, 0] = (-xu * math.lgamma(k) + log_beta_ratio(a, b, xs) + lgamma_ratio(r, k * xu)
                 - k * xu * math.log(alpha))
    lev[:, 1] = digamma_diff(r, k * xu)
    lev[:, 2] = -d_ab
    lev[:, 3] = digamma_diff(b, xs) - d_ab
    ll = np.empty(x.size)
    grad = np.empty((x.size, 4))
    _ll_rows(float(r), float(alpha), float(a), float(b), k, shift, inv, xu, t_x, T, litt, lev, ll, grad)
    return ll, grad


def loglike(r, alpha, a, b, x, t_x, T, litt, k=1, shift=1):
    """Per-customer (M)BG/CNBD-k log-likelihood (module docstring; PR eq. 8).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T, litt : array-like
        Frequency, recency, age and ``sum_log_interpurchase``.
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(0.5, 6.0, 0.9, 3.0, 0, 0.0, 39.0, 0.0, k=3)[0]), 4)
    -0.339
    """
    return loglike_and_score(r, alpha, a, b, x, t_x, T, litt, k=k, shift=shift)[0]


@params(r="positive", alpha="positive", a="positive", b="positive")
def p_alive(r, alpha, a, b, x, t_x, T, k=1, shift=1):
    """P(alive | x, t_x, T) = 1 / (1 + S1/S2) (PR eq. 10; BTYDplus ``xbgcnbd.PAlive``).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast together).
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k (then 1 for ``x == 0``).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1], shaped like the broadcast inputs.

    Examples
    --------
    >>> p_alive(0.5, 6.0, 0.9, 3.0, [0, 2], [0.0, 10.0], [39.0, 39.0], k=2).round(4).tolist()
    [0.6356, 0.1711]
    """
    k, shift = _check_k_shift(k, shift)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    log_s2, _, _ = _phase_terms(r, alpha, k, x, t_x, T)
    log_s1 = _log_s1(r, alpha, a, b, k, shift, x, t_x, T)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(log_s1 - log_s2))


# -- the distribution of future purchases -------------------------------------------------------

@parallel_kernel(error_model="numpy")
def _expected_rows(t, x, t_x, T, r, alpha, a, b, k, shift, out):  # pragma: no cover - compiled
    """E[N(t) | history] = P(alive) Σ_j π_j Σ_m P(M_j = m) C(floor((m + j) / k)) with
    C(N) = Σ_{n=1}^N c_n, summed along m from 0 until past the mean with negligible mass."""
    for i in prange(t.size):
        ti = t[i]
        if ti <= 0.0:
            out[i] = 0.0
            continue
        xi = x[i]
        R = r + k * xi
        aT = alpha + T[i]
        if not (math.isfinite(R) and math.isfinite(aT) and math.isfinite(ti)):
            out[i] = math.nan  # outside the domain the kernel evaluates
            continue
        z = (T[i] - t_x[i]) / aT
        # phase weights and P(alive)
        s2 = 0.0
        term = 1.0
        for j in range(k):
            if j > 0:
                term = term * (R + j - 1) * z / j
            s2 += term
        if xi > 0 or shift == 1:
            log_s1 = (math.log(a) - math.log(b + xi - 1 + shift)
                      + R * math.log1p((T[i] - t_x[i]) / (alpha + t_x[i])))
            palive = 1.0 / (1.0 + math.exp(min(log_s1 - math.log(s2), 700.0)))
        else:
            palive = 1.0
        bp = b + xi + shift
        q = aT / (aT + ti)
        log_q = math.log(q)
        log_1mq = math.log1p(-q)
        total = 0.0
        term = 1.0
        for j in range(k):
            if j > 0:
                term = term * (R + j - 1) * z / j
            pij = term / s2
            Rj = R + j
            mean = Rj * (1.0 - q) / q
            sd = math.sqrt(Rj * (1.0 - q)) / q
            if not mean + 10.0 * sd < 1e8:  # more than 1e8 phases ahead: not summed term by term
                total = math.nan
                break
            logp = Rj * log_q
            C = 0.0
            c_next = 1.0
            n_next = 1
            e_j = 0.0
            m = 0
            while True:
                N = (m + j) // k
                while n_next <= N:
                    C += c_next
                    c_next *= (bp + n_next - 1) / (a + bp + n_next - 1)
                    n_next += 1
                p = math.exp(logp)
                e_j += p * C
                if m > mean + 10.0 * sd + 10.0 and p * (C + 1.0) < 1e-17 * (e_j + 1e-300):
                    break
                logp += math.log((Rj + m) / (m + 1.0)) + log_1mq
                m += 1
            total += pij * e_j
        out[i] = palive * total


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T, k=1, shift=1):
    """E[purchases in (T, T+t] | x, t_x, T], exact (module docstring; the conditional
    expectation of PR section 3.3, without BTYDplus's approximation).

    Parameters
    ----------
    t : array-like
        Horizon (>= 0).
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``t``).
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Expected purchases, shaped like the broadcast inputs.

    Examples
    --------
    >>> round(float(conditional_expected_purchases(39.0, 0.5, 6.0, 0.9, 3.0, 2, 30.0, 39.0, k=2)), 4)
    1.4961
    """
    k, shift = _check_k_shift(k, shift)
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, x, t_x, T)))
    shape = arrs[0].shape
    flat = [np.ascontiguousarray(v).reshape(-1) for v in arrs]
    out = np.empty(flat[0].size)
    _expected_rows(*flat, float(r), float(alpha), float(a), float(b), k, shift, out)
    return out.reshape(shape)


@params(r="positive", alpha="positive", a="positive", b="positive")
def expected_purchases_new_customer(t, r, alpha, a, b, k=1, shift=1):
    """E[repeat purchases in (0, t]] of a newly acquired customer: the conditional
    expectation at the history ``x = t_x = T = 0`` (PR eq. 11; BTYDplus ``xbgcnbd.Expectation``).

    Parameters
    ----------
    t : array-like
        Horizon(s).
    r, alpha, a, b : float
        Model parameters.
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Expected purchases per horizon.

    Examples
    --------
    >>> expected_purchases_new_customer([0.0, 39.0], 0.5, 6.0, 0.9, 3.0, k=2).round(4).tolist()
    [0.0, 0.8348]
    """
    t = np.asarray(t, dtype=float)
    return conditional_expected_purchases(t, r, alpha, a, b, 0.0, 0.0, 0.0, k=k, shift=shift)


def _log_c(n, a, bp):
    """log c_n = log B(a, b'+n-1) - log B(a, b')."""
    return log_beta_ratio(a, bp, n - 1.0)


@params(r="positive", alpha="positive", a="positive", b="positive")
def purchases_at_least(n, t, r, alpha, a, b, x, t_x, T, k=1, shift=1):
    """P(N(t) >= n | x, t_x, T): at least n purchases in the next ``t`` (module docstring),
    with the negative binomial tails as regularized incomplete beta functions.

    Parameters
    ----------
    n : array-like of int
        Counts (``n <= 0`` gives 1).
    t : float or array-like
        Horizon (> 0).
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n`` and ``t``).
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Tail probabilities, shaped like the broadcast inputs.

    Examples
    --------
    >>> purchases_at_least([0, 1, 2], 39.0, 0.5, 6.0, 0.9, 3.0, 2, 30.0, 39.0, k=2).round(4).tolist()
    [1.0, 0.7045, 0.4276]
    """
    k, shift = _check_k_shift(k, shift)
    n, t, x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (n, t, x, t_x, T)))
    pa = p_alive(r, alpha, a, b, x, t_x, T, k=k, shift=shift)
    _, pi, _ = _phase_terms(r, alpha, k, x, t_x, T)
    R = r + k * x
    aT = alpha + T
    q = aT / (aT + t)
    tail = np.zeros(n.shape)
    for j in range(k):  # at most k <= 12 phases
        m0 = n * k - j
        with np.errstate(invalid="ignore"):
            tj = np.where(m0 <= 0, 1.0, betainc(np.maximum(m0, 1.0), R + j, 1.0 - q))
        tail += pi[..., j] * tj
    with np.errstate(invalid="ignore"):
        c = np.exp(_log_c(np.maximum(n, 1.0), a, b + x + shift))
    return np.where(n <= 0, 1.0, pa * c * tail)


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_probability_of_purchases(n, t, r, alpha, a, b, x, t_x, T, k=1, shift=1):
    """P(N(t) = n | x, t_x, T) = P(N >= n) - P(N >= n+1) (:func:`purchases_at_least`).

    Parameters
    ----------
    n : array-like of int
        Counts (>= 0).
    t : float
        Horizon (> 0).
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n``).
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> p = conditional_probability_of_purchases([0, 1], 39.0, 0.5, 6.0, 0.9, 3.0, 2, 30.0, 39.0, k=2)
    >>> p.round(4).tolist()
    [0.2955, 0.2769]
    """
    n = np.asarray(n, dtype=float)
    hi = purchases_at_least(n, t, r, alpha, a, b, x, t_x, T, k=k, shift=shift)
    lo = purchases_at_least(n + 1.0, t, r, alpha, a, b, x, t_x, T, k=k, shift=shift)
    return np.clip(hi - lo, 0.0, 1.0)


@params(r="positive", alpha="positive", a="positive", b="positive")
def probability_of_purchases(n, t, r, alpha, a, b, k=1, shift=1):
    """P(X(t) = n) for a newly acquired customer (PR eq. 12; BTYDplus ``xbgcnbd.pmf``): the
    conditional PMF at the history ``x = t_x = T = 0``.

    Parameters
    ----------
    n : array-like of int
        Counts.
    t : float
        Horizon (> 0).
    r, alpha, a, b : float
        Model parameters.
    k : int, default 1
        Erlang order.
    shift : {1, 0}, default 1
        1 for MBG/CNBD-k, 0 for BG/CNBD-k.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> float(probability_of_purchases(range(200), 39.0, 0.5, 6.0, 0.9, 3.0, k=3).sum().round(6))
    1.0
    """
    return conditional_probability_of_purchases(n, t, r, alpha, a, b, 0.0, 0.0, 0.0, k=k, shift=shift)
