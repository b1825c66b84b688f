"""Potential value: the multivariate probit of product ownership (Verhoef & Donkers 2001),
potential-value scores, the current x potential value matrix and validation tools."""

from .mvprobit import LRTest, MultivariateProbit, MultivariateProbitResults

__all__ = ["MultivariateProbit", "MultivariateProbitResults", "LRTest"]
