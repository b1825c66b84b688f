"""Parameter transforms: one declaration per parameter decides both the scale the optimiser
works on and the scale of its confidence interval.

``"log"`` maps a positive parameter to the real line, ``"logit"`` a parameter in (0, 1),
``"atanh"`` (Fisher's z) a correlation in (-1, 1), and ``"identity"`` leaves an unbounded
parameter (a regression coefficient) as it is.

:func:`to_free` and :func:`from_free` map between the natural parameters and the optimiser's
unconstrained coordinates, :func:`second_derivative` gives the curvature of the map (for
Hessians on the free scale). They sit on the optimiser's hot path and trust their inputs:
:func:`check_transforms` and :func:`check_in_domain` validate what users pass.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .._validation import as_float_array, check_positive_scalar
from ..exceptions import DataError, ModelSpecificationError

__all__ = ["TRANSFORMS", "SCALE_NAMES", "check_transforms", "check_in_domain", "to_free", "from_free",
           "second_derivative", "interval_on_scale"]

#: The transforms a model may declare in ``param_transforms``.
TRANSFORMS = ("log", "logit", "atanh", "identity")

#: How each transform's interval scale is named in ``conf_int_scale`` and summaries.
SCALE_NAMES = {"log": "log", "logit": "logit", "atanh": "atanh", "identity": "natural"}


def check_transforms(transforms: tuple[str, ...], names: tuple[str, ...]) -> tuple[str, ...]:
    """Return ``transforms`` if every entry is known, else raise naming the parameter.

    Examples
    --------
    >>> from custvalue.base.transforms import check_transforms
    >>> check_transforms(("log", "logit"), ("r", "p"))
    ('log', 'logit')
    """
    if len(transforms) != len(names):
        raise ModelSpecificationError(f"param_transforms must give one transform per parameter "
                                      f"({len(names)}: {list(names)}); received {len(transforms)}.")
    bad = [(n, t) for n, t in zip(names, transforms) if t not in TRANSFORMS]
    if bad:
        raise ModelSpecificationError(
            f"param_transforms must be one of {list(TRANSFORMS)}; received "
            + ", ".join(f"{t!r} for {n!r}" for n, t in bad) + ".")
    return transforms


#: The open range of a parameter under each transform, as (lower, upper) and its wording.
_DOMAIN = {"log": (0.0, np.inf, "> 0"), "logit": (0.0, 1.0, "in (0, 1)"),
           "atanh": (-1.0, 1.0, "in (-1, 1)"), "identity": (-np.inf, np.inf, "finite")}


def check_in_domain(params: np.ndarray, transforms: tuple[str, ...], names: tuple[str, ...],
                    name: str = "params") -> np.ndarray:
    """Return ``params`` if each lies in its transform's open range, else raise naming them.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.base.transforms import check_in_domain
    >>> check_in_domain(np.array([0.5, -1.0]), ("log", "log"), ("r", "alpha"), "start_params")
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: start_params must lie in each parameter's range: alpha > 0 (received -1); pass values inside the range (or None for the model's own start).
    """
    bad = [f"{n} {_DOMAIN[t][2]} (received {p:g})" for p, t, n in zip(params, transforms, names)
           if not (_DOMAIN[t][0] < p < _DOMAIN[t][1])]
    if bad:
        raise DataError(f"{name} must lie in each parameter's range: " + ", ".join(bad)
                        + "; pass values inside the range (or None for the model's own start).")
    return params


def to_free(params: np.ndarray, transforms: tuple[str, ...]) -> np.ndarray:
    """Natural parameters -> the unconstrained coordinates the optimiser works on.

    Parameters
    ----------
    params : numpy.ndarray
        Natural parameters, inside each transform's domain (see :func:`check_in_domain`).
    transforms : tuple of str
        One of :data:`TRANSFORMS` per parameter (see :func:`check_transforms`).

    Returns
    -------
    numpy.ndarray
        ``log p``, ``logit p``, ``atanh p`` or ``p`` per coordinate.

    Examples
    --------
    >>> import numpy as np
    >>> to_free(np.array([1.0, 0.5, 0.0, -2.0]), ("log", "logit", "atanh", "identity")).tolist()
    [0.0, 0.0, 0.0, -2.0]
    """
    out = np.empty_like(params, dtype=float)
    for i, (p, t) in enumerate(zip(params, transforms)):
        if t == "log":
            out[i] = np.log(p)
        elif t == "logit":
            out[i] = special.logit(p)
        elif t == "atanh":
            out[i] = np.arctanh(p)
        else:
            out[i] = p
    return out


def from_free(theta: np.ndarray, transforms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Natural parameters and d(param)/d(theta) for each coordinate (inverse of :func:`to_free`).

    Parameters
    ----------
    theta : numpy.ndarray
        Unconstrained coordinates (a log coordinate is clipped to [-700, 700]).
    transforms : tuple of str
        One of :data:`TRANSFORMS` per coordinate.

    Returns
    -------
    params : numpy.ndarray
        Natural parameters.
    jacobian : numpy.ndarray
        ``d params_i / d theta_i`` (the map is coordinate-wise).

    Examples
    --------
    >>> import numpy as np
    >>> p, d = from_free(np.array([0.0, 0.0]), ("log", "logit"))
    >>> p.tolist(), d.tolist()
    ([1.0, 0.5], [1.0, 0.25])
    """
    p = np.empty_like(theta, dtype=float)
    d = np.empty_like(theta, dtype=float)
    for i, (t, tr) in enumerate(zip(theta, transforms)):
        if tr == "log":
            p[i] = np.exp(np.clip(t, -700, 700))
            d[i] = p[i]
        elif tr == "logit":
            p[i] = special.expit(t)
            d[i] = p[i] * special.expit(-t)  # p (1 - p) without cancellation near p = 1
        elif tr == "atanh":
            p[i] = np.tanh(t)
            d[i] = 1 - p[i] ** 2
        else:
            p[i] = t
            d[i] = 1.0
    return p, d


