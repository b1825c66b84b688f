"""The BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science 24(2):275-284)."""

from __future__ import annotations


import numpy as np

from ..math import betageo as kernel
from ._base import CustomerResults, PurchaseCountModel
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
    <BetaGeoResults: model=BetaGeo, nobs=2357, llf=-9582.43, converged=True>
    """

    kernel = kernel


class GeometricDropoutLikelihood:
    """Fused likelihood, gradient and exact Hessian of the BG/NBD family (one compiled pass,
    :mod:`custvalue.math.betageo`); ``dropout_shift`` is 0 for BG/NBD and 1 for MBG/NBD."""

    dropout_shift: int = 0
    analytic_hessian = True
    #: static covariates (CLVTools, ``src/bgnbd.cpp``: ``bgnbd_staticcov_alpha_i``, ``_a_i``, ``_b_i``):
    #: α_i = α exp(-γ_purchase'z_i); a_i = a exp(γ_dropout'z_i) and b_i = b exp(γ_dropout'z_i)
    covariate_links = ((1, -1.0, "purchase"), (2, 1.0, "dropout"), (3, 1.0, "dropout"))

    def _has_group_kernel(self) -> bool:
        return True

    def _group_pass(self, p, x, t_x, T, w):
        ll, g, H = kernel.weighted_loglike_score_hessian(*p, x, t_x, T, w, shift=self.dropout_shift)
        return float(ll), np.array(g, dtype=float), np.array(H, dtype=float)

    _rows_have_hessian = True

    def _individual_rows(self, base, scaled, hess):
        """Per-row log-likelihood, gradient and (if ``hess``) exact Hessian in
        ``(r, log α_i, log a_i, log b_i)`` (:func:`custvalue.math.betageo.individual_loglike`)."""
        x, t_x, T = self._kernel_args()
        out = kernel.individual_loglike(base[0], scaled[1], scaled[2], scaled[3], x, t_x, T,
                                        shift=self.dropout_shift, hess=hess)
        return out if hess else (*out, None)

    def _x_levels(self):
        if not hasattr(self, "_levels"):
            self._levels = kernel.x_levels(self.data["frequency"])
        return self._levels

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted log-likelihood and gradient from one compiled pass (x-only terms per
        distinct frequency).

        Parameters
        ----------
        params : numpy.ndarray
            (r, alpha, a, b).

        Returns
        -------
        tuple of (float, numpy.ndarray)

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeo
        >>> from custvalue.datasets import load_cdnow_summary
        >>> ll, g = BetaGeo(load_cdnow_summary()).loglike_and_score(np.array([0.243, 4.414, 0.793, 2.426]))
        >>> round(ll, 1)
        -9582.4
        """
        if self.covariates:
            return self._covariate_pieces(params, hess=False)[:2]
        return kernel.weighted_loglike_and_score(*params, *self._kernel_args(), self.weights,
                                                 self._x_levels(), shift=self.dropout_shift)

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Weighted log-likelihood, gradient and exact Hessian from one compiled pass
        (``fit`` then takes Newton steps).

        Parameters
        ----------
        params : numpy.ndarray
            (r, alpha, a, b).

        Returns
        -------
        tuple of (float, numpy.ndarray, numpy.ndarray)

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import ModifiedBetaGeo
        >>> from custvalue.datasets import load_cdnow_summary
        >>> ll, g, h = ModifiedBetaGeo(load_cdnow_summary()).loglike_score_hessian(
        ...     np.array([0.243, 4.414, 0.793, 2.426]))
        >>> h.shape
        (4, 4)
        """
        if self.covariates:
            return PurchaseCountModel.loglike_score_hessian(self, params)
        return kernel.weighted_loglike_score_hessian(*params, *self._kernel_args(), self.weights,
                                                     self._x_levels(), shift=self.dropout_shift)


class BetaGeo(GeometricDropoutLikelihood, PurchaseCountModel[BetaGeoResults]):
    """BG/NBD: Poisson purchasing at rate λ ~ Gamma(r, α) while alive; after each repeat
    purchase the customer drops out with probability p ~ Beta(a, b).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency`` (repeat purchases), ``recency`` (time of the
        last repeat purchase since the first) and ``T`` (time since the first purchase).
    weights : array-like, optional
        Number of customers each row stands for.
    purchase_covariates, dropout_covariates : sequence of str, default ()
        Static covariates, columns of ``data``, of the purchase and the dropout process:
        ``α_i = α exp(-γ_purchase' z_i)``, ``a_i = a exp(γ_dropout' z_i)`` and
        ``b_i = b exp(γ_dropout' z_i)`` (CLVTools' parameterisation, Bachmann, Meierer & Näf 2021; see
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
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> res.params.round(3).tolist(), round(float(res.llf), 1)
    ([0.243, 4.414, 0.793, 2.426], -9582.4)
    """

    param_names = ("r", "alpha", "a", "b")
    mixing = (("r", "alpha", "gamma", "purchase rates"), ("a", "b", "beta", "dropout probabilities"))
    results_class = BetaGeoResults
    kernel = kernel
