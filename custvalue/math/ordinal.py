"""Ordered probit / logit log-likelihood and analytic score (McKelvey & Zavoina 1975).

Parametrisation (statsmodels' ``OrderedModel``): ``params = (beta, theta_0, d_1..d_{J-2})``
with cut points ``c_0 = theta_0`` and ``c_m = theta_0 + sum_{i<=m} exp(d_i)``, so that any
real vector gives increasing cuts.  For a respondent with level ``j`` (0-based) and linear
predictor ``xb``: ``P = F(c_j - xb) - F(c_{j-1} - xb)`` with ``c_{-1} = -inf``,
``c_{J-1} = +inf`` (McKelvey & Zavoina 1975, J. Math. Sociol. 4:103-120, eq. 3).

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``cuts``, ``ordered_loglike_obs``,
``ordered_score_obs``, ``ordered_score``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["cuts", "ordered_loglike_obs", "ordered_score_obs", "ordered_score"]


def _cdf_pdf(z: np.ndarray, distr: str) -> tuple[np.ndarray, np.ndarray]:
    if distr == "probit":
        return special.ndtr(z), np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    if distr == "logit":
        F = special.expit(z)
        return F, F * (1 - F)
    raise ValueError(f"distr must be 'probit' or 'logit'; received {distr!r}.")


def cuts(theta: np.ndarray) -> np.ndarray:
    """Increasing cut points ``c_0 < c_1 < (...) < c_{J-2}`` from ``(theta_0, d_1, ..., d_{J-2})``.

    ``c_0 = theta_0`` and ``c_m = theta_0 + sum_{i<=m} exp(d_i)`` (statsmodels'
    ``OrderedModel`` parametrisation; McKelvey & Zavoina 1975, eq. 3).

    Parameters
    ----------
    theta : array_like, shape (J - 1,)
        ``(theta_0, d_1, ..., d_{J-2})``: the first cut point, then the log increments.

    Returns
    -------
    ndarray, shape (J - 1,)
        The cut points ``c_0, ..., c_{J-2}``, strictly increasing.

    Examples
    --------
    >>> import numpy as np
    >>> cuts(np.array([-1.0, 0.0, np.log(0.5)])).round(3).tolist()
    [-1.0, 0.0, 0.5]
    """
    theta = np.asarray(theta, dtype=float)
    return np.concatenate([theta[:1], np.exp(theta[1:])]).cumsum()


def _pieces(params: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int, distr: str):
    k = X.shape[1]
    beta = params[:k]
    c = np.concatenate([[-np.inf], cuts(params[k:]), [np.inf]])
    xb = X @ beta
    u = c[y + 1] - xb
    lo = c[y] - xb
    Fu, fu = _cdf_pdf(u, distr)
    Fl, fl = _cdf_pdf(lo, distr)
    fu = np.where(np.isfinite(u), fu, 0.0)
    fl = np.where(np.isfinite(lo), fl, 0.0)
    P = Fu - Fl
    return k, P, fu, fl


def ordered_loglike_obs(params: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int,
                        distr: str = "probit") -> np.ndarray:
    """Per-respondent log-likelihood; ``y`` holds 0-based level codes.

    ``log(P + 1e-20)`` as statsmodels does, so values agree with ``OrderedModel.loglikeobs``;
    ``P = F(c_j - xb) - F(c_{j-1} - xb)`` (McKelvey & Zavoina 1975, eq. 3).

    Parameters
    ----------
    params : array_like, shape (k + J - 1,)
        ``(beta, theta_0, d_1, ..., d_{J-2})``: slopes, then the cut-point parameters of
        :func:`cuts`.
    X : ndarray, shape (n, k)
        Covariates (no constant: the cut points play its role).
    y : ndarray of int, shape (n,)
        Observed levels, coded ``0, ..., J - 1``.
    n_levels : int
        Number of levels ``J``.
    distr : {"probit", "logit"}, default "probit"
        Link: standard normal or logistic ``F``.

    Returns
    -------
    ndarray, shape (n,)
        ``log P(y_i | x_i)`` for each respondent.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.5], [-1.0], [2.0]]); y = np.array([0, 1, 2])
    >>> ordered_loglike_obs(np.array([0.3, -0.5, 0.0]), X, y, 3).round(3).tolist()
    [-1.355, -1.001, -0.617]
    """
    _, P, _, _ = _pieces(np.asarray(params, float), X, y, n_levels, distr)
    return np.log(P + 1e-20)


def ordered_score_obs(params: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int,
                      distr: str = "probit") -> np.ndarray:
    """Analytic per-respondent gradient of :func:`ordered_loglike_obs`, shape (n, k + J - 1).

    ``dlogP/dbeta = -x (f(u) - f(l)) / P``; ``dlogP/dc_m = (f(u) 1[m=j] - f(l) 1[m=j-1]) / P``,
    chained through ``dc_m/dtheta_0 = 1`` and ``dc_m/dd_i = exp(d_i) 1[i<=m]``.

    Parameters
    ----------
    params : array_like, shape (k + J - 1,)
        ``(beta, theta_0, d_1, ..., d_{J-2})`` as in :func:`ordered_loglike_obs`.
    X : ndarray, shape (n, k)
        Covariates.
    y : ndarray of int, shape (n,)
        Observed levels, coded ``0, ..., J - 1``.
    n_levels : int
        Number of levels ``J``.
    distr : {"probit", "logit"}, default "probit"
        Link function.

    Returns
    -------
    ndarray, shape (n, k + J - 1)
        Derivatives of each respondent's log-likelihood with respect to ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.5], [-1.0], [2.0]]); y = np.array([0, 1, 2])
    >>> ordered_score_obs(np.array([0.3, -0.5, 0.0]), X, y, 3).round(3).tolist()
    [[-0.626, 1.253, 0.0], [-0.276, -0.276, 0.788], [1.471, -0.735, -0.735]]
    """
    params = np.asarray(params, float)
    k, P, fu, fl = _pieces(params, X, y, n_levels, distr)
    denom = P + 1e-20
    gu, gl = fu / denom, fl / denom
    out = np.empty((X.shape[0], params.size))
    out[:, :k] = -X * (gu - gl)[:, None]
    out[:, k] = gu - gl
    if n_levels > 2:
        i = np.arange(1, n_levels - 1)
        ed = np.exp(params[k + 1:])
        # upper cut of level j is c_j: depends on d_i for i <= j; lower cut c_{j-1}: i <= j-1
        up = (y[:, None] >= i[None, :]) * gu[:, None]
        dn = (y[:, None] - 1 >= i[None, :]) * gl[:, None]
        out[:, k + 1:] = (up - dn) * ed[None, :]
    return out


def ordered_score(params: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int,
                  distr: str = "probit") -> np.ndarray:
    """Summed gradient (the column sums of :func:`ordered_score_obs`) in O(n k).

    The threshold part is aggregated by level with ``bincount`` and a reverse cumulative
    sum instead of an (n, J) indicator matrix.

    Parameters
    ----------
    params : array_like, shape (k + J - 1,)
        ``(beta, theta_0, d_1, ..., d_{J-2})`` as in :func:`ordered_loglike_obs`.
    X : ndarray, shape (n, k)
        Covariates.
    y : ndarray of int, shape (n,)
        Observed levels, coded ``0, ..., J - 1``.
    n_levels : int
        Number of levels ``J``.
    distr : {"probit", "logit"}, default "probit"
        Link function.

    Returns
    -------
    ndarray, shape (k + J - 1,)
        Gradient of the total log-likelihood with respect to ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.5], [-1.0], [2.0]]); y = np.array([0, 1, 2])
    >>> ordered_score(np.array([0.3, -0.5, 0.0]), X, y, 3).round(3).tolist()
    [0.569, 0.241, 0.053]
    """
    params = np.asarray(params, float)
    k, P, fu, fl = _pieces(params, X, y, n_levels, distr)
    denom = P + 1e-20
    gu, gl = fu / denom, fl / denom
    g = np.empty(params.size)
    g[:k] = -(X.T @ (gu - gl))
    g[k] = np.sum(gu - gl)
    if n_levels > 2:
        su = np.bincount(y, weights=gu, minlength=n_levels)
        sl = np.bincount(y, weights=gl, minlength=n_levels)
        up = np.cumsum(su[::-1])[::-1]   # up[i] = sum over levels >= i
        dn = np.cumsum(sl[::-1])[::-1]   # dn[i + 1] = sum over levels - 1 >= i
        i = np.arange(1, n_levels - 1)
        g[k + 1:] = (up[i] - dn[i + 1]) * np.exp(params[k + 1:])
    return g
