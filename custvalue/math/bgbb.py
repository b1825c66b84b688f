"""BG/BB kernels for discrete transaction opportunities (Fader, Hardie & Shang 2010,
"Customer-base analysis in a discrete-time noncontractual setting", Marketing Science
29(6):1086-1108, FHS below).

Notation: ``x`` = frequency (transactions in the ``n`` opportunities), ``t_x`` = recency
(the opportunity of the last transaction, 0 if none), ``n`` = number of opportunities
(``n_periods``).  While alive a customer transacts with probability p ~ Beta(α, β) at each
opportunity and dies before an opportunity with probability θ ~ Beta(γ, δ).

Accuracy: every Beta-function ratio is a sum of log-gamma differences
``log Γ(z+j) - log Γ(z)`` (:func:`custvalue.math.special.lgamma_ratio`, and
``digamma_diff`` for the gradient), e.g. ``log B(α+x, β+y-x)/B(α,β) = L_α(x) + L_β(y-x) -
L_{α+β}(y)``, never a difference of ``betaln`` or ``psi`` values; the discounted sums are
normalised Beta means (:func:`custvalue.math.special._log_beta_discounted_mean`). So the
kernels stay exact to rounding when (α, β) or (γ, δ) run off together at a fixed ratio (p
or θ a point mass, as a fit on homogeneous data makes them), where the differences kept only
~1e-16 (α+β) absolute (the log-likelihood was off by ~1e-5 at α+β ~ 1e11). For whole-number
data (the counts of a fit) each difference is tabulated once over 0..max n and looked up.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from .._deprecation import renamed_arguments
from ._checks import check_param, params
from .special import _log_beta_discounted_mean, _shift_tables, digamma_diff, lgamma_ratio, log_beta_ratio

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


def _terms(alpha, beta, gamma, delta, x, t_x, n, grad=False):
    """Log of the likelihood's terms (FHS eq. 5): alive through n, then died after t_x + i.

    Returns the alive term ``(N,)``, the death terms ``(I, N)`` (``-inf`` where i >= n - t_x)
    and the ``y`` (= number of opportunities survived) of each death term; with ``grad``, also
    the derivatives of the log of each term w.r.t. (α, β, γ, δ): ``(4, N)`` and ``(4, I, N)``.

    With ``L_z(j) = log Γ(z+j) - log Γ(z)`` (:func:`custvalue.math.special.lgamma_ratio`)::

        alive = L_α(x) + L_β(n-x) - L_{α+β}(n) + L_δ(n) - L_{γ+δ}(n)
        dead  = L_α(x) + L_β(y-x) - L_{α+β}(y) + log γ + L_δ(y) - L_{γ+δ}(y+1)

    and the derivatives are the same with ``ψ`` differences (``digamma_diff``), ``1/γ`` for
    ``log γ``: no term of size (α+β) or (γ+δ) is formed. For count data the differences are
    tabulated over 0..max n (:func:`custvalue.math.special._shift_tables`) and looked up."""
    x, t_x, n = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(x, t_x, n))
    imax = int(np.max(n - t_x)) if n.size else 0
    i = np.arange(max(imax, 1), dtype=float)[:, None]
    y = t_x[None, :] + i
    valid = i < (n - t_x)[None, :]
    yv = np.where(valid, y, t_x[None, :])
    ab, gd = alpha + beta, gamma + delta
    zs = (alpha, beta, delta, ab, gd)
    tabs = _shift_tables(zs, x, t_x, n, digamma=grad)
    if tabs is not None:  # rows of the tables: α, β, δ, α+β, γ+δ
        xi, ni, yi = x.astype(np.intp), n.astype(np.intp), yv.astype(np.intp)
        nx, yx = ni - xi, yi - xi[None, :]

        def parts(T):  # T[k][j]: the α, β terms and the rest (alive, dead) looked up
            return (T[0][xi], T[1][nx], T[1][yx], (T[2] - T[3])[ni] - T[4][ni],
                    (T[2][:-1] - T[3][:-1] - T[4][1:])[yi])
    else:
        def parts(T):
            f = lgamma_ratio if T == "L" else digamma_diff
            return (f(alpha, x), f(beta, n - x), f(beta, yv - x[None, :]), f(delta, n) - f(ab, n) - f(gd, n),
                    f(delta, yv) - f(ab, yv) - f(gd, yv + 1.0))
    ax, bnx, byx, rest_n, rest_y = parts(tabs[0] if tabs is not None else "L")
    alive = ax + bnx + rest_n
    dead = np.where(valid, (ax + np.log(gamma))[None, :] + byx + rest_y, -np.inf)
    if not grad:
        return x, t_x, n, alive, dead, yv, valid
    if tabs is not None:
        P = tabs[1]
        pa_x, pb_nx, pb_yx = P[0][xi], P[1][nx], P[1][yx]
        pab_n, pab_y, pd_n, pd_y = P[3][ni], P[3][yi], P[2][ni], P[2][yi]
        pgd_n, pgd_y1 = P[4][ni], P[4][yi + 1]
    else:
        pa_x, pb_nx, pb_yx = digamma_diff(alpha, x), digamma_diff(beta, n - x), digamma_diff(beta, yv - x[None, :])
        pab_n, pab_y = digamma_diff(ab, n), digamma_diff(ab, yv)
        pd_n, pd_y = digamma_diff(delta, n), digamma_diff(delta, yv)
        pgd_n, pgd_y1 = digamma_diff(gd, n), digamma_diff(gd, yv + 1.0)
    d0 = np.stack([pa_x - pab_n, pb_nx - pab_n, -pgd_n, pd_n - pgd_n])
    di = np.stack([pa_x[None, :] - pab_y, pb_yx - pab_y, 1.0 / gamma - pgd_y1, pd_y - pgd_y1])
    return x, t_x, n, alive, dead, yv, valid, d0, di


def _distinct_rows(*arrays):
    """``(columns, inverse)``: the distinct rows of the broadcast ``arrays`` (one column each)
    and the index of each element's row, shaped like the broadcast; a few dozen rows for
    count data, so a per-row computation runs once per distinct history, not per customer."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    cols = [np.broadcast_to(np.asarray(a, dtype=float), shape).ravel() for a in arrays]
    varying = [c for c in cols if c.size and np.any(c != c[0])]
    key, radix = np.zeros(cols[0].size if cols else 0), 1.0
    for c in varying:  # whole numbers >= 0: one exact float key (mixed radix), sorted once
        top = float(c.max())
        if not (np.isfinite(top) and c.min() >= 0 and np.array_equal(c, np.floor(c)) and radix * (top + 1) < 2**52):
            uniq, inv = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
            return list(uniq.T), inv.reshape(shape)
        key += radix * c
        radix *= top + 1.0
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return [c[first] for c in cols], inv.reshape(shape)


