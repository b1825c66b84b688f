"""The MBG/CNBD-k and BG/CNBD-k models (Platzer & Reutterer 2016, Marketing Science 35(5):
779-799): the MBG/NBD and BG/NBD with Erlang-k inter-purchase times, k chosen by likelihood."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize

from .._validation import check_rft, check_whole_number, describe_rows, resolve_columns, as_float_array
from ..base.transforms import check_in_domain, from_free, to_free
from ..exceptions import DataError
from ..math import cnbdk as _k
from ._base import SUBSAMPLE_ROWS, CustomerResults, PurchaseCountModel, _subsample, subsample_start
from ._predict import TransactionResultsMixin

__all__ = ["ModifiedBetaGeoCNBD", "ModifiedBetaGeoCNBDResults", "BetaGeoCNBD", "BetaGeoCNBDResults"]

_HISTORY = ("frequency", "recency", "T")


class _BoundKernel:
    """The kernel of :mod:`custvalue.math.cnbdk` with the Erlang order ``k`` and the drop-out
    ``shift`` fixed, so that it follows the one argument order of every transaction kernel
    (:class:`custvalue.clv._kernel.TransactionKernel`)."""

    DISCRETE = _k.DISCRETE
    DERT_HORIZONS = _k.DERT_HORIZONS
    HORIZON_WEIGHTS = _k.HORIZON_WEIGHTS
    TIME_SCALE = _k.TIME_SCALE

    def __init__(self, k: int, shift: int):
        self.k, self.shift = k, shift
        self.__name__ = f"custvalue.math.cnbdk(k={k}, shift={shift})"

    def p_alive(self, r, alpha, a, b, x, t_x, T):
        return _k.p_alive(r, alpha, a, b, x, t_x, T, k=self.k, shift=self.shift)

    def conditional_expected_purchases(self, t, r, alpha, a, b, x, t_x, T):
        return _k.conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T, k=self.k, shift=self.shift)

    def expected_purchases_new_customer(self, t, r, alpha, a, b):
        return _k.expected_purchases_new_customer(t, r, alpha, a, b, k=self.k, shift=self.shift)

    def probability_of_purchases(self, n, t, r, alpha, a, b):
        return _k.probability_of_purchases(n, t, r, alpha, a, b, k=self.k, shift=self.shift)

    def conditional_probability_of_purchases(self, n, t, r, alpha, a, b, x, t_x, T):
        return _k.conditional_probability_of_purchases(n, t, r, alpha, a, b, x, t_x, T, k=self.k,
                                                       shift=self.shift)


class _CNBDkResults(TransactionResultsMixin, CustomerResults):
    """Shared by the two results classes: predictions need only ``frequency``, ``recency``
    and ``T`` (``sum_log_interpurchase`` enters the likelihood through a term free of the
    parameters)."""

    @property
    def k(self) -> int:
        """The Erlang order of the inter-purchase times (fixed or chosen by likelihood)."""
        return int(self.model.k)  # type: ignore[attr-defined]

    @property
    def llf_by_k(self) -> pd.Series | None:
        """Maximised log-likelihood for each k tried when k was chosen by likelihood (None when
        k was fixed)."""
        return getattr(self.model, "llf_by_k", None)  # type: ignore[attr-defined]

    @property
    def kernel(self) -> _BoundKernel:  # type: ignore[override]
        """The prediction kernels of :mod:`custvalue.math.cnbdk` at this fit's ``k`` and the
        model's drop-out shift, in the argument order of every transaction kernel."""
        return _BoundKernel(self.k, type(self.model).dropout_shift)  # type: ignore[attr-defined]

    def _customer_arrays(self, data: pd.DataFrame | None, columns: dict[str, Any]):
        if data is None and not any(v is not None for v in columns.values()):
            raise DataError(f"pass the customers to score: a DataFrame with the columns {list(_HISTORY)} "
                            "or keyword arrays.")
        columns = {c: v for c, v in columns.items() if c != "sum_log_interpurchase"}
        unknown = set(columns) - set(_HISTORY)
        if unknown:
            raise DataError(f"predictions take the columns {list(_HISTORY)}; received unknown keyword(s) "
                            f"{sorted(unknown)}.")
        raw, index = resolve_columns(data, _HISTORY, columns)
        arrays = [as_float_array(raw[c], c, index=index) for c in _HISTORY]
        check_rft(*arrays, index)
        return arrays, index


