"""Seeded, vectorised simulators that return the same columns as real data plus the truth.

Every function takes ``seed`` (an int, None, or a ``numpy.random.Generator``).
"""

from .betageo import simulate_betageo, simulate_betageo_transactions
from .btyd import simulate_bgbb, simulate_modbetageo, simulate_paretonbd
from .covariates import simulate_betageo_covariates, simulate_modbetageo_covariates, simulate_paretonbd_covariates
from .cnbdk import simulate_cnbdk
from .ggomnbd import simulate_ggomnbd
from .loyalty import simulate_loyalty_survey, simulate_path_model
from .markov import simulate_chain, simulate_markov_panel
from .potential import simulate_potential_base
from .sbg import simulate_sbg, simulate_sbg_survivors
from .switching import simulate_choice_panel, simulate_upp_market

__all__ = [
    "simulate_betageo", "simulate_betageo_transactions", "simulate_paretonbd", "simulate_modbetageo",
    "simulate_bgbb", "simulate_sbg", "simulate_sbg_survivors", "simulate_chain", "simulate_markov_panel",
    "simulate_potential_base", "simulate_choice_panel", "simulate_upp_market", "simulate_loyalty_survey",
    "simulate_path_model", "simulate_paretonbd_covariates", "simulate_betageo_covariates",
    "simulate_modbetageo_covariates",
    "simulate_cnbdk", "simulate_ggomnbd",
]

# time-varying covariates (issue 18, item 4)
from .paretonbd_tv import TimeVaryingBase, simulate_paretonbd_tv  # noqa: E402

__all__ += ["simulate_paretonbd_tv", "TimeVaryingBase"]
