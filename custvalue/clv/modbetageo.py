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
