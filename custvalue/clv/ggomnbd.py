"""The GGom/NBD model (Bemmaor & Glady 2012, Management Science 58(5):1012-1021): Poisson
purchasing with a Gamma-Gompertz lifetime."""

from __future__ import annotations

import numpy as np

from ..math import ggomnbd as kernel
from ._base import CustomerResults, PurchaseCountModel
from ._predict import TransactionResultsMixin

__all__ = ["GammaGompertzNBD", "GammaGompertzNBDResults"]


class GammaGompertzNBDResults(TransactionResultsMixin, CustomerResults):
    """Fitted GGom/NBD model: parameters (r, alpha, b, s, beta), fit statistics and the
    customer-level predictions of every transaction model (``p_alive``,
    ``expected_purchases``, ``expected_purchases_new_customer``, ``probability_of_purchases``,
    ``conditional_probability_of_purchases``, ``dert``, intervals) from
    :mod:`custvalue.math.ggomnbd`.

    Parameters
    ----------
    model : GammaGompertzNBD
        The fitted model.
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
    >>> from custvalue.simulate import simulate_ggomnbd
    >>> from custvalue.clv import GammaGompertzNBD
    >>> base = simulate_ggomnbd(3000, r=0.8, alpha=4.0, b=0.1, s=0.4, beta=1.0, T=104.0, seed=1)
    >>> res = GammaGompertzNBD().fit(base)
    >>> bool(0 < res.p_alive(frequency=[2], recency=[30.0], T=[52.0]).iloc[0] < 1)
    True
    """

    kernel = kernel


class GammaGompertzNBD(PurchaseCountModel[GammaGompertzNBDResults]):
    """GGom/NBD: Poisson purchasing at rate λ ~ Gamma(r, α) while alive; a Gompertz lifetime
    with hazard ``η b e^{bt}`` and η ~ Gamma(s, β) across customers (Bemmaor & Glady 2012).

    The lifetime hazard can rise (b > 0) with age, unlike the Pareto/NBD's constant
    individual death rate; as b -> 0 with β/b fixed the model tends to the Pareto/NBD with
    lifetime parameters (s, β/b). The likelihood holds a one-dimensional integral per
    customer, evaluated by compiled adaptive Gauss-Legendre panels on the integrand's
    monotone pieces (:mod:`custvalue.math.ggomnbd`, which states the accuracy); the fit
    takes trust-region Newton steps on the exact Hessian of that likelihood, which also gives
    the standard errors.

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
    >>> from custvalue.simulate import simulate_ggomnbd
    >>> from custvalue.clv import GammaGompertzNBD
    >>> base = simulate_ggomnbd(5000, r=0.6, alpha=5.0, b=0.05, s=1.2, beta=2.0, T=52.0, seed=1)
    >>> res = GammaGompertzNBD().fit(base)
    >>> res.params.index.tolist()
    ['r', 'alpha', 'b', 's', 'beta']

    On CDNOW the likelihood rises towards the Pareto/NBD limit (b -> 0): the estimates of
    b and beta run to 0 with beta/b near the Pareto/NBD's beta, and their standard errors
    are NaN (an :class:`~custvalue.exceptions.IdentificationWarning`), as in Bemmaor & Glady
    (2012, Table 2: b = 0.0002, beta = 0.0026) and CLVTools.
    """

    param_names = ("r", "alpha", "b", "s", "beta")
    mixing = (("r", "alpha", "gamma", "purchase rates"), ("s", "beta", "gamma", "lifetime scales"))
    results_class = GammaGompertzNBDResults
    kernel = kernel

    analytic_hessian = True

    def _levels(self) -> tuple[np.ndarray, ...]:
        """The data's distinct frequencies and the weight at each (computed once)."""
        if "_cache_levels" not in self.__dict__:
            self._cache_levels = kernel.x_levels(self.data["frequency"], self.weights)
        return self._cache_levels

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted log-likelihood and gradient from one compiled pass (no per-row arrays).

        Parameters
        ----------
        params : numpy.ndarray
            ``(r, alpha, b, s, beta)``.

        Returns
        -------
        tuple of (float, numpy.ndarray)
            Log-likelihood and gradient ``(5,)``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import GammaGompertzNBD
        >>> model = GammaGompertzNBD(frequency=[0, 2], recency=[0.0, 30.43], T=[38.86, 38.86])
        >>> ll, g = model.loglike_and_score(np.array([0.55, 10.6, 0.01, 0.6, 0.1]))
        >>> g.shape
        (5,)
        """
        return kernel.weighted_loglike_and_score(*params, *self._kernel_args(), self.weights, self._levels())

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Weighted log-likelihood, gradient and exact Hessian from one compiled pass (the
        integral's derivatives under the sign, with the likelihood's quadrature rule).

        Parameters
        ----------
        params : numpy.ndarray
            ``(r, alpha, b, s, beta)``.

        Returns
        -------
        tuple of (float, numpy.ndarray, numpy.ndarray)
            Log-likelihood, gradient ``(5,)`` and Hessian ``(5, 5)`` in the natural parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import GammaGompertzNBD
        >>> model = GammaGompertzNBD(frequency=[0, 2], recency=[0.0, 30.43], T=[38.86, 38.86])
        >>> ll, g, h = model.loglike_score_hessian(np.array([0.55, 10.6, 0.01, 0.6, 0.1]))
        >>> h.shape, bool(np.allclose(h, h.T))
        ((5, 5), True)
        """
        return kernel.weighted_loglike_score_hessian(*params, *self._kernel_args(), self.weights,
                                                     self._levels())

    def start_params(self) -> np.ndarray:
        # r / alpha matches the mean purchase rate; b on the scale of the customers' ages
        x, _, T = self._kernel_args()
        rate = max(float(self.weights @ (x / T) / self.nobs), 1e-3)
        mean_age = float(self.weights @ T / self.nobs)
        return np.array([0.5, 0.5 / rate, 1.0 / mean_age, 1.0, 1.0])