class ModifiedBetaGeoCNBDResults(_CNBDkResults):
    """Fitted MBG/CNBD-k model: ``k``, ``params`` (r, alpha, a, b), fit statistics and the
    customer-level predictions of every transaction model (``p_alive``,
    ``expected_purchases``, ``expected_purchases_new_customer``, ``probability_of_purchases``,
    ``conditional_probability_of_purchases``, ``dert``, intervals), from
    :mod:`custvalue.math.cnbdk`.

    Parameters
    ----------
    model : ModifiedBetaGeoCNBD
        The fitted model with its ``k``.
    params : numpy.ndarray
        Estimates in the order of ``model.param_names``.
    cov : numpy.ndarray
        Covariance matrix of the estimates (k held fixed).
    llf : float
        Maximised log-likelihood.
    converged : bool
        Whether the optimiser converged.
    message : str
        The optimiser's message.
    n_iter : int
        Number of optimiser iterations.
    cov_type : str, default "hessian"
        How ``cov`` was computed.

    Examples
    --------
    >>> from custvalue.simulate import simulate_cnbdk
    >>> from custvalue.clv import ModifiedBetaGeoCNBD
    >>> base = simulate_cnbdk(2000, k=2, r=0.9, alpha=2.0, a=0.8, b=2.5, T=52.0, seed=1)
    >>> res = ModifiedBetaGeoCNBD(k=2).fit(base)
    >>> bool(0 < res.p_alive(frequency=[2], recency=[30.0], T=[52.0]).iloc[0] < 1)
    True
    """


class BetaGeoCNBDResults(_CNBDkResults):
    """Fitted BG/CNBD-k model (see :class:`ModifiedBetaGeoCNBDResults`; no drop-out at time 0).

    Parameters
    ----------
    model : BetaGeoCNBD
        The fitted model with its ``k``.
    params : numpy.ndarray
        Estimates in the order of ``model.param_names``.
    cov : numpy.ndarray
        Covariance matrix of the estimates (k held fixed).
    llf : float
        Maximised log-likelihood.
    converged : bool
        Whether the optimiser converged.
    message : str
        The optimiser's message.
    n_iter : int
        Number of optimiser iterations.
    cov_type : str, default "hessian"
        How ``cov`` was computed.

    Examples
    --------
    >>> from custvalue.simulate import simulate_cnbdk
    >>> from custvalue.clv import BetaGeoCNBD
    >>> base = simulate_cnbdk(2000, k=2, r=0.9, alpha=2.0, a=0.8, b=2.5, T=52.0, variant="BG", seed=1)
    >>> BetaGeoCNBD(k=2).fit(base).k
    2
    """


