"""The BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010)."""

from __future__ import annotations


import numpy as np
import pandas as pd

from .._validation import check_counts, describe_rows
from ..exceptions import DataError
from ..math import bgbb as kernel
from ._base import CustomerModel, CustomerResults
from ._predict import TransactionResultsMixin


__all__ = ["BetaGeoBetaBinom", "BetaGeoBetaBinomResults"]


class BetaGeoBetaBinomResults(TransactionResultsMixin, CustomerResults):
    """Fitted BG/BB model.  Horizons count transaction opportunities (whole numbers);
    ``p_alive`` is the probability of being alive after the last observed opportunity.

    Parameters
    ----------
    model : BetaGeoBetaBinom
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
    >>> from custvalue.datasets import load_donations
    >>> from custvalue.clv import BetaGeoBetaBinom
    >>> d = load_donations()
    >>> res = BetaGeoBetaBinom().fit(d, weights=d["weights"])
    >>> round(float(res.expected_purchases(frequency=[6], recency=[6], n_periods=[6], horizon=5).iloc[0]), 2)
    3.75
        """

    kernel = kernel


class BetaGeoBetaBinom(CustomerModel[BetaGeoBetaBinomResults]):
    """BG/BB: at each of ``n_periods`` opportunities an alive customer transacts with
    probability p ~ Beta(alpha, beta) and dies before an opportunity with probability
    θ ~ Beta(gamma, delta) (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per customer (or per distinct history) with ``frequency`` (transactions),
        ``recency`` (opportunity of the last transaction, 0 if none) and ``n_periods``.
    weights : array-like, optional
        Number of customers each row stands for (the donations data are stored this way).
    **columns
        ``frequency=``, ``recency=``, ``n_periods=`` as arrays.

    Examples
    --------
    >>> from custvalue.datasets import load_donations
    >>> from custvalue.clv import BetaGeoBetaBinom
    >>> d = load_donations()
    >>> res = BetaGeoBetaBinom().fit(d, weights=d["weights"])
    >>> [round(v, 3) for v in res.params], round(res.llf, 1)   # FHS 2010: 1.204, 0.750, 0.657, 2.783
    ([1.204, 0.75, 0.657, 2.783], -33225.6)
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    mixing = (("alpha", "beta", "beta", "purchase probabilities"), ("gamma", "delta", "beta", "dropout probabilities"))
    data_columns = ("frequency", "recency", "n_periods")
    results_class = BetaGeoBetaBinomResults

    @classmethod
    def check(cls, arrays: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Check the model's data constraints (raises :class:`~custvalue.exceptions.DataError`).

        Parameters
        ----------
        arrays : dict of numpy.ndarray
            The validated float columns.
        index : pandas.Index or None
            Row labels, used to name offending rows.

        Examples
        --------
        >>> import numpy as np
        >>> from custvalue.clv import BetaGeoBetaBinom
        >>> cols = {c: np.array([0.0]) for c in BetaGeoBetaBinom.data_columns}
        >>> cols[BetaGeoBetaBinom.data_columns[-1]] = np.array([6.0])
        >>> BetaGeoBetaBinom.check(cols, None)
        """
        x, tx, n = arrays["frequency"], arrays["recency"], arrays["n_periods"]
        for name, arr in (("frequency", x), ("recency", tx), ("n_periods", n)):
            check_counts(arr, name, index)
        if (n < 1).any():
            raise DataError("n_periods must be >= 1; " + describe_rows(n < 1, index))
        over = tx > n
        if over.any():
            raise DataError("recency must be <= n_periods (n_periods < recency found); "
                            + describe_rows(over, index))
        more = x > tx
        if more.any():
            raise DataError("frequency must be <= recency (x transactions need at least x "
                            "opportunities up to the last one); " + describe_rows(more, index))
        orphan = (x == 0) & (tx > 0)
        if orphan.any():
            raise DataError("recency must be 0 when frequency is 0; " + describe_rows(orphan, index))

    def _kernel_args(self) -> tuple[np.ndarray, ...]:
        d = self.data
        return d["frequency"], d["recency"], d["n_periods"]

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        """Log-likelihood of each unique data row.

        Parameters
        ----------
        params : numpy.ndarray
            Parameters in the order of ``param_names``.

        Returns
        -------
        numpy.ndarray
            One value per unique row.

        Examples
        --------
        >>> from custvalue.datasets import load_donations
        >>> from custvalue.clv import BetaGeoBetaBinom
        >>> BetaGeoBetaBinom(load_donations()).loglike_obs([1.2, 0.75, 0.66, 2.8]).shape
        (22,)
        """
        return kernel.loglike(*params, *self._kernel_args())

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        """Analytic gradient of the log-likelihood of each unique row.

        Parameters
        ----------
        params : numpy.ndarray
            Parameters in the order of ``param_names``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_unique, 4)``.

        Examples
        --------
        >>> from custvalue.datasets import load_donations
        >>> from custvalue.clv import BetaGeoBetaBinom
        >>> BetaGeoBetaBinom(load_donations()).score_obs([1.2, 0.75, 0.66, 2.8]).shape
        (22, 4)
        """
        return kernel.score(*params, *self._kernel_args())

    def start_params(self) -> np.ndarray:
        """Cheap starting values for the optimiser.

        Returns
        -------
        numpy.ndarray
            Starting values in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary, load_donations
        >>> from custvalue.clv import BetaGeoBetaBinom
        >>> len(BetaGeoBetaBinom(load_donations()).start_params())
        4
        """
        return np.array([1.0, 1.0, 1.0, 1.0])
