"""The likelihood-model base: every fitted model in custvalue declares its parameters and
per-row log-likelihood (and score); this module does the rest once.

Optimisation runs on transformed parameters (log for positive, logit for (0, 1), atanh for
correlations; :mod:`custvalue.base.transforms`) with the analytic gradient mapped through the
chain rule: trust-region Newton steps (``trust-exact``) for models with an exact Hessian
(``analytic_hessian``), BFGS otherwise. Standard errors come from the observed information at
the optimum in the natural parameters; confidence intervals are delta-method intervals on the
same transformed scale, mapped back (:meth:`LikelihoodResults.conf_int`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
from scipy import optimize

from .._validation import as_float_array, check_positive_scalar, check_whole_number
from ..exceptions import (ConvergenceWarning, DataError, HeterogeneityWarning, IdentificationWarning,
                          ModelSpecificationError)
from .results import LikelihoodResults
from .transforms import check_in_domain, check_transforms, from_free, second_derivative, to_free

__all__ = ["LikelihoodModel", "Transform", "numerical_jacobian"]

Transform = str  # "log" | "logit" | "atanh" | "identity" (see custvalue.base.transforms)

#: The results type a model's ``fit`` returns (``LikelihoodModel[ResultsT]``).
ResultsT = TypeVar("ResultsT", bound=LikelihoodResults)


def numerical_jacobian(fun, x: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of a vector function (used for Hessians of analytic scores).

    Parameters
    ----------
    fun : callable
        Maps a float array of shape ``(k,)`` to an array of ``m`` values.
    x : array-like
        The point, shape ``(k,)``.
    rel_step : float, default 1e-6
        Step for coordinate ``j`` is ``rel_step * max(|x_j|, 1)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(m, k)``: ``d fun_i / d x_j``.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.base import numerical_jacobian
    >>> jac = numerical_jacobian(lambda x: np.array([x[0] ** 2, x[0] * x[1]]), np.array([1.0, 2.0]))
    >>> jac.round(6).tolist()
    [[2.0, 0.0], [2.0, 1.0]]
    """
    if not callable(fun):
        raise DataError(f"fun must be a callable of the parameter vector; received {fun!r}.")
    x = as_float_array(x, "x")
    rel_step = check_positive_scalar(rel_step, "rel_step")
    f0 = np.asarray(fun(x))
    jac = np.empty((f0.size, x.size))
    for j in range(x.size):  # loop over parameters, not customers
        h = rel_step * max(abs(x[j]), 1.0)
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        jac[:, j] = (np.asarray(fun(xp)) - np.asarray(fun(xm))).ravel() / (2 * h)
    return jac


