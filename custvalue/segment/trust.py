"""Trust versus satisfaction as predictors of repurchase (*Customer quality review*).

*Customer quality review*: "the quality review measures customer *trust*, not
satisfaction; the only factor that makes customers buy and stay loyal is their trust in the
firm's products".  The claim is tested on survey + behaviour data with nested binary
regressions from :mod:`custvalue.loyalty` (reused): repurchase on satisfaction, on trust, and
on both; likelihood-ratio tests of each predictor's *added* information (Wilks 1938); and the
out-of-sample area under the ROC curve of each model on a held-out part of the respondents
(AUC = the Mann-Whitney probability that a repurchaser scores above a non-repurchaser;
Hanley & McNeil 1982, Radiology 143:29-36).  Morgan & Hunt (1994, J. Marketing 58(3):20-38)
is the classic argument for trust as the key mediating variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import (align_by_label, as_float_array, as_generator, check_level,
                           check_positive_scalar, describe_rows)
from ..base import FrozenMixin, Summary
from ..exceptions import DataError
from ..loyalty import from_formula, lr_test

__all__ = ["roc_auc", "trust_vs_satisfaction", "TrustSatisfactionComparison"]


def _labels(values: Any) -> pd.Index | None:
    return values.index if isinstance(values, (pd.Series, pd.DataFrame)) else None


def _check_binary(y: np.ndarray, name: str, index: pd.Index | None) -> None:
    bad = (y != 0.0) & (y != 1.0)
    if bad.any():
        raise DataError(f"{name} must hold only 0 and 1 (a binary outcome); "
                        + describe_rows(bad, index))


def roc_auc(y: Any, score: Any) -> float:
    """Area under the ROC curve: P(score of a random positive > a random negative), ties 1/2.

    Computed from average ranks (the Mann-Whitney U statistic divided by ``n1 n0``).

    Parameters
    ----------
    y : array-like of {0, 1}
        Outcomes.
    score : array-like
        Predicted scores (higher = more likely 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from custvalue.segment import roc_auc
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    aligned = align_by_label(y=y, score=score)  # Series paired by label, arrays by position
    y, score = aligned["y"], aligned["score"]
    yy = as_float_array(y, "y", index=_labels(y))
    s = as_float_array(score, "score", index=_labels(score))
    if yy.shape != s.shape:
        raise DataError(f"y and score must have the same length; received {yy.size} and {s.size}.")
    _check_binary(yy, "y", _labels(y))
    n1 = int(yy.sum())
    n0 = yy.size - n1
    if n1 == 0 or n0 == 0:
        raise DataError(f"y must contain both outcomes to compute an AUC; received {n1} ones and {n0} zeros.")
    r = stats.rankdata(s)
    return float((r[yy == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


class TrustSatisfactionComparison(FrozenMixin):
    """Nested models of repurchase on satisfaction and trust, compared in and out of sample.

    Attributes
    ----------
    fits : dict
        ``"satisfaction"``, ``"trust"``, ``"both"``: fitted
        :class:`~custvalue.loyalty.LoyaltyRegressionResults` on all respondents.
    lr_tests : pandas.DataFrame
        Rows ``"trust | satisfaction"`` (does trust add to satisfaction?) and
        ``"satisfaction | trust"``: ``statistic``, ``df``, ``pvalue``.
    auc : pandas.Series
        Out-of-sample AUC of each model (fitted on the training part, scored on the test part).
    table : pandas.DataFrame
        Per model: log-likelihood, AIC, BIC, in-sample and out-of-sample AUC.
    standardized : pandas.Series
        Standardised coefficients of satisfaction and trust in the joint model.
    verdict : str
        A one-line reading of the evidence.

    Notes
    -----
    Built by :func:`trust_vs_satisfaction`.

    Examples
    --------
    >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
    >>> from custvalue.segment import trust_vs_satisfaction
    >>> cmp = trust_vs_satisfaction(simulate_loyalty_survey(1500, seed=1), seed=2)
    >>> sorted(cmp.fits), list(cmp.lr_tests.columns)
    (['both', 'satisfaction', 'trust'], ['statistic', 'df', 'pvalue'])
    """

    def __init__(self, **kw: Any):
        for k, v in kw.items():
            setattr(self, k, v)
        self._freeze()

    def summary(self) -> Summary:
        """Tables of the comparison as a :class:`~custvalue.base.Summary`.

        Returns
        -------
        Summary
            Sample sizes in the header, the model table and the likelihood-ratio tests,
            and the verdict as a note.

        Examples
        --------
        >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
        >>> from custvalue.segment import trust_vs_satisfaction
        >>> summ = trust_vs_satisfaction(simulate_loyalty_survey(1500, seed=1), seed=2).summary()
        >>> [name for name, _ in summ.tables]
        ['Models', 'Likelihood-ratio tests']
        """
        return Summary("Trust vs satisfaction as predictors of repurchase",
                       [("respondents", self.nobs), ("test respondents", self.n_test),
                        ("kind", self.kind)],
                       [("Models", self.table), ("Likelihood-ratio tests", self.lr_tests)],
                       [self.verdict])

    def __repr__(self) -> str:
        return Summary("TrustSatisfactionComparison", [("kind", self.kind), ("nobs", self.nobs),
                                                       ("test respondents", self.n_test)]).as_line()

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def trust_vs_satisfaction(data: pd.DataFrame, *, outcome: str = "repurchase",
                          satisfaction: str = "satisfaction", trust: str = "trust",
                          controls: Sequence[str] = (), kind: str = "logit",
                          test_size: float = 0.3, level: float = 0.05,
                          seed: int | np.random.Generator | None = None) -> TrustSatisfactionComparison:
    """Compare trust and satisfaction as predictors of repurchase.

    Fits ``outcome ~ satisfaction``, ``outcome ~ trust`` and ``outcome ~ satisfaction + trust``
    (plus ``controls`` in each) with :func:`custvalue.loyalty.from_formula`, tests each
    predictor's added information with :func:`custvalue.loyalty.lr_test`, and scores the
    three models by out-of-sample AUC on a random ``test_size`` share of respondents.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent: the 0/1 ``outcome``, the ``satisfaction`` and ``trust``
        indices and any ``controls``.
    outcome, satisfaction, trust : str
        Column names.
    controls : sequence of str, default ()
        Further predictors kept in every model (e.g. ``switching_cost``).
    kind : {"logit", "probit"}, default "logit"
    test_size : float, default 0.3
        Share of respondents held out for the AUC (in (0, 1)).
    level : float, default 0.05
        Significance level used in the verdict.
    seed : int or numpy.random.Generator, optional
        Randomness of the train/test split.

    Returns
    -------
    TrustSatisfactionComparison

    Raises
    ------
    DataError
        On empty data, a missing column, text or missing values in a used column (rows
        named), an outcome other than 0/1, or a train/test split whose test part lacks one of
        the outcomes.

    Examples
    --------
    >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
    >>> from custvalue.segment import trust_vs_satisfaction
    >>> d = simulate_loyalty_survey(1500, seed=1)
    >>> cmp = trust_vs_satisfaction(d, seed=2)
    >>> sorted(cmp.auc.index)
    ['both', 'satisfaction', 'trust']
    """
    if kind not in ("logit", "probit"):
        raise DataError(f"kind must be 'logit' or 'probit'; received {kind!r}.")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a DataFrame; received {type(data).__name__}.")
    cols = [outcome, satisfaction, trust, *controls]
    missing = [c for c in cols if c not in data]
    if missing:
        raise DataError(f"columns {missing} not found in data; columns received: {list(data.columns)[:20]}.")
    level = check_level(level)
    test_size = check_positive_scalar(test_size, "test_size")
    if test_size >= 1:
        raise DataError(f"test_size must lie in (0, 1); received {test_size!r}.")
    if len(data) == 0:
        raise DataError("data is empty; one row per respondent is required.")
    for c in cols:  # numeric, finite: text or missing values are named with their rows
        as_float_array(data[c], f"column {c!r}", index=data.index)
    _check_binary(data[outcome].to_numpy(dtype=np.float64), f"column {outcome!r} (the outcome)",
                  data.index)
    rhs_c = "".join(f" + {c}" for c in controls)
    formulas = {"satisfaction": f"{outcome} ~ {satisfaction}{rhs_c}",
                "trust": f"{outcome} ~ {trust}{rhs_c}",
                "both": f"{outcome} ~ {satisfaction} + {trust}{rhs_c}"}
    d = data[cols]
    fits = {k: from_formula(f, d, kind) for k, f in formulas.items()}
    t_given_s = lr_test(fits["satisfaction"], fits["both"])
    s_given_t = lr_test(fits["trust"], fits["both"])
    lr = pd.DataFrame({"statistic": [t_given_s.statistic, s_given_t.statistic],
                       "df": [t_given_s.df, s_given_t.df],
                       "pvalue": [t_given_s.pvalue, s_given_t.pvalue]},
                      index=pd.Index(["trust | satisfaction", "satisfaction | trust"], name="added"))
    rng = as_generator(seed)  # a Generator passes through unchanged
    n = len(d)
    test = np.zeros(n, dtype=bool)
    test[rng.permutation(n)[: max(1, int(round(float(test_size) * n)))]] = True
    train_d, test_d = d.iloc[~test], d.iloc[test]
    y_test = test_d[outcome].to_numpy()
    auc_out, auc_in = {}, {}
    for k, f in formulas.items():  # three models
        m = from_formula(f, train_d, kind)
        auc_out[k] = roc_auc(y_test, m.predict(test_d).to_numpy())
        auc_in[k] = roc_auc(d[outcome].to_numpy(), fits[k].predict().to_numpy())
    table = pd.DataFrame({"llf": [fits[k].llf for k in formulas], "aic": [fits[k].aic for k in formulas],
                          "bic": [fits[k].bic for k in formulas],
                          "auc_in_sample": [auc_in[k] for k in formulas],
                          "auc_out_of_sample": [auc_out[k] for k in formulas]},
                         index=pd.Index(list(formulas), name="model"))
    std = fits["both"].standardized_params[[satisfaction, trust]]
    t_adds = t_given_s.pvalue < level
    s_adds = s_given_t.pvalue < level
    better = "trust" if auc_out["trust"] > auc_out["satisfaction"] else "satisfaction"
    if t_adds and not s_adds:
        reading = "trust carries the information: satisfaction adds nothing once trust is known"
    elif s_adds and not t_adds:
        reading = "satisfaction carries the information: trust adds nothing once satisfaction is known"
    elif t_adds and s_adds:
        reading = "each adds information beyond the other"
    else:
        reading = "neither adds significant information beyond the other"
    verdict = (f"Out of sample, {better} alone predicts repurchase better (AUC trust "
               f"{auc_out['trust']:.3f} vs satisfaction {auc_out['satisfaction']:.3f}; both "
               f"{auc_out['both']:.3f}); LR tests at {level:g}: {reading}.")
    return TrustSatisfactionComparison(
        fits=fits, lr_tests=lr, auc=pd.Series(auc_out, name="auc_out_of_sample"), table=table,
        standardized=std, verdict=verdict, nobs=n, n_test=int(test.sum()), kind=kind)
