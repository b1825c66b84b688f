"""Identification checks: the directions in which an information matrix is singular.

A parameter vector is (locally) identified when the information matrix at the estimate, the
negative Hessian of the log-likelihood or the outer product of the scores, has full rank
(Rothenberg 1971, "Identification in parametric models", Econometrica 39(3):577-591,
theorem 1).  Where it is singular, the log-likelihood is flat along the null vectors: any
multiple of such a vector can be added to the estimates without changing the fit, so their
components' estimates are arbitrary and their standard errors undefined.

The check works on the information matrix scaled to unit diagonal,
``C = D^-1/2 I D^-1/2`` with ``D = diag(I)``, so that parameters in different units compare;
an eigenvalue of ``C`` below ``rtol`` times the largest marks a null direction, reported in
the original parameters' units with its large components named.  A parameter whose own
information is below ``1e-12`` times the largest diagonal element carries no information
(e.g. a brand intercept run off towards minus infinity because the brand is never chosen) and
is a null direction of its own; unlike the eigenvalue criterion this one depends on units,
hence the much smaller threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, check_positive_scalar, check_whole_number
from ..exceptions import DataError

__all__ = ["null_directions", "describe_direction", "identified_inverse", "unidentified_mask"]

#: Relative eigenvalue below which the scaled information matrix counts as singular.
RTOL = 1e-8
#: Relative diagonal element below which a parameter carries no information.
DEAD = 1e-12


def null_directions(info: np.ndarray, names: Sequence[str], *, rtol: float = RTOL) -> list[pd.Series]:
    """Directions along which the information matrix is (numerically) singular.

    Parameters
    ----------
    info : numpy.ndarray, shape (k, k)
        Information matrix (symmetric, positive semi-definite at a maximum).
    names : sequence of str
        Parameter names, in the order of ``info``.
    rtol : float, default 1e-8
        An eigenvalue of the unit-diagonal scaled matrix whose absolute value is at most
        ``rtol`` times the largest absolute eigenvalue counts as zero (clearly negative
        eigenvalues, at a point that is not a maximum, are not flat directions).

    Returns
    -------
    list of pandas.Series
        One direction per null eigenvalue, indexed by ``names``, in the original parameters'
        units, scaled so that its largest component is 1 in absolute value and its first large
        component is positive.  Empty when ``info`` has full rank.
        ``attrs["weight"]`` holds each parameter's share in the direction on the
        unit-information scale (largest 1), which says how much a parameter takes part
        independently of its units.

    Examples
    --------
    >>> import numpy as np
    >>> info = np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 1.0]])  # a + b only
    >>> [d.round(3).tolist() for d in null_directions(info, ["a", "b", "c"])]
    [[1.0, -1.0, 0.0]]
    """
    A = _information(info, names)
    rtol = check_positive_scalar(rtol, "rtol")
    k = A.shape[0]
    if not np.all(np.isfinite(A)):
        bad = ~np.isfinite(A).all(axis=1)
        return [_unit(k, j, names) for j in np.flatnonzero(bad)]
    d = np.abs(np.diag(A))
    scale = float(np.max(d)) if k else 0.0
    dead = d <= min(rtol, DEAD) * scale if scale > 0 else np.ones(k, dtype=bool)
    out = [_unit(k, j, names) for j in np.flatnonzero(dead)]
    live = np.flatnonzero(~dead)
    if live.size:
        s = np.sqrt(d[live])
        C = A[np.ix_(live, live)] / np.outer(s, s)
        w, V = np.linalg.eigh(C)
        # near-zero eigenvalues only: clearly negative ones mean "not at a maximum", not a flat
        # direction, and are left to the covariance (negative variances -> NaN standard errors)
        top = float(np.max(np.abs(w)))
        for j in np.flatnonzero(np.abs(w) <= rtol * top):
            u = np.zeros(k)
            u[live] = V[:, j]
            v = np.zeros(k)
            v[live] = V[:, j] / s  # back to the parameters' own units
            weight = np.abs(u) / np.max(np.abs(u))
            lead = v[np.flatnonzero(weight >= 0.05)[0]]  # first large component positive
            v *= np.sign(lead) / np.max(np.abs(v))
            v[np.abs(v) < 1e-10] = 0.0
            out.append(_direction(v, weight, names))
    return out


def _information(info: Any, names: Sequence[str]) -> np.ndarray:
    """A symmetric (k, k) float matrix with one name per row (NaN and inf kept: they mark
    unidentified parameters), or a DataError."""
    try:
        if np.asarray(info).dtype.kind in "USO":
            raise ValueError("text")
        A = np.asarray(info, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"info must be a numeric (k, k) information matrix; received {info!r}.") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise DataError(f"info must be a square (k, k) matrix with k >= 1; received shape {A.shape}.")
    if len(names) != A.shape[0]:
        raise DataError(f"names must have one entry per row of info ({A.shape[0]}); received {len(names)}.")
    return 0.5 * (A + A.T)


def _direction(v: np.ndarray, weight: np.ndarray, names: Sequence[str]) -> pd.Series:
    out = pd.Series(v, index=list(names), name="direction")
    out.attrs["weight"] = weight
    return out


def _unit(k: int, j: int, names: Sequence[str]) -> pd.Series:
    v = np.zeros(k)
    v[j] = 1.0
    return _direction(v, v.copy(), names)


def describe_direction(direction: pd.Series, *, tol: float = 0.05) -> str:
    """A null direction as text: ``(a, b) + t * (1, -1)``, naming its large components.

    Parameters
    ----------
    direction : pandas.Series
        A direction from :func:`null_directions` (largest component +1).
    tol : float, default 0.05
        Components whose weight (``direction.attrs["weight"]``, else the absolute component)
        is below ``tol`` are left out.

    Returns
    -------
    str
        The parameters involved and the direction's components, to 3 significant digits.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_direction(pd.Series([1.0, 0.0, -1.0], index=["asc_B", "alpha", "init_B"]))
    '(asc_B, init_B) + t * (1, -1)'
    """
    if not isinstance(direction, pd.Series):
        raise DataError(f"direction must be a pandas Series (from null_directions); received "
                        f"{type(direction).__name__}.")
    values = as_float_array(direction, "direction")
    tol = check_positive_scalar(tol, "tol", allow_zero=True)
    weight = direction.attrs.get("weight", np.abs(values))
    big = direction[np.asarray(weight) >= tol]
    names = ", ".join(str(n) for n in big.index)
    comps = ", ".join(f"{v:.3g}" for v in big.to_numpy())
    return f"({names}) + t * ({comps})"


def identified_inverse(info: np.ndarray, names: Sequence[str], *, rtol: float = RTOL,
                       nan_unidentified: bool = True) -> tuple[np.ndarray, list[pd.Series]]:
    """Inverse of the information matrix on its identified part; NaN where it is undefined.

    With full rank this is the ordinary inverse.  Otherwise the (scaled) Moore-Penrose inverse
    is used, which gives the right variance for every function of the parameters that is
    identified (its gradient orthogonal to the null directions; any generalised inverse gives
    the same value there), and the rows and columns of the parameters that take part in a
    null direction are set to NaN: their variance is undefined, not large.

    Parameters
    ----------
    info : numpy.ndarray, shape (k, k)
        Information matrix.
    names : sequence of str
        Parameter names.
    rtol : float, default 1e-8
        Relative eigenvalue threshold (see :func:`null_directions`).
    nan_unidentified : bool, default True
        Set the rows and columns of unidentified parameters to NaN; False returns the plain
        scaled Moore-Penrose inverse (e.g. to build a sandwich first).

    Returns
    -------
    cov : numpy.ndarray, shape (k, k)
        Covariance matrix with NaN rows/columns for unidentified parameters.
    directions : list of pandas.Series
        The null directions (empty when ``info`` has full rank).

    Examples
    --------
    >>> import numpy as np
    >>> info = np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 4.0]])
    >>> cov, dirs = identified_inverse(info, ["a", "b", "c"])
    >>> np.diag(cov).tolist(), len(dirs)
    ([nan, nan, 0.25], 1)
    """
    A = _information(info, names)
    dirs = null_directions(A, names, rtol=rtol)
    if not dirs:
        try:
            return np.linalg.inv(A), dirs
        except np.linalg.LinAlgError:  # pragma: no cover - caught by the rank check above
            pass
    d = np.sqrt(np.abs(np.diag(A)))
    safe = np.where(d > 0, d, 1.0)
    C = A / np.outer(safe, safe)
    w, V = np.linalg.eigh(C)
    keep = np.abs(w) > rtol * float(np.max(np.abs(w)))
    Cp = (V[:, keep] / w[keep]) @ V[:, keep].T
    cov = Cp / np.outer(safe, safe)
    if nan_unidentified:
        involved = unidentified_mask(dirs, A.shape[0])
        cov[involved, :] = np.nan
        cov[:, involved] = np.nan
    return cov, dirs


def unidentified_mask(directions: Sequence[pd.Series], k: int) -> np.ndarray:
    """Parameters that take part in any null direction (weight above 1e-4).

    Parameters
    ----------
    directions : sequence of pandas.Series
        Output of :func:`null_directions`.
    k : int
        Number of parameters.

    Returns
    -------
    numpy.ndarray of bool, shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> info = np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 4.0]])
    >>> unidentified_mask(null_directions(info, ["a", "b", "c"]), 3).tolist()
    [True, True, False]
    """
    k = check_whole_number(k, "k", minimum=1)
    if any(len(v) != k for v in directions):
        raise DataError(f"k must be the number of parameters of the directions; received {k} for "
                        f"directions of length {sorted({len(v) for v in directions})}.")
    involved = np.zeros(k, dtype=bool)
    for v in directions:
        involved |= np.asarray(v.attrs["weight"]) > 1e-4
    return involved
