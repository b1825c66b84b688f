"""Shared machinery of the customer-level count models: data binding, compression and
customer-indexed predictions.  Model classes only declare parameters and kernels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from types import ModuleType

from .._validation import (as_float_array, check_rft, check_weights, compress_rows, resolve_columns,
                           worth_compressing)
from scipy import optimize

from ..base import LikelihoodModel, LikelihoodResults
from ..base.model import ResultsT
from ..base.transforms import to_free
from ..exceptions import DataError, ModelSpecificationError

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
            w = check_weights(weights, len(next(iter(arrays.values()))), index)
            arrays, w = self._select_rows(arrays, w)
            cols = [arrays[c] for c in self.data_columns]
            if worth_compressing(cols):
                cols, w, _ = compress_rows(cols, w)
            keep = w > 0
            self.data = {c: u[keep] if not keep.all() else u for c, u in zip(self.data_columns, cols)}
            self.weights = w[keep] if not keep.all() else w

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
            if self.analytic_hessian:  # Newton on the subsample; no BFGS curvature to pass on
                res, _, _ = sub._fit_newton(theta0, 200, 1e-6)
                return (res.x, None) if np.all(np.isfinite(res.x)) else (theta0, None)
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
            model = type(self)(data, weights=weights, **columns)
        else:
            model = self
        if not model._bound:
            raise DataError(f"{type(self).__name__}.fit needs data: pass a DataFrame with the columns "
                            f"{list(self.data_columns)} or the same names as keyword arrays.")
        res = LikelihoodModel.fit(model, start_params=start_params, maxiter=maxiter, gtol=gtol,
                                  cov_type=cov_type)
        model._warn_if_homogeneous(res)
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


#: Above this many unique rows, starting values come from a quick fit on a subsample.
SUBSAMPLE_ROWS = 3000


def _subsample(model: CustomerModel, n_rows: int) -> CustomerModel:
    """A copy of ``model`` bound to every k-th unique row (weights kept), for cheap starts."""
    step = int(np.ceil(model.n_unique / n_rows))
    sub = object.__new__(type(model))
    sub._bound = True
    sub.data = {c: v[::step] for c, v in model.data.items()}
    sub.weights = model.weights[::step]
    return sub


class PurchaseCountModel(CustomerModel[ResultsT]):
    """A buy-till-you-die model on ``frequency``, ``recency`` and ``T``.

    Subclasses declare ``param_names``, ``results_class`` and ``kernel``: a module of
    :mod:`custvalue.math` whose ``loglike_and_score(*params, x, t_x, T)`` returns the per-row
    log-likelihood and its gradient in one pass (BG/NBD, Pareto/NBD, MBG/NBD).
    """

    data_columns = ("frequency", "recency", "T")
    kernel: ClassVar[ModuleType]

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

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return self.kernel.loglike_and_score(*params, *self._kernel_args())[0]

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return self.kernel.loglike_and_score(*params, *self._kernel_args())[1]

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, sc = self.kernel.loglike_and_score(*params, *self._kernel_args())
        return float(self.weights @ ll), self.weights @ sc

    def start_params(self) -> np.ndarray:
        # r / alpha matches the mean purchase rate; the dropout parameters start neutral
        x, _, T = self._kernel_args()
        rate = max(float(self.weights @ (x / T) / self.nobs), 1e-3)
        return np.array([0.5, 0.5 / rate, 1.0, 2.0])
