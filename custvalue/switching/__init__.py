"""Switching-cost estimators: Shy (2002) from prices and customer bases, the state-dependence
logit (money-metric switching costs from choice panels), brand-switching matrices and survey
switching-barrier indices."""

from .statedep import (
    ChoicePanel,
    InitialConditionsWarning,
    RandomInterceptLogit,
    StateDependenceLogit,
    StateDependenceResults,
    prepare_choice_panel,
)

__all__ = [
    "ChoicePanel", "InitialConditionsWarning", "RandomInterceptLogit", "StateDependenceLogit",
    "StateDependenceResults", "prepare_choice_panel",
]

from .shy import NegativeSwitchingCostWarning, ShyResults, shy_switching_costs, undercut_proof_prices

__all__ += ["NegativeSwitchingCostWarning", "ShyResults", "shy_switching_costs",
            "undercut_proof_prices"]

from .brand_switching import BrandSwitchingResults, brand_switching_matrix

__all__ += ["BrandSwitchingResults", "brand_switching_matrix"]

from .barriers import (BARRIER_KINDS, DEFAULT_BARRIER_ITEMS, BarrierIndex, barrier_moderation,
                       switching_barrier_index)

__all__ += ["BARRIER_KINDS", "DEFAULT_BARRIER_ITEMS", "BarrierIndex", "barrier_moderation",
            "switching_barrier_index"]

from .plots import plot_switching_costs, plot_switching_matrix

__all__ += ["plot_switching_matrix", "plot_switching_costs"]
