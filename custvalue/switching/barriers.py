"""Survey-based switching barriers: indices for the three kinds of switching cost and their
use as moderators of the satisfaction -> loyalty link.

*CRM theory* names three kinds of switching cost: time and effort, economic, and emotional.
They are Burnham, Frels & Mahajan's (2003, JAMS 31(2):109-126) *procedural* (time, effort,
learning), *financial* (lost benefits and money) and *relational* (personal and brand
relationship) switching costs.  :func:`switching_barrier_index` turns Likert items into one
index per kind (item mean after reverse-coding, or its z-score) with Cronbach's alpha;
:func:`barrier_moderation` fits ``loyalty ~ satisfaction * barrier`` for each index through
:func:`custvalue.loyalty.moderation.moderated_regression` (Jones, Mothersbaugh & Beatty 2000,
J. Retailing 76(2):259-274) and reports the interaction and simple slopes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import align_to_index, as_float_array, describe_rows
from ..base import FrozenMixin, Summary
from ..exceptions import DataError
from ..loyalty.moderation import moderated_regression, simple_slopes
from ..math.pls import block_reliability

__all__ = ["BARRIER_KINDS", "DEFAULT_BARRIER_ITEMS", "BarrierIndex", "switching_barrier_index",
           "barrier_moderation"]

#: The three kinds of switching cost of *CRM theory* and their names in Burnham et al. (2003).
BARRIER_KINDS = {"procedural": "time and effort", "financial": "economic", "relational": "emotional"}

#: Item columns of :func:`custvalue.simulate.loyalty.simulate_loyalty_survey`.
DEFAULT_BARRIER_ITEMS = {"procedural": ["SWCP1", "SWCP2"], "financial": ["SWCF1", "SWCF2"],
                         "relational": ["SWCR1", "SWCR2"]}


class BarrierIndex(FrozenMixin):
    """Switching-barrier indices per respondent with their reliability (immutable).

    Built by :func:`switching_barrier_index`; the constructor arguments are stored as
    attributes of the same names.

    Parameters
    ----------
    scores : pandas.DataFrame
        One column per barrier kind, indexed like the survey.
    reliability : pandas.DataFrame
        Per kind: ``n_items``, ``cronbach_alpha``, ``mean`` and ``std`` of the index.
    items : dict
        The items used for each kind.

    Examples
    --------
    >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
    >>> idx = switching_barrier_index(simulate_loyalty_survey(300, seed=1))
    >>> idx
    <BarrierIndex: ['procedural', 'financial', 'relational'] for 300 respondents>
    >>> idx.reliability["n_items"].tolist()
    [2, 2, 2]
    """

    def __init__(self, scores: pd.DataFrame, reliability: pd.DataFrame, items: dict):
        self.scores = scores
        self.reliability = reliability
        self.items = items
        self._freeze()

    def summary(self) -> Summary:
        """Reliability table (text with ``print``, HTML in Jupyter).

        Returns
        -------
        custvalue.base.Summary
            The number of respondents, the reliability table and a note for every index whose
            Cronbach's alpha is below 0.7.

        Examples
        --------
        >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
        >>> idx = switching_barrier_index(simulate_loyalty_survey(300, seed=1))
        >>> print(idx.summary())  # doctest: +ELLIPSIS
        Switching-barrier indices
        ...
        """
        notes = [f"{k}: Cronbach's alpha {a:.2f} < 0.7" for k, a in
                 self.reliability["cronbach_alpha"].items() if np.isfinite(a) and a < 0.7]
        return Summary("Switching-barrier indices", [("Respondents", len(self.scores))],
                       [("Reliability", self.reliability)], notes)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return f"<BarrierIndex: {list(self.scores.columns)} for {len(self.scores)} respondents>"


def switching_barrier_index(
    data: pd.DataFrame,
    items: Mapping[str, Sequence[str]] | None = None,
    *,
    reverse: Sequence[str] = (),
    scale: tuple[float, float] | None = None,
    standardize: bool = False,
) -> BarrierIndex:
    """Index scores for the kinds of switching cost from survey items.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the item columns.
    items : mapping, optional
        ``{kind: [item columns]}``; default :data:`DEFAULT_BARRIER_ITEMS` (procedural,
        financial, relational).
    reverse : sequence of str, optional
        Reverse-coded items, recoded as ``low + high - x``.
    scale : (low, high), optional
        Response scale end points (needed with ``reverse``); default the observed range.
    standardize : bool, default False
        Return z-scores of the item means instead of the means.

    Returns
    -------
    BarrierIndex
        ``scores`` (one column per kind) and ``reliability`` (Cronbach 1951 alpha; NaN for a
        kind measured by a single item, where alpha is undefined).

    Raises
    ------
    DataError
        On missing or non-numeric item values (rows named), fewer than two respondents, or a
        kind whose items do not vary across respondents.

    Examples
    --------
    >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
    >>> idx = switching_barrier_index(simulate_loyalty_survey(300, seed=1))
    >>> list(idx.scores.columns)
    ['procedural', 'financial', 'relational']
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a DataFrame of survey items; received {type(data).__name__}.")
    items = DEFAULT_BARRIER_ITEMS if items is None else items
    if not isinstance(items, Mapping) or any(isinstance(v, (str, bytes)) or not isinstance(v, Sequence)
                                             for v in items.values()):
        raise DataError("items must map each barrier kind to a list of item columns, e.g. "
                        f"{{'procedural': ['SWCP1', 'SWCP2']}}; received {items!r}.")
    items = {k: list(v) for k, v in items.items()}
    if not items:
        raise DataError("items must name at least one barrier kind with its item columns.")
    missing = [c for cols in items.values() for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"item columns {missing} are not in data; columns received: {list(data.columns)}.")
    empty = [k for k, v in items.items() if not v]
    if empty:
        raise DataError(f"every barrier kind needs at least one item; none for {empty}.")
    unknown_rev = [c for c in reverse if c not in data.columns]
    if unknown_rev:
        raise DataError(f"reverse names columns not in data: {unknown_rev}.")
    cols = list(dict.fromkeys(c for v in items.values() for c in v))
    X = as_float_array(data[cols], "survey items", index=data.index, ndim=2)
    if X.shape[0] < 2:
        raise DataError(f"switching-barrier indices need at least two respondents (Cronbach's "
                        f"alpha and the index's spread are variances); received {X.shape[0]}.")
    X = pd.DataFrame(X, index=data.index, columns=cols)
    if scale is not None:
        sc = as_float_array(scale, "scale")
        if sc.size != 2 or not sc[0] < sc[1]:
            raise DataError(f"scale must be (low, high) with low < high, the response scale's end "
                            f"points; received {scale!r}.")
        lo, hi = float(sc[0]), float(sc[1])
        outside = ((X < lo) | (X > hi)).any(axis=1).to_numpy()
        if outside.any():
            raise DataError(f"the items must lie on the scale [{lo:g}, {hi:g}]; "
                            + describe_rows(outside, data.index))
    if reverse:
        if scale is None:
            lo, hi = float(X.min().min()), float(X.max().max())
        outside = ((X[list(reverse)] < lo) | (X[list(reverse)] > hi)).any(axis=1).to_numpy()
        if outside.any():
            raise DataError(f"reverse-coded items must lie on the scale [{lo}, {hi}]; "
                            + describe_rows(outside, data.index))
        X[list(reverse)] = lo + hi - X[list(reverse)]
    scores = pd.DataFrame({k: X[v].mean(axis=1) for k, v in items.items()}, index=data.index)
    flat = [k for k in items if scores[k].nunique() < 2]
    if flat:
        raise DataError(f"the items of {flat} ({[items[k] for k in flat]}) do not vary across "
                        "respondents: the index is constant, so its reliability and spread are "
                        "undefined; drop that kind or check the data.")
    # Cronbach's alpha through the PLS module's reliability kernel (one block per kind)
    odm = np.zeros((len(cols), len(items)))
    for j, v in enumerate(items.values()):  # loop over the few kinds
        odm[[cols.index(c) for c in v], j] = 1.0
    S = np.atleast_2d(np.cov(X.to_numpy(), rowvar=False))
    alpha, _, _ = block_reliability(S, odm * 0.5, odm)
    rel = pd.DataFrame({"n_items": [len(v) for v in items.values()], "cronbach_alpha": alpha,
                        "mean": scores.mean().to_numpy(), "std": scores.std(ddof=1).to_numpy()},
                       index=pd.Index(list(items), name="kind"))
    if standardize:
        scores = (scores - scores.mean()) / scores.std(ddof=1)
    return BarrierIndex(scores, rel, items)


