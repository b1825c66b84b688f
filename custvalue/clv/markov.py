"""Deprecated home of the Markov-chain migration models, kept for one release (issue 17).

They live in the neutral package :mod:`custvalue.markov` (``clv``, ``segment`` and
``switching`` all build on it); every name here warns with a ``FutureWarning`` and returns the
object from its new home.  :mod:`custvalue.clv` itself still exports the chain, the estimate
and :func:`custvalue.markov.recency_states` without a warning.
"""

from .._deprecation import moved_names

__all__: list[str] = []

__getattr__ = moved_names(__name__, {
    "MarkovChain": ("custvalue.markov", "MarkovChain"),
    "TransitionMatrixResults": ("custvalue.markov", "TransitionMatrixResults"),
    "estimate_transition_matrix": ("custvalue.markov", "estimate_transition_matrix"),
    "recency_states": ("custvalue.markov", "recency_states"),
    "markov_clv": ("custvalue.clv", "markov_clv"),
    "stationary_distribution": ("custvalue.clv", "stationary_distribution"),
    "expected_time_to_absorption": ("custvalue.clv", "expected_time_to_absorption"),
})
