"""Satisfaction -> loyalty regressions with a formula interface.

One entry point, :func:`from_formula`, fits the regressions the CRM literature uses to link
satisfaction (and trust, perceived value, switching costs) to loyalty:

* ``kind="ols"``: linear regression with HC3 standard errors by default (loyalty indices);
* ``kind="ordered_probit"`` / ``"ordered_logit"``: ordinal loyalty ratings (1-5, 1-7, 1-10);
* ``kind="probit"`` / ``"logit"``: observed repurchase (0/1).

statsmodels does the estimation (``OLS``, ``OrderedModel``, ``Probit``, ``Logit``), so the
coefficients are exactly statsmodels' own; this module adds input checks that name the
problem, and a domain results layer: standardised coefficients, average marginal effects of
a driver on each loyalty level, predictions that keep the respondent index, a likelihood-ratio
test for nested models (:func:`lr_test`) and a plot of predicted loyalty against a driver.
"""

from __future__ import annotations

import keyword
import re
import warnings
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import (as_float_array, check_level, check_positive_scalar, check_whole_number,
                           describe_rows, formula_data)
from ..base import FrozenMixin, Summary
from ..base.lrtest import LRTestResult
from ..exceptions import ConvergenceWarning, DataError, ModelSpecificationError

__all__ = ["from_formula", "LoyaltyRegressionResults", "LRTestResult", "lr_test", "formula_variables"]

