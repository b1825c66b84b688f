"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, IJRM 24:201-209)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_rft
from ..math import modbetageo as kernel
from ._base import CustomerModel, CustomerResults
from ._predict import TransactionResultsMixin
from .paretonbd import _CachedScore

__all__ = ["ModifiedBetaGeo", "ModifiedBetaGeoResults"]


class ModifiedBetaGeoResults(TransactionResultsMixin, CustomerResults):
    """Fitted MBG/NBD model: parameters, fit statistics and customer-level predictions."""

    kernel = kernel


class ModifiedBetaGeo(_CachedScore, CustomerModel):
    """MBG/NBD: the BG/NBD with a drop-out opportunity at time 0 as well as after each
    repeat purchase, so customers without repeat purchases may also be inactive.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency`` and ``T``.
    weights : array-like, optional
        Number of customers each row stands for.
    **columns
        ``frequency=``, ``recency=``, ``T=`` as arrays instead of (or overriding) ``data``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import ModifiedBetaGeo
    >>> res = ModifiedBetaGeo().fit(load_cdnow_summary())
    >>> round(res.llf, 1)
    -9582.1
    """

    param_names = ("r", "alpha", "a", "b")
    data_columns = ("frequency", "recency", "T")
    results_class = ModifiedBetaGeoResults

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        check_rft(arrays["frequency"], arrays["recency"], arrays["T"], index)

    def _kernel_args(self) -> tuple[np.ndarray, ...]:
        d = self.data
        return d["frequency"], d["recency"], d["T"]

    def _compute_both(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return kernel.loglike_and_score(*params, *self._kernel_args())

    def start_params(self) -> np.ndarray:
        x, _, T = self._kernel_args()
        rate = max(float(self.weights @ (x / T) / self.nobs), 1e-3)
        return np.array([0.5, 0.5 / rate, 1.0, 2.0])

    def fit(self, data: pd.DataFrame | None = None, **kwargs: Any) -> ModifiedBetaGeoResults:  # noqa: D102
        return super().fit(data, **kwargs)  # type: ignore[return-value]

    fit.__doc__ = CustomerModel.fit.__doc__
