"""BG/BB kernels for discrete transaction opportunities (Fader, Hardie & Shang 2010,
"Customer-base analysis in a discrete-time noncontractual setting", Marketing Science
29(6):1086-1108, FHS below).

Notation: ``x`` = frequency (transactions in the ``n`` opportunities), ``t_x`` = recency
(the opportunity of the last transaction, 0 if none), ``n`` = number of opportunities
(``n_periods``).  While alive a customer transacts with probability p ~ Beta(α, β) at each
opportunity and dies before an opportunity with probability θ ~ Beta(γ, δ).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, logsumexp, psi

from .._deprecation import renamed_arguments
from ._checks import check_param, params
from .logconcave import log_integral

__all__ = [
    "loglike", "score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "conditional_probability_of_purchases",
    "dert",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = True
DERT_HORIZONS = ("infinite", "finite")
HORIZON_WEIGHTS = False
TIME_SCALE = False


def _terms(alpha, beta, gamma, delta, x, t_x, n):
    """Log of the likelihood's terms (FHS eq. 5): alive through n, then died after t_x + i.

    Returns the alive term ``(N,)``, the death terms ``(I, N)`` (``-inf`` where i >= n - t_x)
    and the ``y`` (= number of opportunities survived) of each death term.
    """
    x, t_x, n = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(x, t_x, n))
    bab = betaln(alpha, beta)
    bgd = betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) - bab + betaln(gamma, delta + n) - bgd
    imax = int(np.max(n - t_x)) if n.size else 0
    i = np.arange(max(imax, 1), dtype=float)[:, None]
    y = t_x[None, :] + i
    valid = i < (n - t_x)[None, :]
    yv = np.where(valid, y, t_x[None, :])
    dead = np.where(valid, betaln(alpha + x, beta + yv - x) - bab + betaln(gamma + 1, delta + yv) - bgd, -np.inf)
    return x, t_x, n, alive, dead, yv, valid


@renamed_arguments(n="n_periods")
def loglike(alpha, beta, gamma, delta, x, t_x, n_periods):
    """Per-customer BG/BB log-likelihood, FHS eq. (5).

    It is computed as a log-sum-exp of its terms::

        L = B(α+x, β+n-x)/B(α,β) B(γ, δ+n)/B(γ,δ)
            + Σ_{i=0}^{n-t_x-1} B(α+x, β+t_x-x+i)/B(α,β) B(γ+1, δ+t_x+i)/B(γ,δ)

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Beta(α, β) transaction and Beta(γ, δ) drop-out probabilities.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities ``n`` (broadcast together).

    Returns
    -------
    numpy.ndarray
        Log-likelihood per row.

    Examples
    --------
    >>> round(float(loglike(1.204, 0.750, 0.657, 2.783, 6, 6, 6)[0]), 4)
    -2.1822
    """
    n = n_periods  # FHS's n
    x, t_x, n, alive, dead, _, _ = _terms(alpha, beta, gamma, delta, x, t_x, n)
    return logsumexp(np.vstack([alive[None, :], dead]), axis=0)


@renamed_arguments(n="n_periods")
def score(alpha, beta, gamma, delta, x, t_x, n_periods):
    """Analytic gradient of :func:`loglike` w.r.t. (alpha, beta, gamma, delta); ``(N, 4)``.

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities ``n`` (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(N, 4)``.

    Examples
    --------
    >>> score(1.2, 0.75, 0.66, 2.8, [0, 3], [0, 5], [6, 6]).shape
    (2, 4)
    """
    n = n_periods  # FHS's n
    x, t_x, n, alive, dead, y, valid = _terms(alpha, beta, gamma, delta, x, t_x, n)
    ll = logsumexp(np.vstack([alive[None, :], dead]), axis=0)
    w0 = np.exp(alive - ll)
    wi = np.where(valid, np.exp(dead - ll[None, :]), 0.0)
    pab = psi(alpha + beta)
    pgd = psi(gamma + delta)
    # d/d(alpha, beta) of log B(α+x, β+y-x) - log B(α, β), for y = n (alive) or y (dead)
    da0 = psi(alpha + x) - psi(alpha + beta + n) - psi(alpha) + pab
    db0 = psi(beta + n - x) - psi(alpha + beta + n) - psi(beta) + pab
    dai = psi(alpha + x)[None, :] - psi(alpha + beta + y) - psi(alpha) + pab
    dbi = psi(beta + y - x[None, :]) - psi(alpha + beta + y) - psi(beta) + pab
    dg0 = pgd - psi(gamma + delta + n)
    dd0 = psi(delta + n) - psi(gamma + delta + n) - psi(delta) + pgd
    dgi = psi(gamma + 1) - psi(gamma + delta + 1 + y) - psi(gamma) + pgd
    ddi = psi(delta + y) - psi(gamma + delta + 1 + y) - psi(delta) + pgd
    g = [w0 * d0 + (wi * di).sum(axis=0) for d0, di in ((da0, dai), (db0, dbi), (dg0, dgi), (dd0, ddi))]
    return np.column_stack(g)


@renamed_arguments(n="n_periods")
@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def p_alive(alpha, beta, gamma, delta, x, t_x, n_periods):
    """P(alive after the n-th opportunity | x, t_x, n): the alive term's share of the
    likelihood (FHS eq. 11 with the survival factor ``B(γ, δ+n)``; FHS print the version for
    opportunity n+1, with ``B(γ, δ+n+1)``).

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities ``n`` (broadcast together).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> round(float(p_alive(1.204, 0.750, 0.657, 2.783, 6, 6, 6)[0]), 3)
    1.0
    """
    n = n_periods  # FHS's n
    x, t_x, n, alive, dead, _, _ = _terms(alpha, beta, gamma, delta, x, t_x, n)
    ll = logsumexp(np.vstack([alive[None, :], dead]), axis=0)
    return np.exp(alive - ll)


# B_2k / (2k (2k-1)), k = 1..8: Stirling's series of log Γ
_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0,
             -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0)


def _lgamma_shift(x, e):
    """``log Γ(x+e) - log Γ(x)`` for ``x > 0``, ``x + e > 0``, with an absolute error of a
    few ulps of ``|e| (|log x| + 1)`` (so also for tiny e, where the difference of two
    ``gammaln`` values keeps only ``1e-16 |log Γ(x)|`` absolute).

    Both arguments are raised to at least 10 by ``log Γ(y+1) = log Γ(y) + log y`` (the
    shift contributes ``-Σ_j log1p(e/(x+j))``), then Stirling's series is differenced term
    by term: ``(X-1/2) log1p(e/X) + e log(X+e) - e + Σ_k c_k X^(1-2k) expm1((1-2k)
    log1p(e/X))`` (eight terms: truncation below 1e-18 relative at X >= 10)."""
    x, e = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(e, dtype=float))
    low = np.minimum(x, x + e)
    shift = np.maximum(0.0, np.ceil(10.0 - low))
    acc = np.zeros(x.shape)
    for j in range(int(shift.max()) if shift.size else 0):  # at most 10 steps, vectorised
        acc -= np.where(j < shift, np.log1p(e / (x + j)), 0.0)
    X = x + shift
    l1p = np.log1p(e / X)
    out = (X - 0.5) * l1p + e * np.log(X + e) - e + acc
    for k, c in enumerate(_STIRLING, start=1):
        out += c * X ** (1 - 2 * k) * np.expm1((1 - 2 * k) * l1p)
    return out


def _log_survival_sum(gamma, delta, u, v):
    """log Σ_{i=u+1}^{v} B(γ, δ+i)/B(γ, δ) = δ/(γ-1) Γ(γ+δ)/Γ(1+δ) [Γ(1+δ+u)/Γ(γ+δ+u) -
    Γ(1+δ+v)/Γ(γ+δ+v)] (FHS eqs. 8 and 13), with its limit δ[ψ(1+δ+v) - ψ(1+δ+u)] at γ = 1.

    Written as ``δ R(u) (1 - e^{-Δ}) / (γ-1)`` with ``log R(u) = D(1+δ) - D(1+δ+u)``,
    ``Δ = D(1+δ+v) - D(1+δ+u)`` and ``D(y) = log Γ(y+γ-1) - log Γ(y)`` from
    :func:`_lgamma_shift`: no Γ ratio is formed (they overflow for γ >= ~150 with large δ),
    and ``Δ`` keeps its relative accuracy for γ near 1 and for short spans (summed term by
    term, ``Σ_j log1p((γ-1)/(1+δ+u+j))``, for up to 32 whole opportunities)."""
    u, v = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(u, v))
    e = gamma - 1.0
    xu, xv = 1.0 + delta + u, 1.0 + delta + v
    m = v - u
    short = (m == np.round(m)) & (m <= 32)
    if e == 0.0:
        span = np.zeros(u.shape)  # Σ 1/(xu+j) = ψ(xv) - ψ(xu)
        for j in range(32):
            span += np.where(short & (j < m), 1.0 / (xu + j), 0.0)
        span = np.where(short, span, psi(xv) - psi(xu))
        with np.errstate(divide="ignore"):
            return np.log(delta * span)
    dv = np.zeros(u.shape)
    for j in range(32):  # loop over the opportunities of short spans, vectorised over rows
        dv += np.where(short & (j < m), np.log1p(e / (xu + j)), 0.0)
    long_ = ~short
    if long_.any():
        dv[long_] = _lgamma_shift(xv[long_], e) - _lgamma_shift(xu[long_], e)
    log_R = _lgamma_shift(1.0 + delta, e) - _lgamma_shift(xu, e)
    with np.errstate(divide="ignore"):
        return np.log(delta) + log_R + np.log(-np.expm1(-dv) / e)


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def expected_purchases_new_customer(t, alpha, beta, gamma, delta):
    """E[X(t)]: expected transactions in the first ``t`` opportunities, FHS eq. (8).

    The closed form is::

        α/(α+β) δ/(γ-1) [1 - Γ(γ+δ)/Γ(1+δ) Γ(1+δ+t)/Γ(γ+δ+t)]

    Parameters
    ----------
    t : array-like
        Number of opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.

    Returns
    -------
    numpy.ndarray
        Expected transactions.

    Examples
    --------
    >>> round(float(expected_purchases_new_customer(1, 1.204, 0.750, 0.657, 2.783)), 3)
    0.498
    """
    t = np.asarray(t, dtype=float)
    return alpha / (alpha + beta) * np.exp(_log_survival_sum(gamma, delta, 0.0, t))


@renamed_arguments(n="n_periods")
@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def conditional_expected_purchases(t, alpha, beta, gamma, delta, x, t_x, n_periods):
    """E[X(n, n+t) | x, t_x, n]: expected transactions in the next ``t`` opportunities.

    FHS eq. (13)::

        B(α+x+1, β+n-x)/B(α,β) / L × Σ_{i=n+1}^{n+t} B(γ, δ+i)/B(γ, δ)

    Parameters
    ----------
    t : array-like
        Number of future opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities ``n`` (broadcast together).

    Returns
    -------
    numpy.ndarray
        Expected transactions in opportunities n+1..n+t.

    Examples
    --------
    >>> bool(conditional_expected_purchases(5, 1.204, 0.750, 0.657, 2.783, 3, 5, 6) > 0)
    True
    """
    n = n_periods  # FHS's n
    t = np.asarray(t, dtype=float)
    xh, txh, nh = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, n))
    ll = loglike(alpha, beta, gamma, delta, xh, txh, nh).reshape(xh.shape)  # once per customer
    log_lead = betaln(alpha + xh + 1, beta + nh - xh) - betaln(alpha, beta) - ll
    return np.exp(log_lead + _log_survival_sum(gamma, delta, *np.broadcast_arrays(nh, nh + t)))


@renamed_arguments(k="n")
@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def probability_of_purchases(n, t, alpha, beta, gamma, delta):
    """P(X(t) = n): probability of ``n`` transactions in the first ``t`` opportunities.

    FHS eq. (7)::

        C(t,n) B(α+n, β+t-n)/B(α,β) B(γ, δ+t)/B(γ,δ)
        + Σ_{i=n}^{t-1} C(i,n) B(α+n, β+i-n)/B(α,β) B(γ+1, δ+i)/B(γ,δ)

    Parameters
    ----------
    n : array-like of int
        Numbers of transactions.
    t : int or array-like
        Number of opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.

    Returns
    -------
    numpy.ndarray
        Probabilities.

    Examples
    --------
    >>> round(float(probability_of_purchases(range(7), 6, 1.204, 0.750, 0.657, 2.783).sum()), 12)
    1.0
    """
    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    n, t = np.broadcast_arrays(n, t)
    bab, bgd = betaln(alpha, beta), betaln(gamma, delta)

    def lchoose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    ok = n <= t
    nn = np.where(ok, n, 0.0)
    first = np.where(ok, np.exp(lchoose(t, nn) + betaln(alpha + nn, beta + t - nn) - bab
                                + betaln(gamma, delta + t) - bgd), 0.0)
    tmax = int(t.max()) if t.size else 0
    i = np.arange(max(tmax, 1), dtype=float).reshape((-1,) + (1,) * n.ndim)
    valid = (i >= nn) & (i < t) & ok
    iv = np.where(valid, i, nn)
    second = np.where(valid, np.exp(lchoose(iv, nn) + betaln(alpha + nn, beta + iv - nn) - bab
                                    + betaln(gamma + 1, delta + iv) - bgd), 0.0).sum(axis=0)
    return first + second


@renamed_arguments(n="n_periods")
@params(d="rate", alpha="positive", beta="positive", gamma="positive", delta="positive")
def dert(d, alpha, beta, gamma, delta, x, t_x, n_periods, horizon=None):
    """Discounted expected residual transactions (FHS eq. 14).

    With per-opportunity discount rate ``d`` and ``z = 1/(1+d)``::

        B(α+x+1, β+n-x)/B(α,β) / L × Σ_{i=1}^{H} B(γ, δ+n+i)/B(γ,δ) z^i

    which for ``H = ∞`` is FHS's ``B(γ, δ+n+1)/(B(γ,δ)(1+d)) 2F1(1, δ+n+1; γ+δ+n+1; z)``.
    The infinite sum is evaluated as the integral it is,
    ``∫_0^1 θ^(γ-1) (1-θ)^(δ+n) / (θ+d) dθ`` (the Beta(γ, δ) mixture of the discounted
    geometric lifetime), by :func:`custvalue.math.logconcave.log_integral` in
    ``u = logit θ`` once per distinct n; scipy's 2F1 overflows there for integer γ with
    large δ (c - a - b = γ - 1 an integer).  A finite horizon sums its H positive terms.

    Parameters
    ----------
    d : float
        Discount rate per opportunity (> 0 for an infinite horizon, > -1 otherwise).
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities ``n`` (broadcast together).
    horizon : int, optional
        Number of future opportunities; ``None`` (default) for an infinite horizon.

    Returns
    -------
    numpy.ndarray
        Discounted expected residual transactions.

    Examples
    --------
    >>> round(float(dert(0.1, 1.204, 0.750, 0.657, 2.783, 3, 5, 6)), 4)
    2.8415
    >>> round(float(dert(0.1, 1.204, 0.750, 0.657, 2.783, 3, 5, 6, horizon=5)), 4)
    1.383
    """
    n = n_periods  # FHS's n
    if horizon is None:
        check_param(d, "d", "positive", "dert (an infinite horizon)")
    x, t_x, n = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, n))
    ll = loglike(alpha, beta, gamma, delta, x, t_x, n).reshape(x.shape)
    log_lead = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) - betaln(gamma, delta) - ll
    nu, inv = np.unique(n, return_inverse=True)
    if horizon is None:
        log_sum = log_integral(gamma, gamma + delta + nu, 1.0, d, 1.0 + d, 0.0, -np.inf, np.inf)
    else:
        H = int(horizon)
        if H <= 0:
            return np.zeros(x.shape)
        log_sum = np.full(nu.size, -np.inf)
        step = max(1, 2_000_000 // nu.size)  # blocks of opportunities: bounded memory
        for start in range(1, H + 1, step):
            i = np.arange(start, min(H, start + step - 1) + 1, dtype=float)
            block = logsumexp(betaln(gamma, delta + nu[:, None] + i) - i * np.log1p(d), axis=1)
            log_sum = np.logaddexp(log_sum, block)
    return np.exp(log_lead + log_sum[inv.reshape(x.shape)])


@params(alpha="positive", beta="positive", gamma="positive", delta="positive")
def conditional_probability_of_purchases(n, t, alpha, beta, gamma, delta, x, t_x, n_periods):
    """P(n' transactions in the next ``t`` opportunities | x, t_x, n): the discrete analogue
    of the BG/NBD's conditional PMF.

    A customer inactive after opportunity n makes none; an active one has
    ``p ~ Beta(α+x, β+n-x)`` and ``θ ~ Beta(γ, δ+n)`` (the likelihood of staying active,
    ``p^x (1-p)^(n-x) (1-θ)^n``, times the mixing densities; FHS 2010 eqs. 3-4) and is a
    new customer with those parameters (FHS eq. 7, :func:`probability_of_purchases`)::

        [n' = 0] (1 - P(alive)) + P(alive) P(X(t) = n'; α+x, β+n-x, γ, δ+n);

    its mean is FHS eq. (13).

    Parameters
    ----------
    n : array-like of int
        Numbers of future transactions (>= 0).
    t : int
        Number of future opportunities.
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    x, t_x, n_periods : array-like
        Frequency, recency and number of opportunities (broadcast with ``k``).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> p = conditional_probability_of_purchases(np.arange(11), 10, 1.2, 0.75, 0.66, 2.78, 3, 5, 6)
    >>> round(float(p.sum()), 12)
    1.0
    """
    count = np.asarray(n, dtype=float)
    x, m = np.asarray(x, dtype=float), np.asarray(n_periods, dtype=float)
    alive = np.reshape(p_alive(alpha, beta, gamma, delta, x, t_x, m),
                       np.broadcast_shapes(x.shape, np.shape(t_x), m.shape))
    active = probability_of_purchases(count, t, alpha + x, beta + m - x, gamma, delta + m)
    return np.where(count == 0, 1.0 - alive, 0.0) + alive * active
