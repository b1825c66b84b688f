"""Markov-chain migration models of customer value (Pfeifer & Carraway 2000, "Modeling
customer relationships as Markov chains", Journal of Interactive Marketing 14(2):43-55).

Customers move between a finite set of states (recency classes, or the seed texts'
potential / target / current / lost / non-customer states) with a transition matrix ``P``;
each state earns a reward per period.  This module estimates ``P`` from panels or transaction
logs (with confidence intervals), and gives the expected discounted value per starting state,
stationary distributions, times to absorption and a Monte-Carlo check.

Public API (stable; other modules call it):

* :func:`estimate_transition_matrix` -> :class:`TransitionMatrixResults`
* :class:`MarkovChain` (a validated matrix with its state labels)
* :func:`markov_clv`, :func:`stationary_distribution`, :func:`expected_time_to_absorption`
* :func:`recency_states` (transaction log -> recency-class panel)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (as_float_array, as_generator, as_period, check_discount_rate, check_level,
                           check_not_missing, check_period_freq,
                           check_transition_matrix, check_weights, check_whole_number, describe_rows,
                           parse_dates, require_frame)
from ..base import FrozenMixin, Summary
from ..exceptions import DataError, ModelSpecificationError
from ..math import markov as kernel

__all__ = [
    "MarkovChain", "TransitionMatrixResults", "estimate_transition_matrix", "markov_clv",
    "stationary_distribution", "expected_time_to_absorption", "recency_states",
]

_CI_METHODS = {"wilson": kernel.wilson_interval, "wald": kernel.wald_interval,
               "goodman": kernel.goodman_interval}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _state_index(k: int, states: Any) -> pd.Index:
    if states is None:
        return pd.RangeIndex(k, name="state")
    idx = pd.Index(list(states), name="state")
    if len(idx) != k:
        raise DataError(f"states must have one label per row of P ({k}); received {len(idx)}.")
    if idx.has_duplicates:
        raise DataError(f"states must be unique; received duplicates {list(idx[idx.duplicated()])}.")
    return idx


def _check_horizon(horizon: Any, *, allow_none: bool = True, name: str = "horizon") -> int | None:
    if horizon is None:
        if allow_none:
            return None
        raise DataError(f"{name} is required here (a whole number of periods >= 0).")
    return check_whole_number(horizon, f"{name} (periods)", minimum=0)


class MarkovChain(FrozenMixin):
    """A customer-migration Markov chain: a validated transition matrix and its state labels.

    Parameters
    ----------
    P : array-like or pandas.DataFrame, shape (k, k)
        Row-stochastic transition matrix, ``P[i, j]`` = P(state j next period | state i now).
        A DataFrame's index gives the state labels; its columns must hold the same labels
        and are matched to them by label (in any order).
    states : sequence, optional
        State labels for an array ``P`` (default 0..k-1).

    Examples
    --------
    >>> from custvalue.clv import MarkovChain
    >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
    >>> chain.value({"active": 100.0, "lost": 0.0}, discount_rate=0.1).round(2).tolist()
    [366.67, 0.0]
    """

    def __init__(self, P: Any, states: Sequence[Any] | None = None):
        if isinstance(P, pd.DataFrame) and states is None and not P.index.equals(P.columns):
            # the "to" states are matched to the "from" states by label, not by position
            if (P.index.has_duplicates or P.columns.has_duplicates
                    or set(P.index) != set(P.columns)):
                raise DataError("P's index (from) and columns (to) must hold the same state labels; "
                                f"received {list(P.index)} and {list(P.columns)}.")
            P = P.loc[:, list(P.index)]
        arr = check_transition_matrix(P, "P")
        if isinstance(P, pd.DataFrame):
            if states is None:
                states = list(P.index)
        self.P = arr
        self.P.setflags(write=False)
        self.states = _state_index(arr.shape[0], states)
        self._freeze()

    # -- views ----------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of states."""
        return int(self.P.shape[0])

    @property
    def matrix(self) -> pd.DataFrame:
        """The transition matrix as a DataFrame (rows: from, columns: to)."""
        return pd.DataFrame(self.P, index=self.states.rename("from"), columns=self.states.rename("to"))

    def __repr__(self) -> str:
        return f"<MarkovChain: {self.k} states {list(self.states)}>"

    def _rewards(self, rewards: Any, name: str = "rewards") -> np.ndarray:
        if isinstance(rewards, Mapping) and not isinstance(rewards, pd.Series):
            rewards = pd.Series(rewards)
        if isinstance(rewards, pd.Series):
            missing = [s for s in self.states if s not in rewards.index]
            if missing:
                raise DataError(f"{name} must give a value for every state; missing {missing}.")
            extra = [s for s in rewards.index if s not in self.states]
            if extra:
                raise DataError(f"{name} names states the chain does not have: {extra[:5]}; "
                                f"states: {list(self.states)}.")
            rewards = rewards.reindex(self.states)
        R = as_float_array(rewards, name)
        if R.shape[0] != self.k:
            raise DataError(f"{name} must have one entry per state ({self.k}); received {R.shape[0]}.")
        return R

    def _state_codes(self, labels: Any, name: str) -> np.ndarray:
        labels = [labels] if np.ndim(labels) == 0 else list(labels)
        codes = self.states.get_indexer(labels)
        if (codes < 0).any():
            bad = [lab for lab, c in zip(labels, codes) if c < 0]
            raise DataError(f"{name} must be state labels among {list(self.states)}; received {bad}.")
        return codes

    # -- value ----------------------------------------------------------------------------
    def value(self, rewards: Any, discount_rate: Any, horizon: int | None = None, *,
              include_current: bool = True) -> pd.Series | pd.DataFrame:
        """Expected discounted value of a customer in each starting state (P&C eqs. 5-6).

        ``V_T = sum_{t=0}^{T} [(1+d)^-1 P]^t R``; infinite horizon
        ``V = (I - P/(1+d))^-1 R``.

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward (margin minus marketing cost) earned in each state per period; a
            Series/mapping is matched to the state labels.
        discount_rate : float or array-like
            Discount rate per period (> -1; > 0 for an infinite horizon). An array gives
            one column per rate.
        horizon : int, optional
            Last period ``T`` of the sum (``T + 1`` rewards including period 0);
            ``None`` (default) for the infinite horizon.
        include_current : bool, default True
            Include the reward of the current period (t = 0), as P&C do. ``False`` values
            only future periods (payments at the end of each period).

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Value per starting state (Series for a scalar rate; otherwise one column per
            rate).

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> MarkovChain([[0.8, 0.2], [0.0, 1.0]]).value([100.0, 0.0], 0.1, horizon=1).round(2).tolist()
        [172.73, 0.0]
        """
        R = self._rewards(rewards)
        d = check_discount_rate(discount_rate)
        h = _check_horizon(horizon)
        if h is None and np.any(d <= 0):
            V = self._value_undiscounted(R, d, include_current, discount_rate)
        else:
            V = kernel.discounted_value(self.P, R, d, h, include_current)
        if not np.all(np.isfinite(V)):
            raise DataError(f"the discounted value overflows (beyond 1e308) at discount_rate="
                            f"{discount_rate!r} over horizon={horizon!r}: a negative rate compounds "
                            "the rewards of a long horizon without bound. Use a shorter horizon "
                            "or a rate closer to 0.")
        if d.ndim == 0:
            return pd.Series(V, index=self.states, name="value")
        return pd.DataFrame(V.T, index=self.states, columns=pd.Index(d, name="discount_rate"))

    def _value_undiscounted(self, R: np.ndarray, d: np.ndarray, include_current: bool,
                            received: Any) -> np.ndarray:
        """Infinite-horizon value when some rate is <= 0: absorbing states that earn nothing
        are dropped (their value is 0) and the sum must converge on the rest (spectral
        radius of the remaining discounted block < 1), else a DataError."""
        absorbing = np.isclose(np.diag(self.P), 1.0, rtol=0, atol=1e-12) & (R == 0)
        keep = ~absorbing
        Q = self.P[np.ix_(keep, keep)]
        out = np.zeros(np.shape(d) + (self.k,))
        flat = out.reshape(-1, self.k)
        for i, dv in enumerate(np.atleast_1d(d)):  # loop over the few discount rates
            radius = np.max(np.abs(np.linalg.eigvals(Q / (1 + dv)))) if keep.any() else 0.0
            if radius >= 1 - 1e-12:
                raise DataError(f"discount_rate must be > 0 for an infinite horizon on this chain: "
                                f"without discounting, the chain keeps earning rewards forever (a "
                                f"closed class of states with non-zero rewards), so the value "
                                f"diverges; received {received!r}. Pass a finite horizon "
                                "or a positive discount_rate.")
            if keep.any():
                exits = self.P[np.ix_(keep, absorbing)].sum(axis=1)  # into the dropped states
                flat[i, keep] = kernel.discounted_value(Q, R[keep], float(dv), None, include_current,
                                                        exits=exits)
        return out

    def value_path(self, rewards: Any, discount_rate: float, horizon: int, *,
                   include_current: bool = True) -> pd.DataFrame:
        """``V_T`` for ``T = 0..horizon``: rows indexed by ``horizon``, one column per state.

        The partial sums of P&C eq. (5), showing how the value builds up with the horizon.

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward earned in each state per period (see :meth:`value`).
        discount_rate : float
            Discount rate per period (> -1).
        horizon : int
            Last period ``T`` (whole number >= 0).
        include_current : bool, default True
            Include the reward of the current period (t = 0).

        Returns
        -------
        pandas.DataFrame
            Rows ``horizon = 0..horizon``, one column per starting state.

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.value_path({"active": 100.0, "lost": 0.0}, 0.1, horizon=2).round(2).to_numpy().tolist()
        [[100.0, 0.0], [172.73, 0.0], [225.62, 0.0]]
        """
        R = self._rewards(rewards)
        d = float(check_discount_rate(discount_rate))
        h = _check_horizon(horizon, allow_none=False)
        V = kernel.discounted_value_path(self.P, R, d, h, include_current)
        if not np.all(np.isfinite(V)):
            raise DataError(f"the discounted value overflows (beyond 1e308) at discount_rate="
                            f"{discount_rate!r} over horizon={horizon!r}: a negative rate compounds "
                            "the rewards of a long horizon without bound. Use a shorter horizon "
                            "or a rate closer to 0.")
        return pd.DataFrame(V, index=pd.RangeIndex(h + 1, name="horizon"), columns=self.states)

    # -- dynamics -------------------------------------------------------------------------
    def n_step(self, t: int) -> pd.DataFrame:
        """``P^t``: transition probabilities over ``t`` periods (P&C eq. 3).

        Parameters
        ----------
        t : int
            Number of periods (whole number >= 0).

        Returns
        -------
        pandas.DataFrame
            Rows: state now ("from"); columns: state after ``t`` periods ("to").

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.n_step(2).to_numpy().round(3).tolist()
        [[0.64, 0.36], [0.0, 1.0]]
        """
        h = _check_horizon(t, allow_none=False, name="t")
        return pd.DataFrame(kernel.n_step(self.P, h), index=self.states.rename("from"),
                            columns=self.states.rename("to"))

    def state_distribution(self, initial: Any, horizon: int) -> pd.DataFrame:
        """Share of customers in each state at t = 0..horizon starting from ``initial``.

        Parameters
        ----------
        initial : state label, array-like or pandas.Series
            A starting state label, or a distribution over states (counts are normalised).
        horizon : int
            Last period.

        Returns
        -------
        pandas.DataFrame
            Rows ``t = 0..horizon``, columns states.

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.state_distribution("active", 2).to_numpy().round(3).tolist()
        [[1.0, 0.0], [0.8, 0.2], [0.64, 0.36]]
        """
        h = _check_horizon(horizon, allow_none=False)
        if np.ndim(initial) == 0 and not isinstance(initial, (pd.Series, Mapping)):
            x = np.zeros(self.k)
            x[self._state_codes(initial, "initial")[0]] = 1.0
        else:
            x = self._rewards(initial, "initial")
            if (x < 0).any() or x.sum() <= 0:
                raise DataError("initial must be a non-negative distribution over states with a positive total.")
            x = x / x.sum()
        out = kernel.state_distribution(self.P, x, h)
        return pd.DataFrame(out, index=pd.RangeIndex(h + 1, name="t"), columns=self.states)

    def stationary_distribution(self) -> pd.Series:
        """The long-run share of customers in each state (``pi P = pi``).

        Returns
        -------
        pandas.Series
            Stationary probabilities indexed by state.

        Raises
        ------
        ModelSpecificationError
            If the chain has more than one closed class (no unique stationary distribution).

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> MarkovChain([[0.9, 0.1], [0.5, 0.5]]).stationary_distribution().round(4).tolist()
        [0.8333, 0.1667]
        """
        pi, ok = kernel.stationary_distribution(self.P)
        if not ok:
            raise ModelSpecificationError(
                "the chain has no unique stationary distribution (it has more than one closed "
                "class of states, e.g. two absorbing states); restrict it to one class.")
        return pd.Series(pi, index=self.states, name="stationary")

    def absorbing_states(self) -> list[Any]:
        """States that are never left (``P[i, i] == 1``).

        Returns
        -------
        list
            Their labels, in state order (empty if there is none).

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.absorbing_states()
        ['lost']
        """
        return list(self.states[np.isclose(np.diag(self.P), 1.0, rtol=0, atol=1e-12)])

    def _targets(self, absorbing: Any) -> np.ndarray:
        if absorbing is None:
            mask = np.isclose(np.diag(self.P), 1.0, rtol=0, atol=1e-12)
            if not mask.any():
                raise DataError("the chain has no absorbing state (P[i, i] == 1); name the target "
                                "states with absorbing=[...].")
        else:
            mask = np.zeros(self.k, dtype=bool)
            mask[self._state_codes(absorbing, "absorbing")] = True
        if mask.all():
            raise DataError("absorbing must leave at least one other (transient) state.")
        return mask

    def expected_time_to_absorption(self, absorbing: Any = None) -> pd.Series:
        """Expected number of periods until a customer first enters the ``absorbing`` states.

        ``t = (I - Q)^-1 1`` with ``Q`` the transition matrix restricted to the other states
        (Kemeny & Snell 1960, thm. 3.3.5).

        Parameters
        ----------
        absorbing : label or list of labels, optional
            Target states (e.g. ``"lost"``); defaults to the states with ``P[i, i] == 1``.

        Returns
        -------
        pandas.Series
            Expected periods, indexed by the other (starting) states.

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.expected_time_to_absorption("lost").round(6).tolist()
        [5.0]
        """
        mask = self._targets(absorbing)
        trans = ~mask
        try:
            N = kernel.fundamental_matrix(self.P, trans)
        except np.linalg.LinAlgError:
            N = None
        if N is None or not np.all(np.isfinite(N)) or (N < -1e-9).any():
            raise DataError("some states can never reach the absorbing states, so the expected time "
                            "is infinite; check P or choose other target states.")
        return pd.Series(N.sum(axis=1), index=self.states[trans], name="expected_time_to_absorption")

    def absorption_probabilities(self, absorbing: Any = None) -> pd.DataFrame:
        """P(first absorbing state entered is j | start in i): ``(I - Q)^-1 R_abs``.

        ``Q`` is the transition matrix among the other (transient) states and ``R_abs`` the
        block of moves from them into the absorbing states (Kemeny & Snell 1960, ch. 3).

        Parameters
        ----------
        absorbing : label or list of labels, optional
            Target states; defaults to the states with ``P[i, i] == 1``.

        Returns
        -------
        pandas.DataFrame
            Rows: transient starting states ("from"); columns: absorbing states
            ("absorbed_in"); rows sum to 1 when absorption is certain.

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.6, 0.3, 0.1], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        ...                     states=["active", "loyal", "lost"])
        >>> chain.absorption_probabilities().round(3).to_numpy().tolist()
        [[0.75, 0.25]]
        """
        mask = self._targets(absorbing)
        trans = ~mask
        N = kernel.fundamental_matrix(self.P, trans)
        B = N @ self.P[np.ix_(trans, mask)]
        return pd.DataFrame(B, index=self.states[trans].rename("from"),
                            columns=self.states[mask].rename("absorbed_in"))

    # -- simulation -----------------------------------------------------------------------
    def simulate(self, n_customers: int, horizon: int, initial: Any, *,
                 seed: int | np.random.Generator | None = None, labels: bool = True) -> pd.DataFrame:
        """Simulate state paths of ``n_customers`` over ``t = 0..horizon``.

        Parameters
        ----------
        n_customers : int
            Number of customers.
        horizon : int
            Number of transitions to simulate.
        initial : state label or array-like of labels
            Starting state (one for all customers, or one per customer).
        seed : int or numpy.random.Generator, optional
            Source of randomness.
        labels : bool, default True
            Return state labels (categorical columns); ``False`` returns integer codes.

        Returns
        -------
        pandas.DataFrame
            One row per customer (``customer_id``), one column per period ``t``.

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> paths = chain.simulate(3, horizon=2, initial="active", seed=1)
        >>> paths.shape, paths[0].tolist()
        ((3, 3), ['active', 'active', 'active'])
        """
        from ..simulate.markov import simulate_chain

        h = _check_horizon(horizon, allow_none=False)
        codes0 = self._state_codes(initial, "initial")
        paths = simulate_chain(self.P, codes0 if codes0.size > 1 else int(codes0[0]),
                               n_customers, h, seed=seed)
        cols = pd.RangeIndex(h + 1, name="t")
        idx = pd.RangeIndex(paths.shape[0], name="customer_id")
        if not labels:
            return pd.DataFrame(paths, index=idx, columns=cols)
        cat = pd.CategoricalDtype(self.states)
        return pd.DataFrame({t: pd.Categorical.from_codes(paths[:, t], dtype=cat) for t in cols},
                            index=idx).rename_axis(columns="t")

    def monte_carlo_value(self, rewards: Any, discount_rate: float, horizon: int, *,
                          n_customers: int = 10_000, seed: int | np.random.Generator | None = None,
                          include_current: bool = True) -> pd.DataFrame:
        """Check :meth:`value` by simulation: the mean discounted reward of simulated paths.

        For each starting state, ``n_customers`` paths are simulated for ``horizon``
        periods and ``sum_t R[state_t] / (1+d)^t`` averaged.

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward earned in each state per period (see :meth:`value`).
        discount_rate : float
            Discount rate per period (> -1).
        horizon : int
            Number of periods simulated (whole number >= 0).
        n_customers : int, default 10000
            Simulated customers per starting state.
        seed : int or numpy.random.Generator, optional
            Source of randomness.
        include_current : bool, default True
            Include the reward of period 0.

        Returns
        -------
        pandas.DataFrame
            Indexed by starting state with columns ``monte_carlo``, ``std_error`` and
            ``closed_form`` (from :meth:`value` at the same horizon).

        Examples
        --------
        >>> from custvalue.clv import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> mc = chain.monte_carlo_value([100.0, 0.0], 0.1, horizon=5, n_customers=2000, seed=1)
        >>> round(float(mc.loc["active", "closed_form"]), 1)
        312.4
        >>> bool(abs(mc.loc["active", "monte_carlo"] - 312.4) < 4 * mc.loc["active", "std_error"])
        True
        """
        from ..simulate.markov import simulate_chain

        R = self._rewards(rewards)
        d = float(check_discount_rate(discount_rate))
        h = _check_horizon(horizon, allow_none=False)
        n = check_whole_number(n_customers, "n_customers", minimum=1)
        rng = as_generator(seed)
        start = np.repeat(np.arange(self.k), n)
        paths = simulate_chain(self.P, start, start.size, h, seed=rng)
        disc = (1.0 + d) ** -np.arange(h + 1)
        if not include_current:
            disc[0] = 0.0
        pv = (R[paths] * disc).sum(axis=1).reshape(self.k, n)
        out = pd.DataFrame({"monte_carlo": pv.mean(axis=1),
                            "std_error": pv.std(axis=1, ddof=1) / np.sqrt(n)}, index=self.states)
        out["closed_form"] = self.value(R, d, h, include_current=include_current).to_numpy()
        return out


