"""Customer lifetime value: buy-till-you-die models, spend models and discounted value."""

from .betageo import BetaGeo, BetaGeoResults
from .gammagamma import GammaGamma, GammaGammaResults
from .forecast import cohort_repeat_transactions
from .value import clv
from .markov import (MarkovChain, TransitionMatrixResults, estimate_transition_matrix, expected_time_to_absorption,
                     markov_clv, recency_states, stationary_distribution)
from .retention import retention_clv, retention_clv_elasticity
from .sbg import ShiftedBetaGeometric, ShiftedBetaGeometricResults, survivors_to_durations

__all__ = ["BetaGeo", "BetaGeoResults", "GammaGamma", "GammaGammaResults", "clv", "cohort_repeat_transactions",
           "MarkovChain", "TransitionMatrixResults", "estimate_transition_matrix", "expected_time_to_absorption",
           "markov_clv", "recency_states", "stationary_distribution",
           "retention_clv", "retention_clv_elasticity", "ShiftedBetaGeometric", "ShiftedBetaGeometricResults",
           "survivors_to_durations"]
