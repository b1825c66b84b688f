"""Shared machinery of the customer-level count models: data binding, compression and
customer-indexed predictions.  Model classes only declare parameters and kernels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from types import ModuleType

from .._validation import (as_float_array, check_rft, check_weights, compress_rows, resolve_columns,
                           worth_compressing)
from scipy import optimize

from ..base import LikelihoodModel, LikelihoodResults
from ..base.model import ResultsT, numerical_jacobian
from ..base.transforms import from_free, to_free
from ..exceptions import DataError, ModelSpecificationError
from ._covariates import (_TRI, PROCESSES, CovariateKernel, CovariateSpec, assemble, chain_rule, column_sums,
                          design_columns)

__all__ = ["CustomerModel", "CustomerResults", "PurchaseCountModel"]


class CustomerModel(LikelihoodModel[ResultsT]):
    """A likelihood model on one row per customer, described by ``data_columns``.

    ``Model(data)`` binds data; ``Model().fit(data)`` binds a *new* instance and fits it,
    so ``fit`` never mutates the model.  Identical rows are compressed to unique rows with
    weights before fitting (unless a sample shows that rows hardly repeat, as with
    continuous-time data, where the sort would cost more than it saves).
    """

    data_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data: pd.DataFrame | None = None, *, weights: Any = None, **columns: Any):
        unknown = set(columns) - set(self.data_columns)
        if unknown:
            raise ModelSpecificationError(
                f"{type(self).__name__} takes the columns {list(self.data_columns)}; "
                f"received unknown keyword(s) {sorted(unknown)}.")
        self._bound = data is not None or any(v is not None for v in columns.values())
        if self._bound:
            arrays, index = self.validate(data, **columns)
            n_rows = len(next(iter(arrays.values())))
            arrays.update(self._extra_arrays(data, index, n_rows))
            w = check_weights(weights, n_rows, index)
            arrays, w = self._select_rows(arrays, w)
            names = self._all_columns()
            cols = [arrays[c] for c in names]
            # rows are identical only if every column (covariates included) is identical
            if worth_compressing(cols):
                cols, w, _ = compress_rows(cols, w)
            keep = w > 0
            self.data = {c: u[keep] if not keep.all() else u for c, u in zip(names, cols)}
            self.weights = w[keep] if not keep.all() else w
            self._after_binding()

    def _extra_arrays(self, data: Any, index: pd.Index | None, n_rows: int) -> dict[str, np.ndarray]:
        """Columns beyond ``data_columns`` that the instance reads (covariates; none here)."""
        return {}

    def _all_columns(self) -> tuple[str, ...]:
        """Every column the instance holds: ``data_columns`` and any declared extras."""
        return tuple(self.data_columns)

    def _after_binding(self) -> None:
        """Hook run once the compressed data are bound (none here)."""

    def _settings(self) -> dict[str, Any]:
        """The constructor keywords (beyond data) that a refit with new data keeps."""
        return {}

    # -- hooks -----------------------------------------------------------------------------
    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Model-specific constraints on validated float columns (override).

        Called by :meth:`validate` after every column was converted to a finite float array;
        raises :class:`~custvalue.exceptions.DataError` naming the offending rows. The base
        class accepts everything.

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            The model's ``data_columns`` as float arrays of equal length.
        index : pandas.Index or None
            The customers' index (used to name offending rows), or None for plain arrays.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> BetaGeo.check({"frequency": np.array([1.0]), "recency": np.array([5.0]),
        ...                "T": np.array([4.0])}, None)
        Traceback (most recent call last):
        ...
        custvalue.exceptions.DataError: recency must be <= T; 1 row violates this (first row: 0)
        """

    def _extremes_hint(self) -> str:
        """Name the largest value of each column: an overflowing likelihood comes from there."""
        top = ", ".join(f"{c}={float(np.max(np.abs(v))):.4g}" for c, v in self.data.items())
        return (f"the data hold extreme values (largest: {top}); check those rows, or rescale "
                "the time unit.")

    def _select_rows(self, arrays: dict[str, np.ndarray], w: np.ndarray):
        """Rows that carry information for the likelihood (override, e.g. repeat buyers)."""
        return arrays, w

    # -- generic ---------------------------------------------------------------------------
    @classmethod
    def validate(cls, data: pd.DataFrame | None = None, **columns: Any
                 ) -> tuple[dict[str, np.ndarray], pd.Index | None]:
        """Turn a DataFrame and/or keyword arrays into checked float columns and an index.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer with the model's ``data_columns``.
        **columns
            The same columns as keyword arrays (override those in ``data``).

        Returns
        -------
        arrays : dict of str to numpy.ndarray
            One float array per column of ``data_columns``, checked by :meth:`check`.
        index : pandas.Index or None
            ``data``'s index, or None when only arrays were given.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> arrays, index = BetaGeo.validate(frequency=[2, 0], recency=[30.43, 0], T=[38.86, 38.86])
        >>> arrays["recency"].tolist(), index is None
        ([30.43, 0.0], True)
        """
        raw, index = resolve_columns(data, cls.data_columns, columns)
        arrays = {c: as_float_array(raw[c], c, index=index) for c in cls.data_columns}
        cls.check(arrays, index)
        return arrays, index

    def initial_point(self) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`start_params` for small data; above 3,000 unique rows, the optimum of a
        quick fit (loose tolerance) on a systematic subsample of about 3,000 unique rows.
        For BFGS models it comes with that fit's inverse Hessian: the objective is the
        *mean* log-likelihood, so its curvature carries over and the full-data fit needs
        only a few iterations. Models with an analytic Hessian fit the subsample by Newton
        steps and pass no curvature (the full-data Newton steps compute their own).

        Returns
        -------
        tuple
            ``(theta0, hess_inv0 or None)`` in the transformed parameters.

        Examples
        --------
        >>> from custvalue.clv import BetaGeo
        >>> from custvalue.simulate import simulate_betageo
        >>> base = simulate_betageo(20_000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
        >>> theta0, h = BetaGeo(base).initial_point()
        >>> theta0.shape, h is None
        ((4,), True)
        """
        theta0 = to_free(self.start_params(), self._transforms)
        if self.n_unique <= SUBSAMPLE_ROWS:
            return theta0, None
        sub = _subsample(self, SUBSAMPLE_ROWS)
        with np.errstate(all="ignore"):
            if self._uses_newton():  # Newton on the subsample; no BFGS curvature to pass on
                res, _, _ = sub._fit_newton(theta0, 200, 1e-6)
                return (res.x, None) if np.all(np.isfinite(res.x)) else (theta0, None)
        return subsample_start(sub, theta0)

    def fit(self, data: pd.DataFrame | None = None, *, weights: Any = None,
            start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-7,
            cov_type: str = "hessian", **columns: Any) -> ResultsT:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer with the model's columns (see ``data_columns``). May be
            omitted when the model was constructed with data, or when the columns are passed
            as keyword arrays.
        weights : array-like, optional
            Number of customers each row stands for (compressed data).
        start_params, maxiter, gtol, cov_type
            Passed to :meth:`custvalue.base.LikelihoodModel.fit`.
        **columns
            The model's columns as arrays (override those in ``data``).

        Returns
        -------
        ResultsT
            The model's ``results_class`` (e.g. :class:`~custvalue.clv.BetaGeoResults` for
            :class:`~custvalue.clv.BetaGeo`): frozen results with ``params``, ``bse``,
            ``llf``, ``summary()`` and predictions.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> data = load_cdnow_summary()
        >>> res = BetaGeo().fit(data)
        >>> res.params.round(3).tolist()
        [0.243, 4.414, 0.793, 2.426]
        >>> res_arrays = BetaGeo().fit(frequency=data["frequency"], recency=data["recency"], T=data["T"])
        >>> bool(abs(res_arrays.llf - res.llf) < 1e-6)
        True
        """
        if data is not None or any(v is not None for v in columns.values()) or weights is not None:
            model = type(self)(data, weights=weights, **self._settings(), **columns)
        else:
            model = self
        if not model._bound:
            raise DataError(f"{type(self).__name__}.fit needs data: pass a DataFrame with the columns "
                            f"{list(self.data_columns)} or the same names as keyword arrays.")
        res = model._finish_results(LikelihoodModel.fit(model, start_params=start_params, maxiter=maxiter,
                                                        gtol=gtol, cov_type=cov_type))
        model._warn_if_homogeneous(res)
        return res

    def _finish_results(self, res: Any) -> Any:
        """Hook on the fitted results (none here)."""
        return res

class CustomerResults(LikelihoodResults):
    """Results of a customer-level model, with helpers for customer-indexed predictions."""

    def _rows(self, data: pd.DataFrame | None, columns: dict[str, Any],
              needed: Sequence[str] | None = None) -> tuple[dict[str, np.ndarray], pd.Index | None]:
        model_cls = type(self.model)
        if data is None and not any(v is not None for v in columns.values()):
            raise DataError(f"pass the customers to score: a DataFrame with the columns "
                            f"{list(needed or model_cls.data_columns)} or keyword arrays.")
        return model_cls.validate(data, **columns)

    @staticmethod
    def _series(values: np.ndarray, index: pd.Index | None, name: str) -> pd.Series:
        s = pd.Series(np.asarray(values, dtype=float), index=index, name=name)
        if index is None:
            s.index.name = "customer_id"
        return s

    def _p(self, *names: str) -> list[float]:
        return [float(self.params[n]) for n in names]

    @property
    def penalty(self) -> float:
        """The L2 penalty on the covariate coefficients at the estimate, ``N Σ λ γ²`` (0 without
        ``l2_penalty``); the fit maximised ``llf - penalty``."""
        pen = getattr(self.model, "penalty", None)
        return float(pen(self.params.to_numpy())) if pen is not None else 0.0  # type: ignore[attr-defined]

    def summary(self, level: float = 0.95) -> Any:
        """Fit statistics and the parameter table (see :meth:`LikelihoodResults.summary`); with
        an ``l2_penalty``, the penalty and the penalised log-likelihood the fit maximised.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        Summary
            Printable (text) and HTML summary.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> print(BetaGeo().fit(load_cdnow_summary()).summary().as_text().splitlines()[0])
        BetaGeo results
        """
        summ = super().summary(level)
        spec = getattr(self.model, "covariates", None)
        if spec and any(spec.l2_penalty.values()):
            lam = ", ".join(f"{k} {v:g}" for k, v in spec.l2_penalty.items())
            summ.info.extend([("L2 penalty (lambda)", lam), ("Penalty", self.penalty),
                              ("Penalised log-likelihood", self.llf - self.penalty)])
        return summ


#: Instance attributes that describe the model rather than its data (kept by ``_subsample``).
_SETTINGS_ATTRS = ("covariates", "param_names", "param_transforms")

#: Most covariate patterns fitted pattern by pattern with the scalar kernel (beyond, per row).
MAX_PATTERNS = 256

#: Above this many unique rows, starting values come from a quick fit on a subsample.
SUBSAMPLE_ROWS = 3000

#: Gradient tolerance (mean log-likelihood, standardised coordinates) of the subsample fit that
#: starts a model with covariates: a subsample of 3,000 rows sits about 1e-2 from the full data's
#: optimum in that gradient, so converging it further (and polishing it) buys the full fit nothing.
SUBSAMPLE_GTOL = 1e-4

#: Gradient at which a covariate fit's trust region hands over to a plain Newton step.
_NEWTON_LOOSE_GTOL = 1e-4
#: Gradient below which a Newton-polished estimate counts as at rounding level (no further step).
_POLISHED_GTOL = 1e-10


def subsample_start(sub: Any, theta0: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A quick BFGS fit (loose tolerance) of the subsample model ``sub`` from ``theta0``: its
    optimum and its inverse Hessian, which carries over to the full data because the
    objective is the *mean* log-likelihood; ``(theta0, None)`` if the fit left the finite
    range, ``(optimum, None)`` if BFGS's approximation is not positive definite.

    Parameters
    ----------
    sub : LikelihoodModel
        A model bound to a subsample of the rows (its ``_objective`` in the free parameters).
    theta0 : numpy.ndarray
        Start in the free parameters.

    Returns
    -------
    tuple
        ``(theta, hess_inv or None)`` in the free parameters.
    """
    with np.errstate(all="ignore"):
        res = optimize.minimize(sub._objective, theta0, jac=True, method="BFGS",
                                options={"maxiter": 500, "gtol": 1e-6})
    if not np.all(np.isfinite(res.x)):
        return theta0, None
    h = np.asarray(res.hess_inv, dtype=float)
    h = 0.5 * (h + h.T)
    try:
        np.linalg.cholesky(h)
    except np.linalg.LinAlgError:  # BFGS's approximation need not be positive definite
        return res.x, None
    return res.x, h


def _subsample(model: CustomerModel, n_rows: int) -> CustomerModel:
    """A copy of ``model`` bound to every k-th unique row (weights kept), for cheap starts."""
    step = int(np.ceil(model.n_unique / n_rows))
    sub = object.__new__(type(model))
    # the declared settings carry over; caches of the full data (levels, groups) do not
    sub.__dict__.update({k: v for k, v in model.__dict__.items() if k in _SETTINGS_ATTRS})
    sub._bound = True
    sub.data = {c: v[::step] for c, v in model.data.items()}
    sub.weights = model.weights[::step]
    return sub


def _wsum(w: np.ndarray, v: np.ndarray) -> float:
    """``Σ w_i v_i`` by numpy's own loop: ``w @ v`` goes to BLAS's ddot, which splits 1e5
    elements over its threads and, with the other core busy, waits a scheduler slice for the
    second (measured: median 12 ms against 0.03 ms, on two cores shared with other work)."""
    return float(np.einsum("i,i->", w, v))


def _linear_predictor(offset: float, sign: float, X: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """``offset + sign X @ gamma`` column by column (X has a few columns; no BLAS call)."""
    out = np.full(X.shape[0], offset)
    for j in range(X.shape[1]):
        out += (sign * gamma[j]) * X[:, j]
    return out


class PurchaseCountModel(CustomerModel[ResultsT]):
    """A buy-till-you-die model on ``frequency``, ``recency`` and ``T``.

    Subclasses declare ``param_names``, ``results_class`` and ``kernel``: a module of
    :mod:`custvalue.math` whose ``loglike_and_score(*params, x, t_x, T)`` returns the per-row
    log-likelihood and its gradient in one pass (BG/NBD, Pareto/NBD, MBG/NBD).
    """

    data_columns = ("frequency", "recency", "T")
    kernel: ClassVar[ModuleType]
    #: The base parameters static covariates scale: (position, sign, process), each customer's
    #: ``p_i = p exp(sign X_process[i] @ gamma)`` (CLVTools' parameterisation, see
    #: :mod:`custvalue.clv._covariates`); empty for a model without covariate support.
    covariate_links: ClassVar[tuple[tuple[int, float, str], ...]] = ()

    def __init__(self, data: pd.DataFrame | None = None, *, weights: Any = None,
                 purchase_covariates: Sequence[str] = (), dropout_covariates: Sequence[str] = (),
                 shared_covariates: Sequence[str] = (), l2_penalty: float | Mapping[str, float] = 0.0,
                 **columns: Any):
        spec = CovariateSpec(purchase_covariates, dropout_covariates, shared_covariates, l2_penalty,
                             reserved=self.data_columns)
        if spec and not self.covariate_links:
            raise ModelSpecificationError(f"{type(self).__name__} does not take covariates.")
        self.covariates = spec
        if spec:
            self.param_names = tuple(type(self).param_names) + spec.coef_names
            self.param_transforms = {**type(self).param_transforms, **{n: "identity" for n in spec.coef_names}}
        super().__init__(data, weights=weights, **columns)

    # -- covariates ------------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        return self.covariates.settings() if self.covariates else {}

    def _extra_arrays(self, data: Any, index: pd.Index | None, n_rows: int) -> dict[str, np.ndarray]:
        return self.covariates.arrays(data, index, n_rows)

    def _all_columns(self) -> tuple[str, ...]:
        return tuple(self.data_columns) + self.covariates.columns

    def _after_binding(self) -> None:
        if not self.covariates:
            return
        self.covariates.check_varies(self.data, self.weights)
        # rows sorted by covariate pattern: few patterns (dummy-coded covariates) are fitted
        # as one Pareto/NBD (BG/NBD) per pattern by the scalar-parameter kernel
        if any(np.unique(self.data[c][:4 * MAX_PATTERNS]).size > MAX_PATTERNS for c in self.covariates.columns):
            return  # a continuous covariate: more patterns than _patterns takes, whatever the order
        Z = np.column_stack([self.data[c] for c in self.covariates.columns])
        _, inv = np.unique(Z, axis=0, return_inverse=True)
        order = np.argsort(inv.reshape(-1), kind="stable")
        if not np.all(order[1:] > order[:-1]):
            self.data = {c: v[order] for c, v in self.data.items()}
            self.weights = self.weights[order]

    def _patterns(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Start of each run of rows with one covariate pattern and the patterns' rows, when
        there are few enough patterns to fit each by the scalar kernel; else None."""
        if "_cache_patterns" not in self.__dict__:
            Z = np.column_stack([self.data[c] for c in self.covariates.columns])
            change = np.flatnonzero(np.any(Z[1:] != Z[:-1], axis=1)) + 1
            starts = np.concatenate([[0], change])
            n_pat = starts.size
            few = n_pat <= MAX_PATTERNS and n_pat * 20 <= self.n_unique and self._has_group_kernel()
            self._cache_patterns = (starts, Z[starts]) if few else None
        return self._cache_patterns

    def _affine(self) -> np.ndarray:
        """``L`` with ``theta_free = L @ phi``: ``phi`` holds the coefficients of the covariates
        centred and scaled to unit weighted standard deviation, and the scaled base parameters'
        logs at the covariates' means. The optimiser works in ``phi`` (BFGS through its initial
        inverse Hessian ``L L'``, Newton in ``phi`` itself), so covariates measured in large units
        (an income in currency units) or far from 0 converge like standardised ones; the
        estimates are the same (the map is linear and exact)."""
        if "_cache_affine" in self.__dict__:
            return self._cache_affine
        spec = self.covariates
        nb = len(type(self).param_names)
        L = np.eye(nb + spec.n_coef)
        w = self.weights / self.weights.sum()
        columns = spec.purchase + spec.dropout + spec.shared  # one per coefficient
        n_p, n_d = len(spec.purchase), len(spec.dropout)
        for j, c in enumerate(columns):
            col = self.data[c]
            m = float(np.einsum("i,i->", w, col))  # not BLAS's ddot (see _wsum)
            sd = float(np.sqrt(np.einsum("i,i->", w, (col - m) ** 2)))
            sd = sd if sd > 0 else 1.0  # a subsample may hold a constant column
            L[nb + j, nb + j] = 1.0 / sd
            procs = ("purchase",) if j < n_p else ("dropout",) if j < n_p + n_d else PROCESSES
            for q, sign, proc in self.covariate_links:
                if proc in procs:
                    L[q, nb + j] = -sign * m / sd
        self._cache_affine = L
        return L

    def initial_point(self) -> tuple[np.ndarray, np.ndarray | None]:
        if not self.covariates:
            return super().initial_point()
        theta0 = to_free(self.start_params(), self._transforms)
        L = self._affine()
        h0 = L @ L.T
        newton = self._uses_newton()
        if self.n_unique > SUBSAMPLE_ROWS:
            sub = _subsample(self, SUBSAMPLE_ROWS)
            with np.errstate(all="ignore"):
                try:
                    if newton:  # a start: converged to well within the subsample's own noise, unpolished
                        res, _, _ = sub._fit_newton(theta0, 200, SUBSAMPLE_GTOL, polish=False)
                    else:
                        res = optimize.minimize(sub._objective, theta0, jac=True, method="BFGS",
                                                options={"maxiter": 500, "gtol": 1e-6, "hess_inv0": h0})
                except (np.linalg.LinAlgError, ValueError):  # a subsample that does not identify a coefficient
                    res = None
            if res is not None and np.all(np.isfinite(res.x)):
                theta0 = res.x
                hinv = getattr(res, "hess_inv", None)  # BFGS curvature (standardised coordinates)
                if isinstance(hinv, np.ndarray) and hinv.shape == (theta0.size, theta0.size):
                    hinv = 0.5 * (hinv + hinv.T)
                    try:
                        np.linalg.cholesky(hinv)
                        self._cache_hess_inv_phi = hinv  # the mean log-likelihood's: it carries over
                    except np.linalg.LinAlgError:
                        pass
        return theta0, (None if newton else h0)

    def _fit_newton(self, theta0: np.ndarray, maxiter: int, gtol: float, polish: bool = True):
        if not self.covariates:
            return super()._fit_newton(theta0, maxiter, gtol)
        L = self._affine()
        cache: dict = {}
        if not self._analytic_covariate_hessian():
            # no exact Hessian: BFGS on the exact gradient in the standardised coordinates, and
            # the Hessian at the estimate from differences of the gradient (one evaluation)
            def objective(phi: np.ndarray) -> tuple[float, np.ndarray]:
                f, g = self._objective(L @ phi)
                return f, L.T @ g

            options = {"maxiter": maxiter, "gtol": gtol}
            if "_cache_hess_inv_phi" in self.__dict__:
                options["hess_inv0"] = self.__dict__.pop("_cache_hess_inv_phi")
            res = optimize.minimize(objective, np.linalg.solve(L, theta0), jac=True, method="BFGS",
                                    options=options)
            f, grad = objective(res.x)
            converged = bool(res.success) or (np.isfinite(f) and bool(np.max(np.abs(grad)) < 1e-5))
            res.x = L @ res.x
            params, _ = from_free(res.x, self._transforms)
            with np.errstate(all="ignore"):
                ll, _, hess = self._differenced_hessian(params)
            cache.update(params=params, ll=ll, hess=hess)
            return res, converged, cache

        def pieces(phi: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
            f, g, h = self._newton_pieces(L @ phi, cache)
            return f, L.T @ g, L.T @ h @ L

        def trust(start: np.ndarray, tol: float):
            return optimize.minimize(lambda p: pieces(p)[0], start, method="trust-exact",
                                     jac=lambda p: pieces(p)[1], hess=lambda p: pieces(p)[2],
                                     options={"maxiter": maxiter, "gtol": tol})

        # the trust region to a loose gradient, then one plain Newton step (quadratic
        # convergence: from |g| ~ 1e-4 it lands at rounding level); if that does not reach
        # ``gtol`` the trust region continues to it
        loose = max(gtol, _NEWTON_LOOSE_GTOL) if polish else gtol
        res = trust(np.linalg.solve(L, theta0), loose)
        if polish and loose > gtol and res.success:
            x = L @ res.x
            x_new = self._polish(x, cache)
            _, g_new, _ = self._newton_pieces(x_new, cache)  # the cache holds the returned point
            if np.max(np.abs(L.T @ g_new)) >= _POLISHED_GTOL:  # not yet at rounding level: one more step
                x_new = self._polish(x_new, cache)
                _, g_new, _ = self._newton_pieces(x_new, cache)
            if np.max(np.abs(L.T @ g_new)) < gtol:
                res.x = x_new
                return res, True, cache
            res = trust(np.linalg.solve(L, x_new), gtol)
        f, grad, _ = pieces(res.x)
        converged = bool(res.success) or (np.isfinite(f) and bool(np.max(np.abs(grad)) < 1e-5))
        res.x = L @ res.x
        if converged and np.isfinite(f) and polish:
            res.x = self._polish(res.x, cache)
            self._newton_pieces(res.x, cache)  # the cache holds the returned point
        return res, converged, cache

    def _has_group_kernel(self) -> bool:
        return hasattr(self.kernel, "weighted_loglike_score_hessian")

    def _uses_newton(self) -> bool:
        if not self.covariates:
            return self.analytic_hessian
        return True  # with covariates: Newton in standardised coordinates (see _fit_newton)

    def _analytic_covariate_hessian(self) -> bool:
        """Whether the Hessian with covariates is exact (per pattern, or per row where the
        kernel gives it); otherwise it is central differences of the exact gradient."""
        return self._patterns() is not None or self._rows_have_hessian

    def _differenced_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Penalised log-likelihood, exact gradient and the Hessian from central differences
        of that gradient, stepped in the standardised coordinates of :meth:`_affine` (so a
        covariate in large units gets a step on its own scale)."""
        ll, g = self.loglike_and_score(params)
        L = self._affine()
        theta = to_free(params, self._transforms)
        phi = np.linalg.solve(L, theta)
        _, dp = from_free(theta, self._transforms)

        def grad_at(f: np.ndarray) -> np.ndarray:
            return self.loglike_and_score(from_free(L @ f, self._transforms)[0])[1]

        dg_dphi = numerical_jacobian(grad_at, phi)
        h = np.linalg.solve((dp[:, None] * L).T, dg_dphi.T).T
        return ll, g, 0.5 * (h + h.T)

    #: whether :meth:`_individual_rows` returns the per-row Hessian (override)
    _rows_have_hessian: ClassVar[bool] = False

    def _split_params(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = len(type(self).param_names)
        return np.asarray(params[:k], dtype=float), np.asarray(params[k:], dtype=float)

    def _designs(self) -> dict[str, np.ndarray]:
        if "_cache_designs" not in self.__dict__:
            self._cache_designs = self.covariates.designs(self.data)
        return self._cache_designs

    def _used_designs(self) -> dict[str, Any]:
        """Per process, the coefficient columns its design can hold (the other process's are
        structurally 0) and those columns of the design, contiguous; and whether every row
        weight is 1 (computed once per model)."""
        if "_cache_used_designs" not in self.__dict__:
            spec = self.covariates
            n_p, n_d = len(spec.purchase), len(spec.dropout)
            shared = np.arange(n_p + n_d, spec.n_coef)
            out: dict[str, Any] = {"unit_weights": bool(np.all(self.weights == 1.0))}
            for proc, own in (("purchase", np.arange(n_p)), ("dropout", np.arange(n_p, n_p + n_d))):
                cols = np.concatenate([own, shared]).astype(np.int64)
                out[proc] = (cols, np.ascontiguousarray(self._designs()[proc][:, cols]))
            # the links' columns side by side: what the chain rule's column sums run over
            out["columns"] = design_columns([(q, sign, out[proc][1], out[proc][0])
                                             for q, sign, proc in self.covariate_links], self.n_unique)
            self._cache_used_designs = out
        return self._cache_used_designs

    def _individual_rows(self, base: np.ndarray, scaled: dict[int, np.ndarray], hess: bool
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-row log-likelihood, gradient (n, 4) and Hessian (n, 10, or None) in the per-row
        parameters, the scaled ones (positions in ``scaled``) on the log scale (override)."""
        raise NotImplementedError  # pragma: no cover

    def _row_sums(self, base: np.ndarray, scaled: dict[int, np.ndarray], hess: bool, w: np.ndarray | None,
                  X: np.ndarray, qc: np.ndarray) -> tuple[float, np.ndarray, Any, np.ndarray, Any, Any]:
        """Weighted log-likelihood and the column sums of :func:`custvalue.clv._covariates.column_sums`
        over the rows (per-row derivatives from :meth:`_individual_rows`; a model whose kernel
        sums them itself overrides this)."""
        ll_rows, g_rows, h_rows = self._individual_rows(base, scaled, hess)
        gb, hb, V, Tm, S = column_sums(g_rows, h_rows if hess else None, w, X, qc)
        return _wsum(self.weights, ll_rows), gb, hb, V, Tm, S

    def _covariate_pieces(self, params: np.ndarray, hess: bool) -> tuple[float, np.ndarray, np.ndarray | None]:
        """Penalised log-likelihood, gradient and (if ``hess``) Hessian in the natural
        parameters of a model with covariates: per-pattern sums from the scalar kernel when
        the covariates take few patterns, chained to the coefficients by
        :func:`custvalue.clv._covariates.chain_rule`; otherwise the column sums of
        :meth:`_row_sums` put together by :func:`custvalue.clv._covariates.assemble`."""
        base, gamma = self._split_params(params)
        links = self.covariate_links
        pats = self._patterns()
        if pats is not None:
            starts, Zp = pats
            stops = np.append(starts[1:], self.n_unique)
            Xp = self.covariates.designs(dict(zip(self.covariates.columns, Zp.T)))
            G = starts.size
            g_rows, h_rows, ll = np.zeros((G, 4)), np.zeros((G, 10)), 0.0
            x, t_x, T = self._kernel_args()
            for j in range(G):  # one scalar-kernel pass per covariate pattern (not per customer)
                p = base.copy()
                for q, sign, proc in links:
                    p[q] = base[q] * np.exp(sign * (Xp[proc][j] @ gamma))
                sl = slice(starts[j], stops[j])
                l_j, g_j, H_j = self._group_pass(p, x[sl], t_x[sl], T[sl], self.weights[sl])
                for q, _, _ in links:  # to the log scale of the scaled parameters
                    H_j[q, :] *= p[q]
                    H_j[:, q] *= p[q]
                    H_j[q, q] += p[q] * g_j[q]
                    g_j[q] *= p[q]
                ll += l_j
                g_rows[j] = g_j
                h_rows[j] = [H_j[a, b] for a, b in _TRI]
            designs = [(q, sign, Xp[proc]) for q, sign, proc in links]
            grad, H = chain_rule(g_rows, h_rows if hess else None, np.ones(G), designs, n_coef=gamma.size)
        else:
            used = self._used_designs()  # each process's non-zero design columns only
            scaled = {q: _linear_predictor(np.log(base[q]), sign, used[proc][1], gamma[used[proc][0]])
                      for q, sign, proc in links}
            X, qc, col_sign, col_coef = used["columns"]
            ll, gb, hb, V, Tm, S = self._row_sums(base, scaled, hess, None if used["unit_weights"] else self.weights,
                                                  X, qc)
            grad, H = assemble(gb, hb, V, Tm if hess else None, S, col_sign, col_coef, gamma.size)
        # from the log scale of the scaled base parameters to their natural scale
        for q, _, _ in links:
            if H is not None:
                H[q, :] /= base[q]
                H[:, q] /= base[q]
                H[q, q] -= grad[q] / base[q] ** 2
            grad[q] /= base[q]
        lam = self.covariates.penalty_weights()
        ll -= self.covariates.penalty(gamma, self.nobs)
        grad[4:] -= 2.0 * self.nobs * lam * gamma
        if H is not None:
            H[4:, 4:] -= np.diag(2.0 * self.nobs * lam)
        return float(ll), grad, H

    def _group_pass(self, p: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray
                    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Weighted log-likelihood, gradient and Hessian of rows sharing parameters ``p``."""
        ll, g, H = self.kernel.weighted_loglike_score_hessian(*p, x, t_x, T, w)
        return float(ll), np.array(g, dtype=float), np.array(H, dtype=float)

    def covariate_kernel(self) -> CovariateKernel:
        """The prediction kernel seen through the covariates (each customer's own parameters).

        Returns
        -------
        CovariateKernel
            Calls the model's kernel with ``p_i = p exp(sign X_i @ gamma)``.

        Examples
        --------
        >>> from custvalue.clv import ParetoNBD
        >>> ParetoNBD(purchase_covariates=["z"]).covariate_kernel().links
        ((1, -1.0, 'purchase'), (3, -1.0, 'dropout'))
        """
        return CovariateKernel(self.kernel, self.covariates, self.covariate_links, len(self.data_columns))

    def penalty(self, params: Any) -> float:
        """The L2 penalty ``N Σ λ γ²`` at ``params`` (0 without covariates or penalty).

        Parameters
        ----------
        params : array-like
            Parameters in the order of ``param_names``.

        Returns
        -------
        float
            What the penalised log-likelihood subtracts from the log-likelihood.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import ParetoNBD
        >>> ParetoNBD(load_cdnow_summary()).penalty([0.55, 10.6, 0.61, 11.7])
        0.0
        """
        p = self._as_params(params)
        if not self.covariates:
            return 0.0
        return self.covariates.penalty(self._split_params(p)[1], self.nobs)

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Buy-till-you-die data constraints (raises :class:`~custvalue.exceptions.DataError`):
        whole ``frequency >= 0``, ``0 <= recency <= T``, ``T > 0`` and ``recency == 0`` when
        ``frequency == 0``.

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            ``frequency``, ``recency`` and ``T`` as float arrays.
        index : pandas.Index or None
            The customers' index, used to name offending rows.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> BetaGeo.check({"frequency": np.array([1.0]), "recency": np.array([5.0]),
        ...                "T": np.array([3.0])}, None)
        Traceback (most recent call last):
        ...
        custvalue.exceptions.DataError: recency must be <= T; 1 row violates this (first row: 0)
        """
        check_rft(arrays["frequency"], arrays["recency"], arrays["T"], index)

    def _kernel_args(self) -> tuple[np.ndarray, ...]:
        d = self.data
        return d["frequency"], d["recency"], d["T"]

    def _obs_with_covariates(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row log-likelihood and score in the natural parameters (no penalty)."""
        base, gamma = self._split_params(params)
        X = self._designs()
        scaled = {q: np.log(base[q]) + sign * (X[proc] @ gamma) for q, sign, proc in self.covariate_links}
        ll, g, _ = self._individual_rows(base, scaled, False)
        out = np.zeros((ll.shape[0], len(params)))
        out[:, :4] = g
        for q, sign, proc in self.covariate_links:
            out[:, 4:] += sign * g[:, q:q + 1] * X[proc]
            out[:, q] = g[:, q] / base[q]
        return ll, out

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        if self.covariates:
            return self._obs_with_covariates(params)[0]
        return self.kernel.loglike_and_score(*params, *self._kernel_args())[0]

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        if self.covariates:
            return self._obs_with_covariates(params)[1]
        return self.kernel.loglike_and_score(*params, *self._kernel_args())[1]

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        if self.covariates:
            return self._covariate_pieces(params, hess=False)[:2]
        ll, sc = self.kernel.loglike_and_score(*params, *self._kernel_args())
        return float(self.weights @ ll), self.weights @ sc

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        if self.covariates:
            if self._analytic_covariate_hessian():
                return self._covariate_pieces(params, hess=True)  # type: ignore[return-value]
            return self._differenced_hessian(params)
        return super().loglike_score_hessian(params)

    def _base_start_params(self) -> np.ndarray:
        # r / alpha matches the mean purchase rate; the dropout parameters start neutral
        x, _, T = self._kernel_args()
        rate = max(_wsum(self.weights, x / T) / self.nobs, 1e-3)
        return np.array([0.5, 0.5 / rate, 1.0, 2.0])

    def start_params(self) -> np.ndarray:
        """Cheap starting values: the base parameters' and zero coefficients.

        Returns
        -------
        numpy.ndarray
            Starting values in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> len(BetaGeo(load_cdnow_summary()).start_params())
        4
        """
        return np.concatenate([self._base_start_params(), np.zeros(self.covariates.n_coef)])

    def _finish_results(self, res: Any) -> Any:
        """With an L2 penalty, ``llf`` is the log-likelihood (Newton's pieces hold the
        penalised one) and the penalty is reported next to it (``results.penalty``)."""
        if self.covariates and any(self.covariates.l2_penalty.values()) and self._uses_newton():
            pen = self.penalty(res.params.to_numpy())
            res = self.results_class(self, res.params.to_numpy(), res.cov_params.to_numpy(), res.llf + pen,
                                     converged=res.converged, message=res.message, n_iter=res.n_iter,
                                     cov_type=res.cov_type)
        return res
