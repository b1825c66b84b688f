"""Parameter uncertainty of customer-level predictions: delta-method and simulated intervals.

A prediction ``f(params; customer)`` (P(alive), expected purchases, CLV...) inherits the
sampling uncertainty of the maximum-likelihood estimates. Both methods work on the
parameters' *free* scale, the transform each model declares (``log`` for a positive
parameter, ``logit`` for one in (0, 1); :mod:`custvalue.base.transforms`), where the
estimates are closest to normal:

``"delta"``
    ``se_g = sqrt(J Σ J')`` with ``J = d g(f)/d θ`` the gradient of the prediction on its
    link scale ``g`` (logit for a probability, log for a positive quantity) with respect to
    the free parameters ``θ`` and ``Σ`` their covariance (the natural-scale covariance
    mapped through the transforms' derivatives). ``J`` comes from forward differences: one
    prediction call per parameter, each vectorised over the customers; a kernel may give the
    standard error (``link_se``), or the prediction and its standard error (``estimate_se``),
    from one compiled pass instead (the BG/NBD family's P(alive) and expected purchases). The
    interval is ``g^{-1}(g(f) -+ z se_g)``, so it stays inside (0, 1) or (0, inf).
``"simulate"``
    ``θ_d ~ N(θ̂, Σ)``, ``d = 1..n_draws`` (seeded), the prediction at each draw, and the
    ``(1-level)/2`` and ``(1+level)/2`` quantiles per customer. Customers are processed in
    chunks so that the draws x customers block stays under about 256 MB. A kernel may take the
    quantiles itself (``draw_quantiles``: every draw for one customer at a time, no block; the
    BG/NBD family's P(alive) and expected purchases); the result equals the blocks' to about
    1e-13 relative.
``"bootstrap"``
    The customers are resampled with replacement (``n_draws`` times, seeded: one child
    generator per resample, so the draws do not depend on the order in which an executor
    runs them), the model is refitted on each resample from the original estimates and the
    prediction rescored at each refit; the interval is the percentile interval over the
    refits. A model fitted on compressed rows (unique rows with ``weights``) is resampled
    exactly by multinomial counts on its rows, ``Multinomial(nobs, weights / nobs)``.
    Refits that fail or do not converge are dropped and counted (``attrs["n_failed"]``).

The ``estimate`` column is always the prediction at the estimates. Both intervals describe
the uncertainty of the *expected* quantity (parameter uncertainty), not the spread of a
customer's future purchases (process uncertainty: see
:meth:`~custvalue.clv._predict.TransactionResultsMixin.conditional_probability_of_purchases`).
:func:`total_interval` forms the interval of a *total* over customers (the aggregate
holdout purchases of a base) from both: the parameter uncertainty of the summed
expectation and the summed process variances (customers are independent given the
parameters).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

from .._validation import as_generator, check_choice, check_level, check_whole_number
from ..base.transforms import from_free, to_free
from ..exceptions import ConvergenceWarning, DataError, HeterogeneityWarning

__all__ = ["INTERVALS", "check_interval", "check_bootstrap_options", "free_covariance", "prediction_interval",
           "interval_frame", "interval_of", "parameter_draws", "bootstrap_draws", "total_interval", "count_moments"]

#: The interval methods the customer-level predictions accept.
INTERVALS = ("delta", "simulate", "bootstrap")

#: Forward-difference step on the free (log / logit) scale.
_STEP = 1e-6
#: Bytes of one draws x customers block in ``"simulate"``.
_BLOCK_BYTES = 256 * 2 ** 20

Predict = Callable[[Sequence[float], slice], np.ndarray]


def check_interval(interval: Any, level: Any, n_draws: Any = 200, executor: Any = None, progress: Any = False,
                   seed: Any = None) -> tuple[str | None, float, int]:
    """Validate ``interval``, ``level``, ``n_draws``, the bootstrap's ``executor`` and
    ``progress``, and ``seed`` (raises DataError naming the argument).

    Parameters
    ----------
    interval : {None, "delta", "simulate", "bootstrap"}
        Interval method.
    level : float
        Confidence level in (0, 1).
    n_draws : int
        Number of parameter draws for ``"simulate"``, resamples for ``"bootstrap"`` (>= 10).
    executor : object, optional
        Runs the bootstrap refits (see :func:`bootstrap_draws`).
    progress : bool or callable, default False
        Progress of the bootstrap refits.
    seed : int or numpy.random.Generator, optional
        Random seed.

    Returns
    -------
    tuple
        ``(interval, level, n_draws)``.

    Examples
    --------
    >>> check_interval("delta", 0.9)
    ('delta', 0.9, 200)
    >>> check_interval("x", 0.9)
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: interval must be one of [None, 'delta', 'simulate', 'bootstrap']; received 'x'.
    """
    check_choice(interval, "interval", (None, *INTERVALS))
    check_bootstrap_options(executor, progress)
    if seed is not None and not isinstance(seed, np.random.Generator):
        as_generator(seed)  # a bad seed is refused whatever the method
    return interval, check_level(level), check_whole_number(n_draws, "n_draws", minimum=10)


def check_bootstrap_options(executor: Any, progress: Any) -> None:
    """Raise a DataError unless ``executor`` is None or has a ``map`` method and ``progress``
    is a bool or a callable.

    Examples
    --------
    >>> check_bootstrap_options(None, True)
    >>> check_bootstrap_options("pool", False)
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: executor must be None or a concurrent.futures.Executor ...; received 'pool'.
    """
    if executor is not None and not callable(getattr(executor, "map", None)):
        raise DataError("executor must be None or a concurrent.futures.Executor (an object with a map "
                        "method, e.g. a ThreadPoolExecutor or a dask Client's get_executor()); "
                        f"received {executor!r}.")
    if not (isinstance(progress, (bool, np.bool_)) or callable(progress)):
        raise DataError(f"progress must be True, False or a callable; received {progress!r}.")


def free_covariance(params: np.ndarray, cov: np.ndarray, transforms: tuple[str, ...]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The estimates and their covariance on the free scale: ``θ̂ = g(params)`` and
    ``D^-1 Σ D^-1`` with ``D = diag(d params / d θ)`` (the delta method, as in
    :meth:`~custvalue.base.LikelihoodResults.conf_int`).

    Parameters
    ----------
    params : numpy.ndarray
        Natural-scale estimates, shape ``(k,)``.
    cov : numpy.ndarray
        Their covariance, shape ``(k, k)``.
    transforms : tuple of str
        One transform per parameter (:data:`custvalue.base.transforms.TRANSFORMS`).

    Returns
    -------
    theta, cov_free : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> theta, c = free_covariance(np.array([2.0]), np.array([[0.04]]), ("log",))
    >>> round(float(c[0, 0]), 4)
    0.01
    """
    params = np.asarray(params, dtype=float)
    cov = np.asarray(cov, dtype=float)
    if not np.all(np.isfinite(cov)):
        raise DataError("the parameter covariance has non-finite entries (a singular information "
                        "matrix?): no interval can be formed; refit or use interval=None.")
    theta = to_free(params, transforms)
    _, d = from_free(theta, transforms)
    return theta, cov / np.outer(d, d)


