"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, IJRM 24:201-209)."""

from __future__ import annotations



from ..math import modbetageo as kernel
from ._base import CustomerResults, PurchaseCountModel
from .betageo import GeometricDropoutLikelihood
from ._predict import TransactionResultsMixin


__all__ = ["ModifiedBetaGeo", "ModifiedBetaGeoResults"]


class ModifiedBetaGeoResults(TransactionResultsMixin, CustomerResults):
    """Fitted MBG/NBD model: parameters, fit statistics and customer-level predictions.

    Parameters
    ----------
    model : ModifiedBetaGeo
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
    >>> from custvalue.clv import ModifiedBetaGeo
    >>> res = ModifiedBetaGeo().fit(load_cdnow_summary())
    >>> bool(0 < res.p_alive(frequency=[2], recency=[30.43], T=[38.86]).iloc[0] < 1)
    True
        """

    kernel = kernel


class ModifiedBetaGeo(GeometricDropoutLikelihood, PurchaseCountModel[ModifiedBetaGeoResults]):
    """MBG/NBD: the BG/NBD with a drop-out opportunity at time 0 as well as after each
    repeat purchase, so customers without repeat purchases may also be inactive.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency`` and ``T``.
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
    >>> from custvalue.clv import ModifiedBetaGeo
    >>> res = ModifiedBetaGeo().fit(load_cdnow_summary())
    >>> round(res.llf, 1)
    -9582.1
    """

    param_names = ("r", "alpha", "a", "b")
    mixing = (("r", "alpha", "gamma", "purchase rates"), ("a", "b", "beta", "dropout probabilities"))
    results_class = ModifiedBetaGeoResults
    kernel = kernel
    dropout_shift = 1