def _as_chain(P: Any, states: Any = None, name: str = "P") -> MarkovChain:
    """A MarkovChain from a chain, an estimate or a matrix; errors name the argument ``name``."""
    if isinstance(P, MarkovChain):
        return P
    if isinstance(P, TransitionMatrixResults):
        return P.chain
    try:
        return MarkovChain(P, states)
    except DataError as exc:
        if name == "P":
            raise
        raise DataError(f"{name} (the transition matrix P): {exc}") from None


def markov_clv(P: Any, rewards: Any, discount_rate: Any, horizon: int | None = None, *,
               include_current: bool = True, states: Sequence[Any] | None = None
               ) -> pd.Series | pd.DataFrame:
    """Expected discounted customer value per starting state of a Markov migration model.

    Pfeifer & Carraway (2000) eq. (5) ``V_T = sum_{t=0}^{T} [(1+d)^-1 P]^t R`` and eq. (6)
    ``V = (I - P/(1+d))^-1 R``.  A two-state chain (active with retention ``r``, absorbing
    lost with zero reward) gives the simple retention formula ``m (1+d)/(1+d-r)``
    (``m r/(1+d-r)`` with ``include_current=False``).

    Parameters
    ----------
    P : array-like, pandas.DataFrame, MarkovChain or TransitionMatrixResults
        Row-stochastic transition matrix.
    rewards : array-like, pandas.Series or mapping
        Reward per state per period.
    discount_rate : float or array-like
        Per-period discount rate (> -1); an array gives one column per rate.
    horizon : int, optional
        Last period of the sum; ``None`` for the infinite horizon.
    include_current : bool, default True
        Include the current period's reward.
    states : sequence, optional
        State labels when ``P`` is an array.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Value per starting state.

    Examples
    --------
    >>> from custvalue.clv import markov_clv
    >>> round(float(markov_clv([[0.8, 0.2], [0, 1]], [100, 0], 0.1, include_current=False)[0]), 2)
    266.67
    """
    return _as_chain(P, states).value(rewards, discount_rate, horizon, include_current=include_current)