def _link(kind: str):
    if kind == "logit":
        return special.logit, special.expit, lambda v: v * (1.0 - v)
    if kind == "log":
        return np.log, np.exp, lambda v: v
    raise ValueError(f"unknown scale {kind!r}")  # pragma: no cover - internal


def _free_gradient(predict: Predict, estimate: np.ndarray, theta: np.ndarray, transforms: tuple[str, ...],
                   rows: slice) -> np.ndarray:
    """``d predict / d θ`` (customers x parameters) by forward differences on the free scale."""
    jac = np.empty((estimate.size, theta.size))
    for j in range(theta.size):  # one prediction call per parameter, vectorised over the customers
        step = _STEP * max(1.0, abs(theta[j]))
        moved = theta.copy()
        moved[j] += step
        jac[:, j] = (predict(from_free(moved, transforms)[0], rows) - estimate) / step
    return jac


def _delta(predict: Predict, estimate: np.ndarray, theta: np.ndarray, cov_free: np.ndarray,
           transforms: tuple[str, ...], z: float, scale: str, rows: slice,
           se_link: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exact = se_link is not None  # a kernel's own standard error: finite and >= 0
        if se_link is None:
            jac = _free_gradient(predict, estimate, theta, transforms, rows)
            se_natural = np.sqrt(np.maximum(((jac @ cov_free) * jac).sum(axis=1), 0.0))
            se_link = se_natural / _link(scale)[2](estimate)  # d f / d g(f): to the link scale
            # a prediction at its boundary (P(alive) = 1 for a BG/NBD customer with no repeat
            # purchase) that does not move with the parameters has a degenerate interval
            flat = ~(se_link > 0) | ~np.isfinite(se_link)
            se_link = np.where(flat, 0.0, se_link)
        # g^-1(g(f) -+ z se) without evaluating the link (a few array passes): f e^-+zse for
        # the log, f / (f + (1 - f) e^+-zse) for the logit; se = 0 gives f itself
        ez = np.multiply(se_link, z)
        np.exp(ez, out=ez)
        if scale == "log":
            lower, upper = estimate / ez, np.multiply(estimate, ez, out=ez)
        else:
            q = 1.0 - estimate
            lower = np.multiply(q, ez)
            lower += estimate
            np.divide(estimate, lower, out=lower)
            upper = np.divide(q, ez, out=ez)
            upper += estimate
            np.divide(estimate, upper, out=upper)
        if not exact:
            lower = np.where(flat | np.isnan(lower), estimate, lower)
            upper = np.where(flat | np.isnan(upper), estimate, upper)
    return lower, upper


def parameter_draws(params: np.ndarray, cov: np.ndarray, transforms: tuple[str, ...], *, n_draws: int,
                    seed: Any = None) -> np.ndarray:
    """Natural-scale parameter draws from the estimates' asymptotic normal on the free scale.

    Parameters
    ----------
    params, cov : numpy.ndarray
        Estimates and their covariance (natural scale).
    transforms : tuple of str
        The free scale of each parameter.
    n_draws : int
        Number of draws.
    seed : int or numpy.random.Generator, optional
        Random seed.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_draws, k)``, every row inside the parameters' ranges.

    Examples
    --------
    >>> import numpy as np
    >>> d = parameter_draws(np.array([2.0]), np.array([[0.04]]), ("log",), n_draws=1000, seed=1)
    >>> bool((d > 0).all()), round(float(np.log(d).std()), 2)
    (True, 0.1)
    """
    theta, cov_free = free_covariance(params, cov, transforms)
    draws = as_generator(seed).multivariate_normal(theta, cov_free, size=n_draws, method="eigh")
    return np.stack([from_free(t, transforms)[0] for t in draws])


def _prediction_blocks(predict: Predict, n: int, natural: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """``(rows, block)`` with ``block[d, i]`` the prediction at draw ``d`` for customer ``rows[i]``,
    customers in chunks so that a block stays under ``_BLOCK_BYTES``."""
    n_draws = natural.shape[0]
    chunk = max(1, min(n, _BLOCK_BYTES // (8 * n_draws)))
    block = np.empty((n_draws, chunk))
    for start in range(0, n, chunk):
        rows = slice(start, min(n, start + chunk))
        m = rows.stop - rows.start
        for d, p in enumerate(natural):
            block[d, :m] = predict(p, rows)
        bad = np.isnan(block[:, :m]).any(axis=1)
        if bad.any():
            raise DataError(f"{int(bad.sum())} of {n_draws} parameter draws gave predictions the "
                            "kernel cannot evaluate; the parameter uncertainty reaches a regime "
                            "outside the model's range: use interval='delta'.")
        yield rows, block[:, :m]


def _column_quantiles(block: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``numpy.quantile(block, q, axis=0)`` (linear interpolation) by one sort of the
    transposed block, whose rows are contiguous: about twice as fast for draws x customers."""
    rows = np.ascontiguousarray(block.T)
    rows.sort(axis=1)
    pos = np.asarray(q, dtype=float) * (rows.shape[1] - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, rows.shape[1] - 1)
    w = pos - lo
    a, b = rows[:, lo], rows[:, hi]
    return (a + (b - a) * w).T


def _simulate(predict: Predict, n: int, natural: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    lower, upper = np.empty(n), np.empty(n)
    for rows, block in _prediction_blocks(predict, n, natural):
        lo_hi = _column_quantiles(block, q)
        lower[rows], upper[rows] = lo_hi[0], lo_hi[1]
    return lower, upper


def prediction_interval(predict: Predict, n: int, params: np.ndarray, cov: np.ndarray,
                        transforms: tuple[str, ...], *, interval: str, level: float, scale: str,
                        n_draws: int = 200, seed: Any = None, draws: np.ndarray | None = None,
                        link_se: Callable[[np.ndarray, np.ndarray, slice], np.ndarray] | None = None,
                        draw_quantiles: Callable[[np.ndarray, list[float], slice], np.ndarray] | None = None,
                        estimate_se: Callable[[np.ndarray, np.ndarray, slice], tuple[np.ndarray, np.ndarray]]
                        | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate and interval of a customer-level prediction from the parameter covariance.

    Parameters
    ----------
    predict : callable
        ``predict(params, rows)``: the prediction at natural-scale ``params`` (a sequence of
        floats) for the customers ``rows`` (a slice), as a float array.
    n : int
        Number of customers.
    params, cov : numpy.ndarray
        Estimates and their covariance (natural scale).
    transforms : tuple of str
        The free scale of each parameter.
    interval : {"delta", "simulate", "bootstrap"}
        Method (see the module docstring).
    level : float
        Confidence level.
    scale : {"logit", "log"}
        Link scale of the prediction for ``"delta"``: logit for probabilities, log for
        positive quantities.
    n_draws : int, default 200
        Parameter draws for ``"simulate"``.
    seed : int or numpy.random.Generator, optional
        Random seed for ``"simulate"``.
    draws : numpy.ndarray, optional
        Natural-scale parameter vectors to rescore at, one per row: required for
        ``"bootstrap"`` (the refits of :func:`bootstrap_draws`).
    link_se : callable, optional
        ``link_se(params, cov, rows)``: the delta-method standard error of the prediction on
        its link scale from the natural-scale covariance (analytic, where a kernel has one),
        used by ``"delta"`` instead of one forward-difference prediction per parameter.
    draw_quantiles : callable, optional
        ``draw_quantiles(natural_draws, q, rows)``: the quantiles ``q`` over the draws of each
        customer's prediction, shape ``(len(q), n)``, as ``numpy.quantile`` gives them (a
        fused compiled kernel, where one exists: no draws x customers block), used by
        ``"simulate"`` and ``"bootstrap"``; a result with nan (a draw the kernel cannot
        evaluate) falls back to the blocks, which name the problem.
    estimate_se : callable, optional
        ``estimate_se(params, cov, rows)``: the prediction and its ``link_se`` from one compiled
        pass (the estimate then costs nothing more), used by ``"delta"`` before ``link_se``.

    Returns
    -------
    estimate, lower, upper : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda p, rows: np.full(3, p[0])[rows]  # se 0.1 at 2: 2 exp(-1.96 x 0.05) below
    >>> est, lo, hi = prediction_interval(f, 3, np.array([2.0]), np.array([[0.01]]), ("log",),
    ...                                   interval="delta", level=0.95, scale="log")
    >>> lo.round(3).tolist()
    [1.813, 1.813, 1.813]
    """
    params = np.asarray(params, dtype=float)
    everyone = slice(0, n)
    if interval == "delta" and estimate_se is not None:
        theta, cov_free = free_covariance(params, cov, transforms)  # the covariance's checks
        estimate, se = (np.asarray(v, dtype=float).reshape(-1)
                        for v in estimate_se(params, np.asarray(cov, dtype=float), everyone))
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        lower, upper = _delta(predict, estimate, theta, cov_free, transforms, z, scale, everyone, se)
        return estimate, lower, upper
    estimate = np.asarray(predict(params, everyone), dtype=float).reshape(-1)
    if interval == "delta":
        theta, cov_free = free_covariance(params, cov, transforms)
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        se = None if link_se is None else np.asarray(link_se(params, np.asarray(cov, dtype=float), everyone))
        lower, upper = _delta(predict, estimate, theta, cov_free, transforms, z, scale, everyone, se)
    else:
        if interval == "simulate":
            natural = parameter_draws(params, cov, transforms, n_draws=n_draws, seed=seed)
        elif draws is None:  # pragma: no cover - internal
            raise ValueError("interval='bootstrap' needs the refitted parameters (draws=).")
        else:
            natural = np.asarray(draws, dtype=float)
        lo_hi = None
        if draw_quantiles is not None:
            lo_hi = np.asarray(draw_quantiles(natural, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], everyone))
            if np.isnan(lo_hi).any():
                lo_hi = None  # the blocks evaluate again and raise the DataError naming the draws
        lower, upper = _simulate(predict, n, natural, level) if lo_hi is None else (lo_hi[0], lo_hi[1])
    return estimate, lower, upper


def interval_frame(estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   index: pd.Index | None, *, interval: str, level: float) -> pd.DataFrame:
    """The customer-indexed frame ``estimate, lower, upper`` (``attrs`` record the method).

    Parameters
    ----------
    estimate, lower, upper : numpy.ndarray
        One value per customer.
    index : pandas.Index or None
        The customers' index (None: ``customer_id`` 0..n-1).
    interval : str
        The method, recorded in ``attrs["interval"]``.
    level : float
        The level, recorded in ``attrs["level"]``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import numpy as np
    >>> interval_frame(np.ones(1), np.zeros(1), np.full(1, 2.0), None, interval="delta",
    ...                level=0.95).columns.tolist()
    ['estimate', 'lower', 'upper']
    """
    out = pd.DataFrame({"estimate": estimate, "lower": lower, "upper": upper}, index=index)
    if index is None:
        out.index.name = "customer_id"
    out.attrs.update(interval=interval, level=level)
    return out


# -- the bootstrap: resample customers, refit --------------------------------------------------
def _progress(progress: bool | Callable[[int], Any], total: int, desc: str
              ) -> tuple[Callable[[int], Any], Callable[[], Any]]:
    """``(update(n_done), close())``: a callable as given, tqdm if installed, else a stderr line."""
    if callable(progress) and not isinstance(progress, bool):
        return progress, (lambda: None)
    if not progress:
        return (lambda k: None), (lambda: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        seen = [0]

        def update(k: int) -> None:
            seen[0] += k
            sys.stderr.write(f"\r{desc}: {seen[0]} of {total}")

        return update, (lambda: sys.stderr.write("\n"))
    bar = tqdm(total=total, unit="refit", desc=desc)
    return bar.update, bar.close


def _resampled_refit(specs: tuple[tuple[Any, dict[str, np.ndarray], np.ndarray, np.ndarray], ...]
                     | tuple[tuple[Any, dict[str, np.ndarray], np.ndarray, np.ndarray, dict[str, Any]], ...],
                     rng: np.random.Generator) -> np.ndarray | None:
    """One bootstrap replicate: for each ``(model class, data, weights, estimates[, settings])``,
    resample the customers by multinomial counts on the compressed rows, refit from the
    estimates and return the concatenated parameters (None when a refit fails or does not
    converge). ``settings`` are the model's constructor keywords (its covariates and penalty);
    with them the resample is passed as one frame, covariate columns included. Module level so
    that process pools and Dask can pickle it."""
    out = []
    for model_cls, data, weights, start, *rest in specs:
        settings = rest[0] if rest else {}
        total = int(round(float(weights.sum())))
        counts = rng.multinomial(total, weights / weights.sum()).astype(float)
        keep = counts > 0
        try:
            if settings:
                model = model_cls(pd.DataFrame({c: v[keep] for c, v in data.items()}), weights=counts[keep],
                                  **settings)
            else:
                model = model_cls(weights=counts[keep], **{c: v[keep] for c, v in data.items()})
            res = model.fit(start_params=start)
        except (DataError, ValueError, FloatingPointError, np.linalg.LinAlgError):
            return None
        p = res.params.to_numpy()
        if not (res.converged and np.all(np.isfinite(p))):
            return None
        out.append(p)
    return np.concatenate(out)


def bootstrap_draws(fitted: Sequence[Any], *, n_draws: int, seed: Any = None, executor: Any = None,
                    progress: bool | Callable[[int], Any] = False) -> tuple[np.ndarray, int]:
    """Parameters refitted on ``n_draws`` resamples of the customers (nonparametric bootstrap).

    Each fitted model's customers are resampled with replacement: the compressed rows (unique
    rows with ``weights``) get multinomial counts ``Multinomial(nobs, weights / nobs)``,
    exactly the row counts of a resample of the ``nobs`` customers. The model is refitted on
    the resample, starting from the estimates. Several fitted models (a purchase and a spend
    model) are resampled independently, like the block-diagonal covariance of the delta
    method. Resample ``d`` draws from the ``d``-th child of ``seed``'s generator, so the result
    does not depend on the executor or the order in which it runs the refits.

    Parameters
    ----------
    fitted : sequence of results
        Fitted customer-model results (``results.model`` holds the data and weights).
    n_draws : int
        Number of resamples.
    seed : int or numpy.random.Generator, optional
        Random seed.
    executor : concurrent.futures.Executor, optional
        Runs the refits through ``executor.map`` (a thread or process pool; on Dask,
        ``client.get_executor()`` of a ``dask.distributed.Client``); default: one after the
        other in this process.
    progress : bool or callable, default False
        ``True`` shows a progress bar (tqdm if installed, else a line on stderr); a callable
        is called with the number of refits done since its last call.

    Returns
    -------
    draws : numpy.ndarray
        Shape ``(n_draws - n_failed, k)``: the refitted parameters, in resample order.
    n_failed : int
        Resamples whose refit failed or did not converge (dropped).

    Raises
    ------
    DataError
        If more than half of the refits fail.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> draws, n_failed = bootstrap_draws([res], n_draws=20, seed=1)
    >>> draws.shape, n_failed
    ((20, 4), 0)
    """
    check_bootstrap_options(executor, progress)
    rngs = as_generator(seed).spawn(n_draws)
    specs = tuple((type(f.model), {c: np.asarray(v) for c, v in f.model.data.items()},
                   np.asarray(f.model.weights, dtype=float), f.params.to_numpy(), getattr(f.model, "_settings", dict)())
                  for f in fitted)
    update, close = _progress(progress, n_draws, "bootstrap")
    results = []
    with warnings.catch_warnings():  # in the calling thread: a failed refit is counted, not shown
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HeterogeneityWarning)
        mapped = (map(_resampled_refit, [specs] * n_draws, rngs) if executor is None
                  else executor.map(_resampled_refit, [specs] * n_draws, rngs))
        try:
            for p in mapped:
                results.append(p)
                update(1)
        finally:
            close()
    ok = [p for p in results if p is not None]
    n_failed = n_draws - len(ok)
    if n_failed > n_draws / 2:
        raise DataError(f"{n_failed} of {n_draws} bootstrap refits failed or did not converge: the "
                        "model is poorly identified on resamples of these customers; use "
                        "interval='delta' or 'simulate'.")
    return np.stack(ok), n_failed


# -- totals over customers: parameter and process uncertainty ---------------------------------
def count_moments(pmf: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int, *, max_count: int | None = None,
                  tol: float = 1e-10, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each customer's count from its probability mass function.

    Each customer's grid of counts ``0..m-1`` widens (x4, from 16) until its probabilities
    sum to at least ``1 - tol``: only the customers not yet covered are evaluated again.
    ``max_count`` caps the grid for bounded counts (discrete opportunities).

    Parameters
    ----------
    pmf : callable
        ``pmf(counts, rows)``: probabilities, shape ``(len(rows), m)``, for a row vector of
        counts ``(1, m)`` and an integer array of customer positions.
    n : int
        Number of customers.
    max_count : int, optional
        Largest possible count.
    tol : float, default 1e-10
        Largest probability left beyond the grid.
    chunk : int, default 20000
        Customers per evaluation.

    Returns
    -------
    mean, variance : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> pmf = lambda k, rows: stats.poisson.pmf(k, np.array([[2.0], [30.0]])[rows])
    >>> m, v = count_moments(pmf, 2)
    >>> m.round(6).tolist(), v.round(6).tolist()
    ([2.0, 30.0], [2.0, 30.0])
    """
    mean, var = np.empty(n), np.empty(n)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        top = 16
        while rows.size:
            if max_count is not None:
                top = min(top, int(max_count) + 1)
            k = np.arange(top, dtype=float)
            p = pmf(k[None, :], rows)
            done = p.sum(axis=1) >= 1.0 - tol
            if max_count is not None and top == int(max_count) + 1:
                done[:] = True
            m = p[done] @ k
            mean[rows[done]] = m
            var[rows[done]] = np.maximum(p[done] @ (k * k) - m * m, 0.0)
            rows = rows[~done]
            if rows.size and top > 2 ** 22:
                raise DataError("the count distribution has more than 4 million values with "
                                "probability above the tolerance; shorten the horizon.")
            top *= 4
    return mean, var


def total_interval(predict: Predict, n: int, params: np.ndarray, cov: np.ndarray, transforms: tuple[str, ...],
                   *, interval: str | None, level: float, process_variance: float = 0.0, n_draws: int = 200,
                   seed: Any = None, draws: np.ndarray | None = None) -> dict[str, float]:
    """Interval of a *realised* total over customers: parameter plus process uncertainty.

    The total ``S = Σ_i Y_i`` of independent (given the parameters) customer quantities with
    expectations ``f_i(θ)`` and variances ``v_i`` differs from ``Σ_i f_i(θ̂)`` by the process
    error ``Σ_i (Y_i - f_i(θ))`` (variance ``V = Σ_i v_i``) plus the estimation error
    ``Σ_i (f_i(θ) - f_i(θ̂))``, uncorrelated with it (the first has mean zero given the
    histories the second is a function of). ``"delta"``: ``S ~ N(Σ f_i(θ̂), J Σ_θ J' + V)``
    with ``J`` the free-scale gradient of the summed prediction; ``"simulate"`` and
    ``"bootstrap"``: the mixture of ``N(Σ_i f_i(θ_d), V)`` over the parameter draws; ``None``:
    the parameters taken as known, ``N(Σ f_i(θ̂), V)``. Lower bounds are clipped at 0.

    Parameters
    ----------
    predict : callable
        ``predict(params, rows)`` as in :func:`prediction_interval`.
    n : int
        Number of customers.
    params, cov : numpy.ndarray
        Estimates and their covariance (natural scale).
    transforms : tuple of str
        The free scale of each parameter.
    interval : {None, "delta", "simulate", "bootstrap"}
        How the parameter uncertainty enters.
    level : float
        Probability content of the interval.
    process_variance : float, default 0
        ``V``, the summed variances of the customers' quantities given the parameters.
    n_draws : int, default 200
        Parameter draws for ``"simulate"``.
    seed : int or numpy.random.Generator, optional
        Random seed for ``"simulate"``.
    draws : numpy.ndarray, optional
        Refitted parameters for ``"bootstrap"``.

    Returns
    -------
    dict
        ``estimate``, ``lower``, ``upper``, ``se_parameters`` (of the summed expectation)
        and ``se_process`` (``sqrt(V)``).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda p, rows: np.full(100, p[0])[rows]  # 100 customers, each expecting p
    >>> out = total_interval(f, 100, np.array([2.0]), np.array([[0.0001]]), ("log",),
    ...                      interval="delta", level=0.95, process_variance=200.0)
    >>> round(out["estimate"], 6), round(out["se_parameters"], 6), round(out["se_process"], 3)
    (200.0, 1.0, 14.142)
    """
    params = np.asarray(params, dtype=float)
    everyone = slice(0, n)
    point = np.asarray(predict(params, everyone), dtype=float).reshape(-1)
    estimate = float(point.sum())
    sd_process = float(np.sqrt(max(process_variance, 0.0)))
    lo_q, hi_q = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    if interval in (None, "delta"):
        se_param = 0.0
        if interval == "delta":
            theta, cov_free = free_covariance(params, cov, transforms)
            grad = _free_gradient(predict, point, theta, transforms, everyone).sum(axis=0)
            se_param = float(np.sqrt(max(grad @ cov_free @ grad, 0.0)))
        sd = np.hypot(se_param, sd_process)
        z = float(stats.norm.ppf(hi_q))
        lower, upper = estimate - z * sd, estimate + z * sd
    else:
        natural = (parameter_draws(params, cov, transforms, n_draws=n_draws, seed=seed)
                   if interval == "simulate" else np.asarray(draws, dtype=float))
        totals = np.zeros(natural.shape[0])
        for _, block in _prediction_blocks(predict, n, natural):
            totals += block.sum(axis=1)
        se_param = float(totals.std(ddof=1))
        if sd_process == 0.0:
            lower, upper = (float(v) for v in np.quantile(totals, [lo_q, hi_q]))
        else:
            def mixture_cdf(y: float) -> float:
                return float(stats.norm.cdf((y - totals) / sd_process).mean())
            span = 10.0 * (sd_process + se_param)
            a, b = float(totals.min()) - span, float(totals.max()) + span
            lower = optimize.brentq(lambda y: mixture_cdf(y) - lo_q, a, b, xtol=1e-9 * (1 + abs(estimate)))
            upper = optimize.brentq(lambda y: mixture_cdf(y) - hi_q, a, b, xtol=1e-9 * (1 + abs(estimate)))
    return {"estimate": estimate, "lower": max(float(lower), 0.0), "upper": float(upper),
            "se_parameters": se_param, "se_process": sd_process}


def interval_of(fitted: Sequence[Any], predict: Predict, n: int, index: pd.Index | None, *, interval: str,
                level: float, scale: str, n_draws: int = 200, seed: Any = None, executor: Any = None,
                progress: Any = False) -> pd.DataFrame:
    """The ``estimate, lower, upper`` frame of a prediction of one or more fitted models.

    The fitted models' parameters are stacked (block-diagonal covariance: independent fits;
    independent resamples for ``"bootstrap"``) and :func:`prediction_interval` is applied;
    ``attrs`` record ``interval``, ``level`` and, for the bootstrap, ``n_failed``.

    Parameters
    ----------
    fitted : sequence of results
        Fitted results with ``params``, ``cov_params`` and ``model``.
    predict : callable
        ``predict(params, rows)`` with ``params`` the stacked natural-scale parameters.
    n : int
        Number of items predicted (customers, horizons, periods...).
    index : pandas.Index or None
        Index of the frame.
    interval, level, scale, n_draws, seed, executor, progress
        As in :func:`prediction_interval` and :func:`bootstrap_draws`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import ShiftedBetaGeometric
    >>> from custvalue.math import sbg
    >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> f = interval_of([res], lambda p, rows: sbg.survival(*p, np.array([1.0, 5.0])[rows]), 2,
    ...                 pd.Index([1, 5], name="t"), interval="delta", level=0.95, scale="logit")
    >>> f.round(3).values.tolist()
    [[0.627, 0.597, 0.655], [0.292, 0.267, 0.319]]
    """
    draws, n_failed = (bootstrap_draws(fitted, n_draws=n_draws, seed=seed, executor=executor, progress=progress)
                       if interval == "bootstrap" else (None, 0))
    params = np.concatenate([f.params.to_numpy() for f in fitted])
    cov = linalg.block_diag(*(f.cov_params.to_numpy() for f in fitted))  # independent fits
    transforms = tuple(t for f in fitted for t in f.model._transforms)
    est, lower, upper = prediction_interval(predict, n, params, cov, transforms, interval=interval, level=level,
                                            scale=scale, n_draws=n_draws, seed=seed, draws=draws)
    out = interval_frame(est, lower, upper, index, interval=interval, level=level)
    if interval == "bootstrap":
        out.attrs["n_failed"] = n_failed
    return out
