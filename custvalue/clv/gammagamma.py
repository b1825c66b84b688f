"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, JMR 42;
Fader & Hardie 2013, note 025)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_counts, check_level, describe_rows
from ..exceptions import DataError
from ..math import gammagamma as kernel
from ._base import CustomerModel, CustomerResults
from ._uncertainty import check_interval, interval_of

__all__ = ["GammaGamma", "GammaGammaResults"]


class GammaGammaResults(CustomerResults):
    """Fitted Gamma-Gamma spend model.

    Returned by :meth:`GammaGamma.fit`.

    Attributes
    ----------
    model : GammaGamma
        The fitted model (repeat buyers only, compressed).
    params : pandas.Series
        ``p``, ``q``, ``gamma``.
    cov_params : pandas.DataFrame
        Covariance of ``params``.
    llf : float
        Maximised log-likelihood.
    converged, message, n_iter, cov_type
        Optimiser diagnostics and covariance type (see
        :class:`~custvalue.base.LikelihoodResults`).

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import GammaGamma
    >>> res = GammaGamma().fit(load_cdnow_summary())
    >>> res
    <GammaGammaResults: model=GammaGamma, nobs=946, llf=-4055.92, converged=True>
    >>> round(res.population_mean_spend, 2)
    35.17
    """

    def expected_spend(self, data: pd.DataFrame | None = None, *, interval: str | None = None,
                       level: float = 0.95, n_draws: int = 200, seed: Any = None, executor: Any = None,
                       progress: Any = False, **columns: Any) -> pd.Series | pd.DataFrame:
        """E[spend per transaction | frequency, monetary_value] per customer (note 025 eq. 5).

        Customers with no repeat purchase get the population mean ``p gamma / (q - 1)``.
        The mean exists only where ``q + p * frequency > 1``; other rows raise
        :class:`~custvalue.exceptions.DataError` (a fit with q <= 1 has no population mean).

        Parameters
        ----------
        data : pandas.DataFrame, optional
            Customers with ``frequency`` and ``monetary_value`` (mean repeat-purchase value).
        interval : {None, "delta", "simulate", "bootstrap"}, default None
            An interval from the parameters' sampling uncertainty (log scale for the delta
            method; see :meth:`custvalue.clv.BetaGeoResults.p_alive`).
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
        **columns
            The same as keyword arrays.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Indexed like ``data``; with ``interval``, columns ``estimate``, ``lower`` and
            ``upper``.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import GammaGamma
        >>> data = load_cdnow_summary()
        >>> GammaGamma().fit(data).expected_spend(data.head(3)).round(2).tolist()
        [24.66, 18.91, 35.17]
        """
        interval, level, n_draws = check_interval(interval, level, n_draws, executor, progress, seed)
        arrays, index = self._rows(data, columns)
        p, q, g = self._p("p", "q", "gamma")
        vals = kernel.expected_spend(p, q, g, arrays["frequency"], arrays["monetary_value"])
        infinite = ~np.isfinite(vals)
        if infinite.any():
            raise DataError(f"expected spend is infinite where q + p * frequency <= 1 (q = {q:.6g}, "
                            f"p = {p:.6g}): the posterior mean of the spend per transaction does not "
                            "exist for these customers; " + describe_rows(infinite, index))
        if interval is not None:
            x, m = arrays["frequency"], arrays["monetary_value"]
            return interval_of([self], lambda prm, rows: kernel.expected_spend(*prm, x[rows], m[rows]), x.size,
                               index, interval=interval, level=level, scale="log", n_draws=n_draws, seed=seed,
                               executor=executor, progress=progress)
        return self._series(vals, index, "expected_spend")

    def spend_predictive_interval(self, data: pd.DataFrame | None = None, *, level: float = 0.9,
                                  **columns: Any) -> pd.DataFrame:
        """Equal-tailed predictive interval of the value of each customer's *next* transaction
        (process uncertainty, parameters at their estimates).

        Given the customer's history, ``ν ~ Gamma(q + p x, γ + x m_x)`` (note 025 eq. 4) and a
        transaction is ``z | ν ~ Gamma(p, ν)``, so ``z / (γ + x m_x)`` follows a beta-prime
        distribution ``BetaPrime(p, q + p x)``: with ``u`` the ``c``-quantile of
        ``Beta(p, q + p x)``, the ``c``-quantile of ``z`` is ``(γ + x m_x) u / (1 - u)``
        (``1 - u`` from the complementary beta quantile, so upper tails keep their digits).
        Customers with no repeat purchase get the population's predictive distribution
        (``x = 0``). The interval describes one transaction's value, not the mean of several.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            Customers with ``frequency`` and ``monetary_value`` (mean repeat-purchase value).
        level : float, default 0.9
            Probability content of the interval, strictly between 0 and 1.
        **columns
            The same as keyword arrays.

        Returns
        -------
        pandas.DataFrame
            Columns ``median``, ``lower`` and ``upper`` (in the currency of ``monetary_value``),
            indexed like ``data``.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import GammaGamma
        >>> data = load_cdnow_summary()
        >>> GammaGamma().fit(data).spend_predictive_interval(data.head(2)).round(2).to_numpy().tolist()
        [[22.38, 9.6, 47.43], [16.67, 6.81, 38.52]]
        """
        from scipy import special

        level = check_level(level)
        arrays, index = self._rows(data, columns)
        p, q, g = self._p("p", "q", "gamma")
        x, m = arrays["frequency"], arrays["monetary_value"]
        shape, rate = q + p * x, g + x * m
        tails = np.array([0.5, (1 - level) / 2, (1 + level) / 2])[:, None]
        u = special.betaincinv(p, shape, tails)          # Beta(p, shape) quantiles
        one_minus_u = special.betaincinv(shape, p, 1 - tails)
        values = rate * u / one_minus_u
        frame = pd.DataFrame({"median": values[0], "lower": values[1], "upper": values[2]}, index=index)
        if index is None:
            frame.index.name = "customer_id"
        frame.attrs.update(level=level, kind="spend of the next transaction")
        return frame

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per transaction in the population, ``p gamma / (q - 1)`` (inf if q <= 1)."""
        p, q, g = self._p("p", "q", "gamma")
        return float(kernel.population_mean_spend(p, q, g)) if q > 1 else float("inf")


class GammaGamma(CustomerModel[GammaGammaResults]):
    """Gamma-Gamma: transaction values ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers.

    Fitted on repeat buyers only (``frequency > 0``): rows with no repeat purchase carry
    no spend information and are left out of the likelihood (``nobs`` counts repeat buyers).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        ``frequency`` and ``monetary_value`` (mean value of the repeat purchases).
    weights : array-like, optional
        Number of customers each row stands for.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import GammaGamma
    >>> res = GammaGamma().fit(load_cdnow_summary())
    >>> res.params.round(2).tolist()
    [6.25, 3.74, 15.45]
    """

    param_names = ("p", "q", "gamma")
    mixing = (("q", "gamma", "gamma", "spend scales"),)
    data_columns = ("frequency", "monetary_value")
    results_class = GammaGammaResults

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Gamma-Gamma data constraints: ``frequency`` is a count, and ``monetary_value > 0``
        for every customer with ``frequency > 0``.

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            ``frequency`` and ``monetary_value`` as float arrays.
        index : pandas.Index or None
            The customers' index, used to name offending rows.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import GammaGamma
        >>> GammaGamma.check({"frequency": np.array([2.0]), "monetary_value": np.array([0.0])}, None)
        Traceback (most recent call last):
        ...
        custvalue.exceptions.DataError: monetary_value must be > 0 for customers with frequency > 0; ...
        """
        check_counts(arrays["frequency"], "frequency", index)
        bad = (arrays["frequency"] > 0) & (arrays["monetary_value"] <= 0)
        if bad.any():
            raise DataError("monetary_value must be > 0 for customers with frequency > 0; "
                            + describe_rows(bad, index))

    def _select_rows(self, arrays, w):
        keep = arrays["frequency"] > 0
        if not keep.any():
            raise DataError("GammaGamma needs repeat buyers (frequency > 0); none were found.")
        return {k: v[keep] for k, v in arrays.items()}, w[keep]

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.loglike(*params, self.data["frequency"], self.data["monetary_value"])

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.score(*params, self.data["frequency"], self.data["monetary_value"])

    def start_params(self) -> np.ndarray:
        m = self.data["monetary_value"]
        mean = float(self.weights @ m / self.nobs)
        return np.array([2.0, 3.0, mean])  # p gamma / (q-1) ≈ 2 * mean / 2 = mean