def _log_lead(alpha, beta, x, n, ll):
    """``log B(α+x+1, β+n-x)/B(α,β) - ll`` (E[p | alive] P(alive) / survival, FHS eq. 13's
    lead) from log-gamma differences (tabulated for count data)."""
    tabs = _shift_tables((alpha, beta, alpha + beta), x, n)
    if tabs is not None:
        L = tabs[0]
        xi, ni = x.astype(np.intp), n.astype(np.intp)
        return L[0][xi + 1] + L[1][ni - xi] - L[2][ni + 1] - ll
    return lgamma_ratio(alpha, x + 1.0) + lgamma_ratio(beta, n - x) - lgamma_ratio(alpha + beta, n + 1.0) - ll


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
    x, t_x, n, alive, dead, y, valid, d0, di = _terms(alpha, beta, gamma, delta, x, t_x, n, grad=True)
    ll = logsumexp(np.vstack([alive[None, :], dead]), axis=0)
    w0 = np.exp(alive - ll)
    wi = np.where(valid, np.exp(dead - ll[None, :]), 0.0)
    return (w0 * d0 + (wi[None, :, :] * di).sum(axis=1)).T


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


def _log_survival_sum(gamma, delta, u, v):
    """log Σ_{i=u+1}^{v} B(γ, δ+i)/B(γ, δ) = δ/(γ-1) Γ(γ+δ)/Γ(1+δ) [Γ(1+δ+u)/Γ(γ+δ+u) -
    Γ(1+δ+v)/Γ(γ+δ+v)] (FHS eqs. 8 and 13), with its limit δ[ψ(1+δ+v) - ψ(1+δ+u)] at γ = 1.

    Written as ``δ R(u) (1 - e^{-Δ}) / (γ-1)`` with ``log R(u) = log B(γ-1, 1+δ+u) -
    log B(γ-1, 1+δ)`` and ``Δ = log B(γ-1, 1+δ+u) - log B(γ-1, 1+δ+v)``, both by
    :func:`custvalue.math.special.log_beta_ratio` (log-gamma differences with the smaller of
    the two shifts: no Γ ratio is formed, which overflow for γ >= ~150 with large δ, and
    nothing of size (γ+δ) cancels when γ and δ run off together); ``Δ`` keeps its relative
    accuracy for γ near 1 and for short spans (summed term by term,
    ``Σ_j log1p((γ-1)/(1+δ+u+j))``, for up to 32 whole opportunities)."""
    u, v = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(u, v))
    e = gamma - 1.0
    xu = 1.0 + delta + u
    m = v - u
    short = (m == np.round(m)) & (m <= 32)
    if e == 0.0:
        span = np.zeros(u.shape)  # Σ 1/(xu+j) = ψ(xv) - ψ(xu)
        for j in range(32):
            span += np.where(short & (j < m), 1.0 / (xu + j), 0.0)
        span = np.where(short, span, digamma_diff(xu, m))
        with np.errstate(divide="ignore"):
            return np.log(delta * span)
    dv = np.zeros(u.shape)
    for j in range(32):  # loop over the opportunities of short spans, vectorised over rows
        dv += np.where(short & (j < m), np.log1p(e / (xu + j)), 0.0)
    long_ = ~short
    if long_.any():
        dv[long_] = -log_beta_ratio(e, xu[long_], m[long_])
    log_R = log_beta_ratio(e, 1.0 + delta, u)
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
    log_lead = _log_lead(alpha, beta, xh, nh, ll)
    (nu, tu), inv = _distinct_rows(nh, t)  # the survival sum once per distinct (n, t)
    return np.exp(log_lead + _log_survival_sum(gamma, delta, nu, nu + tu)[inv])


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
    n, t, alpha, beta, gamma, delta = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (n, t, alpha, beta, gamma, delta)))

    def lchoose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    ok = n <= t
    nn = np.where(ok, n, 0.0)
    ab, gd = alpha + beta, gamma + delta
    # log B(α+n, β+j-n)/B(α,β) = L_α(n) + L_β(j-n) - L_{α+β}(j), L_z(j) = log Γ(z+j) - log Γ(z)
    lead = lgamma_ratio(alpha, nn)
    first = np.where(ok, np.exp(lchoose(t, nn) + lead + lgamma_ratio(beta, t - nn) - lgamma_ratio(ab, t)
                                + lgamma_ratio(delta, t) - lgamma_ratio(gd, t)), 0.0)
    tmax = int(t.max()) if t.size else 0
    i = np.arange(max(tmax, 1), dtype=float).reshape((-1,) + (1,) * n.ndim)
    valid = (i >= nn) & (i < t) & ok
    iv = np.where(valid, i, nn)
    with np.errstate(invalid="ignore"):
        second = np.where(valid, np.exp(lchoose(iv, nn) + lead + lgamma_ratio(beta, iv - nn) - lgamma_ratio(ab, iv)
                                        + np.log(gamma) + lgamma_ratio(delta, iv) - lgamma_ratio(gd, iv + 1.0)),
                          0.0).sum(axis=0)
    return first + second