Kind = Literal["ols", "ordered_probit", "ordered_logit", "probit", "logit"]
_KINDS = ("ols", "ordered_probit", "ordered_logit", "probit", "logit")
_ORDERED = ("ordered_probit", "ordered_logit")
_BINARY = ("probit", "logit")
_STRING = re.compile(r"(\"[^\"]*\"|'[^']*')")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)(\s*[(.=])?")


def formula_variables(formula: str, columns: Any) -> tuple[list[str], list[str]]:
    """Split the names a formula uses into data columns found and names not found.

    Function names (followed by ``(``), module prefixes (followed by ``.``), keyword
    arguments (followed by ``=``), quoted strings and Python keywords are ignored.

    Parameters
    ----------
    formula : str
        A Wilkinson formula such as ``"loyalty ~ satisfaction * switching_cost"``.
    columns : iterable of str
        The column names available.

    Returns
    -------
    found, missing : list of str
        Names present in ``columns`` and names absent from it, in order of appearance.

    Examples
    --------
    >>> formula_variables("loy ~ sat * sc + np.log(x)", ["loy", "sat", "x"])
    (['loy', 'sat', 'x'], ['sc'])
    """
    if not isinstance(formula, str):
        raise DataError(f"formula must be a string such as 'loyalty ~ satisfaction'; received {formula!r}.")
    try:
        cols = set(map(str, columns))
    except TypeError:
        raise DataError(f"columns must be an iterable of column names; received {columns!r}.") from None
    text = _STRING.sub(" ", formula)
    found: list[str] = []
    missing: list[str] = []
    for name, follow in _NAME.findall(text):
        if name in cols:
            if name not in found:
                found.append(name)
            continue
        if follow and follow.strip() in "(.=":
            continue
        if keyword.iskeyword(name) or name in missing:  # function words are caught by "(" above
            continue
        missing.append(name)
    return found, missing


def _check_data(formula: str, data: Any, kind: str, missing: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        else:
            raise DataError(f"data must be a pandas DataFrame (or a dict of columns); received "
                            f"{type(data).__name__}.")
    if len(data) == 0:
        raise DataError("data has no rows; at least one respondent per estimated coefficient is "
                        "required.")
    if kind not in _KINDS:
        raise ModelSpecificationError(f"kind must be one of {list(_KINDS)}; received {kind!r}.")
    if missing not in ("raise", "drop"):
        raise ModelSpecificationError(f"missing must be 'raise' or 'drop'; received {missing!r}.")
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ModelSpecificationError(f"formula must be a string 'response ~ predictors'; received {formula!r}.")
    found, absent = formula_variables(formula, data.columns)
    if absent:
        raise DataError(f"formula variables not in data: {absent}; the formula {formula!r} uses them "
                        f"but data has columns {list(map(str, data.columns))}.")
    lhs = formula.split("~")[0].strip()
    if lhs not in data.columns:
        raise DataError(f"the response {lhs!r} must be a column of data (no transformation on the "
                        f"left-hand side); columns received: {list(map(str, data.columns))}.")
    used = data[found]
    na = used.isna().to_numpy().any(axis=1)
    if na.any():
        if missing == "raise":
            cols = [c for c in found if used[c].isna().any()]
            raise DataError(f"columns {cols} have missing values; " + describe_rows(na, data.index)
                            + "; drop or impute them, or pass missing='drop'.")
        data = data.loc[~na]
        used = used.loc[~na]
    # text is never taken as categories: a column used as a number must hold numbers
    # (C(column) declares a factor); the response of an ordered model may be a Categorical
    ordered_cat = kind in _ORDERED and isinstance(data[lhs].dtype, pd.CategoricalDtype)
    data = formula_data(formula, data, numeric=[] if ordered_cat else [lhs])
    used = data[found]
    numeric = [c for c in found if pd.api.types.is_numeric_dtype(used[c].dtype)
               and not pd.api.types.is_bool_dtype(used[c].dtype)]
    inf = np.isinf(used[numeric].to_numpy(dtype=float)) if numeric else np.zeros((len(used), 0), bool)
    if inf.any():
        cols = [c for c, b in zip(numeric, inf.any(axis=0)) if b]
        raise DataError(f"columns {cols} hold infinite values; " + describe_rows(inf.any(axis=1), data.index)
                        + "; replace them with finite values or drop those rows.")
    for c in found:
        col = used[c]
        if col.nunique(dropna=True) < 2:
            raise DataError(f"column {c!r} is constant (single value {col.iloc[0]} in all "
                            f"{len(col)} rows); a constant cannot be a response or a predictor.")
    y = used[lhs]
    if kind in _BINARY:
        vals = set(pd.unique(y))
        if not vals <= {0, 1}:  # True == 1 and False == 0 in a set
            raise DataError(f"the response {lhs!r} of a {kind} model must hold 0/1 (repurchase "
                            f"yes/no); received values {sorted(map(str, vals))[:10]}.")
    if kind in _ORDERED and not isinstance(y.dtype, pd.CategoricalDtype):
        yv = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(yv) | (yv != np.round(yv))
        if bad.any():
            raise DataError(f"the response {lhs!r} of an ordered model must hold whole-number ratings "
                            "(e.g. 1-5, 1-7, 1-10) or be an ordered Categorical; "
                            + describe_rows(bad, data.index))
        if np.unique(yv).size < 3:
            raise DataError(f"the response {lhs!r} of an ordered model needs at least 3 levels; "
                            f"received {np.unique(yv).tolist()}; use kind='probit' or 'logit' for 0/1.")
    return data


_FAST_ROWS = 20_000


def _analytic_ordered_model():
    """statsmodels' OrderedModel with the analytic score of :mod:`custvalue.math.ordinal`.

    statsmodels differentiates the ordered log-likelihood numerically (one evaluation per
    parameter per gradient, and O(k^2) for the Hessian); supplying the analytic score makes
    BFGS and the Hessian (central differences of the score) several times cheaper while the
    model, parametrisation, optimiser and results class stay statsmodels' own.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from ..math.ordinal import ordered_score, ordered_score_obs

    class AnalyticOrderedModel(OrderedModel):
        def _distr_name(self) -> str:
            return "probit" if self.distr.name == "norm" else "logit"

        def score_obs(self, params: np.ndarray) -> np.ndarray:
            y = np.asarray(self.endog).astype(np.intp)
            return ordered_score_obs(params, np.asarray(self.exog, float), y, self.k_levels,
                                     self._distr_name())

        def score(self, params: np.ndarray) -> np.ndarray:
            y = np.asarray(self.endog).astype(np.intp)
            return ordered_score(params, np.asarray(self.exog, float), y, self.k_levels, self._distr_name())

        def hessian(self, params: np.ndarray) -> np.ndarray:
            params = np.asarray(params, float)
            k = params.size
            H = np.empty((k, k))
            for i in range(k):  # loop over parameters: central differences of the analytic score
                h = 1e-5 * max(1.0, abs(params[i]))
                e = np.zeros(k)
                e[i] = h
                H[:, i] = (self.score(params + e) - self.score(params - e)) / (2 * h)
            return 0.5 * (H + H.T)

    return AnalyticOrderedModel


def _check_design(model: Any, data: pd.DataFrame, formula: str) -> None:
    """Reject rows the formula's transformations turned into NaN, and collinear designs."""
    n = int(np.asarray(model.endog).shape[0])
    if n != len(data):
        raise DataError(f"the formula {formula!r} produced missing or infinite values in "
                        f"{len(data) - n} of {len(data)} rows (e.g. log of a value <= 0); "
                        "transform the columns so every row is defined.")
    X = np.asarray(model.exog, dtype=float)
    rank = np.linalg.matrix_rank(X.T @ X)
    if rank < X.shape[1]:
        names = list(model.exog_names)[: X.shape[1]]
        raise DataError(f"the design of {formula!r} is collinear (rank {rank} < {X.shape[1]} "
                        f"columns {names}); drop a redundant predictor.")


def _model(build: Any, data: pd.DataFrame, formula: str) -> Any:
    """Build a formula model and check its design. A transformation undefined on some rows
    (e.g. ``np.log`` of a value <= 0) is reported once, as the DataError of
    :func:`_check_design`, instead of also as numpy's RuntimeWarnings."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        model = build()
    _check_design(model, data, formula)
    return model


def from_formula(formula: str, data: pd.DataFrame, kind: Kind = "ols", *,
                 cov_type: str | None = None, missing: Literal["raise", "drop"] = "raise",
                 maxiter: int = 2000, engine: Literal["auto", "statsmodels", "analytic"] = "auto"
                 ) -> LoyaltyRegressionResults:
    """Fit a satisfaction -> loyalty regression from a formula.

    Parameters
    ----------
    formula : str
        Wilkinson formula, e.g. ``"loyalty ~ satisfaction * switching_cost + trust"``
        (``a * b`` expands to ``a + b + a:b``; ``C(x)`` marks categorical, ``I(x**2)`` and
        ``np.log(x)`` transform).  The response must be a plain column.
    data : pandas.DataFrame
        One row per respondent; its index is kept in predictions.  A column the formula
        uses as a number must hold numbers: text (numeric strings, codes such as ``"n/a"``)
        raises a :class:`DataError` naming the column, rows and values, unless the formula
        declares the column a factor with ``C(column)``; object columns of numbers and
        pandas nullable numeric columns are read as floats.  pandas Categorical and bool
        columns are factors by declaration.
    kind : {"ols", "ordered_probit", "ordered_logit", "probit", "logit"}, default "ols"
        ``"ols"``: linear regression; ordered kinds: ordinal ratings (thresholds estimated,
        no intercept); ``"probit"``/``"logit"``: binary repurchase.
    cov_type : str, optional
        Covariance of the estimates.  OLS defaults to ``"HC3"`` (MacKinnon & White 1985);
        the likelihood models default to ``"nonrobust"`` (inverse Hessian); ``"HC0"`` gives
        sandwich errors for probit/logit.
    missing : {"raise", "drop"}, default "raise"
        Rows with a missing value in a used column raise a :class:`DataError` naming them,
        or are dropped.
    maxiter : int, default 2000
        Maximum optimiser iterations (likelihood models).
    engine : {"auto", "statsmodels", "analytic"}, default "auto"
        Ordered models only.  ``"statsmodels"``: ``OrderedModel`` as is (numerical
        derivatives; coefficients identical to statsmodels); ``"analytic"``: the same model,
        parametrisation and BFGS optimiser with the analytic score of
        :mod:`custvalue.math.ordinal` (agrees with statsmodels to optimiser tolerance, many
        times faster on large samples); ``"auto"``: analytic above 20,000 respondents.

    Returns
    -------
    LoyaltyRegressionResults
        ``params``, ``bse``, ``pvalues``, ``llf``, ``conf_int(level)``, ``predict(data)``,
        ``standardized_params``, ``marginal_effects(variable)``, ``summary()``, ``plot(variable)``.

    Raises
    ------
    DataError
        Formula variables not in ``data``, missing values, text in a column used as a
        number, constant columns, a response outside the kind's support.
    ModelSpecificationError
        Unknown ``kind``, malformed formula.

    Notes
    -----
    The models are those used to relate satisfaction to loyalty in e.g. Mittal & Kamakura
    (2001, JMR 38:131-142; ordered/binary probit of repurchase on satisfaction) and Jones,
    Mothersbaugh & Beatty (2000, J. Retailing 76:259-274; moderated OLS).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"satisfaction": rng.normal(size=300), "trust": rng.normal(size=300)})
    >>> d["loyalty"] = 0.5 * d.satisfaction + 0.3 * d.trust + rng.normal(size=300)
    >>> res = from_formula("loyalty ~ satisfaction + trust", d)
    >>> round(float(res.params["satisfaction"]), 1)
    0.5
    """
    import statsmodels.formula.api as smf
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergenceWarning

    data = _check_data(formula, data, kind, missing)
    maxiter = check_whole_number(maxiter, "maxiter", minimum=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SMConvergenceWarning)
        if kind == "ols":
            model = _model(lambda: smf.ols(formula, data), data, formula)
            res = model.fit(cov_type=cov_type or "HC3")
            converged, message = True, "closed form"
        elif kind in _ORDERED:
            distr = "probit" if kind == "ordered_probit" else "logit"
            use_analytic = engine == "analytic" or (engine == "auto" and len(data) > _FAST_ROWS)
            if engine not in ("auto", "statsmodels", "analytic"):
                raise ModelSpecificationError(f"engine must be 'auto', 'statsmodels' or 'analytic'; "
                                              f"received {engine!r}.")
            cls = _analytic_ordered_model() if use_analytic else OrderedModel
            model = _model(lambda: cls.from_formula(formula, data, distr=distr), data, formula)
            res = model.fit(method="bfgs", maxiter=maxiter, disp=False,
                            cov_type=cov_type or "nonrobust")
            converged = bool(res.mle_retvals.get("converged", True))
            message = str(res.mle_retvals.get("warnflag", ""))
        else:
            fn = smf.probit if kind == "probit" else smf.logit
            model = _model(lambda: fn(formula, data), data, formula)
            res = model.fit(disp=False, maxiter=maxiter, cov_type=cov_type or "nonrobust")
            converged = bool(res.mle_retvals.get("converged", True))
            message = str(res.mle_retvals.get("warnflag", ""))
    if not converged:  # pragma: no cover - exercised with pathological data only
        warnings.warn(f"{kind} fit of {formula!r} did not converge ({message}); check for "
                      "separation (a predictor that perfectly predicts the response), rescale "
                      "predictors, or raise maxiter.", ConvergenceWarning, stacklevel=2)
    return LoyaltyRegressionResults(res, kind=kind, formula=formula, data=data, converged=converged,
                                    fit_options={"cov_type": cov_type, "maxiter": maxiter, "engine": engine})


class LoyaltyRegressionResults(FrozenMixin):
    """A fitted loyalty regression: statsmodels' estimates plus a domain results layer.

    Attributes
    ----------
    kind : str
        The model kind passed to :func:`from_formula`.
    formula : str
        The formula.
    params, bse, pvalues : pandas.Series
        Estimates, standard errors and p-values (ordered models: slopes then thresholds,
        named as statsmodels names them, e.g. ``"1/2"``).
    llf : float
        Log-likelihood (OLS: Gaussian log-likelihood).
    nobs : int
        Respondents used.
    converged : bool
        Optimiser convergence (always True for OLS).
    sm_results : statsmodels results
        The underlying statsmodels results object, for anything not wrapped here.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"sat": rng.normal(size=200)})
    >>> d["loy"] = 1 + 0.5 * d.sat + rng.normal(scale=0.5, size=200)
    >>> res = from_formula("loy ~ sat", d)
    >>> res.params.round(3).tolist(), res.nobs
    ([0.956, 0.465], 200)
    """

    def __init__(self, sm_results: Any, *, kind: str, formula: str, data: pd.DataFrame,
                 converged: bool = True, fit_options: dict | None = None):
        self.sm_results = sm_results
        self.fit_options = dict(fit_options or {})
        self.kind = kind
        self.formula = formula
        self.data = data
        self.converged = converged
        self.response = formula.split("~")[0].strip()
        self._freeze()

    # ------------------------------------------------------------------ basic statistics
    @cached_property
    def params(self) -> pd.Series:
        """Estimated coefficients (and thresholds for ordered models)."""
        return pd.Series(self.sm_results.params, name="params")

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        return pd.Series(self.sm_results.bse, name="bse")

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of :attr:`params`."""
        return pd.Series(self.sm_results.pvalues, name="pvalues")

    @property
    def llf(self) -> float:
        """Log-likelihood at the estimates."""
        return float(self.sm_results.llf)

    @property
    def nobs(self) -> int:
        """Number of respondents used in the fit."""
        return int(self.sm_results.nobs)

    @property
    def df_model(self) -> int:
        """Number of estimated parameters (OLS: coefficients; ordered: slopes + thresholds)."""
        return int(len(self.params))

    @property
    def aic(self) -> float:
        """Akaike information criterion."""
        return float(self.sm_results.aic)

    @property
    def bic(self) -> float:
        """Bayesian information criterion."""
        return float(self.sm_results.bic)

    @property
    def rsquared(self) -> float:
        """R-squared (OLS) or McFadden's pseudo R-squared (likelihood models)."""
        if self.kind == "ols":
            return float(self.sm_results.rsquared)
        return float(self.sm_results.prsquared)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals at confidence ``level`` (columns ``lower``, ``upper``).

        Every parameter here is unbounded (coefficients, and ordered models' thresholds in
        statsmodels' parametrisation: the first cut-point, then logs of the increments), so
        the intervals are ``est -+ z se`` on the natural scale.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level, in (0, 1).

        Returns
        -------
        pandas.DataFrame
            One row per parameter, columns ``lower`` and ``upper``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> d = pd.DataFrame({"sat": rng.normal(size=200)})
        >>> d["loy"] = 1 + 0.5 * d.sat + rng.normal(scale=0.5, size=200)
        >>> res = from_formula("loy ~ sat", d)
        >>> res.conf_int().round(3).values.tolist()
        [[0.885, 1.028], [0.39, 0.541]]
        """
        level = check_level(level)
        ci = pd.DataFrame(self.sm_results.conf_int(alpha=1 - level))
        ci.columns = ["lower", "upper"]
        return ci

    @cached_property
    def slope_names(self) -> list[str]:
        """Names of the regression slopes (no intercept, no thresholds)."""
        return [n for n in self._exog_names if n != "Intercept"]

    @cached_property
    def _exog_names(self) -> list[str]:
        model = self.sm_results.model
        return list(model.exog_names)[: np.asarray(model.exog).shape[1]]

    # ------------------------------------------------------------------ domain layer
    def _design(self, data: pd.DataFrame) -> np.ndarray:
        """Design matrix of new data using the fitted formula (same columns as ``exog``)."""
        from statsmodels.formula._manager import FormulaManager

        model = self.sm_results.model
        spec = getattr(model, "model_spec", None) or model.data.model_spec
        X = FormulaManager().get_matrices(spec, data, pandas=True, prediction=True)
        X = pd.DataFrame(X)
        return X.reindex(columns=self._exog_names).to_numpy(dtype=float)

    def _linear_predictor(self, data: pd.DataFrame | None) -> np.ndarray:
        if data is None:
            X = np.asarray(self.sm_results.model.exog, dtype=float)
        else:
            X = self._design(data)
        k = X.shape[1]
        return X @ self.params.to_numpy()[:k]

    @cached_property
    def standardized_params(self) -> pd.Series:
        """Fully standardised slopes: ``b * sd(x) / sd(y)``.

        For OLS ``sd(y)`` is the response's standard deviation; for probit/logit and the
        ordered models it is the standard deviation of the latent response,
        ``sqrt(var(x'b) + var(e))`` with ``var(e) = 1`` (probit) or ``pi^2/3`` (logit)
        (Long 1997, *Regression Models for Categorical and Limited Dependent Variables*,
        eq. 3.28).  Dummy and interaction columns are standardised the same way.
        """
        X = np.asarray(self.sm_results.model.exog, dtype=float)
        names = self._exog_names
        b = self.params.to_numpy()[: X.shape[1]]
        sdx = X.std(axis=0, ddof=1)
        if self.kind == "ols":
            sdy = float(np.std(self.sm_results.model.endog, ddof=1))
        else:
            ev = 1.0 if self.kind in ("probit", "ordered_probit") else np.pi ** 2 / 3
            sdy = float(np.sqrt(np.var(X @ b, ddof=1) + ev))
        out = pd.Series(b * sdx / sdy, index=names, name="standardized")
        return out.drop("Intercept", errors="ignore")

    def predict(self, data: pd.DataFrame | None = None, *, which: str = "default"
                ) -> pd.Series | pd.DataFrame:
        """Predict loyalty for ``data`` (default: the estimation data), keeping its index.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            New respondents with the formula's predictor columns.
        which : {"default", "expected", "linear"}, default "default"
            ``"default"``: OLS fitted values, probit/logit P(repurchase), ordered models a
            DataFrame of P(level) (one column per level); ``"expected"``: ordered models'
            expected level ``sum_j level_j P(level_j)``; ``"linear"``: the linear predictor.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Indexed like ``data``: a Series of predictions, or (ordered models, ``"default"``)
            a DataFrame with one column of probabilities per level.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> d = pd.DataFrame({"sat": rng.normal(size=200)})
        >>> d["loy"] = 1 + 0.5 * d.sat + rng.normal(scale=0.5, size=200)
        >>> res = from_formula("loy ~ sat", d)
        >>> res.predict(d.head(2)).round(3).tolist()
        [1.015, 0.895]
        """
        index = self.data.index if data is None else data.index
        if data is not None:
            rhs = self.formula.split("~", 1)[1]
            found, absent = formula_variables(rhs, data.columns)
            if absent:
                raise DataError(f"predict needs the formula's predictors; not in data: {absent}.")
            na = data[found].isna().to_numpy().any(axis=1)
            if na.any():
                cols = [c for c in found if data[c].isna().any()]
                raise DataError(f"columns {cols} of the data to predict have missing values; "
                                + describe_rows(na, data.index) + "; drop or impute them first.")
            data = formula_data(rhs, data)
        xb = self._linear_predictor(data)
        if which == "linear":
            return pd.Series(xb, index=index, name="linear_predictor")
        if which not in ("default", "expected"):
            raise ModelSpecificationError(f"which must be 'default', 'expected' or 'linear'; received {which!r}.")
        if self.kind == "ols":
            return pd.Series(xb, index=index, name=self.response)
        if self.kind in _BINARY:
            cdf = stats.norm.cdf if self.kind == "probit" else stats.logistic.cdf
            return pd.Series(cdf(xb), index=index, name=f"P({self.response}=1)")
        probs = self._ordered_probs(xb)
        levels = self.levels
        df = pd.DataFrame(probs, index=index, columns=levels)
        if which == "expected":
            return pd.Series(probs @ self._level_values, index=index, name=f"E[{self.response}]")
        return df

    @cached_property
    def levels(self) -> list:
        """Ordered models: the response levels (e.g. 1..10)."""
        if self.kind not in _ORDERED:
            return []
        labels = list(getattr(self.sm_results.model, "labels", []))
        try:
            vals = np.asarray(labels, dtype=float)
            if np.all(vals == np.round(vals)):
                return [int(v) for v in vals]
        except (TypeError, ValueError):
            pass
        return labels

    @property
    def _level_values(self) -> np.ndarray:
        try:
            return np.asarray(self.levels, dtype=float)
        except (TypeError, ValueError):
            return np.arange(1, len(self.levels) + 1, dtype=float)

    @cached_property
    def thresholds(self) -> pd.Series:
        """Ordered models: the cut points on the latent scale (increasing)."""
        if self.kind not in _ORDERED:
            return pd.Series(dtype=float)
        k = len(self._exog_names)
        raw = self.params.to_numpy()[k:]
        cuts = self.sm_results.model.transform_threshold_params(raw)[1:-1]
        names = [f"{a}|{b}" for a, b in zip(self.levels[:-1], self.levels[1:])]
        return pd.Series(cuts, index=names, name="thresholds")

    def _ordered_probs(self, xb: np.ndarray) -> np.ndarray:
        cuts = np.concatenate([[-np.inf], self.thresholds.to_numpy(), [np.inf]])
        cdf = stats.norm.cdf if self.kind == "ordered_probit" else stats.logistic.cdf
        F = cdf(cuts[None, :] - xb[:, None])
        return np.diff(F, axis=1)

    def marginal_effects(self, variable: str, data: pd.DataFrame | None = None, *,
                         at: Literal["average", "mean"] = "average", eps: float = 1e-4
                         ) -> pd.Series:
        """Marginal effect of ``variable`` on the prediction.

        Derivatives are taken through the whole formula (interactions and transformations
        included) by a central difference of :meth:`predict` in ``variable``.

        Parameters
        ----------
        variable : str
            A numeric column of the data (e.g. ``"satisfaction"``).
        data : pandas.DataFrame, optional
            Respondents to average over (default: the estimation data).
        at : {"average", "mean"}, default "average"
            Average marginal effect over respondents, or the effect at the column means.
        eps : float, default 1e-4
            Step of the central difference.

        Returns
        -------
        pandas.Series
            Ordered models: dP(level)/dx per level (sums to 0); probit/logit: dP(repurchase)/dx;
            OLS: d loyalty/dx.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(1)
        >>> d = pd.DataFrame({"satisfaction": rng.normal(size=500)})
        >>> d["loyalty"] = np.digitize(d.satisfaction + rng.normal(size=500), [-1, 0, 1]) + 1
        >>> me = from_formula("loyalty ~ satisfaction", d, kind="ordered_probit").marginal_effects("satisfaction")
        >>> bool(abs(me.sum()) < 1e-8)
        True
        """
        eps = check_positive_scalar(eps, "eps")
        base = self.data if data is None else data
        if variable not in base.columns:
            raise DataError(f"variable {variable!r} is not a column of the data; columns: {list(base.columns)}.")
        if not pd.api.types.is_numeric_dtype(base[variable]):
            raise DataError(f"variable {variable!r} must be numeric to take a marginal effect.")
        if at == "mean":
            row = {}
            for c in base.columns:
                s = base[c]
                row[c] = s.mean() if pd.api.types.is_numeric_dtype(s) and s.dtype != bool else s.mode().iloc[0]
            base = pd.DataFrame([row], index=["mean"])
        elif at != "average":
            raise ModelSpecificationError(f"at must be 'average' or 'mean'; received {at!r}.")
        up, dn = base.copy(), base.copy()
        up[variable] = base[variable].astype(float) + eps
        dn[variable] = base[variable].astype(float) - eps
        pu, pd_ = self.predict(up), self.predict(dn)
        d = (np.asarray(pu, dtype=float) - np.asarray(pd_, dtype=float)) / (2 * eps)
        if d.ndim == 2:
            return pd.Series(d.mean(axis=0), index=self.levels, name=f"dP/d{variable}")
        return pd.Series([d.mean()], index=[variable], name="marginal_effect").iloc[0:1]

    def summary(self, level: float = 0.95) -> Summary:
        """Fit statistics and the coefficient table (text with ``print``, HTML in Jupyter).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the interval columns.

        Returns
        -------
        Summary
            Fit information (kind, formula, respondents, log-likelihood, AIC, BIC, R-squared,
            covariance type, convergence) and a table with estimates, standard errors,
            p-values, confidence limits and standardised coefficients (NaN for the intercept
            and the ordered models' thresholds, which have no standardised counterpart).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> d = pd.DataFrame({"sat": rng.normal(size=200)})
        >>> d["loy"] = 1 + 0.5 * d.sat + rng.normal(scale=0.5, size=200)
        >>> res = from_formula("loy ~ sat", d)
        >>> print(res.summary())  # doctest: +ELLIPSIS
        Loyalty regression (ols)
        ...
        R-squared       0.433298
        ...
        """
        level = check_level(level)
        ci = self.conf_int(level)
        pct = f"{100 * level:g}%"
        table = pd.DataFrame({"estimate": self.params, "std err": self.bse, "p-value": self.pvalues,
                              f"lower {pct}": ci["lower"], f"upper {pct}": ci["upper"]})
        std = self.standardized_params.reindex(table.index)
        table["standardized"] = std
        cov = getattr(self.sm_results, "cov_type", "nonrobust")
        info = [("Kind", self.kind), ("Formula", self.formula), ("Respondents", self.nobs),
                ("Log-likelihood", self.llf), ("AIC", self.aic), ("BIC", self.bic),
                ("R-squared" if self.kind == "ols" else "Pseudo R-squared (McFadden)", self.rsquared),
                ("Covariance", cov), ("Converged", self.converged)]
        notes = [f"{100 * level:g}% Wald intervals on the natural scale (every parameter is unbounded)."]
        return Summary(f"Loyalty regression ({self.kind})", info, [("Coefficients", table)], notes)

    def plot(self, variable: str, *, ax: Any = None, grid: np.ndarray | None = None,
             at: dict | None = None, label: str | None = None) -> Any:
        """Plot predicted loyalty against ``variable`` (others at their means / modes).

        Ordered models plot the expected level, probit/logit P(repurchase), OLS the fitted
        line.  ``at`` fixes other columns (e.g. ``{"switching_cost": 1.0}``).

        Parameters
        ----------
        variable : str
            Predictor column on the horizontal axis.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        grid : ndarray, optional
            Values of ``variable`` (default: 60 points over its observed range).
        at : dict, optional
            Values for other columns (default: means of numeric columns, modes of the others).
        label : str, optional
            Legend label of the line.

        Returns
        -------
        matplotlib.axes.Axes
            The axes with the prediction curve.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> d = pd.DataFrame({"sat": rng.normal(size=200)})
        >>> d["loy"] = 1 + 0.5 * d.sat + rng.normal(scale=0.5, size=200)
        >>> res = from_formula("loy ~ sat", d)
        >>> res.plot("sat").get_xlabel()
        'sat'
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        base = self.data
        self._check_predictor(variable, "variable")
        if grid is None:
            grid = np.linspace(base[variable].min(), base[variable].max(), 60)
        grid = as_float_array(grid, "grid")
        row = {}
        for c in base.columns:
            s = base[c]
            row[c] = s.mean() if pd.api.types.is_numeric_dtype(s) and s.dtype != bool else s.mode().iloc[0]
        row.update(at or {})
        new = pd.DataFrame([row] * len(grid))
        new[variable] = grid
        pred = self.predict(new, which="expected" if self.kind in _ORDERED else "default")
        ax.plot(grid, np.asarray(pred), label=label)
        ax.set_xlabel(variable)
        ax.set_ylabel({"ols": self.response}.get(self.kind, f"P({self.response}=1)")
                      if self.kind not in _ORDERED else f"E[{self.response}]")
        return ax

    def _check_predictor(self, variable: Any, name: str) -> None:
        """``variable`` must be a column the formula uses on its right-hand side."""
        used, _ = formula_variables(self.formula.split("~", 1)[1], self.data.columns)
        if variable not in used:
            raise DataError(f"{name} must be a predictor of {self.formula!r} (one of {used}); "
                            f"received {variable!r}.")

    def __reduce__(self) -> tuple:
        # patsy/formulaic design specs do not pickle; the fit is deterministic, so a pickled
        # result stores (formula, data, kind, options) and is re-estimated on loading.
        return (_refit, (self.formula, self.data, self.kind, self.fit_options))

    def __repr__(self) -> str:
        return Summary("LoyaltyRegressionResults", [("kind", self.kind), ("nobs", self.nobs), ("llf", self.llf),
                                                    ("converged", self.converged)]).as_line()

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _refit(formula: str, data: pd.DataFrame, kind: str, options: dict) -> LoyaltyRegressionResults:
    return from_formula(formula, data, kind, **options)


def lr_test(restricted: LoyaltyRegressionResults, full: LoyaltyRegressionResults) -> LRTestResult:
    """Likelihood-ratio test of nested loyalty regressions.

    ``LR = 2 (llf_full - llf_restricted)`` is referred to a chi-squared distribution with
    ``df = k_full - k_restricted`` degrees of freedom (Wilks 1938).  Use it e.g. to ask
    whether trust adds to satisfaction in predicting repurchase:
    ``lr_test(from_formula("rep ~ sat", d, "logit"), from_formula("rep ~ sat + trust", d, "logit"))``.

    Parameters
    ----------
    restricted, full : LoyaltyRegressionResults
        Fits of the same kind on the same respondents; the restricted model's parameters
        must be a subset of the full model's.

    Returns
    -------
    LRTestResult
        ``statistic``, ``df``, ``pvalue`` (and the two log-likelihoods).

    Raises
    ------
    ModelSpecificationError
        Different kinds, different respondents, or models that are not nested.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame({"sat": rng.normal(size=400), "trust": rng.normal(size=400)})
    >>> d["rep"] = (d.sat + d.trust + rng.normal(size=400) > 0).astype(int)
    >>> t = lr_test(from_formula("rep ~ sat", d, "logit"), from_formula("rep ~ sat + trust", d, "logit"))
    >>> t.df, bool(t.pvalue < 0.001)
    (1, True)
    """
    for name, res in (("restricted", restricted), ("full", full)):
        if not isinstance(res, LoyaltyRegressionResults):
            raise DataError(f"{name} must be a LoyaltyRegressionResults (from from_formula); "
                            f"received {type(res).__name__}.")
    if restricted.kind != full.kind:
        raise ModelSpecificationError(f"lr_test needs models of the same kind; received "
                                      f"{restricted.kind!r} and {full.kind!r}.")
    if restricted.nobs != full.nobs or not restricted.data.index.equals(full.data.index):
        raise ModelSpecificationError("lr_test needs both models fitted on the same respondents; "
                                      f"received nobs {restricted.nobs} (restricted) and {full.nobs} "
                                      "(full).")
    extra = set(restricted.params.index) - set(full.params.index)
    if extra:
        raise ModelSpecificationError(f"the restricted model is not nested in the full one: "
                                      f"parameters {sorted(extra)} are not in the full model.")
    df = full.df_model - restricted.df_model
    if df <= 0:
        raise ModelSpecificationError(f"the full model must have more parameters than the restricted "
                                      f"one; received {full.df_model} and {restricted.df_model}.")
    return LRTestResult.from_loglikelihoods(restricted.llf, full.llf, int(df))
