"""BG/NBD kernels (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
Marketing Science 24(2):275-284; FHL below).

Notation: ``x`` = frequency (repeat transactions), ``t_x`` = recency (time of the last
repeat transaction), ``T`` = customer age, all measured from the first purchase.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``,
``loglike_and_score``, ``weighted_loglike_and_score``, ``weighted_loglike_score_hessian``,
``x_levels``, ``individual_loglike``, ``p_alive_draw_quantiles``,
``expected_purchases_draw_quantiles`` (parameter draws the interval machinery built).

Static covariates: :func:`individual_loglike` takes one α, a and b per customer, and the
predictions (:func:`p_alive`, :func:`conditional_expected_purchases`,
:func:`expected_purchases_new_customer`, :func:`probability_of_purchases`,
:func:`conditional_probability_of_purchases`) accept arrays of them that broadcast with the
data (one value per customer, ``ARRAY_PARAMS``); with scalar parameters they take the same
path, and give the same numbers, as without covariates.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from numba import njit, prange

from ._jit import parallel_kernel
from ._checks import params
from ._quantiles import _draw_quantiles
from ._simd import _exp, _log
from .special import digamma_diff, lgamma_ratio, log_beta_ratio, trigamma_diff
from .special import (_CHEB_SIZES, _INTERPOLATE_MIN_ROWS, _group_log_values, _group_nodes, _group_tables,
                      geometric_dropout_mean, horizon_grid)

__all__ = [
    "loglike", "score", "loglike_and_score", "weighted_loglike_and_score",
    "weighted_loglike_score_hessian", "x_levels", "log_alive_odds", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "purchase_count_probability",
    "conditional_probability_of_purchases", "time_scale", "individual_loglike", "p_alive_logit_se",
    "p_alive_draw_quantiles", "expected_purchases_draw_quantiles", "expected_purchases_log_se",
]

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ()
HORIZON_WEIGHTS = True
TIME_SCALE = True
#: predictions that take one value of each parameter per customer (arrays; static covariates)
ARRAY_PARAMS = ("p_alive", "time_scale", "conditional_expected_purchases", "expected_purchases_new_customer",
                "probability_of_purchases", "conditional_probability_of_purchases")


def _level_terms(r, alpha, a, b, xu, shift=0):
    """Terms of FHL eq. (6) and its gradient that depend on x only, on the distinct x values.

    ``shift=1`` gives the MBG/NBD likelihood (Batislam, Denizel & Filiztekin 2007, eq. A.4):
    B(a, b+x+1) instead of B(a, b+x), a/(b+x) instead of a/(b+x-1), and the "dropped out
    after the last purchase" term also for x = 0 (a customer may drop out at the first).

    ``r log α - (r+x) log(α+T)`` is carried as ``-x log α - (r+x) log1p(T/α)`` (the level
    holds ``-x log α``) and the log-gamma, log-beta and digamma differences come from
    :mod:`custvalue.math.special`: nothing cancels when a and b (or r and α) run off together."""
    pos = (xu > 0) | (shift > 0)
    xs = xu + shift
    bx1 = np.where(pos, b + xs - 1, 1.0)
    d_ab = digamma_diff(a + b, xs)
    return {
        "ll": lgamma_ratio(r, xu) - xu * np.log(alpha) + log_beta_ratio(a, b, xs),
        "log_c": np.where(pos, np.log(a) - np.log(bx1), -np.inf),
        "d_r": digamma_diff(r, xu),
        "d_a": -d_ab,
        "d_b": digamma_diff(b, xs) - d_ab,
        "inv_bx1": np.where(pos, 1.0 / bx1, 0.0),
    }


#: ``(r + max x) max(1, |log α|)`` above which ``log((α+T)/α)`` is formed as ``log1p(T/α)``:
#: below it ``log(α+T) - log α`` loses at most ~1e-13 in a row's log-likelihood, and costs a
#: third less
_LOG1P_FROM = 1e3


def _precise(r, alpha, xu):
    """Whether the kernels form ``log((α+T)/α)`` as ``log1p(T/α)`` (see ``_LOG1P_FROM``)."""
    x_max = float(xu[-1]) if len(xu) else 0.0
    return bool((r + x_max) * max(1.0, abs(np.log(alpha))) > _LOG1P_FROM)


@njit(cache=True, inline="always", error_model="numpy")
def _log_growth(alpha, log_alpha, y, precise):  # pragma: no cover - compiled
    """``log((α+y)/α)``: ``log1p(y/α)`` when ``precise``, else ``log(α+y) - log α``."""
    if precise:
        return np.log1p(y / alpha)
    return np.log(alpha + y) - log_alpha


@parallel_kernel(error_model="numpy")
def _rows(r, alpha, a, x, t_x, T, w, lev, ll_lev, log_c, dr_lev, da_lev, db_lev, inv_bx1,
          ll_out, sc_out, precise):  # pragma: no cover - compiled
    """One fused pass over customers: the per-row part of eq. (6) and its gradient.

    Writes per-row values into ``ll_out``/``sc_out`` when they have n rows (else only
    sums); returns the weighted sums (ll, d_r, d_alpha, d_a, d_b)."""
    n = x.shape[0]
    rows = ll_out.shape[0] == n
    log_alpha = np.log(alpha)
    s_ll = 0.0
    s_r = 0.0
    s_al = 0.0
    s_a = 0.0
    s_b = 0.0
    for i in prange(n):
        k = lev[i]
        rx = r + x[i]
        lT = _log_growth(alpha, log_alpha, T[i], precise)  # log((α+T)/α)
        la = -rx * lT
        if log_c[k] > -np.inf:  # x > 0 (BG/NBD), every row (MBG/NBD)
            lt = _log_growth(alpha, log_alpha, t_x[i], precise)
            ld = log_c[k] - rx * lt
            if ld > la:  # log-sum-exp and the posterior weight of "dead" from one exp
                e = np.exp(la - ld)
                lse = ld + np.log1p(e)
                wd = 1.0 / (1.0 + e)
            else:
                e = np.exp(ld - la)
                lse = la + np.log1p(e)
                wd = e / (1.0 + e)
        else:
            lt = 0.0
            lse = la
            wd = 0.0
        wa = 1.0 - wd
        ll = ll_lev[k] + lse
        g_r = dr_lev[k] - wa * lT - wd * lt
        # r/α - (r+x)(w_a/(α+T) + w_d/(α+t_x)), without the cancellation when r and α are large
        g_al = (rx * (wa * T[i] / (alpha + T[i]) + (wd * t_x[i] / (alpha + t_x[i]) if wd > 0 else 0.0))
                - x[i]) / alpha
        g_a = da_lev[k] + wd / a
        g_b = db_lev[k] - wd * inv_bx1[k]
        if rows:
            ll_out[i] = ll
            sc_out[i, 0] = g_r
            sc_out[i, 1] = g_al
            sc_out[i, 2] = g_a
            sc_out[i, 3] = g_b
        s_ll += w[i] * ll
        s_r += w[i] * g_r
        s_al += w[i] * g_al
        s_a += w[i] * g_a
        s_b += w[i] * g_b
    return s_ll, s_r, s_al, s_a, s_b


@parallel_kernel(error_model="numpy")
def _sums_hess(r, alpha, a, x, t_x, T, w, lev, ll_lev, log_c, dr_lev, da_lev, db_lev, inv_bx1,
               hrr_lev, hab_lev, hbb_lev, precise):  # pragma: no cover - compiled
    """Weighted sums of eq. (6), its gradient and its Hessian over customers, one pass.

    ``log L = level(x) + log(e^la + e^ld)`` with ``la = -(r+x) log1p(T/α)`` and
    ``ld = log a - log(b+x-1) - (r+x) log1p(t_x/α)`` (the level holds ``-x log α``), so the
    Hessian of the second part is
    ``w_a ∇²la + w_d ∇²ld + w_a w_d Δ Δ'`` with ``Δ = ∇la - ∇ld`` and the posterior
    weights ``w_a, w_d`` of "alive" and "dead" (both parts of ``∇`` are linear in 1/(α+·))."""
    n = x.shape[0]
    log_alpha = np.log(alpha)
    s_ll = 0.0
    g0 = 0.0
    g1 = 0.0
    g2 = 0.0
    g3 = 0.0
    h00 = 0.0
    h01 = 0.0
    h02 = 0.0
    h03 = 0.0
    h11 = 0.0
    h12 = 0.0
    h13 = 0.0
    h22 = 0.0
    h23 = 0.0
    h33 = 0.0
    for i in prange(n):
        k = lev[i]
        wi = w[i]
        rx = r + x[i]
        iT = 1.0 / (alpha + T[i])
        lT = _log_growth(alpha, log_alpha, T[i], precise)
        la = -rx * lT
        if log_c[k] > -np.inf:  # x > 0 (BG/NBD), every row (MBG/NBD)
            it = 1.0 / (alpha + t_x[i])
            lt = _log_growth(alpha, log_alpha, t_x[i], precise)
            ld = log_c[k] - rx * lt
            if ld > la:
                e = np.exp(la - ld)
                lse = ld + np.log1p(e)
                wd = 1.0 / (1.0 + e)
            else:
                e = np.exp(ld - la)
                lse = la + np.log1p(e)
                wd = e / (1.0 + e)
        else:
            it = 0.0
            lt = 0.0
            lse = la
            wd = 0.0
        wa = 1.0 - wd
        ibx = inv_bx1[k]
        s_ll += wi * (ll_lev[k] + lse)
        g0 += wi * (dr_lev[k] - wa * lT - wd * lt)
        # r/α - (r+x)(w_a/(α+T) + w_d/(α+t_x)) and its derivatives, formed without the
        # cancellation when r and α are large: 1/α - 1/(α+T) = T/(α(α+T))
        ft = (wa * T[i] * iT + wd * t_x[i] * it) / alpha
        g1 += wi * (rx * ft - x[i] / alpha)
        g2 += wi * (da_lev[k] + wd / a)
        g3 += wi * (db_lev[k] - wd * ibx)
        c = wa * wd  # zero when x = 0
        d0 = lt - lT
        d1 = rx * (T[i] - t_x[i]) * it * iT if wd > 0 else 0.0
        d2 = -1.0 / a
        d3 = ibx
        h00 += wi * (hrr_lev[k] + c * d0 * d0)
        h01 += wi * (ft + c * d0 * d1)
        h02 += wi * (c * d0 * d2)
        h03 += wi * (c * d0 * d3)
        # -r/α² + (r+x)/(α+T)² = x/(α+T)² - r T (2α+T) / (α² (α+T)²)
        ia2 = 1.0 / (alpha * alpha)
        h11 += wi * (wa * iT * iT * (x[i] - r * T[i] * (2.0 * alpha + T[i]) * ia2)
                     + wd * it * it * (x[i] - r * t_x[i] * (2.0 * alpha + t_x[i]) * ia2) + c * d1 * d1)
        h12 += wi * (c * d1 * d2)
        h13 += wi * (c * d1 * d3)
        h22 += wi * (hab_lev[k] - wd / (a * a) + c * d2 * d2)
        h23 += wi * (hab_lev[k] + c * d2 * d3)
        h33 += wi * (hbb_lev[k] + wd * ibx * ibx + c * d3 * d3)
    return (s_ll, g0, g1, g2, g3, h00, h01, h02, h03, h11, h12, h13, h22, h23, h33)


def weighted_loglike_score_hessian(r, alpha, a, b, x, t_x, T, weights, levels=None, shift=0):
    """``sum_i w_i log L_i`` (FHL eq. 6), its gradient and its exact Hessian w.r.t.
    (r, alpha, a, b), from one compiled pass over the customers.

    The x-only terms (log-gamma, log-beta and their first and second derivatives, digamma
    and trigamma) are evaluated once per distinct frequency.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``x_levels(x)``, precomputed.
    shift : {0, 1}, default 0
        1 gives the MBG/NBD likelihood (see :func:`custvalue.math.modbetageo.loglike`).

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (4,), Hessian of shape (4, 4)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> ll, g, h = weighted_loglike_score_hessian(0.243, 4.414, 0.793, 2.426, x, t_x, T, np.ones(2))
    >>> round(float(ll), 2), bool(np.allclose(h, h.T))
    (-10.01, True)
    """
    x, t_x, T = (np.ascontiguousarray(v, dtype=float) for v in (x, t_x, T))
    xu, idx = x_levels(x) if levels is None else levels
    t = _level_terms(r, alpha, a, b, xu, shift)
    h_ab = -trigamma_diff(a + b, xu + shift)
    h_rr = trigamma_diff(r, xu)
    h_bb = trigamma_diff(b, xu + shift) + h_ab
    w = np.ascontiguousarray(weights, dtype=float)
    with np.errstate(all="ignore"):
        out = _sums_hess(float(r), float(alpha), float(a), x, t_x, T, w, idx, t["ll"], t["log_c"], t["d_r"],
                         t["d_a"], t["d_b"], t["inv_bx1"], h_rr, h_ab, h_bb, _precise(r, alpha, xu))
    h = np.empty((4, 4))
    h[np.triu_indices(4)] = out[5:]
    h = np.triu(h) + np.triu(h, 1).T
    return out[0], np.array(out[1:5]), h


def x_levels(x):
    """Distinct frequencies and each row's position among them (precomputed once per data set).

    Parameters
    ----------
    x : array-like
        Frequencies.

    Returns
    -------
    tuple of numpy.ndarray
        The sorted distinct values and, for each row, the index of its value.

    Examples
    --------
    >>> levels, idx = x_levels([2.0, 0.0, 2.0])
    >>> levels.tolist(), idx.tolist()
    ([0.0, 2.0], [1, 0, 1])
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    if x.size and x.min() >= 0 and x.max() < 1e6 and np.array_equal(x, np.floor(x)):
        xi = x.astype(np.int64)  # whole numbers (frequencies): a counting pass instead of a sort
        present = np.bincount(xi) > 0
        return np.flatnonzero(present).astype(float), (np.cumsum(present) - 1)[xi]
    xu, idx = np.unique(x, return_inverse=True)
    return xu, idx.reshape(-1).astype(np.int64)


