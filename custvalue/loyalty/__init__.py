"""Satisfaction -> loyalty: regressions, curves, moderation, PLS path models and loyalty segments.

* :func:`from_formula` / :func:`lr_test`: OLS (HC3), ordered probit/logit, probit/logit with a
  domain results layer (standardised coefficients, marginal effects, predictions, plots);
* :func:`satisfaction_curve`, :func:`compare_curves`: nonlinear curves and equal-curve tests;
* :func:`simple_slopes`, :func:`johnson_neyman`, :func:`moderated_regression`: moderation;
* :class:`ModelSpec`, :class:`PLSPM`, :func:`plspm`: PLS path modelling with bootstrap;
* :func:`path_analysis`: observed-composite path analysis with bootstrapped indirect effects;
* :func:`plot_path_diagram` / :func:`path_layout`: the path diagram with coefficients and R²;
* :func:`fit_sem`: covariance-based SEM through semopy (optional), flagging improper solutions;
* :func:`dick_basu_segments`, :func:`loyalty_indicators`: loyalty segments and indicators;
* :func:`load_ecsi_synthetic`: the shipped synthetic ECSI-shaped survey.
"""

from ._data import load_ecsi_synthetic
from .curves import CurveComparison, compare_curves, curve_slopes, satisfaction_curve
from .moderation import JohnsonNeymanResult, johnson_neyman, moderated_regression, simple_slopes
from .pathanalysis import PathAnalysisResults, path_analysis
from .plots import path_layout, plot_path_diagram
from .pls import PLSPM, PLSBootstrapResults, PLSResults, plspm
from .regression import LoyaltyRegressionResults, LRTestResult, formula_variables, from_formula, lr_test
from .segments import SEGMENTS, dick_basu_segments, loyalty_indicators, segment_table
from .sem import ImproperSolutionWarning, SEMResults, fit_sem
from .spec import ModelSpec

__all__ = [
    "from_formula", "lr_test", "LoyaltyRegressionResults", "LRTestResult", "formula_variables",
    "satisfaction_curve", "compare_curves", "curve_slopes", "CurveComparison",
    "simple_slopes", "johnson_neyman", "moderated_regression", "JohnsonNeymanResult",
    "ModelSpec", "PLSPM", "plspm", "PLSResults", "PLSBootstrapResults",
    "path_analysis", "PathAnalysisResults", "path_layout", "plot_path_diagram",
    "fit_sem", "SEMResults", "ImproperSolutionWarning",
    "dick_basu_segments", "segment_table", "loyalty_indicators", "SEGMENTS",
    "load_ecsi_synthetic",
]