class _CNBDkModel(PurchaseCountModel):
    data_columns = ("frequency", "recency", "T", "sum_log_interpurchase")
    param_names = ("r", "alpha", "a", "b")
    mixing = (("r", "alpha", "gamma", "phase rates"), ("a", "b", "beta", "dropout probabilities"))
    dropout_shift: ClassVar[int] = 1

    def __init__(self, data: pd.DataFrame | None = None, *, k: int | None = None, max_k: int = 12,
                 weights: Any = None, **columns: Any):
        self.k = None if k is None else check_whole_number(k, "k", minimum=1)
        self.max_k = check_whole_number(max_k, "max_k", minimum=1)
        if self.max_k > 50:
            raise DataError(f"max_k must be <= 50 (k Erlang phases per purchase); received {max_k!r}.")
        super().__init__(data, weights=weights, **columns)

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Buy-till-you-die constraints (:meth:`PurchaseCountModel.check`) and
        ``sum_log_interpurchase == 0`` where ``frequency == 0`` (no gaps to sum).

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            The four data columns as float arrays.
        index : pandas.Index or None
            The customers' index, used to name offending rows.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import ModifiedBetaGeoCNBD
        >>> ModifiedBetaGeoCNBD.check({"frequency": np.array([0.0]), "recency": np.array([0.0]),
        ...     "T": np.array([3.0]), "sum_log_interpurchase": np.array([1.0])}, None)
        Traceback (most recent call last):
        ...
        custvalue.exceptions.DataError: sum_log_interpurchase must be 0 when frequency is 0 (no gaps ...
        """
        check_rft(arrays["frequency"], arrays["recency"], arrays["T"], index)
        bad = (arrays["frequency"] == 0) & (arrays["sum_log_interpurchase"] != 0)
        if bad.any():
            raise DataError("sum_log_interpurchase must be 0 when frequency is 0 (no gaps to sum); "
                            + describe_rows(bad, index))

    # -- the likelihood at the model's k --------------------------------------------------
    def _k_now(self) -> int:
        if self.k is None:
            raise DataError(f"{type(self).__name__}: k is chosen in fit(); pass k= to evaluate the "
                            "likelihood at a given k.")
        return int(self.k)

    def _eval(self, params: np.ndarray):
        d = self.data
        if getattr(self, "_levels", None) is None:
            self._levels = _k.x_levels(d["frequency"])
        return _k.loglike_and_score(*params, d["frequency"], d["recency"], d["T"], d["sum_log_interpurchase"],
                                    k=self._k_now(), shift=self.dropout_shift, levels=self._levels)

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return self._eval(params)[0]

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return self._eval(params)[1]

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, sc = self._eval(params)
        return float(self.weights @ ll), self.weights @ sc

    def start_params(self) -> np.ndarray:
        # k phases per purchase: the mean phase rate r/alpha is k times the purchase rate
        d = self.data
        rate = max(float(self.weights @ (d["frequency"] / d["T"]) / self.nobs), 1e-3)
        return np.array([0.5, 0.5 / (self._k_now() * rate), 1.0, 2.0])

    def initial_point(self) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`start_params`, or above 3,000 unique rows the optimum of a quick BFGS fit on a
        systematic subsample at the same k with its inverse Hessian (the objective is the mean
        log-likelihood, so the curvature carries over; as
        :meth:`custvalue.clv._base.CustomerModel.initial_point`).

        Returns
        -------
        tuple
            ``(theta0, hess_inv0 or None)`` in the transformed parameters.

        Examples
        --------
        >>> from custvalue.simulate import simulate_cnbdk
        >>> from custvalue.clv import ModifiedBetaGeoCNBD
        >>> base = simulate_cnbdk(5000, k=2, r=0.9, alpha=2.0, a=0.8, b=2.5, T=52.0, seed=1)
        >>> theta0, h = ModifiedBetaGeoCNBD(base, k=2).initial_point()
        >>> theta0.shape
        (4,)
        """
        theta0 = to_free(self.start_params(), self._transforms)
        if self.n_unique <= SUBSAMPLE_ROWS:
            return theta0, None
        sub = _subsample(self, SUBSAMPLE_ROWS)
        sub.k, sub.max_k, sub._levels = self.k, self.max_k, None
        return subsample_start(sub, theta0)

    def fit(self, data: pd.DataFrame | None = None, *, weights: Any = None, start_params: Any = None,
            maxiter: int = 2000, gtol: float = 1e-7, cov_type: str = "hessian", **columns: Any):
        """Fit by maximum likelihood at the model's ``k``, or choose ``k`` by likelihood.

        With ``k=None`` (the default), the model is fitted for k = 1, 2, ... up to ``max_k``,
        stopping once the log-likelihood fell twice in a row (as BTYDplus's
        ``xbgcnbd.EstimateParameters``), and the fit with the highest log-likelihood is
        returned; ``results.llf_by_k`` lists the fits. Each k starts from :meth:`initial_point`
        (a quick fit on a subsample of the rows at that k).

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer with ``frequency``, ``recency``, ``T`` and
            ``sum_log_interpurchase`` (:func:`custvalue.rfm_summary` gives all four).
        weights : array-like, optional
            Number of customers each row stands for.
        start_params, maxiter, gtol, cov_type
            As in :meth:`custvalue.clv._base.CustomerModel.fit` (``start_params`` for the
            first k tried).
        **columns
            The columns as keyword arrays.

        Returns
        -------
        ModifiedBetaGeoCNBDResults or BetaGeoCNBDResults
            The fit at the chosen ``k`` (``results.k``); its covariance holds k fixed.

        Examples
        --------
        >>> from custvalue.simulate import simulate_cnbdk
        >>> from custvalue.clv import ModifiedBetaGeoCNBD
        >>> base = simulate_cnbdk(3000, k=3, r=0.9, alpha=1.5, a=0.8, b=2.5, T=52.0, seed=4)
        >>> res = ModifiedBetaGeoCNBD().fit(base)
        >>> res.k, res.llf_by_k.idxmax()
        (3, 3)
        """
        if data is not None or any(v is not None for v in columns.values()) or weights is not None:
            model = type(self)(data, k=self.k, max_k=self.max_k, weights=weights, **columns)
        else:
            model = self
        if not model._bound:
            raise DataError(f"{type(self).__name__}.fit needs data: pass a DataFrame with the columns "
                            f"{list(self.data_columns)} or the same names as keyword arrays.")
        kw = dict(maxiter=maxiter, gtol=gtol, cov_type=cov_type)
        if model.k is not None:
            return PurchaseCountModel.fit(model, start_params=start_params, **kw)
        # the search: each k maximised without standard errors; only the chosen k gets the
        # full fit (a few iterations from its optimum, then the covariance)
        found: dict[int, tuple[np.ndarray, float, Any]] = {}
        for kk in range(1, model.max_k + 1):
            m = copy.copy(model)
            m.k = kk
            try:
                with np.errstate(all="ignore"):
                    if kk == 1 and start_params is not None:
                        theta0 = to_free(check_in_domain(m._as_params(start_params, "start_params"), m._transforms,
                                                         tuple(m.param_names), "start_params"), m._transforms)
                        h0 = None
                    else:
                        theta0, h0 = m.initial_point()
                    options = {"maxiter": maxiter, "gtol": gtol, **({"hess_inv0": h0} if h0 is not None else {})}
                    opt = optimize.minimize(m._objective, theta0, jac=True, method="BFGS", options=options)
                    params, _ = from_free(opt.x, m._transforms)
                    llf = m.loglike(params) if np.all(np.isfinite(params)) else np.nan
            except (OverflowError, ZeroDivisionError, FloatingPointError):
                llf = np.nan
            if not np.isfinite(llf):
                break  # the likelihood cannot be evaluated at this k: stop, as BTYDplus does
            found[kk] = (params, float(llf), m)
            lls = [found[j][1] for j in sorted(found)]
            if len(lls) >= 3 and lls[-1] < lls[-2] < lls[-3]:
                break
        if not found:
            raise DataError(f"{type(self).__name__}.fit: the log-likelihood could not be evaluated at k=1; "
                            + model._extremes_hint())
        llf_by_k = pd.Series({kk: v[1] for kk, v in found.items()}, name="llf")
        llf_by_k.index.name = "k"
        best = int(llf_by_k.idxmax())
        params, _, m = found[best]
        res = PurchaseCountModel.fit(m, start_params=params, **kw)
        llf_by_k[best] = res.llf
        m.llf_by_k = llf_by_k
        return res


class ModifiedBetaGeoCNBD(_CNBDkModel):
    """MBG/CNBD-k: the MBG/NBD with Erlang-k inter-purchase times (Platzer & Reutterer 2016).

    While alive, the times between purchases are Erlang-k with rate λ ~ Gamma(r, α) (k
    exponential phases, so the mean gap is k/λ; k = 1 is the MBG/NBD's Poisson purchasing);
    at time 0 and after each purchase the customer drops out with probability
    p ~ Beta(a, b). Regular buyers (k > 1) who have been silent for longer than their usual
    gap are more likely gone, which the likelihood reads from ``sum_log_interpurchase``.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency``, ``T`` and
        ``sum_log_interpurchase`` (as from :func:`custvalue.rfm_summary`).
    k : int, optional
        The Erlang order; None (default) chooses it by likelihood in :meth:`fit`.
    max_k : int, default 12
        The largest k tried when choosing (BTYDplus tries 1 to 12).
    weights : array-like, optional
        Number of customers each row stands for.
    **columns
        The columns as keyword arrays.

    Examples
    --------
    >>> from custvalue.simulate import simulate_modbetageo
    >>> from custvalue.clv import ModifiedBetaGeo, ModifiedBetaGeoCNBD
    >>> base = simulate_modbetageo(2000, r=0.5, alpha=6.0, a=0.9, b=3.0, T=39.0, seed=2)
    >>> base["sum_log_interpurchase"] = 0.0  # any value: at k = 1 it does not enter
    >>> res1 = ModifiedBetaGeoCNBD(k=1).fit(base)
    >>> bool(abs(res1.llf - ModifiedBetaGeo().fit(base).llf) < 1e-6)
    True
    """

    results_class = ModifiedBetaGeoCNBDResults
    dropout_shift = 1


class BetaGeoCNBD(_CNBDkModel):
    """BG/CNBD-k: the BG/NBD with Erlang-k inter-purchase times (Platzer & Reutterer 2016):
    as :class:`ModifiedBetaGeoCNBD` without the drop-out opportunity at time 0.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency``, ``T`` and
        ``sum_log_interpurchase``.
    k : int, optional
        The Erlang order; None (default) chooses it by likelihood in :meth:`fit`.
    max_k : int, default 12
        The largest k tried when choosing.
    weights : array-like, optional
        Number of customers each row stands for.
    **columns
        The columns as keyword arrays.

    Examples
    --------
    >>> from custvalue.simulate import simulate_betageo
    >>> from custvalue.clv import BetaGeo, BetaGeoCNBD
    >>> base = simulate_betageo(2000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
    >>> base["sum_log_interpurchase"] = 0.0
    >>> bool(abs(BetaGeoCNBD(k=1).fit(base).llf - BetaGeo().fit(base).llf) < 1e-6)
    True
    """

    results_class = BetaGeoCNBDResults
    dropout_shift = 0
