"""Special functions shared by several kernels, compiled where scipy's general routines are
the bottleneck."""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from scipy.special import hyp2f1

__all__ = ["hyp2f1_rows"]

_MAX_TERMS = 20_000


@njit(cache=True, parallel=True, error_model="numpy")
def _series(a, b, c, z, out):  # pragma: no cover - compiled
    """Sum the series row by row; out = inf where the sum overflows, nan if 20,000 terms
    do not suffice. The column with the largest z converges last, so convergence is
    judged on it; a column that overflows drops out and the next largest takes over."""
    n, m = z.shape
    for i in prange(n):
        active = np.ones(m, dtype=np.bool_)
        terms = np.ones(m)  # (a)_j (b)_j / ((c)_j j!) z^j, scaled by z so it never overflows early
        kmax = 0
        for k in range(m):
            out[i, k] = 1.0
            if z[i, k] > z[i, kmax]:
                kmax = k
        if z[i, kmax] == 0.0:
            continue
        converged = False
        for j in range(_MAX_TERMS):
            ratio = (a[i] + j) * (b[i] + j) / ((c[i] + j) * (j + 1.0))
            for k in range(m):
                if active[k]:
                    terms[k] *= ratio * z[i, k]
                    out[i, k] += terms[k]
                    if not np.isfinite(out[i, k]):
                        out[i, k] = np.inf
                        active[k] = False
            if not active[kmax]:
                kmax = -1
                for k in range(m):
                    if active[k] and (kmax < 0 or z[i, k] > z[i, kmax]):
                        kmax = k
                if kmax < 0:
                    converged = True
                    break
            r_next = (a[i] + j + 1) * (b[i] + j + 1) / ((c[i] + j + 1) * (j + 2.0)) * z[i, kmax]
            if j > 2 and r_next < 1.0 and terms[kmax] * r_next / (1.0 - r_next) <= 1e-17 * out[i, kmax]:
                converged = True
                break
        if not converged:
            for k in range(m):
                if active[k]:
                    out[i, k] = np.nan


def hyp2f1_rows(a, b, c, z):
    """Gauss hypergeometric 2F1(a_i, b_i; c_i; z_ik) for rows sharing a, b, c.

    Sums the power series once per row for all of the row's arguments (one pass of the
    Pochhammer coefficients serves every column), which is what discounted-value kernels
    need: the same customer at several horizons. Valid for ``a, b, c > 0`` and
    ``0 <= z < 1``, where every term is positive and the sum is accurate to a few ulps.
    Values beyond the float range are returned as ``inf`` (scipy's general routine can
    return wrong finite numbers there); rows that need more than 20,000 terms are
    evaluated with mpmath; other parameter domains fall back to :func:`scipy.special.hyp2f1`.

    Parameters
    ----------
    a, b, c : array-like, shape (n,)
        Parameters of each row (> 0).
    z : array-like, shape (n, m)
        Arguments in [0, 1).

    Returns
    -------
    numpy.ndarray, shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import hyp2f1
    >>> z = np.array([[0.1, 0.5, 0.9]])
    >>> bool(np.allclose(hyp2f1_rows([1.5], [2.0], [3.2], z), hyp2f1(1.5, 2.0, 3.2, z), rtol=1e-13))
    True
    """
    z = np.array(z, dtype=np.float64, copy=True, order="C")
    n = z.shape[0]
    a, b, c = (np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)), copy=True) for v in (a, b, c))
    out = np.empty_like(z)
    ok = (a > 0) & (b > 0) & (c > 0)
    if ok.all() and (z >= 0).all() and (z < 1).all():
        _series(a, b, c, z, out)
    else:
        out[:] = np.nan
    bad = np.isnan(out)
    if bad.any():
        rows = np.broadcast_to(np.arange(n)[:, None], z.shape)[bad]
        if ok.all():  # slow convergence (z very near 1): arbitrary precision for these few
            import mpmath

            f = np.frompyfunc(lambda a_, b_, c_, z_: float(mpmath.hyp2f1(a_, b_, c_, z_)), 4, 1)
            out[bad] = f(a[rows], b[rows], c[rows], z[bad]).astype(float)
        else:
            out[bad] = hyp2f1(a[rows], b[rows], c[rows], z[bad])
    return out
