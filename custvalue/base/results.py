"""Frozen results of a maximum-likelihood fit."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_level
from .summary import Summary
from .transforms import SCALE_NAMES, interval_on_scale

if TYPE_CHECKING:
    from .model import LikelihoodModel

__all__ = ["LikelihoodResults", "FrozenMixin"]


class FrozenMixin:
    """Forbid attribute assignment after construction (results are immutable).

    A class sets its attributes in ``__init__`` and then calls ``self._freeze()``; afterwards
    setting or deleting an attribute raises ``AttributeError``.

    Examples
    --------
    >>> from custvalue.base import FrozenMixin
    >>> class Point(FrozenMixin):
    ...     def __init__(self, x):
    ...         self.x = x
    ...         self._freeze()
    >>> p = Point(1.0)
    >>> p.x = 2.0
    Traceback (most recent call last):
    ...
    AttributeError: Point is immutable; cannot set 'x'.
    """

    _frozen = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable; cannot set {name!r}.")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable; cannot delete {name!r}.")
        object.__delattr__(self, name)

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)


class LikelihoodResults(FrozenMixin):
    """Results of fitting a :class:`~custvalue.base.LikelihoodModel`.

    Attributes
    ----------
    model : LikelihoodModel
        The model that was fitted (holds the validated, compressed data).
    params : pandas.Series
        Estimates, indexed by the papers' parameter names.
    cov_params : pandas.DataFrame
        Estimated covariance of ``params`` (inverse of the observed information, or the
        outer-product / sandwich form chosen by ``cov_type``).
    llf : float
        Maximised log-likelihood.
    nobs : float
        Number of customers (sum of weights).
    converged : bool
        Whether the optimiser met its convergence criterion.
    message : str
        The optimiser's message.
    n_iter : int
        Number of optimiser iterations.
    cov_type : str
        ``"hessian"``, ``"opg"`` or ``"robust"``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> res = BetaGeo().fit(load_cdnow_summary())
    >>> res.nobs, res.converged, round(res.llf, 1)
    (2357.0, True, -9582.4)
    >>> res.bse.round(3).tolist()
    [0.013, 0.378, 0.186, 0.705]
    """

    def __init__(self, model: LikelihoodModel, params: np.ndarray, cov: np.ndarray, llf: float,
                 *, converged: bool, message: str, n_iter: int, cov_type: str = "hessian"):
        names = list(model.param_names)
        self.model = model
        self.params = pd.Series(np.asarray(params, dtype=float), index=names, name="params")
        self.cov_params = pd.DataFrame(cov, index=names, columns=names)
        self.llf = float(llf)
        self.nobs = float(model.nobs)
        self.converged = bool(converged)
        self.message = str(message)
        self.n_iter = int(n_iter)
        self.cov_type = cov_type
        self._freeze()

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of ``params``."""
        var = np.diag(self.cov_params.to_numpy())
        with np.errstate(invalid="ignore"):
            return pd.Series(np.sqrt(np.where(var >= 0, var, np.nan)), index=self.params.index, name="bse")

    @property
    def df_model(self) -> int:
        """Number of estimated parameters."""
        return len(self.params)

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``-2 llf + 2 k``."""
        return -2.0 * self.llf + 2.0 * self.df_model

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``-2 llf + k log(nobs)``."""
        return -2.0 * self.llf + self.df_model * np.log(self.nobs)

    @cached_property
    def conf_int_scale(self) -> pd.Series:
        """The scale each parameter's interval is computed on (see :meth:`conf_int`).

        ``"log"`` for positive parameters, ``"logit"`` for parameters in (0, 1), ``"atanh"``
        for correlations and ``"natural"`` for unbounded ones: the transform the model
        declares in ``param_transforms``, which is also the scale the optimiser works on.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> BetaGeo().fit(load_cdnow_summary()).conf_int_scale.tolist()
        ['log', 'log', 'log', 'log']
        """
        return pd.Series([SCALE_NAMES[t] for t in self.model._transforms], index=self.params.index,
                         name="scale")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Delta-method confidence intervals at ``level``, each on its parameter's own scale.

        A positive parameter's interval is ``exp(log(est) -+ z se / est)`` (log scale, mapped
        back), so its bounds stay positive; a parameter in (0, 1) gets the logit-scale interval
        and a correlation the Fisher-z (atanh) interval, both inside their range; an unbounded
        parameter (a regression coefficient) keeps the Wald interval ``est -+ z se``. The scale
        is the transform the model declares in ``param_transforms`` (the optimiser's), listed in
        :attr:`conf_int_scale` and in the returned frame's ``attrs["scale"]``; ``bse`` stays the
        natural-scale standard error. The intervals are asymmetric about the estimate on the
        natural scale.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper`` indexed by parameter name.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> ci = BetaGeo().fit(load_cdnow_summary()).conf_int(level=0.95)
        >>> ci.loc["r"].round(3).tolist()
        [0.219, 0.268]
        >>> ci.attrs["scale"]["r"]
        'log'
        """
        level = check_level(level)
        z = stats.norm.ppf(0.5 + level / 2)
        lower, upper = interval_on_scale(self.params.to_numpy(), self.bse.to_numpy(),
                                         self.model._transforms, z)
        ci = pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)
        ci.attrs["scale"] = self.conf_int_scale.to_dict()
        return ci

    def _conf_int_note(self, level: float) -> str:
        """One summary line saying which scale each parameter's interval used."""
        what = {"log": "log scale for positive", "logit": "logit scale for (0, 1)",
                "atanh": "Fisher-z (atanh) scale for correlation",
                "natural": "natural scale (Wald) for unbounded"}
        scales = self.conf_int_scale
        parts = []
        for scale in dict.fromkeys(scales):
            names = list(scales.index[scales.to_numpy() == scale])
            listed = "" if len(names) == len(scales) else f": {', '.join(map(str, names))}"
            parts.append(f"on the {what[scale]} parameters{listed}")
        mapped = ", mapped back" if any(s != "natural" for s in scales) else ""
        return (f"{100 * level:g}% intervals by the delta method " + "; ".join(parts) + mapped
                + "; std err is on the natural scale.")

    def _param_table(self, level: float = 0.95) -> pd.DataFrame:
        ci = self.conf_int(level)
        pct = f"{100 * level:g}%"
        return pd.DataFrame({"estimate": self.params, "std err": self.bse,
                             f"lower {pct}": ci["lower"], f"upper {pct}": ci["upper"]})

    def summary(self, level: float = 0.95) -> Summary:
        """Fit statistics and the parameter table (text with ``print``, HTML in Jupyter).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals in the parameter table (see :meth:`conf_int`;
            a note under the table names the scale of each parameter's interval).

        Returns
        -------
        Summary
            Header (model, nobs, unique rows, log-likelihood, AIC, BIC, convergence,
            covariance type), a table of estimates, standard errors and intervals, and a note
            naming the scale of the intervals.

        Examples
        --------
        >>> from custvalue.datasets import load_cdnow_summary
        >>> from custvalue.clv import BetaGeo
        >>> summ = BetaGeo().fit(load_cdnow_summary()).summary(level=0.9)
        >>> print(summ.as_text().splitlines()[0])
        BetaGeo results
        >>> list(summ.tables[0][1].columns)
        ['estimate', 'std err', 'lower 90%', 'upper 90%']
        """
        level = check_level(level)
        info = [
            ("Model", type(self.model).__name__),
            ("Customers (nobs)", self.nobs),
            ("Unique rows", int(self.model.n_unique)),
            ("Log-likelihood", self.llf),
            ("AIC", self.aic),
            ("BIC", self.bic),
            ("Converged", self.converged),
            ("Iterations", self.n_iter),
            ("Covariance", self.cov_type),
        ]
        notes = [self._conf_int_note(level)]
        if not self.converged:
            notes.append(f"optimiser did not converge: {self.message}")
        return Summary(f"{type(self.model).__name__} results", info,
                       [("Parameters", self._param_table(level))], notes)

    def __repr__(self) -> str:
        return Summary(type(self).__name__, [("model", type(self.model).__name__), ("nobs", self.nobs),
                                             ("llf", self.llf), ("converged", self.converged)]).as_line()

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