class LikelihoodModel(Generic[ResultsT]):
    """Base class for models fitted by (weighted) maximum likelihood.

    Generic in its results type: ``class Model(LikelihoodModel[ModelResults])`` with
    ``results_class = ModelResults`` makes ``Model().fit()`` typed as ``ModelResults``
    without overriding ``fit``.

    Subclasses declare ``param_names``, ``param_transforms`` (``"log"``, ``"logit"``,
    ``"atanh"`` or ``"identity"`` per parameter, default ``"log"``: the scale of both the
    optimiser and the confidence intervals) and ``results_class``, store validated data in
    ``__init__`` together with ``self.weights`` (one weight per unique row), and implement

    * ``loglike_obs(params)`` -> per-row log-likelihood, shape ``(n_unique,)``;
    * ``score_obs(params)`` -> per-row gradient in the natural parameters,
      shape ``(n_unique, k)``;
    * ``start_params()`` -> a cheap starting point.

    Examples
    --------
    A one-parameter exponential model of waiting times; the MLE is ``1 / mean``:

    >>> import numpy as np
    >>> from custvalue.base import LikelihoodModel
    >>> class Exponential(LikelihoodModel):
    ...     param_names = ("rate",)
    ...     def __init__(self, t):
    ...         self.t = np.asarray(t, dtype=float)
    ...         self.weights = np.ones_like(self.t)
    ...     def loglike_obs(self, params):
    ...         return np.log(params[0]) - params[0] * self.t
    ...     def score_obs(self, params):
    ...         return (1 / params[0] - self.t)[:, None]
    >>> res = Exponential([0.5, 1.0, 1.5, 2.0]).fit()
    >>> round(float(res.params["rate"]), 4)
    0.8
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    param_transforms: ClassVar[Mapping[str, Transform]] = {}
    #: Mixing distributions as ``(shape, scale-or-second-shape, kind, what)``: ``kind`` is
    #: "gamma" (mean shape/scale) or "beta" (mean a/(a+b)); checked after a fit (see
    #: :meth:`_warn_if_homogeneous`).
    mixing: ClassVar[tuple[tuple[str, str, str, str], ...]] = ()
    results_class: type[ResultsT] = LikelihoodResults  # type: ignore[assignment]
    #: True when the subclass implements :meth:`loglike_score_hessian` exactly; ``fit`` then
    #: uses a trust-region Newton method and the covariance uses the analytic Hessian.
    analytic_hessian: ClassVar[bool] = False
    #: True to check the rank of the information matrix at the optimum (see
    #: :mod:`custvalue.base.identification`): unidentified parameter combinations raise an
    #: :class:`~custvalue.exceptions.IdentificationWarning` that names them, and the standard
    #: errors of the parameters involved are NaN instead of arbitrary large numbers.
    check_identification: ClassVar[bool] = False

    weights: np.ndarray

    # ---- to be provided by subclasses -------------------------------------------------
    def loglike_obs(self, params: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Log-likelihood of each unique data row (unweighted); subclasses implement it.

        Parameters
        ----------
        params : numpy.ndarray
            Natural parameters, in the order of ``param_names``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_unique,)``; :meth:`loglike` weights it by ``self.weights``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> model = BetaGeo(frequency=[2], recency=[30.43], T=[38.86])
        >>> model.loglike_obs(np.array([0.243, 4.414, 0.793, 2.426])).round(3).tolist()
        [-9.459]
        """
        raise NotImplementedError

    def score_obs(self, params: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Analytic gradient of each row's log-likelihood in the natural parameters.

        Subclasses implement it; :meth:`fit` maps it through the parameter transforms.

        Parameters
        ----------
        params : numpy.ndarray
            Natural parameters, in the order of ``param_names``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_unique, k)`` with ``k = len(param_names)``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> model = BetaGeo(frequency=[2], recency=[30.43], T=[38.86])
        >>> model.score_obs(np.array([0.243, 4.414, 0.793, 2.426])).shape
        (1, 4)
        """
        raise NotImplementedError

    def start_params(self) -> np.ndarray:
        """Starting values for :meth:`fit` in the natural parameters.

        The base class returns ones; models override it with a cheap data-based guess.

        Returns
        -------
        numpy.ndarray
            Shape ``(k,)``, in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> BetaGeo(frequency=[2], recency=[30.43], T=[38.86]).start_params().round(3).tolist()
        [0.5, 9.715, 1.0, 2.0]
        """
        return np.ones(len(self.param_names))

    # ---- generic machinery ------------------------------------------------------------
    @property
    def nobs(self) -> float:
        """Number of customers (sum of the row weights)."""
        return float(self.weights.sum())

    @property
    def n_unique(self) -> int:
        """Number of distinct data rows after compression."""
        return int(self.weights.shape[0])

    @property
    def _transforms(self) -> tuple[str, ...]:
        return check_transforms(tuple(self.param_transforms.get(n, "log") for n in self.param_names),
                                tuple(self.param_names))

    def _as_params(self, params: Any, name: str = "params") -> np.ndarray:
        if isinstance(params, Mapping):
            missing = set(self.param_names) - set(params)
            if missing:
                raise ModelSpecificationError(
                    f"{name} is missing {sorted(missing)}; expected {list(self.param_names)}.")
            params = [params[n] for n in self.param_names]
        arr = as_float_array(params, name, allow_empty=True).reshape(-1)
        if arr.size != len(self.param_names):
            raise ModelSpecificationError(
                f"{name} must hold {len(self.param_names)} parameters {list(self.param_names)}; "
                f"received {arr.size}.")
        return arr

    def loglike(self, params: Any) -> float:
        """Weighted log-likelihood of the data at ``params``.

        Parameters
        ----------
        params : array-like or mapping
            Natural parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        float
            ``sum_i weights_i * loglike_obs(params)_i``.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> model = BetaGeo(frequency=[2], recency=[30.43], T=[38.86])
        >>> round(model.loglike({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}), 3)
        -9.459
        """
        return float(self.weights @ self.loglike_obs(self._as_params(params)))

    def score(self, params: Any) -> np.ndarray:
        """Gradient of :meth:`loglike` in the natural parameters.

        Parameters
        ----------
        params : array-like or mapping
            Natural parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray
            Shape ``(k,)``: the weighted sum of :meth:`score_obs`.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> model = BetaGeo(frequency=[2], recency=[30.43], T=[38.86])
        >>> model.score([0.243, 4.414, 0.793, 2.426]).shape
        (4,)
        """
        return self.weights @ self.score_obs(self._as_params(params))

    def hessian(self, params: Any) -> np.ndarray:
        """Hessian of :meth:`loglike` (central differences of the analytic score).

        Parameters
        ----------
        params : array-like or mapping
            Natural parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray
            Symmetric, shape ``(k, k)``.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> model = BetaGeo(frequency=[2], recency=[30.43], T=[38.86])
        >>> model.hessian([0.243, 4.414, 0.793, 2.426]).shape
        (4, 4)
        """
        p = self._as_params(params)
        if self._uses_newton():
            return self.loglike_score_hessian(p)[2]
        h = numerical_jacobian(lambda q: self.loglike_and_score(q)[1], p)
        return 0.5 * (h + h.T)

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Weighted log-likelihood, gradient and Hessian in the natural parameters, together.

        Models with an exact Hessian from the same pass over the data override this and set
        ``analytic_hessian = True``; the default combines :meth:`loglike_and_score` with
        central differences of the score.

        Parameters
        ----------
        params : numpy.ndarray
            Natural parameters, in the order of ``param_names``.

        Returns
        -------
        tuple of (float, numpy.ndarray, numpy.ndarray)
            Log-likelihood, gradient ``(k,)`` and Hessian ``(k, k)``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> from custvalue.datasets import load_cdnow_summary
        >>> ll, g, h = BetaGeo(load_cdnow_summary()).loglike_score_hessian(
        ...     np.array([0.243, 4.414, 0.793, 2.426]))
        >>> round(ll, 1), g.shape, h.shape
        (-9582.4, (4,), (4, 4))
        """
        ll, g = self.loglike_and_score(params)
        h = numerical_jacobian(lambda q: self.loglike_and_score(q)[1], params)
        return ll, g, 0.5 * (h + h.T)

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted log-likelihood and its gradient together (what the optimiser needs).

        The default sums :meth:`loglike_obs` and :meth:`score_obs`; models whose kernels
        share work between the two (or reduce without per-row arrays) override it.

        Parameters
        ----------
        params : numpy.ndarray
            Natural parameters, in the order of ``param_names``.

        Returns
        -------
        tuple of (float, numpy.ndarray)
            ``sum(w * loglike_obs)`` and ``sum(w * score_obs, axis=0)``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> from custvalue.datasets import load_cdnow_summary
        >>> model = BetaGeo(load_cdnow_summary())
        >>> ll, grad = model.loglike_and_score(np.array([0.243, 4.414, 0.793, 2.426]))
        >>> round(ll, 1), grad.shape
        (-9582.4, (4,))
        """
        return float(self.weights @ self.loglike_obs(params)), self.weights @ self.score_obs(params)

    def initial_point(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Where the optimiser starts, in the transformed parameters, and optionally an
        initial inverse Hessian of the mean negative log-likelihood there (BFGS ``hess_inv0``).

        The default is :meth:`start_params` with no curvature; models for large data
        override it (e.g. with a quick fit on a subsample, whose inverse Hessian of the
        *mean* log-likelihood carries over to the full data).

        Returns
        -------
        tuple
            ``(theta0, hess_inv0 or None)``.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> from custvalue.datasets import load_cdnow_summary
        >>> theta0, h = BetaGeo(load_cdnow_summary()).initial_point()
        >>> theta0.shape, h is None
        ((4,), True)
        """
        return to_free(self.start_params(), self._transforms), None

    def _uses_newton(self) -> bool:
        """Whether :meth:`fit` takes Newton steps (an exact :meth:`loglike_score_hessian`);
        ``analytic_hessian`` unless a model decides per instance."""
        return self.analytic_hessian

    def _objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, dp = from_free(theta, self._transforms)
        with np.errstate(all="ignore"):
            ll, g = self.loglike_and_score(p)
        scale = self.nobs
        if not np.isfinite(ll) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(theta)
        return -ll / scale, -(g * dp) / scale

    def _newton_pieces(self, theta: np.ndarray, cache: dict) -> tuple[float, np.ndarray, np.ndarray]:
        """Objective, gradient and Hessian in theta from one analytic pass (cached by theta)."""
        key = theta.tobytes()
        if cache.get("key") != key:
            p, dp = from_free(theta, self._transforms)
            with np.errstate(all="ignore"):
                ll, g, h = self.loglike_score_hessian(p)
            scale = self.nobs
            if not (np.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
                f, gt, ht = np.inf, np.zeros_like(theta), np.eye(theta.size)
            else:
                f = -ll / scale
                gt = -(g * dp) / scale
                ht = -(dp[:, None] * h * dp[None, :] + np.diag(g * second_derivative(p, self._transforms))) / scale
                ht = 0.5 * (ht + ht.T)
            cache.update(key=key, params=p, ll=ll, hess=h, value=(f, gt, ht))
        return cache["value"]

    def _fit_newton(self, theta0: np.ndarray, maxiter: int, gtol: float):
        cache: dict = {}
        res = optimize.minimize(lambda t: self._newton_pieces(t, cache)[0], theta0, method="trust-exact",
                                jac=lambda t: self._newton_pieces(t, cache)[1],
                                hess=lambda t: self._newton_pieces(t, cache)[2],
                                options={"maxiter": maxiter, "gtol": gtol})
        f, grad, _ = self._newton_pieces(res.x, cache)
        converged = bool(res.success) or (np.isfinite(f) and bool(np.max(np.abs(grad)) < 1e-5))
        if converged and np.isfinite(f):
            res.x = self._polish(res.x, cache)
            self._newton_pieces(res.x, cache)  # the cache holds the returned point
        return res, converged, cache

    def _polish(self, theta: np.ndarray, cache: dict, steps: int = 1) -> np.ndarray:
        """Plain Newton steps (one by default) from a converged point: quadratic convergence
        takes a gradient at the tolerance to rounding level, so the estimate does not depend
        on the path or the row order. A step is kept only if it shrinks the gradient without
        raising the objective beyond its rounding."""
        for _ in range(steps):
            f, g, h = self._newton_pieces(theta, cache)
            try:
                step = -np.linalg.solve(h, g)
                np.linalg.cholesky(h)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1e-2 or np.max(np.abs(step)) == 0:
                break
            f_new, g_new, _ = self._newton_pieces(theta + step, cache)
            # near the optimum the objective changes below its rounding; the gradient does not
            if not (np.isfinite(f_new) and f_new <= f + 1e-12 * abs(f)
                    and np.linalg.norm(g_new) < np.linalg.norm(g)):
                break
            theta = theta + step
        return theta

    def _covariance(self, params: np.ndarray, cov_type: str, hess: np.ndarray | None = None) -> np.ndarray:
        k = len(params)
        with np.errstate(all="ignore"):
            if cov_type != "opg" and hess is not None:
                info = -hess
            elif cov_type == "opg":
                s = self.score_obs(params)
                info = (s * self.weights[:, None]).T @ s
                inv_h = None
            else:
                info = -self.hessian(params)
        if self.check_identification:
            return self._identified_covariance(params, cov_type, info)
        try:
            with np.errstate(all="ignore"):
                cov = np.linalg.inv(info)
        except (np.linalg.LinAlgError, ValueError):  # singular, or NaN/inf in the information
            cov = np.full((k, k), np.nan)
        if cov_type == "robust":
            s = self.score_obs(params)
            meat = (s * self.weights[:, None]).T @ s
            inv_h = cov
            cov = inv_h @ meat @ inv_h
        var = np.diag(cov)
        bad = ~(np.isfinite(var) & (var >= 0)) & ~np.isin(self.param_names, self._explained_nan_se(params))
        if bad.any():
            names = [n for n, b in zip(self.param_names, bad) if b]
            warnings.warn(
                f"{type(self).__name__}: the information matrix ({cov_type}) is singular or not "
                f"finite at the estimate, so the standard errors of {names} are NaN: the data do "
                "not identify them (too few rows, or extreme values), or the estimate lies at the "
                "edge of the parameter space.", IdentificationWarning, stacklevel=3)
        return cov

    def _identified_covariance(self, params: np.ndarray, cov_type: str, info: np.ndarray) -> np.ndarray:
        """Covariance with a rank check of ``info``: NaN for unidentified parameters, a warning
        naming the flat directions of the log-likelihood (Rothenberg 1971)."""
        from .identification import describe_direction, identified_inverse, unidentified_mask

        names = list(self.param_names)
        cov, dirs = identified_inverse(info, names, nan_unidentified=False)
        if dirs:
            which = "; ".join(describe_direction(d) for d in dirs)
            warnings.warn(
                f"{type(self).__name__}: the information matrix ({cov_type}) is singular at the "
                f"estimate: the log-likelihood is flat along {which}, so these parameters are not "
                "identified by the data; their estimates are arbitrary and their standard errors "
                "are NaN. " + self._identification_hint(dirs),
                IdentificationWarning, stacklevel=4)
        if cov_type == "robust":
            s = self.score_obs(params)
            cov = cov @ ((s * self.weights[:, None]).T @ s) @ cov
        bad = unidentified_mask(dirs, len(names))
        cov[bad, :] = np.nan
        cov[:, bad] = np.nan
        return cov

    def _explained_nan_se(self, params: np.ndarray) -> list[str]:
        """The mixing parameters that ran off together (both above 1,000): their NaN standard
        errors are explained by the HeterogeneityWarning of :meth:`_warn_if_homogeneous`."""
        p = dict(zip(self.param_names, np.asarray(params, dtype=float)))
        return [n for first, second, _, _ in self.mixing if min(p[first], p[second]) > 1e3
                for n in (first, second)]

    def _warn_if_homogeneous(self, res: Any) -> None:
        """Warn when a mixing distribution's two parameters ran off together: both above
        1,000 with standard errors not both below the estimates. The likelihood then rises
        towards the homogeneous limit (every customer with the same rate or probability), the
        estimates stop wherever the gradient tolerance is met, and only the mean is
        identified. In that limit the likelihood and the model's predictions depend on the
        two parameters only through the mean (checked against quadrature of the
        individual-level model, ``tests/clv/test_heterogeneity_warning.py``)."""
        for first, second, kind, what in self.mixing:
            v1, v2 = float(res.params[first]), float(res.params[second])
            s1, s2 = float(res.bse[first]), float(res.bse[second])
            if min(v1, v2) > 1e3 and not (s1 < v1 and s2 < v2):
                mean = v1 / v2 if kind == "gamma" else v1 / (v1 + v2)
                ratio = f"{first}/{second}" if kind == "gamma" else f"{first}/({first}+{second})"
                family = "gamma" if kind == "gamma" else "beta"
                warnings.warn(
                    f"{type(self).__name__}: {first} = {v1:.4g} and {second} = {v2:.4g} ran off "
                    f"together (standard errors {s1:.3g}, {s2:.3g}). The fitted {family} distribution "
                    f"of {what} is close to a point mass: the data identify only its mean "
                    f"{ratio} = {mean:.6g}, not {first} and {second} separately. The fitted model "
                    f"is the homogeneous limit (no variation in {what} across customers); in that "
                    f"limit the likelihood and the model's predictions depend on {first} and "
                    f"{second} only through {ratio}.", HeterogeneityWarning, stacklevel=3)

    def _extremes_hint(self) -> str:
        """What to check when the likelihood overflows (models override to name the data)."""
        return "check the data for extreme values, or pass start_params."

    def _identification_hint(self, directions: list) -> str:
        """Model-specific advice appended to the identification warning (none by default)."""
        return ""

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-7,
            cov_type: str = "hessian") -> ResultsT:
        """Maximise the log-likelihood.

        Models with an exact Hessian (``analytic_hessian = True``) take trust-region Newton
        steps and end with one plain Newton step (the optimum to rounding level); the others
        use BFGS on the analytic gradient, with a Hessian from differences of the score.

        Parameters
        ----------
        start_params : array-like or mapping, optional
            Starting values in the natural parameters; defaults to :meth:`start_params`.
        maxiter : int, default 2000
            Maximum optimiser iterations.
        gtol : float, default 1e-7
            Tolerance on the gradient of the mean negative log-likelihood.
        cov_type : {"hessian", "opg", "robust"}, default "hessian"
            Inverse observed information, outer product of the scores, or the sandwich.

        Returns
        -------
        ResultsT
            A frozen results object of the model's ``results_class``. If the optimiser did not
            converge, ``converged`` is False and a :class:`ConvergenceWarning` is issued.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> res = BetaGeo(load_cdnow_summary()).fit()
        >>> res.converged, res.params.round(3).tolist()
        (True, [0.243, 4.414, 0.793, 2.426])
        """
        if cov_type not in {"hessian", "opg", "robust"}:
            raise ModelSpecificationError(
                f"cov_type must be 'hessian', 'opg' or 'robust'; received {cov_type!r}.")
        maxiter = check_whole_number(maxiter, "maxiter", minimum=0)
        gtol = check_positive_scalar(gtol, "gtol")
        try:
            if start_params is None:
                theta0, hess_inv0 = self.initial_point()
            else:
                p0 = check_in_domain(self._as_params(start_params, "start_params"), self._transforms,
                                     tuple(self.param_names), "start_params")
                theta0, hess_inv0 = to_free(p0, self._transforms), None
            if self._uses_newton():
                res, converged, cache = self._fit_newton(theta0, maxiter, gtol)
                params, hess, llf = cache["params"], cache["hess"], float(cache["ll"])
            else:
                options = {"maxiter": maxiter, "gtol": gtol}
                if hess_inv0 is not None:
                    options["hess_inv0"] = hess_inv0
                res = optimize.minimize(self._objective, theta0, jac=True, method="BFGS", options=options)
                # BFGS reports "precision loss" when the objective is flat at machine precision;
                # accept that when the gradient is small on the scale of the data.
                _, grad = self._objective(res.x)
                converged = bool(res.success) or bool(np.max(np.abs(grad)) < 1e-5)
                params, _ = from_free(res.x, self._transforms)
                hess, llf = None, (self.loglike(params) if np.all(np.isfinite(params)) else np.nan)
        except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:
            raise DataError(f"{type(self).__name__}.fit: the log-likelihood overflowed ({exc}); "
                            + self._extremes_hint()) from None
        if not (np.isfinite(llf) and np.all(np.isfinite(params))):
            raise DataError(f"{type(self).__name__}.fit: the log-likelihood is not finite at the "
                            f"estimate (llf={llf!r}); " + self._extremes_hint())
        if not converged:
            warnings.warn(
                f"{type(self).__name__}.fit did not converge after {res.nit} iterations "
                f"({res.message}); check the data for extreme rows, try other start_params "
                f"or a larger maxiter.", ConvergenceWarning, stacklevel=2)
        cov = self._covariance(params, cov_type, hess)
        return self.results_class(self, params, cov, llf, converged=converged,
                                  message=str(res.message), n_iter=int(res.nit), cov_type=cov_type)