def stationary_distribution(P: Any, *, states: Sequence[Any] | None = None) -> pd.Series:
    """Long-run share of customers per state, ``pi P = pi`` (see :meth:`MarkovChain.stationary_distribution`).

    Parameters
    ----------
    P : array-like, pandas.DataFrame, MarkovChain or TransitionMatrixResults
        Row-stochastic transition matrix.
    states : sequence, optional
        State labels when ``P`` is an array.

    Returns
    -------
    pandas.Series
        Stationary probabilities indexed by state.

    Examples
    --------
    >>> from custvalue.clv import stationary_distribution
    >>> stationary_distribution([[0.9, 0.1], [0.5, 0.5]]).round(4).tolist()
    [0.8333, 0.1667]
    """
    return _as_chain(P, states).stationary_distribution()


def expected_time_to_absorption(P: Any, absorbing: Any = None, *,
                                states: Sequence[Any] | None = None) -> pd.Series:
    """Expected periods until first entering ``absorbing`` (see :meth:`MarkovChain.expected_time_to_absorption`).

    Parameters
    ----------
    P : array-like, pandas.DataFrame, MarkovChain or TransitionMatrixResults
        Row-stochastic transition matrix.
    absorbing : label or list of labels, optional
        Target states; defaults to the states with ``P[i, i] == 1``.
    states : sequence, optional
        State labels when ``P`` is an array.

    Returns
    -------
    pandas.Series
        Expected periods, indexed by the other (starting) states.

    Examples
    --------
    >>> from custvalue.clv import expected_time_to_absorption
    >>> expected_time_to_absorption([[0.75, 0.25], [0, 1]]).tolist()
    [4.0]
    """
    return _as_chain(P, states).expected_time_to_absorption(absorbing)


