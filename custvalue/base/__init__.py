"""Shared machinery: the likelihood-model base, frozen results and the summary table."""

from .model import LikelihoodModel, numerical_jacobian
from .results import FrozenMixin, LikelihoodResults
from .summary import Summary

__all__ = ["LikelihoodModel", "LikelihoodResults", "FrozenMixin", "Summary", "numerical_jacobian"]
