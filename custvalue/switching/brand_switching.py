"""Brand-switching matrices: first-order Markov models of repeat purchase.

The brand bought at one purchase occasion depends on the brand bought at the previous one
through a transition matrix ``P`` (the classic brand-switching model; Ehrenberg 1965, JRSS C
14(1):1-12; Pfeifer & Carraway 2000, J. Interactive Marketing 14(2):43-55, for its customer-
value reading).  ``P_jj`` is brand ``j``'s retention (repeat-purchase) rate, ``1 - P_jj`` its
switching rate, the stationary distribution its long-run share and ``1 / (1 - P_jj)`` the
expected number of consecutive occasions a customer stays (the mean of a geometric spell).

Estimation, intervals, stationary distributions, first-passage times and Markov CLV are those of
:mod:`custvalue.markov` (reused here, not re-implemented); this module adds the brand
vocabulary and the choice-panel input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._validation import (as_float_array, check_finite_scalar, check_level, check_not_missing, describe_rows,
                           require_frame)
from ..base import FrozenMixin, Summary
from ..markov import MarkovChain, TransitionMatrixResults, estimate_transition_matrix
from ..exceptions import DataError

__all__ = ["BrandSwitchingResults", "brand_switching_matrix"]


class BrandSwitchingResults(FrozenMixin):
    """An estimated brand-switching matrix and what it implies (immutable).

    Attributes
    ----------
    transitions : custvalue.markov.TransitionMatrixResults
        The estimate with counts and per-entry intervals.
    matrix : pandas.DataFrame
        ``P`` (rows: brand bought last time, columns: brand bought now).
    brands : pandas.Index
        Brand labels.

    Examples
    --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
    >>> res
    <BrandSwitchingResults: 2 brands, 5 transitions>
    >>> res.brands.tolist()
    ['A', 'B']
    """

    def __init__(self, transitions: TransitionMatrixResults):
        self.transitions = transitions
        self.matrix = transitions.matrix
        self.brands = transitions.states.rename("brand")
        self._freeze()

    @property
    def chain(self) -> MarkovChain:
        """The estimated chain (values, simulation, absorption times)."""
        return self.transitions.chain

    def retention_rates(self) -> pd.DataFrame:
        """Repeat-purchase rate ``P_jj`` of each brand with its confidence interval.

        Returns
        -------
        pandas.DataFrame
            Indexed by brand: ``retention`` (``P_jj``), its interval ``lower``/``upper`` and
            ``n_from`` (transitions observed from the brand).

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.retention_rates()["retention"].round(3).tolist()
        [0.667, 0.5]
        """
        P = self.matrix.to_numpy()
        d = np.arange(P.shape[0])
        return pd.DataFrame({"retention": P[d, d],
                             "lower": self.transitions.lower.to_numpy()[d, d],
                             "upper": self.transitions.upper.to_numpy()[d, d],
                             "n_from": self.transitions.n_from.to_numpy()},
                            index=self.brands)

    def switching_rates(self) -> pd.Series:
        """``1 - P_jj``: share of a brand's buyers who buy another brand next time.

        Returns
        -------
        pandas.Series
            Switching rate by brand (name ``"switching"``).

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.switching_rates().round(3).tolist()
        [0.333, 0.5]
        """
        return pd.Series(1.0 - np.diag(self.matrix.to_numpy()), index=self.brands, name="switching")

    def stationary_shares(self) -> pd.Series:
        """Long-run brand shares: the stationary distribution ``pi P = pi`` of the chain.

        Returns
        -------
        pandas.Series
            Stationary share by brand (name ``"stationary_share"``); sums to one.

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.stationary_shares().round(3).tolist()
        [0.6, 0.4]
        """
        return self.chain.stationary_distribution().rename("stationary_share").rename_axis("brand")

    def expected_time_to_switch(self) -> pd.Series:
        """Expected number of occasions a buyer of brand ``j`` keeps buying it, ``1/(1 - P_jj)``.

        The mean of the geometric spell; infinite for a brand nobody leaves.

        Returns
        -------
        pandas.Series
            Expected spell length by brand (name ``"expected_time_to_switch"``).

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.expected_time_to_switch().round(3).tolist()
        [3.0, 2.0]
        """
        with np.errstate(divide="ignore"):
            t = 1.0 / (1.0 - np.diag(self.matrix.to_numpy()))
        return pd.Series(t, index=self.brands, name="expected_time_to_switch")

    def first_passage_times(self) -> pd.DataFrame:
        """Expected occasions until a buyer of brand ``i`` first buys brand ``j`` (``i != j``).

        Computed for each target brand as the time to absorption of the chain in which that
        brand is made absorbing (Kemeny & Snell 1960, thm. 3.3.5), via
        :meth:`custvalue.markov.MarkovChain.expected_time_to_absorption`.

        Returns
        -------
        pandas.DataFrame
            Rows: brand bought now (``from``), columns: target brand (``to``); NaN on the
            diagonal and where the target is never reached.

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.first_passage_times().round(3).to_numpy().tolist()
        [[nan, 3.0], [2.0, nan]]
        """
        P = self.matrix.to_numpy()
        k = P.shape[0]
        out = np.full((k, k), np.nan)
        for j in range(k):  # loop over target brands (few), not customers
            Q = P.copy()
            Q[j] = 0.0
            Q[j, j] = 1.0
            try:
                t = MarkovChain(Q, states=list(self.brands)).expected_time_to_absorption(self.brands[j])
            except DataError:
                continue  # some brand never reaches j: leave NaN
            out[np.flatnonzero(np.arange(k) != j), j] = t.to_numpy()
        return pd.DataFrame(out, index=self.brands.rename("from"), columns=self.brands.rename("to"))

    def customer_value(self, brand: Any, margin: float, discount_rate: float,
                       horizon: int | None = None) -> pd.Series:
        """Markov CLV of a customer to ``brand``'s firm, by the brand the customer buys now.

        The firm earns ``margin`` per occasion on which the customer buys ``brand`` and nothing
        otherwise; values are :meth:`custvalue.markov.MarkovChain.value` of the estimated chain
        (Pfeifer & Carraway 2000, eqs. 5-6).

        Parameters
        ----------
        brand : label
            The focal brand.
        margin : float
            Contribution per purchase of the focal brand.
        discount_rate : float
            Discount rate per purchase occasion.
        horizon : int, optional
            Last occasion counted (``None``: infinite horizon).

        Returns
        -------
        pandas.Series
            Expected discounted margin by current brand.

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> res.customer_value("A", margin=10.0, discount_rate=0.1).round(2).tolist()
        [70.71, 58.93]
        """
        if brand not in self.brands:
            raise DataError(f"brand must be one of {list(self.brands)}; received {brand!r}.")
        margin = check_finite_scalar(margin, "margin")
        rewards = pd.Series(np.where(self.brands == brand, margin, 0.0), index=self.brands)
        return self.chain.value(rewards.to_numpy(), discount_rate, horizon).rename(
            f"value_to_{brand}").rename_axis("brand")

    def table(self) -> pd.DataFrame:
        """One row per brand with the brand-level quantities.

        Returns
        -------
        pandas.DataFrame
            Indexed by brand: retention (with interval and ``n_from``), switching rate,
            observed share of purchases, stationary share and expected time to switch.

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> list(res.table().columns)  # doctest: +NORMALIZE_WHITESPACE
        ['retention', 'lower', 'upper', 'n_from', 'switching', 'observed_share',
         'stationary_share', 'expected_time_to_switch']
        """
        out = self.retention_rates()
        out["switching"] = self.switching_rates()
        n_to = self.transitions.counts.sum(axis=0).to_numpy()
        out["observed_share"] = n_to / n_to.sum()
        out["stationary_share"] = self.stationary_shares().to_numpy()
        out["expected_time_to_switch"] = self.expected_time_to_switch()
        return out

    def summary(self) -> Summary:
        """Matrix and brand table (text with ``print``, HTML in Jupyter).

        Returns
        -------
        custvalue.base.Summary
            Counts information, the transition matrix and :meth:`table`.

        Examples
        --------
    >>> from custvalue.switching import brand_switching_matrix
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
        >>> print(res.summary())  # doctest: +ELLIPSIS
        Brand-switching matrix
        ...
        """
        t = self.transitions
        info = [("Brands", len(self.brands)), ("Transitions observed", t.n_transitions),
                ("Interval", f"{t.ci_method} {100 * t.level:g}%")]
        return Summary("Brand-switching matrix", info,
                       [("Transition matrix", self.matrix), ("Brands", self.table())])

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return f"<BrandSwitchingResults: {len(self.brands)} brands, {self.transitions.n_transitions:.0f} transitions>"


def _check_panel(data: pd.DataFrame, choice: str, customer: str, occasion: str) -> None:
    """A choice panel: the columns exist, nothing is missing, occasions are whole numbers."""
    require_frame(data, "data", (customer, occasion, choice))
    if data.empty:
        raise DataError("data is empty; one row per customer and purchase occasion is required.")
    for col in (customer, choice):
        check_not_missing(data[col], col, data.index)
    occ = data[occasion]
    if not isinstance(occ.dtype, pd.PeriodDtype):
        if pd.api.types.is_datetime64_any_dtype(occ.dtype):
            raise DataError(f"{occasion} holds dates; number each customer's purchase occasions "
                            f"0, 1, 2, ... instead (e.g. data.groupby({customer!r}).cumcount() "
                            "after sorting by date), so that consecutive purchases are counted.")
        o = as_float_array(occ, occasion, index=data.index)
        frac = o != np.floor(o)
        if frac.any():
            raise DataError(f"{occasion} must hold whole numbers (purchase occasion 0, 1, 2, ...); "
                            + describe_rows(frac, data.index))


def _check_sequences(data: Any) -> list:
    """One sequence of purchased brands per customer; no missing brand."""
    if isinstance(data, (str, bytes)) or not isinstance(data, (Sequence, np.ndarray, pd.Series)):
        raise DataError("data must be a choice-panel DataFrame or a list of per-customer brand "
                        f"sequences (e.g. [['A', 'A', 'B'], ['B', 'A']]); received "
                        f"{type(data).__name__}.")
    seqs = list(data)
    if not seqs:
        raise DataError("data holds no sequences; one sequence of purchased brands per customer "
                        "is required.")
    bad = [i for i, q in enumerate(seqs)
           if isinstance(q, (str, bytes)) or not isinstance(q, (Sequence, np.ndarray, pd.Series))]
    if bad:
        raise DataError(f"every element of data must be one customer's sequence of brands (a list); "
                        f"elements {bad[:5]} are not, e.g. {seqs[bad[0]]!r}; a customer's purchases "
                        "['A', 'B'] are a list, not the string 'AB'.")
    lengths = np.fromiter((len(q) for q in seqs), dtype=np.int64, count=len(seqs))
    flat = np.concatenate([np.asarray(q, dtype=object).reshape(-1) for q in seqs]) \
        if lengths.sum() else np.empty(0, dtype=object)
    missing = pd.isna(flat)
    holes = np.unique(np.repeat(np.arange(len(seqs)), lengths)[missing]).tolist()
    if holes:
        raise DataError(f"sequences {holes[:5]} hold missing brands; a purchase without a brand "
                        "cannot be counted: drop it (which breaks the sequence there) or fill it in.")
    return seqs


@renamed_arguments(customer="customer_col")
def brand_switching_matrix(
    data: pd.DataFrame | Sequence[Sequence[Any]],
    *,
    choice: str = "choice",
    customer_col: str = "customer_id",
    occasion: str = "occasion",
    brands: Sequence[Any] | None = None,
    level: float = 0.95,
    ci_method: str = "wilson",
) -> BrandSwitchingResults:
    """Estimate a brand-switching matrix from purchase sequences.

    Parameters
    ----------
    data : pandas.DataFrame or sequence of sequences
        A choice panel (one row per customer and occasion, as for
        :class:`~custvalue.switching.StateDependenceLogit`) or one sequence of purchased
        brands per customer.  Moves are counted between consecutive occasions; a gap breaks
        a customer's sequence.
    choice, customer_col, occasion : str, default "choice", "customer_id", "occasion"
        Column names of a choice panel: the brand bought, the customer id and the purchase
        occasion (0, 1, 2, ...).
    brands : sequence, optional
        Brand labels in the order wanted (default: sorted observed brands).  A purchase of a
        brand not listed raises :class:`~custvalue.exceptions.DataError`.
    level : float, default 0.95
        Confidence level of the per-entry intervals.
    ci_method : {"wilson", "goodman", "wald"}, default "wilson"
        Interval method (see :func:`custvalue.markov.estimate_transition_matrix`).

    Returns
    -------
    BrandSwitchingResults

    Raises
    ------
    DataError
        On empty data, a missing brand or customer id (rows named), occasions that are not
        whole numbers, a string where a sequence of brands is expected, fewer than two brands,
        or no consecutive purchases.

    Examples
    --------
    >>> res = brand_switching_matrix([["A", "A", "B"], ["B", "B", "A", "A"]])
    >>> res.matrix.round(3).to_numpy().tolist()
    [[0.667, 0.333], [0.5, 0.5]]
    """
    if brands is not None and len(list(brands)) < 2:
        raise DataError(f"a brand-switching matrix needs at least two brands; received {list(brands)}.")
    if brands is not None and len(set(brands)) != len(list(brands)):
        raise DataError(f"brands must be unique; received {list(brands)}.")
    level = check_level(level)
    if isinstance(data, pd.DataFrame):
        _check_panel(data, choice, customer_col, occasion)
        est = estimate_transition_matrix(data, customer_col=customer_col, period=occasion, state=choice,
                                         states=brands, level=level, ci_method=ci_method)
    else:
        est = estimate_transition_matrix(_check_sequences(data), states=brands, level=level,
                                         ci_method=ci_method)
    if len(est.states) < 2:
        raise DataError(f"a brand-switching matrix needs at least two brands; only {list(est.states)} "
                        "was observed.")
    return BrandSwitchingResults(est)
