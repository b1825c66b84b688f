"""Nonlinear satisfaction -> loyalty curves and tests of equal curves across groups.

Jones & Sasser (1995, "Why satisfied customers defect", Harvard Business Review 73(6):88-99)
argue the satisfaction-loyalty curve is steep and convex in competitive markets (only
"completely satisfied" customers are loyal) and flat where switching costs are high (even
dissatisfied customers stay).  :func:`satisfaction_curve` fits loyalty on a flexible function
of satisfaction (piecewise-linear hinges, a natural cubic regression spline, or a quadratic)
with any :func:`~custvalue.loyalty.from_formula` kind; :func:`compare_curves` tests whether
groups (competitive environment, switching-cost level) share one curve with a Wald test of
all group x curve terms (robust covariance; F form for OLS, chi-squared otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import as_float_array, check_whole_number, numeric_columns
from ..exceptions import DataError, ModelSpecificationError
from .regression import LoyaltyRegressionResults, _check_data, from_formula

__all__ = ["satisfaction_curve", "curve_terms", "compare_curves", "CurveComparison", "curve_slopes"]

Form = Literal["piecewise", "spline", "quadratic", "linear"]


def curve_terms(x: str, form: Form = "piecewise", knots: Sequence[float] | None = None,
                data: pd.DataFrame | None = None, df: int = 4) -> str:
    """Right-hand-side formula terms for a curve in ``x``.

    ``"piecewise"``: ``x + np.maximum(x - k, 0)`` for each knot (slopes change at knots;
    default knots at the terciles of ``x``); ``"spline"``: ``cr(x, df=df, constraints="center")`` natural cubic
    regression spline; ``"quadratic"``: ``x + I(x ** 2)``; ``"linear"``: ``x``.
    """
    if not isinstance(x, str):
        raise ModelSpecificationError(f"x must be a column name (str); received {x!r}.")
    df = check_whole_number(df, "df", minimum=3)
    if form == "linear":
        return x
    if form == "quadratic":
        return f"{x} + I({x} ** 2)"
    if form == "spline":
        return f"cr({x}, df={df}, constraints='center')"
    if form != "piecewise":
        raise ModelSpecificationError(f"form must be 'piecewise', 'spline', 'quadratic' or 'linear'; received {form!r}.")
    if knots is None:
        if data is None:
            raise ModelSpecificationError("piecewise curves need knots= or data to place them at terciles.")
        knots = np.unique(np.quantile(data[x].astype(float), [1 / 3, 2 / 3]))
    knots = as_float_array(knots, "knots")
    if data is not None:
        lo, hi = float(data[x].min()), float(data[x].max())
        out = knots[(knots <= lo) | (knots >= hi)]
        if out.size:
            raise DataError(f"knots must lie inside the observed range of {x!r} ({lo:g}, {hi:g}), so "
                            f"each hinge has data on both sides; received {out.tolist()}.")
    return " + ".join([x] + [f"np.maximum({x} - {float(k)!r}, 0)" for k in knots])


def satisfaction_curve(data: pd.DataFrame, response: str, satisfaction: str, *, form: Form = "piecewise",
                       knots: Sequence[float] | None = None, df: int = 4, covariates: Sequence[str] = (),
                       kind: str = "ols", **kwargs: Any) -> LoyaltyRegressionResults:
    """Fit loyalty on a flexible curve of satisfaction.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    response, satisfaction : str
        Column names; both must hold numbers (text, such as numeric strings or ``"n/a"``,
        raises a :class:`~custvalue.exceptions.DataError` naming the rows and values).
    form : {"piecewise", "spline", "quadratic", "linear"}, default "piecewise"
        Curve in satisfaction: hinges ``np.maximum(x - k, 0)`` at the knots, a natural cubic
        regression spline, ``x + x**2``, or a straight line.
    knots : sequence of float, optional
        Hinge points of the piecewise form (default: terciles of satisfaction).
    df : int, default 4
        Degrees of freedom of the spline.
    covariates : sequence of str
        Extra right-hand-side terms.
    kind : str, default "ols"
        Any kind accepted by :func:`~custvalue.loyalty.from_formula`.

    Returns
    -------
    LoyaltyRegressionResults
        The fit of ``response ~ curve terms + covariates``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(1, 10, 3000)
    >>> d = pd.DataFrame({"sat": s, "loy": 0.1 * s + 0.8 * np.maximum(s - 7, 0) + rng.normal(0, .5, 3000)})
    >>> r = satisfaction_curve(d, "loy", "sat", knots=[7])
    >>> round(float(r.params["np.maximum(sat - 7.0, 0)"]), 1)
    0.8
    """
    data = _curve_data(data, response, satisfaction, covariates, kind, kwargs)
    rhs = " + ".join([curve_terms(satisfaction, form, knots, data, df), *covariates])
    return from_formula(f"{response} ~ {rhs}", data, kind, **kwargs)


def _curve_data(data: Any, response: str, satisfaction: str, covariates: Sequence[str], kind: str,
                kwargs: dict) -> pd.DataFrame:
    """The checks of :func:`from_formula` on the curve's columns, before knots are placed on
    them: satisfaction must be a column of numbers (text raises, naming rows and values)."""
    if not isinstance(satisfaction, str) or not isinstance(response, str):
        raise ModelSpecificationError("response and satisfaction must be column names (str); received "
                                      f"{type(response).__name__} and {type(satisfaction).__name__}.")
    rhs = " + ".join([satisfaction, *covariates])
    data = _check_data(f"{response} ~ {rhs}", data, kind, kwargs.get("missing", "raise"))
    return numeric_columns(data, [satisfaction], context="the curve's variable", allow_categorical=False)


def curve_slopes(res: LoyaltyRegressionResults, satisfaction: str, grid: Sequence[float] | None = None,
                 **at: Any) -> pd.Series:
    """Slope of the fitted curve (d prediction / d satisfaction) along a grid, other columns at ``at``.

    Central finite differences (step 1e-4) of the prediction: fitted loyalty for OLS,
    P(repurchase) for probit/logit, the expected level for ordered models.

    Parameters
    ----------
    res : LoyaltyRegressionResults
        A fitted curve, e.g. from :func:`satisfaction_curve`.
    satisfaction : str
        The satisfaction column.
    grid : sequence of float, optional
        Satisfaction values (default: 10 points over its observed range).
    **at
        Values for other columns (default: means of numeric columns, modes of the others).

    Returns
    -------
    pandas.Series
        Slopes named ``"slope"``, indexed by the grid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(1, 10, 400)
    >>> d = pd.DataFrame({"sat": s, "loy": 0.1 * s + 0.02 * s ** 2 + rng.normal(0, .5, 400)})
    >>> r = satisfaction_curve(d, "loy", "sat", form="quadratic")
    >>> slopes = curve_slopes(r, "sat", [2, 8])
    >>> bool(slopes.iloc[1] > slopes.iloc[0])
    True
    """
    if not isinstance(res, LoyaltyRegressionResults):
        raise DataError(f"res must be a LoyaltyRegressionResults (e.g. from satisfaction_curve); "
                        f"received {type(res).__name__}.")
    res._check_predictor(satisfaction, "satisfaction")
    base = res.data
    if grid is None:
        grid = np.linspace(base[satisfaction].min(), base[satisfaction].max(), 10)
    grid = as_float_array(grid, "grid")
    row = {c: (base[c].mean() if pd.api.types.is_numeric_dtype(base[c]) else base[c].mode().iloc[0])
           for c in base.columns}
    row.update(at)
    new = pd.DataFrame([row] * len(grid))
    new[satisfaction] = grid
    which = "expected" if res.kind.startswith("ordered") else "default"
    eps = 1e-4
    up, dn = new.copy(), new.copy()
    up[satisfaction] += eps
    dn[satisfaction] -= eps
    d = (np.asarray(res.predict(up, which=which)) - np.asarray(res.predict(dn, which=which))) / (2 * eps)
    return pd.Series(d, index=pd.Index(grid, name=satisfaction), name="slope")


@dataclass(frozen=True)
class CurveComparison:
    """Test that several groups share one satisfaction-loyalty curve.

    Attributes
    ----------
    statistic : float
        F (OLS) or chi-squared (likelihood models) Wald statistic of all group x curve terms
        and group intercept shifts.
    df : int
        Restrictions tested.
    pvalue : float
        P-value of ``statistic``.
    pooled, full : LoyaltyRegressionResults
        The common-curve fit and the group-specific fit.
    curves : pandas.DataFrame
        Predicted loyalty on a satisfaction grid (rows) for each group (columns).
    test : {"F", "chi2"}
        Reference distribution of ``statistic``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(1, 10, 400); g = rng.integers(0, 2, 400)
    >>> loy = np.where(g == 1, 0.5 + 0.05 * s, 0.1 * s + 0.8 * np.maximum(s - 7, 0)) + rng.normal(0, .5, 400)
    >>> cmp = compare_curves(pd.DataFrame({"sat": s, "loy": loy, "g": g}), "loy", "sat", "g")
    >>> cmp.test, cmp.df, cmp.curves.shape
    ('F', 4, (50, 2))
    """

    statistic: float
    df: int
    pvalue: float
    pooled: LoyaltyRegressionResults
    full: LoyaltyRegressionResults
    curves: pd.DataFrame
    test: str

    def __repr__(self) -> str:
        return (f"CurveComparison({self.test}={self.statistic:.4g}, df={self.df}, "
                f"pvalue={self.pvalue:.4g})")


def compare_curves(data: pd.DataFrame, response: str, satisfaction: str, group: str, *,
                   form: Form = "piecewise", knots: Sequence[float] | None = None, df: int = 4,
                   kind: str = "ols", grid: Sequence[float] | None = None, **kwargs: Any) -> CurveComparison:
    """Do groups share the same satisfaction -> loyalty curve?

    Fits ``response ~ C(group) * (curve terms)`` and tests every term involving the group
    (intercept shifts and curve interactions) with a Wald test on the fit's covariance (HC3
    for OLS), reported as F = W / q with (q, n - k) degrees of freedom for OLS and chi-squared
    otherwise.  Knots are placed on the pooled data so that all groups share them.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    response, satisfaction, group : str
        Column names; ``group`` must have at least two levels.
    form : {"piecewise", "spline", "quadratic", "linear"}, default "piecewise"
        Curve form (see :func:`satisfaction_curve`).
    knots : sequence of float, optional
        Hinge points of the piecewise form (default: terciles of the pooled satisfaction).
    df : int, default 4
        Degrees of freedom of the spline.
    kind : str, default "ols"
        Any kind accepted by :func:`~custvalue.loyalty.from_formula`.
    grid : sequence of float, optional
        Satisfaction values for ``curves`` (default: 50 points over the observed range).
    **kwargs
        Passed to :func:`~custvalue.loyalty.from_formula` (e.g. ``cov_type``).

    Returns
    -------
    CurveComparison
        The Wald statistic, its degrees of freedom and p-value, both fits and the group curves.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(1, 10, 4000); g = rng.integers(0, 2, 4000)
    >>> loy = np.where(g == 1, 0.5 + 0.05 * s, 0.1 * s + 0.8 * np.maximum(s - 7, 0)) + rng.normal(0, .5, 4000)
    >>> cmp = compare_curves(pd.DataFrame({"sat": s, "loy": loy, "g": g}), "loy", "sat", "g")
    >>> bool(cmp.pvalue < 1e-6)
    True
    """
    if isinstance(data, pd.DataFrame) and group not in data.columns:
        raise DataError(f"group column {group!r} is not in data; columns: {list(data.columns)}.")
    levels = pd.unique(data[group])
    if len(levels) < 2:
        raise DataError(f"compare_curves needs at least 2 groups in {group!r}; received {list(levels)}.")
    data = _curve_data(data, response, satisfaction, [f"C({group})"], kind, kwargs)
    levels = pd.unique(data[group])
    terms = curve_terms(satisfaction, form, knots, data, df)
    pooled = from_formula(f"{response} ~ {terms}", data, kind, **kwargs)
    full = from_formula(f"{response} ~ C({group}) * ({terms})", data, kind, **kwargs)
    names = list(full.params.index)
    tested = [i for i, n in enumerate(names) if f"C({group})" in n]
    b = full.params.to_numpy()[tested]
    V = full.sm_results.cov_params().to_numpy()[np.ix_(tested, tested)]
    W = float(b @ np.linalg.solve(V, b))
    q = len(tested)
    if kind == "ols":
        stat, p, test = W / q, float(stats.f.sf(W / q, q, full.sm_results.df_resid)), "F"
    else:
        stat, p, test = W, float(stats.chi2.sf(W, q)), "chi2"
    if grid is None:
        grid = np.linspace(data[satisfaction].min(), data[satisfaction].max(), 50)
    grid = as_float_array(grid, "grid")
    which = "expected" if kind.startswith("ordered") else "default"
    curves = {}
    for lev in levels:  # loop over the few groups
        new = pd.DataFrame({satisfaction: grid, group: lev})
        for c in data.columns:
            if c not in new.columns and c != response:
                s = data[c]
                new[c] = s.mean() if pd.api.types.is_numeric_dtype(s) else s.mode().iloc[0]
        curves[lev] = np.asarray(full.predict(new, which=which))
    return CurveComparison(stat, q, p, pooled, full,
                           pd.DataFrame(curves, index=pd.Index(grid, name=satisfaction)), test)