def _evaluate(r, alpha, a, b, x, t_x, T, weights=None, levels=None, rows=True, shift=0):
    x, t_x, T = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), np.broadcast_shapes(
        np.shape(x), np.shape(t_x), np.shape(T))).reshape(-1)) for v in (x, t_x, T))
    n = x.shape[0]
    xu, idx = x_levels(x) if levels is None else levels
    t = _level_terms(r, alpha, a, b, xu, shift)
    w = np.ones(n) if weights is None else np.ascontiguousarray(weights, dtype=float)
    ll_out = np.empty(n if rows else 0)
    sc_out = np.empty((n if rows else 0, 4))
    with np.errstate(all="ignore"):
        sums = _rows(float(r), float(alpha), float(a), x, t_x, T, w, idx, t["ll"], t["log_c"], t["d_r"],
                     t["d_a"], t["d_b"], t["inv_bx1"], ll_out, sc_out, _precise(r, alpha, xu))
    return ll_out, sc_out, sums


def weighted_loglike_and_score(r, alpha, a, b, x, t_x, T, weights, levels=None, shift=0):
    """``sum_i w_i log L_i`` and its gradient w.r.t. (r, alpha, a, b) in one fused pass.

    The x-only terms of FHL eq. (6) (log-gamma, log-beta, digammas) are evaluated once per
    distinct frequency; the per-customer part (two logs, a log-sum-exp) runs compiled over
    both cores.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and age of each (unique) row.
    weights : numpy.ndarray
        Number of customers each row stands for.
    levels : tuple, optional
        ``x_levels(x)``, precomputed.
    shift : {0, 1}, default 0
        1 gives the MBG/NBD likelihood (see :func:`custvalue.math.modbetageo.loglike`).

    Returns
    -------
    tuple
        (log-likelihood, gradient array of shape (4,)).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> ll, g = weighted_loglike_and_score(0.243, 4.414, 0.793, 2.426, x, t_x, T, np.ones(2))
    >>> round(float(ll), 2)
    -10.01
    """
    _, _, sums = _evaluate(r, alpha, a, b, x, t_x, T, weights, levels, rows=False, shift=shift)
    return sums[0], np.array(sums[1:])