def barrier_moderation(
    data: pd.DataFrame,
    response: str,
    satisfaction: str,
    barriers: BarrierIndex | Sequence[str],
    *,
    kind: str = "ols",
    covariates: Sequence[str] = (),
    at: Sequence[float] = (-1.0, 0.0, 1.0),
    level: float = 0.95,
    **kwargs: Any,
) -> pd.DataFrame:
    """Switching barriers as moderators of the satisfaction -> loyalty link.

    For each barrier index ``b`` fits ``response ~ satisfaction * b + covariates`` with
    mean-centred satisfaction and ``b`` (:func:`custvalue.loyalty.moderation.moderated_regression`)
    and reports the interaction and the simple slopes of satisfaction at ``at`` standard
    deviations of ``b`` (:func:`custvalue.loyalty.moderation.simple_slopes`).  A negative
    interaction means barriers keep customers whatever their satisfaction (Jones et al. 2000).

    Parameters
    ----------
    data : pandas.DataFrame
        Survey with the response, satisfaction and covariate columns.
    response, satisfaction : str
        Loyalty measure and satisfaction column.
    barriers : BarrierIndex or sequence of str
        Indices (joined to ``data`` by index) or names of barrier columns already in ``data``.
    kind : str, default "ols"
        Regression kind of :func:`custvalue.loyalty.from_formula` ("ols", "ordered_probit",
        "ordered_logit", "probit", "logit").
    covariates : sequence of str
        Extra regressors.
    at : sequence of float, default (-1, 0, 1)
        Moderator values, in standard deviations, for the simple slopes.
    level : float, default 0.95
        Confidence level.
    **kwargs
        Passed to :func:`~custvalue.loyalty.from_formula` (e.g. ``cov_type``).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``barrier``, ``at_sd``) with ``interaction``, ``interaction_se``,
        ``interaction_p`` and the simple slope's ``slope``, ``std_err``, ``statistic``,
        ``pvalue``, ``lower``, ``upper``.

    Examples
    --------
    >>> from custvalue.simulate.loyalty import simulate_loyalty_survey
    >>> survey = simulate_loyalty_survey(300, seed=1)
    >>> table = barrier_moderation(survey, "loyalty", "satisfaction",
    ...                            switching_barrier_index(survey))
    >>> table.shape
    (9, 9)
    >>> table.index.get_level_values("barrier").unique().tolist()
    ['procedural', 'financial', 'relational']
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a DataFrame of survey responses; received {type(data).__name__}.")
    at = as_float_array(at, "at")
    if isinstance(barriers, BarrierIndex):
        clash = [c for c in barriers.scores.columns if c in data.columns]
        if clash:
            raise DataError(f"data already has columns named like the barrier indices {clash}; "
                            "rename them or pass the column names instead.")
        scores = align_to_index(barriers.scores, "the barrier scores", data.index, "data")  # by respondent
        d = pd.concat([data, scores], axis=1)
        names = list(barriers.scores.columns)
    elif isinstance(barriers, Sequence) and not isinstance(barriers, (str, bytes)) and barriers:
        d, names = data, list(barriers)
    else:
        raise DataError(f"barriers must be a BarrierIndex (from switching_barrier_index) or a "
                        f"non-empty list of barrier columns; received {barriers!r}.")
    rows = []
    for b in names:  # loop over the few barrier kinds
        res = moderated_regression(d, response, satisfaction, b, covariates=covariates, kind=kind,
                                   **kwargs)
        inter = f"{satisfaction}:{b}" if f"{satisfaction}:{b}" in res.params.index else f"{b}:{satisfaction}"
        sd = float(d[b].std(ddof=1))
        sl = simple_slopes(res, satisfaction, b, at=[a * sd for a in at], level=level)
        sl = sl.reset_index(drop=True)
        for a, (_, r) in zip(at, sl.iterrows()):
            rows.append({"barrier": b, "at_sd": a, "interaction": float(res.params[inter]),
                         "interaction_se": float(res.bse[inter]),
                         "interaction_p": float(res.pvalues[inter]),
                         **{k: float(v) for k, v in r.items() if isinstance(v, (int, float, np.floating))}})
    return pd.DataFrame(rows).set_index(["barrier", "at_sd"])