# --------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------
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
    >>> from custvalue.clv import estimate_transition_matrix
    >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
    >>> res
    <TransitionMatrixResults: 2 states, 8 transitions>
    >>> res.matrix.round(3).to_numpy().tolist()
    [[0.667, 0.333], [0.5, 0.5]]
    """

    def __init__(self, counts: np.ndarray, states: pd.Index, *, level: float, ci_method: str,
                 unobserved: str):
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
        >>> from custvalue.clv import estimate_transition_matrix
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
        """Value per starting state of the estimated chain (see :func:`markov_clv`).

        Parameters
        ----------
        rewards : array-like, pandas.Series or mapping
            Net reward earned in each state per period.
        discount_rate : float or array-like
            Discount rate per period (> -1); an array gives one column per rate.
        horizon : int, optional
            Last period of the sum; ``None`` for the infinite horizon.
        include_current : bool, default True
            Include the current period's reward.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Value per starting state (P&C eqs. 5-6).

        Examples
        --------
        >>> from custvalue.clv import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> res.markov_clv({"a": 10, "b": 0}, 0.1).round(2).tolist()
        [70.71, 58.93]
        """
        return self.chain.value(rewards, discount_rate, horizon, include_current=include_current)

    def clv_conf_int(self, rewards: Any, discount_rate: float, horizon: int | None = None, *,
                     level: float = 0.95, n_draws: int = 999, include_current: bool = True,
                     seed: int | np.random.Generator | None = None) -> pd.DataFrame:
        """Parametric-bootstrap interval for the value per state.

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
        >>> from custvalue.clv import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> ci = res.clv_conf_int({"a": 10, "b": 0}, 0.1, n_draws=199, seed=0)
        >>> ci["value"].round(2).tolist(), bool((ci["lower"] <= ci["value"]).all())
        ([70.71, 58.93], True)
        """
        _check_ci(level, "wilson")
        R = self.chain._rewards(rewards)
        d = float(check_discount_rate(discount_rate))
        h = _check_horizon(horizon)
        n_draws = check_whole_number(n_draws, "n_draws", minimum=2)
        rng = as_generator(seed)
        n = self.n_from.to_numpy()
        P = self.matrix.to_numpy()
        nn = np.maximum(n, 1).astype(np.int64)
        draws = rng.multinomial(nn, P, size=(int(n_draws), self._k)) / nn[None, :, None]
        empty = n <= 0
        draws[:, empty, :] = P[empty]
        beta = 1.0 / (1.0 + d)
        A = beta * draws
        if h is None:
            V = np.linalg.solve(np.eye(self._k)[None] - A, np.broadcast_to(R[:, None], (int(n_draws), self._k, 1)))[..., 0]
        else:
            V = np.broadcast_to(R, (int(n_draws), self._k)).copy()
            for _ in range(h):  # loop over periods
                V = R[None] + np.einsum("nij,nj->ni", A, V)
        if not include_current:
            V = V - R[None]
        a = (1 - level) / 2
        return pd.DataFrame({"value": self.markov_clv(R, d, h, include_current=include_current).to_numpy(),
                             "lower": np.quantile(V, a, axis=0), "upper": np.quantile(V, 1 - a, axis=0)},
                            index=self.states)

    def stationary_distribution(self) -> pd.Series:
        """The long-run state shares of the estimated chain (see :meth:`MarkovChain.stationary_distribution`).

        Returns
        -------
        pandas.Series
            Stationary probabilities indexed by state.

        Examples
        --------
        >>> from custvalue.clv import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> res.stationary_distribution().round(3).tolist()
        [0.6, 0.4]
        """
        return self.chain.stationary_distribution()

    def expected_time_to_absorption(self, absorbing: Any = None) -> pd.Series:
        """Expected periods to absorption in the estimated chain (see :meth:`MarkovChain.expected_time_to_absorption`).

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
        >>> from custvalue.clv import estimate_transition_matrix
        >>> res = estimate_transition_matrix([["a", "a", "b"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "a"]])
        >>> res.expected_time_to_absorption("b").round(3).tolist()
        [3.0]
        """
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
        >>> from custvalue.clv import estimate_transition_matrix
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


def estimate_transition_matrix(data: Any, *, customer_id: str | None = None, period: str | None = None,
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
          ``customer_id`` (or the index when ``customer_id`` is None), ``period`` (sortable:
          integers, pandas Periods, dates or labels) and ``state``; a move is counted from
          period t to t+1 of the same customer (integer periods and Periods keep their
          spacing, so a skipped period breaks the sequence; dates and labels are ranked
          over the whole panel);
        * a **wide panel**: one row per customer, one column per period in time order
          (a DataFrame or a 2-D array), e.g. the output of :func:`recency_states`;
        * a list of per-customer state **sequences** (ragged lengths allowed).
    customer_id, period, state : str, optional
        Column names of a long panel.
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
        ``markov_clv(...)``, ``clv_conf_int(...)``, ``stationary_distribution()``...

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import estimate_transition_matrix
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2, 2],
    ...                       "period": [1, 2, 3, 1, 2, 3],
    ...                       "state": ["current", "current", "lost", "current", "lost", "lost"]})
    >>> res = estimate_transition_matrix(panel, customer_id="customer_id", period="period",
    ...                                  state="state")
    >>> res.matrix.round(3).to_numpy().tolist()
    [[0.333, 0.667], [0.0, 1.0]]
    """
    _check_ci(level, ci_method)
    if unobserved not in ("raise", "absorbing"):
        raise DataError(f"unobserved must be 'raise' or 'absorbing'; received {unobserved!r}.")
    if state is not None:
        src, dst, w, idx = _long_moves(data, customer_id, period, state, states, weights)
    elif isinstance(data, pd.DataFrame) or (isinstance(data, np.ndarray) and data.ndim == 2):
        src, dst, w, idx = _wide_moves(data, states, weights)
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        src, dst, w, idx = _sequence_moves(data, states, weights)
    else:
        raise DataError("data must be a long panel DataFrame (with state=...), a wide panel "
                        "(DataFrame or 2-D array, one column per period) or a list of state "
                        f"sequences; received {type(data).__name__}.")
    counts = kernel.transition_counts(src, dst, len(idx), w)
    if counts.sum() <= 0:
        raise DataError("no transitions between consecutive periods were observed; each customer "
                        "needs states in at least two consecutive periods.")
    return TransitionMatrixResults(counts, idx, level=float(level), ci_method=ci_method,
                                   unobserved=unobserved)


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
    w = None
    if weights is not None:
        wc = check_weights(weights, n, index)
        w = np.broadcast_to(wc[:, None], src.shape)[ok]
    return src[ok], dst[ok], w, idx


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
    w = None
    if weights is not None:
        w = check_weights(weights, lengths.size)[seq[:-1]][ok]
    return src[ok], dst[ok], w, idx


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


