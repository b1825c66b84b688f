"""The multivariate probit of product ownership (Verhoef & Donkers 2001): the specification
(:class:`MultivariateProbit`, data, design and simulated likelihood) and its results
(:class:`MultivariateProbitResults`, :class:`LRTest`)."""

from .results import LRTest, MultivariateProbitResults
from .specification import MultivariateProbit

__all__ = ["MultivariateProbit", "MultivariateProbitResults", "LRTest"]
