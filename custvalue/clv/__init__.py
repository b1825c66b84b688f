"""Customer lifetime value: buy-till-you-die models, spend models and discounted value."""

from .betageo import BetaGeo, BetaGeoResults
from .gammagamma import GammaGamma, GammaGammaResults
from .forecast import actual_repeat_transactions, cohort_repeat_transactions
from .value import clv
from ..markov import MarkovChain, TransitionMatrixResults, estimate_transition_matrix, recency_states
# deprecated second ways to the chain's methods (issue 17); not in __all__, each call warns
from ..markov.deprecated import expected_time_to_absorption as expected_time_to_absorption
from ..markov.deprecated import markov_clv as markov_clv
from ..markov.deprecated import stationary_distribution as stationary_distribution
from .retention import retention_clv, retention_clv_elasticity
from .sbg import ShiftedBetaGeometric, ShiftedBetaGeometricResults, survivors_to_durations
from .paretonbd import ParetoNBD, ParetoNBDResults
from .modbetageo import ModifiedBetaGeo, ModifiedBetaGeoResults
from .bgbb import BetaGeoBetaBinom, BetaGeoBetaBinomResults
from .ggomnbd import GammaGompertzNBD, GammaGompertzNBDResults
from .cnbdk import BetaGeoCNBD, BetaGeoCNBDResults, ModifiedBetaGeoCNBD, ModifiedBetaGeoCNBDResults
from .dert import customer_equity, customer_npv
from .decomposition import customer_value_table
from .comparison import compare_models
from .diagnostics import (frequency_recency_matrix, heterogeneity_density, holdout_by_frequency,
                          holdout_by_recency, p_alive_by_pattern, p_alive_history, repeat_purchase_histogram,
                          retention_table,
                          tracking_table)

__all__ = ["BetaGeo", "BetaGeoResults", "GammaGamma", "GammaGammaResults", "clv", "cohort_repeat_transactions",
           "MarkovChain", "TransitionMatrixResults", "estimate_transition_matrix", "recency_states",
           "retention_clv", "retention_clv_elasticity", "ShiftedBetaGeometric", "ShiftedBetaGeometricResults",
           "survivors_to_durations",
           "ParetoNBD", "ParetoNBDResults", "ModifiedBetaGeo", "ModifiedBetaGeoResults",
           "BetaGeoBetaBinom", "BetaGeoBetaBinomResults", "customer_npv", "customer_equity",
           "customer_value_table", "actual_repeat_transactions", "compare_models",
           "repeat_purchase_histogram", "holdout_by_frequency", "holdout_by_recency", "tracking_table",
           "frequency_recency_matrix", "p_alive_history", "heterogeneity_density", "retention_table",
           "p_alive_by_pattern", "ModifiedBetaGeoCNBD", "ModifiedBetaGeoCNBDResults", "BetaGeoCNBD",
           "BetaGeoCNBDResults", "GammaGompertzNBD", "GammaGompertzNBDResults"]

# time-varying covariates (issue 18, item 2)
from .paretonbd_tv import ParetoNBDTimeVarying, ParetoNBDTimeVaryingResults  # noqa: E402

__all__ += ["ParetoNBDTimeVarying", "ParetoNBDTimeVaryingResults"]
