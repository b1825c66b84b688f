"""Estimating a customer-migration transition matrix from observed state sequences, with
confidence intervals (Anderson & Goodman 1957, Ann. Math. Stat. 28:89-110; Goodman 1965).

The estimate is a :class:`TransitionMatrixResults`; its ``chain`` (a
:class:`custvalue.markov.MarkovChain`) gives values, stationary shares and absorption times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._deprecation import renamed_arguments
from .._validation import (as_generator, check_choice, check_discount_rate, check_level, check_not_missing,
                           check_weights, check_whole_number, describe_rows)
from ..base import FrozenMixin, Summary
from ..exceptions import DataError
from ..math import markov as kernel
from .deprecated import warn_deprecated
from .chain import MarkovChain, _check_horizon

__all__ = ["TransitionMatrixResults", "estimate_transition_matrix"]

_CI_METHODS = {"wilson": kernel.wilson_interval, "wald": kernel.wald_interval,
               "goodman": kernel.goodman_interval}


# --------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------
class _CustomerMoves:
    """Who made each observed move: the customer (row of a wide panel, sequence, or customer
    of a long panel) and the cell ``i * k + j``; kept for the customer bootstrap."""

    __slots__ = ("customer", "cell", "n_customers", "weights")

    def __init__(self, customer: np.ndarray, cell: np.ndarray, n_customers: int, weights: np.ndarray | None):
        self.customer, self.cell, self.n_customers, self.weights = customer, cell, n_customers, weights

    def resampled_counts(self, k: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Transition counts of ``n_draws`` resamples of the customers, shape ``(n_draws, k, k)``.

        Each resample draws the customers with replacement, ``Multinomial(N, w / sum w)``
        copies of each (``N`` customers, rounded total weight of a weighted panel), and sums
        their moves: one sparse product per chunk of resamples."""
        from scipy import sparse  # noqa: PLC0415 (only the bootstrap needs it)

        S = sparse.csr_matrix((np.ones(self.cell.size), (self.customer, self.cell)),
                              shape=(self.n_customers, k * k))
        if self.weights is None:
            total, prob = self.n_customers, np.full(self.n_customers, 1.0 / self.n_customers)
        else:
            total, prob = max(1, int(round(float(self.weights.sum())))), self.weights / self.weights.sum()
        out = np.empty((n_draws, k * k))
        step = max(1, 4_000_000 // max(self.n_customers, 1))
        for start in range(0, n_draws, step):  # chunks of resamples (memory), not customers
            b = min(step, n_draws - start)
            m = rng.multinomial(total, prob, size=b).astype(float)
            out[start:start + b] = (S.T @ m.T).T
        return out.reshape(n_draws, k, k)


class TransitionMatrixResults(FrozenMixin):
    """A transition matrix estimated from observed moves, with confidence intervals.

    The maximum-likelihood estimate is ``p_ij = n_ij / n_i`` (Anderson & Goodman 1957,
    Ann. Math. Stat. 28:89-110), with asymptotic standard error ``sqrt(p_ij (1-p_ij) / n_i)``.

    Attributes
    ----------
    chain : MarkovChain
        The estimated chain (use it for values, absorption times, simulation).
    matrix : pandas.DataFrame
        Estimated ``P`` (rows: from, columns: to).
    counts : pandas.DataFrame
        Observed transition counts ``n_ij``.
    n_from : pandas.Series
        Transitions observed out of each state, ``n_i``.
    bse : pandas.DataFrame
        Standard errors of the entries (NaN in the row of a state with no observed outgoing
        transition: nothing was observed to estimate it from).
    lower, upper : pandas.DataFrame
        Confidence bounds at ``level`` by ``ci_method`` (NaN in such a row, likewise).
    level : float
    ci_method : str
    llf : float
        Multinomial log-likelihood at the estimate.
    n_transitions : float
        Total (weighted) number of observed transitions.
    unobserved : list
        States with no observed outgoing transition (made absorbing when
        ``unobserved="absorbing"``).

    Examples
    --------
    >>> from custvalue.markov import estimate_transition_matrix
    >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
    >>> res
    <TransitionMatrixResults: 2 states, 8 transitions>
    >>> res.matrix.round(3).to_numpy().tolist()
    [[0.667, 0.333], [0.5, 0.5]]
    """

    def __init__(self, counts: np.ndarray, states: pd.Index, *, level: float, ci_method: str,
                 unobserved: str, customer_moves: _CustomerMoves | None = None):
        k = len(states)
        n_from = counts.sum(axis=1)
        empty = n_from <= 0
        if empty.any() and unobserved == "raise":
            raise DataError("every state needs at least one observed transition out of it to estimate "
                            f"its row of P; none for {list(states[empty])}. Pass "
                            "unobserved='absorbing' to make such states absorbing, or drop them "
                            "from states=.")
        with np.errstate(invalid="ignore", divide="ignore"):
            P = np.where(empty[:, None], 0.0, counts / np.where(empty, 1.0, n_from)[:, None])
        P[empty, np.flatnonzero(empty)] = 1.0
        lo, hi = _CI_METHODS[ci_method](P, n_from[:, None], level)
        lo = np.where(empty[:, None], np.nan, lo)
        hi = np.where(empty[:, None], np.nan, hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.where(empty[:, None], np.nan, np.sqrt(P * (1 - P) / np.where(empty, 1.0, n_from)[:, None]))
        rows, cols = states.rename("from"), states.rename("to")
        self.chain = MarkovChain(pd.DataFrame(P, index=states, columns=states))
        self.matrix = pd.DataFrame(P, index=rows, columns=cols)
        self.counts = pd.DataFrame(counts, index=rows, columns=cols)
        self.n_from = pd.Series(n_from, index=rows, name="n_from")
        self.bse = pd.DataFrame(se, index=rows, columns=cols)
        self.lower = pd.DataFrame(lo, index=rows, columns=cols)
        self.upper = pd.DataFrame(hi, index=rows, columns=cols)
        self.level = float(level)
        self.ci_method = ci_method
        self.llf = kernel.counts_loglike(counts, P)
        self.n_transitions = float(counts.sum())
        self.unobserved = list(states[empty])
        self.states = states
        self._k = k
        self._moves = customer_moves
        self._freeze()

    def conf_int(self, level: float | None = None, method: str | None = None) -> pd.DataFrame:
        """Confidence intervals of every entry in long form.

        Parameters
        ----------
        level : float, optional
            Confidence level (default: the level used at estimation).
        method : {"wilson", "goodman", "wald"}, optional
            Wilson score interval per entry, Goodman (1965) simultaneous intervals per row, or
            Wald (default: the method used at estimation).

        Returns
        -------
        pandas.DataFrame
            Indexed by (from, to) with columns ``estimate``, ``lower``, ``upper``, ``count``.

        Examples
        --------
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> res.conf_int().loc[("a", "a")].round(3).tolist()
        [0.667, 0.3, 0.903, 4.0]
        """
        level = self.level if level is None else level
        method = self.ci_method if method is None else method
        _check_ci(level, method)
        P = self.matrix.to_numpy()
        n = self.n_from.to_numpy()[:, None]
        lo, hi = _CI_METHODS[method](P, n, level)
        empty = n[:, 0] <= 0
        lo = np.where(empty[:, None], np.nan, lo)
        hi = np.where(empty[:, None], np.nan, hi)
        idx = pd.MultiIndex.from_product([self.states, self.states], names=["from", "to"])
        return pd.DataFrame({"estimate": P.ravel(), "lower": lo.ravel(), "upper": hi.ravel(),
                             "count": self.counts.to_numpy().ravel()}, index=idx)

    def markov_clv(self, rewards: Any, discount_rate: Any, horizon: int | None = None, *,
                   include_current: bool = True) -> pd.Series | pd.DataFrame:
        """Deprecated: use ``self.chain.value(...)`` (:meth:`MarkovChain.value`).

        Parameters
        ----------
        rewards, discount_rate, horizon, include_current
            As in :meth:`custvalue.markov.MarkovChain.value`.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Value per starting state (P&C eqs. 5-6).

        Examples
        --------
        >>> import warnings
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     old = res.markov_clv({"a": 10, "b": 0}, 0.1)
        >>> old.equals(res.chain.value({"a": 10, "b": 0}, 0.1))
        True
        """
        warn_deprecated("TransitionMatrixResults.markov_clv(...)", "TransitionMatrixResults.chain.value(...)")
        return self.chain.value(rewards, discount_rate, horizon, include_current=include_current)

    def value(self, rewards: Any, discount_rate: Any, horizon: int | None = None, *,
              include_current: bool = True, interval: str | None = None, level: float = 0.95,
              n_draws: int = 999, seed: int | np.random.Generator | None = None) -> pd.Series | pd.DataFrame:
        """Expected discounted value per starting state (P&C eqs. 5-6), with an interval for the
        sampling uncertainty of the estimated ``P``.

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward earned in each state per period.
        discount_rate : float or array-like
            Discount rate per period (> -1); a scalar when ``interval`` is given.
        horizon : int, optional
            Last period of the sum; ``None`` for the infinite horizon.
        include_current : bool, default True
            Include the current period's reward.
        interval : {None, "delta", "simulate", "bootstrap"}, optional
            ``None``: the point values (as :meth:`MarkovChain.value` of ``chain``).
            ``"delta"``: the delta method. Each row of ``P`` is a multinomial estimate with
            covariance ``(diag(p_i) - p_i p_i') / n_i``, rows independent (Anderson & Goodman
            1957); the derivatives of the values are exact
            (:func:`custvalue.math.markov.value_jacobian`) and the interval
            ``V -+ z se`` is on the value's own (natural) scale, since values may be negative.
            ``"simulate"``: each row redrawn as ``Multinomial(n_i, p_i) / n_i`` (the sampling
            distribution of the estimate: a parametric bootstrap), values recomputed per draw,
            percentile interval. ``"bootstrap"``: the customers are resampled with
            replacement and ``P`` re-estimated from the moves of each resample (the MLE is the
            normalised counts, so a refit is one sparse product); unlike the other two it
            keeps the dependence between the moves of one customer (heterogeneity), so it is
            the wider when customers differ.
        level : float, default 0.95
            Confidence level.
        n_draws : int, default 999
            Draws (``"simulate"``) or resamples (``"bootstrap"``), >= 10.
        seed : int or numpy.random.Generator, optional
            Source of randomness for ``"simulate"`` and ``"bootstrap"``.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Without ``interval``, as :meth:`MarkovChain.value`. With it, a frame indexed by
            state with columns ``estimate``, ``lower``, ``upper`` (``attrs`` record the
            method and level, and ``n_failed``, draws whose infinite-horizon sum diverges
            when ``discount_rate <= 0``).

        Examples
        --------
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> res.value({"a": 10, "b": 0}, 0.1, interval="delta").round(2).to_numpy().tolist()
        [[70.71, 29.88, 111.55], [58.93, 14.15, 103.71]]
        """
        check_choice(interval, "interval", (None, "delta", "simulate", "bootstrap"))
        if interval is None:
            return self.chain.value(rewards, discount_rate, horizon, include_current=include_current)
        level = check_level(level)
        n_draws = check_whole_number(n_draws, "n_draws", minimum=10)
        return self._value_interval(rewards, discount_rate, horizon, include_current, interval, level,
                                    n_draws, seed)

    def _value_interval(self, rewards, discount_rate, horizon, include_current, interval, level, n_draws, seed):
        R = self.chain._rewards(rewards)
        d = check_discount_rate(discount_rate)
        if np.ndim(d) != 0:
            raise DataError(f"discount_rate must be a single rate when interval= is given; received {discount_rate!r}.")
        d = float(d)
        h = _check_horizon(horizon)
        rng = as_generator(seed) if interval != "delta" else None
        if interval == "bootstrap" and self._moves is None:
            raise DataError("interval='bootstrap' needs the customers' moves; estimate the matrix with "
                            "estimate_transition_matrix.")
        V = self.chain.value(R, d, h, include_current=include_current).to_numpy()
        P = self.matrix.to_numpy()
        # an infinite horizon without discounting converges only off the zero-reward absorbing states
        keep = None if (h is not None or d > 0) else ~(np.isclose(np.diag(P), 1.0, rtol=0, atol=1e-12) & (R == 0))
        n_failed = 0
        if interval == "delta":
            J = kernel.value_jacobian(P, R, d, h, solved_states=keep)
            se = np.sqrt(kernel.value_variance(J, P, self.n_from.to_numpy()))
            z = float(stats.norm.ppf(0.5 + level / 2))
            lower, upper = V - z * se, V + z * se
        else:
            draws = self._redrawn_matrices(P, interval, n_draws, rng)
            Vd = kernel.batched_values(draws, R, d, h, include_current, solved_states=keep)
            ok = np.isfinite(Vd).all(axis=1)
            n_failed = int((~ok).sum())
            if n_failed == n_draws:
                raise DataError(f"the value diverges in every draw at discount_rate={discount_rate!r}: "
                                "pass a positive discount rate or a finite horizon.")
            a = (1 - level) / 2
            lower, upper = np.quantile(Vd[ok], a, axis=0), np.quantile(Vd[ok], 1 - a, axis=0)
        out = pd.DataFrame({"estimate": V, "lower": lower, "upper": upper}, index=self.states)
        out.attrs.update(interval=interval, level=level, n_failed=n_failed)
        return out

    def _redrawn_matrices(self, P: np.ndarray, interval: str, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """``n_draws`` transition matrices from the sampling distribution of the estimate."""
        n = self.n_from.to_numpy()
        empty = n <= 0
        if interval == "simulate":
            nn = np.maximum(n, 1).astype(np.int64)
            draws = rng.multinomial(nn, P, size=(n_draws, self._k)) / nn[None, :, None]
        else:
            counts = self._moves.resampled_counts(self._k, n_draws, rng)
            tot = counts.sum(axis=2, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                draws = np.where(tot > 0, counts / np.where(tot > 0, tot, 1.0), P[None])
        draws[:, empty, :] = P[empty]
        return draws

    def clv_conf_int(self, rewards: Any, discount_rate: float, horizon: int | None = None, *,
                     level: float = 0.95, n_draws: int = 999, include_current: bool = True,
                     seed: int | np.random.Generator | None = None) -> pd.DataFrame:
        """Parametric-bootstrap interval for the value per state: :meth:`value` with
        ``interval="simulate"`` (columns named ``value``, ``lower``, ``upper``).

        Each row of ``P`` is redrawn as ``Multinomial(n_i, p_i) / n_i`` (the sampling
        distribution of the estimate), the values recomputed for every draw in one batched
        solve, and percentile intervals reported.

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward earned in each state per period.
        discount_rate : float
            Discount rate per period (> -1).
        horizon : int, optional
            Last period of the sum; ``None`` for the infinite horizon.
        level : float, default 0.95
            Confidence level of the percentile interval.
        n_draws : int, default 999
            Bootstrap draws.
        include_current : bool, default True
            Include the current period's reward.
        seed : int or numpy.random.Generator, optional
            Source of randomness.

        Returns
        -------
        pandas.DataFrame
            Indexed by state with columns ``value``, ``lower``, ``upper``.

        Examples
        --------
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> ci = res.clv_conf_int({"a": 10, "b": 0}, 0.1, n_draws=199, seed=0)
        >>> ci["value"].round(2).tolist(), bool((ci["lower"] <= ci["value"]).all())
        ([70.71, 58.93], True)
        """
        _check_ci(level, "wilson")
        n_draws = check_whole_number(n_draws, "n_draws", minimum=2)
        out = self._value_interval(rewards, discount_rate, horizon, include_current, "simulate", level,
                                   n_draws, seed)
        return out.rename(columns={"estimate": "value"})

    def stationary_distribution(self) -> pd.Series:
        """Deprecated: use ``self.chain.stationary_distribution()``.

        Returns
        -------
        pandas.Series
            Stationary probabilities indexed by state.

        Examples
        --------
        >>> import warnings
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     old = res.stationary_distribution()
        >>> old.equals(res.chain.stationary_distribution())
        True
        """
        warn_deprecated("TransitionMatrixResults.stationary_distribution()",
              "TransitionMatrixResults.chain.stationary_distribution()")
        return self.chain.stationary_distribution()

    def expected_time_to_absorption(self, absorbing: Any = None) -> pd.Series:
        """Deprecated: use ``self.chain.expected_time_to_absorption(absorbing)``.

        Parameters
        ----------
        absorbing : label or list of labels, optional
            Target states; defaults to the states with ``P[i, i] == 1``.

        Returns
        -------
        pandas.Series
            Expected periods, indexed by the other (starting) states.

        Examples
        --------
        >>> import warnings
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     old = res.expected_time_to_absorption("b")
        >>> old.equals(res.chain.expected_time_to_absorption("b"))
        True
        """
        warn_deprecated("TransitionMatrixResults.expected_time_to_absorption()",
              "TransitionMatrixResults.chain.expected_time_to_absorption()")
        return self.chain.expected_time_to_absorption(absorbing)

    def summary(self) -> Summary:
        """Counts, estimate and intervals (text with ``print``, HTML in Jupyter).

        Returns
        -------
        Summary
            Header (states, transitions, log-likelihood, interval) and the tables of
            transition probabilities, counts and lower/upper bounds.

        Examples
        --------
        >>> from custvalue.markov import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> [name for name, _ in res.summary().tables]
        ['Transition probabilities', 'Counts', 'Lower 95%', 'Upper 95%']
        """
        info = [("States", self._k), ("Transitions observed", self.n_transitions),
                ("Log-likelihood", self.llf), ("Interval", f"{self.ci_method} {100 * self.level:g}%")]
        notes = ([f"no transitions observed out of {self.unobserved}; made absorbing"]
                 if self.unobserved else [])
        return Summary("Transition matrix estimate", info,
                       [("Transition probabilities", self.matrix), ("Counts", self.counts),
                        (f"Lower {100 * self.level:g}%", self.lower),
                        (f"Upper {100 * self.level:g}%", self.upper)], notes)

    def __repr__(self) -> str:
        return f"<TransitionMatrixResults: {self._k} states, {self.n_transitions:.0f} transitions>"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _check_ci(level: float, method: str) -> None:
    check_level(level)
    if method not in _CI_METHODS:
        raise DataError(f"ci_method must be one of {sorted(_CI_METHODS)}; received {method!r}.")


def _encode(values: np.ndarray, states: Any, name: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 = missing) of ``values`` against ``states`` (sorted uniques if None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if states is None:
        try:
            order = np.argsort(np.asarray(uniques), kind="stable")
        except TypeError:
            order = np.arange(len(uniques))
        idx = pd.Index(np.asarray(uniques)[order], name="state")
        remap = np.empty(len(uniques), dtype=np.int64)
        remap[order] = np.arange(len(uniques))
    else:
        idx = pd.Index(list(states), name="state")
        if idx.has_duplicates:
            raise DataError(f"states must be unique; received duplicates {list(idx[idx.duplicated()])}.")
        remap = idx.get_indexer(uniques)
        if (remap < 0).any():
            unknown = list(pd.Index(uniques)[remap < 0][:5])
            raise DataError(f"{name} holds values that are not in states={list(idx)}: {unknown}; "
                            "add them to states or recode them.")
    if len(idx) == 0:
        raise DataError(f"{name} holds no observed state.")
    out = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return out, idx


@renamed_arguments(customer_id="customer_col")
def estimate_transition_matrix(data: Any, *, customer_col: str | None = None, period: str | None = None,
                               state: str | None = None, states: Sequence[Any] | None = None,
                               weights: Any = None, level: float = 0.95, ci_method: str = "wilson",
                               unobserved: str = "raise") -> TransitionMatrixResults:
    """Estimate a customer-migration transition matrix from observed state sequences.

    Moves between consecutive periods are counted, ``n_ij``, and ``P`` is estimated by
    ``n_ij / n_i`` (the multinomial maximum-likelihood estimate, Anderson & Goodman 1957) with
    per-entry confidence intervals.  Missing states (NaN/None) break a sequence: no move is
    counted into or out of a missing period.

    Parameters
    ----------
    data : pandas.DataFrame, 2-D array or sequence of sequences
        One of

        * a **long panel** (pass ``state=``): one row per customer and period with the columns
          ``customer_col`` (or the index when ``customer_col`` is None), ``period`` (sortable:
          integers, pandas Periods, dates or labels) and ``state``; a move is counted from
          period t to t+1 of the same customer (integer periods and Periods keep their
          spacing, so a skipped period breaks the sequence; dates and labels are ranked
          over the whole panel);
        * a **wide panel**: one row per customer, one column per period in time order
          (a DataFrame or a 2-D array), e.g. the output of :func:`recency_states`;
        * a list of per-customer state **sequences** (ragged lengths allowed).
    customer_col, period, state : str, optional
        Column names of a long panel: the customer id (default: the index), the period and
        the state.
    states : sequence, optional
        All state labels in the order wanted for ``P`` (default: the sorted observed states).
        States listed here but never observed get a row only with ``unobserved="absorbing"``.
    weights : array-like, optional
        Customers each row (wide panel) or sequence stands for.
    level : float, default 0.95
        Confidence level of the intervals.
    ci_method : {"wilson", "goodman", "wald"}, default "wilson"
        Wilson score interval per entry; Goodman (1965) simultaneous intervals per row;
        Wald.
    unobserved : {"raise", "absorbing"}, default "raise"
        What to do with a state that has no observed outgoing move.

    Returns
    -------
    TransitionMatrixResults
        ``matrix``, ``counts``, ``lower``/``upper``, ``bse``, ``chain`` (a :class:`MarkovChain`),
        ``clv_conf_int(...)``; values, stationary shares and absorption times come from
        its ``chain``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.markov import estimate_transition_matrix
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2, 2],
    ...                       "period": [1, 2, 3, 1, 2, 3],
    ...                       "state": ["current", "current", "lost", "current", "lost", "lost"]})
    >>> res = estimate_transition_matrix(panel, customer_col="customer_id", period="period",
    ...                                  state="state")
    >>> res.matrix.round(3).to_numpy().tolist()
    [[0.333, 0.667], [0.0, 1.0]]
    """
    _check_ci(level, ci_method)
    if unobserved not in ("raise", "absorbing"):
        raise DataError(f"unobserved must be 'raise' or 'absorbing'; received {unobserved!r}.")
    if state is not None:
        src, dst, w, idx, owners = _long_moves(data, customer_col, period, state, states, weights)
    elif isinstance(data, pd.DataFrame) or (isinstance(data, np.ndarray) and data.ndim == 2):
        src, dst, w, idx, owners = _wide_moves(data, states, weights)
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        src, dst, w, idx, owners = _sequence_moves(data, states, weights)
    else:
        raise DataError("data must be a long panel DataFrame (with state=...), a wide panel "
                        "(DataFrame or 2-D array, one column per period) or a list of state "
                        f"sequences; received {type(data).__name__}.")
    counts = kernel.transition_counts(src, dst, len(idx), w)
    if counts.sum() <= 0:
        raise DataError("no transitions between consecutive periods were observed; each customer "
                        "needs states in at least two consecutive periods.")
    cust, n_customers, cust_weights = owners
    moves = _CustomerMoves(np.asarray(cust, dtype=np.int64), np.asarray(src, dtype=np.int64) * len(idx) + dst,
                           n_customers, cust_weights)
    return TransitionMatrixResults(counts, idx, level=float(level), ci_method=ci_method,
                                   unobserved=unobserved, customer_moves=moves)


def _wide_moves(data, states, weights):
    index = data.index if isinstance(data, pd.DataFrame) else None
    arr = data.to_numpy() if isinstance(data, pd.DataFrame) else np.asarray(data)
    n, T = arr.shape
    if T < 2:
        raise DataError(f"a wide panel needs at least two periods (columns); received {T}.")
    codes, idx = _encode(arr.ravel(), states, "data")
    codes = codes.reshape(n, T)
    src = codes[:, :-1]
    dst = codes[:, 1:]
    ok = (src >= 0) & (dst >= 0)
    w = wc = None
    if weights is not None:
        wc = check_weights(weights, n, index)
        w = np.broadcast_to(wc[:, None], src.shape)[ok]
    cust = np.broadcast_to(np.arange(n)[:, None], src.shape)[ok]
    return src[ok], dst[ok], w, idx, (cust, n, wc)


def _sequence_moves(data, states, weights):
    lengths = np.fromiter((len(s) for s in data), dtype=np.int64, count=len(data))
    if lengths.size == 0:
        raise DataError("data holds no sequences.")
    flat = np.concatenate([np.asarray(s, dtype=object) for s in data]) if lengths.sum() else np.array([])
    codes, idx = _encode(flat, states, "data")
    seq = np.repeat(np.arange(lengths.size), lengths)
    same = seq[1:] == seq[:-1]
    src, dst = codes[:-1], codes[1:]
    ok = same & (src >= 0) & (dst >= 0)
    w = wc = None
    if weights is not None:
        wc = check_weights(weights, lengths.size)
        w = wc[seq[:-1]][ok]
    return src[ok], dst[ok], w, idx, (seq[:-1][ok], lengths.size, wc)


def _customer_codes(values: np.ndarray) -> np.ndarray:
    """Integer customer codes; a sorted integer id column is coded in one pass (no hashing)."""
    if values.dtype.kind in "iu" and values.size > 1:
        step = np.diff(values)
        if (step >= 0).all():
            return np.concatenate([[0], np.cumsum(step != 0)])
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < 4 * values.size:  # compact integer ids: use them as codes
            return values.astype(np.int64) - lo
    codes, _ = pd.factorize(values)
    return codes


def _encode_column(col: pd.Series, states: Any, name: str) -> tuple[np.ndarray, pd.Index]:
    """Like :func:`_encode`, using a categorical column's codes directly (no string hashing)."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return _encode(col.to_numpy(), states, name)
    raw = col.cat.codes.to_numpy().astype(np.int64)
    cats = col.cat.categories
    present = np.bincount(raw[raw >= 0], minlength=len(cats)) > 0
    if states is None:
        idx = pd.Index(cats[present], name="state")
        remap = np.full(len(cats), -1, dtype=np.int64)
        remap[present] = np.arange(int(present.sum()))
    else:
        idx = pd.Index(list(states), name="state")
        if idx.has_duplicates:
            raise DataError(f"states must be unique; received duplicates {list(idx[idx.duplicated()])}.")
        remap = idx.get_indexer(cats)
        unknown = present & (remap < 0)
        if unknown.any():
            raise DataError(f"{name} holds values that are not in states={list(idx)}: "
                            f"{list(cats[unknown][:5])}; add them to states or recode them.")
    if len(idx) == 0:
        raise DataError(f"{name} holds no observed state.")
    return np.where(raw >= 0, remap[np.maximum(raw, 0)], -1), idx


def _period_codes(col: pd.Series) -> tuple[np.ndarray, int]:
    """0-based period numbers: integer periods and pandas Periods keep their spacing (a
    missing period breaks a sequence); other sortable values (dates, labels) are ranked."""
    if pd.api.types.is_integer_dtype(col.dtype):
        v = col.to_numpy(dtype=np.int64)
    elif isinstance(col.dtype, pd.PeriodDtype):
        v = col.array.asi8
    else:
        v, _ = pd.factorize(col.to_numpy(), sort=True)
    v = v - v.min()
    return v.astype(np.int64), int(v.max()) + 1


def _long_moves(data, customer_col, period, state, states, weights):
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"state= names a column, so data must be a DataFrame; received {type(data).__name__}.")
    if weights is not None:
        raise DataError("weights are not supported for a long panel; repeat the rows or pass a wide panel.")
    for col, role in ((period, "period"), (state, "state")):
        if col is None:
            raise DataError(f"a long panel needs {role}= (a column name).")
        if col not in data:
            raise DataError(f"column {col!r} ({role}) not found; columns received: {list(data.columns)}.")
    if customer_col is None:
        cust_raw = data.index.to_numpy()
    elif customer_col in data:
        cust_raw = data[customer_col].to_numpy()
    else:
        raise DataError(f"column {customer_col!r} (customer_col) not found; columns received: {list(data.columns)}.")
    if len(data) == 0:
        raise DataError("data (a long panel) has no rows; each customer needs states in at least "
                        "two consecutive periods.")
    check_not_missing(cust_raw, f"{customer_col or 'the index'} (customer_col)", data.index)
    if data[period].isna().any():
        raise DataError(f"{period} (period) must not be missing; "
                        + describe_rows(data[period].isna().to_numpy(), data.index))
    cust = _customer_codes(cust_raw)
    wave, nw = _period_codes(data[period])
    codes, idx = _encode_column(data[state], states, state)
    key = cust.astype(np.int64) * nw + wave
    dk = np.diff(key)
    n_cells = (int(cust.max()) + 1) * nw if cust.size else 0
    if not (dk > 0).all() and n_cells <= 4 * key.size + 1024:
        # unsorted but dense panel: scatter the states into a (customer, period) grid in O(n),
        # no sort needed
        hits = np.bincount(key, minlength=n_cells)
        if (hits > 1).any():
            row = int(np.flatnonzero(hits[key] > 1)[0])
            raise DataError(f"each (customer, period) must appear once; the pair of row "
                            f"{data.index[row]!r} is repeated.")
        grid = np.full(n_cells, -1, dtype=np.int16 if len(idx) < 32_000 else np.int64)
        grid[key] = codes
        grid = grid.reshape(-1, nw)
        src, dst = grid[:, :-1], grid[:, 1:]
        ok = (src >= 0) & (dst >= 0)
        rows = np.broadcast_to(np.arange(grid.shape[0])[:, None], src.shape)[ok]
        return src[ok], dst[ok], None, idx, (rows, grid.shape[0], None)
    if (dk > 0).all():
        order = None
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        dk = np.diff(key)
    if (dk == 0).any():
        pos = np.flatnonzero(dk == 0)[0] + 1
        row = pos if order is None else order[pos]
        raise DataError(f"each (customer, period) must appear once; the pair of row "
                        f"{data.index[row]!r} is repeated.")
    c = codes if order is None else codes[order]
    w = wave if order is None else wave[order]
    ok = (dk == 1) & (w[1:] != 0) & (c[:-1] >= 0) & (c[1:] >= 0)
    # dk == 1 and the next row not at period 0 means: same customer, next period.
    cu = key[:-1][ok] // nw
    return c[:-1][ok], c[1:][ok], None, idx, (cu, int(cust.max()) + 1, None)
