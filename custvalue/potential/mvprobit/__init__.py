"""The multivariate probit of product ownership (Verhoef & Donkers 2001): the specification
(:class:`MultivariateProbit`, data, design and simulated likelihood) and its results
(:class:`MultivariateProbitResults`, :class:`~custvalue.base.lrtest.LRTestResult`)."""

from ..._deprecation import moved_names
from .results import MultivariateProbitResults
from .specification import MultivariateProbit

__all__ = ["MultivariateProbit", "MultivariateProbitResults"]

# LRTest (a NamedTuple) became the library's one LR-test type, custvalue.base.lrtest.LRTestResult
__getattr__ = moved_names(__name__, {"LRTest": ("custvalue.base.lrtest", "LRTestResult")})
