"""Customer lifetime value: buy-till-you-die models, spend models and discounted value."""

from .betageo import BetaGeo, BetaGeoResults
from .gammagamma import GammaGamma, GammaGammaResults
from .forecast import cohort_repeat_transactions
from .value import clv

__all__ = ["BetaGeo", "BetaGeoResults", "GammaGamma", "GammaGammaResults", "clv", "cohort_repeat_transactions"]
