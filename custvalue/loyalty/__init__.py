"""Satisfaction -> loyalty: regressions, curves, moderation, PLS path models and loyalty segments."""

from .regression import LoyaltyRegressionResults, LRTestResult, formula_variables, from_formula, lr_test

__all__ = ["from_formula", "lr_test", "LoyaltyRegressionResults", "LRTestResult", "formula_variables"]