def loglike(r, alpha, a, b, x, t_x, T):
    """Per-customer BG/NBD log-likelihood, FHL eq. (6), evaluated in log space.

    ``log L = log Γ(r+x) - log Γ(r) + r log α + log B(a, b+x) - log B(a, b)
    + log[(α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x)]``.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
    x, t_x, T : numpy.ndarray
        Frequency (repeat purchases), recency and customer age (broadcastable float arrays).

    Returns
    -------
    numpy.ndarray
        Log-likelihood of each customer.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> betageo.loglike(0.243, 4.414, 0.793, 2.426, x, t_x, T).round(3).tolist()
    [-9.459, -0.555]
    """
    return _evaluate(r, alpha, a, b, x, t_x, T)[0].reshape(np.broadcast_shapes(
        np.shape(x), np.shape(t_x), np.shape(T)))


def score(r, alpha, a, b, x, t_x, T):
    """Analytic gradient of :func:`loglike` w.r.t. (r, alpha, a, b); shape ``(n, 4)``.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
    x, t_x, T : numpy.ndarray
        Frequency (repeat purchases), recency and customer age (broadcastable float arrays).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> betageo.score(0.243, 4.414, 0.793, 2.426, x, t_x, T).shape
    (2, 4)
    """
    return _evaluate(r, alpha, a, b, x, t_x, T)[1]


def loglike_and_score(r, alpha, a, b, x, t_x, T):
    """Per-customer log-likelihood (FHL eq. 6) and its gradient, from one compiled pass.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and customer age.

    Returns
    -------
    tuple of numpy.ndarray
        :func:`loglike` (shape ``(n,)``) and :func:`score` (shape ``(n, 4)``).

    Examples
    --------
    >>> import numpy as np
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> ll, sc = loglike_and_score(0.243, 4.414, 0.793, 2.426, x, t_x, T)
    >>> ll.round(3).tolist(), sc.shape
    ([-9.459, -0.555], (2, 4))
    """
    ll, sc, _ = _evaluate(r, alpha, a, b, x, t_x, T)
    return ll, sc


@params(r="positive", alpha="positive", a="positive", b="positive")
def log_alive_odds(r, alpha, a, b, x, t_x, T):
    """log of P(dead)/P(alive) for customers with x > 0 (``-inf`` when x = 0), FHL eq. (13).

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
    x, t_x, T : numpy.ndarray
        Frequency (repeat purchases), recency and customer age (broadcastable float arrays).

    Returns
    -------
    numpy.ndarray
        Log odds of being inactive.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> betageo.log_alive_odds(0.243, 4.414, 0.793, 2.426, x, t_x, T).round(3).tolist()
    [-0.977, -inf]
    """
    x = np.asarray(x, dtype=float)
    pos = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pos, np.log(a) - np.log(np.where(pos, b + x - 1, 1.0))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)), -np.inf)


@parallel_kernel(error_model="numpy")
def _alive_rows(r, alpha, a, b, shift, x, t_x, T, out):  # pragma: no cover - compiled
    """out_i = 1 / (1 + a/(b+x-1+shift) ((α+T)/(α+t_x))^(r+x)), the odds term only for
    x > 0 when shift = 0; evaluated from the log odds without overflow."""
    la = np.log(a)
    for i in prange(x.shape[0]):
        if x[i] > 0 or shift > 0:
            lo = la - np.log(b + (x[i] - 1.0 + shift)) + (r + x[i]) * np.log1p(
                (T[i] - t_x[i]) / (alpha + t_x[i]))  # log((α+T)/(α+t_x)), exact for T ~ t_x
            if lo > 0:
                e = np.exp(-lo)
                out[i] = e / (1.0 + e)
            else:
                out[i] = 1.0 / (1.0 + np.exp(lo))
        else:
            out[i] = 1.0


def individual_loglike(r, log_alpha, log_a, log_b, x, t_x, T, shift=0, hess=False):
    """Per-customer BG/NBD log-likelihood (FHL eq. 6; ``shift=1``: MBG/NBD, BDF eq. A.4)
    with customer-specific ``α_i, a_i, b_i`` (static covariates), its gradient in
    ``(r, log α_i, log a_i, log b_i)`` and (``hess``) its exact Hessian, on whole arrays::

        log L = log Γ(r+x) - log Γ(r) + r log α - (r+x) log(α+t_x)
                + log[ e^{A1} + δ e^{A2} ],
        A1 = log B(a, b+x+shift) - log B(a, b) - (r+x) log((α+T)/(α+t_x)),
        A2 = log B(a+1, b+x-1+shift) - log B(a, b),

    ``δ = [x > 0]`` for the BG/NBD and 1 for the MBG/NBD; derivatives from
    ``∂ log B(p, q)/∂p = ψ(p) - ψ(p+q)`` and, for the Hessian, the trigamma function; the
    log-sum-exp's Hessian is ``π1 ∇²A1 + π2 ∇²A2 + π1 π2 (∇A1 - ∇A2)(∇A1 - ∇A2)'`` with
    ``π1 = e^{A1 - lse}``, ``π2 = 1 - π1``.

    Parameters
    ----------
    r : float
        Shape of the gamma distribution of λ.
    log_alpha, log_a, log_b : array-like
        Log of each customer's α, a and b.
    x, t_x, T : array-like
        Frequency, recency and age.
    shift : {0, 1}, default 0
        0 for the BG/NBD, 1 for the MBG/NBD.
    hess : bool, default False
        Also return each row's Hessian (upper triangle, order (0,0), (0,1), (0,2), (0,3),
        (1,1), (1,2), (1,3), (2,2), (2,3), (3,3)).

    Returns
    -------
    tuple of numpy.ndarray
        ``ll`` (n,) and ``grad`` (n, 4); with ``hess`` also the Hessian (n, 10).

    Examples
    --------
    >>> import numpy as np
    >>> ll, g = individual_loglike(0.243, np.log(4.414), np.log(0.793), np.log(2.426), 2.0, 30.43, 38.86)
    >>> bool(abs(ll[0] - loglike(0.243, 4.414, 0.793, 2.426, 2.0, 30.43, 38.86)) < 1e-10)
    True
    """
    x, t_x, T, la, lA, lB = (np.asarray(v, dtype=float).reshape(-1) for v in
                             np.broadcast_arrays(x, t_x, T, log_alpha, log_a, log_b))
    al, a, b = np.exp(la), np.exp(lA), np.exp(lB)
    rx = r + x
    # r log α - (r+x) log(α+t_x) = -x log α - (r+x) log1p(t_x/α), and L = log((α+T)/(α+t_x)):
    # no cancellation when r and α (or a and b) run off together
    l1t = np.log1p(t_x / al)
    L = np.log1p((T - t_x) / (al + t_x))
    sh = float(shift)
    bx = b + x + sh
    lB1 = log_beta_ratio(a, b, x + sh)  # log B(a, b+x+shift) / B(a, b)
    A1 = lB1 - rx * L
    second = (x > 0) | (sh > 0)
    bq = np.where(second, bx - 1.0, 1.0)
    A2 = np.where(second, lB1 + lA - np.log(bq), -np.inf)  # B(a+1, q) = B(a, q+1) a / q
    lse = np.logaddexp(A1, A2)
    p1 = np.exp(A1 - lse)
    p2 = 1.0 - p1
    ll = lgamma_ratio(r, x) - x * la - rx * l1t + lse
    d_abx = digamma_diff(a + b, x + sh)
    dB1_a = -d_abx                                   # ∂ lB1 / ∂a
    dB1_b = digamma_diff(b, x + sh) - d_abx          # ∂ lB1 / ∂b
    ft = al / (al + t_x)
    ct = t_x / (al + t_x)                            # 1 - ft
    Lu = -al * (T - t_x) / ((al + T) * (al + t_x))   # ∂L/∂u = fT - ft
    g = np.empty((x.size, 4))
    g[:, 0] = digamma_diff(r, x) - l1t - p1 * L
    g[:, 1] = r * ct - x * ft - p1 * rx * Lu
    g[:, 2] = a * (dB1_a + p2 / a)
    g[:, 3] = b * (dB1_b - np.where(second, p2 / bq, 0.0))
    if not hess:
        return ll, g
    # per row, in (r, u = log α, v = log a, w = log b): A1 = lB1 - (r+x) L, L = log((α+T)/(α+t_x));
    # A2 = lB1 + v - log(b+x+shift-1)
    # ∂²L/∂u² = fT(1-fT) - ft(1-ft) = α (T-t_x)(α² - t_x T) / ((α+T)² (α+t_x)²)
    Luu = al * (T - t_x) * (al * al - t_x * T) / ((al + T) ** 2 * (al + t_x) ** 2)
    tri_abx = trigamma_diff(a + b, x + sh)           # ψ'(a+b+x+shift) - ψ'(a+b)
    Bv, Bw = a * dB1_a, b * dB1_b                        # ∂ lB1 / ∂v, ∂w
    Bvv = Bv - a * a * tri_abx
    Bvw = -a * b * tri_abx
    Bww = Bw + b * b * (trigamma_diff(b, x + sh) - tri_abx)
    qb = np.where(second, b / bq, 0.0)
    d0, d1, d2, d3 = -L, -rx * Lu, -1.0, qb              # ∇A1 - ∇A2 (A2 has no r, u terms)
    p12 = p1 * p2
    h = np.empty((x.size, 10))
    h[:, 0] = trigamma_diff(r, x) + p12 * d0 * d0
    h[:, 1] = ct - p1 * Lu + p12 * d0 * d1
    h[:, 2] = p12 * d0 * d2
    h[:, 3] = p12 * d0 * d3
    h[:, 4] = -rx * ft * ct - p1 * rx * Luu + p12 * d1 * d1
    h[:, 5] = p12 * d1 * d2
    h[:, 6] = p12 * d1 * d3
    h[:, 7] = Bvv + p12 * d2 * d2
    h[:, 8] = Bvw + p12 * d2 * d3
    h[:, 9] = Bww - p2 * (qb - qb * qb) + p12 * d3 * d3
    return ll, g, h


