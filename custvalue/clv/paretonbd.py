"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..math import paretonbd as kernel
from ._base import CustomerModel, CustomerResults, PurchaseCountModel
from ._predict import TransactionResultsMixin

_FIT_EXAMPLES = '\n\n        Examples\n        --------\n        >>> from custvalue.datasets import load_cdnow_summary\n        >>> from custvalue.clv import ParetoNBD\n        >>> res = ParetoNBD().fit(load_cdnow_summary())\n        >>> round(res.llf, 1)\n        -9595.0\n        '


def _fit_doc(base: str | None, examples: str) -> str:
    """The shared ``fit`` docstring with this model's examples (once, whatever the base has)."""
    base = base or ""
    if "Examples\n" in base:
        head, _, _ = base.partition("        Examples\n")
        return head.rstrip() + examples
    return base.rstrip() + examples


__all__ = ["ParetoNBD", "ParetoNBDResults"]


class ParetoNBDResults(TransactionResultsMixin, CustomerResults):
    """Fitted Pareto/NBD model: parameters, fit statistics and customer-level predictions
    (``p_alive``, ``expected_purchases``, ``expected_purchases_new_customer``,
    ``probability_of_purchases``, ``dert``).

    Parameters
    ----------
    model : ParetoNBD
        The fitted model (holds the validated, compressed data).
    params : numpy.ndarray
        Estimates in the order of ``model.param_names``.
    cov : numpy.ndarray
        Covariance matrix of the estimates.
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
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import ParetoNBD
    >>> res = ParetoNBD().fit(load_cdnow_summary())
    >>> float(res.p_alive(frequency=[2], recency=[30.43], T=[38.86]).round(3).iloc[0])
    0.869
        """

    kernel = kernel


class ParetoNBD(PurchaseCountModel):
    """Pareto/NBD: Poisson purchasing at rate λ ~ Gamma(r, α) while alive; an exponential
    lifetime with death rate μ ~ Gamma(s, β) (Schmittlein, Morrison & Colombo 1987).

    The likelihood is evaluated in log space with a positive-term series (see
    :mod:`custvalue.math.paretonbd`), so heavy buyers (x > 200), ``recency == T`` and
    α == β are all handled; the gradient is analytic.  Starting values come from a fit on a
    systematic subsample when the data have more than 3,000 unique rows.

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
    >>> from custvalue.clv import ParetoNBD
    >>> res = ParetoNBD().fit(load_cdnow_summary())
    >>> [round(v, 2) for v in res.params], round(res.llf, 1)   # FHL 2005: 0.55, 10.58, 0.61, 11.67
    ([0.55, 10.58, 0.61, 11.67], -9595.0)
    """

    param_names = ("r", "alpha", "s", "beta")
    results_class = ParetoNBDResults
    kernel = kernel

    def start_params(self) -> np.ndarray:
        """Cheap starting values for the optimiser.

        Returns
        -------
        numpy.ndarray
            Starting values in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary, load_donations
        >>> from custvalue.clv import ParetoNBD
        >>> len(ParetoNBD(load_cdnow_summary()).start_params())
        4
        """
        x, _, T = self._kernel_args()
        rate = max(float(self.weights @ (x / T) / self.nobs), 1e-3)
        meanT = float(self.weights @ T / self.nobs)
        return np.array([0.5, 0.5 / rate, 0.5, meanT])

    def fit(self, data: pd.DataFrame | None = None, **kwargs: Any) -> ParetoNBDResults:  # noqa: D102
        return super().fit(data, **kwargs)  # type: ignore[return-value]

    fit.__doc__ = _fit_doc(CustomerModel.fit.__doc__, _FIT_EXAMPLES)