@renamed_arguments(n="n_periods")
@params(d="rate", alpha="positive", beta="positive", gamma="positive", delta="positive")
def dert(d, alpha, beta, gamma, delta, x, t_x, n_periods, horizon=None):
    """Discounted expected residual transactions (FHS eq. 14).

    With per-opportunity discount rate ``d`` and ``z = 1/(1+d)``::

        B(α+x+1, β+n-x)/B(α,β) / L × Σ_{i=1}^{H} B(γ, δ+n+i)/B(γ,δ) z^i

    which for ``H = ∞`` is FHS's ``B(γ, δ+n+1)/(B(γ,δ)(1+d)) 2F1(1, δ+n+1; γ+δ+n+1; z)``.
    The infinite sum is evaluated as the Beta(γ, δ) mixture of the discounted geometric
    lifetime it is, ``B(γ, δ+n+1)/B(γ, δ) E[1/(θ+d)]`` with θ ~ Beta(γ, δ+n+1)
    (:func:`custvalue.math.special._log_beta_discounted_mean`: an integral in ``u = logit θ``
    by :func:`custvalue.math.logconcave.log_integral`, or a Gauss rule for the Beta
    distribution when γ >= 50) once per distinct n; scipy's 2F1 overflows there for integer
    γ with large δ (c - a - b = γ - 1 an integer).  A finite horizon sums its H positive
    terms.

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
    log_lead = _log_lead(alpha, beta, x, n, ll)
    nu, inv = np.unique(n, return_inverse=True)
    if horizon is None:
        # Σ_{i>=1} B(γ, δ+n+i)/B(γ, δ) z^i = B(γ, δ+n+1)/B(γ, δ) E[1/(θ+d)], θ ~ Beta(γ, δ+n+1)
        log_sum = log_beta_ratio(gamma, delta, nu + 1.0) + _log_beta_discounted_mean(gamma, delta + nu + 1.0, d)
    else:
        H = int(horizon)
        if H <= 0:
            return np.zeros(x.shape)
        log_sum = np.full(nu.size, -np.inf)
        step = max(1, 2_000_000 // nu.size)  # blocks of opportunities: bounded memory
        for start in range(1, H + 1, step):
            i = np.arange(start, min(H, start + step - 1) + 1, dtype=float)
            block = logsumexp(log_beta_ratio(gamma, delta, nu[:, None] + i) - i * np.log1p(d), axis=1)
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
                       np.broadcast_shapes(x.shape, np.shape(t_t := np.asarray(t_x)), m.shape))
    # the PMF once per distinct (n', t, x, n) - a few dozen for count data - not per customer
    (c, tu, xu, mu), inv = _distinct_rows(count, t, x, np.broadcast_to(m, np.broadcast_shapes(m.shape, t_t.shape)))
    active = probability_of_purchases(c, tu, alpha + xu, beta + mu - xu, gamma, delta + mu)[inv]
    return np.where(count == 0, 1.0 - alive, 0.0) + alive * active