def _p_alive_arrays(r, alpha, a, b, x, t_x, T, shift):
    """FHL eq. (13) on whole arrays (α, a, b per customer): the formula of :func:`_alive_rows`."""
    x, t_x, T, alpha, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T, alpha, a, b)))
    has = (x > 0) | (shift > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = (np.log(a) - np.log(np.where(has, b + x - 1.0 + shift, 1.0))
              + (r + x) * np.log1p((T - t_x) / (alpha + t_x)))
    out = np.where(lo > 0, np.exp(-np.abs(lo)) / (1.0 + np.exp(-np.abs(lo))), 1.0 / (1.0 + np.exp(-np.abs(lo))))
    return np.where(has, out, 1.0)


@parallel_kernel(error_model="numpy")
def _logit_se_rows(r, alpha, a, b, shift, cov, x, t_x, T, out, p):  # pragma: no cover - compiled
    """out_i = sqrt(g_i' cov g_i), g_i the gradient of logit P(alive) in (r, α, a, b), and
    p_i = P(alive) (the operations of :func:`_alive_rows`) when ``p`` has one entry per row."""
    la = np.log(a)
    with_p = p.shape[0] == x.shape[0]
    for i in prange(x.shape[0]):
        if x[i] > 0 or shift > 0:
            g0 = -np.log1p((T[i] - t_x[i]) / (alpha + t_x[i]))
            if with_p:
                lo = la - np.log(b + (x[i] - 1.0 + shift)) + (r + x[i]) * -g0
                if lo > 0:
                    e = np.exp(-lo)
                    p[i] = e / (1.0 + e)
                else:
                    p[i] = 1.0 / (1.0 + np.exp(lo))
            g1 = (r + x[i]) * (T[i] - t_x[i]) / ((alpha + T[i]) * (alpha + t_x[i]))
            g2 = -1.0 / a
            g3 = 1.0 / (b + x[i] - 1.0 + shift)
            v = (g0 * (cov[0, 0] * g0 + 2.0 * (cov[0, 1] * g1 + cov[0, 2] * g2 + cov[0, 3] * g3))
                 + g1 * (cov[1, 1] * g1 + 2.0 * (cov[1, 2] * g2 + cov[1, 3] * g3))
                 + g2 * (cov[2, 2] * g2 + 2.0 * cov[2, 3] * g3) + g3 * cov[3, 3] * g3)
            out[i] = np.sqrt(max(v, 0.0))
        else:
            out[i] = 0.0
            if with_p:
                p[i] = 1.0


@params(r="positive", alpha="positive", a="positive", b="positive")
def p_alive_logit_se(r, alpha, a, b, x, t_x, T, cov, shift=0, with_estimate=False):
    """Delta-method standard error of ``logit P(alive)``, FHL eq. (13), in one compiled pass.

    ``logit P(alive) = -L`` with the log odds of being inactive
    ``L = log a - log(b+x-1+shift) + (r+x) log((α+T)/(α+t_x))``, so its gradient in
    ``(r, α, a, b)`` is ``(-log((α+T)/(α+t_x)), (r+x)(T-t_x)/((α+T)(α+t_x)), -1/a,
    1/(b+x-1+shift))`` (zero where P(alive) = 1: ``x = 0`` with ``shift = 0``), and the
    standard error is ``sqrt(g' cov g)``. The delta method is invariant to the
    reparametrisation, so ``cov`` is the natural-scale covariance of the estimates.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters.
    x, t_x, T : numpy.ndarray
        Frequency, recency and customer age (1-D float arrays of equal length).
    cov : numpy.ndarray
        Covariance of ``(r, alpha, a, b)``, shape ``(4, 4)``.
    shift : {0, 1}, default 0
        1 gives the MBG/NBD (``a/(b+x)``, for every x).
    with_estimate : bool, default False
        Also return P(alive) itself from the same pass (equal to :func:`p_alive`).

    Returns
    -------
    numpy.ndarray
        Standard errors on the logit scale (0 where P(alive) does not depend on the parameters);
        with ``with_estimate``, the tuple ``(p_alive, se)``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> cov = np.diag([0.013, 0.378, 0.186, 0.705]) ** 2
    >>> se = betageo.p_alive_logit_se(0.243, 4.414, 0.793, 2.426, np.array([2.0, 0.0]),
    ...                               np.array([30.43, 0.0]), np.array([38.86, 38.86]), cov)
    >>> se.round(3).tolist()
    [0.312, 0.0]
    """
    x, t_x, T = (np.ascontiguousarray(np.asarray(v, dtype=float).reshape(-1)) for v in (x, t_x, T))
    cov = np.ascontiguousarray(np.asarray(cov, dtype=float).reshape(4, 4))
    out = np.empty(x.shape[0])
    p = np.empty(x.shape[0] if with_estimate else 0)
    with np.errstate(all="ignore"):
        _logit_se_rows(float(r), float(alpha), float(a), float(b), float(shift), cov, x, t_x, T, out, p)
    return (p, out) if with_estimate else out


@njit(cache=True, inline="always", error_model="numpy")
def _alive_at_draws(draws, log_a, shift, xi, ti, Ti, out):  # pragma: no cover - compiled
    """out[d] = P(alive) of one customer at each draw (the formula of :func:`_alive_rows`,
    with the straight-line log and exp of :mod:`custvalue.math._simd`, so that the loop over
    draws compiles to SIMD code; ``log1p(u) = log(w) - ((w - 1) - u)/w``, ``w = 1 + u``).
    ``draws`` holds ``(r, alpha, a, b)`` by rows, one column per draw."""
    if xi > 0 or shift > 0:
        gap = Ti - ti
        xs = xi - 1.0 + shift
        for d in range(draws.shape[1]):
            u = gap / (draws[1, d] + ti)
            w = 1.0 + u
            l1p = _log(w) - ((w - 1.0) - u) / w
            lo = log_a[d] - _log(draws[3, d] + xs) + (draws[0, d] + xi) * l1p
            e = _exp(-abs(lo))
            out[d] = (e if lo > 0 else 1.0) / (1.0 + e)
    else:
        out[:] = 1.0


@njit(cache=True, inline="always", error_model="numpy")
def _quantiles_or_nan(v, q, out, i):  # pragma: no cover - compiled
    """out[:, i] = the quantiles q of v (reordered), or nan when v holds a nan."""
    bad = False
    for d in range(v.size):
        bad = bad or not v[d] == v[d]
    if bad:
        for j in range(q.size):
            out[j, i] = np.nan
    else:
        _draw_quantiles(v, q, out, i)


@parallel_kernel(error_model="numpy")
def _alive_draw_rows(draws, log_a, shift, x, t_x, T, q, out):  # pragma: no cover - compiled
    """out[:, i] = quantiles ``q`` over the draws of P(alive) of customer i; nan where some
    draw gives nan."""
    n = x.shape[0]
    nblocks = (n + 255) // 256
    for blk in prange(nblocks):
        v = np.empty(draws.shape[1])
        for i in range(blk * 256, min(n, blk * 256 + 256)):
            _alive_at_draws(draws, log_a, shift, x[i], t_x[i], T[i], v)
            _quantiles_or_nan(v, q, out, i)


def p_alive_draw_quantiles(draws, x, t_x, T, q, shift=0):
    """Quantiles over parameter draws of each customer's P(alive) (FHL eq. 13), in one
    compiled pass without a draws x customers block.

    For customer ``i`` the kernel evaluates P(alive) at every row of ``draws`` (the operations
    of :func:`p_alive` with straight-line log and exp: the values agree to a few ulp) into a
    buffer of ``n_draws`` values and
    takes ``numpy.quantile(values, q)`` (linear interpolation) by selection. Memory: the
    inputs and one buffer per thread. This is ``interval="simulate"`` (and ``"bootstrap"``,
    with refitted draws) of :meth:`~custvalue.clv.BetaGeo` results' ``p_alive``.

    Parameters
    ----------
    draws : numpy.ndarray
        Parameter vectors ``(r, alpha, a, b)``, shape ``(n_draws, 4)``, all positive.
    x, t_x, T : numpy.ndarray
        Frequency, recency and customer age (1-D float arrays of equal length).
    q : array-like
        Probabilities in [0, 1], in increasing order.
    shift : {0, 1}, default 0
        1 gives the MBG/NBD probability.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(q), n)``; a customer's column is nan when some draw gives nan.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5], [0.23, 4.8, 0.75, 2.3]])
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> got = p_alive_draw_quantiles(draws, x, t_x, T, [0.5])
    >>> ref = np.median([p_alive(*d, x, t_x, T) for d in draws], axis=0)
    >>> bool(np.allclose(got[0], ref, rtol=1e-13, atol=0))
    True
    """
    draws = np.ascontiguousarray(np.asarray(draws, dtype=float).reshape(-1, 4).T)
    x, t_x, T = (np.ascontiguousarray(np.asarray(v, dtype=float).reshape(-1)) for v in (x, t_x, T))
    q = np.ascontiguousarray(np.asarray(q, dtype=float).reshape(-1))
    out = np.empty((q.size, x.shape[0]))
    with np.errstate(all="ignore"):
        _alive_draw_rows(draws, np.log(draws[2]), float(shift), x, t_x, T, q, out)
    return out


@params(r="positive", alpha="positive", a="positive", b="positive")
def p_alive(r, alpha, a, b, x, t_x, T, shift=0):
    """P(alive | x, t_x, T), FHL eq. (13): ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
    x, t_x, T : numpy.ndarray
        Frequency (repeat purchases), recency and customer age (broadcastable float arrays).
    shift : {0, 1}, default 0
        1 gives the MBG/NBD probability (``a/(b+x)``, for every x).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> betageo.p_alive(0.243, 4.414, 0.793, 2.426, x, t_x, T).round(3).tolist()
    [0.727, 1.0]
    """
    if np.ndim(alpha) or np.ndim(a) or np.ndim(b):  # one α, a, b per customer (static covariates)
        return _p_alive_arrays(r, alpha, a, b, x, t_x, T, shift)
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
    x, t_x, T = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), shape)).reshape(-1)
                 for v in (x, t_x, T))
    out = np.empty(x.shape[0])
    with np.errstate(all="ignore"):
        _alive_rows(float(r), float(alpha), float(a), float(b), float(shift), x, t_x, T, out)
    return out.reshape(shape)


