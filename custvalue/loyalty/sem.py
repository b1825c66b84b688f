"""Covariance-based SEM through ``semopy`` (optional dependency), flagging improper solutions.

PLS path modelling (:mod:`custvalue.loyalty.pls`) always returns a proper solution; maximum-
likelihood SEM can return *improper* ones (Heywood cases): negative variance estimates, or
standardised coefficients beyond +-1, typically with highly collinear latents such as image,
satisfaction and loyalty (Dillon, Kumar & Mulani 1987, Psych. Bull. 101:126-135; Chen, Bollen,
Paxton, Curran & Kirby 2001, Soc. Meth. Res. 29:468-508).  :func:`fit_sem` fits a lavaan-style
description with semopy and lists every such problem in ``results.improper`` (and warns),
instead of letting the user report a standardised path of 1.5.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, ModelSpecificationError

__all__ = ["fit_sem", "SEMResults", "ImproperSolutionWarning"]


class ImproperSolutionWarning(UserWarning):
    """A covariance-based SEM solution has negative variances or ``|standardised beta| > 1``."""


@dataclass(frozen=True)
class SEMResults:
    """Results of :func:`fit_sem`.

    Attributes
    ----------
    estimates : pandas.DataFrame
        semopy's parameter table (lval, op, rval, Estimate, Est. Std, Std. Err, z-value, p-value).
    paths : pandas.Series
        Standardised structural and measurement coefficients ``"rval -> lval"``.
    fit_stats : pandas.Series
        chi2, DoF, CFI, TLI, RMSEA, AIC, BIC... as computed by semopy.
    improper : pandas.DataFrame
        One row per problem (parameter, kind, value); empty when the solution is proper.
    model : Any
        The fitted ``semopy.Model``.

    Examples
    --------
    Normally returned by :func:`fit_sem`; ``improper`` decides :attr:`is_proper`:

    >>> import pandas as pd
    >>> bad = pd.DataFrame([("S -> L", "standardised |beta| > 1", 1.4)],
    ...                    columns=["parameter", "problem", "value"])
    >>> res = SEMResults(pd.DataFrame(), pd.Series({"S -> L": 1.4}), pd.Series(dtype=float), bad, None)
    >>> res.is_proper
    False
    """

    estimates: pd.DataFrame
    paths: pd.Series
    fit_stats: pd.Series
    improper: pd.DataFrame
    model: Any

    @property
    def is_proper(self) -> bool:
        """True when no negative variance and no ``|standardised coefficient| > 1`` was found."""
        return self.improper.empty


def _improper(est: pd.DataFrame, tol: float = 1e-8) -> pd.DataFrame:
    rows = []
    var = est[(est["op"] == "~~") & (est["lval"] == est["rval"])]
    for _, r in var.iterrows():  # loop over the few parameters, not respondents
        if float(r["Estimate"]) < -tol:
            rows.append((f"{r['lval']} ~~ {r['rval']}", "negative variance", float(r["Estimate"])))
    reg = est[est["op"] == "~"]
    for _, r in reg.iterrows():
        v = float(r["Est. Std"])
        if abs(v) > 1 + tol:
            rows.append((f"{r['rval']} -> {r['lval']}", "standardised |beta| > 1", v))
    cov = est[(est["op"] == "~~") & (est["lval"] != est["rval"])]
    for _, r in cov.iterrows():
        v = float(r["Est. Std"])
        if abs(v) > 1 + tol:
            rows.append((f"{r['lval']} ~~ {r['rval']}", "correlation |r| > 1", v))
    return pd.DataFrame(rows, columns=["parameter", "problem", "value"])


def fit_sem(description: str, data: pd.DataFrame, *, obj: str = "MLW", **fit_kwargs: Any) -> SEMResults:
    """Fit a covariance-based SEM with semopy and flag improper solutions.

    Parameters
    ----------
    description : str
        lavaan-style model (``=~`` measurement, ``~`` regressions, ``~~`` covariances).  The
        PLS specifications of :class:`~custvalue.loyalty.ModelSpec` are valid here when all
        blocks are reflective (``spec.to_string()``).
    data : pandas.DataFrame
        Item data.
    obj : str, default "MLW"
        semopy objective (maximum likelihood, Wishart).
    **fit_kwargs
        Passed to ``semopy.Model.fit``.

    Returns
    -------
    SEMResults
        Parameter table, standardised paths, fit statistics and the list of improper estimates.

    Raises
    ------
    ImportError
        semopy is not installed (``pip install semopy``).
    DataError
        Variables of the description missing from ``data``, or missing values.

    Warns
    -----
    ImproperSolutionWarning
        When negative variances or standardised coefficients beyond +-1 are found.

    Examples
    --------
    >>> from custvalue.loyalty import ModelSpec, load_ecsi_synthetic
    >>> spec = ModelSpec.from_string("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S")
    >>> res = fit_sem(spec.to_string(), load_ecsi_synthetic())
    >>> round(float(res.paths["S -> L"]), 2), res.is_proper
    (0.58, True)
    """
    try:
        import semopy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("fit_sem needs the optional dependency semopy: pip install semopy") from exc
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; received {type(data).__name__}.")
    if not isinstance(description, str) or "~" not in description:
        raise ModelSpecificationError("description must be a lavaan-style model string with '=~' and/or '~' lines.")
    model = semopy.Model(description)
    observed = [v for v in model.vars["observed"]]
    absent = [v for v in observed if v not in data.columns]
    if absent:
        raise DataError(f"observed variables {absent} are not columns of data; columns: {list(map(str, data.columns))}.")
    na = data[observed].isna().to_numpy().any(axis=1)
    if na.any():
        raise DataError(f"{int(na.sum())} rows have missing values in the model's variables "
                        f"(first: {data.index[np.flatnonzero(na)[0]]}); drop or impute them.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(data[observed], obj=obj, **fit_kwargs)
        est = model.inspect(std_est=True)
        stats_ = semopy.calc_stats(model).T.iloc[:, 0]
    for c in ("Estimate", "Est. Std"):
        est[c] = pd.to_numeric(est[c], errors="coerce")
    reg = est[est["op"] == "~"]
    paths = pd.Series(reg["Est. Std"].to_numpy(), index=[f"{r} -> {l}" for l, r in zip(reg["lval"], reg["rval"])],
                      name="standardized")
    bad = _improper(est)
    if not bad.empty:
        warnings.warn("improper SEM solution: " + "; ".join(f"{p} ({k}: {v:.3g})" for p, k, v in bad.itertuples(index=False))
                      + ". Do not interpret these estimates: simplify the model, merge collinear "
                      "constructs, or use PLS path modelling.", ImproperSolutionWarning, stacklevel=2)
    return SEMResults(est, paths, pd.Series(stats_, name="fit"), bad, model)
