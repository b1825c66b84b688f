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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array
from ..base import Summary, numerical_jacobian
from ..exceptions import ConvergenceWarning, DataError, ImproperSolutionWarning, ModelSpecificationError

__all__ = ["fit_sem", "SEMResults", "ImproperSolutionWarning"]


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
    converged : bool
        True when the estimate is a strict local minimum of the fit function to ``xtol``: the
        Newton step still to go, ``H^-1 g`` on the parameters not held at a bound, is at most
        ``xtol * max(1, |parameter|)`` and ``H`` is positive definite.
    message : str
        The optimiser's message, and why convergence failed if it did.
    n_iter : int
        Iterations of the optimiser plus Newton polishing steps.

    Examples
    --------
    Normally returned by :func:`fit_sem`; ``improper`` decides :attr:`is_proper`:

    >>> import pandas as pd
    >>> bad = pd.DataFrame([("S -> L", "standardised |beta| > 1", 1.4)],
    ...                    columns=["parameter", "problem", "value"])
    >>> res = SEMResults(pd.DataFrame(), pd.Series({"S -> L": 1.4}), pd.Series(dtype=float), bad, None)
    >>> res.is_proper, res.converged
    (False, True)
    """

    estimates: pd.DataFrame
    paths: pd.Series
    fit_stats: pd.Series
    improper: pd.DataFrame
    model: Any
    converged: bool = True
    message: str = ""
    n_iter: int = 0

    def _summary(self) -> Summary:
        info = [("converged", self.converged), ("proper", self.is_proper), ("iterations", self.n_iter)]
        tables = [("Standardised coefficients", self.paths.to_frame("standardised")),
                  ("Fit statistics", pd.to_numeric(self.fit_stats, errors="coerce").to_frame("value"))]
        if not self.improper.empty:
            tables.append(("Improper solution", self.improper))
        return Summary("SEMResults", info, tables, [self.message] if self.message else [])

    def __repr__(self) -> str:
        return Summary("SEMResults", [("paths", len(self.paths)), *self._summary().info]).as_line()

    def _repr_html_(self) -> str:
        return self._summary()._repr_html_()

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


def _check_description(description: Any) -> None:
    """Refuse descriptions semopy would reject with a bare SyntaxError, naming the line."""
    if not isinstance(description, str) or "~" not in description:
        raise ModelSpecificationError("description must be a lavaan-style model string with '=~' and/or '~' "
                                      f"lines; received {description!r:.80}.")
    for number, raw in enumerate(description.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        op = next((o for o in ("=~", "~~", "~") if o in line), None)
        if op is None:
            continue
        left, right = (s.strip() for s in line.split(op, 1))
        if not left or not right.strip("+ "):
            need = {"=~": "a latent variable on the left and its indicators on the right",
                    "~~": "a variable on each side",
                    "~": "an outcome on the left and its predictors on the right"}[op]
            raise ModelSpecificationError(f"line {number} of the description, {line!r}, is incomplete: "
                                          f"'{op}' needs {need} (e.g. 'Sat =~ CUSA1 + CUSA2 + CUSA3').")


# Objectives that need a non-singular sample covariance matrix (they invert or take its log-det).
_FULL_RANK_OBJECTIVES = ("MLW", "FIML", "GLS", "WLS")


def _check_items(data: pd.DataFrame, observed: list[str], obj: str) -> pd.DataFrame:
    """The model's columns as a float frame: numeric, finite, varying and, for the likelihood
    objectives, with a non-singular sample covariance matrix; otherwise a DataError naming them."""
    absent = [v for v in observed if v not in data.columns]
    if absent:
        raise DataError(f"observed variables {absent} are not columns of data; columns: {list(map(str, data.columns))}.")
    items = pd.DataFrame({v: as_float_array(data[v], f"data column {v!r}", allow_empty=True) for v in observed},
                         index=data.index)
    if len(items) < 2:
        raise DataError(f"data has {len(items)} rows; a covariance structure needs at least 2 "
                        f"(and more rows than the {len(observed)} observed variables for obj={obj!r}).")
    sd = items.std(ddof=0).to_numpy()
    const = [v for v, s in zip(observed, sd) if not s > 1e-12 * max(1.0, float(np.abs(items[v]).max()))]
    if const:
        first = items[const[0]].iloc[0]
        raise DataError(f"data columns {const} are constant (e.g. {const[0]!r} is {first:g} in every row); an "
                        "indicator without variance carries no information and makes the covariance matrix "
                        "singular: drop it from the description.")
    if obj in _FULL_RANK_OBJECTIVES:
        corr = np.corrcoef(items.to_numpy(), rowvar=False)
        eigval, eigvec = np.linalg.eigh(corr)
        if eigval[0] <= 1e-10 * len(observed):
            involved = [v for v, w in zip(observed, eigvec[:, 0]) if abs(w) > 0.05]
            why = (f"data has {len(items)} rows for {len(observed)} observed variables"
                   if len(items) <= len(observed) else
                   f"the columns {involved} are an exact linear combination of one another")
            raise DataError(f"the sample covariance matrix of the observed variables is singular: {why}. "
                            f"obj={obj!r} inverts it; drop a redundant indicator, add rows, or use obj='ULS'.")
    return items


def _newton_polish(fun, grad, x: np.ndarray, bounds: list, *, xtol: float,
                   max_steps: int = 10) -> tuple[np.ndarray, float, int, str]:
    """Newton steps from the optimiser's point, with the Hessian by central differences of the
    analytic gradient, on the parameters not held at a bound (Nocedal & Wright 2006, sec. 3.3
    and 16.7).  Returns the point, the largest remaining step relative to ``max(1, |x|)``, the
    number of steps taken and, when that step is above ``xtol``, why."""
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds], dtype=float)
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    x = np.clip(np.asarray(x, dtype=float), lo, hi)
    f = fun(x)
    size = np.inf
    for step_no in range(max_steps + 1):
        g = np.asarray(grad(x), dtype=float)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            return x, np.inf, step_no, "the fit function or its gradient is not finite at the solution"
        held = ((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0))
        free = np.flatnonzero(~held)
        if free.size == 0:
            return x, 0.0, step_no, ""

        def grad_free(q: np.ndarray) -> np.ndarray:
            full = x.copy()
            full[free] = q
            return np.asarray(grad(full), dtype=float)[free]

        with np.errstate(all="ignore"):
            h = numerical_jacobian(grad_free, x[free])
        h = 0.5 * (h + h.T)
        try:
            chol = np.linalg.cholesky(h)
        except np.linalg.LinAlgError:
            return x, np.inf, step_no, ("the Hessian of the fit function is not positive definite at the "
                                        "solution: the model may not be identified")
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, g[free]))
        size = float(np.max(np.abs(step) / np.maximum(1.0, np.abs(x[free]))))
        if size <= xtol or step_no == max_steps:
            break
        for _ in range(20):  # halve the step until the fit function does not rise beyond rounding
            x_new = x.copy()
            x_new[free] -= step
            x_new = np.clip(x_new, lo, hi)
            f_new = fun(x_new)
            if np.isfinite(f_new) and f_new <= f + 1e-12 * max(1.0, abs(f)):
                break
            step = step / 2
        else:
            return x, size, step_no, "Newton steps from the optimiser's solution do not decrease the fit function"
        x, f = x_new, f_new
    reason = "" if size <= xtol else f"{max_steps} Newton steps did not reach xtol"
    return x, size, step_no, reason


def fit_sem(description: str, data: pd.DataFrame, *, obj: str = "MLW", tol: float = 1e-10,
            xtol: float = 1e-8, **fit_kwargs: Any) -> SEMResults:
    """Fit a covariance-based SEM with semopy, polish the optimum and flag improper solutions.

    semopy's optimiser (SLSQP) stops on a small change of the fit function, which leaves
    parameters off the optimum in the third digit on standard examples (Holzinger-Swineford
    loading ``x3`` 0.7305 instead of lavaan's 0.729).  ``fit_sem`` therefore runs it with a
    tight ``tol`` and then takes Newton steps (Hessian by central differences of semopy's
    analytic gradient; parameters held at a bound, such as a variance at 0, stay there) until
    the step still to go is below ``xtol`` relative to each parameter; ``converged`` on the
    results records whether that happened.  The estimates then agree with lavaan's to its
    printed digits (tests/reference/sem_lavaan.py).

    Parameters
    ----------
    description : str
        lavaan-style model (``=~`` measurement, ``~`` regressions, ``~~`` covariances), one
        statement per line.  The PLS specifications of :class:`~custvalue.loyalty.ModelSpec`
        are valid here when all blocks are reflective (``spec.to_string()``).
    data : pandas.DataFrame
        Item data: numeric, finite columns for every observed variable of the description.
    obj : str, default "MLW"
        semopy objective: ``"MLW"`` (maximum likelihood, Wishart), ``"FIML"``, ``"ULS"``,
        ``"GLS"``, ``"WLS"`` or ``"DWLS"``.
    tol : float, default 1e-10
        Tolerance of the optimiser (scipy ``minimize``'s ``tol``) before the Newton polish.
    xtol : float, default 1e-8
        Convergence criterion: largest Newton step still to go, relative to
        ``max(1, |parameter|)``.
    **fit_kwargs
        Passed to ``semopy.Model.fit`` (e.g. ``solver=``).  With equality constraints in the
        description, or a regularisation without gradient, the Newton polish is skipped and
        ``converged`` is the optimiser's own verdict.

    Returns
    -------
    SEMResults
        Parameter table, standardised paths, fit statistics, the list of improper estimates and
        the convergence diagnostics (``converged``, ``message``, ``n_iter``).

    Raises
    ------
    ImportError
        semopy is not installed (``pip install semopy``).
    DataError
        Variables of the description missing from ``data``; text, categorical, missing or
        infinite values (the column and rows are named); fewer than two rows; a constant
        column; a singular sample covariance matrix for an objective that inverts it.
    ModelSpecificationError
        An incomplete or unparsable line of the description (named), or an unknown ``obj``.

    Warns
    -----
    ImproperSolutionWarning
        When negative variances or standardised coefficients beyond +-1 are found.
    ConvergenceWarning
        When the solution does not meet ``xtol`` (the message says why).

    Examples
    --------
    >>> from custvalue.loyalty import ModelSpec, load_ecsi_synthetic
    >>> spec = ModelSpec.from_string("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S")
    >>> res = fit_sem(spec.to_string(), load_ecsi_synthetic())
    >>> round(float(res.paths["S -> L"]), 2), res.is_proper, res.converged
    (0.58, True, True)
    """
    try:
        import semopy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("fit_sem needs the optional dependency semopy: pip install semopy") from exc
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; received {type(data).__name__}.")
    _check_description(description)
    try:
        model = semopy.Model(description)
    except (SyntaxError, ValueError, KeyError, IndexError) as exc:
        raise ModelSpecificationError(f"semopy could not parse the description: {exc}") from None
    if not isinstance(obj, str) or obj not in model.objectives:
        raise ModelSpecificationError(f"obj must be one of {sorted(model.objectives)}; received {obj!r}.")
    for name, value in (("tol", tol), ("xtol", xtol)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise ModelSpecificationError(f"{name} must be a positive number; received {value!r}.")
    observed = list(model.vars["observed"])
    items = _check_items(data, observed, obj)
    with warnings.catch_warnings():
        # semopy's line search probes points where Sigma is not positive definite, and its
        # information-matrix fallback calls the deprecated logging.warn
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="semopy")
        res = model.fit(items, obj=obj, tol=tol, **fit_kwargs)
        fun, grad = model.get_objective(obj, regularization=fit_kwargs.get("regularization"))
        if grad is None or model.constraints:
            converged, reason, steps = bool(res.success), "", 0
        else:
            x, size, steps, reason = _newton_polish(fun, grad, np.asarray(res.x, dtype=float),
                                                    model.get_bounds(), xtol=xtol)
            converged = size <= xtol
            model.param_vals = x
            model.update_matrices(x)
            res = replace(res, x=x, fun=float(fun(x)))
            model.last_result = res
        est = model.inspect(std_est=True)
        stats_ = semopy.calc_stats(model).T.iloc[:, 0]
    message = str(res.message) + (f"; {reason}" if reason else "")
    n_iter = int(res.n_it) + steps if np.isfinite(res.n_it) else steps
    if not converged:
        warnings.warn(f"fit_sem did not converge ({message}). Check that every latent variable has a "
                      "fixed loading and enough indicators (the model is identified), that the "
                      "variables have comparable variances (rescale them), or try another start or "
                      "solver=.", ConvergenceWarning, stacklevel=2)
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
    return SEMResults(est, paths, pd.Series(stats_, name="fit"), bad, model, converged=converged,
                      message=message, n_iter=n_iter)
