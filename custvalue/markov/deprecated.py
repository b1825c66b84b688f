"""Deprecated second and third ways to the same Markov computations (issue 17), kept for one
release: each warns with a ``FutureWarning`` naming the one entry point, a method of
:class:`custvalue.markov.MarkovChain`, and returns its result unchanged."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .chain import as_chain

__all__: list[str] = []


def warn_deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated; use {new} (one entry point per computation). The old name still "
                  "works in this release and will be removed in the next.", FutureWarning, stacklevel=3)


def markov_clv(P: Any, rewards: Any, discount_rate: Any, horizon: int | None = None, *,
               include_current: bool = True, states: Sequence[Any] | None = None
               ) -> pd.Series | pd.DataFrame:
    """Deprecated: use ``MarkovChain(P, states).value(rewards, discount_rate, horizon)``.

    Parameters
    ----------
    P : array-like, pandas.DataFrame, MarkovChain or TransitionMatrixResults
        Row-stochastic transition matrix.
    rewards, discount_rate, horizon, include_current
        As in :meth:`custvalue.markov.MarkovChain.value`.
    states : sequence, optional
        State labels when ``P`` is an array.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Value per starting state.
    """
    warn_deprecated("markov_clv(P, ...)", "custvalue.markov.MarkovChain(P).value(...)")
    return as_chain(P, states).value(rewards, discount_rate, horizon, include_current=include_current)


def stationary_distribution(P: Any, *, states: Sequence[Any] | None = None) -> pd.Series:
    """Deprecated: use ``MarkovChain(P, states).stationary_distribution()``.

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
    """
    warn_deprecated("stationary_distribution(P)", "custvalue.markov.MarkovChain(P).stationary_distribution()")
    return as_chain(P, states).stationary_distribution()


def expected_time_to_absorption(P: Any, absorbing: Any = None, *,
                                states: Sequence[Any] | None = None) -> pd.Series:
    """Deprecated: use ``MarkovChain(P, states).expected_time_to_absorption(absorbing)``.

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
    """
    warn_deprecated("expected_time_to_absorption(P)", "custvalue.markov.MarkovChain(P).expected_time_to_absorption()")
    return as_chain(P, states).expected_time_to_absorption(absorbing)