def _long_moves(data, customer_id, period, state, states, weights):
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"state= names a column, so data must be a DataFrame; received {type(data).__name__}.")
    if weights is not None:
        raise DataError("weights are not supported for a long panel; repeat the rows or pass a wide panel.")
    for col, role in ((period, "period"), (state, "state")):
        if col is None:
            raise DataError(f"a long panel needs {role}= (a column name).")
        if col not in data:
            raise DataError(f"column {col!r} ({role}) not found; columns received: {list(data.columns)}.")
    if customer_id is None:
        cust_raw = data.index.to_numpy()
    elif customer_id in data:
        cust_raw = data[customer_id].to_numpy()
    else:
        raise DataError(f"column {customer_id!r} (customer_id) not found; columns received: {list(data.columns)}.")
    if len(data) == 0:
        raise DataError("data (a long panel) has no rows; each customer needs states in at least "
                        "two consecutive periods.")
    check_not_missing(cust_raw, f"{customer_id or 'the index'} (customer_id)", data.index)
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
        return src[ok], dst[ok], None, idx
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
    return c[:-1][ok], c[1:][ok], None, idx


# --------------------------------------------------------------------------------------
# transaction log -> recency classes
# --------------------------------------------------------------------------------------
def recency_states(transactions: pd.DataFrame, *, customer_id: str = "customer_id",
                   datetime: str = "date", freq: str = "M", n_classes: int = 5,
                   start: Any = None, end: Any = None, date_format: str | None = None,
                   dayfirst: bool | None = None) -> pd.DataFrame:
    """Turn a transaction log into a panel of recency classes (Pfeifer & Carraway 2000, sec. 4).

    In each period a customer's state is the number of periods since the last purchase:
    ``0`` = bought this period, ``1`` = bought last period, ..., ``n_classes - 1`` = that many
    periods or more (an absorbing-ish "lapsed" class).  Periods before a customer's first
    purchase are missing (``<NA>``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction with ``customer_id`` and ``datetime`` columns.
    customer_id, datetime : str
        Column names.
    freq : str, default "M"
        Period length, a pandas period alias ("D", "W", "M", "Q", "Y").
    n_classes : int, default 5
        Number of recency classes (>= 2).
    start, end : date-like, optional
        First and last period of the panel (default: the span of the log).
    date_format, dayfirst : optional
        How string dates are read, as in :func:`custvalue.rfm.rfm_summary` (one format per
        column; an ambiguous or mixed column raises a DataError).

    Returns
    -------
    pandas.DataFrame
        One row per customer (index ``customer_id``), one column per period, nullable
        integer recency classes; feed it to :func:`estimate_transition_matrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import recency_states
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                     "date": pd.to_datetime(["2020-01-05", "2020-03-02", "2020-02-10"])})
    >>> recency_states(log, n_classes=3).to_numpy().tolist()
    [[0, 1, 0], [<NA>, 0, 1]]
    """
    require_frame(transactions, "transactions", (customer_id, datetime))
    n_classes = check_whole_number(n_classes, "n_classes", minimum=2)
    freq = check_period_freq(freq)
    dates, _ = parse_dates(transactions[datetime], f"datetime column {datetime!r}",
                           date_format=date_format, dayfirst=dayfirst)
    check_not_missing(transactions[customer_id], f"customer_id column {customer_id!r}")
    per = dates.dt.to_period(freq)
    p0 = per.min() if start is None else as_period(start, freq, "start")
    p1 = per.max() if end is None else as_period(end, freq, "end")
    if p1 < p0:
        raise DataError(f"end ({p1}) must not precede start ({p0}).")
    ordinal = per.array.asi8 - p0.ordinal
    n_per = p1.ordinal - p0.ordinal + 1
    keep = (ordinal >= 0) & (ordinal < n_per)
    cust, custs = pd.factorize(transactions[customer_id].to_numpy()[keep], sort=True)
    ordinal = ordinal[keep]
    bought = np.zeros((len(custs), n_per), dtype=bool)
    bought[cust, ordinal] = True
    t = np.arange(n_per)
    last = np.where(bought, t[None, :], -1)
    last = np.maximum.accumulate(last, axis=1)  # loop-free running "last purchase period"
    rec = np.minimum(t[None, :] - last, n_classes - 1)
    out = pd.DataFrame(rec, index=pd.Index(custs, name="customer_id"),
                       columns=pd.period_range(p0, p1, freq=freq, name="period")).astype("Int64")
    return out.mask(last < 0)
