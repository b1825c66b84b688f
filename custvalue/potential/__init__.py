"""Potential value: the multivariate probit of product ownership (Verhoef & Donkers 2001),
potential-value scores, the current x potential value matrix and validation tools."""

from .._deprecation import moved_names
from .evaluation import evaluate_value, gini, hit_rates, mape, median_split_accuracy, top_decile_lift
from .mvprobit import MultivariateProbit, MultivariateProbitResults
from .plots import ownership_calibration, plot_correlation_matrix, plot_ownership_calibration
from .value import (ValueMatrix, ols_potential_value, plot_value_matrix, potential_value,
                    univariate_probits, value_matrix)

__all__ = [
    "MultivariateProbit", "MultivariateProbitResults",
    "potential_value", "univariate_probits", "ols_potential_value",
    "value_matrix", "ValueMatrix", "plot_value_matrix",
    "plot_correlation_matrix", "ownership_calibration", "plot_ownership_calibration",
    "hit_rates", "mape", "median_split_accuracy", "top_decile_lift", "gini", "evaluate_value",
]

__getattr__ = moved_names(__name__, {"LRTest": ("custvalue.base.lrtest", "LRTestResult")})
