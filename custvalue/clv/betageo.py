"""The BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science 24(2):275-284)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_rft
from ..math import betageo as kernel
from ._base import CustomerModel, CustomerResults
from ._predict import TransactionResultsMixin

__all__ = ["BetaGeo", "BetaGeoResults"]


class BetaGeoResults(TransactionResultsMixin, CustomerResults):
    """Fitted BG/NBD model: parameters, fit statistics and customer-level predictions.

    Returned by :meth:`BetaGeo.fit`; predictions (``p_alive``, ``expected_purchases``,
    ``probability_of_purchases``, ``dert``...) use the kernels of
    :mod:`custvalue.math.betageo` (Fader, Hardie & Lee 2005, eqs. 6-10).

    Attributes
    ----------
    model : BetaGeo
        The fitted model (compressed data).
    params : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
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
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> res
    <BetaGeoResults: r=0.2426, alpha=4.414, a=0.7929, b=2.426; llf=-9582.43>
    """

    kernel = kernel


class BetaGeo(CustomerModel):
    """BG/NBD: Poisson purchasing at rate λ ~ Gamma(r, α) while alive; after each repeat
    purchase the customer drops out with probability p ~ Beta(a, b).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency`` (repeat purchases), ``recency`` (time of the
        last repeat purchase since the first) and ``T`` (time since the first purchase).
    weights : array-like, optional
        Number of customers each row stands for.
    **columns
        ``frequency=``, ``recency=``, ``T=`` as arrays instead of (or overriding) ``data``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> res.params.round(3).tolist(), round(float(res.llf), 1)
    ([0.243, 4.414, 0.793, 2.426], -9582.4)
    """

    param_names = ("r", "alpha", "a", "b")
    data_columns = ("frequency", "recency", "T")
    results_class = BetaGeoResults

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """BG/NBD data constraints: whole ``frequency >= 0``, ``0 <= recency <= T``, ``T > 0``,
        and ``recency == 0`` when ``frequency == 0`` (``custvalue._validation.check_rft``).

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
        >>> BetaGeo.check({"frequency": np.array([2.0]), "recency": np.array([30.43]),
        ...                "T": np.array([38.86])}, None)
        """
        check_rft(arrays["frequency"], arrays["recency"], arrays["T"], index)

    def _kernel_args(self) -> tuple[np.ndarray, ...]:
        d = self.data
        return d["frequency"], d["recency"], d["T"]

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        if not hasattr(self, "_levels"):
            self._levels = kernel.x_levels(self.data["frequency"])
        return kernel.weighted_loglike_and_score(*params, *self._kernel_args(), self.weights, self._levels)

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.loglike(*params, *self._kernel_args())

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return kernel.score(*params, *self._kernel_args())

    def start_params(self) -> np.ndarray:
        # method-of-moments-like start: r/alpha matches the mean purchase rate.
        x, _, T = self._kernel_args()
        rate = max(float(self.weights @ (x / T) / self.nobs), 1e-3)
        return np.array([0.5, 0.5 / rate, 1.0, 2.0])

    def fit(self, data: pd.DataFrame | None = None, **kwargs: Any) -> BetaGeoResults:  # noqa: D102
        return super().fit(data, **kwargs)  # type: ignore[return-value]

    fit.__doc__ = CustomerModel.fit.__doc__
