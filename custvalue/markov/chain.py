"""A customer-migration Markov chain: a validated transition matrix with its state labels, and
everything computed from it (Pfeifer & Carraway 2000, "Modeling customer relationships as Markov
chains", Journal of Interactive Marketing 14(2):43-55).

Each computation has one entry point, a method of :class:`MarkovChain`: the expected discounted
value per starting state (:meth:`MarkovChain.value`, P&C eqs. 5-6), the state distribution after
``t`` periods, the stationary distribution, times to absorption and a Monte-Carlo check.  The
formulas are the kernels of :mod:`custvalue.math.markov`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (as_float_array, as_generator, check_discount_rate, check_transition_matrix,
                           check_whole_number)
from ..base import FrozenMixin
from .._deprecation import renamed_arguments
from ..exceptions import DataError, ModelSpecificationError
from ..math import markov as kernel

__all__ = ["MarkovChain", "as_chain"]


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
    >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
    @renamed_arguments(t="horizon")
    def n_step(self, horizon: int) -> pd.DataFrame:
        """``P^h``: transition probabilities over ``h = horizon`` periods (P&C eq. 3).

        Parameters
        ----------
        horizon : int
            Number of periods (whole number >= 0); the old name ``t`` warns (FutureWarning).

        Returns
        -------
        pandas.DataFrame
            Rows: state now ("from"); columns: state after ``horizon`` periods ("to").

        Examples
        --------
        >>> from custvalue.markov import MarkovChain
        >>> chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
        >>> chain.n_step(2).to_numpy().round(3).tolist()
        [[0.64, 0.36], [0.0, 1.0]]
        """
        h = _check_horizon(horizon, allow_none=False, name="horizon")
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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
        >>> from custvalue.markov import MarkovChain
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


def as_chain(P: Any, states: Sequence[Any] | None = None, *, name: str = "P") -> MarkovChain:
    """A :class:`MarkovChain` from a chain, a transition-matrix estimate or a matrix.

    Parameters
    ----------
    P : MarkovChain, TransitionMatrixResults, array-like or pandas.DataFrame
        The chain itself, an estimate (its ``chain``), or a row-stochastic matrix.
    states : sequence, optional
        State labels when ``P`` is an array.
    name : str, default "P"
        The caller's argument name, used in error messages.

    Returns
    -------
    MarkovChain

    Raises
    ------
    DataError
        When ``P`` is not a valid transition matrix (the message names ``name``).

    Examples
    --------
    >>> from custvalue.markov import as_chain
    >>> as_chain([[0.5, 0.5], [0.0, 1.0]], ["active", "lost"])
    <MarkovChain: 2 states ['active', 'lost']>
    """
    from .estimation import TransitionMatrixResults  # the estimate module builds on this one

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
