"""The shifted-beta-geometric (sBG) model of contract duration (Fader & Hardie 2007, "How to
project customer retention", Journal of Interactive Marketing 21(1):76-90) with the
customer-base valuation quantities of Fader & Hardie (2010), "Customer-base valuation in a
contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1):85-93.

The sBG is fitted from a cohort (survivor counts) or from one row per customer: either way
a :class:`~custvalue.clv._base.CustomerModel` on rows ``(duration, censored)`` with weights:
a cohort's ``s_{t-1} - s_t`` customers churned in period t and ``s_n`` are still active.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import (as_float_array, check_discount_rate, check_finite_scalar,
                           check_positive_scalar, describe_rows)
from ..base import LikelihoodResults
from ..exceptions import DataError
from ..math import sbg as kernel
from ._base import CustomerModel
from ._uncertainty import check_interval, interval_of

__all__ = ["ShiftedBetaGeometric", "ShiftedBetaGeometricResults", "survivors_to_durations"]


def survivors_to_durations(survivors: Any) -> pd.DataFrame:
    """Turn a cohort's survivor counts ``s_0, ..., s_n`` into weighted duration rows.

    Parameters
    ----------
    survivors : array-like or pandas.Series
        Customers active at the start of periods 0..n (``s_0`` = cohort size); must not
        increase.

    Returns
    -------
    pandas.DataFrame
        Columns ``duration``, ``censored`` and ``weights``: ``s_{t-1} - s_t`` customers with
        duration t (churned in period t) for t = 1..n and ``s_n`` censored at duration n.

    Examples
    --------
    >>> from custvalue.clv import survivors_to_durations
    >>> survivors_to_durations([1000, 631, 468]).to_numpy().tolist()
    [[1.0, 0.0, 369.0], [2.0, 0.0, 163.0], [2.0, 1.0, 468.0]]
    """
    index = survivors.index if isinstance(survivors, pd.Series) else None
    s = as_float_array(survivors, "survivors", index=index)
    if s.size < 2:
        raise DataError(f"survivors needs at least two counts (periods 0 and 1); received {s.size}.")
    if (s < 0).any():
        raise DataError("survivors must be >= 0; " + describe_rows(s < 0, index))
    if s[0] <= 0:
        raise DataError(f"survivors[0] (the cohort size) must be > 0; received {s[0]:g}.")
    up = np.zeros(s.size, dtype=bool)
    up[1:] = s[1:] > s[:-1]
    if up.any():
        i = int(np.flatnonzero(up)[0])
        raise DataError(f"survivors must not increase (a cohort only loses customers); it rises from "
                        f"{s[i - 1]:g} to {s[i]:g} at position {i}: " + describe_rows(up, index)
                        + ". Check the order (period 0 first) and that later cohorts were not mixed in.")
    n = s.size - 1
    t = np.arange(1, n + 1, dtype=float)
    return pd.DataFrame({"duration": np.append(t, float(n)),
                         "censored": np.append(np.zeros(n), 1.0),
                         "weights": np.append(s[:-1] - s[1:], s[-1])})


class ShiftedBetaGeometricResults(LikelihoodResults):
    """Fitted sBG model: parameters, fit statistics, survival curve and valuation (DEL, DERL).

    Returned by :meth:`ShiftedBetaGeometric.fit`.

    Attributes
    ----------
    model : ShiftedBetaGeometric
        The fitted model (weighted duration rows).
    params : pandas.Series
        ``alpha``, ``beta``.
    cov_params : pandas.DataFrame
        Covariance of ``params``.
    llf : float
        Maximised log-likelihood.
    nobs : float
        Customers in the cohort(s) (sum of the weights).
    converged, message, n_iter, cov_type
        Optimiser diagnostics and covariance type (see
        :class:`~custvalue.base.LikelihoodResults`).

    Examples
    --------
    >>> from custvalue.clv import ShiftedBetaGeometric
    >>> ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    <ShiftedBetaGeometricResults: model=ShiftedBetaGeometric, nobs=1000, llf=-1680.27, converged=True>
    """

    def _ab(self) -> tuple[float, float]:
        return float(self.params["alpha"]), float(self.params["beta"])

    @staticmethod
    def _out(values: np.ndarray, key: Any, name: str, index_name: str) -> float | pd.Series:
        if np.ndim(key) == 0:
            return float(np.asarray(values).reshape(-1)[0])
        return pd.Series(np.asarray(values, dtype=float),
                         index=pd.Index(np.asarray(key).reshape(-1), name=index_name), name=name)

    def _interval(self, predict: Any, key: np.ndarray, index_name: str, scale: str, interval: Any, level: Any,
                  n_draws: Any, seed: Any, executor: Any, progress: Any) -> pd.DataFrame:
        """The ``estimate, lower, upper`` frame indexed by ``key`` (``custvalue.clv._uncertainty``)."""
        interval, level, n_draws = check_interval(interval, level, n_draws, executor, progress, seed)
        key = np.asarray(key).reshape(-1)
        return interval_of([self], predict, key.size, pd.Index(key, name=index_name), interval=interval,
                           level=level, scale=scale, n_draws=n_draws, seed=seed, executor=executor,
                           progress=progress)

    def _rate(self, discount_rate: Any) -> np.ndarray:
        """The discount rate, where the discounted sums converge: ``d > 0``, or ``d = 0``
        when ``alpha > 1`` (``S(t)`` decays like ``t**-alpha``, so the undiscounted
        expected lifetime is finite only then, and any negative rate makes the sum grow)."""
        d = check_discount_rate(discount_rate)
        alpha = float(self.params["alpha"])
        if np.any((d < 0) | ((d == 0) & (alpha <= 1))):
            raise DataError(f"discount_rate must be > 0 (or 0 when alpha > 1): the discounted sum "
                            f"of survival probabilities diverges otherwise (alpha = {alpha:.4g}); "
                            f"received {discount_rate!r}.")
        return d

    @staticmethod
    def _periods(t: Any, name: str, minimum: int) -> np.ndarray:
        arr = as_float_array(t, name)
        bad = (arr < minimum) | (arr != np.floor(arr))
        if bad.any():
            raise DataError(f"{name} must hold whole numbers >= {minimum}; received {arr[bad][:5].tolist()}.")
        return arr

    def _lifetime_rate(self, discount_rate: Any, what: str, moment: int = 1) -> np.ndarray:
        """Check a discount rate for an infinite discounted sum over the lifetime: > 0, or 0
        when the undiscounted sum converges (α > ``moment``: E[θ^-moment] is finite)."""
        d = check_discount_rate(discount_rate)
        alpha = self._ab()[0]
        bad = (d < 0) | ((d == 0) & (alpha <= moment))
        if np.any(bad):
            raise DataError(f"{what} diverges for discount_rate <= 0 here (alpha = {alpha:.6g}): the "
                            f"customers whose churn probability is near 0 never leave, and without "
                            f"discounting the sum is finite only when alpha > {moment}; received "
                            f"discount_rate={discount_rate!r}. Pass a positive discount rate.")
        return d

    def survival(self, t: Any, *, interval: str | None = None, level: float = 0.95,
                 n_draws: int = 200, seed: Any = None, executor: Any = None,
                 progress: Any = False) -> float | pd.Series | pd.DataFrame:
        """S(t) = P(still a customer after t periods) = B(α, β+t)/B(α, β) (FH07 eq. 7).

        Parameters
        ----------
        t : int or array-like of int
            Number of periods (whole, >= 0). An array returns a Series indexed by ``t``.
        interval : {None, "delta", "simulate", "bootstrap"}, default None
            An interval from the parameters' sampling uncertainty (see
            :meth:`custvalue.clv.BetaGeoResults.p_alive`; the bootstrap resamples the
            customers of the fitted cohort).
        level : float, default 0.95
            Confidence level of the interval.
        n_draws : int, default 200
            Parameter draws for ``"simulate"``, resamples for ``"bootstrap"``.
        seed : int or numpy.random.Generator, optional
            Random seed for ``"simulate"`` and ``"bootstrap"``.
        executor : concurrent.futures.Executor, optional
            Runs the bootstrap refits (``executor.map``).
        progress : bool or callable, default False
            Progress of the bootstrap refits.

        Returns
        -------
        float or pandas.Series or pandas.DataFrame
            Survival probabilities; with ``interval``, a frame indexed by ``t`` with columns
            ``estimate``, ``lower`` and ``upper`` (logit scale for the delta method).

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> res.survival([0, 1, 2]).round(3).tolist()
        [1.0, 0.627, 0.474]
        """
        tt = self._periods(t, "t", 0)
        if interval is not None:
            return self._interval(lambda p, rows: kernel.survival(*p, tt[rows]), np.asarray(t).reshape(-1), "t",
                                  "logit", interval, level, n_draws, seed, executor, progress)
        return self._out(kernel.survival(*self._ab(), tt), t, "survival", "t")

    def churn_probability(self, t: Any) -> float | pd.Series:
        """P(T = t): probability of leaving at the end of period t (FH07 eq. 6).

        Parameters
        ----------
        t : int or array-like of int
            Number of periods (whole, >= 1). An array returns a Series indexed by ``t``.

        Returns
        -------
        float or pandas.Series
            Churn probabilities.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> res.churn_probability([1, 2]).round(3).tolist()
        [0.373, 0.153]
        """
        tt = self._periods(t, "t", 1)
        return self._out(kernel.churn_probability(*self._ab(), tt), t, "churn_probability", "t")

    def retention_rate(self, t: Any, *, interval: str | None = None, level: float = 0.95,
                 n_draws: int = 200, seed: Any = None, executor: Any = None,
                 progress: Any = False) -> float | pd.Series | pd.DataFrame:
        """Cohort retention rate r_t = S(t)/S(t-1) = (β+t-1)/(α+β+t-1) (FH07 eq. 8); it rises
        with t although no individual's churn probability changes (heterogeneity sorting).

        Parameters
        ----------
        t : int or array-like of int
            Number of periods (whole, >= 1). An array returns a Series indexed by ``t``.
        interval : {None, "delta", "simulate", "bootstrap"}, default None
            An interval from the parameters' sampling uncertainty (see
            :meth:`custvalue.clv.BetaGeoResults.p_alive`; the bootstrap resamples the
            customers of the fitted cohort).
        level : float, default 0.95
            Confidence level of the interval.
        n_draws : int, default 200
            Parameter draws for ``"simulate"``, resamples for ``"bootstrap"``.
        seed : int or numpy.random.Generator, optional
            Random seed for ``"simulate"`` and ``"bootstrap"``.
        executor : concurrent.futures.Executor, optional
            Runs the bootstrap refits (``executor.map``).
        progress : bool or callable, default False
            Progress of the bootstrap refits.

        Returns
        -------
        float or pandas.Series or pandas.DataFrame
            Retention rates in (0, 1); with ``interval``, a frame indexed by ``t`` with
            columns ``estimate``, ``lower`` and ``upper``.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> res.retention_rate([1, 2, 3]).round(3).tolist()
        [0.627, 0.756, 0.819]
        """
        tt = self._periods(t, "t", 1)
        if interval is not None:
            return self._interval(lambda p, rows: kernel.retention_rate(*p, tt[rows]), np.asarray(t).reshape(-1),
                                  "t", "logit", interval, level, n_draws, seed, executor, progress)
        return self._out(kernel.retention_rate(*self._ab(), tt), t, "retention_rate", "t")

    def expected_survivors(self, t: Any, cohort_size: float | None = None) -> float | pd.Series:
        """Expected number of the cohort still active after t periods: ``cohort_size * S(t)``
        (default cohort size: the number of customers the model was fitted on).

        Parameters
        ----------
        t : int or array-like of int
            Number of periods (whole, >= 0). An array returns a Series indexed by ``t``.
        cohort_size : float, optional
            Size of the cohort to project; defaults to ``nobs``.

        Returns
        -------
        float or pandas.Series
            Expected number of active customers.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> res.expected_survivors([1, 2]).round(1).tolist()
        [626.7, 473.8]
        >>> round(res.expected_survivors(1, cohort_size=500), 1)
        313.4
        """
        size = self.nobs if cohort_size is None else check_positive_scalar(cohort_size, "cohort_size")
        tt = self._periods(t, "t", 0)
        return self._out(size * kernel.survival(*self._ab(), tt), t, "expected_survivors", "t")

    def discounted_expected_lifetime(self, discount_rate: Any, *, interval: str | None = None,
                                     level: float = 0.95, n_draws: int = 200, seed: Any = None,
                                     executor: Any = None, progress: Any = False) -> float | pd.Series | pd.DataFrame:
        """DEL: expected discounted number of payments of a new customer paying at the start
        of each period, ``2F1(1, β; α+β; 1/(1+d))`` (FH10 eq. 4); ``E[CLV] = m * DEL``.

        Parameters
        ----------
        discount_rate : float or array-like
            Per-period discount rate (> 0, or 0 when alpha > 1). An array returns a Series
            indexed by it.
        interval : {None, "delta", "simulate", "bootstrap"}, default None
            An interval from the parameters' sampling uncertainty (log scale for the delta
            method; see :meth:`discounted_expected_residual_lifetime`).
        level : float, default 0.95
            Confidence level of the interval.
        n_draws : int, default 200
            Parameter draws for ``"simulate"``, resamples for ``"bootstrap"``.
        seed : int or numpy.random.Generator, optional
            Random seed for ``"simulate"`` and ``"bootstrap"``.
        executor : concurrent.futures.Executor, optional
            Runs the bootstrap refits (``executor.map``).
        progress : bool or callable, default False
            Progress of the bootstrap refits.

        Returns
        -------
        float or pandas.Series or pandas.DataFrame
            Expected discounted number of payments; with ``interval``, a frame indexed by
            ``discount_rate`` with ``estimate``, ``lower`` and ``upper``.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(res.discounted_expected_lifetime(0.1), 2)
        3.69
        """
        d = self._lifetime_rate(discount_rate, "DEL")
        if interval is not None:
            dd = np.asarray(d, dtype=float).reshape(-1)
            return self._interval(lambda p, rows: kernel.discounted_expected_lifetime(*p, dd[rows]), dd,
                                  "discount_rate", "log", interval, level, n_draws, seed, executor, progress)
        return self._out(kernel.discounted_expected_lifetime(*self._ab(), d), discount_rate,
                         "DEL", "discount_rate")

    def discounted_expected_residual_lifetime(self, discount_rate: Any, n_renewals: Any = 0, *,
                                              interval: str | None = None, level: float = 0.95,
                                              n_draws: int = 200, seed: Any = None, executor: Any = None,
                                              progress: Any = False) -> float | pd.Series | pd.DataFrame:
        """DERL of a customer who has made ``n_renewals`` renewals, valued just before the next
        renewal decision (FH10 eq. 6): ``(β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d))``.

        Parameters
        ----------
        discount_rate : float
            Per-period discount rate (> 0, or 0 when alpha > 1).
        n_renewals : int or array-like of int, default 0
            Renewals made so far (0 = customer in the first period). An array returns a
            Series indexed by ``n_renewals``.
        interval : {None, "delta", "simulate", "bootstrap"}, default None
            An interval from the parameters' sampling uncertainty (see
            :meth:`custvalue.clv.BetaGeoResults.p_alive`; the bootstrap resamples the
            customers of the fitted cohort).
        level : float, default 0.95
            Confidence level of the interval.
        n_draws : int, default 200
            Parameter draws for ``"simulate"``, resamples for ``"bootstrap"``.
        seed : int or numpy.random.Generator, optional
            Random seed for ``"simulate"`` and ``"bootstrap"``.
        executor : concurrent.futures.Executor, optional
            Runs the bootstrap refits (``executor.map``).
        progress : bool or callable, default False
            Progress of the bootstrap refits.

        Returns
        -------
        float or pandas.Series or pandas.DataFrame
            Expected discounted number of future payments; ``E[RLV] = m * DERL``. With
            ``interval``, a frame (log scale for the delta method) indexed by ``n_renewals``
            or ``discount_rate``.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(res.discounted_expected_residual_lifetime(0.1), 2)
        2.96
        >>> res.discounted_expected_residual_lifetime(0.1, n_renewals=[0, 4]).round(2).tolist()
        [2.96, 5.89]
        """
        d = self._lifetime_rate(discount_rate, "DERL")
        if np.ndim(d) and np.ndim(n_renewals):
            raise DataError("pass either several discount rates or several n_renewals, not both.")
        n = self._periods(n_renewals, "n_renewals", 0)
        if interval is not None:
            dd, nn = np.broadcast_arrays(np.asarray(d, dtype=float).reshape(-1), n)
            key = np.asarray(n_renewals).reshape(-1) if np.ndim(n_renewals) else dd
            return self._interval(lambda p, rows: kernel.derl(*p, dd[rows], nn[rows]), key,
                                  "n_renewals" if np.ndim(n_renewals) else "discount_rate", "log", interval,
                                  level, n_draws, seed, executor, progress)
        vals = kernel.derl(*self._ab(), d, n)
        key = n_renewals if np.ndim(n_renewals) else discount_rate
        return self._out(vals, key, "DERL", "n_renewals" if np.ndim(n_renewals) else "discount_rate")

    def retention_elasticity(self, discount_rate: Any, n_renewals: Any = 0) -> float | pd.Series:
        """% change in DERL for a 1% increase in every customer's retention probability.

        See :func:`custvalue.math.sbg.retention_elasticity` for the closed form. Ignoring
        heterogeneity (a single retention rate r) gives ``(1+d)/(1+d-r)``; FH10's point is that
        the heterogeneous value differs, and grows with tenure.

        Parameters
        ----------
        discount_rate : float or array-like
            Per-period discount rate (> 0, or 0 when alpha > 2).
        n_renewals : int or array-like of int, default 0
            Renewals made so far. Only one of ``discount_rate`` and ``n_renewals`` may be an
            array; the result is then a Series indexed by it.

        Returns
        -------
        float or pandas.Series
            Elasticity of DERL with respect to the retention probability.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> res.retention_elasticity(0.1, n_renewals=[0, 4]).round(3).tolist()
        [6.459, 7.744]
        """
        d = self._lifetime_rate(discount_rate, "The retention elasticity", moment=2)
        if np.ndim(d) and np.ndim(n_renewals):
            raise DataError("pass either several discount rates or several n_renewals, not both.")
        n = self._periods(n_renewals, "n_renewals", 0)
        vals = kernel.retention_elasticity(*self._ab(), d, n)
        key = n_renewals if np.ndim(n_renewals) else discount_rate
        return self._out(vals, key, "retention_elasticity",
                         "n_renewals" if np.ndim(n_renewals) else "discount_rate")

    def clv(self, margin: float, discount_rate: Any) -> float | pd.Series:
        """Expected lifetime value of a new customer, ``margin * DEL`` (FH10 eq. 4).

        Parameters
        ----------
        margin : float
            Net cash flow per period, paid at the start of each period.
        discount_rate : float or array-like
            Per-period discount rate (> 0, or 0 when alpha > 1).

        Returns
        -------
        float or pandas.Series
            Expected CLV (a Series indexed by ``discount_rate`` for an array).

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(res.clv(100, 0.1), 1)
        369.5
        """
        return check_finite_scalar(margin, "margin") * self.discounted_expected_lifetime(discount_rate)

    def residual_value(self, margin: float, discount_rate: Any, n_renewals: Any = 0) -> float | pd.Series:
        """Expected residual lifetime value of an existing customer, ``margin * DERL`` (FH10).

        Parameters
        ----------
        margin : float
            Net cash flow per period.
        discount_rate : float or array-like
            Per-period discount rate (> 0, or 0 when alpha > 1).
        n_renewals : int or array-like of int, default 0
            Renewals made so far (see :meth:`discounted_expected_residual_lifetime`).

        Returns
        -------
        float or pandas.Series
            Expected residual lifetime value.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(res.residual_value(100, 0.1, n_renewals=4), 1)
        589.4
        """
        return (check_finite_scalar(margin, "margin")
                * self.discounted_expected_residual_lifetime(discount_rate, n_renewals))


class ShiftedBetaGeometric(CustomerModel[ShiftedBetaGeometricResults]):
    """sBG: each customer leaves at the end of any period with probability θ ~ Beta(α, β).

    Parameters
    ----------
    survivors : array-like, optional
        A cohort's survivor counts at the start of periods 0..n (``s_0`` = cohort size).
    duration : array-like, optional
        Individual data instead of a cohort: for a customer who churned, the period t >= 1 in
        which they left (active in period t, gone in t+1); for a customer still active
        (``censored``), the number of periods observed (>= 0).
    censored : array-like of bool, optional
        True when the customer is still active (right-censored); required with ``duration``.
    weights : array-like, optional
        Customers each ``duration`` row stands for.

    Examples
    --------
    >>> from custvalue.clv import ShiftedBetaGeometric
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # FH 2007, years 0-7
    >>> res = ShiftedBetaGeometric().fit(regular)
    >>> res.params.round(3).tolist()  # FH 2007: alpha = 0.704, beta = 1.182
    [0.704, 1.182]
    """

    param_names = ("alpha", "beta")
    data_columns = ("duration", "censored")
    results_class = ShiftedBetaGeometricResults
    mixing = (("alpha", "beta", "beta", "churn probabilities"),)

    def __init__(self, survivors: Any = None, *, duration: Any = None, censored: Any = None,
                 weights: Any = None):
        if survivors is not None and duration is not None:
            raise DataError("pass either survivors (a cohort) or duration/censored (customers), not both.")
        if survivors is not None:
            if weights is not None:
                raise DataError("weights apply to duration rows; survivor counts are already counts.")
            rows = survivors_to_durations(survivors)
            duration, censored, weights = (rows[k].to_numpy() for k in ("duration", "censored", "weights"))
        elif duration is not None and censored is None:
            raise DataError("censored is required with duration: True for customers still active.")
        # one row per customer (Series paired by label), checked by :meth:`check`, compressed
        super().__init__(None, weights=weights, duration=duration, censored=censored)

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Duration data constraints (raises :class:`~custvalue.exceptions.DataError` naming
        rows): ``censored`` is 0/1, ``duration`` a whole number >= 0, and >= 1 for a
        customer who churned.

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            ``duration`` and ``censored`` as float arrays.
        index : pandas.Index or None
            The customers' index, used to name offending rows.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> ShiftedBetaGeometric.check({"duration": np.array([0.0]), "censored": np.array([0.0])}, None)
        Traceback (most recent call last):
        ...
        custvalue.exceptions.DataError: duration must be >= 1 for a customer who churned (they were active ...
        """
        t, c = arrays["duration"], arrays["censored"]
        if not np.isin(c, (0.0, 1.0)).all():
            raise DataError("censored must be boolean (0/1); " + describe_rows(~np.isin(c, (0.0, 1.0)), index))
        if (t < 0).any():
            raise DataError(f"duration must be >= 0; received {t[t < 0][0]:g}; " + describe_rows(t < 0, index))
        if (t != np.floor(t)).any():
            raise DataError("duration must be a whole number of periods; " + describe_rows(t != np.floor(t), index))
        zero = (c == 0) & (t < 1)
        if zero.any():
            raise DataError("duration must be >= 1 for a customer who churned (they were active "
                            "for at least the first period); " + describe_rows(zero, index))

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.loglike(*params, self.data["duration"], self.data["censored"])

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.score(*params, self.data["duration"], self.data["censored"])

    def start_params(self) -> np.ndarray:
        t, c, w = self.data["duration"], self.data["censored"].astype(bool), self.weights
        churn1 = float(w[(~c) & (t == 1)].sum()) / self.nobs
        r1 = min(max(1.0 - churn1, 0.05), 0.95)
        return np.array([1.0, r1 / (1.0 - r1)])

    def fit(self, survivors: Any = None, *, duration: Any = None, censored: Any = None,
            weights: Any = None, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-7,
            cov_type: str = "hessian") -> ShiftedBetaGeometricResults:
        """Fit (α, β) by maximum likelihood (FH07 appendix B).

        Parameters
        ----------
        survivors : array-like, optional
            Survivor counts of a cohort at the start of periods 0..n.
        duration, censored, weights : array-like, optional
            Individual durations with right-censoring (see the class docstring).
        start_params, maxiter, gtol, cov_type
            Passed to :meth:`custvalue.base.LikelihoodModel.fit`.

        Returns
        -------
        ShiftedBetaGeometricResults
            Frozen results: ``params``, ``bse``, ``llf``, ``summary()``, ``survival``,
            ``retention_rate``, ``discounted_expected_lifetime`` (DEL),
            ``discounted_expected_residual_lifetime`` (DERL), ``retention_elasticity``.

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeometric
        >>> res = ShiftedBetaGeometric().fit(duration=[1, 1, 2, 3], censored=[False, False, False, True],
        ...                                  weights=[30, 10, 20, 40])
        >>> res.nobs, res.converged
        (100.0, True)
        """
        if survivors is None and duration is None and censored is None and not self._bound:
            raise DataError("ShiftedBetaGeometric.fit needs data: survivor counts of a cohort, or "
                            "duration= and censored= for individual customers.")
        return super().fit(survivors, weights=weights, start_params=start_params, maxiter=maxiter, gtol=gtol,
                           cov_type=cov_type, duration=duration, censored=censored)