@params(r="positive", alpha="positive", a="positive", b="positive")
def expected_purchases_new_customer(t, r, alpha, a, b):
    """E[X(t)] for a customer just acquired, FHL eq. (7).

    Parameters
    ----------
    t : float or array-like
        Length of the period since acquisition.
    r, alpha, a, b : float or array-like
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.

    Returns
    -------
    numpy.ndarray
        Expected repeat purchases in (0, t].

    Examples
    --------
    >>> from custvalue.math import betageo
    >>> betageo.expected_purchases_new_customer([10.0, 39.0], 0.243, 4.414, 0.793, 2.426).round(3).tolist()
    [0.432, 1.197]
    """
    if np.ndim(alpha) or np.ndim(a) or np.ndim(b):  # one α, a, b per customer (static covariates)
        t2, (alpha, a, b), shape = horizon_grid(t, alpha, a, b)
        c = a + b - 1.0
        return geometric_dropout_mean(t2, alpha, a, c - r, c, c, s0=r, beta0=b).reshape(shape)
    t = np.asarray(t, dtype=float)
    c = a + b - 1.0
    out = geometric_dropout_mean(t.reshape(-1, 1), alpha, a, c - r, c, c, s0=r, beta0=b)
    return out.reshape(t.shape)


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T, horizon_weights=None):
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t], FHL eq. (10).

    Parameters
    ----------
    t : float or array-like
        Length of the future period.
    r, alpha, a, b : float or array-like
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.
    x, t_x, T : numpy.ndarray
        Frequency (repeat purchases), recency and customer age (broadcastable float arrays).

    horizon_weights : array-like, optional
        With a customers x horizons grid (``t`` of shape ``(1, m)``, the rest ``(n, 1)``):
        return ``Σ_k w_k E[Y(t_k)]`` per customer (shape ``(n,)``), e.g. a CLV's discount
        weights, without the grid.

    Returns
    -------
    numpy.ndarray
        Expected purchases in (T, T+t], broadcast shape of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> betageo.conditional_expected_purchases(39.0, 0.243, 4.414, 0.793, 2.426, x, t_x, T).round(3).tolist()
    [1.226, 0.195]
    """
    if np.ndim(alpha) or np.ndim(a) or np.ndim(b):  # one α, a, b per customer (static covariates)
        t2, (x, t_x, T, alpha, a, b), shape = horizon_grid(t, x, t_x, T, alpha, a, b)
    else:
        t2, (x, t_x, T), shape = horizon_grid(t, x, t_x, T)
    c = a + b + x - 1.0
    alive = p_alive(r, alpha, a, b, x, t_x, T)
    exact = {"x": x, "s0": r, "beta0": b}  # C - A = r + x, C - a + 1 = b + x, exactly
    if horizon_weights is not None:  # Σ_k w_k E[Y(t_k)] per customer, no grid
        if t2.shape[0] != 1:
            raise ValueError("horizon_weights needs a customers x horizons grid (t of shape (1, m)).")
        return geometric_dropout_mean(t2, alpha + T, a, a + b - 1.0 - r, c, c, weight=alive,
                                      horizon_weights=horizon_weights, **exact)
    return geometric_dropout_mean(t2, alpha + T, a, a + b - 1.0 - r, c, c, weight=alive,
                                  **exact).reshape(shape)


@njit(cache=True, error_model="numpy")
def _group_ranges(xi, T, G):  # pragma: no cover - compiled
    """Rows, smallest and largest T of each frequency 0..G-1."""
    count = np.zeros(G, dtype=np.int64)
    lo = np.full(G, np.inf)
    hi = np.full(G, -np.inf)
    for i in range(xi.size):
        g = xi[i]
        count[g] += 1
        lo[g] = min(lo[g], T[i])
        hi[g] = max(hi[g], T[i])
    return count, lo, hi


@parallel_kernel(error_model="numpy")
def _expected_draw_rows(draws, log_a, shift, x, t_x, T, slot, coef, mid, inv_half, nterms, q,
                        out):  # pragma: no cover - compiled
    """out[:, i] = quantiles ``q`` over the draws of customer i's expected purchases, for the
    customers with a table (``slot[i] >= 0``; the others are left untouched): P(alive) at each
    draw times ``exp`` of the Chebyshev series of the log value in ``log(alpha_d + T_i)``
    (:func:`custvalue.math.special._chebyshev_rows`, Clenshaw's recurrence), every loop over
    the draws (``coef[slot, term, draw]``) so that it compiles to SIMD code."""
    n_draws = draws.shape[1]
    n = x.shape[0]
    nblocks = (n + 255) // 256
    for blk in prange(nblocks):
        pa = np.empty(n_draws)
        y = np.empty(n_draws)
        b1 = np.empty(n_draws)
        b2 = np.empty(n_draws)
        for i in range(blk * 256, min(n, blk * 256 + 256)):
            s = slot[i]
            if s < 0:
                continue
            Ti = T[i]
            _alive_at_draws(draws, log_a, shift, x[i], t_x[i], Ti, pa)
            for d in range(n_draws):
                yy = (_log(draws[1, d] + Ti) - mid[s, d]) * inv_half[s, d]
                y[d] = min(1.0, max(-1.0, yy))
                b1[d] = 0.0
                b2[d] = 0.0
            for j in range(nterms[s] - 1, 0, -1):
                for d in range(n_draws):
                    v = coef[s, j, d] + 2.0 * y[d] * b1[d] - b2[d]
                    b2[d] = b1[d]
                    b1[d] = v
            for d in range(n_draws):
                pa[d] = pa[d] * _exp(coef[s, 0, d] + y[d] * b1[d] - b2[d])
            _quantiles_or_nan(pa, q, out, i)


_TABLE_BYTES = 256 * 2 ** 20  # largest per-draw Chebyshev tables of the fused quantiles
_BLOCK_BYTES = 256 * 2 ** 20  # largest draws x customers block for the customers without tables


def _expected_draw_quantiles(draws, t, x, t_x, T, q, shift, predict):
    """:func:`expected_purchases_draw_quantiles` for the BG/NBD (``shift=0``) or MBG/NBD
    (``shift=1``), ``predict(t, r, alpha, a, b, x, t_x, T)`` the model's conditional expectation."""
    draws = np.asarray(draws, dtype=float).reshape(-1, 4)
    x, t_x, T = (np.ascontiguousarray(np.asarray(v, dtype=float).reshape(-1)) for v in (x, t_x, T))
    q = np.ascontiguousarray(np.asarray(q, dtype=float).reshape(-1))
    n, n_draws = x.size, draws.shape[0]
    tt = np.array([[float(t)]])
    sh = float(shift)
    out = np.full((q.size, n), np.nan)
    slot = np.full(n, -1, dtype=np.int64)
    integer = n >= _INTERPOLATE_MIN_ROWS and bool(np.all((x >= 0) & (x <= n) & (x == np.floor(x))))
    if integer:  # customers with the same frequency share a table per draw (as in the point prediction)
        xi = x.astype(np.int64)
        count, Tmin, Tmax = _group_ranges(xi, T, int(xi.max()) + 1)
        big = np.flatnonzero(count >= 2 * _CHEB_SIZES[0])
        if 0 < big.size * _CHEB_SIZES[-1] * n_draws * 8 <= _TABLE_BYTES:
            xg = big.astype(float)
            kept = np.ones(big.size, dtype=bool)
            coef = np.zeros((big.size, _CHEB_SIZES[-1], n_draws))
            mid, inv_half = np.zeros((big.size, n_draws)), np.zeros((big.size, n_draws))
            nterms = np.zeros(big.size, dtype=np.int64)
            for d, (r, al, a, b) in enumerate(draws):  # the point prediction's tables, draw by draw
                C = a + b + xg if shift else a + b + xg - 1.0
                A = a + b - r if shift else a + b - 1.0 - r
                groups, c, m, ih, _ = _group_tables(tt, a, A, C, C, count[big], al + Tmin[big], al + Tmax[big],
                                                 np.empty(0), 1, (xg, r, b + 1.0 if shift else b))
                here = np.zeros(big.size, dtype=bool)
                here[groups] = True
                kept &= here
                if not kept.any():
                    break
                coef[groups, :c.shape[1], d] = c[:, :, 0]
                mid[groups, d], inv_half[groups, d] = m, ih
                nterms[groups] = np.maximum(nterms[groups], c.shape[1])
            if kept.any():
                of_group = np.full(count.size, -1, dtype=np.int64)
                of_group[big[kept]] = np.arange(int(kept.sum()))
                slot = of_group[xi]
                dr = np.ascontiguousarray(draws.T)
                if not kept.all():
                    coef, mid, inv_half, nterms = (np.ascontiguousarray(v[kept]) for v in (coef, mid, inv_half, nterms))
                with np.errstate(all="ignore"):
                    _expected_draw_rows(dr, np.log(dr[2]), sh, x, t_x, T, slot, coef, mid, inv_half, nterms, q, out)
    rest = np.flatnonzero(slot < 0)  # the others: the prediction at every draw, in blocks
    chunk = max(1, _BLOCK_BYTES // (8 * n_draws))
    for start in range(0, rest.size, chunk):
        rows = rest[start:start + chunk]
        block = np.stack([predict(tt, *p, x[rows, None], t_x[rows, None], T[rows, None])[:, 0] for p in draws])
        out[:, rows] = np.quantile(block, q, axis=0)
    return out


@parallel_kernel(error_model="numpy")
def _expected_log_se_rows(r, alpha, a, b, shift, cov, x, t_x, T, slot, coef, mid, inv_half, nterms, est,
                          se):  # pragma: no cover - compiled
    """For the customers with a table (``slot[i] >= 0``): ``est_i`` = P(alive) exp(H) with
    ``H`` the Chebyshev series of the log hypergeometric part in ``y = (log(α+T_i) - mid)
    inv_half`` (``coef[slot, 0]``; the operations of :func:`custvalue.math.special._chebyshev_rows`
    and :func:`_alive_rows`) and ``se_i = sqrt(g' cov g)``, ``g`` the gradient of
    ``log est`` in ``(r, α, a, b)``: ``(1 - P) ∂ logit P`` (the gradient of
    :func:`_logit_se_rows`) plus ``∂H``, from the series ``coef[slot, 1]`` (∂/∂r),
    ``coef[slot, 2]`` (∂/∂y, times ``inv_half / (α+T_i)`` for ∂/∂α), ``coef[slot, 3]`` (∂/∂a)
    and ``coef[slot, 4]`` (∂/∂b), all five by one Clenshaw recurrence."""
    la = np.log(a)
    for i in prange(x.shape[0]):
        s = slot[i]
        if s < 0:
            continue
        base = alpha + T[i]
        y = min(1.0, max(-1.0, (_log(base) - mid[s]) * inv_half[s]))
        y2 = 2.0 * y
        b10 = b11 = b12 = b13 = b14 = 0.0
        b20 = b21 = b22 = b23 = b24 = 0.0
        for j in range(nterms[s] - 1, 0, -1):
            v0 = coef[s, 0, j] + y2 * b10 - b20
            v1 = coef[s, 1, j] + y2 * b11 - b21
            v2 = coef[s, 2, j] + y2 * b12 - b22
            v3 = coef[s, 3, j] + y2 * b13 - b23
            v4 = coef[s, 4, j] + y2 * b14 - b24
            b20, b21, b22, b23, b24 = b10, b11, b12, b13, b14
            b10, b11, b12, b13, b14 = v0, v1, v2, v3, v4
        h = coef[s, 0, 0] + y * b10 - b20
        g0 = coef[s, 1, 0] + y * b11 - b21
        g1 = (coef[s, 2, 0] + y * b12 - b22) * inv_half[s] / base
        g2 = coef[s, 3, 0] + y * b13 - b23
        g3 = coef[s, 4, 0] + y * b14 - b24
        p = 1.0
        if x[i] > 0 or shift > 0:
            l1p = np.log1p((T[i] - t_x[i]) / (alpha + t_x[i]))
            lo = la - np.log(b + (x[i] - 1.0 + shift)) + (r + x[i]) * l1p
            if lo > 0:
                e = np.exp(-lo)
                p = e / (1.0 + e)
                qd = 1.0 / (1.0 + e)
            else:
                e = np.exp(lo)
                p = 1.0 / (1.0 + e)
                qd = e / (1.0 + e)
            g0 += qd * -l1p
            g1 += qd * (r + x[i]) * (T[i] - t_x[i]) / ((alpha + T[i]) * (alpha + t_x[i]))
            g2 += qd * (-1.0 / a)
            g3 += qd / (b + x[i] - 1.0 + shift)
        est[i] = p * _exp(h)
        v = (g0 * (cov[0, 0] * g0 + 2.0 * (cov[0, 1] * g1 + cov[0, 2] * g2 + cov[0, 3] * g3))
             + g1 * (cov[1, 1] * g1 + 2.0 * (cov[1, 2] * g2 + cov[1, 3] * g3))
             + g2 * (cov[2, 2] * g2 + 2.0 * cov[2, 3] * g3) + g3 * cov[3, 3] * g3)
        se[i] = np.sqrt(max(v, 0.0))


#: relative step of the central differences in (r, a, b) at the table nodes
_NODE_STEP = 3e-5


def _expected_log_se(r, alpha, a, b, t, x, t_x, T, cov, shift, predict):
    """:func:`expected_purchases_log_se` for the BG/NBD (``shift=0``) or MBG/NBD (``shift=1``),
    ``predict(t, r, alpha, a, b, x, t_x, T)`` the model's conditional expectation."""
    x, t_x, T = (np.ascontiguousarray(np.asarray(v, dtype=float).reshape(-1)) for v in (x, t_x, T))
    cov = np.ascontiguousarray(np.asarray(cov, dtype=float).reshape(4, 4))
    r, alpha, a, b = (float(v) for v in (r, alpha, a, b))
    n = x.size
    tt = np.array([[float(t)]])
    sh = float(shift)
    est, se = np.full(n, np.nan), np.full(n, np.nan)
    slot = np.full(n, -1, dtype=np.int64)
    if n >= _INTERPOLATE_MIN_ROWS and bool(np.all((x >= 0) & (x <= n) & (x == np.floor(x)))):
        xi = x.astype(np.int64)
        count, Tmin, Tmax = _group_ranges(xi, T, int(xi.max()) + 1)
        xg = np.arange(count.size, dtype=float)

        def shape_params(r_, a_, b_):
            C = a_ + b_ + xg if shift else a_ + b_ + xg - 1.0
            return C, (a_ + b_ - r_ if shift else a_ + b_ - 1.0 - r_), (xg, r_, b_ + 1.0 if shift else b_)

        C, A, gshape = shape_params(r, a, b)
        bmin, bmax = alpha + Tmin, alpha + Tmax
        groups, c, mid, inv_half, sizes = _group_tables(tt, a, A, C, C, count, bmin, bmax, np.empty(0), 1, gshape)
        if groups.size:
            N = c.shape[1]
            coef = np.zeros((groups.size, 5, N))
            coef[:, 0] = c[:, :, 0]
            for k in np.unique(sizes):  # the derivative of each series in y (Chebyshev)
                sel = sizes == k
                coef[sel, 2, :k - 1] = np.polynomial.chebyshev.chebder(c[sel, :k, 0], axis=1)
                nodes = _group_nodes(bmin[groups[sel]], bmax[groups[sel]], int(k))
                g = groups[sel]
                for row, j in ((1, 0), (3, 2), (4, 3)):  # r, a, b: central differences at the nodes
                    p = [r, alpha, a, b]
                    step = _NODE_STEP * p[j]
                    vals = []
                    for sign in (1.0, -1.0):
                        p[j] = [r, alpha, a, b][j] + sign * step
                        Cp, Ap, shp = shape_params(p[0], p[2], p[3])
                        vals.append(_group_log_values(tt, nodes, p[2], Ap, Cp[g], Cp[g], (shp[0][g], *shp[1:])))
                    coef[sel, row, :k] = (vals[0] - vals[1]) / (2.0 * step)
            of_group = np.full(count.size, -1, dtype=np.int64)
            of_group[groups] = np.arange(groups.size)
            slot = of_group[xi]
            with np.errstate(all="ignore"):
                _expected_log_se_rows(r, alpha, a, b, sh, cov, x, t_x, T, slot, coef, mid, inv_half,
                                      np.ascontiguousarray(sizes), est, se)
    rest = np.flatnonzero(slot < 0)
    if rest.size:  # the others: central differences of the prediction, on those customers only
        cols = (x[rest, None], t_x[rest, None], T[rest, None])
        est[rest] = predict(tt, r, alpha, a, b, *cols)[:, 0]
        p = np.array([r, alpha, a, b])
        grad = np.empty((rest.size, 4))
        with np.errstate(all="ignore"):
            for j in range(4):
                h = 1e-5 * p[j]
                up, down = p.copy(), p.copy()
                up[j] += h
                down[j] -= h
                grad[:, j] = (np.log(predict(tt, *up, *cols)[:, 0]) - np.log(predict(tt, *down, *cols)[:, 0])) / (2 * h)
        se[rest] = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", grad, cov, grad), 0.0))
    return est, se


@params(r="positive", alpha="positive", a="positive", b="positive")
def expected_purchases_log_se(r, alpha, a, b, t, x, t_x, T, cov):
    """Expected purchases in the next ``t`` (FHL eq. 10) and the delta-method standard error
    of their logarithm, in one compiled pass over the customers.

    ``E = P(alive) H`` with ``H`` the hypergeometric part of eq. (10). On large inputs (4,096
    customers or more, integer frequencies) the point prediction interpolates ``log H`` in
    ``log(α+T)`` across the customers of each frequency (Chebyshev tables,
    :func:`custvalue.math.special.geometric_dropout_mean`); here the same tables give ``E``,
    and ``∂ log H`` comes from the tables' own derivative in ``y`` (for α: ``H`` depends on α
    only through ``α+T``) and from tables of ``∂ log H / ∂r, ∂a, ∂b``, interpolated like ``log
    H`` from central differences (relative step 3e-5) at the same nodes: derivatives of
    ``2F1`` in its parameters have no closed form, but as functions of ``log(α+T)`` they are
    as smooth as ``log H``, so 16-64 node evaluations per frequency serve all its customers.
    ``∂ log P(alive) = (1 - P) ∂ logit P`` is closed form (:func:`p_alive_logit_se`). The
    standard error is ``sqrt(g' cov g)`` with the natural-scale covariance (the delta method
    is invariant to the reparametrisation). Customers of frequencies without a table get
    ``E`` from :func:`conditional_expected_purchases` and ``g`` from its central differences
    (relative step 1e-5). Accuracy of the standard error: about 1e-8 relative (the node
    differences), against about 1e-6 of forward differences of the prediction.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters.
    t : float
        Length of the future period.
    x, t_x, T : numpy.ndarray
        Frequency, recency and customer age (1-D float arrays of equal length).
    cov : numpy.ndarray
        Covariance of ``(r, alpha, a, b)``, shape ``(4, 4)``.

    Returns
    -------
    estimate, se : numpy.ndarray
        The expected purchases and the standard error of their logarithm.

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.diag([0.013, 0.378, 0.186, 0.705]) ** 2
    >>> est, se = expected_purchases_log_se(0.243, 4.414, 0.793, 2.426, 39.0, np.array([2.0, 0.0]),
    ...                                     np.array([30.43, 0.0]), np.array([38.86, 38.86]), cov)
    >>> est.round(3).tolist()
    [1.226, 0.195]
    """
    return _expected_log_se(r, alpha, a, b, t, x, t_x, T, cov, 0, conditional_expected_purchases)


def expected_purchases_draw_quantiles(draws, t, x, t_x, T, q):
    """Quantiles over parameter draws of each customer's expected purchases in the next ``t``
    (FHL eq. 10), without a draws x customers block.

    On large inputs (4,096 customers or more, integer frequencies) the point prediction
    (:func:`conditional_expected_purchases`) interpolates the log of the hypergeometric part
    in ``log(alpha + T)`` across the customers of each frequency
    (:func:`custvalue.math.special.geometric_dropout_mean`). Here those tables are built once
    per draw, over each frequency's range of ages, and one compiled pass evaluates, customer
    by customer, P(alive) and the interpolant at every draw into a buffer and takes
    ``numpy.quantile(values, q)`` by selection. Customers of frequencies without a table at
    every draw (fewer than 32 customers, or a table that fails its accuracy check) get the
    prediction at every draw in blocks of at most 256 MB. The values agree with the
    prediction at each draw to about 1e-13 relative (the interpolation's own accuracy).

    Parameters
    ----------
    draws : numpy.ndarray
        Parameter vectors ``(r, alpha, a, b)``, shape ``(n_draws, 4)``, all positive.
    t : float
        Length of the future period.
    x, t_x, T : numpy.ndarray
        Frequency, recency and customer age (1-D float arrays of equal length).
    q : array-like
        Probabilities in [0, 1], in increasing order.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(q), n)``; a customer's column is nan when some draw gives nan.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5], [0.23, 4.8, 0.75, 2.3]])
    >>> x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    >>> got = expected_purchases_draw_quantiles(draws, 39.0, x, t_x, T, [0.5])
    >>> ref = np.median([conditional_expected_purchases(39.0, *d, x, t_x, T) for d in draws], axis=0)
    >>> bool(np.allclose(got[0], ref, rtol=1e-13, atol=0))
    True
    """
    return _expected_draw_quantiles(draws, t, x, t_x, T, q, 0, conditional_expected_purchases)


def time_scale(r, alpha, a, b, x=0.0, t_x=0.0, T=0.0):
    """Shortest time scale of ``E[Y(t) | x, t_x, T]`` near ``t = 0``: ``min (α+T)/(1+r+x)``.

    Given the dropout probability ``p`` the expectation is ``(1 - (1 + p t/(α+T))^-(r+x))/p``
    (FHL eq. 10 before the Beta mixing), singular at ``t = -(α+T)/p`` and changing on the
    scale ``(α+T)/(p (r+x))``; both are at least ``(α+T)/(1+r+x)`` away from 0. The
    discounting quadrature (:func:`custvalue.math.dert.continuous_dert`) refines its panels
    down to it. Without a history (``x = T = 0``) it is the new customer's ``α/(1+r)``.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD (or MBG/NBD) parameters.
    x, t_x, T : array-like, optional
        Frequency, recency and age of the customers.

    Returns
    -------
    float

    Examples
    --------
    >>> round(time_scale(0.243, 4.414, 0.793, 2.426, [0.0, 2.0], [0.0, 30.43], [38.86, 38.86]), 3)
    13.344
    """
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    return float(np.min((alpha + T) / (1.0 + r + x)))


@params(r="positive", alpha="positive", a="positive", b="positive")
def probability_of_purchases(n, t, r, alpha, a, b):
    """P(X(t) = n) for a new customer, FHL eq. (8); ``n`` a non-negative integer array.

    Parameters
    ----------
    n : array-like of int
        Numbers of purchases (>= 0).
    t : float or array-like
        Length of the period.
    r, alpha, a, b : float or array-like
        BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.

    Returns
    -------
    numpy.ndarray
        Probabilities, broadcast shape of ``n`` and ``t``.

    Examples
    --------
    >>> from custvalue.math import betageo
    >>> betageo.probability_of_purchases([0, 1, 2], 39.0, 0.243, 4.414, 0.793, 2.426).round(3).tolist()
    [0.574, 0.199, 0.085]
    """
    return purchase_count_probability.__wrapped__(n, t, r, alpha, a, b, shift=0)  # checked above


@params(r="positive", alpha="positive", a="positive", b="positive")
def purchase_count_probability(n, t, r, alpha, a, b, shift=0):
    """P(X(t) = n) of a new customer for the BG/NBD (``shift=0``, FHL eq. 8) and the MBG/NBD
    (``shift=1``: one more dropout opportunity, at time 0).

    ``B(a, b+n+shift)/B(a, b) NB(n) + δ B(a+1, b+n-1+shift)/B(a, b) P(N(t) >= n)`` with the
    negative-binomial ``NB(j) = Γ(r+j)/(Γ(r) j!) q^r z^j``, ``q = α/(α+t)``, ``z = t/(α+t)``
    (``δ`` = [n > 0] for the BG/NBD, 1 for the MBG/NBD). The tail ``P(N(t) >= n) = 1 -
    Σ_{j<n} NB(j)``, which cancels as written once it is small (short periods, large n), is
    the regularised incomplete beta ``I_z(n, r)``: scipy's ``betainc(n, r, z)`` for
    ``z <= 1/2``, else ``betaincc(r, n, q)`` (the complement, from the small argument ``q``).

    Parameters
    ----------
    n : array-like of int
        Numbers of purchases (>= 0).
    t : float or array-like
        Length of the period (>= 0).
    r, alpha, a, b : float
        Model parameters.
    shift : {0, 1}, default 0
        0 for the BG/NBD, 1 for the MBG/NBD.

    Returns
    -------
    numpy.ndarray
        Probabilities, broadcast shape of ``n`` and ``t``.

    Examples
    --------
    >>> purchase_count_probability([0, 1], 39.0, 0.243, 4.414, 0.793, 2.426).round(3).tolist()
    [0.574, 0.199]
    """
    from scipy.special import betainc, betaincc

    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    n, t = np.broadcast_arrays(n, t)
    pos = t > 0
    tt = np.where(pos, t, 1.0)
    z = tt / (alpha + tt)
    q = alpha / (alpha + tt)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_nb = (lgamma_ratio(r, n) - gammaln(n + 1) - r * np.log1p(tt / alpha)
                  + np.where(n > 0, n * np.log(z), 0.0))
        lB = log_beta_ratio(a, b, n + shift)  # log B(a, b+n+shift) / B(a, b)
        first = np.exp(lB + log_nb)
        nn = np.maximum(n, 1.0)
        tail = np.where(n > 0, np.where(z <= 0.5, betainc(nn, r, np.minimum(z, 0.5)),
                                        betaincc(r, nn, np.minimum(q, 0.5))), 1.0)
        dropped = (n > 0) | (shift > 0)
        # B(a+1, b+n-1+shift) = B(a, b+n+shift) a / (b+n-1+shift)
        second = np.where(dropped, np.exp(lB + np.log(a) - np.log(np.where(dropped, b + n - 1.0 + shift, 1.0)))
                          * tail, 0.0)
    return np.where(pos, first + second, np.where(n == 0, 1.0, 0.0))


@params(r="positive", alpha="positive", a="positive", b="positive")
def conditional_probability_of_purchases(n, t, r, alpha, a, b, x, t_x, T, shift=0):
    """P(Y(t) = n | x, t_x, T): the distribution of the number of purchases in (T, T+t].

    A customer inactive at T makes none; a customer active at T has (λ, p) distributed as
    the posterior ``λ ~ Gamma(r+x, α+T)``, ``p ~ Beta(a, b+x+shift)`` (the likelihood of
    staying active, ``(1-p)^(x+shift) λ^x e^{-λT}``, times the mixing densities; FHL 2005
    eqs. 3-4) and, the next dropout opportunity being after the next purchase, is a new
    BG/NBD customer with those parameters (FHL eq. 8)::

        P(Y(t) = n | x, t_x, T) = [n = 0] (1 - P(alive)) + P(alive) P_8(n, t; r+x, α+T, a, b+x+shift)

    with P(alive) of FHL eq. (13). This is the structure of Fader & Hardie's notes
    "Deriving the conditional PMF of the BG/NBD model" and "... of the Pareto/NBD model";
    its mean is FHL eq. (10). ``shift=1`` gives the MBG/NBD (one more dropout opportunity,
    at time 0, survived by an active customer).

    Parameters
    ----------
    n : array-like of int
        Numbers of future purchases (>= 0).
    t : float or array-like
        Length of the future period (> 0).
    r, alpha, a, b : float or array-like
        BG/NBD parameters.
        ``alpha``, ``a`` and ``b`` may hold one value per customer (static covariates),
        broadcast with the other arguments.
    x, t_x, T : array-like
        Frequency, recency and age (broadcast with ``n`` and ``t``).
    shift : {0, 1}, default 0
        0 for the BG/NBD, 1 for the MBG/NBD.

    Returns
    -------
    numpy.ndarray
        Probabilities, broadcast shape of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> p = conditional_probability_of_purchases(np.arange(400), 39.0, 0.243, 4.414, 0.793, 2.426,
    ...                                          2.0, 30.43, 38.86)
    >>> round(float(p.sum()), 10), round(float(p[0]), 3)
    (1.0, 0.445)
    """
    n = np.asarray(n, dtype=float)
    x = np.asarray(x, dtype=float)
    alive = p_alive.__wrapped__(r, alpha, a, b, x, t_x, T, shift=shift)  # parameters checked above
    active = purchase_count_probability.__wrapped__(n, t, r + x, alpha + np.asarray(T, dtype=float), a,
                                                    b + x + shift, shift=0)
    return np.where(n == 0, 1.0 - alive, 0.0) + alive * active
