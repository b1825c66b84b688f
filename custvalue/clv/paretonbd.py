"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005)."""

from __future__ import annotations


import numpy as np

from ..math import paretonbd as kernel
from ._base import CustomerResults, PurchaseCountModel
from ._predict import TransactionResultsMixin

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


class ParetoNBD(PurchaseCountModel[ParetoNBDResults]):
    """Pareto/NBD: Poisson purchasing at rate λ ~ Gamma(r, α) while alive; an exponential
    lifetime with death rate μ ~ Gamma(s, β) (Schmittlein, Morrison & Colombo 1987).

    The likelihood is evaluated in log space with a positive-term series (see
    :mod:`custvalue.math.paretonbd`), so heavy buyers (x > 200), ``recency == T`` and
    α == β are all handled.  One compiled pass over the customers gives the log-likelihood,
    its gradient and its exact Hessian, so ``fit`` takes Newton steps and the standard errors
    use the analytic Hessian.  Starting values come from a fit on a systematic subsample when
    the data have more than 3,000 unique rows.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency`` and ``T``.
    weights : array-like, optional
        Number of customers each row stands for.
    purchase_covariates, dropout_covariates : sequence of str, default ()
        Static covariates, columns of ``data``, of the purchase and the dropout process:
        ``α_i = α exp(-γ_purchase' z_i)`` and ``β_i = β exp(-γ_dropout' z_i)`` (CLVTools' parameterisation, Bachmann, Meierer & Näf 2021; see
        :mod:`custvalue.clv._covariates`). Their coefficients are ``purchase.<column>`` and
        ``dropout.<column>`` in ``params``; every prediction then needs the columns too.
    shared_covariates : sequence of str, default ()
        Covariates with one coefficient in both processes, ``shared.<column>`` (CLVTools'
        ``names.cov.constr``).
    l2_penalty : float or mapping, default 0.0
        L2 penalty λ on the coefficients, or ``{"purchase": λ_p, "dropout": λ_d}`` (CLVTools'
        ``reg.lambdas``): the fit maximises ``llf - N Σ λ γ²``, reported as ``results.penalty``.
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
    mixing = (("r", "alpha", "gamma", "purchase rates"), ("s", "beta", "gamma", "dropout rates"))
    results_class = ParetoNBDResults
    kernel = kernel
    analytic_hessian = True
    covariate_links = ((1, -1.0, "purchase"), (3, -1.0, "dropout"))
    _rows_have_hessian = True

    def _levels(self) -> tuple[np.ndarray, ...]:
        """The data's distinct frequencies and smallest recency per frequency (computed once)."""
        if not hasattr(self, "_data_levels"):
            self._data_levels = kernel.data_levels(self.data["frequency"], self.data["recency"])
        return self._data_levels

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted log-likelihood and gradient from one compiled pass (no per-row arrays).

        Parameters
        ----------
        params : numpy.ndarray
            ``(r, alpha, s, beta)``.

        Returns
        -------
        tuple of (float, numpy.ndarray)
            Log-likelihood and gradient ``(4,)``.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import ParetoNBD
        >>> ll, g = ParetoNBD(load_cdnow_summary()).loglike_and_score(np.array([0.5533, 10.578, 0.6062, 11.668]))
        >>> round(ll, 2)
        -9594.97
        """
        if self.covariates:
            return self._covariate_pieces(params, hess=False)[:2]
        return kernel.weighted_loglike_and_score(*params, *self._kernel_args(), self.weights, self._levels())

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Weighted log-likelihood, gradient and exact Hessian from one compiled pass.

        Parameters
        ----------
        params : numpy.ndarray
            ``(r, alpha, s, beta)``.

        Returns
        -------
        tuple of (float, numpy.ndarray, numpy.ndarray)
            Log-likelihood, gradient ``(4,)`` and Hessian ``(4, 4)`` in the natural parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import ParetoNBD
        >>> ll, g, h = ParetoNBD(load_cdnow_summary()).loglike_score_hessian(np.array([0.5533, 10.578, 0.6062, 11.668]))
        >>> h.shape, bool(np.all(np.linalg.eigvalsh(h) < 0))
        ((4, 4), True)
        """
        if self.covariates:
            return self._covariate_pieces(params, hess=True)  # type: ignore[return-value]
        return kernel.weighted_loglike_score_hessian(*params, *self._kernel_args(), self.weights, self._levels())

    def _individual_rows(self, base: np.ndarray, scaled: dict[int, np.ndarray], hess: bool
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-row log-likelihood and derivatives in ``(r, log α_i, s, log β_i)`` (static
        covariates; :func:`custvalue.math.paretonbd.individual_loglike`)."""
        x, t_x, T = self._kernel_args()
        if "_cache_xlevels" not in self.__dict__:
            self._cache_xlevels = kernel.data_levels(x, t_x)[:2]  # distinct x by counting, no sort
        ll, g, h, _ = kernel.individual_loglike(base[0], base[2], scaled[1], scaled[3], x, t_x, T, hess=hess,
                                                levels=self._cache_xlevels)
        return ll, g, h

    def _row_sums(self, base: np.ndarray, scaled: dict[int, np.ndarray], hess: bool, w: np.ndarray | None,
                  X: np.ndarray, qc: np.ndarray) -> tuple:
        """The column sums straight from the compiled pass
        (:func:`custvalue.math.paretonbd.individual_loglike_sums`: no per-row arrays)."""
        x, t_x, T = self._kernel_args()
        if "_cache_xlevels" not in self.__dict__:
            self._cache_xlevels = kernel.data_levels(x, t_x)[:2]
        return kernel.individual_loglike_sums(base[0], base[2], scaled[1], scaled[3], x, t_x, T, w, X, qc,
                                              hess=hess, levels=self._cache_xlevels)

    def _base_start_params(self) -> np.ndarray:
        x, _, T = self._kernel_args()
        rate = max(float(np.einsum("i,i->", self.weights, x / T)) / self.nobs, 1e-3)  # not BLAS (see _base._wsum)
        meanT = float(np.einsum("i,i->", self.weights, T)) / self.nobs
        return np.array([0.5, 0.5 / rate, 0.5, meanT])
