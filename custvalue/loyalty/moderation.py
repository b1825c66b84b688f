"""Moderation of the satisfaction -> loyalty link: simple slopes and Johnson-Neyman intervals.

Jones, Mothersbaugh & Beatty (2000, J. Retailing 76(2):259-274) show that switching barriers
(interpersonal relationships, perceived switching costs, attractiveness of alternatives)
weaken the effect of core-service satisfaction on repurchase intentions: the satisfaction x
barrier interaction is negative.  Given a fitted :func:`~custvalue.loyalty.from_formula`
regression with a ``focal:moderator`` interaction, :func:`simple_slopes` gives the slope of
the focal predictor at chosen moderator levels (Aiken & West 1991, ch. 2) and
:func:`johnson_neyman` the moderator values where that slope is significant (Johnson &
Neyman 1936; Bauer & Curran 2005, Multivariate Behav. Res. 40:373-400, eq. 7-8).  Both use
the fit's own covariance (HC3 for OLS by default); for probit/logit/ordered models slopes are
on the latent-index scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..base import Summary
from .._validation import as_float_array, check_level, numeric_columns
from ..exceptions import DataError, ModelSpecificationError
from .regression import LoyaltyRegressionResults, _check_data, from_formula

__all__ = ["simple_slopes", "johnson_neyman", "JohnsonNeymanResult", "moderated_regression"]


def _terms(res: LoyaltyRegressionResults, focal: str, moderator: str) -> tuple[str, str]:
    names = list(res.params.index)
    inter = [n for n in (f"{focal}:{moderator}", f"{moderator}:{focal}") if n in names]
    if focal not in names or not inter:
        raise ModelSpecificationError(
            f"the model must contain {focal!r} and its interaction with {moderator!r} "
            f"(e.g. '{res.response} ~ {focal} * {moderator}'); its terms are {names}.")
    return focal, inter[0]


def _crit(res: LoyaltyRegressionResults, level: float) -> float:
    level = check_level(level)
    if getattr(res.sm_results, "use_t", False):
        return float(stats.t.ppf(0.5 + level / 2, res.sm_results.df_resid))
    return float(stats.norm.ppf(0.5 + level / 2))


def simple_slopes(res: LoyaltyRegressionResults, focal: str, moderator: str,
                  at: Sequence[float] | None = None, *, level: float = 0.95) -> pd.DataFrame:
    """Slope of ``focal`` at chosen values of ``moderator``.

    ``slope(m) = b_focal + b_interaction * m`` with variance
    ``V_ff + 2 m V_fi + m^2 V_ii`` (Aiken & West 1991, eq. 2.4 and 2.6).

    Parameters
    ----------
    res : LoyaltyRegressionResults
        A fit containing ``focal``, ``moderator`` and ``focal:moderator``.
    focal, moderator : str
        Column names, e.g. ``"satisfaction"`` and ``"switching_cost"``.
    at : sequence of float, optional
        Moderator values; default mean - 1 SD, mean, mean + 1 SD of the estimation data.
    level : float, default 0.95
        Confidence level of ``lower`` / ``upper``.

    Returns
    -------
    pandas.DataFrame
        Index: moderator values; columns slope, std_err, statistic, pvalue, lower, upper.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"sat": rng.normal(size=2000), "sc": rng.normal(size=2000)})
    >>> d["loy"] = 0.6 * d.sat + 0.2 * d.sc - 0.3 * d.sat * d.sc + rng.normal(size=2000)
    >>> from custvalue.loyalty import from_formula
    >>> ss = simple_slopes(from_formula("loy ~ sat * sc", d), "sat", "sc", at=[-1, 0, 1])
    >>> bool(ss["slope"].is_monotonic_decreasing)
    True
    """
    f, i = _terms(res, focal, moderator)
    if at is None:
        m = res.data[moderator].astype(float)
        at = [m.mean() - m.std(), m.mean(), m.mean() + m.std()]
    at = as_float_array(at, "at")
    b = res.params
    V = res.sm_results.cov_params()
    slope = b[f] + b[i] * at
    se = np.sqrt(V.loc[f, f] + 2 * at * V.loc[f, i] + at ** 2 * V.loc[i, i])
    crit = _crit(res, level)
    stat = slope / se
    if getattr(res.sm_results, "use_t", False):
        p = 2 * stats.t.sf(np.abs(stat), res.sm_results.df_resid)
    else:
        p = 2 * stats.norm.sf(np.abs(stat))
    return pd.DataFrame({"slope": slope, "std_err": se, "statistic": stat, "pvalue": p,
                         "lower": slope - crit * se, "upper": slope + crit * se},
                        index=pd.Index(at, name=moderator))


@dataclass(frozen=True)
class JohnsonNeymanResult:
    """Johnson-Neyman region of significance of a simple slope.

    Attributes
    ----------
    bounds : tuple of float
        Moderator values where the slope's confidence interval touches 0 (0, 1 or 2 roots).
    significant : str
        ``"outside"`` (significant below the lower and above the upper bound), ``"inside"``
        (between the bounds), ``"everywhere"`` or ``"nowhere"``; with a single root (a zero
        quadratic coefficient), ``"above"`` or ``"below"`` it.
    observed_range : tuple of float
        Range of the moderator in the data.
    share_significant : float
        Share of respondents whose moderator value lies in the region of significance.
    level : float
        Confidence level of the test.

    Examples
    --------
    >>> jn = JohnsonNeymanResult((-1.0, 2.0), "outside", (-3.0, 3.0), 0.4, 0.95)
    >>> jn.is_significant([-2, 0, 3]).tolist()
    [True, False, True]
    """

    bounds: tuple[float, ...]
    significant: str
    observed_range: tuple[float, float]
    share_significant: float
    level: float

    def _summary(self) -> Summary:
        bounds = "(" + ", ".join(f"{b:.6g}" for b in self.bounds) + ")"
        return Summary("JohnsonNeymanResult", [("bounds", bounds), ("significant", self.significant),
                                               ("share significant", self.share_significant),
                                               ("level", self.level)])

    def __repr__(self) -> str:
        return self._summary().as_line()

    def _repr_html_(self) -> str:
        return self._summary()._repr_html_()

    def is_significant(self, m: Any) -> np.ndarray:
        """Whether the focal slope is significant at moderator value(s) ``m``.

        Parameters
        ----------
        m : float or array_like
            Moderator value(s).

        Returns
        -------
        ndarray of bool
            Same shape as ``m``; True where the slope is significant at ``level``.

        Examples
        --------
        >>> jn = JohnsonNeymanResult((-1.0, 2.0), "inside", (-3.0, 3.0), 0.5, 0.95)
        >>> jn.is_significant([-2, 0, 3]).tolist()
        [False, True, False]
        """
        shape = np.shape(m)
        m = as_float_array(np.reshape(m, -1) if shape else m, "m", allow_empty=True).reshape(shape)
        if self.significant == "everywhere":
            return np.ones(m.shape, bool)
        if self.significant == "nowhere":
            return np.zeros(m.shape, bool)
        if len(self.bounds) == 1:
            # one root: significant on one side, stored as ("above"/"below") via significant
            return m > self.bounds[0] if self.significant == "above" else m < self.bounds[0]
        lo, hi = self.bounds
        inside = (m >= lo) & (m <= hi)
        return inside if self.significant == "inside" else ~inside


def johnson_neyman(res: LoyaltyRegressionResults, focal: str, moderator: str, *,
                   level: float = 0.95) -> JohnsonNeymanResult:
    """Johnson-Neyman interval: where is the slope of ``focal`` significant?

    Solves ``(b_f + b_i m)^2 = c^2 (V_ff + 2 m V_fi + m^2 V_ii)`` for ``m`` (Bauer & Curran
    2005, eq. 7), ``c`` the critical value at ``level``.

    Parameters
    ----------
    res : LoyaltyRegressionResults
        A fit containing ``focal``, ``moderator`` and ``focal:moderator``.
    focal, moderator : str
        Column names, e.g. ``"satisfaction"`` and ``"switching_cost"``.
    level : float, default 0.95
        Confidence level (t critical values when the fit uses t, normal otherwise).

    Returns
    -------
    JohnsonNeymanResult
        Bounds of the region of significance, its shape, the observed moderator range and
        the share of respondents in the region.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"sat": rng.normal(size=2000), "sc": rng.normal(size=2000)})
    >>> d["loy"] = 0.6 * d.sat - 0.3 * d.sat * d.sc + rng.normal(size=2000)
    >>> from custvalue.loyalty import from_formula
    >>> jn = johnson_neyman(from_formula("loy ~ sat * sc", d), "sat", "sc")
    >>> jn.significant, round(jn.bounds[0], 0)
    ('outside', 2.0)
    """
    f, i = _terms(res, focal, moderator)
    b = res.params
    V = res.sm_results.cov_params()
    c2 = _crit(res, level) ** 2
    A = b[i] ** 2 - c2 * V.loc[i, i]
    B = 2 * (b[f] * b[i] - c2 * V.loc[f, i])
    C = b[f] ** 2 - c2 * V.loc[f, f]
    m = res.data[moderator].astype(float).to_numpy()
    obs = (float(m.min()), float(m.max()))
    # g(m) = A m^2 + B m + C > 0  <=>  significant
    if abs(A) < 1e-15:
        if abs(B) < 1e-15:
            kind = "everywhere" if C > 0 else "nowhere"
            bounds: tuple[float, ...] = ()
        else:
            root = -C / B
            bounds = (float(root),)
            kind = "above" if B > 0 else "below"
    else:
        disc = B ** 2 - 4 * A * C
        if disc < 0:
            kind = "everywhere" if A > 0 else "nowhere"
            bounds = ()
        else:
            r = np.sort([(-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)])
            bounds = (float(r[0]), float(r[1]))
            kind = "outside" if A > 0 else "inside"
    out = JohnsonNeymanResult(bounds, kind, obs, 0.0, level)
    share = float(np.mean(out.is_significant(m)))
    return JohnsonNeymanResult(bounds, kind, obs, share, level)


def moderated_regression(data: pd.DataFrame, response: str, focal: str, moderator: str, *,
                         covariates: Sequence[str] = (), kind: str = "ols", center: bool = True,
                         **kwargs: Any) -> LoyaltyRegressionResults:
    """Fit ``response ~ focal * moderator + covariates``, optionally mean-centring focal and moderator.

    Centring (Aiken & West 1991) makes the focal coefficient the slope at the average
    moderator level; the interaction coefficient is unchanged.  The centred columns replace
    the originals in the data stored on the result, so :func:`simple_slopes` ``at`` values are
    on the centred scale.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    response, focal, moderator : str
        Column names.
    covariates : sequence of str, optional
        Extra right-hand-side terms.
    kind : str, default "ols"
        Any kind accepted by :func:`~custvalue.loyalty.from_formula`.
    center : bool, default True
        Mean-centre ``focal`` and ``moderator`` before fitting.
    **kwargs
        Passed to :func:`~custvalue.loyalty.from_formula` (e.g. ``cov_type``).

    Returns
    -------
    LoyaltyRegressionResults
        The fit, whose ``data`` holds the centred columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"sat": rng.normal(5, 1, 500), "sc": rng.normal(3, 1, 500)})
    >>> d["loy"] = d.sat - 0.2 * d.sat * d.sc + rng.normal(size=500)
    >>> r = moderated_regression(d, "loy", "sat", "sc")
    >>> round(float(r.params["sat:sc"]), 1)
    -0.2
    """
    rhs = " + ".join([f"{focal} * {moderator}", *covariates])
    formula = f"{response} ~ {rhs}"
    # the checks of from_formula first (missing rows dropped, text refused), so the means
    # are those of the rows fitted
    d = _check_data(formula, data, kind, kwargs.get("missing", "raise")).copy()
    if center:
        for c in (focal, moderator):
            if c not in d.columns:
                raise DataError(f"column {c!r} is not in data; columns: {list(d.columns)}.")
            d = numeric_columns(d, [c], context="centred (center=True)", allow_categorical=False)
            d[c] = d[c] - d[c].mean()
    return from_formula(formula, d, kind, **kwargs)