def second_derivative(p: np.ndarray, transforms: tuple[str, ...]) -> np.ndarray:
    """d^2(param)/d(theta)^2 for each coordinate (for Hessians in the transformed space).

    Parameters
    ----------
    p : numpy.ndarray
        Natural parameters.
    transforms : tuple of str
        One of :data:`TRANSFORMS` per parameter.

    Returns
    -------
    numpy.ndarray
        ``p`` (log), ``p(1-p)(1-2p)`` (logit), ``-2p(1-p^2)`` (atanh) or 0 (identity).

    Examples
    --------
    >>> import numpy as np
    >>> second_derivative(np.array([2.0, 0.5]), ("log", "logit")).tolist()
    [2.0, 0.0]
    """
    out = np.zeros_like(p, dtype=float)
    for i, tr in enumerate(transforms):
        if tr == "log":
            out[i] = p[i]
        elif tr == "logit":
            out[i] = p[i] * (1 - p[i]) * (1 - 2 * p[i])
        elif tr == "atanh":
            out[i] = -2 * p[i] * (1 - p[i] ** 2)
    return out


def interval_on_scale(estimate: np.ndarray, se: np.ndarray, transforms: tuple[str, ...],
                      z: float) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method interval of each parameter on its transformed scale, mapped back.

    With ``theta = g(estimate)`` the transform the optimiser uses, the standard error of
    ``theta`` is ``se / g^{-1}'(theta)`` (the delta method) and the interval is
    ``g^{-1}(theta -+ z se_theta)``: ``exp(log est -+ z se / est)`` for ``"log"``,
    ``expit(logit est -+ z se / (est (1 - est)))`` for ``"logit"``,
    ``tanh(atanh est -+ z se / (1 - est^2))`` for ``"atanh"`` and the Wald interval
    ``est -+ z se`` for ``"identity"``. The bounds stay inside each parameter's range.

    Parameters
    ----------
    estimate, se : numpy.ndarray
        Estimates and their natural-scale standard errors, shape ``(k,)``.
    transforms : tuple of str
        One of :data:`TRANSFORMS` per parameter.
    z : float
        Normal quantile (1.96 for 95%).

    Returns
    -------
    lower, upper : numpy.ndarray
        Shape ``(k,)``; NaN where ``se`` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.base.transforms import interval_on_scale
    >>> lo, hi = interval_on_scale(np.array([2.0, 0.5, 1.0]), np.array([1.5, 0.1, 1.5]),
    ...                            ("log", "logit", "identity"), 1.96)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.46, 0.313, -1.94], [8.698, 0.687, 3.94])
    """
    est = as_float_array(estimate, "estimate")
    if len(transforms) != est.size or np.size(se) != est.size:
        raise DataError(f"estimate, se and transforms must have the same length; received "
                        f"{est.size}, {np.size(se)} and {len(transforms)}.")
    check_transforms(tuple(transforms), tuple(f"parameter {i}" for i in range(est.size)))
    try:
        se = np.asarray(se, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(f"se must be numbers (standard errors); received {se!r}.") from None
    if (se < 0).any() or np.isinf(se).any():
        raise DataError(f"se must hold one standard error >= 0 (or NaN) per estimate ({est.size}); "
                        f"received {se.tolist()}.")
    z = check_positive_scalar(z, "z")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        theta = to_free(est, transforms)
        _, d = from_free(theta, transforms)
        half = z * np.asarray(se, dtype=float) / d
        lower = from_free(theta - half, transforms)[0]
        upper = from_free(theta + half, transforms)[0]
    return lower, upper
